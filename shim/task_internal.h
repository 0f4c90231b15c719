/* SPDX-License-Identifier: Apache-2.0 */
/* What shim/task.c, task_exit.c and task_run.c share: the task and its processes. */
#ifndef HULL_SHIM_TASK_INTERNAL_H
#define HULL_SHIM_TASK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "shim/hull_command.h"
#include "shim/oom_watch.h"
#include "shim/stdio.h"

/* A process of the task: its init (exec_id NULL) or an exec. */
struct shim_process {
	char *exec_id;
	bool terminal;
	char *stdio[3];
	char *spec_json; /* an exec's process, until Start */
	pid_t pid;       /* hull's pid-file process: monitor or relay */
	bool started;
	bool starting;       /* Start has the process but has not told containerd */
	bool exited;         /* set from the reaper */
	bool exit_published; /* /tasks/exit sent */
	int exit_status;
	struct timespec exited_at;
	int stdin_keeper; /* the shim's write end of the stdin FIFO, until CloseIO */
	bool has_console;
	struct shim_console_relay console;
	int refs;     /* the table's and each request's that uses it */
	bool removed; /* out of the table (an exec deleted) */
	struct shim_process *next;
};

struct shim_task {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a process exited */
	struct hull_runner runner;
	char *id;
	char *bundle;
	char *state_dir;
	char *log_path;
	bool created; /* Create began (and did not fail) */
	bool deleted; /* the init process is deleted */
	bool rootfs_mounted;
	bool exit_asked;
	unsigned consoles;              /* console sockets made, for their names */
	struct oom_watch *oom;          /* the init's OOM kills (shim/oom_watch.h), once started */
	struct shim_process *processes; /* the init first */
};

/* --- task_exit.c: exits, from the reaper to containerd --- */

/* The reaper's callbacks (shim/reaper.h), data the task. */
bool task_claim_exit(pid_t pid, int status, struct timespec when, void *data);
void task_notify_exit(pid_t pid, void *data);
/* Makes pid the process's, then takes an exit the reaper kept because it came first. */
void task_track_pid(struct shim_task *t, struct shim_process *p, pid_t pid);
/* Sends /tasks/exit for p if it has exited and containerd was not told yet. */
void task_publish_exit_if_due(struct shim_task *t, struct shim_process *p);
/* Closes the stdin keeper (t->lock held). */
void task_close_stdin_keeper(struct shim_process *p);
/* Drops a reference (t->lock not held); the last frees p. */
void task_process_put(struct shim_task *t, struct shim_process *p);

/* --- task_run.c: hull commands with the process's stdio --- */

/*
 * Runs hull args (with room for 6 more) for p: its stdio opened and handed
 * over, or a console socket whose terminal is then relayed to the FIFOs;
 * then --pid-file PID_FILE ID, and the pid file's process becomes p's.
 */
int task_run_process(struct shim_task *t, struct shim_process *p, const char **args, size_t n_args,
                     const char *pid_file, hull_error_t *err);
/* A hull command with no stdio; *output its stdout when non-NULL. */
int task_run_hull(struct shim_task *t, const char *const args[], char **output, hull_error_t *err);

#endif
