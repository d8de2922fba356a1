/* test_pkg.c - the DriverDatabase package as Windows writes it
 * (src/inject/inject.c, from_inf.c, profiles.c), on the bundled real
 * Windows 10 20H2 SYSTEM hive (fixtures/hives/SYSTEM-win10-20H2.xz) and
 * the INFs of fixtures/inf. No corpus.
 *
 * Every new value is compared with bytes spelled out here: the DeviceIds
 * ranks (position in the model line, FeatureScore), the class entry
 * (REG_NONE, empty), InfName, Catalog, ImportDate, OemPath, ConfigScope,
 * the .HW AddReg below Configurations\<cfg>\Device (a KEYONLY line as the
 * value "0x00000010" = REG_SZ ""), the service AddReg below
 * Configurations\<cfg>\Services\<svc>, Descriptors' Manufacturer and
 * Description, Strings, and OemInfMap when staging. Also: a second plan is
 * empty, undo restores the hive's exact content, the result passes the
 * checker, a newer INF replaces hivekit's older package (no orphan), and
 * what is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hivecheck.h"
#include "inf.h"
#include "inject.h"
#include "testutil.h"

#define FT_2024 133486382450000000ULL    /* 2024-01-02T03:04:05Z */
#define LABEL_W10 "viostor.inf_amd64_f404bd8002ac8d05"   /* FNV-1a of the */
#define LABEL_W11 "viostor.inf_amd64_59e0fe46c40579cb"   /* INFs' bytes    */
#define PKG "DriverDatabase\\DriverPackages\\"
#define CLASS "DriverDatabase\\DeviceIds\\{4d36e97b-e325-11ce-bfc1-08002be10318}"
#define HW1 "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00"
#define HW2 "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01"
#define CO1 "PCI\\VEN_1AF4&DEV_1001"
#define CO2 "PCI\\VEN_1AF4&DEV_1042"

static char tmpdir[64];

static int to_buf(void *ctx, const void *p, size_t n)
{
    return tu_buf_write(ctx, p, n);
}

/* The fixture SYSTEM hive (Windows 10 20H2, as the fixtures-xz test
 * fixture decompressed it), opened for writing in memory. */
static regf_hive *open_win10(void)
{
    char *path = tu_fixture("hives/SYSTEM-win10-20H2.xz");
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    free(path);
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(img, len, "SYSTEM", REGF_OPEN_WRITE, &h),
                     REGF_OK);
    free(img);
    regf_set_time(h, 133500000000000000ULL);
    return h;
}

/* fixtures/inf/SRC copied to TMPDIR/NAME; returns the path (static). */
static const char *inf_copy(const char *src, const char *name)
{
    static char path[256];
    char *from = tu_fixture(src);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    tu_copy_file(from, path);
    free(from);
    return path;
}

/* TEXT written as TMPDIR/NAME; returns the path (static). */
static const char *inf_text(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void from_inf(const char *path, struct inj_driver *d)
{
    char err[512];
    if (inj_from_inf(path, "amd64", 10, 0, 19041, d, err, sizeof err) != 0)
        fail_msg("%s: %s", path, err);
}

/* TEXT (ASCII) as REG_SZ / REG_EXPAND_SZ (one NUL unit) or REG_MULTI_SZ
 * of one string (two): UTF-16LE spelled here. */
static void expect_sz(regf_hive *h, const char *key, const char *name,
                      uint32_t type, const char *text)
{
    uint8_t b[512];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        b[n++] = (uint8_t)*p;
        b[n++] = 0;
    }
    b[n++] = 0;
    b[n++] = 0;
    if (type == REGF_MULTI_SZ) {
        b[n++] = 0;
        b[n++] = 0;
    }
    tu_has_value(h, key, name, type, b, n);
}

static void expect_dword(regf_hive *h, const char *key, const char *name,
                         const uint8_t le[4])
{
    tu_has_value(h, key, name, REGF_DWORD, le, 4);
}

static void expect_gone(regf_hive *h, const char *key)
{
    regf_key k;
    if (regf_key_lookup(h, 0, key, &k) != REGF_NOTFOUND)
        fail_msg("%s still exists", key);
}

