/* check_keys.c - keys and the tree walk (step 4 of check.c): the walk,
 * depth first with an explicit stack of frames (whose names make the key
 * path of every problem), and each key's nk record: cell size, name,
 * Parent, flags (the root's and the others'), layered-key fields, volatile
 * subkeys, class and security. Its values (check_values.c) and its subkey
 * list (check_lists.c) are checked from here. */
#include <string.h>

#include "check_int.h"

/* ---- keys -------------------------------------------------------------- */

/* Checks that OFF is a key cell whose name fits (enough to compare it and
 * to visit it); fills *NM. Reports NOT_CELL when OFF is not an allocated
 * cell, NOT_KEY when it is not an nk. */
int key_cell(struct ck *c, uint32_t off, struct name *nm,
             enum code not_cell_code, enum code not_key,
             const char *what)
{
    uint32_t usable;
    const uint8_t *d = cell_at(c, off, &usable);
    if (!d) {
        problem(c, not_cell_code, off, "%s 0x%x is %s", what, off,
                not_cell(c, off));
        return 0;
    }
    if (usable < NK_FIXED || memcmp(d, "nk", 2) != 0) {
        problem(c, not_key, off,
                "%s 0x%x: %u usable bytes, signature %02x %02x (want 'nk')",
                what, off, usable, d[0], d[1]);
        return 0;
    }
    uint32_t nlen = rd_le16(d + NK_NAMELEN);
    int comp = (rd_le16(d + NK_FLAGS) & NK_FLAG_COMP_NAME) != 0;
    if (nlen == 0 || NK_FIXED + nlen > usable) {
        problem(c, C_NK_NAME, off, "%s 0x%x: NameLength %u, %u usable bytes",
                what, off, nlen, usable);
        return 0;
    }
    *nm = (struct name){ d + NK_FIXED, comp ? nlen : nlen / 2, comp };
    return 1;
}

