/* doctor_json.c - `hivekit doctor --json`: the diagnosis as one JSON
 * object (its shape: docs/doctor.md §7, hivekit(1)). */
#include <string.h>

#include "cli.h"
#include "doctor_render.h"

static void str_or_null(FILE *f, const char *s)
{
    if (s && s[0])
        json_str(f, s);
    else
        fputs("null", f);
}

/* , "NAME": S (null when S is NULL or empty) */
static void mem_str(FILE *f, const char *name, const char *s)
{
    fprintf(f, ", \"%s\": ", name);
    str_or_null(f, s);
}

/* , "NAME": V (null when not HAS) */
static void mem_num(FILE *f, const char *name, int has, uint32_t v)
{
    if (has)
        fprintf(f, ", \"%s\": %u", name, (unsigned)v);
    else
        fprintf(f, ", \"%s\": null", name);
}

static void reasons(FILE *f, const struct doc_reasons *rs)
{
    putc('[', f);
    for (size_t i = 0; i < rs->n; i++) {
        fputs(i ? ", {\"code\": " : "{\"code\": ", f);
        json_str(f, rs->r[i].code);
        fprintf(f, ", \"severity\": \"%s\", \"text\": ",
                rs->r[i].severity == DOC_FATAL ? "fatal" : "warning");
        json_str(f, rs->r[i].text);
        fputs(", \"fix\": ", f);
        json_str(f, rs->r[i].fix);
        putc('}', f);
    }
    putc(']', f);
}

