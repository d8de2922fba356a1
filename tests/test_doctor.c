/* test_doctor.c - the boot diagnosis of src/inject/doctor*.c.
 *
 * Core group: small SYSTEM/SOFTWARE hives built here key by key, one rule
 * each, with the expected outcome written down by hand: the loader order
 * of a hand-made ServiceGroupOrder/GroupOrderList, binding through
 * DriverDatabase (ranks, staged packages, less specific ids) and through
 * CriticalDeviceDatabase, each service fault, each filter fault, the
 * SOFTWARE warnings, the binary check through the find callback, several
 * control sets.
 *
 * Corpus group: the real SYSTEM hives (Windows 7, 8.1, 10 1709, 1903,
 * 20H2): the verdict for every target before injection, against what the
 * hives hold (docs/doctor.md §8 lists how each expectation was read off
 * with `hivekit get`), the number of boot services StartOverride demotes
 * (42, 44, 44, 47: the counts of boot-readiness research, found
 * independently), virtio-blk and virtio-scsi booting after hivekit's own
 * injection, and the first entries of the 20H2 hive's load order worked
 * out by hand from its ServiceGroupOrder and GroupOrderList. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"
#include "inject.h"
#include "pe.h"
#include "testutil.h"

#define CS "ControlSet001\\"
#define SVC CS "Services\\"
#define DDB "DriverDatabase\\"
#define HW1 "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"
#define HW2 "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01"
#define DISKDRIVE CS "Control\\Class\\{4D36E967-E325-11CE-BFC1-08002BE10318}"
#define VOLUME CS "Control\\Class\\{71A27CDD-812A-11D0-BEC7-08002BE2092F}"
#define HDC CS "Control\\Class\\{4D36E96A-E325-11CE-BFC1-08002BE10318}"
#define SYSCLASS CS "Control\\Class\\{4D36E97D-E325-11CE-BFC1-08002BE10318}"

/* ---- building hives ------------------------------------------------------ */

static regf_key mk(regf_hive *h, const char *path)
{
    regf_key k;
    assert_int_equal(regf_key_create_path(h, 0, path, &k), REGF_OK);
    return k;
}

static void setd(regf_hive *h, const char *path, const char *name,
                 uint32_t v)
{
    assert_int_equal(regf_value_set_dword(h, mk(h, path), name, strlen(name),
                                          REGF_DWORD, v), REGF_OK);
}

/* A string value; for REG_MULTI_SZ, S holds the strings separated by '|'. */
static void sets(regf_hive *h, const char *path, const char *name,
                 uint32_t type, const char *s)
{
    char buf[512];
    size_t n = strlen(s);
    assert_true(n + 2 < sizeof buf);
    memcpy(buf, s, n + 1);
    if (type == REGF_MULTI_SZ) {
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '|')
                buf[i] = '\0';
        buf[n++] = '\0';
    }
    assert_int_equal(regf_value_set_string(h, mk(h, path), name, strlen(name),
                                           type, buf, n), REGF_OK);
}

static void setb(regf_hive *h, const char *path, const char *name,
                 const uint8_t *p, size_t n)
{
    assert_int_equal(regf_value_set(h, mk(h, path), name, strlen(name),
                                    REGF_BINARY, p, n), REGF_OK);
}

static void rmkey(regf_hive *h, const char *path)
{
    regf_key k;
    assert_int_equal(regf_key_lookup(h, 0, path, &k), REGF_OK);
    assert_int_equal(regf_key_delete(h, k), REGF_OK);
}

/* A boot-start kernel driver service. */
static void service(regf_hive *h, const char *name, uint32_t start)
{
    char key[128];
    snprintf(key, sizeof key, SVC "%s", name);
    setd(h, key, "Type", 1);
    setd(h, key, "Start", start);
}

/* SYSTEM of a Windows 10 guest (a DriverDatabase) or of Windows 7 (none),
 * with one control set and the defaults of the filter classes. */
static regf_hive *new_system(int ddb)
{
    regf_hive *h = NULL;
    assert_int_equal(regf_create("SYSTEM", 5, &h), REGF_OK);
    setd(h, "Select", "Current", 1);
    setd(h, "Select", "Default", 1);
    setd(h, "Select", "LastKnownGood", 1);
    sets(h, CS "Control\\Session Manager\\Environment",
         "PROCESSOR_ARCHITECTURE", REGF_SZ, "AMD64");
    sets(h, CS "Control\\ServiceGroupOrder", "List", REGF_MULTI_SZ,
         "Boot Bus Extender|SCSI miniport|Filter");
    if (ddb)
        setd(h, "DriverDatabase", "Version", 0x0A000000);
    service(h, "partmgr", 0);
    sets(h, DISKDRIVE, "UpperFilters", REGF_MULTI_SZ, "partmgr");
    return h;
}

