/* check_names.c - stored key and value names as the checker sees them
 * (Latin-1 when compressed, else UTF-16LE): written as UTF-8 into messages
 * and key paths, compared in the order Windows sorts subkeys (upcased unit
 * by unit), hashed as lh lists store them, reduced to the lf hint, and
 * tested for a UTF-16 name that could have been stored compressed. */
#include <stdio.h>

#include "check_int.h"

/* Appends the name as UTF-8 (Latin-1 for compressed names; lone
 * surrogates as U+FFFD; control characters as \xNN): at most 4 bytes per
 * unit, written while *POS + 8 < CAP; the characters by utf.h's codec. */
void put_name(char *buf, size_t cap, size_t *pos, const struct name *n)
{
    for (uint32_t i = 0; i < n->units && *pos + 8 < cap; i++) {
        uint32_t cp = unit(n, i);
        if (REGF__IS_HIGH(cp) && i + 1 < n->units &&
            REGF__IS_LOW(unit(n, i + 1))) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(n, i + 1) - 0xDC00u);
            i++;
        }
        if (REGF__IS_SURR(cp))
            cp = 0xFFFD;
        if (cp < 0x20 || cp == 0x7F)
            *pos += (size_t)snprintf(buf + *pos, 8, "\\x%02X", (unsigned)cp);
        else
            *pos += regf__utf8_put(cp, (unsigned char *)buf + *pos);
    }
    buf[*pos] = 0;
}

/* A name for messages, in BUF (truncated to fit). */
const char *show(char *buf, const struct name *n)
{
    size_t pos = 0;
    buf[0] = 0;
    put_name(buf, SHOW_MAX, &pos, n);
    return buf;
}

/* Compares two names the way Windows orders subkeys. */
int name_cmp(const struct name *a, const struct name *b)
{
    uint32_t n = a->units < b->units ? a->units : b->units;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t x = regf__up(unit(a, i)), y = regf__up(unit(b, i));
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->units < b->units ? -1 : a->units > b->units;
}

uint32_t name_hash(const struct name *n)
{
    uint32_t h = 0;
    for (uint32_t i = 0; i < n->units; i++)
        h = 37 * h + regf__up(unit(n, i));
    return h;
}

uint32_t name_hint(const struct name *n)
{
    uint8_t h[4] = { 0, 0, 0, 0 };
    uint32_t m = n->units < 4 ? n->units : 4;
    for (uint32_t i = m; i-- > 0;) {
        uint16_t u = unit(n, i);
        if (u > 0xFF)
            break;
        h[i] = (uint8_t)u;
    }
    return rd_le32(h);
}

/* True if a UTF-16 name has only units <= 0xFF (could be compressed). */
int compressible(const struct name *n)
{
    if (n->comp || n->units == 0)
        return 0;
    for (uint32_t i = 0; i < n->units; i++)
        if (unit(n, i) > 0xFF)
            return 0;
    return 1;
}
