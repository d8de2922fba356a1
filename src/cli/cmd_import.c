/* cmd_import.c - `hivekit import HIVE FILE.reg [--prefix PREFIX]`: applies
 * a .reg file (regedit's format, as export writes it) to a hive. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char import_help[] =
    "usage: hivekit import HIVE FILE.reg [--prefix PREFIX]\n"
    "\n"
    "Applies FILE.reg ('-' reads standard input) to HIVE: 'Windows Registry\n"
    "Editor Version 5.00' or REGEDIT4, UTF-16LE with BOM or UTF-8. [KEY]\n"
    "creates a key and its parents, [-KEY] deletes a subtree, \"name\"=-\n"
    "deletes a value; \"string\", dword:, hex: and hex(N): values. The whole\n"
    "file is checked first: a syntax error is reported as 'FILE.reg: line\n"
    "L, column C: ...' (status 65) and the hive is left untouched.\n"
    "\n"
    "  --prefix PREFIX  the key header that stands for the hive root; every\n"
    "                   header must be PREFIX or below it. Default:\n"
    "                   HKEY_LOCAL_MACHINE\\NAME, NAME being the hive's file\n"
    "                   name without its last extension (as for export)\n"
    WDIRTY_HELP
    WCOMMON_HELP;

struct import_opts {
    struct wcommon c;
    const char *prefix;
};

static int import_opt(void *ctx, int id, const char *arg)
{
    struct import_opts *o = ctx;
    if (wcommon_opt(&o->c, id, arg))
        return 0;
    if (id == 'h') {
        fputs(import_help, stdout);
        return -1;
    }
    if (id == 'p')
        o->prefix = arg;
    return 0;
}

/* Reads all of PATH ('-': standard input). */
static int read_input(const char *path, struct bytebuf *b)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO
                                    : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (n > 0 && buf_put(b, chunk, (size_t)n) != 0)) {
            int e = n < 0 ? errno : ENOMEM;
            if (fd != STDIN_FILENO)
                close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    return 0;
}

int cmd_import(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "prefix", 0, 1, 'p' }, WCOMMON_OPTS,
        WDIRTY_OPTS, { NULL, 0, 0, 0 } };
    struct import_opts o;
    memset(&o, 0, sizeof o);
    char *pos[3];
    uint64_t ft;
    int npos, rc = cli_parse("import", argc, argv, opts, import_opt, &o, pos,
                             3, &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos != 2)
        return cli_usage_error("import", "expected HIVE FILE.reg");
    if (o.prefix && !*o.prefix)
        return cli_usage_error("import", "--prefix must not be empty");
    if ((rc = wcommon_time("import", &o.c, &ft)) != 0)
        return rc;

    const char *src = strcmp(pos[1], "-") == 0 ? "standard input" : pos[1];
    struct bytebuf b = { NULL, 0, 0 };
    struct whive w = { NULL, NULL, NULL };
    char *prefix = o.prefix ? strdup(o.prefix) : cli_default_prefix(pos[0]);
    if (!prefix) {
        cli_error("out of memory");
        rc = EXIT_HIVE;
        goto out;
    }
    if (read_input(pos[1], &b) != 0) {
        cli_error("%s: cannot read: %s", src, strerror(errno));
        rc = EXIT_HIVE;
        goto out;
    }
    if ((rc = wr_open_dirty(&w, pos[0], ft, &o.c)) != EXIT_OK)
        goto out;
    int st = regf_import_reg(w.h, b.p ? b.p : (const uint8_t *)"", b.len,
                             prefix);
    if (st == REGF_EINVAL) {
        /* The library's message is "HIVE: line L, column C: ..."; the
         * line and column are in the .reg file, so name that instead. */
        const char *msg = regf_errmsg(w.h);
        const char *at = strstr(msg, ": line ");
        if (at)
            cli_error("%s: %s", src, at + 2);
        else
            cli_error("%s", *msg ? msg : "invalid .reg input");
        rc = EXIT_DATA;
        goto out;
    }
    if (st != REGF_OK) {
        rc = cli_fail(w.h, st);
        goto out;
    }
    int changed = regf_modified(w.h);
    if ((rc = wr_commit(&w, &o.c)) == EXIT_OK && o.c.verbose)
        cli_error("%s: %s imported%s", pos[0], src,
                  changed ? "" : " (nothing changed; file not rewritten)");
out:
    wr_close(&w);
    free(prefix);
    free(b.p);
    return rc;
}
