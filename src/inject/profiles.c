/* profiles.c - built-in driver descriptions for when no INF is at hand:
 * the values of the virtio-win 100.85.104.20800 (08/30/2021) INFs of
 * viostor (virtio-blk) and vioscsi (virtio-scsi), as in
 * ../shared/corpus/inf/ (viostor-w10-amd64.inf, vioscsi-w10-amd64.inf). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inject.h"
#include "bytes.h"

/* HKR, SUBKEY, NAME, 0x00010001 (REG_DWORD), V */
static void dword_reg(struct inj_reg *r, const char *subkey, const char *name,
                      uint32_t v)
{
    memset(r, 0, sizeof *r);
    snprintf(r->subkey, sizeof r->subkey, "%s", subkey);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->type = REGF_DWORD;
    r->flags = 0x00010001;
    wr_le32(r->data, v);
    r->len = 4;
}

/* HKR, SUBKEY,, 0x00000010 (FLG_ADDREG_KEYONLY) */
static void key_reg(struct inj_reg *r, const char *subkey)
{
    memset(r, 0, sizeof *r);
    snprintf(r->subkey, sizeof r->subkey, "%s", subkey);
    r->flags = 0x00000010;
    r->keyonly = 1;
}

static void id_info(struct inj_idinfo *in, uint8_t pos, const char *desc)
{
    in->pos = pos;
    in->score = 0xFF;                  /* no FeatureScore in the INFs */
    snprintf(in->manufacturer, sizeof in->manufacturer, "%%vendor%%");
    snprintf(in->description, sizeof in->description, "%%%s%%", desc);
}

/* FNV-1a 64: the package label's digits for a profile (an INF uses a hash
 * of its bytes). */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

int inj_profile(const char *name, const char *arch, struct inj_driver *d)
{
    int scsi;
    if (strcasecmp(name, "viostor") == 0)
        scsi = 0;
    else if (strcasecmp(name, "vioscsi") == 0)
        scsi = 1;
    else
        return REGF_NOTFOUND;
    memset(d, 0, sizeof *d);
    const char *svc = scsi ? "vioscsi" : "viostor";
    snprintf(d->service, sizeof d->service, "%s", svc);
    snprintf(d->binary, sizeof d->binary, "%s.sys", svc);
    snprintf(d->inf_name, sizeof d->inf_name, "%s.inf", svc);
    snprintf(d->arch, sizeof d->arch, "%s", arch ? arch : "amd64");
    d->type = 1;                 /* SERVICE_KERNEL_DRIVER */
    d->start = 0;                /* SERVICE_BOOT_START */
    d->error_control = 1;        /* SERVICE_ERROR_NORMAL */
    snprintf(d->group, sizeof d->group, "SCSI miniport");
    if (scsi)
        snprintf(d->display_name, sizeof d->display_name,
                 "Red Hat VirtIO SCSI pass-through Service");
    /* [pnpsafe_pci_addreg]: BusType 1 (SCSI) for viostor, 0x0A (SAS) for
     * vioscsi; a wrong BusType is a reported cause of 0x7B. */
    dword_reg(&d->hkr[0], "Parameters\\PnpInterface", "5", 1);
    dword_reg(&d->hkr[1], "Parameters", "BusType", scsi ? 0x0A : 0x01);
    d->nhkr = 2;
    if (scsi) {
        snprintf(d->hwids[0], 128, "PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00");
        snprintf(d->hwids[1], 128, "PCI\\VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01");
        snprintf(d->compat[0], 128, "PCI\\VEN_1AF4&DEV_1004");
        snprintf(d->compat[1], 128, "PCI\\VEN_1AF4&DEV_1048");
    } else {
        snprintf(d->hwids[0], 128, "PCI\\VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00");
        snprintf(d->hwids[1], 128, "PCI\\VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01");
        snprintf(d->compat[0], 128, "PCI\\VEN_1AF4&DEV_1001");
        snprintf(d->compat[1], 128, "PCI\\VEN_1AF4&DEV_1042");
    }
    d->nhw = 2;
    d->ncompat = 2;
    snprintf(d->class_name, sizeof d->class_name, "SCSIAdapter");
    snprintf(d->class_guid, sizeof d->class_guid,
             "{4D36E97B-E325-11CE-BFC1-08002BE10318}");
    snprintf(d->provider, sizeof d->provider, "Red Hat, Inc.");
    d->ver[0] = 100;
    d->ver[1] = 85;
    d->ver[2] = 104;
    d->ver[3] = 20800;
    d->year = 2021;
    d->month = 8;
    d->day = 30;
    snprintf(d->config, sizeof d->config, "scsi_inst");
    /* The package: [Version] CatalogFile, the model lines (each a hardware
     * id, then a compatible id; %VENDOR% and the device description), the
     * [scsi_inst.HW] AddReg (pnpsafe_pci_addreg_msix) and [Strings]. */
    snprintf(d->inf_orig, sizeof d->inf_orig, "%s.inf", svc);
    snprintf(d->catalog, sizeof d->catalog, "%s.cat", svc);
    d->binary_dirid = 12;
    const char *desc = scsi ? "virtioscsi.devicedesc" : "viostorscsi.devicedesc";
    for (size_t i = 0; i < 2; i++) {
        id_info(&d->hwinfo[i], 1, desc);
        id_info(&d->compatinfo[i], 2, desc);
    }
    snprintf(d->strings[0].key, sizeof d->strings[0].key, "vendor");
    snprintf(d->strings[0].value, sizeof d->strings[0].value, "Red Hat, Inc.");
    snprintf(d->strings[1].key, sizeof d->strings[1].key, "%s", desc);
    snprintf(d->strings[1].value, sizeof d->strings[1].value, "%s",
             scsi ? "Red Hat VirtIO SCSI pass-through controller" :
                    "Red Hat VirtIO SCSI controller");
    d->nstrings = 2;
    static const char im[] = "Interrupt Management",
        msi[] = "Interrupt Management\\MessageSignaledInterruptProperties",
        aff[] = "Interrupt Management\\Affinity Policy";
    size_t n = 0;
    key_reg(&d->devreg[n++], im);
    key_reg(&d->devreg[n++], msi);
    dword_reg(&d->devreg[n++], msi, "MSISupported", 1);
    dword_reg(&d->devreg[n++], msi, "MessageNumberLimit", scsi ? 258 : 256);
    key_reg(&d->devreg[n++], aff);
    dword_reg(&d->devreg[n++], aff, "DevicePolicy", 5);
    if (scsi) {
        dword_reg(&d->devreg[n++], aff, "DevicePriority", 3);
        dword_reg(&d->devreg[n++], aff, "GroupPolicy", 1);
    }
    d->ndevreg = n;
    char seed[128];
    snprintf(seed, sizeof seed, "%s.inf 100.85.104.20800 %s", svc, d->arch);
    d->inf_hash = fnv1a(seed);
    return REGF_OK;
}
