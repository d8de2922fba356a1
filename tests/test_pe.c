/* test_pe.c - the boot binary check (src/inject/pe.c) on crafted images.
 *
 * The images are built here byte by byte (little-endian, offsets of the
 * PE format spelled out): a signed AMD64 driver, and from it unsigned,
 * foreign, truncated and hostile variants. The files of fixtures/pe must be
 * exactly these images (the CLI tests use them). Every truncation of a
 * good image and a few thousand seeded random corruptions of its headers
 * must give a status and never read outside the buffer (the ASan run of
 * `make test` enforces that). No corpus needed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pe.h"
#include "testutil.h"

static void put16(uint8_t *p, size_t off, unsigned v)
{
    p[off] = (uint8_t)v;
    p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
    p[off] = (uint8_t)v;
    p[off + 1] = (uint8_t)(v >> 8);
    p[off + 2] = (uint8_t)(v >> 16);
    p[off + 3] = (uint8_t)(v >> 24);
}

/* Layout of the images (PE32+: optional header 240 bytes, PE32: 224):
 *   0x00 "MZ", 0x3C e_lfanew = 0x40
 *   0x40 "PE\0\0"
 *   0x44 COFF: Machine, 0 sections, SizeOfOptionalHeader at 0x54,
 *        Characteristics 0x0022 at 0x56
 *   0x58 optional header: Magic, Subsystem (+68) = 1,
 *        NumberOfRvaAndSizes (+108 / +92) = 16, directory 4 at +144 / +128
 *   then, when signed, a 16-byte WIN_CERTIFICATE: dwLength 16, revision
 *        0x0200, type 2 (PKCS#7), 8 bytes of "content". */
enum { OPT = 0x58 };

static size_t build(uint8_t *p, unsigned machine, int plus, int sign)
{
    size_t optsize = plus ? 240 : 224, len = OPT + optsize;
    memset(p, 0, 512);
    p[0] = 'M';
    p[1] = 'Z';
    put32(p, 0x3C, 0x40);
    memcpy(p + 0x40, "PE\0\0", 4);
    put16(p, 0x44, machine);
    put16(p, 0x54, (unsigned)optsize);
    put16(p, 0x56, 0x0022);
    put16(p, OPT, plus ? 0x20B : 0x10B);
    put16(p, OPT + 68, 1);
    put32(p, OPT + (plus ? 108 : 92), 16);
    if (sign) {
        static const uint8_t cert[16] = { 0x10, 0, 0, 0, 0x00, 0x02, 0x02, 0x00,
                                          0x30, 0x82, 0x00, 0x04, 0x06, 0x09,
                                          0x2A, 0x86 };
        put32(p, OPT + (plus ? 144 : 128), (uint32_t)len);
        put32(p, OPT + (plus ? 148 : 132), 16);
        memcpy(p + len, cert, 16);
        len += 16;
    }
    return len;
}

static int check(const uint8_t *p, size_t len, unsigned machine,
                 struct pe_info *info, char *err)
{
    /* An exact-size copy, so that ASan sees any read past LEN. */
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, p, len);
    int rc = pe_check_mem(copy, len, (uint16_t)machine, info, err, 256);
    free(copy);
    return rc;
}

static void test_signed_images(void **state)
{
    (void)state;
    uint8_t img[512];
    char err[256];
    struct pe_info in;
    size_t len = build(img, 0x8664, 1, 1);
    assert_int_equal(len, 344);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_OK);
    assert_int_equal(in.machine, 0x8664);
    assert_int_equal(in.magic, 0x20B);
    assert_int_equal(in.subsystem, 1);
    assert_int_equal(in.cert_offset, 0x148);
    assert_int_equal(in.cert_size, 16);
    assert_int_equal(in.cert_length, 16);
    assert_int_equal(in.cert_revision, 0x0200);
    assert_int_equal(in.cert_type, 2);
    assert_int_equal(check(img, len, 0, &in, err), PE_OK);   /* any machine */
    len = build(img, 0x14C, 0, 1);
    assert_int_equal(len, 328);
    assert_int_equal(check(img, len, 0x14C, &in, err), PE_OK);
    assert_int_equal(in.cert_offset, 0x138);
    len = build(img, 0xAA64, 1, 1);
    assert_int_equal(check(img, len, 0xAA64, &in, err), PE_OK);
    /* WIN_CERT_REVISION_1_0 is accepted too. */
    len = build(img, 0x8664, 1, 1);
    put16(img, 0x148 + 4, 0x0100);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_OK);
}

