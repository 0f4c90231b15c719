/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading state files written by older hulls.  Each step rewrites the
 * JSON document of version N into version N + 1, in memory; the decoder
 * (persist/state.c) then only ever reads the current layout, and the next
 * save writes it.  docs/state-format.md lists what changed in each
 * version.
 */
#ifndef HULL_PERSIST_MIGRATE_H
#define HULL_PERSIST_MIGRATE_H

#include <jansson.h>

#include "common/error.h"

#define HULL_STATE_OLDEST_VERSION 1

/*
 * Rewrites doc (a state document of `version`, modified in place) into
 * HULL_STATE_VERSION.  Errors name the field in the old layout.
 */
int hull_state_migrate(json_t *doc, int version, hull_error_t *err);

#endif
