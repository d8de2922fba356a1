/* doctor_verdict.c - from what the parts found to each target's reasons,
 * each with its fix (docs/doctor.md §6). A target boots when no reason
 * is fatal: every device variant binds, in every control set Select
 * names, to an existing kernel driver service that is boot-start, not
 * demoted by StartOverride, and (with --root) has a signed PE binary for
 * the guest; and no filter of its stack's classes (DiskDrive, Volume and
 * the controller's class) is stale or another hypervisor's. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doctor_int.h"

/* What injects a driver for T, or what to do instead. */
static const char *driver_fix(enum boot_target t)
{
    switch (t) {
    case BOOT_TARGET_VIRTIO_BLK:
        return "hivekit inject --system SYSTEM --virtio-win DIR --driver "
               "viostor (or --root ROOT: copies the binary too)";
    case BOOT_TARGET_VIRTIO_SCSI:
        return "hivekit inject --system SYSTEM --virtio-win DIR --driver "
               "vioscsi (or --root ROOT: copies the binary too)";
    default:
        return "this Windows has no driver for that controller: move the "
               "disk to another one (virtio-blk with hivekit inject)";
    }
}

/* The in-box controller driver NAME as inject --fallback knows it, when
 * this guest's Windows has it; NULL otherwise. */
static const struct boot_fallback *fallback_for(const struct doc_result *res,
                                                const char *name)
{
    unsigned v = res->guest.major * 100 + res->guest.minor;
    for (size_t i = 0; i < boot_nfallbacks; i++) {
        const struct boot_fallback *b = &boot_fallbacks[i];
        if (strcasecmp(b->service, name) != 0)
            continue;
        if (res->guest.major &&
            (v < b->min_major * 100 + b->min_minor ||
             (b->max_major && v > b->max_major * 100 + b->max_minor)))
            return NULL;
        return b;
    }
    return NULL;
}

static int device_reasons(const struct doc_result *res, int c,
                          const struct doc_device *d, enum boot_target t,
                          struct doc_reasons *rs)
{
    const char *cs = res->cs[c].name;
    const struct doc_service *s = &d->svc;
    char fix[400], raw[200], key[300];
    snprintf(raw, sizeof raw, "%s\\Services\\%s", cs, s->name);
    doc_shell_quote(key, sizeof key, raw);
    if (d->via == DOC_VIA_NONE && d->staged[0])
        return doc_reason(rs, DOC_FATAL, "staged-only", driver_fix(t),
                          "%s: the package %s matches it but has no "
                          "configuration (staged, never installed on a "
                          "device): Windows cannot install it at boot",
                          d->pci->label, d->staged);
    if (d->via == DOC_VIA_NONE)
        return doc_reason(rs, DOC_FATAL, "no-driver", driver_fix(t),
                          "%s: no driver is registered for any of its ids "
                          "(%s ... %s) in the %s", d->pci->label, d->ids[0],
                          d->ids[d->nids ? d->nids - 1 : 0],
                          res->driver_database ? "DriverDatabase"
                          : "CriticalDeviceDatabase");
    if (!s->exists)
        return doc_reason(rs, DOC_FATAL, "service-missing", driver_fix(t),
                          "%s: %s binds it to the service %s, which %s "
                          "does not have", d->pci->label,
                          d->inf[0] ? d->inf : "CriticalDeviceDatabase",
                          s->name, cs);
    if (s->has_type && s->type != 1) {
        snprintf(fix, sizeof fix, "hivekit set SYSTEM %s Type dword 1", key);
        int rc = doc_reason(rs, DOC_FATAL, "service-type", fix,
                            "%s\\Services\\%s: Type is %u, not 1 (kernel "
                            "driver)", cs, s->name, (unsigned)s->type);
        if (rc != REGF_OK)
            return rc;
    }
    const struct boot_fallback *fb = fallback_for(res, s->name);
    if (!s->has_start || s->start != 0) {
        if (fb)
            snprintf(fix, sizeof fix, "hivekit inject --system SYSTEM "
                     "--fallback %s", fb->service);
        else
            snprintf(fix, sizeof fix, "hivekit set SYSTEM %s Start dword 0",
                     key);
        char start[32] = "no Start value";
        if (s->has_start)
            snprintf(start, sizeof start, "Start is %u", (unsigned)s->start);
        int rc = doc_reason(rs, DOC_FATAL, "not-boot-start", fix,
                            "%s\\Services\\%s: %s, not 0 (boot): the "
                            "loader does not load it", cs, s->name, start);
        if (rc != REGF_OK)
            return rc;
    }
    if (s->demoted) {
        char so[240];
        snprintf(so, sizeof so, "%s\\StartOverride", raw);
        doc_shell_quote(key, sizeof key, so);
        if (fb)
            snprintf(fix, sizeof fix, "hivekit inject --system SYSTEM "
                     "--fallback %s", fb->service);
        else
            snprintf(fix, sizeof fix, "hivekit rm SYSTEM %s", key);
        int rc = doc_reason(rs, DOC_FATAL, "demoted", fix,
                            "%s\\Services\\%s: demoted by StartOverride "
                            "(start %u instead of 0): the loader does not "
                            "load it", cs, s->name,
                            (unsigned)s->override_start);
        if (rc != REGF_OK)
            return rc;
    }
    if (s->bin == DOC_BIN_MISSING)
        return doc_reason(rs, DOC_FATAL, "binary-missing",
                          "copy the driver's .sys there (hivekit inject "
                          "--root ROOT --virtio-win DIR does)",
                          "%s\\Services\\%s: its binary %s (ImagePath %s) "
                          "is missing", cs, s->name, s->bin_path, s->image);
    if (s->bin == DOC_BIN_BAD)
        return doc_reason(rs, DOC_FATAL, "binary-bad",
                          "replace it with the driver build for this "
                          "Windows and architecture (hivekit inject "
                          "--root ROOT --virtio-win DIR picks it)",
                          "%s\\Services\\%s: its binary %s: %s", cs, s->name,
                          s->bin_path[0] ? s->bin_path : s->image,
                          s->bin_err);
    return REGF_OK;
}

