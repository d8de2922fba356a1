/* volume.c - the NTFS metadata of a file on a mounted Windows volume, as
 * the Linux drivers expose it through extended attributes, so a file
 * hivekit writes keeps (or gets) what Windows relies on.
 *
 *   ntfs-3g (and lowntfs-3g):  system.ntfs_acl     security descriptor
 *                              system.ntfs_attrib  DOS/NTFS attributes (le32)
 *                              system.ntfs_crtime  creation time (FILETIME)
 *                              user.NAME           alternate data stream NAME
 *                                                  (-o streams_interface=xattr)
 *   ntfs3 (the kernel driver): system.ntfs_security security descriptor
 *                              system.ntfs_attrib  attributes (le32; also
 *                                                  system.dos_attrib, one byte)
 *                              user.NAME           an NTFS extended attribute
 *                              (the creation time is read-only: statx btime)
 *
 * None of these names exists on other filesystems; everything here is
 * then a no-op (ENODATA, ENOTSUP). Only names of these forms are copied:
 * POSIX ACLs and security.* labels of a Linux filesystem are not NTFS
 * metadata and a backup must not inherit a wider access. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli.h"
#include "bytes.h"

static const char *const sd_names[] = { "system.ntfs_acl",
                                        "system.ntfs_security" };
#define ATTRIB_NAME "system.ntfs_attrib"
#define CRTIME_NAME "system.ntfs_crtime"

/* The DOS bits copied from one file to another: READONLY, HIDDEN, SYSTEM,
 * ARCHIVE, TEMPORARY, NOT_CONTENT_INDEXED. Sparse, compressed, encrypted,
 * reparse-point and directory bits describe the file's storage and are
 * left to the driver. */
#define ATTRIB_COPY_MASK 0x2127u

static int is_absent(int e)
{
    return e == ENODATA || e == ENOTSUP || e == EOPNOTSUPP || e == ENOENT ||
           e == ERANGE || e == EINVAL;
}

/* The value of xattr NAME of FD in a new buffer (*len its size); NULL with
 * errno set when absent or unreadable. */
static unsigned char *get_attr(int fd, const char *name, size_t *len)
{
    for (int tries = 0; tries < 4; tries++) {
        ssize_t n = fgetxattr(fd, name, NULL, 0);
        if (n < 0)
            return NULL;
        unsigned char *buf = malloc(n ? (size_t)n : 1);
        if (!buf) {
            errno = ENOMEM;
            return NULL;
        }
        ssize_t m = fgetxattr(fd, name, buf, (size_t)n);
        if (m >= 0) {
            *len = (size_t)m;
            return buf;
        }
        int e = errno;
        free(buf);
        if (e != ERANGE) {
            errno = e;
            return NULL;
        }
    }
    errno = ERANGE;
    return NULL;
}

static int meta_add(struct vol_meta *m, const char *name, unsigned char *val,
                    size_t len, unsigned kind)
{
    struct vol_attr *a = realloc(m->a, (m->n + 1) * sizeof *a);
    if (!a) {
        free(val);
        return -1;
    }
    m->a = a;
    a += m->n;
    snprintf(a->name, sizeof a->name, "%s", name);
    a->val = val;
    a->len = len;
    a->kind = kind;
    m->n++;
    return 0;
}

int vol_meta_read_fd(int fd, struct vol_meta *m)
{
    memset(m, 0, sizeof *m);
    if (fstat(fd, &m->st) != 0)
        return -1;
    m->have_stat = 1;
    /* user.*: the streams (ntfs-3g) or extended attributes (ntfs3). */
    ssize_t n = flistxattr(fd, NULL, 0);
    char *list = NULL;
    if (n > 0 && (list = malloc((size_t)n)) != NULL &&
        (n = flistxattr(fd, list, (size_t)n)) > 0) {
        for (char *p = list; p < list + n; p += strlen(p) + 1) {
            if (strncmp(p, "user.", 5) != 0 || strlen(p) >= sizeof m->a->name)
                continue;
            size_t len;
            unsigned char *v = get_attr(fd, p, &len);
            if (v && meta_add(m, p, v, len, VOL_STREAMS) != 0)
                break;
        }
    }
    free(list);
    size_t len;
    unsigned char *v;
    if ((v = get_attr(fd, CRTIME_NAME, &len)) != NULL)
        meta_add(m, CRTIME_NAME, v, len, VOL_CRTIME);
    for (size_t i = 0; i < sizeof sd_names / sizeof *sd_names; i++)
        if ((v = get_attr(fd, sd_names[i], &len)) != NULL) {
            meta_add(m, sd_names[i], v, len, VOL_SD);
            break;
        }
    if ((v = get_attr(fd, ATTRIB_NAME, &len)) != NULL)
        meta_add(m, ATTRIB_NAME, v, len, VOL_ATTRIB);
    return 0;
}

