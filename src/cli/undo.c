/* undo.c - what `inject --undo FILE.reg` writes, and `hivekit undo`, which
 * takes it back.
 *
 * --undo X.reg writes, only when the run changes something, and never over
 * an existing file (refused before anything changes):
 *   X.reg            the SYSTEM part as a .reg patch (hivekit import
 *                    --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' SYSTEM X.reg):
 *                    values it created are deleted, values it changed
 *                    come back, subtrees it removed are written again;
 *   X-software.reg   the same for SOFTWARE, when it changed;
 *   X.undo           the manifest `hivekit undo X.undo` reads: every
 *                    change with its old and new data, every key the run
 *                    created, every file it put on the volume (with its
 *                    size and FNV-1a 64, and the backup of what it
 *                    replaced) and every folder it made.
 *
 * `hivekit undo` only takes back what is still as the run left it: a
 * value is deleted or restored when it still holds what the run wrote, a
 * key the run created is deleted only when it is empty once that is done
 * (so keys that a later run filled stay), a file is removed (or its backup
 * put back) only when its content is still the one copied, a folder only
 * when empty. Whatever it keeps it names. The .reg parts cannot say
 * "delete when empty": imported alone, they leave the created keys empty.
 *
 * Manifest lines: fields separated by one TAB, '%', TAB, CR and LF in a
 * field written as %25, %09, %0D, %0A. Data as TYPE:HEX ("-": absent).
 *   hivekit-undo 1
 *   root     DIR                        (inject --root)
 *   hive     SYSTEM|SOFTWARE  PATH      (below root when there is one)
 *   set      HIVE KEY NAME NEW OLD
 *   delvalue HIVE KEY NAME OLD
 *   delkey   HIVE KEY REGTEXT           (the subtree removed, as .reg)
 *   mkkey    HIVE KEY                   (parents before children)
 *   dir      PATH                       (folders made, parents first)
 *   file     PATH SIZE FNV64 BACKUP|-   (put in place; BACKUP: what it
 *                                        replaced, kept there) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "inject.h"

/* ---- names ------------------------------------------------------------------ */

static void undo_names(const char *undo, struct undo_out *u)
{
    size_t n = strlen(undo);
    int reg = n > 4 && strcasecmp(undo + n - 4, ".reg") == 0;
    int base = reg ? (int)(n - 4) : (int)n;
    snprintf(u->path[UNDO_SYS], sizeof u->path[0], "%s", undo);
    snprintf(u->path[UNDO_SOFT], sizeof u->path[0], "%.*s-software.reg", base,
             undo);
    snprintf(u->path[UNDO_MANIFEST], sizeof u->path[0], "%.*s.undo", base,
             undo);
}

int undo_refuse_existing(const char *undo)
{
    struct undo_out u;
    undo_names(undo, &u);
    for (int i = 0; i < UNDO_NFILES; i++) {
        struct stat st;
        if (lstat(u.path[i], &st) == 0) {
            cli_error("%s exists: an undo file is never overwritten (give "
                      "another --undo name, or remove it); nothing was "
                      "changed", u.path[i]);
            return EXIT_FILE;
        }
    }
    return EXIT_OK;
}

/* ---- writing ---------------------------------------------------------------- */

static void put_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '%': fputs("%25", f); break;
        case '\t': fputs("%09", f); break;
        case '\n': fputs("%0A", f); break;
        case '\r': fputs("%0D", f); break;
        default: fputc(*s, f);
        }
    }
}

