/* sandbox.c - Landlock through its three system calls (sandbox.h).
 *
 * The structures and constants are those of <linux/landlock.h>, written
 * out here so that the build needs neither that header nor a C library
 * that knows the system calls: they are part of the kernel's stable ABI.
 * The system call numbers are the same on every architecture but Alpha
 * (added after the tables were unified, Linux 5.13). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#if !defined(__alpha__)
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#endif

#if defined(__linux__) && defined(SYS_landlock_create_ruleset)

/* struct landlock_ruleset_attr, its ABI 1 part (the kernel takes the size
 * it is given; the network fields of ABI 4 stay out). */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
};
/* struct landlock_path_beneath_attr: packed, 12 bytes. */
struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

/* The file-system access rights (LANDLOCK_ACCESS_FS_*) that change
 * something; reading (READ_FILE, READ_DIR), EXECUTE and IOCTL_DEV are
 * not handled, so they stay allowed everywhere. */
#define LL_WRITE_FILE  (1ULL << 1)
#define LL_REMOVE_DIR  (1ULL << 4)
#define LL_REMOVE_FILE (1ULL << 5)
#define LL_MAKE_CHAR   (1ULL << 6)
#define LL_MAKE_DIR    (1ULL << 7)
#define LL_MAKE_REG    (1ULL << 8)
#define LL_MAKE_SOCK   (1ULL << 9)
#define LL_MAKE_FIFO   (1ULL << 10)
#define LL_MAKE_BLOCK  (1ULL << 11)
#define LL_MAKE_SYM    (1ULL << 12)
#define LL_REFER       (1ULL << 13)   /* ABI 2: link or rename across
                                         folders (denied on ABI 1) */
#define LL_TRUNCATE    (1ULL << 14)   /* ABI 3 */

/* What a rule on a file (not a folder) may allow of these. */
#define LL_FILE_RIGHTS (LL_WRITE_FILE | LL_TRUNCATE)

static uint64_t write_rights(int abi)
{
    uint64_t r = LL_WRITE_FILE | LL_REMOVE_DIR | LL_REMOVE_FILE |
                 LL_MAKE_CHAR | LL_MAKE_DIR | LL_MAKE_REG | LL_MAKE_SOCK |
                 LL_MAKE_FIFO | LL_MAKE_BLOCK | LL_MAKE_SYM;
    if (abi >= 2)
        r |= LL_REFER;
    if (abi >= 3)
        r |= LL_TRUNCATE;
    return r;
}

static int add_rule(int ruleset, int fd, uint64_t rights)
{
    struct ll_path_beneath_attr pb;
    memset(&pb, 0, sizeof pb);
    pb.allowed_access = rights;
    pb.parent_fd = fd;
    return (int)syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH,
                        &pb, 0U);
}

enum sandbox_state sandbox_restrict(const int *dirfds, size_t ndirs,
                                    const int *filefds, size_t nfiles,
                                    char *note, size_t size)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, (size_t)0,
                       LL_CREATE_RULESET_VERSION);
    if (abi < 1) {
        /* ENOSYS: a kernel before 5.13 or built without it; EOPNOTSUPP:
         * built in but not enabled (the lsm= boot parameter); EPERM: a
         * seccomp filter (a container) refuses the call. */
        snprintf(note, size, "landlock_create_ruleset: %s",
                 abi < 0 ? strerror(errno) : "no ABI version");
        return SANDBOX_UNAVAILABLE;
    }
    uint64_t rights = write_rights((int)abi);
    struct ll_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = rights;
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr,
                          0U);
    if (rs < 0) {
        snprintf(note, size, "ABI %ld: landlock_create_ruleset: %s", abi,
                 strerror(errno));
        return SANDBOX_FAILED;
    }
    const char *what = NULL;
    for (size_t i = 0; !what && i < ndirs; i++)
        if (add_rule(rs, dirfds[i], rights) != 0)
            what = "landlock_add_rule (a folder)";
    for (size_t i = 0; !what && i < nfiles; i++)
        if (add_rule(rs, filefds[i], rights & LL_FILE_RIGHTS) != 0)
            what = "landlock_add_rule (a file)";
    /* Required of a process without CAP_SYS_ADMIN; hivekit runs nothing
     * that would need to gain privileges. */
    if (!what && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        what = "prctl(PR_SET_NO_NEW_PRIVS)";
    if (!what && syscall(SYS_landlock_restrict_self, rs, 0U) != 0)
        what = "landlock_restrict_self";
    int err = errno;
    close(rs);
    if (what) {
        snprintf(note, size, "ABI %ld: %s: %s", abi, what, strerror(err));
        return SANDBOX_FAILED;
    }
    snprintf(note, size, "ABI %ld", abi);
    return SANDBOX_ACTIVE;
}

#else

enum sandbox_state sandbox_restrict(const int *dirfds, size_t ndirs,
                                    const int *filefds, size_t nfiles,
                                    char *note, size_t size)
{
    (void)dirfds;
    (void)ndirs;
    (void)filefds;
    (void)nfiles;
    snprintf(note, size, "Landlock is Linux-only (not in this build)");
    return SANDBOX_UNAVAILABLE;
}

#endif
