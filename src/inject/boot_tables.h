/* boot_tables.h - what hivekit knows about the first boot on new storage,
 * as tables: the device setup classes whose filter lists decide it, the
 * filters Windows itself installs there, the hypervisor leftovers that
 * crash a guest on KVM, the in-box fallback controllers, and the PCI
 * identity of each controller a guest can be moved to. One place for
 * these facts: `hivekit doctor` reads them, the inject repairs
 * (--fix-filters, --fallback, --disable-leftovers) apply them.
 *
 * Evidence: docs/boot.md (from boot-readiness.md §3 and §5).
 * Everything here is constant data; nothing is allocated. */
#ifndef HIVEKIT_BOOT_TABLES_H
#define HIVEKIT_BOOT_TABLES_H

#include <stddef.h>

/* A device setup class whose Control\Class\{GUID} UpperFilters and
 * LowerFilters are loaded with the storage stack (a filter named there
 * whose service is missing or disabled stops the boot with 0x7B). */
struct boot_filter_class {
    const char *name;            /* DiskDrive */
    const char *guid;            /* {4D36E967-E325-11CE-BFC1-08002BE10318} */
};
extern const struct boot_filter_class boot_filter_classes[];
extern const size_t boot_filter_nclasses;

/* Nonzero when NAME (any case) is a filter Windows installs by default in
 * those lists (partmgr, EhStorClass, volsnap, fvevol, iorate, rdyboost):
 * never removed by a repair, even when reported. */
int boot_filter_is_default(const char *name);

/* Which hypervisor's guest tools a service NAME (any case) belongs to,
 * when it is one known to break a boot on KVM (Parallels prl_*, Xen PV
 * xen* and scsifilt, Red Hat's old rhelscsi): "Parallels", "Xen",
 * "Red Hat"; NULL otherwise. These are the services --disable-leftovers
 * sets to Start=4 (always together with removing them from every filter
 * list) and the filter entries --fix-filters removes. */
const char *boot_leftover_vendor(const char *name);

/* Nonzero when NAME (any case) is a filter of VMware's or Hyper-V's
 * tools (vm*, storflt): reported as a leftover by the doctor, but only
 * removed by a repair when its service is missing or disabled (several are
 * harmless without their hypervisor). */
int boot_filter_is_vendor_vm(const char *name);

/* An in-box controller driver that --fallback can make boot-start. */
struct boot_fallback {
    const char *service;         /* storahci */
    const char *what;            /* "SATA AHCI" */
    unsigned min_major, min_minor; /* the first Windows that has it */
    unsigned max_major, max_minor; /* the last one (0.0: still shipped) */
};
extern const struct boot_fallback boot_fallbacks[];
extern const size_t boot_nfallbacks;

/* The boot controllers a guest can be moved to (--target). */
enum boot_target {
    BOOT_TARGET_VIRTIO_BLK,
    BOOT_TARGET_VIRTIO_SCSI,
    BOOT_TARGET_SATA,
    BOOT_TARGET_NVME,
    BOOT_TARGET_IDE,
    BOOT_TARGET_COUNT
};

/* One PCI function as QEMU presents it: Windows derives the hardware and
 * compatible ids from these (boot_pci_ids). */
struct boot_pci_device {
    const char *label;           /* "virtio-blk (transitional)" */
    unsigned vendor, device;     /* 0x1AF4, 0x1001 */
    unsigned subsys;             /* subsystem id << 16 | subsystem vendor:
                                    0x00021AF4 */
    unsigned revision;           /* 0x00 */
    unsigned class_code;         /* base << 16 | sub << 8 | prog-if:
                                    0x010000 */
};

struct boot_target_info {
    enum boot_target target;
    const char *name;            /* --target spelling: "virtio-blk" */
    const struct boot_pci_device *devices; /* every variant QEMU may show
                                    (a guest boots only if each binds) */
    size_t ndevices;
};
extern const struct boot_target_info boot_targets[];

/* The device setup class of T's controller, whose filters load with it:
 * "SCSIAdapter" (virtio-blk, virtio-scsi, NVMe) or "HDC" (SATA AHCI,
 * IDE). */
const char *boot_target_class(enum boot_target t);

/* The target named NAME ("virtio-blk", "virtio-scsi", "sata", "nvme",
 * "ide"), or NULL. */
const struct boot_target_info *boot_target_find(const char *name);

/* The hardware ids, then the compatible ids, Windows' PCI bus driver
 * reports for DEV, most specific first, upper case:
 *   PCI\VEN_v&DEV_d&SUBSYS_s&REV_r, PCI\VEN_v&DEV_d&SUBSYS_s,
 *   PCI\VEN_v&DEV_d&CC_ccsspp, PCI\VEN_v&DEV_d&CC_ccss        (hardware)
 *   PCI\VEN_v&DEV_d&REV_r, PCI\VEN_v&DEV_d, PCI\VEN_v&CC_ccsspp,
 *   PCI\VEN_v&CC_ccss, PCI\VEN_v, PCI\CC_ccsspp, PCI\CC_ccss   (compatible)
 * Writes at most MAX ids of 64 bytes into IDS; returns how many there are
 * (11), and in *NHW how many of them are hardware ids (4). */
size_t boot_pci_ids(const struct boot_pci_device *dev, char ids[][64],
                    size_t max, size_t *nhw);

#endif
