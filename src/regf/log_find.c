/* log_find.c - finding a hive's transaction log files (docs/format.md
 * §12), and regf_find_logs, which also tells what recovery would do with
 * each of them, without replaying anything.
 *
 * Windows keeps HIVE.LOG1 and HIVE.LOG2 (dual logging, Vista+) or a single
 * HIVE.LOG beside the primary file; the case of the names varies
 * ("ntuser.dat.LOG1"), so names are compared case-insensitively. Empty
 * logs are normal. What each log holds and whether it applies is decided
 * as recovery decides it (log_parse.c, log_choose.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_int.h"

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct regf_log *)a)->path,
                  ((const struct regf_log *)b)->path);
}

int regf__find_log_paths(int dirfd, const char *base, const char *shown_dir,
                         struct regf_log *out, size_t max, size_t *count)
{
    size_t blen = strlen(base);
    *count = 0;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return REGF_EIO;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        size_t nl = strlen(n);
        if (nl <= blen || strncasecmp(n, base, blen) != 0)
            continue;
        const char *ext = n + blen;
        if (strcasecmp(ext, ".LOG") != 0 && strcasecmp(ext, ".LOG1") != 0 &&
            strcasecmp(ext, ".LOG2") != 0)
            continue;
        if (*count < max) {
            struct regf_log *l = &out[*count];
            memset(l, 0, sizeof *l);
            int w = snprintf(l->path, sizeof l->path, "%s%s", shown_dir, n);
            if (w < 0 || (size_t)w >= sizeof l->path)
                continue;
            /* Not followed: a link, FIFO or device named like a log is
             * listed, and reading it reports what it is (log_parse.c). */
            struct stat st;
            if (fstatat(dirfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            l->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        }
        (*count)++;
    }
    closedir(d);
    qsort(out, *count < max ? *count : max, sizeof *out, by_path);
    return REGF_OK;
}

/* Fills the analysis fields of OUT[0..N) (paths set) as regf_recover would
 * decide for the hive BASE in DIRFD. */
static void logs_analyze(int dirfd, const char *base, struct regf_log *out,
                         size_t n)
{
    uint8_t head[REGF_BASE_SIZE + REGF_BIN_HDR];
    size_t hl = 0;
    char why[200];
    struct stat st;
    int fd = regf__open_file(dirfd, base, O_RDONLY, 0, 0, &st, why,
                             sizeof why);
    if (fd >= 0) {
        while (hl < sizeof head) {
            ssize_t k = pread(fd, head + hl, sizeof head - hl, (off_t)hl);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            hl += (size_t)k;
        }
        close(fd);
    }
    struct prim p;
    classify(head, hl, &p);
    struct logset s;
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    if (logset_read(&s, dirfd, out, n) == REGF_OK) {
        struct plan pl;
        char err[sizeof out->why];
        plan_logs(&p, s.g, s.n, &pl, err, sizeof err);
    }
    logset_free(&s);
}

int regf__find_logs(int dirfd, const char *base, const char *shown_dir,
                    struct regf_log *out, size_t max, size_t *count)
{
    int rc = regf__find_log_paths(dirfd, base, shown_dir, out, max, count);
    if (rc == REGF_OK)
        logs_analyze(dirfd, base, out, *count < max ? *count : max);
    return rc;
}

int regf_find_logs_at(int dirfd, const char *name, struct regf_log *out,
                      size_t max, size_t *count)
{
    *count = 0;
    if (!name || !*name || strchr(name, '/'))
        return REGF_EINVAL;
    return regf__find_logs(dirfd, name, "", out, max, count);
}

int regf_find_logs(const char *hive_path, struct regf_log *out, size_t max,
                   size_t *count)
{
    const char *base;
    *count = 0;
    int dirfd = regf__open_parent(hive_path, &base);
    if (dirfd == -1)
        return REGF_EIO;
    char shown_dir[4096];
    size_t dl = (size_t)(base - hive_path);
    if (dl >= sizeof shown_dir) {
        regf__close_dir(dirfd);
        return REGF_EINVAL;
    }
    memcpy(shown_dir, hive_path, dl);
    shown_dir[dl] = '\0';
    int rc = regf__find_logs(dirfd, base, shown_dir, out, max, count);
    regf__close_dir(dirfd);
    return rc;
}
