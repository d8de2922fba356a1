/* plan_text.c - an inject change set for people and for later: the human
 * listing a dry run prints on standard error (strings, REG_EXPAND_SZ
 * included, shown as text), and --patch-dir DIR, which saves the change
 * set as one importable .reg per hive plus that listing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "inject.h"

static void show_value(FILE *f, uint32_t type, const uint8_t *p, size_t n)
{
    char tl[32], text[512];
    render_short(type, p, n, text, sizeof text, 200);
    fprintf(f, "%s %s", type_label(type, tl, sizeof tl), text);
}

void plan_list(FILE *f, const char *hive, const struct inj_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct inj_change *c = &p->c[i];
        switch (c->op) {
        case INJ_MKKEY:
            fprintf(f, "%s: create key \\%s\n", hive, c->key);
            break;
        case INJ_DEL_KEY:
            fprintf(f, "%s: delete key \\%s (with its subtree)\n", hive,
                    c->key);
            break;
        case INJ_DEL_VALUE:
            fprintf(f, "%s: delete value \\%s \"%s\" (", hive, c->key,
                    c->name ? c->name : "");
            show_value(f, c->old_type, c->old_data, c->old_len);
            fputs(")\n", f);
            break;
        case INJ_SET:
            fprintf(f, "%s: set \\%s \"%s\" = ", hive, c->key,
                    c->name ? c->name : "");
            show_value(f, c->type, c->data, c->len);
            if (c->existed) {
                fputs(" (was ", f);
                show_value(f, c->old_type, c->old_data, c->old_len);
                fputs(")\n", f);
            } else {
                fputs(" (new)\n", f);
            }
            break;
        }
    }
}

static int file_write(void *ctx, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : -1;
}

/* Creates DIR/NAME (never over an existing file) through WRITE_FN. */
static int write_new(const char *dir, const char *name,
                     int (*fill)(FILE *f, const void *arg), const void *arg)
{
    char path[4200], tmp[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cleanup_tmpname(path, tmp, sizeof tmp) != 0)
        return EXIT_FILE;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("%s: cannot create: %s", path, strerror(errno));
        return EXIT_FILE;
    }
    int cid = cleanup_add(tmp, 0);
    (void)!fchmod(fd, 0644);
    FILE *f = fdopen(fd, "w");
    int rc = f ? fill(f, arg) : -1;
    if (f ? fclose(f) != 0 : close(fd) != 0)
        rc = -1;
    if (rc == 0 && (rc = place_noreplace(tmp, path)) != 0) {
        cli_error("%s: %s", path, rc == EEXIST ? "exists (a patch file is "
                  "never overwritten)" : strerror(rc));
    } else if (rc != 0) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
    }
    if (rc != 0)
        unlink(tmp);
    cleanup_forget(cid);
    return rc == 0 ? EXIT_OK : EXIT_FILE;
}

struct reg_arg {
    const struct inj_plan *p;
    const char *prefix;
};
static int fill_reg(FILE *f, const void *arg)
{
    const struct reg_arg *a = arg;
    return inj_plan_reg(a->p, a->prefix, 0, file_write, f) == REGF_OK ? 0
                                                                      : -1;
}

struct list_arg {
    const struct inj_plan *ps, *pw;
    const struct stage *st;
};
static int fill_list(FILE *f, const void *arg)
{
    const struct list_arg *a = arg;
    plan_list(f, "SYSTEM", a->ps);
    if (a->pw)
        plan_list(f, "SOFTWARE", a->pw);
    for (int i = 0; a->st && i < a->st->n; i++) {
        const struct stage_file *sf = &a->st->f[i];
        if (sf->same)
            fprintf(f, "file: %s is already there\n", sf->final);
        else
            fprintf(f, "file: %s %s to %s\n", sf->exists ? "replace (kept "
                    "as a backup) with" : "copy", sf->src, sf->final);
    }
    return ferror(f) ? -1 : 0;
}

int plan_patch_dir(const char *dir, const struct inj_plan *ps,
                   const struct inj_plan *pw, const struct stage *st)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        cli_error("%s: cannot create: %s", dir, strerror(errno));
        return EXIT_FILE;
    }
    struct reg_arg rs = { ps, "HKEY_LOCAL_MACHINE\\SYSTEM" };
    struct reg_arg rw = { pw, "HKEY_LOCAL_MACHINE\\SOFTWARE" };
    struct list_arg la = { ps, pw, st };
    int ex = write_new(dir, "SYSTEM.reg", fill_reg, &rs);
    if (ex == EXIT_OK && pw)
        ex = write_new(dir, "SOFTWARE.reg", fill_reg, &rw);
    if (ex == EXIT_OK)
        ex = write_new(dir, "changes.txt", fill_list, &la);
    if (ex == EXIT_OK)
        fprintf(stderr, "hivekit: change set saved in %s: SYSTEM.reg%s, "
                "changes.txt\n", dir, pw ? ", SOFTWARE.reg" : "");
    return ex;
}
