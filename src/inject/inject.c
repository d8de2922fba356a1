/* inject.c - the registry edits that let Windows boot from a virtio
 * storage controller (docs/injection.md §3-§8).
 *
 * Planning reads the hive and records only the changes needed; applying
 * replays them through the regf write API. Because the plan compares with
 * what is there, a second run plans nothing (idempotent), and the plan
 * carries the previous state of everything it touches, which gives the
 * undo patch.
 *
 * For every distinct ControlSetNNN named by Select (Current, Default,
 * LastKnownGood):
 *   Services\<svc>: Type, Start, ErrorControl, Group, ImagePath
 *     (REG_EXPAND_SZ System32\drivers\<binary>), DisplayName when the INF
 *     has one, the INF's HKR AddReg values (Parameters\BusType ...);
 *     Services\<svc>\StartOverride removed (Windows 8+ demotes boot
 *     drivers with it);
 *   Control\CriticalDeviceDatabase\<id, '\' -> '#'>: Service, ClassGUID
 *     for every hardware and compatible id.
 * Once, when the hive has DriverDatabase (Windows 8+), the package as PnP
 * writes it, under its published name <pub> (the INF's own name, or
 * oemNN.inf when staged):
 *   DriverInfFiles\<pub>; DeviceIds\<enumerator>\<rest> = <position in
 *   the model line> <FeatureScore> 00 00 and DeviceIds\{classguid} =
 *   REG_NONE; DriverPackages\<label> with the 48-byte Version, Provider,
 *   InfName, OemPath (staged), ImportDate, Catalog, (default) = <pub>,
 *   Configurations\<config> (ConfigFlags, Service, ConfigScope on Windows
 *   10 and later, and the
 *   INF's AddReg below Device, Driver and Services\<svc>),
 *   Descriptors\<enumerator>\<rest> (Configuration, Manufacturer,
 *   Description) and Strings; OemInfMap when an oemNN number is taken.
 *   hivekit's older package of the same INF is replaced (package.c
 *   comments below). Nothing is ever written to the DRIVERS hive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inject.h"
#include "plan_int.h"
#include "bytes.h"

/* ---- encoding helpers ------------------------------------------------------- */

/* "{4D36E97B-E325-11CE-BFC1-08002BE10318}" in Windows byte order. */
static int guid_bytes(const char *s, uint8_t out[16])
{
    unsigned a, b, c, d[8];
    if (sscanf(s, "{%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}", &a, &b, &c, &d[0],
               &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7]) != 11)
        return -1;
    wr_le32(out, a);
    out[4] = (uint8_t)b;
    out[5] = (uint8_t)(b >> 8);
    out[6] = (uint8_t)c;
    out[7] = (uint8_t)(c >> 8);
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)d[i];
    return 0;
}

/* Days from 1970-01-01 for a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void inj_version_blob(const struct inj_driver *d, uint8_t out[48])
{
    memset(out, 0, 48);
    out[1] = 0xFF;                     /* 00 FF 09 00: third-party package */
    out[2] = 0x09;
    guid_bytes(d->class_guid, out + 0x08);
    if (d->year) {
        int64_t days = days_from_civil(d->year, d->month, d->day);
        uint64_t ft = (uint64_t)(days * 86400 + 11644473600LL) * 10000000ULL;
        wr_le64(out + 0x18, ft);
    }
    wr_le64(out + 0x20, (uint64_t)d->ver[0] << 48 | (uint64_t)d->ver[1] << 32 |
                     (uint64_t)d->ver[2] << 16 | d->ver[3]);
}

/* ---- SYSTEM -------------------------------------------------------------------- */

/* "PCI\VEN_1AF4&DEV_1001" -> enumerator "PCI", rest "VEN_1AF4&DEV_1001". */
static void split_id(const char *id, char *enumr, size_t en, char *rest,
                     size_t rn)
{
    const char *bs = strchr(id, '\\');
    if (!bs) {
        snprintf(enumr, en, "%s", id);
        rest[0] = '\0';
        return;
    }
    snprintf(enumr, en, "%.*s", (int)(bs - id), id);
    snprintf(rest, rn, "%s", bs + 1);
}

/* The guest's architecture must match the driver's. */
static int check_arch(regf_hive *h, const struct inj_plan *pl,
                      const struct inj_driver *d, char *err, size_t errn)
{
    struct inj_guest g;
    if (inj_guest_arch(h, pl->controlsets[0], &g) != REGF_OK)
        return REGF_OK;                  /* unknown: nothing to compare */
    const char *want = strcasecmp(d->arch, "amd64") == 0 ? "AMD64" :
                       strcasecmp(d->arch, "arm64") == 0 ? "ARM64" : "x86";
    if (strcasecmp(g.processor_architecture, want) != 0) {
        snprintf(err, errn, "the guest is %s (PROCESSOR_ARCHITECTURE in %s) "
                 "but the driver is for %s", g.processor_architecture,
                 pl->controlsets[0], d->arch);
        return REGF_EINVAL;
    }
    return REGF_OK;
}