int vol_meta_read(const char *path, struct vol_meta *m)
{
    return vol_meta_read_at(AT_FDCWD, path, m);
}

int vol_meta_read_at(int dirfd, const char *name, struct vol_meta *m)
{
    memset(m, 0, sizeof *m);
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
                    O_NONBLOCK);
    if (fd < 0)
        return -1;
    int rc = vol_meta_read_fd(fd, m);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

void vol_meta_free(struct vol_meta *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->a[i].val);
    free(m->a);
    memset(m, 0, sizeof *m);
}

const struct vol_attr *vol_meta_find(const struct vol_meta *m, unsigned kind)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->a[i].kind == kind)
            return &m->a[i];
    return NULL;
}

static void note(char *buf, size_t size, const char *what)
{
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", len ? ", " : "", what);
}

/* Sets the attribute bits of A on FD, keeping FD's own storage bits. */
static int set_attrib(int fd, const struct vol_attr *a)
{
    if (a->len != 4)
        return 0;
    uint32_t want = rd_le32(a->val);
    unsigned char cur[4];
    uint32_t now = 0;
    if (fgetxattr(fd, ATTRIB_NAME, cur, sizeof cur) == 4)
        now = rd_le32(cur);
    uint32_t v = (now & ~ATTRIB_COPY_MASK) | (want & ATTRIB_COPY_MASK);
    if (v == now)
        return 0;
    unsigned char out[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                             (unsigned char)(v >> 16),
                             (unsigned char)(v >> 24) };
    return fsetxattr(fd, ATTRIB_NAME, out, sizeof out, 0);
}

int vol_meta_apply_fd(int fd, const struct vol_meta *m, unsigned what,
                      char *failed, size_t fsize)
{
    int bad = 0;
    if (failed && fsize)
        failed[0] = '\0';
    /* Streams and times first; the descriptor, then the attributes last
     * (READONLY may refuse what would follow). */
    static const unsigned order[] = { VOL_STREAMS, VOL_CRTIME, VOL_TIMES,
                                      VOL_SD, VOL_ATTRIB };
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        unsigned kind = order[k];
        if (!(what & kind))
            continue;
        if (kind == VOL_TIMES) {
            if (!m->have_stat)
                continue;
            struct timespec ts[2] = { m->st.st_atim, m->st.st_mtim };
            if (futimens(fd, ts) != 0 && !is_absent(errno)) {
                bad++;
                if (failed)
                    note(failed, fsize, "times");
            }
            continue;
        }
        for (size_t i = 0; i < m->n; i++) {
            const struct vol_attr *a = &m->a[i];
            if (a->kind != kind)
                continue;
            int rc = kind == VOL_ATTRIB
                         ? set_attrib(fd, a)
                         : fsetxattr(fd, a->name, a->val, a->len, 0);
            if (rc != 0) {
                bad++;
                if (failed)
                    note(failed, fsize, a->name);
            }
        }
    }
    return bad;
}

int vol_meta_apply(const char *path, const struct vol_meta *m, unsigned what,
                   char *failed, size_t fsize)
{
    return vol_meta_apply_at(AT_FDCWD, path, m, what, failed, fsize);
}

int vol_meta_apply_at(int dirfd, const char *name, const struct vol_meta *m,
                      unsigned what, char *failed, size_t fsize)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
                    O_NONBLOCK);
    if (fd < 0) {
        if (failed && fsize)
            snprintf(failed, fsize, "%s", strerror(errno));
        return 1;
    }
    int bad = vol_meta_apply_fd(fd, m, what, failed, fsize);
    close(fd);
    return bad;
}

/* Sets the security descriptor of M (read from a file) on TO_FD, and
 * frees M; as vol_copy_sd. */
static int copy_sd(struct vol_meta *m, int to_fd)
{
    const struct vol_attr *a = vol_meta_find(m, VOL_SD);
    int rc = 0;
    if (!a)
        rc = 1;                     /* the filesystem has none to give */
    else if (fsetxattr(to_fd, a->name, a->val, a->len, 0) != 0)
        rc = -1;
    int e = errno;
    vol_meta_free(m);
    errno = e;
    return rc;
}

int vol_copy_sd_fd(int from_fd, int to_fd)
{
    struct vol_meta m;
    return vol_meta_read_fd(from_fd, &m) != 0 ? -1 : copy_sd(&m, to_fd);
}

int vol_copy_sd_at(int dirfd, const char *from, int to_fd)
{
    struct vol_meta m;
    return vol_meta_read_at(dirfd, from, &m) != 0 ? -1 : copy_sd(&m, to_fd);
}

int vol_has_ntfs_meta(const char *path)
{
    struct vol_meta m;
    if (vol_meta_read(path, &m) != 0)
        return 0;
    int has = vol_meta_find(&m, VOL_SD) != NULL;
    vol_meta_free(&m);
    return has;
}
