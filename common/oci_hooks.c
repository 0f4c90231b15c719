/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: checked as config.json gives them, and run as runc runs them. */
#include "common/oci_hooks.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/write_all.h"

extern char **environ;

const char *const hull_hook_kinds[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL,
};

/* How much of a failed hook's output its error quotes (the end of it). */
#define OUTPUT_TAIL 1024

static int check_strings(const json_t *hook, const char *key, bool env, const char *where,
                         hull_error_t *err)
{
	const json_t *list = json_object_get(hook, key), *item;
	size_t i;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return hull_fail(err, 0, "%s.%s: expected an array of strings", where, key);
	json_array_foreach(list, i, item)
	{
		const char *s = json_string_value(item), *eq;

		if (s == NULL)
			return hull_fail(err, 0, "%s.%s[%zu]: expected a string", where, key, i);
		eq = strchr(s, '=');
		if (env && (eq == NULL || eq == s))
			return hull_fail(err, 0, "%s.%s[%zu]: \"%s\" is not KEY=VALUE", where, key,
			                 i, s);
	}
	return 0;
}

static int check_hook(const json_t *hook, const char *where, hull_error_t *err)
{
	const json_t *path = json_object_get(hook, "path");
	const json_t *timeout = json_object_get(hook, "timeout");

	if (!json_is_object(hook))
		return hull_fail(err, 0, "%s: expected an object", where);
	if (path == NULL)
		return hull_fail(err, 0, "%s.path: missing", where);
	if (!json_is_string(path))
		return hull_fail(err, 0, "%s.path: expected a string", where);
	if (json_string_value(path)[0] != '/')
		return hull_fail(err, 0, "%s.path: \"%s\" is not an absolute path", where,
		                 json_string_value(path));
	if (timeout && !json_is_null(timeout) &&
	    (!json_is_integer(timeout) || json_integer_value(timeout) <= 0 ||
	     json_integer_value(timeout) > 24 * 3600 * 365))
		return hull_fail(err, 0, "%s.timeout: expected a number of seconds greater than 0",
		                 where);
	if (check_strings(hook, "args", false, where, err) < 0 ||
	    check_strings(hook, "env", true, where, err) < 0)
		return -1;
	return 0;
}

int hull_hooks_check(const json_t *hooks, hull_error_t *err)
{
	if (hooks == NULL || json_is_null(hooks))
		return 0;
	if (!json_is_object(hooks))
		return hull_fail(err, 0, "hooks: expected an object");
	for (size_t k = 0; hull_hook_kinds[k]; k++) {
		const json_t *list = json_object_get(hooks, hull_hook_kinds[k]), *hook;
		size_t i;

		if (list == NULL || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return hull_fail(err, 0, "hooks.%s: expected an array", hull_hook_kinds[k]);
		json_array_foreach(list, i, hook)
		{
			char where[64];

			snprintf(where, sizeof(where), "hooks.%s[%zu]", hull_hook_kinds[k], i);
			if (check_hook(hook, where, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* A NULL-terminated copy of the strings of list (first, if given, in front). */
static char **strv_of(const json_t *list, const char *first)
{
	size_t n = json_array_size(list), at = 0;
	char **v = calloc(n + 2, sizeof(char *));

	if (v == NULL)
		return NULL;
	if (first)
		v[at++] = (char *)first;
	for (size_t i = 0; i < n; i++)
		v[at++] = (char *)json_string_value(json_array_get(list, i));
	return v;
}

/* A memfd holding text, at offset 0: the hook's stdin, never a pipe to block on. */
static int memfd_with(const char *name, const char *text)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((text && !hull_write_all(fd, text, strlen(text))) || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void __attribute__((noreturn))
exec_hook(const char *path, char **argv, char **envp, int in, int out)
{
	sigset_t all;

	/* The monitor's blocked and ignored signals are not the hook's. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setpgid(0, 0); /* its own group: a timeout kills what it started too */
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	execve(path, argv, envp ? envp : environ);
	dprintf(2, "exec %s: %s", path, strerror(errno));
	_exit(127);
}

/*
 * 1 when pid exited (status filled), 0 when it was killed at the deadline
 * (-1: none), -1 when it cannot be waited for (errno: ECHILD when someone
 * else reaped it, its status lost).
 */
static int wait_until(pid_t pid, long long deadline, int *status)
{
	useconds_t nap = 1000;

	for (;;) {
		pid_t r = waitpid(pid, status, deadline < 0 ? 0 : WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (deadline >= 0 && hull_now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return 0;
		}
		usleep(nap);
		if (nap < 50000)
			nap *= 2;
	}
}

/* The end of what the hook printed, without trailing blanks ("" if none). */
static void output_tail(int fd, char *buf, size_t size)
{
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)size - 1 ? end - (off_t)size + 1 : 0;
	ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
	size_t len = n > 0 ? (size_t)n : 0;

	while (len > 0 && strchr(" \t\r\n", buf[len - 1]))
		len--;
	buf[len] = '\0';
}

static int run_one(const json_t *hook, const char *kind, size_t index, const char *state,
                   hull_error_t *err)
{
	const char *path = json_string_value(json_object_get(hook, "path"));
	const json_t *env = json_object_get(hook, "env");
	json_int_t timeout = json_integer_value(json_object_get(hook, "timeout"));
	cleanup_free char **argv = NULL;
	cleanup_free char **envp = NULL;
	cleanup_close int in = -1, out = -1;
	char tail[OUTPUT_TAIL + 1];
	int status = 0, exited;
	pid_t pid;

	/* runc's: argv is args as given, or just the path when there are none. */
	if (json_array_size(json_object_get(hook, "args")) > 0)
		argv = strv_of(json_object_get(hook, "args"), NULL);
	else
		argv = strv_of(NULL, path);
	if (json_is_array(env))
		envp = strv_of(env, NULL);
	if (argv == NULL || (json_is_array(env) && envp == NULL))
		return hull_fail(err, ENOMEM, "%s hook %zu (%s)", kind, index, path);
	in = memfd_with("hull-hook-state", state);
	out = memfd_with("hull-hook-output", NULL);
	if (in < 0 || out < 0)
		return hull_fail(err, errno, "%s hook %zu (%s): memfd", kind, index, path);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return hull_fail(err, errno, "%s hook %zu (%s): fork", kind, index, path);
	if (pid == 0)
		exec_hook(path, argv, envp, in, out);
	exited = wait_until(pid, timeout > 0 ? hull_now_ms() + timeout * 1000 : -1, &status);
	if (exited < 0)
		return hull_fail(err, errno, "%s hook %zu (%s): wait", kind, index, path);
	output_tail(out, tail, sizeof(tail));
	if (!exited)
		return hull_fail(err, 0, "%s hook %zu (%s): killed after its timeout of %lld s%s%s",
		                 kind, index, path, (long long)timeout, tail[0] ? ": " : "", tail);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return hull_fail(err, 0, "%s hook %zu (%s): %s %d%s%s", kind, index, path,
	                 WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
	                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	                 tail[0] ? ": " : "", tail);
}

int hull_hooks_run(const json_t *hooks, const char *kind, const char *state, hull_error_t *err)
{
	const json_t *list = json_object_get(hooks, kind), *hook;
	size_t i;

	json_array_foreach(list, i, hook) if (run_one(hook, kind, i, state, err) < 0) return -1;
	return 0;
}
