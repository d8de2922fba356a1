/* test_inject.c - the registry edits of src/inject on real SYSTEM hives.
 *
 * For each clean real SYSTEM hive (Windows 10 20H2 of fixtures/ in the core
 * group, Windows 7 SP1 of the corpus in the corpus group) and each built-in
 * profile: every expected key and value is there
 * with the exact bytes, the hive passes the checker, a second plan is
 * empty (idempotent), and importing the undo patch gives back exactly the
 * original content (so nothing else was changed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hivecheck.h"
#include "inject.h"
#include "testutil.h"

static const struct {
    const char *rel, *arch;
} hives[] = {
    { "regipy/regipy_tests/data/SYSTEM.xz", "x86" },     /* Windows 7 SP1 */
    { "fixtures/hives/SYSTEM-win10-20H2.xz", "amd64" }, /* Windows 10 20H2 */
};

static int to_buf(void *ctx, const void *p, size_t n)
{
    return tu_buf_write(ctx, p, n);
}

static regf_hive *open_copy(const char *rel)
{
    char *src = tu_input(rel);
    size_t len;
    uint8_t *img = tu_read_file(src, &len);
    free(src);
    regf_hive *h = NULL;
    int rc = regf_open_mem(img, len, rel, REGF_OPEN_WRITE, &h);
    free(img);
    if (rc != REGF_OK)
        fail_msg("%s: %s", rel, regf_errmsg(h));
    regf_set_time(h, 133500000000000000ULL);
    return h;
}

static void has_sz(regf_hive *h, const char *key, const char *name,
                      uint32_t type, const char *s)
{
    uint8_t buf[256];
    size_t n = 0;
    for (; *s; s++) {
        buf[n++] = (uint8_t)*s;
        buf[n++] = 0;
    }
    buf[n++] = 0;
    buf[n++] = 0;
    if (type == REGF_MULTI_SZ) {
        buf[n++] = 0;
        buf[n++] = 0;
    }
    tu_has_value(h, key, name, type, buf, n);
}

/* The layout of DriverPackages\<label>\Version (docs/injection.md §7). */
static void test_version_blob(void **state)
{
    (void)state;
    struct inj_driver d;
    assert_int_equal(inj_profile("viostor", "amd64", &d), REGF_OK);
    uint8_t v[48];
    inj_version_blob(&d, v);
    static const uint8_t want[48] = {
        0x00, 0xFF, 0x09, 0x00, 0, 0, 0, 0,
        /* {4D36E97B-E325-11CE-BFC1-08002BE10318}, Windows byte order */
        0x7B, 0xE9, 0x36, 0x4D, 0x25, 0xE3, 0xCE, 0x11,
        0xBF, 0xC1, 0x08, 0x00, 0x2B, 0xE1, 0x03, 0x18,
        /* 2021-08-30 00:00 UTC as FILETIME: 132747552000000000 */
        0x00, 0x40, 0xC3, 0xF9, 0x31, 0x9D, 0xD7, 0x01,
        /* 100.85.104.20800 as four 16-bit parts */
        0x40, 0x51, 0x68, 0x00, 0x55, 0x00, 0x64, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0 };
    assert_memory_equal(v, want, 48);
    /* FILETIME check independent of the table above. */
    uint64_t ft = 0;
    for (int i = 7; i >= 0; i--)
        ft = ft << 8 | v[0x18 + i];
    assert_true(ft == 132747552000000000ULL);   /* python datetime */
}

