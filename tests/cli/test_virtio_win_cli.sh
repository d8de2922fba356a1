#!/bin/bash
# test_virtio_win_cli.sh HIVEKIT FIXTURES_DIR CORPUS_DIR core|corpus
#
# `hivekit inject --virtio-win DIR`, `--inf DIR`, several drivers in one
# run, --arch spellings. Synthetic virtio-win trees are built in a
# temporary folder: empty files, except the INFs, which are the real
# virtio-win INFs of fixtures/inf with the [Manufacturer] decoration
# (theirs is NTamd64.6.3 for viostor, NTamd64.10.0 for vioscsi) and
# DriverVer of each folder (the DriverVer's last part says which folder).
#   core    small trees of real paths written here, the fixture SYSTEM hive
#           (Windows 10 20H2) and SYSTEM hives made with hivekit for the
#           other Windows versions; no corpus needed.
#   corpus  every layout built from the real ISO and RPM listings of the
#           corpus (virtio-win/*.txt), and the real SYSTEM hives of the
#           corpus; exit 77 (skipped) when the corpus is not there.
# Conventions of test_cli.sh (helpers in lib.sh).
set -u

if [ $# -ne 4 ]; then
    echo "usage: bash test_virtio_win_cli.sh HIVEKIT FIXTURES_DIR CORPUS_DIR core|corpus" >&2
    exit 2
fi
H=$1 FIX=$2 CORPUS=$3 MODE=$4
case $H in /*) ;; *) H=$PWD/$H ;; esac
if [ "$MODE" = corpus ] && [ ! -d "$CORPUS/virtio-win" ]; then
    echo "SKIP: corpus not found at $CORPUS"
    exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-vwin.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z

# ---- synthetic virtio-win trees -------------------------------------------

# The folder a path stands for (w10, 2k19, ...: any component, also the
# RPM's legacy WinXX and the pre-2015 names) and its architecture.
folder_of() {
    local c IFS=/
    for c in $1; do
        case ${c,,} in
        xp|winxp|wxp) echo xp ;; 2k3|win2003|wnet) echo 2k3 ;;
        2k8|win2008|wlh) echo 2k8 ;; w7|win7) echo w7 ;;
        2k8r2|win2008r2) echo 2k8R2 ;; w8|win8) echo w8 ;;
        2k12|win2012) echo 2k12 ;; w8.1|win8.1) echo w8.1 ;;
        2k12r2|win2012r2) echo 2k12R2 ;; w10|win10) echo w10 ;;
        2k16|win2016) echo 2k16 ;; 2k19|win2019) echo 2k19 ;;
        2k22|win2022) echo 2k22 ;; w11|win11) echo w11 ;;
        2k25|win2025) echo 2k25 ;;
        esac
    done | tail -n 1
}
arch_of() {
    local c IFS=/
    for c in $1; do
        case ${c,,} in
        amd64) echo NTamd64 ;; x86|i386) echo NTx86 ;; arm64) echo NTARM64 ;;
        esac
    done | tail -n 1
}
# TargetOSVersion, DriverVer major and DriverVer last part of a folder.
deco_of() {
    case $1 in
    w11|2k25) echo "10.0...16299 100" ;; w10|2k16|2k19|2k22) echo "10.0 100" ;;
    w8.1|2k12R2) echo "6.3 63" ;; w8|2k12) echo "6.2 62" ;;
    w7|2k8R2) echo "6.1 61" ;; 2k8) echo "6.0 60" ;; 2k3) echo "5.2 52" ;;
    xp) echo "5.1 51" ;;
    esac
}
id_of() {
    case $1 in
    xp) echo 51 ;; 2k3) echo 52 ;; 2k8) echo 60 ;; w7) echo 61 ;;
    2k8R2) echo 612 ;; w8) echo 62 ;; 2k12) echo 622 ;; w8.1) echo 63 ;;
    2k12R2) echo 632 ;; w10) echo 10 ;; 2k16) echo 16 ;; 2k19) echo 19 ;;
    2k22) echo 22 ;; w11) echo 11 ;; 2k25) echo 25 ;;
    esac
}
# mkfile ROOT PATH: an empty file, or for an INF the real one of its driver
# with the folder's decoration and DriverVer <major>.85.104.<folder id>.
mkfile() {
    local f=$1/$2 base drv fo ar d
    mkdir -p "$(dirname "$f")"
    case ${f,,} in
    *.inf)
        base=$(basename "$f"); drv=${base%.*}; drv=${drv,,}
        fo=$(folder_of "$2"); ar=$(arch_of "$2")
        set -- $(deco_of "$fo")
        d="$ar.$1"
        sed -E -e "s/NTamd64\.(6\.3|10\.0)/$d/g" \
            -e "s/100\.85\.104\.20800/$2.85.104.$(id_of "$fo")/" \
            "$FIX/inf/$drv-w10-amd64.inf" > "$f" ;;
    *) : > "$f" ;;
    esac
}
# mktree ROOT < paths
mktree() {
    local p
    mkdir -p "$1"
    while read -r p; do
        case ${p,,} in
        *viostor*|*vioscsi*) mkfile "$1" "$p" ;;
        esac
    done
}
# The files of one driver folder: INF, SYS, CAT (and PDB).
files() { local d=$1 n=$2; printf '%s\n' "$d/$n.inf" "$d/$n.sys" "$d/$n.cat" "$d/$n.pdb"; }

# ---- synthetic guests ---------------------------------------------------------

# mksys FILE ARCH PRODUCTTYPE DDBVERSION BUILDLAB CLASSVERSION
# A SYSTEM hive with what detection reads: PROCESSOR_ARCHITECTURE,
# ProductType, DriverDatabase\Version ("-": no DriverDatabase; "" none),
# Software\Microsoft\BuildLab ("-": none), a Microsoft class driver of
# version CLASSVERSION ("-": none).
mksys() {
    local f=$1 cs='ControlSet001'
    "$H" new "$f" >/dev/null &&
    "$H" set -p "$f" Select Current dword 1 &&
    "$H" set -p "$f" Select Default dword 1 &&
    "$H" set -p "$f" "$cs\\Control\\Session Manager\\Environment" PROCESSOR_ARCHITECTURE sz "$2" &&
    "$H" set -p "$f" "$cs\\Control\\ProductOptions" ProductType sz "$3" || return 1
    case $4 in
    -) ;;
    '') "$H" mkkey "$f" DriverDatabase ;;
    *) "$H" set -p "$f" DriverDatabase Version dword "$4" ;;
    esac
    [ "$5" = - ] || "$H" set -p "$f" 'Software\Microsoft' BuildLab sz "$5" || return 1
    if [ "$6" != - ]; then
        local k="$cs\\Control\\Class\\{4d36e97b-e325-11ce-bfc1-08002be10318}\\0000"
        "$H" set -p "$f" "$k" ProviderName sz Microsoft &&
        "$H" set -p "$f" "$k" DriverVersion sz "$6" || return 1
    fi
}

G=$T/guests
mkdir -p "$G"
mksys "$G/2k19" AMD64 ServerNT 0x0a000000 17763.rs5_release.180914-1434 10.0.17763.1
mksys "$G/2k22dc" AMD64 LanmanNT 0x0a000000 20348.fe_release.210507-1500 -
mksys "$G/2k25" AMD64 ServerNT 0x0a000000 26100.ge_release.240331-1435 -
mksys "$G/w11" AMD64 WinNT 0x0a000000 22621.ni_release.220506-1250 -
mksys "$G/w11arm" ARM64 WinNT 0x0a000000 26100.ge_release.240331-1435 -
mksys "$G/2k16" AMD64 ServerNT 0x0a000000 - 10.0.14393.0
mksys "$G/2k12r2" AMD64 ServerNT 0x06030000 - 6.3.9600.16384
mksys "$G/w8" x86 WinNT 0x06020000 - 6.2.9200.16384
mksys "$G/2k8r2" AMD64 LanmanNT - - 6.1.7601.17514
mksys "$G/w7" AMD64 WinNT - - 6.1.7601.17514
mksys "$G/unknown" AMD64 WinNT - - -
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" > "$G/w10"

# chosen GUEST TREE [ARGS...]: the dry run; GOT is the folder of its
# "-> FOLDER" line
chosen() {
    local g=$1 tree=$2
    shift 2
    cp "$G/$g" "$T/s"
    run inject --system "$T/s" --virtio-win "$tree" --dry-run "$@"
    got=$(sed -n 's/^hivekit: .* -> \([^ ]*\).*/\1/p' "$T/err" | head -n 1)
}
# expect_folder GUEST TREE FOLDER [ARGS...]
expect_folder() {
    local g=$1 tree=$2 want=$3
    shift 3
    chosen "$g" "$tree" "$@"
    check "$g in $(basename "$tree"): '$want' (got '$got')" [ "$got" = "$want" ]
}

