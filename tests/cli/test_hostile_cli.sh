#!/bin/bash
# test_hostile_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR [ntfs]
#
# `inject --root` on a hostile guest volume (issue 16): symbolic links out
# of the volume at every place hivekit reads or writes, a FIFO, a device, a
# loop, a huge sparse hive. Beside each guest tree lies a decoy "other
# guest"; after every run the decoy must be byte for byte what it was
# (sha256 of every file, and the list of its entries), the run must end
# non-zero within the 5 s `timeout` (124 = it hung) with a message naming
# the path. Links that stay inside the volume still work. On a plain
# filesystem every case runs twice: with openat2 (when the kernel has it)
# and with the walk that replaces it (HIVEKIT_TEST_NO_OPENAT2=1); both
# must say the same.
#
# The oracle is independent of hivekit: sha256sum and find over the decoy,
# and the messages spelled out here from the links the test made.
# HIVEKIT_HOSTILE_TABLE=FILE appends "case | mode | exit | ms | message".
#
# With "ntfs" the guest and the decoy are two NTFS images (mkntfs) mounted
# with ntfs-3g, and every link, FIFO and device is made through the
# ntfs-3g mount (ntfs-3g stores them as reparse points and Interix
# files); it needs root and FUSE and exits 77 (Skipped) without them.
set -u

