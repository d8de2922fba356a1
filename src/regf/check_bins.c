/* check_bins.c - the base block, the hive bins and their cells (steps 1
 * and 2 of check.c, and the leak pass of step 5): the base block fields
 * (signature, checksum, sequence numbers, version, type, Length), the bins
 * tiling the bins data and the cells tiling each bin, recorded in the cell
 * map; the queries of that map every other check uses (is this an
 * allocated cell, why not, mark it referenced); at the end, with
 * REGF_CHECK_STRICT, the allocated cells that nothing referenced. */
#include <string.h>

#include "check_int.h"

/* ---- cells ------------------------------------------------------------- */

/* The allocated cell starting at OFF: its data (past the size field) and
 * usable size, or NULL. */
const uint8_t *cell_at(const struct ck *c, uint32_t off,
                       uint32_t *usable)
{
    if (off >= c->blen || off % 8 || !(c->map[off / 8] & M_USED))
        return NULL;
    *usable = (uint32_t)0 - rd_le32(c->bins + off) - 4;
    return c->bins + off + 4;
}

int is_alloc(const struct ck *c, uint32_t off)
{
    return off < c->blen && off % 8 == 0 && (c->map[off / 8] & M_USED);
}

/* Why OFF is not an allocated cell (for messages). */
const char *not_cell(const struct ck *c, uint32_t off)
{
    if (off == NIL)
        return "NIL";
    if (off >= c->blen)
        return "outside the bins";
    if (off % 8)
        return "not 8-aligned";
    if (c->map[off / 8] & M_FREE)
        return "a free cell";
    return "not the start of a cell";
}

/* Marks OFF referenced; reports a second reference. */
void take(struct ck *c, uint32_t off, const char *what)
{
    uint8_t *m = &c->map[off / 8];
    if (*m & M_REF)
        problem(c, C_CELL_SHARED, off, "%s cell 0x%x is referenced twice",
                what, off);
    *m |= M_REF;
}

const uint8_t *list_cell(struct ck *c, uint32_t k, uint32_t count,
                         uint32_t list, enum code code, const char *items,
                         const char *name, uint32_t *usable)
{
    if (count == 0) {
        if (list != NIL)
            problem(c, code, k, "no %s but %s 0x%x (want NIL)", items, name,
                    list);
        return NULL;
    }
    const uint8_t *l = cell_at(c, list, usable);
    if (!l) {
        problem(c, code, k, "%u %s, %s 0x%x is %s", count, items, name, list,
                not_cell(c, list));
        return NULL;
    }
    take(c, list, name);
    return l;
}

/* ---- base block and bins ----------------------------------------------- */

/* Returns 0 if there are no bins to look at. */
int check_base_block(struct ck *c)
{
    const uint8_t *bb = c->img;
    if (c->len < BASE) {
        problem(c, C_BB_SHORT, NIL, "file is %zu bytes", c->len);
        return 0;
    }
    if (memcmp(bb, "regf", 4) != 0)
        problem(c, C_BB_SIGNATURE, NIL, "signature %02x %02x %02x %02x",
                bb[0], bb[1], bb[2], bb[3]);
    uint32_t sum = regf__checksum(bb);
    if (rd_le32(bb + BB_CHECKSUM) != sum)
        problem(c, C_BB_CHECKSUM, NIL,
                "stored 0x%08x, computed 0x%08x (Windows then needs the "
                "header from a transaction log)",
                rd_le32(bb + BB_CHECKSUM), sum);
    if (rd_le32(bb + BB_SEQ1) != rd_le32(bb + BB_SEQ2) &&
        !(c->flags & REGF_CHECK_ALLOW_DIRTY))
        problem(c, C_BB_DIRTY, NIL,
                "Sequence1 %u, Sequence2 %u: dirty, the transaction logs "
                "hold newer data and must be replayed",
                rd_le32(bb + BB_SEQ1), rd_le32(bb + BB_SEQ2));
    uint32_t major = rd_le32(bb + BB_MAJOR);
    c->minor = rd_le32(bb + BB_MINOR);
    if (major != 1 || c->minor < 3 || c->minor > 6)
        problem(c, C_BB_VERSION, NIL, "version %u.%u", major, c->minor);
    if (rd_le32(bb + BB_TYPE) != 0)
        problem(c, C_BB_TYPE, NIL, "type %u%s", rd_le32(bb + BB_TYPE),
                rd_le32(bb + BB_TYPE) == 6 || rd_le32(bb + BB_TYPE) <= 2
                    ? " (a transaction log, not a hive)" : "");
    if (rd_le32(bb + BB_FORMAT) != 1)
        problem(c, C_BB_FORMAT, NIL, "format %u", rd_le32(bb + BB_FORMAT));
    if (rd_le32(bb + BB_CLUSTER) != 1)
        problem(c, C_BB_CLUSTER, NIL, "cluster %u", rd_le32(bb + BB_CLUSTER));
    c->layered = (rd_le32(bb + BB_FLAGS) & 2) != 0;
    uint32_t length = rd_le32(bb + BB_LENGTH);
    if (length == 0 || length % 4096 || length > REGF_MAX_BINS_SIZE)
        problem(c, C_BB_LENGTH, NIL, "Length 0x%x", length);
    if ((uint64_t)BASE + length > c->len) {
        problem(c, C_BB_TRUNCATED, NIL,
                "Length 0x%x but only 0x%zx bytes after the base block",
                length, c->len - BASE);
        length = (uint32_t)(c->len - BASE);
    }
    c->blen = length;
    c->bins = c->img + BASE;
    return length >= REGF_BIN_HDR;
}

