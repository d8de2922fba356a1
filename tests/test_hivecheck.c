/* test_hivecheck.c - the tests' hive checker (support/hivecheck.c, the hc_*
 * wrapper over the library's regf_check_image; see hivecheck.h for what it
 * is not: an independent oracle).
 *
 *  (a) its upcase table equals data/windows-upcase.txt in all 65536 entries;
 *  (b) every clean real hive of fixtures/ and of the corpus passes (dirty
 *      ones with HC_ALLOW_DIRTY), and with HC_STRICT_WRITER only the
 *      documented exceptions are reported;
 *  (c) the damaged hives get the right codes;
 *  (d) a small synthetic hive that satisfies every rule (also strict), and
 *      one mutation per rule, each reported with its code;
 *  (e) report API, performance on an 11 MB (fixture) and a 15 MB (corpus)
 *      SYSTEM, random corruption.
 * The corpus files are checked in the corpus group (TU_MAIN, testutil.h).
 * HIVECHECK_VERBOSE=1 prints every report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hivecheck.h"
#include "mkhive.h"
#include "testutil.h"

#define STRICT HC_STRICT_WRITER
#define NIL MK_NIL

/* Checks IMG with FLAGS; CODES is a space-separated list of codes that must
 * all be reported ("" or NULL: no problem at all, "*": any problem). With
 * ONLY, no other code may be reported. */
static void expect(const char *what, const uint8_t *img, size_t len,
                   unsigned flags, const char *codes, int only)
{
    struct hc_report rep;
    int n = hc_check(img, len, flags, &rep);
    int ok = 1;
    unsigned listed = 0;
    if (!codes || !*codes) {
        ok = n == 0;
    } else if (strcmp(codes, "*") == 0) {
        ok = n > 0;
    } else {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", codes);
        for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) {
            int k = hc_count(&rep, t);
            if (k < 0) {
                print_error("%s: unknown code %s\n", what, t);
                fail();
            }
            if (k == 0)
                ok = 0;
            listed += (unsigned)k;
        }
        if (only && listed != (unsigned)n)
            ok = 0;
    }
    if (ok && getenv("HIVECHECK_VERBOSE")) {
        print_message("%s (flags %u):\n", what, flags);
        hc_print(&rep, stdout);
    }
    if (!ok) {
        print_error("%s (flags %u): want %s%s, got:\n", what, flags,
                    codes && *codes ? codes : "no problem",
                    only ? " only" : "");
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    if (!ok)
        fail();
}

/* ---- (a) the upcase table ---------------------------------------------- */

static void test_upcase_table(void **state)
{
    (void)state;
    char *path = tu_fixture("../data/windows-upcase.txt");
    size_t len;
    uint8_t *txt = tu_read_file(path, &len);
    uint16_t *want = malloc(65536 * sizeof *want);
    assert_non_null(want);
    for (uint32_t i = 0; i < 65536; i++)
        want[i] = (uint16_t)i;
    unsigned lines = 0;
    char *p = (char *)txt, *end = p + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        *nl = 0;
        unsigned a, b;
        if (*p != '#' && sscanf(p, "%4x %4x", &a, &b) == 2) {
            want[a] = (uint16_t)b;
            lines++;
        }
        p = nl + 1;
    }
    assert_int_equal(lines, 973);
    unsigned diff = 0;
    for (uint32_t i = 0; i < 65536; i++)
        if (hc_upcase((uint16_t)i) != want[i] && diff++ < 5)
            print_error("upcase(%04X) = %04X, want %04X\n", i,
                        hc_upcase((uint16_t)i), want[i]);
    assert_int_equal(diff, 0);
    /* The traps of the format notes. */
    assert_int_equal(hc_upcase(0x00FF), 0x0178);
    assert_int_equal(hc_upcase(0x00DF), 0x00DF);
    assert_int_equal(hc_upcase(0x00B5), 0x00B5);
    assert_int_equal(hc_upcase(0x0131), 0x0131);
    assert_int_equal(hc_upcase(0x03C2), 0x03C2);
    assert_int_equal(hc_upcase(0x0440), 0x0420);
    free(want);
    free(txt);
    free(path);
}

/* ---- (b) clean real hives ---------------------------------------------- */

struct clean {
    const char *path;
    int dirty;                 /* Sequence1 != Sequence2 on disk */
    const char *strict;        /* codes reported with HC_STRICT_WRITER */
};

static const struct clean clean_hives[] = {
    { "DFIRArtifactMuseum/Windows/Registry/Win10/BBI", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/DEFAULT", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/LocalService/NTUSER.DAT", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/SAM", 0, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/SECURITY", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/BBI", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/BCD-Template", 0, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/DEFAULT", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/ELAM", 0, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/NTUSER.DAT", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/SAM", 0, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/SECURITY", 1, NULL },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/UsrClass.dat", 1, NULL },
    /* Windows 7: junk in the (then spare) byte nk+13 of two keys. */
    { "EricZimmerman-Registry/Registry.Test/Hives/Acronis_0x52_Usrclass.dat", 0,
      "NK_LAYER_BITS" },
    { "EricZimmerman-Registry/Registry.Test/Hives/BCD", 0, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/NTUSER1.DAT", 0, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM", 0, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM_DUPENAME", 0, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM_RootValue", 0, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord", 0, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/SECURITY", 1, NULL },
    { "EricZimmerman-Registry/Registry.Test/Hives/UsrClassDeletedBags.dat", 0, NULL },
    { "dfwinreg/test_data/NTUSER.DAT", 0, NULL },
    { "dfwinreg/test_data/SAM", 0, NULL },
    { "dfwinreg/test_data/SECURITY", 0, NULL },
    { "dfwinreg/test_data/UsrClass.dat", 0, NULL },
    { "fixtures/hives/SYSTEM-win10-20H2.xz", 0, NULL },
    { "fixtures/hives/minimal", 0, NULL },
    { "hivex/images/rlenvalue_test_hive", 0, NULL },   /* hivex output */
    { "fixtures/hives/special", 0, NULL },
    { "python-registry/tests/reg_samples/REORGANIZED_VALUES_TESTS", 0, NULL },
    { "fixtures/hives/UNICODE_TESTS", 0, NULL },
    { "fixtures/hives/issue22.hive", 0, NULL },
    { "regipy/regipy_tests/data/BCD", 0, NULL },
    { "regipy/regipy_tests/data/NTUSER.DAT", 0, NULL },
    { "regipy/regipy_tests/data/NTUSER_BAGMRU.DAT.xz", 1, NULL },
    { "regipy/regipy_tests/data/SAM", 0, NULL },
    { "regipy/regipy_tests/data/SECURITY", 1, NULL },
    { "regipy/regipy_tests/data/SYSTEM.xz", 0, NULL },
    { "regipy/regipy_tests/data/SYSTEM_2.xz", 1, NULL },
    { "regipy/regipy_tests/data/SYSTEM_B.xz", 1, NULL },
    { "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", 1, NULL },
    { "regipy/regipy_tests/data/UsrClass.dat.xz", 1, NULL },
    { "regipy/regipy_tests/data/transactions_NTUSER.DAT", 1, NULL },
    { "yarp/hives_for_tests/BadLogHive1/BadLogHive", 1, NULL },
    { "yarp/hives_for_tests/BadLogHive2/BadLogHive", 1, NULL },
    /* Dirty: the bins still reference nothing of what the logs free. */
    { "yarp/hives_for_tests/BadLogHive3/BadLogHive", 1, "CELL_LEAK" },
    { "fixtures/hives/yarp/BigDataHive.xz", 0, NULL },
    { "fixtures/hives/yarp/BogusKeyNamesHive.xz", 0, NULL },
    { "yarp/hives_for_tests/DeletedDataHive", 0, NULL },
    { "yarp/hives_for_tests/DeletedTreeHive", 0, NULL },
    { "yarp/hives_for_tests/EmptyHive", 0, NULL },
    { "fixtures/hives/yarp/ExtendedASCIIHive.xz", 0, NULL },
    { "fixtures/hives/yarp/ManySubkeysHive.xz", 0, NULL },
    { "fixtures/hives/yarp/MultiSzHive.xz", 0, NULL },
    { "fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz", 1, "CELL_LEAK" },
    /* Windows 10's own recovery leaves the 8 nk cells of deleted keys
     * allocated. */
    { "fixtures/hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz", 0,
      "CELL_LEAK" },
    { "fixtures/hives/yarp/NewDirtyHive2/NewDirtyHive.xz", 1, "CELL_LEAK" },
    { "yarp/hives_for_tests/NewFlagsHive", 0, NULL },
    { "fixtures/hives/OffHive", 0, NULL },
    { "fixtures/hives/yarp/OldDirtyHive/OldDirtyHive.xz", 1, NULL },
    { "fixtures/hives/yarp/OldDirtyHive/RecoveredHive_Windows7.xz", 0, NULL },
    { "fixtures/hives/yarp/PairHive.xz", 0, NULL },
    { "yarp/hives_for_tests/RemnantsHive", 0, NULL },
    { "yarp/hives_for_tests/SlackHive", 0, NULL },
    { "fixtures/hives/yarp/StringValuesHive.xz", 0, NULL },
    { "yarp/hives_for_tests/System_Delta", 0, NULL },
    { "yarp/hives_for_tests/TruncatedPairHive", 0, NULL },
    { "yarp/hives_for_tests/TruncatedPairHive2", 0, NULL },
    { "fixtures/hives/yarp/TwoOwnersHive.xz", 0, NULL },
    { "fixtures/hives/yarp/UnicodeHive.xz", 0, NULL },
    { "fixtures/hives/yarp/UpcaseHive.xz", 0, NULL },
    { "fixtures/hives/yarp/ValuesOrderHive.xz", 0, NULL },
};

