/* inject.h - register a boot-storage driver in an offline Windows SYSTEM
 * (and SOFTWARE) hive, as specified in
 * docs/injection.md (§3-§8).
 *
 * Use: fill a struct inj_driver (from an INF, or a built-in profile),
 * call inj_plan() on the open SYSTEM hive to compute the change set (only
 * what differs from what is there: a second run plans nothing), print it
 * with inj_plan_reg() (dry run / undo), and inj_apply() it. The hive is
 * written by the caller (regf_commit) once every edit succeeded.
 *
 * Ownership: a plan owns its strings and buffers; inj_plan_free() frees
 * them.
 *
 * Statuses: every function returns a REGF_* status of regf.h (the message
 * is in regf_errmsg() of the hive involved, or in PLAN->err), except
 * inj_from_inf, which returns an INF_* status of inf.h (a range of its
 * own) with its message in ERR. */
#ifndef HIVEKIT_INJECT_H
#define HIVEKIT_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include <hivekit/regf.h>

/* A value an INF AddReg line adds below its HKR key (the service key,
 * the device key or the driver key). */
struct inj_reg {
    char subkey[128];            /* relative to the HKR key; "" = itself */
    char name[64];
    uint32_t type;
    uint8_t data[64];
    size_t len;
    uint32_t flags;              /* the AddReg flags as written (the
                                    profiles: as their INFs write them) */
    int keyonly;                 /* a FLG_ADDREG_KEYONLY line: only creates
                                    SUBKEY (name, type, data unused); the
                                    package records it as the value
                                    "0x<flags>" = "" */
};

/* How an id of the models section ranks, and how PnP describes the device
 * it matches: DeviceIds and Descriptors of the package. */
struct inj_idinfo {
    uint8_t pos;                 /* 1-based position in its model line: 1
                                    the hardware id, 2, 3, ... the
                                    compatible ids (the best, if in several) */
    uint8_t score;               /* FeatureScore of the DDInstall section,
                                    0xFF without one */
    char manufacturer[128];      /* "%strkey%" (lower case) or the text */
    char description[256];       /* the same for the device description */
};

/* A [Strings] entry the package's descriptors refer to. */
struct inj_string {
    char key[64];                /* lower case, without the percent signs */
    char value[256];
};

struct inj_driver {
    char service[64];            /* AddService name: viostor */
    char binary[64];             /* file name: viostor.sys */
    uint32_t type;               /* ServiceType (1 = kernel driver) */
    uint32_t start;              /* StartType (0 = boot) */
    uint32_t error_control;      /* ErrorControl */
    char group[64];              /* LoadOrderGroup ("SCSI miniport") */
    char display_name[128];      /* DisplayName, may be empty */
    struct inj_reg hkr[16];      /* the service section's HKR AddReg */
    size_t nhkr;
    char hwids[32][128];         /* hardware ids of the model section */
    size_t nhw;
    char compat[16][128];        /* compatible ids */
    size_t ncompat;
    char class_name[32];         /* SCSIAdapter */
    char class_guid[40];         /* {4D36E97B-E325-11CE-BFC1-08002BE10318} */
    char provider[64];
    uint16_t ver[4];             /* DriverVer version a.b.c.d */
    int year, month, day;        /* DriverVer date */
    char inf_name[64];           /* viostor.inf */
    char arch[16];               /* amd64 | x86 | arm64 */
    char config[64];             /* install section, used as configuration */
    uint64_t inf_hash;           /* of the INF bytes: the package label */
    char catalog[64];            /* CatalogFile, "" if none */
    /* What the DriverDatabase package holds besides (inject.c). */
    char inf_orig[64];           /* the INF's file name as given: InfName */
    long binary_dirid;           /* ServiceBinary's dirid: 12 (drivers) or
                                    13 (run from the driver store); the
                                    profiles say 12 */
    struct inj_idinfo hwinfo[32];     /* for hwids[i] */
    struct inj_idinfo compatinfo[16]; /* for compat[i] */
    struct inj_reg devreg[24];   /* DDInstall.HW AddReg (the device key):
                                    Configurations\<config>\Device */
    size_t ndevreg;
    struct inj_reg drvreg[16];   /* DDInstall AddReg (the driver key):
                                    Configurations\<config>\Driver */
    size_t ndrvreg;
    struct inj_string strings[16];    /* Strings of the package */
    size_t nstrings;
};

/* ---- the guest (guest.c) ---- */

