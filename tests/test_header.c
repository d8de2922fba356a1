/* test_header.c - base block and hive bin checks of regf_open_mem.
 *
 * Every image is built with mkhive (tests/support/mkhive.h) from the tiny
 * valid hive and then broken in one field. Each case asserts the exact
 * status and a meaningful part of the message (usually the offset). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkhive.h"
#include "regf_int.h"
#include "testutil.h"

/* ---- helpers --------------------------------------------------------- */

static int open_img(const uint8_t *img, size_t len, regf_hive **h)
{
    *h = NULL;
    return regf_open_mem(img, len, "hdr.hive", 0, h);
}

/* Opens IMG and asserts STATUS and that the message contains every
 * NULL-terminated SUBSTR. */
static void expect_open(const uint8_t *img, size_t len, int status, ...)
{
    regf_hive *h;
    int rc = open_img(img, len, &h);
    const char *msg = regf_errmsg(h);
    if (rc != status) {
        print_error("expected status %d, got %d: %s\n", status, rc, msg);
        regf_close(h);
        fail();
    }
    va_list ap;
    va_start(ap, status);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL) {
        if (!strstr(msg, s)) {
            print_error("message lacks '%s': %s\n", s, msg);
            va_end(ap);
            regf_close(h);
            fail();
        }
    }
    va_end(ap);
    if (status != REGF_OK)
        assert_non_null(strstr(msg, "hdr.hive: "));
    regf_close(h);
}

static int count_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                     size_t path_len, unsigned depth)
{
    (void)h; (void)key; (void)path; (void)path_len; (void)depth;
    (*(unsigned *)ctx)++;
    return 0;
}

/* Opens IMG, asserts success, fills *INFO and checks the whole tiny tree
 * (8 keys) can be walked and exported. */
static void open_ok(const uint8_t *img, size_t len, struct regf_info *info)
{
    regf_hive *h;
    int rc = open_img(img, len, &h);
    if (rc != REGF_OK) {
        print_error("open failed (%d): %s\n", rc, regf_errmsg(h));
        regf_close(h);
        fail();
    }
    assert_int_equal(regf_get_info(h, info), REGF_OK);
    unsigned n = 0;
    rc = regf_walk(h, 0, count_key, &n);
    if (rc != REGF_OK)
        print_error("walk: %s\n", regf_errmsg(h));
    assert_int_equal(rc, REGF_OK);
    assert_int_equal(n, 8);
    struct tu_buf out = { NULL, 0, 0 };
    rc = regf_export_reg(h, 0, "HKEY_X", 0, tu_buf_write, &out);
    if (rc != REGF_OK)
        print_error("export: %s\n", regf_errmsg(h));
    assert_int_equal(rc, REGF_OK);
    assert_non_null(strstr(out.p, "[HKEY_X\\B\\B3]"));
    tu_buf_free(&out);
    regf_close(h);
}

/* A copy of the tiny hive's image with room for SLACK more bytes. */
struct img {
    struct mkhive *mk;
    struct mk_tiny t;
    uint8_t *p;
    size_t len;
};

static void tiny(struct img *im, uint32_t minor)
{
    im->mk = mk_tiny(minor, &im->t);
    mk_finish(im->mk, &im->len);
    im->p = mk_bb(im->mk);
}

static void tiny_done(struct img *im)
{
    mk_free(im->mk);
}

/* ---- checksum -------------------------------------------------------- */

static void test_checksum_vector(void **state)
{
    (void)state;
    char *path = tu_fixture("hives/minimal");
    size_t len;
    uint8_t *buf = tu_read_file(path, &len);
    assert_int_equal(rd_le32(buf + BB_CHECKSUM), 0xFA3859BFu);
    assert_int_equal(regf__checksum(buf), 0xFA3859BFu);
    assert_int_equal(mk_checksum(buf), 0xFA3859BFu);
    regf_hive *h;
    assert_int_equal(open_img(buf, len, &h), REGF_OK);
    struct regf_info in;
    regf_get_info(h, &in);
    assert_int_equal(in.checksum_stored, 0xFA3859BFu);
    assert_int_equal(in.checksum_computed, 0xFA3859BFu);
    assert_true(in.checksum_ok);
    assert_false(in.dirty);
    assert_int_equal(in.major, 1);
    assert_int_equal(in.minor, 5);
    assert_int_equal(in.seq1, 256);
    assert_int_equal(in.seq2, 256);
    assert_int_equal(in.nbins, 1);
    assert_int_equal(in.bins_size, 4096);
    regf_close(h);
    free(buf);
    free(path);
}

