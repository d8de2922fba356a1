/* mkhive.c - build small synthetic REGF hives in memory (see mkhive.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkhive.h"
#include <hivekit/regf.h>

#define BASE 4096u
#define SEGMENT 16344u

static void die(const char *what)
{
    fprintf(stderr, "mkhive: %s\n", what);
    abort();
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t round_up(uint32_t n, uint32_t to)
{
    return (n + to - 1) / to * to;
}

uint8_t *mk_bb(struct mkhive *mk)
{
    return mk->img;
}

uint8_t *mk_raw(struct mkhive *mk, uint32_t off)
{
    if ((uint64_t)off + BASE >= MK_MAX_IMAGE)
        die("offset out of range");
    return mk->img + BASE + off;
}

uint8_t *mk_rec(struct mkhive *mk, uint32_t cell)
{
    return mk_raw(mk, cell + 4);
}

void mk_w16(struct mkhive *mk, uint32_t off, uint16_t v)
{
    put16(mk_raw(mk, off), v);
}

void mk_w32(struct mkhive *mk, uint32_t off, uint32_t v)
{
    put32(mk_raw(mk, off), v);
}

uint32_t mk_r32(struct mkhive *mk, uint32_t off)
{
    return get32(mk_raw(mk, off));
}

void mk_bb32(struct mkhive *mk, uint32_t off, uint32_t v)
{
    if (off + 4 > BASE)
        die("base block offset out of range");
    put32(mk->img + off, v);
}

struct mkhive *mk_new(uint32_t minor)
{
    struct mkhive *mk = calloc(1, sizeof *mk);
    if (!mk)
        die("out of memory");
    mk->img = calloc(1, MK_MAX_IMAGE);
    if (!mk->img)
        die("out of memory");
    mk->minor = minor;
    mk->root = mk->sk = MK_NIL;
    uint8_t *bb = mk->img;
    memcpy(bb, "regf", 4);
    put32(bb + 4, 1);             /* Sequence1 */
    put32(bb + 8, 1);             /* Sequence2 */
    put32(bb + 12, 0x5A5A0000u);  /* TimeStamp (fixed, deterministic) */
    put32(bb + 16, 0x01D50000u);
    put32(bb + 20, 1);            /* Major */
    put32(bb + 24, minor);
    put32(bb + 28, 0);            /* Type: primary */
    put32(bb + 32, 1);            /* Format */
    put32(bb + 36, 0x20);         /* RootCell */
    put32(bb + 44, 1);            /* Cluster */
    static const char fname[] = "mkhive";
    for (unsigned i = 0; fname[i]; i++)
        put16(bb + 48 + 2 * i, (uint16_t)fname[i]);
    mk_bin(mk, 4096);
    return mk;
}

void mk_free(struct mkhive *mk)
{
    if (!mk)
        return;
    free(mk->img);
    free(mk);
}

/* Turns the unused end of the current bin into one free cell. */
static void close_bin(struct mkhive *mk)
{
    if (mk->bin_end == 0)
        return;
    if (mk->pos + 4 <= mk->bin_end)
        mk_w32(mk, mk->pos, mk->bin_end - mk->pos);
    mk->pos = mk->bin_end;
}

uint32_t mk_bin(struct mkhive *mk, uint32_t size)
{
    close_bin(mk);
    uint32_t off = mk->bins_len;
    if ((uint64_t)BASE + off + size > MK_MAX_IMAGE || size < 32)
        die("bin does not fit MK_MAX_IMAGE");
    uint8_t *b = mk_raw(mk, off);
    memcpy(b, "hbin", 4);
    put32(b + 4, off);
    put32(b + 8, size);
    mk->bin_start = off;
    mk->bin_end = off + size;
    mk->pos = off + 32;
    mk->bins_len = off + size;
    return off;
}

uint32_t mk_cell(struct mkhive *mk, uint32_t n, uint8_t **p)
{
    uint32_t size = round_up(n + 4, 8);
    if (mk->pos + size > mk->bin_end)
        mk_bin(mk, round_up(size + 32, 4096));
    uint32_t off = mk->pos;
    mk_w32(mk, off, 0u - size);
    memset(mk_raw(mk, off + 4), 0, size - 4);
    mk->pos += size;
    if (p)
        *p = mk_raw(mk, off + 4);
    return off;
}

uint32_t mk_free_cell(struct mkhive *mk, uint32_t size)
{
    if (size < 8 || size % 8 || mk->pos + size > mk->bin_end)
        die("bad free cell");
    uint32_t off = mk->pos;
    mk_w32(mk, off, size);
    mk->pos += size;
    return off;
}