# ---- the trees -----------------------------------------------------------------

V=$T/trees
if [ "$MODE" = core ]; then
    # Per-driver ISO folders (real names and case: 2k12R2, ...).
    for d in viostor vioscsi; do
        for o in w10/amd64 w10/x86 2k16/amd64 2k19/amd64 2k22/amd64 \
                 2k25/amd64 w11/amd64 w8.1/amd64 2k12R2/amd64 w8/x86 \
                 w7/amd64 w7/x86 2k8R2/amd64 w11/ARM64; do
            files "$d/$o" "$d"
        done
    done | mktree "$V/iso"
    # The auto-detect tree (both drivers in one folder).
    for o in amd64/w10 amd64/2k19 i386/w10; do
        files "$o" viostor; files "$o" vioscsi
    done | mktree "$V/auto"
    # Only w10: the server guests fall back to it, the Windows 11 one
    # only with --force.
    { files viostor/w10/amd64 viostor; files vioscsi/w10/amd64 vioscsi; } |
        mktree "$V/only-w10"
    # Only server folders: never for a client, even with --force.
    files viostor/2k16/amd64 viostor | mktree "$V/only-2k16"
    # Pre-2015 names, lower case here: matched in any case.
    { files win7/amd64 viostor; files win8/x86 viostor; } | mktree "$V/pre2015"