/* The hives of fixtures/ (core group) or of the corpus (corpus group). */
static void clean(int corpus)
{
    for (size_t i = 0; i < sizeof clean_hives / sizeof clean_hives[0]; i++) {
        const struct clean *c = &clean_hives[i];
        if (tu_is_fixture(c->path) == corpus)
            continue;
        size_t len;
        uint8_t *img = tu_read_input(c->path, &len);
        double t0 = tu_now();
        expect(c->path, img, len, HC_ALLOW_DIRTY, NULL, 1);
        double t = tu_now() - t0;
        expect(c->path, img, len, 0, c->dirty ? "BB_DIRTY" : NULL, 1);
        expect(c->path, img, len, STRICT | HC_ALLOW_DIRTY, c->strict, 1);
        if (t > 0.05)
            print_message("  %-66s %.3f s\n", c->path, t);
        free(img);
    }
}

TU_GROUP_PAIR(clean)

/* ---- (c) damaged corpus hives ------------------------------------------ */

struct damaged {
    const char *path;
    unsigned flags;
    const char *codes;
    int only;
};

static const struct damaged damaged_hives[] = {
    { "fixtures/hives/yarp/WrongOrderHive.xz", 0, "LIST_ORDER", 1 },
    { "yarp/hives_for_tests/DuplicateSubkeysHive", 0, "SUBKEY_DUP", 1 },
    { "yarp/hives_for_tests/InvalidParentHive", 0, "NK_PARENT", 1 },
    /* Keys 2 and 3 share one subkey list. */
    { "yarp/hives_for_tests/BadListHive", 0, "CELL_SHARED NK_SHARED NK_PARENT",
      1 },
    /* Key 3's list points to key 2's subkey. */
    { "yarp/hives_for_tests/BadSubkeyHive", 0, "NK_SHARED NK_PARENT", 1 },
    { "yarp/hives_for_tests/TruncatedNameHive", 0, "NK_NAME", 1 },
    /* Healed by Windows: 4 allocated cells nobody references, an sk used
     * by no key, refcounts too high (harmless, hence only strict). */
    { "yarp/hives_for_tests/HealedHive", 0, NULL, 1 },
    { "yarp/hives_for_tests/HealedHive", STRICT,
      "CELL_LEAK SK_UNUSED SK_REFCOUNT_HIGH", 1 },
    /* Key "\x9F" (compressed) has the lf hint 0x81: the name was edited
     * after the hint was made; Windows 10 would heal the hint. */
    { "fixtures/hives/yarp/CompHive.xz", 0, "LF_HINT", 1 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SECURITYNoRoot", 0,
      "ROOT_FLAGS", 1 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAMBadHBinHeader", 0,
      "BIN_SIGNATURE", 0 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAN(OTHER)", 0,
      "BB_CHECKSUM", 1 },
    { "EricZimmerman-Registry/Registry.Test/Hives/NotAHive", 0,
      "BB_SIGNATURE", 0 },
    { "yarp/hives_for_tests/BadBaseBlockHive/BadBaseBlockHive", 0,
      "BB_CHECKSUM BB_VERSION", 0 },
    { "yarp/hives_for_tests/EffectiveSizeHive", 0, "BB_CHECKSUM", 0 },
    { "fixtures/hives/yarp/GarbageHive.xz", 0, "BB_CHECKSUM", 1 },
    { "fixtures/hives/yarp/TruncatedHive.xz", 0, "BB_TRUNCATED", 0 },
    { "yarp/hives_for_tests/TruncatedDirtyHive", 0, "BB_TRUNCATED BB_DIRTY",
      0 },
    { "yarp/hives_for_tests/TruncatedHiveBin", 0, "BB_SHORT", 1 },
    { "yarp/hives_for_tests/OldLogWithRemnantData", 0, "BB_TYPE", 0 },
    { "regipy/regipy_tests/data/corrupted_system_hive.xz", 0, "BIN_SIGNATURE",
      0 },
};

static void damaged(int corpus)
{
    for (size_t i = 0; i < sizeof damaged_hives / sizeof damaged_hives[0];
         i++) {
        const struct damaged *d = &damaged_hives[i];
        if (tu_is_fixture(d->path) == corpus)
            continue;
        size_t len;
        uint8_t *img = tu_read_input(d->path, &len);
        expect(d->path, img, len, d->flags, d->codes, d->only);
        free(img);
    }
}

static void test_damaged(void **state)
{
    (void)state;
    damaged(0);
    /* Exact counts and the report's paths. */
    size_t len;
    uint8_t *img = tu_read_input("fixtures/hives/yarp/WrongOrderHive.xz", &len);
    struct hc_report rep;
    assert_int_equal(hc_check(img, len, 0, &rep), 2);
    assert_int_equal(rep.nitems, 2);
    assert_string_equal(rep.items[0].code, "LIST_ORDER");
    assert_string_equal(rep.items[0].path, "\\1");
    assert_string_equal(rep.items[1].path, "\\2");
    assert_non_null(strstr(rep.items[1].msg, "'\xd0\xb2'"));   /* в */
    hc_free(&rep);
    free(img);
}

static void test_corpus_damaged(void **state)
{
    (void)state;
    damaged(1);
    size_t len;
    struct hc_report rep;
    uint8_t *img = tu_read_input("yarp/hives_for_tests/HealedHive", &len);
    assert_int_equal(hc_check(img, len, STRICT, &rep), 7);
    assert_int_equal(hc_count(&rep, "CELL_LEAK"), 4);
    hc_free(&rep);
    free(img);
}

/* ---- (d) a good synthetic hive and one mutation per rule --------------- */

#define BIG 20000u                 /* a_big: db in 1.5, one cell in 1.3 */
#define PRIVET_HASH 0x81C3D610u    /* lh hash of "Привет" (format notes) */

static const uint16_t privet[6] = { 0x041F, 0x0440, 0x0438,
                                    0x0432, 0x0435, 0x0442 };

/* Tree (minor 5: lh leaves, minor 3: lf leaves):
 *   ROOT                 sk; lh/lf [A, B, C, Link, Привет]; MaxClassLen 6
 *     A                  values dw (inline), sz (cell), big, "" (default)
 *     B                  ri [leaf [B1, B2], leaf [B3]]
 *       B1, B2, B3
 *     C                  class "cls", its own sk (ring of two)
 *     Link               flags 0x30, SymbolicLinkValue REG_LINK
 *     Привет             UTF-16 name */
struct good {
    uint32_t minor;
    uint32_t root, sk, sk2, root_list;
    uint32_t a, a_values, a_dw, a_sz, a_sz_data, a_big, a_big_data, a_def;
    uint32_t b, b_ri, b_leaf1, b_leaf2, b1, b2, b3;
    uint32_t c, c_class;
    uint32_t link, link_vk, link_values;
    uint32_t u;
};

/* Record field access: CELL + 4 (size field) + FIELD. */
static void w32(struct mkhive *mk, uint32_t cell, uint32_t field, uint32_t v)
{
    mk_w32(mk, cell + 4 + field, v);
}

static void w16(struct mkhive *mk, uint32_t cell, uint32_t field, uint16_t v)
{
    mk_w16(mk, cell + 4 + field, v);
}

static uint32_t r32(struct mkhive *mk, uint32_t cell, uint32_t field)
{
    return mk_r32(mk, cell + 4 + field);
}

static uint8_t *rec(struct mkhive *mk, uint32_t cell)
{
    return mk_rec(mk, cell);
}

