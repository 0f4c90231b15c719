/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/console.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"

static int send_fd(int sock, int fd, const char *name, hull_error_t *err)
{
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = control,
	                     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return hull_fail(err, errno, "--console-socket: send the terminal");
	return 0;
}

int console_open(const char *socket_path, int *slave, hull_error_t *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int sock = -1, master = -1, s = -1;
	char name[64];
	struct termios saved;

	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return hull_fail(err, ENAMETOOLONG, "--console-socket %s", socket_path);
	strcpy(addr.sun_path, socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return hull_fail(err, errno, "--console-socket %s", socket_path);
	if (openpty(&master, &s, name, NULL, NULL) < 0)
		return hull_fail(err, errno, "open a terminal");
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(s, F_SETFD, FD_CLOEXEC);
	/* The guest's pty does the line discipline: this one passes bytes as they are. */
	if (console_make_raw(s, &saved) < 0)
		return hull_fail(err, errno, "terminal %s: raw mode", name);
	if (send_fd(sock, master, name, err) < 0)
		return -1;
	*slave = steal_fd(&s);
	return 0;
}

bool console_size(int fd, unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

int console_make_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -1;
	*saved = t;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t);
}

void console_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}
