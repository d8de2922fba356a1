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
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define BACKUP_MAX 99

/* mkstemp in the folder DIRFD: TMPL ends in XXXXXX, replaced by the name
 * made (O_CREAT | O_EXCL, so nothing there is ever opened). */
static int mkstemp_at(int dirfd, char *tmpl)
{
    static const char set[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static unsigned long seq;
    size_t n = strlen(tmpl);
    if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long v = (unsigned long long)ts.tv_nsec ^
                           ((unsigned long long)ts.tv_sec << 20) ^
                           ((unsigned long long)getpid() << 40);
    for (int tries = 0; tries < 1000; tries++) {
        v = v * 6364136223846793005ULL + 1442695040888963407ULL + ++seq;
        unsigned long long x = v >> 16;
        for (int i = 0; i < 6; i++) {
            tmpl[n - 6 + i] = set[x % (sizeof set - 1)];
            x /= sizeof set - 1;
        }
        int fd = openat(dirfd, tmpl, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
                        O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int copy_to_temp(int in, int dirfd, const char *shown_dir, const char *final,
                 mode_t mode, char *tmp, size_t tsize, int *cid)
{
    *cid = -1;
    if (cleanup_tmpname(final, tmp, tsize) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int out = mkstemp_at(dirfd, tmp);
    if (out < 0)
        return -1;
    *cid = cleanup_add_at(dirfd, shown_dir, tmp, 0);
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
    if (!ok) {
        int e = errno;
        close(out);
        unlinkat(dirfd, tmp, 0);
        cleanup_forget(*cid);
        *cid = -1;
        errno = e;
        return -1;
    }
    return out;
}

int place_noreplace(const char *tmp, const char *final)
{
    return place_noreplace_at(AT_FDCWD, tmp, final);
}

int place_noreplace_at(int dirfd, const char *tmp, const char *final)
{
    if (linkat(dirfd, tmp, dirfd, final, 0) == 0) {
        unlinkat(dirfd, tmp, 0);
        return 0;
    }
    int e = errno;
    if (e == EEXIST)
        return EEXIST;
    /* No hard links here (FAT, some FUSE filesystems): a rename, once the
     * name is seen free. */
    struct stat st;
    if (fstatat(dirfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return EEXIST;
    if (renameat(dirfd, tmp, dirfd, final) == 0)
        return 0;
    return errno ? errno : e;
}

void backup_discard(struct backup *b)
{
    for (int i = 0; i < b->nlogs; i++)
        if (b->logs[i][0])
            unlinkat(b->dirfd, b->logs[i], 0);
    if (b->path[0])
        unlinkat(b->dirfd, b->path, 0);
    for (size_t i = 0; i < sizeof b->cid / sizeof *b->cid; i++)
        cleanup_forget(b->cid[i]);
    int dirfd = b->dirfd;
    const char *shown_dir = b->shown_dir;
    memset(b, 0, sizeof *b);
    b->dirfd = dirfd;
    b->shown_dir = shown_dir;
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

/* Copies SRC (in the folder DIRFD, SHOWN_DIR in messages) to a new file
 * there at the first free name of BASE, BASE.2 ... (FIRST: the first
 * number tried, 1 meaning BASE itself), or to exactly BASE when FIRST is
 * 0. OUT gets the name. 0, or -1 with errno. */
static int copy_new(int dirfd, const char *shown_dir, const char *src,
                    const char *base, int first, char *out, size_t osize,
                    int *cid)
{
    char tmp[4400];
    struct vol_meta m;
    int have_meta = vol_meta_read_at(dirfd, src, &m) == 0;
    int in = open_file_at(dirfd, src);
    int fd = in < 0 ? -1 : copy_to_temp(in, dirfd, shown_dir, base, 0600,
                                        tmp, sizeof tmp, cid);
    if (fd < 0) {
        int e = errno;
        if (in >= 0)
            close(in);
        if (have_meta)
            vol_meta_free(&m);
        errno = e;
        return -1;
    }
    close(in);
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
        unlinkat(dirfd, tmp, 0);
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
        rc = place_noreplace_at(dirfd, tmp, out);
        if (first == 0)
            break;
    }
    if (rc != 0) {
        unlinkat(dirfd, tmp, 0);
        cleanup_forget(*cid);
        *cid = -1;
        errno = rc;
        return -1;
    }
    /* From here the name in place is what an interruption removes. */
    cleanup_forget(*cid);
    *cid = cleanup_add_at(dirfd, shown_dir, out, 0);
    return 0;
}

/* A symbolic link among the names a backup of BASE may take (BASE, BASE.2
 * ... up to the first free one): refused, though it would only be passed
 * over - a link where hivekit writes is a sign of a hostile volume. 0, or
 * -1 with the message printed (SHOWN: the hive as the user knows it). */
static int refuse_linked_name(int dirfd, const char *shown_dir,
                              const char *base, const char *shown)
{
    for (int i = 1; i <= BACKUP_MAX; i++) {
        char name[4400], target[4096];
        struct stat st;
        if (i > 1)
            snprintf(name, sizeof name, "%s.%d", base, i);
        else
            snprintf(name, sizeof name, "%s", base);
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return 0;           /* the free name (or unreadable: the copy
                                   will say) */
        if (!S_ISLNK(st.st_mode))
            continue;
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        cli_error("%s: cannot make a backup: %s%s is a symbolic link (to "
                  "%s); a backup is never written through a link; refused; "
                  "nothing was written", shown, shown_dir, name, target);
        return -1;
    }
    return 0;
}

int backup_file(int dirfd, const char *shown_dir, const char *src,
                int with_logs, struct backup *b)
{
    memset(b, 0, sizeof *b);
    b->dirfd = dirfd;
    b->shown_dir = shown_dir;
    for (size_t i = 0; i < sizeof b->cid / sizeof *b->cid; i++)
        b->cid[i] = -1;
    char base[4200];
    snprintf(base, sizeof base, "%s.bak", src);
    char shown[4400], sbase[4400];
    snprintf(shown, sizeof shown, "%s%s", shown_dir, src);
    snprintf(sbase, sizeof sbase, "%s%s", shown_dir, base);
    if (refuse_linked_name(dirfd, shown_dir, base, shown) != 0) {
        b->path[0] = '\0';
        return -1;
    }
    if (copy_new(dirfd, shown_dir, src, base, 1, b->path, sizeof b->path,
                 &b->cid[0]) != 0) {
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
    if (find_logs_at(dirfd, src, logs, &n) != REGF_OK)
        n = 0;
    for (size_t i = 0; i < n && b->nlogs < 3; i++) {
        if (logs[i].size == 0)
            continue;
        const char *slash = strrchr(logs[i].path, '/');
        const char *dot = strrchr(slash ? slash + 1 : logs[i].path, '.');
        char name[4400];
        if (snprintf(name, sizeof name, "%s%s", b->path, dot ? dot : ".LOG")
            >= (int)sizeof name)
            continue;
        if (copy_new(dirfd, shown_dir, logs[i].path, name, 0,
                     b->logs[b->nlogs], sizeof b->logs[0],
                     &b->cid[1 + b->nlogs]) != 0) {
            int e = errno;
            cli_error("%s: cannot copy its log %s%s beside the backup as "
                      "%s%s: %s; nothing was written", shown, shown_dir,
                      logs[i].path, shown_dir, name,
                      e == EEXIST ? "that file exists" : strerror(e));
            backup_discard(b);
            return -1;
        }
        b->nlogs++;
    }
    return 0;
}

int find_logs_at(int dirfd, const char *name, struct regf_log *logs,
                 size_t *n)
{
    /* AT_FDCWD: NAME is a path, and so are the logs' */
    int rc = dirfd == AT_FDCWD
                 ? regf_find_logs(name, logs, REGF_MAX_LOGS, n)
                 : regf_find_logs_at(dirfd, name, logs, REGF_MAX_LOGS, n);
    if (rc != REGF_OK)
        *n = 0;
    else if (*n > REGF_MAX_LOGS)
        *n = REGF_MAX_LOGS;
    return rc;
}

void backup_say(const char *src, const struct backup *b, int verbose)
{
    char plain[4400], path[4400];
    snprintf(plain, sizeof plain, "%s.bak", src);
    snprintf(path, sizeof path, "%s%s", b->shown_dir, b->path);
    if (b->nlogs) {
        char names[3 * 4400] = "";
        for (int i = 0; i < b->nlogs; i++) {
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s%s", i ? ", " : "",
                     b->shown_dir, b->logs[i]);
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
