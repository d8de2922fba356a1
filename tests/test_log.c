/* test_log.c - transaction logs and recovery (src/regf/log.c).
 *
 *  - Marvin32 against the vectors of docs/format.md §12.2;
 *  - the corpus's dirty hives recovered as Windows recovers them:
 *    NewDirtyHive1 gives the very file Windows 10 wrote (RecoveredHive_-
 *    Windows10, byte for byte once the same TimeStamp is used), NewDirty-
 *    Hive2 applies LOG2 only, OldDirtyHive (old-format log) has the content
 *    of Windows 7's RecoveredHive_Windows7, BadBaseBlockHive gets its header
 *    from the log, BadLogHive1-3 are refused and left alone, regipy SYSTEM_B
 *    grows, the DFIRArtifactMuseum hives apply their logs in sequence order
 *    (Win11 NTUSER.DAT: LOG2 then LOG1, final sequence 242), clean hives
 *    with stale logs apply nothing;
 *  - every recovered hive, once written, passes the structural checker;
 *  - logs truncated at every 512 bytes and with random byte flips: never a
 *    crash, and the replay stops exactly where Windows would (the entries
 *    before the damage are applied, none after);
 *  - a synthetic log that grows the hive past its pages: empty dummy bins.
 * The yarp NewDirtyHive1/2 and OldDirtyHive cases read the copies in
 * fixtures/hives/yarp (core group); the others need the corpus (corpus
 * group, see TU_MAIN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hivecheck.h"
#include "regf_int.h"
#include "testutil.h"

#define YARP "yarp/hives_for_tests/"
#define FYARP "fixtures/hives/yarp/"       /* copies of YARP's hives, .xz */
#define DFIR "DFIRArtifactMuseum/Windows/Registry/"
#define REGIPY "regipy/regipy_tests/data/"

/* ---- helpers ------------------------------------------------------------- */

/* Copies the input REL (tu_input) into DIR under NAME (NULL: its own name,
 * without .xz). */
static char *copy_in(const char *dir, const char *rel, const char *name)
{
    char *src = tu_input(rel);
    if (!name) {
        name = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    }
    char *dst = tu_path(dir, name);
    size_t n = strlen(dst);
    if (n > 3 && strcmp(dst + n - 3, ".xz") == 0)
        dst[n - 3] = '\0';
    tu_copy_file(src, dst);
    free(src);
    return dst;
}

static regf_hive *open_w(const char *path, int want)
{
    regf_hive *h = NULL;
    int rc = regf_open(path, REGF_OPEN_WRITE, &h);
    if (rc != want)
        print_error("regf_open(%s) = %d: %s\n", path, rc, regf_errmsg(h));
    assert_int_equal(rc, want);
    return h;
}

/* Commits H to DIR/NAME, reads the file back and runs the checker (no
 * strict rules, dirty not allowed). Returns the bytes. */
static uint8_t *commit_check(regf_hive *h, const char *dir, const char *name,
                             size_t *len)
{
    char *out = tu_path(dir, name);
    unlink(out);
    int rc = regf_commit(h, out, 0);
    if (rc != REGF_OK)
        print_error("commit: %s\n", regf_errmsg(h));
    assert_int_equal(rc, REGF_OK);
    uint8_t *img = tu_read_file(out, len);
    struct hc_report rep;
    int problems = hc_check(img, *len, 0, &rep);
    if (problems) {
        print_error("%s: the recovered hive fails the checker:\n", name);
        hc_print(&rep, stderr);
    }
    hc_free(&rep);
    assert_int_equal(problems, 0);
    free(out);
    return img;
}

/* ---- content dump (every key, value, type and byte) ----------------------- */

static int dump_cb(void *ctx, regf_hive *h, regf_key key, const char *path,
                   size_t plen, unsigned depth)
{
    struct tu_buf *t = ctx;
    char line[64];
    (void)depth;
    tu_buf_add(t, "K ", 2);
    tu_buf_add(t, path, plen);
    tu_buf_add(t, "\n", 1);
    struct regf_key_info ki;
    assert_int_equal(regf_key_info(h, key, &ki), REGF_OK);
    for (uint32_t i = 0; i < ki.nvalues; i++) {
        regf_val v;
        size_t need, n;
        uint32_t type;
        assert_int_equal(regf_value_at(h, key, i, &v), REGF_OK);
        assert_int_equal(regf_value_name(h, v, NULL, 0, &need), REGF_OK);
        char *name = malloc(need + 1);
        assert_non_null(name);
        regf_value_name(h, v, name, need + 1, NULL);
        tu_buf_add(t, "V ", 2);
        tu_buf_add(t, name, need);
        free(name);
        assert_int_equal(regf_value_data(h, v, &type, NULL, 0, &n), REGF_OK);
        uint8_t *data = malloc(n ? n : 1);
        assert_non_null(data);
        assert_int_equal(regf_value_data(h, v, &type, data, n, &n), REGF_OK);
        snprintf(line, sizeof line, " %u %zu ", type, n);
        tu_buf_add(t, line, strlen(line));
        for (size_t k = 0; k < n; k++) {
            snprintf(line, sizeof line, "%02x", data[k]);
            tu_buf_add(t, line, 2);
        }
        tu_buf_add(t, "\n", 1);
        free(data);
    }
    return 0;
}

static char *dump(regf_hive *h)
{
    struct tu_buf t = { NULL, 0, 0 };
    assert_int_equal(regf_walk(h, 0, dump_cb, &t), REGF_OK);
    return t.p;
}

static char *dump_file(const char *path)
{
    regf_hive *h = tu_open(path);
    char *d = dump(h);
    regf_close(h);
    return d;
}

static const struct regf_log *find_log(const struct regf_recovery *r,
                                       const char *suffix)
{
    for (size_t i = 0; i < r->nlogs; i++) {
        size_t n = strlen(r->logs[i].path), m = strlen(suffix);
        if (n >= m && strcmp(r->logs[i].path + n - m, suffix) == 0)
            return &r->logs[i];
    }
    print_error("no log ending in %s in the report\n", suffix);
    fail();
    return NULL;
}

