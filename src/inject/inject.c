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
 * Once, when the hive has DriverDatabase (Windows 8+):
 *   DriverInfFiles\<inf>, DeviceIds\<enumerator>\<rest> (01 FF 00 00 for
 *   hardware ids, 02 FF 00 00 for compatible ids), DriverPackages\<label>
 *   with the 48-byte Version, Provider, (default), Configurations\<config>
 *   and Descriptors\<enumerator>\<rest>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inject.h"

/* ---- encoding helpers ------------------------------------------------------- */

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

/* "{4D36E97B-E325-11CE-BFC1-08002BE10318}" in Windows byte order. */
static int guid_bytes(const char *s, uint8_t out[16])
{
    unsigned a, b, c, d[8];
    if (sscanf(s, "{%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}", &a, &b, &c, &d[0],
               &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7]) != 11)
        return -1;
    le32(out, a);
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
        le64(out + 0x18, ft);
    }
    le64(out + 0x20, (uint64_t)d->ver[0] << 48 | (uint64_t)d->ver[1] << 32 |
                     (uint64_t)d->ver[2] << 16 | d->ver[3]);
}

/* ---- the plan ---------------------------------------------------------------- */

static char *dupn(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static struct inj_change *add(struct inj_plan *pl, enum inj_op op,
                              const char *key, const char *name)
{
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? 2 * pl->cap : 32;
        struct inj_change *c = realloc(pl->c, cap * sizeof *c);
        if (!c)
            return NULL;
        pl->c = c;
        pl->cap = cap;
    }
    struct inj_change *c = &pl->c[pl->n];
    memset(c, 0, sizeof *c);
    c->op = op;
    c->key = dupn(key, strlen(key));
    c->name = name ? dupn(name, strlen(name)) : NULL;
    if (!c->key || (name && !c->name)) {
        free(c->key);
        free(c->name);
        return NULL;
    }
    pl->n++;
    return c;
}

static int oom(struct inj_plan *pl)
{
    snprintf(pl->err, sizeof pl->err, "out of memory");
    return REGF_ENOMEM;
}

/* Is KEY (or an ancestor) already being created by the plan? */
static int planned_key(const struct inj_plan *pl, const char *key)
{
    for (size_t i = 0; i < pl->n; i++) {
        const struct inj_change *c = &pl->c[i];
        size_t n = strlen(c->key);
        if (c->op == INJ_MKKEY && strncasecmp(c->key, key, n) == 0 &&
            (key[n] == '\0' || key[n] == '\\'))
            return 1;
    }
    return 0;
}

/* Plans the creation of KEY: records the topmost missing ancestor (undo
 * deletes it with everything below). */
static int want_key(regf_hive *h, struct inj_plan *pl, const char *key)
{
    regf_key k;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_OK || planned_key(pl, key))
        return rc == REGF_OK || rc == REGF_NOTFOUND ? REGF_OK : rc;
    if (rc != REGF_NOTFOUND)
        return rc;
    /* Find the first missing component. */
    char path[1024];
    size_t len = 0;
    const char *p = key;
    while (*p) {
        const char *e = strchr(p, '\\');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (len + n + 2 > sizeof path)
            return REGF_ELIMIT;
        if (len)
            path[len++] = '\\';
        memcpy(path + len, p, n);
        len += n;
        path[len] = '\0';
        if (regf_key_lookup(h, 0, path, &k) == REGF_NOTFOUND) {
            if (!add(pl, INJ_MKKEY, path, NULL))
                return oom(pl);
            return REGF_OK;
        }
        p += n;
        if (*p == '\\')
            p++;
    }
    return REGF_OK;
}

/* Plans KEY\NAME = (TYPE, DATA), unless it already holds exactly that. */
static int want_value(regf_hive *h, struct inj_plan *pl, const char *key,
                      const char *name, uint32_t type, const void *data,
                      size_t len)
{
    regf_key k;
    regf_val v;
    uint32_t otype = 0;
    size_t olen = 0;
    uint8_t *old = NULL;
    int existed = 0;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_OK) {
        rc = regf_value_lookup(h, k, name, &v);
        if (rc == REGF_OK) {
            if ((rc = regf_value_data(h, v, &otype, NULL, 0, &olen)) != REGF_OK)
                return rc;
            old = malloc(olen ? olen : 1);
            if (!old)
                return oom(pl);
            if ((rc = regf_value_data(h, v, &otype, old, olen, NULL)) != REGF_OK) {
                free(old);
                return rc;
            }
            if (otype == type && olen == len && memcmp(old, data, len) == 0) {
                free(old);
                return REGF_OK;          /* already right */
            }
            existed = 1;
        } else if (rc != REGF_NOTFOUND) {
            return rc;
        }
    } else if (rc != REGF_NOTFOUND) {
        return rc;
    } else if ((rc = want_key(h, pl, key)) != REGF_OK) {
        return rc;
    }
    struct inj_change *c = add(pl, INJ_SET, key, name);
    if (!c) {
        free(old);
        return oom(pl);
    }
    c->type = type;
    c->data = (uint8_t *)dupn(data, len);
    c->len = len;
    c->existed = existed;
    c->old_type = otype;
    c->old_data = old;
    c->old_len = olen;
    return c->data ? REGF_OK : oom(pl);
}

