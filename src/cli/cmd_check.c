/* cmd_check.c - `hivekit check HIVE [--json] [--strict] [--allow-dirty]`:
 * full structural validation (regf_check_image), one line per problem with
 * its severity, code, key path and cell, then a summary; or a JSON report.
 * Exit status 0 clean, 1 problems found, 2 the file cannot be read or is
 * not a hive at all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct check_opts {
    int json, strict, allow_dirty;
};

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

static int check_file(const struct cli_args *a, const char *path)
{
    struct check_opts o = { cli_has(a, OPT_JSON), cli_has(a, OPT_STRICT),
                            cli_has(a, OPT_ALLOW_DIRTY) };
    int rc;

    struct bytebuf file = { NULL, 0, 0 };
    if (read_file_all(path, &file) != 0) {
        cli_error("%s: cannot read: %s", path, strerror(errno));
        free(file.p);
        return EXIT_FILE;
    }
    const uint8_t *img = file.p;
    size_t len = file.len;
    /* Not a hive at all: neither a base block nor (for a hive whose base
     * block is destroyed) a first bin where it belongs. */
    if (!(len >= 4 && memcmp(img, "regf", 4) == 0) &&
        !(len >= 4100 && memcmp(img + 4096, "hbin", 4) == 0)) {
        cli_error("%s: not a hive file (no 'regf' signature, no hive bin at "
                  "offset 4096)", path);
        free(file.p);
        return EXIT_FILE;
    }

    struct report r = { &o, NULL, 0, 0 };
    regf_check_codes(&r.ncodes);
    r.codes = calloc(r.ncodes, sizeof *r.codes);
    if (!r.codes) {
        free(file.p);
        cli_error("%s: out of memory", path);
        return EXIT_FILE;
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
    free(file.p);
    if (rc != REGF_OK) {
        if (o.json)
            fputs("]}\n", stdout);
        cli_error("%s: check failed: %s", path, regf_strstatus(rc));
        free(r.codes);
        return EXIT_FILE;
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
    return st.problems ? EXIT_NOTFOUND /* problems found */ : EXIT_OK;
}

int cmd_check(const struct cli_args *a)
{
    const char *path = a->pos[0];
    /* The library's open refuses what is not a regular file or too large
     * at once, and takes the shared lock: the bytes checked are then a
     * committed state, never a write half done. What it finds wrong in
     * the content is for the check to report. */
    regf_hive *h = NULL;
    int rc = cli_open_hive(path, 0, &h);
    if (rc == REGF_EBUSY || rc == REGF_EIO || rc == REGF_ELIMIT ||
        rc == REGF_ENOMEM || rc == REGF_EINVAL) {
        int ex = cli_open_failed(path, h, rc);
        regf_close(h);
        return ex;
    }
    int ex = check_file(a, path);
    regf_close(h);
    return ex;
}
