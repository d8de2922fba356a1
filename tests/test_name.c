/* test_name.c - names: the Windows upcase table, lh hashes, UTF-8 <->
 * UTF-16 conversion and the order Windows sorts subkeys in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"
#include "testutil.h"

static void test_upcase_table(void **state)
{
    (void)state;
    /* ASCII */
    assert_int_equal(regf_upcase('a'), 'A');
    assert_int_equal(regf_upcase('z'), 'Z');
    assert_int_equal(regf_upcase('A'), 'A');
    assert_int_equal(regf_upcase('{'), '{');
    /* Latin-1: a-grave..thorn shift by 0x20 except the division sign. */
    assert_int_equal(regf_upcase(0x00E0), 0x00C0);
    assert_int_equal(regf_upcase(0x00FE), 0x00DE);
    assert_int_equal(regf_upcase(0x00F7), 0x00F7);
    /* The traps of docs/format.md §8: unchanged by Windows ... */
    assert_int_equal(regf_upcase(0x00B5), 0x00B5);   /* micro sign */
    assert_int_equal(regf_upcase(0x00DF), 0x00DF);   /* sharp s */
    assert_int_equal(regf_upcase(0x0131), 0x0131);   /* dotless i */
    assert_int_equal(regf_upcase(0x017F), 0x017F);   /* long s */
    assert_int_equal(regf_upcase(0x03C2), 0x03C2);   /* final sigma */
    assert_int_equal(regf_upcase(0x01C5), 0x01C5);   /* titlecase Dz */
    assert_int_equal(regf_upcase(0x10D0), 0x10D0);   /* Georgian */
    assert_int_equal(regf_upcase(0xD800), 0xD800);   /* surrogates */
    /* ... and changed. */
    assert_int_equal(regf_upcase(0x00FF), 0x0178);   /* y diaeresis */
    assert_int_equal(regf_upcase(0x0430), 0x0410);   /* Cyrillic a */
    assert_int_equal(regf_upcase(0x03C3), 0x03A3);   /* sigma */
    assert_int_equal(regf_upcase(0xFF41), 0xFF21);   /* fullwidth a */
}

/* Every line of data/windows-upcase.txt, and identity elsewhere. */
static void test_upcase_matches_data_file(void **state)
{
    (void)state;
    char *path = tu_fixture("../data/windows-upcase.txt");
    size_t len;
    char *text = (char *)tu_read_file(path, &len);
    static uint16_t expect[65536];
    for (uint32_t c = 0; c < 65536; c++)
        expect[c] = (uint16_t)c;
    unsigned mappings = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned a, b;
        if (line[0] == '#' || sscanf(line, "%4x %4x", &a, &b) != 2)
            continue;
        expect[a] = (uint16_t)b;
        mappings++;
    }
    assert_int_equal(mappings, 973);
    for (uint32_t c = 0; c < 65536; c++)
        if (regf_upcase((uint16_t)c) != expect[c]) {
            print_error("upcase(%04X) = %04X, want %04X\n", c,
                        regf_upcase((uint16_t)c), expect[c]);
            fail();
        }
    free(text);
    free(path);
}

static uint32_t hash_utf8(const char *s)
{
    uint16_t u[256];
    long n = regf__utf8_to_units(s, strlen(s), u, 256);
    assert_true(n >= 0);
    return regf__hash_units(u, (size_t)n);
}

/* Vectors of docs/format.md §7.7, verified there on real hives. */
static void test_lh_hash_vectors(void **state)
{
    (void)state;
    assert_int_equal(hash_utf8("a"), 0x41);
    assert_int_equal(hash_utf8("ab"), 0x9A7);
    assert_int_equal(hash_utf8("Select"), 0x5F0024A0);
    assert_int_equal(hash_utf8("SYSTEM"), 0x6141D0F9);
    assert_int_equal(hash_utf8("ControlSet001"), 0x8F3BA9A2);
    assert_int_equal(hash_utf8("\xC3\x9F" "2"), 0x206D);       /* ß2 */
    assert_int_equal(hash_utf8("\xC3\xBF"), 0x178);            /* ÿ */
    assert_int_equal(hash_utf8("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5"
                               "\xD1\x82"), 0x81C3D610);       /* Привет */
}

