/* inf_install.c - DDInstall sections: platform resolution, services
 * (DDInstall.Services AddService and the service-install section), AddReg
 * references, CopyFiles with DestinationDirs / SourceDisksFiles /
 * SourceDisksNames, and dirids.
 *
 * References: "Creating INF Files for Multiple Platforms and Operating
 * Systems" (a DDInstall section is looked up as name.NT<arch>, then name.NT,
 * then name), "INF DDInstall.Services Section", "INF AddService Directive"
 * (AddService=ServiceName,[flags],service-install-section
 * [,event-log-install-section[,[EventLogType][,EventName]]]; ServiceType,
 * StartType, ErrorControl and ServiceBinary are required), "INF CopyFiles
 * Directive" (CopyFiles=file-list-section[,...] or CopyFiles=@filename;
 * file-list lines are destination-file-name[,source-file-name][,unused]
 * [,flag]), "INF DestinationDirs Section" (DefaultDestDir; without it the
 * default is DIRID_DEFAULT = 11, setupapi.h), "INF SourceDisksFiles Section"
 * (filename = diskid[,[subdir][,size]], platform variants .x86, .amd64,
 * .arm64 ... first), "INF SourceDisksNames Section" (diskid =
 * disk-description[,[tag-or-cab-file],[unused],[path][,[flags]...]]),
 * "Using Dirids".
 */
#include <stdio.h>
#include <string.h>

#include "inf_int.h"

/* ---- dirids --------------------------------------------------------------- */

int inf_split_dirid(const char *text, long *dirid, const char **rest)
{
    const char *p;
    long v = 0;
    int neg = 0, n = 0;

    if (!text || text[0] != '%')
        return -1;
    p = text + 1;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++n > 9)
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (!n || *p != '%')
        return -1;
    p++;
    if (*p == '\\')
        p++;
    *dirid = neg ? -v : v;
    *rest = p;
    return 0;
}

const char *inf_dirid_systemroot_path(long dirid)
{
    switch (dirid) {
    case 10: return "";
    case 11: return "System32";
    case 12: return "System32\\drivers";
    case 17: return "INF";
    case 18: return "Help";
    case 20: return "Fonts";
    case 23: return "System32\\spool\\drivers\\color";
    case 50: return "System";
    case 51: return "System32\\spool";
    default: return NULL;
    }
}

/* ---- small helpers ----------------------------------------------------------- */

static int parse_long(const char *s, long *out)
{
    uint32_t v;
    int neg = s[0] == '-';
    if (inf_parse_u32(s + neg, &v) || v > 0x7FFFFFFFu)
        return -1;
    *out = neg ? -(long)v : (long)v;
    return 0;
}

/* A number field, or INF_EINVALID naming the line. Empty gives DEF when
 * DEF_OK. */
static int number(inf_file *inf, const inf_line *l, const char *what, const char *text,
                  int def_ok, uint32_t *out)
{
    if (!text[0] && def_ok) {
        *out = 0;
        return INF_OK;
    }
    if (inf_parse_u32(text, out) == 0)
        return INF_OK;
    return inf__err(inf, INF_EINVALID, l->lineno, "%s \"%s\" is not a number%s", what, text,
                    strchr(text, '%') ? " (an undefined %strkey%?)" : "");
}

static int push_str(struct inf_vec *v, const char *s)
{
    const char **slot = inf__vec_push(v);
    if (!slot)
        return INF_ENOMEM;
    *slot = s;
    return INF_OK;
}

/* Every non-empty field of every KEY line of SEC, appended to V. */
static int collect(const inf_section *sec, const char *key, struct inf_vec *v)
{
    size_t it = 0;
    const inf_line *l;
    while ((l = inf_line_find(sec, key, &it)))
        for (size_t i = 0; i < l->nfields; i++)
            if (l->fields[i].value[0] && push_str(v, l->fields[i].value))
                return INF_ENOMEM;
    return INF_OK;
}

static const char *const *finish_strs(inf_file *inf, struct inf_vec *v, size_t *n)
{
    *n = v->n;
    return inf__vec_finish(inf, v);
}

