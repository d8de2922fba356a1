/* guest_root.c - a mounted Windows volume (`inject --root DIR`): finding
 * files whatever the case of their names, telling whether Windows is
 * hibernated, and putting driver files into it safely.
 *
 * Driver files are staged: each is copied to a temporary name beside its
 * destination (synced, with the security descriptor it will have) before
 * any hive is written; only once the hives are committed are they moved
 * into place. A file of that name with other content is kept as a backup
 * (NAME.bak, never overwritten), not silently replaced. On any failure
 * before that, the staged files, the backups and the folders made for
 * them are removed again, so the volume is as it was. */
#include <dirent.h>
#include <signal.h>
#include <sys/file.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int root_find(const char *dir, const char *name, char *out, size_t size)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char found[256];
    int rc = rp_lookup(fd, name, found, sizeof found);
    close(fd);
    if (rc != 0 || snprintf(out, size, "%s/%s", dir, found) >= (int)size)
        return -1;
    return 0;
}

int root_hibernated(struct rp_root *r, char *path, size_t size)
{
    struct rp_dir top;
    struct rp_file f;
    if (rp_dir_open(r, "", 0, &top) != RP_OK)
        return -1;
    int rc = rp_file_find(r, &top, "hiberfil.sys", &f);
    rp_dir_close(&top);
    if (rc != RP_OK)
        return -1;
    int fd;
    rp_shown(r, f.dir.rel, f.name, path, size);
    rc = f.exists ? rp_file_open(r, &f, O_RDONLY, &fd) : RP_MISSING;
    rp_dir_close(&f.dir);
    if (rc == RP_MISSING)
        return 0;
    if (rc != RP_OK)
        return -1;
    unsigned char sig[4];
    ssize_t n = read(fd, sig, sizeof sig);
    close(fd);
    /* "hibr"/"HIBR": a hibernation image (also written by Fast Startup);
     * "wake" or zeros: resumed or no image. ntfs-3g uses the same test. */
    return n == 4 && strncasecmp((const char *)sig, "hibr", 4) == 0;
}

/* ---- staging driver files ---------------------------------------------------- */

/* FNV-1a 64 of the file at PATH and its size; 0 or -1 (errno). Only to
 * recognise a file hivekit wrote (undo), not a security measure. */
int file_fingerprint(const char *path, uint64_t *hash, uint64_t *size)
{
    return file_fingerprint_at(AT_FDCWD, path, hash, size);
}

int file_fingerprint_at(int dirfd, const char *name, uint64_t *hash,
                        uint64_t *size)
{
    int fd = open_file_at(dirfd, name);
    if (fd < 0)
        return -1;
    uint64_t h = 0xcbf29ce484222325ull, n = 0;
    unsigned char buf[65536];
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        for (ssize_t i = 0; i < k; i++) {
            h ^= buf[i];
            h *= 0x100000001b3ull;
        }
        n += (uint64_t)k;
    }
    close(fd);
    *hash = h;
    *size = n;
    return 0;
}

/* The file A (a path) and the file B in the folder BDIR hold the same. */
static int same_content(const char *a, int bdir, const char *b)
{
    uint64_t ha, hb, na, nb;
    if (file_fingerprint(a, &ha, &na) != 0 ||
        file_fingerprint_at(bdir, b, &hb, &nb))
        return 0;
    if (ha != hb || na != nb)
        return 0;
    /* Equal fingerprints: compare the bytes to be sure. */
    int fa = open_file(a), fb = open_file_at(bdir, b);
    int same = fa >= 0 && fb >= 0;
    while (same) {
        unsigned char x[65536], y[65536];
        ssize_t ka = read(fa, x, sizeof x), kb = read(fb, y, sizeof y);
        if (ka < 0 || ka != kb || memcmp(x, y, (size_t)ka) != 0)
            same = 0;
        if (ka <= 0)
            break;
    }
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    return same;
}

void stage_init(struct stage *s, struct rp_root *root, int dry_run)
{
    memset(s, 0, sizeof *s);
    s->root = root;
    s->dry_run = dry_run;
    s->sd_dirfd = -1;
    for (int i = 0; i < STAGE_MAX_DIRS; i++)
        s->dir_cid[i] = -1;
}

/* The sibling NAME in DIR is the one whose descriptor new files get. */
static int sd_sibling(struct stage *s, const struct rp_dir *dir,
                      const char *name)
{
    s->sd_dirfd = fcntl(dir->fd, F_DUPFD_CLOEXEC, 0);
    if (s->sd_dirfd < 0)
        return -1;
    snprintf(s->sd_name, sizeof s->sd_name, "%s", name);
    rp_shown(s->root, dir->rel, name, s->sd_shown, sizeof s->sd_shown);
    return 0;
}

