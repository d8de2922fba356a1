/* testutil.c - helpers shared by the cmocka tests. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* ---- test groups -------------------------------------------------------- */

/* Zero while the core group runs: tu_corpus() then fails the case. */
static int corpus_allowed = 1;

int tu_have_corpus(void)
{
    struct stat st;
    return stat(HIVEKIT_CORPUS, &st) == 0 && S_ISDIR(st.st_mode);
}

int tu_main(int argc, char **argv, const char *name,
            const struct CMUnitTest *core, size_t ncore,
            const struct CMUnitTest *corpus, size_t ncorpus,
            CMFixtureFunction setup, CMFixtureFunction teardown)
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    const char *g = argc > 1 ? argv[1] : NULL;
    if (argc > 2 || (g && strcmp(g, "core") != 0 && strcmp(g, "corpus") != 0)) {
        fprintf(stderr, "usage: %s [core|corpus]\n", argv[0]);
        return 2;
    }
    int want_core = !g || strcmp(g, "core") == 0;
    int want_corpus = !g || strcmp(g, "corpus") == 0;
    if ((g && want_core && ncore == 0) || (g && want_corpus && ncorpus == 0)) {
        fprintf(stderr, "%s: no %s cases\n", base, g);
        return 2;
    }
    char group[256];
    int failed = 0;
    if (want_core && ncore) {
        corpus_allowed = 0;
        snprintf(group, sizeof group, "%s core", base);
        failed |= _cmocka_run_group_tests(group, core, ncore, setup, teardown);
        corpus_allowed = 1;
    }
    if (want_corpus && ncorpus) {
        if (!tu_have_corpus()) {
            printf("%s: corpus directory %s not found: %zu corpus case(s) "
                   "skipped (configure with -DHIVEKIT_CORPUS=DIR; default "
                   "../shared/corpus beside the source tree)\n", base,
                   HIVEKIT_CORPUS, ncorpus);
            return g ? TU_SKIP : failed != 0;
        }
        snprintf(group, sizeof group, "%s corpus", base);
        failed |= _cmocka_run_group_tests(group, corpus, ncorpus, setup,
                                          teardown);
    }
    return failed != 0;
}

/* ---- files and paths ---------------------------------------------------- */

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_error("cannot open %s\n", path);
        fail();
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *p = malloc(cap);
    assert_non_null(p);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap);
            assert_non_null(p);
        }
        size_t k = fread(p + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    *len = n;
    return p;
}

void tu_write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        print_error("cannot create %s\n", path);
        fail();
    }
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

void tu_copy_file(const char *src, const char *dst)
{
    size_t n;
    uint8_t *p = tu_read_file(src, &n);
    tu_write_file(dst, p, n);
    free(p);
}

static char *join(const char *a, const char *b, size_t blen)
{
    char *p = malloc(strlen(a) + blen + 2);
    assert_non_null(p);
    sprintf(p, "%s/%.*s", a, (int)blen, b);
    return p;
}

char *tu_path(const char *dir, const char *name)
{
    return join(dir, name, strlen(name));
}

static int ends_xz(const char *rel, size_t n)
{
    return n > 3 && strcmp(rel + n - 3, ".xz") == 0;
}

char *tu_corpus(const char *rel)
{
    if (!corpus_allowed)
        fail_msg("a core case reads the corpus file %s: move the case to "
                 "the corpus group (or its input to fixtures/)", rel);
    size_t n = strlen(rel);
    if (ends_xz(rel, n))
        return join(HIVEKIT_CORPUS_XZ, rel, n - 3);
    return join(HIVEKIT_CORPUS, rel, n);
}

char *tu_fixture(const char *rel)
{
    size_t n = strlen(rel);
    if (ends_xz(rel, n))
        return join(HIVEKIT_FIXTURES_XZ, rel, n - 3);
    return join(HIVEKIT_FIXTURES, rel, n);
}

int tu_is_fixture(const char *rel)
{
    return strncmp(rel, "fixtures/", 9) == 0;
}

char *tu_input(const char *rel)
{
    return tu_is_fixture(rel) ? tu_fixture(rel + 9) : tu_corpus(rel);
}

char *tu_fixture_copy(const char *rel)
{
    static const char *const copies[][2] = {
        { "hivex/images/minimal", "hives/minimal" },
        { "hivex/images/special", "hives/special" },
        { "python-registry/tests/reg_samples/UNICODE_TESTS",
          "hives/UNICODE_TESTS" },
        { "python-registry/tests/reg_samples/issue22.hive",
          "hives/issue22.hive" },
        { "yarp/hives_for_tests/OffHive", "hives/OffHive" },
        { "dissect.regf/tests/_data/SYSTEM.xz", "hives/SYSTEM-win10-20H2.xz" },
    };
    char buf[1024];
    const char *fix = NULL;
    for (size_t i = 0; !fix && i < sizeof copies / sizeof *copies; i++)
        if (strcmp(rel, copies[i][0]) == 0)
            fix = copies[i][1];
    static const char yarp[] = "yarp/hives_for_tests/";
    if (!fix && strncmp(rel, yarp, sizeof yarp - 1) == 0) {
        snprintf(buf, sizeof buf, "hives/yarp/%s.xz", rel + sizeof yarp - 1);
        fix = buf;
    } else if (!fix && strncmp(rel, "inf/", 4) == 0) {
        fix = rel;
    }
    if (!fix)
        return NULL;
    /* the file in fixtures/ itself, not its decompressed copy */
    char *src = tu_path(HIVEKIT_FIXTURES, fix);
    struct stat st;
    int have = stat(src, &st) == 0;
    free(src);
    if (!have)
        return NULL;
    char *r = malloc(strlen(fix) + 10);
    assert_non_null(r);
    sprintf(r, "fixtures/%s", fix);
    return r;
}

