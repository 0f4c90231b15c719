/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/qmp.h"

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
#include "common/log.h"
#include "common/unix_socket.h"

#define QMP_MAX_LINE (4u << 20)

struct qmp {
	int fd;
	char *buf;
	size_t len, cap;
	json_t *events; /* received, not yet waited for */
	int next_id;
};

/* Reads one JSON line before the deadline. */
static int read_message(struct qmp *q, long long deadline, json_t **out, hull_error_t *err)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
		long long left;
		ssize_t n;

		if (nl) {
			size_t line = (size_t)(nl - q->buf) + 1;
			json_error_t jerr;
			json_t *j = json_loadb(q->buf, line, 0, &jerr);

			memmove(q->buf, q->buf + line, q->len - line);
			q->len -= line;
			if (j == NULL)
				return hull_fail(err, 0, "qmp: malformed reply: %s", jerr.text);
			*out = j;
			return 0;
		}
		left = deadline - hull_now_ms();
		if (left <= 0)
			return hull_fail(err, ETIMEDOUT, "qmp: no reply");
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "qmp: poll");
		if (n == 0)
			continue;
		if (q->len + 65536 > q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 65536;
			char *b;

			if (cap > QMP_MAX_LINE)
				return hull_fail(err, 0, "qmp: reply longer than %u bytes",
				                 QMP_MAX_LINE);
			b = realloc(q->buf, cap);
			if (b == NULL)
				return hull_fail(err, ENOMEM, "qmp");
			q->buf = b;
			q->cap = cap;
		}
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "qmp: read");
		if (n == 0)
			return hull_fail(err, ECONNRESET, "qmp: QEMU closed the connection");
		q->len += (size_t)n;
	}
}

static int send_text(struct qmp *q, const json_t *msg, hull_error_t *err)
{
	cleanup_free char *text = json_dumps(msg, JSON_COMPACT);
	size_t len, done = 0;

	if (text == NULL)
		return hull_fail(err, ENOMEM, "qmp");
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room only for '\0': write len+1 below */
	while (done < len + 1) {
		ssize_t n = send(q->fd, text + done, len + 1 - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "qmp: write");
		done += (size_t)n;
	}
	return 0;
}

static int wait_reply(struct qmp *q, int id, const char *command, long long deadline, json_t **ret,
                      hull_error_t *err)
{
	for (;;) {
		cleanup_json json_t *msg = NULL;
		json_t *error;

		if (read_message(q, deadline, &msg, err) < 0)
			return hull_error_prefix(err, "%s", command);
		if (json_object_get(msg, "event")) {
			json_array_append(q->events, msg);
			continue;
		}
		if (json_integer_value(json_object_get(msg, "id")) != id)
			continue; /* an answer to a command that timed out earlier */
		error = json_object_get(msg, "error");
		if (error)
			return hull_fail(err, 0, "qmp %s: %s", command,
			                 json_string_value(json_object_get(error, "desc")));
		if (ret)
			*ret = json_incref(json_object_get(msg, "return"));
		return 0;
	}
}

int qmp_execute(struct qmp *q, const char *command, json_t *args, json_t **ret, int timeout_ms,
                hull_error_t *err)
{
	cleanup_json json_t *msg = json_pack("{s:s, s:i}", "execute", command, "id", ++q->next_id);

	if (msg == NULL)
		return hull_fail(err, ENOMEM, "qmp");
	if (args)
		json_object_set(msg, "arguments", args);
	if (send_text(q, msg, err) < 0)
		return hull_error_prefix(err, "%s", command);
	return wait_reply(q, q->next_id, command, hull_now_ms() + timeout_ms, ret, err);
}

int qmp_send_fd(struct qmp *q, const char *fdname, int fd, hull_error_t *err)
{
	cleanup_json json_t *msg = json_pack("{s:s, s:{s:s}, s:i}", "execute", "getfd", "arguments",
	                                     "fdname", fdname, "id", ++q->next_id);
	cleanup_free char *text = json_dumps(msg, JSON_COMPACT);
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = control,
	                    .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	cleanup_free char *line = NULL;

	if (text == NULL || asprintf(&line, "%s\n", text) < 0)
		return hull_fail(err, ENOMEM, "qmp");
	iov.iov_base = line;
	iov.iov_len = strlen(line);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(q->fd, &mh, MSG_NOSIGNAL) != (ssize_t)iov.iov_len)
		return hull_fail(err, errno, "qmp getfd %s", fdname);
	return wait_reply(q, q->next_id, "getfd", hull_now_ms() + 5000, NULL, err);
}

int qmp_wait_event(struct qmp *q, const char *name, int timeout_ms, json_t **data,
                   hull_error_t *err)
{
	long long deadline = hull_now_ms() + timeout_ms;

	for (;;) {
		size_t i;
		json_t *ev;

		json_array_foreach(q->events, i, ev)
		{
			if (strcmp(json_string_value(json_object_get(ev, "event")), name) == 0) {
				if (data)
					*data = json_incref(json_object_get(ev, "data"));
				json_array_remove(q->events, i);
				return 0;
			}
		}
		{
			cleanup_json json_t *msg = NULL;

			if (read_message(q, deadline, &msg, err) < 0)
				return hull_error_prefix(err, "waiting for %s", name);
			if (json_object_get(msg, "event"))
				json_array_append(q->events, msg);
		}
	}
}

int qmp_query_status(struct qmp *q, char **status, hull_error_t *err)
{
	cleanup_json json_t *ret = NULL;
	const char *s;

	if (qmp_execute(q, "query-status", NULL, &ret, 5000, err) < 0)
		return -1;
	s = json_string_value(json_object_get(ret, "status"));
	if (s == NULL)
		return hull_fail(err, 0, "qmp query-status: no status in the reply");
	*status = strdup(s);
	return *status ? 0 : hull_fail(err, ENOMEM, "qmp");
}

int qmp_connect(const char *socket_path, int timeout_ms, struct qmp **out, hull_error_t *err)
{
	long long deadline = hull_now_ms() + timeout_ms;
	cleanup_json json_t *greeting = NULL;
	struct qmp *q;

	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return hull_fail(err, ENOMEM, "qmp");
	q->events = json_array();
	q->fd = hull_unix_connect(socket_path, deadline, "qmp", err);
	if (q->fd < 0) {
		qmp_close(q);
		return -1;
	}
	if (read_message(q, deadline, &greeting, err) < 0 || !json_object_get(greeting, "QMP")) {
		qmp_close(q);
		return hull_fail(err, EPROTO, "qmp: no greeting on %s", socket_path);
	}
	if (qmp_execute(q, "qmp_capabilities", NULL, NULL, (int)(deadline - hull_now_ms()) + 1000,
	                err) < 0) {
		qmp_close(q);
		return -1;
	}
	*out = q;
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (q == NULL)
		return;
	if (q->fd >= 0)
		close(q->fd);
	json_decref(q->events);
	free(q->buf);
	free(q);
}
