/* key_write.c - creating and deleting keys.
 *
 * A new key (docs/format.md §7.1, §14): compressed (Latin-1) name when every
 * UTF-16 unit is <= 0xFF, else UTF-16; flags 0x20 or 0; Parent = parent;
 * empty lists and class NIL, volatile count 0 and list NIL; the parent's
 * security descriptor with its reference count raised by one; inserted in
 * sorted place in the parent's subkey list; the parent's subkey count,
 * MaxNameLen (low 16 bits only; the flag bits above are kept) and
 * LastWritten updated.
 *
 * Deleting a key first gathers every cell of its subtree (which also
 * checks the subtree is sound) and only then changes anything: unlinks the
 * key from its parent, frees every cell, and releases each key's security
 * descriptor (an sk reaching zero references leaves the ring and is
 * freed). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regf_int.h"

/* Checks a key name and converts it to UTF-16 units (at most 255). */
static int key_name_units(regf_hive *h, const char *name, size_t len,
                          uint16_t *u, size_t *nu)
{
    long n = regf__utf8_to_units(name, len, u, 255);
    if (n < 0)
        return regf__fail(h, REGF_EINVAL, "key name '%.*s' is not valid "
                          "UTF-8 or longer than 255 characters",
                          (int)(len > 64 ? 64 : len), name);
    if (n == 0)
        return regf__fail(h, REGF_EINVAL, "empty key name");
    if (u[0] == 0)
        return regf__fail(h, REGF_EINVAL, "a key name cannot start with "
                          "U+0000");
    for (long i = 0; i < n; i++)
        if (u[i] == '\\')
            return regf__fail(h, REGF_EINVAL, "key name '%.*s' contains a "
                              "backslash", (int)len, name);
    *nu = (size_t)n;
    return REGF_OK;
}

static void touch(regf_hive *h, regf_key key)
{
    wr_le64(regf__w(h, key) + NK_LASTWRITE, regf__now(h));
}

int regf_key_create(regf_hive *h, regf_key parent, const char *name,
                    size_t len, regf_key *out)
{
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    uint16_t u[256];
    size_t nu = 0;
    if ((rc = key_name_units(h, name, len, u, &nu)) != REGF_OK)
        return rc;
    regf_key found;
    rc = regf__key_child_sorted(h, parent, u, nu, &found);
    if (rc == REGF_OK) {
        *out = found;
        return REGF_EEXIST;
    }
    if (rc != REGF_NOTFOUND)
        return rc;
    struct regf_span pnk, sk;
    if ((rc = regf__nk(h, parent, &pnk)) != REGF_OK)
        return rc;
    uint32_t skoff = rd_le32(pnk.data + NK_SECURITY);
    if ((rc = regf__record(h, skoff, "sk", SK_DESC, "security record of "
                           "the parent key", &sk)) != REGF_OK)
        return rc;
    if (rd_le32(pnk.data + NK_NSUBKEYS) >= 0xFFFFFFFEu)
        return regf__fail(h, REGF_ELIMIT, "too many subkeys");
    /* Windows loads at most 512 levels counting the root: a new key may
     * sit at most 511 levels below it. */
    regf_key root, k = parent;
    unsigned depth = 0;
    if ((rc = regf_root(h, &root)) != REGF_OK)
        return rc;
    while (k != root) {
        struct regf_span a;
        if (++depth >= REGF_MAX_DEPTH - 1)
            return regf__fail(h, REGF_ELIMIT, "a key cannot be created "
                              "more than %d levels below the root (Windows "
                              "would refuse the hive)", REGF_MAX_DEPTH - 1);
        if ((rc = regf__nk(h, k, &a)) != REGF_OK)
            return rc;
        k = rd_le32(a.data + NK_PARENT);
    }

    uint32_t nbytes;
    int comp = regf__name_form(u, nu, &nbytes);

    /* From here on the hive changes: failures mark the handle broken. */
    regf_key key;
    if ((rc = regf__alloc(h, NK_NAME + nbytes, &key)) != REGF_OK)
        return regf__edit_fail(h, rc);
    uint8_t *d = regf__w(h, key);
    uint64_t now = regf__now(h);
    d[0] = 'n';
    d[1] = 'k';
    wr_le16(d + NK_FLAGS, comp ? NK_FLAG_COMP_NAME : 0);
    wr_le64(d + NK_LASTWRITE, now);
    wr_le32(d + NK_PARENT, parent);
    wr_le32(d + NK_SUBKEYS, REGF_NIL);
    wr_le32(d + NK_VSUBKEYS, REGF_NIL);
    wr_le32(d + NK_VALUES, REGF_NIL);
    wr_le32(d + NK_SECURITY, skoff);
    wr_le32(d + NK_CLASS, REGF_NIL);
    wr_le16(d + NK_NAMELEN, (uint16_t)nbytes);
    regf__name_store(d + NK_NAME, u, nu, comp);
    if ((rc = regf__list_insert(h, parent, key, u, nu)) != REGF_OK)
        return regf__edit_fail(h, rc);

    uint8_t *s = regf__w(h, skoff);
    wr_le32(s + SK_REFCOUNT, rd_le32(s + SK_REFCOUNT) + 1);
    uint8_t *p = regf__w(h, parent);
    wr_le32(p + NK_NSUBKEYS, rd_le32(p + NK_NSUBKEYS) + 1);
    uint32_t maxname = rd_le32(p + NK_MAXNAME);
    if ((maxname & 0xFFFF) < 2 * nu)
        wr_le32(p + NK_MAXNAME, (maxname & 0xFFFF0000u) | (uint32_t)(2 * nu));
    touch(h, parent);
    h->modified = 1;
    *out = key;
    return REGF_OK;
}

