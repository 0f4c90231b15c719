/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create_container and start_container against the real kernel: the agent
 * runs on the host in a private mount namespace of its own, its
 * containers' cgroups under a cgroup of the test's (on the host's cgroup2
 * hierarchy), with a temporary rootfs holding a static busybox.  What each
 * test checks is what the container's own tools print.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "vmm/tests/helpers_agent_fixture.h"

static int setup(void **state)
{
	static const char *const applets[] = {"sh",    "cat",  "hostname", "ls",       "mkdir",
	                                      "sleep", "grep", "echo",     "readlink", "true",
	                                      "id",    "ps",   "dd",       NULL};
	static const char *const dirs[] = {"proc", "dev", "tmp", NULL};

	return agent_fixture_setup(state, applets, dirs);
}

static json_t *proc_mount(void)
{
	return json_pack("[{s:s, s:s, s:s, s:[sss]}]", "destination", "/proc", "type", "proc",
	                 "source", "proc", "options", "nosuid", "noexec", "nodev");
}

/* pid, mount, ipc, uts and cgroup namespaces of its own; the network's is the agent's. */
static json_t *own_namespaces(void)
{
	return json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type",
	                 "mount", "type", "ipc", "type", "uts", "type", "cgroup", "type",
	                 "network");
}

/* A create_container request running `sh -c script`; linux is stolen (NULL: defaults). */
static json_t *create_req(struct agent_fixture *f, const char *id, const char *script,
                          json_t *linux_)
{
	if (linux_ == NULL)
		linux_ = json_object();
	if (json_object_get(linux_, "namespaces") == NULL)
		json_object_set_new(linux_, "namespaces", own_namespaces());
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:{s:[sss], s:[s], s:s}, s:o}", "op",
	                 "create_container", "container_id", id, "process_id", id, "root", f->root,
	                 "readonly", false, "hostname", "box", "mounts", proc_mount(), "process",
	                 "args", "/bin/sh", "-c", script, "env", "PATH=/bin", "cwd", "/", "linux",
	                 linux_);
}

static pid_t create(struct agent_fixture *f, const char *id, const char *script, json_t *linux_)
{
	json_t *reply = agent_peer_call(f->peer, create_req(f, id, script, linux_));
	pid_t pid;

	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("create %s: %s", id, json_string_value(json_object_get(reply, "error")));
	pid = (pid_t)json_integer_value(json_object_get(reply, "pid"));
	json_decref(reply);
	assert_true(pid > 0);
	return pid;
}

static void start(struct agent_fixture *f, const char *id)
{
	agent_peer_expect_ok(agent_peer_call(
	    f->peer, json_pack("{s:s, s:s}", "op", "start_container", "container_id", id)));
}

/* Creates, starts and collects `sh -c script`; returns its exit status. */
static int run(struct agent_fixture *f, const char *id, const char *script, json_t *linux_,
               char *out, size_t size)
{
	create(f, id, script, linux_);
	start(f, id);
	return agent_peer_collect(f->peer, id, out, size, NULL, 0);
}

static void expect_in(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", needle, haystack);
}

static bool cgroup_exists(struct agent_fixture *f, const char *id)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->cgroup, id);
	return stat(path, &st) == 0;
}

/* Its process is PID 1 of its own PID namespace, with its hostname and cgroup root. */
static void own_pid_uts_and_cgroup_namespaces(void **state)
{
	struct agent_fixture *f = *state;
	char out[4096];

	assert_int_equal(run(f, "c1",
	                     "echo pid=$$; hostname; cat /proc/self/cgroup; echo n=$(ls /proc | "
	                     "grep -c '^[0-9]')",
	                     NULL, out, sizeof(out)),
	                 0);
	expect_in(out, "pid=1\n");
	expect_in(out, "box\n");
	expect_in(out, "0::/\n");
	/* sh, its subshell, ls and grep at most: never the host's hundreds. */
	expect_in(out, "n=");
	assert_true(atoi(strstr(out, "n=") + 2) <= 4);
	assert_false(cgroup_exists(f, "c1"));
}

