/* test_export.c - regf_export_reg: the .reg text rules, and losslessness
 * proved by parsing the exported text back.
 *
 * The core check (check_roundtrip) exports a subtree into memory, parses it
 * with the small .reg reader below (independent of the library: its own
 * UTF-8 -> UTF-16 conversion, escapes and hex parsing) and compares, key by
 * key in walk order, the headers and for EVERY value its name, type and
 * exact bytes with what regf_value_name / regf_value_data return. It also
 * checks the layout rules: signature line, blank line after each key,
 * escapes, regedit-style wrapping (no physical line longer than 80 bytes
 * unless the name alone already fills it), continuation lines.
 *
 * Specific cases use real values of the hives of fixtures/ (core group)
 * or of the corpus (corpus group, see TU_MAIN) where they exist and
 * otherwise a copy of hivex 'special' with one vk/nk record patched in
 * memory (regf_open_mem). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkhive.h"
#include "testutil.h"

#define SIGNATURE "Windows Registry Editor Version 5.00"

/* ---- a growing byte string ------------------------------------------- */

struct bytes {
    uint8_t *p;
    size_t len, cap;
};

static void bytes_put(struct bytes *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void bytes_byte(struct bytes *b, uint8_t c)
{
    bytes_put(b, &c, 1);
}

/* ---- the .reg reader ------------------------------------------------- */

enum form { FORM_STRING, FORM_DWORD, FORM_HEX };

struct rv {
    struct bytes name;
    int is_default;         /* written as @ */
    uint32_t type;
    struct bytes data;
    enum form form;
};

struct rk {
    struct bytes header;    /* between [ and ] */
    struct rv *vals;
    size_t nvals, cap;
};

struct reg {
    struct rk *keys;
    size_t nkeys, cap;
    size_t max_line;        /* longest physical line, bytes */
    size_t lines;
};

static void reg_free(struct reg *r)
{
    for (size_t i = 0; i < r->nkeys; i++) {
        for (size_t j = 0; j < r->keys[i].nvals; j++) {
            free(r->keys[i].vals[j].name.p);
            free(r->keys[i].vals[j].data.p);
        }
        free(r->keys[i].vals);
        free(r->keys[i].header.p);
    }
    free(r->keys);
    memset(r, 0, sizeof *r);
}

/* Reports a parse error with the line number and the line, then fails. */
static void parse_fail(size_t lineno, const char *line, size_t len,
                       const char *what)
{
    print_error("export parse error, line %zu: %s\n  line: %.*s\n", lineno,
                what, (int)(len > 200 ? 200 : len), line);
    fail();
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;              /* the exporter writes lowercase only */
}

/* UTF-8 (strict, no surrogates) to UTF-16LE, appended to OUT. */
static int utf8_to_utf16le(const uint8_t *s, size_t n, struct bytes *out)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i];
        size_t k;
        if (c < 0x80)
            k = 0;
        else if ((c & 0xE0) == 0xC0)
            k = 1, c &= 0x1F;
        else if ((c & 0xF0) == 0xE0)
            k = 2, c &= 0x0F;
        else if ((c & 0xF8) == 0xF0)
            k = 3, c &= 0x07;
        else
            return -1;
        if (i + k >= n)
            return -1;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return -1;
            c = c << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t minv[4] = { 0, 0x80, 0x800, 0x10000 };
        if (c < minv[k] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return -1;
        i += k + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            uint16_t hi = (uint16_t)(0xD800 + (c >> 10));
            uint16_t lo = (uint16_t)(0xDC00 + (c & 0x3FF));
            uint8_t u[4] = { (uint8_t)hi, (uint8_t)(hi >> 8), (uint8_t)lo,
                             (uint8_t)(lo >> 8) };
            bytes_put(out, u, 4);
        } else {
            uint8_t u[2] = { (uint8_t)c, (uint8_t)(c >> 8) };
            bytes_put(out, u, 2);
        }
    }
    return 0;
}

/* UTF-16LE to UTF-8; lone surrogates become their 3-byte form (as the
 * library's names do). */
static void utf16le_to_utf8(const uint8_t *p, size_t n, struct bytes *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t c = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
        if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
            uint32_t d = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
            if (d >= 0xDC00 && d <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                i += 2;
            }
        }
        uint8_t u[4];
        size_t k;
        if (c < 0x80) {
            u[0] = (uint8_t)c;
            k = 1;
        } else if (c < 0x800) {
            u[0] = (uint8_t)(0xC0 | c >> 6);
            u[1] = (uint8_t)(0x80 | (c & 0x3F));
            k = 2;
        } else if (c < 0x10000) {
            u[0] = (uint8_t)(0xE0 | c >> 12);
            u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            u[2] = (uint8_t)(0x80 | (c & 0x3F));
            k = 3;
        } else {
            u[0] = (uint8_t)(0xF0 | c >> 18);
            u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            u[3] = (uint8_t)(0x80 | (c & 0x3F));
            k = 4;
        }
        bytes_put(out, u, k);
    }
}

/* Parses a quoted string starting at s[*i] == '"' up to the closing quote;
 * \\ and \" are the only escapes. */
static void parse_quoted(const char *s, size_t n, size_t *i, struct bytes *out,
                         size_t lineno)
{
    size_t k = *i;
    if (k >= n || s[k] != '"')
        parse_fail(lineno, s, n, "expected '\"'");
    k++;
    for (;;) {
        if (k >= n)
            parse_fail(lineno, s, n, "unterminated quoted string");
        char c = s[k];
        if (c == '"')
            break;
        if (c == '\\') {
            if (k + 1 >= n || (s[k + 1] != '\\' && s[k + 1] != '"'))
                parse_fail(lineno, s, n, "bad escape in quoted string");
            c = s[++k];
        }
        bytes_byte(out, (uint8_t)c);
        k++;
    }
    *i = k + 1;
}

struct cursor {
    const char *text;
    size_t len, pos, lineno;
    const char *nl;
    size_t nl_len;
    struct reg *r;
};

/* Next physical line (without its line end); returns 0 at end of text. */
static int next_line(struct cursor *c, const char **line, size_t *len)
{
    if (c->pos >= c->len)
        return 0;
    const char *s = c->text + c->pos;
    size_t rest = c->len - c->pos, k = 0;
    while (k < rest && s[k] != '\n')
        k++;
    if (k == rest) {
        c->lineno++;
        parse_fail(c->lineno, s, k, "last line has no line end");
    }
    size_t body = k;
    if (c->nl_len == 2) {
        if (k == 0 || s[k - 1] != '\r')
            parse_fail(c->lineno + 1, s, k, "LF without CR");
        body = k - 1;
    }
    if (memchr(s, '\r', body))
        parse_fail(c->lineno + 1, s, body, "stray CR");
    *line = s;
    *len = body;
    c->pos += k + 1;
    c->lineno++;
    c->r->lines++;
    if (body > c->r->max_line)
        c->r->max_line = body;
    return 1;
}

/* "hex:" / "hex(N):" data after the head, with continuation lines. */
static void parse_hex(struct cursor *c, const char *line, size_t len,
                      size_t i, struct rv *v)
{
    size_t first_line_bytes = 0;
    int first = 1;
    for (;;) {
        /* bytes on this physical line: xx,xx,...,xx then nothing, or ",\"
         * meaning the data continues on the next line. */
        int cont = 0;
        if (i == len && !first)
            parse_fail(c->lineno, line, len, "empty continuation line");
        while (i < len) {
            if (i + 2 > len || hexval(line[i]) < 0 || hexval(line[i + 1]) < 0)
                parse_fail(c->lineno, line, len, "bad hex byte");
            bytes_byte(&v->data,
                       (uint8_t)(hexval(line[i]) << 4 | hexval(line[i + 1])));
            if (first)
                first_line_bytes++;
            i += 2;
            if (i == len)
                break;
            if (line[i] != ',')
                parse_fail(c->lineno, line, len, "expected ',' after a byte");
            i++;
            if (i + 1 == len && line[i] == '\\') {
                cont = 1;
                break;
            }
            if (i == len)
                parse_fail(c->lineno, line, len, "trailing ','");
        }
        /* Wrapping: physical lines stay within 80 bytes, except a first
         * line whose name and head alone already reach the limit (then
         * at most one byte precedes the wrap). */
        if (len > 80 && !(first && first_line_bytes <= 1))
            parse_fail(c->lineno, line, len, "line longer than 80 bytes");
        if (!cont)
            return;
        first = 0;
        if (!next_line(c, &line, &len))
            parse_fail(c->lineno, "", 0, "text ends inside a hex value");
        if (len < 3 || line[0] != ' ' || line[1] != ' ' || line[2] == ' ')
            parse_fail(c->lineno, line, len,
                       "continuation line must start with two spaces");
        i = 2;
    }
}

