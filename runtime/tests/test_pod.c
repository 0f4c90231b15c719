/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pod_map_namespaces: the CRI's /proc/PID/ns paths of a pod's sandbox, as
 * the guest names them; pod_member_deleted: what a deleted app container
 * asks its sandbox's monitor.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/control.h"
#include "runtime/pod.h"

static json_t *linux_with(const char *namespaces)
{
	json_error_t jerr;
	json_t *ns = json_loads(namespaces, 0, &jerr);

	assert_non_null(ns);
	return json_pack("{s:o}", "namespaces", ns);
}

static const char *path_of(json_t *linux_, const char *type)
{
	json_t *ns;
	size_t i;

	json_array_foreach(json_object_get(linux_, "namespaces"), i,
	                   ns) if (strcmp(json_string_value(json_object_get(ns, "type")), type) ==
	                           0) return json_string_value(json_object_get(ns, "path"));
	fail_msg("no %s namespace", type);
	return NULL;
}

/* containerd's app container: the sandbox's net, ipc and uts; its own pid and mount. */
static void sandbox_paths_become_the_guest_sandbox(void **state)
{
	cleanup_json json_t *l =
	    linux_with("[{\"type\": \"pid\"}, {\"type\": \"mount\"},"
	               " {\"type\": \"network\", \"path\": \"/proc/4242/ns/net\"},"
	               " {\"type\": \"ipc\", \"path\": \"/proc/4242/ns/ipc\"},"
	               " {\"type\": \"uts\", \"path\": \"/proc/4242/ns/uts\"}]");
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(pod_map_namespaces(l, 4242, "pod-a", &err), 0);
	assert_null(path_of(l, "network")); /* the guest's own */
	assert_string_equal(path_of(l, "ipc"), "container:pod-a");
	assert_string_equal(path_of(l, "uts"), "container:pod-a");
	assert_null(path_of(l, "pid"));
	assert_null(path_of(l, "mount"));
}

/* A path of another process (the host's, another pod's) is refused, naming it. */
static void other_paths_are_refused(void **state)
{
	static const char *const cases[] = {"/proc/4243/ns/ipc", "/proc/42420/ns/ipc",
	                                    "/var/run/netns/x", "/proc/1/ns/ipc"};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[200], want[200];
		cleanup_json json_t *l = NULL;
		cleanup_error hull_error_t err = NULL;

		snprintf(text, sizeof(text), "[{\"type\": \"ipc\", \"path\": \"%s\"}]", cases[i]);
		l = linux_with(text);
		assert_int_equal(pod_map_namespaces(l, 4242, "pod-a", &err), -1);
		snprintf(
		    want, sizeof(want),
		    "linux.namespaces[0].path: %s is not a namespace of sandbox pod-a (its monitor "
		    "is pid 4242)",
		    cases[i]);
		assert_string_equal(err->msg, want);
		assert_string_equal(path_of(l, "ipc"), cases[i]);
	}
}

/* The log pod_member_deleted writes to, whole (at most size - 1 bytes). */
static void read_log(const char *path, char *buf, size_t size)
{
	cleanup_file FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
}

/*
 * A monitor at <root>/pod-a/monitor.sock that answers answer (taken) to
 * the one request pod_member_deleted(root, "pod-a", "app-1") sends it;
 * *req gets that request.  The socket and its directory go after.
 */
static void ask_fake_monitor(const char *root, json_t *answer, json_t **req)
{
	char dir[64], sock[96];
	cleanup_error hull_error_t err = NULL;
	int listen_fd, conn, status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/pod-a", root);
	snprintf(sock, sizeof(sock), "%s/%s", dir, CONTROL_SOCKET_NAME);
	assert_int_equal(mkdir(dir, 0700), 0);
	listen_fd = control_listen(sock, &err);
	assert_true(listen_fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pod_member_deleted(root, "pod-a", "app-1");
		_exit(0);
	}
	/* The listening socket is non-blocking: 5 s at most. */
	for (int i = 0; (conn = accept(listen_fd, NULL, NULL)) < 0 && i < 5000; i++)
		usleep(1000);
	assert_true(conn >= 0);
	assert_int_equal(control_read_request(conn, req, &err), 0);
	control_reply(conn, answer);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(listen_fd);
	unlink(sock);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A deleted member asks its sandbox's monitor (<root>/<sandbox>/monitor.sock)
 * to take it off the share: remove_container with its id.  A pod that is
 * down is nothing to warn of; a monitor that refuses is.
 */
static void deleted_member_asks_its_sandbox(void **state)
{
	char root[] = "/tmp/hull-pod-XXXXXX", dir[64], log_path[96], log[2048];
	cleanup_error hull_error_t err = NULL;
	json_t *req = NULL;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(log_path, sizeof(log_path), "%s/log", root);
	assert_int_equal(hull_log_init(log_path, HULL_LOG_TEXT, false, &err), 0);
	ask_fake_monitor(root, json_pack("{s:b}", "ok", 1), &req);
	assert_string_equal(json_string_value(json_object_get(req, "op")), "remove_container");
	assert_string_equal(json_string_value(json_object_get(req, "container_id")), "app-1");
	json_decref(req);
	/* The pod is down (no socket, no directory): nothing to ask, and no wait. */
	snprintf(dir, sizeof(dir), "%s/pod-a", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	pod_member_deleted(root, "pod-a", "app-1");
	rmdir(dir);
	pod_member_deleted(root, "pod-a", "app-1");
	read_log(log_path, log, sizeof(log));
	assert_string_equal(log, "");
	/* A monitor that answers with an error: the delete is done, with a warning. */
	ask_fake_monitor(root, json_pack("{s:s}", "error", "share busy"), &req);
	json_decref(req);
	hull_log_close();
	read_log(log_path, log, sizeof(log));
	assert_non_null(strstr(log, "level=warning"));
	assert_non_null(strstr(log, "container app-1: leaving sandbox pod-a's share: share busy"));
	assert_int_equal(unlink(log_path), 0);
	assert_int_equal(rmdir(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sandbox_paths_become_the_guest_sandbox),
	    cmocka_unit_test(other_paths_are_refused),
	    cmocka_unit_test(deleted_member_asks_its_sandbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