/* When PID 1 exits, what it left running is killed and the container is done. */
static void init_exit_ends_the_container(void **state)
{
	struct agent_fixture *f = *state;
	struct timespec t0, t1;
	char out[256];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run(f, "c2", "sleep 60 & echo left $!", NULL, out, sizeof(out)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	expect_in(out, "left ");
	/* Not the 60 s of the child it left behind. */
	assert_true(t1.tv_sec - t0.tv_sec < 30);
	assert_false(cgroup_exists(f, "c2"));
}

/* kill of a created container stops it, and its id can be used again. */
static void signal_to_created_container_stops_it(void **state)
{
	struct agent_fixture *f = *state;

	create(f, "c3", "echo never", NULL);
	assert_true(cgroup_exists(f, "c3"));
	agent_peer_expect_ok(
	    agent_peer_call(f->peer, json_pack("{s:s, s:s, s:i}", "op", "signal", "process_id",
	                                       "c3", "signal", SIGTERM)));
	assert_int_equal(agent_peer_collect(f->peer, "c3", NULL, 0, NULL, 0), 128 + SIGTERM);
	assert_false(cgroup_exists(f, "c3"));
	create(f, "c3", "echo again", NULL);
	start(f, "c3");
	assert_int_equal(agent_peer_collect(f->peer, "c3", NULL, 0, NULL, 0), 0);
}

static json_t *mkdir_denied(void)
{
	return json_pack("{s:{s:s, s:[{s:[ss], s:s, s:i}]}}", "seccomp", "defaultAction",
	                 "SCMP_ACT_ALLOW", "syscalls", "names", "mkdir", "mkdirat", "action",
	                 "SCMP_ACT_ERRNO", "errnoRet", EPERM);
}

static void read_file(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/*
 * Two containers of one sandbox: separate PID namespaces and cgroups, one
 * network namespace; the seccomp filter of one does not reach the other.
 */
static void two_containers_are_apart(void **state)
{
	struct agent_fixture *f = *state;
	const char *script = "echo pid=$$; readlink /proc/self/ns/net; readlink /proc/self/ns/pid; "
	                     "mkdir /tmp/dir 2>&1 && echo made";
	char a[1024], b[1024], procs[64], path[300], net_a[64], net_b[64];
	pid_t pa = create(f, "a", script, mkdir_denied());
	pid_t pb = create(f, "b", script, NULL);

	snprintf(path, sizeof(path), "%s/a/cgroup.procs", f->cgroup);
	read_file(path, procs, sizeof(procs));
	assert_int_equal(atoi(procs), pa);
	snprintf(path, sizeof(path), "%s/b/cgroup.procs", f->cgroup);
	read_file(path, procs, sizeof(procs));
	assert_int_equal(atoi(procs), pb);
	start(f, "a");
	start(f, "b");
	assert_int_equal(agent_peer_collect(f->peer, "a", a, sizeof(a), NULL, 0), 1);
	assert_int_equal(agent_peer_collect(f->peer, "b", b, sizeof(b), NULL, 0), 0);
	expect_in(a, "pid=1\n");
	expect_in(b, "pid=1\n");
	expect_in(a, "net:[");
	expect_in(b, "net:[");
	expect_in(a, "Operation not permitted");
	expect_in(b, "made\n");
	/* net:[N] equal, pid:[N] not. */
	assert_int_equal(sscanf(strstr(a, "net:"), "%63s", net_a), 1);
	assert_int_equal(sscanf(strstr(b, "net:"), "%63s", net_b), 1);
	assert_string_equal(net_a, net_b);
	assert_int_equal(sscanf(strstr(a, "pid:"), "%63s", net_a), 1);
	assert_int_equal(sscanf(strstr(b, "pid:"), "%63s", net_b), 1);
	assert_string_not_equal(net_a, net_b);
}

/*
 * A container joins another's namespaces by path (the pod case): its
 * hostname and IPC namespace are the other's, and in the other's PID
 * namespace it is not PID 1.
 */
static void joins_namespaces_by_path(void **state)
{
	struct agent_fixture *f = *state;
	char out[1024], ipc[64], uts[64], pid[64], link[64], want[80];
	pid_t pa = create(f, "a", "true", NULL);
	json_t *req, *reply;
	ssize_t n;

	snprintf(ipc, sizeof(ipc), "/proc/%d/ns/ipc", (int)pa);
	snprintf(uts, sizeof(uts), "/proc/%d/ns/uts", (int)pa);
	snprintf(pid, sizeof(pid), "/proc/%d/ns/pid", (int)pa);
	req = create_req(f, "b",
	                 "echo pid=$$; hostname; readlink /proc/self/ns/ipc; readlink "
	                 "/proc/self/ns/pid",
	                 json_pack("{s:[{s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}", "namespaces",
	                           "type", "mount", "type", "ipc", "path", ipc, "type", "uts",
	                           "path", uts, "type", "pid", "path", pid));
	/* b's hostname is a's: it sets none. */
	json_object_set_new(req, "hostname", json_string(""));
	reply = agent_peer_call(f->peer, req);
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("create b: %s", json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	start(f, "b");
	assert_int_equal(agent_peer_collect(f->peer, "b", out, sizeof(out), NULL, 0), 0);
	/* a's waiting process is PID 1 there: b is another process. */
	expect_in(out, "pid=");
	assert_null(strstr(out, "pid=1\n"));
	expect_in(out, "box\n");
	for (int i = 0; i < 2; i++) {
		n = readlink(i == 0 ? ipc : pid, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		snprintf(want, sizeof(want), "%s\n", link);
		expect_in(out, want);
	}
	agent_peer_expect_ok(
	    agent_peer_call(f->peer, json_pack("{s:s, s:s, s:i}", "op", "signal", "process_id", "a",
	                                       "signal", SIGKILL)));
	assert_int_equal(agent_peer_collect(f->peer, "a", NULL, 0, NULL, 0), 128 + SIGKILL);
}

/*
 * exec: a further process in a running container, in its namespaces and
 * cgroup, under its seccomp filter, with its own process settings.
 */
static void exec_joins_the_container(void **state)
{
	struct agent_fixture *f = *state;
	char out[2048];
	json_t *reply;

	create(f, "c", "sleep 60", mkdir_denied());
	reply = agent_peer_call(f->peer,
	                        json_pack("{s:s, s:s, s:s, s:{s:[sss], s:[s], s:s}}", "op", "exec",
	                                  "container_id", "c", "process_id", "x", "process", "args",
	                                  "/bin/sh", "-c", "true", "env", "PATH=/bin", "cwd", "/"));
	agent_peer_expect_error(reply, "container \"c\" is not running");
	start(f, "c");
	reply = agent_peer_call(
	    f->peer,
	    json_pack("{s:s, s:s, s:s, s:{s:[sss], s:[s], s:s, s:{s:i, s:i}}}", "op", "exec",
	              "container_id", "c", "process_id", "x", "process", "args", "/bin/sh", "-c",
	              "echo pid=$$; hostname; cat /proc/self/cgroup; id -u; "
	              "echo init=$(cat /proc/1/comm); mkdir /tmp/x 2>&1",
	              "env", "PATH=/bin", "cwd", "/tmp", "user", "uid", 1234, "gid", 1234));
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("exec: %s", json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	assert_int_equal(agent_peer_collect(f->peer, "x", out, sizeof(out), NULL, 0), 1);
	expect_in(out, "box\n");
	expect_in(out, "0::/\n");
	expect_in(out, "1234\n");
	/* PID 1 of the namespace it sees is the container's sleep */
	expect_in(out, "init=sleep\n");
	expect_in(out, "Operation not permitted");
	assert_null(strstr(out, "pid=1\n"));
	agent_peer_expect_ok(
	    agent_peer_call(f->peer, json_pack("{s:s, s:s, s:i}", "op", "signal", "process_id", "c",
	                                       "signal", SIGKILL)));
	assert_int_equal(agent_peer_collect(f->peer, "c", NULL, 0, NULL, 0), 128 + SIGKILL);
	assert_false(cgroup_exists(f, "c"));
}

static void expect_create_error(struct agent_fixture *f, const char *id, json_t *linux_,
                                const char *expected)
{
	json_t *reply = agent_peer_call(f->peer, create_req(f, id, "true", linux_));
	const char *msg = json_string_value(json_object_get(reply, "error"));

	if (msg == NULL || strstr(msg, expected) == NULL)
		fail_msg("expected an error with \"%s\", got %s", expected, msg ? msg : "ok");
	json_decref(reply);
	assert_false(cgroup_exists(f, id));
}

/* Refusals name the field and leave nothing behind. */
static void bad_requests_name_the_field(void **state)
{
	struct agent_fixture *f = *state;

	expect_create_error(f, "e1",
	                    json_pack("{s:[{s:s}, {s:s}, {s:s, s:s}]}", "namespaces", "type",
	                              "mount", "type", "uts", "type", "ipc", "path",
	                              "/proc/self/ns/uts"),
	                    "namespace ipc: /proc/self/ns/uts is a uts namespace");
	expect_create_error(f, "e2", json_pack("{s:[{s:s}]}", "namespaces", "type", "pid"),
	                    "needs a new \"mount\" namespace");
	expect_create_error(
	    f, "e3",
	    json_pack("{s:[{s:s}, {s:s}]}", "namespaces", "type", "mount", "type", "bogus"),
	    "linux.namespaces[1].type: \"bogus\" is not a namespace type");
	expect_create_error(f, "e4",
	                    json_pack("{s:{s:s, s:[{s:[s], s:s}]}}", "seccomp", "defaultAction",
	                              "SCMP_ACT_ALLOW", "syscalls", "names", "mkdir", "action",
	                              "SCMP_ACT_BOGUS"),
	                    "linux.seccomp.syscalls[0].action");
	/* The agent is still there, and the id was not taken. */
	assert_int_equal(run(f, "e1", "true", NULL, NULL, 0), 0);
}

/*
 * process.terminal in a container whose /dev has no ptmx (no devpts among
 * its mounts): create fails naming it, and nothing of it is left.
 */
static void terminal_without_devpts_is_refused(void **state)
{
	struct agent_fixture *f = *state;
	json_t *req = create_req(f, "t1", "true", NULL);
	json_t *reply;
	const char *msg;

	json_object_set_new(json_object_get(req, "process"), "terminal", json_true());
	reply = agent_peer_call(f->peer, req);
	msg = json_string_value(json_object_get(reply, "error"));
	if (msg == NULL || strstr(msg, "process.terminal: open a terminal on the container's "
	                               "/dev/ptmx") == NULL)
		fail_msg("got %s", msg ? msg : "ok");
	json_decref(reply);
	assert_false(cgroup_exists(f, "t1"));
	assert_int_equal(run(f, "t1", "true", NULL, NULL, 0), 0);
}

/* "proc_files": the container's own /proc (pids as it numbers them), for the host's view. */
static void proc_files_are_the_containers(void **state)
{
	struct agent_fixture *f = *state;
	json_t *reply = NULL, *procs = NULL, *p;
	uint8_t *cmd = NULL;
	bool seen_init = false;
	size_t i, len;

	create(f, "pf", "sleep 30 & sleep 31; true", NULL);
	start(f, "pf");
	for (int tries = 0; tries < 100; tries++) {
		json_decref(reply);
		reply = agent_peer_call(
		    f->peer, json_pack("{s:s, s:s}", "op", "proc_files", "container_id", "pf"));
		procs = json_object_get(reply, "processes");
		if (json_array_size(procs) == 2)
			break;
		usleep(50 * 1000);
	}
	if (json_array_size(procs) != 2) {
		char *text = json_dumps(reply, 0);

		fail_msg("proc_files: %s", text);
	}
	expect_in(json_string_value(json_object_get(reply, "stat")), "btime ");
	json_array_foreach(procs, i, p)
	{
		json_int_t pid = json_integer_value(json_object_get(p, "pid"));
		const char *stat = json_string_value(json_object_get(p, "stat"));

		assert_true(pid >= 1 && pid < 10); /* the container's numbers, not the host's */
		seen_init |= pid == 1;
		assert_int_equal(strtol(stat, NULL, 10), pid);
		expect_in(json_string_value(json_object_get(p, "status")), "NSpid:\t");
		expect_in(json_string_value(json_object_get(p, "pid_ns")), "pid:[");
		if (pid == 1) {
			expect_in(stat, "1 (sh) ");
			assert_int_equal(
			    base64_decode(json_string_value(json_object_get(p, "cmdline")), &cmd,
			                  &len),
			    0);
			assert_int_equal(len, sizeof("/bin/sh\0-c\0sleep 30 & sleep 31; true"));
			assert_memory_equal(cmd, "/bin/sh\0-c\0sleep 30 & sleep 31; true", len);
			free(cmd);
		}
	}
	assert_true(seen_init);
	json_decref(reply);
	agent_peer_expect_ok(agent_peer_call(
	    f->peer, json_pack("{s:s, s:s, s:i, s:b}", "op", "kill_container", "container_id", "pf",
	                       "signal", SIGKILL, "all", true)));
	assert_int_equal(agent_peer_collect(f->peer, "pf", NULL, 0, NULL, 0), 128 + SIGKILL);
	/* Of a container that is gone: runc's words. */
	reply = agent_peer_call(f->peer,
	                        json_pack("{s:s, s:s}", "op", "proc_files", "container_id", "pf"));
	expect_in(json_string_value(json_object_get(reply, "error")), "container not running");
	json_decref(reply);
}

/* A container without a proc mount has nothing to list: the error names it. */
static void proc_files_without_proc_mount(void **state)
{
	struct agent_fixture *f = *state;
	json_t *req = create_req(f, "np", "sleep 30", NULL), *reply;

	json_object_set_new(req, "mounts", json_array());
	reply = agent_peer_call(f->peer, req);
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("create np: %s", json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	start(f, "np");
	reply = agent_peer_call(f->peer,
	                        json_pack("{s:s, s:s}", "op", "proc_files", "container_id", "np"));
	expect_in(json_string_value(json_object_get(reply, "error")),
	          "container \"np\" has no /proc mounted");
	json_decref(reply);
	agent_peer_expect_ok(agent_peer_call(
	    f->peer, json_pack("{s:s, s:s, s:i, s:b}", "op", "kill_container", "container_id", "np",
	                       "signal", SIGKILL, "all", true)));
	assert_int_equal(agent_peer_collect(f->peer, "np", NULL, 0, NULL, 0), 128 + SIGKILL);
}

/* linux.resources with a memory limit of 16 MiB; the test skips on a host without cgroup v2's memory controller. */
static json_t *small_memory(struct agent_fixture *f)
{
	char path[300], controllers[256];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", f->cgroup);
	read_file(path, controllers, sizeof(controllers));
	if (strstr(controllers, "memory") == NULL) {
		print_message("no memory controller on this host's cgroup v2 (%s)\n", f->cgroup);
		skip();
	}
	return json_pack("{s:{s:{s:I}}}", "resources", "memory", "limit", (json_int_t)16 << 20);
}

/*
 * Events until process id's exit: its status; *ooms the "oom" events of
 * container id before it, *after those that came with no exit yet seen
 * when stop_at_oom (then it returns -1 at the first).
 */
static int events_until_exit(struct agent_fixture *f, const char *id, int *ooms, bool stop_at_oom)
{
	for (;;) {
		cleanup_json json_t *msg = agent_peer_next(f->peer);
		const char *event = json_string_value(json_object_get(msg, "event"));
		const char *pid = json_string_value(json_object_get(msg, "process_id"));
		const char *cid = json_string_value(json_object_get(msg, "container_id"));

		if (event && strcmp(event, "oom") == 0) {
			assert_non_null(cid);
			assert_string_equal(cid, id);
			(*ooms)++;
			if (stop_at_oom)
				return -1;
		}
		if (event && pid && strcmp(event, "exit") == 0 && strcmp(pid, id) == 0)
			return (int)json_integer_value(json_object_get(msg, "status"));
	}
}

/* Its first process killed for memory: one "oom" event, then the exit (SIGKILL's 137). */
static void oom_kill_of_first_process_is_told_before_its_exit(void **state)
{
	struct agent_fixture *f = *state;
	int ooms = 0;

	create(f, "m1", "exec dd if=/dev/zero of=/dev/null bs=64M count=1", small_memory(f));
	start(f, "m1");
	assert_int_equal(events_until_exit(f, "m1", &ooms, false), 128 + SIGKILL);
	assert_int_equal(ooms, 1);
	assert_false(cgroup_exists(f, "m1"));
}

/* A child killed for memory while the container runs on: told at once, not at the end. */
static void oom_kill_in_running_container_is_told_at_once(void **state)
{
	struct agent_fixture *f = *state;
	int ooms = 0;
	char out[256];

	create(f, "m2", "dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd=$?; sleep 60",
	       small_memory(f));
	start(f, "m2");
	assert_int_equal(events_until_exit(f, "m2", &ooms, true), -1);
	assert_int_equal(ooms, 1);
	agent_peer_expect_ok(agent_peer_call(
	    f->peer, json_pack("{s:s, s:s, s:i, s:b}", "op", "kill_container", "container_id", "m2",
	                       "signal", SIGKILL, "all", true)));
	assert_int_equal(agent_peer_collect(f->peer, "m2", out, sizeof(out), NULL, 0),
	                 128 + SIGKILL);
	expect_in(out, "dd=137\n");
	/* A container without OOM kills has no "oom" event. */
	create(f, "m3", "echo fits", small_memory(f));
	start(f, "m3");
	ooms = 0;
	assert_int_equal(events_until_exit(f, "m3", &ooms, false), 0);
	assert_int_equal(ooms, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(own_pid_uts_and_cgroup_namespaces, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(init_exit_ends_the_container, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(signal_to_created_container_stops_it, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(two_containers_are_apart, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(joins_namespaces_by_path, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(exec_joins_the_container, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(bad_requests_name_the_field, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(terminal_without_devpts_is_refused, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(proc_files_without_proc_mount, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(proc_files_are_the_containers, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(oom_kill_of_first_process_is_told_before_its_exit,
	                                    setup, agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(oom_kill_in_running_container_is_told_at_once, setup,
	                                    agent_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
