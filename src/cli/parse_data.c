/* parse_data.c - the text of the command line turned into data: numbers,
 * hex bytes, string values (UTF-8 to their stored bytes), ISO 8601 times,
 * the options every editing command shares (--backup, --time and
 * HIVEKIT_TIME, -v, --recover, --force), and the default .reg prefix that
 * export and import derive from a hive's file name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* ---- the default .reg prefix ------------------------------------------------ */

char *cli_default_prefix(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *p = malloc(len + 20);
    if (p)
        sprintf(p, "HKEY_LOCAL_MACHINE\\%.*s", (int)len, base);
    return p;
}

/* ---- growable byte buffer ------------------------------------------------ */

/* Room for N more bytes. */
static int buf_reserve(struct bytebuf *b, size_t n)
{
    if (n > SIZE_MAX - b->len)
        return -1;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    return 0;
}

int buf_put(struct bytebuf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n))
        return -1;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* ---- conversions of command-line text ------------------------------------ */

int buf_put_string(struct bytebuf *b, uint32_t type, const char *s,
                   size_t len)
{
    size_t need;
    if (regf_string_encode(type, s, len, 0, NULL, 0, &need) != REGF_OK)
        return -1;
    if (buf_reserve(b, need))
        return -2;
    regf_string_encode(type, s, len, 0, b->p + b->len, need, NULL);
    b->len += need;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int parse_hex_bytes(char **args, int n, struct bytebuf *out, char *err,
                    size_t errsize)
{
    for (int a = 0; a < n; a++) {
        const char *p = args[a];
        while (*p) {
            if (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',') {
                p++;
                continue;
            }
            const char *t = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ',')
                p++;
            size_t len = (size_t)(p - t);
            if (len % 2) {
                snprintf(err, errsize, "'%.*s' is not a sequence of hex "
                         "bytes (two digits each)", (int)len, t);
                return -1;
            }
            for (size_t i = 0; i < len; i += 2) {
                int hi = hexval(t[i]), lo = hexval(t[i + 1]);
                if (hi < 0 || lo < 0) {
                    snprintf(err, errsize, "'%.*s' is not a sequence of hex "
                             "bytes", (int)len, t);
                    return -1;
                }
                uint8_t byte = (uint8_t)(hi << 4 | lo);
                if (buf_put(out, &byte, 1)) {
                    snprintf(err, errsize, "out of memory");
                    return -2;
                }
            }
        }
    }
    return 0;
}

int parse_number(const char *s, uint64_t max, uint64_t neg_max,
                 uint64_t *out)
{
    int neg = 0, base = 10;
    uint64_t v = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (!neg && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        int d = base == 16 ? hexval(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
        if (d < 0)
            return -1;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -2;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (neg) {
        if (v > neg_max)
            return -2;
        *out = 0 - v;           /* two's complement */
        if (max != UINT64_MAX)
            *out &= max;
        return 0;
    }
    if (v > max)
        return -2;
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly N digits at *P. */
static int digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (unsigned)(c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int parse_time(const char *s, uint64_t *out)
{
    if (strcasecmp(s, "now") == 0) {
        *out = 0;
        return 0;
    }
    if (!strchr(s, '-') || s[0] == '-') {
        /* A FILETIME number: 100 ns units since 1601-01-01 UTC. */
        uint64_t v;
        if (parse_number(s, INT64_MAX, 0, &v) != 0 || v == 0)
            return -1;
        *out = v;
        return 0;
    }
    const char *p = s;
    unsigned y, mo, d, hh = 0, mi = 0, ss = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
        *p++ != '-' || digits(&p, 2, &d))
        return -1;
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                      30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap))
        return -1;
    uint64_t frac = 0;      /* in 100 ns */
    int64_t offset = 0;     /* seconds east of UTC */
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
        if (digits(&p, 2, &hh) || *p++ != ':' || digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &ss))
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                int nd = 0;
                uint64_t scale = 1000000;
                if (*p < '0' || *p > '9')
                    return -1;
                for (; *p >= '0' && *p <= '9'; p++, nd++) {
                    if (nd < 7) {
                        frac += (uint64_t)(*p - '0') * scale;
                        scale /= 10;
                    }
                }
            }
        }
        if (hh > 23 || mi > 59 || ss > 59)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            unsigned oh, om = 0;
            if (digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (*p && digits(&p, 2, &om))
                return -1;
            if (oh > 23 || om > 59)
                return -1;
            offset = sign * (int64_t)(oh * 3600 + om * 60);
        } else {
            return -2;      /* a time of day without a zone */
        }
        if (*p)
            return -1;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 +
                   ss - offset + 11644473600LL;
    if (secs < 0 || (secs == 0 && frac == 0))
        return -1;
    *out = (uint64_t)secs * 10000000u + frac;
    return 0;
}

/* ---- common options of the editing commands ------------------------------- */

void write_options_get(const struct cli_args *a, struct write_options *o)
{
    o->time = cli_arg(a, OPT_TIME);
    o->backup = cli_has(a, OPT_BACKUP);
    o->replace = cli_has(a, OPT_REPLACE);
    o->verbose = cli_has(a, OPT_VERBOSE);
    o->recover = cli_has(a, OPT_RECOVER);
    o->force = cli_has(a, OPT_FORCE);
    o->read_only = 0;
}

int write_options_time(const char *cmd, const struct write_options *o,
                       uint64_t *ft)
{
    const char *s = o->time, *from = "--time";
    if (!s) {
        s = getenv("HIVEKIT_TIME");
        from = "HIVEKIT_TIME";
        if (!s || !*s) {
            *ft = 0;
            return 0;
        }
    }
    int rc = parse_time(s, ft);
    if (rc == -2)
        return cli_usage_error(cmd, "%s '%s': a time of day needs a zone "
                               "(Z for UTC, or +HH:MM)", from, s);
    if (rc != 0)
        return cli_usage_error(cmd, "%s '%s' is not a time: give a FILETIME "
                               "(a positive number of 100 ns units since "
                               "1601), an ISO 8601 UTC time such as "
                               "2024-01-02T03:04:05Z, or 'now'", from, s);
    return 0;
}