/* ---- Marvin32 ---------------------------------------------------------- */

static void test_marvin32(void **state)
{
    (void)state;
    assert_true(regf__marvin32("", 0) == 0xB39EFCA403966E08ull);
    assert_true(regf__marvin32("abc", 3) == 0xB9CF3DFCA41914F7ull);
    /* The first entry of NewDirtyHive1's LOG2 (§12.2). */
    char *p = tu_input(FYARP "NewDirtyHive1/NewDirtyHive.LOG2.xz");
    size_t n;
    uint8_t *d = tu_read_file(p, &n);
    const uint8_t *e = d + 512;
    uint32_t size = rd_le32(e + 4);
    assert_true(size <= n - 512);
    assert_true(rd_le64(e + 24) == 0x4746A81707701E5Dull);
    assert_true(rd_le64(e + 32) == 0xE637DCAFF6877267ull);
    assert_true(regf__marvin32(e + 40, size - 40) == 0x4746A81707701E5Dull);
    assert_true(regf__marvin32(e, 32) == 0xE637DCAFF6877267ull);
    /* Tail bytes (lengths not a multiple of 4) take the reference path. */
    assert_true(regf__marvin32("a", 1) != regf__marvin32("a\0", 2));
    free(d);
    free(p);
}

/* ---- yarp ------------------------------------------------------------------ */

static void test_new_dirty1(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("log");
    char *hp = copy_in(dir, FYARP "NewDirtyHive1/NewDirtyHive.xz", NULL);
    char *l1 = copy_in(dir, FYARP "NewDirtyHive1/NewDirtyHive.LOG1.xz", NULL);
    char *l2 = copy_in(dir, FYARP "NewDirtyHive1/NewDirtyHive.LOG2.xz", NULL);
    regf_hive *h = open_w(hp, REGF_OK);
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.state, REGF_RECOVERY_DONE);
    assert_false(r.header_rebuilt);
    assert_false(r.old_format);
    assert_int_equal(r.seq1, 3);
    assert_int_equal(r.seq2, 2);
    assert_int_equal(r.entries, 4);
    assert_int_equal(r.first_seq, 2);
    assert_int_equal(r.last_seq, 5);
    assert_int_equal(r.final_seq, 5);
    assert_int_equal(r.new_length, 20480);
    assert_int_equal(r.dummy_bins, 0);
    assert_int_equal(find_log(&r, ".LOG1")->verdict, REGF_LOG_APPLIED);
    assert_int_equal(find_log(&r, ".LOG2")->verdict, REGF_LOG_APPLIED);
    assert_int_equal(find_log(&r, ".LOG2")->first_seq, 3);
    assert_int_equal(find_log(&r, ".LOG2")->last_seq, 5);
    struct regf_info in;
    regf_get_info(h, &in);
    assert_false(in.dirty);
    assert_int_equal(in.seq1, 5);
    assert_int_equal(in.seq2, 5);
    assert_true(regf_modified(h));

    /* Written with Windows' TimeStamp, the file is the one Windows 10
     * wrote after its own recovery: base block and bins, byte for byte. */
    char *wp = tu_input(FYARP "NewDirtyHive1/RecoveredHive_Windows10.xz");
    size_t wn, n;
    uint8_t *win = tu_read_file(wp, &wn);
    regf_set_time(h, rd_le64(win + 12));
    uint8_t *img = commit_check(h, dir, "out", &n);
    assert_int_equal(n, 4096 + 20480);
    assert_true(wn >= n);
    assert_memory_equal(img, win, n);
    regf_close(h);

    /* The library never touches the logs. */
    char *src = tu_input(FYARP "NewDirtyHive1/NewDirtyHive.LOG2.xz");
    size_t a, b;
    uint8_t *x = tu_read_file(src, &a), *y = tu_read_file(l2, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x), free(y), free(src);

    /* REGF_OPEN_RECOVER does the same while opening. */
    h = NULL;
    assert_int_equal(regf_open(hp, REGF_OPEN_RECOVER, &h), REGF_OK);
    regf_get_info(h, &in);
    assert_false(in.dirty);
    assert_int_equal(in.seq1, 5);
    struct regf_recovery r2;
    assert_int_equal(regf_recovery_report(h, &r2), REGF_OK);
    assert_int_equal(r2.state, REGF_RECOVERY_DONE);
    assert_int_equal(r2.final_seq, 5);
    char *d1 = dump(h);
    char *d2 = dump_file(wp);
    assert_string_equal(d1, d2);
    free(d1), free(d2);
    regf_close(h);

    free(win), free(img), free(wp);
    free(hp), free(l1), free(l2);
    tu_rm_dir(dir);
}

static void test_new_dirty2(void **state)
{
    (void)state;
    char *hp = tu_input(FYARP "NewDirtyHive2/NewDirtyHive.xz");
    regf_hive *h = open_w(hp, REGF_OK);
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.state, REGF_RECOVERY_DONE);
    assert_int_equal(r.entries, 3);
    assert_int_equal(r.first_seq, 3);
    assert_int_equal(r.last_seq, 5);
    assert_int_equal(r.final_seq, 5);
    const struct regf_log *l1 = find_log(&r, ".LOG1");
    assert_int_equal(l1->verdict, REGF_LOG_IGNORED);
    assert_non_null(strstr(l1->why, "older than the hive's 3"));
    assert_int_equal(find_log(&r, ".LOG2")->verdict, REGF_LOG_APPLIED);
    /* Same content as Windows' recovery of NewDirtyHive1 (LOG1's entry 2
     * was already in this primary). */
    char *wp = tu_input(FYARP "NewDirtyHive1/RecoveredHive_Windows10.xz");
    char *d1 = dump(h), *d2 = dump_file(wp);
    assert_string_equal(d1, d2);
    free(d1), free(d2), free(wp);
    regf_close(h);

    /* regf_find_logs judges the logs the same way. */
    struct regf_log logs[4];
    size_t n;
    assert_int_equal(regf_find_logs(hp, logs, 4, &n), REGF_OK);
    assert_int_equal(n, 2);
    assert_int_equal(logs[0].format, REGF_LOG_NEW);
    assert_int_equal(logs[0].verdict, REGF_LOG_IGNORED);
    assert_int_equal(logs[1].verdict, REGF_LOG_APPLIES);
    assert_int_equal(logs[1].entries, 3);
    assert_int_equal(logs[1].first_seq, 3);
    assert_int_equal(logs[1].last_seq, 5);
    free(hp);
}

