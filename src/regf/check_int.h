/* check_int.h - internals of the structural checker (regf_check_image),
 * shared by its files, which follow the order of the format:
 *   check.c         the entry point and the order of work;
 *   check_report.c  the problem codes and how a problem is reported;
 *   check_names.c   stored names: display, Windows order, lh hash, lf hint;
 *   check_bins.c    base block, bins and cells (the cell map), leaked cells;
 *   check_sk.c      security: the sk ring, descriptors, reference counts;
 *   check_keys.c    keys and the tree walk;
 *   check_values.c  value lists, values and their data (big data);
 *   check_lists.c   subkey lists (li, lf, lh, ri).
 * Here: the problem codes with their severities, the checker's state and
 * the functions its files share. Nothing here is part of the public API. */
#ifndef REGF_CHECK_INT_H
#define REGF_CHECK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "regf_int.h"

#define BASE      REGF_BASE_SIZE
#define NIL       REGF_NIL
#define SEGMENT   REGF_BIG_SEGMENT   /* data bytes per big-data segment */
#define SEGMENT_CELL 16352u          /* a segment's cell as Windows makes it */
#define MAX_DEPTH ((unsigned)REGF_MAX_DEPTH) /* levels, root included */
#define NK_FIXED  ((uint32_t)NK_NAME) /* fixed part of an nk; the name */
#define NK_MAX_USABLE 1116u          /* 76 + 2*512 + 16 */
#define VK_FIXED  ((uint32_t)VK_NAME) /* fixed part of a vk */

/* The descriptor of an sk (at SK_DESC): a self-relative
 * SECURITY_DESCRIPTOR, offsets from its start; the owner and group SIDs
 * and the ACLs are found by their offsets in it (0: none). */
#define SD_REVISION     0    /* byte, 1 */
#define SD_CONTROL      2    /* u16 */
#define SD_OWNER        4
#define SD_GROUP        8
#define SD_SACL        12
#define SD_DACL        16
#define SD_HEADER      20u
#define SD_DACL_PRESENT   0x0004
#define SD_SACL_PRESENT   0x0010
#define SD_SELF_RELATIVE  0x8000
/* A SID: revision (1), sub-authority count, 6-byte authority, then the
 * 4-byte sub-authorities. */
#define SID_REVISION    0
#define SID_COUNT       1
#define SID_HEADER      8u
/* An ACL: revision (2..4), spare, u16 size, u16 ACE count, spare; then
 * the ACEs, each starting with type, flags, u16 size. */
#define ACL_REVISION    0
#define ACL_SIZE        2
#define ACL_COUNT       4
#define ACL_HEADER      8u
#define ACE_SIZE        2
#define ACE_HEADER      4u

/* ---- problem codes ------------------------------------------------------ */

