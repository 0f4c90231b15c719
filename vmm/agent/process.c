/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's processes inside the guest: start one from an OCI
 * process object, relay its output to the host, feed its stdin, and report
 * its exit once everything it printed has been forwarded.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/agent/agent.h"
#include "vmm/agent/process_plan.h"

struct agent_process *agent_process_slot(struct agent *a, const char *id, hull_error_t *err)
{
	if (agent_process_find(a, id)) {
		hull_fail(err, 0, "process \"%s\" already exists", id);
		return NULL;
	}
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++)
		if (a->procs[i].id == NULL)
			return &a->procs[i];
	hull_fail(err, 0, "too many processes (%d)", AGENT_MAX_PROCESSES);
	return NULL;
}

struct agent_process *agent_process_find(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++)
		if (a->procs[i].id && strcmp(a->procs[i].id, id) == 0)
			return &a->procs[i];
	return NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int agent_stdio_open(struct agent_stdio *s, bool terminal)
{
	if (terminal) {
		if (openpty(&s->master, &s->in[0], NULL, NULL, NULL) < 0)
			return -1;
		fcntl(s->master, F_SETFD, FD_CLOEXEC);
		return 0;
	}
	if (pipe2(s->in, O_CLOEXEC) < 0 || pipe2(s->out, O_CLOEXEC) < 0 ||
	    pipe2(s->err, O_CLOEXEC) < 0)
		return -1;
	return 0;
}

void agent_stdio_close(struct agent_stdio *s)
{
	for (int i = 0; i < 2; i++) {
		close_fd(&s->in[i]);
		close_fd(&s->out[i]);
		close_fd(&s->err[i]);
	}
	close_fd(&s->master);
}

void agent_stdio_child(struct agent_stdio *s, bool terminal, int report_fd)
{
	sigset_t none;

	dup2(s->in[0], 0);
	dup2(terminal ? s->in[0] : s->out[1], 1);
	dup2(terminal ? s->in[0] : s->err[1], 2);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != report_fd)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * The report pipe closes on a successful exec, or carries why it failed: then
 * the child is reaped and err says why.
 */
static int wait_exec(int report_fd, pid_t pid, hull_error_t *err)
{
	char why[512];
	ssize_t n;
	int status;

	do
		n = read(report_fd, why, sizeof(why) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	why[n] = '\0';
	waitpid(pid, &status, 0);
	return hull_fail(err, 0, "%s", why);
}

void agent_process_fill(struct agent_process *slot, const char *id, pid_t pid,
                        struct agent_stdio *s, bool terminal)
{
	slot->id = strdup(id);
	slot->pid = pid;
	slot->exited = false;
	if (terminal) {
		slot->stdin_fd = s->master;
		slot->stdout_fd = dup(s->master);
		slot->stderr_fd = -1;
		s->master = -1;
	} else {
		slot->stdin_fd = steal_fd(&s->in[1]);
		slot->stdout_fd = steal_fd(&s->out[0]);
		slot->stderr_fd = steal_fd(&s->err[0]);
	}
}

int agent_process_start(struct agent *a, const char *id, json_t *process, const char *root,
                        hull_error_t *err)
{
	struct process_plan plan;
	struct agent_process *slot;
	struct agent_stdio stdio = AGENT_STDIO_INIT;
	int report[2] = {-1, -1};
	int e = 0, ret = -1;
	pid_t pid;

	slot = agent_process_slot(a, id, err);
	if (slot == NULL)
		return -1;
	if (process_plan_parse(process, NULL, &plan, err) < 0) {
		process_plan_release(&plan);
		return -1;
	}
	if (pipe2(report, O_CLOEXEC) < 0 || agent_stdio_open(&stdio, plan.terminal) < 0) {
		e = errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
		goto out;
	}
	if (pid == 0) {
		agent_stdio_child(&stdio, plan.terminal, report[1]);
		process_plan_exec(&plan, NULL, root, report[1]);
	}
	close_fd(&report[1]);
	if (wait_exec(report[0], pid, err) < 0)
		goto out;
	agent_process_fill(slot, id, pid, &stdio, plan.terminal);
	log_debug("started %s as pid %d", id, pid);
	ret = 0;
out:
	process_plan_release(&plan);
	close_fd(&report[0]);
	close_fd(&report[1]);
	agent_stdio_close(&stdio);
	if (e)
		return hull_fail(err, e, "start process \"%s\"", id);
	return ret;
}

int agent_process_write_stdin(struct agent_process *p, const char *b64, hull_error_t *err)
{
	cleanup_free uint8_t *data = NULL;
	size_t len, done = 0;

	if (p->stdin_fd < 0)
		return hull_fail(err, 0, "process \"%s\": stdin is closed", p->id);
	if (base64_decode(b64, &data, &len) < 0)
		return hull_fail(err, 0, "stdin data is not base64");
	/* Blocking write: the host sends small chunks and waits for the reply. */
	while (done < len) {
		ssize_t n = write(p->stdin_fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "process \"%s\": write stdin", p->id);
		done += (size_t)n;
	}
	return 0;
}

void agent_process_close_stdin(struct agent_process *p)
{
	/* A terminal's master is also its stdout: send EOF (^D) instead. */
	if (p->stderr_fd < 0 && p->stdin_fd >= 0 && isatty(p->stdin_fd)) {
		struct termios t;

		if (tcgetattr(p->stdin_fd, &t) == 0)
			(void)!write(p->stdin_fd, &t.c_cc[VEOF], 1);
		return;
	}
	if (p->stdin_fd >= 0)
		close(p->stdin_fd);
	p->stdin_fd = -1;
}

static void emit_exit_if_done(struct agent *a, struct agent_process *p);

int agent_process_resize(struct agent_process *p, unsigned rows, unsigned cols, hull_error_t *err)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

	if (p->stdin_fd < 0 || !isatty(p->stdin_fd))
		return hull_fail(err, 0, "process \"%s\" has no terminal", p->id);
	if (ioctl(p->stdin_fd, TIOCSWINSZ, &ws) < 0)
		return hull_fail(err, errno, "process \"%s\": set the window size", p->id);
	return 0;
}

