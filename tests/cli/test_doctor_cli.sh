#!/bin/bash
# test_doctor_cli.sh HIVEKIT FIXTURES CORPUS [core|corpus]
#
# `hivekit doctor`: the text and JSON output, the exit statuses (0 boots,
# 4 boots with warnings, 5 will not boot, 2 unreadable input, 64 usage),
# the verdict of the bundled real Windows 10 20H2 SYSTEM hive before and
# after `hivekit inject`, seeded faults made with `hivekit set/rm/mkkey`
# (StartOverride on the injected driver, a filter whose service is
# missing, a disabled filter, a package without its configuration, a
# missing binary under --root), each giving its reason, and the fix the
# doctor prints, run as printed, making the verdict "boots" again; --root
# on a fake volume (binaries, hibernation), never writing anything. The
# corpus group: every real SYSTEM hive of the corpus before and after
# injection. Conventions of test_cli.sh (lib.sh).
set -u

if [ $# -lt 3 ]; then
    echo "usage: bash test_doctor_cli.sh HIVEKIT FIXTURES CORPUS [core|corpus]" >&2
    exit 2
fi
H=$1 FIX=$2 CORPUS=$3
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-doctor.XXXXXX") || exit 2
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
group_init "${4:-}" "$CORPUS"
export HIVEKIT_TIME=2024-01-02T03:04:05Z

# the first fix the last run printed, run as printed (hivekit -> $H)
run_fix() {
    local fix
    fix=$(grep -m1 -e "fix: hivekit $1 " "$T/out" | sed 's/^ *fix: hivekit //; s/ (.*$//')
    [ -n "$fix" ] || return 1
    eval "\"\$H\" $fix" >/dev/null
}
# the JSON is well-formed (when python3 is there to tell)
json_ok() {
    command -v python3 >/dev/null || return 0
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/out"
}
json_has() { tr -d '\n' <"$T/out" | grep -qF -- "$1"; }

if in_group core; then
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$T/orig" || exit 2
S=$T/SYSTEM
cp "$T/orig" "$S"

# ---- before injection --------------------------------------------------------------
run doctor --system "$S"
check "virtio-blk (the default target) before injection: status 5" rc_is 5
check "... says why: no driver for its ids" \
    out_has "virtio-blk (transitional, 1AF4:1001): no driver is registered"
check "... and the fix: hivekit inject" out_has "fix: hivekit inject --system '$S'"
check "... the load order: first pcw, System Reserved" \
    out_re '^ +1  pcw +System Reserved +- +System32\\drivers\\pcw.sys$'
check "... 47 boot services demoted by StartOverride" \
    out_has "46 boot-start drivers in load order, 47 more demoted by StartOverride"
check "... one verdict line" out_has "verdict virtio-blk: will not boot:"
check "... the hive is only read" same_files "$S" "$T/orig"
run doctor --system "$S" --target sata
check "sata: storahci binds through mshdc.inf and is boot-start: status 0" \
    eval 'rc_is 0 && out_has "verdict sata: boots" && out_has "storahci via the driver database (id PCI\\CC_010601, mshdc.inf"'
run doctor --system "$S" --target any
check "--target any: sata, nvme and ide boot: status 0" \
    eval 'rc_is 0 && out_has "verdict nvme: boots" && out_has "verdict virtio-scsi: will not boot:"'
run doctor --system "$S" --target virtio-blk,nvme
check "--target virtio-blk,nvme: one fails: status 5" rc_is 5
run doctor --system "$S" --target any --json
check "--json: well-formed" json_ok
check "--json: status and verdict" json_has '"status": 0, "verdict": "boots"}'
check "--json: a target's shape" \
    json_has '{"target": "virtio-blk", "class": "SCSIAdapter", "boots": false, "devices": ['
check "--json: the reason with code, severity, text and fix" \
    json_has '"reasons": [{"code": "no-driver", "severity": "fatal", "text": "virtio-blk (transitional, 1AF4:1001)'
check "--json: the binding of sata" \
    json_has '"via": "DriverDatabase", "matched_id": "PCI\\CC_010601", "inf": "mshdc.inf"'
check "--json: the boot order" \
    json_has '"boot_order": [    {"service": "pcw", "group": "System Reserved", "tag": null, "type": 1'

run doctor --system "$S" -v
check "-v: every id of the device, hardware first" \
    eval 'out_has "    hardware id PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00" && out_has "    compatible id PCI\\CC_0100"'
check "-v: the demoted services named (LSI_SAS among them)" out_re '^  demoted: .* LSI_SAS '

# ---- usage and input errors ----------------------------------------------------------
run doctor
check "neither --root nor --system: 64" usage_err
run doctor --system "$S" --root "$T"
check "both: 64" usage_err
run doctor --system "$S" --target floppy
check "an unknown target: 64" usage_err
run doctor --root "$T" --software "$S"
check "--software with --root: 64" usage_err
run doctor --system "$T/none"
check "a missing hive: 2, named" eval 'rc_is 2 && err_has "$T/none" && out_empty'
run doctor --system "$FIX/hives/minimal"
check "not a SYSTEM hive: 64" eval 'rc_is 64 && err_has "not a SYSTEM hive"'

# ---- after injection ------------------------------------------------------------------
"$H" inject --system "$S" --driver viostor >/dev/null || exit 2
cp "$S" "$T/injected"
run doctor --system "$S"
check "after inject: virtio-blk boots, status 0" \
    eval 'rc_is 0 && out_has "verdict virtio-blk: boots"'
check "... through the package hivekit wrote" \
    out_has "viostor via the driver database (id PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00, viostor.inf, rank 01 ff"
check "... viostor is in the load order" out_re '^ +[0-9]+  viostor +SCSI miniport '
check "... binary not checked without --root" out_has "binary not checked (no --root)"
run doctor --system "$S" --target virtio-scsi
check "vioscsi was not injected: virtio-scsi still fails" rc_is 5

# ---- seeded faults, each fixed as the doctor says ------------------------------------------
V='ControlSet001\Services\viostor'
"$H" mkkey "$S" "$V\\StartOverride" && "$H" set "$S" "$V\\StartOverride" 0 dword 3
run doctor --system "$S"
check "StartOverride on viostor: status 5, [demoted]" \
    eval 'rc_is 5 && out_has "$V: demoted by StartOverride (start 3 instead of 0)" && out_has "[demoted]"'
check "... its fix runs" run_fix rm
run doctor --system "$S"
check "... and then it boots" rc_is 0

DD='ControlSet001\Control\Class\{4D36E967-E325-11CE-BFC1-08002BE10318}'
"$H" set "$S" "$DD" UpperFilters multi_sz partmgr prl_ghost
run doctor --system "$S"
check "a DiskDrive filter without a service: status 5, [stale-filter]" \
    eval 'rc_is 5 && out_has "DiskDrive class UpperFilters names prl_ghost: its service does not exist, Parallels tools (0x7B at boot) [stale-filter]"'
check "... the fix is the repair" out_has "fix: hivekit inject --system '$S' --fix-filters (by hand: set the list to 'partmgr')"
check "... its fix runs" run_fix inject
run get "$S" "$DD" UpperFilters
check "... which keeps partmgr" out_line partmgr
run doctor --system "$S"
check "... and then it boots" rc_is 0

# names from the hive: quoted for the shell in the fix, control
# characters never printed raw
"$H" set "$S" "$DD" UpperFilters multi_sz partmgr "it's" "$(printf 'esc\033[2J')"
"$H" mkkey "$S" "ControlSet001\\Services\\it's"
"$H" set "$S" "ControlSet001\\Services\\it's" Start dword 0
run doctor --system "$S"
check "a filter named with ESC: printed as \\x1b" \
    eval 'rc_is 5 && out_has "names esc\\x1b[2J: its service does not exist" && ! grep -q "$(printf "\033")" "$T/out"'
check "... the fix shows the kept names quoted" out_has "(by hand: set the list to 'partmgr' 'it'\\''s')"
check "... the fix runs" run_fix inject
run get "$S" "$DD" UpperFilters
check "... and keeps partmgr and it's" eval 'printf "partmgr\nit'"'"'s\n" | cmp -s - "$T/out"'
"$H" set "$S" "$DD" UpperFilters multi_sz partmgr

VO='ControlSet001\Control\Class\{71A27CDD-812A-11D0-BEC7-08002BE2092F}'
"$H" set "$S" "$VO" LowerFilters multi_sz fvevol oldfilt iorate rdyboost
"$H" mkkey "$S" 'ControlSet001\Services\oldfilt'
"$H" set "$S" 'ControlSet001\Services\oldfilt' Start dword 4
run doctor --system "$S"
check "a disabled Volume filter: status 5, [stale-filter]" \
    eval 'rc_is 5 && out_has "Volume class LowerFilters names oldfilt: its service is disabled"'
check "... its fix runs" run_fix inject
run get "$S" "$VO" LowerFilters
check "... which keeps the three Microsoft filters in order" \
    eval 'printf "fvevol\niorate\nrdyboost\n" | cmp -s - "$T/out"'
run doctor --system "$S"
check "... and then it boots" rc_is 0

LABEL=$("$H" get "$S" 'DriverDatabase\DriverInfFiles\viostor.inf' Active)
CFG="DriverDatabase\\DriverPackages\\$LABEL\\Configurations\\scsi_inst"
"$H" rm "$S" "$CFG"
run doctor --system "$S"
check "a package without its configuration: status 5, [staged-only]" \
    eval 'rc_is 5 && out_has "the package $LABEL matches it but has no configuration" && out_has "[staged-only]"'
"$H" mkkey "$S" "$CFG" && "$H" set "$S" "$CFG" Service sz viostor
run doctor --system "$S"
check "... the configuration put back by hand: boots" rc_is 0

"$H" set "$S" "$V" Start dword 3
run doctor --system "$S"
check "viostor on demand (Start 3): status 5, [not-boot-start]" \
    eval 'rc_is 5 && out_has "$V: Start is 3, not 0"'
check "... its fix runs" run_fix set
run doctor --system "$S"
check "... and then it boots" rc_is 0

# an in-box fallback demoted: the doctor names inject --fallback
SA='ControlSet001\Services\storahci'
"$H" mkkey "$S" "$SA\\StartOverride" && "$H" set "$S" "$SA\\StartOverride" 0 dword 3
run doctor --system "$S" --target sata
check "storahci demoted: sata will not boot, [demoted]" \
    eval 'rc_is 5 && out_has "$SA: demoted by StartOverride (start 3 instead of 0)"'
check "... the fix is --fallback storahci" out_has "fix: hivekit inject --system '$S' --fallback storahci"
check "... its fix runs" run_fix inject
run doctor --system "$S" --target sata
check "... and then sata boots" eval 'rc_is 0 || rc_is 4'

# a hypervisor leftover service: a warning whose fix is --disable-leftovers
"$H" mkkey "$S" 'ControlSet001\Services\xenfilt'
"$H" set "$S" 'ControlSet001\Services\xenfilt' Start dword 0
"$H" set "$S" "$DD" UpperFilters multi_sz partmgr xenfilt
run doctor --system "$S"
check "xenfilt a DiskDrive filter of Xen's: will not boot, [leftover-filter]" \
    eval 'rc_is 5 && out_has "DiskDrive class UpperFilters names xenfilt: Xen tools (0x7B at boot) [leftover-filter]"'
check "... and a leftover service, fixed by --disable-leftovers" \
    out_has "fix: hivekit inject --system '$S' --disable-leftovers"
check "... its fix runs" run_fix "inject --system '$S' --disable-leftovers"
run get "$S" 'ControlSet001\Services\xenfilt' Start
check "... xenfilt is disabled" out_line 4
run get "$S" "$DD" UpperFilters
check "... and out of the filter list" out_line partmgr
run doctor --system "$S"
check "... and then it boots" rc_is 0

# ---- warnings: status 4 --------------------------------------------------------------------
W=$T/SOFTWARE
"$H" new "$W" >/dev/null
P='Policies\Microsoft\Windows\DeviceInstall\Restrictions'
"$H" mkkey "$W" "$P" && "$H" set "$W" "$P" DenyUnspecified dword 1
run doctor --system "$S" --software "$W"
check "Device Installation Restrictions: boots with warnings, status 4" \
    eval 'rc_is 4 && out_has "Device Installation Restrictions are set (DenyUnspecified)" && out_has "verdict virtio-blk: boots"'
run doctor --system "$S" --software "$W" --json
check "--json: boots with warnings" json_has '"status": 4, "verdict": "boots with warnings"}'

# ---- --root: a fake volume ---------------------------------------------------------------------
R=$T/root
mkdir -p "$R/Windows/System32/config" "$R/Windows/System32/DRIVERS"
cp "$T/injected" "$R/Windows/System32/config/SYSTEM"
for f in partmgr EhStorClass volsnap fvevol iorate rdyboost; do
    cp "$FIX/pe/amd64-signed.sys" "$R/Windows/System32/DRIVERS/$f.sys"
done
chmod -R a-w "$R"
run doctor --root "$R"
check "--root without viostor.sys: status 5, [binary-missing]" \
    eval 'rc_is 5 && out_has "ControlSet001\\Services\\viostor: its binary Windows/System32/drivers/viostor.sys (ImagePath System32\\drivers\\viostor.sys) is missing"'
chmod u+w "$R/Windows/System32/DRIVERS"
cp "$FIX/pe/amd64-unsigned.sys" "$R/Windows/System32/DRIVERS/VIOSTOR.SYS"
run doctor --root "$R"
check "--root, an unsigned viostor.sys (any case): [binary-bad]" \
    eval 'rc_is 5 && out_has "not signed" && out_has "[binary-bad]"'
cp "$FIX/pe/amd64-signed.sys" "$R/Windows/System32/DRIVERS/VIOSTOR.SYS"
rm "$R/Windows/System32/DRIVERS/iorate.sys"
run doctor --root "$R"
check "--root, a default filter's binary missing: status 5" \
    eval 'rc_is 5 && out_has "Volume class LowerFilters names iorate: its binary is missing (0x7B at boot)"'
cp "$FIX/pe/amd64-signed.sys" "$R/Windows/System32/DRIVERS/iorate.sys"
run doctor --root "$R"
check "--root, everything there: boots, status 0" \
    eval 'rc_is 0 && out_has "binary ok (PE for the guest, signed) ($R/Windows/System32/DRIVERS/VIOSTOR.SYS)"'
chmod u+w "$R"
printf 'HIBR' >"$R/hiberfil.sys"
chmod -R a-w "$R"
run doctor --root "$R"
check "--root, hibernated: a warning, status 4" \
    eval 'rc_is 4 && out_has "Windows is hibernated or was shut down with Fast Startup"'
check "--root: the hive was only read" same_files "$R/Windows/System32/config/SYSTEM" "$T/injected"
chmod -R u+w "$R"
fi

# ---- the corpus: every real SYSTEM hive before and after injection ----------------------------
if in_group corpus; then
D=$CORPUS/regipy/regipy_tests/data
for x in "SYSTEM:x86:4" "SYSTEM_2:amd64:0" "SYSTEM_B:amd64:0" \
         "SYSTEM_WIN_10_1709:amd64:0" "../../../dissect.regf/tests/_data/SYSTEM:amd64:0"; do
    IFS=: read -r name arch after <<<"$x"
    require "$D/$name.xz"
    xz -dc "$D/$name.xz" >"$T/c" || continue
    b=$(basename "$name")
    run doctor --system "$T/c" --target virtio-blk,virtio-scsi
    check "$b: virtio before injection: status 5, no driver" \
        eval 'rc_is 5 && out_has "[no-driver]"'
    "$H" inject --system "$T/c" --driver viostor,vioscsi --arch "$arch" --force >/dev/null 2>&1
    run doctor --system "$T/c" --target virtio-blk,virtio-scsi
    check "$b: after inject: virtio boots (status $after)" \
        eval 'rc_is "$after" && out_has "verdict virtio-blk: boots" && out_has "verdict virtio-scsi: boots"'
done
# Windows 7: CriticalDeviceDatabase; msahci on demand (KB 922976)
xz -dc "$D/SYSTEM.xz" >"$T/w7"
run doctor --system "$T/w7" --target sata
check "Windows 7, sata: msahci is Start 3: status 5" \
    eval 'rc_is 5 && out_has "msahci via the critical device database (id PCI\\CC_010601)" && out_has "ControlSet001\\Services\\msahci: Start is 3"'
check "... in both control sets" out_has "ControlSet002\\Services\\msahci: Start is 3"
fi

finish doctor_cli
