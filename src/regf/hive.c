/* hive.c - opening a hive: reading the file, checking the base block and
 * scanning every bin and cell once.
 *
 * Base block (docs/format.md §3): "regf", Sequence1, Sequence2, TimeStamp,
 * Major 1, Minor 2..6, Type 0, Format 1, RootCell, Length (bytes of hive
 * bins data, a multiple of 4096), ..., CheckSum at 508 = XOR of the 127
 * dwords before it with 0 -> 1 and 0xFFFFFFFF -> 0xFFFFFFFE.
 *
 * The scan checks what Windows checks in HvCheckBin (§5, §6): bins are
 * contiguous from offset 0, each "hbin" header names its own offset, sizes
 * are multiples of 4096, cells tile each bin exactly with sizes that are
 * non-zero multiples of 8. Every allocated cell start is recorded in a
 * bitmap so that later a cell offset read from a record can be trusted only
 * if it names a real allocated cell. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regf_int.h"

uint32_t regf__checksum(const uint8_t *bb)
{
    uint32_t c = 0;
    for (unsigned i = 0; i < BB_CHECKSUM; i += 4)
        c ^= rd_le32(bb + i);
    if (c == 0xFFFFFFFFu)
        c = 0xFFFFFFFEu;
    if (c == 0)
        c = 1;
    return c;
}

static regf_hive *hive_new(const char *name)
{
    regf_hive *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->name = strdup(name ? name : "(memory)");
    if (!h->name) {
        free(h);
        return NULL;
    }
    h->dirfd = h->fd = -1;
    return h;
}

void regf_close(regf_hive *h)
{
    if (!h)
        return;
    if (h->map_len)
        munmap(h->image, h->map_len);
    else
        free(h->image);
    regf__alloc_free(h);
    regf__vcache_drop(h);
    free(h->cellmap);
    free(h->recovery);
    if (h->fd >= 0)
        close(h->fd);          /* and with it the lock */
    regf__close_dir(h->dirfd);
    free(h->base);
    free(h->name);
    free(h);
}

int regf__bin_header_ok(const uint8_t *bins, uint64_t limit, uint32_t off,
                        uint32_t *size)
{
    if ((uint64_t)off + REGF_BIN_HDR > limit)
        return 0;
    const uint8_t *b = bins + off;
    uint32_t sz = rd_le32(b + HBIN_SIZE);
    if (memcmp(b, "hbin", 4) != 0 || rd_le32(b + HBIN_OFFSET) != off ||
        sz < 4096 || sz % 4096 != 0 || (uint64_t)off + sz > limit)
        return 0;
    *size = sz;
    return 1;
}

/* With a damaged header the Length field cannot be trusted; like Windows'
 * recovery code, take the bins that are really there. */
static uint32_t effective_bins_size(const uint8_t *bins, uint64_t avail)
{
    uint64_t limit = avail < REGF_MAX_BINS_SIZE ? avail : REGF_MAX_BINS_SIZE;
    uint32_t off = 0, sz;
    while (regf__bin_header_ok(bins, limit, off, &sz))
        off += sz;
    return off;
}

