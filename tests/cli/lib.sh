# lib.sh - helpers shared by the CLI test scripts (sourced; needs $H, the
# hivekit binary, and $T, a scratch directory).
#
#   run ARGS...               runs hivekit: stdout -> $T/out, stderr ->
#                             $T/err (the Landlock line of -v apart, in
#                             $T/landlock), status -> $rc
#   check DESCRIPTION CMD...  counts a pass when CMD succeeds, else prints
#                             FAIL with the last command's context
#   skip REASON               counts a skipped check (say why)
#   predicates on the last run: rc_is N, out_has S, out_lacks S, out_re RE,
#   err_has S, err_re RE, err_empty, out_empty, out_line S, out_first_line S,
#   err_one_line, usage_err, quiet_ok, out_hex HEX; on files: same_files A
#   B, no_file F; require FILE... (missing inputs are failures).
#
# Core and corpus groups. The scripts that also read the shared corpus take
# their group as the last argument: "core" runs the checks that need only
# fixtures/ (and files the script makes), "corpus" those that need the
# corpus; without it both run. Call `group_init GROUP CORPUS_DIR` once: in
# the corpus group without a corpus it exits 77 (ctest's SKIP_RETURN_CODE:
# "Skipped"). The checks of a group go inside `if in_group corpus; then
# ... fi` (or core). `finish NAME` prints the summary and exits 1 if a check
# failed or if no check ran at all (a group never passes silently).

npass=0 nfail=0 nskip=0

# Scripts that mount file systems add each mount point to MOUNTS and set
# `trap cleanup_mounts EXIT`: the mounts go, then the scratch directory $T.
MOUNTS=()
cleanup_mounts() {
    local m
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    rm -rf "$T"
}
rc=0 last=""

run() {
    "$H" "$@" >"$T/out" 2>"$T/err.all"
    rc=$?
    last="hivekit $*"
    # The line -v prints about Landlock depends on the kernel: it goes to
    # $T/landlock, the rest of stderr to $T/err (GNU sed keeps a missing
    # final newline missing).
    sed -n '/^hivekit: landlock: /p' "$T/err.all" >"$T/landlock"
    sed '/^hivekit: landlock: /d' "$T/err.all" >"$T/err"
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
# tree_state DIR: one hash of DIR's whole state (every entry with its type
# and size, every file's sha256), to show a tree was left untouched
tree_state() {
    (cd "$1" && find . -printf '%p %y %s\n' | LC_ALL=C sort &&
     find . -type f -exec sha256sum {} + | LC_ALL=C sort) | sha256sum
}
no_file()        { [ ! -e "$1" ]; }
# a usage error: status 64, nothing on stdout, one line on stderr
usage_err()      { rc_is 64 && out_empty && err_one_line; }
# silent success: status 0, nothing on stdout or stderr
quiet_ok()       { rc_is 0 && out_empty && err_empty; }
# out_hex HEX: stdout holds exactly these bytes
out_hex()        { [ "$(od -An -v -tx1 "$T/out" | tr -d ' \n')" = "$1" ]; }

# ---- groups ------------------------------------------------------------------
GROUP= HAVE_CORPUS=0

group_init() {
    GROUP=${1:-all}
    case $GROUP in
        core|corpus|all) ;;
        *) echo "unknown group '$GROUP' (core or corpus)" >&2; exit 2 ;;
    esac
    [ -d "$2" ] && HAVE_CORPUS=1
    if [ "$HAVE_CORPUS" = 0 ] && [ "$GROUP" != core ]; then
        echo "SKIP: corpus directory $2 not found: the corpus checks do not" \
             "run (configure with -DHIVEKIT_CORPUS=DIR, default" \
             "../shared/corpus beside the source tree)"
        [ "$GROUP" = corpus ] && exit 77
    fi
}

in_group() {
    case $1 in
        core) [ "$GROUP" != corpus ] ;;
        corpus) [ "$GROUP" != core ] && [ "$HAVE_CORPUS" = 1 ] ;;
        *) return 1 ;;
    esac
}

# require FILE...: each input must exist (a missing one is a failure)
require() {
    local f
    for f in "$@"; do
        if [ ! -f "$f" ]; then
            echo "FAIL: test input missing: $f"
            nfail=$((nfail + 1))
        fi
    done
}

finish() {
    local total=$((npass + nfail))
    echo "$1${GROUP:+ ($GROUP)}: $npass/$total checks passed, $nfail failed, $nskip skipped"
    if [ "$total" -eq 0 ]; then
        echo "FAIL: no check ran"
        exit 1
    fi
    [ "$nfail" -eq 0 ] && exit 0
    exit 1
}

# Cross builds: run $H through $HIVEKIT_TEST_EMULATOR (emulator.sh).
. "$(dirname "${BASH_SOURCE[0]}")/emulator.sh"
emu_wrap H
