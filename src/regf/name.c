/* name.c - key and value names: Latin-1 ("compressed") and UTF-16LE forms,
 * conversion to and from UTF-8, and Windows' case-insensitive order.
 *
 * Windows compares names by upcasing every UTF-16 code unit with
 * RtlUpcaseUnicodeChar and comparing the results as unsigned 16-bit
 * numbers, the shorter name first on a common prefix (regf-format.md §8).
 * Surrogate pairs are not combined and there is no locale: the table in
 * upcase_table.c is that function, generated from data/windows-upcase.txt.
 *
 * UTF-8 output is "generalized": an unpaired surrogate becomes its 3-byte
 * form (ED A0..BF xx) so that every stored name has a UTF-8 image that
 * converts back to the same code units. */
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

uint16_t regf_upcase(uint16_t c)
{
    return regf__up(c);
}

static inline int is_high(uint16_t c) { return c >= 0xD800 && c <= 0xDBFF; }
static inline int is_low(uint16_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

size_t regf__name_utf8_len(const struct regf_name *n)
{
    size_t out = 0;
    if (n->comp) {
        for (uint32_t i = 0; i < n->len; i++)
            out += n->p[i] < 0x80 ? 1 : 2;
        return out;
    }
    uint32_t units = n->len / 2;
    for (uint32_t i = 0; i < units; i++) {
        uint16_t c = rd_le16(n->p + 2 * i);
        if (c < 0x80)
            out += 1;
        else if (c < 0x800)
            out += 2;
        else if (is_high(c) && i + 1 < units &&
                 is_low(rd_le16(n->p + 2 * i + 2))) {
            out += 4;
            i++;
        } else
            out += 3;
    }
    return out;
}

size_t regf__utf16_to_utf8(const uint8_t *p, size_t units, char *out)
{
    unsigned char *o = (unsigned char *)out;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = rd_le16(p + 2 * i);
        if (c < 0x80) {
            *o++ = (unsigned char)c;
        } else if (c < 0x800) {
            *o++ = (unsigned char)(0xC0 | c >> 6);
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        } else if (is_high((uint16_t)c) && i + 1 < units &&
                   is_low(rd_le16(p + 2 * i + 2))) {
            uint32_t lo = rd_le16(p + 2 * i + 2);
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            *o++ = (unsigned char)(0xF0 | c >> 18);
            *o++ = (unsigned char)(0x80 | (c >> 12 & 0x3F));
            *o++ = (unsigned char)(0x80 | (c >> 6 & 0x3F));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
            i++;
        } else {
            *o++ = (unsigned char)(0xE0 | c >> 12);
            *o++ = (unsigned char)(0x80 | (c >> 6 & 0x3F));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    return (size_t)(o - (unsigned char *)out);
}

size_t regf__name_to_utf8(const struct regf_name *n, char *out)
{
    if (!n->comp)
        return regf__utf16_to_utf8(n->p, n->len / 2, out);
    uint32_t i = 0;
    while (i < n->len && n->p[i] < 0x80)   /* ASCII prefix: copy as is */
        i++;
    memcpy(out, n->p, i);
    unsigned char *o = (unsigned char *)out + i;
    for (; i < n->len; i++) {
        uint8_t c = n->p[i];
        if (c < 0x80) {
            *o++ = c;
        } else {
            *o++ = (unsigned char)(0xC0 | c >> 6);
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    return (size_t)(o - (unsigned char *)out);
}

void regf__name_copy(const struct regf_name *n, char *buf, size_t size,
                     size_t *need)
{
    size_t len = regf__name_utf8_len(n);
    if (need)
        *need = len;
    if (size == 0)
        return;
    if (len < size) {
        buf[regf__name_to_utf8(n, buf)] = '\0';
        return;
    }
    /* Too small: convert in full elsewhere, then keep a prefix. */
    char *tmp = malloc(len);
    size_t k = 0;
    if (tmp) {
        regf__name_to_utf8(n, tmp);
        k = size - 1;
        memcpy(buf, tmp, k);
        free(tmp);
    }
    buf[k] = '\0';
}

size_t regf__utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    uint32_t c = p[0], min;
    size_t extra;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        extra = 1; c &= 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        extra = 2; c &= 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        extra = 3; c &= 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n <= extra)
        return 0;
    for (size_t k = 1; k <= extra; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF)
        return 0;
    *cp = c;
    return extra + 1;
}

long regf__utf8_to_units(const char *s, size_t len, uint16_t *out, size_t max)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    size_t n = 0;
    while (p < e) {
        uint32_t c;
        size_t k = regf__utf8_next(p, (size_t)(e - p), &c);
        if (k == 0)
            return -1;
        p += k;
        if (c >= 0x10000) {
            if (n + 2 > max)
                return -1;
            c -= 0x10000;
            out[n++] = (uint16_t)(0xD800 + (c >> 10));
            out[n++] = (uint16_t)(0xDC00 + (c & 0x3FF));
        } else {
            if (n + 1 > max)
                return -1;
            out[n++] = (uint16_t)c;
        }
    }
    return (long)n;
}

int regf__name_cmp(const struct regf_name *n, const uint16_t *u, size_t nu)
{
    uint32_t nn = regf__name_units(n);
    size_t k = nn < nu ? nn : nu;
    if (n->comp) {
        for (size_t i = 0; i < k; i++) {
            uint16_t a = regf__up(n->p[i]), b = regf__up(u[i]);
            if (a != b)
                return a < b ? -1 : 1;
        }
    } else {
        for (size_t i = 0; i < k; i++) {
            uint16_t a = regf__up(rd_le16(n->p + 2 * i)), b = regf__up(u[i]);
            if (a != b)
                return a < b ? -1 : 1;
        }
    }
    return nn < nu ? -1 : nn > nu ? 1 : 0;
}

uint32_t regf__hash_units(const uint16_t *u, size_t nu)
{
    uint32_t hv = 0;
    for (size_t i = 0; i < nu; i++)
        hv = 37 * hv + regf__up(u[i]);
    return hv;
}

void regf_utf16_to_utf8(const void *p, size_t n, unsigned flags, char *buf,
                        size_t size, size_t *need)
{
    const uint8_t *b = p;
    size_t units = n / 2, total = 0;
    char tmp[4];
    /* Convert unit by unit so a small BUF needs no temporary copy. */
    for (size_t i = 0; i < units; i++) {
        uint16_t c = rd_le16(b + 2 * i);
        size_t k, take = 1;
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units &&
            rd_le16(b + 2 * i + 2) >= 0xDC00 && rd_le16(b + 2 * i + 2) <= 0xDFFF)
            take = 2;
        if (take == 1 && c >= 0xD800 && c <= 0xDFFF &&
            (flags & REGF_UTF8_REPLACE)) {
            static const uint8_t fffd[2] = { 0xFD, 0xFF };
            k = regf__utf16_to_utf8(fffd, 1, tmp);
        } else {
            k = regf__utf16_to_utf8(b + 2 * i, take, tmp);
        }
        i += take - 1;
        for (size_t j = 0; j < k; j++, total++)
            if (size && total < size - 1)
                buf[total] = tmp[j];
    }
    if (size)
        buf[total < size ? total : size - 1] = '\0';
    if (need)
        *need = total;
}

int regf_utf8_to_utf16(const char *s, size_t len, void *out, size_t size,
                       size_t *need)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    uint8_t *o = out;
    size_t n = 0;
    while (p < e) {
        uint32_t c;
        size_t k = regf__utf8_next(p, (size_t)(e - p), &c);
        if (k == 0)
            return REGF_EINVAL;
        p += k;
        uint16_t u[2];
        int nu = 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            u[0] = (uint16_t)(0xD800 + (c >> 10));
            u[1] = (uint16_t)(0xDC00 + (c & 0x3FF));
            nu = 2;
        } else {
            u[0] = (uint16_t)c;
        }
        for (int i = 0; i < nu; i++, n += 2)
            if (n + 2 <= size)
                wr_le16(o + n, u[i]);
    }
    if (need)
        *need = n;
    return REGF_OK;
}