uint32_t mk_cell_at(struct mkhive *mk, uint32_t off, uint32_t n, uint8_t **p)
{
    uint32_t size = round_up(n + 4, 8);
    if (off % 8 || off < mk->pos || off + size > mk->bin_end)
        die("mk_cell_at: offset not available in the current bin");
    if (off > mk->pos)
        mk_free_cell(mk, off - mk->pos);
    return mk_cell(mk, n, p);
}

/* ---- records ------------------------------------------------------------- */

uint32_t mk_sk(struct mkhive *mk)
{
    uint8_t *d;
    uint32_t off = mk_cell(mk, 20 + 20, &d);
    memcpy(d, "sk", 2);
    put32(d + 4, off);            /* Flink */
    put32(d + 8, off);            /* Blink */
    put32(d + 12, 0);             /* ReferenceCount: keys add to it */
    put32(d + 16, 20);            /* DescriptorLength */
    d[20] = 1;                    /* revision */
    put16(d + 22, 0x8004);        /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
    return off;
}

static uint32_t nk_common(struct mkhive *mk, const uint8_t *name,
                          uint32_t nlen, int comp, uint32_t parent,
                          uint32_t extra)
{
    uint8_t *d;
    uint32_t off = mk_cell(mk, 76 + nlen + extra, &d);
    memcpy(d, "nk", 2);
    put16(d + 2, comp ? 0x20 : 0);
    put32(d + 4, 0xD0000000u);    /* LastWriteTime (fixed) */
    put32(d + 8, 0x01D50000u);
    put32(d + 16, parent);
    put32(d + 28, MK_NIL);        /* subkey list */
    put32(d + 32, MK_NIL);        /* volatile subkey list */
    put32(d + 40, MK_NIL);        /* value list */
    put32(d + 44, mk->sk);
    put32(d + 48, MK_NIL);        /* class */
    put16(d + 72, (uint16_t)nlen);
    memcpy(d + 76, name, nlen);
    if (mk->sk != MK_NIL) {
        uint8_t *s = mk_rec(mk, mk->sk);
        put32(s + 12, get32(s + 12) + 1);
    }
    if (parent != MK_NIL && parent + 80 < mk->bins_len &&
        memcmp(mk_rec(mk, parent), "nk", 2) == 0) {
        uint8_t *pd = mk_rec(mk, parent);
        uint32_t units = comp ? nlen : nlen / 2;
        if ((get32(pd + 52) & 0xFFFF) < 2 * units)
            put16(pd + 52, (uint16_t)(2 * units));
    }
    return off;
}

uint32_t mk_nk(struct mkhive *mk, const char *name, uint32_t parent)
{
    return nk_common(mk, (const uint8_t *)name, (uint32_t)strlen(name), 1,
                     parent, 0);
}

uint32_t mk_nk_room(struct mkhive *mk, const char *name, uint32_t parent,
                    uint32_t extra)
{
    return nk_common(mk, (const uint8_t *)name, (uint32_t)strlen(name), 1,
                     parent, extra);
}

uint32_t mk_nk_utf16(struct mkhive *mk, const uint16_t *name, uint32_t n,
                     uint32_t parent)
{
    uint8_t *tmp = malloc(2 * (size_t)n + 1);
    if (!tmp)
        die("out of memory");
    for (uint32_t i = 0; i < n; i++)
        put16(tmp + 2 * i, name[i]);
    uint32_t off = nk_common(mk, tmp, 2 * n, 0, parent, 0);
    free(tmp);
    return off;
}

uint32_t mk_root(struct mkhive *mk, const char *name)
{
    uint32_t root = mk_nk(mk, name, MK_NIL);
    mk->sk = mk_sk(mk);
    uint8_t *d = mk_rec(mk, root);
    put16(d + 2, 0x2C);
    put32(d + 44, mk->sk);
    put32(mk_rec(mk, mk->sk) + 12, 1);
    mk->root = root;
    mk_bb32(mk, 36, root);
    return root;
}

uint32_t mk_data(struct mkhive *mk, const void *data, uint32_t len)
{
    uint8_t *d;
    uint32_t off = mk_cell(mk, len, &d);
    if (data)
        memcpy(d, data, len);
    return off;
}

