/* wait.c - opening a hive another process holds: --wait SECONDS.
 *
 * The library never waits for a hive's lock (regf_open fails with
 * REGF_EBUSY at once, docs/locking.md); here the command retries with
 * short sleeps until the --wait deadline (default CLI_WAIT_DEFAULT
 * seconds, 0: no wait), then gives up with EXIT_BUSY. A command that
 * opens two hives (inject: SYSTEM, then SOFTWARE) always opens them in
 * the same order, so two such commands wait for each other instead of
 * each holding what the other needs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Milliseconds to wait for a hive's lock, from --wait (one command runs
 * per process). */
static long wait_ms = CLI_WAIT_DEFAULT * 1000L;

int cli_wait_init(const struct cli_args *a)
{
    const char *s = cli_arg(a, OPT_WAIT);
    if (!s)
        return EXIT_OK;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !(v >= 0) || v > 86400) {
        cli_error("%s: --wait: '%s' is not a number of seconds from 0 to "
                  "86400", a->cmd->name, s);
        return EXIT_USAGE;
    }
    wait_ms = (long)(v * 1000 + 0.5);
    return EXIT_OK;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* regf_open of NAME, or with AT regf_open_at of NAME in DIRFD, retried
 * while the hive is locked until the --wait deadline. */
static int open_waiting(int at, int dirfd, const char *name, unsigned flags,
                        regf_hive **out)
{
    long deadline = now_ms() + wait_ms;
    unsigned x = (unsigned)getpid();
    for (;;) {
        int rc = at ? regf_open_at(dirfd, name, flags, out)
                    : regf_open(name, flags, out);
        if (rc != REGF_EBUSY || now_ms() >= deadline)
            return rc;
        regf_close(*out);
        *out = NULL;
        /* 10 to 40 ms, varied so that waiters do not move in step. */
        x = x * 1103515245u + 12345u;
        struct timespec d = { 0, (long)(10 + (x >> 16) % 31) * 1000000L };
        nanosleep(&d, NULL);
    }
}

int cli_open_hive(const char *path, unsigned flags, regf_hive **out)
{
    return open_waiting(0, -1, path, flags, out);
}

int cli_open_hive_at(int dirfd, const char *name, unsigned flags,
                     regf_hive **out)
{
    return open_waiting(1, dirfd, name, flags, out);
}

int cli_open_failed(const char *path, regf_hive *h, int rc)
{
    if (!h) {
        cli_error("%s: out of memory", path);
        return EXIT_FILE;
    }
    if (rc == REGF_EBUSY) {
        cli_error("%s: %s (waited %ld.%03ld s: --wait SECONDS waits "
                  "longer); nothing was changed", path, regf_errdetail(h),
                  wait_ms / 1000, wait_ms % 1000);
        return EXIT_BUSY;
    }
    cli_error("%s: %s", path, regf_errdetail(h));
    return EXIT_FILE;
}
