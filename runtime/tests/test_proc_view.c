/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/proc_view.c through the kernel: a real FUSE mount of the view in
 * a mount namespace of a child of the test's, read by the test through
 * /proc/CHILD/root as any reader would (readdir, read, readlink, stat).
 * The snapshots are the agent's "proc_files" replies as the selftests
 * see them come from a guest (selftests/vm/test_proc_view).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "runtime/proc_view.h"

static const char *STAT1 = "1 (sh) S 0 1 1 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 1 0 445 0 0\n";
static const char CMDLINE42[] = "sleep\0"
                                "100";

struct server {
	pid_t pid;
	int stop; /* closed by the test: the server exits */
	char mnt[64];
	char root[128]; /* the mount as the test reaches it: /proc/PID/root/MNT */
};

/* A status longer than one read of the test's, no two of its pieces alike. */
static void status_text(char *buf, size_t size)
{
	size_t at = (size_t)snprintf(buf, size, "Name:\tsh\n");

	for (unsigned i = 0; at + 1 < size; i++)
		buf[at++] = (char)('a' + i % 26 + (i / 26) % 2 * ('A' - 'a'));
	buf[size - 1] = '\0';
}

/* Fetch n's snapshot: pids 1 and 42, and 1000 + n (a process that comes and goes). */
static int fetch(void *data, json_t **snapshot, hull_error_t *err)
{
	int *n = data;
	cleanup_free char *cmd42 = base64_encode((const uint8_t *)CMDLINE42, sizeof(CMDLINE42));
	cleanup_free char *cmd1 = base64_encode((const uint8_t *)"/bin/sh", 8);
	char status[3200];

	status_text(status, sizeof(status));
	if (access("/tmp/.hull-proc-view-fail", F_OK) == 0)
		return hull_fail(err, 0, "the agent is gone");
	++*n;
	*snapshot = json_pack(
	    "{s:s, s:[{s:i, s:s, s:s, s:s, s:s}, {s:i, s:s, s:s, s:s, s:s}, {s:i, s:s, s:s, s:s, "
	    "s:s}]}",
	    "stat", "cpu 1 2 3\nbtime 1700000000\n", "processes", "pid", 1, "stat", STAT1, "status",
	    status, "cmdline", cmd1, "pid_ns", "pid:[4026532001]", "pid", 42, "stat",
	    "42 (sleep) S 1\n", "status", "Name:\tsleep\n", "cmdline", cmd42, "pid_ns",
	    "pid:[4026532001]", "pid", 1000 + *n, "stat", "x", "status", "y", "cmdline", "",
	    "pid_ns", "pid:[4026532001]");
	return 0;
}

