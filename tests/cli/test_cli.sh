#!/bin/bash
# test_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR CORPUS_XZ_DIR
#             [core|corpus]
#
# Runs the hivekit binary and checks exit statuses, messages and output of
# info, ls, get and export against the issue's spec. Needs only bash,
# coreutils, grep and cmp (iconv is used when present). The core group
# reads the hives of fixtures/ (the *.xz ones as the fixtures-xz setup
# decompressed them into FIXTURES_XZ_DIR), the corpus group a few real
# hives of the corpus (groups: lib.sh).
#
# Every failed check prints one "FAIL:" line (plus the command, its status
# and stderr); the script ends with a summary and exits 1 if any check
# failed. The helpers (run, check, predicates) are in lib.sh.
set -u

if [ $# -ne 5 ] && [ $# -ne 6 ]; then
    echo "usage: bash test_cli.sh HIVEKIT FIXTURES_DIR FIXTURES_XZ_DIR CORPUS_DIR CORPUS_XZ_DIR [core|corpus]" >&2
    exit 2
fi
H=$1 FIX=$2 FXZ=$3 CORPUS=$4 CXZ=$5
case $H in /*) ;; *) H=$PWD/$H ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-cli.XXXXXX") || exit 2
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export LC_ALL=C
group_init "${6:-}" "$CORPUS"

# ---- predicates on the last run ------------------------------------------
rc_nonzero()   { [ "$rc" -ne 0 ]; }
out_nonempty() { [ -s "$T/out" ]; }
dir_empty()    { [ -z "$(ls -A "$1")" ]; }


# ---- the hives -------------------------------------------------------------
SPECIAL=$FIX/hives/special
ISSUE22=$FIX/hives/issue22.hive
YH=$FXZ/hives/yarp                  # copies of yarp hives (fixtures/)
STRV=$YH/StringValuesHive
MULTI=$YH/MultiSzHive
BIGD=$YH/BigDataHive
DIRTY1=$YH/NewDirtyHive1/NewDirtyHive
DIRTY2=$YH/NewDirtyHive2/NewDirtyHive
TRUNC=$YH/TruncatedHive
SYSTEM=$FXZ/hives/SYSTEM-win10-20H2
# a PE executable's first bytes, then zeros: not a hive
NOTAHIVE=$T/notahive
{ printf 'MZ\220\000'; head -c 17916 /dev/zero; } >"$NOTAHIVE"
EZ=$CORPUS/EricZimmerman-Registry/Registry.Test/Hives
NTUSER1=$EZ/NTUSER1.DAT
SAM10=$CORPUS/DFIRArtifactMuseum/Windows/Registry/Win10/SAM
W11=$CORPUS/DFIRArtifactMuseum/Windows/Registry/Win11

if in_group core; then
    require "$SPECIAL" "$ISSUE22" "$STRV" "$MULTI" "$BIGD" "$DIRTY1" \
            "$DIRTY2" "$TRUNC" "$SYSTEM"
fi
if in_group corpus; then
    require "$EZ/NotAHive" "$NTUSER1" "$SAM10" "$W11/NTUSER.DAT"
fi

if in_group core; then
# ---- help and usage errors ---------------------------------------------------
run --help
check "hivekit --help: status 0, usage on stdout" \
    eval 'rc_is 0 && out_has "usage: hivekit" && err_empty'
for c in info ls get export; do
    run "$c" --help
    check "hivekit $c --help: status 0, usage on stdout, nothing on stderr" \
        eval 'rc_is 0 && out_has "usage: hivekit $c" && err_empty'
    run "$c" -h
    check "hivekit $c -h: status 0" eval 'rc_is 0 && out_has "usage: hivekit $c"'
    # --help wins even after positionals
    run "$c" "$SPECIAL" --help
    check "hivekit $c HIVE --help: status 0" eval 'rc_is 0 && out_has "usage:"'
done
run --version
check "hivekit --version: status 0" eval 'rc_is 0 && out_has "hivekit"'

run
check "no arguments: status 64, nothing on stdout" eval 'rc_is 64 && out_empty && [ -s "$T/err" ]'
check "no arguments: one line on stderr" err_one_line

run frobnicate "$SPECIAL"
check "unknown command: 64, one line" usage_err
check "unknown command: message names it" err_has "frobnicate"

for c in info ls get export; do
    run "$c" "$SPECIAL" --bogus
    check "$c: unknown long option after positional: 64, one line" usage_err
    check "$c: unknown long option named in the message" err_has "--bogus"
    run "$c" -Z "$SPECIAL"
    check "$c: unknown short option: 64, one line" usage_err
done
run info
check "info without HIVE: 64, one line" usage_err
run ls
check "ls without HIVE: 64, one line" usage_err
run get "$SPECIAL"
check "get without KEY: 64, one line" usage_err
run export
check "export without HIVE: 64, one line" usage_err
run info "$SPECIAL" extra
check "info with two positionals: 64, one line" usage_err
run get "$SPECIAL" k v extra
check "get with four positionals: 64, one line" usage_err
run export "$SPECIAL" -o
check "export -o without its value: 64, one line" usage_err
run export "$SPECIAL" --prefix
check "export --prefix without its value: 64, one line" usage_err
run get --raw=1 "$SPECIAL" k
check "get --raw=VALUE (takes none): 64, one line" usage_err
run export "$SPECIAL" --prefix=
check "export --prefix= (empty): 64, one line" usage_err

# ---- info -----------------------------------------------------------------
run info "$SPECIAL"
check "info clean hive: status 0" rc_is 0
check "info clean hive: state line says clean" out_re '^state: +clean'
check "info clean hive: does not say dirty" out_lacks "dirty"
check "info: format version 1.5" out_re '1\.5'
check "info: sequence numbers 262" out_re '262 / 262'
check "info: timestamp" out_has "2014-01-10 21:06:30 UTC"
check "info: root key name" out_has '$$$PROTO.HIV'
check "info: file size" out_re '^file size: +8192 bytes'
check "info: bins size" out_re '^hive bins: +4096 bytes'
check "info: key count 4" out_re '^keys: +4( |$)'
check "info: value count 3" out_re '^values: +3$'
check "info: checksum ok" out_re '^checksum: +ok'
check "info: no logs" out_re '^logs: +none'

for d in "$DIRTY1" "$DIRTY2"; do
    run info "$d"
    check "info dirty hive ($d): status 0" rc_is 0
    check "info dirty hive: state line says dirty" out_re '^state: +dirty'
    check "info dirty hive: lists its LOG1" out_has "$(dirname "$d")/NewDirtyHive.LOG1"
    check "info dirty hive: lists its LOG2" out_has "$(dirname "$d")/NewDirtyHive.LOG2"
done
run info "$DIRTY1"
check "info NewDirtyHive1: sequence 3 / 2" out_has "3 / 2"

# a relative hive path: logs are still found beside it
( cd "$(dirname "$DIRTY1")" && "$H" info NewDirtyHive ) >"$T/out" 2>"$T/err"
rc=$?
last="(cd NewDirtyHive1 && hivekit info NewDirtyHive)"
check "info with a relative path: dirty, both logs listed" \
    eval 'rc_is 0 && out_re "^state: +dirty" && out_has "NewDirtyHive.LOG1" && out_has "NewDirtyHive.LOG2"'
# log names matched case-insensitively (ntuser.dat.LOG1 beside NTUSER.DAT)
mkdir "$T/case"
cp "$DIRTY1" "$T/case/NTUSER.DAT"
cp "$(dirname "$DIRTY1")/NewDirtyHive.LOG1" "$T/case/ntuser.dat.LOG1"
cp "$(dirname "$DIRTY1")/NewDirtyHive.LOG2" "$T/case/ntuser.dat.LOG2"
run info "$T/case/NTUSER.DAT"
check "info: logs named in another case are found" \
    eval 'rc_is 0 && out_has "ntuser.dat.LOG1" && out_has "ntuser.dat.LOG2"'

# a dirty hive with a bad checksum (copy with one header byte changed)
cp "$SPECIAL" "$T/badsum"
chmod u+w "$T/badsum"
printf 'X' | dd of="$T/badsum" bs=1 seek=48 conv=notrunc 2>/dev/null
run info "$T/badsum"
check "info hive with a bad header checksum: status 0, dirty, checksum BAD" \
    eval 'rc_is 0 && out_re "^state: +dirty" && out_re "^checksum: +BAD"'

run info "$SYSTEM"
check "info SYSTEM: status 0" rc_is 0
check "info SYSTEM: 33317 keys" out_re '^keys: +33317( |$)'
check "info SYSTEM: 74454 values" out_re '^values: +74454$'
check "info SYSTEM: clean, seq 228 / 228" eval 'out_re "^state: +clean" && out_has "228 / 228"'
check "info SYSTEM: root key ROOT" out_re '^root key: +ROOT'

# ---- ls -----------------------------------------------------------------
run ls "$SPECIAL"
check "ls root: status 0" rc_is 0
check "ls root: subkey abcd_äöüß" out_has 'abcd_äöüß'
check "ls root: subkey weird™" out_has 'weird™'
check "ls root: 3 subkeys" out_has 'subkeys (3)'
check "ls root: a key name with an embedded NUL is shown escaped" out_has 'zero\x00key'
run ls "$SPECIAL" ''
check "ls with an empty KEY lists the root" eval 'rc_is 0 && out_has "subkeys (3)"'
run ls "$SPECIAL" '\'
check "ls with KEY '\\' lists the root" eval 'rc_is 0 && out_has "subkeys (3)"'

run ls "$STRV" '\KEY'
check "ls with a leading backslash and odd case: status 0" rc_is 0
check "ls: shows the stored key name" out_has 'key:     \key'
check "ls: value types" eval 'out_has REG_SZ && out_has REG_BINARY && out_has REG_EXPAND_SZ'
check "ls: default value listed" out_has '(default)'
check "ls: short rendering of a string" out_has '"test тест"'
check "ls: short rendering of binary" out_has '74 65 73 74'
check "ls: sizes" out_re 'REG_SZ +20 '

run ls "$SYSTEM" '\controlset001\CONTROL\ci'
check "ls SYSTEM odd case + leading backslash: status 0" rc_is 0
check "ls SYSTEM: real path shown" out_has 'key:     \ControlSet001\Control\CI'
run ls "$SYSTEM" 'CurrentControlSet\Control\CI'
check "ls via CurrentControlSet: status 0" rc_is 0
check "ls via CurrentControlSet: resolved through Select\\Current" \
    out_has 'key:     \ControlSet001\Control\CI'
run ls "$SYSTEM" 'currentCONTROLset'
check "ls CurrentControlSet itself (odd case)" eval 'rc_is 0 && out_has "\\ControlSet001"'
run ls "$SYSTEM" 'ControlSet001\NoSuchKey'
check "ls missing key: status 1, one line" eval 'rc_is 1 && err_one_line'
check "ls missing key: names the key" err_has "NoSuchKey"
check "ls missing key: names the file" err_has "$SYSTEM"

# ---- get -------------------------------------------------------------------
run get "$STRV" key 3
check "get REG_SZ: decoded text" eval 'rc_is 0 && out_line "test тест "'
run get "$STRV" KEY 3 --raw
printf 't\0e\0s\0t\0 \0\102\004\065\004\101\004\102\004 \0\0\0' >"$T/want"
check "get --raw REG_SZ: exact bytes" cmp -s "$T/want" "$T/out"
run get --raw "$STRV" key 1
printf 'test' >"$T/want"
check "get --raw (option first) REG_BINARY: exact bytes" cmp -s "$T/want" "$T/out"
run get "$STRV" key 1
check "get REG_BINARY: hex dump" eval 'rc_is 0 && out_has "74 65 73 74" && out_has "|test|"'
run get "$STRV" key 2
check "get REG_EXPAND_SZ: decoded text" eval 'rc_is 0 && out_line "test тест"'

run get "$STRV" key ''
check "get default value via '': status 0, text" eval 'rc_is 0 && out_line "test тест"'
run get "$STRV" key @
check "get default value via '@'" eval 'rc_is 0 && out_line "test тест"'
run get "$STRV" key
check "get without VALUE: the default value" eval 'rc_is 0 && out_line "test тест"'
run get "$STRV" key '' --raw
printf 't\0e\0s\0t\0 \0\102\004\065\004\101\004\102\004\0\0' >"$T/want"
check "get --raw default value: exact bytes" cmp -s "$T/want" "$T/out"

run get "$MULTI" key 2
printf 'привет\nкак дела?\n' >"$T/want"
check "get REG_MULTI_SZ: one string per line" eval 'rc_is 0 && cmp -s "$T/want" "$T/out"'
run get "$MULTI" key 1 --raw
printf '\0\0' >"$T/want"
check "get --raw empty REG_MULTI_SZ: 2 bytes" cmp -s "$T/want" "$T/out"

run get "$ISSUE22" '' Bias
check "get REG_DWORD: decimal" eval 'rc_is 0 && out_line "4294967236"'
run get "$ISSUE22" '\' bias --raw
printf '\304\377\377\377' >"$T/want"
check "get --raw REG_DWORD (case-insensitive name): 4 bytes" cmp -s "$T/want" "$T/out"
run get "$ISSUE22" '' StandardBias
check "get REG_DWORD 0: decimal" eval 'rc_is 0 && out_line "0"'
run get "$ISSUE22" '' timezonekeyname
check "get REG_SZ (case-insensitive value name)" eval 'rc_is 0 && out_line "W. Europe Standard Time"'
run get "$ISSUE22" '' StandardStart
check "get REG_BINARY 16 bytes: one hex dump line" \
    eval 'rc_is 0 && [ "$(wc -l <"$T/out")" -eq 1 ] && out_has "00 00 0a 00 05 00 03 00"'

# big data (db) values: 16345 bytes of '1' (default), 81725 bytes of '2'
run get "$BIGD" 'key_with_bigdata' --raw
check "get --raw big data default value: 16345 bytes of '1'" \
    eval 'rc_is 0 && [ "$(wc -c <"$T/out")" -eq 16345 ] && [ -z "$(tr -d 1 <"$T/out")" ]'
run get "$BIGD" 'key_with_bigdata' v --raw
check "get --raw big data value v: 81725 bytes of '2'" \
    eval 'rc_is 0 && [ "$(wc -c <"$T/out")" -eq 81725 ] && [ -z "$(tr -d 2 <"$T/out")" ]'
run ls "$BIGD" key_with_bigdata
check "ls big data values: sizes" eval 'rc_is 0 && out_re "REG_BINARY +16345 " && out_re "REG_BINARY +81725 "'

run get "$SYSTEM" Select Current
check "get SYSTEM Select\\Current: 1" eval 'rc_is 0 && out_line "1"'
run get "$SYSTEM" 'CurrentControlSet\Control\ComputerName\ComputerName' ComputerName
cp "$T/out" "$T/ccs"
check "get via CurrentControlSet: status 0" eval 'rc_is 0 && out_nonempty'
run get "$SYSTEM" 'ControlSet001\Control\ComputerName\ComputerName' computername
check "get via CurrentControlSet equals ControlSet001" same_files "$T/ccs" "$T/out"
# A value literally named "@" on a key without a default value.
k='ActivationBroker\Plugins\{17B21A1B-6C59-48E0-A448-6BC9AD2C5BFE}'
run get "$SYSTEM" "$k" @
check "get '@' on a key whose only value is named '@'" \
    eval 'rc_is 0 && out_line "CAppointmentsProviderInternalAddAppointmentActivationPlugin"'
run get "$SYSTEM" "$k" ''
check "get '' there: no default value, status 1" eval 'rc_is 1 && err_one_line'
run get "$SYSTEM" 'ControlSet001\Control\Session Manager\Configuration Manager\Defrag' LastRun --raw
printf '0\0006\000:\0002\0002\000:\0002\0000\0002\0002\000' >"$T/want"
check "get --raw REG_SZ without terminator: exact 20 bytes" cmp -s "$T/want" "$T/out"
run get "$SYSTEM" 'ControlSet001\Control\Session Manager\Configuration Manager\Defrag' LastRun
check "get REG_SZ without terminator: decoded" eval 'rc_is 0 && out_line "06:22:2022"'


# lookups: Windows upcase rules
run ls "$YH/UnicodeHive" 'привет\ключ'
check "ls with lowercase Cyrillic path: matches Привет\\Ключ" \
    eval 'rc_is 0 && out_has "key:     \\Привет\\Ключ"'
run ls "$YH/UpcaseHive" 'SS1'
check "ls UpcaseHive SS1 finds ss1" eval 'rc_is 0 && out_has "key:     \\ss1"'
run ls "$YH/UpcaseHive" 'ß2'
check "ls UpcaseHive ß2" eval 'rc_is 0 && out_has "key:     \\ß2"'
run ls "$YH/UpcaseHive" 'SS2'
check "ls UpcaseHive SS2: not found (upcase leaves ß alone), status 1" \
    eval 'rc_is 1 && err_one_line'
run ls "$STRV" 'key\\'
check "ls with a trailing backslash / empty components" eval 'rc_is 0 && out_has "key:     \\key"'
run get "$SYSTEM" 'ControlSet001\Control\CI\NGEN' 'c:\windows\Microsoft.NET\Framework64\v4.0.30319\mscorsvw.exe'
check "get a value whose name holds backslashes (odd case)" eval 'rc_is 0 && out_line "1"'

run get "$STRV" 'key\nosuchkey' 1
check "get missing key: status 1, one line" eval 'rc_is 1 && out_empty && err_one_line'
check "get missing key: names the missing key" err_has "nosuchkey"
check "get missing key: names the file" err_has "$STRV"
run get "$STRV" key nosuchvalue
check "get missing value: status 1, one line" eval 'rc_is 1 && out_empty && err_one_line'
check "get missing value: names the value" err_has "nosuchvalue"
check "get missing value: names the file" err_has "$STRV"
run get "$MULTI" key ''
check "get missing default value: status 1, one line" eval 'rc_is 1 && err_one_line'

# ---- unreadable hives: status 2, one line naming the file --------------------
head -c 6000 "$SPECIAL" >"$T/truncated-special"
printf 'just some text\n' >"$T/text-file"
for f in "$NOTAHIVE" "$TRUNC" "$T/truncated-special" "$T/text-file" \
         "$T/does-not-exist" "$T"; do
    for c in info ls get export; do
        if [ $c = get ]; then run get "$f" key value; else run "$c" "$f"; fi
        check "$c on unreadable '$f': status 2, one line, no output" \
            eval 'rc_is 2 && err_one_line && out_empty'
        check "$c on unreadable '$f': message names the file" err_has "$f"
    done
done

# ---- export ----------------------------------------------------------------
run export "$SPECIAL"
cp "$T/out" "$T/special-stdout.reg"
check "export to stdout: status 0, nothing on stderr" eval 'rc_is 0 && err_empty'
check "export: signature line" out_first_line "Windows Registry Editor Version 5.00"
check "export: default prefix HKEY_LOCAL_MACHINE\\special" out_has '[HKEY_LOCAL_MACHINE\special]'
check "export: subkey header" out_has '[HKEY_LOCAL_MACHINE\special\weird™]'
check "export: value line" out_has '"symbols $£₤₧€"=dword:00000000'

run export "$ISSUE22"
check "export: default prefix drops the last extension" out_has '[HKEY_LOCAL_MACHINE\issue22]'
check "export: dword form" out_has '"Bias"=dword:ffffffc4'
check "export: REG_SZ form" out_has '"TimeZoneKeyName"="W. Europe Standard Time"'
check "export: hex form" out_has '"StandardStart"=hex:00,00,0a,00,05,00,03,00,00,00,00,00,00,00,00,00'
cp "$SPECIAL" "$T/NTUSER.DAT.copy"
run export "$T/NTUSER.DAT.copy" 'weird™'
check "export: default prefix with two dots" out_has '[HKEY_LOCAL_MACHINE\NTUSER.DAT\weird™]'

run export "$SPECIAL" -o "$T/a.reg"
check "export HIVE -o FILE: status 0, nothing on stdout" eval 'rc_is 0 && out_empty && err_empty'
check "export -o writes what stdout gets" same_files "$T/special-stdout.reg" "$T/a.reg"
run export -o "$T/b.reg" "$SPECIAL"
check "export -o FILE HIVE (option first)" eval 'rc_is 0 && same_files "$T/a.reg" "$T/b.reg"'
run export "$SPECIAL" --output="$T/c.reg"
check "export --output=FILE" eval 'rc_is 0 && same_files "$T/a.reg" "$T/c.reg"'
run export "-o$T/d.reg" "$SPECIAL"
check "export -oFILE" eval 'rc_is 0 && same_files "$T/a.reg" "$T/d.reg"'
run export "$SPECIAL" -o -
check "export -o - writes to stdout" same_files "$T/a.reg" "$T/out"

run export "$SPECIAL" --prefix=HKEY_USERS\\X
cp "$T/out" "$T/p1.reg"
check "export --prefix=X: root header" eval 'rc_is 0 && out_has "[HKEY_USERS\\X]" && out_has "[HKEY_USERS\\X\\weird™]"'
check "export --prefix=X: default prefix gone" out_lacks 'HKEY_LOCAL_MACHINE'
run export --prefix HKEY_USERS\\X "$SPECIAL"
check "export --prefix X HIVE (separate value, option first)" same_files "$T/p1.reg" "$T/out"
run export "$SPECIAL" --prefix 'HKEY_USERS\X\'
check "export --prefix with a trailing backslash: trimmed" same_files "$T/p1.reg" "$T/out"
run export "$SPECIAL" '' --prefix HKEY_USERS\\X -o "$T/p2.reg"
check "export HIVE '' --prefix X -o F (mixed order)" eval 'rc_is 0 && same_files "$T/p1.reg" "$T/p2.reg"'
run export -- "$SPECIAL"
check "export -- HIVE" same_files "$T/special-stdout.reg" "$T/out"

run export "$STRV" '\KEY' --prefix P
printf '%s\n' 'Windows Registry Editor Version 5.00' '' '[P\key]' \
    '@="test тест"' '"1"=hex:74,65,73,74' \
    '"2"=hex(2):74,00,65,00,73,00,74,00,20,00,42,04,35,04,41,04,42,04,00,00' \
    '"3"="test тест "' '' >"$T/want"
check "export of a subkey (odd case): exact text" eval 'rc_is 0 && cmp -s "$T/want" "$T/out"'

run export "$SPECIAL" --prefix "$(printf 'HKLM\\\377')" -o "$T/badprefix.reg"
check "export --prefix not UTF-8: status 64, one line, no file" \
    eval 'rc_is 64 && err_one_line && no_file "$T/badprefix.reg"'
check "export: no temporary file left after a refused prefix" \
    eval '[ -z "$(ls "$T" | grep badprefix)" ]'

run export "$SPECIAL" --utf16 -o "$T/u.reg"
check "export --utf16: status 0" rc_is 0
check "export --utf16: BOM FF FE" \
    [ "$(head -c 2 "$T/u.reg" 2>/dev/null | od -An -tx1 | tr -d ' ')" = "fffe" ]
check "export --utf16: CRLF after the signature" \
    [ "$(head -c 78 "$T/u.reg" 2>/dev/null | tail -c 6 | od -An -tx1 | tr -d ' ')" = "30000d000a00" ]
if command -v iconv >/dev/null 2>&1; then
    tail -c +3 "$T/u.reg" 2>/dev/null | iconv -f UTF-16LE -t UTF-8 >"$T/u8.reg" 2>/dev/null
    sed 's/$/\r/' "$T/special-stdout.reg" >"$T/want"
    check "export --utf16 decodes to the UTF-8 export with CRLF" same_files "$T/want" "$T/u8.reg"
else
    skip "iconv not found: UTF-16 content not decoded"
fi

run export "$SYSTEM" 'CurrentControlSet\Control\CI' --prefix 'HKLM\SYSTEM'
check "export subkey via CurrentControlSet: status 0" rc_is 0
check "export subkey: first header has the full path" \
    eval '[ "$(sed -n 3p "$T/out")" = "[HKLM\\SYSTEM\\ControlSet001\\Control\\CI]" ]'
check "export subkey: every header below the start key" \
    eval '! grep "^\[" "$T/out" | grep -vqF "[HKLM\\SYSTEM\\ControlSet001\\Control\\CI"'
check "export: escaped backslashes in value names" \
    out_has '"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\mscorsvw.exe"=dword:'
# A whole big hive, through -o.
run export "$SYSTEM" -o "$T/system.reg"
check "export whole SYSTEM: status 0" rc_is 0
check "export whole SYSTEM: 33317 key headers" \
    [ "$(grep -c '^\[HKEY_LOCAL_MACHINE\\SYSTEM' "$T/system.reg" 2>/dev/null)" = 33317 ]
check "export whole SYSTEM: a value named @ is quoted" \
    grep -qs '^"@"="CAppointmentsProviderInternalAddAppointmentActivationPlugin"$' "$T/system.reg"
check "export whole SYSTEM: hex lines wrapped at 80" \
    eval '[ -s "$T/system.reg" ] && ! grep "^  " "$T/system.reg" | grep -q "^.\{81\}"'
rm -f "$T/system.reg"

# Output failure half way (file size limit): no partial file left.
mkdir "$T/fsz"
( trap '' XFSZ; ulimit -f 64; exec "$H" export "$SYSTEM" -o "$T/fsz/out.reg" ) \
    >"$T/out" 2>"$T/err"
rc=$?
last="(ulimit -f 64) hivekit export SYSTEM -o $T/fsz/out.reg"
check "export failing half way: status 2, one line" eval 'rc_is 2 && err_one_line'
check "export failing half way: message names the file" err_has "$T/fsz/out.reg"
check "export failing half way: no output or temporary file left" dir_empty "$T/fsz"

# -o into a directory that cannot be written
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$T/ro"
    chmod 555 "$T/ro"
    target=$T/ro/out.reg
    rodir=$T/ro
else
    # root writes anywhere: use a directory that cannot exist instead
    printf 'x' >"$T/plainfile"
    target=$T/plainfile/out.reg
    rodir=
fi
run export "$SPECIAL" -o "$target"
check "export -o into an unwritable directory: nonzero status" rc_nonzero
check "export -o into an unwritable directory: one line naming the file" \
    eval 'err_one_line && err_has "$target"'
check "export -o into an unwritable directory: nothing created" no_file "$target"
if [ -n "$rodir" ]; then
    check "export -o into an unwritable directory: directory still empty" dir_empty "$rodir"
fi
run export "$SPECIAL" -o "$T/no/such/dir/out.reg"
check "export -o into a missing directory: status 2, one line" eval 'rc_is 2 && err_one_line'

# standard output that cannot be written
if [ -w /dev/full ]; then
    for c in info ls get export; do
        if [ $c = get ]; then
            "$H" get "$STRV" key 3 >/dev/full 2>"$T/err"
        else
            "$H" $c "$SPECIAL" >/dev/full 2>"$T/err"
        fi
        rc=$?
        last="hivekit $c ... >/dev/full"
        check "$c with stdout on a full device: status 2, one line" \
            eval 'rc_is 2 && err_one_line'
    done
else
    skip "/dev/full not writable"
fi

# -o naming an existing directory: refused, the directory left alone
mkdir -p "$T/isdir/target.reg"
run export "$SPECIAL" -o "$T/isdir/target.reg"
check "export -o onto a directory: nonzero status, one line" eval 'rc_nonzero && err_one_line'
check "export -o onto a directory: directory untouched, no temporary file" \
    eval '[ -d "$T/isdir/target.reg" ] && dir_empty "$T/isdir/target.reg" && [ "$(ls -A "$T/isdir")" = target.reg ]'

# a key name with CR LF cannot be exported: status 2, no output file
mkdir "$T/bogus"
run export "$YH/BogusKeyNamesHive" -o "$T/bogus/out.reg"
check "export of a key name with a line break: status 2, one line" \
    eval 'rc_is 2 && err_one_line && err_has "line break"'
check "export of a key name with a line break: no output file" dir_empty "$T/bogus"

mkdir "$T/miss"
run export "$SPECIAL" 'no\such\key' -o "$T/miss/out.reg"
check "export missing key: status 1, one line" eval 'rc_is 1 && err_one_line && out_empty'
check "export missing key: names the key" err_has "no"
check "export missing key: names the file" err_has "$SPECIAL"
check "export missing key: no output file created" dir_empty "$T/miss"
printf 'keep me\n' >"$T/miss/existing.reg"
run export "$SPECIAL" 'nosuchkey' -o "$T/miss/existing.reg"
check "export missing key: an existing output file is left untouched" \
    eval 'rc_is 1 && [ "$(cat "$T/miss/existing.reg")" = "keep me" ]'
run export "$NOTAHIVE" -o "$T/miss/out2.reg"
check "export of a non-hive: status 2, no output file" eval 'rc_is 2 && no_file "$T/miss/out2.reg"'
run export "$SPECIAL" -o "$T/miss/existing.reg"
check "export -o replaces an existing file" same_files "$T/a.reg" "$T/miss/existing.reg"
check "export -o leaves no temporary files" \
    [ "$(ls -A "$T/miss")" = "existing.reg" ]

fi   # core

# ---- real hives of the corpus ------------------------------------------------
if in_group corpus; then
# log names matched case-insensitively (ntuser.dat.LOG1 beside NTUSER.DAT)
run info "$W11/NTUSER.DAT"
check "info Win11 NTUSER.DAT: logs named in another case are found" \
    eval 'rc_is 0 && out_has "ntuser.dat.LOG1" && out_has "ntuser.dat.LOG2"'

run info "$SAM10"
check "info clean hive with stale logs: clean" out_re '^state: +clean'
check "info clean hive with stale logs: LOG1 listed" out_has "SAM.LOG1"

run get "$NTUSER1" 'Software\Microsoft\Windows\Windows Error Reporting' LastWatsonCabUploaded
check "get REG_QWORD: decimal" eval 'rc_is 0 && out_line "130557640214774914"'

cp "$NTUSER1" "$T/NTUSER.DAT.copy"
run export "$T/NTUSER.DAT.copy" Software
check "export NTUSER1: default prefix with two dots" out_has '[HKEY_LOCAL_MACHINE\NTUSER.DAT\Software]'

f=$EZ/NotAHive
for c in info ls get export; do
    if [ $c = get ]; then run get "$f" key value; else run "$c" "$f"; fi
    check "$c on NotAHive: status 2, one line, no output" \
        eval 'rc_is 2 && err_one_line && out_empty'
    check "$c on NotAHive: message names the file" err_has "$f"
done
fi   # corpus

finish cli
