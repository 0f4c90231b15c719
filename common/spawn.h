/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting a helper program (QEMU, virtiofsd) from hull: fork + exec with a
 * chosen set of inherited fds, and an exec failure reported to the caller
 * as an error instead of a child that exits 127 unseen.
 */
#ifndef HULL_COMMON_SPAWN_H
#define HULL_COMMON_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

struct spawn_options {
	const int *keep_fds; /* inherited by the program under the same numbers */
	size_t n_keep_fds;
	int stdout_fd;        /* -1: /dev/null */
	int stderr_fd;        /* -1: /dev/null */
	bool die_with_parent; /* PR_SET_PDEATHSIG(SIGKILL): no orphans if hull dies */
	bool new_session;     /* setsid(): terminal signals go to hull, not the program */
	/*
	 * Run in the child just before exec (after fork: async-signal-safe
	 * calls only).  < 0 with errno set fails spawn_program with that errno,
	 * as an exec failure does.
	 */
	int (*pre_exec)(void *data);
	void *pre_exec_data;
};

int spawn_program(char *const argv[], const struct spawn_options *opts, pid_t *pid,
                  hull_error_t *err);

/*
 * Waits up to timeout_ms for pid to exit; 1 if it exited (*status filled),
 * 0 if it is still running.
 */
int wait_exit_timeout(pid_t pid, int timeout_ms, int *status);

#endif
