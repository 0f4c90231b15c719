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

/*
 * runc's rule says nothing of the paths hull derives from an id.  The
 * tightest is a socket in <root>/<id>/ (the longest is virtiofs.sock): a
 * unix socket path has at most 107 bytes (sun_path less its NUL), so an
 * id has at most 107 - strlen(root) - 15 characters: 83 under the default
 * root /run/hull, 91 at most under any root.  That also keeps the BPF
 * pins /sys/fs/bpf/hull/<id>/<link> within 255 (a 222-character id
 * would).  hull_id_fits() is checked when a sandbox is created, so an id
 * that would fail later (at boot, at the first endpoint) fails up front,
 * naming the limit.  Other commands take any valid id: one that is too
 * long simply does not exist.
 */
#define HULL_SOCKET_PATH_MAX 107
#define HULL_SANDBOX_LONGEST_SOCKET "virtiofs.sock"

/* 0 when the paths hull derives from id under root fit; else -1 naming the limit. */
int hull_id_fits(const char *root, const char *id, hull_error_t *err);

#endif
