/* confine.c - where a run of hivekit may write, put in force with Landlock
 * (sandbox.c) before the command touches anything: a second line of
 * defence behind the checks of every path, so that a mistake in them
 * cannot write outside the folders the command line names.
 *
 * The rule is folders, not files: every file hivekit writes is replaced
 * through a temporary file beside it (renamed or linked into place) or
 * written in place after its transaction logs beside it, with its backups
 * in the same folder, and Landlock can only allow creating and renaming
 * within a folder. A rule on a file alone allows writing it, nothing
 * more: for a device or FIFO given as an output (written directly) and
 * for a dry run's hive (opened for writing only to hold the writer's
 * lock).
 *
 * -v says whether it is active and where writes may go. Where the kernel
 * has no Landlock the run goes on; over a guest volume (--root) a line
 * says so even without -v. HIVEKIT_NO_LANDLOCK=1 turns it off (a kernel
 * bug must not stop anyone).
 * HIVEKIT_TEST_LANDLOCK_PROBE=PATH is for the tests only: once the rules
 * are in force the command tries to create PATH and says on stderr how
 * that went (the file is removed again when it could be made). */
#define _GNU_SOURCE     /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sandbox.h"

/* A reference to a file or folder that opens nothing: a FIFO does not
 * block, a device is not touched. Without O_PATH (not Linux, so no
 * Landlock either) a non-blocking read-only open. */
#ifdef O_PATH
#define OPEN_REF O_PATH
#else
#define OPEN_REF (O_RDONLY | O_NONBLOCK)
#endif

void confine_init(struct confine *c)
{
    memset(c, 0, sizeof *c);
}

/* Adds the file or folder PATH (SHOWN in -v) when it can be opened and is
 * not there already; a folder that cannot be opened is left out (the
 * command fails there on its own, with its own message). */
static void add(struct confine *c, const char *path, int is_dir)
{
    int fd = open(path, OPEN_REF | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0));
    struct stat st, other;
    if (fd < 0)
        return;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        if (fstat(c->fd[i], &other) == 0 && other.st_dev == st.st_dev &&
            other.st_ino == st.st_ino) {
            close(fd);
            return;
        }
    if (c->n == CONFINE_MAX || !(c->shown[c->n] = strdup(path))) {
        c->overflow = 1;
        close(fd);
        return;
    }
    c->is_dir[c->n] = is_dir;
    c->fd[c->n++] = fd;
}

/* The folder part of PATH ("." when it has none) into OUT. */
static void parent_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == path)
        snprintf(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - path), path);
}

void confine_dir(struct confine *c, const char *dir)
{
    add(c, dir, 1);
    c->volume = 1;
}

void confine_hive(struct confine *c, const char *path)
{
    char *target = hive_target_path(path);
    char dir[4096];
    parent_of(target ? target : path, dir, sizeof dir);
    free(target);
    add(c, dir, 1);
}

void confine_file(struct confine *c, const char *path)
{
    add(c, path, 0);
}

void confine_output(struct confine *c, const char *path)
{
    struct stat st;
    char dir[4096];
    if (strcmp(path, "-") == 0)
        return;                 /* standard output */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        add(c, path, 0);
        return;
    }
    parent_of(path, dir, sizeof dir);
    add(c, dir, 1);
}

void confine_newdir(struct confine *c, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        add(c, dir, 1);
        return;
    }
    char parent[4096];
    parent_of(dir, parent, sizeof parent);
    add(c, parent, 1);
}

/* "a, b (the file only)" into OUT: what -v says may be written. */
static void list_allowed(const struct confine *c, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n && len < size; i++) {
        int k = snprintf(out + len, size - len, "%s%s%s", i ? ", " : "",
                         c->shown[i], c->is_dir[i] ? "" : " (the file only)");
        if (k < 0)
            break;
        len += (size_t)k;
    }
    if (c->n == 0)
        snprintf(out, size, "nothing");
}

