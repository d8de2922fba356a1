#!/bin/bash
# test_pkg_cli.sh HIVEKIT FIXTURES_DIR
#
# `hivekit inject` and the driver files: the boot binary check of --root
# (signed / unsigned / foreign / not PE / --force; nothing changes when it
# fails), the path printed without --root (DIRID 13 INFs included),
# --stage (FileRepository\<label>, INF\oemNN.inf, OemInfMap, OemPath),
# idempotence, undo, `hivekit check`, a newer INF replacing the older
# package, and the DRIVERS hive never written (content, mtime, ctime and
# inode unchanged). Fixtures only: the bundled Windows 10 SYSTEM hive,
# fixtures/inf and fixtures/pe. Conventions of test_cli.sh (lib.sh).
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_pkg_cli.sh HIVEKIT FIXTURES_DIR" >&2
    exit 2
fi
H=$1 FIX=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-pkgcli.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z

xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" > "$T/orig" || exit 2
LABEL=viostor.inf_amd64_f404bd8002ac8d05
PKG="DriverDatabase\\DriverPackages\\$LABEL"

# A guest volume: SYSTEM, a DRIVERS hive (made here; it lists oem9.inf,
# which staging must not take), an INF folder, the driver folder.
R=$T/root
mkdir -p "$R/Windows/System32/config" "$R/Windows/System32/drivers" \
         "$R/Windows/INF" "$T/drv"
S=$R/Windows/System32/config/SYSTEM
D=$R/Windows/System32/config/DRIVERS
cp "$T/orig" "$S"
"$H" new "$D" >/dev/null && "$H" mkkey "$D" 'DriverDatabase\DriverInfFiles\oem9.inf' >/dev/null || exit 2
cp "$D" "$T/drivers-orig"
touch -d '2020-01-01 00:00:00' "$D"
dstat() { stat -c '%i %Y %Z %s' "$D"; }
DSTAT=$(dstat)
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/drv/viostor.inf"
printf 'catalog' > "$T/drv/viostor.cat"
drivers_untouched() { same_files "$D" "$T/drivers-orig" && [ "$(dstat)" = "$DSTAT" ]; }

