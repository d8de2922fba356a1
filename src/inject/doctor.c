/* doctor.c - doc_run: the control sets, the guest, and the parts in turn
 * (doctor.h); the small readers they share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_int.h"
#include "pe.h"

int doc_dword(regf_hive *h, regf_key key, const char *name, uint32_t *out)
{
    regf_val v;
    int rc = regf_value_lookup(h, key, name, &v);
    return rc == REGF_OK ? regf_value_dword(h, v, out) : rc;
}

int doc_string(regf_hive *h, regf_key key, const char *name, char *buf,
               size_t size, size_t *len)
{
    regf_val v;
    size_t need = 0;
    int rc = regf_value_lookup(h, key, name, &v);
    if (rc == REGF_OK)
        rc = regf_value_string(h, v, 0, buf, size, &need);
    if (rc != REGF_OK)
        buf[0] = '\0';
    if (len)
        *len = rc == REGF_OK ? need : 0;
    return rc;
}

int doc_override(regf_hive *h, regf_key svc, uint32_t *start)
{
    regf_key so;
    struct regf_key_info ki;
    if (regf_key_lookup(h, svc, "StartOverride", &so) != REGF_OK ||
        regf_key_info(h, so, &ki) != REGF_OK)
        return 0;
    for (uint32_t i = 0; i < ki.nvalues && i < 64; i++) {
        regf_val v;
        uint32_t d;
        if (regf_value_at(h, so, i, &v) == REGF_OK &&
            regf_value_dword(h, v, &d) == REGF_OK && d != 0) {
            *start = d;
            return 1;
        }
    }
    return 0;
}

size_t doc_shell_quote(char *out, size_t n, const char *s)
{
    size_t j = 0;
#define PUT(c) do { if (j + 1 < n) out[j] = (c); j++; } while (0)
    PUT('\'');
    for (; *s; s++) {
        if (*s == '\'') {
            PUT('\''); PUT('\\'); PUT('\''); PUT('\'');
        } else {
            PUT(*s);
        }
    }
    PUT('\'');
#undef PUT
    if (n)
        out[j < n ? j : n - 1] = '\0';
    return j;
}

int doc_reason(struct doc_reasons *rs, int severity, const char *code,
               const char *fix, const char *fmt, ...)
{
    struct doc_reason r;
    va_list ap;
    memset(&r, 0, sizeof r);
    r.severity = severity;
    snprintf(r.code, sizeof r.code, "%s", code);
    snprintf(r.fix, sizeof r.fix, "%s", fix);
    va_start(ap, fmt);
    vsnprintf(r.text, sizeof r.text, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < rs->n; i++)      /* several variants, one cause */
        if (strcmp(rs->r[i].text, r.text) == 0)
            return REGF_OK;
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 8;
        void *p = realloc(rs->r, nc * sizeof *rs->r);
        if (!p)
            return REGF_ENOMEM;
        rs->r = p;
        rs->cap = nc;
    }
    rs->r[rs->n++] = r;
    return REGF_OK;
}

/* The control sets Select names (inj_control_sets). */
static int control_sets(regf_hive *h, struct doc_result *res)
{
    struct inj_controlsets cs;
    int rc = inj_control_sets(h, &cs, res->err, sizeof res->err);
    for (int i = 0; rc == REGF_OK && i < cs.n; i++) {
        snprintf(res->cs[i].name, sizeof res->cs[i].name, "%s", cs.name[i]);
        snprintf(res->cs[i].select, sizeof res->cs[i].select, "%s",
                 cs.select[i]);
    }
    res->ncs = rc == REGF_OK ? cs.n : 0;
    return rc;
}

int doc_run(regf_hive *sys, regf_hive *sw, const struct doc_opts *o,
            struct doc_result *res)
{
    regf_key k;
    int rc;
    memset(res, 0, sizeof *res);
    if ((rc = control_sets(sys, res)) != REGF_OK)
        return rc;
    inj_guest_system(sys, res->cs[0].name, &res->guest);
    if (sw) {
        inj_guest_software(sw, &res->guest);
        res->software = 1;
    }
    inj_guest_name(&res->guest, res->guest_name, sizeof res->guest_name);
    res->machine = pe_machine_for_arch(inj_guest_arch_name(&res->guest));
    res->driver_database = regf_key_lookup(sys, 0, "DriverDatabase", &k) ==
                           REGF_OK;
    for (int c = 0; c < res->ncs; c++) {
        if ((rc = regf_key_lookup(sys, 0, res->cs[c].name, &k)) != REGF_OK ||
            (rc = doc_order(sys, k, &res->cs[c])) != REGF_OK)
            goto fail;
    }
    for (int t = 0; t < BOOT_TARGET_COUNT; t++) {
        if (!(o->targets & (1u << t)))
            continue;
        res->targets[t].info = &boot_targets[t];
        if ((rc = doc_bind(sys, o, res, &res->targets[t])) != REGF_OK)
            goto fail;
    }
    if ((rc = doc_filters(sys, o, res)) != REGF_OK ||
        (rc = doc_software(sys, sw, res)) != REGF_OK)
        goto fail;
    if (o->hibernated &&
        (rc = doc_reason(&res->general, DOC_WARN, "hibernated",
                         "start the guest where it was, then shut it down "
                         "fully (shutdown /s /t 0, or powercfg /h off)",
                         "Windows is hibernated or was shut down with Fast "
                         "Startup: it resumes the old machine's state, and "
                         "any offline change is lost")) != REGF_OK)
        goto fail;
    if ((rc = doc_verdicts(o, res)) != REGF_OK)
        goto fail;
    return REGF_OK;
fail:
    if (!res->err[0])
        snprintf(res->err, sizeof res->err, "%s", regf_errmsg(sys)[0]
                 ? regf_errmsg(sys) : regf_strstatus(rc));
    return rc;
}

void doc_free(struct doc_result *res)
{
    for (int c = 0; c < DOC_MAX_CS; c++) {
        free(res->cs[c].boot);
        free(res->cs[c].demoted);
    }
    for (int t = 0; t < BOOT_TARGET_COUNT; t++)
        free(res->targets[t].reasons.r);
    free(res->general.r);
    free(res->filters);
    free(res->leftovers);
    memset(res, 0, sizeof *res);
}

int doc_target_done(const struct doc_result *res, enum boot_target t)
{
    return (unsigned)t < BOOT_TARGET_COUNT && res->targets[t].info != NULL;
}

const char *doc_via_name(enum doc_via via)
{
    return via == DOC_VIA_DRIVERDB ? "driver database"
           : via == DOC_VIA_CDD    ? "critical device database"
                                   : "nothing";
}
