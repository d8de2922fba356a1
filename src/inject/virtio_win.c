/* virtio_win.c - the driver of a virtio-win tree that fits a guest
 * (virtio_win.h; docs/injection.md §2.1).
 *
 * Sources for the names and layouts: ../shared/docs/boot-readiness.md §4
 * (virtio-win-pkg-scripts' DRIVER_OS_MAP and archive script, the real ISO
 * and RPM listings of the corpus). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "file_read.h"
#include "inf.h"
#include "virtio_win.h"

/* ---- architectures -------------------------------------------------------- */

const char *inj_arch_norm(const char *s)
{
    static const struct { const char *spelling, *name; } t[] = {
        { "amd64", "amd64" }, { "x64", "amd64" }, { "x86_64", "amd64" },
        { "x86", "x86" }, { "i386", "x86" }, { "i686", "x86" },
        { "arm64", "arm64" }, { "aarch64", "arm64" },
    };
    for (size_t i = 0; s && i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(s, t[i].spelling) == 0)
            return t[i].name;
    return NULL;
}

/* ---- the OS folders --------------------------------------------------------- */

/* A virtio-win OS folder: its names in each layout and the Windows it is
 * built for. */
struct vw_os {
    const char *folder;          /* ISO and RPM: w10, 2k19, ... */
    const char *legacy;          /* RPM drivers/<arch>/<name> (to 2025) */
    const char *old;             /* pre-2015 ISOs: WIN7/AMD64, ... */
    unsigned major, minor;
    int server;
};

static const struct vw_os oses[] = {
    { "xp", "WinXP", "WXP", 5, 1, 0 },
    { "2k3", "Win2003", "WNET", 5, 2, 1 },
    { "2k8", "Win2008", "WLH", 6, 0, 1 },
    { "w7", "Win7", "WIN7", 6, 1, 0 },
    { "2k8R2", "Win2008R2", "WIN7", 6, 1, 1 },
    { "w8", "Win8", "WIN8", 6, 2, 0 },
    { "2k12", "Win2012", "WIN8", 6, 2, 1 },
    { "w8.1", "Win8.1", NULL, 6, 3, 0 },
    { "2k12R2", "Win2012R2", NULL, 6, 3, 1 },
    { "w10", "Win10", NULL, 10, 0, 0 },
    { "2k16", "Win2016", NULL, 10, 0, 1 },
    { "2k19", "Win2019", NULL, 10, 0, 1 },
    { "2k22", "Win2022", NULL, 10, 0, 1 },
    { "w11", "Win11", NULL, 10, 0, 0 },
    { "2k25", "Win2025", NULL, 10, 0, 1 },
};

static const struct vw_os *os_by_folder(const char *folder)
{
    for (size_t i = 0; i < sizeof oses / sizeof oses[0]; i++)
        if (strcasecmp(oses[i].folder, folder) == 0)
            return &oses[i];
    return NULL;
}

/* The folders built from one source build (DRIVER_OS_MAP: Win10 gives w10,
 * 2k16, 2k19 and 2k22; Win11 w11 and 2k25; Win8.1 w8.1 and 2k12R2; ...),
 * each list starting with a guest's own folder and going on with what it
 * may fall back to: the same binaries, built for a Windows of the same
 * build, only the catalog's OS list differs. */
static const char *const same_build[][5] = {
    { "2k25", "w11" }, { "w11" },
    { "2k22", "2k19", "2k16", "w10" }, { "2k19", "2k16", "w10" },
    { "2k16", "w10" }, { "w10" },
    { "2k12R2", "w8.1" }, { "w8.1" }, { "2k12", "w8" }, { "w8" },
    { "2k8R2", "w7" }, { "w7" }, { "2k8" }, { "2k3" },
    { "xp", "2k3" },            /* XP x64 is built as Server 2003 */
    { "xp" },
};

/* Newest first: what FORCE may take after a guest's own build family. */
static const char *const older_client[] = {
    "w11", "w10", "w8.1", "w8", "w7", "2k8", "xp", NULL
};
static const char *const older_server[] = {
    "2k25", "w11", "2k22", "2k19", "2k16", "w10", "2k12R2", "w8.1", "2k12",
    "w8", "2k8R2", "w7", "2k8", "2k3", NULL
};

