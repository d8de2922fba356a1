/* test_inf.c - the INF parser (src/inject/inf*.c): the three real virtio INFs
 * (fixtures/inf, copies of the corpus's inf/) with their exact contents,
 * encodings and line ends, the syntax rules one by one, [Manufacturer]
 * decoration selection, errors with line numbers, and seeded random
 * mutations that must never crash. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "inf.h"
#include "testutil.h"

#define VIOSTOR10 "inf/viostor-w10-amd64.inf"
#define VIOSCSI10 "inf/vioscsi-w10-amd64.inf"
#define VIOSTORXP "inf/viostor-xp-x86.inf"

/* ---- helpers ------------------------------------------------------------------ */

static uint8_t *read_fixture(const char *rel, size_t *len)
{
    char *path = tu_fixture(rel);
    uint8_t *data = tu_read_file(path, len);
    free(path);
    return data;
}

static inf_file *parse_ok(const void *data, size_t len, const char *name,
                          const struct inf_options *opt)
{
    inf_file *inf = NULL;
    int rc = inf_parse_mem(data, len, name, opt, &inf);
    if (rc != INF_OK)
        print_error("parse %s: %d: %s\n", name, rc, inf_errmsg(inf));
    assert_int_equal(rc, INF_OK);
    return inf;
}

static inf_file *parse_str(const char *text, const struct inf_options *opt)
{
    return parse_ok(text, strlen(text), "t.inf", opt);
}

static inf_file *parse_fixture(const char *rel)
{
    size_t len;
    uint8_t *data = read_fixture(rel, &len);
    const char *base = strrchr(rel, '/') + 1;
    inf_file *inf = parse_ok(data, len, base, NULL);
    free(data);
    return inf;
}

/* Parses TEXT expecting status RC and message MSG (exact). */
static void expect_error(const char *text, int rc, const char *msg)
{
    inf_file *inf = NULL;
    int got = inf_parse_mem(text, strlen(text), "bad.inf", NULL, &inf);
    if (got != rc || strcmp(inf_errmsg(inf), msg) != 0)
        print_error("want %d \"%s\"\ngot  %d \"%s\"\n", rc, msg, got, inf_errmsg(inf));
    assert_int_equal(got, rc);
    assert_string_equal(inf_errmsg(inf), msg);
    inf_free(inf);
}

static const struct inf_target AMD64_WIN10 = {INF_ARCH_AMD64, 10, 0, 19041, 1, 0};
static const struct inf_target AMD64_WIN81 = {INF_ARCH_AMD64, 6, 3, 9600, 1, 0};
static const struct inf_target AMD64_WIN7 = {INF_ARCH_AMD64, 6, 1, 7601, 1, 0};
static const struct inf_target X86_XP = {INF_ARCH_X86, 5, 1, 2600, 1, 0};
static const struct inf_target X86_WIN10 = {INF_ARCH_X86, 10, 0, 19041, 1, 0};
static const struct inf_target ARM64_WIN11 = {INF_ARCH_ARM64, 10, 0, 22621, 1, 0};

static const struct inf_line *line_at(const inf_file *inf, const char *sec, size_t i)
{
    const inf_section *s = inf_section_find(inf, sec);
    assert_non_null(s);
    assert_true(i < s->nlines);
    return &s->lines[i];
}

/* Two parses describe the same file: sections, lines, keys, fields. */
static void assert_same(const inf_file *a, const inf_file *b)
{
    assert_int_equal(inf_section_count(a), inf_section_count(b));
    for (size_t i = 0; i < inf_section_count(a); i++) {
        const inf_section *x = inf_section_at(a, i), *y = inf_section_at(b, i);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->lineno, y->lineno);
        assert_int_equal(x->nlines, y->nlines);
        for (size_t j = 0; j < x->nlines; j++) {
            const inf_line *l = &x->lines[j], *m = &y->lines[j];
            assert_int_equal(l->lineno, m->lineno);
            assert_int_equal(!l->key, !m->key);
            if (l->key) {
                assert_string_equal(l->key->raw, m->key->raw);
                assert_string_equal(l->key->value, m->key->value);
            }
            assert_int_equal(l->nfields, m->nfields);
            for (size_t k = 0; k < l->nfields; k++) {
                assert_string_equal(l->fields[k].raw, m->fields[k].raw);
                assert_string_equal(l->fields[k].value, m->fields[k].value);
            }
        }
    }
}

/* UTF-16 (LE or BE, with BOM or not) of ASCII/UTF-8 TEXT (ASCII only). */
static uint8_t *to_utf16(const uint8_t *text, size_t len, int be, int bom, size_t *outlen)
{
    uint8_t *o = malloc(2 * len + 2), *w = o;
    assert_non_null(o);
    if (bom) {
        *w++ = be ? 0xFE : 0xFF;
        *w++ = be ? 0xFF : 0xFE;
    }
    for (size_t i = 0; i < len; i++) {
        assert_true(text[i] < 0x80);
        *w++ = be ? 0 : text[i];
        *w++ = be ? text[i] : 0;
    }
    *outlen = (size_t)(w - o);
    return o;
}

/* ---- the real INFs -------------------------------------------------------------- */

