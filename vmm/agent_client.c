/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/agent_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/unix_socket.h"
#include "vmm/agent_proto.h"

struct agent_client {
	int fd;
	struct agent_reader reader;
	json_t *events;
	int next_id;
	int ready;
};

int agent_client_connect(const char *socket_path, int timeout_ms, struct agent_client **out,
                         hull_error_t *err)
{
	struct agent_client *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return hull_fail(err, ENOMEM, "agent client");
	agent_reader_init(&c->reader);
	c->events = json_array();
	c->fd = hull_unix_connect(socket_path, hull_now_ms() + timeout_ms, "agent", err);
	if (c->fd < 0) {
		agent_client_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

void agent_client_close(struct agent_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	agent_reader_release(&c->reader);
	json_decref(c->events);
	free(c);
}

int agent_client_fd(const struct agent_client *c)
{
	return c->fd;
}

int agent_client_has_events(struct agent_client *c)
{
	json_t *msg = NULL;

	while (json_array_size(c->events) == 0 &&
	       agent_reader_next(&c->reader, &msg, NULL) == AGENT_READ_MESSAGE) {
		if (json_object_get(msg, "event"))
			json_array_append(c->events, msg);
		json_decref(msg); /* a reply nobody waits for any more */
		msg = NULL;
	}
	return json_array_size(c->events) > 0;
}

/* The next message from the agent before the deadline (-1: none). */
static int receive(struct agent_client *c, long long deadline, json_t **msg, hull_error_t *err)
{
	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		uint8_t buf[65536];
		long long left = deadline < 0 ? -1 : deadline - hull_now_ms();
		enum agent_read_result r = agent_reader_next(&c->reader, msg, err);
		ssize_t n;

		if (r == AGENT_READ_MESSAGE)
			return 1;
		if (r == AGENT_READ_ERROR)
			return hull_error_prefix(err, "agent sent a bad message");
		/* A deadline that has passed still reads what is there already. */
		n = poll(&pfd, 1, deadline < 0 ? -1 : (int)(left > 0 ? left : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "agent: poll");
		if (n == 0) {
			if (deadline >= 0 && hull_now_ms() >= deadline)
				return 0;
			continue;
		}
		n = read(c->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "agent: read");
		if (n == 0)
			return hull_fail(err, ECONNRESET, "agent: the VM closed the channel");
		if (agent_reader_feed(&c->reader, buf, (size_t)n, err) < 0)
			return -1;
	}
}

static int send_request(struct agent_client *c, json_t *req, int *id, hull_error_t *err)
{
	*id = ++c->next_id;
	json_object_set_new(req, "id", json_integer(*id));
	return agent_send(c->fd, req, err);
}

int agent_client_wait_ready(struct agent_client *c, int timeout_ms, hull_error_t *err)
{
	long long deadline = hull_now_ms() + timeout_ms, next_ping = 0;
	int ping_id = -1;

	/* The agent says "ready" once; if that was before we connected, a ping answers. */
	while (!c->ready) {
		cleanup_json json_t *msg = NULL;
		long long now = hull_now_ms();
		int r;

		if (now >= deadline)
			return hull_fail(err, ETIMEDOUT,
			                 "the guest agent did not answer within %d s",
			                 timeout_ms / 1000);
		if (now >= next_ping) {
			cleanup_json json_t *ping = json_pack("{s:s}", "op", "ping");

			if (send_request(c, ping, &ping_id, err) < 0)
				return -1;
			next_ping = now + 1000;
		}
		r = receive(c, next_ping < deadline ? next_ping : deadline, &msg, err);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if (json_object_get(msg, "event")) {
			const char *ev = json_string_value(json_object_get(msg, "event"));

			if (ev && strcmp(ev, "ready") == 0)
				c->ready = 1;
			else
				json_array_append(c->events, msg);
		} else if (json_integer_value(json_object_get(msg, "id")) == ping_id) {
			c->ready = 1;
		}
	}
	return 0;
}

int agent_client_call(struct agent_client *c, json_t *req, json_t **reply, int timeout_ms,
                      hull_error_t *err)
{
	long long deadline = hull_now_ms() + timeout_ms;
	const char *op = json_string_value(json_object_get(req, "op"));
	int id;

	if (send_request(c, req, &id, err) < 0)
		return hull_error_prefix(err, "agent %s", op ? op : "request");
	for (;;) {
		cleanup_json json_t *msg = NULL;
		const char *error;
		int r = receive(c, deadline, &msg, err);

		if (r < 0)
			return hull_error_prefix(err, "agent %s", op ? op : "request");
		if (r == 0)
			return hull_fail(err, ETIMEDOUT, "agent %s: no reply", op ? op : "request");
		if (json_object_get(msg, "event")) {
			json_array_append(c->events, msg);
			continue;
		}
		if (!json_is_integer(json_object_get(msg, "id")))
			return hull_fail(err, 0, "agent %s: %s", op ? op : "request",
			                 json_string_value(json_object_get(msg, "error")));
		if (json_integer_value(json_object_get(msg, "id")) != id)
			continue; /* a late reply to an earlier ping */
		error = json_string_value(json_object_get(msg, "error"));
		if (error)
			return hull_fail(err, 0, "agent %s: %s", op ? op : "request", error);
		if (reply)
			*reply = json_incref(msg);
		return 0;
	}
}

int agent_client_next_event(struct agent_client *c, int timeout_ms, json_t **event,
                            hull_error_t *err)
{
	long long deadline = timeout_ms < 0 ? -1 : hull_now_ms() + timeout_ms;

	for (;;) {
		json_t *msg = NULL;
		int r;

		if (json_array_size(c->events) > 0) {
			*event = json_incref(json_array_get(c->events, 0));
			json_array_remove(c->events, 0);
			return 1;
		}
		r = receive(c, deadline, &msg, err);
		if (r <= 0)
			return r;
		if (json_object_get(msg, "event")) {
			*event = msg;
			return 1;
		}
		json_decref(msg); /* a reply nobody waits for any more */
	}
}
