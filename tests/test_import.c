/* test_import.c - regf_import_reg: the .reg reader (syntax errors with
 * exact line and column, encodings, line ends, REGEDIT4, escapes,
 * continuation lines), the edits ([-KEY], "x"=-, idempotence) and, on real
 * hives, export -> import into a new hive -> export giving byte-identical
 * text: the hives of fixtures/ in the core group, the others of the corpus
 * in the corpus group (TU_MAIN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "hivecheck.h"
#include "testutil.h"

#define SIG "Windows Registry Editor Version 5.00\n\n"
#define PFX "HKLM\\T"
#define FIXED_TIME 0x01D8000000000000ull

/* ---- helpers ------------------------------------------------------------ */

static regf_hive *new_hive(void)
{
    regf_hive *h = NULL;
    int rc = regf_create("new", 5, &h);
    if (rc != REGF_OK) {
        print_error("regf_create = %d: %s\n", rc, regf_errmsg(h));
        fail();
    }
    regf_set_time(h, FIXED_TIME);
    return h;
}

static int imp_n(regf_hive *h, const char *text, size_t n)
{
    return regf_import_reg(h, text, n, PFX);
}

static int imp(regf_hive *h, const char *text)
{
    return imp_n(h, text, strlen(text));
}

static void imp_ok(regf_hive *h, const char *text, size_t n)
{
    int rc = imp_n(h, text, n);
    if (rc != REGF_OK) {
        print_error("import = %d: %s\n", rc, regf_errmsg(h));
        fail();
    }
}

static void export_to(regf_hive *h, const char *prefix, unsigned flags,
                      struct tu_buf *out)
{
    memset(out, 0, sizeof *out);
    int rc = regf_export_reg(h, 0, prefix, flags, tu_buf_write, out);
    if (rc != REGF_OK) {
        print_error("export = %d: %s\n", rc, regf_errmsg(h));
        fail();
    }
}

static void assert_same_text(const struct tu_buf *a, const struct tu_buf *b)
{
    if (a->len == b->len && memcmp(a->p, b->p, a->len) == 0)
        return;
    size_t i = 0;
    while (i < a->len && i < b->len && a->p[i] == b->p[i])
        i++;
    size_t from = i > 200 ? i - 200 : 0;
    print_error("texts differ at byte %zu (lengths %zu, %zu)\n--- first:\n"
                "%.*s\n--- second:\n%.*s\n", i, a->len, b->len,
                (int)(a->len - from < 400 ? a->len - from : 400), a->p + from,
                (int)(b->len - from < 400 ? b->len - from : 400), b->p + from);
    fail();
}

/* Looks up KEY (path below the root) and value NAME; returns its data. */
static uint8_t *get_value(regf_hive *h, const char *key, const char *name,
                          uint32_t *type, size_t *len)
{
    regf_key k;
    assert_int_equal(regf_key_lookup(h, 0, key, &k), REGF_OK);
    regf_val v;
    int rc = regf_value_lookup(h, k, name, &v);
    if (rc != REGF_OK) {
        print_error("value '%s' of '%s': %d\n", name, key, rc);
        fail();
    }
    size_t need = 0;
    assert_int_equal(regf_value_data(h, v, type, NULL, 0, &need), REGF_OK);
    uint8_t *p = malloc(need + 1);
    assert_non_null(p);
    assert_int_equal(regf_value_data(h, v, type, p, need, len), REGF_OK);
    return p;
}

static void check_value(regf_hive *h, const char *key, const char *name,
                         uint32_t type, const void *data, size_t len)
{
    uint32_t t;
    size_t n;
    uint8_t *p = get_value(h, key, name, &t, &n);
    assert_int_equal(t, type);
    assert_int_equal(n, len);
    assert_memory_equal(p, data, len);
    free(p);
}

static int has_value(regf_hive *h, const char *key, const char *name)
{
    regf_key k;
    regf_val v;
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK)
        return 0;
    return regf_value_lookup(h, k, name, &v) == REGF_OK;
}

static int has_key(regf_hive *h, const char *key)
{
    regf_key k;
    return regf_key_lookup(h, 0, key, &k) == REGF_OK;
}

/* UTF-8 (generalized) to UTF-16LE with a BOM; "\\n" becomes CR LF. */
static void to_utf16(const char *s, size_t n, struct tu_buf *out)
{
    memset(out, 0, sizeof *out);
    static const uint8_t bom[2] = { 0xFF, 0xFE };
    tu_buf_write(out, bom, 2);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i];
        size_t l = 1;
        if (c >= 0xF0) {
            c = (c & 7) << 18 | (p[i + 1] & 0x3Fu) << 12 |
                (p[i + 2] & 0x3Fu) << 6 | (p[i + 3] & 0x3Fu);
            l = 4;
        } else if (c >= 0xE0) {
            c = (c & 15) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
            l = 3;
        } else if (c >= 0xC0) {
            c = (c & 31) << 6 | (p[i + 1] & 0x3Fu);
            l = 2;
        }
        i += l;
        uint8_t u[4];
        size_t k = 0;
        if (c == '\n') {
            u[k++] = '\r';
            u[k++] = 0;
        }
        if (c >= 0x10000) {
            c -= 0x10000;
            uint32_t hi = 0xD800 + (c >> 10), lo = 0xDC00 + (c & 0x3FF);
            uint8_t w[4] = { (uint8_t)hi, (uint8_t)(hi >> 8), (uint8_t)lo,
                             (uint8_t)(lo >> 8) };
            tu_buf_write(out, w, 4);
            continue;
        }
        u[k++] = (uint8_t)c;
        u[k++] = (uint8_t)(c >> 8);
        tu_buf_write(out, u, k);
    }
}

