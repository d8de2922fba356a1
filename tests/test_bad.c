/* test_bad.c - damaged input must give a clean error, never a crash.
 *
 *  (a) records broken one field at a time in synthetic hives (mkhive):
 *      every reader entry point (walk, export, lookup, value access)
 *      returns REGF_ECORRUPT and the message names the damaged cell;
 *  (b) the broken hives of the corpus give their expected status and
 *      message;
 *  (c) good corpus hives truncated at many offsets (as is, and with a
 *      broken checksum so that the bins really present are used);
 *  (d) seeded random corruption of corpus hives (xorshift PRNG; the seed
 *      is printed on failure, HIVEKIT_FUZZ_SEED=N and HIVEKIT_FUZZ_ITERS=N
 *      override it and the iteration count).
 *
 * (c) and (d) only require that every call returns a valid status (a
 * negative one with a message) within a time bound. (c) and (d) run on
 * the hives of fixtures/ in the core group, on the corpus hives in the
 * corpus group (see TU_MAIN in testutil.h); (b) is corpus only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "mkhive.h"
#include "regf_int.h"
#include "testutil.h"

#define NOCELL 0xFFFFFFFEu   /* "the message names no particular cell" */

/* ---- helpers ----------------------------------------------------------- */

static int count_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                     size_t path_len, unsigned depth)
{
    (void)h; (void)key; (void)path; (void)path_len; (void)depth;
    (*(unsigned long *)ctx)++;
    return 0;
}

/* Opens the (finished) image of MK, asserting success. */
static regf_hive *open_mk(struct mkhive *mk)
{
    size_t len;
    mk_finish(mk, &len);
    regf_hive *h = NULL;
    int rc = regf_open_mem(mk_bb(mk), len, "bad.hive", 0, &h);
    if (rc != REGF_OK) {
        print_error("open: %d %s\n", rc, regf_errmsg(h));
        regf_close(h);
        fail();
    }
    return h;
}

/* Asserts RC == STATUS and, for an error, that the message names CELL
 * ("cell 0x..:") and contains SUB. */
static void want(regf_hive *h, const char *op, int rc, int status,
                 uint32_t cell, const char *sub)
{
    const char *msg = regf_errmsg(h);
    char at[32];
    snprintf(at, sizeof at, "cell 0x%x:", cell);
    int bad = rc != status;
    if (status < 0) {
        if (cell != NOCELL && !strstr(msg, at))
            bad = 1;
        if (sub && !strstr(msg, sub))
            bad = 1;
        if (strncmp(msg, "bad.hive: ", 10) != 0)
            bad = 1;
    }
    if (bad) {
        print_error("%s: status %d (want %d), message '%s' (want '%s' and "
                    "'%s')\n", op, rc, status, msg,
                    cell != NOCELL ? at : "", sub ? sub : "");
        fail();
    }
}

static void want_walk(regf_hive *h, int status, uint32_t cell,
                      const char *sub)
{
    unsigned long n = 0;
    want(h, "walk", regf_walk(h, 0, count_key, &n), status, cell, sub);
}

/* Both export encodings fail with STATUS naming CELL. */
static void want_export(regf_hive *h, regf_key key, int status,
                        uint32_t cell, const char *sub)
{
    for (unsigned f = 0; f < 2; f++) {
        struct tu_buf out = { NULL, 0, 0 };
        int rc = regf_export_reg(h, key, "HKLM\\X",
                                 f ? REGF_EXPORT_UTF16 : 0, tu_buf_write,
                                 &out);
        tu_buf_free(&out);
        want(h, f ? "export utf16" : "export", rc, status, cell, sub);
    }
}

static void want_lookup(regf_hive *h, const char *path, int status,
                        uint32_t cell, const char *sub)
{
    regf_key k = 0;
    char op[128];
    snprintf(op, sizeof op, "lookup '%s'", path);
    want(h, op, regf_key_lookup(h, 0, path, &k), status, cell, sub);
}

/* The common checks of a case where a key structure is damaged: walk,
 * export and the lookup of PATH fail naming CELL. */
static void want_tree_broken(regf_hive *h, uint32_t cell, const char *sub,
                             const char *path)
{
    want_walk(h, REGF_ECORRUPT, cell, sub);
    want_export(h, 0, REGF_ECORRUPT, cell, sub);
    if (path)
        want_lookup(h, path, REGF_ECORRUPT, cell, sub);
}

/* The value VAL (of key KEY at PATH) is damaged: walking still works,
 * export and reading the value fail naming CELL. */
static void want_value_broken(regf_hive *h, const char *path, regf_val val,
                              uint32_t cell, const char *sub)
{
    want_walk(h, REGF_OK, 0, NULL);
    want_export(h, 0, REGF_ECORRUPT, cell, sub);
    regf_key k;
    want_lookup(h, path, REGF_OK, 0, NULL);
    assert_int_equal(regf_key_lookup(h, 0, path, &k), REGF_OK);
    uint8_t buf[64];
    size_t need;
    uint32_t type;
    want(h, "value data", regf_value_data(h, val, &type, buf, sizeof buf,
                                          &need), REGF_ECORRUPT, cell, sub);
    /* The export of that key alone fails the same way. */
    want_export(h, k, REGF_ECORRUPT, cell, sub);
}

/* ---- (a) synthetic records --------------------------------------------- */

static void test_mkhive_tiny_reads(void **state)
{
    (void)state;
    for (uint32_t minor = 3; minor <= 5; minor += 2) {
        struct mk_tiny t;
        struct mkhive *mk = mk_tiny(minor, &t);
        regf_hive *h = open_mk(mk);
        unsigned long n = 0;
        want(h, "walk", regf_walk(h, 0, count_key, &n), REGF_OK, 0, NULL);
        assert_int_equal(n, 8);
        regf_key k;
        assert_int_equal(regf_key_lookup(h, 0, "b\\b3", &k), REGF_OK);
        assert_int_equal(k, t.b3);
        assert_int_equal(regf_key_lookup(h, 0, "C\\C1", &k), REGF_OK);
        assert_int_equal(k, t.c1);
        assert_int_equal(regf_key_lookup(h, 0, "B\\B1", &k), REGF_OK);
        assert_int_equal(k, t.b1);
        struct regf_value_info vi;
        assert_int_equal(regf_value_info(h, t.a_big, &vi), REGF_OK);
        assert_int_equal(vi.size, 20000);
        assert_int_equal(vi.big_data, minor >= 4);
        uint8_t *big = malloc(20000);
        size_t need;
        assert_int_equal(regf_value_data(h, t.a_big, NULL, big, 20000,
                                         &need), REGF_OK);
        assert_int_equal(need, 20000);
        for (uint32_t i = 0; i < 20000; i++)
            assert_int_equal(big[i], (uint8_t)(i * 7 + 1));
        free(big);
        struct tu_buf out = { NULL, 0, 0 };
        assert_int_equal(regf_export_reg(h, 0, "HKLM\\T", 0, tu_buf_write,
                                         &out), REGF_OK);
        assert_non_null(strstr(out.p, "[HKLM\\T\\A]\n\"dw\"=dword:11223344\n"
                               "\"sz\"=\"hello\"\n\"big\"=hex:01,08,0f,"));
        assert_non_null(strstr(out.p, "[HKLM\\T\\C]\n@=\"xyz\"\n"));
        assert_non_null(strstr(out.p, "[HKLM\\T\\B\\B3]"));
        tu_buf_free(&out);
        regf_close(h);
        mk_free(mk);
    }
}

