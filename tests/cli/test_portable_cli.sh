#!/bin/bash
# test_portable_cli.sh HIVEKIT FIXTURES_DIR
#
# What a 32-bit or big-endian build gets wrong, through the command:
#  - a hive stamped in 2040 prints as a date (info, info --json, ls), not as
#    a hex FILETIME (a 32-bit time_t ends in 2038);
#  - a hive file of 3 GiB (a small hive, then a hole) opens, reads and is
#    edited (fstat of it fails with EOVERFLOW without large-file support);
#  - the same outputs, byte for byte, on every host: info --json, export,
#    and `inject --driver viostor` (dry run, undo file, the hive written)
#    on the bundled Windows 10 SYSTEM hive, with HIVEKIT_TIME fixed. Their
#    SHA-256 sums are compared with fixtures/portable.sha256, made on
#    x86-64; make test-cross runs this on s390x and i386 too.
#    HIVEKIT_UPDATE_GOLDEN=1 rewrites that file (only on x86-64).
# Conventions of test_cli.sh (helpers in lib.sh). Fixtures only.
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_portable_cli.sh HIVEKIT FIXTURES_DIR" >&2
    exit 2
fi
H=$1 FIX=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac
case $FIX in /*) ;; *) FIX=$PWD/$FIX ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-portable.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export LC_ALL=C

# ---- a timestamp after 2038 ---------------------------------------------------
HIVEKIT_TIME=2040-01-02T03:04:05Z run new "$T/t2040.hive"
check "new --time 2040: status 0" rc_is 0
run info "$T/t2040.hive"
check "info: 2040 timestamp as a date" out_re '^timestamp: +2040-01-02 03:04:05 UTC$'
check "info: 2040 root key time as a date" \
    out_re '^root key: .*last written 2040-01-02 03:04:05 UTC$'
run info --json "$T/t2040.hive"
check "info --json: 2040 timestamp" out_has '"timestamp": "2040-01-02T03:04:05Z"'
check "info --json: 2040 root key time" out_has '"last_written": "2040-01-02T03:04:05Z"'
run ls "$T/t2040.hive"
check "ls: 2040 as a date" out_re '^written: +2040-01-02 03:04:05 UTC$'
# the largest time a FILETIME the CLI accepts holds: far past 2106 too
run new --time 9000-12-31T23:59:59Z "$T/t9000.hive"
check "new --time 9000: status 0" rc_is 0
run info --json "$T/t9000.hive"
check "info --json: year 9000" out_has '"timestamp": "9000-12-31T23:59:59Z"'

# ---- a 3 GiB hive file ----------------------------------------------------------
BIG=$T/big.hive
cp "$FIX/hives/minimal" "$BIG"
if truncate -s 3G "$BIG" 2>"$T/err"; then
    run info "$BIG"
    check "info on a 3 GiB file: status 0" rc_is 0
    check "info on a 3 GiB file: its size" out_re '^file size: +3221225472 bytes$'
    run info --json "$BIG"
    check "info --json on a 3 GiB file: its size" out_has '"file_size": 3221225472,'
    run ls "$BIG"
    check "ls on a 3 GiB file: status 0" rc_is 0
    HIVEKIT_TIME=2040-01-02T03:04:05Z run set -p "$BIG" 'Portable' big dword 0x11223344
    check "set on a 3 GiB file: status 0" rc_is 0
    run get "$BIG" 'Portable' big
    check "get after set: the dword" eval 'rc_is 0 && out_line 287454020'
    check "set wrote the hive in place, the slack after it kept" \
        eval '[ "$(wc -c <"$BIG")" -eq 3221225472 ]'
else
    skip "truncate -s 3G failed here ($(cat "$T/err")): the 3 GiB file was not tried"
fi

# ---- REG_DWORD values read as numbers: the guest's Windows version -------------
# inject --inf picks the INF's models section by the version in SOFTWARE
# (CurrentMajorVersionNumber and CurrentMinorVersionNumber, REG_DWORD;
# CurrentBuildNumber). Windows 10.0.19042 must get NTamd64.6.3, not the
# section for build 30000 and later that a byte-swapped major version
# (0x0a000000) would select.
S=$T/SOFTWARE
INF=$T/viostor-deco.inf
sed -e 's/= VioStor,NTamd64\.6\.3/&,NTamd64.10.0...30000/' \
    -e 's/^\[VioStor\.NTamd64\.6\.3\]/[VioStor.NTamd64.10.0...30000]\r\n%VioStorScsi.DeviceDesc% = scsi_inst, PCI\\VEN_1AF4\&DEV_BEEF\r\n\r\n&/' \
    "$FIX/inf/viostor-w10-amd64.inf" >"$INF"
export HIVEKIT_TIME=2024-01-02T03:04:05Z
run new "$S"
run set -p "$S" 'Microsoft\Windows NT\CurrentVersion' CurrentMajorVersionNumber dword 10
run set "$S" 'Microsoft\Windows NT\CurrentVersion' CurrentMinorVersionNumber dword 0
run set "$S" 'Microsoft\Windows NT\CurrentVersion' CurrentBuildNumber sz 19042
run set -p "$S" 'Microsoft\Windows\CurrentVersion' DevicePath expand_sz '%SystemRoot%\inf'
check "SOFTWARE with Windows 10.0.19042 made" rc_is 0
if xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$T/SYSTEM-inf" 2>"$T/err"; then
    run inject --system "$T/SYSTEM-inf" --software "$S" --inf "$INF" --dry-run
    check "inject --inf --software (10.0.19042): status 0" rc_is 0
    check "inject --inf: the NTamd64.6.3 models (DEV_1001)" out_has 'DEV_1001'
    check "inject --inf: not the models for build 30000 (DEV_BEEF)" out_lacks 'DEV_BEEF'
    run inject --system "$T/SYSTEM-inf" --inf "$INF" --windows 10.0.30000 --dry-run
    check "inject --inf --windows 10.0.30000: the build 30000 models" \
        eval 'rc_is 0 && out_has DEV_BEEF'
else
    skip "xz could not decompress the SYSTEM fixture: $(cat "$T/err")"
fi
unset HIVEKIT_TIME

# ---- the same bytes on every host ----------------------------------------------
G=$FIX/portable.sha256
O=$T/o
mkdir -p "$O"
if ! command -v sha256sum >/dev/null 2>&1; then
    skip "sha256sum is missing (coreutils): outputs not compared with $G"
elif ! xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$O/SYSTEM" 2>"$T/err"; then
    skip "xz could not decompress the SYSTEM fixture: $(cat "$T/err")"
else
    export HIVEKIT_TIME=2024-01-02T03:04:05Z
    cd "$O" || exit 2
    cp SYSTEM SYSTEM-virtio
    # file names relative to $O: nothing host- or run-specific in the output
    "$H" info --json SYSTEM >info.json 2>&1
    "$H" export SYSTEM >export.reg 2>&1
    "$H" inject --system SYSTEM-virtio --driver viostor --dry-run >inject-dry.reg 2>&1
    "$H" inject --system SYSTEM-virtio --driver viostor --undo undo.reg >inject.log 2>&1
    "$H" info --json SYSTEM-virtio >info-virtio.json 2>&1
    "$H" export SYSTEM-virtio 'ControlSet001\Services\viostor' >viostor.reg 2>&1
    files="info.json export.reg inject-dry.reg inject.log undo.reg SYSTEM-virtio
           info-virtio.json viostor.reg"
    # shellcheck disable=SC2086
    sha256sum $files >"$T/sums" 2>&1
    if [ -n "${HIVEKIT_UPDATE_GOLDEN:-}" ]; then
        case $(uname -m) in
        x86_64)
            { echo "# SHA-256 of the outputs of tests/cli/test_portable_cli.sh (made on x86-64;"
              echo "# HIVEKIT_UPDATE_GOLDEN=1 bash tests/cli/test_portable_cli.sh HIVEKIT FIXTURES)"
              cat "$T/sums"; } >"$G"
            echo "wrote $G" ;;
        *) echo "HIVEKIT_UPDATE_GOLDEN: refused on $(uname -m); the sums are made on x86-64" >&2
           exit 1 ;;
        esac
    fi
    for f in $files; do
        want=$(awk -v f="$f" '$2 == f { print $1 }' "$G" 2>/dev/null)
        got=$(awk -v f="$f" '$2 == f { print $1 }' "$T/sums")
        if [ -z "$want" ]; then
            nfail=$((nfail + 1)); echo "FAIL: $f: no sum in $G"
        elif [ ! -e "$f" ]; then
            nfail=$((nfail + 1)); echo "FAIL: $f was not written (inject.log: $(head -n 2 inject.log))"
        elif [ "$want" = "$got" ]; then
            npass=$((npass + 1))
        else
            nfail=$((nfail + 1))
            echo "FAIL: $f differs from the x86-64 output (sha256 $got, expected $want)"
            case $f in
            SYSTEM-virtio) ;;
            *) echo "      first lines: $(head -c 300 "$f" | head -n 3)" ;;
            esac
        fi
    done
    cd - >/dev/null || exit 2
fi

total=$((npass + nfail))
echo "portable_cli: $npass/$total checks passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