/* Severities (what Windows does when it loads a hive with the problem;
 * docs/format.md §13, §7, §3):
 *   fatal     the load fails (STATUS_REGISTRY_CORRUPT; for SYSTEM the boot
 *             stops, bug check 0x74): every base-block and bin/cell-tiling
 *             rule, the root key (BB_ROOT, ROOT_FLAGS; a root key whose nk
 *             size, name, layering or security is bad is escalated to
 *             fatal), the root's sk (SK_CELL/SK_DESCRIPTOR of the ring
 *             head), NK_DEPTH. ROOT_FLAGS with only 0x02 (KEY_HIVE_EXIT,
 *             cleared at load) is heal; the strict "NO_DELETE missing"
 *             variant harmless.
 *   heal      self-healing repairs it at load and sets BootType bit 2: a
 *             field rewritten (LH_HASH, LF_HINT, MAX_*, NK_PARENT,
 *             SK_REFCOUNT recomputed by Windows 10+) or data dropped
 *             (LIST_ORDER and SUBKEY_DUP unlink the key with its subtree,
 *             SUBKEY_COUNT/SUBKEY_LIST/LIST_* drop the whole subkey list,
 *             VK_* drop the value, VALUE_LIST the value list, CLASS the
 *             class, SK_RING/SK_NOT_IN_RING/SK_DESCRIPTOR replace keys'
 *             security by the parent's). Without self-healing (strict load
 *             requested by the caller) these fail the load too. BB_DIRTY
 *             is counted here as well: Windows replays the transaction
 *             logs over the file, and without them the newest changes are
 *             lost. CELL_SHARED is not seen by Windows at load, but
 *             deleting either owner frees the other's cell: it is damage.
 *   harmless  Windows loads the hive unchanged: leaks, reference counts
 *             too high, unused sk, uncoalesced free cells, non-canonical
 *             but legal encodings (every strict-only code), VALUE_DUP
 *             (the load does not look for duplicates; lookups find the
 *             first of the two).
 *
 * Which rules are writer-only (REGF_CHECK_STRICT) was decided on the corpus
 * (every real hive of shared/corpus, strict mode):
 *   - CELL_LEAK: Windows 10's own log recovery (yarp RecoveredHive_Windows10)
 *     leaves the nk cells of deleted keys allocated; self-healing
 *     (HealedHive) leaves cells behind. Windows does not check it.
 *   - SK_REFCOUNT_HIGH, SK_UNUSED: harmless (Windows 10 recomputes the
 *     counts and frees unused sk; older Windows just keeps the cell);
 *     HealedHive has both. A count that is too LOW is always reported.
 *   - NK_LAYER_BITS: byte nk+13 was spare before Windows 8; a Windows 7
 *     UsrClass.dat (Acronis_0x52) has junk there.
 *   - FREE_ADJACENT, NK/VK_NAME_FORM, VK_INLINE_JUNK, VK_NOT_INLINE,
 *     LEAF_TYPE, LEAF_BIG, DB_SEGMENT_SIZE, NK_VOLATILE, VK_DATA_LIMIT: no
 *     real hive of the corpus violates them, but Windows would load a hive
 *     that does.
 *   - Stale volatile subkey counts/lists (0x8000xxxx) are normal on disk;
 *     only a stable cell index or a count without list is reported.
 * Real hives never violate the other rules, except where noted in
 * tests/test_hivecheck.c (yarp CompHive: one wrong lf hint). */

/* X(code, strict-only, severity, description). The order and the names are
 * stable: tests/support/hivecheck.h lists the same codes in the same order.
 * F, H and A stand for the severities where the table is built
 * (check_report.c). */
