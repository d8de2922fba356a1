/* key.c - key nodes (nk): fields, names, class names, security, lookup.
 *
 * nk (docs/format.md §7.1), offsets from the cell data:
 *   0 "nk"  2 flags  4 LastWriteTime  16 Parent  20 subkey count
 *   28 subkey list  36 value count  40 value list  44 sk  48 class
 *   52 MaxNameLen (low 16 bits) + flags  56 MaxClassLen  60 MaxValueNameLen
 *   64 MaxValueDataLen  72 NameLength  74 ClassLength  76 name */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "regf_int.h"

int regf__nk(regf_hive *h, regf_key key, struct regf_span *nk)
{
    int rc = regf__record(h, key, "nk", NK_NAME, "key node", nk);
    if (rc != REGF_OK)
        return rc;
    uint32_t nlen = rd_le16(nk->data + NK_NAMELEN);
    if (nlen > nk->len - NK_NAME)
        return regf__corrupt(h, key, "key name of %u bytes does not fit its "
                             "%u-byte cell (%u bytes after the fixed part)",
                             nlen, nk->len, nk->len - NK_NAME);
    if (!(rd_le16(nk->data + NK_FLAGS) & NK_FLAG_COMP_NAME) && nlen % 2 != 0)
        return regf__corrupt(h, key, "UTF-16 key name has an odd length "
                             "(%u bytes)", nlen);
    return REGF_OK;
}

void regf__nk_name(const struct regf_span *nk, struct regf_name *out)
{
    out->p = nk->data + NK_NAME;
    out->len = rd_le16(nk->data + NK_NAMELEN);
    out->comp = (rd_le16(nk->data + NK_FLAGS) & NK_FLAG_COMP_NAME) != 0;
}

int regf_root(regf_hive *h, regf_key *out)
{
    if (!h->loaded)
        return regf__fail(h, REGF_EINVAL, "hive is not open");
    *out = h->info.root;
    return REGF_OK;
}

int regf_key_info(regf_hive *h, regf_key key, struct regf_key_info *out)
{
    struct regf_span nk;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    const uint8_t *d = nk.data;
    uint32_t maxname = rd_le32(d + NK_MAXNAME);
    out->last_written = rd_le64(d + NK_LASTWRITE);
    out->nsubkeys = rd_le32(d + NK_NSUBKEYS);
    out->nvalues = rd_le32(d + NK_NVALUES);
    out->parent = rd_le32(d + NK_PARENT);
    out->security = rd_le32(d + NK_SECURITY);
    out->class_len = rd_le16(d + NK_CLASSLEN);
    out->flags = rd_le16(d + NK_FLAGS);
    out->max_name_len = maxname & 0xFFFF;
    out->user_flags = maxname >> 16;
    out->max_class_len = rd_le32(d + NK_MAXCLASS);
    out->max_value_name_len = rd_le32(d + NK_MAXVNAME);
    out->max_value_data_len = rd_le32(d + NK_MAXVDATA);
    return REGF_OK;
}

int regf_key_name(regf_hive *h, regf_key key, char *buf, size_t size,
                  size_t *need)
{
    struct regf_span nk;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    struct regf_name n;
    regf__nk_name(&nk, &n);
    regf__name_copy(&n, buf, size, need);
    return REGF_OK;
}

int regf_key_class(regf_hive *h, regf_key key, char *buf, size_t size,
                   size_t *need)
{
    struct regf_span nk, cls;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    struct regf_name n = { NULL, 0, 0 };
    uint32_t clen = rd_le16(nk.data + NK_CLASSLEN);
    if (clen > 0) {
        rc = regf__cell(h, rd_le32(nk.data + NK_CLASS), "class name", &cls);
        if (rc != REGF_OK)
            return rc;
        if (clen > cls.len)
            return regf__corrupt(h, cls.off, "class name of %u bytes does "
                                 "not fit its %u-byte cell (key 0x%x)", clen,
                                 cls.len, key);
        n.p = cls.data;
        n.len = clen & ~1u;
    }
    regf__name_copy(&n, buf, size, need);
    return REGF_OK;
}

int regf_key_security(regf_hive *h, regf_key key, void *buf, size_t size,
                      size_t *need)
{
    struct regf_span nk, sk;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    rc = regf__record(h, rd_le32(nk.data + NK_SECURITY), "sk", SK_DESC,
                      "security record", &sk);
    if (rc != REGF_OK)
        return rc;
    uint32_t dlen = rd_le32(sk.data + SK_DESCLEN);
    if (dlen > sk.len - SK_DESC)
        return regf__corrupt(h, sk.off, "security descriptor of %u bytes "
                             "does not fit its %u-byte cell", dlen, sk.len);
    if (need)
        *need = dlen;
    memcpy(buf, sk.data + SK_DESC, dlen < size ? dlen : size);
    return REGF_OK;
}

/* Longest key name Windows allows is 256 UTF-16 units; a longer component
 * cannot match, but is still decoded to report it. */
#define COMPONENT_MAX 32768

