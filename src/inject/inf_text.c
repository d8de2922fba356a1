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
#include <hivekit/regf.h>

/* Windows-1252 0x80..0x9F; the five undefined bytes map to the C1 control
 * of the same value, as MultiByteToWideChar does. */
static const uint16_t cp1252_80[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* UTF-16 text (BE when BE is set) at IN (LEN bytes) as UTF-8 at O (room
 * for 3 bytes per unit), lone surrogates as U+FFFD; returns the length. */
static size_t decode_utf16(const uint8_t *in, size_t len, int be, char *o)
{
    size_t units = len / 2, w = 0;
    if (!be) {
        regf_utf16_to_utf8(in, 2 * units, REGF_UTF8_REPLACE, o, 3 * units + 1,
                           &w);
        return w;
    }
    uint8_t *le = malloc(2 * units + 1);
    if (!le)
        return (size_t)-1;
    for (size_t i = 0; i < units; i++) {
        le[2 * i] = in[2 * i + 1];
        le[2 * i + 1] = in[2 * i];
    }
    regf_utf16_to_utf8(le, 2 * units, REGF_UTF8_REPLACE, o, 3 * units + 1, &w);
    free(le);
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

    static const char fffd[] = "\xEF\xBF\xBD";
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
        const char *t = (const char *)in;
        if (start || regf_utf8_check(t, len, REGF_UTF8_STRICT) == len) {
            *enc = INF_ENC_UTF8;
            for (size_t i = start; i < len;) {
                size_t l = regf_utf8_decode(t + i, len - i, REGF_UTF8_STRICT,
                                            NULL);
                if (l) {
                    memcpy(o + w, t + i, l);
                    w += l;
                } else {
                    memcpy(o + w, fffd, 3);
                    w += 3;
                    l = 1;
                }
                i += l;
            }
        } else {
            *enc = INF_ENC_ANSI;
            for (size_t i = 0; i < len; i++) {
                uint32_t c = in[i];
                if (c >= 0x80 && c < 0xA0)
                    c = cp1252_80[c - 0x80];
                w += regf_utf8_encode(c, o + w);
            }
        }
    }
    if (w == (size_t)-1) {
        free(o);
        return INF_ENOMEM;
    }
    for (size_t i = 0; i < w; i++)   /* NUL characters read as spaces */
        if (o[i] == '\0')
            o[i] = ' ';
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
