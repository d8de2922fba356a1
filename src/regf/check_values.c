/* check_values.c - a key's values: its value list, each vk record (cell,
 * name, flags), the value's data (inline, in a cell, or big data: a db
 * record with its segment list and segments), duplicate names, the rule of
 * symbolic links (one REG_LINK SymbolicLinkValue), and the key's
 * MaxValueNameLen and MaxValueDataLen. */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

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
    if (usable < DB_LIST + 4 || memcmp(d, "db", 2) != 0) {
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
        else if (susable + 4 != SEGMENT_CELL)
            problem(c, C_DB_SEGMENT_SIZE, seg,
                    "db 0x%x: segment %u (0x%x) is a %u-byte cell (want %u)",
                    db, i, seg, susable + 4, SEGMENT_CELL);
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

void check_values(struct ck *c, uint32_t k, const uint8_t *d)
{
    uint32_t count = rd_le32(d + NK_NVALUES), list = rd_le32(d + NK_VALUES);
    uint16_t kflags = rd_le16(d + NK_FLAGS);
    uint32_t max_name = 0, max_data = 0, nv = 0;
    int link_ok = 0;
    char nb[SHOW_MAX];
    uint32_t usable;
    const uint8_t *l = list_cell(c, k, count, list, C_VALUE_LIST, "values",
                                 "value list", &usable);
    if (!l)
        goto done;
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
