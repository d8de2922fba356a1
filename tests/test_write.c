/* test_write.c - unit tests of the hive writer (regf_create, key and value
 * edits, regf_commit).
 *
 * Every test that writes commits to a file in a private temporary directory,
 * re-opens it, runs the structural checker (hivecheck: the library's own
 * regf_check_image, strict writer rules) on the file bytes and compares the
 * content. As that checker is the library's, record layouts that matter
 * (list types, hashes and hints, inline data, big data segments, sk
 * reference counts, header fields) are also read straight from the file
 * bytes with the small readers below, which share nothing with the
 * library: they are the oracle outside it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hivecheck.h"
#include "mkhive.h"
#include "testutil.h"

#define NIL 0xFFFFFFFFu
#define T0 0x01D9A1B2C3D4E5F0ull   /* fixed FILETIME for edits */
#define T1 0x01DA0102030405F0ull

/* ---- little helpers ---------------------------------------------------- */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t bb_checksum(const uint8_t *bb)
{
    uint32_t c = 0;
    for (int i = 0; i < 127; i++)
        c ^= le32(bb + 4 * i);
    if (c == 0xFFFFFFFFu)
        c = 0xFFFFFFFEu;
    if (c == 0)
        c = 1;
    return c;
}

/* Fails the test with the handle's message when EXPR is not REGF_OK. */
#define HOK(h, expr) do {                                                    \
        int rc_ = (expr);                                                    \
        if (rc_ != REGF_OK) {                                                \
            print_error("%s:%d: %s = %d (%s)\n", __FILE__, __LINE__, #expr,  \
                        rc_, regf_errmsg(h));                                \
            fail();                                                          \
        }                                                                    \
    } while (0)

/* ---- files ------------------------------------------------------------- */

/* A copy in DIR of the Windows 10 SYSTEM fixture (decompressed by the
 * fixtures-xz test setup). */
static char *system_copy(const char *dir)
{
    char *src = tu_fixture("hives/SYSTEM-win10-20H2.xz");
    char *dst = tu_path(dir, "SYSTEM");
    tu_copy_file(src, dst);
    free(src);
    return dst;
}

/* ---- file images ------------------------------------------------------- */

struct img {
    uint8_t *p;
    size_t len;
};

static struct img load(const char *path)
{
    struct img m;
    m.p = tu_read_file(path, &m.len);
    return m;
}

/* Data of the allocated cell at OFF (bins-relative). */
static const uint8_t *cell(const struct img *m, uint32_t off)
{
    assert_true(off % 8 == 0);
    assert_true(4096 + (size_t)off + 8 <= m->len);
    assert_true((int32_t)le32(m->p + 4096 + off) < 0);
    return m->p + 4096 + off + 4;
}

static uint32_t cell_size(const struct img *m, uint32_t off)
{
    assert_true(4096 + (size_t)off + 4 <= m->len);
    int32_t s = (int32_t)le32(m->p + 4096 + off);
    assert_true(s < 0);
    return (uint32_t)-s;
}

/* Bytes in allocated cells, counted from the bins. */
static uint64_t used_bytes(const struct img *m)
{
    uint64_t used = 0;
    uint32_t length = le32(m->p + 40), off = 0;
    assert_true(4096 + (size_t)length <= m->len);
    while (off < length) {
        const uint8_t *b = m->p + 4096 + off;
        assert_memory_equal(b, "hbin", 4);
        uint32_t bsize = le32(b + 8);
        for (uint32_t pos = 32; pos < bsize;) {
            int32_t s = (int32_t)le32(b + pos);
            uint32_t sz = s < 0 ? (uint32_t)-s : (uint32_t)s;
            assert_true(sz > 0);
            if (s < 0)
                used += sz;
            pos += sz;
        }
        off += bsize;
    }
    return used;
}

static void check_image(const uint8_t *p, size_t len, const char *what)
{
    struct hc_report rep;
    int n = hc_check(p, len, HC_STRICT_WRITER, &rep);
    if (n != 0) {
        print_error("hivecheck found problems in %s:\n", what);
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    assert_int_equal(n, 0);
}

static void check_file(const char *path)
{
    struct img m = load(path);
    check_image(m.p, m.len, path);
    free(m.p);
}

static uint64_t file_used(const char *path)
{
    struct img m = load(path);
    uint64_t u = used_bytes(&m);
    free(m.p);
    return u;
}

/* ---- names ------------------------------------------------------------- */

/* Generalized UTF-8 -> UTF-16 units (own decoder). */
static size_t u8to16(const char *s, size_t n, uint16_t *u, size_t max)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        assert_true(i + len <= n);
        if (len == 2)
            c = (c & 0x1F) << 6 | (p[i + 1] & 0x3F);
        else if (len == 3)
            c = (c & 0x0F) << 12 | (uint32_t)(p[i + 1] & 0x3F) << 6 |
                (p[i + 2] & 0x3F);
        else if (len == 4)
            c = (c & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3F) << 12 |
                (uint32_t)(p[i + 2] & 0x3F) << 6 | (p[i + 3] & 0x3F);
        i += len;
        if (c >= 0x10000) {
            assert_true(k + 2 <= max);
            c -= 0x10000;
            u[k++] = (uint16_t)(0xD800 | c >> 10);
            u[k++] = (uint16_t)(0xDC00 | (c & 0x3FF));
        } else {
            assert_true(k + 1 <= max);
            u[k++] = (uint16_t)c;
        }
    }
    return k;
}

static uint32_t lh_hash(const uint16_t *u, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = 37 * h + regf_upcase(u[i]);
    return h;
}

static uint32_t lf_hint(const uint16_t *u, size_t n)
{
    uint8_t b[4] = { 0, 0, 0, 0 };
    for (int i = 3; i >= 0; i--) {
        if ((size_t)i >= n)
            continue;
        if (u[i] > 0xFF)
            break;
        b[i] = (uint8_t)u[i];
    }
    return le32(b);
}

/* Name units of the nk at KEY, read from the file. */
static size_t nk_units(const struct img *m, uint32_t key, uint16_t *u)
{
    const uint8_t *d = cell(m, key);
    assert_memory_equal(d, "nk", 2);
    uint16_t len = le16(d + 72);
    if (le16(d + 2) & 0x20) {
        for (uint16_t i = 0; i < len; i++)
            u[i] = d[76 + i];
        return len;
    }
    for (uint16_t i = 0; i < len / 2; i++)
        u[i] = le16(d + 76 + 2 * i);
    return len / 2u;
}

/* ---- subkey lists, read from the file ----------------------------------- */

struct lstat {
    char top[3];                 /* "lh", "lf", "li", "ri" or "-" */
    uint32_t total, nleaves, maxleaf, minleaf;
    unsigned lf, lh, li;         /* leaves of each kind */
};

/* Walks KEY's subkey list: counts, leaf kinds, sorted order across the
 * leaves, hashes and hints, Parent fields. */
static void list_stat(const struct img *m, uint32_t key, struct lstat *st)
{
    const uint8_t *nk = cell(m, key);
    uint32_t n = le32(nk + 20), list = le32(nk + 28);
    memset(st, 0, sizeof *st);
    st->minleaf = 0xFFFFFFFFu;
    if (n == 0) {
        assert_int_equal(list, NIL);
        strcpy(st->top, "-");
        return;
    }
    const uint8_t *l = cell(m, list);
    st->top[0] = (char)l[0];
    st->top[1] = (char)l[1];
    uint32_t leaves[65536], nl = 0;
    if (memcmp(l, "ri", 2) == 0) {
        nl = le16(l + 2);
        for (uint32_t i = 0; i < nl; i++)
            leaves[i] = le32(l + 4 + 4 * i);
    } else {
        leaves[nl++] = list;
    }
    st->nleaves = nl;
    uint16_t prev[512], cur[512];
    size_t nprev = 0, ncur;
    int have_prev = 0;
    for (uint32_t i = 0; i < nl; i++) {
        const uint8_t *leaf = cell(m, leaves[i]);
        uint32_t cnt = le16(leaf + 2), stride = 8;
        if (memcmp(leaf, "lh", 2) == 0)
            st->lh++;
        else if (memcmp(leaf, "lf", 2) == 0)
            st->lf++;
        else if (memcmp(leaf, "li", 2) == 0) {
            st->li++;
            stride = 4;
        } else
            fail_msg("leaf %u of key 0x%x: signature %c%c", i, key, leaf[0],
                     leaf[1]);
        assert_true(cnt >= 1);
        assert_true(4 + cnt * stride <= cell_size(m, leaves[i]) - 4);
        st->total += cnt;
        if (cnt > st->maxleaf)
            st->maxleaf = cnt;
        if (cnt < st->minleaf)
            st->minleaf = cnt;
        for (uint32_t j = 0; j < cnt; j++) {
            const uint8_t *e = leaf + 4 + j * stride;
            uint32_t child = le32(e);
            ncur = nk_units(m, child, cur);
            assert_int_equal(le32(cell(m, child) + 16), key);
            if (stride == 8 && leaf[1] == 'h')
                assert_int_equal(le32(e + 4), lh_hash(cur, ncur));
            if (stride == 8 && leaf[1] == 'f')
                assert_int_equal(le32(e + 4), lf_hint(cur, ncur));
            if (have_prev)
                assert_true(tu_cmp_units(prev, nprev, cur, ncur) < 0);
            memcpy(prev, cur, ncur * 2);
            nprev = ncur;
            have_prev = 1;
        }
    }
    assert_int_equal(st->total, n);
}

/* ---- security: reference counts and the ring ---------------------------- */

struct seclist {
    uint32_t *v;
    size_t n, cap;
};

static int collect_sk(void *ctx, regf_hive *h, regf_key key, const char *path,
                      size_t plen, unsigned depth)
{
    struct seclist *s = ctx;
    struct regf_key_info ki;
    (void)path; (void)plen; (void)depth;
    if (regf_key_info(h, key, &ki) != REGF_OK)
        return 1;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = ki.security;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Counts the keys using each sk (walk through the API) and compares with
 * the ReferenceCount fields and the ring in the file. Returns the number of
 * sk records. */
static size_t check_sk_refs(const char *path)
{
    struct img m = load(path);
    /* From the bytes read: the writer's handle may still hold the file's
     * lock. */
    regf_hive *h = NULL;
    int orc = regf_open_mem(m.p, m.len, path, 0, &h);
    if (orc != REGF_OK)
        fail_msg("regf_open_mem(%s) = %d: %s", path, orc, regf_errmsg(h));
    struct seclist s = { NULL, 0, 0 };
    HOK(h, regf_walk(h, 0, collect_sk, &s));
    regf_key root;
    HOK(h, regf_root(h, &root));
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, root, &ki));
    qsort(s.v, s.n, sizeof *s.v, cmp_u32);
    uint32_t *distinct = malloc(s.n * sizeof *distinct);
    assert_non_null(distinct);
    size_t nd = 0;
    for (size_t i = 0; i < s.n;) {
        size_t j = i;
        while (j < s.n && s.v[j] == s.v[i])
            j++;
        const uint8_t *sk = cell(&m, s.v[i]);
        assert_memory_equal(sk, "sk", 2);
        if (le32(sk + 12) != j - i)
            fail_msg("sk 0x%x: ReferenceCount %u, used by %zu keys", s.v[i],
                     le32(sk + 12), j - i);
        distinct[nd++] = s.v[i];
        i = j;
    }
    /* The ring from the root's sk holds exactly the used sk records. */
    uint32_t cur = ki.security, prev = le32(cell(&m, cur) + 8);
    size_t ring = 0;
    do {
        const uint8_t *sk = cell(&m, cur);
        assert_memory_equal(sk, "sk", 2);
        assert_int_equal(le32(sk + 8), prev);
        assert_non_null(bsearch(&cur, distinct, nd, sizeof *distinct,
                                cmp_u32));
        prev = cur;
        cur = le32(sk + 4);
        ring++;
        assert_true(ring <= nd);
    } while (cur != ki.security);
    assert_int_equal(ring, nd);
    free(distinct);
    free(s.v);
    regf_close(h);
    free(m.p);
    return nd;
}

/* ---- hive helpers ------------------------------------------------------ */