void stage_sibling(struct stage *s, const struct rp_dir *dir)
{
    if (s->sd_dirfd >= 0)
        return;
    struct rp_file f;
    if (rp_file_find(s->root, dir, "disk.sys", &f) == RP_OK) {
        int ok = f.exists && sd_sibling(s, &f.dir, f.name) == 0;
        rp_dir_close(&f.dir);
        if (ok)
            return;
    }
    int fd = fcntl(dir->fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        struct stat st;
        if (n > 4 && strcasecmp(de->d_name + n - 4, ".sys") == 0 &&
            fstatat(dir->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode)) {
            sd_sibling(s, dir, de->d_name);
            break;
        }
    }
    closedir(d);
}

/* The folder made as NAME in PARENT (now NEW): on the list of folders the
 * run made, its descriptor from PARENT. */
static int stage_made(struct stage *s, const struct rp_dir *parent,
                      const char *name, const struct rp_dir *made)
{
    char in[4400];
    if (s->ndirs >= STAGE_MAX_DIRS) {
        unlinkat(parent->fd, name, AT_REMOVEDIR);
        cli_error("%s/%s: too many folders to make; nothing was changed",
                  s->root->path, made->rel);
        return EXIT_FILE;
    }
    rp_shown(s->root, made->rel, NULL, s->dirs[s->ndirs], sizeof s->dirs[0]);
    rp_shown(s->root, parent->rel, "", in, sizeof in);
    s->dir_cid[s->ndirs] = cleanup_add_at(parent->fd, in, name, 1);
    s->ndirs++;
    if (vol_copy_sd_fd(parent->fd, made->fd) < 0)
        cli_error("warning: %s: cannot give it the security descriptor of "
                  "the folder it is in: %s", s->dirs[s->ndirs - 1],
                  strerror(errno));
    return EXIT_OK;
}

int stage_dir(struct stage *s, const char *rel, struct rp_dir *out)
{
    struct rp_root *r = s->root;
    struct rp_dir cur;
    out->fd = -1;
    snprintf(out->rel, sizeof out->rel, "%s", rel);
    if (rp_dir_open(r, "", 0, &cur) != RP_OK) {
        cli_error("%s", r->err);
        return EXIT_FILE;
    }
    /* The deepest part that exists, then one folder at a time, each with
     * the descriptor of the folder it is made in. */
    const char *p = rel;
    while (*p) {
        size_t n = strcspn(p, "/");
        char part[256];
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        p += n;
        if (*p == '/')
            p++;
        struct rp_dir next;
        int created = 0;
        int rc = rp_dir_step(r, &cur, part, 0, &next, NULL);
        if (rc == RP_MISSING && s->dry_run) {
            /* This folder and the ones below it would be made: each said
             * once, however many drivers go there. */
            char shown[4400];
            rp_shown(r, cur.rel, part, shown, sizeof shown);
            for (;;) {
                int said = 0;
                for (int i = 0; i < s->nsaid && !said; i++)
                    said = strcmp(s->said[i], shown) == 0;
                if (!said) {
                    fprintf(stderr, "hivekit: would create the folder %s\n",
                            shown);
                    if (s->nsaid < STAGE_MAX_DIRS)
                        snprintf(s->said[s->nsaid++], sizeof s->said[0],
                                 "%s", shown);
                }
                if (!*p)
                    break;
                n = strcspn(p, "/");
                size_t len = strlen(shown);
                snprintf(shown + len, sizeof shown - len, "/%.*s", (int)n, p);
                p += n;
                if (*p == '/')
                    p++;
            }
            rp_dir_close(&cur);
            return EXIT_OK;             /* OUT->fd -1: would be made */
        }
        if (rc == RP_MISSING)
            rc = rp_dir_step(r, &cur, part, 1, &next, &created);
        if (rc != RP_OK) {
            cli_error("%s; nothing was changed", rc == RP_MISSING ?
                      "a folder vanished while being made" : r->err);
            rp_dir_close(&cur);
            return EXIT_FILE;
        }
        if (created && stage_made(s, &cur, part, &next) != EXIT_OK) {
            rp_dir_close(&next);
            rp_dir_close(&cur);
            return EXIT_FILE;
        }
        rp_dir_close(&cur);
        cur = next;
    }
    *out = cur;
    return EXIT_OK;
}

