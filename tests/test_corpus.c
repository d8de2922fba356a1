/* test_corpus.c - reading real hives: the copies in fixtures/ (core group)
 * and the rest of ../shared/corpus (corpus group, see TU_MAIN).
 *
 *  - every readable hive walks completely, with the key count that three
 *    independent readers (hivexml, regfexport, reglookup) report in
 *    corpus/SOURCES.md;
 *  - the content equals, value by value (type and bytes), the golden files
 *    that python3-hivex produced (fixtures/golden, see its README);
 *  - lookups: deep paths in big ri lists, case-insensitive non-ASCII
 *    names, CurrentControlSet, Windows' sort order, dirty/clean state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "hivecheck.h"
#include "sha256.h"
#include "testutil.h"

/* Windows' depth limit, as the library enforces it. */
#define MAX_DEPTH 512

/* ---- key counts --------------------------------------------------------- */

struct counted {
    const char *path;
    unsigned long keys;
};

/* From corpus/SOURCES.md ("hivexml rc=0 keys=N"); the copies in fixtures/
 * are counted in the core group, the others in the corpus group. */
static const struct counted expected_keys[] = {
    { "DFIRArtifactMuseum/Windows/Registry/Win10/BBI", 287 },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/DEFAULT", 354 },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/LocalService/NTUSER.DAT", 613 },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/SAM", 80 },
    { "DFIRArtifactMuseum/Windows/Registry/Win10/SECURITY", 100 },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/BBI", 269 },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/BCD-Template", 145 },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/DEFAULT", 409 },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/ELAM", 2 },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/NTUSER.DAT", 3012 },
    { "DFIRArtifactMuseum/Windows/Registry/Win11/UsrClass.dat", 6119 },
    { "EricZimmerman-Registry/Registry.Test/Hives/Acronis_0x52_Usrclass.dat", 205 },
    { "EricZimmerman-Registry/Registry.Test/Hives/BCD", 66 },
    { "EricZimmerman-Registry/Registry.Test/Hives/NTUSER1.DAT", 595 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM", 68 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM_DUPENAME", 112 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM_RootValue", 65 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SAM_hasBigEndianDWord", 92 },
    { "EricZimmerman-Registry/Registry.Test/Hives/SECURITY", 242 },
    { "EricZimmerman-Registry/Registry.Test/Hives/UsrClassDeletedBags.dat", 37 },
    { "dfwinreg/test_data/NTUSER.DAT", 1597 },
    { "dfwinreg/test_data/SAM", 76 },
    { "dfwinreg/test_data/SECURITY", 101 },
    { "dfwinreg/test_data/UsrClass.dat", 7505 },
    { "fixtures/hives/SYSTEM-win10-20H2.xz", 33317 },
    { "fixtures/hives/minimal", 1 },
    { "hivex/images/rlenvalue_test_hive", 2 },
    { "fixtures/hives/special", 4 },
    { "python-registry/tests/reg_samples/REORGANIZED_VALUES_TESTS", 3 },
    { "fixtures/hives/UNICODE_TESTS", 3 },
    { "fixtures/hives/issue22.hive", 1 },
    { "regipy/regipy_tests/data/BCD", 132 },
    { "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", 43211 },
    { "fixtures/hives/yarp/BigDataHive.xz", 0 },
    { "fixtures/hives/yarp/ManySubkeysHive.xz", 5003 },
    { "yarp/hives_for_tests/InvalidParentHive", 5003 },
    { "yarp/hives_for_tests/SlackHive", 5003 },
    { "fixtures/hives/yarp/OldDirtyHive/OldDirtyHive.xz", 5003 },
    { "fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz", 5 },
    { "fixtures/hives/yarp/NewDirtyHive1/RecoveredHive_Windows10.xz", 5 },
    { "yarp/hives_for_tests/EmptyHive", 1 },
    { "fixtures/hives/yarp/UnicodeHive.xz", 3 },
    { "fixtures/hives/yarp/UpcaseHive.xz", 4 },
    { "fixtures/hives/yarp/PairHive.xz", 4 },
    { "fixtures/hives/yarp/WrongOrderHive.xz", 11 },
    { "fixtures/hives/yarp/TwoOwnersHive.xz", 3 },
    { "fixtures/hives/yarp/CompHive.xz", 4 },
    { "fixtures/hives/yarp/MultiSzHive.xz", 2 },
    { "fixtures/hives/yarp/StringValuesHive.xz", 2 },
    { "fixtures/hives/OffHive", 1 },
};

