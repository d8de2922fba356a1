/* cmd_doctor.c - `hivekit doctor`: will the guest boot on the controller
 * it is moved to? The diagnosis is src/inject/doctor.c's; this file
 * finds and opens the hives (read-only: nothing is ever written, a
 * read-only mount is fine), and picks the exit status (exit.h): 0 boots,
 * EXIT_WARN boots with warnings, EXIT_NOBOOT will not boot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>

#include "cli.h"
#include "doctor.h"
#include "doctor_render.h"
#include "pe.h"

/* --root: a file relative to the Windows folder, any case, resolved
 * inside the volume (root_path.h) and read through the descriptor of its
 * folder; SHOWN is ROOT/... (or why it was refused). */
struct root_ctx {
    struct rp_root *r;
};

static int find_in_root(void *ctx, const char *rel, uint16_t machine,
                        char *shown, size_t size, int *pe, char *err,
                        size_t errn)
{
    struct root_ctx *c = ctx;
    struct rp_root *r = c->r;
    char path[600];
    const char *slash = strrchr(rel, '/');
    struct rp_dir d;
    struct rp_file f;
    if (!slash || snprintf(path, sizeof path, "Windows/%.*s",
                           (int)(slash - rel), rel) >= (int)sizeof path)
        return -1;
    int rc = rp_dir_open(r, path, 0, &d);
    if (rc == RP_REFUSED)
        snprintf(shown, size, "%s", r->err);
    if (rc != RP_OK)
        return -1;
    rc = rp_file_find(r, &d, slash + 1, &f);
    rp_dir_close(&d);
    if (rc == RP_REFUSED)
        snprintf(shown, size, "%s", r->err);
    if (rc != RP_OK)
        return -1;
    int found = f.exists;
    if (found) {
        rp_shown(r, f.dir.rel, f.name, shown, size);
        /* Read through its folder's descriptor. */
        *pe = pe_check_at(f.dir.fd, f.name, machine, NULL, err, errn);
    }
    rp_dir_close(&f.dir);
    return found ? 0 : -1;
}

/* The hive NAME in DIRFD, or the path NAME when DIRFD is AT_FDCWD,
 * waiting (--wait) while a writer holds it. */
static int open_in(int dirfd, const char *name, unsigned flags,
                   regf_hive **out)
{
    return dirfd == AT_FDCWD ? cli_open_hive(name, flags, out)
                             : cli_open_hive_at(dirfd, name, flags, out);
}

/* Opens the hive NAME in DIRFD (AT_FDCWD: NAME is a path) read-only,
 * SHOWN in messages; a dirty hive is recovered in memory from its logs
 * when one applies, else read as it is on disk (*NOTE says so). */
static int open_hive(int dirfd, const char *name, const char *shown,
                     regf_hive **out, char *note, size_t nsize)
{
    regf_hive *h;
    struct regf_info info;
    int rc = open_in(dirfd, name, 0, &h);
    if (rc != REGF_OK) {
        int ex = cli_open_failed(shown, h, rc);
        regf_close(h);
        return ex;
    }
    if (regf_get_info(h, &info) == REGF_OK && info.dirty) {
        regf_hive *r;
        if (open_in(dirfd, name, REGF_OPEN_RECOVER, &r) == REGF_OK) {
            regf_close(h);
            h = r;
            snprintf(note, nsize, "%s is dirty: read as recovered from its "
                     "transaction logs (in memory only)", shown);
        } else {
            regf_close(r);
            snprintf(note, nsize, "%s is dirty and no transaction log "
                     "applies: read as it is on disk", shown);
        }
    }
    *out = h;
    return EXIT_OK;
}

/* --target T[,T...] or any into O->targets; EXIT_OK or EXIT_USAGE. */
static int parse_targets(const char *arg, struct doc_opts *o, int *any)
{
    const char *p = arg ? arg : "virtio-blk";
    *any = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        char name[32];
        const struct boot_target_info *t;
        snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), p);
        if (strcasecmp(name, "any") == 0) {
            *any = 1;
            o->targets |= (1u << BOOT_TARGET_COUNT) - 1;
        } else if (n < 32 && (t = boot_target_find(name)) != NULL) {
            o->targets |= 1u << t->target;
        } else {
            return cli_usage_error("doctor", "--target takes virtio-blk, "
                                   "virtio-scsi, sata, nvme, ide or any "
                                   "(comma-separated), not '%.*s'", (int)n,
                                   p);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return o->targets ? EXIT_OK
                      : cli_usage_error("doctor", "--target names nothing");
}

/* The status: 0 every requested target boots without a warning, EXIT_WARN
 * with one, EXIT_NOBOOT one does not (with any: none does). */