/* Sets the RmId dword (offset 112, not otherwise used) so that the XOR of
 * the 127 header dwords is RAW. */
static void force_xor(uint8_t *bb, uint32_t raw)
{
    wr_le32(bb + 112, 0);
    uint32_t x = 0;
    for (unsigned i = 0; i < BB_CHECKSUM; i += 4)
        x ^= rd_le32(bb + i);
    wr_le32(bb + 112, x ^ raw);
    x = 0;
    for (unsigned i = 0; i < BB_CHECKSUM; i += 4)
        x ^= rd_le32(bb + i);
    assert_int_equal(x, raw);
}

static void check_special(uint32_t raw, uint32_t need)
{
    struct img im;
    struct regf_info in;
    tiny(&im, 5);
    force_xor(im.p, raw);
    assert_int_equal(regf__checksum(im.p), need);
    assert_int_equal(mk_checksum(im.p), need);

    /* The special value is required ... */
    wr_le32(im.p + BB_CHECKSUM, need);
    open_ok(im.p, im.len, &in);
    assert_true(in.checksum_ok);
    assert_false(in.dirty);
    assert_int_equal(in.checksum_computed, need);

    /* ... and the raw XOR is wrong: dirty, but still readable. */
    wr_le32(im.p + BB_CHECKSUM, raw);
    open_ok(im.p, im.len, &in);
    assert_false(in.checksum_ok);
    assert_true(in.dirty);
    assert_int_equal(in.checksum_stored, raw);
    assert_int_equal(in.checksum_computed, need);
    tiny_done(&im);
}

static void test_checksum_zero_needs_one(void **state)
{
    (void)state;
    check_special(0, 1);
}

static void test_checksum_ones_needs_fffffffe(void **state)
{
    (void)state;
    check_special(0xFFFFFFFFu, 0xFFFFFFFEu);
}

static void test_checksum_ordinary(void **state)
{
    (void)state;
    struct img im;
    struct regf_info in;
    tiny(&im, 5);
    force_xor(im.p, 0x12345678u);
    assert_int_equal(regf__checksum(im.p), 0x12345678u);
    wr_le32(im.p + BB_CHECKSUM, 0x12345678u);
    open_ok(im.p, im.len, &in);
    assert_true(in.checksum_ok);
    /* 1 and 0xFFFFFFFE are only special for those two XOR values. */
    force_xor(im.p, 1);
    wr_le32(im.p + BB_CHECKSUM, 1);
    open_ok(im.p, im.len, &in);
    assert_true(in.checksum_ok);
    force_xor(im.p, 0xFFFFFFFEu);
    wr_le32(im.p + BB_CHECKSUM, 0xFFFFFFFEu);
    open_ok(im.p, im.len, &in);
    assert_true(in.checksum_ok);
    /* The checksum covers bytes 0..507 only. */
    im.p[508 + 4] ^= 0xFF;
    im.p[4095] ^= 0xFF;
    open_ok(im.p, im.len, &in);
    assert_true(in.checksum_ok);
    tiny_done(&im);
}

/* ---- signature ------------------------------------------------------- */

