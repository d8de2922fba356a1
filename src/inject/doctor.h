/* doctor.h - will an offline Windows guest boot on a given storage
 * controller? The read-only diagnosis behind `hivekit doctor`
 * (docs/doctor.md).
 *
 * doc_run() reads an open SYSTEM hive (and SOFTWARE when given) and fills
 * a struct doc_result: for every control set named by Select the
 * boot-start driver list in the loader's order (doctor_order.c), which
 * driver would bind each device variant of each requested target and in
 * what state its service and binary are (doctor_bind.c), the stale and
 * foreign class filters (doctor_filters.c), SOFTWARE's policies and
 * signature support (doctor_software.c), and per target a verdict with
 * its reasons, each with the fix (doctor.c). Nothing is printed and
 * nothing is written: the text and JSON renderers of the command read the
 * same result.
 *
 * Ownership: the result owns everything it points to; doc_free() frees
 * it. Statuses: REGF_* of regf.h; the message is in RES->err. */
#ifndef HIVEKIT_DOCTOR_H
#define HIVEKIT_DOCTOR_H

#include <stddef.h>
#include <stdint.h>

#include <hivekit/regf.h>

#include "boot_tables.h"
#include "inject.h"

#define DOC_MAX_CS 3             /* Current, Default, LastKnownGood */
#define DOC_MAX_DEV 4            /* device variants of one target */
#define DOC_MAX_IDS 11           /* boot_pci_ids gives 11 */

/* How a found problem weighs. */
enum doc_severity {
    DOC_WARN = 1,                /* may matter; the guest still boots */
    DOC_FATAL = 2                /* the guest will not boot */
};

/* One reason, with what to do about it. CODE is a stable word for
 * scripts (docs/doctor.md lists them). */
struct doc_reason {
    char code[32];
    int severity;
    char text[400];
    char fix[400];
};

struct doc_reasons {
    struct doc_reason *r;
    size_t n, cap;
};

/* One boot-start driver as the loader takes it. */
struct doc_boot {
    char service[64];
    char group[64];              /* "" without one */
    uint32_t tag;
    int has_tag;
    int tag_pos;                 /* index in GroupOrderList\<group>; -1 not
                                    there (or no tag) */
    int group_pos;               /* index in ServiceGroupOrder\List; -1 */
    uint32_t type;               /* 1 kernel, 2 file system driver */
    char image[260];             /* ImagePath, or the default one */
};

/* The state of one service in one control set. */
enum doc_bin {
    DOC_BIN_NOT_CHECKED = 0,     /* no --root */
    DOC_BIN_OK,                  /* present, PE for the guest, signed */
    DOC_BIN_MISSING,
    DOC_BIN_BAD                  /* not a signed PE for the guest (why in
                                    bin_err) */
};

struct doc_service {
    char name[64];
    int exists;
    int has_type, has_start;
    uint32_t type, start;
    int demoted;                 /* StartOverride holds a value != 0 */
    uint32_t override_start;     /* that value */
    char image[260];             /* ImagePath or System32\drivers\<svc>.sys */
    int image_default;           /* no ImagePath value */
    int has_bustype;
    uint32_t bustype;            /* Parameters\BusType */
    enum doc_bin bin;
    char bin_path[512];          /* the file looked at (with --root) */
    char bin_err[160];
};

/* How a device variant binds in one control set. */
enum doc_via { DOC_VIA_NONE, DOC_VIA_DRIVERDB, DOC_VIA_CDD };

struct doc_device {
    const struct boot_pci_device *pci;
    char ids[DOC_MAX_IDS][64];   /* hardware ids, then compatible ids */
    size_t nids, nhw;
    enum doc_via via;
    char matched[64];            /* the id that bound */
    char inf[64];                /* DriverDatabase: published INF name */
    char package[160];           /* its package label */
    char config[64];             /* the configuration */
    uint8_t rank[2];             /* DeviceIds bytes 0 and 1 */
    char staged[160];            /* a matching package without
                                    Configurations (staged only), if the
                                    device did not bind otherwise */
    struct doc_service svc;      /* valid when via != DOC_VIA_NONE */
};