static void parse_value(struct cursor *c, const char *line, size_t len,
                        struct rk *k)
{
    if (k->nvals == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 8;
        k->vals = realloc(k->vals, k->cap * sizeof *k->vals);
        assert_non_null(k->vals);
    }
    struct rv *v = &k->vals[k->nvals++];
    memset(v, 0, sizeof *v);
    size_t i = 0;
    if (line[0] == '@') {
        v->is_default = 1;
        i = 1;
    } else {
        parse_quoted(line, len, &i, &v->name, c->lineno);
    }
    bytes_put(&v->name, "", 0);
    bytes_put(&v->data, "", 0);
    if (i >= len || line[i] != '=')
        parse_fail(c->lineno, line, len, "expected '=' after the name");
    i++;
    const char *d = line + i;
    size_t dn = len - i;
    if (dn >= 1 && d[0] == '"') {
        struct bytes s = { NULL, 0, 0 };
        bytes_put(&s, "", 0);
        size_t j = i;
        parse_quoted(line, len, &j, &s, c->lineno);
        if (j != len)
            parse_fail(c->lineno, line, len, "text after the string");
        if (utf8_to_utf16le(s.p, s.len, &v->data) != 0)
            parse_fail(c->lineno, line, len, "string is not valid UTF-8");
        bytes_put(&v->data, "\0\0", 2);
        free(s.p);
        v->type = REGF_SZ;
        v->form = FORM_STRING;
        return;
    }
    if (dn >= 6 && memcmp(d, "dword:", 6) == 0) {
        if (dn != 14)
            parse_fail(c->lineno, line, len, "dword: needs 8 hex digits");
        uint32_t x = 0;
        for (size_t j = 6; j < 14; j++) {
            int h = hexval(d[j]);
            if (h < 0)
                parse_fail(c->lineno, line, len, "bad dword digit");
            x = x << 4 | (uint32_t)h;
        }
        uint8_t b[4] = { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16),
                         (uint8_t)(x >> 24) };
        bytes_put(&v->data, b, 4);
        v->type = REGF_DWORD;
        v->form = FORM_DWORD;
        return;
    }
    if (dn >= 4 && memcmp(d, "hex:", 4) == 0) {
        v->type = REGF_BINARY;
        v->form = FORM_HEX;
        parse_hex(c, line, len, i + 4, v);
        return;
    }
    if (dn >= 4 && memcmp(d, "hex(", 4) == 0) {
        size_t j = 4;
        uint64_t t = 0;
        while (j < dn && hexval(d[j]) >= 0 && j < 12)
            t = t << 4 | (uint64_t)hexval(d[j++]);
        if (j == 4 || j + 2 > dn || d[j] != ')' || d[j + 1] != ':')
            parse_fail(c->lineno, line, len, "bad hex(N): head");
        if (d[4] == '0' && j > 5)
            parse_fail(c->lineno, line, len, "leading zero in hex(N)");
        if (t == REGF_BINARY)
            parse_fail(c->lineno, line, len, "hex(3): instead of hex:");
        v->type = (uint32_t)t;
        v->form = FORM_HEX;
        parse_hex(c, line, len, i + j + 2, v);
        return;
    }
    parse_fail(c->lineno, line, len, "unknown value data form");
}

/* Parses TEXT (UTF-8, line ends NL) into R; fails the test on any
 * deviation from the exporter's grammar. */
static void parse_reg(const char *text, size_t len, const char *nl,
                      struct reg *r)
{
    struct cursor c = { text, len, 0, 0, nl, strlen(nl), r };
    const char *line;
    size_t ll;
    memset(r, 0, sizeof *r);
    if (!next_line(&c, &line, &ll) || ll != strlen(SIGNATURE) ||
        memcmp(line, SIGNATURE, ll) != 0)
        parse_fail(1, text, len < 60 ? len : 60, "missing signature line");
    if (!next_line(&c, &line, &ll) || ll != 0)
        parse_fail(2, "", 0, "no blank line after the signature");
    while (next_line(&c, &line, &ll)) {
        if (ll < 2 || line[0] != '[' || line[ll - 1] != ']')
            parse_fail(c.lineno, line, ll, "expected a [key] header");
        if (r->nkeys == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 64;
            r->keys = realloc(r->keys, r->cap * sizeof *r->keys);
            assert_non_null(r->keys);
        }
        struct rk *k = &r->keys[r->nkeys++];
        memset(k, 0, sizeof *k);
        bytes_put(&k->header, line + 1, ll - 2);
        for (;;) {
            if (!next_line(&c, &line, &ll))
                parse_fail(c.lineno, "", 0, "text ends inside a key block");
            if (ll == 0)
                break;
            if (line[0] != '@' && line[0] != '"')
                parse_fail(c.lineno, line, ll, "expected a value line");
            parse_value(&c, line, ll, k);
        }
    }
}

/* ---- comparing the parsed text with the hive ------------------------- */

struct stats {
    size_t keys, values, strings, dwords, hexes, long_hex, escaped_str,
           escaped_name, defaults;
    uint8_t types_seen[16];       /* hex(N) forms seen, N < 16 */
    int unknown_type_seen;
};

struct cmp_ctx {
    struct reg *r;
    size_t next;                  /* next parsed key */
    struct bytes base;            /* "PREFIX" or "PREFIX\BASEPATH" */
    struct stats *st;
    uint8_t *buf;
    size_t cap;
};

static int cmp_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                   size_t plen, unsigned depth)
{
    struct cmp_ctx *c = ctx;
    (void)depth;
    if (c->next >= c->r->nkeys) {
        print_error("export has %zu keys; the walk reached more (at '%.*s')\n",
                    c->r->nkeys, (int)plen, path);
        fail();
    }
    struct rk *k = &c->r->keys[c->next++];
    struct bytes want = { NULL, 0, 0 };
    bytes_put(&want, c->base.p, c->base.len);
    if (plen) {
        bytes_put(&want, "\\", 1);
        bytes_put(&want, path, plen);
    }
    if (k->header.len != want.len || memcmp(k->header.p, want.p, want.len)) {
        print_error("key %zu: header [%.*s], expected [%.*s]\n", c->next,
                    (int)k->header.len, (const char *)k->header.p,
                    (int)want.len, (const char *)want.p);
        fail();
    }
    free(want.p);

    struct regf_key_info ki;
    assert_int_equal(regf_key_info(h, key, &ki), REGF_OK);
    if (k->nvals != ki.nvalues) {
        print_error("[%.*s]: %zu values exported, the key has %u\n",
                    (int)k->header.len, (const char *)k->header.p, k->nvals,
                    ki.nvalues);
        fail();
    }
    for (uint32_t i = 0; i < ki.nvalues; i++) {
        struct rv *v = &k->vals[i];
        regf_val val;
        assert_int_equal(regf_value_at(h, key, i, &val), REGF_OK);
        char name[4096];
        size_t nl;
        assert_int_equal(regf_value_name(h, val, name, sizeof name, &nl),
                         REGF_OK);
        assert_true(nl < sizeof name);
        if (nl == 0 ? !v->is_default
                    : (v->is_default || v->name.len != nl ||
                       memcmp(v->name.p, name, nl) != 0)) {
            print_error("[%.*s] value %u: name '%.*s' exported as %s'%.*s'\n",
                        (int)k->header.len, (const char *)k->header.p, i,
                        (int)nl, name, v->is_default ? "@ " : "",
                        (int)v->name.len, (const char *)v->name.p);
            fail();
        }
        uint32_t type;
        size_t need;
        assert_int_equal(regf_value_data(h, val, &type, c->buf, c->cap,
                                         &need), REGF_OK);
        if (need > c->cap) {
            c->cap = need;
            c->buf = realloc(c->buf, c->cap);
            assert_non_null(c->buf);
            assert_int_equal(regf_value_data(h, val, &type, c->buf, c->cap,
                                             &need), REGF_OK);
        }
        if (v->type != type || v->data.len != need ||
            (need && memcmp(v->data.p, c->buf, need) != 0)) {
            print_error("[%.*s] value '%.*s': NOT LOSSLESS: hive type %u, "
                        "%zu bytes; export gives type %u, %zu bytes (%s)\n",
                        (int)k->header.len, (const char *)k->header.p,
                        (int)nl, name, type, need, v->type, v->data.len,
                        need == v->data.len ? "bytes differ" : "length");
            fail();
        }
        c->st->values++;
        if (nl == 0)
            c->st->defaults++;
        if (memchr(name, '\\', nl) || memchr(name, '"', nl))
            c->st->escaped_name++;
        switch (v->form) {
        case FORM_STRING:
            c->st->strings++;
            /* A string needs a well-formed REG_SZ; the type is implied. */
            if (memchr(v->data.p, '\\', v->data.len) ||
                memchr(v->data.p, '"', v->data.len))
                c->st->escaped_str++;
            break;
        case FORM_DWORD:
            c->st->dwords++;
            break;
        case FORM_HEX:
            c->st->hexes++;
            if (need > 24)
                c->st->long_hex++;
            if (type < 16)
                c->st->types_seen[type] = 1;
            else
                c->st->unknown_type_seen = 1;
            /* The short forms must have been used whenever they are exact:
             * a dword of 4 bytes is never written as hex(4). */
            assert_false(type == REGF_DWORD && need == 4);
            break;
        }
    }
    c->st->keys++;
    return 0;
}

