/* cli.h - shared pieces of the hivekit command: the command table and its
 * argument parsing, error reporting, the editing helpers, the parsers of
 * command-line data, output helpers and value rendering. Exit statuses are
 * in exit.h. */
#ifndef HIVEKIT_CLI_H
#define HIVEKIT_CLI_H

#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <hivekit/regf.h>

#include "exit.h"
#include "root_path.h"

/* ---- commands.c: the command table ----
 *
 * One entry per command says everything the rest of the program needs to
 * know about its command line: what `hivekit --help` and `hivekit CMD
 * --help` print, what the parser accepts, how many positional arguments it
 * takes, and (through `hivekit --list-options CMD`) what the bash
 * completion offers. A command's run function reads the parsed options by
 * their id (cli_arg, cli_has); nothing else describes an option. */

/* Every option of every command, by what it means. */
enum cli_opt_id {
    OPT_HELP = 1,
    OPT_JSON, OPT_RAW, OPT_PREFIX, OPT_OUTPUT, OPT_UTF16, OPT_STRICT,
    OPT_ALLOW_DIRTY, OPT_PARENTS, OPT_HEX, OPT_SEP, OPT_MINOR, OPT_LOG,
    OPT_DRY_RUN,
    /* the editing commands' (cli_write_options, cli_dirty_options) */
    OPT_BACKUP, OPT_REPLACE, OPT_TIME, OPT_VERBOSE, OPT_RECOVER, OPT_FORCE,
    OPT_WAIT,               /* every command that opens a hive */
    /* inject */
    OPT_SYSTEM, OPT_SOFTWARE, OPT_ROOT, OPT_INF, OPT_DRIVER, OPT_WINDOWS,
    OPT_ARCH, OPT_UNDO, OPT_DEVICEPATH, OPT_STAGE,
    OPT_VIRTIO_WIN,
    /* inject's boot repairs */
    OPT_FIX_FILTERS, OPT_FALLBACK, OPT_DISABLE_LEFTOVERS, OPT_NO_AUTOREBOOT,
    /* inject --root, undo */
    OPT_PATCH_DIR,
    /* doctor */
    OPT_TARGET,
    OPT_COUNT
};

struct cli_option {
    const char *name;       /* long name, without "--" */
    char short_name;        /* 0: none */
    const char *arg;        /* what its value is called ("FILE"); NULL:
                               the option takes no value */
    enum cli_opt_id id;
    const char *help;       /* its help, one paragraph (wrapped when
                               printed) */
};

/* What a command writes; the editing commands take the common options
 * (--backup, --time, -v: cli_write_options). */
enum cli_writes {
    WRITES_NOTHING,
    WRITES_NEW_FILE,        /* creates a file (new) */
    WRITES_HIVE             /* edits a hive in place (atomic replace) */
};

struct cli_args;

struct cli_command {
    const char *name;
    int (*run)(const struct cli_args *a);   /* returns an exit status */
    /* After "hivekit NAME " in `hivekit --help`, and after "expected" in
     * the message for a wrong number of positional arguments. */
    const char *synopsis;
    const char *summary;    /* one line for `hivekit --help` */
    /* The usage after "usage: hivekit NAME "; '\n' starts a line that is
     * indented under the first. */
    const char *usage;
    const char *help;       /* the description, preformatted lines */
    const char *footer;     /* printed after the options, or NULL */
    int min_args, max_args; /* positional arguments; max -1: no limit */
    enum cli_writes writes;
    int dirty_options;      /* takes --recover and --force too */
    const struct cli_option *options;   /* its own, ended by { NULL } */
};

extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;
/* Options that several commands share: --backup, --time, -v (every
 * command that writes), --recover, --force (dirty_options), --help (all). */
extern const struct cli_option cli_write_options[];
extern const struct cli_option cli_dirty_options[];
extern const struct cli_option cli_help_option[];
/* --wait SECONDS: every command that opens an existing hive (all but
 * new). */
