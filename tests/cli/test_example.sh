#!/bin/bash
# test_example.sh WALK_AND_SET HIVEKIT FIXTURES_DIR
#
# Runs examples/walk_and_set.c on a copy of fixtures/hives/minimal and checks
# its result with `hivekit get` and `hivekit check`; the input is unchanged.
set -u
[ $# -eq 3 ] || { echo "usage: bash test_example.sh WALK_AND_SET HIVEKIT FIXTURES" >&2; exit 2; }
EX=$1 H=$2 FIX=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-example.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/emulator.sh"; emu_wrap H EX   # cross builds
fail() { echo "FAIL: $*" >&2; exit 1; }

cp "$FIX/hives/minimal" "$T/in"
"$EX" "$T/in" "$T/out" >"$T/log" || fail "walk_and_set: status $? ($(cat "$T/log"))"
grep -q '^1 keys$' "$T/log" || fail "walk output: $(cat "$T/log")"
cmp -s "$FIX/hives/minimal" "$T/in" || fail "the input hive changed"
[ "$("$H" get "$T/out" hivekit-example Greeting)" = "hello from walk_and_set" ] ||
    fail "hivekit get: $("$H" get "$T/out" hivekit-example Greeting 2>&1)"
"$H" check --strict "$T/out" >/dev/null || fail "check: $("$H" check --strict "$T/out")"
# own key, name and text; OUT must not exist yet
"$EX" "$T/in" "$T/out2" 'Soft\Ware' 'Ünï' 'ça va' >/dev/null || fail "args: status $?"
[ "$("$H" get "$T/out2" 'soft\ware' 'ÜNÏ')" = "ça va" ] || fail "get out2"
"$EX" "$T/in" "$T/out2" >/dev/null 2>&1; [ $? -eq 2 ] || fail "existing OUT accepted"
echo "example: passed"
