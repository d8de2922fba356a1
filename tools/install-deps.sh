#!/bin/sh
# install-deps.sh - make sure the build and test dependencies are present.
#
# Checks for cmake, a C compiler, make, xz, pkg-config, the cmocka headers,
# ntfs-3g and attr (the NTFS volume test); when
# something is missing and we run as root on a Debian-like system, installs
# it with apt-get. Otherwise says what to install and fails.
# Extras: --fuzz (clang, libFuzzer runtime: make fuzz-smoke), --static
# (musl-gcc: make static), --cross=s390x and --cross=i386 (or --cross for
# both: the cross compiler or gcc-N-multilib, qemu, cmocka of that
# architecture, with dpkg --add-architecture; make test-cross).
set -eu
fuzz= static= cross=
for a in "$@"; do
    case "$a" in
        --fuzz) fuzz=1 ;;
        --static) static=1 ;;
        --cross) cross="$cross s390x i386" ;;
        --cross=s390x|--cross=i386) cross="$cross ${a#--cross=}" ;;
        *) echo "install-deps: unknown option $a" >&2; exit 2 ;;
    esac
done
missing="" archs=""
need() { # need COMMAND-OR-FILE PACKAGE
    case "$1" in
        /*) [ -e "$1" ] || missing="$missing $2" ;;
        *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
    esac
}
# --cross: gcc-N-multilib, not gcc-multilib: that one conflicts with the cross
# compilers. libcmocka-dev:s390x brings libc6:s390x, whose /lib/ld64.so.1
# qemu-s390x-static runs the test programs with.
if [ -n "$cross" ]; then
    for t in $cross; do
        case "$t" in
        s390x)
            need s390x-linux-gnu-gcc gcc-s390x-linux-gnu
            need /usr/s390x-linux-gnu/include/stdio.h libc6-dev-s390x-cross
            need qemu-s390x-static qemu-user-static
            need /usr/lib/s390x-linux-gnu/libcmocka.so libcmocka-dev:s390x
            need /lib/ld64.so.1 libc6:s390x ;;
        i386)
            v=$(gcc -dumpversion 2>/dev/null | cut -d. -f1)
            [ -n "$v" ] || v=12
            ls /usr/lib/gcc/x86_64-linux-gnu/"$v"/32/crtbegin.o >/dev/null 2>&1 ||
                missing="$missing gcc-$v-multilib"
            need /usr/include/x86_64-linux-gnu/gnu/stubs-32.h libc6-dev-i386
            need /usr/lib/i386-linux-gnu/libcmocka.so libcmocka-dev:i386 ;;
        esac
        case "$missing" in *:"$t"*) archs="$archs $t" ;; esac
    done
fi
need cmake cmake
need cc gcc
need make make
need xz xz-utils
need bash bash
need pkg-config pkg-config   # the install test builds the example with it
# the NTFS test (tests/cli/test_ntfs_cli.sh): mkntfs, ntfs-3g, lowntfs-3g
# and getfattr/setfattr; without them it is skipped
command -v mkntfs >/dev/null 2>&1 || [ -e /usr/sbin/mkntfs ] || [ -e /sbin/mkntfs ] ||
    missing="$missing ntfs-3g"
need setfattr attr
if [ -n "$fuzz" ]; then
    need clang clang
    ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
        missing="$missing libclang-rt-14-dev"
fi
[ -z "$static" ] || need musl-gcc musl-tools
if ! [ -e /usr/include/cmocka.h ] && ! [ -e /usr/local/include/cmocka.h ]; then
    missing="$missing libcmocka-dev"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    for t in $archs; do
        dpkg --print-foreign-architectures | grep -qx "$t" || dpkg --add-architecture "$t"
    done
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
else
    echo "install-deps: missing:$missing" >&2
    for t in $archs; do
        echo "install-deps: (first: sudo dpkg --add-architecture $t && sudo apt-get update)" >&2
    done
    echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
    exit 1
fi
