/* utf.h - the one UTF-8 / UTF-16LE codec of hivekit: the inline primitives
 * (private to the library; the public functions built on them are in
 * utf.c and declared in regf.h).
 *
 * Two forms of UTF-8 cross the library:
 *   - strict UTF-8: code points U+0000..U+10FFFF except the surrogates,
 *     shortest form only;
 *   - generalized UTF-8 ("WTF-8"): the same, plus the 3-byte forms
 *     ED A0 80 .. ED BF BF of single surrogate code units. Registry names
 *     and strings are sequences of UTF-16 units that need not pair up; the
 *     generalized form gives every such sequence exactly one UTF-8 image
 *     and back. An encoded high surrogate directly followed by an encoded
 *     low one is refused (that pair has a 4-byte form), so the mapping
 *     stays one to one.
 * Every decoder of the project calls regf__utf8_get; every encoder
 * regf__utf8_put / regf__utf16_put; every UTF-16 reader regf__utf16_get. */
#ifndef REGF_UTF_H
#define REGF_UTF_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define REGF__IS_HIGH(c) ((c) >= 0xD800 && (c) <= 0xDBFF)
#define REGF__IS_LOW(c)  ((c) >= 0xDC00 && (c) <= 0xDFFF)
#define REGF__IS_SURR(c) ((c) >= 0xD800 && (c) <= 0xDFFF)

/* Decodes one UTF-8 sequence at P (N > 0 bytes available): returns its
 * length and the code point in *CP, or 0 when it is malformed (a bad lead
 * or continuation byte, truncated, overlong, beyond U+10FFFF) or, if
 * STRICT, a surrogate; *CP is then U+FFFD. */
static inline size_t regf__utf8_get(const unsigned char *p, size_t n,
                                    int strict, uint32_t *cp)
{
    uint32_t c = p[0], min;
    size_t extra;
    *cp = 0xFFFD;
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
    if (c < min || c > 0x10FFFF || (strict && REGF__IS_SURR(c)))
        return 0;
    *cp = c;
    return extra + 1;
}

/* Bytes of UTF-8 for code point C (a single surrogate takes 3). */
static inline size_t regf__utf8_size(uint32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Writes code point C (<= U+10FFFF) as UTF-8 at O; returns the length. */
static inline size_t regf__utf8_put(uint32_t c, unsigned char *o)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Reads one code point from the UTF-16LE units at P (UNITS > 0): a
 * surrogate pair gives its supplementary code point and 2; anything else,
 * a lone surrogate included, gives the unit itself and 1. */
static inline size_t regf__utf16_get(const uint8_t *p, size_t units,
                                     uint32_t *cp)
{
    uint32_t c = rd_le16(p);
    if (REGF__IS_HIGH(c) && units > 1) {
        uint32_t lo = rd_le16(p + 2);
        if (REGF__IS_LOW(lo)) {
            *cp = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            return 2;
        }
    }
    *cp = c;
    return 1;
}

/* Writes code point C (<= U+10FFFF) as UTF-16 units at U; returns 1 or 2. */
static inline size_t regf__utf16_units(uint32_t c, uint16_t *u)
{
    if (c < 0x10000) {
        u[0] = (uint16_t)c;
        return 1;
    }
    c -= 0x10000;
    u[0] = (uint16_t)(0xD800 + (c >> 10));
    u[1] = (uint16_t)(0xDC00 + (c & 0x3FF));
    return 2;
}

/* The same as UTF-16LE bytes at O; returns 2 or 4. */
static inline size_t regf__utf16_put(uint32_t c, uint8_t *o)
{
    uint16_t u[2];
    size_t n = regf__utf16_units(c, u);
    wr_le16(o, u[0]);
    if (n == 2)
        wr_le16(o + 2, u[1]);
    return 2 * n;
}

#endif /* REGF_UTF_H */
