/* commit_journal.c - the default commit of an existing hive: a journaled
 * write in place, the protocol Windows itself uses (docs/format.md §11,
 * §12). The file is never replaced, so everything that makes it the
 * guest's file stays: inode, NTFS security descriptor, attributes, times,
 * alternate data streams and hard links.
 *
 *   1. the changed 4 KiB pages (and the pages of grown bins) go to the
 *      hive's transaction log as one log entry, in the format that guest's
 *      Windows replays; fsync;
 *   2. the primary's base block is marked dirty: Sequence1 = n+1,
 *      Sequence2 = n, the new Length (the old-format replay sizes its
 *      bitmap by it) and TimeStamp, which the log carries too; fsync;
 *   3. the pages are written in place (the file grows if the bins did);
 *      fsync;
 *   4. the final base block: Sequence2 = n+1, Length, checksum; fsync.
 * Then the logs beside the hive are emptied (a clean primary ignores them
 * anyway). Stopped at any point, the file is either the old hive (before
 * 2) or a dirty hive whose log replays into exactly the new one (after 2):
 * `hivekit recover` and Windows at boot do that replay.
 *
 * A hive that is dirty on disk (its logs were replayed into the handle by
 * regf_recover) is first brought to its recovered state in place: the
 * pages the logs change are written over the still-dirty primary, whose
 * logs keep replaying to that same state, and the base block is then made
 * clean. The edit is committed over that state by steps 1-4.
 *
 * Which log format (the rule, also in docs/format.md §12):
 *   - the format of the newest log beside the hive with a sound base block
 *     (what this Windows writes);
 *   - otherwise the new format (HvLE) when the base block has a
 *     LastReorganizeTime (Windows 8 and later set it);
 *   - otherwise the old format (DIRT), which every Windows version replays.
 * The log file: an existing HIVE.LOG1 (any case), else an existing
 * HIVE.LOG, else a new HIVE.LOG1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regf_int.h"

#define J_PAGE 4096u

static int jfail(regf_hive *h, const char *what, const char *path)
{
    h->sys_errno = errno;
    return regf__fail(h, REGF_EIO, "%s %s: %s", what, path,
                      strerror(h->sys_errno));
}

static int pwrite_all(regf_hive *h, int fd, const uint8_t *p, size_t n,
                      uint64_t off)
{
    while (n > 0) {
        ssize_t w = regf__io_pwrite(h, fd, p, n, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Reads the first SIZE bytes of FD into a new buffer. */
static uint8_t *read_whole(int fd, uint64_t size)
{
    if (size > (uint64_t)SIZE_MAX - 1)
        return NULL;
    uint8_t *p = malloc((size_t)size + 1);
    if (!p)
        return NULL;
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, p + got, (size_t)size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(p);
            return NULL;
        }
        got += (size_t)r;
    }
    return p;
}

/* The pages of bins IMG (LEN bytes) that differ from the file's DISK
 * (DLEN bytes, base block included): 1 per dirty page. */
static uint8_t *dirty_pages(const uint8_t *img, uint32_t len,
                            const uint8_t *disk, uint64_t dlen, uint32_t *n)
{
    uint32_t np = len / J_PAGE;
    uint8_t *d = calloc(np ? np : 1, 1);
    if (!d)
        return NULL;
    *n = 0;
    for (uint32_t i = 0; i < np; i++) {
        uint64_t at = REGF_BASE_SIZE + (uint64_t)i * J_PAGE;
        if (at + J_PAGE > dlen ||
            memcmp(img + (size_t)i * J_PAGE, disk + at, J_PAGE) != 0) {
            d[i] = 1;
            (*n)++;
        }
    }
    return d;
}

