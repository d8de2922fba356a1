#!/bin/bash
# test_concurrency_cli.sh - concurrent hivekit runs on one hive lose nothing
# (docs/locking.md).
#
#  - N writers started together, each `set` of its own value, with a long
#    --wait: all exit 0 and all N values are in the hive afterwards (before
#    the locks: 1 to 3 of 20 were left, the others lost silently);
#  - the same with --replace (each commit a new file renamed over the
#    name): all N values kept;
#  - the same with --wait 0: each run either exits 0 with its value in the
#    hive, or exits 75 with its value absent; never 0 with its value lost;
#  - readers started among the writers never see a half-written hive; a
#    writer during a reader waits (--wait) or exits 75 naming the file;
#  - a FIFO named as the hive is refused at once (info, check, ls, set);
#  - two `inject --system S --software W` at once: both finish (no deadlock:
#    both lock SYSTEM first), and the hives hold the injection;
#  - the N writers again on an NTFS volume mounted with ntfs-3g (FUSE),
#    when root, /dev/fuse, mkntfs and ntfs-3g are there (else skipped).
#
# usage: bash test_concurrency_cli.sh HIVEKIT FIXTURES_DIR
set -u
if [ $# -ne 2 ]; then
    echo "usage: bash test_concurrency_cli.sh HIVEKIT FIXTURES_DIR" >&2
    exit 2
fi
H=$1 FIX=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac
N=${HIVEKIT_CONCURRENCY_N:-20}
PATH=$PATH:/usr/sbin:/sbin

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-conc.XXXXXX") || exit 2
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap cleanup_mounts EXIT
export HIVEKIT_TIME=2024-01-02T03:04:05Z

# writers DIR WAIT [OPTION...]: N concurrent `set DIR/h Race vI dword I
# --wait WAIT OPTION...`; then counts into ok (exit 0, value present), busy
# (exit 75, value absent), lost (exit 0, value absent), other (anything
# else).
writers() {
    local dir=$1 wait=$2 i r v
    shift 2
    for i in $(seq 1 "$N"); do
        ("$H" set "$dir/h" Race "v$i" dword "$i" -p --wait "$wait" "$@" \
            2>"$dir/err$i"; echo $? >"$dir/rc$i") &
    done
    wait
    ok=0 busy=0 lost=0 other=0
    for i in $(seq 1 "$N"); do
        r=$(cat "$dir/rc$i")
        v=$("$H" get "$dir/h" Race "v$i" 2>/dev/null)
        case "$r:$v" in
        "0:$i") ok=$((ok + 1)) ;;
        0:*) lost=$((lost + 1)) ;;
        75:) grep -q "is being written by another process" "$dir/err$i" &&
                 busy=$((busy + 1)) || other=$((other + 1)) ;;
        *) other=$((other + 1)); echo "      run $i: status $r, value '$v': $(head -c 300 "$dir/err$i")" ;;
        esac
    done
    echo "      $N writers (--wait $wait): $ok kept (exit 0), $busy told busy (exit 75), $lost lost, $other other"
}

fresh() { rm -rf "$1"; mkdir -p "$1"; cp "$FIX/hives/minimal" "$1/h"; }

# ---- N writers, waiting --------------------------------------------------------
fresh "$T/a"
writers "$T/a" 60
check "$N writers with --wait 60: all exit 0 with their value" \
    eval '[ "$ok" -eq "$N" ]'
run check "$T/a/h"
check "$N writers: the hive checks clean" rc_is 0

# ---- N writers replacing the file (a new inode each time) --------------------------
# A waiter that opened the old file before the rename must find the name
# moved and wait for the new, already locked file (docs/locking.md §3).
fresh "$T/rep"
writers "$T/rep" 60 --replace
check "$N writers with --replace --wait 60: all exit 0 with their value" \
    eval '[ "$ok" -eq "$N" ]'

# ---- N writers, not waiting ----------------------------------------------------
fresh "$T/b"
writers "$T/b" 0
check "--wait 0: no silent loss, every run kept (0) or told busy (75)" \
    eval '[ "$lost" -eq 0 ] && [ "$other" -eq 0 ] && [ $((ok + busy)) -eq "$N" ]'
check "--wait 0: at least one writer got through" eval '[ "$ok" -ge 1 ]'

# ---- readers among writers -------------------------------------------------------
fresh "$T/c"
for i in $(seq 1 10); do
    ("$H" set "$T/c/h" Race "w$i" dword "$i" -p --wait 60 2>/dev/null) &
    ("$H" ls "$T/c/h" --wait 60 >/dev/null 2>"$T/c/rerr$i"; echo $? >"$T/c/rrc$i") &
done
wait
bad=0
for i in $(seq 1 10); do [ "$(cat "$T/c/rrc$i")" = 0 ] || bad=$((bad + 1)); done
check "readers among writers: every ls exits 0 (never a dirty or torn hive)" \
    eval '[ "$bad" -eq 0 ]'
run ls "$T/c/h" Race
check "readers among writers: the 10 values are there" \
    eval 'rc_is 0 && [ "$(grep -c "^  w[0-9]" "$T/out")" -eq 10 ]'