const char *inj_vw_folder(const struct inj_guest *g)
{
    int srv = g->server == 1;
    unsigned b = g->build;
    switch (g->major * 100 + g->minor) {
    case 501: return "xp";
    case 502: return srv ? "2k3" : "xp";
    case 600: return "2k8";             /* Vista too */
    case 601: return srv ? "2k8R2" : "w7";
    case 602: return srv ? "2k12" : "w8";
    case 603: return srv ? "2k12R2" : "w8.1";
    case 1000:
        if (!srv)
            return b >= 22000 ? "w11" : "w10";
        return b >= 26100 ? "2k25" : b >= 20348 ? "2k22" :
               b >= 17763 ? "2k19" : "2k16";
    default:
        return NULL;
    }
}

/* The list of folders to try for G, own build family first (*NOWN of
 * them), then the older ones; NULL-terminated in OUT (at most N). */
static size_t search_list(const struct inj_guest *g, const char **out,
                          size_t n, size_t *nown)
{
    const char *own = inj_vw_folder(g);
    size_t k = 0;
    *nown = 0;
    if (!own)
        return 0;
    size_t row = 0;
    const size_t rows = sizeof same_build / sizeof same_build[0];
    for (; row < rows; row++)
        if (strcmp(same_build[row][0], own) == 0 &&
            !(g->major == 5 && g->minor == 1 && same_build[row][1]))
            break;
    for (size_t i = 0; row < rows && i < 5 && same_build[row][i] && k < n;
         i++)
        out[k++] = same_build[row][i];
    *nown = k;
    const char *const *older = g->server == 1 ? older_server : older_client;
    size_t i = 0;
    while (older[i] && strcmp(older[i], own) != 0)
        i++;
    for (i = older[i] ? i + 1 : i; older[i] && k < n; i++) {
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            dup |= strcmp(out[j], older[i]) == 0;
        if (!dup)
            out[k++] = older[i];
    }
    return k;
}

/* ---- paths in any case ------------------------------------------------------ */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* OUT (holding a path of USED bytes) extended by REL with every
 * '/'-separated component matched in any case: the exact name first, then
 * each name that differs only in case (a tree copied from a
 * case-insensitive medium may hold both). 0, or -1 when none leads to an
 * existing path. */
static int ci_walk(char *out, size_t n, size_t used, const char *rel,
                   int depth)
{
    while (*rel == '/')
        rel++;
    if (!*rel)
        return 0;
    const char *end = strchr(rel, '/');
    size_t len = end ? (size_t)(end - rel) : strlen(rel);
    struct stat st;
    if (used + 1 + len + 1 > n || depth > 32)
        return -1;
    snprintf(out + used, n - used, "/%.*s", (int)len, rel);
    if (stat(out, &st) == 0 &&
        ci_walk(out, n, strlen(out), rel + len, depth + 1) == 0)
        return 0;
    out[used] = '\0';
    DIR *d = opendir(used ? out : "/");
    if (!d)
        return -1;
    struct dirent *e;
    int rc = -1;
    while (rc != 0 && (e = readdir(d)) != NULL) {
        if (strlen(e->d_name) != len || strncmp(e->d_name, rel, len) == 0 ||
            strncasecmp(e->d_name, rel, len) != 0)
            continue;
        snprintf(out + used, n - used, "/%s", e->d_name);
        rc = ci_walk(out, n, strlen(out), rel + len, depth + 1);
        if (rc != 0)
            out[used] = '\0';
    }
    closedir(d);
    return rc;
}

/* BASE/REL with every '/'-separated component of REL matched in any case
 * (the exact name first). 0 and the path in OUT, or -1. */
static int ci_path(const char *base, const char *rel, char *out, size_t n)
{
    if ((size_t)snprintf(out, n, "%s", base) >= n)
        return -1;
    return ci_walk(out, n, strlen(out), rel, 0);
}

/* ---- data/info.json ------------------------------------------------------------- */