static int scan_bins(regf_hive *h)
{
    const uint8_t *bins = h->bins;
    uint32_t end = h->bins_size, off = 0;
    size_t map_len = ((size_t)end / 8 + 7) / 8;

    h->cellmap = calloc(map_len ? map_len : 1, 1);
    if (!h->cellmap)
        return regf__fail(h, REGF_ENOMEM, "out of memory for the cell map");
    while (off < end) {
        uint32_t bsize;
        if (!regf__bin_header_ok(bins, end, off, &bsize)) {
            const uint8_t *b = bins + off;
            if ((uint64_t)off + REGF_BIN_HDR > end)
                return regf__fail(h, REGF_ECORRUPT,
                    "corrupt hive: hbin at 0x%x (file offset 0x%x): header "
                    "runs past the end of the hive bins (0x%x bytes)",
                    off, off + REGF_BASE_SIZE, end);
            if (memcmp(b, "hbin", 4) != 0)
                return regf__fail(h, REGF_ECORRUPT,
                    "corrupt hive: hbin at 0x%x (file offset 0x%x): no "
                    "'hbin' signature", off, off + REGF_BASE_SIZE);
            return regf__fail(h, REGF_ECORRUPT,
                "corrupt hive: hbin at 0x%x (file offset 0x%x): bad header "
                "(offset field 0x%x, size 0x%x; hive bins end at 0x%x)",
                off, off + REGF_BASE_SIZE, rd_le32(b + HBIN_OFFSET),
                rd_le32(b + HBIN_SIZE), end);
        }
        uint32_t pos = off + REGF_BIN_HDR, bend = off + bsize;
        while (pos < bend) {
            if (bend - pos < 4)
                return regf__corrupt(h, pos, "cell header crosses the end of "
                                     "the bin at 0x%x", off);
            uint32_t raw = rd_le32(bins + pos);
            int used = (raw & 0x80000000u) != 0;
            uint32_t size = used ? (uint32_t)(0u - raw) : raw;
            if (size == 0 || size % 8 != 0)
                return regf__corrupt(h, pos, "cell size %u is not a positive "
                                     "multiple of 8 (bin at 0x%x)", size, off);
            if (size > bend - pos)
                return regf__corrupt(h, pos, "cell of %u bytes runs past the "
                                     "end of its bin (0x%x..0x%x)", size, off,
                                     bend);
            if (used) {
                h->cellmap[pos / 64] |= (uint8_t)(1u << (pos / 8 % 8));
                h->info.used_bytes += size;
            } else {
                h->info.free_bytes += size;
            }
            pos += size;
        }
        h->info.nbins++;
        off = bend;
    }
    return REGF_OK;
}

static void read_file_name(const uint8_t *bb, char *out, size_t size)
{
    uint32_t n = 0;
    while (n < BB_FILENAME_SIZE / 2 &&
           rd_le16(bb + BB_FILENAME + 2 * n) != 0)
        n++;
    struct regf_name nm = { bb + BB_FILENAME, 2 * n, 0 };
    regf__name_copy(&nm, out, size, NULL);
}

