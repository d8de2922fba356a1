/* test_utf.c - the one text codec (src/regf/utf.c) and every path a
 * registry string takes through it: string values read and written as
 * UTF-8, the SOFTWARE DevicePath append of `inject`, and INF [Strings] in
 * UTF-16 files. Texts: Cyrillic, accented Latin, CJK, astral-plane (emoji)
 * and lone surrogates. The expected bytes are spelled out here by hand
 * (UTF-16LE), never produced by the code under test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hivecheck.h"
#include "inf.h"
#include "inject.h"
#include "testutil.h"

/* "C:\Драйверы" */
#define CYR "C:\\\xD0\x94\xD1\x80\xD0\xB0\xD0\xB9\xD0\xB2\xD0\xB5\xD1\x80\xD1\x8B"
static const uint16_t cyr_u[] = { 'C', ':', '\\', 0x0414, 0x0440, 0x0430,
                                  0x0439, 0x0432, 0x0435, 0x0440, 0x044B };
/* "C:\Pilotes\Réseau" */
#define ACC "C:\\Pilotes\\R\xC3\xA9seau"
/* "驱动程序" (CJK) */
#define CJK "\xE9\xA9\xB1\xE5\x8A\xA8\xE7\xA8\x8B\xE5\xBA\x8F"
static const uint16_t cjk_u[] = { 0x9A71, 0x52A8, 0x7A0B, 0x5E8F };
/* U+1F600 (astral: a surrogate pair) */
#define EMOJI "\xF0\x9F\x98\x80"
/* a lone high surrogate U+D800 in generalized UTF-8 */
#define LONE "\xED\xA0\x80"

/* UTF-16LE bytes of N units, optionally with NUL units appended. */
static size_t le(const uint16_t *u, size_t n, unsigned nuls, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k++] = (uint8_t)(u[i] & 0xFF);
        out[k++] = (uint8_t)(u[i] >> 8);
    }
    for (unsigned i = 0; i < nuls; i++) {
        out[k++] = 0;
        out[k++] = 0;
    }
    return k;
}

/* UTF-16LE of an ASCII string (test data only). */
static size_t ascii_le(const char *s, uint8_t *out)
{
    size_t k = 0;
    for (; *s; s++) {
        out[k++] = (uint8_t)*s;
        out[k++] = 0;
    }
    return k;
}

/* ---- characters and validation -------------------------------------------- */

