/* cmd_recover.c - `hivekit recover HIVE`: replays the transaction logs of a
 * dirty hive into it as Windows would when loading it, writes the result
 * atomically and resets the logs (docs/format.md §12). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Prints what regf_recover did (or, with DRY, would do) to F. */
static void print_recovery(FILE *f, const char *path,
                        const struct regf_recovery *r, int dry)
{
    if (r->state == REGF_RECOVERY_CLEAN) {
        fprintf(f, "%s: clean (sequence %u/%u): nothing to recover; its "
                "logs are ignored, as Windows ignores them\n", path, r->seq1,
                r->seq2);
    } else if (r->state == REGF_RECOVERY_DONE) {
        fprintf(f, "%s: %s", path, dry ? "would recover" : "recovered");
        if (r->header_rebuilt)
            fprintf(f, " (damaged base block rebuilt from a log)");
        else
            fprintf(f, " (sequence numbers %u/%u)", r->seq1, r->seq2);
        if (r->old_format)
            fprintf(f, ": %u dirty pages of an old-format log replayed",
                    r->entries);
        else
            fprintf(f, ": %u log entr%s replayed, sequence %u..%u",
                    r->entries, r->entries == 1 ? "y" : "ies", r->first_seq,
                    r->last_seq);
        fprintf(f, "; sequence now %u", r->final_seq);
        if (r->old_length && r->old_length != r->new_length)
            fprintf(f, "; hive bins %u -> %u bytes", r->old_length,
                    r->new_length);
        else
            fprintf(f, "; hive bins %u bytes", r->new_length);
        if (r->dummy_bins)
            fprintf(f, "; %u invalid bins replaced by empty bins (their data "
                    "is lost)", r->dummy_bins);
        fputc('\n', f);
    }
    for (size_t i = 0; i < r->nlogs; i++) {
        const struct regf_log *l = &r->logs[i];
        const char *fmt = log_format_text(l->format);
        fprintf(f, "  %s: %s%s%s: %s\n", l->path, fmt ? fmt : "",
                fmt ? ", " : "", log_verdict_text(l->verdict, dry), l->why);
    }
}

int cmd_recover(const struct cli_args *a)
{
    char *const *pos = a->pos;
    struct write_options o;
    int dry = cli_has(a, OPT_DRY_RUN), rc;
    uint64_t ft;
    write_options_get(a, &o);
    /* the --log files, in order */
    const char *logs[REGF_MAX_LOGS];
    size_t nlogs = 0;
    for (size_t i = 0; i < a->ngiven; i++) {
        if (a->given[i].id != OPT_LOG)
            continue;
        if (nlogs == REGF_MAX_LOGS)
            return cli_usage_error("recover", "at most %d --log files",
                                   REGF_MAX_LOGS);
        logs[nlogs++] = a->given[i].value;
    }
    if ((rc = write_options_time("recover", &o, &ft)) != 0)
        return rc;

    const char *path = pos[0];
    regf_hive *h = NULL;
    struct regf_recovery *rep = calloc(1, sizeof *rep);
    struct regf_log *found = calloc(REGF_MAX_LOGS, sizeof *found);
    char *target = NULL;
    if (!rep || !found) {
        cli_error("%s: out of memory", path);
        rc = EXIT_FILE;
        goto out;
    }
    /* REGF_EDIRTY here: a damaged base block before intact bins, which only
     * a log can rebuild. */
    int st = cli_open_hive(path, REGF_OPEN_WRITE, &h);
    if (st != REGF_OK && st != REGF_EDIRTY) {
        rc = cli_open_failed(path, h, st);
        goto out;
    }
    /* Through a symbolic link the file it names is recovered (and stays
     * named by the link); its logs lie beside that file. */
    target = hive_target_path(path);
    if (!target) {
        cli_error("%s: cannot resolve the path", path);
        rc = EXIT_FILE;
        goto out;
    }
    const char *paths[REGF_MAX_LOGS];
    size_t n = nlogs;
    if (n) {
        for (size_t i = 0; i < n; i++)
            paths[i] = logs[i];
    } else {
        if (regf_find_logs(target, found, REGF_MAX_LOGS, &n) != REGF_OK) {
            cli_error("%s: cannot read the directory to find its logs", path);
            rc = EXIT_FILE;
            goto out;
        }
        if (n > REGF_MAX_LOGS)
            n = REGF_MAX_LOGS;
        for (size_t i = 0; i < n; i++)
            paths[i] = found[i].path;
    }
    st = regf_recover(h, paths, n, rep);
    if (st != REGF_OK) {
        cli_error("%s; nothing was written", regf_errmsg(h));
        rc = EXIT_FILE;
        goto out;
    }
    if (rep->state == REGF_RECOVERY_CLEAN || dry) {
        print_recovery(stdout, path, rep, dry);
        if (rep->state != REGF_RECOVERY_CLEAN)
            printf("%s: dry run: nothing was written\n", path);
        rc = EXIT_OK;
        goto out;
    }
    if (access(target, W_OK) != 0) {
        cli_error("%s: cannot write it: %s; nothing was written", path,
                  strerror(errno));
        rc = EXIT_FILE;
        goto out;
    }
    if (ft)
        regf_set_time(h, ft);
    /* The backup is the dirty hive as it was: its logs go beside it. */
    if ((rc = wr_commit_file(h, target, path, 0, 1, &o)) != EXIT_OK)
        goto out;
    print_recovery(stdout, path, rep, 0);
    struct regf_info in;
    regf_get_info(h, &in);
    int bad = reset_logs(target);
    printf("%s: written clean (sequence %u/%u)%s\n", path, in.seq1, in.seq2,
           bad ? "; some logs could not be reset (see the warnings)" :
           "; its logs were reset to 0 bytes");
    if (o.verbose)
        cli_error("%s: recovered and written", path);
    rc = EXIT_OK;
out:
    regf_close(h);
    free(target);
    free(found);
    free(rep);
    return rc;
}