extern const struct cli_option cli_wait_option[];
/* What `hivekit --help` says after the command list, before the exit
 * statuses. */
extern const char cli_overview_note[];
/* The paragraph after the options of a command that edits a hive. */
extern const char cli_write_note[];

/* The command named NAME, or NULL. */
const struct cli_command *cli_find_command(const char *name);

/* The options CMD accepts, in the order its help lists them: its own, then
 * the shared ones it takes (an id it declares itself is not repeated).
 * Start with *IT = 0; NULL after the last. */
const struct cli_option *cli_next_option(const struct cli_command *cmd,
                                         size_t *it);

/* ---- args.c: parsing and errors ---- */

/* The parsed command line of one command. */
struct cli_args {
    const struct cli_command *cmd;
    char **pos;             /* positional arguments */
    int npos;
    const char *value[OPT_COUNT];   /* last value of each option given
                                       ("" for one without a value);
                                       NULL when not given */
    struct cli_given {      /* every option given, in order */
        enum cli_opt_id id;
        const char *value;
    } *given;
    size_t ngiven;
};

#define CLI_HELP_SHOWN (-1)

/* GNU-style parsing with CMD's options: options may come before or after
 * positional arguments; "--" ends options; "--name=value", "--name value",
 * "-o value" and "-ovalue" are accepted. Checks the number of positional
 * arguments. Returns 0 (A filled; free it with cli_args_free),
 * CLI_HELP_SHOWN when --help printed the command's help, or EXIT_USAGE
 * with the message printed. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv,
              struct cli_args *a);
void cli_args_free(struct cli_args *a);

/* The value of option ID (the last one given), or NULL. */
static inline const char *cli_arg(const struct cli_args *a,
                                  enum cli_opt_id id)
{
    return a->value[id];
}
/* Nonzero when option ID was given. */
static inline int cli_has(const struct cli_args *a, enum cli_opt_id id)
{
    return a->value[id] != NULL;
}

/* Prints "hivekit: CMD: message (try ...)" to stderr. Returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "hivekit: message" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the handle's message (or the status's name) and returns
 * cli_exit_regf(STATUS). */
int cli_fail(regf_hive *h, int status);

/* Opens HIVE read-only; on failure prints the message and returns the exit
 * status (the handle is closed). */
int cli_open(const char *path, regf_hive **out);

/* ---- help.c: what the table prints ---- */

/* `hivekit --help`. */
void cli_print_overview(FILE *f);
/* `hivekit CMD --help`. */
void cli_print_help(FILE *f, const struct cli_command *cmd);
/* `hivekit --list-commands` and `hivekit --list-options CMD` (for the bash
 * completion): one word a line; an option that takes a value is followed
 * by a space and the name of its value. */
void cli_list_commands(FILE *f);
void cli_list_options(FILE *f, const struct cli_command *cmd);

/* ---- output.c ---- */

/* FILETIME as "YYYY-MM-DD HH:MM:SS UTC" (or "never" for 0). */
void fmt_filetime(uint64_t ft, char *buf, size_t size);
/* A transaction log's format and verdict (regf_log) in words: NULL for an
 * unknown format; DRY: APPLIED is said as "applies". */
const char *log_format_text(int format);
const char *log_verdict_text(int verdict, int dry);

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
/* The number that REG_DWORD, REG_DWORD_BIG_ENDIAN (4 bytes) or REG_QWORD
 * (8 bytes) data P of N bytes holds, decoded from its bytes in their
 * stored order; 0 and *OUT set, or -1 for any other type or size. */
int value_number(uint32_t type, const uint8_t *p, size_t n, uint64_t *out);
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
/* A key path from the hive root as a JSON string, with its leading
 * backslash ("\\" is the root). */
void json_key_path(FILE *f, const char *path);
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

/* ---- parse_data.c: command-line text to data ---- */

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