/* ---- syntax errors --------------------------------------------------------- */

struct bad_case {
    const char *text;
    const char *msg;        /* substring of the message */
};

static const struct bad_case bad_cases[] = {
    { "", "line 1, column 1: not a .reg file" },
    { "hello\n", "line 1, column 1: not a .reg file" },
    { "\n  \r\nREGEDIT5\n", "line 3, column 1: not a .reg file" },
    { "Windows Registry Editor Version 5.0\n", "line 1, column 1:" },
    { "W\0i\0n\0", "FF FE byte order mark" },
    { "\xfe\xff\0W", "line 1, column 1: UTF-16BE" },
    { SIG "\"a\"=dword:1\n", "line 3, column 1: a value line before any" },
    { SIG "[" PFX "]\n\"a\"=hex:01,zz\n", "line 4, column 12: expected a hex "
      "byte" },
    { SIG "[" PFX "]\n\"a\"=hex:01,0g\n", "line 4, column 13: expected ','" },
    { SIG "[" PFX "]\n\"a\"=hex:01,123\n", "line 4, column 12: a hex byte has "
      "more than 2" },
    { SIG "[" PFX "]\n\"a\"=hex:01,\\\n  02,zz\n", "line 5, column 6: "
      "expected a hex byte" },
    { SIG "[" PFX "]\n\"a\"=hex:01,\\ x\n02\n", "line 4, column 13: "
      "unexpected text after the continuation" },
    { SIG "[" PFX "]\n\"a\"=\"abc\n", "line 4, column 5: unterminated "
      "string" },
    { SIG "[" PFX "]\n\"abc=1\n", "line 4, column 1: unterminated string" },
    { SIG "[" PFX "]\n\"a\"=\"abc\\\"\n", "line 4, column 5: unterminated" },
    { SIG "[" PFX "]\n\"a\"=dword:00000001 x\n", "line 4, column 20: "
      "unexpected text after the value" },
    { SIG "[" PFX "]\n\"a\"=\"b\"c\n", "line 4, column 8: unexpected text" },
    { SIG "[" PFX "]\n\"a\"=-x\n", "line 4, column 6: unexpected text" },
    { SIG "[" PFX "]\n\"a\"=dword:123456789\n", "line 4, column 11: dword: "
      "takes at most 8" },
    { SIG "[" PFX "]\n\"a\"=dword:\n", "line 4, column 11: dword: needs" },
    { SIG "[" PFX "]\n\"a\"=dword:xyz\n", "line 4, column 11: dword: needs" },
    { SIG "[" PFX "]\n\"a\"=dword: 1\n", "line 4, column 11: dword: needs" },
    { SIG "[" PFX "]\n\"a\"=qword:1\n", "line 4, column 5: expected a value" },
    { SIG "[" PFX "]\n\"a\"=\n", "line 4, column 5: expected a value" },
    { SIG "[" PFX "]\n\"a\"=hex(0x7):00\n", "line 4, column 10: expected "
      "hex(N):" },
    { SIG "[" PFX "]\n\"a\"=hex(123456789):00\n", "line 4, column 9: "
      "hex(N): the type takes at most 8" },
    { SIG "[" PFX "]\n\"a\"=hex(7:00\n", "line 4, column 10: expected "
      "hex(N):" },
    { SIG "[" PFX "]\n\"a\" \"b\"\n", "line 4, column 5: expected '='" },
    { SIG "[" PFX "]\n\"x\\ny\"=dword:1\n", "line 4, column 3: unknown "
      "escape" },
    { SIG "[" PFX "]\n\"a\"=\"C:\\Windows\"\n", "line 4, column 8: unknown "
      "escape" },
    { SIG "[" PFX "]\nfoo\n", "line 4, column 1: expected [KEY]" },
    { SIG "[" PFX "]\n  \"a\"=dword:1\n", "line 4, column 3: expected [KEY]" },
    { SIG "[" PFX "\n", "line 3, column 8: missing ']'" },
    { SIG "[" PFX "] x\n", "line 3, column 10: unexpected text after the key" },
    { SIG "[]\n", "line 3, column 2: empty key name" },
    { SIG "[-]\n", "line 3, column 3: empty key name" },
    { SIG "[HKLM\\Other\\X]\n", "line 3, column 2: key [HKLM\\Other\\X] is "
      "not under the prefix HKLM\\T; use --prefix" },
    { SIG "[HKLM\\Tx]\n", "line 3, column 2: key [HKLM\\Tx] is not under" },
    { SIG "[HKLM]\n", "line 3, column 2: key [HKLM] is not under" },
    { SIG "[-HKLM\\U\\A]\n", "line 3, column 3: key [HKLM\\U\\A] is not" },
    { SIG "[" PFX "\\\\A]\n", "line 3, column 9: empty key name" },
    { SIG "[" PFX "\\A\\\\B]\n", "line 3, column 11: empty key name" },
    { SIG "[-" PFX "]\n", "line 3, column 1: the root key [HKLM\\T] cannot" },
    { SIG "[-" PFX "\\A]\n\"x\"=dword:1\n", "line 4, column 1: a value line "
      "after a [-KEY]" },
    { SIG "[" PFX "\\\xff]\n", "line 3, column 9: invalid UTF-8" },
    { SIG "\n[" PFX "]\n\"\xc3\xa9\"=\"\xe9\"\n", "line 5, column 6: invalid "
      "UTF-8" },
    /* An error after good lines: nothing of them is applied. */
    { SIG "[" PFX "\\A]\n\"x\"=dword:1\n\n[" PFX "\\B]\n\"y\"=bad\n",
      "line 7, column 5: expected a value" },
};

