/* test_check.c - the library's structural check, regf_check_image
 * (src/regf/check.c). The rules themselves and every clean corpus hive are
 * covered by test_hivecheck.c through the hc_* wrapper; here:
 *
 *  (a) the code table: 69 stable codes, severities, strict-only codes;
 *  (b) damaged hives (fixtures, corpus): their codes with the right
 *      severities;
 *  (c) severities that depend on where the damage is (the root key, the
 *      root's sk, root flags);
 *  (d) the API: callback stop, NULL callback and stats, paths, messages;
 *  (e) every file of the corpus (and of fixtures/hives, in the core
 *      group): the check runs to the end, reports each
 *      problem once, and agrees with the reader (a hive the check passes
 *      opens and walks; one the open refuses has a fatal problem);
 *  (f) the time on the 15.5 MB SYSTEM_WIN_10_1709.
 * Cases on corpus files are in the corpus group (TU_MAIN, testutil.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mkhive.h"
#include "testutil.h"

#define STRICT REGF_CHECK_STRICT
#define DIRTY  REGF_CHECK_ALLOW_DIRTY
#define FATAL  REGF_SEV_FATAL
#define HEAL   REGF_SEV_HEAL
#define HARMLESS REGF_SEV_HARMLESS

/* Every problem of one check, kept. */
struct got {
    unsigned n;
    struct item {
        char code[24];
        int severity;
        uint32_t cell;
        char path[256];
        char msg[400];
    } it[256];
    unsigned total;
};

static int collect(void *ctx, const struct regf_problem *p)
{
    struct got *g = ctx;
    size_t ncodes;
    const struct regf_check_code *t = regf_check_codes(&ncodes);
    assert_true(p->id < ncodes);
    assert_string_equal(t[p->id].code, p->code);
    assert_true(p->severity >= HARMLESS && p->severity <= FATAL);
    assert_non_null(p->path);
    assert_non_null(p->message);
    assert_null(strchr(p->message, '\n'));
    g->total++;
    if (g->n < sizeof g->it / sizeof g->it[0]) {
        struct item *it = &g->it[g->n++];
        snprintf(it->code, sizeof it->code, "%s", p->code);
        it->severity = p->severity;
        it->cell = p->cell;
        snprintf(it->path, sizeof it->path, "%s", p->path);
        snprintf(it->msg, sizeof it->msg, "%s", p->message);
    }
    return 0;
}

static void run(const uint8_t *img, size_t len, unsigned flags, struct got *g,
                struct regf_check_stats *st)
{
    memset(g, 0, sizeof *g);
    assert_int_equal(regf_check_image(img, len, flags, collect, g, st),
                     REGF_OK);
    assert_int_equal(st->problems, g->total);
    assert_int_equal(st->severity[0] + st->severity[1] + st->severity[2],
                     st->problems);
}

static void dump(const char *what, const struct got *g)
{
    print_error("%s: %u problem(s):\n", what, g->total);
    for (unsigned i = 0; i < g->n; i++)
        print_error("  %s %s %s (cell 0x%x): %s\n",
                    regf_severity_name(g->it[i].severity), g->it[i].code,
                    g->it[i].path, g->it[i].cell, g->it[i].msg);
}

/* WANT: "CODE:sev CODE:sev ..." (sev f/h/a); each listed code must be
 * reported, every report of it with that severity; no other code. */
static void expect(const char *what, const uint8_t *img, size_t len,
                   unsigned flags, const char *want)
{
    struct got g;
    struct regf_check_stats st;
    run(img, len, flags, &g, &st);
    int ok = 1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", want);
    unsigned listed = 0;
    for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) {
        char *colon = strchr(t, ':');
        assert_non_null(colon);
        *colon = 0;
        int sev = colon[1] == 'f' ? FATAL : colon[1] == 'h' ? HEAL : HARMLESS;
        unsigned k = 0;
        for (unsigned i = 0; i < g.n; i++)
            if (strcmp(g.it[i].code, t) == 0) {
                k++;
                if (g.it[i].severity != sev)
                    ok = 0;
            }
        if (k == 0)
            ok = 0;
        listed += k;
    }
    if (listed != g.total)
        ok = 0;
    if (!ok) {
        print_error("%s (flags %u): want %s\n", what, flags,
                    *want ? want : "no problem");
        dump(what, &g);
        fail();
    }
}

