// SPDX-License-Identifier: Apache-2.0
#include "shim/task.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/read_file.h"
#include "shim/events.h"
#include "shim/metrics.h"
#include "shim/reaper.h"
#include "shim/rootfs.h"
#include "shim/stdio.h"

/* containerd.v1.types.Status */
enum task_status {
	STATUS_UNKNOWN = 0,
	STATUS_CREATED = 1,
	STATUS_RUNNING = 2,
	STATUS_STOPPED = 3,
	STATUS_PAUSED = 4,
};

struct shim_process {
	char *exec_id; /* NULL: the task's init process */
	bool terminal;
	char *stdin_uri, *stdout_uri, *stderr_uri;
	char *spec_json; /* an exec's process, until Start */
	pid_t pid;
	bool started;
	bool starting;       /* Start has the process but has not told containerd */
	bool exited;         /* set by the reaper */
	bool exit_published; /* /tasks/exit sent */
	int exit_status;
	struct timespec exited_at;
	int stdin_keeper; /* the shim's write end of the stdin FIFO, until CloseIO */
	bool has_console;
	struct shim_console_relay console;
	struct shim_process *next;
};

struct shim_task {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct hull_runner runner;
	char *id;
	char *bundle;
	char *state_dir;
	char *log_path;
	bool created;
	bool deleted;
	bool rootfs_mounted;
	bool exit_asked;
	unsigned consoles; /* console sockets made, for their names */
	struct shim_process *processes; /* the init first */
};

/* --- requests --- */

/* The fields most requests share: id = 1, exec_id = 2. */
struct common_request {
	char *id;
	char *exec_id;
};

static void common_release(struct common_request *c)
{
	free(c->id);
	free(c->exec_id);
}

/* Strings 1 and 2, and calls more(field) for the others. */
static int decode_common(const uint8_t *data, size_t len, struct common_request *c,
                         int (*more)(const struct pb_field *f, void *arg), void *arg)
{
	struct pb_reader r;
	struct pb_field f;
	int rc;

	*c = (struct common_request){0};
	pb_reader_init(&r, data, len);
	while ((rc = pb_next(&r, &f)) > 0) {
		if ((f.number == 1 || f.number == 2) && f.type == PB_BYTES) {
			char **slot = f.number == 1 ? &c->id : &c->exec_id;
			free(*slot);
			*slot = pb_field_strdup(&f);
		} else if (more && more(&f, arg) < 0)
			return -1;
	}
	if (c->exec_id && !*c->exec_id) {
		free(c->exec_id);
		c->exec_id = NULL;
	}
	return rc;
}

/* --- processes --- */

static struct shim_process *find_process(struct shim_task *t, const char *exec_id)
{
	for (struct shim_process *p = t->processes; p; p = p->next)
		if ((!exec_id && !p->exec_id) ||
		    (exec_id && p->exec_id && !strcmp(exec_id, p->exec_id)))
			return p;
	return NULL;
}

static void close_stdin_keeper(struct shim_process *p)
{
	if (p->stdin_keeper >= 0)
		close(p->stdin_keeper);
	p->stdin_keeper = -1;
}

static void process_free(struct shim_process *p)
{
	close_stdin_keeper(p);
	if (p->has_console)
		shim_console_relay_stop(&p->console);
	free(p->exec_id);
	free(p->stdin_uri);
	free(p->stdout_uri);
	free(p->stderr_uri);
	free(p->spec_json);
	free(p);
}

static void publish_exit(struct shim_task *t, const struct shim_process *p)
{
	struct pb_writer ev = {0};

	pb_put_string(&ev, 1, t->id);
	pb_put_string(&ev, 2, p->exec_id ? p->exec_id : t->id);
	pb_put_uint64(&ev, 3, (uint64_t)p->pid);
	pb_put_uint64(&ev, 4, (uint64_t)p->exit_status);
	pb_put_timestamp(&ev, 5, p->exited_at.tv_sec, (int32_t)p->exited_at.tv_nsec);
	shim_publish("/tasks/exit", "containerd.events.TaskExit", &ev);
	pb_writer_release(&ev);
}

