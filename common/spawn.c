/* SPDX-License-Identifier: Apache-2.0 */
#include "common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(char *const argv[], const struct spawn_options *o, int report_fd, pid_t parent)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int e;

	if (o->die_with_parent) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1); /* the parent died before prctl took effect */
	}
	if (o->new_session)
		setsid();
	dup2(null_fd, 0);
	dup2(o->stdout_fd >= 0 ? o->stdout_fd : null_fd, 1);
	dup2(o->stderr_fd >= 0 ? o->stderr_fd : null_fd, 2);
	for (size_t i = 0; i < o->n_keep_fds; i++) {
		int flags = fcntl(o->keep_fds[i], F_GETFD);

		if (flags >= 0)
			fcntl(o->keep_fds[i], F_SETFD, flags & ~FD_CLOEXEC);
	}
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
	}
	if (o->pre_exec && o->pre_exec(o->pre_exec_data) < 0) {
		e = errno;
		(void)!write(report_fd, &e, sizeof(e));
		_exit(127);
	}
	execv(argv[0], argv);
	e = errno;
	(void)!write(report_fd, &e, sizeof(e));
	_exit(127);
}

int spawn_program(char *const argv[], const struct spawn_options *opts, pid_t *pid,
                  hull_error_t *err)
{
	pid_t parent = getpid(), p;
	int report[2], e = 0;
	ssize_t n;

	if (pipe2(report, O_CLOEXEC) < 0)
		return hull_fail(err, errno, "start %s", argv[0]);
	p = fork();
	if (p < 0) {
		e = errno;
		close(report[0]);
		close(report[1]);
		return hull_fail(err, e, "start %s: fork", argv[0]);
	}
	if (p == 0)
		child(argv, opts, report[1], parent);
	close(report[1]);
	do
		n = read(report[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == sizeof(e)) {
		int status;

		waitpid(p, &status, 0);
		return hull_fail(err, e, "start %s", argv[0]);
	}
	*pid = p;
	return 0;
}

int wait_exit_timeout(pid_t pid, int timeout_ms, int *status)
{
	struct timespec step = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};

	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return 1;
		if (waited >= timeout_ms)
			return 0;
		nanosleep(&step, NULL);
	}
}