static int count_cb(void *ctx, regf_hive *h, regf_key key, const char *path,
                    size_t plen, unsigned depth)
{
    (void)h; (void)key; (void)path; (void)plen; (void)depth;
    (*(unsigned long *)ctx)++;
    return 0;
}

static void key_counts(int corpus)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof expected_keys / sizeof *expected_keys; i++) {
        const struct counted *c = &expected_keys[i];
        if (c->keys == 0 || tu_is_fixture(c->path) == corpus)
            continue;   /* count not listed, or the other group's */
        char *p = tu_input(c->path);
        regf_hive *h = tu_open(p);
        unsigned long n = 0;
        int rc = regf_walk(h, 0, count_cb, &n);
        if (rc != REGF_OK || n != c->keys) {
            print_error("%s: walk rc %d (%s), %lu keys, expected %lu\n",
                        c->path, rc, regf_errmsg(h), n, c->keys);
            bad++;
        }
        regf_close(h);
        free(p);
    }
    assert_int_equal(bad, 0);
}

TU_GROUP_PAIR(key_counts)

/* ---- golden content ----------------------------------------------------- */

static void text_str(struct tu_buf *t, const char *s)
{
    tu_buf_add(t, s, strlen(s));
}

/* The escaping of fixtures/golden/README.md. */
static void escape(struct tu_buf *t, const char *s, size_t n, int value_name)
{
    char esc[4];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '%' || c == '\\' || c == 0x7F ||
            (value_name && c == '@')) {
            snprintf(esc, sizeof esc, "%%%02X", c);
            tu_buf_add(t, esc, 3);
        } else {
            tu_buf_add(t, (const char *)&c, 1);
        }
    }
}

struct dump {
    struct tu_buf out;
    struct tu_buf path[MAX_DEPTH + 1];
    uint8_t *data;
    size_t cap;
};

static int dump_cb(void *ctx, regf_hive *h, regf_key key, const char *path,
                   size_t plen, unsigned depth)
{
    struct dump *d = ctx;
    (void)path; (void)plen;
    struct tu_buf *p = &d->path[depth];
    p->len = 0;
    if (depth > 0) {
        size_t need;
        assert_int_equal(regf_key_name(h, key, NULL, 0, &need), REGF_OK);
        char *name = malloc(need + 1);
        assert_non_null(name);
        regf_key_name(h, key, name, need + 1, NULL);
        if (depth > 1)
            tu_buf_add(p, d->path[depth - 1].p, d->path[depth - 1].len);
        text_str(p, "\\");
        escape(p, name, need, 0);
        free(name);
    } else {
        text_str(p, "\\");
        p->len = 0;
    }
    text_str(&d->out, "K ");
    if (depth == 0)
        text_str(&d->out, "\\");
    else
        tu_buf_add(&d->out, p->p, p->len);
    text_str(&d->out, "\n");

    struct regf_key_info ki;
    assert_int_equal(regf_key_info(h, key, &ki), REGF_OK);
    for (uint32_t i = 0; i < ki.nvalues; i++) {
        regf_val v;
        size_t need, n;
        uint32_t type;
        char line[128];
        assert_int_equal(regf_value_at(h, key, i, &v), REGF_OK);
        assert_int_equal(regf_value_name(h, v, NULL, 0, &need), REGF_OK);
        char *name = malloc(need + 1);
        assert_non_null(name);
        regf_value_name(h, v, name, need + 1, NULL);
        text_str(&d->out, "V ");
        if (need == 0)
            text_str(&d->out, "@");
        else
            escape(&d->out, name, need, 1);
        free(name);
        assert_int_equal(regf_value_data(h, v, &type, d->data, d->cap, &n),
                         REGF_OK);
        if (n > d->cap) {
            d->data = realloc(d->data, n);
            assert_non_null(d->data);
            d->cap = n;
            assert_int_equal(regf_value_data(h, v, &type, d->data, d->cap,
                                             &n), REGF_OK);
        }
        snprintf(line, sizeof line, " %u %zu ", type, n);
        text_str(&d->out, line);
        if (n == 0) {
            text_str(&d->out, "-");
        } else if (n <= 32) {
            for (size_t k = 0; k < n; k++) {
                snprintf(line, sizeof line, "%02x", d->data[k]);
                text_str(&d->out, line);
            }
        } else {
            unsigned char md[32];
            hk_sha256(d->data, n, md);
            text_str(&d->out, "sha256:");
            for (size_t k = 0; k < 32; k++) {
                snprintf(line, sizeof line, "%02x", md[k]);
                text_str(&d->out, line);
            }
        }
        text_str(&d->out, "\n");
    }
    return 0;
}

