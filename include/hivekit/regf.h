/* hivekit/regf.h - the public header of libhivekit: read Windows registry
 * hive files (REGF) offline.
 *
 * Conventions
 *  - Every function returning int returns REGF_OK (0), REGF_NOTFOUND (a
 *    soft outcome: the key or value does not exist, or an iteration is over),
 *    or a negative status. After a negative status, regf_errmsg(h) holds one
 *    line saying what went wrong and where: the file name, the cell offset
 *    (relative to the start of the hive bins data, as in the format) and the
 *    field involved.
 *  - Keys and values are identified by the cell offsets of their nk and vk
 *    records (regf_key, regf_val). They stay valid as long as the handle.
 *  - Strings cross the API as UTF-8. Names stored as UTF-16 are converted;
 *    an unpaired surrogate becomes its 3-byte generalized UTF-8 form
 *    ("WTF-8"), so every stored name converts losslessly and back. Key names
 *    may legally contain U+0000: use the returned lengths, not strlen().
 *  - Text is copied into caller buffers snprintf-style: at most size-1 bytes
 *    are written followed by a NUL, *need (if not NULL) receives the full
 *    length without the NUL, and a too-small buffer is not an error.
 *  - The library never prints, never exits and keeps no global state; the
 *    only memory the caller owns is the handle itself (regf_close).
 *  - Nothing in a hive file is trusted: every offset, length and count read
 *    from it is checked before use, subkey recursion is bounded, and a
 *    damaged hive yields REGF_ECORRUPT, never a crash.
 */
#ifndef REGF_H
#define REGF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regf_hive regf_hive;   /* opaque */
typedef uint32_t regf_key;            /* cell offset of an nk record */
typedef uint32_t regf_val;            /* cell offset of a vk record */

enum regf_status {
    REGF_NOTFOUND = 1,    /* no such key/value, or end of iteration */
    REGF_OK       = 0,
    REGF_EINVAL   = -1,   /* bad argument (e.g. a malformed path) */
    REGF_ENOMEM   = -2,
    REGF_EIO      = -3,   /* an OS call failed; regf_errno() tells which */
    REGF_ECORRUPT = -4,   /* the file violates the format */
    REGF_EUNSUPP  = -5,   /* a valid file this library cannot handle */
    REGF_ELIMIT   = -6,   /* a safety limit was reached (depth, size) */
    REGF_EDIRTY   = -7,   /* dirty hive: its logs must be replayed first */
    REGF_EEXIST   = -8,   /* the key or file exists already */
    REGF_ERDONLY  = -9,   /* not opened for writing, or an edit failed part
                           * way and the handle refuses to commit */
    REGF_ETYPE    = -10,  /* the value exists but has another type (or
                           * size) than the call reads or writes */
    REGF_EBUSY    = -11   /* another process holds the hive's lock (it is
                           * writing it, or reading it while we would
                           * write): try again later */
};

/* Value types (any 32-bit number is legal on disk). */
enum regf_type {
    REGF_NONE = 0, REGF_SZ = 1, REGF_EXPAND_SZ = 2, REGF_BINARY = 3,
    REGF_DWORD = 4, REGF_DWORD_BE = 5, REGF_LINK = 6, REGF_MULTI_SZ = 7,
    REGF_RESOURCE_LIST = 8, REGF_FULL_RESOURCE_DESCRIPTOR = 9,
    REGF_RESOURCE_REQUIREMENTS_LIST = 10, REGF_QWORD = 11
};

/* ---- opening ---------------------------------------------------------- */

/* Opens PATH read-only: the file is read once into memory and checked (base
 * block, bins, cell tiling). A dirty hive (Sequence1 != Sequence2 or a bad
 * header checksum) is opened all the same, as it is on disk; regf_get_info
 * tells. REGF_OPEN_RECOVER replays its transaction logs instead.
 *
 * A hive whose base block is damaged but whose first bin is intact (Windows'
 * "RecoverHeader" case: the header must be rebuilt from a log) fails with
 * REGF_ECORRUPT; with REGF_OPEN_WRITE it fails with REGF_EDIRTY and the
 * handle accepts regf_get_info, regf_recover and regf_close only.
 *
 * *out is set to a handle whenever memory allowed one, even on failure: the
 * caller reads regf_errmsg(*out) and must regf_close(*out) in every case.
 * On REGF_ENOMEM *out may be NULL. FLAGS: 0 or the REGF_OPEN_ flags. */
int regf_open(const char *path, unsigned flags, regf_hive **out);