/* One entry of the ISO's manifest: {"arch", "driver_version", "inf_path",
 * "name", "windows_version"} (make-virtio-win-rpm-archive.py). */
struct vw_entry {
    char arch[16], driver_version[64], inf_path[512], windows_version[16];
};

struct json {
    const char *p, *end;
    struct vw_entry *e;
    size_t n, cap;
    int err;
};

static void json_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
                             *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* A JSON string into BUF (truncated; \u escapes outside ASCII become '?'). */
static int json_string(struct json *j, char *buf, size_t n)
{
    size_t k = 0;
    if (j->p >= j->end || *j->p != '"')
        return -1;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            if (j->p >= j->end)
                return -1;
            c = *j->p++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    if (j->p >= j->end)
                        return -1;
                    char h = *j->p++;
                    v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' :
                                            (h | 0x20) >= 'a' &&
                                            (h | 0x20) <= 'f' ?
                                            (h | 0x20) - 'a' + 10 : 0);
                }
                c = v && v < 0x80 ? (char)v : '?';
                break;
            }
            default: break;            /* \" \\ \/ */
            }
        }
        if (buf && k + 1 < n)
            buf[k++] = c;
    }
    if (j->p >= j->end)
        return -1;
    j->p++;
    if (buf && n)
        buf[k] = '\0';
    return 0;
}

static int json_value(struct json *j, int depth);

/* An object; one whose string members include inf_path becomes an entry. */
static int json_object(struct json *j, int depth)
{
    struct vw_entry e;
    int has_path = 0;
    memset(&e, 0, sizeof e);
    j->p++;
    json_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return 0;
    }
    for (;;) {
        char key[32];
        json_ws(j);
        if (json_string(j, key, sizeof key) != 0)
            return -1;
        json_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return -1;
        j->p++;
        json_ws(j);
        char *dst = NULL;
        size_t dn = 0;
        if (strcmp(key, "arch") == 0) {
            dst = e.arch;
            dn = sizeof e.arch;
        } else if (strcmp(key, "driver_version") == 0) {
            dst = e.driver_version;
            dn = sizeof e.driver_version;
        } else if (strcmp(key, "inf_path") == 0) {
            dst = e.inf_path;
            dn = sizeof e.inf_path;
        } else if (strcmp(key, "windows_version") == 0) {
            dst = e.windows_version;
            dn = sizeof e.windows_version;
        }
        if (dst && j->p < j->end && *j->p == '"') {
            if (json_string(j, dst, dn) != 0)
                return -1;
            has_path |= dst == e.inf_path;
        } else if (json_value(j, depth + 1) != 0) {
            return -1;
        }
        json_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            break;
        }
        return -1;
    }
    if (has_path) {
        if (j->n == j->cap) {
            size_t cap = j->cap ? j->cap * 2 : 64;
            struct vw_entry *ne = realloc(j->e, cap * sizeof *ne);
            if (!ne)
                return -1;
            j->e = ne;
            j->cap = cap;
        }
        j->e[j->n++] = e;
    }
    return 0;
}

static int json_value(struct json *j, int depth)
{
    json_ws(j);
    if (j->p >= j->end || depth > 16)
        return -1;
    if (*j->p == '{')
        return json_object(j, depth);
    if (*j->p == '"')
        return json_string(j, NULL, 0);
    if (*j->p == '[') {
        j->p++;
        json_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return 0;
        }
        for (;;) {
            if (json_value(j, depth + 1) != 0)
                return -1;
            json_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return 0;
            }
            return -1;
        }
    }
    /* a number, true, false or null */
    const char *start = j->p;
    while (j->p < j->end && *j->p != ',' && *j->p != '}' && *j->p != ']' &&
           *j->p != ' ' && *j->p != '\n' && *j->p != '\r' && *j->p != '\t')
        j->p++;
    return j->p > start ? 0 : -1;
}

/* data/info.json is read whole up to this size (the real one is about
 * 100 KB). */
#define VW_MAX_INFO_JSON (8u << 20)

/* The entries of DIR/data/info.json (any case); none when it is missing,
 * too large, not a regular file or not understood. Free *OUT. */
