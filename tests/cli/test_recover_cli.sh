#!/bin/bash
# test_recover_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR
#                     CORPUS_XZ_DIR [core|corpus]
#
# Runs `hivekit recover`, the --recover and --force options of the editing
# commands and the log lines of `hivekit info` on dirty hives: the yarp
# NewDirtyHive1/2 and OldDirtyHive copies of fixtures/ (decompressed into
# FIXTURES_XZ_DIR by the fixtures-xz setup) in the core group, the other
# dirty hives of the corpus in the corpus group (groups: lib.sh). What is
# printed, exit statuses, the files written (compared with
# the hives Windows itself recovered: RecoveredHive_Windows10 byte for byte,
# RecoveredHive_Windows7 by content), the logs reset to 0 bytes after a
# recovery, and everything left byte for byte unchanged when recovery is
# refused. Every written hive is read back with info/export and, when the
# command exists, `hivekit check`.
#
# Same conventions as test_cli.sh: one "FAIL:" line per failed check, a
# summary, exit 1 if anything failed. Helpers in lib.sh.
set -u

if [ $# -ne 5 ] && [ $# -ne 6 ]; then
    echo "usage: bash test_recover_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR CORPUS_XZ_DIR [core|corpus]" >&2
    exit 2
fi
H=$1 FIX=$2 FXZ=$3 CORPUS=$4 CXZ=$5
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-rcli.XXXXXX") || exit 2
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export LC_ALL=C
unset HIVEKIT_TIME
group_init "${6:-}" "$CORPUS"

YF=$FXZ/hives/yarp              # copies of yarp hives (fixtures/)
YH=$CORPUS/yarp/hives_for_tests
DF=$CORPUS/DFIRArtifactMuseum/Windows/Registry
RG=$CORPUS/regipy/regipy_tests/data
W10TS=131331190512216222        # TimeStamp of NewDirtyHive1 and its logs

HAVE_CHECK=0
"$H" check --help >/dev/null 2>&1 && HAVE_CHECK=1

# ---- helpers ------------------------------------------------------------------

# fresh NAME FILES...: copies FILES into a new directory $T/NAME (writable)
fresh() {
    local d=$T/$1
    shift
    rm -rf "$d"
    mkdir -p "$d"
    cp "$@" "$d/"
    chmod u+w "$d"/*
}

# snapshot DIR: remembers every file of DIR (names and bytes)
snapshot() {
    rm -rf "$T/snap"
    cp -a "$1" "$T/snap"
}
# unchanged_dir WHAT DIR: DIR holds exactly the files of the last snapshot
unchanged_dir() {
    check "$1: every file unchanged, none added" diff -r "$T/snap" "$2"
}

# clean WHAT FILE: info says clean, export reads it all, check passes
clean() {
    local what=$1 f=$2 src=$rc srcl=$last
    cp "$T/out" "$T/out.save"
    cp "$T/err" "$T/err.save"
    run info "$f"
    check "$what: info: clean" eval 'rc_is 0 && out_re "^state: +clean"'
    run export "$f" --prefix X
    check "$what: export reads the whole hive" eval 'rc_is 0 && err_empty'
    if [ $HAVE_CHECK = 1 ]; then
        run check "$f"
        check "$what: hivekit check finds no problem" rc_is 0
    fi
    cp "$T/out.save" "$T/out"
    cp "$T/err.save" "$T/err"
    rc=$src last=$srcl
}

# same_content WHAT A B: A and B export to the same .reg text
same_content() {
    "$H" export "$2" --prefix X >"$T/a.reg" 2>&1
    "$H" export "$3" --prefix X >"$T/b.reg" 2>&1
    check "$1: same content (export)" cmp -s "$T/a.reg" "$T/b.reg"
}

empty_file() { [ -f "$1" ] && [ ! -s "$1" ]; }

if in_group core; then
require "$YF/NewDirtyHive1/NewDirtyHive" "$YF/NewDirtyHive1/RecoveredHive_Windows10" \
        "$YF/NewDirtyHive2/NewDirtyHive" "$YF/OldDirtyHive/OldDirtyHive" \
        "$YF/OldDirtyHive/RecoveredHive_Windows7"
# ---- recover: NewDirtyHive1 (new format, LOG1 then LOG2) ------------------------
D=$T/n1
fresh n1 "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
         "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
snapshot "$D"
run recover "$D/NewDirtyHive" --dry-run
check "recover --dry-run: status 0, nothing on stderr" eval 'rc_is 0 && err_empty'
check "recover --dry-run: says it would recover entries 2..5" \
    eval 'out_has "would recover" && out_has "4 log entries replayed, sequence 2..5" && out_has "sequence now 5"'
check "recover --dry-run: lists both logs as applying" \
    eval 'out_re "NewDirtyHive.LOG1: new format \(HvLE\), applies: entries 2..2" && out_re "NewDirtyHive.LOG2: new format \(HvLE\), applies: entries 3..5"'
check "recover --dry-run: says nothing was written" out_has "dry run: nothing was written"
unchanged_dir "recover --dry-run" "$D"

run recover "$D/NewDirtyHive" --time $W10TS
check "recover: status 0, nothing on stderr" eval 'rc_is 0 && err_empty'
check "recover: both logs applied" \
    eval 'out_re "LOG1: .*applied: entries 2..2" && out_re "LOG2: .*applied: entries 3..5"'
check "recover: written clean at sequence 6, logs reset" \
    eval 'out_has "written clean (sequence 6/6)" && out_has "reset to 0 bytes"'
check "recover: LOG1 and LOG2 are now empty" \
    eval 'empty_file "$D/NewDirtyHive.LOG1" && empty_file "$D/NewDirtyHive.LOG2"'
# Written in place, the whole file (slack after the bins included) is the
# one Windows 10 wrote after its own recovery.
check "recover: the file is byte for byte the one Windows 10 wrote after its own recovery" \
    same_files "$D/NewDirtyHive" "$YF/NewDirtyHive1/RecoveredHive_Windows10"
clean "recover NewDirtyHive1" "$D/NewDirtyHive"
run info "$D/NewDirtyHive"
check "info after recover: sequence 6 / 6, logs empty" \
    eval 'out_has "6 / 6" && out_re "NewDirtyHive.LOG1: empty"'
snapshot "$D"
run recover "$D/NewDirtyHive"
check "recover again: clean, nothing to do, status 0" \
    eval 'rc_is 0 && err_empty && out_has "clean (sequence 6/6): nothing to recover"'
unchanged_dir "recover of a clean hive" "$D"

# --backup, and without --time: the content is Windows' all the same
fresh n1b "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
          "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
run recover "$T/n1b/NewDirtyHive" --backup -v
check "recover --backup -v: status 0, the backup and its logs named" \
    eval 'rc_is 0 && err_has "logs are kept beside it" && err_has "recovered and written"'
check "recover --backup: NewDirtyHive.bak is the dirty original" \
    same_files "$T/n1b/NewDirtyHive.bak" "$YF/NewDirtyHive1/NewDirtyHive"
check "recover --backup: the logs it needs are kept beside it" \
    eval 'same_files "$T/n1b/NewDirtyHive.bak.LOG1" "$YF/NewDirtyHive1/NewDirtyHive.LOG1" &&
          same_files "$T/n1b/NewDirtyHive.bak.LOG2" "$YF/NewDirtyHive1/NewDirtyHive.LOG2"'
check "recover --backup: the backup is restorable (recover --dry-run applies)" \
    eval '"$H" recover --dry-run "$T/n1b/NewDirtyHive.bak" | grep -q "applies"' 
same_content "recover without --time" "$T/n1b/NewDirtyHive" "$YF/NewDirtyHive1/RecoveredHive_Windows10"

# ---- NewDirtyHive2: LOG1 is stale, only LOG2 applies ------------------------------
fresh n2 "$YF"/NewDirtyHive2/NewDirtyHive "$YF"/NewDirtyHive2/NewDirtyHive.LOG1 \
         "$YF"/NewDirtyHive2/NewDirtyHive.LOG2
run info "$T/n2/NewDirtyHive"
check "info NewDirtyHive2: LOG1 ignored as stale" \
    out_re 'NewDirtyHive.LOG1: 24576 bytes, new format \(HvLE\), sequence 2, entries 2..2: ignored \(stale: .*older than the hive.s 3\)'
check "info NewDirtyHive2: LOG2 applies, entries 3..5" \
    out_re 'NewDirtyHive.LOG2: 65536 bytes, new format \(HvLE\), sequence 3, entries 3..5: applies'
run recover "$T/n2/NewDirtyHive"
check "recover NewDirtyHive2: status 0, entries 3..5 only, final sequence 5" \
    eval 'rc_is 0 && out_has "3 log entries replayed, sequence 3..5" && out_has "sequence now 5"'
check "recover NewDirtyHive2: LOG1 ignored" out_re 'LOG1: new format \(HvLE\), ignored: stale'
same_content "NewDirtyHive2" "$T/n2/NewDirtyHive" "$YF/NewDirtyHive1/RecoveredHive_Windows10"
clean "recover NewDirtyHive2" "$T/n2/NewDirtyHive"

# ---- old format: OldDirtyHive, BadBaseBlockHive ------------------------------------
fresh old "$YF"/OldDirtyHive/OldDirtyHive "$YF"/OldDirtyHive/OldDirtyHive.LOG1 \
          "$YF"/OldDirtyHive/OldDirtyHive.LOG2
run info "$T/old/OldDirtyHive"
check "info OldDirtyHive: old-format LOG1 applies" \
    out_re 'OldDirtyHive.LOG1: 33792 bytes, old format \(DIRT\), sequence 5: applies \(64 dirty pages\)'
run recover "$T/old/OldDirtyHive"
check "recover OldDirtyHive: 64 dirty pages, sequence now 5" \
    eval 'rc_is 0 && out_has "64 dirty pages of an old-format log replayed" && out_has "sequence now 5"'
same_content "OldDirtyHive" "$T/old/OldDirtyHive" "$YF/OldDirtyHive/RecoveredHive_Windows7"
clean "recover OldDirtyHive" "$T/old/OldDirtyHive"
check "recover OldDirtyHive: LOG1 reset" empty_file "$T/old/OldDirtyHive.LOG1"
fi   # core

if in_group corpus; then
require "$YH/BadBaseBlockHive/BadBaseBlockHive" "$YH/OldDirtyHive/RecoveredHive_Windows7"
fresh bbb "$YH"/BadBaseBlockHive/BadBaseBlockHive "$YH"/BadBaseBlockHive/BadBaseBlockHive.LOG1 \
          "$YH"/BadBaseBlockHive/BadBaseBlockHive.LOG2
run set "$T/bbb/BadBaseBlockHive" '' a dword 1
check "set on a hive with a damaged base block: refused, names the logs" \
    eval 'rc_is 2 && err_one_line && err_has "base block is damaged" && err_has "BadBaseBlockHive.LOG1"'
run recover "$T/bbb/BadBaseBlockHive"
check "recover BadBaseBlockHive: header rebuilt from the log" \
    eval 'rc_is 0 && out_has "damaged base block rebuilt from a log" && out_re "LOG1: old format \(DIRT\), applied: .*rebuilt from this log"'
same_content "BadBaseBlockHive" "$T/bbb/BadBaseBlockHive" "$YH/OldDirtyHive/RecoveredHive_Windows7"
clean "recover BadBaseBlockHive" "$T/bbb/BadBaseBlockHive"

# ---- broken log sets: refused, nothing touched --------------------------------------
for n in 1 2 3; do
    fresh bad$n "$YH"/BadLogHive$n/*
    snapshot "$T/bad$n"
    run recover "$T/bad$n/BadLogHive"
    check "recover BadLogHive$n: status 2, one line, nothing on stdout" \
        eval 'rc_is 2 && err_one_line && out_empty'
    check "recover BadLogHive$n: says it cannot be recovered and nothing was written" \
        eval 'err_has "cannot be recovered" && err_has "nothing was written"'
    unchanged_dir "recover BadLogHive$n" "$T/bad$n"
    run set "$T/bad$n/BadLogHive" '' a dword 1 --recover
    check "set --recover on BadLogHive$n: status 2, one line" eval 'rc_is 2 && err_one_line'
    unchanged_dir "set --recover on BadLogHive$n" "$T/bad$n"
done
run recover "$T/bad1/BadLogHive"
check "BadLogHive1: names LOG1 and its bad checksum" \
    eval 'err_has "BadLogHive.LOG1: its base block checksum is wrong" && err_has "BadLogHive.LOG2: empty"'
run recover "$T/bad2/BadLogHive"
check "BadLogHive2: names LOG1 and its missing dirty vector" \
    err_has "BadLogHive.LOG1: valid base block but no 'DIRT' dirty vector"
run recover "$T/bad3/BadLogHive"
check "BadLogHive3: names both logs and their bad checksums" \
    eval 'err_has "BadLogHive.LOG1: its base block checksum is wrong" && err_has "BadLogHive.LOG2: its base block checksum is wrong"'
run info "$T/bad2/BadLogHive"
check "info BadLogHive2: LOG1 broken" out_re 'BadLogHive.LOG1: 33792 bytes, old format \(DIRT\), sequence 5: broken'
run info "$T/bad3/BadLogHive"
check "info BadLogHive3: both logs invalid" \
    eval 'out_re "LOG1: 24576 bytes, invalid, ignored: its base block checksum is wrong" && out_re "LOG2: 65536 bytes, invalid, ignored"'

# ---- real Windows hives -----------------------------------------------------------------
# the decompressed copies (corpus-xz setup), side by side under their own names
require "$CXZ/regipy/regipy_tests/data/SYSTEM_B"
fresh sysb "$CXZ"/regipy/regipy_tests/data/SYSTEM_B "$CXZ"/regipy/regipy_tests/data/SYSTEM_B.LOG1 \
           "$CXZ"/regipy/regipy_tests/data/SYSTEM_B.LOG2
run recover "$T/sysb/SYSTEM_B"
check "recover SYSTEM_B: 24 entries 2107..2130, the hive grows" \
    eval 'rc_is 0 && out_has "24 log entries replayed, sequence 2107..2130" && out_has "hive bins 12398592 -> 12591104 bytes"'
run info "$T/sysb/SYSTEM_B"
check "SYSTEM_B after recover: 12591104 bytes of bins, sequence 2131" \
    eval 'out_re "^hive bins: +12591104 bytes" && out_has "2131 / 2131"'
clean "recover SYSTEM_B" "$T/sysb/SYSTEM_B"
run get "$T/sysb/SYSTEM_B" Select Current
check "SYSTEM_B after recover: Select\\Current readable" eval 'rc_is 0 && [ -s "$T/out" ]'

fresh w11 "$DF"/Win11/NTUSER.DAT "$DF"/Win11/ntuser.dat.LOG1 "$DF"/Win11/ntuser.dat.LOG2
run recover "$T/w11/NTUSER.DAT"
check "recover Win11 NTUSER.DAT: LOG2 then LOG1, entries 238..242" \
    eval 'rc_is 0 && out_has "5 log entries replayed, sequence 238..242" && out_has "sequence now 242"'
check "recover Win11 NTUSER.DAT: the lower-case logs are reset" \
    eval 'empty_file "$T/w11/ntuser.dat.LOG1" && empty_file "$T/w11/ntuser.dat.LOG2"'
clean "recover Win11 NTUSER.DAT" "$T/w11/NTUSER.DAT"

fresh sam "$DF"/Win10/SAM "$DF"/Win10/SAM.LOG1 "$DF"/Win10/SAM.LOG2
snapshot "$T/sam"
run recover "$T/sam/SAM"
check "recover of a clean SAM with stale logs: status 0, says clean, logs ignored" \
    eval 'rc_is 0 && out_has "clean (sequence 34/34): nothing to recover" && out_re "SAM.LOG1: .*ignored: the hive is clean"'
unchanged_dir "recover of a clean SAM (logs not reset)" "$T/sam"
run info "$T/sam/SAM"
check "info SAM: logs ignored while the hive is clean" out_re 'SAM.LOG2: 49152 bytes, new format \(HvLE\), sequence 33, entries 33..33: ignored \(the hive is clean'

for h in Win10/DEFAULT Win10/BBI Win10/SECURITY Win11/SECURITY Win11/UsrClass.dat; do
    fresh dfir "$DF/$h" "$DF/$h".LOG*
    run recover "$T/dfir/$(basename "$h")"
    check "recover $h: status 0" eval 'rc_is 0 && out_has "recovered (sequence numbers"'
    clean "recover $h" "$T/dfir/$(basename "$h")"
done

# ---- --log FILE -------------------------------------------------------------------------
mkdir -p "$T/logs"
cp "$YH"/BadBaseBlockHive/BadBaseBlockHive.LOG1 "$T/logs/saved.log"
fresh lg "$YH"/BadBaseBlockHive/BadBaseBlockHive
run recover "$T/lg/BadBaseBlockHive"
check "recover without logs: refused, none found" \
    eval 'rc_is 2 && err_one_line && err_has "none was found"'
run recover "$T/lg/BadBaseBlockHive" --log "$T/logs/saved.log"
check "recover --log FILE: status 0, that log applied" \
    eval 'rc_is 0 && out_re "saved.log: old format \(DIRT\), applied"'
check "recover --log FILE: a log elsewhere is not reset" \
    same_files "$T/logs/saved.log" "$YH/BadBaseBlockHive/BadBaseBlockHive.LOG1"
clean "recover --log" "$T/lg/BadBaseBlockHive"

# --force with only invalid logs (BadLogHive1), and mkkey that changes nothing
fresh fb "$YH"/BadLogHive1/*
run mkkey "$T/fb/BadLogHive" key_with_many_subkeys --force
check "mkkey --force with invalid logs: status 0, warning, hive written clean" \
    eval 'rc_is 0 && err_has "warning"'
clean "mkkey --force" "$T/fb/BadLogHive"

run recover "$CORPUS/EricZimmerman-Registry/Registry.Test/Hives/NotAHive"
check "recover of NotAHive (a PE file): status 2, one line" eval 'rc_is 2 && err_one_line && out_empty'
fresh tr "$YH"/TruncatedDirtyHive
snapshot "$T/tr"
run recover "$T/tr/TruncatedDirtyHive"
check "recover of a truncated dirty hive: status 2, one line" eval 'rc_is 2 && err_one_line'
unchanged_dir "recover of a truncated hive" "$T/tr"
fi   # corpus

if in_group core; then
# --log FILE: logs kept elsewhere
mkdir -p "$T/logs2"
cp "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 "$T/logs2/one.log"
cp "$YF"/NewDirtyHive1/NewDirtyHive.LOG2 "$T/logs2/two.log"
fresh lg2 "$YF"/NewDirtyHive1/NewDirtyHive
run recover "$T/lg2/NewDirtyHive"
check "recover without logs beside it: refused, none found" \
    eval 'rc_is 2 && err_one_line && err_has "none was found"'
run recover "$T/lg2/NewDirtyHive" --log "$T/logs2/one.log" --log "$T/logs2/two.log"
check "recover --log FILE --log FILE: status 0, both applied" \
    eval 'rc_is 0 && out_re "one.log: new format \(HvLE\), applied" && out_re "two.log: new format \(HvLE\), applied"'
check "recover --log FILE: logs elsewhere are not reset" \
    eval 'same_files "$T/logs2/one.log" "$YF/NewDirtyHive1/NewDirtyHive.LOG1" && same_files "$T/logs2/two.log" "$YF/NewDirtyHive1/NewDirtyHive.LOG2"'
clean "recover --log (NewDirtyHive1)" "$T/lg2/NewDirtyHive"
fresh n1s "$YF"/NewDirtyHive2/NewDirtyHive "$YF"/NewDirtyHive2/NewDirtyHive.LOG1
run recover "$T/n1s/NewDirtyHive" --log "$YF/NewDirtyHive1/NewDirtyHive.LOG2" --dry-run
check "recover --log LOG2 of another directory: entries 3..5" \
    eval 'rc_is 0 && out_has "sequence 3..5"'

# a symbolic link to the hive: the target is recovered, the link stays
fresh ln "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
         "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
mkdir -p "$T/lnk"
ln -s "$T/ln/NewDirtyHive" "$T/lnk/hive"
run recover "$T/lnk/hive"
check "recover through a symlink: status 0, the link stays a link" \
    eval 'rc_is 0 && [ -L "$T/lnk/hive" ] && empty_file "$T/ln/NewDirtyHive.LOG2"'
clean "recover through a symlink" "$T/ln/NewDirtyHive"

# ---- the editing commands: --recover, --force ---------------------------------------------
D=$T/ed
fresh ed "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
         "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
snapshot "$D"
run set "$D/NewDirtyHive" '' a dword 7
check "set on a dirty hive: refused, suggests recover and --recover" \
    eval 'rc_is 2 && err_one_line && err_has "hivekit recover" && err_has "--recover" && err_has "nothing was written"'
run set "$D/NewDirtyHive" '' a dword 7 --force
check "set --force with a log that applies: refused, points to --recover" \
    eval 'rc_is 2 && err_one_line && err_has "holds newer data" && err_has "--recover"'
unchanged_dir "refused edits of a dirty hive" "$D"
run rm "$D/NewDirtyHive" nope --recover
check "rm --recover of a missing key: status 1, nothing written" rc_is 1
unchanged_dir "rm --recover of a missing key" "$D"
run set "$D/NewDirtyHive" '' a dword 7 --recover --time $W10TS
check "set --recover: status 0, silent" quiet_ok
check "set --recover: the logs are reset" \
    eval 'empty_file "$D/NewDirtyHive.LOG1" && empty_file "$D/NewDirtyHive.LOG2"'
run get "$D/NewDirtyHive" '' a
check "set --recover: the value is there" eval 'rc_is 0 && out_line 7'
run info "$D/NewDirtyHive"
check "set --recover: one write, sequence 6 / 6" out_has "6 / 6"
clean "set --recover" "$D/NewDirtyHive"
"$H" rm "$D/NewDirtyHive" '' a >/dev/null 2>&1
same_content "set --recover then rm" "$D/NewDirtyHive" "$YF/NewDirtyHive1/RecoveredHive_Windows10"

fresh ed2 "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
          "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
"$H" ls "$YF/NewDirtyHive1/RecoveredHive_Windows10" >"$T/ls.txt"
KEY=$(sed -n 's/^  \([^ ]*\)\\$/\1/p' "$T/ls.txt" | head -1)
run mkkey "$T/ed2/NewDirtyHive" x --recover -v
check "mkkey --recover -v: status 0, says it recovered" \
    eval 'rc_is 0 && err_has "recovered from its transaction logs (4 log entries replayed); sequence now 5"'
clean "mkkey --recover" "$T/ed2/NewDirtyHive"
fresh ed3 "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
          "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
printf 'Windows Registry Editor Version 5.00\n\n[X\\k]\n"v"="w"\n' >"$T/x.reg"
run import "$T/ed3/NewDirtyHive" "$T/x.reg" --prefix X --recover
check "import --recover: status 0" quiet_ok
run get "$T/ed3/NewDirtyHive" k v
check "import --recover: the imported value is there" eval 'rc_is 0 && out_line w'
clean "import --recover" "$T/ed3/NewDirtyHive"
# mkkey of a key that exists: the recovered hive is still written
fresh ed4 "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
          "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
if [ -n "$KEY" ]; then
    run mkkey "$T/ed4/NewDirtyHive" "$KEY" --recover
    check "mkkey --recover of an existing key ($KEY): the recovered hive is written" \
        eval 'rc_is 0 && empty_file "$T/ed4/NewDirtyHive.LOG1"'
    clean "mkkey --recover, existing key" "$T/ed4/NewDirtyHive"
else
    skip "no subkey listed in RecoveredHive_Windows10"
fi

# --force: a dirty hive without logs
fresh nolog "$YF"/NewDirtyHive1/NewDirtyHive
run set "$T/nolog/NewDirtyHive" '' a dword 1
check "set on a dirty hive without logs: refused, mentions --force" \
    eval 'rc_is 2 && err_one_line && err_has "no transaction log" && err_has "--force"'
run set "$T/nolog/NewDirtyHive" '' a dword 1 --recover
check "set --recover without logs: refused, none found" \
    eval 'rc_is 2 && err_one_line && err_has "none was found"'
run set "$T/nolog/NewDirtyHive" '' a dword 1 --force
check "set --force without logs: status 0, one warning line about what may be lost" \
    eval 'rc_is 0 && err_one_line && err_has "warning" && err_has "lost"'
clean "set --force" "$T/nolog/NewDirtyHive"
run get "$T/nolog/NewDirtyHive" '' a
check "set --force: the value is there" eval 'rc_is 0 && out_line 1'
# --recover and --force: the logs apply, so --recover wins
fresh rf "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
         "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
run set "$T/rf/NewDirtyHive" '' a dword 1 --recover --force
check "set --recover --force with applying logs: recovered, no warning" quiet_ok
clean "set --recover --force" "$T/rf/NewDirtyHive"

# ---- files recover refuses -------------------------------------------------------------------
{ printf 'MZ\220\000'; head -c 17916 /dev/zero; } >"$T/notahive"
run recover "$T/notahive"
check "recover of a file that is not a hive: status 2, one line" eval 'rc_is 2 && err_one_line && out_empty'
# a dirty hive cut after its first bin (as yarp TruncatedDirtyHive)
mkdir -p "$T/tr2"
head -c 8192 "$YF/NewDirtyHive1/NewDirtyHive" >"$T/tr2/TruncatedDirtyHive"
snapshot "$T/tr2"
run recover "$T/tr2/TruncatedDirtyHive"
check "recover of a truncated dirty hive: status 2, one line" eval 'rc_is 2 && err_one_line'
unchanged_dir "recover of a truncated hive" "$T/tr2"
if [ "$(id -u)" != 0 ]; then
    fresh ro "$YF"/NewDirtyHive1/NewDirtyHive "$YF"/NewDirtyHive1/NewDirtyHive.LOG1 \
             "$YF"/NewDirtyHive1/NewDirtyHive.LOG2
    chmod a-w "$T/ro/NewDirtyHive"
    snapshot "$T/ro"
    run recover "$T/ro/NewDirtyHive"
    check "recover of a read-only hive: status 2, one line, says nothing was written" \
        eval 'rc_is 2 && err_one_line && err_has "nothing was written"'
    unchanged_dir "recover of a read-only hive" "$T/ro"
    chmod u+w "$T/ro/NewDirtyHive"
else
    skip "running as root: the read-only hive case is not testable"
fi

# ---- usage and help --------------------------------------------------------------------------
run recover
check "recover without HIVE: usage error" usage_err
run recover a b
check "recover with two hives: usage error" usage_err
run recover "$T/n1/NewDirtyHive" --log 1 --log 2 --log 3 --log 4 --log 5 --log 6 --log 7 --log 8 --log 9
check "recover with 9 --log: usage error" usage_err
run recover "$T/nonexistent"
check "recover of a missing file: status 2, one line" eval 'rc_is 2 && err_one_line'
run recover --help
check "recover --help: describes --log, --dry-run and the reset of the logs" \
    eval 'rc_is 0 && out_has "--log FILE" && out_has "--dry-run" && out_has "0 bytes"'
for c in set rm mkkey import; do
    run $c --help
    check "$c --help: describes --recover and --force" eval 'rc_is 0 && out_has "--recover" && out_has "--force"'
done
run --help
check "hivekit --help lists recover" out_has "recover HIVE"

fi   # core

finish recover_cli