static void test_syntax_errors(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    struct tu_buf before;
    export_to(h, PFX, 0, &before);
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const struct bad_case *c = &bad_cases[i];
        size_t n = strlen(c->text);
        if (n == 1 && c->text[0] == 'W')
            n = 6;                          /* "W\0i\0n\0" */
        if (c->text[0] == '\xfe')
            n = 4;
        int rc = imp_n(h, c->text, n);
        const char *m = regf_errmsg(h);
        if (rc != REGF_EINVAL || !strstr(m, c->msg)) {
            print_error("case %zu: rc %d, message '%s', want '%s'\n", i, rc,
                        m, c->msg);
            fail();
        }
        struct tu_buf after;
        export_to(h, PFX, 0, &after);
        assert_same_text(&before, &after);
        tu_buf_free(&after);
    }
    tu_buf_free(&before);
    regf_close(h);
}

static void test_name_limits(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    char text[70000];
    /* A 255-unit key name is fine, 256 is not. */
    char name[300];
    memset(name, 'k', 256);
    name[255] = 0;
    snprintf(text, sizeof text, SIG "[" PFX "\\%s]\n", name);
    imp_ok(h, text, strlen(text));
    assert_true(has_key(h, name));
    name[255] = 'k';
    name[256] = 0;
    snprintf(text, sizeof text, SIG "[" PFX "\\%s]\n", name);
    assert_int_equal(imp(h, text), REGF_EINVAL);
    assert_non_null(strstr(regf_errmsg(h), "line 3, column 9: key name longer "
                           "than 255"));
    /* A key name starting with U+0000. */
    static const char nul_first[] = SIG "[" PFX "\\\0x]\n";
    assert_int_equal(imp_n(h, nul_first, sizeof nul_first - 1), REGF_EINVAL);
    assert_non_null(strstr(regf_errmsg(h), "line 3, column 9: a key name "
                           "cannot start with U+0000"));
    /* Value names: 16383 units fine, 16384 not. */
    size_t k = (size_t)snprintf(text, sizeof text, SIG "[" PFX "]\n\"");
    memset(text + k, 'v', 16384);
    memcpy(text + k + 16383, "\"=dword:1\n", 11);
    imp_ok(h, text, strlen(text));
    memset(text + k, 'v', 16384);
    memcpy(text + k + 16384, "\"=dword:1\n", 11);
    assert_int_equal(imp(h, text), REGF_EINVAL);
    assert_non_null(strstr(regf_errmsg(h), "line 4, column 1: value name "
                           "longer than 16383"));
    regf_close(h);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    const char *t = SIG "[X]\n";
    assert_int_equal(regf_import_reg(h, t, strlen(t), ""), REGF_EINVAL);
    assert_int_equal(regf_import_reg(h, t, strlen(t), NULL), REGF_EINVAL);
    assert_int_equal(regf_import_reg(h, t, strlen(t), "\\\\"), REGF_EINVAL);
    assert_int_equal(regf_import_reg(h, t, strlen(t), "\xff"), REGF_EINVAL);
    assert_int_equal(regf_import_reg(h, t, strlen(t), "X\\"), REGF_OK);
    assert_int_equal(regf_import_reg(h, NULL, 0, "X"), REGF_EINVAL);
    regf_close(h);

    /* A hive opened read-only. */
    char *p = tu_fixture("hives/special");
    h = tu_open(p);
    free(p);
    assert_int_equal(regf_import_reg(h, t, strlen(t), "X"), REGF_ERDONLY);
    regf_close(h);
}

/* ---- what the values become ------------------------------------------------ */

