/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/tests/helpers_agent_peer.h"

#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"

struct agent_peer *agent_peer_start(int (*setup)(void *arg), void *arg)
{
	return agent_peer_start_with(setup, arg, NULL);
}

struct agent_peer *agent_peer_start_with(int (*setup)(void *arg), void *arg,
                                         const char *cgroup_parent)
{
	struct agent_peer *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setup && setup(arg) < 0)
			_exit(126);
		dup2(sv[1], 3);
		if (cgroup_parent)
			execl("../bin/hull-agent", "hull-agent", "--channel-fd", "3",
			      "--cgroup-parent", cgroup_parent, (char *)NULL);
		else
			execl("../bin/hull-agent", "hull-agent", "--channel-fd", "3", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	p->fd = sv[0];
	p->next_id = 1;
	p->pending = json_array();
	agent_reader_init(&p->reader);
	return p;
}

void agent_peer_stop(struct agent_peer *p)
{
	int status;

	if (p == NULL)
		return;
	close(p->fd);
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
	}
	agent_reader_release(&p->reader);
	json_decref(p->pending);
	free(p);
}

/* The next message off the socket; fails after 10 s. */
static json_t *read_message(struct agent_peer *p)
{
	for (;;) {
		json_t *msg = NULL;
		uint8_t buf[65536];
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		enum agent_read_result r = agent_reader_next(&p->reader, &msg, NULL);
		ssize_t n;

		assert_int_not_equal(r, AGENT_READ_ERROR);
		if (r == AGENT_READ_MESSAGE)
			return msg;
		assert_int_equal(poll(&pfd, 1, 10000), 1);
		n = read(p->fd, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(agent_reader_feed(&p->reader, buf, (size_t)n, NULL), 0);
	}
}

json_t *agent_peer_next(struct agent_peer *p)
{
	if (json_array_size(p->pending) > 0) {
		json_t *ev = json_incref(json_array_get(p->pending, 0));

		json_array_remove(p->pending, 0);
		return ev;
	}
	return read_message(p);
}

json_t *agent_peer_call(struct agent_peer *p, json_t *req)
{
	int id = p->next_id++;

	assert_non_null(req);
	json_object_set_new(req, "id", json_integer(id));
	assert_int_equal(agent_send(p->fd, req, NULL), 0);
	json_decref(req);
	for (;;) {
		json_t *msg = read_message(p);

		if (json_integer_value(json_object_get(msg, "id")) == id)
			return msg;
		/* An event that arrived first: keep it for agent_peer_next(). */
		json_array_append_new(p->pending, msg);
	}
}

void agent_peer_expect_ready(struct agent_peer *p)
{
	cleanup_json json_t *msg = agent_peer_next(p);

	assert_string_equal(json_string_value(json_object_get(msg, "event")), "ready");
}

void agent_peer_expect_ok(json_t *reply)
{
	const char *e = json_string_value(json_object_get(reply, "error"));

	if (e)
		fail_msg("unexpected error: %s", e);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
}

void agent_peer_expect_ping(struct agent_peer *p)
{
	agent_peer_expect_ok(agent_peer_call(p, json_pack("{s:s}", "op", "ping")));
}

void agent_peer_expect_error(json_t *reply, const char *expected)
{
	const char *e = json_string_value(json_object_get(reply, "error"));

	if (e == NULL)
		fail_msg("expected the error \"%s\", got a success", expected);
	if (strcmp(e, expected) != 0)
		fail_msg("expected the error \"%s\", got \"%s\"", expected, e);
	json_decref(reply);
}

static void append(char *dst, size_t cap, size_t *len, const uint8_t *data, size_t n)
{
	if (dst == NULL)
		return;
	assert_true(*len + n < cap);
	memcpy(dst + *len, data, n);
	*len += n;
	dst[*len] = '\0';
}

int agent_peer_collect(struct agent_peer *p, const char *id, char *out, size_t out_size, char *errs,
                       size_t errs_size)
{
	size_t out_len = 0, errs_len = 0;
	/* Other processes' events, handed back for their own collect. */
	cleanup_json json_t *others = json_array();

	if (out)
		out[0] = '\0';
	if (errs)
		errs[0] = '\0';
	for (;;) {
		cleanup_json json_t *msg = agent_peer_next(p);
		const char *event = json_string_value(json_object_get(msg, "event"));
		const char *pid = json_string_value(json_object_get(msg, "process_id"));

		if (event == NULL || pid == NULL)
			continue;
		if (strcmp(pid, id) != 0) {
			json_array_append(others, msg);
			continue;
		}
		if (strcmp(event, "output") == 0) {
			cleanup_free uint8_t *data = NULL;
			size_t n;
			bool is_err = strcmp(json_string_value(json_object_get(msg, "stream")),
			                     "stderr") == 0;

			assert_int_equal(
			    base64_decode(json_string_value(json_object_get(msg, "data")), &data,
			                  &n),
			    0);
			if (is_err)
				append(errs, errs_size, &errs_len, data, n);
			else
				append(out, out_size, &out_len, data, n);
		} else if (strcmp(event, "exit") == 0) {
			json_array_extend(others, p->pending);
			json_array_clear(p->pending);
			json_array_extend(p->pending, others);
			return (int)json_integer_value(json_object_get(msg, "status"));
		}
	}
}

int agent_peer_run(struct agent_peer *p, const char *id, const char *root, const char *const *argv,
                   char *out, size_t out_size, char *errs, size_t errs_size)
{
	json_t *args = json_array(), *req;

	for (size_t i = 0; argv[i]; i++)
		json_array_append_new(args, json_string(argv[i]));
	req =
	    json_pack("{s:s, s:s, s:{s:o, s:[s], s:s}}", "op", "start", "process_id", id, "process",
	              "args", args, "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "cwd", "/");
	if (root)
		json_object_set_new(req, "root", json_string(root));
	agent_peer_expect_ok(agent_peer_call(p, req));
	return agent_peer_collect(p, id, out, out_size, errs, errs_size);
}
