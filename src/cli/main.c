/* main.c - the hivekit command: dispatch, --help, --version. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef HIVEKIT_VERSION   /* the CMake project version, set by CMakeLists.txt */
#error "HIVEKIT_VERSION must be defined (-DHIVEKIT_VERSION=\"x.y.z\")"
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;
};

static const struct command commands[] = {
    { "info", cmd_info, "info HIVE                  header, state, sizes, counts, logs" },
    { "ls", cmd_ls, "ls HIVE [KEY]              subkeys and values of a key" },
    { "get", cmd_get, "get HIVE KEY [VALUE]       one value's data (--raw for bytes)" },
    { "export", cmd_export, "export HIVE [KEY]          subtree as a .reg file" },
    { "check", cmd_check, "check HIVE [--json]        full structural check (exit 1: problems)" },
    { "set", cmd_set, "set HIVE KEY NAME TYPE DATA...  create or replace a value" },
    { "rm", cmd_rm, "rm HIVE KEY [NAME]         delete a value, or a key with its subtree" },
    { "mkkey", cmd_mkkey, "mkkey HIVE KEY             create a key and its missing parents" },
    { "new", cmd_new, "new FILE                   create an empty hive" },
    { "import", cmd_import, "import HIVE FILE.reg       apply a .reg file" },
    { "recover", cmd_recover, "recover HIVE [--log FILE]  replay the transaction logs of a dirty hive" },
    { "inject", cmd_inject, "inject --system SYSTEM ... make Windows boot from virtio storage" },
};

static void usage(FILE *f)
{
    fputs("usage: hivekit COMMAND [ARGS...]\n\n"
          "Reads and edits Windows registry hive files (REGF) offline.\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %s\n", commands[i].synopsis);
    fputs("\nKEY is a backslash-separated path from the hive root (leading\n"
          "backslash optional), matched case-insensitively as Windows does.\n"
          "Options may come before or after arguments; 'hivekit COMMAND\n"
          "--help' describes each command. The editing commands take\n"
          "--backup, --time T (or HIVEKIT_TIME) and -v, refuse a dirty hive\n"
          "(set, rm, mkkey and import take --recover to replay its logs\n"
          "first) and leave the file unchanged on any error.\n\n"
          "exit status: 0 success, 1 key or value not found (check:\n"
          "problems found), 2 the hive cannot be read or written (or is\n"
          "dirty, or output failed), 64\n"
          "usage error, 65 invalid .reg input (import).\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("missing command (try 'hivekit --help')");
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("hivekit %s\n", HIVEKIT_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            int rc = commands[i].run(argc - 2, argv + 2);
            if (fflush(stdout) != 0 && rc == EXIT_OK) {
                cli_error("%s: writing to standard output failed: %s",
                          argc > 2 ? argv[2] : cmd, strerror(errno));
                rc = EXIT_HIVE;
            }
            return rc;
        }
    cli_error("unknown command '%s' (try 'hivekit --help')", cmd);
    return EXIT_USAGE;
}