static void expect_no_value(regf_hive *h, const char *key, const char *name)
{
    regf_key k;
    regf_val v;
    if (regf_key_lookup(h, 0, key, &k) == REGF_OK &&
        regf_value_lookup(h, k, name, &v) == REGF_OK)
        fail_msg("%s\\%s still exists", key, name);
}

static uint32_t nvalues(regf_hive *h, const char *key)
{
    regf_key k;
    struct regf_key_info ki;
    assert_int_equal(regf_key_lookup(h, 0, key, &k), REGF_OK);
    assert_int_equal(regf_key_info(h, k, &ki), REGF_OK);
    return ki.nvalues;
}

static struct tu_buf export_all(regf_hive *h)
{
    struct tu_buf b = { NULL, 0, 0 };
    assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write, &b), REGF_OK);
    return b;
}

/* Plans D with O, keeps the undo patch in UNDO (may be NULL), applies;
 * returns the plan (free it). */
static struct inj_plan inject(regf_hive *h, const struct inj_driver *d,
                              const struct inj_pkg_opts *o,
                              struct tu_buf *undo)
{
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    if (inj_plan_system_pkg(h, d, o, &p) != REGF_OK)
        fail_msg("plan: %s %s", p.err, regf_errmsg(h));
    if (undo)
        assert_int_equal(inj_plan_reg(&p, "X", 1, to_buf, undo), REGF_OK);
    if (inj_apply(h, &p) != REGF_OK)
        fail_msg("apply: %s", regf_errmsg(h));
    return p;
}

static void expect_idempotent(regf_hive *h, const struct inj_driver *d,
                              const struct inj_pkg_opts *o)
{
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system_pkg(h, d, o, &p), REGF_OK);
    if (p.n)
        fail_msg("a second plan has %zu changes (first: %s %s)", p.n,
                 p.c[0].key, p.c[0].name ? p.c[0].name : "");
    inj_plan_free(&p);
}

static void expect_undo(regf_hive *h, const struct tu_buf *undo,
                        const struct tu_buf *before)
{
    assert_int_equal(regf_import_reg(h, undo->p, undo->len, "X"), REGF_OK);
    struct tu_buf after = export_all(h);
    if (after.len != before->len || memcmp(after.p, before->p, after.len) != 0)
        fail_msg("the undo patch does not restore the original content");
    tu_buf_free(&after);
}

static void expect_clean(regf_hive *h)
{
    char path[] = "/tmp/hivekit-pkg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    if (regf_commit(h, path, REGF_COMMIT_NEW) != REGF_OK)
        fail_msg("commit: %s", regf_errmsg(h));
    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    unlink(path);
    struct hc_report rep;
    int n = hc_check(img, len, 0, &rep);
    if (n)
        hc_print(&rep, stderr);
    hc_free(&rep);
    free(img);
    assert_int_equal(n, 0);
}

static const uint8_t DW0[4] = { 0, 0, 0, 0 }, DW1[4] = { 1, 0, 0, 0 },
                     DW5[4] = { 5, 0, 0, 0 }, DW7[4] = { 7, 0, 0, 0 },
                     DW256[4] = { 0x00, 0x01, 0, 0 };
static const uint8_t EMPTY_SZ[2] = { 0, 0 };

/* The package of the viostor INF (w10 amd64) as hivekit writes it,
 * published as PUB. */