static struct mkhive *good_hive(uint32_t minor, struct good *g)
{
    struct mkhive *mk = mk_new(minor);
    const char *leaf = minor >= 5 ? "lh" : "lf";
    memset(g, 0, sizeof *g);
    g->minor = minor;
    g->root = mk_root(mk, "ROOT");
    g->sk = mk->sk;
    g->a = mk_nk(mk, "A", g->root);
    g->b = mk_nk(mk, "B", g->root);
    g->c = mk_nk(mk, "C", g->root);
    g->link = mk_nk(mk, "Link", g->root);
    g->u = mk_nk_utf16(mk, privet, 6, g->root);
    uint32_t top[5] = { g->a, g->b, g->c, g->link, g->u };
    g->root_list = mk_list(mk, leaf, top, 5);
    /* element 4's hash/hint: the format notes' vector, resp. 0 (all
     * characters > 0xFF) */
    w32(mk, g->root_list, 4 + 8 * 4 + 4, minor >= 5 ? PRIVET_HASH : 0);
    mk_subkeys(mk, g->root, g->root_list, 5);

    static const uint8_t dw[4] = { 1, 2, 3, 4 };
    static const uint8_t hello[12] = { 'h', 0, 'e', 0, 'l', 0, 'l', 0,
                                       'o', 0, 0, 0 };
    static const uint8_t xy[6] = { 'x', 0, 'y', 0, 0, 0 };
    g->a_dw = mk_vk(mk, "dw", 4, dw, 4);
    g->a_sz = mk_vk(mk, "sz", 1, hello, sizeof hello);
    g->a_sz_data = r32(mk, g->a_sz, 8);
    g->a_big = mk_vk(mk, "big", 3, NULL, BIG);
    g->a_big_data = r32(mk, g->a_big, 8);
    g->a_def = mk_vk(mk, "", 1, xy, sizeof xy);
    uint32_t av[4] = { g->a_dw, g->a_sz, g->a_big, g->a_def };
    g->a_values = mk_values(mk, g->a, av, 4);
    w32(mk, g->a, 60, 6);                     /* MaxValueNameLen: "big" */
    w32(mk, g->a, 64, BIG);                   /* MaxValueDataLen */

    g->b1 = mk_nk(mk, "B1", g->b);
    g->b2 = mk_nk(mk, "B2", g->b);
    g->b3 = mk_nk(mk, "B3", g->b);
    uint32_t l1[2] = { g->b1, g->b2 };
    g->b_leaf1 = mk_list(mk, leaf, l1, 2);
    g->b_leaf2 = mk_list(mk, leaf, &g->b3, 1);
    uint32_t leaves[2] = { g->b_leaf1, g->b_leaf2 };
    g->b_ri = mk_list(mk, "ri", leaves, 2);
    mk_subkeys(mk, g->b, g->b_ri, 3);

    static const uint8_t cls[6] = { 'c', 0, 'l', 0, 's', 0 };
    g->c_class = mk_data(mk, cls, sizeof cls);
    w32(mk, g->c, 48, g->c_class);
    w16(mk, g->c, 74, sizeof cls);
    w32(mk, g->root, 56, sizeof cls);         /* MaxClassLen */
    g->sk2 = mk_sk(mk);
    w32(mk, g->sk, 4, g->sk2);                /* ring sk <-> sk2 */
    w32(mk, g->sk, 8, g->sk2);
    w32(mk, g->sk2, 4, g->sk);
    w32(mk, g->sk2, 8, g->sk);
    w32(mk, g->c, 44, g->sk2);
    w32(mk, g->sk2, 12, 1);
    w32(mk, g->sk, 12, r32(mk, g->sk, 12) - 1);

    static const char target[] = "\\Registry\\Machine\\Software";
    uint8_t t16[2 * sizeof target];
    for (size_t i = 0; i < sizeof target - 1; i++) {
        t16[2 * i] = (uint8_t)target[i];
        t16[2 * i + 1] = 0;
    }
    uint32_t tlen = 2 * (uint32_t)(sizeof target - 1);
    w16(mk, g->link, 2, 0x30);
    g->link_vk = mk_vk(mk, "SymbolicLinkValue", 6, t16, tlen);
    g->link_values = mk_values(mk, g->link, &g->link_vk, 1);
    w32(mk, g->link, 60, 34);
    w32(mk, g->link, 64, tlen);
    mk_finish(mk, NULL);
    return mk;
}

static void test_good_hive(void **state)
{
    (void)state;
    for (uint32_t minor = 3; minor <= 6; minor++) {
        struct good g;
        struct mkhive *mk = good_hive(minor, &g);
        size_t len;
        const uint8_t *img = mk_finish(mk, &len);
        char what[32];
        snprintf(what, sizeof what, "good hive 1.%u", minor);
        struct hc_report rep;
        assert_int_equal(hc_check(img, len, STRICT, &rep), 0);
        assert_int_equal(rep.keys, 9);
        assert_int_equal(rep.values, 5);
        assert_int_equal(rep.sks, 2);
        hc_free(&rep);
        expect(what, img, len, 0, NULL, 1);
        /* NULL report */
        assert_int_equal(hc_check(img, len, STRICT, NULL), 0);
        mk_free(mk);
    }
}

/* A free cell at the start of a new bin (the rest of the bin is another
 * free cell: strict FREE_ADJACENT). */
static uint32_t free_cell(struct mkhive *mk)
{
    mk_bin(mk, 4096);
    return mk_free_cell(mk, 64);
}

typedef void (*mutator)(struct mkhive *mk, struct good *g);

/* base block */
static void m_bb_sig(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb(mk)[3] = 'x'; }
static void m_bb_dirty(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 8, 2); }
static void m_bb_major(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 20, 2); }
static void m_bb_minor7(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 24, 7); }
static void m_bb_minor2(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 24, 2); }
static void m_bb_type(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 28, 1); }
static void m_bb_format(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 32, 2); }
static void m_bb_cluster(struct mkhive *mk, struct good *g)
{ (void)g; mk_bb32(mk, 44, 2); }
static void m_bb_len_odd(struct mkhive *mk, struct good *g)
{ (void)g; mk_set_length(mk, mk->bins_len - 8); }
static void m_bb_len_long(struct mkhive *mk, struct good *g)
{ (void)g; mk_set_length(mk, mk->bins_len + 4096); }
static void m_bb_len_short(struct mkhive *mk, struct good *g)
{ (void)g; mk_set_length(mk, 4096); }
static void m_bb_root_vk(struct mkhive *mk, struct good *g)
{ mk_bb32(mk, 36, g->a_dw); }
static void m_bb_root_odd(struct mkhive *mk, struct good *g)
{ mk_bb32(mk, 36, g->root + 4); }

/* bins and cells */
static void m_bin_sig(struct mkhive *mk, struct good *g)
{ (void)g; mk_raw(mk, 4096)[0] = 'H'; }
static void m_bin_offset(struct mkhive *mk, struct good *g)
{ (void)g; mk_w32(mk, 4096 + 4, 0); }
static void m_bin_size(struct mkhive *mk, struct good *g)
{ (void)g; mk_w32(mk, 8, 4100); }
static void m_cell_odd(struct mkhive *mk, struct good *g)
{ mk_w32(mk, g->a_sz_data, mk_r32(mk, g->a_sz_data) - 4); }
static void m_cell_cross(struct mkhive *mk, struct good *g)
{ mk_w32(mk, g->a_sz_data, 0u - 0x10000u); }
static void m_cell_zero(struct mkhive *mk, struct good *g)
{ mk_w32(mk, g->a_sz_data, 0); }
static void m_free_adjacent(struct mkhive *mk, struct good *g)
{ (void)g; free_cell(mk); }
static void m_leak(struct mkhive *mk, struct good *g)
{ (void)g; mk_cell(mk, 16, NULL); }
static void m_shared_data(struct mkhive *mk, struct good *g)
{
    w32(mk, g->a_def, 4, 12);
    w32(mk, g->a_def, 8, g->a_sz_data);
}

