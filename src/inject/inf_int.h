/* inf_int.h - internals of the INF module, grouped by file. */
#ifndef HIVEKIT_INF_INT_H
#define HIVEKIT_INF_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "inf.h"

#if defined(__GNUC__)
#define INF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define INF_PRINTF(f, a)
#endif

/* Case-insensitive map from a string key to a pointer (first put wins).
 * Open addressing over an index array; keys are not copied. */
struct inf_map {
    const char **keys;
    const void **vals;
    size_t n, cap;
    size_t *slots;        /* index + 1, 0 = empty */
    size_t nslots;        /* power of two, > 2 * n */
};

struct inf_chunk;

/* A growable array of pointers or structs, malloc'd; copied into the arena
 * when complete (inf__vec_finish). */
struct inf_vec {
    void *p;
    size_t n, cap, elem;
};

/* The fields of one line (or its key), kept writable for substitution. */
struct inf_fset {
    inf_field *f;
    size_t n;
    unsigned lineno;
    int no_subst;            /* in a [Strings*] section */
};

struct inf_file {
    char *name;
    char errmsg[512];
    enum inf_encoding enc;
    struct inf_chunk *arena;

    /* sections in order of first appearance */
    inf_section *sections;
    size_t nsections, capsections;
    inf_line **linebuf;      /* per section, grown while lexing */
    size_t *linecap;
    struct inf_map secmap;   /* name -> section index + 1 (as pointer-sized) */

    /* string tables */
    struct inf_map strings;  /* [Strings] */
    struct inf_map lstrings; /* [Strings.<language>] */

    inf_dirid_fn *dirid;
    void *dirid_ctx;

    char **warnings;
    size_t nwarnings, capwarnings;
    size_t warnings_dropped;

    struct inf_vec fsets;    /* struct inf_fset, every line's fields */
    size_t expanded;         /* bytes produced by substitution so far */
};

/* inf.c */
void *inf__alloc(inf_file *inf, size_t n);
char *inf__strndup(inf_file *inf, const char *s, size_t n);
char *inf__strdup(inf_file *inf, const char *s);
void *inf__memdup(inf_file *inf, const void *p, size_t n);
int inf__err(inf_file *inf, int status, unsigned lineno, const char *fmt, ...)
    INF_PRINTF(4, 5);
int inf__warn(inf_file *inf, unsigned lineno, const char *fmt, ...)
    INF_PRINTF(3, 4);
int inf__casecmp(const char *a, const char *b);
int inf__ncasecmp(const char *a, const char *b, size_t n);
int inf__map_put(struct inf_map *m, const char *key, const void *val);
const void *inf__map_get(const struct inf_map *m, const char *key, size_t klen);
void inf__map_free(struct inf_map *m);

void inf__vec_init(struct inf_vec *v, size_t elem);
void *inf__vec_push(struct inf_vec *v);          /* zeroed slot or NULL */
/* Arena copy of the elements (read v->n first); empties V. NULL if out of
 * memory. */
void *inf__vec_finish(inf_file *inf, struct inf_vec *v);
void inf__vec_free(struct inf_vec *v);

/* inf_text.c: decodes a whole file into NUL-terminated UTF-8. NUL characters
 * become spaces, text stops at the first Ctrl-Z (0x1A, the DOS end-of-file
 * mark setupapi honours). *OUT is malloc'd. */
int inf__decode(const uint8_t *in, size_t len, char **out, size_t *outlen,
                enum inf_encoding *enc);

/* inf_lex.c: sections, lines and raw fields from decoded text. */
int inf__lex(inf_file *inf, const char *text, size_t len);

/* inf_subst.c */
int inf__build_strings(inf_file *inf, const char *language);
/* Substitutes %strkey%, %% and %dirid% in RAW. *OUT is RAW itself when
 * nothing changes, else an arena string. LINENO is used in messages. */
int inf__subst(inf_file *inf, const char *raw, unsigned lineno, const char **out);
int inf__subst_all(inf_file *inf);
/* [Strings] and [Strings.xxxx]: lexed without splitting values at commas. */
int inf__is_strings_section(const char *name);

/* inf_install.c / inf_models.c helpers shared with others */
const char *inf__arch_suffix(enum inf_arch arch);   /* "amd64", ... */

#endif
