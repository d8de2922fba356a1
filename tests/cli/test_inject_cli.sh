#!/bin/bash
# test_inject_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR
#                    CORPUS_XZ_DIR [core|corpus]
#
# `hivekit inject` from the command line: the change set, exit statuses,
# idempotence, --dry-run and refusals leave the file byte for byte
# unchanged, --undo restores the content, --software DevicePath once.
# The core group injects into the Windows 10 SYSTEM of fixtures/ (as the
# fixtures-xz setup decompressed it into FIXTURES_XZ_DIR) with the INFs of
# fixtures/inf; the corpus group recovers and injects the dirty regipy
# SYSTEM_B. Conventions of test_cli.sh (helpers and groups in lib.sh).
set -u

if [ $# -ne 5 ] && [ $# -ne 6 ]; then
    echo "usage: bash test_inject_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR CORPUS_XZ_DIR [core|corpus]" >&2
    exit 2
fi
H=$1 FIX=$2 FXZ=$3 CORPUS=$4 CXZ=$5
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-icli.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z
group_init "${6:-}" "$CORPUS"

# ---- a real dirty Windows 10 1709 SYSTEM (corpus) -----------------------------------
# With its logs: refused, then --recover replays the logs and injects in one
# atomic write.
if in_group corpus; then
X=$CXZ/regipy/regipy_tests/data
require "$X/SYSTEM_B" "$X/SYSTEM_B.LOG1" "$X/SYSTEM_B.LOG2"
mkdir -p "$T/sb"
cp "$X/SYSTEM_B" "$T/sb/SYSTEM"
cp "$X/SYSTEM_B.LOG1" "$T/sb/SYSTEM.LOG1"
cp "$X/SYSTEM_B.LOG2" "$T/sb/SYSTEM.LOG2"
run inject --system "$T/sb/SYSTEM" --driver viostor
check "dirty SYSTEM_B: refused" rc_is 2
check "dirty SYSTEM_B: unchanged" same_files "$T/sb/SYSTEM" "$X/SYSTEM_B"
run inject --system "$T/sb/SYSTEM" --driver viostor --recover
check "--recover: status 0" rc_is 0
check "--recover: logs reset to 0 bytes" eval '[ ! -s "$T/sb/SYSTEM.LOG1" ] && [ ! -s "$T/sb/SYSTEM.LOG2" ]'
run check "$T/sb/SYSTEM"
check "--recover: the result passes hivekit check" rc_is 0
run get "$T/sb/SYSTEM" 'CurrentControlSet\Services\viostor' Start
check "--recover: injected" out_line 0
run inject --system "$T/sb/SYSTEM" --driver viostor
check "--recover: then idempotent" out_has "nothing to change"
fi   # corpus

in_group core || finish inject_cli

# ---- the Windows 10 SYSTEM of fixtures/ ----------------------------------------------
DIRTY=$FXZ/hives/yarp/NewDirtyHive1
require "$FXZ/hives/SYSTEM-win10-20H2" "$DIRTY/NewDirtyHive" \
        "$FIX/inf/viostor-w10-amd64.inf"
cp "$FXZ/hives/SYSTEM-win10-20H2" "$T/orig"
S=$T/SYSTEM
cp "$T/orig" "$S"

# Usage errors change nothing.
run inject --driver viostor
check "no --system: usage error" usage_err
run inject --system "$S"
check "no --driver: usage error" usage_err
run inject --system "$S" --driver netkvm
check "unknown driver: usage error" usage_err
run inject --system "$S" --driver viostor --arch mips
check "bad --arch: usage error" usage_err
run inject --system "$S" --driver viostor --arch x86
check "wrong architecture: status 64" rc_is 64
check "wrong architecture: says which" err_has "AMD64"
check "refusals leave the hive unchanged" same_files "$S" "$T/orig"

# Dry run: the change set on stdout, nothing written.
run inject --system "$S" --driver viostor --dry-run
check "dry run: status 0" rc_is 0
check "dry run: .reg header" out_first_line "Windows Registry Editor Version 5.00"
check "dry run: Start=0" out_has '"Start"=dword:00000000'
check "dry run: BusType 1" out_has '"BusType"=dword:00000001'
check "dry run: DriverPackages" out_has 'DriverDatabase\DriverPackages\viostor.inf_amd64_'
check "dry run: nothing written" same_files "$S" "$T/orig"
cp "$T/out" "$T/dry.reg"

# The real run, with an undo file.
run inject --system "$S" --driver viostor --undo "$T/undo.reg" --backup
check "inject: status 0" rc_is 0
check "inject: says what it did" out_has "ControlSet001: service viostor boot-start"
check "inject: backup kept" same_files "$S.bak" "$T/orig"
check "inject: undo file written" test -s "$T/undo.reg"
run get "$S" 'CurrentControlSet\Services\viostor' Start
check "Start is 0" out_line 0
run get "$S" 'ControlSet001\Services\viostor\Parameters' BusType
check "BusType is 1" out_line 1
run info "$S"
check "the hive is clean after inject" out_has "state:          clean"
if command -v hivexml >/dev/null 2>&1; then
    check "hivexml reads the injected hive" eval 'hivexml "$S" >/dev/null 2>&1'
else
    skip "hivexml not installed (Debian package libhivex-bin, optional): the injected hive is read back by hivekit only"
fi

# Idempotent: a second run changes no byte.
cp "$S" "$T/after1"
run inject --system "$S" --driver viostor
check "second run: status 0" rc_is 0
check "second run: nothing to change" out_has "nothing to change"
check "second run: no byte changed" same_files "$S" "$T/after1"

# The dry run was exactly what the real run did: applying the patch to a
# fresh copy gives the same content.
cp "$T/orig" "$T/viapatch"
run import --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$T/viapatch" "$T/dry.reg"
check "the dry-run patch imports" rc_is 0
"$H" export "$S" --prefix X -o "$T/a.reg" && "$H" export "$T/viapatch" --prefix X -o "$T/b.reg"
check "dry-run patch == what inject did" same_files "$T/a.reg" "$T/b.reg"

# Undo restores the original content: `hivekit undo` with the manifest.
cp "$S" "$T/injected"
check "undo: the manifest beside the .reg" test -s "$T/undo.undo"
run undo "$T/undo.reg"
check "hivekit undo: status 0" rc_is 0
"$H" export "$T/orig" --prefix X -o "$T/o.reg" && "$H" export "$S" --prefix X -o "$T/u.reg"
check "undo restores the original content" same_files "$T/o.reg" "$T/u.reg"
# The .reg part alone still imports: values deleted, created keys left empty.
run import --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$T/injected" "$T/undo.reg"
check "undo .reg imports" rc_is 0
run get "$T/injected" 'ControlSet001\Services\viostor' Start
check "undo .reg: the values the run created are gone" rc_is 1
cp "$T/after1" "$T/again"
run inject --system "$T/again" --driver viostor --undo "$T/undo.reg"
check "an existing undo file is never overwritten: status 2" \
    eval 'rc_is 2 && err_has "never overwritten"'
check "... and nothing was changed" same_files "$T/again" "$T/after1"

# vioscsi: BusType 0x0A.
cp "$T/orig" "$S"
run inject --system "$S" --driver vioscsi
check "vioscsi: status 0" rc_is 0
run get "$S" 'ControlSet001\Services\vioscsi\Parameters' BusType
check "vioscsi: BusType 10" out_line 10

# Not a SYSTEM hive; a dirty hive.
cp "$FIX/hives/minimal" "$T/min"
run inject --system "$T/min" --driver viostor
check "not a SYSTEM hive: refused" eval '[ "$rc" -ne 0 ] && err_has "Select"'
check "not a SYSTEM hive: unchanged" same_files "$T/min" "$FIX/hives/minimal"
mkdir -p "$T/dirty"
cp "$DIRTY/NewDirtyHive" "$T/dirty/SYSTEM"
cp "$DIRTY/NewDirtyHive.LOG1" "$T/dirty/SYSTEM.LOG1"
run inject --system "$T/dirty/SYSTEM" --driver viostor
check "dirty hive: refused (status 2)" rc_is 2
check "dirty hive: logs named" err_has "SYSTEM.LOG1"
check "dirty hive: unchanged" same_files "$T/dirty/SYSTEM" "$DIRTY/NewDirtyHive"

# SOFTWARE: DevicePath appended once (a small hive built here).
W=$T/SOFTWARE
"$H" new "$W" >/dev/null
"$H" set -p "$W" 'Microsoft\Windows\CurrentVersion' DevicePath expand_sz '%SystemRoot%\inf' >/dev/null
cp "$T/orig" "$S"
run inject --system "$S" --software "$W" --driver viostor
check "with SOFTWARE: status 0" rc_is 0
run get "$W" 'Microsoft\Windows\CurrentVersion' DevicePath
check "DevicePath extended" out_line '%SystemRoot%\inf;%SystemRoot%\Drivers\VirtIO'
run inject --system "$S" --software "$W" --driver viostor
check "with SOFTWARE again: nothing to change" out_has "SOFTWARE: nothing to change"
run get "$W" 'Microsoft\Windows\CurrentVersion' DevicePath
check "DevicePath not extended twice" out_line '%SystemRoot%\inf;%SystemRoot%\Drivers\VirtIO'

# --inf: the real virtio-win INF gives the same driver values.
cp "$T/orig" "$S"
run inject --system "$S" --inf "$FIX/inf/viostor-w10-amd64.inf" --windows 10.0.19041
check "--inf: status 0" rc_is 0
run get "$S" 'ControlSet001\Services\viostor\Parameters' BusType
check "--inf: BusType from the INF" out_line 1
run inject --system "$S" --inf "$FIX/inf/viostor-w10-amd64.inf" --windows 6.1.7601
check "--inf: no model for Windows 7 (NTamd64.6.3 only)" eval '[ "$rc" -ne 0 ]'
run inject --system "$S" --inf "$T/nonexistent.inf"
check "--inf: missing file refused" eval '[ "$rc" -ne 0 ] && err_has nonexistent.inf'
run inject --system "$S" --inf "$FIX/inf/viostor-w10-amd64.inf" --driver viostor
check "--inf and --driver together: usage error" usage_err

# An INF with an error is refused naming its line; nothing is written.
head -c 2000 "$FIX/inf/viostor-w10-amd64.inf" > "$T/bad.inf"
printf '\r\n[Strings]\r\nVENDOR = "Red Hat, Inc.\r\n' >> "$T/bad.inf"
cp "$T/orig" "$S"
run inject --system "$S" --inf "$T/bad.inf"
check "broken INF: refused" eval '[ "$rc" -ne 0 ]'
check "broken INF: names the file and line" err_re 'bad\.inf:[0-9]+:'
check "broken INF: hive untouched" same_files "$S" "$T/orig"

# --root: a tree with Windows' odd name casing, built here.
R=$T/root
mkdir -p "$R/WINDOWS/system32/Config" "$R/WINDOWS/System32/DRIVERS" "$T/drv"
rmdir "$R/WINDOWS/System32/DRIVERS" "$R/WINDOWS/System32" 2>/dev/null
mkdir -p "$R/WINDOWS/system32/DRIVERS"
cp "$T/orig" "$R/WINDOWS/system32/Config/system"
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/drv/viostor.inf"
cp "$FIX/pe/amd64-signed.sys" "$T/drv/VIOSTOR.SYS"   # a signed AMD64 PE image (the binary check)
printf 'catalog' > "$T/drv/viostor.cat"
run inject --root "$R" --driver viostor
check "--root needs --inf" usage_err
run inject --root "$R" --inf "$T/drv/viostor.inf" --dry-run
check "--root dry run: status 0" rc_is 0
check "--root dry run: no file copied" no_file "$R/WINDOWS/system32/DRIVERS/viostor.sys"
check "--root dry run: hive unchanged" same_files "$R/WINDOWS/system32/Config/system" "$T/orig"
run inject --root "$R" --inf "$T/drv/viostor.inf"
check "--root: status 0" rc_is 0
check "--root: binary in System32\\drivers" same_files "$R/WINDOWS/system32/DRIVERS/viostor.sys" "$T/drv/VIOSTOR.SYS"
check "--root: INF in Drivers\\VirtIO" same_files "$R/WINDOWS/Drivers/VirtIO/viostor.inf" "$T/drv/viostor.inf"
check "--root: CAT in Drivers\\VirtIO" same_files "$R/WINDOWS/Drivers/VirtIO/viostor.cat" "$T/drv/viostor.cat"
run get "$R/WINDOWS/system32/Config/system" 'CurrentControlSet\Services\viostor' Start
check "--root: found the hive (odd case) and injected" out_line 0
run inject --root "$R" --inf "$T/drv/viostor.inf"
check "--root again: nothing to change" out_has "nothing to change"
cp "$R/WINDOWS/system32/Config/system" "$T/rootsys"
printf 'HIBR' > "$R/hiberfil.SYS"
run inject --root "$R" --inf "$T/drv/viostor.inf"
check "--root: hibernated guest refused (status 2)" rc_is 2
check "--root: says how to shut down fully" err_has "shut it down fully"
check "--root: hibernated guest untouched" same_files "$R/WINDOWS/system32/Config/system" "$T/rootsys"
rm -f "$R/hiberfil.SYS" "$T/drv/VIOSTOR.SYS"
cp "$T/orig" "$R/WINDOWS/system32/Config/system"
run inject --root "$R" --inf "$T/drv/viostor.inf"
check "--root: a missing driver binary is refused" eval '[ "$rc" -ne 0 ] && err_has viostor.sys'
check "--root: ... and the hive is untouched" same_files "$R/WINDOWS/system32/Config/system" "$T/orig"

finish inject_cli