static void test_inline_too_long(void **state)
{
    (void)state;
    static const uint32_t lens[] = { 0x80000005u, 0x80000008u, 0xFFFFFFFFu };
    for (unsigned i = 0; i < 3; i++) {
        struct mk_tiny t;
        struct mkhive *mk = mk_tiny(5, &t);
        mk_w32(mk, t.a_dw + 4 + VK_DATALEN, lens[i]);
        regf_hive *h = open_mk(mk);
        char sub[64];
        snprintf(sub, sizeof sub, "inline value data of %u bytes",
                 lens[i] & 0x7FFFFFFFu);
        want_value_broken(h, "A", t.a_dw, t.a_dw, sub);
        regf_close(h);
        mk_free(mk);
    }
}

static void test_value_data_cell(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    /* 12-byte data cell (usable 12) claimed to hold 100 bytes. */
    mk_w32(mk, t.a_sz + 4 + VK_DATALEN, 100);
    regf_hive *h = open_mk(mk);
    want_value_broken(h, "A", t.a_sz, t.a_sz_data,
                      "100 bytes do not fit the 12-byte cell");
    regf_close(h);
    /* 13 bytes: one more than the cell's usable size. */
    mk_w32(mk, t.a_sz + 4 + VK_DATALEN, 13);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_sz, t.a_sz_data, "13 bytes do not fit");
    regf_close(h);
    /* Data offset to the middle of a cell, to a free cell, NIL, past the
     * end. */
    mk_w32(mk, t.a_sz + 4 + VK_DATALEN, 12);
    static const char *const why[] = { "allocated cell", "allocated cell",
                                       "NIL", "allocated cell" };
    uint32_t where[4] = { t.a_sz_data + 8, 0, MK_NIL, 0xA000 };
    /* The free cell that ends bin 0. */
    uint32_t off = 0x20;
    while (off < 0x1000) {
        uint32_t r = mk_r32(mk, off);
        if (!(r & 0x80000000u)) {
            where[1] = off;
            break;
        }
        off += 0u - r;
    }
    assert_int_not_equal(where[1], 0);
    for (unsigned i = 0; i < 4; i++) {
        mk_w32(mk, t.a_sz + 4 + VK_DATA, where[i]);
        h = open_mk(mk);
        want_value_broken(h, "A", t.a_sz, where[i], why[i]);
        regf_close(h);
    }
    mk_free(mk);

    /* 1.3: a big value is one cell; too short a cell is reported. */
    mk = mk_tiny(3, &t);
    mk_w32(mk, t.a_big + 4 + VK_DATALEN, 20009);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, t.a_big_data,
                      "20009 bytes do not fit the 20004-byte cell");
    regf_close(h);
    mk_free(mk);
}

static void test_big_data(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    uint32_t db = t.a_big_data, list = t.a_big_list;
    uint32_t seg0 = mk_r32(mk, list + 4), seg1 = mk_r32(mk, list + 8);
    regf_hive *h;

    /* Too few segments for 20000 bytes. */
    mk_w16(mk, db + 4 + DB_COUNT, 1);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, db,
                      "20000 bytes need 2 segments, the db record has 1");
    regf_close(h);
    mk_w16(mk, db + 4 + DB_COUNT, 0);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, db, "the db record has 0");
    regf_close(h);

    /* Count larger than the segment list cell (12 usable bytes: 3). */
    mk_w16(mk, db + 4 + DB_COUNT, 4);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, list,
                      "4 entries do not fit a 12-byte cell");
    regf_close(h);
    mk_w16(mk, db + 4 + DB_COUNT, 0xFFFF);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, list, "65535 entries");
    regf_close(h);
    mk_w16(mk, db + 4 + DB_COUNT, 2);

    /* A segment cell too small: the last segment (3656 bytes needed)
     * replaced by the 12-byte "hello" cell. */
    mk_w32(mk, list + 4 + 4, t.a_sz_data);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, t.a_sz_data,
                      "segment 1 of value");
    want_value_broken(h, "A", t.a_big, t.a_sz_data,
                      "holds 12 bytes, 3656 needed");
    regf_close(h);
    /* ... the first one (16344 needed). */
    mk_w32(mk, list + 4 + 4, seg1);
    mk_w32(mk, list + 4, t.a_sz_data);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, t.a_sz_data,
                      "holds 12 bytes, 16344 needed");
    regf_close(h);
    /* Segments that are NIL, unallocated, inside another cell. */
    uint32_t bad[3] = { MK_NIL, seg1 + 16, 0x7FFFFFF8u };
    for (unsigned i = 0; i < 3; i++) {
        mk_w32(mk, list + 4, seg0);
        mk_w32(mk, list + 8, bad[i]);
        h = open_mk(mk);
        want_value_broken(h, "A", t.a_big, bad[i], "big data segment");
        regf_close(h);
    }
    mk_w32(mk, list + 8, seg1);
    /* The segment list itself missing / NIL. */
    mk_w32(mk, db + 4 + DB_LIST, MK_NIL);
    h = open_mk(mk);
    want_value_broken(h, "A", t.a_big, MK_NIL, "segment list");
    regf_close(h);
    mk_w32(mk, db + 4 + DB_LIST, list);

    /* Sanity: repaired, it reads again. */
    h = open_mk(mk);
    want_walk(h, REGF_OK, 0, NULL);
    want_export(h, 0, REGF_OK, 0, NULL);
    regf_close(h);
    mk_free(mk);
}

static void test_subkey_list_count(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    regf_hive *h;
    /* lh of 3 entries in a 28-byte cell: 4 do not fit. */
    mk_w16(mk, t.root_list + 4 + LIST_COUNT, 4);
    h = open_mk(mk);
    want_tree_broken(h, t.root_list, "4 entries do not fit a 28-byte cell",
                     "A");
    regf_close(h);
    mk_w16(mk, t.root_list + 4 + LIST_COUNT, 0xFFFF);
    h = open_mk(mk);
    want_tree_broken(h, t.root_list, "65535 entries", "C\\C1");
    regf_close(h);
    mk_w16(mk, t.root_list + 4 + LIST_COUNT, 3);
    /* The ri (2 leaves in a 12-byte cell) and one of its leaves. */
    mk_w16(mk, t.b_ri + 4 + LIST_COUNT, 3);
    h = open_mk(mk);
    want_tree_broken(h, t.b_ri, "3 entries do not fit a 12-byte cell",
                     "B\\B3");
    regf_close(h);
    mk_w16(mk, t.b_ri + 4 + LIST_COUNT, 2);
    mk_w16(mk, t.b_li + 4 + LIST_COUNT, 3);
    h = open_mk(mk);
    want_tree_broken(h, t.b_li, "3 entries do not fit", "B\\B1");
    regf_close(h);
    mk_w16(mk, t.b_li + 4 + LIST_COUNT, 2);
    mk_w16(mk, t.c_lf + 4 + LIST_COUNT, 2);
    h = open_mk(mk);
    want_tree_broken(h, t.c_lf, "2 entries do not fit", "C\\C1");
    regf_close(h);
    mk_w16(mk, t.c_lf + 4 + LIST_COUNT, 1);
    /* Unknown list signature; the nk's list NIL with a count. */
    memcpy(mk_rec(mk, t.c_lf), "lx", 2);
    h = open_mk(mk);
    want_tree_broken(h, t.c_lf, "unknown list signature 6c 78", "C\\C1");
    regf_close(h);
    memcpy(mk_rec(mk, t.c_lf), "lf", 2);
    mk_w32(mk, t.c + 4 + NK_SUBKEYS, MK_NIL);
    h = open_mk(mk);
    want_tree_broken(h, MK_NIL, "subkey list of key", "C\\C1");
    regf_close(h);
    mk_w32(mk, t.c + 4 + NK_SUBKEYS, t.c_lf);
    h = open_mk(mk);
    want_walk(h, REGF_OK, 0, NULL);
    regf_close(h);
    mk_free(mk);
}

