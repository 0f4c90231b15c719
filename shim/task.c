// SPDX-License-Identifier: Apache-2.0
#include "shim/task.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "shim/events.h"
#include "shim/metrics.h"
#include "shim/reaper.h"
#include "shim/requests.h"
#include "shim/rootfs.h"
#include "shim/task_internal.h"

/* How long Start waits for `hull events` to subscribe before it starts the container anyway. */
#define OOM_WATCH_START_MS 10000

/* containerd.v1.types.Status */
enum task_status {
	STATUS_UNKNOWN = 0,
	STATUS_CREATED = 1,
	STATUS_RUNNING = 2,
	STATUS_STOPPED = 3,
	STATUS_PAUSED = 4,
};

/* --- answers --- */

static enum ttrpc_code fail(enum ttrpc_code code, char **message, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum ttrpc_code fail(enum ttrpc_code code, char **message, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(message, fmt, ap) < 0)
		*message = NULL;
	va_end(ap);
	return code;
}

/*
 * hull's message with the gRPC code containerd's errdefs reads back: a
 * container or process that is gone is NotFound (the CRI takes that as
 * done when it stops or removes one), one that exists already AlreadyExists.
 */
static enum ttrpc_code fail_hull(hull_error_t *err, char **message)
{
	const char *text = hull_error_str(*err);
	enum ttrpc_code code = TTRPC_UNKNOWN;

	if (strstr(text, "does not exist") || strstr(text, "not running"))
		code = TTRPC_NOT_FOUND;
	else if (strstr(text, "already exists"))
		code = TTRPC_ALREADY_EXISTS;
	*message = strdup(text);
	return code;
}

static void put_exit(struct pb_writer *w, uint32_t status_field, const struct shim_process *p)
{
	pb_put_uint64(w, status_field, (uint64_t)p->exit_status);
	if (p->exited)
		pb_put_timestamp(w, status_field + 1, p->exited_at.tv_sec,
		                 (int32_t)p->exited_at.tv_nsec);
}

/* p is done without a process of its own to reap (t->lock held): its Waits return. */
static void mark_exited(struct shim_task *t, struct shim_process *p, int status)
{
	p->exited = true;
	p->exit_published = true; /* nothing ran: no /tasks/exit */
	p->exit_status = status;
	clock_gettime(CLOCK_REALTIME, &p->exited_at);
	task_close_stdin_keeper(p);
	pthread_cond_broadcast(&t->changed);
}

/* --- the methods --- */

typedef enum ttrpc_code (*task_method)(struct shim_task *t, struct shim_process *p,
                                       struct task_request *req, struct pb_writer *resp,
                                       char **message);

