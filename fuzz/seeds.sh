#!/bin/sh
# seeds.sh [CORPUS [OUT [HIVEKIT]]] - fill the seed corpora of the fuzzers.
#
#   OUT/hive/    hive files: every file of fixtures/hives and of the corpus
#                starting with "regf" (also the decompressed *.xz) up to
#                2 MiB
#   OUT/edit/    the same hives up to 256 KiB (each run commits a copy)
#   OUT/import/  .reg exports of those small hives made with HIVEKIT
#                (prefix HKEY_LOCAL_MACHINE\SYSTEM, as fuzz_import expects),
#                UTF-8 and UTF-16, up to 128 KiB each
#   OUT/inf/     the INF files of fixtures/ and of the corpus
#   plus fuzz/regressions/<harness>/* (saved crashes, see fuzz/README)
#
# Defaults: CORPUS ../shared/corpus, OUT build-fuzz/seeds, HIVEKIT
# build/hivekit (paths relative to the repository). Without the corpus (a
# lone clone) the seeds come from fixtures/ alone. Files are named by
# content hash, so running it again adds nothing twice.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-$repo/../shared/corpus}
out=${2:-$repo/build-fuzz/seeds}
hivekit=${3:-$repo/build/hivekit}
mkdir -p "$out/hive" "$out/edit" "$out/import" "$out/inf"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

put() { # put FILE DIR - copy FILE into DIR under its sha1
    sum=$(sha1sum < "$1" | cut -c1-40)
    [ -e "$2/$sum" ] || cp "$1" "$2/$sum"
}
size() { wc -c < "$1" | tr -d ' '; }

# Every candidate hive, listed one per line in $tmp/hives.
: > "$tmp/hives"
# add_hives DIR TAG: the files of DIR starting with "regf", *.xz ones
# decompressed (their first 2 MiB + 1 byte) into $tmp
add_hives() {
    n=0
    find "$1" -type f | sort | while read -r f; do
        case "$f" in
        *.xz)
            n=$((n + 1))
            xz -dc "$f" 2>/dev/null | head -c 2097153 > "$tmp/$2$n" || true
            if [ "$(head -c 4 "$tmp/$2$n")" = regf ]; then
                echo "$tmp/$2$n" >> "$tmp/hives"
            fi
            ;;
        *)
            if [ "$(head -c 4 "$f" 2>/dev/null)" = regf ]; then
                echo "$f" >> "$tmp/hives"
            fi
            ;;
        esac
    done
}
add_hives "$repo/fixtures/hives" fx
if [ -d "$corpus" ]; then
    add_hives "$corpus" xz
    find "$corpus" -type f -iname '*.inf' | while read -r f; do put "$f" "$out/inf"; done
else
    echo "seeds.sh: no corpus at $corpus (seeds from fixtures/ only)" >&2
fi
for f in "$repo"/tests/*.inf "$repo"/fixtures/*/*.inf; do
    if [ -f "$f" ]; then put "$f" "$out/inf"; fi
done

i=0
while read -r f; do
    s=$(size "$f")
    [ "$s" -le 2097152 ] || continue
    put "$f" "$out/hive"
    [ "$s" -le 262144 ] || continue
    put "$f" "$out/edit"
    if [ -x "$hivekit" ]; then
        i=$((i + 1))
        for u in "" --utf16; do
            # shellcheck disable=SC2086
            if "$hivekit" export "$f" --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' \
                   $u -o "$tmp/reg$i" >/dev/null 2>&1 &&
               [ "$(size "$tmp/reg$i")" -le 131072 ]; then
                put "$tmp/reg$i" "$out/import"
            fi
        done
    fi
done < "$tmp/hives"
[ -x "$hivekit" ] || echo "seeds.sh: $hivekit not built: no .reg seeds" >&2

for h in hive edit import inf; do
    if [ -d "$repo/fuzz/regressions/$h" ]; then
        for f in "$repo/fuzz/regressions/$h"/*; do
            if [ -f "$f" ]; then put "$f" "$out/$h"; fi
        done
    fi
    echo "seeds.sh: $out/$h: $(ls "$out/$h" | wc -l) files"
done