else
    L=$CORPUS/virtio-win
    sed -n 's|^cd/||p' "$L/virtio-win-iso-list.txt" | mktree "$V/iso"
    # The auto-detect tree alone: amd64/<os>, i386/<os>.
    sed -n 's|^cd/\(amd64/\)|\1|p; s|^cd/\(i386/\)|\1|p' "$L/virtio-win-iso-list.txt" |
        mktree "$V/auto"
    # data/info.json as make-virtio-win-rpm-archive.py writes it.
    sed -n 's|^cd/||p' "$L/virtio-win-iso-list.txt" | grep -v '^amd64/\|^i386/' |
        mktree "$V/iso-json"
    (cd "$V/iso-json" && find . -iname '*.inf' | sed 's|^\./||' | sort) | {
        first=1
        printf '{\n  "drivers": ['
        while read -r p; do
            IFS=/ read -r drv os ar _ <<<"$p"
            [ $first = 1 ] || printf ','
            first=0
            printf '\n    {\n      "arch": "%s",\n      "driver_version": "08/30/2021,999.0.0.%s",\n      "inf_path": "%s",\n      "name": "Red Hat VirtIO SCSI controller",\n      "windows_version": "%s"\n    }' \
                "$ar" "$os" "$p" "$os"
        done
        printf '\n  ]\n}'
    } > "$T/info.json"
    mkdir -p "$V/iso-json/data" && mv "$T/info.json" "$V/iso-json/data/info.json"
    # The RPM: /usr/share/virtio-win with drivers/by-driver, by-os and the
    # legacy drivers/<arch>/<WinXX>, each alone.
    grep '^drivers/by-driver/' "$L/virtio-win-drivers-list.txt" | mktree "$V/rpm-by-driver"
    grep '^drivers/by-os/' "$L/virtio-win-drivers-list.txt" | mktree "$V/rpm-by-os"
    grep -E '^drivers/(amd64|i386)/' "$L/virtio-win-drivers-list.txt" | mktree "$V/rpm-legacy"
    cp -r "$V/iso" "$V/iso-no2k22"
    rm -rf "$V/iso-no2k22/viostor/2k22" "$V/iso-no2k22/amd64/2k22"
    cp -r "$V/iso" "$V/iso-no2k25"
    rm -rf "$V/iso-no2k25/viostor/2k25" "$V/iso-no2k25/amd64/2k25"
    { files WIN7/AMD64 viostor; files WIN7/X86 viostor; files WIN8/AMD64 viostor;
      files WLH/AMD64 viostor; files WXP/X86 viostor; } | mktree "$V/pre2015"
