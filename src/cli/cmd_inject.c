/* cmd_inject.c - `hivekit inject`: register a virtio storage driver in an
 * offline Windows guest so it boots from virtio (src/inject/inject.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inf.h"
#include "inject.h"
#include "inject_pkg.h"

struct inject_opts {
    struct write_options c;
    const char *system, *software, *driver, *inf, *windows, *arch, *undo,
               *devicepath, *root;
    int dry_run, json, stage;
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

/* Writes the undo patch of PLAN to PATH (replaced only when complete). */
static int write_undo(const char *path, const struct inj_plan *plan,
                      const char *prefix)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_error("%s: cannot create: %s", path, strerror(errno));
        return EXIT_FILE;
    }
    int rc = inj_plan_reg(plan, prefix, 1, write_file, f);
    if (fclose(f) != 0 || rc != REGF_OK || rename(tmp, path) != 0) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        return EXIT_FILE;
    }
    return EXIT_OK;
}

/* --root: the binary to System32\drivers, the driver folder's INF, SYS and
 * CAT to Windows\Drivers\VirtIO. The files are looked up next to the INF
 * whatever their case. */
static int copy_files(const struct inject_opts *o, const struct inj_driver *d,
                      int dry_run)
{
    char infdir[4096], drivers[4096], store[4096], src[4200];
    const char *slash = strrchr(o->inf, '/');
    if (slash)
        snprintf(infdir, sizeof infdir, "%.*s", (int)(slash - o->inf), o->inf);
    else
        snprintf(infdir, sizeof infdir, ".");
    if (root_find(o->root, "Windows/System32/drivers", drivers,
                  sizeof drivers, 0) != 0) {
        cli_error("%s: no Windows/System32/drivers below it", o->root);
        return EXIT_FILE;
    }
    if (root_find(o->root, "Windows/Drivers/VirtIO", store, sizeof store,
                  !dry_run) != 0) {
        if (!dry_run) {
            cli_error("%s: cannot create Windows/Drivers/VirtIO: %s", o->root,
                      strerror(errno));
            return EXIT_FILE;
        }
        snprintf(store, sizeof store, "%s/Windows/Drivers/VirtIO", o->root);
    }
    if (root_find(infdir, d->binary, src, sizeof src, 0) != 0) {
        cli_error("%s: the driver binary %s is not next to the INF", infdir,
                  d->binary);
        return EXIT_FILE;      /* a missing input file */
    }
    /* A binary Windows cannot boot is refused before anything changes. */
    int rc = pkg_check_binary(src, d, o->c.force, "");
    if (rc)
        return rc;
    if ((rc = root_copy(src, drivers, d->binary, dry_run)))
        return rc;
    if (!dry_run && (rc = pkg_check_installed(o->root, d, o->c.force)))
        return rc;
    if ((rc = root_copy(src, store, d->binary, dry_run)))
        return rc;
    const char *inf_base = slash ? slash + 1 : o->inf;
    if ((rc = root_copy(o->inf, store, inf_base, dry_run)))
        return rc;
    if (d->catalog[0] && root_find(infdir, d->catalog, src, sizeof src, 0) == 0 &&
        (rc = root_copy(src, store, d->catalog, dry_run)))
        return rc;
    return EXIT_OK;
}

