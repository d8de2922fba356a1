/* write_common.c - what the editing commands (set, rm, mkkey, new, import)
 * share: the common options (--backup, --time, HIVEKIT_TIME, -v), opening a
 * hive for writing with the dirty-hive refusal, finding or creating keys,
 * committing, and the text conversions of command-line data (UTF-8 to
 * UTF-16LE, numbers, hex bytes, ISO 8601 times). Also the default .reg
 * prefix shared by export and import. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---- the default .reg prefix ------------------------------------------------ */

char *cli_default_prefix(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char *p = malloc(len + 20);
    if (p)
        sprintf(p, "HKEY_LOCAL_MACHINE\\%.*s", (int)len, base);
    return p;
}

/* ---- growable byte buffer ------------------------------------------------ */

/* Room for N more bytes. */
static int buf_reserve(struct bytebuf *b, size_t n)
{
    if (n > SIZE_MAX - b->len)
        return -1;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    return 0;
}

int buf_put(struct bytebuf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n))
        return -1;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* ---- conversions of command-line text ------------------------------------ */

int buf_put_string(struct bytebuf *b, uint32_t type, const char *s,
                   size_t len)
{
    size_t need;
    if (regf_string_encode(type, s, len, 0, NULL, 0, &need) != REGF_OK)
        return -1;
    if (buf_reserve(b, need))
        return -2;
    regf_string_encode(type, s, len, 0, b->p + b->len, need, NULL);
    b->len += need;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int parse_hex_bytes(char **args, int n, struct bytebuf *out, char *err,
                    size_t errsize)
{
    for (int a = 0; a < n; a++) {
        const char *p = args[a];
        while (*p) {
            if (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',') {
                p++;
                continue;
            }
            const char *t = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ',')
                p++;
            size_t len = (size_t)(p - t);
            if (len % 2) {
                snprintf(err, errsize, "'%.*s' is not a sequence of hex "
                         "bytes (two digits each)", (int)len, t);
                return -1;
            }
            for (size_t i = 0; i < len; i += 2) {
                int hi = hexval(t[i]), lo = hexval(t[i + 1]);
                if (hi < 0 || lo < 0) {
                    snprintf(err, errsize, "'%.*s' is not a sequence of hex "
                             "bytes", (int)len, t);
                    return -1;
                }
                uint8_t byte = (uint8_t)(hi << 4 | lo);
                if (buf_put(out, &byte, 1)) {
                    snprintf(err, errsize, "out of memory");
                    return -2;
                }
            }
        }
    }
    return 0;
}

int parse_number(const char *s, uint64_t max, uint64_t neg_max,
                 uint64_t *out)
{
    int neg = 0, base = 10;
    uint64_t v = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (!neg && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        int d = base == 16 ? hexval(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
        if (d < 0)
            return -1;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -2;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (neg) {
        if (v > neg_max)
            return -2;
        *out = 0 - v;           /* two's complement */
        if (max != UINT64_MAX)
            *out &= max;
        return 0;
    }
    if (v > max)
        return -2;
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly N digits at *P. */
static int digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (unsigned)(c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int parse_time(const char *s, uint64_t *out)
{
    if (strcasecmp(s, "now") == 0) {
        *out = 0;
        return 0;
    }
    if (!strchr(s, '-') || s[0] == '-') {
        /* A FILETIME number: 100 ns units since 1601-01-01 UTC. */
        uint64_t v;
        if (parse_number(s, INT64_MAX, 0, &v) != 0 || v == 0)
            return -1;
        *out = v;
        return 0;
    }
    const char *p = s;
    unsigned y, mo, d, hh = 0, mi = 0, ss = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
        *p++ != '-' || digits(&p, 2, &d))
        return -1;
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                      30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap))
        return -1;
    uint64_t frac = 0;      /* in 100 ns */
    int64_t offset = 0;     /* seconds east of UTC */
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
        if (digits(&p, 2, &hh) || *p++ != ':' || digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &ss))
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                int nd = 0;
                uint64_t scale = 1000000;
                if (*p < '0' || *p > '9')
                    return -1;
                for (; *p >= '0' && *p <= '9'; p++, nd++) {
                    if (nd < 7) {
                        frac += (uint64_t)(*p - '0') * scale;
                        scale /= 10;
                    }
                }
            }
        }
        if (hh > 23 || mi > 59 || ss > 59)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            unsigned oh, om = 0;
            if (digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (*p && digits(&p, 2, &om))
                return -1;
            if (oh > 23 || om > 59)
                return -1;
            offset = sign * (int64_t)(oh * 3600 + om * 60);
        } else {
            return -2;      /* a time of day without a zone */
        }
        if (*p)
            return -1;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 +
                   ss - offset + 11644473600LL;
    if (secs < 0 || (secs == 0 && frac == 0))
        return -1;
    *out = (uint64_t)secs * 10000000u + frac;
    return 0;
}