fi

# ---- which folder for which guest ----------------------------------------------

if [ "$MODE" = core ]; then
    expect_folder w10 "$V/iso" viostor/w10/amd64
    check "the line says what was detected" \
        err_has "hivekit: Windows 10 (19041, WinNT, AMD64) -> viostor/w10/amd64"
    expect_folder 2k19 "$V/iso" viostor/2k19/amd64
    check "the line: Windows Server 2019 (17763, ServerNT, AMD64)" \
        err_has "Windows Server 2019 (17763, ServerNT, AMD64) -> viostor/2k19/amd64"
    expect_folder 2k22dc "$V/iso" viostor/2k22/amd64
    check "LanmanNT (a domain controller) is a server" err_has "(20348, LanmanNT, AMD64)"
    expect_folder 2k25 "$V/iso" viostor/2k25/amd64
    expect_folder w11 "$V/iso" viostor/w11/amd64
    check "Windows 11 by its build" err_has "Windows 11 (22621, WinNT, AMD64)"
    expect_folder 2k16 "$V/iso" viostor/2k16/amd64
    check "Server 2016: the build from the class drivers" err_has "(14393, ServerNT"
    expect_folder w11arm "$V/iso" viostor/w11/ARM64
    check "ARM64 Windows 11" err_has "Windows 11 (26100, WinNT, ARM64)"
    expect_folder w11arm "$V/iso" viostor/w11/ARM64 --arch AARCH64
    expect_folder 2k12r2 "$V/iso" viostor/2k12R2/amd64
    expect_folder w8 "$V/iso" viostor/w8/x86
    check "x86 Windows 8" err_has "Windows 8 (9200, WinNT, x86)"
    expect_folder 2k8r2 "$V/iso" viostor/2k8R2/amd64
    expect_folder w7 "$V/iso" viostor/w7/amd64
    expect_folder w10 "$V/auto" amd64/w10
    expect_folder 2k19 "$V/auto" amd64/2k19
    expect_folder w7 "$V/pre2015" win7/amd64
    expect_folder w8 "$V/pre2015" win8/x86

    # The chosen INF is the one written: DriverVer 100.85.104.19 is 2k19's.
    cp "$G/2k19" "$T/s"
    run inject --system "$T/s" --virtio-win "$V/iso"
    check "2k19: status 0" rc_is 0
    check "2k19: the line on stdout" out_has "Windows Server 2019 (17763, ServerNT, AMD64) -> viostor/2k19/amd64"
    run get "$T/s" 'ControlSet001\Services\viostor' Start
    check "2k19: viostor boot-start" out_line 0

    # Same-build fallback with a warning; across builds only with --force.
    expect_folder 2k19 "$V/only-w10" viostor/w10/amd64
    check "2k19 -> w10: warned" err_has "warning: no 2k19 folder for Windows Server 2019"
    cp "$G/w11" "$T/s"
    run inject --system "$T/s" --virtio-win "$V/only-w10" --dry-run
    check "w11 on a w10-only tree: refused, status 2" rc_is 2
    check "w11 on a w10-only tree: says --force takes w10" err_has "w10 (viostor/w10/amd64) is for an older Windows: --force takes it"
    check "w11 refused: nothing on stdout" out_empty
    expect_folder w11 "$V/only-w10" viostor/w10/amd64 --force
    check "w11 -> w10 with --force: warned" err_has "a build for an older Windows (--force)"
    cp "$G/w10" "$T/s"
    run inject --system "$T/s" --virtio-win "$V/only-2k16" --dry-run --force
    check "a client never gets a server folder, even with --force" eval '[ "$rc" -eq 2 ] && err_has "no viostor for Windows 10"'
    cp "$G/unknown" "$T/s"
    run inject --system "$T/s" --virtio-win "$V/iso" --dry-run
    check "version unknown: usage error saying what to give" eval 'usage_err && err_has "--windows"'
    expect_folder unknown "$V/iso" viostor/w7/amd64 --windows 6.1.7601
fi

