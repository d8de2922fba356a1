/* guest.c - what an offline Windows guest's hives say about it: its
 * processor architecture (SYSTEM) and its Windows version (SOFTWARE).
 * Integers are read with regf_value_dword and strings with
 * regf_value_string, so the host's byte order never matters. */
#include <stdio.h>
#include <string.h>

#include "inject.h"

/* Looks up value NAME of KEY as text into BUF (SIZE bytes, truncated like
 * snprintf); REGF_OK, or REGF_NOTFOUND / REGF_ETYPE / another status when
 * it is not there as a string. */
static int string_value(regf_hive *h, regf_key key, const char *name,
                        char *buf, size_t size)
{
    regf_val v;
    int rc = regf_value_lookup(h, key, name, &v);
    if (rc == REGF_OK)
        rc = regf_value_string(h, v, 0, buf, size, NULL);
    return rc;
}

/* Value NAME of KEY as a REG_DWORD; REGF_OK or why not. */
static int dword_value(regf_hive *h, regf_key key, const char *name,
                       uint32_t *out)
{
    regf_val v;
    int rc = regf_value_lookup(h, key, name, &v);
    if (rc == REGF_OK)
        rc = regf_value_dword(h, v, out);
    return rc;
}

int inj_guest_arch(regf_hive *system, const char *controlset,
                   struct inj_guest *g)
{
    char key[128];
    regf_key k;
    g->processor_architecture[0] = '\0';
    snprintf(key, sizeof key, "%s\\Control\\Session Manager\\Environment",
             controlset ? controlset : "CurrentControlSet");
    int rc = regf_key_lookup(system, 0, key, &k);
    if (rc == REGF_OK)
        rc = string_value(system, k, "PROCESSOR_ARCHITECTURE",
                          g->processor_architecture,
                          sizeof g->processor_architecture);
    if (rc != REGF_OK)
        g->processor_architecture[0] = '\0';
    return rc == REGF_ETYPE ? REGF_NOTFOUND : rc;
}

const char *inj_guest_arch_name(const struct inj_guest *g)
{
    const char *s = g->processor_architecture;
    if ((s[0] == 'x' || s[0] == 'X') && s[1] == '8' && s[2] == '6')
        return "x86";
    if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'R' || s[1] == 'r'))
        return "arm64";
    return "amd64";
}

int inj_guest_windows(regf_hive *software, struct inj_guest *g)
{
    regf_key k;
    uint32_t n;
    char text[64];
    g->major = g->minor = g->build = 0;
    int rc = regf_key_lookup(software, 0,
                             "Microsoft\\Windows NT\\CurrentVersion", &k);
    if (rc != REGF_OK)
        return rc;
    if (dword_value(software, k, "CurrentMajorVersionNumber", &n) ==
        REGF_OK) {
        /* Windows 10 and later; CurrentVersion stays "6.3" there. */
        g->major = n;
        if (dword_value(software, k, "CurrentMinorVersionNumber", &n) ==
            REGF_OK)
            g->minor = n;
    } else if (string_value(software, k, "CurrentVersion", text,
                            sizeof text) == REGF_OK) {
        unsigned maj = 0, min = 0;
        if (sscanf(text, "%u.%u", &maj, &min) >= 1) {
            g->major = maj;
            g->minor = min;
        }
    }
    if (string_value(software, k, "CurrentBuildNumber", text,
                     sizeof text) == REGF_OK) {
        unsigned b = 0;
        for (const char *p = text; *p >= '0' && *p <= '9' && b < 100000000u;
             p++)
            b = b * 10 + (unsigned)(*p - '0');
        g->build = b;
    }
    return g->major ? REGF_OK : REGF_NOTFOUND;
}