/* keys */
static void m_nk_sig(struct mkhive *mk, struct good *g)
{ rec(mk, g->b2)[0] = 'x'; }
static void m_nk_big(struct mkhive *mk, struct good *g)
{
    uint32_t k = mk_nk_room(mk, "B3", g->b, 1100);
    w32(mk, g->b_leaf2, 4, k);
}
static void m_nk_noname(struct mkhive *mk, struct good *g)
{ w16(mk, g->b3, 72, 0); }
static void m_nk_name_past(struct mkhive *mk, struct good *g)
{ w16(mk, g->b3, 72, 200); }
static void m_nk_name_odd(struct mkhive *mk, struct good *g)
{ w16(mk, g->u, 72, 11); }
static void m_nk_name_long(struct mkhive *mk, struct good *g)
{
    char name[258];
    memset(name, 'x', 257);
    name[0] = 'B';
    name[1] = '3';
    name[257] = 0;
    w32(mk, g->b_leaf2, 4, mk_nk(mk, name, g->b));
}
static void m_nk_backslash(struct mkhive *mk, struct good *g)
{ rec(mk, g->b3)[77] = '\\'; }
static void m_nk_nul(struct mkhive *mk, struct good *g)
{ rec(mk, g->b1)[76] = 0; }
static void m_nk_utf16_latin(struct mkhive *mk, struct good *g)
{
    uint8_t *d = rec(mk, g->b3);      /* "B3" -> UTF-16 "B3", in place */
    w16(mk, g->b3, 2, 0);
    w16(mk, g->b3, 72, 4);
    d[76] = 'B';
    d[77] = 0;
    d[78] = '3';
    d[79] = 0;
}
static void m_nk_parent(struct mkhive *mk, struct good *g)
{ w32(mk, g->b3, 16, g->a); }
static void m_nk_cycle(struct mkhive *mk, struct good *g)
{
    uint32_t l = mk_list(mk, g->minor >= 5 ? "lh" : "lf", &g->b, 1);
    mk_subkeys(mk, g->b3, l, 1);
    w16(mk, g->b3, 52, 2);
}
static void m_nk_shared(struct mkhive *mk, struct good *g)
{
    uint32_t l = mk_list(mk, g->minor >= 5 ? "lh" : "lf", &g->a, 1);
    mk_subkeys(mk, g->c, l, 1);
    w16(mk, g->c, 52, 2);
}
static void m_root_no_entry(struct mkhive *mk, struct good *g)
{ w16(mk, g->root, 2, 0x28); }
static void m_root_predef(struct mkhive *mk, struct good *g)
{ w16(mk, g->root, 2, 0x6C); }
static void m_root_exit(struct mkhive *mk, struct good *g)
{ w16(mk, g->root, 2, 0x2E); }
static void m_root_no_nodelete(struct mkhive *mk, struct good *g)
{ w16(mk, g->root, 2, 0x24); }
static void m_flag_01(struct mkhive *mk, struct good *g)
{ w16(mk, g->a, 2, 0x21); }
static void m_flag_02(struct mkhive *mk, struct good *g)
{ w16(mk, g->a, 2, 0x22); }
static void m_flag_04(struct mkhive *mk, struct good *g)
{ w16(mk, g->a, 2, 0x24); }
static void m_flag_08(struct mkhive *mk, struct good *g)
{ w16(mk, g->a, 2, 0x28); }
static void m_flag_40(struct mkhive *mk, struct good *g)
{ w16(mk, g->a, 2, 0x60); }
static void m_flag_user(struct mkhive *mk, struct good *g)
{ w16(mk, g->a, 2, 0x1320); }      /* old user flags, VirtualTarget/Store */
static void m_layer_bits(struct mkhive *mk, struct good *g)
{ rec(mk, g->a)[13] = 0x01; }
static void m_tombstone_value(struct mkhive *mk, struct good *g)
{ w16(mk, g->a_dw, 16, 3); }
static void m_layered_ok(struct mkhive *mk, struct good *g)
{
    mk_bb32(mk, 144, 2);
    rec(mk, g->b1)[13] = 0x82;      /* InheritClass, SupersedeLocal */
    w16(mk, g->a_dw, 16, 3);        /* tombstone value */
}
static void m_layered_tombstone(struct mkhive *mk, struct good *g)
{
    mk_bb32(mk, 144, 2);
    rec(mk, g->a)[13] = 0x01;       /* tombstone key with values */
}
static void m_volatile_stable(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 32, g->a_sz); }
static void m_volatile_count(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 24, 5); }
static void m_volatile_stale(struct mkhive *mk, struct good *g)
{
    w32(mk, g->a, 24, 5);
    w32(mk, g->a, 32, 0x80001230u);
}
static void m_class_len0(struct mkhive *mk, struct good *g)
{ w16(mk, g->c, 74, 0); }
static void m_class_nil(struct mkhive *mk, struct good *g)
{ w32(mk, g->c, 48, NIL); }
static void m_class_small(struct mkhive *mk, struct good *g)
{
    w16(mk, g->c, 74, 100);
    w32(mk, g->root, 56, 100);
}
static void m_class_free(struct mkhive *mk, struct good *g)
{ w32(mk, g->c, 48, free_cell(mk)); }
static void m_max_name(struct mkhive *mk, struct good *g)
{ w16(mk, g->root, 52, 11); }
static void m_max_name_high_bits(struct mkhive *mk, struct good *g)
{ w16(mk, g->root, 54, 0x00F1); }
static void m_max_class(struct mkhive *mk, struct good *g)
{ w32(mk, g->root, 56, 5); }
static void m_max_vname(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 60, 5); }
static void m_max_vdata(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 64, BIG - 1); }
static void m_max_bigger(struct mkhive *mk, struct good *g)
{
    w16(mk, g->root, 52, 500);
    w32(mk, g->root, 56, 500);
    w32(mk, g->a, 60, 500);
    w32(mk, g->a, 64, 500000);
}
static void m_link_two(struct mkhive *mk, struct good *g)
{
    static const uint8_t one[4] = { 1, 0, 0, 0 };
    uint32_t v[2] = { g->link_vk, mk_vk(mk, "x", 4, one, 4) };
    mk_values(mk, g->link, v, 2);
}
static void m_link_type(struct mkhive *mk, struct good *g)
{ w32(mk, g->link_vk, 12, 1); }
static void m_link_name(struct mkhive *mk, struct good *g)
{ rec(mk, g->link_vk)[20] = 'T'; }
static void m_link_lower(struct mkhive *mk, struct good *g)
{ rec(mk, g->link_vk)[20] = 's'; }
static void m_link_odd(struct mkhive *mk, struct good *g)
{ w32(mk, g->link_vk, 4, r32(mk, g->link_vk, 4) - 1); }
static void m_link_none(struct mkhive *mk, struct good *g)
{
    w32(mk, g->link, 36, 0);
    w32(mk, g->link, 40, NIL);
}

/* values */
static void m_vlist_count0(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 36, 0); }
static void m_vlist_small(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 36, 6); }
static void m_vlist_nil(struct mkhive *mk, struct good *g)
{ w32(mk, g->a, 40, NIL); }
static void m_vk_sig(struct mkhive *mk, struct good *g)
{ rec(mk, g->a_dw)[1] = 'x'; }
static void m_vk_name_past(struct mkhive *mk, struct good *g)
{ w16(mk, g->a_sz, 2, 100); }
static void m_vk_name_odd(struct mkhive *mk, struct good *g)
{
    w16(mk, g->a_sz, 16, 0);
    w16(mk, g->a_sz, 2, 3);
}
static void m_vk_utf16_latin(struct mkhive *mk, struct good *g)
{
    w16(mk, g->a_sz, 16, 0);          /* "sz" -> UTF-16 "s" */
    rec(mk, g->a_sz)[21] = 0;
}
static void m_vk_default_flag(struct mkhive *mk, struct good *g)
{ w16(mk, g->a_def, 16, 1); }
static void m_inline_5(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_dw, 4, 0x80000005u); }
static void m_inline_junk(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_dw, 4, 0x80000002u); }
static void m_not_inline(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_sz, 4, 3); }
static void m_data_len0(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_sz, 4, 0); }
static void m_empty_nil(struct mkhive *mk, struct good *g)
{
    uint32_t d = r32(mk, g->a_def, 8);
    w32(mk, g->a_def, 4, 0);          /* DataLength 0, Data NIL: fine */
    w32(mk, g->a_def, 8, NIL);
    mk_w32(mk, d, 0u - mk_r32(mk, d)); /* free the old data cell */
}
static void m_data_small(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_sz, 4, 13); }
static void m_data_free(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_sz, 8, free_cell(mk)); }
static void m_data_huge13(struct mkhive *mk, struct good *g)
{
    uint32_t n = (1u << 20) + 8;
    w32(mk, g->a_big, 4, n);
    w32(mk, g->a_big, 8, mk_data(mk, NULL, n));
    w32(mk, g->a, 64, n);
}
static void m_db_count(struct mkhive *mk, struct good *g)
{ w16(mk, g->a_big_data, 2, 3); }
static void m_db_sig(struct mkhive *mk, struct good *g)
{ rec(mk, g->a_big_data)[0] = 'x'; }
static void m_db_list(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_big_data, 4, NIL); }
static void m_db_seg_small(struct mkhive *mk, struct good *g)
{
    uint32_t list = r32(mk, g->a_big_data, 4);
    w32(mk, list, 4, mk_cell(mk, 16000, NULL));
}
static void m_db_seg_big(struct mkhive *mk, struct good *g)
{
    uint32_t list = r32(mk, g->a_big_data, 4);
    w32(mk, list, 4, mk_cell(mk, 16356, NULL));
}
static void m_db_single_cell(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_big, 8, mk_data(mk, NULL, BIG)); }   /* the hivex bug */
static void m_db_in_13(struct mkhive *mk, struct good *g)
{ w32(mk, g->a_big, 8, mk_db(mk, NULL, BIG, NULL)); }
static void m_value_dup(struct mkhive *mk, struct good *g)
{
    rec(mk, g->a_sz)[20] = 'D';       /* "sz" -> "DW", like "dw" */
    rec(mk, g->a_sz)[21] = 'W';
}
static void m_value_dup_latin(struct mkhive *mk, struct good *g)
{
    w16(mk, g->a_sz, 2, 1);           /* "\xFF" (compressed) ... */
    rec(mk, g->a_sz)[20] = 0xFF;
    w16(mk, g->a_dw, 16, 0);          /* ... and UTF-16 "\u0178" */
    rec(mk, g->a_dw)[20] = 0x78;
    rec(mk, g->a_dw)[21] = 0x01;
}
static void m_value_not_dup(struct mkhive *mk, struct good *g)
{
    w16(mk, g->a_sz, 2, 1);           /* "\xB5" (micro sign) ... */
    rec(mk, g->a_sz)[20] = 0xB5;
    w16(mk, g->a_dw, 16, 0);          /* ... and UTF-16 "\u039C" (Mu) */
    rec(mk, g->a_dw)[20] = 0x9C;
    rec(mk, g->a_dw)[21] = 0x03;
}

