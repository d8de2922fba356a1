#!/bin/bash
# test_text_cli.sh HIVEKIT FIXTURES_DIR
#
# Non-ASCII text through every command that reads or writes a registry
# string: set, get (text, --raw, --json), ls --json, export (UTF-8 and
# --utf16), import, and inject --software's DevicePath append. Cyrillic,
# accented Latin, CJK and an astral-plane character. The expected bytes
# come from iconv, not from hivekit. Fixtures only (no corpus).
set -u

if [ $# -ne 2 ]; then
    echo "usage: bash test_text_cli.sh HIVEKIT FIXTURES_DIR" >&2
    exit 2
fi
H=$1 FIX=$2
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-text.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export HIVEKIT_TIME=2024-01-02T03:04:05Z
export LC_ALL=C.UTF-8

if ! command -v iconv >/dev/null 2>&1; then
    echo "text_cli: iconv is missing (Debian: libc-bin); skipped"
    exit 77
fi

CYR='C:\Драйверы'
ACC='C:\Pilotes\Réseau'
CJK='驱动程序'
EMO='😀'
ALL="$CYR;$ACC;$CJK $EMO"

# utf16 TEXT: TEXT as UTF-16LE plus a NUL unit, in hex (iconv's bytes)
utf16() { { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE; printf '\0\0'; } |
          od -An -v -tx1 | tr -d ' \n'; }

# ---- set / get / ls --json ----
W=$T/h
K="$CJK\\Драйверы"
"$H" new "$W" >/dev/null
run set -p "$W" "$K" sz sz "$ALL"
check "set: a key path and a string in four scripts" quiet_ok
run set "$W" "$K" "$ACC" expand_sz "$CYR"
check "set: a non-ASCII value name" quiet_ok
run set "$W" "$K" multi multi_sz "$CYR" "$CJK" "$EMO"
check "set: a multi_sz of three scripts" quiet_ok
run get "$W" "$K" sz
check "get: the text, exactly" out_line "$ALL"
run get "$W" "$K" sz --raw
check "get --raw: the UTF-16LE bytes iconv makes" out_hex "$(utf16 "$ALL")"
run get "$W" "$K" "$ACC" --raw
check "get --raw: expand_sz bytes" out_hex "$(utf16 "$CYR")"
run get "$W" "$K" multi
check "get: multi_sz one string per line" out_line "$(printf '%s\n%s\n%s' "$CYR" "$CJK" "$EMO")"
run get "$W" "$K" multi --raw
check "get --raw: multi_sz bytes" out_hex "$(utf16 "$CYR")$(utf16 "$CJK")$(utf16 "$EMO")0000"
run get "$W" "$K" sz --json
check "get --json: the text as JSON" out_has "\"data\": \"C:\\\\Драйверы;C:\\\\Pilotes\\\\Réseau;$CJK $EMO\""
run ls "$W" "$K" --json
check "ls --json: the value name" out_has "\"name\": \"C:\\\\Pilotes\\\\Réseau\""
check "ls --json: the multi_sz list" out_has "[\"C:\\\\Драйверы\", \"$CJK\", \"$EMO\"]"
run set "$W" "$K" bad sz "$(printf 'R\xe9seau')"
check "set: Latin-1 bytes are not UTF-8: usage error" usage_err
check "set: ... says so" err_has "not valid UTF-8"

# ---- export / import round trips ----
run export "$W" -o "$T/h.reg"
check "export: status 0" rc_is 0
check "export: the text as written" grep -qF "\"sz\"=\"C:\\\\Драйверы;C:\\\\Pilotes\\\\Réseau;$CJK $EMO\"" "$T/h.reg"
check "export: the key path" grep -qF "\\$K]" "$T/h.reg"
run export "$W" --utf16 -o "$T/h16.reg"
check "export --utf16: status 0" rc_is 0
check "export --utf16 is the UTF-8 export in UTF-16LE" \
    eval 'iconv -f UTF-16LE -t UTF-8 "$T/h16.reg" | sed "1s/^\xef\xbb\xbf//" | tr -d "\r" | cmp -s - "$T/h.reg"'
for f in h.reg h16.reg; do
    "$H" new "$T/i-$f" >/dev/null
    run import "$T/i-$f" "$T/$f" --prefix "HKEY_LOCAL_MACHINE\\h"
    check "import $f: status 0" rc_is 0
    run get "$T/i-$f" "$K" sz --raw
    check "import $f: the same bytes" out_hex "$(utf16 "$ALL")"
    run get "$T/i-$f" "$K" multi --raw
    check "import $f: the same multi_sz" out_hex "$(utf16 "$CYR")$(utf16 "$CJK")$(utf16 "$EMO")0000"
done

# ---- inject --software: DevicePath keeps the guest's text byte for byte ----
xz -dc "$FIX/hives/SYSTEM-win10-20H2.xz" > "$T/SYSTEM"
for old in "$CYR;%SystemRoot%\\inf" "$ACC" "$CJK;$EMO;%SystemRoot%\\inf"; do
    S=$T/SOFTWARE
    rm -f "$S"
    "$H" new "$S" >/dev/null
    "$H" set -p "$S" 'Microsoft\Windows\CurrentVersion' DevicePath expand_sz "$old" >/dev/null
    cp "$T/SYSTEM" "$T/SYSTEM.run"
    run inject --system "$T/SYSTEM.run" --software "$S" --driver viostor
    check "inject --software ($old): status 0" rc_is 0
    run get "$S" 'Microsoft\Windows\CurrentVersion' DevicePath --raw
    check "DevicePath: the old bytes, then ;%SystemRoot%\\Drivers\\VirtIO" \
        out_hex "$(utf16 "$old;%SystemRoot%\\Drivers\\VirtIO")"
    run check "$S"
    check "DevicePath: the SOFTWARE hive is clean" rc_is 0
done

total=$((npass + nfail))
echo "text_cli: $npass/$total checks passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
