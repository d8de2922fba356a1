/* check.c - full structural validation of a hive image (regf_check_image),
 * in the spirit of e2fsck: every rule of docs/format.md §13 ("What Windows
 * checks when loading a hive") and, with REGF_CHECK_STRICT, the writer
 * rules of §14. Each problem is reported once to a callback with a stable
 * code, a severity, the key path, the cell offset and a message.
 *
 * The checker works on the raw image, not on an opened handle: a hive
 * whose base block or bins the normal open refuses is still checked as far
 * as it can be, and its defects come out as problems. It has its own walk
 * and its own bounds-checked readers (every offset is validated against a
 * cell map built from the bin scan before it is used), shares only the
 * upcase table with the rest of the library, and never crashes, hangs or
 * aborts on any input. It began as the tests' independent checker
 * (tests/support/hivecheck.c, now a thin wrapper over it).
 *
 * Order of work:
 *   1. base block;
 *   2. bins and cells: every cell start is recorded in a map (one byte per
 *      8-byte unit of the bins data: allocated / free / referenced / key /
 *      sk-ring member);
 *   3. the sk ring from the root key's sk;
 *   4. the key tree, depth first with an explicit stack: each key, its
 *      class, values (and their data, db records), security and subkey
 *      lists (hashes, hints, order, counts), the Max* fields of the parent;
 *      every cell reached is marked "referenced" (twice = CELL_SHARED);
 *   5. sk reference counts; with REGF_CHECK_STRICT allocated cells nobody
 *      references (CELL_LEAK).
 *
 * Here: the entry point and the growth of the checker's arrays. The checks
 * are in check_bins.c (1, 2, leaks), check_sk.c (3, reference counts),
 * check_keys.c (4, with check_values.c and check_lists.c); the codes and
 * the reporting in check_report.c, names in check_names.c; check_int.h
 * holds what they share. */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* Grows *P (of *CAP elements of SIZE bytes) to hold at least N; 0 or -1
 * (then the check stops with REGF_ENOMEM). */
int grow(struct ck *c, void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < n)
        nc *= 2;
    void *q = nc <= SIZE_MAX / size ? realloc(*p, nc * size) : NULL;
    if (!q) {
        c->stop = REGF_ENOMEM;
        return -1;
    }
    *p = q;
    *cap = nc;
    return 0;
}

/* ---- entry point ------------------------------------------------------- */

int regf_check_image(const void *img, size_t len, unsigned flags,
                     regf_problem_fn *fn, void *ctx,
                     struct regf_check_stats *stats)
{
    struct regf_check_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!img && len)
        return REGF_EINVAL;
    struct ck c;
    memset(&c, 0, sizeof c);
    c.img = img;
    c.len = len;
    c.flags = flags;
    c.strict = (flags & REGF_CHECK_STRICT) != 0;
    c.fn = fn;
    c.ctx = ctx;
    c.st = stats;
    c.root = c.root_sk = NIL;
    if (check_base_block(&c) && !c.stop) {
        stats->minor = c.minor;
        c.map = calloc((size_t)c.blen / 8 + 1, 1);
        if (!c.map) {
            c.stop = REGF_ENOMEM;
        } else {
            check_bins(&c);
            c.root = rd_le32(c.img + BB_ROOT);
            if (!c.stop)
                walk(&c, c.root);
            if (c.sk_ok && !c.stop)
                check_sk_counts(&c);
            if (c.strict && !c.stop)
                check_leaks(&c);
        }
    } else {
        stats->minor = c.minor;
    }
    free(c.map);
    free(c.fr);
    free(c.kids);
    free(c.sk);
    free(c.vn);
    free(c.path);
    return c.stop;
}