static size_t read_info_json(const char *dir, struct vw_entry **out)
{
    char path[4200];
    *out = NULL;
    if (ci_path(dir, "data/info.json", path, sizeof path) != 0)
        return 0;
    uint8_t *data;
    size_t len;
    char why[200];
    if (fr_read(AT_FDCWD, path, VW_MAX_INFO_JSON, &data, &len, why,
                sizeof why) != FR_OK)
        return 0;
    char *buf = (char *)data;
    struct json j = { buf, buf + len, NULL, 0, 0, 0 };
    if (json_value(&j, 0) != 0) {
        free(j.e);
        j.e = NULL;
        j.n = 0;
    }
    free(buf);
    *out = j.e;
    return j.n;
}

/* ---- the INF against the guest -------------------------------------------------- */

/* The Windows a virtio-win DriverVer major number is built for
 * (_NT_TARGET_MAJ: 51 XP ... 63 8.1, 100 10 and later); 0 if not one. */
static int driverver_nt(unsigned m, unsigned *major, unsigned *minor)
{
    static const unsigned t[][3] = {
        { 51, 5, 1 }, { 52, 5, 2 }, { 60, 6, 0 }, { 61, 6, 1 },
        { 62, 6, 2 }, { 63, 6, 3 }, { 100, 10, 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i][0] == m) {
            *major = t[i][1];
            *minor = t[i][2];
            return 1;
        }
    return 0;
}

static int vcmp(unsigned a1, unsigned a2, unsigned a3, unsigned b1,
                unsigned b2, unsigned b3)
{
    if (a1 != b1)
        return a1 < b1 ? -1 : 1;
    if (a2 != b2)
        return a2 < b2 ? -1 : 1;
    if (a3 != b3)
        return a3 < b3 ? -1 : 1;
    return 0;
}

/* "Windows 8.1", "Windows 10 build 16299" for version MAJOR.MINOR[.BUILD]
 * of the kind (client/server) of G. */
static void version_words(const struct inj_guest *g, unsigned major,
                          unsigned minor, unsigned build, char *buf,
                          size_t n)
{
    struct inj_guest v;
    memset(&v, 0, sizeof v);
    v.major = major;
    v.minor = minor;
    v.build = build;
    v.server = g->server;
    char name[64];
    inj_guest_name(&v, name, sizeof name);
    if (major == 10 && build)
        snprintf(buf, n, "Windows %u.%u build %u", major, minor, build);
    else if (major == 10)
        snprintf(buf, n, "Windows 10");
    else
        snprintf(buf, n, "%s", name);
}

/* The guest as "Windows 7 (6.1.7601)". */
static void guest_words(const struct inj_guest *g, char *buf, size_t n)
{
    char name[64];
    inj_guest_name(g, name, sizeof name);
    snprintf(buf, n, "%s (%u.%u.%u)", name, g->major, g->minor, g->build);
}

/* ": use the w7 folder" for G, or "" when it has none or not WANTED. */
static void hint(const struct inj_guest *g, int wanted, char *buf, size_t n)
{
    const char *f = inj_vw_folder(g);
    if (f && wanted)
        snprintf(buf, n, ": use the %s folder", f);
    else
        buf[0] = '\0';
}

/* The lowest Windows any [Manufacturer] decoration for ARCH of INF names,
 * and its text; 0 when the INF has none for ARCH (LIST then names what it
 * has). */
