/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's own parts: its state (runtime/monitor.c runs the loop),
 * and the requests later hull commands send it over the control socket
 * (runtime/monitor_control.c).
 */
#ifndef HULL_RUNTIME_MONITOR_INTERNAL_H
#define HULL_RUNTIME_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "persist/state.h"
#include "persist/store.h"
#include "runtime/monitor.h"
#include "runtime/sandbox.h"

struct monitor {
	struct monitor_options *o;
	struct hull_state_ref state; /* where net/ records the endpoints */
	struct sandbox sb;
	int control_fd;
	int signal_fd;
	bool started;
	bool stdin_open;
	bool finished;
	int exit_status;
};

/* Records the container's status (and its pid, when pid >= 0). */
void monitor_set_status(struct monitor *m, enum hull_status status, pid_t pid);

/* Sends sig to the container's process (created or running). */
int monitor_signal_container(struct monitor *m, int sig, hull_error_t *err);

/* A control handler's return when it keeps the connection (see monitor_control.c). */
#define MONITOR_KEEP_CONN 1

/* Serves one connection on the control socket. */
void monitor_handle_control(struct monitor *m);

#endif
