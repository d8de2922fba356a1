#!/usr/bin/env bash
# hostile.sh - how fast `hivekit inject --root` refuses each hostile guest
# volume of tests/cli/test_hostile_cli.sh (links out of the volume, FIFOs,
# devices, loops, a 10 GiB sparse hive, ...), with openat2 and with the
# component walk. Target (issue 16): each refusal within a second. The test
# only fails on a hang (its timeout); the times are measured here.
# A benchmark, not a test: prints "case | resolver | exit | ms | message"
# and the slowest case; exits 0 whatever the times.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
hivekit=${HIVEKIT:-$build/hivekit}
[[ -x $hivekit ]] || { echo "hostile.sh: build first (make build)" >&2; exit 1; }
[[ -d $build/tests/fixtures-xz ]] || { echo "hostile.sh: run the tests once (make test) for $build/tests/fixtures-xz" >&2; exit 1; }
table=$(mktemp); trap 'rm -f "$table"' EXIT
HIVEKIT_HOSTILE_TABLE=$table bash "$repo/tests/cli/test_hostile_cli.sh" \
    "$hivekit" "$repo/fixtures" "$build/tests/fixtures-xz" >/dev/null || true
cat "$table"
awk -F' [|] ' '$4 ~ /^[0-9]+$/ { if ($4 > max) { max = $4; c = $1 " [" $2 "]" } n++ }
    END { printf "%d timed cases; slowest %d ms (%s); target under 1000 ms: %s\n",
          n, max, c, max < 1000 ? "met" : "missed" }' "$table"