/* Exports KEY of H with PREFIX and FLAGS into OUT (asserting success). */
static void export_to(regf_hive *h, regf_key key, const char *prefix,
                      unsigned flags, struct tu_buf *out)
{
    memset(out, 0, sizeof *out);
    int rc = regf_export_reg(h, key, prefix, flags, tu_buf_write, out);
    if (rc != REGF_OK) {
        print_error("regf_export_reg = %d: %s\n", rc, regf_errmsg(h));
        fail();
    }
    assert_non_null(out->p);
}

/* The base of every header for an export of KEY with PREFIX. */
static void header_base(regf_hive *h, regf_key key, const char *prefix,
                        struct bytes *out)
{
    size_t pl = strlen(prefix);
    while (pl && prefix[pl - 1] == '\\')
        pl--;
    bytes_put(out, prefix, pl);
    regf_key root;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    if (key && key != root) {
        size_t need;
        assert_int_equal(regf_key_path(h, key, NULL, 0, &need), REGF_OK);
        char *p = malloc(need + 1);
        assert_non_null(p);
        assert_int_equal(regf_key_path(h, key, p, need + 1, NULL), REGF_OK);
        bytes_put(out, "\\", 1);
        bytes_put(out, p, need);
        free(p);
    }
}

/* The losslessness proof for one subtree: export, parse, compare all. */
static void check_roundtrip(regf_hive *h, regf_key key, const char *prefix,
                            struct stats *st)
{
    struct tu_buf out;
    struct reg r;
    export_to(h, key, prefix, 0, &out);
    parse_reg(out.p, out.len, "\n", &r);
    struct cmp_ctx c;
    memset(&c, 0, sizeof c);
    c.r = &r;
    c.st = st;
    header_base(h, key, prefix, &c.base);
    assert_int_equal(regf_walk(h, key, cmp_key, &c), REGF_OK);
    if (c.next != r.nkeys) {
        print_error("export has %zu keys, the walk %zu\n", r.nkeys, c.next);
        fail();
    }
    assert_true(r.max_line > 0);
    free(c.base.p);
    free(c.buf);
    reg_free(&r);
    tu_buf_free(&out);
}

static struct stats roundtrip_file(const char *path, const char *prefix)
{
    struct stats st;
    memset(&st, 0, sizeof st);
    regf_hive *h = tu_open(path);
    check_roundtrip(h, 0, prefix, &st);
    regf_close(h);
    return st;
}

static struct stats roundtrip_input(const char *rel)
{
    char *p = tu_input(rel);
    struct stats st = roundtrip_file(p, "HKEY_LOCAL_MACHINE\\T");
    free(p);
    return st;
}

static void check_utf16_matches(regf_hive *h, regf_key key,
                                const char *prefix);

/* ---- losslessness on real hives -------------------------------------- */

static void test_lossless_special(void **state)
{
    (void)state;
    char *p = tu_fixture("hives/special");
    struct stats st = roundtrip_file(p, "HKEY_LOCAL_MACHINE\\special");
    free(p);
    assert_int_equal(st.keys, 4);
    assert_int_equal(st.values, 3);
    assert_int_equal(st.dwords, 3);
}

static void test_lossless_yarp(void **state)
{
    (void)state;
    struct stats st =
        roundtrip_input("fixtures/hives/yarp/StringValuesHive.xz");
    assert_int_equal(st.values, 4);
    assert_int_equal(st.strings, 2);    /* the default and "3" */
    assert_int_equal(st.hexes, 2);      /* REG_BINARY and REG_EXPAND_SZ */
    assert_true(st.types_seen[REGF_BINARY] && st.types_seen[REGF_EXPAND_SZ]);

    st = roundtrip_input("fixtures/hives/yarp/MultiSzHive.xz");
    assert_int_equal(st.values, 2);
    assert_true(st.types_seen[REGF_MULTI_SZ]);

    st = roundtrip_input("fixtures/hives/yarp/BigDataHive.xz");
    assert_true(st.values >= 2);
    assert_true(st.long_hex >= 1);

    st = roundtrip_input("fixtures/hives/yarp/UnicodeHive.xz");
    assert_int_equal(st.keys, 3);

    st = roundtrip_input("fixtures/hives/yarp/ExtendedASCIIHive.xz");
    assert_true(st.values >= 1);

    /* Names with surrogate pairs and with lone surrogates. */
    st = roundtrip_input("fixtures/hives/yarp/PairHive.xz");
    assert_int_equal(st.keys, 4);
}

static void test_lossless_ericzimmerman(void **state)
{
    (void)state;
    struct stats st = roundtrip_input(
        "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord");
    assert_true(st.values > 50);
    assert_true(st.types_seen[REGF_DWORD]);       /* 0-byte REG_DWORD */
    assert_true(st.types_seen[REGF_DWORD_BE]);
    assert_true(st.unknown_type_seen);            /* RID-typed values */

    st = roundtrip_input("EricZimmerman-Registry/Registry.Test/Hives/NTUSER1.DAT");
    assert_int_equal(st.keys, 595);
    assert_true(st.strings > 100 && st.dwords > 10 && st.hexes > 10);
    assert_true(st.types_seen[REGF_QWORD] && st.types_seen[REGF_EXPAND_SZ] &&
                st.types_seen[REGF_NONE]);
}

static void test_lossless_python_registry(void **state)
{
    (void)state;
    char *p = tu_fixture("hives/UNICODE_TESTS");
    struct stats st = roundtrip_file(p, "HKEY_CURRENT_USER\\U");
    free(p);
    assert_int_equal(st.keys, 3);
    assert_true(st.values > 10);

    st = roundtrip_input("fixtures/hives/issue22.hive");
    assert_true(st.values > 0);
}

static void test_lossless_python_registry_corpus(void **state)
{
    (void)state;
    struct stats st = roundtrip_input(
        "python-registry/tests/reg_samples/REORGANIZED_VALUES_TESTS");
    assert_int_equal(st.keys, 3);
    assert_true(st.values > 10);
}

static void test_lossless_system(void **state)
{
    (void)state;
    struct stats st = roundtrip_input("fixtures/hives/SYSTEM-win10-20H2.xz");
    print_message("SYSTEM: %zu keys, %zu values: %zu strings, %zu dwords, "
                  "%zu hex\n", st.keys, st.values, st.strings, st.dwords,
                  st.hexes);
    assert_int_equal(st.keys, 33317);
    assert_int_equal(st.values, 74454);
    assert_true(st.escaped_str > 100);     /* paths: \\ in strings */
    assert_true(st.escaped_name > 0);      /* NGEN value names */
    assert_true(st.unknown_type_seen);
    assert_true(st.types_seen[REGF_SZ]);   /* REG_SZ not exact as "text" */
}

static void test_lossless_more_corpus(void **state)
{
    (void)state;
    /* Odd-length REG_SZ values, line breaks in strings, 0-byte dwords. */
    struct stats st = roundtrip_input(
        "DFIRArtifactMuseum/Windows/Registry/Win10/DEFAULT");
    assert_true(st.values > 500);
    st = roundtrip_input("DFIRArtifactMuseum/Windows/Registry/Win10/SECURITY");
    assert_true(st.values > 10);
    st = roundtrip_input("hivex/images/rlenvalue_test_hive");
    assert_true(st.values > 0);
}

/* Every hive of the corpus that opens and walks cleanly (all but the
 * deliberately broken ones and the non-hives): export, parse back, compare
 * every value; and the UTF-16 export decodes to the UTF-8 one. Those with
 * a copy in fixtures/ are named by it and run in the core group. */
