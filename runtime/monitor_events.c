/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull events` subscribers in the monitor.  A subscriber's "events"
 * request {container_id} keeps its control connection: the monitor answers
 * {"ok": true}, then writes one line per event of that container that the
 * agent reports, {"event": "oom", "container_id"}, and closes the
 * connection when the container stops (its end is the stream's end).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/control.h"
#include "runtime/monitor_internal.h"

void monitor_events_init(struct monitor *m)
{
	for (size_t i = 0; i < MONITOR_MAX_SUBSCRIBERS; i++)
		m->subscribers[i].conn = -1;
}

static void subscriber_close(struct event_subscriber *s)
{
	if (s->conn >= 0)
		close(s->conn);
	s->conn = -1;
}

void monitor_events_close(struct monitor *m, const char *container_id)
{
	for (size_t i = 0; i < MONITOR_MAX_SUBSCRIBERS; i++)
		if (!container_id || strcmp(m->subscribers[i].container_id, container_id) == 0)
			subscriber_close(&m->subscribers[i]);
}

int monitor_op_events(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	const char *target = monitor_target(m, req, err);
	struct event_subscriber *s = NULL;
	cleanup_json json_t *ok = NULL;

	(void)reply;
	if (target == NULL)
		return -1;
	if (m->finished)
		return hull_fail(err, 0, "container not running: %s is stopped", target);
	for (size_t i = 0; i < MONITOR_MAX_SUBSCRIBERS && !s; i++)
		if (m->subscribers[i].conn < 0)
			s = &m->subscribers[i];
	if (s == NULL)
		return hull_fail(err, 0, "container %s has too many event subscribers (%d)", target,
		                 MONITOR_MAX_SUBSCRIBERS);
	ok = json_pack("{s:b}", "ok", 1);
	/* A subscriber that stops reading is dropped, not waited for. */
	if (ok == NULL || fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_NONBLOCK) < 0 ||
	    control_send(conn, ok) < 0) {
		close(conn);
		return MONITOR_KEEP_CONN;
	}
	snprintf(s->container_id, sizeof(s->container_id), "%s", target);
	s->conn = conn;
	return MONITOR_KEEP_CONN;
}

void monitor_events_publish(struct monitor *m, const char *container_id, json_t *ev)
{
	for (size_t i = 0; container_id && i < MONITOR_MAX_SUBSCRIBERS; i++) {
		struct event_subscriber *s = &m->subscribers[i];

		if (s->conn >= 0 && strcmp(s->container_id, container_id) == 0 &&
		    control_send(s->conn, ev) < 0) {
			log_debug("events of %s: the subscriber went away", container_id);
			subscriber_close(s);
		}
	}
}

size_t monitor_events_poll_fds(struct monitor *m, struct pollfd *fds,
                               struct event_subscriber **owner)
{
	size_t n = 0;

	for (size_t i = 0; i < MONITOR_MAX_SUBSCRIBERS; i++)
		if (m->subscribers[i].conn >= 0) {
			owner[n] = &m->subscribers[i];
			fds[n++] = (struct pollfd){.fd = m->subscribers[i].conn, .events = POLLIN};
		}
	return n;
}

void monitor_events_serve(struct event_subscriber *s)
{
	char buf[256];
	ssize_t n = read(s->conn, buf, sizeof(buf));

	/* A subscriber sends nothing after its request: anything else is its going away. */
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	subscriber_close(s);
}