if [ "$MODE" = corpus ]; then
    C=$T/corpus
    mkdir -p "$C"
    for n in SYSTEM SYSTEM_2 SYSTEM_B SYSTEM_WIN_10_1709; do
        xz -dc "$CORPUS/regipy/regipy_tests/data/$n.xz" > "$G/regipy-$n"
    done
    xz -dc "$CORPUS/dissect.regf/tests/_data/SYSTEM.xz" > "$G/dissect-SYSTEM"
    cp "$CORPUS/yarp/hives_for_tests/System_Delta" "$G/yarp-System_Delta"
    # The table: hive, what is detected, the folder in each layout. The
    # regipy hives are dirty without their logs: --force (dry run).
    while IFS='|' read -r g line iso auto rpmd rpmo legacy; do
        expect_folder "$g" "$V/iso" "$iso" --force
        check "$g: detected as $line" err_has "hivekit: $line -> "
        expect_folder "$g" "$V/iso" "vioscsi/${iso#viostor/}" --force --driver vioscsi
        [ "$auto" = - ] || expect_folder "$g" "$V/auto" "$auto" --force
        expect_folder "$g" "$V/rpm-by-driver" "drivers/by-driver/$rpmd" --force
        expect_folder "$g" "$V/rpm-by-os" "drivers/by-os/$rpmo" --force
        expect_folder "$g" "$V/rpm-legacy" "drivers/$legacy" --force
        expect_folder "$g" "$V/iso-json" "$iso" --force
        check "$g: info.json's driver_version shown" err_re "-> $iso \\(08/30/2021,999\\.0\\.0\\."
    done <<'EOF'
regipy-SYSTEM|Windows 7 (7601, WinNT, x86)|viostor/w7/x86|-|viostor/w7/x86|i386/w7|i386/Win7
regipy-SYSTEM_2|Windows 8.1 (9600, WinNT, AMD64)|viostor/w8.1/amd64|-|viostor/w8.1/amd64|amd64/w8.1|amd64/Win8.1
regipy-SYSTEM_B|Windows 10 (16299, WinNT, AMD64)|viostor/w10/amd64|amd64/w10|viostor/w10/amd64|amd64/w10|amd64/Win10
regipy-SYSTEM_WIN_10_1709|Windows 10 (18362, WinNT, AMD64)|viostor/w10/amd64|amd64/w10|viostor/w10/amd64|amd64/w10|amd64/Win10
dissect-SYSTEM|Windows 10 (19041, WinNT, AMD64)|viostor/w10/amd64|amd64/w10|viostor/w10/amd64|amd64/w10|amd64/Win10
EOF
    cp "$G/yarp-System_Delta" "$T/s"
    run inject --system "$T/s" --virtio-win "$V/iso" --dry-run
    check "yarp System_Delta (a differencing hive): not a SYSTEM hive" \
        eval 'usage_err && err_has "not a SYSTEM hive"'
    # The RPM tree given at its drivers/ or by-driver/ folder.
    expect_folder dissect-SYSTEM "$V/rpm-by-driver/drivers" by-driver/viostor/w10/amd64
    expect_folder dissect-SYSTEM "$V/rpm-by-driver/drivers/by-driver" viostor/w10/amd64
    # Synthetic guests on the real trees.
    expect_folder 2k19 "$V/iso" viostor/2k19/amd64
    expect_folder 2k19 "$V/rpm-legacy" drivers/amd64/Win2019
    expect_folder 2k22dc "$V/rpm-by-os" drivers/by-os/amd64/2k22
    expect_folder 2k25 "$V/auto" amd64/2k25
    expect_folder 2k12r2 "$V/rpm-legacy" drivers/amd64/Win2012R2
    expect_folder w8 "$V/rpm-by-os" drivers/by-os/i386/w8
    expect_folder 2k22dc "$V/iso-no2k22" viostor/2k19/amd64
    check "2k22 -> 2k19: warned" err_has "warning: no 2k22 folder for Windows Server 2022"
    expect_folder 2k25 "$V/iso-no2k25" viostor/w11/amd64
    check "2k25 -> w11: warned" err_has "built from the same sources"
    expect_folder w7 "$V/pre2015" WIN7/AMD64
    expect_folder 2k8r2 "$V/pre2015" WIN7/AMD64   # one build for both
    expect_folder 2k19 "$V/pre2015" ""            # nothing for it there
    check "2k19 in a pre-2015 tree: refused, status 2" rc_is 2
