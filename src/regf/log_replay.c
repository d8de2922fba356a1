/* log_replay.c - the chosen transaction logs applied to the primary
 * (docs/format.md §12): the recovered image starts from the primary's base
 * block (or, for RecoverHeader, the newest log's) and bins; each HvLE
 * entry sets the hive length and Flags bit 0 and writes its pages, and
 * bins the replay leaves invalid are replaced by empty 4 KiB bins; an old
 * log writes its dirty 512-byte pages in bitmap order, and a dirty page
 * that starts a bin must carry a sound bin header, else the replay stops
 * there. The replayed image is at most 4096 + 0x7FFFE000 bytes. */
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

/* ---- replay --------------------------------------------------------------- */

static void dummy_bin(uint8_t *bins, uint32_t off)
{
    uint8_t *b = bins + off;
    memset(b, 0, PAGE);
    memcpy(b, "hbin", 4);
    wr_le32(b + HBIN_OFFSET, off);
    wr_le32(b + HBIN_SIZE, PAGE);
    wr_le32(b + REGF_BIN_HDR, PAGE - REGF_BIN_HDR);   /* one free cell */
}

/* Starts R's image with room for LEN bytes of bins: the base block of the
 * primary (RecoverData) or of the log HDR_LOG (RecoverHeader, then made a
 * primary's), and the primary's bins, at most COPY bytes of them, *NCOPY
 * in fact. */
static int start_image(const struct prim *p, const uint8_t *primary,
                       size_t plen, const struct lg *hdr_log, uint32_t len,
                       uint32_t copy, struct replay *r, size_t *ncopy)
{
    r->img = calloc(1, (size_t)REGF_BASE_SIZE + len);
    if (!r->img)
        return REGF_ENOMEM;
    if (p->mode == P_DATA) {
        memcpy(r->img, primary, REGF_BASE_SIZE);
    } else {
        memcpy(r->img, hdr_log->data, LOG_BASE);
        wr_le32(r->img + BB_TYPE, 0);
    }
    size_t avail = plen > REGF_BASE_SIZE ? plen - REGF_BASE_SIZE : 0;
    *ncopy = avail < copy ? avail : copy;
    memcpy(r->img + REGF_BASE_SIZE, primary + REGF_BASE_SIZE, *ncopy);
    return REGF_OK;
}

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
    size_t ncopy;
    int rc = start_image(p, primary, plen, hdr_log, maxlen, base_len, r,
                         &ncopy);
    if (rc != REGF_OK)
        return rc;
    uint8_t *bins = r->img + REGF_BASE_SIZE;

    uint32_t cur = base_len, flags = rd_le32(r->img + BB_FLAGS);
    for (size_t k = 0; k < pl->norder; k++) {
        const struct lg *l = &g[pl->order[k]];
        size_t pos = LOG_BASE;
        for (uint32_t i = 0; i < l->n; i++) {
            const uint8_t *e = l->data + pos;
            uint32_t size = rd_le32(e + HVLE_SIZE);
            uint32_t cnt = rd_le32(e + HVLE_NPAGES);
            cur = rd_le32(e + HVLE_BINS_SIZE);
            flags = (flags & ~1u) | (rd_le32(e + HVLE_FLAGS) & 1u);
            const uint8_t *src = e + HVLE_HEADER + HVLE_REF * (size_t)cnt;
            for (uint32_t j = 0; j < cnt; j++) {
                const uint8_t *ref = e + HVLE_HEADER + HVLE_REF * j;
                uint32_t off = rd_le32(ref + HVLE_REF_OFFSET);
                uint32_t sz = rd_le32(ref + HVLE_REF_SIZE);
                memcpy(bins + off, src, sz);       /* checked by check_entry */
                src += sz;
            }
            if (r->entries == 0)
                r->first_seq = rd_le32(e + HVLE_SEQ);
            r->last_seq = rd_le32(e + HVLE_SEQ);
            r->entries++;
            pos += size;
        }
    }
    /* Bins the replay left invalid become empty bins. */
    for (uint32_t off = 0, sz; off < cur;) {
        if (regf__bin_header_ok(bins, cur, off, &sz)) {
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
    size_t ncopy;
    int rc = start_image(p, primary, plen, l, len, len, r, &ncopy);
    if (rc != REGF_OK)
        return rc;
    uint8_t *bins = r->img + REGF_BASE_SIZE;
    /* Where the primary's bins start (one bit per 4 KiB). */
    uint8_t *starts = calloc(1, len / PAGE / 8 + 1);
    if (!starts)
        return REGF_ENOMEM;
    for (uint32_t off = 0, sz;
         regf__bin_header_ok(bins, (uint32_t)ncopy, off, &sz); off += sz)
        starts[off / PAGE / 8] |= (uint8_t)(1u << (off / PAGE % 8));

    const uint8_t *bm = l->data + DIRT_BITMAP;
    const uint8_t *src = l->data + l->data_off;
    for (uint32_t bit = 0; bit < len / LOG_SECTOR; bit++) {
        if (!(bm[bit / 8] >> (bit % 8) & 1))
            continue;
        uint32_t a = bit * LOG_SECTOR;
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
        memcpy(bins + a, src, LOG_SECTOR);
        src += LOG_SECTOR;
        r->entries++;
    }
    free(starts);
    r->len = len;
    r->flags = p->mode == P_DATA ? p->flags : rd_le32(l->data + BB_FLAGS);
    r->final_seq = p->mode == P_DATA ? p->seq1 : l->seq;
    return REGF_OK;
}

int replay_logs(const struct prim *p, const uint8_t *primary, size_t plen,
                struct lg *g, const struct plan *pl, struct replay *r)
{
    int rc = pl->old ? replay_old(p, primary, plen, &g[pl->order[0]], r)
                     : replay_new(p, primary, plen, g, pl, r);
    if (rc != REGF_OK)
        return rc;
    /* The base block of the recovered hive. */
    wr_le32(r->img + BB_SEQ1, r->final_seq);
    wr_le32(r->img + BB_SEQ2, r->final_seq);
    wr_le32(r->img + BB_LENGTH, r->len);
    wr_le32(r->img + BB_TYPE, 0);
    wr_le32(r->img + BB_FLAGS, r->flags);
    wr_le32(r->img + BB_CHECKSUM, regf__checksum(r->img));
    return REGF_OK;
}
