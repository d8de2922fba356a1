/* utf.c - text: UTF-8 <-> UTF-16LE, and registry string values as UTF-8.
 *
 * The public face of the codec in utf.h. Every conversion of the library,
 * the injector and the command goes through these functions or through
 * the inline primitives they are built on; there is no second decoder.
 *
 * String values (docs/format.md §7.4; how Windows writes them):
 *   - REG_SZ, REG_EXPAND_SZ: UTF-16LE with one NUL unit at the end, counted
 *     in the data size. Readers stop at the first NUL unit; a missing
 *     terminator is tolerated and an odd last byte (not a whole unit) is
 *     ignored, so nothing about the stored size is trusted.
 *   - REG_LINK: the same text without a terminator (symbolic-link targets).
 *   - REG_MULTI_SZ: each string followed by a NUL unit, and one more NUL
 *     unit after the last; an empty string ends the list (there is no way
 *     to store an empty element). A list whose final terminators are
 *     missing is read up to the end of the data.
 * In the UTF-8 form of a REG_MULTI_SZ list each string is followed by a
 * '\0' byte: "a\0b\0" is the list of "a" and "b". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

/* ---- single characters and validation ---------------------------------- */

size_t regf_utf8_decode(const char *s, size_t n, unsigned flags,
                        uint32_t *cp)
{
    uint32_t c;
    size_t k;
    if (n == 0)
        return 0;
    k = regf__utf8_get((const unsigned char *)s, n,
                       (flags & REGF_UTF8_STRICT) != 0, &c);
    if (k && cp)
        *cp = c;
    return k;
}

size_t regf_utf8_encode(uint32_t cp, char *out)
{
    if (cp > 0x10FFFF)
        return 0;
    return regf__utf8_put(cp, (unsigned char *)out);
}

size_t regf_utf8_check(const char *s, size_t n, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    int strict = (flags & REGF_UTF8_STRICT) != 0;
    uint32_t prev = 0;
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {   /* a run of ASCII, eight bytes at a time */
            uint64_t w = rd_le64(p + i);
            if (!(w & 0x8080808080808080ull)) {
                i += 8;
                prev = 0;
                continue;
            }
        }
        uint32_t c;
        size_t k = regf__utf8_get(p + i, n - i, strict, &c);
        /* An encoded high surrogate then an encoded low one: that pair
         * has its own 4-byte form, so this spelling is not accepted. */
        if (k == 0 || (REGF__IS_HIGH(prev) && REGF__IS_LOW(c)))
            return i;
        prev = c;
        i += k;
    }
    return n;
}

/* ---- UTF-16LE <-> UTF-8 -------------------------------------------------- */

/* Converts UNITS units at P, appending to BUF/SIZE at *TOTAL (bytes that
 * do not fit are counted, not written). */
static void utf16_append(const uint8_t *p, size_t units, unsigned flags,
                         char *buf, size_t size, size_t *total)
{
    unsigned char tmp[4];
    for (size_t i = 0; i < units;) {
        uint32_t c;
        size_t used = regf__utf16_get(p + 2 * i, units - i, &c);
        if (REGF__IS_SURR(c) && (flags & REGF_UTF8_REPLACE))
            c = 0xFFFD;
        i += used;
        size_t k = *total + 4 < size ? regf__utf8_put(c, (unsigned char *)buf + *total)
                                     : regf__utf8_put(c, tmp);
        if (*total + 4 >= size)   /* near the end: byte by byte */
            for (size_t j = 0; j < k; j++)
                if (*total + j + 1 < size)
                    buf[*total + j] = (char)tmp[j];
        *total += k;
    }
}

static void terminate(char *buf, size_t size, size_t total)
{
    if (size)
        buf[total < size ? total : size - 1] = '\0';
}

void regf_utf16_to_utf8(const void *p, size_t n, unsigned flags, char *buf,
                        size_t size, size_t *need)
{
    size_t total = 0;
    utf16_append(p, n / 2, flags, buf, size, &total);
    terminate(buf, size, total);
    if (need)
        *need = total;
}

/* Converts LEN bytes of UTF-8 at S to UTF-16LE appended at OUT/SIZE from
 * *N; REGF_EINVAL if S is not (generalized, unless STRICT) UTF-8. */
static int utf8_append(const char *s, size_t len, unsigned flags,
                       uint8_t *out, size_t size, size_t *n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (regf_utf8_check(s, len, flags) != len)
        return REGF_EINVAL;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        uint8_t tmp[4];
        i += regf__utf8_get(p + i, len - i, 0, &c);
        size_t k = regf__utf16_put(c, tmp);
        if (*n + k <= size)
            memcpy(out + *n, tmp, k);
        *n += k;
    }
    return REGF_OK;
}