/* subkey lists */
static void m_sub_count0(struct mkhive *mk, struct good *g)
{ w32(mk, g->b, 20, 0); }
static void m_sub_nil(struct mkhive *mk, struct good *g)
{ w32(mk, g->b, 28, NIL); }
static void m_sub_sig(struct mkhive *mk, struct good *g)
{ rec(mk, g->b_ri)[1] = 'x'; }
static void m_leaf_small(struct mkhive *mk, struct good *g)
{ w16(mk, g->b_leaf2, 2, 3); }
static void m_ri_nested(struct mkhive *mk, struct good *g)
{ mk_subkeys(mk, g->b, mk_list(mk, "ri", &g->b_ri, 1), 3); }
static void m_ri_empty(struct mkhive *mk, struct good *g)
{
    uint32_t e = mk_list(mk, g->minor >= 5 ? "lh" : "lf", NULL, 0);
    uint32_t l[3] = { g->b_leaf1, e, g->b_leaf2 };
    mk_subkeys(mk, g->b, mk_list(mk, "ri", l, 3), 3);
}
static void m_ri_to_nk(struct mkhive *mk, struct good *g)
{ w32(mk, g->b_ri, 8, g->b3); }
static void m_sub_count(struct mkhive *mk, struct good *g)
{ w32(mk, g->b, 20, 4); }
static void m_entry_free(struct mkhive *mk, struct good *g)
{ w32(mk, g->b_leaf2, 4, free_cell(mk)); }
static void m_entry_vk(struct mkhive *mk, struct good *g)
{ w32(mk, g->b_leaf2, 4, g->a_dw); }
static void m_hash(struct mkhive *mk, struct good *g)
{ w32(mk, g->b_leaf2, 8, r32(mk, g->b_leaf2, 8) + 1); }
static void m_order(struct mkhive *mk, struct good *g)
{
    uint32_t e0 = r32(mk, g->b_leaf1, 4), h0 = r32(mk, g->b_leaf1, 8);
    w32(mk, g->b_leaf1, 4, r32(mk, g->b_leaf1, 12));
    w32(mk, g->b_leaf1, 8, r32(mk, g->b_leaf1, 16));
    w32(mk, g->b_leaf1, 12, e0);
    w32(mk, g->b_leaf1, 16, h0);
}
static void m_order_ri(struct mkhive *mk, struct good *g)
{
    /* leaf1 [B1, B3], leaf2 [B2] */
    uint32_t e = r32(mk, g->b_leaf1, 12), h = r32(mk, g->b_leaf1, 16);
    w32(mk, g->b_leaf1, 12, r32(mk, g->b_leaf2, 4));
    w32(mk, g->b_leaf1, 16, r32(mk, g->b_leaf2, 8));
    w32(mk, g->b_leaf2, 4, e);
    w32(mk, g->b_leaf2, 8, h);
}
static void m_sub_dup(struct mkhive *mk, struct good *g)
{
    rec(mk, g->b2)[76] = 'b';         /* "B2" -> "b1", same as "B1" */
    rec(mk, g->b2)[77] = '1';
    w32(mk, g->b_leaf1, 16, r32(mk, g->b_leaf1, 8));
}
static void m_leaf_lf(struct mkhive *mk, struct good *g)
{
    rec(mk, g->b_leaf2)[1] = 'f';     /* lh -> lf with the right hint */
    w32(mk, g->b_leaf2, 8, 'B' | '3' << 8);
}
static void m_leaf_lh(struct mkhive *mk, struct good *g)
{
    rec(mk, g->b_leaf2)[1] = 'h';     /* lf -> lh with the right hash */
    w32(mk, g->b_leaf2, 8, 37 * 'B' + '3');
}
static void m_leaf_li(struct mkhive *mk, struct good *g)
{
    rec(mk, g->b_leaf2)[1] = 'i';     /* 4-byte elements: B3 only */
}

/* security */
static void m_sk_root_vk(struct mkhive *mk, struct good *g)
{ w32(mk, g->root, 44, g->a_dw); }
static void m_sk_desc_past(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk, 16, 1000); }
static void m_sk_flink(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk2, 4, g->a_dw); }
static void m_sk_blink(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk2, 8, g->sk2); }
static void m_sk_loop(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk2, 4, g->sk2); }
static void m_sk_revision(struct mkhive *mk, struct good *g)
{ rec(mk, g->sk2)[20] = 2; }
static void m_sk_not_self_rel(struct mkhive *mk, struct good *g)
{ w16(mk, g->sk2, 22, 0x0004); }
static void m_sk_owner(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk2, 24, 100); }
static void m_sk_not_in_ring(struct mkhive *mk, struct good *g)
{
    uint32_t s = mk_sk(mk);
    w32(mk, s, 12, 1);
    w32(mk, g->c, 44, s);
}
static void m_sk_ref_low(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk, 12, r32(mk, g->sk, 12) - 1); }
static void m_sk_ref_high(struct mkhive *mk, struct good *g)
{ w32(mk, g->sk, 12, r32(mk, g->sk, 12) + 1); }
static void m_sk_unused(struct mkhive *mk, struct good *g)
{
    uint32_t s = mk_sk(mk);           /* ring sk -> sk2 -> s -> sk */
    w32(mk, g->sk2, 4, s);
    w32(mk, s, 8, g->sk2);
    w32(mk, s, 4, g->sk);
    w32(mk, g->sk, 8, s);
}

struct mcase {
    const char *what;
    mutator fn;
    uint32_t minor;        /* 0: both 3 and 5 */
    unsigned flags;
    const char *codes;     /* NULL: no problem */
    int only;
    int lenient_ok;        /* also: no problem without HC_STRICT_WRITER */
};

