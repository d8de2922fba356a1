/* hive_write.c - editing a hive: opening it for writing (the dirty-hive
 * refusal, --force, --recover), finding or creating keys, committing it
 * (with its backup, and its NTFS identity kept), and resetting the
 * transaction logs after a recovery. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---- opening and committing ------------------------------------------------- */

/* A symbolic link is followed, so the link stays a link to the edited
 * file. */
char *hive_target_path(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *r = realpath(path, NULL);
        if (r)
            return r;
    }
    return strdup(path);
}

/* The transaction logs beside W's file (at most REGF_MAX_LOGS; none when
 * the directory cannot be read). */
static size_t find_logs(const struct whive *w, struct regf_log *logs)
{
    size_t n = 0;
    find_logs_at(w->dirfd, w->target, logs, &n);
    return n;
}

/* "A.LOG1, A.LOG2" from the logs of W found, into NAMES. */
static void log_names(const struct whive *w, const struct regf_log *logs,
                      size_t n, char *names, size_t size)
{
    size_t len = 0;
    names[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(names + len, size - len, "%s%s%s", i ? ", " : "",
                         w->shown_dir, logs[i].path);
        if (k < 0 || (size_t)k >= size - len)
            break;
        len += (size_t)k;
    }
}

/* Refuses the dirty hive of W (no --recover, no --force); EXIT_FILE. */
static int refuse_dirty(struct whive *w, const struct regf_info *in,
                        int damaged)
{
    struct regf_log logs[REGF_MAX_LOGS];
    char names[REGF_MAX_LOGS * 300];
    size_t n = find_logs(w, logs);
    log_names(w, logs, n, names, sizeof names);
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
                  "recover` or --recover; nothing was written", w->path, why,
                  names);
    else
        cli_error("%s: the hive is dirty (%s) and no transaction log (.LOG, "
                  ".LOG1, .LOG2) was found beside it; replay the logs with "
                  "Windows, or --force writes it as it is on disk (what "
                  "Windows had not yet written to it is lost); nothing was "
                  "written", w->path, why);
    return EXIT_FILE;
}

