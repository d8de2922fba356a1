/* check.c - full structural validation of a hive image (regf_check_image),
 * in the spirit of e2fsck: every rule of regf-format.md §13 ("What Windows
 * checks when loading a hive") and, with REGF_CHECK_STRICT, the writer
 * rules of §14. Each problem is reported once to a callback with a stable
 * code, a severity, the key path, the cell offset and a message.
 *
 * The checker works on the raw image, not on an opened handle: a hive
 * whose base block or bins the normal open refuses is still checked as far
 * as it can be, and its defects come out as problems. It has its own walk
 * and its own bounds-checked readers (every offset is validated against a
 * cell map built from the bin scan before it is used), shares only the
 * upcase table with the rest of the library, and never crashes, hangs or
 * aborts on any input. It began as the tests' independent checker
 * (tests/support/hivecheck.c, now a thin wrapper over this file).
 *
 * Order of work:
 *   1. base block;
 *   2. bins and cells: every cell start is recorded in a map (one byte per
 *      8-byte unit of the bins data: allocated / free / referenced / key /
 *      sk-ring member);
 *   3. the sk ring from the root key's sk;
 *   4. the key tree, depth first with an explicit stack: each key, its
 *      class, values (and their data, db records), security and subkey
 *      lists (hashes, hints, order, counts), the Max* fields of the parent;
 *      every cell reached is marked "referenced" (twice = CELL_SHARED);
 *   5. sk reference counts; with REGF_CHECK_STRICT allocated cells nobody
 *      references (CELL_LEAK).
 *
 * Severities (what Windows does when it loads a hive with the problem;
 * §13, §7, §3 of the format notes):
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

#define BASE      REGF_BASE_SIZE
#define NIL       REGF_NIL
#define SEGMENT   REGF_BIG_SEGMENT   /* data bytes per big-data segment */
#define MAX_DEPTH 512u               /* levels, root included */
#define NK_FIXED  76u
#define NK_MAX_USABLE 1116u          /* 76 + 2*512 + 16 */
#define VK_FIXED  20u

#define F REGF_SEV_FATAL
#define H REGF_SEV_HEAL
#define A REGF_SEV_HARMLESS

/* X(code, strict-only, severity, description). The order and the names are
 * stable: tests/support/hivecheck.h lists the same codes in the same order. */
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

static const struct regf_check_code code_tab[NCODES] = {
#define TAB_(c, s, v, d) { #c, d, v, s },
    CODES(TAB_)
#undef TAB_
};

#undef F
#undef H
#undef A

const struct regf_check_code *regf_check_codes(size_t *count)
{
    if (count)
        *count = NCODES;
    return code_tab;
}

const char *regf_severity_name(int severity)
{
    switch (severity) {
    case REGF_SEV_FATAL: return "fatal";
    case REGF_SEV_HEAL: return "heal";
    case REGF_SEV_HARMLESS: return "harmless";
    default: return "unknown";
    }
}

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

/* Grows *P (of *CAP elements of SIZE bytes) to hold at least N; 0 or -1
 * (then the check stops with REGF_ENOMEM). */
static int grow(struct ck *c, void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < n)
        nc *= 2;
    void *q = nc <= SIZE_MAX / size ? realloc(*p, nc * size) : NULL;
    if (!q) {
        c->stop = REGF_ENOMEM;
        return -1;
    }
    *p = q;
    *cap = nc;
    return 0;
}

static uint16_t unit(const struct name *n, uint32_t i)
{
    return n->comp ? n->p[i] : rd_le16(n->p + 2 * (size_t)i);
}

/* Appends the name as UTF-8 (Latin-1 for compressed names; lone
 * surrogates as U+FFFD; control characters as \xNN): at most 4 bytes per
 * unit, written while *POS + 8 < CAP. */
static void put_name(char *buf, size_t cap, size_t *pos, const struct name *n)
{
    for (uint32_t i = 0; i < n->units && *pos + 8 < cap; i++) {
        uint32_t cp = unit(n, i);
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n->units) {
            uint16_t lo = unit(n, i + 1);
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            }
        }
        if (cp >= 0xD800 && cp < 0xE000)
            cp = 0xFFFD;
        char *o = buf + *pos;
        if (cp < 0x20 || cp == 0x7F) {
            *pos += (size_t)snprintf(o, 8, "\\x%02X", (unsigned)cp);
        } else if (cp < 0x80) {
            o[0] = (char)cp;
            *pos += 1;
        } else if (cp < 0x800) {
            o[0] = (char)(0xC0 | cp >> 6);
            o[1] = (char)(0x80 | (cp & 0x3F));
            *pos += 2;
        } else if (cp < 0x10000) {
            o[0] = (char)(0xE0 | cp >> 12);
            o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            o[2] = (char)(0x80 | (cp & 0x3F));
            *pos += 3;
        } else {
            o[0] = (char)(0xF0 | cp >> 18);
            o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
            o[3] = (char)(0x80 | (cp & 0x3F));
            *pos += 4;
        }
    }
    buf[*pos] = 0;
}

/* A name for messages, in BUF (truncated to fit). */
#define SHOW_MAX 200
static const char *show(char *buf, const struct name *n)
{
    size_t pos = 0;
    buf[0] = 0;
    put_name(buf, SHOW_MAX, &pos, n);
    return buf;
}

/* The path of the key being checked ("\" for the root, "" outside the
 * walk) in c->path. */
static const char *path_of(struct ck *c)
{
    if (!c->walking || c->nfr == 0)
        return "";
    size_t need = 16;
    for (size_t i = 1; i < c->nfr; i++)
        need += 4 * (size_t)c->fr[i].name.units + 1;
    if (grow(c, (void **)&c->path, &c->pathcap, need, 1) != 0)
        return "";
    size_t pos = 0;
    if (c->nfr == 1)
        c->path[pos++] = '\\';
    c->path[pos] = 0;
    for (size_t i = 1; i < c->nfr; i++) {
        c->path[pos++] = '\\';
        c->path[pos] = 0;
        put_name(c->path, c->pathcap, &pos, &c->fr[i].name);
    }
    return c->path;
}