static void test_ri_to_ri(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    regf_hive *h;
    /* The ri lists itself as its first leaf. */
    mk_w32(mk, t.b_ri + 4 + LIST_ITEMS, t.b_ri);
    h = open_mk(mk);
    want_tree_broken(h, t.b_ri, "index root (ri) points to another index "
                     "root", "B\\B1");
    /* The binary search for B3 never opens the first leaf. */
    want_lookup(h, "B\\B3", REGF_OK, 0, NULL);
    regf_close(h);
    /* ... or a second ri. */
    uint32_t ri2 = mk_list(mk, "ri", &t.b_li, 1);
    mk_w32(mk, t.b_ri + 4 + LIST_ITEMS + 4, ri2);
    mk_w32(mk, t.b_ri + 4 + LIST_ITEMS, t.b_li);
    h = open_mk(mk);
    want_tree_broken(h, ri2, "index root (ri) points to another index root",
                     "B\\B3");
    regf_close(h);
    mk_free(mk);
}

/* Each entry of the root's lh list in turn replaced by a bad offset. */
static void test_list_entry_targets(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    size_t len;
    mk_finish(mk, &len);
    uint32_t free_cell = 0;
    for (uint32_t off = 0x20; off < 0x1000;) {
        uint32_t r = mk_r32(mk, off);
        if (!(r & 0x80000000u)) {
            free_cell = off;
            break;
        }
        off += 0u - r;
    }
    assert_int_not_equal(free_cell, 0);
    struct {
        uint32_t off;
        const char *why;
    } bad[] = {
        { t.a + 8, "does not point to an allocated cell" },
        { t.a + 4, "does not point to an allocated cell" },
        { t.a + 1, "does not point to an allocated cell" },
        { free_cell, "does not point to an allocated cell" },
        { 0xA000, "does not point to an allocated cell" },
        { 0x7FFFFFF8u, "does not point to an allocated cell" },
        { 0xFFFFFFF8u, "does not point to an allocated cell" },
        { 0, "does not point to an allocated cell" },
        { MK_NIL, "NIL offset" },
        { t.sk, "too small for a 'nk' record" },
        { t.a_big_list + 0, "too small for a 'nk' record" },
    };
    static const char *const names[3] = { "A", "B\\B2", "C\\C1" };
    uint32_t keys[3] = { t.a, t.b, t.c };
    for (unsigned e = 0; e < 3; e++) {
        for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++) {
            mk_w32(mk, t.root_list + 4 + LIST_ITEMS + 8 * e, bad[i].off);
            regf_hive *h = open_mk(mk);
            want_walk(h, REGF_ECORRUPT, bad[i].off, bad[i].why);
            want_export(h, 0, REGF_ECORRUPT, bad[i].off, bad[i].why);
            /* The binary search meets the bad entry for these names. */
            want_lookup(h, names[e], REGF_ECORRUPT, bad[i].off, bad[i].why);
            regf_close(h);
        }
        mk_w32(mk, t.root_list + 4 + LIST_ITEMS + 8 * e, keys[e]);
    }
    /* The same in the li leaf under the ri and in the lf. */
    mk_w32(mk, t.b_li + 4 + LIST_ITEMS + 4, t.b1 + 8);
    regf_hive *h = open_mk(mk);
    want_tree_broken(h, t.b1 + 8, "allocated cell", "B\\B2");
    regf_close(h);
    mk_w32(mk, t.b_li + 4 + LIST_ITEMS + 4, t.b2);
    mk_w32(mk, t.c_lf + 4 + LIST_ITEMS, MK_NIL);
    h = open_mk(mk);
    want_tree_broken(h, MK_NIL, "NIL", "C\\C1");
    regf_close(h);
    mk_free(mk);
}

static void test_cycles_and_shared(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    regf_hive *h;
    char sub[64];
    /* C1 lists its grandparent ROOT and its parent C. */
    uint32_t l = mk_list(mk, "lf", &t.root, 1);
    mk_subkeys(mk, t.c1, l, 1);
    h = open_mk(mk);
    want_tree_broken(h, t.root, "reached twice", NULL);
    snprintf(sub, sizeof sub, "subkey list of key 0x%x", t.c1);
    want_walk(h, REGF_ECORRUPT, t.root, sub);
    /* A lookup follows one finite path and is fine. */
    want_lookup(h, "C\\C1\\ROOT\\C\\C1\\ROOT\\A", REGF_OK, 0, NULL);
    regf_close(h);
    l = mk_list(mk, "lh", &t.c, 1);
    mk_subkeys(mk, t.c1, l, 1);
    h = open_mk(mk);
    want_tree_broken(h, t.c, "reached twice", NULL);
    regf_close(h);
    /* C lists itself. */
    mk_subkeys(mk, t.c1, MK_NIL, 0);
    l = mk_list(mk, "li", &t.c, 1);
    mk_subkeys(mk, t.c, l, 1);
    h = open_mk(mk);
    want_tree_broken(h, t.c, "reached twice", NULL);
    want_lookup(h, "C\\C\\C\\C\\C\\C", REGF_OK, 0, NULL);
    want_lookup(h, "C\\C1", REGF_NOTFOUND, NOCELL, "no subkey 'C1'");
    regf_close(h);
    mk_subkeys(mk, t.c, t.c_lf, 1);

    /* B1 shared by B's li and C's lf. */
    mk_w32(mk, t.c_lf + 4 + LIST_ITEMS, t.b1);
    h = open_mk(mk);
    want_tree_broken(h, t.b1, "reached twice", NULL);
    snprintf(sub, sizeof sub, "subkey list of key 0x%x", t.c);
    want_walk(h, REGF_ECORRUPT, t.b1, sub);
    regf_close(h);
    mk_w32(mk, t.c_lf + 4 + LIST_ITEMS, t.c1);
    /* A key listed twice in one list. */
    uint32_t twice[2] = { t.c1, t.c1 };
    l = mk_list(mk, "lh", twice, 2);
    mk_subkeys(mk, t.c, l, 2);
    h = open_mk(mk);
    want_tree_broken(h, t.c1, "reached twice", NULL);
    regf_close(h);
    /* The same leaf twice under B's ri. */
    uint32_t leaves[2] = { t.b_li, t.b_li };
    l = mk_list(mk, "ri", leaves, 2);
    mk_subkeys(mk, t.b, l, 4);
    mk_subkeys(mk, t.c, t.c_lf, 1);
    h = open_mk(mk);
    want_tree_broken(h, t.b1, "reached twice", NULL);
    regf_close(h);
    mk_free(mk);

    /* A Parent cycle: regf_key_path (and so an export of the key) gives
     * up after 512 links. */
    mk = mk_tiny(5, &t);
    mk_w32(mk, t.b1 + 4 + NK_PARENT, t.b1);
    h = open_mk(mk);
    want_walk(h, REGF_OK, 0, NULL);
    char buf[64];
    want(h, "key path", regf_key_path(h, t.b1, buf, sizeof buf, NULL),
         REGF_ECORRUPT, t.b1, "512 parent links");
    want_export(h, t.b1, REGF_ECORRUPT, t.b1, "parent links");
    /* A Parent pointing to a non-key. */
    mk_w32(mk, t.b1 + 4 + NK_PARENT, t.sk);
    regf_close(h);
    h = open_mk(mk);
    want(h, "key path", regf_key_path(h, t.b1, buf, sizeof buf, NULL),
         REGF_ECORRUPT, t.sk, "'nk'");
    want_export(h, t.b1, REGF_ECORRUPT, t.sk, "'nk'");
    regf_close(h);
    mk_free(mk);
}