/* The same for the hive NAME (one path component, no '/') in the
 * directory DIRFD (a descriptor of a directory, or AT_FDCWD). The handle
 * keeps its own duplicate of DIRFD and does every later file operation
 * through it: its transaction logs NAME.LOG, .LOG1, .LOG2 (found and
 * opened there), temporary files, the backup, the commit back to NAME.
 * Nothing is ever looked up by a path string again, so a directory
 * renamed or a link swapped meanwhile cannot redirect a write.
 *
 * The file is opened with O_NOFOLLOW and O_NONBLOCK and checked with
 * fstat before anything is read: a symbolic link ("is a symbolic link;
 * not followed"), a directory, FIFO, device or socket ("not a regular
 * file (a FIFO)") fails at once with REGF_EIO; a hive that would need
 * more than REGF_MAX_HIVE_SIZE bytes read (4096 + the Length of a sound
 * base block, else the whole file) fails with REGF_ELIMIT unread. Slack
 * after the hive's bins is never read, so a small hive at the start of a
 * huge (sparse) file opens; a caller that distrusts the file as a whole
 * (hivekit below --root) limits its size itself.
 *
 * Locking (docs/locking.md): the open takes a lock on the file, released
 * by regf_close: with REGF_OPEN_WRITE an exclusive one, else a shared one.
 * It never waits: when another process holds a lock that conflicts, the
 * open fails with REGF_EBUSY ("FILE: is being written by another process",
 * or "... read by ..."); the caller retries when it wants to wait. While a
 * writer holds its lock no reader sees a half-done commit, and no two
 * writers edit the same hive from the same stale state.
 *
 * regf_open(PATH) is regf_open_at on the parent directory of PATH (opened
 * as named) and its last component; a last component that is a symbolic
 * link is followed there once (the caller named it), regf_open_at never
 * follows one. */
int regf_open_at(int dirfd, const char *name, unsigned flags,
                 regf_hive **out);

/* Size limits on what is read from files (docs/checks.md §4): a hive file
 * larger than this is refused before it is read (the format allows 2 GiB
 * of hive bins; real SYSTEM and SOFTWARE hives are below a few hundred
 * MB), and hivekit never grows a hive past it. */
#define REGF_MAX_HIVE_SIZE ((uint64_t)1 << 30)             /* 1 GiB */
/* A transaction log holds at most every page of the hive and its
 * headers: larger logs are refused (verdict REGF_LOG_INVALID) unread. */
#define REGF_MAX_LOG_SIZE (REGF_MAX_HIVE_SIZE + (REGF_MAX_HIVE_SIZE >> 4))

/* Flags for regf_open / regf_open_mem. */
#define REGF_OPEN_WRITE 0x0001   /* keep a private, editable copy in memory */
#define REGF_OPEN_RECOVER 0x0004 /* a dirty hive is recovered in memory from
                                  * the logs beside PATH (regf_recover with
                                  * no log list); if none applies, the open
                                  * fails with its status. Nothing is
                                  * written: regf_commit (with
                                  * REGF_OPEN_WRITE) writes the result */

/* Same from a memory image (copied; BUF may be freed afterwards). NAME is
 * used in messages only (may be NULL). */
int regf_open_mem(const void *buf, size_t len, const char *name,
                  unsigned flags, regf_hive **out);

void regf_close(regf_hive *h);            /* NULL is fine */

const char *regf_errmsg(const regf_hive *h);   /* "" when none; never NULL */
const char *regf_errdetail(const regf_hive *h); /* the same without "FILE: " */
int         regf_errno(const regf_hive *h);    /* errno behind REGF_EIO */
const char *regf_strstatus(int status);        /* "corrupt hive", ... */

/* What the base block and the bin scan found. */
struct regf_info {
    uint32_t seq1, seq2;          /* Sequence1 (primary), Sequence2 */
    uint64_t timestamp;           /* base block TimeStamp, FILETIME */
    uint64_t reorganized;         /* LastReorganizeTime (Win8+), FILETIME */
    uint32_t major, minor;        /* format version, 1.2 .. 1.6 */
    uint32_t type;                /* 0 = primary file */
    uint32_t root;                /* cell offset of the root key */
    uint32_t bins_size;           /* Length: bytes of hive bins data */
    uint32_t nbins;               /* number of hbins */
    uint32_t flags;               /* base block Flags */
    uint32_t checksum_stored, checksum_computed;
    int checksum_ok;              /* nonzero when they match */
    int dirty;                    /* seq1 != seq2 or checksum bad */
    uint64_t file_size;           /* bytes in the file (may exceed 4096+Length) */
    uint64_t free_bytes;          /* bytes in free cells */
    uint64_t used_bytes;          /* bytes in allocated cells */
    char file_name[96];           /* FileName field (debug only), UTF-8 */
};
int regf_get_info(regf_hive *h, struct regf_info *out);