static void summary(const char *hive, const struct inj_plan *p,
                    const struct inj_driver *d)
{
    if (p->n == 0) {
        printf("%s: nothing to change: %s is already set up\n", hive,
               d ? d->service : "DevicePath");
        return;
    }
    if (d) {
        for (int i = 0; i < p->ncontrolsets; i++)
            printf("%s: %s: service %s boot-start (ImagePath "
                   "System32\\drivers\\%s, Group %s), %zu hardware and %zu "
                   "compatible ids in CriticalDeviceDatabase\n", hive,
                   p->controlsets[i], d->service, d->binary, d->group,
                   d->nhw, d->ncompat);
        if (p->driver_database)
            printf("%s: DriverDatabase: package %s (%s, version "
                   "%u.%u.%u.%u)\n", hive, p->label, p->published, d->ver[0],
                   d->ver[1], d->ver[2], d->ver[3]);
        for (int i = 0; i < p->nreplaced; i++)
            printf("%s: DriverDatabase: package %s replaced\n", hive,
                   p->replaced[i]);
    } else {
        printf("%s: DevicePath extended\n", hive);
    }
    size_t sets = 0, dels = 0;
    for (size_t i = 0; i < p->n; i++) {
        size_t kl = strlen(p->c[i].key);
        sets += p->c[i].op == INJ_SET;
        dels += p->c[i].op == INJ_DEL_KEY && kl >= 14 &&
                strcmp(p->c[i].key + kl - 14, "\\StartOverride") == 0;
    }
    printf("%s: %zu values set%s\n", hive, sets,
           dels ? ", StartOverride removed" : "");
}

/* --root: the hives below ROOT (SOFTWARE if there is one); EXIT_OK, or
 * EXIT_FILE for a hibernated guest or no SYSTEM hive. */
static int find_root_hives(struct inject_opts *o, char *sys, char *soft,
                           size_t size)
{
    char hib[4096];
    if (root_hibernated(o->root, hib, sizeof hib)) {
        cli_error("%s: Windows is hibernated or was shut down with Fast "
                  "Startup: it would write its in-memory registry back over "
                  "any edit. Boot it and shut it down fully (shutdown /s /f "
                  "/t 0, or disable Fast Startup: powercfg /h off), then "
                  "try again; nothing was changed", hib);
        return EXIT_FILE;
    }
    if (root_find(o->root, "Windows/System32/config/SYSTEM", sys, size,
                  0) != 0) {
        cli_error("%s: no Windows/System32/config/SYSTEM below it (is it "
                  "the Windows volume, mounted?)", o->root);
        return EXIT_FILE;
    }
    o->system = sys;
    if (root_find(o->root, "Windows/System32/config/SOFTWARE", soft, size,
                  0) == 0)
        o->software = soft;
    return EXIT_OK;
}

/* The combinations of options that make sense, --arch and --windows
 * (into VER); EXIT_OK or EXIT_USAGE. */
static int check_options(const struct inject_opts *o, unsigned ver[3])
{
    if (o->json && (!o->dry_run || o->root))
        return cli_usage_error("inject", "--json goes with --dry-run, and not "
                               "with --root");
    if (o->root && (o->system || o->software))
        return cli_usage_error("inject", "--root finds the hives itself; "
                               "do not give --system or --software");
    if (o->root && !o->inf)
        return cli_usage_error("inject", "--root copies the driver's files: "
                               "give its --inf (next to its .sys and .cat)");
    if (o->stage && !o->root)
        return cli_usage_error("inject", "--stage places the package's files "
                               "in the guest: it needs --root");
    if (!o->system && !o->root)
        return cli_usage_error("inject", "--system SYSTEM (or --root DIR) is "
                               "required");
    if (!o->driver == !o->inf)
        return cli_usage_error("inject", "give either --inf DRIVER.inf or "
                               "--driver viostor|vioscsi");
    if (o->arch && strcmp(o->arch, "amd64") && strcmp(o->arch, "x86") &&
        strcmp(o->arch, "arm64"))
        return cli_usage_error("inject", "--arch must be amd64, x86 or arm64");
    if (o->windows &&
        sscanf(o->windows, "%u.%u.%u", &ver[0], &ver[1], &ver[2]) < 2)
        return cli_usage_error("inject", "--windows takes MAJOR.MINOR[.BUILD], "
                               "e.g. 10.0.19041");
    struct inj_driver d;
    if (o->driver && inj_profile(o->driver, "amd64", &d) != REGF_OK)
        return cli_usage_error("inject", "unknown driver '%s' (built in: "
                               "viostor, vioscsi)", o->driver);
    return EXIT_OK;
}

/* D for the guest: the built-in profile, or what the INF says for the
 * guest's ARCH and Windows version (--windows VER, else SOFTWARE's, else
 * the newest). An exit status, message printed. */