static regf_hive *new_hive(uint32_t minor)
{
    regf_hive *h = NULL;
    int rc = regf_create("test", minor, &h);
    if (rc != REGF_OK)
        fail_msg("regf_create(1.%u) = %d: %s", minor, rc, regf_errmsg(h));
    regf_set_time(h, T0);
    return h;
}

static regf_key root_of(regf_hive *h)
{
    regf_key r;
    HOK(h, regf_root(h, &r));
    return r;
}

static regf_key mkkey(regf_hive *h, regf_key parent, const char *name)
{
    regf_key k = 0;
    HOK(h, regf_key_create(h, parent, name, strlen(name), &k));
    return k;
}

static regf_key lookup(regf_hive *h, const char *path)
{
    regf_key k = 0;
    HOK(h, regf_key_lookup(h, 0, path, &k));
    return k;
}

static void setval(regf_hive *h, regf_key k, const char *name, uint32_t type,
                   const void *data, size_t len)
{
    HOK(h, regf_value_set(h, k, name, name ? strlen(name) : 0, type, data,
                          len));
}

/* Commits H to PATH with FLAGS, closes it, checks the file (strict) and
 * opens it again with OFLAGS. */
static regf_hive *commit_reopen(regf_hive *h, const char *path,
                                unsigned flags, unsigned oflags)
{
    HOK(h, regf_commit(h, path, flags));
    assert_int_equal(regf_modified(h), 0);
    regf_close(h);
    check_file(path);
    regf_hive *n = NULL;
    int rc = regf_open(path, oflags, &n);
    if (rc != REGF_OK)
        fail_msg("regf_open(%s) = %d: %s", path, rc, regf_errmsg(n));
    if (oflags & REGF_OPEN_WRITE)
        regf_set_time(n, T0);
    return n;
}

static void key_name(regf_hive *h, regf_key k, char *buf, size_t size,
                     size_t *len)
{
    size_t need = 0;
    HOK(h, regf_key_name(h, k, buf, size, &need));
    assert_true(need < size);
    if (len)
        *len = need;
}

static void want_value(regf_hive *h, regf_key k, const char *name,
                         uint32_t type, const void *data, size_t len)
{
    regf_val v;
    int rc = regf_value_lookup(h, k, name, &v);
    if (rc != REGF_OK)
        fail_msg("value '%s': lookup = %d (%s)", name, rc, regf_errmsg(h));
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    uint32_t t = 0;
    size_t need = 0;
    HOK(h, regf_value_data(h, v, &t, buf, len + 1, &need));
    assert_int_equal(t, type);
    assert_int_equal(need, len);
    if (len)
        assert_memory_equal(buf, data, len);
    free(buf);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 12345;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(tu_xorshift32(&x) >> 7);
}

/* ---- regf_create -------------------------------------------------------- */

static void test_create_versions(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    for (uint32_t minor = 3; minor <= 6; minor++) {
        char name[32];
        snprintf(name, sizeof name, "v%u.hive", minor);
        char *path = tu_path(dir, name);
        regf_hive *h = new_hive(minor);
        assert_int_equal(regf_modified(h), 1);
        h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);

        struct img m = load(path);
        struct regf_info in;
        HOK(h, regf_get_info(h, &in));
        assert_int_equal(in.major, 1);
        assert_int_equal(in.minor, minor);
        assert_int_equal(in.type, 0);
        assert_int_equal(in.seq1, in.seq2);
        assert_false(in.dirty);
        assert_int_equal(le32(m.p + 32), 1);            /* Format */
        assert_int_equal(le32(m.p + 44), 1);            /* Cluster */
        assert_int_equal(le32(m.p + 40), m.len - 4096); /* Length */
        assert_int_equal(le32(m.p + 508), bb_checksum(m.p));
        assert_int_equal(le64(m.p + 12), T0);           /* TimeStamp */
        assert_int_equal(le64(m.p + 4096 + 20), T0);    /* bin 0 copy */

        regf_key root = root_of(h);
        struct regf_key_info ki;
        HOK(h, regf_key_info(h, root, &ki));
        assert_int_equal(ki.flags, 0x2C);
        assert_int_equal(ki.nsubkeys, 0);
        assert_int_equal(ki.nvalues, 0);
        assert_int_equal(ki.last_written, T0);
        char nm[64];
        key_name(h, root, nm, sizeof nm, NULL);
        assert_string_equal(nm, "ROOT");
        const uint8_t *nk = cell(&m, root);
        assert_int_equal(le32(nk + 28), NIL);           /* subkeys */
        assert_int_equal(le32(nk + 32), NIL);           /* volatile list */
        assert_int_equal(le32(nk + 24), 0);             /* volatile count */
        assert_int_equal(le32(nk + 40), NIL);           /* values */
        assert_int_equal(le32(nk + 48), NIL);           /* class */
        /* One sk, a ring of one, referenced once. */
        const uint8_t *sk = cell(&m, ki.security);
        assert_memory_equal(sk, "sk", 2);
        assert_int_equal(le32(sk + 4), ki.security);
        assert_int_equal(le32(sk + 8), ki.security);
        assert_int_equal(le32(sk + 12), 1);
        uint8_t sd[256];
        size_t sdlen = 0;
        HOK(h, regf_key_security(h, root, sd, sizeof sd, &sdlen));
        assert_int_equal(sdlen, le32(sk + 16));
        assert_int_equal(sd[0], 1);                     /* revision */
        assert_true(le16(sd + 2) & 0x8000);             /* self-relative */
        free(m.p);

        /* The first subkey list has the version's leaf type; the new key
         * shares the root's sk. */
        regf_key a = mkkey(h, root, "a");
        h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
        m = load(path);
        struct lstat st;
        list_stat(&m, root, &st);
        assert_string_equal(st.top, minor >= 5 ? "lh" : "lf");
        HOK(h, regf_key_info(h, a, &ki));
        assert_int_equal(le32(cell(&m, ki.security) + 12), 2);
        assert_int_equal(check_sk_refs(path), 1);
        free(m.p);
        regf_close(h);
        free(path);
    }
    tu_rm_dir(dir);
}

static void test_create_bad_minor(void **state)
{
    (void)state;
    uint32_t bad[] = { 0, 1, 2, 7, 100 };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        regf_hive *h = NULL;
        assert_int_equal(regf_create("x", bad[i], &h), REGF_EINVAL);
        if (h)
            assert_true(strlen(regf_errmsg(h)) > 0);
        regf_close(h);
    }
}

/* ---- key names ---------------------------------------------------------- */

static void test_key_name_forms(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    for (uint32_t minor = 3; minor <= 5; minor += 2) {
        char *path = tu_path(dir, minor == 3 ? "v3" : "v5");
        regf_hive *h = new_hive(minor);
        regf_key root = root_of(h);
        regf_key latin = mkkey(h, root, "äöü");
        regf_key cyr = mkkey(h, root, "Привет");
        regf_key y = mkkey(h, root, "ÿ");
        regf_key a100 = mkkey(h, root, "Ā");              /* U+0100 */
        regf_key mixed = mkkey(h, root, "abĀdef");
        regf_key longa = mkkey(h, root, "ABCDEFGH");
        regf_key emoji = mkkey(h, root, "x\xF0\x9F\x98\x80y"); /* pair */
        regf_key nul = 0;
        HOK(h, regf_key_create(h, root, "a\0b", 3, &nul)); /* interior NUL */
        h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
        struct img m = load(path);

        /* Compressed (Latin-1) iff every unit <= 0xFF. */
        const uint8_t *d = cell(&m, latin);
        assert_int_equal(le16(d + 2) & 0x20, 0x20);
        assert_int_equal(le16(d + 72), 3);
        assert_memory_equal(d + 76, "\xE4\xF6\xFC", 3);
        d = cell(&m, cyr);
        assert_int_equal(le16(d + 2) & 0x20, 0);
        assert_int_equal(le16(d + 72), 12);
        assert_int_equal(le16(d + 76), 0x041F);
        d = cell(&m, y);
        assert_int_equal(le16(d + 2) & 0x20, 0x20);
        assert_int_equal(le16(d + 72), 1);
        assert_int_equal(d[76], 0xFF);
        d = cell(&m, a100);
        assert_int_equal(le16(d + 2) & 0x20, 0);
        assert_int_equal(le16(d + 72), 2);
        d = cell(&m, emoji);
        assert_int_equal(le16(d + 2) & 0x20, 0);
        assert_int_equal(le16(d + 72), 8);
        assert_int_equal(le16(d + 78), 0xD83D);
        assert_int_equal(le16(d + 80), 0xDE00);
        d = cell(&m, nul);
        assert_int_equal(le16(d + 72), 3);
        assert_memory_equal(d + 76, "a\0b", 3);
        /* Cells are exactly the nk size (76 + name, rounded to 8). */
        assert_int_equal(cell_size(&m, latin), (4 + 76 + 3 + 7) / 8 * 8);
        assert_int_equal(cell_size(&m, cyr), (4 + 76 + 12 + 7) / 8 * 8);

        /* Names read back, and found case-insensitively. */
        char nm[300];
        size_t len;
        key_name(h, latin, nm, sizeof nm, NULL);
        assert_string_equal(nm, "äöü");
        key_name(h, cyr, nm, sizeof nm, NULL);
        assert_string_equal(nm, "Привет");
        key_name(h, emoji, nm, sizeof nm, NULL);
        assert_string_equal(nm, "x\xF0\x9F\x98\x80y");
        key_name(h, nul, nm, sizeof nm, &len);
        assert_int_equal(len, 3);
        assert_memory_equal(nm, "a\0b", 3);
        regf_key k;
        HOK(h, regf_key_child(h, root, "ÄÖÜ", strlen("ÄÖÜ"), &k));
        assert_int_equal(k, latin);
        HOK(h, regf_key_child(h, root, "пРИВЕТ", strlen("пРИВЕТ"), &k));
        assert_int_equal(k, cyr);
        HOK(h, regf_key_child(h, root, "Ÿ", strlen("Ÿ"), &k));
        assert_int_equal(k, y);
        HOK(h, regf_key_child(h, root, "ā", strlen("ā"), &k));
        assert_int_equal(k, a100);
        HOK(h, regf_key_child(h, root, "A\0B", 3, &k));
        assert_int_equal(k, nul);

        /* Hashes (1.5) and hints (1.3), checked against known vectors. */
        struct lstat st;
        list_stat(&m, root, &st);
        assert_string_equal(st.top, minor == 5 ? "lh" : "lf");
        const uint8_t *l = cell(&m, le32(cell(&m, root) + 28));
        for (uint32_t i = 0; i < le16(l + 2); i++) {
            uint32_t child = le32(l + 4 + 8 * i), w = le32(l + 8 + 8 * i);
            if (minor == 5) {
                if (child == cyr)
                    assert_int_equal(w, 0x81C3D610u);
                if (child == y)
                    assert_int_equal(w, 0x178u);
            } else {
                if (child == latin)
                    assert_int_equal(w, le32((const uint8_t *)"\xE4\xF6\xFC\0"));
                if (child == cyr || child == a100)
                    assert_int_equal(w, 0);
                if (child == mixed)   /* from the end, stop at U+0100 */
                    assert_int_equal(w, le32((const uint8_t *)"\0\0\0d"));
                if (child == longa)   /* original case, first four */
                    assert_int_equal(w, le32((const uint8_t *)"ABCD"));
            }
        }
        /* MaxNameLen counts UTF-16 bytes: "abĀdef" / "ABCDEFGH" = 16. */
        struct regf_key_info ki;
        HOK(h, regf_key_info(h, root, &ki));
        assert_int_equal(ki.max_name_len, 16);
        free(m.p);
        regf_close(h);
        free(path);
    }
    tu_rm_dir(dir);
}

static void expect_exists(regf_hive *h, regf_key parent, const char *name,
                          size_t len, regf_key want)
{
    regf_key out = 0;
    int rc = regf_key_create(h, parent, name, len, &out);
    if (rc != REGF_EEXIST)
        fail_msg("creating '%s' next to an equal name: %d, want REGF_EEXIST",
                 name, rc);
    assert_int_equal(out, want);
}