static void check_clean(regf_hive *h, const char *what)
{
    /* Commit to a file and check it; the checker sees what Windows would. */
    char *path = tu_tmp_file("inject", "SYSTEM");
    if (regf_commit(h, path, REGF_COMMIT_NEW) != REGF_OK)
        fail_msg("%s: commit: %s", what, regf_errmsg(h));
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    tu_rm_tmp_file(path);
    struct hc_report rep;
    int n = hc_check(img, len, 0, &rep);
    if (n) {
        print_error("%s: %d problems after injection\n", what, n);
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    free(img);
    assert_int_equal(n, 0);
}

static void inject_one(const char *rel, const char *arch, const char *drv)
{
    regf_hive *h = open_copy(rel);
    struct tu_buf before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
    struct tu_buf undo = { NULL, 0, 0 };
    assert_int_equal(regf_export_reg(h, 0, "HKEY_LOCAL_MACHINE\\SYSTEM", 0,
                                     tu_buf_write, &before), REGF_OK);
    struct inj_driver d;
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_profile(drv, arch, &d), REGF_OK);
    if (inj_plan_system(h, &d, &p) != REGF_OK)
        fail_msg("%s: plan: %s %s", rel, p.err, regf_errmsg(h));
    assert_true(p.n > 0);
    assert_int_equal(inj_plan_reg(&p, "HKEY_LOCAL_MACHINE\\SYSTEM", 1, to_buf,
                                  &undo), REGF_OK);
    if (inj_apply(h, &p) != REGF_OK)
        fail_msg("%s: apply: %s", rel, regf_errmsg(h));

    /* Every expected value, for every control set. */
    for (int i = 0; i < p.ncontrolsets; i++) {
        char svc[256], key[512], img[64];
        snprintf(svc, sizeof svc, "%s\\Services\\%s", p.controlsets[i], drv);
        tu_has_dword(h, svc, "Type", 1);
        tu_has_dword(h, svc, "Start", 0);
        tu_has_dword(h, svc, "ErrorControl", 1);
        snprintf(img, sizeof img, "System32\\drivers\\%s.sys", drv);
        has_sz(h, svc, "ImagePath", REGF_EXPAND_SZ, img);
        has_sz(h, svc, "Group", REGF_SZ, "SCSI miniport");
        snprintf(key, sizeof key, "%s\\Parameters", svc);
        tu_has_dword(h, key, "BusType", strcmp(drv, "vioscsi") ? 1 : 0x0A);
        snprintf(key, sizeof key, "%s\\Parameters\\PnpInterface", svc);
        tu_has_dword(h, key, "5", 1);
        for (size_t j = 0; j < d.nhw + d.ncompat; j++) {
            const char *id = j < d.nhw ? d.hwids[j] : d.compat[j - d.nhw];
            char cdd[160];
            size_t k = 0;
            for (; id[k]; k++)
                cdd[k] = id[k] == '\\' ? '#' : id[k];
            cdd[k] = '\0';
            snprintf(key, sizeof key, "%s\\Control\\CriticalDeviceDatabase\\%s",
                     p.controlsets[i], cdd);
            has_sz(h, key, "Service", REGF_SZ, drv);
            has_sz(h, key, "ClassGUID", REGF_SZ,
                      "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
        }
    }
    regf_key ddb;
    if (regf_key_lookup(h, 0, "DriverDatabase", &ddb) == REGF_OK) {
        assert_true(p.driver_database);
        char key[512], inf[32];
        snprintf(inf, sizeof inf, "%s.inf", drv);
        snprintf(key, sizeof key, "DriverDatabase\\DriverInfFiles\\%s", inf);
        has_sz(h, key, "", REGF_MULTI_SZ, p.label);
        has_sz(h, key, "Active", REGF_SZ, p.label);
        static const uint8_t hw[4] = { 1, 0xFF, 0, 0 }, co[4] = { 2, 0xFF, 0, 0 };
        snprintf(key, sizeof key, "DriverDatabase\\DeviceIds\\%s", d.hwids[0]);
        tu_has_value(h, key, inf, REGF_BINARY, hw, 4);
        snprintf(key, sizeof key, "DriverDatabase\\DeviceIds\\%s", d.compat[0]);
        tu_has_value(h, key, inf, REGF_BINARY, co, 4);
        uint8_t ver[48];
        inj_version_blob(&d, ver);
        snprintf(key, sizeof key, "DriverDatabase\\DriverPackages\\%s", p.label);
        tu_has_value(h, key, "Version", REGF_BINARY, ver, 48);
        has_sz(h, key, "", REGF_SZ, inf);
        snprintf(key, sizeof key, "DriverDatabase\\DriverPackages\\%s\\"
                 "Configurations\\scsi_inst", p.label);
        has_sz(h, key, "Service", REGF_SZ, drv);
        tu_has_dword(h, key, "ConfigFlags", 0);
        /* The label is never the "_tmp" name that broke pnputil. */
        assert_null(strstr(p.label, "_tmp"));
    } else {
        assert_false(p.driver_database);     /* Windows 7: none */
    }
    inj_plan_free(&p);

    /* Idempotent: a second plan is empty. */
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_OK);
    assert_int_equal(p.n, 0);
    inj_plan_free(&p);

    /* Undo: importing the patch restores exactly the old content. */
    assert_int_equal(regf_import_reg(h, undo.p, undo.len,
                                     "HKEY_LOCAL_MACHINE\\SYSTEM"), REGF_OK);
    assert_int_equal(regf_export_reg(h, 0, "HKEY_LOCAL_MACHINE\\SYSTEM", 0,
                                     tu_buf_write, &after), REGF_OK);
    if (before.len != after.len || memcmp(before.p, after.p, before.len) != 0)
        fail_msg("%s: content after undo differs from the original", rel);
    check_clean(h, rel);
    regf_close(h);
    tu_buf_free(&before);
    tu_buf_free(&after);
    tu_buf_free(&undo);
}

