/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/control.h"
#include "runtime/exec_relay.h"
#include "runtime/mounts_share.h"
#include "runtime/proc_view_ns.h"
#include "vmm/agent_proto.h"

int pod_map_namespaces(json_t *linux_, pid_t sandbox_monitor, const char *sandbox_id,
                       hull_error_t *err)
{
	char prefix[64], joined[300];
	json_t *ns;
	size_t i;

	snprintf(prefix, sizeof(prefix), "/proc/%d/ns/", (int)sandbox_monitor);
	snprintf(joined, sizeof(joined), "container:%s", sandbox_id);
	json_array_foreach(json_object_get(linux_, "namespaces"), i, ns)
	{
		const char *type = json_string_value(json_object_get(ns, "type"));
		const char *path = json_string_value(json_object_get(ns, "path"));

		if (path == NULL || path[0] == '\0' || type == NULL)
			continue;
		if (strncmp(path, prefix, strlen(prefix)) != 0)
			return hull_fail(
			    err, 0,
			    "linux.namespaces[%zu].path: %s is not a namespace of sandbox "
			    "%s (its monitor is pid %d)",
			    i, path, sandbox_id, (int)sandbox_monitor);
		if (strcmp(type, "network") == 0)
			json_object_del(ns, "path");
		else
			json_object_set_new(ns, "path", json_string(joined));
	}
	return 0;
}

int pod_monitor_enter(const struct hull_spec *spec, hull_error_t *err)
{
	unsigned long new_ns = 0;
	json_t *ns;
	size_t i;

	if (spec->netns_path) {
		cleanup_close int fd = open(spec->netns_path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			return hull_fail(err, errno,
			                 "monitor: enter the pod's network namespace %s",
			                 spec->netns_path);
	}
	json_array_foreach(spec->namespaces, i, ns)
	{
		const char *type = json_string_value(json_object_get(ns, "type"));
		const char *path = json_string_value(json_object_get(ns, "path"));

		if (type && (path == NULL || path[0] == '\0') &&
		    (strcmp(type, "ipc") == 0 || strcmp(type, "uts") == 0))
			new_ns |= strcmp(type, "ipc") == 0 ? CLONE_NEWIPC : CLONE_NEWUTS;
	}
	if (new_ns && unshare((int)new_ns) < 0)
		return hull_fail(err, errno, "monitor: the pod's own IPC and UTS namespaces");
	return 0;
}

/* How long a relay waits for its member's process files: the monitor waits 10 s for the agent. */
#define PROC_FILES_TIMEOUT_MS 15000

int pod_member_proc_files(const char *monitor_socket, const char *id, json_t **snapshot,
                          hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s, s:s}", "op", "proc_files", "container_id", id);
	cleanup_close int conn = -1;
	struct agent_reader reader;
	json_t *msg = NULL;
	const char *error;
	int rc;

	if (req == NULL)
		return hull_fail(err, ENOMEM, "proc_files");
	conn = control_open_session(monitor_socket, req, err);
	if (conn < 0)
		return -1;
	agent_reader_init(&reader);
	rc = exec_relay_read_frame(conn, &reader, PROC_FILES_TIMEOUT_MS, "proc_files", &msg, err);
	agent_reader_release(&reader);
	if (rc < 0)
		return -1;
	error = json_string_value(json_object_get(msg, "error"));
	if (error) {
		hull_fail(err, 0, "%s", error);
		json_decref(msg);
		return -1;
	}
	*snapshot = msg;
	return 0;
}

/* A running relay: its session, and what its /proc view asks the sandbox's monitor. */
struct member_relay {
	const char *monitor_socket;
	const char *id;
	int ready_fd;
	sigset_t mask; /* the relay's signal mask before the view's threads */
	struct exec_relay r;
};

static int fetch_member_proc_files(void *data, json_t **snapshot, hull_error_t *err)
{
	const struct member_relay *mr = data;

	return pod_member_proc_files(mr->monitor_socket, mr->id, snapshot, err);
}