static const char *const whole_corpus[] = {
    "DFIRArtifactMuseum/Windows/Registry/Win10/BBI",
    "DFIRArtifactMuseum/Windows/Registry/Win10/DEFAULT",
    "DFIRArtifactMuseum/Windows/Registry/Win10/LocalService/NTUSER.DAT",
    "DFIRArtifactMuseum/Windows/Registry/Win10/SAM",
    "DFIRArtifactMuseum/Windows/Registry/Win10/SECURITY",
    "DFIRArtifactMuseum/Windows/Registry/Win11/BBI",
    "DFIRArtifactMuseum/Windows/Registry/Win11/BCD-Template",
    "DFIRArtifactMuseum/Windows/Registry/Win11/DEFAULT",
    "DFIRArtifactMuseum/Windows/Registry/Win11/ELAM",
    "DFIRArtifactMuseum/Windows/Registry/Win11/NTUSER.DAT",
    "DFIRArtifactMuseum/Windows/Registry/Win11/SAM",
    "DFIRArtifactMuseum/Windows/Registry/Win11/SECURITY",
    "DFIRArtifactMuseum/Windows/Registry/Win11/UsrClass.dat",
    "EricZimmerman-Registry/Registry.Test/Hives/Acronis_0x52_Usrclass.dat",
    "EricZimmerman-Registry/Registry.Test/Hives/BCD",
    "EricZimmerman-Registry/Registry.Test/Hives/NTUSER1.DAT",
    "EricZimmerman-Registry/Registry.Test/Hives/SAM",
    "EricZimmerman-Registry/Registry.Test/Hives/SAM_DUPENAME",
    "EricZimmerman-Registry/Registry.Test/Hives/SAM_RootValue",
    "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord",
    "EricZimmerman-Registry/Registry.Test/Hives/SAN(OTHER)",
    "EricZimmerman-Registry/Registry.Test/Hives/SECURITY",
    "EricZimmerman-Registry/Registry.Test/Hives/SECURITYNoRoot",
    "EricZimmerman-Registry/Registry.Test/Hives/UsrClassDeletedBags.dat",
    "dfwinreg/test_data/NTUSER.DAT",
    "dfwinreg/test_data/SAM",
    "dfwinreg/test_data/SECURITY",
    "dfwinreg/test_data/UsrClass.dat",
    "fixtures/hives/minimal",
    "hivex/images/rlenvalue_test_hive",
    "fixtures/hives/special",
    "python-registry/tests/reg_samples/REORGANIZED_VALUES_TESTS",
    "fixtures/hives/UNICODE_TESTS",
    "fixtures/hives/issue22.hive",
    "regipy/regipy_tests/data/BCD",
    "regipy/regipy_tests/data/NTUSER.DAT",
    "regipy/regipy_tests/data/SAM",
    "regipy/regipy_tests/data/SECURITY",
    "regipy/regipy_tests/data/transactions_NTUSER.DAT",
    "yarp/hives_for_tests/BadLogHive1/BadLogHive",
    "yarp/hives_for_tests/BadLogHive2/BadLogHive",
    "yarp/hives_for_tests/BadLogHive3/BadLogHive",
    "fixtures/hives/yarp/BigDataHive.xz",
    "fixtures/hives/yarp/CompHive.xz",
    "yarp/hives_for_tests/DeletedDataHive",
    "yarp/hives_for_tests/DeletedTreeHive",
    "yarp/hives_for_tests/DuplicateSubkeysHive",
    "yarp/hives_for_tests/EffectiveSizeHive",
    "yarp/hives_for_tests/EmptyHive",
    "fixtures/hives/yarp/ExtendedASCIIHive.xz",
    "fixtures/hives/yarp/GarbageHive.xz",
    "yarp/hives_for_tests/HealedHive",
    "yarp/hives_for_tests/InvalidParentHive",
    "fixtures/hives/yarp/ManySubkeysHive.xz",
    "fixtures/hives/yarp/MultiSzHive.xz",
    "fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz",
    "fixtures/hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz",
    "fixtures/hives/yarp/NewDirtyHive2/NewDirtyHive.xz",
    "yarp/hives_for_tests/NewFlagsHive",
    "fixtures/hives/OffHive",
    "fixtures/hives/yarp/OldDirtyHive/OldDirtyHive.xz",
    "fixtures/hives/yarp/OldDirtyHive/RecoveredHive_Windows7.xz",
    "fixtures/hives/yarp/PairHive.xz",
    "yarp/hives_for_tests/RemnantsHive",
    "yarp/hives_for_tests/SlackHive",
    "fixtures/hives/yarp/StringValuesHive.xz",
    "yarp/hives_for_tests/System_Delta",
    "yarp/hives_for_tests/TruncatedPairHive",
    "yarp/hives_for_tests/TruncatedPairHive2",
    "fixtures/hives/yarp/TwoOwnersHive.xz",
    "fixtures/hives/yarp/UnicodeHive.xz",
    "fixtures/hives/yarp/UpcaseHive.xz",
    "fixtures/hives/yarp/ValuesOrderHive.xz",
    "fixtures/hives/yarp/WrongOrderHive.xz",
    "fixtures/hives/SYSTEM-win10-20H2.xz",
    "regipy/regipy_tests/data/NTUSER_BAGMRU.DAT.xz",
    "regipy/regipy_tests/data/SYSTEM.xz",
    "regipy/regipy_tests/data/SYSTEM_2.xz",
    "regipy/regipy_tests/data/SYSTEM_B.xz",
    "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz",
    "regipy/regipy_tests/data/UsrClass.dat.xz",
};

/* The copies in fixtures/ (core group) or the other hives (corpus). */
static void lossless_all(int corpus)
{
    size_t keys = 0, values = 0, hives = 0;
    for (size_t i = 0; i < sizeof whole_corpus / sizeof *whole_corpus; i++) {
        if (tu_is_fixture(whole_corpus[i]) == corpus)
            continue;
        hives++;
        char *p = tu_input(whole_corpus[i]);
        regf_hive *h = tu_open(p);
        struct stats st;
        memset(&st, 0, sizeof st);
        check_roundtrip(h, 0, "HKEY_LOCAL_MACHINE\\H", &st);
        check_utf16_matches(h, 0, "HKEY_LOCAL_MACHINE\\H");
        keys += st.keys;
        values += st.values;
        regf_close(h);
        free(p);
    }
    print_message("%s: %zu hives, %zu keys, %zu values round-trip\n",
                  corpus ? "corpus" : "fixtures", hives, keys, values);
    assert_true(hives >= (corpus ? 50 : 15));
}

TU_GROUP_PAIR(lossless_all)

/* Whether NEEDLE (N bytes, may hold NULs) occurs in HAY. */
static int mem_find(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Key names with CR LF and with a NUL (yarp BogusKeyNamesHive): the whole
 * export is refused with REGF_EUNSUPP naming the key, without writing a
 * partial text; the other subtree exports and round-trips. */
static void test_bogus_key_names(void **state)
{
    (void)state;
    char *p = tu_input("fixtures/hives/yarp/BogusKeyNamesHive.xz");
    regf_hive *h = tu_open(p);
    free(p);
    struct tu_buf out;
    memset(&out, 0, sizeof out);
    assert_int_equal(regf_export_reg(h, 0, "P", 0, tu_buf_write, &out),
                     REGF_EUNSUPP);
    assert_non_null(strstr(regf_errmsg(h), "line break"));
    assert_non_null(strstr(regf_errmsg(h), "testnew"));
    tu_buf_free(&out);
    regf_key root, sub;
    regf_iter it;
    size_t n = 0, exported = 0;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    for (int rc = regf_subkey_first(h, root, &it, &sub); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &sub)) {
        char name[64];
        size_t nl;
        assert_int_equal(regf_key_name(h, sub, name, sizeof name, &nl),
                         REGF_OK);
        n++;
        if (memchr(name, '\n', nl))
            continue;
        /* "testnu\0l": the NUL is kept (written as a raw 0 byte). */
        struct stats st;
        memset(&st, 0, sizeof st);
        check_roundtrip(h, sub, "P", &st);
        assert_int_equal(st.keys, 1);
        export_to(h, sub, "P", 0, &out);
        assert_true(mem_find(out.p, out.len, "\n[P\\testnu\0l]\n", 14));
        tu_buf_free(&out);
        exported++;
    }
    assert_int_equal(n, 2);
    assert_int_equal(exported, 1);
    regf_close(h);
}

/* ---- helpers for the specific cases ---------------------------------- */

/* The block of key [HEADER] in TEXT: from the line after the header to the
 * blank line. Fails when the header is absent. */
static void find_block(const char *text, size_t len, const char *header,
                       const char **start, size_t *blen)
{
    size_t hl = strlen(header);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            break;
        if ((size_t)(e - p) == hl + 2 && p[0] == '[' && p[hl + 1] == ']' &&
            memcmp(p + 1, header, hl) == 0) {
            const char *s = e + 1, *q = s;
            while (q < end && *q != '\n') {
                const char *f = memchr(q, '\n', (size_t)(end - q));
                assert_non_null(f);
                q = f + 1;
            }
            *start = s;
            *blen = (size_t)(q - s);
            return;
        }
        p = e + 1;
    }
    print_error("header [%s] not found in the export\n", header);
    fail();
}

/* The value line (first physical line) of the block that starts with
 * NAMEQ followed by '='. Returns its length; *line points to it. */
static size_t find_value_line(const char *block, size_t blen,
                              const char *nameq, const char **line)
{
    size_t nl = strlen(nameq);
    const char *p = block, *end = block + blen;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        if ((size_t)(e - p) > nl && memcmp(p, nameq, nl) == 0 &&
            p[nl] == '=') {
            *line = p;
            return (size_t)(e - p);
        }
        p = e + 1;
    }
    print_error("no line %s=... in the block\n", nameq);
    fail();
    return 0;
}

/* Asserts that the value NAMEQ of key [HEADER] is written as exactly
 * WANT (or starts with it, when PREFIX_ONLY). */
static void expect_line(const struct tu_buf *out, const char *header,
                        const char *nameq, const char *want, int prefix_only)
{
    const char *b, *l;
    size_t bl;
    find_block(out->p, out->len, header, &b, &bl);
    size_t ll = find_value_line(b, bl, nameq, &l);
    size_t wl = strlen(want);
    if (prefix_only ? (ll < wl || memcmp(l, want, wl) != 0)
                    : (ll != wl || memcmp(l, want, wl) != 0)) {
        print_error("[%s]: got   %.*s\n          want  %s%s\n", header,
                    (int)(ll > 300 ? 300 : ll), l, want,
                    prefix_only ? "..." : "");
        fail();
    }
}

static regf_key lookup(regf_hive *h, const char *path)
{
    regf_key k;
    int rc = regf_key_lookup(h, 0, path, &k);
    if (rc != REGF_OK) {
        print_error("lookup '%s' = %d: %s\n", path, rc, regf_errmsg(h));
        fail();
    }
    return k;
}

/* Exports the subtree at PATH with prefix "P", checks its round trip and
 * leaves the text in OUT. */
