/* cli.h - shared pieces of the hivekit command: exit statuses, argument
 * parsing, output helpers and value rendering. */
#ifndef HIVEKIT_CLI_H
#define HIVEKIT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "regf.h"

/* Exit statuses (documented in README.md and `hivekit --help`). */
#define EXIT_OK        0
#define EXIT_NOTFOUND  1    /* a requested key or value does not exist */
#define EXIT_HIVE      2    /* the hive cannot be read (or I/O failed) */
#define EXIT_USAGE     64   /* bad command line */

/* ---- args.c ---- */

struct cli_opt {
    const char *name;       /* long name without "--", or NULL */
    char short_name;        /* 0 if none */
    int has_arg;
    int id;
};

/* GNU-style parsing: options may come before or after positional
 * arguments; "--" ends options; "--name=value", "--name value", "-o value"
 * and "-ovalue" are accepted. For each option ON_OPT is called (a nonzero
 * return aborts with that exit status). Positional arguments are collected
 * into POS (at most MAX). Returns 0 or EXIT_USAGE (message printed). */
int cli_parse(const char *cmd, int argc, char **argv,
              const struct cli_opt *opts,
              int (*on_opt)(void *ctx, int id, const char *arg), void *ctx,
              char **pos, int max, int *npos);

/* Prints "hivekit: CMD: message" to stderr. Returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "hivekit: message" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Maps a regf status to an exit status and prints the handle's message. */
int cli_fail(regf_hive *h, int status);

/* Opens HIVE read-only; on failure prints the message and returns the exit
 * status (the handle is closed). */
int cli_open(const char *path, regf_hive **out);

/* ---- output.c ---- */

/* FILETIME as "YYYY-MM-DD HH:MM:SS UTC" (or "never" for 0). */
void fmt_filetime(uint64_t ft, char *buf, size_t size);
/* Writes all of BUF to FD; returns 0 or -1 (errno set). */
int write_all(int fd, const void *buf, size_t len);

/* ---- render.c ---- */

/* One-line rendering of value data for listings (at most about WIDTH
 * characters, UTF-8). */
void render_short(uint32_t type, const uint8_t *p, size_t n, char *out,
                  size_t size, size_t width);
/* Full decoded rendering for `get`: strings as text, numbers in decimal,
 * anything else as a hex dump. Written to F. */
void render_full(FILE *f, uint32_t type, const uint8_t *p, size_t n);
/* Copies N bytes of UTF-8 S into OUT with control characters written as
 * \n, \r, \t or \xNN (NUL included), for one-line display. */
void escape_controls(const char *s, size_t n, char *out, size_t size);
/* Type name or "0xNNNN" for unnamed types. */
const char *type_label(uint32_t type, char *buf, size_t size);

/* ---- commands ---- */
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