static void put_data(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    fprintf(f, "%lx:", (unsigned long)type);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

struct text {
    char *p;
    size_t len, cap;
    int err;
};
static int text_write(void *ctx, const void *buf, size_t len)
{
    struct text *t = ctx;
    if (t->len + len + 1 > t->cap) {
        size_t cap = (t->len + len + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->err = 1;
            return -1;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, buf, len);
    t->len += len;
    t->p[t->len] = '\0';
    return 0;
}

/* After the first write (the .reg header), a comment naming the rest. */
struct reg_ctx {
    FILE *f;
    int first_done;
    const char *manifest;
};
static int reg_write(void *ctx, const void *buf, size_t len)
{
    struct reg_ctx *r = ctx;
    if (fwrite(buf, 1, len, r->f) != len)
        return -1;
    if (!r->first_done) {
        r->first_done = 1;
        fprintf(r->f, "; hivekit undo patch. Imported alone it deletes and "
                "restores values and\n; restores removed subtrees; the keys "
                "the run created stay (empty).\n; `hivekit undo %s` also "
                "removes those keys when empty and the files.\n\n",
                r->manifest);
    }
    return 0;
}

/* PLAN without its key creations: the .reg part of the undo. */
static int write_reg(FILE *f, const struct inj_plan *p, const char *prefix,
                     const char *manifest)
{
    struct inj_plan v = *p;
    v.c = malloc((p->n ? p->n : 1) * sizeof *v.c);
    if (!v.c)
        return -1;
    v.n = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->c[i].op != INJ_MKKEY)
            v.c[v.n++] = p->c[i];
    struct reg_ctx r = { f, 0, manifest };
    int rc = inj_plan_reg(&v, prefix, 1, reg_write, &r);
    free(v.c);
    return rc == REGF_OK ? 0 : -1;
}

static int key_below(const char *key, const char *top)
{
    size_t n = strlen(top);
    return strncasecmp(key, top, n) == 0 && (key[n] == '\0' ||
                                             key[n] == '\\');
}

static int depth(const char *key)
{
    int d = 1;
    for (; *key; key++)
        d += *key == '\\';
    return d;
}

/* Every key PLAN creates: its topmost new keys and every key below one
 * that a change names (or passes through), parents first. */
static void write_created_keys(FILE *f, const char *hive,
                               const struct inj_plan *p)
{
    char (*keys)[1024] = NULL;
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) {
        const char *k = p->c[i].key;
        for (const char *e = k;; e++) {
            if (*e != '\\' && *e != '\0')
                continue;
            size_t len = (size_t)(e - k);
            char pre[1024];
            if (len >= sizeof pre)
                break;
            memcpy(pre, k, len);
            pre[len] = '\0';
            int created = 0;
            for (size_t j = 0; j < p->n && !created; j++)
                created = p->c[j].op == INJ_MKKEY &&
                          key_below(pre, p->c[j].key);
            int seen = 0;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcasecmp(keys[j], pre) == 0;
            if (created && !seen) {
                char (*k2)[1024] = realloc(keys, (n + 1) * sizeof *keys);
                if (!k2)
                    break;
                keys = k2;
                memcpy(keys[n++], pre, len + 1);
            }
            if (*e == '\0')
                break;
        }
    }
    for (int d = 1; d < 64; d++)
        for (size_t j = 0; j < n; j++)
            if (depth(keys[j]) == d) {
                fprintf(f, "mkkey\t%s\t", hive);
                put_esc(f, keys[j]);
                fputc('\n', f);
            }
    free(keys);
}

static void write_changes(FILE *f, const char *hive, const char *prefix,
                          const struct inj_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct inj_change *c = &p->c[i];
        if (c->op == INJ_SET || c->op == INJ_DEL_VALUE) {
            fprintf(f, "%s\t%s\t", c->op == INJ_SET ? "set" : "delvalue",
                    hive);
            put_esc(f, c->key);
            fputc('\t', f);
            put_esc(f, c->name ? c->name : "");
            fputc('\t', f);
            if (c->op == INJ_SET) {
                put_data(f, c->type, c->data, c->len);
                fputc('\t', f);
            }
            if (c->existed)
                put_data(f, c->old_type, c->old_data, c->old_len);
            else
                fputc('-', f);
            fputc('\n', f);
        } else if (c->op == INJ_DEL_KEY) {
            struct inj_plan one = *p;
            struct inj_change copy = *c;
            one.c = &copy;
            one.n = 1;
            struct text t = { NULL, 0, 0, 0 };
            inj_plan_reg(&one, prefix, 1, text_write, &t);
            fprintf(f, "delkey\t%s\t", hive);
            put_esc(f, c->key);
            fputc('\t', f);
            put_esc(f, t.p && !t.err ? t.p : "");
            fputc('\n', f);
            free(t.p);
        }
    }
    write_created_keys(f, hive, p);
}

/* PATH below ROOT (ROOT NULL: PATH made absolute). */
static void put_path(FILE *f, const char *root, const char *path)
{
    size_t n = root ? strlen(root) : 0;
    if (root && strncmp(path, root, n) == 0 && path[n] == '/') {
        put_esc(f, path + n + 1);
        return;
    }
    char *abs = realpath(path, NULL);
    put_esc(f, abs ? abs : path);
    free(abs);
}

