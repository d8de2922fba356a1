/* backup.c - copies that hivekit puts beside a file before it changes it
 * (--backup), and the two primitives every new file on the volume goes
 * through: a synced temporary copy, then a move into place that never
 * replaces anything.
 *
 * A backup is never overwritten: the first free name of HIVE.bak,
 * HIVE.bak.2 ... HIVE.bak.99 is taken. It is created mode 0600 (it holds
 * everything the hive holds, password hashes included for SAM/SECURITY),
 * gets the original's NTFS metadata where the filesystem exposes it
 * (volume.c: security descriptor, attributes, creation time, streams) and
 * its modification time. A hive that was dirty on disk is only complete
 * with its transaction logs: they are copied beside the backup under its
 * name (HIVE.bak.LOG1, ...), where `hivekit recover HIVE.bak` finds them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define BACKUP_MAX 99

int copy_to_temp(const char *src, const char *final, mode_t mode, char *tmp,
                 size_t tsize, int *cid)
{
    *cid = -1;
    if (cleanup_tmpname(final, tmp, tsize) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int in = open_file(src);
    if (in < 0)
        return -1;
    int out = mkstemp(tmp);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    *cid = cleanup_add(tmp, 0);
    (void)!fchmod(out, mode);            /* ntfs-3g may ignore it */
    char buf[65536];
    ssize_t n;
    int ok = 1;
    while (ok && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ok = 0;
        } else if (write_all(out, buf, (size_t)n) != 0) {
            ok = 0;
        }
    }
    if (ok && fsync(out) != 0)
        ok = 0;
    int e = errno;
    close(in);
    if (!ok) {
        close(out);
        unlink(tmp);
        cleanup_forget(*cid);
        *cid = -1;
        errno = e;
        return -1;
    }
    return out;
}

int place_noreplace(const char *tmp, const char *final)
{
    if (link(tmp, final) == 0) {
        unlink(tmp);
        return 0;
    }
    int e = errno;
    if (e == EEXIST)
        return EEXIST;
    /* No hard links here (FAT, some FUSE filesystems): a rename, once the
     * name is seen free. */
    struct stat st;
    if (lstat(final, &st) == 0)
        return EEXIST;
    if (rename(tmp, final) == 0)
        return 0;
    return errno ? errno : e;
}

void backup_discard(struct backup *b)
{
    for (int i = 0; i < b->nlogs; i++)
        if (b->logs[i][0])
            unlink(b->logs[i]);
    if (b->path[0])
        unlink(b->path);
    for (size_t i = 0; i < sizeof b->cid / sizeof *b->cid; i++)
        cleanup_forget(b->cid[i]);
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i < sizeof b->cid / sizeof *b->cid; i++)
        b->cid[i] = -1;
}

void backup_keep(struct backup *b)
{
    for (size_t i = 0; i < sizeof b->cid / sizeof *b->cid; i++) {
        cleanup_forget(b->cid[i]);
        b->cid[i] = -1;
    }
}

/* Copies SRC to a new file at the first free name of BASE, BASE.2 ...
 * (FIRST: the first number tried, 1 meaning BASE itself), or to exactly
 * BASE when FIRST is 0. OUT gets the name. 0, or -1 with errno. */
static int copy_new(const char *src, const char *base, int first, char *out,
                    size_t osize, int *cid)
{
    char tmp[4400];
    struct vol_meta m;
    int have_meta = vol_meta_read(src, &m) == 0;
    int fd = copy_to_temp(src, base, 0600, tmp, sizeof tmp, cid);
    if (fd < 0) {
        int e = errno;
        if (have_meta)
            vol_meta_free(&m);
        errno = e;
        return -1;
    }
    if (have_meta) {
        char failed[256];
        /* The metadata of the original; a descriptor the filesystem
         * refuses leaves the backup with the 0600 it was created with. */
        vol_meta_apply_fd(fd, &m, VOL_STREAMS | VOL_CRTIME | VOL_TIMES |
                                  VOL_SD | VOL_ATTRIB, failed, sizeof failed);
        vol_meta_free(&m);
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        cleanup_forget(*cid);
        errno = e;
        return -1;
    }
    int rc = EEXIST;
    for (int i = first; rc == EEXIST && i <= BACKUP_MAX; i++) {
        if (i > 1)
            snprintf(out, osize, "%s.%d", base, i);
        else
            snprintf(out, osize, "%s", base);
        rc = place_noreplace(tmp, out);
        if (first == 0)
            break;
    }
    if (rc != 0) {
        unlink(tmp);
        cleanup_forget(*cid);
        *cid = -1;
        errno = rc;
        return -1;
    }
    /* From here the name in place is what an interruption removes. */
    cleanup_forget(*cid);
    *cid = cleanup_add(out, 0);
    return 0;
}