static void check_version_2021(inf_file *inf, const char *catalog)
{
    static const uint8_t scsi_guid[16] = {0x7b, 0xe9, 0x36, 0x4d, 0x25, 0xe3, 0xce, 0x11,
                                          0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18};
    struct inf_version v;
    assert_int_equal(inf_get_version(inf, &v), INF_OK);
    assert_string_equal(v.signature, "$Windows NT$");
    assert_string_equal(v.class_name, "SCSIAdapter");
    assert_string_equal(v.class_guid, "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
    assert_memory_equal(v.class_guid_bin, scsi_guid, 16);
    assert_string_equal(v.provider, "Red Hat, Inc.");
    assert_string_equal(v.catalog_file, catalog);
    assert_string_equal(v.driver_ver, "08/30/2021,100.85.104.20800");
    assert_int_equal(v.month, 8);
    assert_int_equal(v.day, 30);
    assert_int_equal(v.year, 2021);
    assert_true(v.has_version);
    assert_int_equal(v.version[0], 100);
    assert_int_equal(v.version[1], 85);
    assert_int_equal(v.version[2], 104);
    assert_int_equal(v.version[3], 20800);
    assert_true(v.date_filetime == 132747552000000000ull);   /* 2021-08-30 00:00 UTC */
    assert_true(v.version_qword == 0x0064005500685140ull);
    assert_int_equal(v.lineno, 17);
}

static void check_viostor10(inf_file *inf)
{
    check_version_2021(inf, "viostor.cat");
    assert_int_equal(inf_section_count(inf), 17);
    assert_string_equal(inf_section_at(inf, 0)->name, "Version");
    assert_int_equal(inf_section_find(inf, "controlflags")->nlines, 0);
    assert_string_equal(inf_get_value(inf, "Version", "DriverPackageDisplayName"),
                        "Red Hat VirtIO SCSI controller");
    assert_string_equal(inf_get_value(inf, "DestinationDirs", "DefaultDestDir"), "10");
    /* 1 = %DiskId1%,,,"" : key "1", four fields, the last an empty quote */
    const inf_line *l = line_at(inf, "SourceDisksNames", 0);
    assert_string_equal(l->key->value, "1");
    assert_int_equal(l->nfields, 4);
    assert_string_equal(l->fields[0].raw, "%DiskId1%");
    assert_string_equal(l->fields[0].value, "Red Hat VirtIO SCSI controller Installation Disk");
    assert_string_equal(l->fields[3].value, "");
    assert_int_equal(l->lineno, 32);

    struct inf_models m;
    assert_int_equal(inf_select_models(inf, &AMD64_WIN10, &m), INF_OK);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.models[0].manufacturer, "Red Hat, Inc.");
    assert_string_equal(m.models[0].models_section, "VioStor.NTamd64.6.3");
    assert_string_equal(m.models[0].description, "Red Hat VirtIO SCSI controller");
    assert_string_equal(m.models[0].install_section, "scsi_inst");
    assert_string_equal(m.models[0].hardware_id, "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00");
    assert_int_equal(m.models[0].ncompatible_ids, 1);
    assert_string_equal(m.models[0].compatible_ids[0], "PCI\\VEN_1AF4&DEV_1001");
    assert_int_equal(m.models[0].lineno, 52);
    assert_string_equal(m.models[1].hardware_id, "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01");
    assert_string_equal(m.models[1].compatible_ids[0], "PCI\\VEN_1AF4&DEV_1042");
    assert_int_equal(m.models[1].lineno, 53);

    assert_int_equal(inf_select_models(inf, &AMD64_WIN81, &m), INF_OK);
    assert_int_equal(m.n, 2);
    /* Windows 7 x64 is below the NTamd64.6.3 decoration; x86 has no NTx86 */
    assert_int_equal(inf_select_models(inf, &AMD64_WIN7, &m), INF_NOTFOUND);
    assert_string_equal(inf_errmsg(inf),
                        "viostor-w10-amd64.inf:49: [Manufacturer] entry for [VioStor] has no "
                        "models section for amd64 Windows 6.1.7601 (decorations: NTamd64.6.3)");
    assert_int_equal(inf_select_models(inf, &X86_WIN10, &m), INF_NOTFOUND);
    assert_int_equal(inf_select_models(inf, &ARM64_WIN11, &m), INF_NOTFOUND);

    struct inf_install ins;
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "scsi_inst", &ins), INF_OK);
    assert_string_equal(ins.section, "scsi_inst");
    assert_int_equal(ins.naddreg, 0);
    assert_int_equal(ins.nhw_addreg, 1);
    assert_string_equal(ins.hw_addreg[0], "pnpsafe_pci_addreg_msix");
    assert_int_equal(ins.nservices, 1);
    const struct inf_service *s = &ins.services[0];
    assert_string_equal(s->name, "viostor");
    assert_int_equal(s->flags, INF_SVC_ASSOCSERVICE);
    assert_string_equal(s->install_section, "scsi_Service_Inst");
    assert_string_equal(s->eventlog_section, "scsi_EventLog_Inst");
    assert_int_equal(s->lineno, 70);
    assert_int_equal(s->service_type, 1);
    assert_int_equal(s->start_type, 0);
    assert_int_equal(s->error_control, 1);
    assert_string_equal(s->service_binary, "%12%\\viostor.sys");
    assert_int_equal(s->binary_dirid, 12);
    assert_string_equal(s->binary_file, "viostor.sys");
    assert_string_equal(s->image_path, "System32\\drivers\\viostor.sys");
    assert_string_equal(s->load_order_group, "SCSI miniport");
    assert_null(s->display_name);
    assert_int_equal(s->naddreg, 1);
    assert_string_equal(s->addreg[0], "pnpsafe_pci_addreg");
    assert_int_equal(ins.ncopies, 1);
    const struct inf_copy *c = &ins.copies[0];
    assert_string_equal(c->section, "viostor_Files_Driver");
    assert_string_equal(c->dest_name, "viostor.sys");
    assert_string_equal(c->source_name, "viostor.sys");
    assert_int_equal(c->flags, 2);
    assert_int_equal(c->dest_dirid, 12);
    assert_null(c->dest_subdir);
    assert_string_equal(c->disk_id, "1");
    assert_string_equal(c->disk_description, "Red Hat VirtIO SCSI controller Installation Disk");
    assert_string_equal(c->source_path, "viostor.sys");

    struct inf_addregs ar;
    assert_int_equal(inf_get_addreg(inf, "pnpsafe_pci_addreg", &ar), INF_OK);
    assert_int_equal(ar.n, 2);
    assert_int_equal(ar.entries[0].root, INF_ROOT_HKR);
    assert_string_equal(ar.entries[0].subkey, "Parameters\\PnpInterface");
    assert_string_equal(ar.entries[0].value_name, "5");
    assert_int_equal(ar.entries[0].flags, 0x00010001);
    assert_int_equal(ar.entries[0].reg_type, 4);
    assert_int_equal(ar.entries[0].op, INF_OP_SET);
    assert_int_equal(ar.entries[0].data_kind, INF_DATA_DWORD);
    assert_int_equal(ar.entries[0].dword, 1);
    assert_string_equal(ar.entries[1].subkey, "Parameters");
    assert_string_equal(ar.entries[1].value_name, "BusType");
    assert_int_equal(ar.entries[1].dword, 1);
    assert_int_equal(ar.entries[1].lineno, 93);
    assert_int_equal(ar.entries[1].nbytes, 4);
    assert_memory_equal(ar.entries[1].bytes, "\x01\x00\x00\x00", 4);

    assert_string_equal(inf_get_value(inf, s->eventlog_section, "AddReg"), "scsi_EventLog_AddReg");
    assert_int_equal(inf_get_addreg(inf, "scsi_EventLog_AddReg", &ar), INF_OK);
    assert_int_equal(ar.n, 2);
    assert_string_equal(ar.entries[0].subkey, "");
    assert_string_equal(ar.entries[0].value_name, "EventMessageFile");
    assert_int_equal(ar.entries[0].flags, 0x00020000);
    assert_int_equal(ar.entries[0].reg_type, 2);
    assert_int_equal(ar.entries[0].data_kind, INF_DATA_STRING);
    assert_string_equal(ar.entries[0].strings[0], "%SystemRoot%\\System32\\IoLogMsg.dll");
    assert_int_equal(ar.entries[1].dword, 7);

    assert_int_equal(inf_get_addreg(inf, "pnpsafe_pci_addreg_msix", &ar), INF_OK);
    assert_int_equal(ar.n, 6);
    assert_string_equal(ar.entries[0].subkey, "Interrupt Management");
    assert_int_equal(ar.entries[0].flags, INF_FLG_ADDREG_KEYONLY);
    assert_int_equal(ar.entries[0].op, INF_OP_KEY);
    assert_string_equal(ar.entries[2].value_name, "MSISupported");
    assert_int_equal(ar.entries[2].dword, 1);
    assert_string_equal(ar.entries[3].value_name, "MessageNumberLimit");
    assert_int_equal(ar.entries[3].dword, 256);
    assert_int_equal(ar.entries[3].lineno, 99);
    assert_string_equal(ar.entries[4].subkey, "Interrupt Management\\Affinity Policy");
    assert_int_equal(ar.entries[4].op, INF_OP_KEY);
    assert_int_equal(ar.entries[5].dword, 5);

    assert_int_equal(inf_get_addreg(inf, "nope", &ar), INF_NOTFOUND);
    assert_string_equal(inf_errmsg(inf),
                        "viostor-w10-amd64.inf: add-registry section [nope] does not exist");
    assert_int_equal(inf_warning_count(inf), 0);
}

static void test_viostor_w10(void **state)
{
    (void)state;
    inf_file *inf = parse_fixture(VIOSTOR10);
    assert_int_equal(inf_encoding(inf), INF_ENC_UTF8);
    check_viostor10(inf);
    inf_free(inf);
}

static void test_vioscsi_w10(void **state)
{
    (void)state;
    inf_file *inf = parse_fixture(VIOSCSI10);
    check_version_2021(inf, "vioscsi.cat");
    assert_string_equal(inf_get_value(inf, "Version", "PnpLockdown"), "1");

    struct inf_models m;
    assert_int_equal(inf_select_models(inf, &AMD64_WIN10, &m), INF_OK);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.models[0].models_section, "VirtioScsi.NTamd64.10.0");
    assert_string_equal(m.models[0].description, "Red Hat VirtIO SCSI pass-through controller");
    assert_string_equal(m.models[0].hardware_id, "PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00");
    assert_string_equal(m.models[0].compatible_ids[0], "PCI\\VEN_1AF4&DEV_1004");
    assert_string_equal(m.models[1].hardware_id, "PCI\\VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01");
    assert_string_equal(m.models[1].compatible_ids[0], "PCI\\VEN_1AF4&DEV_1048");
    /* NTamd64.10.0 does not serve Windows 8.1 */
    assert_int_equal(inf_select_models(inf, &AMD64_WIN81, &m), INF_NOTFOUND);

    struct inf_install ins;
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "scsi_inst", &ins), INF_OK);
    assert_int_equal(ins.nservices, 1);
    const struct inf_service *s = &ins.services[0];
    assert_string_equal(s->name, "vioscsi");
    assert_string_equal(s->display_name, "Red Hat VirtIO SCSI pass-through Service");
    assert_int_equal(s->start_type, 0);
    assert_string_equal(s->image_path, "System32\\drivers\\vioscsi.sys");
    assert_string_equal(s->load_order_group, "SCSI miniport");
    assert_int_equal(ins.ncopies, 1);
    assert_int_equal(ins.copies[0].dest_dirid, 12);  /* no DefaultDestDir here */

    struct inf_addregs ar;
    assert_int_equal(inf_get_addreg(inf, s->addreg[0], &ar), INF_OK);
    assert_int_equal(ar.n, 2);
    assert_string_equal(ar.entries[1].value_name, "BusType");
    assert_int_equal(ar.entries[1].dword, 0x0A);
    assert_int_equal(inf_get_addreg(inf, ins.hw_addreg[0], &ar), INF_OK);
    assert_int_equal(ar.n, 8);
    assert_int_equal(ar.entries[3].dword, 258);
    assert_string_equal(ar.entries[7].value_name, "GroupPolicy");
    assert_int_equal(ar.entries[7].dword, 1);
    assert_int_equal(inf_warning_count(inf), 0);
    inf_free(inf);
}

