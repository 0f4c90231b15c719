/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-sandbox monitor: the process `hull create` leaves behind (its
 * pid is what --pid-file gets and what callers wait on).  It boots the
 * sandbox, says so on ready_fd, waits for `hull start`, relays the
 * container's stdio, and exits with the container's exit status (128+N
 * when it died of signal N) once the VM and the network are torn down.
 */
#ifndef HULL_RUNTIME_MONITOR_H
#define HULL_RUNTIME_MONITOR_H

#include <stdbool.h>

#include "runtime/sandbox_config.h"

/* Exit status when the sandbox itself failed (the VM died, ...). */
#define MONITOR_SANDBOX_FAILED 255

struct monitor_options {
	struct hull_sandbox_config *sc;
	const char *state_root;
	int ready_fd; /* "ok\n" once created, else the error text; then closed */
	bool tty;     /* stdio is the container's terminal (process.terminal) */
};

/* Runs in the forked monitor process; never returns. */
__attribute__((noreturn)) void monitor_main(struct monitor_options *o);

#endif
