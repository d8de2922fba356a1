/* inf_models.c - [Manufacturer] decorations and models sections.
 *
 * Selection rules: "INF Manufacturer Section" (Remarks) and "Combining
 * Platform Extensions with Operating System Versions":
 *   TargetOSVersion = nt[Architecture][.[OSMajorVersion][.[OSMinorVersion]
 *                     [.[ProductType][.[SuiteMask][.[BuildNumber]]]]]]
 *   - "Windows uses the section with the highest version numbers that are
 *     not higher than the operating system version";
 *   - BuildNumber "is evaluated only when the OS major/minor version of the
 *     TargetOSVersion matches the current OS version exactly";
 *   - "a specific version number takes precedence over the product type and
 *     suite mask";
 *   - "Starting with Windows Server 2003 SP1, Architecture must be specified
 *     in INF Models sections names for non-x86 target operating system
 *     versions" (so NT / NT.6.1 / an undecorated name only serve x86);
 *   - an empty models section excludes that platform and version.
 * The section itself is named models-section-name + "." + decoration.
 */
#include <stdio.h>
#include <string.h>

#include "inf_int.h"

static const struct {
    const char *name;
    enum inf_arch arch;
} arch_names[] = {
    /* longest first where one is a prefix of another (arm64 / arm) */
    {"amd64", INF_ARCH_AMD64},
    {"arm64", INF_ARCH_ARM64},
    {"ia64", INF_ARCH_IA64},
    {"x86", INF_ARCH_X86},
    {"arm", INF_ARCH_ARM},
};

enum inf_arch inf_arch_parse(const char *name)
{
    if (!name)
        return INF_ARCH_NONE;
    for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
        if (inf__casecmp(name, arch_names[i].name) == 0)
            return arch_names[i].arch;
    if (inf__casecmp(name, "x64") == 0 || inf__casecmp(name, "x86_64") == 0)
        return INF_ARCH_AMD64;
    if (inf__casecmp(name, "i386") == 0 || inf__casecmp(name, "i686") == 0)
        return INF_ARCH_X86;
    if (inf__casecmp(name, "aarch64") == 0)
        return INF_ARCH_ARM64;
    return INF_ARCH_NONE;
}

const char *inf_arch_name(enum inf_arch arch)
{
    for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
        if (arch_names[i].arch == arch)
            return arch_names[i].name;
    return "";
}

const char *inf__arch_suffix(enum inf_arch arch)
{
    return inf_arch_name(arch);
}

struct deco {
    enum inf_arch arch;
    uint32_t major, minor, ptype, suite, build;
};

/* Parses a TargetOSVersion decoration; -1 if it is not one. */
static int parse_deco(const char *s, struct deco *d)
{
    memset(d, 0, sizeof *d);
    if (inf__ncasecmp(s, "nt", 2) != 0)
        return -1;
    s += 2;
    for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++) {
        size_t n = strlen(arch_names[i].name);
        if (inf__ncasecmp(s, arch_names[i].name, n) == 0) {
            d->arch = arch_names[i].arch;
            s += n;
            break;
        }
    }
    uint32_t *part[5] = {&d->major, &d->minor, &d->ptype, &d->suite, &d->build};
    for (int i = 0; *s; i++) {
        char num[16];
        size_t n = 0;
        if (i == 5 || *s != '.')
            return -1;
        s++;
        while (s[n] && s[n] != '.')
            n++;
        if (n >= sizeof num)
            return -1;
        if (n) {
            memcpy(num, s, n);
            num[n] = 0;
            if (inf_parse_u32(num, part[i]))
                return -1;
        }
        s += n;
    }
    return 0;
}

static int applies(const struct deco *d, const struct inf_target *t)
{
    if (d->arch ? d->arch != t->arch : t->arch != INF_ARCH_X86)
        return 0;
    if (d->major != t->major ? d->major > t->major :
        d->minor != t->minor ? d->minor > t->minor : d->build > t->build)
        return 0;
    if (d->ptype && d->ptype != t->product_type)
        return 0;
    if (d->suite && (t->suite_mask & d->suite) != d->suite)
        return 0;
    return 1;
}

/* >0 if A is a better match than B (both applicable). */
static int better(const struct deco *a, const struct deco *b)
{
    const uint32_t ka[6] = {a->major, a->minor, a->build, a->arch != 0, a->ptype != 0, a->suite != 0};
    const uint32_t kb[6] = {b->major, b->minor, b->build, b->arch != 0, b->ptype != 0, b->suite != 0};
    for (int i = 0; i < 6; i++)
        if (ka[i] != kb[i])
            return ka[i] > kb[i];
    return 0;
}

static int check_target(inf_file *inf, const struct inf_target *t)
{
    if (!t || t->arch == INF_ARCH_NONE)
        return inf__err(inf, INF_EARG, 0, "no target architecture given");
    return INF_OK;
}

