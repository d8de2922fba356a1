/* inject_pkg.c - the driver files of `hivekit inject` (inject_pkg.h).
 *
 * The boot binary: winload loads a boot-start driver from the file its
 * ImagePath names, only if it is an image of the machine's type, and on
 * x64 only with an embedded signature. A registry that points at a
 * missing, foreign or unsigned file boots no better than none, so with
 * --root the file is checked before it is copied (nothing is changed if
 * it fails) and again where ImagePath resolves after the copy. --force
 * turns a failed check into a warning.
 *
 * --stage: the files PnP keeps for an imported package: the INF, the
 * binary and the catalog in System32\DriverStore\FileRepository\<label>\,
 * and the INF published as INF\oemNN.inf, the name the registry entry
 * (inj_plan_system_pkg) uses. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "inject_pkg.h"
#include "pe.h"

void pkg_system_root(regf_hive *software, char *out, size_t size)
{
    regf_key k;
    regf_val v;
    out[0] = '\0';
    if (!software ||
        regf_key_lookup(software, 0, "Microsoft\\Windows NT\\CurrentVersion",
                        &k) != REGF_OK ||
        regf_value_lookup(software, k, "SystemRoot", &v) != REGF_OK ||
        regf_value_string(software, v, 0, out, size, NULL) != REGF_OK)
        out[0] = '\0';
    /* Only a plain "X:\dir" is used (it goes into OemPath and messages). */
    if (!((out[0] >= 'A' && out[0] <= 'Z') || (out[0] >= 'a' && out[0] <= 'z')) ||
        out[1] != ':' || out[2] != '\\')
        out[0] = '\0';
}

uint64_t pkg_filetime(uint64_t ft)
{
    if (ft)
        return ft;
    time_t now = time(NULL);
    return ((uint64_t)now + 11644473600ULL) * 10000000ULL;
}

/* pkg_check_binary for NAME in DIRFD (AT_FDCWD: a path), PATH in
 * messages. */
static int check_binary_at(int dirfd, const char *name, const char *path,
                           const struct inj_driver *d, int force,
                           const char *when)
{
    char why[256];
    uint16_t machine = pe_machine_for_arch(d->arch);
    int rc = pe_check_at(dirfd, name, machine, NULL, why, sizeof why);
    if (rc == PE_OK)
        return EXIT_OK;
    if (force) {
        cli_error("warning: %s%s: the boot driver is %s; Windows will not "
                  "load it at boot (0x7B or 0xc0000428); injected anyway "
                  "(--force)", path, when, why);
        return EXIT_OK;
    }
    cli_error("%s%s: the boot driver is %s; Windows would not load it at "
              "boot (0x7B or 0xc0000428); nothing was changed (--force "
              "injects it anyway)", path, when, why);
    return rc == PE_EIO ? EXIT_FILE : EXIT_DATA;
}

int pkg_check_binary(const char *path, const struct inj_driver *d, int force,
                     const char *when)
{
    return check_binary_at(AT_FDCWD, path, path, d, force, when);
}

int pkg_check_installed(int dirfd, const char *name, const char *shown,
                        const struct inj_driver *d, int force)
{
    return check_binary_at(dirfd, name, shown, d, force, " (the copy where "
                           "ImagePath will point; the hives were not "
                           "changed)");
}

void pkg_say_binary_path(FILE *f, const char *hive, const struct inj_driver *d,
                         const char *sysroot)
{
    const char *arch = pe_machine_name(pe_machine_for_arch(d->arch));
    fprintf(f, "%s: copy %s to %s\\System32\\drivers\\%s (where ImagePath "
            "points; a signed %s image) before the first boot\n", hive,
            d->binary, sysroot[0] ? sysroot : "<volume>\\Windows", d->binary,
            arch ? arch : d->arch);
    if (d->binary_dirid == 13)
        fprintf(f, "%s: %s installs %s into the driver store (DIRID 13); "
                "hivekit points ImagePath at System32\\drivers instead, the "
                "place the boot loader finds without a PnP-installed "
                "package\n", hive, d->inf_orig[0] ? d->inf_orig : d->inf_name,
                d->binary);
}

