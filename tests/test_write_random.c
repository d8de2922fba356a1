/* test_write_random.c - seeded random edit sequences checked against an
 * in-memory model.
 *
 * The model is a tree of keys (names compared case-insensitively with
 * regf_upcase, kept in the order Windows sorts them) holding values in
 * stored order (name -> type, bytes). Each scenario applies thousands of
 * random operations to a hive and to the model - create key (with
 * non-ASCII names, and case variants of existing names, which must give
 * REGF_EEXIST), delete subtree, set value (sizes around every storage
 * boundary: inline, one cell, 16344/16345, big data), delete value - and
 * every so often commits, re-opens, runs the structural checker
 * (hivecheck: the library's own regf_check_image, strict writer rules) on
 * the file and compares the whole hive with the model. The model, not the
 * checker, is the oracle here: it follows from the operations alone (it
 * borrows only regf_upcase, for the order of names).
 *
 * The seed is printed at the start of each scenario and in every failure
 * message; HIVEKIT_SEED=N reruns a sequence, HIVEKIT_STEPS=N changes the
 * number of operations of the main scenarios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hivecheck.h"
#include "testutil.h"

#define NIL 0xFFFFFFFFu
#define T0 0x01D9A1B2C3D4E5F0ull

/* ---- seed, PRNG, failure context ------------------------------------------ */

static uint64_t g_seed = 0x5EED2024C0FFEEull;
static unsigned long g_steps = 30000;
static uint64_t g_rng;
static char g_where[384];

static uint64_t rnd(void)
{
    return tu_xorshift64star(&g_rng);
}

static uint32_t rn(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

static void seed_for(const char *scenario, uint64_t salt)
{
    /* splitmix64 of the seed and the scenario's salt */
    uint64_t z = g_seed + salt * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    g_rng = (z ^ (z >> 31)) | 1;
    snprintf(g_where, sizeof g_where, "HIVEKIT_SEED=0x%llx, scenario %s",
             (unsigned long long)g_seed, scenario);
    print_message("%s: HIVEKIT_SEED=0x%llx\n", scenario,
                  (unsigned long long)g_seed);
}

#define FAIL(...) do {                                                       \
        print_error("[%s] ", g_where);                                       \
        fail_msg(__VA_ARGS__);                                               \
    } while (0)

#define HOK(h, expr) do {                                                    \
        int rc_ = (expr);                                                    \
        if (rc_ != REGF_OK)                                                  \
            FAIL("%s:%d: %s = %d (%s)", __FILE__, __LINE__, #expr, rc_,      \
                 regf_errmsg(h));                                            \
    } while (0)

#define WANT(h, want, expr) do {                                             \
        int rc_ = (expr);                                                    \
        if (rc_ != (want))                                                   \
            FAIL("%s:%d: %s = %d, want %d (%s)", __FILE__, __LINE__, #expr,  \
                 rc_, (want), regf_errmsg(h));                               \
    } while (0)

/* ---- names: UTF-16 units <-> generalized UTF-8 ---------------------------- */

