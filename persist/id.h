/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container ids.  An id becomes a directory name under the state root
 * (<root>/<id>/state.json), so it is checked before any path is built
 * from it, with runc's rule: letters, digits and _+-. only, not "." or
 * "..", 1 to 255 characters.
 */
#ifndef HULL_PERSIST_ID_H
#define HULL_PERSIST_ID_H

#include <stdbool.h>

#include "common/error.h"

#define HULL_ID_MAX 255

/* 0 when id is valid; otherwise -1 and a message naming the id. */
int hull_id_validate(const char *id, hull_error_t *err);

/* The same check without a message, for filtering directory entries. */
bool hull_id_is_valid(const char *id);

#endif
