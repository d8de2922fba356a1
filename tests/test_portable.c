/* test_portable.c - what 32-bit and big-endian hosts get wrong first:
 * file sizes past 2 GiB (off_t), times past 2038 (time_t) and byte order.
 * The build defines _FILE_OFFSET_BITS=64 and _TIME_BITS=64 for every target
 * (CMakeLists.txt); on i386 without them fstat fails with EOVERFLOW on a
 * 3 GiB hive file and a 2040 timestamp does not fit a time_t. make
 * test-cross runs this on i386 and on s390x (under qemu). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* 2040-01-02T03:04:05Z: Unix time and FILETIME (100 ns since 1601). */
#define T2040_UNIX 2209086245LL
#define T2040_FT ((uint64_t)(T2040_UNIX + 11644473600LL) * 10000000u)

#define BIG ((uint64_t)3 << 30)    /* 3 GiB */

static char *tmp_path(const char *tag)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char *p = malloc(strlen(dir) + strlen(tag) + 32);
    assert_non_null(p);
    sprintf(p, "%s/hivekit-portable-%s-XXXXXX", dir, tag);
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

/* The build's definitions reach the tests too: 64-bit off_t and time_t. */
static void test_widths(void **state)
{
    (void)state;
    assert_int_equal(sizeof(off_t), 8);
    assert_int_equal(sizeof(time_t), 8);
    time_t t = (time_t)T2040_UNIX;
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    assert_int_equal(tm.tm_year + 1900, 2040);
    assert_int_equal(tm.tm_mon, 0);
    assert_int_equal(tm.tm_mday, 2);
    assert_int_equal(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec, 11045);
}

/* fixtures/hives/minimal followed by a hole up to 3 GiB: regf_open needs
 * only 4096 + Length bytes of it, on any host. */
static char *make_big_hive(void)
{
    char *src = tu_fixture("hives/minimal");
    size_t len;
    uint8_t *img = tu_read_file(src, &len);
    free(src);
    char *path = tmp_path("big");
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, len), (ssize_t)len);
    free(img);
    if (ftruncate(fd, (off_t)BIG) != 0) {
        print_error("ftruncate(%s, 3 GiB): %s\n", path, strerror(errno));
        close(fd);
        unlink(path);
        fail();
    }
    assert_int_equal(close(fd), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true((uint64_t)st.st_size == BIG);
    return path;
}

static void test_big_file(void **state)
{
    (void)state;
    char *path = make_big_hive();
    regf_hive *h = NULL;
    int rc = regf_open(path, 0, &h);
    if (rc != REGF_OK)
        print_error("regf_open(3 GiB file) = %d: %s\n", rc, regf_errmsg(h));
    assert_int_equal(rc, REGF_OK);
    struct regf_info in;
    assert_int_equal(regf_get_info(h, &in), REGF_OK);
    assert_true(in.file_size == BIG);
    assert_int_equal(in.bins_size, 4096);
    regf_key root;
    char name[64];
    size_t need;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_key_name(h, root, name, sizeof name, &need), REGF_OK);
    assert_true(need > 0);
    regf_close(h);

    /* edited in place: the hive part of the file is written, the slack is kept */
    h = NULL;
    rc = regf_open(path, REGF_OPEN_WRITE, &h);
    if (rc != REGF_OK)
        print_error("regf_open(3 GiB file, write) = %d: %s\n", rc, regf_errmsg(h));
    assert_int_equal(rc, REGF_OK);
    regf_set_time(h, T2040_FT);
    regf_key k;
    assert_int_equal(regf_key_create_path(h, 0, "Portable", &k), REGF_OK);
    assert_int_equal(regf_value_set_dword(h, k, "d", 1, REGF_DWORD, 0x11223344u),
                     REGF_OK);
    assert_int_equal(regf_commit(h, path, 0), REGF_OK);
    regf_close(h);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    /* written in place: the slack after the hive stays as it was */
    assert_true((uint64_t)st.st_size == BIG);
    h = tu_open(path);
    regf_val v;
    uint32_t d;
    assert_int_equal(regf_key_lookup(h, 0, "Portable", &k), REGF_OK);
    assert_int_equal(regf_value_lookup(h, k, "d", &v), REGF_OK);
    assert_int_equal(regf_value_dword(h, v, &d), REGF_OK);
    assert_int_equal(d, 0x11223344u);
    regf_close(h);
    unlink(path);
    free(path);
}

/* A FILETIME in 2040 goes through the header, the root key and a commit
 * unchanged (64-bit arithmetic, little-endian on disk on every host). */
static void test_time_2040(void **state)
{
    (void)state;
    regf_hive *h = NULL;
    assert_int_equal(regf_create("t2040", 5, &h), REGF_OK);
    regf_set_time(h, T2040_FT);
    char *path = tmp_path("t2040");
    unlink(path);
    assert_int_equal(regf_commit(h, path, REGF_COMMIT_NEW), REGF_OK);
    regf_close(h);

    size_t len;
    uint8_t *img = tu_read_file(path, &len);
    assert_true(len >= 4096);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(T2040_FT >> (8 * i));
    assert_memory_equal(img + 12, le, 8);      /* base block TimeStamp */
    free(img);

    h = tu_open(path);
    struct regf_info in;
    assert_int_equal(regf_get_info(h, &in), REGF_OK);
    assert_true(in.timestamp == T2040_FT);
    regf_key root;
    struct regf_key_info ki;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_key_info(h, root, &ki), REGF_OK);
    assert_true(ki.last_written == T2040_FT);
    regf_close(h);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_big_file),
        cmocka_unit_test(test_time_2040),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
