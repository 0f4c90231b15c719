/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/proc_view_ns.c through the kernel: proc_view_hold in a child of
 * the test's, whose mount namespace the test then joins as Podman does
 * (setns on /proc/CHILD/ns/mnt, `podman cp` writing into "/" there).  When
 * the container's root cannot be made, what the joiner finds is an empty
 * read-only root, never the host's; a rootfs without a /proc directory is
 * still the container's root, without the view.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/proc_view_ns.h"

/*
 * The test's directory on the host (rootfs/, vol/, x: what a joiner must
 * not reach), its rootfs, and the file in /tmp a joiner writes: DIR.x,
 * which is rootfs/DIR.x in the container's root.
 */
static char dir[64], rootfs[96], tmp_x[96], rootfs_tmp_x[192];

/* What a process joining the namespace found there. */
struct seen {
	char names[256];  /* "/" listed, sorted, each name followed by a space */
	int create_errno; /* creating DIR/x (a host path): 0 if it could */
	int tmp_errno;    /* creating tmp_x */
};

/* What proc_view_hold's child did, and what a joiner found. */
struct held {
	pid_t pid;
	char view;      /* 'V': body got a view; 'N': NULL */
	char log[4096]; /* the child's log, once it is gone */
	char mountinfo[4096];
	bool same_ns; /* the child's mount namespace is the test's */
	struct seen seen;
};

static void body(void *arg, struct proc_view *view)
{
	int fd = *(int *)arg;
	char c = view ? 'V' : 'N';

	if (write(fd, &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int fetch_none(void *data, json_t **snapshot, hull_error_t *err)
{
	(void)data;
	(void)snapshot;
	return hull_fail(err, 0, "no agent here");
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* In a child: joins pid's mount namespace, lists "/" and writes there, as `podman cp` would. */
static void join(pid_t pid, int out)
{
	struct seen seen = {0};
	char path[128], *names[32];
	size_t n = 0;
	struct dirent *de;
	int ns, fd;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNS) < 0 || (d = opendir("/")) == NULL)
		_exit(2);
	while ((de = readdir(d)) != NULL && n < 32)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names[n++] = de->d_name;
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		strncat(seen.names, names[i], sizeof(seen.names) - strlen(seen.names) - 2);
		strcat(seen.names, " ");
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/x", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	seen.create_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	fd = open(tmp_x, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	seen.tmp_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	_exit(write(out, &seen, sizeof(seen)) == (ssize_t)sizeof(seen) ? 0 : 3);
}

static void read_file(const char *path, char *buf, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	assert_true(fd >= 0);
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* proc_view_hold(root) in a child; once its body runs, what a joiner finds; then the child is killed. */
static void hold(struct held *h, const struct proc_view_root *root)
{
	int result[2], log[2], status;
	char path[64], ns[64] = "", mine[64] = "";
	size_t len = 0;
	ssize_t n;
	pid_t joiner;

	memset(h, 0, sizeof(*h));
	assert_int_equal(pipe2(result, O_CLOEXEC), 0);
	assert_int_equal(pipe2(log, O_CLOEXEC), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		close(result[0]);
		close(log[0]);
		hull_log_to_fd(log[1]);
		proc_view_hold(root, fetch_none, NULL, body, &result[1]);
	}
	close(result[1]);
	close(log[1]);
	assert_int_equal(read(result[0], &h->view, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)h->pid);
	read_file(path, h->mountinfo, sizeof(h->mountinfo));
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)h->pid);
	assert_true(readlink(path, ns, sizeof(ns) - 1) > 0);
	assert_true(readlink("/proc/self/ns/mnt", mine, sizeof(mine) - 1) > 0);
	h->same_ns = strcmp(ns, mine) == 0;
	close(result[0]);
	assert_int_equal(pipe2(result, O_CLOEXEC), 0);
	joiner = fork();
	assert_true(joiner >= 0);
	if (joiner == 0)
		join(h->pid, result[1]);
	close(result[1]);
	assert_int_equal(waitpid(joiner, &status, 0), joiner);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(result[0], &h->seen, sizeof(h->seen)), sizeof(h->seen));
	close(result[0]);
	kill(h->pid, SIGKILL);
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	while (len + 1 < sizeof(h->log) &&
	       (n = read(log[0], h->log + len, sizeof(h->log) - 1 - len)) > 0)
		len += (size_t)n;
	h->log[len] = '\0';
	close(log[0]);
}