/* The exit's details copied out under the lock, published outside it. */
static void publish_exit_if_due(struct shim_task *t, struct shim_process *p)
{
	struct shim_process copy;

	pthread_mutex_lock(&t->lock);
	bool due = p->exited && !p->starting && !p->exit_published;
	if (due) {
		p->exit_published = true;
		copy = *p;
		copy.exec_id = p->exec_id ? strdup(p->exec_id) : NULL;
	}
	pthread_mutex_unlock(&t->lock);
	if (!due)
		return;
	publish_exit(t, &copy);
	free(copy.exec_id);
}

static bool on_claim(pid_t pid, int status, struct timespec when, void *data)
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
		close_stdin_keeper(p);
		claimed = true;
		pthread_cond_broadcast(&t->changed);
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return claimed;
}

static void on_notify(pid_t pid, void *data)
{
	struct shim_task *t = data;
	struct shim_process *found = NULL;

	pthread_mutex_lock(&t->lock);
	for (struct shim_process *p = t->processes; p; p = p->next)
		if (p->pid == pid)
			found = p;
	pthread_mutex_unlock(&t->lock);
	if (found)
		publish_exit_if_due(t, found);
}

/*
 * Makes pid the process's (under the lock), then takes an exit the reaper
 * kept because it came first.
 */
static void track_pid(struct shim_task *t, struct shim_process *p, pid_t pid)
{
	int status;
	struct timespec when;

	pthread_mutex_lock(&t->lock);
	p->pid = pid;
	pthread_mutex_unlock(&t->lock);
	if (reaper_take_early_exit(pid, &status, &when))
		on_claim(pid, status, when, t);
}

/* The pid hull wrote to path. */
static int read_pid_file(const char *path, pid_t *pid, hull_error_t *err)
{
	cleanup_free char *text = NULL;
	size_t len;

	if (hull_read_file(path, &text, &len, err) < 0)
		return -1;
	long v = strtol(text, NULL, 10);
	if (v <= 0 || v > INT_MAX)
		return hull_fail(err, 0, "pid file %s holds no pid", path);
	*pid = (pid_t)v;
	return 0;
}

/* --- errors --- */

/* A gRPC code for hull's message, as containerd's errdefs reads it back. */
static enum ttrpc_code code_of(const char *message)
{
	if (strstr(message, "does not exist") || strstr(message, "not running") ||
	    strstr(message, "process already finished"))
		return TTRPC_NOT_FOUND;
	if (strstr(message, "already exists"))
		return TTRPC_ALREADY_EXISTS;
	return TTRPC_UNKNOWN;
}

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

static enum ttrpc_code fail_hull(hull_error_t *err, char **message)
{
	const char *text = hull_error_str(*err);

	*message = strdup(text);
	return code_of(text);
}

/* --- the methods --- */

struct create_request {
	char *bundle;
	bool terminal;
	char *stdio[3];
	struct shim_mount *mounts;
	size_t n_mounts;
	bool checkpoint;
	hull_error_t err; /* a malformed mount */
};

static int create_field(const struct pb_field *f, void *arg)
{
	struct create_request *c = arg;

	if (f->number == 3 && f->type == PB_BYTES) {
		struct shim_mount *grown = realloc(c->mounts, sizeof(*grown) * (c->n_mounts + 1));
		if (!grown ||
		    shim_mount_decode(f->data, f->len, &grown[c->n_mounts], &c->err) < 0) {
			if (grown)
				c->mounts = grown;
			return -1;
		}
		c->mounts = grown;
		c->n_mounts++;
	} else if (f->number == 4 && f->type == PB_VARINT) {
		c->terminal = f->varint != 0;
	} else if (f->number >= 5 && f->number <= 7 && f->type == PB_BYTES) {
		free(c->stdio[f->number - 5]);
		c->stdio[f->number - 5] = pb_field_strdup(f);
	} else if ((f->number == 8 || f->number == 9) && f->type == PB_BYTES && f->len) {
		c->checkpoint = true;
	}
	return 0;
}

static void create_release(struct create_request *c)
{
	free(c->bundle);
	for (int i = 0; i < 3; i++)
		free(c->stdio[i]);
	for (size_t i = 0; i < c->n_mounts; i++)
		shim_mount_release(&c->mounts[i]);
	free(c->mounts);
	hull_error_release(&c->err);
}

/*
 * Opens the process's stdio and runs args with it, or with a console
 * socket when it has a terminal: then the master hull sends is relayed to
 * the FIFOs.  The pid file's process becomes p's.
 */