static size_t units_to_utf8(const uint16_t *u, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && u[i + 1] >= 0xDC00 &&
            u[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
            i++;
        }
        if (c < 0x80) {
            out[k++] = (char)c;
        } else if (c < 0x800) {
            out[k++] = (char)(0xC0 | c >> 6);
            out[k++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[k++] = (char)(0xE0 | c >> 12);
            out[k++] = (char)(0x80 | (c >> 6 & 0x3F));
            out[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[k++] = (char)(0xF0 | c >> 18);
            out[k++] = (char)(0x80 | (c >> 12 & 0x3F));
            out[k++] = (char)(0x80 | (c >> 6 & 0x3F));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    return k;
}

static size_t utf8_to_units(const char *s, size_t n, uint16_t *u, size_t max)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + len > n)
            FAIL("truncated UTF-8 from the library");
        if (len == 2)
            c = (c & 0x1F) << 6 | (p[i + 1] & 0x3F);
        else if (len == 3)
            c = (c & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 |
                (p[i + 2] & 0x3F);
        else if (len == 4)
            c = (c & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3F) << 12 |
                (uint32_t)(p[i + 2] & 0x3F) << 6 | (p[i + 3] & 0x3F);
        i += len;
        if (k + 2 > max)
            FAIL("name longer than %zu units", max);
        if (c >= 0x10000) {
            c -= 0x10000;
            u[k++] = (uint16_t)(0xD800 | c >> 10);
            u[k++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            u[k++] = (uint16_t)c;
        }
    }
    return k;
}

/* Characters names are made of: ASCII, Latin-1 (with the ÿ/Ÿ pair and
 * ß, µ that Windows does not upcase), Greek (final sigma), Cyrillic,
 * Georgian, CJK, titlecase digraphs, fullwidth letters. */
static const uint16_t alpha[] = {
    'a', 'b', 'c', 'x', 'y', 'z', 'A', 'B', 'C', 'X', 'Y', 'Z', 'i', 'I',
    's', 'S', '0', '1', '9', ' ', '.', '-', '_', '{', '}', '~',
    0xE4, 0xC4, 0xDF, 0xFF, 0x178, 0xE9, 0xC9, 0xB5, 0x39C, 0x3BC,
    0x3C3, 0x3A3, 0x3C2, 0x131, 0x130, 0x17F, 0x430, 0x410, 0x436, 0x416,
    0x4E2D, 0x10D0, 0x1C4, 0x1C5, 0x1C6, 0xFF21, 0xFF41, 0x1E9E,
};
#define NALPHA (sizeof alpha / sizeof *alpha)

static size_t gen_units(uint16_t *u, size_t len, int allow_nul)
{
    size_t n = 0;
    while (n < len) {
        uint32_t r = rn(100);
        if (r == 0 && n + 2 <= len) {            /* a surrogate pair */
            u[n++] = 0xD83D;
            u[n++] = (uint16_t)(0xDE00 + rn(64));
        } else if (r == 1) {                     /* a lone surrogate */
            u[n++] = rn(2) ? 0xD800 : 0xDC01;
        } else if (r == 2 && allow_nul && n > 0) {
            u[n++] = 0;
        } else {
            u[n++] = alpha[rn(NALPHA)];
        }
    }
    return n;
}

/* The other case of C among the name characters, or C. */
static uint16_t partner(uint16_t c)
{
    uint16_t up = regf_upcase(c);
    if (up != c)
        return up;
    if (c >= 'A' && c <= 'Z')
        return (uint16_t)(c + 32);
    for (size_t i = 0; i < NALPHA; i++)
        if (alpha[i] != c && regf_upcase(alpha[i]) == c)
            return alpha[i];
    return c;
}

static void case_variant(const uint16_t *src, size_t n, uint16_t *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = rn(2) ? partner(src[i]) : src[i];
}

/* ---- the model ------------------------------------------------------------ */

struct mval {
    uint16_t *u;
    size_t nu;
    uint32_t type;
    uint8_t *data;
    size_t len;
};

struct mkey {
    uint16_t *u;
    size_t nu;
    struct mkey *parent;
    unsigned depth;
    struct mkey **kids;          /* sorted like Windows' lists */
    size_t nkids, kcap;
    struct mval *vals;           /* in stored order */
    size_t nvals, vcap;
    regf_key off;
    size_t idx;                  /* in model.all */
};

struct model {
    struct mkey *root;
    struct mkey **all;
    size_t nall, acap;
    uint32_t minor;
    size_t del_cap;              /* largest subtree deleted at once */
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static uint16_t *dup_units(const uint16_t *u, size_t n)
{
    uint16_t *p = xmalloc(n * 2);
    if (n)
        memcpy(p, u, n * 2);
    return p;
}

static void model_register(struct model *m, struct mkey *k)
{
    if (m->nall == m->acap) {
        m->acap = m->acap ? 2 * m->acap : 1024;
        m->all = realloc(m->all, m->acap * sizeof *m->all);
        assert_non_null(m->all);
    }
    k->idx = m->nall;
    m->all[m->nall++] = k;
}

static struct mkey *mkey_new(struct model *m, struct mkey *parent,
                             const uint16_t *u, size_t nu, regf_key off)
{
    struct mkey *k = calloc(1, sizeof *k);
    assert_non_null(k);
    k->u = dup_units(u, nu);
    k->nu = nu;
    k->parent = parent;
    k->depth = parent ? parent->depth + 1 : 0;
    k->off = off;
    model_register(m, k);
    return k;
}

/* Position of name U among K's children; *found set when equal. */
static size_t kid_pos(const struct mkey *k, const uint16_t *u, size_t nu,
                      int *found)
{
    size_t lo = 0, hi = k->nkids;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = tu_cmp_units(k->kids[mid]->u, k->kids[mid]->nu, u, nu);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void kid_insert(struct mkey *p, size_t pos, struct mkey *k)
{
    if (p->nkids == p->kcap) {
        p->kcap = p->kcap ? 2 * p->kcap : 4;
        p->kids = realloc(p->kids, p->kcap * sizeof *p->kids);
        assert_non_null(p->kids);
    }
    memmove(p->kids + pos + 1, p->kids + pos,
            (p->nkids - pos) * sizeof *p->kids);
    p->kids[pos] = k;
    p->nkids++;
}

static void val_append(struct mkey *k, const uint16_t *u, size_t nu,
                       uint32_t type, const uint8_t *data, size_t len)
{
    if (k->nvals == k->vcap) {
        k->vcap = k->vcap ? 2 * k->vcap : 4;
        k->vals = realloc(k->vals, k->vcap * sizeof *k->vals);
        assert_non_null(k->vals);
    }
    struct mval *v = &k->vals[k->nvals++];
    v->u = dup_units(u, nu);
    v->nu = nu;
    v->type = type;
    v->data = xmalloc(len);
    if (len)
        memcpy(v->data, data, len);
    v->len = len;
}

static long val_find(const struct mkey *k, const uint16_t *u, size_t nu)
{
    for (size_t i = 0; i < k->nvals; i++)
        if (tu_cmp_units(k->vals[i].u, k->vals[i].nu, u, nu) == 0)
            return (long)i;
    return -1;
}

static void free_key(struct model *m, struct mkey *k)
{
    for (size_t i = 0; i < k->nkids; i++)
        free_key(m, k->kids[i]);
    for (size_t i = 0; i < k->nvals; i++) {
        free(k->vals[i].u);
        free(k->vals[i].data);
    }
    /* Swap-remove from the key array. */
    if (m) {
        struct mkey *last = m->all[--m->nall];
        m->all[k->idx] = last;
        last->idx = k->idx;
    }
    free(k->vals);
    free(k->kids);
    free(k->u);
    free(k);
}

static void model_free(struct model *m)
{
    if (m->root)
        free_key(NULL, m->root);
    free(m->all);
    memset(m, 0, sizeof *m);
}

static size_t count_keys(const struct mkey *k, size_t cap)
{
    size_t n = 1;
    for (size_t i = 0; i < k->nkids && n <= cap; i++)
        n += count_keys(k->kids[i], cap);
    return n;
}

/* ---- loading the model from a hive, comparing a hive with it --------------- */

static char g_buf[3 * 32768 + 16];
static uint16_t g_units[32768 + 16];

static void load_values(regf_hive *h, struct mkey *k, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        regf_val v;
        size_t need;
        HOK(h, regf_value_at(h, k->off, i, &v));
        HOK(h, regf_value_name(h, v, g_buf, sizeof g_buf, &need));
        size_t nu = utf8_to_units(g_buf, need, g_units, 32768);
        uint32_t type;
        HOK(h, regf_value_data(h, v, &type, NULL, 0, &need));
        uint8_t *d = xmalloc(need);
        HOK(h, regf_value_data(h, v, &type, d, need, &need));
        val_append(k, g_units, nu, type, d, need);
        free(d);
    }
}

static void load_key(regf_hive *h, struct model *m, struct mkey *k)
{
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k->off, &ki));
    load_values(h, k, ki.nvalues);
    regf_iter it;
    regf_key c;
    int rc = regf_subkey_first(h, k->off, &it, &c);
    while (rc == REGF_OK) {
        size_t need;
        HOK(h, regf_key_name(h, c, g_buf, sizeof g_buf, &need));
        size_t nu = utf8_to_units(g_buf, need, g_units, 32768);
        struct mkey *kid = mkey_new(m, k, g_units, nu, c);
        if (k->nkids && tu_cmp_units(k->kids[k->nkids - 1]->u,
                                  k->kids[k->nkids - 1]->nu, g_units, nu) >= 0)
            FAIL("hive list of key 0x%x is not sorted", k->off);
        kid_insert(k, k->nkids, kid);
        load_key(h, m, kid);
        rc = regf_subkey_next(h, &it, &c);
    }
    WANT(h, REGF_NOTFOUND, rc);
}

static void model_load(regf_hive *h, struct model *m)
{
    regf_key root;
    struct regf_info in;
    HOK(h, regf_root(h, &root));
    HOK(h, regf_get_info(h, &in));
    memset(m, 0, sizeof *m);
    m->minor = in.minor;
    size_t need;
    HOK(h, regf_key_name(h, root, g_buf, sizeof g_buf, &need));
    size_t nu = utf8_to_units(g_buf, need, g_units, 32768);
    m->root = mkey_new(m, NULL, g_units, nu, root);
    load_key(h, m, m->root);
}

static uint8_t *g_data;          /* scratch for value data (grown) */
static size_t g_data_cap;

static void compare_key(regf_hive *h, const struct mkey *k)
{
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k->off, &ki));
    if (ki.nsubkeys != k->nkids || ki.nvalues != k->nvals)
        FAIL("key 0x%x: %u subkeys, %u values; model %zu, %zu", k->off,
             ki.nsubkeys, ki.nvalues, k->nkids, k->nvals);
    size_t need;
    HOK(h, regf_key_name(h, k->off, g_buf, sizeof g_buf, &need));
    size_t nu = utf8_to_units(g_buf, need, g_units, 32768);
    if (nu != k->nu || memcmp(g_units, k->u, nu * 2) != 0)
        FAIL("key 0x%x: name '%s' differs from the model", k->off, g_buf);
    /* Max lengths stay >= the real maxima. */
    size_t maxn = 0, maxvn = 0, maxvd = 0;
    for (size_t i = 0; i < k->nkids; i++)
        if (2 * k->kids[i]->nu > maxn)
            maxn = 2 * k->kids[i]->nu;
    for (size_t i = 0; i < k->nvals; i++) {
        if (2 * k->vals[i].nu > maxvn)
            maxvn = 2 * k->vals[i].nu;
        if (k->vals[i].len > maxvd)
            maxvd = k->vals[i].len;
    }
    if (ki.max_name_len < maxn || ki.max_value_name_len < maxvn ||
        ki.max_value_data_len < maxvd)
        FAIL("key 0x%x: max lengths %u/%u/%u below %zu/%zu/%zu", k->off,
             ki.max_name_len, ki.max_value_name_len, ki.max_value_data_len,
             maxn, maxvn, maxvd);
    for (size_t i = 0; i < k->nvals; i++) {
        const struct mval *mv = &k->vals[i];
        regf_val v;
        HOK(h, regf_value_at(h, k->off, (uint32_t)i, &v));
        HOK(h, regf_value_name(h, v, g_buf, sizeof g_buf, &need));
        nu = utf8_to_units(g_buf, need, g_units, 32768);
        if (nu != mv->nu || memcmp(g_units, mv->u, nu * 2) != 0)
            FAIL("key 0x%x value #%zu: name '%s' differs from the model",
                 k->off, i, g_buf);
        if (mv->len + 1 > g_data_cap) {
            g_data_cap = mv->len + 1;
            g_data = realloc(g_data, g_data_cap);
            assert_non_null(g_data);
        }
        uint32_t type;
        HOK(h, regf_value_data(h, v, &type, g_data, g_data_cap, &need));
        if (type != mv->type || need != mv->len ||
            (need && memcmp(g_data, mv->data, need) != 0))
            FAIL("key 0x%x value '%s': type %u, %zu bytes; model type %u, "
                 "%zu bytes (or the bytes differ)", k->off, g_buf, type, need,
                 mv->type, mv->len);
    }
    regf_iter it;
    regf_key c;
    size_t i = 0;
    int rc = regf_subkey_first(h, k->off, &it, &c);
    while (rc == REGF_OK) {
        if (i >= k->nkids || c != k->kids[i]->off)
            FAIL("key 0x%x: subkey #%zu is 0x%x, model 0x%x", k->off, i, c,
                 i < k->nkids ? k->kids[i]->off : 0);
        compare_key(h, k->kids[i]);
        i++;
        rc = regf_subkey_next(h, &it, &c);
    }
    WANT(h, REGF_NOTFOUND, rc);
    if (i != k->nkids)
        FAIL("key 0x%x: %zu subkeys iterated, model %zu", k->off, i,
             k->nkids);
}