static void test_bad_signature(void **state)
{
    (void)state;
    struct img im;
    tiny(&im, 5);
    /* "regf" damaged but hbin 0 intact: header recoverable from logs. */
    memcpy(im.p, "regF", 4);
    expect_open(im.p, im.len, REGF_ECORRUPT, "base block",
                "transaction logs", NULL);
    memset(im.p, 0, 4096);
    expect_open(im.p, im.len, REGF_ECORRUPT, "transaction logs", NULL);
    /* hbin 0 with a wrong offset field: not a hive at all. */
    wr_le32(im.p + 4096 + HBIN_OFFSET, 0x1000);
    expect_open(im.p, im.len, REGF_ECORRUPT, "not a registry hive",
                "no 'regf' signature", NULL);
    memcpy(im.p + 4096, "hbix", 4);
    wr_le32(im.p + 4096 + HBIN_OFFSET, 0);
    expect_open(im.p, im.len, REGF_ECORRUPT, "no 'regf' signature", NULL);
    tiny_done(&im);

    static const uint8_t small[100] = "regf";
    expect_open(small, sizeof small, REGF_ECORRUPT, "only 100 bytes", NULL);
    expect_open(small, 0, REGF_ECORRUPT, "only 0 bytes", NULL);
    /* A lone hbin (no base block) shorter than 4096 + 32 bytes. */
    uint8_t frag[4096 + 16];
    memset(frag, 0, sizeof frag);
    memcpy(frag + 4096, "hbin", 4);
    expect_open(frag, sizeof frag, REGF_ECORRUPT, "no 'regf' signature",
                NULL);
}

/* ---- version, type, format ------------------------------------------- */

static void set_and_fix(struct img *im, uint32_t off, uint32_t v)
{
    wr_le32(im->p + off, v);
    mk_fix_checksum(im->mk);
}

static void test_versions(void **state)
{
    (void)state;
    struct regf_info in;
    for (uint32_t minor = 2; minor <= 6; minor++) {
        struct img im;
        tiny(&im, minor);
        open_ok(im.p, im.len, &in);
        assert_int_equal(in.major, 1);
        assert_int_equal(in.minor, minor);
        assert_false(in.dirty);
        tiny_done(&im);
    }
    struct img im;
    tiny(&im, 5);
    set_and_fix(&im, BB_MINOR, 1);
    expect_open(im.p, im.len, REGF_EUNSUPP, "version 1.1", NULL);
    set_and_fix(&im, BB_MINOR, 7);
    expect_open(im.p, im.len, REGF_EUNSUPP, "version 1.7", NULL);
    set_and_fix(&im, BB_MINOR, 0);
    expect_open(im.p, im.len, REGF_EUNSUPP, "version 1.0", NULL);
    set_and_fix(&im, BB_MINOR, 5);
    set_and_fix(&im, BB_MAJOR, 2);
    expect_open(im.p, im.len, REGF_EUNSUPP, "version 2.5", NULL);
    set_and_fix(&im, BB_MAJOR, 0);
    expect_open(im.p, im.len, REGF_EUNSUPP, "version 0.5", NULL);
    /* With a bad checksum too, the header is damaged, not unsupported:
     * ECORRUPT and a pointer to the logs. */
    wr_le32(im.p + BB_MAJOR, 3);
    expect_open(im.p, im.len, REGF_ECORRUPT, "version 3.5",
                "base block is damaged", "transaction logs", NULL);
    tiny_done(&im);
}

static void test_type(void **state)
{
    (void)state;
    struct img im;
    tiny(&im, 5);
    set_and_fix(&im, BB_TYPE, 6);
    expect_open(im.p, im.len, REGF_EUNSUPP, "not a primary hive file",
                "type is 6", "transaction log", NULL);
    set_and_fix(&im, BB_TYPE, 1);
    expect_open(im.p, im.len, REGF_EUNSUPP, "type is 1", "transaction log",
                NULL);
    set_and_fix(&im, BB_TYPE, 2);
    expect_open(im.p, im.len, REGF_EUNSUPP, "type is 2", NULL);
    set_and_fix(&im, BB_TYPE, 3);
    expect_open(im.p, im.len, REGF_EUNSUPP, "type is 3", "unknown", NULL);
    tiny_done(&im);
}

static void test_format(void **state)
{
    (void)state;
    struct img im;
    tiny(&im, 5);
    set_and_fix(&im, BB_FORMAT, 0);
    expect_open(im.p, im.len, REGF_ECORRUPT, "format field is 0", NULL);
    set_and_fix(&im, BB_FORMAT, 2);
    expect_open(im.p, im.len, REGF_ECORRUPT, "format field is 2", NULL);
    tiny_done(&im);
}

/* ---- Length ---------------------------------------------------------- */

