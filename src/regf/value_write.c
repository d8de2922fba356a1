/* value_write.c - setting and deleting values.
 *
 * Storage of the data (docs/format.md §7.4, §7.6, §14 items 8-9):
 *   - 0..4 bytes inline in the vk: DataLength = len | 0x80000000, unused
 *     bytes zero (an empty value is 0x80000000 / 0);
 *   - up to 16344 bytes, or any size in a hive of minor version < 4: one
 *     cell (1.3 hives: at most 1 MiB, Windows' "standard format" limit);
 *   - more than 16344 bytes in minor >= 4: a db record (16-byte cell), a
 *     segment list and ceil(len / 16344) segments, each a full 16352-byte
 *     cell holding 16344 bytes (the last one the remainder).
 * A new value's vk carries the compressed-name flag when every unit of the
 * name is <= 0xFF (the default value has the empty name and flag 0). The
 * key's MaxValueNameLen / MaxValueDataLen are raised to cover the value and
 * its LastWritten is set.
 *
 * Finding a value by name is a scan of the value list; for keys with many
 * values the names are indexed by hash once (vcache), so adding 100,000
 * values to one key stays linear. */
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

#define ONE_CELL_MAX_13 (1024 * 1024)

/* ---- value-name index ---------------------------------------------------- */

struct regf_vcache {
    regf_key key;
    uint32_t nvalues;          /* count the index was built/extended for */
    uint32_t nslots;           /* power of two */
    uint32_t *slot;            /* value index + 1, 0 = empty */
    uint32_t *hash;            /* name hash per slot */
};

void regf__vcache_drop(regf_hive *h)
{
    if (h->vcache) {
        free(h->vcache->slot);
        free(h->vcache->hash);
        free(h->vcache);
        h->vcache = NULL;
    }
}

static uint32_t name_hash(const struct regf_name *n)
{
    uint32_t hv = 0, k = regf__name_units(n);
    for (uint32_t i = 0; i < k; i++)
        hv = 37 * hv + regf__up(regf__name_unit(n, i));
    return hv;
}

static int vcache_put(struct regf_vcache *c, uint32_t hv, uint32_t index)
{
    uint32_t m = c->nslots - 1;
    for (uint32_t i = hv & m;; i = (i + 1) & m)
        if (!c->slot[i]) {
            c->slot[i] = index + 1;
            c->hash[i] = hv;
            return 0;
        }
}

/* Builds (or extends) the index for KEY with NVALUES values. */
static int vcache_sync(regf_hive *h, regf_key key, uint32_t nvalues)
{
    struct regf_vcache *c = h->vcache;
    if (c && c->key == key && c->nvalues == nvalues)
        return REGF_OK;
    if (!c || c->key != key || c->nvalues > nvalues ||
        (uint64_t)nvalues * 2 > c->nslots) {
        /* The count must fit the key's value list cell before it sizes
         * anything: a crafted count of 2^30 made the doubling below wrap
         * to 0 and never end (found by fuzz_edit). */
        struct regf_span nk, list;
        uint32_t count;
        int vrc = regf__nk(h, key, &nk);
        if (vrc == REGF_OK)
            vrc = regf__value_list(h, key, &nk, &count, &list);
        if (vrc != REGF_OK)
            return vrc;
        if (count < nvalues)
            return regf__corrupt(h, key, "value count %u is larger than the "
                                 "value list", nvalues);
        regf__vcache_drop(h);
        c = calloc(1, sizeof *c);
        if (!c)
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        c->key = key;
        uint64_t slots = 64;
        while (slots < (uint64_t)nvalues * 4)
            slots *= 2;
        c->nslots = (uint32_t)slots;    /* nvalues <= list cell / 4 < 2^29 */
        c->slot = calloc(c->nslots, sizeof *c->slot);
        c->hash = calloc(c->nslots, sizeof *c->hash);
        h->vcache = c;
        if (!c->slot || !c->hash) {
            regf__vcache_drop(h);
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        }
    }
    for (uint32_t i = c->nvalues; i < nvalues; i++) {
        regf_val v;
        struct regf_span vk;
        struct regf_name n;
        int rc = regf_value_at(h, key, i, &v);
        if (rc == REGF_OK)
            rc = regf__vk(h, v, &vk);
        if (rc != REGF_OK) {
            regf__vcache_drop(h);
            return rc;
        }
        regf__vk_name(&vk, &n);
        vcache_put(c, name_hash(&n), i);
    }
    c->nvalues = nvalues;
    return REGF_OK;
}

