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
 * Entries are sorted by upcased name (regf-format.md §7.7), and with an ri
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

/* Binary search in one leaf. */
static int search_leaf(regf_hive *h, const struct list *l, const uint16_t *u,
                       size_t nu, regf_key *out)
{
    uint32_t lo = 0, hi = l->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c, rc = cmp_entry(h, list_item(l, mid), u, nu, &c);
        if (rc != REGF_OK)
            return rc;
        if (c == 0) {
            *out = list_item(l, mid);
            return REGF_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return REGF_NOTFOUND;
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
    struct list l;
    int rc = key_list(h, key, &l);
    if (rc != REGF_OK)
        return rc;
    rc = search_sorted(h, key, &l, u, nu, out);
    if (rc != REGF_NOTFOUND)
        return rc;
    return search_scan(h, key, u, nu, out);
}
