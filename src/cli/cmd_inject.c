/* cmd_inject.c - `hivekit inject`: register a virtio storage driver in an
 * offline Windows guest so it boots from virtio (src/inject/inject.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "inf.h"
#include "inject.h"
#include "inject_pkg.h"
#include "repair.h"
#include "virtio_win.h"

#define MAX_DRIVERS 8

struct inject_opts {
    struct write_options c;
    const char *system, *software, *driver, *windows, *arch, *undo,
               *devicepath, *root, *virtio_win, *patch_dir;
    const char *infs[MAX_DRIVERS];     /* every --inf, in order */
    size_t ninfs;
    char names[MAX_DRIVERS][64];       /* --driver NAME[,NAME...] */
    size_t nnames;
    int dry_run, json, stage;
    const char *fallback;              /* --fallback NAME[,NAME...] */
    char fallbacks[INJ_MAX_FALLBACKS][64];
    struct inj_repair_opts rep;        /* the repairs asked for */
    int repairs;                       /* any of them */
    struct rp_root *rr;                /* --root, resolved */
    struct rp_file sysf, softf;        /* its hives (softf.exists: one) */
};

/* One driver of the run: where it comes from, what it is, and what its
 * plan changed (kept for the report once the plans are joined). */
struct job {
    struct inj_driver d;
    char inf[4096];                    /* "" for a built-in profile */
    char choice[1400];                 /* the line saying what was chosen */
    size_t n, sets, dels;
    int ncontrolsets, driver_database;
    char controlsets[3][16];
    char label[160];
    char published[64];                /* the package's name: oemNN.inf
                                          with --stage, else the INF's */
    char replaced[4][160];             /* hivekit's older packages of the
                                          same INF it replaces */
    int nreplaced;
};

static const char *op_name(enum inj_op op)
{
    switch (op) {
    case INJ_SET: return "set";
    case INJ_DEL_VALUE: return "delete_value";
    case INJ_MKKEY: return "create_key";
    default: return "delete_key";
    }
}

/* The changes of PLAN to HIVE as JSON array members (`inject --dry-run
 * --json`); *first tracks the separator. */
static void plan_json(const char *hive, const struct inj_plan *plan,
                      int *first)
{
    for (size_t i = 0; i < plan->n; i++) {
        const struct inj_change *c = &plan->c[i];
        fputs(*first ? "\n  {\"hive\": " : ",\n  {\"hive\": ", stdout);
        *first = 0;
        json_str(stdout, hive);
        printf(", \"op\": \"%s\", \"key\": ", op_name(c->op));
        json_key_path(stdout, c->key);
        if (c->op == INJ_SET || c->op == INJ_DEL_VALUE) {
            fputs(", \"name\": ", stdout);
            json_str(stdout, c->name ? c->name : "");
        }
        if (c->op == INJ_SET) {
            fputs(", ", stdout);
            json_type(stdout, c->type);
            printf(", \"size\": %lu, \"data\": ", (unsigned long)c->len);
            json_value_data(stdout, c->type, c->data, c->len);
        }
        fputs(", \"existed\": ", stdout);
        json_bool(stdout, c->existed);
        if ((c->op == INJ_SET || c->op == INJ_DEL_VALUE) && c->existed) {
            fputs(", \"old\": {", stdout);
            json_type(stdout, c->old_type);
            printf(", \"size\": %lu, \"data\": ", (unsigned long)c->old_len);
            json_value_data(stdout, c->old_type, c->old_data, c->old_len);
            putchar('}');
        }
        putchar('}');
    }
}

static int write_file(void *ctx, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : -1;
}

/* --root: the binary to System32\drivers, the driver folder's INF, SYS and
 * CAT to Windows\Drivers\VirtIO, staged (guest_root.c): nothing is in
 * place before the hives are written. The files are looked up next to
 * the INF whatever their case. Called once per driver of the run, all
 * adding to the one stage ST. */
static int copy_files(const struct inject_opts *o, const char *inf,
                      const struct inj_driver *d, struct stage *st)
{
    char infdir[4096], src[4200];
    struct rp_dir drivers, store = { -1, "" };
    const char *slash = strrchr(inf, '/');
    if (slash)
        snprintf(infdir, sizeof infdir, "%.*s", (int)(slash - inf), inf);
    else
        snprintf(infdir, sizeof infdir, ".");
    int rc = rp_dir_open(o->rr, "Windows/System32/drivers", 0, &drivers);
    if (rc != RP_OK) {
        if (rc == RP_MISSING)
            cli_error("%s: no Windows/System32/drivers below it", o->root);
        else
            cli_error("%s; nothing was changed", o->rr->err);
        return EXIT_FILE;
    }
    if (root_find(infdir, d->binary, src, sizeof src) != 0) {
        cli_error("%s: the driver binary %s is not next to the INF", infdir,
                  d->binary);
        rp_dir_close(&drivers);
        return EXIT_FILE;      /* a missing input file */
    }
    /* A binary Windows cannot boot is refused before anything changes. */
    rc = pkg_check_binary(src, d, o->c.force, "");
    if (rc == EXIT_OK) {
        stage_sibling(st, &drivers);
        rc = stage_dir(st, "Windows/Drivers/VirtIO", &store);
    }
    if (rc == EXIT_OK)
        rc = stage_add(st, src, &drivers, d->binary);
    /* ... and checked again as the copy ImagePath will point at (staged,
     * or the identical file already there). */
    if (rc == EXIT_OK && !st->dry_run) {
        const struct stage_file *f = &st->f[st->n - 1];
        char shown[4400];
        snprintf(shown, sizeof shown, "%s%s", f->shown_dir,
                 f->same ? f->name : f->tmp);
        rc = pkg_check_installed(f->dirfd, f->same ? f->name : f->tmp, shown,
                                 d, o->c.force);
    }
    if (rc == EXIT_OK)
        rc = stage_add(st, src, &store, d->binary);
    const char *inf_base = slash ? slash + 1 : inf;
    if (rc == EXIT_OK)
        rc = stage_add(st, inf, &store, inf_base);
    if (rc == EXIT_OK && d->catalog[0] &&
        root_find(infdir, d->catalog, src, sizeof src) == 0)
        rc = stage_add(st, src, &store, d->catalog);
    rp_dir_close(&drivers);
    rp_dir_close(&store);
    return rc;
}