static void test_viostor_xp(void **state)
{
    (void)state;
    inf_file *inf = parse_fixture(VIOSTORXP);
    struct inf_version v;
    assert_int_equal(inf_get_version(inf, &v), INF_OK);
    assert_string_equal(v.provider, "Red Hat, Inc.");
    assert_string_equal(v.class_guid, "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
    assert_int_equal(v.year, 2010);
    assert_int_equal(v.month, 5);
    assert_int_equal(v.day, 3);
    assert_true(v.version_qword == 0x0006000017714100ull);   /* 6.0.6001.16640 */
    assert_true(v.date_filetime == 129173184000000000ull);

    struct inf_models m;
    const struct inf_target *x86[2] = {&X86_XP, &X86_WIN10};
    for (int t = 0; t < 2; t++) {
        assert_int_equal(inf_select_models(inf, x86[t], &m), INF_OK);
        assert_int_equal(m.n, 3);
        assert_string_equal(m.models[0].models_section, "RHEL.NTx86");
        assert_string_equal(m.models[0].hardware_id, "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00000000");
        assert_string_equal(m.models[1].hardware_id, "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00020000");
        assert_string_equal(m.models[2].hardware_id, "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4");
        for (int i = 0; i < 3; i++) {
            assert_int_equal(m.models[i].ncompatible_ids, 0);
            assert_string_equal(m.models[i].install_section, "rhelscsi_inst");
        }
    }
    assert_int_equal(inf_select_models(inf, &AMD64_WIN7, &m), INF_NOTFOUND);

    struct inf_install ins;
    assert_int_equal(inf_get_install(inf, &X86_XP, "rhelscsi_inst", &ins), INF_OK);
    assert_int_equal(ins.nhw_addreg, 0);
    assert_int_equal(ins.nservices, 1);
    assert_string_equal(ins.services[0].name, "viostor");
    assert_string_equal(ins.services[0].install_section, "rhelscsi_Service_Inst");
    assert_string_equal(ins.services[0].eventlog_section, "rhelscsi_EventLog_Inst");
    assert_int_equal(ins.services[0].start_type, 0);
    assert_string_equal(ins.services[0].image_path, "System32\\drivers\\viostor.sys");
    struct inf_addregs ar;
    assert_int_equal(inf_get_addreg(inf, ins.services[0].addreg[0], &ar), INF_OK);
    assert_int_equal(ar.entries[1].dword, 1);
    inf_free(inf);
}

/* inf_parse_file reads the same as inf_parse_mem; an unreadable file is EIO. */
static void test_parse_file(void **state)
{
    (void)state;
    char *path = tu_fixture(VIOSTOR10);
    inf_file *inf = NULL;
    assert_int_equal(inf_parse_file(path, NULL, &inf), INF_OK);
    assert_string_equal(inf_name(inf), path);
    inf_file *ref = parse_fixture(VIOSTOR10);
    assert_same(inf, ref);
    inf_free(inf);
    inf_free(ref);
    free(path);

    assert_int_equal(inf_parse_file("/nonexistent/x.inf", NULL, &inf), INF_EIO);
    assert_string_equal(inf_errmsg(inf), "/nonexistent/x.inf: cannot open: No such file or directory");
    inf_free(inf);

    /* A FIFO is refused at once (alarm: a blocking open fails the test);
     * a file over INF_MAX_INPUT by its size, unread (a sparse file). */
    char *dir = tu_tmp_dir("inf");
    char *fifo = tu_path(dir, "fifo.inf"), *big = tu_path(dir, "big.inf");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(5);
    assert_int_equal(inf_parse_file(fifo, NULL, &inf), INF_EIO);
    alarm(0);
    assert_non_null(strstr(inf_errmsg(inf), "fifo.inf: not a regular file (a FIFO)"));
    inf_free(inf);
    int fd = open(big, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)INF_MAX_INPUT + 1), 0);
    close(fd);
    assert_int_equal(inf_parse_file(big, NULL, &inf), INF_ELIMIT);
    assert_non_null(strstr(inf_errmsg(inf), "8388609 bytes: larger than the 8388608-byte limit"));
    inf_free(inf);
    free(fifo);
    free(big);
    tu_rm_dir(dir);
}

/* ---- encodings and line ends ----------------------------------------------------- */

static void test_utf16(void **state)
{
    (void)state;
    const char *files[3] = {VIOSTOR10, VIOSCSI10, VIOSTORXP};
    for (int f = 0; f < 3; f++) {
        size_t len, ulen;
        uint8_t *data = read_fixture(files[f], &len);
        inf_file *ref = parse_ok(data, len, "viostor-w10-amd64.inf", NULL);
        for (int mode = 0; mode < 3; mode++) {
            /* 0: UTF-16LE with BOM (what Windows tools write), 1: UTF-16BE
             * with BOM, 2: UTF-16LE without BOM */
            uint8_t *u = to_utf16(data, len, mode == 1, mode != 2, &ulen);
            inf_file *inf = parse_ok(u, ulen, "viostor-w10-amd64.inf", NULL);
            assert_int_equal(inf_encoding(inf), mode == 1 ? INF_ENC_UTF16BE : INF_ENC_UTF16LE);
            assert_same(inf, ref);
            if (f == 0)
                check_viostor10(inf);
            inf_free(inf);
            free(u);
        }
        inf_free(ref);
        free(data);
    }
}

static void test_line_ends(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = read_fixture(VIOSTOR10, &len);
    assert_non_null(memchr(data, '\r', len));         /* the corpus file is CRLF */
    uint8_t *lf = malloc(len);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (data[i] != '\r')
            lf[n++] = data[i];
    inf_file *a = parse_ok(data, len, "viostor-w10-amd64.inf", NULL);
    inf_file *b = parse_ok(lf, n, "viostor-w10-amd64.inf", NULL);
    assert_same(a, b);
    check_viostor10(b);
    inf_free(a);
    inf_free(b);

    /* UTF-8 with BOM and LF only */
    uint8_t *bom = malloc(n + 3);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, lf, n);
    b = parse_ok(bom, n + 3, "viostor-w10-amd64.inf", NULL);
    assert_int_equal(inf_encoding(b), INF_ENC_UTF8);
    check_viostor10(b);
    inf_free(b);
    free(bom);
    free(lf);
    free(data);
}