/* The options every editing command shares, as given. */
struct write_options {
    const char *time;       /* --time */
    int backup, verbose;
    int replace;            /* --replace: a new file instead of in place */
    int recover, force;     /* cli_dirty_options */
    int read_only;          /* a dry run: the hive is only read (wr_open
                               does not ask for a writable file) */
};
/* Reads them from A. */
void write_options_get(const struct cli_args *a, struct write_options *o);
/* The fixed time from --time or HIVEKIT_TIME (0: now); EXIT_OK or
 * EXIT_USAGE (message printed). */
int write_options_time(const char *cmd, const struct write_options *o,
                       uint64_t *ft);

/* ---- wait.c: a hive another process holds ---- */

#define CLI_WAIT_DEFAULT 5      /* seconds --wait waits when not given */
/* Reads --wait from A (the command's whole run uses it); EXIT_OK or
 * EXIT_USAGE (message printed). */
int cli_wait_init(const struct cli_args *a);
/* regf_open, retried while the hive is locked (REGF_EBUSY) until the
 * --wait deadline. */
int cli_open_hive(const char *path, unsigned flags, regf_hive **out);
/* The same with regf_open_at (NAME in the directory DIRFD). */
int cli_open_hive_at(int dirfd, const char *name, unsigned flags,
                     regf_hive **out);
/* The message for a failed open of PATH (status RC, handle H or NULL):
 * EXIT_BUSY when the hive stayed locked, else EXIT_FILE. */
int cli_open_failed(const char *path, regf_hive *h, int rc);

/* ---- files.c ---- */

/* Appends everything FD (or the file PATH) holds to B; 0, or -1 with
 * errno set (ENOMEM when B cannot grow). */
int read_fd_all(int fd, struct bytebuf *b);
int read_file_all(const char *path, struct bytebuf *b);
/* Opens PATH to read a regular file (O_NONBLOCK until checked: a FIFO or
 * device is refused with EINVAL, never waited on). A descriptor, or -1
 * with errno. */
int open_file(const char *path);
/* The same for NAME in the folder DIRFD (a folder below --root): opened
 * with O_NOFOLLOW, a link there was resolved by root_path.c already.
 * AT_FDCWD: NAME is a path the operator gave, as open_file. */
int open_file_at(int dirfd, const char *name);
/* Writes all of BUF to FD; returns 0 or -1 (errno set). */
int write_all(int fd, const void *buf, size_t len);

/* ---- hive_write.c: editing a hive ---- */

/* A hive opened for editing. */
struct whive {
    regf_hive *h;
    const char *path;       /* as given, for messages */
    char *target;           /* the file to replace (symlinks followed):
                               a path, or below --root its name in DIRFD */
    int dirfd;              /* AT_FDCWD, or below --root the hive's folder
                               (held until wr_close) */
    char shown_dir[4400];   /* below --root that folder as ROOT/.../ */
    int at_root;            /* opened by wr_open_at */
};
/* Opens PATH for writing; refuses a dirty hive (naming its logs) and a
 * file that cannot be written, before any edit. FT: regf_set_time value
 * (0 = now). O's --recover replays the logs of a dirty hive first, --force
 * accepts a dirty hive no log applies to. Returns an exit status, message
 * printed. */
int wr_open(struct whive *w, const char *path, uint64_t ft,
            const struct write_options *o);
/* Nonzero when the hive must be written even without an edit: it was
 * recovered from its logs, or is dirty and accepted with --force. */
int wr_pending(const struct whive *w);
/* Commits when something changed or wr_pending (with a backup under
 * --backup: backup.c); resets the logs of a recovered hive. Exit status. */