/* ---- common options --------------------------------------------------------- */

int wcommon_opt(struct wcommon *c, int id, const char *arg)
{
    switch (id) {
    case WOPT_BACKUP: c->backup = 1; return 1;
    case WOPT_TIME: c->time = arg; return 1;
    case WOPT_VERBOSE: c->verbose = 1; return 1;
    case WOPT_RECOVER: c->recover = 1; return 1;
    case WOPT_FORCE: c->force = 1; return 1;
    }
    return 0;
}

int wcommon_time(const char *cmd, const struct wcommon *c, uint64_t *ft)
{
    const char *s = c->time, *from = "--time";
    if (!s) {
        s = getenv("HIVEKIT_TIME");
        from = "HIVEKIT_TIME";
        if (!s || !*s) {
            *ft = 0;
            return 0;
        }
    }
    int rc = parse_time(s, ft);
    if (rc == -2)
        return cli_usage_error(cmd, "%s '%s': a time of day needs a zone "
                               "(Z for UTC, or +HH:MM)", from, s);
    if (rc != 0)
        return cli_usage_error(cmd, "%s '%s' is not a time: give a FILETIME "
                               "(a positive number of 100 ns units since "
                               "1601), an ISO 8601 UTC time such as "
                               "2024-01-02T03:04:05Z, or 'now'", from, s);
    return 0;
}

/* ---- opening and committing ------------------------------------------------- */

/* The file that commit replaces and beside which logs lie: a symbolic link
 * is followed, so the link stays a link to the edited file. */
static char *target_path(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *r = realpath(path, NULL);
        if (r)
            return r;
    }
    return strdup(path);
}

/* "A.LOG1, A.LOG2" from the logs found, into NAMES. */
static void log_names(const struct regf_log *logs, size_t n, char *names,
                      size_t size)
{
    size_t len = 0;
    names[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(names + len, size - len, "%s%s", i ? ", " : "",
                         logs[i].path);
        if (k < 0 || (size_t)k >= size - len)
            break;
        len += (size_t)k;
    }
}

/* Refuses the dirty hive of W (no --recover, no --force); EXIT_HIVE. */
static int refuse_dirty(struct whive *w, const struct regf_info *in,
                        int damaged, int options)
{
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    char names[REGF_MAX_LOGS * 300];
    if (regf_find_logs(w->target, logs, REGF_MAX_LOGS, &n) != REGF_OK)
        n = 0;
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    log_names(logs, n, names, sizeof names);
    char why[80];
    if (damaged)
        snprintf(why, sizeof why, "its base block is damaged");
    else if (!in->checksum_ok)
        snprintf(why, sizeof why, "header checksum is wrong");
    else
        snprintf(why, sizeof why, "sequence numbers %u/%u differ",
                 in->seq1, in->seq2);
    if (n)
        cli_error("%s: the hive is dirty (%s): its newest data is in the "
                  "transaction logs %s; replay the logs with `hivekit "
                  "recover`%s; nothing was written", w->path, why, names,
                  options ? " or --recover" : "");
    else if (options)
        cli_error("%s: the hive is dirty (%s) and no transaction log (.LOG, "
                  ".LOG1, .LOG2) was found beside it; replay the logs with "
                  "Windows, or --force writes it as it is on disk (what "
                  "Windows had not yet written to it is lost); nothing was "
                  "written", w->path, why);
    else
        cli_error("%s: the hive is dirty (%s) and no transaction log (.LOG, "
                  ".LOG1, .LOG2) was found beside it; replay the logs with "
                  "Windows; nothing was written", w->path, why);
    return EXIT_HIVE;
}

