/* from_inf.c - the driver description of an INF file (inf.h) for the
 * injection (inject.h): everything is taken from the INF, as docs/injection.md §2
 * asks.
 *
 *   service, binary, type, start, error control, group, display name
 *       <- the AddService (with SPSVCINST_ASSOCSERVICE) of the install
 *          section of the models the target selects, and its
 *          service-install section;
 *   the HKR values below Services\<svc>
 *       <- the AddReg sections of that service-install section;
 *   hardware and compatible ids, configuration
 *       <- the model lines ([Manufacturer] decoration for the target);
 *   each id's DeviceIds rank <- its position in its model line and the
 *       FeatureScore of the line's DDInstall section;
 *   the descriptors' Manufacturer and Description, and the package's
 *       Strings <- the model lines as written (%strkey% kept as a token);
 *   the package configuration's Device and Driver values <- the AddReg
 *       of DDInstall.HW and of DDInstall;
 *   class GUID, class, provider, DriverVer, catalog <- [Version];
 *   the package label's digits <- FNV-1a 64 of the INF's bytes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file_read.h"
#include "inf.h"
#include "inject.h"

/* FNV-1a 64, fed in pieces. */
static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* FNV-1a 64 of the bytes of the INF file PATH (of nothing when it cannot
 * be read). */
static uint64_t file_hash(const char *path)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    uint8_t *buf;
    size_t n;
    char why[200];
    if (fr_read(AT_FDCWD, path, INF_MAX_INPUT, &buf, &n, why,
                sizeof why) == FR_OK) {
        h = fnv1a(h, buf, n);
        free(buf);
    }
    return h;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

/* Appends the HKR lines of add-registry section SEC to REGS (at most MAX,
 * *N of them used): the values it sets, and its FLG_ADDREG_KEYONLY lines
 * (keyonly). Other roots and deletions are skipped. WHAT names the kind of
 * section in messages. */
static int add_regs(inf_file *inf, const char *sec, struct inj_reg *regs,
                    size_t max, size_t *nregs, const char *what, char *err,
                    size_t errn)
{
    struct inf_addregs ar;
    int rc = inf_get_addreg(inf, sec, &ar);
    if (rc != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        return rc;
    }
    for (size_t i = 0; i < ar.n; i++) {
        const struct inf_addreg *a = &ar.entries[i];
        int keyonly = a->op == INF_OP_KEY &&
                      (a->flags & INF_FLG_ADDREG_KEYONLY) != 0;
        if (a->root != INF_ROOT_HKR || (a->op != INF_OP_SET && !keyonly))
            continue;
        if (*nregs == max) {
            snprintf(err, errn, "%s: line %u: too many HKR values in the "
                     "%s", inf_name(inf), a->lineno, what);
            return INF_ELIMIT;
        }
        struct inj_reg *r = &regs[*nregs];
        memset(r, 0, sizeof *r);
        copy(r->subkey, sizeof r->subkey, a->subkey);
        r->flags = a->flags;
        if (keyonly) {
            r->keyonly = 1;
            (*nregs)++;
            continue;
        }
        copy(r->name, sizeof r->name, a->value_name);
        r->type = a->reg_type;
        size_t n = 0;
        switch (a->data_kind) {
        case INF_DATA_DWORD:       /* bytes: its 4 little-endian bytes */
        case INF_DATA_BYTES:
            if (a->nbytes > sizeof r->data)
                goto too_big;
            memcpy(r->data, a->bytes, a->nbytes);
            n = a->nbytes;
            break;
        case INF_DATA_STRING:
        case INF_DATA_MULTI:
            for (size_t k = 0; k < a->nstrings; k++) {
                size_t w = 0;
                const char *str = a->strings[k];
                /* The string and its NUL unit, by the library's codec. */
                if (regf_string_encode(REGF_SZ, str, strlen(str), 0,
                                       r->data + n, sizeof r->data - n,
                                       &w) != REGF_OK ||
                    n + w + 2 > sizeof r->data)
                    goto too_big;
                n += w;
                if (a->data_kind == INF_DATA_STRING)
                    break;
            }
            if (a->data_kind == INF_DATA_MULTI) {
                r->data[n++] = 0;
                r->data[n++] = 0;
            }
            break;
        case INF_DATA_NONE:
            break;
        }
        r->len = n;
        (*nregs)++;
        continue;
too_big:
        snprintf(err, errn, "%s: line %u: HKR value data is not UTF-8 or "
                 "too long for the injection", inf_name(inf), a->lineno);
        return INF_ELIMIT;
    }
    return INF_OK;
}

/* The [Strings] key of RAW when RAW is exactly one defined "%strkey%",
 * lower-cased into KEY; 0 otherwise. */
static int single_token(inf_file *inf, const char *raw, char *key, size_t n)
{
    size_t len = strlen(raw);
    if (len < 3 || raw[0] != '%' || raw[len - 1] != '%' ||
        memchr(raw + 1, '%', len - 2) || len - 2 >= n)
        return 0;
    memcpy(key, raw + 1, len - 2);
    key[len - 2] = '\0';
    if (!inf_string(inf, key))
        return 0;
    for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return 1;
}

