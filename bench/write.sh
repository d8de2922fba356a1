#!/usr/bin/env bash
# write.sh - writer benchmarks: adding n subkeys / n values under one key
# (growth should be n log n or better: doubling n should roughly double the
# time) and importing the export of the largest corpus SYSTEM hive into a
# new hive (target >= 50 MB/s). A benchmark, not a test.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$repo/../shared/corpus}
build=${BUILD:-$repo/build}
[[ -f $build/libhivekit.a ]] || { echo "write.sh: build first (make build)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cc -O2 -I"$repo/include" "$repo/bench/bench_write.c" "$build/libhivekit.a" -o "$tmp/bench_write"

echo "machine: $(nproc) cores, $(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)"
for what in keys values; do
    for n in 12500 25000 50000 100000; do
        "$tmp/bench_write" "$what" "$n"
    done
done
hive=$tmp/SYSTEM
xz -dc "$corpus/regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz" > "$hive"
"$build/hivekit" export "$hive" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' -o "$tmp/system.reg"
for i in 1 2 3; do
    "$tmp/bench_write" import "$tmp/system.reg" 'HKEY_LOCAL_MACHINE\SYSTEM'
done
