/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state of each sandbox on disk: <root>/<id>/state.json, where root
 * is the state root (--root, default HULL_STATE_ROOT).
 *
 *  - Saves are atomic: a temporary file in the same directory is written,
 *    fsync'd and renamed over state.json, and the directory is fsync'd.
 *    A crash or a failed save leaves the previous state.json whole.
 *  - Loads never modify the file, whatever they find in it.
 *  - Updates from several hull processes are serialised by flock() on
 *    <root>/<id>/state.lock (not state.json: it is replaced by rename, so
 *    a lock on it would lock a file that is no longer the state).
 *  - Every function validates the id before it builds a path.
 */
#ifndef HULL_PERSIST_STORE_H
#define HULL_PERSIST_STORE_H

#include <stddef.h>

#include "common/error.h"
#include "persist/state.h"

#define HULL_STATE_ROOT "/run/hull"

/*
 * Creates <root>/<id> (and root if needed, both 0700) with its first
 * state.json; the id is st->sandbox.id, and must fit (hull_id_fits).
 * Atomic as a whole: the directory is made as <root>/creating:XXXXXX,
 * state.json written and synced inside it, then renamed into place
 * (RENAME_NOREPLACE) and root synced, so a crash leaves no <root>/<id>
 * or a whole one; a later create sweeps what a dead creator left.  An
 * incomplete <root>/<id> (no state.json: an interrupted delete, or an
 * older hull) is cleared under its lock and the id taken.  Fails with
 * "container <id> already exists" when a sandbox is there.
 */
int hull_state_create(const char *root, const struct hull_sandbox_state *st, hull_error_t *err);

/*
 * The same, returning with the new sandbox's lock held (its fd, >= 0, for
 * hull_state_unlock()): nothing can load it before the caller has
 * finished what belongs to its creation (the monitor's pid).
 */
int hull_state_create_locked(const char *root, const struct hull_sandbox_state *st,
                             hull_error_t *err);

/* Atomically replaces the state of st->sandbox.id.  The sandbox must exist. */
int hull_state_save(const char *root, const struct hull_sandbox_state *st, hull_error_t *err);

/*
 * Reads the state of id into st (initialised; freed first).  "container
 * <id> does not exist" when there is none, "container <id> is incomplete:
 * ..." when its directory has no state.json; a corrupt file (or one that
 * is not a regular file: never opened in a way that blocks) fails naming
 * the file and the problem, and is left as it was.
 */
int hull_state_load(const char *root, const char *id, struct hull_sandbox_state *st,
                    hull_error_t *err);

/*
 * Takes the sandbox's lock, waiting for another holder; returns the lock
 * fd (>= 0) to pass to hull_state_unlock(), or -1.  The fd is O_CLOEXEC,
 * but a flock belongs to the open file description, which fork() shares:
 * a child forked while the lock is held (the monitor) must close the fd,
 * or the lock stays held for as long as the child lives.
 */
int hull_state_lock(const char *root, const char *id, hull_error_t *err);
void hull_state_unlock(int lock_fd);

/*
 * Read-modify-write under the lock: load, fn(st, userdata, err), save.
 * When fn returns < 0 nothing is saved and its error is returned.
 */
typedef int (*hull_state_update_fn)(struct hull_sandbox_state *st, void *userdata,
                                    hull_error_t *err);
int hull_state_update(const char *root, const char *id, hull_state_update_fn fn, void *userdata,
                      hull_error_t *err);

/* One sandbox's state, as hull_state_record_endpoint() takes it. */
struct hull_state_ref {
	const char *root;
	const char *id;
};

/*
 * net/'s record hook (struct hull_net_hooks, net/setup.h): one
 * hull_state_update() of the state ref (a struct hull_state_ref *) that
 * puts ep in it (hull_state_put_endpoint()).
 */
int hull_state_record_endpoint(void *ref, const struct hull_endpoint *ep, hull_error_t *err);

/*
 * Removes <root>/<id> and everything in it (sockets, logs hull put
 * there), under the lock, state.json first.  A sandbox that does not
 * exist is not an error.
 */
int hull_state_remove(const char *root, const char *id, hull_error_t *err);

/*
 * The same for a caller that holds the sandbox's lock (lock_fd, from
 * hull_state_lock), so that nothing can come between what it checked and
 * the removal; the lock is released (lock_fd closed) in any case.
 */
int hull_state_remove_locked(const char *root, const char *id, int lock_fd, hull_error_t *err);

/*
 * Removes <root>/<id> if it is incomplete (a directory without
 * state.json), under its lock: 1 when it removed it, 0 when there was
 * nothing incomplete (no directory, or a whole sandbox), -1 on error.
 */
int hull_state_clear_incomplete(const char *root, const char *id, hull_error_t *err);

/*
 * The ids of the directories under root, sorted, incomplete ones
 * included (hull_state_load() names them); entries that are not valid
 * ids, or not directories, are skipped.  A missing root is an empty list.  *ids is
 * NULL-terminated; free it with hull_state_list_free().
 */
int hull_state_list(const char *root, char ***ids, size_t *n, hull_error_t *err);
void hull_state_list_free(char **ids);

/*
 * Writes text to <dir>/<name> through a temporary file (.<name>.XXXXXX),
 * fsync and rename, then syncs dir: readers see the old file or the new
 * one, never a part of either.
 */
int hull_store_write_file(const char *dir, const char *name, const char *text, hull_error_t *err);

#endif
