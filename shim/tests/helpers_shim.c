/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/tests/helpers_shim.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/read_file.h"
#include "shim/reaper.h"

char *shim_test_dir(const char *tag)
{
	char *dir = NULL;

	assert_true(asprintf(&dir, "/tmp/hull-shim-%s-XXXXXX", tag) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

void shim_test_dir_remove(char *dir)
{
	if (!dir)
		return;
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(dir);
}

char *shim_test_path(const char *dir, const char *name)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

char *shim_test_read(const char *path)
{
	hull_error_t err = NULL;
	char *text = NULL;
	size_t len;

	if (hull_read_file(path, &text, &len, &err) < 0) {
		char *msg = hull_error_text(err);

		hull_error_release(&err);
		fail_msg("%s", msg);
	}
	return text;
}

void shim_test_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static const char *deadline_what;

static void deadline_passed(int sig)
{
	(void)sig;
	/* Only async-signal-safe calls here: the test is stuck somewhere. */
	static const char head[] = "# deadline passed, blocked: ";
	struct iovec parts[] = {{(void *)head, sizeof(head) - 1},
	                        {(void *)deadline_what, strlen(deadline_what)},
	                        {"\n", 1}};

	if (writev(STDERR_FILENO, parts, 3) < 0)
		_exit(2);
	_exit(1);
}

void shim_test_deadline(unsigned seconds, const char *what)
{
	deadline_what = what ? what : "";
	signal(SIGALRM, deadline_passed);
	alarm(seconds);
}

short shim_test_poll(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	assert_true(n >= 0);
	return n == 0 ? 0 : pfd.revents;
}

/* The reaper's thread waits in sigwait for SIGCHLD only: this signal ends it there. */
static void end_thread(int sig)
{
	(void)sig;
	pthread_exit(NULL);
}

/* The number of threads in this process; each one but the caller is signalled with sig if > 0. */
static int threads(int sig)
{
	DIR *d = opendir("/proc/self/task");
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0)
			continue;
		n++;
		if (sig && tid != self)
			syscall(SYS_tgkill, getpid(), tid, sig);
	}
	closedir(d);
	return n;
}

int shim_test_start_reaper(const struct reaper_callbacks *callbacks)
{
	hull_error_t err = NULL;

	if (reaper_start(callbacks, &err) < 0) {
		print_message("# %s\n", hull_error_str(err));
		hull_error_release(&err);
		return -1;
	}
	return 0;
}

int shim_test_end_reaper(void **state)
{
	struct sigaction sa = {.sa_handler = end_thread};

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR2, &sa, NULL), 0);
	threads(SIGUSR2);
	for (int i = 0; i < 5000 && threads(0) > 1; i++)
		usleep(1000);
	assert_int_equal(threads(0), 1);
	return 0;
}