static void test_ansi(void **state)
{
    (void)state;
    /* Windows-1252: 0xAE is the registered sign, 0x80 the euro sign */
    const char *text = "[Version]\r\nSignature=\"$Windows NT$\"\r\nProvider=Acme\xAE \x80\r\n";
    inf_file *inf = parse_str(text, NULL);
    assert_int_equal(inf_encoding(inf), INF_ENC_ANSI);
    assert_string_equal(inf_get_value(inf, "Version", "Provider"), "Acme\xC2\xAE \xE2\x82\xAC");
    inf_free(inf);

    /* The same characters in UTF-8 stay UTF-8 */
    inf = parse_str("[Version]\nSignature=$Windows NT$\nProvider=Acme\xC2\xAE\n", NULL);
    assert_int_equal(inf_encoding(inf), INF_ENC_UTF8);
    assert_string_equal(inf_get_value(inf, "Version", "Provider"), "Acme\xC2\xAE");
    inf_free(inf);

    /* A surrogate pair in UTF-16 becomes one 4-byte UTF-8 character; a NUL
     * is a blank and Ctrl-Z ends the file */
    static const uint8_t u16[] = {
        0xFF, 0xFE, '[', 0, 'V', 0, 'e', 0, 'r', 0, 's', 0, 'i', 0, 'o', 0, 'n', 0, ']', 0,
        '\n', 0, 'S', 0, 'i', 0, 'g', 0, 'n', 0, 'a', 0, 't', 0, 'u', 0, 'r', 0, 'e', 0,
        '=', 0, '$', 0, 'C', 0, 'h', 0, 'i', 0, 'c', 0, 'a', 0, 'g', 0, 'o', 0, '$', 0,
        '\n', 0, 'P', 0, '=', 0, 'a', 0, 0x3D, 0xD8, 0x00, 0xDE, 0, 0, 'b', 0, '\n', 0,
        0x1A, 0, '[', 0, 'x', 0};
    inf = parse_ok(u16, sizeof u16, "u.inf", NULL);
    assert_string_equal(inf_get_value(inf, "Version", "P"), "a\xF0\x9F\x98\x80 b");
    assert_int_equal(inf_section_count(inf), 1);
    inf_free(inf);
}

/* ---- syntax -------------------------------------------------------------------- */

static const char *const syntax_text =
    "; leading comment\n"                                              /* 1 */
    "[Version]   ; trailing text after ] is ignored\n"                /* 2 */
    "Signature = \"$Windows NT$\"\n"                                   /* 3 */
    "[A]\n"                                                            /* 4 */
    "key1 = value one , \"quoted, with ; semicolon\" ; comment\n"      /* 5 */
    "key2=\"a\"\"b\" , x\"y z\"w, \"\"\"q\"\"\", \" kept \" \n"        /* 6 */
    "value-only, second,,\n"                                           /* 7 */
    "continued = a, \\\n"                                              /* 8 */
    "    b, \\   ; comment after a continuation\n"                     /* 9 */
    "    c\n"                                                          /* 10 */
    "\"q=k\" = v\n"                                                    /* 11 */
    "  [a]\n"                                                          /* 12 */
    "merged = yes\n"                                                   /* 13 */
    "path = C:\\dir\\file \\\n"                                        /* 14 */
    "tail\n"                                                           /* 15 */
    "pct = 100%% done, %%SystemRoot%%\\x, 50%\n"                       /* 16 */
    "eq = a=b, c\n"                                                    /* 17 */
    "empty =\n"                                                        /* 18 */
    "single\n"                                                         /* 19 */
    "last = end \\";                                                   /* 20 */

static void test_syntax(void **state)
{
    (void)state;
    inf_file *inf = parse_str(syntax_text, NULL);
    assert_int_equal(inf_section_count(inf), 2);
    const inf_section *a = inf_section_find(inf, "a");
    assert_string_equal(a->name, "A");
    assert_int_equal(a->lineno, 4);
    assert_int_equal(a->nlines, 12);
    assert_int_equal(inf_section_find(inf, "VERSION")->lineno, 2);

    const inf_line *l = &a->lines[0];
    assert_string_equal(l->key->value, "key1");
    assert_int_equal(l->nfields, 2);
    assert_string_equal(l->fields[0].value, "value one");
    assert_string_equal(l->fields[1].value, "quoted, with ; semicolon");
    assert_int_equal(l->lineno, 5);

    l = &a->lines[1];
    assert_int_equal(l->nfields, 4);
    assert_string_equal(l->fields[0].value, "a\"b");
    assert_string_equal(l->fields[1].value, "xy zw");
    assert_string_equal(l->fields[2].value, "\"q\"");
    assert_string_equal(l->fields[3].value, " kept ");

    l = &a->lines[2];
    assert_null(l->key);
    assert_int_equal(l->nfields, 4);
    assert_string_equal(l->fields[0].value, "value-only");
    assert_string_equal(l->fields[1].value, "second");
    assert_string_equal(l->fields[2].value, "");
    assert_string_equal(l->fields[3].value, "");

    l = &a->lines[3];
    assert_string_equal(l->key->value, "continued");
    assert_int_equal(l->lineno, 8);
    assert_int_equal(l->nfields, 3);
    assert_string_equal(l->fields[0].value, "a");
    assert_string_equal(l->fields[1].value, "b");
    assert_string_equal(l->fields[2].value, "c");

    l = &a->lines[4];
    assert_string_equal(l->key->value, "q=k");
    assert_string_equal(l->fields[0].value, "v");
    assert_int_equal(l->lineno, 11);

    /* [a] continued [A] */
    assert_string_equal(a->lines[5].key->value, "merged");
    assert_int_equal(a->lines[5].lineno, 13);
    assert_string_equal(a->lines[6].fields[0].value, "C:\\dir\\filetail");

    l = &a->lines[7];
    assert_int_equal(l->lineno, 16);
    assert_string_equal(l->fields[0].raw, "100%% done");
    assert_string_equal(l->fields[0].value, "100% done");
    assert_string_equal(l->fields[1].value, "%SystemRoot%\\x");
    assert_string_equal(l->fields[2].value, "50%");

    l = &a->lines[8];
    assert_string_equal(l->key->value, "eq");
    assert_string_equal(l->fields[0].value, "a=b");

    assert_int_equal(a->lines[9].nfields, 1);
    assert_string_equal(a->lines[9].fields[0].value, "");
    assert_null(a->lines[10].key);
    assert_string_equal(a->lines[10].fields[0].value, "single");
    assert_string_equal(a->lines[11].fields[0].value, "end");

    size_t it = 0;
    assert_non_null(inf_line_find(a, "KEY1", &it));
    assert_int_equal(it, 1);
    assert_null(inf_line_find(a, "key1", &it));
    assert_null(inf_get_value(inf, "A", "nokey"));
    assert_null(inf_get_value(inf, "nosection", "key1"));
    inf_free(inf);
}

static const char *test_dirid(void *ctx, long dirid)
{
    (void)ctx;
    return dirid == 12 ? "C:\\Windows\\System32\\drivers\\" : NULL;
}

static const char *const strings_text =
    "[Version]\n"                                   /* 1 */
    "Signature=\"$Windows NT$\"\n"                  /* 2 */
    "Provider=%Vendor%\n"                           /* 3 */
    "[S]\n"                                         /* 4 */
    "a = %VENDOR%\n"                                /* 5 */
    "b = %vendor%x%%y\n"                            /* 6 */
    "c = %Unknown%, %99%\n"                         /* 7 */
    "d = %12%\\viostor.sys\n"                       /* 8 */
    "f = \"%Quoted%\"\n"                            /* 9 */
    "%Vendor% = key substituted\n"                  /* 10 */
    "[Strings]\n"                                   /* 11 */
    "Vendor = Red Hat, Inc.   ; commas are literal here\n"
    "Quoted = \" spaced \"\n"
    "Recursive = %Vendor%\n"
    "[Strings.0407]\n"
    "Vendor = \"Red Hat GmbH\"\n"
    "[strings]\n"
    "vendor = second definition\n"                  /* 18 */
    "late = merged\n";

