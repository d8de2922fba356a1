/* plan.c - the primitives every change set of src/inject is built from
 * (plan_int.h): record a change only when the hive differs, with what was
 * there before (for the undo patch), and the reads the planners share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"
#include "bytes.h"

/* ---- the plan ---------------------------------------------------------------- */

char *inj_dupn(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

struct inj_change *inj_plan_add(struct inj_plan *pl, enum inj_op op,
                                const char *key, const char *name)
{
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? 2 * pl->cap : 32;
        struct inj_change *c = realloc(pl->c, cap * sizeof *c);
        if (!c)
            return NULL;
        pl->c = c;
        pl->cap = cap;
    }
    struct inj_change *c = &pl->c[pl->n];
    memset(c, 0, sizeof *c);
    c->op = op;
    c->key = inj_dupn(key, strlen(key));
    c->name = name ? inj_dupn(name, strlen(name)) : NULL;
    if (!c->key || (name && !c->name)) {
        free(c->key);
        free(c->name);
        return NULL;
    }
    pl->n++;
    return c;
}

int inj_oom(struct inj_plan *pl)
{
    snprintf(pl->err, sizeof pl->err, "out of memory");
    return REGF_ENOMEM;
}

/* Does PL hold an OP change of KEY or of an ancestor? */
static int planned_op(const struct inj_plan *pl, enum inj_op op,
                      const char *key)
{
    for (size_t i = 0; i < pl->n; i++) {
        const struct inj_change *c = &pl->c[i];
        size_t n = strlen(c->key);
        if (c->op == op && strncasecmp(c->key, key, n) == 0 &&
            (key[n] == '\0' || key[n] == '\\'))
            return 1;
    }
    return 0;
}

/* Is KEY (or an ancestor) already being created by the plan? */
int inj_planned_key(const struct inj_plan *pl, const char *key)
{
    return planned_op(pl, INJ_MKKEY, key);
}

/* Plans the creation of KEY: records the topmost missing ancestor (undo
 * deletes it with everything below). */
int inj_want_key(regf_hive *h, struct inj_plan *pl, const char *key)
{
    regf_key k;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_OK || inj_planned_key(pl, key))
        return rc == REGF_OK || rc == REGF_NOTFOUND ? REGF_OK : rc;
    if (rc != REGF_NOTFOUND)
        return rc;
    /* Find the first missing component. */
    char path[1024];
    size_t len = 0;
    const char *p = key;
    while (*p) {
        const char *e = strchr(p, '\\');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (len + n + 2 > sizeof path)
            return REGF_ELIMIT;
        if (len)
            path[len++] = '\\';
        memcpy(path + len, p, n);
        len += n;
        path[len] = '\0';
        if (regf_key_lookup(h, 0, path, &k) == REGF_NOTFOUND) {
            if (!inj_plan_add(pl, INJ_MKKEY, path, NULL))
                return inj_oom(pl);
            return REGF_OK;
        }
        p += n;
        if (*p == '\\')
            p++;
    }
    return REGF_OK;
}

/* Plans KEY\NAME = (TYPE, DATA), unless it already holds exactly that. */
int inj_want_value(regf_hive *h, struct inj_plan *pl, const char *key,
                   const char *name, uint32_t type, const void *data,
                   size_t len)
{
    regf_key k;
    regf_val v;
    uint32_t otype = 0;
    size_t olen = 0;
    uint8_t *old = NULL;
    int existed = 0;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_OK) {
        rc = regf_value_lookup(h, k, name, &v);
        if (rc == REGF_OK) {
            if ((rc = regf_value_data(h, v, &otype, NULL, 0, &olen)) != REGF_OK)
                return rc;
            old = malloc(olen ? olen : 1);
            if (!old)
                return inj_oom(pl);
            if ((rc = regf_value_data(h, v, &otype, old, olen, NULL)) != REGF_OK) {
                free(old);
                return rc;
            }
            if (otype == type && olen == len && memcmp(old, data, len) == 0) {
                free(old);
                return REGF_OK;          /* already right */
            }
            existed = 1;
        } else if (rc != REGF_NOTFOUND) {
            return rc;
        }
    } else if (rc != REGF_NOTFOUND) {
        return rc;
    } else if ((rc = inj_want_key(h, pl, key)) != REGF_OK) {
        return rc;
    }
    struct inj_change *c = inj_plan_add(pl, INJ_SET, key, name);
    if (!c) {
        free(old);
        return inj_oom(pl);
    }
    c->type = type;
    c->data = (uint8_t *)inj_dupn(data, len);
    c->len = len;
    c->existed = existed;
    c->old_type = otype;
    c->old_data = old;
    c->old_len = olen;
    return c->data ? REGF_OK : inj_oom(pl);
}

