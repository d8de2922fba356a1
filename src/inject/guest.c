/* guest.c - what an offline Windows guest's hives say about it: its
 * processor architecture, client or server, and its Windows version, from
 * SYSTEM alone (docs/injection.md §2) or refined by SOFTWARE.
 * Integers are read with regf_value_dword and strings with
 * regf_value_string, so the host's byte order never matters. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* ---- the version from SYSTEM alone ---- */

/* The leading decimal number of S (0 if none), capped. */
static unsigned leading_number(const char *s)
{
    unsigned n = 0;
    for (; *s >= '0' && *s <= '9' && n < 100000000u; s++)
        n = n * 10 + (unsigned)(*s - '0');
    return n;
}

/* The DriverVersions of the Microsoft class drivers, by version. */
struct class_tally {
    struct { unsigned major, minor, build, count; } v[64];
    size_t n;
};

static void tally_add(struct class_tally *t, unsigned major, unsigned minor,
                      unsigned build)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].major == major && t->v[i].minor == minor &&
            t->v[i].build == build) {
            t->v[i].count++;
            return;
        }
    if (t->n < sizeof t->v / sizeof t->v[0]) {
        t->v[t->n].major = major;
        t->v[t->n].minor = minor;
        t->v[t->n].build = build;
        t->v[t->n++].count = 1;
    }
}

/* Counts the DriverVersion "a.b.c.d" of every driver key below CLASS
 * (Control\Class) whose ProviderName is Microsoft and whose a is a
 * Windows major version (5, 6 or 10): in-box drivers carry the version of
 * the Windows they came with. Third-party and updated drivers (Hyper-V
 * integration components of a newer Windows, say) are few against them. */
static void tally_class_drivers(regf_hive *h, regf_key cls,
                                struct class_tally *t)
{
    regf_iter it, it2;
    regf_key guid, inst;
    int rc = regf_subkey_first(h, cls, &it, &guid);
    for (; rc == REGF_OK; rc = regf_subkey_next(h, &it, &guid)) {
        int rc2 = regf_subkey_first(h, guid, &it2, &inst);
        for (; rc2 == REGF_OK; rc2 = regf_subkey_next(h, &it2, &inst)) {
            char prov[32], ver[64];
            unsigned a, b, c;
            if (string_value(h, inst, "ProviderName", prov, sizeof prov) !=
                    REGF_OK || strcasecmp(prov, "Microsoft") != 0 ||
                string_value(h, inst, "DriverVersion", ver, sizeof ver) !=
                    REGF_OK || sscanf(ver, "%u.%u.%u", &a, &b, &c) != 3)
                continue;
            if ((a == 5 && b <= 2) || (a == 6 && b <= 3) || (a == 10 && b == 0))
                tally_add(t, a, b, c);
        }
    }
}

/* The major.minor most class drivers have, and the build most of those
 * have; 0 when there is none. */
static unsigned tally_best(const struct class_tally *t, unsigned *major,
                           unsigned *minor, unsigned *build)
{
    unsigned best = 0, total = 0;
    *major = *minor = *build = 0;
    for (size_t i = 0; i < t->n; i++) {
        unsigned sum = 0;
        for (size_t j = 0; j < t->n; j++)
            if (t->v[j].major == t->v[i].major &&
                t->v[j].minor == t->v[i].minor)
                sum += t->v[j].count;
        if (sum > total || (sum == total && t->v[i].count > best)) {
            total = sum;
            best = t->v[i].count;
            *major = t->v[i].major;
            *minor = t->v[i].minor;
            *build = t->v[i].build;
        } else if (sum == total && t->v[i].major == *major &&
                   t->v[i].minor == *minor && t->v[i].count > best) {
            best = t->v[i].count;
            *build = t->v[i].build;
        }
    }
    return total;
}

int inj_guest_system(regf_hive *system, const char *controlset,
                     struct inj_guest *g)
{
    const char *cs = controlset ? controlset : "CurrentControlSet";
    char key[128], text[128];
    regf_key k;
    uint32_t n;
    memset(g, 0, sizeof *g);
    g->server = -1;
    int rc = inj_guest_arch(system, controlset, g);
    if (rc != REGF_OK && rc != REGF_NOTFOUND)
        return rc;

    snprintf(key, sizeof key, "%s\\Control\\ProductOptions", cs);
    if (regf_key_lookup(system, 0, key, &k) == REGF_OK &&
        string_value(system, k, "ProductType", g->product_type,
                     sizeof g->product_type) == REGF_OK) {
        if (strcasecmp(g->product_type, "WinNT") == 0)
            g->server = 0;
        else if (strcasecmp(g->product_type, "ServerNT") == 0 ||
                 strcasecmp(g->product_type, "LanmanNT") == 0)
            g->server = 1;
    } else {
        g->product_type[0] = '\0';
    }

