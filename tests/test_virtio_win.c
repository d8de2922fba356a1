/* test_virtio_win.c - the guest's Windows from its hives (guest.c) and the
 * virtio-win driver that fits it (virtio_win.c), on hives made here in
 * memory and virtio-win trees made in a temporary folder from the real
 * INFs of fixtures/inf. No corpus (the CLI test covers the real hives). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inf.h"
#include "inject.h"
#include "testutil.h"
#include "virtio_win.h"

/* ---- hives made here ---------------------------------------------------------- */

/* A SYSTEM hive: Select\Current 1, ARCH, PRODUCT_TYPE. */
static regf_hive *system_hive(const char *arch, const char *product_type)
{
    regf_hive *h = tu_new_hive();
    tu_set_dword(h, "Select", "Current", 1);
    tu_set_sz(h, "ControlSet001\\Control\\Session Manager\\Environment",
              "PROCESSOR_ARCHITECTURE", arch);
    if (product_type)
        tu_set_sz(h, "ControlSet001\\Control\\ProductOptions", "ProductType",
                  product_type);
    return h;
}

/* A Microsoft class driver instance NNNN of version VER. */
static void class_driver(regf_hive *h, const char *guid, int n,
                         const char *provider, const char *ver)
{
    char key[200];
    snprintf(key, sizeof key, "ControlSet001\\Control\\Class\\%s\\%04d",
             guid, n);
    tu_set_sz(h, key, "ProviderName", provider);
    tu_set_sz(h, key, "DriverVersion", ver);
}

/* ---- architectures and folders ----------------------------------------------- */

static void test_arch_spellings(void **state)
{
    (void)state;
    static const char *const amd[] = { "amd64", "AMD64", "x64", "X64",
                                       "x86_64", "X86_64" };
    static const char *const x86[] = { "x86", "X86", "i386", "I386", "i686" };
    for (size_t i = 0; i < sizeof amd / sizeof *amd; i++)
        assert_string_equal(inj_arch_norm(amd[i]), "amd64");
    for (size_t i = 0; i < sizeof x86 / sizeof *x86; i++)
        assert_string_equal(inj_arch_norm(x86[i]), "x86");
    assert_string_equal(inj_arch_norm("arm64"), "arm64");
    assert_string_equal(inj_arch_norm("ARM64"), "arm64");
    assert_string_equal(inj_arch_norm("aarch64"), "arm64");
    assert_null(inj_arch_norm("mips"));
    assert_null(inj_arch_norm("arm"));
    assert_null(inj_arch_norm(""));
    assert_null(inj_arch_norm(NULL));
}

static void test_folder_table(void **state)
{
    (void)state;
    static const struct {
        unsigned major, minor, build;
        int server;
        const char *folder, *name;
    } t[] = {
        { 5, 1, 2600, 0, "xp", "Windows XP" },
        { 5, 2, 3790, 0, "xp", "Windows XP x64" },
        { 5, 2, 3790, 1, "2k3", "Windows Server 2003" },
        { 6, 0, 6002, 0, "2k8", "Windows Vista" },
        { 6, 0, 6003, 1, "2k8", "Windows Server 2008" },
        { 6, 1, 7601, 0, "w7", "Windows 7" },
        { 6, 1, 7601, 1, "2k8R2", "Windows Server 2008 R2" },
        { 6, 2, 9200, 0, "w8", "Windows 8" },
        { 6, 2, 9200, 1, "2k12", "Windows Server 2012" },
        { 6, 3, 9600, 0, "w8.1", "Windows 8.1" },
        { 6, 3, 9600, 1, "2k12R2", "Windows Server 2012 R2" },
        { 10, 0, 10240, 0, "w10", "Windows 10" },
        { 10, 0, 19045, 0, "w10", "Windows 10" },
        { 10, 0, 22000, 0, "w11", "Windows 11" },
        { 10, 0, 26100, 0, "w11", "Windows 11" },
        { 10, 0, 14393, 1, "2k16", "Windows Server 2016" },
        { 10, 0, 16299, 1, "2k16", "Windows Server 2016" },  /* SAC 1709 */
        { 10, 0, 17763, 1, "2k19", "Windows Server 2019" },
        { 10, 0, 19042, 1, "2k19", "Windows Server 2019" },  /* SAC 20H2 */
        { 10, 0, 20348, 1, "2k22", "Windows Server 2022" },
        { 10, 0, 26100, 1, "2k25", "Windows Server 2025" },
        { 10, 0, 0, 0, "w10", "Windows 10 or 11" },
        { 10, 0, 0, 1, "2k16", "Windows Server 2016 or later" },
        { 10, 0, 19041, -1, "w10", "Windows 10" },     /* not known: client */
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        struct inj_guest g;
        char name[64];
        memset(&g, 0, sizeof g);
        g.major = t[i].major;
        g.minor = t[i].minor;
        g.build = t[i].build;
        g.server = t[i].server;
        assert_string_equal(inj_vw_folder(&g), t[i].folder);
        assert_string_equal(inj_guest_name(&g, name, sizeof name), t[i].name);
    }
    struct inj_guest g;
    char name[64];
    memset(&g, 0, sizeof g);
    assert_null(inj_vw_folder(&g));
    assert_string_equal(inj_guest_name(&g, name, sizeof name),
                        "an unknown Windows");
    g.major = 6;
    g.minor = 4;
    assert_null(inj_vw_folder(&g));
    assert_string_equal(inj_guest_name(&g, name, sizeof name),
                        "Windows NT 6.4");
}