static int plan_controlset(regf_hive *h, const struct inj_driver *d,
                           const char *cs, struct inj_plan *pl)
{
    char svc[256], key[1024], img[160];
    int rc;
    snprintf(svc, sizeof svc, "%s\\Services\\%s", cs, d->service);
    snprintf(img, sizeof img, "System32\\drivers\\%s", d->binary);
    if ((rc = inj_want_dword(h, pl, svc, "Type", d->type)) != REGF_OK ||
        (rc = inj_want_dword(h, pl, svc, "Start", d->start)) != REGF_OK ||
        (rc = inj_want_dword(h, pl, svc, "ErrorControl", d->error_control)) != REGF_OK ||
        (rc = inj_want_sz(h, pl, svc, "ImagePath", REGF_EXPAND_SZ, img)) != REGF_OK)
        return rc;
    if (d->group[0] &&
        (rc = inj_want_sz(h, pl, svc, "Group", REGF_SZ, d->group)) != REGF_OK)
        return rc;
    if (d->display_name[0] &&
        (rc = inj_want_sz(h, pl, svc, "DisplayName", REGF_SZ, d->display_name)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhkr; i++) {
        const struct inj_reg *r = &d->hkr[i];
        if (r->keyonly)
            continue;                    /* the values create the keys */
        if (r->subkey[0])
            snprintf(key, sizeof key, "%s\\%s", svc, r->subkey);
        else
            snprintf(key, sizeof key, "%s", svc);
        if ((rc = inj_want_value(h, pl, key, r->name, r->type, r->data, r->len)) != REGF_OK)
            return rc;
    }
    snprintf(key, sizeof key, "%s\\StartOverride", svc);
    if ((rc = inj_want_gone(h, pl, key)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhw + d->ncompat; i++) {
        const char *id = i < d->nhw ? d->hwids[i] : d->compat[i - d->nhw];
        char cdd[256];
        size_t j = 0;
        for (; id[j] && j + 1 < sizeof cdd; j++)
            cdd[j] = (char)(id[j] == '\\' ? '#' : id[j]);
        cdd[j] = '\0';
        snprintf(key, sizeof key, "%s\\Control\\CriticalDeviceDatabase\\%s",
                 cs, cdd);
        if ((rc = inj_want_sz(h, pl, key, "Service", REGF_SZ, d->service)) != REGF_OK ||
            (rc = inj_want_sz(h, pl, key, "ClassGUID", REGF_SZ, d->class_guid)) != REGF_OK)
            return rc;
    }
    return REGF_OK;
}

/* ---- the DriverDatabase package ------------------------------------------------- */

#define DDB "DriverDatabase"
#define MAX_OLD 8              /* hivekit packages of one INF looked at */
#define MAX_OEM 10000          /* oemNN.inf numbers tried */

/* AddReg flags a package configuration cannot record as Windows does
 * (NOCLOBBER, DELVAL, APPEND, OVERWRITEONLY, KEYONLY_COMMON, DELREG_BIT):
 * Windows keeps some of them in the high word of the value type, a form
 * not decoded yet, so such lines are left out of the package (the
 * Services values of the control sets still get them). */
#define PKG_UNRECORDED_FLAGS 0x0000A02Eu

/* "oemNN.inf" (any case, NN a decimal number below MAX_OEM): 1 and *NUM. */
static int oem_name(const char *s, int *num)
{
    if (strncasecmp(s, "oem", 3) != 0)
        return 0;
    int n = 0, digits = 0;
    const char *p = s + 3;
    for (; *p >= '0' && *p <= '9' && digits < 5; p++, digits++)
        n = n * 10 + (*p - '0');
    if (!digits || n >= MAX_OEM || strcasecmp(p, ".inf") != 0)
        return 0;
    *num = n;
    return 1;
}

/* A package hivekit wrote: DriverPackages\LABEL published as PUB. */
struct oldpkg {
    char label[160];
    char pub[64];
};

/* Is DriverPackages\LABEL one hivekit wrote? Windows gives every package
 * it imports a SignerScore (all 858 packages of the corpus have one);
 * hivekit never writes it. */
static int hivekit_package(regf_hive *h, const char *label)
{
    char key[400];
    snprintf(key, sizeof key, DDB "\\DriverPackages\\%s", label);
    return !inj_has_value(h, key, "SignerScore");
}

/* hivekit's packages of D's INF: DriverPackages keys without SignerScore
 * whose InfName (or, in packages of hivekit before InfName was written,
 * (default)) is the INF's name. */
static int find_own_packages(regf_hive *h, const struct inj_driver *d,
                             struct oldpkg *out, int *nout)
{
    regf_key pk, k;
    regf_iter it;
    *nout = 0;
    int rc = regf_key_lookup(h, 0, DDB "\\DriverPackages", &pk);
    if (rc == REGF_NOTFOUND)
        return REGF_OK;
    if (rc != REGF_OK)
        return rc;
    for (rc = regf_subkey_first(h, pk, &it, &k); rc == REGF_OK && *nout < MAX_OLD;
         rc = regf_subkey_next(h, &it, &k)) {
        struct oldpkg o;
        char key[400], inf[64];
        if (regf_key_name(h, k, o.label, sizeof o.label, NULL) != REGF_OK ||
            !hivekit_package(h, o.label))
            continue;
        snprintf(key, sizeof key, DDB "\\DriverPackages\\%s", o.label);
        if (inj_read_sz(h, key, "InfName", inf, sizeof inf) != REGF_OK &&
            inj_read_sz(h, key, "", inf, sizeof inf) != REGF_OK)
            continue;
        if (strcasecmp(inf, d->inf_name) != 0)
            continue;
        inj_read_sz(h, key, "", o.pub, sizeof o.pub);
        out[(*nout)++] = o;
    }
    return rc == REGF_NOTFOUND ? REGF_OK : rc;
}

static int id_of_driver(const struct inj_driver *d, const char *id)
{
    for (size_t i = 0; i < d->nhw; i++)
        if (strcasecmp(d->hwids[i], id) == 0)
            return 1;
    for (size_t i = 0; i < d->ncompat; i++)
        if (strcasecmp(d->compat[i], id) == 0)
            return 1;
    return 0;
}

/* The DeviceIds value PUB of the device id ID of an old package goes,
 * unless the new package rewrites it (the same published name and id):
 * the whole key when it holds nothing else (hivekit made it) and the new
 * package does not use the id, otherwise the value alone. */
static int drop_device_id(regf_hive *h, struct inj_plan *pl,
                          const struct inj_driver *d, const char *id,
                          const char *pub)
{
    int ours = id_of_driver(d, id);
    if (ours && strcasecmp(pub, pl->published) == 0)
        return REGF_OK;
    char key[600];
    regf_key k;
    regf_val v;
    struct regf_key_info ki;
    snprintf(key, sizeof key, DDB "\\DeviceIds\\%s", id);
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK ||
        regf_value_lookup(h, k, pub, &v) != REGF_OK)
        return REGF_OK;
    if (!ours && regf_key_info(h, k, &ki) == REGF_OK &&
        ki.nvalues == 1 && ki.nsubkeys == 0)
        return inj_want_gone(h, pl, key);
    return inj_want_no_value(h, pl, key, pub);
}

/* Calls drop_device_id for every id of the old package at KEY (its
 * Descriptors\<enumerator>\<rest> keys, which hold Configuration), PREFIX
 * being the id so far; DEPTH bounds the walk. */
static int drop_old_ids(regf_hive *h, struct inj_plan *pl,
                        const struct inj_driver *d, const char *key,
                        const char *prefix, const char *pub, int depth)
{
    regf_key k, sub;
    regf_iter it;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc != REGF_OK || depth > 6)
        return rc == REGF_NOTFOUND || rc == REGF_OK ? REGF_OK : rc;
    if (*prefix && inj_has_value(h, key, "Configuration") &&
        (rc = drop_device_id(h, pl, d, prefix, pub)) != REGF_OK)
        return rc;
    for (rc = regf_subkey_first(h, k, &it, &sub); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &sub)) {
        char name[256], ckey[1024], cid[512];
        if (regf_key_name(h, sub, name, sizeof name, NULL) != REGF_OK)
            continue;
        snprintf(ckey, sizeof ckey, "%s\\%s", key, name);
        snprintf(cid, sizeof cid, "%s%s%s", prefix, *prefix ? "\\" : "", name);
        int r2 = drop_old_ids(h, pl, d, ckey, cid, pub, depth + 1);
        if (r2 != REGF_OK)
            return r2;
    }
    return rc == REGF_NOTFOUND ? REGF_OK : rc;
}

