/* regf_int.h - internals of the REGF library: the hive handle, record
 * layouts as named offsets, limits, and prototypes shared between files.
 * Nothing here is part of the public API. */
#ifndef REGF_INT_H
#define REGF_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "bytes.h"
#include <hivekit/regf.h>
#include "utf.h"

/* ---- format constants (see docs/format.md) ------------- */

#define REGF_NIL            0xFFFFFFFFu
#define REGF_BASE_SIZE      4096u       /* base block; bins data follows */
#define REGF_BIN_HDR        32u         /* hbin header */
#define REGF_MAX_BINS_SIZE  0x7FFFE000u /* largest Length Windows accepts */
/* Largest Length hivekit writes: the file stays within REGF_MAX_HIVE_SIZE. */
#define REGF_MAX_WRITE_BINS ((uint32_t)(REGF_MAX_HIVE_SIZE - REGF_BASE_SIZE))
#define REGF_BIG_SEGMENT    16344u      /* CM_KEY_VALUE_BIG: db segment data */

/* Base block, offsets from the file start. */
#define BB_SIGNATURE   0    /* "regf" */
#define BB_SEQ1        4
#define BB_SEQ2        8
#define BB_TIMESTAMP  12
#define BB_MAJOR      20
#define BB_MINOR      24
#define BB_TYPE       28
#define BB_FORMAT     32
#define BB_ROOT       36
#define BB_LENGTH     40
#define BB_CLUSTER    44
#define BB_FILENAME   48    /* BB_FILENAME_SIZE bytes UTF-16LE */
#define BB_FILENAME_SIZE 64
#define BB_FLAGS     144
#define BB_REORG     168
#define BB_CHECKSUM  508    /* XOR of the 127 dwords before it */

/* hbin header, offsets from the bin start. */
#define HBIN_SIGNATURE 0    /* "hbin" */
#define HBIN_OFFSET    4    /* offset of this bin in the bins data */
#define HBIN_SIZE      8
#define HBIN_TIMESTAMP 20   /* FILETIME; the first bin's stands in for the
                             * base block's when matching logs (§12) */

/* Key node nk, offsets from the start of the cell data. */
#define NK_SIGNATURE   0
#define NK_FLAGS       2
#define NK_LASTWRITE   4
#define NK_LAYER      13    /* byte: layered-key semantics (bits 0-1) */
#define NK_PARENT     16
#define NK_NSUBKEYS   20
#define NK_NVSUBKEYS  24
#define NK_SUBKEYS    28
#define NK_VSUBKEYS   32
#define NK_NVALUES    36
#define NK_VALUES     40
#define NK_SECURITY   44
#define NK_CLASS      48
#define NK_MAXNAME    52    /* low 16 bits; bits 16..31 are flags */
#define NK_MAXCLASS   56
#define NK_MAXVNAME   60
#define NK_MAXVDATA   64
#define NK_WORKVAR    68
#define NK_NAMELEN    72
#define NK_CLASSLEN   74
#define NK_NAME       76
#define NK_FLAG_SYM_LINK  0x0010
#define NK_FLAG_COMP_NAME 0x0020

/* Key value vk. */
#define VK_SIGNATURE   0
#define VK_NAMELEN     2
#define VK_DATALEN     4    /* bit 31: data inline in VK_DATA */
#define VK_DATA        8
#define VK_TYPE       12
#define VK_FLAGS      16
#define VK_NAME       20
#define VK_FLAG_COMP_NAME 0x0001
#define VK_INLINE     0x80000000u

/* Security sk. */
#define SK_SIGNATURE   0
#define SK_FLINK       4
#define SK_BLINK       8
#define SK_REFCOUNT   12
#define SK_DESCLEN    16
#define SK_DESC       20

/* Big data db. */
#define DB_SIGNATURE   0
#define DB_COUNT       2
#define DB_LIST        4

/* Subkey lists li/lf/lh/ri: signature, u16 count, elements. */
#define LIST_COUNT     2
#define LIST_ITEMS     4
#define LIST_HASH      4    /* lf/lh element: hint or hash after the nk */

/* ---- limits ----------------------------------------------------------- */

/* CMP_MAX_REGISTRY_DEPTH: Windows refuses to load deeper trees. */
#define REGF_MAX_DEPTH       512
/* Longest key path we build: 512 levels of up to 256 UTF-16 units, each
 * up to 3 UTF-8 bytes, plus separators. */
#define REGF_MAX_PATH        (REGF_MAX_DEPTH * (256 * 3 + 1))
/* Parent links followed by regf_key_path before giving up (cycles). */
#define REGF_MAX_PARENT_HOPS REGF_MAX_DEPTH

