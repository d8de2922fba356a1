#!/bin/sh
# check-static.sh BINARY HIVE - check the static rescue build (make static):
# no dynamic linking, stripped size below 300 KiB, and it reads HIVE.
set -eu
bin=$1 hive=$2
limit=307200
size=$(wc -c < "$bin" | tr -d ' ')
echo "static: $bin: $size bytes ($((size / 1024)) KiB, stripped)"
if command -v file >/dev/null 2>&1; then
    file "$bin"
    file "$bin" | grep -q 'statically linked' || { echo "static: not statically linked" >&2; exit 1; }
fi
if readelf -d "$bin" 2>/dev/null | grep -q NEEDED; then
    echo "static: $bin needs shared libraries" >&2; exit 1
fi
if ldd "$bin" >/dev/null 2>&1; then
    echo "static: ldd lists dependencies of $bin" >&2; ldd "$bin" >&2; exit 1
fi
[ "$size" -lt "$limit" ] || { echo "static: $size bytes >= $limit" >&2; exit 1; }
"$bin" info "$hive" >/dev/null
"$bin" export "$hive" >/dev/null
echo "static: ok (runs without a shared libc)"
