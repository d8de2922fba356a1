/* root_path.c - paths below `--root DIR` resolved inside DIR (root_path.h;
 * the rules in docs/root-paths.md).
 *
 * resolve_dir() is the one lookup of a directory below ROOT: openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV when the
 * kernel has it, else walk(), which does the same one component at a
 * time. A refusal from the kernel is worded by walk() (which link, to
 * what). Everything above it (case-insensitive names, a link at a file's
 * name) is the same code for both. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include "root_path.h"
#include "file_read.h"

/* openat2(2), declared here: <linux/openat2.h> is not everywhere (musl,
 * older headers); the numbers are the kernel's ABI. */
#if defined(__linux__)
#ifndef SYS_openat2
#define SYS_openat2 437         /* the same on every architecture */
#endif
struct rp_open_how {
    uint64_t flags, mode, resolve;
};
#define RP_RESOLVE_NO_XDEV 0x01
#define RP_RESOLVE_NO_MAGICLINKS 0x02
#define RP_RESOLVE_BENEATH 0x08

static int sys_openat2(int dirfd, const char *path, int flags)
{
    struct rp_open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned)flags;
    how.resolve = RP_RESOLVE_BENEATH | RP_RESOLVE_NO_MAGICLINKS |
                  RP_RESOLVE_NO_XDEV;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}
#else
static int sys_openat2(int dirfd, const char *path, int flags)
{
    (void)dirfd;
    (void)path;
    (void)flags;
    errno = ENOSYS;
    return -1;
}
#endif

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)

/* snprintf for messages: a path too long for OUT is cut. */
static void put(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

void rp_shown(const struct rp_root *r, const char *rel, const char *name,
              char *out, size_t size)
{
    put(out, size, "%s%s%s%s%s", r->path, rel && rel[0] ? "/" : "",
             rel ? rel : "", name ? "/" : "", name ? name : "");
}

static void say(struct rp_root *r, const char *rel, const char *name,
                const char *what)
{
    char shown[RP_PATH + 300];
    rp_shown(r, rel, name, shown, sizeof shown);
    put(r->err, sizeof r->err, "%s: %s", shown, what);
}

static void say_link(struct rp_root *r, const char *at, const char *to)
{
    put(r->err, sizeof r->err, "%s: symbolic link to %s leaves the "
             "guest volume; refused", at, to);
}

int rp_root_open(struct rp_root *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof r->path) {
        put(r->err, sizeof r->err, "%.200s...: path too long", path);
        return RP_REFUSED;
    }
    memcpy(r->path, path, n);
    r->path[n] = '\0';
    r->fd = open(path, DIR_FLAGS);
    struct stat st;
    if (r->fd < 0 || fstat(r->fd, &st) != 0) {
        put(r->err, sizeof r->err, "%s: cannot open the folder: %s",
                 r->path, strerror(errno));
        rp_root_close(r);
        return RP_REFUSED;
    }
    r->dev = st.st_dev;
    const char *no = getenv("HIVEKIT_TEST_NO_OPENAT2");
    if (!(no && *no && strcmp(no, "0") != 0)) {
        /* ENOSYS (before 5.6), EPERM/EINVAL (seccomp, old filters): the
         * walk does the same. */
        int fd = sys_openat2(r->fd, ".", DIR_FLAGS);
        if (fd >= 0) {
            r->kernel = 1;
            close(fd);
        }
    }
    return RP_OK;
}