static int run_with_stdio(struct shim_task *t, struct shim_process *p, const char **args,
                          size_t n_args, const char *pid_file, hull_error_t *err)
{
	int fds[3] = {-1, -1, -1};
	cleanup_close int listen_fd = -1;
	cleanup_free char *socket_path = NULL;
	struct hull_run_options opts = {.stdio = {-1, -1, -1}, .log_path = t->log_path};
	int master = -1, rc = -1;
	pid_t pid = 0;

	close_stdin_keeper(p);
	if (shim_open_stdin(p->stdin_uri, &fds[0], &p->stdin_keeper, err) < 0 ||
	    shim_open_output(p->stdout_uri, &fds[1], err) < 0 ||
	    shim_open_output(p->stderr_uri, &fds[2], err) < 0)
		goto out;
	if (p->terminal) {
		/* Numbered, not named by the exec id: a 64-character id would
		 * not fit a socket's 107 bytes. */
		pthread_mutex_lock(&t->lock);
		unsigned n = t->consoles++;
		pthread_mutex_unlock(&t->lock);
		if (asprintf(&socket_path, "%s/tty%u.sock", t->state_dir, n) < 0) {
			hull_fail(err, ENOMEM, "console socket");
			goto out;
		}
		if (shim_console_listen(socket_path, &listen_fd, err) < 0)
			goto out;
		args[n_args++] = "--console-socket";
		args[n_args++] = socket_path;
	} else {
		for (int i = 0; i < 3; i++)
			opts.stdio[i] = fds[i];
	}
	args[n_args++] = "--pid-file";
	args[n_args++] = pid_file;
	args[n_args++] = t->id;
	args[n_args] = NULL;
	if (hull_run(&t->runner, args, &opts, NULL, err) < 0)
		goto out;
	if (p->terminal) {
		if (shim_console_receive(listen_fd, &master, err) < 0 ||
		    shim_console_relay_start(&p->console, master, fds[0], fds[1], err) < 0)
			goto out;
		p->has_console = true;
		fds[0] = fds[1] = -1; /* the relay's now */
	}
	if (read_pid_file(pid_file, &pid, err) < 0)
		goto out;
	track_pid(t, p, pid);
	rc = 0;
out:
	if (socket_path)
		unlink(socket_path);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (rc < 0 && master >= 0 && !p->has_console)
		close(master);
	return rc;
}

static enum ttrpc_code task_create(struct shim_task *t, const uint8_t *req, size_t len,
                                   struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	struct common_request c;
	struct create_request cr = {0};
	cleanup_free char *rootfs = NULL, *pid_file = NULL;
	struct shim_process *p = NULL;
	enum ttrpc_code code = TTRPC_OK;
	const char *args[16] = {"create", "--bundle"};

	/* CreateTaskRequest's field 2 is the bundle, not an exec id. */
	int decoded = decode_common(req, len, &c, create_field, &cr);
	cr.bundle = c.exec_id;
	c.exec_id = NULL;
	if (decoded < 0 || !c.id || !cr.bundle) {
		code = fail(TTRPC_INVALID_ARGUMENT, message, "create: malformed request%s%s",
		            cr.err ? ": " : "", cr.err ? hull_error_str(cr.err) : "");
		goto out;
	}
	pthread_mutex_lock(&t->lock);
	bool taken = t->created;
	t->created = true;
	pthread_mutex_unlock(&t->lock);
	if (taken) {
		code = fail(TTRPC_ALREADY_EXISTS, message, "task %s: already exists", c.id);
		goto out;
	}
	if (strcmp(c.id, t->id) != 0 || cr.checkpoint) {
		code = fail(cr.checkpoint ? TTRPC_UNIMPLEMENTED : TTRPC_INVALID_ARGUMENT, message,
		            cr.checkpoint ? "create: hull cannot restore a checkpoint"
		                          : "create: this shim serves task %s, not %s",
		            t->id, c.id);
		goto out;
	}
	t->bundle = strdup(cr.bundle);
	p = calloc(1, sizeof(*p));
	if (!p || !t->bundle || asprintf(&rootfs, "%s/rootfs", cr.bundle) < 0 ||
	    asprintf(&pid_file, "%s/init.pid", t->state_dir) < 0) {
		code = fail(TTRPC_INTERNAL, message, "create: out of memory");
		goto out;
	}
	p->stdin_keeper = -1;
	p->terminal = cr.terminal;
	p->stdin_uri = strdup(cr.stdio[0] ? cr.stdio[0] : "");
	p->stdout_uri = strdup(cr.stdio[1] ? cr.stdio[1] : "");
	p->stderr_uri = strdup(cr.stdio[2] ? cr.stdio[2] : "");
	if (cr.n_mounts) {
		mkdir(rootfs, 0711);
		if (shim_mount_all(cr.mounts, cr.n_mounts, rootfs, &err) < 0) {
			code = fail_hull(&err, message);
			goto out;
		}
		t->rootfs_mounted = true;
	}
	pthread_mutex_lock(&t->lock);
	t->processes = p;
	pthread_mutex_unlock(&t->lock);
	args[2] = cr.bundle;
	if (run_with_stdio(t, p, args, 3, pid_file, &err) < 0) {
		code = fail_hull(&err, message);
		pthread_mutex_lock(&t->lock);
		t->processes = NULL;
		t->created = false;
		pthread_mutex_unlock(&t->lock);
		if (t->rootfs_mounted && shim_unmount_all(rootfs, &err) == 0)
			t->rootfs_mounted = false;
		goto out;
	}

	struct pb_writer ev = {0};
	pb_put_string(&ev, 1, t->id);
	pb_put_string(&ev, 2, cr.bundle);
	pb_put_uint64(&ev, 6, (uint64_t)p->pid);
	shim_publish("/tasks/create", "containerd.events.TaskCreate", &ev);
	pb_writer_release(&ev);
	pb_put_uint64(resp, 1, (uint64_t)p->pid);
	p = NULL;
out:
	if (p && p != t->processes)
		process_free(p);
	if (code != TTRPC_OK && !taken) {
		pthread_mutex_lock(&t->lock);
		t->created = false;
		pthread_mutex_unlock(&t->lock);
	}
	common_release(&c);
	create_release(&cr);
	return code;
}

