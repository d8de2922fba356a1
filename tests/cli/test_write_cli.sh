#!/bin/bash
# test_write_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR
#
# Runs the editing commands of hivekit (set, rm, mkkey, new, import) and
# checks exit statuses, messages and the hives they write: every successful
# write is read back with get/ls/export and checked with `hivekit info`
# (clean) and, when installed, hivexml (libhivex-bin: a reader that shares
# no code with hivekit; optional, only that extra check is skipped, with a
# note, when it is missing). Every failing command must leave the file
# byte for byte unchanged (compared with a copy). Its hives are those of
# fixtures/ (the *.xz ones as the fixtures-xz setup decompressed them into
# FIXTURES_XZ_DIR): no corpus needed.
#
# Same conventions as test_cli.sh: one "FAIL:" line per failed check, a
# summary, exit 1 if anything failed.
set -u

if [ $# -ne 3 ]; then
    echo "usage: bash test_write_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR" >&2
    exit 2
fi
H=$1 FIX=$2 FXZ=$3
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-wcli.XXXXXX") || exit 2
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export LC_ALL=C
unset HIVEKIT_TIME

# ---- predicates on the last run ------------------------------------------

HAVE_HIVEXML=0
if command -v hivexml >/dev/null 2>&1; then
    HAVE_HIVEXML=1
else
    skip "hivexml not installed (Debian package libhivex-bin, optional): the written hives are read back by hivekit only"
fi

# valid WHAT FILE: FILE is a clean hive that hivekit (and hivexml) read
# completely. Saves and restores the last run.
valid() {
    local what=$1 f=$2 src=$rc srcl=$last
    cp "$T/out" "$T/out.save"
    cp "$T/err" "$T/err.save"
    run info "$f"
    check "$what: info reads it, state clean" eval 'rc_is 0 && out_re "^state: +clean"'
    run export "$f"
    check "$what: export reads the whole hive" eval 'rc_is 0 && err_empty'
    if [ $HAVE_HIVEXML = 1 ]; then
        hivexml "$f" >/dev/null 2>"$T/err"
        rc=$?
        last="hivexml $f"
        check "$what: hivexml reads it" rc_is 0
    fi
    cp "$T/out.save" "$T/out"
    cp "$T/err.save" "$T/err"
    rc=$src last=$srcl
}

# unchanged WHAT FILE COPY: FILE is byte for byte COPY
unchanged() {
    check "$1: the file is unchanged" same_files "$2" "$3"
}

# ---- the hives -------------------------------------------------------------
SPECIAL=$FIX/hives/special
YH=$FXZ/hives/yarp                  # copies of yarp hives (fixtures/)
STRV=$YH/StringValuesHive
MULTI=$YH/MultiSzHive
BIGD=$YH/BigDataHive
DIRTYDIR=$YH/NewDirtyHive1
SYSTEM=$FXZ/hives/SYSTEM-win10-20H2
# a PE executable's first bytes, then zeros: not a hive
NOTAHIVE=$T/notahive
{ printf 'MZ\220\000'; head -c 17916 /dev/zero; } >"$NOTAHIVE"
require "$SPECIAL" "$STRV" "$MULTI" "$BIGD" "$DIRTYDIR/NewDirtyHive" \
        "$DIRTYDIR/NewDirtyHive.LOG1" "$DIRTYDIR/NewDirtyHive.LOG2" "$SYSTEM"

CMDS="set rm mkkey new import"

# ---- help and usage errors -------------------------------------------------
run --help
check "hivekit --help lists the editing commands" \
    eval 'rc_is 0 && out_has "set HIVE KEY NAME TYPE" && out_has "rm HIVE" && out_has "mkkey HIVE" && out_has "new FILE" && out_has "import HIVE"'
check "hivekit --help documents status 65" out_has "65"
for c in $CMDS; do
    run "$c" --help
    check "$c --help: status 0, usage on stdout, nothing on stderr" \
        eval 'rc_is 0 && out_has "usage: hivekit $c" && err_empty'
    run "$c" -h
    check "$c -h: status 0" eval 'rc_is 0 && out_has "usage: hivekit $c"'
    run "$c" "$T/nothing" --help
    check "$c ARG --help: status 0" eval 'rc_is 0 && out_has "usage:"'
    run "$c" "$T/nothing" --bogus
    check "$c: unknown long option: 64, one line naming it" eval 'usage_err && err_has "--bogus"'
    run "$c" -Z "$T/nothing"
    check "$c: unknown short option: 64, one line" usage_err
    run "$c"
    check "$c without arguments: 64, one line" usage_err
done
check "set --help documents the types" eval 'run set --help; out_has "multi_sz" && out_has "dword_be" && out_has "--sep"'

# a hive to run the usage errors against: they must not touch it
mkdir "$T/u"
run new "$T/u/u.hive" --time 2024-01-02T03:04:05Z
check "new for the usage tests" quiet_ok
cp "$T/u/u.hive" "$T/u/copy"
U=$T/u/u.hive
usage_case() {   # usage_case DESCRIPTION ARGS...
    local what=$1
    shift
    run "$@"
    check "$what: 64, one line" usage_err
    unchanged "$what" "$U" "$T/u/copy"
}
usage_case "set with three positionals" set "$U" k n
usage_case "set unknown TYPE" set "$U" k n frob 1
usage_case "set TYPE number too large" set "$U" k n 0x100000000 01
usage_case "set dword not a number" set "$U" k n dword 12abc
usage_case "set dword out of range" set "$U" k n dword 4294967296
usage_case "set dword below -2^31" set "$U" k n dword -- -2147483649
usage_case "set dword with two DATA" set "$U" k n dword 1 2
usage_case "set dword without DATA" set "$U" k n dword
usage_case "set qword out of range" set "$U" k n qword 18446744073709551616
usage_case "set sz without DATA" set "$U" k n sz
usage_case "set sz with two DATA" set "$U" k n sz a b
usage_case "set sz with invalid UTF-8" set "$U" k n sz "$(printf 'a\377b')"
usage_case "set binary odd digit count" set "$U" k n binary 012
usage_case "set binary not hex" set "$U" k n binary 0g
usage_case "set --hex not hex" set "$U" k n sz --hex zz
usage_case "set multi_sz with an empty string" set "$U" k n multi_sz a '' b
usage_case "set multi_sz --sep trailing separator" set "$U" k n multi_sz --sep , 'a,b,'
usage_case "set multi_sz --sep two characters" set "$U" k n multi_sz --sep ab 'a'
usage_case "set multi_sz --sep with two DATA" set "$U" k n multi_sz --sep , a b
usage_case "set --sep on a non-multi_sz type" set "$U" k n sz --sep , a
usage_case "set --time malformed" set "$U" k n sz a --time yesterday
usage_case "set --time without a zone" set "$U" k n sz a --time 2024-01-02T03:04:05
usage_case "set --time 0" set "$U" k n sz a --time 0
usage_case "set --time bad date" set "$U" k n sz a --time 2023-02-29
usage_case "set --time without its value" set "$U" k n sz a --time
usage_case "rm with four positionals" rm "$U" k n extra
usage_case "rm without KEY" rm "$U"
usage_case "mkkey with three positionals" mkkey "$U" k extra
usage_case "new with two positionals" new "$T/u/x" "$T/u/y"
usage_case "new --minor 7" new "$T/u/x" --minor 7
usage_case "new --minor 2" new "$T/u/x" --minor 2
usage_case "new --minor abc" new "$T/u/x" --minor abc
usage_case "import with one positional" import "$U"
usage_case "import --prefix empty" import "$U" "$T/u/none.reg" --prefix=
HIVEKIT_TIME=garbage run mkkey "$U" k
check "HIVEKIT_TIME malformed: 64, one line naming HIVEKIT_TIME" \
    eval 'usage_err && err_has HIVEKIT_TIME'
unchanged "HIVEKIT_TIME malformed" "$U" "$T/u/copy"
check "usage errors created no file" eval '[ ! -e "$T/u/x" ] && [ "$(ls -A "$T/u")" = "$(printf "copy\nu.hive")" ]'

# ---- new -----------------------------------------------------------------
mkdir "$T/new"
run new "$T/new/a.hive"
check "new: silent success" quiet_ok
valid "new" "$T/new/a.hive"
run info "$T/new/a.hive"
check "new: format 1.5 by default" out_has "regf 1.5"
check "new: root key ROOT, no subkeys or values" \
    eval 'out_re "^root key: +ROOT" && out_re "^keys: +1( |$)" && out_re "^values: +0$"'
check "new: file size 8192" out_re '^file size: +8192 bytes'
cp "$T/new/a.hive" "$T/new/a.copy"
run new "$T/new/a.hive"
check "new on an existing file: status 2, one line naming it" \
    eval 'rc_is 2 && err_one_line && err_has "$T/new/a.hive" && err_has "exists"'
unchanged "new on an existing file" "$T/new/a.hive" "$T/new/a.copy"
printf 'precious\n' >"$T/new/text"
run new "$T/new/text"
check "new on an existing non-hive: status 2, file kept" \
    eval 'rc_is 2 && [ "$(cat "$T/new/text")" = precious ]'
ln -s "$T/new/dangling-target" "$T/new/link"
run new "$T/new/link"
check "new on a dangling symlink: refused (status 2), nothing created" \
    eval 'rc_is 2 && no_file "$T/new/dangling-target"'
for m in 3 4 5 6; do
    run new "$T/new/m$m.hive" --minor $m
    check "new --minor $m: success" quiet_ok
    run info "$T/new/m$m.hive"
    check "new --minor $m: version 1.$m" out_has "regf 1.$m"
    valid "new --minor $m" "$T/new/m$m.hive"
done
run new "$T/new/no/such/dir/x.hive"
check "new in a missing directory: status 2, one line" eval 'rc_is 2 && err_one_line'
run new -v "$T/new/v.hive"
check "new -v: one line on stderr, nothing on stdout" eval 'rc_is 0 && out_empty && err_one_line'
run new --time 2024-01-02T03:04:05Z "$T/new/t.hive"
run info "$T/new/t.hive"
check "new --time: header timestamp" out_has "timestamp:      2024-01-02 03:04:05 UTC"
check "new --time: root key time" out_has "last written 2024-01-02 03:04:05 UTC"
mkdir "$T/new/r1" "$T/new/r2"
HIVEKIT_TIME=133486382450000000 run new "$T/new/r1/same.hive"
HIVEKIT_TIME=2024-01-02T03:04:05Z run new "$T/new/r2/same.hive"
check "new with HIVEKIT_TIME as FILETIME and as ISO: byte-identical" \
    same_files "$T/new/r1/same.hive" "$T/new/r2/same.hive"

# ---- set: every type, read back exactly ---------------------------------------
mkdir "$T/set"
S=$T/set/s.hive
run new "$S" --time 2024-01-02T03:04:05Z
# setraw DESCRIPTION HEX NAME TYPE DATA...: sets value NAME of key K and
# checks `get --raw` gives exactly HEX and the hive is valid.
setraw() {
    local what=$1 hex=$2 name=$3
    shift 3
    run set -p "$S" K "$name" "$@"
    check "set $what: silent success" quiet_ok
    run get "$S" K "$name" --raw
    check "set $what: get --raw gives the exact bytes" eval 'rc_is 0 && out_hex "$hex"'
}
setraw "sz (UTF-8 to UTF-16LE + NUL)" 6800e900740074006f000000 s sz 'hétto'
setraw "sz, emoji as a surrogate pair" 3dd800de0000 emoji sz '😀'
setraw "sz empty string" 0000 empty sz ''
setraw "REG_SZ (upper case type name)" 61000000 s2 REG_SZ a
setraw "reg_expand_sz (lower case REG_ name)" 25005300520025000000 e reg_expand_sz '%SR%'
setraw "expand_sz replaces it" 2500410025000000 e expand_sz '%A%'
setraw "link (no NUL)" 5c0052006500670069007300740072007900 l link '\Registry'
setraw "multi_sz, one argument per string" 610000006200630000000000 m multi_sz a bc
setraw "multi_sz --sep ," 78000000790000000000 m2 multi_sz --sep , 'x,y'
run get "$S" K m2
check "multi_sz --sep: get prints one string per line" eval 'rc_is 0 && [ "$(cat "$T/out")" = "$(printf "x\ny")" ]'
setraw "multi_sz --sep=; with spaces kept" 6100200062000000630000000000 m3 multi_sz '--sep=;' 'a b;c'
setraw "multi_sz --sep with a UTF-8 separator" 61000000620000000000 m6 multi_sz --sep '¦' 'a¦b'
setraw "multi_sz with no strings (empty list)" 0000 m4 multi_sz
setraw "multi_sz --sep with an empty DATA (empty list)" 0000 m5 multi_sz --sep , ''
setraw "dword decimal" 78563412 d dword 305419896
setraw "dword 0x hex" 78563412 d1 dword 0x12345678
setraw "dword max" ffffffff d2 dword 4294967295
setraw "dword negative (two's complement)" c4ffffff d3 dword -- -60
setraw "dword -2^31" 00000080 d4 dword -- -2147483648
setraw "REG_DWORD_BIG_ENDIAN" 12345678 db REG_DWORD_BIG_ENDIAN 0x12345678
setraw "dword_be" 00000001 db2 dword_be 1
setraw "qword" 0100000000000000 q qword 1
setraw "qword max" ffffffffffffffff q2 qword 18446744073709551615
setraw "qword 0x hex" efcdab8967452301 q3 qword 0x0123456789abcdef
setraw "qword negative" feffffffffffffff q4 qword -- -2
setraw "binary, spaced" 01020a b binary '01 02 0a'
setraw "binary, commas" 01020a b2 binary 01,02,0a
setraw "binary, run of digits, upper case" 01020aff b3 binary 01020AFF
setraw "binary, several arguments" 01020a b4 binary 01 02 0a
setraw "binary, empty" "" b5 binary
setraw "none" 00ff n none 00ff
setraw "type 0 by number" abcd n2 0 abcd
setraw "type by 0x number (DEVPROP-like)" 0102 dp 0x100000 0102
setraw "type 9 (full_resource_descriptor) as hex" 0102 rd full_resource_descriptor 01,02
setraw "sz with --hex (exact bytes, no NUL added)" 4100 hx sz --hex 4100
setraw "dword with --hex (3 bytes)" 010203 hd dword --hex 010203
setraw "default value via ''" 78000000 '' sz x
setraw "default value via @ replaces it" 79000000 @ sz y
run ls "$S" K
check "ls: type labels" eval 'out_has REG_MULTI_SZ && out_has REG_QWORD && out_has REG_DWORD_BIG_ENDIAN && out_has REG_LINK && out_has REG_NONE'
check "ls: default value listed once" eval '[ "$(grep -c "(default)" "$T/out")" = 1 ]'
run get "$S" K d
check "get dword: decimal" out_line 305419896
run get "$S" K d3
check "get negative dword: stored as 4294967236" out_line 4294967236
run get "$S" K s
check "get sz: the UTF-8 text" out_line 'hétto'
run get "$S" K emoji
check "get sz: emoji round trip" out_line '😀'
run export "$S" K --prefix P
check "export: dword line" out_has '"d"=dword:12345678'
check "export: string line" out_has '"s"="hétto"'
check "export: default value" out_has '@="y"'
check "export: qword as hex(b)" out_has '"q"=hex(b):01,00,00,00,00,00,00,00'
valid "set of every type" "$S"
run set "$S" K d sz now-a-string
run get "$S" K d
check "set replaces a value with another type" eval 'rc_is 0 && out_line now-a-string'
run ls "$S" K
check "replaced value listed once" eval '[ "$(grep -c "^  d  " "$T/out")" = 1 ]'
run set "$S" K D dword 7
run get "$S" K d
check "set matches value names case-insensitively (replaces 'd')" out_line 7
run set "$S" 'K\Sub' 'a name\with backslash' sz v -p
run get "$S" 'k\sub' 'a name\with backslash'
check "set: a value name with a backslash; -p creates the key" eval 'rc_is 0 && out_line v'
# data large enough for big data records (minor 5) and in a 1.3 hive
head -c 40000 /dev/zero | od -An -v -tx1 | tr -d ' \n' >"$T/set/big.hex"
run set "$S" K big binary "$(cat "$T/set/big.hex")"
check "set 40000 bytes of binary: success" quiet_ok
run get "$S" K big --raw
check "set 40000 bytes: read back" eval 'rc_is 0 && [ "$(wc -c <"$T/out")" = 40000 ] && cmp -s "$T/out" <(head -c 40000 /dev/zero)'
valid "set big data" "$S"

# options anywhere, -- before data starting with '-'
run set --time=2024-01-02T03:04:05Z "$S" -p 'Opt\Order' -v n sz -- '-dash'
check "set: options before and between positionals, -- before data" \
    eval 'rc_is 0 && out_empty && err_one_line'
run get "$S" 'Opt\Order' n
check "set: data starting with '-' after --" out_line '-dash'

# ---- set: failures leave the file unchanged ------------------------------------
cp "$S" "$T/set/copy"
run set "$S" 'No\Such\Key' n sz v
check "set on a missing key without -p: status 1, one line" eval 'rc_is 1 && err_one_line && out_empty'
check "set on a missing key: names the key and the file" eval 'err_has "No\\Such\\Key" && err_has "$S"'
check "set on a missing key: mentions -p" err_has "-p"
unchanged "set on a missing key without -p" "$S" "$T/set/copy"
run set "$S" K "$(head -c 17000 /dev/zero | tr '\0' x)" sz v
check "set with a too long value name: status 64" eval 'rc_is 64 && err_one_line'
unchanged "set with a too long value name" "$S" "$T/set/copy"
run set -p "$S" "K\\$(head -c 300 /dev/zero | tr '\0' k)" n sz v
check "set -p with a 300-character key name: refused, one line" eval 'rc_is 64 && err_one_line'
unchanged "set -p with a too long key name" "$S" "$T/set/copy"
run set -p "$S" 'CurrentControlSet\Services\x' n sz v
check "set -p CurrentControlSet\\... in a hive without Select: refused (64), one line" \
    eval 'rc_is 64 && err_one_line && err_has CurrentControlSet'
unchanged "set -p CurrentControlSet" "$S" "$T/set/copy"
for f in "$NOTAHIVE" "$T/set/does-not-exist"; do
    run set "$f" K n sz v -p
    check "set on unreadable '$f': status 2, one line naming it" \
        eval 'rc_is 2 && err_one_line && err_has "$f"'
done
# 1.3 hive: no big data, over 1 MiB refused with the hive unchanged
run new "$T/set/v13.hive" --minor 3
cp "$T/set/v13.hive" "$T/set/v13.copy"
# (through import: a 1 MiB command-line argument exceeds the kernel's limit)
{ printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\v13]\n"big"=hex:'
  head -c 1048600 /dev/zero | od -An -v -tx1 | tr -s ' \n' ',' | sed 's/^,//; s/,$//'
  printf '\n'; } >"$T/set/huge.reg"
