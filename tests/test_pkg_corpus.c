/* test_pkg_corpus.c - the package layout hivekit imitates, checked on the
 * real SYSTEM hives of the corpus (Windows 8.1, 10 1709, 10 1709 with
 * logs, 10 20H2), and hivekit's package on each of them. Exits 77
 * (skipped) when the corpus is absent.
 *
 * What Windows does, as the hives show it:
 *   - every DriverPackages key has SignerScore (hivekit never writes it:
 *     that is how hivekit tells its own packages from Windows');
 *   - OemInfMap is a bitmap of the oemNN.inf numbers in use, bit 7 of byte
 *     0 being oem0 (every DriverInfFiles\oemNN.inf has its bit);
 *   - DeviceIds\{4d36e97b-...} (lower case) holds one empty REG_NONE value
 *     per SCSIAdapter package;
 *   - a KEYONLY AddReg line is the value "0x00000010" = REG_SZ "" (00 00);
 *   - ConfigScope 7 on Windows 10, none on 8.1;
 *   - descriptors name strings as lower-case "%token%", Strings holds
 *     them under lower-case names (VMware's vmci package, 1709).
 * Then hivekit's staged package on each hive: the oemNN.inf number and
 * OemInfMap bytes spelled out, idempotent, undone, clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hivecheck.h"
#include "inject.h"
#include "testutil.h"

#define FT_2024 133486382450000000ULL

static const struct {
    const char *rel;
    unsigned major;                 /* 6: 8.1 */
    int oem;                        /* the number hivekit's staging takes */
    uint8_t map[2];                 /* OemInfMap after it */
    size_t maplen;
} hives[] = {
    /* e0: oem0..2 in use */
    { "regipy/regipy_tests/data/SYSTEM_2.xz", 6, 3, { 0xF0 }, 1 },
    /* ff f0: oem0..11 */
    { "regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz", 10, 12, { 0xFF, 0xF8 }, 2 },
    /* ff fc: oem0..13 */
    { "regipy/regipy_tests/data/SYSTEM_B.xz", 10, 14, { 0xFF, 0xFE }, 2 },
    /* ff 80: oem0..8 */
    { "dissect.regf/tests/_data/SYSTEM.xz", 10, 9, { 0xFF, 0xC0 }, 2 },
};

static int to_buf(void *ctx, const void *p, size_t n)
{
    return tu_buf_write(ctx, p, n);
}

/* A corpus file decompressed here (not through the corpus-xz fixture,
 * so that this test needs nothing but the corpus). */
static regf_hive *open_xz(const char *rel)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "xz -dc '%s/%s'", HIVEKIT_CORPUS, rel);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 32u << 20, len = 0, n;
    uint8_t *img = malloc(cap);
    assert_non_null(img);
    while ((n = fread(img + len, 1, cap - len, f)) > 0)
        len += n;
    assert_int_equal(pclose(f), 0);
    regf_hive *h = NULL;
    if (regf_open_mem(img, len, rel, REGF_OPEN_WRITE, &h) != REGF_OK)
        fail_msg("%s: %s", rel, regf_errmsg(h));
    free(img);
    regf_set_time(h, 133500000000000000ULL);
    return h;
}

static int child_names(regf_hive *h, const char *path, char names[][160],
                       int max)
{
    regf_key k, c;
    regf_iter it;
    int n = 0;
    if (regf_key_lookup(h, 0, path, &k) != REGF_OK)
        return 0;
    for (int rc = regf_subkey_first(h, k, &it, &c); rc == REGF_OK && n < max;
         rc = regf_subkey_next(h, &it, &c))
        if (regf_key_name(h, c, names[n], 160, NULL) == REGF_OK)
            n++;
    return n;
}

static int value_bytes(regf_hive *h, const char *key, const char *name,
                       uint32_t *type, uint8_t *buf, size_t size, size_t *len)
{
    regf_key k;
    regf_val v;
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK ||
        regf_value_lookup(h, k, name, &v) != REGF_OK)
        return -1;
    return regf_value_data(h, v, type, buf, size, len) == REGF_OK ? 0 : -1;
}

static char pkgs[1200][160];

