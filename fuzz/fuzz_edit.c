/* fuzz_edit.c - libFuzzer harness: edits on a fuzzed hive, then commit.
 *
 * The whole input is opened as a hive with REGF_OPEN_WRITE (a hive may have
 * trailing bytes, so seeds are plain hive files). Its last 64 bytes are
 * also read as an edit script, 4 bytes per edit: create a key, set or
 * delete a value, delete a key, descend into a subkey, create a path.
 * Every value set is read back at once. Then the hive is committed to a
 * temporary file (on /dev/shm when present), reopened, and its .reg export
 * must equal the edited handle's export byte for byte; a hive that had no
 * fatal problem for regf_check_image must have none after the commit. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    if (b->len + len > (16u << 20)) {
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

static int no_problem(void *ctx, const struct regf_problem *p)
{
    (void)ctx; (void)p;
    return 0;
}

static unsigned long fatal_problems(const void *img, size_t len)
{
    struct regf_check_stats st;
    memset(&st, 0, sizeof st);
    if (regf_check_image(img, len, REGF_CHECK_ALLOW_DIRTY, no_problem, NULL,
                         &st) != REGF_OK)
        return (unsigned long)-1;
    return st.severity[REGF_SEV_FATAL];
}

static char tmpdir[64];

static const char *tmp_hive(void)
{
    static char path[128];
    if (!tmpdir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(tmpdir, sizeof tmpdir, "%s/fuzz_edit.XXXXXX", base);
        if (!mkdtemp(tmpdir))
            abort();
        snprintf(path, sizeof path, "%s/hive", tmpdir);
    }
    return path;
}

static void cleanup(void)
{
    if (tmpdir[0]) {
        char p[128];
        snprintf(p, sizeof p, "%s/hive", tmpdir);
        unlink(p);
        snprintf(p, sizeof p, "%s/hive.bak", tmpdir);
        unlink(p);
        rmdir(tmpdir);
    }
}

static void export_all(regf_hive *h, struct buf *b, int *rc)
{
    regf_key root;
    *rc = regf_root(h, &root);
    if (*rc == REGF_OK)
        *rc = regf_export_reg(h, root, "HKEY_LOCAL_MACHINE\\F", 0, buf_write, b);
}

static void edits(regf_hive *h, const uint8_t *s, size_t n)
{
    regf_key root, cur;
    if (regf_root(h, &root) != REGF_OK)
        return;
    cur = root;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        uint8_t op = s[i] % 8, a = s[i + 1], b = s[i + 2], c = s[i + 3];
        char name[32];
        int len;
        regf_key k;
        int rc;
        switch (op) {
        case 0: /* create a key below the current one, go there */
            len = snprintf(name, sizeof name, "K%02x", a);
            rc = regf_key_create(h, cur, name, (size_t)len, &k);
            if (rc == REGF_OK || rc == REGF_EEXIST)
                cur = k;
            break;
        case 1: { /* set a value, read it back */
            len = a & 1 ? snprintf(name, sizeof name, "v%02x", a) : 0;
            uint32_t type = b % 12;
            size_t dlen = (size_t)c * (b & 0x80 ? 67 : 1);
            uint8_t *d = malloc(dlen + 1);
            if (!d)
                break;
            for (size_t j = 0; j < dlen; j++)
                d[j] = (uint8_t)(j * 31 + a);
            if (regf_value_set(h, cur, name, (size_t)len, type, d, dlen)
                == REGF_OK) {
                regf_val v;
                uint32_t t2;
                size_t need = 0;
                uint8_t *back = malloc(dlen + 1);
                if (back) {
                    name[len] = 0;
                    if (regf_value_lookup(h, cur, name, &v) != REGF_OK ||
                        regf_value_data(h, v, &t2, back, dlen + 1, &need)
                            != REGF_OK ||
                        t2 != type || need != dlen ||
                        memcmp(back, d, dlen) != 0)
                        abort(); /* a value just set reads back differently */
                    free(back);
                }
            }
            free(d);
            break;
        }
        case 2: /* delete a value */
            len = a & 1 ? snprintf(name, sizeof name, "v%02x", a) : 0;
            regf_value_delete(h, cur, name, (size_t)len);
            break;
        case 3: /* delete the current key, back to the root */
            if (cur != root)
                regf_key_delete(h, cur);
            cur = root;
            break;
        case 4: { /* descend into the a-th subkey */
            regf_iter it;
            rc = regf_subkey_first(h, cur, &it, &k);
            for (unsigned j = 0; rc == REGF_OK && j < a; j++)
                rc = regf_subkey_next(h, &it, &k);
            if (rc == REGF_OK)
                cur = k;
            break;
        }
        case 5: /* mkdir -p */
            snprintf(name, sizeof name, "P%x\\Q%x\\R%x", a & 7, b & 7, c & 7);
            if (regf_key_create_path(h, 0, name, &k) == REGF_OK)
                cur = k;
            break;
        case 6:
            cur = root;
            break;
        default: { /* delete the a-th subkey of the current key */
            regf_iter it;
            rc = regf_subkey_first(h, cur, &it, &k);
            for (unsigned j = 0; rc == REGF_OK && j < a % 4; j++)
                rc = regf_subkey_next(h, &it, &k);
            if (rc == REGF_OK && (b & 1))
                regf_key_delete(h, k);
            break;
        }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regf_hive *h = NULL;
    if (!tmpdir[0])
        atexit(cleanup);
    const char *path = tmp_hive();
    int rc = regf_open_mem(data, size, "fuzz", REGF_OPEN_WRITE, &h);
    if (rc != REGF_OK) {
        regf_close(h);
        return 0;
    }
    regf_set_time(h, 0x01d0000000000000ull);
    unsigned long fatal_before = fatal_problems(data, size);

    size_t n = size < 64 ? size : 64;
    edits(h, data + size - n, n);

    unlink(path);
    rc = regf_commit(h, path, REGF_COMMIT_NEW | REGF_COMMIT_DIRTY);
    if (rc == REGF_OK) {
        struct buf e1 = {0}, e2 = {0};
        int rc1, rc2;
        export_all(h, &e1, &rc1);
        regf_hive *h2 = NULL;
        rc = regf_open(path, 0, &h2);
        if (rc != REGF_OK)
            abort(); /* a committed hive must open again */
        export_all(h2, &e2, &rc2);
        if (!e1.overflow && !e2.overflow &&
            (rc1 != rc2 || (rc1 == REGF_OK &&
                            (e1.len != e2.len ||
                             memcmp(e1.p, e2.p, e1.len) != 0))))
            abort(); /* the file does not hold what the handle held */
        regf_close(h2);
        free(e1.p);
        free(e2.p);

        if (fatal_before == 0) {
            FILE *f = fopen(path, "rb");
            if (f) {
                static uint8_t img[64u << 20];
                size_t len = fread(img, 1, sizeof img, f);
                fclose(f);
                if (fatal_problems(img, len) != 0)
                    abort(); /* the commit made a loadable hive unloadable */
            }
        }
    }
    regf_close(h);
    return 0;
}