/* Whether value I of KEY is named U: *SAME. */
static int value_named(regf_hive *h, regf_key key, uint32_t i,
                       const uint16_t *u, size_t nu, int *same)
{
    regf_val v;
    struct regf_span vk;
    struct regf_name n;
    int rc;
    if ((rc = regf_value_at(h, key, i, &v)) != REGF_OK ||
        (rc = regf__vk(h, v, &vk)) != REGF_OK)
        return rc;
    regf__vk_name(&vk, &n);
    *same = regf__name_cmp(&n, u, nu) == 0;
    return REGF_OK;
}

/* Index of the value of KEY named U, or REGF_NOTFOUND. */
static int find_value(regf_hive *h, regf_key key, uint32_t nvalues,
                      const uint16_t *u, size_t nu, uint32_t *index)
{
    int rc, same;
    if (nvalues > 32) {
        if ((rc = vcache_sync(h, key, nvalues)) != REGF_OK)
            return rc;
        struct regf_vcache *c = h->vcache;
        uint32_t hv = regf__hash_units(u, nu), m = c->nslots - 1;
        for (uint32_t i = hv & m; c->slot[i]; i = (i + 1) & m) {
            if (c->hash[i] != hv)
                continue;
            if ((rc = value_named(h, key, c->slot[i] - 1, u, nu, &same)) !=
                REGF_OK)
                return rc;
            if (same) {
                *index = c->slot[i] - 1;
                return REGF_OK;
            }
        }
        return REGF_NOTFOUND;
    }
    for (uint32_t i = 0; i < nvalues; i++) {
        if ((rc = value_named(h, key, i, u, nu, &same)) != REGF_OK)
            return rc;
        if (same) {
            *index = i;
            return REGF_OK;
        }
    }
    return REGF_NOTFOUND;
}

/* ---- data storage --------------------------------------------------------- */

int regf__value_cells(regf_hive *h, regf_val val,
                      int (*add)(void *ctx, uint32_t off), void *ctx)
{
    struct regf_span vk, cell, list;
    int rc = regf__vk(h, val, &vk);
    if (rc != REGF_OK)
        return rc;
    uint32_t raw = rd_le32(vk.data + VK_DATALEN);
    uint32_t data = rd_le32(vk.data + VK_DATA);
    if ((raw & VK_INLINE) || raw == 0 || data == REGF_NIL)
        return REGF_OK;
    if ((rc = regf__cell(h, data, "value data", &cell)) != REGF_OK)
        return rc;
    if (h->info.minor >= 4 && raw > REGF_BIG_SEGMENT && cell.len >= 8 &&
        memcmp(cell.data, "db", 2) == 0) {
        uint32_t count = rd_le16(cell.data + DB_COUNT);
        if ((rc = regf__cell(h, rd_le32(cell.data + DB_LIST), "big data "
                             "segment list", &list)) != REGF_OK)
            return rc;
        if (count > list.len / 4)
            return regf__corrupt(h, list.off, "big data segment list: %u "
                                 "entries do not fit a %u-byte cell", count,
                                 list.len);
        for (uint32_t i = 0; i < count; i++)
            if ((rc = add(ctx, rd_le32(list.data + 4 * (size_t)i))) != REGF_OK)
                return rc;
        if ((rc = add(ctx, list.off)) != REGF_OK)
            return rc;
    }
    return add(ctx, data);
}

struct offs {
    uint32_t v[8];
    uint32_t *p;
    size_t n, cap;
};

static int offs_add(void *ctx, uint32_t off)
{
    struct offs *o = ctx;
    if (o->n == o->cap) {
        size_t cap = o->cap * 2;
        uint32_t *p = o->p == o->v ? malloc(cap * sizeof *p)
                                   : realloc(o->p, cap * sizeof *p);
        if (!p)
            return REGF_ENOMEM;
        if (o->p == o->v)
            memcpy(p, o->v, sizeof o->v);
        o->p = p;
        o->cap = cap;
    }
    o->p[o->n++] = off;
    return REGF_OK;
}