/* rel (under dir) made as a directory, or as a file if file. */
static void make(const char *rel, bool file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (file) {
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		assert_true(fd >= 0);
		close(fd);
	} else {
		assert_int_equal(mkdir(path, 0755), 0);
	}
}

static bool exists(const char *rel)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

/* rel (under dir) removed, file or directory, if it is there. */
static void remove_in(const char *rel)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (unlink(path) < 0 && errno != ENOENT)
		assert_int_equal(rmdir(path), 0);
}

/* The rootfs the tests share: a marker, /tmp and /dev; /proc and /vol are each test's. */
static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hull-proc-view-ns.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	snprintf(tmp_x, sizeof(tmp_x), "%s.x", dir);
	snprintf(rootfs_tmp_x, sizeof(rootfs_tmp_x), "%s%s", rootfs, tmp_x);
	make("rootfs", false);
	make("rootfs/marker", true);
	make("rootfs/tmp", false);
	make("rootfs/dev", false);
	make("vol", false);
	return 0;
}

/* Before and after each test: what a test made, or a joiner wrote, goes. */
static int clean(void **state)
{
	(void)state;
	remove_in("rootfs/proc");
	remove_in("rootfs/vol");
	unlink(rootfs_tmp_x);
	unlink(tmp_x); /* (only if a test failed: a joiner wrote the host's /tmp) */
	remove_in("x");
	return 0;
}

static int teardown(void **state)
{
	static const char *const rels[] = {"vol", "rootfs/tmp", "rootfs/dev", "rootfs/marker",
	                                   "rootfs"};

	clean(state);
	for (size_t i = 0; i < sizeof(rels) / sizeof(*rels); i++)
		remove_in(rels[i]);
	assert_int_equal(rmdir(dir), 0);
	return 0;
}

/* Only as root, which may make mount namespaces (as hull's monitor does). */
#define NEED_ROOT()                                                                                \
	do {                                                                                       \
		if (geteuid() != 0)                                                                \
			skip();                                                                    \
	} while (0)

/* Paths in the rootfs are opened with openat2 (RESOLVE_IN_ROOT): valgrind 3.19 has no openat2. */
#define NEED_OPENAT2()                                                                             \
	do {                                                                                       \
		struct open_how how_ = {.flags = O_PATH | O_CLOEXEC};                              \
		int fd_ = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how_, sizeof(how_));           \
                                                                                                   \
		if (fd_ < 0 && errno == ENOSYS)                                                    \
			skip();                                                                    \
		if (fd_ >= 0)                                                                      \
			close(fd_);                                                                \
	} while (0)

