/* open_at_shim.c - TEMPORARY: regf_open_at() until the library's own (the
 * `lockio` branch) is merged; delete this file (and its line in
 * CMakeLists.txt and the declaration marked in cli.h) then.
 *
 * Opens hive NAME in the directory DIRFD: NAME must be a regular file, not
 * a symbolic link (O_NOFOLLOW; O_NONBLOCK so a FIFO cannot block), then
 * the library opens it through /proc/self/fd/N/NAME, N a duplicate of
 * DIRFD kept open for the handle's life (its commit writes there; the
 * caller made one with rp_fd_path, whose name messages show). Unlike the
 * library's version, the logs beside it are still found by that path. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int regf_open_at(int dirfd, const char *name, unsigned flags,
                 regf_hive **out)
{
    *out = NULL;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
                                 O_CLOEXEC);
    struct stat st;
    int ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (fd >= 0)
        close(fd);
    if (ok && (uint64_t)st.st_size > ((uint64_t)1 << 30))
        return REGF_ELIMIT;     /* the library's REGF_MAX_HIVE_SIZE */
    char path[4400];
    if (!ok || rp_fd_alias(dirfd, name, path, sizeof path) != 0)
        return REGF_EIO;
    return regf_open(path, flags, out);
}