static void test_value_forms(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    static const char text[] =
        SIG
        "; a comment\n"
        "[" PFX "]\n"
        "@=\"def\"\n"
        "\"s\"=\"a\\\\b\\\"c\"\n"
        "\"q\\\"\\\\\"=\"\"\n"
        "\"d\"=dword:1\n"
        "\"D2\"=dword:FfFfFfFf ; trailing comment\n"
        "\"e\"=hex:\n"
        "\"f\"=hex(0):\n"
        "\"g\"=hex(ffffffff):01\n"
        "\"h\" = hex: 01 , 2,03,\n"
        "\"i\"=hex(7):41,00,00,00,\\\n"
        "    42,00,00,00,\\\n"
        "\t00,00\n"
        "\"j\"=hex(b):01,02,03,04,05,06,07,08 ;c\n"
        "\"k\"=\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n"
        "\"\xc3\xa9t\xc3\xa9\"=\"x\"\t \n"
        "\n"
        "[" PFX "\\a]b]\n"
        "\"in\"=dword:2\n"
        "[hklm\\t\\Sub\\Deeper\\]\n"
        "\"x\"=\"y\"\n";
    imp_ok(h, text, sizeof text - 1);

    check_value(h, "", "", REGF_SZ, "d\0e\0f\0\0", 8);
    check_value(h, "", "s", REGF_SZ, "a\0\\\0b\0\"\0c\0\0", 12);
    check_value(h, "", "q\"\\", REGF_SZ, "\0", 2);
    check_value(h, "", "d", REGF_DWORD, "\x01\0\0\0", 4);
    check_value(h, "", "D2", REGF_DWORD, "\xff\xff\xff\xff", 4);
    check_value(h, "", "e", REGF_BINARY, "", 0);
    check_value(h, "", "f", REGF_NONE, "", 0);
    check_value(h, "", "g", 0xFFFFFFFFu, "\x01", 1);
    check_value(h, "", "h", REGF_BINARY, "\x01\x02\x03", 3);
    check_value(h, "", "i", REGF_MULTI_SZ, "A\0\0\0B\0\0\0\0\0", 10);
    check_value(h, "", "j", REGF_QWORD, "\1\2\3\4\5\6\7\x08", 8);
    check_value(h, "", "k", REGF_SZ, "\xe9\0\xac\x20\x3d\xd8\x00\xde\0", 10);
    check_value(h, "", "\xc3\xa9t\xc3\xa9", REGF_SZ, "x\0\0", 4);
    check_value(h, "a]b", "in", REGF_DWORD, "\x02\0\0\0", 4);
    check_value(h, "Sub\\Deeper", "x", REGF_SZ, "y\0\0", 4);

    /* The value order is the file's. */
    regf_key root;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    const char *order[] = { "", "s", "q\"\\", "d", "D2", "e", "f", "g", "h",
                            "i", "j", "k", "\xc3\xa9t\xc3\xa9" };
    for (uint32_t i = 0; i < sizeof order / sizeof *order; i++) {
        regf_val v;
        char nm[32];
        assert_int_equal(regf_value_at(h, root, i, &v), REGF_OK);
        assert_int_equal(regf_value_name(h, v, nm, sizeof nm, NULL), REGF_OK);
        assert_string_equal(nm, order[i]);
    }
    regf_close(h);
}

/* Key names with U+0000 inside (our exporter writes them raw). */
static void test_nul_in_key_name(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    static const char text[] = SIG "[" PFX "\\x\0y]\n\"v\"=dword:7\n"
                               "[" PFX "\\x\0y\\z\0]\n";
    imp_ok(h, text, sizeof text - 1);
    regf_key root, k, z;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_key_child(h, root, "x\0y", 3, &k), REGF_OK);
    assert_int_equal(regf_key_child(h, root, "x", 1, &z), REGF_NOTFOUND);
    assert_int_equal(regf_key_child(h, k, "z\0", 2, &z), REGF_OK);
    char name[8];
    size_t need;
    assert_int_equal(regf_key_name(h, k, name, sizeof name, &need), REGF_OK);
    assert_int_equal(need, 3);
    assert_memory_equal(name, "x\0y", 3);

    /* And it survives export -> import -> export. */
    struct tu_buf a, b;
    export_to(h, PFX, 0, &a);
    regf_hive *h2 = new_hive();
    imp_ok(h2, a.p, a.len);
    export_to(h2, PFX, 0, &b);
    assert_same_text(&a, &b);
    static const char del[] = SIG "[-" PFX "\\x\0y]\n";
    imp_ok(h2, del, sizeof del - 1);
    assert_int_equal(regf_root(h2, &root), REGF_OK);
    assert_int_equal(regf_key_child(h2, root, "x\0y", 3, &k), REGF_NOTFOUND);
    tu_buf_free(&a);
    tu_buf_free(&b);
    regf_close(h2);
    regf_close(h);
}

/* ---- encodings and line ends ----------------------------------------------- */

static const char sample[] =
    SIG
    "[" PFX "\\K\xc3\xa9y]\n"
    "\"name\"=\"v\xe2\x82\xac\"\n"
    "\"bin\"=hex:01,02,\\\n"
    "  03\n"
    "; comment\n"
    "\n"
    "[" PFX "\\K\xc3\xa9y\\Sub]\n"
    "@=dword:0000002a\n";

static void check_sample(regf_hive *h)
{
    check_value(h, "K\xc3\xa9y", "name", REGF_SZ, "v\0\xac\x20\0", 6);
    check_value(h, "K\xc3\xa9y", "bin", REGF_BINARY, "\1\2\3", 3);
    check_value(h, "K\xc3\xa9y\\Sub", "", REGF_DWORD, "\x2a\0\0\0", 4);
}

/* SAMPLE with every "\n" replaced by NL. */
static char *with_newlines(const char *nl, size_t *len)
{
    size_t n = strlen(sample), k = strlen(nl), o = 0;
    char *p = malloc(n * k + 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        if (sample[i] == '\n') {
            memcpy(p + o, nl, k);
            o += k;
        } else {
            p[o++] = sample[i];
        }
    }
    *len = o;
    return p;
}

static void test_line_ends(void **state)
{
    (void)state;
    const char *nls[] = { "\n", "\r\n", "\r" };
    struct tu_buf first;
    memset(&first, 0, sizeof first);
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        char *t = with_newlines(nls[i], &n);
        regf_hive *h = new_hive();
        imp_ok(h, t, n);
        check_sample(h);
        struct tu_buf out;
        export_to(h, PFX, 0, &out);
        if (i == 0)
            first = out;
        else {
            assert_same_text(&first, &out);
            tu_buf_free(&out);
        }
        regf_close(h);
        free(t);
    }
    tu_buf_free(&first);
    /* No line break at the end of the file. */
    regf_hive *h = new_hive();
    static const char t[] = SIG "[" PFX "]\n\"a\"=hex:01,\\";
    imp_ok(h, t, sizeof t - 1);
    check_value(h, "", "a", REGF_BINARY, "\1", 1);
    static const char t2[] = SIG "[" PFX "]\r\n\"b\"=dword:5";
    imp_ok(h, t2, sizeof t2 - 1);
    check_value(h, "", "b", REGF_DWORD, "\5\0\0\0", 4);
    regf_close(h);
}