static const struct mcase mcases[] = {
    { "signature", m_bb_sig, 0, 0, "BB_SIGNATURE", 1, 0 },
    { "seq1 != seq2", m_bb_dirty, 0, 0, "BB_DIRTY", 1, 0 },
    { "seq1 != seq2, allowed", m_bb_dirty, 0, HC_ALLOW_DIRTY, NULL, 1, 0 },
    { "major 2", m_bb_major, 0, 0, "BB_VERSION", 1, 0 },
    { "minor 7", m_bb_minor7, 5, 0, "BB_VERSION", 1, 0 },
    { "minor 2", m_bb_minor2, 3, 0, "BB_VERSION", 1, 0 },
    { "type 1", m_bb_type, 0, 0, "BB_TYPE", 1, 0 },
    { "format 2", m_bb_format, 0, 0, "BB_FORMAT", 1, 0 },
    { "cluster 2", m_bb_cluster, 0, 0, "BB_CLUSTER", 1, 0 },
    { "Length not *4096", m_bb_len_odd, 0, 0, "BB_LENGTH", 0, 0 },
    { "Length past file", m_bb_len_long, 0, 0, "BB_TRUNCATED", 0, 0 },
    { "Length < bins", m_bb_len_short, 0, 0, "*", 0, 0 },
    { "RootCell -> vk", m_bb_root_vk, 0, 0, "BB_ROOT", 1, 0 },
    { "RootCell odd", m_bb_root_odd, 0, 0, "BB_ROOT", 1, 0 },

    { "bin signature", m_bin_sig, 0, 0, "BIN_SIGNATURE", 0, 0 },
    { "bin FileOffset", m_bin_offset, 0, 0, "BIN_OFFSET", 1, 0 },
    { "bin size", m_bin_size, 0, 0, "BIN_SIZE", 0, 0 },
    { "cell size % 8", m_cell_odd, 0, 0, "CELL_SIZE", 0, 0 },
    { "cell past bin", m_cell_cross, 0, 0, "CELL_SIZE", 0, 0 },
    { "cell size 0", m_cell_zero, 0, 0, "CELL_SIZE", 0, 0 },
    { "adjacent free cells", m_free_adjacent, 0, STRICT, "FREE_ADJACENT", 1,
      1 },
    { "leaked cell", m_leak, 0, STRICT, "CELL_LEAK", 1, 1 },
    { "shared data cell", m_shared_data, 0, 0, "CELL_SHARED", 1, 0 },

    { "nk signature", m_nk_sig, 0, 0, "NK_CELL", 1, 0 },
    { "nk cell > 1120", m_nk_big, 0, 0, "NK_SIZE", 1, 0 },
    { "NameLength 0", m_nk_noname, 0, 0, "NK_NAME", 0, 0 },
    { "name past cell", m_nk_name_past, 0, 0, "NK_NAME", 0, 0 },
    { "odd UTF-16 name", m_nk_name_odd, 0, 0, "NK_NAME", 0, 0 },
    { "name of 257", m_nk_name_long, 0, 0, "NK_NAME", 0, 0 },
    { "backslash", m_nk_backslash, 0, 0, "NK_NAME_CHAR", 0, 0 },
    { "leading NUL", m_nk_nul, 0, 0, "NK_NAME_CHAR", 0, 0 },
    { "compressible UTF-16", m_nk_utf16_latin, 0, STRICT, "NK_NAME_FORM", 1,
      1 },
    { "Parent", m_nk_parent, 0, 0, "NK_PARENT", 1, 0 },
    { "cycle", m_nk_cycle, 0, 0, "NK_SHARED", 1, 0 },
    { "shared subkey", m_nk_shared, 0, 0, "NK_SHARED", 0, 0 },
    { "root without 0x4", m_root_no_entry, 0, 0, "ROOT_FLAGS", 1, 0 },
    { "root PREDEF", m_root_predef, 0, 0, "ROOT_FLAGS", 1, 0 },
    { "root HIVE_EXIT", m_root_exit, 0, 0, "ROOT_FLAGS", 1, 0 },
    { "root without 0x8", m_root_no_nodelete, 0, STRICT, "ROOT_FLAGS", 1, 1 },
    { "flag 0x01", m_flag_01, 0, 0, "NK_FLAGS", 1, 0 },
    { "flag 0x02", m_flag_02, 0, 0, "NK_FLAGS", 1, 0 },
    { "flag 0x04", m_flag_04, 0, 0, "NK_FLAGS", 1, 0 },
    { "flag 0x08", m_flag_08, 0, 0, "NK_FLAGS", 1, 0 },
    { "flag 0x40", m_flag_40, 0, 0, "NK_FLAGS", 1, 0 },
    { "user/virtual flags", m_flag_user, 0, STRICT, NULL, 1, 0 },
    { "layer byte", m_layer_bits, 0, STRICT, "NK_LAYER_BITS", 1, 1 },
    { "tombstone value", m_tombstone_value, 0, 0, "NK_LAYERED", 1, 0 },
    { "layered hive", m_layered_ok, 6, STRICT, NULL, 1, 0 },
    { "tombstone key", m_layered_tombstone, 6, 0, "NK_LAYERED", 1, 0 },
    { "volatile list stable", m_volatile_stable, 0, STRICT, "NK_VOLATILE", 1,
      1 },
    { "volatile count", m_volatile_count, 0, STRICT, "NK_VOLATILE", 1, 1 },
    { "volatile stale", m_volatile_stale, 0, STRICT, NULL, 1, 0 },
    { "ClassLength 0", m_class_len0, 0, 0, "CLASS", 1, 0 },
    { "Class NIL", m_class_nil, 0, 0, "CLASS", 1, 0 },
    { "class cell small", m_class_small, 0, 0, "CLASS", 1, 0 },
    { "class free", m_class_free, 0, 0, "CLASS", 1, 0 },
    { "MaxNameLen", m_max_name, 0, 0, "MAX_NAME_LEN", 1, 0 },
    { "MaxNameLen high bits", m_max_name_high_bits, 0, STRICT, NULL, 1, 0 },
    { "MaxClassLen", m_max_class, 0, 0, "MAX_CLASS_LEN", 1, 0 },
    { "MaxValueNameLen", m_max_vname, 0, 0, "MAX_VALUE_NAME", 1, 0 },
    { "MaxValueDataLen", m_max_vdata, 0, 0, "MAX_VALUE_DATA", 1, 0 },
    { "Max* bigger", m_max_bigger, 0, STRICT, NULL, 1, 0 },
    { "link, 2 values", m_link_two, 0, 0, "SYMLINK", 1, 0 },
    { "link, type", m_link_type, 0, 0, "SYMLINK", 1, 0 },
    { "link, name", m_link_name, 0, 0, "SYMLINK", 1, 0 },
    { "link, lower case", m_link_lower, 0, STRICT, NULL, 1, 0 },
    { "link, odd length", m_link_odd, 0, 0, "SYMLINK", 1, 0 },
    { "link, no value", m_link_none, 0, 0, "SYMLINK", 1, 0 },

    { "value count 0", m_vlist_count0, 0, 0, "VALUE_LIST", 1, 0 },
    { "value list small", m_vlist_small, 0, 0, "VALUE_LIST", 0, 0 },
    { "value list NIL", m_vlist_nil, 0, 0, "VALUE_LIST", 1, 0 },
    { "vk signature", m_vk_sig, 0, 0, "VK_CELL", 1, 0 },
    { "vk name past cell", m_vk_name_past, 0, 0, "VK_NAME", 0, 0 },
    { "vk odd UTF-16 name", m_vk_name_odd, 0, 0, "VK_NAME", 1, 0 },
    { "vk compressible", m_vk_utf16_latin, 0, STRICT, "VK_NAME_FORM", 1, 1 },
    { "default value flag", m_vk_default_flag, 0, STRICT, "VK_NAME_FORM", 1,
      1 },
    { "inline 5 bytes", m_inline_5, 0, 0, "VK_INLINE", 1, 0 },
    { "inline junk", m_inline_junk, 0, STRICT, "VK_INLINE_JUNK", 1, 1 },
    { "3 bytes in a cell", m_not_inline, 0, STRICT, "VK_NOT_INLINE", 1, 1 },
    { "DataLength 0, Data", m_data_len0, 0, 0, "VK_DATA", 1, 0 },
    { "empty, NIL", m_empty_nil, 0, STRICT, NULL, 1, 0 },
    { "data cell small", m_data_small, 0, 0, "VK_DATA", 1, 0 },
    { "data cell free", m_data_free, 0, 0, "VK_DATA", 1, 0 },
    { "> 1 MiB in 1.3", m_data_huge13, 3, STRICT, "VK_DATA_LIMIT", 0, 1 },
    { "db count", m_db_count, 5, 0, "DB", 0, 0 },
    { "db signature", m_db_sig, 5, 0, "DB", 1, 0 },
    { "db list NIL", m_db_list, 5, 0, "DB", 1, 0 },
    { "db segment small", m_db_seg_small, 5, 0, "DB_SEGMENT", 1, 0 },
    { "db segment 16360", m_db_seg_big, 5, STRICT, "DB_SEGMENT_SIZE", 0, 1 },
    { "big value in one cell (1.5)", m_db_single_cell, 5, 0, "DB", 1, 0 },
    { "db in 1.3", m_db_in_13, 3, 0, "VK_DATA", 1, 0 },
    { "value names dw/DW", m_value_dup, 0, 0, "VALUE_DUP", 1, 0 },
    { "value names \xC3\xBF/\xC5\xB8", m_value_dup_latin, 0, 0, "VALUE_DUP", 1,
      0 },
    { "value names \xC2\xB5/\xCE\x9C", m_value_not_dup, 0, STRICT, NULL, 1, 0 },

    { "subkey count 0, list", m_sub_count0, 0, 0, "SUBKEY_LIST", 1, 0 },
    { "subkey list NIL", m_sub_nil, 0, 0, "SUBKEY_LIST", 1, 0 },
    { "list signature", m_sub_sig, 0, 0, "LIST_CELL", 1, 0 },
    { "leaf too small", m_leaf_small, 0, 0, "LIST_CELL", 0, 0 },
    { "ri in ri", m_ri_nested, 0, 0, "RI_NESTED", 0, 0 },
    { "empty leaf in ri", m_ri_empty, 0, 0, "RI_EMPTY_LEAF", 1, 0 },
    { "ri -> nk", m_ri_to_nk, 0, 0, "LIST_CELL", 0, 0 },
    { "subkey count", m_sub_count, 0, 0, "SUBKEY_COUNT", 1, 0 },
    { "entry -> free", m_entry_free, 0, 0, "LIST_ENTRY", 0, 0 },
    { "entry -> vk", m_entry_vk, 0, 0, "NK_CELL", 0, 0 },
    { "lh hash", m_hash, 5, 0, "LH_HASH", 1, 0 },
    { "lf hint", m_hash, 3, 0, "LF_HINT", 1, 0 },
    { "order in leaf", m_order, 0, 0, "LIST_ORDER", 1, 0 },
    { "order across ri", m_order_ri, 0, 0, "LIST_ORDER", 1, 0 },
    { "B1/b1", m_sub_dup, 5, 0, "SUBKEY_DUP", 1, 0 },
    { "lf in 1.5", m_leaf_lf, 5, STRICT, "LEAF_TYPE", 1, 1 },
    { "li in 1.5", m_leaf_li, 5, STRICT, "LEAF_TYPE", 1, 1 },
    { "lh in 1.3", m_leaf_lh, 3, STRICT, "LEAF_TYPE", 1, 1 },
    { "li in 1.3", m_leaf_li, 3, STRICT, NULL, 1, 0 },

    { "root sk -> vk", m_sk_root_vk, 0, 0, "SK_CELL", 1, 0 },
    { "descriptor past cell", m_sk_desc_past, 0, 0, "SK_CELL", 1, 0 },
    { "Flink", m_sk_flink, 0, 0, "SK_RING", 0, 0 },
    { "Blink", m_sk_blink, 0, 0, "SK_RING", 1, 0 },
    { "ring loop", m_sk_loop, 0, 0, "SK_RING", 1, 0 },
    { "SD revision", m_sk_revision, 0, 0, "SK_DESCRIPTOR", 1, 0 },
    { "SD not self-relative", m_sk_not_self_rel, 0, 0, "SK_DESCRIPTOR", 1, 0 },
    { "SD owner offset", m_sk_owner, 0, 0, "SK_DESCRIPTOR", 1, 0 },
    { "sk not in ring", m_sk_not_in_ring, 0, 0, "SK_NOT_IN_RING", 1, 0 },
    { "refcount low", m_sk_ref_low, 0, 0, "SK_REFCOUNT", 1, 0 },
    { "refcount high", m_sk_ref_high, 0, STRICT, "SK_REFCOUNT_HIGH", 1, 1 },
    { "unused sk", m_sk_unused, 0, STRICT, "SK_UNUSED", 1, 1 },
};

