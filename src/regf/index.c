/* index.c - subkey lists: iteration and lookup.
 *
 *   nk.SubKeyLists[Stable] --> li | lf | lh          (a leaf)
 *                          --> ri --> leaf, leaf ...  (an index root)
 *
 *   li: "li" u16 count, count x u32 nk offset
 *   lf: "lf" u16 count, count x {u32 nk offset, 4-byte name hint}
 *   lh: "lh" u16 count, count x {u32 nk offset, u32 name hash}
 *   ri: "ri" u16 count, count x u32 leaf offset (never another ri)
 *
 * Entries are sorted by upcased name (docs/format.md §7.7), and with an ri
 * the concatenation of its leaves is sorted, so a lookup is a binary search
 * over the leaves and then inside one leaf. A damaged hive may hold an
 * unsorted list (Windows would drop such keys); a lookup that misses falls
 * back to a scan so that a reader still finds every key that is there. */
#include <stdio.h>
#include <string.h>

#include "regf_int.h"

/* A list cell resolved and bounded: kind is 'i' (li), 'f', 'h' or 'r'. */
struct list {
    struct regf_span s;
    char kind;
    uint32_t count, stride;
};

static int open_list(regf_hive *h, uint32_t off, uint32_t owner, int leaf_only,
                     struct list *l)
{
    /* Messages are formatted only on failure: this runs for every list. */
    int rc = regf__cell(h, off, "subkey list", &l->s);
    if (rc != REGF_OK)
        return regf__corrupt(h, off, "subkey list of key 0x%x: offset does "
                             "not point to an allocated cell", owner);
    if (l->s.len < LIST_ITEMS)
        return regf__corrupt(h, off, "subkey list of key 0x%x: %u-byte cell "
                             "is too small", owner, l->s.len);
    const uint8_t *d = l->s.data;
    if (d[0] == 'l' && (d[1] == 'i' || d[1] == 'f' || d[1] == 'h'))
        l->kind = (char)d[1];
    else if (d[0] == 'r' && d[1] == 'i')
        l->kind = 'r';
    else
        return regf__corrupt(h, off, "subkey list of key 0x%x: unknown list "
                             "signature %02x %02x", owner, d[0], d[1]);
    if (leaf_only && l->kind == 'r')
        return regf__corrupt(h, off, "subkey list of key 0x%x: an index root "
                             "(ri) points to another index root", owner);
    l->stride = (l->kind == 'f' || l->kind == 'h') ? 8 : 4;
    l->count = rd_le16(d + LIST_COUNT);
    if (l->count > (l->s.len - LIST_ITEMS) / l->stride)
        return regf__corrupt(h, off, "subkey list of key 0x%x: %u entries do "
                             "not fit a %u-byte cell", owner, l->count,
                             l->s.len);
    return REGF_OK;
}

static inline uint32_t list_item(const struct list *l, uint32_t i)
{
    return rd_le32(l->s.data + LIST_ITEMS + (size_t)i * l->stride);
}

/* The stable subkey list of KEY; REGF_NOTFOUND when it has no subkeys. */
static int key_list(regf_hive *h, regf_key key, struct list *l)
{
    struct regf_span nk;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    if (rd_le32(nk.data + NK_NSUBKEYS) == 0)
        return REGF_NOTFOUND;
    return open_list(h, rd_le32(nk.data + NK_SUBKEYS), key, 0, l);
}

static int iter_step_raw(regf_hive *h, regf_iter *it, regf_key *out);

/* Advances to the next entry; iterator state lives in IT.
 *
 * A list can name more entries than the hive has keys only by repeating
 * itself (an ri listing one leaf 65535 times): every nk needs at least 80
 * bytes, so after bins_size / 80 entries the list is declared corrupt
 * instead of letting a scan run for minutes. */
static int iter_step(regf_hive *h, regf_iter *it, regf_key *out)
{
    if (it->returned > h->bins_size / 80)
        return regf__corrupt(h, it->list, "subkey list of key 0x%x: more "
                             "entries than the hive can hold keys (a leaf "
                             "listed repeatedly?)", it->key);
    int rc = iter_step_raw(h, it, out);
    if (rc == REGF_OK)
        it->returned++;
    return rc;
}