static void expect_viostor_package(regf_hive *h, const char *label,
                                   const char *pub)
{
    char pkg[256], key[512];
    static const uint8_t r1[4] = { 0x01, 0xFF, 0x00, 0x00 },
                         r2[4] = { 0x02, 0xFF, 0x00, 0x00 };
    static const uint8_t import[8] = { 0x80, 0xC0, 0x48, 0x58,
                                       0x28, 0x3D, 0xDA, 0x01 };
    snprintf(key, sizeof key, "DriverDatabase\\DriverInfFiles\\%s", pub);
    expect_sz(h, key, "", REGF_MULTI_SZ, label);
    expect_sz(h, key, "Active", REGF_SZ, label);
    expect_sz(h, key, "Configurations", REGF_MULTI_SZ, "scsi_inst");
    /* Byte 0: position in the model line; byte 1: FeatureScore (none in
     * the INF: 0xFF). */
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" HW1, pub, REGF_BINARY, r1, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" HW2, pub, REGF_BINARY, r1, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" CO1, pub, REGF_BINARY, r2, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" CO2, pub, REGF_BINARY, r2, 4);
    tu_has_value(h, CLASS, pub, REGF_NONE, "", 0);
    snprintf(pkg, sizeof pkg, PKG "%s", label);
    expect_sz(h, pkg, "Provider", REGF_SZ, "Red Hat, Inc.");
    expect_sz(h, pkg, "InfName", REGF_SZ, "viostor.inf");
    expect_sz(h, pkg, "Catalog", REGF_SZ, "viostor.cat");
    tu_has_value(h, pkg, "ImportDate", REGF_BINARY, import, 8);
    expect_sz(h, pkg, "", REGF_SZ, pub);
    snprintf(key, sizeof key, "%s\\Configurations\\scsi_inst", pkg);
    expect_dword(h, key, "ConfigFlags", DW0);
    expect_sz(h, key, "Service", REGF_SZ, "viostor");
    expect_dword(h, key, "ConfigScope", DW7);
    assert_int_equal(nvalues(h, key), 3);
    /* [scsi_inst.HW] AddReg = pnpsafe_pci_addreg_msix */
    snprintf(key, sizeof key, "%s\\Configurations\\scsi_inst\\Device\\"
             "Interrupt Management", pkg);
    tu_has_value(h, key, "0x00000010", REGF_SZ, EMPTY_SZ, 2);
    assert_int_equal(nvalues(h, key), 1);
    snprintf(key, sizeof key, "%s\\Configurations\\scsi_inst\\Device\\"
             "Interrupt Management\\MessageSignaledInterruptProperties", pkg);
    tu_has_value(h, key, "0x00000010", REGF_SZ, EMPTY_SZ, 2);
    expect_dword(h, key, "MSISupported", DW1);
    expect_dword(h, key, "MessageNumberLimit", DW256);
    assert_int_equal(nvalues(h, key), 3);
    snprintf(key, sizeof key, "%s\\Configurations\\scsi_inst\\Device\\"
             "Interrupt Management\\Affinity Policy", pkg);
    tu_has_value(h, key, "0x00000010", REGF_SZ, EMPTY_SZ, 2);
    expect_dword(h, key, "DevicePolicy", DW5);
    assert_int_equal(nvalues(h, key), 2);
    /* [scsi_Service_Inst] AddReg = pnpsafe_pci_addreg */
    snprintf(key, sizeof key, "%s\\Configurations\\scsi_inst\\Services\\"
             "viostor\\Parameters", pkg);
    expect_dword(h, key, "BusType", DW1);
    snprintf(key, sizeof key, "%s\\Configurations\\scsi_inst\\Services\\"
             "viostor\\Parameters\\PnpInterface", pkg);
    expect_dword(h, key, "5", DW1);
    static const char *const ids[4] = { HW1, HW2, CO1, CO2 };
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "%s\\Descriptors\\%s", pkg, ids[i]);
        expect_sz(h, key, "Configuration", REGF_SZ, "scsi_inst");
        expect_sz(h, key, "Manufacturer", REGF_SZ, "%vendor%");
        expect_sz(h, key, "Description", REGF_SZ, "%viostorscsi.devicedesc%");
        assert_int_equal(nvalues(h, key), 3);
    }
    snprintf(key, sizeof key, "%s\\Strings", pkg);
    expect_sz(h, key, "vendor", REGF_SZ, "Red Hat, Inc.");
    expect_sz(h, key, "viostorscsi.devicedesc", REGF_SZ,
              "Red Hat VirtIO SCSI controller");
    assert_int_equal(nvalues(h, key), 2);
}

