/* SPDX-License-Identifier: Apache-2.0 */
/* The fds a command is started with (common/inherited_fds.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/inherited_fds.h"

/*
 * One test, in a child: the fds are noted once per process.  A pipe left
 * open as a caller leaves one: noted, it is close-on-exec but still open and
 * readable through /dev/fd (as `--resources /dev/fd/63` reads it); an fd
 * opened after the note is not the caller's and stays; closed, the pipe's
 * writer is gone (its reader sees end of file) and the later fd is intact.
 */
static void noted_fds_are_cloexec_then_closed(void **state)
{
	int p[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0); /* no O_CLOEXEC, as inherited */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char path[64], buf[8] = {0};
		int later, via_path;

		close(p[0]);
		inherited_fds_note();
		if (!(fcntl(p[1], F_GETFD) & FD_CLOEXEC))
			_exit(10);
		/* still usable by path */
		snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
		via_path = open(path, O_WRONLY | O_CLOEXEC);
		if (via_path < 0 || write(via_path, "x", 1) != 1)
			_exit(11);
		close(via_path);
		later = open("/dev/null", O_RDONLY); /* hull's own, after the note */
		if (later < 0)
			_exit(12);
		inherited_fds_close();
		if (fcntl(p[1], F_GETFD) >= 0 || errno != EBADF)
			_exit(13);
		if (fcntl(later, F_GETFD) < 0 || read(later, buf, 1) != 0)
			_exit(14);
		pause(); /* alive, holding no writer of the pipe */
		_exit(0);
	}
	close(p[1]);
	/* The child's copy of the writer is closed: end of file, with the child alive. */
	char c;
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	assert_int_equal(poll(&pfd, 1, 5000), 1); /* not a hang when the writer stays */
	assert_int_equal(read(p[0], &c, 1), 0);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(noted_fds_are_cloexec_then_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