/* What the run did to SYSTEM, driver by driver; without --root (SYSROOT
 * the guest's %SystemRoot% or "") where each binary must be copied. */
static void summary_system(const struct job *jobs, size_t njobs, int root,
                           const char *sysroot)
{
    for (size_t k = 0; k < njobs; k++) {
        const struct job *j = &jobs[k];
        const struct inj_driver *d = &j->d;
        if (j->n == 0) {
            printf("SYSTEM: nothing to change: %s is already set up\n",
                   d->service);
            if (!root)
                pkg_say_binary_path(stdout, "SYSTEM", d, sysroot);
            continue;
        }
        for (int i = 0; i < j->ncontrolsets; i++)
            printf("SYSTEM: %s: service %s boot-start (ImagePath "
                   "System32\\drivers\\%s, Group %s), %zu hardware and %zu "
                   "compatible ids in CriticalDeviceDatabase\n",
                   j->controlsets[i], d->service, d->binary, d->group,
                   d->nhw, d->ncompat);
        if (j->driver_database)
            printf("SYSTEM: DriverDatabase: package %s (%s, version "
                   "%u.%u.%u.%u)\n", j->label, j->published, d->ver[0],
                   d->ver[1], d->ver[2], d->ver[3]);
        for (int i = 0; i < j->nreplaced; i++)
            printf("SYSTEM: DriverDatabase: package %s replaced\n",
                   j->replaced[i]);
        printf("SYSTEM: %zu values set%s\n", j->sets,
               j->dels ? ", StartOverride removed" : "");
        if (!root)
            pkg_say_binary_path(stdout, "SYSTEM", d, sysroot);
    }
}

static void summary_software(const struct inj_plan *p)
{
    if (p->n == 0) {
        printf("SOFTWARE: nothing to change: DevicePath is already set up\n");
        return;
    }
    size_t sets = 0;
    for (size_t i = 0; i < p->n; i++)
        sets += p->c[i].op == INJ_SET;
    printf("SOFTWARE: DevicePath extended\nSOFTWARE: %zu values set\n", sets);
}

/* --root: the hives below ROOT (SOFTWARE if there is one); EXIT_OK, or
 * EXIT_FILE for a hibernated guest or no SYSTEM hive. */
static int find_root_hives(struct inject_opts *o, char *sys, char *soft,
                           size_t size)
{
    char hib[4096];
    int hibernated = root_hibernated(o->rr, hib, sizeof hib);
    if (hibernated < 0) {
        cli_error("%s; nothing was changed", o->rr->err);
        return EXIT_FILE;
    }
    if (hibernated) {
        cli_error("%s: Windows is hibernated or was shut down with Fast "
                  "Startup: it would write its in-memory registry back over "
                  "any edit. Boot it and shut it down fully (shutdown /s /f "
                  "/t 0, or disable Fast Startup: powercfg /h off), then "
                  "try again; nothing was changed", hib);
        return EXIT_FILE;
    }
    int rc = root_hives(o->rr, &o->sysf, &o->softf);
    if (rc == RP_MISSING) {
        cli_error("%s: no Windows/System32/config/SYSTEM below it (is it "
                  "the Windows volume, mounted?)", o->root);
        return EXIT_FILE;
    }
    if (rc != RP_OK) {
        cli_error("%s; nothing was changed", o->rr->err);
        return EXIT_FILE;
    }
    rp_shown(o->rr, o->sysf.dir.rel, o->sysf.name, sys, size);
    o->system = sys;
    if (o->softf.exists) {
        rp_shown(o->rr, o->softf.dir.rel, o->softf.name, soft, size);
        o->software = soft;
    }
    return EXIT_OK;
}

/* Splits the value S of option OPT (NAME[,NAME...], e.g. EXAMPLE) into
 * NAMES (at most MAX, *N of them); EXIT_OK or EXIT_USAGE. */