void rp_root_close(struct rp_root *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

/* Walks PATH (exact names) below ROOT as openat2 with RESOLVE_BENEATH,
 * NO_MAGICLINKS and NO_XDEV would: 0 and the directory's descriptor in
 * *OUT, or an errno (EXDEV and ELOOP with r->err worded). LINK_AT/LINK_TO:
 * the link PATH came from (for the message when its ".." climbs out), or
 * NULL. */
static int walk(struct rp_root *r, const char *path, int *out,
                const char *link_at, const char *link_to)
{
    int fds[RP_MAX_DEPTH + 1];
    size_t lens[RP_MAX_DEPTH + 1];
    char where[RP_PATH] = "", rest[2 * RP_PATH], at[RP_PATH + 300] = "",
         to[RP_PATH] = "";
    int n = 0, links = 0, e = 0;
    if (link_at && link_to) {
        snprintf(at, sizeof at, "%s", link_at);
        snprintf(to, sizeof to, "%s", link_to);
    }
    if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
        return ENAMETOOLONG;
    if ((fds[0] = fcntl(r->fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return errno;
    lens[0] = 0;
    n = 1;
    char *p = rest;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, "/");
        char name[256];
        if (len >= sizeof name) {
            e = ENAMETOOLONG;
            break;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (n == 1) {
                e = EXDEV;
                if (at[0])
                    say_link(r, at, to);
                else
                    say(r, path, NULL, "leads above the guest volume; "
                        "refused");
                break;
            }
            close(fds[--n]);
            where[lens[n]] = '\0';
            continue;
        }
        struct stat st;
        if (fstatat(fds[n - 1], name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            e = errno;
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            rp_shown(r, where[0] ? where + 1 : "", name, at, sizeof at);
            if (++links > RP_MAX_LINKS) {
                e = ELOOP;
                put(r->err, sizeof r->err, "%s: more than %d symbolic "
                         "links in one lookup (a loop?); refused", at,
                         RP_MAX_LINKS);
                break;
            }
            ssize_t k = readlinkat(fds[n - 1], name, to, sizeof to - 1);
            if (k < 0 || k >= (ssize_t)sizeof to - 1) {
                e = k < 0 ? errno : ENAMETOOLONG;
                break;
            }
            to[k] = '\0';
            if (to[0] == '/') {
                e = EXDEV;
                say_link(r, at, to);
                break;
            }
            char next[2 * RP_PATH];
            if (snprintf(next, sizeof next, "%s/%s", to, p) >=
                (int)sizeof next) {
                e = ENAMETOOLONG;
                break;
            }
            memcpy(rest, next, strlen(next) + 1);
            p = rest;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            e = ENOTDIR;
            break;
        }
        if (st.st_dev != r->dev) {
            e = EXDEV;
            say(r, where[0] ? where + 1 : "", name, "another filesystem is "
                "mounted there, not the guest volume; refused");
            break;
        }
        if (n > RP_MAX_DEPTH) {
            e = ENAMETOOLONG;
            break;
        }
        int fd = openat(fds[n - 1], name, DIR_FLAGS | O_NOFOLLOW);
        struct stat now;
        if (fd >= 0 && (fstat(fd, &now) != 0 || now.st_dev != st.st_dev ||
                        now.st_ino != st.st_ino)) {
            close(fd);
            fd = -1;
            errno = ELOOP;
        }
        if (fd < 0) {
            if ((errno == ELOOP || errno == ENOTDIR) &&
                ++links <= RP_MAX_LINKS) {
                p -= len;               /* it changed meanwhile: again */
                continue;
            }
            e = errno;
            break;
        }
        lens[n] = strlen(where);
        size_t wl = lens[n];
        snprintf(where + wl, sizeof where - wl, "/%s", name);
        fds[n++] = fd;
    }
    if (e) {
        while (n > 0)
            close(fds[--n]);
        return e;
    }
    *out = fds[n - 1];
    for (int i = 0; i < n - 1; i++)
        close(fds[i]);
    return 0;
}

/* The directory PATH (exact names) below ROOT: 0 and *OUT, or an errno;
 * EXDEV and ELOOP come with r->err worded. */
static int resolve_dir(struct rp_root *r, const char *path, int *out,
                       const char *link_at, const char *link_to)
{
    if (!r->kernel)
        return walk(r, path, out, link_at, link_to);
    int fd = -1;
    for (int tries = 0; tries < 8; tries++) {
        fd = sys_openat2(r->fd, path[0] ? path : ".", DIR_FLAGS);
        if (fd >= 0 || errno != EAGAIN)
            break;
    }
    if (fd >= 0) {
        *out = fd;
        return 0;
    }
    int e = errno;
    if (e == EXDEV || e == ELOOP) {
        /* The walk words it; if it finds no fault (the tree changed
         * meanwhile), the kernel's answer stands. */
        int wfd = -1, we = walk(r, path, &wfd, link_at, link_to);
        if (we == 0)
            close(wfd);
        if (we != EXDEV && we != ELOOP)
            say(r, path, NULL, e == ELOOP ? "too many symbolic links; refused"
                : "leaves the guest volume; refused");
    }
    return e;
}

/* ---- names in any case -------------------------------------------------- */

static int name_ok(const char *name)
{
    return name[0] && strlen(name) < 256 && !strchr(name, '/') &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int rp_lookup(int dirfd, const char *want, char *found, size_t size)
{
    struct stat st;
    if (fstatat(dirfd, want, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        snprintf(found, size, "%s", want);
        return 0;
    }
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d);               /* the offset is shared with DIRFD */
    struct dirent *de;
    int rc = -1;
    while ((de = readdir(d)) != NULL)
        if (strcasecmp(de->d_name, want) == 0) {
            snprintf(found, size, "%s", de->d_name);
            rc = 0;
            break;
        }
    closedir(d);
    if (rc)
        errno = ENOENT;
    return rc;
}

static int join(char *out, size_t size, const char *rel, const char *name)
{
    return snprintf(out, size, "%s%s%s", rel, rel[0] ? "/" : "", name) >=
           (int)size ? -1 : 0;
}

/* The status for errno E of a lookup of REL (r->err worded). */
static int status_of(struct rp_root *r, int e, const char *rel)
{
    if (e == ENOENT)
        return RP_MISSING;
    if (e == ENOTDIR)
        say(r, rel, NULL, "not a folder; refused");
    else if (e != EXDEV && e != ELOOP)
        say(r, rel, NULL, strerror(e));
    return RP_REFUSED;
}

int rp_dir_step(struct rp_root *r, const struct rp_dir *cur,
                const char *name, int create, struct rp_dir *out,
                int *created)
{
    char found[256], rel[RP_PATH];
    out->fd = -1;
    if (created)
        *created = 0;
    if (!name_ok(name)) {
        say(r, cur->rel, name, "not a plain name; refused");
        return RP_REFUSED;
    }
    if (rp_lookup(cur->fd, name, found, sizeof found) != 0) {
        if (errno != ENOENT) {
            say(r, cur->rel, NULL, strerror(errno));
            return RP_REFUSED;
        }
        if (!create)
            return RP_MISSING;
        if (mkdirat(cur->fd, name, 0755) != 0) {
            say(r, cur->rel, name, strerror(errno));
            return RP_REFUSED;
        }
        if (created)
            *created = 1;
        snprintf(found, sizeof found, "%s", name);
    }
    if (join(rel, sizeof rel, cur->rel, found) != 0) {
        say(r, cur->rel, found, "path too long");
        return RP_REFUSED;
    }
    int fd, e = resolve_dir(r, rel, &fd, NULL, NULL);
    if (e == ENOENT && create) {
        /* The name is there but leads nowhere: a link to a missing
         * folder, which mkdirat would not replace. */
        say(r, rel, NULL, "a symbolic link to a missing folder; refused");
        return RP_REFUSED;
    }
    if (e)
        return status_of(r, e, rel);
    out->fd = fd;
    memcpy(out->rel, rel, strlen(rel) + 1);
    return RP_OK;
}

int rp_dir_dup(struct rp_root *r, const struct rp_dir *d, struct rp_dir *out)
{
    out->fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
    if (out->fd < 0) {
        say(r, d->rel, NULL, strerror(errno));
        return RP_REFUSED;
    }
    memcpy(out->rel, d->rel, strlen(d->rel) + 1);
    return RP_OK;
}

void rp_dir_close(struct rp_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

int rp_dir_open(struct rp_root *r, const char *rel, int mkdirs,
                struct rp_dir *out)
{
    struct rp_dir cur = { -1, "" };
    out->fd = -1;
    if ((cur.fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        say(r, "", NULL, strerror(errno));
        return RP_REFUSED;
    }
    const char *p = rel;
    while (*p) {
        size_t n = strcspn(p, "/");
        char name[256];
        if (n == 0 || n >= sizeof name) {
            rp_dir_close(&cur);
            say(r, rel, NULL, "not a plain path; refused");
            return RP_REFUSED;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        struct rp_dir next;
        int rc = rp_dir_step(r, &cur, name, mkdirs, &next, NULL);
        rp_dir_close(&cur);
        if (rc != RP_OK)
            return rc;
        cur = next;
        p += n;
        if (*p == '/')
            p++;
    }
    *out = cur;
    return RP_OK;
}

/* ---- a file's name ------------------------------------------------------- */

int rp_file_find(struct rp_root *r, const struct rp_dir *dir,
                 const char *name, struct rp_file *out)
{
    memset(out, 0, sizeof *out);
    out->dir.fd = -1;
    if (!name_ok(name)) {
        say(r, dir->rel, name, "not a plain name; refused");
        return RP_REFUSED;
    }
    if (rp_dir_dup(r, dir, &out->dir) != RP_OK)
        return RP_REFUSED;
    if (rp_lookup(dir->fd, name, out->name, sizeof out->name) != 0) {
        snprintf(out->name, sizeof out->name, "%s", name);
        return RP_OK;                           /* not there */
    }
    for (int links = 0;; links++) {
        struct stat st;
        if (fstatat(out->dir.fd, out->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return RP_OK;                       /* gone meanwhile */
        if (!S_ISLNK(st.st_mode)) {
            out->exists = 1;
            return RP_OK;
        }
        char at[RP_PATH + 300], to[RP_PATH], rel[2 * RP_PATH];
        rp_shown(r, out->dir.rel, out->name, at, sizeof at);
        if (links >= RP_MAX_LINKS) {
            put(r->err, sizeof r->err, "%s: more than %d symbolic links "
                     "in one lookup (a loop?); refused", at, RP_MAX_LINKS);
            break;
        }
        ssize_t k = readlinkat(out->dir.fd, out->name, to, sizeof to - 1);
        if (k < 0 || k >= (ssize_t)sizeof to - 1) {
            say(r, out->dir.rel, out->name, "cannot read the symbolic link");
            break;
        }
        to[k] = '\0';
        if (to[0] == '/') {
            say_link(r, at, to);
            break;
        }
        /* The link's folder, then its last name. */
        const char *slash = strrchr(to, '/');
        const char *base = slash ? slash + 1 : to;
        if (!name_ok(base)) {
            put(r->err, sizeof r->err, "%s: symbolic link to %s does not "
                     "name a file; refused", at, to);
            break;
        }
        if (snprintf(rel, sizeof rel, "%s%s%.*s", out->dir.rel,
                     out->dir.rel[0] && slash ? "/" : "",
                     slash ? (int)(slash - to) : 0, to) >= RP_PATH) {
            say(r, out->dir.rel, out->name, "path too long");
            break;
        }
        int fd, e = resolve_dir(r, rel, &fd, at, to);
        if (e) {
            if (e == ENOENT || e == ENOTDIR)
                put(r->err, sizeof r->err, "%s: symbolic link to %s: "
                         "its folder is missing; refused", at, to);
            else if (e != EXDEV && e != ELOOP)
                put(r->err, sizeof r->err, "%s: symbolic link to %s: "
                         "%s", at, to, strerror(e));
            break;
        }
        rp_dir_close(&out->dir);
        out->dir.fd = fd;
        memcpy(out->dir.rel, rel, strlen(rel) + 1);
        memcpy(out->name, base, strlen(base) + 1);     /* name_ok: < 256 */
    }
    rp_dir_close(&out->dir);
    return RP_REFUSED;
}

static const char *type_name(mode_t m)
{
    return S_ISFIFO(m) ? "a FIFO (named pipe)" : S_ISCHR(m) ?
           "a character device" : S_ISBLK(m) ? "a block device" :
           S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a folder" :
           "not a regular file";
}

int rp_file_open(struct rp_root *r, const struct rp_file *f, int flags,
                 int *fd)
{
    *fd = -1;
    if (!f->exists)
        return RP_MISSING;
    struct stat st;
    char why[160];
    int d = fr_open(f->dir.fd, f->name, flags | O_NOFOLLOW, 0, &st, why,
                    sizeof why);
    if (d < 0) {
        int e = errno;
        if (e == ENOENT)
            return RP_MISSING;
        char what[96];
        if (st.st_mode && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
            snprintf(what, sizeof what, "%s, not a regular file; refused",
                     type_name(st.st_mode));
        else
            snprintf(what, sizeof what, "%s", e == ELOOP ? "became a "
                     "symbolic link while being opened; refused" :
                     strerror(e));
        say(r, f->dir.rel, f->name, what);
        return RP_REFUSED;
    }
    if (st.st_dev != r->dev) {
        say(r, f->dir.rel, f->name, "on another filesystem than the guest "
            "volume; refused");
        close(d);
        return RP_REFUSED;
    }
    *fd = d;
    return RP_OK;
}