/* Checks the base block and bins of h->image. */
static int load_image(regf_hive *h)
{
    const uint8_t *bb = h->image;
    struct regf_info *in = &h->info;

    in->file_size = h->image_len;
    /* Windows' "RecoverHeader": a damaged base block before an intact
     * first bin; only a log can rebuild the header (log.c). */
    int bin0 = h->image_len >= REGF_BASE_SIZE + REGF_BIN_HDR &&
               memcmp(bb + REGF_BASE_SIZE, "hbin", 4) == 0 &&
               rd_le32(bb + REGF_BASE_SIZE + HBIN_OFFSET) == 0;
    if (h->image_len < REGF_BASE_SIZE || memcmp(bb, "regf", 4) != 0) {
        if (bin0) {
            h->header_damaged = 1;
            in->dirty = 1;
            return regf__fail(h, REGF_ECORRUPT,
                "corrupt hive: the base block (first 4096 bytes) is damaged "
                "but the hive bins look intact; the header can only be "
                "rebuilt from the hive's transaction logs");
        }
        if (h->image_len < REGF_BASE_SIZE)
            return regf__fail(h, REGF_ECORRUPT, "not a registry hive: file "
                              "is only %zu bytes", h->image_len);
        return regf__fail(h, REGF_ECORRUPT, "not a registry hive: no 'regf' "
                          "signature at offset 0");
    }
    in->seq1 = rd_le32(bb + BB_SEQ1);
    in->seq2 = rd_le32(bb + BB_SEQ2);
    in->timestamp = rd_le64(bb + BB_TIMESTAMP);
    in->major = rd_le32(bb + BB_MAJOR);
    in->minor = rd_le32(bb + BB_MINOR);
    in->type = rd_le32(bb + BB_TYPE);
    in->root = rd_le32(bb + BB_ROOT);
    in->flags = rd_le32(bb + BB_FLAGS);
    in->reorganized = rd_le64(bb + BB_REORG);
    in->checksum_stored = rd_le32(bb + BB_CHECKSUM);
    in->checksum_computed = regf__checksum(bb);
    in->checksum_ok = in->checksum_stored == in->checksum_computed;
    in->dirty = in->seq1 != in->seq2 || !in->checksum_ok;
    read_file_name(bb, in->file_name, sizeof in->file_name);

    uint32_t format = rd_le32(bb + BB_FORMAT);
    if (!in->checksum_ok && (in->type != 0 || in->major != 1 ||
                             in->minor < 2 || in->minor > 6 || format != 1)) {
        h->header_damaged = bin0;
        return regf__fail(h, REGF_ECORRUPT, "corrupt hive: the base block is "
                          "damaged (checksum stored 0x%08x, computed 0x%08x; "
                          "version %u.%u, type %u); the header can only be "
                          "rebuilt from the hive's transaction logs",
                          in->checksum_stored, in->checksum_computed,
                          in->major, in->minor, in->type);
    }
    const char *damaged = "";
    if (in->type != 0)
        return regf__fail(h, REGF_EUNSUPP, "not a primary hive file: base "
                          "block type is %u (%s)%s", in->type,
                          in->type == 6 || in->type == 1 || in->type == 2 ?
                          "a transaction log" : "unknown", damaged);
    if (in->major != 1 || in->minor < 2 || in->minor > 6)
        return regf__fail(h, REGF_EUNSUPP, "unsupported format version "
                          "%u.%u (supported: 1.2 to 1.6)%s", in->major,
                          in->minor, damaged);
    if (format != 1)
        return regf__fail(h, REGF_ECORRUPT, "corrupt hive: base block format "
                          "field is %u, expected 1%s", format, damaged);

    uint64_t avail = h->image_len - REGF_BASE_SIZE;
    uint32_t length = rd_le32(bb + BB_LENGTH);
    h->bins = h->image + REGF_BASE_SIZE;
    if (in->checksum_ok) {
        if (length == 0 || length % 4096 != 0 || length > REGF_MAX_BINS_SIZE) {
            h->header_damaged = bin0;
            in->dirty |= bin0;
            return regf__fail(h, REGF_ECORRUPT, "corrupt hive: base block "
                              "length field 0x%x is not a non-zero multiple "
                              "of 4096 below 0x7FFFE000", length);
        }
        if (length > avail)
            return regf__fail(h, REGF_ECORRUPT, "truncated hive: the header "
                              "declares %u bytes of hive bins but the file "
                              "holds only %llu after the base block", length,
                              (unsigned long long)avail);
        h->bins_size = length;
    } else {
        h->bins_size = effective_bins_size(h->bins, avail);
        if (h->bins_size == 0)
            return regf__fail(h, REGF_ECORRUPT, "corrupt hive: header "
                              "checksum is wrong (stored 0x%08x, computed "
                              "0x%08x) and no valid hbin follows it",
                              in->checksum_stored, in->checksum_computed);
    }
    in->bins_size = h->bins_size;

    int rc = scan_bins(h);
    if (rc != REGF_OK)
        return rc;
    h->loaded = 1;
    struct regf_span nk;
    rc = regf__nk(h, in->root, &nk);
    if (rc != REGF_OK) {
        h->loaded = 0;
        char why[sizeof h->err];
        const char *inner = h->err;
        size_t nl = strlen(h->name);
        if (strncmp(inner, h->name, nl) == 0 && strncmp(inner + nl, ": ", 2) == 0)
            inner += nl + 2;                       /* drop "FILE: " */
        if (strncmp(inner, "corrupt hive: ", 14) == 0)
            inner += 14;
        snprintf(why, sizeof why, "%s", inner);
        return regf__fail(h, REGF_ECORRUPT, "corrupt hive: the root key "
                          "(cell 0x%x named by the base block) is unusable: "
                          "%s", in->root, why);
    }
    return REGF_OK;
}

/* Keeps exactly the base block and the bins (slack after them is dropped;
 * a written hive is 4096 + Length bytes) and prepares the allocator. */