/* The 4-byte positions where two images' bins differ, ignoring the first
 * bin's TimeStamp; at most MAX kept. */
static size_t bins_diff(const uint8_t *a, const uint8_t *b, uint32_t len,
                        uint32_t *at, size_t max)
{
    size_t n = 0;
    for (uint32_t off = 0; off < len; off += 4) {
        if (off == 20 || off == 24)
            continue;
        if (memcmp(a + 4096 + off, b + 4096 + off, 4) != 0) {
            if (n < max)
                at[n] = off;
            n++;
        }
    }
    return n;
}

static void test_old_dirty(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("log");
    char *hp = tu_input(FYARP "OldDirtyHive/OldDirtyHive.xz");
    regf_hive *h = open_w(hp, REGF_OK);
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.state, REGF_RECOVERY_DONE);
    assert_true(r.old_format);
    assert_false(r.header_rebuilt);
    assert_int_equal(r.entries, 64);            /* dirty 512-byte pages */
    assert_int_equal(r.final_seq, 5);
    assert_int_equal(r.new_length, 487424);
    assert_int_equal(find_log(&r, ".LOG1")->verdict, REGF_LOG_APPLIED);
    assert_int_equal(find_log(&r, ".LOG1")->format, REGF_LOG_OLD);
    assert_int_equal(find_log(&r, ".LOG2")->verdict, REGF_LOG_IGNORED);

    /* Content: every key, value, type and byte as Windows 7 recovered it. */
    char *wp = tu_input(FYARP "OldDirtyHive/RecoveredHive_Windows7.xz");
    char *d1 = dump(h), *d2 = dump_file(wp);
    assert_string_equal(d1, d2);
    free(d1), free(d2);
    /* The bins differ from Windows 7's file in one dword only: the
     * MaxValueNameLen of one key, which Windows recomputed when it wrote
     * the hive again after recovering it (sequence 7). */
    size_t n, wn;
    uint8_t *img = commit_check(h, dir, "out", &n), *win = tu_read_file(wp, &wn);
    uint32_t at[8];
    assert_int_equal(bins_diff(img, win, 487424, at, 8), 1);
    assert_int_equal(at[0], 0x6adc8);
    regf_close(h);
    free(img), free(win), free(wp), free(hp);
    tu_rm_dir(dir);
}

static void test_bad_base_block(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("log");
    char *hp = tu_corpus(YARP "BadBaseBlockHive/BadBaseBlockHive");
    /* Read-only: refused as before; for writing: dirty, recover only. */
    regf_hive *h = NULL;
    assert_int_equal(regf_open(hp, 0, &h), REGF_ECORRUPT);
    regf_close(h);
    h = open_w(hp, REGF_EDIRTY);
    assert_non_null(strstr(regf_errmsg(h), "rebuilt from the hive's "
                           "transaction logs"));
    regf_key root;
    assert_int_not_equal(regf_root(h, &root), REGF_OK);
    struct regf_info in;
    regf_get_info(h, &in);
    assert_true(in.dirty);
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.state, REGF_RECOVERY_DONE);
    assert_true(r.header_rebuilt);
    assert_true(r.old_format);
    assert_int_equal(r.final_seq, 5);
    assert_int_equal(r.new_length, 487424);
    assert_non_null(strstr(find_log(&r, ".LOG1")->why, "rebuilt"));
    regf_get_info(h, &in);
    assert_false(in.dirty);
    assert_int_equal(in.minor, 3);
    /* Same content as Windows 7's recovery of the same data. */
    char *wp = tu_corpus(YARP "OldDirtyHive/RecoveredHive_Windows7");
    char *d1 = dump(h), *d2 = dump_file(wp);
    assert_string_equal(d1, d2);
    free(d1), free(d2), free(wp);
    size_t n;
    free(commit_check(h, dir, "out", &n));
    regf_close(h);

    /* REGF_OPEN_RECOVER opens it directly. */
    h = NULL;
    assert_int_equal(regf_open(hp, REGF_OPEN_RECOVER, &h), REGF_OK);
    assert_int_equal(regf_root(h, &root), REGF_OK);
    regf_close(h);
    free(hp);
    tu_rm_dir(dir);
}

