/* pe.c - is a driver binary a signed PE image for the guest (pe.h)?
 *
 * The layout (Microsoft's "PE Format" specification):
 *   0x00  "MZ"; 0x3C e_lfanew, the file offset of the PE signature;
 *   e_lfanew       "PE\0\0";
 *   e_lfanew + 4   COFF header, 20 bytes: Machine (u16), NumberOfSections,
 *                  ..., SizeOfOptionalHeader (u16 at +16), Characteristics;
 *   e_lfanew + 24  optional header: Magic (0x10B PE32, 0x20B PE32+),
 *                  Subsystem at +68, NumberOfRvaAndSizes at +92 (PE32) or
 *                  +108 (PE32+), then the data directories (8 bytes each:
 *                  address, size) at +96 or +112. Directory 4, the
 *                  certificate table, holds a file offset, not an RVA.
 *   certificate table: WIN_CERTIFICATE entries, dwLength (u32, header
 *                  included), wRevision (u16), wCertificateType (u16).
 * Every read goes through get16/get32, which refuse a position outside
 * the bytes held. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "file_read.h"
#include "pe.h"
#include "bytes.h"

uint16_t pe_machine_for_arch(const char *arch)
{
    if (!arch)
        return 0;
    if (strcasecmp(arch, "amd64") == 0)
        return PE_MACHINE_AMD64;
    if (strcasecmp(arch, "x86") == 0)
        return PE_MACHINE_I386;
    if (strcasecmp(arch, "arm64") == 0)
        return PE_MACHINE_ARM64;
    return 0;
}

const char *pe_machine_name(uint16_t m)
{
    switch (m) {
    case PE_MACHINE_AMD64: return "AMD64";
    case PE_MACHINE_I386: return "I386";
    case PE_MACHINE_ARM64: return "ARM64";
    default: return NULL;
    }
}

/* Little-endian reads at OFF (64-bit so that OFF + 4 cannot wrap); 0 when
 * the bytes are not all inside [0, LEN). */
static int get16(const uint8_t *p, size_t len, uint64_t off, uint16_t *v)
{
    if (off > len || len - off < 2)
        return 0;
    *v = rd_le16(p + off);
    return 1;
}

static int get32(const uint8_t *p, size_t len, uint64_t off, uint32_t *v)
{
    if (off > len || len - off < 4)
        return 0;
    *v = rd_le32(p + off);
    return 1;
}

#if defined(__GNUC__) || defined(__clang__)
#define PE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PE_PRINTF(f, a)
#endif

static int fail(char *err, size_t errn, int status, const char *fmt, ...)
    PE_PRINTF(4, 5);

static int fail(char *err, size_t errn, int status, const char *fmt, ...)
{
    if (err && errn) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errn, fmt, ap);
        va_end(ap);
    }
    return status;
}

static void machine_text(uint16_t m, char *buf, size_t n)
{
    const char *name = pe_machine_name(m);
    if (name)
        snprintf(buf, n, "%s (0x%04X)", name, m);
    else
        snprintf(buf, n, "0x%04X", m);
}

