/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm/agent_client.c against a peer on a unix socket: events that arrive
 * in the same read as a call's reply are reported by
 * agent_client_has_events (the monitor polls only when it says none), in
 * their order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "vmm/agent_client.h"
#include "vmm/agent_proto.h"

/* Appends msg's frame to buf. */
static void frame(uint8_t *buf, size_t *len, const char *text)
{
	cleanup_json json_t *msg = json_loads(text, 0, NULL);
	cleanup_free uint8_t *f = NULL;
	size_t n;

	assert_non_null(msg);
	assert_int_equal(agent_frame_encode(msg, &f, &n, NULL), 0);
	memcpy(buf + *len, f, n);
	*len += n;
}

/*
 * The peer: reads one request, answers it with two events after the reply
 * and a late reply to an earlier request (dropped), in one write.
 */
static void peer(int listener)
{
	int conn = accept(listener, NULL, NULL);
	struct agent_reader r;
	uint8_t in[4096], out[4096];
	json_t *req = NULL;
	size_t len = 0;
	char reply[64];
	ssize_t n;

	agent_reader_init(&r);
	while (agent_reader_next(&r, &req, NULL) != AGENT_READ_MESSAGE) {
		n = read(conn, in, sizeof(in));
		if (n <= 0 || agent_reader_feed(&r, in, (size_t)n, NULL) < 0)
			_exit(1);
	}
	snprintf(reply, sizeof(reply), "{\"id\": %d, \"pid\": 7}",
	         (int)json_integer_value(json_object_get(req, "id")));
	frame(out, &len, reply);
	frame(out, &len, "{\"id\": 999, \"pong\": true}");
	frame(out, &len, "{\"event\": \"output\", \"process_id\": \"exec-1\", \"data\": \"aGkK\"}");
	frame(out, &len, "{\"event\": \"exit\", \"process_id\": \"exec-1\", \"status\": 3}");
	_exit(write(conn, out, len) == (ssize_t)len ? 0 : 1);
}

static void events_with_the_reply_are_reported(void **state)
{
	(void)state;
	char dir[] = "/tmp/hull-agent-client.XXXXXX", path[sizeof(dir) + 8];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = json_pack("{s:s}", "op", "exec"), *reply = NULL;
	struct agent_client *c = NULL;
	int listener, status;
	json_t *ev = NULL;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(listener, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		peer(listener);
	close(listener);
	assert_int_equal(agent_client_connect(path, 5000, &c, &err), 0);
	assert_int_equal(agent_client_call(c, req, &reply, 5000, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(reply, "pid")), 7);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Both events came with the reply: nothing more will make the socket readable. */
	assert_true(agent_client_has_events(c));
	assert_int_equal(agent_client_next_event(c, 0, &ev, &err), 1);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "output");
	json_decref(ev);
	assert_true(agent_client_has_events(c));
	assert_int_equal(agent_client_next_event(c, 0, &ev, &err), 1);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "exit");
	assert_int_equal(json_integer_value(json_object_get(ev, "status")), 3);
	json_decref(ev);
	assert_false(agent_client_has_events(c));
	agent_client_close(c);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(events_with_the_reply_are_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