static void test_bad_logs_refused(void **state)
{
    (void)state;
    static const struct {
        const char *hive;
        int rc;
        const char *log, *why;
    } cases[] = {
        { YARP "BadLogHive1/BadLogHive", REGF_EDIRTY, "BadLogHive.LOG1",
          "checksum is wrong" },
        { YARP "BadLogHive2/BadLogHive", REGF_ECORRUPT, "BadLogHive.LOG1",
          "no 'DIRT' dirty vector" },
        { YARP "BadLogHive3/BadLogHive", REGF_EDIRTY, "BadLogHive.LOG2",
          "checksum is wrong" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *hp = tu_corpus(cases[i].hive);
        size_t n0;
        uint8_t *before = tu_read_file(hp, &n0);
        regf_hive *h = open_w(hp, REGF_OK);
        struct regf_info a, b;
        regf_get_info(h, &a);
        struct regf_recovery r;
        int rc = regf_recover(h, NULL, 0, &r);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(r.state, REGF_RECOVERY_FAILED);
        const char *msg = regf_errmsg(h);
        if (!strstr(msg, cases[i].log) || !strstr(msg, cases[i].why)) {
            print_error("message '%s' lacks '%s' / '%s'\n", msg,
                        cases[i].log, cases[i].why);
            fail();
        }
        /* The handle is as it was: still dirty, not writable as clean. */
        regf_get_info(h, &b);
        assert_true(b.dirty);
        assert_int_equal(a.seq1, b.seq1);
        assert_int_equal(a.seq2, b.seq2);
        assert_false(regf_modified(h));
        assert_int_equal(regf_commit(h, NULL, 0), REGF_EDIRTY);
        regf_close(h);
        /* REGF_OPEN_RECOVER fails the same way. */
        h = NULL;
        assert_int_equal(regf_open(hp, REGF_OPEN_RECOVER, &h), cases[i].rc);
        regf_close(h);
        size_t n1;
        uint8_t *after = tu_read_file(hp, &n1);
        assert_int_equal(n0, n1);
        assert_memory_equal(before, after, n0);
        free(before), free(after), free(hp);
    }
}

/* ---- real Windows hives ------------------------------------------------------ */

static void test_system_b_growth(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("log");
    char *hp = copy_in(dir, REGIPY "SYSTEM_B.xz", NULL);
    char *l1 = copy_in(dir, REGIPY "SYSTEM_B.LOG1.xz", NULL);
    char *l2 = copy_in(dir, REGIPY "SYSTEM_B.LOG2.xz", NULL);
    regf_hive *h = open_w(hp, REGF_OK);
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.state, REGF_RECOVERY_DONE);
    assert_int_equal(r.seq1, 1622);
    assert_int_equal(r.seq2, 1621);
    assert_int_equal(r.entries, 24);
    assert_int_equal(r.first_seq, 2107);
    assert_int_equal(r.last_seq, 2130);
    assert_int_equal(r.final_seq, 2130);
    assert_int_equal(r.old_length, 12398592);
    assert_int_equal(r.new_length, 12591104);
    assert_int_equal(r.dummy_bins, 0);
    struct regf_info in;
    regf_get_info(h, &in);
    assert_int_equal(in.bins_size, 12591104);
    assert_int_equal(in.flags & 1, 1);          /* the entries' Flags bit 0 */
    /* CurrentControlSet still resolves; the tree walks. */
    regf_key k;
    assert_int_equal(regf_key_lookup(h, 0, "CurrentControlSet\\Services",
                                     &k), REGF_OK);
    size_t n;
    free(commit_check(h, dir, "out", &n));
    assert_int_equal(n, 4096 + 12591104);
    regf_close(h);
    free(hp), free(l1), free(l2);
    tu_rm_dir(dir);
}

