// SPDX-License-Identifier: Apache-2.0
#include "shim/hull_command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "shim/reaper.h"

extern char **environ;

#define MAX_ARGS 32
#define MAX_OUTPUT (4u << 20)

/* Appends what fd has to *buf until end of file (or MAX_OUTPUT). */
static void read_some(int fd, char **buf, size_t *len, bool *open)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*open = false;
		return;
	}
	if (*len + (size_t)n > MAX_OUTPUT)
		return;
	char *grown = realloc(*buf, *len + (size_t)n + 1);
	if (!grown)
		return;
	memcpy(grown + *len, chunk, (size_t)n);
	*len += (size_t)n;
	grown[*len] = '\0';
	*buf = grown;
}

/* The last "level":"error" message of a JSON log file past offset, malloc'd, or NULL. */
static char *last_logged_error(const char *path, off_t offset)
{
	cleanup_file FILE *f = fopen(path, "re");
	char line[8192];
	char *found = NULL;

	if (!f || fseeko(f, offset, SEEK_SET) < 0)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		cleanup_json json_t *entry = json_loads(line, 0, NULL);
		const char *level = json_string_value(json_object_get(entry, "level"));
		const char *msg = json_string_value(json_object_get(entry, "msg"));

		if (level && msg && strcmp(level, "error") == 0) {
			free(found);
			found = strdup(msg);
		}
	}
	return found;
}

/* hull's "hull: MESSAGE" stderr line, without the prefix and newline. */
static char *stderr_message(const char *text)
{
	const char *start, *end;

	if (!text || !*text)
		return NULL;
	/* The last non-empty line: hull prints its error last. */
	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	if (strncmp(start, "hull: ", 6) == 0)
		start += 6;
	return strndup(start, (size_t)(end - start));
}

/*
 * Starts `hull --root ROOT [--log FILE --log-format json] ARGS...` with
 * stdio fds 0-2 of targets (-1: /dev/null); errno-style error code, 0 on success.
 */
static int spawn_hull(const struct hull_runner *runner, const char *const args[],
                      const char *log_path, const int targets[3], pid_t *pid)
{
	const char *argv[MAX_ARGS];
	size_t n = 0;
	cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int rc;

	argv[n++] = runner->hull;
	argv[n++] = "--root";
	argv[n++] = runner->root;
	if (log_path) {
		argv[n++] = "--log";
		argv[n++] = log_path;
		argv[n++] = "--log-format";
		argv[n++] = "json";
	}
	for (size_t i = 0; args[i]; i++) {
		if (n == MAX_ARGS - 1)
			return E2BIG;
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	if (devnull < 0)
		return errno;
	posix_spawn_file_actions_init(&actions);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_adddup2(&actions, targets[fd] >= 0 ? targets[fd] : devnull,
		                                 fd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	/* The shim ignores SIGPIPE; hull and what it starts get the default
	 * back (a container's writer must die of a reader going away). */
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(pid, runner->hull, &actions, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	return rc;
}

int hull_spawn(const struct hull_runner *runner, const char *const args[], int *out_fd, pid_t *pid,
               hull_error_t *err)
{
	int out_pipe[2], rc;

	if (pipe2(out_pipe, O_CLOEXEC) < 0)
		return hull_fail(err, errno, "run %s", runner->hull);
	rc = spawn_hull(runner, args, NULL, (const int[3]){-1, out_pipe[1], 2}, pid);
	close(out_pipe[1]);
	if (rc != 0) {
		close(out_pipe[0]);
		return hull_fail(err, rc, "run %s %s", runner->hull, args[0]);
	}
	*out_fd = out_pipe[0];
	return 0;
}

int hull_run(const struct hull_runner *runner, const char *const args[],
             const struct hull_run_options *opts, char **output, hull_error_t *err)
{
	int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	cleanup_free char *out = NULL, *errtext = NULL, *message = NULL;
	struct stat log_before;
	size_t out_len = 0, err_len = 0;
	pid_t pid;
	int rc;

	/* Only what this command logs is its error: the log is the task's. */
	if (!opts->log_path || stat(opts->log_path, &log_before) < 0)
		log_before.st_size = 0;
	if ((output && pipe2(out_pipe, O_CLOEXEC) < 0) ||
	    (!opts->log_path && pipe2(err_pipe, O_CLOEXEC) < 0)) {
		rc = errno;
		goto pipe_failed;
	}

	int targets[3] = {opts->stdio[0], output ? out_pipe[1] : opts->stdio[1],
	                  opts->log_path ? opts->stdio[2] : err_pipe[1]};
	rc = spawn_hull(runner, args, opts->log_path, targets, &pid);
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	if (rc != 0)
		goto pipe_failed;

	bool out_open = out_pipe[0] >= 0, err_open = err_pipe[0] >= 0;
	while (out_open || err_open) {
		struct pollfd pfds[2] = {{.fd = out_open ? out_pipe[0] : -1, .events = POLLIN},
		                         {.fd = err_open ? err_pipe[0] : -1, .events = POLLIN}};
		if (poll(pfds, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfds[0].revents)
			read_some(out_pipe[0], &out, &out_len, &out_open);
		if (pfds[1].revents)
			read_some(err_pipe[0], &errtext, &err_len, &err_open);
	}
	if (out_pipe[0] >= 0)
		close(out_pipe[0]);
	if (err_pipe[0] >= 0)
		close(err_pipe[0]);

	int status = reaper_wait(pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (output) {
			*output = out ? out : strdup("");
			out = NULL;
			if (!*output)
				return hull_fail(err, ENOMEM, "hull %s", args[0]);
		}
		return 0;
	}
	message = opts->log_path ? last_logged_error(opts->log_path, log_before.st_size)
	                         : stderr_message(errtext);
	if (message)
		return hull_fail(err, 0, "%s", message);
	if (WIFSIGNALED(status))
		return hull_fail(err, 0, "hull %s: killed by signal %d", args[0], WTERMSIG(status));
	return hull_fail(err, 0, "hull %s: exit status %d", args[0], WEXITSTATUS(status));

pipe_failed:
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	if (rc == E2BIG)
		return hull_fail(err, E2BIG, "hull %s", args[0]);
	return hull_fail(err, rc, "run %s", runner->hull);
}