int pe_check_mem(const uint8_t *img, size_t len, uint16_t machine,
                 struct pe_info *out, char *err, size_t errn)
{
    struct pe_info info;
    memset(&info, 0, sizeof info);
    if (out)
        *out = info;
    if (err && errn)
        err[0] = '\0';
    if (len > PE_MAX_FILE)
        return fail(err, errn, PE_ETOOBIG, "larger than %u MiB: not a "
                    "driver", PE_MAX_FILE / (1024 * 1024));
    if (len < 2 || img[0] != 'M' || img[1] != 'Z')
        return fail(err, errn, PE_ENOTPE, "not a PE image (no 'MZ' at "
                    "offset 0)");
    uint32_t lfanew;
    if (!get32(img, len, 0x3C, &lfanew))
        return fail(err, errn, PE_ENOTPE, "not a PE image (truncated DOS "
                    "header: %zu bytes)", len);
    uint32_t sig;
    if (!get32(img, len, lfanew, &sig))
        return fail(err, errn, PE_ENOTPE, "not a PE image (its PE header "
                    "offset 0x%X is outside the %zu-byte file)", lfanew, len);
    if (sig != 0x00004550u)                 /* "PE\0\0" */
        return fail(err, errn, PE_ENOTPE, "not a PE image (no 'PE' "
                    "signature at offset 0x%X)", lfanew);
    uint64_t coff = (uint64_t)lfanew + 4, opt = coff + 20;
    uint16_t optsize;
    if (!get16(img, len, coff, &info.machine) ||
        !get16(img, len, coff + 16, &optsize))
        return fail(err, errn, PE_ENOTPE, "not a PE image (COFF header "
                    "truncated)");
    if (out)
        *out = info;
    if (!get16(img, len, opt, &info.magic) || optsize < 2)
        return fail(err, errn, PE_ENOTPE, "not a PE image (no optional "
                    "header)");
    uint64_t nrva_off, dirs;
    if (info.magic == 0x10B) {
        nrva_off = 92;
        dirs = 96;
    } else if (info.magic == 0x20B) {
        nrva_off = 108;
        dirs = 112;
    } else {
        return fail(err, errn, PE_ENOTPE, "not a PE image (optional header "
                    "magic 0x%04X is neither PE32 nor PE32+)", info.magic);
    }
    /* The optional header as declared must be in the file, and must hold
     * the fields read below. */
    if (opt + optsize > len)
        return fail(err, errn, PE_ENOTPE, "not a PE image (its optional "
                    "header of %u bytes goes past the end of the %zu-byte "
                    "file)", optsize, len);
    uint32_t nrva = 0;
    if (optsize < nrva_off + 4 || !get16(img, len, opt + 68, &info.subsystem) ||
        !get32(img, len, opt + nrva_off, &nrva))
        return fail(err, errn, PE_ENOTPE, "not a PE image (optional header "
                    "of %u bytes is too short)", optsize);
    if (out)
        *out = info;
    if (machine && info.machine != machine) {
        char have[32], want[32];
        machine_text(info.machine, have, sizeof have);
        machine_text(machine, want, sizeof want);
        return fail(err, errn, PE_EMACHINE, "a PE image for machine %s, "
                    "not %s as the guest needs", have, want);
    }
    /* PE32+ for the 64-bit machines, PE32 for x86. */
    if ((info.machine == PE_MACHINE_AMD64 || info.machine == PE_MACHINE_ARM64)
            != (info.magic == 0x20B) &&
        pe_machine_name(info.machine))
        return fail(err, errn, PE_ENOTPE, "not a valid PE image (a %s image "
                    "with a %s optional header)",
                    pe_machine_name(info.machine),
                    info.magic == 0x20B ? "PE32+" : "PE32");
    /* Data directory 4: present only when NumberOfRvaAndSizes > 4 and the
     * declared optional header holds it. */
    uint64_t d4 = dirs + 4 * 8;
    if (nrva <= 4 || optsize < d4 + 8)
        return fail(err, errn, PE_EUNSIGNED, "not signed: it has no "
                    "security directory (NumberOfRvaAndSizes %u)", nrva);
    if (!get32(img, len, opt + d4, &info.cert_offset) ||
        !get32(img, len, opt + d4 + 4, &info.cert_size))
        return fail(err, errn, PE_ENOTPE, "not a PE image (data directories "
                    "truncated)");
    if (out)
        *out = info;
    if (info.cert_size == 0 && info.cert_offset == 0)
        return fail(err, errn, PE_EUNSIGNED, "not signed: its security "
                    "directory (data directory 4) is empty");
    if (info.cert_size < 8 || info.cert_offset == 0 ||
        (uint64_t)info.cert_offset + info.cert_size > len)
        return fail(err, errn, PE_EBADSIG, "broken signature: the security "
                    "directory (offset 0x%X, %u bytes) is not inside the "
                    "%zu-byte file", info.cert_offset, info.cert_size, len);
    uint64_t c = info.cert_offset;
    if (!get32(img, len, c, &info.cert_length) ||
        !get16(img, len, c + 4, &info.cert_revision) ||
        !get16(img, len, c + 6, &info.cert_type))
        return fail(err, errn, PE_EBADSIG, "broken signature: truncated "
                    "WIN_CERTIFICATE");
    if (out)
        *out = info;
    if (info.cert_length < 8 || info.cert_length > info.cert_size)
        return fail(err, errn, PE_EBADSIG, "broken signature: its "
                    "WIN_CERTIFICATE declares %u bytes in a %u-byte security "
                    "directory", info.cert_length, info.cert_size);
    if (info.cert_revision != 0x0100 && info.cert_revision != 0x0200)
        return fail(err, errn, PE_EBADSIG, "broken signature: "
                    "WIN_CERTIFICATE revision 0x%04X", info.cert_revision);
    if (info.cert_type != 0x0002)
        return fail(err, errn, PE_EBADSIG, "broken signature: "
                    "WIN_CERTIFICATE type %u is not PKCS#7 signed data (2), "
                    "the Authenticode form", info.cert_type);
    return PE_OK;
}

int pe_check_file(const char *path, uint16_t machine, struct pe_info *out,
                  char *err, size_t errn)
{
    return pe_check_at(AT_FDCWD, path, machine, out, err, errn);
}

int pe_check_at(int dirfd, const char *name, uint16_t machine,
                struct pe_info *out, char *err, size_t errn)
{
    if (out)
        memset(out, 0, sizeof *out);
    uint8_t *buf;
    size_t len;
    char why[200];
    int rc = fr_read(dirfd, name, PE_MAX_FILE, &buf, &len, why, sizeof why);
    if (rc == FR_ETOOBIG)
        return fail(err, errn, PE_ETOOBIG, "%s: not a driver", why);
    if (rc != FR_OK)
        return fail(err, errn, PE_EIO, "cannot be read: %s", why);
    if (rc == PE_OK)
        rc = pe_check_mem(buf, len, machine, out, err, errn);
    free(buf);
    return rc;
}