run import "$T/set/v13.hive" "$T/set/huge.reg"
check "a value of 1 MiB+ in a 1.3 hive: status 2, one line" eval 'rc_is 2 && err_one_line'
unchanged "a value of 1 MiB+ in a 1.3 hive" "$T/set/v13.hive" "$T/set/v13.copy"
run set "$T/set/v13.hive" '' small binary 0102
check "set in a 1.3 hive: success" quiet_ok
valid "set in a 1.3 hive" "$T/set/v13.hive"

# ---- rm --------------------------------------------------------------------------
mkdir "$T/rm"
R=$T/rm/r.hive
cp "$SPECIAL" "$R"
chmod u+w "$R"
run set -p "$R" 'Top\Mid\Leaf' v1 sz one
run set "$R" 'Top\Mid\Leaf' v2 dword 2
run set "$R" 'Top\Mid' '' sz default
run set "$R" 'Top\Mid' keep sz k
cp "$R" "$T/rm/copy"
run rm "$R" 'Top\Mid\Leaf' V1
check "rm value (name in another case): silent success" quiet_ok
run get "$R" 'Top\Mid\Leaf' v1
check "rm value: gone (get status 1)" rc_is 1
run get "$R" 'Top\Mid\Leaf' v2
check "rm value: the other value stays" out_line 2
valid "rm value" "$R"
cp "$R" "$T/rm/copy"
run rm "$R" 'Top\Mid\Leaf' v1
check "rm missing value: status 1, one line naming it" eval 'rc_is 1 && err_one_line && err_has v1'
unchanged "rm missing value" "$R" "$T/rm/copy"
run rm "$R" 'Top\Nope'
check "rm missing key: status 1, one line naming it" eval 'rc_is 1 && err_one_line && err_has Nope'
unchanged "rm missing key" "$R" "$T/rm/copy"
run rm "$R" 'Top\Nope' v
check "rm value of a missing key: status 1" eval 'rc_is 1 && err_one_line'
unchanged "rm value of a missing key" "$R" "$T/rm/copy"
for root in '' '\' '\\'; do
    run rm "$R" "$root"
    check "rm of the root key ('$root'): status 64, one line" \
        eval 'rc_is 64 && err_one_line && err_has "root key"'
    unchanged "rm of the root key ('$root')" "$R" "$T/rm/copy"
