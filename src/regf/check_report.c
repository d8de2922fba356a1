/* check_report.c - the checker's problem codes and how a problem reaches
 * the caller: the code table behind regf_check_codes() and
 * regf_severity_name(), the key path of the problem (from the walk's
 * stack of frames), the counts in the statistics, the escalation of damage
 * to the root key (or to its sk) to fatal, and the call of the caller's
 * callback, whose nonzero answer stops the check. */
#include <stdarg.h>
#include <stdio.h>

#include "check_int.h"

#define F REGF_SEV_FATAL
#define H REGF_SEV_HEAL
#define A REGF_SEV_HARMLESS

static const struct regf_check_code code_tab[NCODES] = {
#define TAB_(c, s, v, d) { #c, d, v, s },
    CODES(TAB_)
#undef TAB_
};

#undef F
#undef H
#undef A

const struct regf_check_code *regf_check_codes(size_t *count)
{
    if (count)
        *count = NCODES;
    return code_tab;
}

const char *regf_severity_name(int severity)
{
    switch (severity) {
    case REGF_SEV_FATAL: return "fatal";
    case REGF_SEV_HEAL: return "heal";
    case REGF_SEV_HARMLESS: return "harmless";
    default: return "unknown";
    }
}

/* The path of the key being checked ("\" for the root, "" outside the
 * walk) in c->path. */
static const char *path_of(struct ck *c)
{
    if (!c->walking || c->nfr == 0)
        return "";
    size_t need = 16;
    for (size_t i = 1; i < c->nfr; i++)
        need += 4 * (size_t)c->fr[i].name.units + 1;
    if (grow(c, (void **)&c->path, &c->pathcap, need, 1) != 0)
        return "";
    size_t pos = 0;
    if (c->nfr == 1)
        c->path[pos++] = '\\';
    c->path[pos] = 0;
    for (size_t i = 1; i < c->nfr; i++) {
        c->path[pos++] = '\\';
        c->path[pos] = 0;
        put_name(c->path, c->pathcap, &pos, &c->fr[i].name);
    }
    return c->path;
}

__attribute__((format(printf, 5, 0)))
static void vproblem(struct ck *c, enum code code, int sev, uint32_t cell,
                     const char *fmt, va_list ap)
{
    if (c->stop || (code_tab[code].strict_only && !c->strict))
        return;
    c->st->problems++;
    c->st->severity[sev]++;
    if (!c->fn)
        return;
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    struct regf_problem p;
    p.code = code_tab[code].code;
    p.id = (unsigned)code;
    p.severity = sev;
    p.cell = cell;
    p.path = path_of(c);
    p.message = c->msg;
    int rc = c->fn(c->ctx, &p);
    if (rc && !c->stop)
        c->stop = rc;
}

/* Reports CODE at its default severity; damage that makes the root key
 * itself invalid cannot be healed and is escalated to fatal. */
void problem(struct ck *c, enum code code, uint32_t cell,
             const char *fmt, ...)
{
    int sev = code_tab[code].severity;
    if (sev == REGF_SEV_HEAL && cell != NIL &&
        ((cell == c->root &&
          (code == C_NK_SIZE || code == C_NK_NAME || code == C_NK_NAME_CHAR ||
           code == C_NK_LAYERED || code == C_SK_NOT_IN_RING)) ||
         (cell == c->root_sk &&
          (code == C_SK_CELL || code == C_SK_DESCRIPTOR))))
        sev = REGF_SEV_FATAL;
    va_list ap;
    va_start(ap, fmt);
    vproblem(c, code, sev, cell, fmt, ap);
    va_end(ap);
}

/* Reports CODE with severity SEV. */
void problem_sev(struct ck *c, enum code code, int sev, uint32_t cell,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(c, code, sev, cell, fmt, ap);
    va_end(ap);
}
