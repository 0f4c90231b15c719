// SPDX-License-Identifier: Apache-2.0
#include "shim/oom_watch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "shim/events.h"
#include "shim/reaper.h"

struct oom_watch {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char *id;
	pid_t pid;
	int fd;
	int refs;   /* the thread's and each caller's (w->lock) */
	bool ready; /* hull's ready line came: subscribed */
	bool ended; /* its stdout ended: every line was read */
	bool done;  /* the child is reaped: the thread touches nothing more but its reference */
};

static void watch_free(struct oom_watch *w)
{
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->changed);
	free(w->id);
	free(w);
}

void oom_watch_put(struct oom_watch *w)
{
	pthread_mutex_lock(&w->lock);
	bool last = --w->refs == 0;
	pthread_mutex_unlock(&w->lock);
	if (last)
		watch_free(w);
}

struct oom_watch *oom_watch_get(struct oom_watch *w)
{
	pthread_mutex_lock(&w->lock);
	w->refs++;
	pthread_mutex_unlock(&w->lock);
	return w;
}

/* Reads hull's lines until the end; each oom one is a /tasks/oom. */
static void *watch_main(void *arg)
{
	struct oom_watch *w = arg;
	FILE *f = fdopen(w->fd, "r");
	char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		cleanup_json json_t *ev = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(ev, "type"));

		if (type && strcmp(type, "oom") == 0) {
			log_debug("task %s: OOM kill", w->id);
			shim_publish_task_event(w->id, "/tasks/oom", "containerd.events.TaskOOM");
		} else if (type && strcmp(type, "ready") == 0) {
			pthread_mutex_lock(&w->lock);
			w->ready = true;
			pthread_cond_broadcast(&w->changed);
			pthread_mutex_unlock(&w->lock);
		}
	}
	free(line);
	if (f)
		fclose(f);
	else
		close(w->fd);
	pthread_mutex_lock(&w->lock);
	w->ended = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	reaper_wait(w->pid);
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	oom_watch_put(w);
	return NULL;
}

/* Waits (w->lock held) until *flag or the stream's end, for up to timeout_ms (-1: no limit). */
static void wait_for(struct oom_watch *w, const bool *flag, int timeout_ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (!*flag && (!w->ended || flag == &w->done)) {
		if (timeout_ms < 0)
			pthread_cond_wait(&w->changed, &w->lock);
		else if (pthread_cond_timedwait(&w->changed, &w->lock, &until) == ETIMEDOUT)
			break;
	}
}

struct oom_watch *oom_watch_start(const struct hull_runner *runner, const char *id, int timeout_ms,
                                  hull_error_t *err)
{
	struct oom_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;
	int rc;

	if (!w || !(w->id = strdup(id))) {
		free(w);
		hull_fail(err, ENOMEM, "watch %s", id);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->changed, &attr);
	pthread_condattr_destroy(&attr);
	w->refs = 2; /* the caller's and the thread's */
	/* A stats line once a day: only the oom lines matter here. */
	if (hull_spawn(runner,
	               (const char *[]){"events", "--interval", "24h", "--ready-line", id, NULL},
	               &w->fd, &w->pid, err) < 0) {
		watch_free(w);
		return NULL;
	}
	pthread_t thread;
	rc = pthread_create(&thread, NULL, watch_main, w);
	if (rc == 0)
		pthread_detach(thread);
	if (rc != 0) {
		kill(w->pid, SIGKILL);
		close(w->fd);
		reaper_wait(w->pid);
		watch_free(w);
		hull_fail(err, rc, "watch %s: thread", id);
		return NULL;
	}
	pthread_mutex_lock(&w->lock);
	wait_for(w, &w->ready, timeout_ms);
	bool ready = w->ready;
	pthread_mutex_unlock(&w->lock);
	if (!ready) {
		oom_watch_stop(w);
		/* hull's own error went to the shim's stderr, containerd's log. */
		hull_fail(err, 0, "hull events %s: no subscription within %d ms", id, timeout_ms);
		return NULL;
	}
	return w;
}

bool oom_watch_drain(struct oom_watch *w, int timeout_ms)
{
	pthread_mutex_lock(&w->lock);
	wait_for(w, &w->ended, timeout_ms);
	bool ended = w->ended;
	pthread_mutex_unlock(&w->lock);
	return ended;
}

void oom_watch_stop(struct oom_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	/* Until its stdout ended the child holds it: it still runs (not reaped). */
	if (!w->ended)
		kill(w->pid, SIGKILL);
	wait_for(w, &w->done, -1);
	pthread_mutex_unlock(&w->lock);
	oom_watch_put(w);
}
