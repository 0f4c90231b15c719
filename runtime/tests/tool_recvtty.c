/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other end of --console-socket, for the selftests (runc ships the same
 * as recvtty): listens on SOCKET, takes the one pty master a runtime sends,
 * and joins it to its own terminal: keys go in, output comes out, and its
 * window size follows this terminal's.  Exits when the pty closes.
 *
 *   runtime_tool_recvtty SOCKET
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/write_all.h"

static int receive_master(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char name[128], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = control,
	                     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg;
	int sock, conn, fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(sock, 1) < 0)
		return -1;
	conn = accept(sock, NULL, NULL);
	if (conn >= 0 && recvmsg(conn, &msg, 0) > 0) {
		cmsg = CMSG_FIRSTHDR(&msg);
		if (cmsg && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	}
	close(conn);
	close(sock);
	unlink(path);
	return fd;
}

static void copy_size(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

int main(int argc, char **argv)
{
	struct termios saved, raw;
	int master, sfd;
	bool tty = isatty(0);
	sigset_t mask;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return 2;
	}
	master = receive_master(argv[1]);
	if (master < 0) {
		fprintf(stderr, "recvtty: no terminal received on %s: %s\n", argv[1],
		        strerror(errno));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (tty) {
		tcgetattr(0, &saved);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		copy_size(0, master);
	}
	/* Once stdin ends (or the pty stops taking keys), it is not polled again. */
	struct pollfd fds[3] = {{.fd = master, .events = POLLIN},
	                        {.fd = 0, .events = POLLIN},
	                        {.fd = sfd, .events = POLLIN}};

	for (;;) {
		char buf[4096];
		ssize_t n;

		if (poll(fds, 3, -1) < 0 && errno != EINTR)
			break;
		if (fds[2].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) > 0 && tty)
				copy_size(0, master);
		}
		if (fds[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0 || !hull_write_all(master, buf, (size_t)n))
				fds[1].fd = -1;
		}
		if (fds[0].revents) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (!hull_write_all(1, buf, (size_t)n))
				break;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	return 0;
}
