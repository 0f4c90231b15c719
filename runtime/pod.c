/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/control.h"
#include "runtime/exec_relay.h"

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

void pod_member_relay(const char *monitor_socket, const char *id, const char *bundle, bool tty,
                      int ready_fd)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = json_pack("{s:s, s:s, s:s}", "op", "add_container",
	                                     "container_id", id, "bundle", bundle);
	struct exec_relay r = {
	    .conn = -1, .in_fd = 0, .out_fd = 1, .err_fd = 2, .tty_fd = tty ? 0 : -1};

	if (req == NULL || exec_relay_open(monitor_socket, req, &r, &err) < 0) {
		cleanup_free char *text = hull_error_text(err);

		dprintf(ready_fd, "%s", text ? text : "add the container to its sandbox");
		_exit(1);
	}
	dprintf(ready_fd, "ok\n");
	close(ready_fd);
	_exit(exec_relay_run(&r));
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