int regf_key_child(regf_hive *h, regf_key key, const char *name, size_t len,
                   regf_key *out)
{
    uint16_t *u = malloc(COMPONENT_MAX * sizeof *u);
    if (!u)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    long nu = regf__utf8_to_units(name, len, u, COMPONENT_MAX);
    int rc;
    if (nu < 0)
        rc = regf__fail(h, REGF_EINVAL, "key name '%.*s' is not valid UTF-8 "
                        "or too long", (int)(len > 200 ? 200 : len), name);
    else
        rc = regf__key_child_units(h, key, u, (size_t)nu, out);
    free(u);
    return rc;
}

/* Resolves "CurrentControlSet" through Select\Current (a volatile link
 * that never exists on disk). */
int regf__current_control_set(regf_hive *h, regf_key root, regf_key *out)
{
    regf_key sel;
    regf_val cur;
    int rc = regf_key_child(h, root, "Select", 6, &sel);
    if (rc == REGF_OK)
        rc = regf_value_lookup(h, sel, "Current", &cur);
    if (rc == REGF_NOTFOUND)
        return regf__fail(h, REGF_NOTFOUND, "key 'CurrentControlSet' not "
                          "found: the hive has no Select\\Current value to "
                          "resolve it (not a SYSTEM hive?)");
    if (rc != REGF_OK)
        return rc;
    uint32_t type, v = 0;
    size_t need;
    uint8_t raw[4];
    rc = regf_value_data(h, cur, &type, raw, sizeof raw, &need);
    if (rc != REGF_OK)
        return rc;
    if (need != 4 || type != REGF_DWORD)
        return regf__fail(h, REGF_NOTFOUND, "key 'CurrentControlSet' not "
                          "found: Select\\Current is not a 4-byte REG_DWORD");
    v = rd_le32(raw);
    char name[32];
    int n = snprintf(name, sizeof name, "ControlSet%03u", v);
    rc = regf_key_child(h, root, name, (size_t)n, out);
    if (rc == REGF_NOTFOUND)
        return regf__fail(h, REGF_NOTFOUND, "key 'CurrentControlSet' not "
                          "found: Select\\Current is %u but there is no key "
                          "%s", v, name);
    return rc;
}

const char *regf__path_next(const char *p, size_t *len)
{
    while (*p == '\\')
        p++;
    if (!*p)
        return NULL;
    const char *e = strchr(p, '\\');
    *len = e ? (size_t)(e - p) : strlen(p);
    return p;
}

int regf_key_lookup(regf_hive *h, regf_key from, const char *path,
                    regf_key *out)
{
    regf_key root = 0, cur;
    int rc = regf_root(h, &root);
    if (rc != REGF_OK)
        return rc;
    cur = from ? from : root;
    const char *p = path ? path : "";
    size_t len;
    while ((p = regf__path_next(p, &len)) != NULL) {
        regf_key next;
        rc = regf_key_child(h, cur, p, len, &next);
        if (rc == REGF_NOTFOUND && cur == root && len == 17 &&
            strncasecmp(p, "CurrentControlSet", 17) == 0)
            rc = regf__current_control_set(h, root, &next);
        else if (rc == REGF_NOTFOUND) {
            size_t done = (size_t)(p - path);
            while (done > 0 && path[done - 1] == '\\')
                done--;
            if (done == 0)
                return regf__fail(h, REGF_NOTFOUND, "key '%s' not found: the "
                                  "root key has no subkey '%.*s'", path,
                                  (int)len, p);
            return regf__fail(h, REGF_NOTFOUND, "key '%s' not found: '%.*s' "
                              "has no subkey '%.*s'", path, (int)done, path,
                              (int)len, p);
        }
        if (rc != REGF_OK)
            return rc;
        cur = next;
        p += len;
    }
    /* Validate the result so callers get a usable key or an error. */
    struct regf_span nk;
    rc = regf__nk(h, cur, &nk);
    if (rc != REGF_OK)
        return rc;
    *out = cur;
    return REGF_OK;
}

int regf_key_path(regf_hive *h, regf_key key, char *buf, size_t size,
                  size_t *need)
{
    regf_key chain[REGF_MAX_PARENT_HOPS];
    unsigned n = 0;
    regf_key root = 0, k = key;
    int rc = regf_root(h, &root);
    if (rc != REGF_OK)
        return rc;
    while (k != root) {
        struct regf_span nk;
        if (n == REGF_MAX_PARENT_HOPS)
            return regf__corrupt(h, key, "no way back to the root through "
                                 "%u parent links (a cycle?)", n);
        rc = regf__nk(h, k, &nk);
        if (rc != REGF_OK)
            return rc;
        chain[n++] = k;
        k = rd_le32(nk.data + NK_PARENT);
    }
    size_t total = 0;
    for (unsigned i = n; i-- > 0;) {
        size_t len;
        if (total && total < size)
            buf[total] = '\\';
        total += total ? 1 : 0;
        char *dst = total < size ? buf + total : NULL;
        rc = regf_key_name(h, chain[i], dst, dst ? size - total : 0, &len);
        if (rc != REGF_OK)
            return rc;
        total += len;
    }
    if (size)
        buf[total < size ? total : size - 1] = '\0';
    if (need)
        *need = total;
    return REGF_OK;
}
