/* regf.h - read Windows registry hive files (REGF) offline.
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
    REGF_ELIMIT   = -6    /* a safety limit was reached (depth, size) */
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
 * header checksum) is opened all the same; regf_get_info tells.
 *
 * *out is set to a handle whenever memory allowed one, even on failure: the
 * caller reads regf_errmsg(*out) and must regf_close(*out) in every case.
 * On REGF_ENOMEM *out may be NULL. FLAGS is reserved: pass 0. */
int regf_open(const char *path, unsigned flags, regf_hive **out);

/* Same from a memory image (copied; BUF may be freed afterwards). NAME is
 * used in messages only (may be NULL). */
int regf_open_mem(const void *buf, size_t len, const char *name,
                  unsigned flags, regf_hive **out);

void regf_close(regf_hive *h);            /* NULL is fine */

const char *regf_errmsg(const regf_hive *h);   /* "" when none; never NULL */
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

/* A transaction log file found beside a hive. */
struct regf_log {
    char path[4096];
    uint64_t size;                /* 0 is a normal, empty log */
    int header_ok;                /* "regf" signature and checksum valid */
    uint32_t type;                /* 1/2 old format (DIRT), 6 new (HvLE) */
    uint32_t seq1, seq2;
    uint64_t timestamp;
};

/* Finds the transaction logs of the hive at HIVE_PATH: files in the same
 * directory named like it plus ".LOG", ".LOG1" or ".LOG2", compared
 * case-insensitively. Fills up to MAX entries sorted by name; *count
 * receives how many were found. Returns REGF_OK, or REGF_EIO when the
 * directory cannot be read. No handle is involved. */
int regf_find_logs(const char *hive_path, struct regf_log *out, size_t max,
                   size_t *count);

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

/* ---- helpers ---------------------------------------------------------- */

/* Windows' upcase of one UTF-16 code unit (RtlUpcaseUnicodeChar). */
uint16_t regf_upcase(uint16_t c);

/* Converts N bytes of UTF-16LE (an odd last byte is ignored) to UTF-8,
 * snprintf-style. Lone surrogates become their generalized 3-byte form,
 * or U+FFFD with REGF_UTF8_REPLACE (for display). */
#define REGF_UTF8_REPLACE 0x0001
void regf_utf16_to_utf8(const void *p, size_t n, unsigned flags, char *buf,
                        size_t size, size_t *need);

/* Name of a value type ("REG_SZ"); NULL for numbers without a name. */
const char *regf_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif
#endif /* REGF_H */