__attribute__((format(printf, 5, 0)))
static void vproblem(struct ck *c, enum code code, int sev, uint32_t cell,
                     const char *fmt, va_list ap)
{
    if (c->stop || (code_tab[code].strict_only && !c->strict))
        return;
    c->st->problems++;
    c->st->severity[sev]++;
    if (!c->fn)
        return;
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    struct regf_problem p;
    p.code = code_tab[code].code;
    p.id = (unsigned)code;
    p.severity = sev;
    p.cell = cell;
    p.path = path_of(c);
    p.message = c->msg;
    int rc = c->fn(c->ctx, &p);
    if (rc && !c->stop)
        c->stop = rc;
}

/* Reports CODE at its default severity; damage that makes the root key
 * itself invalid cannot be healed and is escalated to fatal. */
__attribute__((format(printf, 4, 5)))
static void problem(struct ck *c, enum code code, uint32_t cell,
                    const char *fmt, ...)
{
    int sev = code_tab[code].severity;
    if (sev == REGF_SEV_HEAL && cell != NIL &&
        ((cell == c->root &&
          (code == C_NK_SIZE || code == C_NK_NAME || code == C_NK_NAME_CHAR ||
           code == C_NK_LAYERED || code == C_SK_NOT_IN_RING)) ||
         (cell == c->root_sk &&
          (code == C_SK_CELL || code == C_SK_DESCRIPTOR))))
        sev = REGF_SEV_FATAL;
    va_list ap;
    va_start(ap, fmt);
    vproblem(c, code, sev, cell, fmt, ap);
    va_end(ap);
}

/* Reports CODE with severity SEV. */
__attribute__((format(printf, 5, 6)))
static void problem_sev(struct ck *c, enum code code, int sev, uint32_t cell,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(c, code, sev, cell, fmt, ap);
    va_end(ap);
}

/* ---- cells ------------------------------------------------------------- */

/* The allocated cell starting at OFF: its data (past the size field) and
 * usable size, or NULL. */
static const uint8_t *cell_at(const struct ck *c, uint32_t off,
                              uint32_t *usable)
{
    if (off >= c->blen || off % 8 || !(c->map[off / 8] & M_USED))
        return NULL;
    *usable = (uint32_t)0 - rd_le32(c->bins + off) - 4;
    return c->bins + off + 4;
}

static int is_alloc(const struct ck *c, uint32_t off)
{
    return off < c->blen && off % 8 == 0 && (c->map[off / 8] & M_USED);
}

/* Why OFF is not an allocated cell (for messages). */
static const char *not_cell(const struct ck *c, uint32_t off)
{
    if (off == NIL)
        return "NIL";
    if (off >= c->blen)
        return "outside the bins";
    if (off % 8)
        return "not 8-aligned";
    if (c->map[off / 8] & M_FREE)
        return "a free cell";
    return "not the start of a cell";
}

/* Marks OFF referenced; reports a second reference. */
static void take(struct ck *c, uint32_t off, const char *what)
{
    uint8_t *m = &c->map[off / 8];
    if (*m & M_REF)
        problem(c, C_CELL_SHARED, off, "%s cell 0x%x is referenced twice",
                what, off);
    *m |= M_REF;
}

/* Compares two names the way Windows orders subkeys. */
static int name_cmp(const struct name *a, const struct name *b)
{
    uint32_t n = a->units < b->units ? a->units : b->units;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t x = regf__up(unit(a, i)), y = regf__up(unit(b, i));
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->units < b->units ? -1 : a->units > b->units;
}

static uint32_t name_hash(const struct name *n)
{
    uint32_t h = 0;
    for (uint32_t i = 0; i < n->units; i++)
        h = 37 * h + regf__up(unit(n, i));
    return h;
}

static uint32_t name_hint(const struct name *n)
{
    uint8_t h[4] = { 0, 0, 0, 0 };
    uint32_t m = n->units < 4 ? n->units : 4;
    for (uint32_t i = m; i-- > 0;) {
        uint16_t u = unit(n, i);
        if (u > 0xFF)
            break;
        h[i] = (uint8_t)u;
    }
    return rd_le32(h);
}

/* True if a UTF-16 name has only units <= 0xFF (could be compressed). */
static int compressible(const struct name *n)
{
    if (n->comp || n->units == 0)
        return 0;
    for (uint32_t i = 0; i < n->units; i++)
        if (unit(n, i) > 0xFF)
            return 0;
    return 1;
}

/* ---- base block and bins ----------------------------------------------- */

/* Returns 0 if there are no bins to look at. */
static int check_base_block(struct ck *c)
{
    const uint8_t *bb = c->img;
    if (c->len < BASE) {
        problem(c, C_BB_SHORT, NIL, "file is %zu bytes", c->len);
        return 0;
    }
    if (memcmp(bb, "regf", 4) != 0)
        problem(c, C_BB_SIGNATURE, NIL, "signature %02x %02x %02x %02x",
                bb[0], bb[1], bb[2], bb[3]);
    uint32_t sum = regf__checksum(bb);
    if (rd_le32(bb + BB_CHECKSUM) != sum)
        problem(c, C_BB_CHECKSUM, NIL,
                "stored 0x%08x, computed 0x%08x (Windows then needs the "
                "header from a transaction log)",
                rd_le32(bb + BB_CHECKSUM), sum);
    if (rd_le32(bb + BB_SEQ1) != rd_le32(bb + BB_SEQ2) &&
        !(c->flags & REGF_CHECK_ALLOW_DIRTY))
        problem(c, C_BB_DIRTY, NIL,
                "Sequence1 %u, Sequence2 %u: dirty, the transaction logs "
                "hold newer data and must be replayed",
                rd_le32(bb + BB_SEQ1), rd_le32(bb + BB_SEQ2));
    uint32_t major = rd_le32(bb + BB_MAJOR);
    c->minor = rd_le32(bb + BB_MINOR);
    if (major != 1 || c->minor < 3 || c->minor > 6)
        problem(c, C_BB_VERSION, NIL, "version %u.%u", major, c->minor);
    if (rd_le32(bb + BB_TYPE) != 0)
        problem(c, C_BB_TYPE, NIL, "type %u%s", rd_le32(bb + BB_TYPE),
                rd_le32(bb + BB_TYPE) == 6 || rd_le32(bb + BB_TYPE) <= 2
                    ? " (a transaction log, not a hive)" : "");
    if (rd_le32(bb + BB_FORMAT) != 1)
        problem(c, C_BB_FORMAT, NIL, "format %u", rd_le32(bb + BB_FORMAT));
    if (rd_le32(bb + BB_CLUSTER) != 1)
        problem(c, C_BB_CLUSTER, NIL, "cluster %u", rd_le32(bb + BB_CLUSTER));
    c->layered = (rd_le32(bb + BB_FLAGS) & 2) != 0;
    uint32_t length = rd_le32(bb + BB_LENGTH);
    if (length == 0 || length % 4096 || length > REGF_MAX_BINS_SIZE)
        problem(c, C_BB_LENGTH, NIL, "Length 0x%x", length);
    if ((uint64_t)BASE + length > c->len) {
        problem(c, C_BB_TRUNCATED, NIL,
                "Length 0x%x but only 0x%zx bytes after the base block",
                length, c->len - BASE);
        length = (uint32_t)(c->len - BASE);
    }
    c->blen = length;
    c->bins = c->img + BASE;
    return length >= 32;
}

