/* doctor_text.c - `hivekit doctor` for people: the guest, each control
 * set's boot-start drivers in load order, each target's devices with the
 * driver that binds them, the class filters and warnings, and a verdict
 * per target with its reasons and fixes. */
#include <string.h>

#include "cli.h"
#include "doctor_render.h"

/* S with the words SYSTEM and SOFTWARE (hive placeholders of the fixes)
 * replaced by the files, shell-quoted. */
static void put_fix(FILE *f, const char *s, const struct doc_render_in *in)
{
    while (*s) {
        const char *hive = NULL;
        size_t n = 0;
        if (strncmp(s, " SYSTEM ", 8) == 0)
            hive = in->system, n = 7;
        else if (strncmp(s, " SOFTWARE ", 10) == 0 && in->software)
            hive = in->software, n = 9;
        if (!hive) {
            putc(*s++, f);
            continue;
        }
        fputs(" '", f);
        for (const char *p = hive; *p; p++)
            if (*p == '\'')
                fputs("'\\''", f);
            else
                putc(*p, f);
        putc('\'', f);
        s += n;
    }
}

static void reasons(FILE *f, const struct doc_reasons *rs, int severity,
                    const struct doc_render_in *in)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->r[i].severity != severity)
            continue;
        fprintf(f, "    - %s [%s]\n      fix: ", rs->r[i].text, rs->r[i].code);
        put_fix(f, rs->r[i].fix, in);
        putc('\n', f);
    }
}

static const char *bin_text(const struct doc_service *s)
{
    switch (s->bin) {
    case DOC_BIN_OK: return "binary ok (PE for the guest, signed)";
    case DOC_BIN_MISSING: return "binary MISSING";
    case DOC_BIN_BAD: return "binary BAD";
    default: return "binary not checked (no --root)";
    }
}

static void device(FILE *f, const struct doc_result *res, int c,
                   const struct doc_device *d, int verbose)
{
    const struct doc_service *s = &d->svc;
    fprintf(f, "  %s, %s: ", d->pci->label, res->cs[c].name);
    if (d->via == DOC_VIA_NONE) {
        fprintf(f, "no driver binds it%s%s\n", d->staged[0] ?
                "; staged package without configuration: " : "", d->staged);
    } else {
        fprintf(f, "%s via the %s (id %s", s->name, doc_via_name(d->via),
                d->matched);
        if (d->via == DOC_VIA_DRIVERDB)
            fprintf(f, ", %s, rank %02x %02x, configuration %s", d->inf,
                    d->rank[0], d->rank[1], d->config);
        fputs(")\n", f);
        if (!s->exists) {
            fprintf(f, "    service %s does not exist\n", s->name);
        } else {
            fputs("    ", f);
            if (s->has_start)
                fprintf(f, "Start %u", (unsigned)s->start);
            else
                fputs("no Start", f);
            if (s->demoted)
                fprintf(f, " (StartOverride: %u)", (unsigned)s->override_start);
            if (s->has_type)
                fprintf(f, ", Type %u", (unsigned)s->type);
            fprintf(f, ", ImagePath %s%s", s->image,
                    s->image_default ? " (default)" : "");
            if (s->has_bustype)
                fprintf(f, ", BusType %u", (unsigned)s->bustype);
            fprintf(f, "; %s", bin_text(s));
            if (s->bin == DOC_BIN_BAD)
                fprintf(f, ": %s", s->bin_err);
            if (s->bin_path[0])
                fprintf(f, " (%s)", s->bin_path);
            putc('\n', f);
        }
    }
    if (verbose)
        for (size_t i = 0; i < d->nids; i++)
            fprintf(f, "    %s id %s\n", i < d->nhw ? "hardware" : "compatible",
                    d->ids[i]);
}