/* ---- the guest from SYSTEM alone, and SOFTWARE over it ------------------------- */

static const char scsi[] = "{4d36e97b-e325-11ce-bfc1-08002be10318}";
static const char hdc[] = "{4d36e96a-e325-11ce-bfc1-08002be10318}";

static void test_guest_system(void **state)
{
    (void)state;
    struct inj_guest g;

    /* Windows 10 and later: DriverDatabase\Version and BuildLab. */
    regf_hive *h = system_hive("AMD64", "ServerNT");
    tu_set_dword(h, "DriverDatabase", "Version", 0x0a000000);
    tu_set_sz(h, "Software\\Microsoft", "BuildLab",
              "17763.rs5_release.180914-1434");
    assert_int_equal(inj_guest_system(h, NULL, &g), REGF_OK);
    assert_string_equal(g.processor_architecture, "AMD64");
    assert_string_equal(g.product_type, "ServerNT");
    assert_int_equal(g.server, 1);
    assert_int_equal(g.major, 10);
    assert_int_equal(g.minor, 0);
    assert_int_equal(g.build, 17763);
    assert_string_equal(g.version_from, "DriverDatabase\\Version, BuildLab");
    assert_string_equal(inj_vw_folder(&g), "2k19");
    regf_close(h);

    /* BuildLabEx when BuildLab is missing; a domain controller. */
    h = system_hive("AMD64", "LanmanNT");
    tu_set_dword(h, "DriverDatabase", "Version", 0x0a000000);
    tu_set_sz(h, "Software\\Microsoft", "BuildLabEx",
              "20348.1.amd64fre.fe_release.210507-1500");
    assert_int_equal(inj_guest_system(h, NULL, &g), REGF_OK);
    assert_int_equal(g.server, 1);
    assert_int_equal(g.build, 20348);
    assert_string_equal(inj_vw_folder(&g), "2k22");
    regf_close(h);

    /* Before 1709: the build from the class drivers that match the
     * DriverDatabase version. */
    h = system_hive("AMD64", "ServerNT");
    tu_set_dword(h, "DriverDatabase", "Version", 0x0a000000);
    for (int i = 0; i < 5; i++)
        class_driver(h, scsi, i, "Microsoft", "10.0.14393.0");
    class_driver(h, hdc, 0, "Microsoft", "10.0.14393.2273");
    assert_int_equal(inj_guest_system(h, NULL, &g), REGF_OK);
    assert_int_equal(g.build, 14393);
    assert_string_equal(inj_vw_folder(&g), "2k16");
    regf_close(h);

    /* Windows 8.1: DriverDatabase\Version 0x06030000. */
    h = system_hive("AMD64", "WinNT");
    tu_set_dword(h, "DriverDatabase", "Version", 0x06030000);
    class_driver(h, scsi, 0, "Microsoft", "6.3.9600.16384");
    class_driver(h, scsi, 1, "Microsoft", "6.3.9600.17031");
    assert_int_equal(inj_guest_system(h, NULL, &g), REGF_OK);
    assert_int_equal(g.major, 6);
    assert_int_equal(g.minor, 3);
    assert_int_equal(g.build, 9600);
    assert_int_equal(g.server, 0);
    assert_string_equal(inj_vw_folder(&g), "w8.1");
    regf_close(h);

    /* Windows 7: no DriverDatabase; most Microsoft class drivers say
     * 6.1.7601, a few updated ones (Hyper-V integration components of
     * 8.1) and third-party ones do not count. */
    h = system_hive("x86", "WinNT");
    for (int i = 0; i < 6; i++)
        class_driver(h, scsi, i, "Microsoft", "6.1.7601.17514");
    for (int i = 6; i < 9; i++)
        class_driver(h, scsi, i, "Microsoft", "6.1.7600.16385");
    for (int i = 0; i < 4; i++)
        class_driver(h, hdc, i, "Microsoft", "6.3.9600.18692");
    class_driver(h, hdc, 4, "VMware, Inc.", "10.0.17763.1");
    class_driver(h, hdc, 5, "Microsoft", "8.4.1.1");
    assert_int_equal(inj_guest_system(h, NULL, &g), REGF_OK);
    assert_int_equal(g.major, 6);
    assert_int_equal(g.minor, 1);
    assert_int_equal(g.build, 7601);
    assert_string_equal(g.version_from, "class driver versions");
    assert_string_equal(inj_guest_arch_name(&g), "x86");
    assert_string_equal(inj_vw_folder(&g), "w7");

    /* SOFTWARE over it: CurrentBuild when CurrentBuildNumber is missing,
     * InstallationType, ProductName; the version wins over SYSTEM's. */
    regf_hive *sw = tu_new_hive();
    const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
    tu_set_sz(sw, "Microsoft\\Windows\\CurrentVersion", "DevicePath",
              "%SystemRoot%\\inf");
    tu_set_dword(sw, cv, "CurrentMajorVersionNumber", 10);
    tu_set_dword(sw, cv, "CurrentMinorVersionNumber", 0);
    tu_set_sz(sw, cv, "CurrentVersion", "6.3");
    tu_set_sz(sw, cv, "CurrentBuild", "22631");
    tu_set_sz(sw, cv, "InstallationType", "Client");
    tu_set_sz(sw, cv, "ProductName", "Windows 10 Pro");
    assert_int_equal(inj_guest_software(sw, &g), REGF_OK);
    assert_int_equal(g.major, 10);
    assert_int_equal(g.build, 22631);
    assert_int_equal(g.server, 0);
    assert_string_equal(g.product_name, "Windows 10 Pro");
    char name[64];
    assert_string_equal(inj_guest_name(&g, name, sizeof name), "Windows 11");
    assert_string_equal(g.processor_architecture, "x86");   /* kept */
    tu_set_sz(sw, cv, "InstallationType", "Server Core");
    tu_set_sz(sw, cv, "CurrentBuildNumber", "20348");
    assert_int_equal(inj_guest_software(sw, &g), REGF_OK);
    assert_int_equal(g.server, 1);
    assert_int_equal(g.build, 20348);
    regf_close(sw);

    /* Older SOFTWARE: CurrentVersion "6.1". */
    sw = tu_new_hive();
    tu_set_sz(sw, cv, "CurrentVersion", "6.1");
    tu_set_sz(sw, cv, "CurrentBuildNumber", "7601");
    assert_int_equal(inj_guest_software(sw, &g), REGF_OK);
    assert_int_equal(g.major, 6);
    assert_int_equal(g.minor, 1);
    assert_int_equal(g.build, 7601);
    regf_close(sw);
    regf_close(h);

    /* Nothing to tell the version by. */
    h = system_hive("AMD64", "WinNT");
    assert_int_equal(inj_guest_system(h, NULL, &g), REGF_NOTFOUND);
    assert_int_equal(g.major, 0);
    assert_int_equal(g.server, 0);
    assert_null(inj_vw_folder(&g));
    regf_close(h);
}

