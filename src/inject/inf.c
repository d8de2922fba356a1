/* inf.c - the inf_file handle: parse entry points, memory arena, messages,
 * case-insensitive maps and generic section/line access. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_read.h"
#include "inf_int.h"

/* ---- arena ---------------------------------------------------------------- */

struct inf_chunk {
    struct inf_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define ARENA_CHUNK 16384u

void *inf__alloc(inf_file *inf, size_t n)
{
    const size_t align = sizeof(max_align_t);
    struct inf_chunk *c = inf->arena;

    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) / align * align;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        /* A big allocation gets its own chunk behind the current one so the
         * current chunk's free space is not lost. */
        if (inf->arena && n >= ARENA_CHUNK &&
            inf->arena->cap - inf->arena->used >= align) {
            c->next = inf->arena->next;
            inf->arena->next = c;
        } else {
            c->next = inf->arena;
            inf->arena = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *inf__memdup(inf_file *inf, const void *p, size_t n)
{
    void *q = inf__alloc(inf, n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *inf__strndup(inf_file *inf, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *q = inf__alloc(inf, n + 1);
    if (q) {
        memcpy(q, s, n);
        q[n] = 0;
    }
    return q;
}

char *inf__strdup(inf_file *inf, const char *s)
{
    return inf__strndup(inf, s, strlen(s));
}

/* ---- growable vectors -------------------------------------------------------- */

void inf__vec_init(struct inf_vec *v, size_t elem)
{
    v->p = NULL;
    v->n = v->cap = 0;
    v->elem = elem;
}

void *inf__vec_push(struct inf_vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        if (cap > SIZE_MAX / v->elem)
            return NULL;
        void *p = realloc(v->p, cap * v->elem);
        if (!p)
            return NULL;
        v->p = p;
        v->cap = cap;
    }
    void *slot = (char *)v->p + v->n * v->elem;
    memset(slot, 0, v->elem);
    v->n++;
    return slot;
}

void *inf__vec_finish(inf_file *inf, struct inf_vec *v)
{
    void *q = inf__memdup(inf, v->p, v->n * v->elem);
    free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
    return q;
}

void inf__vec_free(struct inf_vec *v)
{
    free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

/* ---- messages ------------------------------------------------------------- */

static void format_msg(const inf_file *inf, char *buf, size_t size, unsigned lineno,
                       const char *fmt, va_list ap) INF_PRINTF(5, 0);

static void format_msg(const inf_file *inf, char *buf, size_t size, unsigned lineno,
                       const char *fmt, va_list ap)
{
    int n;
    if (lineno)
        n = snprintf(buf, size, "%s:%u: ", inf->name, lineno);
    else
        n = snprintf(buf, size, "%s: ", inf->name);
    if (n < 0 || (size_t)n >= size)
        return;
    vsnprintf(buf + n, size - (size_t)n, fmt, ap);
}

int inf__err(inf_file *inf, int status, unsigned lineno, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    format_msg(inf, inf->errmsg, sizeof inf->errmsg, lineno, fmt, ap);
    va_end(ap);
    return status;
}

int inf__warn(inf_file *inf, unsigned lineno, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (inf->nwarnings >= INF_MAX_WARNINGS) {
        inf->warnings_dropped++;
        return INF_OK;
    }
    va_start(ap, fmt);
    format_msg(inf, buf, sizeof buf, lineno, fmt, ap);
    va_end(ap);
    if (inf->nwarnings == inf->capwarnings) {
        size_t cap = inf->capwarnings ? inf->capwarnings * 2 : 8;
        char **w = realloc(inf->warnings, cap * sizeof *w);
        if (!w)
            return INF_ENOMEM;
        inf->warnings = w;
        inf->capwarnings = cap;
    }
    char *copy = inf__strdup(inf, buf);
    if (!copy)
        return INF_ENOMEM;
    inf->warnings[inf->nwarnings++] = copy;
    return INF_OK;
}

/* ---- case-insensitive strings and maps ---------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int inf__casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
}

int inf__ncasecmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
    return 0;
}

static size_t hash_ci(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;      /* FNV-1a */
    for (size_t i = 0; i < n && s[i]; i++) {
        h ^= (uint64_t)lower((unsigned char)s[i]);
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 29));
}

static int map_grow(struct inf_map *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 64;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return INF_ENOMEM;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = hash_ci(m->keys[i], SIZE_MAX) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = i + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return INF_OK;
}

/* Length-bounded key match: KEY[0..klen) equals S (case-insensitive). */
static int key_eq(const char *s, const char *key, size_t klen)
{
    if (klen == SIZE_MAX)
        return inf__casecmp(s, key) == 0;
    return inf__ncasecmp(s, key, klen) == 0 && s[klen] == 0;
}

const void *inf__map_get(const struct inf_map *m, const char *key, size_t klen)
{
    if (!m->nslots)
        return NULL;
    size_t j = hash_ci(key, klen) & (m->nslots - 1);
    while (m->slots[j]) {
        size_t i = m->slots[j] - 1;
        if (key_eq(m->keys[i], key, klen))
            return m->vals[i];
        j = (j + 1) & (m->nslots - 1);
    }
    return NULL;
}

/* Returns 1 if KEY was present (value unchanged), 0 if added. */
int inf__map_put(struct inf_map *m, const char *key, const void *val)
{
    if (inf__map_get(m, key, SIZE_MAX))
        return 1;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        const char **k = realloc(m->keys, cap * sizeof *k);
        if (!k)
            return INF_ENOMEM;
        m->keys = k;
        const void **v = realloc(m->vals, cap * sizeof *v);
        if (!v)
            return INF_ENOMEM;
        m->vals = v;
        m->cap = cap;
    }
    if (2 * (m->n + 1) >= m->nslots && map_grow(m) != INF_OK)
        return INF_ENOMEM;
    m->keys[m->n] = key;
    m->vals[m->n] = val;
    size_t j = hash_ci(key, SIZE_MAX) & (m->nslots - 1);
    while (m->slots[j])
        j = (j + 1) & (m->nslots - 1);
    m->slots[j] = ++m->n;
    return 0;
}

void inf__map_free(struct inf_map *m)
{
    free(m->keys);
    free(m->vals);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- handle ------------------------------------------------------------------ */

static inf_file *inf_new(const char *name)
{
    inf_file *inf = calloc(1, sizeof *inf);
    if (!inf)
        return NULL;
    inf__vec_init(&inf->fsets, sizeof(struct inf_fset));
    inf->name = strdup(name ? name : "(inf)");
    if (!inf->name) {
        free(inf);
        return NULL;
    }
    return inf;
}

void inf_free(inf_file *inf)
{
    if (!inf)
        return;
    struct inf_chunk *c = inf->arena;
    while (c) {
        struct inf_chunk *next = c->next;
        free(c);
        c = next;
    }
    for (size_t i = 0; i < inf->nsections; i++)
        free(inf->linebuf[i]);
    free(inf->linebuf);
    free(inf->linecap);
    free(inf->sections);
    inf__map_free(&inf->secmap);
    inf__map_free(&inf->strings);
    inf__map_free(&inf->lstrings);
    free(inf->warnings);
    inf__vec_free(&inf->fsets);
    free(inf->name);
    free(inf);
}

const char *inf_errmsg(const inf_file *inf)
{
    return inf ? inf->errmsg : "out of memory";
}

const char *inf_name(const inf_file *inf)
{
    return inf->name;
}

enum inf_encoding inf_encoding(const inf_file *inf)
{
    return inf->enc;
}

size_t inf_warning_count(const inf_file *inf)
{
    return inf->nwarnings;
}

const char *inf_warning(const inf_file *inf, size_t i)
{
    return i < inf->nwarnings ? inf->warnings[i] : NULL;
}

/* "$Windows NT$", "$Chicago$" and "$Windows 95$" are the signatures setupapi
 * accepts for an INF_STYLE_WIN4 file ("INF Version Section"). */
static int check_signature(inf_file *inf)
{
    const inf_section *v = inf_section_find(inf, "Version");
    if (!v)
        return inf__err(inf, INF_EINVALID, 0,
                        "no [Version] section: not a Windows INF file");
    size_t it = 0;
    const inf_line *l = inf_line_find(v, "Signature", &it);
    if (!l)
        return inf__err(inf, INF_EINVALID, v->lineno,
                        "[Version] has no Signature entry");
    const char *sig = l->fields[0].value;
    if (inf__casecmp(sig, "$Windows NT$") && inf__casecmp(sig, "$Chicago$") &&
        inf__casecmp(sig, "$Windows 95$"))
        return inf__err(inf, INF_EINVALID, l->lineno,
                        "Signature \"%s\" is not \"$Windows NT$\", \"$Chicago$\" "
                        "or \"$Windows 95$\"", sig);
    return INF_OK;
}

int inf_parse_mem(const void *data, size_t len, const char *name,
                  const struct inf_options *opt, inf_file **out)
{
    static const struct inf_options defaults;
    char *text = NULL;
    size_t textlen = 0;
    int rc;

    if (!out)
        return INF_EARG;
    *out = NULL;
    inf_file *inf = inf_new(name);
    if (!inf)
        return INF_ENOMEM;
    *out = inf;
    if (!opt)
        opt = &defaults;
    if (!data && len)
        return inf__err(inf, INF_EARG, 0, "no data");
    if (len > INF_MAX_INPUT)
        return inf__err(inf, INF_ELIMIT, 0, "file of %zu bytes exceeds the %u-byte limit",
                        len, INF_MAX_INPUT);
    if (opt->language && (strlen(opt->language) == 0 || strlen(opt->language) > 64))
        return inf__err(inf, INF_EARG, 0, "bad language \"%s\"", opt->language);
    inf->dirid = opt->dirid;
    inf->dirid_ctx = opt->dirid_ctx;

    rc = inf__decode(data, len, &text, &textlen, &inf->enc);
    if (rc != INF_OK)
        return inf__err(inf, rc, 0, "out of memory decoding the file");
    rc = inf__lex(inf, text, textlen);
    free(text);
    if (rc != INF_OK)
        return rc;
    for (size_t i = 0; i < inf->nsections; i++)
        inf->sections[i].lines = inf->linebuf[i];
    rc = inf__build_strings(inf, opt->language);
    if (rc == INF_OK)
        rc = inf__subst_all(inf);
    if (rc == INF_OK && !(opt->flags & INF_PARSE_NO_SIGNATURE))
        rc = check_signature(inf);
    if (rc == INF_ENOMEM)
        inf__err(inf, rc, 0, "out of memory");
    return rc;
}

int inf_parse_file(const char *path, const struct inf_options *opt, inf_file **out)
{
    if (!out)
        return INF_EARG;
    *out = NULL;
    if (!path) {
        inf_file *inf = inf_new(NULL);
        *out = inf;
        return inf ? inf__err(inf, INF_EARG, 0, "no path") : INF_ENOMEM;
    }
    uint8_t *buf;
    size_t len;
    char why[200];
    int rc = fr_read(AT_FDCWD, path, INF_MAX_INPUT, &buf, &len, why,
                     sizeof why);
    if (rc != FR_OK) {
        inf_file *inf = inf_new(path);
        *out = inf;
        if (!inf)
            return INF_ENOMEM;
        return inf__err(inf, rc == FR_ETOOBIG ? INF_ELIMIT :
                        rc == FR_ENOMEM ? INF_ENOMEM : INF_EIO, 0, "%s", why);
    }
    rc = inf_parse_mem(buf, len, path, opt, out);
    free(buf);
    return rc;
}

/* ---- generic access ---------------------------------------------------------- */

size_t inf_section_count(const inf_file *inf)
{
    return inf->nsections;
}

const inf_section *inf_section_at(const inf_file *inf, size_t i)
{
    return i < inf->nsections ? &inf->sections[i] : NULL;
}

const inf_section *inf_section_find(const inf_file *inf, const char *name)
{
    if (!inf || !name)
        return NULL;
    const void *v = inf__map_get(&inf->secmap, name, SIZE_MAX);
    if (!v)
        return NULL;
    size_t idx = (size_t)(uintptr_t)v - 1;
    return idx < inf->nsections ? &inf->sections[idx] : NULL;
}

const inf_line *inf_line_find(const inf_section *sec, const char *key, size_t *iter)
{
    if (!sec || !key || !iter)
        return NULL;
    for (size_t i = *iter; i < sec->nlines; i++) {
        const inf_line *l = &sec->lines[i];
        if (l->key && inf__casecmp(l->key->value, key) == 0) {
            *iter = i + 1;
            return l;
        }
    }
    *iter = sec->nlines;
    return NULL;
}

const char *inf_get_value(const inf_file *inf, const char *section, const char *key)
{
    size_t it = 0;
    const inf_line *l = inf_line_find(inf_section_find(inf, section), key, &it);
    return l ? l->fields[0].value : NULL;
}

const char *inf_string(const inf_file *inf, const char *key)
{
    const char *v = inf__map_get(&inf->lstrings, key, SIZE_MAX);
    return v ? v : inf__map_get(&inf->strings, key, SIZE_MAX);
}

int inf_parse_u32(const char *text, uint32_t *out)
{
    uint64_t v = 0;
    const char *p = text;
    int base = 10, digits = 0;

    if (!text)
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return -1;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > UINT32_MAX)
            return -1;
        digits++;
    }
    if (!digits)
        return -1;
    *out = (uint32_t)v;
    return 0;
}