/* "{4D36E97B-...}" in lower case, as the DeviceIds class keys are named. */
static void lower_copy(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a'
                                                       : src[i]);
    dst[i] = '\0';
}

/* Old package O of the same INF goes where the new one (LABEL, PUB)
 * does not take its place: its DriverPackages key (unless it is the same
 * package), and, when it was published under another name, its
 * DriverInfFiles entry, DeviceIds values and class entry; DeviceIds
 * values of ids the new package no longer has. */
static int drop_old_package(regf_hive *h, struct inj_plan *pl,
                            const struct inj_driver *d,
                            const struct oldpkg *o, const char *pub)
{
    char key[600], active[160], guid[48];
    int same_pub = strcasecmp(o->pub, pub) == 0;
    int rc;
    if (strcmp(o->label, pl->label) == 0 && same_pub)
        return REGF_OK;                       /* this very package */
    snprintf(key, sizeof key, DDB "\\DriverPackages\\%.159s\\Descriptors",
             o->label);
    if (o->pub[0] && (rc = drop_old_ids(h, pl, d, key, "", o->pub, 0)) != REGF_OK)
        return rc;
    if (!same_pub && o->pub[0]) {
        snprintf(key, sizeof key, DDB "\\DriverInfFiles\\%.63s", o->pub);
        if (inj_read_sz(h, key, "Active", active, sizeof active) == REGF_OK &&
            strcasecmp(active, o->label) == 0 &&
            (rc = inj_want_gone(h, pl, key)) != REGF_OK)
            return rc;
        lower_copy(guid, sizeof guid, d->class_guid);
        snprintf(key, sizeof key, DDB "\\DeviceIds\\%s", guid);
        if ((rc = inj_want_no_value(h, pl, key, o->pub)) != REGF_OK)
            return rc;
    }
    if (strcmp(o->label, pl->label) != 0) {
        snprintf(key, sizeof key, DDB "\\DriverPackages\\%.159s", o->label);
        if ((rc = inj_want_gone(h, pl, key)) != REGF_OK)
            return rc;
        if (pl->nreplaced < 4)
            snprintf(pl->replaced[pl->nreplaced++], sizeof pl->replaced[0],
                     "%.159s", o->label);
    }
    return REGF_OK;
}