static void test_package_values(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d;
    from_inf(inf_copy("inf/viostor-w10-amd64.inf", "viostor.inf"), &d);
    struct inj_pkg_opts o = { 0, FT_2024, NULL, NULL, NULL, NULL };
    struct tu_buf before = export_all(h), undo = { NULL, 0, 0 };
    struct inj_plan p = inject(h, &d, &o, &undo);
    assert_string_equal(p.label, LABEL_W10);
    assert_string_equal(p.published, "viostor.inf");
    assert_false(p.staged);
    assert_int_equal(p.nreplaced, 0);
    inj_plan_free(&p);
    expect_viostor_package(h, LABEL_W10, "viostor.inf");
    /* Not staged: no OemPath; nothing else in the package key (Version,
     * Provider, InfName, ImportDate, Catalog, (default)). */
    expect_no_value(h, PKG LABEL_W10, "OemPath");
    assert_int_equal(nvalues(h, PKG LABEL_W10), 6);
    /* The OemInfMap of the guest is left alone: ff 80 (oem0..oem8). */
    static const uint8_t map[2] = { 0xFF, 0x80 };
    tu_has_value(h, "DriverDatabase", "OemInfMap", REGF_BINARY, map, 2);
    expect_idempotent(h, &d, &o);
    expect_undo(h, &undo, &before);
    tu_buf_free(&before);
    tu_buf_free(&undo);
    p = inject(h, &d, &o, NULL);
    inj_plan_free(&p);
    expect_clean(h);
    regf_close(h);
}

/* The built-in profile writes the same package as its INF (the label
 * digits and ImportDate aside). */
static void test_profile_package(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d;
    assert_int_equal(inj_profile("viostor", "amd64", &d), REGF_OK);
    struct inj_pkg_opts o = { 0, FT_2024, NULL, NULL, NULL, NULL };
    struct inj_plan p = inject(h, &d, &o, NULL);
    assert_string_equal(p.label, "viostor.inf_amd64_475468dcd3557c37");
    inj_plan_free(&p);
    expect_viostor_package(h, "viostor.inf_amd64_475468dcd3557c37",
                           "viostor.inf");
    /* inj_plan_system: no ImportDate. */
    regf_close(h);
    h = open_win10();
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system(h, &d, &p), REGF_OK);
    assert_int_equal(inj_apply(h, &p), REGF_OK);
    inj_plan_free(&p);
    expect_no_value(h, PKG "viostor.inf_amd64_475468dcd3557c37", "ImportDate");
    regf_close(h);
    /* Profiles and INFs agree on everything the package holds. */
    static const char *const infs[2] = { "inf/viostor-w10-amd64.inf",
                                         "inf/vioscsi-w10-amd64.inf" };
    static const char *const names[2] = { "viostor", "vioscsi" };
    for (int i = 0; i < 2; i++) {
        struct inj_driver a, b;
        char *path = tu_fixture(infs[i]);
        from_inf(path, &a);
        free(path);
        assert_int_equal(inj_profile(names[i], "amd64", &b), REGF_OK);
        assert_string_equal(b.catalog, i ? "vioscsi.cat" : "viostor.cat");
        assert_string_equal(a.catalog, b.catalog);
        assert_int_equal(a.binary_dirid, 12);
        assert_int_equal(b.binary_dirid, 12);
        assert_int_equal(a.ndevreg, b.ndevreg);
        assert_int_equal(a.ndevreg, i ? 8 : 6);
        for (size_t j = 0; j < a.ndevreg; j++) {
            assert_string_equal(a.devreg[j].subkey, b.devreg[j].subkey);
            assert_string_equal(a.devreg[j].name, b.devreg[j].name);
            assert_int_equal(a.devreg[j].keyonly, b.devreg[j].keyonly);
            assert_int_equal(a.devreg[j].flags, b.devreg[j].flags);
            assert_int_equal(a.devreg[j].type, b.devreg[j].type);
            assert_int_equal(a.devreg[j].len, b.devreg[j].len);
            assert_memory_equal(a.devreg[j].data, b.devreg[j].data,
                                a.devreg[j].len);
        }
        assert_int_equal(a.ndrvreg, 0);
        assert_int_equal(a.nstrings, b.nstrings);
        for (size_t j = 0; j < a.nstrings; j++) {
            assert_string_equal(a.strings[j].key, b.strings[j].key);
            assert_string_equal(a.strings[j].value, b.strings[j].value);
        }
        for (size_t j = 0; j < a.nhw; j++) {
            assert_int_equal(a.hwinfo[j].pos, 1);
            assert_int_equal(a.hwinfo[j].score, 0xFF);
            assert_string_equal(a.hwinfo[j].manufacturer, b.hwinfo[j].manufacturer);
            assert_string_equal(a.hwinfo[j].description, b.hwinfo[j].description);
        }
        for (size_t j = 0; j < a.ncompat; j++) {
            assert_int_equal(a.compatinfo[j].pos, 2);
            assert_int_equal(b.compatinfo[j].pos, 2);
            assert_string_equal(a.compatinfo[j].description,
                                b.compatinfo[j].description);
        }
        for (size_t j = 0; j < a.nhkr; j++)
            assert_int_equal(a.hkr[j].flags, b.hkr[j].flags);
    }
}