done
run rm "$R" 'Top\Mid' @
check "rm default value via @" quiet_ok
run get "$R" 'Top\Mid' ''
check "rm @: default value gone" rc_is 1
run get "$R" 'Top\Mid' keep
check "rm @: named value stays" out_line k
run rm "$R" 'Top\Mid' ''
check "rm '' when there is no default value: status 1" eval 'rc_is 1 && err_one_line'
run rm "$R" 'Top\Mid'
check "rm key with subtree: silent success" quiet_ok
run ls "$R" 'Top\Mid'
check "rm key: gone" rc_is 1
run ls "$R" 'Top\Mid\Leaf'
check "rm key: its subkey gone too" rc_is 1
run ls "$R" Top
check "rm key: parent stays, no subkeys" eval 'rc_is 0 && out_has "subkeys (0)"'
run ls "$R"
check "rm key: other keys of the hive stay" eval 'out_has "weird™" && out_has "abcd_äöüß"'
valid "rm key" "$R"
run rm "$R" Top -v
check "rm -v: one line on stderr" eval 'rc_is 0 && out_empty && err_one_line'
run export "$R" --prefix P
cp "$T/out" "$T/rm/after.reg"
run export "$SPECIAL" --prefix P
check "after set + rm of everything added, export equals the original's" \
    same_files "$T/out" "$T/rm/after.reg"