/* Reads a golden file, decompressing .xz with the xz tool. */
static char *read_golden(const char *path)
{
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".xz") == 0) {
        char cmd[4200];
        int c = snprintf(cmd, sizeof cmd, "xz -dc '%s'", path);
        assert_true(c > 0 && (size_t)c < sizeof cmd);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        struct tu_buf t = { NULL, 0, 0 };
        char buf[65536];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0)
            tu_buf_add(&t, buf, k);
        assert_int_equal(pclose(f), 0);
        return t.p;
    }
    size_t len;
    char *p = (char *)tu_read_file(path, &len);
    p = realloc(p, len + 1);
    p[len] = '\0';
    return p;
}

/* Exports H and imports the text into a new hive of the same version,
 * committed to a temporary file that passes the strict checker; returns
 * the re-opened copy, or NULL after printing why not. */
static regf_hive *rebuild(regf_hive *h, const char *rel)
{
    struct regf_info in;
    struct tu_buf text = { NULL, 0, 0 };
    regf_get_info(h, &in);
    if (regf_export_reg(h, 0, "HKEY_LOCAL_MACHINE\\X", 0, tu_buf_write,
                        &text) != REGF_OK) {
        print_error("%s: export: %s\n", rel, regf_errmsg(h));
        return NULL;
    }
    char *path = tu_tmp_file("rebuild", "hive");
    regf_hive *n;
    assert_int_equal(regf_create(path, in.minor, &n), REGF_OK);
    regf_set_time(n, 132000000000000000ULL);
    int rc = regf_import_reg(n, text.p, text.len, "HKEY_LOCAL_MACHINE\\X");
    if (rc == REGF_OK)
        rc = regf_commit(n, path, REGF_COMMIT_NEW);
    if (rc != REGF_OK) {
        print_error("%s: import/commit: %s\n", rel, regf_errmsg(n));
        regf_close(n);
        tu_buf_free(&text);
        tu_rm_tmp_file(path);
        return NULL;
    }
    regf_close(n);
    tu_buf_free(&text);
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    struct hc_report rep;
    unsigned problems = (unsigned)hc_check(img, len, HC_STRICT_WRITER, &rep);
    if (problems) {
        print_error("%s: the rebuilt hive has %u problems:\n", rel, problems);
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    free(img);
    n = problems ? NULL : tu_open(path);
    tu_rm_tmp_file(path);
    return n;
}

/* Compares one golden file; returns 0 when equal, -1 when its hive is the
 * other group's (CORPUS: the golden files of corpus hives without a copy in
 * fixtures/; else those of the copies). With REBUILT, the hive compared is
 * the one rebuilt from the export (export, new, import). */
static int check_golden(const char *gpath, int rebuilt, int corpus)
{
    char *golden = read_golden(gpath);
    const char *src = strstr(golden, "# source: ");
    assert_non_null(src);
    src += 10;
    const char *eol = strchr(src, '\n');
    char rel[1024];
    snprintf(rel, sizeof rel, "%.*s", (int)(eol - src), src);
    /* Skip the comment header. */
    const char *body = golden;
    while (*body == '#') {
        body = strchr(body, '\n');
        assert_non_null(body);
        body++;
    }

    char *copy = tu_fixture_copy(rel);
    if ((copy != NULL) == corpus) {
        free(copy);
        free(golden);
        return -1;
    }
    char *hp = copy ? tu_input(copy) : tu_corpus(rel);
    free(copy);
    regf_hive *h = tu_open(hp);
    if (rebuilt) {
        /* Stored unsorted or duplicate subkeys cannot survive a rebuild:
         * the writer sorts and merges, as it must; names with line breaks
         * cannot be written to a .reg file at all (export refuses them,
         * tested in test_export). */
        if (strstr(rel, "WrongOrderHive") || strstr(rel, "DuplicateSubkeys") ||
            strstr(rel, "BogusKeyNamesHive")) {
            regf_close(h);
            free(hp);
            free(golden);
            return 0;
        }
        regf_hive *r = rebuild(h, rel);
        regf_close(h);
        if (!r) {
            free(hp);
            free(golden);
            return 1;
        }
        h = r;
    }
    struct dump *d = calloc(1, sizeof *d);
    assert_non_null(d);
    int rc = regf_walk(h, 0, dump_cb, d);
    int bad = 0;
    if (rc != REGF_OK) {
        print_error("%s: walk failed: %s\n", rel, regf_errmsg(h));
        bad = 1;
    } else if (strcmp(d->out.p, body) != 0) {
        const char *a = d->out.p, *b = body;
        unsigned line = 1;
        while (*a && *a == *b) {
            if (*a == '\n')
                line++;
            a++, b++;
        }
        const char *la = a, *lb = b;
        while (la > d->out.p && la[-1] != '\n') la--;
        while (lb > body && lb[-1] != '\n') lb--;
        print_error("%s: content differs from %s at body line %u:\n"
                    "  hivekit: %.*s\n  golden:  %.*s\n", rel, gpath, line,
                    (int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb);
        bad = 1;
    }
    for (unsigned i = 0; i <= MAX_DEPTH; i++)
        free(d->path[i].p);
    free(d->out.p);
    free(d->data);
    free(d);
    regf_close(h);
    free(hp);
    free(golden);
    return bad;
}

static void golden_all(int rebuilt, int corpus)
{
    char *dir = tu_fixture("golden");
    int files = 0, bad = 0;
    for (int xz = 0; xz < 2; xz++) {           /* *.golden, *.golden.xz */
        size_t n;
        char **list = tu_list_files(dir, xz ? ".golden.xz" : ".golden", &n);
        for (size_t i = 0; i < n; i++) {
            int rc = check_golden(list[i], rebuilt, corpus);
            if (rc >= 0) {
                bad += rc;
                files++;
            }
        }
        tu_free_list(list, n);
    }
    free(dir);
    print_message("compared %d golden files of %s hives%s, %d differ\n",
                  files, corpus ? "corpus" : "fixtures/",
                  rebuilt ? " after export, new, import" : "", bad);
    assert_true(files >= (corpus ? 40 : 15));
    assert_int_equal(bad, 0);
}

static void test_golden_content(void **state)
{
    (void)state;
    golden_all(0, 0);
}

static void test_golden_content_corpus(void **state)
{
    (void)state;
    golden_all(0, 1);
}

/* Issue 3's round trip: every readable corpus hive, exported, imported
 * into a new hive of its version (which passes the strict checker), has
 * exactly the content of its golden file. */
static void test_golden_after_rebuild(void **state)
{
    (void)state;
    golden_all(1, 0);
}

static void test_golden_after_rebuild_corpus(void **state)
{
    (void)state;
    golden_all(1, 1);
}

/* ---- lookups and order --------------------------------------------------- */

static void expect_name(regf_hive *h, regf_key k, const char *want)
{
    char name[256];
    assert_int_equal(regf_key_name(h, k, name, sizeof name, NULL), REGF_OK);
    assert_string_equal(name, want);
}

static void test_lookup_many_subkeys(void **state)
{
    (void)state;
    /* 5000 subkeys as ri -> 9 li leaves in a 1.3 hive. */
    regf_hive *h = tu_open_input("fixtures/hives/yarp/ManySubkeysHive.xz");
    regf_key k, parent;
    assert_int_equal(regf_key_lookup(h, 0,
        "key_with_many_subkeys\\2119\\find_me", &k), REGF_OK);
    expect_name(h, k, "find_me");
    assert_int_equal(regf_key_lookup(h, 0, "\\KEY_WITH_MANY_SUBKEYS\\", &parent),
                     REGF_OK);
    /* Every child is found by name (binary search through the ri). */
    regf_iter it;
    regf_key c;
    unsigned n = 0;
    for (int rc = regf_subkey_first(h, parent, &it, &c); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &c), n++) {
        char name[64];
        regf_key found;
        regf_key_name(h, c, name, sizeof name, NULL);
        assert_int_equal(regf_key_child(h, parent, name, strlen(name), &found),
                         REGF_OK);
        assert_int_equal(found, c);
    }
    assert_int_equal(n, 5000);
    assert_int_equal(regf_key_child(h, parent, "5000", 4, &c), REGF_OK);
    assert_int_equal(regf_key_child(h, parent, "5001", 4, &c), REGF_NOTFOUND);
    assert_int_equal(regf_key_child(h, parent, "0", 1, &c), REGF_NOTFOUND);
    assert_int_equal(regf_key_child(h, parent, "", 0, &c), REGF_NOTFOUND);
    assert_int_equal(regf_key_lookup(h, 0, "key_with_many_subkeys\\99999", &c),
                     REGF_NOTFOUND);
    assert_non_null(strstr(regf_errmsg(h), "has no subkey '99999'"));
    regf_close(h);
}

static void test_lookup_unicode(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input("fixtures/hives/yarp/UnicodeHive.xz");
    regf_key k;
    /* "Привет\Ключ" looked up in other case. */
    assert_int_equal(regf_key_lookup(h, 0, "\xD0\xBF\xD0\xA0\xD0\x98\xD0\x92"
        "\xD0\x95\xD0\xA2\\\xD0\xBA\xD0\x9B\xD0\xAE\xD0\xA7", &k), REGF_OK);
    expect_name(h, k, "\xD0\x9A\xD0\xBB\xD1\x8E\xD1\x87");
    regf_close(h);

    h = tu_open_input("fixtures/hives/yarp/ExtendedASCIIHive.xz");
    regf_key root;
    regf_iter it;
    regf_root(h, &root);
    assert_int_equal(regf_subkey_first(h, root, &it, &k), REGF_OK);
    expect_name(h, k, "\xC3\xAB" "igenaardig");     /* Latin-1 name */
    assert_int_equal(regf_key_lookup(h, 0, "\xC3\x8B" "IGENAARDIG", &k),
                     REGF_OK);
    regf_close(h);
}

static void test_upcase_order(void **state)
{
    (void)state;
    /* Stored order ss1, SS3, ß2: ß is not upcased so it sorts after S. */
    regf_hive *h = tu_open_input("fixtures/hives/yarp/UpcaseHive.xz");
    regf_key k, parent;
    regf_iter it;
    regf_root(h, &parent);
    const char *want[] = { "ss1", "SS3", ("\xC3\x9F" "2") };
    int i = 0;
    for (int rc = regf_subkey_first(h, parent, &it, &k); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &k))
        expect_name(h, k, want[i++]);
    assert_int_equal(i, 3);
    for (i = 0; i < 3; i++) {
        regf_key f;
        assert_int_equal(regf_key_child(h, parent, want[i], strlen(want[i]),
                                        &f), REGF_OK);
    }
    /* "SS2" is not "ß2" for Windows. */
    assert_int_equal(regf_key_child(h, parent, "SS2", 3, &k), REGF_NOTFOUND);
    regf_close(h);
}

