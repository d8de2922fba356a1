/* test_api.c - a program that uses nothing but the public header, built
 * as strict C99 (-pedantic-errors): regf.h must stand on its own and be
 * usable from any C program. Exercises the documented conventions:
 * handles on failure, snprintf-style buffers, NOTFOUND as a soft outcome. */
#include <stdio.h>
#include <string.h>

#include <hivekit/regf.h>

static int failures;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    failures++; } } while (0)

static int count(void *ctx, regf_hive *h, regf_key key, const char *path,
                 size_t plen, unsigned depth)
{
    (void)h; (void)key; (void)path; (void)plen; (void)depth;
    ++*(int *)ctx;
    return 0;
}

int main(void)
{
    regf_hive *h = NULL;
    char name[64], small[4];
    size_t need = 0;
    regf_key root, key;
    regf_val val;
    uint32_t type = 0, dw = 1;
    int keys = 0;

    /* A failed open still yields a handle with a message. */
    CHECK(regf_open(HIVEKIT_FIXTURES "/does-not-exist", 0, &h) == REGF_EIO);
    CHECK(h != NULL && strstr(regf_errmsg(h), "does-not-exist") != NULL);
    regf_close(h);

    CHECK(regf_open(HIVEKIT_FIXTURES "/hives/special", 0, &h) == REGF_OK);
    CHECK(regf_root(h, &root) == REGF_OK);
    CHECK(regf_walk(h, 0, count, &keys) == REGF_OK && keys == 4);

    /* Case-insensitive lookup of a Latin-1 name, UTF-8 at the API. */
    CHECK(regf_key_lookup(h, 0, "\\ABCD_\xC3\x84\xC3\x96\xC3\x9C\xC3\x9F", &key)
          == REGF_OK);
    CHECK(regf_key_name(h, key, name, sizeof name, &need) == REGF_OK);
    CHECK(strcmp(name, "abcd_\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F") == 0);
    CHECK(need == strlen(name));
    /* Too small a buffer: truncated, NUL-terminated, full length in need. */
    CHECK(regf_key_name(h, key, small, sizeof small, &need) == REGF_OK);
    CHECK(strlen(small) == 3 && need == strlen(name));

    CHECK(regf_value_lookup(h, key, "ABCD_\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F", &val)
          == REGF_OK);
    CHECK(regf_value_data(h, val, &type, &dw, sizeof dw, &need) == REGF_OK);
    CHECK(type == REGF_DWORD && need == 4 && dw == 0);

    /* Soft outcomes. */
    CHECK(regf_key_lookup(h, 0, "nope", &key) == REGF_NOTFOUND);
    CHECK(strstr(regf_errmsg(h), "nope") != NULL);
    CHECK(regf_value_lookup(h, root, "nope", &val) == REGF_NOTFOUND);
    CHECK(regf_value_at(h, root, 99, &val) == REGF_NOTFOUND);

    /* Helpers. */
    CHECK(regf_upcase(0x00FF) == 0x0178 && regf_upcase(0x00DF) == 0x00DF);
    CHECK(strcmp(regf_type_name(REGF_MULTI_SZ), "REG_MULTI_SZ") == 0);
    CHECK(regf_type_name(0x100000) == NULL);
    CHECK(strcmp(regf_strstatus(REGF_ECORRUPT), "corrupt hive") == 0);
    regf_close(h);
    regf_close(NULL);

    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