# ---- a reader holding the hive: the writer waits, or is told --------------------
# An export blocked on a full pipe keeps its shared lock until it ends;
# `recover -n` (a dry run that opens for writing, changing nothing) tells
# when it holds it.
mkdir -p "$T/r"
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$T/r/SYSTEM"
{ "$H" export "$T/r/SYSTEM" | { sleep 4; cat >/dev/null; }; } &
for i in $(seq 1 100); do
    "$H" recover -n "$T/r/SYSTEM" --wait 0 >/dev/null 2>&1
    [ $? = 75 ] && break
    sleep 0.05
done
run set "$T/r/SYSTEM" Select Probe dword 1 --wait 0
check "a writer during a reader, --wait 0: status 75, one line, the file named" \
    eval 'rc_is 75 && err_one_line && err_has "$T/r/SYSTEM: is being read by another process"'
run set "$T/r/SYSTEM" Select Probe dword 2 --wait 30
check "a writer during a reader, --wait 30: waits, then writes" rc_is 0
wait
run get "$T/r/SYSTEM" Select Probe
check "the waiting writer's value is there" eval 'rc_is 0 && out_has 2'
run set "$T/r/SYSTEM" Select Probe dword 3 --wait x
check "--wait x: usage error" usage_err

# ---- not a hive file: refused at once, never waited on ---------------------------
mkfifo "$T/fifo"
# trun ARGS...: run, bounded in time (a blocked open would hang the test)
trun() {
    timeout 10 "$H" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    last="hivekit $*"
}
for c in info check ls; do
    trun "$c" "$T/fifo"
    check "$c on a FIFO: status 2 at once, 'not a regular file (a FIFO)'" \
        eval 'rc_is 2 && err_has "$T/fifo: not a regular file (a FIFO)"'
done
trun set "$T/fifo" Select X dword 1
check "set on a FIFO: status 2 at once, 'not a regular file (a FIFO)'" \
    eval 'rc_is 2 && err_has "$T/fifo: not a regular file (a FIFO)"'

# ---- two injects on the same SYSTEM and SOFTWARE ---------------------------------
mkdir -p "$T/i/drv"
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$T/i/SYSTEM"
"$H" new "$T/i/SOFTWARE" &&
    "$H" set "$T/i/SOFTWARE" 'Microsoft\Windows\CurrentVersion' DevicePath \
        expand_sz '%SystemRoot%\inf' -p >/dev/null ||
    { echo "FAIL: cannot build SOFTWARE"; exit 1; }
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/i/drv/viostor.inf"
cp "$FIX/inf/vioscsi-w10-amd64.inf" "$T/i/drv/vioscsi.inf"
for d in viostor vioscsi; do
    ("$H" inject --system "$T/i/SYSTEM" --software "$T/i/SOFTWARE" \
        --inf "$T/i/drv/$d.inf" --wait 60 >/dev/null 2>"$T/i/err-$d"
     echo $? >"$T/i/rc-$d") &
done
wait
check "two concurrent injects: both exit 0 (no deadlock)" \
    eval '[ "$(cat "$T/i/rc-viostor")" = 0 ] && [ "$(cat "$T/i/rc-vioscsi")" = 0 ]'
run get "$T/i/SYSTEM" 'ControlSet001\Services\viostor' Start
check "two concurrent injects: viostor is there" rc_is 0
run get "$T/i/SYSTEM" 'ControlSet001\Services\vioscsi' Start
check "two concurrent injects: vioscsi is there" rc_is 0

# ---- on an ntfs-3g volume ----------------------------------------------------------
why=""
[ "$(id -u)" = 0 ] || why="not root: mounting an NTFS image needs root"
[ -z "$why" ] && [ ! -c /dev/fuse ] && why="no /dev/fuse"
for t in mkntfs ntfs-3g; do
    [ -z "$why" ] && ! command -v $t >/dev/null 2>&1 && why="$t is not installed"
done
if [ -z "$why" ]; then
    truncate -s 32M "$T/vol.img"
    if ! mkntfs -F -Q -q "$T/vol.img" >/dev/null 2>&1; then
        why="mkntfs failed"
    else
        mkdir -p "$T/vol"
        if ntfs-3g "$T/vol.img" "$T/vol" 2>"$T/mount.err"; then
            MOUNTS+=("$T/vol")
        else
            why="ntfs-3g cannot mount here: $(head -c 200 "$T/mount.err")"
        fi
    fi
fi
if [ -n "$why" ]; then
    skip "$N writers on ntfs-3g: $why"
else
    fresh "$T/vol/n"
    writers "$T/vol/n" 60
    check "ntfs-3g: $N writers with --wait 60: all exit 0 with their value" \
        eval '[ "$ok" -eq "$N" ]'
    fresh "$T/vol/m"
    writers "$T/vol/m" 0
    check "ntfs-3g: --wait 0: no silent loss" \
        eval '[ "$lost" -eq 0 ] && [ "$other" -eq 0 ] && [ $((ok + busy)) -eq "$N" ]'
fi

finish concurrency_cli