/* Create: rootfs mounted, `hull create` with the stdio, /tasks/create. */
static enum ttrpc_code task_create(struct shim_task *t, struct shim_process *unused,
                                   struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *rootfs = NULL, *pid_file = NULL;
	const char *args[16] = {"create", "--bundle", req->bundle};
	struct shim_process *p;

	(void)unused;
	if (!req->bundle)
		return fail(TTRPC_INVALID_ARGUMENT, message, "create: no bundle");
	if (req->checkpoint)
		return fail(TTRPC_UNIMPLEMENTED, message,
		            "create: hull cannot restore a checkpoint");
	if (strcmp(req->id, t->id) != 0)
		return fail(TTRPC_INVALID_ARGUMENT, message,
		            "create: this shim serves task %s, not %s", t->id, req->id);
	if (req->options)
		log_warning("create %s: runtime options are not read by hull's shim "
		            "(HULL_SHIM_HULL and HULL_SHIM_ROOT configure it)",
		            t->id);
	pthread_mutex_lock(&t->lock);
	bool taken = t->created;
	t->created = true;
	pthread_mutex_unlock(&t->lock);
	if (taken)
		return fail(TTRPC_ALREADY_EXISTS, message, "task %s: already exists", t->id);

	p = calloc(1, sizeof(*p));
	t->bundle = strdup(req->bundle);
	if (!p || !t->bundle || asprintf(&rootfs, "%s/rootfs", req->bundle) < 0 ||
	    asprintf(&pid_file, "%s/init.pid", t->state_dir) < 0) {
		free(p);
		hull_fail(&err, ENOMEM, "create");
		goto failed;
	}
	*p = (struct shim_process){.terminal = req->terminal, .stdin_keeper = -1, .refs = 1};
	for (int i = 0; i < 3; i++) {
		p->stdio[i] = req->stdio[i];
		req->stdio[i] = NULL;
	}
	pthread_mutex_lock(&t->lock);
	t->processes = p;
	pthread_mutex_unlock(&t->lock);
	if (req->n_mounts) {
		mkdir(rootfs, 0711);
		if (shim_mount_all(req->mounts, req->n_mounts, rootfs, &err) < 0)
			goto failed;
		t->rootfs_mounted = true;
	}
	if (task_run_process(t, p, args, 3, pid_file, &err) < 0)
		goto failed;

	struct pb_writer ev = {0};
	pb_put_string(&ev, 1, t->id);
	pb_put_string(&ev, 2, t->bundle);
	pb_put_uint64(&ev, 6, (uint64_t)p->pid);
	shim_publish("/tasks/create", "containerd.events.TaskCreate", &ev);
	pb_writer_release(&ev);
	pb_put_uint64(resp, 1, (uint64_t)p->pid);
	return TTRPC_OK;

failed:
	if (t->rootfs_mounted) {
		cleanup_error hull_error_t umount_err = NULL;
		if (shim_unmount_all(rootfs, &umount_err) < 0)
			log_warning("create: %s", hull_error_str(umount_err));
		t->rootfs_mounted = false;
	}
	pthread_mutex_lock(&t->lock);
	p = t->processes;
	t->processes = NULL;
	t->created = false;
	pthread_mutex_unlock(&t->lock);
	if (p)
		task_process_put(t, p);
	return fail_hull(&err, message);
}

/* An exec's process: its JSON to a file, then `hull exec --detach`. */
static int start_exec(struct shim_task *t, struct shim_process *p, hull_error_t *err)
{
	cleanup_free char *spec_path = NULL, *pid_file = NULL;
	const char *args[16] = {"exec", "--detach", "--process"};
	unsigned n;

	/* Numbered like the console sockets: exec ids can be long. */
	pthread_mutex_lock(&t->lock);
	n = t->consoles++;
	pthread_mutex_unlock(&t->lock);
	if (asprintf(&spec_path, "%s/exec%u.json", t->state_dir, n) < 0 ||
	    asprintf(&pid_file, "%s/exec%u.pid", t->state_dir, n) < 0)
		return hull_fail(err, ENOMEM, "exec");
	FILE *f = fopen(spec_path, "we");
	if (!f || fputs(p->spec_json, f) < 0 || fclose(f) != 0) {
		int e = errno;
		if (f)
			fclose(f);
		return hull_fail(err, e, "write %s", spec_path);
	}
	args[3] = spec_path;
	int rc = task_run_process(t, p, args, 4, pid_file, err);
	unlink(spec_path);
	unlink(pid_file);
	return rc;
}

