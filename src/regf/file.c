/* file.c - the files of a hive on disk: opened relative to a directory
 * descriptor without following links or waiting on special files, their
 * size checked before reading, the hive's lock, and new files created
 * exclusively beside it (docs/locking.md).
 *
 * Every name here is one path component looked up in a directory
 * descriptor the handle keeps, so nothing is resolved from a path string
 * twice: what was checked is what is used. */
/* F_OFD_SETLK (Linux 3.15+, glibc and musl) is declared for _GNU_SOURCE
 * only; without it the lock falls back to flock(2). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "regf_int.h"

const char *regf__file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a file";
}

int regf__open_file(int dirfd, const char *name, int oflags, mode_t mode,
                    uint64_t max, struct stat *st, char *why, size_t whyn)
{
    int fd = openat(dirfd, name, oflags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
                    mode);
    if (fd < 0) {
        int e = errno;
        /* NAME is one component: ELOOP means it is a link itself. */
        if (e == ELOOP)
            snprintf(why, whyn, "is a symbolic link; not followed");
        else if (e == ENXIO) { /* a socket, or a FIFO without a reader */
            struct stat ls;
            snprintf(why, whyn, "not a regular file (%s)",
                     fstatat(dirfd, name, &ls, AT_SYMLINK_NOFOLLOW) == 0
                     ? regf__file_kind(ls.st_mode) : "a FIFO or socket");
        }
        else
            snprintf(why, whyn, "cannot open: %s", strerror(e));
        errno = e;
        return -1;
    }
    int e = 0;
    if (fstat(fd, st) != 0) {
        e = errno;
        snprintf(why, whyn, "cannot stat: %s", strerror(e));
    } else if (!S_ISREG(st->st_mode)) {
        e = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        snprintf(why, whyn, "not a regular file (%s)",
                 regf__file_kind(st->st_mode));
    } else if (max && (uint64_t)st->st_size > max) {
        e = EFBIG;
        snprintf(why, whyn, "%llu bytes: larger than the limit of %llu "
                 "bytes", (unsigned long long)st->st_size,
                 (unsigned long long)max);
    }
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    /* A regular file never blocks; later reads need no special case. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int regf__open_parent(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!slash)
        return AT_FDCWD;
    size_t dl = (size_t)(slash - path);
    char *dir = malloc(dl + 2);
    if (!dir)
        return -1;
    if (dl == 0)
        strcpy(dir, "/");
    else
        memcpy(dir, path, dl), dir[dl] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#ifdef O_PATH
    if (fd < 0 && errno == EACCES)    /* search-only directory */
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
#endif
    int e = errno;
    free(dir);
    errno = e;
    return fd;
}

void regf__close_dir(int dirfd)
{
    if (dirfd >= 0)
        close(dirfd);
}

/* ---- the lock ------------------------------------------------------------- */

int regf__lock(int fd, int exclusive, int *holder_writes)
{
    *holder_writes = 1;
#ifdef F_OFD_SETLK
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = exclusive ? F_WRLCK : F_RDLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno == EAGAIN || errno == EACCES) {
        memset(&fl, 0, sizeof fl);
        fl.l_type = exclusive ? F_WRLCK : F_RDLCK;
        fl.l_whence = SEEK_SET;
        if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_RDLCK)
            *holder_writes = 0;
        return 1;
    }
    if (errno != EINVAL)          /* EINVAL: a kernel without OFD locks */
            return errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS
               ? 0 : -1;
#endif
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
        return 0;
    if (errno == EWOULDBLOCK)
        return 1;
    /* A file system without locks: nothing to hold. */
    return errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS ||
           errno == EINVAL ? 0 : -1;
}

int regf__busy(regf_hive *h, int holder_writes)
{
    return regf__fail(h, REGF_EBUSY, "is being %s by another process",
                      holder_writes ? "written" : "read");
}

/* ---- new files beside the hive -------------------------------------------- */

int regf__create_temp(int dirfd, const char *base, const char *tag,
                      char *name, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long x = (unsigned long)ts.tv_nsec ^
                      ((unsigned long)getpid() << 12) ^ (unsigned long)ts.tv_sec;
    for (int tries = 0; tries < 100; tries++) {
        x = x * 1103515245u + 12345u;
        int w = snprintf(name, n, "%s%s%06lx", base, tag, (x >> 8) & 0xFFFFFF);
        if (w < 0 || (size_t)w >= n) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
                        O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int regf__sync_dir(const regf_hive *h, int dirfd)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = regf__io_fsync(h, fd);
    int e = errno;
    close(fd);
    /* Some filesystems (e.g. FUSE mounts) refuse fsync on a directory. */
    errno = e;
    return rc == 0 || e == EINVAL || e == ENOTSUP ? 0 : -1;
}