static void export_checked(regf_hive *h, const char *path, struct tu_buf *out)
{
    struct stats st;
    memset(&st, 0, sizeof st);
    regf_key k = lookup(h, path);
    check_roundtrip(h, k, "P", &st);
    export_to(h, k, "P", 0, out);
}

/* ---- specific cases on real values ----------------------------------- */

static const char *const sys_xz = "fixtures/hives/SYSTEM-win10-20H2.xz";

static void test_sz_not_text(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input(sys_xz);
    struct tu_buf out;

    /* No terminating NUL (20 bytes of "06:22:2022"). */
    export_checked(h, "ControlSet001\\Control\\Session Manager\\"
                   "Configuration Manager\\Defrag", &out);
    expect_line(&out, "P\\ControlSet001\\Control\\Session Manager\\"
                "Configuration Manager\\Defrag", "\"LastRun\"",
                "\"LastRun\"=hex(1):30,00,36,00,3a,00,32,00,32,00,3a,00,32,"
                "00,30,00,32,00,32,00", 0);
    tu_buf_free(&out);

    /* Slack after the NUL: "WmiApRpl.ini" then zeros up to 98 bytes. */
    export_checked(h, "ControlSet001\\Services\\WmiApRpl\\Performance", &out);
    expect_line(&out, "P\\ControlSet001\\Services\\WmiApRpl\\Performance",
                "\"PerfIniFile\"", "\"PerfIniFile\"=hex(1):57,00,6d,00", 1);
    tu_buf_free(&out);

    /* A line break inside the string. */
    export_checked(h, "ControlSet001\\Services\\WdBoot", &out);
    expect_line(&out, "P\\ControlSet001\\Services\\WdBoot",
                "\"SignaturesVersion\"", "\"SignaturesVersion\"=hex(1):", 1);
    tu_buf_free(&out);

    /* Embedded NUL: a string followed by another one. */
    export_checked(h, "ControlSet001\\Control\\GraphicsDrivers\\Configuration\\"
                   "NOEDID_15AD_0405_00000000_000F0000_0^"
                   "20ED182961F2CFDB3A2D28C95A99744F", &out);
    expect_line(&out, "P\\ControlSet001\\Control\\GraphicsDrivers\\"
                "Configuration\\NOEDID_15AD_0405_00000000_000F0000_0^"
                "20ED182961F2CFDB3A2D28C95A99744F", "\"SetId\"",
                "\"SetId\"=hex(1):4e,00,4f,00", 1);
    tu_buf_free(&out);
    regf_close(h);
}

static void test_sz_not_text_corpus(void **state)
{
    (void)state;
    struct tu_buf out;
    /* Odd length (23 bytes) in a real Windows 10 DEFAULT hive. */
    regf_hive *h =
        tu_open_input("DFIRArtifactMuseum/Windows/Registry/Win10/DEFAULT");
    const char *k = "Software\\Microsoft\\Windows\\CurrentVersion\\"
                    "PushNotifications\\Backup\\Microsoft.Windows.PushToInstall";
    regf_val v;
    struct regf_value_info vi;
    assert_int_equal(regf_value_lookup(h, lookup(h, k), "channelId", &v),
                     REGF_OK);
    assert_int_equal(regf_value_info(h, v, &vi), REGF_OK);
    assert_int_equal(vi.type, REGF_SZ);
    assert_int_equal(vi.size, 23);
    export_checked(h, k, &out);
    char hdr[512];
    snprintf(hdr, sizeof hdr, "P\\%s", k);
    expect_line(&out, hdr, "\"channelId\"", "\"channelId\"=hex(1):", 1);
    tu_buf_free(&out);
    regf_close(h);
}

static void test_string_forms(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input("fixtures/hives/yarp/StringValuesHive.xz");
    struct tu_buf out;
    export_to(h, 0, "HKEY_LOCAL_MACHINE\\S", 0, &out);
    /* The whole file: default value as @, REG_EXPAND_SZ as hex(2), a
     * trailing space kept inside the quotes, root header [PREFIX]. */
    const char *want =
        SIGNATURE "\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\S]\n"
        "\n"
        "[HKEY_LOCAL_MACHINE\\S\\key]\n"
        "@=\"test \xd1\x82\xd0\xb5\xd1\x81\xd1\x82\"\n"
        "\"1\"=hex:74,65,73,74\n"
        "\"2\"=hex(2):74,00,65,00,73,00,74,00,20,00,42,04,35,04,41,04,42,04,"
        "00,00\n"
        "\"3\"=\"test \xd1\x82\xd0\xb5\xd1\x81\xd1\x82 \"\n"
        "\n";
    if (out.len != strlen(want) || memcmp(out.p, want, out.len) != 0) {
        print_error("got:\n%s\nwant:\n%s\n", out.p, want);
        fail();
    }
    tu_buf_free(&out);
    regf_close(h);
}

static void test_dword_and_types(void **state)
{
    (void)state;
    struct tu_buf out;
    regf_hive *h = tu_open_input(sys_xz);
    /* Unknown type 0x100000 with no data. */
    const char *drv = "ControlSet001\\Control\\Class\\"
                      "{4d36e96c-e325-11ce-bfc1-08002be10318}\\Configuration\\"
                      "Reset\\Driver";
    export_checked(h, drv, &out);
    char hdr[512];
    snprintf(hdr, sizeof hdr, "P\\%s", drv);
    expect_line(&out, hdr, "\"Drivers\"", "\"Drivers\"=hex(100000):", 0);
    expect_line(&out, hdr, "\"DevLoader\"", "\"DevLoader\"=hex(200000):", 0);
    tu_buf_free(&out);

    /* dword: for a 4-byte REG_DWORD, lowercase hex; hex(b) for a QWORD;
     * names with backslashes escaped. */
    export_checked(h, "ControlSet001\\Control\\CI\\NGEN", &out);
    const char *b, *l;
    size_t bl;
    find_block(out.p, out.len, "P\\ControlSet001\\Control\\CI\\NGEN", &b, &bl);
    size_t ll = find_value_line(b, bl,
        "\"C:\\\\Windows\\\\Microsoft.NET\\\\Framework64\\\\v4.0.30319\\\\"
        "mscorsvw.exe\"", &l);
    const char *eq = memchr(l, '=', ll);
    assert_non_null(eq);
    assert_int_equal((size_t)(l + ll - eq), strlen("=dword:00000000"));
    assert_memory_equal(eq, "=dword:", 7);
    tu_buf_free(&out);
    regf_close(h);
}

static void test_dword_and_types_corpus(void **state)
{
    (void)state;
    /* A REG_DWORD of 0 bytes as the default value of a real SAM. */
    regf_hive *h = tu_open_input(
        "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord");
    struct tu_buf out;
    export_checked(h, "SAM\\Domains\\Account\\Users", &out);
    expect_line(&out, "P\\SAM\\Domains\\Account\\Users", "@", "@=hex(4):", 0);
    /* Empty data of other types. */
    expect_line(&out, "P\\SAM\\Domains\\Account\\Users\\Names", "@",
                "@=hex(0):", 0);
    expect_line(&out, "P\\SAM\\Domains\\Account\\Users\\Names\\Guest", "@",
                "@=hex(1f5):", 0);
    tu_buf_free(&out);
    export_checked(h, "SAM\\Domains\\Builtin\\Aliases", &out);
    expect_line(&out, "P\\SAM\\Domains\\Builtin\\Aliases\\Members\\S-1-5",
                "@", "@=hex:", 0);
    expect_line(&out, "P\\SAM\\Domains\\Builtin\\Aliases\\Members", "@",
                "@=hex(1):", 0);   /* REG_SZ of 0 bytes */
    expect_line(&out, "P\\SAM\\Domains\\Builtin\\Aliases", "@",
                "@=hex(11):", 0);  /* type 17 */
    tu_buf_free(&out);
    regf_close(h);
}

static void test_value_named_at(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input(sys_xz);
    const char *k = "ActivationBroker\\Plugins\\"
                    "{17B21A1B-6C59-48E0-A448-6BC9AD2C5BFE}";
    regf_key key = lookup(h, k);
    regf_val v, d;
    assert_int_equal(regf_value_lookup(h, key, "@", &v), REGF_OK);
    int has_default = regf_value_lookup(h, key, "", &d) == REGF_OK;
    struct tu_buf out;
    export_checked(h, k, &out);
    char hdr[512];
    snprintf(hdr, sizeof hdr, "P\\%s", k);
    expect_line(&out, hdr, "\"@\"", "\"@\"=\"", 1);
    if (!has_default) {
        const char *b;
        size_t bl;
        find_block(out.p, out.len, hdr, &b, &bl);
        assert_false(bl >= 2 && b[0] == '@' && b[1] == '=');
        assert_null(strstr(b, "\n@="));
    }
    tu_buf_free(&out);
    regf_close(h);
}