static void check_bins(struct ck *c)
{
    uint32_t off = 0;
    while (off < c->blen && !c->stop) {
        const uint8_t *b = c->bins + off;
        if (c->blen - off < 32) {
            problem(c, C_BIN_SIZE, off, "%u bytes left for a bin at 0x%x",
                    c->blen - off, off);
            break;
        }
        if (memcmp(b, "hbin", 4) != 0) {
            problem(c, C_BIN_SIGNATURE, off, "no 'hbin' at 0x%x", off);
            break;
        }
        if (rd_le32(b + HBIN_OFFSET) != off)
            problem(c, C_BIN_OFFSET, off, "bin at 0x%x says FileOffset 0x%x",
                    off, rd_le32(b + HBIN_OFFSET));
        uint32_t size = rd_le32(b + HBIN_SIZE);
        if (size < 4096 || size % 4096 || size > c->blen - off) {
            problem(c, C_BIN_SIZE, off, "bin at 0x%x: size 0x%x (0x%x left)",
                    off, size, c->blen - off);
            break;
        }
        c->st->bins++;
        uint32_t end = off + size, p = off + 32;
        int prev_free = 0;
        while (p < end) {
            uint32_t raw = rd_le32(c->bins + p);
            uint32_t abs = (raw & 0x80000000u) ? (uint32_t)0 - raw : raw;
            if (raw == 0 || abs % 8 || abs > end - p) {
                problem(c, C_CELL_SIZE, p,
                        "cell at 0x%x: size field 0x%08x (%u bytes left in the "
                        "bin)", p, raw, end - p);
                break;
            }
            if (raw & 0x80000000u) {
                c->map[p / 8] |= M_USED;
                c->st->cells_used++;
                prev_free = 0;
            } else {
                if (prev_free)
                    problem(c, C_FREE_ADJACENT, p,
                            "free cell at 0x%x follows another free cell", p);
                c->map[p / 8] |= M_FREE;
                c->st->cells_free++;
                prev_free = 1;
            }
            p += abs;
        }
        off = end;
    }
}

/* ---- security ---------------------------------------------------------- */

static int sid_ok(const uint8_t *sd, uint32_t len, uint32_t off)
{
    if (off < 20 || off >= len || len - off < 8)
        return 0;
    const uint8_t *s = sd + off;
    return s[0] == 1 && s[1] <= 15 && 8 + 4 * (uint32_t)s[1] <= len - off;
}

static int acl_ok(const uint8_t *sd, uint32_t len, uint32_t off)
{
    if (off < 20 || off >= len || len - off < 8)
        return 0;
    const uint8_t *a = sd + off;
    uint32_t size = rd_le16(a + 2), count = rd_le16(a + 4);
    if (a[0] < 2 || a[0] > 4 || size < 8 || size > len - off)
        return 0;
    uint32_t p = 8;
    for (uint32_t i = 0; i < count; i++) {
        if (size - p < 4)
            return 0;
        uint32_t ace = rd_le16(a + p + 2);
        if (ace < 4 || ace > size - p)
            return 0;
        p += ace;
    }
    return 1;
}

/* Plausible self-relative SECURITY_DESCRIPTOR; NULL or why not. */
static const char *sd_problem(const uint8_t *sd, uint32_t len)
{
    if (len < 20)
        return "shorter than 20 bytes";
    if (sd[0] != 1)
        return "revision is not 1";
    uint16_t control = rd_le16(sd + 2);
    if (!(control & 0x8000))
        return "SE_SELF_RELATIVE not set";
    uint32_t owner = rd_le32(sd + 4), group = rd_le32(sd + 8);
    uint32_t sacl = rd_le32(sd + 12), dacl = rd_le32(sd + 16);
    if (owner && !sid_ok(sd, len, owner))
        return "bad owner SID";
    if (group && !sid_ok(sd, len, group))
        return "bad group SID";
    if ((control & 0x10) && sacl && !acl_ok(sd, len, sacl))
        return "bad SACL";
    if ((control & 0x04) && dacl && !acl_ok(sd, len, dacl))
        return "bad DACL";
    return NULL;
}

/* An sk record: 0 if it cannot be used at all. */
static int sk_valid(struct ck *c, uint32_t off, const uint8_t **d)
{
    uint32_t usable;
    const uint8_t *p = cell_at(c, off, &usable);
    if (!p || usable < 20 || memcmp(p, "sk", 2) != 0)
        return 0;
    *d = p;
    return 1;
}

static int skent_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct skent *)a)->off;
    uint32_t y = ((const struct skent *)b)->off;
    return x < y ? -1 : x > y;
}

