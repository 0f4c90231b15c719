/* SPDX-License-Identifier: Apache-2.0 */
#include "common/proc_identity.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

#define STAT_FIELD_PPID 4
#define STAT_FIELD_START_TIME 22

/*
 * /proc/<pid>/stat from field 3 on, in buf; NULL when there is no such
 * process.  The command name (field 2) is in parentheses and may hold
 * spaces and ')': field 3 follows the last ')' and a space.
 */
static const char *stat_fields(pid_t pid, char *buf, size_t size)
{
	char path[64];
	cleanup_close int fd = -1;
	ssize_t len;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (len = read(fd, buf, size - 1)) <= 0)
		return NULL;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p + 2 : NULL;
}

/* Field n (n >= 3) of /proc/<pid>/stat as a number. */
static bool stat_field(pid_t pid, int n, unsigned long long *out)
{
	char buf[1024], *end;
	const char *p = stat_fields(pid, buf, sizeof(buf));

	for (int field = 3; p != NULL && field < n; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return false;
	errno = 0;
	*out = strtoull(p, &end, 10);
	return errno == 0 && end != p && (*end == ' ' || *end == '\n' || *end == '\0');
}

bool proc_stopped(pid_t pid)
{
	char buf[1024];
	const char *p = stat_fields(pid, buf, sizeof(buf));

	return p != NULL && (p[0] == 'T' || p[0] == 't');
}

uint64_t proc_start_time(pid_t pid)
{
	unsigned long long v;

	return pid > 0 && stat_field(pid, STAT_FIELD_START_TIME, &v) ? v : 0;
}

/* Whether pid runs exactly exe (resolved); " (deleted)": replaced on disk since. */
static bool runs_program(pid_t pid, const char *exe)
{
	char path[64], running[PATH_MAX + 16], wanted[PATH_MAX];
	ssize_t n;
	size_t len;

	if (realpath(exe, wanted) == NULL)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, running, sizeof(running) - 1);
	if (n <= 0)
		return false;
	running[n] = '\0';
	len = strlen(wanted);
	return strncmp(running, wanted, len) == 0 &&
	       (running[len] == '\0' || strcmp(running + len, " (deleted)") == 0);
}

int proc_open_recorded(pid_t pid, uint64_t start_time, const char *exe)
{
	cleanup_close int fd = -1;
	struct pollfd pfd;

	if (pid <= 0 || start_time == 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	if (proc_start_time(pid) != start_time || (exe != NULL && !runs_program(pid, exe)))
		return -1;
	/*
	 * /proc/<pid> was checked after the pidfd was opened: if the pidfd's
	 * process still runs, the pid was still its own during the check.
	 */
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, 0) != 0)
		return -1;
	return steal_fd(&fd);
}

bool proc_is_recorded(pid_t pid, uint64_t start_time, const char *exe)
{
	int fd = proc_open_recorded(pid, start_time, exe);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int proc_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 || errno == ESRCH)
		return 0;
	return -1;
}

bool proc_wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int r;

	while ((r = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return r == 1;
}

bool proc_kill_recorded(pid_t pid, uint64_t start_time, const char *exe, int timeout_ms)
{
	cleanup_close int fd = proc_open_recorded(pid, start_time, exe);

	if (fd < 0)
		return true;
	return proc_signal(fd, SIGKILL) == 0 && proc_wait_exit(fd, timeout_ms);
}

size_t proc_children(pid_t ppid, pid_t *out, size_t max)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (dir == NULL)
		return 0;
	while (n < max && (de = readdir(dir)) != NULL) {
		unsigned long long parent;
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (stat_field(pid, STAT_FIELD_PPID, &parent) && parent == (unsigned long long)ppid)
			out[n++] = pid;
	}
	closedir(dir);
	return n;
}
