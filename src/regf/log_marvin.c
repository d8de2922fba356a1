/* log_marvin.c - Marvin32, the keyed hash Windows puts in every entry of a
 * new-format transaction log (HvLE: one hash of the entry's 32-byte
 * header, one of its body), with the fixed seed of hive logs,
 * 0x82EF4D887A4E55C5. Used by log_parse.c to accept or stop at an entry;
 * the tests check it against known values. */
#include <stddef.h>
#include <stdint.h>

#include "regf_int.h"

static inline uint32_t rotl32(uint32_t x, unsigned n)
{
    return x << n | x >> (32 - n);
}

static inline void marvin_mix(uint32_t *lo, uint32_t *hi, uint32_t v)
{
    *lo += v;
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

uint64_t regf__marvin32(const void *buf, size_t n)
{
    const uint8_t *p = buf;
    uint32_t lo = 0x7A4E55C5u, hi = 0x82EF4D88u, fin = 0x80;
    for (; n >= 4; p += 4, n -= 4)
        marvin_mix(&lo, &hi, rd_le32(p));
    for (size_t k = n; k-- > 0;)
        fin = fin << 8 | p[k];
    marvin_mix(&lo, &hi, fin);
    marvin_mix(&lo, &hi, 0);
    return (uint64_t)hi << 32 | lo;
}