/* A chain ROOT -> K1 -> ... -> K<levels>. */
static struct mkhive *chain(unsigned levels, uint32_t *last)
{
    struct mkhive *mk = mk_new(5);
    uint32_t parent = mk_root(mk, "ROOT");
    for (unsigned i = 1; i <= levels; i++) {
        char name[16];
        snprintf(name, sizeof name, "K%u", i);
        uint32_t k = mk_nk(mk, name, parent);
        uint32_t l = mk_list(mk, i % 2 ? "lh" : "li", &k, 1);
        mk_subkeys(mk, parent, l, 1);
        parent = k;
    }
    *last = parent;
    return mk;
}

static void test_depth(void **state)
{
    (void)state;
    uint32_t last;
    /* 512 levels below the root: the limit itself is fine. */
    struct mkhive *mk = chain(512, &last);
    regf_hive *h = open_mk(mk);
    unsigned long n = 0;
    want(h, "walk 512", regf_walk(h, 0, count_key, &n), REGF_OK, 0, NULL);
    assert_int_equal(n, 513);
    want_export(h, 0, REGF_OK, 0, NULL);
    size_t need;
    want(h, "path 512", regf_key_path(h, last, NULL, 0, &need), REGF_OK, 0,
         NULL);
    regf_close(h);
    mk_free(mk);

    mk = chain(513, &last);
    h = open_mk(mk);
    want_walk(h, REGF_ECORRUPT, last, "deeper than 512 levels");
    want_export(h, 0, REGF_ECORRUPT, last, "deeper than 512");
    /* Walking from K1 the chain is only 512 deep. */
    regf_key k1;
    assert_int_equal(regf_key_lookup(h, 0, "K1", &k1), REGF_OK);
    n = 0;
    want(h, "walk K1", regf_walk(h, k1, count_key, &n), REGF_OK, 0, NULL);
    assert_int_equal(n, 513);
    /* The full path of K513 needs 513 parent links. */
    want(h, "path 513", regf_key_path(h, last, NULL, 0, &need),
         REGF_ECORRUPT, last, "parent links");
    want_export(h, last, REGF_ECORRUPT, last, "parent links");
    /* A lookup follows the path and finds it. */
    char *path = malloc(513 * 6);
    size_t pl = 0;
    for (unsigned i = 1; i <= 513; i++)
        pl += (size_t)sprintf(path + pl, "%sK%u", i > 1 ? "\\" : "", i);
    regf_key k;
    want(h, "deep lookup", regf_key_lookup(h, 0, path, &k), REGF_OK, 0,
         NULL);
    assert_int_equal(k, last);
    free(path);
    regf_close(h);
    mk_free(mk);

    /* 600 levels: still a clean error. */
    mk = chain(600, &last);
    h = open_mk(mk);
    want_walk(h, REGF_ECORRUPT, NOCELL, "deeper than 512 levels");
    regf_close(h);
    mk_free(mk);
}

static void test_value_list(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    regf_hive *h;
    regf_val v;
    char sub[80];
    mk_w32(mk, t.a + 4 + NK_NVALUES, 0xFFFFFFFFu);
    h = open_mk(mk);
    snprintf(sub, sizeof sub, "value list of key 0x%x: 4294967295 entries "
             "do not fit a 12-byte cell", t.a);
    want_walk(h, REGF_OK, 0, NULL);
    want_export(h, 0, REGF_ECORRUPT, t.a_values, sub);
    want(h, "value_at 0", regf_value_at(h, t.a, 0, &v), REGF_ECORRUPT,
         t.a_values, sub);
    want(h, "value_at max", regf_value_at(h, t.a, 0xFFFFFFFEu, &v),
         REGF_ECORRUPT, t.a_values, sub);
    want(h, "value_lookup", regf_value_lookup(h, t.a, "zzz", &v),
         REGF_ECORRUPT, t.a_values, sub);
    struct regf_key_info ki;
    assert_int_equal(regf_key_info(h, t.a, &ki), REGF_OK);
    assert_int_equal(ki.nvalues, 0xFFFFFFFFu);
    regf_close(h);
    /* 4 values in a 3-entry list. */
    mk_w32(mk, t.a + 4 + NK_NVALUES, 4);
    h = open_mk(mk);
    want_export(h, 0, REGF_ECORRUPT, t.a_values, "4 entries");
    regf_close(h);
    /* List NIL / list entry to a non-vk / a vk name too long / odd. */
    mk_w32(mk, t.a + 4 + NK_NVALUES, 3);
    mk_w32(mk, t.a + 4 + NK_VALUES, MK_NIL);
    h = open_mk(mk);
    want_export(h, 0, REGF_ECORRUPT, MK_NIL, "value list");
    regf_close(h);
    mk_w32(mk, t.a + 4 + NK_VALUES, t.a_values);
    mk_w32(mk, t.a_values + 4 + 4, t.b1);
    h = open_mk(mk);
    want_export(h, 0, REGF_ECORRUPT, t.b1, "expected a 'vk' record");
    want(h, "value_lookup", regf_value_lookup(h, t.a, "big", &v),
         REGF_ECORRUPT, t.b1, "'vk'");
    regf_close(h);
    mk_w32(mk, t.a_values + 4 + 4, t.a_sz);
    mk_w16(mk, t.a_sz + 4 + VK_NAMELEN, 9);   /* 8 bytes of room */
    h = open_mk(mk);
    want_export(h, 0, REGF_ECORRUPT, t.a_sz, "value name of 9 bytes does "
                "not fit its 28-byte cell");
    want(h, "value name", regf_value_name(h, t.a_sz, sub, sizeof sub, NULL),
         REGF_ECORRUPT, t.a_sz, "does not fit");
    regf_close(h);
    mk_w16(mk, t.a_sz + 4 + VK_NAMELEN, 3);
    mk_w16(mk, t.a_sz + 4 + VK_FLAGS, 0);
    h = open_mk(mk);
    want_export(h, 0, REGF_ECORRUPT, t.a_sz, "odd length (3 bytes)");
    regf_close(h);
    mk_w16(mk, t.a_sz + 4 + VK_NAMELEN, 0xFFFF);
    h = open_mk(mk);
    want_export(h, 0, REGF_ECORRUPT, t.a_sz, "65535 bytes");
    regf_close(h);
    mk_free(mk);
}

