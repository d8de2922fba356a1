/* export.c - a subtree as a "Windows Registry Editor Version 5.00" file.
 *
 *   Windows Registry Editor Version 5.00
 *
 *   [PREFIX\Key\Path]
 *   "Name"="string"          REG_SZ, only when it reproduces the bytes
 *   @=dword:00000001         REG_DWORD of exactly 4 bytes; @ = default value
 *   "Bin"=hex:01,02          REG_BINARY
 *   "Other"=hex(7):41,00,..  any other type, or a string/dword whose bytes
 *                            the short forms would not reproduce exactly
 *
 * Lossless: from every value line the type and the exact bytes come back.
 * A REG_SZ is written as "text" only if its data is well-formed UTF-16
 * with exactly one terminating NUL at the end and no line breaks; anything
 * else (odd length, missing or embedded NUL, lone surrogates, slack after
 * the NUL) falls back to hex(1). Long hex lines are wrapped with a
 * backslash as regedit does. Text is produced as UTF-8 and, for
 * REGF_EXPORT_UTF16, converted to UTF-16LE with a BOM and CRLF line ends.
 * Names containing CR or LF cannot be written in this format: the export
 * stops with REGF_EUNSUPP naming the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

#define OUT_CAP (256 * 1024)

struct out {
    regf_hive *h;
    regf_write_fn *write;
    void *ctx;
    char *buf;
    size_t len, cap;
    uint8_t *wide;          /* UTF-16 conversion buffer (2 * cap) */
    int utf16;
    const char *nl;         /* "\n" or "\r\n" */
    size_t nl_len;
    const char *prefix;
    size_t prefix_len;
    struct regf_scratch scratch;
};

static int out_flush(struct out *o)
{
    if (o->len == 0)
        return REGF_OK;
    const void *p = o->buf;
    size_t n = o->len;
    if (o->utf16) {
        long nu = regf__utf8_to_units(o->buf, o->len, (uint16_t *)(void *)o->wide,
                                      o->cap);
        if (nu < 0)
            return regf__fail(o->h, REGF_EINVAL, "export: text is not valid "
                              "UTF-8 (the prefix?)");
        /* The units were stored in host order; make them little-endian. */
        uint16_t *u = (uint16_t *)(void *)o->wide;
        for (long i = 0; i < nu; i++) {
            uint16_t c = u[i];
            wr_le16(o->wide + 2 * i, c);
        }
        p = o->wide;
        n = (size_t)nu * 2;
    }
    if (o->write(o->ctx, p, n) != 0)
        return regf__fail(o->h, REGF_EIO, "export: writing the output failed");
    o->len = 0;
    return REGF_OK;
}

/* Makes room for N more bytes. Output is only flushed here, between whole
 * items, so the buffer never ends inside a UTF-8 sequence. */
static int out_room(struct out *o, size_t n)
{
    if (o->len + n <= o->cap)
        return REGF_OK;
    int rc = out_flush(o);
    if (rc != REGF_OK || n <= o->cap)
        return rc;
    size_t cap = o->cap;
    while (cap < n)
        cap *= 2;
    char *b = realloc(o->buf, cap);
    if (!b)
        return regf__fail(o->h, REGF_ENOMEM, "export: out of memory");
    o->buf = b;
    uint8_t *w = realloc(o->wide, 2 * cap);
    if (!w)
        return regf__fail(o->h, REGF_ENOMEM, "export: out of memory");
    o->wide = w;
    o->cap = cap;
    return REGF_OK;
}