/* ---- (a) the code table ------------------------------------------------ */

static void test_codes(void **state)
{
    (void)state;
    size_t n;
    const struct regf_check_code *t = regf_check_codes(&n);
    assert_non_null(t);
    assert_int_equal(n, 69);
    assert_ptr_equal(regf_check_codes(NULL), t);
    unsigned sev[3] = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i].code[0] >= 'A' && t[i].code[0] <= 'Z');
        assert_true(strlen(t[i].description) > 5);
        assert_true(t[i].severity >= HARMLESS && t[i].severity <= FATAL);
        sev[t[i].severity]++;
        /* writer-only rules are by definition ones Windows accepts */
        if (t[i].strict_only)
            assert_int_equal(t[i].severity, HARMLESS);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t[i].code, t[j].code);
    }
    assert_true(sev[0] && sev[1] && sev[2]);
    /* a few anchors: positions and severities are part of the API */
    assert_string_equal(t[0].code, "BB_SHORT");
    assert_string_equal(t[n - 1].code, "SK_UNUSED");
    static const struct {
        const char *code;
        int sev;
    } anchors[] = {
        { "BB_CHECKSUM", FATAL }, { "BB_DIRTY", HEAL }, { "BIN_SIZE", FATAL },
        { "CELL_SIZE", FATAL }, { "CELL_LEAK", HARMLESS },
        { "NK_PARENT", HEAL }, { "NK_DEPTH", FATAL }, { "ROOT_FLAGS", FATAL },
        { "LIST_ORDER", HEAL }, { "LH_HASH", HEAL }, { "SUBKEY_DUP", HEAL },
        { "VALUE_DUP", HARMLESS }, { "SK_REFCOUNT", HEAL },
        { "SK_REFCOUNT_HIGH", HARMLESS }, { "SK_UNUSED", HARMLESS },
    };
    for (size_t a = 0; a < sizeof anchors / sizeof anchors[0]; a++) {
        size_t i = 0;
        while (i < n && strcmp(t[i].code, anchors[a].code) != 0)
            i++;
        assert_true(i < n);
        assert_int_equal(t[i].severity, anchors[a].sev);
    }
    assert_string_equal(regf_severity_name(FATAL), "fatal");
    assert_string_equal(regf_severity_name(HEAL), "heal");
    assert_string_equal(regf_severity_name(HARMLESS), "harmless");
    assert_string_equal(regf_severity_name(7), "unknown");
}

/* ---- (b) damaged hives (fixtures: core group; the others: corpus) ------ */

static const struct {
    const char *path;
    unsigned flags;
    const char *want;
} damaged[] = {
    { "fixtures/hives/yarp/WrongOrderHive.xz", 0, "LIST_ORDER:h" },
    { "yarp/hives_for_tests/DuplicateSubkeysHive", 0, "SUBKEY_DUP:h" },
    { "yarp/hives_for_tests/InvalidParentHive", 0, "NK_PARENT:h" },
    { "yarp/hives_for_tests/BadListHive", 0,
      "CELL_SHARED:h NK_SHARED:h NK_PARENT:h" },
    { "yarp/hives_for_tests/BadSubkeyHive", 0, "NK_SHARED:h NK_PARENT:h" },
    { "yarp/hives_for_tests/TruncatedNameHive", 0, "NK_NAME:h" },
    { "yarp/hives_for_tests/HealedHive", 0, "" },
    { "yarp/hives_for_tests/HealedHive", STRICT,
      "CELL_LEAK:a SK_UNUSED:a SK_REFCOUNT_HIGH:a" },
    { "yarp/hives_for_tests/CompHive", 0, "LF_HINT:h" },
    { "fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz", 0, "BB_DIRTY:h" },
    { "fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz", DIRTY, "" },
    { "fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz", DIRTY | STRICT,
      "CELL_LEAK:a" },
    { "EricZimmerman-Registry/Registry.Test/Hives/SECURITYNoRoot", 0,
      "ROOT_FLAGS:f" },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAN(OTHER)", 0,
      "BB_CHECKSUM:f" },
    { "EricZimmerman-Registry/Registry.Test/Hives/NotAHive", 0,
      "BB_SIGNATURE:f BB_CHECKSUM:f BB_VERSION:f BB_FORMAT:f BB_CLUSTER:f "
      "BB_LENGTH:f BB_DIRTY:h" },
    { "fixtures/hives/yarp/GarbageHive.xz", 0, "BB_CHECKSUM:f" },
    { "yarp/hives_for_tests/TruncatedHiveBin", 0, "BB_SHORT:f" },
};