/* The process a request names, or a NotFound message. */
static struct shim_process *named_process(struct shim_task *t, const struct common_request *c,
                                          enum ttrpc_code *code, char **message)
{
	struct shim_process *p = NULL;

	pthread_mutex_lock(&t->lock);
	if (c->id && !strcmp(c->id, t->id) && !t->deleted)
		p = find_process(t, c->exec_id);
	pthread_mutex_unlock(&t->lock);
	if (!p)
		*code =
		    fail(TTRPC_NOT_FOUND, message, "process %s%s%s: not found", c->id ? c->id : "",
		         c->exec_id ? "/" : "", c->exec_id ? c->exec_id : "");
	return p;
}

static int start_exec(struct shim_task *t, struct shim_process *p, hull_error_t *err)
{
	cleanup_free char *spec_path = NULL, *pid_file = NULL;
	const char *args[16] = {"exec", "--detach", "--process"};

	if (asprintf(&spec_path, "%s/exec-%s.json", t->state_dir, p->exec_id) < 0 ||
	    asprintf(&pid_file, "%s/exec-%s.pid", t->state_dir, p->exec_id) < 0)
		return hull_fail(err, ENOMEM, "exec");
	FILE *f = fopen(spec_path, "we");
	if (!f || fputs(p->spec_json, f) < 0 || fclose(f) != 0) {
		if (f)
			fclose(f);
		return hull_fail(err, errno, "write %s", spec_path);
	}
	args[3] = spec_path;
	int rc = run_with_stdio(t, p, args, 4, pid_file, err);
	unlink(spec_path);
	return rc;
}

static enum ttrpc_code task_start(struct shim_task *t, const uint8_t *req, size_t len,
                                  struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	struct common_request c;
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p;

	decode_common(req, len, &c, NULL, NULL);
	p = named_process(t, &c, &code, message);
	if (!p)
		goto out;
	pthread_mutex_lock(&t->lock);
	bool already = p->started || p->starting;
	p->starting = true;
	pthread_mutex_unlock(&t->lock);
	if (already) {
		code = fail(TTRPC_FAILED_PRECONDITION, message, "process %s: already started",
		            c.exec_id ? c.exec_id : c.id);
		goto out;
	}
	int rc = p->exec_id
	             ? start_exec(t, p, &err)
	             : hull_run(&t->runner, (const char *[]){"start", t->id, NULL},
	                        &(struct hull_run_options){.stdio = {-1, -1, -1}}, NULL, &err);
	pthread_mutex_lock(&t->lock);
	p->starting = false;
	p->started = rc == 0;
	pthread_mutex_unlock(&t->lock);
	if (rc < 0) {
		code = fail_hull(&err, message);
		goto out;
	}
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
	publish_exit_if_due(t, p);
out:
	common_release(&c);
	return code;
}

