#!/bin/bash
# test_install.sh CMAKE BUILD_DIR SOURCE_DIR CC PREFIX LIBDIR VERSION [CFLAGS]
#
# `cmake --install` of the build tree into a temporary DESTDIR, then: the
# installed tree holds what cmake/install.cmake promises (binary,
# libhivekit.a, libhivekit.so with its SONAME and version, hivekit/regf.h and
# no other header, hivekit.pc, the CMake package, man pages, bash
# completion); examples/walk_and_set.c compiles against the staged header and
# library through pkg-config (with PKG_CONFIG_SYSROOT_DIR) and runs; and a
# small CMake project finds the staged package with find_package(hivekit)
# and links hivekit::hivekit (shared) and hivekit::hivekit_static.
# Without pkg-config the pkg-config part is skipped (status 77 when nothing
# else could run), saying so.
set -u
[ $# -ge 7 ] || { echo "usage: bash test_install.sh CMAKE BUILD SRC CC PREFIX LIBDIR VERSION [CFLAGS]" >&2; exit 2; }
CMAKE=$1 B=$2 SRC=$3 CC=$4 PREFIX=$5 LIBDIR=$6 VERSION=$7 CFLAGS=${8:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-install.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
case $LIBDIR in /*) L=$LIBDIR ;; *) L=$PREFIX/$LIBDIR ;; esac

D=$T/stage
DESTDIR=$D "$CMAKE" --install "$B" >"$T/install.log" 2>&1 ||
    fail "cmake --install: $(cat "$T/install.log")"
R=$D$PREFIX
SO=${VERSION%%.*}
for f in bin/hivekit include/hivekit/regf.h share/man/man1/hivekit.1 \
         share/man/man3/hivekit.3 share/bash-completion/completions/hivekit; do
    [ -f "$R/$f" ] || fail "missing $PREFIX/$f"
done
for f in libhivekit.a "libhivekit.so.$VERSION" pkgconfig/hivekit.pc \
         cmake/hivekit/hivekitConfig.cmake cmake/hivekit/hivekitConfigVersion.cmake \
         cmake/hivekit/hivekitTargets.cmake; do
    [ -f "$D$L/$f" ] || fail "missing $L/$f"
done
[ "$(readlink "$D$L/libhivekit.so.$SO")" = "libhivekit.so.$VERSION" ] || fail "libhivekit.so.$SO link"
[ "$(readlink "$D$L/libhivekit.so")" = "libhivekit.so.$SO" ] || fail "libhivekit.so link"
if command -v readelf >/dev/null 2>&1; then
    readelf -d "$D$L/libhivekit.so.$VERSION" | grep -q "(SONAME).*\[libhivekit\.so\.$SO\]\$" ||
        fail "SONAME: $(readelf -d "$D$L/libhivekit.so.$VERSION" | grep SONAME)"
else
    echo "SKIP: readelf is not installed: the SONAME was not checked"
fi
[ "$("$R/bin/hivekit" --version)" = "hivekit $VERSION" ] || fail "installed --version"
# one header, hivekit/regf.h: no private header (src/regf), no inject.h
hdrs=$(cd "$R/include" && find . ! -type d | sort)
[ "$hdrs" = "./hivekit/regf.h" ] || fail "installed headers: $hdrs"
bash -n "$R/share/bash-completion/completions/hivekit" || fail "completion syntax"
echo "installed tree ($PREFIX):"; (cd "$D" && find . -mindepth 1 ! -type d | sort | sed 's/^\./  /')

FIX=$SRC/fixtures/hives/minimal
ran=0
# 1. pkg-config
if command -v pkg-config >/dev/null 2>&1; then
    export PKG_CONFIG_PATH=$D$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
    [ "$(pkg-config --modversion hivekit)" = "$VERSION" ] || fail "pkg-config --modversion"
    flags=$(pkg-config --cflags --libs hivekit) || fail "pkg-config --cflags --libs"
    # shellcheck disable=SC2086
    "$CC" -std=c11 -Wall -Wextra -Werror $CFLAGS -o "$T/ex" "$SRC/examples/walk_and_set.c" $flags ||
        fail "compile with: $flags"
    LD_LIBRARY_PATH=$D$L "$T/ex" "$FIX" "$T/out" >/dev/null || fail "example (shared): status $?"
    [ "$("$R/bin/hivekit" get "$T/out" hivekit-example Greeting)" = "hello from walk_and_set" ] ||
        fail "example result"
    # static: the same through pkg-config's -L with the .a only
    # shellcheck disable=SC2086
    "$CC" -std=c11 $CFLAGS -o "$T/ex-static" "$SRC/examples/walk_and_set.c" \
        $(pkg-config --cflags hivekit) "$D$L/libhivekit.a" || fail "compile static"
    "$T/ex-static" "$FIX" "$T/out-static" >/dev/null || fail "example (static): status $?"
    unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
    echo "pkg-config: compiled and ran examples/walk_and_set.c"
    ran=1
else
    echo "SKIP: pkg-config is not installed: the pkg-config build of the example was not tested"
fi
# 2. find_package
mkdir -p "$T/proj"
cat >"$T/proj/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.13)
project(uses_hivekit C)
find_package(hivekit $VERSION REQUIRED CONFIG)
add_executable(ex "$SRC/examples/walk_and_set.c")
target_link_libraries(ex PRIVATE hivekit::hivekit)
add_executable(ex_static "$SRC/examples/walk_and_set.c")
target_link_libraries(ex_static PRIVATE hivekit::hivekit_static)
CM
"$CMAKE" -S "$T/proj" -B "$T/proj/b" -DCMAKE_PREFIX_PATH="$R" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$CFLAGS" >"$T/cm.log" 2>&1 ||
    fail "find_package project: $(cat "$T/cm.log")"
"$CMAKE" --build "$T/proj/b" >"$T/cm.log" 2>&1 || fail "find_package build: $(cat "$T/cm.log")"
"$T/proj/b/ex" "$FIX" "$T/out-cm" >/dev/null || fail "find_package example: status $?"
"$T/proj/b/ex_static" "$FIX" "$T/out-cm-static" >/dev/null || fail "find_package static example"
if command -v readelf >/dev/null 2>&1; then
    readelf -d "$T/proj/b/ex" | grep -q "(NEEDED).*\[libhivekit\.so\.$SO\]" ||
        fail "hivekit::hivekit: ex does not need libhivekit.so.$SO"
    ! readelf -d "$T/proj/b/ex_static" | grep -q "(NEEDED).*libhivekit" ||
        fail "hivekit::hivekit_static: ex_static needs libhivekit.so"
fi
echo "find_package(hivekit): built and ran the example with hivekit::hivekit and hivekit::hivekit_static"
echo "install: passed"
