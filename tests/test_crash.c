/* test_crash.c - crash safety of regf_commit through the I/O seam of
 * commit.c (struct regf_io, regf__hive_set_io).
 *
 * For each scenario, a successful run first counts the seam calls that
 * change files (write, fchmod, fsync, close, rename, link; unlink is the
 * clean-up and is not a failure point). Then for every N from 1 to that
 * count, from a fresh copy of the files:
 *  - FAIL: call N fails with EIO, the others work. The operation must
 *    report an error with a message, every target file must be byte for
 *    byte its old or its new content, and no temporary file may be left.
 *  - CRASH: the process "stops" at call N: a write there writes only half
 *    its bytes, and that call and every later one (unlink included) does
 *    nothing and fails. Every target must be old or new; temporary files
 *    may be left behind and must not disturb the next run, which brings
 *    every target that is still old to the new content.
 * Targets are committed in order (inject: SYSTEM, then SOFTWARE), so a
 * later one is never new while an earlier one is old. Recovery: the logs
 * are reset (as `hivekit recover` does) only after the commit succeeded;
 * a recovered hive beside its stale logs opens clean and is not replayed
 * again (docs/format.md §12.3). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regf_int.h"
#include "testutil.h"

#define T0 0x01D9A1B2C3D4E5F0ull   /* fixed FILETIME: the new bytes repeat */

/* ---- the faulty I/O ------------------------------------------------------- */

enum { COUNT, FAIL, CRASH };

struct fio {
    int mode;
    long n;          /* the call that fails (FAIL) or where it stops (CRASH) */
    long calls;      /* counted calls so far */
    int crashed;
};

/* 1 when this call must do nothing and fail (errno EIO). *NOW is set when
 * it is the very call of the crash. */
static int stop(struct fio *f, int *now)
{
    if (now)
        *now = 0;
    if (f->crashed) {
        errno = EIO;
        return 1;
    }
    f->calls++;
    if (f->mode != COUNT && f->calls == f->n) {
        if (f->mode == CRASH) {
            f->crashed = 1;
            if (now)
                *now = 1;
        }
        errno = EIO;
        return 1;
    }
    return 0;
}

static ssize_t f_write(void *ctx, int fd, const void *buf, size_t n)
{
    int now;
    if (stop(ctx, &now)) {
        if (now && n > 1)     /* a torn write */
            (void)!write(fd, buf, n / 2);
        errno = EIO;
        return -1;
    }
    /* Short writes, so big images take several calls. */
    return write(fd, buf, n > (1u << 20) ? (1u << 20) : n);
}
static int f_fchmod(void *ctx, int fd, mode_t mode)
{
    return stop(ctx, NULL) ? -1 : fchmod(fd, mode);
}
static int f_fsync(void *ctx, int fd)
{
    return stop(ctx, NULL) ? -1 : fsync(fd);
}
static int f_close(void *ctx, int fd)
{
    if (stop(ctx, NULL)) {
        close(fd);      /* the descriptor goes away in any case */
        errno = EIO;
        return -1;
    }
    return close(fd);
}
static ssize_t f_pwrite(void *ctx, int fd, const void *buf, size_t n,
                        uint64_t off)
{
    int now;
    if (stop(ctx, &now)) {
        if (now && n > 1)     /* a torn write */
            (void)!pwrite(fd, buf, n / 2, (off_t)off);
        errno = EIO;
        return -1;
    }
    return pwrite(fd, buf, n > (1u << 20) ? (1u << 20) : n, (off_t)off);
}
static int f_ftruncate(void *ctx, int fd, uint64_t len)
{
    return stop(ctx, NULL) ? -1 : ftruncate(fd, (off_t)len);
}
static int f_renameat(void *ctx, int da, const char *a, int db,
                      const char *b)
{
    return stop(ctx, NULL) ? -1 : renameat(da, a, db, b);
}
static int f_linkat(void *ctx, int da, const char *a, int db, const char *b)
{
    return stop(ctx, NULL) ? -1 : linkat(da, a, db, b, 0);
}
static int f_unlinkat(void *ctx, int d, const char *p)
{
    struct fio *f = ctx;
    if (f->crashed) {
        errno = EIO;
        return -1;
    }
    return unlinkat(d, p, 0);
}

