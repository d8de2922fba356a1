/* mkhive.h - build small synthetic REGF hives in memory, for tests.
 *
 * The builder lays out an image exactly like a hive file: a 4096-byte base
 * block followed by the hive bins data. Everything is deterministic: the
 * same calls always give the same bytes (no clocks, no randomness).
 *
 * Offsets
 *   Every "offset" taken or returned below is a cell offset as in the
 *   format: relative to the start of the hive bins data (file offset minus
 *   4096). mk_raw(mk, off) gives a writable pointer to bins byte OFF;
 *   mk_bb(mk) gives the base block.
 *
 * Allocation
 *   Cells are placed one after the other (bump allocation) in the current
 *   bin; mk_cell(mk, n, &p) makes an allocated cell with room for N bytes of
 *   data (cell size = round_up(N + 4, 8)) and returns its offset, P points
 *   to the data (past the 4-byte size field), zero-filled. When a cell does
 *   not fit in the current bin, the rest of the bin becomes one free cell
 *   and a new bin of round_up(cell + 32, 4096) bytes is started.
 *   mk_bin(mk, size) starts a new bin explicitly; mk_free_cell() places a
 *   free cell; mk_cell_at() places a cell at a chosen offset (the gap before
 *   it becomes a free cell). The image buffer has a fixed capacity
 *   (MK_MAX_IMAGE), allocated once, so pointers stay valid until mk_free().
 *
 * Records
 *   mk_root() makes the root key (flags 0x2C) and one sk whose ring points
 *   to itself; later keys share that sk. mk_nk() makes a key with a
 *   compressed (Latin-1) name; mk_nk_utf16() one with a UTF-16 name. mk_vk()
 *   stores data the way Windows does: inline for <= 4 bytes, a db record
 *   with 16344-byte segments when minor >= 4 and the data is larger than
 *   16344 bytes, one data cell otherwise. mk_list() makes li/lf/lh/ri lists
 *   (lf hints and lh hashes are computed from the listed keys' names).
 *   mk_subkeys()/mk_values() attach lists to a key. Record fields may be
 *   changed afterwards with mk_w16/mk_w32 at "cell + 4 + field offset" (or
 *   use mk_rec(mk, cell) + NK_xxx with the constants of regf_int.h).
 *
 * Finishing
 *   mk_finish() fills the unused end of the last bin with a free cell, sets
 *   Length to the bins size (unless mk_set_length() chose one) and writes
 *   the checksum; it returns the image (cells allocated after it go to a
 *   new bin; call it again to update Length). Fields may be corrupted after
 *   mk_finish(); call mk_fix_checksum() to make the header valid again, or
 *   don't, to test a bad checksum. Sequence numbers, version, type, ...
 *   are plain base-block fields: set them with mk_bb32(mk, BB_xxx, v).
 *
 * Failures (capacity exceeded, a bad argument) abort the program with a
 * message: this is test code. */
#ifndef HIVEKIT_MKHIVE_H
#define HIVEKIT_MKHIVE_H

#include <stddef.h>
#include <stdint.h>

#define MK_MAX_IMAGE (8u << 20)   /* base block + bins */
#define MK_NIL 0xFFFFFFFFu

struct mkhive {
    uint8_t *img;          /* MK_MAX_IMAGE bytes; base block at 0 */
    uint32_t bins_len;     /* bytes of bins laid out so far */
    uint32_t bin_start;    /* current bin: [bin_start, bin_end) */
    uint32_t bin_end;
    uint32_t pos;          /* next free byte in the current bin */
    uint32_t minor;
    uint32_t root, sk;     /* set by mk_root() */
    int length_set;        /* mk_set_length() was called */
    uint32_t length;
};

/* A new hive of version 1.MINOR: base block "regf", seq 1/1, type 0,
 * format 1, cluster 1, root 0x20, and an empty first bin of 4096 bytes. */
struct mkhive *mk_new(uint32_t minor);
void mk_free(struct mkhive *mk);

/* Pointers into the image. */
uint8_t *mk_bb(struct mkhive *mk);                  /* base block */
uint8_t *mk_raw(struct mkhive *mk, uint32_t off);   /* bins byte OFF */
uint8_t *mk_rec(struct mkhive *mk, uint32_t cell);  /* cell data (off+4) */

/* Little-endian stores: into the bins data (bins offset), or the base
 * block (file offset). */
void mk_w16(struct mkhive *mk, uint32_t off, uint16_t v);
void mk_w32(struct mkhive *mk, uint32_t off, uint32_t v);
void mk_bb32(struct mkhive *mk, uint32_t off, uint32_t v);
uint32_t mk_r32(struct mkhive *mk, uint32_t off);

/* ---- bins and cells ------------------------------------------------------ */

/* Closes the current bin (rest = one free cell) and starts a new one of
 * SIZE bytes (any size; a multiple of 4096 for a valid hive). Returns the
 * new bin's offset. */
uint32_t mk_bin(struct mkhive *mk, uint32_t size);

