/* cmd_get.c - `hivekit get HIVE KEY [VALUE] [--raw]`: one value's data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_get(const struct cli_args *a)
{
    char *const *pos = a->pos;
    int npos = a->npos, rc;
    int raw = cli_has(a, OPT_RAW), json = cli_has(a, OPT_JSON);
    if (raw && json)
        return cli_usage_error("get", "--raw and --json exclude each other");

    const char *vname = npos > 2 ? pos[2] : "";
    int at = strcmp(vname, "@") == 0;
    if (at)
        vname = "";
    regf_hive *h;
    if ((rc = cli_open(pos[0], &h)) != EXIT_OK)
        return rc;
    regf_key key;
    regf_val val;
    uint8_t *data = NULL;
    size_t n = 0;
    uint32_t type = 0;
    rc = regf_key_lookup(h, 0, pos[1], &key);
    if (rc == REGF_OK) {
        rc = regf_value_lookup(h, key, vname, &val);
        if (rc == REGF_NOTFOUND && at)   /* no default: a value named "@"? */
            rc = regf_value_lookup(h, key, "@", &val);
        if (rc == REGF_NOTFOUND) {
            cli_error("%s: key '%s' has no value %s%s%s", pos[0], pos[1],
                      *vname ? "'" : "", *vname ? vname : "(default)",
                      *vname ? "'" : "");
            regf_close(h);
            return EXIT_NOTFOUND;
        }
    }
    if (rc == REGF_OK)
        rc = regf_value_data(h, val, &type, NULL, 0, &n);
    if (rc == REGF_OK) {
        data = malloc(n ? n : 1);
        if (!data)
            rc = REGF_ENOMEM;
        else
            rc = regf_value_data(h, val, &type, data, n, NULL);
    }
    int ex = EXIT_OK;
    if (rc != REGF_OK) {
        ex = cli_fail(h, rc);
    } else if (json) {
        size_t need = 0, pneed = 0;
        char *vn = NULL, *kp = NULL;
        rc = regf_value_name(h, val, NULL, 0, &need);
        if (rc == REGF_OK)
            rc = regf_key_path(h, key, NULL, 0, &pneed);
        if (rc == REGF_OK && (!(vn = malloc(need + 1)) ||
                              !(kp = malloc(pneed + 1))))
            rc = REGF_ENOMEM;
        if (rc == REGF_OK)
            rc = regf_value_name(h, val, vn, need + 1, NULL);
        if (rc == REGF_OK)
            rc = regf_key_path(h, key, kp, pneed + 1, NULL);
        if (rc != REGF_OK) {
            ex = cli_fail(h, rc);
        } else {
            fputs("{\"key\": ", stdout);
            json_key_path(stdout, kp);
            fputs(", \"name\": ", stdout);
            json_strn(stdout, vn, need);
            fputs(", ", stdout);
            json_type(stdout, type);
            printf(", \"size\": %lu, \"data\": ", (unsigned long)n);
            if (json_value_data(stdout, type, data, n) != 0) {
                cli_error("%s: out of memory", pos[0]);
                ex = EXIT_FILE;
            }
            fputs(", \"hex\": ", stdout);
            json_hex(stdout, data, n);
            fputs("}\n", stdout);
            if (fflush(stdout) != 0) {
                cli_error("writing to standard output failed");
                ex = EXIT_FILE;
            }
        }
        free(vn);
        free(kp);
    } else if (raw) {
        if (write_all(STDOUT_FILENO, data, n) != 0) {
            cli_error("writing to standard output failed");
            ex = EXIT_FILE;
        }
    } else {
        render_full(stdout, type, data, n);
        if (fflush(stdout) != 0) {
            cli_error("writing to standard output failed");
            ex = EXIT_FILE;
        }
    }
    free(data);
    regf_close(h);
    return ex;
}