/* The hives of fixtures/ (core group) or of the corpus (corpus group). */
static void inject_real_hives(int corpus)
{
    for (size_t i = 0; i < sizeof hives / sizeof *hives; i++) {
        if (tu_is_fixture(hives[i].rel) == corpus)
            continue;
        inject_one(hives[i].rel, hives[i].arch, "viostor");
        inject_one(hives[i].rel, hives[i].arch, "vioscsi");
    }
}

TU_GROUP_PAIR(inject_real_hives)

/* A StartOverride left by Windows (which demotes unused boot drivers)
 * is removed, and the undo patch brings it back. */
static void test_start_override(void **state)
{
    (void)state;
    regf_hive *h = open_copy(hives[1].rel);
    regf_key k;
    uint32_t three = 3;
    assert_int_equal(regf_key_create_path(h, 0,
        "ControlSet001\\Services\\viostor\\StartOverride", &k), REGF_OK);
    assert_int_equal(regf_value_set(h, k, "0", 1, REGF_DWORD, &three, 4),
                     REGF_OK);
    struct tu_buf before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
    struct tu_buf undo = { NULL, 0, 0 };
    regf_export_reg(h, 0, "X", 0, tu_buf_write, &before);
    struct inj_driver d;
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    inj_profile("viostor", "amd64", &d);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_OK);
    assert_int_equal(inj_plan_reg(&p, "X", 1, to_buf, &undo), REGF_OK);
    assert_int_equal(inj_apply(h, &p), REGF_OK);
    assert_int_equal(regf_key_lookup(h, 0, "ControlSet001\\Services\\viostor"
                                     "\\StartOverride", &k), REGF_NOTFOUND);
    assert_int_equal(regf_import_reg(h, undo.p, undo.len, "X"), REGF_OK);
    regf_export_reg(h, 0, "X", 0, tu_buf_write, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.p, after.p, before.len);
    inj_plan_free(&p);
    regf_close(h);
    tu_buf_free(&before);
    tu_buf_free(&after);
    tu_buf_free(&undo);
}

