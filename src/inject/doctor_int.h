/* doctor_int.h - what the doctor's parts share (not installed, not for
 * the command). */
#ifndef HIVEKIT_DOCTOR_INT_H
#define HIVEKIT_DOCTOR_INT_H

#include "doctor.h"

/* Value NAME of KEY as a DWORD; REGF_OK, REGF_NOTFOUND, REGF_ETYPE. */
int doc_dword(regf_hive *h, regf_key key, const char *name, uint32_t *out);
/* Value NAME of KEY as text (REG_MULTI_SZ: "a\0b\0"); REGF_OK,
 * REGF_NOTFOUND, REGF_ETYPE. *LEN gets the length (may be NULL). */
int doc_string(regf_hive *h, regf_key key, const char *name, char *buf,
               size_t size, size_t *len);
/* Nonzero when the service key SVC has a StartOverride subkey with a
 * value other than 0 (Windows 8 and later load the service with that
 * start type instead of Start); the value goes to *START. */
int doc_override(regf_hive *h, regf_key svc, uint32_t *start);
/* Adds a reason; REGF_OK or REGF_ENOMEM. */
int doc_reason(struct doc_reasons *rs, int severity, const char *code,
               const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The parts, each filling its share of RES. */
int doc_order(regf_hive *h, regf_key cs, struct doc_controlset *out);
int doc_bind(regf_hive *h, const struct doc_opts *o, struct doc_result *res,
             struct doc_target *t);
/* The service NAME of control set CS (KEY), as doc_service says. */
int doc_service_read(regf_hive *h, regf_key cs, const char *name,
                     const struct doc_opts *o, uint16_t machine,
                     struct doc_service *s);
int doc_filters(regf_hive *h, const struct doc_opts *o,
                struct doc_result *res);
/* The reasons of every target from what the parts found (doctor_verdict.c). */
int doc_verdicts(const struct doc_opts *o, struct doc_result *res);
int doc_software(regf_hive *system, regf_hive *software,
                 struct doc_result *res);

#endif
