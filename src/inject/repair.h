/* repair.h - the boot repairs `hivekit inject` applies on request
 * (docs/injection.md §14), each planned into a struct inj_plan like the
 * driver itself, in every control set Select names, recording only what
 * differs (a second run plans nothing) with the previous state for undo:
 *
 *   fix_filters        UpperFilters/LowerFilters of the storage classes
 *                      (boot_filter_classes) lose the entries whose
 *                      service is missing or disabled (Start 4) and the
 *                      hypervisor leftovers (boot_leftover_vendor);
 *                      Windows' own filters (boot_filter_is_default) stay.
 *   fallback           in-box controllers (boot_fallbacks) boot-start:
 *                      Start 0, StartOverride removed.
 *   disable_leftovers  the leftover services that exist get Start 4, and
 *                      leave every filter list of those classes.
 *   no_autoreboot      Control\CrashControl AutoReboot 0.
 *
 * The facts (classes, defaults, leftovers, fallbacks and the Windows that
 * have them) are those of boot_tables.h, nowhere else. */
#ifndef HIVEKIT_REPAIR_H
#define HIVEKIT_REPAIR_H

#include <stddef.h>

#include "boot_tables.h"
#include "inject.h"

#define INJ_MAX_FALLBACKS 8

struct inj_repair_opts {
    int fix_filters;
    int disable_leftovers;
    int no_autoreboot;
    const char *fallback[INJ_MAX_FALLBACKS];   /* service names */
    size_t nfallback;
};

enum inj_repair_kind {
    INJ_REPAIR_FILTERS, INJ_REPAIR_FALLBACK, INJ_REPAIR_LEFTOVERS,
    INJ_REPAIR_AUTOREBOOT, INJ_REPAIR_KINDS
};

#define INJ_REPAIR_LINES 96

/* What the planned repairs do, in words: one line per repaired thing
 * ("ControlSet001: DiskDrive LowerFilters: prl_strg removed (Parallels
 * leftover)"), how many per kind, and what was left alone with why. */
struct inj_repair_report {
    char lines[INJ_REPAIR_LINES][192];
    size_t nlines;
    size_t dropped;                      /* lines that did not fit */
    size_t count[INJ_REPAIR_KINDS];
    char warnings[8][256];
    size_t nwarnings;
};

/* The boot_fallbacks entry of service NAME (any case), or NULL. */
const struct boot_fallback *inj_fallback_find(const char *name);

/* Nonzero when Windows MAJOR.MINOR ships F. */
int inj_fallback_in(const struct boot_fallback *f, unsigned major,
                    unsigned minor);

/* Plans the repairs O asks for on SYSTEM, appending to PLAN (whose
 * control sets are found first if PLAN has none yet); G is the guest (its
 * Windows version checks the fallbacks; major 0: not known, not checked).
 * R (cleared first) says what they do. REGF_OK; REGF_EINVAL (message in
 * PLAN->err): a fallback name that is not in boot_fallbacks or not in the
 * guest's Windows; REGF_NOTFOUND: a fallback service missing in a
 * control set; or a hive status. */
int inj_plan_repairs(regf_hive *system, const struct inj_repair_opts *o,
                     const struct inj_guest *g, struct inj_plan *plan,
                     struct inj_repair_report *r);

#endif