/* ---- checking files ---------------------------------------------------------- */

struct baseline {
    unsigned counts[HC_NCODES];  /* strict problems the input already had */
};

static void baseline_of(const char *path, struct baseline *b)
{
    size_t len;
    uint8_t *p = tu_read_file(path, &len);
    struct hc_report rep;
    int n = hc_check(p, len, 0, &rep);
    if (n != 0) {
        hc_print(&rep, stderr);
        FAIL("%s: the input hive already has %d problems", path, n);
    }
    hc_free(&rep);
    hc_check(p, len, HC_STRICT_WRITER, &rep);
    memcpy(b->counts, rep.counts, sizeof b->counts);
    hc_free(&rep);
    free(p);
}

/* No problem beyond those of the input (none for a new hive). */
static void check_file(const char *path, const struct baseline *b)
{
    size_t len;
    uint8_t *p = tu_read_file(path, &len);
    struct hc_report rep;
    int n = hc_check(p, len, HC_STRICT_WRITER, &rep);
    int bad = 0;
    for (int i = 0; i < HC_NCODES; i++)
        if (rep.counts[i] > (b ? b->counts[i] : 0))
            bad = 1;
    if (bad) {
        hc_print(&rep, stderr);
        FAIL("hivecheck: %d problem(s) in %s", n, path);
    }
    hc_free(&rep);
    free(p);
}

