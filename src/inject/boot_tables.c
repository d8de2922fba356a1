/* boot_tables.c - the constant facts of boot_tables.h. */
#include "boot_tables.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const struct boot_filter_class boot_filter_classes[] = {
    { "DiskDrive",   "{4D36E967-E325-11CE-BFC1-08002BE10318}" },
    { "SCSIAdapter", "{4D36E97B-E325-11CE-BFC1-08002BE10318}" },
    { "HDC",         "{4D36E96A-E325-11CE-BFC1-08002BE10318}" },
    { "Volume",      "{71A27CDD-812A-11D0-BEC7-08002BE2092F}" },
    { "System",      "{4D36E97D-E325-11CE-BFC1-08002BE10318}" },
};
const size_t boot_filter_nclasses =
    sizeof boot_filter_classes / sizeof boot_filter_classes[0];

static const char *const default_filters[] = {
    "partmgr", "EhStorClass", "volsnap", "fvevol", "iorate", "rdyboost",
};

int boot_filter_is_default(const char *name)
{
    for (size_t i = 0; i < sizeof default_filters / sizeof *default_filters;
         i++)
        if (strcasecmp(name, default_filters[i]) == 0)
            return 1;
    return 0;
}

static int has_prefix(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

const char *boot_leftover_vendor(const char *name)
{
    if (has_prefix(name, "prl_"))
        return "Parallels";
    if (has_prefix(name, "xen") || strcasecmp(name, "scsifilt") == 0)
        return "Xen";
    if (strcasecmp(name, "rhelscsi") == 0)
        return "Red Hat";
    return NULL;
}

int boot_filter_is_vendor_vm(const char *name)
{
    return has_prefix(name, "vm") || strcasecmp(name, "storflt") == 0;
}

const struct boot_fallback boot_fallbacks[] = {
    { "storahci", "SATA AHCI (Microsoft)",      6, 2, 0, 0 },
    { "stornvme", "NVMe (Microsoft)",           6, 3, 0, 0 },
    { "msahci",   "SATA AHCI (Vista/7)",        6, 0, 6, 1 },
    { "iaStorV",  "Intel SATA RAID/AHCI",       6, 0, 0, 0 },
    { "pciide",   "PCI IDE",                    5, 0, 0, 0 },
    { "intelide", "Intel IDE",                  5, 0, 0, 0 },
    { "atapi",    "ATAPI/IDE channel",          5, 0, 0, 0 },
};
const size_t boot_nfallbacks = sizeof boot_fallbacks / sizeof *boot_fallbacks;

/* QEMU's devices (hw/virtio/virtio-pci.c, hw/ide/ich.c, hw/nvme,
 * hw/ide/piix.c): subsystem vendor 1AF4 (Red Hat/QEMU) throughout. */
static const struct boot_pci_device virtio_blk[] = {
    { "virtio-blk (transitional, 1AF4:1001)", 0x1AF4, 0x1001, 0x00021AF4,
      0x00, 0x010000 },
    { "virtio-blk (modern, 1AF4:1042)", 0x1AF4, 0x1042, 0x11001AF4,
      0x01, 0x010000 },
};
static const struct boot_pci_device virtio_scsi[] = {
    { "virtio-scsi (transitional, 1AF4:1004)", 0x1AF4, 0x1004, 0x00081AF4,
      0x00, 0x010000 },
    { "virtio-scsi (modern, 1AF4:1048)", 0x1AF4, 0x1048, 0x11001AF4,
      0x01, 0x010000 },
};
static const struct boot_pci_device sata[] = {
    { "SATA AHCI (ICH9, 8086:2922)", 0x8086, 0x2922, 0x11001AF4, 0x02,
      0x010601 },
};
static const struct boot_pci_device nvme[] = {
    { "NVMe (1B36:0010)", 0x1B36, 0x0010, 0x11001AF4, 0x02, 0x010802 },
};
static const struct boot_pci_device ide[] = {
    { "IDE (PIIX3, 8086:7010)", 0x8086, 0x7010, 0x11001AF4, 0x00,
      0x010180 },
};

#define N(a) (sizeof a / sizeof a[0])
const struct boot_target_info boot_targets[] = {
    { BOOT_TARGET_VIRTIO_BLK,  "virtio-blk",  virtio_blk,  N(virtio_blk) },
    { BOOT_TARGET_VIRTIO_SCSI, "virtio-scsi", virtio_scsi, N(virtio_scsi) },
    { BOOT_TARGET_SATA,        "sata",        sata,        N(sata) },
    { BOOT_TARGET_NVME,        "nvme",        nvme,        N(nvme) },
    { BOOT_TARGET_IDE,         "ide",         ide,         N(ide) },
};

const char *boot_target_class(enum boot_target t)
{
    return t == BOOT_TARGET_SATA || t == BOOT_TARGET_IDE ? "HDC"
                                                         : "SCSIAdapter";
}

const struct boot_target_info *boot_target_find(const char *name)
{
    for (size_t i = 0; i < BOOT_TARGET_COUNT; i++)
        if (strcasecmp(name, boot_targets[i].name) == 0)
            return &boot_targets[i];
    return NULL;
}

size_t boot_pci_ids(const struct boot_pci_device *d, char ids[][64],
                    size_t max, size_t *nhw)
{
    char v[16], vd[32], cc6[16], cc4[16];
    char all[11][64];
    size_t n = 0;

    snprintf(v, sizeof v, "PCI\\VEN_%04X", d->vendor & 0xFFFFu);
    snprintf(vd, sizeof vd, "%s&DEV_%04X", v, d->device & 0xFFFFu);
    snprintf(cc6, sizeof cc6, "CC_%06X", d->class_code & 0xFFFFFFu);
    snprintf(cc4, sizeof cc4, "CC_%04X", (d->class_code >> 8) & 0xFFFFu);

    snprintf(all[n++], 64, "%s&SUBSYS_%08X&REV_%02X", vd, d->subsys,
             d->revision & 0xFFu);
    snprintf(all[n++], 64, "%s&SUBSYS_%08X", vd, d->subsys);
    snprintf(all[n++], 64, "%s&%s", vd, cc6);
    snprintf(all[n++], 64, "%s&%s", vd, cc4);
    if (nhw)
        *nhw = n;
    snprintf(all[n++], 64, "%s&REV_%02X", vd, d->revision & 0xFFu);
    snprintf(all[n++], 64, "%s", vd);
    snprintf(all[n++], 64, "%s&%s", v, cc6);
    snprintf(all[n++], 64, "%s&%s", v, cc4);
    snprintf(all[n++], 64, "%s", v);
    snprintf(all[n++], 64, "PCI\\%s", cc6);
    snprintf(all[n++], 64, "PCI\\%s", cc4);
    for (size_t i = 0; i < n && i < max; i++)
        memcpy(ids[i], all[i], 64);
    return n;
}
