/* hivecheck.c - an independent structural checker for REGF hive images
 * (see hivecheck.h). Deliberately shares nothing with src/regf: own
 * little-endian readers, own upcase table, own walk.
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
 *   5. sk reference counts; with HC_STRICT_WRITER allocated cells nobody
 *      references (CELL_LEAK).
 *
 * Which rules are writer-only (HC_STRICT_WRITER) was decided on the corpus
 * (every real hive of shared/corpus, strict mode):
 *   - CELL_LEAK: Windows 10's own log recovery (yarp RecoveredHive_Windows10)
 *     leaves the nk cells of deleted keys allocated; self-healing
 *     (HealedHive) leaves cells behind. Windows does not check it.
 *   - SK_REFCOUNT_HIGH, SK_UNUSED: harmless (Windows 10 recomputes the
 *     counts and frees unused sk; older Windows just keeps the cell);
 *     HealedHive has both. A count that is too LOW is always an error.
 *   - NK_LAYER_BITS: byte nk+13 was spare before Windows 8; a Windows 7
 *     UsrClass.dat (Acronis_0x52) has junk there.
 *   - FREE_ADJACENT, NK/VK_NAME_FORM, VK_INLINE_JUNK, VK_NOT_INLINE,
 *     LEAF_TYPE, LEAF_BIG, DB_SEGMENT_SIZE, NK_VOLATILE: no real hive of the
 *     corpus violates them, but Windows would load a hive that does.
 *   - Stale volatile subkey counts/lists (0x8000xxxx) are normal on disk;
 *     only a stable cell index or a count without list is reported.
 * Real hives never violate the other rules, except where noted in
 * tests/test_hivecheck.c (yarp CompHive: one wrong lf hint). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hivecheck.h"

#define BASE      4096u
#define NIL       0xFFFFFFFFu
#define SEGMENT   16344u          /* data bytes per big-data segment */
#define MAX_DEPTH 512u            /* levels, root included */
#define NK_FIXED  76u
#define NK_MAX_USABLE 1116u       /* 76 + 2*512 + 16 */
#define VK_FIXED  20u

/* ---- little endian ----------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* ---- the Windows upcase table -------------------------------------------
 * Generated from data/windows-upcase.txt (973 mappings): runs of code units
 * FIRST..LAST (every STEP-th) that map to unit + DELTA. Everything else
 * maps to itself. test_hivecheck.c compares all 65536 entries with the
 * text file. */
