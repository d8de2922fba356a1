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

static const char export_help[] =
    "usage: hivekit export HIVE [KEY] [--prefix PREFIX] [-o FILE] [--utf16]\n"
    "\n"
    "Writes the subtree at KEY (default: the whole hive) as a .reg file in\n"
    "the 'Windows Registry Editor Version 5.00' format. The output is\n"
    "lossless: every value's type and exact bytes can be recovered (a value\n"
    "whose bytes the \"string\" or dword: forms would not reproduce is\n"
    "written as hex(N):).\n"
    "\n"
    "  --prefix PREFIX  replaces the hive root in key headers: [PREFIX],\n"
    "                   [PREFIX\\Sub\\Key]. Default: HKEY_LOCAL_MACHINE\\NAME,\n"
    "                   NAME being the hive's file name without its last\n"
    "                   extension (SYSTEM -> HKEY_LOCAL_MACHINE\\SYSTEM,\n"
    "                   NTUSER.DAT -> HKEY_LOCAL_MACHINE\\NTUSER)\n"
    "  -o, --output FILE write to FILE (replaced only when the export\n"
    "                   succeeded) instead of standard output\n"
    "  --utf16          UTF-16LE with a byte order mark and CRLF line ends,\n"
    "                   as regedit.exe writes; default UTF-8 with LF\n";

struct export_opts {
    const char *prefix, *output;
    int utf16;
};

static int export_opt(void *ctx, int id, const char *arg)
{
    struct export_opts *o = ctx;
    switch (id) {
    case 'h':
        fputs(export_help, stdout);
        return -1;
    case 'p': o->prefix = arg; break;
    case 'o': o->output = arg; break;
    case 'u': o->utf16 = 1; break;
    }
    return 0;
}

static int write_fd(void *ctx, const void *buf, size_t len)
{
    return write_all(*(int *)ctx, buf, len);
}

int cmd_export(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "prefix", 0, 1, 'p' },
        { "output", 'o', 1, 'o' }, { "utf16", 0, 0, 'u' },
        { NULL, 0, 0, 0 } };
    struct export_opts o = { NULL, NULL, 0 };
    char *pos[3];
    int npos, rc = cli_parse("export", argc, argv, opts, export_opt, &o, pos,
                             3, &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos < 1 || npos > 2)
        return cli_usage_error("export", "expected HIVE [KEY]");
    if (o.prefix && !*o.prefix)
        return cli_usage_error("export", "--prefix must not be empty");

    regf_hive *h;
    if ((rc = cli_open(pos[0], &h)) != EXIT_OK)
        return rc;
    char *prefix = o.prefix ? strdup(o.prefix) : cli_default_prefix(pos[0]);
    char *tmp = NULL;
    int fd = STDOUT_FILENO, ex = EXIT_OK, special = 0;
    regf_key key;
    if (!prefix) {
        cli_error("out of memory");
        ex = EXIT_HIVE;
        goto out;
    }
    rc = regf_key_lookup(h, 0, npos > 1 ? pos[1] : "", &key);
    if (rc != REGF_OK) {
        ex = cli_fail(h, rc);
        goto out;
    }
    struct stat st;
    special = o.output && stat(o.output, &st) == 0 && !S_ISREG(st.st_mode);
    if (special) {
        /* A device or FIFO (/dev/null, a pipe): write to it directly;
         * renaming over it would replace the device node itself. */
        fd = open(o.output, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            cli_error("%s: cannot open: %s", o.output, strerror(errno));
            ex = EXIT_HIVE;
            goto out;
        }
    } else if (o.output && strcmp(o.output, "-") != 0) {
        /* Write next to the target and rename at the end, so a failed
         * export never leaves a truncated FILE behind. */
        tmp = malloc(strlen(o.output) + 16);
        if (!tmp) {
            cli_error("out of memory");
            ex = EXIT_HIVE;
            goto out;
        }
        sprintf(tmp, "%s.tmp-XXXXXX", o.output);
        fd = mkstemp(tmp);
        if (fd < 0) {
            cli_error("%s: cannot create: %s", o.output, strerror(errno));
            free(tmp);
            tmp = NULL;
            ex = EXIT_HIVE;
            goto out;
        }
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);   /* mkstemp made it 0600 */
    }
    rc = regf_export_reg(h, key, prefix, o.utf16 ? REGF_EXPORT_UTF16 : 0,
                         write_fd, &fd);
    if (rc != REGF_OK) {
        if (rc == REGF_EIO)
            cli_error("%s: %s", o.output ? o.output : "standard output",
                      strerror(errno));
        else
            ex = cli_fail(h, rc);
        if (rc == REGF_EIO)
            ex = EXIT_HIVE;
    } else if (tmp) {
        if (close(fd) != 0) {
            cli_error("%s: %s", o.output, strerror(errno));
            ex = EXIT_HIVE;
        } else if (rename(tmp, o.output) != 0) {
            cli_error("%s: cannot replace: %s", o.output, strerror(errno));
            ex = EXIT_HIVE;
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
