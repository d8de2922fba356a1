/* import.c - applying a .reg file to a hive (regf_import_reg).
 *
 * Two phases. The text is first decoded and parsed completely into an edit
 * list, checking all that can be checked without touching the hive: the
 * syntax, key and value name lengths, key depth, the prefix, data sizes.
 * Only when all of it is good are the edits applied, in file order, through
 * the public write API. A syntax error therefore leaves the hive untouched.
 * A failure while applying (out of memory, damage found in the hive) after
 * something changed marks the handle broken, as any half-done edit does.
 *
 * The text, as regedit writes and reads it:
 *  - Encoding: a FF FE byte order mark means UTF-16LE (converted here to
 *    generalized UTF-8: lone surrogates kept in their 3-byte form, as
 *    regf__utf16_to_utf8 does); EF BB BF or no mark means UTF-8, of the
 *    generalized kind too (our exporter writes names with lone surrogates
 *    that way). A "REGEDIT4" file that is not valid UTF-8 as a whole is
 *    read as Latin-1, one character per byte: regedit reads those files in
 *    the ANSI code page, and Latin-1 is the part of any code page we can
 *    know offline. Files with the 5.00 header must be valid UTF-8.
 *  - Lines end at CR LF, LF or a lone CR. Blank lines (spaces and tabs
 *    only) and lines starting with ';' are ignored.
 *  - The first non-blank line is "Windows Registry Editor Version 5.00" or
 *    "REGEDIT4" (trailing blanks allowed).
 *  - [KEY] creates KEY with its missing parents, [-KEY] deletes its
 *    subtree (a missing key is not an error). The name runs to the LAST ']'
 *    on the line, so names may contain ']'; only blanks may follow it. Key
 *    names have no escapes: a backslash always separates components. KEY
 *    is PREFIX itself (the hive root) or PREFIX\rest, PREFIX compared
 *    case-insensitively with Windows' upcase table. One trailing backslash
 *    is ignored; an empty component is an error. Key names may contain
 *    U+0000 (written raw): lengths are used throughout, never strlen.
 *  - "name"=DATA and @=DATA (@ or "" is the default value) set a value of
 *    the last [KEY]. Blanks are allowed around '=' and commas and before a
 *    trailing ";comment"; nowhere else.
 *  - Escapes in quoted names and strings: \\ and \" only. Windows regedit
 *    knows no others (its parser gives up on the line); Wine's drops the
 *    backslash and keeps the character. Rather than guess which was meant,
 *    any other backslash pair is a syntax error.
 *  - DATA: "string" (REG_SZ: UTF-16LE with a terminating NUL), dword:X
 *    (1-8 hex digits, REG_DWORD little-endian), hex:BYTES (REG_BINARY),
 *    hex(N):BYTES (type N, 1-8 hex digits: any 32-bit number), - (delete
 *    the value; a missing value is not an error). BYTES are 1-2 hex digits
 *    separated by commas; a backslash after the last one on a line
 *    continues the list on the next line, whose leading blanks are skipped.
 *    "hex:" alone is empty data; a trailing comma is tolerated.
 *  - In REGEDIT4 files hex(1), hex(2) and hex(7) data are single-byte ANSI
 *    strings, which regedit widens to UTF-16LE on import; so do we, each
 *    byte becoming one code unit (Latin-1 again).
 *
 * Speed: one pass over the text, output appended to one growing arena; the
 * key of a [KEY] line is resolved once for the values under it, reusing the
 * components it shares with the previous [KEY] (exports list keys in
 * preorder, so usually all but the last). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_int.h"

#define SIG5 "Windows Registry Editor Version 5.00"
#define SIG4 "REGEDIT4"

enum { E_KEY, E_DELKEY, E_SET, E_DELVAL };

struct edit {
    uint32_t op;
    uint32_t line;          /* for messages while applying */
    uint32_t type;
    size_t off, len;        /* KEY/DELKEY: path below the root, in the text;
                             * SET/DELVAL: UTF-8 name, in the arena */
    size_t doff, dlen;      /* SET: data, in the arena */
};

