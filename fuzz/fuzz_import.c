/* fuzz_import.c - libFuzzer harness: .reg text imported into a new hive.
 *
 * The input is given to regf_import_reg (prefix HKEY_LOCAL_MACHINE\\SYSTEM) on a
 * fresh regf_create hive; whatever was imported is exported again, and
 * the export is imported into a second hive, which must succeed (the
 * export is lossless and regf_import_reg reads what regf_export_reg
 * writes). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hivekit/regf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
    char *p;
    size_t len, cap;
    int overflow;
};

static int buf_write(void *ctx, const void *p, size_t len)
{
    struct buf *b = ctx;
    if (b->len + len > (8u << 20)) {
        b->overflow = 1;
        return 1;
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return 1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regf_hive *h = NULL;
    if (regf_create("fuzz", 5, &h) != REGF_OK) {
        regf_close(h);
        return 0;
    }
    regf_set_time(h, 0x01d0000000000000ull);
    /* The seeds (fuzz/seeds.sh) are exported with this prefix. */
    int rc = regf_import_reg(h, data, size, "HKEY_LOCAL_MACHINE\\SYSTEM");
    regf_errmsg(h);

    struct buf out = {0};
    regf_key root;
    if (rc == REGF_OK && regf_root(h, &root) == REGF_OK &&
        regf_export_reg(h, root, "HKEY_LOCAL_MACHINE\\T", 0, buf_write,
                        &out) == REGF_OK && !out.overflow) {
        regf_hive *h2 = NULL;
        if (regf_create("fuzz2", 5, &h2) == REGF_OK) {
            int rc2 = regf_import_reg(h2, out.p, out.len,
                                      "HKEY_LOCAL_MACHINE\\T");
            if (rc2 != REGF_OK && rc2 != REGF_ENOMEM && rc2 != REGF_ELIMIT)
                abort(); /* our own export must import again */
        }
        regf_close(h2);
    }
    free(out.p);
    regf_close(h);
    return 0;
}
