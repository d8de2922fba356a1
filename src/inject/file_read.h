/* file_read.h - reading a whole input file of the injection (an INF, a
 * driver binary, a package manifest) into memory: bounded, and never
 * waiting on a special file.
 *
 * These files are named by the operator (a virtio-win tree) or lie on the
 * guest volume; either way a FIFO must not block the run and a huge file
 * must not exhaust memory. The file is opened with O_NONBLOCK and checked
 * with fstat before anything is read: a FIFO, device, socket or directory
 * is refused at once, and so is a file larger than the caller's limit
 * (INF_MAX_INPUT, PE_MAX_FILE, ...), by its size, unread. */
#ifndef HIVEKIT_FILE_READ_H
#define HIVEKIT_FILE_READ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum {
    FR_OK = 0,
    FR_EIO = -1,      /* cannot open or read, or not a regular file */
    FR_ETOOBIG = -2,  /* larger than the limit */
    FR_ENOMEM = -3
};

/* Opens the regular file PATH (relative to the directory descriptor DIRFD,
 * or AT_FDCWD) with OFLAGS (O_RDONLY, O_RDWR, plus O_NOFOLLOW to refuse a
 * link) and O_NONBLOCK | O_CLOEXEC; the one way hivekit opens an input
 * file. A name that is not a regular file is refused by fstatat before
 * any open (opening a device can have effects of its own), and again by
 * fstat after it; with MAX (0: none) a larger file is refused unread.
 * Returns the descriptor, O_NONBLOCK cleared, or -1 with errno (EINVAL not
 * a regular file, EISDIR, EFBIG, or open's) and the reason in WHY. *ST
 * gets the file's status whenever it was read (st_mode 0 otherwise), so
 * a caller may word its own message. */
int fr_open(int dirfd, const char *path, int oflags, uint64_t max,
            struct stat *st, char *why, size_t whyn);

/* Reads the regular file PATH (relative to the directory descriptor
 * DIRFD, or to the working directory with AT_FDCWD) of at most MAX bytes
 * into *BUF (malloc'd, one NUL byte after the data; the caller frees it),
 * its length into *LEN. On failure *BUF is NULL and WHY holds the reason
 * ("not a regular file (a FIFO)", "70000000 bytes: larger than the
 * 67108864-byte limit", "cannot open: ..."). */
int fr_read(int dirfd, const char *path, size_t max, uint8_t **buf,
            size_t *len, char *why, size_t whyn);

#endif