/* ---- transaction logs (docs/format.md §12) -----------------------------
 *
 * Windows writes changes to HIVE.LOG1/.LOG2 (or HIVE.LOG) before the
 * primary file; a hive copied from a running or crashed Windows is "dirty"
 * and its newest data is only in the logs. Recovery replays them exactly
 * as Windows decides: old-format logs (type 1/2: base block copy, "DIRT"
 * bitmap, 512-byte pages) and new-format logs (type 6: "HvLE" entries with
 * Marvin32 hashes); which logs are valid (sound base block, TimeStamp
 * equal to the hive's, sequence number not older than the hive's), their
 * order (by sequence number, not by name), where a log stops (the first
 * unsound entry) and whether the next one continues (only if contiguous). */

/* struct regf_log.format */
enum regf_log_format {
    REGF_LOG_UNKNOWN = 0,         /* empty, unreadable or not a log */
    REGF_LOG_OLD = 1,             /* type 1 or 2: DIRT bitmap + pages */
    REGF_LOG_NEW = 2              /* type 6: HvLE entries */
};

/* struct regf_log.verdict: what recovery does with the log. */
enum regf_log_verdict {
    REGF_LOG_NOT_CHECKED = 0,
    REGF_LOG_APPLIES,             /* would be replayed (regf_find_logs) */
    REGF_LOG_APPLIED,             /* was replayed (regf_recover) */
    REGF_LOG_IGNORED,             /* not used, as by Windows: empty, the
                                   * hive is clean, stale (other TimeStamp,
                                   * older sequence), not contiguous, or
                                   * superseded by another log */
    REGF_LOG_INVALID,             /* damaged base block or not a log:
                                   * ignored, as by Windows */
    REGF_LOG_BROKEN               /* sound base block, unusable body (old
                                   * format: no DIRT vector, missing
                                   * pages): Windows refuses the hive */
};

/* A transaction log file and what recovery makes of it. */
struct regf_log {
    char path[4096];
    uint64_t size;                /* 0 is a normal, empty log */
    int header_ok;                /* "regf" signature and checksum valid */
    uint32_t type;                /* 1/2 old format (DIRT), 6 new (HvLE) */
    uint32_t seq1, seq2;
    uint64_t timestamp;
    uint32_t length;              /* base block Length (new format with
                                   * entries: the hive bins size after the
                                   * last one) */
    int format;                   /* enum regf_log_format */
    uint32_t entries;             /* new format: sound entries chained from
                                   * seq1; old format (when examined):
                                   * dirty 512-byte pages */
    uint32_t first_seq, last_seq; /* new format, entries > 0: their range */
    int verdict;                  /* enum regf_log_verdict */
    char why[256];                /* one line: why it applies or not */
};

/* Finds the transaction logs of the hive at HIVE_PATH: files in the same
 * directory named like it plus ".LOG", ".LOG1" or ".LOG2", compared
 * case-insensitively. Fills up to MAX entries sorted by name; *count
 * receives how many were found. Each log is read and judged against the
 * hive's base block as regf_recover would (verdict REGF_LOG_APPLIES and
 * the others; the hive bins are not examined). Returns REGF_OK, or
 * REGF_EIO when the directory cannot be read. No handle is involved. */
int regf_find_logs(const char *hive_path, struct regf_log *out, size_t max,
                   size_t *count);

/* The same for the hive NAME in the directory DIRFD (see regf_open_at);
 * the paths filled in are the log names, relative to DIRFD. Logs are
 * opened with O_NOFOLLOW and O_NONBLOCK: a link, FIFO, device or socket
 * named like a log is reported REGF_LOG_INVALID ("not a regular file (a
 * FIFO)"), never followed or waited on. */
int regf_find_logs_at(int dirfd, const char *name, struct regf_log *out,
                      size_t max, size_t *count);

#define REGF_MAX_LOGS 8           /* logs one recovery considers */

/* struct regf_recovery.state */
enum regf_recovery_state {
    REGF_RECOVERY_CLEAN = 0,      /* the hive was clean: nothing replayed */
    REGF_RECOVERY_DONE = 1,       /* log data was replayed */
    REGF_RECOVERY_FAILED = 2      /* dirty, and no recovery possible */
};

/* What regf_recover did. */
struct regf_recovery {
    int state;                    /* enum regf_recovery_state */
    int header_rebuilt;           /* the damaged base block came from a log */
    int old_format;               /* an old-format log was replayed */
    uint32_t seq1, seq2;          /* the hive's sequence numbers before */
    uint32_t first_seq, last_seq; /* new format: entries replayed */
    uint32_t entries;             /* entries (new) or 512-byte pages (old)
                                   * replayed */
    uint32_t final_seq;           /* Sequence1 = Sequence2 afterwards (new
                                   * format: the last entry's) */
    uint32_t old_length, new_length; /* bytes of hive bins before, after */
    uint32_t dummy_bins;          /* invalid bins replaced by empty bins */
    size_t nlogs;
    struct regf_log logs[REGF_MAX_LOGS]; /* every log considered, with its
                                   * verdict (APPLIED, IGNORED, ...) */
};

