#!/bin/sh
# unxz.sh SRC OUT [--corpus] - decompress every *.xz file below SRC into
# OUT, keeping relative paths (OUT/regipy/.../SYSTEM for SRC/regipy/.../
# SYSTEM.xz). Files already decompressed and newer than their source are
# kept.
#
# A missing SRC is an error, except with --corpus: the shared corpus is
# absent from a lone clone, and this setup step then exits 77 (ctest shows
# it as Skipped; the tests that require it still run, and their corpus
# parts report Skipped themselves).
set -eu
src=$1 out=$2 corpus=${3:-}
if [ ! -d "$src" ]; then
    if [ "$corpus" = --corpus ]; then
        echo "unxz: corpus directory '$src' not found: nothing to decompress;" \
             "the corpus tests will be skipped (configure with -DHIVEKIT_CORPUS=DIR," \
             "default ../shared/corpus beside the source tree)"
        exit 77
    fi
    echo "unxz: directory '$src' not found" >&2
    exit 1
fi
command -v xz >/dev/null 2>&1 || { echo "unxz: xz not found (install xz-utils)" >&2; exit 1; }
cd "$src"
find . -name '*.xz' -type f | while read -r f; do
    dst="$out/${f%.xz}"
    if [ ! -f "$dst" ] || [ "$f" -nt "$dst" ]; then
        mkdir -p "$(dirname "$dst")"
        xz -dc "$f" > "$dst.tmp" || { echo "unxz: cannot decompress $src/$f" >&2; exit 1; }
        mv "$dst.tmp" "$dst"
    fi
done