/* viostor's package for ids HW1 and HW2 as inject writes it (rank 01 ff),
 * under INF and LABEL, with or without its configuration. */
static void package(regf_hive *h, const char *inf, const char *label,
                    const char *svc, const char *id, uint8_t pos,
                    uint8_t score, int configured)
{
    char key[512];
    uint8_t rank[4] = { pos, score, 0, 0 };
    snprintf(key, sizeof key, DDB "DeviceIds\\%s", id);
    setb(h, key, inf, rank, 4);
    snprintf(key, sizeof key, DDB "DriverInfFiles\\%s", inf);
    sets(h, key, "", REGF_MULTI_SZ, label);
    sets(h, key, "Active", REGF_SZ, label);
    snprintf(key, sizeof key, DDB "DriverPackages\\%s", label);
    sets(h, key, "", REGF_SZ, inf);
    if (!configured)
        return;
    snprintf(key, sizeof key, DDB "DriverPackages\\%s\\Descriptors\\%s",
             label, id);
    sets(h, key, "Configuration", REGF_SZ, "inst");
    snprintf(key, sizeof key, DDB "DriverPackages\\%s\\Configurations\\inst",
             label);
    sets(h, key, "Service", REGF_SZ, svc);
}

static void viostor(regf_hive *h)
{
    package(h, "viostor.inf", "viostor.inf_amd64_1", "viostor", HW1, 1, 0xFF,
            1);
    package(h, "viostor.inf", "viostor.inf_amd64_1", "viostor", HW2, 1, 0xFF,
            1);
    service(h, "viostor", 0);
}

/* ---- running ------------------------------------------------------------- */

static struct doc_result *run(regf_hive *sys, regf_hive *sw, unsigned targets,
                              const struct doc_opts *with)
{
    struct doc_opts o;
    struct doc_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    if (with)
        o = *with;
    else
        memset(&o, 0, sizeof o);
    o.targets = targets;
    int rc = doc_run(sys, sw, &o, r);
    if (rc != REGF_OK)
        print_error("doc_run: %d %s\n", rc, r->err);
    assert_int_equal(rc, REGF_OK);
    return r;
}

static void done(struct doc_result *r)
{
    doc_free(r);
    free(r);
}

#define T(x) (1u << BOOT_TARGET_##x)

/* The reason of CODE among RS, or NULL. */
static const struct doc_reason *reason(const struct doc_reasons *rs,
                                       const char *code)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].code, code) == 0)
            return &rs->r[i];
    return NULL;
}

static const struct doc_reason *treason(const struct doc_result *r,
                                        enum boot_target t, const char *code)
{
    return reason(&r->targets[t].reasons, code);
}

/* Target T does not boot, and every fatal reason is of CODE (one per
 * device variant or control set at most); the first one's text holds
 * WANT. */
static void only_fatal(const struct doc_result *r, enum boot_target t,
                       const char *code, const char *want)
{
    const struct doc_target *tg = &r->targets[t];
    size_t other = 0;
    for (size_t i = 0; i < tg->reasons.n; i++)
        if (tg->reasons.r[i].severity == DOC_FATAL &&
            strcmp(tg->reasons.r[i].code, code) != 0) {
            other++;
            print_error("unexpected: %s %s\n", tg->reasons.r[i].code,
                        tg->reasons.r[i].text);
        }
    const struct doc_reason *x = NULL;
    for (size_t i = 0; i < tg->reasons.n && !x; i++)
        if (tg->reasons.r[i].severity == DOC_FATAL &&
            strcmp(tg->reasons.r[i].code, code) == 0)
            x = &tg->reasons.r[i];
    assert_non_null(x);
    if (!strstr(x->text, want))
        print_error("'%s' not in '%s'\n", want, x->text);
    assert_non_null(strstr(x->text, want));
    assert_int_equal(other, 0);
    assert_false(tg->boots);
}

/* ---- the loader order ------------------------------------------------------ */