/* Plans string value NAME of KEY: TYPE made of the UTF-8 text S (for
 * REG_MULTI_SZ, a list of that one string), through the library's codec. */
static int want_sz(regf_hive *h, struct inj_plan *pl, const char *key,
                   const char *name, uint32_t type, const char *s)
{
    size_t len = strlen(s), n = 0;
    if (regf_string_encode(type, s, len, 0, NULL, 0, &n) != REGF_OK) {
        snprintf(pl->err, sizeof pl->err, "%s\\%s: the text '%.60s' is not "
                 "UTF-8", key, name, s);
        return REGF_EINVAL;
    }
    uint8_t *buf = malloc(n);
    if (!buf)
        return oom(pl);
    regf_string_encode(type, s, len, 0, buf, n, NULL);
    int rc = want_value(h, pl, key, name, type, buf, n);
    free(buf);
    return rc;
}

static int want_dword(regf_hive *h, struct inj_plan *pl, const char *key,
                      const char *name, uint32_t v)
{
    uint8_t b[4];
    le32(b, v);
    return want_value(h, pl, key, name, REGF_DWORD, b, 4);
}

struct text {
    char *p;
    size_t len;
};

static int text_write(void *ctx, const void *buf, size_t len)
{
    struct text *t = ctx;
    char *p = realloc(t->p, t->len + len + 1);
    if (!p)
        return -1;
    memcpy(p + t->len, buf, len);
    t->p = p;
    t->len += len;
    t->p[t->len] = '\0';
    return 0;
}

#define UNDO_PREFIX "\x01HIVEKIT-PREFIX"