/* Is oemN.inf taken: its OemInfMap bit (bit 7 of byte 0 is oem0), a
 * DriverInfFiles entry in SYSTEM or DRIVERS, or the file INF\oemN.inf? */
static int oem_taken(regf_hive *h, const struct inj_pkg_opts *o,
                     const uint8_t *map, size_t mlen, int n)
{
    char name[32], key[96];
    regf_key k;
    if ((size_t)n / 8 < mlen && (map[n / 8] & (0x80 >> (n % 8))))
        return 1;
    snprintf(name, sizeof name, "oem%d.inf", n);
    snprintf(key, sizeof key, DDB "\\DriverInfFiles\\%s", name);
    if (regf_key_lookup(h, 0, key, &k) != REGF_NOTFOUND)
        return 1;
    if (o->drivers && regf_key_lookup(o->drivers, 0, key, &k) != REGF_NOTFOUND)
        return 1;
    return o->inf_exists && o->inf_exists(o->ctx, name);
}

/* The published name of a staged package: NN of hivekit's earlier staging
 * (REUSE >= 0), else the first number free everywhere; its OemInfMap bit
 * is set. */
static int publish_oem(regf_hive *h, struct inj_plan *pl,
                       const struct inj_pkg_opts *o, int reuse)
{
    uint8_t map[MAX_OEM / 8];
    size_t mlen = 0;
    regf_key k;
    regf_val v;
    int rc = regf_key_lookup(h, 0, DDB, &k);
    if (rc != REGF_OK)
        return rc;
    if (regf_value_lookup(h, k, "OemInfMap", &v) == REGF_OK) {
        uint32_t type;
        size_t need = 0;
        if ((rc = regf_value_data(h, v, &type, map, sizeof map, &need)) != REGF_OK)
            return rc;
        if (type != REGF_BINARY || need > sizeof map) {
            snprintf(pl->err, sizeof pl->err, DDB "\\OemInfMap is not the "
                     "REG_BINARY bitmap Windows writes (type %lu, %zu bytes): "
                     "not staging into it", (unsigned long)type, need);
            return REGF_EINVAL;
        }
        mlen = need;
    }
    int n = reuse;
    if (n < 0) {
        for (n = 0; n < MAX_OEM && oem_taken(h, o, map, mlen, n); n++)
            ;
        if (n == MAX_OEM) {
            snprintf(pl->err, sizeof pl->err, "no free oemNN.inf name below "
                     "oem%d.inf", MAX_OEM);
            return REGF_EINVAL;
        }
        pl->oem_new = 1;
    }
    pl->staged = 1;
    pl->oem_number = n;
    snprintf(pl->published, sizeof pl->published, "oem%d.inf", n);
    if ((size_t)n / 8 >= mlen) {
        memset(map + mlen, 0, (size_t)n / 8 + 1 - mlen);
        mlen = (size_t)n / 8 + 1;
    }
    map[n / 8] = (uint8_t)(map[n / 8] | (0x80 >> (n % 8)));
    return inj_want_value(h, pl, DDB, "OemInfMap", REGF_BINARY, map, mlen);
}

/* The package's published name, and what goes of hivekit's earlier
 * packages of the same INF. */