/* Start: `hull start` (the init) or `hull exec` (an exec), then its event. */
static enum ttrpc_code task_start(struct shim_task *t, struct shim_process *p,
                                  struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;

	(void)req;
	pthread_mutex_lock(&t->lock);
	bool already = p->started || p->starting;
	p->starting = true;
	pthread_mutex_unlock(&t->lock);
	if (already)
		return fail(TTRPC_FAILED_PRECONDITION, message, "process %s: already started",
		            p->exec_id ? p->exec_id : t->id);
	struct oom_watch *oom = NULL;
	if (!p->exec_id) {
		cleanup_error hull_error_t oom_err = NULL;

		/* Subscribed before the start: no OOM kill comes before the stream. */
		oom = oom_watch_start(&t->runner, t->id, OOM_WATCH_START_MS, &oom_err);
		if (!oom)
			log_warning("task %s: no /tasks/oom events: %s", t->id,
			            hull_error_str(oom_err));
	}
	int rc = p->exec_id ? start_exec(t, p, &err)
	                    : task_run_hull(t, (const char *[]){"start", t->id, NULL}, NULL, &err);
	if (rc < 0) {
		oom_watch_stop(oom);
		oom = NULL;
	}
	pthread_mutex_lock(&t->lock);
	if (oom)
		t->oom = oom;
	p->starting = false;
	p->started = rc == 0;
	/* An exec that never ran has no process to reap: it is done, so that
	 * the Wait the CRI made before Start returns (255, as a failed start). */
	if (rc < 0 && p->exec_id && !p->exited)
		mark_exited(t, p, 255);
	pthread_mutex_unlock(&t->lock);
	if (rc < 0)
		return fail_hull(&err, message);

	struct pb_writer ev = {0};
	pb_put_string(&ev, 1, t->id);
	if (p->exec_id) {
		pb_put_string(&ev, 2, p->exec_id);
		pb_put_uint64(&ev, 3, (uint64_t)p->pid);
		shim_publish("/tasks/exec-started", "containerd.events.TaskExecStarted", &ev);
	} else {
		pb_put_uint64(&ev, 2, (uint64_t)p->pid);
		shim_publish("/tasks/start", "containerd.events.TaskStart", &ev);
	}
	pb_writer_release(&ev);
	pb_put_uint64(resp, 1, (uint64_t)p->pid);
	/* An exit that came while starting is told after the start. */
	task_publish_exit_if_due(t, p);
	return TTRPC_OK;
}

/* The status containerd shows: an exit seen by the reaper wins over hull's state. */
static enum task_status process_status(struct shim_task *t, struct shim_process *p)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	pthread_mutex_lock(&t->lock);
	bool exited = p->exited, started = p->started;
	pthread_mutex_unlock(&t->lock);
	if (exited)
		return STATUS_STOPPED;
	if (!started)
		return STATUS_CREATED;
	if (p->exec_id)
		return STATUS_RUNNING;
	if (task_run_hull(t, (const char *[]){"state", t->id, NULL}, &out, &err) < 0)
		return STATUS_UNKNOWN;
	cleanup_json json_t *state = json_loads(out, 0, NULL);
	const char *status = json_string_value(json_object_get(state, "status"));
	if (!status)
		return STATUS_UNKNOWN;
	if (!strcmp(status, "paused"))
		return STATUS_PAUSED;
	if (!strcmp(status, "stopped"))
		return STATUS_STOPPED;
	if (!strcmp(status, "created"))
		return STATUS_CREATED;
	return STATUS_RUNNING;
}

/* State: StateResponse {id = 1, bundle = 2, pid = 3, status = 4, stdin = 5,
 * stdout = 6, stderr = 7, terminal = 8, exit_status = 9, exited_at = 10, exec_id = 11}. */
static enum ttrpc_code task_state(struct shim_task *t, struct shim_process *p,
                                  struct task_request *req, struct pb_writer *resp, char **message)
{
	enum task_status status = process_status(t, p);

	(void)req;
	(void)message;
	pthread_mutex_lock(&t->lock);
	pb_put_string(resp, 1, p->exec_id ? p->exec_id : t->id);
	pb_put_string(resp, 2, t->bundle);
	pb_put_uint64(resp, 3, (uint64_t)p->pid);
	pb_put_uint64(resp, 4, p->exited ? STATUS_STOPPED : status);
	for (int i = 0; i < 3; i++)
		pb_put_string(resp, 5 + i, p->stdio[i]);
	pb_put_bool(resp, 8, p->terminal);
	put_exit(resp, 9, p);
	pb_put_string(resp, 11, p->exec_id);
	pthread_mutex_unlock(&t->lock);
	return TTRPC_OK;
}

