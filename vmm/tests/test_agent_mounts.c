/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI mounts of create_container, against the real kernel: the agent
 * runs on the host in a private mount namespace of its own, its
 * containers' cgroups under a cgroup of the test's (on the host's cgroup2
 * hierarchy), with a temporary rootfs holding a static busybox.  The
 * container's own busybox prints what it sees from its mount and UTS
 * namespaces: its mounts, /dev nodes and hostname.
 *
 * The "share" field (mount -t virtiofs TAG ROOT) cannot be tested here:
 * the host has no virtio-fs device.  The VM selftests cover it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "vmm/tests/helpers_agent_fixture.h"

static int setup(void **state)
{
	static const char *const applets[] = {"sh",       "cat",  "hostname", "touch", "ls",
	                                      "readlink", "echo", "test",     NULL};

	return agent_fixture_setup(state, applets, NULL);
}

/* A create_container request of `sh -c script` (mounts stolen). */
static json_t *create_req(struct agent_fixture *f, const char *id, const char *script,
                          bool readonly, json_t *mounts)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:{s:[sss], s:[s], s:s}, s:{s:[{s:s}, "
	    "{s:s}, {s:s}, {s:s}, {s:s}]}}",
	    "op", "create_container", "container_id", id, "process_id", id, "root", f->root,
	    "readonly", readonly, "hostname", "hull-test-box", "mounts", mounts, "process", "args",
	    "/bin/sh", "-c", script, "env", "PATH=/bin", "cwd", "/", "linux", "namespaces", "type",
	    "mount", "type", "uts", "type", "ipc", "type", "pid", "type", "cgroup");
}

