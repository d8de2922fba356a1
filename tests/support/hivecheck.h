/* hivecheck.h - the structural checker of REGF hive images used by the
 * tests (hc_* API), a thin wrapper over the library's regf_check_image
 * (src/regf/check.c, also behind `hivekit check`).
 *
 * Every test that writes a hive runs hc_check() on the result. The
 * library's checker has its own walk and bounds-checked readers, separate
 * from the code that reads and writes hives, so that a bug there cannot
 * hide itself; it shares only the upcase table, which tests/test_hivecheck.c
 * compares with data/windows-upcase.txt in all 65536 entries. But it is
 * the library's own code, written from the same reading of the format
 * notes as the writer: it is not an independent oracle, and a rule both
 * get wrong passes. The writer tests therefore also check against oracles
 * outside the library: the raw-byte readers of test_write.c, the in-memory
 * model of test_write_random.c, the golden files of python3-hivex
 * (test_corpus.c: export, rebuild into a new hive, compare) and, where it
 * is installed (optional), hivexml of libhivex-bin in the CLI write and
 * inject tests. Its rules are those of
 * docs/format.md, sections 2-10, 13 ("What Windows checks")
 * and 14 ("Traps for writers"); every rule has a short, stable code
 * (HC_CODES below, the same list in the same order as the library's
 * regf_check_codes()).
 *
 * Two levels:
 *   default           what a hive must satisfy to load on Windows without
 *                     self-healing. Every clean real hive of the corpus
 *                     passes (see tests/test_hivecheck.c).
 *   HC_STRICT_WRITER  also the rules that only a writer must follow: real
 *                     Windows hives may violate them (cells left allocated
 *                     by Windows' log recovery or self-healing, refcounts
 *                     too high, junk in a Windows 7 spare byte), but a hive
 *                     created by hivekit must not. A hive edited by hivekit
 *                     keeps what its input had: compare with the input's
 *                     strict codes (hc_count) rather than expecting 0.
 *   HC_ALLOW_DIRTY    do not report Sequence1 != Sequence2 (to check the
 *                     structure of a dirty hive as it is on disk).
 *
 * Usage:
 *   struct hc_report rep;
 *   if (hc_check(img, len, HC_STRICT_WRITER, &rep) != 0)
 *       hc_print(&rep, stderr);
 *   hc_free(&rep);
 * hc_check() initialises *REP (REP may be NULL); call hc_free() after every
 * hc_check(). */
#ifndef HIVEKIT_HIVECHECK_H
#define HIVEKIT_HIVECHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HC_STRICT_WRITER 0x1u
#define HC_ALLOW_DIRTY   0x2u

#define HC_MAX_ITEMS 50          /* problems kept with their text */
#define HC_NOCELL 0xFFFFFFFFu    /* item not about a particular cell */

/* X(code, strict-only, description). Codes are stable: tests match them.
 * Same order as the library's regf_check_codes() (checked by hc_check). */