#define CODES(X) \
    /* base block (file header) */ \
    X(BB_SHORT, 0, F, "file shorter than the 4096-byte base block") \
    X(BB_SIGNATURE, 0, F, "base block signature is not 'regf'") \
    X(BB_CHECKSUM, 0, F, "checksum wrong (XOR of 127 dwords, 0 -> 1, -1 -> -2)") \
    X(BB_DIRTY, 0, H, "Sequence1 != Sequence2") \
    X(BB_VERSION, 0, F, "Major != 1 or Minor not in 3..6") \
    X(BB_TYPE, 0, F, "file type not 0 (primary)") \
    X(BB_FORMAT, 0, F, "format not 1") \
    X(BB_CLUSTER, 0, F, "cluster not 1") \
    X(BB_LENGTH, 0, F, "Length 0, not a multiple of 4096 or > 0x7FFFE000") \
    X(BB_TRUNCATED, 0, F, "file shorter than 4096 + Length") \
    X(BB_ROOT, 0, F, "RootCell is not an allocated nk cell") \
    /* bins and cells */ \
    X(BIN_SIGNATURE, 0, F, "bin signature is not 'hbin'") \
    X(BIN_OFFSET, 0, F, "bin FileOffset is not its position") \
    X(BIN_SIZE, 0, F, "bin size not a multiple of 4096 or past Length") \
    X(CELL_SIZE, 0, F, "cell size 0, not a multiple of 8, or past the bin") \
    X(FREE_ADJACENT, 1, A, "two adjacent free cells (not coalesced)") \
    X(CELL_SHARED, 0, H, "cell referenced twice") \
    X(CELL_LEAK, 1, A, "allocated cell referenced by nothing") \
    /* keys */ \
    X(NK_CELL, 0, H, "key cell too small or signature not 'nk'") \
    X(NK_SIZE, 0, H, "nk cell bigger than 1120 bytes") \
    X(NK_NAME, 0, H, "key name empty, too long, odd UTF-16 or past the cell") \
    X(NK_NAME_CHAR, 0, H, "key name with a backslash or starting with NUL") \
    X(NK_NAME_FORM, 1, A, "UTF-16 key name that could be compressed") \
    X(NK_PARENT, 0, H, "Parent field is not the real parent") \
    X(NK_SHARED, 0, H, "key reached twice (cycle or shared subkey)") \
    X(NK_DEPTH, 0, F, "key deeper than 512 levels") \
    X(ROOT_FLAGS, 0, F, "root without 0x4, or with 0x01/0x02/0x10/0x40") \
    X(NK_FLAGS, 0, H, "non-root key with flag 0x01/0x02/0x04/0x08/0x40") \
    X(NK_LAYERED, 0, H, "tombstone outside a layered hive, or with content") \
    X(NK_LAYER_BITS, 1, A, "byte nk+13 not 0 in a hive without layered keys") \
    X(NK_VOLATILE, 1, A, "volatile list a stable index, or count without list") \
    X(CLASS, 0, H, "ClassLength/Class inconsistent, class cell too small") \
    X(MAX_NAME_LEN, 0, H, "MaxNameLen < a subkey name (UTF-16 bytes)") \
    X(MAX_CLASS_LEN, 0, H, "MaxClassLen < a subkey's ClassLength") \
    X(MAX_VALUE_NAME, 0, H, "MaxValueNameLen < a value name (UTF-16 bytes)") \
    X(MAX_VALUE_DATA, 0, H, "MaxValueDataLen < a value's data length") \
    X(SYMLINK, 0, H, "link key without exactly one REG_LINK SymbolicLinkValue") \
    /* values */ \
    X(VALUE_LIST, 0, H, "Count 0 with a list, or list missing/too small") \
    X(VK_CELL, 0, H, "value cell too small or signature not 'vk'") \
    X(VK_NAME, 0, H, "value name past the cell, odd UTF-16 or too long") \
    X(VK_NAME_FORM, 1, A, "compressible UTF-16 value name, or default flagged") \
    X(VK_INLINE, 0, H, "inline data longer than 4 bytes") \
    X(VK_INLINE_JUNK, 1, A, "unused inline data bytes not zero") \
    X(VK_NOT_INLINE, 1, A, "1..4 bytes of data not stored inline") \
    X(VK_DATA, 0, H, "DataLength 0 with Data, or data cell missing/small") \
    X(VK_DATA_LIMIT, 1, A, "value data over 1 MiB in a 1.3 hive") \
    X(DB, 0, H, "big data: no db record, wrong count or segment list") \
    X(DB_SEGMENT, 0, H, "big data segment missing or under 16344 bytes") \
    X(DB_SEGMENT_SIZE, 1, A, "big data segment cell not exactly 16352 bytes") \
    X(VALUE_DUP, 0, A, "two values with the same name (case-insensitive)") \
    /* subkey lists */ \
    X(SUBKEY_LIST, 0, H, "subkey count 0 with a list, or count without one") \
    X(LIST_CELL, 0, H, "list cell missing, bad signature or too small") \
    X(RI_NESTED, 0, H, "ri element is an ri") \
    X(RI_EMPTY_LEAF, 0, H, "empty leaf in an ri") \
    X(SUBKEY_COUNT, 0, H, "leaf counts do not add up to the subkey count") \
    X(LIST_ENTRY, 0, H, "list element is not an allocated cell") \
    X(LH_HASH, 0, H, "lh hash wrong") \
    X(LF_HINT, 0, H, "lf hint wrong") \
    X(LIST_ORDER, 0, H, "subkeys not in ascending upcased order") \
    X(SUBKEY_DUP, 0, H, "two subkeys with the same name (case-insensitive)") \
    X(LEAF_TYPE, 1, A, "leaf type not the version's (lh >= 1.5, lf/li < 1.5)") \
    X(LEAF_BIG, 1, A, "leaf with more than 1012 entries (lf: 506)") \
    /* security */ \
    X(SK_CELL, 0, H, "sk cell missing, bad signature or descriptor too long") \
    X(SK_RING, 0, H, "sk ring broken (Flink/Blink, not closed)") \
    X(SK_DESCRIPTOR, 0, H, "descriptor not a valid self-relative SD") \
    X(SK_NOT_IN_RING, 0, H, "key's Security is not an sk of the ring") \
    X(SK_REFCOUNT, 0, H, "ReferenceCount < the number of keys using the sk") \
    X(SK_REFCOUNT_HIGH, 1, A, "ReferenceCount > the number of keys using the sk") \
    X(SK_UNUSED, 1, A, "sk in the ring that no key uses")