static int lowest_decoration(inf_file *inf, enum inf_arch arch,
                             unsigned v[3], char *text, size_t tn,
                             char *list, size_t ln)
{
    const inf_section *mf = inf_section_find(inf, "Manufacturer");
    int found = 0;
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; mf && i < mf->nlines; i++) {
        const inf_line *l = &mf->lines[i];
        if (!l->key) {
            if (arch == INF_ARCH_X86 && !found) {
                v[0] = v[1] = v[2] = 0;   /* undecorated: every x86 */
                snprintf(text, tn, "%s", l->fields[0].value);
                found = 1;
            }
            continue;
        }
        if (l->nfields == 1 && arch == INF_ARCH_X86) {
            v[0] = v[1] = v[2] = 0;
            snprintf(text, tn, "%s", l->fields[0].value);
            found = 1;
        }
        for (size_t k = 1; k < l->nfields; k++) {
            const char *d = l->fields[k].value;
            if (used + strlen(d) + 3 < ln)
                used += (size_t)snprintf(list + used, ln - used, "%s%s",
                                         used ? ", " : "", d);
            if (strncasecmp(d, "nt", 2) != 0)
                continue;
            const char *s = d + 2;
            enum inf_arch a = INF_ARCH_X86;   /* no architecture: x86 */
            static const char *const names[] = { "amd64", "arm64", "x86",
                                                 "ia64", "arm" };
            for (size_t m = 0; m < sizeof names / sizeof names[0]; m++)
                if (strncasecmp(s, names[m], strlen(names[m])) == 0) {
                    a = inf_arch_parse(names[m]);
                    s += strlen(names[m]);
                    break;
                }
            if (a != arch)
                continue;
            unsigned part[5] = { 0, 0, 0, 0, 0 };
            for (int p = 0; *s == '.' && p < 5; p++) {
                s++;
                part[p] = (unsigned)strtoul(s, NULL, 10);
                while (*s && *s != '.')
                    s++;
            }
            if (!found || vcmp(part[0], part[1], part[4], v[0], v[1],
                               v[2]) < 0) {
                v[0] = part[0];
                v[1] = part[1];
                v[2] = part[4];
                snprintf(text, tn, "%s", d);
                found = 1;
            }
        }
    }
    return found;
}

/* Why the INF at PATH offers no models for G on ARCH, in words. */
static void explain_no_models(const char *path, const char *arch,
                              const struct inj_guest *g, int hints,
                              char *err, size_t errn)
{
    inf_file *inf = NULL;
    char gw[96], h[64];
    guest_words(g, gw, sizeof gw);
    hint(g, hints, h, sizeof h);
    if (inf_parse_file(path, NULL, &inf) != INF_OK) {
        snprintf(err, errn, "%s", inf ? inf_errmsg(inf) : "out of memory");
        inf_free(inf);
        return;
    }
    unsigned v[3] = { 0, 0, 0 };
    char text[128], list[256];
    if (!lowest_decoration(inf, inf_arch_parse(arch), v, text, sizeof text,
                           list, sizeof list)) {
        snprintf(err, errn, "%s: this INF has no driver for %s (its "
                 "[Manufacturer] decorations: %s); the guest is %s %s%s",
                 path, arch, list[0] ? list : "none", gw,
                 g->processor_architecture[0] ? g->processor_architecture :
                 arch, h);
    } else {
        char need[96];
        version_words(g, v[0], v[1], v[2], need, sizeof need);
        snprintf(err, errn, "%s: this INF needs %s or later (%s); the guest "
                 "is %s%s", path, need, text, gw, h);
    }
    inf_free(inf);
}

/* Is NAME (any case) a regular file in the folder of PATH? */
static int beside(const char *path, const char *name)
{
    char dir[4200], out[4300];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    return ci_path(dir, name, out, sizeof out) == 0 && is_file(out);
}

/* inj_vw_driver; HINTS: say which folder would fit (not when the search
 * itself tries the folders). */