static void test_key_case_duplicates(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);

    regf_key y = mkkey(h, root, "ÿ");
    expect_exists(h, root, "Ÿ", strlen("Ÿ"), y);       /* U+0178 */
    regf_key p = mkkey(h, root, "p");
    regf_key Y = mkkey(h, p, "Ÿ");                     /* other order */
    expect_exists(h, p, "ÿ", strlen("ÿ"), Y);
    regf_key abc = mkkey(h, root, "ABC");
    expect_exists(h, root, "abc", 3, abc);
    expect_exists(h, root, "aBc", 3, abc);
    expect_exists(h, root, "ABC", 3, abc);
    /* Latin-1 and Cyrillic and Greek case pairs. */
    regf_key e = mkkey(h, root, "Éa");
    expect_exists(h, root, "éA", strlen("éA"), e);
    regf_key cy = mkkey(h, root, "привет");
    expect_exists(h, root, "ПРИВЕТ", strlen("ПРИВЕТ"), cy);
    regf_key sig = mkkey(h, root, "σ");
    expect_exists(h, root, "Σ", strlen("Σ"), sig);
    /* Windows' table leaves these alone: different keys. */
    regf_key sz = mkkey(h, root, "ß");
    regf_key SS = mkkey(h, root, "SS");
    assert_int_not_equal(sz, SS);
    expect_exists(h, root, "ss", 2, SS);
    expect_exists(h, root, "ß", strlen("ß"), sz);
    mkkey(h, root, "µ");                               /* U+00B5 */
    mkkey(h, root, "Μ");                               /* U+039C */
    mkkey(h, root, "ς");                               /* final sigma */
    mkkey(h, root, "ı");                               /* dotless i */
    mkkey(h, root, "I");
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, root, &ki));
    assert_int_equal(ki.nsubkeys, 13);
    /* A refused duplicate changes nothing. */
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    expect_exists(h, root, "SS", 2, SS);
    expect_exists(h, root, "I", 1, lookup(h, "i"));
    assert_int_equal(regf_modified(h), 0);
    h = commit_reopen(h, path, 0, 0);
    struct img m = load(path);
    struct lstat st;
    list_stat(&m, root, &st);
    assert_int_equal(st.total, 13);
    free(m.p);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

static void test_key_invalid_names(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    mkkey(h, root, "existing");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    regf_key ex = lookup(h, "existing");

    char long256[257], long255[256];
    memset(long256, 'x', 256);
    long256[256] = 0;
    memset(long255, 'y', 255);
    long255[255] = 0;
    char cyr256[256 * 2 + 1], cyr255[255 * 2 + 1];
    for (int i = 0; i < 256; i++)
        memcpy(cyr256 + 2 * i, "Ж", 2);
    cyr256[512] = 0;
    memcpy(cyr255, cyr256, 510);
    cyr255[510] = 0;
    struct {
        const char *name;
        size_t len;
    } bad[] = {
        { "", 0 },
        { "a\\b", 3 },
        { "\\", 1 },
        { "ab\\", 3 },
        { long256, 256 },
        { cyr256, 512 },
        { "\0abc", 4 },
        { "\0", 1 },
        { "\xFF", 1 },              /* not UTF-8 */
        { "a\xC3", 2 },             /* truncated sequence */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        regf_key out = 0;
        int rc = regf_key_create(h, ex, bad[i].name, bad[i].len, &out);
        if (rc != REGF_EINVAL)
            fail_msg("bad name #%zu: %d, want REGF_EINVAL", i, rc);
        assert_true(strlen(regf_errmsg(h)) > 0);
    }
    /* Nothing changed, and the handle still works. */
    assert_int_equal(regf_modified(h), 0);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, ex, &ki));
    assert_int_equal(ki.nsubkeys, 0);
    regf_key k255 = mkkey(h, ex, long255);
    regf_key c255 = mkkey(h, ex, cyr255);
    h = commit_reopen(h, path, 0, 0);
    HOK(h, regf_key_info(h, ex, &ki));
    assert_int_equal(ki.nsubkeys, 2);
    assert_int_equal(ki.max_name_len, 510);
    char nm[1024];
    key_name(h, k255, nm, sizeof nm, NULL);
    assert_string_equal(nm, long255);
    key_name(h, c255, nm, sizeof nm, NULL);
    assert_string_equal(nm, cyr255);
    struct img m = load(path);
    assert_true(cell_size(&m, c255) <= 1120);
    free(m.p);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* ---- many subkeys: sorted lists, ri ------------------------------------- */

static void shuffle(uint32_t *v, uint32_t n, uint32_t seed)
{
    uint32_t x = seed | 1;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = tu_xorshift32(&x) % i, t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static void many_name(char *buf, uint32_t i)
{
    static const char *const pre[] = { "key", "KEY", "Kéy", "КЛЮЧ", "ключ",
                                       "Ÿx", "ÿY", "a", "Z_" };
    sprintf(buf, "%s%05u", pre[i % 9], i);
}

/* Checks the list of KEY through the API: count, sorted iteration, every
 * key found by a case-changed lookup. */
static void check_children_api(regf_hive *h, regf_key key, uint32_t want)
{
    regf_iter it;
    regf_key k;
    uint32_t n = 0;
    uint16_t prev[300], cur[300];
    size_t np = 0, nc;
    int rc = regf_subkey_first(h, key, &it, &k);
    while (rc == REGF_OK) {
        char nm[600];
        size_t len;
        key_name(h, k, nm, sizeof nm, &len);
        nc = u8to16(nm, len, cur, 300);
        if (n > 0 && tu_cmp_units(prev, np, cur, nc) >= 0)
            fail_msg("subkey #%u '%s' is not after its predecessor", n, nm);
        memcpy(prev, cur, nc * 2);
        np = nc;
        n++;
        rc = regf_subkey_next(h, &it, &k);
    }
    assert_int_equal(rc, REGF_NOTFOUND);
    assert_int_equal(n, want);
}

static void test_many_keys(uint32_t minor, uint32_t leafmax)
{
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(minor);
    regf_key root = root_of(h);
    regf_key p = mkkey(h, root, "parent");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    uint64_t used0 = file_used(path);
    const char *leaf = minor >= 5 ? "lh" : "lf";

    enum { N = 3000 };
    uint32_t *order = malloc(N * sizeof *order);
    regf_key *keys = malloc(N * sizeof *keys);
    assert_non_null(order);
    assert_non_null(keys);
    for (uint32_t i = 0; i < N; i++)
        order[i] = i;
    shuffle(order, N, 12345 + minor);
    char nm[64];
    struct img m;
    struct lstat st;
    for (uint32_t i = 0; i < N; i++) {
        many_name(nm, order[i]);
        keys[order[i]] = mkkey(h, p, nm);
        if (i + 1 == leafmax || i + 1 == leafmax + 1) {
            /* Exactly at the limit: one leaf; one more: an ri. */
            h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
            m = load(path);
            list_stat(&m, p, &st);
            if (i + 1 == leafmax) {
                assert_string_equal(st.top, leaf);
            } else {
                assert_string_equal(st.top, "ri");
                assert_int_equal(st.nleaves, 2);
                assert_true(st.maxleaf <= leafmax);
            }
            free(m.p);
        }
    }
    /* Case variants of existing names are refused. */
    for (uint32_t i = 0; i < N; i += 97) {
        many_name(nm, i);
        char up[64];
        size_t n = strlen(nm);
        for (size_t j = 0; j <= n; j++)
            up[j] = (nm[j] >= 'a' && nm[j] <= 'z') ? (char)(nm[j] - 32)
                                                  : nm[j];
        expect_exists(h, p, up, n, keys[i]);
    }
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    m = load(path);
    list_stat(&m, p, &st);
    assert_string_equal(st.top, "ri");
    assert_int_equal(st.total, N);
    assert_true(st.maxleaf <= leafmax);
    assert_true(st.nleaves >= (N + leafmax - 1) / leafmax);
    if (minor >= 5)
        assert_int_equal(st.lh, st.nleaves);
    else
        assert_int_equal(st.lf + st.li, st.nleaves);
    free(m.p);
    check_children_api(h, p, N);
    for (uint32_t i = 0; i < N; i++) {
        regf_key k;
        many_name(nm, i);
        HOK(h, regf_key_child(h, p, nm, strlen(nm), &k));
        assert_int_equal(k, keys[i]);
    }

    /* Delete in another random order, checking on the way down. */
    shuffle(order, N, 999 + minor);
    for (uint32_t i = 0; i < N; i++) {
        HOK(h, regf_key_delete(h, keys[order[i]]));
        uint32_t left = N - 1 - i;
        if (left == 2000 || left == leafmax || left == 300 || left == 1) {
            h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
            m = load(path);
            list_stat(&m, p, &st);
            assert_int_equal(st.total, left);
            if (st.top[0] == 'r')
                assert_true(st.nleaves >= 2);
            free(m.p);
            check_children_api(h, p, left);
        }
    }
    h = commit_reopen(h, path, 0, 0);
    m = load(path);
    list_stat(&m, p, &st);
    assert_string_equal(st.top, "-");
    free(m.p);
    /* Everything the keys and lists used is free again. */
    assert_int_equal(file_used(path), used0);
    regf_close(h);
    free(order);
    free(keys);
    free(path);
    tu_rm_dir(dir);
}

static void test_many_keys_lh(void **state)
{
    (void)state;
    test_many_keys(5, 1012);
}

static void test_many_keys_lf(void **state)
{
    (void)state;
    test_many_keys(3, 506);
}

/* ---- MaxNameLen flag bits ------------------------------------------------ */

static void test_maxnamelen_flag_bits(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    regf_key p = mkkey(h, root, "P");
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    regf_close(h);

    /* Put flag bits above MaxNameLen (UserFlags 1, VirtControl 3, Debug
     * 0x0F) and access bits on P and the root, directly in the file. */
    struct img m = load(path);
    uint8_t *pd = m.p + 4096 + p + 4, *rd = m.p + 4096 + root + 4;
    put32(pd + 52, 0x0F310000u);
    pd[12] = 0x02;
    put32(rd + 52, 0xA0020000u | (le32(rd + 52) & 0xFFFF));
    put32(m.p + 508, bb_checksum(m.p));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(m.p, 1, m.len, f), m.len);
    fclose(f);
    free(m.p);

    h = tu_open(path);
    regf_close(h);
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    regf_set_time(h, T0);
    mkkey(h, p, "abcdefgh");                   /* 16 bytes */
    mkkey(h, p, "ab");                         /* does not lower it */
    regf_key c = mkkey(h, p, "Привет Мир");    /* 20 bytes */
    mkkey(h, root, "a-much-longer-name");      /* root: 36 bytes */
    HOK(h, regf_key_delete(h, c));
    h = commit_reopen(h, path, 0, 0);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, p, &ki));
    assert_int_equal(ki.user_flags, 0x0F31);
    assert_true(ki.max_name_len >= 16);         /* never below the real max */
    assert_true(ki.max_name_len <= 20);
    HOK(h, regf_key_info(h, root, &ki));
    assert_int_equal(ki.user_flags, 0xA002);
    assert_int_equal(ki.max_name_len, 36);
    m = load(path);
    assert_int_equal(le32(cell(&m, p) + 52) >> 16, 0x0F31);
    assert_int_equal(cell(&m, p)[12], 0x02);     /* access bits kept */
    free(m.p);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* ---- subtrees: security references, freeing ----------------------------- */

/* A subtree with values of every size class, UTF-16 names, and one key
 * with an ri list (when BIG). */
static regf_key add_subtree(regf_hive *h, regf_key parent, const char *name,
                            int big)
{
    static uint8_t data[70000];
    fill(data, sizeof data, 7);
    regf_key s = mkkey(h, parent, name);
    setval(h, s, "", REGF_SZ, "d\0e\0f\0\0\0", 8);
    setval(h, s, "dw", REGF_DWORD, data, 4);
    setval(h, s, "b5", REGF_BINARY, data, 5);
    setval(h, s, "seg", REGF_BINARY, data, 16344);
    setval(h, s, "db", REGF_BINARY, data, 16345);
    setval(h, s, "huge", REGF_BINARY, data, sizeof data);
    setval(h, s, "Имя", REGF_BINARY, data, 100);
    for (int i = 0; i < 5; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "Ключ%d", i);
        regf_key c = mkkey(h, s, nm);
        setval(h, c, "x", REGF_DWORD, data + i, 4);
        setval(h, c, "y", REGF_BINARY, data + i, 200 + (size_t)i);
        mkkey(h, c, "leaf");
        regf_key d = mkkey(h, c, "deeper");
        setval(h, d, "z", REGF_SZ, data, 40);
    }
    if (big) {
        regf_key many = mkkey(h, s, "many");
        for (int i = 0; i < 1100; i++) {
            char nm[32];
            snprintf(nm, sizeof nm, "m%04d", (i * 7919) % 1100);
            mkkey(h, many, nm);
        }
    }
    return s;
}

