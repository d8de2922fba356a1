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
/* A string value's text (regf_string_decode with U+FFFD for lone
 * surrogates) in a new buffer, *LEN its length; for REG_MULTI_SZ each
 * string ends with '\0'. NULL when out of memory or not a string type. */
char *cli_string_value(uint32_t type, const uint8_t *p, size_t n,
                       size_t *len);
/* Full decoded rendering for `get`: strings as text, numbers in decimal,
 * anything else as a hex dump. Written to F. */
void render_full(FILE *f, uint32_t type, const uint8_t *p, size_t n);
/* Copies N bytes of UTF-8 S into OUT with control characters written as
 * \n, \r, \t or \xNN (NUL included), for one-line display. */
void escape_controls(const char *s, size_t n, char *out, size_t size);
/* Type name or "0xNNNN" for unnamed types. */
const char *type_label(uint32_t type, char *buf, size_t size);

/* ---- json.c ---- */

/* N bytes of UTF-8 S as a JSON string: '"' and '\\' escaped, control
 * characters as \u00XX, invalid UTF-8 bytes as \ufffd. */
void json_strn(FILE *f, const char *s, size_t n);
void json_str(FILE *f, const char *s);
void json_bool(FILE *f, int b);
/* FILETIME as "YYYY-MM-DDTHH:MM:SSZ", or null for 0 (never). */
void json_filetime(FILE *f, uint64_t ft);
/* Bytes as a string of lowercase hex digits, no separators. */
void json_hex(FILE *f, const uint8_t *p, size_t n);
/* Decoded value data: REG_SZ, REG_EXPAND_SZ, REG_LINK a string (up to the
 * first NUL), REG_MULTI_SZ an array of strings, REG_DWORD(_BE) of 4 bytes
 * and REG_QWORD of 8 bytes a number, anything else a hex string.
 * 0, or -1 when out of memory. */
int json_value_data(FILE *f, uint32_t type, const uint8_t *p, size_t n);
/* "type": NAME or null, "type_id": N */
void json_type(FILE *f, uint32_t type);

/* ---- parse_data.c ---- */

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

/* Appends the bytes of a string value of TYPE made of the UTF-8 text S
 * (LEN bytes), as regf_string_encode builds them (generalized UTF-8: a
 * surrogate in its 3-byte form becomes that unit). Returns 0, -1 when S
 * is not UTF-8 or holds a NUL, -2 when out of memory. */
int buf_put_string(struct bytebuf *b, uint32_t type, const char *s,
                   size_t len);
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
/* Options of the editing commands about dirty hives (set, rm, mkkey,
 * import): replay the logs first, or write the hive as it is. */
enum { WOPT_RECOVER = 1100, WOPT_FORCE };
#define WDIRTY_OPTS \
    { "recover", 0, 0, WOPT_RECOVER }, { "force", 0, 0, WOPT_FORCE }
#define WDIRTY_HELP \
    "  --recover        a dirty hive is first recovered from its transaction\n" \
    "                   logs (as 'hivekit recover' does), then edited, and\n" \
    "                   written in one atomic write; its logs are then reset\n" \
    "                   to 0 bytes\n" \
    "  --force          write a dirty hive none of whose logs applies (none\n" \
    "                   found, empty, stale or damaged) as it is on disk,\n" \
    "                   made clean; what only the logs or Windows' memory\n" \
    "                   held is lost (a warning says so)\n"
struct wcommon {
    const char *time;
    int backup, verbose;
    int recover, force;     /* WDIRTY_OPTS */
};
/* Handles a common option: 1 when ID was one. */
int wcommon_opt(struct wcommon *c, int id, const char *arg);
/* The fixed time from --time or HIVEKIT_TIME (0: now); EXIT_OK or
 * EXIT_USAGE (message printed). */
int wcommon_time(const char *cmd, const struct wcommon *c, uint64_t *ft);

/* ---- hive_write.c ---- */

/* A hive opened for editing. */
struct whive {
    regf_hive *h;
    const char *path;       /* as given, for messages */
    char *target;           /* the file to replace (symlinks followed) */
};
/* Opens PATH for writing; refuses a dirty hive (naming its logs) and a
 * file that cannot be written, before any edit. FT: regf_set_time value
 * (0 = now). C's --recover replays the logs of a dirty hive first and
 * --force accepts a dirty hive no log applies to (C may be NULL). Returns
 * an exit status, message printed. */
int wr_open_dirty(struct whive *w, const char *path, uint64_t ft,
                  const struct wcommon *c);
/* Nonzero when the hive must be written even without an edit: it was
 * recovered from its logs, or is dirty and accepted with --force. */
int wr_pending(const struct whive *w);
/* Commits when something changed or wr_pending (with .bak under --backup);
 * resets the logs of a recovered hive. Exit status. */
int wr_commit(struct whive *w, const struct wcommon *c);
/* Truncates the transaction logs beside HIVE to 0 bytes (a normal state):
 * after a recovery nothing may replay them again. Prints a warning for each
 * log that cannot be reset; returns how many could not. */
int cli_reset_logs(const char *hive);
void wr_close(struct whive *w);
/* Looks PATH up; when it is missing and CREATE is set, creates it and its
 * missing parents (*created = 1). Missing without CREATE: message + HINT,
 * EXIT_NOTFOUND. Returns an exit status, message printed. */
int wr_key(struct whive *w, const char *path, int create, const char *hint,
           regf_key *out, int *created);

/* ---- guest_root.c ---- */

/* Resolves REL ('/'-separated) below ROOT matching every component
 * case-insensitively (a mounted NTFS volume keeps Windows' mixed case);
 * with MKDIRS, missing components are created as directories. 0 and the
 * path in OUT, or -1. */
int root_find(const char *root, const char *rel, char *out, size_t size,
              int mkdirs);
/* Nonzero when ROOT/hiberfil.sys holds a hibernation image (Windows
 * hibernated or shut down with Fast Startup); its path goes to PATH. */
int root_hibernated(const char *root, char *path, size_t size);
/* Copies SRC into DIR as NAME (an existing file of that name in any case
 * is replaced, saying so, unless identical), through a synced temporary
 * file; with DRY_RUN only says what it would do. Exit status. */
int root_copy(const char *src, const char *dir, const char *name, int dry_run);

/* ---- commands ---- */
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mkkey(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_inject(int argc, char **argv);

#endif
