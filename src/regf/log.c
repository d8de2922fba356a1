/* log.c - recovery of a dirty hive from its transaction logs
 * (regf_recover), exactly as Windows does it when it loads the hive
 * (docs/format.md §11, §12), and the report of the last recovery
 * (regf_recovery_report).
 *
 * A run: the logs are named by the caller or found beside the hive
 * (log_find.c); the primary file is classified (log_choose.c); each log is
 * read and its base block and entries parsed (log_parse.c, with
 * log_marvin.c); the logs that apply are chosen and ordered
 * (log_choose.c) and replayed into a new image (log_replay.c). The image
 * replaces the handle's only if it passes the checks of an open; the
 * report says what each log did and why. log_int.h holds what these files
 * share. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

/* ---- the public entry points ---------------------------------------------- */

static void report_logs(struct regf_recovery *rep, const struct regf_log *l,
                        size_t n)
{
    rep->nlogs = n;
    for (size_t i = 0; i < n; i++)
        rep->logs[i] = l[i];
}

int regf_recover(regf_hive *h, const char *const *logs, size_t nlogs,
                 struct regf_recovery *report)
{
    return regf__recover(h, AT_FDCWD, logs, nlogs, report);
}

/* The directory part of H's name, with its '/' ("" when none), into DIR. */
static void shown_dir(const regf_hive *h, char *dir, size_t size)
{
    const char *slash = strrchr(h->name, '/');
    size_t n = slash ? (size_t)(slash - h->name) + 1 : 0;
    if (n >= size)
        n = 0;
    memcpy(dir, h->name, n);
    dir[n] = '\0';
}

int regf__recover(regf_hive *h, int dirfd, const char *const *logs,
                  size_t nlogs, struct regf_recovery *report)
{
    if (!h)
        return REGF_EINVAL;
    struct regf_recovery *rep = calloc(1, sizeof *rep);
    if (!rep)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    struct regf_log *found = calloc(REGF_MAX_LOGS, sizeof *found);
    if (!found) {
        free(rep);
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    }
    struct logset s;
    memset(&s, 0, sizeof s);
    struct replay r;
    memset(&r, 0, sizeof r);
    int rc = REGF_OK;
    size_t n = 0;

    if (!h->loaded && !h->header_damaged && !h->data_damaged) {
        rc = regf__fail(h, REGF_EINVAL, "hive is not open");
        goto out;
    }
    if (h->modified) {
        rc = regf__fail(h, REGF_EINVAL, "the hive was edited in memory; "
                        "recover it before editing");
        goto out;
    }
    if (logs) {
        if (nlogs > REGF_MAX_LOGS) {
            rc = regf__fail(h, REGF_EINVAL, "%zu logs given; at most %d",
                            nlogs, REGF_MAX_LOGS);
            goto out;
        }
        for (size_t i = 0; i < nlogs; i++) {
            if (!logs[i] || strlen(logs[i]) >= sizeof found[i].path) {
                rc = regf__fail(h, REGF_EINVAL, "log path %zu is missing or "
                                "too long", i);
                goto out;
            }
            strcpy(found[i].path, logs[i]);
        }
        n = nlogs;
        rc = logset_read(&s, dirfd, found, n);
    } else {
        /* Beside H's file, in its directory (a hive from memory: beside
         * the path it is named by). */
        char dir[4096];
        shown_dir(h, dir, sizeof dir);
        const char *base = h->base;
        int own = -1;
        dirfd = h->dirfd;
        if (dirfd < 0)
            dirfd = own = regf__open_parent(h->name, &base);
        size_t cnt = 0;
        if (dirfd != -1 &&
            regf__find_log_paths(dirfd, base, dir, found, REGF_MAX_LOGS,
                                 &cnt) == REGF_OK)
            n = cnt < REGF_MAX_LOGS ? cnt : REGF_MAX_LOGS;
        rc = logset_read(&s, dirfd, found, n);
        regf__close_dir(own);
    }
    h->rec_at_dir = !logs && h->dirfd >= 0;
    if (rc != REGF_OK) {
        rc = regf__fail(h, rc, "out of memory reading the logs");
        goto out;
    }

    struct prim p;
    classify(h->image, h->image_len, &p);
    rep->seq1 = p.seq1;
    rep->seq2 = p.seq2;
    rep->old_length = p.mode == P_HEADER ? 0 : p.length;
    struct plan pl;
    char err[1024];
    rc = plan_logs(&p, s.g, s.n, &pl, err, sizeof err);
    report_logs(rep, found, n);
    if (p.mode == P_CLEAN) {
        rep->state = REGF_RECOVERY_CLEAN;
        rep->final_seq = p.seq1;
        rep->new_length = p.length;
        rc = REGF_OK;
        goto out;
    }
    rep->state = REGF_RECOVERY_FAILED;
    if (rc != REGF_OK) {
        rc = regf__fail(h, rc, "the hive is dirty and cannot be recovered: "
                        "%s", err);
        goto out;
    }

    rep->header_rebuilt = p.mode == P_HEADER;
    rep->old_format = pl.old;
    rc = replay_logs(&p, h->image, h->image_len, s.g, &pl, &r);
    if (rc != REGF_OK) {
        rc = regf__fail(h, rc, "out of memory replaying the logs");
        goto out;
    }

    rep->first_seq = r.first_seq;
    rep->last_seq = r.last_seq;
    rep->entries = r.entries;
    rep->final_seq = r.final_seq;
    rep->new_length = r.len;
    rep->dummy_bins = r.dummies;
    for (size_t k = 0; k < pl.norder; k++) {
        struct lg *l = &s.g[pl.order[k]];
        l->out->verdict = REGF_LOG_APPLIED;
        if (r.stopped && k == 0)
            snprintf(l->out->why, sizeof l->out->why, "%u of %u "
                     "dirty pages replayed; stopped at the invalid bin "
                     "header the log holds for offset 0x%x", r.entries,
                     l->npages, r.stop_bin);
    }
    report_logs(rep, found, n);

    uint8_t *img = r.img;
    r.img = NULL;
    rc = regf__replace_image(h, img, (size_t)REGF_BASE_SIZE + r.len);
    if (rc != REGF_OK) {
        /* The message of the failed load is in H; say it is the replay. */
        char inner[sizeof h->err];
        const char *m = h->err;
        size_t nl = strlen(h->name);
        if (strncmp(m, h->name, nl) == 0 && strncmp(m + nl, ": ", 2) == 0)
            m += nl + 2;
        snprintf(inner, sizeof inner, "%s", m);
        regf__fail(h, rc, "the replayed hive is not valid, nothing was "
                   "changed: %s", inner);
        for (size_t k = 0; k < pl.norder; k++)
            s.g[pl.order[k]].out->verdict = REGF_LOG_APPLIES;
        report_logs(rep, found, n);
        goto out;
    }
    h->modified = 1;
    rep->state = REGF_RECOVERY_DONE;
    rc = REGF_OK;
out:
    free(r.img);
    logset_free(&s);
    if (report)
        *report = *rep;
    free(h->recovery);
    h->recovery = rep;
    free(found);
    return rc;
}

int regf_recovery_report(const regf_hive *h, struct regf_recovery *out)
{
    if (!h || !h->recovery)
        return REGF_NOTFOUND;
    *out = *h->recovery;
    return REGF_OK;
}