static void test_windows_layout(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hives / sizeof *hives; i++) {
        regf_hive *h = open_xz(hives[i].rel);
        int n = child_names(h, "DriverDatabase\\DriverPackages", pkgs, 1200);
        assert_true(n > 100);
        uint8_t buf[256];
        size_t len;
        uint32_t type;
        for (int j = 0; j < n; j++) {
            char key[300];
            snprintf(key, sizeof key, "DriverDatabase\\DriverPackages\\%.159s", pkgs[j]);
            if (value_bytes(h, key, "SignerScore", &type, buf, sizeof buf, &len) != 0 ||
                type != REGF_DWORD)
                fail_msg("%s: %s has no SignerScore", hives[i].rel, pkgs[j]);
        }
        /* OemInfMap: bit 7 of byte 0 is oem0. */
        uint8_t map[64];
        size_t mlen;
        assert_int_equal(value_bytes(h, "DriverDatabase", "OemInfMap", &type,
                                     map, sizeof map, &mlen), 0);
        assert_int_equal(type, REGF_BINARY);
        static char infs[400][160];
        int ni = child_names(h, "DriverDatabase\\DriverInfFiles", infs, 400);
        int msb_ok = 1, lsb_ok = 1, noem = 0;
        for (int j = 0; j < ni; j++) {
            int num;
            char tail[8];
            if (sscanf(infs[j], "oem%d%7s", &num, tail) != 2 ||
                strcmp(tail, ".inf") != 0)
                continue;
            noem++;
            msb_ok &= (size_t)num / 8 < mlen && (map[num / 8] & (0x80 >> (num % 8)));
            lsb_ok &= (size_t)num / 8 < mlen && (map[num / 8] & (1 << (num % 8)));
        }
        assert_true(noem > 0);
        assert_true(msb_ok);
        if (strstr(hives[i].rel, "1709"))
            assert_false(lsb_ok);       /* oem11 with ff f0: MSB first only */
        /* The class index of SCSIAdapter packages. */
        const char *cls = "DriverDatabase\\DeviceIds\\{4d36e97b-e325-11ce-bfc1-08002be10318}";
        regf_key k;
        struct regf_key_info ki;
        assert_int_equal(regf_key_lookup(h, 0, cls, &k), REGF_OK);
        assert_int_equal(regf_key_info(h, k, &ki), REGF_OK);
        assert_true(ki.nvalues > 10);
        for (uint32_t j = 0; j < ki.nvalues; j++) {
            regf_val v;
            struct regf_value_info vi;
            assert_int_equal(regf_value_at(h, k, j, &v), REGF_OK);
            assert_int_equal(regf_value_info(h, v, &vi), REGF_OK);
            assert_int_equal(vi.type, REGF_NONE);
            assert_int_equal(vi.size, 0);
        }
        /* A KEYONLY line and ConfigScope in the in-box NVMe package. */
        char nv[160] = "";
        for (int j = 0; j < n; j++)
            if (strncmp(pkgs[j], "stornvme.inf_", 13) == 0)
                snprintf(nv, sizeof nv, "%.159s", pkgs[j]);
        assert_true(nv[0]);
        char cfg[400], key[600];
        snprintf(cfg, sizeof cfg, "DriverDatabase\\DriverPackages\\%s\\"
                 "Configurations\\Stornvme_Inst", nv);
        snprintf(key, sizeof key, "%s\\Device\\Interrupt Management", cfg);
        assert_int_equal(value_bytes(h, key, "0x00000010", &type, buf,
                                     sizeof buf, &len), 0);
        assert_int_equal(type, REGF_SZ);
        assert_int_equal(len, 2);
        assert_int_equal(buf[0] | buf[1], 0);
        int has_scope = value_bytes(h, cfg, "ConfigScope", &type, buf,
                                    sizeof buf, &len) == 0;
        assert_int_equal(has_scope, hives[i].major >= 10);
        if (has_scope) {
            static const uint8_t seven[4] = { 7, 0, 0, 0 };
            assert_int_equal(len, 4);
            assert_memory_equal(buf, seven, 4);
        }
        regf_close(h);
    }
    /* Descriptors and Strings of a third-party package (VMware vmci,
     * Windows 10 1709): lower-case tokens and names. */
    regf_hive *h = open_xz(hives[1].rel);
    const char *p = "DriverDatabase\\DriverPackages\\vmci.inf_amd64_5e38a278d114b813";
    char key[400];
    uint8_t buf[256];
    size_t len;
    uint32_t type;
    snprintf(key, sizeof key, "%s\\Descriptors\\PCI\\VEN_15AD&DEV_0740", p);
    static const char manu[] = "%loc.vmwaremanufacturer%";
    assert_int_equal(value_bytes(h, key, "Manufacturer", &type, buf, sizeof buf,
                                 &len), 0);
    assert_int_equal(type, REGF_SZ);
    assert_int_equal(len, 2 * sizeof manu);
    for (size_t i = 0; i < sizeof manu; i++)
        assert_int_equal(buf[2 * i], (uint8_t)manu[i]);
    snprintf(key, sizeof key, "%s\\Strings", p);
    assert_int_equal(value_bytes(h, key, "loc.vmwaremanufacturer", &type, buf,
                                 sizeof buf, &len), 0);
    regf_close(h);
}

static int no_file(const void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return 0;
}

