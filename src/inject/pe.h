/* pe.h - the boot driver binary check of `inject --root`: is a file a PE
 * image for the guest's machine type, and does it carry an embedded
 * signature?
 *
 * Windows loads a boot-start driver only from an image of its own machine
 * type, and on x64 only with an embedded (Authenticode) signature:
 * winload does not consult catalogs for boot drivers. A missing, foreign
 * or unsigned binary therefore ends the first boot with 0x7B or
 * 0xc0000428 whatever the registry says.
 *
 * The file is untrusted (it comes with the driver, or from the guest):
 * every offset and size read from it is checked against the bytes held
 * before use, with 64-bit arithmetic, and at most PE_MAX_FILE bytes are
 * read. Integers are assembled from little-endian bytes, so the host's
 * byte order never matters.
 *
 * Only the structure is checked: the signature is not verified
 * cryptographically (that needs the certificate chain and Windows' code
 * integrity policy); "signed" means the security directory (data
 * directory 4) names a well-formed WIN_CERTIFICATE inside the file. */
#ifndef HIVEKIT_PE_H
#define HIVEKIT_PE_H

#include <stddef.h>
#include <stdint.h>

#define PE_MAX_FILE (64u * 1024 * 1024)   /* drivers are well below 1 MiB */

/* IMAGE_FILE_MACHINE_* of the architectures hivekit injects for. */
#define PE_MACHINE_I386  0x014Cu
#define PE_MACHINE_AMD64 0x8664u
#define PE_MACHINE_ARM64 0xAA64u

enum pe_status {
    PE_OK = 0,
    PE_EIO = -1,        /* missing or unreadable (errno in the message) */
    PE_ETOOBIG = -2,    /* larger than PE_MAX_FILE */
    PE_ENOTPE = -3,     /* not a PE image: no MZ or PE signature, headers
                           truncated or pointing outside the file */
    PE_EMACHINE = -4,   /* a PE image for another machine type */
    PE_EUNSIGNED = -5,  /* no embedded signature: data directory 4 empty
                           (or absent) */
    PE_EBADSIG = -6     /* data directory 4 points outside the file or at
                           something that is not a WIN_CERTIFICATE */
};

struct pe_info {
    uint16_t machine;        /* COFF Machine */
    uint16_t magic;          /* 0x10B PE32, 0x20B PE32+ */
    uint16_t subsystem;      /* 1 = native (drivers) */
    uint32_t cert_offset;    /* data directory 4: a file offset */
    uint32_t cert_size;
    uint32_t cert_length;    /* first WIN_CERTIFICATE: dwLength */
    uint16_t cert_revision;  /* wRevision: 0x0100 or 0x0200 */
    uint16_t cert_type;      /* wCertificateType: 2 = PKCS#7 SignedData */
};

/* The machine type for an INF architecture name ("amd64", "x86",
 * "arm64"; any case); 0 for anything else. */
uint16_t pe_machine_for_arch(const char *arch);
/* "AMD64", "I386", "ARM64", or NULL for another number. */
const char *pe_machine_name(uint16_t machine);

/* Checks the LEN bytes at IMG: a PE image whose machine is MACHINE (0:
 * any) and whose security directory holds a well-formed WIN_CERTIFICATE.
 * Fills OUT as far as the headers could be read (may be NULL). Returns
 * PE_OK or the first problem, described in ERR (ERRN bytes; may be NULL)
 * without a file name. */
int pe_check_mem(const uint8_t *img, size_t len, uint16_t machine,
                 struct pe_info *out, char *err, size_t errn);

/* The same for the file PATH (read up to PE_MAX_FILE bytes). */
int pe_check_file(const char *path, uint16_t machine, struct pe_info *out,
                  char *err, size_t errn);
/* The same for NAME in the directory DIRFD (fr_read: AT_FDCWD for a
 * path). */
int pe_check_at(int dirfd, const char *name, uint16_t machine,
                struct pe_info *out, char *err, size_t errn);

#endif
