/* cmd_write.c - the editing commands `set`, `rm`, `mkkey` and `new`.
 *
 * Every command checks its whole command line (types, data, times) before
 * it opens the hive, edits the in-memory copy, and writes the file with one
 * atomic regf_commit only when every edit succeeded: a failure at any step
 * leaves the file byte for byte as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

/* ---- set ------------------------------------------------------------------- */

struct set_opts {
    int hex;
    const char *sep;
};

static const struct {
    const char *name;
    uint32_t type;
} type_names[] = {
    { "none", REGF_NONE }, { "sz", REGF_SZ }, { "expand_sz", REGF_EXPAND_SZ },
    { "binary", REGF_BINARY }, { "dword", REGF_DWORD },
    { "dword_little_endian", REGF_DWORD }, { "dword_be", REGF_DWORD_BE },
    { "dword_big_endian", REGF_DWORD_BE }, { "link", REGF_LINK },
    { "multi_sz", REGF_MULTI_SZ }, { "resource_list", REGF_RESOURCE_LIST },
    { "full_resource_descriptor", REGF_FULL_RESOURCE_DESCRIPTOR },
    { "resource_requirements_list", REGF_RESOURCE_REQUIREMENTS_LIST },
    { "qword", REGF_QWORD }, { "qword_little_endian", REGF_QWORD },
};

static int parse_type(const char *s, uint32_t *out)
{
    uint64_t v;
    if (s[0] >= '0' && s[0] <= '9') {
        if (parse_number(s, UINT32_MAX, 0, &v) != 0)
            return -1;
        *out = (uint32_t)v;
        return 0;
    }
    if (strncasecmp(s, "REG_", 4) == 0)
        s += 4;
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcasecmp(s, type_names[i].name) == 0) {
            *out = type_names[i].type;
            return 0;
        }
    return -1;
}

/* One string of a multi_sz: not empty, UTF-8. */
static int multi_item(const char *s, struct bytebuf *b)
{
    if (!*s)
        return cli_usage_error("set", "a REG_MULTI_SZ cannot hold an empty "
                                "string (it would end the list)");
    int rc = buf_put_string(b, REGF_SZ, s, strlen(s));
    if (rc == -1)
        return cli_usage_error("set", "a DATA string is not valid UTF-8");
    if (rc)
        return cli_usage_error("set", "out of memory");
    return 0;
}

/* Builds the stored bytes of DATA (N arguments) for TYPE. */
static int set_data(const struct set_opts *o, uint32_t type, char **data,
                    int n, struct bytebuf *b)
{
    char tl[16];
    const char *tname = type_label(type, tl, sizeof tl);
    if (o->sep && (type != REGF_MULTI_SZ || o->hex))
        return cli_usage_error("set", "--sep applies to multi_sz only");
    if (o->hex || (type != REGF_SZ && type != REGF_EXPAND_SZ &&
                   type != REGF_LINK && type != REGF_MULTI_SZ &&
                   type != REGF_DWORD && type != REGF_DWORD_BE &&
                   type != REGF_QWORD)) {
        char err[200];
        int rc = parse_hex_bytes(data, n, b, err, sizeof err);
        if (rc)
            return cli_usage_error("set", "%s", err);
        return 0;
    }
    if (type == REGF_MULTI_SZ) {
        if (!o->sep) {
            for (int i = 0; i < n; i++)
                if (multi_item(data[i], b))
                    return EXIT_USAGE;
        } else {
            size_t sl = strlen(o->sep);
            /* One character: one byte, or one UTF-8 sequence. */
            unsigned char c0 = (unsigned char)o->sep[0];
            size_t want = c0 < 0x80 ? 1 : c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : 2;
            if (sl == 0 || sl != want)
                return cli_usage_error("set", "--sep takes one character");
            if (n != 1)
                return cli_usage_error("set", "with --sep, multi_sz takes "
                                       "one DATA argument (%d given)", n);
            const char *p = data[0];
            while (*p) {
                const char *e = strstr(p, o->sep);
                size_t len = e ? (size_t)(e - p) : strlen(p);
                char *item = strndup(p, len);
                if (!item)
                    return cli_usage_error("set", "out of memory");
                int rc = multi_item(item, b);
                free(item);
                if (rc)
                    return rc;
                p += len;
                if (e && !*(p += sl))
                    return multi_item("", b);   /* a trailing separator */
            }
        }
        if (buf_put(b, "\0", 2))
            return cli_usage_error("set", "out of memory");
        return 0;
    }
    if (n != 1)
        return cli_usage_error("set", "%s takes one DATA argument (%d "
                               "given)", tname, n);
    if (type == REGF_SZ || type == REGF_EXPAND_SZ || type == REGF_LINK) {
        int rc = buf_put_string(b, type, data[0], strlen(data[0]));
        if (rc == -1)
            return cli_usage_error("set", "the DATA string is not valid "
                                   "UTF-8");
        if (rc)
            return cli_usage_error("set", "out of memory");
        return 0;
    }
    uint64_t v;
    int q = type == REGF_QWORD;
    int rc = parse_number(data[0], q ? UINT64_MAX : UINT32_MAX,
                          q ? (uint64_t)1 << 63 : (uint64_t)1 << 31, &v);
    if (rc == -1)
        return cli_usage_error("set", "%s DATA '%s' is not a number (decimal "
                               "or 0x hex)", tname, data[0]);
    if (rc)
        return cli_usage_error("set", "%s DATA '%s' is out of range (%s)",
                               tname, data[0], q ?
                               "-9223372036854775808..18446744073709551615" :
                               "-2147483648..4294967295");
    uint8_t bytes[8];
    size_t len = q ? 8 : 4;
    for (size_t i = 0; i < len; i++) {
        size_t shift = type == REGF_DWORD_BE ? 8 * (len - 1 - i) : 8 * i;
        bytes[i] = (uint8_t)(v >> shift);
    }
    if (buf_put(b, bytes, len))
        return cli_usage_error("set", "out of memory");
    return 0;
}