static int split_names(const char *opt, const char *example, const char *s,
                       char names[][64], size_t max, size_t *n)
{
    const char *p = s;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof names[0] || memchr(p, '/', len))
            return cli_usage_error("inject", "%s takes NAME[,NAME...], "
                                   "e.g. %s", opt, example);
        if (*n == max)
            return cli_usage_error("inject", "at most %zu names for %s",
                                   max, opt);
        snprintf(names[*n], sizeof names[0], "%.*s", (int)len, p);
        for (size_t i = 0; i < *n; i++)
            if (strcasecmp(names[i], names[*n]) == 0)
                return cli_usage_error("inject", "%s names %s twice", opt,
                                       names[i]);
        (*n)++;
        p += len;
        if (*p == ',' && !*++p)
            return cli_usage_error("inject", "%s ends with a comma", opt);
    }
    return EXIT_OK;
}

/* --fallback into O->rep: names of boot_fallbacks only. */
static int fallback_names(struct inject_opts *o)
{
    int ex = split_names("--fallback", "storahci,stornvme", o->fallback,
                         o->fallbacks, INJ_MAX_FALLBACKS, &o->rep.nfallback);
    for (size_t i = 0; ex == EXIT_OK && i < o->rep.nfallback; i++) {
        if (!inj_fallback_find(o->fallbacks[i])) {
            char known[256];
            size_t len = 0;
            for (size_t k = 0; k < boot_nfallbacks && len < sizeof known;
                 k++)
                len += (size_t)snprintf(known + len, sizeof known - len,
                                        "%s%s", k ? ", " : "",
                                        boot_fallbacks[k].service);
            return cli_usage_error("inject", "--fallback: unknown in-box "
                                   "controller '%s' (known: %s)",
                                   o->fallbacks[i], known);
        }
        o->rep.fallback[i] = o->fallbacks[i];
    }
    return ex;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The combinations of options that make sense, --arch and --windows
 * (into VER); EXIT_OK or EXIT_USAGE. */
static int check_options(struct inject_opts *o, unsigned ver[3])
{
    int ex;
    if (o->json && (!o->dry_run || o->root))
        return cli_usage_error("inject", "--json goes with --dry-run, and not "
                               "with --root");
    if (o->root && (o->system || o->software))
        return cli_usage_error("inject", "--root finds the hives itself; "
                               "do not give --system or --software");
    o->repairs = o->rep.fix_filters || o->rep.disable_leftovers ||
                 o->rep.no_autoreboot || o->fallback;
    int driver = o->driver || o->ninfs || o->virtio_win;
    if (o->root && !o->ninfs && !o->virtio_win && (o->driver || !o->repairs))
        return cli_usage_error("inject", "--root copies the driver's files: "
                               "give --virtio-win DIR or its --inf (next to "
                               "its .sys and .cat)");
    if (o->stage && !driver)
        return cli_usage_error("inject", "--stage stages a driver package: "
                               "give a driver");
    if (o->stage && !o->root)
        return cli_usage_error("inject", "--stage places the package's files "
                               "in the guest: it needs --root");
    if (!o->system && !o->root)
        return cli_usage_error("inject", "--system SYSTEM (or --root DIR) is "
                               "required");
    if (o->virtio_win && o->ninfs)
        return cli_usage_error("inject", "give either --virtio-win DIR or "
                               "--inf, not both");
    if (!driver && !o->repairs)
        return cli_usage_error("inject", "give --virtio-win DIR, --inf "
                               "DRIVER.inf or --driver viostor|vioscsi, or "
                               "a repair (--fix-filters, --fallback NAME, "
                               "--disable-leftovers, --no-autoreboot)");
    if ((ex = split_names("--driver", "viostor,vioscsi", o->driver, o->names,
                          MAX_DRIVERS, &o->nnames)) != EXIT_OK ||
        (ex = fallback_names(o)) != EXIT_OK)
        return ex;
    if (o->ninfs && o->driver) {
        int dirs = 0;
        for (size_t i = 0; i < o->ninfs; i++)
            dirs |= is_directory(o->infs[i]);
        if (!dirs)
            return cli_usage_error("inject", "give either --inf DRIVER.inf "
                                   "or --driver viostor|vioscsi (--driver "
                                   "goes with --inf only to pick the INF "
                                   "in a folder)");
    }
    if (o->arch && !inj_arch_norm(o->arch))
        return cli_usage_error("inject", "--arch must be amd64 (x64, "
                               "x86_64), x86 (i386) or arm64, not '%s'",
                               o->arch);
    if (o->windows &&
        sscanf(o->windows, "%u.%u.%u", &ver[0], &ver[1], &ver[2]) < 2)
        return cli_usage_error("inject", "--windows takes MAJOR.MINOR[.BUILD], "
                               "e.g. 10.0.19041");
    /* struct inj_driver is large (the package's AddReg, ids, strings):
     * not on the stack. */
    struct inj_driver *d = NULL;
    if (!o->ninfs && !o->virtio_win && o->nnames &&
        !(d = malloc(sizeof *d))) {
        cli_error("out of memory");
        return EXIT_FILE;
    }
    ex = EXIT_OK;
    for (size_t i = 0; !o->ninfs && !o->virtio_win && i < o->nnames; i++)
        if (inj_profile(o->names[i], "amd64", d) != REGF_OK) {
            ex = cli_usage_error("inject", "unknown driver '%s' (built in: "
                                 "viostor, vioscsi; others need --inf or "
                                 "--virtio-win)", o->names[i]);
            break;
        }
    free(d);
    return ex;
}

/* What the hives say about the guest, with --windows VER over it. An exit
 * status: a given --arch the guest does not have is refused. */
static int detect_guest(const struct inject_opts *o, regf_hive *system,
                        regf_hive *software, const unsigned ver[3],
                        struct inj_guest *g, const char **arch)
{
    inj_guest_system(system, NULL, g);
    if (software)
        inj_guest_software(software, g);
    if (o->windows) {
        g->major = ver[0];
        g->minor = ver[1];
        g->build = ver[2];
        snprintf(g->version_from, sizeof g->version_from, "--windows");
    }
    const char *own = g->processor_architecture[0] ?
                      inj_guest_arch_name(g) : NULL;
    *arch = o->arch ? inj_arch_norm(o->arch) : own ? own : "amd64";
    if (o->arch && own && strcmp(*arch, own) != 0)
        return cli_usage_error("inject", "--arch %s: the guest is %s "
                               "(PROCESSOR_ARCHITECTURE); leave --arch out "
                               "or give --arch %s", o->arch,
                               g->processor_architecture, own);
    return EXIT_OK;
}

/* "Windows Server 2019 (17763, ServerNT, AMD64)". */
static void guest_line(const struct inj_guest *g, const char *arch,
                       char *buf, size_t n)
{
    char name[64], ver[32];
    inj_guest_name(g, name, sizeof name);
    if (g->build)
        snprintf(ver, sizeof ver, "%u", g->build);
    else
        snprintf(ver, sizeof ver, "%u.%u", g->major, g->minor);
    snprintf(buf, n, "%s (%s, %s, %s)", name, g->major ? ver : "version "
             "unknown", g->product_type[0] ? g->product_type :
             g->server == 1 ? "server" : "ProductType unknown",
             g->processor_architecture[0] ? g->processor_architecture : arch);
}

/* The drivers of the run into JOBS (*NJOBS): the built-in profiles, the
 * --inf files (an --inf DIR gives the INF in it), or what --virtio-win
 * finds for the guest. An exit status, message printed. */
static int describe_drivers(const struct inject_opts *o, regf_hive *system,
                            const char *arch, const struct inj_guest *g,
                            struct job *jobs, size_t *njobs)
{
    char err[2048], warn[1024], gl[160];
    guest_line(g, arch, gl, sizeof gl);
    *njobs = 0;
    if (!o->ninfs && !o->virtio_win) {
        for (size_t i = 0; i < o->nnames; i++)
            inj_profile(o->names[i], arch, &jobs[(*njobs)++].d);
        return EXIT_OK;
    }
    if (o->virtio_win) {
        regf_key sel;
        if (!g->major && regf_key_lookup(system, 0, "Select", &sel) != REGF_OK) {
            cli_error("%s: no Select key at the root: not a SYSTEM hive",
                      o->system);
            return EXIT_USAGE;
        }
        if (!g->major) {
            cli_error("cannot tell the guest's Windows version from %s: give "
                      "--software SOFTWARE or --windows MAJOR.MINOR.BUILD",
                      o->system);
            return EXIT_USAGE;
        }
        size_t n = o->nnames ? o->nnames : 1;
        for (size_t i = 0; i < n; i++) {
            struct job *j = &jobs[(*njobs)++];
            struct inj_vw_choice c;
            const char *name = o->nnames ? o->names[i] : "viostor";
            int st = inj_vw_find(o->virtio_win, name, g, arch, o->c.force, &c,
                                 &j->d, err, sizeof err);
            if (st != INF_OK) {
                cli_error("%s", err);
                return st == INF_NOTFOUND ? EXIT_FILE : cli_exit_inf(st);
            }
            snprintf(j->inf, sizeof j->inf, "%s", c.inf);
            snprintf(j->choice, sizeof j->choice, "%s -> %.1000s%s%s%s", gl,
                     c.rel, c.driver_version[0] ? " (" : "",
                     c.driver_version, c.driver_version[0] ? ")" : "");
            if (c.note[0])
                cli_error("warning: %s", c.note);
        }
        return EXIT_OK;
    }
    for (size_t i = 0; i < o->ninfs; i++) {
        const char *inf = o->infs[i];
        size_t npick = is_directory(inf) && o->nnames ? o->nnames : 1;
        for (size_t k = 0; k < npick; k++) {
            if (*njobs == MAX_DRIVERS) {
                cli_error("at most %d drivers in one run", MAX_DRIVERS);
                return EXIT_USAGE;
            }
            struct job *j = &jobs[(*njobs)++];
            if (is_directory(inf)) {
                int st = inj_inf_in_dir(inf, o->nnames ? o->names[k] : NULL,
                                        j->inf, sizeof j->inf, err,
                                        sizeof err);
                if (st != INF_OK) {
                    cli_error("%s", err);
                    return st == INF_NOTFOUND ? EXIT_FILE : cli_exit_inf(st);
                }
            } else {
                snprintf(j->inf, sizeof j->inf, "%s", inf);
            }
            int st = inj_vw_driver(j->inf, arch, g, o->root != NULL, &j->d,
                                   err, sizeof err, warn, sizeof warn);
            if (st != INF_OK) {
                cli_error("%s", err);
                return cli_exit_inf(st);      /* an INF_* status */
            }
            if (warn[0])
                cli_error("warning: %s", warn);
            if (g->major)
                snprintf(j->choice, sizeof j->choice, "%s -> %.1200s", gl, j->inf);
        }
    }
    for (size_t i = 0; i < *njobs; i++)
        for (size_t k = 0; k < i; k++)
            if (strcasecmp(jobs[i].d.service, jobs[k].d.service) == 0) {
                cli_error("%s and %s both install the service %s: give each "
                          "driver once", jobs[k].inf, jobs[i].inf,
                          jobs[i].d.service);
                return EXIT_USAGE;
            }
    return EXIT_OK;
}

/* Moves the changes of SRC to the end of DST (SRC is left empty): one
 * plan for the whole run, in the order the changes were made. */
static int plan_join(struct inj_plan *dst, struct inj_plan *src)
{
    if (dst->n + src->n > dst->cap) {
        size_t cap = dst->n + src->n;
        struct inj_change *c = realloc(dst->c, cap * sizeof *c);
        if (!c)
            return REGF_ENOMEM;
        dst->c = c;
        dst->cap = cap;
    }
    if (src->n)
        memcpy(dst->c + dst->n, src->c, src->n * sizeof *src->c);
    dst->n += src->n;
    if (!dst->ncontrolsets) {
        memcpy(dst->controlsets, src->controlsets, sizeof dst->controlsets);
        dst->ncontrolsets = src->ncontrolsets;
    }
    dst->driver_database |= src->driver_database;
    free(src->c);
    src->c = NULL;
    src->n = src->cap = 0;
    return REGF_OK;
}

/* Plans each driver on SYSTEM as the ones before it left it (applied in
 * memory; nothing is written until the commit), joined into PS. An exit
 * status, message printed. */
static int plan_drivers(const struct inject_opts *o, regf_hive *h,
                        const struct inj_pkg_opts *po, struct job *jobs,
                        size_t njobs, struct inj_plan *ps)
{
    for (size_t k = 0; k < njobs; k++) {
        struct job *j = &jobs[k];
        struct inj_plan p;
        memset(&p, 0, sizeof p);
        int rc = inj_plan_system_pkg(h, &j->d, po, &p);
        if (rc != REGF_OK) {
            cli_error("%s: %s", o->system, p.err[0] ? p.err : regf_errmsg(h));
            inj_plan_free(&p);
            return cli_exit_regf(rc);
        }
        j->n = p.n;
        for (size_t i = 0; i < p.n; i++) {
            /* Replacing an older package deletes keys too: only a
             * StartOverride removal is reported as such. */
            size_t kl = strlen(p.c[i].key);
            j->sets += p.c[i].op == INJ_SET;
            j->dels += p.c[i].op == INJ_DEL_KEY && kl >= 14 &&
                       strcmp(p.c[i].key + kl - 14, "\\StartOverride") == 0;
        }
        j->ncontrolsets = p.ncontrolsets;
        memcpy(j->controlsets, p.controlsets, sizeof j->controlsets);
        j->driver_database = p.driver_database;
        snprintf(j->label, sizeof j->label, "%s", p.label);
        snprintf(j->published, sizeof j->published, "%s", p.published);
        j->nreplaced = p.nreplaced;
        memcpy(j->replaced, p.replaced, sizeof j->replaced);
        if ((rc = inj_apply(h, &p)) != REGF_OK) {
            inj_plan_free(&p);
            return cli_fail(h, rc);
        }
        if ((rc = plan_join(ps, &p)) != REGF_OK) {
            inj_plan_free(&p);
            cli_error("out of memory");
            return EXIT_FILE;
        }
    }
    return EXIT_OK;
}

/* The repairs O asks for, planned on SYSTEM as the drivers left it,
 * applied in memory and joined into PS; R says what they do. An exit
 * status, message printed. */
static int plan_repairs(const struct inject_opts *o, regf_hive *h,
                        const struct inj_guest *g, struct inj_plan *ps,
                        struct inj_repair_report *r)
{
    struct inj_plan p;
    memset(&p, 0, sizeof p);
    int rc = inj_plan_repairs(h, &o->rep, g, &p, r);
    if (rc != REGF_OK) {
        cli_error("%s: %s", o->system, p.err[0] ? p.err : regf_errmsg(h));
        inj_plan_free(&p);
        return cli_exit_regf(rc);
    }
    for (size_t i = 0; i < r->nwarnings; i++)
        cli_error("warning: %s: %s", o->system, r->warnings[i]);
    if ((rc = inj_apply(h, &p)) != REGF_OK) {
        inj_plan_free(&p);
        return cli_fail(h, rc);
    }
    if (plan_join(ps, &p) != REGF_OK) {
        inj_plan_free(&p);
        cli_error("out of memory");
        return EXIT_FILE;
    }
    return EXIT_OK;
}

/* What the repairs do, one line each after LEAD and "SYSTEM: "; a repair
 * asked for that changes nothing says so. */
static void summary_repairs(FILE *f, const char *lead,
                            const struct inject_opts *o,
                            const struct inj_repair_report *r)
{
    static const char *const names[INJ_REPAIR_KINDS] = {
        "--fix-filters", "--fallback", "--disable-leftovers",
        "--no-autoreboot" };
    /* --disable-leftovers also counts the filter entries it removes. */
    int asked[INJ_REPAIR_KINDS] = {
        o->rep.fix_filters, o->rep.nfallback > 0, o->rep.disable_leftovers,
        o->rep.no_autoreboot };
    size_t done[INJ_REPAIR_KINDS];
    memcpy(done, r->count, sizeof done);
    if (!o->rep.fix_filters)
        done[INJ_REPAIR_LEFTOVERS] += r->count[INJ_REPAIR_FILTERS];
    for (size_t i = 0; i < r->nlines; i++)
        fprintf(f, "%sSYSTEM: %s\n", lead, r->lines[i]);
    if (r->dropped)
        fprintf(f, "%sSYSTEM: and %zu more repairs\n", lead, r->dropped);
    for (int k = 0; k < INJ_REPAIR_KINDS; k++)
        if (asked[k] && !done[k])
            fprintf(f, "%sSYSTEM: %s: nothing to repair\n", lead, names[k]);
}

/* --dry-run: the change set on standard output, as a .reg patch or as
 * JSON, and a count on standard error. */
/* `"guest": {...}, "drivers": [...]` of the --json dry run. */
static void guest_json(const struct inj_guest *g, const char *arch,
                       const struct job *jobs, size_t njobs)
{
    char name[64], ver[48];
    inj_guest_name(g, name, sizeof name);
    snprintf(ver, sizeof ver, "%u.%u.%u", g->major, g->minor, g->build);
    fputs(", \"guest\": {\"name\": ", stdout);
    json_str(stdout, name);
    fputs(", \"version\": ", stdout);
    if (g->major)
        json_str(stdout, ver);
    else
        fputs("null", stdout);
    fputs(", \"version_from\": ", stdout);
    json_str(stdout, g->version_from);
    fputs(", \"product_type\": ", stdout);
    json_str(stdout, g->product_type);
    fputs(", \"server\": ", stdout);
    if (g->server < 0)
        fputs("null", stdout);
    else
        json_bool(stdout, g->server);
    fputs(", \"processor_architecture\": ", stdout);
    json_str(stdout, g->processor_architecture);
    fputs(", \"arch\": ", stdout);
    json_str(stdout, arch);
    fputs("}, \"drivers\": [", stdout);
    for (size_t i = 0; i < njobs; i++) {
        fputs(i ? ", {\"service\": " : "{\"service\": ", stdout);
        json_str(stdout, jobs[i].d.service);
        fputs(", \"inf\": ", stdout);
        if (jobs[i].inf[0])
            json_str(stdout, jobs[i].inf);
        else
            fputs("null", stdout);
        printf(", \"version\": \"%u.%u.%u.%u\"}", jobs[i].d.ver[0],
               jobs[i].d.ver[1], jobs[i].d.ver[2], jobs[i].d.ver[3]);
    }
    putchar(']');
}

static void print_dry_run(const struct inject_opts *o,
                          const struct inj_plan *ps, const struct inj_plan *pw,
                          int software, const struct inj_guest *g,
                          const char *arch, const struct job *jobs,
                          size_t njobs)
{
    if (o->json) {
        int first = 1;
        fputs("{\"system\": ", stdout);
        json_str(stdout, o->system);
        fputs(", \"software\": ", stdout);
        if (software)
            json_str(stdout, o->software);
        else
            fputs("null", stdout);
        fputs(", \"controlsets\": [", stdout);
        for (int i = 0; i < ps->ncontrolsets; i++) {
            fputs(i ? ", " : "", stdout);
            json_str(stdout, ps->controlsets[i]);
        }
        fputs("], \"driver_database\": ", stdout);
        json_bool(stdout, ps->driver_database);
        fputs(", \"changes\": [", stdout);
        plan_json("SYSTEM", ps, &first);
        if (software)
            plan_json("SOFTWARE", pw, &first);
        printf("%s]", first ? "" : "\n");
        guest_json(g, arch, jobs, njobs);
        fputs("}\n", stdout);
    } else {
        inj_plan_reg(ps, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, write_file, stdout);
        if (software)
            inj_plan_reg(pw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, write_file,
                         stdout);
    }
    if (!o->json) {
        plan_list(stderr, "SYSTEM", ps);
        if (software)
            plan_list(stderr, "SOFTWARE", pw);
    }
    fprintf(stderr, "hivekit: dry run: %zu change(s) to %s%s%s, nothing "
            "written\n", ps->n + pw->n, o->system, software ? " and " : "",
            software ? o->software : "");
}

/* Writes SYSTEM, then SOFTWARE. When SYSTEM was written and SOFTWARE
 * cannot be, the guest is half done (it boots; DevicePath is unchanged):
 * EXIT_PARTIAL, saying which hive was written. */
static int commit_hives(const struct inject_opts *o, struct whive *sys,
                        struct whive *soft)
{
    int sys_written = regf_modified(sys->h) || wr_pending(sys);
    int ex = wr_commit(sys, &o->c);
    if (ex != EXIT_OK || !soft->h)
        return ex;              /* nothing written, or all of it */
    if ((ex = wr_commit(soft, &o->c)) == EXIT_OK)
        return EXIT_OK;
    if (!sys_written)
        return ex;              /* SYSTEM needed nothing: nothing written */
    cli_error("partly done: %s was written (the driver will boot) but %s "
              "was not (DevicePath is unchanged); run the same command "
              "again to finish", o->system, o->software);
    return EXIT_PARTIAL;
}

int cmd_inject(const struct cli_args *a)
{
    struct inject_opts o = {
        .system = cli_arg(a, OPT_SYSTEM), .software = cli_arg(a, OPT_SOFTWARE),
        .driver = cli_arg(a, OPT_DRIVER), .windows = cli_arg(a, OPT_WINDOWS),
        .arch = cli_arg(a, OPT_ARCH), .undo = cli_arg(a, OPT_UNDO),
        .devicepath = cli_arg(a, OPT_DEVICEPATH), .root = cli_arg(a, OPT_ROOT),
        .virtio_win = cli_arg(a, OPT_VIRTIO_WIN),
        .patch_dir = cli_arg(a, OPT_PATCH_DIR),
        .dry_run = cli_has(a, OPT_DRY_RUN), .json = cli_has(a, OPT_JSON),
        .stage = cli_has(a, OPT_STAGE),
        .fallback = cli_arg(a, OPT_FALLBACK),
        .rep = { .fix_filters = cli_has(a, OPT_FIX_FILTERS),
                 .disable_leftovers = cli_has(a, OPT_DISABLE_LEFTOVERS),
                 .no_autoreboot = cli_has(a, OPT_NO_AUTOREBOOT) } };
    unsigned ver[3] = { 0, 0, 0 };
    char sys_path[4096], soft_path[4096];
    uint64_t ft;
    int ex;
    for (size_t i = 0; i < a->ngiven; i++)
        if (a->given[i].id == OPT_INF) {
            if (o.ninfs == MAX_DRIVERS)
                return cli_usage_error("inject", "at most %d --inf",
                                       MAX_DRIVERS);
            o.infs[o.ninfs++] = a->given[i].value;
        }
    write_options_get(a, &o.c);
    if ((ex = check_options(&o, ver)) != EXIT_OK ||
        (ex = write_options_time("inject", &o.c, &ft)) != EXIT_OK)
        return ex;
    struct rp_root rr;
    rr.fd = -1;
    o.sysf.dir.fd = o.softf.dir.fd = -1;
    if (o.root && rp_root_open(&rr, o.root) != RP_OK) {
        cli_error("%s", rr.err);
        return EXIT_FILE;
    }
    o.rr = &rr;
    if (o.root &&
        (ex = find_root_hives(&o, sys_path, soft_path, sizeof sys_path)) !=
            EXIT_OK) {
        rp_root_close(&rr);
        return ex;
    }
    if (o.undo && !o.dry_run && (ex = undo_refuse_existing(o.undo)) != EXIT_OK)
        goto early;

    struct whive sys = { NULL, NULL, NULL, AT_FDCWD, "", 0 },
                 soft = { NULL, NULL, NULL, AT_FDCWD, "", 0 };
    struct inj_plan ps, pw;
    struct inj_guest g;
    struct job *jobs = calloc(MAX_DRIVERS, sizeof *jobs);
    size_t njobs = 0;
    const char *arch;
    struct inj_pkg_opts po;
    regf_hive *drivers = NULL;
    char sysroot[260], oem_path[300];
    memset(&po, 0, sizeof po);
    sysroot[0] = '\0';
    memset(&ps, 0, sizeof ps);
    memset(&pw, 0, sizeof pw);
    struct stage *stage = calloc(1, sizeof *stage);
    struct inj_repair_report *report = calloc(1, sizeof *report);
    int lock = -1;
    if (!jobs || !stage || !report) {
        free(jobs);
        free(stage);
        free(report);
        cli_error("out of memory");
        ex = EXIT_FILE;
        goto early;
    }
    stage_init(stage, &rr, o.dry_run);
    o.c.read_only = o.dry_run;
    if (o.root) {
        /* One run at a time on a volume; then any temporary file of ours
         * found there is a leftover, safe to remove. */
        if ((lock = root_lock(&rr)) == -1) {
            ex = EXIT_FILE;
            goto out;
        }
        root_leftovers(&rr, !o.dry_run);
    }
    /* With --recover a dirty hive is replayed from its logs first, and the
     * one atomic write below holds both the recovery and the injection. */
    if ((ex = o.root ? wr_open_at(&sys, &rr, &o.sysf, o.system, ft, &o.c)
                     : wr_open(&sys, o.system, ft, &o.c)) != EXIT_OK)
        goto out;
    if (o.software &&
        (ex = o.root ? wr_open_at(&soft, &rr, &o.softf, o.software, ft, &o.c)
                     : wr_open(&soft, o.software, ft, &o.c)) != EXIT_OK)
        goto out;

    /* The guest (its own architecture unless --arch), then the drivers for
     * it, each planned on what the ones before it left. */
    if ((ex = detect_guest(&o, sys.h, soft.h, ver, &g, &arch)) != EXIT_OK ||
        (ex = describe_drivers(&o, sys.h, arch, &g, jobs, &njobs)) !=
            EXIT_OK)
        goto out;
    for (size_t i = 0; i < njobs; i++)
        if (jobs[i].choice[0])
            fprintf(o.dry_run ? stderr : stdout, "%s%s\n",
                    o.dry_run ? "hivekit: " : "", jobs[i].choice);
    /* How each package is registered: ImportDate --time (or now); with
     * --stage published as oemNN.inf (a number free in OemInfMap, in
     * SYSTEM and DRIVERS, and in INF\; each driver planned on what the
     * ones before it left, so each gets its own), OemPath the guest's
     * folder of the INF copy. The DRIVERS hive is only ever read. */
    pkg_system_root(soft.h, sysroot, sizeof sysroot);
    po.import_date = pkg_filetime(ft);
    if (o.stage) {
        snprintf(oem_path, sizeof oem_path, "%s\\Drivers\\VirtIO",
                 sysroot[0] ? sysroot : "C:\\Windows");
        po.stage = 1;
        po.oem_path = oem_path;
        po.drivers = drivers = pkg_open_drivers(&rr);
        po.inf_exists = pkg_inf_exists;
        po.ctx = &rr;
    }
    if ((ex = plan_drivers(&o, sys.h, &po, jobs, njobs, &ps)) != EXIT_OK)
        goto out;
    if (o.repairs &&
        (ex = plan_repairs(&o, sys.h, &g, &ps, report)) != EXIT_OK)
        goto out;
    /* DevicePath is for a driver: a run of repairs alone leaves SOFTWARE
     * as it is. */
    if (soft.h && njobs) {
        int rc = inj_plan_software(soft.h, o.devicepath ? o.devicepath :
                                   "%SystemRoot%\\Drivers\\VirtIO", &pw);
        if (rc != REGF_OK) {
            cli_error("%s: %s", o.software,
                      pw.err[0] ? pw.err : regf_errmsg(soft.h));
            ex = cli_exit_regf(rc);
            goto out;
        }
    }
    /* Every driver's files into the one stage: nothing is in place until
     * the hives are committed. */
    for (size_t i = 0; o.root && i < njobs; i++) {
        const struct job *j = &jobs[i];
        if ((ex = copy_files(&o, j->inf, &j->d, stage)) != EXIT_OK)
            goto out;
        /* --stage: the package into the driver store and INF\oemNN.inf,
         * through the same stage. */
        if (o.stage && (ex = pkg_stage_files(stage, j->inf, &j->d, j->label,
                                             j->published)) != EXIT_OK)
            goto out;
    }
    if (o.patch_dir && (ex = plan_patch_dir(o.patch_dir, &ps,
                                            soft.h ? &pw : NULL,
                                            o.root ? stage : NULL)) != EXIT_OK)
        goto out;
    if (o.dry_run) {
        print_dry_run(&o, &ps, &pw, soft.h != NULL, &g, arch, jobs, njobs);
        if (o.repairs)
            summary_repairs(stderr, "hivekit: would repair: ", &o, report);
        for (size_t i = 0; !o.root && i < njobs; i++)
            pkg_say_binary_path(stderr, "SYSTEM", &jobs[i].d, sysroot);
        goto out;
    }
    /* The undo, only when something changes; in place before the commit
     * (a crash after it still leaves the undo), removed if it fails. */
    struct undo_out uo;
    memset(&uo, 0, sizeof uo);
    for (int i = 0; i < UNDO_NFILES; i++)
        uo.cid[i] = -1;
    struct undo_in ui = { o.root ? rr.path : NULL, o.system, soft.h ? o.software : NULL, &ps,
                          &pw, o.root ? stage : NULL };
    if (o.undo && ps.n + pw.n + (o.root ? stage_changes(stage) : 0) > 0 &&
        (ex = undo_write(o.undo, &ui, &uo)) != EXIT_OK)
        goto out;
    if (soft.h) {
        int rc = inj_apply(soft.h, &pw);
        if (rc != REGF_OK) {
            ex = cli_fail(soft.h, rc);
            goto out;
        }
    }
    cleanup_test_pause("commit");
    /* The hives, then the files: an interruption lands before or after. */
    sigset_t old;
    cleanup_block(&old);
    ex = commit_hives(&o, &sys, &soft);
    /* After a partial commit SYSTEM holds the driver: its files too. */
    if ((ex == EXIT_OK || ex == EXIT_PARTIAL) && o.root) {
        int placed = stage_place(stage);
        if (placed != EXIT_OK)
            ex = placed;
    }
    if (ex == EXIT_OK || ex == EXIT_PARTIAL)
        undo_keep(&uo);
    else
        undo_discard(&uo);
    cleanup_unblock(&old, ex == EXIT_OK || ex == EXIT_PARTIAL);
    if (ex == EXIT_OK || ex == EXIT_PARTIAL)
        summary_system(jobs, njobs, o.root != NULL, sysroot);
    if ((ex == EXIT_OK || ex == EXIT_PARTIAL) && o.repairs)
        summary_repairs(stdout, "", &o, report);
    if (ex == EXIT_OK && soft.h && njobs)
        summary_software(&pw);
    if (ex == EXIT_OK || ex == EXIT_PARTIAL)
        undo_say(&uo);
    if (ex != EXIT_OK && ex != EXIT_PARTIAL && o.root && stage_changes(stage))
        cli_error("no driver file was copied; the hives were not changed");
out:
    stage_abort(stage);
    free(stage);
    root_unlock(lock);
    regf_close(drivers);
    inj_plan_free(&ps);
    inj_plan_free(&pw);
    free(jobs);
    free(report);
    if (soft.h)
        wr_close(&soft);
    if (sys.h)
        wr_close(&sys);
early:
    rp_dir_close(&o.sysf.dir);
    rp_dir_close(&o.softf.dir);
    if (o.root)
        rp_root_close(&rr);
    return ex;
}