static regf_hive *open_write(const char *path)
{
    regf_hive *h = NULL;
    int rc = regf_open(path, REGF_OPEN_WRITE, &h);
    if (rc != REGF_OK)
        FAIL("regf_open(%s) = %d: %s", path, rc, regf_errmsg(h));
    regf_set_time(h, T0);
    return h;
}

/* Commit, check the file, re-open it (or, one time in three, go on with
 * the same handle) and compare everything with M. */
static regf_hive *commit_check(regf_hive *h, struct model *m,
                               const char *path, unsigned flags,
                               const struct baseline *b)
{
    struct regf_info in;
    HOK(h, regf_get_info(h, &in));
    HOK(h, regf_commit(h, path, flags));
    if (regf_modified(h))
        FAIL("regf_modified() is set after a commit");
    check_file(path, b);
    if (rn(3) != 0) {
        regf_close(h);
        h = open_write(path);
    }
    struct regf_info in2;
    HOK(h, regf_get_info(h, &in2));
    if (in2.dirty || in2.seq1 != in.seq1 + 1 || in2.seq2 != in2.seq1)
        FAIL("after commit: sequence %u/%u (was %u)", in2.seq1, in2.seq2,
             in.seq1);
    compare_key(h, m->root);
    return h;
}

/* ---- random operations --------------------------------------------------------- */

static size_t draw_size(void)
{
    uint32_t r = rn(1000);
    if (r < 100)
        return 0;
    if (r < 300)
        return 1 + rn(4);
    if (r < 650)
        return 5 + rn(60);
    if (r < 800)
        return 65 + rn(2000);
    if (r < 840)
        return 16344;
    if (r < 880)
        return 16345;
    if (r < 900)
        return 16344 * (2 + rn(2)) + rn(2);
    return 20000 + rn(80001);
}

static uint32_t draw_type(void)
{
    static const uint32_t t[] = { REGF_NONE, REGF_SZ, REGF_EXPAND_SZ,
                                  REGF_BINARY, REGF_DWORD, REGF_MULTI_SZ,
                                  REGF_QWORD, REGF_LINK, 0x100000, 0xFFFF0012 };
    return t[rn(sizeof t / sizeof *t)];
}

static void rand_bytes(uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x = rnd();
        memcpy(p + i, &x, 8);
    }
    for (; i < n; i++)
        p[i] = (uint8_t)rnd();
}

/* A random key; one time in six one of the first few of the key array
 * (the root and other long-lived keys), so that some keys collect many
 * values and subkeys. */
static struct mkey *pick_key(struct model *m)
{
    if (rn(6) == 0)
        return m->all[rn(m->nall < 6 ? (uint32_t)m->nall : 6)];
    return m->all[rn((uint32_t)m->nall)];
}

struct stats {
    unsigned long created, exists, invalid, deleted, set, replaced,
                  vdeleted, vnotfound, elimit, commits;
};

static uint16_t g_name[32768];
static char g_u8[3 * 32768 + 8];

static void op_create(regf_hive *h, struct model *m, struct mkey *p,
                      struct stats *st)
{
    size_t nu;
    if (p->depth >= 30)
        p = m->root;
    if (p->nkids && rn(4) == 0) {
        const struct mkey *k = p->kids[rn((uint32_t)p->nkids)];
        case_variant(k->u, k->nu, g_name);
        nu = k->nu;
    } else {
        size_t len = rn(50) == 0 ? 200 + rn(56) : 1 + rn(12);
        nu = gen_units(g_name, len, 1);
        if (g_name[0] == 0)
            g_name[0] = 'n';
    }
    if (rn(100) == 0) {
        /* Invalid: a backslash somewhere, or empty. */
        size_t len = units_to_utf8(g_name, nu, g_u8);
        size_t at = rn((uint32_t)len + 1);
        memmove(g_u8 + at + 1, g_u8 + at, len - at);
        g_u8[at] = '\\';
        regf_key out;
        WANT(h, REGF_EINVAL, regf_key_create(h, p->off, g_u8,
                                              rn(3) ? len + 1 : 0, &out));
        st->invalid++;
        return;
    }
    size_t len = units_to_utf8(g_name, nu, g_u8);
    int found;
    size_t pos = kid_pos(p, g_name, nu, &found);
    regf_key out = 0;
    int rc = regf_key_create(h, p->off, g_u8, len, &out);
    if (found) {
        if (rc != REGF_EEXIST || out != p->kids[pos]->off)
            FAIL("creating a case variant of an existing key under 0x%x: "
                 "%d, key 0x%x (want REGF_EEXIST, 0x%x)", p->off, rc, out,
                 p->kids[pos]->off);
        st->exists++;
        return;
    }
    if (rc != REGF_OK)
        FAIL("regf_key_create under 0x%x (%zu units): %d (%s)", p->off, nu,
             rc, regf_errmsg(h));
    kid_insert(p, pos, mkey_new(m, p, g_name, nu, out));
    st->created++;
}