static void check_sk_ring(struct ck *c, uint32_t first)
{
    const uint8_t *d;
    c->root_sk = first;
    if (!sk_valid(c, first, &d)) {
        problem(c, C_SK_CELL, first,
                "the root key's Security 0x%x is not an sk cell (%s)", first,
                is_alloc(c, first) ? "bad signature or size"
                                   : not_cell(c, first));
        return;
    }
    size_t cap = 0;
    uint32_t cur = first;
    for (;;) {
        uint32_t usable = (uint32_t)0 - rd_le32(c->bins + cur) - 4;
        const uint8_t *s = c->bins + cur + 4;
        if (grow(c, (void **)&c->sk, &cap, c->nsk + 1, sizeof *c->sk) != 0)
            return;
        c->sk[c->nsk++] = (struct skent){ cur, rd_le32(s + SK_REFCOUNT), 0 };
        c->map[cur / 8] |= M_SK | M_REF;
        uint32_t dlen = rd_le32(s + SK_DESCLEN);
        if (dlen > usable - 20) {
            problem(c, C_SK_CELL, cur,
                    "sk 0x%x: descriptor of %u bytes in %u usable bytes", cur,
                    dlen, usable);
        } else {
            const char *why = sd_problem(s + SK_DESC, dlen);
            if (why)
                problem(c, C_SK_DESCRIPTOR, cur, "sk 0x%x: %s", cur, why);
        }
        uint32_t next = rd_le32(s + SK_FLINK);
        const uint8_t *n;
        if (!sk_valid(c, next, &n)) {
            problem(c, C_SK_RING, cur, "sk 0x%x: Flink 0x%x is not an sk (%s)",
                    cur, next,
                    is_alloc(c, next) ? "bad signature or size"
                                      : not_cell(c, next));
            break;
        }
        if (rd_le32(n + SK_BLINK) != cur)
            problem(c, C_SK_RING, next,
                    "sk 0x%x: Blink 0x%x, but it follows 0x%x", next,
                    rd_le32(n + SK_BLINK), cur);
        if (next == first)
            break;
        if (c->map[next / 8] & M_SK) {
            problem(c, C_SK_RING, next,
                    "sk ring loops back to 0x%x without reaching the root's "
                    "sk 0x%x", next, first);
            break;
        }
        cur = next;
    }
    qsort(c->sk, c->nsk, sizeof *c->sk, skent_cmp);
    c->sk_ok = 1;
    c->st->sks = c->nsk;
}

