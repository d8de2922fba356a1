#!/bin/bash
# test_sandbox_cli.sh HIVEKIT FIXTURES_DIR
#
# Landlock (src/cli/confine.c, sandbox.c): every run may write only where
# its command line says. The oracle is the kernel: with the test-only
# HIVEKIT_TEST_LANDLOCK_PROBE=PATH the command, once its rules are in
# force, tries to create PATH; outside the allowed folders the kernel must
# answer EACCES, inside them the file is made. The same probes under
# HIVEKIT_NO_LANDLOCK=1 succeed (so EACCES came from Landlock, not from the
# permissions). The whole inject --root flow (--stage, --backup, --undo,
# --patch-dir) and hivekit undo run confined and must still work; so must
# the editing commands beside a hive, through a symbolic link, export -o a
# file or /dev/null, and the read-only commands (nothing writable). A
# guest whose config, SYSTEM hive, drivers folder or Windows folder is a
# link out of ROOT to a decoy "other guest" fails and leaves the decoy
# byte-identical, even if the path checks let the link through. As
# root, the probes run once more as an unprivileged user (setpriv).
# Exits 77 (Skipped) where the kernel has no Landlock.
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_sandbox_cli.sh HIVEKIT FIXTURES_DIR" >&2
    exit 2
fi
H=$1 FIX=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-sandbox.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z
unset HIVEKIT_NO_LANDLOCK HIVEKIT_TEST_LANDLOCK_PROBE

mkdir -p "$T/elsewhere" "$T/hives" || exit 2
OUT=$T/elsewhere     # a folder no command below names: probes there must fail

# probe PATH CMD...: runs hivekit CMD with the probe at PATH
probe() {
    local p=$1
    shift
    HIVEKIT_TEST_LANDLOCK_PROBE=$p run "$@"
}
denied()  { err_has "landlock probe: $1: EACCES" && no_file "$1"; }
created() { err_has "landlock probe: $1: created" && no_file "$1"; }

# ---- is Landlock there? ------------------------------------------------------------
run new -v "$T/hives/avail.hive"
if [ "$rc" -ne 0 ]; then
    echo "FAIL: hivekit new -v failed ($rc): $(head -n 1 "$T/err")"
    exit 1
fi
lsm=/sys/kernel/security/lsm
if grep -q 'landlock: not available' "$T/landlock"; then
    echo "SKIP: $(cat "$T/landlock")"
    if [ -r "$lsm" ] && grep -qw landlock "$lsm"; then
        echo "FAIL: $lsm lists landlock, hivekit says it is not available"
        exit 1
    fi
    exit 77
fi
check "-v: one line says Landlock is active and where writes may go" \
    eval 'grep -qxE "hivekit: landlock: active \(ABI [0-9]+\), writes limited to: $T/hives" "$T/landlock"'
if [ -r "$lsm" ]; then
    check "$lsm lists landlock too" grep -qw landlock "$lsm"
fi
# The ABI number against the kernel's own answer, when python3 can ask it
# (the system call numbers are those of every architecture but Alpha).
if [ -z "${HIVEKIT_TEST_EMULATOR:-}" ] && command -v python3 >/dev/null &&
   abi=$(python3 -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))' 2>/dev/null); then
    check "-v: the ABI the kernel reports ($abi)" grep -qF "(ABI $abi)" "$T/landlock"
fi

# ---- a guest volume, and inject --root under Landlock ------------------------------
R=$T/root
mkdir -p "$R/Windows/System32/config" "$R/Windows/System32/drivers" \
         "$R/Windows/INF" "$T/drv" "$T/undo" "$T/patch" || exit 2
S=$R/Windows/System32/config/SYSTEM
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" > "$T/orig" || exit 2
cp "$T/orig" "$S"
"$H" new "$R/Windows/System32/config/DRIVERS" >/dev/null || exit 2
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/drv/viostor.inf"
cp "$FIX/pe/amd64-signed.sys" "$T/drv/viostor.sys"
printf 'catalog' > "$T/drv/viostor.cat"
SVC='ControlSet001\Services\viostor'

run inject --root "$R" --inf "$T/drv/viostor.inf" --dry-run
check "inject --dry-run: status 0" rc_is 0
probe "$OUT/probe" inject --root "$R" --inf "$T/drv/viostor.inf" --dry-run -v
check "inject --root --dry-run: the probe outside ROOT: EACCES" \
    eval 'rc_is 0 && denied "$OUT/probe"'