static void damaged_hives(int corpus)
{
    for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
        if (tu_is_fixture(damaged[i].path) == corpus)
            continue;
        size_t len;
        uint8_t *img = tu_read_input(damaged[i].path, &len);
        expect(damaged[i].path, img, len, damaged[i].flags, damaged[i].want);
        free(img);
    }
    /* Hives with many problems: the listed code is there and fatal. */
    static const struct {
        const char *path, *code;
    } fatal[] = {
        { "EricZimmerman-Registry/Registry.Test/Hives/SAMBadHBinHeader",
          "BIN_SIGNATURE" },
        { "yarp/hives_for_tests/BadBaseBlockHive/BadBaseBlockHive",
          "BB_VERSION" },
        { "fixtures/hives/yarp/TruncatedHive.xz", "BB_TRUNCATED" },
        { "yarp/hives_for_tests/TruncatedDirtyHive", "BB_TRUNCATED" },
        { "yarp/hives_for_tests/OldLogWithRemnantData", "BB_TYPE" },
        { "regipy/regipy_tests/data/corrupted_system_hive.xz",
          "BIN_SIGNATURE" },
    };
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        if (tu_is_fixture(fatal[i].path) == corpus)
            continue;
        size_t len;
        uint8_t *img = tu_read_input(fatal[i].path, &len);
        struct got g;
        struct regf_check_stats st;
        run(img, len, 0, &g, &st);
        unsigned k = 0;
        for (unsigned j = 0; j < g.n; j++)
            if (strcmp(g.it[j].code, fatal[i].code) == 0) {
                k++;
                assert_int_equal(g.it[j].severity, FATAL);
            }
        if (!k)
            dump(fatal[i].path, &g);
        assert_true(k > 0);
        assert_true(st.severity[FATAL] > 0);
        free(img);
    }
}

static void test_damaged(void **state)
{
    (void)state;
    damaged_hives(0);
    /* WrongOrderHive in detail: paths, cells, messages */
    size_t len;
    uint8_t *img = tu_read_input("fixtures/hives/yarp/WrongOrderHive.xz", &len);
    struct got g;
    struct regf_check_stats st;
    run(img, len, 0, &g, &st);
    assert_int_equal(g.total, 2);
    assert_int_equal(st.severity[HEAL], 2);
    assert_string_equal(g.it[0].path, "\\1");
    assert_int_equal(g.it[0].cell, 0x370);
    assert_string_equal(g.it[0].msg, "subkey '1' (0x370) after '2' (0x3c8)");
    assert_string_equal(g.it[1].path, "\\2");
    assert_string_equal(g.it[1].msg,
                        "subkey '\xd0\xb2' (0x5e8) after '\xd0\xb3' (0x640)");
    assert_int_equal(st.keys, 11);
    assert_int_equal(st.minor, 3);
    free(img);
}

static void test_damaged_corpus(void **state)
{
    (void)state;
    damaged_hives(1);
}

/* ---- (c) severities that depend on the place --------------------------- */

static void w16(struct mkhive *mk, uint32_t cell, uint32_t field, uint16_t v)
{
    mk_w16(mk, cell + 4 + field, v);
}

static void w32(struct mkhive *mk, uint32_t cell, uint32_t field, uint32_t v)
{
    mk_w32(mk, cell + 4 + field, v);
}

/* ROOT with subkeys A, B (compressed names), one sk. */
static struct mkhive *small(uint32_t *a, uint32_t *b)
{
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "ROOT");
    uint32_t k[2] = { mk_nk(mk, "A", root), mk_nk(mk, "B", root) };
    mk_subkeys(mk, root, mk_list(mk, "lh", k, 2), 2);
    w16(mk, root, 52, 2);
    *a = k[0];
    *b = k[1];
    mk_finish(mk, NULL);
    return mk;
}

