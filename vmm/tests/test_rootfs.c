/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem view (vmm/agent/rootfs.h) against the real
 * kernel: a forked process unshares the mount, IPC, UTS and PID
 * namespaces, applies the plan to a temporary rootfs holding a static
 * busybox, and runs a shell script there whose output comes back on a
 * pipe.  What the container sees is asserted from that output; what the
 * host sees (its mounts, its sysctls) from the test process.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/read_file.h"
#include "common/sysctl.h"
#include "vmm/agent/rootfs.h"

#define NS_ALL (CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID)

struct fixture {
	char root[64];
	char *host_root_line; /* the test process's "/" in its mountinfo */
	char *host_shmmax;
};

static char *slurp(const char *path)
{
	char *s = NULL;
	size_t len = 0;
	cleanup_error hull_error_t err = NULL;

	if (hull_read_file(path, &s, &len, &err) < 0)
		fail_msg("read %s: %s", path, hull_error_str(err));
	return s;
}

/* The mountinfo line whose mount point is mnt, copied; NULL when none. */
static char *mountinfo_line(const char *info, const char *mnt)
{
	for (const char *l = info; *l;) {
		const char *end = strchrnul(l, '\n');
		char point[4096];

		if (sscanf(l, "%*s %*s %*s %*s %4095s", point) == 1 && strcmp(point, mnt) == 0)
			return strndup(l, (size_t)(end - l));
		l = *end ? end + 1 : end;
	}
	return NULL;
}

static void expect_in(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", needle, haystack);
}

static void write_text(const char *root, const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_rootfs(const char *root)
{
	static const char *const applets[] = {"sh",   "cat",  "ls",    "stat",    "touch",
	                                      "echo", "test", "mkdir", "readlink"};
	char path[256], cmd[512];

	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p %s/bin %s/etc %s/secret %s/data %s/mnt && cp /bin/busybox %s/bin/busybox",
	    root, root, root, root, root, root);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", root, applets[i]);
		assert_int_equal(symlink("busybox", path), 0);
	}
	write_text(root, "etc/secret.txt", "top secret\n");
	write_text(root, "secret/key", "key\n");
	write_text(root, "data/file", "data\n");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	cleanup_free char *info = slurp("/proc/self/mountinfo");

	snprintf(f->root, sizeof(f->root), "/tmp/hull-rootfs.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	make_rootfs(f->root);
	f->host_root_line = mountinfo_line(info, "/");
	f->host_shmmax = slurp("/proc/sys/kernel/shmmax");
	*state = f;
	return 0;
}

/* Nothing the container mounted or set shows on the host. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *info = slurp("/proc/self/mountinfo");
	cleanup_free char *root_line = mountinfo_line(info, "/");
	cleanup_free char *shmmax = slurp("/proc/sys/kernel/shmmax");
	char cmd[128];

	if (strstr(info, f->root))
		fail_msg("a mount under %s leaked to the host:\n%s", f->root, info);
	assert_string_equal(root_line, f->host_root_line);
	assert_string_equal(shmmax, f->host_shmmax);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->root);
	assert_int_equal(system(cmd), 0);
	free(f->host_root_line);
	free(f->host_shmmax);
	free(f);
	return 0;
}

static struct rootfs_plan *parse_ok(json_t *req, unsigned long ns)
{
	struct rootfs_plan *p = NULL;
	cleanup_error hull_error_t err = NULL;

	if (rootfs_plan_parse(req, ns, &p, &err) < 0)
		fail_msg("rootfs_plan_parse: %s", hull_error_str(err));
	return p;
}

/* In the container's first process: apply, then the script; never returns. */
static void container_main(const struct rootfs_plan *p, const char *script, int out)
{
	cleanup_error hull_error_t err = NULL;

	dup2(out, 1);
	dup2(out, 2);
	if (rootfs_plan_apply(p, &err) < 0) {
		printf("APPLY-ERROR: %s\n", hull_error_str(err));
		fflush(stdout);
		_exit(99);
	}
	execl("/bin/busybox", "sh", "-c", script, (char *)NULL);
	printf("exec busybox: %s\n", strerror(errno));
	fflush(stdout);
	_exit(98);
}