static void test_sk_refcounts_created(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    regf_key a = add_subtree(h, root, "A", 1);
    add_subtree(h, a, "inner", 0);
    add_subtree(h, root, "B", 0);
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    assert_int_equal(check_sk_refs(path), 1);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, root, &ki));
    struct img m = load(path);
    /* root + A (1 + 5*3 + 1 + 1100 keys) + inner (1 + 15) + B (16) */
    assert_int_equal(le32(cell(&m, ki.security) + 12),
                     1 + (1 + 15 + 1 + 1100) + 16 + 16);
    free(m.p);
    HOK(h, regf_key_delete(h, a));
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    m = load(path);
    assert_int_equal(le32(cell(&m, ki.security) + 12), 1 + 16);
    free(m.p);
    assert_int_equal(check_sk_refs(path), 1);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

struct skuse {
    uint32_t sk;
    regf_key key;
    uint32_t nsub;
};

static int cmp_skuse(const void *a, const void *b)
{
    const struct skuse *x = a, *y = b;
    return x->sk < y->sk ? -1 : x->sk > y->sk;
}

struct skuses {
    struct skuse *v;
    size_t n, cap;
};

static int collect_use(void *ctx, regf_hive *h, regf_key key, const char *path,
                       size_t plen, unsigned depth)
{
    struct skuses *s = ctx;
    struct regf_key_info ki;
    (void)path; (void)plen; (void)depth;
    if (regf_key_info(h, key, &ki) != REGF_OK)
        return 1;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n].sk = ki.security;
    s->v[s->n].key = key;
    s->v[s->n].nsub = ki.nsubkeys;
    s->n++;
    return 0;
}

/* In a real hive with many sk records: new keys share their parent's sk;
 * deleting the only key using an sk unlinks and frees it; deleting a
 * subtree with keys using several sk records keeps the counts exact. */
static void test_sk_refcounts_real(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = system_copy(dir);
    size_t nsk0 = check_sk_refs(path);
    assert_true(nsk0 > 10);

    regf_hive *h = NULL;
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    regf_set_time(h, T0);
    struct skuses u = { NULL, 0, 0 };
    HOK(h, regf_walk(h, 0, collect_use, &u));
    qsort(u.v, u.n, sizeof *u.v, cmp_skuse);
    /* An sk used by exactly one key, a key without subkeys. */
    regf_key lone = 0;
    for (size_t i = 0; i < u.n && !lone; i++) {
        int single = (i == 0 || u.v[i - 1].sk != u.v[i].sk) &&
                     (i + 1 == u.n || u.v[i + 1].sk != u.v[i].sk);
        if (single && u.v[i].nsub == 0)
            lone = u.v[i].key;
    }
    assert_int_not_equal(lone, 0);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, lone, &ki));
    uint32_t lone_sk = ki.security;
    /* A child of that key shares its sk (2 references), then both go. */
    regf_key child = mkkey(h, lone, "hivekit-child");
    HOK(h, regf_key_info(h, child, &ki));
    assert_int_equal(ki.security, lone_sk);
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    struct img m = load(path);
    assert_int_equal(le32(cell(&m, lone_sk) + 12), 2);
    free(m.p);
    assert_int_equal(check_sk_refs(path), nsk0);
    HOK(h, regf_key_delete(h, lone));
    /* The biggest subtree below ControlSet001\Enum with keys of more than
     * one sk: delete it whole. */
    regf_key enum_root = lookup(h, "ControlSet001\\Enum\\ROOT");
    HOK(h, regf_key_delete(h, enum_root));
    h = commit_reopen(h, path, 0, 0);
    size_t nsk1 = check_sk_refs(path);
    assert_true(nsk1 < nsk0);
    m = load(path);
    /* The freed sk cell is no longer allocated. */
    assert_true((int32_t)le32(m.p + 4096 + lone_sk) > 0 ||
                memcmp(m.p + 4096 + lone_sk + 4, "sk", 2) != 0);
    free(m.p);
    regf_close(h);
    free(u.v);
    free(path);
    tu_rm_dir(dir);
}

static void test_delete_frees_everything(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    regf_key p = mkkey(h, root, "Parent");
    mkkey(h, p, "Keep");                /* the list has room for more */
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    uint64_t used0 = file_used(path);

    struct regf_info in;
    uint32_t size1 = 0;
    for (int cycle = 0; cycle < 50; cycle++) {
        regf_key s = add_subtree(h, p, "Sub", 1);
        HOK(h, regf_key_delete(h, s));
        HOK(h, regf_get_info(h, &in));
        if (cycle == 0)
            size1 = in.bins_size;
        else if (in.bins_size != size1)
            fail_msg("cycle %d: bins grew from %u to %u bytes", cycle, size1,
                     in.bins_size);
        if (cycle % 10 == 0 || cycle == 49) {
            h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
            if (file_used(path) != used0)
                fail_msg("cycle %d: %llu bytes in use, %llu before", cycle,
                         (unsigned long long)file_used(path),
                         (unsigned long long)used0);
            struct stat sb;
            assert_int_equal(stat(path, &sb), 0);
            assert_int_equal(sb.st_size, 4096 + (off_t)size1);
        }
    }
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, p, &ki));
    assert_int_equal(ki.nsubkeys, 1);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* The same edits repeated on a key that is then deleted must not grow the
 * hive after the first round: the freed cells fit the same requests. */
static void test_cycle_no_growth_mixed_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = { 1000, 20000, 9000, 16344, 20000 };
    static uint8_t data[20000];
    for (uint32_t minor = 3; minor <= 5; minor += 2) {
        regf_hive *h = new_hive(minor);
        regf_key root = root_of(h);
        uint32_t first = 0;
        for (int c = 0; c < 6; c++) {
            regf_key s = mkkey(h, root, "S");
            for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
                char nm[8];
                snprintf(nm, sizeof nm, "v%zu", i);
                setval(h, s, nm, REGF_BINARY, data, sizes[i]);
            }
            HOK(h, regf_key_delete(h, s));
            struct regf_info in;
            HOK(h, regf_get_info(h, &in));
            if (c == 0)
                first = in.bins_size;
            /* Regression: a second round used to append a bin (1.5:
             * 98304 -> 114688 bytes, 1.3: 73728 -> 94208) while the
             * allocator took the most recently freed cell of a size class
             * instead of the smallest that fits: the 9000-byte value cut a
             * 16352-byte segment cell a later value needed. */
            else if (in.bins_size != first)
                fail_msg("1.%u, round %d: bins grew from %u to %u bytes",
                         minor, c, first, in.bins_size);
        }
        regf_close(h);
    }
}

static void test_root_undeletable(void **state)
{
    (void)state;
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    regf_key a = mkkey(h, root, "a");
    assert_int_equal(regf_key_delete(h, root), REGF_EINVAL);
    assert_true(strlen(regf_errmsg(h)) > 0);
    /* The handle is not broken and the tree intact. */
    mkkey(h, a, "b");
    HOK(h, regf_key_delete(h, a));
    /* A stale handle of a deleted key is refused without damage. */
    regf_key out;
    assert_true(regf_key_create(h, a, "c", 1, &out) < 0);
    assert_true(regf_key_delete(h, a) < 0);
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, root, &ki));
    assert_int_equal(ki.nsubkeys, 0);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* ---- values ------------------------------------------------------------- */

/* Checks the storage of value NAME of KEY in the file image. */
static void check_storage(const struct img *m, regf_hive *h, regf_key key,
                          const char *name, uint32_t minor,
                          const uint8_t *data, size_t len)
{
    regf_val v;
    HOK(h, regf_value_lookup(h, key, name, &v));
    struct regf_value_info vi;
    HOK(h, regf_value_info(h, v, &vi));
    const uint8_t *vk = cell(m, v);
    assert_memory_equal(vk, "vk", 2);
    uint32_t dl = le32(vk + 4), dat = le32(vk + 8);
    if (len <= 4) {
        assert_int_equal(dl, 0x80000000u | (uint32_t)len);
        assert_true(vi.inline_data);
        uint8_t want[4] = { 0, 0, 0, 0 };
        if (len)
            memcpy(want, data, len);
        assert_memory_equal(vk + 8, want, 4);    /* unused bytes zero */
        return;
    }
    assert_int_equal(dl, len);
    assert_false(vi.inline_data);
    if (minor >= 4 && len > 16344) {
        assert_true(vi.big_data);
        const uint8_t *db = cell(m, dat);
        assert_memory_equal(db, "db", 2);
        assert_int_equal(cell_size(m, dat), 16);
        uint32_t count = le16(db + 2);
        assert_int_equal(count, (len + 16343) / 16344);
        const uint8_t *list = cell(m, le32(db + 4));
        assert_true(4 * count <= cell_size(m, le32(db + 4)) - 4);
        size_t done = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t seg = le32(list + 4 * i);
            assert_int_equal(cell_size(m, seg), 16352);
            size_t take = len - done < 16344 ? len - done : 16344;
            assert_memory_equal(cell(m, seg), data + done, take);
            done += take;
        }
        return;
    }
    assert_false(vi.big_data);
    assert_int_equal(cell_size(m, dat), (len + 4 + 7) / 8 * 8);
    assert_memory_equal(cell(m, dat), data, len);
}

static void test_value_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 8, 100, 16344, 16345,
                                    2 * 16344, 2 * 16344 + 1, 100000,
                                    1 << 20 };
    size_t ns = sizeof sizes / sizeof *sizes;
    uint8_t *data = malloc((1 << 20) + 16);
    assert_non_null(data);
    fill(data, (1 << 20) + 16, 3);
    data[0] = 'd';          /* a 16344-byte value starting "db" is plain */
    data[1] = 'b';
    data[2] = 1;
    data[3] = 0;
    char *dir = tu_tmp_dir("write");
    for (uint32_t minor = 4; minor <= 6; minor++) {
        char *path = tu_path(dir, minor == 4 ? "v4" : minor == 5 ? "v5" : "v6");
        regf_hive *h = new_hive(minor);
        regf_key root = root_of(h);
        regf_key k = mkkey(h, root, "k");
        for (size_t i = 0; i < ns; i++) {
            char nm[16];
            snprintf(nm, sizeof nm, "v%zu", i);
            /* Small values replace a 4-byte 0xFF value: unused inline
             * bytes must be zeroed. */
            if (sizes[i] < 4)
                setval(h, k, nm, REGF_BINARY, "\xFF\xFF\xFF\xFF", 4);
            setval(h, k, nm, REGF_BINARY, data, sizes[i]);
        }
        h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
        struct img m = load(path);
        for (size_t i = 0; i < ns; i++) {
            char nm[16];
            snprintf(nm, sizeof nm, "v%zu", i);
            want_value(h, k, nm, REGF_BINARY, data, sizes[i]);
            check_storage(&m, h, k, nm, minor, data, sizes[i]);
        }
        /* Empty inline value: DataLength 0x80000000, Data 0. */
        regf_val v;
        HOK(h, regf_value_lookup(h, k, "v0", &v));
        assert_int_equal(le32(cell(&m, v) + 4), 0x80000000u);
        assert_int_equal(le32(cell(&m, v) + 8), 0);
        struct regf_key_info ki;
        HOK(h, regf_key_info(h, k, &ki));
        assert_int_equal(ki.max_value_data_len, 1 << 20);
        assert_int_equal(ki.max_value_name_len, 2 * strlen("v13"));
        assert_int_equal(ki.nvalues, ns);
        free(m.p);
        regf_close(h);
        free(path);
    }
    free(data);
    tu_rm_dir(dir);
}

