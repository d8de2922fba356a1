/* inject_pkg.h - the driver files of `hivekit inject`: the boot binary
 * check, where the binary must go, and `--stage` (the package placed in
 * the guest's driver store as PnP would). inject_pkg.c. */
#ifndef HIVEKIT_INJECT_PKG_H
#define HIVEKIT_INJECT_PKG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hivekit/regf.h>

#include "inject.h"

/* The guest's %SystemRoot% as Windows names it ("C:\Windows"): SOFTWARE's
 * Microsoft\Windows NT\CurrentVersion\SystemRoot when SOFTWARE is given
 * and holds it, else "" (unknown). */
void pkg_system_root(regf_hive *software, char *out, size_t size);

/* The FILETIME of FT, or of now when FT is 0 (as --time gives it). */
uint64_t pkg_filetime(uint64_t ft);

/* Checks the boot binary PATH for driver D (a PE image for D's
 * architecture with an embedded signature). WHEN says what the file is in
 * messages ("" or e.g. " (after the copy)"). EXIT_OK; with FORCE a failed
 * check is a warning and EXIT_OK; otherwise the message names the file
 * and the problem and the status is EXIT_FILE (cannot be read) or
 * EXIT_DATA. */
int pkg_check_binary(const char *path, const struct inj_driver *d,
                     int force, const char *when);

/* --root: NAME in the folder DIRFD (SHOWN in messages) is the copy
 * ImagePath will resolve to once the staged files are placed (the staged
 * copy of the binary, or the identical file already in System32\drivers),
 * checked as above before the hives are written. */
int pkg_check_installed(int dirfd, const char *name, const char *shown,
                        const struct inj_driver *d, int force);

/* Without --root: says on F where the binary must be copied (SYSROOT: the
 * guest's %SystemRoot%, "" when unknown), and for a driver-store INF
 * (DIRID 13) why it is System32\drivers. */
void pkg_say_binary_path(FILE *f, const char *hive,
                         const struct inj_driver *d, const char *sysroot);

/* The DRIVERS hive below ROOT opened read-only (never for writing), or
 * NULL when there is none or it cannot be read (a note says so). */
struct rp_root;
regf_hive *pkg_open_drivers(struct rp_root *r);

/* inj_pkg_opts.inf_exists for --root: CTX is the struct rp_root; nonzero
 * when Windows/INF/NAME exists (any case). */
int pkg_inf_exists(const void *ctx, const char *name);

/* --stage: the INF, the binary and the catalog (next to INF) into
 * Windows/System32/DriverStore/FileRepository/<LABEL>/, and the INF as
 * Windows/INF/<PUBLISHED> below ST's root, as PnP stages a package:
 * added to ST (staged
 * beside their destinations, placed after the hives are committed; a dry
 * run only says what it would copy). Exit status. */
struct stage;
int pkg_stage_files(struct stage *st, const char *inf,
                    const struct inj_driver *d, const char *label,
                    const char *published);

#endif
