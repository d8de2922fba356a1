/* name.c - key and value names: Latin-1 ("compressed") and UTF-16LE forms,
 * conversion to and from UTF-8, and Windows' case-insensitive order.
 *
 * Windows compares names by upcasing every UTF-16 code unit with
 * RtlUpcaseUnicodeChar and comparing the results as unsigned 16-bit
 * numbers, the shorter name first on a common prefix (docs/format.md §8).
 * Surrogate pairs are not combined and there is no locale: the table in
 * upcase_table.c is that function, generated from data/windows-upcase.txt.
 *
 * UTF-8 output is "generalized": an unpaired surrogate becomes its 3-byte
 * form (ED A0..BF xx) so that every stored name has a UTF-8 image that
 * converts back to the same code units. The characters themselves are
 * coded by utf.h, the project's one codec. */
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

uint16_t regf_upcase(uint16_t c)
{
    return regf__up(c);
}

size_t regf__name_utf8_len(const struct regf_name *n)
{
    size_t out = 0;
    if (n->comp) {
        for (uint32_t i = 0; i < n->len; i++)
            out += n->p[i] < 0x80 ? 1 : 2;
        return out;
    }
    size_t units = n->len / 2;
    for (size_t i = 0; i < units;) {
        uint32_t c;
        i += regf__utf16_get(n->p + 2 * i, units - i, &c);
        out += regf__utf8_size(c);
    }
    return out;
}

size_t regf__utf16_to_utf8(const uint8_t *p, size_t units, char *out)
{
    unsigned char *o = (unsigned char *)out;
    for (size_t i = 0; i < units;) {
        uint32_t c;
        i += regf__utf16_get(p + 2 * i, units - i, &c);
        o += regf__utf8_put(c, o);
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
    for (; i < n->len; i++)
        o += regf__utf8_put(n->p[i], o);
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

long regf__utf8_to_units(const char *s, size_t len, uint16_t *out, size_t max)
{
    size_t n = 0;
    if (regf_utf8_check(s, len, 0) != len)
        return -1;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        uint16_t u[2];
        i += regf__utf8_get((const unsigned char *)s + i, len - i, 0, &c);
        size_t k = regf__utf16_units(c, u);
        if (n + k > max)
            return -1;
        out[n++] = u[0];
        if (k == 2)
            out[n++] = u[1];
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