static const struct {
    uint16_t first, last;
    uint8_t step;
    int32_t delta;
} up_runs[] = {
    {0x0061, 0x007A, 1, -32}, {0x00E0, 0x00F6, 1, -32},
    {0x00F8, 0x00FE, 1, -32}, {0x00FF, 0x00FF, 1, 121},
    {0x0101, 0x012F, 2, -1}, {0x0133, 0x0137, 2, -1}, {0x013A, 0x0148, 2, -1},
    {0x014B, 0x0177, 2, -1}, {0x017A, 0x017E, 2, -1},
    {0x0180, 0x0180, 1, 195}, {0x0183, 0x0185, 2, -1},
    {0x0188, 0x0188, 1, -1}, {0x018C, 0x018C, 1, -1}, {0x0192, 0x0192, 1, -1},
    {0x0195, 0x0195, 1, 97}, {0x0199, 0x0199, 1, -1},
    {0x019A, 0x019A, 1, 163}, {0x019E, 0x019E, 1, 130},
    {0x01A1, 0x01A5, 2, -1}, {0x01A8, 0x01A8, 1, -1}, {0x01AD, 0x01AD, 1, -1},
    {0x01B0, 0x01B0, 1, -1}, {0x01B4, 0x01B6, 2, -1}, {0x01B9, 0x01B9, 1, -1},
    {0x01BD, 0x01BD, 1, -1}, {0x01BF, 0x01BF, 1, 56}, {0x01C6, 0x01C6, 1, -2},
    {0x01C9, 0x01C9, 1, -2}, {0x01CC, 0x01CC, 1, -2}, {0x01CE, 0x01DC, 2, -1},
    {0x01DD, 0x01DD, 1, -79}, {0x01DF, 0x01EF, 2, -1},
    {0x01F3, 0x01F3, 1, -2}, {0x01F5, 0x01F5, 1, -1}, {0x01F9, 0x021F, 2, -1},
    {0x0223, 0x0233, 2, -1}, {0x023C, 0x023C, 1, -1}, {0x0242, 0x0242, 1, -1},
    {0x0247, 0x024F, 2, -1}, {0x0250, 0x0250, 1, 10783},
    {0x0251, 0x0251, 1, 10780}, {0x0253, 0x0253, 1, -210},
    {0x0254, 0x0254, 1, -206}, {0x0256, 0x0257, 1, -205},
    {0x0259, 0x0259, 1, -202}, {0x025B, 0x025B, 1, -203},
    {0x0260, 0x0260, 1, -205}, {0x0263, 0x0263, 1, -207},
    {0x0268, 0x0268, 1, -209}, {0x0269, 0x0269, 1, -211},
    {0x026B, 0x026B, 1, 10743}, {0x026F, 0x026F, 1, -211},
    {0x0271, 0x0271, 1, 10749}, {0x0272, 0x0272, 1, -213},
    {0x0275, 0x0275, 1, -214}, {0x027D, 0x027D, 1, 10727},
    {0x0280, 0x0280, 1, -218}, {0x0283, 0x0283, 1, -218},
    {0x0288, 0x0288, 1, -218}, {0x0289, 0x0289, 1, -69},
    {0x028A, 0x028B, 1, -217}, {0x028C, 0x028C, 1, -71},
    {0x0292, 0x0292, 1, -219}, {0x0371, 0x0373, 2, -1},
    {0x0377, 0x0377, 1, -1}, {0x037B, 0x037D, 1, 130},
    {0x03AC, 0x03AC, 1, -38}, {0x03AD, 0x03AF, 1, -37},
    {0x03B1, 0x03C1, 1, -32}, {0x03C3, 0x03CB, 1, -32},
    {0x03CC, 0x03CC, 1, -64}, {0x03CD, 0x03CE, 1, -63},
    {0x03D7, 0x03D7, 1, -8}, {0x03D9, 0x03EF, 2, -1}, {0x03F2, 0x03F2, 1, 7},
    {0x03F8, 0x03F8, 1, -1}, {0x03FB, 0x03FB, 1, -1},
    {0x0430, 0x044F, 1, -32}, {0x0450, 0x045F, 1, -80},
    {0x0461, 0x0481, 2, -1}, {0x048B, 0x04BF, 2, -1}, {0x04C2, 0x04CE, 2, -1},
    {0x04CF, 0x04CF, 1, -15}, {0x04D1, 0x0523, 2, -1},
    {0x0561, 0x0586, 1, -48}, {0x1D79, 0x1D79, 1, 35332},
    {0x1D7D, 0x1D7D, 1, 3814}, {0x1E01, 0x1E95, 2, -1},
    {0x1EA1, 0x1EFF, 2, -1}, {0x1F00, 0x1F07, 1, 8}, {0x1F10, 0x1F15, 1, 8},
    {0x1F20, 0x1F27, 1, 8}, {0x1F30, 0x1F37, 1, 8}, {0x1F40, 0x1F45, 1, 8},
    {0x1F51, 0x1F57, 2, 8}, {0x1F60, 0x1F67, 1, 8}, {0x1F70, 0x1F71, 1, 74},
    {0x1F72, 0x1F75, 1, 86}, {0x1F76, 0x1F77, 1, 100},
    {0x1F78, 0x1F79, 1, 128}, {0x1F7A, 0x1F7B, 1, 112},
    {0x1F7C, 0x1F7D, 1, 126}, {0x1F80, 0x1F87, 1, 8}, {0x1F90, 0x1F97, 1, 8},
    {0x1FA0, 0x1FA7, 1, 8}, {0x1FB0, 0x1FB1, 1, 8}, {0x1FB3, 0x1FB3, 1, 9},
    {0x1FC3, 0x1FC3, 1, 9}, {0x1FD0, 0x1FD1, 1, 8}, {0x1FE0, 0x1FE1, 1, 8},
    {0x1FE5, 0x1FE5, 1, 7}, {0x1FF3, 0x1FF3, 1, 9}, {0x214E, 0x214E, 1, -28},
    {0x2170, 0x217F, 1, -16}, {0x2184, 0x2184, 1, -1},
    {0x24D0, 0x24E9, 1, -26}, {0x2C30, 0x2C5E, 1, -48},
    {0x2C61, 0x2C61, 1, -1}, {0x2C65, 0x2C65, 1, -10795},
    {0x2C66, 0x2C66, 1, -10792}, {0x2C68, 0x2C6C, 2, -1},
    {0x2C73, 0x2C73, 1, -1}, {0x2C76, 0x2C76, 1, -1}, {0x2C81, 0x2CE3, 2, -1},
    {0x2D00, 0x2D25, 1, -7264}, {0xA641, 0xA65F, 2, -1},
    {0xA663, 0xA66D, 2, -1}, {0xA681, 0xA697, 2, -1}, {0xA723, 0xA72F, 2, -1},
    {0xA733, 0xA76F, 2, -1}, {0xA77A, 0xA77C, 2, -1}, {0xA77F, 0xA787, 2, -1},
    {0xA78C, 0xA78C, 1, -1}, {0xFF41, 0xFF5A, 1, -32},
};

static uint16_t up_tab[65536];
static int up_ready;

static void up_init(void)
{
    if (up_ready)
        return;
    for (uint32_t i = 0; i < 65536; i++)
        up_tab[i] = (uint16_t)i;
    for (size_t r = 0; r < sizeof up_runs / sizeof up_runs[0]; r++)
        for (uint32_t u = up_runs[r].first; u <= up_runs[r].last;
             u += up_runs[r].step)
            up_tab[u] = (uint16_t)((int32_t)u + up_runs[r].delta);
    up_ready = 1;
}

uint16_t hc_upcase(uint16_t c)
{
    up_init();
    return up_tab[c];
}

/* ---- codes ------------------------------------------------------------- */

static const char *const code_name[HC_NCODES] = {
#define HC_NAME_(c, s, d) #c,
    HC_CODES(HC_NAME_)
#undef HC_NAME_
};
static const unsigned char code_strict[HC_NCODES] = {
#define HC_STRICT_(c, s, d) s,
    HC_CODES(HC_STRICT_)
#undef HC_STRICT_
};
static const char *const code_desc[HC_NCODES] = {
#define HC_DESC_(c, s, d) d,
    HC_CODES(HC_DESC_)
#undef HC_DESC_
};

static int code_index(const char *code)
{
    for (int i = 0; i < HC_NCODES; i++)
        if (strcmp(code_name[i], code) == 0)
            return i;
    return -1;
}

int hc_count(const struct hc_report *rep, const char *code)
{
    int i = code_index(code);
    return i < 0 ? -1 : (int)rep->counts[i];
}

const char *hc_describe(const char *code)
{
    int i = code_index(code);
    return i < 0 ? NULL : code_desc[i];
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
    uint8_t *map;
    struct hc_report *rep;
    unsigned problems;
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
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "hivecheck: out of memory\n");
        abort();
    }
    return q;
}

static uint16_t unit(const struct name *n, uint32_t i)
{
    return n->comp ? n->p[i] : rd16(n->p + 2 * (size_t)i);
}

/* Appends the name as UTF-8 (Latin-1 for compressed names; lone
 * surrogates as U+FFFD; control characters as \xNN). */
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

/* A name for messages (static buffer; one per message is enough). */
static const char *show(const struct name *n)
{
    static char buf[200];
    size_t pos = 0;
    buf[0] = 0;
    put_name(buf, sizeof buf, &pos, n);
    return buf;
}