/* ---- virtio-win trees ---------------------------------------------------------------- */

static char tmp[256];

static void mkdirs(const char *rel)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    for (char *s = p + strlen(tmp) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

static void write_file(const char *rel, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The real viostor INF with decoration DECO and DriverVer VER. */
static char *inf_text(const char *deco, const char *ver)
{
    char *path = tu_fixture("inf/viostor-w10-amd64.inf");
    size_t len;
    uint8_t *src = tu_read_file(path, &len);
    free(path);
    char *out = malloc(len * 2 + 256), *o = out;
    const char *s = (const char *)src, *end = s + len;
    while (s < end) {
        if (end - s >= 11 && memcmp(s, "NTamd64.6.3", 11) == 0) {
            o += sprintf(o, "%s", deco);
            s += 11;
        } else if (end - s >= 16 && memcmp(s, "100.85.104.20800", 16) == 0) {
            o += sprintf(o, "%s", ver);
            s += 16;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    free(src);
    return out;
}

/* DIR (relative) with viostor.inf (DECO, VER), .sys and .cat, the names in
 * the case given by SUFFIXES ("inf", "INF", ...). */
static void driver_dir(const char *dir, const char *deco, const char *ver,
                       int upper, int with_sys)
{
    char rel[512];
    char *text = inf_text(deco, ver);
    mkdirs(dir);
    snprintf(rel, sizeof rel, "%s/%s", dir, upper ? "VIOSTOR.INF" : "viostor.inf");
    write_file(rel, text);
    free(text);
    if (with_sys) {
        snprintf(rel, sizeof rel, "%s/%s", dir, upper ? "VIOSTOR.SYS" : "viostor.sys");
        write_file(rel, "");
    }
    snprintf(rel, sizeof rel, "%s/%s", dir, upper ? "VIOSTOR.CAT" : "viostor.cat");
    write_file(rel, "");
}

static struct inj_guest guest(unsigned major, unsigned minor, unsigned build,
                              int server, const char *arch)
{
    struct inj_guest g;
    memset(&g, 0, sizeof g);
    g.major = major;
    g.minor = minor;
    g.build = build;
    g.server = server;
    snprintf(g.processor_architecture, sizeof g.processor_architecture, "%s",
             arch);
    snprintf(g.product_type, sizeof g.product_type, "%s",
             server ? "ServerNT" : "WinNT");
    return g;
}

static int setup_tree(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "%s/hivekit-vw-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return -1;
    return 0;
}

static int teardown_tree(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_find(void **state)
{
    (void)state;
    char root[300], err[2048];
    struct inj_vw_choice c;
    struct inj_driver d;

    /* Names in another case than the guest's folder table. */
    snprintf(root, sizeof root, "%s/iso", tmp);
    driver_dir("iso/VIOSTOR/2K19/AMD64", "NTamd64.10.0", "100.85.104.19", 1, 1);
    driver_dir("iso/viostor/w10/amd64", "NTamd64.10.0", "100.85.104.10", 0, 1);
    driver_dir("iso/viostor/w11/amd64", "NTamd64.10.0...16299",
               "100.85.104.11", 0, 1);
    driver_dir("iso/viostor/w7/x86", "NTx86.6.1", "61.85.104.61", 0, 1);
    driver_dir("iso/viostor/w8.1/amd64", "NTamd64.6.3", "63.85.104.63", 0, 0);
    driver_dir("iso/viostor/w8/amd64", "NTamd64.6.2", "62.85.104.62", 0, 1);

    struct inj_guest g = guest(10, 0, 17763, 1, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "x64", 0, &c, &d, err,
                                 sizeof err), INF_OK);
    assert_string_equal(c.rel, "VIOSTOR/2K19/AMD64");
    assert_string_equal(c.folder, "2k19");
    assert_string_equal(c.layout, "per-driver");
    assert_int_equal(c.fallback, 0);
    assert_int_equal(d.ver[3], 19);
    assert_string_equal(d.service, "viostor");
    assert_string_equal(d.arch, "amd64");

    /* Server 2022: no 2k22, the same build's 2k19, with a note. */
    g = guest(10, 0, 20348, 1, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 0, &c, &d,
                                 err, sizeof err), INF_OK);
    assert_string_equal(c.folder, "2k19");
    assert_int_equal(c.fallback, 1);
    assert_non_null(strstr(c.note, "no 2k22 folder for Windows Server 2022"));

    /* Windows 11 build 22621 takes w11 (NTamd64.10.0...16299 applies). */
    g = guest(10, 0, 22621, 0, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 0, &c, &d,
                                 err, sizeof err), INF_OK);
    assert_string_equal(c.rel, "viostor/w11/amd64");

    /* Windows 8.1: its folder lacks viostor.sys: rejected, and w8 is an
     * older Windows' build: refused without force, taken with it. */
    g = guest(6, 3, 9600, 0, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 0, &c, &d,
                                 err, sizeof err), INF_NOTFOUND);
    assert_non_null(strstr(err, "viostor.sys, which the INF names, is not beside it"));
    assert_non_null(strstr(err, "w8 (viostor/w8/amd64) is for an older Windows"));
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 1, &c, &d,
                                 err, sizeof err), INF_OK);
    assert_string_equal(c.folder, "w8");
    assert_non_null(strstr(c.note, "older Windows"));

    /* Windows 7 x86; an amd64 Windows 7 has nothing. */
    g = guest(6, 1, 7601, 0, "x86");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "i386", 0, &c, &d,
                                 err, sizeof err), INF_OK);
    assert_string_equal(c.rel, "viostor/w7/x86");
    g = guest(6, 1, 7601, 0, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 1, &c, &d,
                                 err, sizeof err), INF_NOTFOUND);
    assert_non_null(strstr(err, "no viostor for Windows 7 (6.1.7601) on amd64"));

    /* Unknown version, missing tree, another driver. */
    g = guest(0, 0, 0, 0, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 0, &c, &d,
                                 err, sizeof err), INF_EARG);
    g = guest(10, 0, 19041, 0, "AMD64");
    assert_int_equal(inj_vw_find("/nonexistent/vw", "viostor", &g, "amd64", 0,
                                 &c, &d, err, sizeof err), INF_EIO);
    assert_int_equal(inj_vw_find(root, "vioscsi", &g, "amd64", 0, &c, &d,
                                 err, sizeof err), INF_NOTFOUND);
}

