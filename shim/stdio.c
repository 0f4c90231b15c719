// SPDX-License-Identifier: Apache-2.0
#include "shim/stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "common/write_all.h"

/* The path of a URI with no scheme or file://, NULL for another scheme. */
static const char *uri_path(const char *uri)
{
	if (strncmp(uri, "file://", 7) == 0)
		return uri + 7;
	if (strstr(uri, "://"))
		return NULL;
	return uri;
}

int shim_open_stdin(const char *uri, int *fd, int *keeper, hull_error_t *err)
{
	const char *path = uri_path(uri);
	struct stat st;

	*fd = *keeper = -1;
	if (!*uri)
		return 0;
	if (!path)
		return hull_fail(err, 0, "stdin %s: only FIFOs and file:// are supported", uri);
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return hull_fail(err, errno, "open stdin %s", path);
	/* Non-blocking only to open a FIFO before its writer; the process reads it blocking. */
	fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
	if (fstat(*fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		*keeper = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (*keeper < 0) {
			int e = errno;
			close(*fd);
			*fd = -1;
			return hull_fail(err, e, "open stdin %s", path);
		}
	}
	return 0;
}

int shim_open_output(const char *uri, int *fd, hull_error_t *err)
{
	const char *path = uri_path(uri);
	struct stat st;

	*fd = -1;
	if (!*uri)
		return 0;
	if (!path)
		return hull_fail(err, 0, "output %s: only FIFOs and file:// are supported", uri);
	if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		*fd = open(path, O_RDWR | O_CLOEXEC);
	else
		*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (*fd < 0)
		return hull_fail(err, errno, "open output %s", path);
	return 0;
}

int shim_console_listen(const char *path, int *fd, hull_error_t *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path))
		return hull_fail(err, ENAMETOOLONG, "console socket %s", path);
	strcpy(addr.sun_path, path);
	unlink(path);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return hull_fail(err, errno, "console socket");
	if (bind(*fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(*fd, 1) < 0) {
		int e = errno;
		close(*fd);
		*fd = -1;
		return hull_fail(err, e, "console socket %s", path);
	}
	return 0;
}

int shim_console_receive(int listen_fd, int *master, hull_error_t *err)
{
	char name[256];
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = control,
	                     .msg_controllen = sizeof(control)};
	struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};

	/* hull has sent it before its command returned: no waiting here. */
	if (poll(&pfd, 1, 0) != 1)
		return hull_fail(err, 0, "console socket: hull sent no terminal");
	int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return hull_fail(err, errno, "console socket: accept");
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	int e = errno;
	close(conn);
	struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return hull_fail(err, n < 0 ? e : 0, "console socket: no terminal in the message");
	memcpy(master, CMSG_DATA(cmsg), sizeof(int));
	return 0;
}

static void *copy_in(void *arg)
{
	struct shim_console_relay *relay = arg;
	char buf[4096];
	struct termios t;

	for (;;) {
		struct pollfd pfds[2] = {{.fd = relay->in, .events = POLLIN},
		                         {.fd = relay->stop_in, .events = POLLIN}};
		if (poll(pfds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfds[1].revents)
			return NULL; /* stopped: the process has gone */
		ssize_t n = read(relay->in, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 || (n > 0 && !hull_write_all(relay->master, buf, (size_t)n)))
			return NULL;
		if (n == 0)
			break;
	}
	/* A terminal has no end of file of its own: stdin's end is its EOF character. */
	if (tcgetattr(relay->master, &t) == 0)
		hull_write_all(relay->master, &t.c_cc[VEOF], 1);
	return NULL;
}

static void *copy_out(void *arg)
{
	struct shim_console_relay *relay = arg;
	char buf[4096];

	for (;;) {
		ssize_t n = read(relay->master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		/* EIO: the last holder of the terminal's other side has gone. */
		if (n <= 0)
			break;
		if (relay->out >= 0 && !hull_write_all(relay->out, buf, (size_t)n))
			break;
	}
	/* The process's output has ended: containerd's reader sees the end
	 * now, not when the process is deleted (an exec's stream waits for it). */
	pthread_mutex_lock(&relay->lock);
	if (relay->out >= 0)
		close(relay->out);
	relay->out = -1;
	pthread_mutex_unlock(&relay->lock);
	return NULL;
}

int shim_console_relay_start(struct shim_console_relay *relay, int master, int in, int out,
                             hull_error_t *err)
{
	int rc;

	*relay = (struct shim_console_relay){.master = master, .in = in, .out = out};
	pthread_mutex_init(&relay->lock, NULL);
	relay->stop_in = eventfd(0, EFD_CLOEXEC);
	if (relay->stop_in < 0)
		return hull_fail(err, errno, "console relay");
	rc = pthread_create(&relay->out_thread, NULL, copy_out, relay);
	if (rc != 0)
		return hull_fail(err, rc, "console relay");
	relay->out_started = true;
	if (in >= 0) {
		rc = pthread_create(&relay->in_thread, NULL, copy_in, relay);
		if (rc != 0)
			return hull_fail(err, rc, "console relay");
		relay->in_started = true;
	}
	return 0;
}

int shim_console_resize(struct shim_console_relay *relay, unsigned width, unsigned height,
                        hull_error_t *err)
{
	struct winsize ws = {.ws_col = (unsigned short)width, .ws_row = (unsigned short)height};

	if (ioctl(relay->master, TIOCSWINSZ, &ws) < 0)
		return hull_fail(err, errno, "resize terminal to %ux%u", width, height);
	return 0;
}

void shim_console_relay_stop(struct shim_console_relay *relay)
{
	if (relay->out_started)
		pthread_join(relay->out_thread, NULL);
	pthread_mutex_lock(&relay->lock);
	if (relay->in_started) {
		uint64_t one = 1;
		if (write(relay->stop_in, &one, sizeof(one)) < 0)
			log_warning("console relay: stop: %s", strerror(errno));
		pthread_join(relay->in_thread, NULL);
		relay->in_started = false;
	}
	if (relay->in >= 0)
		close(relay->in);
	if (relay->out >= 0)
		close(relay->out);
	pthread_mutex_unlock(&relay->lock);
	close(relay->master);
	close(relay->stop_in);
	pthread_mutex_destroy(&relay->lock);
	relay->in = relay->out = relay->master = -1;
}
