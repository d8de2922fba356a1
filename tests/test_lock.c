/* test_lock.c - safe opening, size limits and locks of the library
 * (src/regf/file.c, docs/locking.md):
 *  - a FIFO, a device, a socket, a directory or a symbolic link given as
 *    the hive, or lying where its log is, is refused at once with a
 *    message saying what it is (an alarm fails the test if a call hangs);
 *  - a 10 GiB sparse file, and a base block declaring more than
 *    REGF_MAX_HIVE_SIZE, are refused before anything is read;
 *  - the lock: a second writer and a reader are refused (REGF_EBUSY) while
 *    a writer holds the hive, a writer while a reader does; the lock stays
 *    through an in-place commit and moves to the new file of a
 *    replace-mode commit.
 * The expectations are the documented messages and statuses; what is on
 * disk afterwards is read back with a fresh handle. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "test_lock: a call blocked (alarm)\n";
    (void)!write(2, m, sizeof m - 1);
    _exit(1);
}

/* A fresh directory holding a copy of fixtures' minimal hive as "h". */
static char *hive_dir(int *dirfd)
{
    char *dir = tu_tmp_dir("lock");
    char *src = tu_fixture("hives/minimal");
    char *dst = tu_path(dir, "h");
    tu_copy_file(src, dst);
    free(src);
    free(dst);
    *dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(*dirfd >= 0);
    return dir;
}

/* regf_open_at(DIRFD, NAME, FLAGS) fails with STATUS and a message that
 * names NAME and contains WANT. */
static void open_fails(int dirfd, const char *name, unsigned flags,
                       int status, const char *want)
{
    regf_hive *h = NULL;
    alarm(5);
    int rc = regf_open_at(dirfd, name, flags, &h);
    alarm(0);
    if (rc != status || !strstr(regf_errmsg(h), want) ||
        strncmp(regf_errmsg(h), name, strlen(name)) != 0)
        fail_msg("regf_open_at(%s) = %d '%s'; want %d '%s'", name, rc,
                 regf_errmsg(h), status, want);
    regf_close(h);
}

static void test_special_files(void **state)
{
    (void)state;
    int dfd;
    char *dir = hive_dir(&dfd);
    assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
    assert_int_equal(mkdirat(dfd, "sub", 0700), 0);
    assert_int_equal(symlinkat("h", dfd, "link"), 0);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    char *sp = tu_path(dir, "sock");
    if (strlen(sp) < sizeof sa.sun_path) {
        strcpy(sa.sun_path, sp);
        assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
        open_fails(dfd, "sock", 0, REGF_EIO, ": not a regular file (a socket)");
    }
    close(s);
    free(sp);

    open_fails(dfd, "fifo", 0, REGF_EIO, ": not a regular file (a FIFO)");
    open_fails(dfd, "fifo", REGF_OPEN_WRITE, REGF_EIO,
               ": not a regular file (a FIFO)");
    open_fails(dfd, "sub", 0, REGF_EIO, ": not a regular file (a directory)");
    open_fails(dfd, "link", 0, REGF_EIO, ": is a symbolic link; not followed");
    open_fails(dfd, "link", REGF_OPEN_WRITE, REGF_EIO,
               ": is a symbolic link; not followed");
    regf_hive *h = NULL;
    assert_int_equal(regf_open_at(dfd, "sub/h", 0, &h), REGF_EINVAL);
    regf_close(h);

    int dev = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dev >= 0);
    open_fails(dev, "null", 0, REGF_EIO, ": not a regular file (a device)");
    close(dev);

    /* regf_open follows a link the caller names (once), and reads the
     * same FIFO check as the _at form. */
    char *lp = tu_path(dir, "link"), *fp = tu_path(dir, "fifo");
    h = NULL;
    assert_int_equal(regf_open(lp, 0, &h), REGF_OK);
    regf_close(h);
    h = NULL;
    alarm(5);
    assert_int_equal(regf_open(fp, 0, &h), REGF_EIO);
    alarm(0);
    assert_non_null(strstr(regf_errmsg(h), "not a regular file (a FIFO)"));
    regf_close(h);
    free(lp);
    free(fp);
    close(dfd);
    tu_rm_dir(dir);
}