check "inject --root --dry-run -v: writes limited to ROOT (its hives are held as a writer would)" \
    grep -q "active (ABI [0-9]*), writes limited to: $R\$" "$T/landlock"
mkdir -p "$T/dry"
cp "$T/orig" "$T/dry/SYSTEM"
probe "$T/dry/probe" inject --system "$T/dry/SYSTEM" --driver viostor --dry-run -v
check "inject --system --dry-run: nothing can be made beside the hive" \
    eval 'rc_is 0 && denied "$T/dry/probe"'
check "inject --system --dry-run -v: the hive file alone" \
    grep -q "writes limited to: $T/dry/SYSTEM (the file only)\$" "$T/landlock"
check "inject --system --dry-run: SYSTEM untouched" same_files "$T/dry/SYSTEM" "$T/orig"
probe "$T/dry/probe" recover -n "$T/dry/SYSTEM"
check "recover -n: status 0, nothing can be made beside the hive" \
    eval 'rc_is 0 && denied "$T/dry/probe"'
check "inject --dry-run: SYSTEM untouched" same_files "$S" "$T/orig"

probe "$OUT/probe" inject --root "$R" --inf "$T/drv/viostor.inf" --stage \
    --backup --undo "$T/undo/u.reg" --patch-dir "$T/patch" -v
check "inject --root --stage --backup --undo --patch-dir: status 0" rc_is 0
check "... the probe outside ROOT and the outputs: EACCES" denied "$OUT/probe"
check "... -v names ROOT, the undo's and the patch folder" \
    grep -q "writes limited to: $R, $T/undo, $T/patch\$" "$T/landlock"
check "... the driver binary copied into ROOT" \
    same_files "$R/Windows/System32/drivers/viostor.sys" "$T/drv/viostor.sys"
check "... the package staged (INF/oem9.inf: oem0..8 are taken in OemInfMap)" \
    same_files "$R/Windows/INF/oem9.inf" "$T/drv/viostor.inf"
check "... the backup beside SYSTEM" same_files "$S.bak" "$T/orig"
check "... the undo files" eval '[ -s "$T/undo/u.reg" ] && [ -s "$T/undo/u.undo" ]'
check "... the change set" \
    eval '[ -s "$T/patch/SYSTEM.reg" ] && [ -s "$T/patch/changes.txt" ]'
check "... no temporary file left in the config folder" \
    eval '[ -z "$(ls "$R/Windows/System32/config" | grep -i tmp)" ]'
run get "$S" "$SVC" Start
check "... the service is boot-start" out_line 0
run check "$S"
check "... hivekit check: clean" rc_is 0

probe "$R/probe" inject --root "$R" --inf "$T/drv/viostor.inf" --stage
check "inject --root again: a probe inside ROOT is created" \
    eval 'rc_is 0 && created "$R/probe"'
probe "$T/drv/probe" inject --root "$R" --inf "$T/drv/viostor.inf" --stage
check "inject --root: the driver's folder (read only) is not writable" \
    denied "$T/drv/probe"

probe "$OUT/probe" undo "$T/undo/u.reg" -v
check "undo: status 0, probe outside EACCES" eval 'rc_is 0 && denied "$OUT/probe"'
check "undo -v: writes limited to ROOT (the hives are below it)" \
    grep -q "writes limited to: $R\$" "$T/landlock"
run get "$S" "$SVC" Start
check "undo: the service is gone again" rc_is 1
check "undo: the copied binary removed" no_file "$R/Windows/System32/drivers/viostor.sys"
check "undo: the staged INF removed" no_file "$R/Windows/INF/oem9.inf"
"$H" export "$S" --prefix X -o "$T/a.reg" && "$H" export "$T/orig" --prefix X -o "$T/b.reg"
check "undo: SYSTEM holds its original content again" same_files "$T/a.reg" "$T/b.reg"