/* DeviceIds byte 0 is the position in the model line (1, 2, 3, ...; the
 * best one when an id is in several lines), byte 1 the FeatureScore of the
 * line's DDInstall section; a description that is not one %strkey% is
 * stored as its text. */
static const char ranked_inf[] =
    "[Version]\r\nSignature=\"$Windows NT$\"\r\nClass=SCSIAdapter\r\n"
    "ClassGUID={4D36E97B-E325-11CE-BFC1-08002BE10318}\r\nProvider=%P%\r\n"
    "DriverVer=01/02/2024,1.2.3.4\r\nCatalogFile=ranked.cat\r\n"
    "[Manufacturer]\r\n%P% = M,NTamd64\r\n"
    "[M.NTamd64]\r\n"
    "%D% = inst, PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00, "
    "PCI\\VEN_1AF4&DEV_1001&REV_00, PCI\\VEN_1AF4&DEV_1001, PCI\\CC_010000\r\n"
    "Plain text = other, PCI\\VEN_1AF4&DEV_1042, PCI\\VEN_1AF4&DEV_1001\r\n"
    "[inst.NTamd64]\r\nFeatureScore=0xFB\r\nAddReg=drv_addreg\r\n"
    "[inst.NTamd64.Services]\r\nAddService = ranked, 2, svc\r\n"
    "[other]\r\n[other.Services]\r\nAddService = ranked, 2, svc\r\n"
    "[drv_addreg]\r\nHKR,,Flag,0x00010001,3\r\n"
    "HKR,Sub,Kept,0x00010003,4\r\n"            /* NOCLOBBER: not recorded */
    "[svc]\r\nServiceType=1\r\nStartType=0\r\nErrorControl=1\r\n"
    "ServiceBinary=%12%\\ranked.sys\r\n"
    "[Strings]\r\nP=\"Test Provider\"\r\nD=\"Test device\"\r\n";

static void test_ranks(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d;
    from_inf(inf_text("ranked.inf", ranked_inf), &d);
    struct inj_pkg_opts o = { 0, FT_2024, NULL, NULL, NULL, NULL };
    struct inj_plan p = inject(h, &d, &o, NULL);
    char pkg[256], key[512];
    snprintf(pkg, sizeof pkg, PKG "%s", p.label);
    inj_plan_free(&p);
    static const uint8_t hw[4] = { 0x01, 0xFB, 0x00, 0x00 },
                         c2[4] = { 0x02, 0xFB, 0x00, 0x00 },
                         c4[4] = { 0x04, 0xFB, 0x00, 0x00 },
                         c2ff[4] = { 0x02, 0xFF, 0x00, 0x00 },
                         hwff[4] = { 0x01, 0xFF, 0x00, 0x00 };
    /* Line 1 (inst, FeatureScore 0xFB): positions 1, 2, 3, 4. */
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" HW1, "ranked.inf", REGF_BINARY, hw, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\PCI\\VEN_1AF4&DEV_1001&REV_00",
                 "ranked.inf", REGF_BINARY, c2, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\PCI\\CC_010000", "ranked.inf",
                 REGF_BINARY, c4, 4);
    /* DEV_1001 is third in line 1 and second in line 2 (other, no
     * FeatureScore): the better position, with its line's score. */
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" CO1, "ranked.inf", REGF_BINARY,
                 c2ff, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" CO2, "ranked.inf", REGF_BINARY,
                 hwff, 4);
    snprintf(key, sizeof key, "%s\\Descriptors\\" CO2, pkg);
    expect_sz(h, key, "Manufacturer", REGF_SZ, "%p%");
    expect_sz(h, key, "Description", REGF_SZ, "Plain text");
    snprintf(key, sizeof key, "%s\\Descriptors\\" HW1, pkg);
    expect_sz(h, key, "Description", REGF_SZ, "%d%");
    snprintf(key, sizeof key, "%s\\Strings", pkg);
    expect_sz(h, key, "p", REGF_SZ, "Test Provider");
    expect_sz(h, key, "d", REGF_SZ, "Test device");
    assert_int_equal(nvalues(h, key), 2);
    /* [inst] AddReg: the driver key's values, below Driver; the NOCLOBBER
     * line is not recorded in the package. */
    snprintf(key, sizeof key, "%s\\Configurations\\inst\\Driver", pkg);
    static const uint8_t three[4] = { 3, 0, 0, 0 };
    expect_dword(h, key, "Flag", three);
    snprintf(key, sizeof key, "%s\\Configurations\\inst\\Driver\\Sub", pkg);
    expect_gone(h, key);
    expect_sz(h, pkg, "Catalog", REGF_SZ, "ranked.cat");
    expect_sz(h, pkg, "InfName", REGF_SZ, "ranked.inf");
    regf_close(h);

    /* A FeatureScore beyond a byte is refused. */
    char *bad = strdup(ranked_inf);
    char *fs = strstr(bad, "0xFB");
    memcpy(fs, "256 ", 4);
    char err[512];
    assert_int_equal(inj_from_inf(inf_text("bad.inf", bad), "amd64", 10, 0,
                                  19041, &d, err, sizeof err), INF_EINVALID);
    assert_non_null(strstr(err, "FeatureScore"));
    free(bad);
}

