/* test_root_path.c - the resolver of paths below --root (src/cli/root_path.c)
 * on trees built here: names in any case, links inside the root followed,
 * links out of it (absolute, or ".." above it) refused with the link and
 * its target named, loops and the 40-link limit (Linux's own MAXSYMLINKS,
 * the oracle for both paths), special files, a mount below the root. Every
 * case runs with openat2 and with the walk that replaces it
 * (HIVEKIT_TEST_NO_OPENAT2=1): both must give the same answer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "root_path.h"

static char top[256], rootdir[300];

/* mkdir TOP/REL */
static void mk(const char *rel)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", top, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void lnk(const char *target, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", rootdir, name);
    assert_int_equal(symlink(target, p), 0);
}

static void file(const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", rootdir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
}

/* N links: P0 -> P1 -> ... -> P<N-1> -> A */
static void chain(const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char t[32], name[32];
        snprintf(name, sizeof name, "%s%d", prefix, i);
        if (i == n - 1)
            snprintf(t, sizeof t, "A");
        else
            snprintf(t, sizeof t, "%s%d", prefix, i + 1);
        lnk(t, name);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(top, sizeof top, "%s/hivekit-rp.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(top))
        return -1;
    snprintf(rootdir, sizeof rootdir, "%s/root", top);
    mk("root");
    mk("outside");
    mk("root/A");
    mk("root/A/b");
    mk("root/A/b/c");
    mk("root/Dup");
    mk("root/dup");
    file("A/b/file.txt");
    char p[1024];
    snprintf(p, sizeof p, "%s/outside/secret", top);
    close(open(p, O_WRONLY | O_CREAT, 0644));
    lnk("A/b", "L");                        /* inside, relative */
    lnk("../A/b", "A/up");                  /* inside, with .. */
    lnk("../outside", "esc");               /* .. above the root */
    lnk("A/../../outside", "esc2");         /* the same, later */
    char abs[600];
    snprintf(abs, sizeof abs, "%s/A", rootdir);
    lnk(abs, "abs");                        /* absolute, even to inside */
    lnk("l2", "l1");                        /* a loop */
    lnk("l1", "l2");
    lnk("A/b/file.txt", "f");               /* a file inside */
    lnk("../outside/secret", "fo");         /* a file outside */
    lnk("esc/secret", "fesc");              /* through a link outside */
    /* k0 -> k1 -> ... -> k39 -> A: 40 links; j0 -> ... -> j40 -> A: 41 */
    chain("k", 40);
    chain("j", 41);
    snprintf(p, sizeof p, "%s/fifo", rootdir);
    assert_int_equal(mkfifo(p, 0644), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

static void open_root(struct rp_root *r, int walk)
{
    setenv("HIVEKIT_TEST_NO_OPENAT2", walk ? "1" : "0", 1);
    assert_int_equal(rp_root_open(r, rootdir), RP_OK);
    if (walk)
        assert_int_equal(r->kernel, 0);
    else if (!r->kernel)
        print_message("openat2 is not available here: both runs walk\n");
}

/* The directory REL below the root: its status, and its inode against
 * the one at REAL (a path below the root on the host) when it opens. */
static int dir_is(struct rp_root *r, const char *rel, const char *real)
{
    struct rp_dir d;
    int rc = rp_dir_open(r, rel, 0, &d);
    if (rc == RP_OK) {
        struct stat a, b;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", rootdir, real);
        assert_int_equal(fstat(d.fd, &a), 0);
        assert_int_equal(stat(p, &b), 0);
        assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        rp_dir_close(&d);
    }
    return rc;
}

static void err_has(const struct rp_root *r, const char *what)
{
    if (!strstr(r->err, what))
        fail_msg("message '%s' lacks '%s'", r->err, what);
}

static void test_names(void **state)
{
    (void)state;
    for (int walk = 0; walk < 2; walk++) {
        struct rp_root r;
        struct rp_dir d;
        open_root(&r, walk);
        assert_int_equal(rp_dir_open(&r, "a/B/C", 0, &d), RP_OK);
        assert_string_equal(d.rel, "A/b/c");    /* the names as found */
        rp_dir_close(&d);
        /* the exact name first when two differ only in case */
        assert_int_equal(rp_dir_open(&r, "dup", 0, &d), RP_OK);
        assert_string_equal(d.rel, "dup");
        rp_dir_close(&d);
        assert_int_equal(rp_dir_open(&r, "Dup", 0, &d), RP_OK);
        assert_string_equal(d.rel, "Dup");
        rp_dir_close(&d);
        assert_int_equal(dir_is(&r, "nope/x", ""), RP_MISSING);
        assert_int_equal(rp_dir_open(&r, "A/../A", 0, &d), RP_REFUSED);
        err_has(&r, "not a plain name");
        /* missing folders made */
        char rel[64];
        snprintf(rel, sizeof rel, "new%d/Sub", walk);
        assert_int_equal(rp_dir_open(&r, rel, 1, &d), RP_OK);
        rp_dir_close(&d);
        assert_int_equal(dir_is(&r, rel, rel), RP_OK);
        rp_root_close(&r);
    }
}

static void test_links(void **state)
{
    (void)state;
    for (int walk = 0; walk < 2; walk++) {
        struct rp_root r;
        open_root(&r, walk);
        assert_int_equal(dir_is(&r, "l/C", "A/b/c"), RP_OK);
        assert_int_equal(dir_is(&r, "A/up/c", "A/b/c"), RP_OK);
        assert_int_equal(dir_is(&r, "esc", ""), RP_REFUSED);
        err_has(&r, "/root/esc: symbolic link to ../outside leaves the "
                    "guest volume; refused");
        assert_int_equal(dir_is(&r, "esc2", ""), RP_REFUSED);
        err_has(&r, "/root/esc2: symbolic link to A/../../outside leaves "
                    "the guest volume");
        assert_int_equal(dir_is(&r, "abs", ""), RP_REFUSED);
        err_has(&r, "/root/abs: symbolic link to /");
        assert_int_equal(dir_is(&r, "l1", ""), RP_REFUSED);
        err_has(&r, "more than 40 symbolic links");
        /* 40 links are followed, as Linux follows them; 41 are not */
        assert_int_equal(dir_is(&r, "k0/b", "A/b"), RP_OK);
        assert_int_equal(dir_is(&r, "j0", ""), RP_REFUSED);
        err_has(&r, "more than 40 symbolic links");
        assert_int_equal(dir_is(&r, "A/b/file.txt", ""), RP_REFUSED);
        err_has(&r, "not a folder");
        rp_root_close(&r);
    }
}

static void test_files(void **state)
{
    (void)state;
    for (int walk = 0; walk < 2; walk++) {
        struct rp_root r;
        struct rp_dir top_dir;
        struct rp_file f;
        int fd;
        open_root(&r, walk);
        assert_int_equal(rp_dir_open(&r, "", 0, &top_dir), RP_OK);
        /* a link to a file inside: its folder and name */
        assert_int_equal(rp_file_find(&r, &top_dir, "F", &f), RP_OK);
        assert_int_equal(f.exists, 1);
        assert_string_equal(f.dir.rel, "A/b");
        assert_string_equal(f.name, "file.txt");
        assert_int_equal(rp_file_open(&r, &f, O_RDONLY, &fd), RP_OK);
        close(fd);
        rp_dir_close(&f.dir);
        /* a missing name: where it would be made */
        assert_int_equal(rp_file_find(&r, &top_dir, "none", &f), RP_OK);
        assert_int_equal(f.exists, 0);
        assert_string_equal(f.name, "none");
        assert_int_equal(rp_file_open(&r, &f, O_RDONLY, &fd), RP_MISSING);
        rp_dir_close(&f.dir);
        /* out of the root, directly or through a folder link */
        assert_int_equal(rp_file_find(&r, &top_dir, "fo", &f), RP_REFUSED);
        err_has(&r, "/root/fo: symbolic link to ../outside/secret leaves "
                    "the guest volume; refused");
        assert_int_equal(rp_file_find(&r, &top_dir, "fesc", &f), RP_REFUSED);
        err_has(&r, "/root/esc: symbolic link to ../outside leaves");
        /* a FIFO is refused at once, never opened */
        assert_int_equal(rp_file_find(&r, &top_dir, "FIFO", &f), RP_OK);
        assert_int_equal(rp_file_open(&r, &f, O_RDONLY, &fd), RP_REFUSED);
        err_has(&r, "/root/fifo: a FIFO (named pipe), not a regular file");
        rp_dir_close(&f.dir);
        /* a folder is not a file */
        assert_int_equal(rp_file_find(&r, &top_dir, "a", &f), RP_OK);
        assert_int_equal(rp_file_open(&r, &f, O_RDONLY, &fd), RP_REFUSED);
        err_has(&r, "/root/A: a folder");
        rp_dir_close(&f.dir);
        rp_dir_close(&top_dir);
        rp_root_close(&r);
    }
}

/* Another filesystem mounted below the root (needs root and tmpfs). */
static void test_mount(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof p, "%s/mnt", rootdir);
    assert_int_equal(mkdir(p, 0755), 0);
    if (mount("tmpfs", p, "tmpfs", 0, NULL) != 0) {
        rmdir(p);
        skip();
    }
    for (int walk = 0; walk < 2; walk++) {
        struct rp_root r;
        open_root(&r, walk);
        assert_int_equal(dir_is(&r, "mnt", ""), RP_REFUSED);
        err_has(&r, "/root/mnt: another filesystem is mounted there");
        rp_root_close(&r);
    }
    umount(p);
    rmdir(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_mount),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
