/* test_repair.c - the boot repairs of src/inject/repair.c.
 *
 * Core group: a SYSTEM hive made here with two control sets and seeded
 * faults (filters whose service is missing or disabled, hypervisor
 * leftovers, a list of the wrong type, an in-box controller demoted with
 * StartOverride, AutoReboot 1); each repair must give the values written
 * out by hand below (UTF-16 spelled out here, not through the library's
 * codec), plan nothing the second time, and its undo patch must give back
 * exactly the original content.
 * Corpus group: --fallback storahci,stornvme on the real Windows 8.1 and
 * 10 SYSTEM hives (msahci, iaStorV on Windows 7): Start 0 and no
 * StartOverride in every control set, idempotent, undone exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repair.h"
#include "testutil.h"

/* ---- the seeded hive ---------------------------------------------------------- */

#define DISK "{4D36E967-E325-11CE-BFC1-08002BE10318}"
#define SCSI "{4D36E97B-E325-11CE-BFC1-08002BE10318}"
#define HDC "{4D36E96A-E325-11CE-BFC1-08002BE10318}"
#define VOLUME "{71A27CDD-812A-11D0-BEC7-08002BE2092F}"
#define SYSCLASS "{4D36E97D-E325-11CE-BFC1-08002BE10318}"

/* ASCII names "a|b|c" as REG_MULTI_SZ bytes, by hand: each character a
 * UTF-16LE unit, a NUL unit after each name and one more at the end. */
static size_t multi_sz(const char *names, uint8_t *out)
{
    size_t n = 0;
    for (const char *p = names; *p; p++) {
        if (*p == '|') {
            out[n++] = 0;
            out[n++] = 0;
            continue;
        }
        out[n++] = (uint8_t)*p;
        out[n++] = 0;
    }
    if (*names) {
        out[n++] = 0;
        out[n++] = 0;
    }
    out[n++] = 0;
    out[n++] = 0;
    return n;
}

static void set_list(regf_hive *h, const char *cs, const char *guid,
                     const char *val, const char *names)
{
    char key[200];
    uint8_t data[512];
    size_t n = multi_sz(names, data);
    snprintf(key, sizeof key, "%s\\Control\\Class\\%s", cs, guid);
    assert_int_equal(regf_value_set(h, tu_mkkey(h, key), val, strlen(val),
                                    REGF_MULTI_SZ, data, n), REGF_OK);
}

static void service(regf_hive *h, const char *cs, const char *name,
                    uint32_t start)
{
    char key[200];
    snprintf(key, sizeof key, "%s\\Services\\%s", cs, name);
    tu_set_dword(h, key, "Start", start);
}

/* One control set with the faults of the header. */
static void seed_controlset(regf_hive *h, const char *cs)
{
    char key[200];
    service(h, cs, "partmgr", 0);
    service(h, cs, "EhStorClass", 0);
    service(h, cs, "volsnap", 0);
    service(h, cs, "fvevol", 4);        /* a default, disabled: kept */
    service(h, cs, "rdyboost", 0);      /* iorate: a default, missing: kept */
    service(h, cs, "prl_strg", 0);      /* Parallels */
    service(h, cs, "xenfilt", 0);       /* Xen */
    service(h, cs, "rhelscsi", 3);      /* Red Hat */
    service(h, cs, "vmhgfs", 1);        /* VMware, healthy: kept */
    service(h, cs, "vmoff", 4);         /* VMware, disabled: removed */
    service(h, cs, "oldfilt", 4);       /* disabled */
    service(h, cs, "myfilt", 0);        /* healthy */
    service(h, cs, "storahci", 3);
    snprintf(key, sizeof key, "%s\\Services\\storahci\\StartOverride", cs);
    tu_set_dword(h, key, "0", 3);
    service(h, cs, "stornvme", 0);
    /* ghost and vmdisk have no service. */
    set_list(h, cs, DISK, "UpperFilters", "partmgr|ghost|prl_strg");
    set_list(h, cs, DISK, "LowerFilters", "EhStorClass|vmdisk|oldfilt|vmoff");
    set_list(h, cs, VOLUME, "UpperFilters", "volsnap");
    set_list(h, cs, VOLUME, "LowerFilters", "fvevol|iorate|rdyboost");
    set_list(h, cs, HDC, "LowerFilters", "xenfilt|myfilt");
    set_list(h, cs, SYSCLASS, "UpperFilters", "vmhgfs");
    set_list(h, cs, SYSCLASS, "LowerFilters", "ghost");
    snprintf(key, sizeof key, "%s\\Control\\Class\\%s", cs, SCSI);
    tu_set_sz(h, key, "UpperFilters", "ghost");      /* the wrong type */
    snprintf(key, sizeof key, "%s\\Control\\CrashControl", cs);
    tu_set_dword(h, key, "AutoReboot", 1);
}