static int check_driver(const char *path, const char *arch,
                        const struct inj_guest *g, int need_files,
                        struct inj_driver *d, char *err, size_t errn,
                        char *warn, size_t warnn, int hints)
{
    unsigned maj = g->major, min = g->minor, build = g->build;
    char gw[96], h[64];
    warn[0] = '\0';
    if (!maj) {                         /* unknown: the newest applies */
        maj = 10;
        min = 0;
        build = 65535;
    } else if (!build) {
        build = 65535;                  /* build unknown: not held against */
    }
    int rc = inj_from_inf(path, arch, maj, min, build, d, err, errn);
    if (rc == INF_NOTFOUND && g->major)
        explain_no_models(path, arch, g, hints, err, errn);
    if (rc != INF_OK)
        return rc;
    guest_words(g, gw, sizeof gw);
    hint(g, hints, h, sizeof h);
    unsigned dmaj, dmin;
    if (g->major && driverver_nt(d->ver[0], &dmaj, &dmin)) {
        char built[96];
        version_words(g, dmaj, dmin, 0, built, sizeof built);
        int c = vcmp(dmaj, dmin, 0, g->major, g->minor, 0);
        if (c > 0) {
            snprintf(err, errn, "%s: this INF is built for %s and later "
                     "(DriverVer %u.%u.%u.%u); the guest is %s%s", path,
                     built, d->ver[0], d->ver[1], d->ver[2], d->ver[3], gw,
                     h);
            return INF_NOTFOUND;
        }
        if (c < 0)
            snprintf(warn, warnn, "%s is built for %s (DriverVer %u.%u.%u.%u),"
                     " older than the guest, %s", path, built, d->ver[0],
                     d->ver[1], d->ver[2], d->ver[3], gw);
    }
    const char *missing = !beside(path, d->binary) ? d->binary :
                          d->catalog[0] && !beside(path, d->catalog) ?
                          d->catalog : NULL;
    if (missing && need_files) {
        snprintf(err, errn, "%s: %s, which the INF names, is not beside it",
                 path, missing);
        return INF_EIO;
    }
    if (missing && !warn[0])
        snprintf(warn, warnn, "%s: %s, which the INF names, is not beside it",
                 path, missing);
    return INF_OK;
}

int inj_vw_driver(const char *path, const char *arch,
                  const struct inj_guest *g, int need_files,
                  struct inj_driver *d, char *err, size_t errn, char *warn,
                  size_t warnn)
{
    return check_driver(path, arch, g, need_files, d, err, errn, warn, warnn,
                        1);
}

/* ---- the search ------------------------------------------------------------------ */

/* The candidate folders of OS for DRIVER on ARCH, below a virtio-win tree,
 * as "layout", relative path pairs; returns how many. */
static size_t candidates(const struct vw_os *os, const char *drv,
                         const char *arch, char rel[][256],
                         const char **layout, size_t max)
{
    const int amd = strcmp(arch, "amd64") == 0, x86 = strcmp(arch, "x86") == 0;
    /* per-driver trees: amd64, x86, ARM64; the others: amd64, i386,
     * ARM64; pre-2015: AMD64, X86. */
    const char *a_drv = amd ? "amd64" : x86 ? "x86" : "ARM64";
    const char *a_os = amd ? "amd64" : x86 ? "i386" : "ARM64";
    size_t n = 0;
#define CAND(name, ...)                                                     \
    do {                                                                    \
        if (n < max) {                                                      \
            snprintf(rel[n], sizeof rel[n], __VA_ARGS__);                   \
            layout[n++] = (name);                                           \
        }                                                                   \
    } while (0)
    CAND("per-driver", "%s/%s/%s", drv, os->folder, a_drv);
    CAND("by-driver", "drivers/by-driver/%s/%s/%s", drv, os->folder, a_drv);
    CAND("by-driver", "by-driver/%s/%s/%s", drv, os->folder, a_drv);
    CAND("auto-detect", "%s/%s", a_os, os->folder);
    CAND("by-os", "drivers/by-os/%s/%s", a_os, os->folder);
    CAND("by-os", "by-os/%s/%s", a_os, os->folder);
    if (amd || x86) {
        CAND("legacy", "drivers/%s/%s", a_os, os->legacy);
        CAND("legacy", "%s/%s", a_os, os->legacy);
        if (os->old)
            CAND("pre-2015", "%s/%s", os->old, amd ? "AMD64" : "X86");
    }
#undef CAND
    return n;
}

/* The driver name of an info.json inf_path: its file name without .inf. */
static int entry_is(const struct vw_entry *e, const char *drv,
                    const char *folder, const char *arch)
{
    const char *base = strrchr(e->inf_path, '/');
    base = base ? base + 1 : e->inf_path;
    size_t n = strlen(drv);
    const char *ea = inj_arch_norm(e->arch);
    if (!ea && strcasecmp(e->arch, "ARM64") == 0)
        ea = "arm64";
    return strncasecmp(base, drv, n) == 0 && strcasecmp(base + n, ".inf") == 0 &&
           strcasecmp(e->windows_version, folder) == 0 && ea &&
           strcmp(ea, arch) == 0;
}