/* Recovers the dirty hive H (opened with REGF_OPEN_WRITE, not yet edited)
 * from the NLOGS transaction logs named in LOGS, or with LOGS NULL from
 * the logs beside the file H was opened from. The replayed image replaces
 * the handle's copy only if it passes the open-time checks; its base block
 * gets Sequence1 = Sequence2 = the last sequence replayed, Length, Flags
 * bit 0, type 0 and checksum, and regf_commit writes it (with Sequence
 * + 1, as any write). A clean hive is left alone (REGF_OK, state CLEAN:
 * Windows ignores the logs of a clean hive).
 * REPORT (may be NULL) receives what happened; regf_recovery_report gives
 * it again later. Returns REGF_OK, REGF_EDIRTY when no log applies,
 * REGF_ECORRUPT when a broken log blocks recovery (Windows refuses such a
 * hive too) or the replayed image is not a valid hive, REGF_EINVAL after
 * edits; on failure the handle is unchanged and regf_errmsg names every
 * log and why it was not used. */
int regf_recover(regf_hive *h, const char *const *logs, size_t nlogs,
                 struct regf_recovery *report);

/* The report of the last regf_recover on H (also the one REGF_OPEN_RECOVER
 * ran); REGF_NOTFOUND if there was none. */
int regf_recovery_report(const regf_hive *h, struct regf_recovery *out);

/* ---- keys ------------------------------------------------------------- */

int regf_root(regf_hive *h, regf_key *out);

/* Looks PATH up below FROM (0 = the root). Components are separated by
 * backslashes; a leading or trailing backslash and empty components are
 * ignored; "" names FROM itself. Matching is case-insensitive with the
 * Windows upcase table. A first component "CurrentControlSet" that does not
 * exist as a key resolves to ControlSetNNN named by Select\Current.
 * Returns REGF_NOTFOUND when a component does not exist; then
 * regf_errmsg() names the first missing component. */
int regf_key_lookup(regf_hive *h, regf_key from, const char *path,
                    regf_key *out);

/* Looks up one direct subkey by NAME (LEN bytes of UTF-8, not a path).
 * Sorted lists are binary-searched. */
int regf_key_child(regf_hive *h, regf_key key, const char *name, size_t len,
                   regf_key *out);

struct regf_key_info {
    uint64_t last_written;        /* FILETIME */
    uint32_t nsubkeys;            /* stable subkey count stored in the nk */
    uint32_t nvalues;
    uint32_t parent;              /* Parent field as stored */
    uint32_t security;            /* cell of the sk record */
    uint32_t class_len;           /* bytes of class name */
    uint16_t flags;               /* nk flags (0x20 compressed name, ...) */
    uint32_t max_name_len, max_class_len;     /* as stored (low 16 bits of */
    uint32_t max_value_name_len, max_value_data_len; /* the name dword)  */
    uint32_t user_flags;          /* bits 16..31 of the MaxNameLen dword */
};
int regf_key_info(regf_hive *h, regf_key key, struct regf_key_info *out);

/* Name of KEY as UTF-8 (see the string conventions above). */
int regf_key_name(regf_hive *h, regf_key key, char *buf, size_t size,
                  size_t *need);

/* Class name (UTF-8); an empty string when the key has none. */
int regf_key_class(regf_hive *h, regf_key key, char *buf, size_t size,
                   size_t *need);

/* Security descriptor bytes of KEY's sk record (self-relative SD). */
int regf_key_security(regf_hive *h, regf_key key, void *buf, size_t size,
                      size_t *need);

/* Subkey iteration in stored (sorted) order. The fields are private. */
typedef struct regf_iter {
    uint32_t key, list, count, pos, leaf, leaf_count, leaf_pos, returned;
} regf_iter;

/* Starts iterating KEY's subkeys; REGF_NOTFOUND when it has none. */
int regf_subkey_first(regf_hive *h, regf_key key, regf_iter *it,
                      regf_key *out);
/* Next subkey; REGF_NOTFOUND at the end. */
int regf_subkey_next(regf_hive *h, regf_iter *it, regf_key *out);

/* ---- values ----------------------------------------------------------- */

/* The INDEX-th value of KEY in stored order (0 <= INDEX < nvalues). */
int regf_value_at(regf_hive *h, regf_key key, uint32_t index, regf_val *out);

/* Looks up a value by NAME (NUL-terminated UTF-8; "" or NULL selects the
 * default value), case-insensitively. REGF_NOTFOUND if absent. */
int regf_value_lookup(regf_hive *h, regf_key key, const char *name,
                      regf_val *out);