/* Select: Current 1, Default 1, LastKnownGood 2. */
static regf_hive *seeded(void)
{
    regf_hive *h = tu_new_hive();
    tu_set_dword(h, "Select", "Current", 1);
    tu_set_dword(h, "Select", "Default", 1);
    tu_set_dword(h, "Select", "LastKnownGood", 2);
    seed_controlset(h, "ControlSet001");
    seed_controlset(h, "ControlSet002");
    regf_set_time(h, 133500000000000000ULL);
    return h;
}

static const char *const sets[] = { "ControlSet001", "ControlSet002" };

/* ---- checks ------------------------------------------------------------------- */

static void list_is(regf_hive *h, const char *cs, const char *guid,
                    const char *val, const char *names)
{
    char key[200];
    uint8_t data[512];
    size_t n = multi_sz(names, data);
    snprintf(key, sizeof key, "%s\\Control\\Class\\%s", cs, guid);
    tu_has_value(h, key, val, REGF_MULTI_SZ, data, n);
}

static int exists(regf_hive *h, const char *key)
{
    regf_key k;
    return regf_key_lookup(h, 0, key, &k) == REGF_OK;
}

static int has_line(const struct inj_repair_report *r, const char *s)
{
    for (size_t i = 0; i < r->nlines; i++)
        if (strcmp(r->lines[i], s) == 0)
            return 1;
    return 0;
}

static void export(regf_hive *h, struct tu_buf *b)
{
    assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write, b), REGF_OK);
}

/* Plans O on H (guest G), applies it; a second plan must be empty; then
 * the undo patch must restore BEFORE exactly, and the plan is applied
 * again so the caller sees the repaired hive. Returns the number of
 * changes; R gets the first plan's report. */
static size_t repair_roundtrip(regf_hive *h, const struct inj_repair_opts *o,
                               const struct inj_guest *g,
                               struct inj_repair_report *r)
{
    struct tu_buf before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
    struct tu_buf undo = { NULL, 0, 0 };
    struct inj_repair_report r2;
    struct inj_plan p;
    export(h, &before);
    memset(&p, 0, sizeof p);
    if (inj_plan_repairs(h, o, g, &p, r) != REGF_OK)
        fail_msg("plan: %s %s", p.err, regf_errmsg(h));
    size_t n = p.n;
    assert_int_equal(inj_plan_reg(&p, "X", 1, tu_buf_write, &undo), REGF_OK);
    assert_int_equal(inj_apply(h, &p), REGF_OK);
    inj_plan_free(&p);
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_repairs(h, o, g, &p, &r2), REGF_OK);
    assert_int_equal(p.n, 0);                      /* idempotent */
    assert_int_equal(r2.nlines, 0);
    inj_plan_free(&p);
    assert_int_equal(regf_import_reg(h, undo.p, undo.len, "X"), REGF_OK);
    export(h, &after);
    if (before.len != after.len || memcmp(before.p, after.p, before.len) != 0)
        fail_msg("the undo patch does not restore the content");
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_repairs(h, o, g, &p, &r2), REGF_OK);
    assert_int_equal(p.n, n);
    assert_int_equal(inj_apply(h, &p), REGF_OK);
    inj_plan_free(&p);
    tu_buf_free(&before);
    tu_buf_free(&after);
    tu_buf_free(&undo);
    return n;
}

/* ---- the repairs -------------------------------------------------------------- */

