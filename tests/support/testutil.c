/* testutil.c - helpers shared by the cmocka tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

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

static char *join(const char *a, const char *b, size_t blen)
{
    char *p = malloc(strlen(a) + blen + 2);
    assert_non_null(p);
    sprintf(p, "%s/%.*s", a, (int)blen, b);
    return p;
}

char *tu_corpus(const char *rel)
{
    size_t n = strlen(rel);
    if (n > 3 && strcmp(rel + n - 3, ".xz") == 0)
        return join(HIVEKIT_CORPUS_XZ, rel, n - 3);
    return join(HIVEKIT_CORPUS, rel, n);
}

char *tu_fixture(const char *rel)
{
    return join(HIVEKIT_FIXTURES, rel, strlen(rel));
}

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

int tu_buf_write(void *ctx, const void *data, size_t len)
{
    struct tu_buf *b = ctx;
    if (b->len + len > b->cap) {
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

void tu_buf_free(struct tu_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void tu_copy_file(const char *src, const char *dst)
{
    size_t n;
    uint8_t *p = tu_read_file(src, &n);
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(p);
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