/* The child's uid and gid maps, all of the host's ids, written by the parent (which may). */
static void map_user_namespace(pid_t pid)
{
	static const char *const maps[] = {"uid_map", "gid_map"};

	for (size_t i = 0; i < 2; i++) {
		char path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, maps[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_true(fputs("0 0 4294967295\n", f) >= 0);
		assert_int_equal(fclose(f), 0);
	}
}

/*
 * Applies req in new namespaces (ns, with CLONE_NEWUSER first when it is
 * there) and runs script there; its output in out, its exit status back.
 */
static int run_ns(json_t *req, unsigned long ns, const char *script, char *out, size_t size)
{
	struct rootfs_plan *p = parse_ok(req, ns);
	int fds[2], sync[2], mapped[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pipe(sync), 0);
	assert_int_equal(pipe(mapped), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t inner;

		close(fds[0]);
		if ((ns & CLONE_NEWUSER) &&
		    (unshare(CLONE_NEWUSER) < 0 || write(sync[1], "u", 1) != 1 ||
		     read(mapped[0], &c, 1) != 1 || setresuid(0, 0, 0) < 0 ||
		     setresgid(0, 0, 0) < 0))
			_exit(97);
		if (unshare((int)(ns & ~(unsigned long)CLONE_NEWUSER)) < 0)
			_exit(97);
		/* PID 1 of the new PID namespace, so that its /proc is its own. */
		inner = fork();
		if (inner == 0)
			container_main(p, script, fds[1]);
		if (inner < 0 || waitpid(inner, &status, 0) < 0)
			_exit(96);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(fds[1]);
	if (ns & CLONE_NEWUSER) {
		assert_int_equal(read(sync[0], &c, 1), 1);
		map_user_namespace(pid);
		assert_int_equal(write(mapped[1], "m", 1), 1);
	}
	while (n + 1 < size && (r = read(fds[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	for (int i = 0; i < 2; i++) {
		close(sync[i]);
		close(mapped[i]);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rootfs_plan_free(p);
	json_decref(req);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) >= 96)
		fail_msg("the container failed (%d):\n%s", WEXITSTATUS(status), out);
	return WEXITSTATUS(status);
}

static int run(json_t *req, const char *script, char *out, size_t size)
{
	return run_ns(req, NS_ALL, script, out, size);
}

static json_t *oci_mount(const char *dest, const char *type, const char *options)
{
	json_t *m = json_pack("{s:s, s:s, s:s, s:[]}", "destination", dest, "type", type, "source",
	                      type, "options");
	cleanup_free char *copy = strdup(options);

	for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		json_array_append_new(json_object_get(m, "options"), json_string(o));
	return m;
}

/* runc's default mounts, as podman and containerd send them. */
static json_t *default_mounts(void)
{
	json_t *ms = json_array();

	json_array_append_new(ms, oci_mount("/proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(ms, oci_mount("/dev", "tmpfs", "nosuid,strictatime,mode=755"));
	json_array_append_new(
	    ms, oci_mount("/dev/pts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,gid=5"));
	json_array_append_new(ms, oci_mount("/dev/shm", "tmpfs", "nosuid,noexec,nodev,mode=1777"));
	json_array_append_new(ms, oci_mount("/dev/mqueue", "mqueue", "nosuid,noexec,nodev"));
	json_array_append_new(ms, oci_mount("/tmp", "tmpfs", "nosuid,nodev,size=1m"));
	return ms;
}

static json_t *request(struct fixture *f, bool readonly, json_t *linux_obj)
{
	return json_pack("{s:s, s:b, s:o, s:o}", "root", f->root, "readonly", readonly, "mounts",
	                 default_mounts(), "linux", linux_obj ? linux_obj : json_object());
}

static void masks_devices_sysctl_and_the_old_root(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *out = malloc(65536);
	json_t *linux_obj = json_pack(
	    "{s:[s,s,s,s], s:[s,s,s], s:[{s:s, s:s, s:i, s:i, s:i, s:i, s:i}, {s:s, s:s, s:i}],"
	    " s:{s:s}}",
	    "maskedPaths", "/etc/secret.txt", "/secret", "/does/not/exist", "/proc/kcore",
	    "readonlyPaths", "/data", "/proc/sys", "/missing", "devices", "type", "c", "path",
	    "/dev/hull-null", "major", 1, "minor", 3, "fileMode", 0640, "uid", 1234, "gid", 5678,
	    "type", "p", "path", "/dev/sub/fifo0", "fileMode", 0600, "sysctl", "kernel.shmmax",
	    "123456789");

	assert_int_equal(
	    run(request(f, false, linux_obj),
	        "echo secret=[$(cat /etc/secret.txt)]; echo secretdir=[$(ls -A /secret)];"
	        "touch /secret/x || echo secretdir-ro;"
	        "echo data=$(cat /data/file); touch /data/x || echo data-ro;"
	        "stat -c 'node %t:%T %a %u:%g %F' /dev/hull-null;"
	        "stat -c 'fifo %a %F' /dev/sub/fifo0;"
	        "for d in null zero full random urandom tty; do test -c /dev/$d && echo dev-$d; "
	        "done;"
	        "echo ptmx=$(readlink /dev/ptmx) fd=$(readlink /dev/fd)"
	        " stdin=$(readlink /dev/stdin);"
	        "echo shmmax=$(cat /proc/sys/kernel/shmmax);"
	        "echo 1 >/proc/sys/kernel/shmmax || echo proc-sys-ro;"
	        "echo root: $(ls -A /);"
	        "echo pid=$$; cat /proc/self/mountinfo",
	        out, 65536),
	    0);
	expect_in(out, "secret=[]\n");
	expect_in(out, "secretdir=[]\n");
	expect_in(out, "touch: /secret/x: Read-only file system\nsecretdir-ro\n");
	expect_in(out, "data=data\n");
	expect_in(out, "touch: /data/x: Read-only file system\ndata-ro\n");
	expect_in(out, "node 1:3 640 1234:5678 character special file\n");
	expect_in(out, "fifo 600 fifo\n");
	expect_in(out, "dev-null\ndev-zero\ndev-full\ndev-random\ndev-urandom\ndev-tty\n");
	expect_in(out, "ptmx=pts/ptmx fd=/proc/self/fd stdin=/proc/self/fd/0\n");
	expect_in(out, "shmmax=123456789\n");
	expect_in(out, "Read-only file system\nproc-sys-ro\n");
	/* The old root is gone: "/" holds the rootfs's entries and nothing else. */
	expect_in(out, "root: bin data dev etc mnt proc secret tmp\n");
	expect_in(out, "pid=1\n");
	if (strstr(out, " /mnt/sandboxing") || strstr(out, " /sys/fs/cgroup"))
		fail_msg("a host mount shows in the container:\n%s", out);
}

static void readonly_root_keeps_its_mounts_writable(void **state)
{
	struct fixture *f = *state;
	char out[16384];

	assert_int_equal(run(request(f, true, NULL),
	                     "touch /newfile || echo root-ro; touch /tmp/ok && echo tmp-rw;"
	                     "echo x >/dev/null && echo null-ok",
	                     out, sizeof(out)),
	                 0);
	expect_in(out, "touch: /newfile: Read-only file system\nroot-ro\n");
	expect_in(out, "tmp-rw\nnull-ok\n");
	/* The control: writable when not asked. */
	assert_int_equal(
	    run(request(f, false, NULL), "touch /newfile && echo root-rw", out, sizeof(out)), 0);
	assert_string_equal(out, "root-rw\n");
}

/* A read-only /dev is made so after its nodes are (runc's finalizeRootfs). */
static void readonly_dev_gets_its_nodes_first(void **state)
{
	struct fixture *f = *state;
	char out[16384];
	json_t *ms = json_array();
	json_t *req;

	json_array_append_new(ms, oci_mount("/dev", "tmpfs", "nosuid,mode=755,ro"));
	req = json_pack("{s:s, s:o, s:{s:[{s:s, s:s, s:i, s:i}]}}", "root", f->root, "mounts", ms,
	                "linux", "devices", "type", "c", "path", "/dev/hull-zero", "major", 1,
	                "minor", 5);
	assert_int_equal(run(req,
	                     "test -c /dev/null && test -c /dev/hull-zero && echo nodes;"
	                     "echo x >/dev/null && echo null-ok; touch /dev/new || echo dev-ro",
	                     out, sizeof(out)),
	                 0);
	assert_string_equal(out,
	                    "nodes\nnull-ok\ntouch: /dev/new: Read-only file system\ndev-ro\n");
}

/* linux.rootfsPropagation "shared": the new root is shared (runc sets it after pivot_root). */
static void shared_root_propagation(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *out = malloc(65536), *line = NULL;

	assert_int_equal(run(request(f, false, json_pack("{s:s}", "rootfsPropagation", "shared")),
	                     "cat /proc/self/mountinfo", out, 65536),
	                 0);
	line = mountinfo_line(out, "/");
	assert_non_null(line);
	expect_in(line, " shared:");
}

/*
 * In a user namespace mknod is refused: the default nodes and
 * linux.devices are the agent's own nodes bound over empty files, as runc
 * does.  (No /proc here: a user namespace may mount one only with its own
 * PID namespace's, which this test does not need.)
 */
static void user_namespace_binds_the_agents_nodes(void **state)
{
	struct fixture *f = *state;
	char out[16384];
	json_t *ms = json_array();
	json_t *req;

	json_array_append_new(ms, oci_mount("/dev", "tmpfs", "nosuid,mode=755"));
	json_array_append_new(ms, oci_mount("/tmp", "tmpfs", "size=1m"));
	req = json_pack("{s:s, s:o, s:{s:[{s:s, s:s, s:i, s:i}], s:[s]}}", "root", f->root,
	                "mounts", ms, "linux", "devices", "type", "c", "path", "/dev/kmsg", "major",
	                1, "minor", 11, "readonlyPaths", "/data");
	assert_int_equal(run_ns(req, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS,
	                        "stat -c '%n %t:%T %F' /dev/null /dev/kmsg;"
	                        "echo dev=$(stat -c %d /dev) null=$(stat -c %d /dev/null);"
	                        "echo x >/dev/null && echo null-ok; touch /data/x || echo data-ro",
	                        out, sizeof(out)),
	                 0);
	expect_in(out, "/dev/null 1:3 character special file\n");
	expect_in(out, "/dev/kmsg 1:b character special file\n");
	expect_in(out, "null-ok\n");
	expect_in(out, "data-ro\n");
	/* Bound from the agent's /dev (devtmpfs), not made on the container's tmpfs. */
	{
		unsigned long dev, null;
		const char *l = strstr(out, "dev=");

		assert_non_null(l);
		assert_int_equal(sscanf(l, "dev=%lu null=%lu", &dev, &null), 2);
		assert_true(dev != null);
	}
}

/*
 * A mount made by the agent's side under the root after the container is
 * set up reaches the container with the default (rslave) propagation,
 * not with "rprivate".  Returns what the container saw.
 */
static bool parent_mount_reaches_container(struct fixture *f, const char *propagation)
{
	json_t *linux_obj =
	    propagation ? json_pack("{s:s}", "rootfsPropagation", propagation) : json_object();
	json_t *req = json_pack("{s:s, s:[], s:o}", "root", f->root, "mounts", "linux", linux_obj);
	struct rootfs_plan *p = parse_ok(req, NS_ALL);
	int status, ready[2], go[2], answer[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(answer), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char mnt[128];
		pid_t child;

		/* The agent's side: a namespace of its own where the root is a shared mount. */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(f->root, f->root, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, f->root, NULL, MS_SHARED, NULL) < 0)
			_exit(90);
		child = fork();
		if (child == 0) {
			cleanup_error hull_error_t err = NULL;
			struct stat root, sub;

			if (unshare(CLONE_NEWNS) < 0 || rootfs_plan_apply(p, &err) < 0)
				_exit(91);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(92);
			if (stat("/", &root) < 0 || stat("/mnt", &sub) < 0)
				_exit(93);
			c = root.st_dev != sub.st_dev ? 'y' : 'n';
			_exit(write(answer[1], &c, 1) == 1 ? 0 : 94);
		}
		if (child < 0 || read(ready[0], &c, 1) != 1)
			_exit(95);
		snprintf(mnt, sizeof(mnt), "%s/mnt", f->root);
		if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") < 0 || write(go[1], "g", 1) != 1)
			_exit(96);
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
			_exit(97);
		_exit(WEXITSTATUS(status));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(read(answer[0], &c, 1), 1);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(go[i]);
		close(answer[i]);
	}
	rootfs_plan_free(p);
	json_decref(req);
	return c == 'y';
}

static void slave_propagation_by_default_private_when_asked(void **state)
{
	struct fixture *f = *state;

	assert_true(parent_mount_reaches_container(f, NULL));
	assert_false(parent_mount_reaches_container(f, "rprivate"));
}

/*
 * The old root is detached, not merely out of sight: the chroot escape
 * (chroot into a subdirectory, climb with "..", chroot ".") that leaves a
 * chroot(2) reaches only the container's own root.
 */
static void old_root_is_unreachable(void **state)
{
	struct fixture *f = *state;
	json_t *req = request(f, false, NULL);
	struct rootfs_plan *p = parse_ok(req, NS_ALL);
	char marker[128];
	int status;
	pid_t pid;

	snprintf(marker, sizeof(marker), "%s/etc/secret.txt", f->root);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cleanup_error hull_error_t err = NULL;

		if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0 ||
		    rootfs_plan_apply(p, &err) < 0)
			_exit(90);
		/* Seen from the container, the host's path to its rootfs is not there... */
		if (access(marker, F_OK) == 0)
			_exit(1);
		if (mkdir("/tmp/escape", 0700) < 0 || chroot("/tmp/escape") < 0)
			_exit(91);
		for (int i = 0; i < 64; i++)
			if (chdir("..") < 0)
				_exit(92);
		if (chroot(".") < 0)
			_exit(93);
		/* ... nor after climbing out of a chroot. */
		_exit(access(marker, F_OK) == 0 ? 2 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rootfs_plan_free(p);
	json_decref(req);
}

/* One request that rootfs_plan_parse must refuse with exactly want. */
static void expect_refused(json_t *req, unsigned long ns, const char *want)
{
	struct rootfs_plan *p = NULL;
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(rootfs_plan_parse(req, ns, &p, &err), -1);
	assert_null(p);
	assert_string_equal(hull_error_str(err), want);
	json_decref(req);
}

static json_t *with_linux(const char *root, const char *linux_json)
{
	json_error_t jerr;
	json_t *l = json_loads(linux_json, 0, &jerr);

	if (l == NULL)
		fail_msg("bad test JSON %s: %s", linux_json, jerr.text);
	return json_pack("{s:s, s:o}", "root", root, "linux", l);
}

static void parse_errors_name_the_field(void **state)
{
	struct fixture *f = *state;
	const char *r = f->root;

	expect_refused(json_pack("{s:s}", "root", "rel/root"), NS_ALL,
	               "root: \"rel/root\" is not an absolute path");
	expect_refused(json_pack("{s:s}", "root", "/nonexistent/hull"), NS_ALL,
	               "root: /nonexistent/hull: No such file or directory");
	expect_refused(json_pack("{s:s, s:i}", "root", r, "readonly", 1), NS_ALL,
	               "readonly: must be true or false");
	expect_refused(json_pack("{s:s, s:[{s:s, s:s}]}", "root", r, "mounts", "destination", "/x",
	                         "type", "weirdfs"),
	               NS_ALL, "mount /x: unknown mount type \"weirdfs\"");
	expect_refused(with_linux(r, "{\"rootfsPropagation\": \"sideways\"}"), NS_ALL,
	               "linux.rootfsPropagation: \"sideways\" is not one of shared, slave, "
	               "private, unbindable, rshared, rslave, rprivate, runbindable");
	expect_refused(with_linux(r, "{\"maskedPaths\": [\"/ok\", \"relative\"]}"), NS_ALL,
	               "linux.maskedPaths[1]: \"relative\" is not an absolute path");
	expect_refused(with_linux(r, "{\"readonlyPaths\": [3]}"), NS_ALL,
	               "linux.readonlyPaths[0]: not a string");
	expect_refused(with_linux(r, "{\"devices\": [{\"type\": \"c\", \"path\": \"/dev/a\", "
	                             "\"major\": 1, \"minor\": 3}, {\"type\": \"x\"}]}"),
	               NS_ALL, "linux.devices[1].type: \"x\" is not one of c, b, u, p");
	expect_refused(with_linux(r, "{\"devices\": [{\"type\": \"b\", \"path\": \"/etc/sda\", "
	                             "\"major\": 8, \"minor\": 0}]}"),
	               NS_ALL, "linux.devices[0].path: \"/etc/sda\" is not under /dev");
	expect_refused(with_linux(r, "{\"devices\": [{\"type\": \"c\", \"path\": \"/dev/x\", "
	                             "\"minor\": 0}]}"),
	               NS_ALL, "linux.devices[0].major: missing");
	expect_refused(with_linux(r, "{\"devices\": [{\"type\": \"c\", \"path\": \"/dev/x\", "
	                             "\"major\": 1, \"minor\": 2, \"uid\": -1}]}"),
	               NS_ALL, "linux.devices[0].uid: must be an integer from 0 to 4294967294");
	expect_refused(with_linux(r, "{\"sysctl\": {\"vm.swappiness\": \"10\"}}"), NS_ALL,
	               "linux.sysctl: \"vm.swappiness\" is not namespaced; hull refuses it as "
	               "runc does");
	expect_refused(with_linux(r, "{\"sysctl\": {\"kernel.shmmax\": \"1\"}}"), CLONE_NEWNS,
	               "linux.sysctl: \"kernel.shmmax\" needs the container's own IPC namespace, "
	               "and the container shares the guest's");
	expect_refused(with_linux(r, "{\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}"), NS_ALL,
	               "linux.sysctl: \"net.ipv4.ip_forward\" needs the container's own network "
	               "namespace, and the container shares the guest's");
	expect_refused(with_linux(r, "{\"sysctl\": {\"kernel.shmmax\": 1}}"), NS_ALL,
	               "linux.sysctl: the value of \"kernel.shmmax\" is not a string");
	expect_refused(with_linux(r, "{\"sysctl\": {\"net..x\": \"1\"}}"), NS_ALL | CLONE_NEWNET,
	               "linux.sysctl: \"net..x\" is not a sysctl name");
}

static void sysctl_namespaces_as_runc(void **state)
{
	static const struct {
		const char *name;
		unsigned long ns;
		bool ok;
	} cases[] = {
	    {"kernel.shmmax", CLONE_NEWIPC, true},
	    {"kernel.shm_rmid_forced", CLONE_NEWIPC, true},
	    {"fs.mqueue.msg_max", CLONE_NEWIPC, true},
	    {"fs.mqueue.msg_max", CLONE_NEWNET, false},
	    {"net.ipv4.ip_forward", CLONE_NEWNET, true},
	    {"net.core.somaxconn", CLONE_NEWIPC | CLONE_NEWUTS, false},
	    {"kernel.domainname", CLONE_NEWUTS, true},
	    {"kernel.hostname", CLONE_NEWUTS, true},
	    {"kernel.hostname", CLONE_NEWIPC, false},
	    {"kernel.pid_max", NS_ALL | CLONE_NEWNET, false},
	    {"net/ipv4/ip_forward", CLONE_NEWNET, false},
	    {"net.ipv4.", CLONE_NEWNET, false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		int r = hull_sysctl_check(cases[i].name, cases[i].ns, &err);

		if ((r == 0) != cases[i].ok)
			fail_msg("%s with ns %#lx: %s", cases[i].name, cases[i].ns,
			         r == 0 ? "accepted" : hull_error_str(err));
	}
}

static void host_bind_mounts_are_skipped(void **state)
{
	struct fixture *f = *state;
	json_t *req = json_pack("{s:s, s:[{s:s, s:s, s:s, s:[s]}, o]}", "root", f->root, "mounts",
	                        "destination", "/etc/hosts", "type", "bind", "source", "/etc/hosts",
	                        "options", "rbind", oci_mount("/tmp", "tmpfs", ""));
	struct rootfs_plan *p = parse_ok(req, NS_ALL);
	json_t *skipped = rootfs_plan_skipped(p);

	assert_int_equal(json_array_size(skipped), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(skipped, 0), "destination")),
	    "/etc/hosts");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(skipped, 0), "reason")),
	    "bind mount of \"/etc/hosts\": a host path cannot be honoured in the guest");
	rootfs_plan_free(p);
	json_decref(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(masks_devices_sysctl_and_the_old_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(readonly_root_keeps_its_mounts_writable, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(readonly_dev_gets_its_nodes_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(shared_root_propagation, setup, teardown),
	    cmocka_unit_test_setup_teardown(slave_propagation_by_default_private_when_asked, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(old_root_is_unreachable, setup, teardown),
	    cmocka_unit_test_setup_teardown(user_namespace_binds_the_agents_nodes, setup, teardown),
	    cmocka_unit_test_setup_teardown(parse_errors_name_the_field, setup, teardown),
	    cmocka_unit_test(sysctl_namespaces_as_runc),
	    cmocka_unit_test_setup_teardown(host_bind_mounts_are_skipped, setup, teardown),
	};

	if (geteuid() != 0) {
		printf("# SKIP: needs root for mount namespaces\n");
		return 4;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
