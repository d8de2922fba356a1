/* walk_and_set.c - an example of the public regf API (hivekit/regf.h).
 *
 *   walk_and_set IN OUT [KEY [NAME [TEXT]]]
 *
 * Opens the hive IN, prints every key (its path and value count) walking
 * the whole tree, creates KEY (default "hivekit-example", with its missing
 * parents) and sets its REG_SZ value NAME (default "Greeting") to TEXT
 * (default "hello from walk_and_set"), then commits the result to the new
 * file OUT: IN itself is never changed. Finally it opens OUT again and
 * reads the value back.
 *
 * Build against an installed hivekit:
 *   cc walk_and_set.c $(pkg-config --cflags --libs hivekit) -o walk_and_set
 * Exit status: 0 success, 1 the value read back differs, 2 a regf error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hivekit/regf.h>

static int print_key(void *ctx, regf_hive *h, regf_key key, const char *path,
                     size_t path_len, unsigned depth)
{
    struct regf_key_info ki;
    unsigned long *nkeys = ctx;
    (void)path_len;
    int rc = regf_key_info(h, key, &ki);
    if (rc != REGF_OK)
        return rc;
    printf("%*s\\%s (%lu values)\n", (int)(2 * depth), "", path,
           (unsigned long)ki.nvalues);
    ++*nkeys;
    return 0;
}

static int fail(regf_hive *h, const char *what, int rc)
{
    fprintf(stderr, "walk_and_set: %s: %s: %s\n", what, regf_strstatus(rc),
            regf_errmsg(h));
    regf_close(h);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 6) {
        fprintf(stderr, "usage: walk_and_set IN OUT [KEY [NAME [TEXT]]]\n");
        return 64;
    }
    const char *in = argv[1], *out = argv[2];
    const char *keypath = argc > 3 ? argv[3] : "hivekit-example";
    const char *name = argc > 4 ? argv[4] : "Greeting";
    const char *text = argc > 5 ? argv[5] : "hello from walk_and_set";

    regf_hive *h = NULL;
    int rc = regf_open(in, REGF_OPEN_WRITE, &h);
    if (rc != REGF_OK)
        return fail(h, in, rc);

    /* 1. walk the whole tree */
    unsigned long nkeys = 0;
    rc = regf_walk(h, 0, print_key, &nkeys);
    if (rc != REGF_OK)
        return fail(h, "walk", rc);
    printf("%lu keys\n", nkeys);

    /* 2. create the key and set a REG_SZ value from UTF-8 text */
    regf_key key;
    rc = regf_key_create_path(h, 0, keypath, &key);
    if (rc != REGF_OK)
        return fail(h, keypath, rc);
    rc = regf_value_set_string(h, key, name, strlen(name), REGF_SZ, text,
                               strlen(text));
    if (rc != REGF_OK)
        return fail(h, name, rc);

    /* 3. write the edited hive to a new file; IN is untouched */
    regf_set_time(h, 0);
    rc = regf_commit(h, out, REGF_COMMIT_NEW);
    if (rc != REGF_OK)
        return fail(h, out, rc);
    regf_close(h);

    /* 4. read it back from OUT */
    rc = regf_open(out, 0, &h);
    regf_val val;
    if (rc == REGF_OK)
        rc = regf_key_lookup(h, 0, keypath, &key);
    if (rc == REGF_OK)
        rc = regf_value_lookup(h, key, name, &val);
    struct regf_value_info vi = { 0 };
    if (rc == REGF_OK)
        rc = regf_value_info(h, val, &vi);
    size_t tlen = 0;
    if (rc == REGF_OK)   /* the length first, then the text */
        rc = regf_value_string(h, val, 0, NULL, 0, &tlen);
    char *back = rc == REGF_OK ? malloc(tlen + 1) : NULL;
    if (rc == REGF_OK && !back)
        rc = REGF_ENOMEM;
    if (rc == REGF_OK)
        rc = regf_value_string(h, val, 0, back, tlen + 1, NULL);
    if (rc != REGF_OK) {
        free(back);
        return fail(h, out, rc);
    }
    int same = vi.type == REGF_SZ && strcmp(back, text) == 0;
    printf("%s: \\%s\\%s = \"%s\" (%s)\n", out, keypath, name, back,
           regf_type_name(vi.type));
    free(back);
    regf_close(h);
    return same ? 0 : 1;
}
