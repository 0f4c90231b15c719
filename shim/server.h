/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shim's ttrpc server: containerd connects to the socket the shim
 * printed at `start` and calls containerd.task.v2.Task methods.  Each
 * request is served on a thread of its own and answered when it is done,
 * so a Wait that blocks until the process exits does not hold up the
 * State, Kill or Delete calls containerd makes meanwhile on the same
 * connection.
 */
#ifndef HULL_SHIM_SERVER_H
#define HULL_SHIM_SERVER_H

#include "shim/task.h"

#define SHIM_TASK_SERVICE "containerd.task.v2.Task"

/* Serves connections on listen_fd until Shutdown lets the shim go; then returns. */
void shim_serve(int listen_fd, struct shim_task *task);

#endif