    /* Windows 8 and later: DriverDatabase, its Version 0xMMmm0000. */
    int ddb = regf_key_lookup(system, 0, "DriverDatabase", &k) == REGF_OK;
    unsigned dmaj = 0, dmin = 0;
    if (ddb && dword_value(system, k, "Version", &n) == REGF_OK &&
        (n >> 24) >= 6) {
        dmaj = n >> 24;
        dmin = (n >> 16) & 0xFF;
    }
    /* 1709 and later: the build of the installed feature update. */
    unsigned lab = 0;
    const char *lab_name = "BuildLab";
    if (regf_key_lookup(system, 0, "Software\\Microsoft", &k) == REGF_OK) {
        if (string_value(system, k, "BuildLab", text, sizeof text) == REGF_OK)
            lab = leading_number(text);
        if (!lab && string_value(system, k, "BuildLabEx", text,
                                 sizeof text) == REGF_OK) {
            lab = leading_number(text);
            lab_name = "BuildLabEx";
        }
    }
    /* Older releases (and the build before 1709): the class drivers. */
    struct class_tally t = { .n = 0 };
    unsigned tmaj = 0, tmin = 0, tbuild = 0, tcount = 0;
    snprintf(key, sizeof key, "%s\\Control\\Class", cs);
    if (regf_key_lookup(system, 0, key, &k) == REGF_OK) {
        tally_class_drivers(system, k, &t);
        tcount = tally_best(&t, &tmaj, &tmin, &tbuild);
    }

    if (dmaj) {
        g->major = dmaj;
        g->minor = dmin;
        if (lab) {
            g->build = lab;
            snprintf(g->version_from, sizeof g->version_from,
                     "DriverDatabase\\Version, %s", lab_name);
        } else if (tcount && tmaj == dmaj && tmin == dmin) {
            g->build = tbuild;
            snprintf(g->version_from, sizeof g->version_from,
                     "DriverDatabase\\Version, class driver versions");
        } else {
            snprintf(g->version_from, sizeof g->version_from,
                     "DriverDatabase\\Version");
        }
    } else if (lab >= 10240) {
        g->major = 10;
        g->build = lab;
        snprintf(g->version_from, sizeof g->version_from, "%s", lab_name);
    } else if (tcount && (!ddb || tmaj > 6 || (tmaj == 6 && tmin >= 2))) {
        g->major = tmaj;
        g->minor = tmin;
        g->build = tbuild;
        snprintf(g->version_from, sizeof g->version_from,
                 "class driver versions");
    } else if (ddb) {
        g->major = 6;                   /* at least Windows 8 */
        g->minor = 2;
        snprintf(g->version_from, sizeof g->version_from,
                 "DriverDatabase (Windows 8 or later)");
    }
    return g->major ? REGF_OK : REGF_NOTFOUND;
}

int inj_guest_software(regf_hive *software, struct inj_guest *g)
{
    regf_key k;
    uint32_t n;
    char text[96];
    unsigned major = 0, minor = 0, build = 0;
    int rc = regf_key_lookup(software, 0,
                             "Microsoft\\Windows NT\\CurrentVersion", &k);
    if (rc != REGF_OK)
        return rc;
    if (dword_value(software, k, "CurrentMajorVersionNumber", &n) ==
        REGF_OK) {
        major = n;
        if (dword_value(software, k, "CurrentMinorVersionNumber", &n) ==
            REGF_OK)
            minor = n;
    } else if (string_value(software, k, "CurrentVersion", text,
                            sizeof text) == REGF_OK &&
               sscanf(text, "%u.%u", &major, &minor) < 1) {
        major = minor = 0;
    }
    if (string_value(software, k, "CurrentBuildNumber", text,
                     sizeof text) == REGF_OK)
        build = leading_number(text);
    if (!build && string_value(software, k, "CurrentBuild", text,
                               sizeof text) == REGF_OK)
        build = leading_number(text);
    if (string_value(software, k, "InstallationType", g->installation_type,
                     sizeof g->installation_type) == REGF_OK)
        g->server = strcasecmp(g->installation_type, "Client") != 0;
    else
        g->installation_type[0] = '\0';
    if (string_value(software, k, "ProductName", g->product_name,
                     sizeof g->product_name) != REGF_OK)
        g->product_name[0] = '\0';
    if (!major)
        return REGF_NOTFOUND;
    g->major = major;
    g->minor = minor;
    if (build)
        g->build = build;
    snprintf(g->version_from, sizeof g->version_from, "SOFTWARE");
    return REGF_OK;
}

const char *inj_guest_name(const struct inj_guest *g, char *buf, size_t n)
{
    const char *s = NULL;
    int srv = g->server == 1;
    unsigned v = g->major * 100 + g->minor, b = g->build;
    switch (v) {
    case 500: s = srv ? "Windows 2000 Server" : "Windows 2000"; break;
    case 501: s = "Windows XP"; break;
    case 502: s = srv ? "Windows Server 2003" : "Windows XP x64"; break;
    case 600: s = srv ? "Windows Server 2008" : "Windows Vista"; break;
    case 601: s = srv ? "Windows Server 2008 R2" : "Windows 7"; break;
    case 602: s = srv ? "Windows Server 2012" : "Windows 8"; break;
    case 603: s = srv ? "Windows Server 2012 R2" : "Windows 8.1"; break;
    case 1000:
        if (!srv)
            s = !b ? "Windows 10 or 11" : b >= 22000 ? "Windows 11" :
                "Windows 10";
        else
            s = !b ? "Windows Server 2016 or later" :
                b >= 26100 ? "Windows Server 2025" :
                b >= 20348 ? "Windows Server 2022" :
                b >= 17763 ? "Windows Server 2019" : "Windows Server 2016";
        break;
    }
    if (s)
        snprintf(buf, n, "%s", s);
    else if (g->major)
        snprintf(buf, n, "Windows NT %u.%u", g->major, g->minor);
    else
        snprintf(buf, n, "an unknown Windows");
    return buf;
}
