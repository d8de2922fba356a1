/* inf_version.c - the [Version] section ("INF Version Section", "INF
 * DriverVer Directive"): Class, ClassGUID, Provider, CatalogFile, DriverVer.
 *
 * DriverVer = mm/dd/yyyy[,w.x.y.z]: the date is turned into a FILETIME at
 * midnight UTC and the version into a DWORDLONG w<<48|x<<32|y<<16|z, the
 * two forms DriverDatabase\DriverPackages\<pkg>\Version stores at 0x18 and
 * 0x20 (see docs/injection.md §7).
 */
#include <string.h>

#include "inf_int.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads N hex digits at S into *V. */
static int hexn(const char *s, int n, uint32_t *v)
{
    uint32_t x = 0;
    for (int i = 0; i < n; i++) {
        int d = hexval(s[i]);
        if (d < 0)
            return -1;
        x = x << 4 | (uint32_t)d;
    }
    *v = x;
    return 0;
}

int inf_parse_guid(const char *t, uint8_t out[16])
{
    /* {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} */
    uint32_t d1, d2, d3, b;
    if (!t || strlen(t) != 38 || t[0] != '{' || t[37] != '}' || t[9] != '-' ||
        t[14] != '-' || t[19] != '-' || t[24] != '-')
        return -1;
    if (hexn(t + 1, 8, &d1) || hexn(t + 10, 4, &d2) || hexn(t + 15, 4, &d3))
        return -1;
    out[0] = (uint8_t)d1;
    out[1] = (uint8_t)(d1 >> 8);
    out[2] = (uint8_t)(d1 >> 16);
    out[3] = (uint8_t)(d1 >> 24);
    out[4] = (uint8_t)d2;
    out[5] = (uint8_t)(d2 >> 8);
    out[6] = (uint8_t)d3;
    out[7] = (uint8_t)(d3 >> 8);
    static const int pos[8] = {20, 22, 25, 27, 29, 31, 33, 35};
    for (int i = 0; i < 8; i++) {
        if (hexn(t + pos[i], 2, &b))
            return -1;
        out[8 + i] = (uint8_t)b;
    }
    return 0;
}

/* 1 to MAXD decimal digits at *P, advancing it. */
static int digits(const char **p, int maxd, unsigned *v)
{
    unsigned x = 0;
    int n = 0;
    while (**p >= '0' && **p <= '9') {
        if (++n > maxd)
            return -1;
        x = x * 10 + (unsigned)(**p - '0');
        (*p)++;
    }
    if (!n)
        return -1;
    *v = x;
    return 0;
}

static int leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1601-01-01 to Y-M-D (proleptic Gregorian, Y >= 1601). */
static uint64_t days_since_1601(unsigned y, unsigned m, unsigned d)
{
    static const unsigned cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    uint64_t yy = y - 1601;
    uint64_t days = yy * 365 + yy / 4 - yy / 100 + yy / 400;
    days += cum[m - 1] + (m > 2 && leap(y)) + (d - 1);
    return days;
}

static int parse_date(const char *s, unsigned *m, unsigned *d, unsigned *y)
{
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = s;
    if (digits(&p, 2, m) || *p++ != '/' || digits(&p, 2, d) || *p++ != '/' ||
        digits(&p, 4, y) || *p)
        return -1;
    if (*m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1] || *y < 1601 ||
        (*m == 2 && *d == 29 && !leap(*y)))
        return -1;
    return 0;
}

static int parse_version(const char *s, uint16_t v[4])
{
    const char *p = s;
    memset(v, 0, 4 * sizeof v[0]);
    for (int i = 0; i < 4; i++) {
        unsigned x;
        if (digits(&p, 5, &x) || x > 65535)
            return -1;
        v[i] = (uint16_t)x;
        if (!*p)
            return 0;
        if (*p++ != '.')
            return -1;
    }
    return -1;
}

int inf_get_version(inf_file *inf, struct inf_version *out)
{
    size_t it;
    const inf_line *l;

    memset(out, 0, sizeof *out);
    const inf_section *v = inf_section_find(inf, "Version");
    if (!v)
        return inf__err(inf, INF_NOTFOUND, 0, "no [Version] section");
    out->lineno = v->lineno;
    out->signature = inf_get_value(inf, "Version", "Signature");
    out->class_name = inf_get_value(inf, "Version", "Class");
    out->provider = inf_get_value(inf, "Version", "Provider");
    out->catalog_file = inf_get_value(inf, "Version", "CatalogFile");

    it = 0;
    if ((l = inf_line_find(v, "ClassGUID", &it))) {
        out->class_guid = l->fields[0].value;
        if (inf_parse_guid(out->class_guid, out->class_guid_bin))
            return inf__err(inf, INF_EINVALID, l->lineno,
                            "ClassGUID \"%s\" is not a GUID of the form "
                            "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", out->class_guid);
    }
    it = 0;
    if ((l = inf_line_find(v, "DriverVer", &it))) {
        const char *date = l->fields[0].value;
        if (parse_date(date, &out->month, &out->day, &out->year))
            return inf__err(inf, INF_EINVALID, l->lineno,
                            "DriverVer date \"%s\" is not a valid MM/DD/YYYY date", date);
        if (l->nfields > 1 && l->fields[1].value[0]) {
            if (parse_version(l->fields[1].value, out->version))
                return inf__err(inf, INF_EINVALID, l->lineno,
                                "DriverVer version \"%s\" is not w.x.y.z with parts "
                                "0 to 65535", l->fields[1].value);
            out->has_version = 1;
        }
        out->driver_ver = date;
        if (l->nfields > 1) {
            size_t a = strlen(date), b = strlen(l->fields[1].value);
            char *s = inf__alloc(inf, a + b + 2);
            if (!s)
                return inf__err(inf, INF_ENOMEM, 0, "out of memory");
            memcpy(s, date, a);
            s[a] = ',';
            memcpy(s + a + 1, l->fields[1].value, b + 1);
            out->driver_ver = s;
        }
        out->date_filetime = days_since_1601(out->year, out->month, out->day) *
                             864000000000ull;
        out->version_qword = (uint64_t)out->version[0] << 48 |
                             (uint64_t)out->version[1] << 32 |
                             (uint64_t)out->version[2] << 16 | out->version[3];
    }
    return INF_OK;
}