static void controlset(FILE *f, const struct doc_controlset *cs)
{
    fputs("{\"name\": ", f);
    json_str(f, cs->name);
    fputs(", \"select\": [", f);
    const char *p = cs->select;
    for (int first = 1; *p; first = 0) {
        size_t n = strcspn(p, ",");
        fputs(first ? "" : ", ", f);
        json_strn(f, p, n);
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    fputs("], \"order_known\": ", f);
    json_bool(f, cs->order_known);
    fputs(", \"boot_order\": [", f);
    for (size_t i = 0; i < cs->nboot; i++) {
        const struct doc_boot *b = &cs->boot[i];
        fputs(i ? ",\n    {\"service\": " : "\n    {\"service\": ", f);
        json_str(f, b->service);
        mem_str(f, "group", b->group);
        mem_num(f, "tag", b->has_tag, b->tag);
        fprintf(f, ", \"type\": %u, \"image\": ", (unsigned)b->type);
        json_str(f, b->image);
        putc('}', f);
    }
    fputs("], \"demoted\": [", f);
    for (size_t i = 0; i < cs->ndemoted; i++) {
        fputs(i ? ", " : "", f);
        json_str(f, cs->demoted[i]);
    }
    fputs("]}", f);
}

static void service(FILE *f, const struct doc_service *s)
{
    static const char *const bins[] = { "not checked", "ok", "missing",
                                        "bad" };
    fputs("{\"name\": ", f);
    json_str(f, s->name);
    fputs(", \"exists\": ", f);
    json_bool(f, s->exists);
    mem_num(f, "type", s->has_type, s->type);
    mem_num(f, "start", s->has_start, s->start);
    mem_num(f, "start_override", s->demoted, s->override_start);
    mem_str(f, "image", s->exists ? s->image : NULL);
    mem_num(f, "bus_type", s->has_bustype, s->bustype);
    fprintf(f, ", \"binary\": \"%s\"", bins[s->bin]);
    mem_str(f, "binary_path", s->bin_path);
    mem_str(f, "binary_error", s->bin_err);
    putc('}', f);
}

static void device(FILE *f, const struct doc_result *res, int c,
                   const struct doc_device *d)
{
    static const char *const via[] = { NULL, "DriverDatabase",
                                       "CriticalDeviceDatabase" };
    fputs("{\"device\": ", f);
    json_str(f, d->pci->label);
    fputs(", \"controlset\": ", f);
    json_str(f, res->cs[c].name);
    fputs(", \"hardware_ids\": [", f);
    for (size_t i = 0; i < d->nids; i++) {
        if (i == d->nhw)
            fputs("], \"compatible_ids\": [", f);
        else if (i)
            fputs(", ", f);
        json_str(f, d->ids[i]);
    }
    fputs("], \"via\": ", f);
    str_or_null(f, via[d->via]);
    mem_str(f, "matched_id", d->matched);
    mem_str(f, "inf", d->inf);
    mem_str(f, "package", d->package);
    mem_str(f, "configuration", d->config);
    if (d->via == DOC_VIA_DRIVERDB)
        fprintf(f, ", \"rank\": \"%02x%02x\"", d->rank[0], d->rank[1]);
    else
        fputs(", \"rank\": null", f);
    mem_str(f, "staged_package", d->staged);
    fputs(", \"service\": ", f);
    if (d->via == DOC_VIA_NONE)
        fputs("null", f);
    else
        service(f, &d->svc);
    putc('}', f);
}

static void filter(FILE *f, const struct doc_result *res,
                   const struct doc_filter *x)
{
    fputs("{\"controlset\": ", f);
    json_str(f, res->cs[x->cs].name);
    fputs(", \"class\": ", f);
    json_str(f, x->cls->name);
    fputs(", \"class_guid\": ", f);
    json_str(f, x->cls->guid);
    fprintf(f, ", \"list\": \"%s\", \"name\": ",
            x->upper ? "UpperFilters" : "LowerFilters");
    json_str(f, x->name);
    fputs(", \"service_missing\": ", f);
    json_bool(f, x->problems & DOC_FILTER_MISSING);
    fputs(", \"service_disabled\": ", f);
    json_bool(f, x->problems & DOC_FILTER_DISABLED);
    fputs(", \"binary_missing\": ", f);
    json_bool(f, x->problems & DOC_FILTER_NO_BINARY);
    mem_str(f, "vendor", x->vendor);
    fputs(", \"harmful\": ", f);
    json_bool(f, x->harmful);
    putc('}', f);
}

void doc_render_json(FILE *f, const struct doc_result *res,
                     const struct doc_render_in *in)
{
    const struct inj_guest *g = &res->guest;
    fputs("{\"system\": ", f);
    json_str(f, in->system);
    mem_str(f, "software", in->software);
    mem_str(f, "root", in->root);
    fputs(",\n \"guest\": {\"name\": ", f);
    json_str(f, res->guest_name);
    mem_str(f, "architecture", g->processor_architecture);
    if (g->major)
        fprintf(f, ", \"version\": \"%u.%u.%u\"", g->major, g->minor,
                g->build);
    else
        fputs(", \"version\": null", f);
    fputs(", \"driver_database\": ", f);
    json_bool(f, res->driver_database);
    fputs("},\n \"controlsets\": [", f);
    for (int c = 0; c < res->ncs; c++) {
        fputs(c ? ",\n  " : "\n  ", f);
        controlset(f, &res->cs[c]);
    }
    fputs("],\n \"filters\": [", f);
    for (size_t i = 0; i < res->nfilters; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        filter(f, res, &res->filters[i]);
    }
    fputs("],\n \"targets\": [", f);
    int first = 1;
    for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
        if (!doc_target_done(res, (enum boot_target)t))
            continue;
        const struct doc_target *tg = &res->targets[t];
        fputs(first ? "\n  {\"target\": " : ",\n  {\"target\": ", f);
        first = 0;
        json_str(f, tg->info->name);
        fputs(", \"class\": ", f);
        json_str(f, boot_target_class((enum boot_target)t));
        fputs(", \"boots\": ", f);
        json_bool(f, tg->boots);
        fputs(", \"devices\": [", f);
        int fd = 1;
        for (int c = 0; c < res->ncs; c++)
            for (size_t v = 0; v < tg->info->ndevices && v < DOC_MAX_DEV;
                 v++) {
                fputs(fd ? "\n    " : ",\n    ", f);
                fd = 0;
                device(f, res, c, &tg->dev[c][v]);
            }
        fputs("],\n   \"reasons\": ", f);
        reasons(f, &tg->reasons);
        putc('}', f);
    }
    fputs("],\n \"warnings\": ", f);
    reasons(f, &res->general);
    fprintf(f, ",\n \"status\": %d, \"verdict\": \"%s\"}\n", in->status,
            in->status == EXIT_NOBOOT ? "will not boot"
            : in->status == EXIT_WARN ? "boots with warnings"
                                      : "boots");
}