static void test_wrong_order_still_found(void **state)
{
    (void)state;
    /* Unsorted lists: the binary search misses, the fallback scan finds. */
    regf_hive *h = tu_open_input("fixtures/hives/yarp/WrongOrderHive.xz");
    unsigned long n = 0;
    assert_int_equal(regf_walk(h, 0, count_cb, &n), REGF_OK);
    regf_key root, k;
    regf_iter it;
    regf_root(h, &root);
    int found = 0;
    for (int rc = regf_subkey_first(h, root, &it, &k); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &k)) {
        regf_iter it2;
        regf_key c;
        for (int r2 = regf_subkey_first(h, k, &it2, &c); r2 == REGF_OK;
             r2 = regf_subkey_next(h, &it2, &c)) {
            char name[64];
            regf_key f;
            regf_key_name(h, c, name, sizeof name, NULL);
            assert_int_equal(regf_key_child(h, k, name, strlen(name), &f),
                             REGF_OK);
            assert_int_equal(f, c);
            found++;
        }
    }
    assert_true(found >= 4);
    regf_close(h);
}

static void test_current_control_set(void **state)
{
    (void)state;
    regf_hive *h = tu_open_input("fixtures/hives/SYSTEM-win10-20H2.xz");
    regf_key a, b;
    assert_int_equal(regf_key_lookup(h, 0, "CurrentControlSet\\Services\\disk",
                                     &a), REGF_OK);
    assert_int_equal(regf_key_lookup(h, 0, "ControlSet001\\Services\\Disk", &b),
                     REGF_OK);
    assert_int_equal(a, b);
    assert_int_equal(regf_key_lookup(h, 0, "currentcontrolset", &a), REGF_OK);
    /* Only at the root. */
    assert_int_equal(regf_key_lookup(h, 0, "Select\\CurrentControlSet", &a),
                     REGF_NOTFOUND);
    regf_val v;
    uint32_t type, cur;
    size_t n;
    regf_key sel;
    assert_int_equal(regf_key_lookup(h, 0, "select", &sel), REGF_OK);
    assert_int_equal(regf_value_lookup(h, sel, "CURRENT", &v), REGF_OK);
    assert_int_equal(regf_value_data(h, v, &type, &cur, 4, &n), REGF_OK);
    assert_int_equal(type, REGF_DWORD);
    assert_int_equal(n, 4);
    regf_close(h);

    /* No Select key: a clear NOTFOUND. */
    h = tu_open_input("fixtures/hives/minimal");
    assert_int_equal(regf_key_lookup(h, 0, "CurrentControlSet", &a),
                     REGF_NOTFOUND);
    assert_non_null(strstr(regf_errmsg(h), "Select\\Current"));
    regf_close(h);
}