static void test_refusals(void **state)
{
    (void)state;
    struct inj_driver d;
    struct inj_plan p;
    assert_int_equal(inj_profile("netkvm", "amd64", &d), REGF_NOTFOUND);
    /* The wrong architecture. */
    regf_hive *h = open_copy(hives[1].rel);
    memset(&p, 0, sizeof p);
    inj_profile("viostor", "x86", &d);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_EINVAL);
    assert_non_null(strstr(p.err, "AMD64"));
    inj_plan_free(&p);
    regf_close(h);
    /* Not a SYSTEM hive. */
    char *path = tu_fixture("hives/minimal");
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    assert_int_equal(regf_open_mem(img, len, "minimal", REGF_OPEN_WRITE, &h),
                     REGF_OK);
    memset(&p, 0, sizeof p);
    inj_profile("viostor", "amd64", &d);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_EINVAL);
    assert_non_null(strstr(p.err, "Select"));
    inj_plan_free(&p);
    regf_close(h);
    free(img);
    free(path);
}

/* The INF path and the built-in profiles describe the same drivers: every
 * field taken from the real virtio-win INFs equals the profile's (the INF
 * name and its hash aside). The XP-era INF has no model for Windows 10. */
static void test_from_inf_matches_profiles(void **state)
{
    (void)state;
    static const char *const infs[2] = { "fixtures/inf/viostor-w10-amd64.inf",
                                         "fixtures/inf/vioscsi-w10-amd64.inf" };
    static const char *const drv[2] = { "viostor", "vioscsi" };
    for (int i = 0; i < 2; i++) {
        struct inj_driver a, b;
        char err[512];
        char *path = tu_input(infs[i]);
        if (inj_from_inf(path, "amd64", 10, 0, 19041, &a, err, sizeof err) != 0)
            fail_msg("%s: %s", infs[i], err);
        assert_int_equal(inj_profile(drv[i], "amd64", &b), REGF_OK);
        assert_string_equal(a.service, b.service);
        assert_string_equal(a.binary, b.binary);
        assert_int_equal(a.type, b.type);
        assert_int_equal(a.start, b.start);
        assert_int_equal(a.error_control, b.error_control);
        assert_string_equal(a.group, b.group);
        assert_string_equal(a.display_name, b.display_name);
        assert_int_equal(a.nhkr, b.nhkr);
        for (size_t j = 0; j < a.nhkr; j++) {
            assert_string_equal(a.hkr[j].subkey, b.hkr[j].subkey);
            assert_string_equal(a.hkr[j].name, b.hkr[j].name);
            assert_int_equal(a.hkr[j].type, b.hkr[j].type);
            assert_int_equal(a.hkr[j].len, b.hkr[j].len);
            assert_memory_equal(a.hkr[j].data, b.hkr[j].data, a.hkr[j].len);
        }
        assert_int_equal(a.nhw, b.nhw);
        assert_int_equal(a.ncompat, b.ncompat);
        for (size_t j = 0; j < a.nhw; j++)
            assert_string_equal(a.hwids[j], b.hwids[j]);
        for (size_t j = 0; j < a.ncompat; j++)
            assert_string_equal(a.compat[j], b.compat[j]);
        assert_string_equal(a.class_guid, b.class_guid);
        assert_string_equal(a.provider, b.provider);
        assert_memory_equal(a.ver, b.ver, sizeof a.ver);
        assert_int_equal(a.year, b.year);
        assert_int_equal(a.month, b.month);
        assert_int_equal(a.day, b.day);
        assert_string_equal(a.config, b.config);
        /* The label digits come from the INF's bytes. */
        assert_true(a.inf_hash != 0 && a.inf_hash != b.inf_hash);
        free(path);
    }
    /* viostor's INF is decorated NTamd64.6.3: nothing for Windows 7. */
    struct inj_driver d;
    char err[512];
    char *path = tu_input(infs[0]);
    assert_true(inj_from_inf(path, "amd64", 6, 1, 7601, &d, err, sizeof err) != 0);
    free(path);
    /* The XP INF is x86 only. */
    path = tu_input("fixtures/inf/viostor-xp-x86.inf");
    assert_true(inj_from_inf(path, "amd64", 10, 0, 19041, &d, err, sizeof err) != 0);
    assert_int_equal(inj_from_inf(path, "x86", 5, 1, 2600, &d, err, sizeof err), 0);
    assert_string_equal(d.service, "viostor");
    assert_int_equal(d.start, 0);
    free(path);
}