static char *path_of(const struct ck *c)
{
    char buf[1024];
    size_t pos = 0;
    buf[0] = 0;
    if (c->walking && c->nfr > 0) {
        if (c->nfr == 1) {
            buf[0] = '\\';
            buf[1] = 0;
        }
        for (size_t i = 1; i < c->nfr && pos + 10 < sizeof buf; i++) {
            buf[pos++] = '\\';
            buf[pos] = 0;
            put_name(buf, sizeof buf, &pos, &c->fr[i].name);
        }
    }
    size_t n = strlen(buf) + 1;
    char *p = xrealloc(NULL, n);
    memcpy(p, buf, n);
    return p;
}

__attribute__((format(printf, 4, 5)))
static void problem(struct ck *c, enum hc_code code, uint32_t cell,
                    const char *fmt, ...)
{
    if (code_strict[code] && !c->strict)
        return;
    c->problems++;
    struct hc_report *rep = c->rep;
    if (!rep)
        return;
    rep->problems++;
    rep->counts[code]++;
    if (rep->nitems >= HC_MAX_ITEMS)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct hc_item *it = &rep->items[rep->nitems++];
    it->code = code_name[code];
    it->cell = cell;
    it->path = path_of(c);
    size_t n = strlen(msg) + 1;
    it->msg = xrealloc(NULL, n);
    memcpy(it->msg, msg, n);
}

/* ---- cells ------------------------------------------------------------- */

/* The allocated cell starting at OFF: its data (past the size field) and
 * usable size, or NULL. */
static const uint8_t *cell_at(const struct ck *c, uint32_t off,
                              uint32_t *usable)
{
    if (off >= c->blen || off % 8 || !(c->map[off / 8] & M_USED))
        return NULL;
    *usable = (uint32_t)0 - rd32(c->bins + off) - 4;
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
        problem(c, HC_CELL_SHARED, off, "%s cell 0x%x is referenced twice",
                what, off);
    *m |= M_REF;
}

/* Compares two names the way Windows orders subkeys. */
static int name_cmp(const struct name *a, const struct name *b)
{
    uint32_t n = a->units < b->units ? a->units : b->units;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t x = up_tab[unit(a, i)], y = up_tab[unit(b, i)];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->units < b->units ? -1 : a->units > b->units;
}

static uint32_t name_hash(const struct name *n)
{
    uint32_t h = 0;
    for (uint32_t i = 0; i < n->units; i++)
        h = 37 * h + up_tab[unit(n, i)];
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
    return rd32(h);
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

static uint32_t checksum(const uint8_t *bb)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < 508; i += 4)
        x ^= rd32(bb + i);
    if (x == 0xFFFFFFFFu)
        x = 0xFFFFFFFEu;
    if (x == 0)
        x = 1;
    return x;
}