/* The section named A B C (concatenated). */
static const inf_section *find_cat(const inf_file *inf, const char *a, const char *b,
                                   const char *c)
{
    char name[600];
    if (snprintf(name, sizeof name, "%s%s%s", a, b, c) >= (int)sizeof name)
        return NULL;
    return inf_section_find(inf, name);
}

/* ---- services ------------------------------------------------------------------ */

static int parse_service(inf_file *inf, const inf_line *l, struct inf_service *s)
{
    int rc;
    s->lineno = l->lineno;
    s->name = l->fields[0].value;
    s->binary_dirid = -1;
    if (l->nfields > 1 && (rc = number(inf, l, "AddService flags", l->fields[1].value, 1,
                                       &s->flags)) != INF_OK)
        return rc;
    s->install_section = l->nfields > 2 && l->fields[2].value[0] ? l->fields[2].value : NULL;
    s->eventlog_section = l->nfields > 3 && l->fields[3].value[0] ? l->fields[3].value : NULL;
    if (!s->name[0])
        return INF_OK;                       /* a null driver: no service key */
    if (!s->install_section)
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "AddService %s names no service-install section", s->name);
    const inf_section *sec = inf_section_find(inf, s->install_section);
    if (!sec)
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "AddService %s: service-install section [%s] does not exist",
                        s->name, s->install_section);

    static const char *const required[4] = {"ServiceType", "StartType", "ErrorControl",
                                            "ServiceBinary"};
    uint32_t *nums[3] = {&s->service_type, &s->start_type, &s->error_control};
    for (int i = 0; i < 4; i++) {
        size_t it = 0;
        const inf_line *e = inf_line_find(sec, required[i], &it);
        if (!e)
            return inf__err(inf, INF_EINVALID, sec->lineno,
                            "service-install section [%s] has no %s", sec->name, required[i]);
        if (i < 3) {
            if ((rc = number(inf, e, required[i], e->fields[0].value, 0, nums[i])) != INF_OK)
                return rc;
            continue;
        }
        /* ServiceBinary: find the dirid in the text as written, so a
         * caller's dirid resolver or a literal %%12%% cannot confuse it. */
        const char *rest;
        long dirid;
        s->service_binary = e->fields[0].value;
        s->binary_file = s->service_binary;
        if (inf_split_dirid(e->fields[0].raw, &dirid, &rest) == 0) {
            char key[16];
            snprintf(key, sizeof key, "%ld", dirid);
            if (!inf_string(inf, key)) {
                s->binary_dirid = dirid;
                if ((rc = inf__subst(inf, rest, e->lineno, &s->binary_file)) != INF_OK)
                    return rc;
            }
        } else if (inf_split_dirid(s->service_binary, &dirid, &rest) == 0) {
            s->binary_dirid = dirid;
            s->binary_file = rest;
        }
        const char *dir = inf_dirid_systemroot_path(s->binary_dirid);
        if (dir && s->binary_file[0]) {
            size_t a = strlen(dir), b = strlen(s->binary_file);
            char *p = inf__alloc(inf, a + b + 2);
            if (!p)
                return INF_ENOMEM;
            memcpy(p, dir, a);
            if (a)
                p[a++] = '\\';
            memcpy(p + a, s->binary_file, b + 1);
            s->image_path = p;
        }
    }
    s->load_order_group = inf_get_value(inf, sec->name, "LoadOrderGroup");
    s->display_name = inf_get_value(inf, sec->name, "DisplayName");
    s->description = inf_get_value(inf, sec->name, "Description");
    s->start_name = inf_get_value(inf, sec->name, "StartName");

    struct inf_vec deps, regs;
    inf__vec_init(&deps, sizeof(const char *));
    inf__vec_init(&regs, sizeof(const char *));
    if (collect(sec, "Dependencies", &deps) || collect(sec, "AddReg", &regs)) {
        inf__vec_free(&deps);
        inf__vec_free(&regs);
        return INF_ENOMEM;
    }
    s->dependencies = finish_strs(inf, &deps, &s->ndependencies);
    s->addreg = finish_strs(inf, &regs, &s->naddreg);
    return s->dependencies && s->addreg ? INF_OK : INF_ENOMEM;
}