int stage_add(struct stage *s, const char *src, const struct rp_dir *dir,
              const char *name)
{
    if (s->n >= STAGE_MAX_FILES) {
        cli_error("%s: too many files to copy", src);
        return EXIT_FILE;
    }
    struct stage_file *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    f->cid = -1;
    f->dirfd = -1;
    snprintf(f->src, sizeof f->src, "%s", src);
    if (file_fingerprint(src, &f->hash, &f->size) != 0) {
        cli_error("%s: cannot read: %s", src, strerror(errno));
        return EXIT_FILE;
    }
    if (dir->fd < 0) {                  /* a dry run: the folder is not made */
        rp_shown(s->root, dir->rel, name, f->final, sizeof f->final);
        fprintf(stderr, "hivekit: would copy %s to %s\n", src, f->final);
        s->n++;
        return EXIT_OK;
    }
    struct rp_file file;
    if (rp_file_find(s->root, dir, name, &file) != RP_OK) {
        cli_error("%s; nothing was changed", s->root->err);
        return EXIT_FILE;
    }
    rp_shown(s->root, file.dir.rel, file.name, f->final, sizeof f->final);
    rp_shown(s->root, file.dir.rel, "", f->shown_dir, sizeof f->shown_dir);
    snprintf(f->name, sizeof f->name, "%s", file.name);
    int fd = -1, rc = file.exists ? rp_file_open(s->root, &file, O_RDONLY, &fd)
                                  : RP_MISSING;
    if (fd >= 0)
        close(fd);
    /* Its folder's descriptor, held from here: everything done to the
     * file goes through it. */
    f->dirfd = file.dir.fd;
    file.dir.fd = -1;
    rp_dir_close(&file.dir);
    if (rc == RP_REFUSED) {
        cli_error("%s; nothing was changed", s->root->err);
        return EXIT_FILE;
    }
    if (rc == RP_OK) {
        if (same_content(src, f->dirfd, f->name)) {
            f->same = 1;
            s->n++;
            return EXIT_OK;                  /* already there */
        }
        f->exists = 1;
    }
    if (s->dry_run) {
        if (f->exists)
            fprintf(stderr, "hivekit: would replace %s with %s (its content "
                    "differs; it would be kept as a backup)\n", f->final, src);
        else
            fprintf(stderr, "hivekit: would copy %s to %s\n", src, f->final);
        s->n++;
        return EXIT_OK;
    }
    /* A replaced file's backup is made now, before anything changes. */
    if (f->exists && backup_file(f->dirfd, f->shown_dir, f->name, 0,
                                 &f->bak) != 0)
        return EXIT_FILE;
    f->have_bak = f->exists;
    int in = open_file(src);
    fd = in < 0 ? -1 : copy_to_temp(in, f->dirfd, f->shown_dir, f->name,
                                    0644, f->tmp, sizeof f->tmp, &f->cid);
    if (fd < 0) {
        int e = errno;
        if (in >= 0)
            close(in);
        cli_error("%s: cannot copy %s beside it: %s; nothing was changed",
                  f->final, src, strerror(e));
        if (f->have_bak)
            backup_discard(&f->bak);
        return EXIT_FILE;
    }
    close(in);
    /* The descriptor it will have: the replaced file's, or a sibling's
     * (a new file would get the volume's default, often Everyone: full
     * control, letting any user replace a boot-start driver). */
    int rc_sd = 0;
    char from[4400] = "";
    if (f->exists) {
        snprintf(from, sizeof from, "%s", f->final);
        rc_sd = vol_copy_sd_at(f->dirfd, f->name, fd);
    } else if (s->sd_dirfd >= 0) {
        snprintf(from, sizeof from, "%s", s->sd_shown);
        rc_sd = vol_copy_sd_at(s->sd_dirfd, s->sd_name, fd);
    }
    if (rc_sd < 0)
        cli_error("warning: %s: cannot give it the security descriptor of "
                  "%s: %s", f->final, from, strerror(errno));
    if (close(fd) != 0) {
        cli_error("%s%s: cannot write: %s; nothing was changed",
                  f->shown_dir, f->tmp, strerror(errno));
        unlinkat(f->dirfd, f->tmp, 0);
        cleanup_forget(f->cid);
        f->cid = -1;
        if (f->have_bak)
            backup_discard(&f->bak);
        return EXIT_FILE;
    }
    f->staged = 1;
    s->n++;
    return EXIT_OK;
}

int stage_changes(const struct stage *s)
{
    int n = s->ndirs;
    for (int i = 0; i < s->n; i++)
        n += !s->f[i].same;
    return n;
}