static void test_subkey_headers(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input(sys_xz);
    struct tu_buf out;
    /* Looked up through CurrentControlSet: headers show the real path. */
    regf_key k = lookup(h, "\\currentcontrolset\\CONTROL\\ci");
    export_to(h, k, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, &out);
    const char *first = SIGNATURE "\n\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\CI]\n";
    assert_true(out.len > strlen(first));
    assert_memory_equal(out.p, first, strlen(first));
    /* Every header lies below the start key. */
    const char *under = "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\CI";
    size_t headers = 0;
    for (const char *p = out.p; (p = strstr(p, "\n[")) != NULL; p++) {
        headers++;
        assert_memory_equal(p + 1, under, strlen(under));
        char c = p[1 + strlen(under)];
        assert_true(c == ']' || c == '\\');
    }
    assert_true(headers > 3);
    struct stats st;
    memset(&st, 0, sizeof st);
    check_roundtrip(h, k, "HKEY_LOCAL_MACHINE\\SYSTEM", &st);
    assert_int_equal(st.keys, headers);
    tu_buf_free(&out);

    /* Key 0 and the root key give the same text. */
    struct tu_buf a, b;
    regf_key root;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    regf_close(h);
    h = tu_open_input("fixtures/hives/yarp/UnicodeHive.xz");
    assert_int_equal(regf_root(h, &root), REGF_OK);
    export_to(h, 0, "R", 0, &a);
    export_to(h, root, "R", 0, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_memory_equal(a.p, SIGNATURE "\n\n[R]\n", strlen(SIGNATURE) + 6);
    /* [PREFIX\A\B] for a key two levels down (UTF-8 names). */
    assert_non_null(strstr(a.p, "\n[R\\\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
                                "\xd1\x82\\\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87]\n"));
    tu_buf_free(&a);
    tu_buf_free(&b);
    regf_close(h);
}

static void test_prefix_trailing_backslash(void **state)
{
    (void)state;
    char *p = tu_fixture("hives/special");
    regf_hive *h = tu_open(p);
    free(p);
    struct tu_buf a, b, c;
    export_to(h, 0, "HKEY_LOCAL_MACHINE\\X", 0, &a);
    export_to(h, 0, "HKEY_LOCAL_MACHINE\\X\\", 0, &b);
    export_to(h, 0, "HKEY_LOCAL_MACHINE\\X\\\\\\", 0, &c);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_int_equal(a.len, c.len);
    assert_memory_equal(a.p, c.p, a.len);
    assert_non_null(strstr(a.p, "\n[HKEY_LOCAL_MACHINE\\X]\n"));
    assert_non_null(strstr(a.p, "\n[HKEY_LOCAL_MACHINE\\X\\weird\xe2\x84\xa2]\n"
                                "\"symbols $\xc2\xa3\xe2\x82\xa4\xe2\x82\xa7"
                                "\xe2\x82\xac\"=dword:00000000\n"));
    assert_null(strstr(a.p, "X\\\\"));
    tu_buf_free(&a);
    tu_buf_free(&b);
    tu_buf_free(&c);

    /* A prefix that is not UTF-8 is refused before anything is written. */
    struct tu_buf d;
    memset(&d, 0, sizeof d);
    assert_int_equal(regf_export_reg(h, 0, "HKLM\\\xff", 0, tu_buf_write, &d),
                     REGF_EINVAL);
    assert_int_equal(d.len, 0);
    assert_true(regf_errmsg(h)[0] != '\0');
    memset(&d, 0, sizeof d);
    assert_int_equal(regf_export_reg(h, 0, "HKLM\\\xc3", REGF_EXPORT_UTF16,
                                     tu_buf_write, &d), REGF_EINVAL);
    assert_int_equal(d.len, 0);
    tu_buf_free(&d);
    regf_close(h);
}

/* ---- UTF-16 mode ----------------------------------------------------- */

static void check_utf16_matches(regf_hive *h, regf_key key, const char *prefix)
{
    struct tu_buf u8, u16;
    export_to(h, key, prefix, 0, &u8);
    export_to(h, key, prefix, REGF_EXPORT_UTF16, &u16);
    assert_true(u16.len >= 2);
    assert_int_equal((uint8_t)u16.p[0], 0xFF);
    assert_int_equal((uint8_t)u16.p[1], 0xFE);
    assert_int_equal(u16.len % 2, 0);
    struct bytes dec = { NULL, 0, 0 }, want = { NULL, 0, 0 };
    bytes_put(&dec, "", 0);
    bytes_put(&want, "", 0);
    utf16le_to_utf8((const uint8_t *)u16.p + 2, u16.len - 2, &dec);
    for (size_t i = 0; i < u8.len; i++) {
        if (u8.p[i] == '\n')
            bytes_byte(&want, '\r');
        bytes_byte(&want, (uint8_t)u8.p[i]);
    }
    if (dec.len != want.len || memcmp(dec.p, want.p, dec.len) != 0) {
        size_t i = 0;
        while (i < dec.len && i < want.len && dec.p[i] == want.p[i])
            i++;
        print_error("UTF-16 export differs from the UTF-8 one at byte %zu "
                    "(decoded %zu bytes, expected %zu)\n", i, dec.len,
                    want.len);
        fail();
    }
    /* And the decoded text parses with CRLF line ends. */
    struct reg r;
    parse_reg((const char *)dec.p, dec.len, "\r\n", &r);
    assert_true(r.nkeys > 0);
    reg_free(&r);
    free(dec.p);
    free(want.p);
    tu_buf_free(&u8);
    tu_buf_free(&u16);
}

static void test_utf16(void **state)
{
    (void)state;
    char *p = tu_fixture("hives/special");
    regf_hive *h = tu_open(p);
    free(p);
    struct tu_buf u16;
    export_to(h, 0, "HKEY_LOCAL_MACHINE\\special", REGF_EXPORT_UTF16, &u16);
    static const uint8_t head[] = {
        0xFF, 0xFE, 'W', 0, 'i', 0, 'n', 0, 'd', 0, 'o', 0, 'w', 0, 's', 0 };
    assert_memory_equal(u16.p, head, sizeof head);
    /* "5.00" CR LF CR LF "[" */
    static const uint8_t crlf[] = { '0', 0, '\r', 0, '\n', 0, '\r', 0, '\n', 0,
                                    '[', 0 };
    assert_memory_equal(u16.p + 2 + 2 * (strlen(SIGNATURE) - 1), crlf,
                        sizeof crlf);
    /* The text ends with CR LF CR LF. */
    assert_memory_equal(u16.p + u16.len - 8, "\r\0\n\0\r\0\n\0", 8);
    tu_buf_free(&u16);
    check_utf16_matches(h, 0, "HKEY_LOCAL_MACHINE\\special");
    regf_close(h);

    const char *hives[] = { "fixtures/hives/yarp/UnicodeHive.xz",
                            "fixtures/hives/yarp/PairHive.xz",
                            "fixtures/hives/yarp/StringValuesHive.xz",
                            "fixtures/hives/yarp/BigDataHive.xz",
                            "fixtures/hives/UNICODE_TESTS" };
    for (size_t i = 0; i < sizeof hives / sizeof *hives; i++) {
        h = tu_open_input(hives[i]);
        check_utf16_matches(h, 0, "HKEY_CURRENT_USER\\\xe2\x84\xa2");
        regf_close(h);
    }
    /* A big export: more than the exporter's internal buffer. */
    h = tu_open_input(sys_xz);
    check_utf16_matches(h, lookup(h, "ControlSet001\\Control"),
                        "HKEY_LOCAL_MACHINE\\SYSTEM");
    regf_close(h);
}

/* ---- line wrapping --------------------------------------------------- */

static void test_wrapping(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input("fixtures/hives/yarp/BigDataHive.xz");
    struct tu_buf out;
    export_to(h, 0, "P", 0, &out);
    size_t lines = 0, cont = 0, maxl = 0;
    const char *p = out.p, *end = out.p + out.len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(e);
        size_t l = (size_t)(e - p);
        lines++;
        if (l > maxl)
            maxl = l;
        if (l > 2 && p[0] == ' ' && p[1] == ' ')
            cont++;
        /* A wrapped line ends in ",\" right after a byte. */
        if (l && p[l - 1] == '\\') {
            assert_true(l >= 4);
            assert_int_equal(p[l - 2], ',');
        }
        p = e + 1;
    }
    assert_true(cont > 100);            /* big data values do wrap */
    assert_true(maxl <= 80);
    assert_true(maxl >= 76);            /* and use the width */
    tu_buf_free(&out);
    regf_close(h);
}

/* ---- synthetic records: patched copies of hivex 'special' ------------- */

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

struct image {
    uint8_t *p;
    size_t len;
    uint32_t vk;      /* value "abcd_äöüß" of key "abcd_äöüß" */
    uint32_t nk;      /* that key */
};

static struct image load_special(void)
{
    struct image im;
    char *path = tu_fixture("hives/special");
    im.p = tu_read_file(path, &im.len);
    regf_hive *h = tu_open(path);
    free(path);
    regf_key k = lookup(h, "abcd_\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f");
    regf_val v;
    assert_int_equal(regf_value_at(h, k, 0, &v), REGF_OK);
    regf_close(h);
    im.vk = v;
    im.nk = k;
    /* Offsets are of the cell (its size field) relative to the bins. */
    assert_true(4096 + (size_t)v + 24 + 9 <= im.len);
    assert_memory_equal(im.p + 4096 + v + 4, "vk", 2);
    assert_memory_equal(im.p + 4096 + k + 4, "nk", 2);
    return im;
}