#define HC_CODES(X) \
    /* base block (file header) */ \
    X(BB_SHORT, 0, "file shorter than the 4096-byte base block") \
    X(BB_SIGNATURE, 0, "base block signature is not 'regf'") \
    X(BB_CHECKSUM, 0, "checksum wrong (XOR of 127 dwords, 0 -> 1, -1 -> -2)") \
    X(BB_DIRTY, 0, "Sequence1 != Sequence2") \
    X(BB_VERSION, 0, "Major != 1 or Minor not in 3..6") \
    X(BB_TYPE, 0, "file type not 0 (primary)") \
    X(BB_FORMAT, 0, "format not 1") \
    X(BB_CLUSTER, 0, "cluster not 1") \
    X(BB_LENGTH, 0, "Length 0, not a multiple of 4096 or > 0x7FFFE000") \
    X(BB_TRUNCATED, 0, "file shorter than 4096 + Length") \
    X(BB_ROOT, 0, "RootCell is not an allocated nk cell") \
    /* bins and cells */ \
    X(BIN_SIGNATURE, 0, "bin signature is not 'hbin'") \
    X(BIN_OFFSET, 0, "bin FileOffset is not its position") \
    X(BIN_SIZE, 0, "bin size not a multiple of 4096 or past Length") \
    X(CELL_SIZE, 0, "cell size 0, not a multiple of 8, or past the bin") \
    X(FREE_ADJACENT, 1, "two adjacent free cells (not coalesced)") \
    X(CELL_SHARED, 0, "cell referenced twice") \
    X(CELL_LEAK, 1, "allocated cell referenced by nothing") \
    /* keys */ \
    X(NK_CELL, 0, "key cell too small or signature not 'nk'") \
    X(NK_SIZE, 0, "nk cell bigger than 1120 bytes") \
    X(NK_NAME, 0, "key name empty, too long, odd UTF-16 or past the cell") \
    X(NK_NAME_CHAR, 0, "key name with a backslash or starting with NUL") \
    X(NK_NAME_FORM, 1, "UTF-16 key name that could be compressed") \
    X(NK_PARENT, 0, "Parent field is not the real parent") \
    X(NK_SHARED, 0, "key reached twice (cycle or shared subkey)") \
    X(NK_DEPTH, 0, "key deeper than 512 levels") \
    X(ROOT_FLAGS, 0, "root without 0x4, or with 0x01/0x02/0x10/0x40") \
    X(NK_FLAGS, 0, "non-root key with flag 0x01/0x02/0x04/0x08/0x40") \
    X(NK_LAYERED, 0, "tombstone outside a layered hive, or with content") \
    X(NK_LAYER_BITS, 1, "byte nk+13 not 0 in a hive without layered keys") \
    X(NK_VOLATILE, 1, "volatile list a stable index, or count without list") \
    X(CLASS, 0, "ClassLength/Class inconsistent, class cell too small") \
    X(MAX_NAME_LEN, 0, "MaxNameLen < a subkey name (UTF-16 bytes)") \
    X(MAX_CLASS_LEN, 0, "MaxClassLen < a subkey's ClassLength") \
    X(MAX_VALUE_NAME, 0, "MaxValueNameLen < a value name (UTF-16 bytes)") \
    X(MAX_VALUE_DATA, 0, "MaxValueDataLen < a value's data length") \
    X(SYMLINK, 0, "link key without exactly one REG_LINK SymbolicLinkValue") \
    /* values */ \
    X(VALUE_LIST, 0, "Count 0 with a list, or list missing/too small") \
    X(VK_CELL, 0, "value cell too small or signature not 'vk'") \
    X(VK_NAME, 0, "value name past the cell, odd UTF-16 or too long") \
    X(VK_NAME_FORM, 1, "compressible UTF-16 value name, or default flagged") \
    X(VK_INLINE, 0, "inline data longer than 4 bytes") \
    X(VK_INLINE_JUNK, 1, "unused inline data bytes not zero") \
    X(VK_NOT_INLINE, 1, "1..4 bytes of data not stored inline") \
    X(VK_DATA, 0, "DataLength 0 with Data, or data cell missing/small") \
    X(VK_DATA_LIMIT, 1, "value data over 1 MiB in a 1.3 hive") \
    X(DB, 0, "big data: no db record, wrong count or segment list") \
    X(DB_SEGMENT, 0, "big data segment missing or under 16344 bytes") \
    X(DB_SEGMENT_SIZE, 1, "big data segment cell not exactly 16352 bytes") \
    X(VALUE_DUP, 0, "two values with the same name (case-insensitive)") \
    /* subkey lists */ \
    X(SUBKEY_LIST, 0, "subkey count 0 with a list, or count without one") \
    X(LIST_CELL, 0, "list cell missing, bad signature or too small") \
    X(RI_NESTED, 0, "ri element is an ri") \
    X(RI_EMPTY_LEAF, 0, "empty leaf in an ri") \
    X(SUBKEY_COUNT, 0, "leaf counts do not add up to the subkey count") \
    X(LIST_ENTRY, 0, "list element is not an allocated cell") \
    X(LH_HASH, 0, "lh hash wrong") \
    X(LF_HINT, 0, "lf hint wrong") \
    X(LIST_ORDER, 0, "subkeys not in ascending upcased order") \
    X(SUBKEY_DUP, 0, "two subkeys with the same name (case-insensitive)") \
    X(LEAF_TYPE, 1, "leaf type not the version's (lh >= 1.5, lf/li < 1.5)") \
    X(LEAF_BIG, 1, "leaf with more than 1012 entries (lf: 506)") \
    /* security */ \
    X(SK_CELL, 0, "sk cell missing, bad signature or descriptor too long") \
    X(SK_RING, 0, "sk ring broken (Flink/Blink, not closed)") \
    X(SK_DESCRIPTOR, 0, "descriptor not a valid self-relative SD") \
    X(SK_NOT_IN_RING, 0, "key's Security is not an sk of the ring") \
    X(SK_REFCOUNT, 0, "ReferenceCount < the number of keys using the sk") \
    X(SK_REFCOUNT_HIGH, 1, "ReferenceCount > the number of keys using the sk") \
    X(SK_UNUSED, 1, "sk in the ring that no key uses")

enum hc_code {
#define HC_ENUM_(c, s, d) HC_##c,
    HC_CODES(HC_ENUM_)
#undef HC_ENUM_
    HC_NCODES
};

struct hc_item {
    const char *code;     /* e.g. "LIST_ORDER" (static string) */
    int severity;         /* enum regf_severity (0 harmless, 1 heal, 2 fatal) */
    uint32_t cell;        /* cell offset (bins relative) or HC_NOCELL */
    char *path;           /* key path ("\" = root), "" if none */
    char *msg;
};

struct hc_report {
    unsigned problems;                /* total (= hc_check's result) */
    unsigned nitems;                  /* items kept (<= HC_MAX_ITEMS) */
    struct hc_item items[HC_MAX_ITEMS];
    unsigned counts[HC_NCODES];       /* problems per code */
    /* what was seen */
    unsigned long keys, values, sks, bins, cells_used, cells_free, leaked;
    uint32_t minor;
};

/* Checks the hive image IMG (LEN bytes: base block + bins + anything).
 * Returns the number of problems found. */
int hc_check(const uint8_t *img, size_t len, unsigned flags,
             struct hc_report *rep);

/* One line per kept item, then per-code totals. */
void hc_print(const struct hc_report *rep, FILE *f);

void hc_free(struct hc_report *rep);

/* Problems of code CODE ("LIST_ORDER") in REP; -1 if CODE is unknown. */
int hc_count(const struct hc_report *rep, const char *code);

/* The code's description, NULL if unknown. */
const char *hc_describe(const char *code);

/* The checker's Windows upcase (RtlUpcaseUnicodeChar): regf_upcase. */
uint16_t hc_upcase(uint16_t c);

#endif
