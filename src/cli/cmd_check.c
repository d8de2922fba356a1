/* cmd_check.c - `hivekit check HIVE [--json] [--strict] [--allow-dirty]`:
 * full structural validation (regf_check_image), one line per problem with
 * its severity, code, key path and cell, then a summary; or a JSON report.
 * Exit status 0 clean, 1 problems found, 2 the file cannot be read or is
 * not a hive at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char check_help[] =
    "usage: hivekit check HIVE [--json] [--strict] [--allow-dirty]\n"
    "\n"
    "Checks the whole hive against every rule Windows applies when it\n"
    "loads one (base block, bins and cells, keys, values, subkey lists with\n"
    "their order and hashes, security descriptors and reference counts),\n"
    "without changing it. Each problem is printed once:\n"
    "\n"
    "  SEVERITY CODE KEY-PATH (cell 0xOFFSET): message\n"
    "\n"
    "followed by a summary line. SEVERITY says what Windows does with it:\n"
    "  fatal     refuses the hive (a SYSTEM hive no longer boots)\n"
    "  heal      repairs it silently at load: a field is rewritten, or keys,\n"
    "            values or security settings are dropped (data loss)\n"
    "  harmless  loads it unchanged\n"
    "\n"
    "  --json         one JSON object instead (see README.md)\n"
    "  --strict       also the rules every hive hivekit writes keeps (no\n"
    "                 leaked cells, exact reference counts, canonical\n"
    "                 encodings); real Windows hives may break these\n"
    "  --allow-dirty  do not report a dirty hive (Sequence1 != Sequence2);\n"
    "                 its bins are checked as they are on disk either way\n"
    "\n"
    "exit status: 0 no problem, 1 problems found, 2 the file cannot be read\n"
    "or is not a hive, 64 usage error.\n";

struct check_opts {
    int json, strict, allow_dirty;
};

static int check_opt(void *ctx, int id, const char *arg)
{
    struct check_opts *o = ctx;
    (void)arg;
    switch (id) {
    case 'h':
        fputs(check_help, stdout);
        return -1;
    case 'j': o->json = 1; break;
    case 's': o->strict = 1; break;
    case 'd': o->allow_dirty = 1; break;
    }
    return 0;
}

/* Reads the whole file; NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return NULL;
    }
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0
                     ? (size_t)st.st_size + 1 : 65536, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            errno = ENOMEM;
            return NULL;
        }
        if (n == cap) {
            uint8_t *b = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!b)
                free(buf);
            buf = b;
            cap *= 2;
            continue;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

/* ---- the report ---------------------------------------------------------- */

struct report {
    const struct check_opts *o;
    unsigned long *codes;      /* problems per code id */
    size_t ncodes;
    unsigned long n;
};

static int on_problem(void *ctx, const struct regf_problem *p)
{
    struct report *r = ctx;
    if (p->id < r->ncodes)
        r->codes[p->id]++;
    if (r->o->json) {
        fputs(r->n ? ",\n  {\"code\": " : "\n  {\"code\": ", stdout);
        json_str(stdout, p->code);
        printf(", \"severity\": \"%s\", \"path\": ",
               regf_severity_name(p->severity));
        json_str(stdout, p->path);
        if (p->cell == REGF_NOCELL)
            fputs(", \"cell\": null", stdout);
        else
            printf(", \"cell\": %lu", (unsigned long)p->cell);
        fputs(", \"message\": ", stdout);
        json_str(stdout, p->message);
        putchar('}');
    } else {
        printf("%s %s", regf_severity_name(p->severity), p->code);
        if (p->path[0])
            printf(" %s", p->path);
        if (p->cell != REGF_NOCELL)
            printf(" (cell 0x%x)", p->cell);
        printf(": %s\n", p->message);
    }
    r->n++;
    return 0;
}

/* What the problems mean for Windows. DIRTY: BB_DIRTY was reported. */
static const char *verdict(const struct regf_check_stats *st,
                           unsigned long dirty)
{
    if (st->severity[REGF_SEV_FATAL])
        return dirty ? "Windows would refuse to load this hive (which is "
                       "also dirty)"
                     : "Windows would refuse to load this hive";
    if (st->severity[REGF_SEV_HEAL] > dirty)
        return dirty ? "Windows would repair this hive at load, possibly "
                       "dropping keys or values (and it is dirty)"
                     : "Windows would repair this hive at load, possibly "
                       "dropping keys or values";
    if (dirty)
        return "the hive is dirty: its transaction logs hold newer data, "
               "which Windows replays at load";
    return "Windows would load this hive unchanged";
}

