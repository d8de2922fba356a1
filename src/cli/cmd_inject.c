/* cmd_inject.c - `hivekit inject`: register a virtio storage driver in an
 * offline Windows guest so it boots from virtio (src/inject/inject.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inject.h"

static const char inject_help[] =
    "usage: hivekit inject --system SYSTEM [--software SOFTWARE]\n"
    "                      --driver viostor|vioscsi [--arch amd64|x86|arm64]\n"
    "                      [--dry-run] [--undo UNDO.reg] [--devicepath DIR]\n"
    "\n"
    "Registers a virtio storage driver as boot-start in the SYSTEM hive of\n"
    "an offline Windows guest, so that it boots on virtio after a move to\n"
    "KVM instead of stopping with INACCESSIBLE_BOOT_DEVICE (0x7B): for every\n"
    "control set named by Select, Services\\<driver> (Start 0, ImagePath,\n"
    "Group, BusType ...) with any StartOverride removed, and\n"
    "CriticalDeviceDatabase entries for its PCI ids; on Windows 8 and later\n"
    "(a DriverDatabase in the hive) the driver package entries as well,\n"
    "with the Version value. With --software, DevicePath gets the driver\n"
    "folder. Running it again changes nothing.\n"
    "\n"
    "  --system FILE     the guest's Windows\\System32\\config\\SYSTEM\n"
    "  --software FILE   the guest's SOFTWARE hive (optional)\n"
    "  --driver NAME     built-in description of viostor (virtio-blk) or\n"
    "                    vioscsi (virtio-scsi), virtio-win 100.85.104.20800\n"
    "  --arch ARCH       the guest's architecture (default amd64); checked\n"
    "                    against PROCESSOR_ARCHITECTURE in the hive\n"
    "  --dry-run         print the changes as a .reg patch; write nothing\n"
    "  --undo FILE       write a .reg file that undoes the changes (import it\n"
    "                    with `hivekit import --prefix HKEY_LOCAL_MACHINE\\SYSTEM`);\n"
    "                    with --software the SOFTWARE part goes to FILE with\n"
    "                    -software before its .reg extension\n"
    "  --devicepath DIR  the folder added to DevicePath (default\n"
    "                    %SystemRoot%\\Drivers\\VirtIO)\n"
    WCOMMON_HELP;

struct inject_opts {
    struct wcommon c;
    const char *system, *software, *driver, *arch, *undo, *devicepath;
    int dry_run;
};

static int inject_opt(void *ctx, int id, const char *arg)
{
    struct inject_opts *o = ctx;
    if (wcommon_opt(&o->c, id, arg))
        return 0;
    switch (id) {
    case 'h':
        fputs(inject_help, stdout);
        return -1;
    case 's': o->system = arg; break;
    case 'S': o->software = arg; break;
    case 'd': o->driver = arg; break;
    case 'a': o->arch = arg; break;
    case 'n': o->dry_run = 1; break;
    case 'u': o->undo = arg; break;
    case 'p': o->devicepath = arg; break;
    }
    return 0;
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
        return EXIT_HIVE;
    }
    int rc = inj_plan_reg(plan, prefix, 1, write_file, f);
    if (fclose(f) != 0 || rc != REGF_OK || rename(tmp, path) != 0) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        return EXIT_HIVE;
    }
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
                   "%u.%u.%u.%u)\n", hive, p->label, d->inf_name, d->ver[0],
                   d->ver[1], d->ver[2], d->ver[3]);
    } else {
        printf("%s: DevicePath extended\n", hive);
    }
    size_t sets = 0, dels = 0;
    for (size_t i = 0; i < p->n; i++) {
        sets += p->c[i].op == INJ_SET;
        dels += p->c[i].op == INJ_DEL_KEY;
    }
    printf("%s: %zu values set%s\n", hive, sets,
           dels ? ", StartOverride removed" : "");
}

int cmd_inject(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "system", 0, 1, 's' },
        { "software", 0, 1, 'S' }, { "driver", 0, 1, 'd' },
        { "arch", 0, 1, 'a' }, { "dry-run", 'n', 0, 'n' },
        { "undo", 0, 1, 'u' }, { "devicepath", 0, 1, 'p' },
        WCOMMON_OPTS, { NULL, 0, 0, 0 } };
    struct inject_opts o;
    memset(&o, 0, sizeof o);
    char *pos[2];
    int npos, rc = cli_parse("inject", argc, argv, opts, inject_opt, &o, pos,
                             2, &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos != 0)
        return cli_usage_error("inject", "unexpected argument '%s'", pos[0]);
    if (!o.system)
        return cli_usage_error("inject", "--system SYSTEM is required");
    if (!o.driver)
        return cli_usage_error("inject", "--driver viostor|vioscsi is "
                               "required");
    const char *arch = o.arch ? o.arch : "amd64";
    if (strcmp(arch, "amd64") && strcmp(arch, "x86") && strcmp(arch, "arm64"))
        return cli_usage_error("inject", "--arch must be amd64, x86 or arm64");
    struct inj_driver d;
    if (inj_profile(o.driver, arch, &d) != REGF_OK)
        return cli_usage_error("inject", "unknown driver '%s' (built in: "
                               "viostor, vioscsi)", o.driver);
    uint64_t ft;
    if ((rc = wcommon_time("inject", &o.c, &ft)) != EXIT_OK)
        return rc;

    struct whive sys = { NULL, NULL, NULL }, soft = { NULL, NULL, NULL };
    struct inj_plan ps, pw;
    memset(&ps, 0, sizeof ps);
    memset(&pw, 0, sizeof pw);
    int ex = wr_open(&sys, o.system, ft);
    if (ex != EXIT_OK)
        return ex;
    if (o.software && (ex = wr_open(&soft, o.software, ft)) != EXIT_OK)
        goto out;

    /* Plan everything before changing anything. */
    rc = inj_plan_system(sys.h, &d, &ps);
    if (rc != REGF_OK) {
        cli_error("%s: %s", o.system, ps.err[0] ? ps.err : regf_errmsg(sys.h));
        ex = rc == REGF_EINVAL ? EXIT_USAGE : EXIT_HIVE;
        goto out;
    }
    if (soft.h) {
        rc = inj_plan_software(soft.h, o.devicepath ? o.devicepath :
                               "%SystemRoot%\\Drivers\\VirtIO", &pw);
        if (rc != REGF_OK) {
            cli_error("%s: %s", o.software,
                      pw.err[0] ? pw.err : regf_errmsg(soft.h));
            ex = rc == REGF_EINVAL ? EXIT_USAGE : EXIT_HIVE;
            goto out;
        }
    }
    if (o.dry_run) {
        inj_plan_reg(&ps, "HKEY_LOCAL_MACHINE\\SYSTEM", 0, write_file, stdout);
        if (soft.h)
            inj_plan_reg(&pw, "HKEY_LOCAL_MACHINE\\SOFTWARE", 0, write_file,
                         stdout);
        fprintf(stderr, "hivekit: dry run: %zu change(s) to %s%s%s, nothing "
                "written\n", ps.n + pw.n, o.system, soft.h ? " and " : "",
                soft.h ? o.software : "");
        goto out;
    }
    if (o.undo && ps.n + pw.n > 0) {
        if ((ex = write_undo(o.undo, &ps, "HKEY_LOCAL_MACHINE\\SYSTEM")) != EXIT_OK)
            goto out;
        if (soft.h && pw.n) {
            size_t n = strlen(o.undo);
            char path[4200];
            if (n > 4 && strcmp(o.undo + n - 4, ".reg") == 0)
                snprintf(path, sizeof path, "%.*s-software.reg",
                         (int)(n - 4), o.undo);
            else
                snprintf(path, sizeof path, "%s-software.reg", o.undo);
            if ((ex = write_undo(path, &pw, "HKEY_LOCAL_MACHINE\\SOFTWARE")) != EXIT_OK)
                goto out;
        }
    }
    if ((rc = inj_apply(sys.h, &ps)) != REGF_OK) {
        ex = cli_fail(sys.h, rc);
        goto out;
    }
    if (soft.h && (rc = inj_apply(soft.h, &pw)) != REGF_OK) {
        ex = cli_fail(soft.h, rc);
        goto out;
    }
    if ((ex = wr_commit(&sys, &o.c)) != EXIT_OK)
        goto out;
    if (soft.h && (ex = wr_commit(&soft, &o.c)) != EXIT_OK) {
        cli_error("%s was updated but %s was not: the driver will boot; "
                  "DevicePath is unchanged", o.system, o.software);
        goto out;
    }
    summary("SYSTEM", &ps, &d);
    if (soft.h)
        summary("SOFTWARE", &pw, NULL);
out:
    inj_plan_free(&ps);
    inj_plan_free(&pw);
    if (soft.h)
        wr_close(&soft);
    wr_close(&sys);
    return ex;
}
