/* cmd_export.c - `hivekit export HIVE [KEY] [--prefix P] [-o FILE]
 * [--utf16]`: a subtree as a regedit-compatible .reg file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int write_fd(void *ctx, const void *buf, size_t len)
{
    return write_all(*(int *)ctx, buf, len);
}

int cmd_export(const struct cli_args *a)
{
    char *const *pos = a->pos;
    int npos = a->npos, rc;
    const char *opt_prefix = cli_arg(a, OPT_PREFIX);
    const char *output = cli_arg(a, OPT_OUTPUT);
    if (opt_prefix && !*opt_prefix)
        return cli_usage_error("export", "--prefix must not be empty");

    regf_hive *h;
    if ((rc = cli_open(pos[0], &h)) != EXIT_OK)
        return rc;
    char *prefix = opt_prefix ? strdup(opt_prefix) : cli_default_prefix(pos[0]);
    char *tmp = NULL;
    int fd = STDOUT_FILENO, ex = EXIT_OK, special = 0;
    regf_key key;
    if (!prefix) {
        cli_error("out of memory");
        ex = EXIT_FILE;
        goto out;
    }
    rc = regf_key_lookup(h, 0, npos > 1 ? pos[1] : "", &key);
    if (rc != REGF_OK) {
        ex = cli_fail(h, rc);
        goto out;
    }
    struct stat st;
    special = output && stat(output, &st) == 0 && !S_ISREG(st.st_mode);
    if (special) {
        /* A device or FIFO (/dev/null, a pipe): write to it directly;
         * renaming over it would replace the device node itself. */
        fd = open(output, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            cli_error("%s: cannot open: %s", output, strerror(errno));
            ex = EXIT_FILE;
            goto out;
        }
    } else if (output && strcmp(output, "-") != 0) {
        /* Write next to the target and rename at the end, so a failed
         * export never leaves a truncated FILE behind. */
        tmp = malloc(strlen(output) + 16);
        if (!tmp) {
            cli_error("out of memory");
            ex = EXIT_FILE;
            goto out;
        }
        sprintf(tmp, "%s.tmp-XXXXXX", output);
        fd = mkstemp(tmp);
        if (fd < 0) {
            cli_error("%s: cannot create: %s", output, strerror(errno));
            free(tmp);
            tmp = NULL;
            ex = EXIT_FILE;
            goto out;
        }
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);   /* mkstemp made it 0600 */
    }
    rc = regf_export_reg(h, key, prefix, cli_has(a, OPT_UTF16) ? REGF_EXPORT_UTF16 : 0,
                         write_fd, &fd);
    if (rc != REGF_OK) {
        if (rc == REGF_EIO)
            cli_error("%s: %s", output ? output : "standard output",
                      strerror(errno));
        else
            ex = cli_fail(h, rc);
        if (rc == REGF_EIO)
            ex = EXIT_FILE;
    } else if (tmp) {
        if (close(fd) != 0) {
            cli_error("%s: %s", output, strerror(errno));
            ex = EXIT_FILE;
        } else if (rename(tmp, output) != 0) {
            cli_error("%s: cannot replace: %s", output, strerror(errno));
            ex = EXIT_FILE;
        } else {
            free(tmp);
            tmp = NULL;
        }
        fd = -1;
    }
out:
    if (special && fd >= 0)
        close(fd);
    if (tmp) {
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        free(tmp);
    }
    free(prefix);
    regf_close(h);
    return ex;
}
