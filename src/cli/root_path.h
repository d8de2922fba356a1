/* root_path.h - every path below `--root DIR` (a mounted guest volume that
 * may come from someone else) resolved inside DIR, then used only through
 * directory descriptors (root_path.c; rules in docs/root-paths.md).
 *
 * The rule: a symbolic link met below ROOT is followed only when it stays
 * inside ROOT as the host reads it: a relative target whose ".." never
 * climbs above ROOT. An absolute target, a ".." above ROOT, another
 * filesystem mounted below ROOT, a /proc-style magic link and more than
 * RP_MAX_LINKS links in one lookup are refused with a message naming the
 * path (and the link's target). Names hivekit looks for ("Windows",
 * "System32", "config", "SYSTEM") match in any case, as Windows matches
 * them; the target of a link is followed exactly as written.
 *
 * Where the kernel has openat2 (Linux 5.6) each lookup is one openat2
 * with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV from the
 * descriptor of ROOT; elsewhere (older kernel, seccomp, or
 * HIVEKIT_TEST_NO_OPENAT2=1) an equal walk one component at a time with
 * O_NOFOLLOW, readlinkat and a stack of directory descriptors. Both give
 * the same answers; the walk also words the refusals. */
#ifndef HIVEKIT_ROOT_PATH_H
#define HIVEKIT_ROOT_PATH_H

#include <stddef.h>
#include <sys/types.h>

#define RP_MAX_LINKS 40         /* links followed in one lookup (as Linux) */
#define RP_MAX_DEPTH 64         /* directories deep below ROOT */
#define RP_PATH 4096

struct rp_root {
    int fd;                     /* ROOT, O_RDONLY|O_DIRECTORY */
    dev_t dev;                  /* its filesystem: nothing else is entered */
    int kernel;                 /* openat2 is used */
    char path[RP_PATH];         /* ROOT as given, for messages */
    char err[2 * RP_PATH + 256];/* the last refusal, one line */
};

/* A directory below ROOT: its descriptor and its path below ROOT as it
 * was looked up ("" is ROOT; links in it are not expanded). */
struct rp_dir {
    int fd;                     /* O_RDONLY|O_DIRECTORY; -1: none */
    char rel[RP_PATH];
};

/* A name in a directory below ROOT, a symbolic link at it followed inside
 * ROOT: DIR is the directory that holds the name NAME itself (not a link:
 * safe for openat/renameat/unlinkat with O_NOFOLLOW). */
struct rp_file {
    struct rp_dir dir;
    char name[256];
    int exists;                 /* NAME is there (of any type) */
};

enum {
    RP_OK = 0,
    RP_MISSING = 1,             /* not there: the caller says so */
    RP_REFUSED = -1             /* refused or failed: the reason in r->err */
};

/* Opens ROOT (following links: it is the caller's own path). RP_OK, or
 * RP_REFUSED with r->err set. */
int rp_root_open(struct rp_root *r, const char *path);
void rp_root_close(struct rp_root *r);

/* The directory REL below ROOT ('/'-separated names; "" is ROOT), every
 * component matched in any case; with MKDIRS missing ones are made (0755).
 * RP_OK (OUT open), RP_MISSING or RP_REFUSED. */
int rp_dir_open(struct rp_root *r, const char *rel, int mkdirs,
                struct rp_dir *out);
/* One step: the folder NAME (any case) of CUR into OUT; CREATE makes it
 * when missing (*created = 1). Same statuses. */
int rp_dir_step(struct rp_root *r, const struct rp_dir *cur,
                const char *name, int create, struct rp_dir *out,
                int *created);
/* A copy of D with its own descriptor (dup); RP_OK or RP_REFUSED. */
int rp_dir_dup(struct rp_root *r, const struct rp_dir *d,
               struct rp_dir *out);
void rp_dir_close(struct rp_dir *d);

/* The name in directory DIRFD equal to WANT: exactly, else in any case
 * (the first one listed). 0 with FOUND set, or -1 (absent, or unreadable:
 * errno). */
int rp_lookup(int dirfd, const char *want, char *found, size_t size);

/* NAME (any case) in DIR, a symbolic link there followed inside ROOT
 * (exists 0: nothing by that name; OUT then names where to create it).
 * RP_OK or RP_REFUSED. Close OUT->dir with rp_dir_close. */
int rp_file_find(struct rp_root *r, const struct rp_dir *dir,
                 const char *name, struct rp_file *out);
/* The file F opened with FLAGS (O_RDONLY, O_RDWR...) plus O_NOFOLLOW and
 * O_NONBLOCK (cleared once open): a FIFO, device, socket or directory is
 * refused before any read. RP_OK (*fd set), RP_MISSING or RP_REFUSED. */
int rp_file_open(struct rp_root *r, const struct rp_file *f, int flags,
                 int *fd);
/* REL then "/NAME" (NAME may be NULL) below ROOT as shown in messages:
 * "ROOT/REL/NAME". */
void rp_shown(const struct rp_root *r, const char *rel, const char *name,
              char *out, size_t size);

#endif