static void test_value_sizes_13(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 3, 5, 16344, 16345, 20000, 100000,
                                    1 << 20 };
    size_t ns = sizeof sizes / sizeof *sizes;
    uint8_t *data = malloc((1 << 20) + 2);
    assert_non_null(data);
    fill(data, (1 << 20) + 2, 5);
    memcpy(data, "db\x02\x00", 4);     /* no db in 1.3: plain data */
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "v3");
    regf_hive *h = new_hive(3);
    regf_key root = root_of(h);
    regf_key k = mkkey(h, root, "k");
    for (size_t i = 0; i < ns; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "v%zu", i);
        setval(h, k, nm, REGF_BINARY, data, sizes[i]);
    }
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    /* Over 1 MiB: refused, nothing changed, the handle usable. */
    assert_int_equal(regf_value_set(h, k, "big", 3, REGF_BINARY, data,
                                    (1 << 20) + 1), REGF_ELIMIT);
    assert_int_equal(regf_value_set(h, k, "v1", 2, REGF_BINARY, data,
                                    (1 << 20) + 2), REGF_ELIMIT);
    assert_int_equal(regf_modified(h), 0);
    regf_val v;
    assert_int_equal(regf_value_lookup(h, k, "big", &v), REGF_NOTFOUND);
    /* Too big for big data too (65535 segments), refused before the data
     * is read. */
    regf_hive *h5 = new_hive(5);
    regf_key k5 = mkkey(h5, root_of(h5), "k");
    assert_int_equal(regf_value_set(h5, k5, "x", 1, REGF_BINARY, data,
                                    (size_t)0xFFFF * 16344 + 1), REGF_ELIMIT);
    assert_int_equal(regf_value_lookup(h5, k5, "x", &v), REGF_NOTFOUND);
    regf_close(h5);
    setval(h, k, "after", REGF_DWORD, data, 4);
    h = commit_reopen(h, path, 0, 0);
    struct img m = load(path);
    for (size_t i = 0; i < ns; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "v%zu", i);
        want_value(h, k, nm, REGF_BINARY, data, sizes[i]);
        check_storage(&m, h, k, nm, 3, data, sizes[i]);
    }
    free(m.p);
    regf_close(h);
    free(data);
    free(path);
    tu_rm_dir(dir);
}

static void test_value_types(void **state)
{
    (void)state;
    static const uint32_t types[] = { REGF_NONE, REGF_SZ, REGF_DWORD_BE,
                                      REGF_LINK, REGF_QWORD, 12, 0x100000,
                                      0x200000, 0x7FFFFFFF, 0xFFFFFFFF };
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "types");
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "t%zu", i);
        setval(h, k, nm, types[i], "abcdefgh", i % 9);
    }
    setval(h, k, "none-empty", REGF_NONE, NULL, 0);
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "t%zu", i);
        want_value(h, k, nm, types[i], "abcdefgh", i % 9);
    }
    want_value(h, k, "none-empty", REGF_NONE, "", 0);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

static void test_value_names(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    setval(h, k, "äöü", REGF_DWORD, "\1\2\3\4", 4);
    setval(h, k, "Ключ", REGF_DWORD, "\1\2\3\4", 4);
    setval(h, k, "a\\b", REGF_DWORD, "\1\2\3\4", 4);   /* legal in values */
    HOK(h, regf_value_set(h, k, "n\0l", 3, REGF_DWORD, "\5\6\7\10", 4));
    char *n16383 = malloc(16385);
    assert_non_null(n16383);
    memset(n16383, 'v', 16384);
    n16383[16384] = 0;
    assert_int_equal(regf_value_set(h, k, n16383, 16384, REGF_DWORD, "x", 1),
                     REGF_EINVAL);
    assert_int_equal(regf_value_set(h, k, "\xFF", 1, REGF_DWORD, "x", 1),
                     REGF_EINVAL);
    n16383[16383] = 0;
    setval(h, k, n16383, REGF_DWORD, "x", 1);
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
    struct img m = load(path);
    regf_val v;
    HOK(h, regf_value_lookup(h, k, "ÄÖÜ", &v));
    assert_int_equal(le16(cell(&m, v) + 16) & 1, 1);
    assert_int_equal(le16(cell(&m, v) + 2), 3);
    HOK(h, regf_value_lookup(h, k, "кЛЮЧ", &v));
    assert_int_equal(le16(cell(&m, v) + 16) & 1, 0);
    assert_int_equal(le16(cell(&m, v) + 2), 8);
    want_value(h, k, "a\\b", REGF_DWORD, "\1\2\3\4", 4);
    HOK(h, regf_value_at(h, k, 3, &v));
    char nm[32];
    size_t need;
    HOK(h, regf_value_name(h, v, nm, sizeof nm, &need));
    assert_int_equal(need, 3);
    assert_memory_equal(nm, "n\0l", 3);
    want_value(h, k, n16383, REGF_DWORD, "x", 1);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.max_value_name_len, 2 * 16383);
    free(m.p);
    free(n16383);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

static void test_value_replace(void **state)
{
    (void)state;
    uint8_t *big = malloc(100000);
    assert_non_null(big);
    fill(big, 100000, 9);
    char *dir = tu_tmp_dir("write");
    char *pa = tu_path(dir, "a"), *pb = tu_path(dir, "b");
    /* A: the final state set directly. */
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    setval(h, k, "Foo", REGF_DWORD, "\x11\x22", 2);
    setval(h, k, "Other", REGF_SZ, "o\0\0\0", 4);
    h = commit_reopen(h, pa, REGF_COMMIT_NEW, 0);
    regf_close(h);
    /* B: the same name set through every storage class, in other cases. */
    h = new_hive(5);
    k = mkkey(h, root_of(h), "k");
    setval(h, k, "Foo", REGF_SZ, "f\0o\0o\0\0\0", 8);
    setval(h, k, "Other", REGF_SZ, "o\0\0\0", 4);
    setval(h, k, "FOO", REGF_BINARY, big, 100000);      /* -> db */
    setval(h, k, "foo", REGF_BINARY, big, 16344);       /* -> one cell */
    setval(h, k, "fOO", REGF_BINARY, big, 16345);       /* -> db */
    setval(h, k, "FoO", REGF_BINARY, big, 50);          /* -> cell */
    setval(h, k, "FOO", REGF_DWORD, "\x11\x22", 2);     /* -> inline */
    h = commit_reopen(h, pb, REGF_COMMIT_NEW, 0);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.nvalues, 2);
    assert_int_equal(ki.max_value_data_len, 100000);
    regf_val v;
    HOK(h, regf_value_at(h, k, 0, &v));
    char nm[16];
    HOK(h, regf_value_name(h, v, nm, sizeof nm, NULL));
    assert_string_equal(nm, "Foo");                     /* stored case kept */
    want_value(h, k, "foo", REGF_DWORD, "\x11\x22", 2);
    want_value(h, k, "other", REGF_SZ, "o\0\0\0", 4);
    regf_close(h);
    /* Every old data cell was freed. */
    assert_int_equal(file_used(pa), file_used(pb));
    free(big);
    free(pa);
    free(pb);
    tu_rm_dir(dir);
}

static void test_default_value(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    HOK(h, regf_value_set(h, k, NULL, 0, REGF_SZ, "x\0\0\0", 4));
    HOK(h, regf_value_set(h, k, "", 0, REGF_SZ, "y\0z\0\0\0", 6)); /* same */
    setval(h, k, "named", REGF_DWORD, "\1\0\0\0", 4);
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.nvalues, 2);
    regf_val v;
    HOK(h, regf_value_lookup(h, k, NULL, &v));
    char nm[8] = "junk";
    size_t need = 99;
    HOK(h, regf_value_name(h, v, nm, sizeof nm, &need));
    assert_int_equal(need, 0);
    assert_string_equal(nm, "");
    want_value(h, k, "", REGF_SZ, "y\0z\0\0\0", 6);
    struct img m = load(path);
    assert_int_equal(le16(cell(&m, v) + 2), 0);        /* NameLength */
    assert_int_equal(le16(cell(&m, v) + 16), 0);       /* Flags */
    free(m.p);
    HOK(h, regf_value_delete(h, k, "", 0));
    assert_int_equal(regf_value_lookup(h, k, "", &v), REGF_NOTFOUND);
    h = commit_reopen(h, path, 0, 0);
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.nvalues, 1);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

static void test_value_delete(void **state)
{
    (void)state;
    uint8_t data[20000];
    fill(data, sizeof data, 11);
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    uint64_t used0 = file_used(path);
    setval(h, k, "a", REGF_DWORD, data, 4);
    setval(h, k, "b", REGF_BINARY, data, 20000);
    setval(h, k, "c", REGF_BINARY, data, 300);
    setval(h, k, "d", REGF_BINARY, data, 0);
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    HOK(h, regf_value_delete(h, k, "B", 1));
    assert_int_equal(regf_value_delete(h, k, "b", 1), REGF_NOTFOUND);
    assert_int_equal(regf_value_delete(h, k, "zz", 2), REGF_NOTFOUND);
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    const char *order[] = { "a", "c", "d" };
    for (uint32_t i = 0; i < 3; i++) {
        regf_val v;
        char nm[8];
        HOK(h, regf_value_at(h, k, i, &v));
        HOK(h, regf_value_name(h, v, nm, sizeof nm, NULL));
        assert_string_equal(nm, order[i]);
    }
    want_value(h, k, "c", REGF_BINARY, data, 300);
    HOK(h, regf_value_delete(h, k, "a", 1));
    HOK(h, regf_value_delete(h, k, "D", 1));
    HOK(h, regf_value_delete(h, k, "c", 1));
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);
    struct img m = load(path);
    assert_int_equal(le32(cell(&m, k) + 36), 0);
    assert_int_equal(le32(cell(&m, k) + 40), NIL);
    free(m.p);
    assert_int_equal(file_used(path), used0);
    assert_int_equal(regf_modified(h), 0);
    assert_int_equal(regf_value_delete(h, k, "a", 1), REGF_NOTFOUND);
    assert_int_equal(regf_modified(h), 0);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* Many values on one key (the name index), replaced in other cases and
 * deleted from the middle. */
static void test_many_values(void **state)
{
    (void)state;
    enum { NV = 400 };
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    regf_key k2 = mkkey(h, root_of(h), "k2");
    char nm[32];
    for (uint32_t i = 0; i < NV; i++) {
        snprintf(nm, sizeof nm, "Value%u", i);
        uint32_t d = i;
        setval(h, k, nm, REGF_DWORD, &d, 4);
        setval(h, k2, nm, REGF_DWORD, &d, 4);    /* alternate keys */
    }
    for (uint32_t i = 0; i < NV; i += 3) {
        snprintf(nm, sizeof nm, "VALUE%u", i);
        uint32_t d = i + 1000000;
        setval(h, k, nm, REGF_DWORD, &d, 4);
    }
    for (uint32_t i = 0; i < NV; i += 5) {
        snprintf(nm, sizeof nm, "value%u", i);
        HOK(h, regf_value_delete(h, k, nm, strlen(nm)));
    }
    for (uint32_t i = 0; i < NV; i += 10) {    /* re-added at the end */
        snprintf(nm, sizeof nm, "vAlue%u", i);
        uint32_t d = i + 2000000;
        setval(h, k, nm, REGF_DWORD, &d, 4);
    }
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.nvalues, NV - NV / 5 + NV / 10);
    for (uint32_t i = 0; i < NV; i++) {
        snprintf(nm, sizeof nm, "value%u", i);
        uint32_t d = i % 10 == 0 ? i + 2000000 : i % 5 == 0 ? 0 :
                     i % 3 == 0 ? i + 1000000 : i;
        if (i % 5 == 0 && i % 10 != 0) {
            regf_val v;
            assert_int_equal(regf_value_lookup(h, k, nm, &v), REGF_NOTFOUND);
            continue;
        }
        want_value(h, k, nm, REGF_DWORD, &d, 4);
        d = i;
        want_value(h, k2, nm, REGF_DWORD, &d, 4);
    }
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

static void test_value_max_lens(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    uint8_t d[300] = { 0 };
    setval(h, k, "ab", REGF_BINARY, d, 10);
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.max_value_name_len, 4);
    assert_int_equal(ki.max_value_data_len, 10);
    setval(h, k, "Ключи", REGF_BINARY, d, 3);          /* 10 bytes UTF-16 */
    setval(h, k, "ÄÖ", REGF_BINARY, d, 300);           /* 4 bytes */
    HOK(h, regf_key_info(h, k, &ki));
    assert_int_equal(ki.max_value_name_len, 10);
    assert_int_equal(ki.max_value_data_len, 300);
    setval(h, k, "AB", REGF_BINARY, d, 299);           /* replace: no raise */
    HOK(h, regf_value_delete(h, k, "Ключи", strlen("Ключи")));
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
    HOK(h, regf_key_info(h, k, &ki));
    assert_true(ki.max_value_name_len >= 4);
    assert_true(ki.max_value_data_len >= 300);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* LastWritten: set on the keys an edit changes, kept on the others. */
