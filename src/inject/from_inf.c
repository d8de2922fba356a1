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
 *   class GUID, class, provider, DriverVer <- [Version];
 *   the package label's digits <- FNV-1a 64 of the INF's bytes. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* FNV-1a 64 of the bytes of the file PATH (of what could be read). */
static uint64_t file_hash(const char *path)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    FILE *f = fopen(path, "rb");
    if (f) {
        uint8_t buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            h = fnv1a(h, buf, n);
        fclose(f);
    }
    return h;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static int has_id(const struct inj_driver *d, const char *id)
{
    for (size_t i = 0; i < d->nhw; i++)
        if (strcasecmp(d->hwids[i], id) == 0)
            return 1;
    for (size_t i = 0; i < d->ncompat; i++)
        if (strcasecmp(d->compat[i], id) == 0)
            return 1;
    return 0;
}

/* Adds the HKR values of add-registry section SEC. */
static int add_hkr(inf_file *inf, const char *sec, struct inj_driver *d,
                   char *err, size_t errn)
{
    struct inf_addregs ar;
    int rc = inf_get_addreg(inf, sec, &ar);
    if (rc != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        return rc;
    }
    for (size_t i = 0; i < ar.n; i++) {
        const struct inf_addreg *a = &ar.entries[i];
        if (a->root != INF_ROOT_HKR || a->op != INF_OP_SET)
            continue;
        if (d->nhkr == sizeof d->hkr / sizeof *d->hkr) {
            snprintf(err, errn, "%s: line %u: too many HKR values in the "
                     "service section", inf_name(inf), a->lineno);
            return INF_ELIMIT;
        }
        struct inj_reg *r = &d->hkr[d->nhkr];
        memset(r, 0, sizeof *r);
        copy(r->subkey, sizeof r->subkey, a->subkey);
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
        d->nhkr++;
        continue;
too_big:
        snprintf(err, errn, "%s: line %u: HKR value data is not UTF-8 or "
                 "too long for the injection", inf_name(inf), a->lineno);
        return INF_ELIMIT;
    }
    return INF_OK;
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
        if (*mo->hardware_id && !has_id(d, mo->hardware_id) &&
            d->nhw < sizeof d->hwids / sizeof *d->hwids)
            copy(d->hwids[d->nhw++], sizeof d->hwids[0], mo->hardware_id);
        for (size_t j = 0; j < mo->ncompatible_ids; j++)
            if (!has_id(d, mo->compatible_ids[j]) &&
                d->ncompat < sizeof d->compat / sizeof *d->compat)
                copy(d->compat[d->ncompat++], sizeof d->compat[0],
                     mo->compatible_ids[j]);
    }
    struct inf_install ins;
    if ((rc = inf_get_install(inf, &t, m.models[0].install_section, &ins)) != INF_OK) {
        snprintf(err, errn, "%s", inf_errmsg(inf));
        goto out;
    }
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
    const char *slash = strrchr(d->binary, '\\');
    if (slash)
        memmove(d->binary, slash + 1, strlen(slash + 1) + 1);
    d->type = s->service_type;
    d->start = s->start_type;
    d->error_control = s->error_control;
    copy(d->group, sizeof d->group, s->load_order_group);
    copy(d->display_name, sizeof d->display_name, s->display_name);
    for (size_t i = 0; i < s->naddreg; i++)
        if ((rc = add_hkr(inf, s->addreg[i], d, err, errn)) != INF_OK)
            goto out;
    const char *base = strrchr(path, '/');
    copy(d->inf_name, sizeof d->inf_name, base ? base + 1 : path);
    for (char *p = d->inf_name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    d->inf_hash = file_hash(path);
    rc = INF_OK;
out:
    inf_free(inf);
    return rc;
}
