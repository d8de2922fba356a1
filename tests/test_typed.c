/* test_typed.c - integer values as host integers (value_typed.c): the
 * stored bytes are spelled out here, so the byte order is checked on any
 * host, big-endian included. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void test_typed(void **state)
{
    (void)state;
    regf_hive *h = NULL;
    regf_key k;
    regf_val v;
    uint8_t b[16];
    size_t n;
    uint32_t t, d;
    uint64_t q;
    assert_int_equal(regf_create("h", 5, &h), REGF_OK);
    assert_int_equal(regf_key_create_path(h, 0, "K", &k), REGF_OK);

    assert_int_equal(regf_value_set_dword(h, k, "le", 2, REGF_DWORD, 0x01020304u), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "le", &v), REGF_OK);
    assert_int_equal(regf_value_data(h, v, &t, b, sizeof b, &n), REGF_OK);
    assert_int_equal(t, REGF_DWORD);
    assert_int_equal(n, 4);
    assert_memory_equal(b, "\x04\x03\x02\x01", 4);
    assert_int_equal(regf_value_dword(h, v, &d), REGF_OK);
    assert_int_equal(d, 0x01020304u);

    assert_int_equal(regf_value_set_dword(h, k, "be", 2, REGF_DWORD_BE, 0x01020304u), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "be", &v), REGF_OK);
    assert_int_equal(regf_value_data(h, v, &t, b, sizeof b, &n), REGF_OK);
    assert_int_equal(t, REGF_DWORD_BE);
    assert_memory_equal(b, "\x01\x02\x03\x04", 4);
    assert_int_equal(regf_value_dword(h, v, &d), REGF_OK);
    assert_int_equal(d, 0x01020304u);

    assert_int_equal(regf_value_set_qword(h, k, "q", 1, 0x0102030405060708ull), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "q", &v), REGF_OK);
    assert_int_equal(regf_value_data(h, v, &t, b, sizeof b, &n), REGF_OK);
    assert_int_equal(t, REGF_QWORD);
    assert_int_equal(n, 8);
    assert_memory_equal(b, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_int_equal(regf_value_qword(h, v, &q), REGF_OK);
    assert_true(q == 0x0102030405060708ull);
    /* a qword is not a dword, and the reverse */
    assert_int_equal(regf_value_dword(h, v, &d), REGF_ETYPE);
    assert_non_null(strstr(regf_errmsg(h), "'q'"));
    assert_non_null(strstr(regf_errmsg(h), "REG_QWORD of 8 bytes"));
    assert_int_equal(regf_value_lookup(h, k, "le", &v), REGF_OK);
    assert_int_equal(regf_value_qword(h, v, &q), REGF_ETYPE);

    /* a REG_DWORD of the wrong size, a string, a bad type to set */
    assert_int_equal(regf_value_set(h, k, "short", 5, REGF_DWORD, "\x01\x02", 2), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "short", &v), REGF_OK);
    assert_int_equal(regf_value_dword(h, v, &d), REGF_ETYPE);
    assert_non_null(strstr(regf_errmsg(h), "REG_DWORD of 2 bytes"));
    assert_int_equal(regf_value_set_string(h, k, "s", 1, REGF_SZ, "1", 1), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "s", &v), REGF_OK);
    assert_int_equal(regf_value_dword(h, v, &d), REGF_ETYPE);
    assert_int_equal(regf_value_set_dword(h, k, "x", 1, REGF_BINARY, 1), REGF_ETYPE);
    assert_int_equal(regf_value_lookup(h, k, "x", &v), REGF_NOTFOUND);
    regf_close(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