/* How a descriptor shows the model text whose raw form is RAW and whose
 * substituted form is TEXT: a single %strkey% stays a (lower-case) token
 * and its string goes to the package's Strings, as Windows stores it;
 * anything else is the text itself. */
static void descriptor_text(inf_file *inf, struct inj_driver *d,
                            const char *raw, const char *text, char *out,
                            size_t n)
{
    char key[64];
    if (raw && single_token(inf, raw, key, sizeof key)) {
        size_t i = 0;
        for (; i < d->nstrings; i++)
            if (strcmp(d->strings[i].key, key) == 0)
                break;
        if (i < d->nstrings || d->nstrings < sizeof d->strings /
                                             sizeof *d->strings) {
            if (i == d->nstrings) {
                copy(d->strings[i].key, sizeof d->strings[i].key, key);
                copy(d->strings[i].value, sizeof d->strings[i].value,
                     inf_string(inf, key));
                d->nstrings++;
            }
            snprintf(out, n, "%%%s%%", key);
            return;
        }
    }
    copy(out, n, text);
}

/* The raw (unsubstituted) description of model MO and of its
 * manufacturer, from the lines they were read from; NULL if not found. */
static void model_raw(inf_file *inf, const struct inf_model *mo,
                      const char **desc, const char **mfg)
{
    *desc = *mfg = NULL;
    const inf_section *ms = inf_section_find(inf, mo->models_section);
    for (size_t i = 0; ms && i < ms->nlines; i++)
        if (ms->lines[i].lineno == mo->lineno && ms->lines[i].key) {
            *desc = ms->lines[i].key->raw;
            break;
        }
    const inf_section *mf = inf_section_find(inf, "Manufacturer");
    for (size_t i = 0; mf && i < mf->nlines; i++) {
        const inf_line *l = &mf->lines[i];
        if (l->key && l->key->value == mo->manufacturer)
            *mfg = l->key->raw;
        else if (!l->key && l->fields[0].value == mo->manufacturer)
            *mfg = l->fields[0].raw;
        if (*mfg)
            break;
    }
}

/* FeatureScore of the DDInstall section BASE resolves to for T (0xFF
 * without one, Microsoft's default), into *SCORE. */
static int feature_score(inf_file *inf, const struct inf_target *t,
                         const char *base, uint8_t *score, char *err,
                         size_t errn)
{
    struct inf_install ins;
    int rc = inf_get_install(inf, t, base, &ins);
    if (rc != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        return rc;
    }
    const char *v = inf_get_value(inf, ins.section, "FeatureScore");
    uint32_t n = 0xFF;
    if (v && (inf_parse_u32(v, &n) != 0 || n > 0xFF)) {
        snprintf(err, errn, "%s: [%s] FeatureScore '%s' is not a number "
                 "from 0 to 0xFF", inf_name(inf), ins.section, v);
        return INF_EINVALID;
    }
    *score = (uint8_t)n;
    return INF_OK;
}

/* The slot of ID in D (hardware or compatible), or NULL. */
static struct inj_idinfo *find_id(struct inj_driver *d, const char *id)
{
    for (size_t i = 0; i < d->nhw; i++)
        if (strcasecmp(d->hwids[i], id) == 0)
            return &d->hwinfo[i];
    for (size_t i = 0; i < d->ncompat; i++)
        if (strcasecmp(d->compat[i], id) == 0)
            return &d->compatinfo[i];
    return NULL;
}

/* Records ID of a model line at position POS (1 = hardware id) with the
 * line's SCORE and descriptor texts: a new id is added (hardware ids to
 * hwids, others to compat, as far as there is room); an id seen before
 * keeps its best (lowest) position. */
static void add_id(struct inj_driver *d, const char *id, uint8_t pos,
                   uint8_t score, const char *mfg, const char *desc)
{
    struct inj_idinfo *in = find_id(d, id);
    if (in) {
        if (pos < in->pos) {
            in->pos = pos;
            in->score = score;
        }
        return;
    }
    if (pos == 1 && d->nhw < sizeof d->hwids / sizeof *d->hwids) {
        copy(d->hwids[d->nhw], sizeof d->hwids[0], id);
        in = &d->hwinfo[d->nhw++];
    } else if (pos > 1 && d->ncompat < sizeof d->compat / sizeof *d->compat) {
        copy(d->compat[d->ncompat], sizeof d->compat[0], id);
        in = &d->compatinfo[d->ncompat++];
    } else {
        return;
    }
    in->pos = pos;
    in->score = score;
    copy(in->manufacturer, sizeof in->manufacturer, mfg);
    copy(in->description, sizeof in->description, desc);
}

