/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/exec_relay.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/write_all.h"
#include "common/log.h"
#include "runtime/console.h"
#include "runtime/control.h"
#include "vmm/agent_proto.h"

/* The first reply waits for the guest to set the process up. */
#define RELAY_REPLY_TIMEOUT_MS 60000

/* How often a terminal's size is looked at when no SIGWINCH comes (a console socket's pty). */
#define SIZE_POLL_MS 300

struct relay_state {
	struct exec_relay *r;
	bool stdin_open, out_open, err_open;
	unsigned rows, cols;
	int status; /* -1 until the exit event */
};

static void send_op(struct relay_state *s, json_t *msg)
{
	cleanup_error hull_error_t err = NULL;

	if (msg && agent_send(s->r->conn, msg, &err) < 0)
		log_debug("exec: %s", hull_error_str(err));
	json_decref(msg);
}

static void check_size(struct relay_state *s)
{
	unsigned rows, cols;

	if (s->r->tty_fd < 0 || !console_size(s->r->tty_fd, &rows, &cols) ||
	    (rows == s->rows && cols == s->cols))
		return;
	s->rows = rows;
	s->cols = cols;
	send_op(s, json_pack("{s:s, s:i, s:i}", "op", "resize", "rows", rows, "cols", cols));
}

static void forward_stdin(struct relay_state *s)
{
	uint8_t buf[16384];
	ssize_t n = read(s->r->in_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		s->stdin_open = false;
		send_op(s, json_pack("{s:s}", "op", "close_stdin"));
		return;
	}
	{
		cleanup_free char *b64 = base64_encode(buf, (size_t)n);

		send_op(s, json_pack("{s:s, s:s}", "op", "stdin", "data", b64 ? b64 : ""));
	}
}

static void output(struct relay_state *s, json_t *ev)
{
	const char *stream = json_string_value(json_object_get(ev, "stream"));
	bool is_err = stream && strcmp(stream, "stderr") == 0 && s->r->tty_fd < 0;
	bool *open = is_err ? &s->err_open : &s->out_open;
	cleanup_free uint8_t *data = NULL;
	size_t len;

	if (!*open ||
	    base64_decode(json_string_value(json_object_get(ev, "data")), &data, &len) < 0)
		return;
	if (!hull_write_all(is_err ? s->r->err_fd : s->r->out_fd, data, len)) {
		/* As on a host: the process's next write to it fails (EPIPE, SIGPIPE). */
		*open = false;
		send_op(s, json_pack("{s:s, s:s}", "op", "close_output", "stream",
		                     is_err ? "stderr" : "stdout"));
	}
}

static bool serve_buffered(struct relay_state *s);

/* Frames from the monitor; false once the session ended. */
static bool serve_session(struct relay_state *s)
{
	cleanup_error hull_error_t err = NULL;
	uint8_t buf[65536];
	ssize_t n = read(s->r->conn, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0 || agent_reader_feed(&s->r->reader, buf, (size_t)n, &err) < 0)
		return false;
	return serve_buffered(s);
}

/* The frames already read; false once the session ended. */
static bool serve_buffered(struct relay_state *s)
{
	cleanup_error hull_error_t err = NULL;

	for (;;) {
		json_t *ev = NULL;
		enum agent_read_result r = agent_reader_next(&s->r->reader, &ev, &err);
		const char *event = json_string_value(json_object_get(ev, "event"));

		if (r == AGENT_READ_AGAIN)
			return true;
		if (event && strcmp(event, "output") == 0)
			output(s, ev);
		else if (event && strcmp(event, "exit") == 0)
			s->status = (int)json_integer_value(json_object_get(ev, "status"));
		json_decref(ev);
		if (s->status >= 0)
			return false;
	}
}

static void forward_signals(struct relay_state *s, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH)
			check_size(s);
		else if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGPIPE)
			send_op(s, json_pack("{s:s, s:i}", "op", "signal", "signal",
			                     (int)si.ssi_signo));
	}
}

/* The signals a caller sends the relay are the process's (runc's exec does the same). */
static int block_signals(void)
{
	static const int sigs[] = {SIGTERM, SIGINT,   SIGHUP,  SIGQUIT, SIGUSR1,
	                           SIGUSR2, SIGWINCH, SIGCONT, SIGPIPE};
	sigset_t mask;

	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int exec_relay_read_frame(int conn, struct agent_reader *reader, int timeout_ms, const char *op,
                          json_t **msg, hull_error_t *err)
{
	for (;;) {
		struct pollfd p = {.fd = conn, .events = POLLIN};
		uint8_t buf[65536];
		enum agent_read_result r = agent_reader_next(reader, msg, err);
		ssize_t n;

		if (r != AGENT_READ_AGAIN)
			return r == AGENT_READ_MESSAGE ? 0 : -1;
		if (poll(&p, 1, timeout_ms) <= 0)
			return hull_fail(err, ETIMEDOUT, "%s: the monitor did not answer", op);
		n = read(conn, buf, sizeof(buf));
		if (n <= 0)
			return hull_fail(err, n < 0 ? errno : 0, "%s: the monitor went away", op);
		if (agent_reader_feed(reader, buf, (size_t)n, err) < 0)
			return -1;
	}
}

/* The session's first frame, the monitor's answer to request op: -1 for its error. */
static int read_reply(int conn, const char *op, struct agent_reader *reader, hull_error_t *err)
{
	json_t *msg = NULL;
	const char *error;
	int ret;

	if (exec_relay_read_frame(conn, reader, RELAY_REPLY_TIMEOUT_MS, op, &msg, err) < 0)
		return -1;
	error = json_string_value(json_object_get(msg, "error"));
	ret = error ? hull_fail(err, 0, "%s", error) : 0;
	json_decref(msg);
	return ret;
}

int exec_relay_open(const char *monitor_socket, json_t *req, struct exec_relay *r,
                    hull_error_t *err)
{
	r->conn = control_open_session(monitor_socket, req, err);
	if (r->conn < 0)
		return -1;
	agent_reader_init(&r->reader);
	if (read_reply(r->conn, json_string_value(json_object_get(req, "op")), &r->reader, err) <
	    0) {
		agent_reader_release(&r->reader);
		close(r->conn);
		r->conn = -1;
		return -1;
	}
	return 0;
}

int exec_relay_run(struct exec_relay *r)
{
	struct relay_state s = {
	    .r = r, .stdin_open = r->in_fd >= 0, .out_open = true, .err_open = true, .status = -1};
	cleanup_close int sfd = block_signals();

	check_size(&s);
	/* Frames that came with the reply first. */
	if (!serve_buffered(&s))
		goto out;
	for (;;) {
		struct pollfd fds[3] = {
		    {.fd = r->conn, .events = POLLIN},
		    {.fd = sfd, .events = POLLIN},
		    {.fd = s.stdin_open ? r->in_fd : -1, .events = POLLIN},
		};

		if (poll(fds, 3, r->tty_fd >= 0 ? SIZE_POLL_MS : -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			forward_signals(&s, sfd);
		if (fds[2].revents)
			forward_stdin(&s);
		if (fds[0].revents && !serve_session(&s))
			break;
		check_size(&s);
	}
out:
	agent_reader_release(&r->reader);
	/* No exit event: the sandbox (and the process with it) went away. */
	return s.status >= 0 ? s.status : 128 + SIGKILL;
}