static void test_length(void **state)
{
    (void)state;
    struct img im;
    struct regf_info in;
    tiny(&im, 5);
    uint32_t bins = (uint32_t)im.len - 4096;
    assert_int_equal(bins, 0xA000);
    set_and_fix(&im, BB_LENGTH, 0);
    expect_open(im.p, im.len, REGF_ECORRUPT, "length field 0x0 ", NULL);
    set_and_fix(&im, BB_LENGTH, bins + 8);
    expect_open(im.p, im.len, REGF_ECORRUPT, "length field 0xa008", NULL);
    set_and_fix(&im, BB_LENGTH, 4095);
    expect_open(im.p, im.len, REGF_ECORRUPT, "length field 0xfff", NULL);
    set_and_fix(&im, BB_LENGTH, 0x7FFFF000u);
    expect_open(im.p, im.len, REGF_ECORRUPT, "length field 0x7ffff000",
                NULL);
    set_and_fix(&im, BB_LENGTH, bins + 4096);
    expect_open(im.p, im.len, REGF_ECORRUPT, "truncated hive",
                "45056 bytes", "only 40960", NULL);
    /* The file is cut: the header still declares the full length. */
    set_and_fix(&im, BB_LENGTH, bins);
    expect_open(im.p, im.len - 4096, REGF_ECORRUPT, "truncated hive",
                "40960 bytes", "only 36864", NULL);
    expect_open(im.p, 4096, REGF_ECORRUPT, "truncated hive", "only 0 after",
                NULL);
    /* Slack after the bins is ignored. */
    uint8_t *longer = calloc(1, im.len + 12345);
    assert_non_null(longer);
    memcpy(longer, im.p, im.len);
    memset(longer + im.len, 0xAB, 12345);
    open_ok(longer, im.len + 12345, &in);
    assert_int_equal(in.bins_size, bins);
    assert_int_equal(in.nbins, 4);
    assert_int_equal(in.file_size, im.len + 12345);
    free(longer);
    tiny_done(&im);
}

/* ---- dirty headers ----------------------------------------------------- */

static void test_bad_checksum_opens_dirty(void **state)
{
    (void)state;
    struct img im;
    struct regf_info in;
    tiny(&im, 5);
    uint32_t good = rd_le32(im.p + BB_CHECKSUM);
    wr_le32(im.p + BB_CHECKSUM, good ^ 0x100);
    open_ok(im.p, im.len, &in);
    assert_true(in.dirty);
    assert_false(in.checksum_ok);
    assert_int_equal(in.checksum_stored, good ^ 0x100);
    assert_int_equal(in.checksum_computed, good);
    assert_int_equal(in.bins_size, 0xA000);
    assert_int_equal(in.nbins, 4);

    /* With a wrong checksum Length is not trusted: the bins that are
     * really there count (Length garbage, trailing partial bin, slack). */
    wr_le32(im.p + BB_LENGTH, 0x123);
    open_ok(im.p, im.len, &in);
    assert_false(in.checksum_ok);
    assert_int_equal(in.bins_size, 0xA000);
    wr_le32(im.p + BB_LENGTH, 0x7FFFF000u);
    open_ok(im.p, im.len, &in);
    assert_int_equal(in.bins_size, 0xA000);

    uint8_t *longer = calloc(1, im.len + 8192);
    assert_non_null(longer);
    memcpy(longer, im.p, im.len);
    /* A bin header claiming 8192 bytes with only 4096 present... */
    memcpy(longer + im.len, "hbin", 4);
    wr_le32(longer + im.len + HBIN_OFFSET, 0xA000);
    wr_le32(longer + im.len + HBIN_SIZE, 0x3000);
    open_ok(longer, im.len + 8192, &in);
    assert_int_equal(in.bins_size, 0xA000);
    assert_int_equal(in.nbins, 4);
    /* ... and a complete extra bin (one free cell) is taken. */
    wr_le32(longer + im.len + HBIN_SIZE, 0x2000);
    wr_le32(longer + im.len + 32, 0x2000 - 32);
    open_ok(longer, im.len + 8192, &in);
    assert_int_equal(in.bins_size, 0xC000);
    assert_int_equal(in.nbins, 5);
    assert_int_equal(in.free_bytes >= 0x2000 - 32, 1);
    free(longer);

    /* Bins cut short: only the complete bins before the cut count. The
     * tiny hive's keys live in the last bin, so the walk cannot succeed,
     * but opening works (root in bin 0). */
    regf_hive *h;
    assert_int_equal(open_img(im.p, im.len - 4096, &h), REGF_OK);
    regf_get_info(h, &in);
    assert_int_equal(in.bins_size, 0x9000);
    assert_int_equal(in.nbins, 3);
    unsigned n = 0;
    int rc = regf_walk(h, 0, count_key, &n);
    assert_int_equal(rc, REGF_ECORRUPT);
    assert_non_null(strstr(regf_errmsg(h), "cell 0x"));
    regf_close(h);

    /* No bin at all after a bad header. */
    memcpy(im.p + 4096, "hbiX", 4);
    expect_open(im.p, im.len, REGF_ECORRUPT, "checksum is wrong",
                "no valid hbin", NULL);
    tiny_done(&im);
}

