/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull-agent's main loop: find the host's virtio-serial port, say "ready",
 * then serve requests and relay process output until told to shut down.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/agent/agent.h"
#include "vmm/agent/container_ops.h"
#include "vmm/agent/proc_files.h"
#include "vmm/agent_proto.h"

void agent_emit(struct agent *a, json_t *msg)
{
	cleanup_error hull_error_t err = NULL;

	if (msg == NULL || agent_send(a->channel, msg, &err) < 0)
		log_warning("cannot send to the host: %s", hull_error_str(err));
}

static void reply_error(struct agent *a, json_t *id, hull_error_t e)
{
	cleanup_free char *text = hull_error_text(e);
	json_t *msg = json_pack("{s:O?, s:s}", "id", id, "error", text ? text : "out of memory");

	agent_emit(a, msg);
	json_decref(msg);
}

static void reply_ok(struct agent *a, json_t *id, json_t *extra)
{
	json_t *msg = extra ? extra : json_object();

	json_object_set(msg, "id", id ? id : json_null());
	json_object_set_new(msg, "ok", json_true());
	agent_emit(a, msg);
	json_decref(msg);
}

static struct agent_process *find_named(struct agent *a, json_t *req, hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "process_id"));
	struct agent_process *p;

	if (id == NULL) {
		hull_fail(err, 0, "missing \"process_id\"");
		return NULL;
	}
	p = agent_process_find(a, id);
	if (p == NULL)
		hull_fail(err, 0, "no process \"%s\"", id);
	return p;
}

static void shutdown_now(struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++)
		if (a->procs[i].id && !a->procs[i].exited)
			kill(a->procs[i].pid, SIGKILL);
	sync();
	if (a->is_init)
		reboot(RB_POWER_OFF);
	exit(0);
}

/*
 * One handler per op: it replies "ok" itself (with what the op returns) or
 * returns < 0 with err filled, and handle_request replies the error.
 */
static int op_ping(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	(void)req;
	(void)err;
	reply_ok(a, id, json_pack("{s:i}", "version", HULL_AGENT_PROTO_VERSION));
	return 0;
}

static int op_start(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	const char *pid_name = json_string_value(json_object_get(req, "process_id"));
	const char *root = json_string_value(json_object_get(req, "root"));

	if (pid_name == NULL)
		return hull_fail(err, 0, "missing \"process_id\"");
	if (agent_process_start(a, pid_name, json_object_get(req, "process"), root, err) < 0)
		return -1;
	reply_ok(a, id, json_pack("{s:i}", "pid", agent_process_find(a, pid_name)->pid));
	return 0;
}

static int op_stdin(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	const char *data = json_string_value(json_object_get(req, "data"));
	struct agent_process *p = find_named(a, req, err);

	if (p == NULL)
		return -1;
	if (data == NULL)
		return hull_fail(err, 0, "missing \"data\"");
	if (agent_process_write_stdin(p, data, err) < 0)
		return -1;
	reply_ok(a, id, NULL);
	return 0;
}

static int op_close_stdin(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	struct agent_process *p = find_named(a, req, err);

	if (p == NULL)
		return -1;
	agent_process_close_stdin(p);
	reply_ok(a, id, NULL);
	return 0;
}

static int op_signal(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	json_t *sig = json_object_get(req, "signal");
	struct agent_process *p = find_named(a, req, err);

	if (p == NULL)
		return -1;
	if (!json_is_integer(sig) || json_integer_value(sig) < 1 || json_integer_value(sig) > 64)
		return hull_fail(err, 0, "\"signal\" must be a number from 1 to 64");
	if (!p->exited && kill(p->pid, (int)json_integer_value(sig)) < 0)
		return hull_fail(err, errno, "signal process \"%s\"", p->id);
	reply_ok(a, id, NULL);
	return 0;
}

/* runc's pause, resume, kill, ps, update and stats (container_ops.c): the reply carries the result. */
static int container_op(struct agent *a, json_t *id, json_t *req, hull_error_t *err,
                        int (*work)(struct agent *a, json_t *req, json_t **result,
                                    hull_error_t *err))
{
	json_t *result = NULL;

	if (work(a, req, &result, err) < 0)
		return -1;
	reply_ok(a, id, result);
	return 0;
}

