/* cleanup.c - what hivekit must remove if it is interrupted, and what an
 * earlier interrupted run left behind.
 *
 * Every temporary file or directory hivekit creates on its way to a change
 * (a staged driver file, a backup or an undo file not yet in place, a
 * folder made for the driver store) is put on a fixed list as soon as it
 * exists: a descriptor of its folder (its own copy, held until the entry
 * goes) and its name there. SIGINT, SIGTERM and SIGHUP run a handler that
 * only calls unlinkat(2) and write(2) on that list (all
 * async-signal-safe), then dies of the same signal. The commit itself (the
 * hives, then the files put in place) runs with those signals blocked, so
 * an interruption lands before it (nothing changed) or after it (all
 * done), never inside.
 *
 * hivekit's temporary names end with ".hivekit-tmp-XXXXXX" (this file's
 * cleanup_tmpname), ".hivekit-XXXXXX" (the library's replace commit) or
 * ".bak.tmp-XXXXXX" (the library's backup); ".hivekit-tmp" is what
 * versions before 0.2 used for driver files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CLEAN_MAX 64

static struct {
    volatile sig_atomic_t used;
    int dir;
    int dirfd;              /* the folder holding NAME (own copy), or
                               AT_FDCWD */
    char name[4096];
    char shown[4400];       /* as the user knows it */
} slots[CLEAN_MAX];
static volatile sig_atomic_t installed;
static volatile sig_atomic_t committed;   /* the changes are in place */

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_signal(int sig)
{
    int e = errno;
    int removed = 0;
    for (int i = CLEAN_MAX - 1; i >= 0; i--) {
        if (!slots[i].used)
            continue;
        int ok = unlinkat(slots[i].dirfd, slots[i].name,
                          slots[i].dir ? AT_REMOVEDIR : 0) == 0;
        slots[i].used = 0;
        if (ok) {
            if (!removed)
                put("hivekit: interrupted; removed:");
            put(" ");
            put(slots[i].shown);
            removed++;
        }
    }
    if (removed)
        put("\n");
    put(committed ? "hivekit: interrupted after the changes were written\n"
                  : "hivekit: interrupted before any change was written\n");
    signal(sig, SIG_DFL);
    errno = e;
    raise(sig);
}

static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void install(void)
{
    if (installed)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&sa.sa_mask, sigs[i]);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old;
        /* A signal the caller ignores (nohup) stays ignored. */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
    installed = 1;
}

int cleanup_add(const char *path, int is_dir)
{
    return cleanup_add_at(AT_FDCWD, "", path, is_dir);
}

int cleanup_add_at(int dirfd, const char *shown_dir, const char *name,
                   int is_dir)
{
    install();
    if (strlen(name) >= sizeof slots[0].name)
        return -1;
    for (int i = 0; i < CLEAN_MAX; i++)
        if (!slots[i].used) {
            int fd = AT_FDCWD;
            if (dirfd != AT_FDCWD &&
                (fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0)
                return -1;
            slots[i].dir = is_dir;
            slots[i].dirfd = fd;
            memcpy(slots[i].name, name, strlen(name) + 1);
            snprintf(slots[i].shown, sizeof slots[i].shown, "%s%s",
                     shown_dir, name);
            atomic_signal_fence(memory_order_seq_cst);
            slots[i].used = 1;
            return i;
        }
    return -1;
}

void cleanup_forget(int id)
{
    if (id < 0 || id >= CLEAN_MAX || !slots[id].used)
        return;
    slots[id].used = 0;
    atomic_signal_fence(memory_order_seq_cst);
    if (slots[id].dirfd != AT_FDCWD)
        close(slots[id].dirfd);
    slots[id].dirfd = AT_FDCWD;
}

void cleanup_remove(int id)
{
    if (id < 0 || id >= CLEAN_MAX || !slots[id].used)
        return;
    unlinkat(slots[id].dirfd, slots[id].name,
             slots[id].dir ? AT_REMOVEDIR : 0);
    cleanup_forget(id);
}

void cleanup_all(void)
{
    for (int i = CLEAN_MAX - 1; i >= 0; i--)
        cleanup_remove(i);
}

void cleanup_block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

void cleanup_unblock(const sigset_t *old, int done)
{
    if (done)
        committed = 1;
    sigprocmask(SIG_SETMASK, old, NULL);
}

int cleanup_tmpname(const char *path, char *out, size_t size)
{
    return snprintf(out, size, "%s.hivekit-tmp-XXXXXX", path) >= (int)size
               ? -1 : 0;
}

/* ---- leftovers of an earlier run ----------------------------------------- */

static int tail_is_random(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

int cleanup_leftover_kind(const char *name)
{
    const char *p;
    size_t n = strlen(name);
    if ((p = strstr(name, ".hivekit-tmp-")) && tail_is_random(p + 13, 6))
        return LEFTOVER_OURS;
    if (n > 12 && strcmp(name + n - 12, ".hivekit-tmp") == 0)
        return LEFTOVER_OURS;
    if ((p = strstr(name, ".hivekit-")) && tail_is_random(p + 9, 6))
        return LEFTOVER_COMMIT;
    if ((p = strstr(name, ".bak.tmp-")) && tail_is_random(p + 9, 6))
        return LEFTOVER_COMMIT;
    return 0;
}

int cleanup_leftovers(const char *dir, int remove_ours)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char shown[4400];
    snprintf(shown, sizeof shown, "%s/", dir);
    int found = cleanup_leftovers_at(fd, shown, remove_ours);
    close(fd);
    return found;
}

int cleanup_leftovers_at(int dirfd, const char *shown_dir, int remove_ours)
{
    /* fdopendir takes the descriptor it is given: a copy of DIRFD. */
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int kind = cleanup_leftover_kind(de->d_name);
        if (!kind)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s%s", shown_dir, de->d_name);
        struct stat st;
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        found++;
        if (kind == LEFTOVER_OURS && remove_ours &&
            unlinkat(dirfd, de->d_name, 0) == 0)
            cli_error("note: removed %s, a temporary file left by an earlier "
                      "interrupted hivekit run", path);
        else if (kind == LEFTOVER_OURS)
            cli_error("note: %s is a temporary file left by an earlier "
                      "interrupted hivekit run%s", path,
                      remove_ours ? "; it could not be removed"
                                  : " (left as it is: dry run)");
        else
            cli_error("note: %s looks like the temporary file of an "
                      "interrupted hivekit commit (the hive beside it was "
                      "not changed by it); remove it if no hivekit is "
                      "running", path);
    }
    closedir(d);
    return found;
}

/* ---- a pause for the tests ---------------------------------------------- */

void cleanup_test_pause(const char *where)
{
    const char *want = getenv("HIVEKIT_TEST_PAUSE");
    if (!want || strcmp(want, where) != 0)
        return;
    fprintf(stderr, "hivekit: test pause at %s\n", where);
    fflush(stderr);
    for (int i = 0; i < 300; i++) {       /* 30 s at most */
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
}