static void test_key_names(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    regf_hive *h;
    /* B1's name ("B1"; 8 bytes of room after the fixed part) too long. */
    mk_w16(mk, t.b1 + 4 + NK_NAMELEN, 11);
    h = open_mk(mk);
    want_tree_broken(h, t.b1, "key name of 11 bytes does not fit its "
                     "84-byte cell", "B\\B1");
    char buf[64];
    want(h, "key name", regf_key_name(h, t.b1, buf, sizeof buf, NULL),
         REGF_ECORRUPT, t.b1, "does not fit");
    regf_close(h);
    mk_w16(mk, t.b1 + 4 + NK_NAMELEN, 0xFFFF);
    h = open_mk(mk);
    want_tree_broken(h, t.b1, "key name of 65535 bytes", "B\\B2");
    regf_close(h);
    mk_w16(mk, t.b1 + 4 + NK_NAMELEN, 9);
    h = open_mk(mk);
    want_tree_broken(h, t.b1, "key name of 9 bytes does not fit its "
                     "84-byte cell (8 bytes after the fixed part)", "B\\B1");
    regf_close(h);
    mk_w16(mk, t.b1 + 4 + NK_NAMELEN, 8);    /* fits: padding is read */
    h = open_mk(mk);
    want_walk(h, REGF_OK, 0, NULL);
    regf_close(h);
    mk_w16(mk, t.b1 + 4 + NK_NAMELEN, 2);
    /* UTF-16 name of odd length. */
    mk_w16(mk, t.b2 + 4 + NK_FLAGS, 0);
    mk_w16(mk, t.b2 + 4 + NK_NAMELEN, 1);
    h = open_mk(mk);
    want_tree_broken(h, t.b2, "UTF-16 key name has an odd length (1 bytes)",
                     "B\\B2");
    regf_close(h);
    mk_w16(mk, t.b2 + 4 + NK_NAMELEN, 7);
    h = open_mk(mk);
    want_tree_broken(h, t.b2, "odd length (7 bytes)", "B\\B2");
    regf_close(h);
    mk_free(mk);

    /* Name length 0: Windows refuses such a key (NameLength != 0); the
     * reader must at least stay sane. */
    mk = mk_tiny(5, &t);
    mk_w16(mk, t.c1 + 4 + NK_NAMELEN, 0);
    h = open_mk(mk);
    unsigned long n = 0;
    int rc = regf_walk(h, 0, count_key, &n);
    assert_true(rc == REGF_OK || rc == REGF_ECORRUPT);
    struct tu_buf out = { NULL, 0, 0 };
    /* An empty key name cannot be written as a .reg header: refused. */
    rc = regf_export_reg(h, 0, "X", 0, tu_buf_write, &out);
    assert_int_equal(rc, REGF_EUNSUPP);
    assert_non_null(strstr(regf_errmsg(h), "is empty"));
    tu_buf_free(&out);
    regf_key k;
    rc = regf_key_lookup(h, 0, "C\\", &k);
    assert_true(rc == REGF_OK || rc < 0);
    regf_close(h);
    mk_free(mk);

    /* A 65535-byte name that fits its cell (65616-byte cell in its own
     * bin): readable. */
    mk = mk_new(5);
    uint32_t root = mk_root(mk, "R");
    char *name = malloc(65536);
    memset(name, 'n', 65535);
    name[65535] = '\0';
    name[0] = (char)0xE9;          /* Latin-1: 2 bytes in UTF-8 */
    uint32_t k1 = mk_nk(mk, name, root);
    uint32_t l = mk_list(mk, "lf", &k1, 1);
    mk_subkeys(mk, root, l, 1);
    h = open_mk(mk);
    n = 0;
    want(h, "walk long", regf_walk(h, 0, count_key, &n), REGF_OK, 0, NULL);
    assert_int_equal(n, 2);
    out = (struct tu_buf){ NULL, 0, 0 };
    want(h, "export long", regf_export_reg(h, 0, "X", REGF_EXPORT_UTF16,
                                           tu_buf_write, &out), REGF_OK, 0,
         NULL);
    assert_true(out.len > 2 * 65535);
    tu_buf_free(&out);
    size_t need;
    assert_int_equal(regf_key_name(h, k1, NULL, 0, &need), REGF_OK);
    assert_int_equal(need, 65536);
    /* Lookups of over-long components fail cleanly. */
    rc = regf_key_lookup(h, 0, name + 1, &k);
    assert_true(rc == REGF_NOTFOUND || rc == REGF_EINVAL);
    regf_close(h);
    free(name);
    mk_free(mk);
}

static void test_class_and_security(void **state)
{
    (void)state;
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    regf_hive *h;
    char buf[64];
    uint8_t sd[64];
    size_t need;
    /* Class length without a class cell; class larger than its cell. */
    mk_w16(mk, t.b3 + 4 + NK_CLASSLEN, 8);
    h = open_mk(mk);
    want(h, "class", regf_key_class(h, t.b3, buf, sizeof buf, &need),
         REGF_ECORRUPT, MK_NIL, "class name");
    regf_close(h);
    mk_w32(mk, t.b3 + 4 + NK_CLASS, t.a_sz_data);
    mk_w16(mk, t.b3 + 4 + NK_CLASSLEN, 14);
    h = open_mk(mk);
    want(h, "class", regf_key_class(h, t.b3, buf, sizeof buf, &need),
         REGF_ECORRUPT, t.a_sz_data, "class name of 14 bytes");
    regf_close(h);
    mk_w16(mk, t.b3 + 4 + NK_CLASSLEN, 12);
    h = open_mk(mk);
    want(h, "class", regf_key_class(h, t.b3, buf, sizeof buf, &need),
         REGF_OK, 0, NULL);
    assert_string_equal(buf, "hello");
    regf_close(h);
    /* Security: wrong cell, descriptor too long. */
    mk_w32(mk, t.b3 + 4 + NK_SECURITY, t.b2);
    h = open_mk(mk);
    want(h, "security", regf_key_security(h, t.b3, sd, sizeof sd, &need),
         REGF_ECORRUPT, t.b2, "'sk'");
    regf_close(h);
    mk_w32(mk, t.sk + 4 + SK_DESCLEN, 25);     /* 24 bytes of room */
    h = open_mk(mk);
    want(h, "security", regf_key_security(h, t.root, sd, sizeof sd, &need),
         REGF_ECORRUPT, t.sk, "security descriptor of 25 bytes does not "
         "fit its 44-byte cell");
    regf_close(h);
    mk_w32(mk, t.sk + 4 + SK_DESCLEN, 0xFFFFFFFFu);
    h = open_mk(mk);
    want(h, "security", regf_key_security(h, t.root, sd, sizeof sd, &need),
         REGF_ECORRUPT, t.sk, "4294967295 bytes");
    regf_close(h);
    mk_free(mk);
}

/* ---- (b) the broken hives of the corpus --------------------------------- */

struct bad_file {
    const char *rel;
    int open_status;         /* status of regf_open */
    int walk_status;         /* of regf_walk/regf_export when it opened */
    const char *sub1, *sub2;
};

static const struct bad_file bad_files[] = {
    { "yarp/hives_for_tests/BadListHive", REGF_OK, REGF_ECORRUPT,
      "cell 0x470:", "reached twice" },
    { "yarp/hives_for_tests/BadSubkeyHive", REGF_OK, REGF_ECORRUPT,
      "cell 0x470:", "reached twice" },
    { "yarp/hives_for_tests/TruncatedHive", REGF_ECORRUPT, 0,
      "truncated hive", "declares 487424 bytes" },
    { "yarp/hives_for_tests/TruncatedDirtyHive", REGF_ECORRUPT, 0,
      "truncated hive", "only 8192 after" },
    { "yarp/hives_for_tests/TruncatedHiveBin", REGF_ECORRUPT, 0,
      "not a registry hive", "only 1024 bytes" },
    { "yarp/hives_for_tests/TruncatedNameHive", REGF_OK, REGF_ECORRUPT,
      "cell 0x1b0:", "key name of 22 bytes does not fit" },
    /* The base block is garbage (bad checksum, reads as version 1.1): a
     * damaged header, to be rebuilt from the logs. */
    { "yarp/hives_for_tests/BadBaseBlockHive/BadBaseBlockHive",
      REGF_ECORRUPT, 0, "base block is damaged", "transaction logs" },
    { "EricZimmerman-Registry/Registry.Test/Hives/NotAHive", REGF_ECORRUPT,
      0, "not a registry hive", "no 'regf' signature" },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAMBadHBinHeader",
      REGF_ECORRUPT, 0, "hbin at 0x1000 (file offset 0x2000)",
      "no 'hbin' signature" },
    { "regipy/regipy_tests/data/corrupted_system_hive.xz", REGF_ECORRUPT, 0,
      "hbin at 0x19000 (file offset 0x1a000)", "no 'hbin' signature" },
    { "yarp/hives_for_tests/OldLogWithRemnantData", REGF_EUNSUPP, 0,
      "not a primary hive file", "type is 1" },
    { "yarp/hives_for_tests/BadBaseBlockHive/BadBaseBlockHive.LOG1",
      REGF_EUNSUPP, 0, "not a primary hive file", "type is 1" },
    { "yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive.LOG2", REGF_EUNSUPP,
      0, "not a primary hive file", "type is 6" },
    { "yarp/hives_for_tests/BadLogHive3/BadBaseBlockHive.LOG1x", REGF_EIO,
      0, "cannot open", "No such file" },
    { "yarp/hives_for_tests/OldDirtyHive/OldDirtyHive.LOG2", REGF_ECORRUPT,
      0, "not a registry hive", "only 0 bytes" },
};