static void test_hivekit_package(void **state)
{
    (void)state;
    char *inf = tu_fixture("inf/viostor-w10-amd64.inf");
    struct inj_driver d;
    char err[512];
    for (size_t i = 0; i < sizeof hives / sizeof *hives; i++) {
        if (inj_from_inf(inf, "amd64", hives[i].major, hives[i].major == 6 ? 3 : 0,
                         19041, &d, err, sizeof err) != 0)
            fail_msg("%s", err);
        regf_hive *h = open_xz(hives[i].rel);
        struct regf_info in;
        regf_get_info(h, &in);
        struct tu_buf before = { NULL, 0, 0 }, after = { NULL, 0, 0 },
                      undo = { NULL, 0, 0 };
        assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write, &before),
                         REGF_OK);
        struct inj_pkg_opts o = { 1, FT_2024, "C:\\Windows\\Drivers\\VirtIO",
                                  NULL, no_file, NULL };
        struct inj_plan p;
        memset(&p, 0, sizeof p);
        if (inj_plan_system_pkg(h, &d, &o, &p) != REGF_OK)
            fail_msg("%s: %s", hives[i].rel, p.err);
        assert_int_equal(p.oem_number, hives[i].oem);
        assert_int_equal(inj_plan_reg(&p, "X", 1, to_buf, &undo), REGF_OK);
        assert_int_equal(inj_apply(h, &p), REGF_OK);
        char pkg[300];
        snprintf(pkg, sizeof pkg, "DriverDatabase\\DriverPackages\\%s\\"
                 "Configurations\\scsi_inst", p.label);
        inj_plan_free(&p);
        uint8_t map[64];
        size_t mlen;
        uint32_t type;
        assert_int_equal(value_bytes(h, "DriverDatabase", "OemInfMap", &type,
                                     map, sizeof map, &mlen), 0);
        assert_int_equal(mlen, hives[i].maplen);
        assert_memory_equal(map, hives[i].map, mlen);
        uint8_t buf[16];
        size_t len;
        assert_int_equal(value_bytes(h, pkg, "ConfigScope", &type, buf,
                                     sizeof buf, &len) == 0,
                         hives[i].major >= 10);
        memset(&p, 0, sizeof p);
        assert_int_equal(inj_plan_system_pkg(h, &d, &o, &p), REGF_OK);
        assert_int_equal(p.n, 0);
        inj_plan_free(&p);
        assert_int_equal(regf_import_reg(h, undo.p, undo.len, "X"), REGF_OK);
        assert_int_equal(regf_export_reg(h, 0, "X", 0, tu_buf_write, &after),
                         REGF_OK);
        if (after.len != before.len || memcmp(after.p, before.p, after.len))
            fail_msg("%s: undo does not restore the content", hives[i].rel);
        /* Injected again for the checker. */
        memset(&p, 0, sizeof p);
        assert_int_equal(inj_plan_system_pkg(h, &d, &o, &p), REGF_OK);
        assert_int_equal(inj_apply(h, &p), REGF_OK);
        inj_plan_free(&p);
        char path[] = "/tmp/hivekit-pkgc-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        unlink(path);
        assert_int_equal(regf_commit(h, path, REGF_COMMIT_NEW |
                                     (in.dirty ? REGF_COMMIT_DIRTY : 0)),
                         REGF_OK);
        uint8_t *img = tu_read_file(path, &len);
        unlink(path);
        struct hc_report rep;
        int np = hc_check(img, len, 0, &rep);
        if (np)
            hc_print(&rep, stderr);
        hc_free(&rep);
        free(img);
        assert_int_equal(np, 0);
        regf_close(h);
        tu_buf_free(&before);
        tu_buf_free(&after);
        tu_buf_free(&undo);
    }
    free(inf);
}

/* Windows 7 has no DriverDatabase: --stage is refused there. */
static void test_win7(void **state)
{
    (void)state;
    regf_hive *h = open_xz("regipy/regipy_tests/data/SYSTEM.xz");
    struct inj_driver d;
    assert_int_equal(inj_profile("viostor", "x86", &d), REGF_OK);
    struct inj_pkg_opts o = { 1, FT_2024, "C:\\Windows\\Drivers\\VirtIO",
                              NULL, NULL, NULL };
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    assert_int_equal(inj_plan_system_pkg(h, &d, &o, &p), REGF_EINVAL);
    assert_non_null(strstr(p.err, "no DriverDatabase"));
    inj_plan_free(&p);
    regf_close(h);
}

int main(void)
{
    if (access(HIVEKIT_CORPUS "/regipy/regipy_tests/data/SYSTEM_2.xz", R_OK) != 0) {
        printf("SKIP: no corpus at %s\n", HIVEKIT_CORPUS);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_layout),
        cmocka_unit_test(test_hivekit_package),
        cmocka_unit_test(test_win7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
