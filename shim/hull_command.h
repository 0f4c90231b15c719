/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running hull's runc commands from the shim, as the runc shim runs runc:
 * `hull --root ROOT [--log FILE --log-format json] COMMAND ARGS...`, with
 * the task's stdio handed over, its output read back, and a failure turned
 * into hull's own one-line message.
 */
#ifndef HULL_SHIM_HULL_COMMAND_H
#define HULL_SHIM_HULL_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

struct hull_runner {
	char *hull; /* the hull binary */
	char *root; /* its --root: one per containerd namespace */
};

struct hull_run_options {
	/* The command's stdin, stdout, stderr; -1 for /dev/null.  Ignored for
	 * stdout when output is wanted. */
	int stdio[3];
	/*
	 * A log file (hull's --log, JSON) instead of reading stderr: for the
	 * commands that leave a process behind (create, exec --detach), which
	 * would keep a stderr pipe open; the error is its last error line.
	 */
	const char *log_path;
};

/*
 * Runs hull with args (NULL-terminated, without the program and globals).
 * 0 when it exits 0, with *output (if non-NULL) its stdout, malloc'd.
 * Otherwise -1 with hull's error message, e.g. "container \"x\" does not
 * exist", or "hull kill: killed by signal 9".
 */
int hull_run(const struct hull_runner *runner, const char *const args[],
             const struct hull_run_options *opts, char **output, hull_error_t *err);

/*
 * Starts hull with args (as hull_run, without --log) and returns at once:
 * *out_fd the read end of its stdout, its stdin /dev/null, its stderr the
 * shim's (containerd's log).  The caller reads *out_fd to its end, closes
 * it and reaps *pid (reaper_wait).
 */
int hull_spawn(const struct hull_runner *runner, const char *const args[], int *out_fd, pid_t *pid,
               hull_error_t *err);

#endif