static void test_sequence_mismatch(void **state)
{
    (void)state;
    struct img im;
    struct regf_info in;
    tiny(&im, 5);
    set_and_fix(&im, BB_SEQ1, 7);
    set_and_fix(&im, BB_SEQ2, 6);
    open_ok(im.p, im.len, &in);
    assert_true(in.dirty);
    assert_true(in.checksum_ok);
    assert_int_equal(in.seq1, 7);
    assert_int_equal(in.seq2, 6);
    assert_int_equal(in.bins_size, 0xA000);
    set_and_fix(&im, BB_SEQ2, 7);
    open_ok(im.p, im.len, &in);
    assert_false(in.dirty);
    tiny_done(&im);
}

/* ---- hive bins ------------------------------------------------------- */

static void test_hbin_headers(void **state)
{
    (void)state;
    struct img im;
    tiny(&im, 5);
    uint8_t *b1 = im.p + 4096 + 0x1000;   /* second bin (16 KiB) */
    assert_memory_equal(b1, "hbin", 4);

    wr_le32(b1 + HBIN_OFFSET, 0x2000);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x1000",
                "file offset 0x2000", "offset field 0x2000", NULL);
    wr_le32(b1 + HBIN_OFFSET, 0x1000);

    wr_le32(b1 + HBIN_SIZE, 0x4100);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x1000",
                "size 0x4100", NULL);
    wr_le32(b1 + HBIN_SIZE, 0);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x1000", "size 0x0",
                NULL);
    /* Size a multiple of 4096 but running past Length. */
    wr_le32(b1 + HBIN_SIZE, 0xA000);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x1000",
                "size 0xa000", "end at 0xa000", NULL);
    wr_le32(b1 + HBIN_SIZE, 0x4000);

    memcpy(b1, "hbim", 4);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x1000",
                "no 'hbin' signature", NULL);
    memcpy(b1, "hbin", 4);

    /* First bin. */
    memcpy(im.p + 4096, "\0bin", 4);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x0 ",
                "file offset 0x1000", "no 'hbin' signature", NULL);
    memcpy(im.p + 4096, "hbin", 4);
    wr_le32(im.p + 4096 + HBIN_OFFSET, 4);
    expect_open(im.p, im.len, REGF_ECORRUPT, "hbin at 0x0 ",
                "offset field 0x4", NULL);
    wr_le32(im.p + 4096 + HBIN_OFFSET, 0);

    /* Length ending inside a bin header / a bin. */
    struct mkhive *mk = mk_new(5);
    mk_root(mk, "R");
    mk_set_length(mk, 4096 + 4096);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    uint8_t *big = calloc(1, len + 4096);
    assert_non_null(big);
    memcpy(big, img, len);
    expect_open(big, len + 4096, REGF_ECORRUPT, "hbin at 0x1000",
                "no 'hbin' signature", NULL);
    memcpy(big + 4096 + 4096, "hbin", 4);
    wr_le32(big + 4096 + 4096 + HBIN_OFFSET, 4096);
    wr_le32(big + 4096 + 4096 + HBIN_SIZE, 8192);
    expect_open(big, len + 4096, REGF_ECORRUPT, "hbin at 0x1000",
                "size 0x2000", "end at 0x2000", NULL);
    free(big);
    mk_free(mk);
    tiny_done(&im);
}

