/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a whole (configuration) file into memory. */
#ifndef HULL_RUNTIME_READ_FILE_H
#define HULL_RUNTIME_READ_FILE_H

#include <stddef.h>

#include "common/error.h"

/* Files hull reads whole (config.json, the configuration) are small; a
 * larger one is refused rather than read into memory. */
#define HULL_MAX_FILE_SIZE (16 * 1024 * 1024)

/* *text is malloc'd and NUL-terminated; *len excludes the NUL.
 * Messages read "open PATH: <errno>". */
int hull_read_file(const char *path, char **text, size_t *len, hull_error_t *err);

#endif