int wr_commit(struct whive *w, const struct write_options *o);
/* Writes H to TARGET (SHOWN in messages): REGF_COMMIT_DIRTY when DIRTY;
 * under o->backup a backup first (with the hive's logs beside it when
 * WITH_LOGS: the file on disk is dirty and only complete with them); a
 * file the commit replaced gets its NTFS metadata back (volume.c).
 * SIGINT/SIGTERM are held off meanwhile. Exit status, message printed. */
int wr_commit_file(regf_hive *h, const char *target, const char *shown,
                   int dirty, int with_logs, const struct write_options *o);
void wr_close(struct whive *w);
/* wr_open for the hive F below --root R (root_path.h): opened through
 * its folder's descriptor, never through a link; SHOWN names it. */
int wr_open_at(struct whive *w, struct rp_root *r, const struct rp_file *f,
               const char *shown, uint64_t ft, const struct write_options *o);
/* Looks PATH up; when it is missing and CREATE is set, creates it and its
 * missing parents (*created = 1). Missing without CREATE: message + HINT,
 * EXIT_NOTFOUND. Returns an exit status, message printed. */
int wr_key(struct whive *w, const char *path, int create, const char *hint,
           regf_key *out, int *created);
/* The file a commit replaces and beside which the logs lie: PATH, or the
 * file a symbolic link PATH names (malloc'd; NULL when out of memory). */
char *hive_target_path(const char *path);
/* Truncates the transaction logs beside HIVE to 0 bytes (a normal state):
 * after a recovery nothing may replay them again. Prints a warning for each
 * log that cannot be reset; returns how many could not. */
int reset_logs(const char *hive);
/* The same for the hive HIVE in the folder DIRFD (SHOWN_DIR in messages). */
int reset_logs_at(int dirfd, const char *shown_dir, const char *hive);

/* ---- guest_root.c ---- */

/* The file NAME (any case) in the folder DIR - a driver's source folder,
 * not the guest's volume (that is root_path.h's): DIR/NAME as found in
 * OUT, 0, or -1. */
int root_find(const char *dir, const char *name, char *out, size_t size);
/* The hives below ROOT: Windows/System32/config/SYSTEM into SYSF and
 * SOFTWARE into SOFTF (SOFTF->exists 0 when it has none), any case, links
 * followed inside ROOT. RP_OK (close both ->dir with rp_dir_close),
 * RP_MISSING (no SYSTEM) or RP_REFUSED (R->err says why). */
int root_hives(struct rp_root *r, struct rp_file *sysf, struct rp_file *softf);
/* The hive F below ROOT (SHOWN in messages) before the library opens it:
 * a regular file (rp_file_open) of at most REGF_MAX_HIVE_SIZE bytes - a
 * huge, sparse "hive" on a guest volume is refused by its size alone.
 * EXIT_OK, or EXIT_FILE with the message printed. */
int root_hive_check(struct rp_root *r, const struct rp_file *f,
                    const char *shown);
/* 1 when ROOT/hiberfil.sys holds a hibernation image (Windows hibernated
 * or shut down with Fast Startup), 0 when not; its path goes to PATH. -1:
 * refused (r->err: a link out of ROOT, a FIFO...). */
