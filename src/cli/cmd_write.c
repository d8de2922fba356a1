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

static const char set_help[] =
    "usage: hivekit set HIVE KEY NAME TYPE [DATA...] [-p] [--hex] [--sep C]\n"
    "\n"
    "Creates or replaces value NAME of KEY ('' or '@' names the default\n"
    "value). TYPE is a name - sz, expand_sz, multi_sz, dword, dword_be,\n"
    "qword, binary, none, link, resource_list, full_resource_descriptor,\n"
    "resource_requirements_list, with or without REG_, any case - or a\n"
    "number (decimal or 0x hex). DATA, by type:\n"
    "  sz, expand_sz    one UTF-8 string, stored as UTF-16LE with a NUL\n"
    "  link             one string, stored as UTF-16LE without a NUL (as\n"
    "                   registry symbolic links need)\n"
    "  multi_sz         one string per DATA argument (none: an empty list),\n"
    "                   or one argument split at C with --sep C\n"
    "  dword, dword_be  0..4294967295, decimal or 0x hex (-2147483648..-1\n"
    "                   as two's complement); dword_be is big-endian\n"
    "  qword            0..2^64-1, decimal or 0x hex (negative as for dword)\n"
    "  anything else    hex bytes: '01 02 0a', 01,02,0a or 01020a (none:\n"
    "                   no bytes)\n"
    "Put '--' before DATA that starts with '-'.\n"
    "\n"
    "  -p, --parents    create KEY and its missing parents (without it a\n"
    "                   missing KEY is an error, status 1)\n"
    "  --hex            DATA is hex bytes for any TYPE (the exact bytes)\n"
    "  --sep C          multi_sz: split the one DATA argument at C\n"
    WDIRTY_HELP
    WCOMMON_HELP;

struct set_opts {
    struct wcommon c;
    int parents, hex;
    const char *sep;
};

static int set_opt(void *ctx, int id, const char *arg)
{
    struct set_opts *o = ctx;
    if (wcommon_opt(&o->c, id, arg))
        return 0;
    switch (id) {
    case 'h':
        fputs(set_help, stdout);
        return -1;
    case 'p': o->parents = 1; break;
    case 'x': o->hex = 1; break;
    case 's': o->sep = arg; break;
    }
    return 0;
}

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
    char err[200];
    char tl[16];
    const char *tname = type_label(type, tl, sizeof tl);
    if (o->sep && (type != REGF_MULTI_SZ || o->hex))
        return cli_usage_error("set", "--sep applies to multi_sz only");
    if (o->hex || (type != REGF_SZ && type != REGF_EXPAND_SZ &&
                   type != REGF_LINK && type != REGF_MULTI_SZ &&
                   type != REGF_DWORD && type != REGF_DWORD_BE &&
                   type != REGF_QWORD)) {
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

int cmd_set(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "parents", 'p', 0, 'p' },
        { "hex", 0, 0, 'x' }, { "sep", 0, 1, 's' }, WCOMMON_OPTS, WDIRTY_OPTS,
        { NULL, 0, 0, 0 } };
    struct set_opts o;
    memset(&o, 0, sizeof o);
    char **pos = malloc(((size_t)argc + 1) * sizeof *pos);
    if (!pos) {
        cli_error("out of memory");
        return EXIT_HIVE;
    }
    int npos, rc = cli_parse("set", argc, argv, opts, set_opt, &o, pos,
                             argc, &npos);
    struct bytebuf b = { NULL, 0, 0 };
    struct whive w = { NULL, NULL, NULL };
    uint32_t type = 0;
    uint64_t ft;
    if (rc == -1) {
        rc = EXIT_OK;
        goto out;
    }
    if (rc)
        goto out;
    if (npos < 4) {
        rc = cli_usage_error("set", "expected HIVE KEY NAME TYPE [DATA...]");
        goto out;
    }
    if (parse_type(pos[3], &type) != 0) {
        rc = cli_usage_error("set", "unknown TYPE '%s' (a name such as sz, "
                             "dword or binary, or a number)", pos[3]);
        goto out;
    }
    if ((rc = set_data(&o, type, pos + 4, npos - 4, &b)) != 0)
        goto out;
    if ((rc = wcommon_time("set", &o.c, &ft)) != 0)
        goto out;

    const char *name = strcmp(pos[2], "@") == 0 ? "" : pos[2];
    if ((rc = wr_open_dirty(&w, pos[0], ft, &o.c)) != EXIT_OK)
        goto out;
    regf_key key;
    int created;
    rc = wr_key(&w, pos[1], o.parents, " (-p creates it)", &key, &created);
    if (rc != EXIT_OK)
        goto out;
    int st = regf_value_set(w.h, key, name, strlen(name), type,
                            b.p ? b.p : (const uint8_t *)"", b.len);
    if (st != REGF_OK) {
        rc = cli_fail(w.h, st);
        goto out;
    }
    if ((rc = wr_commit(&w, &o.c)) == EXIT_OK && o.c.verbose) {
        char tl[16];
        cli_error("%s: %skey '%s': value %s%s%s set (%s, %zu bytes)", pos[0],
                  created ? "new " : "", pos[1], *name ? "'" : "",
                  *name ? name : "(default)", *name ? "'" : "",
                  type_label(type, tl, sizeof tl), b.len);
    }
out:
    wr_close(&w);
    free(b.p);
    free(pos);
    return rc;
}

/* ---- rm -------------------------------------------------------------------- */

static const char rm_help[] =
    "usage: hivekit rm HIVE KEY [NAME]\n"
    "\n"
    "Deletes value NAME of KEY, or without NAME the key KEY with all its\n"
    "subkeys and values. NAME '' or '@' is the default value ('@' falls\n"
    "back to a value literally named '@' when there is no default value, as\n"
    "with get). A missing key or value is status 1; the root key cannot be\n"
    "deleted (status 64).\n"
    "\n"
    WDIRTY_HELP
    WCOMMON_HELP;

