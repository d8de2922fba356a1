#!/usr/bin/env bash
# bytes.sh - bytes written and time of `hivekit inject` in the journaled
# in-place mode (the default) and the replace mode (--replace), side by
# side, on the largest real SYSTEM hives. Bytes are the sum of what the
# write, pwrite and ftruncate-free data calls of the process returned
# (strace), logs and backups included; time is hyperfine's mean.
# Target (issue 11): under 1 MiB written per inject on the 15.5 MB SYSTEM.
# A benchmark, not a test. Needs strace and hyperfine (installed when
# missing, as root).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$repo/../shared/corpus}
hivekit=${HIVEKIT:-$repo/build/hivekit}
[[ -x $hivekit ]] || { echo "bytes.sh: build first (make build)" >&2; exit 1; }
for tool in strace hyperfine; do
    if ! command -v $tool >/dev/null && [[ $(id -u) -eq 0 ]]; then
        apt-get update -q && apt-get install -y -q $tool
    fi
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

written() { # FILE.strace: sum of the byte counts write/pwrite64 returned
    awk '/(^|[0-9] )(write|pwrite64)\(/ && $NF ~ /^[0-9]+$/ { n += $NF } END { print n + 0 }' "$1"
}

run() { # NAME XZ ARCH [EXTRA OPTIONS]
    local name=$1 xz=$2 arch=$3; shift 3
    [[ -f $corpus/$xz ]] || { echo "== $name: $corpus/$xz missing, skipped"; return; }
    xz -dc "$corpus/$xz" > "$tmp/$name.orig"
    local size; size=$(stat -c %s "$tmp/$name.orig")
    for mode in journaled replace; do
        local opt=""; [[ $mode == replace ]] && opt=--replace
        cp "$tmp/$name.orig" "$tmp/$name"
        strace -f -qq -e trace=write,pwrite64 -o "$tmp/s" \
            "$hivekit" inject --system "$tmp/$name" --driver viostor --arch "$arch" \
            $opt "$@" > /dev/null
        # the report lines hivekit itself wrote to stdout are tiny; count all
        local b; b=$(written "$tmp/s")
        local t; t=$(hyperfine -N -w 1 -r 10 --prepare "cp $tmp/$name.orig $tmp/$name" \
            "$hivekit inject --system $tmp/$name --driver viostor --arch $arch $opt $*" \
            --export-json "$tmp/h.json" >/dev/null 2>&1 &&
            awk -F: '/"mean"/ { gsub(/[ ,]/, "", $2); printf "%.1f ms", $2 * 1000; exit }' "$tmp/h.json")
        printf '%-22s %-10s hive %9d bytes  written %9d bytes (%.2f MiB)  %s\n' \
            "$name" "$mode" "$size" "$b" "$(echo "$b / 1048576" | bc -l)" "$t"
    done
}
echo "machine: $(nproc) cores, $(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo)"
run win7-SYSTEM regipy/regipy_tests/data/SYSTEM.xz x86
run win10-20H2-SYSTEM dissect.regf/tests/_data/SYSTEM.xz amd64
# The largest real SYSTEM hive (15.5 MB) is dirty without its logs: --force.
run win10-1903-SYSTEM regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz amd64 --force
