/* cmd_import.c - `hivekit import HIVE FILE.reg [--prefix PREFIX]`: applies
 * a .reg file (regedit's format, as export writes it) to a hive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A usable prefix: some key path (trailing backslashes aside) in UTF-8.
 * Checked here so that the library's REGF_EINVAL can only be about the
 * .reg text. */
static int prefix_ok(const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '\\')
        n--;
    return n > 0 && regf_utf8_check(prefix, n, 0) == n;
}

int cmd_import(const struct cli_args *a)
{
    char *const *pos = a->pos;
    const char *opt_prefix = cli_arg(a, OPT_PREFIX);
    struct write_options o;
    uint64_t ft;
    int rc;
    write_options_get(a, &o);
    if (opt_prefix && !*opt_prefix)
        return cli_usage_error("import", "--prefix must not be empty");
    if (opt_prefix && !prefix_ok(opt_prefix))
        return cli_usage_error("import", "--prefix '%s' is not a key path "
                               "in UTF-8", opt_prefix);
    if ((rc = write_options_time("import", &o, &ft)) != 0)
        return rc;

    const char *src = strcmp(pos[1], "-") == 0 ? "standard input" : pos[1];
    struct bytebuf b = { NULL, 0, 0 };
    struct whive w = { NULL, NULL, NULL, AT_FDCWD, "", 0 };
    char *prefix = opt_prefix ? strdup(opt_prefix) : cli_default_prefix(pos[0]);
    if (!prefix) {
        cli_error("out of memory");
        rc = EXIT_FILE;
        goto out;
    }
    if (!prefix_ok(prefix)) {
        rc = cli_usage_error("import", "the default prefix '%s' (from the "
                             "file name) is not UTF-8: give --prefix",
                             prefix);
        goto out;
    }
    if ((strcmp(pos[1], "-") == 0 ? read_fd_all(STDIN_FILENO, &b)
                                   : read_file_all(pos[1], &b)) != 0) {
        cli_error("%s: cannot read: %s", src, strerror(errno));
        rc = EXIT_FILE;
        goto out;
    }
    if ((rc = wr_open(&w, pos[0], ft, &o)) != EXIT_OK)
        goto out;
    int st = regf_import_reg(w.h, b.p ? b.p : (const uint8_t *)"", b.len,
                             prefix);
    if (st == REGF_EINVAL) {
        /* With the text and the prefix given, REGF_EINVAL is the .reg
         * input's fault (regf.h: "line L, column C: ..." for a syntax
         * error): the message names the .reg file, not the hive. */
        const char *detail = regf_errdetail(w.h);
        cli_error("%s: %s", src, *detail ? detail : "invalid .reg input");
        rc = EXIT_DATA;
        goto out;
    }
    if (st != REGF_OK) {
        rc = cli_fail(w.h, st);
        goto out;
    }
    int changed = regf_modified(w.h);
    if ((rc = wr_commit(&w, &o)) == EXIT_OK && o.verbose)
        cli_error("%s: %s imported%s", pos[0], src,
                  changed ? "" : " (nothing changed; file not rewritten)");
out:
    wr_close(&w);
    free(prefix);
    free(b.p);
    return rc;
}
