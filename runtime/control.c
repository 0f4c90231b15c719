/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/control.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"

#define CONTROL_MAX_MESSAGE 65536

static int make_addr(const char *path, struct sockaddr_un *addr, hull_error_t *err)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return hull_fail(err, ENAMETOOLONG, "control socket %s", path);
	strcpy(addr->sun_path, path);
	return 0;
}

int control_listen(const char *path, hull_error_t *err)
{
	struct sockaddr_un addr;
	cleanup_close int fd = -1;

	if (make_addr(path, &addr, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return hull_fail(err, errno, "control socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 8) < 0)
		return hull_fail(err, errno, "control socket %s", path);
	return steal_fd(&fd);
}

/* Reads until EOF or a newline; the message is one JSON text. */
static int read_message(int fd, int timeout_ms, json_t **out, hull_error_t *err)
{
	char buf[CONTROL_MAX_MESSAGE];
	size_t len = 0;
	json_error_t jerr;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;
		int r = poll(&pfd, 1, timeout_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return hull_fail(err, r == 0 ? ETIMEDOUT : errno, "control socket: read");
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return hull_fail(err, errno, "control socket: read");
		len += (size_t)n;
		if (n == 0 || memchr(buf, '\n', len) || len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	*out = json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return hull_fail(err, 0, "control socket: malformed message");
	}
	return 0;
}

int control_send(int fd, const json_t *msg)
{
	cleanup_free char *text = json_dumps(msg, JSON_COMPACT);
	cleanup_free char *line = NULL;
	size_t len, done = 0;

	if (text == NULL || asprintf(&line, "%s\n", text) < 0)
		return -1;
	len = strlen(line);
	while (done < len) {
		ssize_t n = send(fd, line + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			if (errno != EAGAIN || poll(&pfd, 1, 2000) <= 0)
				return -1;
			continue;
		}
		done += (size_t)n;
	}
	return 0;
}

int control_open_session(const char *path, json_t *req, hull_error_t *err)
{
	struct sockaddr_un addr;
	cleanup_close int fd = -1;

	if (make_addr(path, &addr, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_fail(err, errno, "control socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return hull_fail(err, errno, "the sandbox's monitor is not running (%s)", path);
	if (control_send(fd, req) < 0)
		return hull_fail(err, errno, "control socket %s: write", path);
	return steal_fd(&fd);
}

int control_call(const char *path, json_t *req, json_t **reply, int timeout_ms, hull_error_t *err)
{
	cleanup_close int fd = control_open_session(path, req, err);
	cleanup_json json_t *msg = NULL;
	const char *error;

	if (fd < 0)
		return -1;
	if (read_message(fd, timeout_ms, &msg, err) < 0)
		return -1;
	error = json_string_value(json_object_get(msg, "error"));
	if (error)
		return hull_fail(err, 0, "%s", error);
	if (reply)
		*reply = json_incref(msg);
	return 0;
}

int control_read_request(int conn, json_t **req, hull_error_t *err)
{
	return read_message(conn, 2000, req, err);
}

void control_reply(int conn, json_t *reply)
{
	if (reply)
		control_send(conn, reply);
	json_decref(reply);
	close(conn);
}