int inf_models_section(inf_file *inf, const inf_line *l, const struct inf_target *t,
                       const char **section)
{
    int rc = check_target(inf, t);
    if (rc != INF_OK)
        return rc;
    if (!l || !section)
        return inf__err(inf, INF_EARG, 0, "no [Manufacturer] line given");
    *section = NULL;

    const char *base = l->fields[0].value;
    size_t ndeco = l->key ? l->nfields - 1 : 0;
    const inf_field *decos = l->fields + 1;
    if (!base[0])
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "[Manufacturer] entry names no models section");

    const char *best_text = NULL;
    struct deco best = {0};
    for (size_t i = 0; i < ndeco; i++) {
        struct deco d;
        const char *text = decos[i].value;
        if (!text[0])
            continue;
        if (parse_deco(text, &d)) {
            if (inf__warn(inf, l->lineno, "TargetOSVersion decoration \"%s\" not "
                          "understood; ignored", text) != INF_OK)
                return INF_ENOMEM;
            continue;
        }
        if (applies(&d, t) && (!best_text || better(&d, &best))) {
            best = d;
            best_text = text;
        }
    }

    const inf_section *sec;
    if (best_text) {
        char name[600];
        if (snprintf(name, sizeof name, "%s.%s", base, best_text) >= (int)sizeof name)
            return inf__err(inf, INF_EINVALID, l->lineno, "models section name too long");
        sec = inf_section_find(inf, name);
        if (!sec)
            return inf__err(inf, INF_EINVALID, l->lineno,
                            "[Manufacturer] names models section [%s], which does not exist",
                            name);
        *section = sec->name;
        return INF_OK;
    }
    if (t->arch == INF_ARCH_X86) {
        sec = inf_section_find(inf, base);
        if (sec) {
            *section = sec->name;
            return INF_OK;
        }
        if (!ndeco)
            return inf__err(inf, INF_EINVALID, l->lineno,
                            "[Manufacturer] names models section [%s], which does not exist",
                            base);
    }

    /* Not found: say what the entry offers. */
    char offers[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < ndeco && used < sizeof offers - 1; i++) {
        int n = snprintf(offers + used, sizeof offers - used, "%s%s",
                         used ? ", " : "", decos[i].value);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= sizeof offers)
        used = sizeof offers - 1;
    offers[used] = 0;
    return inf__err(inf, INF_NOTFOUND, l->lineno,
                    "[Manufacturer] entry for [%s] has no models section for %s "
                    "Windows %u.%u.%u (decorations: %s)", base, inf_arch_name(t->arch),
                    t->major, t->minor, t->build, used ? offers : "none");
}

static int parse_model(inf_file *inf, const inf_line *l, const char *mfg,
                       const char *section, struct inf_model *m)
{
    if (!l->key)
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "models entry without \"description =\"");
    if (!l->fields[0].value[0])
        return inf__err(inf, INF_EINVALID, l->lineno, "models entry names no install section");
    m->manufacturer = mfg;
    m->models_section = section;
    m->description = l->key->value;
    m->install_section = l->fields[0].value;
    m->hardware_id = l->nfields > 1 ? l->fields[1].value : "";
    m->lineno = l->lineno;

    struct inf_vec ids;
    inf__vec_init(&ids, sizeof(const char *));
    for (size_t i = 2; i < l->nfields; i++) {
        if (!l->fields[i].value[0])
            continue;
        const char **slot = inf__vec_push(&ids);
        if (!slot) {
            inf__vec_free(&ids);
            return INF_ENOMEM;
        }
        *slot = l->fields[i].value;
    }
    m->ncompatible_ids = ids.n;
    m->compatible_ids = inf__vec_finish(inf, &ids);
    return m->compatible_ids ? INF_OK : INF_ENOMEM;
}

int inf_select_models(inf_file *inf, const struct inf_target *t, struct inf_models *out)
{
    char notfound[512] = "";
    int rc = check_target(inf, t);
    if (rc != INF_OK)
        return rc;
    out->models = NULL;
    out->n = 0;
    const inf_section *mf = inf_section_find(inf, "Manufacturer");
    if (!mf)
        return inf__err(inf, INF_NOTFOUND, 0, "no [Manufacturer] section");

    struct inf_vec v;
    inf__vec_init(&v, sizeof(struct inf_model));
    const char *empty = NULL;
    unsigned empty_line = 0;
    for (size_t i = 0; i < mf->nlines; i++) {
        const inf_line *l = &mf->lines[i];
        const char *secname;
        rc = inf_models_section(inf, l, t, &secname);
        if (rc == INF_NOTFOUND) {
            if (!notfound[0])
                snprintf(notfound, sizeof notfound, "%s", inf->errmsg);
            continue;
        }
        if (rc != INF_OK)
            goto fail;
        const inf_section *ms = inf_section_find(inf, secname);
        const char *mfg = l->key ? l->key->value : l->fields[0].value;
        if (!ms->nlines && !empty) {
            empty = ms->name;
            empty_line = l->lineno;
        }
        for (size_t j = 0; j < ms->nlines; j++) {
            struct inf_model *m = inf__vec_push(&v);
            if (!m) {
                rc = INF_ENOMEM;
                goto fail;
            }
            if ((rc = parse_model(inf, &ms->lines[j], mfg, ms->name, m)) != INF_OK)
                goto fail;
        }
    }
    if (!v.n) {
        inf__vec_free(&v);
        if (empty)
            return inf__err(inf, INF_NOTFOUND, empty_line,
                            "models section [%s] chosen for %s Windows %u.%u.%u is empty: "
                            "the INF excludes this target", empty, inf_arch_name(t->arch),
                            t->major, t->minor, t->build);
        if (notfound[0])
            snprintf(inf->errmsg, sizeof inf->errmsg, "%s", notfound);
        else
            inf__err(inf, INF_NOTFOUND, mf->lineno, "[Manufacturer] lists no models sections");
        return INF_NOTFOUND;
    }
    out->n = v.n;
    out->models = inf__vec_finish(inf, &v);
    if (!out->models) {
        out->n = 0;
        return inf__err(inf, INF_ENOMEM, 0, "out of memory");
    }
    return INF_OK;

fail:
    inf__vec_free(&v);
    if (rc == INF_ENOMEM)
        inf__err(inf, rc, 0, "out of memory");
    return rc;
}