/* ServiceGroupOrder: Boot Bus Extender, SCSI miniport, Filter. The tag
 * vector of SCSI miniport: 3 tags 5, 2, 9. By hand:
 *   e  Boot Bus Extender                  first group
 *   b  SCSI miniport tag 5                vector position 0
 *   a  SCSI miniport tag 2                vector position 1
 *   k  "scsi MINIPORT" tag 9              position 2 (group names: any case)
 *   c  SCSI miniport tag 7                a tag not in the vector
 *   d  SCSI miniport, no tag              last of the group
 *   f  "Unknown group" (file system)      a group the list does not name
 *   g  no group                           last
 * Not listed: h (Start 3), i (Type 16, a service process), j (demoted by
 * StartOverride\0 = 3: the separate list). */
static void test_order(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    static const uint8_t vec[] = { 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0,
                                   9, 0, 0, 0 };
    setb(h, CS "Control\\GroupOrderList", "SCSI miniport", vec, sizeof vec);
    rmkey(h, SVC "partmgr");
    static const struct {
        const char *name, *group;
        uint32_t type, start, tag;   /* tag 0: none */
    } s[] = {
        { "a", "SCSI miniport", 1, 0, 2 }, { "b", "SCSI miniport", 1, 0, 5 },
        { "c", "SCSI miniport", 1, 0, 7 }, { "d", "SCSI miniport", 1, 0, 0 },
        { "e", "Boot Bus Extender", 1, 0, 0 },
        { "f", "Unknown group", 2, 0, 0 }, { "g", NULL, 1, 0, 0 },
        { "h", "SCSI miniport", 1, 3, 1 }, { "i", NULL, 16, 0, 0 },
        { "j", "Filter", 1, 0, 0 }, { "k", "scsi MINIPORT", 1, 0, 9 },
    };
    for (size_t i = 0; i < sizeof s / sizeof *s; i++) {
        char key[64];
        snprintf(key, sizeof key, SVC "%s", s[i].name);
        setd(h, key, "Type", s[i].type);
        setd(h, key, "Start", s[i].start);
        if (s[i].group)
            sets(h, key, "Group", REGF_SZ, s[i].group);
        if (s[i].tag)
            setd(h, key, "Tag", s[i].tag);
    }
    setd(h, SVC "j\\StartOverride", "0", 3);
    sets(h, SVC "a", "ImagePath", REGF_EXPAND_SZ,
         "\\SystemRoot\\System32\\drivers\\a_file.sys");
    struct doc_result *r = run(h, NULL, 0, NULL);
    const struct doc_controlset *cs = &r->cs[0];
    static const char *const want = "e b a k c d f g";
    char got[128] = "";
    for (size_t i = 0; i < cs->nboot; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
                 i ? " " : "", cs->boot[i].service);
    assert_string_equal(got, want);
    assert_true(cs->order_known);
    assert_int_equal(cs->ndemoted, 1);
    assert_string_equal(cs->demoted[0], "j");
    assert_string_equal(cs->boot[2].image,
                        "\\SystemRoot\\System32\\drivers\\a_file.sys");
    assert_string_equal(cs->boot[0].image, "System32\\drivers\\e.sys");
    assert_int_equal(cs->boot[2].tag_pos, 1);
    assert_int_equal(cs->boot[4].tag_pos, -1);
    assert_true(cs->boot[4].has_tag);
    assert_false(cs->boot[5].has_tag);
    assert_string_equal(r->cs[0].select, "Current, Default, LastKnownGood");
    done(r);
    regf_close(h);
}

/* ---- binding --------------------------------------------------------------- */

static void test_no_driver(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK) | T(VIRTIO_SCSI), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "no-driver", "1AF4:1001");
    assert_non_null(strstr(treason(r, BOOT_TARGET_VIRTIO_BLK,
                                   "no-driver")->fix, "--driver viostor"));
    assert_non_null(strstr(treason(r, BOOT_TARGET_VIRTIO_SCSI,
                                   "no-driver")->fix, "--driver vioscsi"));
    assert_int_equal(r->targets[BOOT_TARGET_VIRTIO_BLK].dev[0][0].via,
                     DOC_VIA_NONE);
    assert_false(doc_target_done(r, BOOT_TARGET_SATA));
    done(r);
    regf_close(h);
}