static void test_strings(void **state)
{
    (void)state;
    inf_file *inf = parse_str(strings_text, NULL);
    assert_string_equal(inf_get_value(inf, "Version", "Provider"), "Red Hat, Inc.");
    assert_string_equal(inf_get_value(inf, "S", "a"), "Red Hat, Inc.");
    assert_string_equal(inf_get_value(inf, "S", "b"), "Red Hat, Inc.x%y");
    const inf_line *c = line_at(inf, "S", 2);
    assert_string_equal(c->fields[0].value, "%Unknown%");    /* kept, as Windows does */
    assert_string_equal(c->fields[1].value, "%99%");         /* a dirid: kept */
    assert_string_equal(inf_get_value(inf, "S", "d"), "%12%\\viostor.sys");
    assert_string_equal(inf_get_value(inf, "S", "f"), " spaced ");
    assert_string_equal(line_at(inf, "S", 5)->key->value, "Red Hat, Inc.");
    assert_string_equal(inf_get_value(inf, "S", "Red Hat, Inc."), "key substituted");
    assert_string_equal(inf_string(inf, "RECURSIVE"), "%Vendor%");   /* not substituted */
    assert_string_equal(inf_string(inf, "late"), "merged");
    assert_null(inf_string(inf, "Unknown"));
    /* warnings: the unknown key (not the dirid), and the redefinition */
    assert_int_equal(inf_warning_count(inf), 2);
    assert_string_equal(inf_warning(inf, 0),
                        "t.inf:18: string key vendor defined again with another value; "
                        "the first definition is used");
    assert_string_equal(inf_warning(inf, 1),
                        "t.inf:7: %Unknown% is not defined in [Strings]; kept literally");
    assert_null(inf_warning(inf, 2));
    inf_free(inf);

    /* A language prefers [Strings.0407] and falls back to [Strings]; the
     * dirid resolver replaces %12% and the doubled backslash collapses. */
    struct inf_options opt = {"0407", test_dirid, NULL, 0};
    inf = parse_str(strings_text, &opt);
    assert_string_equal(inf_get_value(inf, "S", "a"), "Red Hat GmbH");
    assert_string_equal(inf_get_value(inf, "S", "f"), " spaced ");
    assert_string_equal(inf_get_value(inf, "S", "d"), "C:\\Windows\\System32\\drivers\\viostor.sys");
    assert_string_equal(line_at(inf, "S", 2)->fields[1].value, "%99%");
    inf_free(inf);
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    expect_error("[Version]\nSignature=\"$Windows NT$\"\nfoo = \"abc\n", INF_ESYNTAX,
                 "bad.inf:3: unterminated quoted string (quotes cannot span lines)");
    /* the line number counts continuation lines */
    expect_error("[Version]\r\nSignature=\"$Windows NT$\"\r\nfoo = a, \\\r\n  b, \\\r\n"
                 "  \"c \\\r\n d\"\r\n", INF_ESYNTAX,
                 "bad.inf:5: unterminated quoted string (quotes cannot span lines)");
    expect_error("[Foo]\na = b\n", INF_EINVALID,
                 "bad.inf: no [Version] section: not a Windows INF file");
    expect_error("", INF_EINVALID, "bad.inf: no [Version] section: not a Windows INF file");
    expect_error("; comment\nkey = value\n[Version]\n", INF_ESYNTAX,
                 "bad.inf:2: entry before the first [section]");
    expect_error("[Version]\nSignature=$Windows NT$\n[Broken\nx=y\n", INF_ESYNTAX,
                 "bad.inf:3: section name not closed by ']'");
    expect_error("[Version]\n\nSignature=\"$Windows 3.1$\"\n", INF_EINVALID,
                 "bad.inf:3: Signature \"$Windows 3.1$\" is not \"$Windows NT$\", "
                 "\"$Chicago$\" or \"$Windows 95$\"");
    expect_error("[Version]\nClass=X\n", INF_EINVALID, "bad.inf:1: [Version] has no Signature entry");
    char longname[300];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "[Version]\nSignature=$Chicago$\n[", 31);
    memcpy(longname + 31 + 256, "]\n", 3);
    expect_error(longname, INF_ESYNTAX, "bad.inf:3: section name longer than 255 characters");

    /* Generic reading without a signature */
    struct inf_options lax = {NULL, NULL, NULL, INF_PARSE_NO_SIGNATURE};
    inf_file *inf = parse_str("[Foo]\na = b\n", &lax);
    struct inf_version v;
    assert_int_equal(inf_get_version(inf, &v), INF_NOTFOUND);
    inf_free(inf);

    /* Helper errors name the line */
    inf = parse_str("[Version]\nSignature=$Windows NT$\nDriverVer=13/01/2020,1.0\n", NULL);
    assert_int_equal(inf_get_version(inf, &v), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf),
                        "t.inf:3: DriverVer date \"13/01/2020\" is not a valid MM/DD/YYYY date");
    inf_free(inf);
    inf = parse_str("[Version]\nSignature=$Windows NT$\nDriverVer=02/29/2020,1.2.70000\n", NULL);
    assert_int_equal(inf_get_version(inf, &v), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf:3: DriverVer version \"1.2.70000\" is not "
                        "w.x.y.z with parts 0 to 65535");
    inf_free(inf);
    inf = parse_str("[Version]\nSignature=$Windows NT$\nClassGUID={4D36E97B-E325-11CE}\n", NULL);
    assert_int_equal(inf_get_version(inf, &v), INF_EINVALID);
    inf_free(inf);
    inf = parse_str("[Version]\nSignature=$Windows NT$\nDriverVer=2/9/2020\n", NULL);
    assert_int_equal(inf_get_version(inf, &v), INF_OK);
    assert_int_equal(v.month, 2);
    assert_false(v.has_version);
    inf_free(inf);

    /* An undefined %strkey% in a number: kept literally by the parser, an
     * error naming the line when the service section is read. */
    const char *svc =
        "[Version]\nSignature=$Windows NT$\n"          /* 1-2 */
        "[inst]\n[inst.Services]\n"                     /* 3-4 */
        "AddService = drv, 2, drv_svc\n"                /* 5 */
        "[drv_svc]\n"                                   /* 6 */
        "ServiceType = 1\n"                             /* 7 */
        "StartType = %SERVICE_BOOT_START%\n"            /* 8 */
        "ErrorControl = 1\n"
        "ServiceBinary = %12%\\drv.sys\n"
        "[reg]\n"
        "HKR,,Ok,0x00010001,1\n"                        /* 12 */
        "HKXX,,Bad,0x00010001,1\n"                      /* 13 */
        "[reg2]\n"
        "HKR,,V,0x00010001,0x1FFFFFFFF\n"               /* 15 */
        "[reg3]\n"
        "HKR,,V,%REG_BINARY%,01\n";                     /* 17 */
    inf = parse_str(svc, NULL);
    assert_int_equal(inf_warning_count(inf), 2);
    assert_string_equal(inf_warning(inf, 0),
                        "t.inf:8: %SERVICE_BOOT_START% is not defined in [Strings]; kept literally");
    struct inf_install ins;
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "inst", &ins), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf:8: StartType \"%SERVICE_BOOT_START%\" is not a "
                        "number (an undefined %strkey%?)");
    struct inf_addregs ar;
    assert_int_equal(inf_get_addreg(inf, "reg", &ar), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf:13: unknown registry root \"HKXX\" (HKR, HKCR, "
                        "HKCU, HKLM or HKU)");
    assert_int_equal(inf_get_addreg(inf, "reg2", &ar), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf:15: REG_DWORD value \"0x1FFFFFFFF\" is not a "
                        "decimal or 0x hex number");
    assert_int_equal(inf_get_addreg(inf, "reg3", &ar), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf:17: AddReg flags \"%REG_BINARY%\" are not a "
                        "number (an undefined %strkey%?)");
    inf_free(inf);

    /* Missing pieces of an install */
    inf = parse_str("[Version]\nSignature=$Windows NT$\n[inst]\nCopyFiles=nofiles\n"
                    "[inst.Services]\nAddService=drv,2,nosvc\n", NULL);
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "inst", &ins), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf),
                        "t.inf:6: AddService drv: service-install section [nosvc] does not exist");
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "none", &ins), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf: install section [none] does not exist "
                        "(nor [none.NTamd64], [none.NT])");
    inf_free(inf);
    inf = parse_str("[Version]\nSignature=$Windows NT$\n[inst]\nCopyFiles=nofiles\n", NULL);
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "inst", &ins), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf),
                        "t.inf:4: CopyFiles names section [nofiles], which does not exist");
    inf_free(inf);
    inf = parse_str("[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=Foo,NTamd64\n", NULL);
    struct inf_models m;
    assert_int_equal(inf_select_models(inf, &AMD64_WIN10, &m), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf),
                        "t.inf:4: [Manufacturer] names models section [Foo.NTamd64], which does "
                        "not exist");
    struct inf_target none = {INF_ARCH_NONE, 10, 0, 0, 0, 0};
    assert_int_equal(inf_select_models(inf, &none, &m), INF_EARG);
    inf_free(inf);
}

/* ---- [Manufacturer] decorations -------------------------------------------------- */

