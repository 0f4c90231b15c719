/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's control socket (runtime/control.c): requests, replies, bad
 * input; and a session's opening as exec's and a pod member's relay see it
 * (runtime/exec_relay.c's exec_relay_open: the first frame is the reply).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "runtime/control.h"
#include "runtime/exec_relay.h"
#include "vmm/agent_proto.h"

struct fixture {
	char dir[64];
	char path[128];
	int listen_fd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	cleanup_error hull_error_t err = NULL;

	strcpy(f->dir, "/tmp/hull-control-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/monitor.sock", f->dir);
	f->listen_fd = control_listen(f->path, &err);
	assert_true(f->listen_fd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* A monitor that answers one request with `reply` (or echoes the op). */
static pid_t serve_once(struct fixture *f, const char *reply_text)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		cleanup_error hull_error_t err = NULL;
		json_t *req = NULL, *reply;
		int conn;

		do
			conn = accept(f->listen_fd, NULL, NULL);
		while (conn < 0 && errno == EAGAIN && usleep(1000) == 0);
		if (control_read_request(conn, &req, &err) < 0)
			reply = json_pack("{s:s}", "error", err->msg);
		else if (reply_text)
			reply = json_loads(reply_text, 0, NULL);
		else
			reply = json_pack("{s:b, s:O}", "ok", 1, "op", json_object_get(req, "op"));
		control_reply(conn, reply);
		json_decref(req);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void request_and_reply(void **state)
{
	struct fixture *f = *state;
	cleanup_json json_t *req = json_pack("{s:s}", "op", "start");
	cleanup_json json_t *reply = NULL;
	cleanup_error hull_error_t err = NULL;
	pid_t pid = serve_once(f, NULL);

	assert_int_equal(control_call(f->path, req, &reply, 5000, &err), 0);
	assert_string_equal(json_string_value(json_object_get(reply, "op")), "start");
	reap(pid);
}

static void error_reply_becomes_the_error(void **state)
{
	struct fixture *f = *state;
	cleanup_json json_t *req = json_pack("{s:s}", "op", "kill");
	cleanup_error hull_error_t err = NULL;
	pid_t pid = serve_once(f, "{\"error\": \"container c1 is not running\"}");

	assert_int_equal(control_call(f->path, req, NULL, 5000, &err), -1);
	assert_string_equal(err->msg, "container c1 is not running");
	reap(pid);
}

static void malformed_request_is_answered(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[256] = "";
	pid_t pid = serve_once(f, NULL);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n;

	strcpy(addr.sun_path, f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(write(fd, "[1, 2\n", 6), 6);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "malformed message"));
	close(fd);
	reap(pid);
}

static void no_monitor_is_named(void **state)
{
	struct fixture *f = *state;
	cleanup_json json_t *req = json_pack("{s:s}", "op", "start");
	cleanup_error hull_error_t err = NULL;
	char gone[160];

	snprintf(gone, sizeof(gone), "%s/none.sock", f->dir);
	assert_int_equal(control_call(gone, req, NULL, 1000, &err), -1);
	assert_non_null(strstr(err->msg, "monitor is not running"));
	assert_non_null(strstr(err->msg, gone));
	assert_int_equal(err->errnum, ENOENT);
}

static void silent_monitor_times_out(void **state)
{
	struct fixture *f = *state;
	cleanup_json json_t *req = json_pack("{s:s}", "op", "start");
	cleanup_error hull_error_t err = NULL;

	/* Nobody accepts: the connection waits in the backlog, the reply never comes. */
	assert_int_equal(control_call(f->path, req, NULL, 200, &err), -1);
	assert_int_equal(err->errnum, ETIMEDOUT);
}

/*
 * A monitor that takes one session request and writes the frames (JSON
 * texts, NULL-terminated) in one write, as a reply and what follows it
 * arrive together, then hangs up.
 */
static pid_t serve_session(struct fixture *f, const char *const *frames)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		cleanup_error hull_error_t err = NULL;
		char buf[4096];
		json_t *req = NULL;
		int conn, sp[2];
		ssize_t n = 0;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
			_exit(1);
		for (size_t i = 0; frames[i]; i++) {
			cleanup_json json_t *msg = json_loads(frames[i], 0, NULL);

			if (msg == NULL || agent_send(sp[0], msg, &err) < 0)
				_exit(1);
		}
		close(sp[0]);
		if (frames[0])
			n = read(sp[1], buf, sizeof(buf));
		do
			conn = accept(f->listen_fd, NULL, NULL);
		while (conn < 0 && errno == EAGAIN && usleep(1000) == 0);
		if (control_read_request(conn, &req, &err) < 0 ||
		    (n > 0 && write(conn, buf, (size_t)n) != n))
			_exit(1);
		json_decref(req);
		close(conn);
		_exit(0);
	}
	return pid;
}

/* exec_relay_open with a monitor that writes frames fails, with no session left open. */
static void open_fails(struct fixture *f, const char *op, const char *const *frames,
                       hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s}", "op", op);
	struct exec_relay r = {.conn = -1};
	pid_t pid = serve_session(f, frames);

	assert_int_equal(exec_relay_open(f->path, req, &r, err), -1);
	assert_int_equal(r.conn, -1);
	reap(pid);
}

/* The session's first frame is an error (a pod at its session limit): it is the error. */
static void session_error_frame_is_the_error(void **state)
{
	static const char *const frames[] = {
	    "{\"error\": \"sandbox pod1 has too many containers and execs (32)\"}", NULL};
	cleanup_error hull_error_t err = NULL;

	open_fails(*state, "exec", frames, &err);
	assert_string_equal(err->msg, "sandbox pod1 has too many containers and execs (32)");
}

/* A monitor that hangs up before any frame (killed meanwhile) is named, by the request. */
static void session_hang_up_is_named(void **state)
{
	static const char *const frames[] = {NULL};
	cleanup_error hull_error_t err = NULL, member_err = NULL;

	open_fails(*state, "exec", frames, &err);
	assert_non_null(strstr(err->msg, "the monitor went away"));
	assert_string_equal(err->msg, "exec: the monitor went away");
	/* A pod member's relay: its create's error is not an exec's. */
	open_fails(*state, "add_container", frames, &member_err);
	assert_string_equal(member_err->msg, "add_container: the monitor went away");
}

/* The reply opens the session; a frame that came in the same read waits in the reader. */
static void session_reply_keeps_what_follows(void **state)
{
	static const char *const frames[] = {
	    "{\"ok\": true, \"process_id\": \"exec-1\", \"pid\": 7}",
	    "{\"event\": \"exit\", \"process_id\": \"exec-1\", \"status\": 3}", NULL};
	struct fixture *f = *state;
	cleanup_json json_t *req = json_pack("{s:s}", "op", "exec"), *next = NULL;
	cleanup_error hull_error_t err = NULL;
	struct exec_relay r = {.conn = -1};
	pid_t pid = serve_session(f, frames);

	assert_int_equal(exec_relay_open(f->path, req, &r, &err), 0);
	assert_true(r.conn >= 0);
	assert_int_equal(agent_reader_next(&r.reader, &next, &err), AGENT_READ_MESSAGE);
	assert_string_equal(json_string_value(json_object_get(next, "event")), "exit");
	assert_int_equal(json_integer_value(json_object_get(next, "status")), 3);
	agent_reader_release(&r.reader);
	close(r.conn);
	reap(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(request_and_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(error_reply_becomes_the_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(malformed_request_is_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_monitor_is_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(silent_monitor_times_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(session_error_frame_is_the_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(session_hang_up_is_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(session_reply_keeps_what_follows, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