int root_hibernated(struct rp_root *r, char *path, size_t size);
/* Driver files on their way into a mounted volume (guest_root.c). */
#define STAGE_MAX_FILES 64      /* 8 drivers: 4 files each, 4 more with --stage */
#define STAGE_MAX_DIRS 16
struct backup {
    int dirfd;              /* the folder of the hive and its backup (the
                               caller's, open while the backup is) */
    const char *shown_dir;  /* that folder in messages, with its '/' */
    char path[4300];        /* the backup's name there: HIVE.bak(.N) */
    char logs[3][4400];     /* the logs copied beside it (names there) */
    int nlogs;
    int cid[4];             /* cleanup list entries until kept */
};
struct stage_file {
    char src[4096];         /* the file copied */
    char final[4300];       /* where it goes (an existing name's case kept),
                               as shown: ROOT/... */
    int dirfd;              /* its folder (held; -1 in a dry run) */
    char name[256];         /* its name there */
    char shown_dir[4400];   /* that folder as shown: ROOT/.../ */
    char tmp[4400];         /* its staged copy's name beside it */
    int cid;                /* cleanup entry of TMP */
    int same;               /* FINAL holds the same content: nothing to do */
    int exists;             /* FINAL holds other content: replaced, backup */
    int staged, placed;
    int have_bak;
    struct backup bak;      /* the replaced file's backup */
    uint64_t hash, size;    /* of SRC (file_fingerprint) */
};
struct stage {
    struct rp_root *root;   /* --root */
    int dry_run;
    struct stage_file f[STAGE_MAX_FILES];
    int n;
    char dirs[STAGE_MAX_DIRS][4096];  /* folders made, in order */
    int dir_cid[STAGE_MAX_DIRS];
    int ndirs;
    char said[STAGE_MAX_DIRS][4400];  /* dry run: folders said to be made */
    int nsaid;
    int sd_dirfd;           /* the sibling whose descriptor new files get:
                               its folder (-1: none found yet) */
    char sd_name[256];      /* its name there */
    char sd_shown[4400];    /* as shown: ROOT/... */
    int done;               /* something was put in place */
};
void stage_init(struct stage *s, struct rp_root *root, int dry_run);
/* The file whose security descriptor new files get: DIR/disk.sys (any
 * case), else DIR's first *.sys. Kept once found. */
void stage_sibling(struct stage *s, const struct rp_dir *dir);
/* Finds REL below the root (any case) or creates what is missing of it
 * (each new folder with its parent's descriptor; a dry run only says so,
 * and OUT->fd is then -1). Exit status, message printed. */
int stage_dir(struct stage *s, const char *rel, struct rp_dir *out);
/* Stages SRC as DIR/NAME: nothing when an identical file is there; else a
 * synced temporary copy with its descriptor, and for a file of other
 * content a backup of it. A dry run says on stderr what it would do. */
int stage_add(struct stage *s, const char *src, const struct rp_dir *dir,
              const char *name);
/* How many files and folders the staging changes (0: all there). */
int stage_changes(const struct stage *s);
/* Moves the staged files into place (after the hives were committed);
 * prints what was copied. EXIT_OK, or EXIT_PARTIAL saying what is where. */
int stage_place(struct stage *s);
/* Removes the staged copies, the backups of files not replaced and, if
 * nothing was placed, the folders made. */
void stage_abort(struct stage *s);
/* Takes the lock of a mounted volume (flock on its config folder) for the
 * run: a descriptor to give root_unlock, -2 when there is no such folder
 * (nothing to lock), or -1 when another run holds it (message printed). */
int root_lock(struct rp_root *r);
void root_unlock(int fd);
/* Reports (and with REMOVE_OURS removes) the temporary files earlier
 * interrupted runs left in the folders inject --root writes to. */
void root_leftovers(struct rp_root *r, int remove_ours);
/* FNV-1a 64 and size of a file's content; 0, or -1 with errno. */
int file_fingerprint(const char *path, uint64_t *hash, uint64_t *size);
/* The same for NAME in the folder DIRFD (open_file_at). */
int file_fingerprint_at(int dirfd, const char *name, uint64_t *hash,
                        uint64_t *size);

/* ---- volume.c: NTFS metadata through extended attributes ---- */

/* What kind of metadata an attribute is (and what vol_meta_apply sets). */
enum {
    VOL_SD = 1,             /* security descriptor: system.ntfs_acl (ntfs-3g),
                               system.ntfs_security (ntfs3) */
    VOL_ATTRIB = 2,         /* system.ntfs_attrib: DOS attributes */
    VOL_CRTIME = 4,         /* system.ntfs_crtime: creation time */
    VOL_STREAMS = 8,        /* user.*: alternate data streams (ntfs-3g with
                               streams_interface=xattr) or EAs (ntfs3) */
    VOL_TIMES = 16          /* access and modification times (stat) */
};
struct vol_attr {
    char name[256];
    unsigned char *val;
    size_t len;
    unsigned kind;
};
struct vol_meta {
    struct vol_attr *a;
    size_t n;
    int have_stat;
    struct stat st;
};
/* Reads the NTFS metadata of a file (none on other filesystems); 0, or -1
 * with errno when the file cannot be opened. Free with vol_meta_free. */