uint32_t mk_db(struct mkhive *mk, const void *data, uint32_t len,
               uint32_t *list)
{
    uint32_t nseg = (len + SEGMENT - 1) / SEGMENT;
    if (nseg == 0 || nseg > 0xFFFF)
        die("mk_db: bad length");
    uint8_t *d;
    uint32_t db = mk_cell(mk, 8, &d);
    memcpy(d, "db", 2);
    put16(d + 2, (uint16_t)nseg);
    uint32_t l = mk_cell(mk, 4 * nseg, NULL);
    put32(mk_rec(mk, db) + 4, l);
    for (uint32_t i = 0; i < nseg; i++) {
        uint8_t *s;
        uint32_t seg = mk_cell(mk, 16348, &s);
        uint32_t take = len - i * SEGMENT < SEGMENT ? len - i * SEGMENT
                                                    : SEGMENT;
        if (data)
            memcpy(s, (const uint8_t *)data + (size_t)i * SEGMENT, take);
        put32(mk_rec(mk, l) + 4 * i, seg);
    }
    if (list)
        *list = l;
    return db;
}

uint32_t mk_vk(struct mkhive *mk, const char *name, uint32_t type,
               const void *data, uint32_t len)
{
    uint32_t nlen = (uint32_t)strlen(name);
    uint8_t *d;
    uint32_t off = mk_cell(mk, 20 + nlen, &d);
    memcpy(d, "vk", 2);
    put16(d + 2, (uint16_t)nlen);
    put32(d + 12, type);
    put16(d + 16, nlen ? 1 : 0);
    memcpy(d + 20, name, nlen);
    uint32_t where;
    if (len <= 4) {
        put32(d + 4, 0x80000000u | len);
        if (data)
            memcpy(d + 8, data, len);
        return off;
    }
    if (mk->minor >= 4 && len > SEGMENT)
        where = mk_db(mk, data, len, NULL);
    else
        where = mk_data(mk, data, len);
    d = mk_rec(mk, off);
    put32(d + 4, len);
    put32(d + 8, where);
    return off;
}

uint32_t mk_hash(const char *name)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = 37 * h + regf_upcase(*p);
    return h;
}

/* lf hint / lh hash of the key at CELL, 0 if it is not an nk. */
static uint32_t entry_extra(struct mkhive *mk, uint32_t cell, int hash)
{
    if (cell == MK_NIL || (uint64_t)cell + 4 + 76 > mk->bins_len)
        return 0;
    const uint8_t *d = mk_rec(mk, cell);
    if (memcmp(d, "nk", 2) != 0)
        return 0;
    uint32_t nlen = get16(d + 72);
    int comp = (get16(d + 2) & 0x20) != 0;
    uint32_t units = comp ? nlen : nlen / 2;
    if ((uint64_t)cell + 4 + 76 + nlen > mk->bins_len)
        return 0;
    const uint8_t *n = d + 76;
    if (hash) {
        uint32_t h = 0;
        for (uint32_t i = 0; i < units; i++)
            h = 37 * h + regf_upcase(comp ? n[i] : get16(n + 2 * i));
        return h;
    }
    uint8_t hint[4] = { 0, 0, 0, 0 };
    for (uint32_t i = 0; i < units && i < 4; i++) {
        uint16_t c = comp ? n[i] : get16(n + 2 * i);
        if (c > 0xFF)
            return 0;
        hint[i] = (uint8_t)c;
    }
    return get32(hint);
}

uint32_t mk_list(struct mkhive *mk, const char *sig, const uint32_t *items,
                 uint32_t n)
{
    int wide = strcmp(sig, "lf") == 0 || strcmp(sig, "lh") == 0;
    if (!wide && strcmp(sig, "li") != 0 && strcmp(sig, "ri") != 0)
        die("mk_list: unknown signature");
    if (n > 0xFFFF)
        die("mk_list: too many items");
    uint32_t stride = wide ? 8 : 4;
    uint8_t *d;
    uint32_t off = mk_cell(mk, 4 + n * stride, &d);
    memcpy(d, sig, 2);
    put16(d + 2, (uint16_t)n);
    for (uint32_t i = 0; i < n; i++) {
        put32(d + 4 + i * stride, items[i]);
        if (wide)
            put32(d + 8 + i * stride,
                  entry_extra(mk, items[i], sig[1] == 'h'));
    }
    return off;
}

void mk_subkeys(struct mkhive *mk, uint32_t key, uint32_t list,
                uint32_t count)
{
    uint8_t *d = mk_rec(mk, key);
    put32(d + 20, count);
    put32(d + 28, list);
}