/*
 * The host's reader of one stream went away: stop reading it, so that the
 * process's next write to it fails (EPIPE, SIGPIPE) as it would on a host.
 */
void agent_process_close_output(struct agent *a, struct agent_process *p, bool stderr_stream)
{
	int *fd = stderr_stream ? &p->stderr_fd : &p->stdout_fd;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	emit_exit_if_done(a, p);
}

static void emit_exit_if_done(struct agent *a, struct agent_process *p)
{
	json_t *msg;

	if (!p->exited || p->stdout_fd >= 0 || p->stderr_fd >= 0)
		return;
	if (WIFSIGNALED(p->status))
		msg = json_pack("{s:s, s:s, s:i, s:i}", "event", "exit", "process_id", p->id,
		                "status", 128 + WTERMSIG(p->status), "signal", WTERMSIG(p->status));
	else
		msg = json_pack("{s:s, s:s, s:i}", "event", "exit", "process_id", p->id, "status",
		                WEXITSTATUS(p->status));
	/* Its container goes first: when the host hears of the exit, nothing of it is left. */
	agent_container_exited(a, p->id);
	agent_emit(a, msg);
	json_decref(msg);
	if (p->stdin_fd >= 0)
		close(p->stdin_fd);
	free(p->id);
	memset(p, 0, sizeof(*p));
	p->stdin_fd = p->stdout_fd = p->stderr_fd = -1;
}

void agent_process_relay(struct agent *a, struct agent_process *p, int fd)
{
	const char *stream = fd == p->stdout_fd ? "stdout" : "stderr";
	uint8_t buf[16384];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		cleanup_free char *b64 = base64_encode(buf, (size_t)n);
		json_t *msg = json_pack("{s:s, s:s, s:s, s:s}", "event", "output", "process_id",
		                        p->id, "stream", stream, "data", b64 ? b64 : "");

		agent_emit(a, msg);
		json_decref(msg);
		return;
	}
	/* EOF (or EIO from a pty whose last holder exited). */
	close(fd);
	if (fd == p->stdout_fd)
		p->stdout_fd = -1;
	else
		p->stderr_fd = -1;
	emit_exit_if_done(a, p);
}

void agent_process_reap(struct agent *a)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < AGENT_MAX_PROCESSES; i++) {
			struct agent_process *p = &a->procs[i];

			if (p->id && p->pid == pid) {
				p->exited = true;
				p->status = status;
				emit_exit_if_done(a, p);
			}
		}
	}
}