int vol_meta_read(const char *path, struct vol_meta *m);
/* NAME in the folder DIRFD (never through a link at NAME). */
int vol_meta_read_at(int dirfd, const char *name, struct vol_meta *m);
int vol_meta_read_fd(int fd, struct vol_meta *m);
void vol_meta_free(struct vol_meta *m);
const struct vol_attr *vol_meta_find(const struct vol_meta *m, unsigned kind);
/* Sets the kinds WHAT of M on a file; returns how many could not be set,
 * their names in FAILED. Attribute bits are copied only for READONLY,
 * HIDDEN, SYSTEM, ARCHIVE, TEMPORARY and NOT_CONTENT_INDEXED. */
int vol_meta_apply_fd(int fd, const struct vol_meta *m, unsigned what,
                      char *failed, size_t fsize);
int vol_meta_apply(const char *path, const struct vol_meta *m, unsigned what,
                   char *failed, size_t fsize);
int vol_meta_apply_at(int dirfd, const char *name, const struct vol_meta *m,
                      unsigned what, char *failed, size_t fsize);
/* Gives TO_FD the security descriptor of the file FROM in the folder
 * DIRFD: 0 done, 1 the filesystem exposes none, -1 failed (errno). */
int vol_copy_sd_at(int dirfd, const char *from, int to_fd);
int vol_copy_sd_fd(int from_fd, int to_fd);
/* Nonzero when PATH shows an NTFS security descriptor. */
int vol_has_ntfs_meta(const char *path);

/* ---- backup.c: backups and new files on the volume ---- */

/* Every file below is a name in a folder given by its descriptor DIRFD
 * (below --root, one resolved by root_path.c: nothing there is looked up
 * again by a path) and named in messages SHOWN_DIR (the folder as the
 * user knows it, with its '/') then the name. With DIRFD AT_FDCWD and
 * SHOWN_DIR "" the name is a path the operator gave (--system...). */

/* Copies what IN reads to a new temporary file beside FINAL in DIRFD
 * (cleanup_tmpname; O_CREAT | O_EXCL; on the cleanup list as *CID),
 * created with MODE, content synced. Returns its open descriptor and its
 * name in TMP, or -1 with errno. */
int copy_to_temp(int in, int dirfd, const char *shown_dir, const char *final,
                 mode_t mode, char *tmp, size_t tsize, int *cid);
/* Gives the file TMP the name FINAL unless FINAL exists (hard link, else a
 * rename once FINAL is seen free). 0, EEXIST, or another errno. */
int place_noreplace(const char *tmp, const char *final);
int place_noreplace_at(int dirfd, const char *tmp, const char *final);
/* Backs SRC in DIRFD up (see backup.c) and, with WITH_LOGS, its non-empty
 * logs beside the backup; B keeps DIRFD and SHOWN_DIR (both stay valid
 * until backup_discard/backup_keep/backup_say). 0, or -1 with the message
 * printed. */
int backup_file(int dirfd, const char *shown_dir, const char *src,
                int with_logs, struct backup *b);
/* The transaction logs beside the hive NAME in DIRFD (at most
 * REGF_MAX_LOGS, *N of them; their paths are names in DIRFD, or paths
 * with AT_FDCWD); REGF_OK, else *N is 0. */
int find_logs_at(int dirfd, const char *name, struct regf_log *logs,
                 size_t *n);
