/* alloc.c - cell allocation in a hive being edited.
 *
 * Cells tile each bin exactly (docs/format.md §6); sizes are multiples of
 * 8, negative when allocated. This allocator:
 *   - reuses free cells: size classes (one per 8 bytes up to 4 KiB, one per
 *     power of two above) hold the offsets of free cells; an entry is
 *     trusted only if the free-cell bitmap still says a free cell starts
 *     there (entries go stale when cells merge or are taken);
 *   - splits a larger free cell so the allocated cell has exactly the size
 *     asked for (an nk must never sit in an oversized cell, §9);
 *   - merges a freed cell with free neighbours in its bin;
 *   - appends a bin (a multiple of 4096 bytes, big enough for a large
 *     cell) only when no free cell fits; the rest of that bin becomes one
 *     free cell.
 * New cells are zeroed, freed cells are wiped: no remnants of deleted data
 * stay in the file, and output is deterministic. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regf_int.h"

static unsigned bucket_of(uint32_t size)
{
    if (size <= 4096)
        return size / 8;
    unsigned b = 513;
    for (uint32_t s = size / 8192; s > 0 && b < REGF_NBUCKETS - 1; s /= 2)
        b++;
    return b;
}

static inline int bit_get(const uint8_t *map, uint32_t off)
{
    return (map[off / 64] >> (off / 8 % 8)) & 1;
}
static inline void bit_set(uint8_t *map, uint32_t off)
{
    map[off / 64] |= (uint8_t)(1u << (off / 8 % 8));
}
static inline void bit_clear(uint8_t *map, uint32_t off)
{
    map[off / 64] &= (uint8_t)~(1u << (off / 8 % 8));
}

static inline uint32_t cell_size(const regf_hive *h, uint32_t off)
{
    uint32_t raw = rd_le32(h->bins + off);
    return raw & 0x80000000u ? 0u - raw : raw;
}

static int bucket_add(regf_hive *h, uint32_t off, uint32_t size)
{
    struct regf_bucket *b = &h->buckets[bucket_of(size)];
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? 2 * b->cap : 16;
        uint32_t *p = realloc(b->off, cap * sizeof *p);
        if (!p)
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        b->off = p;
        b->cap = cap;
    }
    b->off[b->n++] = off;
    return REGF_OK;
}

/* Grows IMAGE and the bitmaps for BINS bytes of hive bins. */
static int reserve(regf_hive *h, uint64_t bins)
{
    if (REGF_BASE_SIZE + bins > h->image_cap) {
        size_t cap = h->image_cap ? h->image_cap : 65536;
        while (cap < REGF_BASE_SIZE + bins)
            cap *= 2;
        uint8_t *p = realloc(h->image, cap);
        if (!p)
            return regf__fail(h, REGF_ENOMEM, "out of memory growing the "
                              "hive to %llu bytes", (unsigned long long)cap);
        h->image = p;
        h->image_cap = cap;
        h->bins = p + REGF_BASE_SIZE;
    }
    size_t need = (size_t)(bins / 64 + 1);
    if (need > h->map_cap) {
        size_t cap = h->map_cap ? h->map_cap : 1024;
        while (cap < need)
            cap *= 2;
        uint8_t *c = realloc(h->cellmap, cap);
        if (!c)
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        h->cellmap = c;
        uint8_t *f = realloc(h->freemap, cap);
        if (!f)
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        h->freemap = f;
        memset(c + h->map_cap, 0, cap - h->map_cap);
        memset(f + h->map_cap, 0, cap - h->map_cap);
        h->map_cap = cap;
    }
    return REGF_OK;
}

static int bin_add(regf_hive *h, uint32_t off)
{
    if (h->nbin == h->bin_cap) {
        uint32_t cap = h->bin_cap ? 2 * h->bin_cap : 64;
        uint32_t *p = realloc(h->bin_start, cap * sizeof *p);
        if (!p)
            return regf__fail(h, REGF_ENOMEM, "out of memory");
        h->bin_start = p;
        h->bin_cap = cap;
    }
    h->bin_start[h->nbin++] = off;
    return REGF_OK;
}

