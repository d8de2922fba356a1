/* doctor_order.c - the boot-start driver list as the Windows loader
 * builds it from one control set (docs/doctor.md §2).
 *
 * The loader takes every Services\<name> with Start 0 and Type 1 (kernel
 * driver) or 2 (file system driver); on Windows 8 and later a
 * StartOverride value other than 0 replaces Start, so such a service is
 * not loaded at all (listed apart as "demoted"). The list is ordered:
 *   1. by the position of the service's Group in
 *      Control\ServiceGroupOrder\List (REG_MULTI_SZ);
 *   2. within a group by its Tag's position in the tag vector
 *      Control\GroupOrderList\<group> (REG_BINARY: a DWORD count, then
 *      that many DWORD tags); a tag not in the vector comes after those,
 *      a service without a Tag last;
 *   3. services of equal rank in the order the Services key stores them
 *      (sorted by name);
 *   then services whose group the list does not name, group by group, and
 *   last those without a group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "doctor_int.h"
#include "bytes.h"

#define MAX_GROUPS 256
#define MAX_TAGS 1024
#define MAX_SERVICES 65536       /* bound on a hostile Services key */

#define RANK_NOT_IN_VECTOR 0x7FFFFFFE
#define RANK_NO_TAG 0x7FFFFFFF

struct item {
    struct doc_boot b;
    size_t index;                /* stored order */
    long rank;                   /* tag rank */
};

/* The tag vector of GROUP: its position of TAG, or -1. */
static int tag_position(regf_hive *h, regf_key gol, const char *group,
                        uint32_t tag)
{
    regf_val v;
    uint32_t type;
    size_t need;
    uint8_t buf[4 * (MAX_TAGS + 1)];
    if (!gol || !group[0] || regf_value_lookup(h, gol, group, &v) != REGF_OK ||
        regf_value_data(h, v, &type, buf, sizeof buf, &need) != REGF_OK ||
        type != REGF_BINARY || need < 4)
        return -1;
    size_t have = need < sizeof buf ? need : sizeof buf;
    uint32_t count = rd_le32(buf);
    for (uint32_t i = 0; i < count && 4 + 4 * (size_t)i + 4 <= have; i++) {
        const uint8_t *p = buf + 4 + 4 * (size_t)i;
        uint32_t t = rd_le32(p);
        if (t == tag)
            return (int)i;
    }
    return -1;
}

static int cmp_items(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    int ca = a->b.group_pos >= 0 ? 0 : a->b.group[0] ? 1 : 2;
    int cb = b->b.group_pos >= 0 ? 0 : b->b.group[0] ? 1 : 2;
    if (ca != cb)
        return ca - cb;
    if (ca == 0 && a->b.group_pos != b->b.group_pos)
        return a->b.group_pos - b->b.group_pos;
    if (ca == 1) {
        int c = strcasecmp(a->b.group, b->b.group);
        if (c)
            return c;
    }
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The groups of ServiceGroupOrder\List, '\0'-separated in BUF. */
static size_t read_groups(regf_hive *h, regf_key cs, char *buf, size_t size,
                          const char **groups)
{
    regf_key k;
    size_t len, n = 0;
    if (regf_key_lookup(h, cs, "Control\\ServiceGroupOrder", &k) != REGF_OK ||
        doc_string(h, k, "List", buf, size, &len) != REGF_OK || len >= size)
        return 0;
    for (size_t off = 0; off < len && n < MAX_GROUPS;
         off += strlen(buf + off) + 1)
        groups[n++] = buf + off;
    return n;
}

static int add_demoted(struct doc_controlset *out, const char *name)
{
    if ((out->ndemoted & 63) == 0) {
        void *p = realloc(out->demoted, (out->ndemoted + 64) * 64);
        if (!p)
            return REGF_ENOMEM;
        out->demoted = p;
    }
    snprintf(out->demoted[out->ndemoted++], 64, "%s", name);
    return REGF_OK;
}

int doc_order(regf_hive *h, regf_key cs, struct doc_controlset *out)
{
    char groupbuf[16384];
    const char *groups[MAX_GROUPS];
    size_t ngroups = read_groups(h, cs, groupbuf, sizeof groupbuf, groups);
    regf_key services, gol = 0, svc;
    regf_iter it;
    struct item *items = NULL;
    size_t n = 0, cap = 0, index = 0;
    int rc;

    out->order_known = ngroups > 0;
    if (regf_key_lookup(h, cs, "Control\\GroupOrderList", &gol) != REGF_OK)
        gol = 0;
    rc = regf_key_lookup(h, cs, "Services", &services);
    if (rc != REGF_OK)
        return rc == REGF_NOTFOUND ? REGF_OK : rc;
    for (rc = regf_subkey_first(h, services, &it, &svc); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &svc), index++) {
        uint32_t start, type, ov;
        char name[64];
        if (index >= MAX_SERVICES) {
            rc = REGF_ELIMIT;
            break;
        }
        if (doc_dword(h, svc, "Start", &start) != REGF_OK || start != 0 ||
            doc_dword(h, svc, "Type", &type) != REGF_OK ||
            (type != 1 && type != 2))
            continue;
        if (regf_key_name(h, svc, name, sizeof name, NULL) != REGF_OK)
            continue;
        if (doc_override(h, svc, &ov)) {
            if ((rc = add_demoted(out, name)) != REGF_OK)
                break;
            continue;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            void *p = realloc(items, nc * sizeof *items);
            if (!p) {
                rc = REGF_ENOMEM;
                break;
            }
            items = p;
            cap = nc;
        }
        struct item *t = &items[n++];
        memset(t, 0, sizeof *t);
        t->index = index;
        snprintf(t->b.service, sizeof t->b.service, "%s", name);
        t->b.type = type;
        if (doc_string(h, svc, "Group", t->b.group, sizeof t->b.group,
                       NULL) != REGF_OK)
            t->b.group[0] = '\0';
        if (doc_string(h, svc, "ImagePath", t->b.image, sizeof t->b.image,
                       NULL) != REGF_OK)
            snprintf(t->b.image, sizeof t->b.image,
                     "System32\\drivers\\%s.sys", name);
        t->b.group_pos = -1;
        for (size_t g = 0; g < ngroups && t->b.group[0]; g++)
            if (strcasecmp(groups[g], t->b.group) == 0) {
                t->b.group_pos = (int)g;
                break;
            }
        t->b.has_tag = doc_dword(h, svc, "Tag", &t->b.tag) == REGF_OK;
        t->b.tag_pos = t->b.has_tag ? tag_position(h, gol, t->b.group,
                                                   t->b.tag) : -1;
        t->rank = t->b.tag_pos >= 0 ? t->b.tag_pos
                  : t->b.has_tag    ? RANK_NOT_IN_VECTOR
                                    : RANK_NO_TAG;
    }
    if (rc != REGF_NOTFOUND && rc != REGF_OK) {
        free(items);
        return rc;
    }
    if (n > 1)
        qsort(items, n, sizeof *items, cmp_items);
    out->boot = n ? calloc(n, sizeof *out->boot) : NULL;
    if (n && !out->boot) {
        free(items);
        return REGF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        out->boot[i] = items[i].b;
    out->nboot = n;
    free(items);
    return REGF_OK;
}
