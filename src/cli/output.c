/* output.c - small output helpers shared by the commands: times and
 * transaction logs in words. */
#include <stdio.h>
#include <time.h>

#include "cli.h"

void fmt_filetime(uint64_t ft, char *buf, size_t size)
{
    if (ft == 0) {
        snprintf(buf, size, "never (0)");
        return;
    }
    /* FILETIME counts 100 ns since 1601-01-01; Unix time starts 11644473600
     * seconds later. */
    int64_t secs = (int64_t)(ft / 10000000u) - 11644473600LL;
    time_t t = (time_t)secs;
    struct tm tm;
    if ((int64_t)t != secs || !gmtime_r(&t, &tm) ||
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "0x%016llx", (unsigned long long)ft);
}

const char *log_format_text(int format)
{
    switch (format) {
    case REGF_LOG_OLD: return "old format (DIRT)";
    case REGF_LOG_NEW: return "new format (HvLE)";
    default: return NULL;
    }
}

const char *log_verdict_text(int verdict, int dry)
{
    switch (verdict) {
    case REGF_LOG_APPLIES: return "applies";
    case REGF_LOG_APPLIED: return dry ? "applies" : "applied";
    case REGF_LOG_IGNORED: return "ignored";
    case REGF_LOG_INVALID: return "invalid, ignored";
    case REGF_LOG_BROKEN: return "broken";
    default: return "not examined";
    }
}