static int iter_step_raw(regf_hive *h, regf_iter *it, regf_key *out)
{
    struct list top;
    int rc = open_list(h, it->list, it->key, 0, &top);
    if (rc != REGF_OK)
        return rc;
    if (top.kind != 'r') {
        if (it->pos >= top.count)
            return REGF_NOTFOUND;
        *out = list_item(&top, it->pos++);
        return REGF_OK;
    }
    for (;;) {
        if (it->leaf != 0 && it->leaf_pos < it->leaf_count) {
            struct list leaf;
            rc = open_list(h, it->leaf, it->key, 1, &leaf);
            if (rc != REGF_OK)
                return rc;
            *out = list_item(&leaf, it->leaf_pos++);
            return REGF_OK;
        }
        if (it->pos >= top.count)
            return REGF_NOTFOUND;
        struct list leaf;
        uint32_t off = list_item(&top, it->pos++);
        rc = open_list(h, off, it->key, 1, &leaf);
        if (rc != REGF_OK)
            return rc;
        it->leaf = off;
        it->leaf_count = leaf.count;
        it->leaf_pos = 0;
    }
}

int regf_subkey_first(regf_hive *h, regf_key key, regf_iter *it,
                      regf_key *out)
{
    struct list l;
    memset(it, 0, sizeof *it);
    int rc = key_list(h, key, &l);
    if (rc != REGF_OK)
        return rc;
    it->key = key;
    it->list = l.s.off;
    it->count = l.count;
    return iter_step(h, it, out);
}

int regf_subkey_next(regf_hive *h, regf_iter *it, regf_key *out)
{
    if (it->list == 0)
        return REGF_NOTFOUND;
    return iter_step(h, it, out);
}

/* Compares the name of the key at OFF with U; the result goes to *cmp. */
static int cmp_entry(regf_hive *h, uint32_t off, const uint16_t *u,
                     size_t nu, int *cmp)
{
    struct regf_span nk;
    int rc = regf__nk(h, off, &nk);
    if (rc != REGF_OK)
        return rc;
    struct regf_name n;
    regf__nk_name(&nk, &n);
    *cmp = regf__name_cmp(&n, u, nu);
    return REGF_OK;
}

static int leaf_pos(regf_hive *h, const struct list *l, const uint16_t *u,
                    size_t nu, uint32_t *pos);

/* Binary search in one leaf: the lower bound, then an equality test. */
static int search_leaf(regf_hive *h, const struct list *l, const uint16_t *u,
                       size_t nu, regf_key *out)
{
    uint32_t pos;
    int c, rc = leaf_pos(h, l, u, nu, &pos);
    if (rc != REGF_OK)
        return rc;
    if (pos >= l->count)
        return REGF_NOTFOUND;
    if ((rc = cmp_entry(h, list_item(l, pos), u, nu, &c)) != REGF_OK)
        return rc;
    if (c != 0)
        return REGF_NOTFOUND;
    *out = list_item(l, pos);
    return REGF_OK;
}