static void test_utf8_bom(void **state)
{
    (void)state;
    size_t n = strlen(sample);
    char *t = malloc(n + 3);
    assert_non_null(t);
    memcpy(t, "\xef\xbb\xbf", 3);
    memcpy(t + 3, sample, n);
    regf_hive *h = new_hive();
    imp_ok(h, t, n + 3);
    check_sample(h);
    regf_close(h);
    free(t);
}

static void test_utf16(void **state)
{
    (void)state;
    struct tu_buf u;
    to_utf16(sample, strlen(sample), &u);
    regf_hive *h = new_hive();
    imp_ok(h, u.p, u.len);
    check_sample(h);
    /* An odd last byte is ignored. */
    tu_buf_write(&u, "\0", 1);
    imp_ok(h, u.p, u.len);
    tu_buf_free(&u);

    /* A lone surrogate in a key name and in a value name: kept as is. */
    static const char lone[] = SIG "[" PFX "\\A\xed\xa0\x80]\n"
                               "\"\xed\xb0\x81\"=\"\xed\xa0\x80x\"\n";
    to_utf16(lone, sizeof lone - 1, &u);
    imp_ok(h, u.p, u.len);
    regf_key root, k;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_key_child(h, root, "A\xed\xa0\x80", 4, &k), REGF_OK);
    check_value(h, "A\xed\xa0\x80", "\xed\xb0\x81", REGF_SZ,
                 "\x00\xd8x\0\0\0", 6);
    tu_buf_free(&u);

    /* A syntax error is located in characters, not bytes. */
    static const char bad[] = SIG "[" PFX "]\n\"\xc3\xa9\xe2\x82\xac\"=x\n";
    to_utf16(bad, sizeof bad - 1, &u);
    assert_int_equal(imp_n(h, u.p, u.len), REGF_EINVAL);
    assert_non_null(strstr(regf_errmsg(h), "line 4, column 6: expected a "
                           "value"));
    tu_buf_free(&u);
    regf_close(h);
}

static void test_regedit4(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    /* Not UTF-8 (0xE9 alone): Latin-1 all through, and hex(1), hex(2),
     * hex(7) widened byte by byte; other types are left alone. */
    static const char ansi[] =
        "REGEDIT4\r\n\r\n"
        "[" PFX "\\Caf\xe9]\r\n"
        "\"n\xe9\"=\"\xe9t\xe9\"\r\n"
        "\"sz\"=hex(1):e9,00\r\n"
        "\"ex\"=hex(2):25,41,25,00\r\n"
        "\"multi\"=hex(7):41,00,42,00,00\r\n"
        "\"bin\"=hex:41,00\r\n"
        "\"none\"=hex(0):41\r\n"
        "\"dw\"=dword:00000010\r\n";
    imp_ok(h, ansi, sizeof ansi - 1);
    const char *key = "Caf\xc3\xa9";
    assert_true(has_key(h, key));
    check_value(h, key, "n\xc3\xa9", REGF_SZ, "\xe9\0t\0\xe9\0\0", 8);
    check_value(h, key, "sz", REGF_SZ, "\xe9\0\0", 4);
    check_value(h, key, "ex", REGF_EXPAND_SZ, "%\0A\0%\0\0", 8);
    check_value(h, key, "multi", REGF_MULTI_SZ, "A\0\0\0B\0\0\0\0", 10);
    check_value(h, key, "bin", REGF_BINARY, "A\0", 2);
    check_value(h, key, "none", REGF_NONE, "A", 1);
    check_value(h, key, "dw", REGF_DWORD, "\x10\0\0\0", 4);

    /* Valid UTF-8 in a REGEDIT4 file is read as UTF-8. */
    static const char utf8[] = "REGEDIT4\n[" PFX "\\U]\n\"s\"=\"\xc3\xa9\"\n";
    imp_ok(h, utf8, sizeof utf8 - 1);
    check_value(h, "U", "s", REGF_SZ, "\xe9\0\0", 4);

    /* The 5.00 header does not widen. */
    static const char v5[] = SIG "[" PFX "]\n\"m\"=hex(7):41,00,00,00\n";
    imp_ok(h, v5, sizeof v5 - 1);
    check_value(h, "", "m", REGF_MULTI_SZ, "A\0\0", 4);
    regf_close(h);
}

/* ---- edits ---------------------------------------------------------------- */