/* /dev/fuse is FUSE's device: the view can be made. */
static bool have_fuse(void)
{
	struct stat st;

	return stat("/dev/fuse", &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(10, 229) && access("/dev/fuse", R_OK | W_OK) == 0;
}

static size_t lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* What a joiner finds in an empty root: nothing, and nowhere to write, the host's paths included. */
static void assert_empty_root(const struct held *h)
{
	assert_false(h->same_ns);
	assert_int_equal(h->view, 'N');
	assert_string_equal(h->seen.names, "");
	assert_int_equal(h->seen.create_errno, ENOENT);
	assert_int_equal(h->seen.tmp_errno, ENOENT);
	assert_false(exists("x"));
	assert_int_equal(access(rootfs_tmp_x, F_OK), -1);
	assert_int_equal(access(tmp_x, F_OK), -1);
	/* One mount, read-only: the host's tree is detached, not just covered. */
	assert_int_equal(lines(h->mountinfo), 1);
	assert_non_null(strstr(h->mountinfo, " / / ro,"));
	assert_non_null(strstr(h->mountinfo, " - tmpfs hull-empty ro,"));
	assert_non_null(strstr(h->log, "level=warning"));
	assert_non_null(strstr(h->log, "the monitor's pid holds an empty read-only root instead: "
	                               "`podman cp` into the running container and `podman top` "
	                               "fail"));
	assert_null(strstr(h->log, "level=error"));
}

/* What a joiner finds in the container's root: the rootfs, its /tmp written, not the host's. */
static void assert_containers_root(const struct held *h, const char *names)
{
	assert_false(h->same_ns);
	assert_string_equal(h->seen.names, names);
	assert_int_equal(h->seen.create_errno, ENOENT);
	assert_int_equal(h->seen.tmp_errno, 0);
	assert_int_equal(access(rootfs_tmp_x, F_OK), 0);
	assert_int_equal(access(tmp_x, F_OK), -1);
	assert_false(exists("x"));
	assert_null(strstr(h->log, "hull-empty"));
	assert_null(strstr(h->log, "level=error"));
}

static void test_no_rootfs_holds_an_empty_root(void **state)
{
	struct proc_view_root root = {.rootfs = "/nonexistent/hull-rootfs"};
	struct held h;

	(void)state;
	NEED_ROOT();
	hold(&h, &root);
	assert_empty_root(&h);
	assert_non_null(strstr(h.log, "the container's namespace: bind the rootfs: No such file or "
	                              "directory;"));
}

/* root NULL (no plan of the container's mounts): the empty root too, not the host's. */
static void test_no_plan_holds_an_empty_root(void **state)
{
	struct held h;

	(void)state;
	NEED_ROOT();
	hold(&h, NULL);
	assert_empty_root(&h);
	assert_non_null(strstr(h.log, "the container's namespace: no plan of its mounts;"));
}

/* A bind that cannot be attached (a directory onto a file of the rootfs), once the rootfs is bound. */
static void test_a_failed_bind_holds_an_empty_root(void **state)
{
	char vol[128];
	struct virtiofsd_bind bind = {.source = vol, .destination = "/vol"};
	struct proc_view_root root = {.rootfs = rootfs, .binds = &bind, .n_binds = 1};
	struct held h;

	(void)state;
	NEED_ROOT();
	NEED_OPENAT2();
	snprintf(vol, sizeof(vol), "%s/vol", dir);
	make("rootfs/vol", true);
	make("rootfs/proc", false);
	hold(&h, &root);
	assert_empty_root(&h);
	assert_non_null(strstr(h.log, "the container's namespace: bind the container's mounts: "
	                              "Invalid argument;"));
}

/* The rootfs with /proc: the container's root, the view on /proc, /dev a tmpfs of its own. */
static void test_rootfs_with_proc_has_the_view(void **state)
{
	struct proc_view_root root = {.rootfs = rootfs};
	struct held h;

	(void)state;
	NEED_ROOT();
	NEED_OPENAT2();
	make("rootfs/proc", false);
	hold(&h, &root);
	assert_containers_root(&h, "dev marker proc tmp ");
	assert_non_null(strstr(h.mountinfo, " /dev ro,nosuid,noexec"));
	if (!have_fuse()) {
		assert_int_equal(h.view, 'N');
		assert_int_equal(lines(h.mountinfo), 2);
		return;
	}
	assert_int_equal(h.view, 'V');
	assert_int_equal(lines(h.mountinfo), 3);
	assert_non_null(strstr(h.mountinfo, " /proc ro,nosuid,nodev,noexec"));
	assert_null(strstr(h.log, "level=warning"));
}

/* No /proc directory in the rootfs (as why says): still the container's root, without the view. */
static void assert_no_view(const char *names, const char *why)
{
	struct proc_view_root root = {.rootfs = rootfs};
	char warning[160];
	struct held h;

	hold(&h, &root);
	assert_containers_root(&h, names);
	assert_int_equal(h.view, 'N');
	assert_int_equal(lines(h.mountinfo), 2);
	snprintf(
	    warning, sizeof(warning),
	    "the container's /proc view: find /proc in the rootfs: %s; no view for `podman top`",
	    why);
	if (have_fuse())
		assert_non_null(strstr(h.log, warning));
}

static void test_rootfs_without_proc_is_still_the_containers(void **state)
{
	(void)state;
	NEED_ROOT();
	NEED_OPENAT2();
	assert_no_view("dev marker tmp ", "No such file or directory");
}

/* /proc a file in the rootfs: the same. */
static void test_proc_a_file_is_still_the_containers(void **state)
{
	(void)state;
	NEED_ROOT();
	NEED_OPENAT2();
	make("rootfs/proc", true);
	assert_no_view("dev marker proc tmp ", "Not a directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_no_rootfs_holds_an_empty_root, clean, clean),
	    cmocka_unit_test_setup_teardown(test_no_plan_holds_an_empty_root, clean, clean),
	    cmocka_unit_test_setup_teardown(test_a_failed_bind_holds_an_empty_root, clean, clean),
	    cmocka_unit_test_setup_teardown(test_rootfs_with_proc_has_the_view, clean, clean),
	    cmocka_unit_test_setup_teardown(test_rootfs_without_proc_is_still_the_containers, clean,
	                                    clean),
	    cmocka_unit_test_setup_teardown(test_proc_a_file_is_still_the_containers, clean, clean),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