static void test_decode_encode(void **state)
{
    (void)state;
    uint32_t cp;
    char b[4];
    assert_int_equal(regf_utf8_decode("A", 1, 0, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(regf_utf8_decode("\xC3\xA9", 2, 0, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(regf_utf8_decode(EMOJI, 4, 0, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* a lone surrogate: generalized yes, strict no */
    assert_int_equal(regf_utf8_decode(LONE, 3, 0, &cp), 3);
    assert_int_equal(cp, 0xD800);
    assert_int_equal(regf_utf8_decode(LONE, 3, REGF_UTF8_STRICT, &cp), 0);
    /* malformed in every form */
    assert_int_equal(regf_utf8_decode("\xC0\xAF", 2, 0, &cp), 0);      /* overlong */
    assert_int_equal(regf_utf8_decode("\xE0\x80\xAF", 3, 0, &cp), 0);  /* overlong */
    assert_int_equal(regf_utf8_decode("\xF4\x90\x80\x80", 4, 0, &cp), 0); /* > 10FFFF */
    assert_int_equal(regf_utf8_decode("\xC3", 1, 0, &cp), 0);          /* cut */
    assert_int_equal(regf_utf8_decode("\xE9\xA9", 2, 0, &cp), 0);      /* cut */
    assert_int_equal(regf_utf8_decode("\x80", 1, 0, &cp), 0);          /* stray */
    assert_int_equal(regf_utf8_decode("\xFF", 1, 0, &cp), 0);
    assert_int_equal(regf_utf8_decode("\xC3(", 2, 0, &cp), 0);
    assert_int_equal(regf_utf8_decode("", 0, 0, &cp), 0);
    /* encode */
    assert_int_equal(regf_utf8_encode(0x41, b), 1);
    assert_int_equal(regf_utf8_encode(0x414, b), 2);
    assert_memory_equal(b, "\xD0\x94", 2);
    assert_int_equal(regf_utf8_encode(0x9A71, b), 3);
    assert_memory_equal(b, "\xE9\xA9\xB1", 3);
    assert_int_equal(regf_utf8_encode(0x1F600, b), 4);
    assert_memory_equal(b, EMOJI, 4);
    assert_int_equal(regf_utf8_encode(0xDC00, b), 3);
    assert_memory_equal(b, "\xED\xB0\x80", 3);
    assert_int_equal(regf_utf8_encode(0x110000, b), 0);
}

static void test_check(void **state)
{
    (void)state;
    const char *ok = CYR ";" ACC ";" CJK EMOJI "abcdefghijklmnop";
    assert_int_equal(regf_utf8_check(ok, strlen(ok), REGF_UTF8_STRICT), strlen(ok));
    /* the offset of the first bad byte, after a long ASCII run */
    const char *bad = "0123456789abcdefghij\xC3(";
    assert_int_equal(regf_utf8_check(bad, strlen(bad), 0), 20);
    /* lone surrogates: generalized only */
    assert_int_equal(regf_utf8_check("a" LONE "b", 5, 0), 5);
    assert_int_equal(regf_utf8_check("a" LONE "b", 5, REGF_UTF8_STRICT), 1);
    /* an encoded pair (CESU-8) is refused in both forms: U+1F600 has its
     * own 4-byte form */
    const char *cesu = "x\xED\xA0\xBD\xED\xB8\x80";
    assert_int_equal(regf_utf8_check(cesu, 7, 0), 4);
    assert_int_equal(regf_utf8_check(cesu, 7, REGF_UTF8_STRICT), 1);
    /* a low then a high surrogate is not a pair: two lone ones */
    assert_int_equal(regf_utf8_check("\xED\xB0\x80\xED\xA0\x80", 6, 0), 6);
    uint8_t u[16];
    size_t need;
    assert_int_equal(regf_utf8_to_utf16(cesu, 7, u, sizeof u, &need), REGF_EINVAL);
}

/* UTF-16 -> UTF-8 -> UTF-16 is the identity for any units, lone surrogates
 * included, in every order (seeded exhaustive-ish sweep). */
static void test_round_trip_units(void **state)
{
    (void)state;
    static const uint16_t pool[] = { 0x0041, 0x00E9, 0x0414, 0x9A71, 0xD83D,
                                     0xDE00, 0xD800, 0xDBFF, 0xDC00, 0xDFFF,
                                     0xFFFF, 0xFFFD, 0x0001, 0x007F, 0x0080,
                                     0x07FF, 0x0800 };
    uint32_t seed = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        uint16_t u[12];
        size_t n = 1 + iter % 12;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            u[i] = pool[(seed >> 16) % (sizeof pool / sizeof *pool)];
        }
        uint8_t b[24], back[48];
        size_t blen = le(u, n, 0, b), tl, bl;
        char t[64];
        regf_utf16_to_utf8(b, blen, 0, t, sizeof t, &tl);
        assert_true(tl < sizeof t);
        assert_int_equal(regf_utf8_check(t, tl, 0), tl);
        assert_int_equal(regf_utf8_to_utf16(t, tl, back, sizeof back, &bl), REGF_OK);
        assert_int_equal(bl, blen);
        assert_memory_equal(back, b, blen);
        /* the display form is strict UTF-8 */
        regf_utf16_to_utf8(b, blen, REGF_UTF8_REPLACE, t, sizeof t, &tl);
        assert_int_equal(regf_utf8_check(t, tl, REGF_UTF8_STRICT), tl);
    }
}

/* ---- string values: decode ------------------------------------------------------- */

static void test_string_decode(void **state)
{
    (void)state;
    uint8_t d[128];
    char t[128];
    size_t n, need;

    /* REG_SZ as Windows writes it: text + one NUL unit */
    n = le(cyr_u, 11, 1, d);
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, strlen(CYR));
    assert_string_equal(t, CYR);
    /* no terminator; an odd last byte; data after the NUL; many NULs */
    n = le(cyr_u, 11, 0, d);
    assert_int_equal(regf_string_decode(REGF_EXPAND_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_string_equal(t, CYR);
    d[n] = 0x41;
    assert_int_equal(regf_string_decode(REGF_SZ, d, n + 1, 0, t, sizeof t, &need), REGF_OK);
    assert_string_equal(t, CYR);
    n = le(cjk_u, 4, 1, d);
    n += ascii_le("junk", d + n);
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_string_equal(t, CJK);
    n = le(cjk_u, 4, 5, d);
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_string_equal(t, CJK);
    /* empty data, one byte, one NUL */
    assert_int_equal(regf_string_decode(REGF_SZ, d, 0, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, 0);
    assert_string_equal(t, "");
    assert_int_equal(regf_string_decode(REGF_SZ, "A", 1, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, 0);
    /* an astral character, and a lone surrogate kept or replaced */
    static const uint16_t mix[] = { 'a', 0xD83D, 0xDE00, 0xD800, 'b' };
    n = le(mix, 5, 1, d);
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_string_equal(t, "a" EMOJI LONE "b");
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, REGF_UTF8_REPLACE, t, sizeof t,
                                        &need), REGF_OK);
    assert_string_equal(t, "a" EMOJI "\xEF\xBF\xBD" "b");
    /* snprintf-style: a small buffer gets a prefix and the full need */
    n = le(cyr_u, 11, 1, d);
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, 0, t, 4, &need), REGF_OK);
    assert_int_equal(need, strlen(CYR));
    assert_string_equal(t, "C:\\");
    assert_int_equal(regf_string_decode(REGF_SZ, d, n, 0, NULL, 0, &need), REGF_OK);
    assert_int_equal(need, strlen(CYR));
    /* not a string */
    assert_int_equal(regf_string_decode(REGF_DWORD, d, 4, 0, t, sizeof t, &need), REGF_ETYPE);
    assert_int_equal(regf_string_decode(REGF_BINARY, d, 4, 0, t, sizeof t, &need), REGF_ETYPE);
}

static void test_multi_decode(void **state)
{
    (void)state;
    uint8_t d[128];
    char t[128];
    size_t n, need;
    /* "a", CJK, "b" as Windows writes the list */
    n = ascii_le("a", d);
    n += le(NULL, 0, 1, d + n);
    n += le(cjk_u, 4, 1, d + n);
    n += ascii_le("b", d + n);
    n += le(NULL, 0, 2, d + n);
    assert_int_equal(regf_string_decode(REGF_MULTI_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, 2 + strlen(CJK) + 1 + 2);
    assert_memory_equal(t, "a\0" CJK "\0b\0", need);
    /* final terminators missing: the last string still counts */
    assert_int_equal(regf_string_decode(REGF_MULTI_SZ, d, n - 4, 0, t, sizeof t, &need), REGF_OK);
    assert_memory_equal(t, "a\0" CJK "\0b\0", need);
    /* an empty string ends the list; what follows is not read */
    n = ascii_le("a", d);
    n += le(NULL, 0, 2, d + n);
    n += ascii_le("hidden", d + n);
    n += le(NULL, 0, 2, d + n);
    assert_int_equal(regf_string_decode(REGF_MULTI_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, 2);
    assert_memory_equal(t, "a\0", 2);
    /* empty lists */
    assert_int_equal(regf_string_decode(REGF_MULTI_SZ, d, 0, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, 0);
    n = le(NULL, 0, 2, d);
    assert_int_equal(regf_string_decode(REGF_MULTI_SZ, d, n, 0, t, sizeof t, &need), REGF_OK);
    assert_int_equal(need, 0);
}

/* ---- string values: encode -------------------------------------------------------- */

static void test_string_encode(void **state)
{
    (void)state;
    uint8_t want[128], got[128];
    size_t wn, need;

    wn = le(cyr_u, 11, 1, want);
    assert_int_equal(regf_string_encode(REGF_SZ, CYR, strlen(CYR), 0, got, sizeof got,
                                        &need), REGF_OK);
    assert_int_equal(need, wn);
    assert_memory_equal(got, want, wn);
    /* REG_LINK: no terminator */
    wn = le(cyr_u, 11, 0, want);
    assert_int_equal(regf_string_encode(REGF_LINK, CYR, strlen(CYR), 0, got, sizeof got,
                                        &need), REGF_OK);
    assert_int_equal(need, wn);
    assert_memory_equal(got, want, wn);
    /* astral: a surrogate pair; a lone surrogate: generalized only */
    static const uint16_t em[] = { 0xD83D, 0xDE00, 0xD800 };
    wn = le(em, 3, 1, want);
    assert_int_equal(regf_string_encode(REGF_EXPAND_SZ, EMOJI LONE, 7, 0, got, sizeof got,
                                        &need), REGF_OK);
    assert_int_equal(need, wn);
    assert_memory_equal(got, want, wn);
    assert_int_equal(regf_string_encode(REGF_SZ, EMOJI LONE, 7, REGF_UTF8_STRICT, got,
                                        sizeof got, &need), REGF_EINVAL);
    /* refusals: not UTF-8, a NUL inside, not a string type */
    assert_int_equal(regf_string_encode(REGF_SZ, "R\xE9seau", 6, 0, got, sizeof got,
                                        &need), REGF_EINVAL);
    assert_int_equal(regf_string_encode(REGF_SZ, "a\0b", 3, 0, got, sizeof got, &need),
                     REGF_EINVAL);
    assert_int_equal(regf_string_encode(REGF_DWORD, "1", 1, 0, got, sizeof got, &need),
                     REGF_ETYPE);
    /* empty string: one NUL unit */
    assert_int_equal(regf_string_encode(REGF_SZ, "", 0, 0, got, sizeof got, &need), REGF_OK);
    assert_int_equal(need, 2);
    /* a small buffer: nothing past SIZE, the full need */
    memset(got, 0xAA, sizeof got);
    assert_int_equal(regf_string_encode(REGF_SZ, CYR, strlen(CYR), 0, got, 5, &need),
                     REGF_OK);
    assert_int_equal(need, 24);
    assert_int_equal(got[4], 0xAA);
}

static void test_multi_encode(void **state)
{
    (void)state;
    uint8_t want[128], got[128];
    size_t wn, need;
    wn = ascii_le("a", want);
    wn += le(NULL, 0, 1, want + wn);
    wn += le(cjk_u, 4, 1, want + wn);
    wn += le(NULL, 0, 1, want + wn);
    /* with and without the last string's '\0' */
    assert_int_equal(regf_string_encode(REGF_MULTI_SZ, "a\0" CJK "\0", 2 + 12 + 1, 0, got,
                                        sizeof got, &need), REGF_OK);
    assert_int_equal(need, wn);
    assert_memory_equal(got, want, wn);
    assert_int_equal(regf_string_encode(REGF_MULTI_SZ, "a\0" CJK, 2 + 12, 0, got,
                                        sizeof got, &need), REGF_OK);
    assert_int_equal(need, wn);
    assert_memory_equal(got, want, wn);
    /* an empty element would end the list early */
    assert_int_equal(regf_string_encode(REGF_MULTI_SZ, "a\0\0b", 4, 0, got, sizeof got,
                                        &need), REGF_EINVAL);
    assert_int_equal(regf_string_encode(REGF_MULTI_SZ, "\0a", 2, 0, got, sizeof got,
                                        &need), REGF_EINVAL);
    /* the empty list */
    assert_int_equal(regf_string_encode(REGF_MULTI_SZ, "", 0, 0, got, sizeof got, &need),
                     REGF_OK);
    assert_int_equal(need, 2);
    /* decode(encode(x)) == x */
    char t[64];
    regf_string_encode(REGF_MULTI_SZ, CYR "\0" EMOJI LONE "\0", strlen(CYR) + 9, 0, got,
                       sizeof got, &need);
    assert_int_equal(regf_string_decode(REGF_MULTI_SZ, got, need, 0, t, sizeof t, &need),
                     REGF_OK);
    assert_int_equal(need, strlen(CYR) + 9);
    assert_memory_equal(t, CYR "\0" EMOJI LONE "\0", need);
}

/* ---- string values in a hive ---------------------------------------------------------- */

static void test_value_api(void **state)
{
    (void)state;
    static const char *const texts[] = { CYR, ACC, CJK, EMOJI "x" EMOJI, "a" LONE "b", "" };
    char dir[] = "/tmp/hivekit-utf.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/h", dir);

    regf_hive *h = NULL;
    assert_int_equal(regf_create("h", 5, &h), REGF_OK);
    regf_set_time(h, 133500000000000000ULL);
    regf_key k;
    assert_int_equal(regf_key_create_path(h, 0, CJK "\\" CYR, &k), REGF_OK);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%zu", i);
        assert_int_equal(regf_value_set_string(h, k, name, strlen(name),
                                               i % 2 ? REGF_EXPAND_SZ : REGF_SZ,
                                               texts[i], strlen(texts[i])), REGF_OK);
    }
    assert_int_equal(regf_value_set_string(h, k, "m", 1, REGF_MULTI_SZ,
                                           CYR "\0" CJK "\0", strlen(CYR) + 14), REGF_OK);
    /* refusals leave the handle usable */
    assert_int_equal(regf_value_set_string(h, k, "bad", 3, REGF_SZ, "\xFF", 1), REGF_EINVAL);
    assert_non_null(strstr(regf_errmsg(h), "not UTF-8"));
    assert_int_equal(regf_value_set_string(h, k, "bad", 3, REGF_BINARY, "x", 1), REGF_ETYPE);
    assert_int_equal(regf_commit(h, path, REGF_COMMIT_NEW), REGF_OK);
    regf_close(h);

    h = tu_open(path);
    assert_int_equal(regf_key_lookup(h, 0, CJK "\\" CYR, &k), REGF_OK);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char name[16], t[64];
        size_t need;
        regf_val v;
        snprintf(name, sizeof name, "v%zu", i);
        assert_int_equal(regf_value_lookup(h, k, name, &v), REGF_OK);
        assert_int_equal(regf_value_string(h, v, 0, t, sizeof t, &need), REGF_OK);
        assert_int_equal(need, strlen(texts[i]));
        assert_string_equal(t, texts[i]);
    }
    regf_val v;
    char t[64];
    size_t need;
    assert_int_equal(regf_value_lookup(h, k, "m", &v), REGF_OK);
    assert_int_equal(regf_value_string(h, v, 0, t, sizeof t, &need), REGF_OK);
    assert_memory_equal(t, CYR "\0" CJK "\0", need);
    /* the stored bytes, spelled out by hand */
    uint8_t want[64], got[64];
    size_t wn = le(cyr_u, 11, 1, want);
    assert_int_equal(regf_value_lookup(h, k, "v0", &v), REGF_OK);
    assert_int_equal(regf_value_data(h, v, NULL, got, sizeof got, &need), REGF_OK);
    assert_int_equal(need, wn);
    assert_memory_equal(got, want, wn);
    regf_close(h);
    {
        size_t ilen;
        uint8_t *img = tu_read_file(path, &ilen);
        struct hc_report rep;
        if (hc_check(img, ilen, HC_STRICT_WRITER, &rep) != 0) {
            hc_print(&rep, stderr);
            fail_msg("%s: not clean", path);
        }
        hc_free(&rep);
        free(img);
    }

    /* a value of another type is REGF_ETYPE with its name in the message */
    h = NULL;
    assert_int_equal(regf_open(path, REGF_OPEN_WRITE, &h), REGF_OK);
    assert_int_equal(regf_key_lookup(h, 0, CJK "\\" CYR, &k), REGF_OK);
    uint8_t four[4] = { 1, 0, 0, 0 };
    assert_int_equal(regf_value_set(h, k, "d", 1, REGF_DWORD, four, 4), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "d", &v), REGF_OK);
    assert_int_equal(regf_value_string(h, v, 0, t, sizeof t, &need), REGF_ETYPE);
    assert_non_null(strstr(regf_errmsg(h), "'d'"));
    assert_non_null(strstr(regf_errmsg(h), "REG_DWORD"));
    regf_close(h);
    unlink(path);
    rmdir(dir);
}

/* ---- DevicePath (inject --software) ------------------------------------------------ */

#define CV "Microsoft\\Windows\\CurrentVersion"
#define VIRTIO "%SystemRoot%\\Drivers\\VirtIO"

/* A SOFTWARE hive whose DevicePath holds the bytes OLD (N, type TYPE);
 * after the plan and apply, DevicePath must be WANT (WN bytes); with
 * WANT NULL the plan must be empty. */
static void devicepath_case(uint32_t type, const uint8_t *old, size_t n,
                            const uint8_t *want, size_t wn)
{
    regf_hive *h = NULL;
    regf_key k;
    regf_val v;
    assert_int_equal(regf_create("SOFTWARE", 5, &h), REGF_OK);
    assert_int_equal(regf_key_create_path(h, 0, CV, &k), REGF_OK);
    assert_int_equal(regf_value_set(h, k, "DevicePath", 10, type, old, n), REGF_OK);
    struct inj_plan pl;
    memset(&pl, 0, sizeof pl);
    int rc = inj_plan_software(h, VIRTIO, &pl);
    if (rc != REGF_OK)
        fail_msg("plan: %d %s", rc, pl.err);
    if (!want) {
        assert_int_equal(pl.n, 0);
    } else {
        assert_int_equal(pl.n, 1);
        assert_int_equal(inj_apply(h, &pl), REGF_OK);
        uint8_t got[512];
        size_t gn;
        uint32_t t;
        assert_int_equal(regf_value_lookup(h, k, "DevicePath", &v), REGF_OK);
        assert_int_equal(regf_value_data(h, v, &t, got, sizeof got, &gn), REGF_OK);
        assert_int_equal(t, type);
        assert_int_equal(gn, wn);
        assert_memory_equal(got, want, wn);
    }
    inj_plan_free(&pl);
    regf_close(h);
}

static void test_devicepath(void **state)
{
    (void)state;
    uint8_t old[512], want[512];
    size_t n, wn;
    static const uint16_t tail[] = { ';', '%', 'S', 'y', 's', 't', 'e', 'm', 'R', 'o',
                                     'o', 't', '%', '\\', 'i', 'n', 'f' };

    /* "C:\Драйверы;%SystemRoot%\inf": the old bytes exactly, then ";DIR" */
    n = le(cyr_u, 11, 0, old);
    n += le(tail, 17, 1, old + n);
    wn = n - 2;
    memcpy(want, old, wn);
    wn += ascii_le(";" VIRTIO, want + wn);
    wn += le(NULL, 0, 1, want + wn);
    devicepath_case(REGF_EXPAND_SZ, old, n, want, wn);
    /* and once it is there, nothing more */
    devicepath_case(REGF_EXPAND_SZ, want, wn, NULL, 0);

    /* "C:\Pilotes\Réseau" (used to fail with a wrong "not UTF-8") */
    n = ascii_le("C:\\Pilotes\\R", old);
    old[n++] = 0xE9;
    old[n++] = 0x00;
    n += ascii_le("seau", old + n);
    n += le(NULL, 0, 1, old + n);
    wn = n - 2;
    memcpy(want, old, wn);
    wn += ascii_le(";" VIRTIO, want + wn);
    wn += le(NULL, 0, 1, want + wn);
    devicepath_case(REGF_SZ, old, n, want, wn);

    /* CJK, an astral character and a lone surrogate survive unchanged */
    static const uint16_t odd[] = { 0x9A71, 0x52A8, ';', 0xD83D, 0xDE00, 0xDC01, 'x' };
    n = le(odd, 7, 1, old);
    wn = n - 2;
    memcpy(want, old, wn);
    wn += ascii_le(";" VIRTIO, want + wn);
    wn += le(NULL, 0, 1, want + wn);
    devicepath_case(REGF_EXPAND_SZ, old, n, want, wn);

    /* no terminator and an odd byte: the units, then ";DIR" and a NUL */
    n = le(cjk_u, 4, 0, old);
    old[n++] = 0x41;
    wn = le(cjk_u, 4, 0, want);
    wn += ascii_le(";" VIRTIO, want + wn);
    wn += le(NULL, 0, 1, want + wn);
    devicepath_case(REGF_EXPAND_SZ, old, n, want, wn);

    /* a trailing ';' gets no second one; an empty value gets DIR alone */
    n = ascii_le("C:\\A;", old);
    n += le(NULL, 0, 1, old + n);
    wn = ascii_le("C:\\A;" VIRTIO, want);
    wn += le(NULL, 0, 1, want + wn);
    devicepath_case(REGF_EXPAND_SZ, old, n, want, wn);
    n = le(NULL, 0, 1, old);
    wn = ascii_le(VIRTIO, want);
    wn += le(NULL, 0, 1, want + wn);
    devicepath_case(REGF_EXPAND_SZ, old, n, want, wn);

    /* listed already, in another case, among non-ASCII entries */
    n = le(cyr_u, 11, 0, old);
    n += ascii_le(";%systemroot%\\drivers\\virtio", old + n);
    n += le(NULL, 0, 1, old + n);
    devicepath_case(REGF_EXPAND_SZ, old, n, NULL, 0);

    /* a DevicePath that is not a string is left alone, with a message */
    regf_hive *h = NULL;
    regf_key k;
    assert_int_equal(regf_create("SOFTWARE", 5, &h), REGF_OK);
    assert_int_equal(regf_key_create_path(h, 0, CV, &k), REGF_OK);
    assert_int_equal(regf_value_set(h, k, "DevicePath", 10, REGF_BINARY, "ab", 2), REGF_OK);
    struct inj_plan pl;
    memset(&pl, 0, sizeof pl);
    assert_int_equal(inj_plan_software(h, VIRTIO, &pl), REGF_EINVAL);
    assert_non_null(strstr(pl.err, "REG_BINARY"));
    inj_plan_free(&pl);
    regf_close(h);
}

/* ---- INF text ------------------------------------------------------------------------- */

/* UTF-8 TEXT as UTF-16 (LE or BE) with a BOM, through the test's own
 * encoder (not the codec). */
static uint8_t *utf16_file(const char *text, int be, size_t *len)
{
    size_t n = strlen(text);
    uint8_t *o = malloc(2 * n + 4);
    size_t k = 0;
    assert_non_null(o);
    o[k++] = be ? 0xFE : 0xFF;
    o[k++] = be ? 0xFF : 0xFE;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)text + i;
        uint32_t c;
        if (p[0] < 0x80) { c = p[0]; i += 1; }
        else if (p[0] < 0xE0) { c = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu); i += 2; }
        else if (p[0] < 0xF0) {
            c = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
            i += 3;
        } else {
            c = (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 |
                (p[3] & 0x3Fu);
            i += 4;
        }
        uint16_t u[2];
        size_t nu = 1;
        if (c >= 0x10000) {
            u[0] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            u[1] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
            nu = 2;
        } else {
            u[0] = (uint16_t)c;
        }
        for (size_t j = 0; j < nu; j++) {
            o[k++] = (uint8_t)(be ? u[j] >> 8 : u[j] & 0xFF);
            o[k++] = (uint8_t)(be ? u[j] & 0xFF : u[j] >> 8);
        }
    }
    *len = k;
    return o;
}