valid "rm back to the original content" "$R"

# ---- mkkey -----------------------------------------------------------------------
mkdir "$T/mk"
M=$T/mk/m.hive
run new "$M"
run mkkey "$M" 'A\B\C'
check "mkkey with missing parents: silent success" quiet_ok
run ls "$M" 'a\b\c'
check "mkkey: the key exists (case-insensitive lookup)" eval 'rc_is 0 && out_has "key:     \\A\\B\\C"'
valid "mkkey" "$M"
cp "$M" "$T/mk/copy"
run mkkey "$M" 'a\B'
check "mkkey of an existing key: status 0, silent" quiet_ok
unchanged "mkkey of an existing key (not rewritten)" "$M" "$T/mk/copy"
run mkkey "$M" 'A\B' -v
check "mkkey -v of an existing key: a note on stderr" eval 'rc_is 0 && err_one_line && err_has "exists"'
run mkkey "$M" ''
check "mkkey of the root: status 0" rc_is 0
unchanged "mkkey of the root" "$M" "$T/mk/copy"
run mkkey "$M" 'A\B\C\D' -p -v
check "mkkey -p -v: one line" eval 'rc_is 0 && err_one_line'
run mkkey "$M" "$(printf 'A\\\\x')"
check "mkkey with an empty component (A\\\\x): A\\x" eval 'rc_is 0 && "$H" ls "$M" "A\\x" >/dev/null'
cp "$M" "$T/mk/copy"
run mkkey "$M" "A\\$(head -c 256 /dev/zero | tr '\0' n)"
check "mkkey with a 256-character name: 64, one line" eval 'rc_is 64 && err_one_line'
unchanged "mkkey with a too long name" "$M" "$T/mk/copy"
# many subkeys: lists split into ri leaves stay readable and sorted
for i in $(seq 1 150); do "$H" mkkey "$M" "Many2\\key$i" || break; done
run ls "$M" Many2
check "mkkey 150 times: 150 subkeys" out_has "subkeys (150)"
valid "mkkey 150 subkeys" "$M"

