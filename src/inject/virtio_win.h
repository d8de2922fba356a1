/* virtio_win.h - which driver of a virtio-win tree fits a guest
 * (docs/injection.md §2.1): the guest's Windows (guest.c) named as a
 * virtio-win OS folder, the folder searched in every layout the ISO and
 * the RPM have had, and the INF found checked against the guest.
 *
 * Statuses are INF_* (inf.h), with the message in ERR: INF_NOTFOUND when
 * nothing fits (the message says what was looked for and what would fit),
 * INF_EIO when a file cannot be read, INF_EARG for a bad argument. */
#ifndef HIVEKIT_VIRTIO_WIN_H
#define HIVEKIT_VIRTIO_WIN_H

#include <stddef.h>

#include "inject.h"

/* The INF name of an architecture as users type it: "amd64" for amd64,
 * x64, x86_64 (any case), "x86" for x86, i386, i686, "arm64" for arm64,
 * aarch64; NULL for anything else. */
const char *inj_arch_norm(const char *spelling);

/* The virtio-win OS folder for G ("w10", "2k19", "w8.1", "2k12R2", ...;
 * boot-readiness.md §4.2), or NULL when G's version is unknown or older
 * than Windows XP. A guest not known to be a server counts as a client. */
const char *inj_vw_folder(const struct inj_guest *g);

/* D from the INF at PATH for guest G on ARCH ("amd64", "x86", "arm64"),
 * checked: a [Manufacturer] decoration for ARCH whose TargetOSVersion the
 * guest satisfies (build numbers included), a DriverVer whose major number
 * (virtio-win sets it per Windows: 61 Windows 7, 63 8.1, 100 10 and later)
 * is not for a newer Windows than the guest's, and the driver binary and
 * catalog the INF names beside it (in any case). A missing file is an
 * error with NEED_FILES, otherwise a warning. G's version 0: the newest
 * decoration applies and DriverVer is not compared; G's build 0: any
 * build of its version satisfies a decoration. INF_OK (WARN may then
 * hold a warning, else ""), or a status with a message in ERR that says
 * what the INF needs, what the guest is and which folder would fit. */
int inj_vw_driver(const char *path, const char *arch,
                  const struct inj_guest *g, int need_files,
                  struct inj_driver *d, char *err, size_t errn, char *warn,
                  size_t warnn);

/* What inj_vw_find chose. */
struct inj_vw_choice {
    char inf[4096];              /* path of the INF (DIR/...) */
    char rel[1024];              /* its folder below DIR, as spelled
                                    there: "viostor/2k19/amd64" */
    char folder[16];             /* the OS folder it stands for: "2k19" */
    const char *layout;          /* "per-driver", "auto-detect", ... */
    char driver_version[64];     /* data/info.json's, when it lists it */
    int fallback;                /* 1: another folder than the guest's */
    char note[512];              /* why a fallback was taken */
};

/* Finds DRIVER ("viostor", "vioscsi") for guest G on ARCH in the virtio-win
 * tree DIR (a mounted ISO, the RPM's /usr/share/virtio-win or its
 * drivers/, by-driver/ or by-os/ folder), in every layout of
 * boot-readiness.md §4.1, names matched in any case: data/info.json,
 * <drv>/<os>/<arch>, <arch>/<os>, drivers/by-driver/..., drivers/by-os/...,
 * drivers/<arch>/<WinXX>, pre-2015 <WIN7>/<AMD64>. The guest's own folder
 * comes first; then, with a note, the other folders of the same build
 * (2k22 -> 2k19 -> 2k16 -> w10, 2k25 -> w11, 2k12R2 -> w8.1, 2k8R2 -> w7,
 * ...); with FORCE also older Windows' folders. Each INF is checked with
 * inj_vw_driver (files required) and D is filled from the one chosen. */
int inj_vw_find(const char *dir, const char *driver,
                const struct inj_guest *g, const char *arch, int force,
                struct inj_vw_choice *out, struct inj_driver *d, char *err,
                size_t errn);

/* `--inf DIR`: the INF in DIR (not below it): the only *.inf there, or
 * DRIVER.inf (any case) when DRIVER is given. INF_OK and the path in OUT;
 * INF_NOTFOUND (none), INF_EARG (several, and no DRIVER to choose) or
 * INF_EIO, with a message naming what is there. */
int inj_inf_in_dir(const char *dir, const char *driver, char *out,
                   size_t outn, char *err, size_t errn);

#endif
