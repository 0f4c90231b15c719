// SPDX-License-Identifier: Apache-2.0
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/events.h"
#include "shim/reaper.h"
#include "shim/task_internal.h"

/* How long an init's exit waits for the rest of its `hull events` stream. */
#define OOM_DRAIN_MS 2000

void task_close_stdin_keeper(struct shim_process *p)
{
	if (p->stdin_keeper >= 0)
		close(p->stdin_keeper);
	p->stdin_keeper = -1;
}

static void process_free(struct shim_process *p)
{
	task_close_stdin_keeper(p);
	if (p->has_console)
		shim_console_relay_stop(&p->console);
	free(p->exec_id);
	for (int i = 0; i < 3; i++)
		free(p->stdio[i]);
	free(p->spec_json);
	free(p);
}

void task_process_put(struct shim_task *t, struct shim_process *p)
{
	pthread_mutex_lock(&t->lock);
	bool last = --p->refs == 0;
	pthread_mutex_unlock(&t->lock);
	if (last)
		process_free(p);
}

/* TaskExit {container_id = 1, id = 2, pid = 3, exit_status = 4, exited_at = 5}. */
static void publish_exit(const char *task_id, const char *id, pid_t pid, int status,
                         struct timespec when)
{
	struct pb_writer ev = {0};

	pb_put_string(&ev, 1, task_id);
	pb_put_string(&ev, 2, id);
	pb_put_uint64(&ev, 3, (uint64_t)pid);
	pb_put_uint64(&ev, 4, (uint64_t)status);
	pb_put_timestamp(&ev, 5, when.tv_sec, (int32_t)when.tv_nsec);
	shim_publish("/tasks/exit", "containerd.events.TaskExit", &ev);
	pb_writer_release(&ev);
}

void task_publish_exit_if_due(struct shim_task *t, struct shim_process *p)
{
	char *id = NULL;
	pid_t pid = 0;
	int status = 0;
	struct timespec when = {0};

	struct oom_watch *oom = NULL;

	pthread_mutex_lock(&t->lock);
	bool due = p->exited && !p->starting && !p->exit_published;
	if (due) {
		p->exit_published = true;
		id = strdup(p->exec_id ? p->exec_id : t->id);
		pid = p->pid;
		status = p->exit_status;
		when = p->exited_at;
		if (!p->exec_id && t->oom)
			oom = oom_watch_get(t->oom);
	}
	pthread_mutex_unlock(&t->lock);
	/* An OOM kill that ended the container goes first: its stream ends with it. */
	if (oom) {
		oom_watch_drain(oom, OOM_DRAIN_MS);
		oom_watch_put(oom);
	}
	if (due && id)
		publish_exit(t->id, id, pid, status, when);
	free(id);
}

bool task_claim_exit(pid_t pid, int status, struct timespec when, void *data)
{
	struct shim_task *t = data;
	bool claimed = false;

	pthread_mutex_lock(&t->lock);
	for (struct shim_process *p = t->processes; p; p = p->next) {
		if (p->pid != pid || p->exited)
			continue;
		p->exited = true;
		p->exit_status = reaper_exit_code(status);
		p->exited_at = when;
		task_close_stdin_keeper(p);
		claimed = true;
		pthread_cond_broadcast(&t->changed);
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return claimed;
}

void task_notify_exit(pid_t pid, void *data)
{
	struct shim_task *t = data;
	struct shim_process *found = NULL;

	pthread_mutex_lock(&t->lock);
	for (struct shim_process *p = t->processes; p; p = p->next) {
		if (p->pid == pid) {
			found = p;
			found->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (found) {
		task_publish_exit_if_due(t, found);
		task_process_put(t, found);
	}
}

void task_track_pid(struct shim_task *t, struct shim_process *p, pid_t pid)
{
	int status;
	struct timespec when;

	pthread_mutex_lock(&t->lock);
	p->pid = pid;
	pthread_mutex_unlock(&t->lock);
	if (reaper_take_early_exit(pid, &status, &when))
		task_claim_exit(pid, status, when, t);
}
