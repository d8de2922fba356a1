/* help.c - what the command table (commands.c) prints: `hivekit --help`,
 * `hivekit CMD --help`, and the word lists of the bash completion. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define HELP_WIDTH 78       /* columns of wrapped help text */
#define LABEL_MAX 24        /* widest option label kept on the text's line */

/* Writes TEXT wrapped at HELP_WIDTH; the first line continues a line
 * already COL columns wide, the next ones are indented by INDENT. */
static void wrap(FILE *f, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        size_t w = (size_t)(e - p);
        if (!first && col + 1 + w > HELP_WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
            first = 1;
        }
        if (!first) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += w;
        first = 0;
        p = e;
    }
    fputc('\n', f);
}

/* "-o, --output FILE" */
static void option_label(const struct cli_option *o, char *buf, size_t size)
{
    if (o->short_name)
        snprintf(buf, size, "-%c, --%s%s%s", o->short_name, o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "");
    else
        snprintf(buf, size, "--%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
}

void cli_print_help(FILE *f, const struct cli_command *cmd)
{
    /* usage: hivekit NAME USAGE, its further lines under the first */
    int lead = fprintf(f, "usage: hivekit %s ", cmd->name);
    for (const char *p = cmd->usage; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(f, "%.*s\n", (int)n, p);
        p += n;
        if (*p == '\n' && *++p)
            fprintf(f, "%*s", lead, "");
    }
    fprintf(f, "\n%s", cmd->help);

    size_t it = 0, width = 0;
    const struct cli_option *o;
    char label[64];
    while ((o = cli_next_option(cmd, &it)) != NULL) {
        option_label(o, label, sizeof label);
        if (o->id != OPT_HELP && strlen(label) > width &&
            strlen(label) <= LABEL_MAX)
            width = strlen(label);
    }
    int any = 0;
    for (it = 0; (o = cli_next_option(cmd, &it)) != NULL;) {
        if (o->id == OPT_HELP)
            continue;
        if (!any++)
            fputc('\n', f);
        option_label(o, label, sizeof label);
        size_t col = (size_t)fprintf(f, "  %-*s", (int)width, label);
        if (strlen(label) > width) {
            fprintf(f, "\n%*s", (int)(width + 2), "");
            col = width + 2;
        }
        fputs("  ", f);
        wrap(f, o->help, col + 2, width + 4);
    }
    if (cmd->writes == WRITES_HIVE)
        fprintf(f, "\n%s", cli_write_note);
    if (cmd->footer)
        fprintf(f, "\n%s", cmd->footer);
}

void cli_print_overview(FILE *f)
{
    fputs("usage: hivekit COMMAND [ARGS...]\n\n"
          "Reads and edits Windows registry hive files (REGF) offline.\n\n"
          "commands:\n", f);
    size_t width = 0;
    for (size_t i = 0; i < cli_ncommands; i++) {
        size_t w = strlen(cli_commands[i].name) + 1 +
                   strlen(cli_commands[i].synopsis);
        if (w > width)
            width = w;
    }
    for (size_t i = 0; i < cli_ncommands; i++) {
        const struct cli_command *c = &cli_commands[i];
        int n = fprintf(f, "  %s %s", c->name, c->synopsis);
        fprintf(f, "%*s  %s\n", (int)(width + 2) - n, "", c->summary);
    }
    fprintf(f, "\n%s\nexit status:\n", cli_overview_note);
#define CLI_EXIT_HELP(name, number, meaning) \
    fprintf(f, "  %-3d ", number);           \
    wrap(f, meaning, 6, 6);
    CLI_EXIT_TABLE(CLI_EXIT_HELP)
#undef CLI_EXIT_HELP
}

void cli_list_commands(FILE *f)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        fprintf(f, "%s\n", cli_commands[i].name);
}

void cli_list_options(FILE *f, const struct cli_command *cmd)
{
    size_t it = 0;
    const struct cli_option *o;
    while ((o = cli_next_option(cmd, &it)) != NULL) {
        fprintf(f, "--%s%s%s\n", o->name, o->arg ? " " : "",
                o->arg ? o->arg : "");
        if (o->short_name)
            fprintf(f, "-%c%s%s\n", o->short_name, o->arg ? " " : "",
                    o->arg ? o->arg : "");
    }
}
