/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a whole small file into memory: config.json, the configuration,
 * state.json, the accelerator verdict.
 */
#ifndef HULL_COMMON_READ_FILE_H
#define HULL_COMMON_READ_FILE_H

#include <stddef.h>

#include "common/error.h"

/* Files hull reads whole (config.json, the configuration) are small; a
 * larger one is refused rather than read into memory. */
#define HULL_MAX_FILE_SIZE (16 * 1024 * 1024)

/*
 * What fd holds, read to its end.  *text is malloc'd and NUL-terminated;
 * *len excludes the NUL.  Only a regular file of at most max bytes is
 * read: its type is checked before the first read, so a FIFO (or a
 * device, a socket, a directory) named as the file is refused at once
 * (the caller opens it with O_NONBLOCK, or opening a FIFO would wait for a
 * writer).  Messages read "PATH: is a FIFO, not a regular file", "read
 * PATH: File too large".
 */
int hull_read_fd(int fd, const char *path, size_t max, char **text, size_t *len, hull_error_t *err);

/* hull_read_fd of path (symbolic links followed), opened with O_NONBLOCK,
 * up to HULL_MAX_FILE_SIZE; "open PATH: <errno>". */
int hull_read_file(const char *path, char **text, size_t *len, hull_error_t *err);

#endif