/* The status containerd shows: an exit seen by the reaper wins over hull's state. */
static enum task_status process_status(struct shim_task *t, struct shim_process *p)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	if (p->exited)
		return STATUS_STOPPED;
	if (!p->started)
		return STATUS_CREATED;
	if (p->exec_id)
		return STATUS_RUNNING;
	if (hull_run(&t->runner, (const char *[]){"state", t->id, NULL},
	             &(struct hull_run_options){.stdio = {-1, -1, -1}}, &out, &err) < 0)
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

static enum ttrpc_code task_state(struct shim_task *t, const uint8_t *req, size_t len,
                                  struct pb_writer *resp, char **message)
{
	struct common_request c;
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p;

	decode_common(req, len, &c, NULL, NULL);
	p = named_process(t, &c, &code, message);
	if (p) {
		enum task_status status = process_status(t, p);

		pthread_mutex_lock(&t->lock);
		pb_put_string(resp, 1, p->exec_id ? p->exec_id : t->id);
		pb_put_string(resp, 2, t->bundle);
		pb_put_uint64(resp, 3, (uint64_t)p->pid);
		pb_put_uint64(resp, 4, p->exited ? STATUS_STOPPED : status);
		pb_put_string(resp, 5, p->stdin_uri);
		pb_put_string(resp, 6, p->stdout_uri);
		pb_put_string(resp, 7, p->stderr_uri);
		pb_put_bool(resp, 8, p->terminal);
		pb_put_uint64(resp, 9, (uint64_t)p->exit_status);
		if (p->exited)
			pb_put_timestamp(resp, 10, p->exited_at.tv_sec,
			                 (int32_t)p->exited_at.tv_nsec);
		pb_put_string(resp, 11, p->exec_id);
		pthread_mutex_unlock(&t->lock);
	}
	common_release(&c);
	return code;
}

struct kill_request {
	uint32_t signal;
	bool all;
};

static int kill_field(const struct pb_field *f, void *arg)
{
	struct kill_request *k = arg;

	if (f->number == 3 && f->type == PB_VARINT)
		k->signal = (uint32_t)f->varint;
	else if (f->number == 4 && f->type == PB_VARINT)
		k->all = f->varint != 0;
	return 0;
}

static enum ttrpc_code task_kill(struct shim_task *t, const uint8_t *req, size_t len,
                                 struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	struct common_request c;
	struct kill_request k = {0};
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p;
	char signal[16];

	(void)resp;
	decode_common(req, len, &c, kill_field, &k);
	p = named_process(t, &c, &code, message);
	if (!p)
		goto out;
	pthread_mutex_lock(&t->lock);
	bool exited = p->exited, started = p->started;
	pid_t pid = p->pid;
	pthread_mutex_unlock(&t->lock);
	if (p->exec_id) {
		/* The relay forwards the signal to the process in the guest. */
		if (exited || !started || kill(pid, (int)k.signal) < 0)
			code = fail(TTRPC_NOT_FOUND, message, "process already finished");
		goto out;
	}
	if (exited && !k.all) {
		code = fail(TTRPC_NOT_FOUND, message, "process already finished");
		goto out;
	}
	snprintf(signal, sizeof(signal), "%u", k.signal);
	if (hull_run(&t->runner,
	             k.all ? (const char *[]){"kill", "--all", t->id, signal, NULL}
	                   : (const char *[]){"kill", t->id, signal, NULL},
	             &(struct hull_run_options){.stdio = {-1, -1, -1}}, NULL, &err) < 0)
		code = fail_hull(&err, message);
out:
	common_release(&c);
	return code;
}

