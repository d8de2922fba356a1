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
        cli_print_recovery(stdout, path, rep, o.dry);
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
    cli_print_recovery(stdout, path, rep, 0);
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