static void check_msg(const char *what, const char *msg, const char *s1,
                      const char *s2)
{
    if ((s1 && !strstr(msg, s1)) || (s2 && !strstr(msg, s2))) {
        print_error("%s: message '%s' lacks '%s' / '%s'\n", what, msg,
                    s1 ? s1 : "", s2 ? s2 : "");
        fail();
    }
}

static void test_corpus_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_files / sizeof *bad_files; i++) {
        const struct bad_file *b = &bad_files[i];
        char *path = tu_corpus(b->rel);
        regf_hive *h = NULL;
        int rc = regf_open(path, 0, &h);
        if (rc != b->open_status) {
            print_error("%s: open %d, want %d: %s\n", b->rel, rc,
                        b->open_status, regf_errmsg(h));
            fail();
        }
        assert_non_null(h);
        if (rc != REGF_OK) {
            check_msg(b->rel, regf_errmsg(h), b->sub1, b->sub2);
            assert_non_null(strstr(regf_errmsg(h), path));
            /* Nothing else works on a handle that failed to open. */
            regf_key k;
            assert_int_equal(regf_root(h, &k), REGF_EINVAL);
            assert_int_equal(regf_key_lookup(h, 0, "A", &k), REGF_EINVAL);
            unsigned long n = 0;
            assert_int_equal(regf_walk(h, 0, count_key, &n), REGF_EINVAL);
            struct tu_buf out = { NULL, 0, 0 };
            assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write,
                                             &out), REGF_EINVAL);
            tu_buf_free(&out);
            regf_close(h);
        } else {
            unsigned long n = 0;
            rc = regf_walk(h, 0, count_key, &n);
            assert_int_equal(rc, b->walk_status);
            check_msg(b->rel, regf_errmsg(h), b->sub1, b->sub2);
            struct tu_buf out = { NULL, 0, 0 };
            rc = regf_export_reg(h, 0, "HKLM\\X", 0, tu_buf_write, &out);
            tu_buf_free(&out);
            assert_int_equal(rc, b->walk_status);
            check_msg(b->rel, regf_errmsg(h), b->sub1, b->sub2);
            regf_close(h);
        }
        /* The same from memory (when the file exists). */
        if (b->open_status != REGF_EIO) {
            size_t len;
            uint8_t *buf = tu_read_file(path, &len);
            rc = regf_open_mem(buf, len, "mem", 0, &h);
            free(buf);
            assert_int_equal(rc, b->open_status);
            if (rc != REGF_OK)
                check_msg(b->rel, regf_errmsg(h), b->sub1, b->sub2);
            regf_close(h);
        }
        free(path);
    }
}

/* ---- (c) truncations ------------------------------------------------- */

/* Every entry point on an image that opened: must return a valid status. */
static int valid_status(int rc)
{
    return rc == REGF_OK || rc == REGF_NOTFOUND || rc == REGF_EINVAL ||
           rc == REGF_ENOMEM || rc == REGF_EIO || rc == REGF_ECORRUPT ||
           rc == REGF_EUNSUPP || rc == REGF_ELIMIT;
}

/* Visits each key: reads every field and the first values. */
static int deep_visit(void *ctx, regf_hive *h, regf_key key, const char *path,
                      size_t path_len, unsigned depth)
{
    (void)path; (void)path_len; (void)depth;
    (*(unsigned long *)ctx)++;
    struct regf_key_info ki;
    char buf[256];
    uint8_t data[256];
    size_t need;
    if (regf_key_info(h, key, &ki) != REGF_OK)
        return 0;
    regf_key_class(h, key, buf, sizeof buf, &need);
    regf_key_security(h, key, data, sizeof data, &need);
    if ((*(unsigned long *)ctx) % 16 == 0)
        regf_key_path(h, key, buf, sizeof buf, &need);
    for (uint32_t i = 0; i < ki.nvalues && i < 64; i++) {
        regf_val v;
        if (regf_value_at(h, key, i, &v) != REGF_OK)
            break;
        struct regf_value_info vi;
        uint32_t type;
        regf_value_info(h, v, &vi);
        regf_value_name(h, v, buf, sizeof buf, &need);
        regf_value_data(h, v, &type, data, sizeof data, &need);
    }
    regf_val v;
    regf_value_lookup(h, key, "", &v);
    return 0;
}

static const char *const probe_paths[] = {
    "", "SAM\\Domains\\Account\\Users", "key_with_many_subkeys\\2119\\find_me",
    "CurrentControlSet\\Control\\Lsa", "Select", "Software\\Microsoft",
    "zzz\\does\\not\\exist",
};

/* Opens BUF[0..LEN) and, if that works, walks, exports and looks up. Any
 * status is fine as long as it is a valid one with a message. Returns the
 * open status. */
static int exercise(const uint8_t *buf, size_t len, const char *what)
{
    regf_hive *h = NULL;
    int rc = regf_open_mem(buf, len, what, 0, &h);
    if (!valid_status(rc) || rc == REGF_NOTFOUND ||
        (rc < 0 && regf_errmsg(h)[0] == '\0')) {
        print_error("%s: open gave %d '%s'\n", what, rc, regf_errmsg(h));
        fail();
    }
    if (rc != REGF_OK) {
        regf_close(h);
        return rc;
    }
    unsigned long n = 0;
    int wrc = regf_walk(h, 0, deep_visit, &n);
    if (!(wrc == REGF_OK || wrc < 0) || !valid_status(wrc) ||
        (wrc < 0 && !strstr(regf_errmsg(h), what))) {
        print_error("%s: walk gave %d '%s'\n", what, wrc, regf_errmsg(h));
        fail();
    }
    for (unsigned f = 0; f < 2; f++) {
        struct tu_buf out = { NULL, 0, 0 };
        int erc = regf_export_reg(h, 0, "HKLM\\T", f ? REGF_EXPORT_UTF16 : 0,
                                  tu_buf_write, &out);
        tu_buf_free(&out);
        if (!(erc == REGF_OK || erc < 0) || !valid_status(erc) ||
            (erc < 0 && !strstr(regf_errmsg(h), what))) {
            print_error("%s: export gave %d '%s'\n", what, erc,
                        regf_errmsg(h));
            fail();
        }
        /* A successful walk of the same tree implies nothing about
         * values; but a failed walk must fail the export too. */
        if (wrc < 0 && erc == REGF_OK) {
            print_error("%s: walk failed but export succeeded\n", what);
            fail();
        }
    }
    for (size_t i = 0; i < sizeof probe_paths / sizeof *probe_paths; i++) {
        regf_key k;
        int lrc = regf_key_lookup(h, 0, probe_paths[i], &k);
        if (!valid_status(lrc) ||
            (lrc != REGF_OK && regf_errmsg(h)[0] == '\0')) {
            print_error("%s: lookup %s gave %d\n", what, probe_paths[i],
                        lrc);
            fail();
        }
        if (lrc == REGF_OK) {
            regf_iter it;
            regf_key c;
            int irc = regf_subkey_first(h, k, &it, &c);
            for (unsigned j = 0; irc == REGF_OK && j < 100; j++)
                irc = regf_subkey_next(h, &it, &c);
            assert_true(valid_status(irc));
        }
    }
    regf_close(h);
    return rc;
}

/* Truncates BUF at CUT: as is, and with the checksum broken (the reader
 * then takes the complete bins before the cut). */