struct regf_value_info {
    uint32_t type;                /* any 32-bit number */
    uint32_t size;                /* data length in bytes */
    uint16_t flags;               /* vk flags (0x1 compressed name) */
    uint16_t name_len;            /* NameLength as stored */
    int inline_data;              /* data kept in the vk itself (<= 4 bytes) */
    int big_data;                 /* data in db segments */
};
int regf_value_info(regf_hive *h, regf_val val, struct regf_value_info *out);

/* Value name as UTF-8; the default value has the empty name. */
int regf_value_name(regf_hive *h, regf_val val, char *buf, size_t size,
                    size_t *need);

/* Copies the value's data: at most SIZE bytes into BUF, *need receives the
 * full size, *type (if not NULL) the type. A too-small BUF is not an error. */
int regf_value_data(regf_hive *h, regf_val val, uint32_t *type,
                    void *buf, size_t size, size_t *need);

/* Integer values as host integers (byte order handled here). REG_DWORD
 * and REG_DWORD_BIG_ENDIAN must hold exactly 4 bytes, REG_QWORD exactly
 * 8; any other type or size is REGF_ETYPE, with a message naming the
 * value, its type and its size. */
int regf_value_dword(regf_hive *h, regf_val val, uint32_t *out);
int regf_value_qword(regf_hive *h, regf_val val, uint64_t *out);

/* ---- walking ---------------------------------------------------------- */

/* Called once per key in preorder. PATH is the key's path relative to the
 * start key ("" for the start key itself, else "A\B\C"), PATH_LEN its
 * length, DEPTH 0 for the start key. Return 0 to go on, nonzero to stop the walk (that number
 * is then returned by regf_walk). */
typedef int regf_walk_fn(void *ctx, regf_hive *h, regf_key key,
                         const char *path, size_t path_len, unsigned depth);

/* Walks the subtree at START (0 = root) depth-first without recursion.
 * A key reached twice (a cycle, or a subkey shared by two lists) and trees
 * deeper than 512 levels are reported as REGF_ECORRUPT. */
int regf_walk(regf_hive *h, regf_key start, regf_walk_fn *fn, void *ctx);

/* Full path of KEY from the root, found by walking Parent links (bounded). */
int regf_key_path(regf_hive *h, regf_key key, char *buf, size_t size,
                  size_t *need);

/* ---- .reg export ------------------------------------------------------ */

/* Receives export output; returns 0, or nonzero to abort (REGF_EIO). */
typedef int regf_write_fn(void *ctx, const void *buf, size_t len);

#define REGF_EXPORT_UTF16 0x0001  /* UTF-16LE with BOM and CRLF (regedit) */

/* Writes the subtree at KEY as a "Windows Registry Editor Version 5.00"
 * file. PREFIX replaces the hive root in key headers: the root becomes
 * [PREFIX] and a key A\B becomes [PREFIX\A\B]. Lossless: every value's
 * type and bytes can be recovered from the text (string and dword forms are
 * used only when they reproduce the bytes exactly, hex(N) otherwise). */
int regf_export_reg(regf_hive *h, regf_key key, const char *prefix,
                    unsigned flags, regf_write_fn *write, void *ctx);

/* ---- writing ------------------------------------------------------------
 *
 * A hive opened with REGF_OPEN_WRITE (or made by regf_create) is edited in
 * memory; nothing reaches a file before regf_commit. Every hive written
 * follows the rules Windows checks at load (docs/format.md §13, §14): free
 * cells are reused and coalesced, subkey lists stay sorted with correct
 * hints/hashes and split into ri leaves, security reference counts stay
 * exact, big values use db records in hives of minor version >= 4, the
 * max-length fields of keys stay >= the real maxima.
 *
 * If an edit fails after it changed something (out of memory half way, or
 * damage found in the hive while editing), the handle is marked broken:
 * later edits and regf_commit return REGF_ERDONLY, so a half-done edit can
 * never be written. Edits that fail their checks before changing anything
 * (bad name, key exists, ...) leave the handle usable.
 *
 * Names are given as UTF-8 with an explicit length (key and value names
 * may contain U+0000). Key names: 1..255 UTF-16 units, no backslash, not
 * starting with U+0000. Value names: 0..16383 units (0 = default value). */

/* A new, empty hive in memory: root key "ROOT" with a default security
 * descriptor (owner Administrators; SYSTEM and Administrators full control,
 * Users read, inherited), format version 1.MINOR (3..6; 5 is usual). NAME
 * is used in messages. Write it with regf_commit(h, path, REGF_COMMIT_NEW). */
int regf_create(const char *name, uint32_t minor, regf_hive **out);

/* LastWritten time given to changed keys and the header: FILETIME, or 0
 * for the current time (the default). Fixed times make output
 * byte-reproducible. */
void regf_set_time(regf_hive *h, uint64_t filetime);