/* An allocated cell with room for N data bytes; *P (if not NULL) receives
 * the data pointer. Returns the cell offset. */
uint32_t mk_cell(struct mkhive *mk, uint32_t n, uint8_t **p);

/* A free cell of SIZE bytes (a multiple of 8). */
uint32_t mk_free_cell(struct mkhive *mk, uint32_t size);

/* An allocated cell for N data bytes at bins offset OFF (>= the current
 * position, same bin, 8-aligned); the gap becomes a free cell. */
uint32_t mk_cell_at(struct mkhive *mk, uint32_t off, uint32_t n, uint8_t **p);

/* ---- records ------------------------------------------------------------- */

/* The sk record (minimal self-relative descriptor) linked to itself. */
uint32_t mk_sk(struct mkhive *mk);

/* Root key named NAME (flags 0x2C, parent NIL) plus its sk; sets the base
 * block RootCell. */
uint32_t mk_root(struct mkhive *mk, const char *name);

/* A key with a compressed name (NAME is Latin-1 bytes, NUL-terminated),
 * parent PARENT, the hive's sk, no subkeys, no values, no class. */
uint32_t mk_nk(struct mkhive *mk, const char *name, uint32_t parent);

/* A key with a UTF-16 name of N units (flag 0x20 clear). */
uint32_t mk_nk_utf16(struct mkhive *mk, const uint16_t *name, uint32_t n,
                     uint32_t parent);
/* Like mk_nk() with EXTRA spare bytes in the cell after the name. */
uint32_t mk_nk_room(struct mkhive *mk, const char *name, uint32_t parent,
                    uint32_t extra);

/* A value named NAME ("" = default, compressed), of TYPE with LEN bytes of
 * DATA (may be NULL: zero bytes are stored), stored as Windows does. */
uint32_t mk_vk(struct mkhive *mk, const char *name, uint32_t type,
               const void *data, uint32_t len);

/* A data cell holding LEN bytes (room exactly LEN, rounded up to 8). */
uint32_t mk_data(struct mkhive *mk, const void *data, uint32_t len);

/* A db record for LEN bytes: ceil(LEN/16344) segments, each a 16352-byte
 * cell (as Windows allocates them), data from DATA (or zeros). Returns the
 * db cell; *LIST (if not NULL) the segment list cell. */
uint32_t mk_db(struct mkhive *mk, const void *data, uint32_t len,
               uint32_t *list);

/* A subkey list: SIG is "li", "lf", "lh" or "ri"; ITEMS the N offsets. lf
 * hints and lh hashes are computed from the names of the listed nk cells
 * (0 for items that are not nk records). */
uint32_t mk_list(struct mkhive *mk, const char *sig, const uint32_t *items,
                 uint32_t n);

/* Sets KEY's stable subkey count and list. */
void mk_subkeys(struct mkhive *mk, uint32_t key, uint32_t list,
                uint32_t count);

/* Makes a value list of the N values VKS and attaches it to KEY. Returns
 * the list cell. */
uint32_t mk_values(struct mkhive *mk, uint32_t key, const uint32_t *vks,
                   uint32_t n);

/* lh hash of a Latin-1 name (ASCII upcase only; enough for tests). */
uint32_t mk_hash(const char *name);

/* ---- finishing ----------------------------------------------------------- */

/* Overrides the Length written by mk_finish(). */
void mk_set_length(struct mkhive *mk, uint32_t length);

/* Closes the last bin, writes Length and the checksum. Returns the image
 * (valid until mk_free) and its size (4096 + bins) in *LEN. May be called
 * again after more changes. */
const uint8_t *mk_finish(struct mkhive *mk, size_t *len);

/* Recomputes and stores the base-block checksum; returns it. */
uint32_t mk_fix_checksum(struct mkhive *mk);

/* The XOR of the 127 header dwords with Windows' special cases. */
uint32_t mk_checksum(const uint8_t *base_block);

/* ---- a ready-made tiny hive ------------------------------------------- */

/* Offsets of everything mk_tiny() builds. Tree (names compressed):
 *
 *   ROOT                       lh [A, B, C]
 *     A   values: dw (REG_DWORD inline 0x11223344),
 *                 sz (REG_SZ "hello" in a data cell),
 *                 big (REG_BINARY 20000 bytes: db record when minor >= 4)
 *     B   ri -> [li [B1, B2], lh [B3]]
 *       B1, B2, B3
 *     C   lf [C1]; values: default (REG_SZ "x")
 *       C1
 *
 * 8 keys; the export of this tree is stable (see test_bad.c). */
struct mk_tiny {
    uint32_t root, sk, root_list;
    uint32_t a, a_values, a_dw, a_sz, a_sz_data, a_big, a_big_data,
             a_big_list;
    uint32_t b, b_ri, b_li, b_lh, b1, b2, b3;
    uint32_t c, c_lf, c1, c_values, c_def;
};
struct mkhive *mk_tiny(uint32_t minor, struct mk_tiny *t);

#endif
