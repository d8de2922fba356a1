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
#define EXIT_DATA      65   /* import: the .reg text is invalid */

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

/* ---- write_common.c ---- */

/* HKEY_LOCAL_MACHINE\ + the file name of PATH without its directory and
 * last extension (the default .reg prefix of export and import); malloc'd,
 * NULL when out of memory. */
char *cli_default_prefix(const char *path);

struct bytebuf {
    uint8_t *p;
    size_t len, cap;
};
/* Appends N bytes; 0 or -1 (out of memory). */
int buf_put(struct bytebuf *b, const void *p, size_t n);

/* Appends UTF-8 S as UTF-16LE (plus a NUL unit when NUL is set). Surrogate
 * code points in their 3-byte form become that unit. Returns 0, -1 when S
 * is not UTF-8, -2 when out of memory. */
int utf8_to_utf16le(const char *s, struct bytebuf *out, int nul);
/* Appends the hex bytes of the N strings ARGS ("01 02 0a", "01,02,0a",
 * "01020a"); 0, or -1/-2 with a message in ERR. */
int parse_hex_bytes(char **args, int n, struct bytebuf *out, char *err,
                    size_t errsize);
/* Decimal or 0x hex number <= MAX; "-N" for N <= NEG_MAX gives the two's
 * complement masked to MAX. 0, -1 (not a number) or -2 (out of range). */
int parse_number(const char *s, uint64_t max, uint64_t neg_max,
                 uint64_t *out);
/* FILETIME (decimal or 0x hex, > 0), ISO 8601 (2024-01-02T03:04:05Z,
 * fraction and +HH:MM allowed, a date alone is midnight UTC) or "now"
 * (*out = 0). 0, -1 (malformed) or -2 (time of day without a zone). */
int parse_time(const char *s, uint64_t *out);

/* Options of every editing command. */
enum { WOPT_BACKUP = 1000, WOPT_TIME, WOPT_VERBOSE };
#define WCOMMON_OPTS \
    { "backup", 0, 0, WOPT_BACKUP }, { "time", 0, 1, WOPT_TIME }, \
    { "verbose", 'v', 0, WOPT_VERBOSE }
/* --help text of the common options. */
#define WCOMMON_HELP \
    "  --backup         keep the previous file as HIVE.bak\n" \
    "  --time T         time given to changed keys and the header: a\n" \
    "                   FILETIME number, an ISO 8601 UTC time such as\n" \
    "                   2024-01-02T03:04:05Z, or 'now' (the default; the\n" \
    "                   HIVEKIT_TIME environment variable takes the same\n" \
    "                   forms). A fixed time makes the output reproducible\n" \
    "  -v, --verbose    one line on standard error saying what was done\n" \
    "\n" \
    "A dirty hive (its transaction logs hold newer data) is refused before\n" \
    "anything is changed. The file is replaced atomically and keeps its\n" \
    "permissions; on any error it is left unchanged.\n"
struct wcommon {
    const char *time;
    int backup, verbose;
};
/* Handles a common option: 1 when ID was one. */
int wcommon_opt(struct wcommon *c, int id, const char *arg);
/* The fixed time from --time or HIVEKIT_TIME (0: now); EXIT_OK or
 * EXIT_USAGE (message printed). */
int wcommon_time(const char *cmd, const struct wcommon *c, uint64_t *ft);

/* A hive opened for editing. */
struct whive {
    regf_hive *h;
    const char *path;       /* as given, for messages */
    char *target;           /* the file to replace (symlinks followed) */
};
/* Opens PATH for writing; refuses a dirty hive (naming its logs) and a
 * file that cannot be written, before any edit. FT: regf_set_time value
 * (0 = now). Returns an exit status, message printed. */
int wr_open(struct whive *w, const char *path, uint64_t ft);
/* Commits when something changed (with .bak under --backup); exit status. */
int wr_commit(struct whive *w, const struct wcommon *c);
void wr_close(struct whive *w);
/* Looks PATH up; when it is missing and CREATE is set, creates it and its
 * missing parents (*created = 1). Missing without CREATE: message + HINT,
 * EXIT_NOTFOUND. Returns an exit status, message printed. */
int wr_key(struct whive *w, const char *path, int create, const char *hint,
           regf_key *out, int *created);

/* ---- commands ---- */
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mkkey(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_inject(int argc, char **argv);

#endif