/* The commit failed: the backup goes. */
void backup_discard(struct backup *b);
/* The commit succeeded: the backup stays (off the cleanup list). */
void backup_keep(struct backup *b);
/* Says which backup was made (always when it is not SRC.bak or has logs;
 * else only with VERBOSE). */
void backup_say(const char *src, const struct backup *b, int verbose);

/* ---- cleanup.c: interruptions and leftovers ---- */

/* Puts PATH (a file, or a directory with IS_DIR) on the list SIGINT,
 * SIGTERM and SIGHUP remove (installing the handler on first use);
 * returns its id (-1: list full or path too long). */
int cleanup_add(const char *path, int is_dir);
/* The same for NAME in the folder DIRFD (AT_FDCWD: NAME is a path), which
 * the entry keeps a copy of; messages name it SHOWN_DIR (the folder as the
 * user knows it, with its '/'; "" for AT_FDCWD) then NAME. */
int cleanup_add_at(int dirfd, const char *shown_dir, const char *name,
                   int is_dir);
/* Off the list (it stays). */
void cleanup_forget(int id);
/* Removed now, and off the list. */
void cleanup_remove(int id);
/* Everything on the list removed. */
void cleanup_all(void);
/* Holds off SIGINT, SIGTERM and SIGHUP (the old mask into OLD) for a
 * commit; cleanup_unblock lets them in again, DONE saying the changes are
 * written (what the handler then says). */
void cleanup_block(sigset_t *old);
void cleanup_unblock(const sigset_t *old, int done);
/* The template of a temporary file beside PATH: PATH.hivekit-tmp-XXXXXX. */
int cleanup_tmpname(const char *path, char *out, size_t size);
enum { LEFTOVER_OURS = 1, LEFTOVER_COMMIT = 2 };
/* Whether a file name is one of hivekit's temporary names: LEFTOVER_OURS
 * (the command's own), LEFTOVER_COMMIT (the library's commit), or 0. */
int cleanup_leftover_kind(const char *name);
/* Reports the temporary files of earlier runs in DIR (one note each);
 * with REMOVE_OURS the command's own are removed. Returns how many. */
int cleanup_leftovers(const char *dir, int remove_ours);
/* The same in the folder DIRFD, named SHOWN_DIR (with its '/'). */
int cleanup_leftovers_at(int dirfd, const char *shown_dir, int remove_ours);
/* For the tests: when HIVEKIT_TEST_PAUSE is WHERE, says so on stderr and
 * sleeps (30 s at most) so a test can interrupt the run there. */
void cleanup_test_pause(const char *where);

/* ---- plan_text.c: a change set for people and for later ---- */

struct inj_plan;

/* The changes of P to HIVE, one line each, strings shown as text. */
void plan_list(FILE *f, const char *hive, const struct inj_plan *p);
/* --patch-dir DIR: DIR/SYSTEM.reg, DIR/SOFTWARE.reg (PW not NULL) and
 * DIR/changes.txt (plan_list and the files of ST), never over existing
 * files. Exit status, message printed. */
int plan_patch_dir(const char *dir, const struct inj_plan *ps,
                   const struct inj_plan *pw, const struct stage *st);

/* ---- undo.c: inject --undo and hivekit undo ---- */

enum { UNDO_SYS, UNDO_SOFT, UNDO_MANIFEST, UNDO_NFILES };
/* What an inject run changes, for its undo. */
struct undo_in {
    const char *root;               /* --root, or NULL */
    const char *system, *software;  /* hive paths (SOFTWARE may be NULL) */
    const struct inj_plan *ps, *pw;
    const struct stage *stage;      /* files and folders, or NULL */
};
/* The files --undo UNDO writes: UNDO (SYSTEM .reg), UNDO less .reg plus
 * -software.reg, UNDO less .reg plus .undo (the manifest). */