/* Free cells are kept in size classes: one per 8 bytes up to 4096, then
 * one per power of two. */
#define REGF_NBUCKETS (512 + 1 + 20)

/* ---- the handle ------------------------------------------------------- */

struct regf_hive {
    char *name;            /* file name for messages */
    uint8_t *image;        /* the whole file as read */
    size_t image_len;
    size_t map_len;        /* nonzero: IMAGE is an mmap of this length */
    const uint8_t *bins;   /* image + 4096 */
    uint32_t bins_size;    /* Length: bytes of hive bins data */
    uint8_t *cellmap;      /* 1 bit per 8 bytes of bins: allocated cell here */
    struct regf_info info;
    unsigned open_flags;
    int loaded;            /* base block and bins passed the checks */
    int data_damaged;      /* not loaded: sound dirty base block, damaged
                            * or missing bins: regf_recover only */
    int header_damaged;    /* not loaded: base block damaged, first bin
                            * intact ("RecoverHeader"): regf_recover only */
    struct regf_recovery *recovery; /* last regf_recover report (log.c) */

    /* Writing (alloc.c): IMAGE is malloc'd with room to grow. */
    int writable;
    int broken;            /* an edit failed part way: refuse to commit */
    int modified;
    int created;           /* made by regf_create, not yet edited */
    uint64_t fixed_time;   /* FILETIME for edits; 0 = now */
    size_t image_cap;
    uint8_t *freemap;      /* 1 bit per 8 bytes: a free cell starts here */
    size_t map_cap;        /* bytes allocated for cellmap and freemap */
    struct regf_bucket {
        uint32_t *off;
        uint32_t n, cap;
    } buckets[REGF_NBUCKETS];
    uint32_t *bin_start;   /* offsets of the bins, ascending */
    uint32_t nbin, bin_cap;
    struct regf_vcache *vcache; /* value-name index of one key (value_write.c) */
    const struct regf_io *io; /* NULL: plain POSIX calls (commit.c) */
    /* The file's base block as regf_open read it (and as the last commit
     * wrote it): a commit refuses a file that changed meanwhile. */
    int disk_known;
    uint32_t disk_seq1, disk_seq2;
    uint64_t disk_ts;
    struct regf_commit_stats last_commit;
    /* The file (file.c): DIRFD is the handle's own descriptor of its
     * directory and BASE its name there; FD the open file, holding the
     * lock (-1 for a hive from memory). FD_RW: FD is open for writing.
     * REC_AT_DIR: the last recovery found its logs in DIRFD. */
    int dirfd, fd, fd_rw, rec_at_dir;
    char *base;
    int sys_errno;
    char err[512];
};

/* A resolved, allocated cell: DATA points past the 4-byte size field, LEN
 * is the usable size (cell size - 4). Reads stay within [data, data+len). */
struct regf_span {
    const uint8_t *data;
    uint32_t len;
    uint32_t off;          /* cell offset, for messages */
};

/* Writable pointer to the data of the cell at OFF (past its size field).
 * Valid until the next allocation, which may move the image. */
static inline uint8_t *regf__w(regf_hive *h, uint32_t off)
{
    return h->image + REGF_BASE_SIZE + off + 4;
}

/* ---- commit.c: the I/O seam ------------------------------------------- */

/* The calls by which regf_commit (and its backup) changes files, so tests
 * can fail or cut off the N-th one. Each member has the POSIX meaning and
 * return convention (set errno on failure) plus CTX first; all must be
 * set. A handle without one (the default) calls POSIX directly. */
struct regf_io {
    void *ctx;
    ssize_t (*write)(void *ctx, int fd, const void *buf, size_t n);
    int (*fchmod)(void *ctx, int fd, mode_t mode);
    int (*fsync)(void *ctx, int fd);
    int (*close)(void *ctx, int fd);
    int (*renameat)(void *ctx, int fromdir, const char *from, int todir,
                    const char *to);
    int (*linkat)(void *ctx, int fromdir, const char *from, int todir,
                  const char *to);
    int (*unlinkat)(void *ctx, int dir, const char *name);
    /* in-place commits (commit_journal.c); NULL: the POSIX call */
    ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t n,
                      uint64_t off);
    int (*ftruncate)(void *ctx, int fd, uint64_t len);
};

/* Test-only: routes H's file changes through IO (NULL: POSIX again). IO
 * must outlive its use by H. */
void regf__hive_set_io(regf_hive *h, const struct regf_io *io);
/* The seam's calls (POSIX when no IO is set). */
ssize_t regf__io_pwrite(const regf_hive *h, int fd, const void *p, size_t n,
                        uint64_t off);
