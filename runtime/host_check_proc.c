/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull check`'s helper processes: started with their output on a pipe,
 * waited for together against one deadline (poll on the pipes and on
 * pidfds), killed when they overrun it, always reaped.
 */
#include "runtime/host_check_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/spawn.h"

/* What is kept of a child's output: --version and -accel help say far less. */
#define HC_MAX_OUTPUT (64 * 1024)

/* Readies c for a child whose output comes on out_fd. */
static void started(struct hc_child *c, pid_t pid, int out_fd, bool own_group, double t0)
{
	c->pid = pid;
	c->own_group = own_group;
	c->out_fd = out_fd;
	c->started = t0;
	fcntl(out_fd, F_SETFL, fcntl(out_fd, F_GETFL) | O_NONBLOCK);
	/* Without a pidfd, the end of the output stands for the exit. */
	c->pid_fd = pidfd_open(pid, 0);
}

static void reset(struct hc_child *c)
{
	c->pid = 0;
	c->out_fd = c->pid_fd = -1;
	c->status = 0;
}

void hc_child_spawn(struct hc_child *c, char *const argv[])
{
	struct spawn_options so = {.die_with_parent = true, .new_session = true};
	double t0 = hc_now_ms();
	int fds[2];
	pid_t pid;

	reset(c);
	c->what[0] = '\0';
	for (size_t i = 0, at = 0; argv[i] && at < sizeof(c->what); i++)
		at += (size_t)snprintf(c->what + at, sizeof(c->what) - at, "%s%s", i ? " " : "",
		                       argv[i]);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		hull_fail(&c->err, errno, "start %s: pipe", argv[0]);
		return;
	}
	so.stdout_fd = so.stderr_fd = fds[1];
	if (spawn_program(argv, &so, &pid, &c->err) < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	close(fds[1]);
	started(c, pid, fds[0], true, t0);
}

void hc_child_fork(struct hc_child *c, const char *what, void (*fn)(int fd, void *arg), void *arg)
{
	double t0 = hc_now_ms();
	pid_t parent = getpid(), pid;
	int fds[2];

	reset(c);
	snprintf(c->what, sizeof(c->what), "%s", what);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		hull_fail(&c->err, errno, "start %s: pipe", what);
		return;
	}
	pid = fork();
	if (pid < 0) {
		hull_fail(&c->err, errno, "start %s: fork", what);
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1); /* the parent died before prctl took effect */
		fn(fds[1], arg);
		_exit(0); /* not exit(): the parent's atexit handlers and buffers are its own */
	}
	close(fds[1]);
	started(c, pid, fds[0], false, t0);
}

static bool running(const struct hc_child *c)
{
	return c->pid > 0 && !c->exited;
}

/* Reads what is there; closes the pipe at its end. */
static void drain(struct hc_child *c)
{
	char buf[4096];
	ssize_t n;

	while (c->out_fd >= 0) {
		n = read(c->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(c->out_fd);
			c->out_fd = -1;
			return;
		}
		if (c->len + (size_t)n > HC_MAX_OUTPUT)
			n = (ssize_t)(HC_MAX_OUTPUT - c->len);
		if (n > 0) {
			char *grown = realloc(c->out, c->len + (size_t)n + 1);

			if (grown == NULL)
				continue; /* dropped: the output is advice, not state */
			c->out = grown;
			memcpy(c->out + c->len, buf, (size_t)n);
			c->len += (size_t)n;
			c->out[c->len] = '\0';
		}
	}
}

/* Reaps c; blocking only when told it has exited or was killed. */
static void reap(struct hc_child *c, int options)
{
	pid_t r;

	do
		r = waitpid(c->pid, &c->status, options);
	while (r < 0 && errno == EINTR);
	if (r != c->pid && !(r < 0 && errno == ECHILD))
		return;
	c->exited = true;
	c->ms = hc_now_ms() - c->started;
	if (c->pid_fd >= 0) {
		close(c->pid_fd);
		c->pid_fd = -1;
	}
	drain(c); /* everything it wrote is in the pipe by now */
	if (c->out_fd >= 0) {
		/* A descendant holds the pipe open: what it writes is not ours to wait for. */
		close(c->out_fd);
		c->out_fd = -1;
	}
}

/* Polls the pipes and pidfds of the running children once; false when none runs. */
static bool poll_once(struct hc_child *const c[], size_t n, int timeout)
{
	struct pollfd pfd[16];
	struct hc_child *owner[16];
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n && k + 2 <= sizeof(pfd) / sizeof(pfd[0]); i++) {
		if (!running(c[i]))
			continue;
		if (c[i]->out_fd >= 0) {
			owner[k] = c[i];
			pfd[k++] = (struct pollfd){.fd = c[i]->out_fd, .events = POLLIN};
		}
		if (c[i]->pid_fd >= 0) {
			owner[k] = c[i];
			pfd[k++] = (struct pollfd){.fd = c[i]->pid_fd, .events = POLLIN};
		}
		if (c[i]->out_fd < 0 && c[i]->pid_fd < 0)
			reap(c[i], 0); /* no pidfd and the output ended: it is exiting */
	}
	if (k == 0)
		return false;
	rc = poll(pfd, k, timeout);
	if (rc <= 0)
		return rc < 0 && errno == EINTR;
	for (size_t j = 0; j < k; j++) {
		if (pfd[j].revents == 0 || !running(owner[j]))
			continue;
		if (pfd[j].fd == owner[j]->out_fd)
			drain(owner[j]);
		else
			reap(owner[j], WNOHANG);
	}
	return true;
}

void hc_children_wait(struct hc_child *const c[], size_t n, unsigned timeout_ms)
{
	double deadline = hc_now_ms() + timeout_ms;

	for (;;) {
		double left = deadline - hc_now_ms();

		if (left <= 0 || !poll_once(c, n, (int)left + 1))
			break;
	}
	for (size_t i = 0; i < n; i++) {
		if (!running(c[i]))
			continue;
		c[i]->timed_out = true;
		kill(c[i]->own_group ? -c[i]->pid : c[i]->pid, SIGKILL);
		reap(c[i], 0);
	}
}

bool hc_child_succeeded(const struct hc_child *c)
{
	return c->pid > 0 && c->exited && !c->timed_out && WIFEXITED(c->status) &&
	       WEXITSTATUS(c->status) == 0;
}

const char *hc_child_outcome(const struct hc_child *c, unsigned timeout_ms, char *buf, size_t size)
{
	char text[300];

	if (c->err)
		snprintf(buf, size, "did not start: %s", hc_error_text(c->err, text, sizeof(text)));
	else if (c->timed_out)
		snprintf(buf, size, "did not finish within %u ms (killed)", timeout_ms);
	else if (WIFSIGNALED(c->status))
		snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(c->status),
		         strsignal(WTERMSIG(c->status)));
	else
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(c->status));
	return buf;
}

const char *hc_child_first_line(const struct hc_child *c, char *buf, size_t size)
{
	size_t n = 0;

	if (c->out)
		while (c->out[n] && c->out[n] != '\n' && n + 1 < size)
			n++;
	if (n > 0)
		memcpy(buf, c->out, n);
	buf[n] = '\0';
	return buf;
}

void hc_child_release(struct hc_child *c)
{
	if (c->out_fd >= 0)
		close(c->out_fd);
	if (c->pid_fd >= 0)
		close(c->pid_fd);
	c->out_fd = c->pid_fd = -1;
	free(c->out);
	c->out = NULL;
	c->len = 0;
	hull_error_release(&c->err);
}