static int describe_driver(const struct inject_opts *o, const char *arch,
                           regf_hive *software, unsigned ver[3],
                           struct inj_driver *d)
{
    if (o->driver) {
        inj_profile(o->driver, arch, d);
        return EXIT_OK;
    }
    struct inj_guest g;
    if (!o->windows && software && inj_guest_windows(software, &g) == REGF_OK) {
        ver[0] = g.major;
        ver[1] = g.minor;
        ver[2] = g.build;
    }
    if (!ver[0]) {                      /* unknown: the newest applies */
        ver[0] = 10;
        ver[1] = 0;
        ver[2] = 65535;
    }
    char err[512];
    int st = inj_from_inf(o->inf, arch, ver[0], ver[1], ver[2], d, err,
                          sizeof err);
    if (st != INF_OK) {
        cli_error("%s", err);
        return cli_exit_inf(st);      /* an INF_* status: inf.h's space */
    }
    return EXIT_OK;
}

/* --dry-run: the change set on standard output, as a .reg patch or as
 * JSON, and a count on standard error. */
static void print_dry_run(const struct inject_opts *o,
                          const struct inj_plan *ps, const struct inj_plan *pw,
                          int software)
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
        printf("%s]}\n", first ? "" : "\n");
    } else {
        inj_plan_reg(ps, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, write_file, stdout);
        if (software)
            inj_plan_reg(pw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, write_file,
                         stdout);
    }
    fprintf(stderr, "hivekit: dry run: %zu change(s) to %s%s%s, nothing "
            "written\n", ps->n + pw->n, o->system, software ? " and " : "",
            software ? o->software : "");
}

/* --undo FILE: the SYSTEM part to FILE, the SOFTWARE part (if any) to
 * FILE with -software before .reg. An exit status. */
