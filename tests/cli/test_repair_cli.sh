#!/bin/bash
# test_repair_cli.sh HIVEKIT FIXTURES_XZ_DIR
#
# The boot repairs of `hivekit inject` from the command line, without a
# driver: the Windows 10 SYSTEM of fixtures/ (as the fixtures-xz setup
# decompressed it) with faults seeded by `hivekit set` and `mkkey` (a
# filter whose service is missing, a disabled filter, a Parallels
# leftover, storahci demoted with StartOverride). The dry run leaves the
# file as it was (checksum), the run repairs each fault and says so, a
# second run changes nothing, `hivekit undo` restores the content, the
# refusals have their exit statuses and change nothing, and --root works
# on a tree built here without copying any file. Conventions of
# test_cli.sh (helpers in lib.sh).
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_repair_cli.sh HIVEKIT FIXTURES_XZ_DIR" >&2
    exit 2
fi
H=$1 FXZ=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-repair.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z

require "$FXZ/hives/SYSTEM-win10-20H2"
CS='ControlSet001'
DISK="$CS\\Control\\Class\\{4D36E967-E325-11CE-BFC1-08002BE10318}"
AHCI="$CS\\Services\\storahci"

# The faults, seeded into FILE.
seed() {
    "$H" set "$1" "$DISK" UpperFilters multi_sz partmgr ghost prl_strg &&
    "$H" set "$1" "$DISK" LowerFilters multi_sz EhStorClass oldfilt &&
    "$H" set "$1" "$CS\\Services\\oldfilt" Start dword 4 -p &&
    "$H" set "$1" "$CS\\Services\\prl_strg" Start dword 0 -p &&
    "$H" set "$1" "$AHCI" Start dword 3 &&
    "$H" set "$1" "$AHCI\\StartOverride" 0 dword 3 -p
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

cp "$FXZ/hives/SYSTEM-win10-20H2" "$T/orig"
check "seeding the faults" seed "$T/orig"
S=$T/SYSTEM
cp "$T/orig" "$S"
before=$(sum "$S")
ALL=(--fix-filters --fallback storahci,stornvme --disable-leftovers
     --no-autoreboot)

# ---- dry run -----------------------------------------------------------------------
run inject --system "$S" "${ALL[@]}" --dry-run
check "dry run: status 0" rc_is 0
check "dry run: the .reg patch" out_first_line "Windows Registry Editor Version 5.00"
check "dry run: StartOverride removal in the patch" \
    out_has "[-HKEY_LOCAL_MACHINE\\SYSTEM\\$AHCI\\StartOverride]"
check "dry run: AutoReboot in the patch" out_has '"AutoReboot"=dword:00000000'
check "dry run: says what it would repair" \
    err_has "would repair: SYSTEM: $CS: DiskDrive UpperFilters: ghost removed (no such service)"
check "dry run: the file is unchanged (checksum)" eval '[ "$(sum "$S")" = "$before" ]'

# ---- the run -----------------------------------------------------------------------
run inject --system "$S" "${ALL[@]}" --undo "$T/undo.reg"
check "repairs: status 0" rc_is 0
check "repairs: missing filter service reported" \
    out_has "SYSTEM: $CS: DiskDrive UpperFilters: ghost removed (no such service)"
check "repairs: disabled filter reported" \
    out_has "SYSTEM: $CS: DiskDrive LowerFilters: oldfilt removed (service disabled)"
check "repairs: leftover filter reported" \
    out_has "SYSTEM: $CS: DiskDrive UpperFilters: prl_strg removed (Parallels leftover)"
check "repairs: leftover service reported" \
    out_has "SYSTEM: $CS: prl_strg (Parallels) disabled (Start 0 -> 4)"
check "repairs: fallback reported" \
    out_has "SYSTEM: $CS: storahci (SATA AHCI (Microsoft)) boot-start (Start 3 -> 0), StartOverride removed"
check "repairs: AutoReboot reported" \
    out_has "SYSTEM: $CS: CrashControl AutoReboot 1 -> 0"
check "repairs: no DevicePath, no driver" out_lacks "DevicePath"
run get "$S" "$DISK" UpperFilters
check "UpperFilters: partmgr only" out_line partmgr
run get "$S" "$DISK" LowerFilters
check "LowerFilters: EhStorClass only" out_line EhStorClass
run get "$S" "$DISK" UpperFilters --json
check "UpperFilters: still REG_MULTI_SZ" out_has '"REG_MULTI_SZ"'
run get "$S" "$AHCI" Start
check "storahci: Start 0" out_line 0
run ls "$S" "$AHCI\\StartOverride"
check "storahci: StartOverride gone" rc_is 1
run get "$S" "$CS\\Services\\prl_strg" Start
check "prl_strg: Start 4" out_line 4
run get "$S" "$CS\\Control\\CrashControl" AutoReboot
check "AutoReboot 0" out_line 0
run check "$S"
check "the repaired hive passes hivekit check" rc_is 0

# ---- again: nothing --------------------------------------------------------------
after=$(sum "$S")
run inject --system "$S" "${ALL[@]}"
check "again: status 0" rc_is 0
check "again: nothing to repair" out_has "SYSTEM: --fix-filters: nothing to repair"
check "again: the file is unchanged" eval '[ "$(sum "$S")" = "$after" ]'

# ---- undo ----------------------------------------------------------------------
run undo "$T/undo.reg"
check "undo: status 0" rc_is 0
"$H" export "$T/orig" --prefix X -o "$T/o.reg" && "$H" export "$S" --prefix X -o "$T/u.reg"
check "undo restores the original content" same_files "$T/o.reg" "$T/u.reg"

# ---- refusals: exit statuses, nothing changed ----------------------------------
cp "$T/orig" "$S"
run inject --system "$S" --fallback viostor
check "--fallback of an unknown controller: usage error" usage_err
check "... naming the known ones" err_has "storahci"
run inject --system "$S" --fallback msahci
check "--fallback msahci on Windows 10: status 64" rc_is 64
check "... naming the Windows" err_has "Windows 10"
run inject --system "$S" --fallback storahci,
check "--fallback ending with a comma: usage error" usage_err
"$H" rm "$S" "$CS\\Services\\stornvme" >/dev/null
cp "$S" "$T/nonvme"
run inject --system "$S" --fallback storahci,stornvme --fix-filters
check "a fallback service missing: status 1" rc_is 1
check "... naming it and the control set" err_has "stornvme: no such service in $CS"
check "... and nothing was changed" same_files "$S" "$T/nonvme"
cp "$T/orig" "$S"
run inject --system "$S"
check "no driver and no repair: usage error" usage_err
run inject --system "$S" --fix-filters --stage
check "--stage without a driver: usage error" usage_err
check "refusals: the file is unchanged" same_files "$S" "$T/orig"

# ---- --root -------------------------------------------------------------------
R=$T/root
mkdir -p "$R/Windows/System32/config" "$R/Windows/System32/drivers"
cp "$T/orig" "$R/Windows/System32/config/SYSTEM"
run inject --root "$R" --fix-filters --no-autoreboot --dry-run
check "--root dry run: status 0" rc_is 0
check "--root dry run: hive unchanged" same_files "$R/Windows/System32/config/SYSTEM" "$T/orig"
run inject --root "$R" --fix-filters --no-autoreboot
check "--root: status 0" rc_is 0
check "--root: repaired" out_has "SYSTEM: $CS: DiskDrive UpperFilters: ghost removed (no such service)"
check "--root: no driver folder made" no_file "$R/Windows/Drivers"
run get "$R/Windows/System32/config/SYSTEM" "$DISK" UpperFilters
check "--root: UpperFilters repaired" out_line partmgr
run inject --root "$R" --fix-filters --driver viostor
check "--root with --driver needs the driver's files: usage error" usage_err

finish repair_cli