static void test_real_hives(void **state)
{
    (void)state;
    static const struct {
        const char *hive;            /* corpus path (.xz: decompressed) */
        const char *logs[2];         /* their corpus names (xz for .xz) */
        int state;
        uint32_t first, last, final;
        const char *applied[2], *ignored;
    } cases[] = {
        { DFIR "Win11/NTUSER.DAT", { DFIR "Win11/ntuser.dat.LOG1",
          DFIR "Win11/ntuser.dat.LOG2" }, REGF_RECOVERY_DONE, 238, 242, 242,
          { ".LOG1", ".LOG2" }, NULL },
        { DFIR "Win10/BBI", { DFIR "Win10/BBI.LOG1", DFIR "Win10/BBI.LOG2" },
          REGF_RECOVERY_DONE, 60, 61, 61, { ".LOG1", ".LOG2" }, NULL },
        { DFIR "Win10/DEFAULT", { DFIR "Win10/DEFAULT.LOG1",
          DFIR "Win10/DEFAULT.LOG2" }, REGF_RECOVERY_DONE, 106, 110, 110,
          { ".LOG1", ".LOG2" }, NULL },
        { DFIR "Win10/LocalService/NTUSER.DAT",
          { DFIR "Win10/LocalService/NTUSER.DAT.LOG1",
            DFIR "Win10/LocalService/NTUSER.DAT.LOG2" }, REGF_RECOVERY_DONE,
          36, 38, 38, { ".LOG1", ".LOG2" }, NULL },
        { DFIR "Win10/SECURITY", { DFIR "Win10/SECURITY.LOG1", NULL },
          REGF_RECOVERY_DONE, 110, 110, 110, { ".LOG1", NULL }, NULL },
        { DFIR "Win11/BBI", { DFIR "Win11/BBI.LOG1", DFIR "Win11/BBI.LOG2" },
          REGF_RECOVERY_DONE, 48, 49, 49, { ".LOG1", ".LOG2" }, NULL },
        { DFIR "Win11/DEFAULT", { DFIR "Win11/DEFAULT.LOG1",
          DFIR "Win11/DEFAULT.LOG2" }, REGF_RECOVERY_DONE, 104, 107, 107,
          { ".LOG1", ".LOG2" }, NULL },
        { DFIR "Win11/SECURITY", { DFIR "Win11/SECURITY.LOG1",
          DFIR "Win11/SECURITY.LOG2" }, REGF_RECOVERY_DONE, 115, 115, 115,
          { ".LOG1", NULL }, ".LOG2" },
        { DFIR "Win11/UsrClass.dat", { DFIR "Win11/UsrClass.dat.LOG1",
          DFIR "Win11/UsrClass.dat.LOG2" }, REGF_RECOVERY_DONE, 139, 146,
          146, { ".LOG1", ".LOG2" }, NULL },
        { REGIPY "transactions_NTUSER.DAT",
          { REGIPY "transactions_ntuser.dat.log1",
            REGIPY "transactions_ntuser.dat.log2" }, REGF_RECOVERY_DONE,
          566, 588, 588, { ".log1", NULL }, ".log2" },
        { REGIPY "UsrClass.dat.xz", { REGIPY "UsrClass.dat.LOG1.xz",
          REGIPY "UsrClass.dat.LOG2.xz" }, REGF_RECOVERY_DONE, 287, 300, 300,
          { ".LOG1", ".LOG2" }, NULL },
        /* Clean hives with stale logs: nothing is applied. */
        { DFIR "Win10/SAM", { DFIR "Win10/SAM.LOG1", DFIR "Win10/SAM.LOG2" },
          REGF_RECOVERY_CLEAN, 0, 0, 34, { NULL, NULL }, ".LOG1" },
        { DFIR "Win11/SAM", { DFIR "Win11/SAM.LOG1", DFIR "Win11/SAM.LOG2" },
          REGF_RECOVERY_CLEAN, 0, 0, 36, { NULL, NULL }, ".LOG2" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        /* Side by side, under their own names, in a private directory. */
        char *dir = tu_tmp_dir("log");
        char *hp = copy_in(dir, cases[i].hive, NULL);
        for (int j = 0; j < 2; j++)
            if (cases[i].logs[j])
                free(copy_in(dir, cases[i].logs[j], NULL));
        size_t n0;
        uint8_t *before = tu_read_file(hp, &n0);
        regf_hive *h = open_w(hp, REGF_OK);
        struct regf_recovery r;
        int rc = regf_recover(h, NULL, 0, &r);
        if (rc != REGF_OK)
            print_error("%s: %s\n", cases[i].hive, regf_errmsg(h));
        assert_int_equal(rc, REGF_OK);
        if (r.state != cases[i].state || r.final_seq != cases[i].final ||
            r.first_seq != cases[i].first || r.last_seq != cases[i].last) {
            print_error("%s: state %d, entries %u..%u, final %u\n",
                        cases[i].hive, r.state, r.first_seq, r.last_seq,
                        r.final_seq);
            fail();
        }
        for (int j = 0; j < 2; j++)
            if (cases[i].applied[j])
                assert_int_equal(find_log(&r, cases[i].applied[j])->verdict,
                                 REGF_LOG_APPLIED);
        if (cases[i].ignored)
            assert_int_equal(find_log(&r, cases[i].ignored)->verdict,
                             REGF_LOG_IGNORED);
        if (r.state == REGF_RECOVERY_DONE) {
            struct regf_info in;
            regf_get_info(h, &in);
            assert_false(in.dirty);
            assert_int_equal(in.seq1, cases[i].final);
            size_t n;
            free(commit_check(h, dir, "out", &n));
        } else {
            assert_false(regf_modified(h));
            size_t n1;
            uint8_t *after = tu_read_file(hp, &n1);
            assert_int_equal(n0, n1);
            assert_memory_equal(before, after, n0);
            free(after);
        }
        regf_close(h);
        free(before);
        free(hp);
        tu_rm_dir(dir);
    }
}

/* The Windows 11 NTUSER.DAT logs apply LOG2 first: swapping their names
 * changes nothing, the order comes from the sequence numbers. */
static void test_order_by_sequence(void **state)
{
    (void)state;
    char *dir = tu_tmp_dir("log");
    char *hp = copy_in(dir, DFIR "Win11/NTUSER.DAT", NULL);
    free(copy_in(dir, DFIR "Win11/ntuser.dat.LOG1", "NTUSER.DAT.LOG2"));
    free(copy_in(dir, DFIR "Win11/ntuser.dat.LOG2", "NTUSER.DAT.LOG1"));
    regf_hive *h = open_w(hp, REGF_OK);
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.first_seq, 238);
    assert_int_equal(r.final_seq, 242);
    assert_int_equal(find_log(&r, ".LOG1")->first_seq, 238);
    char *d1 = dump(h);
    regf_close(h);
    /* Logs given explicitly, in the "wrong" order: the same hive. */
    char *a = tu_corpus(DFIR "Win11/ntuser.dat.LOG1");
    char *b = tu_corpus(DFIR "Win11/ntuser.dat.LOG2");
    const char *logs[] = { a, b };
    h = open_w(hp, REGF_OK);
    assert_int_equal(regf_recover(h, logs, 2, &r), REGF_OK);
    assert_int_equal(r.final_seq, 242);
    char *d2 = dump(h);
    assert_string_equal(d1, d2);
    regf_close(h);
    /* LOG2 (238..240) alone: the replay ends at 240. */
    const char *only2[] = { b };
    h = open_w(hp, REGF_OK);
    assert_int_equal(regf_recover(h, only2, 1, &r), REGF_OK);
    assert_int_equal(r.final_seq, 240);
    regf_close(h);
    free(d1), free(d2), free(a), free(b), free(hp);
    tu_rm_dir(dir);
}

/* ---- damaged logs ----------------------------------------------------------- */

/* Offsets of the entries of the new-format log D (end of each). */
static size_t entry_ends(const uint8_t *d, size_t n, size_t *end, size_t max)
{
    size_t k = 0, pos = 512;
    while (k < max && pos + 40 <= n && memcmp(d + pos, "HvLE", 4) == 0) {
        uint32_t size = rd_le32(d + pos + 4);
        if (size < 512 || size > n - pos)
            break;
        pos += size;
        end[k++] = pos;
    }
    return k;
}

struct setup {
    char *dir, *hive, *log1, *log2;
    uint8_t *prim, *d1, *d2;
    size_t np, n1, n2;
};

static void setup_new_dirty(struct setup *s)
{
    memset(s, 0, sizeof *s);
    s->dir = tu_tmp_dir("log");
    char *p = tu_input(FYARP "NewDirtyHive1/NewDirtyHive.xz");
    s->prim = tu_read_file(p, &s->np);
    free(p);
    p = tu_input(FYARP "NewDirtyHive1/NewDirtyHive.LOG1.xz");
    s->d1 = tu_read_file(p, &s->n1);
    free(p);
    p = tu_input(FYARP "NewDirtyHive1/NewDirtyHive.LOG2.xz");
    s->d2 = tu_read_file(p, &s->n2);
    free(p);
    s->hive = tu_path(s->dir, "NewDirtyHive");
    s->log1 = tu_path(s->dir, "NewDirtyHive.LOG1");
    s->log2 = tu_path(s->dir, "NewDirtyHive.LOG2");
    tu_write_file(s->hive, s->prim, s->np);
}

static void teardown(struct setup *s)
{
    free(s->prim), free(s->d1), free(s->d2);
    free(s->hive), free(s->log1), free(s->log2);
    tu_rm_dir(s->dir);
}