int regf__io_ftruncate(const regf_hive *h, int fd, uint64_t len);
int regf__io_fsync(const regf_hive *h, int fd);
int regf__io_close(const regf_hive *h, int fd);

/* ---- file.c: the hive's files, its lock -------------------------------- */

/* "a FIFO", "a device", "a socket", "a directory", ... for MODE. */
const char *regf__file_kind(mode_t mode);
/* Opens NAME (one component) in DIRFD with OFLAGS plus O_NOFOLLOW,
 * O_NONBLOCK (cleared again) and O_CLOEXEC (MODE for O_CREAT), and checks
 * with fstat (*ST) that it is a regular file of at most MAX bytes (0: no
 * limit). Returns the descriptor, or -1 with errno and WHY ("is a
 * symbolic link; not followed", "not a regular file (a FIFO)", ...). */
int regf__open_file(int dirfd, const char *name, int oflags, mode_t mode,
                    uint64_t max, struct stat *st, char *why, size_t whyn);
/* Opens the directory of PATH as named (AT_FDCWD when PATH has no '/');
 * *BASE gets its last component. -1 with errno on failure. */
int regf__open_parent(const char *path, const char **base);
/* Closes a descriptor of regf__open_parent (AT_FDCWD is left alone). */
void regf__close_dir(int dirfd);
/* Takes a shared or EXCLUSIVE lock on FD without waiting: 0 taken (or
 * the file system has no locks), 1 held by another (*HOLDER_WRITES: its
 * lock is exclusive), -1 failed (errno). */
int regf__lock(int fd, int exclusive, int *holder_writes);
/* REGF_EBUSY with "FILE: is being written (read) by another process". */
int regf__busy(regf_hive *h, int holder_writes);
/* Creates BASE TAG XXXXXX (random) in DIRFD with O_CREAT|O_EXCL|
 * O_NOFOLLOW, mode 0600, into NAME; returns the descriptor or -1. */
int regf__create_temp(int dirfd, const char *base, const char *tag,
                      char *name, size_t n);
/* fsync of the directory DIRFD (refusals of FUSE mounts are fine). */
int regf__sync_dir(const regf_hive *h, int dirfd);

/* ---- value_typed.c ------------------------------------------------------ */

/* REGF_ETYPE with "value 'NAME' (cell 0x..) is TYPE of LEN bytes, not
 * WANT". */
int regf__value_wrong_type(regf_hive *h, regf_val val, uint32_t type,
                           uint32_t len, const char *want);

/* ---- commit_journal.c, log_write.c ------------------------------------ */

/* The journaled in-place commit of H's image over the existing file PATH
 * with the final base block BB. STATS (may be NULL) says what was written. */
struct regf_target {
    int dirfd;             /* the directory of the file */
    const char *base;      /* its name there */
    const char *shown;     /* its name in messages */
    int fd;                /* open for writing, locked */
};
int regf__commit_journal(regf_hive *h, const struct regf_target *t,
                         uint8_t *bb, unsigned flags,
                         struct regf_commit_stats *stats);
/* A transaction log holding the pages DIRTY[i] != 0 of BINS (BINS_LEN
 * bytes) with the base block BB and sequence number SEQ: the new format
 * (HvLE) or, if OLD_FORMAT, the old one (DIRT). *OUT is malloc'd. */
int regf__log_build(int old_format, const uint8_t *bb, const uint8_t *bins,
                    uint32_t bins_len, const uint8_t *dirty, uint32_t seq,
                    uint8_t **out, size_t *outlen);

/* ---- err.c ------------------------------------------------------------ */