static void test_cells(void **state)
{
    (void)state;
    struct img im;
    tiny(&im, 5);
    uint32_t sk = im.t.sk;
    uint32_t raw = rd_le32(im.p + 4096 + sk);
    char at[32];
    snprintf(at, sizeof at, "cell 0x%x:", sk);

    wr_le32(im.p + 4096 + sk, 0);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "cell size 0 ",
                "bin at 0x0", NULL);
    wr_le32(im.p + 4096 + sk, 0u - 52);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "cell size 52 ", NULL);
    wr_le32(im.p + 4096 + sk, 20);  /* free, not a multiple of 8 */
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "cell size 20 ", NULL);
    wr_le32(im.p + 4096 + sk, 0x80000000u);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "2147483648 bytes",
                "runs past the end", NULL);
    /* Crossing the end of bin 0 (4096 bytes). */
    wr_le32(im.p + 4096 + sk, 0u - 4096);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "4096 bytes",
                "runs past the end of its bin (0x0..0x1000)", NULL);
    wr_le32(im.p + 4096 + sk, 0x8000);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "runs past the end", NULL);
    wr_le32(im.p + 4096 + sk, raw);

    /* The last cell of a bin too long by 8 bytes. */
    uint32_t off = 0x20, last = 0;
    while (off < 0x1000) {
        last = off;
        uint32_t r = rd_le32(im.p + 4096 + off);
        off += (r & 0x80000000u) ? 0u - r : r;
    }
    assert_int_equal(off, 0x1000);
    uint32_t lr = rd_le32(im.p + 4096 + last);
    wr_le32(im.p + 4096 + last, (lr & 0x80000000u) ? lr - 8 : lr + 8);
    snprintf(at, sizeof at, "cell 0x%x:", last);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "runs past the end", NULL);
    /* ... or too short by 8: the next "cell" is the 8 bytes before the
     * next bin, with whatever is there. */
    wr_le32(im.p + 4096 + last, (lr & 0x80000000u) ? lr + 8 : lr - 8);
    wr_le32(im.p + 4096 + 0x1000 - 8, 0);
    snprintf(at, sizeof at, "cell 0x%x:", 0x1000 - 8);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "cell size 0", NULL);
    wr_le32(im.p + 4096 + 0x1000 - 8, 8);
    struct regf_info in;
    open_ok(im.p, im.len, &in);   /* a free 8-byte cell there is fine */
    tiny_done(&im);

    /* A bin whose only (free) cell is 4 bytes short of the bin end. */
    struct mkhive *mk = mk_new(5);
    mk_root(mk, "R");
    mk_bin(mk, 4096);
    size_t len;
    mk_finish(mk, &len);
    uint8_t *img = mk_bb(mk);
    wr_le32(img + 4096 + 0x1000 + 32, 4096 - 36);
    expect_open(img, len, REGF_ECORRUPT, "cell 0x1020:", "cell size 4060",
                NULL);
    mk_free(mk);
}