/* Writes the dirty pages of BINS in place, run by run. */
static int write_pages(regf_hive *h, int fd, const uint8_t *bins,
                       uint32_t len, const uint8_t *dirty)
{
    uint32_t np = len / J_PAGE;
    for (uint32_t i = 0; i < np;) {
        if (!dirty[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < np && dirty[j])
            j++;
        if (pwrite_all(h, fd, bins + (size_t)i * J_PAGE,
                       (size_t)(j - i) * J_PAGE,
                       REGF_BASE_SIZE + (uint64_t)i * J_PAGE) != 0)
            return -1;
        i = j;
    }
    return 0;
}

/* ---- the log file and its format ------------------------------------------ */

/* Decides the log format and the log file for the hive T whose base
 * block is BB. LOG receives the log's name in T's directory (room: 4200),
 * SHOWN its name in messages. */
static int choose_log(const struct regf_target *t, const char *shown_dir,
                      const uint8_t *bb, int *old_format, char *log,
                      char *shown, size_t logn)
{
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    if (regf__find_logs(t->dirfd, t->base, shown_dir, logs, REGF_MAX_LOGS,
                        &n) != REGF_OK)
        n = 0;
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (logs[i].header_ok && (logs[i].type == 1 || logs[i].type == 2 ||
                                  logs[i].type == 6) &&
            (best < 0 || logs[i].seq1 - logs[best].seq1 < 0x80000000u))
            best = (int)i;
    if (best >= 0)
        *old_format = logs[best].type != 6;
    else
        *old_format = rd_le64(bb + BB_REORG) == 0;
    /* LOG1, then LOG, else a new LOG1. */
    const char *pick = NULL;
    for (int want = 0; want < 2 && !pick; want++)
        for (size_t i = 0; i < n && !pick; i++) {
            size_t len = strlen(logs[i].path);
            if (len >= 5 && strcasecmp(logs[i].path + len - (want ? 4 : 5),
                                       want ? ".LOG" : ".LOG1") == 0)
                pick = logs[i].path;
        }
    int w;
    if (pick) {
        const char *slash = strrchr(pick, '/');
        w = snprintf(log, logn, "%s", slash ? slash + 1 : pick);
        snprintf(shown, logn, "%s", pick);
    } else {
        w = snprintf(log, logn, "%s.LOG1", t->base);
        snprintf(shown, logn, "%s%s.LOG1", shown_dir, t->base);
    }
    return w < 0 || (size_t)w >= logn ? -1 : 0;
}

/* Writes LOG (LEN bytes) as the whole content of the file NAME in
 * DIRFD (SHOWN in messages), in place when it exists, and syncs it. A
 * new log is created with O_EXCL; a link, FIFO or device of that name is
 * refused, never followed or waited on. */
static int write_log(regf_hive *h, int dirfd, const char *name,
                     const char *shown, const uint8_t *log, size_t len,
                     mode_t mode, int *created)
{
    char why[200];
    struct stat st;
    *created = 0;
    int fd = regf__open_file(dirfd, name, O_WRONLY, 0, 0, &st, why,
                             sizeof why);
    if (fd < 0 && errno == ENOENT) {
        fd = regf__open_file(dirfd, name, O_WRONLY | O_CREAT | O_EXCL, mode,
                             0, &st, why, sizeof why);
        *created = fd >= 0;
    }
    if (fd < 0) {
        h->sys_errno = errno;
        return regf__fail(h, REGF_EIO, "the transaction log %s: %s", shown,
                          why);
    }
    int ok = pwrite_all(h, fd, log, len, 0) == 0 &&
             regf__io_ftruncate(h, fd, (uint64_t)len) == 0 &&
             regf__io_fsync(h, fd) == 0;
    int e = errno;
    if (regf__io_close(h, fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok && *created)
        (void)unlinkat(dirfd, name, 0);   /* nothing depends on it yet */
    errno = e;
    return ok ? REGF_OK : jfail(h, "cannot write the transaction log",
                                shown);
}

/* Empties every log beside the hive T (in place). Failures do not
 * matter: a clean primary ignores its logs. */
static void empty_logs(const struct regf_target *t)
{
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    if (regf__find_log_paths(t->dirfd, t->base, "", logs, REGF_MAX_LOGS,
                             &n) != REGF_OK)
        return;
    for (size_t i = 0; i < n && i < REGF_MAX_LOGS; i++) {
        if (logs[i].size == 0)
            continue;
        char why[200];
        struct stat st;
        int fd = regf__open_file(t->dirfd, logs[i].path, O_WRONLY, 0, 0, &st,
                                 why, sizeof why);
        if (fd < 0)
            continue;
        /* After the commit: not through the I/O seam, as nothing can fail
         * any more. */
        (void)!ftruncate(fd, 0);
        close(fd);
    }
}

/* ---- a dirty primary: its recovered state first ---------------------------- */

/* The image the logs of the dirty file DISK (DLEN bytes) replay to, with
 * the logs H was recovered from; NULL with H's message on failure. */
static regf_hive *recovered_state(regf_hive *h, const char *path,
                                  const uint8_t *disk, uint64_t dlen)
{
    const char *paths[REGF_MAX_LOGS];
    size_t n = 0;
    for (size_t i = 0; i < h->recovery->nlogs && i < REGF_MAX_LOGS; i++)
        if (h->recovery->logs[i].verdict == REGF_LOG_APPLIED)
            paths[n++] = h->recovery->logs[i].path;
    regf_hive *r = NULL;
    int rc = regf_open_mem(disk, (size_t)dlen, path, REGF_OPEN_WRITE, &r);
    if (rc == REGF_OK || rc == REGF_EDIRTY)
        rc = regf__recover(r, h->rec_at_dir ? h->dirfd : AT_FDCWD, paths, n,
                           NULL);
    if (rc != REGF_OK) {
        regf__fail(h, rc == REGF_ENOMEM ? REGF_ENOMEM : REGF_EIO,
                   "the logs no longer replay as when the hive was opened "
                   "(%s): not written", r ? regf_errmsg(r) : "out of memory");
        regf_close(r);
        return NULL;
    }
    return r;
}

/* Writes the recovered state R in place over the dirty file: its pages
 * (the primary stays dirty and its logs valid meanwhile), then its clean
 * base block. On return *DISK holds the new file content. */
static int settle_dirty(regf_hive *h, int fd, const char *path,
                        uint8_t **disk, uint64_t *dlen)
{
    regf_hive *r = recovered_state(h, path, *disk, *dlen);
    if (!r)
        return REGF_EIO;
    uint32_t nd = 0, len = r->bins_size;
    uint8_t *d = dirty_pages(r->image + REGF_BASE_SIZE, len, *disk, *dlen, &nd);
    int rc = REGF_OK;
    if (!d) {
        rc = regf__fail(h, REGF_ENOMEM, "out of memory");
    } else if (write_pages(h, fd, r->image + REGF_BASE_SIZE, len, d) != 0 ||
               regf__io_fsync(h, fd) != 0 ||
               pwrite_all(h, fd, r->image, REGF_BASE_SIZE, 0) != 0 ||
               regf__io_fsync(h, fd) != 0) {
        rc = jfail(h, "cannot write the recovered hive in place:", path);
    }
    if (rc == REGF_OK) {
        /* The file now holds R: reread it, it is the base of the edit. */
        struct stat st;
        uint8_t *again = NULL;
        uint64_t n = REGF_BASE_SIZE + (uint64_t)(len > h->bins_size ? len : h->bins_size);
        if (fstat(fd, &st) == 0) {
            if ((uint64_t)st.st_size < n)
                n = (uint64_t)st.st_size;
            again = read_whole(fd, n);
        }
        if (!again) {
            rc = jfail(h, "cannot read back", path);
        } else {
            free(*disk);
            *disk = again;
            *dlen = n;
        }
    }
    free(d);
    regf_close(r);
    return rc;
}

/* ---- the commit ------------------------------------------------------------ */

int regf__commit_journal(regf_hive *h, const struct regf_target *t,
                         uint8_t *bb, unsigned flags,
                         struct regf_commit_stats *stats)
{
    (void)flags;
    const char *path = t->shown;
    int fd = t->fd;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return jfail(h, "cannot stat", path);
    /* Messages name the logs beside PATH as PATH does. */
    char shown_dir[4200] = "";
    const char *slash = strrchr(path, '/');
    if (slash && (size_t)(slash - path) + 1 < sizeof shown_dir)
        snprintf(shown_dir, sizeof shown_dir, "%.*s", (int)(slash - path + 1),
                 path);
    /* The part of the file the hive covers: the base block and the larger
     * of the old and the new bins (a file may hold slack after them, which
     * stays as it is). */
    uint64_t dlen = (uint64_t)st.st_size, want = REGF_BASE_SIZE + (uint64_t)h->bins_size;
    uint8_t head[REGF_BASE_SIZE];
    if (dlen >= REGF_BASE_SIZE && pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
        REGF_BASE_SIZE + (uint64_t)rd_le32(head + BB_LENGTH) > want &&
        rd_le32(head + BB_LENGTH) <= REGF_MAX_WRITE_BINS)
        want = REGF_BASE_SIZE + (uint64_t)rd_le32(head + BB_LENGTH);
    if (dlen > want)
        dlen = want;
    uint8_t *disk = dlen >= REGF_BASE_SIZE ? read_whole(fd, dlen) : NULL;
    if (!disk) {
        return dlen < REGF_BASE_SIZE
               ? regf__fail(h, REGF_EIO, "%s holds no base block (%llu "
                            "bytes): not written in place", path,
                            (unsigned long long)dlen)
               : jfail(h, "cannot read", path);
    }
    int rc = REGF_OK;
    char logpath[4200], logshown[4200];
    uint8_t *log = NULL, *dirty = NULL;
    size_t loglen = 0;
    const char *step = NULL;

    /* Written by someone else since it was opened? Then our edit would
     * silently drop theirs. */
    if (h->disk_known &&
        (rd_le32(disk + BB_SEQ1) != h->disk_seq1 ||
         rd_le32(disk + BB_SEQ2) != h->disk_seq2 ||
         rd_le64(disk + BB_TIMESTAMP) != h->disk_ts)) {
        rc = regf__fail(h, REGF_EIO, "%s changed on disk since it was "
                        "opened (sequence %u/%u, was %u/%u): not written, "
                        "so that the other change is not lost", path,
                        rd_le32(disk + BB_SEQ1), rd_le32(disk + BB_SEQ2),
                        h->disk_seq1, h->disk_seq2);
        goto out;
    }
    int disk_dirty = memcmp(disk, "regf", 4) != 0 ||
                     rd_le32(disk + BB_SEQ1) != rd_le32(disk + BB_SEQ2) ||
                     regf__checksum(disk) != rd_le32(disk + BB_CHECKSUM);
    if (disk_dirty && h->recovery && h->recovery->state == REGF_RECOVERY_DONE &&
        (rc = settle_dirty(h, fd, path, &disk, &dlen)) != REGF_OK)
        goto out;

    /* The TimeStamp is the commit's (Windows 8.1 and later keep theirs
     * unchanged and tell log generations apart by sequence number): a log
     * of an earlier generation has a base sequence number below the dirty
     * primary's Sequence2, or holds pages the primary already has, so it
     * can never change what the new log replays to. */
    uint32_t seq = rd_le32(bb + BB_SEQ1), len = h->bins_size, ndirty = 0;
    const uint8_t *bins = h->image + REGF_BASE_SIZE;
    dirty = dirty_pages(bins, len, disk, dlen, &ndirty);
    int old_format = 0;
    if (!dirty || choose_log(t, shown_dir, bb, &old_format, logpath, logshown,
                             sizeof logpath) != 0) {
        rc = regf__fail(h, REGF_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = regf__log_build(old_format, bb, bins, len, dirty, seq, &log,
                              &loglen)) != REGF_OK) {
        regf__fail(h, rc, "out of memory");
        goto out;
    }

    /* 1. the log */
    int created = 0;
    if ((rc = write_log(h, t->dirfd, logpath, logshown, log, loglen,
                        st.st_mode & 0666, &created)) != REGF_OK)
        goto out;
    /* 2. the primary marked dirty, with the new TimeStamp */
    uint8_t mark[REGF_BASE_SIZE];
    memcpy(mark, bb, sizeof mark);
    wr_le32(mark + BB_SEQ2, seq - 1);
    wr_le32(mark + BB_CHECKSUM, regf__checksum(mark));
    step = "cannot mark dirty";
    if (pwrite_all(h, fd, mark, sizeof mark, 0) != 0 || regf__io_fsync(h, fd) != 0)
        goto io;
    /* 3. the pages in place */
    step = "cannot write in place";
    if (write_pages(h, fd, bins, len, dirty) != 0 || regf__io_fsync(h, fd) != 0)
        goto io;
    /* 4. the final base block */
    step = "cannot write the base block of";
    if (pwrite_all(h, fd, bb, REGF_BASE_SIZE, 0) != 0 || regf__io_fsync(h, fd) != 0)
        goto io;
    if (stats) {
        stats->in_place = 1;
        stats->old_format_log = old_format;
        stats->pages = ndirty;
        stats->log_bytes = loglen;
        stats->bytes_written = loglen + 2u * REGF_BASE_SIZE +
                               (uint64_t)ndirty * J_PAGE;
        snprintf(stats->log_path, sizeof stats->log_path, "%s", logshown);
    }
    /* The logs: emptied, and the one this commit made removed again
     * (Windows creates its own). */
    empty_logs(t);
    if (created)
        (void)unlinkat(t->dirfd, logpath, 0);
    goto out;
io:
    rc = jfail(h, step, path);
    if (rc == REGF_EIO)
        regf__fail(h, REGF_EIO, "%s %s: %s (the hive is left dirty; its "
                   "log %s holds the change: `hivekit recover` or Windows "
                   "at boot completes it)", step, path,
                   strerror(h->sys_errno), logshown);
out:
    free(log);
    free(dirty);
    free(disk);
    return rc;
}
