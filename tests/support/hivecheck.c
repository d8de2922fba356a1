/* hivecheck.c - the tests' hive checker (see hivecheck.h): a thin wrapper
 * that collects the problems regf_check_image (src/regf/check.c) reports
 * into a struct hc_report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hivecheck.h"
#include <hivekit/regf.h>

static const char *const code_name[HC_NCODES] = {
#define HC_NAME_(c, s, d) #c,
    HC_CODES(HC_NAME_)
#undef HC_NAME_
};
static const unsigned char code_strict[HC_NCODES] = {
#define HC_STRICT_(c, s, d) s,
    HC_CODES(HC_STRICT_)
#undef HC_STRICT_
};
static const char *const code_desc[HC_NCODES] = {
#define HC_DESC_(c, s, d) d,
    HC_CODES(HC_DESC_)
#undef HC_DESC_
};

static int code_index(const char *code)
{
    for (int i = 0; i < HC_NCODES; i++)
        if (strcmp(code_name[i], code) == 0)
            return i;
    return -1;
}

int hc_count(const struct hc_report *rep, const char *code)
{
    int i = code_index(code);
    return i < 0 ? -1 : (int)rep->counts[i];
}

const char *hc_describe(const char *code)
{
    int i = code_index(code);
    return i < 0 ? NULL : code_desc[i];
}

uint16_t hc_upcase(uint16_t c)
{
    return regf_upcase(c);
}

static void *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "hivecheck: out of memory\n");
        abort();
    }
    return memcpy(p, s, n);
}

/* HC_CODES must be the library's list: same codes, order and levels. */
static void check_tables(void)
{
    size_t n;
    const struct regf_check_code *t = regf_check_codes(&n);
    int ok = n == HC_NCODES;
    for (size_t i = 0; ok && i < n; i++)
        ok = strcmp(t[i].code, code_name[i]) == 0 &&
             t[i].strict_only == code_strict[i] &&
             strcmp(t[i].description, code_desc[i]) == 0;
    if (!ok) {
        fprintf(stderr, "hivecheck: HC_CODES differs from regf_check_codes()\n");
        abort();
    }
}

static int collect(void *ctx, const struct regf_problem *p)
{
    struct hc_report *rep = ctx;
    rep->counts[p->id]++;
    if (rep->nitems < HC_MAX_ITEMS) {
        struct hc_item *it = &rep->items[rep->nitems++];
        it->code = code_name[p->id];
        it->severity = p->severity;
        it->cell = p->cell;
        it->path = xstrdup(p->path);
        it->msg = xstrdup(p->message);
    }
    return 0;
}

int hc_check(const uint8_t *img, size_t len, unsigned flags,
             struct hc_report *rep)
{
    check_tables();
    if (rep)
        memset(rep, 0, sizeof *rep);
    unsigned lf = 0;
    if (flags & HC_STRICT_WRITER)
        lf |= REGF_CHECK_STRICT;
    if (flags & HC_ALLOW_DIRTY)
        lf |= REGF_CHECK_ALLOW_DIRTY;
    struct regf_check_stats st;
    int rc = regf_check_image(img, len, lf, rep ? collect : NULL, rep, &st);
    if (rc != REGF_OK) {
        fprintf(stderr, "hivecheck: regf_check_image: %s\n",
                regf_strstatus(rc));
        abort();
    }
    if (rep) {
        rep->problems = (unsigned)st.problems;
        rep->keys = st.keys;
        rep->values = st.values;
        rep->sks = st.sks;
        rep->bins = st.bins;
        rep->cells_used = st.cells_used;
        rep->cells_free = st.cells_free;
        rep->leaked = st.leaked;
        rep->minor = st.minor;
    }
    return (int)st.problems;
}

void hc_print(const struct hc_report *rep, FILE *f)
{
    for (unsigned i = 0; i < rep->nitems; i++) {
        const struct hc_item *it = &rep->items[i];
        fprintf(f, "%-15s %-8s", it->code, regf_severity_name(it->severity));
        if (it->cell != HC_NOCELL)
            fprintf(f, " cell 0x%x", it->cell);
        if (it->path[0])
            fprintf(f, " key %s", it->path);
        fprintf(f, ": %s\n", it->msg);
    }
    if (rep->problems > rep->nitems)
        fprintf(f, "... %u more\n", rep->problems - rep->nitems);
    fprintf(f, "%u problem(s)", rep->problems);
    const char *sep = ": ";
    for (int i = 0; i < HC_NCODES; i++)
        if (rep->counts[i]) {
            fprintf(f, "%s%s x%u", sep, code_name[i], rep->counts[i]);
            sep = ", ";
        }
    fprintf(f, " (%lu keys, %lu values, %lu sk, %lu bins, %lu cells used, "
            "%lu free)\n", rep->keys, rep->values, rep->sks, rep->bins,
            rep->cells_used, rep->cells_free);
}

void hc_free(struct hc_report *rep)
{
    if (!rep)
        return;
    for (unsigned i = 0; i < rep->nitems; i++) {
        free(rep->items[i].path);
        free(rep->items[i].msg);
    }
    rep->nitems = 0;
}
