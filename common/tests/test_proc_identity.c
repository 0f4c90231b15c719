/* SPDX-License-Identifier: Apache-2.0 */
/* Recorded processes told from strangers (common/proc_identity.h). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/proc_identity.h"

/* A child that sleeps until killed; *start_time is its start time. */
static pid_t sleeper(uint64_t *start_time)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	*start_time = proc_start_time(pid);
	assert_true(*start_time > 0);
	return pid;
}

static void start_time_is_field_22(void **state)
{
	char buf[1024], *p;
	unsigned long long want = 0;
	FILE *f = fopen("/proc/self/stat", "r");

	(void)state;
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')') + 2;
	for (int field = 3; field < 22; field++)
		p = strchr(p, ' ') + 1;
	want = strtoull(p, NULL, 10);
	assert_true(want > 0);
	assert_int_equal(proc_start_time(getpid()), want);
	assert_int_equal(proc_start_time(0), 0);
	assert_int_equal(proc_start_time(INT_MAX), 0);
}

static void only_the_recorded_process_is_found(void **state)
{
	uint64_t start;
	pid_t pid = sleeper(&start);
	char self[PATH_MAX];
	ssize_t n;
	int fd;

	(void)state;
	assert_true(proc_is_recorded(pid, start, NULL));
	/* A start time that is wrong, or missing: a stranger with the same pid. */
	assert_false(proc_is_recorded(pid, start + 1, NULL));
	assert_false(proc_is_recorded(pid, 0, NULL));
	assert_false(proc_is_recorded(0, start, NULL));
	/* The program must be exactly the one named (resolved), not a substring of it. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	assert_true(proc_is_recorded(pid, start, self));
	self[n - 1] = '\0';
	assert_false(proc_is_recorded(pid, start, self));
	assert_false(proc_is_recorded(pid, start, "/nonexistent/program"));

	fd = proc_open_recorded(pid, start, NULL);
	assert_true(fd >= 0);
	assert_false(proc_wait_exit(fd, 0));
	assert_int_equal(proc_signal(fd, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_true(proc_wait_exit(fd, 1000));
	close(fd);
	/* Gone (reaped): nothing to find, nothing to kill, no error. */
	assert_false(proc_is_recorded(pid, start, NULL));
	assert_true(proc_kill_recorded(pid, start, NULL, 100));
}

static void a_stranger_is_not_killed(void **state)
{
	uint64_t start;
	pid_t pid = sleeper(&start);
	int status;

	(void)state;
	assert_true(proc_kill_recorded(pid, start + 5, NULL, 100));
	assert_true(proc_kill_recorded(pid, start, "/usr/bin/qemu-system-x86_64", 100));
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still alive */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void children_and_stopped(void **state)
{
	uint64_t s1, s2;
	pid_t a = sleeper(&s1), b = sleeper(&s2), kids[8];
	size_t n = proc_children(getpid(), kids, 8);
	bool found_a = false, found_b = false;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		found_a |= kids[i] == a;
		found_b |= kids[i] == b;
	}
	assert_true(found_a && found_b);
	assert_false(proc_stopped(a));
	kill(a, SIGSTOP);
	for (int i = 0; i < 100 && !proc_stopped(a); i++)
		usleep(1000);
	assert_true(proc_stopped(a));
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(start_time_is_field_22),
	    cmocka_unit_test(only_the_recorded_process_is_found),
	    cmocka_unit_test(a_stranger_is_not_killed),
	    cmocka_unit_test(children_and_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