/* Patches the vk to TYPE with N (<= 4) bytes of inline DATA, opens the
 * image and exports it. Returns the export status; the text is in OUT. */
static int export_patched_value(const struct image *im, uint32_t type,
                                const void *data, uint32_t n,
                                const char *name, struct tu_buf *out,
                                int check)
{
    uint8_t *img = malloc(im->len);
    assert_non_null(img);
    memcpy(img, im->p, im->len);
    uint8_t *vk = img + 4096 + im->vk;
    wr32(vk + 8, 0x80000000u | n);
    memset(vk + 12, 0, 4);
    memcpy(vk + 12, data, n);
    wr32(vk + 16, type);
    if (name) {
        size_t nl = strlen(name);
        assert_true(nl <= 9);
        wr16(vk + 6, (uint16_t)nl);
        memcpy(vk + 24, name, nl);
    }
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(img, im->len, "patched", 0, &h), REGF_OK);
    free(img);
    if (check) {
        struct stats st;
        memset(&st, 0, sizeof st);
        check_roundtrip(h, 0, "P", &st);
        assert_int_equal(st.values, 3);
    }
    memset(out, 0, sizeof *out);
    int rc = regf_export_reg(h, 0, "P", 0, tu_buf_write, out);
    if (rc != REGF_OK && !check) {
        /* the message names the problem */
        assert_true(regf_errmsg(h)[0] != '\0');
    }
    regf_close(h);
    return rc;
}

#define KEY_A "P\\abcd_\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f"
#define VAL_A "\"abcd_\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f\""

static void expect_patched(const struct image *im, uint32_t type,
                           const char *data, uint32_t n, const char *want)
{
    struct tu_buf out;
    assert_int_equal(export_patched_value(im, type, data, n, NULL, &out, 1),
                     REGF_OK);
    char full[128];
    snprintf(full, sizeof full, "%s=%s", VAL_A, want);
    expect_line(&out, KEY_A, VAL_A, full, 0);
    tu_buf_free(&out);
}

static void test_synthetic_values(void **state)
{
    (void)state;
    struct image im = load_special();
    /* REG_SZ forms. */
    expect_patched(&im, REGF_SZ, "A\0\0\0", 4, "\"A\"");
    expect_patched(&im, REGF_SZ, "\0\0", 2, "\"\"");
    expect_patched(&im, REGF_SZ, "\"\0\0\0", 4, "\"\\\"\"");
    expect_patched(&im, REGF_SZ, "\\\0\0\0", 4, "\"\\\\\"");
    expect_patched(&im, REGF_SZ, "\xe9\0\0\0", 4, "\"\xc3\xa9\"");
    expect_patched(&im, REGF_SZ, "A\0\0", 3, "hex(1):41,00,00");      /* odd */
    expect_patched(&im, REGF_SZ, "A", 1, "hex(1):41");
    expect_patched(&im, REGF_SZ, "A\0B\0", 4, "hex(1):41,00,42,00"); /* no NUL */
    expect_patched(&im, REGF_SZ, "\0\0\0\0", 4, "hex(1):00,00,00,00"); /* slack */
    expect_patched(&im, REGF_SZ, "\0\0A\0", 4, "hex(1):00,00,41,00");
    expect_patched(&im, REGF_SZ, "\n\0\0\0", 4, "hex(1):0a,00,00,00");
    expect_patched(&im, REGF_SZ, "\r\0\0\0", 4, "hex(1):0d,00,00,00");
    expect_patched(&im, REGF_SZ, "\0\xd8\0\0", 4, "hex(1):00,d8,00,00");
    expect_patched(&im, REGF_SZ, "\0\xdc\0\0", 4, "hex(1):00,dc,00,00");
    expect_patched(&im, REGF_SZ, "", 0, "hex(1):");
    /* Not REG_SZ: always hex(N), even when the data is a clean string. */
    expect_patched(&im, REGF_EXPAND_SZ, "A\0\0\0", 4, "hex(2):41,00,00,00");
    expect_patched(&im, REGF_LINK, "A\0\0\0", 4, "hex(6):41,00,00,00");
    expect_patched(&im, REGF_MULTI_SZ, "\0\0\0\0", 4, "hex(7):00,00,00,00");
    /* Dwords. */
    expect_patched(&im, REGF_DWORD, "\x78\x56\x34\x12", 4, "dword:12345678");
    expect_patched(&im, REGF_DWORD, "\xff\xff\xff\xff", 4, "dword:ffffffff");
    expect_patched(&im, REGF_DWORD, "\1\2\3", 3, "hex(4):01,02,03");
    expect_patched(&im, REGF_DWORD, "", 0, "hex(4):");
    expect_patched(&im, REGF_DWORD_BE, "\0\0\0\1", 4, "hex(5):00,00,00,01");
    expect_patched(&im, REGF_QWORD, "\1\2\3\4", 4, "hex(b):01,02,03,04");
    /* Binary and other numbers. */
    expect_patched(&im, REGF_BINARY, "\xab", 1, "hex:ab");
    expect_patched(&im, REGF_BINARY, "", 0, "hex:");
    expect_patched(&im, REGF_NONE, "\1", 1, "hex(0):01");
    expect_patched(&im, 0x100000, "", 0, "hex(100000):");
    expect_patched(&im, 0xFFFFFFFFu, "\xfe", 1, "hex(ffffffff):fe");
    free(im.p);
}

static void test_synthetic_names(void **state)
{
    (void)state;
    struct image im = load_special();
    struct tu_buf out;
    /* Quote and backslash in a value name are escaped. */
    assert_int_equal(export_patched_value(&im, REGF_DWORD, "\1\0\0\0", 4,
                                          "a\"b\\c", &out, 1), REGF_OK);
    expect_line(&out, KEY_A, "\"a\\\"b\\\\c\"",
                "\"a\\\"b\\\\c\"=dword:00000001", 0);
    tu_buf_free(&out);
    /* A value literally named "@" is quoted, unlike the default value. */
    assert_int_equal(export_patched_value(&im, REGF_SZ, "x\0\0\0", 4, "@",
                                          &out, 1), REGF_OK);
    expect_line(&out, KEY_A, "\"@\"", "\"@\"=\"x\"", 0);
    tu_buf_free(&out);
    /* The default value (empty name). */
    assert_int_equal(export_patched_value(&im, REGF_SZ, "x\0\0\0", 4, "",
                                          &out, 1), REGF_OK);
    expect_line(&out, KEY_A, "@", "@=\"x\"", 0);
    tu_buf_free(&out);
    /* A line break in a value name cannot be written: refused. */
    int rc = export_patched_value(&im, REGF_DWORD, "\1\0\0\0", 4, "a\nb",
                                  &out, 0);
    assert_int_equal(rc, REGF_EUNSUPP);
    tu_buf_free(&out);
    rc = export_patched_value(&im, REGF_DWORD, "\1\0\0\0", 4, "a\rb", &out, 0);
    assert_int_equal(rc, REGF_EUNSUPP);
    tu_buf_free(&out);

    /* Same for a key name. */
    uint8_t *img = malloc(im.len);
    assert_non_null(img);
    memcpy(img, im.p, im.len);
    uint8_t *nk = img + 4096 + im.nk;
    wr16(nk + 76, 3);
    memcpy(nk + 80, "a\nb", 3);
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(img, im.len, "patched", 0, &h), REGF_OK);
    memset(&out, 0, sizeof out);
    assert_int_equal(regf_export_reg(h, 0, "P", 0, tu_buf_write, &out),
                     REGF_EUNSUPP);
    assert_non_null(strstr(regf_errmsg(h), "line break"));
    tu_buf_free(&out);
    regf_close(h);
    /* A key name with '"' or '[' is written as is. */
    memcpy(img, im.p, im.len);
    wr16(nk + 76, 4);
    memcpy(nk + 80, "[\"]@", 4);
    assert_int_equal(regf_open_mem(img, im.len, "patched", 0, &h), REGF_OK);
    export_to(h, 0, "P", 0, &out);
    assert_non_null(strstr(out.p, "\n[P\\[\"]@]\n" VAL_A "=dword:00000000\n"));
    tu_buf_free(&out);
    regf_close(h);
    free(img);
    free(im.p);
}

/* Longer REG_SZ data (surrogates need more than 4 bytes): the 22-byte
 * data cell of value "3" in yarp StringValuesHive, rewritten in place. */
static void expect_patched_sz(const uint8_t *orig, size_t len, uint32_t vk,
                              const void *data, uint32_t n, const char *want)
{
    uint8_t *img = malloc(len);
    assert_non_null(img);
    memcpy(img, orig, len);
    uint8_t *v = img + 4096 + vk;
    uint32_t off = (uint32_t)v[12] | (uint32_t)v[13] << 8 |
                   (uint32_t)v[14] << 16 | (uint32_t)v[15] << 24;
    assert_true(n <= 22);
    assert_true(4096 + (size_t)off + 4 + 22 <= len);
    wr32(v + 8, n);
    memcpy(img + 4096 + off + 4, data, n);
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(img, len, "patched", 0, &h), REGF_OK);
    free(img);
    struct stats st;
    memset(&st, 0, sizeof st);
    check_roundtrip(h, 0, "P", &st);
    assert_int_equal(st.values, 4);
    struct tu_buf out;
    export_to(h, 0, "P", 0, &out);
    char full[160];
    snprintf(full, sizeof full, "\"3\"=%s", want);
    expect_line(&out, "P\\key", "\"3\"", full, 0);
    tu_buf_free(&out);
    regf_close(h);
}

