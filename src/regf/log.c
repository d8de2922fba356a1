/* log.c - transaction logs: reading them, deciding which apply exactly as
 * Windows does, and replaying them (regf-format.md §11, §12).
 *
 * Two formats:
 *   old (type 1, 2 on NT <= 2000): a 512-byte copy of the base block,
 *       "DIRT" and a bitmap of the dirty 512-byte pages of the hive bins
 *       (Length/512 bits), then those pages, 512 bytes each, from the next
 *       512-byte boundary, in bitmap order;
 *   new (type 6, Windows 8.1+): a 512-byte base block copy, then "HvLE"
 *       entries at multiples of 512, each with a sequence number, the hive
 *       bins size after it, Marvin32 hashes of its header and body, and
 *       (offset, size) references to the 4 KiB-multiple pages it carries.
 *
 * What the primary file is (HvpGetHiveHeader): a base block with signature,
 * checksum and Length sane is either clean (Sequence1 == Sequence2: logs are
 * never looked at) or "RecoverData"; a damaged base block followed by an
 * "hbin" at offset 0 is "RecoverHeader": the header is rebuilt from the log
 * with the latest sequence number and only that log is replayed.
 *
 * Which logs are valid (HvpIsLogFileBaseBlockValid): "regf", Sequence1 ==
 * Sequence2, TimeStamp equal to the primary's (the first bin's for
 * RecoverHeader), type 1/2/6, Length 1..0x7FFFE000 and a multiple of 4096,
 * checksum; for the new format also a sequence number not older than the
 * primary's Sequence2 (compared modulo 2^32).
 *
 * New format: the valid logs are ordered by their sequence number (not by
 * name); the first one's entries are applied from its own sequence number
 * on, one by one, while each is sound (signature, sizes, page references,
 * both hashes, sequence = previous + 1); the next log continues only if its
 * first entry is the next sequence number. Each entry sets the hive length
 * and Flags bit 0 and writes its pages. Bins left invalid are replaced by
 * empty 4 KiB bins.
 *
 * Old format: one log is replayed alone (LOG1 before LOG2); a valid header
 * with a missing dirty vector or missing pages is a broken log: Windows
 * refuses the hive, and so do we. Dirty pages that start a bin must carry a
 * sound bin header, else the replay stops there.
 *
 * Everything read from a log is bounds-checked; a log is read once into
 * memory (at most 2 GiB, the format's limit); the replayed image is at most
 * 4096 + 0x7FFFE000 bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regf_int.h"

#define LOG_BASE      512u
#define ENTRY_HDR     40u
#define PAGE          4096u
#define LOG_MAX_BYTES ((uint64_t)0x80000000u)

/* ---- Marvin32 ----------------------------------------------------------- */

static inline uint32_t rotl32(uint32_t x, unsigned n)
{
    return x << n | x >> (32 - n);
}

