/* testutil.h - helpers shared by the cmocka tests. */
#ifndef HIVEKIT_TESTUTIL_H
#define HIVEKIT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <hivekit/regf.h>

/* ---- test groups: core and corpus ---------------------------------------
 *
 * A test program lists its cases in two groups:
 *   core    cases that need only the repository (fixtures/, synthetic
 *           hives built by mkhive): they always run;
 *   corpus  cases that read the shared hive corpus (HIVEKIT_CORPUS,
 *           ../shared/corpus by default): a lone clone has none.
 * TU_MAIN(core, corpus, setup, teardown) runs the group named by the first
 * argument ("core" or "corpus"; both without an argument). The corpus group
 * exits TU_SKIP (77, ctest's SKIP_RETURN_CODE: "Skipped") when the corpus
 * directory is missing, so that it never passes without running. While the
 * core group runs, tu_corpus() fails the test that calls it: a core case
 * that reads the corpus is a misfiled case, not a silent skip.
 * tu_main() takes CORPUS NULL with NCORPUS 0 (no corpus cases). */
#define TU_SKIP 77

int tu_main(int argc, char **argv, const char *name,
            const struct CMUnitTest *core, size_t ncore,
            const struct CMUnitTest *corpus, size_t ncorpus,
            CMFixtureFunction setup, CMFixtureFunction teardown);

#define TU_MAIN(core, corpus, setup, teardown)                              \
    tu_main(argc, argv, __FILE__, core, sizeof(core) / sizeof *(core),     \
            corpus, sizeof(corpus) / sizeof *(corpus), setup, teardown)
/* A program with core cases only (the corpus group is then an error). */
#define TU_MAIN_CORE(core, setup, teardown)                                 \
    tu_main(argc, argv, __FILE__, core, sizeof(core) / sizeof *(core),     \
            NULL, 0, setup, teardown)

/* For a function void FN(int corpus) that runs the cases on the hives of
 * fixtures/ (0) or on those of the corpus (1): the cmocka cases test_FN
 * (for the core group) and test_FN_corpus (for the corpus group). */
#define TU_GROUP_PAIR(fn)                                                   \
    static void test_##fn(void **state) { (void)state; fn(0); }            \
    static void test_##fn##_corpus(void **state) { (void)state; fn(1); }

/* Nonzero when the corpus directory exists. */
int tu_have_corpus(void);

/* ---- files and paths ---------------------------------------------------- */

/* Whole file into a malloc'd buffer (fails the test if unreadable). */
uint8_t *tu_read_file(const char *path, size_t *len);

/* Writes N bytes at P to PATH, replacing it (fails the test on error). */
void tu_write_file(const char *path, const void *p, size_t n);

/* Copies the file SRC to DST (fails the test on error). */
void tu_copy_file(const char *src, const char *dst);

/* "DIR/NAME", malloc'd. */
char *tu_path(const char *dir, const char *name);

/* Path of a corpus file given relative to the corpus root, e.g.
 * "yarp/hives_for_tests/BigDataHive". A name ending in ".xz" maps to the
 * copy decompressed by the corpus-xz test fixture. malloc'd. Fails the
 * test when called from the core group (see TU_MAIN). */
char *tu_corpus(const char *rel);

/* Path of a file under fixtures/ (malloc'd). A name ending in ".xz" maps
 * to the copy decompressed by the fixtures-xz test fixture, e.g.
 * "hives/SYSTEM-win10-20H2.xz" to .../fixtures-xz/hives/SYSTEM-win10-20H2. */
char *tu_fixture(const char *rel);

/* A test input: REL starting with "fixtures/" names a file of fixtures/
 * (tu_fixture on the rest), anything else a corpus file (tu_corpus). Lets
 * one table mix both; tu_is_fixture(REL) tells which. malloc'd. */
char *tu_input(const char *rel);
int tu_is_fixture(const char *rel);

