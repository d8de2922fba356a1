/* logs.c - finding a hive's transaction log files (regf-format.md §12).
 *
 * Windows keeps HIVE.LOG1 and HIVE.LOG2 (dual logging, Vista+) or a single
 * HIVE.LOG beside the primary file; the case of the names varies
 * ("ntuser.dat.LOG1"), so names are compared case-insensitively. Empty
 * logs are normal. What each log holds and whether it applies is decided
 * in log.c, as recovery decides it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regf_int.h"

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

int regf_find_logs(const char *hive_path, struct regf_log *out, size_t max,
                   size_t *count)
{
    int rc = regf__find_log_paths(hive_path, out, max, count);
    if (rc == REGF_OK)
        regf__logs_analyze(hive_path, out, *count < max ? *count : max);
    return rc;
}