/* Stores DATA and returns the DataLength and Data fields for the vk. */
static int store_data(regf_hive *h, const uint8_t *data, size_t len,
                      uint32_t *f_len, uint32_t *f_data)
{
    int rc;
    if (len <= 4) {
        uint8_t b[4] = { 0, 0, 0, 0 };
        if (len)
            memcpy(b, data, len);
        *f_len = (uint32_t)len | VK_INLINE;
        *f_data = rd_le32(b);
        return REGF_OK;
    }
    *f_len = (uint32_t)len;
    if (h->info.minor < 4 || len <= REGF_BIG_SEGMENT) {
        if ((rc = regf__alloc(h, (uint32_t)len, f_data)) != REGF_OK)
            return rc;
        memcpy(regf__w(h, *f_data), data, len);
        return REGF_OK;
    }
    uint32_t count = (uint32_t)((len + REGF_BIG_SEGMENT - 1) / REGF_BIG_SEGMENT);
    uint32_t db, list;
    if ((rc = regf__alloc(h, 12, &db)) != REGF_OK ||
        (rc = regf__alloc(h, 4 * count, &list)) != REGF_OK)
        return rc;
    size_t done = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t seg;
        size_t take = len - done < REGF_BIG_SEGMENT ? len - done
                                                    : REGF_BIG_SEGMENT;
        /* Every segment a full 16352-byte cell, as Windows writes them. */
        if ((rc = regf__alloc(h, REGF_BIG_SEGMENT + 4, &seg)) != REGF_OK)
            return rc;
        memcpy(regf__w(h, seg), data + done, take);
        wr_le32(regf__w(h, list) + 4 * (size_t)i, seg);
        done += take;
    }
    uint8_t *d = regf__w(h, db);
    d[0] = 'd';
    d[1] = 'b';
    wr_le16(d + DB_COUNT, (uint16_t)count);
    wr_le32(d + DB_LIST, list);
    *f_data = db;
    return REGF_OK;
}

static void raise_max(regf_hive *h, regf_key key, size_t name_units,
                      size_t len)
{
    uint8_t *k = regf__w(h, key);
    if (rd_le32(k + NK_MAXVNAME) < 2 * name_units)
        wr_le32(k + NK_MAXVNAME, (uint32_t)(2 * name_units));
    if (rd_le32(k + NK_MAXVDATA) < len)
        wr_le32(k + NK_MAXVDATA, (uint32_t)len);
    wr_le64(k + NK_LASTWRITE, regf__now(h));
    wr_le32(k + NK_NVSUBKEYS, 0);
    wr_le32(k + NK_VSUBKEYS, REGF_NIL);
}

static int value_name_units(regf_hive *h, const char *name, size_t len,
                            uint16_t **u, size_t *nu)
{
    *u = malloc((len + 1) * sizeof **u);
    if (!*u)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    long n = regf__utf8_to_units(name ? name : "", len, *u, len + 1);
    if (n < 0 || n > 16383) {
        free(*u);
        *u = NULL;
        return regf__fail(h, REGF_EINVAL, "value name '%.*s' is not valid "
                          "UTF-8 or longer than 16383 characters",
                          (int)(len > 64 ? 64 : len), name);
    }
    *nu = (size_t)n;
    return REGF_OK;
}

