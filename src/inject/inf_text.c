/* inf_text.c - decode an INF file's bytes into UTF-8.
 *
 * setupapi reads INF files as UTF-16 when they are Unicode (with a byte
 * order mark; Wine's parser uses RtlIsTextUnicode, which also catches
 * BOM-less UTF-16LE) and otherwise in the system ANSI code page. Here:
 *   - FF FE: UTF-16LE; FE FF: UTF-16BE; EF BB BF: UTF-8;
 *   - no BOM but the first two characters look like ASCII in UTF-16LE
 *     (bytes 1 and 3 zero, byte 0 not): UTF-16LE;
 *   - otherwise UTF-8 when the bytes are valid UTF-8 (plain ASCII is), else
 *     Windows-1252, the ANSI code page of western Windows installations.
 * Unpaired surrogates and invalid UTF-8 become U+FFFD. NUL characters become
 * spaces (Wine's parser does the same) and the text ends at the first Ctrl-Z
 * (0x1A, the MS-DOS end-of-file mark setupapi stops at).
 */
#include <stdlib.h>
#include <string.h>

#include "inf_int.h"

/* Windows-1252 0x80..0x9F; the five undefined bytes map to the C1 control
 * of the same value, as MultiByteToWideChar does. */
static const uint16_t cp1252_80[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static size_t put_utf8(char *o, uint32_t c)
{
    if (c == 0)
        c = ' ';
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at P (at most N bytes), 0 if invalid.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t b = p[0];
    size_t len;
    uint32_t c, min;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2; c = b & 0x1F; min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3; c = b & 0x0F; min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4; c = b & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static int valid_utf8(const uint8_t *p, size_t n)
{
    uint32_t c;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len(p + i, n - i, &c);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

static size_t decode_utf16(const uint8_t *in, size_t len, int be, char *o)
{
    size_t w = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t u = be ? (uint32_t)in[i] << 8 | in[i + 1] : (uint32_t)in[i + 1] << 8 | in[i];
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
            uint32_t v = be ? (uint32_t)in[i + 2] << 8 | in[i + 3]
                            : (uint32_t)in[i + 3] << 8 | in[i + 2];
            if (v >= 0xDC00 && v <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
                i += 2;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        w += put_utf8(o + w, u);
    }
    return w;
}

int inf__decode(const uint8_t *in, size_t len, char **out, size_t *outlen,
                enum inf_encoding *enc)
{
    /* Worst case growth: a Windows-1252 byte or a UTF-16 unit becomes at most
     * 3 bytes of UTF-8 (a surrogate pair, 4 bytes, becomes 4). */
    if (len > (SIZE_MAX - 1) / 3)
        return INF_ENOMEM;
    char *o = malloc(len * 3 + 1);
    if (!o)
        return INF_ENOMEM;
    size_t w = 0;

    if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE) {
        *enc = INF_ENC_UTF16LE;
        w = decode_utf16(in + 2, len - 2, 0, o);
    } else if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF) {
        *enc = INF_ENC_UTF16BE;
        w = decode_utf16(in + 2, len - 2, 1, o);
    } else if (len >= 4 && in[0] != 0 && in[1] == 0 && in[3] == 0 && in[0] < 0x80) {
        *enc = INF_ENC_UTF16LE;
        w = decode_utf16(in, len, 0, o);
    } else {
        size_t start = 0;
        if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
            start = 3;
        if (start || valid_utf8(in, len)) {
            *enc = INF_ENC_UTF8;
            for (size_t i = start; i < len;) {
                uint32_t c;
                size_t l = utf8_len(in + i, len - i, &c);
                if (!l) {
                    c = 0xFFFD;
                    l = 1;
                }
                w += put_utf8(o + w, c);
                i += l;
            }
        } else {
            *enc = INF_ENC_ANSI;
            for (size_t i = 0; i < len; i++) {
                uint32_t c = in[i];
                if (c >= 0x80 && c < 0xA0)
                    c = cp1252_80[c - 0x80];
                w += put_utf8(o + w, c);
            }
        }
    }
    o[w] = 0;
    char *eof = memchr(o, 0x1A, w);
    if (eof) {
        w = (size_t)(eof - o);
        o[w] = 0;
    }
    *out = o;
    *outlen = w;
    return INF_OK;
}