/* Sets F (NULL: plain POSIX) on H; IO is the caller's storage. */
static void set_io(regf_hive *h, struct fio *f, struct regf_io *io)
{
    if (!f) {
        regf__hive_set_io(h, NULL);
        return;
    }
    *io = (struct regf_io){ f, f_write, f_fchmod, f_fsync, f_close,
                            f_renameat, f_linkat, f_unlinkat, f_pwrite,
                            f_ftruncate };
    regf__hive_set_io(h, io);
}

/* ---- files ----------------------------------------------------------------- */

/* Temporary files of regf_commit and of its backup in DIR. */
static int temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".hivekit-") || strstr(e->d_name, ".tmp-"))
            n++;
    closedir(d);
    return n;
}

struct blob {
    uint8_t *p;      /* NULL: no such file */
    size_t len;
};

static struct blob slurp(const char *dir, const char *name)
{
    struct blob b = { NULL, 0 };
    char *p = tu_path(dir, name);
    struct stat st;
    if (stat(p, &st) == 0)
        b.p = tu_read_file(p, &b.len);
    free(p);
    return b;
}

static int same(struct blob a, struct blob b)
{
    if (!a.p || !b.p)
        return !a.p && !b.p;
    return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static void put_file(const char *dir, const char *name, struct blob b)
{
    char *p = tu_path(dir, name);
    tu_write_file(p, b.p, b.len);
    free(p);
}

/* ---- scenarios -------------------------------------------------------------- */

#define MAXT 2

struct scen {
    const char *name;
    const char *target[MAXT];   /* files in commit order */
    int ntarget;
    const char *src[MAXT];      /* their sources under fixtures/ (.xz ok) */
    unsigned flags;
    int recover;                /* a dirty hive with .LOG1/.LOG2 */
    int is_new;                 /* REGF_COMMIT_NEW: the target is absent */
};

/* Set up and filled in by drive(). */
static struct blob g_src[MAXT], g_old[MAXT], g_new[MAXT], g_logs[2];
static char g_msg[600];
static long g_dirty;            /* targets found dirty and replayed */

static void edit(regf_hive *h)
{
    regf_key k;
    uint8_t data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    if (regf_key_create_path(h, 0, "HivekitCrash\\Test", &k) != REGF_OK)
        fail_msg("%s", regf_errmsg(h));
    assert_int_equal(regf_value_set(h, k, "Data", 4, REGF_BINARY, data,
                                    sizeof data), REGF_OK);
    assert_int_equal(regf_value_set(h, k, "Small", 5, REGF_BINARY, "abc", 3),
                     REGF_OK);
}

static void setup(const struct scen *s, const char *dir)
{
    for (int i = 0; i < s->ntarget; i++)
        if (!s->is_new)
            put_file(dir, s->target[i], g_src[i]);
    if (s->recover) {
        put_file(dir, "NewDirtyHive.LOG1", g_logs[0]);
        put_file(dir, "NewDirtyHive.LOG2", g_logs[1]);
    }
}

/* `hivekit recover`'s last step, after the commit succeeded. */
static void reset_logs(const char *dir)
{
    for (int i = 1; i <= 2; i++) {
        char name[32];
        snprintf(name, sizeof name, "NewDirtyHive.LOG%d", i);
        char *p = tu_path(dir, name);
        assert_int_equal(truncate(p, 0), 0);
        free(p);
    }
}

/* Runs the operation on the targets in MASK, through F (NULL: POSIX).
 * Stops at the first failure, as the commands do; its message goes to
 * g_msg. */
static int run(const struct scen *s, const char *dir, struct fio *f,
               unsigned mask)
{
    g_msg[0] = 0;
    for (int i = 0; i < s->ntarget; i++) {
        if (!(mask & (1u << i)))
            continue;
        char *p = tu_path(dir, s->target[i]);
        regf_hive *h = NULL;
        if (s->is_new) {
            assert_int_equal(regf_open_mem(g_src[i].p, g_src[i].len,
                                           s->target[i], REGF_OPEN_WRITE, &h),
                             REGF_OK);
        } else if (regf_open(p, REGF_OPEN_WRITE, &h) != REGF_OK) {
            fail_msg("%s: %s", p, regf_errmsg(h));
        }
        regf_set_time(h, T0);
        if (s->recover) {
            struct regf_recovery r;
            assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
            assert_int_equal(r.state, REGF_RECOVERY_DONE);
        } else {
            edit(h);
        }
        struct regf_io io;
        set_io(h, f, &io);
        int rc = regf_commit(h, p, s->flags);
        if (rc != REGF_OK) {
            snprintf(g_msg, sizeof g_msg, "%s", regf_errmsg(h));
            regf_close(h);
            free(p);
            return rc;
        }
        regf_close(h);
        free(p);
        if (s->recover)
            reset_logs(dir);
    }
    return REGF_OK;
}

/* ---- an independent replay of the journaled commit's log -------------------
 *
 * Written here from the format (docs/format.md §12), sharing nothing with
 * the library: Marvin32, the log base block, HvLE entries and the old
 * format's DIRT bitmap. */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}
