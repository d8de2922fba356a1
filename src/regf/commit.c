/* commit.c - writing a hive to disk atomically, and new hives.
 *
 * The base block written (docs/format.md §3, §11, §14 item 1):
 * Sequence1 = Sequence2 = the stored Sequence1 + 1 (so the file is clean
 * and newer than anything it replaces), Length = the bins, TimeStamp and
 * the first bin's backup copy of it set to now (stale transaction logs can
 * then never match it again, §12), Type 0, Format 1, Cluster 1, Major 1,
 * Minor kept, checksum with its 0 and 0xFFFFFFFF special cases. Every other
 * byte of the base block is kept as it was.
 *
 * The file is replaced the way a crash cannot half-do: the new image goes
 * to a temporary file in the same directory, which is synced, given the
 * old file's mode (and owner, when permitted), then renamed over the
 * target, and the directory is synced. A new hive (REGF_COMMIT_NEW) is
 * linked into place with linkat(2), which fails if the name exists. Every
 * file is reached through the directory descriptor of its hive (file.c):
 * the names are looked up there, never as path strings again, and the
 * temporary file is locked before it takes the hive's name
 * (docs/locking.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regf_int.h"

/* ---- the I/O seam: H->io when a test set one, else POSIX --------------- */

void regf__hive_set_io(regf_hive *h, const struct regf_io *io)
{
    h->io = io;
}

ssize_t regf__io_pwrite(const regf_hive *h, int fd, const void *p, size_t n,
                        uint64_t off)
{
    if (h->io && h->io->pwrite)
        return h->io->pwrite(h->io->ctx, fd, p, n, off);
    return pwrite(fd, p, n, (off_t)off);
}
int regf__io_ftruncate(const regf_hive *h, int fd, uint64_t len)
{
    if (h->io && h->io->ftruncate)
        return h->io->ftruncate(h->io->ctx, fd, len);
    return ftruncate(fd, (off_t)len);
}
int regf__io_fsync(const regf_hive *h, int fd)
{
    return h->io ? h->io->fsync(h->io->ctx, fd) : fsync(fd);
}
int regf__io_close(const regf_hive *h, int fd)
{
    return h->io ? h->io->close(h->io->ctx, fd) : close(fd);
}

static ssize_t io_write(const regf_hive *h, int fd, const void *p, size_t n)
{
    return h->io ? h->io->write(h->io->ctx, fd, p, n) : write(fd, p, n);
}
static int io_fchmod(const regf_hive *h, int fd, mode_t mode)
{
    return h->io ? h->io->fchmod(h->io->ctx, fd, mode) : fchmod(fd, mode);
}
#define io_fsync regf__io_fsync
#define io_close regf__io_close
static int io_renameat(const regf_hive *h, int fd1, const char *from,
                       int fd2, const char *to)
{
    return h->io ? h->io->renameat(h->io->ctx, fd1, from, fd2, to)
                 : renameat(fd1, from, fd2, to);
}
static int io_linkat(const regf_hive *h, int fd1, const char *from, int fd2,
                     const char *to)
{
    return h->io ? h->io->linkat(h->io->ctx, fd1, from, fd2, to)
                 : linkat(fd1, from, fd2, to, 0);
}
static int io_unlinkat(const regf_hive *h, int dirfd, const char *name)
{
    return h->io ? h->io->unlinkat(h->io->ctx, dirfd, name)
                 : unlinkat(dirfd, name, 0);
}