static int get_services(inf_file *inf, const inf_section *sec, struct inf_install *out)
{
    struct inf_vec v;
    size_t it = 0;
    const inf_line *l;
    int rc = INF_OK;

    inf__vec_init(&v, sizeof(struct inf_service));
    while (rc == INF_OK && (l = inf_line_find(sec, "AddService", &it))) {
        struct inf_service *s = inf__vec_push(&v);
        rc = s ? parse_service(inf, l, s) : INF_ENOMEM;
    }
    if (rc != INF_OK) {
        inf__vec_free(&v);
        return rc;
    }
    out->nservices = v.n;
    out->services = inf__vec_finish(inf, &v);
    return out->services ? INF_OK : INF_ENOMEM;
}

/* ---- files ------------------------------------------------------------------------ */

/* Keyed line KEY of the first of SECTION.<arch> and SECTION that has one. */
static const inf_line *find_arch_entry(const inf_file *inf, const char *section,
                                       enum inf_arch arch, const char *key)
{
    const inf_section *s[2] = {find_cat(inf, section, ".", inf__arch_suffix(arch)),
                               inf_section_find(inf, section)};
    for (int i = 0; i < 2; i++) {
        size_t it = 0;
        const inf_line *l = inf_line_find(s[i], key, &it);
        if (l)
            return l;
    }
    return NULL;
}

/* Joins non-empty path parts with single backslashes. */
static const char *join_path(inf_file *inf, const char *const parts[3])
{
    size_t total = 0;
    for (int i = 0; i < 3; i++)
        total += strlen(parts[i]) + 1;
    char *out = inf__alloc(inf, total + 1), *w = out;
    if (!out)
        return NULL;
    for (int i = 0; i < 3; i++) {
        const char *p = parts[i];
        size_t n = strlen(p);
        while (n && *p == '\\') {
            p++;
            n--;
        }
        while (n && p[n - 1] == '\\')
            n--;
        if (!n)
            continue;
        if (w != out)
            *w++ = '\\';
        memcpy(w, p, n);
        w += n;
    }
    *w = 0;
    return out;
}

static int fill_copy(inf_file *inf, const struct inf_target *t, const inf_line *l,
                     struct inf_copy *c)
{
    const inf_line *d;
    size_t it = 0;
    const inf_section *dd = inf_section_find(inf, "DestinationDirs");

    c->lineno = l->lineno;
    c->dest_dirid = 11;                                  /* DIRID_DEFAULT */
    d = c->section[0] ? inf_line_find(dd, c->section, &it) : NULL;
    if (!d) {
        it = 0;
        d = inf_line_find(dd, "DefaultDestDir", &it);
    }
    if (d) {
        if (parse_long(d->fields[0].value, &c->dest_dirid))
            return inf__err(inf, INF_EINVALID, d->lineno,
                            "[DestinationDirs] dirid \"%s\" is not a number",
                            d->fields[0].value);
        if (d->nfields > 1 && d->fields[1].value[0])
            c->dest_subdir = d->fields[1].value;
    }
    const inf_line *f = find_arch_entry(inf, "SourceDisksFiles", t->arch, c->source_name);
    if (f) {
        c->disk_id = f->fields[0].value;
        const inf_line *n = find_arch_entry(inf, "SourceDisksNames", t->arch, c->disk_id);
        const char *parts[3] = {n && n->nfields > 3 ? n->fields[3].value : "",
                                f->nfields > 1 ? f->fields[1].value : "", c->source_name};
        if (n)
            c->disk_description = n->fields[0].value;
        if (!(c->source_path = join_path(inf, parts)))
            return INF_ENOMEM;
    }
    return INF_OK;
}

static int get_copies(inf_file *inf, const struct inf_target *t, const inf_section *sec,
                      struct inf_install *out)
{
    struct inf_vec v;
    size_t it = 0;
    const inf_line *l;
    int rc = INF_OK;

