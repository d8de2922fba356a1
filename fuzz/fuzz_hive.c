/* fuzz_hive.c - libFuzzer harness: arbitrary bytes as a hive file.
 *
 * Opens the input with regf_open_mem, walks the whole tree reading every
 * key's metadata and every value, exports it as .reg text to a null writer
 * and runs the structural checker on the raw bytes. Nothing may crash,
 * leak or trip ASan/UBSan whatever the input (regf.h: "a damaged hive
 * yields REGF_ECORRUPT, never a crash"). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <hivekit/regf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int null_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx; (void)buf; (void)len;
    return 0;
}

static int null_problem(void *ctx, const struct regf_problem *p)
{
    (void)ctx; (void)p;
    return 0;
}

static int visit(void *ctx, regf_hive *h, regf_key key, const char *path,
                 size_t path_len, unsigned depth)
{
    char buf[512];
    unsigned char data[4096];
    size_t need;
    struct regf_key_info ki;
    unsigned long *nkeys = ctx;
    (void)path; (void)path_len; (void)depth;
    if (++*nkeys > 100000)
        return 1;
    if (regf_key_info(h, key, &ki) != REGF_OK)
        return 0;
    regf_key_name(h, key, buf, sizeof buf, &need);
    regf_key_class(h, key, buf, sizeof buf, &need);
    regf_key_security(h, key, data, sizeof data, &need);
    regf_key_path(h, key, buf, sizeof buf, &need);
    for (uint32_t i = 0; i < ki.nvalues && i < 4096; i++) {
        regf_val v;
        struct regf_value_info vi;
        uint32_t type;
        if (regf_value_at(h, key, i, &v) != REGF_OK)
            break;
        regf_value_info(h, v, &vi);
        regf_value_name(h, v, buf, sizeof buf, &need);
        regf_value_data(h, v, &type, data, sizeof data, &need);
    }
    regf_iter it;
    regf_key sub;
    unsigned n = 0;
    for (int rc = regf_subkey_first(h, key, &it, &sub);
         rc == REGF_OK && n < 4096; rc = regf_subkey_next(h, &it, &sub), n++)
        ;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regf_hive *h = NULL;
    int rc = regf_open_mem(data, size, "fuzz", 0, &h);
    if (rc == REGF_OK) {
        struct regf_info info;
        regf_key root, k;
        unsigned long nkeys = 0;
        regf_get_info(h, &info);
        if (regf_root(h, &root) == REGF_OK) {
            regf_walk(h, 0, visit, &nkeys);
            regf_export_reg(h, root, "HKEY_LOCAL_MACHINE\\FUZZ", 0,
                            null_write, NULL);
            regf_export_reg(h, root, "X", REGF_EXPORT_UTF16, null_write, NULL);
            regf_key_lookup(h, 0, "CurrentControlSet\\Services", &k);
            regf_key_lookup(h, 0, "a\\b\\c", &k);
        }
    }
    regf_errmsg(h);
    regf_close(h);

    struct regf_check_stats st;
    regf_check_image(data, size, 0, null_problem, NULL, &st);
    regf_check_image(data, size, REGF_CHECK_STRICT | REGF_CHECK_ALLOW_DIRTY,
                     null_problem, NULL, &st);
    return 0;
}
