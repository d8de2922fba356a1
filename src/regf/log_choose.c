/* log_choose.c - which transaction logs apply, as Windows decides
 * (docs/format.md §12).
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
 * first entry is the next sequence number.
 *
 * Old format: one log is replayed alone (LOG1 before LOG2); a valid header
 * with a missing dirty vector or missing pages is a broken log: Windows
 * refuses the hive, and so do we. */
#include <stdio.h>
#include <string.h>

#include "log_int.h"

/* ---- the primary file ----------------------------------------------------- */

/* Wrap-around aware: a >= b when a - b is less than 2^31. */
static int seq_ge(uint32_t a, uint32_t b)
{
    return (uint32_t)(a - b) < 0x80000000u;
}

void classify(const uint8_t *img, size_t len, struct prim *p)
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
        p->ts = rd_le64(img + REGF_BASE_SIZE + HBIN_TIMESTAMP);
        return;
    }
    p->mode = P_NOTHIVE;
    snprintf(p->why, sizeof p->why, "neither its base block nor a first "
             "hive bin is sound: not a registry hive");
}

/* ---- choosing the logs ---------------------------------------------------- */


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
int plan_logs(const struct prim *p, struct lg *g, size_t n,
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
