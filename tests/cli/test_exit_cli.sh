#!/bin/bash
# test_exit_cli.sh HIVEKIT FIXTURES_DIR
#
# The exit statuses are one table (src/cli/exit.h): `hivekit --help`, the
# README and the man page list the same numbers; every missing input file
# (hive, .reg, INF, --log file, driver file) is status 2; every malformed
# input (.reg, INF) is 65; `inject --software` that writes SYSTEM but not
# SOFTWARE is 3. Also: the command table drives the bash completion
# (hivekit --list-options) and each command's --help. Fixtures only.
# Conventions of test_cli.sh (helpers in lib.sh).
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_exit_cli.sh HIVEKIT FIXTURES_DIR" >&2
    exit 2
fi
H=$1 FIX=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac
SRC=$FIX/..

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-exit.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z

# one line on stderr naming $1, nothing on stdout
names() { err_one_line && err_has "$1" && out_empty; }

# ---- one table ----------------------------------------------------------------
run --help
sed -n '/^exit status:/,$s/^  \([0-9][0-9]*\) .*/\1/p' "$T/out" >"$T/help-codes"
check "--help lists the exit statuses 0 1 2 3 4 5 64 65 75" \
    eval '[ "$(tr "\n" " " <"$T/help-codes")" = "0 1 2 3 4 5 64 65 75 " ]'
sed -n '/^### Exit status/,/^## /s/^| \([0-9][0-9]*\) |.*/\1/p' "$SRC/README.md" >"$T/readme-codes"
check "README's exit status table lists the same numbers as --help" \
    same_files "$T/help-codes" "$T/readme-codes"
sed -n '/^\.SH EXIT STATUS/,/^\.SH /s/^\.B \([0-9][0-9]*\)$/\1/p' "$SRC/man/hivekit.1" >"$T/man-codes"
check "hivekit(1) EXIT STATUS lists the same numbers as --help" \
    same_files "$T/help-codes" "$T/man-codes"

# ---- fixtures -------------------------------------------------------------------
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$T/orig" || exit 2
S=$T/SYSTEM
cp "$T/orig" "$S"
W=$T/SOFTWARE
"$H" new "$W" && "$H" mkkey "$W" 'Microsoft\Windows\CurrentVersion' || exit 2
cp "$W" "$T/sw-orig"
M=$T/min
cp "$FIX/hives/minimal" "$M"
INF=$FIX/inf/viostor-w10-amd64.inf
NO=$T/does-not-exist

# ---- a missing input file: status 2 ----------------------------------------------
for c in "info $NO" "ls $NO" "get $NO k v" "export $NO" "check $NO" \
         "set $NO k n sz v" "rm $NO k" "mkkey $NO k" "recover $NO"; do
    run $c
    check "$c (missing hive): status 2, one line naming it" eval 'rc_is 2 && names "$NO"'
done
run import "$M" "$NO.reg"
check "import of a missing .reg: status 2" eval 'rc_is 2 && names "$NO.reg"'
run import "$M" "$T"
check "import of a directory as .reg: status 2" eval 'rc_is 2 && err_one_line'
run inject --system "$NO" --driver viostor
check "inject --system missing: status 2" eval 'rc_is 2 && names "$NO"'
run inject --system "$S" --software "$NO" --driver viostor
check "inject --software missing: status 2" eval 'rc_is 2 && names "$NO"'
run inject --system "$S" --inf "$NO.inf"
check "inject --inf missing: status 2 (was 64)" eval 'rc_is 2 && names "$NO.inf"'
check "inject --inf missing: SYSTEM untouched" same_files "$S" "$T/orig"
cp "$FIX/hives/minimal" "$T/dirty"   # made dirty: Sequence1 += 1
printf '\001' | dd of="$T/dirty" bs=1 seek=4 conv=notrunc 2>/dev/null
run recover "$T/dirty" --log "$NO.LOG1"
check "recover --log missing: status 2, naming it" eval 'rc_is 2 && err_has "does-not-exist.LOG1"'
R=$T/root
mkdir -p "$R/Windows/System32/config" "$R/Windows/System32/drivers" "$T/drv"
cp "$T/orig" "$R/Windows/System32/config/SYSTEM"
cp "$INF" "$T/drv/viostor.inf"
run inject --root "$R" --inf "$T/drv/viostor.inf"
check "inject --root without the driver binary next to the INF: status 2 (was 64)" \
    eval 'rc_is 2 && err_has viostor.sys'
check "... and the hive is untouched" same_files "$R/Windows/System32/config/SYSTEM" "$T/orig"

# ---- malformed input: status 65 --------------------------------------------------
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\min\\A\n' >"$T/bad.reg"
run import "$M" "$T/bad.reg"
check "import of a malformed .reg: status 65, 'FILE: line 3, column'" \
    eval 'rc_is 65 && names "$T/bad.reg: line 3, column "'