/* A newer INF of the same driver replaces hivekit's older package: its
 * DriverPackages key goes, DriverInfFiles names the new one, DeviceIds of
 * ids the new INF dropped go; undo brings the old one back. */
static void test_replace(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d1, d2;
    from_inf(inf_copy("inf/viostor-w10-amd64.inf", "viostor.inf"), &d1);
    struct inj_pkg_opts o = { 0, FT_2024, NULL, NULL, NULL, NULL };
    struct inj_plan p = inject(h, &d1, &o, NULL);
    inj_plan_free(&p);
    struct tu_buf before = export_all(h), undo = { NULL, 0, 0 };

    /* Version 2: a new DriverVer, and the second model line without its
     * compatible id. */
    size_t len;
    char *w10 = tu_fixture("inf/viostor-w10-amd64.inf");
    char *text = (char *)tu_read_file(w10, &len);
    free(w10);
    text = realloc(text, len + 1);
    text[len] = '\0';
    char *v = strstr(text, "100.85.104.20800");
    memcpy(v, "100.85.104.20900", 16);
    char *line = strstr(text, "REV_01, PCI\\VEN_1AF4&DEV_1042");
    memmove(line + 6, line + 29, strlen(line + 29) + 1);  /* ", PCI\\...1042" */
    from_inf(inf_text("viostor.inf", text), &d2);
    free(text);
    assert_int_equal(d2.ncompat, 1);

    o.import_date = FT_2024 + 10000000;           /* a second later */
    p = inject(h, &d2, &o, &undo);
    assert_int_equal(p.nreplaced, 1);
    assert_string_equal(p.replaced[0], LABEL_W10);
    assert_string_not_equal(p.label, LABEL_W10);
    char newlabel[160];
    snprintf(newlabel, sizeof newlabel, "%s", p.label);
    inj_plan_free(&p);
    expect_gone(h, PKG LABEL_W10);
    expect_sz(h, "DriverDatabase\\DriverInfFiles\\viostor.inf", "",
              REGF_MULTI_SZ, newlabel);
    expect_sz(h, "DriverDatabase\\DriverInfFiles\\viostor.inf", "Active",
              REGF_SZ, newlabel);
    /* DEV_1042 without SUBSYS: only the old package had it, and hivekit
     * made its key: gone. The others stay with the same ranks. */
    expect_gone(h, "DriverDatabase\\DeviceIds\\" CO2);
    static const uint8_t r1[4] = { 0x01, 0xFF, 0, 0 }, r2[4] = { 0x02, 0xFF, 0, 0 };
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" HW2, "viostor.inf", REGF_BINARY, r1, 4);
    tu_has_value(h, "DriverDatabase\\DeviceIds\\" CO1, "viostor.inf", REGF_BINARY, r2, 4);
    tu_has_value(h, CLASS, "viostor.inf", REGF_NONE, "", 0);
    /* The new package's ImportDate is its own. */
    char pkg[256];
    static const uint8_t import2[8] = { 0x00, 0x57, 0xE1, 0x58,
                                        0x28, 0x3D, 0xDA, 0x01 };
    snprintf(pkg, sizeof pkg, PKG "%s", newlabel);
    tu_has_value(h, pkg, "ImportDate", REGF_BINARY, import2, 8);
    expect_idempotent(h, &d2, &o);
    expect_undo(h, &undo, &before);
    tu_buf_free(&before);
    tu_buf_free(&undo);
    p = inject(h, &d2, &o, NULL);
    inj_plan_free(&p);
    expect_clean(h);
    regf_close(h);
}