    inf__vec_init(&v, sizeof(struct inf_copy));
    while (rc == INF_OK && (l = inf_line_find(sec, "CopyFiles", &it))) {
        for (size_t i = 0; rc == INF_OK && i < l->nfields; i++) {
            const char *name = l->fields[i].value;
            struct inf_copy *c;
            if (!name[0])
                continue;
            if (name[0] == '@') {
                if (!(c = inf__vec_push(&v))) {
                    rc = INF_ENOMEM;
                    break;
                }
                c->section = "";
                c->dest_name = c->source_name = name + 1;
                rc = fill_copy(inf, t, l, c);
                continue;
            }
            const inf_section *fl = inf_section_find(inf, name);
            if (!fl) {
                rc = inf__err(inf, INF_EINVALID, l->lineno,
                              "CopyFiles names section [%s], which does not exist", name);
                break;
            }
            for (size_t j = 0; rc == INF_OK && j < fl->nlines; j++) {
                const inf_line *e = &fl->lines[j];
                if (!(c = inf__vec_push(&v))) {
                    rc = INF_ENOMEM;
                    break;
                }
                c->section = fl->name;
                c->dest_name = e->fields[0].value;
                if (!c->dest_name[0]) {
                    rc = inf__err(inf, INF_EINVALID, e->lineno,
                                  "file-list entry names no destination file");
                    break;
                }
                c->source_name = e->nfields > 1 && e->fields[1].value[0] ? e->fields[1].value
                                                                          : c->dest_name;
                if (e->nfields > 3 &&
                    (rc = number(inf, e, "CopyFiles flag", e->fields[3].value, 1, &c->flags)))
                    break;
                rc = fill_copy(inf, t, e, c);
            }
        }
    }
    if (rc != INF_OK) {
        inf__vec_free(&v);
        return rc;
    }
    out->ncopies = v.n;
    out->copies = inf__vec_finish(inf, &v);
    return out->copies ? INF_OK : INF_ENOMEM;
}

/* ---- the install section -------------------------------------------------------- */

int inf_get_install(inf_file *inf, const struct inf_target *t, const char *base,
                    struct inf_install *out)
{
    struct inf_vec regs;
    int rc;

    memset(out, 0, sizeof *out);
    if (!t || t->arch == INF_ARCH_NONE || !base)
        return inf__err(inf, INF_EARG, 0, "no target architecture or install section given");
    const inf_section *sec = find_cat(inf, base, ".NT", inf__arch_suffix(t->arch));
    if (!sec)
        sec = find_cat(inf, base, ".NT", "");
    if (!sec)
        sec = inf_section_find(inf, base);
    if (!sec)
        return inf__err(inf, INF_EINVALID, 0, "install section [%s] does not exist "
                        "(nor [%s.NT%s], [%s.NT])", base, base, inf__arch_suffix(t->arch),
                        base);
    out->section = sec->name;

    static const char *const unsupported[2] = {"Include", "Needs"};
    for (int i = 0; i < 2; i++) {
        size_t it = 0;
        const inf_line *l = inf_line_find(sec, unsupported[i], &it);
        if (l && inf__warn(inf, l->lineno, "%s= refers to other INF files; their sections "
                           "are not read", unsupported[i]) != INF_OK)
            return INF_ENOMEM;
    }

    inf__vec_init(&regs, sizeof(const char *));
    if (collect(sec, "AddReg", &regs))
        goto nomem;
    if (!(out->addreg = finish_strs(inf, &regs, &out->naddreg)))
        goto nomem;
    const inf_section *hw = find_cat(inf, sec->name, ".HW", "");
    if (hw && collect(hw, "AddReg", &regs))
        goto nomem;
    if (!(out->hw_addreg = finish_strs(inf, &regs, &out->nhw_addreg)))
        goto nomem;

    const inf_section *svc = find_cat(inf, sec->name, ".Services", "");
    if (svc && (rc = get_services(inf, svc, out)) != INF_OK)
        return rc == INF_ENOMEM ? inf__err(inf, rc, 0, "out of memory") : rc;
    if ((rc = get_copies(inf, t, sec, out)) != INF_OK)
        return rc == INF_ENOMEM ? inf__err(inf, rc, 0, "out of memory") : rc;
    return INF_OK;

nomem:
    inf__vec_free(&regs);
    return inf__err(inf, INF_ENOMEM, 0, "out of memory");
}