# ---- permissions, --backup, symlinks -------------------------------------------
mkdir "$T/perm"
P=$T/perm/p.hive
run new "$P"
chmod 640 "$P"
run set "$P" '' v dword 1
check "set on a 0640 file: success" quiet_ok
check "set keeps the permissions (0640)" [ "$(stat -c %a "$P")" = 640 ]
run new "$T/perm/umask.hive"
check "new: mode follows the umask" \
    [ "$(stat -c %a "$T/perm/umask.hive")" = "$(printf '%o' $((0666 & ~0$(umask))))" ]
cp "$P" "$T/perm/before"
run set "$P" '' v dword 2 --backup
check "set --backup: success" quiet_ok
check "--backup: HIVE.bak is the previous file" same_files "$P.bak" "$T/perm/before"
check "--backup: HIVE.bak is never world-readable (0600)" [ "$(stat -c %a "$P.bak")" = 600 ]
run get "$P" '' v
check "--backup: the new file has the change" out_line 2
cp "$P" "$T/perm/before2"
run mkkey "$P" NewKey --backup
check "mkkey --backup: .bak is never overwritten" same_files "$P.bak" "$T/perm/before"
check "mkkey --backup: the previous file is .bak.2" same_files "$P.bak.2" "$T/perm/before2"
check "mkkey --backup: says which backup" err_has "kept as $P.bak.2"
check "no temporary files left beside the hive" \
    [ "$(ls -A "$T/perm" | sort | tr '\n' ' ')" = "before before2 p.hive p.hive.bak p.hive.bak.2 umask.hive " ]
