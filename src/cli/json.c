/* json.c - JSON output helpers shared by the commands' --json modes
 * (check, info, ls, get, inject --dry-run). The shapes are documented in README.md and
 * hivekit(1). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* The inside of a JSON string for N bytes of UTF-8 S. */
static void json_chars(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        if (*p == '"' || *p == '\\') {
            putc('\\', f);
            putc(*p, f);
            p++, n--;
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
            p++, n--;
        } else {
            size_t k = regf_utf8_decode((const char *)p, n,
                                        REGF_UTF8_STRICT, NULL);
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
}

void json_strn(FILE *f, const char *s, size_t n)
{
    putc('"', f);
    json_chars(f, s, n);
    putc('"', f);
}

void json_key_path(FILE *f, const char *path)
{
    fputs("\"\\\\", f);
    json_chars(f, path, strlen(path));
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

/* A string value as a JSON string, or a list's strings as an array; -1
 * when out of memory. */
static int json_strings(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    size_t tl;
    char *s = cli_string_value(type, p, n, &tl);
    if (!s)
        return -1;
    if (type != REGF_MULTI_SZ) {
        json_strn(f, s, tl);
    } else {
        putc('[', f);
        for (size_t off = 0; off < tl; off += strlen(s + off) + 1) {
            if (off)
                fputs(", ", f);
            json_str(f, s + off);
        }
        putc(']', f);
    }
    free(s);
    return 0;
}

int json_value_data(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    uint64_t v;
    if (value_number(type, p, n, &v) == 0) {
        fprintf(f, "%llu", (unsigned long long)v);
        return 0;
    }
    if (type == REGF_SZ || type == REGF_EXPAND_SZ || type == REGF_LINK ||
        type == REGF_MULTI_SZ)
        return json_strings(f, type, p, n);
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
