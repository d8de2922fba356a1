/* log_parse.c - one transaction log read into memory and parsed
 * (docs/format.md §11). Two formats:
 *   old (type 1, 2 on NT <= 2000): a 512-byte copy of the base block,
 *       "DIRT" and a bitmap of the dirty 512-byte pages of the hive bins
 *       (Length/512 bits), then those pages, 512 bytes each, from the next
 *       512-byte boundary, in bitmap order;
 *   new (type 6, Windows 8.1+): a 512-byte base block copy, then "HvLE"
 *       entries at multiples of 512, each with a sequence number, the hive
 *       bins size after it, Marvin32 hashes of its header and body, and
 *       (offset, size) references to the 4 KiB-multiple pages it carries.
 * Here: the checks of a log's base block that do not depend on the primary
 * ("regf", checksum, type, Sequence1 == Sequence2, Length), the chain of
 * sound HvLE entries from the log's sequence number, and the dirty vector
 * of an old log. Everything read from a log is bounds-checked; a log is
 * read once into memory (at most REGF_MAX_LOG_SIZE). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_int.h"

/* ---- one log -------------------------------------------------------------- */

void setwhy(struct lg *g, int verdict, const char *fmt, ...)
{
    va_list ap;
    g->out->verdict = verdict;
    va_start(ap, fmt);
    vsnprintf(g->out->why, sizeof g->out->why, fmt, ap);
    va_end(ap);
}

static int ext_rank(const char *path)
{
    const char *b = base_name(path), *dot = strrchr(b, '.');
    if (!dot)
        return 3;
    if (strcasecmp(dot, ".LOG1") == 0)
        return 0;
    if (strcasecmp(dot, ".LOG2") == 0)
        return 1;
    if (strcasecmp(dot, ".LOG") == 0)
        return 2;
    return 3;
}

/* Reads the whole file into G (at most REGF_MAX_LOG_SIZE): its path in
 * DIRFD by its last component (AT_FDCWD: the path as it is), neither
 * following a link nor waiting on a FIFO. */