static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t rotl(uint32_t x, int n) { return x << n | x >> (32 - n); }
static void mix(uint32_t *lo, uint32_t *hi, uint32_t v)
{
    *lo += v; *hi ^= *lo; *lo = rotl(*lo, 20) + *hi;
    *hi = rotl(*hi, 9) ^ *lo; *lo = rotl(*lo, 27) + *hi; *hi = rotl(*hi, 19);
}
static uint64_t marvin(const uint8_t *p, size_t n)
{
    uint32_t lo = 0x7A4E55C5u, hi = 0x82EF4D88u, fin = 0x80;
    for (; n >= 4; p += 4, n -= 4)
        mix(&lo, &hi, rd32(p));
    for (size_t k = n; k-- > 0;)
        fin = fin << 8 | p[k];
    mix(&lo, &hi, fin);
    mix(&lo, &hi, 0);
    return (uint64_t)hi << 32 | lo;
}
static uint32_t xsum(const uint8_t *bb)
{
    uint32_t c = 0;
    for (int i = 0; i < 127; i++)
        c ^= rd32(bb + 4 * i);
    return c == 0xFFFFFFFFu ? 0xFFFFFFFEu : c == 0 ? 1 : c;
}

/* The dirty primary P replayed from LOG as Windows does; .p NULL when the
 * log does not apply. */
static struct blob own_replay(struct blob p, struct blob log)
{
    struct blob r = { NULL, 0 };
    if (!p.p || !log.p || p.len < 4096 || log.len < 512 ||
        memcmp(log.p, "regf", 4) != 0 || rd32(log.p + 4) != rd32(log.p + 8) ||
        xsum(log.p) != rd32(log.p + 508) || rd64(log.p + 12) != rd64(p.p + 12))
        return r;
    uint32_t type = rd32(log.p + 28), len = rd32(log.p + 40), seq = rd32(log.p + 4);
    uint32_t last = 0, flags = rd32(p.p + 144);
    size_t need = 4096 + (size_t)len;
    r.len = p.len > need ? p.len : need;
    r.p = calloc(1, r.len);
    assert_non_null(r.p);
    memcpy(r.p, p.p, p.len);
    int applied = 0;
    if (type == 6) {
        for (size_t pos = 512; pos + 40 <= log.len; seq++) {
            const uint8_t *e = log.p + pos;
            uint32_t size = rd32(e + 4), n = rd32(e + 20);
            if (memcmp(e, "HvLE", 4) != 0 || size < 512 || size % 512 ||
                size > log.len - pos || rd32(e + 12) != seq ||
                marvin(e, 32) != rd64(e + 32) ||
                marvin(e + 40, size - 40) != rd64(e + 24))
                break;
            len = rd32(e + 16);
            const uint8_t *data = e + 40 + 8 * (size_t)n;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t off = rd32(e + 40 + 8 * i), sz = rd32(e + 44 + 8 * i);
                assert_true(4096 + (size_t)off + sz <= r.len);
                memcpy(r.p + 4096 + off, data, sz);
                data += sz;
            }
            flags = (flags & ~1u) | (rd32(e + 8) & 1u);
            last = seq;
            applied++;
            pos += size;
        }
    } else if (type == 1 && log.len >= 516 && memcmp(log.p + 512, "DIRT", 4) == 0) {
        size_t bytes = len / 512 / 8, data = (516 + bytes + 511) / 512 * 512;
        for (size_t i = 0; i < (size_t)len / 512; i++)
            if (log.p[516 + i / 8] >> (i % 8) & 1) {
                assert_true(data + 512 <= log.len);
                memcpy(r.p + 4096 + 512 * i, log.p + data, 512);
                data += 512;
                applied++;
            }
        last = rd32(p.p + 4);
    }
    if (!applied) {
        free(r.p);
        r.p = NULL;
        return r;
    }
    wr32(r.p + 4, last);
    wr32(r.p + 8, last);
    wr32(r.p + 28, 0);
    wr32(r.p + 40, len);
    wr32(r.p + 144, flags);
    wr32(r.p + 508, xsum(r.p));
    return r;
}