/* Kill: `hull kill [--all]` for the init; an exec's relay forwards the signal itself. */
static enum ttrpc_code task_kill(struct shim_task *t, struct shim_process *p,
                                 struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	char signal[16];

	(void)resp;
	pthread_mutex_lock(&t->lock);
	bool exited = p->exited, started = p->started;
	pid_t pid = p->pid;
	pthread_mutex_unlock(&t->lock);
	if (p->exec_id && !started && !exited)
		return fail(TTRPC_FAILED_PRECONDITION, message, "exec %s: not started", p->exec_id);
	/* The runc shim's words, which containerd takes for a process gone. */
	if ((exited && !req->all) || (p->exec_id && kill(pid, (int)req->signal) < 0))
		return fail(TTRPC_NOT_FOUND, message, "process already finished");
	if (p->exec_id)
		return TTRPC_OK;
	snprintf(signal, sizeof(signal), "%u", req->signal);
	if (task_run_hull(t,
	                  req->all ? (const char *[]){"kill", "--all", t->id, signal, NULL}
	                           : (const char *[]){"kill", t->id, signal, NULL},
	                  NULL, &err) < 0)
		return fail_hull(&err, message);
	return TTRPC_OK;
}

/* Delete: the init's `hull delete` and rootfs, or an exec's entry; DeleteResponse
 * {pid = 1, exit_status = 2, exited_at = 3}. */
