/* cmd_ls.c - `hivekit ls HIVE [KEY]`: a key's subkeys and values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The data of V into *DATA (grown as needed, capacity *CAP); *LEN gets
 * its size. Shared by the text and JSON listings. */
static int fetch_data(regf_hive *h, regf_val v, uint32_t *type,
                      uint8_t **data, size_t *cap, size_t *len)
{
    int rc = regf_value_data(h, v, type, *data, *cap, len);
    if (rc != REGF_OK || *len <= *cap)
        return rc;
    uint8_t *p = realloc(*data, *len);
    if (!p)
        return REGF_ENOMEM;
    *data = p;
    *cap = *len;
    return regf_value_data(h, v, type, *data, *cap, len);
}

/* Room for a name of SIZE bytes in *NAME (capacity *CAP). */
static int reserve_name(char **name, size_t *cap, size_t size)
{
    if (size <= *cap)
        return REGF_OK;
    char *p = realloc(*name, size);
    if (!p)
        return REGF_ENOMEM;
    *name = p;
    *cap = size;
    return REGF_OK;
}

/* `ls --json`: {"key", "last_written", "class", "subkeys", "values"}. The
 * object is built in memory first so that a failure prints nothing. */
static int list_key_json(regf_hive *h, regf_key key, const char *path,
                         FILE *f)
{
    struct regf_key_info ki;
    int rc = regf_key_info(h, key, &ki);
    if (rc != REGF_OK)
        return rc;
    fputs("{\"key\": ", f);
    json_key_path(f, path);
    fputs(", \"last_written\": ", f);
    json_filetime(f, ki.last_written);
    fputs(", \"class\": ", f);
    if (ki.class_len > 0) {
        char cls[1024];
        rc = regf_key_class(h, key, cls, sizeof cls, NULL);
        if (rc != REGF_OK)
            return rc;
        json_str(f, cls);
    } else {
        fputs("null", f);
    }

    fputs(", \"subkeys\": [", f);
    regf_iter it;
    regf_key sub;
    char *name = NULL;
    size_t cap = 0;
    int first = 1;
    for (rc = regf_subkey_first(h, key, &it, &sub); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &sub)) {
        size_t need;
        rc = regf_key_name(h, sub, NULL, 0, &need);
        if (rc == REGF_OK)
            rc = reserve_name(&name, &cap, need + 1);
        if (rc == REGF_OK)
            rc = regf_key_name(h, sub, name, cap, NULL);
        if (rc != REGF_OK)
            break;
        fputs(first ? "" : ", ", f);
        json_strn(f, name, need);
        first = 0;
    }
    if (rc != REGF_NOTFOUND) {
        free(name);
        return rc;
    }
    rc = REGF_OK;

    fputs("], \"values\": [", f);
    uint8_t *data = NULL;
    size_t dcap = 0;
    for (uint32_t i = 0; i < ki.nvalues && rc == REGF_OK; i++) {
        regf_val v;
        size_t need, dn;
        uint32_t type;
        rc = regf_value_at(h, key, i, &v);
        if (rc == REGF_OK)
            rc = regf_value_name(h, v, NULL, 0, &need);
        if (rc == REGF_OK)
            rc = reserve_name(&name, &cap, need + 1);
        if (rc == REGF_OK)
            rc = regf_value_name(h, v, name, cap, NULL);
        if (rc == REGF_OK)
            rc = fetch_data(h, v, &type, &data, &dcap, &dn);
        if (rc != REGF_OK)
            break;
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        json_strn(f, name, need);
        fputs(", ", f);
        json_type(f, type);
        fprintf(f, ", \"size\": %lu, \"data\": ", (unsigned long)dn);
        if (json_value_data(f, type, data, dn) != 0)
            rc = REGF_ENOMEM;
        putc('}', f);
    }
    free(name);
    free(data);
    if (rc == REGF_OK)
        fputs("]}\n", f);
    return rc;
}

struct row {
    char *name;
    char type[32];
    uint32_t size;
    char data[256];
};