static const char *const decorated =
    "[Version]\nSignature=\"$Windows NT$\"\n"
    "[Manufacturer]\n"
    "%M% = Foo, NTamd64, NTamd64.6.1, NTamd64.10.0, NTamd64.10.0...19041, NTamd64.10.0.3, "
    "NTx86, NT, NTx86....0x80, NTarm64.10.0...22000, ntAMD64.6.3.1, NTbogus, \n"
    "Bar\n"
    "%M% = Baz, NTamd64.10.0\n"
    "[Foo.NTamd64]\nd=i,a\n[Foo.NTamd64.6.1]\nd=i,b\n[Foo.NTamd64.10.0]\nd=i,c\n"
    "[Foo.NTamd64.10.0...19041]\nd=i,d\n[Foo.NTamd64.10.0.3]\nd=i,e\n[Foo.NTx86]\nd=i,f\n"
    "[Foo.NT]\nd=i,g\n[Foo.NTx86....0x80]\nd=i,h\n[Foo.NTarm64.10.0...22000]\nd=i,j\n"
    "[Foo.ntAMD64.6.3.1]\nd=i,k\n"
    "[Bar]\nd=i,bar\n"
    "[Baz.NTamd64.10.0]\n"                      /* empty: excludes the platform */
    "[Strings]\nM=Maker\n";

static void expect_models(inf_file *inf, size_t line, const struct inf_target *t,
                          const char *want)
{
    const inf_section *mf = inf_section_find(inf, "Manufacturer");
    const char *got = NULL;
    int rc = inf_models_section(inf, &mf->lines[line], t, &got);
    if (!want) {
        if (rc != INF_NOTFOUND)
            print_error("%s %u.%u.%u: got %s\n", inf_arch_name(t->arch), t->major, t->minor,
                        t->build, got);
        assert_int_equal(rc, INF_NOTFOUND);
        return;
    }
    if (rc != INF_OK || strcmp(got, want) != 0)
        print_error("%s %u.%u.%u pt %u suite %x: want %s got %s (%s)\n", inf_arch_name(t->arch),
                    t->major, t->minor, t->build, t->product_type, t->suite_mask, want,
                    rc == INF_OK ? got : "-", inf_errmsg(inf));
    assert_int_equal(rc, INF_OK);
    assert_string_equal(got, want);
}

static void test_decorations(void **state)
{
    (void)state;
    inf_file *inf = parse_str(decorated, NULL);
    const enum inf_arch A = INF_ARCH_AMD64, X = INF_ARCH_X86, R = INF_ARCH_ARM64;
    const struct {
        struct inf_target t;
        const char *want;
    } cases[] = {
        {{A, 5, 2, 3790, 1, 0}, "Foo.NTamd64"},                  /* XP x64 / 2003 */
        {{A, 6, 0, 6002, 1, 0}, "Foo.NTamd64"},                  /* Vista */
        {{A, 6, 1, 7601, 1, 0}, "Foo.NTamd64.6.1"},              /* 7 */
        {{A, 6, 2, 9200, 1, 0}, "Foo.NTamd64.6.1"},              /* 8 */
        {{A, 6, 3, 9600, 1, 0}, "Foo.ntAMD64.6.3.1"},            /* 8.1 workstation */
        {{A, 6, 3, 9600, 3, 0}, "Foo.NTamd64.6.1"},              /* 2012 R2 server */
        {{A, 6, 3, 9600, 0, 0}, "Foo.NTamd64.6.1"},              /* product type unknown */
        {{A, 10, 0, 17763, 1, 0}, "Foo.NTamd64.10.0"},           /* 10 1809 */
        {{A, 10, 0, 17763, 3, 0}, "Foo.NTamd64.10.0.3"},         /* Server 2019 */
        {{A, 10, 0, 19041, 1, 0}, "Foo.NTamd64.10.0...19041"},   /* 10 2004 */
        {{A, 10, 0, 19041, 3, 0}, "Foo.NTamd64.10.0...19041"},   /* version beats type */
        {{A, 10, 0, 22621, 1, 0}, "Foo.NTamd64.10.0...19041"},   /* 11 */
        {{X, 5, 0, 2195, 1, 0}, "Foo.NTx86"},                    /* NTx86 beats NT */
        {{X, 5, 1, 2600, 1, 0}, "Foo.NTx86"},
        {{X, 5, 1, 2600, 1, 0x80}, "Foo.NTx86....0x80"},         /* Datacenter suite */
        {{X, 10, 0, 19041, 1, 0x90}, "Foo.NTx86....0x80"},
        {{R, 10, 0, 19041, 1, 0}, NULL},                         /* below build 22000 */
        {{R, 10, 0, 22000, 1, 0}, "Foo.NTarm64.10.0...22000"},
        {{R, 10, 1, 0, 1, 0}, "Foo.NTarm64.10.0...22000"},       /* higher minor: build ignored */
        {{INF_ARCH_IA64, 6, 1, 7601, 1, 0}, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_models(inf, 0, &cases[i].t, cases[i].want);
    /* "NTbogus" was reported once per call, the trailing empty field ignored */
    assert_true(inf_warning_count(inf) > 0);
    assert_string_equal(inf_warning(inf, 0), "t.inf:4: TargetOSVersion decoration \"NTbogus\" "
                        "not understood; ignored");

    /* An undecorated entry serves x86 only */
    expect_models(inf, 1, &X86_XP, "Bar");
    expect_models(inf, 1, &AMD64_WIN10, NULL);

    /* All manufacturers together */
    struct inf_models m;
    assert_int_equal(inf_select_models(inf, &X86_XP, &m), INF_OK);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.models[0].manufacturer, "Maker");
    assert_string_equal(m.models[0].hardware_id, "f");
    assert_string_equal(m.models[1].manufacturer, "Bar");
    assert_string_equal(m.models[1].models_section, "Bar");
    assert_string_equal(m.models[1].hardware_id, "bar");
    assert_int_equal(inf_select_models(inf, &AMD64_WIN10, &m), INF_OK);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.models[0].hardware_id, "d");
    inf_free(inf);

    /* Only the empty section applies: the INF excludes the target */
    inf = parse_str("[Version]\nSignature=$Windows NT$\n[Manufacturer]\nM=Baz,NTamd64.10.0\n"
                    "[Baz.NTamd64.10.0]\n", NULL);
    assert_int_equal(inf_select_models(inf, &AMD64_WIN10, &m), INF_NOTFOUND);
    assert_string_equal(inf_errmsg(inf), "t.inf:4: models section [Baz.NTamd64.10.0] chosen for "
                        "amd64 Windows 10.0.19041 is empty: the INF excludes this target");
    inf_free(inf);
}

/* ---- install details -------------------------------------------------------------- */

static const char *const install_text =
    "[Version]\nSignature=$Windows NT$\n"
    "[inst]\nAddReg=r1\n[inst.NTamd64]\nAddReg = r2, r3\nAddReg=r4\n"
    "CopyFiles = files, @single.sys\nInclude = machine.inf\n"
    "[inst.NTamd64.HW]\nAddReg=hw\n"
    "[inst.NTamd64.Services]\n"
    "AddService = , 2\n"                                 /* null driver */
    "AddService = drv, 0x00000002, svc, ev\n"
    "[svc]\nServiceType=1\nStartType=3\nErrorControl=0x1\nServiceBinary=%13%\\drv.sys\n"
    "Dependencies = FltMgr, +Group\nAddReg = a, b\nAddReg = c\nDescription = \"d, e\"\n"
    "StartName = x\n"
    "[files]\nout.sys, in.sys,, 0x4000\nsame.sys\n"
    "[DestinationDirs]\nDefaultDestDir = 11\nfiles = 12, sub\\dir\n"
    "[SourceDisksNames]\n1 = Disk1,,,\\base\n[SourceDisksNames.amd64]\n2 = Disk2,,,\"x64\\\"\n"
    "[SourceDisksFiles]\nin.sys = 1, sub\nsame.sys = 1\n"
    "[SourceDisksFiles.amd64]\nin.sys = 2\n";

