#!/bin/bash
# test_check_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR
#                   CORPUS_XZ_DIR [core|corpus]
#
# Checks `hivekit check`: exit statuses (0 clean, 1 problems, 2 unreadable
# or not a hive, 64 usage), the one-line-per-problem text format with
# severities and codes on damaged hives, --strict, --allow-dirty, and the
# --json report (validated with python3 when it is installed, else by its
# shape). The core group uses the hives of fixtures/ (the *.xz ones as the
# fixtures-xz setup decompressed them into FIXTURES_XZ_DIR), the corpus
# group the other damaged hives of the corpus. Helpers (run, check,
# predicates, groups): lib.sh.
set -u

if [ $# -ne 5 ] && [ $# -ne 6 ]; then
    echo "usage: bash test_check_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR CORPUS_XZ_DIR [core|corpus]" >&2
    exit 2
fi
H=$1 FIX=$2 FXZ=$3 CORPUS=$4 CXZ=$5
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-check.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export LC_ALL=C
group_init "${6:-}" "$CORPUS"

# ---- predicates ------------------------------------------------------------
out_lines()   { [ "$(wc -l <"$T/out")" -eq "$1" ]; }
# every line but the last is a problem line: SEVERITY CODE [PATH] [(cell
# 0x...)]: message
problem_lines_ok() {
    [ "$(sed '$d' "$T/out" | grep -cvE '^(fatal|heal|harmless) [A-Z_]+( [^:]*)?: ')" -eq 0 ]
}
# the summary (last line) of a run on FILE with N problems
summary_is() {
    tail -n 1 "$T/out" | grep -qF -- "$1: $2 problem"
}
if [ -x /usr/bin/python3 ]; then
    have_python=1
    json_valid() { /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <"$T/out" 2>/dev/null; }
    # json_true EXPR: EXPR (Python, d = the document) holds
    json_true() {
        /usr/bin/python3 -c 'import json,sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" <"$T/out" 2>/dev/null
    }
else
    have_python=0
    json_valid() {
        [ "$(head -c 9 "$T/out")" = '{"file": ' ] &&
            tail -n 1 "$T/out" | grep -qE '"clean": (true|false)\}$'
    }
fi

# ---- the hives ---------------------------------------------------------------
SPECIAL=$FIX/hives/special
YF=$FXZ/hives/yarp                      # copies of yarp hives (fixtures/)
YH=$CORPUS/yarp/hives_for_tests
EZ=$CORPUS/EricZimmerman-Registry/Registry.Test/Hives
SYSTEM=$CXZ/regipy/regipy_tests/data/SYSTEM_WIN_10_1709
if in_group core; then
    require "$SPECIAL" "$YF/WrongOrderHive" "$YF/NewDirtyHive1/NewDirtyHive" \
            "$FXZ/hives/SYSTEM-win10-20H2"
fi
if in_group corpus; then
    require "$YH/HealedHive" "$EZ/NotAHive" "$SYSTEM"
fi

if in_group core; then
# ---- help and usage ------------------------------------------------------------
run check --help
check "check --help: status 0, usage on stdout" \
    eval 'rc_is 0 && out_has "usage: hivekit check" && err_empty'
check "check --help: explains the severities" \
    eval 'out_has "fatal" && out_has "heal" && out_has "harmless"'
run --help
check "hivekit --help lists check" out_has "check HIVE"
run check
check "check without HIVE: 64, one line" usage_err
run check "$SPECIAL" "$SPECIAL"
check "check with two hives: 64, one line" usage_err
run check "$SPECIAL" --bogus
check "check --bogus: 64, one line" usage_err
run check "$SPECIAL" --json=1
check "check --json=1 (takes no value): 64" usage_err

fi   # core

# ---- clean hives: status 0, one summary line ---------------------------------------
clean_ok() {
    run check "$1"
    check "check $(basename "$1"): status 0, one line, nothing on stderr" \
        eval 'rc_is 0 && out_lines 1 && err_empty'
    check "check $(basename "$1"): says clean" out_has "$1: clean ("
}
if in_group core; then
    for f in "$SPECIAL" "$YF/BigDataHive" "$YF/UnicodeHive" \
             "$YF/ManySubkeysHive" "$FXZ/hives/SYSTEM-win10-20H2"; do
        clean_ok "$f"
    done
fi

if in_group corpus; then
clean_ok "$EZ/SAM"
run check "$SYSTEM" --allow-dirty --strict
check "SYSTEM_WIN_10_1709 --strict --allow-dirty: clean" \
    eval 'rc_is 0 && out_has "clean (43211 keys"'
run check "$SYSTEM"
check "SYSTEM_WIN_10_1709 (dirty): status 1, BB_DIRTY heal" \
    eval 'rc_is 1 && out_first_line "heal BB_DIRTY: Sequence1 4317, Sequence2 4316: dirty, the transaction logs hold newer data and must be replayed"'
check "SYSTEM_WIN_10_1709 (dirty): summary says dirty" \
    out_has "1 problem (0 fatal, 1 heal, 0 harmless): the hive is dirty: its transaction logs hold newer data, which Windows replays at load"
fi   # corpus

# ---- damaged hives: status 1, codes and severities -----------------------------------
if in_group core; then
run check "$YF/WrongOrderHive"
check "WrongOrderHive: status 1, nothing on stderr" eval 'rc_is 1 && err_empty'
check "WrongOrderHive: first problem line" \
    out_first_line "heal LIST_ORDER \\1 (cell 0x370): subkey '1' (0x370) after '2' (0x3c8)"
check "WrongOrderHive: second problem (UTF-8 names)" \
    out_has "heal LIST_ORDER \\2 (cell 0x5e8): subkey 'в' (0x5e8) after 'г' (0x640)"
check "WrongOrderHive: three lines, problem lines well-formed" \
    eval 'out_lines 3 && problem_lines_ok'
check "WrongOrderHive: summary" \
    out_has "$YF/WrongOrderHive: 2 problems (0 fatal, 2 heal, 0 harmless): Windows would repair this hive at load"
fi   # core

# group|hive|expected "severity code" lines (each must appear)|problem count;
# a core hive is a decompressed fixture (FIXTURES_XZ_DIR), a corpus one a
# corpus file
while IFS='|' read -r where rel codes n; do
    in_group "$where" || continue
    if [ "$where" = core ]; then f=$FXZ/hives/$rel; else f=$CORPUS/$rel; fi
    run check "$f"
    check "$rel: status 1, $n problem(s)" eval 'rc_is 1 && summary_is "$f" "$n" && err_empty'
    check "$rel: problem lines well-formed" problem_lines_ok
    for c in $codes; do
        check "$rel: reports ${c/:/ }" out_re "^${c/:/ }[ :]"
    done
done <<'EOF'
corpus|yarp/hives_for_tests/DuplicateSubkeysHive|heal:SUBKEY_DUP|1
corpus|yarp/hives_for_tests/InvalidParentHive|heal:NK_PARENT|1
corpus|yarp/hives_for_tests/BadListHive|heal:CELL_SHARED heal:NK_SHARED heal:NK_PARENT|3
corpus|yarp/hives_for_tests/BadSubkeyHive|heal:NK_SHARED heal:NK_PARENT|2
corpus|yarp/hives_for_tests/TruncatedNameHive|heal:NK_NAME|1
core|yarp/CompHive|heal:LF_HINT|1
corpus|EricZimmerman-Registry/Registry.Test/Hives/SECURITYNoRoot|fatal:ROOT_FLAGS|1
corpus|EricZimmerman-Registry/Registry.Test/Hives/SAN(OTHER)|fatal:BB_CHECKSUM|1
core|yarp/GarbageHive|fatal:BB_CHECKSUM|1
EOF
if in_group corpus; then
run check "$EZ/SECURITYNoRoot"
check "SECURITYNoRoot: verdict refuse" out_has "Windows would refuse to load this hive"
run check "$EZ/SAMBadHBinHeader"
check "SAMBadHBinHeader: status 1, fatal BIN_SIGNATURE" \
    eval 'rc_is 1 && out_re "^fatal BIN_SIGNATURE \(cell 0x[0-9a-f]+\): "'
run check "$YH/OldLogWithRemnantData"
check "a transaction log given as the hive: fatal BB_TYPE" \
    eval 'rc_is 1 && out_re "^fatal BB_TYPE: type [126] \(a transaction log"'

# HealedHive: loads unchanged (clean); the strict rules see what healing
# left behind, all harmless
run check "$YH/HealedHive"
check "HealedHive: clean without --strict" eval 'rc_is 0 && out_lines 1'
run check --strict "$YH/HealedHive"
check "HealedHive --strict: status 1, 7 problems, all harmless" \
    eval 'rc_is 1 && out_has "7 problems (0 fatal, 0 heal, 7 harmless): Windows would load this hive unchanged"'
check "HealedHive --strict: 4 CELL_LEAK lines" \
    [ "$(grep -c '^harmless CELL_LEAK (cell 0x' "$T/out")" -eq 4 ]
check "HealedHive --strict: SK_UNUSED, SK_REFCOUNT_HIGH" \
    eval 'out_re "^harmless SK_UNUSED \(cell" && out_re "^harmless SK_REFCOUNT_HIGH \(cell"'
fi   # corpus

if in_group core; then
run check "$YF/TruncatedHive"
check "TruncatedHive: fatal BB_TRUNCATED" eval 'rc_is 1 && out_re "^fatal BB_TRUNCATED: "'
run check "$YF/NewDirtyHive1/NewDirtyHive.LOG1"
check "a transaction log given as the hive (NewDirtyHive.LOG1): fatal BB_TYPE" \
    eval 'rc_is 1 && out_re "^fatal BB_TYPE: type [126] \(a transaction log"'

# dirty hives: reported unless --allow-dirty
run check "$YF/NewDirtyHive1/NewDirtyHive"
check "NewDirtyHive: status 1, heal BB_DIRTY" \
    eval 'rc_is 1 && out_re "^heal BB_DIRTY: Sequence1 3, Sequence2 2: " && out_lines 2'
run check "$YF/NewDirtyHive1/NewDirtyHive" --allow-dirty
check "NewDirtyHive --allow-dirty: clean" eval 'rc_is 0 && out_lines 1'

# a file that starts like a hive but is shorter than a base block
printf 'regf' >"$T/short"
run check "$T/short"
check "4-byte 'regf' file: status 1, fatal BB_SHORT" \
    eval 'rc_is 1 && out_first_line "fatal BB_SHORT: file is 4 bytes"'

# ---- status 2: not readable, not a hive ---------------------------------------------
run check "$T/does-not-exist"
check "missing file: status 2, one line on stderr, nothing on stdout" \
    eval 'rc_is 2 && err_one_line && out_empty && err_has "$T/does-not-exist"'
run check "$T"
check "a directory: status 2" eval 'rc_is 2 && err_one_line && out_empty'
# a PE executable's first bytes, then zeros
{ printf 'MZ\220\000'; head -c 8188 /dev/zero; } >"$T/notahive"
run check "$T/notahive"
check "an 'MZ' file: status 2, 'not a hive'" \
    eval 'rc_is 2 && err_one_line && out_empty && err_has "not a hive"'
# 1 KiB of a hive bin alone (like yarp TruncatedHiveBin)
tail -c +4097 "$SPECIAL" | head -c 1024 >"$T/binonly"
run check "$T/binonly"
check "1 KiB of a bin: status 2" eval 'rc_is 2 && err_one_line'
: >"$T/empty"
run check "$T/empty" --json
check "empty file --json: status 2, nothing on stdout" \
    eval 'rc_is 2 && out_empty && err_one_line'

# ---- hives written by hivekit keep the strict rules --------------------------------------
run new "$T/new.hive"
check "new hive" rc_is 0
run set -p "$T/new.hive" 'A\B' v sz hello --time 2024-01-02T03:04:05Z
run mkkey "$T/new.hive" 'A\C\D' --time 2024-01-02T03:04:05Z
cp "$T/new.hive" "$T/new.copy"
run check --strict "$T/new.hive"
check "hivekit-written hive: --strict clean" eval 'rc_is 0 && out_has "clean (5 keys, 1 values"'
check "check leaves the file unchanged" same_files "$T/new.hive" "$T/new.copy"
cp "$YF/NewDirtyHive1/NewDirtyHive" "$T/dirty"
run set "$T/dirty" key v dword 0
check "editing a dirty hive is refused" rc_is 2

# ---- --json ------------------------------------------------------------------------------
run check --json "$YF/WrongOrderHive"
check "--json damaged: status 1, nothing on stderr" eval 'rc_is 1 && err_empty'
check "--json damaged: valid JSON" json_valid
check "--json damaged: shape" \
    eval 'out_has "\"clean\": false" && out_has "\"code\": \"LIST_ORDER\", \"severity\": \"heal\", \"path\": \"\\\\1\", \"cell\": 880, \"message\": " && out_has "\"counts\": {\"problems\": 2, \"fatal\": 0, \"heal\": 2, \"harmless\": 0}" && out_has "\"codes\": {\"LIST_ORDER\": 2}"'
run check --json "$SPECIAL"
check "--json clean: status 0, valid" eval 'rc_is 0 && json_valid'
check "--json clean: clean true, no problems" \
    eval 'out_has "\"problems\": []" && out_has "\"clean\": true}" && out_lines 1'
run check --json --strict "$YF/WrongOrderHive"
check "--json --strict: valid, strict true" \
    eval 'rc_is 1 && json_valid && out_has "\"strict\": true"'
run check --json "$YF/GarbageHive"
check "--json BB_CHECKSUM: cell null, path empty" \
    eval 'json_valid && out_has "\"code\": \"BB_CHECKSUM\", \"severity\": \"fatal\", \"path\": \"\", \"cell\": null"'
# escaping: a file name with a quote, a backslash, a tab and invalid UTF-8
weird=$T/$'we"ird\\\tname\xff'
cp "$SPECIAL" "$weird"
run check --json "$weird"
check "--json odd file name: valid JSON" eval 'rc_is 0 && json_valid'
check "--json odd file name: escaped" \
    out_has 'we\"ird\\\u0009name\ufffd"'
if [ "$have_python" = 1 ]; then
    run check --json "$YF/WrongOrderHive"
    check "--json (python): UTF-8 message" \
        json_true 'd["problems"][1]["message"] == "subkey \u0027\u0432\u0027 (0x5e8) after \u0027\u0433\u0027 (0x640)" and d["problems"][1]["path"] == "\\2"'
    run check --json "$weird"
    check "--json (python): file name round trip" \
        json_true 'd["file"].endswith("we\"ird\\\tname\ufffd")'
else
    skip "python3 not installed: JSON checked by its shape only"
fi
fi   # core

# ---- corpus: status 2, the dirty SYSTEM, HealedHive in JSON ------------------------------
if in_group corpus; then
run check "$EZ/NotAHive"
check "NotAHive: status 2, 'not a hive'" \
    eval 'rc_is 2 && err_one_line && out_empty && err_has "not a hive"'
run check "$YH/TruncatedHiveBin"
check "TruncatedHiveBin (1 KiB of a bin): status 2" eval 'rc_is 2 && err_one_line'
cp "$SYSTEM" "$T/SYSTEM"
run set "$T/SYSTEM" 'ControlSet001\Services\disk' Start dword 0
check "editing the dirty SYSTEM is refused" rc_is 2
run check --json --strict "$YH/HealedHive"
check "--json --strict HealedHive: valid, strict true" \
    eval 'rc_is 1 && json_valid && out_has "\"strict\": true"'
run check --json "$EZ/SAN(OTHER)"
check "--json BB_CHECKSUM (SAN(OTHER)): cell null, path empty" \
    eval 'json_valid && out_has "\"code\": \"BB_CHECKSUM\", \"severity\": \"fatal\", \"path\": \"\", \"cell\": null"'
if [ "$have_python" = 1 ]; then
    run check --json --strict "$YH/HealedHive"
    check "--json (python): counts agree with the problem list" \
        json_true 'len(d["problems"]) == d["counts"]["problems"] == 7 and d["counts"]["harmless"] == 7 and d["codes"] == {"CELL_LEAK": 4, "SK_UNUSED": 1, "SK_REFCOUNT_HIGH": 2} and all(set(p) == {"code", "severity", "path", "cell", "message"} for p in d["problems"]) and d["clean"] is False and d["stats"]["keys"] == 4'
fi
fi   # corpus

finish check_cli
