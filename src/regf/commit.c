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
 * linked into place with link(2), which fails if the name exists. */
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
static int io_rename(const regf_hive *h, const char *from, const char *to)
{
    return h->io ? h->io->rename(h->io->ctx, from, to) : rename(from, to);
}
static int io_link(const regf_hive *h, const char *from, const char *to)
{
    return h->io ? h->io->link(h->io->ctx, from, to) : link(from, to);
}
static int io_unlink(const regf_hive *h, const char *path)
{
    return h->io ? h->io->unlink(h->io->ctx, path) : unlink(path);
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

static int sync_dir(const regf_hive *h, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = io_fsync(h, fd);
    int e = errno;
    close(fd);
    /* Some filesystems (e.g. FUSE mounts) refuse fsync on a directory. */
    errno = e;
    return rc == 0 || e == EINVAL || e == ENOTSUP ? 0 : -1;
}

static int io_fail(regf_hive *h, const char *what, const char *path)
{
    h->sys_errno = errno;
    return regf__fail(h, REGF_EIO, "%s %s: %s", what, path,
                      strerror(h->sys_errno));
}

/* Copies the file at SRC to DST (the backup), replacing DST atomically. */
static int backup(regf_hive *h, const char *src)
{
    char dst[4200], tmp[4300];
    snprintf(dst, sizeof dst, "%s.bak", src);
    snprintf(tmp, sizeof tmp, "%s.bak.tmp-XXXXXX", src);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return io_fail(h, "cannot read for the backup", src);
    int out = mkstemp(tmp);
    if (out < 0) {
        close(in);
        return io_fail(h, "cannot create the backup", dst);
    }
    uint8_t buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write_all_fd(h, out, buf, (size_t)n) != 0) {
            rc = -1;
            break;
        }
    if (n < 0)
        rc = -1;
    struct stat st;
    if (rc == 0 && fstat(in, &st) == 0)
        fchmod(out, st.st_mode & 07777);
    if (rc == 0)
        rc = io_fsync(h, out);
    close(in);
    if (io_close(h, out) != 0)
        rc = -1;
    if (rc == 0)
        rc = io_rename(h, tmp, dst);
    if (rc != 0) {
        int e = errno;
        io_unlink(h, tmp);
        errno = e;
        return io_fail(h, "cannot write the backup", dst);
    }
    return REGF_OK;
}

int regf_commit(regf_hive *h, const char *path, unsigned flags)
{
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    if (!path)
        path = h->name;
    /* Through a symbolic link, the file it points to is replaced (renaming
     * over the link itself would turn it into a regular file). */
    char *resolved = NULL;
    struct stat lst;
    if (!(flags & REGF_COMMIT_NEW) && lstat(path, &lst) == 0 &&
        S_ISLNK(lst.st_mode)) {
        resolved = realpath(path, NULL);
        if (!resolved)
            return io_fail(h, "cannot resolve the link", path);
        rc = regf_commit(h, resolved, flags);
        free(resolved);
        return rc;
    }
    if (h->info.dirty && !(flags & REGF_COMMIT_DIRTY))
        return regf__fail(h, REGF_EDIRTY, "the hive is dirty (sequence "
                          "numbers %u/%u%s): its transaction logs hold newer "
                          "data that must be replayed before it is edited",
                          h->info.seq1, h->info.seq2,
                          h->info.checksum_ok ? "" : ", bad header checksum");

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
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        uint16_t u[256];
        long n = regf__utf8_to_units(base, strlen(base), u, 256);
        memset(bb + BB_FILENAME, 0, BB_FILENAME_SIZE);
        for (long i = n > 31 ? n - 31 : 0, j = 0; n > 0 && i < n; i++, j++)
            wr_le16(bb + BB_FILENAME + 2 * j, u[i]);
    }
    wr_le32(bb + BB_CHECKSUM, regf__checksum(bb));
    uint8_t bin0_time[8];
    memcpy(bin0_time, h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, 8);
    wr_le64(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, now);

    struct stat st;
    int have_old = stat(path, &st) == 0;
    if (have_old && (flags & REGF_COMMIT_NEW)) {
        memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
        return regf__fail(h, REGF_EEXIST, "%s exists already; not "
                          "overwriting it", path);
    }
    if (have_old && !S_ISREG(st.st_mode)) {
        memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
        return regf__fail(h, REGF_EIO, "%s is not a regular file", path);
    }

    /* An existing file: journaled, in place (commit_journal.c). */
    struct regf_commit_stats cs;
    memset(&cs, 0, sizeof cs);
    if (have_old && !(flags & (REGF_COMMIT_NEW | REGF_COMMIT_REPLACE))) {
        if ((flags & REGF_COMMIT_BACKUP) && (rc = backup(h, path)) != REGF_OK) {
            memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
            return rc;
        }
        rc = regf__commit_journal(h, path, bb, flags, &cs);
        if (rc != REGF_OK) {
            memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
            return rc;
        }
        h->last_commit = cs;
        goto placed;
    }
    cs.bytes_written = REGF_BASE_SIZE + (uint64_t)h->bins_size;

    char *tmp = malloc(strlen(path) + 24);
    if (!tmp) {
        memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    }
    sprintf(tmp, "%s.hivekit-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = io_fail(h, "cannot create a temporary file beside", path);
        memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
        free(tmp);
        return rc;
    }
    const char *step = "cannot write";
    int ok = write_all_fd(h, fd, bb, sizeof bb) == 0 &&
             write_all_fd(h, fd, h->image + REGF_BASE_SIZE, h->bins_size) == 0;
    if (ok) {
        step = "cannot set the mode of";
        mode_t mode = 0644;
        if (have_old)
            mode = st.st_mode & 07777;
        else {
            mode_t mask = umask(0);
            umask(mask);
            mode = 0666 & ~mask;
        }
        ok = io_fchmod(h, fd, mode) == 0;
        if (ok && have_old && (st.st_uid != geteuid() || st.st_gid != getegid()))
            (void)!fchown(fd, st.st_uid, st.st_gid);  /* best effort */
    }
    if (ok) {
        step = "cannot sync";
        ok = io_fsync(h, fd) == 0;
    }
    if (io_close(h, fd) != 0 && ok) {
        step = "cannot write";
        ok = 0;
    }
    if (ok && have_old && (flags & REGF_COMMIT_BACKUP)) {
        if ((rc = backup(h, path)) != REGF_OK) {
            io_unlink(h, tmp);
            free(tmp);
            memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
            return rc;
        }
    }
    if (ok) {
        if (flags & REGF_COMMIT_NEW) {
            step = "cannot create";
            ok = io_link(h, tmp, path) == 0;
            int e = errno;
            io_unlink(h, tmp);
            errno = e;
        } else {
            step = "cannot replace";
            ok = io_rename(h, tmp, path) == 0;
        }
    }
    if (!ok) {
        int e = errno;
        io_unlink(h, tmp);
        errno = e;
        rc = io_fail(h, step, path);
        if (h->sys_errno == EEXIST)
            rc = regf__fail(h, REGF_EEXIST, "%s exists already; not "
                            "overwriting it", path);
        memcpy(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, bin0_time, 8);
        free(tmp);
        return rc;
    }
    free(tmp);
    h->last_commit = cs;
    if (sync_dir(h, path) != 0)
        rc = io_fail(h, "the new file is in place but syncing the "
                     "directory failed for", path);
placed:
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
