/* err.c - status strings and the per-handle error message.
 *
 * The library never prints. A failing function records one line in the
 * handle ("FILE: corrupt hive: cell 0x1a20: value list: 300 entries in a
 * 16-byte cell") and returns the status; the caller decides what to show. */
#include <stdio.h>
#include <string.h>

#include "regf_int.h"

const char *regf_strstatus(int status)
{
    switch (status) {
    case REGF_OK: return "success";
    case REGF_NOTFOUND: return "not found";
    case REGF_EINVAL: return "invalid argument";
    case REGF_ENOMEM: return "out of memory";
    case REGF_EIO: return "I/O error";
    case REGF_ECORRUPT: return "corrupt hive";
    case REGF_EUNSUPP: return "unsupported hive";
    case REGF_ELIMIT: return "safety limit reached";
    case REGF_EDIRTY: return "dirty hive";
    case REGF_EEXIST: return "already exists";
    case REGF_ERDONLY: return "hive not writable";
    case REGF_ETYPE: return "wrong value type";
    default: return "unknown status";
    }
}

const char *regf_errmsg(const regf_hive *h)
{
    return h ? h->err : "out of memory";
}

const char *regf_errdetail(const regf_hive *h)
{
    if (!h)
        return "out of memory";
    const char *name = h->name ? h->name : "(hive)";
    size_t n = strlen(name);
    if (strncmp(h->err, name, n) == 0 && h->err[n] == ':' &&
        h->err[n + 1] == ' ')
        return h->err + n + 2;
    return h->err;
}

int regf_errno(const regf_hive *h)
{
    return h ? h->sys_errno : 0;
}

void regf__clear_error(regf_hive *h)
{
    h->err[0] = '\0';
    h->sys_errno = 0;
}

static void set_msg(regf_hive *h, const char *head, const char *fmt,
                    va_list ap) __attribute__((format(printf, 3, 0)));

static void set_msg(regf_hive *h, const char *head, const char *fmt,
                    va_list ap)
{
    int n = snprintf(h->err, sizeof h->err, "%s: %s",
                     h->name ? h->name : "(hive)", head);
    if (n < 0 || (size_t)n >= sizeof h->err)
        return;
    vsnprintf(h->err + n, sizeof h->err - (size_t)n, fmt, ap);
}

int regf__fail(regf_hive *h, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(h, "", fmt, ap);
    va_end(ap);
    return status;
}

int regf__corrupt(regf_hive *h, uint32_t cell, const char *fmt, ...)
{
    char head[64];
    va_list ap;
    snprintf(head, sizeof head, "corrupt hive: cell 0x%x: ", cell);
    va_start(ap, fmt);
    set_msg(h, head, fmt, ap);
    va_end(ap);
    return REGF_ECORRUPT;
}
