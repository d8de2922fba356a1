/* sandbox.h - Landlock (Linux 5.13+): the process gives up the right to
 * write anywhere but where it was told to, through plain system calls (no
 * library). Elsewhere, or built without the system call numbers, it is
 * "not available". The command's side (which folders, -v, the test probe)
 * is confine.c. */
#ifndef HIVEKIT_SANDBOX_H
#define HIVEKIT_SANDBOX_H

#include <stddef.h>

enum sandbox_state {
    SANDBOX_ACTIVE,         /* in force for the rest of the process */
    SANDBOX_UNAVAILABLE,    /* the kernel (or this build) has no Landlock */
    SANDBOX_FAILED          /* it has, but a call failed: not in force */
};

/* Restricts every write of this process (and of any child) to the
 * NDIRS directories DIRFDS and what is beneath them (write, truncate,
 * create, remove, rename and link within them) and to the NFILES files
 * FILEFDS (write and truncate only: a rule on a file cannot allow
 * creating it). Reading, listing and executing are not restricted; so are
 * metadata changes Landlock does not cover (chmod, utimes, xattrs). With
 * no descriptor at all nothing may be written. The descriptors may be
 * O_PATH and can be closed afterwards. Only the access rights the
 * kernel's Landlock ABI knows are handled (1: the basic ones, 2: REFER,
 * 3: TRUNCATE). NOTE gets "ABI N" when active, else the reason. */
enum sandbox_state sandbox_restrict(const int *dirfds, size_t ndirs,
                                    const int *filefds, size_t nfiles,
                                    char *note, size_t size);

#endif
