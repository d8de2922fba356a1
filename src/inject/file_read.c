/* file_read.c - a whole input file into memory, bounded and without
 * waiting on special files (file_read.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_read.h"

static int fail(int rc, int fd, char *why, size_t whyn, const char *what,
                const char *detail)
{
    if (fd >= 0)
        close(fd);
    snprintf(why, whyn, "%s%s", what, detail ? detail : "");
    return rc;
}

int fr_read(int dirfd, const char *path, size_t max, uint8_t **buf,
            size_t *len, char *why, size_t whyn)
{
    *buf = NULL;
    *len = 0;
    int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(FR_EIO, -1, why, whyn, "cannot open: ", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail(FR_EIO, fd, why, whyn, "cannot stat: ", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(FR_EIO, fd, why, whyn, "not a regular file ",
                    S_ISDIR(st.st_mode) ? "(a directory)" :
                    S_ISFIFO(st.st_mode) ? "(a FIFO)" :
                    S_ISSOCK(st.st_mode) ? "(a socket)" : "(a device)");
    if ((uint64_t)st.st_size > (uint64_t)max) {
        snprintf(why, whyn, "%llu bytes: larger than the %zu-byte limit",
                 (unsigned long long)st.st_size, max);
        close(fd);
        return FR_ETOOBIG;
    }
    /* The size read may differ from the size seen (a file being written):
     * read until the end, one byte past the limit at most. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    uint8_t *p = malloc(cap + 1);
    if (!p)
        return fail(FR_ENOMEM, fd, why, whyn, "out of memory", NULL);
    for (;;) {
        if (n == cap) {
            if (cap > max)
                break;
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            uint8_t *np = realloc(p, ncap + 1);
            if (!np) {
                free(p);
                return fail(FR_ENOMEM, fd, why, whyn, "out of memory", NULL);
            }
            p = np;
            cap = ncap;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(p);
            return fail(FR_EIO, fd, why, whyn, "read error: ", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        free(p);
        snprintf(why, whyn, "larger than the %zu-byte limit", max);
        return FR_ETOOBIG;
    }
    p[n] = 0;
    *buf = p;
    *len = n;
    return FR_OK;
}