static int plan_publish(regf_hive *h, const struct inj_driver *d,
                        const struct inj_pkg_opts *o, struct inj_plan *pl)
{
    struct oldpkg old[MAX_OLD];
    int nold, staged = -1, num = -1, rc;
    if ((rc = find_own_packages(h, d, old, &nold)) != REGF_OK)
        return rc;
    for (int i = 0; i < nold; i++) {
        int n;
        if (oem_name(old[i].pub, &n) &&
            (staged < 0 || strcmp(old[i].label, pl->label) == 0)) {
            staged = i;
            num = n;
        }
    }
    if (o && o->stage) {
        if ((rc = publish_oem(h, pl, o, num)) != REGF_OK)
            return rc;
    } else {
        if (staged >= 0) {
            snprintf(pl->err, sizeof pl->err, "%.60s is staged as %.20s "
                     "(package %.80s, by hivekit inject --stage): give "
                     "--stage to replace it", d->inf_name, old[staged].pub, old[staged].label);
            return REGF_EINVAL;
        }
        snprintf(pl->published, sizeof pl->published, "%s", d->inf_name);
    }
    /* Never take over a name Windows published. */
    char key[400], active[160];
    snprintf(key, sizeof key, DDB "\\DriverInfFiles\\%s", pl->published);
    if (inj_read_sz(h, key, "Active", active, sizeof active) == REGF_OK &&
        strcasecmp(active, pl->label) != 0 && !hivekit_package(h, active)) {
        snprintf(pl->err, sizeof pl->err, DDB "\\DriverInfFiles\\%.60s "
                 "belongs to %.100s, a package Windows installed: not "
                 "replacing it",
                 pl->published, active);
        return REGF_EINVAL;
    }
    for (int i = 0; i < nold; i++)
        if ((rc = drop_old_package(h, pl, d, &old[i], pl->published)) != REGF_OK)
            return rc;
    return REGF_OK;
}

/* The INF AddReg lines REGS below KEY, as a package configuration holds
 * them: values as they are, a KEYONLY line as the value "0x<flags>" = "". */
static int want_regs(regf_hive *h, struct inj_plan *pl, const char *base,
                     const struct inj_reg *regs, size_t n)
{
    char key[1024];
    int rc;
    for (size_t i = 0; i < n; i++) {
        const struct inj_reg *r = &regs[i];
        if (!r->keyonly && (r->flags & PKG_UNRECORDED_FLAGS))
            continue;
        snprintf(key, sizeof key, "%s%s%s", base, r->subkey[0] ? "\\" : "",
                 r->subkey);
        if (r->keyonly) {
            char name[16];
            snprintf(name, sizeof name, "0x%08x", (unsigned)r->flags);
            rc = inj_want_sz(h, pl, key, name, REGF_SZ, "");
        } else {
            rc = inj_want_value(h, pl, key, r->name, r->type, r->data, r->len);
        }
        if (rc != REGF_OK)
            return rc;
    }
    return REGF_OK;
}

/* DriverDatabase\Version: 0x06030000 on Windows 8.1, 0x0A000000 on 10 and
 * 11; 0xFFFFFFFF (the newest) when it cannot be read. */
static uint32_t ddb_version(regf_hive *h)
{
    regf_key k;
    regf_val v;
    uint32_t ver;
    if (regf_key_lookup(h, 0, DDB, &k) != REGF_OK ||
        regf_value_lookup(h, k, "Version", &v) != REGF_OK ||
        regf_value_dword(h, v, &ver) != REGF_OK)
        return 0xFFFFFFFFu;
    return ver;
}