static void test_place(void **state)
{
    (void)state;
    uint32_t a, b;
    size_t len;
    struct mkhive *mk = small(&a, &b);
    const uint8_t *img = mk_finish(mk, &len);
    expect("small", img, len, STRICT, "");

    /* a backslash in a name: the key is unlinked (heal; its hash is
     * wrong too); the root cannot be, so the hive is refused */
    mk_rec(mk, b)[76] = '\\';
    expect("backslash in B", img, len, 0, "NK_NAME_CHAR:h LH_HASH:h");
    mk_rec(mk, b)[76] = 'B';
    mk_rec(mk, mk->root)[77] = '\\';
    expect("backslash in ROOT", img, len, 0, "NK_NAME_CHAR:f");
    mk_rec(mk, mk->root)[77] = 'O';

    /* root flags: 0x02 is cleared (heal), 0x40 fatal, a missing
     * NO_DELETE is a writer rule only */
    w16(mk, mk->root, 2, 0x2E);
    expect("root 0x2E", img, len, 0, "ROOT_FLAGS:h");
    w16(mk, mk->root, 2, 0x6C);
    expect("root 0x6C", img, len, 0, "ROOT_FLAGS:f");
    w16(mk, mk->root, 2, 0x24);
    expect("root 0x24", img, len, 0, "");
    expect("root 0x24 strict", img, len, STRICT, "ROOT_FLAGS:a");
    w16(mk, mk->root, 2, 0x2C);
    expect("root 0x2C", img, len, STRICT, "");

    /* a descriptor that is not self-relative: in the root's sk fatal, in
     * another member of the ring heal */
    uint8_t *sd = mk_rec(mk, mk->sk) + 20;
    sd[3] ^= 0x80;
    expect("root sk SD", img, len, 0, "SK_DESCRIPTOR:f");
    sd[3] ^= 0x80;
    mk_free(mk);

    mk = small(&a, &b);
    uint32_t sk2 = mk_sk(mk);
    w32(mk, mk->sk, 4, sk2);
    w32(mk, mk->sk, 8, sk2);
    w32(mk, sk2, 4, mk->sk);
    w32(mk, sk2, 8, mk->sk);
    w32(mk, b, 44, sk2);
    w32(mk, mk->sk, 12, 2);
    w32(mk, sk2, 12, 1);
    img = mk_finish(mk, &len);
    expect("two sk", img, len, STRICT, "");
    mk_rec(mk, sk2)[20 + 3] ^= 0x80;
    expect("second sk SD", img, len, 0, "SK_DESCRIPTOR:h");
    mk_rec(mk, sk2)[20 + 3] ^= 0x80;
    /* Security of B: an sk outside the ring (heal); of the root: not an sk
     * at all (fatal: nothing to start the ring from) */
    uint32_t lone = mk_sk(mk);
    w32(mk, lone, 12, 1);
    w32(mk, b, 44, lone);
    img = mk_finish(mk, &len);
    expect("B's sk not in ring", img, len, 0, "SK_NOT_IN_RING:h");
    expect("B's sk not in ring, strict", img, len, STRICT,
           "SK_NOT_IN_RING:h SK_UNUSED:a SK_REFCOUNT_HIGH:a CELL_LEAK:a");
    w32(mk, b, 44, sk2);
    w32(mk, mk->root, 44, a);
    expect("root's Security is a key", img, len, 0, "SK_CELL:f");
    mk_free(mk);
}

/* ---- (d) the API --------------------------------------------------------- */

static int stop_at(void *ctx, const struct regf_problem *p)
{
    (void)p;
    int *calls = ctx;
    return ++*calls == 3 ? 42 : 0;
}