static int status(const struct doc_result *res, int any)
{
    int boots = 0, fails = 0, warns = res->general.n > 0;
    for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
        if (!doc_target_done(res, (enum boot_target)t))
            continue;
        const struct doc_target *tg = &res->targets[t];
        if (tg->boots) {
            boots++;
            warns |= tg->reasons.n > 0;
        } else {
            fails++;
        }
    }
    if (any ? boots == 0 : fails > 0)
        return EXIT_NOBOOT;
    return warns ? EXIT_WARN : EXIT_OK;
}

int cmd_doctor(const struct cli_args *a)
{
    const char *root = cli_arg(a, OPT_ROOT), *sys = cli_arg(a, OPT_SYSTEM),
               *soft = cli_arg(a, OPT_SOFTWARE);
    char sys_path[4096], soft_path[4096], hib[4096];
    char notes[2][600] = { "", "" };
    struct doc_opts o;
    struct doc_result *res = NULL;
    regf_hive *hs = NULL, *hw = NULL;
    struct rp_root rr;
    struct rp_file sysf, softf;
    struct root_ctx rctx = { NULL };
    int any, ex, rooted = 0, hives = 0;

    memset(&o, 0, sizeof o);
    if (!root == !sys)
        return cli_usage_error("doctor", "give either --root DIR or --system "
                               "SYSTEM");
    if (root && soft)
        return cli_usage_error("doctor", "--software goes with --system; "
                               "--root finds SOFTWARE itself");
    if ((ex = parse_targets(cli_arg(a, OPT_TARGET), &o, &any)) != EXIT_OK)
        return ex;
    if (root) {
        if (rp_root_open(&rr, root) != RP_OK) {
            cli_error("%s", rr.err);
            return EXIT_FILE;
        }
        rooted = 1;
        int rc = root_hives(&rr, &sysf, &softf);
        if (rc == RP_MISSING)
            cli_error("%s: no Windows/System32/config/SYSTEM below it (is it "
                      "the Windows volume, mounted?)", root);
        else if (rc != RP_OK)
            cli_error("%s", rr.err);
        if (rc != RP_OK) {
            ex = EXIT_FILE;
            goto out;
        }
        hives = 1;
        rp_shown(&rr, sysf.dir.rel, sysf.name, sys_path, sizeof sys_path);
        sys = sys_path;
        if (softf.exists) {
            rp_shown(&rr, softf.dir.rel, softf.name, soft_path,
                     sizeof soft_path);
            soft = soft_path;
        }
        o.find = find_in_root;
        rctx.r = &rr;
        o.ctx = &rctx;
        if ((o.hibernated = root_hibernated(&rr, hib, sizeof hib)) < 0) {
            cli_error("%s", rr.err);
            ex = EXIT_FILE;
            goto out;
        }
    }
    if (root && ((ex = root_hive_check(&rr, &sysf, sys)) != EXIT_OK ||
                 (soft && (ex = root_hive_check(&rr, &softf, soft)) !=
                              EXIT_OK)))
        goto out;
    if ((ex = root ? open_hive(sysf.dir.fd, sysf.name, sys, &hs, notes[0],
                               sizeof notes[0])
                   : open_hive(AT_FDCWD, sys, sys, &hs, notes[0],
                               sizeof notes[0])) != EXIT_OK ||
        (soft && (ex = root ? open_hive(softf.dir.fd, softf.name, soft, &hw,
                                        notes[1], sizeof notes[1])
                            : open_hive(AT_FDCWD, soft, soft, &hw, notes[1],
                                        sizeof notes[1])) != EXIT_OK))
        goto out;
    if (!(res = calloc(1, sizeof *res))) {
        cli_error("out of memory");
        ex = EXIT_FILE;
        goto out;
    }
    int rc = doc_run(hs, hw, &o, res);
    if (rc != REGF_OK) {
        cli_error("%s: %s", sys, res->err);
        ex = rc == REGF_EINVAL ? EXIT_USAGE : cli_exit_regf(rc);
        goto out;
    }
    for (int i = 0; i < 2; i++)
        if (notes[i][0])
            cli_error("note: %s", notes[i]);
    ex = status(res, any);
    struct doc_render_in in = { sys, soft, root, cli_has(a, OPT_VERBOSE),
                                ex };
    if (cli_has(a, OPT_JSON))
        doc_render_json(stdout, res, &in);
    else
        doc_render_text(stdout, res, &in);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write the output");
        ex = EXIT_FILE;
    }
out:
    if (res)
        doc_free(res);
    free(res);
    regf_close(hs);
    regf_close(hw);
    if (hives) {
        rp_dir_close(&sysf.dir);
        rp_dir_close(&softf.dir);
    }
    if (rooted)
        rp_root_close(&rr);
    return ex;
}