static int plan_driver_database(regf_hive *h, const struct inj_driver *d,
                                const struct inj_pkg_opts *o,
                                struct inj_plan *pl)
{
    static const uint8_t none[1] = { 0 };
    char key[1024], guid[48];
    int rc;
    snprintf(pl->label, sizeof pl->label, "%s_%s_%016llx", d->inf_name,
             d->arch, (unsigned long long)d->inf_hash);
    for (char *p = pl->label; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    if ((rc = plan_publish(h, d, o, pl)) != REGF_OK)
        return rc;
    const char *pub = pl->published;
    snprintf(key, sizeof key, DDB "\\DriverInfFiles\\%s", pub);
    if ((rc = inj_want_sz(h, pl, key, "", REGF_MULTI_SZ, pl->label)) != REGF_OK ||
        (rc = inj_want_sz(h, pl, key, "Active", REGF_SZ, pl->label)) != REGF_OK ||
        (rc = inj_want_sz(h, pl, key, "Configurations", REGF_MULTI_SZ, d->config)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhw + d->ncompat; i++) {
        const char *id = i < d->nhw ? d->hwids[i] : d->compat[i - d->nhw];
        const struct inj_idinfo *in = i < d->nhw ? &d->hwinfo[i]
                                                 : &d->compatinfo[i - d->nhw];
        char en[64], rest[256];
        /* Position in the model line, FeatureScore (profiles and older
         * callers without ranks: 1 or 2, and 0xFF). */
        uint8_t rank[4] = { in->pos ? in->pos : (uint8_t)(i < d->nhw ? 1 : 2),
                            in->pos ? in->score : 0xFF, 0, 0 };
        split_id(id, en, sizeof en, rest, sizeof rest);
        snprintf(key, sizeof key, DDB "\\DeviceIds\\%s%s%s", en,
                 rest[0] ? "\\" : "", rest);
        if ((rc = inj_want_value(h, pl, key, pub, REGF_BINARY, rank, 4)) != REGF_OK)
            return rc;
    }
    /* The class index: every package has an empty entry under its class. */
    lower_copy(guid, sizeof guid, d->class_guid);
    snprintf(key, sizeof key, DDB "\\DeviceIds\\%s", guid);
    if ((rc = inj_want_value(h, pl, key, pub, REGF_NONE, none, 0)) != REGF_OK)
        return rc;

    char pkg[400];
    uint8_t ver[48];
    inj_version_blob(d, ver);
    snprintf(pkg, sizeof pkg, DDB "\\DriverPackages\\%s", pl->label);
    if ((rc = inj_want_value(h, pl, pkg, "Version", REGF_BINARY, ver, 48)) != REGF_OK ||
        (rc = inj_want_sz(h, pl, pkg, "Provider", REGF_SZ, d->provider)) != REGF_OK ||
        (rc = inj_want_sz(h, pl, pkg, "InfName", REGF_SZ,
                      d->inf_orig[0] ? d->inf_orig : d->inf_name)) != REGF_OK)
        return rc;
    if (pl->staged && o->oem_path &&
        (rc = inj_want_sz(h, pl, pkg, "OemPath", REGF_SZ, o->oem_path)) != REGF_OK)
        return rc;
    if (o && o->import_date && !inj_has_value(h, pkg, "ImportDate")) {
        uint8_t ft[8];
        wr_le64(ft, o->import_date);        /* kept once written: idempotent */
        if ((rc = inj_want_value(h, pl, pkg, "ImportDate", REGF_BINARY, ft, 8)) != REGF_OK)
            return rc;
    }
    if (d->catalog[0] &&
        (rc = inj_want_sz(h, pl, pkg, "Catalog", REGF_SZ, d->catalog)) != REGF_OK)
        return rc;
    if ((rc = inj_want_sz(h, pl, pkg, "", REGF_SZ, pub)) != REGF_OK)
        return rc;

    char cfg[600], sub[800];
    snprintf(cfg, sizeof cfg, "%s\\Configurations\\%s", pkg, d->config);
    if ((rc = inj_want_dword(h, pl, cfg, "ConfigFlags", 0)) != REGF_OK ||
        (rc = inj_want_sz(h, pl, cfg, "Service", REGF_SZ, d->service)) != REGF_OK)
        return rc;
    /* ConfigScope 7, as in the Windows 10 packages of device classes;
     * Windows 8.1 (DriverDatabase\Version 0x06030000) has none. */
    if (ddb_version(h) >= 0x0A000000u &&
        (rc = inj_want_dword(h, pl, cfg, "ConfigScope", 7)) != REGF_OK)
        return rc;
    snprintf(sub, sizeof sub, "%s\\Device", cfg);
    if ((rc = want_regs(h, pl, sub, d->devreg, d->ndevreg)) != REGF_OK)
        return rc;
    snprintf(sub, sizeof sub, "%s\\Driver", cfg);
    if ((rc = want_regs(h, pl, sub, d->drvreg, d->ndrvreg)) != REGF_OK)
        return rc;
    snprintf(sub, sizeof sub, "%s\\Services\\%s", cfg, d->service);
    if ((rc = want_regs(h, pl, sub, d->hkr, d->nhkr)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhw + d->ncompat; i++) {
        const char *id = i < d->nhw ? d->hwids[i] : d->compat[i - d->nhw];
        const struct inj_idinfo *in = i < d->nhw ? &d->hwinfo[i]
                                                 : &d->compatinfo[i - d->nhw];
        char en[64], rest[256];
        split_id(id, en, sizeof en, rest, sizeof rest);
        snprintf(key, sizeof key, "%s\\Descriptors\\%s%s%s", pkg, en,
                 rest[0] ? "\\" : "", rest);
        if ((rc = inj_want_sz(h, pl, key, "Configuration", REGF_SZ, d->config)) != REGF_OK)
            return rc;
        if (in->manufacturer[0] &&
            (rc = inj_want_sz(h, pl, key, "Manufacturer", REGF_SZ,
                          in->manufacturer)) != REGF_OK)
            return rc;
        if (in->description[0] &&
            (rc = inj_want_sz(h, pl, key, "Description", REGF_SZ,
                          in->description)) != REGF_OK)
            return rc;
    }
    snprintf(sub, sizeof sub, "%s\\Strings", pkg);
    for (size_t i = 0; i < d->nstrings; i++)
        if ((rc = inj_want_sz(h, pl, sub, d->strings[i].key, REGF_SZ,
                          d->strings[i].value)) != REGF_OK)
            return rc;
    pl->driver_database = 1;
    return REGF_OK;
}

int inj_plan_system_pkg(regf_hive *h, const struct inj_driver *d,
                        const struct inj_pkg_opts *o, struct inj_plan *pl)
{
    static const struct inj_pkg_opts defaults;
    if (!o)
        o = &defaults;
    int rc = inj_plan_control_sets(h, pl);
    if (rc != REGF_OK)
        return rc;
    if ((rc = check_arch(h, pl, d, pl->err, sizeof pl->err)) != REGF_OK)
        return rc;
    regf_key ddb;
    int have_ddb = regf_key_lookup(h, 0, DDB, &ddb) == REGF_OK;
    if (o->stage && !have_ddb) {
        snprintf(pl->err, sizeof pl->err, "no DriverDatabase (Windows 7 or "
                 "older): nothing to stage a package into (drop --stage)");
        return REGF_EINVAL;
    }
    for (int i = 0; i < pl->ncontrolsets; i++)
        if ((rc = plan_controlset(h, d, pl->controlsets[i], pl)) != REGF_OK)
            return rc;
    return have_ddb ? plan_driver_database(h, d, o, pl) : REGF_OK;
}

int inj_plan_system(regf_hive *h, const struct inj_driver *d,
                    struct inj_plan *pl)
{
    return inj_plan_system_pkg(h, d, NULL, pl);
}

/* ---- SOFTWARE -------------------------------------------------------------------- */

int inj_plan_software(regf_hive *h, const char *dir, struct inj_plan *pl)
{
    static const char key[] = "Microsoft\\Windows\\CurrentVersion";
    regf_key k;
    regf_val v;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc != REGF_OK) {
        snprintf(pl->err, sizeof pl->err, "no %s key: not a SOFTWARE hive",
                 key);
        return rc == REGF_NOTFOUND ? REGF_EINVAL : rc;
    }
    /* The current list, read losslessly (generalized UTF-8: any text the
     * guest holds comes back as the same UTF-16 units). */
    uint32_t type = REGF_EXPAND_SZ;
    size_t t = 0;
    char *text = NULL;
    if (regf_value_lookup(h, k, "DevicePath", &v) == REGF_OK) {
        struct regf_value_info vi;
        if ((rc = regf_value_info(h, v, &vi)) != REGF_OK)
            return rc;
        type = vi.type;
        if (type != REGF_SZ && type != REGF_EXPAND_SZ) {
            const char *tn = regf_type_name(type);
            snprintf(pl->err, sizeof pl->err, "%s\\DevicePath has type %s "
                     "(%lu), not REG_EXPAND_SZ or REG_SZ: left alone (fix it "
                     "first)", key, tn ? tn : "unnamed", (unsigned long)type);
            return REGF_EINVAL;
        }
        if ((rc = regf_value_string(h, v, 0, NULL, 0, &t)) != REGF_OK)
            return rc;
        if (!(text = malloc(t + 1)))
            return inj_oom(pl);
        if ((rc = regf_value_string(h, v, 0, text, t + 1, NULL)) != REGF_OK) {
            free(text);
            return rc;
        }
    }
    /* Already listed (as a ';'-separated element, case-insensitively)? */
    size_t dl = strlen(dir);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == dl && strncasecmp(p, dir, dl) == 0) {
            free(text);
            return REGF_OK;
        }
        p += len;
        if (*p == ';')
            p++;
    }
    /* The exact old text, then ";DIR" (no second ';' after a trailing one). */
    int sep = t > 0 && text[t - 1] != ';';
    char *next = malloc(t + (size_t)sep + dl + 1);
    if (!next) {
        free(text);
        return inj_oom(pl);
    }
    if (t)
        memcpy(next, text, t);
    if (sep)
        next[t] = ';';
    memcpy(next + t + (size_t)sep, dir, dl + 1);
    free(text);
    rc = inj_want_sz(h, pl, key, "DevicePath", type, next);
    free(next);
    return rc;
}

