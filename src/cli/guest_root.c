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

int root_find(const char *root, const char *rel, char *out, size_t size,
              int mkdirs)
{
    char cur[4096];
    snprintf(cur, sizeof cur, "%s", root);
    const char *p = rel;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char want[256];
        if (n == 0 || n >= sizeof want)
            return -1;
        memcpy(want, p, n);
        want[n] = '\0';
        DIR *d = opendir(cur);
        if (!d)
            return -1;
        struct dirent *de;
        char found[256] = "";
        while ((de = readdir(d)) != NULL)
            if (strcasecmp(de->d_name, want) == 0) {
                snprintf(found, sizeof found, "%s", de->d_name);
                break;
            }
        closedir(d);
        size_t len = strlen(cur);
        if (!found[0]) {
            if (!mkdirs)
                return -1;
            if (snprintf(cur + len, sizeof cur - len, "/%s", want) >=
                (int)(sizeof cur - len) || mkdir(cur, 0755) != 0)
                return -1;
        } else if (snprintf(cur + len, sizeof cur - len, "/%s", found) >=
                   (int)(sizeof cur - len)) {
            return -1;
        }
        p += n;
        if (*p == '/')
            p++;
    }
    snprintf(out, size, "%s", cur);
    return 0;
}

int root_hibernated(const char *root, char *path, size_t size)
{
    if (root_find(root, "hiberfil.sys", path, size, 0) != 0)
        return 0;
    unsigned char sig[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
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

static int same_content(const char *a, const char *b)
{
    uint64_t ha, hb, na, nb;
    if (file_fingerprint(a, &ha, &na) != 0 || file_fingerprint(b, &hb, &nb))
        return 0;
    if (ha != hb || na != nb)
        return 0;
    /* Equal fingerprints: compare the bytes to be sure. */
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        unsigned char x[65536], y[65536];
        size_t ka = fread(x, 1, sizeof x, fa), kb = fread(y, 1, sizeof y, fb);
        if (ka != kb || memcmp(x, y, ka) != 0)
            same = 0;
        if (ka == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

void stage_init(struct stage *s, int dry_run)
{
    memset(s, 0, sizeof *s);
    s->dry_run = dry_run;
    for (int i = 0; i < STAGE_MAX_DIRS; i++)
        s->dir_cid[i] = -1;
}

void stage_sibling(struct stage *s, const char *dir)
{
    if (s->sd_from[0])
        return;
    if (root_find(dir, "disk.sys", s->sd_from, sizeof s->sd_from, 0) == 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcasecmp(de->d_name + n - 4, ".sys") == 0) {
            snprintf(s->sd_from, sizeof s->sd_from, "%s/%s", dir, de->d_name);
            break;
        }
    }
    closedir(d);
}

int stage_dir(struct stage *s, const char *root, const char *rel, char *out,
              size_t size)
{
    if (root_find(root, rel, out, size, 0) == 0)
        return EXIT_OK;
    /* The deepest part that exists, then one folder at a time, each with
     * the descriptor of the folder it is made in. */
    char cur[4096], part[4096];
    snprintf(cur, sizeof cur, "%s", root);
    const char *p = rel;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        char found[4096];
        if (root_find(cur, part, found, sizeof found, 0) == 0) {
            snprintf(cur, sizeof cur, "%s", found);
        } else {
            char parent[4096];
            snprintf(parent, sizeof parent, "%s", cur);
            size_t len = strlen(cur);
            if (snprintf(cur + len, sizeof cur - len, "/%s", part) >=
                (int)(sizeof cur - len)) {
                cli_error("%s/%s: path too long", root, rel);
                return EXIT_FILE;
            }
            if (s->dry_run) {
                /* Said once, however many drivers go there. */
                int said = 0;
                for (int i = 0; i < s->nsaid && !said; i++)
                    said = strcmp(s->said[i], cur) == 0;
                if (!said) {
                    fprintf(stderr, "hivekit: would create the folder %s\n",
                            cur);
                    if (s->nsaid < STAGE_MAX_DIRS)
                        snprintf(s->said[s->nsaid++], sizeof s->said[0], "%s",
                                 cur);
                }
            } else {
                if (s->ndirs >= STAGE_MAX_DIRS || mkdir(cur, 0755) != 0) {
                    cli_error("%s: cannot create the folder: %s; nothing was "
                              "changed", cur, strerror(errno));
                    return EXIT_FILE;
                }
                snprintf(s->dirs[s->ndirs], sizeof s->dirs[0], "%s", cur);
                s->dir_cid[s->ndirs] = cleanup_add(cur, 1);
                s->ndirs++;
                int fd = open(cur, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                    if (vol_copy_sd(parent, fd) < 0)
                        cli_error("warning: %s: cannot give it the security "
                                  "descriptor of %s: %s", cur, parent,
                                  strerror(errno));
                    close(fd);
                }
            }
        }
        p += n;
        if (*p == '/')
            p++;
    }
    snprintf(out, size, "%s", cur);
    return EXIT_OK;
}

int stage_add(struct stage *s, const char *src, const char *dir,
              const char *name)
{
    if (s->n >= STAGE_MAX_FILES) {
        cli_error("%s: too many files to copy", src);
        return EXIT_FILE;
    }
    struct stage_file *f = &s->f[s->n];
    memset(f, 0, sizeof *f);
    f->cid = -1;
    snprintf(f->src, sizeof f->src, "%s", src);
    if (file_fingerprint(src, &f->hash, &f->size) != 0) {
        cli_error("%s: cannot read: %s", src, strerror(errno));
        return EXIT_FILE;
    }
    char existing[4300];
    if (root_find(dir, name, existing, sizeof existing, 0) == 0) {
        struct stat st;
        if (stat(existing, &st) != 0 || !S_ISREG(st.st_mode)) {
            cli_error("%s: is not a regular file; nothing was changed",
                      existing);
            return EXIT_FILE;
        }
        snprintf(f->final, sizeof f->final, "%s", existing);
        if (same_content(src, existing)) {
            f->same = 1;
            s->n++;
            return EXIT_OK;                  /* already there */
        }
        f->exists = 1;
    } else {
        snprintf(f->final, sizeof f->final, "%s/%s", dir, name);
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
    if (f->exists && backup_file(f->final, 0, &f->bak) != 0)
        return EXIT_FILE;
    f->have_bak = f->exists;
    int fd = copy_to_temp(src, f->final, 0644, f->tmp, sizeof f->tmp, &f->cid);
    if (fd < 0) {
        cli_error("%s: cannot copy %s beside it: %s; nothing was changed",
                  f->final, src, strerror(errno));
        if (f->have_bak)
            backup_discard(&f->bak);
        return EXIT_FILE;
    }
    /* The descriptor it will have: the replaced file's, or a sibling's
     * (a new file would get the volume's default, often Everyone: full
     * control, letting any user replace a boot-start driver). */
    const char *from = f->exists ? f->final : s->sd_from[0] ? s->sd_from
                                                             : NULL;
    if (from && vol_copy_sd(from, fd) < 0)
        cli_error("warning: %s: cannot give it the security descriptor of "
                  "%s: %s", f->final, from, strerror(errno));
    if (close(fd) != 0) {
        cli_error("%s: cannot write: %s; nothing was changed", f->tmp,
                  strerror(errno));
        unlink(f->tmp);
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
            rc = rename(f->tmp, f->final) == 0 ? 0 : errno;
        else
            rc = place_noreplace(f->tmp, f->final);
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
                printf("replaced %s (the previous file is kept as %s)\n",
                       f->final, f->bak.path);
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
            unlink(f->tmp);
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

void root_leftovers(const char *root, int remove_ours)
{
    static const char *const dirs[] = { "Windows/System32/config",
                                        "Windows/System32/drivers",
                                        "Windows/Drivers/VirtIO" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char dir[4096];
        if (root_find(root, dirs[i], dir, sizeof dir, 0) == 0)
            cleanup_leftovers(dir, remove_ours);
    }
}

int root_lock(const char *root)
{
    char dir[4096];
    if (root_find(root, "Windows/System32/config", dir, sizeof dir, 0) != 0)
        return -2;                 /* no such folder: find_root_hives says */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -2;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            cli_error("%s: another hivekit run is working on this Windows "
                      "volume; wait for it to finish; nothing was changed",
                      root);
            close(fd);
            return -1;
        }
        /* No locks on this filesystem: work unlocked. */
    }
    return fd;
}

void root_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