static int search_sorted(regf_hive *h, regf_key key, const struct list *top,
                         const uint16_t *u, size_t nu, regf_key *out)
{
    if (top->kind != 'r')
        return search_leaf(h, top, u, nu, out);
    /* Find the last leaf whose first entry is <= U. */
    uint32_t lo = 0, hi = top->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct list leaf;
        int c, rc = open_list(h, list_item(top, mid), key, 1, &leaf);
        if (rc != REGF_OK)
            return rc;
        if (leaf.count == 0) {
            /* An empty leaf is a defect; let the scan handle this list. */
            return REGF_NOTFOUND;
        }
        rc = cmp_entry(h, list_item(&leaf, 0), u, nu, &c);
        if (rc != REGF_OK)
            return rc;
        if (c <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return REGF_NOTFOUND;
    struct list leaf;
    int rc = open_list(h, list_item(top, lo - 1), key, 1, &leaf);
    if (rc != REGF_OK)
        return rc;
    return search_leaf(h, &leaf, u, nu, out);
}

/* Linear scan for damaged (unsorted) lists. */
static int search_scan(regf_hive *h, regf_key key, const uint16_t *u,
                       size_t nu, regf_key *out)
{
    regf_iter it;
    regf_key k;
    int rc = regf_subkey_first(h, key, &it, &k);
    while (rc == REGF_OK) {
        int c;
        rc = cmp_entry(h, k, u, nu, &c);
        if (rc != REGF_OK)
            return rc;
        if (c == 0) {
            *out = k;
            return REGF_OK;
        }
        rc = regf_subkey_next(h, &it, &k);
    }
    return rc;
}

int regf__key_child_units(regf_hive *h, regf_key key, const uint16_t *u,
                          size_t nu, regf_key *out)
{
    int rc = regf__key_child_sorted(h, key, u, nu, out);
    if (rc != REGF_NOTFOUND)
        return rc;
    return search_scan(h, key, u, nu, out);
}

int regf__key_child_sorted(regf_hive *h, regf_key key, const uint16_t *u,
                           size_t nu, regf_key *out)
{
    struct list l;
    int rc = key_list(h, key, &l);
    if (rc != REGF_OK)
        return rc;
    return search_sorted(h, key, &l, u, nu, out);
}

/* ---- editing ---------------------------------------------------------------
 *
 * Insertion keeps the concatenated entries sorted: a binary search picks
 * the leaf (the last one whose first entry is not greater) and the place in
 * it. A leaf that outgrows Windows' sizes (1012 entries for lh/li, 506 for
 * lf, docs/format.md §7.7) is split in halves under an ri, which is created
 * when the key had a single leaf. Cells are grown with some slack so that
 * many insertions do not copy a leaf each time. Removal shrinks in place;
 * an emptied leaf leaves its ri, an ri with one leaf left is replaced by
 * that leaf, an empty list becomes NIL. New leaves are lh in hives of
 * minor version >= 5 and lf before (Windows' CmpAddSubKey). */

#define LEAF_MAX_LH 1012
#define LEAF_MAX_LF 506

static uint32_t leaf_max(char kind)
{
    return kind == 'f' ? LEAF_MAX_LF : LEAF_MAX_LH;
}

/* The lf hint: the first four characters as bytes, zero-padded; built
 * from the end and stopping at a character above 0xFF, so the bytes up to
 * and including it stay zero (verified on yarp UnicodeHive, PairHive and
 * TruncatedPairHive2, where "key\xd81d" has hint 0). */
static uint32_t lf_hint(const uint16_t *u, size_t nu)
{
    uint8_t b[4] = { 0, 0, 0, 0 };
    for (int i = 3; i >= 0; i--) {
        if ((size_t)i >= nu)
            continue;
        if (u[i] > 0xFF)
            break;
        b[i] = (uint8_t)u[i];
    }
    return rd_le32(b);
}

static uint32_t leaf_word(char kind, const uint16_t *u, size_t nu)
{
    return kind == 'h' ? regf__hash_units(u, nu) : lf_hint(u, nu);
}

/* Units of the name of key OFF (at most 256 + slack; longer names are
 * truncated, which only matters for hints and hashes of names Windows
 * would not accept anyway). */
static int key_units(regf_hive *h, regf_key off, uint16_t *u, size_t *nu)
{
    struct regf_span nk;
    int rc = regf__nk(h, off, &nk);
    if (rc != REGF_OK)
        return rc;
    struct regf_name n;
    regf__nk_name(&nk, &n);
    uint32_t k = regf__name_units(&n);
    if (k > 512)
        k = 512;
    for (uint32_t i = 0; i < k; i++)
        u[i] = regf__name_unit(&n, i);
    *nu = k;
    return REGF_OK;
}

static void set_list(regf_hive *h, regf_key key, uint32_t list)
{
    uint8_t *nk = regf__w(h, key);
    wr_le32(nk + NK_SUBKEYS, list);
    wr_le32(nk + NK_NVSUBKEYS, 0);          /* volatile fields: 0 / NIL */
    wr_le32(nk + NK_VSUBKEYS, REGF_NIL);
}

/* Makes a list cell of KIND with room for CAP entries, copying COUNT
 * entries from SRC (may be NULL) and leaving a gap at POS if GAP. */
static int list_new(regf_hive *h, char kind, uint32_t cap, uint32_t *out)
{
    uint32_t stride = (kind == 'f' || kind == 'h') ? 8 : 4;
    int rc = regf__alloc(h, LIST_ITEMS + cap * stride, out);
    if (rc != REGF_OK)
        return rc;
    uint8_t *d = regf__w(h, *out);
    d[0] = kind == 'r' ? 'r' : 'l';
    d[1] = kind == 'r' ? 'i' : (uint8_t)kind;
    wr_le16(d + LIST_COUNT, 0);
    return REGF_OK;
}

/* Inserts entry (W0, W1) at POS of the list at *OFF (growing the cell into
 * a new one when full; *OFF is updated). */
static int list_put(regf_hive *h, uint32_t *off, uint32_t pos, uint32_t w0,
                    uint32_t w1)
{
    struct list l;
    int rc = open_list(h, *off, 0, 0, &l);
    if (rc != REGF_OK)
        return rc;
    uint32_t count = l.count, stride = l.stride;
    if (count >= 0xFFFF)
        return regf__fail(h, REGF_ELIMIT, "subkey list 0x%x is full (65535 "
                          "entries)", *off);
    if (LIST_ITEMS + (size_t)(count + 1) * stride > l.s.len) {
        uint32_t cap = count + 1 + (count + 1) / 4 + 2, noff;
        if (cap > 0xFFFF)
            cap = 0xFFFF;
        if ((rc = list_new(h, l.kind, cap, &noff)) != REGF_OK)
            return rc;
        memcpy(regf__w(h, noff), regf__w(h, *off),
               LIST_ITEMS + (size_t)count * stride);
        regf__free(h, *off);
        *off = noff;
    }
    uint8_t *d = regf__w(h, *off);
    uint8_t *e = d + LIST_ITEMS + (size_t)pos * stride;
    memmove(e + stride, e, (size_t)(count - pos) * stride);
    wr_le32(e, w0);
    if (stride == 8)
        wr_le32(e + LIST_HASH, w1);
    wr_le16(d + LIST_COUNT, (uint16_t)(count + 1));
    return REGF_OK;
}

/* Moves the upper half of the leaf at LEAF into a new leaf *OUT. */
static int leaf_split(regf_hive *h, uint32_t leaf, uint32_t *out)
{
    struct list l;
    int rc = open_list(h, leaf, 0, 1, &l);
    if (rc != REGF_OK)
        return rc;
    uint32_t count = l.count, keep = count / 2, move = count - keep;
    uint32_t stride = l.stride;
    char kind = l.kind;
    if ((rc = list_new(h, kind, move + move / 4 + 2, out)) != REGF_OK)
        return rc;
    uint8_t *src = regf__w(h, leaf), *dst = regf__w(h, *out);
    memcpy(dst + LIST_ITEMS, src + LIST_ITEMS + (size_t)keep * stride,
           (size_t)move * stride);
    wr_le16(dst + LIST_COUNT, (uint16_t)move);
    memset(src + LIST_ITEMS + (size_t)keep * stride, 0, (size_t)move * stride);
    wr_le16(src + LIST_COUNT, (uint16_t)keep);
    return REGF_OK;
}

/* Lower bound: first entry of leaf L whose name is greater than U. */
static int leaf_pos(regf_hive *h, const struct list *l, const uint16_t *u,
                    size_t nu, uint32_t *pos)
{
    uint32_t lo = 0, hi = l->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c, rc = cmp_entry(h, list_item(l, mid), u, nu, &c);
        if (rc != REGF_OK)
            return rc;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return REGF_OK;
}

/* In an ri: the leaf index for name U (last leaf whose first entry <= U,
 * or 0). */
static int ri_slot(regf_hive *h, regf_key key, const struct list *ri,
                   const uint16_t *u, size_t nu, uint32_t *slot)
{
    uint32_t lo = 0, hi = ri->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct list leaf;
        int c, rc = open_list(h, list_item(ri, mid), key, 1, &leaf);
        if (rc != REGF_OK)
            return rc;
        if (leaf.count == 0)
            return regf__corrupt(h, leaf.s.off, "empty leaf in the index "
                                 "root of key 0x%x", key);
        if ((rc = cmp_entry(h, list_item(&leaf, 0), u, nu, &c)) != REGF_OK)
            return rc;
        if (c <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *slot = lo ? lo - 1 : 0;
    return REGF_OK;
}

int regf__list_insert(regf_hive *h, regf_key parent, regf_key child,
                      const uint16_t *u, size_t nu)
{
    struct regf_span nk;
    int rc = regf__nk(h, parent, &nk);
    if (rc != REGF_OK)
        return rc;
    uint32_t count = rd_le32(nk.data + NK_NSUBKEYS);
    uint32_t top = rd_le32(nk.data + NK_SUBKEYS);
    if (count == 0) {
        char kind = h->info.minor >= 5 ? 'h' : 'f';
        uint32_t leaf;
        if ((rc = list_new(h, kind, 4, &leaf)) != REGF_OK)
            return rc;
        if ((rc = list_put(h, &leaf, 0, child, leaf_word(kind, u, nu))) != REGF_OK)
            return rc;
        set_list(h, parent, leaf);
        return REGF_OK;
    }
    struct list l;
    if ((rc = open_list(h, top, parent, 0, &l)) != REGF_OK)
        return rc;
    uint32_t leaf = top, slot = 0;
    struct list ri = l;
    if (l.kind == 'r') {
        if ((rc = ri_slot(h, parent, &ri, u, nu, &slot)) != REGF_OK)
            return rc;
        leaf = list_item(&ri, slot);
        if ((rc = open_list(h, leaf, parent, 1, &l)) != REGF_OK)
            return rc;
    }
    uint32_t pos;
    if ((rc = leaf_pos(h, &l, u, nu, &pos)) != REGF_OK)
        return rc;
    char kind = l.kind;
    uint32_t old_leaf = leaf;
    if ((rc = list_put(h, &leaf, pos, child, leaf_word(kind, u, nu))) != REGF_OK)
        return rc;
    /* Split until every piece fits; a leaf written by another tool may be
     * far beyond Windows' size, so one halving is not always enough. */
    uint32_t piece[160], npiece = 1;
    piece[0] = leaf;
    for (uint32_t i = 0; i < npiece;) {
        struct list pl;
        if ((rc = open_list(h, piece[i], parent, 1, &pl)) != REGF_OK)
            return rc;
        if (pl.count <= leaf_max(kind) || npiece == 160) {
            i++;
            continue;
        }
        uint32_t right;
        if ((rc = leaf_split(h, piece[i], &right)) != REGF_OK)
            return rc;
        memmove(&piece[i + 2], &piece[i + 1], (npiece - i - 1) * sizeof *piece);
        piece[i + 1] = right;
        npiece++;
    }
    if (ri.kind != 'r') {
        if (npiece == 1) {
            set_list(h, parent, leaf);
            return REGF_OK;
        }
        uint32_t nri;
        if ((rc = list_new(h, 'r', npiece + 2, &nri)) != REGF_OK)
            return rc;
        for (uint32_t i = 0; i < npiece; i++)
            if ((rc = list_put(h, &nri, i, piece[i], 0)) != REGF_OK)
                return rc;
        set_list(h, parent, nri);
        return REGF_OK;
    }
    if (leaf != old_leaf)
        wr_le32(regf__w(h, top) + LIST_ITEMS + 4 * (size_t)slot, leaf);
    for (uint32_t i = 1; i < npiece; i++)
        if ((rc = list_put(h, &top, slot + i, piece[i], 0)) != REGF_OK)
            return rc;
    set_list(h, parent, top);
    return REGF_OK;
}

/* Finds CHILD in the list of PARENT: leaf index *slot (0 without ri) and
 * position *pos. */
static int find_entry(regf_hive *h, regf_key parent, const struct list *top,
                      regf_key child, uint32_t *slot, uint32_t *pos)
{
    uint16_t u[512];
    size_t nu;
    int rc = key_units(h, child, u, &nu);
    if (rc != REGF_OK)
        return rc;
    uint32_t nleaves = top->kind == 'r' ? top->count : 1;
    /* Sorted position first, then any position (damaged lists). */
    uint32_t s0 = 0;
    if (top->kind == 'r' && ri_slot(h, parent, top, u, nu, &s0) != REGF_OK)
        s0 = 0;
    for (uint32_t k = 0; k < nleaves; k++) {
        uint32_t s = (s0 + k) % nleaves;
        struct list l = *top;
        if (top->kind == 'r' &&
            (rc = open_list(h, list_item(top, s), parent, 1, &l)) != REGF_OK)
            return rc;
        for (uint32_t i = 0; i < l.count; i++)
            if (list_item(&l, i) == child) {
                *slot = s;
                *pos = i;
                return REGF_OK;
            }
    }
    return regf__corrupt(h, child, "key is not in the subkey list of its "
                         "parent 0x%x", parent);
}

int regf__list_remove(regf_hive *h, regf_key parent, regf_key child)
{
    struct regf_span nk;
    int rc = regf__nk(h, parent, &nk);
    if (rc != REGF_OK)
        return rc;
    uint32_t top = rd_le32(nk.data + NK_SUBKEYS);
    struct list t, l;
    if ((rc = open_list(h, top, parent, 0, &t)) != REGF_OK)
        return rc;
    uint32_t slot, pos;
    if ((rc = find_entry(h, parent, &t, child, &slot, &pos)) != REGF_OK)
        return rc;
    uint32_t leaf = t.kind == 'r' ? list_item(&t, slot) : top;
    if ((rc = open_list(h, leaf, parent, 0, &l)) != REGF_OK)
        return rc;
    uint8_t *d = regf__w(h, leaf);
    uint8_t *e = d + LIST_ITEMS + (size_t)pos * l.stride;
    memmove(e, e + l.stride, (size_t)(l.count - pos - 1) * l.stride);
    memset(d + LIST_ITEMS + (size_t)(l.count - 1) * l.stride, 0, l.stride);
    wr_le16(d + LIST_COUNT, (uint16_t)(l.count - 1));
    if (l.count - 1 > 0) {
        set_list(h, parent, top);
        return REGF_OK;
    }
    regf__free(h, leaf);
    if (t.kind != 'r') {
        set_list(h, parent, REGF_NIL);
        return REGF_OK;
    }
    uint8_t *r = regf__w(h, top);
    uint8_t *re = r + LIST_ITEMS + 4 * (size_t)slot;
    memmove(re, re + 4, 4 * (size_t)(t.count - slot - 1));
    wr_le32(r + LIST_ITEMS + 4 * (size_t)(t.count - 1), 0);
    wr_le16(r + LIST_COUNT, (uint16_t)(t.count - 1));
    if (t.count - 1 == 1) {
        uint32_t only = rd_le32(r + LIST_ITEMS);
        regf__free(h, top);
        set_list(h, parent, only);
    } else if (t.count - 1 == 0) {
        regf__free(h, top);
        set_list(h, parent, REGF_NIL);
    } else {
        set_list(h, parent, top);
    }
    return REGF_OK;
}

/* Appends the list cells of KEY (the ri and its leaves, or the leaf) to
 * CELLS via ADD. */
int regf__list_cells(regf_hive *h, regf_key key,
                     int (*add)(void *ctx, uint32_t off), void *ctx)
{
    struct list top;
    int rc = key_list(h, key, &top);
    if (rc == REGF_NOTFOUND)
        return REGF_OK;
    if (rc != REGF_OK)
        return rc;
    if ((rc = add(ctx, top.s.off)) != REGF_OK || top.kind != 'r')
        return rc;
    for (uint32_t i = 0; i < top.count; i++) {
        struct list leaf;
        if ((rc = open_list(h, list_item(&top, i), key, 1, &leaf)) != REGF_OK ||
            (rc = add(ctx, leaf.s.off)) != REGF_OK)
            return rc;
    }
    return REGF_OK;
}