/* Recovers the hive of S from LOG1/LOG2 as written; returns the status
 * and the last sequence applied; a recovered hive must pass the checker. */
static int recover_setup(struct setup *s, uint32_t *last)
{
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(s->prim, s->np, "NewDirtyHive",
                                   REGF_OPEN_WRITE, &h), REGF_OK);
    const char *logs[] = { s->log1, s->log2 };
    struct regf_recovery r;
    int rc = regf_recover(h, logs, 2, &r);
    *last = r.final_seq;
    if (rc == REGF_OK) {
        assert_int_equal(r.state, REGF_RECOVERY_DONE);
        char *out = tu_path(s->dir, "out");
        unlink(out);
        assert_int_equal(regf_commit(h, out, 0), REGF_OK);
        size_t n;
        uint8_t *img = tu_read_file(out, &n);
        struct hc_report rep;
        int problems = hc_check(img, n, 0, &rep);
        if (problems)
            hc_print(&rep, stderr);
        hc_free(&rep);
        assert_int_equal(problems, 0);
        free(img);
        free(out);
    }
    regf_close(h);
    return rc;
}

static void test_truncated_logs(void **state)
{
    (void)state;
    struct setup s;
    setup_new_dirty(&s);
    size_t ends[8];
    size_t ne = entry_ends(s.d2, s.n2, ends, 8);
    assert_int_equal(ne, 3);
    uint32_t last;
    /* LOG2 cut at every 512 bytes: entries 3, 4, 5 apply as far as they
     * are whole; before its base block ends, or before entry 3 is whole,
     * only LOG1's entry 2 applies. */
    tu_write_file(s.log1, s.d1, s.n1);
    for (size_t cut = 0; cut <= s.n2; cut += 512) {
        tu_write_file(s.log2, s.d2, cut);
        assert_int_equal(recover_setup(&s, &last), REGF_OK);
        uint32_t want = 2;
        for (size_t k = 0; k < ne; k++)
            if (ends[k] <= cut)
                want = 3 + (uint32_t)k;
        if (last != want) {
            print_error("LOG2 cut at %zu: last %u, want %u\n", cut, last,
                        want);
            fail();
        }
    }
    /* LOG1 cut: its single entry is lost, and LOG2 (sequence 3, not older
     * than the hive's 2) applies alone, as Windows would do it. */
    tu_write_file(s.log2, s.d2, s.n2);
    for (size_t cut = 0; cut < s.n1; cut += 512) {
        tu_write_file(s.log1, s.d1, cut);
        assert_int_equal(recover_setup(&s, &last), REGF_OK);
        assert_int_equal(last, 5);
    }
    /* Both cut to nothing: no log applies, refused. */
    tu_write_file(s.log1, s.d1, 0);
    tu_write_file(s.log2, s.d2, 100);
    assert_int_equal(recover_setup(&s, &last), REGF_EDIRTY);
    teardown(&s);
}

/* Each test that uses it starts from the same seed (rnd_seed()), so that
 * its cases do not depend on which tests ran before it. */
static uint32_t rnd_state;

static void rnd_seed(void)
{
    rnd_state = 0x12345678u;
}

static uint32_t rnd(void)
{
    return tu_xorshift32(&rnd_state);
}

static void test_flipped_logs(void **state)
{
    (void)state;
    rnd_seed();
    struct setup s;
    setup_new_dirty(&s);
    size_t ends[8];
    size_t ne = entry_ends(s.d2, s.n2, ends, 8);
    uint32_t last;
    uint8_t *buf = malloc(s.n2 > s.n1 ? s.n2 : s.n1);
    assert_non_null(buf);
    /* One byte of LOG2 changed: everything before the damaged entry
     * applies, nothing from it on; a damaged base block drops LOG2. */
    tu_write_file(s.log1, s.d1, s.n1);
    for (int i = 0; i < 400; i++) {
        size_t at = i < 64 ? (size_t)i * 8 : rnd() % s.n2;
        memcpy(buf, s.d2, s.n2);
        buf[at] ^= (uint8_t)(1 + rnd() % 255);
        tu_write_file(s.log2, buf, s.n2);
        assert_int_equal(recover_setup(&s, &last), REGF_OK);
        uint32_t want = 5;
        if (at < 512)
            want = 2;
        else
            for (size_t k = 0; k < ne; k++)
                if (at < ends[k]) {
                    want = 2 + (uint32_t)k;
                    break;
                }
        if (last != want) {
            print_error("LOG2 byte %zu changed: last %u, want %u\n", at,
                        last, want);
            fail();
        }
    }
    /* One byte of LOG1 changed: LOG1 is dropped, LOG2 applies alone. */
    tu_write_file(s.log2, s.d2, s.n2);
    for (int i = 0; i < 100; i++) {
        size_t at = rnd() % 24576;
        memcpy(buf, s.d1, s.n1);
        buf[at] ^= (uint8_t)(1 + rnd() % 255);
        tu_write_file(s.log1, buf, s.n1);
        assert_int_equal(recover_setup(&s, &last), REGF_OK);
        assert_int_equal(last, 5);
    }
    free(buf);
    teardown(&s);
}

/* SYSTEM_B's LOG2 (20 entries, two of them growing the hive) cut just
 * before and at the end of every entry, and with bytes changed: the replay
 * keeps exactly the whole, sound entries before the damage; the hive
 * passes the checker every time. */
