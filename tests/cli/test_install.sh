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
# No installed path is one of Debian's libregf-dev/libregf1 packages (libyal's
# libregf; list in fixtures/debian-libregf-files.txt), with PREFIX mapped to
# /usr, nor in a second install configured as Debian would (prefix /usr,
# libdir lib/<multiarch triplet>).
# Without pkg-config the pkg-config part is skipped (status 77 when nothing
# else could run), saying so.
set -u
[ $# -ge 7 ] || { echo "usage: bash test_install.sh CMAKE BUILD SRC CC PREFIX LIBDIR VERSION [CFLAGS]" >&2; exit 2; }
CMAKE=$1 B=$2 SRC=$3 CC=$4 PREFIX=$5 LIBDIR=$6 VERSION=$7 CFLAGS=${8:-}
if [ -n "${HIVEKIT_TEST_EMULATOR:-}" ]; then   # a cross build (make test-cross)
    echo "SKIPPED: cross build run under $HIVEKIT_TEST_EMULATOR: this test builds and runs programs for the host"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-install.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Debian's paths: an entry that is the parent of another is a directory
# (shared between packages, fine); any other is a file, a path hivekit must
# not install anything on.
DEB_LIST=$SRC/fixtures/debian-libregf-files.txt
declare -A deb_any=() deb_file=()
while IFS= read -r p; do
    case $p in ''|'#'*) continue ;; esac
    deb_any[$p]=1 deb_file[$p]=1
done <"$DEB_LIST" || fail "cannot read $DEB_LIST"
[ ${#deb_any[@]} -gt 0 ] || fail "no paths in $DEB_LIST"
for p in "${!deb_any[@]}"; do
    [ -z "${p%/*}" ] || unset "deb_file[${p%/*}]"
done
# no_debian_paths ROOT PREFIX: fail, naming the path, if anything installed
# under the DESTDIR ROOT (PREFIX read as /usr) is on a path of Debian's: a
# file or link on any listed path, or on it + ".gz" (packages compress man
# pages), or a directory on a listed file.
no_debian_paths() {
    local root=$1 prefix=$2 rel p as n=0
    while IFS= read -r rel; do
        p=${rel#.} as=
        case $p in "$prefix"/*) p=/usr${p#"$prefix"} ;; esac
        [ "$p" = "${rel#.}" ] || as=" (as $p)"
        if [ -d "$root/$rel" ] && [ ! -L "$root/$rel" ]; then
            [ -z "${deb_file[$p]:-}" ] ||
                fail "installs the directory ${rel#.}$as, a file of Debian's libregf-dev/libregf1 (see $DEB_LIST)"
        elif [ -n "${deb_any[$p]:-}" ] || [ -n "${deb_any[$p.gz]:-}" ]; then
            fail "installs ${rel#.}$as, a path of Debian's libregf-dev/libregf1 (see $DEB_LIST)"
        fi
        n=$((n + 1))
    done < <(cd "$root" && find . -mindepth 1)
    [ $n -gt 0 ] || fail "nothing installed under $root"
    echo "none of the $n installed paths ($prefix as /usr) is one of Debian's libregf-dev/libregf1"
}
# check_soname LIB: its SONAME is libhivekit.so.MAJOR
check_soname() {
    if command -v readelf >/dev/null 2>&1; then
        readelf -d "$1" | grep -q "(SONAME).*\[libhivekit\.so\.$SO\]\$" ||
            fail "SONAME of $1: $(readelf -d "$1" | grep SONAME)"
    else
        echo "SKIP: readelf is not installed: the SONAME of $1 was not checked"
    fi
}
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
check_soname "$D$L/libhivekit.so.$VERSION"
[ "$("$R/bin/hivekit" --version)" = "hivekit $VERSION" ] || fail "installed --version"
# one header, hivekit/regf.h: no private header (src/regf), no inject.h
hdrs=$(cd "$R/include" && find . ! -type d | sort)
[ "$hdrs" = "./hivekit/regf.h" ] || fail "installed headers: $hdrs"
bash -n "$R/share/bash-completion/completions/hivekit" || fail "completion syntax"
echo "installed tree ($PREFIX):"; (cd "$D" && find . -mindepth 1 ! -type d | sort | sed 's/^\./  /')
old=$(cd "$D" && find . -name 'libregf*' -o -name regf.h ! -path '*/hivekit/regf.h')
[ -z "$old" ] || fail "installed under an old name: $old"
no_debian_paths "$D" "$PREFIX"

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
# 3. the layout of a Debian package: prefix /usr, multiarch libdir
triplet=$("$CC" -print-multiarch 2>/dev/null)
if [ -n "$triplet" ]; then
    M=$T/stage-multiarch
    { "$CMAKE" -S "$SRC" -B "$T/ma" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release \
          -DHIVEKIT_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR="lib/$triplet" &&
      "$CMAKE" --build "$T/ma" && DESTDIR=$M "$CMAKE" --install "$T/ma"; } >"$T/ma.log" 2>&1 ||
        fail "build and install with libdir lib/$triplet: $(tail -20 "$T/ma.log")"
    [ -f "$M/usr/lib/$triplet/libhivekit.so.$VERSION" ] || fail "missing /usr/lib/$triplet/libhivekit.so.$VERSION"
    check_soname "$M/usr/lib/$triplet/libhivekit.so.$VERSION"
    no_debian_paths "$M" /usr
else
    echo "SKIP: $CC -print-multiarch printed nothing: the multiarch layout was not tried"
fi
echo "install: passed"