static void test_api(void **state)
{
    (void)state;
    struct regf_check_stats st;
    /* 1013 wrong hashes */
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "ROOT");
    uint32_t *k = malloc(1013 * sizeof *k);
    assert_non_null(k);
    for (uint32_t j = 0; j < 1013; j++) {
        char name[16];
        snprintf(name, sizeof name, "k%05u", j);
        k[j] = mk_nk(mk, name, root);
    }
    uint32_t l = mk_list(mk, "lh", k, 1013);
    for (uint32_t j = 0; j < 1013; j++)
        w32(mk, l, 8 + 8 * j, 0);
    mk_subkeys(mk, root, l, 1013);
    w16(mk, root, 52, 12);
    free(k);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);

    /* no callback: counts only */
    assert_int_equal(regf_check_image(img, len, 0, NULL, NULL, &st), REGF_OK);
    assert_int_equal(st.problems, 1013);
    assert_int_equal(st.severity[HEAL], 1013);
    assert_int_equal(st.keys, 1014);
    assert_int_equal(st.sks, 1);
    assert_true(st.bins > 1);
    assert_int_equal(st.minor, 5);
    assert_int_equal(regf_check_image(img, len, 0, NULL, NULL, NULL),
                     REGF_OK);
    /* a nonzero callback result stops the check and is returned */
    int calls = 0;
    assert_int_equal(regf_check_image(img, len, 0, stop_at, &calls, &st), 42);
    assert_int_equal(calls, 3);
    assert_int_equal(st.problems, 3);
    /* the problems: root path, the leaf's cell */
    struct got g;
    run(img, len, 0, &g, &st);
    assert_string_equal(g.it[0].code, "LH_HASH");
    assert_string_equal(g.it[0].path, "\\");
    assert_int_equal(g.it[0].cell, l);
    assert_non_null(strstr(g.it[0].msg, "'k00000'"));
    mk_free(mk);

    /* bad arguments, empty and tiny images */
    assert_int_equal(regf_check_image(NULL, 10, 0, NULL, NULL, &st),
                     REGF_EINVAL);
    expect("empty", (const uint8_t *)"", 0, 0, "BB_SHORT:f");
    static const uint8_t regf[4] = { 'r', 'e', 'g', 'f' };
    expect("4 bytes", regf, 4, STRICT, "BB_SHORT:f");
    run(regf, 4, 0, &g, &st);
    assert_int_equal(g.it[0].cell, REGF_NOCELL);
    assert_string_equal(g.it[0].path, "");

    /* a path with a UTF-16 and a control-character name */
    mk = mk_new(5);
    root = mk_root(mk, "ROOT");
    static const uint16_t privet[6] = { 0x041F, 0x0440, 0x0438,
                                        0x0432, 0x0435, 0x0442 };
    uint32_t u = mk_nk_utf16(mk, privet, 6, root);
    uint32_t c = mk_nk(mk, "x\x01y", u);
    mk_subkeys(mk, root, mk_list(mk, "lh", &u, 1), 1);
    mk_subkeys(mk, u, mk_list(mk, "lh", &c, 1), 1);
    w16(mk, root, 52, 12);
    w16(mk, u, 52, 6);
    uint32_t d = mk_nk(mk, "d", c);
    mk_subkeys(mk, c, mk_list(mk, "lh", &d, 1), 1);
    w16(mk, c, 52, 2);
    w32(mk, d, 16, root);                  /* wrong Parent */
    img = mk_finish(mk, &len);
    run(img, len, 0, &g, &st);
    assert_int_equal(g.total, 1);
    assert_string_equal(g.it[0].code, "NK_PARENT");
    assert_string_equal(g.it[0].path,
                        "\\\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
                        "\\x\\x01y\\d");
    assert_int_equal(g.it[0].cell, d);
    mk_free(mk);
}

/* ---- (e) every file of the corpus ---------------------------------------- */

struct sweep {
    unsigned files, checked_clean, refused, problems;
};

static int seen_before(const struct got *g, unsigned i)
{
    for (unsigned j = 0; j < i; j++)
        if (strcmp(g->it[j].code, g->it[i].code) == 0 &&
            g->it[j].cell == g->it[i].cell &&
            strcmp(g->it[j].msg, g->it[i].msg) == 0 &&
            strcmp(g->it[j].path, g->it[i].path) == 0)
            return 1;
    return 0;
}