struct rm_opts {
    struct wcommon c;
};

static int rm_opt(void *ctx, int id, const char *arg)
{
    struct rm_opts *o = ctx;
    if (wcommon_opt(&o->c, id, arg))
        return 0;
    if (id == 'h') {
        fputs(rm_help, stdout);
        return -1;
    }
    return 0;
}

int cmd_rm(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, WCOMMON_OPTS, WDIRTY_OPTS,
        { NULL, 0, 0, 0 } };
    struct rm_opts o;
    memset(&o, 0, sizeof o);
    char *pos[4];
    uint64_t ft;
    int npos, rc = cli_parse("rm", argc, argv, opts, rm_opt, &o, pos, 4,
                             &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos < 2 || npos > 3)
        return cli_usage_error("rm", "expected HIVE KEY [NAME]");
    if ((rc = wcommon_time("rm", &o.c, &ft)) != 0)
        return rc;

    struct whive w;
    if ((rc = wr_open_dirty(&w, pos[0], ft, &o.c)) != EXIT_OK)
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
    if ((rc = wr_commit(&w, &o.c)) == EXIT_OK && o.c.verbose)
        cli_error("%s: key '%s'%s%s%s: %s", pos[0], pos[1],
                  npos == 3 ? ", value '" : "", npos == 3 ? pos[2] : "",
                  npos == 3 ? "'" : "", what);
out:
    wr_close(&w);
    return rc;
}

/* ---- mkkey ----------------------------------------------------------------- */

static const char mkkey_help[] =
    "usage: hivekit mkkey HIVE KEY\n"
    "\n"
    "Creates KEY and its missing parents, like mkdir -p. A KEY that exists\n"
    "already is success (status 0) and the file is not rewritten (with -v a\n"
    "note says so). New keys share their parent's security descriptor.\n"
    "\n"
    WDIRTY_HELP
    WCOMMON_HELP;

static int mkkey_opt(void *ctx, int id, const char *arg)
{
    struct wcommon *c = ctx;
    if (wcommon_opt(c, id, arg))
        return 0;
    if (id == 'h') {
        fputs(mkkey_help, stdout);
        return -1;
    }
    return 0;       /* -p: accepted, parents are always made */
}

int cmd_mkkey(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "parents", 'p', 0, 'p' }, WCOMMON_OPTS,
        WDIRTY_OPTS, { NULL, 0, 0, 0 } };
    struct wcommon c;
    memset(&c, 0, sizeof c);
    char *pos[3];
    uint64_t ft;
    int npos, rc = cli_parse("mkkey", argc, argv, opts, mkkey_opt, &c, pos,
                             3, &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos != 2)
        return cli_usage_error("mkkey", "expected HIVE KEY");
    if ((rc = wcommon_time("mkkey", &c, &ft)) != 0)
        return rc;

    struct whive w;
    if ((rc = wr_open_dirty(&w, pos[0], ft, &c)) != EXIT_OK)
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

static const char new_help[] =
    "usage: hivekit new FILE [--minor N] [--time T] [-v]\n"
    "\n"
    "Creates FILE as an empty hive: a root key named ROOT with a default\n"
    "security descriptor (owner Administrators; SYSTEM and Administrators\n"
    "full control, Users read). An existing FILE is never overwritten\n"
    "(status 2).\n"
    "\n"
    "  --minor N        format version 1.N, 3 to 6 (default 5, as Windows\n"
    "                   XP and later write)\n"
    "  --time T         time of the header and the root key: FILETIME, ISO\n"
    "                   8601 UTC or 'now' (default; also HIVEKIT_TIME)\n"
    "  --backup         accepted for symmetry; there is no previous file\n"
    "  -v, --verbose    one line on standard error saying what was done\n";

struct new_opts {
    struct wcommon c;
    const char *minor;
};

static int new_opt(void *ctx, int id, const char *arg)
{
    struct new_opts *o = ctx;
    if (wcommon_opt(&o->c, id, arg))
        return 0;
    if (id == 'h') {
        fputs(new_help, stdout);
        return -1;
    }
    if (id == 'm')
        o->minor = arg;
    return 0;
}

int cmd_new(int argc, char **argv)
{
    static const struct cli_opt opts[] = {
        { "help", 'h', 0, 'h' }, { "minor", 0, 1, 'm' }, WCOMMON_OPTS,
        { NULL, 0, 0, 0 } };
    struct new_opts o;
    memset(&o, 0, sizeof o);
    char *pos[2];
    uint64_t ft, minor = 5;
    int npos, rc = cli_parse("new", argc, argv, opts, new_opt, &o, pos, 2,
                             &npos);
    if (rc == -1)
        return EXIT_OK;
    if (rc)
        return rc;
    if (npos != 1)
        return cli_usage_error("new", "expected FILE");
    if (o.minor && (parse_number(o.minor, 99, 0, &minor) != 0 || minor < 3 ||
                    minor > 6))
        return cli_usage_error("new", "--minor '%s': the format versions "
                               "that can be created are 1.3 to 1.6", o.minor);
    if ((rc = wcommon_time("new", &o.c, &ft)) != 0)
        return rc;
    struct stat st;
    if (lstat(pos[0], &st) == 0) {
        cli_error("%s exists already; not overwriting it (remove it first, "
                  "or edit it with set, mkkey, rm or import)", pos[0]);
        return EXIT_HIVE;
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
        rc = EXIT_HIVE;
    } else if (o.c.verbose) {
        cli_error("%s: empty hive created (format 1.%u)", pos[0],
                  (unsigned)minor);
    }
    regf_close(h);
    return rc;
}