/* The view's server: in the host's mount namespace; it ends with the relay. */
static void *serve_view(void *data)
{
	struct proc_view *v = data;
	struct pollfd p = {.fd = proc_view_fd(v), .events = POLLIN};

	for (;;) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		if (p.revents && proc_view_serve(v) < 0)
			break;
	}
	proc_view_free(v);
	return NULL;
}

/*
 * The relay's work, on the thread proc_view_hold made, once the leader is
 * in the member's namespace.  The view's server is a thread of its own
 * (the relay's loop is exec_relay_run's), with every signal blocked, as
 * the leader has them: those the relay passes on reach exec_relay_run's
 * signalfd, the others act as they did before (on this thread).
 */
static __attribute__((noreturn)) void relay_body(void *arg, struct proc_view *view)
{
	struct member_relay *mr = arg;
	pthread_attr_t attr;
	pthread_t t;
	int e = -1;

	if (view && pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		e = pthread_create(&t, &attr, serve_view, view);
		pthread_attr_destroy(&attr);
	}
	if (view && e != 0) {
		log_warning("container %s: no thread for its /proc view: %s", mr->id,
		            strerror(e < 0 ? ENOMEM : e));
		proc_view_free(view);
	}
	pthread_sigmask(SIG_SETMASK, &mr->mask, NULL);
	dprintf(mr->ready_fd, "ok\n");
	close(mr->ready_fd);
	_exit(exec_relay_run(&mr->r));
}

void pod_member_relay(const char *monitor_socket, const char *id, const char *bundle, bool tty,
                      int ready_fd)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = json_pack("{s:s, s:s, s:s}", "op", "add_container",
	                                     "container_id", id, "bundle", bundle);
	struct member_relay mr = {
	    .monitor_socket = monitor_socket,
	    .id = id,
	    .ready_fd = ready_fd,
	    .r = {.conn = -1, .in_fd = 0, .out_fd = 1, .err_fd = 2, .tty_fd = tty ? 0 : -1}};
	struct hull_spec spec = {0};
	struct mounts_share share = {0};
	struct proc_view_root root;
	sigset_t all;

	if (req == NULL || exec_relay_open(monitor_socket, req, &mr.r, &err) < 0) {
		cleanup_free char *text = hull_error_text(err);

		dprintf(ready_fd, "%s", text ? text : "add the container to its sandbox");
		_exit(1);
	}
	/* Its root and binds as the guest has them (the monitor planned the same). */
	if (hull_spec_load(bundle, &spec, &err) < 0 ||
	    mounts_share_plan(id, &spec, &share, &err) < 0)
		log_warning("container %s: its root for the relay's mount namespace: %s", id,
		            hull_error_str(err));
	else
		root = proc_view_root_of(&share.container);
	/* No thread of the relay but exec_relay_run's takes a signal (see relay_body). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &mr.mask);
	/* Its pid's mount namespace is the member's, as a monitor's is its container's. */
	proc_view_hold(err ? NULL : &root, fetch_member_proc_files, &mr, relay_body, &mr);
}

void pod_member_deleted(const char *root, const char *sandbox_id, const char *id)
{
	cleanup_json json_t *req =
	    json_pack("{s:s, s:s}", "op", "remove_container", "container_id", id);
	cleanup_error hull_error_t err = NULL;
	char path[PATH_MAX];

	if (req == NULL || (size_t)snprintf(path, sizeof(path), "%s/%s/%s", root, sandbox_id,
	                                    CONTROL_SOCKET_NAME) >= sizeof(path))
		return;
	if (control_call(path, req, NULL, 30000, &err) == 0)
		return;
	/* No monitor listens: the pod's VM, and its share, are gone. */
	if (err && (err->errnum == ENOENT || err->errnum == ECONNREFUSED))
		log_debug("container %s: sandbox %s is down: %s", id, sandbox_id,
		          hull_error_str(err));
	else
		log_warning("container %s: leaving sandbox %s's share: %s", id, sandbox_id,
		            hull_error_str(err));
}