static void test_last_written(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = new_hive(5);
    regf_key root = root_of(h);
    regf_key a = mkkey(h, root, "a"), b = mkkey(h, root, "b");
    regf_key c = mkkey(h, root, "c"), d = mkkey(h, c, "d");
    regf_key e = mkkey(h, root, "e");
    regf_key a1 = mkkey(h, a, "a1");
    setval(h, b, "v", REGF_DWORD, "\1\0\0\0", 4);
    setval(h, e, "w", REGF_DWORD, "\1\0\0\0", 4);
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    regf_set_time(h, T1);
    regf_key a2 = mkkey(h, a, "a2");              /* a, a2 */
    setval(h, b, "v", REGF_DWORD, "\2\0\0\0", 4);  /* b */
    HOK(h, regf_key_delete(h, d));                 /* c */
    HOK(h, regf_value_delete(h, e, "w", 1));       /* e */
    h = commit_reopen(h, path, 0, 0);
    struct {
        regf_key k;
        uint64_t t;
    } want[] = { { root, T0 }, { a, T1 }, { a1, T0 }, { a2, T1 }, { b, T1 },
                 { c, T1 }, { e, T1 } };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        struct regf_key_info ki;
        HOK(h, regf_key_info(h, want[i].k, &ki));
        if (ki.last_written != want[i].t)
            fail_msg("key #%zu: LastWritten %llx, want %llx", i,
                     (unsigned long long)ki.last_written,
                     (unsigned long long)want[i].t);
    }
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* ---- determinism -------------------------------------------------------- */

static void edit_sequence(regf_hive *h)
{
    static uint8_t data[40000];
    fill(data, sizeof data, 21);
    regf_key root = root_of(h);
    regf_key a = add_subtree(h, root, "Det", 0);
    regf_key b = mkkey(h, a, "ZZ");
    for (int i = 0; i < 40; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "k%02d", (i * 17) % 40);
        regf_key c = mkkey(h, b, nm);
        setval(h, c, "v", REGF_BINARY, data + i, (size_t)(i * 997) % 40000);
    }
    HOK(h, regf_key_delete(h, lookup(h, "Det\\Ключ2")));
    HOK(h, regf_value_delete(h, a, "huge", 4));
    setval(h, a, "db", REGF_BINARY, data, 3);
}

static void test_deterministic(void **state)
{
    (void)state;
    char *d1 = tu_tmp_dir("write"), *d2 = tu_tmp_dir("write");
    char *p1 = tu_path(d1, "hive"), *p2 = tu_path(d2, "hive");
    for (int round = 0; round < 2; round++) {
        regf_hive *h = new_hive(5);
        edit_sequence(h);
        HOK(h, regf_commit(h, round ? p2 : p1, REGF_COMMIT_NEW));
        regf_close(h);
    }
    struct img a = load(p1), b = load(p2);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    check_image(a.p, a.len, p1);
    free(a.p);
    free(b.p);
    /* The same edits on two copies of an existing hive. */
    char *src = tu_fixture("hives/special");
    tu_copy_file(src, p1);
    tu_copy_file(src, p2);
    free(src);
    for (int round = 0; round < 2; round++) {
        regf_hive *h = NULL;
        assert_int_equal(regf_open(round ? p2 : p1, REGF_OPEN_WRITE, &h),
                         REGF_OK);
        regf_set_time(h, T1);
        edit_sequence(h);
        HOK(h, regf_commit(h, NULL, 0));
        regf_close(h);
    }
    a = load(p1);
    b = load(p2);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_int_equal(le64(a.p + 12), T1);
    check_image(a.p, a.len, p1);
    free(a.p);
    free(b.p);
    free(p1);
    free(p2);
    tu_rm_dir(d1);
    tu_rm_dir(d2);
}

/* ---- commit ------------------------------------------------------------- */

static void test_commit_header_and_mode(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "hive");
    regf_hive *h = new_hive(5);
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    regf_close(h);
    struct img a = load(path);
    assert_int_equal(le32(a.p + 4), le32(a.p + 8));

    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    assert_int_equal(regf_modified(h), 0);
    regf_set_time(h, T1);
    mkkey(h, root_of(h), "x");
    assert_int_equal(regf_modified(h), 1);
    assert_int_equal(chmod(path, 0640), 0);
    HOK(h, regf_commit(h, NULL, 0));
    assert_int_equal(regf_modified(h), 0);
    struct img b = load(path);
    uint32_t seq = le32(a.p + 4) + 1;
    assert_int_equal(le32(b.p + 4), seq);
    assert_int_equal(le32(b.p + 8), seq);
    assert_int_equal(le32(b.p + 508), bb_checksum(b.p));
    assert_int_equal(le32(b.p + 40), b.len - 4096);
    assert_int_equal(le64(b.p + 12), T1);
    assert_int_equal(le64(b.p + 4096 + 20), T1);
    assert_int_equal(le32(b.p + 24), 5);
    assert_int_equal(le32(b.p + 28), 0);
    /* The rest of the base block is kept. */
    assert_memory_equal(a.p + 20, b.p + 20, 20);              /* ver..root */
    assert_memory_equal(a.p + 44, b.p + 44, 508 - 44);
    assert_memory_equal(a.p + 512, b.p + 512, 4096 - 512);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* Committing again, unchanged, still advances the sequence. */
    HOK(h, regf_commit(h, NULL, 0));
    struct img c = load(path);
    assert_int_equal(le32(c.p + 4), seq + 1);
    assert_int_equal(le32(c.p + 8), seq + 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(tu_dir_entries(dir), 1);     /* no temporary files left */
    regf_close(h);
    check_file(path);
    free(a.p);
    free(b.p);
    free(c.p);
    free(path);
    tu_rm_dir(dir);
}

static void test_commit_backup(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "hive");
    char *bak = tu_path(dir, "hive.bak");
    regf_hive *h = new_hive(5);
    mkkey(h, root_of(h), "one");
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    regf_close(h);
    struct img a = load(path);
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    mkkey(h, root_of(h), "two");
    HOK(h, regf_commit(h, NULL, REGF_COMMIT_BACKUP));
    struct img b = load(bak);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    struct img c = load(path);
    mkkey(h, root_of(h), "three");
    HOK(h, regf_commit(h, NULL, REGF_COMMIT_BACKUP));
    struct img d = load(bak);
    assert_int_equal(c.len, d.len);
    assert_memory_equal(c.p, d.p, c.len);
    assert_int_equal(tu_dir_entries(dir), 2);
    /* A backup that cannot be written fails the commit: the file stays,
     * no temporary file is left. */
    unlink(bak);
    assert_int_equal(mkdir(bak, 0755), 0);
    char *inner = tu_path(bak, "x");
    FILE *f = fopen(inner, "w");
    assert_non_null(f);
    fclose(f);
    struct img e = load(path);
    mkkey(h, root_of(h), "four");
    assert_int_equal(regf_commit(h, NULL, REGF_COMMIT_BACKUP), REGF_EIO);
    struct img g = load(path);
    assert_int_equal(e.len, g.len);
    assert_memory_equal(e.p, g.p, e.len);
    assert_int_equal(tu_dir_entries(dir), 2);
    unlink(inner);
    rmdir(bak);
    free(inner);
    free(e.p);
    free(g.p);
    HOK(h, regf_commit(h, NULL, 0));
    regf_close(h);
    check_file(path);
    h = tu_open(path);
    lookup(h, "three");
    lookup(h, "four");
    regf_close(h);
    free(a.p);
    free(b.p);
    free(c.p);
    free(d.p);
    free(path);
    free(bak);
    tu_rm_dir(dir);
}

static void test_commit_new_refuses(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "hive");
    char *other = tu_path(dir, "other");
    regf_hive *h = new_hive(5);
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    struct img a = load(path);
    mkkey(h, root_of(h), "x");
    assert_int_equal(regf_commit(h, path, REGF_COMMIT_NEW), REGF_EEXIST);
    assert_true(strlen(regf_errmsg(h)) > 0);
    struct img b = load(path);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_int_equal(tu_dir_entries(dir), 1);
    assert_int_equal(regf_modified(h), 1);
    /* The handle is still good. */
    HOK(h, regf_commit(h, other, REGF_COMMIT_NEW));
    regf_close(h);
    check_file(other);
    h = tu_open(other);
    lookup(h, "x");
    regf_close(h);
    free(a.p);
    free(b.p);
    free(path);
    free(other);
    tu_rm_dir(dir);
}

static void test_dirty_refused(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "NewDirtyHive");
    char *other = tu_path(dir, "elsewhere");
    char *src = tu_input("fixtures/hives/yarp/NewDirtyHive1/NewDirtyHive.xz");
    tu_copy_file(src, path);
    free(src);
    struct img a = load(path);
    regf_hive *h = NULL;
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    struct regf_info in;
    HOK(h, regf_get_info(h, &in));
    assert_true(in.dirty);
    regf_key k;
    int rc = regf_key_create(h, root_of(h), "new", 3, &k);
    assert_true(rc == REGF_OK || rc == REGF_EDIRTY);
    assert_int_equal(regf_commit(h, NULL, 0), REGF_EDIRTY);
    assert_true(strlen(regf_errmsg(h)) > 0);
    assert_int_equal(regf_commit(h, other, 0), REGF_EDIRTY);
    assert_int_equal(regf_commit(h, path, REGF_COMMIT_BACKUP), REGF_EDIRTY);
    regf_close(h);
    struct img b = load(path);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_int_equal(tu_dir_entries(dir), 1);
    free(a.p);
    free(b.p);
    /* A bad header checksum makes a hive dirty as well. */
    src = tu_input("fixtures/hives/yarp/GarbageHive.xz");
    tu_copy_file(src, path);
    free(src);
    a = load(path);
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    HOK(h, regf_get_info(h, &in));
    assert_true(in.dirty);
    assert_false(in.checksum_ok);
    assert_int_equal(regf_commit(h, NULL, 0), REGF_EDIRTY);
    regf_close(h);
    b = load(path);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    free(a.p);
    free(b.p);
    free(path);
    free(other);
    tu_rm_dir(dir);
}

static void test_readonly_refused(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "hive");
    regf_hive *h = new_hive(5);
    regf_key k = mkkey(h, root_of(h), "k");
    setval(h, k, "v", REGF_DWORD, "\1\2\3\4", 4);
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    regf_close(h);
    struct img a = load(path);
    h = tu_open(path);
    regf_key out;
    assert_int_equal(regf_key_create(h, k, "x", 1, &out), REGF_ERDONLY);
    assert_int_equal(regf_key_create_path(h, 0, "x\\y", &out), REGF_ERDONLY);
    assert_int_equal(regf_key_delete(h, k), REGF_ERDONLY);
    assert_int_equal(regf_value_set(h, k, "w", 1, REGF_DWORD, "1234", 4),
                     REGF_ERDONLY);
    assert_int_equal(regf_value_delete(h, k, "v", 1), REGF_ERDONLY);
    assert_int_equal(regf_commit(h, NULL, 0), REGF_ERDONLY);
    assert_int_equal(regf_modified(h), 0);
    regf_close(h);
    struct img b = load(path);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    free(a.p);
    free(b.p);
    free(path);
    tu_rm_dir(dir);
}

static void test_create_path(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "hive");
    regf_hive *h = new_hive(5);
    regf_key k, k2;
    HOK(h, regf_key_create_path(h, 0, "A\\B\\Ключ\\D", &k));
    HOK(h, regf_key_create_path(h, 0, "\\a\\\\b\\ключ\\d\\", &k2));
    assert_int_equal(k, k2);
    HOK(h, regf_key_create_path(h, lookup(h, "A"), "B\\E", &k2));
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);
    assert_int_equal(lookup(h, "a\\b\\КЛЮЧ\\d"), k);
    assert_int_equal(lookup(h, "A\\B\\E"), k2);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* Windows' CmpCheckRegistry2 walks with a stack of CMP_MAX_REGISTRY_DEPTH
 * (512) entries, the root being entry 0: the deepest loadable key is 511
 * levels below the root (docs/format.md §9, §14 item 17). */