/* A journaled target stopped after its primary was marked dirty: both the
 * replay above and the library's recovery must give exactly NEW; then the
 * file is completed as Windows would at boot. Returns 1 when it was such a
 * target. */
static int dirty_target(const struct scen *s, const char *dir, int i,
                        struct blob b, const char *what, long n)
{
    if (!b.p || b.len < 4096 || rd32(b.p + 4) == rd32(b.p + 8))
        return 0;
    char logname[64];
    snprintf(logname, sizeof logname, "%s.LOG1", s->target[i]);
    struct blob log = slurp(dir, logname);
    struct blob own = own_replay(b, log);
    if (!same(own, g_new[i]))
        fail_msg("%s: %s at call %ld: %s is dirty and its log does not replay "
                 "(independent replay) to the new file", s->name, what, n,
                 s->target[i]);
    char *p = tu_path(dir, s->target[i]);
    regf_hive *h = NULL;
    int rc = regf_open(p, REGF_OPEN_WRITE, &h);
    if (rc == REGF_OK || rc == REGF_EDIRTY)
        rc = regf_recover(h, NULL, 0, NULL);
    if (rc != REGF_OK)
        fail_msg("%s: %s at call %ld: %s: %s", s->name, what, n, s->target[i],
                 regf_errmsg(h));
    size_t hl = REGF_BASE_SIZE + h->bins_size;
    if (hl > g_new[i].len || memcmp(h->image, g_new[i].p, hl) != 0)
        fail_msg("%s: %s at call %ld: hivekit's recovery of %s is not the new "
                 "hive", s->name, what, n, s->target[i]);
    regf_close(h);
    /* As Windows at boot: the replayed file, the log emptied. */
    tu_write_file(p, own.p, own.len);
    char *lp = tu_path(dir, logname);
    assert_int_equal(truncate(lp, 0), 0);
    free(lp);
    free(p);
    free(own.p);
    free(log.p);
    return 1;
}

/* After a failure or a crash: each target old or new, in commit order.
 * Returns the mask of targets that are still old. */
static unsigned check_state(const struct scen *s, const char *dir,
                            const char *what, long n)
{
    unsigned old = 0;
    int seen_old = 0;
    for (int i = 0; i < s->ntarget; i++) {
        struct blob b = slurp(dir, s->target[i]);
        int is_old = same(b, g_old[i]), is_new = same(b, g_new[i]);
        if (!is_old && !is_new && !(s->flags & REGF_COMMIT_REPLACE) &&
            dirty_target(s, dir, i, b, what, n))
            is_new = 1, g_dirty++;
        if (!is_old && !is_new)
            fail_msg("%s: %s at call %ld: %s is neither the old nor the new "
                     "file (%zu bytes)", s->name, what, n, s->target[i],
                     b.len);
        if (is_new && seen_old)
            fail_msg("%s: %s at call %ld: %s written although an earlier "
                     "hive was not", s->name, what, n, s->target[i]);
        if (is_old) {
            old |= 1u << i;
            seen_old = 1;
        }
        free(b.p);
        /* A backup, when there is one, is the complete old file. */
        if (s->flags & REGF_COMMIT_BACKUP) {
            char bak[64];
            snprintf(bak, sizeof bak, "%s.bak", s->target[i]);
            struct blob k = slurp(dir, bak);
            if (k.p && !same(k, g_old[i]))
                fail_msg("%s: %s at call %ld: %s is not the old file",
                         s->name, what, n, bak);
            free(k.p);
        }
    }
    if (s->recover) {
        /* The logs are untouched: only a successful commit resets them. */
        struct blob l1 = slurp(dir, "NewDirtyHive.LOG1");
        struct blob l2 = slurp(dir, "NewDirtyHive.LOG2");
        if (!same(l1, g_logs[0]) || !same(l2, g_logs[1]))
            fail_msg("%s: %s at call %ld: the logs were changed although "
                     "the commit failed", s->name, what, n);
        free(l1.p), free(l2.p);
        if (!(old & 1)) {
            /* Recovered hive, stale logs: it opens clean, and recovery
             * ignores the logs. */
            char *p = tu_path(dir, s->target[0]);
            regf_hive *h = NULL;
            assert_int_equal(regf_open(p, REGF_OPEN_WRITE, &h), REGF_OK);
            struct regf_info in;
            regf_get_info(h, &in);
            assert_false(in.dirty);
            struct regf_recovery r;
            assert_int_equal(regf_recover(h, NULL, 0, &r), REGF_OK);
            assert_int_equal(r.state, REGF_RECOVERY_CLEAN);
            assert_false(regf_modified(h));
            regf_close(h);
            free(p);
        }
    }
    return old;
}