static void test_synthetic_long_strings(void **state)
{
    (void)state;
    char *path = tu_input("fixtures/hives/yarp/StringValuesHive.xz");
    size_t len;
    uint8_t *orig = tu_read_file(path, &len);
    regf_hive *h = tu_open(path);
    free(path);
    regf_val vk;
    assert_int_equal(regf_value_lookup(h, lookup(h, "key"), "3", &vk),
                     REGF_OK);
    regf_close(h);
    assert_memory_equal(orig + 4096 + vk + 4, "vk", 2);

    /* A surrogate pair (U+10437) is text; written as 4-byte UTF-8. */
    expect_patched_sz(orig, len, vk, "a\0\x01\xd8\x37\xdc\0\0", 8,
                      "\"a\xf0\x90\x90\xb7\"");
    /* A high surrogate followed by a non-surrogate. */
    expect_patched_sz(orig, len, vk, "a\0\0\xd8" "b\0\0\0", 8,
                      "hex(1):61,00,00,d8,62,00,00,00");
    /* A high surrogate right before the terminator. */
    expect_patched_sz(orig, len, vk, "a\0\x01\xd8\0\0", 6,
                      "hex(1):61,00,01,d8,00,00");
    /* The pair reversed. */
    expect_patched_sz(orig, len, vk, "\x37\xdc\x01\xd8\0\0", 6,
                      "hex(1):37,dc,01,d8,00,00");
    /* A high surrogate followed by U+E000 (just above the low range). */
    expect_patched_sz(orig, len, vk, "\x01\xd8\x00\xe0\0\0", 6,
                      "hex(1):01,d8,00,e0,00,00");
    /* Two low surrogates. */
    expect_patched_sz(orig, len, vk, "\x37\xdc\x37\xdc\0\0", 6,
                      "hex(1):37,dc,37,dc,00,00");
    /* Two high surrogates then a low one. */
    expect_patched_sz(orig, len, vk, "\x01\xd8\x01\xd8\x37\xdc\0\0", 8,
                      "hex(1):01,d8,01,d8,37,dc,00,00");
    /* Quotes and backslashes inside the text. */
    expect_patched_sz(orig, len, vk, "a\0\"\0b\0\\\0\\\0\0\0", 12,
                      "\"a\\\"b\\\\\\\\\"");
    /* Two strings (embedded NUL), and slack NULs after the terminator. */
    expect_patched_sz(orig, len, vk, "a\0\0\0b\0\0\0", 8,
                      "hex(1):61,00,00,00,62,00,00,00");
    expect_patched_sz(orig, len, vk, "a\0\0\0\0\0", 6,
                      "hex(1):61,00,00,00,00,00");
    /* CR LF and TAB: line breaks force hex, a TAB does not. */
    expect_patched_sz(orig, len, vk, "a\0\r\0\n\0\0\0", 8,
                      "hex(1):61,00,0d,00,0a,00,00,00");
    expect_patched_sz(orig, len, vk, "a\0\t\0\0\0", 6, "\"a\t\"");
    /* Odd length with the terminator before the last byte. */
    expect_patched_sz(orig, len, vk, "a\0b\0\0\0c", 7,
                      "hex(1):61,00,62,00,00,00,63");
    free(orig);
}

/* Values bigger than the exporter's 256 KiB output buffer, in a hive
 * built with mkhive (db records): a 400 KB REG_SZ written as text (2-byte
 * UTF-8 characters and escapes), a 120 KB REG_BINARY (360 KB of hex), the
 * same string with its terminator cut (hex(1)), and a 300-character value
 * name ahead of hex data. UTF-8 and UTF-16 exports both round-trip. */
static void test_large_values(void **state)
{
    (void)state;
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "R");
    uint32_t k = mk_nk(mk, "K", root);
    uint32_t list = mk_list(mk, "lh", &k, 1);
    mk_subkeys(mk, root, list, 1);

    const uint32_t units = 200000;
    uint8_t *sz = malloc(2 * (size_t)units + 2);
    assert_non_null(sz);
    for (uint32_t i = 0; i < units; i++) {
        uint16_t c = i % 97 == 0 ? '\\' : i % 89 == 0 ? '"' : 0xE9;
        sz[2 * i] = (uint8_t)c;
        sz[2 * i + 1] = (uint8_t)(c >> 8);
    }
    sz[2 * units] = sz[2 * units + 1] = 0;
    uint8_t *bin = malloc(120000);
    assert_non_null(bin);
    for (uint32_t i = 0; i < 120000; i++)
        bin[i] = (uint8_t)(i * 7 + (i >> 8));
    char longname[301];
    memset(longname, 'n', 300);
    longname[300] = 0;
    uint32_t vks[4];
    vks[0] = mk_vk(mk, "text", REGF_SZ, sz, 2 * units + 2);
    vks[1] = mk_vk(mk, "bin", REGF_BINARY, bin, 120000);
    vks[2] = mk_vk(mk, "cut", REGF_SZ, sz, 2 * units);
    vks[3] = mk_vk(mk, longname, REGF_BINARY, bin, 100);
    mk_values(mk, k, vks, 4);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    regf_hive *h = NULL;
    int rc = regf_open_mem(img, len, "large", 0, &h);
    if (rc != REGF_OK) {
        print_error("open: %s\n", regf_errmsg(h));
        fail();
    }
    mk_free(mk);

    struct stats st;
    memset(&st, 0, sizeof st);
    check_roundtrip(h, 0, "P", &st);
    assert_int_equal(st.values, 4);
    assert_int_equal(st.strings, 1);
    assert_int_equal(st.hexes, 3);
    check_utf16_matches(h, 0, "P");

    struct tu_buf out;
    export_to(h, 0, "P", 0, &out);
    assert_true(out.len > 2 * 262144);
    /* The text line: "text"="é...\\...\"..." on one line. */
    const char *b, *l;
    size_t bl;
    find_block(out.p, out.len, "P\\K", &b, &bl);
    size_t ll = find_value_line(b, bl, "\"text\"", &l);
    /* every unit takes 2 bytes: "\\", "\"" or the 2-byte UTF-8 of é */
    assert_int_equal(ll, strlen("\"text\"=\"\"") + 2 * (size_t)units);
    assert_true(l[7] == '"' && l[ll - 1] == '"');
    /* The long name: its first line holds exactly one byte, then wraps. */
    char qname[320];
    snprintf(qname, sizeof qname, "\"%s\"", longname);
    ll = find_value_line(b, bl, qname, &l);
    size_t hl = strlen(qname) + strlen("=hex:");
    assert_true(ll == hl + 4);
    assert_memory_equal(l + hl - 5, "=hex:00,\\\n  ", 12);
    tu_buf_free(&out);
    regf_close(h);
    free(sz);
    free(bin);
}

/* ---- writer failures ------------------------------------------------- */

struct failing {
    size_t calls, fail_at;
};

static int failing_write(void *ctx, const void *buf, size_t len)
{
    struct failing *f = ctx;
    (void)buf;
    (void)len;
    return ++f->calls >= f->fail_at ? -1 : 0;
}

static void test_write_failure(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input(sys_xz);
    for (size_t at = 1; at <= 3; at++) {
        struct failing f = { 0, at };
        int rc = regf_export_reg(h, 0, "P", at == 2 ? REGF_EXPORT_UTF16 : 0,
                                 failing_write, &f);
        assert_int_equal(rc, REGF_EIO);
        assert_int_equal(f.calls, at);      /* stops at the first failure */
        assert_true(regf_errmsg(h)[0] != '\0');
    }
    regf_close(h);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_lossless_special),
        cmocka_unit_test(test_lossless_yarp),
        cmocka_unit_test(test_lossless_python_registry),
        cmocka_unit_test(test_lossless_system),
        cmocka_unit_test(test_lossless_all),
        cmocka_unit_test(test_bogus_key_names),
        cmocka_unit_test(test_sz_not_text),
        cmocka_unit_test(test_string_forms),
        cmocka_unit_test(test_dword_and_types),
        cmocka_unit_test(test_value_named_at),
        cmocka_unit_test(test_subkey_headers),
        cmocka_unit_test(test_prefix_trailing_backslash),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_wrapping),
        cmocka_unit_test(test_synthetic_values),
        cmocka_unit_test(test_synthetic_names),
        cmocka_unit_test(test_synthetic_long_strings),
        cmocka_unit_test(test_large_values),
        cmocka_unit_test(test_write_failure),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_lossless_ericzimmerman),
        cmocka_unit_test(test_lossless_python_registry_corpus),
        cmocka_unit_test(test_lossless_more_corpus),
        cmocka_unit_test(test_lossless_all_corpus),
        cmocka_unit_test(test_sz_not_text_corpus),
        cmocka_unit_test(test_dword_and_types_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