static void test_ddb_boots(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    viostor(h);
    setd(h, SVC "viostor\\Parameters", "BusType", 1);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    const struct doc_target *t = &r->targets[BOOT_TARGET_VIRTIO_BLK];
    assert_true(t->boots);
    assert_int_equal(t->reasons.n, 0);
    for (int v = 0; v < 2; v++) {
        const struct doc_device *d = &t->dev[0][v];
        assert_int_equal(d->via, DOC_VIA_DRIVERDB);
        assert_string_equal(d->matched, v ? HW2 : HW1);
        assert_string_equal(d->inf, "viostor.inf");
        assert_string_equal(d->package, "viostor.inf_amd64_1");
        assert_string_equal(d->config, "inst");
        assert_string_equal(d->svc.name, "viostor");
        assert_true(d->svc.exists && d->svc.has_bustype);
        assert_int_equal(d->svc.bustype, 1);
        assert_int_equal(d->svc.bin, DOC_BIN_NOT_CHECKED);
        assert_string_equal(d->svc.image, "System32\\drivers\\viostor.sys");
        assert_true(d->svc.image_default);
    }
    assert_int_equal(r->general.n, 0);
    done(r);
    regf_close(h);
}

/* Two INFs for one id: the lower rank (position, then FeatureScore) wins;
 * a better-ranked staged package does not bind at all. */
static void test_ddb_rank(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    package(h, "a.inf", "a.inf_amd64_1", "svca", HW1, 2, 0xFF, 1);
    package(h, "b.inf", "b.inf_amd64_1", "svcb", HW1, 1, 0xFE, 1);
    package(h, "c.inf", "c.inf_amd64_1", "svcc", HW1, 1, 0x00, 0);
    service(h, "svca", 0);
    service(h, "svcb", 0);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    const struct doc_device *d = &r->targets[BOOT_TARGET_VIRTIO_BLK].dev[0][0];
    assert_string_equal(d->svc.name, "svcb");
    assert_int_equal(d->rank[0], 1);
    assert_int_equal(d->rank[1], 0xFE);
    assert_string_equal(d->staged, "");
    done(r);
    regf_close(h);
}

/* Only a compatible id has a package: it binds through that id. */
static void test_ddb_compatible(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    package(h, "gen.inf", "gen.inf_amd64_1", "gen", "PCI\\CC_0100", 3, 0xFF,
            1);
    service(h, "gen", 0);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    const struct doc_target *t = &r->targets[BOOT_TARGET_VIRTIO_BLK];
    assert_string_equal(t->dev[0][0].matched, "PCI\\CC_0100");
    assert_string_equal(t->dev[0][1].matched, "PCI\\CC_0100");
    assert_true(t->boots);
    done(r);
    regf_close(h);
}

static void test_staged_only(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    package(h, "viostor.inf", "viostor.inf_amd64_9", "viostor", HW1, 1, 0xFF,
            0);
    package(h, "viostor.inf", "viostor.inf_amd64_9", "viostor", HW2, 1, 0xFF,
            0);
    service(h, "viostor", 0);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "staged-only",
               "viostor.inf_amd64_9");
    done(r);
    regf_close(h);
}

static void test_service_faults(void **state)
{
    (void)state;
    /* demoted */
    regf_hive *h = new_system(1);
    viostor(h);
    setd(h, SVC "viostor\\StartOverride", "0", 3);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "demoted", "StartOverride");
    assert_string_equal(treason(r, BOOT_TARGET_VIRTIO_BLK, "demoted")->fix,
                        "hivekit rm SYSTEM "
                        "'ControlSet001\\Services\\viostor\\StartOverride'");
    done(r);
    /* StartOverride\0 = 0 demotes nothing */
    setd(h, SVC "viostor\\StartOverride", "0", 0);
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    assert_true(r->targets[BOOT_TARGET_VIRTIO_BLK].boots);
    done(r);
    /* not boot-start */
    setd(h, SVC "viostor", "Start", 3);
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "not-boot-start", "Start is 3");
    assert_string_equal(treason(r, BOOT_TARGET_VIRTIO_BLK,
                                "not-boot-start")->fix,
                        "hivekit set SYSTEM 'ControlSet001\\Services\\"
                        "viostor' Start dword 0");
    done(r);
    /* not a kernel driver */
    setd(h, SVC "viostor", "Start", 0);
    setd(h, SVC "viostor", "Type", 16);
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "service-type", "Type is 16");
    done(r);
    /* the service is gone */
    rmkey(h, SVC "viostor");
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "service-missing", "viostor");
    done(r);
    regf_close(h);
}