static int visit(void *ctx, regf_hive *h, regf_key key, const char *path,
                 size_t plen, unsigned depth)
{
    (void)path;
    (void)plen;
    (void)depth;
    struct regf_key_info ki;
    int rc = regf_key_info(h, key, &ki);
    if (rc != REGF_OK)
        return rc;
    for (uint32_t i = 0; i < ki.nvalues; i++) {
        regf_val v;
        size_t need;
        if ((rc = regf_value_at(h, key, i, &v)) != REGF_OK ||
            (rc = regf_value_data(h, v, NULL, NULL, 0, &need)) != REGF_OK)
            return rc;
    }
    (void)ctx;
    return 0;
}

static void check_file(struct sweep *s, const char *path)
{
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    struct got *g = malloc(sizeof *g);
    assert_non_null(g);
    struct regf_check_stats st;
    for (unsigned strict = 0; strict <= STRICT; strict += STRICT) {
        run(img, len, DIRTY | strict, g, &st);
        for (unsigned i = 0; i < g->n; i++)
            if (seen_before(g, i)) {
                dump(path, g);
                fail_msg("%s: problem %u reported twice", path, i);
            }
    }
    run(img, len, DIRTY, g, &st);
    s->files++;
    s->problems += g->total;
    regf_hive *h = NULL;
    int rc = regf_open_mem(img, len, path, 0, &h);
    if (rc != REGF_OK) {
        /* the reader refuses only what Windows refuses */
        s->refused++;
        if (st.severity[FATAL] == 0) {
            dump(path, g);
            fail_msg("%s: regf_open: %s, but no fatal problem", path,
                     regf_errmsg(h));
        }
    } else if (g->total == 0) {
        /* a hive the check passes is read completely */
        s->checked_clean++;
        rc = regf_walk(h, 0, visit, NULL);
        if (rc != REGF_OK)
            fail_msg("%s: passes the check, but the walk fails: %s", path,
                     regf_errmsg(h));
    }
    regf_close(h);
    free(g);
    free(img);
}

static void sweep_dir(struct sweep *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        assert_non_null(p);
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                sweep_dir(s, p);
            else if (S_ISREG(sb.st_mode) && sb.st_size < (64 << 20))
                check_file(s, p);
        }
        free(p);
    }
    closedir(d);
}

static void test_corpus_sweep(void **state)
{
    (void)state;
    struct sweep s = { 0, 0, 0, 0 };
    double t0 = tu_now();
    sweep_dir(&s, HIVEKIT_CORPUS);
    sweep_dir(&s, HIVEKIT_CORPUS_XZ);
    print_message("  %u files: %u pass the check and read completely, %u "
                  "refused by the reader (all with a fatal problem), %u "
                  "problems; %.2f s\n", s.files, s.checked_clean, s.refused,
                  s.problems, tu_now() - t0);
    assert_true(s.files > 100);
    assert_true(s.checked_clean > 60);
}

/* The same on the hives of fixtures/ (and their decompressed copies). */
static void test_fixtures_sweep(void **state)
{
    (void)state;
    struct sweep s = { 0, 0, 0, 0 };
    sweep_dir(&s, HIVEKIT_FIXTURES "/hives");
    sweep_dir(&s, HIVEKIT_FIXTURES_XZ "/hives");
    print_message("  %u files: %u pass the check and read completely, %u "
                  "refused by the reader\n", s.files, s.checked_clean,
                  s.refused);
    assert_true(s.files > 20);
    assert_true(s.checked_clean > 5);
}

/* ---- (f) time ------------------------------------------------------------ */

static void test_time(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img =
        tu_read_input("regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", &len);
    struct regf_check_stats st;
    double best = 1e9;
    for (int i = 0; i < 5; i++) {
        double t0 = tu_now();
        assert_int_equal(regf_check_image(img, len, STRICT | DIRTY, NULL,
                                          NULL, &st), REGF_OK);
        double t = tu_now() - t0;
        if (t < best)
            best = t;
    }
    assert_int_equal(st.problems, 0);
    assert_int_equal(st.keys, 43211);
    print_message("  SYSTEM_WIN_10_1709 (%.1f MB, %lu keys, %lu values, %lu "
                  "cells): strict check %.1f ms\n", len / 1e6, st.keys,
                  st.values, st.cells_used + st.cells_free, best * 1e3);
    assert_true(best < 1.0);
    free(img);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_place),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_fixtures_sweep),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_damaged_corpus),
        cmocka_unit_test(test_corpus_sweep),
        cmocka_unit_test(test_time),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