regf_hive *pkg_open_drivers(struct rp_root *r)
{
    struct rp_dir dir;
    struct rp_file f;
    regf_hive *h = NULL;
    if (rp_dir_open(r, "Windows/System32/config", 0, &dir) != RP_OK)
        return NULL;
    int rc = rp_file_find(r, &dir, "DRIVERS", &f), fd = -1;
    rp_dir_close(&dir);
    if (rc != RP_OK) {
        cli_error("note: %s; oemNN.inf numbers are taken from SYSTEM's "
                  "OemInfMap and INF only", r->err);
        return NULL;
    }
    char shown[4400];
    rp_shown(r, f.dir.rel, f.name, shown, sizeof shown);
    rc = f.exists ? rp_file_open(r, &f, O_RDONLY, &fd) : RP_MISSING;
    if (fd >= 0)
        close(fd);
    /* Read-only: the library maps the file O_RDONLY and never writes;
     * opened through its folder's descriptor. */
    if (rc == RP_OK)
        rc = regf_open_at(f.dir.fd, f.name, 0, &h) == REGF_OK ? RP_OK
                                                              : RP_REFUSED;
    rp_dir_close(&f.dir);
    if (rc == RP_MISSING)
        return NULL;
    if (rc != RP_OK) {
        cli_error("note: %s: not read (%s); oemNN.inf numbers are taken "
                  "from SYSTEM's OemInfMap and INF only", shown,
                  h ? regf_errdetail(h) : r->err);
        regf_close(h);
        return NULL;
    }
    return h;
}

int pkg_inf_exists(const void *ctx, const char *name)
{
    /* inj_pkg_opts passes its context as const; the resolver notes its
     * refusals in the root it is given. */
    struct rp_root *r = (struct rp_root *)(uintptr_t)ctx;
    struct rp_dir dir;
    char found[256];
    if (rp_dir_open(r, "Windows/INF", 0, &dir) != RP_OK)
        return 0;
    int rc = rp_lookup(dir.fd, name, found, sizeof found);
    rp_dir_close(&dir);
    return rc == 0;
}

int pkg_stage_files(struct stage *st, const char *inf,
                    const struct inj_driver *d, const char *label,
                    const char *published)
{
    char infdir[4096], src[4300], rel[300];
    struct rp_dir store = { -1, "" }, infs = { -1, "" };
    const char *slash = strrchr(inf, '/');
    const char *inf_base = slash ? slash + 1 : inf;
    if (slash)
        snprintf(infdir, sizeof infdir, "%.*s", (int)(slash - inf), inf);
    else
        snprintf(infdir, sizeof infdir, ".");
    snprintf(rel, sizeof rel, "Windows/System32/DriverStore/FileRepository/%s",
             label);
    int rc = stage_dir(st, rel, &store);
    if (rc == EXIT_OK)
        rc = stage_dir(st, "Windows/INF", &infs);
    if (rc == EXIT_OK)
        rc = stage_add(st, inf, &store, inf_base);
    if (rc == EXIT_OK && root_find(infdir, d->binary, src, sizeof src) != 0) {
        cli_error("%s: the driver binary %s is not next to the INF", infdir,
                  d->binary);
        rc = EXIT_FILE;
    }
    if (rc == EXIT_OK)
        rc = stage_add(st, src, &store, d->binary);
    if (rc == EXIT_OK && d->catalog[0] &&
        root_find(infdir, d->catalog, src, sizeof src) == 0)
        rc = stage_add(st, src, &store, d->catalog);
    if (rc == EXIT_OK)
        rc = stage_add(st, inf, &infs, published);
    rp_dir_close(&store);
    rp_dir_close(&infs);
    return rc;
}