/* Creates the direct subkey NAME (LEN bytes) of PARENT. If a key of that
 * name (compared as Windows does) exists, *out gets it and REGF_EEXIST is
 * returned. The new key shares its parent's security descriptor. */
int regf_key_create(regf_hive *h, regf_key parent, const char *name,
                    size_t len, regf_key *out);

/* Creates every missing key of PATH below FROM (0 = root), like mkdir -p;
 * REGF_OK also when it all existed. */
int regf_key_create_path(regf_hive *h, regf_key from, const char *path,
                         regf_key *out);

/* Deletes KEY with its whole subtree (values, classes, lists; security
 * descriptors are released and freed at zero references). The root key
 * cannot be deleted (REGF_EINVAL). */
int regf_key_delete(regf_hive *h, regf_key key);

/* Creates or replaces value NAME (NAME_LEN bytes of UTF-8; 0 = default
 * value) of KEY. A replaced value keeps its stored name. Any type number is
 * allowed. LEN above 1 MiB in a 1.3 hive (no big data there) is refused
 * with REGF_ELIMIT. */
int regf_value_set(regf_hive *h, regf_key key, const char *name,
                   size_t name_len, uint32_t type, const void *data,
                   size_t len);

/* Creates or replaces value NAME of KEY as TYPE REG_DWORD or
 * REG_DWORD_BIG_ENDIAN (anything else: REGF_ETYPE) holding V, or as
 * REG_QWORD. */
int regf_value_set_dword(regf_hive *h, regf_key key, const char *name,
                         size_t name_len, uint32_t type, uint32_t v);
int regf_value_set_qword(regf_hive *h, regf_key key, const char *name,
                         size_t name_len, uint64_t v);

/* Deletes value NAME of KEY; REGF_NOTFOUND if it does not exist. */
int regf_value_delete(regf_hive *h, regf_key key, const char *name,
                      size_t name_len);

/* Applies a .reg file held in BUF (LEN bytes) to the hive: "Windows
 * Registry Editor Version 5.00" or "REGEDIT4"; UTF-16LE with BOM, or UTF-8
 * with or without BOM (REGEDIT4 text that is not UTF-8 is read as
 * Latin-1); CRLF or LF. [KEY] creates the key with its parents, [-KEY]
 * deletes a subtree, "name"=- deletes a value, @ is the default value,
 * "string", dword:, hex:, hex(N): with backslash continuation lines, \\ and
 * \" escapes, ; comments. Key headers must be PREFIX or lie below it
 * (matched case-insensitively); PREFIX stands for the hive root.
 * The text is parsed completely before anything changes: a syntax error
 * returns REGF_EINVAL with "line L, column C: ..." in the message and the
 * hive untouched. */
int regf_import_reg(regf_hive *h, const void *buf, size_t len,
                    const char *prefix);

#define REGF_COMMIT_BACKUP 0x0001 /* keep the previous file as PATH.bak */
#define REGF_COMMIT_NEW    0x0002 /* PATH must not exist yet */
#define REGF_COMMIT_DIRTY  0x0004 /* write a dirty hive clean as it is: the
                                   * data only its logs hold is lost (use
                                   * regf_recover instead when a log applies) */

#define REGF_COMMIT_REPLACE 0x0008 /* replace the file (temporary file +
                                   * rename) instead of writing it in place */

/* Writes the hive to PATH. PATH NULL, the name H was opened by, or any
 * path naming that same file (same device and inode): the file H was
 * opened from, written through H's directory descriptor and its open,
 * locked descriptor, never looked up again. Another PATH: that file (a
 * link there is followed), locked exclusively for the commit (REGF_EBUSY
 * when another process holds it). The base
 * block gets Sequence1 = Sequence2 = old + 1, Length, a new TimeStamp and
 * checksum. A dirty hive is refused with REGF_EDIRTY (unless recovered
 * with regf_recover, or REGF_COMMIT_DIRTY).
 *
 * An existing file is written in place, journaled as Windows does it
 * (docs/format.md §12): the changed pages first go to the hive's
 * transaction log (PATH.LOG1, or the existing .LOG1/.LOG in any case; the
 * new HvLE format or the old DIRT format, the one that guest's Windows
 * writes), then the primary is marked dirty, the pages are written in
 * place and the base block made clean; each step is synced. The file is
 * never replaced: its inode, owner, mode, NTFS security descriptor,
 * attributes, times, streams and hard links stay. Stopped at any point,
 * the file is the old hive or a dirty hive whose log regf_recover (and
 * Windows at boot) replays into exactly the new one; on a failure the
 * message says which. A file that changed on disk since it was opened is
 * refused (REGF_EIO) rather than overwritten.
 *
 * REGF_COMMIT_NEW (PATH must not exist) and REGF_COMMIT_REPLACE write a
 * whole new file instead: a temporary file in the same directory (created
 * with O_EXCL, locked before it takes the name), synced, given the old
 * file's mode, renamed (linked, for NEW) over PATH, and the directory
 * synced; on any failure PATH is unchanged. Replacing H's own file, H
 * keeps the new file open and locked (docs/locking.md). */