static void truncate_at(uint8_t *buf, size_t cut, const char *rel,
                        unsigned *opened)
{
    char what[160];
    snprintf(what, sizeof what, "%s@%zu", rel, cut);
    if (exercise(buf, cut, what) == REGF_OK)
        (*opened)++;
    if (cut >= 512) {
        buf[508] ^= 0x5A;
        snprintf(what, sizeof what, "%s@%zu/badsum", rel, cut);
        if (exercise(buf, cut, what) == REGF_OK)
            (*opened)++;
        buf[508] ^= 0x5A;
    }
}

struct trunc_spec {
    const char *rel;
    size_t limit;            /* bytes of the file used (0 = all) */
    size_t step;
};

/* The fixtures (core group) or the corpus hives (corpus group). */
static const struct trunc_spec trunc_specs[] = {
    { "fixtures/hives/minimal", 0, 512 },
    { "fixtures/hives/yarp/BigDataHive.xz", 0, 512 },
    { "fixtures/hives/yarp/ManySubkeysHive.xz", 0, 512 },
    { "regipy/regipy_tests/data/SAM", 0, 512 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM", 0, 512 },
    { "regipy/regipy_tests/data/SYSTEM.xz", 2u << 20, 4096 },
};

static void truncations(int corpus)
{
    const struct trunc_spec *specs = trunc_specs;
    static const size_t odd[] = { 1, 3, 4, 507, 508, 511, 4095, 4097, 4100,
                                  4096 + 31, 4096 + 32, 4096 + 33,
                                  4096 + 4095, 8193, 12287, 20000, 65537 };
    for (size_t s = 0; s < sizeof trunc_specs / sizeof *trunc_specs; s++) {
        if (tu_is_fixture(specs[s].rel) == corpus)
            continue;
        double t0 = tu_now();
        char *path = tu_input(specs[s].rel);
        size_t len;
        uint8_t *buf = tu_read_file(path, &len);
        free(path);
        if (specs[s].limit && len > specs[s].limit)
            len = specs[s].limit;
        unsigned opened = 0, tried = 0;
        for (size_t cut = 0; cut <= len; cut += specs[s].step, tried++)
            truncate_at(buf, cut, specs[s].rel, &opened);
        for (size_t i = 0; i < sizeof odd / sizeof *odd; i++, tried++)
            if (odd[i] < len)
                truncate_at(buf, odd[i], specs[s].rel, &opened);
        for (size_t back = 1; back < 64; back += 13, tried++)
            truncate_at(buf, len - back, specs[s].rel, &opened);
        /* Truncated images with a broken checksum open from the first
         * complete bin on. */
        assert_true(opened > 0);
        print_message("  %-50s %u cuts, %u opened, %.2f s\n", specs[s].rel,
                      tried, opened, tu_now() - t0);
        free(buf);
    }
}

TU_GROUP_PAIR(truncations)

/* ---- (d) seeded random corruption -------------------------------------- */

static uint64_t xs_state;

/* The case being run, printed if it crashes (cmocka would only say which
 * test crashed, not which seed). */
static const char *volatile cur_case;

static void on_crash(int sig)
{
    const char *c = (const char *)cur_case;
    static const char head[] = "\ntest_bad: crashed in case ";
    if (write(2, head, sizeof head - 1) < 0 ||
        (c && write(2, c, strlen(c)) < 0) || write(2, "\n", 1) < 0)
        _exit(99);
    signal(sig, SIG_DFL);
    raise(sig);
}

static uint64_t xorshift(void)
{
    return tu_xorshift64(&xs_state);
}

/* Offsets (bins-relative) of every bin header dword and cell size field;
 * the allocated cells also go to CELLS (*NCELLS of them). */
static size_t structure_of(const uint8_t *bins, uint32_t size, uint32_t *out,
                           size_t max, uint32_t *cells, size_t *ncells)
{
    size_t n = 0;
    *ncells = 0;
    uint32_t off = 0;
    while (off + 32 <= size && n < max) {
        uint32_t bs = rd_le32(bins + off + 8);
        if (memcmp(bins + off, "hbin", 4) || bs < 4096 || off + bs > size)
            break;
        for (uint32_t k = 0; k < 32 && n < max; k += 4)
            out[n++] = off + k;
        uint32_t pos = off + 32;
        while (pos + 4 <= off + bs && n < max) {
            uint32_t r = rd_le32(bins + pos);
            uint32_t cs = (r & 0x80000000u) ? 0u - r : r;
            out[n++] = pos;
            if (cs == 0 || cs % 8)
                break;
            if (r & 0x80000000u)
                cells[(*ncells)++] = pos;
            pos += cs;
        }
        off += bs;
    }
    return n;
}

/* The fixtures and the tiny hive (core group) or the corpus hives (corpus
 * group); an entry's seed depends on its place in the whole list. */
static void random_corruption(int corpus)
{
    static const char *const hives[] = {
        "fixtures/hives/minimal",
        "fixtures/hives/special",
        "fixtures/hives/yarp/BigDataHive.xz",
        "fixtures/hives/yarp/ManySubkeysHive.xz",
        "fixtures/hives/yarp/UnicodeHive.xz",
        "yarp/hives_for_tests/System_Delta",
        "regipy/regipy_tests/data/SAM",
        "regipy/regipy_tests/data/BCD",
        "fixtures/hives/UNICODE_TESTS",
        "DFIRArtifactMuseum/Windows/Registry/Win10/SECURITY",
        "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord",
        "regipy/regipy_tests/data/NTUSER.DAT",
        "DFIRArtifactMuseum/Windows/Registry/Win11/BCD-Template",
        NULL,   /* the mkhive tiny hive */
    };
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    unsigned iters = 200;
    const char *e = getenv("HIVEKIT_FUZZ_SEED");
    if (e)
        seed = strtoull(e, NULL, 0);
    e = getenv("HIVEKIT_FUZZ_ITERS");
    if (e)
        iters = (unsigned)strtoul(e, NULL, 0);
    double total0 = tu_now(), worst = 0;
    void (*old_segv)(int) = signal(SIGSEGV, on_crash);
    void (*old_bus)(int) = signal(SIGBUS, on_crash);
    void (*old_abrt)(int) = signal(SIGABRT, on_crash);
    void (*old_fpe)(int) = signal(SIGFPE, on_crash);
    for (size_t hi = 0; hi < sizeof hives / sizeof *hives; hi++) {
        if ((hives[hi] && !tu_is_fixture(hives[hi])) != corpus)
            continue;
        double t0 = tu_now();
        size_t len;
        uint8_t *orig;
        struct mkhive *mk = NULL;
        if (hives[hi]) {
            char *path = tu_input(hives[hi]);
            orig = tu_read_file(path, &len);
            free(path);
        } else {
            struct mk_tiny t;
            mk = mk_tiny(5, &t);
            const uint8_t *img = mk_finish(mk, &len);
            orig = malloc(len);
            memcpy(orig, img, len);
        }
        const char *name = hives[hi] ? hives[hi] : "mkhive-tiny";
        uint32_t bins = rd_le32(orig + BB_LENGTH);
        if ((uint64_t)bins + 4096 > len)
            bins = (uint32_t)(len - 4096);
        size_t nstruct_max = bins / 8 + 64;
        uint32_t *st = malloc(nstruct_max * sizeof *st);
        uint32_t *cells = malloc(nstruct_max * sizeof *cells);
        size_t ncells;
        size_t nst = structure_of(orig + 4096, bins, st, nstruct_max, cells,
                                  &ncells);
        assert_true(ncells > 0);
        uint8_t *img = malloc(len);
        unsigned opened = 0, walked = 0;
        for (unsigned it = 0; it < iters; it++) {
            uint64_t iseed = seed ^ ((uint64_t)(hi + 1) << 40) ^
                             ((uint64_t)it * 0x100000001B3ull);
            xs_state = iseed ? iseed : 1;
            memcpy(img, orig, len);
            /* Mode: 0 raw 1% anywhere in the bins; 1 1% keeping bin
             * headers and cell sizes; 2 0.1% likewise; 3 eight fields of
             * records set to "interesting" values (other cells, NIL,
             * counts) so that big hives are walked deep before the
             * damage and offsets point to real cells. */
            unsigned mode = it % 4;
            static const unsigned per_10k[3] = { 100, 100, 10 };
            size_t flips = mode == 3 ? 0 :
                           (size_t)bins * per_10k[mode] / 10000 + 1;
            for (size_t f = 0; f < flips; f++) {
                size_t at = 4096 + (size_t)(xorshift() % bins);
                uint8_t x = (uint8_t)(xorshift() % 255 + 1);
                img[at] ^= x;
            }
            for (unsigned f = 0; mode == 3 && f < 8; f++) {
                uint32_t c = cells[xorshift() % ncells];
                uint32_t csz = 0u - rd_le32(orig + 4096 + c);
                uint32_t at = c + 4 + (uint32_t)(xorshift() % (csz / 4 - 1)) * 4;
                uint32_t other = cells[xorshift() % ncells];
                uint32_t v;
                switch (xorshift() % 8) {
                case 0: v = other; break;
                case 1: v = other + 4 + 4 * (uint32_t)(xorshift() % 4); break;
                case 2: v = 0xFFFFFFFFu; break;
                case 3: v = (uint32_t)(xorshift() % 6); break;
                case 4: v = 0x80000000u | (uint32_t)(xorshift() % 9); break;
                case 5: v = (rd_le32(img + 4096 + at) & 0xFFFF0000u) |
                            (uint32_t)(xorshift() & 0xFFFF); break;
                case 6: v = (rd_le32(img + 4096 + at) & 0xFFFFu) |
                            (uint32_t)(xorshift() % 0x10000) << 16; break;
                default: v = (uint32_t)xorshift(); break;
                }
                wr_le32(img + 4096 + at, v);
            }
            if (mode != 0)
                for (size_t k = 0; k < nst; k++)
                    memcpy(img + 4096 + st[k], orig + 4096 + st[k], 4);
            char what[200];
            snprintf(what, sizeof what, "%s#%u(seed=0x%llx,HIVEKIT_FUZZ_SEED="
                     "0x%llx)", name, it, (unsigned long long)iseed,
                     (unsigned long long)seed);
            cur_case = what;
            double t1 = tu_now();
            regf_hive *h = NULL;
            int rc = exercise(img, len, what);
            double dt = tu_now() - t1;
            if (dt > worst)
                worst = dt;
            if (dt > 5.0) {
                print_error("%s: took %.1f s\n", what, dt);
                fail();
            }
            if (rc == REGF_OK) {
                opened++;
                /* Count fully walkable ones. */
                if (regf_open_mem(img, len, what, 0, &h) == REGF_OK) {
                    unsigned long n = 0;
                    if (regf_walk(h, 0, count_key, &n) == REGF_OK)
                        walked++;
                }
                regf_close(h);
            }
        }
        print_message("  %-62s %u/%u opened, %u walked, %.2f s\n", name,
                      opened, iters, walked, tu_now() - t0);
        free(img);
        free(st);
        free(cells);
        free(orig);
        mk_free(mk);
    }
    signal(SIGSEGV, old_segv);
    signal(SIGBUS, old_bus);
    signal(SIGABRT, old_abrt);
    signal(SIGFPE, old_fpe);
    cur_case = NULL;
    print_message("  random corruption: %.1f s total, worst iteration "
                  "%.3f s, seed 0x%llx\n", tu_now() - total0, worst,
                  (unsigned long long)seed);
}

TU_GROUP_PAIR(random_corruption)

/* Regression: an ri listing the same leaf 65535 times claims 4 billion
 * subkeys in a 784 KiB file. A lookup that misses used to fall back to a
 * scan of all of them (53 s); iteration now stops once more entries were
 * returned than the hive can hold keys. */
static void test_repeated_leaf_is_bounded(void **state)
{
    (void)state;
    enum { M = 65535, N = 65535 };
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "R");
    uint32_t a = mk_nk(mk, "A", root);
    uint32_t *items = malloc(sizeof *items * M);
    assert_non_null(items);
    for (uint32_t i = 0; i < M; i++)
        items[i] = a;
    uint32_t leaf = mk_list(mk, "lh", items, M);
    for (uint32_t i = 0; i < N; i++)
        items[i] = leaf;
    uint32_t ri = mk_list(mk, "ri", items, N);
    free(items);
    mk_subkeys(mk, root, ri, 0xFFFFFFFFu);
    regf_hive *h = open_mk(mk);
    regf_key k;
    int rc = regf_key_lookup(h, 0, "B", &k);
    assert_int_equal(rc, REGF_ECORRUPT);
    assert_non_null(strstr(regf_errmsg(h), "more entries than the hive"));
    unsigned long n = 0;
    assert_int_equal(regf_walk(h, 0, count_key, &n), REGF_ECORRUPT);
    regf_close(h);
    mk_free(mk);
}