/* A class filter entry worth reporting. */
enum doc_filter_problem {
    DOC_FILTER_MISSING = 1,      /* no Services\<name> */
    DOC_FILTER_DISABLED = 2,     /* Start=4 */
    DOC_FILTER_NO_BINARY = 4,    /* --root: its binary is missing */
    DOC_FILTER_LEFTOVER = 8      /* another hypervisor's (vendor says) */
};

struct doc_filter {
    int cs;                      /* index into doc_result.cs */
    const struct boot_filter_class *cls;
    int upper;                   /* UpperFilters (1) or LowerFilters (0) */
    char name[64];
    unsigned problems;           /* DOC_FILTER_* */
    const char *vendor;          /* "Parallels", "Xen", "Red Hat",
                                    "VMware/Hyper-V", or NULL */
    int harmful;                 /* stale, or Parallels/Xen/Red Hat's */
    char keep[300];              /* the list without its harmful entries,
                                    each in single quotes ("" if none) */
};

/* A hypervisor leftover service that is not disabled. */
struct doc_leftover {
    int cs;
    char service[64];
    const char *vendor;
    uint32_t start;
};

struct doc_controlset {
    char name[16];               /* ControlSet001 */
    char select[40];             /* "Current, Default" */
    struct doc_boot *boot;       /* loader order */
    size_t nboot;
    char (*demoted)[64];         /* boot services demoted by StartOverride */
    size_t ndemoted;
    int order_known;             /* ServiceGroupOrder\List was readable */
};

struct doc_target {
    const struct boot_target_info *info;
    struct doc_device dev[DOC_MAX_CS][DOC_MAX_DEV];
    struct doc_reasons reasons;  /* fatal ones decide the verdict */
    int boots;                   /* no fatal reason */
};

/* What doc_run looks at besides the hives. */
struct doc_opts {
    unsigned targets;            /* bit (1 << enum boot_target) each */
    /* With a mounted volume: resolves a path relative to the Windows
     * folder ("System32/drivers/viostor.sys", '/'-separated), any case,
     * and checks the file as a driver image for MACHINE (pe_check_mem):
     * SHOWN gets the path as the user knows it (SIZE bytes), *PE the
     * status of the check, ERR its reason (ERRN bytes); 0, or -1 when it
     * does not exist (or is refused: a link out of the volume; SHOWN then
     * says why). NULL: no --root, binaries are not checked. */
    int (*find)(void *ctx, const char *rel, uint16_t machine, char *shown,
                size_t size, int *pe, char *err, size_t errn);
    void *ctx;
    int hibernated;              /* --root: hiberfil.sys holds an image */
};

struct doc_result {
    struct inj_guest guest;
    char guest_name[64];         /* "Windows 10" */
    int driver_database;         /* Windows 8 and later */
    uint16_t machine;            /* PE machine of the guest */
    struct doc_controlset cs[DOC_MAX_CS];
    int ncs;
    struct doc_filter *filters;
    size_t nfilters;
    struct doc_leftover *leftovers;
    size_t nleftovers;
    struct doc_reasons general;  /* warnings for every target */
    int software;                /* SOFTWARE was read */
    struct doc_target targets[BOOT_TARGET_COUNT];
    char err[256];
};

/* Diagnoses SYSTEM (and SOFTWARE, may be NULL) for the targets O names.
 * RES is cleared first and must be given to doc_free() in every case. */
int doc_run(regf_hive *system, regf_hive *software, const struct doc_opts *o,
            struct doc_result *res);
void doc_free(struct doc_result *res);

/* Nonzero when T was requested and diagnosed. */
int doc_target_done(const struct doc_result *res, enum boot_target t);

/* S as one single-quoted shell word ('it'\''s') into OUT (N bytes,
 * truncated snprintf-style): names from the hive go into the fixes the
 * user may paste. Returns the length it needs. */
size_t doc_shell_quote(char *out, size_t n, const char *s);
/* "driver database", "critical device database", "nothing". */
const char *doc_via_name(enum doc_via via);

#endif