static void serve_child(struct server *s, int ready, int stop)
{
	int fetches = 0, fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	struct proc_view *v;
	char opts[128];

	if (fuse < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(2);
	v = proc_view_new(fuse, fetch, &fetches);
	if (v == NULL || proc_view_mount_options(v, opts, sizeof(opts)) < 0 ||
	    mount("hull-proc", s->mnt, "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) <
	        0)
		_exit(3);
	if (write(ready, "R", 1) != 1)
		_exit(4);
	for (;;) {
		struct pollfd p[2] = {{.fd = proc_view_fd(v), .events = POLLIN},
		                      {.fd = stop, .events = POLLIN}};

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;
		if (p[0].revents && proc_view_serve(v) < 0)
			_exit(5);
	}
	proc_view_free(v);
	_exit(0);
}

static int setup(void **state)
{
	static struct server s;
	int ready[2], stop[2];
	char c;

	if (access("/dev/fuse", R_OK | W_OK) != 0)
		return 0; /* each test skips */
	unlink("/tmp/.hull-proc-view-fail");
	snprintf(s.mnt, sizeof(s.mnt), "/tmp/hull-proc-view.XXXXXX");
	assert_non_null(mkdtemp(s.mnt));
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	s.pid = fork();
	assert_true(s.pid >= 0);
	if (s.pid == 0) {
		close(ready[0]);
		close(stop[1]);
		serve_child(&s, ready[1], stop[0]);
	}
	close(ready[1]);
	close(stop[0]);
	s.stop = stop[1];
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	snprintf(s.root, sizeof(s.root), "/proc/%d/root%s", (int)s.pid, s.mnt);
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;
	int status;

	if (s == NULL)
		return 0;
	close(s->stop);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The mount went with the child's namespace; the directory is ours. */
	assert_int_equal(rmdir(s->mnt), 0);
	return 0;
}

#define NEED_FUSE(state)                                                                           \
	do {                                                                                       \
		if (*(state) == NULL)                                                              \
			skip();                                                                    \
	} while (0)

/* The whole of s->root/rel, read size bytes at a time; its length. */
static size_t read_all(struct server *s, const char *rel, char *buf, size_t cap, size_t step)
{
	char path[256];
	cleanup_close int fd = -1;
	size_t len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", s->root, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	while (len < cap && (n = read(fd, buf + len, step < cap - len ? step : cap - len)) > 0)
		len += (size_t)n;
	return len;
}

/* Root's names, joined by spaces, in readdir's order. */
static void list_root(struct server *s, char *out, size_t size)
{
	DIR *d = opendir(s->root);
	struct dirent *de;

	assert_non_null(d);
	out[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		strncat(out, de->d_name, size - strlen(out) - 2);
		strcat(out, " ");
	}
	closedir(d);
}

static void test_root_lists_the_snapshots_processes(void **state)
{
	struct server *s = *state;
	char names[256];
	struct stat st;

	NEED_FUSE(state);
	list_root(s, names, sizeof(names));
	assert_string_equal(names, ". .. stat self 1 42 1001 ");
	/* A listing takes a new snapshot: the process that came and went is another. */
	list_root(s, names, sizeof(names));
	assert_string_equal(names, ". .. stat self 1 42 1002 ");
	assert_int_equal(stat(s->root, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_files_are_the_containers(void **state)
{
	struct server *s = *state;
	char buf[4096], want[3200], path[256], link[64];
	struct stat st;
	size_t n;

	NEED_FUSE(state);
	n = read_all(s, "1/stat", buf, sizeof(buf), sizeof(buf));
	assert_int_equal(n, strlen(STAT1));
	assert_memory_equal(buf, STAT1, n);
	/* cmdline keeps its NULs. */
	n = read_all(s, "42/cmdline", buf, sizeof(buf), sizeof(buf));
	assert_int_equal(n, sizeof(CMDLINE42));
	assert_memory_equal(buf, CMDLINE42, n);
	/* A file longer than a read comes whole, in pieces, as from procfs. */
	status_text(want, sizeof(want));
	n = read_all(s, "1/status", buf, sizeof(buf), 100);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	n = read_all(s, "stat", buf, sizeof(buf), sizeof(buf));
	assert_memory_equal(buf, "cpu 1 2 3\nbtime 1700000000\n", n);
	snprintf(path, sizeof(path), "%s/42/ns/pid", s->root);
	n = (size_t)readlink(path, link, sizeof(link));
	assert_int_equal(n, strlen("pid:[4026532001]"));
	assert_memory_equal(link, "pid:[4026532001]", n);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(path, sizeof(path), "%s/1/stat", s->root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444);
	assert_int_equal(st.st_size, strlen(STAT1));
}

/* sendfile(2), as busybox's cat copies, gives the whole file too. */
static void test_sendfile_copies_a_file(void **state)
{
	struct server *s = *state;
	char path[256], buf[4096];
	cleanup_close int in = -1, out = -1;
	ssize_t n;

	NEED_FUSE(state);
	snprintf(path, sizeof(path), "%s/1/stat", s->root);
	in = open(path, O_RDONLY | O_CLOEXEC);
	out = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(sendfile(out, in, NULL, sizeof(buf)), strlen(STAT1));
	n = pread(out, buf, sizeof(buf), 0);
	assert_int_equal(n, strlen(STAT1));
	assert_memory_equal(buf, STAT1, (size_t)n);
}

static void test_what_is_not_there(void **state)
{
	struct server *s = *state;
	char path[256];

	NEED_FUSE(state);
	snprintf(path, sizeof(path), "%s/7", s->root);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/1/environ", s->root);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/1/stat", s->root);
	assert_int_equal(open(path, O_WRONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, EROFS);
}

static void test_self_is_the_readers_own(void **state)
{
	struct server *s = *state;
	char mine[4096], seen[4096];
	size_t n_mine, n_seen;
	FILE *f = fopen("/proc/self/uid_map", "re");

	NEED_FUSE(state);
	assert_non_null(f);
	n_mine = fread(mine, 1, sizeof(mine), f);
	fclose(f);
	n_seen = read_all(s, "self/uid_map", seen, sizeof(seen), sizeof(seen));
	assert_true(n_mine > 0);
	assert_int_equal(n_seen, n_mine);
	assert_memory_equal(seen, mine, n_mine);
	/* auxv (psgo's clock ticks): (type, value) pairs ending in AT_NULL. */
	n_seen = read_all(s, "self/auxv", seen, sizeof(seen), sizeof(seen));
	assert_true(n_seen >= 16 && n_seen % 16 == 0);
}

static void test_a_failed_fetch_is_an_io_error(void **state)
{
	struct server *s = *state;
	int fd;

	NEED_FUSE(state);
	fd = open("/tmp/.hull-proc-view-fail", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(opendir(s->root));
	assert_int_equal(errno, EIO);
	unlink("/tmp/.hull-proc-view-fail");
	assert_int_equal(access(s->root, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_lists_the_snapshots_processes),
	    cmocka_unit_test(test_files_are_the_containers),
	    cmocka_unit_test(test_sendfile_copies_a_file),
	    cmocka_unit_test(test_what_is_not_there),
	    cmocka_unit_test(test_self_is_the_readers_own),
	    cmocka_unit_test(test_a_failed_fetch_is_an_io_error),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