struct undo_out {
    char path[UNDO_NFILES][4200];
    int written[UNDO_NFILES];
    int cid[UNDO_NFILES];
};
/* EXIT_FILE (message printed) when any of the files --undo UNDO would
 * write exists: an undo file is never overwritten. */
int undo_refuse_existing(const char *undo);
/* Writes them (never over an existing file), on the cleanup list until
 * undo_keep; EXIT_OK or EXIT_FILE (message printed, nothing left). */
int undo_write(const char *undo, const struct undo_in *in,
               struct undo_out *u);
void undo_keep(struct undo_out *u);
/* Removes them (the run changed nothing after all). */
void undo_discard(struct undo_out *u);
/* One line on stdout naming them. */
void undo_say(const struct undo_out *u);

/* ---- confine.c: where a run may write (Landlock, sandbox.h) ---- */

/* The places a run may write, gathered before the command starts; any
 * other write fails with EACCES once confine_apply put them in force
 * (where the kernel has Landlock; HIVEKIT_NO_LANDLOCK=1 turns it off). */
#define CONFINE_MAX 8
struct confine {
    int fd[CONFINE_MAX];            /* O_PATH descriptors */
    int is_dir[CONFINE_MAX];        /* 0: a device or FIFO output */
    char *shown[CONFINE_MAX];       /* as named, for -v */
    size_t n;
    int overflow;
    int volume;                     /* a guest volume is among them */
};
void confine_init(struct confine *c);
/* DIR and everything beneath it: a guest volume (inject --root, undo's
 * root), so a note says so even without -v when Landlock is missing. */
void confine_dir(struct confine *c, const char *dir);
/* The folder of the hive PATH (of the file a symbolic link PATH names):
 * its temporary file, transaction logs and backups are made there. */
void confine_hive(struct confine *c, const char *path);
/* The file PATH alone (the one a symbolic link names), to be opened for
 * writing but not replaced: a dry run's hive, which it holds locked as a
 * writer would. */
void confine_file(struct confine *c, const char *path);
/* An output named on the command line ("-": none): its folder (a
 * temporary file renamed into place), or the file alone when it is a
 * device or FIFO (written directly). */
void confine_output(struct confine *c, const char *path);
/* A folder the run makes if missing (--patch-dir): it when it exists,
 * else the folder it goes in. */
void confine_newdir(struct confine *c, const char *dir);
/* Puts C in force for the rest of the process (C is emptied). With
 * VERBOSE one line on stderr says whether Landlock is active and where
 * writes may go (the line that it is not available also without VERBOSE
 * when a guest volume is written); a failure of an available Landlock is a warning and the
 * run goes on. Then the tests' HIVEKIT_TEST_LANDLOCK_PROBE. A read-only
 * command (doctor) calls it on an empty C: nothing may be written. */
void confine_apply(struct confine *c, int verbose);
/* Confines the run of A's command to what its command line names as
 * written (main, before the command runs; undo confines itself): for a
 * command that writes, its hive's folder, --root, --system, --software,
 * --undo (a dry run: the hive files alone, and --root); for any, -o and
 * --patch-dir; nothing else. A command whose table entry says
 * WRITES_NOTHING (doctor) gets no more. */
void confine_command(const struct cli_args *a);

/* ---- the commands (cmd_*.c) ---- */
int cmd_info(const struct cli_args *a);
int cmd_ls(const struct cli_args *a);
int cmd_get(const struct cli_args *a);
int cmd_export(const struct cli_args *a);
int cmd_check(const struct cli_args *a);
int cmd_set(const struct cli_args *a);
int cmd_rm(const struct cli_args *a);
int cmd_mkkey(const struct cli_args *a);
int cmd_new(const struct cli_args *a);
int cmd_import(const struct cli_args *a);
int cmd_recover(const struct cli_args *a);
int cmd_inject(const struct cli_args *a);
int cmd_undo(const struct cli_args *a);
int cmd_doctor(const struct cli_args *a);

#endif