int regf__alloc_init(regf_hive *h)
{
    /* The image was read exactly; give it room and make the bitmaps
     * resizable. */
    h->image_cap = h->image_len;
    size_t old = ((size_t)h->bins_size / 8 + 7) / 8;
    h->map_cap = old ? old : 1;
    h->freemap = calloc(h->map_cap, 1);
    if (!h->freemap)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    int rc = reserve(h, h->bins_size);
    if (rc != REGF_OK)
        return rc;
    uint32_t off = 0;
    while (off < h->bins_size) {
        uint32_t bsize = rd_le32(h->bins + off + HBIN_SIZE);
        if ((rc = bin_add(h, off)) != REGF_OK)
            return rc;
        for (uint32_t pos = off + REGF_BIN_HDR; pos < off + bsize;) {
            uint32_t raw = rd_le32(h->bins + pos);
            if (!(raw & 0x80000000u)) {
                bit_set(h->freemap, pos);
                if ((rc = bucket_add(h, pos, raw)) != REGF_OK)
                    return rc;
                pos += raw;
            } else {
                pos += 0u - raw;
            }
        }
        off += bsize;
    }
    h->writable = 1;
    return REGF_OK;
}

void regf__alloc_free(regf_hive *h)
{
    for (unsigned i = 0; i < REGF_NBUCKETS; i++)
        free(h->buckets[i].off);
    free(h->freemap);
    free(h->bin_start);
}

int regf__edit_check(regf_hive *h)
{
    if (!h->loaded)
        return regf__fail(h, REGF_EINVAL, "hive is not open");
    if (!h->writable)
        return regf__fail(h, REGF_ERDONLY, "hive was opened read-only");
    if (h->broken)
        return regf__fail(h, REGF_ERDONLY, "an earlier edit failed part "
                          "way; this hive will not be changed or written");
    return REGF_OK;
}

int regf__edit_fail(regf_hive *h, int rc)
{
    if (rc < 0)
        h->broken = 1;
    return rc;
}

uint64_t regf__now(const regf_hive *h)
{
    if (h->fixed_time)
        return h->fixed_time;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec + 11644473600ULL) * 10000000ULL +
           (uint64_t)ts.tv_nsec / 100;
}

void regf_set_time(regf_hive *h, uint64_t filetime)
{
    h->fixed_time = filetime;
    if (h->created) {
        /* A hive just made by regf_create takes the time as well. */
        uint64_t t = regf__now(h);
        wr_le64(h->image + BB_TIMESTAMP, t);
        wr_le64(h->image + REGF_BASE_SIZE + HBIN_TIMESTAMP, t);
        wr_le64(regf__w(h, h->info.root) + NK_LASTWRITE, t);
        wr_le32(h->image + BB_CHECKSUM, regf__checksum(h->image));
    }
}

int regf_modified(const regf_hive *h)
{
    return h->modified;
}

/* Takes SIZE bytes at the start of the free cell at OFF (FREE bytes). */
static int take(regf_hive *h, uint32_t off, uint32_t size, uint32_t free_sz)
{
    bit_clear(h->freemap, off);
    if (free_sz > size) {
        uint32_t rest = off + size;
        wr_le32(h->image + REGF_BASE_SIZE + rest, free_sz - size);
        bit_set(h->freemap, rest);
        int rc = bucket_add(h, rest, free_sz - size);
        if (rc != REGF_OK)
            return rc;
    }
    wr_le32(h->image + REGF_BASE_SIZE + off, 0u - size);
    memset(h->image + REGF_BASE_SIZE + off + 4, 0, size - 4);
    bit_set(h->cellmap, off);
    return REGF_OK;
}

static int append_bin(regf_hive *h, uint32_t size, uint32_t *out)
{
    uint64_t bsize = ((uint64_t)size + REGF_BIN_HDR + 4095) / 4096 * 4096;
    uint64_t end = (uint64_t)h->bins_size + bsize;
    if (end > REGF_MAX_WRITE_BINS)
        return regf__fail(h, REGF_ELIMIT, "the hive would grow past the "
                          "%llu-byte limit of hive files (REGF_MAX_HIVE_SIZE)",
                          (unsigned long long)REGF_MAX_HIVE_SIZE);
    int rc = reserve(h, end);
    if (rc != REGF_OK)
        return rc;
    uint32_t off = h->bins_size;
    uint8_t *b = h->image + REGF_BASE_SIZE + off;
    memset(b, 0, (size_t)bsize);
    memcpy(b, "hbin", 4);
    wr_le32(b + HBIN_OFFSET, off);
    wr_le32(b + HBIN_SIZE, (uint32_t)bsize);
    if ((rc = bin_add(h, off)) != REGF_OK)
        return rc;
    h->bins_size = (uint32_t)end;
    h->info.bins_size = h->bins_size;
    h->info.nbins++;
    h->image_len = REGF_BASE_SIZE + (size_t)end;
    uint32_t cell = off + REGF_BIN_HDR;
    wr_le32(h->image + REGF_BASE_SIZE + cell, (uint32_t)bsize - REGF_BIN_HDR);
    bit_set(h->freemap, cell);
    rc = take(h, cell, size, (uint32_t)bsize - REGF_BIN_HDR);
    if (rc == REGF_OK)
        *out = cell;
    return rc;
}