/* A FIFO where a log lies: listed as invalid, never opened for a blocking
 * read; a commit that would write that log fails instead of hanging. */
static void test_fifo_log(void **state)
{
    (void)state;
    int dfd;
    char *dir = hive_dir(&dfd);
    assert_int_equal(mkfifoat(dfd, "h.LOG1", 0600), 0);
    assert_int_equal(symlinkat("/etc/passwd", dfd, "h.LOG2"), 0);
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    alarm(5);
    assert_int_equal(regf_find_logs_at(dfd, "h", logs, REGF_MAX_LOGS, &n),
                     REGF_OK);
    alarm(0);
    assert_int_equal(n, 2);
    assert_string_equal(logs[0].path, "h.LOG1");
    assert_int_equal(logs[0].verdict, REGF_LOG_INVALID);
    assert_non_null(strstr(logs[0].why, "not a regular file (a FIFO)"));
    assert_string_equal(logs[1].path, "h.LOG2");
    assert_int_equal(logs[1].verdict, REGF_LOG_INVALID);
    assert_non_null(strstr(logs[1].why, "is a symbolic link; not followed"));

    regf_hive *h = NULL;
    assert_int_equal(regf_open_at(dfd, "h", REGF_OPEN_WRITE, &h), REGF_OK);
    regf_key root;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_value_set_dword(h, root, "x", 1, REGF_DWORD, 7),
                     REGF_OK);
    alarm(5);
    assert_int_equal(regf_commit(h, NULL, 0), REGF_EIO);
    alarm(0);
    assert_non_null(strstr(regf_errmsg(h), "h.LOG1: not a regular file"));
    regf_close(h);
    close(dfd);
    tu_rm_dir(dir);
}

/* Files too large are refused before they are read: a 10 GiB hole, and a
 * sound base block declaring 1.5 GiB of bins. */
