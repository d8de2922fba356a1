/* render.c - human-readable renderings of value data for `ls` and `get`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int value_number(uint32_t type, const uint8_t *p, size_t n, uint64_t *out)
{
    size_t len = type == REGF_QWORD ? 8 : 4;
    if ((type != REGF_DWORD && type != REGF_DWORD_BE && type != REGF_QWORD) ||
        n != len)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)        /* most significant byte first */
        v = v << 8 | p[type == REGF_DWORD_BE ? i : len - 1 - i];
    *out = v;
    return 0;
}

const char *type_label(uint32_t type, char *buf, size_t size)
{
    const char *n = regf_type_name(type);
    if (n)
        return n;
    snprintf(buf, size, "0x%x", type);
    return buf;
}

static int is_string_type(uint32_t t)
{
    return t == REGF_SZ || t == REGF_EXPAND_SZ || t == REGF_LINK;
}

char *cli_string_value(uint32_t type, const uint8_t *p, size_t n,
                       size_t *len)
{
    size_t need;
    if (regf_string_decode(type, p, n, REGF_UTF8_REPLACE, NULL, 0, &need) !=
        REGF_OK)
        return NULL;
    char *s = malloc(need + 1);
    if (s)
        regf_string_decode(type, p, n, REGF_UTF8_REPLACE, s, need + 1, NULL);
    *len = need;
    return s;
}

/* Appends S to OUT (capacity SIZE, current length *len) with control
 * characters escaped; stops at WIDTH characters and reports truncation. */
static int append_escaped(char *out, size_t size, size_t *len, const char *s,
                          size_t n, size_t width)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *e = NULL;
        if (c == '\n') e = "\\n";
        else if (c == '\r') e = "\\r";
        else if (c == '\t') e = "\\t";
        else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            e = esc;
        }
        if ((c & 0xC0) != 0x80 && ++chars > width)
            return 1;
        if (e) {
            size_t k = strlen(e);
            if (*len + k + 1 >= size)
                return 1;
            memcpy(out + *len, e, k);
            *len += k;
        } else {
            if (*len + 2 >= size)
                return 1;
            out[(*len)++] = (char)c;
        }
    }
    return 0;
}

void render_short(uint32_t type, const uint8_t *p, size_t n, char *out,
                  size_t size, size_t width)
{
    size_t len = 0;
    out[0] = '\0';
    if (n == 0) {
        snprintf(out, size, "(empty)");
        return;
    }
    uint64_t v;
    if (value_number(type, p, n, &v) == 0) {
        if (type == REGF_QWORD)
            snprintf(out, size, "0x%016llx (%llu)", (unsigned long long)v,
                     (unsigned long long)v);
        else
            snprintf(out, size, "0x%08lx (%lu)", (unsigned long)v,
                     (unsigned long)v);
        return;
    }
    if (is_string_type(type) || type == REGF_MULTI_SZ) {
        size_t tl, off = 0;
        int first = 1, cut = 0;
        char *s = cli_string_value(type, p, n, &tl);
        while (s && !cut && (off < tl || type != REGF_MULTI_SZ)) {
            size_t k = type == REGF_MULTI_SZ ? strlen(s + off) : tl;
            if (!first && len + 3 < size) {
                memcpy(out + len, ", ", 2);
                len += 2;
            }
            if (len + 2 < size)
                out[len++] = '"';
            cut = append_escaped(out, size - 1, &len, s + off, k, width);
            if (!cut && len + 2 < size)
                out[len++] = '"';
            first = 0;
            off += k + 1;
            if (type != REGF_MULTI_SZ)
                break;
        }
        free(s);
        if (cut && len + 4 < size) {
            memcpy(out + len, "...", 3);
            len += 3;
        }
        out[len] = '\0';
        return;
    }
    /* anything else: the first 16 bytes in hex */
    for (size_t i = 0; i < n && i < 16 && len + 4 < size; i++)
        len += (size_t)snprintf(out + len, size - len, i ? " %02x" : "%02x", p[i]);
    if (n > 16 && len + 5 < size)
        snprintf(out + len, size - len, " ...");
}

static void hexdump(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        fprintf(f, "%08zx ", i);
        for (size_t j = i; j < i + 16; j++) {
            if (j < n)
                fprintf(f, " %02x", p[j]);
            else
                fputs("   ", f);
        }
        fputs("  |", f);
        for (size_t j = i; j < i + 16 && j < n; j++)
            fputc(p[j] >= 0x20 && p[j] < 0x7F ? p[j] : '.', f);
        fputs("|\n", f);
    }
}

/* The string value as lines of text: one line per string of a list. */
static void print_strings(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    size_t tl;
    char *s = cli_string_value(type, p, n, &tl);
    if (!s)
        return;
    if (type != REGF_MULTI_SZ) {
        fwrite(s, 1, tl, f);
        fputc('\n', f);
    } else {
        for (size_t off = 0; off < tl; off += strlen(s + off) + 1) {
            fputs(s + off, f);
            fputc('\n', f);
        }
    }
    free(s);
}

void render_full(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    uint64_t v;
    if (is_string_type(type) || type == REGF_MULTI_SZ) {
        print_strings(f, type, p, n);
    } else if (value_number(type, p, n, &v) == 0) {
        fprintf(f, "%llu\n", (unsigned long long)v);
    } else {
        hexdump(f, p, n);
    }
}

void escape_controls(const char *s, size_t n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    append_escaped(out, size, &len, s, n, (size_t)-1);
    out[len] = '\0';
}
