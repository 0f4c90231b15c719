// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/read_file.h"
#include "shim/task_internal.h"

/* The pid hull wrote to path. */
static int read_pid_file(const char *path, pid_t *pid, hull_error_t *err)
{
	cleanup_free char *text = NULL;
	size_t len;

	if (hull_read_file(path, &text, &len, err) < 0)
		return -1;
	long v = strtol(text, NULL, 10);
	if (v <= 0 || v > INT_MAX)
		return hull_fail(err, 0, "pid file %s holds no pid", path);
	*pid = (pid_t)v;
	return 0;
}

int task_run_hull(struct shim_task *t, const char *const args[], char **output, hull_error_t *err)
{
	struct hull_run_options opts = {.stdio = {-1, -1, -1}};

	return hull_run(&t->runner, args, &opts, output, err);
}

int task_run_process(struct shim_task *t, struct shim_process *p, const char **args, size_t n_args,
                     const char *pid_file, hull_error_t *err)
{
	int fds[3] = {-1, -1, -1}, keeper = -1;
	cleanup_close int listen_fd = -1;
	cleanup_free char *socket_path = NULL;
	struct hull_run_options opts = {.stdio = {-1, -1, -1}, .log_path = t->log_path};
	int master = -1, rc = -1;
	pid_t pid = 0;

	if (shim_open_stdin(p->stdio[0], &fds[0], &keeper, err) < 0 ||
	    shim_open_output(p->stdio[1], &fds[1], err) < 0 ||
	    shim_open_output(p->stdio[2], &fds[2], err) < 0)
		goto out;
	if (p->terminal) {
		/* Numbered, not named by the exec id: a 64-character id would
		 * not fit a socket's 107 bytes. */
		pthread_mutex_lock(&t->lock);
		unsigned n = t->consoles++;
		pthread_mutex_unlock(&t->lock);
		if (asprintf(&socket_path, "%s/tty%u.sock", t->state_dir, n) < 0) {
			socket_path = NULL;
			hull_fail(err, ENOMEM, "console socket");
			goto out;
		}
		if (shim_console_listen(socket_path, &listen_fd, err) < 0)
			goto out;
		args[n_args++] = "--console-socket";
		args[n_args++] = socket_path;
	} else {
		for (int i = 0; i < 3; i++)
			opts.stdio[i] = fds[i];
	}
	args[n_args++] = "--pid-file";
	args[n_args++] = pid_file;
	args[n_args++] = t->id;
	args[n_args] = NULL;
	if (hull_run(&t->runner, args, &opts, NULL, err) < 0)
		goto out;
	if (p->terminal) {
		if (shim_console_receive(listen_fd, &master, err) < 0 ||
		    shim_console_relay_start(&p->console, master, fds[0], fds[1], err) < 0)
			goto out;
		p->has_console = true;
		fds[0] = fds[1] = -1; /* the relay's now */
	}
	if (read_pid_file(pid_file, &pid, err) < 0)
		goto out;
	pthread_mutex_lock(&t->lock);
	p->stdin_keeper = keeper;
	pthread_mutex_unlock(&t->lock);
	keeper = -1;
	task_track_pid(t, p, pid);
	rc = 0;
out:
	if (socket_path)
		unlink(socket_path);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (keeper >= 0)
		close(keeper);
	if (master >= 0 && !p->has_console)
		close(master);
	return rc;
}