static void drive(const struct scen *s)
{
    for (int i = 0; i < s->ntarget; i++) {
        char *src = tu_fixture(s->src[i]);
        g_src[i].p = tu_read_file(src, &g_src[i].len);
        free(src);
    }
    if (s->recover) {
        for (int i = 0; i < 2; i++) {
            char rel[128];
            snprintf(rel, sizeof rel,
                     "hives/yarp/NewDirtyHive1/NewDirtyHive.LOG%d.xz", i + 1);
            char *src = tu_fixture(rel);
            g_logs[i].p = tu_read_file(src, &g_logs[i].len);
            free(src);
        }
    }

    /* The successful run: the old and new files, and the calls. */
    char *dir = tu_tmp_dir("crash");
    setup(s, dir);
    for (int i = 0; i < s->ntarget; i++)
        g_old[i] = slurp(dir, s->target[i]);
    struct fio f = { COUNT, 0, 0, 0 };
    unsigned all = (1u << s->ntarget) - 1;
    assert_int_equal(run(s, dir, &f, all), REGF_OK);
    for (int i = 0; i < s->ntarget; i++) {
        g_new[i] = slurp(dir, s->target[i]);
        assert_non_null(g_new[i].p);
        assert_false(same(g_new[i], g_old[i]));
    }
    assert_int_equal(temp_files(dir), 0);
    tu_rm_dir(dir);
    long total = f.calls;
    assert_true(total >= 5);

    for (int mode = FAIL; mode <= CRASH; mode++) {
        const char *what = mode == FAIL ? "failure" : "crash";
        for (long n = 1; n <= total; n++) {
            dir = tu_tmp_dir("crash");
            setup(s, dir);
            f = (struct fio){ mode, n, 0, 0 };
            int rc = run(s, dir, &f, all);
            if (rc == REGF_OK || !g_msg[0])
                fail_msg("%s: %s at call %ld: status %d, message '%s'",
                         s->name, what, n, rc, g_msg);
            if (mode == FAIL && !strstr(g_msg, "I/O error") &&
                !strstr(g_msg, strerror(EIO)))
                fail_msg("%s: failure at call %ld: message without the "
                         "cause: %s", s->name, n, g_msg);
            unsigned old = check_state(s, dir, what, n);
            int temps = temp_files(dir);
            if (mode == FAIL && temps != 0)
                fail_msg("%s: failure at call %ld: %d temporary files left",
                         s->name, n, temps);
            /* The next run, beside whatever the crash left, completes. */
            assert_int_equal(run(s, dir, NULL, old), REGF_OK);
            for (int i = 0; i < s->ntarget; i++) {
                struct blob b = slurp(dir, s->target[i]);
                if (!same(b, g_new[i]))
                    fail_msg("%s: after the %s at call %ld, the next run did "
                             "not write %s as expected", s->name, what, n,
                             s->target[i]);
                free(b.p);
            }
            assert_int_equal(temp_files(dir), temps);
            tu_rm_dir(dir);
        }
    }
    print_message("%s: %ld failure points, each failed and crashed; %ld "
                  "times a hive was left dirty and its log replayed to the new "
                  "one\n", s->name, total, g_dirty);
    g_dirty = 0;

    for (int i = 0; i < s->ntarget; i++) {
        free(g_src[i].p), free(g_old[i].p), free(g_new[i].p);
        g_src[i].p = g_old[i].p = g_new[i].p = NULL;
    }
    for (int i = 0; i < 2; i++) {
        free(g_logs[i].p);
        g_logs[i].p = NULL;
    }
}