static int count_walk(void *ctx, regf_hive *h, regf_key key, const char *path,
                      size_t plen, unsigned depth)
{
    (void)h; (void)key; (void)path; (void)plen; (void)depth;
    (*(unsigned *)ctx)++;
    return 0;
}

static void test_depth_limit(void **state)
{
    (void)state;
    regf_hive *h = new_hive(5);
    regf_key k = root_of(h), top = 0;
    int depth = 0, rc = REGF_OK;
    while (depth < 600) {
        regf_key n;
        rc = regf_key_create(h, k, "d", 1, &n);
        if (rc != REGF_OK)
            break;
        if (!top)
            top = n;
        k = n;
        depth++;
    }
    /* Regression: regf_key_create had no depth limit and built keys 600
     * levels deep, a hive Windows refuses to load. The key at depth 512
     * is refused with REGF_ELIMIT. */
    if (rc != REGF_ELIMIT || depth != 511)
        fail_msg("deepest key created at depth %d (then %d); want 511 and "
                 "REGF_ELIMIT", depth, rc);
    regf_key out;
    assert_int_equal(regf_key_create_path(h, k, "x\\y", &out), REGF_ELIMIT);
    unsigned n = 0;
    HOK(h, regf_walk(h, 0, count_walk, &n));
    assert_int_equal(n, 512);
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
    HOK(h, regf_key_delete(h, top));
    h = commit_reopen(h, path, 0, 0);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* Freed cells are wiped: deleted names and data leave no trace. */
static int contains(const struct img *m, const void *pat, size_t n)
{
    for (size_t i = 0; i + n <= m->len; i++)
        if (memcmp(m->p + i, pat, n) == 0)
            return 1;
    return 0;
}

static void test_no_remnants(void **state)
{
    (void)state;
    static const char marker[] = "HIVEKIT-SECRET-7Q";
    uint8_t *data = malloc(40000);
    assert_non_null(data);
    for (size_t i = 0; i < 40000; i++)
        data[i] = (uint8_t)marker[i % (sizeof marker - 1)];
    char *dir = tu_tmp_dir("write");
    for (uint32_t minor = 3; minor <= 5; minor += 2) {
        char *path = tu_path(dir, minor == 3 ? "v3" : "v5");
        regf_hive *h = new_hive(minor);
        regf_key root = root_of(h);
        regf_key keep = mkkey(h, root, "keep");
        regf_key s = mkkey(h, root, "SecretKeyName");
        mkkey(h, s, "SecretChild");
        setval(h, s, "SecretValueName", REGF_BINARY, data, 40000);
        setval(h, keep, "SecretValue2", REGF_BINARY, data, 5000);
        setval(h, keep, "v", REGF_BINARY, data, 300);
        h = commit_reopen(h, path, REGF_COMMIT_NEW, REGF_OPEN_WRITE);
        struct img m = load(path);
        assert_true(contains(&m, marker, sizeof marker - 1));
        assert_true(contains(&m, "SecretKeyName", 13));
        free(m.p);
        HOK(h, regf_key_delete(h, s));
        HOK(h, regf_value_delete(h, keep, "SecretValue2", 12));
        setval(h, keep, "v", REGF_DWORD, "\0\0\0\0", 4);   /* replaced */
        h = commit_reopen(h, path, 0, 0);
        m = load(path);
        assert_false(contains(&m, marker, 8));
        assert_false(contains(&m, "Secret", 6));
        free(m.p);
        regf_close(h);
        free(path);
    }
    free(data);
    tu_rm_dir(dir);
}

static void test_commit_failures(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *missing = tu_path(dir, "no-such-dir/hive");
    char *sub = tu_path(dir, "subdir");
    char *good = tu_path(dir, "good");
    assert_int_equal(mkdir(sub, 0755), 0);
    regf_hive *h = new_hive(5);
    mkkey(h, root_of(h), "x");
    assert_int_equal(regf_commit(h, missing, 0), REGF_EIO);
    assert_true(regf_errno(h) != 0);
    assert_true(strlen(regf_errmsg(h)) > 0);
    assert_int_equal(regf_commit(h, sub, 0), REGF_EIO);   /* a directory */
    assert_int_equal(tu_dir_entries(sub), 0);
    rmdir(sub);
    assert_int_equal(tu_dir_entries(dir), 0);
    /* The handle is intact: the edit is still there to commit. */
    assert_int_equal(regf_modified(h), 1);
    h = commit_reopen(h, good, REGF_COMMIT_NEW, 0);
    lookup(h, "x");
    regf_close(h);
    free(missing);
    free(sub);
    free(good);
    tu_rm_dir(dir);
}

/* Without regf_set_time, edits and the header get the current time. */
static void test_current_time(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    regf_hive *h = NULL;
    assert_int_equal(regf_create("t", 5, &h), REGF_OK);
    regf_key k = mkkey(h, root_of(h), "k");
    HOK(h, regf_commit(h, path, REGF_COMMIT_NEW));
    regf_close(h);
    uint64_t now = ((uint64_t)time(NULL) + 11644473600ull) * 10000000ull;
    uint64_t day = 864000000000ull;
    struct img m = load(path);
    uint64_t ts = le64(m.p + 12);
    assert_true(ts > now - day && ts < now + day);
    uint64_t kt = le64(cell(&m, k) + 4);
    assert_true(kt > now - day && kt < now + day);
    free(m.p);
    free(path);
    tu_rm_dir(dir);
}

/* ---- editing existing lists and data of other writers ------------------- */

/* Strict problems per code of the file at PATH (default-level problems
 * must be 0). */
static void check_counts(const char *path, unsigned *counts)
{
    struct img m = load(path);
    struct hc_report rep;
    int n = hc_check(m.p, m.len, 0, &rep);
    if (n != 0)
        hc_print(&rep, stderr);
    hc_free(&rep);
    assert_int_equal(n, 0);
    hc_check(m.p, m.len, HC_STRICT_WRITER, &rep);
    memcpy(counts, rep.counts, sizeof rep.counts);
    hc_free(&rep);
    free(m.p);
}

/* No problem the input did not have, and never a leaked cell. */
static void check_no_worse(const char *path, const unsigned *before)
{
    unsigned after[HC_NCODES];
    check_counts(path, after);
    for (int i = 0; i < HC_NCODES; i++)
        if (after[i] > before[i] || (i == HC_CELL_LEAK && after[i]))
            fail_msg("%s: hivecheck code #%d: %u problems, %u before", path,
                     i, after[i], before[i]);
}

/* Like commit_reopen, for inputs that do not pass the strict check: the
 * result must have no problem the input did not have. */
static regf_hive *commit_reopen_base(regf_hive *h, const char *path,
                                     unsigned oflags, const unsigned *base)
{
    HOK(h, regf_commit(h, path, 0));
    regf_close(h);
    check_no_worse(path, base);
    regf_hive *n = NULL;
    int rc = regf_open(path, oflags, &n);
    if (rc != REGF_OK)
        fail_msg("regf_open(%s) = %d: %s", path, rc, regf_errmsg(n));
    if (oflags & REGF_OPEN_WRITE)
        regf_set_time(n, T0);
    return n;
}

static void test_edit_mixed_lists(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "tiny");
    struct mk_tiny t;
    struct mkhive *mk = mk_tiny(5, &t);
    /* mk_tiny leaves the value maxima at 0; a valid input has them. */
    mk_w32(mk, t.a + 4 + 60, 6);
    mk_w32(mk, t.a + 4 + 64, 20000);
    mk_w32(mk, t.c + 4 + 64, 8);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, len, f), len);
    fclose(f);
    mk_free(mk);
    unsigned base[HC_NCODES];
    check_counts(path, base);

    regf_hive *h = NULL;
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    regf_set_time(h, T0);
    /* B: ri -> [li [B1, B2], lh [B3]]. */
    const char *add[] = { "B15", "B0", "B4", "B25", "b35" };
    for (size_t i = 0; i < 5; i++)
        mkkey(h, t.b, add[i]);
    mkkey(h, t.c, "C0");                       /* into an lf of a 1.5 hive */
    uint8_t big[30000];
    fill(big, sizeof big, 4);
    setval(h, t.a, "BIG", REGF_BINARY, "abc", 3);   /* db -> inline */
    HOK(h, regf_value_delete(h, t.a, "sz", 2));
    setval(h, t.a, "x", REGF_BINARY, big, sizeof big);
    h = commit_reopen_base(h, path, REGF_OPEN_WRITE, base);
    check_children_api(h, t.b, 8);
    struct img m = load(path);
    struct lstat st;
    list_stat(&m, t.b, &st);
    assert_string_equal(st.top, "ri");
    list_stat(&m, t.c, &st);
    assert_int_equal(st.total, 2);
    free(m.p);
    want_value(h, t.a, "big", REGF_BINARY, "abc", 3);
    want_value(h, t.a, "x", REGF_BINARY, big, sizeof big);
    want_value(h, t.a, "dw", REGF_DWORD, "\x44\x33\x22\x11", 4);

    /* Empty the li leaf: it leaves the ri, and the ri with one leaf left
     * becomes that leaf. */
    const char *del[] = { "B\\B0", "B\\B1", "B\\B15", "B\\B2", "B\\B25" };
    for (size_t i = 0; i < 5; i++)
        HOK(h, regf_key_delete(h, lookup(h, del[i])));
    HOK(h, regf_key_delete(h, t.c1));
    h = commit_reopen_base(h, path, 0, base);
    check_children_api(h, t.b, 3);
    m = load(path);
    list_stat(&m, t.b, &st);
    assert_int_equal(st.nleaves, 1);
    assert_true(st.top[0] == 'l');
    free(m.p);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* A 1.3 hive of another writer: 5000 subkeys in an ri of li leaves. */
static void test_edit_ri_li_hive(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "ManySubkeysHive");
    char *src = tu_input("fixtures/hives/yarp/ManySubkeysHive.xz");
    tu_copy_file(src, path);
    free(src);
    unsigned base[HC_NCODES];
    check_counts(path, base);
    regf_hive *h = NULL;
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    regf_set_time(h, T0);
    regf_key p = lookup(h, "key_with_many_subkeys");
    struct regf_key_info ki;
    HOK(h, regf_key_info(h, p, &ki));
    uint32_t n0 = ki.nsubkeys;
    assert_true(n0 > 4000);
    struct img m = load(path);
    struct lstat st;
    list_stat(&m, p, &st);
    free(m.p);
    assert_string_equal(st.top, "ri");
    assert_true(st.li > 0);
    char nm[32];
    for (uint32_t i = 0; i < 1500; i++) {
        snprintf(nm, sizeof nm, "%u_new", (i * 7919) % 1500);
        mkkey(h, p, nm);
    }
    /* Delete every other existing key (their names are numbers). */
    uint32_t deleted = 0;
    for (uint32_t i = 0; i < n0; i += 2) {
        regf_key k;
        snprintf(nm, sizeof nm, "%u", i + 1);
        if (regf_key_child(h, p, nm, strlen(nm), &k) == REGF_OK) {
            HOK(h, regf_key_delete(h, k));
            deleted++;
        }
    }
    assert_true(deleted > 1000);
    h = commit_reopen_base(h, path, 0, base);
    check_children_api(h, p, n0 + 1500 - deleted);
    m = load(path);
    list_stat(&m, p, &st);
    assert_true(st.maxleaf <= 1012);
    free(m.p);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

struct bigvals {
    regf_key key[2];
    char name[2][256];
    uint32_t size[2];
    int n;
    regf_key classkey;
};

static int find_big(void *ctx, regf_hive *h, regf_key key, const char *path,
                    size_t plen, unsigned depth)
{
    struct bigvals *b = ctx;
    struct regf_key_info ki;
    (void)path; (void)plen; (void)depth;
    if (regf_key_info(h, key, &ki) != REGF_OK)
        return 1;
    if (!b->classkey && ki.class_len > 0 && ki.nsubkeys == 0 && depth > 1)
        b->classkey = key;
    for (uint32_t i = 0; i < ki.nvalues && b->n < 2; i++) {
        regf_val v;
        struct regf_value_info vi;
        if (regf_value_at(h, key, i, &v) != REGF_OK ||
            regf_value_info(h, v, &vi) != REGF_OK)
            return 1;
        if (!vi.big_data)
            continue;
        size_t need;
        if (regf_value_name(h, v, b->name[b->n], 256, &need) != REGF_OK ||
            need >= 256 || memchr(b->name[b->n], 0, need))
            continue;
        b->key[b->n] = key;
        b->size[b->n] = vi.size;
        b->n++;
    }
    return 0;
}