struct fuzz_keys {
    regf_key k[4096];
    size_t n;
};

static int collect_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                       size_t plen, unsigned depth)
{
    struct fuzz_keys *fk = ctx;
    (void)h; (void)path; (void)plen; (void)depth;
    if (fk->n < sizeof fk->k / sizeof *fk->k)
        fk->k[fk->n++] = key;
    return 0;
}

/* Hives the edit fuzzer hung or crashed on (the .hive files of
 * fixtures/fuzz-crashes): editing every key ends promptly with a status.
 * edit-timeout-vcache_sync.hive claims 2^30 values; sizing the value-name
 * index for that count used to loop forever. */
static void test_fuzz_edit_regressions(void **state)
{
    (void)state;
    char *dir = tu_fixture("fuzz-crashes");
    size_t n;
    char **files = tu_list_files(dir, ".hive", &n);
    for (size_t f = 0; f < n; f++) {
        const char *name = strrchr(files[f], '/') + 1;
        size_t len;
        uint8_t *img = tu_read_file(files[f], &len);
        regf_hive *h = NULL;
        if (regf_open_mem(img, len, name, REGF_OPEN_WRITE, &h) == REGF_OK) {
            static struct fuzz_keys fk;
            fk.n = 0;
            regf_walk(h, 0, collect_key, &fk);
            if (fk.n == 0)
                regf_root(h, &fk.k[fk.n++]);
            for (size_t i = 0; i < fk.n; i++) {
                uint32_t v = 1;
                regf_value_delete(h, fk.k[i], "a", 1);
                regf_value_set(h, fk.k[i], "b", 1, REGF_DWORD, &v, 4);
            }
        }
        regf_close(h);
        free(img);
    }
    tu_free_list(files, n);
    free(dir);
    assert_true(n >= 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_fuzz_edit_regressions),
        cmocka_unit_test(test_mkhive_tiny_reads),
        cmocka_unit_test(test_inline_too_long),
        cmocka_unit_test(test_value_data_cell),
        cmocka_unit_test(test_big_data),
        cmocka_unit_test(test_subkey_list_count),
        cmocka_unit_test(test_ri_to_ri),
        cmocka_unit_test(test_list_entry_targets),
        cmocka_unit_test(test_cycles_and_shared),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_value_list),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_repeated_leaf_is_bounded),
        cmocka_unit_test(test_class_and_security),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_random_corruption),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_corpus_bad_files),
        cmocka_unit_test(test_truncations_corpus),
        cmocka_unit_test(test_random_corruption_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