/* ---- applying ----------------------------------------------------------------- */

int inj_apply(regf_hive *h, const struct inj_plan *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        const struct inj_change *c = &pl->c[i];
        regf_key k;
        int rc;
        switch (c->op) {
        case INJ_MKKEY:
            rc = regf_key_create_path(h, 0, c->key, &k);
            break;
        case INJ_SET:
            rc = regf_key_create_path(h, 0, c->key, &k);
            if (rc == REGF_OK)
                rc = regf_value_set(h, k, c->name, strlen(c->name), c->type,
                                    c->data, c->len);
            break;
        case INJ_DEL_VALUE:
            rc = regf_key_lookup(h, 0, c->key, &k);
            if (rc == REGF_OK)
                rc = regf_value_delete(h, k, c->name, strlen(c->name));
            break;
        case INJ_DEL_KEY:
            rc = regf_key_lookup(h, 0, c->key, &k);
            if (rc == REGF_OK)
                rc = regf_key_delete(h, k);
            break;
        default:
            rc = REGF_EINVAL;
        }
        if (rc != REGF_OK)
            return rc;
    }
    return REGF_OK;
}

/* ---- .reg patches ------------------------------------------------------------------ */

struct emit {
    regf_write_fn *write;
    void *ctx;
    const char *prefix;
    const char *last_key;
    int err;
};