static void test_install_details(void **state)
{
    (void)state;
    inf_file *inf = parse_str(install_text, NULL);
    struct inf_install ins;
    assert_int_equal(inf_get_install(inf, &AMD64_WIN10, "inst", &ins), INF_OK);
    assert_string_equal(ins.section, "inst.NTamd64");
    assert_int_equal(ins.naddreg, 3);
    assert_string_equal(ins.addreg[0], "r2");
    assert_string_equal(ins.addreg[2], "r4");
    assert_int_equal(ins.nhw_addreg, 1);
    assert_int_equal(ins.nservices, 2);
    assert_string_equal(ins.services[0].name, "");
    assert_null(ins.services[0].install_section);
    const struct inf_service *s = &ins.services[1];
    assert_int_equal(s->start_type, 3);
    assert_int_equal(s->error_control, 1);
    assert_int_equal(s->binary_dirid, 13);
    assert_string_equal(s->binary_file, "drv.sys");
    assert_null(s->image_path);                         /* driver store: unknown here */
    assert_int_equal(s->ndependencies, 2);
    assert_string_equal(s->dependencies[1], "+Group");
    assert_int_equal(s->naddreg, 3);
    assert_string_equal(s->addreg[2], "c");
    assert_string_equal(s->description, "d, e");
    assert_string_equal(s->start_name, "x");
    assert_string_equal(s->eventlog_section, "ev");

    assert_int_equal(ins.ncopies, 3);
    const struct inf_copy *c = &ins.copies[0];
    assert_string_equal(c->dest_name, "out.sys");
    assert_string_equal(c->source_name, "in.sys");
    assert_int_equal(c->flags, 0x4000);
    assert_int_equal(c->dest_dirid, 12);
    assert_string_equal(c->dest_subdir, "sub\\dir");
    assert_string_equal(c->disk_id, "2");                 /* .amd64 wins */
    assert_string_equal(c->disk_description, "Disk2");
    assert_string_equal(c->source_path, "x64\\in.sys");
    c = &ins.copies[1];
    assert_string_equal(c->source_name, "same.sys");
    assert_string_equal(c->disk_id, "1");
    assert_string_equal(c->source_path, "base\\same.sys");
    c = &ins.copies[2];
    assert_string_equal(c->section, "");
    assert_string_equal(c->dest_name, "single.sys");
    assert_int_equal(c->dest_dirid, 11);                  /* DefaultDestDir */
    assert_null(c->disk_id);
    assert_null(c->source_path);
    assert_int_equal(inf_warning_count(inf), 1);
    assert_string_equal(inf_warning(inf, 0), "t.inf:9: Include= refers to other INF files; their "
                        "sections are not read");

    /* x86 falls back to the undecorated section */
    assert_int_equal(inf_get_install(inf, &X86_XP, "inst", &ins), INF_OK);
    assert_string_equal(ins.section, "inst");
    assert_int_equal(ins.naddreg, 1);
    assert_int_equal(ins.nservices, 0);
    inf_free(inf);
}

static void test_addreg_types(void **state)
{
    (void)state;
    const char *text =
        "[Version]\nSignature=$Windows NT$\n"
        "[r]\n"
        "HKLM,\"SYSTEM\\X\",Sz,,\"text\"\n"                         /* 0 */
        "HKLM,SYSTEM\\X,Multi,0x00010000,a,\"b,c\",d\n"             /* 1 */
        "HKLM,SYSTEM\\X,Multi,0x00010008,e\n"                       /* 2 append */
        "hkr,,Bin,1,01,ff,0x7A\n"                                   /* 3 */
        "HKR,,DwordBytes,0x00010001,01,02,03,04\n"                  /* 4 */
        "HKR,,None,0x00020001\n"                                    /* 5 */
        "HKR,,Qword,0x000B0001,1,0,0,0,0,0,0,0\n"                   /* 6 */
        "HKR,,Del,0x00000004\n"                                     /* 7 */
        "HKCU,Key\n"                                                /* 8 */
        "HKU,,NoClobber,0x00000002,v\n"                             /* 9 */
        "HKCR,,Dec,0x10001,4294967295\n"                            /* 10 */
        "HKR,,Empty,0x00010001\n"                                   /* 11 */
        "HKR,,BadByte,1,100\n";                                     /* 12 */
    inf_file *inf = parse_str(text, NULL);
    struct inf_addregs ar;
    assert_int_equal(inf_get_addreg(inf, "r", &ar), INF_EINVALID);
    assert_string_equal(inf_errmsg(inf), "t.inf:16: binary value: \"100\" (field 5) is not a hex byte");
    inf_free(inf);

    /* the same without the bad line */
    size_t n = strlen(text) - strlen("HKR,,BadByte,1,100\n");
    char *good = malloc(n + 1);
    memcpy(good, text, n);
    good[n] = 0;
    inf = parse_str(good, NULL);
    free(good);
    assert_int_equal(inf_get_addreg(inf, "r", &ar), INF_OK);
    assert_int_equal(ar.n, 12);
    const struct inf_addreg *e = ar.entries;
    assert_int_equal(e[0].root, INF_ROOT_HKLM);
    assert_string_equal(e[0].subkey, "SYSTEM\\X");
    assert_int_equal(e[0].reg_type, 1);
    assert_int_equal(e[0].data_kind, INF_DATA_STRING);
    assert_string_equal(e[0].strings[0], "text");
    assert_int_equal(e[1].reg_type, 7);
    assert_int_equal(e[1].data_kind, INF_DATA_MULTI);
    assert_int_equal(e[1].nstrings, 3);
    assert_string_equal(e[1].strings[1], "b,c");
    assert_true(e[2].flags & INF_FLG_ADDREG_APPEND);
    assert_int_equal(e[2].reg_type, 7);
    assert_int_equal(e[3].root, INF_ROOT_HKR);
    assert_int_equal(e[3].reg_type, 3);
    assert_int_equal(e[3].data_kind, INF_DATA_BYTES);
    assert_int_equal(e[3].nbytes, 3);
    assert_memory_equal(e[3].bytes, "\x01\xff\x7a", 3);
    assert_int_equal(e[4].reg_type, 4);
    assert_int_equal(e[4].data_kind, INF_DATA_BYTES);
    assert_memory_equal(e[4].bytes, "\x01\x02\x03\x04", 4);
    assert_int_equal(e[5].reg_type, 0);
    assert_int_equal(e[5].op, INF_OP_SET);
    assert_int_equal(e[5].data_kind, INF_DATA_NONE);
    assert_int_equal(e[6].reg_type, 11);
    assert_int_equal(e[6].nbytes, 8);
    assert_int_equal(e[7].op, INF_OP_DELETE);
    assert_int_equal(e[8].op, INF_OP_KEY);
    assert_int_equal(e[8].root, INF_ROOT_HKCU);
    assert_string_equal(e[8].value_name, "");
    assert_true(e[9].flags & INF_FLG_ADDREG_NOCLOBBER);
    assert_int_equal(e[9].reg_type, 1);
    assert_int_equal(e[9].root, INF_ROOT_HKU);
    assert_int_equal(e[10].dword, 0xFFFFFFFFu);
    assert_int_equal(e[10].root, INF_ROOT_HKCR);
    assert_int_equal(e[11].data_kind, INF_DATA_NONE);
    assert_string_equal(inf_root_name(INF_ROOT_HKLM), "HKLM");
    inf_free(inf);
}