static enum ttrpc_code task_delete(struct shim_task *t, struct shim_process *p,
                                   struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;

	(void)req;
	if (!p->exec_id) {
		if (task_run_hull(t, (const char *[]){"delete", t->id, NULL}, NULL, &err) < 0 &&
		    !strstr(hull_error_str(err), "does not exist"))
			return fail_hull(&err, message);
		/* The container is gone: so is its stream, and hull events with it. */
		pthread_mutex_lock(&t->lock);
		struct oom_watch *oom = t->oom;
		t->oom = NULL;
		pthread_mutex_unlock(&t->lock);
		oom_watch_stop(oom);
		if (t->rootfs_mounted) {
			cleanup_free char *rootfs = NULL;
			hull_error_release(&err);
			if (asprintf(&rootfs, "%s/rootfs", t->bundle) >= 0 &&
			    shim_unmount_all(rootfs, &err) < 0)
				log_warning("delete: %s", hull_error_str(err));
			t->rootfs_mounted = false;
		}
	}
	pthread_mutex_lock(&t->lock);
	if (p->exec_id && p->started && !p->exited) {
		pthread_mutex_unlock(&t->lock);
		return fail(TTRPC_FAILED_PRECONDITION, message, "exec %s: still running",
		            p->exec_id);
	}
	if (p->exec_id && !p->exited)
		mark_exited(t, p, 255); /* never started: its Waits return */
	pb_put_uint64(resp, 1, (uint64_t)p->pid);
	put_exit(resp, 2, p);
	/* TaskDelete {container_id = 1, pid = 2, exit_status = 3, exited_at = 4, id = 5} */
	struct pb_writer ev = {0};
	pb_put_string(&ev, 1, t->id);
	pb_put_uint64(&ev, 2, (uint64_t)p->pid);
	put_exit(&ev, 3, p);
	pb_put_string(&ev, 5, t->id);
	bool drop = false;
	if (!p->exec_id) {
		t->deleted = true;
	} else if (!p->removed) {
		for (struct shim_process **pp = &t->processes; *pp; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		}
		p->removed = drop = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (!p->exec_id)
		shim_publish("/tasks/delete", "containerd.events.TaskDelete", &ev);
	pb_writer_release(&ev);
	if (drop)
		task_process_put(t, p); /* the table's reference */
	return TTRPC_OK;
}

/* Exec: the process kept until its Start; /tasks/exec-added. */
static enum ttrpc_code task_exec(struct shim_task *t, struct shim_process *init,
                                 struct task_request *req, struct pb_writer *resp, char **message)
{
	struct shim_process *p = NULL;
	enum ttrpc_code code = TTRPC_OK;

	(void)resp;
	if (!req->exec_id || !req->json)
		return fail(TTRPC_INVALID_ARGUMENT, message, "exec: no exec id or process");
	pthread_mutex_lock(&t->lock);
	bool taken = false;
	for (struct shim_process *q = t->processes; q; q = q->next)
		taken |= q->exec_id && !strcmp(q->exec_id, req->exec_id);
	if (init->exited)
		code = fail(TTRPC_FAILED_PRECONDITION, message, "task %s: not running", t->id);
	else if (taken)
		code = fail(TTRPC_ALREADY_EXISTS, message, "exec %s: already exists", req->exec_id);
	else if (!(p = calloc(1, sizeof(*p))))
		code = fail(TTRPC_INTERNAL, message, "exec: out of memory");
	if (p) {
		*p = (struct shim_process){.exec_id = req->exec_id,
		                           .terminal = req->terminal,
		                           .spec_json = req->json,
		                           .stdin_keeper = -1,
		                           .refs = 1,
		                           .next = init->next};
		for (int i = 0; i < 3; i++) {
			p->stdio[i] = req->stdio[i];
			req->stdio[i] = NULL;
		}
		req->exec_id = req->json = NULL;
		init->next = p;
	}
	pthread_mutex_unlock(&t->lock);
	if (p) {
		struct pb_writer ev = {0};
		pb_put_string(&ev, 1, t->id);
		pb_put_string(&ev, 2, p->exec_id);
		shim_publish("/tasks/exec-added", "containerd.events.TaskExecAdded", &ev);
		pb_writer_release(&ev);
	}
	return code;
}

/* Wait: blocks until the process exits; WaitResponse {exit_status = 1, exited_at = 2}. */
static enum ttrpc_code task_wait(struct shim_task *t, struct shim_process *p,
                                 struct task_request *req, struct pb_writer *resp, char **message)
{
	(void)req;
	(void)message;
	pthread_mutex_lock(&t->lock);
	while (!p->exited)
		pthread_cond_wait(&t->changed, &t->lock);
	put_exit(resp, 1, p);
	pthread_mutex_unlock(&t->lock);
	return TTRPC_OK;
}

static enum ttrpc_code task_pause(struct shim_task *t, struct shim_process *p,
                                  struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;

	(void)p, (void)req, (void)resp;
	if (task_run_hull(t, (const char *[]){"pause", t->id, NULL}, NULL, &err) < 0)
		return fail_hull(&err, message);
	shim_publish_task_event(t->id, "/tasks/paused", "containerd.events.TaskPaused");
	return TTRPC_OK;
}

static enum ttrpc_code task_resume(struct shim_task *t, struct shim_process *p,
                                   struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;

	(void)p, (void)req, (void)resp;
	if (task_run_hull(t, (const char *[]){"resume", t->id, NULL}, NULL, &err) < 0)
		return fail_hull(&err, message);
	shim_publish_task_event(t->id, "/tasks/resumed", "containerd.events.TaskResumed");
	return TTRPC_OK;
}

/* Pids: hull's pid-file processes (`hull ps --format json`, as runc's), each a
 * ProcessInfo {pid = 1}. */
static enum ttrpc_code task_pids(struct shim_task *t, struct shim_process *p,
                                 struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;
	size_t i;
	json_t *v;

	(void)p, (void)req;
	if (task_run_hull(t, (const char *[]){"ps", "--format", "json", t->id, NULL}, &out, &err) <
	    0)
		return fail_hull(&err, message);
	cleanup_json json_t *pids = json_loads(out, 0, NULL);
	if (!json_is_array(pids))
		return fail(TTRPC_INTERNAL, message, "pids: hull ps gave no list: %s", out);
	json_array_foreach(pids, i, v)
	{
		struct pb_writer info = {0};
		pb_put_uint64(&info, 1, (uint64_t)json_integer_value(v));
		pb_put_message(resp, 1, &info);
		pb_writer_release(&info);
	}
	return TTRPC_OK;
}

/* Stats: the container's own cgroup in the guest (shim/metrics.h). */
static enum ttrpc_code task_stats(struct shim_task *t, struct shim_process *p,
                                  struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	(void)p, (void)req;
	if (task_run_hull(t, (const char *[]){"events", "--stats", t->id, NULL}, &out, &err) < 0 ||
	    shim_metrics_from_stats(out, resp, &err) < 0)
		return fail_hull(&err, message);
	return TTRPC_OK;
}

/* Update: `hull update --resources FILE` with the LinuxResources JSON. */
static enum ttrpc_code task_update(struct shim_task *t, struct shim_process *p,
                                   struct task_request *req, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *path = NULL;
	FILE *f;

	(void)p, (void)resp;
	if (!req->json)
		return fail(TTRPC_INVALID_ARGUMENT, message, "update: no resources");
	if (asprintf(&path, "%s/update.json", t->state_dir) < 0) {
		path = NULL;
		return fail(TTRPC_INTERNAL, message, "update: out of memory");
	}
	f = fopen(path, "we");
	if (!f || fputs(req->json, f) < 0 || fclose(f) != 0) {
		int e = errno;
		if (f)
			fclose(f);
		return fail(TTRPC_INTERNAL, message, "update: write %s: %s", path, strerror(e));
	}
	int rc = task_run_hull(t, (const char *[]){"update", "--resources", path, t->id, NULL},
	                       NULL, &err);
	unlink(path);
	return rc < 0 ? fail_hull(&err, message) : TTRPC_OK;
}

static enum ttrpc_code task_resize_pty(struct shim_task *t, struct shim_process *p,
                                       struct task_request *req, struct pb_writer *resp,
                                       char **message)
{
	cleanup_error hull_error_t err = NULL;

	(void)t, (void)resp;
	if (!p->has_console)
		return fail(TTRPC_FAILED_PRECONDITION, message, "process %s has no terminal",
		            p->exec_id ? p->exec_id : req->id);
	if (shim_console_resize(&p->console, req->width, req->height, &err) < 0)
		return fail_hull(&err, message);
	return TTRPC_OK;
}

/* CloseIO: the end of containerd's writing now reaches the process (or the
 * terminal relay, which sends the terminal's EOF). */
static enum ttrpc_code task_close_io(struct shim_task *t, struct shim_process *p,
                                     struct task_request *req, struct pb_writer *resp,
                                     char **message)
{
	(void)resp, (void)message;
	if (req->close_stdin) {
		pthread_mutex_lock(&t->lock);
		task_close_stdin_keeper(p);
		pthread_mutex_unlock(&t->lock);
	}
	return TTRPC_OK;
}

/* Connect: ConnectResponse {shim_pid = 1, task_pid = 2}: the pid containerd reports. */
static enum ttrpc_code task_connect(struct shim_task *t, struct shim_process *p,
                                    struct task_request *req, struct pb_writer *resp,
                                    char **message)
{
	(void)req, (void)message, (void)p;
	pthread_mutex_lock(&t->lock);
	pb_put_uint64(resp, 1, (uint64_t)getpid());
	if (t->processes)
		pb_put_uint64(resp, 2, (uint64_t)t->processes->pid);
	pthread_mutex_unlock(&t->lock);
	return TTRPC_OK;
}

/* Shutdown: the shim goes once its task is deleted (or was never made). */
static enum ttrpc_code task_shutdown(struct shim_task *t, struct shim_process *p,
                                     struct task_request *req, struct pb_writer *resp,
                                     char **message)
{
	(void)p, (void)req, (void)resp, (void)message;
	pthread_mutex_lock(&t->lock);
	if (!t->created || t->deleted)
		t->exit_asked = true;
	pthread_mutex_unlock(&t->lock);
	return TTRPC_OK;
}

/* What a method needs before it runs. */
enum method_needs {
	NEEDS_NOTHING, /* Create, Connect, Shutdown */
	NEEDS_TASK,    /* the task made and not deleted: p is its init */
	NEEDS_PROCESS, /* the process named by id and exec_id */
};

static const struct {
	const char *name;
	task_method fn;
	enum method_needs needs;
} methods[] = {
    {"Create", task_create, NEEDS_NOTHING},
    {"Start", task_start, NEEDS_PROCESS},
    {"State", task_state, NEEDS_PROCESS},
    {"Kill", task_kill, NEEDS_PROCESS},
    {"Delete", task_delete, NEEDS_PROCESS},
    {"Exec", task_exec, NEEDS_TASK},
    {"Wait", task_wait, NEEDS_PROCESS},
    {"Pause", task_pause, NEEDS_TASK},
    {"Resume", task_resume, NEEDS_TASK},
    {"Pids", task_pids, NEEDS_TASK},
    {"Stats", task_stats, NEEDS_TASK},
    {"Update", task_update, NEEDS_TASK},
    {"ResizePty", task_resize_pty, NEEDS_PROCESS},
    {"CloseIO", task_close_io, NEEDS_PROCESS},
    {"Connect", task_connect, NEEDS_NOTHING},
    {"Shutdown", task_shutdown, NEEDS_NOTHING},
};

/* The process a request needs, with a reference; NULL and a NotFound message. */
static struct shim_process *find_process(struct shim_task *t, const struct task_request *req,
                                         enum method_needs needs, char **message)
{
	struct shim_process *found = NULL;
	const char *exec_id = needs == NEEDS_PROCESS ? req->exec_id : NULL;

	pthread_mutex_lock(&t->lock);
	if (!strcmp(req->id, t->id) && t->created && !t->deleted) {
		for (struct shim_process *p = t->processes; p && !found; p = p->next)
			if (exec_id ? p->exec_id && !strcmp(p->exec_id, exec_id) : !p->exec_id)
				found = p;
	}
	if (found)
		found->refs++;
	pthread_mutex_unlock(&t->lock);
	if (!found)
		fail(TTRPC_NOT_FOUND, message, "%s %s%s%s: not found", exec_id ? "process" : "task",
		     req->id, exec_id ? "/" : "", exec_id ? exec_id : "");
	return found;
}

enum ttrpc_code shim_task_handle(struct shim_task *t, const char *method, const uint8_t *data,
                                 size_t len, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	struct task_request req;
	struct shim_process *p = NULL;
	enum ttrpc_code code;
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(method, methods[i].name))
			break;
	if (i == sizeof(methods) / sizeof(methods[0]))
		return fail(TTRPC_UNIMPLEMENTED, message, "%s: not implemented by hull's shim",
		            method);
	if (task_request_decode(method, data, len, &req, &err) < 0)
		return fail(TTRPC_INVALID_ARGUMENT, message, "%s", hull_error_str(err));
	if (methods[i].needs != NEEDS_NOTHING) {
		p = find_process(t, &req, methods[i].needs, message);
		if (!p) {
			task_request_release(&req);
			return TTRPC_NOT_FOUND;
		}
	}
	code = methods[i].fn(t, p, &req, resp, message);
	if (p)
		task_process_put(t, p);
	task_request_release(&req);
	return code;
}

bool shim_task_should_exit(struct shim_task *t)
{
	pthread_mutex_lock(&t->lock);
	bool done = t->exit_asked;
	pthread_mutex_unlock(&t->lock);
	return done;
}

struct shim_task *shim_task_new(const struct hull_runner *runner, const char *id,
                                const char *state_dir)
{
	struct shim_task *t = calloc(1, sizeof(*t));
	cleanup_error hull_error_t err = NULL;

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->changed, NULL);
	t->runner.hull = strdup(runner->hull);
	t->runner.root = strdup(runner->root);
	t->id = strdup(id);
	t->state_dir = strdup(state_dir);
	if (asprintf(&t->log_path, "%s/log.json", state_dir) < 0)
		t->log_path = NULL;
	if (!t->runner.hull || !t->runner.root || !t->id || !t->state_dir || !t->log_path)
		return NULL;
	if (reaper_start(&(struct reaper_callbacks){task_claim_exit, task_notify_exit, t}, &err) <
	    0) {
		log_error("%s", hull_error_str(err));
		return NULL;
	}
	return t;
}