static int write_manifest(FILE *f, const struct undo_in *in)
{
    fputs("hivekit-undo\t1\n", f);
    if (in->root) {
        fputs("root\t", f);
        char *abs = realpath(in->root, NULL);
        put_esc(f, abs ? abs : in->root);
        free(abs);
        fputc('\n', f);
    }
    fputs("hive\tSYSTEM\t", f);
    put_path(f, in->root, in->system);
    fputc('\n', f);
    if (in->software && in->pw->n) {
        fputs("hive\tSOFTWARE\t", f);
        put_path(f, in->root, in->software);
        fputc('\n', f);
    }
    write_changes(f, "SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM", in->ps);
    if (in->software)
        write_changes(f, "SOFTWARE", "HKEY_LOCAL_MACHINE\\SOFTWARE", in->pw);
    const struct stage *s = in->stage;
    for (int i = 0; s && i < s->ndirs; i++) {
        fputs("dir\t", f);
        put_path(f, in->root, s->dirs[i]);
        fputc('\n', f);
    }
    for (int i = 0; s && i < s->n; i++) {
        const struct stage_file *sf = &s->f[i];
        if (sf->same)
            continue;
        fputs("file\t", f);
        put_path(f, in->root, sf->final);
        fprintf(f, "\t%llu\t%016llx\t", (unsigned long long)sf->size,
                (unsigned long long)sf->hash);
        if (sf->have_bak) {
            char bak[4400 + sizeof sf->bak.path];
            snprintf(bak, sizeof bak, "%s%s", sf->bak.shown_dir, sf->bak.path);
            put_path(f, in->root, bak);
        } else
            fputc('-', f);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

int undo_write(const char *undo, const struct undo_in *in, struct undo_out *u)
{
    memset(u, 0, sizeof *u);
    undo_names(undo, u);
    for (int i = 0; i < UNDO_NFILES; i++)
        u->cid[i] = -1;
    for (int i = 0; i < UNDO_NFILES; i++) {
        if (i == UNDO_SOFT && (!in->software || in->pw->n == 0))
            continue;
        char tmp[4400];
        if (cleanup_tmpname(u->path[i], tmp, sizeof tmp) != 0)
            goto fail;
        int fd = mkstemp(tmp);
        if (fd < 0) {
            cli_error("%s: cannot create: %s; nothing was changed",
                      u->path[i], strerror(errno));
            goto fail_quiet;
        }
        int cid = cleanup_add(tmp, 0);
        (void)!fchmod(fd, 0600);
        FILE *f = fdopen(fd, "w");
        int rc = f ? 0 : -1;
        if (f && i == UNDO_MANIFEST)
            rc = write_manifest(f, in);
        else if (f)
            rc = write_reg(f, i == UNDO_SYS ? in->ps : in->pw,
                           i == UNDO_SYS ? "HKEY_LOCAL_MACHINE\\SYSTEM"
                                         : "HKEY_LOCAL_MACHINE\\SOFTWARE",
                           u->path[UNDO_MANIFEST]);
        if (f && (fflush(f) != 0 || fsync(fd) != 0))
            rc = -1;
        if (f ? fclose(f) != 0 : close(fd) != 0)
            rc = -1;
        if (rc == 0)
            rc = place_noreplace(tmp, u->path[i]);
        if (rc != 0) {
            int e = rc > 0 ? rc : errno;
            unlink(tmp);
            cleanup_forget(cid);
            cli_error("%s: cannot write: %s; nothing was changed", u->path[i],
                      e == EEXIST ? "it exists (never overwritten)"
                                  : strerror(e));
            goto fail_quiet;
        }
        cleanup_forget(cid);
        u->cid[i] = cleanup_add(u->path[i], 0);
        u->written[i] = 1;
    }
    return EXIT_OK;
fail:
    cli_error("%s: path too long", undo);
fail_quiet:
    undo_discard(u);
    return EXIT_FILE;
}

void undo_keep(struct undo_out *u)
{
    for (int i = 0; i < UNDO_NFILES; i++) {
        cleanup_forget(u->cid[i]);
        u->cid[i] = -1;
    }
}

void undo_discard(struct undo_out *u)
{
    for (int i = 0; i < UNDO_NFILES; i++) {
        if (u->written[i])
            unlink(u->path[i]);
        cleanup_forget(u->cid[i]);
        u->cid[i] = -1;
        u->written[i] = 0;
    }
}

void undo_say(const struct undo_out *u)
{
    if (!u->written[UNDO_MANIFEST])
        return;
    printf("undo: %s (hivekit undo %s)%s%s%s%s\n", u->path[UNDO_MANIFEST],
           u->path[UNDO_MANIFEST], "; registry patch ", u->path[UNDO_SYS],
           u->written[UNDO_SOFT] ? ", " : "",
           u->written[UNDO_SOFT] ? u->path[UNDO_SOFT] : "");
}

/* ---- hivekit undo --------------------------------------------------------- */

static void unesc(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '%' && s[1] && s[2]) {
            char h[3] = { s[1], s[2], 0 };
            *o++ = (char)strtol(h, NULL, 16);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* "TYPE:HEX" into *TYPE and a new buffer; "-" gives *absent. */
static int parse_data(const char *s, uint32_t *type, uint8_t **data,
                      size_t *len, int *absent)
{
    *data = NULL;
    *len = 0;
    *absent = strcmp(s, "-") == 0;
    if (*absent)
        return 0;
    char *end;
    unsigned long t = strtoul(s, &end, 16);
    if (*end != ':')
        return -1;
    *type = (uint32_t)t;
    const char *h = end + 1;
    size_t n = strlen(h);
    if (n % 2)
        return -1;
    *data = malloc(n / 2 + 1);
    if (!*data)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        char b[3] = { h[2 * i], h[2 * i + 1], 0 };
        (*data)[i] = (uint8_t)strtoul(b, NULL, 16);
    }
    *len = n / 2;
    return 0;
}

#define MAXF 8
struct entry {
    char *f[MAXF];
    int nf;
};

struct manifest {
    struct entry *e;
    size_t n;
    char *text;
};

static int read_manifest(const char *path, struct manifest *m)
{
    memset(m, 0, sizeof *m);
    struct bytebuf b = { NULL, 0, 0 };
    if (read_file_all(path, &b) != 0 || buf_put(&b, "", 1) != 0) {
        cli_error("%s: cannot read: %s", path, strerror(errno));
        free(b.p);
        return EXIT_FILE;
    }
    m->text = (char *)b.p;
    for (char *line = m->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (*line) {
            struct entry *e = realloc(m->e, (m->n + 1) * sizeof *e);
            if (!e) {
                cli_error("out of memory");
                return EXIT_FILE;
            }
            m->e = e;
            e += m->n++;
            memset(e, 0, sizeof *e);
            for (char *p = line; p && e->nf < MAXF;) {
                char *tab = strchr(p, '\t');
                if (tab)
                    *tab = '\0';
                unesc(p);
                e->f[e->nf++] = p;
                p = tab ? tab + 1 : NULL;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (m->n == 0 || strcmp(m->e[0].f[0], "hivekit-undo") != 0) {
        cli_error("%s: not a hivekit undo manifest (it starts with "
                  "'hivekit-undo')", path);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

static void manifest_free(struct manifest *m)
{
    free(m->e);
    free(m->text);
}

static int entry_is(const struct entry *e, const char *what, int nf)
{
    return strcmp(e->f[0], what) == 0 && e->nf >= nf;
}

/* The value NAME of KEY holds TYPE/DATA/LEN exactly: 1, 0 other, -1
 * absent (or its key). */
static int value_is(regf_hive *h, const char *key, const char *name,
                    uint32_t type, const uint8_t *data, size_t len)
{
    regf_key k;
    regf_val v;
    if (regf_key_lookup(h, 0, key, &k) != REGF_OK ||
        regf_value_lookup(h, k, name, &v) != REGF_OK)
        return -1;
    uint32_t t;
    size_t need = 0;
    regf_value_data(h, v, &t, NULL, 0, &need);
    uint8_t *buf = malloc(need ? need : 1);
    if (!buf)
        return 0;
    int same = regf_value_data(h, v, &t, buf, need, &need) == REGF_OK &&
               t == type && need == len && memcmp(buf, data, len) == 0;
    free(buf);
    return same;
}

struct undo_run {
    const char *manifest;
    int dry_run, verbose;
    unsigned done, kept;
    const char *root;
    struct rp_root *rr;     /* ROOT opened (root_path.h), or NULL */
};

/* DevicePath: the run appended a folder (%SystemRoot%\Drivers\VirtIO) to
 * it. When that folder still holds driver files the run did not copy
 * (another driver, injected later, relies on it being searched), the
 * value stays. NEW/OLD are the UTF-16LE data. */
static int devicepath_needed(const struct undo_run *r,
                             const struct manifest *m, const uint8_t *nd,
                             size_t nl, size_t ol)
{
    if (!r->root || nl <= ol)
        return 0;
    /* What the run appended, up to its terminator (the one codec; a NUL
     * unit ends the C string). */
    char added[1024];
    regf_utf16_to_utf8(nd + ol, nl - ol, 0, added, sizeof added, NULL);
    const char *p = added;
    while (*p == ';')
        p++;
    static const char sr[] = "%SystemRoot%\\";
    if (strncasecmp(p, sr, sizeof sr - 1) != 0)
        return 0;
    char rel[1100];
    snprintf(rel, sizeof rel, "Windows/%s", p + sizeof sr - 1);
    for (char *q = rel; *q; q++)
        if (*q == '\\')
            *q = '/';
    struct rp_dir rd;
    char dir[4200];
    if (!r->rr || rp_dir_open(r->rr, rel, 0, &rd) != RP_OK)
        return 0;
    rp_shown(r->rr, rd.rel, NULL, dir, sizeof dir);
    int fd = fcntl(rd.fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    rp_dir_close(&rd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int other = 0;
    struct dirent *de;
    while (!other && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int ours = 0;
        for (size_t i = 0; i < m->n && !ours; i++) {
            const struct entry *e = &m->e[i];
            if (e->nf >= 5 && strcmp(e->f[0], "file") == 0) {
                char full[4200];
                snprintf(full, sizeof full, "%s/%s", r->root, e->f[1]);
                ours = strcasecmp(full, path) == 0 ||
                       strcasecmp(e->f[1], path) == 0;
            }
        }
        other = !ours;
    }
    closedir(d);
    return other;
}

static void kept(struct undo_run *r, const char *what, const char *what2,
                 const char *why)
{
    cli_error("kept %s%s%s: %s", what, what2[0] ? "\\" : "", what2, why);
    r->kept++;
}

static void did(struct undo_run *r, const char *verb, const char *hive,
                const char *key, const char *name)
{
    r->done++;
    if (r->verbose || r->dry_run)
        fprintf(stderr, "hivekit: %s%s %s: %s\\%s%s%s%s\n",
                r->dry_run ? "would " : "", verb, name ? "value" : "key",
                hive, key, name ? " \"" : "", name ? name : "",
                name ? "\"" : "");
}

static int undo_hive(struct undo_run *r, const struct manifest *m,
                     const char *hive, struct whive *w)
{
    regf_hive *h = w->h;
    /* Subtrees the run removed come back when absent. */
    for (size_t i = 0; i < m->n; i++) {
        const struct entry *e = &m->e[i];
        if (!entry_is(e, "delkey", 4) || strcmp(e->f[1], hive) != 0)
            continue;
        regf_key k;
        if (regf_key_lookup(h, 0, e->f[2], &k) == REGF_OK) {
            kept(r, hive, e->f[2], "it exists again");
            continue;
        }
        char prefix[64];
        snprintf(prefix, sizeof prefix, "HKEY_LOCAL_MACHINE\\%s", hive);
        if (regf_import_reg(h, e->f[3], strlen(e->f[3]), prefix) != REGF_OK)
            return cli_fail(h, REGF_EINVAL);
        did(r, "restored", hive, e->f[2], NULL);
    }
    /* Values, last change first. */
    for (size_t i = m->n; i-- > 0;) {
        const struct entry *e = &m->e[i];
        int set = entry_is(e, "set", 6), del = entry_is(e, "delvalue", 5);
        if ((!set && !del) || strcmp(e->f[1], hive) != 0)
            continue;
        const char *key = e->f[2], *name = e->f[3];
        uint32_t nt = 0, ot = 0;
        uint8_t *nd = NULL, *od = NULL;
        size_t nl = 0, ol = 0;
        int nabs = 1, oabs = 1;
        if ((set && parse_data(e->f[4], &nt, &nd, &nl, &nabs) != 0) ||
            parse_data(e->f[set ? 5 : 4], &ot, &od, &ol, &oabs) != 0) {
            free(nd);
            cli_error("%s: malformed line for %s\\%s", r->manifest, hive,
                      key);
            return EXIT_DATA;
        }
        char kv[2400];
        snprintf(kv, sizeof kv, "%.1100s \"%.1100s\"", key, name);
        int now = set ? value_is(h, key, name, nt, nd, nl)
                      : value_is(h, key, name, 0, NULL, 0);
        int rc = REGF_OK;
        regf_key k;
        if (set && now != 1) {
            kept(r, hive, kv, now < 0
                 ? "the value the run set is gone"
                 : "a value the run set holds other data now");
        } else if (set && !oabs && strcasecmp(name, "DevicePath") == 0 &&
                   devicepath_needed(r, m, nd, nl, ol)) {
            kept(r, hive, kv, "DevicePath: the folder the run added to it "
                 "holds other drivers' files now");
        } else if (del && now >= 0) {
            kept(r, hive, kv,
                 "a value the run deleted exists again");
        } else if (regf_key_lookup(h, 0, key, &k) != REGF_OK) {
            kept(r, hive, kv, "its key is gone");
        } else if (set && oabs) {
            rc = regf_value_delete(h, k, name, strlen(name));
            did(r, "deleted", hive, key, name);
        } else if (!oabs) {
            rc = regf_value_set(h, k, name, strlen(name), ot, od, ol);
            did(r, "restored", hive, key, name);
        }
        free(nd);
        free(od);
        if (rc != REGF_OK)
            return cli_fail(h, rc);
    }
    /* Keys the run created, deepest first, when empty. (Every edit goes to the
     * copy in memory; a dry run just does not commit it.) */
    for (size_t i = m->n; i-- > 0;) {
        const struct entry *e = &m->e[i];
        if (!entry_is(e, "mkkey", 3) || strcmp(e->f[1], hive) != 0)
            continue;
        regf_key k;
        struct regf_key_info ki;
        if (regf_key_lookup(h, 0, e->f[2], &k) != REGF_OK)
            continue;
        if (regf_key_info(h, k, &ki) != REGF_OK)
            return cli_fail(h, REGF_ECORRUPT);
        if (ki.nsubkeys || ki.nvalues) {
            kept(r, hive, e->f[2],
                 "a key the run created holds what something else added "
                 "since");
            continue;
        }
        /* A dry run edits the copy in memory too, and does not commit. */
        int rc = regf_key_delete(h, k);
        if (rc != REGF_OK)
            return cli_fail(h, rc);
        did(r, "deleted", hive, e->f[2], NULL);
    }
    return EXIT_OK;
}

/* P of the manifest below ROOT (a relative path) resolved there
 * (root_path.h): F (close F->dir) and SHOWN. RP_OK, RP_MISSING (its folder
 * is gone) or RP_REFUSED (the reason in r->rr->err). */
static int find_below(struct undo_run *r, const char *p, struct rp_file *f,
                      char *shown, size_t sn)
{
    char dir[4200];
    const char *slash = strrchr(p, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - p) : 0, p);
    struct rp_dir d;
    f->dir.fd = -1;
    rp_shown(r->rr, p, NULL, shown, sn);
    int rc = rp_dir_open(r->rr, dir, 0, &d);
    if (rc != RP_OK)
        return rc;
    rc = rp_file_find(r->rr, &d, slash ? slash + 1 : p, f);
    rp_dir_close(&d);
    if (rc == RP_OK)
        rp_shown(r->rr, f->dir.rel, f->name, shown, sn);
    return rc;
}

/* A file of the manifest for the file functions: NAME in the folder FD
 * (AT_FDCWD: NAME is a path). */
struct loc {
    int fd;
    char name[4400];
};

static void loc_close(struct loc *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = AT_FDCWD;
}

/* P of the manifest for the file functions (L; loc_close it) and for
 * messages (SHOWN): below ROOT, through its folder's descriptor, when
 * relative; as it is when absolute. Same statuses as find_below. */
static int locate(struct undo_run *r, const char *p, struct loc *l,
                  char *shown, size_t sn)
{
    l->fd = AT_FDCWD;
    if (p[0] == '/' || !r->rr) {
        snprintf(l->name, sizeof l->name, "%s", p);
        snprintf(shown, sn, "%s", p);
        return RP_OK;
    }
    struct rp_file f;
    int rc = find_below(r, p, &f, shown, sn);
    if (rc == RP_OK) {
        l->fd = f.dir.fd;           /* held until loc_close */
        f.dir.fd = -1;
        snprintf(l->name, sizeof l->name, "%s", f.name);
    }
    rp_dir_close(&f.dir);
    return rc;
}

static void undo_files(struct undo_run *r, const struct manifest *m)
{
    for (size_t i = m->n; i-- > 0;) {
        const struct entry *e = &m->e[i];
        if (!entry_is(e, "file", 5))
            continue;
        char shown[4400], sbak[4400];
        struct loc path, bak;
        int where = locate(r, e->f[1], &path, shown, sizeof shown);
        uint64_t h, size;
        if (where == RP_REFUSED) {
            kept(r, shown, "", r->rr->err);
            loc_close(&path);
            continue;
        }
        if (where != RP_OK ||
            file_fingerprint_at(path.fd, path.name, &h, &size) != 0) {
            kept(r, shown, "", "it is gone");
            loc_close(&path);
            continue;
        }
        char fp[40];
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)h);
        if (strtoull(e->f[2], NULL, 10) != size || strcmp(fp, e->f[3]) != 0) {
            kept(r, shown, "", "its content is not the one copied");
            loc_close(&path);
            continue;
        }
        int rc = 0;
        if (strcmp(e->f[4], "-") != 0) {
            where = locate(r, e->f[4], &bak, sbak, sizeof sbak);
            if (where != RP_OK) {
                kept(r, shown, "", where == RP_REFUSED ? r->rr->err
                                                       : "its backup is gone");
                loc_close(&bak);
                loc_close(&path);
                continue;
            }
            /* The backup was made 0600; the file it becomes again gets
             * the mode the name has now. */
            struct stat st;
            if (!r->dry_run &&
                fstatat(path.fd, path.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISREG(st.st_mode)) {
                int fd = openat(bak.fd, bak.name, O_RDONLY | O_NOFOLLOW |
                                O_NONBLOCK | O_CLOEXEC);
                if (fd >= 0) {
                    (void)!fchmod(fd, st.st_mode & 07777);
                    close(fd);
                }
            }
            if (!r->dry_run)
                rc = renameat(bak.fd, bak.name, path.fd, path.name);
            if (rc == 0 && (r->verbose || r->dry_run))
                fprintf(stderr, "hivekit: %sput back %s as %s\n",
                        r->dry_run ? "would " : "", sbak, shown);
            int e2 = errno;
            loc_close(&bak);
            errno = e2;
        } else {
            if (!r->dry_run)
                rc = unlinkat(path.fd, path.name, 0);
            if (rc == 0 && (r->verbose || r->dry_run))
                fprintf(stderr, "hivekit: %s %s\n",
                        r->dry_run ? "would remove" : "removed", shown);
        }
        int e2 = errno;
        loc_close(&path);
        errno = e2;
        if (rc != 0)
            kept(r, shown, "", strerror(errno));
        else
            r->done++;
    }
    for (size_t i = m->n; i-- > 0;) {
        const struct entry *e = &m->e[i];
        if (!entry_is(e, "dir", 2))
            continue;
        char shown[4400];
        struct loc path;
        int where = locate(r, e->f[1], &path, shown, sizeof shown);
        if (where == RP_REFUSED)
            kept(r, shown, "", r->rr->err);
        if (where != RP_OK || r->dry_run) {
            loc_close(&path);
            continue;
        }
        int rc = unlinkat(path.fd, path.name, AT_REMOVEDIR);
        int e2 = errno;
        loc_close(&path);
        errno = e2;
        if (rc == 0) {
            r->done++;
            if (r->verbose)
                fprintf(stderr, "hivekit: removed the folder %s\n", shown);
        } else if (errno != ENOENT) {
            kept(r, shown, "", errno == ENOTEMPTY ||
                 errno == EEXIST ? "it holds other files" : strerror(errno));
        }
    }
}

int cmd_undo(const struct cli_args *a)
{
    const char *arg = a->pos[0];
    char mpath[4200];
    size_t n = strlen(arg);
    if (n > 4 && strcasecmp(arg + n - 4, ".reg") == 0)
        snprintf(mpath, sizeof mpath, "%.*s.undo", (int)(n - 4), arg);
    else
        snprintf(mpath, sizeof mpath, "%s", arg);
    struct write_options o;
    uint64_t ft;
    int ex;
    write_options_get(a, &o);
    o.read_only = cli_has(a, OPT_DRY_RUN);
    if ((ex = write_options_time("undo", &o, &ft)) != EXIT_OK)
        return ex;
    struct manifest m;
    if ((ex = read_manifest(mpath, &m)) != EXIT_OK) {
        manifest_free(&m);
        return ex;
    }
    const char *root = cli_arg(a, OPT_ROOT);
    for (size_t i = 0; !root && i < m.n; i++)
        if (entry_is(&m.e[i], "root", 2))
            root = m.e[i].f[1];
    struct rp_root rr;
    rr.fd = -1;
    if (root && rp_root_open(&rr, root) != RP_OK) {
        cli_error("%s", rr.err);
        manifest_free(&m);
        return EXIT_FILE;
    }
    /* Writes go to the root and the folders of the hives outside it only
     * (a dry run: those hive files alone, held as a writer would). */
    struct confine cf;
    confine_init(&cf);
    for (size_t i = 0; i < m.n; i++)
        if (entry_is(&m.e[i], "hive", 3) && (!root || m.e[i].f[2][0] == '/'))
            (o.read_only ? confine_file : confine_hive)(&cf, m.e[i].f[2]);
    if (root)
        confine_dir(&cf, root);
    confine_apply(&cf, o.verbose);
    struct undo_run r = { mpath, o.read_only, o.verbose, 0, 0, root,
                          root ? &rr : NULL };
    static const char *const hives[] = { "SYSTEM", "SOFTWARE" };
    struct whive w[2];
    char *wpath[2] = { NULL, NULL };
    memset(w, 0, sizeof w);
    int lock = root ? root_lock(&rr) : -2;
    if (lock == -1) {
        rp_root_close(&rr);
        manifest_free(&m);
        return EXIT_FILE;
    }
    for (int i = 0; i < 2 && ex == EXIT_OK; i++)
        for (size_t j = 0; j < m.n; j++) {
            const struct entry *e = &m.e[j];
            if (!entry_is(e, "hive", 3) || strcmp(e->f[1], hives[i]) != 0)
                continue;
            char path[4400];
            struct rp_file f;
            int below = r.rr && e->f[2][0] != '/';
            int where = below ? find_below(&r, e->f[2], &f, path,
                                           sizeof path) : RP_OK;
            if (!below)
                snprintf(path, sizeof path, "%s", e->f[2]);
            if (where == RP_OK && below && !f.exists)
                where = RP_MISSING;
            if (where != RP_OK || !(wpath[i] = strdup(path))) {
                if (where == RP_MISSING)
                    cli_error("%s: not found", path);
                else
                    cli_error("%s", where == RP_REFUSED ? rr.err
                                                        : "out of memory");
                if (below)
                    rp_dir_close(&f.dir);
                ex = EXIT_FILE;
                break;
            }
            ex = below ? wr_open_at(&w[i], &rr, &f, wpath[i], ft, &o)
                       : wr_open(&w[i], wpath[i], ft, &o);
            if (below)
                rp_dir_close(&f.dir);
            if (ex != EXIT_OK)
                break;
            if ((ex = undo_hive(&r, &m, hives[i], &w[i])) != EXIT_OK)
                break;
        }
    if (ex == EXIT_OK && !r.dry_run) {
        sigset_t old;
        cleanup_block(&old);
        for (int i = 0; i < 2 && ex == EXIT_OK; i++)
            if (w[i].h)
                ex = wr_commit(&w[i], &o);
        if (ex == EXIT_OK)
            undo_files(&r, &m);
        cleanup_unblock(&old, ex == EXIT_OK);
    } else if (ex == EXIT_OK) {
        undo_files(&r, &m);
    }
    for (int i = 0; i < 2; i++) {
        if (w[i].h)
            wr_close(&w[i]);
        free(wpath[i]);
    }
    root_unlock(lock);
    rp_root_close(&rr);
    if (ex == EXIT_OK)
        printf("%s: %s%u change(s) taken back%s%u kept (see above)\n", mpath,
               r.dry_run ? "dry run: " : "", r.done, ", ", r.kept);
    manifest_free(&m);
    return ex;
}