static void test_system_b_damaged(void **state)
{
    (void)state;
    rnd_seed();
    char *dir = tu_tmp_dir("log");
    char *hp = copy_in(dir, REGIPY "SYSTEM_B.xz", NULL);
    char *l1 = copy_in(dir, REGIPY "SYSTEM_B.LOG1.xz", NULL);
    char *l2 = copy_in(dir, REGIPY "SYSTEM_B.LOG2.xz", NULL);
    size_t np, n2;
    uint8_t *prim = tu_read_file(hp, &np), *d2 = tu_read_file(l2, &n2);
    size_t ends[32];
    size_t ne = entry_ends(d2, n2, ends, 32);
    assert_int_equal(ne, 20);
    struct { size_t cut, flip; } runs[64];
    size_t nr = 0;
    for (size_t k = 0; k < ne; k++) {
        runs[nr].cut = ends[k] - 512, runs[nr++].flip = 0;
        runs[nr].cut = ends[k], runs[nr++].flip = 0;
    }
    for (int i = 0; i < 8; i++)
        runs[nr].cut = n2, runs[nr++].flip = 512 + rnd() % (ends[ne - 1] - 512);
    for (size_t i = 0; i < nr; i++) {
        uint8_t *buf = malloc(n2);
        assert_non_null(buf);
        memcpy(buf, d2, n2);
        if (runs[i].flip)
            buf[runs[i].flip] ^= 0x5A;
        tu_write_file(l2, buf, runs[i].cut);
        free(buf);
        size_t bad = runs[i].flip ? runs[i].flip : runs[i].cut;
        uint32_t want = 2110;          /* LOG1's last entry */
        for (size_t k = 0; k < ne; k++)
            if (runs[i].flip ? ends[k] <= bad : ends[k] <= runs[i].cut)
                want = 2111 + (uint32_t)k;
        regf_hive *h = NULL;
        assert_int_equal(regf_open_mem(prim, np, hp, REGF_OPEN_WRITE, &h),
                         REGF_OK);
        struct regf_recovery r;
        assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
        if (r.final_seq != want) {
            print_error("LOG2 cut at %zu, flip at %zu: last %u, want %u\n",
                        runs[i].cut, runs[i].flip, r.final_seq, want);
            fail();
        }
        size_t n;
        free(commit_check(h, dir, "out", &n));
        regf_close(h);
    }
    free(prim), free(d2), free(hp), free(l1), free(l2);
    tu_rm_dir(dir);
}

/* The old-format log cut or changed anywhere: never a crash; a cut log
 * (missing pages) or a lost DIRT vector is refused as Windows refuses it. */
static void test_damaged_old_log(void **state)
{
    (void)state;
    rnd_seed();
    char *dir = tu_tmp_dir("log");
    char *p = tu_input(FYARP "OldDirtyHive/OldDirtyHive.xz");
    size_t np, nl;
    uint8_t *prim = tu_read_file(p, &np);
    free(p);
    p = tu_input(FYARP "OldDirtyHive/OldDirtyHive.LOG1.xz");
    uint8_t *log = tu_read_file(p, &nl);
    free(p);
    char *lp = tu_path(dir, "OldDirtyHive.LOG1");
    uint8_t *buf = malloc(nl);
    assert_non_null(buf);
    for (size_t cut = 0; cut <= nl; cut += 512) {
        tu_write_file(lp, log, cut);
        regf_hive *h = NULL;
        assert_int_equal(regf_open_mem(prim, np, "OldDirtyHive",
                                       REGF_OPEN_WRITE, &h), REGF_OK);
        const char *logs[] = { lp };
        int rc = regf_recover(h, logs, 1, NULL);
        int want = cut == nl ? REGF_OK : cut < 512 ? REGF_EDIRTY :
                   REGF_ECORRUPT;
        if (rc != want) {
            print_error("LOG1 cut at %zu: %d (%s), want %d\n", cut, rc,
                        regf_errmsg(h), want);
            fail();
        }
        regf_close(h);
    }
    for (int i = 0; i < 300; i++) {
        size_t at = rnd() % nl;
        memcpy(buf, log, nl);
        buf[at] ^= (uint8_t)(1 + rnd() % 255);
        tu_write_file(lp, buf, nl);
        regf_hive *h = NULL;
        assert_int_equal(regf_open_mem(prim, np, "OldDirtyHive",
                                       REGF_OPEN_WRITE, &h), REGF_OK);
        const char *logs[] = { lp };
        int rc = regf_recover(h, logs, 1, NULL);
        assert_true(rc == REGF_OK || rc == REGF_EDIRTY ||
                    rc == REGF_ECORRUPT);
        if (at < 512)
            assert_int_equal(rc, REGF_EDIRTY);   /* header checksum */
        else if (at < 516)
            assert_int_equal(rc, REGF_ECORRUPT); /* DIRT signature */
        regf_close(h);
    }
    free(buf), free(log), free(prim), free(lp);
    tu_rm_dir(dir);
}

/* Garbage and hostile headers: every length field at its extremes. */
static void test_hostile_entries(void **state)
{
    (void)state;
    struct setup s;
    setup_new_dirty(&s);
    uint8_t *buf = malloc(s.n2);
    assert_non_null(buf);
    /* 0x7FFFE000 as a hive size would be a valid 2 GiB hive (the next
     * entry shrinks it again); 0x100000 stands for it. */
    static const uint32_t vals[] = { 0, 1, 40, 511, 512, 513, 4096, 0x100000u,
                                     0x7FFFF000u, 0x80000000u, 0xFFFFFE00u,
                                     0xFFFFFFFFu };
    static const size_t fields[] = { 4, 16, 20, 40, 44 };
    tu_write_file(s.log1, s.d1, s.n1);
    uint32_t last;
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
        for (size_t v = 0; v < sizeof vals / sizeof *vals; v++) {
            memcpy(buf, s.d2, s.n2);
            /* The second entry of LOG2 (sequence 4), hashes recomputed so
             * that only the field itself can stop the replay. */
            size_t pos = 512 + rd_le32(buf + 512 + 4);
            uint32_t size = rd_le32(buf + pos + 4);
            wr_le32(buf + pos + fields[f], vals[v]);
            if (fields[f] != 4 && size <= s.n2 - pos)
                wr_le64(buf + pos + 24, regf__marvin32(buf + pos + 40,
                                                       size - 40));
            wr_le64(buf + pos + 32, regf__marvin32(buf + pos, 32));
            tu_write_file(s.log2, buf, s.n2);
            /* A consistent entry may carry pages that make no valid hive:
             * then the replay is refused as a whole. */
            int rc = recover_setup(&s, &last);
            assert_true(rc == REGF_OK || rc == REGF_ECORRUPT);
            if (rc == REGF_OK)
                assert_true(last >= 3 && last <= 5);
            else
                assert_true(fields[f] >= 40);
        }
    free(buf);
    teardown(&s);
}