static int writable_image(regf_hive *h)
{
    h->image_len = REGF_BASE_SIZE + (size_t)h->bins_size;
    return regf__alloc_init(h);
}

/* The end of every open: the private copy for writing, the status of a
 * damaged base block, and recovery from the logs when asked. */
static int finish_open(regf_hive *h, int rc, unsigned flags)
{
    if (rc == REGF_OK && (flags & REGF_OPEN_WRITE))
        rc = writable_image(h);
    /* A sound but dirty base block over damaged or missing bins: Windows
     * replays the logs over it all the same ("RecoverData"), and so does
     * regf_recover (a commit stopped half way leaves such a file). */
    if (rc == REGF_ECORRUPT && !h->header_damaged && h->info.checksum_ok &&
        h->info.dirty && h->info.type == 0 && h->image_len >= REGF_BASE_SIZE)
        h->data_damaged = 1;
    if (rc == REGF_ECORRUPT && (h->header_damaged || h->data_damaged) &&
        (flags & (REGF_OPEN_WRITE | REGF_OPEN_RECOVER)))
        rc = REGF_EDIRTY;
    if ((flags & REGF_OPEN_RECOVER) &&
        ((rc == REGF_OK && h->info.dirty) ||
         (rc == REGF_EDIRTY && (h->header_damaged || h->data_damaged))))
        rc = regf_recover(h, NULL, 0, NULL);
    return rc;
}

int regf__replace_image(regf_hive *h, uint8_t *img, size_t len)
{
    regf_hive *t = hive_new(h->name);
    if (!t) {
        free(img);
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    }
    t->open_flags = h->open_flags;
    t->image = img;
    t->image_len = len;
    int rc = load_image(t);
    if (rc == REGF_OK && (h->open_flags & REGF_OPEN_WRITE))
        rc = writable_image(t);
    if (rc != REGF_OK) {
        memcpy(h->err, t->err, sizeof h->err);
        h->sys_errno = t->sys_errno;
        regf_close(t);
        return rc;
    }
    /* H takes T's image, maps and allocator; T takes H's old ones and
     * frees them. H keeps its name, fixed time and recovery report. */
    uint64_t fsize = h->info.file_size;
    struct regf_hive old = *h;
    *h = *t;
    *t = old;
    char *name = h->name;
    h->name = t->name;
    t->name = name;
    h->fixed_time = t->fixed_time;
    h->io = t->io;
    h->disk_known = t->disk_known;
    h->disk_seq1 = t->disk_seq1;
    h->disk_seq2 = t->disk_seq2;
    h->disk_ts = t->disk_ts;
    h->recovery = t->recovery;
    t->recovery = NULL;
    /* The file stays H's: its descriptors, lock and name. */
    h->dirfd = t->dirfd;
    h->fd = t->fd;
    h->fd_rw = t->fd_rw;
    h->rec_at_dir = t->rec_at_dir;
    h->base = t->base;
    t->dirfd = t->fd = -1;
    t->base = NULL;
    h->info.file_size = fsize;
    regf_close(t);
    return REGF_OK;
}

int regf_open_mem(const void *buf, size_t len, const char *name,
                  unsigned flags, regf_hive **out)
{
    regf_hive *h = hive_new(name);
    *out = h;
    if (!h)
        return REGF_ENOMEM;
    h->open_flags = flags;
    h->image = malloc(len ? len : 1);
    if (!h->image)
        return regf__fail(h, REGF_ENOMEM, "out of memory for %zu bytes", len);
    if (len)
        memcpy(h->image, buf, len);
    h->image_len = len;
    return finish_open(h, load_image(h), flags);
}

