/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull events ID` without --stats: runc's stream of events.  It
 * subscribes at the container's monitor (runtime/monitor_events.c), prints
 * {"type": "oom", "id"} for each OOM kill the agent reports as it comes,
 * and a {"type": "stats", "id", "data"} line each --interval (runc's
 * default 5 s, the first after one interval); it ends, with status 0, when
 * the monitor ends the stream: the container stopped.  hull's own
 * --ready-line prints {"type": "ready", "id"} first, once subscribed:
 * containerd's hull shim starts the container only then, so that no OOM
 * kill comes before the stream.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "runtime/commands.h"
#include "runtime/container.h"
#include "runtime/control.h"

/* How long the monitor may take to answer the subscription. */
#define ANSWER_TIMEOUT_MS 10000
/* How long a stats request that failed waits for the stream's end (a stopped container). */
#define END_GRACE_MS 2000

int hull_parse_duration(const char *s, long long *ms, hull_error_t *err)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {{"ns", 1},  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
	             {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	const char *p = s;
	double total = 0;

	if (strcmp(s, "0") == 0)
		p = s + 1;
	else if (*p == '\0')
		goto bad;
	while (*p) {
		char *end;
		double v;
		size_t best = 0, best_len = 0;

		/* Digits and a point only: strtod alone would take "0x1p3" or "inf". */
		size_t digits = strspn(p, "0123456789.");

		v = strtod(p, &end);
		if (digits == 0 || end != p + digits)
			goto bad;
		/* The first unit that matches: the table has "ms" before "m". */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && best_len == 0; i++)
			if (strncmp(end, units[i].name, strlen(units[i].name)) == 0) {
				best = i;
				best_len = strlen(units[i].name);
			}
		if (best_len == 0)
			goto bad;
		total += v * units[best].ns;
		p = end + best_len;
	}
	if (!(total > 0) || total / 1e6 > (double)(1LL << 40))
		return hull_fail(err, 0,
		                 "events: --interval %s: the interval must be greater than 0 "
		                 "(and at most %lld h)",
		                 s, (1LL << 40) / 3600000);
	*ms = (long long)(total / 1e6);
	if ((double)*ms * 1e6 < total)
		(*ms)++; /* a part of a millisecond is one: never 0 */
	return 0;
bad:
	return hull_fail(err, 0, "events: --interval \"%s\" is not a duration (e.g. 5s, 500ms, 1m)",
	                 s);
}

/* One line of output, flushed: the reader (containerd's shim) waits on each. */
static int print_event(json_t *ev, hull_error_t *err)
{
	cleanup_free char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;

	if (text == NULL)
		return hull_fail(err, ENOMEM, "events");
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		return hull_fail(err, errno, "events: write");
	return 0;
}

/* The monitor's lines on the stream, as they are read. */
struct stream {
	int fd;
	char buf[65536];
	size_t len;
	bool ended;
};

/* Reads what is there; each complete line is one message (json_t, stolen by *msg). */
static int stream_read(struct stream *s)
{
	ssize_t n;

	if (s->len == sizeof(s->buf))
		s->len = 0; /* no line is that long: what was there is dropped */
	n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		s->ended = true;
		return 0;
	}
	s->len += (size_t)n;
	return 0;
}

/* The next complete line's message, or NULL. */
static json_t *stream_next(struct stream *s)
{
	char *nl;

	while ((nl = memchr(s->buf, '\n', s->len)) != NULL) {
		size_t line = (size_t)(nl - s->buf) + 1;
		json_t *msg;

		*nl = '\0';
		msg = json_loads(s->buf, 0, NULL);
		memmove(s->buf, s->buf + line, s->len - line);
		s->len -= line;
		if (msg)
			return msg;
	}
	return NULL;
}

/* Waits up to timeout_ms for the stream (-1: forever); reads what came. */
static int stream_wait(struct stream *s, long long timeout_ms, hull_error_t *err)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms > 1 << 30 ? 1 << 30 : (int)timeout_ms);

	if (r < 0 && errno != EINTR)
		return hull_fail(err, errno, "events: poll");
	if (r > 0)
		return stream_read(s);
	return 0;
}

static int print_stats(const char *root, struct hull_sandbox_state *st, const char *id,
                       struct stream *s, hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s}", "op", "stats"), *reply = NULL, *ev = NULL;
	long long until = hull_now_ms() + END_GRACE_MS;

	if (req == NULL)
		return hull_fail(err, ENOMEM, "events");
	if (container_ask(root, st, req, &reply, err) < 0) {
		/* A container that just stopped: its stream ends, which is no error. */
		while (!s->ended && hull_now_ms() < until)
			if (stream_wait(s, until - hull_now_ms(), NULL) < 0)
				break;
		if (s->ended)
			hull_error_release(err);
		return s->ended ? 0 : -1;
	}
	ev = json_pack("{s:s, s:s, s:o?}", "type", "stats", "id", id, "data",
	               hull_runc_stats(json_object_get(reply, "stats")));
	return print_event(ev, err);
}

int hull_events_stream(const char *root, struct hull_sandbox_state *st, const char *id,
                       long long interval_ms, bool ready_line, hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s}", "op", "events"), *reply = NULL;
	struct stream *s = calloc(1, sizeof(*s));
	char path[4096];
	long long next;
	int rc = -1;

	if (req == NULL || s == NULL) {
		free(s);
		return hull_fail(err, ENOMEM, "events");
	}
	s->fd = -1;
	if (container_socket_of(root, st, path, sizeof(path), req, err) < 0 ||
	    (s->fd = control_open_session(path, req, err)) < 0)
		goto out;
	/* The monitor's answer first: {"ok"} or {"error"}. */
	next = hull_now_ms() + ANSWER_TIMEOUT_MS;
	while (!s->ended && (reply = stream_next(s)) == NULL && hull_now_ms() < next)
		if (stream_wait(s, next - hull_now_ms(), err) < 0)
			goto out;
	if (reply == NULL) {
		hull_fail(err, s->ended ? 0 : ETIMEDOUT, "events: the monitor of %s %s", id,
		          s->ended ? "closed the connection" : "did not answer");
		goto out;
	}
	if (json_object_get(reply, "error")) {
		hull_fail(err, 0, "%s", json_string_value(json_object_get(reply, "error")));
		goto out;
	}
	if (ready_line) {
		cleanup_json json_t *ready = json_pack("{s:s, s:s}", "type", "ready", "id", id);

		if (print_event(ready, err) < 0)
			goto out;
	}
	next = hull_now_ms() + interval_ms;
	for (;;) {
		json_t *msg;
		long long now;

		while ((msg = stream_next(s)) != NULL) {
			const char *event = json_string_value(json_object_get(msg, "event"));
			cleanup_json json_t *ev = NULL;

			if (event && strcmp(event, "oom") == 0)
				ev = json_pack("{s:s, s:s}", "type", "oom", "id", id);
			json_decref(msg);
			if (ev && print_event(ev, err) < 0)
				goto out;
		}
		if (s->ended)
			break;
		now = hull_now_ms();
		if (now >= next) {
			if (print_stats(root, st, id, s, err) < 0)
				goto out;
			next += interval_ms;
			if (next <= now)
				next = now + interval_ms;
			continue;
		}
		if (stream_wait(s, next - now, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return rc;
}
