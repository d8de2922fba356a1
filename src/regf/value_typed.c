/* value_typed.c - integer values as host integers: REG_DWORD (4 bytes,
 * little-endian), REG_DWORD_BIG_ENDIAN (4 bytes, big-endian) and REG_QWORD
 * (8 bytes, little-endian), read and written through the byte helpers of
 * bytes.h, never by copying stored bytes into a host integer. The type and
 * the size are checked; anything else is REGF_ETYPE with a message naming
 * the value, its type and its size. (String values: utf.c.) */
#include <stdio.h>
#include <stdlib.h>

#include "regf_int.h"

int regf__value_wrong_type(regf_hive *h, regf_val val, uint32_t type,
                           uint32_t len, const char *want)
{
    const char *tn = regf_type_name(type);
    char num[16], vname[128];
    if (!tn) {
        snprintf(num, sizeof num, "0x%x", (unsigned)type);
        tn = num;
    }
    if (regf_value_name(h, val, vname, sizeof vname, NULL) != REGF_OK)
        vname[0] = '\0';
    return regf__fail(h, REGF_ETYPE, "value '%s' (cell 0x%x) is %s of %u "
                      "bytes, not %s", vname, (unsigned)val, tn,
                      (unsigned)len, want);
}

int regf_value_dword(regf_hive *h, regf_val val, uint32_t *out)
{
    struct regf_scratch sc = { NULL, 0 };
    const uint8_t *p;
    uint32_t type, len;
    int rc = regf__value_ref(h, val, &type, &p, &len, &sc);
    if (rc == REGF_OK) {
        if (len == 4 && type == REGF_DWORD)
            *out = rd_le32(p);
        else if (len == 4 && type == REGF_DWORD_BE)
            *out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                   (uint32_t)p[2] << 8 | p[3];
        else
            rc = regf__value_wrong_type(h, val, type, len, "a 4-byte REG_DWORD");
    }
    free(sc.buf);
    return rc;
}

int regf_value_qword(regf_hive *h, regf_val val, uint64_t *out)
{
    struct regf_scratch sc = { NULL, 0 };
    const uint8_t *p;
    uint32_t type, len;
    int rc = regf__value_ref(h, val, &type, &p, &len, &sc);
    if (rc == REGF_OK) {
        if (len == 8 && type == REGF_QWORD)
            *out = rd_le64(p);
        else
            rc = regf__value_wrong_type(h, val, type, len, "an 8-byte REG_QWORD");
    }
    free(sc.buf);
    return rc;
}

int regf_value_set_dword(regf_hive *h, regf_key key, const char *name,
                         size_t name_len, uint32_t type, uint32_t v)
{
    uint8_t b[4];
    if (type == REGF_DWORD) {
        wr_le32(b, v);
    } else if (type == REGF_DWORD_BE) {
        b[0] = (uint8_t)(v >> 24);
        b[1] = (uint8_t)(v >> 16);
        b[2] = (uint8_t)(v >> 8);
        b[3] = (uint8_t)v;
    } else {
        return regf__fail(h, REGF_ETYPE, "type %u is not REG_DWORD or "
                          "REG_DWORD_BIG_ENDIAN", (unsigned)type);
    }
    return regf_value_set(h, key, name, name_len, type, b, 4);
}

int regf_value_set_qword(regf_hive *h, regf_key key, const char *name,
                         size_t name_len, uint64_t v)
{
    uint8_t b[8];
    wr_le32(b, (uint32_t)v);
    wr_le32(b + 4, (uint32_t)(v >> 32));
    return regf_value_set(h, key, name, name_len, REGF_QWORD, b, 8);
}