static void op_delete_key(regf_hive *h, struct model *m, struct mkey *k,
                          struct stats *st)
{
    if (!k->parent) {
        WANT(h, REGF_EINVAL, regf_key_delete(h, k->off));
        return;
    }
    if (m->del_cap && count_keys(k, m->del_cap) > m->del_cap)
        return;
    HOK(h, regf_key_delete(h, k->off));
    struct mkey *p = k->parent;
    size_t i = 0;
    while (p->kids[i] != k)
        i++;
    memmove(p->kids + i, p->kids + i + 1, (p->nkids - i - 1) * sizeof *p->kids);
    p->nkids--;
    free_key(m, k);
    st->deleted++;
}

static uint8_t *g_vdata;

static void op_set_value(regf_hive *h, struct model *m, struct mkey *k,
                         struct stats *st)
{
    size_t nu;
    if (k->nvals && rn(3) == 0) {
        const struct mval *v = &k->vals[rn((uint32_t)k->nvals)];
        case_variant(v->u, v->nu, g_name);
        nu = v->nu;
    } else if (rn(20) == 0) {
        nu = 0;                                  /* the default value */
    } else {
        size_t len = rn(100) == 0 ? 300 + rn(2000) : 1 + rn(12);
        nu = gen_units(g_name, len, 1);
    }
    size_t nlen = units_to_utf8(g_name, nu, g_u8);
    long idx = val_find(k, g_name, nu);
    if (m->minor < 4 && rn(150) == 0) {
        /* No big data in 1.3: more than 1 MiB is refused, nothing changes. */
        size_t big = (1u << 20) + 1 + rn(100);
        WANT(h, REGF_ELIMIT, regf_value_set(h, k->off, g_u8, nlen,
                                             REGF_BINARY, g_vdata, big));
        st->elimit++;
        return;
    }
    size_t len = draw_size();
    uint32_t type = draw_type();
    rand_bytes(g_vdata, len);
    int rc = regf_value_set(h, k->off, g_u8, nlen, type, g_vdata, len);
    if (rc != REGF_OK)
        FAIL("regf_value_set(key 0x%x, %zu units, %zu bytes): %d (%s)",
             k->off, nu, len, rc, regf_errmsg(h));
    if (idx >= 0) {
        struct mval *v = &k->vals[idx];
        free(v->data);
        v->data = xmalloc(len);
        memcpy(v->data, g_vdata, len);
        v->len = len;
        v->type = type;
        st->replaced++;
    } else {
        val_append(k, g_name, nu, type, g_vdata, len);
        st->set++;
    }
}

static void op_delete_value(regf_hive *h, struct mkey *k, struct stats *st)
{
    size_t nu;
    if (k->nvals && rn(5) != 0) {
        const struct mval *v = &k->vals[rn((uint32_t)k->nvals)];
        case_variant(v->u, v->nu, g_name);
        nu = v->nu;
    } else {
        nu = gen_units(g_name, 1 + rn(6), 0);
    }
    size_t nlen = units_to_utf8(g_name, nu, g_u8);
    long idx = val_find(k, g_name, nu);
    int rc = regf_value_delete(h, k->off, g_u8, nlen);
    if (idx < 0) {
        if (rc != REGF_NOTFOUND)
            FAIL("deleting a missing value of key 0x%x: %d", k->off, rc);
        st->vnotfound++;
        return;
    }
    if (rc != REGF_OK)
        FAIL("regf_value_delete(key 0x%x): %d (%s)", k->off, rc,
             regf_errmsg(h));
    struct mval *v = &k->vals[idx];
    free(v->u);
    free(v->data);
    memmove(v, v + 1, (k->nvals - (size_t)idx - 1) * sizeof *v);
    k->nvals--;
    st->vdeleted++;
}

/* One random operation on a random key of the model. */
static void random_op(regf_hive *h, struct model *m, struct stats *st)
{
    uint32_t r = rn(100);
    struct mkey *k = pick_key(m);
    if (r < 38)
        op_create(h, m, k, st);
    else if (r < 42)
        op_delete_key(h, m, k, st);
    else if (r < 80)
        op_set_value(h, m, k, st);
    else if (r < 95)
        op_delete_value(h, k, st);
    else if (r < 96)
        op_delete_key(h, m, m->root, st);     /* refused */
    else {
        /* A case variant of an existing path component via create_path
         * must find the existing key. */
        if (k->parent) {
            case_variant(k->u, k->nu, g_name);
            size_t n = units_to_utf8(g_name, k->nu, g_u8);
            g_u8[n] = 0;
            if (memchr(g_u8, 0, n) == NULL) {
                regf_key out;
                HOK(h, regf_key_create_path(h, k->parent->off, g_u8, &out));
                if (out != k->off)
                    FAIL("regf_key_create_path found 0x%x, want 0x%x", out,
                         k->off);
            }
        }
    }
}

static void print_stats(const char *what, const struct stats *st,
                        const struct model *m, double t)
{
    print_message("%s: %lu keys created, %lu EEXIST, %lu invalid, %lu "
                  "subtrees deleted, %lu values set, %lu replaced, %lu "
                  "deleted, %lu not found, %lu ELIMIT, %lu commits; %zu keys "
                  "now; %.2f s\n", what, st->created, st->exists, st->invalid,
                  st->deleted, st->set, st->replaced, st->vdeleted,
                  st->vnotfound, st->elimit, st->commits, m->nall, t);
}

/* The main scenario: STEPS random operations on the hive at PATH (model
 * loaded from it), commit + full check every EVERY operations. */
static void run_random(const char *name, uint64_t salt, const char *path,
                       unsigned long steps, unsigned long every,
                       size_t del_cap, const struct baseline *b)
{
    double t0 = tu_now();
    seed_for(name, salt);
    regf_hive *h = open_write(path);
    struct model m;
    model_load(h, &m);
    m.del_cap = del_cap;
    struct stats st;
    memset(&st, 0, sizeof st);
    char base[192];
    snprintf(base, sizeof base, "%.180s", g_where);
    for (unsigned long i = 0; i < steps; i++) {
        snprintf(g_where, sizeof g_where, "%s, step %lu", base, i);
        random_op(h, &m, &st);
        if ((i + 1) % every == 0 || i + 1 == steps) {
            h = commit_check(h, &m, path, rn(4) == 0 ? REGF_COMMIT_BACKUP : 0,
                             b);
            st.commits++;
        }
    }
    regf_close(h);
    print_stats(name, &st, &m, tu_now() - t0);
    model_free(&m);
}