static int op_pause_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_container_pause);
}

static int op_resume_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_container_resume);
}

static int op_kill_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_container_kill);
}

static int op_ps_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_container_ps);
}

static int op_proc_files(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_proc_files);
}

static int op_update_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_container_update);
}

static int op_stats_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return container_op(a, id, req, err, agent_container_stats);
}

/* An op whose work is done elsewhere and whose reply carries its result. */
static int reply_result(struct agent *a, json_t *id, json_t *req, hull_error_t *err,
                        int (*work)(json_t *req, json_t **result, hull_error_t *err))
{
	json_t *result = NULL;

	if (work(req, &result, err) < 0)
		return -1;
	reply_ok(a, id, result);
	return 0;
}

static int op_configure_network(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	return reply_result(a, id, req, err, agent_configure_network);
}

static int op_create_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	json_t *result = NULL;

	if (agent_container_create(a, req, &result, err) < 0)
		return -1;
	reply_ok(a, id, result);
	return 0;
}

static int op_start_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	if (agent_container_start(a, req, err) < 0)
		return -1;
	reply_ok(a, id, NULL);
	return 0;
}

/*
 * "remove_container" {container_id}: a pod's app container that is gone
 * (its processes exited) and that the host has taken off the share.  The
 * agent keeps no mount of it (its mount namespace went with its
 * processes); the guest still caches dentries and inodes of its pieces,
 * and virtiofsd keeps a file open for each, holding the host's (now
 * detached) mounts.  The unused ones are dropped: their FORGETs close them.
 */
static int op_remove_container(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	const char *cid = json_string_value(json_object_get(req, "container_id"));
	cleanup_close int fd = -1;

	if (cid == NULL)
		return hull_fail(err, 0, "missing \"container_id\"");
	if (agent_find_container(a, cid))
		return hull_fail(err, 0, "container \"%s\" is running", cid);
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "2", 1) != 1)
		return hull_fail(err, errno, "container \"%s\": drop the share's cache", cid);
	reply_ok(a, id, NULL);
	return 0;
}

static int op_exec(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	json_t *result = NULL;

	if (agent_container_exec(a, req, &result, err) < 0)
		return -1;
	reply_ok(a, id, result);
	return 0;
}

static int op_resize(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	json_t *rows = json_object_get(req, "rows"), *cols = json_object_get(req, "cols");
	struct agent_process *p = find_named(a, req, err);

	if (p == NULL)
		return -1;
	if (!json_is_integer(rows) || !json_is_integer(cols) || json_integer_value(rows) < 0 ||
	    json_integer_value(rows) > 65535 || json_integer_value(cols) < 0 ||
	    json_integer_value(cols) > 65535)
		return hull_fail(err, 0, "\"rows\" and \"cols\" must be numbers from 0 to 65535");
	if (agent_process_resize(p, (unsigned)json_integer_value(rows),
	                         (unsigned)json_integer_value(cols), err) < 0)
		return -1;
	reply_ok(a, id, NULL);
	return 0;
}

static int op_close_output(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	const char *stream = json_string_value(json_object_get(req, "stream"));
	struct agent_process *p = find_named(a, req, err);

	if (p == NULL)
		return -1;
	if (stream == NULL || (strcmp(stream, "stdout") != 0 && strcmp(stream, "stderr") != 0))
		return hull_fail(err, 0, "\"stream\" must be \"stdout\" or \"stderr\"");
	reply_ok(a, id, NULL);
	agent_process_close_output(a, p, strcmp(stream, "stderr") == 0);
	return 0;
}

static int op_shutdown(struct agent *a, json_t *id, json_t *req, hull_error_t *err)
{
	(void)req;
	(void)err;
	reply_ok(a, id, NULL);
	shutdown_now(a);
	return 0;
}

