/* check_lists.c - a key's subkey list: an li, lf or lh leaf, or an ri
 * index of such leaves. Each entry must be an nk (with the right lh hash
 * or lf hint), the entries in ascending upcased order without duplicates,
 * the leaves adding up to the subkey count; the children found are queued
 * for the walk, and the key's MaxNameLen and MaxClassLen are checked
 * against them. */
#include <string.h>

#include "check_int.h"

struct leafwalk {
    uint32_t total;             /* entries seen */
    int have_prev;
    struct name prev;
    uint32_t prev_off;
    uint32_t max_name, max_class;
};

static void check_leaf(struct ck *c, struct leafwalk *w, uint32_t leaf,
                       const uint8_t *d, uint32_t usable)
{
    int lf = d[1] == 'f', lh = d[1] == 'h';
    uint32_t stride = (lf || lh) ? 8 : 4, n = rd_le16(d + LIST_COUNT);
    char nb[SHOW_MAX], pb[SHOW_MAX];
    if (LIST_ITEMS + (uint64_t)n * stride > usable) {
        problem(c, C_LIST_CELL, leaf,
                "%c%c 0x%x: %u entries in %u usable bytes", d[0], d[1], leaf,
                n, usable);
        n = (usable - LIST_ITEMS) / stride;
    }
    if (c->strict) {
        int want_lh = c->minor >= 5;
        if (want_lh ? !lh : lh)
            problem(c, C_LEAF_TYPE, leaf, "%c%c leaf 0x%x in a 1.%u hive",
                    d[0], d[1], leaf, c->minor);
        if (n > (lf ? 506u : 1012u))
            problem(c, C_LEAF_BIG, leaf, "%c%c leaf 0x%x has %u entries",
                    d[0], d[1], leaf, n);
    }
    for (uint32_t i = 0; i < n && !c->stop; i++) {
        const uint8_t *e = d + LIST_ITEMS + i * stride;
        uint32_t off = rd_le32(e);
        w->total++;
        struct name nm;
        if (!key_cell(c, off, &nm, C_LIST_ENTRY, C_NK_CELL, "subkey"))
            continue;
        if (lh && rd_le32(e + LIST_HASH) != name_hash(&nm))
            problem(c, C_LH_HASH, leaf,
                    "lh 0x%x: subkey '%s' (0x%x) hash 0x%08x, want 0x%08x",
                    leaf, show(nb, &nm), off, rd_le32(e + LIST_HASH),
                    name_hash(&nm));
        if (lf && rd_le32(e + LIST_HASH) != name_hint(&nm))
            problem(c, C_LF_HINT, leaf,
                    "lf 0x%x: subkey '%s' (0x%x) hint 0x%08x, want 0x%08x",
                    leaf, show(nb, &nm), off, rd_le32(e + LIST_HASH),
                    name_hint(&nm));
        if (w->have_prev) {
            int r = name_cmp(&w->prev, &nm);
            if (r == 0)
                problem(c, C_SUBKEY_DUP, off,
                        "subkeys 0x%x and 0x%x are both named '%s'",
                        w->prev_off, off, show(nb, &nm));
            else if (r > 0)
                problem(c, C_LIST_ORDER, off,
                        "subkey '%s' (0x%x) after '%s' (0x%x)", show(nb, &nm),
                        off, show(pb, &w->prev), w->prev_off);
        }
        w->have_prev = 1;
        w->prev = nm;
        w->prev_off = off;
        const uint8_t *kd = c->bins + off + 4;
        if (2 * nm.units > w->max_name)
            w->max_name = 2 * nm.units;
        if (rd_le16(kd + NK_CLASSLEN) > w->max_class)
            w->max_class = rd_le16(kd + NK_CLASSLEN);
        uint8_t *m = &c->map[off / 8];
        if (*m & M_NK) {
            problem(c, C_NK_SHARED, off,
                    "subkey '%s' (0x%x) was already reached (cycle or shared "
                    "key)", show(nb, &nm), off);
            continue;
        }
        *m |= M_NK | M_REF;
        if (grow(c, (void **)&c->kids, &c->capkids, c->nkids + 1,
                 sizeof *c->kids) != 0)
            return;
        c->kids[c->nkids++] = off;
    }
}

