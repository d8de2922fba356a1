#!/bin/sh
# install-deps.sh - make sure the build and test dependencies are present.
#
# Checks for cmake, a C compiler, make, xz, pkg-config, the cmocka headers,
# ntfs-3g and attr (the NTFS volume test); when
# something is missing and we run as root on a Debian-like system, installs
# it with apt-get. Otherwise says what to install and fails.
# Extras: --fuzz (clang, libFuzzer runtime: make fuzz-smoke), --static
# (musl-gcc: make static).
set -eu
fuzz= static=
for a in "$@"; do
    case "$a" in
        --fuzz) fuzz=1 ;;
        --static) static=1 ;;
        *) echo "install-deps: unknown option $a" >&2; exit 2 ;;
    esac
done
missing=""
need() { # need COMMAND-OR-FILE PACKAGE
    case "$1" in
        /*) [ -e "$1" ] || missing="$missing $2" ;;
        *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
    esac
}
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
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
else
    echo "install-deps: missing:$missing" >&2
    echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
    exit 1
fi