static const struct agent_op {
	const char *name;
	int (*handle)(struct agent *a, json_t *id, json_t *req, hull_error_t *err);
} agent_ops[] = {
    {"ping", op_ping},
    {"start", op_start},
    {"stdin", op_stdin},
    {"close_stdin", op_close_stdin},
    {"signal", op_signal},
    {"pause_container", op_pause_container},
    {"resume_container", op_resume_container},
    {"kill_container", op_kill_container},
    {"ps_container", op_ps_container},
    {"proc_files", op_proc_files},
    {"update_container", op_update_container},
    {"stats_container", op_stats_container},
    {"configure_network", op_configure_network},
    {"create_container", op_create_container},
    {"start_container", op_start_container},
    {"remove_container", op_remove_container},
    {"exec", op_exec},
    {"resize", op_resize},
    {"close_output", op_close_output},
    {"shutdown", op_shutdown},
    {NULL, NULL},
};

static void handle_request(struct agent *a, json_t *req)
{
	cleanup_error hull_error_t err = NULL;
	json_t *id = json_object_get(req, "id");
	const char *op = json_string_value(json_object_get(req, "op"));
	const struct agent_op *o;

	if (!json_is_integer(id)) {
		hull_fail(&err, 0, "request needs an integer \"id\"");
		goto fail;
	}
	if (op == NULL) {
		hull_fail(&err, 0, "request needs an \"op\"");
		goto fail;
	}
	for (o = agent_ops; o->name; o++)
		if (strcmp(op, o->name) == 0)
			break;
	if (o->name == NULL) {
		hull_fail(&err, 0, "unknown op \"%s\"", op);
		goto fail;
	}
	if (o->handle(a, id, req, &err) == 0)
		return;
fail:
	reply_error(a, json_is_integer(id) ? id : NULL, err);
}

/* Reads what the host sent; returns -1 when the host has gone for good. */
static int serve_channel(struct agent *a, struct agent_reader *reader)
{
	uint8_t buf[65536];
	ssize_t n = read(a->channel, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	{
		cleanup_error hull_error_t err = NULL;

		if (agent_reader_feed(reader, buf, (size_t)n, &err) < 0) {
			reply_error(a, NULL, err);
			return 0;
		}
	}
	for (;;) {
		cleanup_error hull_error_t err = NULL;
		json_t *msg;
		enum agent_read_result r = agent_reader_next(reader, &msg, &err);

		if (r == AGENT_READ_AGAIN)
			return 0;
		if (r == AGENT_READ_ERROR) {
			reply_error(a, NULL, err);
			continue;
		}
		handle_request(a, msg);
		json_decref(msg);
	}
}

/* The port's /dev node: the vport whose sysfs name is "hull.agent". */
static int open_port(hull_error_t *err)
{
	for (int tries = 0; tries < 200; tries++) {
		cleanup_free char *found = NULL;
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *de;

		while (d && (de = readdir(d)) != NULL) {
			char path[300], name[64] = "";
			FILE *f;

			snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", de->d_name);
			f = fopen(path, "re");
			if (f == NULL)
				continue;
			if (fgets(name, sizeof(name), f) &&
			    strncmp(name, HULL_AGENT_PORT_NAME, strlen(HULL_AGENT_PORT_NAME)) == 0)
				if (asprintf(&found, "/dev/%s", de->d_name) < 0)
					found = NULL;
			fclose(f);
		}
		if (d)
			closedir(d);
		if (found) {
			int fd = open(found, O_RDWR | O_CLOEXEC);

			if (fd >= 0)
				return fd;
		}
		usleep(50 * 1000);
	}
	return hull_fail(err, 0, "no virtio-serial port named %s", HULL_AGENT_PORT_NAME);
}

/* --channel-fd N, --cgroup-parent DIR and --debug; returns < 0 on an unknown option. */
static int parse_options(int argc, char **argv, struct agent *a, bool *debug)
{
	static const struct option options[] = {
	    {"channel-fd", required_argument, NULL, 'c'},
	    {"cgroup-parent", required_argument, NULL, 'g'},
	    {"debug", no_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'c')
			a->channel = atoi(optarg);
		else if (c == 'g')
			a->cgroup_parent = optarg;
		else if (c == 'd')
			*debug = true;
		else
			return -1;
	}
	return 0;
}

/* SIGPIPE ignored, SIGCHLD blocked and read from the returned signalfd. */
static int setup_signals(void)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void say_ready(struct agent *a)
{
	json_t *ready =
	    json_pack("{s:s, s:i}", "event", "ready", "version", HULL_AGENT_PROTO_VERSION);

	agent_emit(a, ready);
	json_decref(ready);
}

#define POLL_MAX (3 + 2 * AGENT_MAX_PROCESSES)

/* fds[0] the channel, fds[1] the signalfd, fds[2] the OOM watch, then each process's output fds. */
static nfds_t poll_set(struct agent *a, int sfd, struct pollfd *fds, struct agent_process **owner)
{
	nfds_t n = 0;

	fds[n++] = (struct pollfd){.fd = a->channel, .events = POLLIN};
	fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
	fds[n++] = (struct pollfd){.fd = a->oom_fd, .events = POLLIN};
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++) {
		struct agent_process *p = &a->procs[i];

		if (p->id && p->stdout_fd >= 0) {
			owner[n] = p;
			fds[n++] = (struct pollfd){.fd = p->stdout_fd, .events = POLLIN};
		}
		if (p->id && p->stderr_fd >= 0) {
			owner[n] = p;
			fds[n++] = (struct pollfd){.fd = p->stderr_fd, .events = POLLIN};
		}
	}
	return n;
}