fi

# ---- refusals that say what would fit ----------------------------------------

if [ "$MODE" = core ]; then
    cp "$G/w7" "$T/s"; cp "$T/s" "$T/s.orig"
    run inject --system "$T/s" --inf "$V/iso/viostor/w8.1/amd64/viostor.inf"
    check "--inf for Windows 8.1 on Windows 7: status 65" rc_is 65
    check "... says what it needs, what the guest is, what fits" \
        err_has "this INF needs Windows 8.1 or later (NTamd64.6.3); the guest is Windows 7 (6.1.7601): use the w7 folder"
    check "... nothing written" same_files "$T/s" "$T/s.orig"
    cp "$G/2k12r2" "$T/s"
    run inject --system "$T/s" --inf "$FIX/inf/viostor-w10-amd64.inf"
    check "a Windows 10 build (NTamd64.6.3, DriverVer 100) on 8.1: status 65" rc_is 65
    check "... says DriverVer and the folder" \
        err_has "is built for Windows 10 and later (DriverVer 100.85.104.20800); the guest is Windows Server 2012 R2 (6.3.9600): use the 2k12R2 folder"
    cp "$G/w8" "$T/s"
    run inject --system "$T/s" --inf "$V/iso/viostor/w10/amd64/viostor.inf"
    check "an amd64 INF on an x86 guest: 65, names the guest's arch" \
        eval 'rc_is 65 && err_has "this INF has no driver for x86" && err_has "x86: use the w8 folder"'
    run inject --system "$T/s" --inf "$V/iso/viostor/w8/x86/viostor.inf" --dry-run
    check "the w8/x86 INF on the x86 Windows 8: accepted" rc_is 0
    check "... with the line" err_has "hivekit: Windows 8 (9200, WinNT, x86) -> $V/iso/viostor/w8/x86/viostor.inf"

    # --arch: the spellings users type.
    cp "$G/w10" "$T/s"
    for a in amd64 AMD64 x64 X64 x86_64; do
        run inject --system "$T/s" --virtio-win "$V/iso" --arch "$a" --dry-run
        check "--arch $a on an AMD64 guest: accepted" rc_is 0
    done
    for a in x86 i386 arm64 ARM64; do
        run inject --system "$T/s" --virtio-win "$V/iso" --arch "$a" --dry-run
        check "--arch $a on an AMD64 guest: usage error saying the guest is AMD64" \
            eval 'usage_err && err_has "the guest is AMD64"'
    done
    run inject --system "$T/s" --virtio-win "$V/iso" --arch mips --dry-run
    check "--arch mips: usage error" usage_err
    cp "$G/w8" "$T/s"
    run inject --system "$T/s" --virtio-win "$V/iso" --arch i386 --dry-run
    check "--arch i386 on an x86 guest: accepted, the x86 folder" \
        eval 'rc_is 0 && err_has "-> viostor/w8/x86"'

    # --inf DIR.
    cp "$G/w10" "$T/s"
    run inject --system "$T/s" --inf "$V/iso/viostor/w10/amd64" --dry-run
    check "--inf DIR with one INF: that one" eval 'rc_is 0 && err_has "-> $V/iso/viostor/w10/amd64/viostor.inf"'
    run inject --system "$T/s" --inf "$V/auto/amd64/w10" --dry-run
    check "--inf DIR with two INFs: usage error naming them" \
        eval 'usage_err && err_has "vioscsi.inf" && err_has "viostor.inf" && err_has "--driver"'
    run inject --system "$T/s" --inf "$V/auto/amd64/w10" --driver vioscsi --dry-run
    check "--inf DIR --driver vioscsi: that one" eval 'rc_is 0 && err_has "-> $V/auto/amd64/w10/vioscsi.inf"'
    run inject --system "$T/s" --inf "$V/auto/amd64/w10" --driver netkvm --dry-run
    check "--inf DIR --driver netkvm: missing, status 2" eval 'rc_is 2 && err_has "no netkvm.inf"'
    run inject --system "$T/s" --inf "$FIX/inf/viostor-w10-amd64.inf" --driver viostor
    check "--inf FILE with --driver: usage error" usage_err
    run inject --system "$T/s" --virtio-win "$V/iso" --inf "$FIX/inf/viostor-w10-amd64.inf"
    check "--virtio-win with --inf: usage error" usage_err
    run inject --system "$T/s" --virtio-win "$T/nonexistent" --dry-run
    check "--virtio-win missing folder: status 2" eval 'rc_is 2 && err_has "nonexistent"'

    # ---- two drivers in one run -------------------------------------------------

    cp "$G/w10" "$T/two"; cp "$T/two" "$T/two.orig"
    run inject --system "$T/two" --virtio-win "$V/iso" --driver viostor,vioscsi --dry-run
    check "two drivers: dry run status 0" rc_is 0
    cp "$T/out" "$T/two-dry.reg"
    check "two drivers: dry run nothing written" same_files "$T/two" "$T/two.orig"
    check "two drivers: both lines" eval 'err_has "-> viostor/w10/amd64" && err_has "-> vioscsi/w10/amd64"'
    check "two drivers: one .reg header" eval '[ "$(grep -c "^Windows Registry Editor" "$T/out")" -eq 1 ]'
    check "two drivers: the CriticalDeviceDatabase key is created once" \
        eval '[ "$(grep -c "^\[HKEY_LOCAL_MACHINE\\\\SYSTEM\\\\ControlSet001\\\\Control\\\\CriticalDeviceDatabase\]$" "$T/out")" -le 1 ]'
    run inject --system "$T/two" --virtio-win "$V/iso" --driver viostor,vioscsi --undo "$T/two-undo.reg"
    check "two drivers: status 0" rc_is 0
    check "two drivers: viostor reported" out_has "service viostor boot-start"
    check "two drivers: vioscsi reported" out_has "service vioscsi boot-start"
    run get "$T/two" 'ControlSet001\Services\viostor\Parameters' BusType
    check "viostor BusType 1" out_line 1
    run get "$T/two" 'ControlSet001\Services\vioscsi\Parameters' BusType
    check "vioscsi BusType 0x0A" out_line 10
    run get "$T/two" 'ControlSet001\Services\vioscsi' Start
    check "vioscsi Start 0" out_line 0
    run get "$T/two" 'ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1001' Service
    check "CDD: 1001 -> viostor" out_line viostor
    run get "$T/two" 'ControlSet001\Control\CriticalDeviceDatabase\PCI#VEN_1AF4&DEV_1048' Service
    check "CDD: 1048 -> vioscsi" out_line vioscsi
    run get "$T/two" 'DriverDatabase\DeviceIds\PCI\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00' vioscsi.inf
    check "DeviceIds: vioscsi hardware id 01 ff 00 00" out_re '01 ff 00 00'
    run get "$T/two" 'DriverDatabase\DriverInfFiles\viostor.inf' Active
    check "DriverInfFiles viostor.inf Active" out_re '^viostor\.inf_amd64_[0-9a-f]{16}$'
    run check "$T/two"
    check "two drivers: the hive checks clean" rc_is 0
    cp "$T/two" "$T/two.after"
    run inject --system "$T/two" --virtio-win "$V/iso" --driver viostor,vioscsi
    check "two drivers again: nothing to change (both)" \
        eval 'rc_is 0 && [ "$(grep -c "nothing to change" "$T/out")" -eq 2 ]'
    check "two drivers again: no byte changed" same_files "$T/two" "$T/two.after"
    # The dry run was exactly what was done; the undo restores the content.
    cp "$T/two.orig" "$T/viapatch"
    run import --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$T/viapatch" "$T/two-dry.reg"
    check "the two-driver dry-run patch imports" rc_is 0
    "$H" export "$T/two" --prefix X -o "$T/a.reg"; "$H" export "$T/viapatch" --prefix X -o "$T/b.reg"
    check "dry-run patch == the real run" same_files "$T/a.reg" "$T/b.reg"
    # `hivekit undo` with the manifest takes back both drivers; the .reg
    # part alone imports too (values deleted, created keys left empty).
    cp "$T/two" "$T/two.injected"
    run undo "$T/two-undo.reg"
    check "the two-driver undo: status 0" rc_is 0
    "$H" export "$T/two" --prefix X -o "$T/a.reg"; "$H" export "$T/two.orig" --prefix X -o "$T/b.reg"
    check "undo restores the content" same_files "$T/a.reg" "$T/b.reg"
    run import --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$T/two.injected" "$T/two-undo.reg"
    check "the two-driver undo .reg imports" rc_is 0
    run get "$T/two.injected" 'ControlSet001\Services\vioscsi' Start
    check "undo .reg: both drivers' values are gone" rc_is 1
    # --inf repeated gives the same hive as --driver viostor,vioscsi.
    cp "$T/two.orig" "$T/two2"
    run inject --system "$T/two2" --inf "$V/iso/viostor/w10/amd64" --inf "$V/iso/vioscsi/w10/amd64/vioscsi.inf"
    check "--inf twice: status 0" rc_is 0
    "$H" export "$T/two2" --prefix X -o "$T/a.reg"; "$H" export "$T/two.after" --prefix X -o "$T/b.reg"
    check "--inf twice == --virtio-win --driver viostor,vioscsi" same_files "$T/a.reg" "$T/b.reg"
    run inject --system "$T/two2" --inf "$V/iso/viostor/w10/amd64" --inf "$V/auto/amd64/w10/viostor.inf" --dry-run
    check "the same service twice: usage error" eval 'usage_err && err_has "both install the service viostor"'
    # --root: each driver's files come from the folder chosen for it.
    R=$T/root
    mkdir -p "$R/Windows/System32/config" "$R/Windows/System32/drivers"
    cp "$T/two.orig" "$R/Windows/System32/config/SYSTEM"
    # signed AMD64 PE images (the boot binary check), each its own bytes
    { cat "$FIX/pe/amd64-signed.sys"; printf 'viostor binary'; } > "$V/iso/viostor/w10/amd64/viostor.sys"
    { cat "$FIX/pe/amd64-signed.sys"; printf 'vioscsi binary'; } > "$V/iso/vioscsi/w10/amd64/vioscsi.sys"
    run inject --root "$R" --virtio-win "$V/iso" --driver viostor,vioscsi
    check "--root --virtio-win, two drivers: status 0" rc_is 0
    check "--root: viostor.sys from viostor/w10/amd64" \
        same_files "$R/Windows/System32/drivers/viostor.sys" "$V/iso/viostor/w10/amd64/viostor.sys"
    check "--root: vioscsi.sys from vioscsi/w10/amd64" \
        same_files "$R/Windows/System32/drivers/vioscsi.sys" "$V/iso/vioscsi/w10/amd64/vioscsi.sys"
    check "--root: both INFs in Drivers\\VirtIO" \
        eval 'same_files "$R/Windows/Drivers/VirtIO/viostor.inf" "$V/iso/viostor/w10/amd64/viostor.inf" &&
              same_files "$R/Windows/Drivers/VirtIO/vioscsi.inf" "$V/iso/vioscsi/w10/amd64/vioscsi.inf"'
    # Built-in profiles, two at once.
    cp "$T/two.orig" "$T/two3"
    run inject --system "$T/two3" --driver viostor,vioscsi --dry-run --json
    check "--driver viostor,vioscsi (built in) --json: status 0" rc_is 0
    check "... both services in the changes" eval 'out_has "Services\\\\viostor" && out_has "Services\\\\vioscsi"'
    run inject --system "$T/two3" --virtio-win "$V/iso" --driver viostor,vioscsi --dry-run --json
    want='], "guest": {"name": "Windows 10", "version": "10.0.19041", "version_from": "DriverDatabase\\Version, BuildLab", "product_type": "WinNT", "server": false, "processor_architecture": "AMD64", "arch": "amd64"}, "drivers": [{"service": "viostor", "inf": "'
    want+="$V/iso/viostor/w10/amd64/viostor.inf"'", "version": "100.85.104.10"}, {"service": "vioscsi", '
    check "--json: the guest and the drivers after the changes" out_has "$want"
    if command -v python3 >/dev/null 2>&1; then
        check "--json with two drivers is valid JSON" \
            python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["drivers"]) == 2' "$T/out"
    else
        skip "python3 not installed (JSON validity)"
    fi
    run inject --system "$T/two3" --driver viostor,viostor
    check "--driver names one twice: usage error" usage_err
    run inject --system "$T/two3" --driver viostor,
    check "--driver ends with a comma: usage error" usage_err
fi

echo "virtio_win_cli ($MODE): $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
