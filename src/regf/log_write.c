/* log_write.c - building the transaction log of a journaled commit
 * (docs/format.md §12): the changed pages of the hive, in the format the
 * guest's Windows replays at boot.
 *
 *   new format (type 6, Windows 8.1 and later): a 512-byte base block copy,
 *     then one HvLE entry holding every changed 4 KiB page, its two Marvin32
 *     hashes, the hive bins size after it and the sequence number;
 *   old format (type 1, every Windows version; the only one Windows 8.0
 *     and older replay): a 512-byte base block copy, "DIRT" and a bitmap of
 *     one bit per 512 bytes of hive bins, then the dirty 512-byte sectors
 *     in bitmap order from the next 512-byte boundary.
 * In both, the base block copy carries the new TimeStamp, Length and
 * Sequence1 = Sequence2 = the commit's sequence number: it is valid for the
 * primary once that is marked dirty with the same TimeStamp, and stale for
 * any other. The recovery code (log_parse.c, log_replay.c) reads exactly
 * this; the tests also replay it with a replayer of their own. */
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

#define LW_SECTOR 512u
#define LW_PAGE   4096u

/* The 512-byte log header: the first 512 bytes of BB with TYPE, SEQ and
 * LENGTH, and its checksum. */
static void log_header(uint8_t *out, const uint8_t *bb, uint32_t type,
                       uint32_t seq, uint32_t length)
{
    memcpy(out, bb, LW_SECTOR);
    wr_le32(out + BB_SEQ1, seq);
    wr_le32(out + BB_SEQ2, seq);
    wr_le32(out + BB_TYPE, type);
    wr_le32(out + BB_LENGTH, length);
    wr_le32(out + BB_CHECKSUM, regf__checksum(out));
}

int regf__log_build(int old_format, const uint8_t *bb, const uint8_t *bins,
                    uint32_t bins_len, const uint8_t *dirty, uint32_t seq,
                    uint8_t **out, size_t *outlen)
{
    uint32_t npages = bins_len / LW_PAGE, ndirty = 0, nruns = 0;
    for (uint32_t i = 0; i < npages; i++)
        if (dirty[i]) {
            ndirty++;
            if (i == 0 || !dirty[i - 1])
                nruns++;
        }
    *out = NULL;
    *outlen = 0;
    if (!old_format) {
        /* One entry: header, a reference per run of pages, the pages. */
        uint64_t body = 40u + 8u * (uint64_t)nruns + (uint64_t)ndirty * LW_PAGE;
        uint64_t esize = (body + LW_SECTOR - 1) / LW_SECTOR * LW_SECTOR;
        if (ndirty == 0)
            esize = 0;      /* nothing changed: a header alone */
        uint8_t *p = calloc(1, LW_SECTOR + (size_t)esize);
        if (!p)
            return REGF_ENOMEM;
        log_header(p, bb, 6, seq, bins_len);
        if (ndirty) {
            uint8_t *e = p + LW_SECTOR;
            memcpy(e, "HvLE", 4);
            wr_le32(e + 4, (uint32_t)esize);
            wr_le32(e + 8, rd_le32(bb + BB_FLAGS) & 1u);
            wr_le32(e + 12, seq);
            wr_le32(e + 16, bins_len);
            wr_le32(e + 20, nruns);
            uint8_t *ref = e + 40, *data = e + 40 + 8u * nruns;
            for (uint32_t i = 0; i < npages;) {
                if (!dirty[i]) {
                    i++;
                    continue;
                }
                uint32_t j = i;
                while (j < npages && dirty[j])
                    j++;
                wr_le32(ref, i * LW_PAGE);
                wr_le32(ref + 4, (j - i) * LW_PAGE);
                ref += 8;
                memcpy(data, bins + (size_t)i * LW_PAGE, (size_t)(j - i) * LW_PAGE);
                data += (size_t)(j - i) * LW_PAGE;
                i = j;
            }
            wr_le64(e + 24, regf__marvin32(e + 40, (size_t)esize - 40));
            wr_le64(e + 32, regf__marvin32(e, 32));
        }
        *out = p;
        *outlen = LW_SECTOR + (size_t)esize;
        return REGF_OK;
    }
    /* Old format: a bit per sector of the bins (bytes of 0x00 or 0xFF, as
     * Windows tracks 4 KiB blocks), then the sectors of the dirty pages. */
    size_t bitmap = bins_len / LW_SECTOR / 8;
    size_t data_off = (LW_SECTOR + 4 + bitmap + LW_SECTOR - 1) / LW_SECTOR * LW_SECTOR;
    size_t total = data_off + (size_t)ndirty * LW_PAGE;
    uint8_t *p = calloc(1, total);
    if (!p)
        return REGF_ENOMEM;
    log_header(p, bb, 1, seq, bins_len);
    memcpy(p + LW_SECTOR, "DIRT", 4);
    uint8_t *bm = p + LW_SECTOR + 4, *data = p + data_off;
    for (uint32_t i = 0; i < npages; i++)
        if (dirty[i]) {
            bm[i] = 0xFF;    /* 8 sectors of 512 bytes: one byte */
            memcpy(data, bins + (size_t)i * LW_PAGE, LW_PAGE);
            data += LW_PAGE;
        }
    *out = p;
    *outlen = total;
    return REGF_OK;
}
