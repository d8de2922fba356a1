/* doctor_filters.c - the class filter lists of the storage stack and
 * other hypervisors' leftovers (docs/doctor.md §4).
 *
 * Every name in Control\Class\{GUID}\UpperFilters and LowerFilters of the
 * classes of boot_filter_classes is loaded with every device of the
 * class; a name whose service is missing or disabled (Start 4), or whose
 * binary is missing, stops the boot with 0x7B. The System class is only
 * searched for other hypervisors' filters. Services of another
 * hypervisor's tools (boot_leftover_vendor) that are not disabled are
 * listed as well. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doctor_int.h"

#define MAX_LIST 4096
#define MAX_SERVICES 65536

static void *grow(void *p, size_t n, size_t size)
{
    if (n & 15)
        return p;
    return realloc(p, (n + 16) * size);
}

static unsigned entry_problems(regf_hive *h, regf_key cs, const char *name,
                               const struct doc_opts *o)
{
    char key[128];
    regf_key k;
    uint32_t start;
    snprintf(key, sizeof key, "Services\\%s", name);
    if (regf_key_lookup(h, cs, key, &k) != REGF_OK)
        return DOC_FILTER_MISSING;
    if (doc_dword(h, k, "Start", &start) == REGF_OK && start == 4)
        return DOC_FILTER_DISABLED;
    if (!o->find)
        return 0;
    struct doc_service s;
    memset(&s, 0, sizeof s);
    if (doc_service_read(h, cs, name, o, 0, &s) != REGF_OK)
        return 0;
    return s.bin == DOC_BIN_MISSING ? DOC_FILTER_NO_BINARY : 0;
}

#define MAX_ENTRIES 64

static int harmful(unsigned p, const char *vendor)
{
    return (p & (DOC_FILTER_MISSING | DOC_FILTER_DISABLED |
                 DOC_FILTER_NO_BINARY)) ||
           (vendor && strcmp(vendor, "VMware/Hyper-V") != 0);
}

static int one_list(regf_hive *h, regf_key cs, int c, regf_key cls,
                    const struct boot_filter_class *bc, int upper,
                    const struct doc_opts *o, struct doc_result *res)
{
    char list[MAX_LIST], keep[300] = "";
    const char *names[MAX_ENTRIES], *vendors[MAX_ENTRIES];
    unsigned problems[MAX_ENTRIES];
    size_t len, n = 0, used = 0;
    int system = strcmp(bc->name, "System") == 0;
    if (doc_string(h, cls, upper ? "UpperFilters" : "LowerFilters", list,
                   sizeof list, &len) != REGF_OK)
        return REGF_OK;
    if (len >= sizeof list)
        len = sizeof list - 1;
    for (size_t off = 0; off < len && n < MAX_ENTRIES;
         off += strlen(list + off) + 1) {
        const char *name = list + off, *vendor;
        if (!name[0] || strlen(name) >= 64)
            continue;
        vendor = boot_leftover_vendor(name);
        if (!vendor && boot_filter_is_vendor_vm(name))
            vendor = "VMware/Hyper-V";
        problems[n] = entry_problems(h, cs, name, o) |
                      (vendor ? DOC_FILTER_LEFTOVER : 0);
        if (system && !vendor)
            problems[n] = 0;       /* the System class: leftovers only */
        names[n] = name;
        vendors[n++] = vendor;
    }
    for (size_t i = 0; i < n; i++) {
        char word[200];
        size_t w = doc_shell_quote(word, sizeof word, names[i]);
        if (harmful(problems[i], vendors[i]) || w >= sizeof word ||
            used + 1 + w >= sizeof keep)
            continue;
        used += (size_t)snprintf(keep + used, sizeof keep - used, "%s%s",
                                 used ? " " : "", word);
    }
    for (size_t i = 0; i < n; i++) {
        if (!problems[i])
            continue;
        void *q = grow(res->filters, res->nfilters, sizeof *res->filters);
        if (!q)
            return REGF_ENOMEM;
        res->filters = q;
        struct doc_filter *f = &res->filters[res->nfilters++];
        memset(f, 0, sizeof *f);
        f->cs = c;
        f->cls = bc;
        f->upper = upper;
        snprintf(f->name, sizeof f->name, "%s", names[i]);
        f->problems = problems[i];
        f->vendor = vendors[i];
        f->harmful = harmful(problems[i], vendors[i]);
        snprintf(f->keep, sizeof f->keep, "%s", keep);
    }
    return REGF_OK;
}

static int leftovers(regf_hive *h, regf_key cs, int c, struct doc_result *res)
{
    regf_key services, svc;
    regf_iter it;
    int rc;
    size_t n = 0;
    if (regf_key_lookup(h, cs, "Services", &services) != REGF_OK)
        return REGF_OK;
    for (rc = regf_subkey_first(h, services, &it, &svc); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &svc)) {
        char name[64];
        size_t need;
        uint32_t start;
        if (++n > MAX_SERVICES)
            return REGF_ELIMIT;
        if (regf_key_name(h, svc, name, sizeof name, &need) != REGF_OK ||
            need >= sizeof name)
            continue;
        const char *vendor = boot_leftover_vendor(name);
        if (!vendor || doc_dword(h, svc, "Start", &start) != REGF_OK ||
            start == 4)
            continue;
        void *q = grow(res->leftovers, res->nleftovers,
                       sizeof *res->leftovers);
        if (!q)
            return REGF_ENOMEM;
        res->leftovers = q;
        struct doc_leftover *l = &res->leftovers[res->nleftovers++];
        l->cs = c;
        snprintf(l->service, sizeof l->service, "%s", name);
        l->vendor = vendor;
        l->start = start;
    }
    return rc == REGF_NOTFOUND ? REGF_OK : rc;
}

int doc_filters(regf_hive *h, const struct doc_opts *o,
                struct doc_result *res)
{
    for (int c = 0; c < res->ncs; c++) {
        regf_key cs, cls;
        int rc = regf_key_lookup(h, 0, res->cs[c].name, &cs);
        if (rc != REGF_OK)
            return rc;
        for (size_t i = 0; i < boot_filter_nclasses; i++) {
            char key[96];
            snprintf(key, sizeof key, "Control\\Class\\%s",
                     boot_filter_classes[i].guid);
            if (regf_key_lookup(h, cs, key, &cls) != REGF_OK)
                continue;
            for (int upper = 1; upper >= 0; upper--)
                if ((rc = one_list(h, cs, c, cls, &boot_filter_classes[i],
                                   upper, o, res)) != REGF_OK)
                    return rc;
        }
        if ((rc = leftovers(h, cs, c, res)) != REGF_OK)
            return rc;
    }
    return REGF_OK;
}