struct parser {
    regf_hive *h;
    const char *t;          /* the text as UTF-8 */
    size_t n;
    size_t next;            /* offset of the line after the current one */
    const char *ls, *le;    /* the current line */
    uint32_t line;          /* its number, from 1 */
    int v4;                 /* REGEDIT4 */
    const uint16_t *pre;    /* the prefix as UTF-16 units */
    size_t npre;
    const char *prefix;     /* ... and as given, for messages */
    size_t prefix_len;
    int state;              /* 0: no [KEY] yet, 1: in a key, 2: after [-KEY] */
    struct edit *e;
    size_t ne, ecap;
    uint8_t *a;             /* names and data */
    size_t alen, acap;
};

/* ---- small helpers ------------------------------------------------------- */

static inline int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_ws(const char *q, const char *e)
{
    while (q < e && is_ws(*q))
        q++;
    return q;
}

static int is_blank(const char *s, const char *e)
{
    return skip_ws(s, e) == e;
}

static inline int hexv(unsigned char c)
{
    if ((unsigned)(c - '0') < 10u)
        return c - '0';
    c |= 0x20;
    if ((unsigned)(c - 'a') < 6u)
        return c - 'a' + 10;
    return -1;
}

/* Decodes one character of the validated text at S (before E). */
static inline size_t dec1(const char *s, const char *e, uint32_t *cp)
{
    size_t k = regf__utf8_get((const unsigned char *)s, (size_t)(e - s), 0,
                              cp);
    if (k == 0) {       /* cannot happen: the text was checked */
        *cp = (unsigned char)*s;
        k = 1;
    }
    return k;
}