static void test_inf_strings(void **state)
{
    (void)state;
    const char *text = "[Version]\r\nSignature=\"$Windows NT$\"\r\n"
                       "[S]\r\na=%Cyr%\r\nb=%Cjk%\r\n"
                       "[Strings]\r\nCyr=\"" CYR "\"\r\nCjk=\"" CJK " " EMOJI "\"\r\n"
                       "Acc=\"" ACC "\"\r\n";
    for (int be = 0; be < 2; be++) {
        size_t len;
        uint8_t *u = utf16_file(text, be, &len);
        inf_file *inf = NULL;
        assert_int_equal(inf_parse_mem(u, len, "t.inf", NULL, &inf), INF_OK);
        assert_string_equal(inf_get_value(inf, "S", "a"), CYR);
        assert_string_equal(inf_get_value(inf, "S", "b"), CJK " " EMOJI);
        assert_string_equal(inf_string(inf, "Acc"), ACC);
        inf_free(inf);
        free(u);
    }
    /* a lone surrogate in a UTF-16 INF reads as U+FFFD; a NUL as a space */
    size_t hl;
    uint8_t *head = utf16_file("[Version]\r\nSignature=\"$Windows NT$\"\r\n[S]\r\na=x",
                               0, &hl);
    static const uint8_t tail[] = { 0x00, 0xD8, 0, 0, 'y', 0, '\r', 0, '\n', 0 };
    uint8_t lone[128];
    assert_true(hl + sizeof tail <= sizeof lone);
    memcpy(lone, head, hl);
    memcpy(lone + hl, tail, sizeof tail);
    free(head);
    inf_file *inf = NULL;
    int rc = inf_parse_mem(lone, hl + sizeof tail, "l.inf", NULL, &inf);
    if (rc != INF_OK)
        fail_msg("%s", inf_errmsg(inf));
    assert_string_equal(inf_get_value(inf, "S", "a"), "x\xEF\xBF\xBD y");
    inf_free(inf);
}