# ---- the boot binary check ---------------------------------------------------------
for bad in "amd64-unsigned.sys:not signed" "i386-signed.sys:machine I386 (0x014C), not AMD64" \
           "arm64-signed.sys:machine ARM64 (0xAA64), not AMD64" "text:not a PE image"; do
    f=${bad%%:*} why=${bad#*:}
    if [ "$f" = text ]; then printf 'driver binary' > "$T/drv/viostor.sys"
    else cp "$FIX/pe/$f" "$T/drv/viostor.sys"; fi
    run inject --root "$R" --inf "$T/drv/viostor.inf"
    check "$f: refused, status 65" rc_is 65
    check "$f: one line naming the file and the problem" \
        eval 'err_one_line && err_has "$T/drv/viostor.sys: the boot driver is" && err_has "$why"'
    check "$f: nothing copied" no_file "$R/Windows/System32/drivers/viostor.sys"
    check "$f: SYSTEM untouched" same_files "$S" "$T/orig"
    run inject --root "$R" --inf "$T/drv/viostor.inf" --dry-run
    check "$f: refused in a dry run too (65)" rc_is 65
done
cp "$FIX/pe/amd64-unsigned.sys" "$T/drv/viostor.sys"
run inject --root "$R" --inf "$T/drv/viostor.inf" --force --dry-run
check "--force: the dry run goes on, with a warning" \
    eval 'rc_is 0 && err_has "warning: $T/drv/viostor.sys" && err_has "injected anyway (--force)"'
check "--force --dry-run: SYSTEM untouched" same_files "$S" "$T/orig"
run inject --root "$R" --inf "$T/drv/viostor.inf" --force
check "--force: injected (status 0) with the warning" \
    eval 'rc_is 0 && err_has "injected anyway (--force)" && out_has "service viostor boot-start"'
check "--force: the binary copied anyway" \
    same_files "$R/Windows/System32/drivers/viostor.sys" "$FIX/pe/amd64-unsigned.sys"
cp "$T/orig" "$S"
rm -rf "$R/Windows/System32/drivers/viostor.sys" "$R/Windows/Drivers"
check "the DRIVERS hive is untouched" drivers_untouched

# ---- --stage -----------------------------------------------------------------------
cp "$FIX/pe/amd64-signed.sys" "$T/drv/viostor.sys"
run inject --system "$S" --inf "$T/drv/viostor.inf" --stage
check "--stage without --root: usage error" usage_err
run inject --root "$R" --inf "$T/drv/viostor.inf" --stage --dry-run
check "--stage --dry-run: status 0" rc_is 0
check "--stage --dry-run: lists the store copy (stderr)" \
    err_has "Windows/System32/DriverStore/FileRepository/$LABEL/viostor.inf"
check "--stage --dry-run: lists INF/oem10.inf" err_has "to $R/Windows/INF/oem10.inf"
check "--stage --dry-run: nothing placed" no_file "$R/Windows/System32/DriverStore"
check "--stage --dry-run: SYSTEM untouched" same_files "$S" "$T/orig"
run inject --root "$R" --inf "$T/drv/viostor.inf" --stage --undo "$T/undo.reg"
check "--stage: status 0" rc_is 0
check "--stage: published as oem10.inf (oem0..8 in OemInfMap, oem9 in DRIVERS)" \
    out_has "DriverDatabase: package $LABEL (oem10.inf, version 100.85.104.20800)"
FR=$R/Windows/System32/DriverStore/FileRepository/$LABEL
check "--stage: INF in the store" same_files "$FR/viostor.inf" "$T/drv/viostor.inf"
check "--stage: SYS in the store" same_files "$FR/viostor.sys" "$T/drv/viostor.sys"
check "--stage: CAT in the store" same_files "$FR/viostor.cat" "$T/drv/viostor.cat"
check "--stage: INF published as INF/oem10.inf" same_files "$R/Windows/INF/oem10.inf" "$T/drv/viostor.inf"
check "--stage: the binary where ImagePath points" \
    same_files "$R/Windows/System32/drivers/viostor.sys" "$T/drv/viostor.sys"
check "--stage: the DRIVERS hive is untouched (bytes, mtime, ctime, inode)" drivers_untouched
run get "$S" DriverDatabase OemInfMap --raw
check "OemInfMap: ff a0 (bit 10 set, MSB first)" out_hex ffa0
run get "$S" "$PKG" OemPath
check "OemPath: the guest's copy of the INF" out_line 'C:\Windows\Drivers\VirtIO'
run get "$S" "$PKG" ''
check "package (default): oem10.inf" out_line oem10.inf
run get "$S" "$PKG" InfName
check "InfName: viostor.inf" out_line viostor.inf
run get "$S" "$PKG" ImportDate --raw
check "ImportDate: --time as a FILETIME" out_hex 80c04858283dda01
run get "$S" 'DriverDatabase\DeviceIds\PCI\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00' oem10.inf --raw
check "DeviceIds: oem10.inf = 01 ff 00 00" out_hex 01ff0000
run get "$S" 'DriverDatabase\DeviceIds\PCI\VEN_1AF4&DEV_1001' oem10.inf --raw
check "DeviceIds: compatible id 02 ff 00 00" out_hex 02ff0000
run get --json "$S" 'DriverDatabase\DeviceIds\{4d36e97b-e325-11ce-bfc1-08002be10318}' oem10.inf
check "DeviceIds\\{class}: oem10.inf REG_NONE, empty" out_has '"type": "REG_NONE", "type_id": 0, "size": 0'
run get "$S" 'DriverDatabase\DriverInfFiles\oem10.inf' Active
check "DriverInfFiles\\oem10.inf Active" out_line "$LABEL"
run check "$S"
check "--stage: hivekit check is clean" rc_is 0
cp "$S" "$T/staged"
run inject --root "$R" --inf "$T/drv/viostor.inf" --stage
check "--stage again: nothing to change" out_has "SYSTEM: nothing to change"
check "--stage again: no file copied" out_lacks "copying"
check "--stage again: SYSTEM unchanged" same_files "$S" "$T/staged"
run inject --root "$R" --inf "$T/drv/viostor.inf"
check "unstaged after --stage: refused (64), says why" \
    eval 'rc_is 64 && err_has "staged as oem10.inf" && err_has "give --stage"'
check "... SYSTEM unchanged" same_files "$S" "$T/staged"

# A newer INF of the same driver replaces the package, under the same name.
sed 's/08\/30\/2021/09\/30\/2021/' "$T/drv/viostor.inf" > "$T/new.inf"
mkdir -p "$T/drv2"
cp "$T/new.inf" "$T/drv2/viostor.inf"
cp "$T/drv/viostor.sys" "$T/drv/viostor.cat" "$T/drv2/"
cp "$S" "$T/before-new"
run inject --root "$R" --inf "$T/drv2/viostor.inf" --stage --undo "$T/undo2.reg"
check "newer INF: status 0" rc_is 0
check "newer INF: the older package replaced" out_has "DriverDatabase: package $LABEL replaced"
check "newer INF: still oem10.inf" out_re 'package viostor\.inf_amd64_[0-9a-f]{16} \(oem10\.inf, version 100\.85\.104\.20800\)'
run ls "$S" "$PKG"
check "newer INF: no orphaned DriverPackages key" rc_is 1
NEW=$("$H" get "$S" 'DriverDatabase\DriverInfFiles\oem10.inf' Active)
check "newer INF: Active is the new package" eval '[ "$NEW" != "$LABEL" ] && [ -n "$NEW" ]'
check "newer INF: INF/oem10.inf is the new INF" same_files "$R/Windows/INF/oem10.inf" "$T/new.inf"
run check "$S"
check "newer INF: hivekit check is clean" rc_is 0
# hivekit undo, newest run first: the manifests cover the staged files too.
run undo "$T/undo2.reg"
check "hivekit undo of the newer INF: status 0" rc_is 0
"$H" export "$S" --prefix X -o "$T/a.reg" && "$H" export "$T/before-new" --prefix X -o "$T/b.reg"
check "undo of the newer INF restores the older package" same_files "$T/a.reg" "$T/b.reg"
check "... and INF/oem10.inf is the older INF again" same_files "$R/Windows/INF/oem10.inf" "$T/drv/viostor.inf"
run undo "$T/undo.reg"
check "hivekit undo of --stage: status 0" rc_is 0
"$H" export "$S" --prefix X -o "$T/a.reg" && "$H" export "$T/orig" --prefix X -o "$T/b.reg"
check "undo of --stage restores the original SYSTEM content" same_files "$T/a.reg" "$T/b.reg"
check "... and removes the staged package" \
    eval 'no_file "$R/Windows/INF/oem10.inf" && no_file "$FR/viostor.inf"'
check "... and the DRIVERS hive was never touched" drivers_untouched

# ---- without --root: where the binary must go --------------------------------------
cp "$T/orig" "$T/SYSTEM"
run inject --system "$T/SYSTEM" --inf "$T/drv/viostor.inf"
check "--system: status 0" rc_is 0
check "--system: says where the binary must be copied" \
    out_has 'SYSTEM: copy viostor.sys to <volume>\Windows\System32\drivers\viostor.sys (where ImagePath points; a signed AMD64 image) before the first boot'
W=$T/SOFTWARE
"$H" new "$W" >/dev/null
"$H" set -p "$W" 'Microsoft\Windows NT\CurrentVersion' SystemRoot sz 'D:\WINDOWS' >/dev/null
"$H" set -p "$W" 'Microsoft\Windows\CurrentVersion' DevicePath expand_sz '%SystemRoot%\inf' >/dev/null
run inject --system "$T/SYSTEM" --software "$W" --inf "$T/drv/viostor.inf" --dry-run
check "--dry-run: the path on stderr, with SOFTWARE's SystemRoot" \
    err_has 'SYSTEM: copy viostor.sys to D:\WINDOWS\System32\drivers\viostor.sys'
# A "run from driver store" INF (DIRID 13, virtio-win w11 / 2k25 form).
cp "$FIX/inf/viostor-w11-amd64.inf" "$T/drv/viostor.inf"
cp "$T/orig" "$T/SYSTEM"
run inject --system "$T/SYSTEM" --inf "$T/drv/viostor.inf"
check "DIRID 13: status 0" rc_is 0
check "DIRID 13: the binary still goes to System32\\drivers" \
    out_has 'SYSTEM: copy viostor.sys to <volume>\Windows\System32\drivers\viostor.sys'
check "DIRID 13: says why" out_has 'installs viostor.sys into the driver store (DIRID 13)'
run get "$T/SYSTEM" 'ControlSet001\Services\viostor' ImagePath
check "DIRID 13: ImagePath System32\\drivers\\viostor.sys" out_line 'System32\drivers\viostor.sys'
# ... and with --root --stage: in System32\drivers and in the store.
cp "$T/orig" "$S"
rm -rf "$R/Windows/System32/DriverStore" "$R/Windows/INF"/* "$R/Windows/System32/drivers"/*
run inject --root "$R" --inf "$T/drv/viostor.inf" --stage
check "DIRID 13 --stage: status 0" rc_is 0
L13=viostor.inf_amd64_59e0fe46c40579cb
check "DIRID 13 --stage: binary in System32\\drivers" \
    same_files "$R/Windows/System32/drivers/viostor.sys" "$T/drv/viostor.sys"
check "DIRID 13 --stage: binary in FileRepository\\<label>" \
    same_files "$R/Windows/System32/DriverStore/FileRepository/$L13/viostor.sys" "$T/drv/viostor.sys"
run get "$S" 'ControlSet001\Services\viostor' ImagePath
check "DIRID 13 --stage: ImagePath System32\\drivers\\viostor.sys" out_line 'System32\drivers\viostor.sys'

# ---- --stage on a guest without DriverDatabase (Windows 7 and older) ---------------
W7=$T/w7/Windows/System32/config
mkdir -p "$W7" "$T/w7/Windows/System32/drivers"
"$H" new "$W7/SYSTEM" >/dev/null
"$H" set -p "$W7/SYSTEM" Select Current dword 1 >/dev/null
"$H" mkkey "$W7/SYSTEM" 'ControlSet001\Services' >/dev/null
cp "$W7/SYSTEM" "$T/w7-orig"
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/drv/viostor.inf"
run inject --root "$T/w7" --inf "$T/drv/viostor.inf" --stage
check "--stage without DriverDatabase: refused (64)" eval 'rc_is 64 && err_has "no DriverDatabase"'
check "... SYSTEM untouched" same_files "$W7/SYSTEM" "$T/w7-orig"

# ---- several drivers with --stage: each its own package and oemNN.inf --------------
cp "$T/orig" "$S"
rm -rf "$R/Windows/System32/DriverStore" "$R/Windows/INF"/* "$R/Windows/System32/drivers"/* "$R/Windows/Drivers"
mkdir -p "$T/two1" "$T/two2"
cp "$FIX/inf/viostor-w10-amd64.inf" "$T/two1/viostor.inf"
cp "$FIX/inf/vioscsi-w10-amd64.inf" "$T/two2/vioscsi.inf"
{ cat "$FIX/pe/amd64-signed.sys"; printf viostor; } > "$T/two1/viostor.sys"
{ cat "$FIX/pe/amd64-signed.sys"; printf vioscsi; } > "$T/two2/vioscsi.sys"
printf cat1 > "$T/two1/viostor.cat"; printf cat2 > "$T/two2/vioscsi.cat"
run inject --root "$R" --inf "$T/two1/viostor.inf" --inf "$T/two2/vioscsi.inf" --stage --undo "$T/two.reg"
check "two drivers --stage: status 0" rc_is 0
check "two drivers --stage: oem10.inf and oem11.inf" \
    eval 'out_re "\(oem10\.inf, version" && out_re "\(oem11\.inf, version"'
check "two drivers --stage: both INFs published" \
    eval 'same_files "$R/Windows/INF/oem10.inf" "$T/two1/viostor.inf" && same_files "$R/Windows/INF/oem11.inf" "$T/two2/vioscsi.inf"'
check "two drivers --stage: both binaries where ImagePath points" \
    eval 'same_files "$R/Windows/System32/drivers/viostor.sys" "$T/two1/viostor.sys" &&
          same_files "$R/Windows/System32/drivers/vioscsi.sys" "$T/two2/vioscsi.sys"'
run get "$S" DriverDatabase OemInfMap --raw
check "two drivers --stage: OemInfMap ff b0 (bits 10 and 11)" out_hex ffb0
run check "$S"
check "two drivers --stage: hivekit check is clean" rc_is 0
run undo "$T/two.reg"
check "two drivers --stage: hivekit undo, status 0" rc_is 0
"$H" export "$S" --prefix X -o "$T/a.reg" && "$H" export "$T/orig" --prefix X -o "$T/b.reg"
check "two drivers --stage: undo restores SYSTEM" same_files "$T/a.reg" "$T/b.reg"
check "two drivers --stage: undo removes the staged files and folders" \
    eval 'no_file "$R/Windows/INF/oem10.inf" && no_file "$R/Windows/INF/oem11.inf" &&
          no_file "$R/Windows/System32/DriverStore" && no_file "$R/Windows/System32/drivers/vioscsi.sys"'
check "... and the DRIVERS hive was never touched" drivers_untouched

echo "pkg_cli: $npass/$((npass + nfail)) checks passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
