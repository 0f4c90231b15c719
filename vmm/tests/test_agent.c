/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull-agent, driven over a socketpair as the host drives it over
 * virtio-serial: requests, replies, process output and exit events, and
 * bad input that must get an error reply while the agent keeps serving.
 * The agent binary is ../bin/hull-agent relative to this test's folder.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "vmm/agent_proto.h"
#include "vmm/tests/helpers_agent_peer.h"

/* The tests' state is the agent_peer of vmm/tests/helpers_agent_peer.h. */
static int start_agent(void **state)
{
	*state = agent_peer_start(NULL, NULL);
	return *state ? 0 : -1;
}

static int stop_agent(void **state)
{
	agent_peer_stop(*state);
	return 0;
}

static void send_raw(struct agent_peer *p, const void *data, size_t len)
{
	assert_int_equal(write(p->fd, data, len), (ssize_t)len);
}

static void send_text_frame(struct agent_peer *p, const char *text)
{
	uint32_t len = (uint32_t)strlen(text);
	uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                  (uint8_t)len};

	send_raw(p, hdr, 4);
	send_raw(p, text, len);
}

static void expect_error_containing(json_t *reply, const char *fragment)
{
	const char *e = json_string_value(json_object_get(reply, "error"));

	assert_non_null(e);
	if (strstr(e, fragment) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", e, fragment);
	json_decref(reply);
}

static json_t *start_request(const char *id, const char *script, bool terminal)
{
	return json_pack("{s:s, s:s, s:{s:[s, s, s], s:[s], s:s, s:b}}", "op", "start",
	                 "process_id", id, "process", "args", "/bin/sh", "-c", script, "env",
	                 "PATH=/usr/bin:/bin", "cwd", "/", "terminal", terminal);
}

/* Collects a process's output until its exit event; returns the exit status. */
static int collect(struct agent_peer *p, const char *id, char *out, size_t out_size, char *errs,
                   size_t errs_size, int *signal_out)
{
	size_t out_len = 0, errs_len = 0;

	for (;;) {
		cleanup_json json_t *msg = agent_peer_next(p);
		const char *event = json_string_value(json_object_get(msg, "event"));

		if (event == NULL ||
		    strcmp(json_string_value(json_object_get(msg, "process_id")), id) != 0)
			continue;
		if (strcmp(event, "output") == 0) {
			cleanup_free uint8_t *data = NULL;
			bool is_err = strcmp(json_string_value(json_object_get(msg, "stream")),
			                     "stderr") == 0;
			char *dst = is_err ? errs : out;
			size_t *dlen = is_err ? &errs_len : &out_len;
			size_t cap = is_err ? errs_size : out_size, n;

			assert_int_equal(
			    base64_decode(json_string_value(json_object_get(msg, "data")), &data,
			                  &n),
			    0);
			assert_true(*dlen + n < cap);
			memcpy(dst + *dlen, data, n);
			*dlen += n;
			dst[*dlen] = '\0';
		} else if (strcmp(event, "exit") == 0) {
			if (signal_out)
				*signal_out =
				    (int)json_integer_value(json_object_get(msg, "signal"));
			return (int)json_integer_value(json_object_get(msg, "status"));
		}
	}
}

static void ready_then_ping(void **state)
{
	struct agent_peer *p = *state;

	agent_peer_expect_ready(p);
	agent_peer_expect_ping(p);
}

static void bad_input_gets_an_error_and_agent_keeps_serving(void **state)
{
	struct agent_peer *p = *state;
	uint32_t big = HULL_AGENT_MAX_MSG + 10;
	uint8_t hdr[4] = {(uint8_t)(big >> 24), (uint8_t)(big >> 16), (uint8_t)(big >> 8),
	                  (uint8_t)big};
	cleanup_free char *junk = malloc(big);

	agent_peer_expect_ready(p);
	send_text_frame(p, "{\"id\": 1, \"op\": ");
	expect_error_containing(agent_peer_next(p), "malformed message");
	send_text_frame(p, "[1, 2]");
	expect_error_containing(agent_peer_next(p), "not a JSON object");
	send_raw(p, hdr, 4);
	memset(junk, 'x', big);
	send_raw(p, junk, big);
	expect_error_containing(agent_peer_next(p), "more than the limit");
	send_text_frame(p, "{\"op\": \"ping\"}");
	expect_error_containing(agent_peer_next(p), "integer \"id\"");
	expect_error_containing(agent_peer_call(p, json_pack("{s:s}", "op", "reboot-the-world")),
	                        "unknown op \"reboot-the-world\"");
	expect_error_containing(agent_peer_call(p, json_pack("{s:s, s:s, s:i}", "op", "signal",
	                                                     "process_id", "nope", "signal", 9)),
	                        "no process \"nope\"");
	/* A request cut in two arrives whole. */
	{
		const char *text = "{\"id\": 99, \"op\": \"ping\"}";
		uint8_t h[4] = {0, 0, 0, (uint8_t)strlen(text)};
		cleanup_json json_t *reply = NULL;

		send_raw(p, h, 4);
		send_raw(p, text, 10);
		usleep(50000);
		send_raw(p, text + 10, strlen(text) - 10);
		reply = agent_peer_next(p);
		assert_int_equal(json_integer_value(json_object_get(reply, "id")), 99);
		assert_true(json_is_true(json_object_get(reply, "ok")));
	}
	agent_peer_expect_ping(p);
}

static void process_output_and_exit_status(void **state)
{
	struct agent_peer *p = *state;
	char out[256], errs[256];
	cleanup_json json_t *reply = NULL;
	int sig = -1;

	agent_peer_expect_ready(p);
	reply = agent_peer_call(
	    p, start_request("init", "echo to-stdout; echo to-stderr >&2; exit 3", false));
	assert_true(json_integer_value(json_object_get(reply, "pid")) > 0);
	assert_int_equal(collect(p, "init", out, sizeof(out), errs, sizeof(errs), &sig), 3);
	assert_string_equal(out, "to-stdout\n");
	assert_string_equal(errs, "to-stderr\n");
	assert_int_equal(sig, 0);
}

static void death_by_signal_is_128_plus_n(void **state)
{
	struct agent_peer *p = *state;
	char out[64] = "", errs[64] = "";
	int sig = 0;

	agent_peer_expect_ready(p);
	json_decref(agent_peer_call(p, start_request("init", "kill -9 $$", false)));
	assert_int_equal(collect(p, "init", out, sizeof(out), errs, sizeof(errs), &sig), 137);
	assert_int_equal(sig, 9);

	/* and a signal delivered through the agent */
	json_decref(agent_peer_call(p, start_request("sleeper", "exec sleep 100", false)));
	{
		cleanup_json json_t *r =
		    agent_peer_call(p, json_pack("{s:s, s:s, s:i}", "op", "signal", "process_id",
		                                 "sleeper", "signal", SIGTERM));
		assert_true(json_is_true(json_object_get(r, "ok")));
	}
	assert_int_equal(collect(p, "sleeper", out, sizeof(out), errs, sizeof(errs), &sig),
	                 128 + SIGTERM);
	assert_int_equal(sig, SIGTERM);
}

static void stdin_is_forwarded_and_closed(void **state)
{
	struct agent_peer *p = *state;
	char out[256] = "", errs[64] = "";
	cleanup_free char *b64 = base64_encode((const uint8_t *)"line one\nline two\n", 18);

	agent_peer_expect_ready(p);
	json_decref(agent_peer_call(p, start_request("cat", "exec cat", false)));
	{
		cleanup_json json_t *r =
		    agent_peer_call(p, json_pack("{s:s, s:s, s:s}", "op", "stdin", "process_id",
		                                 "cat", "data", b64));
		assert_true(json_is_true(json_object_get(r, "ok")));
	}
	expect_error_containing(agent_peer_call(p, json_pack("{s:s, s:s, s:s}", "op", "stdin",
	                                                     "process_id", "cat", "data", "%%%")),
	                        "not base64");
	json_decref(
	    agent_peer_call(p, json_pack("{s:s, s:s}", "op", "close_stdin", "process_id", "cat")));
	assert_int_equal(collect(p, "cat", out, sizeof(out), errs, sizeof(errs), NULL), 0);
	assert_string_equal(out, "line one\nline two\n");
}

static void terminal_gives_a_pty(void **state)
{
	struct agent_peer *p = *state;
	char out[256] = "", errs[64] = "";

	agent_peer_expect_ready(p);
	json_decref(
	    agent_peer_call(p, start_request("tty", "tty; test -t 0 && echo interactive", true)));
	assert_int_equal(collect(p, "tty", out, sizeof(out), errs, sizeof(errs), NULL), 0);
	assert_non_null(strstr(out, "/dev/pts/"));
	assert_non_null(strstr(out, "interactive"));
}

static void start_errors_name_the_problem(void **state)
{
	struct agent_peer *p = *state;

	agent_peer_expect_ready(p);
	expect_error_containing(
	    agent_peer_call(p, json_pack("{s:s, s:s, s:{s:[s]}}", "op", "start", "process_id", "x",
	                                 "process", "args", "/nonexistent/prog")),
	    "exec /nonexistent/prog: No such file or directory");
	expect_error_containing(agent_peer_call(p, json_pack("{s:s, s:s, s:{s:[]}}", "op", "start",
	                                                     "process_id", "x", "process", "args")),
	                        "process.args: must not be empty");
	expect_error_containing(
	    agent_peer_call(p,
	                    json_pack("{s:s, s:s, s:{s:[s], s:s}}", "op", "start", "process_id",
	                              "x", "process", "args", "/bin/true", "cwd", "/no/such/dir")),
	    "chdir /no/such/dir");
	expect_error_containing(
	    agent_peer_call(p, json_pack("{s:s, s:s, s:{s:[s], s:[{s:s, s:i, s:i}]}}", "op",
	                                 "start", "process_id", "x", "process", "args", "/bin/true",
	                                 "rlimits", "type", "RLIMIT_BOGUS", "hard", 1, "soft", 1)),
	    "\"RLIMIT_BOGUS\" is not an rlimit");
	json_decref(agent_peer_call(p, start_request("dup", "exec sleep 100", false)));
	expect_error_containing(agent_peer_call(p, start_request("dup", "true", false)),
	                        "process \"dup\" already exists");
	agent_peer_expect_ping(p);
}

static void shutdown_replies_then_exits(void **state)
{
	struct agent_peer *p = *state;
	cleanup_json json_t *reply = NULL;
	int status;

	agent_peer_expect_ready(p);
	json_decref(agent_peer_call(p, start_request("long", "exec sleep 100", false)));
	reply = agent_peer_call(p, json_pack("{s:s}", "op", "shutdown"));
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	p->pid = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(ready_then_ping, start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(bad_input_gets_an_error_and_agent_keeps_serving,
	                                    start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(process_output_and_exit_status, start_agent,
	                                    stop_agent),
	    cmocka_unit_test_setup_teardown(death_by_signal_is_128_plus_n, start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(stdin_is_forwarded_and_closed, start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(terminal_gives_a_pty, start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(start_errors_name_the_problem, start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(shutdown_replies_then_exits, start_agent, stop_agent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