uint8_t *tu_read_input(const char *rel, size_t *len)
{
    char *p = tu_input(rel);
    uint8_t *img = tu_read_file(p, len);
    free(p);
    return img;
}

regf_hive *tu_open_input(const char *rel)
{
    char *p = tu_input(rel);
    regf_hive *h = tu_open(p);
    free(p);
    return h;
}

char *tu_tmp_dir(const char *tag)
{
    const char *t = getenv("TMPDIR");
    if (!t || !*t)
        t = "/tmp";
    char *p = malloc(strlen(t) + strlen(tag) + 32);
    assert_non_null(p);
    sprintf(p, "%s/hivekit-%s-XXXXXX", t, tag);
    assert_non_null(mkdtemp(p));
    return p;
}

static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char *p = tu_path(path, e->d_name);
                rm_tree(p);
                free(p);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

void tu_rm_dir(char *dir)
{
    if (!dir)
        return;
    rm_tree(dir);
    free(dir);
}

char *tu_tmp_file(const char *tag, const char *name)
{
    char *dir = tu_tmp_dir(tag);
    char *p = tu_path(dir, name);
    free(dir);
    return p;
}

void tu_rm_tmp_file(char *path)
{
    char *slash = strrchr(path, '/');
    assert_non_null(slash);
    *slash = '\0';
    rm_tree(path);
    free(path);
}

int tu_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **tu_list_files(const char *dir, const char *suffix, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        print_error("cannot open the directory %s\n", dir);
        fail();
    }
    size_t cap = 16, k = 0, sl = strlen(suffix);
    char **list = malloc(cap * sizeof *list);
    assert_non_null(list);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < sl ||
            strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        if (k == cap) {
            cap *= 2;
            list = realloc(list, cap * sizeof *list);
            assert_non_null(list);
        }
        list[k++] = tu_path(dir, e->d_name);
    }
    closedir(d);
    qsort(list, k, sizeof *list, cmp_str);
    *n = k;
    return list;
}

void tu_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* ---- hives -------------------------------------------------------------- */

regf_hive *tu_open(const char *path)
{
    regf_hive *h = NULL;
    int rc = regf_open(path, 0, &h);
    if (rc != REGF_OK) {
        print_error("regf_open(%s) = %d: %s\n", path, rc, regf_errmsg(h));
        regf_close(h);
        fail();
    }
    return h;
}

regf_hive *tu_new_hive(void)
{
    regf_hive *h = NULL;
    assert_int_equal(regf_create("test", 5, &h), REGF_OK);
    return h;
}

regf_key tu_mkkey(regf_hive *h, const char *path)
{
    regf_key k;
    assert_int_equal(regf_key_create_path(h, 0, path, &k), REGF_OK);
    return k;
}

void tu_set_sz(regf_hive *h, const char *key, const char *name,
               const char *s)
{
    assert_int_equal(regf_value_set_string(h, tu_mkkey(h, key), name,
                                           strlen(name), REGF_SZ, s,
                                           strlen(s)), REGF_OK);
}

void tu_set_dword(regf_hive *h, const char *key, const char *name,
                  uint32_t v)
{
    assert_int_equal(regf_value_set_dword(h, tu_mkkey(h, key), name,
                                          strlen(name), REGF_DWORD, v),
                     REGF_OK);
}

void tu_has_value(regf_hive *h, const char *key, const char *name,
                  uint32_t type, const void *data, size_t len)
{
    regf_key k;
    regf_val v;
    uint8_t buf[1024];
    size_t n;
    uint32_t t;
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK)
        fail_msg("missing key %s", key);
    if (regf_value_lookup(h, k, name, &v) != REGF_OK)
        fail_msg("missing value %s\\%s", key, name);
    assert_int_equal(regf_value_data(h, v, &t, buf, sizeof buf, &n), REGF_OK);
    if (t != type || n != len || (len && memcmp(buf, data, len) != 0))
        fail_msg("%s\\%s: type 0x%x, %zu bytes; want type 0x%x, %zu bytes "
                 "(or other bytes)", key, name, (unsigned)t, n,
                 (unsigned)type, len);
}

void tu_has_dword(regf_hive *h, const char *key, const char *name,
                  uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 24) };
    tu_has_value(h, key, name, REGF_DWORD, b, 4);
}

int tu_cmp_units(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    for (size_t i = 0; i < na && i < nb; i++) {
        uint16_t x = regf_upcase(a[i]), y = regf_upcase(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return na < nb ? -1 : na > nb;
}

int tu_buf_write(void *ctx, const void *data, size_t len)
{
    struct tu_buf *b = ctx;
    if (!b->p || b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        char *p = realloc(b->p, cap + 1);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

void tu_buf_add(struct tu_buf *b, const void *data, size_t len)
{
    assert_int_equal(tu_buf_write(b, data, len), 0);
}

void tu_buf_free(struct tu_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- time and pseudo-random numbers ------------------------------------- */

double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

uint64_t tu_xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

uint32_t tu_xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

uint64_t tu_xorshift64star(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}
