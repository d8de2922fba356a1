/* main.c - the hivekit command: dispatch through the command table
 * (commands.c), --help, --version, and the word lists of the bash
 * completion (--list-commands, --list-options CMD; not in --help). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef HIVEKIT_VERSION   /* the CMake project version, set by CMakeLists.txt */
#error "HIVEKIT_VERSION must be defined (-DHIVEKIT_VERSION=\"x.y.z\")"
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("missing command (try 'hivekit --help')");
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        cli_print_overview(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("hivekit %s\n", HIVEKIT_VERSION);
        return EXIT_OK;
    }
    if (strcmp(name, "--list-commands") == 0) {
        cli_list_commands(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--list-options") == 0) {
        const struct cli_command *c = argc == 3 ? cli_find_command(argv[2])
                                                : NULL;
        if (!c) {
            cli_error("--list-options takes one command name");
            return EXIT_USAGE;
        }
        cli_list_options(stdout, c);
        return EXIT_OK;
    }
    const struct cli_command *cmd = cli_find_command(name);
    if (!cmd) {
        cli_error("unknown command '%s' (try 'hivekit --help')", name);
        return EXIT_USAGE;
    }
    struct cli_args a;
    int rc = cli_parse(cmd, argc - 2, argv + 2, &a);
    if (rc == CLI_HELP_SHOWN)
        rc = EXIT_OK;
    else if (rc == 0) {
        rc = cli_wait_init(&a);
        if (rc == EXIT_OK) {
            confine_command(&a);
            rc = cmd->run(&a);
        }
        cli_args_free(&a);
    }
    if (fflush(stdout) != 0 && rc == EXIT_OK) {
        cli_error("%s: writing to standard output failed: %s",
                  argc > 2 ? argv[2] : name, strerror(errno));
        rc = EXIT_FILE;
    }
    return rc;
}