static void test_root_cell(void **state)
{
    (void)state;
    struct img im;
    tiny(&im, 5);
    char at[48];

    set_and_fix(&im, BB_ROOT, im.t.sk);
    snprintf(at, sizeof at, "root key (cell 0x%x", im.t.sk);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "44-byte cell",
                "too small for a 'nk' record", NULL);
    /* A big data segment: large enough, wrong signature (data 01 08). */
    uint32_t seg = rd_le32(im.p + 4096 + im.t.a_big_list + 4);
    set_and_fix(&im, BB_ROOT, seg);
    snprintf(at, sizeof at, "root key (cell 0x%x", seg);
    expect_open(im.p, im.len, REGF_ECORRUPT, at, "expected a 'nk' record",
                "found signature 01 08", NULL);
    set_and_fix(&im, BB_ROOT, im.t.root_list);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "'nk'", NULL);
    set_and_fix(&im, BB_ROOT, im.t.root + 8);
    snprintf(at, sizeof at, "cell 0x%x", im.t.root + 8);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", at,
                "allocated cell", NULL);
    set_and_fix(&im, BB_ROOT, im.t.root + 4);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "allocated cell",
                NULL);
    set_and_fix(&im, BB_ROOT, 0xFFFFFFFFu);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "NIL", NULL);
    set_and_fix(&im, BB_ROOT, 0xA000);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "cell 0xa000",
                NULL);
    set_and_fix(&im, BB_ROOT, 0);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "cell 0x0", NULL);
    /* The root is a free cell. */
    set_and_fix(&im, BB_ROOT, im.t.root);
    uint32_t raw = rd_le32(im.p + 4096 + im.t.root);
    wr_le32(im.p + 4096 + im.t.root, 0u - raw);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "cell 0x20",
                "allocated cell", NULL);
    wr_le32(im.p + 4096 + im.t.root, raw);
    /* Root nk whose name does not fit. */
    wr_le16(im.p + 4096 + im.t.root + 4 + NK_NAMELEN, 200);
    expect_open(im.p, im.len, REGF_ECORRUPT, "root key", "cell 0x20",
                "200 bytes", NULL);
    wr_le16(im.p + 4096 + im.t.root + 4 + NK_NAMELEN, 4);
    struct regf_info in;
    open_ok(im.p, im.len, &in);
    assert_int_equal(in.root, 0x20);
    tiny_done(&im);
}

/* The tiny hive itself, to validate mkhive. */
static void test_tiny_hive_valid(void **state)
{
    (void)state;
    struct img im;
    struct regf_info in;
    tiny(&im, 5);
    open_ok(im.p, im.len, &in);
    assert_true(in.checksum_ok);
    assert_false(in.dirty);
    assert_int_equal(in.nbins, 4);
    assert_int_equal(in.root, im.t.root);
    assert_int_equal(in.free_bytes + in.used_bytes + 32 * in.nbins,
                     in.bins_size);
    assert_string_equal(in.file_name, "mkhive");
    tiny_done(&im);

    /* Cells at chosen offsets, explicit bins, Length override. */
    struct mkhive *mk = mk_new(3);
    uint32_t root = mk_root(mk, "R");
    uint8_t *p;
    assert_int_equal(mk_cell_at(mk, 0x400, 8, &p), 0x400);
    memcpy(p, "abcdefgh", 8);
    assert_int_equal(mk_bin(mk, 8192), 0x1000);
    uint32_t k = mk_nk(mk, "K", root);
    assert_int_equal(k, 0x1020);
    mk_subkeys(mk, root, mk_list(mk, "li", &k, 1), 1);
    size_t len;
    const uint8_t *img = mk_finish(mk, &len);
    assert_int_equal(len, 4096 + 0x3000);
    assert_int_equal(rd_le32(img + BB_LENGTH), 0x3000);
    regf_hive *h;
    assert_int_equal(open_img(img, len, &h), REGF_OK);
    regf_get_info(h, &in);
    assert_int_equal(in.nbins, 2);
    regf_key found;
    assert_int_equal(regf_key_lookup(h, 0, "k", &found), REGF_OK);
    assert_int_equal(found, k);
    regf_close(h);
    mk_set_length(mk, 0x1000);
    img = mk_finish(mk, &len);
    assert_int_equal(open_img(img, len, &h), REGF_OK);
    regf_get_info(h, &in);
    assert_int_equal(in.nbins, 1);
    assert_int_equal(regf_key_lookup(h, 0, "k", &found), REGF_ECORRUPT);
    regf_close(h);
    mk_free(mk);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_hive_valid),
        cmocka_unit_test(test_checksum_vector),
        cmocka_unit_test(test_checksum_zero_needs_one),
        cmocka_unit_test(test_checksum_ones_needs_fffffffe),
        cmocka_unit_test(test_checksum_ordinary),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_bad_checksum_opens_dirty),
        cmocka_unit_test(test_sequence_mismatch),
        cmocka_unit_test(test_hbin_headers),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_root_cell),
    };
    return TU_MAIN_CORE(tests, NULL, NULL);
}
