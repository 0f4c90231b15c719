/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the runc-style commands share: creating a container (its state and
 * its monitor), finding one, asking its monitor something, and removing
 * one with everything it left behind.
 */
#ifndef HULL_RUNTIME_CONTAINER_H
#define HULL_RUNTIME_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"
#include "persist/state.h"
#include "runtime/commands.h"

struct create_options {
	const char *bundle;
	const char *id;
	const char *pid_file;       /* NULL: none */
	const char *console_socket; /* NULL: none (runc's --console-socket) */
	bool detach;                /* the monitor leaves hull's session (create) */
};

/* Writes the state, forks the monitor and waits until the sandbox is created. */
int container_create(struct hull_globals *globals, const struct create_options *opts,
                     pid_t *monitor, hull_error_t *err);

/* The state root: --root, else the configuration's runtime.state_root. */
int container_state_root(struct hull_globals *g, char **root, hull_error_t *err);

/* A state that hull_state_free() releases when it goes out of scope; declare it = {0}. */
#define cleanup_state __attribute__((cleanup(hull_state_free)))

/* Loads the state of id (validating the id first). */
int container_load(const char *root, const char *id, struct hull_sandbox_state *st,
                   hull_error_t *err);

/*
 * True when the monitor recorded in st is still alive: the same pid with
 * the same start time (common/proc_identity.h); a reused pid is not it.
 */
bool container_monitor_alive(const struct hull_sandbox_state *st);

/* The status a caller should see: "stopped" once the monitor is gone. */
const char *container_status(const struct hull_sandbox_state *st);

/*
 * runc's state shape: ociVersion, id, pid, status, bundle, rootfs,
 * created, annotations, owner.  pid is the monitor's, the process callers
 * wait on (0 once it is gone).
 */
json_t *container_state_json(const struct hull_sandbox_state *st);

/* --pid-file: pid written atomically (never seen empty), as runc does. */
int container_write_pid_file(const char *path, pid_t pid, hull_error_t *err);

/*
 * The control socket of the monitor that runs the container whose state
 * st is: its own, or for a pod's app container its sandbox's (req, when
 * not NULL, then gets "container_id").
 */
int container_socket_of(const char *root, const struct hull_sandbox_state *st, char *path,
                        size_t size, json_t *req, hull_error_t *err);

/*
 * Sends req (borrowed) to the monitor of the container whose state st is
 * (the state its caller checked: it is not read again); *reply (may be
 * NULL) gets the answer.
 */
int container_ask(const char *root, const struct hull_sandbox_state *st, json_t *req,
                  json_t **reply, hull_error_t *err);

/* Sends req (borrowed) to the monitor of container id, its state loaded here. */
int container_control(const char *root, const char *id, json_t *req, hull_error_t *err);

/*
 * Removes the container: asks a live monitor to shut the sandbox down (only
 * with force when it is running; a monitor still creating it is stopped,
 * with its children, only with force), then, with the state's lock held,
 * stops what the state names (QEMU, virtiofsd: only if still the recorded
 * processes), tears down the recorded endpoints and removes the state.
 * An incomplete sandbox (no state.json) is simply removed.
 */
int container_delete(const char *root, const char *id, bool force, hull_error_t *err);

#endif
