// SPDX-License-Identifier: Apache-2.0
#include "shim/reaper.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "common/log.h"

struct exit_record {
	pid_t pid;
	int status;
	struct timespec when;
};

/* Exits nobody has claimed yet; a shim has few children, so a short array. */
#define MAX_KEPT 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct exit_record kept[MAX_KEPT];
	size_t n_kept;
	pid_t waited[64]; /* pids a reaper_wait is waiting for */
	size_t n_waited;
	struct reaper_callbacks callbacks;
} reaper = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static bool is_waited(pid_t pid)
{
	for (size_t i = 0; i < reaper.n_waited; i++)
		if (reaper.waited[i] == pid)
			return true;
	return false;
}

static void keep(pid_t pid, int status, struct timespec when)
{
	if (reaper.n_kept == MAX_KEPT) { /* the oldest unclaimed exit goes */
		memmove(reaper.kept, reaper.kept + 1, sizeof(reaper.kept[0]) * (MAX_KEPT - 1));
		reaper.n_kept--;
	}
	reaper.kept[reaper.n_kept++] = (struct exit_record){pid, status, when};
}

static void *reaper_main(void *arg)
{
	sigset_t chld;

	(void)arg;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		int sig;

		if (sigwait(&chld, &sig) != 0)
			continue;
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);
			struct timespec when;

			if (pid <= 0)
				break;
			clock_gettime(CLOCK_REALTIME, &when);
			pthread_mutex_lock(&reaper.lock);
			bool claimed =
			    !is_waited(pid) && reaper.callbacks.claim &&
			    reaper.callbacks.claim(pid, status, when, reaper.callbacks.data);
			if (!claimed) {
				keep(pid, status, when);
				pthread_cond_broadcast(&reaper.changed);
			}
			pthread_mutex_unlock(&reaper.lock);
			if (claimed)
				reaper.callbacks.notify(pid, reaper.callbacks.data);
		}
	}
	return NULL;
}

int reaper_start(const struct reaper_callbacks *callbacks, hull_error_t *err)
{
	sigset_t chld;
	pthread_t thread;
	int rc;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return hull_fail(err, errno, "reaper: PR_SET_CHILD_SUBREAPER");
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	reaper.callbacks = *callbacks;
	rc = pthread_create(&thread, NULL, reaper_main, NULL);
	if (rc != 0)
		return hull_fail(err, rc, "reaper: start thread");
	pthread_detach(thread);
	return 0;
}

/* Removes and returns the kept exit of pid; -1 when there is none. */
static int take_locked(pid_t pid, int *status, struct timespec *when)
{
	for (size_t i = 0; i < reaper.n_kept; i++) {
		if (reaper.kept[i].pid != pid)
			continue;
		*status = reaper.kept[i].status;
		if (when)
			*when = reaper.kept[i].when;
		memmove(reaper.kept + i, reaper.kept + i + 1,
		        sizeof(reaper.kept[0]) * (reaper.n_kept - i - 1));
		reaper.n_kept--;
		return 0;
	}
	return -1;
}

int reaper_wait(pid_t pid)
{
	int status = 0;

	pthread_mutex_lock(&reaper.lock);
	if (reaper.n_waited < sizeof(reaper.waited) / sizeof(reaper.waited[0]))
		reaper.waited[reaper.n_waited++] = pid;
	while (take_locked(pid, &status, NULL) < 0)
		pthread_cond_wait(&reaper.changed, &reaper.lock);
	for (size_t i = 0; i < reaper.n_waited; i++) {
		if (reaper.waited[i] == pid) {
			reaper.waited[i] = reaper.waited[--reaper.n_waited];
			break;
		}
	}
	pthread_mutex_unlock(&reaper.lock);
	return status;
}

bool reaper_take_early_exit(pid_t pid, int *status, struct timespec *when)
{
	pthread_mutex_lock(&reaper.lock);
	bool found = take_locked(pid, status, when) == 0;
	pthread_mutex_unlock(&reaper.lock);
	return found;
}

int reaper_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}