static void test_size_limits(void **state)
{
    (void)state;
    int dfd;
    char *dir = hive_dir(&dfd);
    int fd = openat(dfd, "big", O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    if (ftruncate(fd, (off_t)10 << 30) != 0) {
        print_message("ftruncate 10 GiB: %s: not tried\n", strerror(errno));
    } else {
        double t0 = tu_now();
        open_fails(dfd, "big", 0, REGF_ELIMIT, "10737418240 bytes without a "
                   "sound base block: larger than the limit of 1073741824");
        open_fails(dfd, "big", REGF_OPEN_WRITE, REGF_ELIMIT, "larger than");
        print_message("10 GiB sparse file refused twice in %.3f s\n",
                      tu_now() - t0);
    }
    close(fd);

    /* The minimal hive's base block with Length 0x60000000 and its
     * checksum fixed: sound, but more than the limit. */
    char *hp = tu_path(dir, "h");
    size_t len;
    uint8_t *img = tu_read_file(hp, &len);
    uint32_t length = 0x60000000u;
    for (int i = 0; i < 4; i++)
        img[40 + i] = (uint8_t)(length >> (8 * i));
    uint32_t x = 0;
    for (int i = 0; i < 508; i += 4)
        x ^= (uint32_t)img[i] | (uint32_t)img[i + 1] << 8 |
             (uint32_t)img[i + 2] << 16 | (uint32_t)img[i + 3] << 24;
    for (int i = 0; i < 4; i++)
        img[508 + i] = (uint8_t)(x >> (8 * i));
    char *lp = tu_path(dir, "long");
    tu_write_file(lp, img, len);
    open_fails(dfd, "long", 0, REGF_ELIMIT, "the base block declares "
               "1610612736 bytes of hive bins: more than the limit");
    free(img);
    free(hp);
    free(lp);
    close(dfd);
    tu_rm_dir(dir);
}

static void set_value(regf_hive *h, const char *name, uint32_t v)
{
    regf_key root;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    assert_int_equal(regf_value_set_dword(h, root, name, strlen(name),
                                          REGF_DWORD, v), REGF_OK);
}

/* The value NAME of the hive's root as it is on disk now. */
static uint32_t disk_value(int dfd, const char *name)
{
    regf_hive *h = NULL;
    int rc = regf_open_at(dfd, "h", 0, &h);
    if (rc != REGF_OK)
        fail_msg("reopen: %d %s", rc, regf_errmsg(h));
    regf_key root;
    regf_val v;
    uint32_t d = 0;
    assert_int_equal(regf_root(h, &root), REGF_OK);
    if (regf_value_lookup(h, root, name, &v) == REGF_OK)
        assert_int_equal(regf_value_dword(h, v, &d), REGF_OK);
    regf_close(h);
    return d;
}

static void test_lock_writers_readers(void **state)
{
    (void)state;
    int dfd;
    char *dir = hive_dir(&dfd);
    regf_hive *w = NULL, *r = NULL;
    assert_int_equal(regf_open_at(dfd, "h", REGF_OPEN_WRITE, &w), REGF_OK);
    open_fails(dfd, "h", REGF_OPEN_WRITE, REGF_EBUSY,
               "h: is being written by another process");
    open_fails(dfd, "h", 0, REGF_EBUSY,
               "h: is being written by another process");
    /* The path form takes the same lock. */
    char *hp = tu_path(dir, "h");
    regf_hive *p = NULL;
    assert_int_equal(regf_open(hp, 0, &p), REGF_EBUSY);
    regf_close(p);

    /* Held through the in-place commit, and the commit is on disk. */
    set_value(w, "a", 1);
    assert_int_equal(regf_commit(w, NULL, 0), REGF_OK);
    struct regf_commit_stats cs;
    assert_int_equal(regf_commit_stats(w, &cs), REGF_OK);
    assert_int_equal(cs.in_place, 1);
    open_fails(dfd, "h", REGF_OPEN_WRITE, REGF_EBUSY, "being written");
    set_value(w, "b", 2);
    assert_int_equal(regf_commit(w, hp, 0), REGF_OK);   /* by its name */
    regf_close(w);

    /* Readers share; a writer waits for them. */
    assert_int_equal(regf_open_at(dfd, "h", 0, &r), REGF_OK);
    assert_int_equal(disk_value(dfd, "a"), 1);
    assert_int_equal(disk_value(dfd, "b"), 2);
    open_fails(dfd, "h", REGF_OPEN_WRITE, REGF_EBUSY,
               "h: is being read by another process");
    regf_close(r);
    assert_int_equal(regf_open_at(dfd, "h", REGF_OPEN_WRITE, &w), REGF_OK);
    regf_close(w);
    free(hp);
    close(dfd);
    tu_rm_dir(dir);
}

/* A replace-mode commit: the new file is locked before it takes the name,
 * and the handle keeps that lock, so a waiter never edits the new file
 * while its writer still holds it, nor the old, unlinked one. */
static void test_lock_replace(void **state)
{
    (void)state;
    int dfd;
    char *dir = hive_dir(&dfd);
    struct stat before, after;
    assert_int_equal(fstatat(dfd, "h", &before, 0), 0);
    regf_hive *w = NULL;
    assert_int_equal(regf_open_at(dfd, "h", REGF_OPEN_WRITE, &w), REGF_OK);
    set_value(w, "r", 5);
    assert_int_equal(regf_commit(w, NULL, REGF_COMMIT_REPLACE), REGF_OK);
    assert_int_equal(fstatat(dfd, "h", &after, 0), 0);
    assert_true(after.st_ino != before.st_ino);        /* a new file */
    open_fails(dfd, "h", REGF_OPEN_WRITE, REGF_EBUSY, "being written");
    open_fails(dfd, "h", 0, REGF_EBUSY, "being written");
    /* Still the handle's file: a second commit, in place, through it. */
    set_value(w, "s", 6);
    assert_int_equal(regf_commit(w, NULL, 0), REGF_OK);
    regf_close(w);
    assert_int_equal(disk_value(dfd, "r"), 5);
    assert_int_equal(disk_value(dfd, "s"), 6);
    /* No temporary file left beside it. */
    assert_int_equal(tu_dir_entries(dir), 1);
    close(dfd);
    tu_rm_dir(dir);
}

int main(int argc, char **argv)
{
    signal(SIGALRM, on_alarm);
    const struct CMUnitTest core[] = {
        cmocka_unit_test(test_special_files),
        cmocka_unit_test(test_fifo_log),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_lock_writers_readers),
        cmocka_unit_test(test_lock_replace),
    };
    return TU_MAIN_CORE(core, NULL, NULL);
}