static void test_deletions(void **state)
{
    (void)state;
    regf_hive *h = new_hive();
    static const char build[] =
        SIG
        "[" PFX "\\A\\B\\C]\n\"c\"=dword:3\n"
        "[" PFX "\\A\\B\\C2]\n"
        "[" PFX "\\A\\Keep]\n\"k\"=\"x\"\n"
        "[" PFX "\\A]\n\"x\"=dword:1\n\"y\"=dword:2\n";
    imp_ok(h, build, sizeof build - 1);
    assert_true(has_key(h, "A\\B\\C2"));
    assert_true(has_value(h, "A\\B\\C", "c"));

    static const char del[] =
        SIG
        "[-" PFX "\\a\\b]\n"                 /* case-insensitive */
        "[-" PFX "\\A\\Nope\\Deeper]\n"      /* missing: fine */
        "[-" PFX "\\Nope]\n"
        "[" PFX "\\A]\n"
        "\"x\"=-\n"
        "\"missing\"=- ; fine too\n";
    imp_ok(h, del, sizeof del - 1);
    assert_false(has_key(h, "A\\B"));
    assert_false(has_key(h, "A\\B\\C"));
    assert_true(has_key(h, "A\\Keep"));
    assert_false(has_value(h, "A", "x"));
    assert_true(has_value(h, "A", "y"));
    check_value(h, "A\\Keep", "k", REGF_SZ, "x\0\0", 4);

    /* Delete, then create again in the same file. */
    static const char again[] =
        SIG "[-" PFX "\\A]\n[" PFX "\\A\\New]\n\"n\"=dword:9\n";
    imp_ok(h, again, sizeof again - 1);
    assert_false(has_key(h, "A\\Keep"));
    assert_false(has_value(h, "A", "y"));
    check_value(h, "A\\New", "n", REGF_DWORD, "\x09\0\0\0", 4);

    /* The key cache of the importer: [-KEY] after keys that share the
     * last component's text but not the path, and after a "x"=- that
     * found nothing. */
    static const char cache[] =
        SIG "[" PFX "\\P\\B]\n[" PFX "\\Q\\B]\n[" PFX "\\R]\n"
        "[" PFX "\\P\\B]\n[-" PFX "\\Q\\B]\n"
        "[" PFX "\\R]\n\"nope\"=-\n[-" PFX "\\R]\n";
    imp_ok(h, cache, sizeof cache - 1);
    assert_true(has_key(h, "P\\B"));
    assert_true(has_key(h, "Q"));
    assert_false(has_key(h, "Q\\B"));
    assert_false(has_key(h, "R"));

    /* Replacing a value keeps its place and stored name, changes type. */
    static const char repl[] =
        SIG "[" PFX "\\a\\new]\n\"m\"=dword:1\n\"N\"=\"str\"\n";
    imp_ok(h, repl, sizeof repl - 1);
    check_value(h, "A\\New", "n", REGF_SZ, "s\0t\0r\0\0", 8);
    regf_key k;
    regf_val v;
    char nm[8];
    assert_int_equal(regf_key_lookup(h, 0, "A\\New", &k), REGF_OK);
    assert_int_equal(regf_value_at(h, k, 0, &v), REGF_OK);
    assert_int_equal(regf_value_name(h, v, nm, sizeof nm, NULL), REGF_OK);
    assert_string_equal(nm, "n");
    regf_close(h);
}

/* ---- round trips on real hives -------------------------------------------- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exports PATH, imports the text into a new hive, exports that: the two
 * texts must be byte-identical. Then imports the text once more into the
 * same hive: still identical (idempotent). */
