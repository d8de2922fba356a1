# Cross build for s390x (64-bit, big-endian) with Debian's cross compiler;
# the tests run under qemu user-mode emulation (make test-cross).
#
#   cmake -S . -B build-s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-s390x.cmake
#
# Packages (tools/install-deps.sh --cross): gcc-s390x-linux-gnu,
# libc6-dev-s390x-cross, qemu-user-static and libcmocka-dev:s390x (with
# `dpkg --add-architecture s390x`). libcmocka-dev:s390x brings libc6:s390x,
# whose /lib/ld64.so.1 and /lib/s390x-linux-gnu are what the emulator loads
# the test programs with: plain qemu-s390x-static, no -L. (With
# `-L /usr/s390x-linux-gnu` qemu takes ld64.so.1 from the cross sysroot but
# libc.so.6 from /lib/s390x-linux-gnu, two different builds of glibc, and
# the programs abort with "stack smashing detected".)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(CMAKE_C_COMPILER s390x-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE s390x-linux-gnu)

# Libraries and headers of the target: the cross sysroot and the multiarch
# directories of libcmocka-dev:s390x. Programs (cmake, sh, xz) are the host's.
set(CMAKE_FIND_ROOT_PATH /usr/s390x-linux-gnu)
set(CMAKE_LIBRARY_PATH /usr/lib/s390x-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# ctest runs the test programs through this; the shell tests get it as
# HIVEKIT_TEST_EMULATOR (tests/CMakeLists.txt, tests/cli/emulator.sh).
find_program(HIVEKIT_QEMU_S390X NAMES qemu-s390x-static qemu-s390x)
if(HIVEKIT_QEMU_S390X)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HIVEKIT_QEMU_S390X})
endif()
