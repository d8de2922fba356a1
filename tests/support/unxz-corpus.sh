#!/bin/sh
# unxz-corpus.sh CORPUS OUT - decompress every *.xz file of the corpus into
# OUT, keeping relative paths (OUT/regipy/.../SYSTEM for .../SYSTEM.xz).
# Files already decompressed and newer than their source are kept.
set -eu
corpus=$1 out=$2
if [ ! -d "$corpus" ]; then
    echo "unxz-corpus: corpus directory '$corpus' not found (set -DHIVEKIT_CORPUS=DIR)" >&2
    exit 1
fi
cd "$corpus"
find . -name '*.xz' -type f | while read -r f; do
    dst="$out/${f%.xz}"
    if [ ! -f "$dst" ] || [ "$f" -nt "$dst" ]; then
        mkdir -p "$(dirname "$dst")"
        xz -dc "$f" > "$dst.tmp" && mv "$dst.tmp" "$dst"
    fi
done
