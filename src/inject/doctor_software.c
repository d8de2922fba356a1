/* doctor_software.c - what besides the storage stack can spoil the first
 * boot, from SOFTWARE (and SYSTEM): device installation policies, SHA-2
 * code signing on Windows 7 / 2008 R2, BitLocker (docs/doctor.md §5).
 * Each is a warning: none of them is known to stop every boot. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doctor_int.h"

#define RESTRICTIONS "Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions"
#define CBS "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"
#define MAX_PACKAGES 200000

/* Deny* policies set to a value other than 0. */
static int restrictions(regf_hive *sw, struct doc_result *res)
{
    regf_key k;
    struct regf_key_info ki;
    char names[200] = "";
    size_t used = 0;
    if (regf_key_lookup(sw, 0, RESTRICTIONS, &k) != REGF_OK ||
        regf_key_info(sw, k, &ki) != REGF_OK)
        return REGF_OK;
    for (uint32_t i = 0; i < ki.nvalues && i < 256; i++) {
        regf_val v;
        char name[64];
        size_t need;
        uint32_t d;
        if (regf_value_at(sw, k, i, &v) != REGF_OK ||
            regf_value_name(sw, v, name, sizeof name, &need) != REGF_OK ||
            need >= sizeof name || strncasecmp(name, "Deny", 4) != 0 ||
            regf_value_dword(sw, v, &d) != REGF_OK || d == 0)
            continue;
        int w = snprintf(names + used, sizeof names - used, "%s%s",
                         used ? ", " : "", name);
        if (w > 0 && (size_t)w < sizeof names - used)
            used += (size_t)w;
    }
    if (!used)
        return REGF_OK;
    return doc_reason(&res->general, DOC_WARN, "install-restrictions",
                      "allow the controller's hardware ids and class in the "
                      "policy (or lift it) before the move; remove the "
                      "policy values with hivekit rm SOFTWARE '"
                      RESTRICTIONS "' NAME",
                      "Device Installation Restrictions are set (%s): "
                      "Windows may refuse to install the new controller",
                      names);
}

/* Windows 7 / Server 2008 R2 (6.1) and Vista / 2008 (6.0): is one of the
 * SHA-2 code signing updates installed? */
static int sha2(regf_hive *sw, struct doc_result *res)
{
    const struct inj_guest *g = &res->guest;
    if (g->major != 6 || g->minor > 1)
        return REGF_OK;
    static const char fix[] =
        "install KB4474419 (and KB3033929 on Windows 7 / 2008 R2) in the "
        "guest before the move, or use a driver build signed with SHA-1";
    if (!sw)
        return doc_reason(&res->general, DOC_WARN, "sha2-unknown", fix,
                          "Windows %u.%u: SHA-2 code signing support not "
                          "checked (give --software): without it a driver "
                          "signed only with SHA-256 fails with 0xc0000428",
                          g->major, g->minor);
    regf_key k, p;
    regf_iter it;
    int rc;
    size_t n = 0;
    if (regf_key_lookup(sw, 0, CBS, &k) == REGF_OK)
        for (rc = regf_subkey_first(sw, k, &it, &p);
             rc == REGF_OK && n < MAX_PACKAGES;
             rc = regf_subkey_next(sw, &it, &p), n++) {
            char name[256];
            if (regf_key_name(sw, p, name, sizeof name, NULL) != REGF_OK)
                continue;
            for (char *c = name; *c; c++)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
            if (strstr(name, "KB3033929") || strstr(name, "KB4474419"))
                return REGF_OK;
        }
    return doc_reason(&res->general, DOC_WARN, "no-sha2", fix,
                      "Windows %u.%u without SHA-2 code signing support "
                      "(no KB3033929 or KB4474419 package in Component "
                      "Based Servicing): a boot driver signed only with "
                      "SHA-256 fails with 0xc0000428", g->major, g->minor);
}

/* BitLocker: SYSTEM Control\BitLockerStatus\BootStatus (written once
 * BitLocker protected the system volume) or SOFTWARE Policies\Microsoft\
 * FVE (its Group Policy settings). */
static int bitlocker(regf_hive *sys, regf_hive *sw, struct doc_result *res)
{
    char what[160] = "";
    for (int c = 0; c < res->ncs && !what[0]; c++) {
        char key[96];
        regf_key k;
        regf_val v;
        snprintf(key, sizeof key, "%s\\Control\\BitLockerStatus",
                 res->cs[c].name);
        if (regf_key_lookup(sys, 0, key, &k) == REGF_OK &&
            regf_value_lookup(sys, k, "BootStatus", &v) == REGF_OK)
            snprintf(what, sizeof what, "SYSTEM %s\\BootStatus", key);
    }
    regf_key k;
    if (!what[0] && sw &&
        regf_key_lookup(sw, 0, "Policies\\Microsoft\\FVE", &k) == REGF_OK)
        snprintf(what, sizeof what, "SOFTWARE Policies\\Microsoft\\FVE");
    if (!what[0])
        return REGF_OK;
    return doc_reason(&res->general, DOC_WARN, "bitlocker",
                      "have the recovery key at hand, or suspend BitLocker "
                      "(manage-bde -protectors -disable C:) before the move",
                      "BitLocker may protect the system volume (%s): a key "
                      "sealed to the old machine's TPM asks for the "
                      "recovery key", what);
}

int doc_software(regf_hive *sys, regf_hive *sw, struct doc_result *res)
{
    int rc;
    if (sw && (rc = restrictions(sw, res)) != REGF_OK)
        return rc;
    if ((rc = sha2(sw, res)) != REGF_OK)
        return rc;
    return bitlocker(sys, sw, res);
}
