/* cmd_recover.c - `hivekit recover HIVE`: replays the transaction logs of a
 * dirty hive into it as Windows would when loading it, writes the result
 * atomically and resets the logs (regf-format.md §12). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char recover_help[] =
    "usage: hivekit recover HIVE [--log FILE]... [--dry-run] [--backup]\n"
    "                      [--time T] [-v]\n"
    "\n"
    "Recovers a dirty hive - one Windows did not finish writing, whose newest\n"
    "data is in its transaction logs HIVE.LOG1/.LOG2 (or HIVE.LOG) - exactly\n"
    "as Windows does when it loads it: only logs whose base block is sound and\n"
    "matches the hive (TimeStamp, sequence number) are used, in the order of\n"
    "their sequence numbers, each up to its first damaged entry, the next one\n"
    "only if it continues the sequence. A damaged base block is rebuilt from\n"
    "the newest log. The result is written atomically (the hive keeps its\n"
    "permissions), then the logs beside HIVE are truncated to 0 bytes, a\n"
    "normal state, so nothing can replay them again.\n"
    "\n"
    "What was replayed is printed: each log with its format, its entries and\n"
    "whether it applied, and why not. A clean hive is left alone (Windows\n"
    "ignores the logs of a clean hive), status 0. If no log applies, or a log\n"
    "is broken in a way Windows refuses, nothing is written or reset: status\n"
    "2 and a message naming each log and why.\n"
    "\n"
    "  --log FILE       replay FILE instead of the logs found beside HIVE\n"
    "                   (repeat for several; at most 8). Such files are not\n"
    "                   reset; the logs beside HIVE are\n"
    "  -n, --dry-run    print what would be replayed; write nothing\n"
    WCOMMON_HELP;

static const char *format_name(int format)
{
    switch (format) {
    case REGF_LOG_OLD: return "old format (DIRT)";
    case REGF_LOG_NEW: return "new format (HvLE)";
    default: return "";
    }
}

static const char *verdict_name(int v, int dry)
{
    switch (v) {
    case REGF_LOG_APPLIES: return "applies";
    case REGF_LOG_APPLIED: return dry ? "applies" : "applied";
    case REGF_LOG_IGNORED: return "ignored";
    case REGF_LOG_INVALID: return "invalid, ignored";
    case REGF_LOG_BROKEN: return "broken";
    default: return "not examined";
    }
}

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
        const char *fmt = format_name(l->format);
        fprintf(f, "  %s: %s%s%s: %s\n", l->path, fmt, *fmt ? ", " : "",
                verdict_name(l->verdict, dry), l->why);
    }
}

struct recover_opts {
    struct wcommon c;
    int dry;
    const char *logs[REGF_MAX_LOGS];
    size_t nlogs;
    int too_many;
};

static int recover_opt(void *ctx, int id, const char *arg)
{
    struct recover_opts *o = ctx;
    if (wcommon_opt(&o->c, id, arg))
        return 0;
    switch (id) {
    case 'h':
        fputs(recover_help, stdout);
        return -1;
    case 'n':
        o->dry = 1;
        break;
    case 'l':
        if (o->nlogs < REGF_MAX_LOGS)
            o->logs[o->nlogs++] = arg;
        else
            o->too_many = 1;
        break;
    }
    return 0;
}

int cmd_recover(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "dry-run", 'n', 0, 'n' },
        { "log", 0, 1, 'l' }, WCOMMON_OPTS, { NULL, 0, 0, 0 } };
    struct recover_opts o;
    memset(&o, 0, sizeof o);
    char *pos[2];
    uint64_t ft;
    int npos, rc = cli_parse("recover", argc, argv, opts, recover_opt, &o,
                             pos, 2, &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos != 1)
        return cli_usage_error("recover", "expected HIVE");
    if (o.too_many)
        return cli_usage_error("recover", "at most %d --log files",
                               REGF_MAX_LOGS);
    if ((rc = wcommon_time("recover", &o.c, &ft)) != 0)
        return rc;

    const char *path = pos[0];
    regf_hive *h = NULL;
    struct regf_recovery *rep = calloc(1, sizeof *rep);
    struct regf_log *found = calloc(REGF_MAX_LOGS, sizeof *found);
    char *target = NULL;
    if (!rep || !found) {
        cli_error("%s: out of memory", path);
        rc = EXIT_HIVE;
        goto out;
    }
    /* REGF_EDIRTY here: a damaged base block before intact bins, which only
     * a log can rebuild. */
    int st = regf_open(path, REGF_OPEN_WRITE, &h);
    if (st != REGF_OK && st != REGF_EDIRTY) {
        if (!h)
            cli_error("%s: out of memory", path);
        else
            cli_error("%s", regf_errmsg(h));
        rc = EXIT_HIVE;
        goto out;
    }
    /* Through a symbolic link the file it names is recovered (and stays
     * named by the link); its logs lie beside that file. */
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        target = realpath(path, NULL);
    else
        target = strdup(path);
    if (!target) {
        cli_error("%s: cannot resolve the path", path);
        rc = EXIT_HIVE;
        goto out;
    }
    const char *paths[REGF_MAX_LOGS];
    size_t n = o.nlogs;
    if (n) {
        for (size_t i = 0; i < n; i++)
            paths[i] = o.logs[i];
    } else {
        if (regf_find_logs(target, found, REGF_MAX_LOGS, &n) != REGF_OK) {
            cli_error("%s: cannot read the directory to find its logs", path);
            rc = EXIT_HIVE;
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
        rc = EXIT_HIVE;
        goto out;
    }
    if (rep->state == REGF_RECOVERY_CLEAN || o.dry) {
        print_recovery(stdout, path, rep, o.dry);
        if (rep->state != REGF_RECOVERY_CLEAN)
            printf("%s: dry run: nothing was written\n", path);
        rc = EXIT_OK;
        goto out;
    }
    if (access(target, W_OK) != 0) {
        cli_error("%s: cannot write it: %s; nothing was written", path,
                  strerror(errno));
        rc = EXIT_HIVE;
        goto out;
    }
    if (ft)
        regf_set_time(h, ft);
    st = regf_commit(h, target, o.c.backup ? REGF_COMMIT_BACKUP : 0);
    if (st != REGF_OK) {
        const char *msg = regf_errmsg(h);
        cli_error("%s", *msg ? msg : regf_strstatus(st));
        rc = EXIT_HIVE;
        goto out;
    }
    print_recovery(stdout, path, rep, 0);
    struct regf_info in;
    regf_get_info(h, &in);
    int bad = cli_reset_logs(target);
    printf("%s: written clean (sequence %u/%u)%s\n", path, in.seq1, in.seq2,
           bad ? "; some logs could not be reset (see the warnings)" :
           "; its logs were reset to 0 bytes");
    if (o.c.verbose)
        cli_error("%s: recovered and written", path);
    rc = EXIT_OK;
out:
    regf_close(h);
    free(target);
    free(found);
    free(rep);
    return rc;
}