/* Returns 0 if there are no bins to look at. */
static int check_base_block(struct ck *c)
{
    const uint8_t *bb = c->img;
    if (c->len < BASE) {
        problem(c, HC_BB_SHORT, HC_NOCELL, "file is %zu bytes", c->len);
        return 0;
    }
    if (memcmp(bb, "regf", 4) != 0)
        problem(c, HC_BB_SIGNATURE, HC_NOCELL, "signature %02x %02x %02x %02x",
                bb[0], bb[1], bb[2], bb[3]);
    uint32_t sum = checksum(bb);
    if (rd32(bb + 508) != sum)
        problem(c, HC_BB_CHECKSUM, HC_NOCELL, "stored 0x%08x, computed 0x%08x",
                rd32(bb + 508), sum);
    if (rd32(bb + 4) != rd32(bb + 8) && !(c->flags & HC_ALLOW_DIRTY))
        problem(c, HC_BB_DIRTY, HC_NOCELL, "Sequence1 %u, Sequence2 %u",
                rd32(bb + 4), rd32(bb + 8));
    uint32_t major = rd32(bb + 20);
    c->minor = rd32(bb + 24);
    if (major != 1 || c->minor < 3 || c->minor > 6)
        problem(c, HC_BB_VERSION, HC_NOCELL, "version %u.%u", major, c->minor);
    if (rd32(bb + 28) != 0)
        problem(c, HC_BB_TYPE, HC_NOCELL, "type %u", rd32(bb + 28));
    if (rd32(bb + 32) != 1)
        problem(c, HC_BB_FORMAT, HC_NOCELL, "format %u", rd32(bb + 32));
    if (rd32(bb + 44) != 1)
        problem(c, HC_BB_CLUSTER, HC_NOCELL, "cluster %u", rd32(bb + 44));
    c->layered = (rd32(bb + 144) & 2) != 0;
    uint32_t length = rd32(bb + 40);
    if (length == 0 || length % 4096 || length > 0x7FFFE000u)
        problem(c, HC_BB_LENGTH, HC_NOCELL, "Length 0x%x", length);
    if ((uint64_t)BASE + length > c->len) {
        problem(c, HC_BB_TRUNCATED, HC_NOCELL,
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
    while (off < c->blen) {
        const uint8_t *b = c->bins + off;
        if (c->blen - off < 32) {
            problem(c, HC_BIN_SIZE, off, "%u bytes left for a bin at 0x%x",
                    c->blen - off, off);
            break;
        }
        if (memcmp(b, "hbin", 4) != 0) {
            problem(c, HC_BIN_SIGNATURE, off, "no 'hbin' at 0x%x", off);
            break;
        }
        if (rd32(b + 4) != off)
            problem(c, HC_BIN_OFFSET, off, "bin at 0x%x says FileOffset 0x%x",
                    off, rd32(b + 4));
        uint32_t size = rd32(b + 8);
        if (size < 4096 || size % 4096 || size > c->blen - off) {
            problem(c, HC_BIN_SIZE, off, "bin at 0x%x: size 0x%x (0x%x left)",
                    off, size, c->blen - off);
            break;
        }
        if (c->rep)
            c->rep->bins++;
        uint32_t end = off + size, p = off + 32;
        int prev_free = 0;
        while (p < end) {
            uint32_t raw = rd32(c->bins + p);
            uint32_t abs = (raw & 0x80000000u) ? (uint32_t)0 - raw : raw;
            if (raw == 0 || abs % 8 || abs > end - p) {
                problem(c, HC_CELL_SIZE, p,
                        "cell at 0x%x: size field 0x%08x (%u bytes left in the "
                        "bin)", p, raw, end - p);
                break;
            }
            if (raw & 0x80000000u) {
                c->map[p / 8] |= M_USED;
                if (c->rep)
                    c->rep->cells_used++;
                prev_free = 0;
            } else {
                if (prev_free)
                    problem(c, HC_FREE_ADJACENT, p,
                            "free cell at 0x%x follows another free cell", p);
                c->map[p / 8] |= M_FREE;
                if (c->rep)
                    c->rep->cells_free++;
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
    uint32_t size = rd16(a + 2), count = rd16(a + 4);
    if (a[0] < 2 || a[0] > 4 || size < 8 || size > len - off)
        return 0;
    uint32_t p = 8;
    for (uint32_t i = 0; i < count; i++) {
        if (size - p < 4)
            return 0;
        uint32_t ace = rd16(a + p + 2);
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
    uint16_t control = rd16(sd + 2);
    if (!(control & 0x8000))
        return "SE_SELF_RELATIVE not set";
    uint32_t owner = rd32(sd + 4), group = rd32(sd + 8);
    uint32_t sacl = rd32(sd + 12), dacl = rd32(sd + 16);
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
    if (!sk_valid(c, first, &d)) {
        problem(c, HC_SK_CELL, first,
                "the root key's Security 0x%x is not an sk cell (%s)", first,
                is_alloc(c, first) ? "bad signature or size"
                                                    : not_cell(c, first));
        return;
    }
    size_t cap = 16;
    c->sk = xrealloc(NULL, cap * sizeof *c->sk);
    uint32_t cur = first;
    for (;;) {
        uint32_t usable = (uint32_t)0 - rd32(c->bins + cur) - 4;
        const uint8_t *s = c->bins + cur + 4;
        if (c->nsk == cap) {
            cap *= 2;
            c->sk = xrealloc(c->sk, cap * sizeof *c->sk);
        }
        c->sk[c->nsk++] = (struct skent){ cur, rd32(s + 12), 0 };
        c->map[cur / 8] |= M_SK | M_REF;
        uint32_t dlen = rd32(s + 16);
        if (dlen > usable - 20) {
            problem(c, HC_SK_CELL, cur,
                    "sk 0x%x: descriptor of %u bytes in %u usable bytes", cur,
                    dlen, usable);
        } else {
            const char *why = sd_problem(s + 20, dlen);
            if (why)
                problem(c, HC_SK_DESCRIPTOR, cur, "sk 0x%x: %s", cur, why);
        }
        uint32_t next = rd32(s + 4);
        const uint8_t *n;
        if (!sk_valid(c, next, &n)) {
            problem(c, HC_SK_RING, cur, "sk 0x%x: Flink 0x%x is not an sk (%s)",
                    cur, next,
                    is_alloc(c, next) ? "bad signature or size"
                                                       : not_cell(c, next));
            break;
        }
        if (rd32(n + 8) != cur)
            problem(c, HC_SK_RING, next,
                    "sk 0x%x: Blink 0x%x, but it follows 0x%x", next,
                    rd32(n + 8), cur);
        if (next == first)
            break;
        if (c->map[next / 8] & M_SK) {
            problem(c, HC_SK_RING, next,
                    "sk ring loops back to 0x%x without reaching the root's "
                    "sk 0x%x", next, first);
            break;
        }
        cur = next;
    }
    qsort(c->sk, c->nsk, sizeof *c->sk, skent_cmp);
    c->sk_ok = 1;
    if (c->rep)
        c->rep->sks = c->nsk;
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
            problem(c, HC_SK_UNUSED, s->off, "sk 0x%x is used by no key",
                    s->off);
        if (s->stored < s->used)
            problem(c, HC_SK_REFCOUNT, s->off,
                    "sk 0x%x: ReferenceCount %u, used by %u keys", s->off,
                    s->stored, s->used);
        else if (s->stored > s->used)
            problem(c, HC_SK_REFCOUNT_HIGH, s->off,
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
        problem(c, HC_VK_DATA, vk, "value 0x%x: big data cell 0x%x is %s", vk,
                db, not_cell(c, db));
        return;
    }
    take(c, db, "db");
    if (usable < 8 || memcmp(d, "db", 2) != 0) {
        problem(c, HC_DB, db,
                "value 0x%x: %u bytes (> 16344, minor %u) but data cell 0x%x "
                "is not a db record", vk, len, c->minor, db);
        return;
    }
    uint32_t want = (len + SEGMENT - 1) / SEGMENT, count = rd16(d + 2);
    uint32_t list = rd32(d + 4);
    if (count != want)
        problem(c, HC_DB, db, "db 0x%x: %u segments for %u bytes (want %u)",
                db, count, len, want);
    uint32_t lusable;
    const uint8_t *l = cell_at(c, list, &lusable);
    if (!l) {
        problem(c, HC_DB, db, "db 0x%x: segment list 0x%x is %s", db, list,
                not_cell(c, list));
        return;
    }
    take(c, list, "db segment list");
    if ((uint64_t)count * 4 > lusable) {
        problem(c, HC_DB, list, "db 0x%x: %u segments in a %u-byte list", db,
                count, lusable);
        count = lusable / 4;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t seg = rd32(l + 4 * i), susable;
        if (!cell_at(c, seg, &susable)) {
            problem(c, HC_DB_SEGMENT, list, "db 0x%x: segment %u (0x%x) is %s",
                    db, i, seg, not_cell(c, seg));
            continue;
        }
        take(c, seg, "db segment");
        if (susable < SEGMENT)
            problem(c, HC_DB_SEGMENT, seg,
                    "db 0x%x: segment %u (0x%x) has %u usable bytes (< 16344)",
                    db, i, seg, susable);
        else if (susable + 4 != 16352)
            problem(c, HC_DB_SEGMENT_SIZE, seg,
                    "db 0x%x: segment %u (0x%x) is a %u-byte cell (want 16352)",
                    db, i, seg, susable + 4);
    }
}

/* Data of the value VK (record V): inline, empty, cell or big data. */
static void check_value_data(struct ck *c, uint32_t vk, const uint8_t *v)
{
    uint32_t dlen = rd32(v + 4), data = rd32(v + 8);
    if (dlen & 0x80000000u) {
        uint32_t real = dlen - 0x80000000u;
        if (real > 4) {
            problem(c, HC_VK_INLINE, vk, "value 0x%x: inline length %u (> 4)",
                    vk, real);
            return;
        }
        for (uint32_t i = real; i < 4; i++)
            if (v[8 + i]) {
                problem(c, HC_VK_INLINE_JUNK, vk,
                        "value 0x%x: %u inline bytes, Data 0x%08x", vk, real,
                        data);
                break;
            }
        return;
    }
    if (dlen == 0) {
        if (data != NIL)
            problem(c, HC_VK_DATA, vk,
                    "value 0x%x: DataLength 0 but Data 0x%x (want NIL)", vk,
                    data);
        return;
    }
    if (dlen <= 4)
        problem(c, HC_VK_NOT_INLINE, vk,
                "value 0x%x: %u bytes stored in a cell, not inline", vk, dlen);
    if (c->minor >= 4 && dlen > SEGMENT) {
        check_big_data(c, vk, data, dlen);
        return;
    }
    if (c->minor < 4 && dlen > (1u << 20))
        problem(c, HC_VK_DATA_LIMIT, vk, "value 0x%x: %u bytes in a 1.%u hive",
                vk, dlen, c->minor);
    uint32_t usable;
    if (!cell_at(c, data, &usable)) {
        problem(c, HC_VK_DATA, vk, "value 0x%x: data cell 0x%x is %s", vk,
                data, not_cell(c, data));
        return;
    }
    take(c, data, "value data");
    if (usable < dlen)
        problem(c, HC_VK_DATA, data,
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
        if (up_tab[unit(n, i)] != (uint8_t)want[i])
            return 0;
    return 1;
}

static void check_values(struct ck *c, uint32_t k, const uint8_t *d)
{
    uint32_t count = rd32(d + 36), list = rd32(d + 40);
    uint16_t kflags = rd16(d + 2);
    uint32_t max_name = 0, max_data = 0, nv = 0;
    int link_ok = 0;
    if (count == 0) {
        if (list != NIL)
            problem(c, HC_VALUE_LIST, k,
                    "no values but value list 0x%x (want NIL)", list);
        goto done;
    }
    uint32_t usable;
    const uint8_t *l = cell_at(c, list, &usable);
    if (!l) {
        problem(c, HC_VALUE_LIST, k, "%u values, value list 0x%x is %s", count,
                list, not_cell(c, list));
        goto done;
    }
    take(c, list, "value list");
    if ((uint64_t)count * 4 > usable) {
        problem(c, HC_VALUE_LIST, list,
                "%u values in a value list of %u usable bytes", count, usable);
        count = usable / 4;
    }
    if (count > c->capvn) {
        c->capvn = count + 64;
        c->vn = xrealloc(c->vn, c->capvn * sizeof *c->vn);
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t vk = rd32(l + 4 * i), vusable;
        const uint8_t *v = cell_at(c, vk, &vusable);
        if (!v) {
            problem(c, HC_VK_CELL, list, "value %u: 0x%x is %s", i, vk,
                    not_cell(c, vk));
            continue;
        }
        take(c, vk, "value");
        if (vusable < VK_FIXED || memcmp(v, "vk", 2) != 0) {
            problem(c, HC_VK_CELL, vk,
                    "value %u: cell 0x%x (%u usable bytes) is not a vk", i, vk,
                    vusable);
            continue;
        }
        if (c->rep)
            c->rep->values++;
        uint32_t nlen = rd16(v + 2);
        uint16_t vflags = rd16(v + 16);
        int comp = vflags & 1;
        if (vflags & 2 && !c->layered)
            problem(c, HC_NK_LAYERED, vk,
                    "value 0x%x: tombstone flag in a hive without layered keys",
                    vk);
        check_value_data(c, vk, v);
        uint32_t dlen = rd32(v + 4) & 0x7FFFFFFFu;
        if (dlen > max_data)
            max_data = dlen;
        if (VK_FIXED + nlen > vusable) {
            problem(c, HC_VK_NAME, vk,
                    "value 0x%x: name of %u bytes in %u usable bytes", vk,
                    nlen, vusable);
            continue;
        }
        struct name nm = { v + VK_FIXED, comp ? nlen : nlen / 2, comp };
        if (!comp && nlen % 2)
            problem(c, HC_VK_NAME, vk, "value 0x%x: odd UTF-16 name length %u",
                    vk, nlen);
        if (nm.units > 16383)
            problem(c, HC_VK_NAME, vk,
                    "value 0x%x: name of %u characters (> 16383)", vk,
                    nm.units);
        if (compressible(&nm))
            problem(c, HC_VK_NAME_FORM, vk,
                    "value '%s' (0x%x) is UTF-16 but could be compressed",
                    show(&nm), vk);
        if (nlen == 0 && vflags != 0)
            problem(c, HC_VK_NAME_FORM, vk,
                    "default value 0x%x has Flags 0x%x (want 0)", vk, vflags);
        if (2 * nm.units > max_name)
            max_name = 2 * nm.units;
        c->vn[nv++] = (struct vname){ name_hash(&nm), vk, nm };
        if (count == 1 && is_symlink_name(&nm) && rd32(v + 12) == 6 &&
            dlen % 2 == 0 && dlen <= 0xFFFF)
            link_ok = 1;
    }
    if (nv > 1) {
        qsort(c->vn, nv, sizeof *c->vn, vname_cmp);
        for (uint32_t i = 1; i < nv; i++)
            if (c->vn[i].hash == c->vn[i - 1].hash &&
                name_cmp(&c->vn[i].name, &c->vn[i - 1].name) == 0)
                problem(c, HC_VALUE_DUP, c->vn[i].vk,
                        "values 0x%x and 0x%x are both named '%s'",
                        c->vn[i - 1].vk, c->vn[i].vk, show(&c->vn[i].name));
    }
done:
    if (kflags & 0x10 && !link_ok)
        problem(c, HC_SYMLINK, k,
                "link key (flag 0x10) with %u values: want exactly one "
                "REG_LINK SymbolicLinkValue", rd32(d + 36));
    if (rd32(d + 60) < max_name)
        problem(c, HC_MAX_VALUE_NAME, k,
                "MaxValueNameLen %u < %u (longest value name, UTF-16 bytes)",
                rd32(d + 60), max_name);
    if (rd32(d + 64) < max_data)
        problem(c, HC_MAX_VALUE_DATA, k,
                "MaxValueDataLen %u < %u (largest value)", rd32(d + 64),
                max_data);
}

/* ---- keys -------------------------------------------------------------- */

/* Checks that OFF is a key cell whose name fits (enough to compare it and
 * to visit it); fills *NM. Reports NOT_CELL when OFF is not an allocated
 * cell, NOT_KEY when it is not an nk. */
static int key_cell(struct ck *c, uint32_t off, struct name *nm,
                    enum hc_code not_cell_code, enum hc_code not_key,
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
    uint32_t nlen = rd16(d + 72);
    int comp = (rd16(d + 2) & 0x20) != 0;
    if (nlen == 0 || NK_FIXED + nlen > usable) {
        problem(c, HC_NK_NAME, off, "%s 0x%x: NameLength %u, %u usable bytes",
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
    uint32_t stride = (lf || lh) ? 8 : 4, n = rd16(d + 2);
    if (4 + (uint64_t)n * stride > usable) {
        problem(c, HC_LIST_CELL, leaf,
                "%c%c 0x%x: %u entries in %u usable bytes", d[0], d[1], leaf,
                n, usable);
        n = (usable - 4) / stride;
    }
    if (c->strict) {
        int want_lh = c->minor >= 5;
        if (want_lh ? !lh : lh)
            problem(c, HC_LEAF_TYPE, leaf, "%c%c leaf 0x%x in a 1.%u hive",
                    d[0], d[1], leaf, c->minor);
        if (n > (lf ? 506u : 1012u))
            problem(c, HC_LEAF_BIG, leaf, "%c%c leaf 0x%x has %u entries",
                    d[0], d[1], leaf, n);
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = d + 4 + i * stride;
        uint32_t off = rd32(e);
        w->total++;
        struct name nm;
        if (!key_cell(c, off, &nm, HC_LIST_ENTRY, HC_NK_CELL, "subkey"))
            continue;
        if (lh && rd32(e + 4) != name_hash(&nm))
            problem(c, HC_LH_HASH, leaf,
                    "lh 0x%x: subkey '%s' (0x%x) hash 0x%08x, want 0x%08x",
                    leaf, show(&nm), off, rd32(e + 4), name_hash(&nm));
        if (lf && rd32(e + 4) != name_hint(&nm))
            problem(c, HC_LF_HINT, leaf,
                    "lf 0x%x: subkey '%s' (0x%x) hint 0x%08x, want 0x%08x",
                    leaf, show(&nm), off, rd32(e + 4), name_hint(&nm));
        if (w->have_prev) {
            int r = name_cmp(&w->prev, &nm);
            if (r == 0)
                problem(c, HC_SUBKEY_DUP, off,
                        "subkeys 0x%x and 0x%x are both named '%s'",
                        w->prev_off, off, show(&nm));
            else if (r > 0) {
                char prev[200];
                snprintf(prev, sizeof prev, "%s", show(&w->prev));
                problem(c, HC_LIST_ORDER, off,
                        "subkey '%s' (0x%x) after '%s' (0x%x)", show(&nm), off,
                        prev, w->prev_off);
            }
        }
        w->have_prev = 1;
        w->prev = nm;
        w->prev_off = off;
        const uint8_t *kd = c->bins + off + 4;
        if (2 * nm.units > w->max_name)
            w->max_name = 2 * nm.units;
        if (rd16(kd + 74) > w->max_class)
            w->max_class = rd16(kd + 74);
        uint8_t *m = &c->map[off / 8];
        if (*m & M_NK) {
            problem(c, HC_NK_SHARED, off,
                    "subkey '%s' (0x%x) was already reached (cycle or shared "
                    "key)", show(&nm), off);
            continue;
        }
        *m |= M_NK | M_REF;
        if (c->nkids == c->capkids) {
            c->capkids = c->capkids ? 2 * c->capkids : 1024;
            c->kids = xrealloc(c->kids, c->capkids * sizeof *c->kids);
        }
        c->kids[c->nkids++] = off;
    }
}

/* Subkey list of key K (record D): checks it and pushes the children. */
static void check_subkeys(struct ck *c, uint32_t k, const uint8_t *d)
{
    uint32_t count = rd32(d + 20), list = rd32(d + 28);
    struct leafwalk w = { k, 0, 0, { NULL, 0, 0 }, 0, 0, 0 };
    if (count == 0) {
        if (list != NIL)
            problem(c, HC_SUBKEY_LIST, k,
                    "no subkeys but subkey list 0x%x (want NIL)", list);
        goto done;
    }
    uint32_t usable;
    const uint8_t *l = cell_at(c, list, &usable);
    if (!l) {
        problem(c, HC_SUBKEY_LIST, k, "%u subkeys, subkey list 0x%x is %s",
                count, list, not_cell(c, list));
        goto done;
    }
    take(c, list, "subkey list");
    if (usable < 4 || l[0] == 0 || !strchr("lr", l[0]) || !l[1] ||
        !strchr(l[0] == 'r' ? "i" : "ifh", l[1])) {
        problem(c, HC_LIST_CELL, list,
                "subkey list 0x%x: signature %02x %02x, %u usable bytes", list,
                usable >= 2 ? l[0] : 0, usable >= 2 ? l[1] : 0, usable);
        goto done;
    }
    if (l[0] == 'l') {
        check_leaf(c, &w, list, l, usable);
    } else {
        uint32_t n = rd16(l + 2);
        if (4 + (uint64_t)n * 4 > usable) {
            problem(c, HC_LIST_CELL, list, "ri 0x%x: %u leaves in %u bytes",
                    list, n, usable);
            n = (usable - 4) / 4;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t leaf = rd32(l + 4 + 4 * i), lu;
            const uint8_t *ld = cell_at(c, leaf, &lu);
            if (!ld) {
                problem(c, HC_LIST_CELL, list, "ri 0x%x: leaf %u (0x%x) is %s",
                        list, i, leaf, not_cell(c, leaf));
                continue;
            }
            take(c, leaf, "leaf");
            if (lu >= 4 && ld[0] == 'r' && ld[1] == 'i') {
                problem(c, HC_RI_NESTED, leaf, "ri 0x%x: element %u is ri 0x%x",
                        list, i, leaf);
                continue;
            }
            if (lu < 4 || ld[0] != 'l' || !ld[1] || !strchr("ifh", ld[1])) {
                problem(c, HC_LIST_CELL, leaf,
                        "ri 0x%x: element %u (0x%x) is not a leaf", list, i,
                        leaf);
                continue;
            }
            if (rd16(ld + 2) == 0)
                problem(c, HC_RI_EMPTY_LEAF, leaf,
                        "ri 0x%x: leaf %u (0x%x) is empty", list, i, leaf);
            check_leaf(c, &w, leaf, ld, lu);
        }
    }
    if (w.total != count)
        problem(c, HC_SUBKEY_COUNT, k,
                "subkey count %u, the lists hold %u entries", count, w.total);
done:
    if ((rd32(d + 52) & 0xFFFF) < w.max_name)
        problem(c, HC_MAX_NAME_LEN, k,
                "MaxNameLen %u < %u (longest subkey name, UTF-16 bytes)",
                rd32(d + 52) & 0xFFFF, w.max_name);
    if (rd32(d + 56) < w.max_class)
        problem(c, HC_MAX_CLASS_LEN, k,
                "MaxClassLen %u < %u (longest subkey class)", rd32(d + 56),
                w.max_class);
}

/* The key of frame F (cell and name already validated by key_cell()). */
static void check_key(struct ck *c, struct frame *f)
{
    uint32_t k = f->nk;
    const uint8_t *d = c->bins + k + 4;
    uint32_t usable = (uint32_t)0 - rd32(c->bins + k) - 4;
    uint32_t nlen = rd16(d + 72);
    const struct name *nm = &f->name;
    int root = f->depth == 1;
    if (c->rep)
        c->rep->keys++;

    if (usable > NK_MAX_USABLE)
        problem(c, HC_NK_SIZE, k, "nk cell of %u bytes (> 1120)", usable + 4);
    if (nm->comp ? nlen > 256 : (nlen % 2 || nlen > 512))
        problem(c, HC_NK_NAME, k, "%s name of %u bytes",
                nm->comp ? "compressed" : "UTF-16", nlen);
    if (nm->units && unit(nm, 0) == 0)
        problem(c, HC_NK_NAME_CHAR, k, "name starts with NUL");
    for (uint32_t i = 0; i < nm->units; i++)
        if (unit(nm, i) == '\\') {
            problem(c, HC_NK_NAME_CHAR, k, "name contains a backslash");
            break;
        }
    if (compressible(nm))
        problem(c, HC_NK_NAME_FORM, k, "UTF-16 name could be compressed");
    if (!root && rd32(d + 16) != f->parent)
        problem(c, HC_NK_PARENT, k, "Parent 0x%x, real parent 0x%x",
                rd32(d + 16), f->parent);

    uint16_t fl = rd16(d + 2);
    if (root) {
        if (!(fl & 0x04) || (fl & 0x53))
            problem(c, HC_ROOT_FLAGS, k, "root flags 0x%04x", fl);
        else if (c->strict && (fl & 0x0C) != 0x0C)
            problem(c, HC_ROOT_FLAGS, k,
                    "root flags 0x%04x (want HIVE_ENTRY|NO_DELETE)", fl);
    } else if (fl & 0x4F) {
        problem(c, HC_NK_FLAGS, k, "flags 0x%04x (0x01/0x02/0x04/0x08/0x40)",
                fl);
    }
    unsigned layer = d[13];
    if (!c->layered && layer)
        problem(c, HC_NK_LAYER_BITS, k,
                "layer byte 0x%02x in a hive without layered keys", layer);
    if (c->layered && (layer & 3) == 1 &&
        (rd16(d + 74) || rd32(d + 36) || rd32(d + 20)))
        problem(c, HC_NK_LAYERED, k,
                "tombstone key with a class, values or subkeys");
    /* Stale volatile fields (a volatile index 0x8xxxxxxx and any count)
     * are normal in real hives; a stable index or a count without a list
     * can only come from a writer. */
    uint32_t vlist = rd32(d + 32), vcount = rd32(d + 24);
    if ((vlist != NIL && !(vlist & 0x80000000u)) || (vlist == NIL && vcount))
        problem(c, HC_NK_VOLATILE, k,
                "volatile subkey list 0x%x, volatile count %u (want NIL, 0)",
                vlist, vcount);

    /* class */
    uint32_t clen = rd16(d + 74), cls = rd32(d + 48);
    if (clen == 0 && cls != NIL) {
        problem(c, HC_CLASS, k, "ClassLength 0 but Class 0x%x (want NIL)",
                cls);
    } else if (clen > 0) {
        uint32_t cu;
        if (!cell_at(c, cls, &cu)) {
            problem(c, HC_CLASS, k, "ClassLength %u, Class 0x%x is %s", clen,
                    cls, not_cell(c, cls));
        } else {
            take(c, cls, "class");
            if (cu < clen)
                problem(c, HC_CLASS, cls,
                        "class of %u bytes in a cell of %u usable bytes",
                        clen, cu);
        }
    }

    /* security */
    if (c->sk_ok) {
        uint32_t sec = rd32(d + 44);
        struct skent *s = sk_find(c, sec);
        if (!s)
            problem(c, HC_SK_NOT_IN_RING, k,
                    "Security 0x%x is not an sk of the ring (%s)", sec,
                    is_alloc(c, sec) ? "allocated cell"
                                                      : not_cell(c, sec));
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
    if (c->nfr == c->capfr) {
        c->capfr = c->capfr ? 2 * c->capfr : 64;
        c->fr = xrealloc(c->fr, c->capfr * sizeof *c->fr);
    }
    struct frame *f = &c->fr[c->nfr++];
    *f = (struct frame){ nk, parent, *nm, 0, 0, 0, depth };
    return f;
}

static void walk(struct ck *c, uint32_t root)
{
    struct name nm;
    if (!key_cell(c, root, &nm, HC_BB_ROOT, HC_BB_ROOT, "RootCell"))
        return;
    c->map[root / 8] |= M_NK | M_REF;
    check_sk_ring(c, rd32(c->bins + root + 4 + 44));
    c->walking = 1;
    check_key(c, push(c, root, NIL, &nm, 1));
    while (c->nfr > 0) {
        struct frame *f = &c->fr[c->nfr - 1];
        if (f->next == f->nkids) {
            c->nkids = f->kids;
            c->nfr--;
            continue;
        }
        uint32_t kid = c->kids[f->kids + f->next++];
        if (f->depth >= MAX_DEPTH) {
            if (!c->depth_reported++)
                problem(c, HC_NK_DEPTH, kid,
                        "subkey 0x%x would be at level %u (> 512)", kid,
                        f->depth + 1);
            continue;
        }
        uint32_t parent = f->nk;
        unsigned depth = f->depth + 1;
        key_cell(c, kid, &nm, HC_LIST_ENTRY, HC_NK_CELL, "subkey");
        check_key(c, push(c, kid, parent, &nm, depth));
    }
    c->walking = 0;
}

static void check_leaks(struct ck *c)
{
    unsigned long leaked = 0;
    for (uint32_t i = 0; i < c->blen / 8; i++) {
        if ((c->map[i] & (M_USED | M_REF)) != M_USED)
            continue;
        leaked++;
        const uint8_t *d = c->bins + 8 * i + 4;
        problem(c, HC_CELL_LEAK, 8 * i,
                "allocated cell 0x%x (%u bytes, starts %02x %02x) is "
                "referenced by nothing", 8 * i,
                (uint32_t)0 - rd32(d - 4), d[0], d[1]);
    }
    if (c->rep)
        c->rep->leaked = leaked;
}

/* ---- entry points ------------------------------------------------------ */

int hc_check(const uint8_t *img, size_t len, unsigned flags,
             struct hc_report *rep)
{
    up_init();
    if (rep)
        memset(rep, 0, sizeof *rep);
    struct ck c;
    memset(&c, 0, sizeof c);
    c.img = img;
    c.len = len;
    c.flags = flags;
    c.strict = (flags & HC_STRICT_WRITER) != 0;
    c.rep = rep;
    if (check_base_block(&c)) {
        if (rep)
            rep->minor = c.minor;
        c.map = calloc((size_t)c.blen / 8 + 1, 1);
        if (!c.map) {
            fprintf(stderr, "hivecheck: out of memory\n");
            abort();
        }
        check_bins(&c);
        walk(&c, rd32(img + 36));
        if (c.sk_ok)
            check_sk_counts(&c);
        if (c.strict)
            check_leaks(&c);
    }
    free(c.map);
    free(c.fr);
    free(c.kids);
    free(c.sk);
    free(c.vn);
    return (int)c.problems;
}

void hc_print(const struct hc_report *rep, FILE *f)
{
    for (unsigned i = 0; i < rep->nitems; i++) {
        const struct hc_item *it = &rep->items[i];
        fprintf(f, "%-15s", it->code);
        if (it->cell != HC_NOCELL)
            fprintf(f, " cell 0x%x", it->cell);
        if (it->path[0])
            fprintf(f, " key %s", it->path);
        fprintf(f, ": %s\n", it->msg);
    }
    if (rep->problems > rep->nitems)
        fprintf(f, "... %u more\n", rep->problems - rep->nitems);
    fprintf(f, "%u problem(s)", rep->problems);
    const char *sep = ": ";
    for (int i = 0; i < HC_NCODES; i++)
        if (rep->counts[i]) {
            fprintf(f, "%s%s x%u", sep, code_name[i], rep->counts[i]);
            sep = ", ";
        }
    fprintf(f, " (%lu keys, %lu values, %lu sk, %lu bins, %lu cells used, "
            "%lu free)\n", rep->keys, rep->values, rep->sks, rep->bins,
            rep->cells_used, rep->cells_free);
}

void hc_free(struct hc_report *rep)
{
    if (!rep)
        return;
    for (unsigned i = 0; i < rep->nitems; i++) {
        free(rep->items[i].path);
        free(rep->items[i].msg);
    }
    rep->nitems = 0;
}
