/* args.c - GNU-style parsing of a command's arguments by the command table
 * (commands.c), error reporting, and the exit status of a library
 * status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inf.h"

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
    char msg[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "hivekit: %s\n", msg);
}

int cli_exit_regf(int status)
{
    switch (status) {
    case REGF_OK: return EXIT_OK;
    case REGF_NOTFOUND: return EXIT_NOTFOUND;
    case REGF_EINVAL: return EXIT_USAGE;
    case REGF_EBUSY: return EXIT_BUSY;
    default: return EXIT_FILE;
    }
}

int cli_exit_inf(int status)
{
    switch (status) {
    case INF_OK: return EXIT_OK;
    case INF_EIO:
    case INF_ENOMEM: return EXIT_FILE;
    case INF_EARG: return EXIT_USAGE;
    default: return EXIT_DATA;  /* ESYNTAX, EINVALID, ELIMIT, NOTFOUND */
    }
}

int cli_fail(regf_hive *h, int status)
{
    const char *msg = regf_errmsg(h);
    cli_error("%s", *msg ? msg : regf_strstatus(status));
    return cli_exit_regf(status);
}

int cli_open(const char *path, regf_hive **out)
{
    regf_hive *h;
    int rc = cli_open_hive(path, 0, &h);
    if (rc != REGF_OK) {
        int ex = cli_open_failed(path, h, rc);
        regf_close(h);
        return ex;
    }
    *out = h;
    return EXIT_OK;
}

/* ---- parsing ---------------------------------------------------------------- */

static const struct cli_option *find_long(const struct cli_command *cmd,
                                          const char *name, size_t len)
{
    size_t it = 0;
    const struct cli_option *o;
    while ((o = cli_next_option(cmd, &it)) != NULL)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const struct cli_option *find_short(const struct cli_command *cmd,
                                           char c)
{
    size_t it = 0;
    const struct cli_option *o;
    while ((o = cli_next_option(cmd, &it)) != NULL)
        if (o->short_name == c)
            return o;
    return NULL;
}

void cli_args_free(struct cli_args *a)
{
    free(a->pos);
    free(a->given);
    memset(a, 0, sizeof *a);
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv,
              struct cli_args *a)
{
    const char *name = cmd->name;
    int only_pos = 0;
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->pos = malloc(((size_t)argc + 1) * sizeof *a->pos);
    a->given = malloc(((size_t)argc + 1) * sizeof *a->given);
    if (!a->pos || !a->given) {
        cli_args_free(a);
        cli_error("out of memory");
        return EXIT_FILE;
    }
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        const struct cli_option *o;
        const char *val = NULL;
        if (only_pos || arg[0] != '-' || arg[1] == '\0') {
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (arg[1] == '-') {
            const char *eq = strchr(arg + 2, '=');
            size_t len = eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
            o = find_long(cmd, arg + 2, len);
            if (!o) {
                cli_args_free(a);
                return cli_usage_error(name, "unknown option '%.*s'",
                                       (int)(len + 2), arg);
            }
            if (eq && !o->arg) {
                cli_args_free(a);
                return cli_usage_error(name, "option '--%s' takes no value",
                                       o->name);
            }
            if (eq)
                val = eq + 1;
        } else {
            o = find_short(cmd, arg[1]);
            if (!o) {
                cli_args_free(a);
                return cli_usage_error(name, "unknown option '-%c'", arg[1]);
            }
            if (arg[2] != '\0') {
                if (!o->arg) {
                    cli_args_free(a);
                    return cli_usage_error(name, "option '-%c' takes no "
                                           "value", arg[1]);
                }
                val = arg + 2;
            }
        }
        if (o->arg && !val) {
            if (i + 1 >= argc) {
                cli_args_free(a);
                return cli_usage_error(name, "option '%s' needs a value",
                                       arg);
            }
            val = argv[++i];
        }
        if (o->id == OPT_HELP) {
            cli_args_free(a);
            cli_print_help(stdout, cmd);
            return CLI_HELP_SHOWN;
        }
        a->value[o->id] = val ? val : "";
        a->given[a->ngiven].id = o->id;
        a->given[a->ngiven++].value = a->value[o->id];
    }
    if (a->npos < cmd->min_args ||
        (cmd->max_args >= 0 && a->npos > cmd->max_args)) {
        int rc = cmd->max_args == 0
                     ? cli_usage_error(name, "unexpected argument '%s'",
                                       a->pos[0])
                     : cli_usage_error(name, "expected %s", cmd->synopsis);
        cli_args_free(a);
        return rc;
    }
    return 0;
}