/* Reads up to LEN bytes at file offset OFF; returns bytes read or -1. */
static ssize_t read_full(int fd, uint8_t *p, size_t len, off_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, p + got, len - got, off + (off_t)got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Prefaulting the whole mapping at once is much cheaper than a page fault
 * per page touched by a full walk (15.5 MB SYSTEM export: 17 -> 12 ms). */
#ifdef MAP_POPULATE
#define HIVE_MAP_POPULATE MAP_POPULATE
#else
#define HIVE_MAP_POPULATE 0
#endif

/* Opens NAME in DIRFD for H (see regf_open_at): the checked, locked
 * descriptor goes to H->fd, its stat to *ST. */
static int open_locked(regf_hive *h, int dirfd, const char *name,
                       unsigned flags, struct stat *st)
{
    char why[200];
    int excl = (flags & REGF_OPEN_WRITE) != 0;
    /* A rename over NAME between our open and our lock (another writer's
     * replace-mode commit) gives a file nobody will write again: retry on
     * the new one. */
    for (int tries = 0; tries < 16; tries++) {
        int rw = excl;
        int fd = regf__open_file(dirfd, name, rw ? O_RDWR : O_RDONLY, 0, 0,
                                 st, why, sizeof why);
        if (fd < 0 && rw && (errno == EACCES || errno == EROFS ||
                             errno == EPERM)) {
            /* Not writable: it can be read (a dry run), not committed in
             * place; a shared lock is all a read-only descriptor takes. */
            rw = 0;
            fd = regf__open_file(dirfd, name, O_RDONLY, 0, 0, st, why,
                                 sizeof why);
        }
        if (fd < 0) {
            h->sys_errno = errno;
            return regf__fail(h, errno == EFBIG ? REGF_ELIMIT : REGF_EIO,
                              "%s", why);
        }
        int writes;
        int lk = regf__lock(fd, rw, &writes);
        if (lk != 0) {
            int e = errno;
            close(fd);
            if (lk > 0)
                return regf__busy(h, writes);
            h->sys_errno = e;
            return regf__fail(h, REGF_EIO, "cannot lock: %s", strerror(e));
        }
        struct stat now;
        if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
            now.st_dev == st->st_dev && now.st_ino == st->st_ino) {
            h->fd = fd;
            h->fd_rw = rw;
            return REGF_OK;
        }
        close(fd);
    }
    return regf__fail(h, REGF_EBUSY, "is being replaced by another process "
                      "again and again");
}

/* Reads the locked file H->fd (ST its stat) into H and loads it. */
static int read_hive(regf_hive *h, unsigned flags, const struct stat *st)
{
    int fd = h->fd;
    /* Read the base block first: when it is sound only 4096 + Length bytes
     * are needed (real hives often have slack after the bins). */
    uint64_t fsize = (uint64_t)st->st_size, want = fsize;
    uint8_t bb[REGF_BASE_SIZE];
    ssize_t n = read_full(fd, bb, sizeof bb, 0);
    if (n < 0)
        goto io_error;
    if ((size_t)n == sizeof bb) {
        h->disk_known = 1;
        h->disk_seq1 = rd_le32(bb + BB_SEQ1);
        h->disk_seq2 = rd_le32(bb + BB_SEQ2);
        h->disk_ts = rd_le64(bb + BB_TIMESTAMP);
    }
    int sound = (size_t)n == sizeof bb && memcmp(bb, "regf", 4) == 0 &&
                regf__checksum(bb) == rd_le32(bb + BB_CHECKSUM);
    uint64_t need = sound ? REGF_BASE_SIZE + (uint64_t)rd_le32(bb + BB_LENGTH)
                          : 0;
    if (sound && need < want)
        want = need;
    /* The limit on what is read (REGF_MAX_HIVE_SIZE): the hive a sound
     * base block declares, or else the whole file. Slack after the bins
     * is never read, however large the file. */
    if ((sound ? need : want) > REGF_MAX_HIVE_SIZE) {
        h->sys_errno = EFBIG;
        if (sound)
            return regf__fail(h, REGF_ELIMIT, "the base block declares %u "
                              "bytes of hive bins: more than the limit of "
                              "%llu bytes of a hive file", rd_le32(bb + BB_LENGTH),
                              (unsigned long long)REGF_MAX_HIVE_SIZE);
        return regf__fail(h, REGF_ELIMIT, "%llu bytes without a sound base "
                          "block: larger than the limit of %llu bytes of a "
                          "hive file", (unsigned long long)fsize,
                          (unsigned long long)REGF_MAX_HIVE_SIZE);
    }
    /* Map the file read-only (private): nothing is copied and only the
     * pages a walk touches are read. Fall back to reading into memory. */
    if (want > 0 && !(flags & REGF_OPEN_WRITE)) {
        void *m = mmap(NULL, (size_t)want, PROT_READ,
                       MAP_PRIVATE | HIVE_MAP_POPULATE, fd, 0);
        if (m != MAP_FAILED) {
            h->image = m;
            h->map_len = (size_t)want;
            h->image_len = (size_t)want;
            int rc = load_image(h);
            h->info.file_size = fsize;
            return finish_open(h, rc, flags);
        }
    }
    h->image = malloc(want ? (size_t)want : 1);
    if (!h->image)
        return regf__fail(h, REGF_ENOMEM, "out of memory reading %llu bytes",
                          (unsigned long long)want);
    n = read_full(fd, h->image, (size_t)want, 0);
    if (n < 0)
        goto io_error;
    h->image_len = (size_t)n;
    int rc = load_image(h);
    h->info.file_size = fsize;
    return finish_open(h, rc, flags);

io_error:
    h->sys_errno = errno;
    return regf__fail(h, REGF_EIO, "read error: %s", strerror(h->sys_errno));
}