static void test_state(void **state)
{
    (void)state;
    struct regf_info in;
    regf_hive *h =
        tu_open_input("fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz");
    regf_get_info(h, &in);
    assert_true(in.dirty);
    assert_true(in.checksum_ok);
    assert_int_equal(in.seq1, 3);
    assert_int_equal(in.seq2, 2);
    assert_int_equal(in.minor, 3);
    regf_close(h);
}

static void test_state_corpus(void **state)
{
    (void)state;
    struct regf_info in;
    regf_hive *h =
        tu_open_input("EricZimmerman-Registry/Registry.Test/Hives/SAN(OTHER)");
    regf_get_info(h, &in);
    assert_true(in.dirty);
    assert_false(in.checksum_ok);
    regf_close(h);

    h = tu_open_input("DFIRArtifactMuseum/Windows/Registry/Win10/SAM");
    regf_get_info(h, &in);
    assert_false(in.dirty);
    assert_int_equal(in.seq1, 34);

    struct regf_log logs[4];
    size_t nlogs;
    char *p = tu_corpus("DFIRArtifactMuseum/Windows/Registry/Win10/SAM");
    assert_int_equal(regf_find_logs(p, logs, 4, &nlogs), REGF_OK);
    assert_int_equal(nlogs, 2);
    assert_non_null(strstr(logs[0].path, "SAM.LOG1"));
    assert_true(logs[0].header_ok);
    assert_int_equal(logs[0].type, 6);
    assert_int_equal(logs[0].seq1, 32);
    free(p);
    regf_close(h);

    /* Lower-case log names are found too. */
    p = tu_corpus("DFIRArtifactMuseum/Windows/Registry/Win11/NTUSER.DAT");
    assert_int_equal(regf_find_logs(p, logs, 4, &nlogs), REGF_OK);
    assert_int_equal(nlogs, 2);
    free(p);
}