static void new_hive_file(uint32_t minor, const char *path)
{
    regf_hive *h = NULL;
    assert_int_equal(regf_create("random", minor, &h), REGF_OK);
    regf_set_time(h, T0);
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    regf_close(h);
}

static void random_created(uint32_t minor, unsigned long steps)
{
    char *path = tu_tmp_file("wrand", "hive");
    char name[32];
    snprintf(name, sizeof name, "random 1.%u", minor);
    new_hive_file(minor, path);
    run_random(name, minor, path, steps, steps / 10 ? steps / 10 : 1, 0,
               NULL);
    tu_rm_tmp_file(path);
}

static void test_random_v5(void **state)
{
    (void)state;
    random_created(5, g_steps);
}

static void test_random_v3(void **state)
{
    (void)state;
    random_created(3, g_steps);
}

static void test_random_v4_v6(void **state)
{
    (void)state;
    random_created(4, g_steps / 3);
    random_created(6, g_steps / 3);
}

/* A copy of the Windows 10 SYSTEM hive (1.5, ri/lh lists, many sk). */
static void test_random_real_system(void **state)
{
    (void)state;
    char *path = tu_tmp_file("wrand", "SYSTEM");
    char *src = tu_fixture("hives/SYSTEM-win10-20H2.xz");   /* decompressed */
    tu_copy_file(src, path);
    free(src);
    struct baseline b;
    baseline_of(path, &b);
    run_random("random SYSTEM", 100, path, g_steps * 2 / 3,
               g_steps * 2 / 3 / 4, 300, &b);
    tu_rm_tmp_file(path);
}

/* A copy of a real 1.3 NTUSER.DAT (lf lists, no big data). */
static void test_random_real_13(void **state)
{
    (void)state;
    char *path = tu_tmp_file("wrand", "NTUSER.DAT");
    char *src = tu_corpus("regipy/regipy_tests/data/NTUSER.DAT");
    tu_copy_file(src, path);
    free(src);
    struct baseline b;
    baseline_of(path, &b);
    run_random("random NTUSER.DAT 1.3", 101, path, g_steps * 2 / 3,
               g_steps * 2 / 3 / 5, 300, &b);
    tu_rm_tmp_file(path);
}

/* ---- thousands of subkeys under one key ------------------------------------ */

static void list_shape(const char *path, regf_key key, uint32_t leafmax,
                       unsigned *nleaves, char *top)
{
    size_t len;
    uint8_t *p = tu_read_file(path, &len);
    const uint8_t *nk = p + 4096 + key + 4;
    uint32_t n = nk[20] | nk[21] << 8 | nk[22] << 16 | (uint32_t)nk[23] << 24;
    uint32_t list = nk[28] | nk[29] << 8 | nk[30] << 16 |
                    (uint32_t)nk[31] << 24;
    *nleaves = 0;
    top[0] = '-';
    top[1] = 0;
    if (n) {
        const uint8_t *l = p + 4096 + list + 4;
        top[0] = (char)l[0];
        top[1] = (char)l[1];
        top[2] = 0;
        if (memcmp(l, "ri", 2) == 0) {
            *nleaves = l[2] | l[3] << 8;
            for (unsigned i = 0; i < *nleaves; i++) {
                const uint8_t *e = l + 4 + 4 * i;
                uint32_t leaf = e[0] | e[1] << 8 | e[2] << 16 |
                                (uint32_t)e[3] << 24;
                const uint8_t *lf = p + 4096 + leaf + 4;
                uint32_t cnt = lf[2] | lf[3] << 8;
                if (cnt == 0 || cnt > leafmax)
                    FAIL("leaf %u of the ri holds %u entries", i, cnt);
            }
        } else {
            *nleaves = 1;
        }
    }
    free(p);
}

