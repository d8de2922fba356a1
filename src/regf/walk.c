/* walk.c - depth-first traversal of a subtree without recursion.
 *
 * Each key is visited once: a bitmap of visited nk cells turns a cycle, or a
 * key listed by two parents, into REGF_ECORRUPT instead of an endless or
 * exponential walk, and the explicit stack stops at REGF_MAX_DEPTH levels
 * (Windows' own limit). */
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

struct frame {
    regf_key key;
    int started;
    regf_iter it;
    size_t plen;            /* length of the path of KEY */
};

struct path {
    char *buf;
    size_t len, cap;
};

static int path_reserve(regf_hive *h, struct path *p, size_t extra)
{
    if (p->len + extra + 1 <= p->cap)
        return REGF_OK;
    size_t cap = p->cap ? p->cap : 1024;
    while (cap < p->len + extra + 1)
        cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b)
        return regf__fail(h, REGF_ENOMEM, "out of memory for a key path");
    p->buf = b;
    p->cap = cap;
    return REGF_OK;
}

/* Appends the name of the key in NK to the path (with a separator). */
static int path_push(regf_hive *h, struct path *p, const struct regf_span *nk)
{
    struct regf_name n;
    regf__nk_name(nk, &n);
    int rc = path_reserve(h, p, (n.comp ? 2 * (size_t)n.len
                                        : 3 * (size_t)(n.len / 2)) + 1);
    if (rc != REGF_OK)
        return rc;
    if (p->len)
        p->buf[p->len++] = '\\';
    p->len += regf__name_to_utf8(&n, p->buf + p->len);
    p->buf[p->len] = '\0';
    return REGF_OK;
}

static int test_and_set(uint8_t *map, uint32_t off)
{
    uint8_t bit = (uint8_t)(1u << (off / 8 % 8));
    int was = (map[off / 64] & bit) != 0;
    map[off / 64] |= bit;
    return was;
}

int regf_walk(regf_hive *h, regf_key start, regf_walk_fn *fn, void *ctx)
{
    regf_key root;
    int rc = regf_root(h, &root);
    if (rc != REGF_OK)
        return rc;
    if (!start)
        start = root;
    struct regf_span nk;
    rc = regf__nk(h, start, &nk);
    if (rc != REGF_OK)
        return rc;

    uint8_t *seen = calloc(h->bins_size / 64 + 1, 1);
    struct frame *st = malloc((REGF_MAX_DEPTH + 1) * sizeof *st);
    struct path path = { NULL, 0, 0 };
    if (!seen || !st || path_reserve(h, &path, 0) != REGF_OK) {
        rc = regf__fail(h, REGF_ENOMEM, "out of memory for a tree walk");
        goto out;
    }
    path.buf[0] = '\0';
    test_and_set(seen, start);
    rc = fn(ctx, h, start, path.buf, 0, 0);
    if (rc != 0)
        goto out;
    unsigned depth = 0;
    st[0] = (struct frame){ .key = start, .started = 0, .plen = 0 };
    for (;;) {
        struct frame *f = &st[depth];
        regf_key child;
        if (!f->started) {
            f->started = 1;
            rc = regf_subkey_first(h, f->key, &f->it, &child);
        } else {
            rc = regf_subkey_next(h, &f->it, &child);
        }
        if (rc == REGF_NOTFOUND) {
            if (depth == 0) {
                rc = REGF_OK;
                break;
            }
            depth--;
            continue;
        }
        if (rc != REGF_OK)
            break;
        rc = regf__nk(h, child, &nk);
        if (rc != REGF_OK)
            break;
        if (test_and_set(seen, child)) {
            rc = regf__corrupt(h, child, "key is reached twice (again from "
                               "the subkey list of key 0x%x): a cycle or a "
                               "shared subkey", f->key);
            break;
        }
        if (depth + 1 > REGF_MAX_DEPTH) {
            rc = regf__corrupt(h, child, "key is nested deeper than %d "
                               "levels", REGF_MAX_DEPTH);
            break;
        }
        path.len = f->plen;
        rc = path_push(h, &path, &nk);
        if (rc != REGF_OK)
            break;
        rc = fn(ctx, h, child, path.buf, path.len, depth + 1);
        if (rc != 0)
            break;
        depth++;
        st[depth] = (struct frame){ .key = child, .started = 0,
                                    .plen = path.len };
    }
out:
    free(seen);
    free(st);
    free(path.buf);
    return rc;
}