/* Windows 7: CriticalDeviceDatabase, key names with '#' and any case,
 * the less specific ids too. */
static void test_cdd(void **state)
{
    (void)state;
    regf_hive *h = new_system(0);
    service(h, "viostor", 0);
    sets(h, CS "Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001",
         "Service", REGF_SZ, "viostor");
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    const struct doc_target *t = &r->targets[BOOT_TARGET_VIRTIO_BLK];
    assert_int_equal(t->dev[0][0].via, DOC_VIA_CDD);
    assert_string_equal(t->dev[0][0].matched, "PCI\\VEN_1AF4&DEV_1001");
    assert_int_equal(t->dev[0][1].via, DOC_VIA_NONE);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "no-driver", "1AF4:1042");
    assert_non_null(strstr(treason(r, BOOT_TARGET_VIRTIO_BLK,
                                   "no-driver")->text,
                           "CriticalDeviceDatabase"));
    done(r);
    sets(h, CS "Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1042"
         "&SUBSYS_11001AF4&REV_01", "Service", REGF_SZ, "viostor");
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    assert_true(r->targets[BOOT_TARGET_VIRTIO_BLK].boots);
    done(r);
    regf_close(h);
}

/* Select names two control sets; only the second is broken. */
static void test_two_controlsets(void **state)
{
    (void)state;
    regf_hive *h = new_system(0);
    setd(h, "Select", "LastKnownGood", 2);
    service(h, "viostor", 0);
    sets(h, CS "Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1001",
         "Service", REGF_SZ, "viostor");
    sets(h, CS "Control\\CriticalDeviceDatabase\\pci#ven_1af4&dev_1042",
         "Service", REGF_SZ, "viostor");
    sets(h, "ControlSet002\\Control\\CriticalDeviceDatabase\\pci#ven_1af4"
         "&dev_1001", "Service", REGF_SZ, "viostor");
    sets(h, "ControlSet002\\Control\\CriticalDeviceDatabase\\pci#ven_1af4"
         "&dev_1042", "Service", REGF_SZ, "viostor");
    setd(h, "ControlSet002\\Services\\viostor", "Type", 1);
    setd(h, "ControlSet002\\Services\\viostor", "Start", 3);
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), NULL);
    assert_int_equal(r->ncs, 2);
    assert_string_equal(r->cs[1].name, "ControlSet002");
    assert_string_equal(r->cs[1].select, "LastKnownGood");
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "not-boot-start",
               "ControlSet002\\Services\\viostor");
    done(r);
    regf_close(h);
}

/* ---- filters ----------------------------------------------------------------- */

static void test_filters(void **state)
{
    (void)state;
    regf_hive *h = new_system(1);
    viostor(h);
    /* a filter whose service is missing, on DiskDrive: fatal everywhere;
     * the fix keeps partmgr */
    sets(h, DISKDRIVE, "UpperFilters", REGF_MULTI_SZ, "partmgr|ghost");
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK) | T(SATA), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "stale-filter", "ghost");
    assert_string_equal(treason(r, BOOT_TARGET_VIRTIO_BLK,
                                "stale-filter")->fix,
                        "hivekit inject --system SYSTEM --fix-filters (by "
                        "hand: set the list to 'partmgr')");
    assert_int_equal(r->nfilters, 1);
    assert_true(r->filters[0].problems & DOC_FILTER_MISSING);
    done(r);
    /* disabled, on HDC: fatal for sata, a warning for virtio-blk */
    sets(h, DISKDRIVE, "UpperFilters", REGF_MULTI_SZ, "partmgr");
    sets(h, HDC, "LowerFilters", REGF_MULTI_SZ, "oldfilt");
    service(h, "oldfilt", 4);
    r = run(h, NULL, T(VIRTIO_BLK) | T(SATA), NULL);
    assert_true(r->targets[BOOT_TARGET_VIRTIO_BLK].boots);
    const struct doc_reason *w = treason(r, BOOT_TARGET_VIRTIO_BLK,
                                         "stale-filter");
    assert_non_null(w);
    assert_int_equal(w->severity, DOC_WARN);
    assert_string_equal(treason(r, BOOT_TARGET_SATA, "stale-filter")->fix,
                        "hivekit inject --system SYSTEM --fix-filters (by "
                        "hand: delete the value LowerFilters)");
    assert_int_equal(treason(r, BOOT_TARGET_SATA, "stale-filter")->severity,
                     DOC_FATAL);
    done(r);
    /* Parallels' filter on Volume with its service present: fatal; Xen's
     * on System: a warning; a missing non-vendor one on System: not
     * reported; a VMware filter that works: a warning */
    rmkey(h, HDC);
    sets(h, VOLUME, "UpperFilters", REGF_MULTI_SZ, "prl_strg");
    service(h, "prl_strg", 0);
    sets(h, SYSCLASS, "UpperFilters", REGF_MULTI_SZ, "xenfilt|nothere");
    service(h, "xenfilt", 3);
    sets(h, DISKDRIVE, "LowerFilters", REGF_MULTI_SZ, "vmdiskfilt");
    service(h, "vmdiskfilt", 0);
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "leftover-filter", "prl_strg");
    assert_int_equal(r->nfilters, 3);
    size_t warns = 0;
    const struct doc_reasons *rs = &r->targets[BOOT_TARGET_VIRTIO_BLK].reasons;
    for (size_t i = 0; i < rs->n; i++)
        warns += rs->r[i].severity == DOC_WARN;
    assert_int_equal(warns, 2);
    /* prl_strg is a leftover service, not disabled: a general warning */
    assert_non_null(reason(&r->general, "leftover-service"));
    done(r);
    regf_close(h);
}

