/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's host cgroup (runtime/host_cgroup.c): linux.cgroupsPath in
 * cgroupfs and systemd syntax (and the errors, which name the field),
 * linux.resources read for the limits, and, for real on this host, a
 * relative cgroup made under our own, a forked child moved into it (its
 * /proc/PID/cgroup), the limits read back from the files, and every
 * directory removed.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "runtime/host_cgroup.h"

static void parses_to(const char *given, bool systemd, const char *want)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	if (host_cgroup_parse(given, systemd, &out, &err) < 0)
		fail_msg("%s: %s", given, hull_error_str(err));
	if (want == NULL)
		assert_null(out);
	else
		assert_string_equal(out, want);
}

static void refused(const char *given, bool systemd, const char *words)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	assert_int_equal(host_cgroup_parse(given, systemd, &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(hull_error_str(err), "linux.cgroupsPath: \""));
	if (strstr(hull_error_str(err), words) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", given, hull_error_str(err), words);
}

static void cgroupfs_paths(void **state)
{
	(void)state;
	parses_to(NULL, false, NULL);
	parses_to("", false, NULL);
	parses_to("/a/b", false, "/a/b");
	parses_to("//a/./b//", false, "/a/b");
	parses_to("a/b", false, "a/b");
	parses_to("./a", false, "a");
	parses_to("/default/ctr-1", false, "/default/ctr-1");
	/* Without --systemd-cgroup the systemd syntax is a plain name, as under runc's fs driver. */
	parses_to("system.slice:docker:x", false, "system.slice:docker:x");
}

static void cgroupfs_errors(void **state)
{
	(void)state;
	refused("/a/../b", false, "\"..\" is not allowed");
	refused("..", false, "\"..\" is not allowed");
	refused("/", false, "root cgroup");
	refused("./", false, "root cgroup");
}

static void systemd_paths(void **state)
{
	(void)state;
	parses_to("system.slice:docker:ID", true, "/system.slice/docker-ID.scope");
	parses_to(":crio:abc", true, "/system.slice/crio-abc.scope");
	parses_to("machine-pod1.slice:libpod:c1", true,
	          "/machine.slice/machine-pod1.slice/libpod-c1.scope");
	parses_to("a-b-c.slice:p:n", true, "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	parses_to("-.slice:p:n", true, "/p-n.scope");
	parses_to("user.slice::n", true, "/user.slice/n.scope");
	parses_to("kubepods.slice:x:pod1.slice", true, "/kubepods.slice/pod1.slice");
	parses_to("", true, NULL);
}

static void systemd_errors(void **state)
{
	(void)state;
	refused("/a/b", true, "expected \"slice:prefix:name\"");
	refused("a:b", true, "expected \"slice:prefix:name\"");
	refused("a:b:c:d", true, "expected \"slice:prefix:name\"");
	refused("system:docker:ID", true, "ending in \".slice\"");
	refused("a/b.slice:docker:ID", true, "ending in \".slice\"");
	refused("a--b.slice:p:n", true, "invalid slice name");
	refused("-a.slice:p:n", true, "invalid slice name");
	refused("a-.slice:p:n", true, "invalid slice name");
	refused("system.slice:p:", true, "name must be non-empty");
	refused("system.slice:p:a/b", true, "without '/'");
}

static json_t *res(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void limits_are_read(void **state)
{
	cleanup_json json_t *r = res("{\"memory\": {\"limit\": 268435456}, \"cpu\": {\"quota\": "
	                             "50000, \"period\": 200000, \"shares\": 512}, "
	                             "\"pids\": {\"limit\": 100}}");
	cleanup_json json_t *empty = res("{}");
	cleanup_json json_t *bad = res("{\"memory\": {\"limit\": \"1g\"}}");
	cleanup_error hull_error_t err = NULL;
	struct host_cgroup_limits l;

	(void)state;
	assert_int_equal(host_cgroup_limits_from(r, &l, &err), 0);
	assert_true(l.has_memory && l.has_cpu && l.has_shares && l.has_pids);
	assert_int_equal(l.memory, 268435456);
	assert_int_equal(l.cpu_quota, 50000);
	assert_int_equal(l.cpu_period, 200000);
	assert_int_equal(l.cpu_shares, 512);
	assert_int_equal(l.pids, 100);
	assert_int_equal(host_cgroup_limits_from(empty, &l, &err), 0);
	assert_false(l.has_memory || l.has_cpu || l.has_shares || l.has_pids);
	assert_int_equal(l.cpu_period, 100000);
	assert_int_equal(host_cgroup_limits_from(bad, &l, &err), -1);
	assert_string_equal(hull_error_str(err),
	                    "linux.resources.memory.limit: expected an integer");
}

/* The CPUs a quota needs: quota / period rounded up, none without a quota. */
static void quota_cpus_round_up(void **state)
{
	static const struct {
		const char *resources;
		uint64_t cpus;
	} cases[] = {
	    {"{\"cpu\": {\"quota\": 50000, \"period\": 200000}}", 1},
	    {"{\"cpu\": {\"quota\": 100000, \"period\": 100000}}", 1},
	    {"{\"cpu\": {\"quota\": 150000, \"period\": 100000}}", 2},
	    {"{\"cpu\": {\"quota\": 300000}}", 3}, /* runc's default period, 100 ms */
	    {"{\"cpu\": {\"quota\": -1, \"period\": 100000}}", 0},
	    {"{\"cpu\": {\"shares\": 512}}", 0},
	    {"{}", 0},
	};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_json json_t *r = res(cases[i].resources);
		struct host_cgroup_limits l;

		assert_int_equal(host_cgroup_limits_from(r, &l, &err), 0);
		assert_int_equal(host_cgroup_limits_cpus(&l), cases[i].cpus);
	}
}

static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fgets(buf, (int)size, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* The leaf that has file, or NULL. */
static const char *leaf_with(const json_t *leaves, const char *file)
{
	size_t i;
	json_t *v;

	json_array_foreach(leaves, i, v)
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", json_string_value(v), file);
		if (access(path, F_OK) == 0)
			return json_string_value(v);
	}
	return NULL;
}

static void expect_file(const json_t *leaves, const char *file, const char *want)
{
	const char *leaf = leaf_with(leaves, file);
	char path[4096], got[128];

	if (leaf == NULL)
		return; /* that controller is not mounted here */
	snprintf(path, sizeof(path), "%s/%s", leaf, file);
	assert_true(read_line(path, got, sizeof(got)));
	if (strcmp(got, want) != 0)
		fail_msg("%s: \"%s\", wanted \"%s\"", path, got, want);
}

/* What the real test made, for its teardown to remove should an assertion fail. */
static struct host_cgroup made;
static pid_t child;

/* For real: a relative cgroup under ours, a child in it, limits, removal. */
static void made_joined_limited_removed(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *r = res("{\"memory\": {\"limit\": 268435456}, \"cpu\": {\"quota\": "
	                             "50000, \"period\": 100000, \"shares\": 512}, "
	                             "\"pids\": {\"limit\": 100}}");
	char rel[64], line[4096], want_mem[32], want_pids[32];
	int pipefd[2], status;
	size_t i, n_in = 0, lines = 0;
	json_t *v;
	FILE *f;

	(void)state;
	if (geteuid() != 0 || access("/sys/fs/cgroup", W_OK) != 0)
		skip();
	snprintf(rel, sizeof(rel), "hull-unit-%d/sandbox", (int)getpid());
	if (host_cgroup_create(&made, rel, &err) < 0)
		fail_msg("%s", hull_error_str(err));
	assert_true(json_array_size(made.leaves) > 0);
	/* Both levels are ours in every hierarchy. */
	assert_int_equal(json_array_size(made.created), 2 * json_array_size(made.leaves));
	if (host_cgroup_set_limits(made.leaves, r, &err) < 0)
		fail_msg("%s", hull_error_str(err));
	snprintf(want_mem, sizeof(want_mem), "%lld",
	         268435456LL + ((long long)HOST_CGROUP_OVERHEAD_MIB << 20));
	snprintf(want_pids, sizeof(want_pids), "%d", 100 + HOST_CGROUP_OVERHEAD_PIDS);
	expect_file(made.leaves, "memory.limit_in_bytes", want_mem);
	expect_file(made.leaves, "memory.max", want_mem);
	expect_file(made.leaves, "cpu.cfs_quota_us", "150000");
	expect_file(made.leaves, "cpu.max", "150000 100000");
	expect_file(made.leaves, "pids.max", want_pids);
	expect_file(made.leaves, "cpu.shares", "512");
	expect_file(made.leaves, "cpu.weight", "20"); /* 1 + (512 - 2) * 9999 / 262142 */

	/* A child joins: /proc/PID/cgroup names the cgroup in every hierarchy. */
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char c;

		close(pipefd[1]);
		_exit(read(pipefd[0], &c, 1) == 1 ? 0 : 2);
	}
	close(pipefd[0]);
	if (host_cgroup_join(made.leaves, child, &err) < 0)
		fail_msg("%s", hull_error_str(err));
	snprintf(line, sizeof(line), "/proc/%d/cgroup", (int)child);
	f = fopen(line, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		lines++;
		if (strlen(line) > strlen(rel) &&
		    strcmp(line + strlen(line) - strlen(rel), rel) == 0)
			n_in++;
	}
	fclose(f);
	assert_int_equal(n_in, json_array_size(made.leaves));
	assert_true(n_in <= lines);
	/* While the child is in it, the cgroup stays, and the error says why. */
	assert_int_equal(host_cgroup_remove(made.created, 100, &err), -1);
	assert_non_null(strstr(hull_error_str(err), "processes are still in it"));
	hull_error_release(&err);
	assert_int_equal(write(pipefd[1], "g", 1), 1);
	close(pipefd[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	child = 0;

	if (host_cgroup_remove(made.created, 5000, &err) < 0)
		fail_msg("%s", hull_error_str(err));
	json_array_foreach(made.created, i, v)
	    assert_int_not_equal(access(json_string_value(v), F_OK), 0);
	host_cgroup_free(&made);
}

static int remove_what_was_made(void **state)
{
	cleanup_error hull_error_t ignored = NULL;

	(void)state;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	host_cgroup_remove(made.created, 5000, &ignored);
	host_cgroup_free(&made);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cgroupfs_paths),
	    cmocka_unit_test(cgroupfs_errors),
	    cmocka_unit_test(systemd_paths),
	    cmocka_unit_test(systemd_errors),
	    cmocka_unit_test(limits_are_read),
	    cmocka_unit_test(quota_cpus_round_up),
	    cmocka_unit_test_teardown(made_joined_limited_removed, remove_what_was_made),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
