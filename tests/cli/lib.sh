# lib.sh - helpers shared by the CLI test scripts (sourced; needs $H, the
# hivekit binary, and $T, a scratch directory).
#
#   run ARGS...               runs hivekit: stdout -> $T/out, stderr ->
#                             $T/err, status -> $rc
#   check DESCRIPTION CMD...  counts a pass when CMD succeeds, else prints
#                             FAIL with the last command's context
#   skip REASON               counts a skipped check (say why)
#   predicates on the last run: rc_is N, out_has S, out_lacks S, out_re RE,
#   err_has S, err_re RE, err_empty, out_empty, out_line S, out_first_line S,
#   err_one_line, usage_err, quiet_ok, out_hex HEX; on files: same_files A
#   B, no_file F.

npass=0 nfail=0 nskip=0
rc=0 last=""

run() {
    "$H" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    last="hivekit $*"
}

context() {
    echo "      command: $last"
    echo "      status:  $rc"
    if [ -s "$T/err" ]; then
        head -c 600 "$T/err" | head -n 3 | sed 's/^/      stderr:  /'
    fi
}

check() {
    local what=$1
    shift
    if "$@"; then
        npass=$((npass + 1))
    else
        nfail=$((nfail + 1))
        echo "FAIL: $what"
        context
    fi
}

skip() {
    nskip=$((nskip + 1))
    echo "SKIP: $*"
}

rc_is()          { [ "$rc" -eq "$1" ]; }
out_has()        { grep -qF -- "$1" "$T/out"; }
out_lacks()      { ! grep -qF -- "$1" "$T/out"; }
out_re()         { grep -qE -- "$1" "$T/out"; }
err_has()        { grep -qF -- "$1" "$T/err"; }
err_re()         { grep -qE -- "$1" "$T/err"; }
err_empty()      { [ ! -s "$T/err" ]; }
out_empty()      { [ ! -s "$T/out" ]; }
out_line()       { printf '%s\n' "$1" | cmp -s - "$T/out"; }
out_first_line() { [ "$(head -n 1 "$T/out")" = "$1" ]; }
err_one_line() {
    [ -s "$T/err" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
        [ "$(tail -c 1 "$T/err" | od -An -c | tr -d ' ')" = '\n' ]
}
same_files()     { cmp -s "$1" "$2"; }
no_file()        { [ ! -e "$1" ]; }
# a usage error: status 64, nothing on stdout, one line on stderr
usage_err()      { rc_is 64 && out_empty && err_one_line; }
# silent success: status 0, nothing on stdout or stderr
quiet_ok()       { rc_is 0 && out_empty && err_empty; }
# out_hex HEX: stdout holds exactly these bytes
out_hex()        { [ "$(od -An -v -tx1 "$T/out" | tr -d ' \n')" = "$1" ]; }

# Cross builds: run $H through $HIVEKIT_TEST_EMULATOR (emulator.sh).
. "$(dirname "${BASH_SOURCE[0]}")/emulator.sh"
emu_wrap H