enum code {
#define ENUM_(c, s, v, d) C_##c,
    CODES(ENUM_)
#undef ENUM_
    NCODES
};

/* ---- checker state ----------------------------------------------------- */

/* Cell map: one byte per 8-byte unit of the bins data. */
#define M_USED 0x01   /* an allocated cell starts here */
#define M_FREE 0x02   /* a free cell starts here */
#define M_REF  0x04   /* referenced by something already */
#define M_NK   0x08   /* reached as a key */
#define M_SK   0x10   /* member of the sk ring */

struct name {
    const uint8_t *p;
    uint32_t units;
    int comp;                /* one byte per unit (Latin-1) */
};

struct frame {
    uint32_t nk, parent;
    struct name name;
    size_t kids, nkids, next;   /* children in ck.kids[kids .. +nkids) */
    unsigned depth;             /* root = 1 */
};

struct skent {
    uint32_t off, stored, used;
};

struct vname {
    uint32_t hash, vk;
    struct name name;
};

struct ck {
    const uint8_t *img;
    size_t len;
    const uint8_t *bins;
    uint32_t blen;                 /* bins bytes actually checked */
    unsigned flags;
    int strict, layered;
    uint32_t minor;
    uint32_t root, root_sk;        /* NIL until known */
    uint8_t *map;
    regf_problem_fn *fn;
    void *ctx;
    struct regf_check_stats *st;
    int stop;                      /* callback's nonzero value, or ENOMEM */
    int walking;                   /* paths come from the frame stack */
    struct frame *fr;
    size_t nfr, capfr;
    uint32_t *kids;
    size_t nkids, capkids;
    struct skent *sk;              /* ring members, sorted by offset */
    size_t nsk;
    int sk_ok;                     /* the ring could be read */
    struct vname *vn;
    size_t capvn;
    unsigned depth_reported;
    char *path;                    /* path of the current key (messages) */
    size_t pathcap;
    char msg[640];
};

/* Unit I of the name N. */
static inline uint16_t unit(const struct name *n, uint32_t i)
{
    return n->comp ? n->p[i] : rd_le16(n->p + 2 * (size_t)i);
}

/* Size of the buffers given to show(). */
#define SHOW_MAX 200

/* ---- shared functions --------------------------------------------------- */

/* The checker's files share these functions under short names; as link
 * symbols they carry the library's private prefix. */
#define grow             regf__check_grow
#define problem          regf__check_problem
#define problem_sev      regf__check_problem_sev
#define put_name         regf__check_put_name
#define show             regf__check_show
#define name_cmp         regf__check_name_cmp
#define name_hash        regf__check_name_hash
#define name_hint        regf__check_name_hint
#define compressible     regf__check_compressible
#define cell_at          regf__check_cell_at
#define is_alloc         regf__check_is_alloc
#define not_cell         regf__check_not_cell
#define take             regf__check_take
#define list_cell        regf__check_list_cell
#define check_base_block regf__check_base_block
#define check_bins       regf__check_bins
#define check_leaks      regf__check_leaks
#define check_sk_ring    regf__check_sk_ring
#define sk_find          regf__check_sk_find
#define check_sk_counts  regf__check_sk_counts
#define key_cell         regf__check_key_cell
#define walk             regf__check_walk
#define check_values     regf__check_values
#define check_subkeys    regf__check_subkeys

