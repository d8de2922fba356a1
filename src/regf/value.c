/* value.c - values (vk), value lists and value data.
 *
 * vk (docs/format.md §7.4): 0 "vk"  2 NameLength  4 DataLength (bit 31:
 * inline)  8 Data  12 Type  16 Flags (0x1 compressed name)  20 name.
 *
 * Where the data lives:
 *   - DataLength bit 31 set: up to 4 bytes inline in the Data field;
 *   - DataLength 0: no data;
 *   - hive minor >= 4 and more than 16344 bytes: Data names a "db" record
 *     (u16 segment count, u32 segment list), each segment holds 16344
 *     bytes, the last one the remainder;
 *   - otherwise Data names one cell holding the bytes (1.3 hives keep even
 *     large values in one cell).
 * hivex writes large values as one cell in 1.5 hives too; such a cell
 * (no "db" signature but big enough) is read as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

static const char *const type_names[] = {
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
};

const char *regf_type_name(uint32_t type)
{
    return type < sizeof type_names / sizeof *type_names ? type_names[type]
                                                         : NULL;
}

int regf__vk(regf_hive *h, regf_val val, struct regf_span *vk)
{
    int rc = regf__record(h, val, "vk", VK_NAME, "value", vk);
    if (rc != REGF_OK)
        return rc;
    uint32_t nlen = rd_le16(vk->data + VK_NAMELEN);
    if (nlen > vk->len - VK_NAME)
        return regf__corrupt(h, val, "value name of %u bytes does not fit "
                             "its %u-byte cell (%u bytes after the fixed "
                             "part)", nlen, vk->len, vk->len - VK_NAME);
    if (!(rd_le16(vk->data + VK_FLAGS) & VK_FLAG_COMP_NAME) && nlen % 2 != 0)
        return regf__corrupt(h, val, "UTF-16 value name has an odd length "
                             "(%u bytes)", nlen);
    return REGF_OK;
}

void regf__vk_name(const struct regf_span *vk, struct regf_name *out)
{
    out->p = vk->data + VK_NAME;
    out->len = rd_le16(vk->data + VK_NAMELEN);
    out->comp = (rd_le16(vk->data + VK_FLAGS) & VK_FLAG_COMP_NAME) != 0;
}

int regf__value_list(regf_hive *h, regf_key key, const struct regf_span *nk,
                     uint32_t *count, struct regf_span *list)
{
    *count = rd_le32(nk->data + NK_NVALUES);
    if (*count == 0)
        return REGF_OK;
    uint32_t loff = rd_le32(nk->data + NK_VALUES);
    if (regf__cell(h, loff, "value list", list) != REGF_OK)
        return regf__corrupt(h, loff, "value list of key 0x%x: offset does "
                             "not point to an allocated cell", key);
    if (*count > list->len / 4)
        return regf__corrupt(h, list->off, "value list of key 0x%x: %u "
                             "entries do not fit a %u-byte cell", key, *count,
                             list->len);
    return REGF_OK;
}

int regf_value_at(regf_hive *h, regf_key key, uint32_t index, regf_val *out)
{
    struct regf_span nk, list;
    uint32_t count;
    int rc = regf__nk(h, key, &nk);
    if (rc == REGF_OK)
        rc = regf__value_list(h, key, &nk, &count, &list);
    if (rc != REGF_OK)
        return rc;
    if (index >= count)
        return REGF_NOTFOUND;
    *out = rd_le32(list.data + 4 * (size_t)index);
    return REGF_OK;
}

int regf_value_lookup(regf_hive *h, regf_key key, const char *name,
                      regf_val *out)
{
    struct regf_key_info ki;
    int rc = regf_key_info(h, key, &ki);
    if (rc != REGF_OK)
        return rc;
    size_t len = name ? strlen(name) : 0;
    uint16_t *u = malloc((len + 1) * sizeof *u);
    if (!u)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    long nu = regf__utf8_to_units(name ? name : "", len, u, len + 1);
    if (nu < 0) {
        free(u);
        return regf__fail(h, REGF_EINVAL, "value name is not valid UTF-8");
    }
    rc = REGF_NOTFOUND;
    for (uint32_t i = 0; i < ki.nvalues; i++) {
        regf_val v;
        struct regf_span vk;
        struct regf_name n;
        rc = regf_value_at(h, key, i, &v);
        if (rc == REGF_OK)
            rc = regf__vk(h, v, &vk);
        if (rc != REGF_OK)
            break;
        regf__vk_name(&vk, &n);
        if (regf__name_cmp(&n, u, (size_t)nu) == 0) {
            *out = v;
            break;
        }
        rc = REGF_NOTFOUND;
    }
    free(u);
    return rc;
}

int regf_value_name(regf_hive *h, regf_val val, char *buf, size_t size,
                    size_t *need)
{
    struct regf_span vk;
    int rc = regf__vk(h, val, &vk);
    if (rc != REGF_OK)
        return rc;
    struct regf_name n;
    regf__vk_name(&vk, &n);
    regf__name_copy(&n, buf, size, need);
    return REGF_OK;
}

static int grow(regf_hive *h, struct regf_scratch *s, size_t need)
{
    if (s->cap >= need)
        return REGF_OK;
    uint8_t *p = realloc(s->buf, need);
    if (!p)
        return regf__fail(h, REGF_ENOMEM, "out of memory for %zu bytes of "
                          "value data", need);
    s->buf = p;
    s->cap = need;
    return REGF_OK;
}

/* Gathers the segments of a db record into SCRATCH. */
static int big_data(regf_hive *h, regf_val val, const struct regf_span *db,
                    uint32_t size, struct regf_scratch *scratch)
{
    uint32_t count = rd_le16(db->data + DB_COUNT);
    uint32_t want = (size + REGF_BIG_SEGMENT - 1) / REGF_BIG_SEGMENT;
    struct regf_span list;
    if (count < want)
        return regf__corrupt(h, db->off, "big data of value 0x%x: %u bytes "
                             "need %u segments, the db record has %u", val,
                             size, want, count);
    int rc = regf__cell(h, rd_le32(db->data + DB_LIST), "big data segment "
                        "list", &list);
    if (rc != REGF_OK)
        return rc;
    if (count > list.len / 4)
        return regf__corrupt(h, list.off, "big data segment list: %u entries "
                             "do not fit a %u-byte cell", count, list.len);
    /* Two passes: the first checks every segment, so that the size the
     * vk claims is known to be present before anything is allocated; the
     * second copies. */
    for (int copy = 0; copy <= 1; copy++) {
        if (copy && (rc = grow(h, scratch, size)) != REGF_OK)
            return rc;
        uint32_t done = 0;
        for (uint32_t i = 0; i < want; i++) {
            struct regf_span seg;
            uint32_t take = size - done < REGF_BIG_SEGMENT ? size - done
                                                           : REGF_BIG_SEGMENT;
            rc = regf__cell(h, rd_le32(list.data + 4 * (size_t)i),
                            "big data segment", &seg);
            if (rc != REGF_OK)
                return rc;
            if (seg.len < take)
                return regf__corrupt(h, seg.off, "big data segment %u of "
                                     "value 0x%x holds %u bytes, %u needed",
                                     i, val, seg.len, take);
            if (copy)
                memcpy(scratch->buf + done, seg.data, take);
            done += take;
        }
    }
    return REGF_OK;
}