/* A symbolic link among the names a backup of BASE may take (BASE, BASE.2
 * ... up to the first free one): refused, though it would only be passed
 * over - a link where hivekit writes is a sign of a hostile volume. 0, or
 * -1 with the message printed (SHOWN: the hive as the user knows it). */
static int refuse_linked_name(const char *base, const char *shown)
{
    for (int i = 1; i <= BACKUP_MAX; i++) {
        char name[4400], target[4096], sname[4400];
        struct stat st;
        if (i > 1)
            snprintf(name, sizeof name, "%s.%d", base, i);
        else
            snprintf(name, sizeof name, "%s", base);
        if (lstat(name, &st) != 0)
            return 0;           /* the free name (or unreadable: the copy
                                   will say) */
        if (!S_ISLNK(st.st_mode))
            continue;
        ssize_t n = readlink(name, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        cli_error("%s: cannot make a backup: %s is a symbolic link (to %s); "
                  "a backup is never written through a link; refused; "
                  "nothing was written", shown,
                  rp_show(name, sname, sizeof sname), target);
        return -1;
    }
    return 0;
}

int backup_file(const char *src, int with_logs, struct backup *b)
{
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i < sizeof b->cid / sizeof *b->cid; i++)
        b->cid[i] = -1;
    char base[4200];
    snprintf(base, sizeof base, "%s.bak", src);
    char shown[4400], sbase[4400];
    rp_show(src, shown, sizeof shown);
    rp_show(base, sbase, sizeof sbase);
    if (refuse_linked_name(base, shown) != 0) {
        b->path[0] = '\0';
        return -1;
    }
    if (copy_new(src, base, 1, b->path, sizeof b->path, &b->cid[0]) != 0) {
        int e = errno;
        if (e == EEXIST)
            cli_error("%s: cannot make a backup: %s and %s.2 ... %s.%d all "
                      "exist (a backup is never overwritten); nothing was "
                      "written", shown, sbase, sbase, sbase, BACKUP_MAX);
        else
            cli_error("%s: cannot make the backup %s: %s; nothing was "
                      "written", shown, sbase, strerror(e));
        b->path[0] = '\0';
        return -1;
    }
    if (!with_logs)
        return 0;
    struct regf_log logs[REGF_MAX_LOGS];
    size_t n = 0;
    if (regf_find_logs(src, logs, REGF_MAX_LOGS, &n) != REGF_OK)
        n = 0;
    if (n > REGF_MAX_LOGS)
        n = REGF_MAX_LOGS;
    for (size_t i = 0; i < n && b->nlogs < 3; i++) {
        if (logs[i].size == 0)
            continue;
        const char *slash = strrchr(logs[i].path, '/');
        const char *dot = strrchr(slash ? slash + 1 : logs[i].path, '.');
        char name[4400];
        if (snprintf(name, sizeof name, "%s%s", b->path, dot ? dot : ".LOG")
            >= (int)sizeof name)
            continue;
        if (copy_new(logs[i].path, name, 0, b->logs[b->nlogs],
                     sizeof b->logs[0], &b->cid[1 + b->nlogs]) != 0) {
            int e = errno;
            char slog[4400], sname[4400];
            cli_error("%s: cannot copy its log %s beside the backup as %s: "
                      "%s; nothing was written", shown,
                      rp_show(logs[i].path, slog, sizeof slog),
                      rp_show(name, sname, sizeof sname),
                      e == EEXIST ? "that file exists" : strerror(e));
            backup_discard(b);
            return -1;
        }
        b->nlogs++;
    }
    return 0;
}

void backup_say(const char *src, const struct backup *b, int verbose)
{
    char plain[4400], path[4400];
    snprintf(plain, sizeof plain, "%s.bak", src);
    rp_show(b->path, path, sizeof path);
    if (b->nlogs) {
        char names[3 * 4400] = "";
        for (int i = 0; i < b->nlogs; i++) {
            size_t len = strlen(names);
            char one[4400];
            snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                     rp_show(b->logs[i], one, sizeof one));
        }
        cli_error("%s: backup %s is the hive as it was on disk (dirty); its "
                  "transaction logs are kept beside it (%s): `hivekit recover "
                  "%s` replays them", src, path, names, path);
    } else if (strcmp(plain, path) != 0) {
        cli_error("%s: %s exists (a backup is never overwritten): the "
                  "previous file is kept as %s", src, plain, path);
    } else if (verbose) {
        cli_error("%s: the previous file is kept as %s", src, path);
    }
}