ln -s p.hive "$T/perm/link.hive"
run set "$T/perm/link.hive" '' vialink sz x
check "set through a symlink: success" quiet_ok
check "set through a symlink: the link stays a link" [ -L "$T/perm/link.hive" ]
run get "$P" '' vialink
check "set through a symlink: the target is edited" out_line x
# writing fails half way (file size limit): the hive is unchanged and no
# temporary file is left
mkdir "$T/fsz"
cp "$BIGD" "$T/fsz/h"
chmod u+w "$T/fsz/h"
cp "$T/fsz/h" "$T/fsz-copy"
( trap '' XFSZ; ulimit -f 1; exec "$H" set "$T/fsz/h" '' v sz x ) >"$T/out" 2>"$T/err"
rc=$? last="(ulimit -f 8) hivekit set BigDataHive-copy '' v sz x"
check "set failing while writing: status 2, one line naming the file" \
    eval 'rc_is 2 && err_one_line && err_has "$T/fsz/h"'
unchanged "set failing while writing" "$T/fsz/h" "$T/fsz-copy"
check "set failing while writing: no temporary file left" [ "$(ls -A "$T/fsz")" = h ]
if [ "$(id -u)" -ne 0 ]; then
    chmod 444 "$P"
    cp "$P" "$T/perm/ro-copy"
    run set "$P" '' v dword 3
    check "set on a read-only file: status 2, one line" eval 'rc_is 2 && err_one_line'
    unchanged "set on a read-only file" "$P" "$T/perm/ro-copy"
    chmod 640 "$P"
    chmod 555 "$T/perm"
    run set "$P" '' v dword 3
    check "set in a read-only directory: status 2, one line" eval 'rc_is 2 && err_one_line'
    unchanged "set in a read-only directory" "$P" "$T/perm/ro-copy"
    chmod 755 "$T/perm"
else
    skip "running as root: read-only file and directory cases not testable"
fi

