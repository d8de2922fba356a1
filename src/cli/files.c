/* files.c - whole files in and out: reading an input file (a hive for
 * check, a .reg file for import) into memory, writing a buffer out. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "file_read.h"

int read_fd_all(int fd, struct bytebuf *b)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (buf_put(b, chunk, (size_t)n) != 0) {
            errno = ENOMEM;
            return -1;
        }
    }
}

int read_file_all(const char *path, struct bytebuf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = read_fd_all(fd, b);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int open_file(const char *path)
{
    return open_file_at(AT_FDCWD, path);
}

int open_file_at(int dirfd, const char *name)
{
    struct stat st;
    char why[160];
    return fr_open(dirfd, name, O_RDONLY |
                   (dirfd != AT_FDCWD ? O_NOFOLLOW : 0), 0, &st, why,
                   sizeof why);
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