check "import of a malformed .reg: hive untouched" same_files "$M" "$FIX/hives/minimal"
run import "$M" "$T/bad.reg" --prefix "$(printf 'X\377')"
check "import --prefix not UTF-8: usage error (64), before the .reg is read" usage_err
# an INF that breaks the syntax (unterminated quote), one that is not an
# INF (no [Version]), one with nothing for the guest
head -c 2000 "$INF" >"$T/syntax.inf"
printf '\r\n[Strings]\r\nVENDOR = "Red Hat, Inc.\r\n' >>"$T/syntax.inf"
printf '[Strings]\nx = y\n' >"$T/noversion.inf"
run inject --system "$S" --inf "$T/syntax.inf"
check "inject --inf with a syntax error: status 65 (was 64), FILE:LINE" \
    eval 'rc_is 65 && err_re "syntax\.inf:[0-9]+:" && out_empty'
run inject --system "$S" --inf "$T/noversion.inf"
check "inject --inf that is not an INF: status 65 (was 64)" \
    eval 'rc_is 65 && names noversion.inf'
run inject --system "$S" --inf "$INF" --windows 6.1.7601
check "inject --inf with no model for the guest's Windows: status 65 (was 64)" \
    eval 'rc_is 65 && names "6.1.7601"'
run inject --system "$S" --software "$W" --inf "$INF" --dry-run
check "the good INF for comparison: status 0" rc_is 0
check "malformed INFs leave the hives untouched" \
    eval 'same_files "$S" "$T/orig" && same_files "$W" "$T/sw-orig"'

# ---- usage: status 64 -----------------------------------------------------------
run inject --system "$S" --inf "$INF" --windows ten
check "inject --windows malformed: 64" usage_err
run ls "$M" --frobnicate
check "unknown option: 64" usage_err
run --list-options
check "--list-options without a command: 64" eval 'rc_is 64 && err_one_line'

# ---- partial success: status 3 ------------------------------------------------------
# SOFTWARE's backup cannot be written (HIVE.bak is a directory and every
# numbered name HIVE.bak.2 ... HIVE.bak.99 is taken: a backup is never
# overwritten), after SYSTEM was: SYSTEM is injected, SOFTWARE unchanged.
mkdir -p "$W.bak/keep"
for i in $(seq 2 99); do : >"$W.bak.$i"; done
run inject --system "$S" --software "$W" --driver viostor --backup
check "inject: SYSTEM written, SOFTWARE not: status 3" rc_is 3
check "partial: the message says which hive was written" \
    eval 'err_has "$S was written" && err_has "$W was not"'
check "partial: SYSTEM's summary on stdout" out_has "SYSTEM: ControlSet001: service viostor boot-start"
check "partial: SYSTEM was written" eval '! same_files "$S" "$T/orig"'
check "partial: SOFTWARE unchanged" same_files "$W" "$T/sw-orig"
run get "$S" 'ControlSet001\Services\viostor' Start
check "partial: the driver is boot-start" out_line 0
# SYSTEM needs nothing now: the same failure writes nothing at all
run inject --system "$S" --software "$W" --driver viostor --backup
check "SYSTEM already set up, SOFTWARE not writable: status 2, not 3" \
    eval 'rc_is 2 && err_has "$W.bak"'
rm -rf "$W.bak" "$W".bak.*
run inject --system "$S" --software "$W" --driver viostor --backup
check "running it again finishes the job: status 0" \
    eval 'rc_is 0 && out_has "SOFTWARE: DevicePath extended"'
run get "$W" 'Microsoft\Windows\CurrentVersion' DevicePath
check "... DevicePath now set" out_line '%SystemRoot%\Drivers\VirtIO'

# ---- the command table: --help and the bash completion ---------------------------------
"$H" --list-commands >"$T/cmds"
check "--list-commands: the fourteen commands" eval '[ "$(wc -l <"$T/cmds")" -eq 14 ]'
complete_words() { # complete_words WORD...: COMPREPLY of the last word, sorted
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
             _hivekit; printf "%s\n" "${COMPREPLY[@]}"' _ "$SRC/completion/hivekit.bash" "$@" | sort
}
for c in $(cat "$T/cmds"); do
    "$H" --list-options "$c" | cut -d' ' -f1 | sort >"$T/opts"
    complete_words "$H" "$c" - >"$T/compl"
    check "completion of '$c -' offers exactly its options" same_files "$T/opts" "$T/compl"
    "$H" "$c" --help >"$T/help"
    missing=""
    for o in $(grep -v -e '^--help' -e '^-h' "$T/opts"); do
        grep -qe "$o\b" "$T/help" || missing="$missing $o"
    done
    check "$c --help describes every option it takes${missing:+ (missing:$missing)}" \
        [ -z "$missing" ]
done
complete_words "$H" "" >"$T/compl"
check "completion of the command word offers the commands" \
    eval 'for c in $(cat "$T/cmds"); do grep -qx "$c" "$T/compl" || exit 1; done'
complete_words "$H" inject --driver "" >"$T/compl"
check "completion of inject --driver offers the built-in drivers" \
    eval '[ "$(tr "\n" " " <"$T/compl")" = "vioscsi viostor " ]'

total=$((npass + nfail))
echo "exit_cli: $npass/$total checks passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