static int write_undo_files(const char *undo, const struct inj_plan *ps,
                            const struct inj_plan *pw)
{
    int ex;
    if (ps->n + pw->n == 0)
        return EXIT_OK;
    if ((ex = write_undo(undo, ps, "HKEY_LOCAL_MACHINE\\SYSTEM")) != EXIT_OK)
        return ex;
    if (pw->n == 0)
        return EXIT_OK;
    size_t n = strlen(undo);
    char path[4200];
    if (n > 4 && strcmp(undo + n - 4, ".reg") == 0)
        snprintf(path, sizeof path, "%.*s-software.reg", (int)(n - 4), undo);
    else
        snprintf(path, sizeof path, "%s-software.reg", undo);
    return write_undo(path, pw, "HKEY_LOCAL_MACHINE\\SOFTWARE");
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
        .driver = cli_arg(a, OPT_DRIVER), .inf = cli_arg(a, OPT_INF),
        .windows = cli_arg(a, OPT_WINDOWS), .arch = cli_arg(a, OPT_ARCH),
        .undo = cli_arg(a, OPT_UNDO), .devicepath = cli_arg(a, OPT_DEVICEPATH),
        .root = cli_arg(a, OPT_ROOT), .dry_run = cli_has(a, OPT_DRY_RUN),
        .json = cli_has(a, OPT_JSON), .stage = cli_has(a, OPT_STAGE) };
    unsigned ver[3] = { 0, 0, 0 };
    char sys_path[4096], soft_path[4096];
    uint64_t ft;
    int ex;
    write_options_get(a, &o.c);
    if ((ex = check_options(&o, ver)) != EXIT_OK ||
        (ex = write_options_time("inject", &o.c, &ft)) != EXIT_OK)
        return ex;
    if (o.root &&
        (ex = find_root_hives(&o, sys_path, soft_path, sizeof sys_path)) !=
            EXIT_OK)
        return ex;

    struct whive sys = { NULL, NULL, NULL }, soft = { NULL, NULL, NULL };
    struct inj_plan ps, pw;
    struct inj_driver d;
    struct inj_pkg_opts po;
    regf_hive *drivers = NULL;
    char sysroot[260], oem_path[300];
    memset(&po, 0, sizeof po);
    memset(&ps, 0, sizeof ps);
    memset(&pw, 0, sizeof pw);
    /* With --recover a dirty hive is replayed from its logs first, and the
     * one atomic write below holds both the recovery and the injection. */
    if ((ex = wr_open(&sys, o.system, ft, &o.c)) != EXIT_OK)
        return ex;
    if (o.software && (ex = wr_open(&soft, o.software, ft, &o.c)) != EXIT_OK)
        goto out;

    /* Without --arch the guest's own PROCESSOR_ARCHITECTURE decides. */
    const char *arch = o.arch;
    if (!arch) {
        struct inj_guest g;
        inj_guest_arch(sys.h, NULL, &g);
        arch = inj_guest_arch_name(&g);
    }
    if ((ex = describe_driver(&o, arch, soft.h, ver, &d)) != EXIT_OK)
        goto out;
    /* How the package is registered: ImportDate --time (or now); with
     * --stage published as oemNN.inf (a number free in OemInfMap, in
     * SYSTEM and DRIVERS, and in INF\), OemPath the guest's folder of the
     * INF copy. The DRIVERS hive is only ever read. */
    pkg_system_root(soft.h, sysroot, sizeof sysroot);
    po.import_date = pkg_filetime(ft);
    if (o.stage) {
        snprintf(oem_path, sizeof oem_path, "%s\\Drivers\\VirtIO",
                 sysroot[0] ? sysroot : "C:\\Windows");
        po.stage = 1;
        po.oem_path = oem_path;
        po.drivers = drivers = pkg_open_drivers(o.root);
        po.inf_exists = pkg_inf_exists;
        po.ctx = o.root;
    }
    /* Plan everything before changing anything. */
    int rc = inj_plan_system_pkg(sys.h, &d, &po, &ps);
    if (rc != REGF_OK) {
        cli_error("%s: %s", o.system, ps.err[0] ? ps.err : regf_errmsg(sys.h));
        ex = cli_exit_regf(rc);
        goto out;
    }
    if (soft.h) {
        rc = inj_plan_software(soft.h, o.devicepath ? o.devicepath :
                               "%SystemRoot%\\Drivers\\VirtIO", &pw);
        if (rc != REGF_OK) {
            cli_error("%s: %s", o.software,
                      pw.err[0] ? pw.err : regf_errmsg(soft.h));
            ex = cli_exit_regf(rc);
            goto out;
        }
    }
    if (o.root && (ex = copy_files(&o, &d, o.dry_run)) != EXIT_OK)
        goto out;
    if (o.stage && (ex = pkg_stage_files(o.root, o.inf, &d, &ps,
                                         o.dry_run)) != EXIT_OK)
        goto out;
    if (o.dry_run) {
        print_dry_run(&o, &ps, &pw, soft.h != NULL);
        if (!o.root)
            pkg_say_binary_path(stderr, "SYSTEM", &d, sysroot);
        goto out;
    }
    if (o.undo && (ex = write_undo_files(o.undo, &ps, &pw)) != EXIT_OK)
        goto out;
    if ((rc = inj_apply(sys.h, &ps)) != REGF_OK) {
        ex = cli_fail(sys.h, rc);
        goto out;
    }
    if (soft.h && (rc = inj_apply(soft.h, &pw)) != REGF_OK) {
        ex = cli_fail(soft.h, rc);
        goto out;
    }
    ex = commit_hives(&o, &sys, &soft);
    if (ex == EXIT_OK || ex == EXIT_PARTIAL) {
        summary("SYSTEM", &ps, &d);
        if (!o.root)
            pkg_say_binary_path(stdout, "SYSTEM", &d, sysroot);
    }
    if (ex == EXIT_OK && soft.h)
        summary("SOFTWARE", &pw, NULL);
out:
    regf_close(drivers);
    inj_plan_free(&ps);
    inj_plan_free(&pw);
    if (soft.h)
        wr_close(&soft);
    wr_close(&sys);
    return ex;
}