static int write_all_fd(const regf_hive *h, int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = io_write(h, fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int io_fail(regf_hive *h, const char *what, const char *path)
{
    h->sys_errno = errno;
    return regf__fail(h, REGF_EIO, "%s %s: %s", what, path,
                      strerror(h->sys_errno));
}

/* Copies the hive file, open as SRC, to BASE.bak beside it, replacing
 * that atomically (a temporary file renamed over it). */
static int backup(regf_hive *h, const struct regf_target *t, int src)
{
    char dst[4200], tmp[4300];
    snprintf(dst, sizeof dst, "%s.bak", t->base);
    int out = regf__create_temp(t->dirfd, dst, ".tmp-", tmp, sizeof tmp);
    if (out < 0)
        return io_fail(h, "cannot create the backup of", t->shown);
    uint8_t buf[65536];
    ssize_t n;
    off_t at = 0;
    int rc = 0;
    while ((n = pread(src, buf, sizeof buf, at)) > 0) {
        at += n;
        if (write_all_fd(h, out, buf, (size_t)n) != 0) {
            rc = -1;
            break;
        }
    }
    if (n < 0)
        rc = -1;
    struct stat st;
    if (rc == 0 && fstat(src, &st) == 0)
        fchmod(out, st.st_mode & 07777);
    if (rc == 0)
        rc = io_fsync(h, out);
    if (io_close(h, out) != 0)
        rc = -1;
    if (rc == 0)
        rc = io_renameat(h, t->dirfd, tmp, t->dirfd, dst);
    if (rc != 0) {
        int e = errno;
        io_unlinkat(h, t->dirfd, tmp);
        errno = e;
        return io_fail(h, "cannot write the backup of", t->shown);
    }
    return REGF_OK;
}

/* Where a commit to PATH goes (regf_commit): H's own file when PATH is
 * NULL, its name, or the same file; else the file PATH names (a link
 * there is followed: the file it points to is written), opened and
 * locked here into T->fd (-1 when it does not exist yet). *OWN gets the
 * descriptors T holds that the caller closes; *REAL a resolved path. */
struct own {
    int dirfd, fd;
    char *real;
};

static void own_close(struct own *o)
{
    if (o->fd >= 0)
        close(o->fd);
    regf__close_dir(o->dirfd);
    free(o->real);
}

static int target_open(regf_hive *h, const char *path, unsigned flags,
                       struct regf_target *t, struct stat *st, int *have_old,
                       struct own *o)
{
    o->dirfd = o->fd = -1;
    o->real = NULL;
    *have_old = 0;
    if (h->dirfd >= 0 && (!path || strcmp(path, h->name) == 0)) {
mine:
        if (o->fd >= 0)
            close(o->fd);
        regf__close_dir(o->dirfd);
        o->dirfd = o->fd = -1;
        t->dirfd = h->dirfd;
        t->base = h->base;
        t->shown = h->name;
        t->fd = h->fd_rw ? h->fd : -1;
        if (fstat(h->fd, st) != 0)
            return io_fail(h, "cannot stat", h->name);
        *have_old = 1;
        return REGF_OK;
    }
    if (!path)
        path = h->name;
    t->shown = path;
    struct stat lst;
    if (!(flags & REGF_COMMIT_NEW) && lstat(path, &lst) == 0 &&
        S_ISLNK(lst.st_mode) && !(o->real = realpath(path, NULL)))
        return io_fail(h, "cannot resolve the link", path);
    const char *base;
    o->dirfd = regf__open_parent(o->real ? o->real : path, &base);
    if (o->dirfd == -1)
        return io_fail(h, "cannot open the directory of", path);
    if (!*base)
        return regf__fail(h, REGF_EINVAL, "%s: not a file name", path);
    t->dirfd = o->dirfd;
    t->base = base;
    t->fd = -1;
    if (fstatat(t->dirfd, base, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return REGF_OK;
        return io_fail(h, "cannot stat", path);
    }
    if (flags & REGF_COMMIT_NEW)
        return regf__fail(h, REGF_EEXIST, "%s exists already; not "
                          "overwriting it", path);
    char why[200];
    o->fd = regf__open_file(t->dirfd, base, O_RDWR, 0, 0, st, why, sizeof why);
    if (o->fd < 0) {
        h->sys_errno = errno;
        return regf__fail(h, REGF_EIO, "%s: %s", path, why);
    }
    struct stat mine_st;
    if (h->fd >= 0 && fstat(h->fd, &mine_st) == 0 &&
        mine_st.st_dev == st->st_dev && mine_st.st_ino == st->st_ino)
        goto mine;
    int writes, lk = regf__lock(o->fd, 1, &writes);
    if (lk > 0) {
        regf__busy(h, writes);
        return regf__fail(h, REGF_EBUSY, "%s is being %s by another "
                          "process", path, writes ? "written" : "read");
    }
    if (lk < 0)
        return io_fail(h, "cannot lock", path);
    t->fd = o->fd;
    *have_old = 1;
    return REGF_OK;
}

/* Writes the whole image (base block BB) to a new temporary file beside
 * T's file, locked, with MODE and owner OWNER (NULL: ours), synced. The
 * descriptor goes to *FD, the name to TMP. */
static int write_temp(regf_hive *h, const struct regf_target *t,
                      const uint8_t *bb, const struct stat *owner,
                      char *tmp, size_t tmpn, int *fd)
{
    *fd = regf__create_temp(t->dirfd, t->base, ".hivekit-", tmp, tmpn);
    if (*fd < 0)
        return io_fail(h, "cannot create a temporary file beside", t->shown);
    int writes;
    (void)regf__lock(*fd, 1, &writes);   /* a new name: nobody else has it */
    const char *step = "cannot write";
    int ok = write_all_fd(h, *fd, bb, REGF_BASE_SIZE) == 0 &&
             write_all_fd(h, *fd, h->image + REGF_BASE_SIZE, h->bins_size) == 0;
    if (ok) {
        step = "cannot set the mode of";
        mode_t mode;
        if (owner)
            mode = owner->st_mode & 07777;
        else {
            mode_t mask = umask(0);
            umask(mask);
            mode = 0666 & ~mask;
        }
        ok = io_fchmod(h, *fd, mode) == 0;
        if (ok && owner && (owner->st_uid != geteuid() ||
                            owner->st_gid != getegid()))
            (void)!fchown(*fd, owner->st_uid, owner->st_gid); /* best effort */
    }
    if (ok) {
        step = "cannot sync";
        ok = io_fsync(h, *fd) == 0;
    }
    if (ok)
        return REGF_OK;
    int e = errno;
    io_close(h, *fd);
    *fd = -1;
    io_unlinkat(h, t->dirfd, tmp);
    errno = e;
    return io_fail(h, step, t->shown);
}

int regf_commit(regf_hive *h, const char *path, unsigned flags)
{
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    if (h->info.dirty && !(flags & REGF_COMMIT_DIRTY))
        return regf__fail(h, REGF_EDIRTY, "the hive is dirty (sequence "
                          "numbers %u/%u%s): its transaction logs hold newer "
                          "data that must be replayed before it is edited",
                          h->info.seq1, h->info.seq2,
                          h->info.checksum_ok ? "" : ", bad header checksum");
    struct regf_target t;
    struct stat st;
    struct own o;
    int have_old;
    rc = target_open(h, path, flags, &t, &st, &have_old, &o);
    if (rc != REGF_OK) {
        own_close(&o);
        return rc;
    }
    int mine = t.dirfd == h->dirfd;
    if (have_old && (flags & REGF_COMMIT_NEW)) {
        own_close(&o);
        return regf__fail(h, REGF_EEXIST, "%s exists already; not "
                          "overwriting it", t.shown);
    }

    /* Build the base block in a copy first: the in-memory hive changes
     * only once the file is in place. */
    uint8_t bb[REGF_BASE_SIZE];
    memcpy(bb, h->image, sizeof bb);
    uint32_t seq = rd_le32(bb + BB_SEQ1) + 1;
    uint64_t now = regf__now(h);
    wr_le32(bb + BB_SEQ1, seq);
    wr_le32(bb + BB_SEQ2, seq);
    wr_le64(bb + BB_TIMESTAMP, now);
    wr_le32(bb + BB_MAJOR, 1);
    wr_le32(bb + BB_TYPE, 0);
    wr_le32(bb + BB_FORMAT, 1);
    wr_le32(bb + BB_LENGTH, h->bins_size);
    wr_le32(bb + BB_CLUSTER, 1);
    if (flags & REGF_COMMIT_NEW) {
        /* FileName: the last 31 UTF-16 units of the name (debug only). */
        uint16_t u[256];
        long n = regf__utf8_to_units(t.base, strlen(t.base), u, 256);
        memset(bb + BB_FILENAME, 0, BB_FILENAME_SIZE);
        for (long i = n > 31 ? n - 31 : 0, j = 0; n > 0 && i < n; i++, j++)
            wr_le16(bb + BB_FILENAME + 2 * j, u[i]);
    }
    wr_le32(bb + BB_CHECKSUM, regf__checksum(bb));
    uint8_t bin0_time[8];
    memcpy(bin0_time, h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, 8);
    wr_le64(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, now);

    struct regf_commit_stats cs;
    memset(&cs, 0, sizeof cs);
    int fd = -1;
    char tmp[4300];
    if (have_old && !(flags & (REGF_COMMIT_NEW | REGF_COMMIT_REPLACE))) {
        /* An existing file: journaled, in place (commit_journal.c). */
        if (t.fd < 0)
            rc = regf__fail(h, REGF_EIO, "%s could only be opened "
                            "read-only: cannot write it in place", t.shown);
        else if (!(flags & REGF_COMMIT_BACKUP) ||
                 (rc = backup(h, &t, t.fd)) == REGF_OK)
            rc = regf__commit_journal(h, &t, bb, flags, &cs);
        if (rc == REGF_OK)
            h->last_commit = cs;
        goto done;
    }

    /* A whole new file: a temporary file beside it, renamed (linked, for
     * NEW) into place. */
    cs.bytes_written = REGF_BASE_SIZE + (uint64_t)h->bins_size;
    rc = write_temp(h, &t, bb, have_old ? &st : NULL, tmp, sizeof tmp, &fd);
    if (rc != REGF_OK)
        goto done;
    if (have_old && (flags & REGF_COMMIT_BACKUP)) {
        int src = mine ? h->fd : o.fd;
        if (src < 0 || (rc = backup(h, &t, src)) != REGF_OK) {
            if (src < 0)
                rc = regf__fail(h, REGF_EIO, "%s: cannot read for the "
                                "backup", t.shown);
            goto drop_temp;
        }
    }
    const char *step;
    int ok;
    if (flags & REGF_COMMIT_NEW) {
        step = "cannot create";
        ok = io_linkat(h, t.dirfd, tmp, t.dirfd, t.base) == 0;
        int e = errno;
        io_unlinkat(h, t.dirfd, tmp);
        errno = e;
    } else {
        step = "cannot replace";
        ok = io_renameat(h, t.dirfd, tmp, t.dirfd, t.base) == 0;
    }
    if (!ok) {
        rc = io_fail(h, step, t.shown);
        if (h->sys_errno == EEXIST)
            rc = regf__fail(h, REGF_EEXIST, "%s exists already; not "
                            "overwriting it", t.shown);
        goto drop_temp;
    }
    /* The new file is in place, still locked by FD. Replacing H's own
     * file, H keeps FD (and the lock): a process that waited for the old
     * file's lock finds the name moved on and waits for this one. */
    if (mine && (flags & REGF_COMMIT_REPLACE)) {
        close(h->fd);
        h->fd = fd;
        h->fd_rw = 1;
        fd = -1;
    } else {
        int crc = io_close(h, fd);
        fd = -1;
        if (crc != 0) {
            rc = io_fail(h, "cannot write", t.shown);
            goto done;
        }
    }
    h->last_commit = cs;
    if (regf__sync_dir(h, t.dirfd) != 0)
        rc = io_fail(h, "the new file is in place but syncing the "
                     "directory failed for", t.shown);
    goto placed;

drop_temp:
    if (fd >= 0)
        io_close(h, fd);
    fd = -1;
    {
        int e = errno;
        io_unlinkat(h, t.dirfd, tmp);
        errno = e;
    }
done:
    if (rc != REGF_OK) {
        memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
        own_close(&o);
        return rc;
    }
placed:
    own_close(&o);
    /* The file is in place: the handle now describes it. */
    memcpy(h->image, bb, sizeof bb);
    h->disk_known = 1;
    h->disk_seq1 = h->disk_seq2 = seq;
    h->disk_ts = now;
    h->info.seq1 = h->info.seq2 = seq;
    h->info.timestamp = now;
    h->info.checksum_stored = h->info.checksum_computed = rd_le32(bb + BB_CHECKSUM);
    h->info.checksum_ok = 1;
    h->info.dirty = 0;
    h->info.type = 0;
    h->modified = 0;
    return rc;
}

int regf_commit_stats(const regf_hive *h, struct regf_commit_stats *out)
{
    *out = h->last_commit;
    return REGF_OK;
}

/* ---- new hives ------------------------------------------------------------ */

/* A self-relative security descriptor: owner BUILTIN\Administrators,
 * group SYSTEM, DACL (inherited by subkeys: OI|CI) granting KEY_ALL_ACCESS
 * to SYSTEM and Administrators and KEY_READ to Users. */
static const uint8_t default_sd[] = {
    1, 0, 0x04, 0x80,                       /* rev 1, DACL_PRESENT|SELF_REL */
    0x60, 0, 0, 0,                          /* owner at 96 */
    0x70, 0, 0, 0,                          /* group at 112 */
    0, 0, 0, 0,                             /* no SACL */
    0x14, 0, 0, 0,                          /* DACL at 20 */
    /* ACL: rev 2, size 76, 3 ACEs */
    2, 0, 76, 0, 3, 0, 0, 0,
    /* ACCESS_ALLOWED, OI|CI, 20 bytes, KEY_ALL_ACCESS, S-1-5-18 */
    0, 3, 20, 0, 0x3F, 0, 0x0F, 0,
    1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,
    /* ACCESS_ALLOWED, OI|CI, 24 bytes, KEY_ALL_ACCESS, S-1-5-32-544 */
    0, 3, 24, 0, 0x3F, 0, 0x0F, 0,
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,
    /* ACCESS_ALLOWED, OI|CI, 24 bytes, KEY_READ, S-1-5-32-545 */
    0, 3, 24, 0, 0x19, 0, 0x02, 0,
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0,
    /* owner S-1-5-32-544 */
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,
    /* group S-1-5-18 */
    1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,
};

_Static_assert(sizeof default_sd == 124, "default SD layout");

/* The one bin of a new hive, offsets in the bins data: the root nk, its
 * sk, then one free cell to the end of the bin. */
enum {
    NEW_ROOT = REGF_BIN_HDR,         /* first cell of the bin */
    NEW_ROOT_CELL = 88,              /* 4 + 76 + 4 ("ROOT"), 8-aligned */
    NEW_SK = NEW_ROOT + NEW_ROOT_CELL,                        /* 0x78 */
    NEW_SK_CELL = 152,               /* 4 + 20 + 124 (default_sd), 8-aligned */
    NEW_FREE = NEW_SK + NEW_SK_CELL,
};
_Static_assert((4 + NK_NAME + 4 + 7) / 8 * 8 == NEW_ROOT_CELL, "root cell");
_Static_assert((4 + SK_DESC + sizeof default_sd + 7) / 8 * 8 == NEW_SK_CELL,
               "sk cell");

int regf_create(const char *name, uint32_t minor, regf_hive **out)
{
    *out = NULL;
    if (minor < 3 || minor > 6) {
        regf_hive *h;
        /* A handle only to carry the message. */
        if (regf_open_mem("", 0, name, 0, &h) != REGF_ENOMEM && h) {
            regf__fail(h, REGF_EINVAL, "format version 1.%u cannot be "
                       "created (1.3 to 1.6)", minor);
            *out = h;
        }
        return REGF_EINVAL;
    }
    uint8_t img[REGF_BASE_SIZE + 4096];
    memset(img, 0, sizeof img);
    uint8_t *bb = img, *bin = img + REGF_BASE_SIZE;
    uint64_t now = 0;
    {
        regf_hive tmp;
        memset(&tmp, 0, sizeof tmp);
        now = regf__now(&tmp);
    }
    memcpy(bb, "regf", 4);
    wr_le64(bb + BB_TIMESTAMP, now);
    wr_le32(bb + BB_MAJOR, 1);
    wr_le32(bb + BB_MINOR, minor);
    wr_le32(bb + BB_FORMAT, 1);
    wr_le32(bb + BB_ROOT, NEW_ROOT);
    wr_le32(bb + BB_LENGTH, 4096);
    wr_le32(bb + BB_CLUSTER, 1);
    wr_le32(bb + BB_CHECKSUM, regf__checksum(bb));

    memcpy(bin, "hbin", 4);
    wr_le32(bin + HBIN_SIZE, 4096);
    wr_le64(bin + HBIN_TIMESTAMP, now);
    /* Root nk: 76 + 4 ("ROOT") bytes. */
    uint8_t *nk = bin + NEW_ROOT;
    wr_le32(nk, 0u - NEW_ROOT_CELL);
    nk += 4;
    memcpy(nk, "nk", 2);
    wr_le16(nk + NK_FLAGS, 0x2C);           /* HIVE_ENTRY|NO_DELETE|COMP */
    wr_le64(nk + NK_LASTWRITE, now);
    wr_le32(nk + NK_PARENT, 0);
    wr_le32(nk + NK_SUBKEYS, REGF_NIL);
    wr_le32(nk + NK_VSUBKEYS, REGF_NIL);
    wr_le32(nk + NK_VALUES, REGF_NIL);
    wr_le32(nk + NK_SECURITY, NEW_SK);
    wr_le32(nk + NK_CLASS, REGF_NIL);
    wr_le16(nk + NK_NAMELEN, 4);
    memcpy(nk + NK_NAME, "ROOT", 4);
    /* sk: 20 + 124 bytes. */
    uint8_t *sk = bin + NEW_SK;
    wr_le32(sk, 0u - NEW_SK_CELL);
    sk += 4;
    memcpy(sk, "sk", 2);
    wr_le32(sk + SK_FLINK, NEW_SK);
    wr_le32(sk + SK_BLINK, NEW_SK);
    wr_le32(sk + SK_REFCOUNT, 1);
    wr_le32(sk + SK_DESCLEN, sizeof default_sd);
    memcpy(sk + SK_DESC, default_sd, sizeof default_sd);
    /* The rest of the bin is one free cell. */
    wr_le32(bin + NEW_FREE, 4096 - NEW_FREE);

    int rc = regf_open_mem(img, sizeof img, name, REGF_OPEN_WRITE, out);
    if (rc == REGF_OK) {
        (*out)->modified = 1;
        (*out)->created = 1;
    }
    return rc;
}