/* Subkey list of key K (record D): checks it and pushes the children. */
void check_subkeys(struct ck *c, uint32_t k, const uint8_t *d)
{
    uint32_t count = rd_le32(d + NK_NSUBKEYS), list = rd_le32(d + NK_SUBKEYS);
    struct leafwalk w = { 0, 0, { NULL, 0, 0 }, 0, 0, 0 };
    uint32_t usable;
    const uint8_t *l = list_cell(c, k, count, list, C_SUBKEY_LIST, "subkeys",
                                 "subkey list", &usable);
    if (!l)
        goto done;
    if (usable < LIST_ITEMS || l[0] == 0 || !strchr("lr", l[0]) || !l[1] ||
        !strchr(l[0] == 'r' ? "i" : "ifh", l[1])) {
        problem(c, C_LIST_CELL, list,
                "subkey list 0x%x: signature %02x %02x, %u usable bytes", list,
                usable >= 2 ? l[0] : 0, usable >= 2 ? l[1] : 0, usable);
        goto done;
    }
    if (l[0] == 'l') {
        check_leaf(c, &w, list, l, usable);
    } else {
        uint32_t n = rd_le16(l + LIST_COUNT);
        if (LIST_ITEMS + (uint64_t)n * 4 > usable) {
            problem(c, C_LIST_CELL, list, "ri 0x%x: %u leaves in %u bytes",
                    list, n, usable);
            n = (usable - LIST_ITEMS) / 4;
        }
        for (uint32_t i = 0; i < n && !c->stop; i++) {
            uint32_t leaf = rd_le32(l + LIST_ITEMS + 4 * i), lu;
            const uint8_t *ld = cell_at(c, leaf, &lu);
            if (!ld) {
                problem(c, C_LIST_CELL, list, "ri 0x%x: leaf %u (0x%x) is %s",
                        list, i, leaf, not_cell(c, leaf));
                continue;
            }
            take(c, leaf, "leaf");
            if (lu >= 4 && ld[0] == 'r' && ld[1] == 'i') {
                problem(c, C_RI_NESTED, leaf, "ri 0x%x: element %u is ri 0x%x",
                        list, i, leaf);
                continue;
            }
            if (lu < 4 || ld[0] != 'l' || !ld[1] || !strchr("ifh", ld[1])) {
                problem(c, C_LIST_CELL, leaf,
                        "ri 0x%x: element %u (0x%x) is not a leaf", list, i,
                        leaf);
                continue;
            }
            if (rd_le16(ld + LIST_COUNT) == 0)
                problem(c, C_RI_EMPTY_LEAF, leaf,
                        "ri 0x%x: leaf %u (0x%x) is empty", list, i, leaf);
            check_leaf(c, &w, leaf, ld, lu);
        }
    }
    if (w.total != count && !c->stop)
        problem(c, C_SUBKEY_COUNT, k,
                "subkey count %u, the lists hold %u entries", count, w.total);
done:
    if ((rd_le32(d + NK_MAXNAME) & 0xFFFF) < w.max_name)
        problem(c, C_MAX_NAME_LEN, k,
                "MaxNameLen %u < %u (longest subkey name, UTF-16 bytes)",
                rd_le32(d + NK_MAXNAME) & 0xFFFF, w.max_name);
    if (rd_le32(d + NK_MAXCLASS) < w.max_class)
        problem(c, C_MAX_CLASS_LEN, k,
                "MaxClassLen %u < %u (longest subkey class)",
                rd_le32(d + NK_MAXCLASS), w.max_class);
}