static void test_info_json(void **state)
{
    (void)state;
    char root[300], err[2048];
    struct inj_vw_choice c;
    struct inj_driver d;
    snprintf(root, sizeof root, "%s/json", tmp);
    driver_dir("json/viostor/w10/amd64", "NTamd64.10.0", "100.85.104.10", 0, 1);
    mkdirs("json/data");
    write_file("json/data/info.json",
               "{\n  \"drivers\": [\n    {\n      \"arch\": \"x86\",\n"
               "      \"driver_version\": \"08/30/2021,100.85.104.20800\",\n"
               "      \"inf_path\": \"viostor/w10/x86/viostor.inf\",\n"
               "      \"name\": \"Red Hat VirtIO SCSI controller\",\n"
               "      \"windows_version\": \"w10\"\n    },\n    {\n"
               "      \"arch\": \"amd64\",\n"
               "      \"driver_version\": \"08/30/2021,100.85.104.20800\",\n"
               "      \"inf_path\": \"viostor/w10/amd64/viostor.inf\",\n"
               "      \"name\": \"Red Hat \\\"VirtIO\\\" \\u0053CSI\",\n"
               "      \"windows_version\": \"w10\", \"extra\": [1, true, null, {\"a\": -2.5e3}]\n"
               "    }\n  ]\n}\n");
    struct inj_guest g = guest(10, 0, 19041, 0, "AMD64");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 0, &c, &d, err,
                                 sizeof err), INF_OK);
    assert_string_equal(c.layout, "data/info.json");
    assert_string_equal(c.driver_version, "08/30/2021,100.85.104.20800");
    assert_string_equal(c.rel, "viostor/w10/amd64");

    /* A manifest that is not JSON is ignored; the folders still count. */
    write_file("json/data/info.json", "{\"drivers\": [ {\"arch\": ");
    assert_int_equal(inj_vw_find(root, "viostor", &g, "amd64", 0, &c, &d, err,
                                 sizeof err), INF_OK);
    assert_string_equal(c.layout, "per-driver");
    assert_string_equal(c.driver_version, "");
}