/* --force: accepted only when no log applies. */
static int force_dirty(struct whive *w, const struct regf_info *in,
                       int damaged, int verbose)
{
    (void)verbose;
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    if (regf_find_logs(w->target, logs, REGF_MAX_LOGS, &n) != REGF_OK)
        n = 0;
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    for (size_t i = 0; i < n; i++)
        if (logs[i].verdict == REGF_LOG_APPLIES) {
            cli_error("%s: the hive is dirty and its log %s holds newer data "
                      "(%s): --force would lose it; use --recover (or "
                      "`hivekit recover`); nothing was written", w->path,
                      logs[i].path, logs[i].why);
            return EXIT_HIVE;
        }
    if (damaged) {
        cli_error("%s: the base block is damaged and no transaction log can "
                  "rebuild it: the hive cannot be written as it is; nothing "
                  "was written", w->path);
        return EXIT_HIVE;
    }
    if (in->checksum_ok)
        cli_error("warning: %s is dirty (sequence numbers %u/%u) and no "
                  "transaction log applies: writing it clean as it is on "
                  "disk; changes Windows had not yet written to it (if any) "
                  "are lost", w->path, in->seq1, in->seq2);
    else
        cli_error("warning: %s has a wrong header checksum and no "
                  "transaction log applies: writing it clean with the header "
                  "as it reads; changes Windows had not yet written to it "
                  "(if any) are lost", w->path);
    return EXIT_OK;
}

int wr_open(struct whive *w, const char *path, uint64_t ft)
{
    return wr_open_dirty(w, path, ft, NULL);
}

int wr_open_dirty(struct whive *w, const char *path, uint64_t ft,
                  const struct wcommon *c)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    int rc = regf_open(path, REGF_OPEN_WRITE, &w->h);
    /* REGF_EDIRTY: the base block is damaged, the bins intact; only a
     * log can rebuild the header. */
    int damaged = rc == REGF_EDIRTY;
    if (rc != REGF_OK && !damaged) {
        if (!w->h)
            cli_error("%s: out of memory", path);
        else
            cli_error("%s", regf_errmsg(w->h));
        regf_close(w->h);
        w->h = NULL;
        return EXIT_HIVE;
    }
    w->target = target_path(path);
    if (!w->target) {
        cli_error("%s: out of memory", path);
        wr_close(w);
        return EXIT_HIVE;
    }
    struct regf_info in;
    regf_get_info(w->h, &in);
    if (in.dirty || damaged) {
        /* Refused before anything is edited: the newest data of the hive
         * is in its transaction logs. */
        int ex = EXIT_OK;
        if (c && c->recover) {
            struct regf_log logs[REGF_MAX_LOGS];
            const char *paths[REGF_MAX_LOGS];
            size_t n = 0;
            if (regf_find_logs(w->target, logs, REGF_MAX_LOGS, &n) != REGF_OK)
                n = 0;
            if (n > REGF_MAX_LOGS)
                n = REGF_MAX_LOGS;
            for (size_t i = 0; i < n; i++)
                paths[i] = logs[i].path;
            struct regf_recovery *rep = malloc(sizeof *rep);
            if (!rep) {
                cli_error("%s: out of memory", path);
                wr_close(w);
                return EXIT_HIVE;
            }
            int st = regf_recover(w->h, paths, n, rep);
            int applies = 0;
            for (size_t i = 0; i < rep->nlogs; i++)
                applies |= rep->logs[i].verdict == REGF_LOG_APPLIES ||
                           rep->logs[i].verdict == REGF_LOG_APPLIED;
            if (st == REGF_OK) {
                if (c->verbose && rep->state == REGF_RECOVERY_DONE)
                    cli_error("%s: recovered from its transaction logs "
                              "(%u %s replayed); sequence now %u", path,
                              rep->entries, rep->old_format ? "dirty pages" :
                              "log entries", rep->final_seq);
            } else if (c->force && !applies && !damaged) {
                ex = force_dirty(w, &in, damaged, c->verbose);
            } else {
                cli_error("%s; nothing was written", regf_errmsg(w->h));
                ex = EXIT_HIVE;
            }
            free(rep);
        } else if (c && c->force) {
            ex = force_dirty(w, &in, damaged, c->verbose);
        } else {
            ex = refuse_dirty(w, &in, damaged, c != NULL);
        }
        if (ex != EXIT_OK) {
            wr_close(w);
            return ex;
        }
    }
    if (access(w->target, W_OK) != 0) {
        cli_error("%s: cannot edit: %s; nothing was written", path,
                  strerror(errno));
        wr_close(w);
        return EXIT_HIVE;
    }
    if (ft)
        regf_set_time(w->h, ft);
    return EXIT_OK;
}

