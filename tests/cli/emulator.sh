# emulator.sh - run the programs under test through an emulator (sourced).
#
# A cross build's test programs (s390x under qemu) cannot be executed
# directly unless the kernel has binfmt_misc handlers, which a container or
# CI machine may lack. When HIVEKIT_TEST_EMULATOR is set (tests/CMakeLists.txt
# sets it for every test from CMAKE_CROSSCOMPILING_EMULATOR), emu_wrap
# replaces each named variable's program path with a small script in
# $T/.emu that execs the program under the emulator; the scripts keep using
# "$H" as before. Without the variable it does nothing.
#
#   emu_wrap VAR...    e.g. emu_wrap H EX   (needs $T, a scratch directory)
emu_wrap() {
    [ -n "${HIVEKIT_TEST_EMULATOR:-}" ] || return 0
    local v p w
    mkdir -p "$T/.emu" || exit 2
    for v in "$@"; do
        p=${!v}
        case $p in /*) ;; *) p=$PWD/$p ;; esac
        w=$T/.emu/$v-${p##*/}
        # shellcheck disable=SC2086
        printf '#!/bin/bash\nexec %s %q "$@"\n' "$HIVEKIT_TEST_EMULATOR" "$p" >"$w" &&
            chmod +x "$w" || exit 2
        printf -v "$v" '%s' "$w"
    done
}