static inline void put(struct out *o, const char *s, size_t n)
{
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static int put_checked(struct out *o, const char *s, size_t n)
{
    int rc = out_room(o, n);
    if (rc == REGF_OK)
        put(o, s, n);
    return rc;
}

static int has_line_break(const char *s, size_t n)
{
    return memchr(s, '\n', n) != NULL || memchr(s, '\r', n) != NULL;
}

static const char hexdig[] = "0123456789abcdef";

/* "xx," for every byte value, padded to 4 bytes for fixed-size copies;
 * built at compile time (the library keeps no mutable global state). */
#define HX(n) ((char)((n) < 10 ? '0' + (n) : 'a' + (n) - 10))
#define E1(b) { HX((b) >> 4), HX((b) & 15), ',', 0 },
#define E4(b) E1(b) E1((b) + 1) E1((b) + 2) E1((b) + 3)
#define E16(b) E4(b) E4((b) + 4) E4((b) + 8) E4((b) + 12)
#define E64(b) E16(b) E16((b) + 16) E16((b) + 32) E16((b) + 48)
static const char hex_comma[256][4] = { E64(0) E64(64) E64(128) E64(192) };
#undef E64
#undef E16
#undef E4
#undef E1
#undef HX

/* "=hex(N):xx,xx,..." with regedit-style wrapping. COL is the column the
 * line is at before the '='. */
static int put_hex(struct out *o, uint32_t type, const uint8_t *p, uint32_t n,
                   size_t col)
{
    char head[32];
    int hl = 0;
    if (type == REGF_BINARY) {
        memcpy(head, "=hex:", 5);
        hl = 5;
    } else {
        char digits[8];
        int nd = 0;
        uint32_t t = type;
        do {
            digits[nd++] = hexdig[t & 15];
            t >>= 4;
        } while (t);
        memcpy(head, "=hex(", 5);
        hl = 5;
        while (nd)
            head[hl++] = digits[--nd];
        head[hl++] = ')';
        head[hl++] = ':';
    }
    /* Each byte takes 3 chars; each wrap adds "\\" + newline + 2 spaces. */
    size_t room = (size_t)hl + (size_t)n * 3 +
                  ((size_t)n / 20 + 1) * (3 + o->nl_len) + o->nl_len + 1;
    int rc = out_room(o, room);
    if (rc != REGF_OK)
        return rc;
    put(o, head, (size_t)hl);
    col += (size_t)hl;
    /* Bytes go out in runs that fill a line: "xx," each (a 4-byte store
     * from the table, advancing 3); after a byte that takes the line past
     * column 76 comes a backslash and a new line indented by two spaces.
     * The last byte has no comma. */
    char *d = o->buf + o->len;
    uint32_t i = 0;
    while (i < n) {
        size_t m = col > 76 ? 1 : (76 - col) / 3 + 1;
        if (m > n - i)
            m = n - i;
        for (size_t j = 0; j < m; j++, d += 3)
            memcpy(d, hex_comma[p[i + j]], 4);
        i += (uint32_t)m;
        if (i == n) {
            d--;                      /* drop the last comma */
            break;
        }
        *d++ = '\\';
        memcpy(d, o->nl, o->nl_len);
        d += o->nl_len;
        *d++ = ' ';
        *d++ = ' ';
        col = 2;
    }
    memcpy(d, o->nl, o->nl_len);
    d += o->nl_len;
    o->len = (size_t)(d - o->buf);
    return REGF_OK;
}

/* Writes "text" for UTF-16 units P[0..units) at D: UTF-8 with \\ and \"
 * escaped. Returns the end, or NULL if the text cannot stand for the bytes
 * (a NUL, a line break or a lone surrogate inside) - the caller then uses
 * hex. D must have room for 3 * units + 2 bytes. One pass: check, convert
 * and escape together. */
static char *quote_sz(char *d, const uint8_t *p, size_t units)
{
    *d++ = '"';
    for (size_t i = 0; i < units; i++) {
        uint32_t c = rd_le16(p + 2 * i);
        if (c < 0x80) {
            if (c == 0 || c == '\r' || c == '\n')
                return NULL;
            if (c == '\\' || c == '"')
                *d++ = '\\';
            *d++ = (char)c;
        } else {
            i += regf__utf16_get(p + 2 * i, units - i, &c) - 1;
            if (REGF__IS_SURR(c))
                return NULL;     /* a lone surrogate: hex keeps it */
            d += regf__utf8_put(c, (unsigned char *)d);
        }
    }
    *d++ = '"';
    return d;
}

/* Writes a stored name quoted and escaped at D (room: 3 bytes per unit +
 * 2); *brk is set if it contains a line break. */
static char *quote_name(char *d, const struct regf_name *n, int *brk)
{
    *d++ = '"';
    if (n->comp) {
        for (uint32_t i = 0; i < n->len; i++) {
            uint8_t c = n->p[i];
            if (c < 0x80) {
                if (c == '\r' || c == '\n')
                    *brk = 1;
                if (c == '\\' || c == '"')
                    *d++ = '\\';
                *d++ = (char)c;
            } else {
                d += regf__utf8_put(c, (unsigned char *)d);
            }
        }
    } else {
        uint32_t units = n->len / 2;
        for (uint32_t i = 0; i < units;) {
            uint32_t c;
            i += (uint32_t)regf__utf16_get(n->p + 2 * i, units - i, &c);
            if (c < 0x80) {
                if (c == '\r' || c == '\n')
                    *brk = 1;
                if (c == '\\' || c == '"')
                    *d++ = '\\';
            }
            /* Lone surrogates take their 3-byte generalized form. */
            d += regf__utf8_put(c, (unsigned char *)d);
        }
    }
    *d++ = '"';
    return d;
}

/* One value line: name (or @), '=', data, newline. NM is the stored name;
 * VAL and PATH are for messages. */
static int put_value_line(struct out *o, const struct regf_name *nm,
                          uint32_t type, const uint8_t *data, uint32_t size,
                          const char *path, regf_val val)
{
    size_t units = nm->comp ? nm->len : nm->len / 2;
    int rc = out_room(o, 3 * units + 2);
    if (rc != REGF_OK)
        return rc;
    size_t start = o->len;
    if (units == 0) {
        o->buf[o->len++] = '@';
    } else {
        int brk = 0;
        o->len = (size_t)(quote_name(o->buf + o->len, nm, &brk) - o->buf);
        if (brk) {
            o->len = start;
            return regf__fail(o->h, REGF_EUNSUPP, "export: a value name in "
                              "key '%s' (value cell 0x%x) contains a line "
                              "break, which a .reg file cannot represent",
                              path, val);
        }
    }
    size_t col = o->len - start;

    if (type == REGF_SZ && size >= 2 && size % 2 == 0 &&
        rd_le16(data + size - 2) == 0) {
        size_t k = size / 2 - 1;
        /* (A flush here is fine: the name before it is complete text.) */
        rc = out_room(o, 3 * k + 3 + o->nl_len);
        if (rc != REGF_OK)
            return rc;
        o->buf[o->len] = '=';
        char *e = quote_sz(o->buf + o->len + 1, data, k);
        if (e) {
            o->len = (size_t)(e - o->buf);
            put(o, o->nl, o->nl_len);
            return REGF_OK;
        }
    }
    if (type == REGF_DWORD && size == 4) {
        char t[16];
        uint32_t v = rd_le32(data);
        memcpy(t, "=dword:", 7);
        for (int i = 0; i < 8; i++)
            t[7 + i] = hexdig[v >> (28 - 4 * i) & 15];
        rc = out_room(o, 15 + o->nl_len);
        if (rc != REGF_OK)
            return rc;
        put(o, t, 15);
        put(o, o->nl, o->nl_len);
        return REGF_OK;
    }
    return put_hex(o, type, data, size, col);
}

static int put_value(struct out *o, const char *path, regf_val val)
{
    regf_hive *h = o->h;
    struct regf_span vk;
    struct regf_name nm;
    int rc = regf__vk(h, val, &vk);
    if (rc != REGF_OK)
        return rc;
    regf__vk_name(&vk, &nm);
    uint32_t type, size;
    const uint8_t *data;
    rc = regf__value_ref_vk(h, &vk, &type, &data, &size, &o->scratch);
    if (rc != REGF_OK)
        return rc;
    return put_value_line(o, &nm, type, data, size, path, val);
}

int regf_reg_value(regf_hive *h, const char *name, size_t name_len,
                   uint32_t type, const void *data, size_t len,
                   regf_write_fn *write, void *ctx)
{
    regf_hive local;
    if (!h) {                  /* no handle: keep the message locally */
        memset(&local, 0, sizeof local);
        h = &local;
    }
    if (len > 0xFFFFFFFFu || name_len > 16383 * 3)
        return regf__fail(h, REGF_EINVAL, "value too large for a .reg line");
    uint16_t u[16384];
    long nu = regf__utf8_to_units(name ? name : "", name_len, u, 16384);
    if (nu < 0)
        return regf__fail(h, REGF_EINVAL, "value name is not valid UTF-8");
    uint8_t *le = malloc(2 * (size_t)nu + 1);
    struct out o;
    memset(&o, 0, sizeof o);
    o.h = h;
    o.write = write;
    o.ctx = ctx;
    o.nl = "\n";
    o.nl_len = 1;
    o.cap = 4096;
    o.buf = malloc(o.cap);
    int rc;
    if (!le || !o.buf) {
        rc = regf__fail(h, REGF_ENOMEM, "out of memory");
        goto out;
    }
    for (long i = 0; i < nu; i++)
        wr_le16(le + 2 * i, u[i]);
    struct regf_name nm = { le, (uint32_t)(2 * nu), 0 };
    rc = put_value_line(&o, &nm, type, data, (uint32_t)len, "", 0);
    if (rc == REGF_OK)
        rc = out_flush(&o);
out:
    free(le);
    free(o.buf);
    free(o.wide);
    return rc;
}

struct export_walk {
    struct out *o;
    const char *base;       /* path of the start key from the root */
    size_t base_len;
};

static int export_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                      size_t plen, unsigned depth)
{
    struct export_walk *w = ctx;
    struct out *o = w->o;
    /* The key is resolved once here; its values are read from its value
     * list directly (regf_value_at would resolve key and list per value). */
    struct regf_span nk, list;
    int rc = regf__nk(h, key, &nk);
    if (rc != REGF_OK)
        return rc;
    /* Each key's own name is checked here (ancestors were checked at
     * their own keys): .reg headers cannot hold an empty name, a name with
     * a backslash (it would read as two keys) or a line break. */
    if (depth > 0) {
        struct regf_name nm;
        regf__nk_name(&nk, &nm);
        const char *why = regf__name_units(&nm) == 0 ? "is empty" : NULL;
        for (uint32_t i = 0; !why && i < regf__name_units(&nm); i++) {
            uint16_t c = regf__name_unit(&nm, i);
            if (c == '\\')
                why = "contains a backslash";
            else if (c == '\r' || c == '\n')
                why = "contains a line break";
        }
        if (why) {
            char shown[256];
            size_t k = 0;
            for (size_t i = 0; i < plen && k + 6 < sizeof shown; i++) {
                unsigned char c = (unsigned char)path[i];
                k += (size_t)(c < 0x20 ? snprintf(shown + k, sizeof shown - k,
                                                  "\\x%02x", c)
                                       : snprintf(shown + k, sizeof shown - k,
                                                  "%c", c));
            }
            return regf__fail(h, REGF_EUNSUPP, "export: the name of key '%s' "
                              "(cell 0x%x) %s, which a .reg file cannot "
                              "represent", shown, key, why);
        }
    }
    rc = out_room(o, o->prefix_len + w->base_len + plen + 4 + o->nl_len);
    if (rc != REGF_OK)
        return rc;
    put(o, "[", 1);
    put(o, o->prefix, o->prefix_len);
    if (w->base_len) {
        put(o, "\\", 1);
        put(o, w->base, w->base_len);
    }
    if (plen) {
        put(o, "\\", 1);
        put(o, path, plen);
    }
    put(o, "]", 1);
    put(o, o->nl, o->nl_len);

    uint32_t nvalues;
    if ((rc = regf__value_list(h, key, &nk, &nvalues, &list)) != REGF_OK)
        return rc;
    for (uint32_t i = 0; i < nvalues; i++) {
        /* LIST stays valid: nothing here changes the hive. */
        rc = put_value(o, plen ? path : w->base,
                       rd_le32(list.data + 4 * (size_t)i));
        if (rc != REGF_OK)
            return rc;
    }
    return put_checked(o, o->nl, o->nl_len);
}

