#!/bin/bash
# test_meta_cli.sh HIVEKIT FIXTURES_DIR VERSION
#
# `hivekit --version` prints the CMake project version; `hivekit --help`
# and `hivekit COMMAND --help` (every command) exit 0 with a usage line;
# `--json` of info, ls and get prints one valid JSON object of the
# documented shape (validated with python3 when it is installed); the
# example program examples/walk_and_set.c is exercised by test_example.sh.
set -u
[ $# -eq 3 ] || { echo "usage: bash test_meta_cli.sh HIVEKIT FIXTURES VERSION" >&2; exit 2; }
H=$1 FIX=$2 VERSION=$3
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-meta.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/emulator.sh"; emu_wrap H   # cross builds

[ "$("$H" --version)" = "hivekit $VERSION" ] || bad "--version: $("$H" --version)"
"$H" --help >"$T/help" || bad "--help status"
cmds=$(sed -n 's/^  \([a-z]*\) .*/\1/p' "$T/help")
[ "$(echo $cmds | wc -w)" -ge 12 ] || bad "--help lists: $cmds"
for c in $cmds; do
    "$H" "$c" --help >"$T/out" 2>&1 || bad "$c --help: status $?"
    grep -q "^usage: hivekit $c" "$T/out" || bad "$c --help: no usage line"
    "$H" "$c" -h >/dev/null 2>&1 || bad "$c -h: status $?"
done

json_ok() { # FILE KEYS...: one line of JSON with these top-level members
    local f=$1; shift
    [ "$(wc -l <"$f")" -eq 1 ] || return 1
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$f" "$@" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
missing = [k for k in sys.argv[2:] if k not in d]
sys.exit(1 if missing else 0)
PY
    else
        for k in "$@"; do grep -q "\"$k\": " "$f" || return 1; done
    fi
}
M=$FIX/hives/minimal
"$H" info --json "$M" >"$T/j" || bad "info --json status"
json_ok "$T/j" file major minor sequence dirty checksum timestamp reorganized \
    root name_in_header file_size bins keys values max_depth logs ||
    bad "info --json shape: $(cat "$T/j")"
"$H" ls "$M" --json >"$T/j" || bad "ls --json status"
json_ok "$T/j" key last_written class subkeys values || bad "ls --json: $(cat "$T/j")"
grep -q '"key": "\\\\", ' "$T/j" || bad "ls --json root key: $(cat "$T/j")"

# a hive with values of several types, made with hivekit itself
W=$T/w
"$H" new "$W" --time 2024-01-02T03:04:05Z || bad "new"
"$H" set "$W" 'A\B' S sz 'tab	"q"\' -p --time 2024-01-02T03:04:05Z || bad set
"$H" set "$W" 'A\B' M multi_sz one two --time 2024-01-02T03:04:05Z || bad set
"$H" set "$W" 'A\B' D dword 0xffffffff --time 2024-01-02T03:04:05Z || bad set
"$H" set "$W" 'A\B' Q qword 1 --time 2024-01-02T03:04:05Z || bad set
"$H" set "$W" 'A\B' '' binary 01 02 ff --time 2024-01-02T03:04:05Z || bad set
"$H" ls --json "$W" 'a\b' >"$T/j" || bad "ls --json A\\B"
exp='{"key": "\\A\\B", "last_written": "2024-01-02T03:04:05Z", "class": null, "subkeys": [], "values": [{"name": "S", "type": "REG_SZ", "type_id": 1, "size": 18, "data": "tab\u0009\"q\"\\"}, {"name": "M", "type": "REG_MULTI_SZ", "type_id": 7, "size": 18, "data": ["one", "two"]}, {"name": "D", "type": "REG_DWORD", "type_id": 4, "size": 4, "data": 4294967295}, {"name": "Q", "type": "REG_QWORD", "type_id": 11, "size": 8, "data": 1}, {"name": "", "type": "REG_BINARY", "type_id": 3, "size": 3, "data": "0102ff"}]}'
[ "$(cat "$T/j")" = "$exp" ] || bad "ls --json: $(cat "$T/j")"
"$H" get --json "$W" 'A\B' D >"$T/j" || bad "get --json"
exp='{"key": "\\A\\B", "name": "D", "type": "REG_DWORD", "type_id": 4, "size": 4, "data": 4294967295, "hex": "ffffffff"}'
[ "$(cat "$T/j")" = "$exp" ] || bad "get --json: $(cat "$T/j")"
"$H" get --json "$W" 'A\B' @ >"$T/j" || bad "get --json @"
grep -q '"name": "", "type": "REG_BINARY"' "$T/j" || bad "get --json @: $(cat "$T/j")"
"$H" get --json "$W" 'A\B' nope >"$T/j" 2>/dev/null; [ $? -eq 1 ] || bad "get --json missing: status"
[ ! -s "$T/j" ] || bad "get --json missing: output $(cat "$T/j")"
"$H" get --json --raw "$W" 'A\B' D >/dev/null 2>&1; [ $? -eq 64 ] || bad "--json --raw: status"
"$H" ls --json "$W" nope >"$T/j" 2>/dev/null; [ $? -eq 1 ] || bad "ls --json missing: status"
"$H" info --json "$W" >"$T/j" || bad "info --json W"
json_ok "$T/j" keys || bad "info --json W: $(cat "$T/j")"
grep -q '"keys": 3, "values": 5, ' "$T/j" || bad "info --json counts: $(cat "$T/j")"

# inject --dry-run --json on the demo SYSTEM hive: the change set, nothing
# written
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" >"$T/SYSTEM" || bad "xz"
cp "$T/SYSTEM" "$T/SYSTEM.orig"
"$H" inject --system "$T/SYSTEM" --driver viostor --dry-run --json >"$T/j" 2>/dev/null ||
    bad "inject --json status"
cmp -s "$T/SYSTEM" "$T/SYSTEM.orig" || bad "inject --dry-run --json wrote the hive"
head -1 "$T/j" | grep -q '^{"system": ".*", "software": null, "controlsets": \["ControlSet001"\], "driver_database": true, "changes": \[$' ||
    bad "inject --json head: $(head -1 "$T/j")"
grep -q '^  {"hive": "SYSTEM", "op": "set", "key": "\\\\ControlSet001\\\\Services\\\\viostor", "name": "Start", "type": "REG_DWORD", "type_id": 4, "size": 4, "data": 0, "existed": false},$' "$T/j" ||
    bad "inject --json Start: $(grep Start "$T/j")"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["changes"]) > 10' "$T/j" ||
        bad "inject --json is not valid JSON"
fi
"$H" inject --system "$T/SYSTEM" --driver viostor --json >/dev/null 2>&1; [ $? -eq 64 ] ||
    bad "inject --json without --dry-run accepted"

# the man pages format without a warning
if command -v groff >/dev/null 2>&1; then
    for m in "$FIX"/../man/hivekit.1 "$FIX"/../man/hivekit.3; do
        w=$(groff -man -Tutf8 -ww "$m" 2>&1 >/dev/null)
        [ -z "$w" ] || bad "$m: $w"
    done
else
    echo "SKIP: groff is not installed: man pages not checked"
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "meta_cli: all passed"