static int inf_exists_oem9(const void *ctx, const char *name)
{
    (void)ctx;
    return strcmp(name, "oem9.inf") == 0;
}

/* --stage: the package published as oemNN.inf with the first number that
 * is free in OemInfMap, in SYSTEM and DRIVERS and as a file in INF\;
 * OemInfMap gets its bit; OemPath set. From a bootstrap entry (the INF's
 * own name), that entry goes. */
static void test_stage(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d;
    from_inf(inf_copy("inf/viostor-w10-amd64.inf", "viostor.inf"), &d);
    /* First unstaged, so that the bootstrap entries exist. */
    struct inj_pkg_opts o = { 0, FT_2024, NULL, NULL, NULL, NULL };
    struct inj_plan p = inject(h, &d, &o, NULL);
    inj_plan_free(&p);
    struct tu_buf before = export_all(h), undo = { NULL, 0, 0 };

    /* A DRIVERS hive that has oem10.inf (read only). */
    regf_hive *drv = NULL;
    regf_key k;
    assert_int_equal(regf_create("DRIVERS", 5, &drv), REGF_OK);
    assert_int_equal(regf_key_create_path(drv, 0, "DriverDatabase\\"
                     "DriverInfFiles\\oem10.inf", &k), REGF_OK);
    o.stage = 1;
    o.oem_path = "C:\\Windows\\Drivers\\VirtIO";
    o.drivers = drv;
    o.inf_exists = inf_exists_oem9;
    int before_mod = regf_modified(drv);
    p = inject(h, &d, &o, &undo);
    assert_int_equal(regf_modified(drv), before_mod);   /* DRIVERS: only read */
    /* OemInfMap ff 80 (oem0..8); oem9 is a file in INF\, oem10 is in
     * DRIVERS: oem11. */
    assert_true(p.staged);
    assert_true(p.oem_new);
    assert_int_equal(p.oem_number, 11);
    assert_string_equal(p.published, "oem11.inf");
    assert_int_equal(p.nreplaced, 0);                   /* same package */
    inj_plan_free(&p);
    static const uint8_t map[2] = { 0xFF, 0x90 };       /* + bit 11 */
    tu_has_value(h, "DriverDatabase", "OemInfMap", REGF_BINARY, map, 2);
    expect_viostor_package(h, LABEL_W10, "oem11.inf");
    expect_sz(h, PKG LABEL_W10, "OemPath", REGF_SZ,
              "C:\\Windows\\Drivers\\VirtIO");
    assert_int_equal(nvalues(h, PKG LABEL_W10), 7);
    /* The bootstrap entry under the INF's own name is gone. */
    expect_gone(h, "DriverDatabase\\DriverInfFiles\\viostor.inf");
    expect_no_value(h, "DriverDatabase\\DeviceIds\\" HW1, "viostor.inf");
    expect_no_value(h, "DriverDatabase\\DeviceIds\\" CO2, "viostor.inf");
    expect_no_value(h, CLASS, "viostor.inf");
    assert_int_equal(nvalues(h, "DriverDatabase\\DeviceIds\\" HW1), 1);
    expect_idempotent(h, &d, &o);
    /* Unstaged now: refused, the package stays staged. */
    struct inj_pkg_opts plain = { 0, FT_2024, NULL, NULL, NULL, NULL };
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system_pkg(h, &d, &plain, &p), REGF_EINVAL);
    assert_non_null(strstr(p.err, "staged as oem11.inf"));
    inj_plan_free(&p);
    /* Staged again after a newer INF: the same oem11.inf, old package
     * replaced, OemInfMap unchanged. */
    size_t len;
    char *w10 = tu_fixture("inf/viostor-w10-amd64.inf");
    char *text = (char *)tu_read_file(w10, &len);
    free(w10);
    text = realloc(text, len + 1);
    text[len] = '\0';
    memcpy(strstr(text, "08/30/2021"), "09/30/2021", 10);
    struct inj_driver d2;
    from_inf(inf_text("viostor.inf", text), &d2);
    free(text);
    struct tu_buf undo2 = { NULL, 0, 0 }, mid = export_all(h);
    p = inject(h, &d2, &o, &undo2);
    assert_string_equal(p.published, "oem11.inf");
    assert_false(p.oem_new);
    assert_int_equal(p.nreplaced, 1);
    assert_string_equal(p.replaced[0], LABEL_W10);
    inj_plan_free(&p);
    tu_has_value(h, "DriverDatabase", "OemInfMap", REGF_BINARY, map, 2);
    expect_gone(h, PKG LABEL_W10);
    expect_undo(h, &undo2, &mid);
    expect_undo(h, &undo, &before);
    tu_buf_free(&before);
    tu_buf_free(&mid);
    tu_buf_free(&undo);
    tu_buf_free(&undo2);
    p = inject(h, &d, &o, NULL);
    inj_plan_free(&p);
    expect_clean(h);
    regf_close(drv);
    regf_close(h);
}