/* Recovered from its logs by wr_open_dirty. */
static int recovered(const struct whive *w)
{
    struct regf_recovery *r = malloc(sizeof *r);
    int done = r && regf_recovery_report(w->h, r) == REGF_OK &&
               r->state == REGF_RECOVERY_DONE;
    free(r);
    return done;
}

int wr_pending(const struct whive *w)
{
    struct regf_info in;
    regf_get_info(w->h, &in);
    /* Still dirty here means --force accepted it. */
    return in.dirty || (regf_modified(w->h) && recovered(w));
}

int wr_commit(struct whive *w, const struct wcommon *c)
{
    struct regf_info in;
    regf_get_info(w->h, &in);
    if (!regf_modified(w->h) && !in.dirty)
        return EXIT_OK;         /* nothing changed: the file is left alone */
    int reset = recovered(w);
    unsigned flags = (c->backup ? REGF_COMMIT_BACKUP : 0) |
                     (in.dirty ? REGF_COMMIT_DIRTY : 0);
    int rc = regf_commit(w->h, w->target, flags);
    if (rc != REGF_OK) {
        const char *msg = regf_errmsg(w->h);
        cli_error("%s", *msg ? msg : regf_strstatus(rc));
        return EXIT_HIVE;
    }
    /* The hive is written clean with a new TimeStamp, so its old logs can
     * no longer match it; emptying them makes that plain. */
    if (reset)
        cli_reset_logs(w->target);
    return EXIT_OK;
}

int cli_reset_logs(const char *hive)
{
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    int bad = 0;
    if (regf_find_logs(hive, logs, REGF_MAX_LOGS, &n) != REGF_OK) {
        cli_error("warning: %s: cannot list its directory to reset the "
                  "transaction logs; they are stale and Windows ignores them "
                  "beside a clean hive", hive);
        return 1;
    }
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    for (size_t i = 0; i < n; i++) {
        if (logs[i].size == 0)
            continue;
        int fd = open(logs[i].path, O_WRONLY | O_CLOEXEC);
        int ok = fd >= 0 && ftruncate(fd, 0) == 0 && fsync(fd) == 0;
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (!ok) {
            cli_error("warning: %s: cannot reset it to 0 bytes: %s (it is "
                      "stale: Windows ignores it beside the clean hive)",
                      logs[i].path, strerror(e));
            bad++;
        }
    }
    return bad;
}