/* Serves the host until it goes for good (never, as PID 1) or poll fails. */
static void serve(struct agent *a, int sfd, struct agent_reader *reader)
{
	for (;;) {
		struct pollfd fds[POLL_MAX];
		struct agent_process *owner[POLL_MAX];
		nfds_t n = poll_set(a, sfd, fds, owner);

		if (poll(fds, n, -1) < 0 && errno != EINTR)
			break;
		/* Output first, so that it reaches the host before the exit event. */
		for (nfds_t i = 3; i < n; i++) {
			struct agent_process *p = owner[i];

			/* The slot may have been released by an earlier fd of this round. */
			if (fds[i].revents && p->id &&
			    (fds[i].fd == p->stdout_fd || fds[i].fd == p->stderr_fd))
				agent_process_relay(a, p, fds[i].fd);
		}
		if (fds[2].revents)
			agent_oom_serve(a);
		if (fds[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			agent_process_reap(a);
		}
		if (fds[0].revents & POLLIN) {
			if (serve_channel(a, reader) < 0 && !a->is_init)
				break; /* the host closed the channel */
		} else if (fds[0].revents & (POLLHUP | POLLERR)) {
			if (!a->is_init)
				break;
			/* No host connected to the port yet (or any more): wait for one. */
			usleep(100 * 1000);
		}
	}
}

int main(int argc, char **argv)
{
	cleanup_error hull_error_t err = NULL;
	struct agent a = {.channel = -1,
	                  .is_init = getpid() == 1,
	                  .cgroup_parent = AGENT_CGROUP_PARENT,
	                  .oom_fd = -1};
	struct agent_reader reader;
	bool debug = false;
	int sfd;

	if (parse_options(argc, argv, &a, &debug) < 0)
		return 1;
	hull_log_init(NULL, HULL_LOG_TEXT, debug, NULL);
	/* Containers' processes are grandchildren: they must come back to be reaped. */
	if (!a.is_init)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (int i = 0; i < AGENT_MAX_CONTAINERS; i++)
		a.ctrs[i].sync_fd = -1;
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++)
		a.procs[i].stdin_fd = a.procs[i].stdout_fd = a.procs[i].stderr_fd = -1;
	if (a.channel < 0 && (a.channel = open_port(&err)) < 0) {
		hull_error_print(stderr, err);
		if (a.is_init)
			reboot(RB_POWER_OFF);
		return 1;
	}
	sfd = setup_signals();
	a.oom_fd = agent_oom_init();
	agent_reader_init(&reader);
	say_ready(&a);
	serve(&a, sfd, &reader);
	agent_reader_release(&reader);
	shutdown_now(&a);
	return 0;
}