/* Plans the removal of KEY (keeping its content for undo) if it exists. */
static int want_gone(regf_hive *h, struct inj_plan *pl, const char *key)
{
    regf_key k;
    int rc = regf_key_lookup(h, 0, key, &k);
    if (rc == REGF_NOTFOUND)
        return REGF_OK;
    if (rc != REGF_OK)
        return rc;
    struct text t = { NULL, 0 };
    if ((rc = regf_export_reg(h, k, UNDO_PREFIX, 0, text_write, &t)) != REGF_OK) {
        free(t.p);
        return rc;
    }
    struct inj_change *c = add(pl, INJ_DEL_KEY, key, NULL);
    if (!c) {
        free(t.p);
        return oom(pl);
    }
    c->existed = 1;
    /* Drop the "Windows Registry Editor" line and the blank line. */
    const char *body = strstr(t.p, "\n\n");
    c->old_subtree = dupn(body ? body + 2 : "", body ? strlen(body + 2) : 0);
    free(t.p);
    return c->old_subtree ? REGF_OK : oom(pl);
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

static int control_sets(regf_hive *h, struct inj_plan *pl)
{
    static const char *const which[] = { "Current", "Default",
                                         "LastKnownGood" };
    regf_key sel;
    int rc = regf_key_lookup(h, 0, "Select", &sel);
    if (rc != REGF_OK) {
        snprintf(pl->err, sizeof pl->err, "no Select key at the root: not a "
                 "SYSTEM hive");
        return rc == REGF_NOTFOUND ? REGF_EINVAL : rc;
    }
    for (int i = 0; i < 3; i++) {
        regf_val v;
        struct regf_value_info vi;
        uint32_t n;
        if (regf_value_lookup(h, sel, which[i], &v) != REGF_OK ||
            regf_value_info(h, v, &vi) != REGF_OK || vi.type != REGF_DWORD ||
            regf_value_dword(h, v, &n) != REGF_OK || n == 0 || n > 999)
            continue;
        char name[16];
        regf_key cs;
        snprintf(name, sizeof name, "ControlSet%03u", n);
        if (regf_key_lookup(h, 0, name, &cs) != REGF_OK)
            continue;
        int dup = 0;
        for (int j = 0; j < pl->ncontrolsets; j++)
            dup |= strcmp(pl->controlsets[j], name) == 0;
        if (!dup)
            snprintf(pl->controlsets[pl->ncontrolsets++], 16, "%s", name);
    }
    if (pl->ncontrolsets == 0) {
        snprintf(pl->err, sizeof pl->err, "Select names no existing "
                 "ControlSetNNN");
        return REGF_EINVAL;
    }
    return REGF_OK;
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
    if ((rc = want_dword(h, pl, svc, "Type", d->type)) != REGF_OK ||
        (rc = want_dword(h, pl, svc, "Start", d->start)) != REGF_OK ||
        (rc = want_dword(h, pl, svc, "ErrorControl", d->error_control)) != REGF_OK ||
        (rc = want_sz(h, pl, svc, "ImagePath", REGF_EXPAND_SZ, img)) != REGF_OK)
        return rc;
    if (d->group[0] &&
        (rc = want_sz(h, pl, svc, "Group", REGF_SZ, d->group)) != REGF_OK)
        return rc;
    if (d->display_name[0] &&
        (rc = want_sz(h, pl, svc, "DisplayName", REGF_SZ, d->display_name)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhkr; i++) {
        const struct inj_reg *r = &d->hkr[i];
        if (r->subkey[0])
            snprintf(key, sizeof key, "%s\\%s", svc, r->subkey);
        else
            snprintf(key, sizeof key, "%s", svc);
        if ((rc = want_value(h, pl, key, r->name, r->type, r->data, r->len)) != REGF_OK)
            return rc;
    }
    snprintf(key, sizeof key, "%s\\StartOverride", svc);
    if ((rc = want_gone(h, pl, key)) != REGF_OK)
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
        if ((rc = want_sz(h, pl, key, "Service", REGF_SZ, d->service)) != REGF_OK ||
            (rc = want_sz(h, pl, key, "ClassGUID", REGF_SZ, d->class_guid)) != REGF_OK)
            return rc;
    }
    return REGF_OK;
}

static int plan_driver_database(regf_hive *h, const struct inj_driver *d,
                                struct inj_plan *pl)
{
    char key[1024];
    int rc;
    snprintf(pl->label, sizeof pl->label, "%s_%s_%016llx", d->inf_name,
             d->arch, (unsigned long long)d->inf_hash);
    for (char *p = pl->label; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    snprintf(key, sizeof key, "DriverDatabase\\DriverInfFiles\\%s", d->inf_name);
    if ((rc = want_sz(h, pl, key, "", REGF_MULTI_SZ, pl->label)) != REGF_OK ||
        (rc = want_sz(h, pl, key, "Active", REGF_SZ, pl->label)) != REGF_OK ||
        (rc = want_sz(h, pl, key, "Configurations", REGF_MULTI_SZ, d->config)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhw + d->ncompat; i++) {
        const char *id = i < d->nhw ? d->hwids[i] : d->compat[i - d->nhw];
        char en[64], rest[256];
        static const uint8_t hw[4] = { 1, 0xFF, 0, 0 }, co[4] = { 2, 0xFF, 0, 0 };
        split_id(id, en, sizeof en, rest, sizeof rest);
        snprintf(key, sizeof key, "DriverDatabase\\DeviceIds\\%s%s%s", en,
                 rest[0] ? "\\" : "", rest);
        if ((rc = want_value(h, pl, key, d->inf_name, REGF_BINARY,
                             i < d->nhw ? hw : co, 4)) != REGF_OK)
            return rc;
    }
    char pkg[400];
    uint8_t ver[48];
    inj_version_blob(d, ver);
    snprintf(pkg, sizeof pkg, "DriverDatabase\\DriverPackages\\%s", pl->label);
    if ((rc = want_value(h, pl, pkg, "Version", REGF_BINARY, ver, 48)) != REGF_OK ||
        (rc = want_sz(h, pl, pkg, "Provider", REGF_SZ, d->provider)) != REGF_OK ||
        (rc = want_sz(h, pl, pkg, "", REGF_SZ, d->inf_name)) != REGF_OK)
        return rc;
    snprintf(key, sizeof key, "%s\\Configurations\\%s", pkg, d->config);
    if ((rc = want_dword(h, pl, key, "ConfigFlags", 0)) != REGF_OK ||
        (rc = want_sz(h, pl, key, "Service", REGF_SZ, d->service)) != REGF_OK)
        return rc;
    for (size_t i = 0; i < d->nhw + d->ncompat; i++) {
        const char *id = i < d->nhw ? d->hwids[i] : d->compat[i - d->nhw];
        char en[64], rest[256];
        split_id(id, en, sizeof en, rest, sizeof rest);
        snprintf(key, sizeof key, "%s\\Descriptors\\%s%s%s", pkg, en,
                 rest[0] ? "\\" : "", rest);
        if ((rc = want_sz(h, pl, key, "Configuration", REGF_SZ, d->config)) != REGF_OK)
            return rc;
    }
    pl->driver_database = 1;
    return REGF_OK;
}

int inj_plan_system(regf_hive *h, const struct inj_driver *d,
                    struct inj_plan *pl)
{
    int rc = control_sets(h, pl);
    if (rc != REGF_OK)
        return rc;
    if ((rc = check_arch(h, pl, d, pl->err, sizeof pl->err)) != REGF_OK)
        return rc;
    for (int i = 0; i < pl->ncontrolsets; i++)
        if ((rc = plan_controlset(h, d, pl->controlsets[i], pl)) != REGF_OK)
            return rc;
    regf_key ddb;
    if (regf_key_lookup(h, 0, "DriverDatabase", &ddb) == REGF_OK)
        return plan_driver_database(h, d, pl);
    return REGF_OK;
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
            return oom(pl);
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
        return oom(pl);
    }
    if (t)
        memcpy(next, text, t);
    if (sep)
        next[t] = ';';
    memcpy(next + t + (size_t)sep, dir, dl + 1);
    free(text);
    rc = want_sz(h, pl, key, "DevicePath", type, next);
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
    size_t pl = strlen(UNDO_PREFIX);
    while (*p) {
        const char *q = strstr(p, UNDO_PREFIX);
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
                if (planned_key(pl, c->key))
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
