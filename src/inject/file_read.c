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

static const char *kind(mode_t m)
{
    return S_ISDIR(m) ? "(a directory)" : S_ISFIFO(m) ? "(a FIFO)" :
           S_ISSOCK(m) ? "(a socket)" : S_ISLNK(m) ? "(a symbolic link)" :
           "(a device)";
}

int fr_open(int dirfd, const char *path, int oflags, uint64_t max,
            struct stat *st, char *why, size_t whyn)
{
    int nofollow = (oflags & O_NOFOLLOW) != 0, e;
    memset(st, 0, sizeof *st);
    if (fstatat(dirfd, path, st, nofollow ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
        !S_ISREG(st->st_mode)) {
        e = S_ISDIR(st->st_mode) ? EISDIR : nofollow && S_ISLNK(st->st_mode)
                                                ? ELOOP : EINVAL;
        fail(0, -1, why, whyn, "not a regular file ", kind(st->st_mode));
        errno = e;
        return -1;
    }
    int fd = openat(dirfd, path, oflags | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        fail(0, -1, why, whyn, "cannot open: ", strerror(e));
        errno = e;
        return -1;
    }
    e = 0;
    if (fstat(fd, st) != 0) {
        e = errno;
        fail(0, -1, why, whyn, "cannot stat: ", strerror(e));
    } else if (!S_ISREG(st->st_mode)) {
        e = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        fail(0, -1, why, whyn, "not a regular file ", kind(st->st_mode));
    } else if (max && (uint64_t)st->st_size > max) {
        e = EFBIG;
        snprintf(why, whyn, "%llu bytes: larger than the %llu-byte limit",
                 (unsigned long long)st->st_size, (unsigned long long)max);
    }
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    /* A regular file never blocks: later reads need no special case. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int fr_read(int dirfd, const char *path, size_t max, uint8_t **buf,
            size_t *len, char *why, size_t whyn)
{
    *buf = NULL;
    *len = 0;
    struct stat st;
    int fd = fr_open(dirfd, path, O_RDONLY, (uint64_t)max, &st, why, whyn);
    if (fd < 0)
        return errno == EFBIG ? FR_ETOOBIG : FR_EIO;
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