/* ---- SOFTWARE ------------------------------------------------------------------ */

static void test_software(void **state)
{
    (void)state;
    regf_hive *h = new_system(0), *sw = NULL;
    assert_int_equal(regf_create("SOFTWARE", 5, &sw), REGF_OK);
    sets(sw, "Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion",
         REGF_SZ, "6.1");
    sets(sw, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuildNumber",
         REGF_SZ, "7601");
    mk(sw, "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\"
           "Packages\\Package_for_KB2000000~31bf3856ad364e35~amd64~~6.1.1.0");
    struct doc_result *r = run(h, sw, T(VIRTIO_BLK), NULL);
    assert_non_null(reason(&r->general, "no-sha2"));
    assert_null(reason(&r->general, "install-restrictions"));
    assert_null(reason(&r->general, "bitlocker"));
    done(r);
    /* without SOFTWARE: not checked */
    r = run(h, NULL, T(VIRTIO_BLK), NULL);
    assert_null(reason(&r->general, "no-sha2"));
    done(r);
    mk(sw, "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\"
           "Packages\\Package_for_KB4474419~31bf3856ad364e35~amd64~~6.1.3.2");
    setd(sw, "Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions",
         "DenyDeviceClasses", 1);
    setd(sw, "Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions",
         "DenyRemovableDevices", 0);
    mk(sw, "Policies\\Microsoft\\FVE");
    r = run(h, sw, T(VIRTIO_BLK), NULL);
    assert_null(reason(&r->general, "no-sha2"));
    const struct doc_reason *x = reason(&r->general, "install-restrictions");
    assert_non_null(x);
    assert_non_null(strstr(x->text, "(DenyDeviceClasses)"));
    assert_non_null(reason(&r->general, "bitlocker"));
    done(r);
    regf_close(sw);
    regf_close(h);
}

/* ---- binaries (--root) ----------------------------------------------------------- */

static char root_dir[256];

static int find_file(void *ctx, const char *rel, uint16_t machine,
                     char *shown, size_t n, int *pe, char *err, size_t errn)
{
    struct stat st;
    snprintf(shown, n, "%s/Windows/%s", (const char *)ctx, rel);
    if (stat(shown, &st) != 0)
        return -1;
    *pe = pe_check_file(shown, machine, NULL, err, errn);
    return 0;
}

