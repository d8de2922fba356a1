/* repair.c - the boot repairs of repair.h (docs/injection.md §14), built
 * from the primitives of plan_int.h so they share the driver's dry run,
 * undo and journaled commit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"
#include "repair.h"

const struct boot_fallback *inj_fallback_find(const char *name)
{
    for (size_t i = 0; i < boot_nfallbacks; i++)
        if (strcasecmp(name, boot_fallbacks[i].service) == 0)
            return &boot_fallbacks[i];
    return NULL;
}

int inj_fallback_in(const struct boot_fallback *f, unsigned major,
                    unsigned minor)
{
    unsigned v = major * 100 + minor;
    return v >= f->min_major * 100 + f->min_minor &&
           (f->max_major == 0 || v <= f->max_major * 100 + f->max_minor);
}

static void say(struct inj_repair_report *r, enum inj_repair_kind kind,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(struct inj_repair_report *r, enum inj_repair_kind kind,
                const char *fmt, ...)
{
    va_list ap;
    r->count[kind]++;
    if (r->nlines == INJ_REPAIR_LINES) {
        r->dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(r->lines[r->nlines++], sizeof r->lines[0], fmt, ap);
    va_end(ap);
}

static void warn(struct inj_repair_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct inj_repair_report *r, const char *fmt, ...)
{
    va_list ap;
    if (r->nwarnings == sizeof r->warnings / sizeof r->warnings[0])
        return;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->nwarnings++], sizeof r->warnings[0], fmt, ap);
    va_end(ap);
}

enum svc_state { SVC_MISSING, SVC_DISABLED, SVC_PRESENT };

/* Start of CS\Services\NAME into *START (left alone when it is no
 * REG_DWORD), and whether the service is there and disabled. A name with
 * a backslash names no service. */
static enum svc_state service_state(regf_hive *h, const char *cs,
                                    const char *name, uint32_t *start)
{
    char key[512];
    regf_key k;
    regf_val v;
    uint32_t s;
    if (!*name || strchr(name, '\\') ||
        (size_t)snprintf(key, sizeof key, "%s\\Services\\%s", cs, name) >=
            sizeof key ||
        regf_key_lookup(h, 0, key, &k) != REGF_OK)
        return SVC_MISSING;
    if (regf_value_lookup(h, k, "Start", &v) != REGF_OK ||
        regf_value_dword(h, v, &s) != REGF_OK)
        return SVC_PRESENT;
    if (start)
        *start = s;
    return s == 4 ? SVC_DISABLED : SVC_PRESENT;
}

/* Why filter NAME leaves the lists of control set CS, or NULL: Windows'
 * own filters never; the leftovers of another hypervisor always (with
 * either repair); with --fix-filters also any whose service is missing or
 * disabled (VMware's and Hyper-V's vm* filters included: only then). */
static const char *why_remove(regf_hive *h, const char *cs, const char *name,
                              const struct inj_repair_opts *o, char *buf,
                              size_t n)
{
    if (boot_filter_is_default(name))
        return NULL;
    const char *vendor = boot_leftover_vendor(name);
    if (vendor) {
        snprintf(buf, n, "%s leftover", vendor);
        return buf;
    }
    if (!o->fix_filters)
        return NULL;
    switch (service_state(h, cs, name, NULL)) {
    case SVC_MISSING: return "no such service";
    case SVC_DISABLED: return "service disabled";
    default: return NULL;
    }
}

/* The UpperFilters or LowerFilters value VAL of class C in CS, without
 * the entries why_remove names. Only a REG_MULTI_SZ is rewritten (as
 * REG_MULTI_SZ, through the library's codec; an emptied list stays as
 * the empty list, as virt-v2v and an INF DelReg leave it); a value of
 * another type is left alone with a warning. */