static void test_mutations(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        const struct mcase *m = &mcases[i];
        for (uint32_t minor = 3; minor <= 6; minor++) {
            if (m->minor ? minor != m->minor : (minor != 3 && minor != 5))
                continue;
            struct good g;
            struct mkhive *mk = good_hive(minor, &g);
            m->fn(mk, &g);
            size_t len;
            const uint8_t *img = mk_finish(mk, &len);
            char what[96];
            snprintf(what, sizeof what, "%s (1.%u)", m->what, minor);
            expect(what, img, len, m->flags, m->codes, m->only);
            if (m->lenient_ok)
                expect(what, img, len, m->flags & ~STRICT, NULL, 1);
            mk_free(mk);
        }
    }
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The checksum, with Windows' two special cases; short files. */
static void test_checksum(void **state)
{
    (void)state;
    struct good g;
    struct mkhive *mk = good_hive(5, &g);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    const uint8_t *bb = mk_bb(mk);
    for (int special = 0; special < 2; special++) {
        /* RmId (offset 112) chosen so that the XOR is 0 resp. -1 */
        mk_bb32(mk, 112, 0);
        uint32_t x = 0;
        for (unsigned i = 0; i < 508; i += 4)
            x ^= le32(bb + i);
        mk_bb32(mk, 112, special ? ~x : x);
        mk_bb32(mk, 508, special ? 0xFFFFFFFEu : 1u);
        expect("checksum special case", img, len, STRICT, NULL, 1);
        mk_bb32(mk, 508, special ? 0xFFFFFFFFu : 0u);
        expect("checksum without the special case", img, len, 0,
               "BB_CHECKSUM", 1);
    }
    mk_fix_checksum(mk);
    expect("checksum", img, len, STRICT, NULL, 1);
    mk_bb32(mk, 508, le32(bb + 508) ^ 0x100);
    expect("checksum", img, len, 0, "BB_CHECKSUM", 1);
    mk_fix_checksum(mk);
    expect("short file", img, 100, 0, "BB_SHORT", 1);
    expect("base block only", img, 4096, 0, "BB_TRUNCATED", 0);
    mk_free(mk);
}

/* Depth: 512 levels (root included) are fine, 513 are not. */
static void test_depth(void **state)
{
    (void)state;
    for (unsigned levels = 512; levels <= 513; levels++) {
        struct mkhive *mk = mk_new(5);
        uint32_t k = mk_root(mk, "ROOT");
        for (unsigned i = 1; i < levels; i++) {
            uint32_t kid = mk_nk(mk, "k", k);
            mk_subkeys(mk, k, mk_list(mk, "lh", &kid, 1), 1);
            k = kid;
        }
        size_t len;
        const uint8_t *img = mk_finish(mk, &len);
        if (levels == 512)
            expect("512 levels", img, len, STRICT, NULL, 1);
        else
            expect("513 levels", img, len, 0, "NK_DEPTH", 1);
        mk_free(mk);
    }
}

/* Windows' upcase and order: ss1 < SS3 < ß2; \u00FF and \u0178 equal. */
static void test_upcase_order(void **state)
{
    (void)state;
    static const char *const names[][3] = {
        { "ss1", "SS3", "\xDF" "2" },       /* UpcaseHive's order: fine */
        { "ss1", "\xDF" "2", "SS3" },       /* Unicode upper() order */
        { "a", "\xFF", "\xFF" "a" },        /* fine */
    };
    static const char *const want[] = { NULL, "LIST_ORDER", NULL };
    for (int t = 0; t < 3; t++) {
        struct mkhive *mk = mk_new(5);
        uint32_t root = mk_root(mk, "ROOT"), k[3];
        for (int i = 0; i < 3; i++)
            k[i] = mk_nk(mk, names[t][i], root);
        mk_subkeys(mk, root, mk_list(mk, "lh", k, 3), 3);
        size_t len;
        const uint8_t *img = mk_finish(mk, &len);
        expect(names[t][1], img, len, STRICT, want[t], 1);
        mk_free(mk);
    }
    /* compressed "\xFF" and UTF-16 "\u0178" are the same name; the hash of
     * both is 0x178 (format notes) */
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "ROOT");
    static const uint16_t y_uml[1] = { 0x0178 };
    uint32_t k[2] = { mk_nk(mk, "\xFF", root),
                      mk_nk_utf16(mk, y_uml, 1, root) };
    uint32_t l = mk_list(mk, "lh", k, 2);
    w32(mk, l, 8, 0x178);
    w32(mk, l, 16, 0x178);
    mk_subkeys(mk, root, l, 2);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    expect("\\xFF and \\u0178", img, len, 0, "SUBKEY_DUP", 1);
    mk_free(mk);
}

/* lh hashes of the format notes, and lf hints built from the end. */
static void test_hash_and_hint(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint32_t hash;
    } vec[] = {
        { "a", 0x41 }, { "ab", 0x9A7 }, { "ControlSet001", 0x8F3BA9A2 },
        { "Select", 0x5F0024A0 }, { "SYSTEM", 0x6141D0F9 },
        { "\xDF" "2", 0x206D }, { "\xFF" "x", 0 },
    };
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "ROOT"), k[7];
    for (int i = 0; i < 7; i++)
        k[i] = mk_nk(mk, vec[i].name, root);
    /* sorted: a ab ControlSet001 Select SYSTEM ß2 ÿx */
    uint32_t l = mk_list(mk, "lh", k, 7);
    for (int i = 0; i < 6; i++)
        w32(mk, l, 8 + 8 * (uint32_t)i, vec[i].hash);
    w32(mk, l, 8 + 8 * 6, 0x178 * 37 + 'X');
    mk_subkeys(mk, root, l, 7);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    expect("hash vectors", img, len, STRICT, NULL, 1);
    w32(mk, l, 8 + 8 * 5, 0x20ED);           /* "ß2" hashed as "SS"-ish */
    expect("hash of \xC3\x9F" "2", img, len, 0, "LH_HASH", 1);
    mk_free(mk);

    /* lf hints of UTF-16 names */
    static const struct {
        uint16_t name[5];
        uint32_t n, hint, naive;
    } hv[] = {
        { { 'a', 'b', 0x41F, 'c' }, 4, 0x63000000u, 0x63006261u },
        { { 'a', 0x41F }, 2, 0, 0x00000061u },
        { { 'a', 'b', 'c', 'd', 0x41F }, 5, 0x64636261u, 0 },
        { { 0x41F, 'a', 'b', 'c' }, 4, 0x63626100u, 0 },
    };
    for (int i = 0; i < 4; i++) {
        mk = mk_new(3);
        root = mk_root(mk, "ROOT");
        uint32_t key = mk_nk_utf16(mk, hv[i].name, hv[i].n, root);
        l = mk_list(mk, "lf", &key, 1);
        w32(mk, l, 8, hv[i].hint);
        mk_subkeys(mk, root, l, 1);
        img = mk_finish(mk, &len);
        expect("lf hint", img, len, 0, NULL, 1);
        w32(mk, l, 8, hv[i].naive);
        expect("naive lf hint", img, len, 0, "LF_HINT", 1);
        mk_free(mk);
    }
}