uint32_t mk_values(struct mkhive *mk, uint32_t key, const uint32_t *vks,
                   uint32_t n)
{
    uint8_t *d;
    uint32_t off = mk_cell(mk, 4 * n, &d);
    for (uint32_t i = 0; i < n; i++)
        put32(d + 4 * i, vks[i]);
    d = mk_rec(mk, key);
    put32(d + 36, n);
    put32(d + 40, off);
    return off;
}

/* ---- finishing ----------------------------------------------------------- */

void mk_set_length(struct mkhive *mk, uint32_t length)
{
    mk->length_set = 1;
    mk->length = length;
}

uint32_t mk_checksum(const uint8_t *bb)
{
    uint32_t c = 0;
    for (unsigned i = 0; i < 508; i += 4)
        c ^= get32(bb + i);
    if (c == 0xFFFFFFFFu)
        c = 0xFFFFFFFEu;
    if (c == 0)
        c = 1;
    return c;
}

uint32_t mk_fix_checksum(struct mkhive *mk)
{
    uint32_t c = mk_checksum(mk->img);
    put32(mk->img + 508, c);
    return c;
}

const uint8_t *mk_finish(struct mkhive *mk, size_t *len)
{
    close_bin(mk);
    put32(mk->img + 40, mk->length_set ? mk->length : mk->bins_len);
    mk_fix_checksum(mk);
    if (len)
        *len = BASE + (size_t)mk->bins_len;
    return mk->img;
}

/* ---- the tiny hive ------------------------------------------------------- */

struct mkhive *mk_tiny(uint32_t minor, struct mk_tiny *t)
{
    struct mkhive *mk = mk_new(minor);
    memset(t, 0, sizeof *t);
    t->root = mk_root(mk, "ROOT");
    t->sk = mk->sk;
    t->a = mk_nk(mk, "A", t->root);
    t->b = mk_nk(mk, "B", t->root);
    t->c = mk_nk(mk, "C", t->root);
    uint32_t top[3] = { t->a, t->b, t->c };
    t->root_list = mk_list(mk, "lh", top, 3);
    mk_subkeys(mk, t->root, t->root_list, 3);

    static const uint8_t dw[4] = { 0x44, 0x33, 0x22, 0x11 };
    static const uint8_t hello[12] = { 'h', 0, 'e', 0, 'l', 0, 'l', 0,
                                       'o', 0, 0, 0 };
    uint8_t *big = malloc(20000);
    if (!big)
        die("out of memory");
    for (uint32_t i = 0; i < 20000; i++)
        big[i] = (uint8_t)(i * 7 + 1);
    t->a_dw = mk_vk(mk, "dw", 4, dw, 4);
    t->a_sz = mk_vk(mk, "sz", 1, hello, sizeof hello);
    t->a_sz_data = mk_r32(mk, t->a_sz + 4 + 8);
    t->a_big = mk_vk(mk, "big", 3, big, 20000);
    free(big);
    t->a_big_data = mk_r32(mk, t->a_big + 4 + 8);
    if (minor >= 4)
        t->a_big_list = mk_r32(mk, t->a_big_data + 4 + 4);
    uint32_t avals[3] = { t->a_dw, t->a_sz, t->a_big };
    t->a_values = mk_values(mk, t->a, avals, 3);

    t->b1 = mk_nk(mk, "B1", t->b);
    t->b2 = mk_nk(mk, "B2", t->b);
    t->b3 = mk_nk(mk, "B3", t->b);
    uint32_t l1[2] = { t->b1, t->b2 }, l2[1] = { t->b3 };
    t->b_li = mk_list(mk, "li", l1, 2);
    t->b_lh = mk_list(mk, "lh", l2, 1);
    uint32_t leaves[2] = { t->b_li, t->b_lh };
    t->b_ri = mk_list(mk, "ri", leaves, 2);
    mk_subkeys(mk, t->b, t->b_ri, 3);

    t->c1 = mk_nk(mk, "C1", t->c);
    uint32_t l3[1] = { t->c1 };
    t->c_lf = mk_list(mk, "lf", l3, 1);
    mk_subkeys(mk, t->c, t->c_lf, 1);
    static const uint8_t xyz[8] = { 'x', 0, 'y', 0, 'z', 0, 0, 0 };
    t->c_def = mk_vk(mk, "", 1, xyz, sizeof xyz);
    t->c_values = mk_values(mk, t->c, &t->c_def, 1);
    mk_finish(mk, NULL);
    return mk;
}