# ---- links out of ROOT: Landlock alone keeps the decoy intact ----------------------
# (whatever the path checks say first: the run fails, nothing outside
# ROOT changes). A decoy "other guest" beside ROOT, its whole tree summed.
DEC=$T/decoy
mkdir -p "$DEC/config" "$DEC/drivers" "$DEC/Windows/System32/config"
cp "$T/orig" "$DEC/config/SYSTEM"
cp "$T/orig" "$DEC/Windows/System32/config/SYSTEM"
DSUM=$(tree_state "$DEC")
G=$T/hostile
hostile() {   # hostile NAME: a fresh ROOT, then the link of case NAME
    rm -rf "$G"
    mkdir -p "$G/Windows/System32/config" "$G/Windows/System32/drivers" "$G/Windows/INF"
    cp "$T/orig" "$G/Windows/System32/config/SYSTEM"
    case $1 in
        config) rm -r "$G/Windows/System32/config"
                ln -s "$DEC/config" "$G/Windows/System32/config" ;;
        hive) rm "$G/Windows/System32/config/SYSTEM"
              ln -s "$DEC/config/SYSTEM" "$G/Windows/System32/config/SYSTEM" ;;
        drivers) rmdir "$G/Windows/System32/drivers"
                 ln -s ../../../decoy/drivers "$G/Windows/System32/drivers" ;;
        windows) rm -r "$G/Windows"
                 ln -s "$DEC/Windows" "$G/Windows" ;;
    esac
}
for c in config hive drivers windows; do
    hostile "$c"
    run inject --root "$G" --inf "$T/drv/viostor.inf"
    check "$c a link out of ROOT: inject fails, the decoy is unchanged" \
        eval '! rc_is 0 && [ "$(tree_state "$DEC")" = "$DSUM" ]'
done

# ---- inject --system / --software: the hives' folders ------------------------------
mkdir -p "$T/sys" "$T/soft"
cp "$T/orig" "$T/sys/SYSTEM"
"$H" new "$T/soft/SOFTWARE" >/dev/null &&
"$H" set -p "$T/soft/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath expand_sz '%SystemRoot%\inf' >/dev/null || exit 2
probe "$OUT/probe" inject --system "$T/sys/SYSTEM" --software "$T/soft/SOFTWARE" --driver viostor -v
check "inject --system --software: status 0, probe outside EACCES" \
    eval 'rc_is 0 && denied "$OUT/probe"'
check "... -v: the two hives' folders" \
    grep -q "writes limited to: $T/sys, $T/soft\$" "$T/landlock"
run get "$T/soft/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath
check "... SOFTWARE written (DevicePath extended)" out_has 'Drivers\VirtIO'
probe "$T/soft/probe" inject --system "$T/sys/SYSTEM" --software "$T/soft/SOFTWARE" --driver viostor
check "... a probe beside SOFTWARE is created" created "$T/soft/probe"

# ---- the editing commands: the hive's folder ---------------------------------------
Hv=$T/hives/h.hive
"$H" new "$Hv" >/dev/null || exit 2
probe "$OUT/probe" set -p "$Hv" 'A\B' v dword 7 --backup
check "set --backup: status 0, probe outside EACCES" eval 'rc_is 0 && denied "$OUT/probe"'
check "set --backup: the backup beside the hive" eval '[ -s "$Hv.bak" ]'
probe "$T/hives/probe" set "$Hv" 'A\B' v dword 8 --replace
check "set --replace: a probe beside the hive is created" \
    eval 'rc_is 0 && created "$T/hives/probe"'
run get "$Hv" 'A\B' v
check "set: the value written" out_line 8
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\h\\C]\n"x"="y"\n' > "$OUT/in.reg"
probe "$OUT/probe" import "$Hv" "$OUT/in.reg"
check "import: reads the .reg outside, the probe there EACCES" \
    eval 'rc_is 0 && denied "$OUT/probe"'
probe "$OUT/probe" rm "$Hv" 'A'
check "rm: status 0, probe outside EACCES" eval 'rc_is 0 && denied "$OUT/probe"'
probe "$OUT/probe" mkkey "$Hv" 'D'
check "mkkey: status 0, probe outside EACCES" eval 'rc_is 0 && denied "$OUT/probe"'
run ls "$Hv"
check "the edits are all there" eval 'out_has "C" && out_has "D" && out_lacks " A "'

# A hive reached through a symbolic link: written in the folder of its
# file, not of the link.
mkdir -p "$T/real" "$T/links"
cp "$Hv" "$T/real/h.hive"
ln -s "$T/real/h.hive" "$T/links/h.hive"
probe "$T/links/probe" set "$T/links/h.hive" E n sz x -p -v
check "set through a symlink: status 0, the link's folder not writable" \
    eval 'rc_is 0 && denied "$T/links/probe"'
check "... -v names the folder of the hive's file" \
    grep -q "writes limited to: $T/real\$" "$T/landlock"
check "... the link is still a link" eval '[ -L "$T/links/h.hive" ]'

