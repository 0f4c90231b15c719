/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespaces: enter one by path and come back, and create or
 * delete a namespace that hull owns, kept alive by a bind mount under
 * /run/hull/netns/<name> (the way `ip netns add` does under /run/netns).
 *
 * setns(2) moves only the calling thread, so enter and return must run
 * on the same thread.
 */
#ifndef HULL_NET_NETNS_H
#define HULL_NET_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define HULL_NETNS_DIR "/run/hull/netns"

/* The namespace the thread was in before hull_netns_enter(). */
struct hull_netns_saved {
	int fd; /* -1 when nothing is saved */
};

/*
 * Opens the network namespace at `path` (close-on-exec) without ever
 * blocking: a path that is not a network namespace (a FIFO, a file, a
 * directory, another kind of namespace) is refused naming what it is,
 * `netns /tmp/x is a FIFO, not a network namespace`.  Returns the fd.
 */
int hull_netns_open(const char *path, hull_error_t *err);

/*
 * hull_netns_open() and close; with for_sandbox, also refuses the node's
 * own namespace (PID 1's) and the one hull runs in: a sandbox's links all
 * get hull's devices and programs, so it must never be the node's.
 */
int hull_netns_check(const char *path, bool for_sandbox, hull_error_t *err);

/* How long hull_netns_lock() waits for another hull before it gives up. */
#define HULL_NETNS_LOCK_WAIT_MS 10000

/*
 * hull_netns_check(), then takes the namespace's lock: an exclusive
 * flock(2) on its nsfs inode, which every path to the same namespace
 * shares (the kernel drops it if hull dies).  Setup and teardown of a
 * namespace's endpoints hold it, so that two hull processes never change
 * one namespace at once.  Waits up to HULL_NETNS_LOCK_WAIT_MS.  Returns
 * the fd holding the lock (close it to unlock), also usable with
 * hull_netns_enter_fd().
 */
int hull_netns_lock(const char *path, bool for_sandbox, hull_error_t *err);

/*
 * Moves the calling thread into the network namespace at `path` (for
 * example /var/run/netns/x or /proc/<pid>/ns/net), keeping an fd of the
 * current one in *saved.  Errors name the path.
 */
int hull_netns_enter(const char *path, struct hull_netns_saved *saved, hull_error_t *err);

/* The same with an fd of the namespace (path is for errors). */
int hull_netns_enter_fd(int fd, const char *path, struct hull_netns_saved *saved,
                        hull_error_t *err);

/*
 * Moves the calling thread into the namespace for good (tools and test
 * helpers that run in one namespace): `name` is a path, or a name under
 * /var/run/netns as `ip netns` makes them.
 */
int hull_netns_join(const char *name, hull_error_t *err);

/* Moves the thread back and closes the saved fd.  A no-op when none is saved. */
int hull_netns_return(struct hull_netns_saved *saved, hull_error_t *err);

/* For cleanup: returns and ignores errors (the thread stays where it is). */
void hull_netns_return_quietly(struct hull_netns_saved *saved);
#define cleanup_netns __attribute__((cleanup(hull_netns_return_quietly)))

/*
 * Creates a new, empty network namespace bound at HULL_NETNS_DIR/<name>
 * (dir NULL) or <dir>/<name>; writes the path into path_out.  Fails if
 * the name is taken.  The calling thread stays in its namespace.
 */
int hull_netns_create(const char *dir, const char *name, char *path_out, size_t path_size,
                      hull_error_t *err);

/* Unmounts and removes the bind mount at path.  A path already gone is fine. */
int hull_netns_delete(const char *path, hull_error_t *err);

#endif