/* The common part of regf_open and regf_open_at: H is named for messages;
 * DIRFD becomes H's (OWN) or is duplicated. */
static int open_at(regf_hive *h, int dirfd, int own, const char *name,
                   unsigned flags)
{
    h->open_flags = flags;
    if (!own || dirfd == AT_FDCWD) {
        int d = dirfd == AT_FDCWD
                ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                : fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
#ifdef O_PATH
        if (d < 0 && dirfd == AT_FDCWD && errno == EACCES)
            d = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
#endif
        if (d < 0) {
            h->sys_errno = errno;
            return regf__fail(h, REGF_EIO, "cannot use its directory: %s",
                              strerror(errno));
        }
        dirfd = d;
    }
    h->dirfd = dirfd;
    if (!name || !*name || strchr(name, '/'))
        return regf__fail(h, REGF_EINVAL, "not a file name (one path "
                          "component without '/')");
    h->base = strdup(name);
    if (!h->base)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    struct stat st;
    int rc = open_locked(h, h->dirfd, name, flags, &st);
    if (rc != REGF_OK)
        return rc;
    return read_hive(h, flags, &st);
}

int regf_open_at(int dirfd, const char *name, unsigned flags,
                 regf_hive **out)
{
    regf_hive *h = hive_new(name);
    *out = h;
    if (!h)
        return REGF_ENOMEM;
    return open_at(h, dirfd, 0, name, flags);
}

int regf_open(const char *path, unsigned flags, regf_hive **out)
{
    regf_hive *h = hive_new(path);
    *out = h;
    if (!h)
        return REGF_ENOMEM;
    h->open_flags = flags;
    /* A link named by the caller is followed here, once: the file it
     * points to is the hive (and its logs are beside that file). */
    char *real = NULL;
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
        !(real = realpath(path, NULL))) {
        h->sys_errno = errno;
        return regf__fail(h, REGF_EIO, "cannot open: %s", strerror(errno));
    }
    if (!*path) {
        h->sys_errno = ENOENT;
        return regf__fail(h, REGF_EIO, "cannot open: %s", strerror(ENOENT));
    }
    const char *base;
    int dirfd = regf__open_parent(real ? real : path, &base);
    if (dirfd == -1) {
        h->sys_errno = errno;
        free(real);
        return regf__fail(h, REGF_EIO, "cannot open: %s", strerror(errno));
    }
    int rc = open_at(h, dirfd, 1, *base ? base : ".", flags);
    free(real);
    return rc;
}

int regf_get_info(regf_hive *h, struct regf_info *out)
{
    *out = h->info;
    return REGF_OK;
}
