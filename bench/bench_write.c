/* bench_write.c - timings of the writer (a benchmark, not a test).
 *
 *   bench_write keys N     add N subkeys under one key, commit
 *   bench_write values N   add N values to one key, commit
 *   bench_write import HIVE.reg PREFIX
 *                          import a .reg file into a new hive (MB/s)
 *
 * Prints one line: what, n, milliseconds (editing, and with the commit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hivekit/regf.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static regf_hive *fresh(const char *path)
{
    regf_hive *h;
    unlink(path);
    if (regf_create(path, 5, &h) != REGF_OK) {
        fprintf(stderr, "create: %s\n", regf_errmsg(h));
        exit(1);
    }
    regf_set_time(h, 132000000000000000ULL);
    return h;
}

static void finish(regf_hive *h, const char *path, const char *what, long n,
                   double t0, double t1)
{
    if (regf_commit(h, path, REGF_COMMIT_NEW) != REGF_OK) {
        fprintf(stderr, "commit: %s\n", regf_errmsg(h));
        exit(1);
    }
    double t2 = now_ms();
    printf("%-8s n=%-8ld edit %8.1f ms   edit+commit %8.1f ms\n", what, n,
           t1 - t0, t2 - t0);
    regf_close(h);
    unlink(path);
}

int main(int argc, char **argv)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_write.%ld.hive", (long)getpid());
    if (argc >= 3 && strcmp(argv[1], "keys") == 0) {
        long n = atol(argv[2]);
        regf_hive *h = fresh(path);
        regf_key parent, k;
        regf_key_create_path(h, 0, "Parent", &parent);
        char name[32];
        double t0 = now_ms();
        for (long i = 0; i < n; i++) {
            /* Scrambled order: inserts land all over the sorted list. */
            int len = snprintf(name, sizeof name, "key%ld", (i * 7919) % n);
            if (regf_key_create(h, parent, name, (size_t)len, &k) != REGF_OK) {
                fprintf(stderr, "key %ld: %s\n", i, regf_errmsg(h));
                return 1;
            }
        }
        finish(h, path, "keys", n, t0, now_ms());
    } else if (argc >= 3 && strcmp(argv[1], "values") == 0) {
        long n = atol(argv[2]);
        regf_hive *h = fresh(path);
        regf_key parent;
        regf_key_create_path(h, 0, "Parent", &parent);
        char name[32];
        double t0 = now_ms();
        for (long i = 0; i < n; i++) {
            int len = snprintf(name, sizeof name, "value%ld", i);
            uint32_t v = (uint32_t)i;
            if (regf_value_set(h, parent, name, (size_t)len, 4, &v, 4) != REGF_OK) {
                fprintf(stderr, "value %ld: %s\n", i, regf_errmsg(h));
                return 1;
            }
        }
        finish(h, path, "values", n, t0, now_ms());
    } else if (argc >= 4 && strcmp(argv[1], "import") == 0) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) {
            perror(argv[2]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)len);
        if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
            return 1;
        fclose(f);
        regf_hive *h = fresh(path);
        double t0 = now_ms();
        if (regf_import_reg(h, buf, (size_t)len, argv[3]) != REGF_OK) {
            fprintf(stderr, "import: %s\n", regf_errmsg(h));
            return 1;
        }
        double t1 = now_ms();
        printf("import   %.1f MB of .reg in %.1f ms: %.1f MB/s\n", len / 1e6,
               t1 - t0, len / 1e6 / ((t1 - t0) / 1e3));
        finish(h, path, "import", len, t0, t1);
        free(buf);
    } else {
        fprintf(stderr, "usage: bench_write keys|values N | import FILE.reg PREFIX\n");
        return 64;
    }
    return 0;
}
