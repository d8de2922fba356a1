/* guest_root.c - a mounted Windows volume (`inject --root DIR`): finding
 * files whatever the case of their names, telling whether Windows is
 * hibernated, and copying driver files into it safely. */
#include <dirent.h>
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

static int same_file_content(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        unsigned char x[65536], y[65536];
        size_t na = fread(x, 1, sizeof x, fa), nb = fread(y, 1, sizeof y, fb);
        if (na != nb || memcmp(x, y, na) != 0)
            same = 0;
        if (na == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

int root_copy(const char *src, const char *dir, const char *name, int dry_run)
{
    char dst[4200], tmp[4300];
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    /* An existing file of that name, whatever its case. */
    char existing[4200];
    char rel[300];
    snprintf(rel, sizeof rel, "%s", name);
    if (root_find(dir, rel, existing, sizeof existing, 0) == 0) {
        if (same_file_content(src, existing))
            return 0;                    /* already there */
        printf("replacing %s (its content differs from %s)\n", existing, src);
        snprintf(dst, sizeof dst, "%s", existing);
    } else {
        printf("copying %s to %s\n", src, dst);
    }
    if (dry_run)
        return 0;
    snprintf(tmp, sizeof tmp, "%s.hivekit-tmp", dst);
    FILE *in = fopen(src, "rb");
    if (!in) {
        cli_error("%s: cannot read: %s", src, strerror(errno));
        return EXIT_FILE;
    }
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        cli_error("%s: cannot create: %s", tmp, strerror(errno));
        fclose(in);
        return EXIT_FILE;
    }
    unsigned char buf[65536];
    size_t n;
    int ok = 1;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            ok = 0;
    if (ferror(in))
        ok = 0;
    fclose(in);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        ok = 0;
    if (fclose(out) != 0)
        ok = 0;
    if (!ok || rename(tmp, dst) != 0) {
        cli_error("%s: cannot write: %s", dst, strerror(errno));
        unlink(tmp);
        return EXIT_FILE;
    }
    return 0;
}