int regf__value_ref(regf_hive *h, regf_val val, uint32_t *type,
                    const uint8_t **p, uint32_t *size,
                    struct regf_scratch *scratch)
{
    struct regf_span vk;
    int rc = regf__vk(h, val, &vk);
    if (rc != REGF_OK)
        return rc;
    return regf__value_ref_vk(h, &vk, type, p, size, scratch);
}

int regf__value_ref_vk(regf_hive *h, const struct regf_span *vkp,
                       uint32_t *type, const uint8_t **p, uint32_t *size,
                       struct regf_scratch *scratch)
{
    struct regf_span vk = *vkp, cell;
    regf_val val = vk.off;
    int rc;
    uint32_t raw = rd_le32(vk.data + VK_DATALEN);
    uint32_t len = raw & ~VK_INLINE;
    if (type)
        *type = rd_le32(vk.data + VK_TYPE);
    *size = len;
    if (raw & VK_INLINE) {
        if (len > 4)
            return regf__corrupt(h, val, "inline value data of %u bytes "
                                 "(at most 4 fit)", len);
        *p = vk.data + VK_DATA;
        return REGF_OK;
    }
    if (len == 0) {
        *p = vk.data + VK_DATA;   /* any valid pointer; nothing is read */
        return REGF_OK;
    }
    rc = regf__cell(h, rd_le32(vk.data + VK_DATA), "value data", &cell);
    if (rc != REGF_OK)
        return rc;
    if (h->info.minor >= 4 && len > REGF_BIG_SEGMENT && cell.len >= 8 &&
        memcmp(cell.data, "db", 2) == 0) {
        rc = big_data(h, val, &cell, len, scratch);
        if (rc == REGF_OK)
            *p = scratch->buf;
        return rc;
    }
    if (len > cell.len)
        return regf__corrupt(h, cell.off, "data of value 0x%x: %u bytes do "
                             "not fit the %u-byte cell", val, len, cell.len);
    *p = cell.data;
    return REGF_OK;
}

int regf_value_info(regf_hive *h, regf_val val, struct regf_value_info *out)
{
    struct regf_span vk;
    int rc = regf__vk(h, val, &vk);
    if (rc != REGF_OK)
        return rc;
    uint32_t raw = rd_le32(vk.data + VK_DATALEN);
    memset(out, 0, sizeof *out);
    out->type = rd_le32(vk.data + VK_TYPE);
    out->size = raw & ~VK_INLINE;
    out->flags = rd_le16(vk.data + VK_FLAGS);
    out->name_len = rd_le16(vk.data + VK_NAMELEN);
    out->inline_data = (raw & VK_INLINE) != 0;
    if (!out->inline_data && h->info.minor >= 4 &&
        out->size > REGF_BIG_SEGMENT) {
        struct regf_span cell;
        if (regf__cell_quiet(h, rd_le32(vk.data + VK_DATA), &cell) &&
            cell.len >= 8 && memcmp(cell.data, "db", 2) == 0)
            out->big_data = 1;
    }
    return REGF_OK;
}

int regf_value_data(regf_hive *h, regf_val val, uint32_t *type, void *buf,
                    size_t size, size_t *need)
{
    struct regf_scratch s = { NULL, 0 };
    const uint8_t *p;
    uint32_t len;
    int rc = regf__value_ref(h, val, type, &p, &len, &s);
    if (rc == REGF_OK) {
        if (need)
            *need = len;
        if (size)
            memcpy(buf, p, len < size ? len : size);
    }
    free(s.buf);
    return rc;
}