static void test_fix_filters(void **state)
{
    (void)state;
    regf_hive *h = seeded();
    struct inj_repair_opts o = { .fix_filters = 1 };
    struct inj_repair_report r;
    /* Per control set: DiskDrive Upper and Lower, HDC Lower, System
     * Lower rewritten; Volume and System Upper already fine; SCSIAdapter's
     * REG_SZ left alone. */
    assert_int_equal(repair_roundtrip(h, &o, NULL, &r), 8);
    for (int i = 0; i < 2; i++) {
        const char *cs = sets[i];
        list_is(h, cs, DISK, "UpperFilters", "partmgr");
        list_is(h, cs, DISK, "LowerFilters", "EhStorClass");
        list_is(h, cs, VOLUME, "UpperFilters", "volsnap");
        list_is(h, cs, VOLUME, "LowerFilters", "fvevol|iorate|rdyboost");
        list_is(h, cs, HDC, "LowerFilters", "myfilt");
        list_is(h, cs, SYSCLASS, "UpperFilters", "vmhgfs");
        list_is(h, cs, SYSCLASS, "LowerFilters", "");   /* 00 00: kept */
        char key[200];
        snprintf(key, sizeof key, "%s\\Control\\Class\\%s", cs, SCSI);
        static const uint8_t ghost_sz[] = { 'g', 0, 'h', 0, 'o', 0, 's', 0,
                                            't', 0, 0, 0 };
        tu_has_value(h, key, "UpperFilters", REGF_SZ, ghost_sz,
                     sizeof ghost_sz);
        /* Services are not touched by --fix-filters. */
        snprintf(key, sizeof key, "%s\\Services\\prl_strg", cs);
        tu_has_dword(h, key, "Start", 0);
    }
    /* 7 entries per control set, one line each. */
    assert_int_equal(r.count[INJ_REPAIR_FILTERS], 14);
    assert_int_equal(r.nlines, 14);
    assert_true(has_line(&r, "ControlSet001: DiskDrive UpperFilters: ghost "
                             "removed (no such service)"));
    assert_true(has_line(&r, "ControlSet002: DiskDrive UpperFilters: "
                             "prl_strg removed (Parallels leftover)"));
    assert_true(has_line(&r, "ControlSet001: DiskDrive LowerFilters: oldfilt "
                             "removed (service disabled)"));
    assert_true(has_line(&r, "ControlSet001: DiskDrive LowerFilters: vmoff "
                             "removed (service disabled)"));
    assert_true(has_line(&r, "ControlSet001: HDC LowerFilters: xenfilt "
                             "removed (Xen leftover)"));
    /* The list of the wrong type, once per control set. */
    assert_int_equal(r.nwarnings, 2);
    assert_non_null(strstr(r.warnings[0], "REG_SZ"));
    assert_non_null(strstr(r.warnings[0], "left alone"));
    regf_close(h);
}

static void test_fallback(void **state)
{
    (void)state;
    regf_hive *h = seeded();
    struct inj_repair_opts o = { .fallback = { "storahci", "StorNVMe" },
                                 .nfallback = 2 };
    struct inj_guest g;
    struct inj_repair_report r;
    memset(&g, 0, sizeof g);
    g.major = 10;
    /* storahci: Start and StartOverride, in both sets; stornvme: nothing. */
    assert_int_equal(repair_roundtrip(h, &o, &g, &r), 4);
    for (int i = 0; i < 2; i++) {
        char key[200];
        snprintf(key, sizeof key, "%s\\Services\\storahci", sets[i]);
        tu_has_dword(h, key, "Start", 0);
        strcat(key, "\\StartOverride");
        assert_false(exists(h, key));
        snprintf(key, sizeof key, "%s\\Services\\stornvme", sets[i]);
        tu_has_dword(h, key, "Start", 0);
    }
    assert_int_equal(r.count[INJ_REPAIR_FALLBACK], 2);
    assert_true(has_line(&r, "ControlSet002: storahci (SATA AHCI (Microsoft)) "
                             "boot-start (Start 3 -> 0), StartOverride "
                             "removed"));
    regf_close(h);
}

