/* doctor_text.c - `hivekit doctor` for people: the guest, each control
 * set's boot-start drivers in load order, each target's devices with the
 * driver that binds them, the class filters and warnings, and a verdict
 * per target with its reasons and fixes. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "doctor_render.h"

/* fprintf, with the control characters a hostile hive's names may hold
 * (all but the line ends of the format) written as \xNN: nothing read
 * from the hive reaches the terminal raw. */
static void out(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void out(FILE *f, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            putc(*p, f);
}

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
            out(f, "%c", *s++);
            continue;
        }
        char q[8200];
        doc_shell_quote(q, sizeof q, hive);
        out(f, " %s", q);
        s += n;
    }
}

static void reasons(FILE *f, const struct doc_reasons *rs, int severity,
                    const struct doc_render_in *in)
{
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->r[i].severity != severity)
            continue;
        out(f, "    - %s [%s]\n      fix: ", rs->r[i].text, rs->r[i].code);
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
    out(f, "  %s, %s: ", d->pci->label, res->cs[c].name);
    if (d->via == DOC_VIA_NONE) {
        out(f, "no driver binds it%s%s\n", d->staged[0] ?
                "; staged package without configuration: " : "", d->staged);
    } else {
        out(f, "%s via the %s (id %s", s->name, doc_via_name(d->via),
                d->matched);
        if (d->via == DOC_VIA_DRIVERDB)
            out(f, ", %s, rank %02x %02x, configuration %s", d->inf,
                    d->rank[0], d->rank[1], d->config);
        fputs(")\n", f);
        if (!s->exists) {
            out(f, "    service %s does not exist\n", s->name);
        } else {
            fputs("    ", f);
            if (s->has_start)
                out(f, "Start %u", (unsigned)s->start);
            else
                fputs("no Start", f);
            if (s->demoted)
                out(f, " (StartOverride: %u)", (unsigned)s->override_start);
            if (s->has_type)
                out(f, ", Type %u", (unsigned)s->type);
            out(f, ", ImagePath %s%s", s->image,
                    s->image_default ? " (default)" : "");
            if (s->has_bustype)
                out(f, ", BusType %u", (unsigned)s->bustype);
            out(f, "; %s", bin_text(s));
            if (s->bin == DOC_BIN_BAD)
                out(f, ": %s", s->bin_err);
            if (s->bin_path[0])
                out(f, " (%s)", s->bin_path);
            putc('\n', f);
        }
    }
    if (verbose)
        for (size_t i = 0; i < d->nids; i++)
            out(f, "    %s id %s\n", i < d->nhw ? "hardware" : "compatible",
                    d->ids[i]);
}

static void boot_order(FILE *f, const struct doc_controlset *cs, int verbose)
{
    out(f, "%s (%s): %zu boot-start drivers in load order", cs->name,
            cs->select, cs->nboot);
    if (cs->ndemoted)
        out(f, ", %zu more demoted by StartOverride (not loaded)",
                cs->ndemoted);
    fputs(cs->order_known ? ":\n" : " (no ServiceGroupOrder\\List: order "
          "unknown):\n", f);
    for (size_t i = 0; i < cs->nboot; i++) {
        const struct doc_boot *b = &cs->boot[i];
        char tag[24] = "-";
        if (b->has_tag)
            snprintf(tag, sizeof tag, "%u%s", (unsigned)b->tag,
                     b->tag_pos < 0 ? "*" : "");
        out(f, "  %3zu  %-22s %-24s %-5s %s\n", i + 1, b->service,
                b->group[0] ? b->group : "-", tag, b->image);
    }
    if (verbose && cs->ndemoted) {
        fputs("  demoted:", f);
        for (size_t i = 0; i < cs->ndemoted; i++)
            out(f, " %s", cs->demoted[i]);
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
        out(f, "  %s %s %s: %s%s%s%s%s%s\n", res->cs[x->cs].name,
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
    out(f, "guest: %s", res->guest_name);
    if (g->major)
        out(f, " (%u.%u.%u)", g->major, g->minor, g->build);
    out(f, ", %s, %s\n", g->processor_architecture[0]
            ? g->processor_architecture : "architecture unknown",
            res->driver_database ? "DriverDatabase (Windows 8 or later)"
            : "no DriverDatabase: CriticalDeviceDatabase");
    out(f, "SYSTEM: %s\nSOFTWARE: %s\n", in->system,
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
        out(f, "\ntarget %s (%s class):\n", tg->info->name,
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
        out(f, "verdict %s: %s\n", tg->info->name,
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