int regf_key_create_path(regf_hive *h, regf_key from, const char *path,
                         regf_key *out)
{
    regf_key cur;
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    if (!from && (rc = regf_root(h, &cur)) != REGF_OK)
        return rc;
    if (from)
        cur = from;
    const char *p = path ? path : "";
    size_t len;
    while ((p = regf__path_next(p, &len)) != NULL) {
        regf_key next, root;
        /* As in lookups, a first "CurrentControlSet" that is not a real
         * key means the control set Select\Current names: never create a
         * key of that name (it is volatile on a running Windows). */
        if (regf_root(h, &root) == REGF_OK && cur == root && len == 17 &&
            strncasecmp(p, "CurrentControlSet", 17) == 0 &&
            regf_key_child(h, root, p, len, &next) == REGF_NOTFOUND) {
            if ((rc = regf__current_control_set(h, root, &next)) != REGF_OK)
                return rc;
            cur = next;
            p += len;
            continue;
        }
        rc = regf_key_create(h, cur, p, len, &next);
        if (rc != REGF_OK && rc != REGF_EEXIST)
            return rc;
        cur = next;
        p += len;
    }
    *out = cur;
    return REGF_OK;
}

/* ---- deletion ------------------------------------------------------------ */

struct cells {
    regf_hive *h;
    uint32_t *v;
    size_t n, cap;
    regf_key *keys;
    size_t nkeys, kcap;
};

static int cells_add(void *ctx, uint32_t off)
{
    struct cells *c = ctx;
    if (off == REGF_NIL)
        return REGF_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        uint32_t *p = realloc(c->v, cap * sizeof *p);
        if (!p)
            return regf__fail(c->h, REGF_ENOMEM, "out of memory");
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = off;
    return REGF_OK;
}