static int list_key(regf_hive *h, regf_key key, const char *path)
{
    struct regf_key_info ki;
    int rc = regf_key_info(h, key, &ki);
    if (rc != REGF_OK)
        return rc;
    char when[64];
    fmt_filetime(ki.last_written, when, sizeof when);
    size_t plen = strlen(path);
    char *shown_path = malloc(4 * plen + 1);
    if (!shown_path)
        return REGF_ENOMEM;
    escape_controls(path, plen, shown_path, 4 * plen + 1);
    printf("key:     \\%s\n", shown_path);
    free(shown_path);
    printf("written: %s\n", when);
    if (ki.class_len > 0) {
        char cls[1024];
        rc = regf_key_class(h, key, cls, sizeof cls, NULL);
        if (rc != REGF_OK)
            return rc;
        printf("class:   %s\n", cls);
    }

    printf("\nsubkeys (%u):\n", ki.nsubkeys);
    regf_iter it;
    regf_key sub;
    char name[1024];
    for (rc = regf_subkey_first(h, key, &it, &sub); rc == REGF_OK;
         rc = regf_subkey_next(h, &it, &sub)) {
        size_t need;
        rc = regf_key_name(h, sub, name, sizeof name, &need);
        if (rc != REGF_OK)
            return rc;
        char shown[4 * sizeof name];
        escape_controls(name, need < sizeof name ? need : sizeof name - 1,
                        shown, sizeof shown);
        printf("  %s\\\n", shown);
    }
    if (rc != REGF_NOTFOUND)
        return rc;

    printf("\nvalues (%u):\n", ki.nvalues);
    if (ki.nvalues == 0)
        return REGF_OK;
    struct row *rows = calloc(ki.nvalues, sizeof *rows);
    if (!rows)
        return REGF_ENOMEM;
    size_t wname = 4, wtype = 4;
    uint8_t *data = NULL;
    size_t cap = 0;
    uint32_t n = 0;
    for (; n < ki.nvalues; n++) {
        regf_val v;
        size_t need, dn;
        uint32_t type;
        rc = regf_value_at(h, key, n, &v);
        if (rc == REGF_OK)
            rc = regf_value_name(h, v, NULL, 0, &need);
        if (rc != REGF_OK)
            break;
        rows[n].name = malloc(need + 1);
        if (!rows[n].name) {
            rc = REGF_ENOMEM;
            break;
        }
        regf_value_name(h, v, rows[n].name, need + 1, NULL);
        if (need > 0) {
            char *esc = malloc(4 * need + 1);
            if (!esc) {
                rc = REGF_ENOMEM;
                break;
            }
            escape_controls(rows[n].name, need, esc, 4 * need + 1);
            free(rows[n].name);
            rows[n].name = esc;
        } else {
            free(rows[n].name);
            rows[n].name = strdup("(default)");
            if (!rows[n].name) {
                rc = REGF_ENOMEM;
                break;
            }
        }
        rc = fetch_data(h, v, &type, &data, &cap, &dn);
        if (rc != REGF_OK)
            break;
        char tl[32];
        snprintf(rows[n].type, sizeof rows[n].type, "%s",
                 type_label(type, tl, sizeof tl));
        rows[n].size = (uint32_t)dn;
        render_short(type, data, dn, rows[n].data, sizeof rows[n].data, 60);
        size_t l = strlen(rows[n].name);
        if (l > wname)
            wname = l > 40 ? 40 : l;
        l = strlen(rows[n].type);
        if (l > wtype)
            wtype = l;
    }
    if (rc == REGF_OK) {
        printf("  %-*s  %-*s  %8s  %s\n", (int)wname, "NAME", (int)wtype,
               "TYPE", "SIZE", "DATA");
        for (uint32_t i = 0; i < n; i++)
            printf("  %-*s  %-*s  %8u  %s\n", (int)wname, rows[i].name,
                   (int)wtype, rows[i].type, rows[i].size, rows[i].data);
    }
    for (uint32_t i = 0; i < ki.nvalues; i++)
        free(rows[i].name);
    free(rows);
    free(data);
    return rc;
}

int cmd_ls(const struct cli_args *a)
{
    char *const *pos = a->pos;
    int npos = a->npos, json = cli_has(a, OPT_JSON), rc;
    regf_hive *h;
    if ((rc = cli_open(pos[0], &h)) != EXIT_OK)
        return rc;
    regf_key key;
    const char *path = npos > 1 ? pos[1] : "";
    rc = regf_key_lookup(h, 0, path, &key);
    if (rc == REGF_OK) {
        size_t need;
        char *full = NULL;
        rc = regf_key_path(h, key, NULL, 0, &need);
        if (rc == REGF_OK && (full = malloc(need + 1)) != NULL)
            rc = regf_key_path(h, key, full, need + 1, NULL);
        if (rc == REGF_OK && json) {
            /* built in memory: a failure half-way prints nothing */
            char *buf = NULL;
            size_t blen = 0;
            FILE *mf = open_memstream(&buf, &blen);
            if (!mf) {
                rc = REGF_ENOMEM;
            } else {
                rc = list_key_json(h, key, full ? full : path, mf);
                if (fclose(mf) != 0 && rc == REGF_OK)
                    rc = REGF_ENOMEM;
                if (rc == REGF_OK)
                    fwrite(buf, 1, blen, stdout);
            }
            free(buf);
        } else if (rc == REGF_OK) {
            rc = list_key(h, key, full ? full : path);
        }
        free(full);
    }
    int ex = EXIT_OK;
    if (rc != REGF_OK) {
        fflush(stdout);
        ex = cli_fail(h, rc);
    }
    regf_close(h);
    return ex;
}