static void test_inf_checks(void **state)
{
    (void)state;
    char path[400], err[2048], warn[1024];
    struct inj_driver d;
    driver_dir("chk/b16299", "NTamd64.10.0...16299", "100.85.104.1", 0, 1);
    snprintf(path, sizeof path, "%s/chk/b16299/viostor.inf", tmp);

    /* The build number of a decoration counts. */
    struct inj_guest g = guest(10, 0, 14393, 1, "AMD64");
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 1, &d, err, sizeof err,
                                   warn, sizeof warn), INF_NOTFOUND);
    assert_non_null(strstr(err, "this INF needs Windows 10.0 build 16299 or "
                                "later (NTamd64.10.0...16299); the guest is "
                                "Windows Server 2016 (10.0.14393): use the "
                                "2k16 folder"));
    g = guest(10, 0, 16299, 1, "AMD64");
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 1, &d, err, sizeof err,
                                   warn, sizeof warn), INF_OK);
    assert_string_equal(warn, "");
    g = guest(10, 0, 0, 0, "AMD64");            /* build not known */
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 1, &d, err, sizeof err,
                                   warn, sizeof warn), INF_OK);

    /* DriverVer for a newer Windows than the guest's; for an older one, a
     * warning. */
    driver_dir("chk/w10deco63", "NTamd64.6.3", "100.85.104.20800", 0, 1);
    snprintf(path, sizeof path, "%s/chk/w10deco63/viostor.inf", tmp);
    g = guest(6, 3, 9600, 0, "AMD64");
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 1, &d, err, sizeof err,
                                   warn, sizeof warn), INF_NOTFOUND);
    assert_non_null(strstr(err, "this INF is built for Windows 10 and later "
                                "(DriverVer 100.85.104.20800); the guest is "
                                "Windows 8.1 (6.3.9600): use the w8.1 folder"));
    driver_dir("chk/w81", "NTamd64.6.3", "63.85.104.20800", 0, 0);
    snprintf(path, sizeof path, "%s/chk/w81/viostor.inf", tmp);
    g = guest(10, 0, 19041, 0, "AMD64");
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 0, &d, err, sizeof err,
                                   warn, sizeof warn), INF_OK);
    assert_non_null(strstr(warn, "is built for Windows 8.1 (DriverVer 63."));
    /* Missing .sys: an error when files are needed, else a warning. */
    g = guest(6, 3, 9600, 0, "AMD64");
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 0, &d, err, sizeof err,
                                   warn, sizeof warn), INF_OK);
    assert_non_null(strstr(warn, "viostor.sys, which the INF names, is not beside it"));
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 1, &d, err, sizeof err,
                                   warn, sizeof warn), INF_EIO);

    /* Another architecture: what the INF offers and what the guest is. */
    g = guest(6, 3, 9600, 0, "x86");
    assert_int_equal(inj_vw_driver(path, "x86", &g, 0, &d, err, sizeof err,
                                   warn, sizeof warn), INF_NOTFOUND);
    assert_non_null(strstr(err, "this INF has no driver for x86 (its "
                                "[Manufacturer] decorations: NTamd64.6.3); "
                                "the guest is Windows 8.1 (6.3.9600) x86: use "
                                "the w8.1 folder"));
    /* Unknown guest version: the newest decoration, no DriverVer check. */
    g = guest(0, 0, 0, 0, "AMD64");
    snprintf(path, sizeof path, "%s/chk/w10deco63/viostor.inf", tmp);
    assert_int_equal(inj_vw_driver(path, "amd64", &g, 1, &d, err, sizeof err,
                                   warn, sizeof warn), INF_OK);
}

