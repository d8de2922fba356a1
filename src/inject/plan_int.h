/* plan_int.h - internal to src/inject: the primitives the planners
 * (inject.c, repair.c) build a struct inj_plan with (plan.c). Each want_*
 * compares with what the hive holds and records a change only when it
 * differs, keeping the previous state for the undo patch; each returns a
 * REGF_* status (the message in PL->err or in regf_errmsg of the hive). */
#ifndef HIVEKIT_PLAN_INT_H
#define HIVEKIT_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "inject.h"

/* Stands for the key prefix in the .reg text of a deleted subtree until
 * inj_plan_reg knows the prefix. */
#define INJ_UNDO_PREFIX "\x01HIVEKIT-PREFIX"

/* N bytes of P and a NUL, malloc'ed; NULL when out of memory. */
char *inj_dupn(const void *p, size_t n);
/* A new change at the end of PL (NULL: out of memory). */
struct inj_change *inj_plan_add(struct inj_plan *pl, enum inj_op op,
                                const char *key, const char *name);
/* REGF_ENOMEM with "out of memory" in PL->err. */
int inj_oom(struct inj_plan *pl);

/* Is KEY (or an ancestor) already being created / deleted by PL? */
int inj_planned_key(const struct inj_plan *pl, const char *key);
int inj_planned_gone(const struct inj_plan *pl, const char *key);

int inj_want_key(regf_hive *h, struct inj_plan *pl, const char *key);
int inj_want_value(regf_hive *h, struct inj_plan *pl, const char *key,
                   const char *name, uint32_t type, const void *data,
                   size_t len);
int inj_want_sz(regf_hive *h, struct inj_plan *pl, const char *key,
                const char *name, uint32_t type, const char *s);
int inj_want_dword(regf_hive *h, struct inj_plan *pl, const char *key,
                   const char *name, uint32_t v);
int inj_want_gone(regf_hive *h, struct inj_plan *pl, const char *key);
int inj_want_no_value(regf_hive *h, struct inj_plan *pl, const char *key,
                      const char *name);

int inj_read_sz(regf_hive *h, const char *key, const char *name, char *buf,
                size_t n);
int inj_has_value(regf_hive *h, const char *key, const char *name);

/* The control sets Select names into PL->controlsets (plan.c). */
int inj_plan_control_sets(regf_hive *h, struct inj_plan *pl);

#endif