# ---- dirty hive: refused before editing ------------------------------------------
mkdir "$T/dirty"
cp "$DIRTYDIR"/NewDirtyHive "$DIRTYDIR"/NewDirtyHive.LOG1 "$DIRTYDIR"/NewDirtyHive.LOG2 "$T/dirty/"
chmod u+w "$T/dirty"/*
D=$T/dirty/NewDirtyHive
cp "$D" "$T/dirty/copy"
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\NewDirtyHive\\X]\n"a"=dword:00000001\n' >"$T/dirty/x.reg"
for args in "set $D X a dword 1 -p" "set $D '' a dword 1" "rm $D ''  a" \
            "mkkey $D X" "import $D $T/dirty/x.reg"; do
    eval "run $args"
    c=${args%% *}
    check "$c on a dirty hive: status 2, one line" eval 'rc_is 2 && err_one_line && out_empty'
    check "$c on a dirty hive: says dirty and names both logs" \
        eval 'err_has dirty && err_has "$T/dirty/NewDirtyHive.LOG1" && err_has "$T/dirty/NewDirtyHive.LOG2"'
    check "$c on a dirty hive: says what to do and that nothing was written" \
        eval 'err_has "replay the logs" && err_has "nothing was written"'
    unchanged "$c on a dirty hive" "$D" "$T/dirty/copy"
    check "$c on a dirty hive: logs untouched, no file added" \
        eval 'same_files "$T/dirty/NewDirtyHive.LOG1" "$DIRTYDIR/NewDirtyHive.LOG1" && [ "$(ls -A "$T/dirty" | wc -l)" = 5 ]'
done
# dirty by a bad header checksum, no logs
run new "$T/dirty/sum.hive"
printf 'X' | dd of="$T/dirty/sum.hive" bs=1 seek=48 conv=notrunc 2>/dev/null
cp "$T/dirty/sum.hive" "$T/dirty/sum.copy"
run set "$T/dirty/sum.hive" '' a dword 1
check "set on a hive with a bad checksum: refused, status 2, says no log found" \
    eval 'rc_is 2 && err_one_line && err_has checksum && err_has "no transaction log"'
unchanged "set on a hive with a bad checksum" "$T/dirty/sum.hive" "$T/dirty/sum.copy"

# ---- reproducible output: HIVEKIT_TIME / --time ----------------------------------
mkdir "$T/rep" "$T/rep/1" "$T/rep/2"
edits() {   # edits DIR: the same sequence of edits
    cp "$SPECIAL" "$1/h"
    chmod u+w "$1/h"
    "$H" set "$1/h" 'New\Key' s sz text -p &&
    "$H" set "$1/h" 'New\Key' d dword 5 &&
    "$H" mkkey "$1/h" 'Other\Deep' &&
    "$H" rm "$1/h" 'New\Key' d &&
    "$H" import "$1/h" "$T/rep/in.reg" --prefix P
}
printf 'Windows Registry Editor Version 5.00\n\n[P\\Imp]\n"x"=hex:01\n' >"$T/rep/in.reg"
HIVEKIT_TIME=2024-01-02T03:04:05Z edits "$T/rep/1"
r1=$?
sleep 1
HIVEKIT_TIME=2024-01-02T03:04:05Z edits "$T/rep/2"
check "the same edits twice under HIVEKIT_TIME: all succeed" [ $r1 -eq 0 ] && [ $? -eq 0 ]
check "the same edits twice under HIVEKIT_TIME: byte-identical files" \
    same_files "$T/rep/1/h" "$T/rep/2/h"
run ls "$T/rep/1/h" 'New\Key'
check "HIVEKIT_TIME: key time is the one given" out_has "written: 2024-01-02 03:04:05 UTC"
run info "$T/rep/1/h"
check "HIVEKIT_TIME: header time is the one given" out_has "timestamp:      2024-01-02 03:04:05 UTC"
cp "$SPECIAL" "$T/rep/3"
chmod u+w "$T/rep/3"
HIVEKIT_TIME=2000-01-01 run set "$T/rep/3" '' v sz x --time 2024-01-02T03:04:05Z
run info "$T/rep/3"
check "--time wins over HIVEKIT_TIME" out_has "timestamp:      2024-01-02 03:04:05 UTC"
HIVEKIT_TIME=now run set "$T/rep/3" '' v sz y
run info "$T/rep/3"
check "HIVEKIT_TIME=now: the current year" out_has "timestamp:      $(date -u +%Y)-"
HIVEKIT_TIME=0x1da3d2b1b8b2a00 run set "$T/rep/3" '' v sz z
check "HIVEKIT_TIME as 0x FILETIME: accepted" quiet_ok

# ---- import --------------------------------------------------------------------
mkdir "$T/imp"
# export -> new -> import -> export gives the same text
for src in "$SPECIAL" "$STRV" "$MULTI" "$BIGD" "$FIX/hives/issue22.hive"; do
    n=$(basename "$src")
    run export "$src" --prefix 'HKEY_LOCAL_MACHINE\Test' -o "$T/imp/$n.reg"
    run new "$T/imp/$n.new"
    run import "$T/imp/$n.new" "$T/imp/$n.reg" --prefix 'HKEY_LOCAL_MACHINE\Test'
    check "import of the export of $n: silent success" quiet_ok
    run export "$T/imp/$n.new" --prefix 'HKEY_LOCAL_MACHINE\Test'
    check "export -> new -> import -> export of $n: identical text" \
        eval 'rc_is 0 && same_files "$T/imp/$n.reg" "$T/out"'
    valid "import of $n" "$T/imp/$n.new"
done
# UTF-16 export imported the same way
run export "$SPECIAL" --utf16 -o "$T/imp/u16.reg"
run new "$T/imp/u16.hive"
run import --prefix 'HKEY_LOCAL_MACHINE\special' "$T/imp/u16.hive" "$T/imp/u16.reg"
check "import of a UTF-16 export: success" quiet_ok
run export "$T/imp/u16.hive" --prefix 'HKEY_LOCAL_MACHINE\special' -o "$T/imp/u16-back.reg"
run export "$SPECIAL" -o "$T/imp/sp.reg"
check "UTF-16 round trip: identical text" same_files "$T/imp/sp.reg" "$T/imp/u16-back.reg"
# default prefix: HKEY_LOCAL_MACHINE\<file name without last extension>
run new "$T/imp/Target.dat"
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\Target\\A]\n"v"="x"\n' >"$T/imp/default.reg"
run import "$T/imp/Target.dat" "$T/imp/default.reg"
check "import with the default prefix (file name without extension)" quiet_ok
run get "$T/imp/Target.dat" A v
check "import default prefix: value there" out_line x
# standard input
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\Target\\B]\n"w"=dword:00000010\n' |
    "$H" import "$T/imp/Target.dat" - >"$T/out" 2>"$T/err"
rc=$? last="import Target.dat - (stdin)"
check "import from standard input ('-')" quiet_ok
run get "$T/imp/Target.dat" B w
check "import from stdin: value there" out_line 16
# deletions
printf 'Windows Registry Editor Version 5.00\n\n[-HKEY_LOCAL_MACHINE\\Target\\A]\n\n[HKEY_LOCAL_MACHINE\\Target\\B]\n"w"=-\n' >"$T/imp/del.reg"
run import "$T/imp/Target.dat" "$T/imp/del.reg"
check "import with [-KEY] and \"name\"=-: success" quiet_ok
run ls "$T/imp/Target.dat" A
check "import [-KEY]: key gone" rc_is 1
run get "$T/imp/Target.dat" B w
check "import \"w\"=-: value gone" rc_is 1
valid "import with deletions" "$T/imp/Target.dat"
# syntax error at line 3: status 65, FILE: line 3, column C, hive untouched
cp "$T/imp/Target.dat" "$T/imp/copy"
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\Target\\C\n"v"="x"\n' >"$T/imp/bad3.reg"
run import "$T/imp/Target.dat" "$T/imp/bad3.reg"
check "import with a syntax error at line 3: status 65, one line" eval 'rc_is 65 && err_one_line && out_empty'
check "import syntax error: 'FILE: line 3, column N:'" err_has "$T/imp/bad3.reg: line 3, column "
unchanged "import with a syntax error" "$T/imp/Target.dat" "$T/imp/copy"
# an error late in the file: nothing of the earlier part applied
{ printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\Target\\Early]\n"e"=dword:00000001\n\n'
  printf '[HKEY_LOCAL_MACHINE\\Target\\Late]\n"l"=dword:1234567890\n'; } >"$T/imp/bad7.reg"
run import "$T/imp/Target.dat" "$T/imp/bad7.reg"
check "import with an error at line 7: status 65, names line 7" \
    eval 'rc_is 65 && err_one_line && err_has "bad7.reg: line 7, column "'
unchanged "import with an error at line 7 (earlier keys not applied)" "$T/imp/Target.dat" "$T/imp/copy"
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_USERS\\Else\\A]\n' >"$T/imp/outside.reg"
run import "$T/imp/Target.dat" "$T/imp/outside.reg"
check "import of a key outside the prefix: status 65, one line" eval 'rc_is 65 && err_one_line'
unchanged "import of a key outside the prefix" "$T/imp/Target.dat" "$T/imp/copy"
printf 'not a reg file\n' >"$T/imp/notreg.reg"
run import "$T/imp/Target.dat" "$T/imp/notreg.reg"
check "import of a file without the header line: status 65" eval 'rc_is 65 && err_one_line && err_has "notreg.reg: line 1"'
unchanged "import of a non-.reg file" "$T/imp/Target.dat" "$T/imp/copy"
printf 'x' | "$H" import "$T/imp/Target.dat" - >"$T/out" 2>"$T/err"
rc=$? last="import - (garbage on stdin)"
check "import of garbage from stdin: status 65, names standard input" \
    eval 'rc_is 65 && err_one_line && err_has "standard input: line 1"'
run import "$T/imp/Target.dat" "$T/imp/missing.reg"
check "import of a missing .reg file: status 2, one line naming it" \
    eval 'rc_is 2 && err_one_line && err_has "$T/imp/missing.reg"'
unchanged "import of a missing .reg file" "$T/imp/Target.dat" "$T/imp/copy"
run import "$NOTAHIVE" "$T/imp/default.reg"
check "import into a non-hive: status 2" eval 'rc_is 2 && err_one_line'
printf 'Windows Registry Editor Version 5.00\n\n; only a comment\n' >"$T/imp/empty.reg"
run import "$T/imp/Target.dat" "$T/imp/empty.reg" --backup
check "import changing nothing: status 0, file not rewritten" \
    eval 'quiet_ok && same_files "$T/imp/Target.dat" "$T/imp/copy"'

# ---- a real SYSTEM hive: the driver-injection use case ---------------------------
mkdir "$T/sys"
Y=$T/sys/SYSTEM
cp "$SYSTEM" "$Y"
chmod u+w "$Y"
run set -p "$Y" 'CurrentControlSet\Services\viostor' Start dword 0
check "SYSTEM: set -p through CurrentControlSet: success" quiet_ok
run get "$Y" 'ControlSet001\Services\viostor' Start
check "SYSTEM: the key is created in ControlSet001 (Select\\Current)" out_line 0
run ls "$Y"
check "SYSTEM: no literal CurrentControlSet key at the root" out_lacks "CurrentControlSet"
run set "$Y" 'CurrentControlSet\Services\viostor' ImagePath expand_sz 'System32\drivers\viostor.sys'
run set "$Y" 'CurrentControlSet\Services\viostor' Type dword 1
run set "$Y" 'CurrentControlSet\Services\viostor' ErrorControl dword 1
run set "$Y" 'CurrentControlSet\Services\viostor' Group sz 'SCSI miniport'
run set "$Y" 'CurrentControlSet\Services\viostor' Owners multi_sz viostor.inf
run export "$Y" 'ControlSet001\Services\viostor' --prefix X
check "SYSTEM: the service key as exported" \
    eval 'out_has "\"ImagePath\"=hex(2):53,00,79,00" && out_has "\"Group\"=\"SCSI miniport\"" && out_has "\"Start\"=dword:00000000"'
run info "$Y"
check "SYSTEM: 33318 keys after the edit" out_re '^keys: +33318( |$)'
valid "SYSTEM edited" "$Y"
run rm "$Y" 'CurrentControlSet\Services\viostor'
check "SYSTEM: rm through CurrentControlSet" quiet_ok
run info "$Y"
check "SYSTEM: 33317 keys again" out_re '^keys: +33317( |$)'
valid "SYSTEM after rm" "$Y"

finish write_cli
