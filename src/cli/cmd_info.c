/* cmd_info.c - `hivekit info HIVE`: what the base block says, the state
 * (clean/dirty), sizes, key and value counts, and logs beside the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct counts {
    unsigned long long keys, values;
    unsigned max_depth;
};

static int count_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                     size_t plen, unsigned depth)
{
    struct counts *c = ctx;
    struct regf_key_info ki;
    (void)path;
    (void)plen;
    int rc = regf_key_info(h, key, &ki);
    if (rc != REGF_OK)
        return rc;
    c->keys++;
    c->values += ki.nvalues;
    if (depth > c->max_depth)
        c->max_depth = depth;
    return 0;
}

static const char *log_verdict_id(int verdict)
{
    switch (verdict) {
    case REGF_LOG_APPLIES: return "applies";
    case REGF_LOG_APPLIED: return "applied";
    case REGF_LOG_IGNORED: return "ignored";
    case REGF_LOG_INVALID: return "invalid";
    case REGF_LOG_BROKEN: return "broken";
    default: return "not_checked";
    }
}

/* `info --json`: one object (shape documented in README.md). */
static int info_json(regf_hive *h, const char *path)
{
    struct regf_info in;
    regf_get_info(h, &in);
    regf_key root;
    char name[512] = "";
    struct regf_key_info rki = { 0 };
    regf_root(h, &root);
    regf_key_name(h, root, name, sizeof name, NULL);
    regf_key_info(h, root, &rki);
    struct counts c = { 0, 0, 0 };
    int rc = regf_walk(h, 0, count_key, &c);
    if (rc != REGF_OK)
        return cli_fail(h, rc);

    fputs("{\"file\": ", stdout);
    json_str(stdout, path);
    printf(", \"major\": %u, \"minor\": %u, \"sequence\": [%u, %u], "
           "\"dirty\": ", in.major, in.minor, in.seq1, in.seq2);
    json_bool(stdout, in.dirty);
    fputs(", \"checksum\": {\"ok\": ", stdout);
    json_bool(stdout, in.checksum_ok);
    printf(", \"stored\": %lu, \"computed\": %lu}, \"timestamp\": ",
           (unsigned long)in.checksum_stored,
           (unsigned long)in.checksum_computed);
    json_filetime(stdout, in.timestamp);
    fputs(", \"reorganized\": ", stdout);
    json_filetime(stdout, in.reorganized > 3 ? in.reorganized & ~(uint64_t)3
                                             : 0);
    fputs(", \"root\": {\"name\": ", stdout);
    json_str(stdout, name);
    printf(", \"cell\": %lu, \"last_written\": ", (unsigned long)in.root);
    json_filetime(stdout, rki.last_written);
    fputs("}, \"name_in_header\": ", stdout);
    json_str(stdout, in.file_name);
    printf(", \"file_size\": %llu, \"bins\": {\"bytes\": %lu, "
           "\"count\": %lu, \"used\": %llu, \"free\": %llu}, "
           "\"keys\": %llu, \"values\": %llu, \"max_depth\": %u, "
           "\"logs\": ", (unsigned long long)in.file_size,
           (unsigned long)in.bins_size, (unsigned long)in.nbins,
           (unsigned long long)in.used_bytes,
           (unsigned long long)in.free_bytes, c.keys, c.values, c.max_depth);

    struct regf_log *logs = calloc(REGF_MAX_LOGS, sizeof *logs);
    size_t nlogs = 0;
    int listed = logs && regf_find_logs(path, logs, REGF_MAX_LOGS, &nlogs) ==
                 REGF_OK;
    if (!listed)
        nlogs = 0;
    fputs(listed ? "[" : "null", stdout);
    for (size_t i = 0; logs && i < nlogs && i < REGF_MAX_LOGS; i++) {
        struct regf_log *l = &logs[i];
        fputs(i ? ", {\"path\": " : "{\"path\": ", stdout);
        json_str(stdout, l->path);
        printf(", \"size\": %llu, \"format\": %s, \"sequence\": ",
               (unsigned long long)l->size,
               l->format == REGF_LOG_OLD ? "\"old\""
               : l->format == REGF_LOG_NEW ? "\"new\"" : "null");
        if (l->format)
            printf("%lu", (unsigned long)l->seq1);
        else
            fputs("null", stdout);
        if (l->format == REGF_LOG_NEW && l->entries)
            printf(", \"entries\": [%lu, %lu]", (unsigned long)l->first_seq,
                   (unsigned long)l->last_seq);
        else
            fputs(", \"entries\": null", stdout);
        printf(", \"verdict\": \"%s\", \"why\": ",
               l->size == 0 ? "empty" : log_verdict_id(l->verdict));
        json_str(stdout, l->why);
        putchar('}');
    }
    fputs(listed ? "]}\n" : "}\n", stdout);
    free(logs);
    return EXIT_OK;
}