static struct skent *sk_find(struct ck *c, uint32_t off)
{
    size_t lo = 0, hi = c->nsk;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->sk[mid].off == off)
            return &c->sk[mid];
        if (c->sk[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void check_sk_counts(struct ck *c)
{
    for (size_t i = 0; i < c->nsk; i++) {
        const struct skent *s = &c->sk[i];
        if (s->used == 0)
            problem(c, C_SK_UNUSED, s->off, "sk 0x%x is used by no key",
                    s->off);
        if (s->stored < s->used)
            problem(c, C_SK_REFCOUNT, s->off,
                    "sk 0x%x: ReferenceCount %u, used by %u keys", s->off,
                    s->stored, s->used);
        else if (s->stored > s->used)
            problem(c, C_SK_REFCOUNT_HIGH, s->off,
                    "sk 0x%x: ReferenceCount %u, used by %u keys", s->off,
                    s->stored, s->used);
    }
}

/* ---- values ------------------------------------------------------------ */

static void check_big_data(struct ck *c, uint32_t vk, uint32_t db,
                           uint32_t len)
{
    uint32_t usable;
    const uint8_t *d = cell_at(c, db, &usable);
    if (!d) {
        problem(c, C_VK_DATA, vk, "value 0x%x: big data cell 0x%x is %s", vk,
                db, not_cell(c, db));
        return;
    }
    take(c, db, "db");
    if (usable < 8 || memcmp(d, "db", 2) != 0) {
        problem(c, C_DB, db,
                "value 0x%x: %u bytes (> 16344, minor %u) but data cell 0x%x "
                "is not a db record", vk, len, c->minor, db);
        return;
    }
    uint32_t want = (len + SEGMENT - 1) / SEGMENT;
    uint32_t count = rd_le16(d + DB_COUNT), list = rd_le32(d + DB_LIST);
    if (count != want)
        problem(c, C_DB, db, "db 0x%x: %u segments for %u bytes (want %u)",
                db, count, len, want);
    uint32_t lusable;
    const uint8_t *l = cell_at(c, list, &lusable);
    if (!l) {
        problem(c, C_DB, db, "db 0x%x: segment list 0x%x is %s", db, list,
                not_cell(c, list));
        return;
    }
    take(c, list, "db segment list");
    if ((uint64_t)count * 4 > lusable) {
        problem(c, C_DB, list, "db 0x%x: %u segments in a %u-byte list", db,
                count, lusable);
        count = lusable / 4;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t seg = rd_le32(l + 4 * i), susable;
        if (!cell_at(c, seg, &susable)) {
            problem(c, C_DB_SEGMENT, list, "db 0x%x: segment %u (0x%x) is %s",
                    db, i, seg, not_cell(c, seg));
            continue;
        }
        take(c, seg, "db segment");
        if (susable < SEGMENT)
            problem(c, C_DB_SEGMENT, seg,
                    "db 0x%x: segment %u (0x%x) has %u usable bytes (< 16344)",
                    db, i, seg, susable);
        else if (susable + 4 != 16352)
            problem(c, C_DB_SEGMENT_SIZE, seg,
                    "db 0x%x: segment %u (0x%x) is a %u-byte cell (want 16352)",
                    db, i, seg, susable + 4);
    }
}

/* Data of the value VK (record V): inline, empty, cell or big data. */
static void check_value_data(struct ck *c, uint32_t vk, const uint8_t *v)
{
    uint32_t dlen = rd_le32(v + VK_DATALEN), data = rd_le32(v + VK_DATA);
    if (dlen & VK_INLINE) {
        uint32_t real = dlen - VK_INLINE;
        if (real > 4) {
            problem(c, C_VK_INLINE, vk, "value 0x%x: inline length %u (> 4)",
                    vk, real);
            return;
        }
        for (uint32_t i = real; i < 4; i++)
            if (v[VK_DATA + i]) {
                problem(c, C_VK_INLINE_JUNK, vk,
                        "value 0x%x: %u inline bytes, Data 0x%08x", vk, real,
                        data);
                break;
            }
        return;
    }
    if (dlen == 0) {
        if (data != NIL)
            problem(c, C_VK_DATA, vk,
                    "value 0x%x: DataLength 0 but Data 0x%x (want NIL)", vk,
                    data);
        return;
    }
    if (dlen <= 4)
        problem(c, C_VK_NOT_INLINE, vk,
                "value 0x%x: %u bytes stored in a cell, not inline", vk, dlen);
    if (c->minor >= 4 && dlen > SEGMENT) {
        check_big_data(c, vk, data, dlen);
        return;
    }
    if (c->minor < 4 && dlen > (1u << 20))
        problem(c, C_VK_DATA_LIMIT, vk, "value 0x%x: %u bytes in a 1.%u hive",
                vk, dlen, c->minor);
    uint32_t usable;
    if (!cell_at(c, data, &usable)) {
        problem(c, C_VK_DATA, vk, "value 0x%x: data cell 0x%x is %s", vk,
                data, not_cell(c, data));
        return;
    }
    take(c, data, "value data");
    if (usable < dlen)
        problem(c, C_VK_DATA, data,
                "value 0x%x: %u bytes of data in a cell of %u usable bytes",
                vk, dlen, usable);
}

static int vname_cmp(const void *a, const void *b)
{
    const struct vname *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    int r = name_cmp(&x->name, &y->name);
    if (r)
        return r;
    return x->vk < y->vk ? -1 : x->vk > y->vk;
}

static int is_symlink_name(const struct name *n)
{
    static const char want[] = "SYMBOLICLINKVALUE";
    if (n->units != sizeof want - 1)
        return 0;
    for (uint32_t i = 0; i < n->units; i++)
        if (regf__up(unit(n, i)) != (uint8_t)want[i])
            return 0;
    return 1;
}

static void check_values(struct ck *c, uint32_t k, const uint8_t *d)
{
    uint32_t count = rd_le32(d + NK_NVALUES), list = rd_le32(d + NK_VALUES);
    uint16_t kflags = rd_le16(d + NK_FLAGS);
    uint32_t max_name = 0, max_data = 0, nv = 0;
    int link_ok = 0;
    char nb[SHOW_MAX];
    if (count == 0) {
        if (list != NIL)
            problem(c, C_VALUE_LIST, k,
                    "no values but value list 0x%x (want NIL)", list);
        goto done;
    }
    uint32_t usable;
    const uint8_t *l = cell_at(c, list, &usable);
    if (!l) {
        problem(c, C_VALUE_LIST, k, "%u values, value list 0x%x is %s", count,
                list, not_cell(c, list));
        goto done;
    }
    take(c, list, "value list");
    if ((uint64_t)count * 4 > usable) {
        problem(c, C_VALUE_LIST, list,
                "%u values in a value list of %u usable bytes", count, usable);
        count = usable / 4;
    }
    if (grow(c, (void **)&c->vn, &c->capvn, count, sizeof *c->vn) != 0)
        return;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t vk = rd_le32(l + 4 * i), vusable;
        const uint8_t *v = cell_at(c, vk, &vusable);
        if (!v) {
            problem(c, C_VK_CELL, list, "value %u: 0x%x is %s", i, vk,
                    not_cell(c, vk));
            continue;
        }
        take(c, vk, "value");
        if (vusable < VK_FIXED || memcmp(v, "vk", 2) != 0) {
            problem(c, C_VK_CELL, vk,
                    "value %u: cell 0x%x (%u usable bytes) is not a vk", i, vk,
                    vusable);
            continue;
        }
        c->st->values++;
        uint32_t nlen = rd_le16(v + VK_NAMELEN);
        uint16_t vflags = rd_le16(v + VK_FLAGS);
        int comp = vflags & VK_FLAG_COMP_NAME;
        if (vflags & 2 && !c->layered)
            problem(c, C_NK_LAYERED, vk,
                    "value 0x%x: tombstone flag in a hive without layered keys",
                    vk);
        check_value_data(c, vk, v);
        uint32_t dlen = rd_le32(v + VK_DATALEN) & 0x7FFFFFFFu;
        if (dlen > max_data)
            max_data = dlen;
        if (VK_FIXED + nlen > vusable) {
            problem(c, C_VK_NAME, vk,
                    "value 0x%x: name of %u bytes in %u usable bytes", vk,
                    nlen, vusable);
            continue;
        }
        struct name nm = { v + VK_FIXED, comp ? nlen : nlen / 2, comp };
        if (!comp && nlen % 2)
            problem(c, C_VK_NAME, vk, "value 0x%x: odd UTF-16 name length %u",
                    vk, nlen);
        if (nm.units > 16383)
            problem(c, C_VK_NAME, vk,
                    "value 0x%x: name of %u characters (> 16383)", vk,
                    nm.units);
        if (compressible(&nm))
            problem(c, C_VK_NAME_FORM, vk,
                    "value '%s' (0x%x) is UTF-16 but could be compressed",
                    show(nb, &nm), vk);
        if (nlen == 0 && vflags != 0)
            problem(c, C_VK_NAME_FORM, vk,
                    "default value 0x%x has Flags 0x%x (want 0)", vk, vflags);
        if (2 * nm.units > max_name)
            max_name = 2 * nm.units;
        c->vn[nv++] = (struct vname){ name_hash(&nm), vk, nm };
        if (count == 1 && is_symlink_name(&nm) &&
            rd_le32(v + VK_TYPE) == REGF_LINK && dlen % 2 == 0 &&
            dlen <= 0xFFFF)
            link_ok = 1;
    }
    if (nv > 1) {
        qsort(c->vn, nv, sizeof *c->vn, vname_cmp);
        for (uint32_t i = 1; i < nv; i++)
            if (c->vn[i].hash == c->vn[i - 1].hash &&
                name_cmp(&c->vn[i].name, &c->vn[i - 1].name) == 0)
                problem(c, C_VALUE_DUP, c->vn[i].vk,
                        "values 0x%x and 0x%x are both named '%s'",
                        c->vn[i - 1].vk, c->vn[i].vk, show(nb, &c->vn[i].name));
    }
done:
    if (kflags & NK_FLAG_SYM_LINK && !link_ok)
        problem(c, C_SYMLINK, k,
                "link key (flag 0x10) with %u values: want exactly one "
                "REG_LINK SymbolicLinkValue", rd_le32(d + NK_NVALUES));
    if (rd_le32(d + NK_MAXVNAME) < max_name)
        problem(c, C_MAX_VALUE_NAME, k,
                "MaxValueNameLen %u < %u (longest value name, UTF-16 bytes)",
                rd_le32(d + NK_MAXVNAME), max_name);
    if (rd_le32(d + NK_MAXVDATA) < max_data)
        problem(c, C_MAX_VALUE_DATA, k,
                "MaxValueDataLen %u < %u (largest value)",
                rd_le32(d + NK_MAXVDATA), max_data);
}

/* ---- keys -------------------------------------------------------------- */

/* Checks that OFF is a key cell whose name fits (enough to compare it and
 * to visit it); fills *NM. Reports NOT_CELL when OFF is not an allocated
 * cell, NOT_KEY when it is not an nk. */
static int key_cell(struct ck *c, uint32_t off, struct name *nm,
                    enum code not_cell_code, enum code not_key,
                    const char *what)
{
    uint32_t usable;
    const uint8_t *d = cell_at(c, off, &usable);
    if (!d) {
        problem(c, not_cell_code, off, "%s 0x%x is %s", what, off,
                not_cell(c, off));
        return 0;
    }
    if (usable < NK_FIXED || memcmp(d, "nk", 2) != 0) {
        problem(c, not_key, off,
                "%s 0x%x: %u usable bytes, signature %02x %02x (want 'nk')",
                what, off, usable, d[0], d[1]);
        return 0;
    }
    uint32_t nlen = rd_le16(d + NK_NAMELEN);
    int comp = (rd_le16(d + NK_FLAGS) & NK_FLAG_COMP_NAME) != 0;
    if (nlen == 0 || NK_FIXED + nlen > usable) {
        problem(c, C_NK_NAME, off, "%s 0x%x: NameLength %u, %u usable bytes",
                what, off, nlen, usable);
        return 0;
    }
    *nm = (struct name){ d + NK_FIXED, comp ? nlen : nlen / 2, comp };
    return 1;
}

struct leafwalk {
    uint32_t k;                 /* the parent key */
    uint32_t total;             /* entries seen */
    int have_prev;
    struct name prev;
    uint32_t prev_off;
    uint32_t max_name, max_class;
};

static void check_leaf(struct ck *c, struct leafwalk *w, uint32_t leaf,
                       const uint8_t *d, uint32_t usable)
{
    int lf = d[1] == 'f', lh = d[1] == 'h';
    uint32_t stride = (lf || lh) ? 8 : 4, n = rd_le16(d + LIST_COUNT);
    char nb[SHOW_MAX], pb[SHOW_MAX];
    if (4 + (uint64_t)n * stride > usable) {
        problem(c, C_LIST_CELL, leaf,
                "%c%c 0x%x: %u entries in %u usable bytes", d[0], d[1], leaf,
                n, usable);
        n = (usable - 4) / stride;
    }
    if (c->strict) {
        int want_lh = c->minor >= 5;
        if (want_lh ? !lh : lh)
            problem(c, C_LEAF_TYPE, leaf, "%c%c leaf 0x%x in a 1.%u hive",
                    d[0], d[1], leaf, c->minor);
        if (n > (lf ? 506u : 1012u))
            problem(c, C_LEAF_BIG, leaf, "%c%c leaf 0x%x has %u entries",
                    d[0], d[1], leaf, n);
    }
    for (uint32_t i = 0; i < n && !c->stop; i++) {
        const uint8_t *e = d + LIST_ITEMS + i * stride;
        uint32_t off = rd_le32(e);
        w->total++;
        struct name nm;
        if (!key_cell(c, off, &nm, C_LIST_ENTRY, C_NK_CELL, "subkey"))
            continue;
        if (lh && rd_le32(e + 4) != name_hash(&nm))
            problem(c, C_LH_HASH, leaf,
                    "lh 0x%x: subkey '%s' (0x%x) hash 0x%08x, want 0x%08x",
                    leaf, show(nb, &nm), off, rd_le32(e + 4), name_hash(&nm));
        if (lf && rd_le32(e + 4) != name_hint(&nm))
            problem(c, C_LF_HINT, leaf,
                    "lf 0x%x: subkey '%s' (0x%x) hint 0x%08x, want 0x%08x",
                    leaf, show(nb, &nm), off, rd_le32(e + 4), name_hint(&nm));
        if (w->have_prev) {
            int r = name_cmp(&w->prev, &nm);
            if (r == 0)
                problem(c, C_SUBKEY_DUP, off,
                        "subkeys 0x%x and 0x%x are both named '%s'",
                        w->prev_off, off, show(nb, &nm));
            else if (r > 0)
                problem(c, C_LIST_ORDER, off,
                        "subkey '%s' (0x%x) after '%s' (0x%x)", show(nb, &nm),
                        off, show(pb, &w->prev), w->prev_off);
        }
        w->have_prev = 1;
        w->prev = nm;
        w->prev_off = off;
        const uint8_t *kd = c->bins + off + 4;
        if (2 * nm.units > w->max_name)
            w->max_name = 2 * nm.units;
        if (rd_le16(kd + NK_CLASSLEN) > w->max_class)
            w->max_class = rd_le16(kd + NK_CLASSLEN);
        uint8_t *m = &c->map[off / 8];
        if (*m & M_NK) {
            problem(c, C_NK_SHARED, off,
                    "subkey '%s' (0x%x) was already reached (cycle or shared "
                    "key)", show(nb, &nm), off);
            continue;
        }
        *m |= M_NK | M_REF;
        if (grow(c, (void **)&c->kids, &c->capkids, c->nkids + 1,
                 sizeof *c->kids) != 0)
            return;
        c->kids[c->nkids++] = off;
    }
}

/* Subkey list of key K (record D): checks it and pushes the children. */
static void check_subkeys(struct ck *c, uint32_t k, const uint8_t *d)
{
    uint32_t count = rd_le32(d + NK_NSUBKEYS), list = rd_le32(d + NK_SUBKEYS);
    struct leafwalk w = { k, 0, 0, { NULL, 0, 0 }, 0, 0, 0 };
    if (count == 0) {
        if (list != NIL)
            problem(c, C_SUBKEY_LIST, k,
                    "no subkeys but subkey list 0x%x (want NIL)", list);
        goto done;
    }
    uint32_t usable;
    const uint8_t *l = cell_at(c, list, &usable);
    if (!l) {
        problem(c, C_SUBKEY_LIST, k, "%u subkeys, subkey list 0x%x is %s",
                count, list, not_cell(c, list));
        goto done;
    }
    take(c, list, "subkey list");
    if (usable < 4 || l[0] == 0 || !strchr("lr", l[0]) || !l[1] ||
        !strchr(l[0] == 'r' ? "i" : "ifh", l[1])) {
        problem(c, C_LIST_CELL, list,
                "subkey list 0x%x: signature %02x %02x, %u usable bytes", list,
                usable >= 2 ? l[0] : 0, usable >= 2 ? l[1] : 0, usable);
        goto done;
    }
    if (l[0] == 'l') {
        check_leaf(c, &w, list, l, usable);
    } else {
        uint32_t n = rd_le16(l + LIST_COUNT);
        if (4 + (uint64_t)n * 4 > usable) {
            problem(c, C_LIST_CELL, list, "ri 0x%x: %u leaves in %u bytes",
                    list, n, usable);
            n = (usable - 4) / 4;
        }
        for (uint32_t i = 0; i < n && !c->stop; i++) {
            uint32_t leaf = rd_le32(l + LIST_ITEMS + 4 * i), lu;
            const uint8_t *ld = cell_at(c, leaf, &lu);
            if (!ld) {
                problem(c, C_LIST_CELL, list, "ri 0x%x: leaf %u (0x%x) is %s",
                        list, i, leaf, not_cell(c, leaf));
                continue;
            }
            take(c, leaf, "leaf");
            if (lu >= 4 && ld[0] == 'r' && ld[1] == 'i') {
                problem(c, C_RI_NESTED, leaf, "ri 0x%x: element %u is ri 0x%x",
                        list, i, leaf);
                continue;
            }
            if (lu < 4 || ld[0] != 'l' || !ld[1] || !strchr("ifh", ld[1])) {
                problem(c, C_LIST_CELL, leaf,
                        "ri 0x%x: element %u (0x%x) is not a leaf", list, i,
                        leaf);
                continue;
            }
            if (rd_le16(ld + LIST_COUNT) == 0)
                problem(c, C_RI_EMPTY_LEAF, leaf,
                        "ri 0x%x: leaf %u (0x%x) is empty", list, i, leaf);
            check_leaf(c, &w, leaf, ld, lu);
        }
    }
    if (w.total != count && !c->stop)
        problem(c, C_SUBKEY_COUNT, k,
                "subkey count %u, the lists hold %u entries", count, w.total);
done:
    if ((rd_le32(d + NK_MAXNAME) & 0xFFFF) < w.max_name)
        problem(c, C_MAX_NAME_LEN, k,
                "MaxNameLen %u < %u (longest subkey name, UTF-16 bytes)",
                rd_le32(d + NK_MAXNAME) & 0xFFFF, w.max_name);
    if (rd_le32(d + NK_MAXCLASS) < w.max_class)
        problem(c, C_MAX_CLASS_LEN, k,
                "MaxClassLen %u < %u (longest subkey class)",
                rd_le32(d + NK_MAXCLASS), w.max_class);
}

/* The key of frame F (cell and name already validated by key_cell()). */
static void check_key(struct ck *c, struct frame *f)
{
    uint32_t k = f->nk;
    const uint8_t *d = c->bins + k + 4;
    uint32_t usable = (uint32_t)0 - rd_le32(c->bins + k) - 4;
    uint32_t nlen = rd_le16(d + NK_NAMELEN);
    const struct name *nm = &f->name;
    int root = f->depth == 1;
    c->st->keys++;

    if (usable > NK_MAX_USABLE)
        problem(c, C_NK_SIZE, k, "nk cell of %u bytes (> 1120)", usable + 4);
    if (nm->comp ? nlen > 256 : (nlen % 2 || nlen > 512))
        problem(c, C_NK_NAME, k, "%s name of %u bytes",
                nm->comp ? "compressed" : "UTF-16", nlen);
    if (nm->units && unit(nm, 0) == 0)
        problem(c, C_NK_NAME_CHAR, k, "name starts with NUL");
    for (uint32_t i = 0; i < nm->units; i++)
        if (unit(nm, i) == '\\') {
            problem(c, C_NK_NAME_CHAR, k, "name contains a backslash");
            break;
        }
    if (compressible(nm))
        problem(c, C_NK_NAME_FORM, k, "UTF-16 name could be compressed");
    if (!root && rd_le32(d + NK_PARENT) != f->parent)
        problem(c, C_NK_PARENT, k, "Parent 0x%x, real parent 0x%x",
                rd_le32(d + NK_PARENT), f->parent);

    uint16_t fl = rd_le16(d + NK_FLAGS);
    if (root) {
        if (!(fl & 0x04) || (fl & 0x51))
            problem(c, C_ROOT_FLAGS, k, "root flags 0x%04x", fl);
        else if (fl & 0x02)     /* KEY_HIVE_EXIT alone is cleared at load */
            problem_sev(c, C_ROOT_FLAGS, REGF_SEV_HEAL, k,
                        "root flags 0x%04x (0x02 set)", fl);
        else if (c->strict && (fl & 0x0C) != 0x0C)
            problem_sev(c, C_ROOT_FLAGS, REGF_SEV_HARMLESS, k,
                        "root flags 0x%04x (want HIVE_ENTRY|NO_DELETE)", fl);
    } else if (fl & 0x4F) {
        problem(c, C_NK_FLAGS, k, "flags 0x%04x (0x01/0x02/0x04/0x08/0x40)",
                fl);
    }
    unsigned layer = d[13];
    if (!c->layered && layer)
        problem(c, C_NK_LAYER_BITS, k,
                "layer byte 0x%02x in a hive without layered keys", layer);
    if (c->layered && (layer & 3) == 1 &&
        (rd_le16(d + NK_CLASSLEN) || rd_le32(d + NK_NVALUES) ||
         rd_le32(d + NK_NSUBKEYS)))
        problem(c, C_NK_LAYERED, k,
                "tombstone key with a class, values or subkeys");
    /* Stale volatile fields (a volatile index 0x8xxxxxxx and any count)
     * are normal in real hives; a stable index or a count without a list
     * can only come from a writer. */
    uint32_t vlist = rd_le32(d + NK_VSUBKEYS), vcount = rd_le32(d + NK_NVSUBKEYS);
    if ((vlist != NIL && !(vlist & 0x80000000u)) || (vlist == NIL && vcount))
        problem(c, C_NK_VOLATILE, k,
                "volatile subkey list 0x%x, volatile count %u (want NIL, 0)",
                vlist, vcount);

    /* class */
    uint32_t clen = rd_le16(d + NK_CLASSLEN), cls = rd_le32(d + NK_CLASS);
    if (clen == 0 && cls != NIL) {
        problem(c, C_CLASS, k, "ClassLength 0 but Class 0x%x (want NIL)",
                cls);
    } else if (clen > 0) {
        uint32_t cu;
        if (!cell_at(c, cls, &cu)) {
            problem(c, C_CLASS, k, "ClassLength %u, Class 0x%x is %s", clen,
                    cls, not_cell(c, cls));
        } else {
            take(c, cls, "class");
            if (cu < clen)
                problem(c, C_CLASS, cls,
                        "class of %u bytes in a cell of %u usable bytes",
                        clen, cu);
        }
    }

    /* security */
    if (c->sk_ok) {
        uint32_t sec = rd_le32(d + NK_SECURITY);
        struct skent *s = sk_find(c, sec);
        if (!s)
            problem(c, C_SK_NOT_IN_RING, k,
                    "Security 0x%x is not an sk of the ring (%s)", sec,
                    is_alloc(c, sec) ? "allocated cell" : not_cell(c, sec));
        else
            s->used++;
    }

    check_values(c, k, d);
    f->kids = c->nkids;
    check_subkeys(c, k, d);
    f->nkids = c->nkids - f->kids;
    f->next = 0;
}

static struct frame *push(struct ck *c, uint32_t nk, uint32_t parent,
                          const struct name *nm, unsigned depth)
{
    if (grow(c, (void **)&c->fr, &c->capfr, c->nfr + 1, sizeof *c->fr) != 0)
        return NULL;
    struct frame *f = &c->fr[c->nfr++];
    *f = (struct frame){ nk, parent, *nm, 0, 0, 0, depth };
    return f;
}

static void walk(struct ck *c, uint32_t root)
{
    struct name nm;
    if (!key_cell(c, root, &nm, C_BB_ROOT, C_BB_ROOT, "RootCell"))
        return;
    c->map[root / 8] |= M_NK | M_REF;
    check_sk_ring(c, rd_le32(c->bins + root + 4 + NK_SECURITY));
    if (c->stop)
        return;
    c->walking = 1;
    struct frame *f = push(c, root, NIL, &nm, 1);
    if (f)
        check_key(c, f);
    while (c->nfr > 0 && !c->stop) {
        f = &c->fr[c->nfr - 1];
        if (f->next == f->nkids) {
            c->nkids = f->kids;
            c->nfr--;
            continue;
        }
        uint32_t kid = c->kids[f->kids + f->next++];
        if (f->depth >= MAX_DEPTH) {
            if (!c->depth_reported++)
                problem(c, C_NK_DEPTH, kid,
                        "subkey 0x%x would be at level %u (> 512)", kid,
                        f->depth + 1);
            continue;
        }
        uint32_t parent = f->nk;
        unsigned depth = f->depth + 1;
        key_cell(c, kid, &nm, C_LIST_ENTRY, C_NK_CELL, "subkey");
        f = push(c, kid, parent, &nm, depth);
        if (f)
            check_key(c, f);
    }
    c->walking = 0;
}

static void check_leaks(struct ck *c)
{
    unsigned long leaked = 0;
    for (uint32_t i = 0; i < c->blen / 8 && !c->stop; i++) {
        if ((c->map[i] & (M_USED | M_REF)) != M_USED)
            continue;
        leaked++;
        const uint8_t *d = c->bins + 8 * i + 4;
        problem(c, C_CELL_LEAK, 8 * i,
                "allocated cell 0x%x (%u bytes, starts %02x %02x) is "
                "referenced by nothing", 8 * i,
                (uint32_t)0 - rd_le32(d - 4), d[0], d[1]);
    }
    c->st->leaked = leaked;
}

/* ---- entry point ------------------------------------------------------- */

int regf_check_image(const void *img, size_t len, unsigned flags,
                     regf_problem_fn *fn, void *ctx,
                     struct regf_check_stats *stats)
{
    struct regf_check_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!img && len)
        return REGF_EINVAL;
    struct ck c;
    memset(&c, 0, sizeof c);
    c.img = img;
    c.len = len;
    c.flags = flags;
    c.strict = (flags & REGF_CHECK_STRICT) != 0;
    c.fn = fn;
    c.ctx = ctx;
    c.st = stats;
    c.root = c.root_sk = NIL;
    if (check_base_block(&c) && !c.stop) {
        stats->minor = c.minor;
        c.map = calloc((size_t)c.blen / 8 + 1, 1);
        if (!c.map) {
            c.stop = REGF_ENOMEM;
        } else {
            check_bins(&c);
            c.root = rd_le32(c.img + BB_ROOT);
            if (!c.stop)
                walk(&c, c.root);
            if (c.sk_ok && !c.stop)
                check_sk_counts(&c);
            if (c.strict && !c.stop)
                check_leaks(&c);
        }
    } else {
        stats->minor = c.minor;
    }
    free(c.map);
    free(c.fr);
    free(c.kids);
    free(c.sk);
    free(c.vn);
    free(c.path);
    return c.stop;
}