static void test_binary(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("doctor");
    snprintf(root_dir, sizeof root_dir, "%s", dir);
    char path[512];
    snprintf(path, sizeof path, "%s/Windows", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/Windows/System32", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/Windows/System32/drivers", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    char *pe = tu_fixture("pe/amd64-signed.sys");
    snprintf(path, sizeof path, "%s/Windows/System32/drivers/partmgr.sys",
             dir);
    tu_copy_file(pe, path);
    free(pe);
    regf_hive *h = new_system(1);
    viostor(h);
    struct doc_opts o = { 0, find_file, root_dir, 0 };
    struct doc_result *r = run(h, NULL, T(VIRTIO_BLK), &o);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "binary-missing", "viostor.sys");
    assert_int_equal(r->targets[BOOT_TARGET_VIRTIO_BLK].dev[0][0].svc.bin,
                     DOC_BIN_MISSING);
    done(r);
    pe = tu_fixture("pe/amd64-unsigned.sys");
    snprintf(path, sizeof path, "%s/Windows/System32/drivers/viostor.sys",
             dir);
    tu_copy_file(pe, path);
    free(pe);
    r = run(h, NULL, T(VIRTIO_BLK), &o);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "binary-bad", "not signed");
    done(r);
    pe = tu_fixture("pe/i386-signed.sys");
    tu_copy_file(pe, path);
    free(pe);
    r = run(h, NULL, T(VIRTIO_BLK), &o);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "binary-bad", "");
    done(r);
    pe = tu_fixture("pe/amd64-signed.sys");
    tu_copy_file(pe, path);
    free(pe);
    r = run(h, NULL, T(VIRTIO_BLK), &o);
    assert_true(r->targets[BOOT_TARGET_VIRTIO_BLK].boots);
    assert_int_equal(r->targets[BOOT_TARGET_VIRTIO_BLK].dev[0][0].svc.bin,
                     DOC_BIN_OK);
    done(r);
    /* a filter whose binary is missing: stale */
    sets(h, DISKDRIVE, "LowerFilters", REGF_MULTI_SZ, "nobin");
    service(h, "nobin", 0);
    r = run(h, NULL, T(VIRTIO_BLK), &o);
    only_fatal(r, BOOT_TARGET_VIRTIO_BLK, "stale-filter", "binary is missing");
    done(r);
    regf_close(h);
    tu_rm_dir(dir);
}

static void test_not_system(void **state)
{
    (void)state;
    regf_hive *h = NULL;
    assert_int_equal(regf_create("X", 5, &h), REGF_OK);
    struct doc_opts o = { T(VIRTIO_BLK), NULL, NULL, 0 };
    struct doc_result r;
    assert_int_equal(doc_run(h, NULL, &o, &r), REGF_EINVAL);
    assert_non_null(strstr(r.err, "not a SYSTEM hive"));
    doc_free(&r);
    regf_close(h);
}

/* ---- the real hives ---------------------------------------------------------------- */

struct real {
    const char *rel;
    int ndemoted;                   /* boot services StartOverride demotes */
    const char *verdicts;           /* blk scsi sata nvme ide: B boots, N not */
    const char *why[BOOT_TARGET_COUNT]; /* the fatal code of each N */
};

/* How each expectation was read off the hives (hivekit get/ls, docs/
 * doctor.md §8): Windows 7: no DriverDatabase; CriticalDeviceDatabase has
 * pci#cc_010601 -> msahci with Services\msahci Start 3 (Microsoft KB
 * 922976: AHCI must be enabled before the switch), pci#ven_8086&dev_7010
 * -> intelide Start 0, nothing for NVMe. 8.1, 1903: storahci Start 0
 * without StartOverride; stornvme and intelide StartOverride\0 = 3.
 * 1709: storahci demoted too. 20H2: storahci, stornvme, intelide Start 0
 * and not demoted. No virtio id anywhere. */
static const struct real reals[] = {
    { "regipy/regipy_tests/data/SYSTEM.xz", 0, "NNNNB",
      { "no-driver", "no-driver", "not-boot-start", "no-driver", NULL } },
    { "regipy/regipy_tests/data/SYSTEM_2.xz", 42, "NNBNN",
      { "no-driver", "no-driver", NULL, "demoted", "demoted" } },
    { "regipy/regipy_tests/data/SYSTEM_B.xz", 44, "NNNNN",
      { "no-driver", "no-driver", "demoted", "demoted", "demoted" } },
    { "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", 44, "NNBNB",
      { "no-driver", "no-driver", NULL, "demoted", NULL } },
    { "dissect.regf/tests/_data/SYSTEM.xz", 47, "NNBBB",
      { "no-driver", "no-driver", NULL, NULL, NULL } },
};

static regf_hive *open_real(const char *rel, unsigned flags)
{
    char *path = tu_corpus(rel);
    regf_hive *h = NULL;
    /* SYSTEM_B is dirty with its logs: read as recovered, as the command
     * does; the others as they are on disk */
    int rc = regf_open(path, REGF_OPEN_RECOVER | flags, &h);
    if (rc != REGF_OK) {
        regf_close(h);
        rc = regf_open(path, flags, &h);
    }
    free(path);
    assert_int_equal(rc, REGF_OK);
    return h;
}