int cmd_check(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "json", 0, 0, 'j' },
        { "strict", 0, 0, 's' }, { "allow-dirty", 0, 0, 'd' },
        { NULL, 0, 0, 0 } };
    struct check_opts o = { 0, 0, 0 };
    char *pos[2];
    int npos, rc = cli_parse("check", argc, argv, opts, check_opt, &o, pos, 2,
                             &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos != 1)
        return cli_usage_error("check", "expected HIVE");
    const char *path = pos[0];

    size_t len = 0;
    uint8_t *img = read_file(path, &len);
    if (!img) {
        cli_error("%s: cannot read: %s", path, strerror(errno));
        return EXIT_HIVE;
    }
    /* Not a hive at all: neither a base block nor (for a hive whose base
     * block is destroyed) a first bin where it belongs. */
    if (!(len >= 4 && memcmp(img, "regf", 4) == 0) &&
        !(len >= 4100 && memcmp(img + 4096, "hbin", 4) == 0)) {
        cli_error("%s: not a hive file (no 'regf' signature, no hive bin at "
                  "offset 4096)", path);
        free(img);
        return EXIT_HIVE;
    }

    struct report r = { &o, NULL, 0, 0 };
    regf_check_codes(&r.ncodes);
    r.codes = calloc(r.ncodes, sizeof *r.codes);
    if (!r.codes) {
        free(img);
        cli_error("%s: out of memory", path);
        return EXIT_HIVE;
    }
    unsigned flags = (o.strict ? REGF_CHECK_STRICT : 0) |
                     (o.allow_dirty ? REGF_CHECK_ALLOW_DIRTY : 0);
    if (o.json) {
        fputs("{\"file\": ", stdout);
        json_str(stdout, path);
        printf(", \"strict\": %s, \"allow_dirty\": %s, \"problems\": [",
               o.strict ? "true" : "false", o.allow_dirty ? "true" : "false");
    }
    struct regf_check_stats st;
    rc = regf_check_image(img, len, flags, on_problem, &r, &st);
    free(img);
    if (rc != REGF_OK) {
        if (o.json)
            fputs("]}\n", stdout);
        cli_error("%s: check failed: %s", path, regf_strstatus(rc));
        free(r.codes);
        return EXIT_HIVE;
    }

    const struct regf_check_code *codes = regf_check_codes(NULL);
    unsigned long dirty = 0;
    for (size_t i = 0; i < r.ncodes; i++)
        if (strcmp(codes[i].code, "BB_DIRTY") == 0)
            dirty = r.codes[i];
    if (o.json) {
        printf("%s], \"counts\": {\"problems\": %lu, \"fatal\": %lu, "
               "\"heal\": %lu, \"harmless\": %lu}, \"codes\": {",
               r.n ? "\n" : "", st.problems, st.severity[REGF_SEV_FATAL],
               st.severity[REGF_SEV_HEAL], st.severity[REGF_SEV_HARMLESS]);
        const char *sep = "";
        for (size_t i = 0; i < r.ncodes; i++)
            if (r.codes[i]) {
                printf("%s\"%s\": %lu", sep, codes[i].code, r.codes[i]);
                sep = ", ";
            }
        printf("}, \"stats\": {\"minor\": %lu, \"bins\": %lu, \"keys\": %lu, "
               "\"values\": %lu, \"security\": %lu, \"cells_used\": %lu, "
               "\"cells_free\": %lu}, \"clean\": %s}\n",
               (unsigned long)st.minor, st.bins, st.keys, st.values, st.sks,
               st.cells_used, st.cells_free, st.problems ? "false" : "true");
    } else if (st.problems == 0) {
        printf("%s: clean (%lu keys, %lu values, %lu security descriptors, "
               "%lu bins)\n", path, st.keys, st.values, st.sks, st.bins);
    } else {
        printf("%s: %lu problem%s (%lu fatal, %lu heal, %lu harmless): %s\n",
               path, st.problems, st.problems == 1 ? "" : "s",
               st.severity[REGF_SEV_FATAL], st.severity[REGF_SEV_HEAL],
               st.severity[REGF_SEV_HARMLESS], verdict(&st, dirty));
    }
    free(r.codes);
    return st.problems ? 1 /* problems found */ : EXIT_OK;
}