int inj_from_inf(const char *path, const char *arch, unsigned major,
                 unsigned minor, unsigned build, struct inj_driver *d,
                 char *err, size_t errn)
{
    inf_file *inf = NULL;
    int rc = inf_parse_file(path, NULL, &inf);
    memset(d, 0, sizeof *d);
    if (rc != INF_OK) {
        snprintf(err, errn, "%s", inf ? inf_errmsg(inf) : "out of memory");
        inf_free(inf);
        return rc;
    }
    struct inf_version v;
    if ((rc = inf_get_version(inf, &v)) != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        goto out;
    }
    if (!v.class_guid) {
        snprintf(err, errn, "%s: [Version] has no ClassGUID", path);
        rc = INF_EINVALID;
        goto out;
    }
    copy(d->class_guid, sizeof d->class_guid, v.class_guid);
    copy(d->class_name, sizeof d->class_name, v.class_name);
    copy(d->provider, sizeof d->provider, v.provider);
    copy(d->catalog, sizeof d->catalog, v.catalog_file);
    if (v.driver_ver) {
        d->year = (int)v.year;
        d->month = (int)v.month;
        d->day = (int)v.day;
        memcpy(d->ver, v.version, sizeof d->ver);
    }
    struct inf_target t = { inf_arch_parse(arch), major, minor, build, 0, 0 };
    if (t.arch == INF_ARCH_NONE) {
        snprintf(err, errn, "unknown architecture '%s'", arch);
        rc = INF_EARG;
        goto out;
    }
    copy(d->arch, sizeof d->arch, inf_arch_name(t.arch));
    struct inf_models m;
    if ((rc = inf_select_models(inf, &t, &m)) != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        goto out;
    }
    for (size_t i = 0; i < m.n; i++) {
        const struct inf_model *mo = &m.models[i];
        if (i == 0)
            copy(d->config, sizeof d->config, mo->install_section);
        uint8_t score;
        if ((rc = feature_score(inf, &t, mo->install_section, &score, err,
                                errn)) != INF_OK)
            goto out;
        const char *rdesc, *rmfg;
        char mfg[128], desc[256];
        model_raw(inf, mo, &rdesc, &rmfg);
        descriptor_text(inf, d, rmfg, mo->manufacturer, mfg, sizeof mfg);
        descriptor_text(inf, d, rdesc, mo->description, desc, sizeof desc);
        /* Positions in the line: 1 the hardware id, then 2, 3, ... */
        if (*mo->hardware_id)
            add_id(d, mo->hardware_id, 1, score, mfg, desc);
        for (size_t j = 0; j < mo->ncompatible_ids; j++)
            add_id(d, mo->compatible_ids[j],
                   (uint8_t)(j + 2 < 255 ? j + 2 : 255), score, mfg, desc);
    }
    struct inf_install ins;
    if ((rc = inf_get_install(inf, &t, m.models[0].install_section, &ins)) != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        goto out;
    }
    for (size_t i = 0; i < ins.nhw_addreg; i++)
        if ((rc = add_regs(inf, ins.hw_addreg[i], d->devreg,
                           sizeof d->devreg / sizeof *d->devreg, &d->ndevreg,
                           "DDInstall.HW section", err, errn)) != INF_OK)
            goto out;
    for (size_t i = 0; i < ins.naddreg; i++)
        if ((rc = add_regs(inf, ins.addreg[i], d->drvreg,
                           sizeof d->drvreg / sizeof *d->drvreg, &d->ndrvreg,
                           "DDInstall section", err, errn)) != INF_OK)
            goto out;
    const struct inf_service *s = NULL;
    for (size_t i = 0; i < ins.nservices; i++)
        if (ins.services[i].flags & INF_SVC_ASSOCSERVICE)
            s = &ins.services[i];
    if (!s && ins.nservices)
        s = &ins.services[0];
    if (!s || !*s->name) {
        snprintf(err, errn, "%s: the install section %s adds no service",
                 path, ins.section);
        rc = INF_EINVALID;
        goto out;
    }
    copy(d->service, sizeof d->service, s->name);
    copy(d->binary, sizeof d->binary, s->binary_file);
    d->binary_dirid = s->binary_dirid;
    const char *slash = strrchr(d->binary, '\\');
    if (slash)
        memmove(d->binary, slash + 1, strlen(slash + 1) + 1);
    d->type = s->service_type;
    d->start = s->start_type;
    d->error_control = s->error_control;
    copy(d->group, sizeof d->group, s->load_order_group);
    copy(d->display_name, sizeof d->display_name, s->display_name);
    for (size_t i = 0; i < s->naddreg; i++)
        if ((rc = add_regs(inf, s->addreg[i], d->hkr,
                           sizeof d->hkr / sizeof *d->hkr, &d->nhkr,
                           "service section", err, errn)) != INF_OK)
            goto out;
    const char *base = strrchr(path, '/');
    copy(d->inf_name, sizeof d->inf_name, base ? base + 1 : path);
    copy(d->inf_orig, sizeof d->inf_orig, d->inf_name);
    for (char *p = d->inf_name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    d->inf_hash = file_hash(path);
    rc = INF_OK;
out:
    inf_free(inf);
    return rc;
}