int stage_place(struct stage *s)
{
    int placed = 0, failed = -1, err = 0;
    for (int i = 0; i < s->n; i++) {
        struct stage_file *f = &s->f[i];
        if (!f->staged)
            continue;
        int rc;
        if (f->exists)
            rc = renameat(f->dirfd, f->tmp, f->dirfd, f->name) == 0 ? 0
                                                                    : errno;
        else
            rc = place_noreplace_at(f->dirfd, f->tmp, f->name);
        if (rc != 0) {
            failed = i;
            err = rc;
            break;
        }
        cleanup_forget(f->cid);
        f->cid = -1;
        f->staged = 0;
        f->placed = 1;
        if (f->have_bak)
            backup_keep(&f->bak);
        placed++;
    }
    if (failed < 0) {
        for (int i = 0; i < s->ndirs; i++) {
            cleanup_forget(s->dir_cid[i]);
            s->dir_cid[i] = -1;
        }
        for (int i = 0; i < s->n; i++) {
            const struct stage_file *f = &s->f[i];
            if (f->placed && f->have_bak)
                printf("replaced %s (the previous file is kept as %s%s)\n",
                       f->final, f->bak.shown_dir, f->bak.path);
            else if (f->placed)
                printf("copied %s to %s\n", f->src, f->final);
        }
        s->done = 1;
        return EXIT_OK;
    }
    /* Hardly possible (the data is on the volume, only a name is given):
     * say exactly what is where. */
    for (int i = 0; i < s->n; i++) {
        const struct stage_file *f = &s->f[i];
        if (f->placed)
            cli_error("%s: in place", f->final);
    }
    cli_error("%s: cannot put it in place: %s; it and the driver files after "
              "it were not copied (their temporary copies are removed)",
              s->f[failed].final, strerror(err));
    s->done = placed > 0;
    return EXIT_PARTIAL;
}

void stage_abort(struct stage *s)
{
    for (int i = 0; i < s->n; i++) {
        struct stage_file *f = &s->f[i];
        if (f->staged) {
            unlinkat(f->dirfd, f->tmp, 0);
            cleanup_forget(f->cid);
            f->staged = 0;
        }
        if (f->have_bak && !f->placed) {
            backup_discard(&f->bak);
            f->have_bak = 0;
        }
    }
    if (s->done)
        return;
    for (int i = s->ndirs - 1; i >= 0; i--) {
        if (s->dir_cid[i] >= 0)
            cleanup_remove(s->dir_cid[i]);
        s->dir_cid[i] = -1;
    }
    s->ndirs = 0;
}

void root_leftovers(struct rp_root *r, int remove_ours)
{
    static const char *const dirs[] = { "Windows/System32/config",
                                        "Windows/System32/drivers",
                                        "Windows/Drivers/VirtIO" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        struct rp_dir d;
        char shown[4400];
        if (rp_dir_open(r, dirs[i], 0, &d) != RP_OK)
            continue;
        rp_shown(r, d.rel, "", shown, sizeof shown);
        cleanup_leftovers_at(d.fd, shown, remove_ours);
        rp_dir_close(&d);
    }
}

int root_lock(struct rp_root *r)
{
    struct rp_dir d;
    int rc = rp_dir_open(r, "Windows/System32/config", 0, &d);
    if (rc == RP_MISSING)
        return -2;                 /* no such folder: find_root_hives says */
    if (rc != RP_OK) {
        cli_error("%s; nothing was changed", r->err);
        return -1;
    }
    if (flock(d.fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            cli_error("%s: another hivekit run is working on this Windows "
                      "volume; wait for it to finish; nothing was changed",
                      r->path);
            rp_dir_close(&d);
            return -1;
        }
        /* No locks on this filesystem: work unlocked. */
    }
    return d.fd;
}

void root_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

int root_hives(struct rp_root *r, struct rp_file *sysf, struct rp_file *softf)
{
    struct rp_dir config;
    int rc = rp_dir_open(r, "Windows/System32/config", 0, &config);
    if (rc != RP_OK)
        return rc;
    rc = rp_file_find(r, &config, "SYSTEM", sysf);
    if (rc == RP_OK && !sysf->exists) {
        rp_dir_close(&sysf->dir);
        rc = RP_MISSING;
    }
    if (rc == RP_OK && rp_file_find(r, &config, "SOFTWARE", softf) != RP_OK) {
        rp_dir_close(&sysf->dir);
        rc = RP_REFUSED;
    }
    rp_dir_close(&config);
    return rc;
}

int root_hive_check(struct rp_root *r, const struct rp_file *f,
                    const char *shown)
{
    int fd, rc = rp_file_open(r, f, O_RDONLY, &fd);
    if (rc != RP_OK) {
        cli_error("%s; nothing was changed", rc == RP_MISSING ?
                  "the hive vanished" : r->err);
        return EXIT_FILE;
    }
    struct stat st;
    int ok = fstat(fd, &st) == 0;
    int e = errno;
    close(fd);
    if (!ok) {
        cli_error("%s: cannot stat: %s; nothing was changed", shown,
                  strerror(e));
        return EXIT_FILE;
    }
    if ((uint64_t)st.st_size > REGF_MAX_HIVE_SIZE) {
        cli_error("%s: %llu bytes, over the %llu-byte limit for a hive file "
                  "on a guest volume; refused; nothing was changed", shown,
                  (unsigned long long)st.st_size,
                  (unsigned long long)REGF_MAX_HIVE_SIZE);
        return EXIT_FILE;
    }
    return EXIT_OK;
}