/* --force: accepted only when no log applies. */
static int force_dirty(struct whive *w, const struct regf_info *in,
                       int damaged)
{
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = find_logs(w, logs);
    for (size_t i = 0; i < n; i++)
        if (logs[i].verdict == REGF_LOG_APPLIES) {
            cli_error("%s: the hive is dirty and its log %s%s holds newer "
                      "data (%s): --force would lose it; use --recover (or "
                      "`hivekit recover`); nothing was written", w->path,
                      w->shown_dir, logs[i].path, logs[i].why);
            return EXIT_FILE;
        }
    if (damaged) {
        cli_error("%s: the base block is damaged and no transaction log can "
                  "rebuild it: the hive cannot be written as it is; nothing "
                  "was written", w->path);
        return EXIT_FILE;
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

/* --recover: the logs that apply are replayed into W's handle; with
 * --force too, a hive none of whose logs applies is taken as it is. */
static int recover_dirty(struct whive *w, const struct regf_info *in,
                         int damaged, const struct write_options *o)
{
    struct regf_log logs[REGF_MAX_LOGS];
    const char *paths[REGF_MAX_LOGS];
    size_t n = find_logs(w, logs);
    for (size_t i = 0; i < n; i++)
        paths[i] = logs[i].path;
    struct regf_recovery *rep = malloc(sizeof *rep);
    if (!rep) {
        cli_error("%s: out of memory", w->path);
        return EXIT_FILE;
    }
    /* Below --root the library finds the same logs itself, through the
     * descriptor of the folder it opened the hive from. */
    int ex = EXIT_OK, st = regf_recover(w->h, w->at_root ? NULL : paths,
                                        w->at_root ? 0 : n, rep);
    int applies = 0;
    for (size_t i = 0; i < rep->nlogs; i++)
        applies |= rep->logs[i].verdict == REGF_LOG_APPLIES ||
                   rep->logs[i].verdict == REGF_LOG_APPLIED;
    if (st == REGF_OK) {
        if (o->verbose && rep->state == REGF_RECOVERY_DONE)
            cli_error("%s: recovered from its transaction logs (%u %s "
                      "replayed); sequence now %u", w->path, rep->entries,
                      rep->old_format ? "dirty pages" : "log entries",
                      rep->final_seq);
    } else if (o->force && !applies && !damaged) {
        ex = force_dirty(w, in, damaged);
    } else {
        cli_error("%s; nothing was written", regf_errmsg(w->h));
        ex = EXIT_FILE;
    }
    free(rep);
    return ex;
}

/* The rest of wr_open once the library answered RC: the dirty-hive
 * decision and the write check. */
static int wr_opened(struct whive *w, int rc, uint64_t ft,
                     const struct write_options *o)
{
    /* REGF_EDIRTY: the base block is damaged, the bins intact; only a
     * log can rebuild the header. */
    int damaged = rc == REGF_EDIRTY;
    if (rc != REGF_OK && !damaged) {
        int ex = cli_open_failed(w->path, w->h, rc);
        wr_close(w);
        return ex;
    }
    if (!w->target) {
        cli_error("%s: out of memory", w->path);
        wr_close(w);
        return EXIT_FILE;
    }
    struct regf_info in;
    regf_get_info(w->h, &in);
    if (in.dirty || damaged) {
        /* Decided before anything is edited: the newest data of the hive
         * is in its transaction logs. */
        int ex = o->recover ? recover_dirty(w, &in, damaged, o)
                 : o->force ? force_dirty(w, &in, damaged)
                            : refuse_dirty(w, &in, damaged);
        if (ex != EXIT_OK) {
            wr_close(w);
            return ex;
        }
    }
    if (!o->read_only && faccessat(w->dirfd, w->target, W_OK, 0) != 0) {
        cli_error("%s: cannot edit: %s; nothing was written", w->path,
                  strerror(errno));
        wr_close(w);
        return EXIT_FILE;
    }
    if (ft)
        regf_set_time(w->h, ft);
    return EXIT_OK;
}

int wr_open(struct whive *w, const char *path, uint64_t ft,
            const struct write_options *o)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->dirfd = AT_FDCWD;
    /* Locked from here to wr_close: no other writer starts from the
     * state read here (docs/locking.md). */
    int rc = cli_open_hive(path, REGF_OPEN_WRITE, &w->h);
    w->target = hive_target_path(path);
    return wr_opened(w, rc, ft, o);
}

int wr_open_at(struct whive *w, struct rp_root *r, const struct rp_file *f,
               const char *shown, uint64_t ft, const struct write_options *o)
{
    memset(w, 0, sizeof *w);
    w->path = shown;
    w->dirfd = AT_FDCWD;
    w->at_root = 1;
    /* A FIFO, a device, a link swapped in or a huge file is refused here,
     * before the library opens anything. */
    int rc = root_hive_check(r, f, shown);
    if (rc != EXIT_OK)
        return rc;
    /* Its folder's descriptor, held to wr_close: everything beside the
     * hive (logs, backup) is reached through it. */
    w->dirfd = fcntl(f->dir.fd, F_DUPFD_CLOEXEC, 0);
    if (w->dirfd >= 0)
        w->target = strdup(f->name);
    else
        w->dirfd = AT_FDCWD;
    rp_shown(r, f->dir.rel, NULL, w->shown_dir, sizeof w->shown_dir);
    size_t len = strlen(w->shown_dir);
    if (len + 1 < sizeof w->shown_dir)
        memcpy(w->shown_dir + len, "/", 2);
    rc = cli_open_hive_at(f->dir.fd, f->name, REGF_OPEN_WRITE, &w->h);
    return wr_opened(w, rc, ft, o);
}

/* Recovered from its logs by wr_open. */
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

/* The identity of the file at TARGET before a commit: its inode, its
 * number of names, and its NTFS metadata (volume.c). */
struct identity {
    int ok;
    struct stat st;
    struct vol_meta meta;
};

static void identity_read(int dirfd, const char *target, struct identity *id)
{
    memset(id, 0, sizeof *id);
    id->ok = vol_meta_read_at(dirfd, target, &id->meta) == 0;
    if (id->ok)
        id->st = id->meta.st;
}

/* After a commit that replaced the file (a new inode: the library's
 * replace mode, temporary file + rename), the NTFS metadata of the old
 * file is put back on the new one; what cannot be is said. A commit that
 * wrote the file in place leaves nothing to do. */
static void identity_restore(const char *shown, int dirfd,
                             const char *target, struct identity *id,
                             int verbose)
{
    struct stat now;
    if (!id->ok || fstatat(dirfd, target, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
        now.st_ino == id->st.st_ino)
        return;
    char failed[512];
    int bad = vol_meta_apply_at(dirfd, target, &id->meta,
                                VOL_STREAMS | VOL_CRTIME | VOL_SD |
                                    VOL_ATTRIB, failed, sizeof failed);
    if (bad)
        cli_error("warning: %s was replaced by a new file and could not get "
                  "back all of its NTFS metadata (%s)", shown, failed);
    else if (verbose && id->meta.n)
        cli_error("%s: replaced by a new file; its NTFS metadata (%zu "
                  "attributes) was copied to it", shown, id->meta.n);
    if (id->st.st_nlink > 1)
        cli_error("warning: %s had %lu hard links: it was replaced by a new "
                  "file, so its other names still show the old content",
                  shown, (unsigned long)id->st.st_nlink);
}

static int commit_file(regf_hive *h, int dirfd, const char *shown_dir,
                       const char *target, const char *shown, int dirty,
                       int with_logs, int at_root,
                       const struct write_options *o)
{
    struct backup b;
    int have_backup = 0;
    sigset_t old;
    cleanup_block(&old);
    if (o->backup) {
        if (backup_file(dirfd, shown_dir, target, with_logs, &b) != 0) {
            cleanup_unblock(&old, 0);
            return EXIT_FILE;
        }
        have_backup = 1;
    }
    struct identity id;
    identity_read(dirfd, target, &id);
    /* Below --root the file the handle was opened from, through its
     * folder's descriptor. */
    int rc = regf_commit(h, at_root ? NULL : target,
                         (dirty ? REGF_COMMIT_DIRTY : 0) |
                                    (o->replace ? REGF_COMMIT_REPLACE : 0));
    if (rc != REGF_OK) {
        const char *msg = regf_errdetail(h);
        cli_error("%s: %s", shown, *msg ? msg : regf_strstatus(rc));
        if (have_backup)
            backup_discard(&b);
        vol_meta_free(&id.meta);
        cleanup_unblock(&old, 0);
        return EXIT_FILE;
    }
    if (have_backup)
        backup_keep(&b);
    identity_restore(shown, dirfd, target, &id, o->verbose);
    vol_meta_free(&id.meta);
    cleanup_unblock(&old, 1);
    if (have_backup)
        backup_say(shown, &b, o->verbose);
    return EXIT_OK;
}

int wr_commit_file(regf_hive *h, const char *target, const char *shown,
                   int dirty, int with_logs, const struct write_options *o)
{
    return commit_file(h, AT_FDCWD, "", target, shown, dirty, with_logs, 0,
                       o);
}

int wr_commit(struct whive *w, const struct write_options *o)
{
    struct regf_info in;
    regf_get_info(w->h, &in);
    if (!regf_modified(w->h) && !in.dirty)
        return EXIT_OK;         /* nothing changed: the file is left alone */
    int reset = recovered(w);
    int ex = commit_file(w->h, w->dirfd, w->shown_dir, w->target, w->path,
                         in.dirty, reset, w->at_root, o);
    if (ex != EXIT_OK)
        return ex;
    /* The hive is written clean with a new TimeStamp, so its old logs can
     * no longer match it; emptying them makes that plain. */
    if (reset)
        reset_logs_at(w->dirfd, w->shown_dir, w->target);
    return EXIT_OK;
}

int reset_logs(const char *hive)
{
    return reset_logs_at(AT_FDCWD, "", hive);
}

int reset_logs_at(int dirfd, const char *shown_dir, const char *hive)
{
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    int bad = 0;
    if (find_logs_at(dirfd, hive, logs, &n) != REGF_OK) {
        cli_error("warning: %s%s: cannot list its directory to reset the "
                  "transaction logs; they are stale and Windows ignores them "
                  "beside a clean hive", shown_dir, hive);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (logs[i].size == 0)
            continue;
        /* Neither a link followed nor a FIFO waited on. */
        int fd = openat(dirfd, logs[i].path, O_WRONLY | O_CLOEXEC |
                        O_NOFOLLOW | O_NONBLOCK);
        struct stat st;
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
            close(fd);
            fd = -1;
            errno = EINVAL;
        }
        int ok = fd >= 0 && ftruncate(fd, 0) == 0 && fsync(fd) == 0;
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (!ok) {
            cli_error("warning: %s%s: cannot reset it to 0 bytes: %s (it is "
                      "stale: Windows ignores it beside the clean hive)",
                      shown_dir, logs[i].path, strerror(e));
            bad++;
        }
    }
    return bad;
}

void wr_close(struct whive *w)
{
    regf_close(w->h);
    w->h = NULL;
    if (w->dirfd != AT_FDCWD)
        close(w->dirfd);
    w->dirfd = AT_FDCWD;
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