int regf__alloc(regf_hive *h, uint32_t data_len, uint32_t *out)
{
    h->created = 0;
    if (data_len > REGF_MAX_BINS_SIZE - REGF_BIN_HDR - 8)
        return regf__fail(h, REGF_ELIMIT, "a cell of %u bytes is too large",
                          data_len);
    uint32_t size = (data_len + 4 + 7) & ~7u;
    /* Classes of one size (up to 4 KiB) hold cells that fit exactly (or
     * grew by merging); the power-of-two classes above are searched for
     * the smallest cell that fits, so that a medium request does not cut
     * up a big free cell a later request needs (repeated add/delete
     * cycles then keep the file size stable). */
    for (unsigned bi = bucket_of(size); bi < REGF_NBUCKETS; bi++) {
        struct regf_bucket *b = &h->buckets[bi];
        uint32_t best = UINT32_MAX, best_size = 0;
        for (uint32_t i = b->n; i-- > 0;) {
            uint32_t off = b->off[i];
            if (off >= h->bins_size || !bit_get(h->freemap, off)) {
                b->off[i] = b->off[--b->n];      /* stale */
                if (best == b->n)
                    best = i;                     /* it moved to slot i */
                continue;
            }
            uint32_t fs = cell_size(h, off);
            if (fs < size || (best != UINT32_MAX && fs >= best_size))
                continue;
            best = i;
            best_size = fs;
            if (fs == size || bi <= 512)
                break;                            /* cannot do better */
        }
        if (best == UINT32_MAX)
            continue;
        uint32_t off = b->off[best];
        b->off[best] = b->off[--b->n];
        int rc = take(h, off, size, best_size);
        if (rc == REGF_OK)
            *out = off;
        h->modified = 1;
        return rc;
    }
    h->modified = 1;
    return append_bin(h, size, out);
}

/* The bin holding OFF (binary search over bin starts). */
static uint32_t bin_of(const regf_hive *h, uint32_t off)
{
    uint32_t lo = 0, hi = h->nbin;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (h->bin_start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return h->bin_start[lo];
}

void regf__free(regf_hive *h, uint32_t off)
{
    if (off == REGF_NIL || off % 8 != 0 || off >= h->bins_size ||
        !bit_get(h->cellmap, off))
        return;
    uint8_t *base = h->image + REGF_BASE_SIZE;
    uint32_t size = cell_size(h, off);
    uint32_t bin = bin_of(h, off);
    uint32_t bend = bin + rd_le32(base + bin + HBIN_SIZE);

    bit_clear(h->cellmap, off);
    h->modified = 1;
    /* Merge with the next cell if it is free. */
    uint32_t next = off + size;
    if (next < bend && bit_get(h->freemap, next)) {
        bit_clear(h->freemap, next);
        size += cell_size(h, next);
    }
    /* Find the previous cell of the bin; merge into it if it is free. */
    uint32_t prev = REGF_NIL;
    for (uint32_t pos = bin + REGF_BIN_HDR; pos < off; pos += cell_size(h, pos))
        prev = pos;
    if (prev != REGF_NIL && bit_get(h->freemap, prev)) {
        size += cell_size(h, prev);
        off = prev;
    } else {
        bit_set(h->freemap, off);
    }
    wr_le32(base + off, size);
    memset(base + off + 4, 0, size - 4);
    if (bucket_add(h, off, size) != REGF_OK) {
        /* Out of memory for the index only: the cell is free in the file
         * but will not be reused this session. */
        regf__clear_error(h);
    }
}