/* What a guest's hives say about it; "" or 0 where they do not tell. */
struct inj_guest {
    char processor_architecture[32]; /* as stored: "AMD64", "x86", "ARM64" */
    unsigned major, minor, build;    /* Windows version: 10.0.19041 */
    char product_type[16];           /* SYSTEM ProductOptions\ProductType:
                                        WinNT, ServerNT, LanmanNT */
    int server;                      /* 1 server, 0 client, -1 unknown */
    char installation_type[32];      /* SOFTWARE: Client, Server, ... */
    char product_name[96];           /* SOFTWARE ProductName */
    char version_from[96];           /* what told the version, in words */
};

/* Reads PROCESSOR_ARCHITECTURE from CONTROLSET\Control\Session Manager\
 * Environment of a SYSTEM hive (CONTROLSET NULL: CurrentControlSet, which
 * the library resolves through Select\Current). REGF_OK, REGF_NOTFOUND
 * when the hive does not hold it as a string (left ""), or another
 * status. */
int inj_guest_arch(regf_hive *system, const char *controlset,
                   struct inj_guest *g);

/* The INF name of G's architecture: "x86" for x86, "arm64" for ARM64 (and
 * ARM), "amd64" for anything else, unknown included. */
const char *inj_guest_arch_name(const struct inj_guest *g);

/* Reads the Windows version from Microsoft\Windows NT\CurrentVersion of
 * a SOFTWARE hive: CurrentMajorVersionNumber and CurrentMinorVersionNumber
 * (REG_DWORD, Windows 10 and later), else CurrentVersion ("6.3"), and
 * CurrentBuildNumber. REGF_OK, or REGF_NOTFOUND (major left 0) when it
 * cannot be told. */
int inj_guest_windows(regf_hive *software, struct inj_guest *g);

/* Everything a SYSTEM hive alone says about its Windows (CONTROLSET NULL:
 * CurrentControlSet): the architecture (inj_guest_arch), client or server
 * (Control\ProductOptions\ProductType: WinNT a client, ServerNT and
 * LanmanNT, a domain controller, servers), and the version: major.minor
 * from DriverDatabase\Version (Windows 8 and later), the build from
 * Software\Microsoft\BuildLab or BuildLabEx (1709 and later); what they
 * do not tell comes from the DriverVersion most of the Microsoft class
 * drivers (Control\Class\{...}\NNNN) have. G is cleared first. REGF_OK,
 * or REGF_NOTFOUND when the version cannot be told (major 0). */
int inj_guest_system(regf_hive *system, const char *controlset,
                     struct inj_guest *g);

/* Refines G with what a SOFTWARE hive says (Microsoft\Windows NT\
 * CurrentVersion): the version (CurrentMajorVersionNumber and
 * CurrentMinorVersionNumber, else CurrentVersion; CurrentBuildNumber, else
 * CurrentBuild), InstallationType (anything but "Client" is a server) and
 * ProductName (which says "Windows 10" on Windows 11: the build decides).
 * What SOFTWARE does not hold is left as it was. REGF_OK, or
 * REGF_NOTFOUND when it holds no version. */
int inj_guest_software(regf_hive *software, struct inj_guest *g);

/* G's Windows in words, from its version, build and client/server:
 * "Windows Server 2019", "Windows 11", "Windows 7"; "Windows NT 6.4" for a
 * version without a name, "an unknown Windows" without one. */
const char *inj_guest_name(const struct inj_guest *g, char *buf, size_t n);

/* ---- the driver ---- */

/* Built-in profiles (values of the virtio-win 100.85.104.20800 INFs) for
 * "viostor" and "vioscsi"; REGF_NOTFOUND for other names. */
int inj_profile(const char *name, const char *arch, struct inj_driver *out);

/* Fills D from the INF file at PATH for a guest of architecture ARCH
 * ("amd64", "x86", "arm64") running Windows MAJOR.MINOR.BUILD (the
 * [Manufacturer] decoration is chosen for it). Returns 0, or an INF_*
 * status with a message naming the file and line in ERR. */
int inj_from_inf(const char *path, const char *arch, unsigned major,
                 unsigned minor, unsigned build, struct inj_driver *d,
                 char *err, size_t errn);

/* ---- the control sets ---- */

/* The distinct ControlSetNNN keys that Select's Current, Default and
 * LastKnownGood (REG_DWORD) name, existing ones only, in that order; for
 * each, which of those values name it ("Current, Default"). Every control
 * set Windows may boot. REGF_OK, or REGF_EINVAL with the message in ERR
 * when the hive has no Select key or names none that exists. */
