# 32-bit x86 build (i386: 32-bit pointers, size_t and long) with the host's
# gcc and -m32; the test programs run natively on x86-64, no emulator.
#
#   cmake -S . -B build-i386 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-i386.cmake
#
# Packages (tools/install-deps.sh --cross): gcc-12-multilib (not
# gcc-multilib, which conflicts with the cross compilers) and
# libcmocka-dev:i386 (with `dpkg --add-architecture i386`).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_LIBRARY_ARCHITECTURE i386-linux-gnu)

# <asm/errno.h> and friends: without linux-libc-dev:i386 (or gcc-multilib's
# /usr/include/asm link) gcc -m32 finds no asm/ directory. The x86-64 one
# serves both widths (its headers test __i386__), so it is searched last,
# after every system directory, only to fill that gap.
set(_hk_m32 "-m32")
if(NOT EXISTS /usr/include/i386-linux-gnu/asm/errno.h AND
   NOT EXISTS /usr/include/asm/errno.h AND
   EXISTS /usr/include/x86_64-linux-gnu/asm/errno.h)
  string(APPEND _hk_m32 " -idirafter /usr/include/x86_64-linux-gnu")
endif()
set(CMAKE_C_FLAGS_INIT "${_hk_m32}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-m32")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-m32")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-m32")

# libcmocka-dev:i386 is in /usr/lib/i386-linux-gnu; never the x86-64 one.
set(CMAKE_LIBRARY_PATH /usr/lib/i386-linux-gnu)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