int cmd_set(const struct cli_args *a)
{
    char **pos = a->pos;
    int npos = a->npos, rc;
    struct set_opts o = { cli_has(a, OPT_HEX), cli_arg(a, OPT_SEP) };
    struct write_options w_opts;
    write_options_get(a, &w_opts);
    struct bytebuf b = { NULL, 0, 0 };
    struct whive w = { NULL, NULL, NULL, AT_FDCWD, "", 0 };
    uint32_t type = 0;
    uint64_t ft;
    if (parse_type(pos[3], &type) != 0) {
        rc = cli_usage_error("set", "unknown TYPE '%s' (a name such as sz, "
                             "dword or binary, or a number)", pos[3]);
        goto out;
    }
    if ((rc = set_data(&o, type, pos + 4, npos - 4, &b)) != 0)
        goto out;
    if ((rc = write_options_time("set", &w_opts, &ft)) != 0)
        goto out;

    const char *name = strcmp(pos[2], "@") == 0 ? "" : pos[2];
    if ((rc = wr_open(&w, pos[0], ft, &w_opts)) != EXIT_OK)
        goto out;
    regf_key key;
    int created;
    rc = wr_key(&w, pos[1], cli_has(a, OPT_PARENTS), " (-p creates it)", &key,
                &created);
    if (rc != EXIT_OK)
        goto out;
    int st = regf_value_set(w.h, key, name, strlen(name), type,
                            b.p ? b.p : (const uint8_t *)"", b.len);
    if (st != REGF_OK) {
        rc = cli_fail(w.h, st);
        goto out;
    }
    if ((rc = wr_commit(&w, &w_opts)) == EXIT_OK && w_opts.verbose) {
        char tl[16];
        cli_error("%s: %skey '%s': value %s%s%s set (%s, %zu bytes)", pos[0],
                  created ? "new " : "", pos[1], *name ? "'" : "",
                  *name ? name : "(default)", *name ? "'" : "",
                  type_label(type, tl, sizeof tl), b.len);
    }
out:
    wr_close(&w);
    free(b.p);
    return rc;
}

/* ---- rm -------------------------------------------------------------------- */