if [ $# -ne 3 ] && [ $# -ne 4 ]; then
    echo "usage: bash test_hostile_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR [ntfs]" >&2
    exit 2
fi
H=$1 FIX=$2 FXZ=$3 NTFS=${4:-}
case $H in /*) ;; *) H=$PWD/$H ;; esac
PATH=$PATH:/usr/sbin:/sbin
if [ -n "$NTFS" ]; then
    skip_all() { echo "SKIP: $*"; exit 77; }
    [ "$(id -u)" = 0 ] || skip_all "not root: mounting an NTFS image needs root"
    [ -c /dev/fuse ] || skip_all "/dev/fuse does not exist (no FUSE: ntfs-3g cannot run)"
    for t in mkntfs ntfs-3g; do
        command -v "$t" >/dev/null 2>&1 ||
            skip_all "$t is not installed (tools/install-deps.sh installs ntfs-3g)"
    done
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-hostile.XXXXXX") || exit 2
cleanup() {
    umount "$T/g/Windows/System32/drivers" 2>/dev/null
    umount "$T/g" 2>/dev/null
    umount "$T/decoy" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z
TABLE=${HIVEKIT_HOSTILE_TABLE:-/dev/null}
# A hang is a failure (timeout: exit 124); how fast each refusal comes is
# measured, not asserted (a loaded machine must not fail the suite): the
# table records it, bench/hostile.sh prints it.
TMO=5
if [ -n "${HIVEKIT_TEST_EMULATOR:-}" ]; then
    TMO=60
fi

require "$FXZ/hives/SYSTEM-win10-20H2" "$FIX/inf/viostor-w10-amd64.inf" \
        "$FIX/pe/amd64-signed.sys"
mkdir -p "$T/drv"
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/drv/viostor.inf"
cp "$FIX/pe/amd64-signed.sys" "$T/drv/VIOSTOR.SYS"   # a signed AMD64 image
printf 'catalog' > "$T/drv/viostor.cat"

# mkguest DIR: a small Windows volume (config with SYSTEM and its logs,
# drivers with disk.sys, Drivers\VirtIO, INF, hiberfil.sys not hibernated)
mkguest() {
    mkdir -p "$1/Windows/System32/config" "$1/Windows/System32/drivers" \
             "$1/Windows/Drivers/VirtIO" "$1/Windows/INF"
    cp "$FXZ/hives/SYSTEM-win10-20H2" "$1/Windows/System32/config/SYSTEM"
    : > "$1/Windows/System32/config/SYSTEM.LOG1"
    : > "$1/Windows/System32/config/SYSTEM.LOG2"
    printf 'disk driver' > "$1/Windows/System32/drivers/disk.sys"
    printf 'other viostor' > "$1/Windows/System32/drivers/viostor.sys"
    printf 'other inf' > "$1/Windows/INF/oem0.inf"
    printf 'wake' > "$1/hiberfil.sys"
}
D=$T/decoy G=$T/g
if [ -n "$NTFS" ]; then
    # volume NAME: an NTFS image mounted with ntfs-3g at $T/NAME
    volume() {
        truncate -s 64M "$T/$1.img" &&
            mkntfs -F -Q -q "$T/$1.img" >/dev/null 2>&1 &&
            mkdir -p "$T/$1" &&
            ntfs-3g -o streams_interface=xattr "$T/$1.img" "$T/$1" \
                2>"$T/mount.err"
    }
    volume decoy && volume g ||
        skip_all "ntfs-3g cannot mount here: $(head -c 300 "$T/mount.err")"
fi
mkguest "$D"
printf 'decoy log' > "$D/Windows/System32/config/SYSTEM.LOG1"
printf 'decoy backup' > "$D/Windows/System32/config/SYSTEM.bak"
# the very driver file an undo removes: a naive undo would remove this one
cp "$T/drv/VIOSTOR.SYS" "$D/Windows/System32/drivers/viostor.sys"
# The decoy's whole state: every entry with its type, every file's sha256.
decoy_state() { tree_state "$D"; }
DECOY0=$(decoy_state)
# Both resolvers on a plain filesystem; on ntfs-3g (slower: every fresh
# tree copies an 11 MB hive through FUSE) the kernel's only, to stay
# within ctest's time.
MODES="openat2 walk"
[ -n "$NTFS" ] && MODES=openat2
# fresh: a new guest tree G (a mount left by the case before undone)
fresh() {
    umount "$G/Windows/System32/drivers" 2>/dev/null
    if [ -n "$NTFS" ]; then
        find "$G" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    else
        rm -rf "$G"
    fi
    mkguest "$G"
}

# as MODE ARGS...: hivekit ARGS with the resolver MODE (openat2: the
# kernel's when it has it; walk: forced), under timeout; rc, $T/out, $T/err
as() {
    local mode=$1
    shift
    HIVEKIT_TEST_NO_OPENAT2=$([ "$mode" = walk ] && echo 1 || echo 0) \
        timeout "$TMO" "$H" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    last="[$mode] hivekit $*"
}

# settled NAME MODE OUT|ERR [MS]: the decoy is unchanged; a row of the table
# with the first line of the run's stdout or stderr
settled() {
    check "$1 [$2]: the decoy is unchanged" \
        eval '[ "$(decoy_state)" = "$DECOY0" ]'
    printf '%s | %s | %s | %s | %s\n' "$1" "$2" "$rc" "${4:--}" \
        "$(head -n 1 "$T/$3")" >> "$TABLE"
}

# hostile NAME EXPECT SETUP [inject options...]: for each resolver, a fresh
# guest G, SETUP run in it (cd G), then inject --root G; the run must fail
# (not 124) with EXPECT on stderr, quickly, and the decoy be unchanged.
hostile() {
    local name=$1 expect=$2 setup=$3 mode t0 t1 ms
    shift 3
    for mode in $MODES; do
        fresh
        (cd "$G" && eval "$setup") || { check "$name: setup" false; continue; }
        t0=$(date +%s%N)
        as $mode inject --root "$G" --inf "$T/drv/viostor.inf" "$@"
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        check "$name [$mode]: did not hang" eval '[ "$rc" -ne 124 ]'
        check "$name [$mode]: refused (exit non-zero)" eval '[ "$rc" -ne 0 ]'
        check "$name [$mode]: the message" err_has "$expect"
        settled "$name" $mode err "$ms"
    done
}

S32=Windows/System32
# Links out of the volume: absolute, and relative with ".." (G and D are
# siblings in $T, so from G/A/B/C "../../../decoy" is D).
hostile "config -> decoy (absolute)" \
    "$G/$S32/config: symbolic link to $D/$S32/config leaves the guest volume" \
    "rm -r $S32/config && ln -s '$D/$S32/config' $S32/config"
hostile "config -> decoy (relative ..)" \
    "$G/$S32/config: symbolic link to ../../../decoy/$S32/config leaves the guest volume" \
    "rm -r $S32/config && ln -s ../../../decoy/$S32/config $S32/config"
hostile "SYSTEM -> decoy SYSTEM (absolute)" \
    "$G/$S32/config/SYSTEM: symbolic link to $D/$S32/config/SYSTEM leaves the guest volume" \
    "rm $S32/config/SYSTEM && ln -s '$D/$S32/config/SYSTEM' $S32/config/SYSTEM"
hostile "SYSTEM -> decoy SYSTEM (relative ..)" \
    "$G/$S32/config/SYSTEM: symbolic link to ../../../../decoy/$S32/config/SYSTEM leaves the guest volume" \
    "rm $S32/config/SYSTEM && ln -s ../../../../decoy/$S32/config/SYSTEM $S32/config/SYSTEM"
hostile "System32/drivers -> decoy (absolute)" \
    "$G/$S32/drivers: symbolic link to $D/$S32/drivers leaves the guest volume" \
    "rm -r $S32/drivers && ln -s '$D/$S32/drivers' $S32/drivers"
hostile "System32/drivers -> decoy (relative ..)" \
    "$G/$S32/drivers: symbolic link to ../../../decoy/$S32/drivers leaves the guest volume" \
    "rm -r $S32/drivers && ln -s ../../../decoy/$S32/drivers $S32/drivers"
hostile "Windows/Drivers -> decoy (absolute)" \
    "$G/Windows/Drivers: symbolic link to $D/Windows/Drivers leaves the guest volume" \
    "rm -r Windows/Drivers && ln -s '$D/Windows/Drivers' Windows/Drivers"
hostile "Windows/Drivers -> decoy (relative ..)" \
    "$G/Windows/Drivers: symbolic link to ../../decoy/Windows/Drivers leaves the guest volume" \
    "rm -r Windows/Drivers && ln -s ../../decoy/Windows/Drivers Windows/Drivers"
hostile "Windows -> decoy (absolute)" \
    "$G/Windows: symbolic link to $D/Windows leaves the guest volume" \
    "rm -r Windows && ln -s '$D/Windows' Windows"
hostile "Windows -> decoy (relative ..)" \
    "$G/Windows: symbolic link to ../decoy/Windows leaves the guest volume" \
    "rm -r Windows && ln -s ../decoy/Windows Windows"
hostile "INF -> decoy (absolute, --stage)" \
    "$G/Windows/INF: symbolic link to $D/Windows/INF leaves the guest volume" \
    "rm -r Windows/INF && ln -s '$D/Windows/INF' Windows/INF" --stage
hostile "INF -> decoy (relative .., --stage)" \
    "$G/Windows/INF: symbolic link to ../../decoy/Windows/INF leaves the guest volume" \
    "rm -r Windows/INF && ln -s ../../decoy/Windows/INF Windows/INF" --stage
hostile "drivers/viostor.sys -> decoy file" \
    "$G/$S32/drivers/viostor.sys: symbolic link to $D/$S32/drivers/viostor.sys leaves the guest volume" \
    "rm $S32/drivers/viostor.sys && ln -s '$D/$S32/drivers/viostor.sys' $S32/drivers/viostor.sys"
hostile "drivers/disk.sys and viostor.sys links to the decoy" \
    "$G/$S32/drivers/viostor.sys: symbolic link to ../../../../decoy" \
    "rm $S32/drivers/disk.sys $S32/drivers/viostor.sys && ln -s '$D/$S32/drivers/disk.sys' $S32/drivers/disk.sys && ln -s ../../../../decoy/$S32/drivers/viostor.sys $S32/drivers/viostor.sys"
hostile "hiberfil.sys -> decoy" \
    "$G/hiberfil.sys: symbolic link to $D/hiberfil.sys leaves the guest volume" \
    "rm hiberfil.sys && ln -s '$D/hiberfil.sys' hiberfil.sys"
hostile "a link inside that leads out (chain)" \
    "$G/Windows/up: symbolic link to ../.. leaves the guest volume" \
    "ln -s ../.. Windows/up && rm -r $S32/config && ln -s ../up/decoy/$S32/config $S32/config"
hostile "an absolute link to the volume's own folder" \
    "$G/$S32/config: symbolic link to $G/$S32/cfg leaves the guest volume" \
    "mv $S32/config $S32/cfg && ln -s '$G/$S32/cfg' $S32/config"
# Special files and loops.
hostile "SYSTEM a FIFO" \
    "$G/$S32/config/SYSTEM: a FIFO (named pipe), not a regular file; refused" \
    "rm $S32/config/SYSTEM && mkfifo $S32/config/SYSTEM"
hostile "System32/drivers/viostor.sys a FIFO" \
    "$G/$S32/drivers/viostor.sys: a FIFO (named pipe), not a regular file; refused" \
    "rm $S32/drivers/viostor.sys && mkfifo $S32/drivers/viostor.sys"
hostile "Drivers/VirtIO a link to a missing folder" \
    "$G/Windows/Drivers/VirtIO: a symbolic link to a missing folder; refused" \
    "rm -r Windows/Drivers/VirtIO && ln -s gone Windows/Drivers/VirtIO"
hostile "config a link loop" \
    "more than 40 symbolic links in one lookup (a loop?); refused" \
    "rm -r $S32/config && ln -s config2 $S32/config && ln -s config $S32/config2"
hostile "SYSTEM a link to itself" \
    "$G/$S32/config/SYSTEM: more than 40 symbolic links in one lookup (a loop?); refused" \
    "rm $S32/config/SYSTEM && ln -s SYSTEM $S32/config/SYSTEM"
hostile "SYSTEM a 10 GiB sparse file" \
    "$G/$S32/config/SYSTEM:" \
    "truncate -s 10G $S32/config/SYSTEM"
if [ "$(id -u)" = 0 ] && mknod "$T/devtest" c 1 3 2>/dev/null; then
    rm -f "$T/devtest"
    hostile "SYSTEM a character device" \
        "$G/$S32/config/SYSTEM: a character device, not a regular file; refused" \
        "rm $S32/config/SYSTEM && mknod $S32/config/SYSTEM c 1 3"
else
    skip "SYSTEM a device node: mknod needs root"
fi
# Another filesystem mounted below the volume (root and tmpfs).
if [ "$(id -u)" = 0 ] && mkdir -p "$T/mnt" &&
   mount -t tmpfs tmpfs "$T/mnt" 2>/dev/null; then
    umount "$T/mnt"
    hostile "a filesystem mounted on System32/drivers" \
        "$G/$S32/drivers: another filesystem is mounted there, not the guest volume; refused" \
        "mount -t tmpfs tmpfs $S32/drivers"
else
    skip "a mount below the volume: needs root and tmpfs"
fi

# The log and the backup are never written through a link: the in-place
# commit refuses a log that is a link; a backup takes the next free name
# (SYSTEM.bak is never overwritten nor followed).
for mode in $MODES; do
    fresh
    rm "$G/$S32/config/SYSTEM.LOG1"
    ln -s "$D/$S32/config/SYSTEM.LOG1" "$G/$S32/config/SYSTEM.LOG1"
    as $mode inject --root "$G" --inf "$T/drv/viostor.inf"
    check "SYSTEM.LOG1 -> decoy [$mode]: did not hang" eval '[ "$rc" -ne 124 ]'
    check "SYSTEM.LOG1 -> decoy [$mode]: refused" eval '[ "$rc" -ne 0 ]'
    check "SYSTEM.LOG1 -> decoy [$mode]: names the log" \
        err_has "$G/$S32/config/SYSTEM: the transaction log SYSTEM.LOG1"
    settled "SYSTEM.LOG1 -> decoy" $mode err
    check "SYSTEM.LOG1 -> decoy [$mode]: still a link" \
        test -L "$G/$S32/config/SYSTEM.LOG1"

    fresh
    ln -s "$D/$S32/config/SYSTEM.bak" "$G/$S32/config/SYSTEM.bak"
    as $mode inject --root "$G" --inf "$T/drv/viostor.inf" --backup
    check "SYSTEM.bak -> decoy [$mode]: refused" eval '[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]'
    check "SYSTEM.bak -> decoy [$mode]: names the link and its target" \
        err_has "$G/$S32/config/SYSTEM.bak is a symbolic link (to $D/$S32/config/SYSTEM.bak); a backup is never written through a link; refused"
    check "SYSTEM.bak -> decoy [$mode]: the hive is unchanged" \
        same_files "$G/$S32/config/SYSTEM" "$FXZ/hives/SYSTEM-win10-20H2"
    check "SYSTEM.bak -> decoy [$mode]: no SYSTEM.bak.2" \
        eval '[ ! -e "$G/$S32/config/SYSTEM.bak.2" ]'
    settled "SYSTEM.bak -> decoy (--backup)" $mode err
done

# Links that stay inside the volume still work: Windows a relative link to
# WINNT, SYSTEM a link to a file beside it, drivers a link with "..".
for mode in $MODES; do
    fresh
    mv "$G/Windows" "$G/WINNT"
    ln -s WINNT "$G/Windows"
    mv "$G/WINNT/System32/config/SYSTEM" "$G/WINNT/System32/config/SYSTEM.real"
    ln -s SYSTEM.real "$G/WINNT/System32/config/SYSTEM"
    mv "$G/WINNT/System32/drivers" "$G/WINNT/drv"
    ln -s ../../WINNT/drv "$G/WINNT/System32/drivers"
    as $mode inject --root "$G" --inf "$T/drv/viostor.inf"
    check "inside links [$mode]: done" rc_is 0
    check "inside links [$mode]: the hive behind the link was written" \
        eval '! cmp -s "$G/WINNT/System32/config/SYSTEM.real" "$FXZ/hives/SYSTEM-win10-20H2"'
    check "inside links [$mode]: SYSTEM is still a link" \
        test -L "$G/WINNT/System32/config/SYSTEM"
    check "inside links [$mode]: Windows is still a link" test -L "$G/Windows"
    check "inside links [$mode]: the binary in the linked drivers folder" \
        same_files "$G/WINNT/drv/viostor.sys" "$T/drv/VIOSTOR.SYS"
    check "inside links [$mode]: the INF in Drivers\\VirtIO" \
        same_files "$G/WINNT/Drivers/VirtIO/viostor.inf" "$T/drv/viostor.inf"
    settled "inside links" $mode out
done

# `hivekit undo --root`: the folder the run copied into became a link to
# the decoy since; undo keeps what it cannot reach inside the volume.
for mode in $MODES; do
    fresh
    rm "$G/$S32/drivers/viostor.sys"
    run inject --root "$G" --inf "$T/drv/viostor.inf" --undo "$T/u-$mode.reg"
    check "undo [$mode]: the injection" rc_is 0
    mv "$G/$S32/drivers" "$G/$S32/drivers.old"
    ln -s "$D/$S32/drivers" "$G/$S32/drivers"
    as $mode undo "$T/u-$mode.undo"
    check "undo [$mode]: did not hang" eval '[ "$rc" -ne 124 ]'
    check "undo [$mode]: keeps the file behind the link, naming it" \
        err_has "$G/$S32/drivers: symbolic link to $D/$S32/drivers leaves the guest volume"
    settled "undo: drivers -> decoy since the run" $mode err
done

finish "test_hostile_cli${NTFS:+ (ntfs-3g)}"