int cmd_info(const struct cli_args *a)
{
    const char *path = a->pos[0];
    int rc;
    regf_hive *h;
    if ((rc = cli_open(path, &h)) != EXIT_OK)
        return rc;
    if (cli_has(a, OPT_JSON)) {
        rc = info_json(h, path);
        regf_close(h);
        return rc;
    }
    struct regf_info in;
    regf_get_info(h, &in);
    char t1[64], name[512];
    regf_key root;
    regf_root(h, &root);
    regf_key_name(h, root, name, sizeof name, NULL);
    fmt_filetime(in.timestamp, t1, sizeof t1);

    printf("file:           %s\n", path);
    printf("format:         regf %u.%u, primary file\n", in.major, in.minor);
    printf("sequence:       %u / %u\n", in.seq1, in.seq2);
    if (!in.dirty)
        printf("state:          clean\n");
    else if (!in.checksum_ok)
        printf("state:          dirty (header checksum is wrong)\n");
    else
        printf("state:          dirty (sequence numbers differ: Windows did "
               "not finish writing it; its logs hold the newest data)\n");
    if (in.checksum_ok)
        printf("checksum:       ok (0x%08x)\n", in.checksum_stored);
    else
        printf("checksum:       BAD (stored 0x%08x, computed 0x%08x)\n",
               in.checksum_stored, in.checksum_computed);
    printf("timestamp:      %s\n", t1);
    if (in.reorganized > 3) {
        char t2[64];
        fmt_filetime(in.reorganized & ~(uint64_t)3, t2, sizeof t2);
        printf("reorganized:    %s\n", t2);
    }
    struct regf_key_info rki;
    char t3[64] = "?";
    if (regf_key_info(h, root, &rki) == REGF_OK)
        fmt_filetime(rki.last_written, t3, sizeof t3);
    printf("root key:       %s (cell 0x%x), last written %s\n", name, in.root,
           t3);
    if (in.file_name[0])
        printf("name in header: %s\n", in.file_name);
    printf("file size:      %llu bytes\n", (unsigned long long)in.file_size);
    printf("hive bins:      %u bytes in %u bins (%llu used, %llu free)\n",
           in.bins_size, in.nbins, (unsigned long long)in.used_bytes,
           (unsigned long long)in.free_bytes);

    struct counts c = { 0, 0, 0 };
    rc = regf_walk(h, 0, count_key, &c);
    if (rc != REGF_OK) {
        printf("keys:           (walk failed)\n");
        fflush(stdout);
        rc = cli_fail(h, rc);
        regf_close(h);
        return rc;
    }
    printf("keys:           %llu (deepest level %u)\n", c.keys, c.max_depth);
    printf("values:         %llu\n", c.values);

    struct regf_log *logs = calloc(REGF_MAX_LOGS, sizeof *logs);
    size_t nlogs = 0;
    if (!logs || regf_find_logs(path, logs, REGF_MAX_LOGS, &nlogs) !=
        REGF_OK)
        printf("logs:           (directory not readable)\n");
    else if (nlogs == 0)
        printf("logs:           none\n");
    for (size_t i = 0; logs && i < nlogs && i < REGF_MAX_LOGS; i++) {
        struct regf_log *l = &logs[i];
        const char *lead = i ? "                " : "logs:           ";
        if (l->size == 0) {
            printf("%s%s: empty\n", lead, l->path);
        } else if (l->verdict == REGF_LOG_INVALID || !l->format) {
            printf("%s%s: %llu bytes, %s: %s\n", lead, l->path,
                   (unsigned long long)l->size, log_verdict_text(l->verdict, 0),
                   l->why);
        } else {
            printf("%s%s: %llu bytes, %s, sequence %u", lead, l->path,
                   (unsigned long long)l->size, log_format_text(l->format) ? log_format_text(l->format)
                   : "unknown format",
                   l->seq1);
            if (l->format == REGF_LOG_NEW && l->entries)
                printf(", entries %u..%u", l->first_seq, l->last_seq);
            else if (l->format == REGF_LOG_NEW)
                printf(", no valid entry");
            printf(": %s (%s)\n", log_verdict_text(l->verdict, 0), l->why);
        }
    }
    free(logs);
    regf_close(h);
    return EXIT_OK;
}