static inline void marvin_mix(uint32_t *lo, uint32_t *hi, uint32_t v)
{
    *lo += v;
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

uint64_t regf__marvin32(const void *buf, size_t n)
{
    const uint8_t *p = buf;
    uint32_t lo = 0x7A4E55C5u, hi = 0x82EF4D88u, fin = 0x80;
    for (; n >= 4; p += 4, n -= 4)
        marvin_mix(&lo, &hi, rd_le32(p));
    for (size_t k = n; k-- > 0;)
        fin = fin << 8 | p[k];
    marvin_mix(&lo, &hi, fin);
    marvin_mix(&lo, &hi, 0);
    return (uint64_t)hi << 32 | lo;
}

/* ---- the primary file ----------------------------------------------------- */

enum { P_CLEAN, P_DATA, P_HEADER, P_NOTHIVE };

struct prim {
    int mode;
    uint32_t seq1, seq2, length, flags;
    uint64_t ts;             /* header TimeStamp, or the first bin's */
    char why[200];           /* P_NOTHIVE */
};

static int length_ok(uint32_t l)
{
    return l != 0 && l <= REGF_MAX_BINS_SIZE && l % PAGE == 0;
}

/* Wrap-around aware: a >= b when a - b is less than 2^31. */
static int seq_ge(uint32_t a, uint32_t b)
{
    return (uint32_t)(a - b) < 0x80000000u;
}

static void classify(const uint8_t *img, size_t len, struct prim *p)
{
    memset(p, 0, sizeof *p);
    if (len >= REGF_BASE_SIZE && memcmp(img, "regf", 4) == 0 &&
        regf__checksum(img) == rd_le32(img + BB_CHECKSUM) &&
        length_ok(rd_le32(img + BB_LENGTH))) {
        uint32_t minor = rd_le32(img + BB_MINOR);
        if (rd_le32(img + BB_TYPE) != 0 || rd_le32(img + BB_MAJOR) != 1 ||
            minor < 2 || minor > 6 || rd_le32(img + BB_FORMAT) != 1) {
            p->mode = P_NOTHIVE;
            snprintf(p->why, sizeof p->why, "its base block is not that of "
                     "a primary hive file (type %u, version %u.%u)",
                     rd_le32(img + BB_TYPE), rd_le32(img + BB_MAJOR), minor);
            return;
        }
        p->seq1 = rd_le32(img + BB_SEQ1);
        p->seq2 = rd_le32(img + BB_SEQ2);
        p->ts = rd_le64(img + BB_TIMESTAMP);
        p->length = rd_le32(img + BB_LENGTH);
        p->flags = rd_le32(img + BB_FLAGS);
        p->mode = p->seq1 == p->seq2 ? P_CLEAN : P_DATA;
        return;
    }
    if (len >= REGF_BASE_SIZE + REGF_BIN_HDR &&
        memcmp(img + REGF_BASE_SIZE, "hbin", 4) == 0 &&
        rd_le32(img + REGF_BASE_SIZE + HBIN_OFFSET) == 0) {
        p->mode = P_HEADER;
        p->ts = rd_le64(img + REGF_BASE_SIZE + 20);
        return;
    }
    p->mode = P_NOTHIVE;
    snprintf(p->why, sizeof p->why, "neither its base block nor a first "
             "hive bin is sound: not a registry hive");
}

/* ---- one log -------------------------------------------------------------- */

struct lg {
    struct regf_log *out;
    uint8_t *data;
    size_t len;
    int rank;                /* preference for the old format: LOG1 first */
    int hdr_ok;              /* base block valid (without the TimeStamp) */
    int eligible;            /* and applicable to this primary */
    int old;                 /* old format */
    uint32_t seq;            /* base block Sequence1 */
    /* new format: entries chained from SEQ */
    uint32_t n, last, maxlen, endlen;
    char stop[160];          /* why the chain ends */
    /* old format */
    uint32_t blen;           /* bins length the bitmap covers */
    size_t data_off;
    uint32_t npages;
};

static void setwhy(struct lg *g, int verdict, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void setwhy(struct lg *g, int verdict, const char *fmt, ...)
{
    va_list ap;
    g->out->verdict = verdict;
    va_start(ap, fmt);
    vsnprintf(g->out->why, sizeof g->out->why, fmt, ap);
    va_end(ap);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
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

/* Reads the whole file into G (at most LOG_MAX_BYTES). */
static int read_log(struct lg *g)
{
    struct regf_log *o = g->out;
    int fd = open(o->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        setwhy(g, REGF_LOG_INVALID, "cannot read: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        setwhy(g, REGF_LOG_INVALID, "not a regular file");
        return -1;
    }
    o->size = (uint64_t)st.st_size;
    if (o->size > LOG_MAX_BYTES) {
        close(fd);
        setwhy(g, REGF_LOG_INVALID, "%llu bytes: larger than any "
               "transaction log can be", (unsigned long long)o->size);
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
    if (len - pos < ENTRY_HDR) {
        snprintf(why, wn, "offset 0x%zx: %zu bytes left, too few for an "
                 "entry header", pos, len - pos);
        return 0;
    }
    const uint8_t *e = d + pos;
    if (memcmp(e, "HvLE", 4) != 0) {
        snprintf(why, wn, "offset 0x%zx: no 'HvLE' signature", pos);
        return 0;
    }
    uint32_t size = rd_le32(e + 4), hbds = rd_le32(e + 16);
    uint32_t cnt = rd_le32(e + 20), eseq = rd_le32(e + 12);
    if (size < LOG_BASE || size % LOG_BASE != 0) {
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
    if (cnt == 0 || cnt > (size - ENTRY_HDR) / 8) {
        snprintf(why, wn, "offset 0x%zx: %u dirty pages cannot be described "
                 "in a %u-byte entry", pos, cnt, size);
        return 0;
    }
    if (regf__marvin32(e, 32) != rd_le64(e + 32)) {
        snprintf(why, wn, "offset 0x%zx: header hash (Hash2) is wrong", pos);
        return 0;
    }
    if (eseq != seq) {
        snprintf(why, wn, "offset 0x%zx: sequence number %u where %u was "
                 "expected", pos, eseq, seq);
        return 0;
    }
    if (regf__marvin32(e + ENTRY_HDR, size - ENTRY_HDR) != rd_le64(e + 24)) {
        snprintf(why, wn, "offset 0x%zx: data hash (Hash1) is wrong", pos);
        return 0;
    }
    uint64_t total = ENTRY_HDR + 8ull * cnt, prev_end = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        uint32_t off = rd_le32(e + ENTRY_HDR + 8 * i);
        uint32_t sz = rd_le32(e + ENTRY_HDR + 8 * i + 4);
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
static void chain_entries(struct lg *g)
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
        uint32_t hbds = rd_le32(g->data + pos + 16);
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
static int parse_old(struct lg *g, uint32_t blen)
{
    uint32_t bytes = blen / PAGE;       /* blen / 512 bits */
    g->blen = blen;
    if (g->len < (size_t)LOG_BASE + 4 + bytes ||
        memcmp(g->data + LOG_BASE, "DIRT", 4) != 0) {
        if (g->len < (size_t)LOG_BASE + 4)
            setwhy(g, REGF_LOG_BROKEN, "valid base block but the file ends "
                   "before the dirty vector: Windows refuses to replay it");
        else if (memcmp(g->data + LOG_BASE, "DIRT", 4) != 0)
            setwhy(g, REGF_LOG_BROKEN, "valid base block but no 'DIRT' "
                   "dirty vector at offset 512: Windows refuses to replay "
                   "it");
        else
            setwhy(g, REGF_LOG_BROKEN, "valid base block but the dirty "
                   "vector (%u bytes) is truncated: Windows refuses to "
                   "replay it", bytes);
        return -1;
    }
    const uint8_t *bm = g->data + LOG_BASE + 4;
    uint32_t n = 0;
    for (uint32_t i = 0; i < bytes; i++)
        n += (uint32_t)__builtin_popcount(bm[i]);
    g->npages = n;
    g->data_off = LOG_BASE + ((4 + (size_t)bytes + LOG_BASE - 1) /
                              LOG_BASE) * LOG_BASE;
    g->out->entries = n;
    if (g->data_off + (uint64_t)n * 512 > g->len) {
        setwhy(g, REGF_LOG_BROKEN, "truncated: its dirty vector names %u "
               "pages (%llu bytes from offset 0x%zx) but the file has %zu "
               "bytes: Windows refuses to replay it", n,
               (unsigned long long)n * 512, g->data_off, g->len);
        return -1;
    }
    return 0;
}

/* ---- choosing the logs ---------------------------------------------------- */

struct plan {
    int old;                 /* replay the old-format log ORDER[0] alone */
    size_t order[REGF_MAX_LOGS];
    size_t norder;
    int ts_newer;            /* RecoverHeader: accepted a newer TimeStamp */
};

static int by_seq(const void *a, const void *b, const struct lg *g)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (g[x].seq == g[y].seq)
        return x < y ? -1 : x > y;
    return seq_ge(g[x].seq, g[y].seq) ? 1 : -1;
}

/* Decides, for the primary P, what every log does. Returns REGF_OK with a
 * plan, REGF_EDIRTY when no log applies, REGF_ECORRUPT when a broken log
 * blocks recovery; ERR gets a summary. */
static int plan_logs(const struct prim *p, struct lg *g, size_t n,
                     struct plan *pl, char *err, size_t errn)
{
    memset(pl, 0, sizeof *pl);
    err[0] = '\0';
    /* Per-log eligibility. */
    for (size_t i = 0; i < n; i++) {
        struct lg *l = &g[i];
        if (!l->hdr_ok)
            continue;
        if (p->mode == P_CLEAN) {
            if (!l->old)
                chain_entries(l);
            setwhy(l, REGF_LOG_IGNORED, "the hive is clean: Windows does not "
                   "replay logs of a clean hive");
            continue;
        }
        if (p->mode == P_NOTHIVE) {
            setwhy(l, REGF_LOG_IGNORED, "the primary file is not a hive");
            continue;
        }
        if (l->out->timestamp != p->ts) {
            if (p->mode == P_HEADER && l->out->timestamp > p->ts) {
                l->eligible = 2;     /* accepted, see plan->ts_newer */
            } else {
                setwhy(l, REGF_LOG_IGNORED, "stale: its TimeStamp 0x%016llx "
                       "is not the hive's (%s 0x%016llx)",
                       (unsigned long long)l->out->timestamp,
                       p->mode == P_HEADER ? "first bin" : "base block",
                       (unsigned long long)p->ts);
                continue;
            }
        } else {
            l->eligible = 1;
        }
        if (l->old)
            continue;
        chain_entries(l);
        if (p->mode == P_DATA && !seq_ge(l->seq, p->seq2)) {
            l->eligible = 0;
            setwhy(l, REGF_LOG_IGNORED, "stale: its sequence number %u is "
                   "older than the hive's %u", l->seq, p->seq2);
            continue;
        }
        if (l->n == 0) {
            l->eligible = 0;
            setwhy(l, REGF_LOG_IGNORED, "no valid entry at sequence %u "
                   "(%s)", l->seq, l->stop);
        }
    }
    if (p->mode == P_CLEAN)
        return REGF_OK;
    if (p->mode == P_NOTHIVE) {
        snprintf(err, errn, "%s", p->why);
        return REGF_ECORRUPT;
    }

    /* The first eligible log in the LOG1, LOG2, LOG order decides the
     * format: an old-format log is replayed alone. */
    size_t first = n;
    for (size_t i = 0; i < n; i++)
        if (g[i].eligible && (first == n || g[i].rank < g[first].rank))
            first = i;
    if (first < n && g[first].old) {
        struct lg *l = &g[first];
        uint32_t blen = p->mode == P_DATA ? p->length : l->out->length;
        pl->old = 1;
        pl->order[0] = first;
        pl->norder = 1;
        pl->ts_newer = l->eligible == 2;
        for (size_t i = 0; i < n; i++)
            if (i != first && g[i].eligible)
                setwhy(&g[i], REGF_LOG_IGNORED, "not used: %s (old format) "
                       "is replayed alone", base_name(l->out->path));
        if (parse_old(l, blen) != 0) {
            snprintf(err, errn, "%.255s: %.255s", base_name(l->out->path),
                     l->out->why);
            return REGF_ECORRUPT;
        }
        setwhy(l, REGF_LOG_APPLIES, "%u dirty pages%s%s", l->npages,
               p->mode == P_HEADER ? "; the damaged base block is rebuilt "
               "from this log" : "", pl->ts_newer ? " (its TimeStamp is newer "
               "than the first bin's: accepted)" : "");
        return REGF_OK;
    }

    /* New format. */
    size_t idx[REGF_MAX_LOGS], m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!g[i].eligible)
            continue;
        if (g[i].old) {
            setwhy(&g[i], REGF_LOG_IGNORED, "not used: an old-format log is "
                   "not replayed after new-format logs");
            continue;
        }
        idx[m++] = i;
    }
    /* Insertion sort by sequence number, modulo 2^32. */
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0 && by_seq(&idx[j - 1], &idx[j], g) > 0; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    if (m == 0) {
        size_t len = 0;
        len += (size_t)snprintf(err, errn, "no transaction log applies");
        if (n == 0)
            snprintf(err + len, errn - len, ": none was found (.LOG, .LOG1, "
                     ".LOG2)");
        for (size_t i = 0; i < n && len < errn; i++) {
            int k = snprintf(err + len, errn - len, "%s %.255s: %.255s",
                             i ? ";" : ":", base_name(g[i].out->path),
                             g[i].out->why);
            if (k < 0)
                break;
            len += (size_t)k;
        }
        return REGF_EDIRTY;
    }
    if (p->mode == P_HEADER) {
        /* The header comes from the latest log, and only it is replayed. */
        size_t last = idx[m - 1];
        pl->order[0] = last;
        pl->norder = 1;
        pl->ts_newer = g[last].eligible == 2;
        for (size_t i = 0; i + 1 < m; i++)
            setwhy(&g[idx[i]], REGF_LOG_IGNORED, "not used: the base block "
                   "is rebuilt from %s, the log with the latest sequence "
                   "number, and only it is replayed",
                   base_name(g[last].out->path));
        setwhy(&g[last], REGF_LOG_APPLIES, "entries %u..%u; the damaged "
               "base block is rebuilt from this log%s", g[last].seq,
               g[last].last, pl->ts_newer ? " (its TimeStamp is newer than "
               "the first bin's: accepted)" : "");
        return REGF_OK;
    }
    uint32_t last = 0;
    for (size_t k = 0; k < m; k++) {
        struct lg *l = &g[idx[k]];
        if (k > 0 && l->seq != last + 1) {
            setwhy(l, REGF_LOG_IGNORED, "not contiguous: its entries start "
                   "at %u, the replay ended at %u", l->seq, last);
            continue;
        }
        pl->order[pl->norder++] = idx[k];
        setwhy(l, REGF_LOG_APPLIES, "entries %u..%u; it stops at %s",
               l->seq, l->last, l->stop);
        last = l->last;
    }
    return REGF_OK;
}

/* ---- shared set-up -------------------------------------------------------- */

struct logset {
    struct lg g[REGF_MAX_LOGS];
    size_t n;
};

static void logset_free(struct logset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->g[i].data);
    s->n = 0;
}

/* Reads the logs named in OUT[0..N) (paths set) and checks their headers. */
static int logset_read(struct logset *s, struct regf_log *out, size_t n)
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
        int rc = read_log(g);
        if (rc == -2)
            return REGF_ENOMEM;
        if (rc == 0)
            check_header(g);
    }
    return REGF_OK;
}

/* ---- regf_find_logs support ------------------------------------------------- */

void regf__logs_analyze(const char *hive_path, struct regf_log *out, size_t n)
{
    uint8_t head[REGF_BASE_SIZE + REGF_BIN_HDR];
    size_t hl = 0;
    int fd = open(hive_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        while (hl < sizeof head) {
            ssize_t k = pread(fd, head + hl, sizeof head - hl, (off_t)hl);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            hl += (size_t)k;
        }
        close(fd);
    }
    struct prim p;
    classify(head, hl, &p);
    struct logset s;
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    if (logset_read(&s, out, n) == REGF_OK) {
        struct plan pl;
        char err[sizeof out->why];
        plan_logs(&p, s.g, s.n, &pl, err, sizeof err);
    }
    logset_free(&s);
}

/* ---- replay --------------------------------------------------------------- */

/* Is there a sound bin header at bins offset OFF of an image of LEN bins
 * bytes? */
static int bin_ok(const uint8_t *bins, uint32_t len, uint32_t off,
                  uint32_t *size)
{
    if ((uint64_t)off + REGF_BIN_HDR > len)
        return 0;
    const uint8_t *b = bins + off;
    uint32_t sz = rd_le32(b + HBIN_SIZE);
    if (memcmp(b, "hbin", 4) != 0 || rd_le32(b + HBIN_OFFSET) != off ||
        sz < PAGE || sz % PAGE != 0 || (uint64_t)off + sz > len)
        return 0;
    *size = sz;
    return 1;
}

static void dummy_bin(uint8_t *bins, uint32_t off)
{
    uint8_t *b = bins + off;
    memset(b, 0, PAGE);
    memcpy(b, "hbin", 4);
    wr_le32(b + HBIN_OFFSET, off);
    wr_le32(b + HBIN_SIZE, PAGE);
    wr_le32(b + REGF_BIN_HDR, PAGE - REGF_BIN_HDR);   /* one free cell */
}

struct replay {
    uint8_t *img;
    uint32_t len;            /* bins bytes */
    uint32_t final_seq, first_seq, last_seq, entries, flags, dummies;
    uint32_t stop_bin;       /* old format: replay stopped at this bin */
    int stopped;
};

static int replay_new(const struct prim *p, const uint8_t *primary,
                      size_t plen, struct lg *g, const struct plan *pl,
                      struct replay *r)
{
    const struct lg *hdr_log = &g[pl->order[0]];
    uint32_t base_len = p->mode == P_DATA ? p->length : hdr_log->out->length;
    uint32_t maxlen = base_len;
    for (size_t k = 0; k < pl->norder; k++)
        if (g[pl->order[k]].maxlen > maxlen)
            maxlen = g[pl->order[k]].maxlen;
    r->img = calloc(1, (size_t)REGF_BASE_SIZE + maxlen);
    if (!r->img)
        return REGF_ENOMEM;
    uint8_t *bins = r->img + REGF_BASE_SIZE;
    if (p->mode == P_DATA) {
        memcpy(r->img, primary, REGF_BASE_SIZE);
    } else {
        memcpy(r->img, hdr_log->data, LOG_BASE);
        wr_le32(r->img + BB_TYPE, 0);
    }
    size_t avail = plen > REGF_BASE_SIZE ? plen - REGF_BASE_SIZE : 0;
    memcpy(bins, primary + REGF_BASE_SIZE, avail < base_len ? avail : base_len);

    uint32_t cur = base_len, flags = rd_le32(r->img + BB_FLAGS);
    for (size_t k = 0; k < pl->norder; k++) {
        const struct lg *l = &g[pl->order[k]];
        size_t pos = LOG_BASE;
        for (uint32_t i = 0; i < l->n; i++) {
            const uint8_t *e = l->data + pos;
            uint32_t size = rd_le32(e + 4), cnt = rd_le32(e + 20);
            cur = rd_le32(e + 16);
            flags = (flags & ~1u) | (rd_le32(e + 8) & 1u);
            const uint8_t *src = e + ENTRY_HDR + 8 * (size_t)cnt;
            for (uint32_t j = 0; j < cnt; j++) {
                uint32_t off = rd_le32(e + ENTRY_HDR + 8 * j);
                uint32_t sz = rd_le32(e + ENTRY_HDR + 8 * j + 4);
                memcpy(bins + off, src, sz);       /* checked by check_entry */
                src += sz;
            }
            if (r->entries == 0)
                r->first_seq = rd_le32(e + 12);
            r->last_seq = rd_le32(e + 12);
            r->entries++;
            pos += size;
        }
    }
    /* Bins the replay left invalid become empty bins. */
    for (uint32_t off = 0, sz; off < cur;) {
        if (bin_ok(bins, cur, off, &sz)) {
            off += sz;
            continue;
        }
        dummy_bin(bins, off);
        r->dummies++;
        off += PAGE;
    }
    r->len = cur;
    r->flags = flags;
    r->final_seq = r->last_seq;
    return REGF_OK;
}

static int replay_old(const struct prim *p, const uint8_t *primary,
                      size_t plen, struct lg *l, struct replay *r)
{
    uint32_t len = l->blen;
    r->img = calloc(1, (size_t)REGF_BASE_SIZE + len);
    if (!r->img)
        return REGF_ENOMEM;
    uint8_t *bins = r->img + REGF_BASE_SIZE;
    if (p->mode == P_DATA) {
        memcpy(r->img, primary, REGF_BASE_SIZE);
    } else {
        memcpy(r->img, l->data, LOG_BASE);
        wr_le32(r->img + BB_TYPE, 0);
    }
    size_t avail = plen > REGF_BASE_SIZE ? plen - REGF_BASE_SIZE : 0;
    size_t ncopy = avail < len ? avail : len;
    memcpy(bins, primary + REGF_BASE_SIZE, ncopy);
    /* Where the primary's bins start (one bit per 4 KiB). */
    uint8_t *starts = calloc(1, len / PAGE / 8 + 1);
    if (!starts)
        return REGF_ENOMEM;
    for (uint32_t off = 0, sz; bin_ok(bins, (uint32_t)ncopy, off, &sz);
         off += sz)
        starts[off / PAGE / 8] |= (uint8_t)(1u << (off / PAGE % 8));

    const uint8_t *bm = l->data + LOG_BASE + 4;
    const uint8_t *src = l->data + l->data_off;
    for (uint32_t bit = 0; bit < len / 512; bit++) {
        if (!(bm[bit / 8] >> (bit % 8) & 1))
            continue;
        uint32_t a = bit * 512;
        if (a % PAGE == 0 && ((starts[a / PAGE / 8] >> (a / PAGE % 8) & 1) ||
                              memcmp(src, "hbin", 4) == 0)) {
            /* A dirty page that starts a bin must hold a sound header. */
            if (memcmp(src, "hbin", 4) != 0 ||
                rd_le32(src + HBIN_OFFSET) != a ||
                rd_le32(src + HBIN_SIZE) < PAGE) {
                r->stopped = 1;
                r->stop_bin = a;
                break;
            }
        }
        memcpy(bins + a, src, 512);
        src += 512;
        r->entries++;
    }
    free(starts);
    r->len = len;
    r->flags = p->mode == P_DATA ? p->flags : rd_le32(l->data + BB_FLAGS);
    r->final_seq = p->mode == P_DATA ? p->seq1 : l->seq;
    return REGF_OK;
}

/* ---- the public entry points ---------------------------------------------- */

static void report_logs(struct regf_recovery *rep, const struct regf_log *l,
                        size_t n)
{
    rep->nlogs = n;
    for (size_t i = 0; i < n; i++)
        rep->logs[i] = l[i];
}

int regf_recover(regf_hive *h, const char *const *logs, size_t nlogs,
                 struct regf_recovery *report)
{
    if (!h)
        return REGF_EINVAL;
    struct regf_recovery *rep = calloc(1, sizeof *rep);
    if (!rep)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    struct regf_log *found = calloc(REGF_MAX_LOGS, sizeof *found);
    if (!found) {
        free(rep);
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    }
    struct logset s;
    memset(&s, 0, sizeof s);
    struct replay r;
    memset(&r, 0, sizeof r);
    int rc = REGF_OK;
    size_t n = 0;

    if (!h->loaded && !h->header_damaged) {
        rc = regf__fail(h, REGF_EINVAL, "hive is not open");
        goto out;
    }
    if (h->modified) {
        rc = regf__fail(h, REGF_EINVAL, "the hive was edited in memory; "
                        "recover it before editing");
        goto out;
    }
    if (logs) {
        if (nlogs > REGF_MAX_LOGS) {
            rc = regf__fail(h, REGF_EINVAL, "%zu logs given; at most %d",
                            nlogs, REGF_MAX_LOGS);
            goto out;
        }
        for (size_t i = 0; i < nlogs; i++) {
            if (!logs[i] || strlen(logs[i]) >= sizeof found[i].path) {
                rc = regf__fail(h, REGF_EINVAL, "log path %zu is missing or "
                                "too long", i);
                goto out;
            }
            strcpy(found[i].path, logs[i]);
        }
        n = nlogs;
    } else {
        size_t cnt = 0;
        if (regf__find_log_paths(h->name, found, REGF_MAX_LOGS, &cnt) !=
            REGF_OK)
            cnt = 0;
        n = cnt < REGF_MAX_LOGS ? cnt : REGF_MAX_LOGS;
    }

    struct prim p;
    classify(h->image, h->image_len, &p);
    rep->seq1 = p.seq1;
    rep->seq2 = p.seq2;
    rep->old_length = p.mode == P_HEADER ? 0 : p.length;
    if ((rc = logset_read(&s, found, n)) != REGF_OK) {
        rc = regf__fail(h, rc, "out of memory reading the logs");
        goto out;
    }
    struct plan pl;
    char err[1024];
    rc = plan_logs(&p, s.g, s.n, &pl, err, sizeof err);
    report_logs(rep, found, n);
    if (p.mode == P_CLEAN) {
        rep->state = REGF_RECOVERY_CLEAN;
        rep->final_seq = p.seq1;
        rep->new_length = p.length;
        rc = REGF_OK;
        goto out;
    }
    rep->state = REGF_RECOVERY_FAILED;
    if (rc != REGF_OK) {
        rc = regf__fail(h, rc, "the hive is dirty and cannot be recovered: "
                        "%s", err);
        goto out;
    }

    rep->header_rebuilt = p.mode == P_HEADER;
    rep->old_format = pl.old;
    if (pl.old)
        rc = replay_old(&p, h->image, h->image_len, &s.g[pl.order[0]], &r);
    else
        rc = replay_new(&p, h->image, h->image_len, s.g, &pl, &r);
    if (rc != REGF_OK) {
        rc = regf__fail(h, rc, "out of memory replaying the logs");
        goto out;
    }
    /* The base block of the recovered hive. */
    wr_le32(r.img + BB_SEQ1, r.final_seq);
    wr_le32(r.img + BB_SEQ2, r.final_seq);
    wr_le32(r.img + BB_LENGTH, r.len);
    wr_le32(r.img + BB_TYPE, 0);
    wr_le32(r.img + BB_FLAGS, r.flags);
    wr_le32(r.img + BB_CHECKSUM, regf__checksum(r.img));

    rep->first_seq = r.first_seq;
    rep->last_seq = r.last_seq;
    rep->entries = r.entries;
    rep->final_seq = r.final_seq;
    rep->new_length = r.len;
    rep->dummy_bins = r.dummies;
    for (size_t k = 0; k < pl.norder; k++) {
        struct lg *l = &s.g[pl.order[k]];
        l->out->verdict = REGF_LOG_APPLIED;
        if (r.stopped && k == 0)
            snprintf(l->out->why, sizeof l->out->why, "%u of %u "
                     "dirty pages replayed; stopped at the invalid bin "
                     "header the log holds for offset 0x%x", r.entries,
                     l->npages, r.stop_bin);
    }
    report_logs(rep, found, n);

    uint8_t *img = r.img;
    r.img = NULL;
    rc = regf__replace_image(h, img, (size_t)REGF_BASE_SIZE + r.len);
    if (rc != REGF_OK) {
        /* The message of the failed load is in H; say it is the replay. */
        char inner[sizeof h->err];
        const char *m = h->err;
        size_t nl = strlen(h->name);
        if (strncmp(m, h->name, nl) == 0 && strncmp(m + nl, ": ", 2) == 0)
            m += nl + 2;
        snprintf(inner, sizeof inner, "%s", m);
        regf__fail(h, rc, "the replayed hive is not valid, nothing was "
                   "changed: %s", inner);
        for (size_t k = 0; k < pl.norder; k++)
            s.g[pl.order[k]].out->verdict = REGF_LOG_APPLIES;
        report_logs(rep, found, n);
        goto out;
    }
    h->modified = 1;
    rep->state = REGF_RECOVERY_DONE;
    rc = REGF_OK;
out:
    free(r.img);
    logset_free(&s);
    if (report)
        *report = *rep;
    free(h->recovery);
    h->recovery = rep;
    free(found);
    return rc;
}

int regf_recovery_report(const regf_hive *h, struct regf_recovery *out)
{
    if (!h || !h->recovery)
        return REGF_NOTFOUND;
    *out = *h->recovery;
    return REGF_OK;
}
