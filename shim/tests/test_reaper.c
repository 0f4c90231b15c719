/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shim's one reaper (shim/reaper.c), started once for the whole
 * program as the shim does: hull commands waited for, task processes
 * claimed and reported, exits that come before their pid is known kept,
 * and orphans reaped as their subreaper.  Children are forked here and
 * only _exit, so they need no SIGCHLD of their own.
 */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "shim/reaper.h"
#include "shim/tests/helpers_shim.h"

/* What the claim and notify callbacks have seen: the task's side. */
#define MAX_SEEN 16
static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	pid_t known[MAX_SEEN];
	size_t n_known;
	struct {
		pid_t pid;
		int status;
		struct timespec when;
	} claimed[MAX_SEEN];
	size_t n_claimed;
	pid_t notified[MAX_SEEN];
	size_t n_notified;
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static bool claim(pid_t pid, int status, struct timespec when, void *data)
{
	bool known = false;

	if (data != &seen)
		abort(); /* not a cmocka assertion: this is the reaper's thread */
	pthread_mutex_lock(&seen.lock);
	for (size_t i = 0; i < seen.n_known; i++)
		known = known || seen.known[i] == pid;
	if (known && seen.n_claimed < MAX_SEEN) {
		seen.claimed[seen.n_claimed].pid = pid;
		seen.claimed[seen.n_claimed].status = status;
		seen.claimed[seen.n_claimed++].when = when;
	}
	pthread_mutex_unlock(&seen.lock);
	return known;
}

static void notify(pid_t pid, void *data)
{
	(void)data;
	pthread_mutex_lock(&seen.lock);
	if (seen.n_notified < MAX_SEEN)
		seen.notified[seen.n_notified++] = pid;
	pthread_cond_broadcast(&seen.changed);
	pthread_mutex_unlock(&seen.lock);
}

/* pid becomes a process the task knows (as after reading its pid file). */
static void know(pid_t pid)
{
	pthread_mutex_lock(&seen.lock);
	assert_true(seen.n_known < MAX_SEEN);
	seen.known[seen.n_known++] = pid;
	pthread_mutex_unlock(&seen.lock);
}

/* How many times notify has been called for pid, after waiting up to
 * wait_ms for the first time. */
static size_t notified(pid_t pid, int wait_ms)
{
	struct timespec deadline;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&seen.lock);
	for (;;) {
		n = 0;
		for (size_t i = 0; i < seen.n_notified; i++)
			n += seen.notified[i] == pid;
		if (n > 0 || pthread_cond_timedwait(&seen.changed, &seen.lock, &deadline) != 0)
			break;
	}
	pthread_mutex_unlock(&seen.lock);
	return n;
}

/* The wait status claim was given for pid (it must have been claimed). */
static int claimed_status(pid_t pid, struct timespec *when)
{
	int status = -1;

	pthread_mutex_lock(&seen.lock);
	for (size_t i = 0; i < seen.n_claimed; i++)
		if (seen.claimed[i].pid == pid) {
			status = seen.claimed[i].status;
			*when = seen.claimed[i].when;
		}
	pthread_mutex_unlock(&seen.lock);
	assert_int_not_equal(status, -1);
	return status;
}

/* A child that exits with code once the pipe go is closed here. */
static pid_t child_exiting_on(const int go[2], int code)
{
	pid_t pid = fork();
	char c;

	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	return pid;
}

static void assert_recent(struct timespec when)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	assert_true(when.tv_sec <= now.tv_sec);
	assert_true(when.tv_sec >= now.tv_sec - 30);
}

/* Until pid has been reaped (it no longer exists, not even as a zombie). */
static void wait_gone(pid_t pid)
{
	for (int i = 0; i < 5000 && kill(pid, 0) == 0; i++)
		usleep(1000);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static int start_reaper(void **state)
{
	(void)state;
	return shim_test_start_reaper(
	    &(struct reaper_callbacks){.claim = claim, .notify = notify, .data = &seen});
}

/* A child that exits with code at once. */
static pid_t child_exiting(int code)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(code);
	return pid;
}

/* reaper_wait(pid), failing the test program when it does not return. */
static int wait_for(pid_t pid)
{
	shim_test_deadline(30, "reaper_wait");
	int status = reaper_wait(pid);
	shim_test_deadline(0, NULL);
	return status;
}

struct late_exit {
	pid_t waiter; /* the thread that calls reaper_wait */
	int go;       /* the write end that lets the child exit */
};

/* Whether thread tid sleeps in a futex (a condition variable's wait). */
static bool in_futex_wait(pid_t tid)
{
	char path[64], text[64] = "";
	FILE *f;
	long nr = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	if (!(f = fopen(path, "re")))
		return false;
	if (fgets(text, sizeof(text), f))
		nr = strtol(text, NULL, 10);
	fclose(f);
	return nr == SYS_futex;
}

/* Lets the child exit once the waiter is waiting in reaper_wait. */
static void *exit_late(void *arg)
{
	struct late_exit *late = arg;

	for (int i = 0; i < 10000 && !in_futex_wait(late->waiter); i++)
		usleep(1000);
	usleep(20000);
	close(late->go);
	return NULL;
}

/* reaper_wait of a child made by child_exiting_on(go, ...), which exits once the wait has begun. */
static int wait_then_exit(pid_t pid, int go[2])
{
	struct late_exit late = {.waiter = (pid_t)syscall(SYS_gettid), .go = go[1]};
	pthread_t thread;

	close(go[0]);
	assert_int_equal(pthread_create(&thread, NULL, exit_late, &late), 0);
	int status = wait_for(pid);
	pthread_join(thread, NULL);
	return status;
}

