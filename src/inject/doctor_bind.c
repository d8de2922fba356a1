/* doctor_bind.c - which driver would bind a target's controller, and in
 * what state its service and binary are (docs/doctor.md §3).
 *
 * Windows 8 and later (a DriverDatabase in SYSTEM): Kernel-PnP matches the
 * device's ids, most specific first, against DriverDatabase\DeviceIds\
 * <enumerator>\<rest>, whose values name published INFs with their rank
 * (byte 0: the id's position in the INF's model line, byte 1: its
 * FeatureScore; lower is better). The INF's package is the one
 * DriverInfFiles\<inf> names (Active, else the first of its default
 * value); its Descriptors\<id>\Configuration names a configuration whose
 * Service is the driver. A package without that (staged, never installed
 * on a device) cannot be installed at boot. Windows 7 and older:
 * Control\CriticalDeviceDatabase\<id with '#' for '\'>\Service of the
 * control set. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doctor_int.h"
#include "pe.h"

#define DDB "DriverDatabase"
#define MAX_CANDIDATES 64

/* The package and service an INF offers for ID; 1 complete, 0 staged
 * (package without a configuration for it), -1 nothing. */
static int package_for(regf_hive *h, const char *inf, const char *id,
                       struct doc_device *d)
{
    char key[512], label[160], cfg[64], svc[64], multi[512];
    regf_key k;
    size_t len;
    snprintf(key, sizeof key, DDB "\\DriverInfFiles\\%s", inf);
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK)
        return -1;
    if (doc_string(h, k, "Active", label, sizeof label, NULL) != REGF_OK ||
        !label[0]) {
        if (doc_string(h, k, "", multi, sizeof multi, &len) != REGF_OK ||
            len == 0)
            return -1;
        snprintf(label, sizeof label, "%.159s", multi);
    }
    /* the package's descriptor of ID names the configuration, which
     * names the service */
    snprintf(key, sizeof key, DDB "\\DriverPackages\\%s\\Descriptors\\%s",
             label, id);
    cfg[0] = svc[0] = '\0';
    if (regf_key_lookup(h, 0, key, &k) == REGF_OK &&
        doc_string(h, k, "Configuration", cfg, sizeof cfg, NULL) == REGF_OK &&
        cfg[0]) {
        snprintf(key, sizeof key,
                 DDB "\\DriverPackages\\%s\\Configurations\\%s", label, cfg);
        if (regf_key_lookup(h, 0, key, &k) != REGF_OK ||
            doc_string(h, k, "Service", svc, sizeof svc, NULL) != REGF_OK)
            svc[0] = '\0';
    }
    if (!svc[0]) {
        snprintf(d->staged, sizeof d->staged, "%s", label);
        return 0;
    }
    snprintf(d->package, sizeof d->package, "%s", label);
    snprintf(d->config, sizeof d->config, "%s", cfg);
    snprintf(d->svc.name, sizeof d->svc.name, "%s", svc);
    return 1;
}

/* The best complete candidate among DeviceIds\ID's values; 1 found. */
static int bind_ddb_id(regf_hive *h, const char *id, struct doc_device *d)
{
    char key[256];
    regf_key k;
    struct regf_key_info ki;
    int best = 0;
    unsigned best_rank = 0x10000;
    snprintf(key, sizeof key, DDB "\\DeviceIds\\%s", id);
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK ||
        regf_key_info(h, k, &ki) != REGF_OK)
        return 0;
    for (uint32_t i = 0; i < ki.nvalues && i < MAX_CANDIDATES; i++) {
        regf_val v;
        char inf[64];
        uint8_t rank[4];
        uint32_t type;
        size_t need;
        struct doc_device c = *d;
        if (regf_value_at(h, k, i, &v) != REGF_OK ||
            regf_value_name(h, v, inf, sizeof inf, &need) != REGF_OK ||
            need >= sizeof inf ||
            regf_value_data(h, v, &type, rank, sizeof rank, &need) != REGF_OK ||
            need < 2)
            continue;
        if (package_for(h, inf, id, &c) != 1) {
            snprintf(d->staged, sizeof d->staged, "%s", c.staged);
            continue;
        }
        unsigned r = (unsigned)rank[0] << 8 | rank[1];
        if (r < best_rank) {
            best_rank = r;
            c.rank[0] = rank[0];
            c.rank[1] = rank[1];
            snprintf(c.inf, sizeof c.inf, "%s", inf);
            *d = c;
            best = 1;
        }
    }
    if (best) {
        d->via = DOC_VIA_DRIVERDB;
        snprintf(d->matched, sizeof d->matched, "%s", id);
        d->staged[0] = '\0';
    }
    return best;
}