/* Appends "; TEXT" to the list of rejections. */
static void note_reject(char *buf, size_t n, const char *text)
{
    size_t used = strlen(buf);
    if (used + 3 < n)
        snprintf(buf + used, n - used, "%s%s", used ? "; " : "", text);
}

/* The folder of INF below DIR: "viostor/2k19/amd64". */
static void rel_dir(const char *dir, const char *inf, char *out, size_t n)
{
    size_t dl = strlen(dir);
    const char *r = strncmp(inf, dir, dl) == 0 && inf[dl] == '/' ?
                    inf + dl + 1 : inf;
    const char *slash = strrchr(r, '/');
    snprintf(out, n, "%.*s", slash ? (int)(slash - r) : 0, r);
}

/* Tries OS's folders for DRV: the first INF that passes inj_vw_driver.
 * 1 found (OUT, D filled), 0 none (rejections appended to REJ). */
static int try_os(const char *dir, const struct vw_os *os, const char *drv,
                  const struct inj_guest *g, const char *arch,
                  const struct vw_entry *ents, size_t nents,
                  struct inj_vw_choice *out, struct inj_driver *d, char *rej,
                  size_t rejn)
{
    char rel[16][256], path[4096], infname[80], err[1024], warn[512];
    const char *layout[16];
    size_t n = 0;
    for (size_t i = 0; i < nents && n < 16; i++)
        if (entry_is(&ents[i], drv, os->folder, arch)) {
            const char *slash = strrchr(ents[i].inf_path, '/');
            snprintf(rel[n], sizeof rel[n], "%.*s",
                     slash ? (int)(slash - ents[i].inf_path) : 0,
                     ents[i].inf_path);
            layout[n++] = "data/info.json";
        }
    size_t first_dir = n;
    n += candidates(os, drv, arch, rel + n, layout + n, 16 - n);
    snprintf(infname, sizeof infname, "%s.inf", drv);
    for (size_t i = 0; i < n; i++) {
        char folder[4096];
        if (ci_path(dir, rel[i], folder, sizeof folder) != 0 ||
            !is_dir(folder) ||
            ci_path(folder, infname, path, sizeof path) != 0 ||
            !is_file(path))
            continue;
        int rc = check_driver(path, arch, g, 1, d, err, sizeof err, warn,
                              sizeof warn, 0);
        if (rc != INF_OK) {
            note_reject(rej, rejn, err);
            continue;
        }
        memset(out, 0, sizeof *out);
        snprintf(out->inf, sizeof out->inf, "%s", path);
        rel_dir(dir, path, out->rel, sizeof out->rel);
        snprintf(out->folder, sizeof out->folder, "%s", os->folder);
        out->layout = layout[i];
        if (i < first_dir)
            for (size_t k = 0; k < nents; k++)
                if (entry_is(&ents[k], drv, os->folder, arch)) {
                    snprintf(out->driver_version, sizeof out->driver_version,
                             "%s", ents[k].driver_version);
                    break;
                }
        if (warn[0])
            snprintf(out->note, sizeof out->note, "%s", warn);
        return 1;
    }
    return 0;
}

