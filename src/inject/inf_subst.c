/* inf_subst.c - [Strings] tables and %strkey% / %% / %dirid% substitution.
 *
 * ("INF Strings Section", "Using Dirids"; Wine setupapi parser.c
 * PARSER_string_substW for the details the pages leave open.)
 *   - Substitution applies to every key and field outside the [Strings*]
 *     sections, after quotes are removed (so "%%SystemRoot%%\x" gives
 *     %SystemRoot%\x). "%dirid% form can be used anywhere a string is
 *     expected, except in the INF Strings section."
 *   - Text is scanned for '%' pairs. %% gives one '%'. %key% is replaced by
 *     the [Strings] value of key (case-insensitive; with a language, the
 *     [Strings.<language>] value first). The value is inserted as is, not
 *     substituted again.
 *   - %N% with N a decimal number not defined in [Strings] is a dirid: the
 *     caller's resolver may replace it; otherwise it stays "%N%" so it can be
 *     recognised later (inf_split_dirid). If the replacement ends with '\'
 *     and the text goes on with '\', one of them is dropped.
 *   - Any other undefined %key% stays literally, percent signs included,
 *     as setupapi leaves it, and is reported with inf_warning(). Helpers
 *     that need a number from such a field then fail naming the line.
 *   - A lone '%' without a partner stays as it is.
 *   - Within one [Strings] table the first definition of a key wins (Wine);
 *     a later different definition is reported as a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inf_int.h"

static int fill_table(inf_file *inf, struct inf_map *m, const inf_section *sec)
{
    for (size_t i = 0; i < sec->nlines; i++) {
        const inf_line *l = &sec->lines[i];
        if (!l->key)
            continue;
        int r = inf__map_put(m, l->key->raw, l->fields[0].raw);
        if (r < 0)
            return r;
        if (r == 1) {
            const char *first = inf__map_get(m, l->key->raw, SIZE_MAX);
            if (strcmp(first, l->fields[0].raw) != 0 &&
                inf__warn(inf, l->lineno,
                          "string key %s defined again with another value; "
                          "the first definition is used", l->key->raw) != INF_OK)
                return INF_ENOMEM;
        }
    }
    return INF_OK;
}

int inf__build_strings(inf_file *inf, const char *language)
{
    const inf_section *s = inf_section_find(inf, "Strings");
    int rc = INF_OK;
    if (s)
        rc = fill_table(inf, &inf->strings, s);
    if (rc == INF_OK && language) {
        char name[80];
        snprintf(name, sizeof name, "Strings.%s", language);
        s = inf_section_find(inf, name);
        if (s)
            rc = fill_table(inf, &inf->lstrings, s);
    }
    return rc;
}

struct sbuf {
    char *p;
    size_t n, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (n > INF_MAX_FIELD || b->n + n > INF_MAX_FIELD)
        return INF_ELIMIT;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return INF_ENOMEM;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return INF_OK;
}

/* Is S[0..n) a decimal dirid ("12", "-1")? */
static int parse_dirid(const char *s, size_t n, long *out)
{
    size_t i = 0;
    long v = 0;
    int neg = 0;
    if (n && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > 9)
        return 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

int inf__subst(inf_file *inf, const char *raw, unsigned lineno, const char **out)
{
    struct sbuf b = {0};
    const char *p = raw;
    int rc = INF_OK;

    if (!strchr(raw, '%')) {
        *out = raw;
        return INF_OK;
    }
    while (rc == INF_OK) {
        const char *q = strchr(p, '%');
        if (!q) {
            rc = sb_add(&b, p, strlen(p));
            break;
        }
        const char *r = strchr(q + 1, '%');
        if (!r) {                                   /* lone '%' */
            rc = sb_add(&b, p, strlen(p));
            break;
        }
        if ((rc = sb_add(&b, p, (size_t)(q - p))) != INF_OK)
            break;
        size_t klen = (size_t)(r - q - 1);
        const char *val = NULL;
        long dirid;
        if (klen == 0) {
            rc = sb_add(&b, "%", 1);
        } else {
            val = inf__map_get(&inf->lstrings, q + 1, klen);
            if (!val)
                val = inf__map_get(&inf->strings, q + 1, klen);
            if (!val && parse_dirid(q + 1, klen, &dirid) && inf->dirid)
                val = inf->dirid(inf->dirid_ctx, dirid);
            if (val) {
                size_t vlen = strlen(val);
                if (vlen && val[vlen - 1] == '\\' && r[1] == '\\')
                    vlen--;
                rc = sb_add(&b, val, vlen);
            } else {
                if (!parse_dirid(q + 1, klen, &dirid) &&
                    inf__warn(inf, lineno, "%%%.*s%% is not defined in [Strings]; kept literally",
                              (int)(klen > 200 ? 200 : klen), q + 1) != INF_OK)
                    rc = INF_ENOMEM;
                if (rc == INF_OK)
                    rc = sb_add(&b, q, klen + 2);
            }
        }
        p = r + 1;
    }
    if (rc == INF_OK) {
        if (inf->expanded > INF_MAX_EXPANDED - b.n)
            rc = INF_ELIMIT;
        else
            inf->expanded += b.n;
    }
    if (rc == INF_OK) {
        char *s = inf__strndup(inf, b.p ? b.p : "", b.n);
        if (!s)
            rc = INF_ENOMEM;
        *out = s;
    }
    free(b.p);
    if (rc == INF_ELIMIT)
        return inf__err(inf, rc, lineno, "field longer than %u bytes after %%strkey%% "
                        "substitution (or more than %u bytes of substitutions in the file)",
                        INF_MAX_FIELD, INF_MAX_EXPANDED);
    return rc;
}

int inf__subst_all(inf_file *inf)
{
    struct inf_fset *fs = inf->fsets.p;
    for (size_t i = 0; i < inf->fsets.n; i++) {
        if (fs[i].no_subst)
            continue;
        for (size_t j = 0; j < fs[i].n; j++) {
            int rc = inf__subst(inf, fs[i].f[j].raw, fs[i].lineno, &fs[i].f[j].value);
            if (rc != INF_OK)
                return rc;
        }
    }
    /* The per-line field sets are no longer needed. */
    inf__vec_free(&inf->fsets);
    return INF_OK;
}