int regf__fail(regf_hive *h, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* REGF_ECORRUPT with "FILE: corrupt hive: cell 0x..: ..." */
int regf__corrupt(regf_hive *h, uint32_t cell, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void regf__clear_error(regf_hive *h);

/* ---- hive.c ----------------------------------------------------------- */

uint32_t regf__checksum(const uint8_t *base_block);
/* Is there a sound hbin header at bins offset OFF within LIMIT bytes of
 * bins (signature, its own offset, a size that is a multiple of 4096 and
 * fits)? Its size goes to *SIZE. */
int regf__bin_header_ok(const uint8_t *bins, uint64_t limit, uint32_t off,
                        uint32_t *size);
/* Replaces H's image by IMG (malloc'd, LEN bytes; taken over in every
 * case) if it passes the open-time checks; else H is unchanged and holds
 * the message. H keeps its name, time and recovery report. */
int regf__replace_image(regf_hive *h, uint8_t *img, size_t len);

/* ---- log_find.c, log_marvin.c (the rest of log*.c: log_int.h) -------- */

/* regf_find_logs_at without reading the logs: the logs of the hive BASE
 * in DIRFD, their paths SHOWN_DIR (a directory with its '/', or "")
 * followed by the name. */
int regf__find_log_paths(int dirfd, const char *base, const char *shown_dir,
                         struct regf_log *out, size_t max, size_t *count);
/* regf_find_logs_at with the paths prefixed by SHOWN_DIR. */
int regf__find_logs(int dirfd, const char *base, const char *shown_dir,
                    struct regf_log *out, size_t max, size_t *count);
/* regf_recover with the logs LOGS opened in DIRFD by their last component
 * (AT_FDCWD: as paths); with LOGS NULL, those beside H's file. */
int regf__recover(regf_hive *h, int dirfd, const char *const *logs,
                  size_t nlogs, struct regf_recovery *report);
/* Marvin32 with the seed of hive log entries (0x82EF4D887A4E55C5). */
uint64_t regf__marvin32(const void *buf, size_t n);

/* ---- cell.c ----------------------------------------------------------- */

/* Resolves OFF to an allocated cell or fails with REGF_ECORRUPT naming WHAT
 * (e.g. "subkey list of key 0x20"). */
int regf__cell(regf_hive *h, uint32_t off, const char *what,
               struct regf_span *out);
/* Like regf__cell but only answers yes (1) or no (0), leaving the
 * handle's message alone. */
int regf__cell_quiet(const regf_hive *h, uint32_t off, struct regf_span *out);
/* Resolves OFF and checks its 2-byte signature SIG. */
int regf__record(regf_hive *h, uint32_t off, const char *sig,
                 uint32_t min_len, const char *what, struct regf_span *out);

/* ---- alloc.c ---------------------------------------------------------- */

/* Prepares a loaded image for editing: free-cell classes, bin index. */
int regf__alloc_init(regf_hive *h);
void regf__alloc_free(regf_hive *h);
/* Allocates a cell with at least DATA_LEN usable bytes (zeroed): reuses a
 * free cell (split to size) or appends a bin. *OFF receives the cell. */
int regf__alloc(regf_hive *h, uint32_t data_len, uint32_t *off);
/* Frees the allocated cell at OFF, merging it with free neighbours in its
 * bin. Offsets that are not allocated cell starts are ignored. */
void regf__free(regf_hive *h, uint32_t off);
/* Checks that edits are allowed (writable, not broken). */
int regf__edit_check(regf_hive *h);
/* Marks the handle broken after a failure that left partial changes. */
int regf__edit_fail(regf_hive *h, int rc);
/* The FILETIME to stamp on changed keys. */
uint64_t regf__now(const regf_hive *h);

/* ---- value_write.c ------------------------------------------------------ */

void regf__vcache_drop(regf_hive *h);
/* Calls ADD for the cells holding the data of value VAL (the data cell,
 * or a db record with its segment list and segments). */
int regf__value_cells(regf_hive *h, regf_val val,
                      int (*add)(void *ctx, uint32_t off), void *ctx);

/* ---- name.c ----------------------------------------------------------- */

extern const uint8_t regf__upcase_index[256];
extern const uint16_t regf__upcase_pages[][256];

static inline uint16_t regf__up(uint16_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? (uint16_t)(c - 32) : c;
    unsigned p = regf__upcase_index[c >> 8];
    return p ? regf__upcase_pages[p - 1][c & 0xFF] : c;
}

/* A stored name: LEN bytes at P, Latin-1 when COMP, else UTF-16LE. */
struct regf_name {
    const uint8_t *p;
    uint32_t len;
    int comp;
};

static inline uint32_t regf__name_units(const struct regf_name *n)
{
    return n->comp ? n->len : n->len / 2;
}
static inline uint16_t regf__name_unit(const struct regf_name *n, uint32_t i)
{
    return n->comp ? n->p[i] : rd_le16(n->p + 2 * i);
}

/* Bytes of UTF-8 needed for N (no NUL). */
size_t regf__name_utf8_len(const struct regf_name *n);
/* Writes the UTF-8 form of N into OUT (room for regf__name_utf8_len). */
size_t regf__name_to_utf8(const struct regf_name *n, char *out);
/* Copies N snprintf-style into BUF. */
void regf__name_copy(const struct regf_name *n, char *buf, size_t size,
                     size_t *need);
/* Decodes UTF-8 (generalized: lone surrogates allowed) into UTF-16 units.
 * Returns the number of units, or -1 on invalid input or if more than MAX
 * units would be needed. */
long regf__utf8_to_units(const char *s, size_t len, uint16_t *out, size_t max);
/* Case-insensitive comparison of a stored name with UTF-16 units, in the
 * order Windows sorts subkeys: <0, 0, >0. */
int regf__name_cmp(const struct regf_name *n, const uint16_t *u, size_t nu);
/* lh hash of UTF-16 units: h = 37*h + upcase(c). */
uint32_t regf__hash_units(const uint16_t *u, size_t nu);
/* UTF-16LE bytes to UTF-8: like regf__name_to_utf8 for arbitrary data. */
size_t regf__utf16_to_utf8(const uint8_t *p, size_t nunits, char *out);

/* ---- names of new keys and values (key_write.c, value_write.c) ------- */

/* The stored form of a new name of NU UTF-16 units U: compressed (Latin-1,
 * returns 1) when every unit is <= 0xFF, else UTF-16LE (0); its size in
 * bytes goes to *NBYTES. */
static inline int regf__name_form(const uint16_t *u, size_t nu,
                                  uint32_t *nbytes)
{
    int comp = 1;
    for (size_t i = 0; i < nu; i++)
        if (u[i] > 0xFF)
            comp = 0;
    *nbytes = (uint32_t)(comp ? nu : 2 * nu);
    return comp;
}

/* Writes the name U in that form (COMP) at P. */
static inline void regf__name_store(uint8_t *p, const uint16_t *u, size_t nu,
                                    int comp)
{
    for (size_t i = 0; i < nu; i++) {
        if (comp)
            p[i] = (uint8_t)u[i];
        else
            wr_le16(p + 2 * i, u[i]);
    }
}

/* ---- key.c ------------------------------------------------------------ */

/* The next component of the backslash-separated key path at P (empty
 * components are skipped): its start, its length in *LEN; NULL at the
 * end of the path. */
const char *regf__path_next(const char *p, size_t *len);

/* The ControlSetNNN key named by Select\Current (REGF_NOTFOUND, with a
 * message, when the hive has none). */
int regf__current_control_set(regf_hive *h, regf_key root, regf_key *out);

/* Resolves KEY to its nk record, checking the name fits the cell. */
int regf__nk(regf_hive *h, regf_key key, struct regf_span *nk);
void regf__nk_name(const struct regf_span *nk, struct regf_name *out);

/* ---- index.c ---------------------------------------------------------- */

/* Finds the direct subkey of KEY named by the UTF-16 units U: binary
 * search, then a scan in case the list is damaged (unsorted). */
int regf__key_child_units(regf_hive *h, regf_key key, const uint16_t *u,
                          size_t nu, regf_key *out);
/* The binary search alone: what the writer uses, since it keeps lists
 * sorted (a scan on every miss would make creating n keys quadratic). */
int regf__key_child_sorted(regf_hive *h, regf_key key, const uint16_t *u,
                           size_t nu, regf_key *out);

/* Inserts CHILD, named by the units U, in sorted place in PARENT's list
 * (the parent's count is not changed here). */
int regf__list_insert(regf_hive *h, regf_key parent, regf_key child,
                      const uint16_t *u, size_t nu);
/* Removes CHILD from PARENT's list (the count is not changed here). */
int regf__list_remove(regf_hive *h, regf_key parent, regf_key child);
/* Calls ADD for every cell of KEY's subkey list (ri and leaves). */
int regf__list_cells(regf_hive *h, regf_key key,
                     int (*add)(void *ctx, uint32_t off), void *ctx);

/* ---- value.c ---------------------------------------------------------- */

int regf__vk(regf_hive *h, regf_val val, struct regf_span *vk);
/* The value list of KEY (nk already resolved in NK): *COUNT entries in
 * LIST, checked to fit; LIST is untouched when the count is 0. */
int regf__value_list(regf_hive *h, regf_key key, const struct regf_span *nk,
                     uint32_t *count, struct regf_span *list);
void regf__vk_name(const struct regf_span *vk, struct regf_name *out);

/* The data of a value without copying when it lies in one place: on
 * success *p points to SIZE bytes that stay valid until the next call with
 * the same SCRATCH. Big data is gathered into *scratch (grown with
 * realloc; the caller frees it). */
struct regf_scratch {
    uint8_t *buf;
    size_t cap;
};
int regf__value_ref(regf_hive *h, regf_val val, uint32_t *type,
                    const uint8_t **p, uint32_t *size,
                    struct regf_scratch *scratch);
/* The same for a vk already resolved with regf__vk. */
int regf__value_ref_vk(regf_hive *h, const struct regf_span *vk,
                       uint32_t *type, const uint8_t **p, uint32_t *size,
                       struct regf_scratch *scratch);

#endif /* REGF_INT_H */