static void roundtrip_path(const char *path, unsigned flags, int again)
{
    regf_hive *src = tu_open(path);
    struct tu_buf a, b;
    const char *prefix = "HKEY_LOCAL_MACHINE\\H";
    export_to(src, prefix, flags, &a);
    regf_close(src);

    regf_hive *h = new_hive();
    double t0 = now_sec();
    int rc = regf_import_reg(h, a.p, a.len, prefix);
    double t1 = now_sec();
    if (rc != REGF_OK) {
        print_error("%s: import = %d: %s\n", path, rc, regf_errmsg(h));
        fail();
    }
    if (a.len > 4 * 1024 * 1024)
        print_message("%s: imported %.1f MB of text in %.3f s: %.1f MB/s\n",
                      path, (double)a.len / 1e6, t1 - t0,
                      (double)a.len / 1e6 / (t1 - t0));
    export_to(h, prefix, flags, &b);
    assert_same_text(&a, &b);
    if (again) {
        tu_buf_free(&b);
        rc = regf_import_reg(h, a.p, a.len, prefix);
        assert_int_equal(rc, REGF_OK);
        export_to(h, prefix, flags, &b);
        assert_same_text(&a, &b);
    }
    tu_buf_free(&a);
    tu_buf_free(&b);
    /* The hive the import built is written and must pass the structural
     * checker in strict writer mode (the library's own regf_check_image;
     * the content of rebuilt hives is also compared with the python3-hivex
     * golden files in test_corpus.c). */
    char *tmp = tu_tmp_file("import", "hive");
    rc = regf_commit(h, tmp, REGF_COMMIT_NEW);
    if (rc != REGF_OK) {
        print_error("%s: commit = %d: %s\n", path, rc, regf_errmsg(h));
        fail();
    }
    regf_close(h);
    size_t len;
    uint8_t *img = tu_read_file(tmp, &len);
    tu_rm_tmp_file(tmp);
    struct hc_report rep;
    int problems = hc_check(img, len, HC_STRICT_WRITER, &rep);
    if (problems) {
        print_error("%s: the imported hive has %d problems:\n", path, problems);
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    free(img);
    assert_int_equal(problems, 0);
}

static void roundtrip(const char *rel, unsigned flags, int again)
{
    char *p = tu_input(rel);
    roundtrip_path(p, flags, again);
    free(p);
}

static void test_roundtrip_small(void **state)
{
    (void)state;
    char *p = tu_fixture("hives/special");
    roundtrip_path(p, 0, 1);
    roundtrip_path(p, REGF_EXPORT_UTF16, 1);
    free(p);
    roundtrip("fixtures/hives/minimal", 0, 1);
    roundtrip("fixtures/hives/UNICODE_TESTS", 0, 1);
}

static void test_roundtrip_yarp(void **state)
{
    (void)state;
    static const char *const hives[] = {
        "fixtures/hives/yarp/StringValuesHive.xz",
        "fixtures/hives/yarp/MultiSzHive.xz",
        "fixtures/hives/yarp/BigDataHive.xz",
        "fixtures/hives/yarp/UnicodeHive.xz",
        "fixtures/hives/yarp/ManySubkeysHive.xz",
        "fixtures/hives/yarp/ValuesOrderHive.xz",
        "fixtures/hives/yarp/ExtendedASCIIHive.xz",
        "fixtures/hives/yarp/UpcaseHive.xz",
        "fixtures/hives/yarp/CompHive.xz",
    };
    for (size_t i = 0; i < sizeof hives / sizeof *hives; i++) {
        roundtrip(hives[i], 0, 1);
        roundtrip(hives[i], REGF_EXPORT_UTF16, 0);
    }
}

static void test_roundtrip_ntuser(void **state)
{
    (void)state;
    roundtrip("regipy/regipy_tests/data/NTUSER.DAT", 0, 1);
    roundtrip("DFIRArtifactMuseum/Windows/Registry/Win11/NTUSER.DAT",
              REGF_EXPORT_UTF16, 0);
    roundtrip("EricZimmerman-Registry/Registry.Test/Hives/NTUSER1.DAT", 0, 0);
}

static void test_roundtrip_system(void **state)
{
    (void)state;
    roundtrip("fixtures/hives/SYSTEM-win10-20H2.xz", 0, 1);
    roundtrip("fixtures/hives/SYSTEM-win10-20H2.xz", REGF_EXPORT_UTF16, 0);
}

static void test_roundtrip_system_corpus(void **state)
{
    (void)state;
    roundtrip("regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", 0, 0);
}

/* The copies in fixtures/ (core group) or the other hives (corpus). */
static void roundtrip_all(int corpus)
{
    static const char *const hives[] = {
        "DFIRArtifactMuseum/Windows/Registry/Win10/BBI",
        "DFIRArtifactMuseum/Windows/Registry/Win10/DEFAULT",
        "DFIRArtifactMuseum/Windows/Registry/Win10/LocalService/NTUSER.DAT",
        "DFIRArtifactMuseum/Windows/Registry/Win10/SAM",
        "DFIRArtifactMuseum/Windows/Registry/Win10/SECURITY",
        "DFIRArtifactMuseum/Windows/Registry/Win11/BBI",
        "DFIRArtifactMuseum/Windows/Registry/Win11/BCD-Template",
        "DFIRArtifactMuseum/Windows/Registry/Win11/DEFAULT",
        "DFIRArtifactMuseum/Windows/Registry/Win11/ELAM",
        "DFIRArtifactMuseum/Windows/Registry/Win11/SAM",
        "DFIRArtifactMuseum/Windows/Registry/Win11/SECURITY",
        "DFIRArtifactMuseum/Windows/Registry/Win11/UsrClass.dat",
        "EricZimmerman-Registry/Registry.Test/Hives/Acronis_0x52_Usrclass.dat",
        "EricZimmerman-Registry/Registry.Test/Hives/BCD",
        "EricZimmerman-Registry/Registry.Test/Hives/SAM",
        "EricZimmerman-Registry/Registry.Test/Hives/SAM_DUPENAME",
        "EricZimmerman-Registry/Registry.Test/Hives/SAM_RootValue",
        "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord",
        "EricZimmerman-Registry/Registry.Test/Hives/SAN(OTHER)",
        "EricZimmerman-Registry/Registry.Test/Hives/SECURITY",
        "EricZimmerman-Registry/Registry.Test/Hives/SECURITYNoRoot",
        "EricZimmerman-Registry/Registry.Test/Hives/UsrClassDeletedBags.dat",
        "dfwinreg/test_data/NTUSER.DAT",
        "dfwinreg/test_data/UsrClass.dat",
        "hivex/images/rlenvalue_test_hive",
        "python-registry/tests/reg_samples/REORGANIZED_VALUES_TESTS",
        "fixtures/hives/issue22.hive",
        "regipy/regipy_tests/data/BCD",
        "regipy/regipy_tests/data/transactions_NTUSER.DAT",
        "yarp/hives_for_tests/BadLogHive1/BadLogHive",
        "yarp/hives_for_tests/DeletedTreeHive",
        "yarp/hives_for_tests/HealedHive",
        "yarp/hives_for_tests/NewFlagsHive",
        "fixtures/hives/yarp/PairHive.xz",
        "yarp/hives_for_tests/RemnantsHive",
        "yarp/hives_for_tests/SlackHive",
        "yarp/hives_for_tests/System_Delta",
        "fixtures/hives/yarp/TwoOwnersHive.xz",
        "regipy/regipy_tests/data/UsrClass.dat.xz",
        "regipy/regipy_tests/data/NTUSER_BAGMRU.DAT.xz",
    };
    unsigned n = 0;
    for (size_t i = 0; i < sizeof hives / sizeof *hives; i++)
        if (tu_is_fixture(hives[i]) != corpus) {
            roundtrip(hives[i], 0, 0);
            n++;
        }
    assert_true(n >= (corpus ? 30u : 3u));
}

TU_GROUP_PAIR(roundtrip_all)

/* Hives that break the format's rules cannot come back byte for byte:
 * twin subkeys (same name) merge and an unsorted subkey list comes back
 * sorted. The import still works, and from there on the text is stable. */
static void malformed_sources(int corpus)
{
    static const char *const hives[] = {
        "yarp/hives_for_tests/DuplicateSubkeysHive",
        "fixtures/hives/yarp/WrongOrderHive.xz",
    };
    const char *prefix = "HKEY_LOCAL_MACHINE\\H";
    for (size_t i = 0; i < 2; i++) {
        if (tu_is_fixture(hives[i]) == corpus)
            continue;
        char *p = tu_input(hives[i]);
        regf_hive *src = tu_open(p);
        free(p);
        struct tu_buf a, b, c;
        export_to(src, prefix, 0, &a);
        regf_close(src);
        regf_hive *h1 = new_hive(), *h2 = new_hive();
        assert_int_equal(regf_import_reg(h1, a.p, a.len, prefix), REGF_OK);
        export_to(h1, prefix, 0, &b);
        assert_int_equal(regf_import_reg(h2, b.p, b.len, prefix), REGF_OK);
        export_to(h2, prefix, 0, &c);
        assert_same_text(&b, &c);
        tu_buf_free(&a);
        tu_buf_free(&b);
        tu_buf_free(&c);
        regf_close(h1);
        regf_close(h2);
    }
}

TU_GROUP_PAIR(malformed_sources)

/* Importing into an existing hive opened for writing. */
static void test_existing_hive(void **state)
{
    (void)state;
    char *p = tu_fixture("hives/special");
    size_t len;
    uint8_t *img = tu_read_file(p, &len);
    free(p);
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(img, len, "special", REGF_OPEN_WRITE, &h),
                     REGF_OK);
    free(img);
    regf_key root, k;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_subkey_first(h, root, &(regf_iter){0}, &k), REGF_OK);
    char name[64];
    size_t need;
    assert_int_equal(regf_key_name(h, k, name, sizeof name, &need), REGF_OK);
    char text[256];
    snprintf(text, sizeof text, SIG "[-" PFX "\\%s]\n[" PFX "\\New]\n"
             "\"v\"=\"x\"\n", name);
    imp_ok(h, text, strlen(text));
    assert_false(has_key(h, name));
    check_value(h, "New", "v", REGF_SZ, "x\0\0", 4);
    assert_true(regf_modified(h));
    regf_close(h);
}

