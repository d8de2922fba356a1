#!/usr/bin/env bash
# inject.sh - time `hivekit inject` (plan, apply, atomic commit with fsync)
# on the largest clean real SYSTEM hives of the corpus, each run on a fresh
# copy. Target (issue 5): under 50 ms on the largest real SYSTEM hive.
# A benchmark, not a test. Needs hyperfine (installed when missing, as root).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$repo/../shared/corpus}
hivekit=${HIVEKIT:-$repo/build/hivekit}
[[ -x $hivekit ]] || { echo "inject.sh: build first (make build)" >&2; exit 1; }
if ! command -v hyperfine >/dev/null && [[ $(id -u) -eq 0 ]]; then
    apt-get update -q && apt-get install -y -q hyperfine
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)"
run() { # NAME XZ ARCH [EXTRA OPTIONS]
    xz -dc "$corpus/$2" > "$tmp/$1.orig"
    echo "== $1 ($(stat -c %s "$tmp/$1.orig") bytes), --driver viostor --arch $3 ${4:-}"
    hyperfine -N -w 2 -r 20 --prepare "cp $tmp/$1.orig $tmp/$1" \
        "$hivekit inject --system $tmp/$1 --driver viostor --arch $3 ${4:-}" 2>&1 |
        grep -E 'Time|Range'
}
run win7-SYSTEM regipy/regipy_tests/data/SYSTEM.xz x86
run win10-20H2-SYSTEM dissect.regf/tests/_data/SYSTEM.xz amd64
# The largest real SYSTEM hive (15.5 MB) is dirty and its logs were not
# published: --force writes it as it is (what a user without logs does).
run win10-1903-SYSTEM regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz amd64 --force
