/* inf_lex.c - split decoded INF text into sections, lines and fields.
 *
 * Rules ("General Syntax Rules for INF Files", "INF Strings Section"; where
 * the pages are silent, what Wine's setupapi parser does):
 *   - A line whose first non-blank character is '[' names a section; the
 *     name runs to the next ']' on that line (surrounding blanks trimmed,
 *     at most 255 characters) and the rest of the line is ignored. A section
 *     that appears again continues the first one ("the system merges their
 *     entries"). Names are case-insensitive.
 *   - Any other non-blank line is an entry of the current section (an entry
 *     before the first section is an error, ERROR_EXPECTED_SECTION_NAME in
 *     setupapi). If an '=' comes before any ',' the text before it is the
 *     key. The rest is split into fields at ','.
 *   - Blanks around a field are dropped, blanks inside are kept.
 *   - '"' starts a quoted part, which ends at the next single '"'; inside,
 *     "" stands for one '"' and ',', ';', '=', '\' and blanks are ordinary.
 *     Quoted and unquoted parts concatenate ("a"b is ab). A quoted string
 *     cannot span lines: a quote still open at the end of the line is an
 *     error here (Wine closes it silently; refusing is safer for data that
 *     ends up in a boot-critical registry).
 *   - ';' outside quotes starts a comment that runs to the end of the line.
 *   - '\' outside quotes followed only by blanks (and possibly a comment) up
 *     to the end of the line continues the entry on the next line: blanks
 *     before the '\' and at the start of the next line are dropped (as in
 *     Wine). Any other '\' is an ordinary character (PCI\VEN_1AF4).
 *   - In [Strings] and [Strings.xxxx] the value after '=' is not split at
 *     commas: the Strings page lists what must be quoted in a string value
 *     (edge blanks, ';', a final '\', '"') and ',' is not among them, so
 *     VENDOR = Red Hat, Inc. is one string.
 * Line ends are LF or CRLF; CR counts as a blank.
 */
#include <stdlib.h>
#include <string.h>

#include "inf_int.h"

#define MAX_SECTION_NAME 255   /* characters, Windows 2000 and later */