int regf_utf8_to_utf16(const char *s, size_t len, void *out, size_t size,
                       size_t *need)
{
    size_t n = 0;
    int rc = utf8_append(s, len, 0, out, size, &n);
    if (rc == REGF_OK && need)
        *need = n;
    return rc;
}

/* ---- string values ---------------------------------------------------------- */

static int is_string_type(uint32_t type)
{
    return type == REGF_SZ || type == REGF_EXPAND_SZ || type == REGF_LINK ||
           type == REGF_MULTI_SZ;
}

/* Units before the first NUL unit among the UNITS at P. */
static size_t sz_units(const uint8_t *p, size_t units)
{
    size_t i = 0;
    while (i < units && (p[2 * i] | p[2 * i + 1]) != 0)
        i++;
    return i;
}

int regf_string_decode(uint32_t type, const void *data, size_t n,
                       unsigned flags, char *buf, size_t size, size_t *need)
{
    const uint8_t *p = data;
    size_t units = n / 2, total = 0;
    if (!is_string_type(type))
        return REGF_ETYPE;
    if (type != REGF_MULTI_SZ) {
        utf16_append(p, sz_units(p, units), flags, buf, size, &total);
    } else {
        size_t i = 0;
        while (i < units) {
            size_t k = sz_units(p + 2 * i, units - i);
            if (k == 0)
                break;               /* an empty string ends the list */
            utf16_append(p + 2 * i, k, flags, buf, size, &total);
            if (total + 1 < size)
                buf[total] = '\0';
            total++;
            i += k + 1;
        }
    }
    terminate(buf, size, total);
    if (need)
        *need = total;
    return REGF_OK;
}

int regf_string_encode(uint32_t type, const char *s, size_t len,
                       unsigned flags, void *out, size_t size, size_t *need)
{
    uint8_t *o = out;
    size_t n = 0;
    int rc;
    static const uint8_t nul[2] = { 0, 0 };
    if (!is_string_type(type))
        return REGF_ETYPE;
    if (type != REGF_MULTI_SZ) {
        if (memchr(s, '\0', len))
            return REGF_EINVAL;      /* readers would stop there */
        if ((rc = utf8_append(s, len, flags, o, size, &n)) != REGF_OK)
            return rc;
        if (type != REGF_LINK) {
            if (n + 2 <= size)
                memcpy(o + n, nul, 2);
            n += 2;
        }
    } else {
        /* "a\0b\0" or "a\0b": strings separated by '\0' bytes. */
        size_t i = 0;
        while (i < len) {
            const char *e = memchr(s + i, '\0', len - i);
            size_t k = e ? (size_t)(e - (s + i)) : len - i;
            if (k == 0)
                return REGF_EINVAL;  /* an empty element would end the list */
            if ((rc = utf8_append(s + i, k, flags, o, size, &n)) != REGF_OK)
                return rc;
            if (n + 2 <= size)
                memcpy(o + n, nul, 2);
            n += 2;
            i += k + 1;
        }
        if (n + 2 <= size)
            memcpy(o + n, nul, 2);
        n += 2;
    }
    if (need)
        *need = n;
    return REGF_OK;
}

int regf_value_string(regf_hive *h, regf_val val, unsigned flags, char *buf,
                      size_t size, size_t *need)
{
    struct regf_scratch sc = { NULL, 0 };
    const uint8_t *p;
    uint32_t type, len;
    int rc = regf__value_ref(h, val, &type, &p, &len, &sc);
    if (rc == REGF_OK) {
        rc = regf_string_decode(type, p, len, flags, buf, size, need);
        if (rc == REGF_ETYPE)
            rc = regf__value_wrong_type(h, val, type, len, "a string type");
    }
    free(sc.buf);
    return rc;
}

int regf_value_set_string(regf_hive *h, regf_key key, const char *name,
                          size_t name_len, uint32_t type, const char *s,
                          size_t len)
{
    size_t need = 0;
    int rc = regf_string_encode(type, s, len, 0, NULL, 0, &need);
    if (rc != REGF_OK)
        return regf__fail(h, rc, "%s",
                          rc == REGF_ETYPE ? "the type is not a string type"
                          : type == REGF_MULTI_SZ ?
                          "the text is not UTF-8, or a string of the list is empty"
                          : "the text is not UTF-8, or holds a NUL character");
    uint8_t *b = malloc(need ? need : 1);
    if (!b)
        return regf__fail(h, REGF_ENOMEM, "out of memory");
    regf_string_encode(type, s, len, 0, b, need, NULL);
    rc = regf_value_set(h, key, name, name_len, type, b, need);
    free(b);
    return rc;
}