int regf_commit(regf_hive *h, const char *path, unsigned flags);

/* What the last successful regf_commit of H wrote. */
struct regf_commit_stats {
    int in_place;                 /* journaled in place (0: replaced) */
    int old_format_log;           /* the log was in the old (DIRT) format */
    uint32_t pages;               /* 4 KiB pages written in place */
    uint64_t log_bytes;           /* bytes of the transaction log */
    uint64_t bytes_written;       /* file data written in all, logs included */
    char log_path[4200];          /* the log used ("" when replaced) */
};
int regf_commit_stats(const regf_hive *h, struct regf_commit_stats *out);

/* Nonzero when the hive has been edited since it was opened or last
 * committed. */
int regf_modified(const regf_hive *h);

/* Writes one .reg value line ("name"=... or @=... with a newline) for the
 * given name (NAME_LEN bytes of UTF-8), type and bytes, in the lossless
 * forms regf_export_reg uses. H (may be NULL) only receives the error
 * message. */
int regf_reg_value(regf_hive *h, const char *name, size_t name_len,
                   uint32_t type, const void *data, size_t len,
                   regf_write_fn *write, void *ctx);

/* ---- checking ---------------------------------------------------------
 *
 * A full structural validation of a hive image, like e2fsck -n: every rule
 * Windows checks when it loads a hive (docs/format.md §13) and, with
 * REGF_CHECK_STRICT, the rules a writer must also keep (§14). Works on the
 * raw bytes, so a hive that regf_open refuses (bad base block, broken bin)
 * is still checked and its defects reported. Never crashes on any input. */

/* What Windows does when it loads a hive with the problem. */
enum regf_severity {
    REGF_SEV_HARMLESS = 0, /* loads it unchanged (leak, legal oddity) */
    REGF_SEV_HEAL     = 1, /* self-healing repairs it at load: a field is
                            * rewritten or keys/values/security are dropped
                            * (silent data loss); a strict load fails */
    REGF_SEV_FATAL    = 2  /* refuses the hive (STATUS_REGISTRY_CORRUPT;
                            * for SYSTEM the boot stops) */
};

#define REGF_CHECK_STRICT      0x0001 /* also the writer-only rules */
#define REGF_CHECK_ALLOW_DIRTY 0x0002 /* no BB_DIRTY for Sequence1 != 2 */

#define REGF_NOCELL 0xFFFFFFFFu      /* problem not about one cell */

/* One problem, valid during the callback only. */
struct regf_problem {
    const char *code;       /* stable code, e.g. "LIST_ORDER" */
    unsigned id;            /* index of the code in regf_check_codes() */
    int severity;           /* enum regf_severity */
    uint32_t cell;          /* cell offset (bins relative) or REGF_NOCELL */
    const char *path;       /* key being checked: "\" the root, "\A\B";
                             * "" outside the tree walk. For display: control
                             * characters appear as \xNN, lone surrogates as
                             * U+FFFD */
    const char *message;    /* one line of UTF-8, no newline */
};

/* Called once per problem; return 0 to go on, nonzero to stop the check
 * (regf_check_image then returns that number). */
typedef int regf_problem_fn(void *ctx, const struct regf_problem *p);

struct regf_check_stats {
    unsigned long problems;       /* reported (with the flags given) */
    unsigned long severity[3];    /* of those, per enum regf_severity */
    unsigned long keys, values, sks, bins, cells_used, cells_free;
    unsigned long leaked;         /* CELL_LEAK cells (strict only) */
    uint32_t minor;               /* format minor version */
};

/* Checks the hive image IMG of LEN bytes (base block, bins, anything
 * after). FN (may be NULL) receives each problem; STATS (may be NULL) the
 * totals. Returns REGF_OK when the check ran to the end (whether or not it
 * found problems), REGF_ENOMEM, REGF_EINVAL, or FN's nonzero value. */
int regf_check_image(const void *img, size_t len, unsigned flags,
                     regf_problem_fn *fn, void *ctx,
                     struct regf_check_stats *stats);

/* The problem codes, in a stable order (struct regf_problem.id). */
struct regf_check_code {
    const char *code;             /* "LIST_ORDER" */
    const char *description;      /* one line */
    int severity;                 /* default; a problem may differ (the
                                   * root key's damage is fatal) */
    int strict_only;              /* reported with REGF_CHECK_STRICT only */
};
const struct regf_check_code *regf_check_codes(size_t *count);

/* "fatal", "heal", "harmless". */
const char *regf_severity_name(int severity);

/* ---- helpers ---------------------------------------------------------- */