struct lexer {
    inf_file *inf;
    const char *t;
    size_t len, pos;
    unsigned lineno;
    size_t cur;                /* current section index + 1, 0 = none */
    int strings_sec;
    char *tok;
    size_t toklen, tokcap, sig;
    int started;
    struct inf_vec fields;     /* inf_field */
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int inf__is_strings_section(const char *name)
{
    return inf__ncasecmp(name, "Strings", 7) == 0 && (name[7] == 0 || name[7] == '.');
}

static int tok_add(struct lexer *L, char c)
{
    if (L->toklen + 1 >= L->tokcap) {
        size_t cap = L->tokcap ? L->tokcap * 2 : 256;
        char *p = realloc(L->tok, cap);
        if (!p)
            return INF_ENOMEM;
        L->tok = p;
        L->tokcap = cap;
    }
    L->tok[L->toklen++] = c;
    return INF_OK;
}

/* The token so far, without trailing unquoted blanks, as a new field. */
static int tok_finish(struct lexer *L, inf_field *f)
{
    char *s = inf__strndup(L->inf, L->tok ? L->tok : "", L->sig);
    if (!s)
        return INF_ENOMEM;
    f->raw = f->value = s;
    L->toklen = L->sig = 0;
    L->started = 0;
    return INF_OK;
}

static int push_field(struct lexer *L)
{
    inf_field *f = inf__vec_push(&L->fields);
    if (!f)
        return INF_ENOMEM;
    return tok_finish(L, f);
}

static int add_section(struct lexer *L, const char *name, size_t n)
{
    inf_file *inf = L->inf;
    char *s = inf__strndup(inf, name, n);
    if (!s)
        return INF_ENOMEM;
    const void *v = inf__map_get(&inf->secmap, s, SIZE_MAX);
    if (v) {
        L->cur = (size_t)(uintptr_t)v;
    } else {
        if (inf->nsections == inf->capsections) {
            size_t cap = inf->capsections ? inf->capsections * 2 : 32;
            inf_section *ns = realloc(inf->sections, cap * sizeof *ns);
            if (!ns)
                return INF_ENOMEM;
            inf->sections = ns;
            inf_line **lb = realloc(inf->linebuf, cap * sizeof *lb);
            if (!lb)
                return INF_ENOMEM;
            inf->linebuf = lb;
            size_t *lc = realloc(inf->linecap, cap * sizeof *lc);
            if (!lc)
                return INF_ENOMEM;
            inf->linecap = lc;
            inf->capsections = cap;
        }
        size_t i = inf->nsections;
        inf->sections[i].name = s;
        inf->sections[i].lines = NULL;
        inf->sections[i].nlines = 0;
        inf->sections[i].lineno = L->lineno;
        inf->linebuf[i] = NULL;
        inf->linecap[i] = 0;
        inf->nsections++;
        if (inf__map_put(&inf->secmap, s, (const void *)(uintptr_t)(i + 1)) < 0)
            return INF_ENOMEM;
        L->cur = i + 1;
    }
    L->strings_sec = inf__is_strings_section(s);
    return INF_OK;
}

static int add_line(struct lexer *L, const inf_field *key, unsigned lineno)
{
    inf_file *inf = L->inf;
    size_t s = L->cur - 1;
    inf_section *sec = &inf->sections[s];

    if (sec->nlines == inf->linecap[s]) {
        size_t cap = inf->linecap[s] ? inf->linecap[s] * 2 : 16;
        inf_line *nl = realloc(inf->linebuf[s], cap * sizeof *nl);
        if (!nl)
            return INF_ENOMEM;
        inf->linebuf[s] = nl;
        inf->linecap[s] = cap;
    }
    inf_line *l = &inf->linebuf[s][sec->nlines];
    inf_field *k = NULL, *f;
    struct inf_fset *fs;
    if (key) {
        if (!(k = inf__memdup(inf, key, sizeof *key)) || !(fs = inf__vec_push(&inf->fsets)))
            return INF_ENOMEM;
        fs->f = k;
        fs->n = 1;
        fs->lineno = lineno;
        fs->no_subst = L->strings_sec;
    }
    if (!(f = inf__memdup(inf, L->fields.p, L->fields.n * sizeof(inf_field))) ||
        !(fs = inf__vec_push(&inf->fsets)))
        return INF_ENOMEM;
    fs->f = f;
    fs->n = L->fields.n;
    fs->lineno = lineno;
    fs->no_subst = L->strings_sec;
    l->key = k;
    l->fields = f;
    l->nfields = L->fields.n;
    l->lineno = lineno;
    sec->nlines++;
    L->fields.n = 0;
    return INF_OK;
}

static int lex_section(struct lexer *L)
{
    size_t start = ++L->pos, end;
    while (L->pos < L->len && L->t[L->pos] != ']' && L->t[L->pos] != '\n')
        L->pos++;
    if (L->pos >= L->len || L->t[L->pos] != ']')
        return inf__err(L->inf, INF_ESYNTAX, L->lineno,
                        "section name not closed by ']'");
    end = L->pos;
    while (start < end && is_blank(L->t[start]))
        start++;
    while (end > start && is_blank(L->t[end - 1]))
        end--;
    if (end - start > MAX_SECTION_NAME)
        return inf__err(L->inf, INF_ESYNTAX, L->lineno,
                        "section name longer than %d characters", MAX_SECTION_NAME);
    /* What follows the ']' on the line is ignored. */
    while (L->pos < L->len && L->t[L->pos] != '\n')
        L->pos++;
    return add_section(L, L->t + start, end - start);
}

static void skip_to_eol(struct lexer *L)
{
    while (L->pos < L->len && L->t[L->pos] != '\n')
        L->pos++;
}

/* At a '\' outside quotes: a line continuation? If so, consume it (and the
 * line end) and return 1. */
static int continuation(struct lexer *L)
{
    size_t q = L->pos + 1;
    while (q < L->len && is_blank(L->t[q]))
        q++;
    if (q < L->len && L->t[q] == ';')
        while (q < L->len && L->t[q] != '\n')
            q++;
    if (q < L->len && L->t[q] != '\n')
        return 0;
    L->toklen = L->sig;        /* blanks before the '\' are dropped */
    if (q >= L->len) {
        L->pos = q;
        return 1;
    }
    L->pos = q + 1;
    L->lineno++;
    while (L->pos < L->len && is_blank(L->t[L->pos]))
        L->pos++;
    return 1;
}

static int lex_entry(struct lexer *L)
{
    inf_field key = {0};
    int have_key = 0, comma_seen = 0, nosplit = 0, rc;
    unsigned first_line = L->lineno;

    if (!L->cur)
        return inf__err(L->inf, INF_ESYNTAX, L->lineno,
                        "entry before the first [section]");
    L->toklen = L->sig = 0;
    L->started = 0;
    L->fields.n = 0;
    while (L->pos < L->len && L->t[L->pos] != '\n') {
        char c = L->t[L->pos];
        if (c == '"') {
            unsigned qline = L->lineno;
            L->pos++;
            for (;;) {
                if (L->pos >= L->len || L->t[L->pos] == '\n')
                    return inf__err(L->inf, INF_ESYNTAX, qline,
                                    "unterminated quoted string (quotes cannot span lines)");
                c = L->t[L->pos];
                if (c == '"') {
                    if (L->pos + 1 < L->len && L->t[L->pos + 1] == '"') {
                        if (tok_add(L, '"'))
                            return INF_ENOMEM;
                        L->pos += 2;
                        continue;
                    }
                    L->pos++;
                    break;
                }
                if (tok_add(L, c))
                    return INF_ENOMEM;
                L->pos++;
            }
            L->sig = L->toklen;
            L->started = 1;
        } else if (c == ';') {
            skip_to_eol(L);
        } else if (c == '\\' && continuation(L)) {
            continue;
        } else if (c == '=' && !have_key && !comma_seen) {
            if (tok_finish(L, &key))
                return INF_ENOMEM;
            have_key = 1;
            nosplit = L->strings_sec;
            L->pos++;
        } else if (c == ',' && !nosplit) {
            if (push_field(L))
                return INF_ENOMEM;
            comma_seen = 1;
            L->pos++;
        } else if (is_blank(c)) {
            if (L->started && tok_add(L, c))
                return INF_ENOMEM;
            L->pos++;
        } else {
            if (tok_add(L, c))
                return INF_ENOMEM;
            L->sig = L->toklen;
            L->started = 1;
            L->pos++;
        }
    }
    if ((rc = push_field(L)) != INF_OK)
        return rc;
    return add_line(L, have_key ? &key : NULL, first_line);
}

int inf__lex(inf_file *inf, const char *text, size_t len)
{
    struct lexer L;
    int rc = INF_OK;

    memset(&L, 0, sizeof L);
    L.inf = inf;
    L.t = text;
    L.len = len;
    L.lineno = 1;
    inf__vec_init(&L.fields, sizeof(inf_field));

    while (rc == INF_OK && L.pos < L.len) {
        while (L.pos < L.len && is_blank(L.t[L.pos]))
            L.pos++;
        if (L.pos >= L.len)
            break;
        char c = L.t[L.pos];
        if (c == '\n') {
            L.lineno++;
            L.pos++;
        } else if (c == ';') {
            skip_to_eol(&L);
        } else if (c == '[') {
            rc = lex_section(&L);
        } else {
            rc = lex_entry(&L);
        }
    }
    free(L.tok);
    inf__vec_free(&L.fields);
    if (rc == INF_ENOMEM)
        inf__err(inf, rc, 0, "out of memory");
    return rc;
}