/* Big data and classes written by Windows: replaced, deleted, freed. */
static void test_real_hive_big_values(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = system_copy(dir);
    uint64_t used0 = file_used(path);
    regf_hive *h = NULL;
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    regf_set_time(h, T0);
    struct bigvals b;
    memset(&b, 0, sizeof b);
    HOK(h, regf_walk(h, 0, find_big, &b));
    assert_int_equal(b.n, 2);
    assert_int_not_equal(b.classkey, 0);
    setval(h, b.key[0], b.name[0], REGF_DWORD, "\1\2\3\4", 4);
    HOK(h, regf_value_delete(h, b.key[1], b.name[1], strlen(b.name[1])));
    HOK(h, regf_key_delete(h, b.classkey));
    h = commit_reopen(h, path, 0, 0);
    want_value(h, b.key[0], b.name[0], REGF_DWORD, "\1\2\3\4", 4);
    regf_val v;
    assert_int_equal(regf_value_lookup(h, b.key[1], b.name[1], &v),
                     REGF_NOTFOUND);
    /* Both values' segments went: at least 2 x 16352 bytes per value. */
    uint64_t freed = 0;
    for (int i = 0; i < 2; i++)
        freed += (b.size[i] + 16343) / 16344 * 16352ull;
    assert_true(file_used(path) + freed <= used0);
    check_sk_refs(path);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* ---- a real hive --------------------------------------------------------- */

static void export_all(regf_hive *h, struct tu_buf *out)
{
    regf_key root = root_of(h);
    memset(out, 0, sizeof *out);
    HOK(h, regf_export_reg(h, root, "HKEY_LOCAL_MACHINE\\SYSTEM", 0,
                           tu_buf_write, out));
}

/* Removes from TEXT every section whose header starts with PREFIX. */
static void drop_sections(struct tu_buf *text, const char *prefix)
{
    size_t pl = strlen(prefix), w = 0;
    int dropping = 0;
    for (size_t r = 0; r < text->len;) {
        const char *nl = memchr(text->p + r, '\n', text->len - r);
        size_t end = nl ? (size_t)(nl - text->p) + 1 : text->len;
        if (text->p[r] == '[')
            dropping = end - r > pl && memcmp(text->p + r, prefix, pl) == 0 &&
                       (text->p[r + pl] == ']' || text->p[r + pl] == '\\');
        if (!dropping) {
            memmove(text->p + w, text->p + r, end - r);
            w += end - r;
        }
        r = end;
    }
    text->len = w;
}

static void test_real_hive_edit(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("write");
    char *path = system_copy(dir);
    uint64_t used0 = file_used(path);
    struct img bb0 = load(path);
    regf_hive *h = tu_open(path);
    struct tu_buf before;
    export_all(h, &before);
    regf_close(h);

    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    regf_set_time(h, T1);
    regf_key svc = lookup(h, "ControlSet001\\Services");
    struct regf_key_info ki0;
    HOK(h, regf_key_info(h, svc, &ki0));
    regf_key t = mkkey(h, svc, "HivekitTest");
    uint8_t big[40000];
    fill(big, sizeof big, 77);
    const char img[] = "\\\0?\0?\0\\\0C\0:\0\\\0h\0.\0s\0y\0s\0\0\0";
    setval(h, t, "ImagePath", REGF_EXPAND_SZ, img, sizeof img - 1);
    uint32_t one = 1, three = 3;
    setval(h, t, "Type", REGF_DWORD, &one, 4);
    setval(h, t, "Start", REGF_DWORD, &three, 4);
    setval(h, t, "Blob", REGF_BINARY, big, sizeof big);
    setval(h, t, "", REGF_SZ, "d\0\0\0", 4);
    regf_key par = mkkey(h, t, "Parameters");
    setval(h, par, "Имя", REGF_MULTI_SZ, "a\0\0\0\0\0", 6);
    mkkey(h, svc, "HivekitTestЖ");        /* UTF-16 name among Services */
    h = commit_reopen(h, path, 0, REGF_OPEN_WRITE);

    struct regf_key_info ki;
    HOK(h, regf_key_info(h, svc, &ki));
    assert_int_equal(ki.nsubkeys, ki0.nsubkeys + 2);
    assert_int_equal(ki.user_flags, ki0.user_flags);
    /* The base block keeps every field it does not own (FileName, GUIDs,
     * OfRg, reorganize time, ...); bins keep their headers. */
    struct img bb1 = load(path);
    assert_int_equal(le32(bb1.p + 4), le32(bb0.p + 4) + 1);
    assert_memory_equal(bb1.p + 20, bb0.p + 20, 20);
    assert_memory_equal(bb1.p + 44, bb0.p + 44, 508 - 44);
    assert_memory_equal(bb1.p + 512, bb0.p + 512, 4096 - 512);
    assert_int_equal(le64(bb1.p + 12), T1);
    assert_int_equal(le64(bb1.p + 4096 + 20), T1);
    for (uint32_t off = 0; off < le32(bb0.p + 40);) {
        uint32_t bsize = le32(bb0.p + 4096 + off + 8);
        if (off)
            assert_memory_equal(bb1.p + 4096 + off, bb0.p + 4096 + off, 32);
        off += bsize;
    }
    free(bb0.p);
    free(bb1.p);
    t = lookup(h, "ControlSet001\\Services\\hivekittest");
    want_value(h, t, "ImagePath", REGF_EXPAND_SZ, img, sizeof img - 1);
    want_value(h, t, "Blob", REGF_BINARY, big, sizeof big);
    want_value(h, lookup(h, "CurrentControlSet\\Services\\HivekitTest\\"
                              "Parameters"), "имя", REGF_MULTI_SZ,
                 "a\0\0\0\0\0", 6);
    check_sk_refs(path);
    /* Everything else is unchanged. */
    struct tu_buf after;
    export_all(h, &after);
    drop_sections(&after, "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\"
                          "Services\\HivekitTest");
    drop_sections(&after, "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\"
                          "Services\\HivekitTestЖ");
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.p, before.p, before.len);
    tu_buf_free(&after);

    /* Deleting the keys again restores the content. */
    HOK(h, regf_key_delete(h, t));
    HOK(h, regf_key_delete(h, lookup(h, "ControlSet001\\Services\\"
                                        "HIVEKITTESTж")));
    h = commit_reopen(h, path, 0, 0);
    export_all(h, &after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.p, before.p, before.len);
    /* No more than the slack of a regrown subkey list stays in use. */
    uint64_t used1 = file_used(path);
    assert_true(used1 >= used0 - 16 && used1 <= used0 + 16384);
    check_sk_refs(path);
    tu_buf_free(&after);
    tu_buf_free(&before);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* A leaf written by another tool far beyond Windows' 1012 entries (an lh
 * of 3000): inserting one key splits it until every piece fits, not just
 * once (two halves of 1500 would still be too big). */
static void test_oversized_foreign_leaf(void **state)
{
    (void)state;
    enum { N = 3000 };
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "R");
    uint32_t *items = malloc(N * sizeof *items);
    assert_non_null(items);
    char nm[16];
    for (uint32_t i = 0; i < N; i++) {
        snprintf(nm, sizeof nm, "k%04u", i);
        items[i] = mk_nk(mk, nm, root);
    }
    uint32_t lh = mk_list(mk, "lh", items, N);
    free(items);
    mk_subkeys(mk, root, lh, N);
    size_t len;
    mk_finish(mk, &len);
    regf_hive *h = NULL;
    int rc = regf_open_mem(mk_bb(mk), len, "foreign.hive", REGF_OPEN_WRITE, &h);
    if (rc != REGF_OK)
        fail_msg("open: %s", regf_errmsg(h));
    mk_free(mk);
    regf_set_time(h, T0);
    regf_key k, r;
    HOK(h, regf_root(h, &r));
    HOK(h, regf_key_create(h, r, "k1500x", 6, &k));
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);   /* strict check */
    unsigned n = 0;
    HOK(h, regf_walk(h, 0, count_walk, &n));
    assert_int_equal(n, N + 2);
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

/* A symbolic-link key (flag 0x10) may hold only SymbolicLinkValue of type
 * REG_LINK (docs/format.md §7.1): anything else is refused and changes
 * nothing. */
static void test_symlink_key_values(void **state)
{
    (void)state;
    struct mkhive *mk = mk_new(5);
    uint32_t root = mk_root(mk, "R");
    uint32_t link = mk_nk(mk, "Link", root);
    uint32_t items[1] = { link };
    mk_subkeys(mk, root, mk_list(mk, "lh", items, 1), 1);
    mk_w16(mk, link + 4 + 2, 0x0030);          /* SYM_LINK | COMP_NAME */
    size_t len;
    mk_finish(mk, &len);
    regf_hive *h = NULL;
    if (regf_open_mem(mk_bb(mk), len, "link.hive", REGF_OPEN_WRITE, &h) != REGF_OK)
        fail_msg("open: %s", regf_errmsg(h));
    mk_free(mk);
    regf_set_time(h, T0);
    regf_key k;
    HOK(h, regf_key_lookup(h, 0, "Link", &k));
    static const char target[] = "\\\0R\0";
    assert_int_equal(regf_value_set(h, k, "Other", 5, REGF_SZ, "a\0\0", 4),
                     REGF_EINVAL);
    assert_non_null(strstr(regf_errmsg(h), "symbolic link"));
    assert_int_equal(regf_value_set(h, k, "SymbolicLinkValue", 17, REGF_SZ,
                                    target, 4), REGF_EINVAL);
    assert_int_equal(regf_modified(h), 0);
    HOK(h, regf_value_set(h, k, "symboliclinkvalue", 17, REGF_LINK, target, 4));
    assert_int_equal(regf_value_set(h, k, "Second", 6, REGF_LINK, target, 4),
                     REGF_EINVAL);
    char *dir = tu_tmp_dir("write");
    char *path = tu_path(dir, "h");
    h = commit_reopen(h, path, REGF_COMMIT_NEW, 0);   /* strict check */
    regf_close(h);
    free(path);
    tu_rm_dir(dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oversized_foreign_leaf),
        cmocka_unit_test(test_symlink_key_values),
        cmocka_unit_test(test_create_versions),
        cmocka_unit_test(test_create_bad_minor),
        cmocka_unit_test(test_key_name_forms),
        cmocka_unit_test(test_key_case_duplicates),
        cmocka_unit_test(test_key_invalid_names),
        cmocka_unit_test(test_many_keys_lh),
        cmocka_unit_test(test_many_keys_lf),
        cmocka_unit_test(test_maxnamelen_flag_bits),
        cmocka_unit_test(test_sk_refcounts_created),
        cmocka_unit_test(test_sk_refcounts_real),
        cmocka_unit_test(test_delete_frees_everything),
        cmocka_unit_test(test_cycle_no_growth_mixed_sizes),
        cmocka_unit_test(test_root_undeletable),
        cmocka_unit_test(test_value_sizes),
        cmocka_unit_test(test_value_sizes_13),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_value_names),
        cmocka_unit_test(test_value_replace),
        cmocka_unit_test(test_default_value),
        cmocka_unit_test(test_value_delete),
        cmocka_unit_test(test_many_values),
        cmocka_unit_test(test_value_max_lens),
        cmocka_unit_test(test_last_written),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_commit_header_and_mode),
        cmocka_unit_test(test_commit_backup),
        cmocka_unit_test(test_commit_new_refuses),
        cmocka_unit_test(test_dirty_refused),
        cmocka_unit_test(test_readonly_refused),
        cmocka_unit_test(test_create_path),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_no_remnants),
        cmocka_unit_test(test_commit_failures),
        cmocka_unit_test(test_current_time),
        cmocka_unit_test(test_edit_mixed_lists),
        cmocka_unit_test(test_edit_ri_li_hive),
        cmocka_unit_test(test_real_hive_big_values),
        cmocka_unit_test(test_real_hive_edit),
    };
    return TU_MAIN_CORE(tests, NULL, NULL);
}