/* Windows' upcase of one UTF-16 code unit (RtlUpcaseUnicodeChar). */
uint16_t regf_upcase(uint16_t c);

/* ---- text: UTF-8 <-> UTF-16LE, string values --------------------------
 *
 * The one codec of hivekit. Registry text is UTF-16LE whose units need not
 * pair up; on this side it is UTF-8. Two forms are accepted as input:
 * strict UTF-8 (REGF_UTF8_STRICT: no surrogate code points) and, by
 * default, generalized UTF-8, which also allows the 3-byte forms of single
 * surrogates (what regf_utf16_to_utf8 gives for a lone surrogate), so that
 * every stored string converts to UTF-8 and back to the same units. An
 * encoded high surrogate followed by an encoded low one is refused in both
 * forms (the pair has its own 4-byte form). */
#define REGF_UTF8_REPLACE 0x0001  /* output: lone surrogates as U+FFFD
                                   * (for display) */
#define REGF_UTF8_STRICT  0x0002  /* input: refuse surrogate code points */

/* Decodes one character of the N bytes at S: returns its byte length and
 * stores the code point in *CP (may be NULL), or returns 0 when the bytes
 * there are not a well-formed character (or N is 0). */
size_t regf_utf8_decode(const char *s, size_t n, unsigned flags,
                        uint32_t *cp);

/* Writes code point CP as UTF-8 into OUT (room for 4 bytes); returns the
 * length, or 0 when CP is above U+10FFFF. */
size_t regf_utf8_encode(uint32_t cp, char *out);

/* Length of the longest valid prefix of the N bytes at S: N when all of
 * it is UTF-8 in the form FLAGS asks for. */
size_t regf_utf8_check(const char *s, size_t n, unsigned flags);

/* Converts N bytes of UTF-16LE (an odd last byte is ignored) to UTF-8,
 * snprintf-style. Lone surrogates become their generalized 3-byte form,
 * or U+FFFD with REGF_UTF8_REPLACE. NUL units are converted like any
 * other (see regf_string_decode for values). */
void regf_utf16_to_utf8(const void *p, size_t n, unsigned flags, char *buf,
                        size_t size, size_t *need);

/* Converts LEN bytes of (generalized) UTF-8 to UTF-16LE bytes in OUT (at
 * most SIZE bytes), snprintf-style: *need gets the full byte count.
 * Returns REGF_OK, or REGF_EINVAL when the text is not UTF-8. */
int regf_utf8_to_utf16(const char *s, size_t len, void *out, size_t size,
                       size_t *need);

/* The data of a string value (N bytes of type TYPE) as UTF-8, snprintf-
 * style into BUF/SIZE, *need the full length without the final NUL.
 * REG_SZ, REG_EXPAND_SZ and REG_LINK: the text up to the first NUL unit (a
 * missing terminator and an odd last byte are tolerated). REG_MULTI_SZ:
 * every string followed by a '\0' byte ("a\0b\0"), up to the first empty
 * string, as Windows reads the list. FLAGS: 0 (lossless, generalized
 * UTF-8) or REGF_UTF8_REPLACE. Returns REGF_OK or REGF_ETYPE for any
 * other type. */
int regf_string_decode(uint32_t type, const void *data, size_t n,
                       unsigned flags, char *buf, size_t size, size_t *need);

/* The value data Windows writes for the UTF-8 text S (LEN bytes): UTF-16LE
 * with a NUL unit after it (REG_SZ, REG_EXPAND_SZ), without (REG_LINK), or
 * for REG_MULTI_SZ, S being strings each ended by a '\0' byte (the last
 * one's may be left out), every string and one more NUL unit. At most SIZE
 * bytes go to OUT; *need gets the full size. FLAGS: 0 or
 * REGF_UTF8_STRICT. Returns REGF_OK, REGF_ETYPE (not a string type) or
 * REGF_EINVAL: not UTF-8, a NUL inside a single string, or an empty string
 * in a list (it would end the list early). */
int regf_string_encode(uint32_t type, const char *s, size_t len,
                       unsigned flags, void *out, size_t size, size_t *need);

/* regf_string_decode applied to the value VAL. REGF_ETYPE (with a
 * message naming the value and its type) when it is not a string. */
int regf_value_string(regf_hive *h, regf_val val, unsigned flags, char *buf,
                      size_t size, size_t *need);

/* Creates or replaces value NAME of KEY with the string value TYPE made
 * of the UTF-8 text S (LEN bytes), as regf_string_encode builds it. */
int regf_value_set_string(regf_hive *h, regf_key key, const char *name,
                          size_t name_len, uint32_t type, const char *s,
                          size_t len);

/* Name of a value type ("REG_SZ"); NULL for numbers without a name. */
const char *regf_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif
#endif /* REGF_H */