/* tu_read_file() and tu_open() of the input REL (tu_input). */
uint8_t *tu_read_input(const char *rel, size_t *len);
regf_hive *tu_open_input(const char *rel);

/* The copy in fixtures/ of the corpus file REL, as tu_input() names it
 * ("fixtures/hives/yarp/BigDataHive.xz" for "yarp/hives_for_tests/
 * BigDataHive"), or NULL when fixtures/ has none (fixtures/hives/README.md
 * and fixtures/inf/README.md list the copies). malloc'd. */
char *tu_fixture_copy(const char *rel);

/* A new, empty directory under $TMPDIR (/tmp), named hivekit-TAG-XXXXXX;
 * malloc'd. */
char *tu_tmp_dir(const char *tag);

/* Removes DIR and everything below it, then frees DIR. */
void tu_rm_dir(char *dir);

/* The path of a file NAME that does not exist yet, in a new temporary
 * directory (tu_tmp_dir(TAG)); malloc'd. tu_rm_tmp_file() removes that
 * directory with all it holds (the file, its .bak, ...) and frees PATH. */
char *tu_tmp_file(const char *tag, const char *name);
void tu_rm_tmp_file(char *path);

/* Number of entries in DIR (without . and ..). */
int tu_dir_entries(const char *dir);

/* The files of DIR whose names end in SUFFIX, as "DIR/NAME" paths in name
 * order; *N of them. Free with tu_free_list(). */
char **tu_list_files(const char *dir, const char *suffix, size_t *n);
void tu_free_list(char **list, size_t n);

/* ---- hives -------------------------------------------------------------- */

/* Opens PATH and asserts success (prints the message otherwise). */
regf_hive *tu_open(const char *path);

/* A new empty hive in memory (regf_create, version 1.5), and keys and
 * values made in it (KEY from the root, created with its parents); each
 * fails the test when the library refuses. */
regf_hive *tu_new_hive(void);
regf_key tu_mkkey(regf_hive *h, const char *path);
void tu_set_sz(regf_hive *h, const char *key, const char *name,
               const char *s);
void tu_set_dword(regf_hive *h, const char *key, const char *name,
                  uint32_t v);

/* Value NAME of KEY holds exactly TYPE and the LEN bytes of DATA (at
 * most 1024), or a REG_DWORD V; fails the test naming it otherwise. */
void tu_has_value(regf_hive *h, const char *key, const char *name,
                  uint32_t type, const void *data, size_t len);
void tu_has_dword(regf_hive *h, const char *key, const char *name,
                  uint32_t v);

/* Compares UTF-16 names as Windows sorts them (upcased code units, the
 * shorter first): <0, 0, >0. */
int tu_cmp_units(const uint16_t *a, size_t na, const uint16_t *b, size_t nb);

/* A growing memory buffer, always NUL-terminated once written to (start
 * from { NULL, 0, 0 }). tu_buf_write is an output callback for
 * regf_export_reg (-1 when out of memory); tu_buf_add appends and fails
 * the test when out of memory. */
struct tu_buf {
    char *p;
    size_t len, cap;
};
int tu_buf_write(void *ctx, const void *data, size_t len);
void tu_buf_add(struct tu_buf *b, const void *data, size_t len);
void tu_buf_free(struct tu_buf *b);

/* ---- time and pseudo-random numbers ------------------------------------- */

/* Monotonic clock, in seconds. */
double tu_now(void);

/* Marsaglia's xorshift generators: each advances *S (never 0) and returns
 * the new state. The tests print their seeds; a seed reproduces a run. */
uint64_t tu_xorshift64(uint64_t *s);     /* shifts 13, 7, 17 */
uint32_t tu_xorshift32(uint32_t *s);     /* shifts 13, 17, 5 */
/* xorshift64* (shifts 12, 25, 27, then a multiply): returns the scrambled
 * output, *S the plain state. */
uint64_t tu_xorshift64star(uint64_t *s);

#endif