static void test_inf_in_dir(void **state)
{
    (void)state;
    char dir[400], out[600], err[1024];
    driver_dir("one", "NTamd64.10.0", "100.85.104.1", 1, 1);
    snprintf(dir, sizeof dir, "%s/one", tmp);
    assert_int_equal(inj_inf_in_dir(dir, NULL, out, sizeof out, err,
                                    sizeof err), INF_OK);
    assert_non_null(strstr(out, "/one/VIOSTOR.INF"));
    assert_int_equal(inj_inf_in_dir(dir, "viostor", out, sizeof out, err,
                                    sizeof err), INF_OK);
    assert_int_equal(inj_inf_in_dir(dir, "vioscsi", out, sizeof out, err,
                                    sizeof err), INF_NOTFOUND);
    assert_non_null(strstr(err, "no vioscsi.inf"));
    assert_non_null(strstr(err, "VIOSTOR.INF"));
    write_file("one/vioscsi.inf", "[Version]\n");
    assert_int_equal(inj_inf_in_dir(dir, NULL, out, sizeof out, err,
                                    sizeof err), INF_EARG);
    assert_non_null(strstr(err, "2 INFs in this folder"));
    assert_int_equal(inj_inf_in_dir(dir, "vioscsi", out, sizeof out, err,
                                    sizeof err), INF_OK);
    assert_non_null(strstr(out, "/one/vioscsi.inf"));
    mkdirs("none");
    snprintf(dir, sizeof dir, "%s/none", tmp);
    assert_int_equal(inj_inf_in_dir(dir, NULL, out, sizeof out, err,
                                    sizeof err), INF_NOTFOUND);
    snprintf(dir, sizeof dir, "%s/missing", tmp);
    assert_int_equal(inj_inf_in_dir(dir, NULL, out, sizeof out, err,
                                    sizeof err), INF_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_spellings),
        cmocka_unit_test(test_folder_table),
        cmocka_unit_test(test_guest_system),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_info_json),
        cmocka_unit_test(test_inf_checks),
        cmocka_unit_test(test_inf_in_dir),
    };
    return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
