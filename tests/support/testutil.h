/* testutil.h - helpers shared by the cmocka tests. */
#ifndef HIVEKIT_TESTUTIL_H
#define HIVEKIT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <hivekit/regf.h>

/* Whole file into a malloc'd buffer (fails the test if unreadable). */
uint8_t *tu_read_file(const char *path, size_t *len);

/* Path of a corpus file given relative to the corpus root, e.g.
 * "yarp/hives_for_tests/BigDataHive". A name ending in ".xz" maps to the
 * copy decompressed by the corpus-xz test fixture. malloc'd. */
char *tu_corpus(const char *rel);

/* Path of a file under fixtures/ (malloc'd). */
char *tu_fixture(const char *rel);

/* Opens PATH and asserts success (prints the message otherwise). */
regf_hive *tu_open(const char *path);

/* Copies the file SRC to DST (fails the test on error). */
void tu_copy_file(const char *src, const char *dst);

/* Compares UTF-16 names as Windows sorts them (upcased code units, the
 * shorter first): <0, 0, >0. */
int tu_cmp_units(const uint16_t *a, size_t na, const uint16_t *b, size_t nb);

/* Output collector for regf_export_reg: a growing memory buffer. */
struct tu_buf {
    char *p;
    size_t len, cap;
};
int tu_buf_write(void *ctx, const void *data, size_t len);
void tu_buf_free(struct tu_buf *b);

#endif
