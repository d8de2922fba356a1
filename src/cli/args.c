/* args.c - GNU-style option parsing and error reporting for the commands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hivekit: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'hivekit %s --help')\n", cmd);
    return EXIT_USAGE;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("hivekit: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(regf_hive *h, int status)
{
    const char *msg = regf_errmsg(h);
    cli_error("%s", *msg ? msg : regf_strstatus(status));
    if (status == REGF_NOTFOUND)
        return EXIT_NOTFOUND;
    if (status == REGF_EINVAL)
        return EXIT_USAGE;
    return EXIT_HIVE;
}

int cli_open(const char *path, regf_hive **out)
{
    regf_hive *h;
    int rc = regf_open(path, 0, &h);
    if (rc != REGF_OK) {
        if (!h)
            cli_error("%s: out of memory", path);
        else
            cli_error("%s", regf_errmsg(h));
        regf_close(h);
        return EXIT_HIVE;
    }
    *out = h;
    return EXIT_OK;
}

static const struct cli_opt *find_long(const struct cli_opt *opts,
                                       const char *name, size_t len)
{
    for (; opts->name || opts->short_name; opts++)
        if (opts->name && strlen(opts->name) == len &&
            strncmp(opts->name, name, len) == 0)
            return opts;
    return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char c)
{
    for (; opts->name || opts->short_name; opts++)
        if (opts->short_name == c)
            return opts;
    return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv,
              const struct cli_opt *opts,
              int (*on_opt)(void *ctx, int id, const char *arg), void *ctx,
              char **pos, int max, int *npos)
{
    int n = 0, only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        const struct cli_opt *o;
        const char *val = NULL;
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (n == max)
                return cli_usage_error(cmd, "too many arguments ('%s')", a);
            pos[n++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            o = find_long(opts, a + 2, len);
            if (!o)
                return cli_usage_error(cmd, "unknown option '%.*s'",
                                       (int)(len + 2), a);
            if (eq && !o->has_arg)
                return cli_usage_error(cmd, "option '--%s' takes no value",
                                       o->name);
            if (eq)
                val = eq + 1;
        } else {
            o = find_short(opts, a[1]);
            if (!o)
                return cli_usage_error(cmd, "unknown option '-%c'", a[1]);
            if (a[2] != '\0') {
                if (!o->has_arg)
                    return cli_usage_error(cmd, "option '-%c' takes no "
                                           "value", a[1]);
                val = a + 2;
            }
        }
        if (o->has_arg && !val) {
            if (i + 1 >= argc)
                return cli_usage_error(cmd, "option '%s' needs a value", a);
            val = argv[++i];
        }
        int rc = on_opt(ctx, o->id, val);
        if (rc != 0)
            return rc;
    }
    *npos = n;
    return 0;
}
