/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shim's one waiter for child processes.  The shim is a child
 * subreaper: hull's monitors and exec relays (the processes containerd
 * knows as the task's and the execs' pids) are reparented to it when the
 * hull command that made them exits, and their exit status is the
 * container's.  One thread reaps every child and keeps each exit until it
 * is claimed: a hull command the shim ran (reaper_wait), or a task process
 * (the claim callback).  An exit that comes before its pid is known
 * (a monitor that dies before the pid file is read) is kept too.
 */
#ifndef HULL_SHIM_REAPER_H
#define HULL_SHIM_REAPER_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"

/*
 * What the reaper thread does with an exit not claimed by reaper_wait:
 * claim is called with the reaper's lock held (status is a wait status,
 * when the CLOCK_REALTIME time of the reaping) and returns true when pid
 * is a process it knows; then notify is called without the lock, for the
 * slow part (telling containerd).  An exit not claimed is kept for
 * reaper_take_early_exit.  claim may take the caller's own lock, which
 * must therefore never be held around a reaper_ call.  Without claim
 * (NULL), every exit is kept for reaper_wait.
 */
struct reaper_callbacks {
	bool (*claim)(pid_t pid, int status, struct timespec when, void *data);
	void (*notify)(pid_t pid, void *data);
	void *data;
};

/*
 * Makes the process a child subreaper, blocks SIGCHLD in the calling
 * thread (call it before any other thread exists, so all inherit the mask)
 * and starts the reaper thread.
 */
int reaper_start(const struct reaper_callbacks *callbacks, hull_error_t *err);

/* Waits for the exit of pid, a child started with SIGCHLD blocked; its wait status. */
int reaper_wait(pid_t pid);

/*
 * Takes a kept exit of pid, if there is one (its exit came before the
 * caller knew the pid): true and *status, *when filled.  Call it after
 * making pid known to claim, so no exit falls between the two.
 */
bool reaper_take_early_exit(pid_t pid, int *status, struct timespec *when);

/* The exit code containerd reports for a wait status: the code, or 128+signal. */
int reaper_exit_code(int status);

#endif