/* A name or path for a message: control characters as \xNN, cut short. */
static void shown(char *out, size_t cap, const char *s, size_t n)
{
    size_t k = 0, i = 0;
    for (; i < n && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20)
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
        else
            out[k++] = (char)c;
    }
    if (i < n) {
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;                 /* do not cut a character in two */
        if (k > 0 && (unsigned char)out[k - 1] >= 0xC0)
            k--;
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* ---- errors ---------------------------------------------------------------- */

static int perr(struct parser *P, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A syntax error at AT in the current line: "line L, column C: ...",
 * columns counted in characters from 1. */
static int perr(struct parser *P, const char *at, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned col = 1;
    for (const char *q = P->ls; q < at; q++)
        if (((unsigned char)*q & 0xC0) != 0x80)
            col++;
    return regf__fail(P->h, REGF_EINVAL, "line %u, column %u: %s",
                      (unsigned)P->line, col, msg);
}

static int nomem(struct parser *P)
{
    return regf__fail(P->h, REGF_ENOMEM, "import: out of memory");
}

/* ---- lines ----------------------------------------------------------------- */

/* Moves to the next line; 0 at the end of the text. */
static int next_line(struct parser *P)
{
    if (P->next >= P->n)
        return 0;
    const char *s = P->t + P->next, *end = P->t + P->n, *q = s;
    while (q < end && *q != '\n' && *q != '\r')
        q++;
    P->ls = s;
    P->le = q;
    if (q < end)
        q += (*q == '\r' && q + 1 < end && q[1] == '\n') ? 2 : 1;
    P->next = (size_t)(q - P->t);
    P->line++;
    return 1;
}

/* ---- output ---------------------------------------------------------------- */

static int reserve(struct parser *P, size_t n)
{
    if (P->acap - P->alen >= n)
        return REGF_OK;
    size_t cap = P->acap ? P->acap : 64 * 1024;
    while (cap - P->alen < n) {
        if (cap > SIZE_MAX / 2)
            return nomem(P);
        cap *= 2;
    }
    uint8_t *a = realloc(P->a, cap);
    if (!a)
        return nomem(P);
    P->a = a;
    P->acap = cap;
    return REGF_OK;
}

static int push(struct parser *P, const struct edit *e)
{
    if (P->ne == P->ecap) {
        size_t cap = P->ecap ? 2 * P->ecap : 1024;
        struct edit *v = realloc(P->e, cap * sizeof *v);
        if (!v)
            return nomem(P);
        P->e = v;
        P->ecap = cap;
    }
    P->e[P->ne++] = *e;
    return REGF_OK;
}

/* ---- [KEY] and [-KEY] -------------------------------------------------------- */

static int parse_key(struct parser *P)
{
    const char *s = P->ls + 1, *e = P->le, *rb = NULL;
    for (const char *q = e; q > s; q--)
        if (q[-1] == ']') {
            rb = q - 1;
            break;
        }
    if (!rb)
        return perr(P, e, "missing ']' at the end of the key name");
    if (!is_blank(rb + 1, e))
        return perr(P, skip_ws(rb + 1, e), "unexpected text after the key "
                    "name's ']'");
    int del = 0;
    if (s < rb && *s == '-') {
        del = 1;
        s++;
    }
    if (s == rb)
        return perr(P, s, "empty key name");

    /* PREFIX, compared unit by unit with Windows' upcase. A character
     * outside the BMP is two units, both of which must fit. */
    const char *q = s;
    size_t k = 0;
    while (k < P->npre && q < rb) {
        uint32_t cp;
        size_t l = dec1(q, P->le, &cp);
        uint16_t u[2];
        size_t nu = regf__utf16_units(cp, u);
        if (k + nu > P->npre || regf__up(u[0]) != regf__up(P->pre[k]) ||
            (nu == 2 && regf__up(u[1]) != regf__up(P->pre[k + 1])))
            break;
        k += nu;
        q += l;
    }
    if (k < P->npre || (q < rb && *q != '\\')) {
        char key[200], pre[200];
        shown(key, sizeof key, s, (size_t)(rb - s));
        shown(pre, sizeof pre, P->prefix, P->prefix_len);
        return perr(P, s, "key [%s] is not under the prefix %s; use --prefix",
                    key, pre);
    }
    const char *r = q < rb ? q + 1 : rb, *re = rb;
    if (re > r && re[-1] == '\\')
        re--;                       /* one trailing backslash is ignored */

    /* Each component: 1..255 UTF-16 units, not starting with U+0000. */
    size_t depth = 0;
    for (const char *c = r; c < re;) {
        const char *ce = c;
        size_t nu = 0;
        uint32_t first = 1;
        while (ce < re && *ce != '\\') {
            uint32_t cp;
            size_t l = dec1(ce, re, &cp);
            if (nu == 0)
                first = cp;
            nu += cp >= 0x10000 ? 2 : 1;
            ce += l;
        }
        if (ce == c)
            return perr(P, c, "empty key name (two backslashes in a row?)");
        if (nu > 255)
            return perr(P, c, "key name longer than 255 UTF-16 units");
        if (first == 0)
            return perr(P, c, "a key name cannot start with U+0000");
        if (++depth > REGF_MAX_DEPTH)
            return perr(P, c, "key nested deeper than %d levels",
                        REGF_MAX_DEPTH);
        if (ce == re)
            break;
        c = ce + 1;
    }
    if (del && depth == 0) {
        char key[200];
        shown(key, sizeof key, s, (size_t)(rb - s));
        return perr(P, P->ls, "the root key [%s] cannot be deleted", key);
    }
    struct edit ed = { del ? E_DELKEY : E_KEY, P->line, 0,
                       (size_t)(r - P->t), (size_t)(re - r), 0, 0 };
    P->state = del ? 2 : 1;
    return push(P, &ed);
}

/* ---- values ---------------------------------------------------------------- */

/* Reads the quoted string at *QP (its opening '"') into the arena: as
 * UTF-8 (a value name) or, if WIDE, as UTF-16LE. *NUNITS receives its
 * length in UTF-16 units; *QP moves past the closing quote. */
static int quoted(struct parser *P, const char **qp, int wide, size_t *nunits)
{
    const char *open = *qp, *q = open + 1, *e = P->le;
    size_t room = (size_t)(e - q);
    /* At least one byte, so the arena exists even for "" at the end of a
     * line (found by fuzz_import: null pointer + 0). */
    int rc = reserve(P, (wide ? 2 * room + 2 : room) + 1);
    if (rc != REGF_OK)
        return rc;
    uint8_t *d = P->a + P->alen;
    size_t nu = 0;
    for (;;) {
        if (q >= e)
            return perr(P, open, "unterminated string (no closing '\"' on "
                        "this line)");
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            q++;
            break;
        }
        if (c == '\\') {
            if (q + 1 >= e)
                return perr(P, open, "unterminated string (no closing '\"' "
                            "on this line)");
            if (q[1] != '\\' && q[1] != '"')
                return perr(P, q, "unknown escape: only \\\\ and \\\" may "
                            "follow a backslash in a quoted string");
            c = (unsigned char)q[1];
            q += 2;
        } else if (c >= 0x80) {
            uint32_t cp;
            size_t l = dec1(q, P->le, &cp);
            if (!wide) {
                memcpy(d, q, l);
                d += l;
                nu += cp >= 0x10000 ? 2 : 1;
            } else {
                size_t k = regf__utf16_put(cp, d);
                d += k;
                nu += k / 2;
            }
            q += l;
            continue;
        } else {
            q++;
        }
        *d++ = c;
        if (wide)
            *d++ = 0;
        nu++;
    }
    P->alen = (size_t)(d - P->a);
    *qp = q;
    *nunits = nu;
    return REGF_OK;
}

/* After a complete value: only blanks and a ";comment" may follow. */
static int value_end(struct parser *P, const char *q)
{
    q = skip_ws(q, P->le);
    if (q < P->le && *q != ';')
        return perr(P, q, "unexpected text after the value");
    return REGF_OK;
}

/* The byte list of hex: / hex(N): from Q, following continuation lines. */
static int hex_list(struct parser *P, const char *q)
{
    const char *e = P->le;
    int rc = reserve(P, (size_t)(e - q) / 2 + 2);
    if (rc != REGF_OK)
        return rc;
    for (;;) {
        q = skip_ws(q, e);
        if (q == e || *q == ';')
            return REGF_OK;
        if (*q == '\\') {
            if (!is_blank(q + 1, e))
                return perr(P, q + 1, "unexpected text after the "
                            "continuation backslash");
            if (!next_line(P))
                return REGF_OK;
            q = P->ls;
            e = P->le;
            if ((rc = reserve(P, (size_t)(e - q) / 2 + 2)) != REGF_OK)
                return rc;
            continue;
        }
        int v = hexv((unsigned char)*q);
        if (v < 0)
            return perr(P, q, "expected a hex byte (00 to ff)");
        const char *b = q++;
        int lo = q < e ? hexv((unsigned char)*q) : -1;
        if (lo >= 0) {
            v = v << 4 | lo;
            q++;
            if (q < e && hexv((unsigned char)*q) >= 0)
                return perr(P, b, "a hex byte has more than 2 digits");
        }
        P->a[P->alen++] = (uint8_t)v;
        q = skip_ws(q, e);
        if (q == e)
            return REGF_OK;
        if (*q == ',')
            q++;
        else if (*q != '\\' && *q != ';')
            return perr(P, q, "expected ',' between hex bytes");
    }
}

static int check_size(struct parser *P, size_t len)
{
    uint32_t minor = P->h->info.minor;
    if (len > 0x7FFFFFF0u || (minor < 4 && len > 1024 * 1024) ||
        (minor >= 4 && len > (size_t)0xFFFF * REGF_BIG_SEGMENT))
        return regf__fail(P->h, REGF_ELIMIT, "line %u: value data of %zu "
                          "bytes is too large for a version 1.%u hive",
                          (unsigned)P->line, len, (unsigned)minor);
    return REGF_OK;
}

static int parse_value(struct parser *P)
{
    const char *q = P->ls, *e = P->le;
    if (P->state == 0)
        return perr(P, q, "a value line before any [KEY] line");
    if (P->state == 2)
        return perr(P, q, "a value line after a [-KEY] line (the key is "
                    "deleted; start a new [KEY])");
    struct edit ed = { E_SET, P->line, 0, P->alen, 0, 0, 0 };
    int rc;
    if (*q == '@') {
        q++;
    } else {
        const char *open = q;
        size_t nu;
        if ((rc = quoted(P, &q, 0, &nu)) != REGF_OK)
            return rc;
        if (nu > 16383)
            return perr(P, open, "value name longer than 16383 UTF-16 "
                        "units");
    }
    ed.len = P->alen - ed.off;
    q = skip_ws(q, e);
    if (q == e || *q != '=')
        return perr(P, q, "expected '=' after the value name");
    q = skip_ws(q + 1, e);
    ed.doff = P->alen;
    size_t rest = (size_t)(e - q);
    if (rest > 0 && *q == '"') {
        size_t nu;
        if ((rc = quoted(P, &q, 1, &nu)) != REGF_OK ||
            (rc = reserve(P, 2)) != REGF_OK)
            return rc;
        P->a[P->alen++] = 0;
        P->a[P->alen++] = 0;
        ed.type = REGF_SZ;
        if ((rc = value_end(P, q)) != REGF_OK)
            return rc;
    } else if (rest > 0 && *q == '-') {
        ed.op = E_DELVAL;
        if ((rc = value_end(P, q + 1)) != REGF_OK)
            return rc;
    } else if (rest >= 6 && memcmp(q, "dword:", 6) == 0) {
        const char *d0 = q += 6;
        uint32_t v = 0;
        int nd = 0, x;
        while (q < e && (x = hexv((unsigned char)*q)) >= 0) {
            if (++nd > 8)
                return perr(P, d0, "dword: takes at most 8 hex digits");
            v = v << 4 | (uint32_t)x;
            q++;
        }
        if (nd == 0)
            return perr(P, d0, "dword: needs 1 to 8 hex digits");
        if ((rc = value_end(P, q)) != REGF_OK ||
            (rc = reserve(P, 4)) != REGF_OK)
            return rc;
        wr_le32(P->a + P->alen, v);
        P->alen += 4;
        ed.type = REGF_DWORD;
    } else if (rest >= 4 && memcmp(q, "hex", 3) == 0 &&
               (q[3] == ':' || q[3] == '(')) {
        ed.type = REGF_BINARY;
        if (q[3] == '(') {
            const char *d0 = q += 4;
            uint32_t v = 0;
            int nd = 0, x;
            while (q < e && (x = hexv((unsigned char)*q)) >= 0) {
                if (++nd > 8)
                    return perr(P, d0, "hex(N): the type takes at most 8 hex "
                                "digits");
                v = v << 4 | (uint32_t)x;
                q++;
            }
            if (nd == 0 || e - q < 2 || q[0] != ')' || q[1] != ':')
                return perr(P, nd == 0 ? d0 : q, "expected hex(N): with N "
                            "1 to 8 hex digits");
            ed.type = v;
            q += 2;
        } else {
            q += 4;
        }
        if ((rc = hex_list(P, q)) != REGF_OK)
            return rc;
        size_t n = P->alen - ed.doff;
        if (P->v4 && (ed.type == REGF_SZ || ed.type == REGF_EXPAND_SZ ||
                      ed.type == REGF_MULTI_SZ)) {
            /* REGEDIT4: ANSI strings, widened byte by byte. */
            if ((rc = reserve(P, n)) != REGF_OK)
                return rc;
            uint8_t *d = P->a + ed.doff;
            for (size_t i = n; i-- > 0;) {
                d[2 * i] = d[i];
                d[2 * i + 1] = 0;
            }
            P->alen += n;
        }
    } else {
        return perr(P, q, "expected a value: \"string\", dword:, hex:, "
                    "hex(N): or -");
    }
    ed.dlen = P->alen - ed.doff;
    if (ed.op == E_SET && (rc = check_size(P, ed.dlen)) != REGF_OK)
        return rc;
    return push(P, &ed);
}

/* ---- the whole text ---------------------------------------------------------- */

static int parse(struct parser *P, int from_utf16, char **owned)
{
    /* The header: the first non-blank line. */
    int found = 0;
    while (next_line(P)) {
        if (is_blank(P->ls, P->le))
            continue;
        found = 1;
        break;
    }
    const char *he = found ? P->le : P->ls;
    while (he > P->ls && is_ws(he[-1]))
        he--;
    size_t hl = (size_t)(he - P->ls);
    if (found && hl == sizeof SIG5 - 1 && memcmp(P->ls, SIG5, hl) == 0) {
        P->v4 = 0;
    } else if (found && hl == sizeof SIG4 - 1 &&
               memcmp(P->ls, SIG4, hl) == 0) {
        P->v4 = 1;
    } else {
        if (!found) {
            P->line = 1;
            P->ls = P->le = P->t;
        }
        int nul = P->n >= 2 && P->t[1] == '\0';
        return perr(P, P->ls, "not a .reg file: the first line must be \""
                    SIG5 "\" or \"" SIG4 "\"%s", nul ? " (UTF-16 text needs "
                    "the FF FE byte order mark)" : "");
    }

    /* The encoding, now that the header says which rules apply. */
    if (!from_utf16) {
        size_t bad = regf_utf8_check(P->t, P->n, 0);
        if (bad < P->n) {
            if (!P->v4) {
                /* The line holding it, for the message. */
                P->next = 0;
                P->line = 0;
                while (next_line(P) && (size_t)(P->le - P->t) < bad)
                    ;
                return perr(P, P->t + bad, "invalid UTF-8 (only REGEDIT4 "
                            "files may be in an ANSI code page)");
            }
            /* REGEDIT4 in an ANSI code page: read as Latin-1. */
            char *l1 = malloc(2 * P->n + 1);
            if (!l1)
                return nomem(P);
            char *d = l1;
            for (size_t i = 0; i < P->n; i++)
                d += regf__utf8_put((unsigned char)P->t[i],
                                    (unsigned char *)d);
            /* The header is ASCII: the next line starts at the same
             * offset in the converted text. */
            free(*owned);
            *owned = l1;
            P->t = l1;
            P->n = (size_t)(d - l1);
        }
    }

    for (;;) {
        if (!next_line(P))
            return REGF_OK;
        const char *s = P->ls;
        if (s == P->le)
            continue;
        int rc;
        switch (*s) {
        case ';':
            continue;
        case '[':
            rc = parse_key(P);
            break;
        case '"':
        case '@':
            rc = parse_value(P);
            break;
        default:
            if (is_blank(s, P->le))
                continue;
            return perr(P, skip_ws(s, P->le), "expected [KEY], [-KEY], \"name\"=value, "
                        "@=value or a ; comment");
        }
        if (rc != REGF_OK)
            return rc;
    }
}

/* ---- applying ---------------------------------------------------------------- */

struct level {
    const char *p;          /* component text */
    size_t len;
    regf_key key;
};

/* Replaces the message of a failed API call by "line L: <message>". */
static int apply_fail(regf_hive *h, int rc, const struct edit *e, int changed)
{
    if (changed)
        regf__edit_fail(h, rc);
    char inner[sizeof h->err];
    memcpy(inner, h->err, sizeof inner);
    const char *m = inner, *nm = h->name ? h->name : "(hive)";
    size_t nl = strlen(nm);
    if (strncmp(m, nm, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ')
        m += nl + 2;
    return regf__fail(h, rc, "import: line %u: %s%s", (unsigned)e->line, m,
                      changed && h->broken ? " (the import stopped part way; "
                      "this hive will not be written)" : "");
}

static int apply(struct parser *P)
{
    regf_hive *h = P->h;
    regf_key root, cur = 0;
    int rc = regf_root(h, &root);
    if (rc != REGF_OK)
        return rc;
    struct level *st = malloc(REGF_MAX_DEPTH * sizeof *st);
    if (!st)
        return nomem(P);
    size_t depth = 0;               /* levels of st that are valid */
    int changed = 0;
    for (size_t i = 0; i < P->ne; i++) {
        const struct edit *e = &P->e[i];
        if (e->op == E_KEY || e->op == E_DELKEY) {
            const char *p = P->t + e->off, *end = p + e->len;
            regf_key k = root;
            size_t lv = 0;
            int hit = 1;    /* all levels so far came from the cache */
            while (p < end) {
                const char *ce = memchr(p, '\\', (size_t)(end - p));
                if (!ce)
                    ce = end;
                size_t cl = (size_t)(ce - p);
                if (hit && lv < depth && st[lv].len == cl &&
                    memcmp(st[lv].p, p, cl) == 0) {
                    k = st[lv].key;      /* same path so far: same key */
                    lv++;
                    p = ce < end ? ce + 1 : end;
                    continue;
                }
                hit = 0;
                if (e->op == E_KEY) {
                    rc = regf_key_create(h, k, p, cl, &k);
                    if (rc == REGF_OK)
                        changed = 1;
                    else if (rc != REGF_EEXIST)
                        goto fail;
                    st[lv] = (struct level){ p, cl, k };
                    depth = lv + 1;
                } else {
                    rc = regf_key_child(h, k, p, cl, &k);
                    if (rc == REGF_NOTFOUND)
                        break;
                    if (rc != REGF_OK)
                        goto fail;
                }
                lv++;
                p = ce < end ? ce + 1 : end;
            }
            if (e->op == E_KEY) {
                cur = k;
                continue;
            }
            if (p < end)
                continue;                /* not there: nothing to delete */
            if ((rc = regf_key_delete(h, k)) != REGF_OK)
                goto fail;
            changed = 1;
            depth = 0;                   /* cached keys may be gone */
        } else if (e->op == E_SET) {
            rc = regf_value_set(h, cur, (const char *)P->a + e->off, e->len,
                                e->type, P->a + e->doff, e->dlen);
            if (rc != REGF_OK)
                goto fail;
            changed = 1;
        } else {
            rc = regf_value_delete(h, cur, (const char *)P->a + e->off,
                                   e->len);
            if (rc == REGF_OK)
                changed = 1;
            else if (rc != REGF_NOTFOUND)
                goto fail;
        }
        continue;
fail:
        rc = apply_fail(h, rc, e, changed);
        free(st);
        return rc;
    }
    free(st);
    return REGF_OK;
}

/* ---- entry point --------------------------------------------------------------- */

int regf_import_reg(regf_hive *h, const void *buf, size_t len,
                    const char *prefix)
{
    if (!h)
        return REGF_EINVAL;
    int rc = regf__edit_check(h);
    if (rc != REGF_OK)
        return rc;
    if (!buf && len)
        return regf__fail(h, REGF_EINVAL, "import: no text");
    size_t plen = prefix ? strlen(prefix) : 0;
    while (plen > 0 && prefix[plen - 1] == '\\')
        plen--;
    if (plen == 0)
        return regf__fail(h, REGF_EINVAL, "import: the prefix must be a "
                          "non-empty key path (it stands for the hive root)");

    struct parser P;
    memset(&P, 0, sizeof P);
    P.h = h;
    P.prefix = prefix;
    P.prefix_len = plen;
    uint16_t *pre = malloc((plen + 1) * sizeof *pre);
    char *owned = NULL;
    if (!pre) {
        rc = nomem(&P);
        goto out;
    }
    long npre = regf__utf8_to_units(prefix, plen, pre, plen + 1);
    if (npre < 0) {
        rc = regf__fail(h, REGF_EINVAL, "import: the prefix is not valid "
                        "UTF-8");
        goto out;
    }
    P.pre = pre;
    P.npre = (size_t)npre;

    const uint8_t *b = buf ? buf : (const uint8_t *)"";
    int from_utf16 = 0;
    if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        size_t units = (len - 2) / 2;       /* an odd last byte is ignored */
        owned = malloc(3 * units + 1);
        if (!owned) {
            rc = nomem(&P);
            goto out;
        }
        P.t = owned;
        P.n = regf__utf16_to_utf8(b + 2, units, owned);
        from_utf16 = 1;
    } else if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        P.t = (const char *)b;
        P.n = len;
        P.line = 1;
        P.ls = P.le = P.t;
        rc = perr(&P, P.t, "UTF-16BE text is not supported (regedit writes "
                  "UTF-16LE)");
        goto out;
    } else if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        P.t = (const char *)b + 3;
        P.n = len - 3;
    } else {
        P.t = (const char *)b;
        P.n = len;
    }
    P.ls = P.le = P.t;

    rc = parse(&P, from_utf16, &owned);
    if (rc == REGF_OK)
        rc = apply(&P);
out:
    free(pre);
    free(owned);
    free(P.e);
    free(P.a);
    return rc;
}