static void emit_str(struct emit *e, const char *s)
{
    if (!e->err && e->write(e->ctx, s, strlen(s)) != 0)
        e->err = 1;
}

static void emit_header(struct emit *e, const char *key, int minus)
{
    if (e->last_key && !minus && strcmp(e->last_key, key) == 0)
        return;
    emit_str(e, e->last_key ? "\n[" : "[");
    if (minus)
        emit_str(e, "-");
    emit_str(e, e->prefix);
    if (*key) {
        emit_str(e, "\\");
        emit_str(e, key);
    }
    emit_str(e, "]\n");
    e->last_key = minus ? NULL : key;
}

static void emit_value(struct emit *e, const char *name, uint32_t type,
                       const uint8_t *data, size_t len)
{
    if (!e->err && regf_reg_value(NULL, name, strlen(name), type, data, len,
                                  e->write, e->ctx) != REGF_OK)
        e->err = 1;
}

/* OLD_SUBTREE with the placeholder prefix replaced. */
static void emit_subtree(struct emit *e, const char *text)
{
    const char *p = text;
    size_t pl = strlen(INJ_UNDO_PREFIX);
    while (*p) {
        const char *q = strstr(p, INJ_UNDO_PREFIX);
        if (!q) {
            emit_str(e, p);
            break;
        }
        if (!e->err && q > p && e->write(e->ctx, p, (size_t)(q - p)) != 0)
            e->err = 1;
        emit_str(e, e->prefix);
        p = q + pl;
    }
}

int inj_plan_reg(const struct inj_plan *pl, const char *prefix, int undo,
                 regf_write_fn *write, void *ctx)
{
    struct emit e = { write, ctx, prefix, NULL, 0 };
    emit_str(&e, "Windows Registry Editor Version 5.00\n\n");
    if (!undo) {
        for (size_t i = 0; i < pl->n; i++) {
            const struct inj_change *c = &pl->c[i];
            switch (c->op) {
            case INJ_MKKEY:
                emit_header(&e, c->key, 0);
                break;
            case INJ_SET:
                emit_header(&e, c->key, 0);
                emit_value(&e, c->name, c->type, c->data, c->len);
                break;
            case INJ_DEL_VALUE:
                emit_header(&e, c->key, 0);
                emit_str(&e, "\"");
                emit_str(&e, c->name);
                emit_str(&e, "\"=-\n");
                break;
            case INJ_DEL_KEY:
                emit_header(&e, c->key, 1);
                break;
            }
        }
    } else {
        /* In reverse: created keys go, changed values come back, deleted
         * subtrees are written again. */
        for (size_t i = pl->n; i-- > 0;) {
            const struct inj_change *c = &pl->c[i];
            switch (c->op) {
            case INJ_MKKEY:
                emit_header(&e, c->key, 1);
                break;
            case INJ_SET:
                if (inj_planned_key(pl, c->key))
                    break;             /* its key goes as a whole */
                emit_header(&e, c->key, 0);
                if (c->existed) {
                    emit_value(&e, c->name, c->old_type, c->old_data, c->old_len);
                } else {
                    emit_str(&e, *c->name ? "\"" : "@");
                    if (*c->name) {
                        emit_str(&e, c->name);
                        emit_str(&e, "\"");
                    }
                    emit_str(&e, "=-\n");
                }
                break;
            case INJ_DEL_VALUE:
                emit_header(&e, c->key, 0);
                emit_value(&e, c->name, c->old_type, c->old_data, c->old_len);
                break;
            case INJ_DEL_KEY:
                if (e.last_key)
                    emit_str(&e, "\n");
                e.last_key = NULL;
                emit_subtree(&e, c->old_subtree);
                break;
            }
        }
    }
    emit_str(&e, "\n");
    return e.err ? REGF_EIO : REGF_OK;
}

void inj_plan_free(struct inj_plan *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        free(pl->c[i].key);
        free(pl->c[i].name);
        free(pl->c[i].data);
        free(pl->c[i].old_data);
        free(pl->c[i].old_subtree);
    }
    free(pl->c);
    memset(pl, 0, sizeof *pl);
}
