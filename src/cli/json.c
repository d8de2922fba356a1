/* json.c - JSON output helpers shared by the commands' --json modes
 * (check, info, ls, get). The shapes are documented in README.md and
 * hivekit(1). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at P (N > 0 bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; cp = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
        return 0;
    return len;
}

void json_strn(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    putc('"', f);
    while (n > 0) {
        if (*p == '"' || *p == '\\') {
            putc('\\', f);
            putc(*p, f);
            p++, n--;
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
            p++, n--;
        } else {
            size_t k = utf8_seq(p, n);
            if (k == 0) {
                fputs("\\ufffd", f);
                k = 1;
            } else {
                fwrite(p, 1, k, f);
            }
            p += k;
            n -= k;
        }
    }
    putc('"', f);
}

void json_str(FILE *f, const char *s)
{
    json_strn(f, s, strlen(s));
}

void json_bool(FILE *f, int b)
{
    fputs(b ? "true" : "false", f);
}

void json_filetime(FILE *f, uint64_t ft)
{
    char buf[64];
    int64_t secs = (int64_t)(ft / 10000000u) - 11644473600LL;
    time_t t = (time_t)secs;
    struct tm tm;
    if (ft == 0 || (int64_t)t != secs || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        fputs("null", f);
        return;
    }
    json_str(f, buf);
}

void json_hex(FILE *f, const uint8_t *p, size_t n)
{
    putc('"', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    putc('"', f);
}

/* UTF-16LE bytes at P (N) before the first NUL unit. */
static size_t str_units(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i + 1 < n && (p[i] | p[i + 1]) != 0)
        i += 2;
    return i;
}

/* N bytes of UTF-16LE as a JSON string; -1 when out of memory. */
static int json_utf16(FILE *f, const uint8_t *p, size_t n)
{
    size_t need;
    regf_utf16_to_utf8(p, n, REGF_UTF8_REPLACE, NULL, 0, &need);
    char *s = malloc(need + 1);
    if (!s)
        return -1;
    regf_utf16_to_utf8(p, n, REGF_UTF8_REPLACE, s, need + 1, NULL);
    json_strn(f, s, need);
    free(s);
    return 0;
}

int json_value_data(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    switch (type) {
    case REGF_SZ:
    case REGF_EXPAND_SZ:
    case REGF_LINK:
        return json_utf16(f, p, str_units(p, n));
    case REGF_MULTI_SZ: {
        size_t off = 0;
        putc('[', f);
        while (off + 1 < n) {
            size_t sb = str_units(p + off, n - off);
            if (sb == 0)
                break;
            if (off)
                fputs(", ", f);
            if (json_utf16(f, p + off, sb) != 0)
                return -1;
            off += sb + 2;
        }
        putc(']', f);
        return 0;
    }
    case REGF_DWORD:
        if (n == 4) {
            fprintf(f, "%lu", (unsigned long)((uint32_t)p[0] |
                    (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24));
            return 0;
        }
        break;
    case REGF_DWORD_BE:
        if (n == 4) {
            fprintf(f, "%lu", (unsigned long)((uint32_t)p[3] |
                    (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
                    (uint32_t)p[0] << 24));
            return 0;
        }
        break;
    case REGF_QWORD:
        if (n == 8) {
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--)
                v = v << 8 | p[i];
            fprintf(f, "%llu", (unsigned long long)v);
            return 0;
        }
        break;
    default:
        break;
    }
    json_hex(f, p, n);
    return 0;
}

void json_type(FILE *f, uint32_t type)
{
    const char *name = regf_type_name(type);
    fputs("\"type\": ", f);
    if (name)
        json_str(f, name);
    else
        fputs("null", f);
    fprintf(f, ", \"type_id\": %lu", (unsigned long)type);
}