int inj_vw_find(const char *dir, const char *driver,
                const struct inj_guest *g, const char *arch, int force,
                struct inj_vw_choice *out, struct inj_driver *d, char *err,
                size_t errn)
{
    const char *list[24];
    size_t nown, n;
    char gw[96], rej[1536] = "";
    if (!dir || !driver || !arch || !inj_arch_norm(arch)) {
        snprintf(err, errn, "bad arguments");
        return INF_EARG;
    }
    arch = inj_arch_norm(arch);
    if (!is_dir(dir)) {
        snprintf(err, errn, "%s: not a directory (give the virtio-win ISO's "
                 "mount point or /usr/share/virtio-win)", dir);
        return INF_EIO;
    }
    guest_words(g, gw, sizeof gw);
    if (!(n = search_list(g, list, sizeof list / sizeof list[0], &nown))) {
        snprintf(err, errn, "the guest's Windows version is not known "
                 "(%s), so no virtio-win folder can be chosen", gw);
        return INF_EARG;
    }
    char looked[128] = "";
    for (size_t k = 0; k < nown; k++)
        snprintf(looked + strlen(looked), sizeof looked - strlen(looked),
                 "%s%s", k ? ", " : "", list[k]);
    struct vw_entry *ents = NULL;
    size_t nents = read_info_json(dir, &ents);
    int found = 0;
    size_t i = 0;
    for (; i < n; i++) {
        const struct vw_os *os = os_by_folder(list[i]);
        if (i >= nown && !force) {
            /* Only to say so: is an older folder there? */
            struct inj_vw_choice c;
            /* struct inj_driver is large (the package's AddReg, ids and
             * strings): not on the stack. */
            struct inj_driver *dd = malloc(sizeof *dd);
            char r2[1536] = "";
            int older = dd && try_os(dir, os, driver, g, arch, ents, nents,
                                     &c, dd, r2, sizeof r2);
            free(dd);
            if (older) {
                snprintf(err, errn, "no %s for %s on %s in %s (looked for "
                         "%s); %s (%s) is for an older Windows: --force "
                         "takes it%s%s", driver, gw, arch, dir, looked,
                         c.folder, c.rel, rej[0] ? "; rejected: " : "",
                         rej);
                free(ents);
                return INF_NOTFOUND;
            }
            continue;
        }
        if (try_os(dir, os, driver, g, arch, ents, nents, out, d, rej,
                   sizeof rej)) {
            found = 1;
            break;
        }
    }
    free(ents);
    if (!found) {
        snprintf(err, errn, "no %s for %s on %s in %s (looked for %s%s, "
                 "in every virtio-win layout)%s%s", driver, gw, arch, dir,
                 looked, force && n > nown ? " and older" : "",
                 rej[0] ? "; rejected: " : "", rej);
        return INF_NOTFOUND;
    }
    if (i > 0) {
        out->fallback = 1;
        char prev[512];
        snprintf(prev, sizeof prev, "%s", out->note);
        snprintf(out->note, sizeof out->note, "no %s folder for %s: took "
                 "%s, %s%s%.200s", list[0], gw, out->folder,
                 i < nown ? "built from the same sources" :
                            "a build for an older Windows (--force)",
                 prev[0] ? "; " : "", prev);
    }
    return INF_OK;
}

/* ---- --inf DIR ---------------------------------------------------------------- */

int inj_inf_in_dir(const char *dir, const char *driver, char *out,
                   size_t outn, char *err, size_t errn)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errn, "%s: cannot read the folder: %s", dir,
                 strerror(errno));
        return INF_EIO;
    }
    char names[512] = "", pick[256] = "";
    size_t count = 0, used = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcasecmp(e->d_name + len - 4, ".inf") != 0)
            continue;
        char full[4400];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (!is_file(full))
            continue;
        if (used + len + 3 < sizeof names)
            used += (size_t)snprintf(names + used, sizeof names - used,
                                     "%s%s", used ? ", " : "", e->d_name);
        if (driver) {
            size_t dl = strlen(driver);
            if (len == dl + 4 && strncasecmp(e->d_name, driver, dl) == 0)
                snprintf(pick, sizeof pick, "%s", e->d_name);
        } else {
            snprintf(pick, sizeof pick, "%s", e->d_name);
        }
        count++;
    }
    closedir(d);
    if (driver && !pick[0]) {
        snprintf(err, errn, "%s: no %s.inf in this folder (it holds: %s)",
                 dir, driver, count ? names : "no INF");
        return INF_NOTFOUND;
    }
    if (!driver && count != 1) {
        if (!count) {
            snprintf(err, errn, "%s: no INF in this folder", dir);
            return INF_NOTFOUND;
        }
        snprintf(err, errn, "%s: %zu INFs in this folder (%s): say which "
                 "with --driver NAME or --inf %s/NAME.inf", dir, count, names,
                 dir);
        return INF_EARG;
    }
    if ((size_t)snprintf(out, outn, "%s/%s", dir, pick) >= outn) {
        snprintf(err, errn, "%s: path too long", dir);
        return INF_EARG;
    }
    return INF_OK;
}