static void many_subkeys(uint32_t minor, uint32_t leafmax)
{
    double t0 = tu_now();
    char name[48];
    snprintf(name, sizeof name, "many subkeys 1.%u", minor);
    seed_for(name, 200 + minor);
    char *path = tu_tmp_file("wrand", "hive");
    new_hive_file(minor, path);
    regf_hive *h = open_write(path);
    struct model m;
    model_load(h, &m);
    struct stats st;
    memset(&st, 0, sizeof st);
    /* The parent of the big list, with a sibling before and after. */
    struct mkey *root = m.root;
    op_create(h, &m, root, &st);
    uint16_t pu[] = { 'P', 0x436 };
    regf_key poff;
    char u8[16];
    size_t n8 = units_to_utf8(pu, 2, u8);
    HOK(h, regf_key_create(h, root->off, u8, n8, &poff));
    int found;
    size_t pos = kid_pos(root, pu, 2, &found);
    struct mkey *p = mkey_new(&m, root, pu, 2, poff);
    kid_insert(root, pos, p);
    op_create(h, &m, root, &st);

    /* A pool of names; grow the list to ~4500 keys, shrink it to 0. */
    enum { POOL = 6000 };
    uint16_t (*pool)[16] = xmalloc(POOL * sizeof *pool);
    size_t *plen = xmalloc(POOL * sizeof *plen);
    for (size_t i = 0; i < POOL; i++) {
        plen[i] = gen_units(pool[i], 2 + rn(12), 0);
        if (plen[i] > 16)
            plen[i] = 16;
    }
    unsigned long total = g_steps * 4;
    unsigned peak = 0;
    char base[192];
    snprintf(base, sizeof base, "%.180s", g_where);
    for (unsigned long i = 0; i < total; i++) {
        snprintf(g_where, sizeof g_where, "%s, step %lu", base, i);
        int grow = i < total * 6 / 10;
        uint32_t r = rn(100);
        if ((grow && r < 85) || (!grow && r < 15)) {
            size_t j = rn(POOL);
            case_variant(pool[j], plen[j], g_name);
            size_t len = units_to_utf8(g_name, plen[j], g_u8);
            regf_key out;
            int rc = regf_key_create(h, p->off, g_u8, len, &out);
            pos = kid_pos(p, g_name, plen[j], &found);
            if (found) {
                if (rc != REGF_EEXIST || out != p->kids[pos]->off)
                    FAIL("duplicate '%.*s': %d", (int)len, g_u8, rc);
                st.exists++;
            } else {
                if (rc != REGF_OK)
                    FAIL("create '%.*s': %d (%s)", (int)len, g_u8, rc,
                         regf_errmsg(h));
                kid_insert(p, pos, mkey_new(&m, p, g_name, plen[j], out));
                st.created++;
            }
        } else if (p->nkids) {
            struct mkey *k = p->kids[rn((uint32_t)p->nkids)];
            if (rn(10) == 0)
                op_set_value(h, &m, k, &st);
            else
                op_delete_key(h, &m, k, &st);
        }
        if (p->nkids > peak)
            peak = (unsigned)p->nkids;
        if ((i + 1) % (total / 8) == 0) {
            h = commit_check(h, &m, path, 0, NULL);
            st.commits++;
            unsigned nleaves;
            char top[3];
            list_shape(path, p->off, leafmax, &nleaves, top);
            if (p->nkids > leafmax && strcmp(top, "ri") != 0)
                FAIL("%zu subkeys in a single %s", p->nkids, top);
        }
    }
    /* Delete what is left, one by one. */
    while (p->nkids)
        op_delete_key(h, &m, p->kids[rn((uint32_t)p->nkids)], &st);
    h = commit_check(h, &m, path, 0, NULL);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, p->off, &ki));
    assert_int_equal(ki.nsubkeys, 0);
    if (g_steps >= 1000 && peak <= 2 * leafmax)
        FAIL("the list only reached %u keys", peak);
    regf_close(h);
    print_message("%s: peak %u subkeys\n", name, peak);
    print_stats(name, &st, &m, tu_now() - t0);
    model_free(&m);
    free(pool);
    free(plen);
    tu_rm_tmp_file(path);
}

static void test_many_subkeys_lh(void **state)
{
    (void)state;
    many_subkeys(5, 1012);
}

static void test_many_subkeys_lf(void **state)
{
    (void)state;
    many_subkeys(3, 506);
}

/* ---- repeated add/delete cycles ---------------------------------------------- */

static uint64_t used_bytes(const char *path)
{
    size_t len;
    uint8_t *p = tu_read_file(path, &len);
    uint64_t used = 0;
    for (size_t off = 4096; off + 32 <= len;) {
        uint32_t bsize = p[off + 8] | p[off + 9] << 8 | p[off + 10] << 16 |
                         (uint32_t)p[off + 11] << 24;
        for (size_t pos = off + 32; pos < off + bsize;) {
            int32_t s = (int32_t)(p[pos] | p[pos + 1] << 8 | p[pos + 2] << 16 |
                                  (uint32_t)p[pos + 3] << 24);
            if (s < 0)
                used += (uint64_t)-(int64_t)s;
            pos += s < 0 ? (size_t)-(int64_t)s : (size_t)s;
        }
        off += bsize;
    }
    free(p);
    return used;
}

/* Builds a random subtree under P from the current PRNG state: keys and
 * values only inside the subtree. */
static struct mkey *random_subtree(regf_hive *h, struct model *m,
                                   struct mkey *p, unsigned ops,
                                   struct stats *st)
{
    uint16_t cu[] = { 'C', 'y', 'c', 'l', 'e', 0x3A3 };
    char u8[16];
    size_t n8 = units_to_utf8(cu, 6, u8);
    regf_key off;
    HOK(h, regf_key_create(h, p->off, u8, n8, &off));
    int found;
    size_t pos = kid_pos(p, cu, 6, &found);
    assert_false(found);
    struct mkey *c = mkey_new(m, p, cu, 6, off);
    kid_insert(p, pos, c);
    struct mkey **pool = xmalloc((ops + 1) * sizeof *pool);
    size_t npool = 0;
    pool[npool++] = c;
    for (unsigned i = 0; i < ops; i++) {
        struct mkey *k = pool[rn((uint32_t)npool)];
        uint32_t r = rn(100);
        if (r < 45 && k->depth < 25) {
            size_t before = k->nkids;
            op_create(h, m, k, st);
            if (k->nkids > before) {
                /* Find the new child (the one not in the pool yet). */
                for (size_t j = 0; j < k->nkids; j++) {
                    int inpool = 0;
                    for (size_t q = 0; q < npool && !inpool; q++)
                        inpool = pool[q] == k->kids[j];
                    if (!inpool) {
                        pool[npool++] = k->kids[j];
                        break;
                    }
                }
            }
        } else if (r < 90) {
            op_set_value(h, m, k, st);
        } else {
            op_delete_value(h, k, st);
        }
    }
    free(pool);
    return c;
}

/* Runs the cycles; returns NULL, or why the size check failed (the caller
 * removes the files, then fails). */
static char g_cycles_err[512];