/* Plans string value NAME of KEY: TYPE made of the UTF-8 text S (for
 * REG_MULTI_SZ, a list of that one string), through the library's codec. */
int inj_want_sz(regf_hive *h, struct inj_plan *pl, const char *key,
                const char *name, uint32_t type, const char *s)
{
    size_t len = strlen(s), n = 0;
    if (regf_string_encode(type, s, len, 0, NULL, 0, &n) != REGF_OK) {
        snprintf(pl->err, sizeof pl->err, "%s\\%s: the text '%.60s' is not "
                 "UTF-8", key, name, s);
        return REGF_EINVAL;
    }
    uint8_t *buf = malloc(n);
    if (!buf)
        return inj_oom(pl);
    regf_string_encode(type, s, len, 0, buf, n, NULL);
    int rc = inj_want_value(h, pl, key, name, type, buf, n);
    free(buf);
    return rc;
}

int inj_want_dword(regf_hive *h, struct inj_plan *pl, const char *key,
                   const char *name, uint32_t v)
{
    uint8_t b[4];
    wr_le32(b, v);
    return inj_want_value(h, pl, key, name, REGF_DWORD, b, 4);
}

struct text {
    char *p;
    size_t len;
};

static int text_write(void *ctx, const void *buf, size_t len)
{
    struct text *t = ctx;
    char *p = realloc(t->p, t->len + len + 1);
    if (!p)
        return -1;
    memcpy(p + t->len, buf, len);
    t->p = p;
    t->len += len;
    t->p[t->len] = '\0';
    return 0;
}

/* Is KEY (or an ancestor) already being deleted by the plan? */
int inj_planned_gone(const struct inj_plan *pl, const char *key)
{
    return planned_op(pl, INJ_DEL_KEY, key);
}

/* Plans the removal of KEY (keeping its content for undo) if it exists. */
int inj_want_gone(regf_hive *h, struct inj_plan *pl, const char *key)
{
    regf_key k;
    if (inj_planned_gone(pl, key))
        return REGF_OK;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_NOTFOUND)
        return REGF_OK;
    if (rc != REGF_OK)
        return rc;
    struct text t = { NULL, 0 };
    if ((rc = regf_export_reg(h, k, INJ_UNDO_PREFIX, 0, text_write, &t)) != REGF_OK) {
        free(t.p);
        return rc;
    }
    struct inj_change *c = inj_plan_add(pl, INJ_DEL_KEY, key, NULL);
    if (!c) {
        free(t.p);
        return inj_oom(pl);
    }
    c->existed = 1;
    /* Drop the "Windows Registry Editor" line and the blank line. */
    const char *body = strstr(t.p, "\n\n");
    c->old_subtree = inj_dupn(body ? body + 2 : "", body ? strlen(body + 2) : 0);
    free(t.p);
    return c->old_subtree ? REGF_OK : inj_oom(pl);
}

/* Plans the deletion of value NAME of KEY (keeping it for undo) if it
 * exists and is not already going. */