static void test_fallback_refusals(void **state)
{
    (void)state;
    regf_hive *h = seeded();
    struct inj_guest g;
    struct inj_repair_report r;
    struct inj_plan p;
    memset(&g, 0, sizeof g);
    g.major = 6;
    g.minor = 1;                          /* Windows 7: no storahci */
    struct inj_repair_opts o = { .fallback = { "storahci" }, .nfallback = 1 };
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_repairs(h, &o, &g, &p, &r), REGF_EINVAL);
    assert_non_null(strstr(p.err, "Windows 7 (6.1)"));
    assert_non_null(strstr(p.err, "storahci"));
    assert_int_equal(p.n, 0);
    inj_plan_free(&p);
    /* msahci is Windows 7's, but this hive has no such service. */
    o.fallback[0] = "msahci";
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_repairs(h, &o, &g, &p, &r), REGF_NOTFOUND);
    assert_string_equal(p.err, "msahci: no such service in ControlSet001 "
                               "(Services\\msahci): not a fallback this "
                               "guest has");
    inj_plan_free(&p);
    /* Not a fallback at all. */
    o.fallback[0] = "viostor";
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_repairs(h, &o, &g, &p, &r), REGF_EINVAL);
    inj_plan_free(&p);
    /* An unknown Windows is not checked: storahci is there. */
    g.major = 0;
    o.fallback[0] = "storahci";
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_repairs(h, &o, &g, &p, &r), REGF_OK);
    inj_plan_free(&p);
    /* The table's ranges. */
    assert_true(inj_fallback_in(inj_fallback_find("msahci"), 6, 0));
    assert_true(inj_fallback_in(inj_fallback_find("msahci"), 6, 1));
    assert_false(inj_fallback_in(inj_fallback_find("msahci"), 6, 2));
    assert_false(inj_fallback_in(inj_fallback_find("stornvme"), 6, 2));
    assert_true(inj_fallback_in(inj_fallback_find("stornvme"), 6, 3));
    assert_true(inj_fallback_in(inj_fallback_find("storahci"), 10, 0));
    assert_null(inj_fallback_find("viostor"));
    regf_close(h);
}

static void test_disable_leftovers(void **state)
{
    (void)state;
    regf_hive *h = seeded();
    struct inj_repair_opts o = { .disable_leftovers = 1 };
    struct inj_repair_report r;
    /* Per set: 3 Start values, DiskDrive Upper, HDC Lower. */
    assert_int_equal(repair_roundtrip(h, &o, NULL, &r), 10);
    for (int i = 0; i < 2; i++) {
        const char *cs = sets[i];
        char key[200];
        static const char *const off[] = { "prl_strg", "xenfilt",
                                           "rhelscsi" };
        for (int k = 0; k < 3; k++) {
            snprintf(key, sizeof key, "%s\\Services\\%s", cs, off[k]);
            tu_has_dword(h, key, "Start", 4);
        }
        /* Without --fix-filters only the leftovers leave the lists. */
        list_is(h, cs, DISK, "UpperFilters", "partmgr|ghost");
        list_is(h, cs, DISK, "LowerFilters",
                "EhStorClass|vmdisk|oldfilt|vmoff");
        list_is(h, cs, HDC, "LowerFilters", "myfilt");
        list_is(h, cs, SYSCLASS, "LowerFilters", "ghost");
        snprintf(key, sizeof key, "%s\\Services\\vmhgfs", cs);
        tu_has_dword(h, key, "Start", 1);              /* not a leftover */
    }
    assert_int_equal(r.count[INJ_REPAIR_LEFTOVERS], 6);
    assert_true(has_line(&r, "ControlSet001: rhelscsi (Red Hat) disabled "
                             "(Start 3 -> 4)"));
    regf_close(h);
}

