/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a whole (configuration) file into memory, and its JSON syntax errors. */
#ifndef HULL_RUNTIME_READ_FILE_H
#define HULL_RUNTIME_READ_FILE_H

#include <stddef.h>

#include <jansson.h>

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

/*
 * Fails with "NAME: line L column C: <what is wrong>" for a JSON document
 * jansson could not parse.  jansson quotes the text around the error
 * ("near 'xyz'"); that is left out: the file may be a symbolic link to a
 * file that is not JSON at all (a secret), and hull must not echo it.
 */
int hull_fail_json_syntax(hull_error_t *err, const char *name, const json_error_t *jerr);

#endif
