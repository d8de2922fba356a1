#!/bin/sh
# ctest-summary.sh CTEST_LOG BUILD_DIR - the last words of `make test` (and
# of its ASan pass) on a ctest run: how many corpus tests ran or were
# skipped, and how to run the skipped ones. CTEST_LOG is ctest's output
# (ctest -O FILE); BUILD_DIR the build directory (its CMakeCache.txt names
# the corpus). The corpus tests are the corpus-xz setup and the NAME-corpus
# entries (label "corpus", see tests/CMakeLists.txt). Always exits 0.
log=$1 build=$2
corpus=$(sed -n 's/^HIVEKIT_CORPUS:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)
all=$(cd "$build" && ctest -N 2>/dev/null | grep -cE 'Test +#[0-9]+: (corpus-xz|[^ ]+-corpus)$')
skipped=$(grep -cE '^[[:space:]]*[0-9]+ - (corpus-xz|[^ ]+-corpus) \(Skipped\)$' "$log")
other=$(grep -E '^[[:space:]]*[0-9]+ - [^ ]+ \((Skipped|Not Run|Disabled)\)$' "$log" |
        grep -vcE ' - (corpus-xz|[^ ]+-corpus) \(Skipped\)$')
if [ "${skipped:-0}" -gt 0 ]; then
    echo "hivekit: $skipped of ${all:-?} corpus tests skipped: no corpus at" \
         "${corpus:-?}. To run them: make test HIVEKIT_CORPUS=DIR (default" \
         "../shared/corpus beside the repository)."
else
    echo "hivekit: all ${all:-?} corpus tests ran (corpus ${corpus:-?})."
fi
if [ "${other:-0}" -gt 0 ]; then
    echo "hivekit: $other other test(s) did not run (see the list above)."
fi
exit 0