/* ---- tests --------------------------------------------------------------------- */

static void test_commit_small(void **state)
{
    (void)state;
    static const struct scen s = {
        "small hive (replace)", { "minimal" }, 1, { "hives/minimal" },
        REGF_COMMIT_REPLACE, 0, 0
    };
    drive(&s);
    static const struct scen j = {
        "small hive (journaled, old-format log)", { "minimal" }, 1,
        { "hives/minimal" }, 0, 0, 0
    };
    drive(&j);
}

static void test_commit_backup(void **state)
{
    (void)state;
    static const struct scen s = {
        "small hive with backup", { "minimal" }, 1, { "hives/minimal" },
        REGF_COMMIT_BACKUP | REGF_COMMIT_REPLACE, 0, 0
    };
    drive(&s);
}

static void test_commit_new(void **state)
{
    (void)state;
    static const struct scen s = {
        "new hive (link)", { "NEWHIVE" }, 1, { "hives/minimal" },
        REGF_COMMIT_NEW, 0, 1
    };
    drive(&s);
}

static void test_commit_system(void **state)
{
    (void)state;
    static const struct scen s = {
        "real SYSTEM (replace)", { "SYSTEM" }, 1,
        { "hives/SYSTEM-win10-20H2.xz" }, REGF_COMMIT_REPLACE, 0, 0
    };
    drive(&s);
    static const struct scen j = {
        "real SYSTEM (journaled)", { "SYSTEM" }, 1,
        { "hives/SYSTEM-win10-20H2.xz" }, 0, 0, 0
    };
    drive(&j);
}

static void test_recover(void **state)
{
    (void)state;
    static const struct scen s = {
        "recover", { "NewDirtyHive" }, 1,
        { "hives/yarp/NewDirtyHive1/NewDirtyHive.xz" }, REGF_COMMIT_REPLACE, 1, 0
    };
    drive(&s);
}

static void test_inject_two(void **state)
{
    (void)state;
    static const struct scen s = {
        "inject SYSTEM+SOFTWARE", { "SYSTEM", "SOFTWARE" }, 2,
        { "hives/SYSTEM-win10-20H2.xz", "hives/minimal" }, REGF_COMMIT_REPLACE, 0, 0
    };
    drive(&s);
    static const struct scen j = {
        "inject SYSTEM+SOFTWARE (journaled)", { "SYSTEM", "SOFTWARE" }, 2,
        { "hives/SYSTEM-win10-20H2.xz", "hives/minimal" }, 0, 0, 0
    };
    drive(&j);
}

/* The default (no seam) and a seam whose calls all work give the same
 * bytes: the seam changes nothing on its own. */
static void test_seam_neutral(void **state)
{
    (void)state;
    char *src = tu_fixture("hives/minimal");
    size_t len;
    uint8_t *img = tu_read_file(src, &len);
    free(src);
    char *dir = tu_tmp_dir("crash");
    struct blob out[2];
    for (int k = 0; k < 2; k++) {
        regf_hive *h = NULL;
        assert_int_equal(regf_open_mem(img, len, "m", REGF_OPEN_WRITE, &h),
                         REGF_OK);
        regf_set_time(h, T0);
        edit(h);
        struct fio f = { COUNT, 0, 0, 0 };
        struct regf_io io;
        set_io(h, k ? &f : NULL, &io);
        char *p = tu_path(dir, k ? "b" : "a");
        assert_int_equal(regf_commit(h, p, REGF_COMMIT_NEW), REGF_OK);
        free(p);
        regf_close(h);
        out[k] = slurp(dir, k ? "b" : "a");
    }
    /* Only FileName (the base name) differs: compare past it. */
    assert_int_equal(out[0].len, out[1].len);
    assert_memory_equal(out[0].p + 512, out[1].p + 512, out[0].len - 512);
    free(out[0].p), free(out[1].p), free(img);
    tu_rm_dir(dir);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seam_neutral),
        cmocka_unit_test(test_commit_small),
        cmocka_unit_test(test_commit_backup),
        cmocka_unit_test(test_commit_new),
        cmocka_unit_test(test_commit_system),
        cmocka_unit_test(test_recover),
        cmocka_unit_test(test_inject_two),
    };
    return TU_MAIN_CORE(tests, NULL, NULL);
}