/* The real vioscsi INF as UTF-16LE with a Cyrillic service description:
 * the service's DisplayName is that text, and the plan writes it as
 * exactly those UTF-16 units. */
static void test_inf_display_name(void **state)
{
    (void)state;
    char *src = tu_fixture("inf/vioscsi-w10-amd64.inf");
    size_t len;
    uint8_t *data = tu_read_file(src, &len);
    free(src);
    const char *from = "\"Red Hat VirtIO SCSI pass-through Service\"";
    char *text = malloc(len + 64);
    assert_non_null(text);
    memcpy(text, data, len);
    text[len] = '\0';
    char *at = strstr(text, from);
    assert_non_null(at);
    const char *to = "\"" CYR " " EMOJI "\"";
    memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    memcpy(at, to, strlen(to));
    size_t ulen;
    uint8_t *u = utf16_file(text, 0, &ulen);
    char dir[] = "/tmp/hivekit-utfinf.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/vioscsi.inf", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(u, 1, ulen, f), ulen);
    fclose(f);

    struct inj_driver d;
    char err[300];
    int rc = inj_from_inf(path, "amd64", 10, 0, 19041, &d, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(d.display_name, CYR " " EMOJI);
    unlink(path);
    rmdir(dir);
    free(u);
    free(text);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_encode),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_round_trip_units),
        cmocka_unit_test(test_string_decode),
        cmocka_unit_test(test_multi_decode),
        cmocka_unit_test(test_string_encode),
        cmocka_unit_test(test_multi_encode),
        cmocka_unit_test(test_value_api),
        cmocka_unit_test(test_devicepath),
        cmocka_unit_test(test_inf_strings),
        cmocka_unit_test(test_inf_display_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