static int bind_cdd_id(regf_hive *h, regf_key cs, const char *id,
                       struct doc_device *d)
{
    char key[128], svc[64];
    size_t j = snprintf(key, sizeof key, "Control\\CriticalDeviceDatabase\\");
    for (size_t i = 0; id[i] && j + 1 < sizeof key; i++)
        key[j++] = id[i] == '\\' ? '#' : id[i];
    key[j] = '\0';
    regf_key k;
    if (regf_key_lookup(h, cs, key, &k) != REGF_OK ||
        doc_string(h, k, "Service", svc, sizeof svc, NULL) != REGF_OK ||
        !svc[0])
        return 0;
    d->via = DOC_VIA_CDD;
    snprintf(d->matched, sizeof d->matched, "%s", id);
    snprintf(d->svc.name, sizeof d->svc.name, "%s", svc);
    return 1;
}

/* "\SystemRoot\System32\drivers\x.sys", "System32\drivers\x.sys",
 * "%SystemRoot%\...", "\??\C:\Windows\..." -> "System32/drivers/x.sys";
 * -1 for a path outside the Windows folder. */
static int windows_relative(const char *image, char *out, size_t size)
{
    static const char *const prefixes[] = {
        "\\SystemRoot\\", "%SystemRoot%\\", "%windir%\\", "SystemRoot\\",
    };
    const char *p = image;
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncasecmp(p, prefixes[i], strlen(prefixes[i])) == 0) {
            p += strlen(prefixes[i]);
            break;
        }
    if (strncmp(p, "\\??\\", 4) == 0)
        p += 4;
    if (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':' &&
        p[2] == '\\') {
        if (strncasecmp(p + 3, "Windows\\", 8) != 0)
            return -1;
        p += 11;
    }
    if (p[0] == '\\' || strchr(p, ':') || strstr(p, ".."))
        return -1;
    size_t j = 0;
    for (; p[j] && j + 1 < size; j++)
        out[j] = p[j] == '\\' ? '/' : p[j];
    out[j] = '\0';
    return p[j] ? -1 : 0;
}

int doc_service_read(regf_hive *h, regf_key cs, const char *name,
                     const struct doc_opts *o, uint16_t machine,
                     struct doc_service *s)
{
    char key[128], rel[260], own[64];
    regf_key k, par;
    snprintf(own, sizeof own, "%s", name);   /* NAME may be s->name */
    name = own;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(key, sizeof key, "Services\\%s", name);
    int rc = regf_key_lookup(h, cs, key, &k);
    if (rc != REGF_OK)
        return rc == REGF_NOTFOUND ? REGF_OK : rc;
    s->exists = 1;
    s->has_type = doc_dword(h, k, "Type", &s->type) == REGF_OK;
    s->has_start = doc_dword(h, k, "Start", &s->start) == REGF_OK;
    s->demoted = doc_override(h, k, &s->override_start);
    if (doc_string(h, k, "ImagePath", s->image, sizeof s->image, NULL) !=
            REGF_OK || !s->image[0]) {
        snprintf(s->image, sizeof s->image, "System32\\drivers\\%s.sys", name);
        s->image_default = 1;
    }
    if (regf_key_lookup(h, k, "Parameters", &par) == REGF_OK)
        s->has_bustype = doc_dword(h, par, "BusType", &s->bustype) == REGF_OK;
    if (!o->find)
        return REGF_OK;
    if (windows_relative(s->image, rel, sizeof rel) != 0) {
        s->bin = DOC_BIN_BAD;
        snprintf(s->bin_err, sizeof s->bin_err, "ImagePath is not below the "
                 "Windows folder");
        return REGF_OK;
    }
    int pe = PE_EIO;
    s->bin_path[0] = '\0';
    if (o->find(o->ctx, rel, machine, s->bin_path, sizeof s->bin_path, &pe,
                s->bin_err, sizeof s->bin_err) != 0) {
        s->bin = DOC_BIN_MISSING;
        if (!s->bin_path[0])
            snprintf(s->bin_path, sizeof s->bin_path, "Windows/%s", rel);
        return REGF_OK;
    }
    s->bin = pe == PE_OK ? DOC_BIN_OK : DOC_BIN_BAD;
    return REGF_OK;
}

int doc_bind(regf_hive *h, const struct doc_opts *o, struct doc_result *res,
             struct doc_target *t)
{
    for (int c = 0; c < res->ncs; c++) {
        regf_key cs;
        int rc = regf_key_lookup(h, 0, res->cs[c].name, &cs);
        if (rc != REGF_OK)
            return rc;
        for (size_t v = 0; v < t->info->ndevices && v < DOC_MAX_DEV; v++) {
            struct doc_device *d = &t->dev[c][v];
            memset(d, 0, sizeof *d);
            d->pci = &t->info->devices[v];
            d->nids = boot_pci_ids(d->pci, d->ids, DOC_MAX_IDS, &d->nhw);
            if (d->nids > DOC_MAX_IDS)
                d->nids = DOC_MAX_IDS;
            for (size_t i = 0; i < d->nids; i++)
                if (res->driver_database ? bind_ddb_id(h, d->ids[i], d)
                                         : bind_cdd_id(h, cs, d->ids[i], d))
                    break;
            if (d->via != DOC_VIA_NONE &&
                (rc = doc_service_read(h, cs, d->svc.name, o, res->machine,
                                       &d->svc)) != REGF_OK)
                return rc;
        }
    }
    return REGF_OK;
}