static int fix_list(regf_hive *h, struct inj_plan *pl, const char *cs,
                    const struct boot_filter_class *c, const char *val,
                    const struct inj_repair_opts *o,
                    struct inj_repair_report *r)
{
    char key[256];
    regf_key k;
    regf_val v;
    struct regf_value_info vi;
    snprintf(key, sizeof key, "%s\\Control\\Class\\%s", cs, c->guid);
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK ||
        regf_value_lookup(h, k, val, &v) != REGF_OK)
        return REGF_OK;
    int rc = regf_value_info(h, v, &vi);
    if (rc != REGF_OK)
        return rc;
    if (vi.type != REGF_MULTI_SZ) {
        const char *tn = regf_type_name(vi.type);
        warn(r, "%s\\%s (%s) is %s (%lu), not REG_MULTI_SZ: left alone",
             key, val, c->name, tn ? tn : "of an unnamed type",
             (unsigned long)vi.type);
        return REGF_OK;
    }
    size_t t = 0;
    if ((rc = regf_value_string(h, v, 0, NULL, 0, &t)) != REGF_OK)
        return rc;
    char *list = malloc(t + 1), *kept = malloc(t + 1);
    if (!list || !kept) {
        free(list);
        free(kept);
        return inj_oom(pl);
    }
    rc = regf_value_string(h, v, 0, list, t + 1, NULL);
    size_t klen = 0, removed = 0;
    for (size_t i = 0; rc == REGF_OK && i < t;) {
        const char *name = list + i;
        size_t len = strlen(name);
        char why[64];
        const char *w = why_remove(h, cs, name, o, why, sizeof why);
        if (w) {
            say(r, INJ_REPAIR_FILTERS, "%s: %s %s: %s removed (%s)", cs,
                c->name, val, name, w);
            removed++;
        } else {
            memcpy(kept + klen, name, len + 1);
            klen += len + 1;
        }
        i += len + 1;
    }
    if (rc == REGF_OK && removed) {
        size_t n = 0;
        uint8_t *data = NULL;
        rc = regf_string_encode(REGF_MULTI_SZ, kept, klen, 0, NULL, 0, &n);
        if (rc == REGF_OK && !(data = malloc(n)))
            rc = inj_oom(pl);
        if (rc == REGF_OK)
            rc = regf_string_encode(REGF_MULTI_SZ, kept, klen, 0, data, n,
                                    NULL);
        if (rc == REGF_OK)
            rc = inj_want_value(h, pl, key, val, REGF_MULTI_SZ, data, n);
        free(data);
    }
    free(list);
    free(kept);
    return rc;
}

static int fix_filters(regf_hive *h, struct inj_plan *pl, const char *cs,
                       const struct inj_repair_opts *o,
                       struct inj_repair_report *r)
{
    static const char *const vals[] = { "UpperFilters", "LowerFilters" };
    for (size_t i = 0; i < boot_filter_nclasses; i++)
        for (size_t j = 0; j < 2; j++) {
            int rc = fix_list(h, pl, cs, &boot_filter_classes[i], vals[j], o,
                              r);
            if (rc != REGF_OK)
                return rc;
        }
    return REGF_OK;
}

/* The guest's Windows has every fallback O names. */
static int check_fallbacks(const struct inj_repair_opts *o,
                           const struct inj_guest *g, struct inj_plan *pl)
{
    for (size_t i = 0; i < o->nfallback; i++) {
        const struct boot_fallback *f = inj_fallback_find(o->fallback[i]);
        if (!f) {
            snprintf(pl->err, sizeof pl->err, "--fallback %.60s: not an "
                     "in-box controller hivekit knows", o->fallback[i]);
            return REGF_EINVAL;
        }
        if (g && g->major && !inj_fallback_in(f, g->major, g->minor)) {
            char name[64];
            inj_guest_name(g, name, sizeof name);
            snprintf(pl->err, sizeof pl->err, "--fallback %s: %s (%u.%u) "
                     "has no %s driver (%s)", f->service, name, g->major,
                     g->minor, f->what, f->service);
            return REGF_EINVAL;
        }
    }
    return REGF_OK;
}

/* Start 0 and no StartOverride for fallback F in CS. */
static int fallback(regf_hive *h, struct inj_plan *pl, const char *cs,
                    const struct boot_fallback *f,
                    struct inj_repair_report *r)
{
    char svc[128], ovr[160];
    uint32_t start = 0xFFFFFFFFu;
    if (service_state(h, cs, f->service, &start) == SVC_MISSING) {
        snprintf(pl->err, sizeof pl->err, "%s: no such service in %s "
                 "(Services\\%s): not a fallback this guest has",
                 f->service, cs, f->service);
        return REGF_NOTFOUND;
    }
    snprintf(svc, sizeof svc, "%s\\Services\\%s", cs, f->service);
    snprintf(ovr, sizeof ovr, "%s\\StartOverride", svc);
    size_t n0 = pl->n;
    int rc = inj_want_dword(h, pl, svc, "Start", 0);
    if (rc != REGF_OK)
        return rc;
    int started = pl->n > n0;
    n0 = pl->n;
    if ((rc = inj_want_gone(h, pl, ovr)) != REGF_OK)
        return rc;
    int overridden = pl->n > n0;
    if (started && start != 0xFFFFFFFFu)
        say(r, INJ_REPAIR_FALLBACK, "%s: %s (%s) boot-start (Start %lu -> "
            "0)%s", cs, f->service, f->what, (unsigned long)start,
            overridden ? ", StartOverride removed" : "");
    else if (started || overridden)
        say(r, INJ_REPAIR_FALLBACK, "%s: %s (%s) %s%s%s", cs, f->service,
            f->what, started ? "boot-start (Start 0)" : "",
            started && overridden ? ", " : "",
            overridden ? "StartOverride removed" : "");
    return REGF_OK;
}