int regf_export_reg(regf_hive *h, regf_key key, const char *prefix,
                    unsigned flags, regf_write_fn *write, void *ctx)
{
    struct out o;
    memset(&o, 0, sizeof o);
    o.h = h;
    o.write = write;
    o.ctx = ctx;
    o.utf16 = (flags & REGF_EXPORT_UTF16) != 0;
    o.nl = o.utf16 ? "\r\n" : "\n";
    o.nl_len = strlen(o.nl);
    o.prefix = prefix ? prefix : "";
    o.prefix_len = strlen(o.prefix);
    while (o.prefix_len > 0 && o.prefix[o.prefix_len - 1] == '\\')
        o.prefix_len--;
    if (o.prefix_len == 0 || has_line_break(o.prefix, o.prefix_len) ||
        memchr(o.prefix, '[', o.prefix_len) || memchr(o.prefix, ']', o.prefix_len))
        return regf__fail(h, REGF_EINVAL, "export: the prefix must be a "
                          "non-empty key path without line breaks or "
                          "brackets");
    o.cap = OUT_CAP;
    o.buf = malloc(o.cap);
    o.wide = o.utf16 ? malloc(2 * o.cap) : NULL;
    char *base = NULL;
    int rc;
    if (!o.buf || (o.utf16 && !o.wide)) {
        rc = regf__fail(h, REGF_ENOMEM, "export: out of memory");
        goto out;
    }
    {
        uint16_t *tmp = malloc((o.prefix_len + 1) * sizeof *tmp);
        long ok = tmp ? regf__utf8_to_units(o.prefix, o.prefix_len, tmp,
                                            o.prefix_len + 1) : -2;
        free(tmp);
        if (ok == -2) {
            rc = regf__fail(h, REGF_ENOMEM, "export: out of memory");
            goto out;
        }
        if (ok < 0) {
            rc = regf__fail(h, REGF_EINVAL, "export: prefix is not valid "
                            "UTF-8");
            goto out;
        }
    }

    regf_key root;
    rc = regf_root(h, &root);
    if (rc != REGF_OK)
        goto out;
    if (!key)
        key = root;
    size_t base_len = 0;
    if (key != root) {
        rc = regf_key_path(h, key, NULL, 0, &base_len);
        if (rc != REGF_OK)
            goto out;
        base = malloc(base_len + 1);
        if (!base) {
            rc = regf__fail(h, REGF_ENOMEM, "export: out of memory");
            goto out;
        }
        rc = regf_key_path(h, key, base, base_len + 1, NULL);
        if (rc != REGF_OK)
            goto out;
    }
    if (o.utf16) {
        static const uint8_t bom[2] = { 0xFF, 0xFE };
        if (write(ctx, bom, 2) != 0) {
            rc = regf__fail(h, REGF_EIO, "export: writing the output failed");
            goto out;
        }
    }
    rc = put_checked(&o, "Windows Registry Editor Version 5.00", 36);
    if (rc == REGF_OK)
        rc = put_checked(&o, o.nl, o.nl_len);
    if (rc == REGF_OK)
        rc = put_checked(&o, o.nl, o.nl_len);
    if (rc != REGF_OK)
        goto out;
    struct export_walk w = { &o, base ? base : "", base_len };
    rc = regf_walk(h, key, export_key, &w);
    if (rc == REGF_OK)
        rc = out_flush(&o);
out:
    free(base);
    free(o.buf);
    free(o.wide);
    free(o.scratch.buf);
    return rc;
}