static void test_no_autoreboot(void **state)
{
    (void)state;
    regf_hive *h = seeded();
    /* ControlSet002 without CrashControl: the key is made. */
    regf_key k;
    assert_int_equal(regf_key_lookup(h, 0, "ControlSet002\\Control\\"
                                     "CrashControl", &k), REGF_OK);
    assert_int_equal(regf_key_delete(h, k), REGF_OK);
    struct inj_repair_opts o = { .no_autoreboot = 1 };
    struct inj_repair_report r;
    assert_int_equal(repair_roundtrip(h, &o, NULL, &r), 3);  /* + MKKEY */
    tu_has_dword(h, "ControlSet001\\Control\\CrashControl", "AutoReboot", 0);
    tu_has_dword(h, "ControlSet002\\Control\\CrashControl", "AutoReboot", 0);
    assert_true(has_line(&r, "ControlSet001: CrashControl AutoReboot 1 -> 0 "
                             "(a stop screen stays visible)"));
    regf_close(h);
}

/* Everything at once: never a disabled service left in a filter list. */
static void test_all(void **state)
{
    (void)state;
    regf_hive *h = seeded();
    struct inj_repair_opts o = { .fix_filters = 1, .disable_leftovers = 1,
                                 .no_autoreboot = 1,
                                 .fallback = { "storahci" }, .nfallback = 1 };
    struct inj_repair_report r;
    /* Per set: 3 leftovers, 4 lists, storahci Start and StartOverride,
     * AutoReboot. */
    assert_int_equal(repair_roundtrip(h, &o, NULL, &r), 20);
    for (int i = 0; i < 2; i++) {
        list_is(h, sets[i], DISK, "UpperFilters", "partmgr");
        list_is(h, sets[i], HDC, "LowerFilters", "myfilt");
    }
    regf_close(h);
}

/* ---- the real hives (corpus) ------------------------------------------------- */

static const struct {
    const char *rel;
    const char *fallback[2];
} real[] = {
    { "regipy/regipy_tests/data/SYSTEM.xz", { "msahci", "iaStorV" } },
    { "regipy/regipy_tests/data/SYSTEM_2.xz", { "storahci", "stornvme" } },
    { "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz",
      { "storahci", "stornvme" } },
    { "regipy/regipy_tests/data/SYSTEM_B.xz", { "storahci", "stornvme" } },
    { "fixtures/hives/SYSTEM-win10-20H2.xz", { "storahci", "stornvme" } },
};

static void real_hives(int corpus)
{
    for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
        if (tu_is_fixture(real[i].rel) == corpus)
            continue;
        size_t len;
        uint8_t *img = tu_read_input(real[i].rel, &len);
        regf_hive *h = NULL;
        if (regf_open_mem(img, len, real[i].rel, REGF_OPEN_WRITE, &h) !=
            REGF_OK)
            fail_msg("%s: %s", real[i].rel, regf_errmsg(h));
        free(img);
        struct inj_guest g;
        inj_guest_system(h, NULL, &g);
        struct inj_repair_opts o = { .fallback = { real[i].fallback[0],
                                                   real[i].fallback[1] },
                                     .nfallback = 2 };
        struct inj_repair_report r;
        struct inj_plan p;
        memset(&p, 0, sizeof p);
        if (inj_plan_repairs(h, &o, &g, &p, &r) != REGF_OK)
            fail_msg("%s: %s", real[i].rel, p.err);
        int ncs = p.ncontrolsets;
        char cs[3][16];
        memcpy(cs, p.controlsets, sizeof cs);
        inj_plan_free(&p);
        repair_roundtrip(h, &o, &g, &r);
        for (int c = 0; c < ncs; c++)
            for (int k = 0; k < 2; k++) {
                char key[200];
                snprintf(key, sizeof key, "%s\\Services\\%s", cs[c],
                         real[i].fallback[k]);
                tu_has_dword(h, key, "Start", 0);
                strcat(key, "\\StartOverride");
                if (exists(h, key))
                    fail_msg("%s: %s still there", real[i].rel, key);
            }
        regf_close(h);
    }
}

TU_GROUP_PAIR(real_hives)

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_fix_filters),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_fallback_refusals),
        cmocka_unit_test(test_disable_leftovers),
        cmocka_unit_test(test_no_autoreboot),
        cmocka_unit_test(test_all),
        cmocka_unit_test(test_real_hives),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_real_hives_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