/* The matrix: every real SYSTEM hive (Windows 10 20H2 of fixtures/
 * in the core group; Windows 7, 8.1, 10 1709, 1903 of the corpus in the
 * corpus group) with every INF of fixtures/inf and each built-in profile.
 * Dirty hives are handled as the log issue says: SYSTEM_B is recovered
 * from its logs first; SYSTEM_2 and SYSTEM_WIN_10_1709, whose
 * logs were not published, are taken as they are (as --force does). An INF
 * that has no model for a guest (architecture or Windows version) must be
 * refused; otherwise the injection must give exactly the INF's values,
 * pass the checker, be idempotent and undo to the original content. */
struct guest {
    const char *rel, *arch;
    unsigned major, minor, build;
    const char *log1, *log2;          /* logs to recover from, or NULL */
};

static const struct guest guests[] = {
    { "regipy/regipy_tests/data/SYSTEM.xz", "x86", 6, 1, 7601, NULL, NULL },
    { "regipy/regipy_tests/data/SYSTEM_2.xz", "amd64", 6, 3, 9600, NULL, NULL },
    { "regipy/regipy_tests/data/SYSTEM_B.xz", "amd64", 10, 0, 16299,
      "regipy/regipy_tests/data/SYSTEM_B.LOG1.xz",
      "regipy/regipy_tests/data/SYSTEM_B.LOG2.xz" },
    { "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", "amd64", 10, 0, 18362,
      NULL, NULL },
    { "fixtures/hives/SYSTEM-win10-20H2.xz", "amd64", 10, 0, 19041, NULL,
      NULL },
};

static const struct {
    const char *inf;                  /* NULL: a built-in profile */
    const char *profile;
    const char *arch;                 /* the only architecture it serves */
    unsigned min_major, min_minor;    /* the oldest Windows it serves */
} sources[] = {
    { NULL, "viostor", NULL, 0, 0 },
    { NULL, "vioscsi", NULL, 0, 0 },
    { "fixtures/inf/viostor-w10-amd64.inf", NULL, "amd64", 6, 3 },
    { "fixtures/inf/vioscsi-w10-amd64.inf", NULL, "amd64", 10, 0 },
    { "fixtures/inf/viostor-xp-x86.inf", NULL, "x86", 5, 1 },
};