static void test_refused(void **state)
{
    (void)state;
    uint8_t img[512];
    char err[256];
    struct pe_info in;
    size_t len = build(img, 0x8664, 1, 0);
    assert_int_equal(len, 328);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_EUNSIGNED);
    assert_non_null(strstr(err, "security directory (data directory 4) is empty"));
    /* Wrong machine types, both ways. */
    len = build(img, 0x14C, 0, 1);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_EMACHINE);
    assert_string_equal(err, "a PE image for machine I386 (0x014C), not AMD64 "
                        "(0x8664) as the guest needs");
    len = build(img, 0xAA64, 1, 1);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_EMACHINE);
    len = build(img, 0x8664, 1, 1);
    assert_int_equal(check(img, len, 0x14C, &in, err), PE_EMACHINE);
    len = build(img, 0x01C4, 1, 1);                     /* ARMNT */
    assert_int_equal(check(img, len, 0xAA64, &in, err), PE_EMACHINE);
    assert_non_null(strstr(err, "machine 0x01C4"));
    /* Not PE at all. */
    assert_int_equal(check((const uint8_t *)"driver binary", 13, 0x8664, &in,
                           err), PE_ENOTPE);
    assert_int_equal(check(img, 0, 0x8664, &in, err), PE_ENOTPE);
    len = build(img, 0x8664, 1, 1);
    img[0x42] = 'X';                                    /* "PX\0\0" */
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    /* A PE32 header on an AMD64 image, a ROM image magic. */
    len = build(img, 0x8664, 1, 1);
    put16(img, OPT, 0x10B);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    put16(img, OPT, 0x107);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    /* No room for directory 4: NumberOfRvaAndSizes 4, or an optional
     * header that ends before it (with a hostile count). */
    len = build(img, 0x8664, 1, 1);
    put32(img, OPT + 108, 4);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_EUNSIGNED);
    len = build(img, 0x8664, 1, 1);
    put32(img, OPT + 108, 0xFFFFFFFF);
    put16(img, 0x54, 144);                              /* dirs 0..3 only */
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_EUNSIGNED);
}

/* Offsets and sizes chosen to wrap or point outside the file. */
static void test_hostile(void **state)
{
    (void)state;
    uint8_t img[512];
    char err[256];
    struct pe_info in;
    static const uint32_t lfanew[] = { 0xFFFFFFFF, 0xFFFFFFFC, 0x80000000,
                                       344, 343, 341, 340 };
    for (size_t i = 0; i < sizeof lfanew / sizeof *lfanew; i++) {
        size_t len = build(img, 0x8664, 1, 1);
        put32(img, 0x3C, lfanew[i]);
        assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    }
    /* SizeOfOptionalHeader past the end, or too short for the fields. */
    size_t len = build(img, 0x8664, 1, 1);
    put16(img, 0x54, 0xFFFF);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    put16(img, 0x54, 100);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    put16(img, 0x54, 0);
    assert_int_equal(check(img, len, 0x8664, &in, err), PE_ENOTPE);
    /* The security directory: wrapping, outside, too small, half empty. */
    static const uint32_t dir[][2] = {
        { 0xFFFFFFF0, 0x20 }, { 0x148, 0xFFFFFFFF }, { 0x148, 17 },
        { 0x150, 16 }, { 345, 0 }, { 0x148, 4 }, { 0, 16 }, { 0x148, 0 },
        { 0xFFFFFFFF, 0xFFFFFFFF } };
    for (size_t i = 0; i < sizeof dir / sizeof *dir; i++) {
        len = build(img, 0x8664, 1, 1);
        put32(img, OPT + 144, dir[i][0]);
        put32(img, OPT + 148, dir[i][1]);
        assert_int_equal(check(img, len, 0x8664, &in, err), PE_EBADSIG);
    }
    /* The WIN_CERTIFICATE itself. */
    static const struct { size_t off; unsigned v; int bits; } cert[] = {
        { 0, 0, 32 }, { 0, 7, 32 }, { 0, 17, 32 }, { 0, 0xFFFFFFFF, 32 },
        { 4, 0x0300, 16 }, { 4, 0, 16 }, { 6, 1, 16 }, { 6, 4, 16 } };
    for (size_t i = 0; i < sizeof cert / sizeof *cert; i++) {
        len = build(img, 0x8664, 1, 1);
        if (cert[i].bits == 32)
            put32(img, 0x148 + cert[i].off, cert[i].v);
        else
            put16(img, 0x148 + cert[i].off, cert[i].v);
        assert_int_equal(check(img, len, 0x8664, &in, err), PE_EBADSIG);
    }
}