struct inj_controlsets {
    char name[3][16];
    char select[3][40];
    int n;
};
int inj_control_sets(regf_hive *h, struct inj_controlsets *out, char *err,
                     size_t errn);

/* ---- planning and applying ---- */

/* One change: set a value, delete a value, create a key, delete a key
 * (with its subtree). OLD_* hold what was there before, for undo. */
enum inj_op { INJ_SET, INJ_DEL_VALUE, INJ_MKKEY, INJ_DEL_KEY };

struct inj_change {
    enum inj_op op;
    char *key;                   /* path from the hive root */
    char *name;                  /* value name (SET, DEL_VALUE) */
    uint32_t type;
    uint8_t *data;
    size_t len;
    int existed;                 /* the value/key was there before */
    uint32_t old_type;
    uint8_t *old_data;
    size_t old_len;
    char *old_subtree;           /* DEL_KEY: .reg text of what was removed */
};

struct inj_plan {
    struct inj_change *c;
    size_t n, cap;
    char controlsets[3][16];     /* ControlSetNNN edited */
    int ncontrolsets;
    int driver_database;         /* DriverDatabase found and planned */
    char label[160];             /* DriverPackages label */
    char err[256];
    /* The package (DriverDatabase only): */
    char published[64];          /* its published name: oemNN.inf when
                                    staged, else the INF's own name */
    int staged;                  /* published as oemNN.inf ... */
    int oem_number;              /* ... with this NN */
    int oem_new;                 /* NN newly taken (OemInfMap bit set) */
    char replaced[4][160];       /* hivekit's older packages of the same
                                    INF that this one replaces */
    int nreplaced;
};

/* How the package is registered (inj_plan_system_pkg). */
struct inj_pkg_opts {
    int stage;                   /* publish it as oemNN.inf, as PnP does
                                    when it stages a package (the caller
                                    places the files) */
    uint64_t import_date;        /* ImportDate of a new package (FILETIME);
                                    0: not written */
    const char *oem_path;        /* OemPath of a staged package (the guest's
                                    folder holding the INF); NULL: none */
    regf_hive *drivers;          /* the DRIVERS hive, only read (oemNN
                                    numbers in use); may be NULL */
    /* Nonzero when the guest has the file INF\NAME (e.g. "oem7.inf");
     * NULL: not known (only the registry is asked). */
    int (*inf_exists)(const void *ctx, const char *name);
    const void *ctx;
};

/* Computes the SYSTEM changes for driver D: Services, StartOverride
 * removal, CriticalDeviceDatabase for each control set named by Select;
 * the DriverDatabase package when the hive has one. Refuses a guest whose
 * PROCESSOR_ARCHITECTURE does not match D->arch. The package is
 * registered under the INF's own name, without ImportDate. */
int inj_plan_system(regf_hive *system, const struct inj_driver *d,
                    struct inj_plan *plan);

/* The same, the package registered as O says (NULL: as
 * inj_plan_system). An older package hivekit wrote for the same INF (a
 * package without SignerScore, which Windows always writes) is replaced:
 * its DriverPackages key, its DriverInfFiles entry and DeviceIds values
 * go, each recorded for undo. Refused (REGF_EINVAL, message in PLAN->err):
 * --stage on a hive without DriverDatabase, an unstaged run over a package
 * hivekit staged, a published name that belongs to a package Windows
 * installed. */
int inj_plan_system_pkg(regf_hive *system, const struct inj_driver *d,
                        const struct inj_pkg_opts *o, struct inj_plan *plan);

/* Computes the SOFTWARE change: DevicePath gets DIR appended once. */
int inj_plan_software(regf_hive *software, const char *dir,
                      struct inj_plan *plan);

/* Applies every change of PLAN to H. */
int inj_apply(regf_hive *h, const struct inj_plan *plan);

/* Writes PLAN as a .reg patch (UNDO: the patch that restores the previous
 * state instead) with key headers under PREFIX, through WRITE. */
int inj_plan_reg(const struct inj_plan *plan, const char *prefix, int undo,
                 regf_write_fn *write, void *ctx);

void inj_plan_free(struct inj_plan *plan);

/* The 48-byte DriverPackages\<label>\Version value for D. */
void inj_version_blob(const struct inj_driver *d, uint8_t out[48]);

#endif