int regf_value_set(regf_hive *h, regf_key key, const char *name,
                   size_t name_len, uint32_t type, const void *data,
                   size_t len)
{
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    if (len > 0x7FFFFFF0u || (h->info.minor < 4 && len > ONE_CELL_MAX_13) ||
        (h->info.minor >= 4 && len > (size_t)0xFFFF * REGF_BIG_SEGMENT))
        return regf__fail(h, REGF_ELIMIT, "value data of %zu bytes is too "
                          "large for a version 1.%u hive", len, h->info.minor);
    uint16_t *u;
    size_t nu = 0;
    if ((rc = value_name_units(h, name, name_len, &u, &nu)) != REGF_OK)
        return rc;
    struct regf_span nk;
    uint32_t index = 0;
    if ((rc = regf__nk(h, key, &nk)) != REGF_OK)
        goto out;
    uint32_t nvalues = rd_le32(nk.data + NK_NVALUES);
    rc = find_value(h, key, nvalues, u, nu, &index);
    if (rc != REGF_OK && rc != REGF_NOTFOUND)
        goto out;
    int exists = rc == REGF_OK;
    /* A symbolic-link key holds exactly one value, SymbolicLinkValue of
     * type REG_LINK (docs/format.md §7.1; Windows checks it at load). */
    if (rd_le16(nk.data + NK_FLAGS) & NK_FLAG_SYM_LINK) {
        static const uint16_t slv[] = { 'S','y','m','b','o','l','i','c','L',
                                        'i','n','k','V','a','l','u','e' };
        int is_slv = nu == 17;
        for (size_t i = 0; is_slv && i < 17; i++)
            is_slv = regf__up(u[i]) == regf__up(slv[i]);
        if (!is_slv || type != REGF_LINK || (!exists && nvalues > 0)) {
            rc = regf__fail(h, REGF_EINVAL, "key 0x%x is a symbolic link: "
                            "it can hold only one value, SymbolicLinkValue "
                            "of type REG_LINK", key);
            goto out;
        }
    }
    regf_val old = 0;
    struct offs oldcells = { {0}, NULL, 0, 8 };
    oldcells.p = oldcells.v;
    if (exists) {
        /* Gather the old data cells before anything changes. */
        if ((rc = regf_value_at(h, key, index, &old)) != REGF_OK ||
            (rc = regf__value_cells(h, old, offs_add, &oldcells)) != REGF_OK)
            goto out_cells;
    } else if (nvalues >= 0x3FFFFFFFu) {
        rc = regf__fail(h, REGF_ELIMIT, "too many values");
        goto out_cells;
    }

    /* Changes start here. */
    uint32_t f_len, f_data;
    if ((rc = store_data(h, data, len, &f_len, &f_data)) != REGF_OK) {
        rc = regf__edit_fail(h, rc);
        goto out_cells;
    }
    if (exists) {
        uint8_t *v = regf__w(h, old);
        wr_le32(v + VK_DATALEN, f_len);
        wr_le32(v + VK_DATA, f_data);
        wr_le32(v + VK_TYPE, type);
        for (size_t i = 0; i < oldcells.n; i++)
            regf__free(h, oldcells.p[i]);
    } else {
        uint32_t nbytes;
        int comp = regf__name_form(u, nu, &nbytes);
        regf_val vk;
        if ((rc = regf__alloc(h, VK_NAME + nbytes, &vk)) != REGF_OK) {
            rc = regf__edit_fail(h, rc);
            goto out_cells;
        }
        uint8_t *v = regf__w(h, vk);
        v[0] = 'v';
        v[1] = 'k';
        wr_le16(v + VK_NAMELEN, (uint16_t)nbytes);
        wr_le32(v + VK_DATALEN, f_len);
        wr_le32(v + VK_DATA, f_data);
        wr_le32(v + VK_TYPE, type);
        wr_le16(v + VK_FLAGS, comp && nu ? VK_FLAG_COMP_NAME : 0);
        regf__name_store(v + VK_NAME, u, nu, comp);
        /* Append to the value list, growing its cell with some slack. */
        uint32_t list = rd_le32(regf__w(h, key) + NK_VALUES);
        struct regf_span ls;
        if (nvalues == 0 || !regf__cell_quiet(h, list, &ls) ||
            ls.len < 4 * (size_t)(nvalues + 1)) {
            uint32_t cap = nvalues + 1 + (nvalues + 1) / 4 + 3, nl;
            if ((rc = regf__alloc(h, 4 * cap, &nl)) != REGF_OK) {
                rc = regf__edit_fail(h, rc);
                goto out_cells;
            }
            if (nvalues) {
                memcpy(regf__w(h, nl), regf__w(h, list), 4 * (size_t)nvalues);
                regf__free(h, list);
            }
            list = nl;
        }
        wr_le32(regf__w(h, list) + 4 * (size_t)nvalues, vk);
        uint8_t *k = regf__w(h, key);
        wr_le32(k + NK_VALUES, list);
        wr_le32(k + NK_NVALUES, nvalues + 1);
    }
    raise_max(h, key, exists ? 0 : nu, len);
    h->modified = 1;
    rc = REGF_OK;
out_cells:
    if (oldcells.p != oldcells.v)
        free(oldcells.p);
out:
    free(u);
    return rc;
}

int regf_value_delete(regf_hive *h, regf_key key, const char *name,
                      size_t name_len)
{
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    uint16_t *u;
    size_t nu = 0;
    if ((rc = value_name_units(h, name, name_len, &u, &nu)) != REGF_OK)
        return rc;
    struct regf_span nk;
    uint32_t index;
    struct offs cells = { {0}, NULL, 0, 8 };
    cells.p = cells.v;
    if ((rc = regf__nk(h, key, &nk)) != REGF_OK)
        goto out;
    uint32_t nvalues = rd_le32(nk.data + NK_NVALUES);
    uint32_t list = rd_le32(nk.data + NK_VALUES);
    if ((rc = find_value(h, key, nvalues, u, nu, &index)) != REGF_OK)
        goto out;
    regf_val val;
    if ((rc = regf_value_at(h, key, index, &val)) != REGF_OK ||
        (rc = regf__value_cells(h, val, offs_add, &cells)) != REGF_OK)
        goto out;
    /* Changes start here; nothing below can fail. */
    uint8_t *l = regf__w(h, list);
    memmove(l + 4 * (size_t)index, l + 4 * (size_t)index + 4,
            4 * (size_t)(nvalues - index - 1));
    wr_le32(l + 4 * (size_t)(nvalues - 1), 0);
    uint8_t *k = regf__w(h, key);
    wr_le32(k + NK_NVALUES, nvalues - 1);
    if (nvalues == 1) {
        regf__free(h, list);
        wr_le32(regf__w(h, key) + NK_VALUES, REGF_NIL);
    }
    for (size_t i = 0; i < cells.n; i++)
        regf__free(h, cells.p[i]);
    regf__free(h, val);
    wr_le64(regf__w(h, key) + NK_LASTWRITE, regf__now(h));
    regf__vcache_drop(h);
    h->modified = 1;
out:
    if (cells.p != cells.v)
        free(cells.p);
    free(u);
    return rc;
}