static void boot_order(FILE *f, const struct doc_controlset *cs, int verbose)
{
    fprintf(f, "%s (%s): %zu boot-start drivers in load order", cs->name,
            cs->select, cs->nboot);
    if (cs->ndemoted)
        fprintf(f, ", %zu more demoted by StartOverride (not loaded)",
                cs->ndemoted);
    fputs(cs->order_known ? ":\n" : " (no ServiceGroupOrder\\List: order "
          "unknown):\n", f);
    for (size_t i = 0; i < cs->nboot; i++) {
        const struct doc_boot *b = &cs->boot[i];
        char tag[24] = "-";
        if (b->has_tag)
            snprintf(tag, sizeof tag, "%u%s", (unsigned)b->tag,
                     b->tag_pos < 0 ? "*" : "");
        fprintf(f, "  %3zu  %-22s %-24s %-5s %s\n", i + 1, b->service,
                b->group[0] ? b->group : "-", tag, b->image);
    }
    if (verbose && cs->ndemoted) {
        fputs("  demoted:", f);
        for (size_t i = 0; i < cs->ndemoted; i++)
            fprintf(f, " %s", cs->demoted[i]);
        putc('\n', f);
    }
}

static void filters(FILE *f, const struct doc_result *res)
{
    if (!res->nfilters)
        return;
    fputs("\nclass filters worth a look:\n", f);
    for (size_t i = 0; i < res->nfilters; i++) {
        const struct doc_filter *x = &res->filters[i];
        fprintf(f, "  %s %s %s: %s%s%s%s%s%s\n", res->cs[x->cs].name,
                x->cls->name, x->upper ? "UpperFilters" : "LowerFilters",
                x->name,
                x->problems & DOC_FILTER_MISSING ? ", service missing" : "",
                x->problems & DOC_FILTER_DISABLED ? ", service disabled" : "",
                x->problems & DOC_FILTER_NO_BINARY ? ", binary missing" : "",
                x->vendor ? ", tools of " : "", x->vendor ? x->vendor : "");
    }
}

void doc_render_text(FILE *f, const struct doc_result *res,
                     const struct doc_render_in *in)
{
    const struct inj_guest *g = &res->guest;
    fprintf(f, "guest: %s", res->guest_name);
    if (g->major)
        fprintf(f, " (%u.%u.%u)", g->major, g->minor, g->build);
    fprintf(f, ", %s, %s\n", g->processor_architecture[0]
            ? g->processor_architecture : "architecture unknown",
            res->driver_database ? "DriverDatabase (Windows 8 or later)"
            : "no DriverDatabase: CriticalDeviceDatabase");
    fprintf(f, "SYSTEM: %s\nSOFTWARE: %s\n", in->system,
            in->software ? in->software : "(not given)");
    for (int c = 0; c < res->ncs; c++) {
        putc('\n', f);
        boot_order(f, &res->cs[c], in->verbose);
    }
    filters(f, res);
    for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
        if (!doc_target_done(res, (enum boot_target)t))
            continue;
        const struct doc_target *tg = &res->targets[t];
        fprintf(f, "\ntarget %s (%s class):\n", tg->info->name,
                boot_target_class((enum boot_target)t));
        for (int c = 0; c < res->ncs; c++)
            for (size_t v = 0; v < tg->info->ndevices && v < DOC_MAX_DEV; v++)
                device(f, res, c, &tg->dev[c][v], in->verbose);
    }
    if (res->general.n) {
        fputs("\nwarnings:\n", f);
        reasons(f, &res->general, DOC_WARN, in);
    }
    fputc('\n', f);
    for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
        if (!doc_target_done(res, (enum boot_target)t))
            continue;
        const struct doc_target *tg = &res->targets[t];
        fprintf(f, "verdict %s: %s\n", tg->info->name,
                tg->boots ? "boots" : "will not boot:");
        reasons(f, &tg->reasons, DOC_FATAL, in);
        int warns = 0;
        for (size_t i = 0; i < tg->reasons.n; i++)
            warns |= tg->reasons.r[i].severity == DOC_WARN;
        if (warns)
            fputs(tg->boots ? "  with warnings:\n" : "  and warnings:\n", f);
        reasons(f, &tg->reasons, DOC_WARN, in);
    }
}