/* A synthetic entry that grows the hive by two 4 KiB blocks it carries no
 * pages for: the hive grows, the two blocks become empty bins. */
static void test_growth_dummy_bins(void **state)
{
    (void)state;
    struct setup s;
    setup_new_dirty(&s);
    uint32_t len = rd_le32(s.prim + BB_LENGTH);
    uint8_t log[512 + 4096 + 512];
    memset(log, 0, sizeof log);
    memcpy(log, s.prim, 512);                   /* base block copy */
    wr_le32(log + BB_SEQ1, 2);
    wr_le32(log + BB_SEQ2, 2);
    wr_le32(log + BB_TYPE, 6);
    wr_le32(log + BB_CHECKSUM, regf__checksum(log));
    uint8_t *e = log + 512;
    uint32_t size = 4096 + 512;                 /* 40 + 8 + 4096, rounded */
    memcpy(e, "HvLE", 4);
    wr_le32(e + 4, size);
    wr_le32(e + 12, 2);                         /* sequence */
    wr_le32(e + 16, len + 8192);                /* grows by two blocks */
    wr_le32(e + 20, 1);
    wr_le32(e + 40, 0);                         /* page: offset 0, 4096 */
    wr_le32(e + 44, 4096);
    memcpy(e + 48, s.prim + 4096, 4096);        /* bin 0 unchanged */
    wr_le64(e + 24, regf__marvin32(e + 40, size - 40));
    wr_le64(e + 32, regf__marvin32(e, 32));
    tu_write_file(s.log1, log, sizeof log);
    tu_write_file(s.log2, "", 0);
    regf_hive *h = NULL;
    assert_int_equal(regf_open_mem(s.prim, s.np, "NewDirtyHive",
                                   REGF_OPEN_WRITE, &h), REGF_OK);
    const char *logs[] = { s.log1, s.log2 };
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, logs, 2, &r), REGF_OK);
    assert_int_equal(r.final_seq, 2);
    assert_int_equal(r.new_length, len + 8192);
    assert_int_equal(r.dummy_bins, 2);
    struct regf_info in;
    regf_get_info(h, &in);
    assert_int_equal(in.bins_size, len + 8192);
    assert_int_equal(in.nbins, 2 + 2);
    size_t n;
    free(commit_check(h, s.dir, "out", &n));
    regf_close(h);
    teardown(&s);
}

/* regf_recover's own refusals and clean hives. */
static void test_api_rules(void **state)
{
    (void)state;
    char *hp = tu_input(FYARP "NewDirtyHive1/NewDirtyHive.xz");
    regf_hive *h = open_w(hp, REGF_OK);
    regf_key root, k;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_key_create(h, root, "x", 1, &k), REGF_OK);
    assert_int_equal(regf_recover(h, NULL, 0, NULL), REGF_EINVAL);
    regf_close(h);
    /* Too many logs. */
    h = open_w(hp, REGF_OK);
    const char *many[REGF_MAX_LOGS + 1];
    for (size_t i = 0; i <= REGF_MAX_LOGS; i++)
        many[i] = hp;
    assert_int_equal(regf_recover(h, many, REGF_MAX_LOGS + 1, NULL),
                     REGF_EINVAL);
    /* A log that does not exist, or is the hive itself. */
    const char *bad[] = { "/nonexistent/x.LOG1", hp };
    struct regf_recovery r;
    assert_int_equal(regf_recover(h, bad, 2, &r), REGF_EDIRTY);
    assert_int_equal(r.logs[0].verdict, REGF_LOG_INVALID);
    assert_int_equal(r.logs[1].verdict, REGF_LOG_INVALID);
    assert_non_null(strstr(r.logs[1].why, "file type 0"));
    /* No log at all. */
    assert_int_equal(regf_recover(h, bad, 0, &r), REGF_EDIRTY);
    assert_non_null(strstr(regf_errmsg(h), "none was found"));
    regf_close(h);
    free(hp);
}

static void test_api_rules_corpus(void **state)
{
    (void)state;
    struct regf_recovery r;
    /* A clean hive: left alone, logs ignored. */
    char *hp = tu_corpus(DFIR "Win10/SAM");
    regf_hive *h = open_w(hp, REGF_OK);
    assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
    assert_int_equal(r.state, REGF_RECOVERY_CLEAN);
    assert_int_equal(r.nlogs, 2);
    assert_false(regf_modified(h));
    regf_close(h);
    h = NULL;
    assert_int_equal(regf_open(hp, REGF_OPEN_RECOVER, &h), REGF_OK);
    assert_int_equal(regf_recovery_report(h, &r), REGF_NOTFOUND);
    regf_close(h);
    free(hp);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_marvin32),
        cmocka_unit_test(test_new_dirty1),
        cmocka_unit_test(test_new_dirty2),
        cmocka_unit_test(test_old_dirty),
        cmocka_unit_test(test_truncated_logs),
        cmocka_unit_test(test_flipped_logs),
        cmocka_unit_test(test_damaged_old_log),
        cmocka_unit_test(test_hostile_entries),
        cmocka_unit_test(test_growth_dummy_bins),
        cmocka_unit_test(test_api_rules),
    };
    const struct CMUnitTest corpus[] = {
        cmocka_unit_test(test_bad_base_block),
        cmocka_unit_test(test_bad_logs_refused),
        cmocka_unit_test(test_system_b_growth),
        cmocka_unit_test(test_real_hives),
        cmocka_unit_test(test_order_by_sequence),
        cmocka_unit_test(test_system_b_damaged),
        cmocka_unit_test(test_api_rules_corpus),
    };
    return TU_MAIN(core, corpus, NULL, NULL);
}