static const char *format_name(int format)
{
    switch (format) {
    case REGF_LOG_OLD: return "old format (DIRT)";
    case REGF_LOG_NEW: return "new format (HvLE)";
    default: return "";
    }
}

static const char *verdict_name(int v, int dry)
{
    switch (v) {
    case REGF_LOG_APPLIES: return "applies";
    case REGF_LOG_APPLIED: return dry ? "applies" : "applied";
    case REGF_LOG_IGNORED: return "ignored";
    case REGF_LOG_INVALID: return "invalid, ignored";
    case REGF_LOG_BROKEN: return "broken";
    default: return "not examined";
    }
}

void cli_print_recovery(FILE *f, const char *path,
                        const struct regf_recovery *r, int dry)
{
    if (r->state == REGF_RECOVERY_CLEAN) {
        fprintf(f, "%s: clean (sequence %u/%u): nothing to recover; its "
                "logs are ignored, as Windows ignores them\n", path, r->seq1,
                r->seq2);
    } else if (r->state == REGF_RECOVERY_DONE) {
        fprintf(f, "%s: %s", path, dry ? "would recover" : "recovered");
        if (r->header_rebuilt)
            fprintf(f, " (damaged base block rebuilt from a log)");
        else
            fprintf(f, " (sequence numbers %u/%u)", r->seq1, r->seq2);
        if (r->old_format)
            fprintf(f, ": %u dirty pages of an old-format log replayed",
                    r->entries);
        else
            fprintf(f, ": %u log entr%s replayed, sequence %u..%u",
                    r->entries, r->entries == 1 ? "y" : "ies", r->first_seq,
                    r->last_seq);
        fprintf(f, "; sequence now %u", r->final_seq);
        if (r->old_length && r->old_length != r->new_length)
            fprintf(f, "; hive bins %u -> %u bytes", r->old_length,
                    r->new_length);
        else
            fprintf(f, "; hive bins %u bytes", r->new_length);
        if (r->dummy_bins)
            fprintf(f, "; %u invalid bins replaced by empty bins (their data "
                    "is lost)", r->dummy_bins);
        fputc('\n', f);
    }
    for (size_t i = 0; i < r->nlogs; i++) {
        const struct regf_log *l = &r->logs[i];
        const char *fmt = format_name(l->format);
        fprintf(f, "  %s: %s%s%s: %s\n", l->path, fmt, *fmt ? ", " : "",
                verdict_name(l->verdict, dry), l->why);
    }
}

void wr_close(struct whive *w)
{
    regf_close(w->h);
    w->h = NULL;
    free(w->target);
    w->target = NULL;
}

/* ---- keys ---------------------------------------------------------------- */

int wr_key(struct whive *w, const char *path, int create, const char *hint,
           regf_key *out, int *created)
{
    regf_hive *h = w->h;
    *created = 0;
    int rc = regf_key_lookup(h, 0, path, out);
    if (rc == REGF_NOTFOUND && !create) {
        cli_error("%s%s", regf_errmsg(h), hint ? hint : "");
        return EXIT_NOTFOUND;
    }
    if (rc != REGF_NOTFOUND)
        return rc == REGF_OK ? EXIT_OK : cli_fail(h, rc);
    /* The library creates what is missing, resolving a first
     * CurrentControlSet through Select\\Current as lookups do; it only
     * answers NOTFOUND when that cannot be resolved. */
    rc = regf_key_create_path(h, 0, path, out);
    if (rc == REGF_NOTFOUND) {
        cli_error("%s: refusing to create a key named 'CurrentControlSet' "
                  "at the root: Windows makes it at boot as a link to the "
                  "ControlSetNNN that Select\\Current names; give that key "
                  "instead; nothing was written", w->path);
        return EXIT_USAGE;
    }
    if (rc != REGF_OK)
        return cli_fail(h, rc);
    *created = 1;
    return EXIT_OK;
}