/* A created container (reply consumed) started and collected: its exit status. */
static int start(struct agent_fixture *f, const char *id, json_t *reply, char *out, size_t out_size,
                 char *errs, size_t errs_size)
{
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("create %s: %s", id, json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	agent_peer_expect_ok(agent_peer_call(
	    f->peer, json_pack("{s:s, s:s}", "op", "start_container", "container_id", id)));
	return agent_peer_collect(f->peer, id, out, out_size, errs, errs_size);
}

/* `sh -c script` in a container of its own with these mounts (stolen). */
static int in_container(struct agent_fixture *f, bool readonly, json_t *mounts, const char *script,
                        char *out, size_t out_size, char *errs, size_t errs_size)
{
	static int n;
	char id[32];

	snprintf(id, sizeof(id), "c%d", n++);
	return start(f, id, agent_peer_call(f->peer, create_req(f, id, script, readonly, mounts)),
	             out, out_size, errs, errs_size);
}

/* The /proc/mounts line of the mount on dest, copied into line. */
static const char *mount_line(const char *mounts, const char *dest, char *line, size_t size)
{
	char key[128];

	snprintf(key, sizeof(key), " %s ", dest);
	for (const char *l = mounts; *l;) {
		const char *end = strchrnul(l, '\n');
		const char *sp = memchr(l, ' ', (size_t)(end - l));

		if (sp && strncmp(sp, key, strlen(key)) == 0) {
			snprintf(line, size, "%.*s", (int)(end - l), l);
			return line;
		}
		l = *end ? end + 1 : end;
	}
	fail_msg("no mount on %s in:\n%s", dest, mounts);
	return NULL;
}

static void expect_in(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", needle, haystack);
}

static json_t *oci_mount(const char *dest, const char *type, const char *source,
                         const char *options)
{
	json_t *m = json_pack("{s:s, s:s, s:[]}", "destination", dest, "source", source, "options");
	cleanup_free char *copy = strdup(options);

	if (type)
		json_object_set_new(m, "type", json_string(type));
	for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		json_array_append_new(json_object_get(m, "options"), json_string(o));
	return m;
}

/* runc's default mounts (as podman and containerd send them), plus a few. */
static json_t *default_mounts(void)
{
	json_t *ms = json_array();

	json_array_append_new(ms, oci_mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(
	    ms, oci_mount("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(ms,
	                      oci_mount("/dev/pts", "devpts", "devpts",
	                                "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
	json_array_append_new(
	    ms, oci_mount("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
	json_array_append_new(ms,
	                      oci_mount("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	json_array_append_new(ms, oci_mount("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
	json_array_append_new(
	    ms, oci_mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro"));
	json_array_append_new(ms, oci_mount("/tmp", "tmpfs", "tmpfs", "nosuid,nodev,size=1m"));
	json_array_append_new(ms, oci_mount("/etc/hosts", "bind", "/etc/hosts", "rbind,rprivate"));
	json_array_append_new(ms, oci_mount("/data", "none", "/srv", "bind,ro"));
	return ms;
}

static bool listed(json_t *arr, const char *dest)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, "destination"));

		if (s && strcmp(s, dest) == 0)
			return true;
	}
	return false;
}

static void oci_mounts_devices_and_hostname(void **state)
{
	struct agent_fixture *f = *state;
	json_t *reply = agent_peer_call(
	    f->peer,
	    create_req(f, "c",
	               "cat /proc/mounts; echo HOST=$(hostname);"
	               "for d in null zero full random urandom tty; do"
	               "  test -c /dev/$d && echo dev-$d; done;"
	               "echo ptmx=$(readlink /dev/ptmx); echo x >/dev/null && echo null-ok;"
	               "test -e /etc/hosts || echo no-etc-hosts; test -e /data || echo no-data",
	               false, default_mounts()));
	json_t *skipped = json_object_get(reply, "skipped");
	cleanup_free char *out = malloc(65536);
	char errs[1024], line[512];

	assert_int_equal(json_array_size(skipped), 2);
	assert_true(listed(skipped, "/etc/hosts"));
	assert_true(listed(skipped, "/data"));
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(skipped, 0), "reason")),
	    "bind mount of \"/etc/hosts\": a host path cannot be honoured in the guest");
	assert_int_equal(start(f, "c", reply, out, 65536, errs, sizeof(errs)), 0);
	mount_line(out, "/proc", line, sizeof(line));
	expect_in(line, "proc /proc proc rw,nosuid,nodev,noexec");
	mount_line(out, "/dev", line, sizeof(line));
	expect_in(line, "tmpfs /dev tmpfs rw,nosuid");
	expect_in(line, "size=65536k");
	expect_in(line, "mode=755");
	mount_line(out, "/dev/pts", line, sizeof(line));
	expect_in(line, "devpts /dev/pts devpts rw,nosuid,noexec");
	expect_in(line, "gid=5,mode=620,ptmxmode=666");
	mount_line(out, "/dev/shm", line, sizeof(line));
	expect_in(line, "shm /dev/shm tmpfs rw,nosuid,nodev,noexec");
	expect_in(line, "size=65536k");
	mount_line(out, "/dev/mqueue", line, sizeof(line));
	expect_in(line, "mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec");
	mount_line(out, "/sys", line, sizeof(line));
	expect_in(line, "sysfs /sys sysfs ro,nosuid,nodev,noexec");
	/* "cgroup" is cgroup2 in the guest, its data options dropped. */
	mount_line(out, "/sys/fs/cgroup", line, sizeof(line));
	expect_in(line, "cgroup /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec,relatime");
	mount_line(out, "/tmp", line, sizeof(line));
	expect_in(line, "tmpfs /tmp tmpfs rw,nosuid,nodev");
	expect_in(line, "size=1024k");
	expect_in(out, "HOST=hull-test-box\n");
	expect_in(out, "dev-null\ndev-zero\ndev-full\ndev-random\ndev-urandom\ndev-tty\n");
	expect_in(out, "ptmx=pts/ptmx\n");
	expect_in(out, "null-ok\n");
	expect_in(out, "no-etc-hosts\nno-data\n");
	agent_peer_expect_ping(f->peer);
}

static json_t *proc_and_tmp(const char *tmp_options)
{
	json_t *ms = json_array();

	json_array_append_new(ms, oci_mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(ms, oci_mount("/tmp", "tmpfs", "tmpfs", tmp_options));
	return ms;
}

static void readonly_root_keeps_its_mounts_writable(void **state)
{
	struct agent_fixture *f = *state;
	char out[8192], errs[1024], line[512];

	assert_int_not_equal(in_container(f, true, proc_and_tmp("size=1m"), "touch /newfile", out,
	                                  sizeof(out), errs, sizeof(errs)),
	                     0);
	expect_in(errs, "Read-only file system");
	assert_int_equal(in_container(f, true, proc_and_tmp("size=1m"),
	                              "touch /tmp/newfile && echo tmp-writable; cat /proc/mounts",
	                              out, sizeof(out), errs, sizeof(errs)),
	                 0);
	expect_in(out, "tmp-writable\n");
	mount_line(out, "/", line, sizeof(line));
	expect_in(line, " ro,");
	agent_peer_expect_ping(f->peer);
}

/* A refused create_container: the error, exactly, and no cgroup left. */
static void expect_refused(struct agent_fixture *f, json_t *req, const char *expected)
{
	char path[300];
	struct stat st;

	agent_peer_expect_error(agent_peer_call(f->peer, req), expected);
	snprintf(path, sizeof(path), "%s/e", f->cgroup);
	assert_int_equal(stat(path, &st), -1);
}

static void errors_name_the_mount_and_undo(void **state)
{
	struct agent_fixture *f = *state;
	char out[1024], errs[1024];
	json_t *ms, *req;

	/* Refused before anything is mounted. */
	ms = json_array();
	json_array_append_new(ms, oci_mount("/proc", "proc", "proc", ""));
	json_array_append_new(ms, oci_mount("/weird", "weirdfs", "x", ""));
	expect_refused(f, create_req(f, "e", "true", false, ms),
	               "create container \"e\": mount /weird: unknown mount type \"weirdfs\"");
	ms = json_array();
	json_array_append_new(ms, oci_mount("/proc", "proc", "proc", ""));
	json_array_append_new(ms, oci_mount("/../..", "tmpfs", "tmpfs", ""));
	expect_refused(f, create_req(f, "e", "true", false, ms),
	               "create container \"e\": mounts[1]: destination \"/../..\" is the "
	               "container's root");
	req = create_req(f, "e", "true", false, json_array());
	json_object_set_new(req, "root", json_string("relative/root"));
	expect_refused(f, req,
	               "create container \"e\": root: \"relative/root\" is not an absolute path");
	req = create_req(f, "e", "true", false, json_array());
	json_object_set_new(req, "root", json_string("/nonexistent/hull-root"));
	expect_refused(f, req,
	               "create container \"e\": root: /nonexistent/hull-root: No such file or "
	               "directory");
	ms = json_array();
	json_array_append_new(ms, json_pack("{s:s, s:s, s:[i]}", "destination", "/tmp", "type",
	                                    "tmpfs", "options", 7));
	expect_refused(f, create_req(f, "e", "true", false, ms),
	               "create container \"e\": mount /tmp: options[0] is not a string");

	/* Refused by the kernel: the mounts made before it go with the container's namespace. */
	expect_refused(f, create_req(f, "e", "true", false, proc_and_tmp("nosuid,size=zz")),
	               "create container \"e\": mount tmpfs on /tmp (size=zz): Invalid argument");
	assert_int_equal(in_container(f, false, json_array(),
	                              "test -e /proc/self && echo proc-mounted || echo no-proc",
	                              out, sizeof(out), errs, sizeof(errs)),
	                 0);
	assert_string_equal(out, "no-proc\n");
	agent_peer_expect_ping(f->peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(oci_mounts_devices_and_hostname, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(readonly_root_keeps_its_mounts_writable, setup,
	                                    agent_fixture_teardown),
	    cmocka_unit_test_setup_teardown(errors_name_the_mount_and_undo, setup,
	                                    agent_fixture_teardown),
	};

	if (geteuid() != 0) {
		printf("# SKIP: needs root for mount namespaces and cgroups\n");
		return 4;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
