/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a whole (configuration) file into memory. */
#ifndef HULL_RUNTIME_READ_FILE_H
#define HULL_RUNTIME_READ_FILE_H

#include <stddef.h>

#include "common/error.h"

/* Files hull reads whole (config.json, the configuration) are small; a
 * larger one is refused rather than read into memory. */
#define HULL_MAX_FILE_SIZE (16 * 1024 * 1024)

/*
 * *text is malloc'd and NUL-terminated; *len excludes the NUL.  Only a
 * regular file is read: it is opened with O_NONBLOCK and its type checked
 * before the first read, so a FIFO (or a device, a socket, a directory)
 * named as the file is refused at once instead of blocking for ever.
 * Messages read "open PATH: <errno>", "PATH: is a FIFO, not a regular
 * file".
 */
int hull_read_file(const char *path, char **text, size_t *len, hull_error_t *err);

#endif