static enum ttrpc_code task_delete(struct shim_task *t, const uint8_t *req, size_t len,
                                   struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	struct common_request c;
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p;

	decode_common(req, len, &c, NULL, NULL);
	p = named_process(t, &c, &code, message);
	if (!p)
		goto out;
	if (!p->exec_id) {
		if (hull_run(&t->runner, (const char *[]){"delete", t->id, NULL},
		             &(struct hull_run_options){.stdio = {-1, -1, -1}}, NULL, &err) < 0 &&
		    !strstr(hull_error_str(err), "does not exist")) {
			code = fail_hull(&err, message);
			goto out;
		}
		if (t->rootfs_mounted) {
			cleanup_free char *rootfs = NULL;
			hull_error_release(&err);
			if (asprintf(&rootfs, "%s/rootfs", t->bundle) >= 0 &&
			    shim_unmount_all(rootfs, &err) < 0)
				log_warning("delete: %s", hull_error_str(err));
			t->rootfs_mounted = false;
		}
	} else if (p->started && !p->exited) {
		code =
		    fail(TTRPC_FAILED_PRECONDITION, message, "exec %s: still running", p->exec_id);
		goto out;
	}

	pthread_mutex_lock(&t->lock);
	pb_put_uint64(resp, 1, (uint64_t)p->pid);
	pb_put_uint64(resp, 2, (uint64_t)p->exit_status);
	if (p->exited)
		pb_put_timestamp(resp, 3, p->exited_at.tv_sec, (int32_t)p->exited_at.tv_nsec);
	struct pb_writer ev = {0};
	pb_put_string(&ev, 1, t->id);
	pb_put_uint64(&ev, 2, (uint64_t)p->pid);
	pb_put_uint64(&ev, 3, (uint64_t)p->exit_status);
	if (p->exited)
		pb_put_timestamp(&ev, 4, p->exited_at.tv_sec, (int32_t)p->exited_at.tv_nsec);
	pb_put_string(&ev, 5, p->exec_id ? p->exec_id : t->id);
	bool init = !p->exec_id;
	if (init) {
		t->deleted = true;
	} else {
		for (struct shim_process **pp = &t->processes; *pp; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (init)
		shim_publish("/tasks/delete", "containerd.events.TaskDelete", &ev);
	else
		process_free(p);
	pb_writer_release(&ev);
out:
	common_release(&c);
	return code;
}

struct exec_request {
	bool terminal;
	char *stdio[3];
	char *spec;
};

static int exec_field(const struct pb_field *f, void *arg)
{
	struct exec_request *e = arg;

	if (f->number == 3 && f->type == PB_VARINT)
		e->terminal = f->varint != 0;
	else if (f->number >= 4 && f->number <= 6 && f->type == PB_BYTES) {
		free(e->stdio[f->number - 4]);
		e->stdio[f->number - 4] = pb_field_strdup(f);
	} else if (f->number == 7 && f->type == PB_BYTES) {
		/* An Any {type_url = 1, value = 2} holding the process as JSON. */
		struct pb_reader r;
		struct pb_field g;
		pb_reader_init(&r, f->data, f->len);
		while (pb_next(&r, &g) > 0)
			if (g.number == 2 && g.type == PB_BYTES) {
				free(e->spec);
				e->spec = pb_field_strdup(&g);
			}
	}
	return 0;
}

static enum ttrpc_code task_exec(struct shim_task *t, const uint8_t *req, size_t len,
                                 struct pb_writer *resp, char **message)
{
	struct common_request c;
	struct exec_request e = {0};
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p = NULL;

	(void)resp;
	decode_common(req, len, &c, exec_field, &e);
	if (!c.id || !c.exec_id || !e.spec) {
		code = fail(TTRPC_INVALID_ARGUMENT, message, "exec: no id, exec id or process");
		goto out;
	}
	pthread_mutex_lock(&t->lock);
	struct shim_process *init = find_process(t, NULL);
	if (!init || t->deleted || strcmp(c.id, t->id) != 0)
		code = fail(TTRPC_NOT_FOUND, message, "task %s: not found", c.id);
	else if (init->exited)
		code = fail(TTRPC_FAILED_PRECONDITION, message, "task %s: not running", c.id);
	else if (find_process(t, c.exec_id))
		code = fail(TTRPC_ALREADY_EXISTS, message, "exec %s: already exists", c.exec_id);
	else if (!(p = calloc(1, sizeof(*p))))
		code = fail(TTRPC_INTERNAL, message, "exec: out of memory");
	if (p) {
		p->stdin_keeper = -1;
		p->exec_id = c.exec_id;
		c.exec_id = NULL;
		p->terminal = e.terminal;
		p->stdin_uri = strdup(e.stdio[0] ? e.stdio[0] : "");
		p->stdout_uri = strdup(e.stdio[1] ? e.stdio[1] : "");
		p->stderr_uri = strdup(e.stdio[2] ? e.stdio[2] : "");
		p->spec_json = e.spec;
		e.spec = NULL;
		p->next = init->next;
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
out:
	common_release(&c);
	for (int i = 0; i < 3; i++)
		free(e.stdio[i]);
	free(e.spec);
	return code;
}

static enum ttrpc_code task_wait(struct shim_task *t, const uint8_t *req, size_t len,
                                 struct pb_writer *resp, char **message)
{
	struct common_request c;
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p;

	decode_common(req, len, &c, NULL, NULL);
	p = named_process(t, &c, &code, message);
	if (p) {
		pthread_mutex_lock(&t->lock);
		while (!p->exited)
			pthread_cond_wait(&t->changed, &t->lock);
		pb_put_uint64(resp, 1, (uint64_t)p->exit_status);
		pb_put_timestamp(resp, 2, p->exited_at.tv_sec, (int32_t)p->exited_at.tv_nsec);
		pthread_mutex_unlock(&t->lock);
	}
	common_release(&c);
	return code;
}

/* Pause, Resume, Pids, Stats, Update: one hull command on the task. */
static enum ttrpc_code task_simple(struct shim_task *t, const char *method, const uint8_t *req,
                                   size_t len, struct pb_writer *resp, char **message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL, *resources_path = NULL;
	struct common_request c;
	enum ttrpc_code code = TTRPC_OK;
	const char *args[8] = {NULL};
	struct pb_reader r;
	struct pb_field f, g;

	decode_common(req, len, &c, NULL, NULL);
	if (!c.id || strcmp(c.id, t->id) != 0 || t->deleted) {
		code = fail(TTRPC_NOT_FOUND, message, "task %s: not found", c.id ? c.id : "");
		goto out;
	}
	if (!strcmp(method, "Pause") || !strcmp(method, "Resume")) {
		args[0] = !strcmp(method, "Pause") ? "pause" : "resume";
		args[1] = t->id;
	} else if (!strcmp(method, "Pids")) {
		args[0] = "ps";
		args[1] = "--format";
		args[2] = "json";
		args[3] = t->id;
	} else if (!strcmp(method, "Stats")) {
		args[0] = "events";
		args[1] = "--stats";
		args[2] = t->id;
	} else { /* Update: resources = 2, an Any whose value is the LinuxResources JSON */
		pb_reader_init(&r, req, len);
		while (pb_next(&r, &f) > 0) {
			if (f.number != 2 || f.type != PB_BYTES)
				continue;
			struct pb_reader a;
			pb_reader_init(&a, f.data, f.len);
			while (pb_next(&a, &g) > 0) {
				if (g.number != 2 || g.type != PB_BYTES)
					continue;
				FILE *file;
				if (asprintf(&resources_path, "%s/update.json", t->state_dir) < 0 ||
				    !(file = fopen(resources_path, "we"))) {
					code = fail(TTRPC_INTERNAL, message, "update: %s",
					            strerror(errno));
					goto out;
				}
				fwrite(g.data, 1, g.len, file);
				fclose(file);
			}
		}
		if (!resources_path) {
			code = fail(TTRPC_INVALID_ARGUMENT, message, "update: no resources");
			goto out;
		}
		args[0] = "update";
		args[1] = "--resources";
		args[2] = resources_path;
		args[3] = t->id;
	}
	bool wants_output = !strcmp(method, "Pids") || !strcmp(method, "Stats");
	if (hull_run(&t->runner, args, &(struct hull_run_options){.stdio = {-1, -1, -1}},
	             wants_output ? &out : NULL, &err) < 0) {
		code = fail_hull(&err, message);
		goto out;
	}
	if (!strcmp(method, "Pause") || !strcmp(method, "Resume")) {
		struct pb_writer ev = {0};
		pb_put_string(&ev, 1, t->id);
		if (!strcmp(method, "Pause"))
			shim_publish("/tasks/paused", "containerd.events.TaskPaused", &ev);
		else
			shim_publish("/tasks/resumed", "containerd.events.TaskResumed", &ev);
		pb_writer_release(&ev);
	} else if (!strcmp(method, "Pids")) {
		cleanup_json json_t *pids = json_loads(out, 0, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(pids, i, v)
		{
			struct pb_writer info = {0};
			pb_put_uint64(&info, 1, (uint64_t)json_integer_value(v));
			pb_put_message(resp, 1, &info);
			pb_writer_release(&info);
		}
	} else if (!strcmp(method, "Stats")) {
		if (shim_metrics_from_stats(out, resp, &err) < 0)
			code = fail_hull(&err, message);
	}
out:
	if (resources_path)
		unlink(resources_path);
	common_release(&c);
	return code;
}

struct resize_request {
	uint32_t width, height;
	bool close_stdin;
};

static int resize_field(const struct pb_field *f, void *arg)
{
	struct resize_request *rz = arg;

	if (f->type != PB_VARINT)
		return 0;
	if (f->number == 3) {
		rz->width = (uint32_t)f->varint;
		rz->close_stdin = f->varint != 0;
	} else if (f->number == 4)
		rz->height = (uint32_t)f->varint;
	return 0;
}

/* ResizePty {width = 3, height = 4} and CloseIO {stdin = 3}. */
static enum ttrpc_code task_terminal(struct shim_task *t, const char *method, const uint8_t *req,
                                     size_t len, char **message)
{
	cleanup_error hull_error_t err = NULL;
	struct common_request c;
	struct resize_request rz = {0};
	enum ttrpc_code code = TTRPC_OK;
	struct shim_process *p;

	decode_common(req, len, &c, resize_field, &rz);
	p = named_process(t, &c, &code, message);
	if (!p)
		goto out;
	if (!strcmp(method, "CloseIO")) {
		/* The end of containerd's writing now reaches the process (or
		 * the terminal relay, which sends the terminal's EOF). */
		if (rz.close_stdin) {
			pthread_mutex_lock(&t->lock);
			close_stdin_keeper(p);
			pthread_mutex_unlock(&t->lock);
		}
	} else if (!p->has_console) {
		code = fail(TTRPC_FAILED_PRECONDITION, message, "process %s has no terminal",
		            c.exec_id ? c.exec_id : c.id);
	} else if (shim_console_resize(&p->console, rz.width, rz.height, &err) < 0) {
		code = fail_hull(&err, message);
	}
out:
	common_release(&c);
	return code;
}

enum ttrpc_code shim_task_handle(struct shim_task *t, const char *method, const uint8_t *req,
                                 size_t req_len, struct pb_writer *resp, char **message)
{
	if (!strcmp(method, "Create"))
		return task_create(t, req, req_len, resp, message);
	if (!strcmp(method, "Start"))
		return task_start(t, req, req_len, resp, message);
	if (!strcmp(method, "State"))
		return task_state(t, req, req_len, resp, message);
	if (!strcmp(method, "Kill"))
		return task_kill(t, req, req_len, resp, message);
	if (!strcmp(method, "Delete"))
		return task_delete(t, req, req_len, resp, message);
	if (!strcmp(method, "Exec"))
		return task_exec(t, req, req_len, resp, message);
	if (!strcmp(method, "Wait"))
		return task_wait(t, req, req_len, resp, message);
	if (!strcmp(method, "Pause") || !strcmp(method, "Resume") || !strcmp(method, "Pids") ||
	    !strcmp(method, "Stats") || !strcmp(method, "Update"))
		return task_simple(t, method, req, req_len, resp, message);
	if (!strcmp(method, "ResizePty") || !strcmp(method, "CloseIO"))
		return task_terminal(t, method, req, req_len, message);
	if (!strcmp(method, "Connect")) {
		pthread_mutex_lock(&t->lock);
		pb_put_uint64(resp, 1, (uint64_t)getpid());
		if (t->processes)
			pb_put_uint64(resp, 2, (uint64_t)t->processes->pid);
		pthread_mutex_unlock(&t->lock);
		return TTRPC_OK;
	}
	if (!strcmp(method, "Shutdown")) {
		pthread_mutex_lock(&t->lock);
		/* A task not yet deleted keeps the shim: containerd asks again. */
		if (!t->created || t->deleted)
			t->exit_asked = true;
		pthread_mutex_unlock(&t->lock);
		return TTRPC_OK;
	}
	return fail(TTRPC_UNIMPLEMENTED, message, "%s: not implemented by hull's shim", method);
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
	struct reaper_callbacks callbacks = {.claim = on_claim, .notify = on_notify};
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
	callbacks.data = t;
	if (reaper_start(&callbacks, &err) < 0) {
		log_error("%s", hull_error_str(err));
		return NULL;
	}
	return t;
}