static void test_big_data(void **state)
{
    (void)state;
    /* 1.5 hive: db values of 16345 (2 segments) and 81725 bytes. */
    regf_hive *h = tu_open_input("fixtures/hives/yarp/BigDataHive.xz");
    regf_key root, k;
    regf_iter it;
    regf_root(h, &root);
    assert_int_equal(regf_subkey_first(h, root, &it, &k), REGF_OK);
    struct regf_key_info ki;
    regf_key_info(h, k, &ki);
    int big = 0;
    for (uint32_t i = 0; i < ki.nvalues; i++) {
        regf_val v;
        struct regf_value_info vi;
        assert_int_equal(regf_value_at(h, k, i, &v), REGF_OK);
        assert_int_equal(regf_value_info(h, v, &vi), REGF_OK);
        if (vi.size > 16344) {
            assert_true(vi.big_data);
            big++;
            uint8_t *buf = malloc(vi.size);
            size_t n;
            assert_int_equal(regf_value_data(h, v, NULL, buf, vi.size, &n),
                             REGF_OK);
            assert_int_equal(n, vi.size);
            free(buf);
        }
    }
    assert_int_equal(big, 2);
    regf_close(h);
}

static void test_big_data_corpus(void **state)
{
    (void)state;
    /* 1.3 hive: a value > 16344 bytes in one cell, not db. */
    regf_hive *h = tu_open_input("regipy/regipy_tests/data/NTUSER.DAT");
    unsigned long n = 0;
    assert_int_equal(regf_walk(h, 0, count_cb, &n), REGF_OK);
    regf_close(h);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_key_counts),
        cmocka_unit_test(test_golden_content),
        cmocka_unit_test(test_golden_after_rebuild),
        cmocka_unit_test(test_lookup_many_subkeys),
        cmocka_unit_test(test_lookup_unicode),
        cmocka_unit_test(test_upcase_order),
        cmocka_unit_test(test_wrong_order_still_found),
        cmocka_unit_test(test_current_control_set),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_big_data),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_key_counts_corpus),
        cmocka_unit_test(test_golden_content_corpus),
        cmocka_unit_test(test_golden_after_rebuild_corpus),
        cmocka_unit_test(test_state_corpus),
        cmocka_unit_test(test_big_data_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