# new: the folder of the file made.
probe "$OUT/probe" new "$T/hives/n.hive"
check "new: status 0, probe outside EACCES" eval 'rc_is 0 && denied "$OUT/probe" && [ -s "$T/hives/n.hive" ]'

# ---- the read-only commands: nothing writable --------------------------------------
for c in info ls check; do
    probe "$T/hives/probe" "$c" "$Hv"
    check "$c: status 0, even beside the hive nothing is writable" \
        eval 'rc_is 0 && denied "$T/hives/probe"'
done
probe "$T/hives/probe" get "$Hv" C x
check "get: nothing writable" eval 'rc_is 0 && denied "$T/hives/probe"'
mkdir -p "$T/exp"
probe "$T/exp/probe" export "$Hv" -o "$T/exp/h.reg"
check "export -o: the output's folder is writable" \
    eval 'rc_is 0 && created "$T/exp/probe" && [ -s "$T/exp/h.reg" ]'
probe "$T/hives/probe" export "$Hv" -o "$T/exp/h.reg"
check "export -o: the hive's folder is not" denied "$T/hives/probe"
probe "$T/exp/probe" export "$Hv" -o /dev/null
check "export -o /dev/null: written, nothing else writable" \
    eval 'rc_is 0 && denied "$T/exp/probe"'
probe "$T/exp/probe" export "$Hv"
check "export to stdout: nothing writable" \
    eval 'rc_is 0 && out_has "[HKEY_LOCAL_MACHINE\\h\\C]" && denied "$T/exp/probe"'
cp "$T/out" "$T/exp/stdout.reg"
mkfifo "$T/exp/fifo"
timeout 20 cat "$T/exp/fifo" > "$T/exp/from-fifo" &
reader=$!
# (bounded: an export that opened the FIFO in a blocking way would hang)
HIVEKIT_TEST_LANDLOCK_PROBE=$T/exp/probe timeout 20 "$H" export "$Hv" -o "$T/exp/fifo" \
    >"$T/out" 2>"$T/err"
rc=$?
last="hivekit export HIVE -o FIFO"
wait "$reader"
check "export -o FIFO: written through the rule on the FIFO alone" \
    eval 'rc_is 0 && denied "$T/exp/probe" && same_files "$T/exp/from-fifo" "$T/exp/stdout.reg"'

# ---- HIVEKIT_NO_LANDLOCK: the same probes succeed ----------------------------------
HIVEKIT_NO_LANDLOCK=1 probe "$OUT/probe" set "$Hv" C x sz z -v
check "HIVEKIT_NO_LANDLOCK=1: the probe outside is created" \
    eval 'rc_is 0 && created "$OUT/probe"'
check "HIVEKIT_NO_LANDLOCK=1 -v: says it is off" \
    grep -qx 'hivekit: landlock: off (HIVEKIT_NO_LANDLOCK is set)' "$T/landlock"
HIVEKIT_NO_LANDLOCK=1 probe "$T/hives/probe" info "$Hv"
check "HIVEKIT_NO_LANDLOCK=1: info's probe is created" created "$T/hives/probe"

# ---- as an unprivileged user -------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
    skip "not root: the probes above ran as $(id -un) only"
elif ! command -v setpriv >/dev/null; then
    skip "no setpriv: the probes ran as root only"
else
    U=$T/user
    mkdir -p "$U/hive" "$U/open"
    cp "$Hv" "$U/hive/h.hive"
    chmod 755 "$T" && chmod 777 "$U/open" && chown -R 65534:65534 "$U/hive"
    asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    HIVEKIT_TEST_LANDLOCK_PROBE=$U/open/probe asuser "$H" set "$U/hive/h.hive" F n sz u -p -v \
        >"$T/out" 2>"$T/err"
    rc=$?
    last="(as uid 65534) hivekit set ... -v"
    check "as uid 65534: set works, the probe in a folder open to all: EACCES" \
        eval 'rc_is 0 && denied "$U/open/probe"'
    check "as uid 65534: -v says active" grep -q 'hivekit: landlock: active' "$T/err"
    HIVEKIT_NO_LANDLOCK=1 HIVEKIT_TEST_LANDLOCK_PROBE=$U/open/probe asuser "$H" info "$U/hive/h.hive" \
        >"$T/out" 2>"$T/err"
    rc=$?
    last="(as uid 65534) HIVEKIT_NO_LANDLOCK=1 hivekit info"
    check "as uid 65534 without Landlock: the same probe is created" created "$U/open/probe"
fi

finish sandbox_cli