void check_bins(struct ck *c)
{
    uint32_t off = 0;
    while (off < c->blen && !c->stop) {
        const uint8_t *b = c->bins + off;
        if (c->blen - off < REGF_BIN_HDR) {
            problem(c, C_BIN_SIZE, off, "%u bytes left for a bin at 0x%x",
                    c->blen - off, off);
            break;
        }
        if (memcmp(b, "hbin", 4) != 0) {
            problem(c, C_BIN_SIGNATURE, off, "no 'hbin' at 0x%x", off);
            break;
        }
        if (rd_le32(b + HBIN_OFFSET) != off)
            problem(c, C_BIN_OFFSET, off, "bin at 0x%x says FileOffset 0x%x",
                    off, rd_le32(b + HBIN_OFFSET));
        uint32_t size = rd_le32(b + HBIN_SIZE);
        if (size < 4096 || size % 4096 || size > c->blen - off) {
            problem(c, C_BIN_SIZE, off, "bin at 0x%x: size 0x%x (0x%x left)",
                    off, size, c->blen - off);
            break;
        }
        c->st->bins++;
        uint32_t end = off + size, p = off + REGF_BIN_HDR;
        int prev_free = 0;
        while (p < end) {
            uint32_t raw = rd_le32(c->bins + p);
            uint32_t abs = (raw & 0x80000000u) ? (uint32_t)0 - raw : raw;
            if (raw == 0 || abs % 8 || abs > end - p) {
                problem(c, C_CELL_SIZE, p,
                        "cell at 0x%x: size field 0x%08x (%u bytes left in the "
                        "bin)", p, raw, end - p);
                break;
            }
            if (raw & 0x80000000u) {
                c->map[p / 8] |= M_USED;
                c->st->cells_used++;
                prev_free = 0;
            } else {
                if (prev_free)
                    problem(c, C_FREE_ADJACENT, p,
                            "free cell at 0x%x follows another free cell", p);
                c->map[p / 8] |= M_FREE;
                c->st->cells_free++;
                prev_free = 1;
            }
            p += abs;
        }
        off = end;
    }
}

void check_leaks(struct ck *c)
{
    unsigned long leaked = 0;
    for (uint32_t i = 0; i < c->blen / 8 && !c->stop; i++) {
        if ((c->map[i] & (M_USED | M_REF)) != M_USED)
            continue;
        leaked++;
        const uint8_t *d = c->bins + 8 * i + 4;
        problem(c, C_CELL_LEAK, 8 * i,
                "allocated cell 0x%x (%u bytes, starts %02x %02x) is "
                "referenced by nothing", 8 * i,
                (uint32_t)0 - rd_le32(d - 4), d[0], d[1]);
    }
    c->st->leaked = leaked;
}