/* Data too large for the hive is refused before anything changes. */
static void test_too_large_for_13(void **state)
{
    (void)state;
    regf_hive *h = NULL;
    assert_int_equal(regf_create("old", 3, &h), REGF_OK);
    size_t nbytes = 1024 * 1024 + 1;
    size_t cap = 3 * nbytes + 256, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t, cap, SIG "[" PFX "\\A]\n\"big\"=hex:");
    for (size_t i = 0; i < nbytes; i++) {
        memcpy(t + n, "00,", 3);
        n += 3;
    }
    t[n - 1] = '\n';
    assert_int_equal(imp_n(h, t, n), REGF_ELIMIT);
    assert_non_null(strstr(regf_errmsg(h), "line 4: value data of 1048577 "
                           "bytes is too large"));
    assert_false(has_key(h, "A"));
    /* One byte less is fine. */
    memcpy(t + n - 4, "\n\n\n\n", 4);
    imp_ok(h, t, n);
    assert_true(has_key(h, "A"));
    free(t);
    regf_close(h);
}

/* Every input the fuzzer ever crashed (the .reg files of fixtures/fuzz-crashes) is
 * imported again: a clean status, never a crash (the sanitizer build of
 * the suite catches undefined behaviour such as the null-arena offset of
 * import-quoted-null-arena.reg). */
static void test_fuzz_regressions(void **state)
{
    (void)state;
    char *dir = tu_fixture("fuzz-crashes");
    size_t n;
    char **files = tu_list_files(dir, ".reg", &n);
    for (size_t f = 0; f < n; f++) {
        size_t len;
        uint8_t *text = tu_read_file(files[f], &len);
        regf_hive *h = new_hive();
        int rc = regf_import_reg(h, text, len, "HKEY_LOCAL_MACHINE\\SYSTEM");
        assert_true(rc == REGF_OK || rc == REGF_EINVAL || rc == REGF_ELIMIT);
        regf_close(h);
        free(text);
    }
    tu_free_list(files, n);
    free(dir);
    assert_true(n >= 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_fuzz_regressions),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_name_limits),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_nul_in_key_name),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_utf8_bom),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_regedit4),
        cmocka_unit_test(test_deletions),
        cmocka_unit_test(test_roundtrip_small),
        cmocka_unit_test(test_roundtrip_yarp),
        cmocka_unit_test(test_roundtrip_system),
        cmocka_unit_test(test_roundtrip_all),
        cmocka_unit_test(test_malformed_sources),
        cmocka_unit_test(test_existing_hive),
        cmocka_unit_test(test_too_large_for_13),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_roundtrip_ntuser),
        cmocka_unit_test(test_roundtrip_system_corpus),
        cmocka_unit_test(test_roundtrip_all_corpus),
        cmocka_unit_test(test_malformed_sources_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