static int in_stack(const struct doc_filter *f, enum boot_target t)
{
    const char *n = f->cls->name;
    return strcmp(n, "DiskDrive") == 0 || strcmp(n, "Volume") == 0 ||
           strcmp(n, boot_target_class(t)) == 0;
}

static int filter_reason(const struct doc_result *res,
                         const struct doc_filter *f, enum boot_target t,
                         struct doc_reasons *rs)
{
    char what[160] = "", fix[400];
    const char *list = f->upper ? "UpperFilters" : "LowerFilters";
    const char *cs = res->cs[f->cs].name;
    size_t u = 0;
    int w;
#define SAY(cond, s)                                                         \
    if ((cond) && (w = snprintf(what + u, sizeof what - u, "%s%s",          \
                                u ? ", " : "", s)) > 0 &&                    \
        (size_t)w < sizeof what - u)                                          \
        u += (size_t)w
    SAY(f->problems & DOC_FILTER_MISSING, "its service does not exist");
    SAY(f->problems & DOC_FILTER_DISABLED, "its service is disabled");
    SAY(f->problems & DOC_FILTER_NO_BINARY, "its binary is missing");
    char tools[48];
    snprintf(tools, sizeof tools, "%s tools", f->vendor ? f->vendor : "");
    SAY(f->vendor, tools);
#undef SAY
    if (f->harmful)
        snprintf(fix, sizeof fix, "hivekit inject --system SYSTEM "
                 "--fix-filters (by hand: %s %s)", f->keep[0] ?
                 "set the list to" : "delete the value",
                 f->keep[0] ? f->keep : list);
    else
        snprintf(fix, sizeof fix, "none needed unless that hypervisor's "
                 "tools misbehave on KVM; uninstall them in the guest");
    int fatal = f->harmful && in_stack(f, t);
    return doc_reason(rs, fatal ? DOC_FATAL : DOC_WARN,
                      f->problems & (DOC_FILTER_MISSING | DOC_FILTER_DISABLED |
                                     DOC_FILTER_NO_BINARY)
                          ? "stale-filter" : "leftover-filter",
                      fix, "%s: %s class %s names %s: %s%s", cs,
                      f->cls->name, list, f->name, what,
                      fatal ? " (0x7B at boot)" : "");
}

int doc_verdicts(const struct doc_opts *o, struct doc_result *res)
{
    int rc;
    (void)o;
    for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
        struct doc_target *tg = &res->targets[t];
        if (!tg->info)
            continue;
        for (int c = 0; c < res->ncs; c++)
            for (size_t v = 0; v < tg->info->ndevices && v < DOC_MAX_DEV; v++)
                if ((rc = device_reasons(res, c, &tg->dev[c][v],
                                         (enum boot_target)t,
                                         &tg->reasons)) != REGF_OK)
                    return rc;
        for (size_t i = 0; i < res->nfilters; i++)
            if ((rc = filter_reason(res, &res->filters[i],
                                    (enum boot_target)t, &tg->reasons)) !=
                REGF_OK)
                return rc;
        tg->boots = 1;
        for (size_t i = 0; i < tg->reasons.n; i++)
            if (tg->reasons.r[i].severity == DOC_FATAL)
                tg->boots = 0;
    }
    for (size_t i = 0; i < res->nleftovers; i++) {
        const struct doc_leftover *l = &res->leftovers[i];
        char fix[400], raw[200], key[300];
        snprintf(raw, sizeof raw, "%s\\Services\\%s", res->cs[l->cs].name,
                 l->service);
        doc_shell_quote(key, sizeof key, raw);
        snprintf(fix, sizeof fix, "hivekit inject --system SYSTEM "
                 "--disable-leftovers (Start 4 for %s, and out of every "
                 "filter list)", key);
        if ((rc = doc_reason(&res->general, DOC_WARN, "leftover-service", fix,
                             "%s\\Services\\%s: %s tools, Start %u: it may "
                             "crash or hang on KVM", res->cs[l->cs].name,
                             l->service, l->vendor, (unsigned)l->start)) !=
            REGF_OK)
            return rc;
    }
    return REGF_OK;
}