/* Start 4 for every leftover service of CS (boot_leftover_vendor). */
static int leftovers(regf_hive *h, struct inj_plan *pl, const char *cs,
                     struct inj_repair_report *r)
{
    char key[64];
    regf_key services, k;
    regf_iter it;
    snprintf(key, sizeof key, "%s\\Services", cs);
    int rc = regf_key_lookup(h, 0, key, &services);
    if (rc == REGF_NOTFOUND)
        return REGF_OK;
    for (rc = rc == REGF_OK ? regf_subkey_first(h, services, &it, &k) : rc;
         rc == REGF_OK; rc = regf_subkey_next(h, &it, &k)) {
        char name[256], svc[384];
        const char *vendor;
        uint32_t start = 0xFFFFFFFFu;
        if (regf_key_name(h, k, name, sizeof name, NULL) != REGF_OK ||
            !(vendor = boot_leftover_vendor(name)))
            continue;
        service_state(h, cs, name, &start);
        snprintf(svc, sizeof svc, "%s\\%s", key, name);
        size_t n0 = pl->n;
        int r2 = inj_want_dword(h, pl, svc, "Start", 4);
        if (r2 != REGF_OK)
            return r2;
        if (pl->n == n0)
            continue;
        if (start != 0xFFFFFFFFu)
            say(r, INJ_REPAIR_LEFTOVERS, "%s: %s (%s) disabled (Start %lu "
                "-> 4)", cs, name, vendor, (unsigned long)start);
        else
            say(r, INJ_REPAIR_LEFTOVERS, "%s: %s (%s) disabled (Start 4)",
                cs, name, vendor);
    }
    return rc == REGF_NOTFOUND ? REGF_OK : rc;
}

static int no_autoreboot(regf_hive *h, struct inj_plan *pl, const char *cs,
                         struct inj_repair_report *r)
{
    char key[96];
    regf_key k;
    regf_val v;
    uint32_t old;
    int had;
    snprintf(key, sizeof key, "%s\\Control\\CrashControl", cs);
    had = regf_key_lookup(h, 0, key, &k) == REGF_OK &&
          regf_value_lookup(h, k, "AutoReboot", &v) == REGF_OK &&
          regf_value_dword(h, v, &old) == REGF_OK;
    size_t n0 = pl->n;
    int rc = inj_want_dword(h, pl, key, "AutoReboot", 0);
    if (rc == REGF_OK && pl->n > n0) {
        if (had)
            say(r, INJ_REPAIR_AUTOREBOOT, "%s: CrashControl AutoReboot %lu "
                "-> 0 (a stop screen stays visible)", cs,
                (unsigned long)old);
        else
            say(r, INJ_REPAIR_AUTOREBOOT, "%s: CrashControl AutoReboot 0 (a "
                "stop screen stays visible)", cs);
    }
    return rc;
}

int inj_plan_repairs(regf_hive *h, const struct inj_repair_opts *o,
                     const struct inj_guest *g, struct inj_plan *pl,
                     struct inj_repair_report *r)
{
    int rc;
    memset(r, 0, sizeof *r);
    if (!pl->ncontrolsets && (rc = inj_plan_control_sets(h, pl)) != REGF_OK)
        return rc;
    if ((rc = check_fallbacks(o, g, pl)) != REGF_OK)
        return rc;
    for (int i = 0; i < pl->ncontrolsets; i++) {
        const char *cs = pl->controlsets[i];
        for (size_t k = 0; k < o->nfallback; k++)
            if ((rc = fallback(h, pl, cs, inj_fallback_find(o->fallback[k]),
                               r)) != REGF_OK)
                return rc;
        if (o->disable_leftovers && (rc = leftovers(h, pl, cs, r)) != REGF_OK)
            return rc;
        if ((o->fix_filters || o->disable_leftovers) &&
            (rc = fix_filters(h, pl, cs, o, r)) != REGF_OK)
            return rc;
        if (o->no_autoreboot && (rc = no_autoreboot(h, pl, cs, r)) != REGF_OK)
            return rc;
    }
    return REGF_OK;
}