/* Leaf sizes (strict): lh/li up to 1012 entries, lf up to 506. */
static void test_leaf_size(void **state)
{
    (void)state;
    static const struct {
        uint32_t minor;
        const char *sig;
        uint32_t n;
        const char *want;
    } t[] = {
        { 5, "lh", 1012, NULL }, { 5, "lh", 1013, "LEAF_BIG" },
        { 3, "lf", 506, NULL }, { 3, "lf", 507, "LEAF_BIG" },
        { 3, "li", 1012, NULL }, { 3, "li", 1013, "LEAF_BIG" },
    };
    for (int i = 0; i < 6; i++) {
        struct mkhive *mk = mk_new(t[i].minor);
        uint32_t root = mk_root(mk, "ROOT");
        uint32_t *k = malloc(t[i].n * sizeof *k);
        assert_non_null(k);
        for (uint32_t j = 0; j < t[i].n; j++) {
            char name[16];
            snprintf(name, sizeof name, "k%05u", j);
            k[j] = mk_nk(mk, name, root);
        }
        mk_subkeys(mk, root, mk_list(mk, t[i].sig, k, t[i].n), t[i].n);
        free(k);
        size_t len;
        const uint8_t *img = mk_finish(mk, &len);
        char what[32];
        snprintf(what, sizeof what, "%s of %u", t[i].sig, t[i].n);
        expect(what, img, len, STRICT, t[i].want, 1);
        if (t[i].want)
            expect(what, img, len, 0, NULL, 1);
        mk_free(mk);
    }
}

/* ---- (e) report API, performance, robustness --------------------------- */

static void test_report(void **state)
{
    (void)state;
    /* 1013 wrong hashes: all counted, 50 kept */
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "ROOT");
    uint32_t k[1013];
    for (uint32_t j = 0; j < 1013; j++) {
        char name[16];
        snprintf(name, sizeof name, "k%05u", j);
        k[j] = mk_nk(mk, name, root);
    }
    uint32_t l = mk_list(mk, "lh", k, 1013);
    for (uint32_t j = 0; j < 1013; j++)
        w32(mk, l, 8 + 8 * j, 0);
    mk_subkeys(mk, root, l, 1013);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    struct hc_report rep;
    assert_int_equal(hc_check(img, len, 0, &rep), 1013);
    assert_int_equal(rep.problems, 1013);
    assert_int_equal(rep.nitems, HC_MAX_ITEMS);
    assert_int_equal(hc_count(&rep, "LH_HASH"), 1013);
    assert_int_equal(hc_count(&rep, "LIST_ORDER"), 0);
    assert_int_equal(hc_count(&rep, "NO_SUCH_CODE"), -1);
    assert_int_equal(rep.items[0].cell, l);
    assert_string_equal(rep.items[0].path, "\\");
    assert_int_equal(rep.keys, 1014);
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    assert_non_null(f);
    hc_print(&rep, f);
    fclose(f);
    assert_non_null(strstr(out, "LH_HASH"));
    assert_non_null(strstr(out, "... 963 more"));
    assert_non_null(strstr(out, "1013 problem(s): LH_HASH x1013"));
    free(out);
    hc_free(&rep);
    hc_free(&rep);                     /* twice is harmless */
    assert_int_equal(hc_check(img, len, 0, NULL), 1013);
    mk_free(mk);
    assert_non_null(hc_describe("LH_HASH"));
    assert_null(hc_describe("NO_SUCH_CODE"));

    /* a path below the root, with a UTF-16 name */
    struct good g;
    mk = good_hive(5, &g);
    w32(mk, g.b3, 16, g.a);
    img = mk_finish(mk, &len);
    assert_int_equal(hc_check(img, len, 0, &rep), 1);
    assert_string_equal(rep.items[0].code, "NK_PARENT");
    assert_string_equal(rep.items[0].path, "\\B\\B3");
    assert_int_equal(rep.items[0].cell, g.b3);
    hc_free(&rep);
    mk_free(mk);
}

static void performance(const char *rel, unsigned long keys)
{
    size_t len;
    uint8_t *img = tu_read_input(rel, &len);
    struct hc_report rep;
    double t0 = tu_now();
    int n = hc_check(img, len, STRICT | HC_ALLOW_DIRTY, &rep);
    double t = tu_now() - t0;
    if (n)
        hc_print(&rep, stderr);
    assert_int_equal(n, 0);
    assert_int_equal(rep.keys, keys);
    print_message("  %s (%.1f MB, %lu keys, %lu values, %lu cells): %.3f s\n",
                  rel, len / 1e6, rep.keys, rep.values, rep.cells_used, t);
    assert_true(t < 1.0);
    hc_free(&rep);
    free(img);
}

static void test_performance(void **state)
{
    (void)state;
    performance("fixtures/hives/SYSTEM-win10-20H2.xz", 33317);
}

static void test_performance_corpus(void **state)
{
    (void)state;
    performance("regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", 43211);
}

/* Random byte corruption: the checker must neither crash nor hang. */
static void test_random_corruption(void **state)
{
    (void)state;
    static const char *const rel[] = {
        "fixtures/hives/yarp/BigDataHive.xz",
        "fixtures/hives/yarp/TwoOwnersHive.xz",
        "fixtures/hives/yarp/ManySubkeysHive.xz",
        "fixtures/hives/special",
    };
    uint64_t s = 0x9E3779B97F4A7C15u;
    double t0 = tu_now();
    unsigned runs = 0, flagged = 0;
    for (int f = 0; f < 5; f++) {
        size_t len;
        uint8_t *orig;
        struct good g;
        struct mkhive *mk = NULL;
        if (f < 4) {
            orig = tu_read_input(rel[f], &len);
        } else {
            mk = good_hive(5, &g);
            const uint8_t *img = mk_finish(mk, &len);
            orig = malloc(len);
            assert_non_null(orig);
            memcpy(orig, img, len);
        }
        /* only the used part of big files is worth hitting */
        size_t used = len;
        uint32_t blen = (uint32_t)orig[40] | (uint32_t)orig[41] << 8 |
                        (uint32_t)orig[42] << 16 | (uint32_t)orig[43] << 24;
        if ((uint64_t)blen + 4096 < used)
            used = 4096 + (size_t)blen;
        uint8_t *img = malloc(len);
        assert_non_null(img);
        for (int it = 0; it < 300; it++) {
            memcpy(img, orig, len);
            int flips = 1 + it % 8;
            for (int j = 0; j < flips; j++) {
                tu_xorshift64(&s);
                size_t pos = (size_t)(s % used);
                if (it % 3 == 0)       /* mostly hit the first 16 KiB */
                    pos %= used < 16384 ? used : 16384;
                img[pos] ^= (uint8_t)(1u << (s >> 40) % 8);
                if (it % 5 == 0)
                    img[pos] = (uint8_t)(s >> 48);
            }
            struct hc_report rep;
            int n = hc_check(img, len, STRICT, &rep);
            assert_true(n >= 0);
            assert_int_equal((unsigned)n, rep.problems);
            flagged += n > 0;
            runs++;
            hc_free(&rep);
        }
        free(img);
        free(orig);
        mk_free(mk);
    }
    print_message("  random corruption: %u runs, %u flagged, %.2f s\n", runs,
                  flagged, tu_now() - t0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_upcase_table),
        cmocka_unit_test(test_good_hive),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_upcase_order),
        cmocka_unit_test(test_hash_and_hint),
        cmocka_unit_test(test_leaf_size),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_performance),
        cmocka_unit_test(test_random_corruption),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_clean_corpus),
        cmocka_unit_test(test_corpus_damaged),
        cmocka_unit_test(test_performance_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