int inj_want_no_value(regf_hive *h, struct inj_plan *pl, const char *key,
                      const char *name)
{
    regf_key k;
    regf_val v;
    if (inj_planned_gone(pl, key))
        return REGF_OK;
    for (size_t i = 0; i < pl->n; i++)
        if (pl->c[i].op == INJ_DEL_VALUE &&
            strcasecmp(pl->c[i].key, key) == 0 &&
            strcasecmp(pl->c[i].name, name) == 0)
            return REGF_OK;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_OK)
        rc = regf_value_lookup(h, k, name, &v);
    if (rc == REGF_NOTFOUND)
        return REGF_OK;
    if (rc != REGF_OK)
        return rc;
    uint32_t otype;
    size_t olen = 0;
    if ((rc = regf_value_data(h, v, &otype, NULL, 0, &olen)) != REGF_OK)
        return rc;
    uint8_t *old = malloc(olen ? olen : 1);
    if (!old)
        return inj_oom(pl);
    if ((rc = regf_value_data(h, v, &otype, old, olen, NULL)) != REGF_OK) {
        free(old);
        return rc;
    }
    struct inj_change *c = inj_plan_add(pl, INJ_DEL_VALUE, key, name);
    if (!c) {
        free(old);
        return inj_oom(pl);
    }
    c->existed = 1;
    c->old_type = otype;
    c->old_data = old;
    c->old_len = olen;
    return REGF_OK;
}

/* The text of string value NAME of KEY into BUF (the first string of a
 * REG_MULTI_SZ); REGF_NOTFOUND when the key or the value is missing,
 * REGF_ETYPE when it is no string. */
int inj_read_sz(regf_hive *h, const char *key, const char *name,
                char *buf, size_t n)
{
    regf_key k;
    regf_val v;
    buf[0] = '\0';
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_OK)
        rc = regf_value_lookup(h, k, name, &v);
    if (rc == REGF_OK)
        rc = regf_value_string(h, v, 0, buf, n, NULL);
    if (rc != REGF_OK)
        buf[0] = '\0';
    return rc;
}

int inj_has_value(regf_hive *h, const char *key, const char *name)
{
    regf_key k;
    regf_val v;
    return regf_key_lookup(h, 0, key, &k) == REGF_OK &&
           regf_value_lookup(h, k, name, &v) == REGF_OK;
}

int inj_control_sets(regf_hive *h, struct inj_controlsets *out, char *err,
                     size_t errn)
{
    static const char *const which[] = { "Current", "Default",
                                         "LastKnownGood" };
    regf_key sel;
    memset(out, 0, sizeof *out);
    int rc = regf_key_lookup(h, 0, "Select", &sel);
    if (rc != REGF_OK) {
        snprintf(err, errn, "no Select key at the root: not a SYSTEM hive");
        return rc == REGF_NOTFOUND ? REGF_EINVAL : rc;
    }
    for (int i = 0; i < 3; i++) {
        regf_val v;
        struct regf_value_info vi;
        uint32_t n;
        if (regf_value_lookup(h, sel, which[i], &v) != REGF_OK ||
            regf_value_info(h, v, &vi) != REGF_OK || vi.type != REGF_DWORD ||
            regf_value_dword(h, v, &n) != REGF_OK || n == 0 || n > 999)
            continue;
        char name[16];
        regf_key cs;
        int j;
        snprintf(name, sizeof name, "ControlSet%03u", n);
        if (regf_key_lookup(h, 0, name, &cs) != REGF_OK)
            continue;
        for (j = 0; j < out->n && strcmp(out->name[j], name) != 0; j++)
            ;
        if (j == out->n)
            snprintf(out->name[out->n++], sizeof out->name[0], "%s", name);
        size_t l = strlen(out->select[j]);
        snprintf(out->select[j] + l, sizeof out->select[j] - l, "%s%s",
                 l ? ", " : "", which[i]);
    }
    if (out->n == 0) {
        snprintf(err, errn, "Select names no existing ControlSetNNN");
        return REGF_EINVAL;
    }
    return REGF_OK;
}

/* Select's control sets (inj_control_sets) into PL->controlsets;
 * REGF_EINVAL (message in PL->err) when none exists. */
int inj_plan_control_sets(regf_hive *h, struct inj_plan *pl)
{
    struct inj_controlsets cs;
    int rc = inj_control_sets(h, &cs, pl->err, sizeof pl->err);
    for (int i = 0; rc == REGF_OK && i < cs.n; i++)
        snprintf(pl->controlsets[pl->ncontrolsets++], 16, "%s", cs.name[i]);
    return rc;
}