static void matrix_one(const struct guest *g, size_t si)
{
    struct inj_driver d;
    char err[512];
    int applies = 1;
    if (sources[si].inf) {
        char *path = tu_input(sources[si].inf);
        applies = strcmp(sources[si].arch, g->arch) == 0 &&
                  (g->major > sources[si].min_major ||
                   (g->major == sources[si].min_major &&
                    g->minor >= sources[si].min_minor));
        int rc = inj_from_inf(path, g->arch, g->major, g->minor, g->build, &d,
                              err, sizeof err);
        free(path);
        if (!applies) {
            if (rc == 0)
                fail_msg("%s on %s: the INF has no model for this guest but "
                         "was accepted", sources[si].inf, g->rel);
            return;
        }
        if (rc != 0)
            fail_msg("%s on %s: %s", sources[si].inf, g->rel, err);
    } else {
        assert_int_equal(inj_profile(sources[si].profile, g->arch, &d), REGF_OK);
    }

    regf_hive *h = open_copy(g->rel);
    unsigned commit_flags = REGF_COMMIT_NEW;
    struct regf_info in;
    regf_get_info(h, &in);
    if (g->log1) {
        char *l1 = tu_input(g->log1), *l2 = tu_input(g->log2);
        const char *logs[2] = { l1, l2 };
        struct regf_recovery rep;
        if (regf_recover(h, logs, 2, &rep) != REGF_OK)
            fail_msg("%s: recover: %s", g->rel, regf_errmsg(h));
        free(l1);
        free(l2);
    } else if (in.dirty) {
        commit_flags |= REGF_COMMIT_DIRTY;     /* what --force does */
    }
    struct tu_buf before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
    struct tu_buf undo = { NULL, 0, 0 };
    assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write, &before),
                     REGF_OK);
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    if (inj_plan_system(h, &d, &p) != REGF_OK)
        fail_msg("%s: plan: %s %s", g->rel, p.err, regf_errmsg(h));
    assert_int_equal(inj_plan_reg(&p, "X", 1, to_buf, &undo), REGF_OK);
    assert_int_equal(inj_apply(h, &p), REGF_OK);
    for (int i = 0; i < p.ncontrolsets; i++) {
        char svc[256], key[512];
        snprintf(svc, sizeof svc, "%s\\Services\\%s", p.controlsets[i], d.service);
        tu_has_dword(h, svc, "Start", d.start);
        tu_has_dword(h, svc, "Type", d.type);
        for (size_t j = 0; j < d.nhkr; j++) {
            if (d.hkr[j].subkey[0])
                snprintf(key, sizeof key, "%s\\%s", svc, d.hkr[j].subkey);
            else
                snprintf(key, sizeof key, "%s", svc);
            tu_has_value(h, key, d.hkr[j].name, d.hkr[j].type, d.hkr[j].data,
                         d.hkr[j].len);
        }
    }
    regf_key ddb;
    assert_int_equal(p.driver_database,
                     regf_key_lookup(h, 0, "DriverDatabase", &ddb) == REGF_OK);
    inj_plan_free(&p);
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_OK);
    assert_int_equal(p.n, 0);                     /* idempotent */
    inj_plan_free(&p);
    assert_int_equal(regf_import_reg(h, undo.p, undo.len, "X"), REGF_OK);
    assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write, &after),
                     REGF_OK);
    if (before.len != after.len || memcmp(before.p, after.p, before.len) != 0)
        fail_msg("%s with %s: undo does not restore the content", g->rel,
                 sources[si].inf ? sources[si].inf : sources[si].profile);
    /* Inject again for the checker (undo took it out). */
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_OK);
    assert_int_equal(inj_apply(h, &p), REGF_OK);
    inj_plan_free(&p);
    char *path = tu_tmp_file("matrix", "SYSTEM");
    if (regf_commit(h, path, commit_flags) != REGF_OK)
        fail_msg("%s: commit: %s", g->rel, regf_errmsg(h));
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    tu_rm_tmp_file(path);
    struct hc_report rep;
    int n = hc_check(img, len, 0, &rep);
    if (n) {
        print_error("%s with %s: %d problems\n", g->rel,
                    sources[si].inf ? sources[si].inf : sources[si].profile, n);
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    free(img);
    assert_int_equal(n, 0);
    regf_close(h);
    tu_buf_free(&before);
    tu_buf_free(&after);
    tu_buf_free(&undo);
}

/* The guests of fixtures/ (core group) or of the corpus (corpus group). */
static void matrix(int corpus)
{
    for (size_t g = 0; g < sizeof guests / sizeof *guests; g++)
        for (size_t si = 0; si < sizeof sources / sizeof *sources; si++)
            if (tu_is_fixture(guests[g].rel) != corpus)
                matrix_one(&guests[g], si);
}

TU_GROUP_PAIR(matrix)

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_version_blob),
        cmocka_unit_test(test_from_inf_matches_profiles),
        cmocka_unit_test(test_inject_real_hives),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_start_override),
        cmocka_unit_test(test_refusals),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_inject_real_hives_corpus),
        cmocka_unit_test(test_matrix_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
