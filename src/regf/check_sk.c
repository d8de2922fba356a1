/* check_sk.c - security (step 3 of check.c and the counts of step 5): the
 * ring of sk records from the root key's sk (Flink/Blink, signature,
 * size), each descriptor checked to be a plausible self-relative
 * SECURITY_DESCRIPTOR (owner and group SIDs, SACL, DACL), and at the end
 * each sk's ReferenceCount against the number of keys that use it. */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* ---- security ---------------------------------------------------------- */

static int sid_ok(const uint8_t *sd, uint32_t len, uint32_t off)
{
    if (off < SD_HEADER || off >= len || len - off < SID_HEADER)
        return 0;
    const uint8_t *s = sd + off;
    return s[SID_REVISION] == 1 && s[SID_COUNT] <= 15 &&
           SID_HEADER + 4 * (uint32_t)s[SID_COUNT] <= len - off;
}

static int acl_ok(const uint8_t *sd, uint32_t len, uint32_t off)
{
    if (off < SD_HEADER || off >= len || len - off < ACL_HEADER)
        return 0;
    const uint8_t *a = sd + off;
    uint32_t size = rd_le16(a + ACL_SIZE), count = rd_le16(a + ACL_COUNT);
    if (a[ACL_REVISION] < 2 || a[ACL_REVISION] > 4 || size < ACL_HEADER ||
        size > len - off)
        return 0;
    uint32_t p = ACL_HEADER;
    for (uint32_t i = 0; i < count; i++) {
        if (size - p < ACE_HEADER)
            return 0;
        uint32_t ace = rd_le16(a + p + ACE_SIZE);
        if (ace < ACE_HEADER || ace > size - p)
            return 0;
        p += ace;
    }
    return 1;
}

/* Plausible self-relative SECURITY_DESCRIPTOR; NULL or why not. */
static const char *sd_problem(const uint8_t *sd, uint32_t len)
{
    if (len < SD_HEADER)
        return "shorter than 20 bytes";
    if (sd[SD_REVISION] != 1)
        return "revision is not 1";
    uint16_t control = rd_le16(sd + SD_CONTROL);
    if (!(control & SD_SELF_RELATIVE))
        return "SE_SELF_RELATIVE not set";
    uint32_t owner = rd_le32(sd + SD_OWNER), group = rd_le32(sd + SD_GROUP);
    uint32_t sacl = rd_le32(sd + SD_SACL), dacl = rd_le32(sd + SD_DACL);
    if (owner && !sid_ok(sd, len, owner))
        return "bad owner SID";
    if (group && !sid_ok(sd, len, group))
        return "bad group SID";
    if ((control & SD_SACL_PRESENT) && sacl && !acl_ok(sd, len, sacl))
        return "bad SACL";
    if ((control & SD_DACL_PRESENT) && dacl && !acl_ok(sd, len, dacl))
        return "bad DACL";
    return NULL;
}

/* An sk record: 0 if it cannot be used at all. */
static int sk_valid(struct ck *c, uint32_t off, const uint8_t **d)
{
    uint32_t usable;
    const uint8_t *p = cell_at(c, off, &usable);
    if (!p || usable < SK_DESC || memcmp(p, "sk", 2) != 0)
        return 0;
    *d = p;
    return 1;
}

static int skent_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct skent *)a)->off;
    uint32_t y = ((const struct skent *)b)->off;
    return x < y ? -1 : x > y;
}

void check_sk_ring(struct ck *c, uint32_t first)
{
    const uint8_t *d;
    c->root_sk = first;
    if (!sk_valid(c, first, &d)) {
        problem(c, C_SK_CELL, first,
                "the root key's Security 0x%x is not an sk cell (%s)", first,
                is_alloc(c, first) ? "bad signature or size"
                                   : not_cell(c, first));
        return;
    }
    size_t cap = 0;
    uint32_t cur = first;
    for (;;) {
        uint32_t usable = (uint32_t)0 - rd_le32(c->bins + cur) - 4;
        const uint8_t *s = c->bins + cur + 4;
        if (grow(c, (void **)&c->sk, &cap, c->nsk + 1, sizeof *c->sk) != 0)
            return;
        c->sk[c->nsk++] = (struct skent){ cur, rd_le32(s + SK_REFCOUNT), 0 };
        c->map[cur / 8] |= M_SK | M_REF;
        uint32_t dlen = rd_le32(s + SK_DESCLEN);
        if (dlen > usable - SK_DESC) {
            problem(c, C_SK_CELL, cur,
                    "sk 0x%x: descriptor of %u bytes in %u usable bytes", cur,
                    dlen, usable);
        } else {
            const char *why = sd_problem(s + SK_DESC, dlen);
            if (why)
                problem(c, C_SK_DESCRIPTOR, cur, "sk 0x%x: %s", cur, why);
        }
        uint32_t next = rd_le32(s + SK_FLINK);
        const uint8_t *n;
        if (!sk_valid(c, next, &n)) {
            problem(c, C_SK_RING, cur, "sk 0x%x: Flink 0x%x is not an sk (%s)",
                    cur, next,
                    is_alloc(c, next) ? "bad signature or size"
                                      : not_cell(c, next));
            break;
        }
        if (rd_le32(n + SK_BLINK) != cur)
            problem(c, C_SK_RING, next,
                    "sk 0x%x: Blink 0x%x, but it follows 0x%x", next,
                    rd_le32(n + SK_BLINK), cur);
        if (next == first)
            break;
        if (c->map[next / 8] & M_SK) {
            problem(c, C_SK_RING, next,
                    "sk ring loops back to 0x%x without reaching the root's "
                    "sk 0x%x", next, first);
            break;
        }
        cur = next;
    }
    qsort(c->sk, c->nsk, sizeof *c->sk, skent_cmp);
    c->sk_ok = 1;
    c->st->sks = c->nsk;
}

struct skent *sk_find(struct ck *c, uint32_t off)
{
    size_t lo = 0, hi = c->nsk;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->sk[mid].off == off)
            return &c->sk[mid];
        if (c->sk[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void check_sk_counts(struct ck *c)
{
    for (size_t i = 0; i < c->nsk; i++) {
        const struct skent *s = &c->sk[i];
        if (s->used == 0)
            problem(c, C_SK_UNUSED, s->off, "sk 0x%x is used by no key",
                    s->off);
        if (s->stored < s->used)
            problem(c, C_SK_REFCOUNT, s->off,
                    "sk 0x%x: ReferenceCount %u, used by %u keys", s->off,
                    s->stored, s->used);
        else if (s->stored > s->used)
            problem(c, C_SK_REFCOUNT_HIGH, s->off,
                    "sk 0x%x: ReferenceCount %u, used by %u keys", s->off,
                    s->stored, s->used);
    }
}