static int read_log(struct lg *g, int dirfd)
{
    struct regf_log *o = g->out;
    char why[200];
    struct stat st;
    int fd = regf__open_file(dirfd, dirfd == AT_FDCWD ? o->path
                                                      : base_name(o->path),
                             O_RDONLY, 0, 0, &st, why, sizeof why);
    if (fd < 0) {
        setwhy(g, REGF_LOG_INVALID, "%s", why);
        return -1;
    }
    o->size = (uint64_t)st.st_size;
    if (o->size > REGF_MAX_LOG_SIZE) {
        close(fd);
        setwhy(g, REGF_LOG_INVALID, "%llu bytes: larger than any "
               "transaction log can be (%llu)", (unsigned long long)o->size,
               (unsigned long long)REGF_MAX_LOG_SIZE);
        return -1;
    }
    g->data = malloc(o->size ? (size_t)o->size : 1);
    if (!g->data) {
        close(fd);
        setwhy(g, REGF_LOG_INVALID, "out of memory for %llu bytes",
               (unsigned long long)o->size);
        return -2;
    }
    size_t got = 0;
    while (got < (size_t)o->size) {
        ssize_t k = pread(fd, g->data + got, (size_t)o->size - got,
                          (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            setwhy(g, REGF_LOG_INVALID, "read error: %s", strerror(e));
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    g->len = got;
    return 0;
}

/* Base block checks that do not depend on the primary. */
static void check_header(struct lg *g)
{
    struct regf_log *o = g->out;
    const uint8_t *d = g->data;
    if (g->len == 0) {
        setwhy(g, REGF_LOG_IGNORED, "empty (a normal state): nothing to "
               "replay");
        return;
    }
    if (g->len < LOG_BASE) {
        setwhy(g, REGF_LOG_INVALID, "only %zu bytes: shorter than a log "
               "base block (512)", g->len);
        return;
    }
    if (memcmp(d, "regf", 4) != 0) {
        setwhy(g, REGF_LOG_INVALID, "no 'regf' signature: not a transaction "
               "log");
        return;
    }
    o->type = rd_le32(d + BB_TYPE);
    o->seq1 = rd_le32(d + BB_SEQ1);
    o->seq2 = rd_le32(d + BB_SEQ2);
    o->timestamp = rd_le64(d + BB_TIMESTAMP);
    o->length = rd_le32(d + BB_LENGTH);
    uint32_t stored = rd_le32(d + BB_CHECKSUM), sum = regf__checksum(d);
    o->header_ok = stored == sum;
    if (o->type == 1 || o->type == 2)
        o->format = REGF_LOG_OLD;
    else if (o->type == 6)
        o->format = REGF_LOG_NEW;
    if (!o->header_ok) {
        setwhy(g, REGF_LOG_INVALID, "its base block checksum is wrong "
               "(stored 0x%08x, computed 0x%08x)", stored, sum);
        return;
    }
    if (!o->format) {
        setwhy(g, REGF_LOG_INVALID, "file type %u is not a transaction log "
               "(1, 2 or 6)", o->type);
        return;
    }
    if (o->seq1 != o->seq2) {
        setwhy(g, REGF_LOG_INVALID, "its sequence numbers %u/%u differ: the "
               "log itself was not completely written", o->seq1, o->seq2);
        return;
    }
    if (!length_ok(o->length)) {
        setwhy(g, REGF_LOG_INVALID, "its base block Length 0x%x is not a "
               "non-zero multiple of 4096 up to 0x7FFFE000", o->length);
        return;
    }
    g->hdr_ok = 1;
    g->old = o->format == REGF_LOG_OLD;
    g->seq = o->seq1;
}

/* Checks the new-format entry at POS, expected to carry sequence SEQ.
 * Returns its size, or 0 with the reason in WHY. */
static uint32_t check_entry(const uint8_t *d, size_t len, size_t pos,
                            uint32_t seq, char *why, size_t wn)
{
    if (pos >= len) {
        snprintf(why, wn, "the end of the file");
        return 0;
    }
    if (len - pos < HVLE_HEADER) {
        snprintf(why, wn, "offset 0x%zx: %zu bytes left, too few for an "
                 "entry header", pos, len - pos);
        return 0;
    }
    const uint8_t *e = d + pos;
    if (memcmp(e + HVLE_SIGNATURE, "HvLE", 4) != 0) {
        snprintf(why, wn, "offset 0x%zx: no 'HvLE' signature", pos);
        return 0;
    }
    uint32_t size = rd_le32(e + HVLE_SIZE), hbds = rd_le32(e + HVLE_BINS_SIZE);
    uint32_t cnt = rd_le32(e + HVLE_NPAGES), eseq = rd_le32(e + HVLE_SEQ);
    if (size < LOG_SECTOR || size % LOG_SECTOR != 0) {
        snprintf(why, wn, "offset 0x%zx: entry size %u is not a non-zero "
                 "multiple of 512", pos, size);
        return 0;
    }
    if (size > len - pos) {
        snprintf(why, wn, "offset 0x%zx: entry of %u bytes runs past the "
                 "end of the file (%zu bytes)", pos, size, len);
        return 0;
    }
    if (!length_ok(hbds)) {
        snprintf(why, wn, "offset 0x%zx: hive bins size 0x%x is not a "
                 "non-zero multiple of 4096 up to 0x7FFFE000", pos, hbds);
        return 0;
    }
    if (cnt == 0 || cnt > (size - HVLE_HEADER) / HVLE_REF) {
        snprintf(why, wn, "offset 0x%zx: %u dirty pages cannot be described "
                 "in a %u-byte entry", pos, cnt, size);
        return 0;
    }
    if (regf__marvin32(e, HVLE_HASH2) != rd_le64(e + HVLE_HASH2)) {
        snprintf(why, wn, "offset 0x%zx: header hash (Hash2) is wrong", pos);
        return 0;
    }
    if (eseq != seq) {
        snprintf(why, wn, "offset 0x%zx: sequence number %u where %u was "
                 "expected", pos, eseq, seq);
        return 0;
    }
    if (regf__marvin32(e + HVLE_HEADER, size - HVLE_HEADER) !=
        rd_le64(e + HVLE_HASH1)) {
        snprintf(why, wn, "offset 0x%zx: data hash (Hash1) is wrong", pos);
        return 0;
    }
    uint64_t total = HVLE_HEADER + (uint64_t)HVLE_REF * cnt, prev_end = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        const uint8_t *ref = e + HVLE_HEADER + HVLE_REF * i;
        uint32_t off = rd_le32(ref + HVLE_REF_OFFSET);
        uint32_t sz = rd_le32(ref + HVLE_REF_SIZE);
        if (sz == 0 || sz % PAGE != 0 || off % PAGE != 0) {
            snprintf(why, wn, "offset 0x%zx: page %u (offset 0x%x, size "
                     "0x%x) is not 4096-aligned", pos, i, off, sz);
            return 0;
        }
        if ((uint64_t)off + sz > hbds) {
            snprintf(why, wn, "offset 0x%zx: page %u (0x%x + 0x%x) lies "
                     "past the hive bins size 0x%x", pos, i, off, sz, hbds);
            return 0;
        }
        if (i > 0 && off <= prev_end) {
            snprintf(why, wn, "offset 0x%zx: page %u (offset 0x%x) is not "
                     "after the previous page", pos, i, off);
            return 0;
        }
        prev_end = (uint64_t)off + sz;
        total += sz;
        if (total > size) {
            snprintf(why, wn, "offset 0x%zx: its pages do not fit in the "
                     "%u-byte entry", pos, size);
            return 0;
        }
    }
    return size;
}

/* Follows the entries of a new-format log from its own sequence number. */
void chain_entries(struct lg *g)
{
    size_t pos = LOG_BASE;
    uint32_t seq = g->seq;
    g->n = 0;
    g->maxlen = 0;
    for (;;) {
        uint32_t size = check_entry(g->data, g->len, pos, seq, g->stop,
                                    sizeof g->stop);
        if (!size)
            break;
        uint32_t hbds = rd_le32(g->data + pos + HVLE_BINS_SIZE);
        if (hbds > g->maxlen)
            g->maxlen = hbds;
        g->endlen = hbds;
        g->last = seq;
        g->n++;
        pos += size;
        seq++;
    }
    struct regf_log *o = g->out;
    o->entries = g->n;
    if (g->n) {
        o->first_seq = g->seq;
        o->last_seq = g->last;
        o->length = g->endlen;
    }
}

/* The dirty vector of an old-format log covering BLEN bytes of bins.
 * 0, or -1 with the log marked broken. */
int parse_old(struct lg *g, uint32_t blen)
{
    uint32_t bytes = blen / LOG_SECTOR / 8;
    g->blen = blen;
    if (g->len < (size_t)DIRT_BITMAP + bytes ||
        memcmp(g->data + DIRT_SIGNATURE, "DIRT", 4) != 0) {
        if (g->len < (size_t)DIRT_BITMAP)
            setwhy(g, REGF_LOG_BROKEN, "valid base block but the file ends "
                   "before the dirty vector: Windows refuses to replay it");
        else if (memcmp(g->data + DIRT_SIGNATURE, "DIRT", 4) != 0)
            setwhy(g, REGF_LOG_BROKEN, "valid base block but no 'DIRT' "
                   "dirty vector at offset 512: Windows refuses to replay "
                   "it");
        else
            setwhy(g, REGF_LOG_BROKEN, "valid base block but the dirty "
                   "vector (%u bytes) is truncated: Windows refuses to "
                   "replay it", bytes);
        return -1;
    }
    const uint8_t *bm = g->data + DIRT_BITMAP;
    uint32_t n = 0;
    for (uint32_t i = 0; i < bytes; i++)
        n += (uint32_t)__builtin_popcount(bm[i]);
    g->npages = n;
    g->data_off = ((size_t)DIRT_BITMAP + bytes + LOG_SECTOR - 1) /
                  LOG_SECTOR * LOG_SECTOR;
    g->out->entries = n;
    if (g->data_off + (uint64_t)n * LOG_SECTOR > g->len) {
        setwhy(g, REGF_LOG_BROKEN, "truncated: its dirty vector names %u "
               "pages (%llu bytes from offset 0x%zx) but the file has %zu "
               "bytes: Windows refuses to replay it", n,
               (unsigned long long)n * LOG_SECTOR, g->data_off, g->len);
        return -1;
    }
    return 0;
}

/* ---- the logs of one recovery ------------------------------------------- */

void logset_free(struct logset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->g[i].data);
    s->n = 0;
}

/* Reads the logs named in OUT[0..N) (paths set) and checks their headers. */
int logset_read(struct logset *s, int dirfd, struct regf_log *out, size_t n)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n && i < REGF_MAX_LOGS; i++) {
        struct lg *g = &s->g[s->n++];
        struct regf_log *o = &out[i];
        char path[sizeof o->path];
        memcpy(path, o->path, sizeof path);
        memset(o, 0, sizeof *o);
        memcpy(o->path, path, sizeof path);
        g->out = o;
        g->rank = ext_rank(o->path);
        int rc = read_log(g, dirfd);
        if (rc == -2)
            return REGF_ENOMEM;
        if (rc == 0)
            check_header(g);
    }
    return REGF_OK;
}