int cmd_rm(const struct cli_args *a)
{
    char *const *pos = a->pos;
    int npos = a->npos, rc;
    struct write_options o;
    uint64_t ft;
    write_options_get(a, &o);
    if ((rc = write_options_time("rm", &o, &ft)) != 0)
        return rc;

    struct whive w;
    if ((rc = wr_open(&w, pos[0], ft, &o)) != EXIT_OK)
        return rc;
    regf_key key, root = 0;
    int created;
    if ((rc = wr_key(&w, pos[1], 0, "", &key, &created)) != EXIT_OK)
        goto out;
    int st;
    const char *what;
    char whatbuf[64];
    if (npos == 2) {
        if ((st = regf_root(w.h, &root)) != REGF_OK) {
            rc = cli_fail(w.h, st);
            goto out;
        }
        if (key == root) {
            cli_error("%s: rm: refusing to delete the root key ('%s' names "
                      "it); delete its subkeys one by one, or start from an "
                      "empty hive with 'hivekit new'", pos[0], pos[1]);
            rc = EXIT_USAGE;
            goto out;
        }
        st = regf_key_delete(w.h, key);
        what = "deleted with its subtree";
    } else {
        const char *name = pos[2];
        int at = strcmp(name, "@") == 0;
        regf_val val;
        if (at)
            name = "";
        st = regf_value_lookup(w.h, key, name, &val);
        if (st == REGF_NOTFOUND && at) {
            name = "@";
            st = regf_value_lookup(w.h, key, name, &val);
        }
        if (st == REGF_NOTFOUND) {
            cli_error("%s: key '%s' has no value %s%s%s", pos[0], pos[1],
                      *name ? "'" : "", *name ? name : "(default)",
                      *name ? "'" : "");
            rc = EXIT_NOTFOUND;
            goto out;
        }
        if (st == REGF_OK)
            st = regf_value_delete(w.h, key, name, strlen(name));
        snprintf(whatbuf, sizeof whatbuf, "value deleted");
        what = whatbuf;
    }
    if (st != REGF_OK) {
        rc = cli_fail(w.h, st);
        goto out;
    }
    if ((rc = wr_commit(&w, &o)) == EXIT_OK && o.verbose)
        cli_error("%s: key '%s'%s%s%s: %s", pos[0], pos[1],
                  npos == 3 ? ", value '" : "", npos == 3 ? pos[2] : "",
                  npos == 3 ? "'" : "", what);
out:
    wr_close(&w);
    return rc;
}

/* ---- mkkey ----------------------------------------------------------------- */

int cmd_mkkey(const struct cli_args *a)
{
    char *const *pos = a->pos;
    struct write_options c;
    uint64_t ft;
    int rc;
    write_options_get(a, &c);     /* -p: accepted, parents are always made */
    if ((rc = write_options_time("mkkey", &c, &ft)) != 0)
        return rc;

    struct whive w;
    if ((rc = wr_open(&w, pos[0], ft, &c)) != EXIT_OK)
        return rc;
    regf_key key;
    int created;
    if ((rc = wr_key(&w, pos[1], 1, NULL, &key, &created)) == EXIT_OK) {
        if (!created && wr_pending(&w)) {
            /* Nothing to create, but the recovered (or forced) hive is
             * written clean. */
            rc = wr_commit(&w, &c);
        } else if (!created) {
            if (c.verbose)
                cli_error("%s: key '%s' exists already; nothing written",
                          pos[0], pos[1]);
        } else if ((rc = wr_commit(&w, &c)) == EXIT_OK && c.verbose) {
            cli_error("%s: key '%s' created", pos[0], pos[1]);
        }
    }
    wr_close(&w);
    return rc;
}

/* ---- new ------------------------------------------------------------------- */

int cmd_new(const struct cli_args *a)
{
    char *const *pos = a->pos;
    const char *opt_minor = cli_arg(a, OPT_MINOR);
    struct write_options o;
    uint64_t ft, minor = 5;
    int rc;
    write_options_get(a, &o);
    if (opt_minor && (parse_number(opt_minor, 99, 0, &minor) != 0 ||
                      minor < 3 || minor > 6))
        return cli_usage_error("new", "--minor '%s': the format versions "
                               "that can be created are 1.3 to 1.6",
                               opt_minor);
    if ((rc = write_options_time("new", &o, &ft)) != 0)
        return rc;
    struct stat st;
    if (lstat(pos[0], &st) == 0) {
        cli_error("%s exists already; not overwriting it (remove it first, "
                  "or edit it with set, mkkey, rm or import)", pos[0]);
        return EXIT_FILE;
    }

    regf_hive *h;
    int s = regf_create(pos[0], (uint32_t)minor, &h);
    if (s == REGF_OK) {
        if (ft)
            regf_set_time(h, ft);
        s = regf_commit(h, pos[0], REGF_COMMIT_NEW);
    }
    if (s != REGF_OK) {
        const char *msg = h ? regf_errmsg(h) : "";
        cli_error("%s", *msg ? msg : regf_strstatus(s));
        rc = EXIT_FILE;
    } else if (o.verbose) {
        cli_error("%s: empty hive created (format 1.%u)", pos[0],
                  (unsigned)minor);
    }
    regf_close(h);
    return rc;
}