static void test_real_before_after(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        const struct real *x = &reals[i];
        regf_hive *h = open_real(x->rel, REGF_OPEN_WRITE);
        struct doc_result *r = run(h, NULL, (1u << BOOT_TARGET_COUNT) - 1,
                                   NULL);
        print_message("%s: %zu boot drivers, %zu demoted\n", x->rel,
                      r->cs[0].nboot, r->cs[0].ndemoted);
        assert_int_equal(r->cs[0].ndemoted, x->ndemoted);
        for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
            int want = x->verdicts[t] == 'B';
            if (r->targets[t].boots != want)
                print_error("%s: %s: boots %d, want %d\n", x->rel,
                            boot_targets[t].name, r->targets[t].boots, want);
            assert_int_equal(r->targets[t].boots, want);
            if (!want)
                assert_non_null(treason(r, (enum boot_target)t, x->why[t]));
        }
        done(r);
        /* after hivekit's injection (in memory): virtio boots */
        for (int k = 0; k < 2; k++) {
            struct inj_driver d;
            struct inj_plan p;
            memset(&p, 0, sizeof p);
            assert_int_equal(inj_profile(k ? "vioscsi" : "viostor",
                                         i == 0 ? "x86" : "amd64", &d),
                             REGF_OK);
            assert_int_equal(inj_plan_system(h, &d, &p), REGF_OK);
            assert_int_equal(inj_apply(h, &p), REGF_OK);
            inj_plan_free(&p);
        }
        r = run(h, NULL, T(VIRTIO_BLK) | T(VIRTIO_SCSI), NULL);
        assert_true(r->targets[BOOT_TARGET_VIRTIO_BLK].boots);
        assert_true(r->targets[BOOT_TARGET_VIRTIO_SCSI].boots);
        /* viostor is boot-start now: in the load order, in SCSI miniport */
        int found = 0;
        for (size_t b = 0; b < r->cs[0].nboot; b++)
            if (strcmp(r->cs[0].boot[b].service, "viostor") == 0)
                found = strcmp(r->cs[0].boot[b].group, "SCSI miniport") == 0;
        assert_true(found);
        done(r);
        regf_close(h);
    }
}

/* The 20H2 hive's load order, by hand: ServiceGroupOrder\List starts
 * System Reserved, EMS, WdfLoadGroup, Boot Bus Extender, System Bus
 * Extender, SCSI miniport. The boot-start (Start 0, Type 1/2, no
 * StartOverride) services of those groups, read with `hivekit ls`:
 *   System Reserved: pcw (no tag); EMS: none; WdfLoadGroup: Wdf01000;
 *   Boot Bus Extender, vector 07 01 02 03 04 05: acpiex tag 7, msisadrv 2,
 *     pci 3, vdrvroot 4, then partmgr and pdc without tags (by name);
 *   System Bus Extender, vector 07 03 04 01 0f 08 09 0a 0b 0c 0d 0e 02 05
 *     11: spaceport 8, intelide 9 and volmgr 9 (by name), volmgrx 10,
 *     vsock 17 (0x11), then vmci (tag 16, not in the vector), then
 *     mountmgr (no tag);
 *   SCSI miniport: atapi 30, storahci 31, stornvme 32 (in vector order). */
static void test_real_order(void **state)
{
    (void)state;
    static const char *const want[] = {
        "pcw", "Wdf01000", "acpiex", "msisadrv", "pci", "vdrvroot",
        "partmgr", "pdc", "spaceport", "intelide", "volmgr", "volmgrx",
        "vsock", "vmci", "mountmgr", "atapi", "storahci", "stornvme",
    };
    regf_hive *h = open_real("dissect.regf/tests/_data/SYSTEM.xz", 0);
    struct doc_result *r = run(h, NULL, 0, NULL);
    assert_true(r->cs[0].nboot >= sizeof want / sizeof *want);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_string_equal(r->cs[0].boot[i].service, want[i]);
    done(r);
    regf_close(h);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_no_driver),
        cmocka_unit_test(test_ddb_boots),
        cmocka_unit_test(test_ddb_rank),
        cmocka_unit_test(test_ddb_compatible),
        cmocka_unit_test(test_staged_only),
        cmocka_unit_test(test_service_faults),
        cmocka_unit_test(test_cdd),
        cmocka_unit_test(test_two_controlsets),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_software),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_not_system),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_real_before_after),
        cmocka_unit_test(test_real_order),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