static void roundtrip_units(const uint16_t *u, size_t n, const char *want,
                            size_t want_len)
{
    uint8_t le[64];
    char out[256];
    for (size_t i = 0; i < n; i++)
        wr_le16(le + 2 * i, u[i]);
    struct regf_name nm = { le, (uint32_t)(2 * n), 0 };
    size_t len = regf__name_to_utf8(&nm, out);
    assert_int_equal(len, regf__name_utf8_len(&nm));
    assert_int_equal(len, want_len);
    assert_memory_equal(out, want, len);
    uint16_t back[32];
    long m = regf__utf8_to_units(out, len, back, 32);
    assert_int_equal(m, (long)n);
    assert_memory_equal(back, u, n * sizeof *u);
}

static void test_utf16_utf8(void **state)
{
    (void)state;
    static const uint16_t ascii[] = { 'A', 'b' };
    static const uint16_t latin[] = { 0xE4, 0xDF };
    static const uint16_t pair[] = { 'x', 0xD801, 0xDC00 };     /* U+10400 */
    static const uint16_t lone_hi[] = { 0xD801, 'a' };
    static const uint16_t lone_lo[] = { 0xDC00 };
    static const uint16_t nul[] = { 'z', 0, 'k' };
    roundtrip_units(ascii, 2, "Ab", 2);
    roundtrip_units(latin, 2, "\xC3\xA4\xC3\x9F", 4);
    roundtrip_units(pair, 3, "x\xF0\x90\x90\x80", 5);
    roundtrip_units(lone_hi, 2, "\xED\xA0\x81" "a", 4);
    roundtrip_units(lone_lo, 1, "\xED\xB0\x80", 3);
    roundtrip_units(nul, 3, "z\0k", 3);

    /* Compressed names are Latin-1, not a code page. */
    const uint8_t comp[] = { 'a', 0xEB, 0x9F };
    struct regf_name nm = { comp, 3, 1 };
    char out[16];
    size_t len = regf__name_to_utf8(&nm, out);
    assert_int_equal(len, 5);
    assert_memory_equal(out, "a\xC3\xAB\xC2\x9F", 5);

    /* snprintf-style copies: truncation, need, NUL. */
    char small[3];
    size_t need;
    regf__name_copy(&nm, small, sizeof small, &need);
    assert_int_equal(need, 5);
    assert_int_equal(small[2], '\0');
    assert_int_equal(small[0], 'a');

    /* Invalid UTF-8 is refused. */
    uint16_t u[8];
    assert_true(regf__utf8_to_units("\xC3", 1, u, 8) < 0);          /* cut */
    assert_true(regf__utf8_to_units("\xC0\xAF", 2, u, 8) < 0);      /* overlong */
    assert_true(regf__utf8_to_units("\xF4\x90\x80\x80", 4, u, 8) < 0);
    assert_true(regf__utf8_to_units("\xFF", 1, u, 8) < 0);
    assert_true(regf__utf8_to_units("abc", 3, u, 2) < 0);           /* room */
}

static int cmp_utf8(const char *a, const char *b)
{
    uint16_t ua[64], ub[64];
    uint8_t le[128];
    long na = regf__utf8_to_units(a, strlen(a), ua, 64);
    long nb = regf__utf8_to_units(b, strlen(b), ub, 64);
    assert_true(na >= 0 && nb >= 0);
    for (long i = 0; i < na; i++)
        wr_le16(le + 2 * i, ua[i]);
    struct regf_name n = { le, (uint32_t)(2 * na), 0 };
    return regf__name_cmp(&n, ub, (size_t)nb);
}

/* Ordering as Windows sorts subkeys (docs/format.md §7.7, §8). */
static void test_order(void **state)
{
    (void)state;
    assert_true(cmp_utf8("abc", "ABC") == 0);
    assert_true(cmp_utf8("ss1", "SS3") < 0);
    assert_true(cmp_utf8("SS3", "\xC3\x9F" "2") < 0);   /* ß after S */
    assert_true(cmp_utf8("ab", "abc") < 0);                /* shorter first */
    assert_true(cmp_utf8("_x", "ax") > 0);      /* '_' 0x5F > 'A' 0x41 */
    assert_true(cmp_utf8("\xC3\xBF", "\xC5\xB8") == 0);    /* ÿ == Ÿ */
    assert_true(cmp_utf8("\xC4\xB1", "I") > 0);            /* ı != I */
    /* Surrogates compare as code units: U+10400 (D801 DC00) before U+FFFD. */
    assert_true(cmp_utf8("\xF0\x90\x90\x80", "\xEF\xBF\xBD") < 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upcase_table),
        cmocka_unit_test(test_upcase_matches_data_file),
        cmocka_unit_test(test_lh_hash_vectors),
        cmocka_unit_test(test_utf16_utf8),
        cmocka_unit_test(test_order),
    };
    return TU_MAIN_CORE(tests, NULL, NULL);
}
