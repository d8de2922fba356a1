#!/bin/sh
# test-cross.sh JOBS TARGET... -- CMAKE_ARGS...  (make test-cross)
#
# For each TARGET (s390x: 64-bit big-endian, run under qemu-s390x-static;
# i386: 32-bit x86, run natively): installs its packages if missing
# (tools/install-deps.sh --cross=TARGET), configures build-TARGET with
# cmake/toolchain-TARGET.cmake and CMAKE_ARGS, builds, and runs the whole
# ctest suite. A target whose packages cannot be installed (not root, no
# apt-get, apt failed) is reported SKIPPED with the reason and the others go
# on; a build or test failure fails the run. Ends with one summary line per
# target: ctest's result and the time taken.
set -u
cd "$(dirname "$0")/.." || exit 2
SRC=$PWD
JOBS=$1
shift
targets=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    targets="$targets $1"
    shift
done
[ $# -gt 0 ] && shift          # the rest: cmake arguments

summary=
failed=
add() { summary="$summary$1
"; }

for t in $targets; do
    B=build-$t
    TC=$SRC/cmake/toolchain-$t.cmake
    echo "== test-cross: $t ($B)"
    start=$(date +%s)
    if ! [ -f "$TC" ]; then
        echo "test-cross: no toolchain file $TC" >&2
        add "$t: FAILED: unknown target (no cmake/toolchain-$t.cmake)"
        failed="$failed $t"
        continue
    fi
    mkdir -p "$B" || exit 2
    if ! sh tools/install-deps.sh --cross="$t" >"$B/deps.log" 2>&1; then
        reason=$(grep -m 1 'missing:' "$B/deps.log" ||
                 grep -v '^ *$' "$B/deps.log" | tail -n 2 | tr '\n' ' ')
        cat "$B/deps.log"
        echo "test-cross: $t SKIPPED: its packages are missing and could not be installed"
        add "$t: SKIPPED: packages missing, not installed: $reason"
        continue
    fi
    cat "$B/deps.log"
    rm -f "$B/deps.log"
    emu=
    [ "$t" = s390x ] && emu=qemu-s390x-static
    if ! cmake -S . -B "$B" -DCMAKE_TOOLCHAIN_FILE="$TC" "$@" >"$B/cmake.log" 2>&1 ||
       ! cmake --build "$B" -j"$JOBS" >>"$B/cmake.log" 2>&1; then
        tail -n 40 "$B/cmake.log"
        add "$t: FAILED: the build failed ($B/cmake.log)"
        failed="$failed $t"
        continue
    fi
    built=$(date +%s)
    # The shell tests run the CLI through the emulator (tests/cli/emulator.sh);
    # tests/CMakeLists.txt sets this too, for a plain ctest in $B.
    (cd "$B" && HIVEKIT_TEST_EMULATOR=$emu ctest --output-on-failure -j"$JOBS") \
        >"$B/ctest.log" 2>&1
    rc=$?
    end=$(date +%s)
    cat "$B/ctest.log"
    res=$(grep -E '^[0-9]+% tests passed' "$B/ctest.log" | tail -n 1)
    skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (Skipped)$/\1/p' "$B/ctest.log" | tr '\n' ' ')
    [ -n "$res" ] || res="ctest status $rc, no summary"
    line="$t: $res; skipped: ${skipped:-none}; build $((built - start)) s, ctest $((end - built)) s"
    if [ $rc -ne 0 ]; then
        fails=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (Failed.*/\1/p' "$B/ctest.log" | tr '\n' ' ')
        line="$line; FAILED: $fails"
        failed="$failed $t"
    fi
    add "$line"
done

echo "== test-cross summary"
printf '%s' "$summary"
if [ -n "$failed" ]; then
    echo "test-cross: failed:$failed" >&2
    exit 1
fi
exit 0
