/* log_int.h - internals of transaction-log recovery (docs/format.md §11,
 * §12), shared by its files:
 *   log.c         regf_recover and regf_recovery_report: the whole run;
 *   log_find.c    the log files beside a hive, and regf_find_logs;
 *   log_parse.c   one log read into memory: its base block, the old
 *                 format's dirty vector, the new format's HvLE entries;
 *   log_marvin.c  Marvin32, the hash of HvLE entries;
 *   log_choose.c  what the primary file is, which logs apply and in which
 *                 order, as Windows decides;
 *   log_replay.c  the logs applied: the recovered image.
 * Here: the layout of a log, and the state those files pass around. Nothing
 * here is part of the public API. */
#ifndef REGF_LOG_INT_H
#define REGF_LOG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "regf_int.h"

/* ---- the layout of a log (docs/format.md §12) -------------------------- */

#define LOG_BASE      512u   /* a log starts with this much of a base block */
#define LOG_SECTOR    512u   /* unit of HvLE entries and of old dirty pages */
#define PAGE          4096u  /* unit of hive bins, and of HvLE pages */

/* Old format (types 1, 2): after the base block, the dirty vector. */
#define DIRT_SIGNATURE LOG_BASE         /* "DIRT" */
#define DIRT_BITMAP    (LOG_BASE + 4u)  /* 1 bit per LOG_SECTOR of the bins;
                                         * the dirty sectors follow from the
                                         * next LOG_SECTOR boundary */

/* New format (type 6): from LOG_BASE on, HvLE entries; offsets from the
 * start of an entry. */
#define HVLE_SIGNATURE  0    /* "HvLE" */
#define HVLE_SIZE       4    /* the whole entry, a multiple of LOG_SECTOR */
#define HVLE_FLAGS      8    /* bit 0: the base block's Flags bit 0 */
#define HVLE_SEQ       12    /* sequence number */
#define HVLE_BINS_SIZE 16    /* hive bins data size after this entry */
#define HVLE_NPAGES    20    /* dirty pages count */
#define HVLE_HASH1     24    /* Marvin32 of bytes [HVLE_HEADER, size) */
#define HVLE_HASH2     32    /* Marvin32 of bytes [0, HVLE_HASH2) */
#define HVLE_HEADER    40u   /* then HVLE_NPAGES page references, then the
                              * pages themselves in that order */
/* A page reference, HVLE_REF bytes. */
#define HVLE_REF_OFFSET 0    /* offset of the page in the hive bins data */
#define HVLE_REF_SIZE   4    /* its size, a multiple of PAGE */
#define HVLE_REF        8u

/* ---- the primary file ----------------------------------------------------- */

enum { P_CLEAN, P_DATA, P_HEADER, P_NOTHIVE };

struct prim {
    int mode;
    uint32_t seq1, seq2, length, flags;
    uint64_t ts;             /* header TimeStamp, or the first bin's */
    char why[200];           /* P_NOTHIVE */
};

/* A hive bins Length Windows accepts. */
static inline int length_ok(uint32_t l)
{
    return l != 0 && l <= REGF_MAX_BINS_SIZE && l % PAGE == 0;
}

/* The file name in PATH. */
static inline const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- one log -------------------------------------------------------------- */

struct lg {
    struct regf_log *out;
    uint8_t *data;
    size_t len;
    int rank;                /* preference for the old format: LOG1 first */
    int hdr_ok;              /* base block valid (without the TimeStamp) */
    int eligible;            /* and applicable to this primary */
    int old;                 /* old format */
    uint32_t seq;            /* base block Sequence1 */
    /* new format: entries chained from SEQ */
    uint32_t n, last, maxlen, endlen;
    char stop[160];          /* why the chain ends */
    /* old format */
    uint32_t blen;           /* bins length the bitmap covers */
    size_t data_off;
    uint32_t npages;
};

/* ---- the plan: which logs are replayed ------------------------------------ */

struct plan {
    int old;                 /* replay the old-format log ORDER[0] alone */
    size_t order[REGF_MAX_LOGS];
    size_t norder;
    int ts_newer;            /* RecoverHeader: accepted a newer TimeStamp */
};

/* ---- the logs of one recovery ------------------------------------------- */

struct logset {
    struct lg g[REGF_MAX_LOGS];
    size_t n;
};

/* ---- the result of a replay ---------------------------------------------- */

struct replay {
    uint8_t *img;
    uint32_t len;            /* bins bytes */
    uint32_t final_seq, first_seq, last_seq, entries, flags, dummies;
    uint32_t stop_bin;       /* old format: replay stopped at this bin */
    int stopped;
};

/* ---- shared functions --------------------------------------------------- */

/* The recovery's files share these functions under short names; as link
 * symbols they carry the library's private prefix. */
#define setwhy        regf__log_setwhy
#define chain_entries regf__log_chain_entries
#define parse_old     regf__log_parse_old
#define logset_free   regf__log_logset_free
#define logset_read   regf__log_logset_read
#define classify      regf__log_classify
#define plan_logs     regf__log_plan_logs
#define replay_logs   regf__log_replay_logs

/* log_parse.c */

/* Sets the verdict of G's log and why, printf-style. */
void setwhy(struct lg *g, int verdict, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Follows the entries of a new-format log from its own sequence number. */
void chain_entries(struct lg *g);
/* The dirty vector of an old-format log covering BLEN bytes of bins.
 * 0, or -1 with the log marked broken. */
int parse_old(struct lg *g, uint32_t blen);
/* Reads the logs named in OUT[0..N) (paths set; opened in DIRFD by their
 * last component, or as paths with AT_FDCWD) and checks their headers. */
int logset_read(struct logset *s, int dirfd, struct regf_log *out, size_t n);
void logset_free(struct logset *s);

/* log_choose.c */

/* What the image IMG of LEN bytes is: a clean or dirty hive, one whose
 * base block only a log can rebuild, or not a hive. */
void classify(const uint8_t *img, size_t len, struct prim *p);
/* Decides, for the primary P, what every log does. Returns REGF_OK with a
 * plan, REGF_EDIRTY when no log applies, REGF_ECORRUPT when a broken log
 * blocks recovery; ERR gets a summary. */
int plan_logs(const struct prim *p, struct lg *g, size_t n,
              struct plan *pl, char *err, size_t errn);

/* log_replay.c */

/* Replays the logs of the plan PL over the primary image PRIMARY (PLEN
 * bytes, classified as P) into R: its image, with the base block of the
 * recovered hive (sequence numbers, Length, Type, Flags, checksum). */
int replay_logs(const struct prim *p, const uint8_t *primary, size_t plen,
                struct lg *g, const struct plan *pl, struct replay *r);

#endif /* REGF_LOG_INT_H */