static void wait_gives_the_exit_status(void **state)
{
	int go[2];

	(void)state;
	assert_int_equal(pipe(go), 0);
	int status = wait_then_exit(child_exiting_on(go, 3), go);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_int_equal(reaper_exit_code(status), 3);
}

static void wait_after_the_exit_was_reaped(void **state)
{
	pid_t pid = child_exiting(5);

	(void)state;
	wait_gone(pid); /* the reaper has it already */
	int status = wait_for(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 5);
}

static void killed_child_is_128_plus_signal(void **state)
{
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		for (;;)
			pause();
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status = wait_for(pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(reaper_exit_code(status), 137);
}

static void waited_pid_is_not_claimed(void **state)
{
	struct timespec when;
	int go[2];

	(void)state;
	assert_int_equal(pipe(go), 0);
	pid_t pid = child_exiting_on(go, 8);
	/* claim would take it (a hull command's pid that is a task's too) but a wait is first. */
	know(pid);
	int status = wait_then_exit(pid, go);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 8);
	assert_int_equal(notified(pid, 0), 0);
	assert_false(reaper_take_early_exit(pid, &status, &when));
}

static void exit_code_of_a_status(void **state)
{
	(void)state;
	assert_int_equal(reaper_exit_code(W_EXITCODE(0, 0)), 0);
	assert_int_equal(reaper_exit_code(W_EXITCODE(42, 0)), 42);
	assert_int_equal(reaper_exit_code(W_EXITCODE(255, 0)), 255);
	assert_int_equal(reaper_exit_code(W_EXITCODE(0, SIGTERM)), 128 + SIGTERM);
}

static void known_pid_is_claimed_and_notified_once(void **state)
{
	struct timespec when;
	int go[2], status;

	(void)state;
	assert_int_equal(pipe(go), 0);
	pid_t pid = child_exiting_on(go, 4);
	close(go[0]);
	know(pid);
	close(go[1]); /* now it exits */
	assert_int_equal(notified(pid, 10000), 1);
	status = claimed_status(pid, &when);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 4);
	assert_recent(when);
	/* Claimed is not kept, and notify was called once. */
	assert_false(reaper_take_early_exit(pid, &status, &when));
	usleep(100000);
	assert_int_equal(notified(pid, 0), 1);
}

static void unknown_pid_is_kept_for_take_early_exit(void **state)
{
	struct timespec when = {0};
	pid_t pid = child_exiting(6);
	int status = -1;
	bool found = false;

	(void)state;
	wait_gone(pid);
	/* Reaped; kept once the reaper's lock is let go. */
	for (int i = 0; i < 5000 && !found; i++)
		if (!(found = reaper_take_early_exit(pid, &status, &when)))
			usleep(1000);
	assert_true(found);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 6);
	assert_recent(when);
	assert_false(reaper_take_early_exit(pid, &status, &when));
	assert_int_equal(notified(pid, 0), 0);
}

/*
 * A child that forks two grandchildren, each exiting with its code once
 * the pipe go is closed here, tells their pids, and exits: they become
 * orphans, the subreaper's to reap.
 */
static pid_t orphans(const int go[2], pid_t grandchildren[2], const int codes[2])
{
	int report[2];
	pid_t pid;

	assert_int_equal(pipe(report), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t gc[2];

		close(go[1]);
		close(report[0]);
		for (int i = 0; i < 2; i++) {
			gc[i] = fork();
			if (gc[i] == 0) {
				char c;
				close(report[1]);
				while (read(go[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(codes[i]);
			}
		}
		_exit(write(report[1], gc, sizeof(gc)) == sizeof(gc) && gc[0] > 0 && gc[1] > 0 ? 0
		                                                                               : 1);
	}
	close(report[1]);
	assert_int_equal(read(report[0], grandchildren, 2 * sizeof(pid_t)), 2 * sizeof(pid_t));
	close(report[0]);
	return pid;
}

static void orphaned_grandchildren_reach_claim_and_keep(void **state)
{
	const int codes[2] = {9, 11};
	pid_t gc[2];
	struct timespec when;
	int go[2], status = -1;
	bool found = false;

	(void)state;
	assert_int_equal(pipe(go), 0);
	pid_t child = orphans(go, gc, codes);
	close(go[0]);
	status = wait_for(child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Their parent has gone: they are ours now. */
	know(gc[0]);
	close(go[1]);

	assert_int_equal(notified(gc[0], 10000), 1);
	status = claimed_status(gc[0], &when);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 9);

	for (int i = 0; i < 10000 && !found; i++)
		if (!(found = reaper_take_early_exit(gc[1], &status, &when)))
			usleep(1000);
	assert_true(found);
	assert_int_equal(WEXITSTATUS(status), 11);
	assert_int_equal(notified(gc[1], 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wait_gives_the_exit_status),
	    cmocka_unit_test(wait_after_the_exit_was_reaped),
	    cmocka_unit_test(killed_child_is_128_plus_signal),
	    cmocka_unit_test(waited_pid_is_not_claimed),
	    cmocka_unit_test(exit_code_of_a_status),
	    cmocka_unit_test(known_pid_is_claimed_and_notified_once),
	    cmocka_unit_test(unknown_pid_is_kept_for_take_early_exit),
	    cmocka_unit_test(orphaned_grandchildren_reach_claim_and_keep),
	};
	return cmocka_run_group_tests(tests, start_reaper, shim_test_end_reaper);
}