static const char *cycles(const char *name, uint64_t salt, const char *path,
                          unsigned ncycles, unsigned ops, int strict,
                          const struct baseline *b)
{
    double t0 = tu_now();
    seed_for(name, salt);
    regf_hive *h = open_write(path);
    struct model m;
    model_load(h, &m);
    struct stats st;
    memset(&st, 0, sizeof st);
    /* Some random content first, under random keys. */
    for (int i = 0; i < 300; i++)
        random_op(h, &m, &st);
    h = commit_check(h, &m, path, 0, b);
    uint64_t used0 = 0;
    struct mkey *parent = m.all[rn((uint32_t)m.nall)];
    if (parent->depth > 20)
        parent = m.root;
    uint64_t cycle_seed = rnd();
    uint32_t *size = xmalloc(ncycles * sizeof *size);
    struct regf_info in;
    char base[192];
    snprintf(base, sizeof base, "%.180s", g_where);
    for (unsigned c = 0; c < ncycles; c++) {
        snprintf(g_where, sizeof g_where, "%s, cycle %u", base, c);
        g_rng = cycle_seed;               /* the same subtree every time */
        struct mkey *s = random_subtree(h, &m, parent, ops, &st);
        op_delete_key(h, &m, s, &st);
        HOK(h, regf_get_info(h, &in));
        size[c] = in.bins_size;
        if (c % 8 == 0 || c + 1 == ncycles) {
            h = commit_check(h, &m, path, 0, b);
            st.commits++;
            /* Everything the subtree used is free again (the parent's
             * list may have been regrown with slack in the first cycle). */
            uint64_t used = used_bytes(path);
            if (c == 0)
                used0 = used;
            else if (used != used0)
                FAIL("cycle %u: %llu bytes in use, %llu after the first",
                     c, (unsigned long long)used, (unsigned long long)used0);
            struct stat sb;
            assert_int_equal(stat(path, &sb), 0);
            assert_int_equal(sb.st_size, 4096 + (off_t)size[c]);
        }
    }
    regf_close(h);
    unsigned last_growth = 0;
    for (unsigned c = 1; c < ncycles; c++)
        if (size[c] != size[c - 1])
            last_growth = c;
    print_message("%s: %u cycles, bins %u bytes after the first, %u after "
                  "the last (last growth in cycle %u)\n", name, ncycles,
                  size[0], size[ncycles - 1], last_growth);
    print_stats(name, &st, &m, tu_now() - t0);
    model_free(&m);
    /* The size reaches a plateau: no growth in the last third, and less
     * than 50% above the first cycle. */
    /* In a 1.5 hive the size must not change after the first cycle (it
     * grew for several cycles while the allocator was not best-fit within
     * its power-of-two classes). Not asserted for 1.3 hives: values
     * up to 100 KB are single cells there, each in a bin of its own, and
     * bins never merge, so a different order of free cells can cost a bin
     * or two in the next cycles even with best fit; the plateau above is
     * what holds. */
    g_cycles_err[0] = 0;
    if (last_growth >= ncycles * 2 / 3 ||
        (uint64_t)size[ncycles - 1] * 2 > (uint64_t)size[0] * 3)
        snprintf(g_cycles_err, sizeof g_cycles_err, "[%s] the hive keeps "
                 "growing: %u bytes of bins after cycle 0, %u after cycle %u "
                 "(last growth in cycle %u)", g_where, size[0],
                 size[ncycles - 1], ncycles - 1, last_growth);
    else if (strict && last_growth != 0)
        snprintf(g_cycles_err, sizeof g_cycles_err, "[%s] the hive grew "
                 "after the first cycle: %u bytes of bins after cycle 0, %u "
                 "after cycle %u (last growth in cycle %u)", g_where, size[0],
                 size[ncycles - 1], ncycles - 1, last_growth);
    free(size);
    return g_cycles_err[0] ? g_cycles_err : NULL;
}

static void test_cycles_stable_v5(void **state)
{
    (void)state;
    char *path = tu_tmp_file("wrand", "hive");
    new_hive_file(5, path);
    const char *err = cycles("cycles 1.5", 300, path, 90, 400, 1, NULL);
    tu_rm_tmp_file(path);
    if (err)
        fail_msg("%s", err);
}

static void test_cycles_stable_v3(void **state)
{
    (void)state;
    char *path = tu_tmp_file("wrand", "hive");
    new_hive_file(3, path);
    const char *err = cycles("cycles 1.3", 301, path, 90, 400, 0, NULL);
    tu_rm_tmp_file(path);
    if (err)
        fail_msg("%s", err);
}

static void test_cycles_stable_real(void **state)
{
    (void)state;
    char *path = tu_tmp_file("wrand", "NTUSER.DAT");
    char *src = tu_corpus("regipy/regipy_tests/data/NTUSER.DAT");
    tu_copy_file(src, path);
    free(src);
    struct baseline b;
    baseline_of(path, &b);
    const char *err = cycles("cycles NTUSER.DAT", 302, path, 90, 400, 0, &b);
    tu_rm_tmp_file(path);
    if (err)
        fail_msg("%s", err);
}

static int setup(void **state)
{
    (void)state;
    const char *e = getenv("HIVEKIT_SEED");
    if (e && *e)
        g_seed = strtoull(e, NULL, 0);
    e = getenv("HIVEKIT_STEPS");
    if (e && *e)
        g_steps = strtoul(e, NULL, 0);
    if (g_steps < 20)
        g_steps = 20;
    g_vdata = xmalloc((1u << 20) + 256);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_vdata);
    free(g_data);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_random_v5),
        cmocka_unit_test(test_random_v3),
        cmocka_unit_test(test_random_v4_v6),
        cmocka_unit_test(test_random_real_system),
        cmocka_unit_test(test_many_subkeys_lh),
        cmocka_unit_test(test_many_subkeys_lf),
        cmocka_unit_test(test_cycles_stable_v5),
        cmocka_unit_test(test_cycles_stable_v3),
    };
    /* A real 1.3 hive (lf lists): regipy NTUSER.DAT of the corpus. */
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_random_real_13),
        cmocka_unit_test(test_cycles_stable_real),
    };
    double t0 = tu_now();
    int rc = TU_MAIN(core, corpus, setup, teardown);
    print_message("test_write_random: %.2f s in all\n", tu_now() - t0);
    return rc;
}