/* check.c */

/* Grows *P (of *CAP elements of SIZE bytes) to hold at least N; 0 or -1
 * (then the check stops with REGF_ENOMEM). */
int grow(struct ck *c, void **p, size_t *cap, size_t n, size_t size);

/* check_report.c */

/* Reports CODE at its default severity; damage that makes the root key
 * itself invalid cannot be healed and is escalated to fatal. */
void problem(struct ck *c, enum code code, uint32_t cell, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));
/* Reports CODE with severity SEV. */
void problem_sev(struct ck *c, enum code code, int sev, uint32_t cell,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* check_names.c */

/* Appends the name as UTF-8 (Latin-1 for compressed names; lone
 * surrogates as U+FFFD; control characters as \xNN): at most 4 bytes per
 * unit, written while *POS + 8 < CAP. */
void put_name(char *buf, size_t cap, size_t *pos, const struct name *n);
/* A name for messages, in BUF (SHOW_MAX bytes; truncated to fit). */
const char *show(char *buf, const struct name *n);
/* Compares two names the way Windows orders subkeys. */
int name_cmp(const struct name *a, const struct name *b);
/* lh hash of a name. */
uint32_t name_hash(const struct name *n);
/* lf hint of a name: its first 4 units when they are all <= 0xFF. */
uint32_t name_hint(const struct name *n);
/* True if a UTF-16 name has only units <= 0xFF (could be compressed). */
int compressible(const struct name *n);

/* check_bins.c */

/* The allocated cell starting at OFF: its data (past the size field) and
 * usable size, or NULL. */
const uint8_t *cell_at(const struct ck *c, uint32_t off, uint32_t *usable);
int is_alloc(const struct ck *c, uint32_t off);
/* Why OFF is not an allocated cell (for messages). */
const char *not_cell(const struct ck *c, uint32_t off);
/* Marks OFF referenced; reports a second reference. */
void take(struct ck *c, uint32_t off, const char *what);
/* The list of key K (a value list or subkey list, NAME) at LIST, with
 * COUNT entries (ITEMS): NIL when COUNT is 0, else an allocated cell,
 * then taken. Returns the list's data and *USABLE bytes, or NULL when
 * there is nothing to read (a problem is reported as CODE, if any). */
const uint8_t *list_cell(struct ck *c, uint32_t k, uint32_t count,
                         uint32_t list, enum code code, const char *items,
                         const char *name, uint32_t *usable);
/* The base block; returns 0 if there are no bins to look at. */
int check_base_block(struct ck *c);
/* The bins and their cells: fills the cell map. */
void check_bins(struct ck *c);
/* Allocated cells nothing references (REGF_CHECK_STRICT). */
void check_leaks(struct ck *c);

/* check_sk.c */

/* Reads the sk ring from FIRST (the root key's sk). */
void check_sk_ring(struct ck *c, uint32_t first);
/* The ring member at OFF, or NULL. */
struct skent *sk_find(struct ck *c, uint32_t off);
/* Reference counts against the keys that use each sk. */
void check_sk_counts(struct ck *c);

/* check_keys.c */

/* Checks that OFF is a key cell whose name fits (enough to compare it and
 * to visit it); fills *NM. Reports NOT_CELL_CODE when OFF is not an
 * allocated cell, NOT_KEY when it is not an nk. */
int key_cell(struct ck *c, uint32_t off, struct name *nm,
             enum code not_cell_code, enum code not_key, const char *what);
/* The whole key tree from ROOT. */
void walk(struct ck *c, uint32_t root);

/* check_values.c */

/* The values of key K (record D) and the Max* value fields. */
void check_values(struct ck *c, uint32_t k, const uint8_t *d);

/* check_lists.c */

/* Subkey list of key K (record D): checks it and pushes the children. */
void check_subkeys(struct ck *c, uint32_t k, const uint8_t *d);

#endif /* REGF_CHECK_INT_H */