static void test_small_helpers(void **state)
{
    (void)state;
    uint32_t v;
    assert_int_equal(inf_parse_u32("0", &v), 0);
    assert_int_equal(inf_parse_u32("0x0000000A", &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(inf_parse_u32("010", &v), 0);
    assert_int_equal(v, 10);                             /* decimal, not octal */
    assert_int_equal(inf_parse_u32("4294967295", &v), 0);
    assert_int_equal(inf_parse_u32("4294967296", &v), -1);
    assert_int_equal(inf_parse_u32("0x", &v), -1);
    assert_int_equal(inf_parse_u32("", &v), -1);
    assert_int_equal(inf_parse_u32(" 1", &v), -1);
    assert_int_equal(inf_parse_u32("1a", &v), -1);

    long d;
    const char *rest;
    assert_int_equal(inf_split_dirid("%12%\\viostor.sys", &d, &rest), 0);
    assert_int_equal(d, 12);
    assert_string_equal(rest, "viostor.sys");
    assert_int_equal(inf_split_dirid("%-1%C:\\x", &d, &rest), 0);
    assert_int_equal(d, -1);
    assert_string_equal(rest, "C:\\x");
    assert_int_equal(inf_split_dirid("%x%\\a", &d, &rest), -1);
    assert_int_equal(inf_split_dirid("12\\a", &d, &rest), -1);
    assert_string_equal(inf_dirid_systemroot_path(12), "System32\\drivers");
    assert_string_equal(inf_dirid_systemroot_path(10), "");
    assert_null(inf_dirid_systemroot_path(13));

    uint8_t g[16];
    assert_int_equal(inf_parse_guid("{4d36e97b-e325-11ce-bfc1-08002be10318}", g), 0);
    assert_int_equal(g[0], 0x7b);
    assert_int_equal(g[15], 0x18);
    assert_int_equal(inf_parse_guid("4D36E97B-E325-11CE-BFC1-08002BE10318", g), -1);
    assert_int_equal(inf_parse_guid("{4D36E97B-E325-11CE-BFC1-08002BE1031G}", g), -1);

    assert_int_equal(inf_arch_parse("AMD64"), INF_ARCH_AMD64);
    assert_int_equal(inf_arch_parse("x64"), INF_ARCH_AMD64);
    assert_int_equal(inf_arch_parse("x86"), INF_ARCH_X86);
    assert_int_equal(inf_arch_parse("ARM64"), INF_ARCH_ARM64);
    assert_int_equal(inf_arch_parse("mips"), INF_ARCH_NONE);
    assert_string_equal(inf_arch_name(INF_ARCH_ARM64), "arm64");
}

/* ---- random mutations ------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    return (uint32_t)(tu_xorshift64(&rng_state) >> 16);
}

static void exercise(inf_file *inf)
{
    static const struct inf_target *targets[] = {&AMD64_WIN10, &AMD64_WIN7, &X86_XP,
                                                 &ARM64_WIN11};
    struct inf_version v;
    struct inf_models m;
    struct inf_install ins;
    struct inf_addregs ar;
    size_t total = 0;

    (void)inf_get_version(inf, &v);
    const inf_section *mf = inf_section_find(inf, "Manufacturer");
    for (size_t i = 0; mf && i < mf->nlines; i++)
        for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            const char *name;
            if (inf_models_section(inf, &mf->lines[i], targets[t], &name) == INF_OK)
                total += strlen(name);
        }
    for (size_t i = 0; i < inf_section_count(inf); i++) {
        const inf_section *s = inf_section_at(inf, i);
        total += strlen(s->name);
        for (size_t j = 0; j < s->nlines; j++) {
            const inf_line *l = &s->lines[j];
            if (l->key)
                total += strlen(l->key->value) + strlen(l->key->raw);
            for (size_t k = 0; k < l->nfields; k++)
                total += strlen(l->fields[k].value) + strlen(l->fields[k].raw);
        }
        (void)inf_get_addreg(inf, s->name, &ar);
        (void)inf_get_install(inf, targets[i % 4], s->name, &ins);
    }
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        if (inf_select_models(inf, targets[t], &m) != INF_OK)
            continue;
        for (size_t i = 0; i < m.n; i++) {
            total += strlen(m.models[i].hardware_id);
            if (inf_get_install(inf, targets[t], m.models[i].install_section, &ins) != INF_OK)
                continue;
            for (size_t s = 0; s < ins.nservices; s++) {
                for (size_t r = 0; r < ins.services[s].naddreg; r++)
                    (void)inf_get_addreg(inf, ins.services[s].addreg[r], &ar);
                if (ins.services[s].image_path)
                    total += strlen(ins.services[s].image_path);
            }
            for (size_t c = 0; c < ins.ncopies; c++)
                if (ins.copies[c].source_path)
                    total += strlen(ins.copies[c].source_path);
        }
    }
    for (size_t i = 0; i < inf_warning_count(inf); i++)
        total += strlen(inf_warning(inf, i));
    assert_true(total < SIZE_MAX);
}

static void test_mutations(void **state)
{
    (void)state;
    const char *files[3] = {VIOSTOR10, VIOSCSI10, VIOSTORXP};
    const char *synthetic[4] = {decorated, install_text, strings_text, syntax_text};
    enum { NSRC = 8 };
    uint8_t *src[NSRC];
    size_t srclen[NSRC];
    for (int i = 0; i < 3; i++)
        src[i] = read_fixture(files[i], &srclen[i]);
    src[3] = to_utf16(src[0], srclen[0], 0, 1, &srclen[3]);
    for (int i = 0; i < 4; i++) {
        srclen[4 + i] = strlen(synthetic[i]);
        src[4 + i] = (uint8_t *)strdup(synthetic[i]);
    }

    static const char specials[] = "\"%;\\,=[]\n\r \t\x1a\x00\xff\xfe\xc3\x80" "0x1";
    uint64_t seed = (uint64_t)time(NULL);
    const char *env = getenv("HIVEKIT_INF_SEED");
    if (env)
        seed = strtoull(env, NULL, 0);
    rng_state = seed | 1;
    printf("test_mutations: seed %llu (HIVEKIT_INF_SEED=%llu repeats it; "
           "HIVEKIT_INF_ITERS=N runs N inputs)\n",
           (unsigned long long)seed, (unsigned long long)seed);

    unsigned max_iters = 20000;
    double max_seconds = 20.0;
    if ((env = getenv("HIVEKIT_INF_ITERS")) != NULL) {
        max_iters = (unsigned)strtoul(env, NULL, 0);
        max_seconds = 1e9;
    }
    clock_t start = clock();
    unsigned iters = 0, parsed = 0;
    struct inf_options opts[3] = {{NULL, NULL, NULL, 0},
                                  {"0407", test_dirid, NULL, 0},
                                  {NULL, NULL, NULL, INF_PARSE_NO_SIGNATURE}};
    uint8_t *buf = malloc(1 << 16);
    assert_non_null(buf);
    while (iters < max_iters && (double)(clock() - start) / CLOCKS_PER_SEC < max_seconds) {
        int f = (int)(rnd() % NSRC);
        size_t len = srclen[f];
        memcpy(buf, src[f], len);
        int nmut = 1 + (int)(rnd() % 8);
        for (int k = 0; k < nmut; k++) {
            size_t pos = len ? rnd() % len : 0;
            switch (rnd() % 6) {
            case 0:                                      /* flip a byte */
                if (len)
                    buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
                break;
            case 1:                                      /* special character */
                if (len)
                    buf[pos] = (uint8_t)specials[rnd() % (sizeof specials - 1)];
                break;
            case 2:                                      /* insert one */
                if (len + 1 < (1 << 16)) {
                    memmove(buf + pos + 1, buf + pos, len - pos);
                    buf[pos] = (uint8_t)specials[rnd() % (sizeof specials - 1)];
                    len++;
                }
                break;
            case 3: {                                    /* delete a range */
                size_t n = rnd() % 64;
                if (n > len - pos)
                    n = len - pos;
                memmove(buf + pos, buf + pos + n, len - pos - n);
                len -= n;
                break;
            }
            case 4: {                                    /* duplicate a range */
                size_t n = rnd() % 256, from = len ? rnd() % len : 0;
                if (n > len - from)
                    n = len - from;
                if (len + n < (1 << 16)) {
                    memmove(buf + pos + n, buf + pos, len - pos);
                    memmove(buf + pos, buf + (from < pos ? from : from + n), n);
                    len += n;
                }
                break;
            }
            default:                                     /* truncate */
                len = pos;
                break;
            }
        }
        inf_file *inf = NULL;
        int rc = inf_parse_mem(buf, len, "m.inf", &opts[rnd() % 3], &inf);
        assert_non_null(inf);
        assert_true(strlen(inf_errmsg(inf)) < 512);
        if (rc == INF_OK) {
            parsed++;
            exercise(inf);
        } else {
            assert_true(rc == INF_ESYNTAX || rc == INF_EINVALID);
            assert_true(strncmp(inf_errmsg(inf), "m.inf:", 6) == 0);
        }
        inf_free(inf);
        iters++;
    }
    printf("test_mutations: %u inputs, %u parsed, %.1f s\n", iters, parsed,
           (double)(clock() - start) / CLOCKS_PER_SEC);
    assert_true(iters >= 100);
    assert_true(parsed > 0);
    free(buf);
    for (int i = 0; i < NSRC; i++)
        free(src[i]);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_viostor_w10),
        cmocka_unit_test(test_vioscsi_w10),
        cmocka_unit_test(test_viostor_xp),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_ansi),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_decorations),
        cmocka_unit_test(test_install_details),
        cmocka_unit_test(test_addreg_types),
        cmocka_unit_test(test_small_helpers),
        cmocka_unit_test(test_mutations),
    };
    return TU_MAIN_CORE(tests, NULL, NULL);
}