/* HIVEKIT_TEST_LANDLOCK_PROBE: tries to create PATH and says how it went. */
static void test_probe(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd >= 0) {
        close(fd);
        unlink(path);
        fprintf(stderr, "hivekit: landlock probe: %s: created\n", path);
        return;
    }
    int err = errno;
    fprintf(stderr, "hivekit: landlock probe: %s: %s%s\n", path,
            err == EACCES ? "EACCES, " : "", strerror(err));
}

void confine_apply(struct confine *c, int verbose)
{
    const char *off = getenv("HIVEKIT_NO_LANDLOCK");
    char note[256], allowed[1024];
    if (off && *off && strcmp(off, "0") != 0) {
        if (verbose)
            fprintf(stderr, "hivekit: landlock: off (HIVEKIT_NO_LANDLOCK is "
                    "set)\n");
    } else if (c->overflow) {
        cli_error("warning: landlock: not in force (more than %d places to "
                  "write); going on without it", CONFINE_MAX);
    } else {
        int dirs[CONFINE_MAX], files[CONFINE_MAX];
        size_t nd = 0, nf = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (c->is_dir[i])
                dirs[nd++] = c->fd[i];
            else
                files[nf++] = c->fd[i];
        }
        switch (sandbox_restrict(dirs, nd, files, nf, note, sizeof note)) {
        case SANDBOX_ACTIVE:
            if (verbose) {
                list_allowed(c, allowed, sizeof allowed);
                fprintf(stderr, "hivekit: landlock: active (%s), writes "
                        "limited to: %s\n", note, allowed);
            }
            break;
        case SANDBOX_UNAVAILABLE:
            if (verbose || c->volume)
                fprintf(stderr, "hivekit: landlock: not available on this "
                        "kernel (%s); going on without it\n", note);
            break;
        default:
            cli_error("warning: landlock: not in force (%s); going on "
                      "without it (HIVEKIT_NO_LANDLOCK=1 skips it)", note);
            break;
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        close(c->fd[i]);
        free(c->shown[i]);
    }
    c->n = 0;
    c->volume = 0;
    const char *probe = getenv("HIVEKIT_TEST_LANDLOCK_PROBE");
    if (probe && *probe)
        test_probe(probe);
}

void confine_command(const struct cli_args *a)
{
    const struct cli_command *cmd = a->cmd;
    /* undo writes the hives and files its manifest names: cmd_undo
     * confines itself once it has read it. */
    if (cmd->run == cmd_undo)
        return;
    struct confine c;
    confine_init(&c);
    /* A read-only command (a --root of its own is only read) writes
     * nothing but its -o. A dry run opens its hives for writing all the
     * same (it holds the writer's lock) but makes no file: the hive files
     * alone (below --root: ROOT, where they are found). */
    if (cmd->writes != WRITES_NOTHING) {
        int dry = cli_has(a, OPT_DRY_RUN);
        void (*hive)(struct confine *, const char *) =
            dry ? confine_file : confine_hive;
        /* The first argument of a command that writes is the hive it
         * edits (or the file `new` makes). */
        if (a->npos > 0)
            hive(&c, a->pos[0]);
        if (cli_has(a, OPT_ROOT))
            confine_dir(&c, cli_arg(a, OPT_ROOT));
        if (cli_has(a, OPT_SYSTEM))
            hive(&c, cli_arg(a, OPT_SYSTEM));
        if (cli_has(a, OPT_SOFTWARE))
            hive(&c, cli_arg(a, OPT_SOFTWARE));
        if (cli_has(a, OPT_UNDO) && !dry)
            confine_output(&c, cli_arg(a, OPT_UNDO));
    }
    if (cli_has(a, OPT_OUTPUT))
        confine_output(&c, cli_arg(a, OPT_OUTPUT));
    if (cli_has(a, OPT_PATCH_DIR))
        confine_newdir(&c, cli_arg(a, OPT_PATCH_DIR));
    confine_apply(&c, cli_has(a, OPT_VERBOSE));
}
