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

int regf__find_log_paths(const char *hive_path, struct regf_log *out,
                         size_t max, size_t *count)
{
    const char *slash = strrchr(hive_path, '/');
    const char *base = slash ? slash + 1 : hive_path;
    size_t dlen = slash ? (size_t)(slash - hive_path) : 0;
    size_t blen = strlen(base);
    char dir[4096];

    *count = 0;
    if (dlen >= sizeof dir)
        return REGF_EINVAL;
    if (slash)
        memcpy(dir, hive_path, dlen ? dlen : 1), dir[dlen ? dlen : 1] = '\0';
    else
        strcpy(dir, ".");
    DIR *d = opendir(dir);
    if (!d)
        return REGF_EIO;
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
            int w = snprintf(l->path, sizeof l->path, "%s%s%s",
                             slash ? dir : "", slash ? "/" : "", n);
            if (w < 0 || (size_t)w >= sizeof l->path)
                continue;
            struct stat st;
            if (stat(l->path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            l->size = (uint64_t)st.st_size;
        }
        (*count)++;
    }
    closedir(d);
    qsort(out, *count < max ? *count : max, sizeof *out, by_path);
    return REGF_OK;
}

/* Fills the analysis fields of OUT[0..N) (paths set) as regf_recover would
 * decide for the hive at HIVE_PATH. */
static void logs_analyze(const char *hive_path, struct regf_log *out,
                         size_t n)
{
    uint8_t head[REGF_BASE_SIZE + REGF_BIN_HDR];
    size_t hl = 0;
    int fd = open(hive_path, O_RDONLY | O_CLOEXEC);
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
    if (logset_read(&s, out, n) == REGF_OK) {
        struct plan pl;
        char err[sizeof out->why];
        plan_logs(&p, s.g, s.n, &pl, err, sizeof err);
    }
    logset_free(&s);
}

int regf_find_logs(const char *hive_path, struct regf_log *out, size_t max,
                   size_t *count)
{
    int rc = regf__find_log_paths(hive_path, out, max, count);
    if (rc == REGF_OK)
        logs_analyze(hive_path, out, *count < max ? *count : max);
    return rc;
}
