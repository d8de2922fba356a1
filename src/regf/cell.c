/* cell.c - the one door to cell data.
 *
 * Every cell offset read from a record goes through regf__cell(), which
 * accepts it only if the open-time scan recorded an allocated cell starting
 * exactly there. The returned span is bounded by that cell, so record
 * parsers check each field against span.len and never read outside it. */
#include <string.h>

#include "regf_int.h"

int regf__cell_quiet(const regf_hive *h, uint32_t off, struct regf_span *out)
{
    if (!h->loaded || off == REGF_NIL || off % 8 != 0 || off >= h->bins_size ||
        !(h->cellmap[off / 64] & (1u << (off / 8 % 8))))
        return 0;
    uint32_t size = 0u - rd_le32(h->bins + off);
    out->data = h->bins + off + 4;
    out->len = size - 4;
    out->off = off;
    return 1;
}

int regf__cell(regf_hive *h, uint32_t off, const char *what,
               struct regf_span *out)
{
    if (!h->loaded)
        return regf__fail(h, REGF_EINVAL, "hive is not open");
    if (off == REGF_NIL)
        return regf__corrupt(h, off, "%s: no cell (NIL offset)", what);
    if (off % 8 != 0 || off >= h->bins_size ||
        !(h->cellmap[off / 64] & (1u << (off / 8 % 8))))
        return regf__corrupt(h, off, "%s: offset does not point to an "
                             "allocated cell", what);
    uint32_t size = 0u - rd_le32(h->bins + off);   /* allocated: negative */
    out->data = h->bins + off + 4;
    out->len = size - 4;
    out->off = off;
    return REGF_OK;
}

int regf__record(regf_hive *h, uint32_t off, const char *sig,
                 uint32_t min_len, const char *what, struct regf_span *out)
{
    int rc = regf__cell(h, off, what, out);
    if (rc != REGF_OK)
        return rc;
    if (out->len < min_len)
        return regf__corrupt(h, off, "%s: %u-byte cell is too small for a "
                             "'%s' record (%u bytes)", what, out->len, sig,
                             min_len);
    if (memcmp(out->data, sig, 2) != 0)
        return regf__corrupt(h, off, "%s: expected a '%s' record, found "
                             "signature %02x %02x", what, sig, out->data[0],
                             out->data[1]);
    return REGF_OK;
}
