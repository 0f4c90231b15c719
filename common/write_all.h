/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HULL_COMMON_WRITE_ALL_H
#define HULL_COMMON_WRITE_ALL_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all of data to fd, again after EINTR and short writes; false on an error (errno). */
bool hull_write_all(int fd, const void *data, size_t len);

#endif