static int gather_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                      size_t plen, unsigned depth)
{
    struct cells *c = ctx;
    struct regf_span nk;
    (void)path; (void)plen; (void)depth;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    if (c->nkeys == c->kcap) {
        size_t cap = c->kcap ? 2 * c->kcap : 64;
        regf_key *p = realloc(c->keys, cap * sizeof *p);
        if (!p)
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        c->keys = p;
        c->kcap = cap;
    }
    c->keys[c->nkeys++] = key;
    /* The sk must be sound before anything is changed. */
    struct regf_span sk;
    if ((rc = regf__record(h, rd_le32(nk.data + NK_SECURITY), "sk", SK_DESC,
                           "security record", &sk)) != REGF_OK)
        return rc;
    uint32_t nvalues = rd_le32(nk.data + NK_NVALUES);
    for (uint32_t i = 0; i < nvalues; i++) {
        regf_val v;
        if ((rc = regf_value_at(h, key, i, &v)) != REGF_OK ||
            (rc = regf__value_cells(h, v, cells_add, c)) != REGF_OK ||
            (rc = cells_add(c, v)) != REGF_OK)
            return rc;
    }
    if (nvalues)
        cells_add(c, rd_le32(nk.data + NK_VALUES));
    if (rd_le16(nk.data + NK_CLASSLEN) && rd_le32(nk.data + NK_CLASS) != REGF_NIL)
        cells_add(c, rd_le32(nk.data + NK_CLASS));
    if ((rc = regf__list_cells(h, key, cells_add, c)) != REGF_OK)
        return rc;
    return cells_add(c, key);
}

/* Drops one reference to the sk at OFF; at zero it leaves the ring. */
static void sk_release(regf_hive *h, uint32_t off)
{
    uint8_t *s = regf__w(h, off);
    uint32_t refs = rd_le32(s + SK_REFCOUNT);
    if (refs > 1) {
        wr_le32(s + SK_REFCOUNT, refs - 1);
        return;
    }
    uint32_t flink = rd_le32(s + SK_FLINK), blink = rd_le32(s + SK_BLINK);
    struct regf_span fs, bs;
    if (flink != off && regf__record(h, flink, "sk", SK_DESC, "sk", &fs) ==
            REGF_OK && regf__record(h, blink, "sk", SK_DESC, "sk", &bs) ==
            REGF_OK) {
        wr_le32(regf__w(h, blink) + SK_FLINK, flink);
        wr_le32(regf__w(h, flink) + SK_BLINK, blink);
    }
    regf__clear_error(h);
    regf__free(h, off);
}

int regf_key_delete(regf_hive *h, regf_key key)
{
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    regf_key root;
    if ((rc = regf_root(h, &root)) != REGF_OK)
        return rc;
    if (key == root)
        return regf__fail(h, REGF_EINVAL, "the root key cannot be deleted");
    struct regf_span nk, pnk;
    if ((rc = regf__nk(h, key, &nk)) != REGF_OK)
        return rc;
    regf_key parent = rd_le32(nk.data + NK_PARENT);
    if ((rc = regf__nk(h, parent, &pnk)) != REGF_OK)
        return rc;

    struct cells c = { h, NULL, 0, 0, NULL, 0, 0 };
    rc = regf_walk(h, key, gather_key, &c);
    if (rc == REGF_OK) {
        /* Unlink first (it checks the key really is the parent's child). */
        rc = regf__list_remove(h, parent, key);
    }
    if (rc == REGF_OK) {
        for (size_t i = 0; i < c.nkeys; i++)
            sk_release(h, rd_le32(regf__w(h, c.keys[i]) + NK_SECURITY));
        for (size_t i = 0; i < c.n; i++)
            regf__free(h, c.v[i]);
        uint8_t *p = regf__w(h, parent);
        wr_le32(p + NK_NSUBKEYS, rd_le32(p + NK_NSUBKEYS) - 1);
        touch(h, parent);
        regf__vcache_drop(h);
        h->modified = 1;
    }
    /* (On failure nothing was changed: the walk only reads and
     * regf__list_remove checks everything before it writes.) */
    free(c.v);
    free(c.keys);
    return rc;
}