/* What is refused: a published name Windows owns; --stage without a
 * DriverDatabase (Windows 7 and older). */
static void test_refusals(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d;
    /* The viostor INF under the name of an in-box INF of this guest. */
    from_inf(inf_copy("inf/viostor-w10-amd64.inf", "stornvme.inf"), &d);
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system_pkg(h, &d, NULL, &p), REGF_EINVAL);
    assert_non_null(strstr(p.err, "a package Windows installed"));
    inj_plan_free(&p);
    regf_close(h);

    /* A SYSTEM hive without DriverDatabase. */
    regf_key k;
    uint8_t one[4] = { 1, 0, 0, 0 };
    assert_int_equal(regf_create("SYSTEM", 5, &h), REGF_OK);
    assert_int_equal(regf_key_create_path(h, 0, "Select", &k), REGF_OK);
    assert_int_equal(regf_value_set(h, k, "Current", 7, REGF_DWORD, one, 4),
                     REGF_OK);
    assert_int_equal(regf_key_create_path(h, 0, "ControlSet001\\Services", &k),
                     REGF_OK);
    from_inf(inf_copy("inf/viostor-w10-amd64.inf", "viostor.inf"), &d);
    struct inj_pkg_opts o = { 1, FT_2024, "C:\\Windows\\Drivers\\VirtIO",
                              NULL, NULL, NULL };
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system_pkg(h, &d, &o, &p), REGF_EINVAL);
    assert_non_null(strstr(p.err, "no DriverDatabase"));
    inj_plan_free(&p);
    /* Without --stage it plans (control set only). */
    o.stage = 0;
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system_pkg(h, &d, &o, &p), REGF_OK);
    assert_false(p.driver_database);
    inj_plan_free(&p);
    regf_close(h);
}

/* A "run from driver store" INF (DIRID 13, as the virtio-win w11 and 2k25
 * builds): hivekit still points ImagePath at System32\drivers. */
static void test_dirid13(void **state)
{
    (void)state;
    regf_hive *h = open_win10();
    struct inj_driver d;
    from_inf(inf_copy("inf/viostor-w11-amd64.inf", "viostor.inf"), &d);
    assert_int_equal(d.binary_dirid, 13);
    assert_string_equal(d.binary, "viostor.sys");
    struct inj_pkg_opts o = { 0, FT_2024, NULL, NULL, NULL, NULL };
    struct inj_plan p = inject(h, &d, &o, NULL);
    assert_string_equal(p.label, LABEL_W11);
    inj_plan_free(&p);
    expect_sz(h, "ControlSet001\\Services\\viostor", "ImagePath",
              REGF_EXPAND_SZ, "System32\\drivers\\viostor.sys");
    expect_viostor_package(h, LABEL_W11, "viostor.inf");
    regf_close(h);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hivekit-pkg-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_package_values),
        cmocka_unit_test(test_profile_package),
        cmocka_unit_test(test_ranks),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_dirid13),
    };
    return TU_MAIN_CORE(tests, setup, teardown);
}