/* The key of frame F (cell and name already validated by key_cell()). */
static void check_key(struct ck *c, struct frame *f)
{
    uint32_t k = f->nk;
    const uint8_t *d = c->bins + k + 4;
    uint32_t usable = (uint32_t)0 - rd_le32(c->bins + k) - 4;
    uint32_t nlen = rd_le16(d + NK_NAMELEN);
    const struct name *nm = &f->name;
    int root = f->depth == 1;
    c->st->keys++;

    if (usable > NK_MAX_USABLE)
        problem(c, C_NK_SIZE, k, "nk cell of %u bytes (> 1120)", usable + 4);
    if (nm->comp ? nlen > 256 : (nlen % 2 || nlen > 512))
        problem(c, C_NK_NAME, k, "%s name of %u bytes",
                nm->comp ? "compressed" : "UTF-16", nlen);
    if (nm->units && unit(nm, 0) == 0)
        problem(c, C_NK_NAME_CHAR, k, "name starts with NUL");
    for (uint32_t i = 0; i < nm->units; i++)
        if (unit(nm, i) == '\\') {
            problem(c, C_NK_NAME_CHAR, k, "name contains a backslash");
            break;
        }
    if (compressible(nm))
        problem(c, C_NK_NAME_FORM, k, "UTF-16 name could be compressed");
    if (!root && rd_le32(d + NK_PARENT) != f->parent)
        problem(c, C_NK_PARENT, k, "Parent 0x%x, real parent 0x%x",
                rd_le32(d + NK_PARENT), f->parent);

    uint16_t fl = rd_le16(d + NK_FLAGS);
    if (root) {
        if (!(fl & 0x04) || (fl & 0x51))
            problem(c, C_ROOT_FLAGS, k, "root flags 0x%04x", fl);
        else if (fl & 0x02)     /* KEY_HIVE_EXIT alone is cleared at load */
            problem_sev(c, C_ROOT_FLAGS, REGF_SEV_HEAL, k,
                        "root flags 0x%04x (0x02 set)", fl);
        else if (c->strict && (fl & 0x0C) != 0x0C)
            problem_sev(c, C_ROOT_FLAGS, REGF_SEV_HARMLESS, k,
                        "root flags 0x%04x (want HIVE_ENTRY|NO_DELETE)", fl);
    } else if (fl & 0x4F) {
        problem(c, C_NK_FLAGS, k, "flags 0x%04x (0x01/0x02/0x04/0x08/0x40)",
                fl);
    }
    unsigned layer = d[NK_LAYER];
    if (!c->layered && layer)
        problem(c, C_NK_LAYER_BITS, k,
                "layer byte 0x%02x in a hive without layered keys", layer);
    if (c->layered && (layer & 3) == 1 &&
        (rd_le16(d + NK_CLASSLEN) || rd_le32(d + NK_NVALUES) ||
         rd_le32(d + NK_NSUBKEYS)))
        problem(c, C_NK_LAYERED, k,
                "tombstone key with a class, values or subkeys");
    /* Stale volatile fields (a volatile index 0x8xxxxxxx and any count)
     * are normal in real hives; a stable index or a count without a list
     * can only come from a writer. */
    uint32_t vlist = rd_le32(d + NK_VSUBKEYS), vcount = rd_le32(d + NK_NVSUBKEYS);
    if ((vlist != NIL && !(vlist & 0x80000000u)) || (vlist == NIL && vcount))
        problem(c, C_NK_VOLATILE, k,
                "volatile subkey list 0x%x, volatile count %u (want NIL, 0)",
                vlist, vcount);

    /* class */
    uint32_t clen = rd_le16(d + NK_CLASSLEN), cls = rd_le32(d + NK_CLASS);
    if (clen == 0 && cls != NIL) {
        problem(c, C_CLASS, k, "ClassLength 0 but Class 0x%x (want NIL)",
                cls);
    } else if (clen > 0) {
        uint32_t cu;
        if (!cell_at(c, cls, &cu)) {
            problem(c, C_CLASS, k, "ClassLength %u, Class 0x%x is %s", clen,
                    cls, not_cell(c, cls));
        } else {
            take(c, cls, "class");
            if (cu < clen)
                problem(c, C_CLASS, cls,
                        "class of %u bytes in a cell of %u usable bytes",
                        clen, cu);
        }
    }

    /* security */
    if (c->sk_ok) {
        uint32_t sec = rd_le32(d + NK_SECURITY);
        struct skent *s = sk_find(c, sec);
        if (!s)
            problem(c, C_SK_NOT_IN_RING, k,
                    "Security 0x%x is not an sk of the ring (%s)", sec,
                    is_alloc(c, sec) ? "allocated cell" : not_cell(c, sec));
        else
            s->used++;
    }

    check_values(c, k, d);
    f->kids = c->nkids;
    check_subkeys(c, k, d);
    f->nkids = c->nkids - f->kids;
    f->next = 0;
}

static struct frame *push(struct ck *c, uint32_t nk, uint32_t parent,
                          const struct name *nm, unsigned depth)
{
    if (grow(c, (void **)&c->fr, &c->capfr, c->nfr + 1, sizeof *c->fr) != 0)
        return NULL;
    struct frame *f = &c->fr[c->nfr++];
    *f = (struct frame){ nk, parent, *nm, 0, 0, 0, depth };
    return f;
}

void walk(struct ck *c, uint32_t root)
{
    struct name nm;
    if (!key_cell(c, root, &nm, C_BB_ROOT, C_BB_ROOT, "RootCell"))
        return;
    c->map[root / 8] |= M_NK | M_REF;
    check_sk_ring(c, rd_le32(c->bins + root + 4 + NK_SECURITY));
    if (c->stop)
        return;
    c->walking = 1;
    struct frame *f = push(c, root, NIL, &nm, 1);
    if (f)
        check_key(c, f);
    while (c->nfr > 0 && !c->stop) {
        f = &c->fr[c->nfr - 1];
        if (f->next == f->nkids) {
            c->nkids = f->kids;
            c->nfr--;
            continue;
        }
        uint32_t kid = c->kids[f->kids + f->next++];
        if (f->depth >= MAX_DEPTH) {
            if (!c->depth_reported++)
                problem(c, C_NK_DEPTH, kid,
                        "subkey 0x%x would be at level %u (> 512)", kid,
                        f->depth + 1);
            continue;
        }
        uint32_t parent = f->nk;
        unsigned depth = f->depth + 1;
        key_cell(c, kid, &nm, C_LIST_ENTRY, C_NK_CELL, "subkey");
        f = push(c, kid, parent, &nm, depth);
        if (f)
            check_key(c, f);
    }
    c->walking = 0;
}