/* Every prefix of a good image is refused with a status (no crash). */
static void test_truncated(void **state)
{
    (void)state;
    uint8_t img[512];
    char err[256];
    struct pe_info in;
    size_t len = build(img, 0x8664, 1, 1);
    for (size_t n = 0; n < len; n++) {
        int rc = check(img, n, 0x8664, &in, err);
        if (rc == PE_OK)
            fail_msg("a %zu-byte prefix of a %zu-byte image passed", n, len);
        /* Cut inside the headers: not PE; inside the certificate: broken. */
        assert_int_equal(rc, n < 0x148 ? PE_ENOTPE : PE_EBADSIG);
    }
}

/* Seeded random corruption of header bytes: a status every time. */
static void test_random_corruption(void **state)
{
    (void)state;
    uint8_t img[512];
    char err[256];
    struct pe_info in;
    uint32_t x = 12345;
    for (int round = 0; round < 20000; round++) {
        size_t len = build(img, (round & 1) ? 0x8664 : 0x14C, round & 1, 1);
        int flips = 1 + (int)(round % 4);
        for (int i = 0; i < flips; i++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % len;
            x = x * 1103515245u + 12345u;
            img[at] = (uint8_t)(x >> 16);
        }
        x = x * 1103515245u + 12345u;
        size_t cut = (x >> 8) % 8 == 0 ? (x >> 12) % (len + 1) : len;
        int rc = check(img, cut, 0, &in, err);
        assert_true(rc <= 0 && rc >= PE_EBADSIG);
        assert_true(rc == PE_OK || err[0] != '\0');
    }
}

/* fixtures/pe/ holds exactly the images built here. */
static void test_fixtures(void **state)
{
    (void)state;
    static const struct { const char *name; unsigned machine; int plus, sign; } f[] = {
        { "pe/amd64-signed.sys", 0x8664, 1, 1 },
        { "pe/amd64-unsigned.sys", 0x8664, 1, 0 },
        { "pe/i386-signed.sys", 0x14C, 0, 1 },
        { "pe/arm64-signed.sys", 0xAA64, 1, 1 },
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        uint8_t img[512];
        size_t len = build(img, f[i].machine, f[i].plus, f[i].sign), flen;
        char *path = tu_fixture(f[i].name), err[256];
        uint8_t *file = tu_read_file(path, &flen);
        assert_int_equal(flen, len);
        assert_memory_equal(file, img, len);
        assert_int_equal(pe_check_file(path, (uint16_t)f[i].machine, NULL,
                                       err, sizeof err),
                         f[i].sign ? PE_OK : PE_EUNSIGNED);
        free(file);
        free(path);
    }
}

static void test_files(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(pe_check_file("/nonexistent/viostor.sys", 0x8664, NULL,
                                   err, sizeof err), PE_EIO);
    assert_non_null(strstr(err, "cannot be read"));
    assert_int_equal(pe_check_file("/", 0x8664, NULL, err, sizeof err),
                     PE_EIO);                           /* a directory */
    /* Larger than PE_MAX_FILE (a sparse file): refused before parsing. */
    char path[] = "/tmp/hivekit-pe-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "MZ", 2), 2);
    assert_int_equal(ftruncate(fd, (off_t)PE_MAX_FILE + 1), 0);
    close(fd);
    assert_int_equal(pe_check_file(path, 0x8664, NULL, err, sizeof err),
                     PE_ETOOBIG);
    unlink(path);
    /* A FIFO: refused at once, never read (alarm: a blocking open fails). */
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(5);
    assert_int_equal(pe_check_file(path, 0x8664, NULL, err, sizeof err),
                     PE_EIO);
    alarm(0);
    assert_non_null(strstr(err, "not a regular file (a FIFO)"));
    unlink(path);
    assert_int_equal(pe_machine_for_arch("amd64"), 0x8664);
    assert_int_equal(pe_machine_for_arch("AMD64"), 0x8664);
    assert_int_equal(pe_machine_for_arch("x86"), 0x014C);
    assert_int_equal(pe_machine_for_arch("arm64"), 0xAA64);
    assert_int_equal(pe_machine_for_arch("ia64"), 0);
    assert_string_equal(pe_machine_name(0x8664), "AMD64");
    assert_null(pe_machine_name(0x0200));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_images),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_files),
    };
    return TU_MAIN_CORE(tests, NULL, NULL);
}
