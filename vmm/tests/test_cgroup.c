/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's cgroup v2 (vmm/agent/cgroup.h) on this host's kernel:
 * the parse errors (each naming its field), the v1-to-v2 conversions, and
 * real cgroups under a test parent (<cgroup2 mount>/hull-test-<pid>) that
 * the group teardown removes whatever happened.  Processes are forked,
 * moved in by the parent (as the agent does) and report what they saw
 * over a pipe.
 *
 * A controller this host binds to cgroup v1 (hybrid hosts) is not on the
 * cgroup2 mount: its tests (pids fork limit, OOM kill, read-backs) skip,
 * and the "no such controller" error is tested with it instead.  The
 * device filter, destroy and stats need no controller and always run.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "vmm/agent/cgroup.h"

static char mnt[256];       /* the cgroup2 mount */
static char parent[512];    /* the test's parent cgroup */
static char available[256]; /* the mount root's cgroup.controllers */

static json_t *parse_json(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", text, jerr.text);
	return j;
}

static struct cgroup_plan *plan_of(const char *text)
{
	cleanup_json json_t *j = parse_json(text);
	cleanup_error hull_error_t err = NULL;
	struct cgroup_plan *p = NULL;

	if (cgroup_plan_parse(j, &p, &err) < 0)
		fail_msg("parse %s: %s", text, hull_error_str(err));
	return p;
}

static int has_controller(const char *ctl)
{
	size_t len = strlen(ctl);

	for (const char *s = available; (s = strstr(s, ctl)) != NULL; s += len)
		if ((s == available || s[-1] == ' ') &&
		    (s[len] == ' ' || s[len] == '\n' || !s[len]))
			return 1;
	return 0;
}

static void read_text(const char *dir, const char *file, char *buf, size_t size)
{
	char path[1024];
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

/* The value of `key N` in a keyed file (memory.events, cpu.stat). */
static long long keyed(const char *dir, const char *file, const char *key)
{
	char buf[4096];
	const char *s;

	read_text(dir, file, buf, sizeof(buf));
	for (s = buf; (s = strstr(s, key)) != NULL; s++)
		if ((s == buf || s[-1] == '\n') && s[strlen(key)] == ' ')
			return atoll(s + strlen(key) + 1);
	fail_msg("%s/%s has no %s", dir, file, key);
	return -1;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static char *create(const char *name, const char *resources)
{
	struct cgroup_plan *p = plan_of(resources);
	cleanup_error hull_error_t err = NULL;
	char *path = NULL;

	if (cgroup_create(parent, name, p, &path, &err) < 0)
		fail_msg("create %s %s: %s", name, resources, hull_error_str(err));
	cgroup_plan_free(p);
	return path;
}

/* create, when this host offers controller on cgroup v2; the test skips otherwise. */
static char *create_with(const char *controller, const char *name, const char *resources)
{
	if (!has_controller(controller))
		skip();
	return create(name, resources);
}

static void destroy(char *path)
{
	cleanup_error hull_error_t err = NULL;

	if (cgroup_destroy(path, &err) < 0)
		fail_msg("destroy %s: %s", path, hull_error_str(err));
	assert_false(exists(path));
	free(path);
}

typedef int child_fn(void *arg);

/*
 * Forks a child that waits until it is in the cgroup at path, runs fn and
 * reports fn's result; returns it.  The child is reaped.
 */
static int run_in(const char *path, child_fn *fn, void *arg)
{
	cleanup_error hull_error_t err = NULL;
	int go[2], back[2], result = -12345, status;
	pid_t pid;
	char c;

	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(back, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		close(back[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		result = fn(arg);
		_exit(write(back[1], &result, sizeof(result)) == sizeof(result) ? 0 : 1);
	}
	close(go[0]);
	close(back[1]);
	if (cgroup_attach(path, pid, &err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("attach: %s", hull_error_str(err));
	}
	assert_int_equal(write(go[1], "x", 1), 1);
	close(go[1]);
	if (read(back[0], &result, sizeof(result)) != sizeof(result))
		result = -12345;
	close(back[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return result;
}

static int group_setup(void **state)
{
	char line[1024];
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "r");

	(void)state;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char point[256], fstype[64];
		const char *sep = strstr(line, " - ");

		if (sep && sscanf(sep, " - %63s", fstype) == 1 && strcmp(fstype, "cgroup2") == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %255s", point) == 1) {
			snprintf(mnt, sizeof(mnt), "%s", point);
			break;
		}
	}
	if (mnt[0] == '\0') {
		fprintf(stderr, "# no cgroup2 mount on this host\n");
		return -1;
	}
	read_text(mnt, "cgroup.controllers", available, sizeof(available));
	/* Under the mount's root: this test runs as root in the root cgroup or a leaf of it. */
	snprintf(parent, sizeof(parent), "%s/hull-test-%d", mnt, (int)getpid());
	fprintf(stderr, "# cgroup2 at %s, controllers \"%s\"\n", mnt, available);
	return 0;
}

static int group_teardown(void **state)
{
	cleanup_error hull_error_t err = NULL;

	(void)state;
	if (cgroup_destroy(parent, &err) < 0) {
		fprintf(stderr, "# teardown: %s\n", hull_error_str(err));
		return -1;
	}
	return exists(parent) ? -1 : 0;
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *resources, *error; /* error: a prefix of the message */
	} cases[] = {
	    {"[]", "linux.resources: expected an object"},
	    {"{\"bogus\": {}}", "linux.resources.bogus: hull does not know this field"},
	    {"{\"memory\": {\"limit\": \"1G\"}}",
	     "linux.resources.memory.limit: expected a whole number"},
	    {"{\"memory\": {\"limit\": -2}}",
	     "linux.resources.memory.limit: expected a whole number"},
	    {"{\"memory\": {\"disableOOMKiller\": true}}",
	     "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer"},
	    {"{\"memory\": {\"kernel\": 1048576}}",
	     "linux.resources.memory.kernel: cgroup v2 has no kernel memory limit"},
	    {"{\"memory\": {\"kernelTCP\": 1048576}}", "linux.resources.memory.kernelTCP: "},
	    {"{\"memory\": {\"swappiness\": 10}}", "linux.resources.memory.swappiness: "},
	    {"{\"memory\": {\"useHierarchy\": false}}", "linux.resources.memory.useHierarchy: "},
	    {"{\"memory\": {\"limit\": 200, \"swap\": 100}}",
	     "linux.resources.memory.swap: 100 is below memory.limit 200"},
	    {"{\"memory\": {\"swap\": 100}}",
	     "linux.resources.memory.swap: a swap limit needs a memory limit"},
	    {"{\"memory\": {\"hard\": 1}}", "linux.resources.memory.hard: hull does not know"},
	    {"{\"cpu\": {\"realtimeRuntime\": 950000}}",
	     "linux.resources.cpu.realtimeRuntime: cgroup v2 has no real-time group scheduling"},
	    {"{\"cpu\": {\"shares\": -1}}", "linux.resources.cpu.shares: expected a whole number"},
	    {"{\"cpu\": {\"idle\": 2}}",
	     "linux.resources.cpu.idle: expected a whole number from 0 to 1"},
	    {"{\"cpu\": {\"cpus\": 3}}", "linux.resources.cpu.cpus: expected a string"},
	    {"{\"pids\": {}}", "linux.resources.pids.limit: required"},
	    {"{\"blockIO\": {\"weight\": 5}}",
	     "linux.resources.blockIO.weight: expected 10 to 1000"},
	    {"{\"blockIO\": {\"leafWeight\": 100}}",
	     "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weight"},
	    {"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"rate\": 1}]}}",
	     "linux.resources.blockIO.throttleReadBpsDevice[0]: major and minor are required"},
	    {"{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 1}]}}",
	     "linux.resources.blockIO.weightDevice[0].weight: expected a whole number from 10"},
	    {"{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}",
	     "linux.resources.hugepageLimits[0].pageSize: expected a size like \"2MB\""},
	    {"{\"network\": {\"classID\": 1048577}}",
	     "linux.resources.network: cgroup v2 has no net_cls or net_prio controller"},
	    {"{\"unified\": {\"../memory.max\": \"1\"}}",
	     "linux.resources.unified[\"../memory.max\"]: not the name of a cgroup file"},
	    {"{\"unified\": {\"cgroup.procs\": \"1\"}}",
	     "linux.resources.unified[\"cgroup.procs\"]: not a limit"},
	    {"{\"unified\": {\"memory.high\": 5}}",
	     "linux.resources.unified[\"memory.high\"]: expected a string"},
	    {"{\"devices\": {}}", "linux.resources.devices: expected an array"},
	    {"{\"devices\": [{\"type\": \"c\"}]}",
	     "linux.resources.devices[0].allow: expected true or false"},
	    {"{\"devices\": [{\"allow\": true}, {\"allow\": true, \"type\": \"u\"}]}",
	     "linux.resources.devices[1].type: \"u\" is not a, b or c"},
	    {"{\"devices\": [{\"allow\": true, \"access\": \"rx\"}]}",
	     "linux.resources.devices[0].access: \"rx\" is not made of r, w, m"},
	    {"{\"devices\": [{\"allow\": true, \"major\": -7}]}",
	     "linux.resources.devices[0].major: expected -1 (any)"},
	    {"{\"devices\": [{\"allow\": true, \"path\": \"/dev/null\"}]}",
	     "linux.resources.devices[0].path: hull does not know this field"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_json json_t *j = parse_json(cases[i].resources);
		cleanup_error hull_error_t err = NULL;
		struct cgroup_plan *p = NULL;
		const char *msg;

		if (cgroup_plan_parse(j, &p, &err) == 0) {
			cgroup_plan_free(p);
			fail_msg("%s: parsed, expected \"%s\"", cases[i].resources, cases[i].error);
		}
		msg = hull_error_str(err);
		if (strncmp(msg, cases[i].error, strlen(cases[i].error)) != 0)
			fail_msg("%s: got \"%s\", expected \"%s...\"", cases[i].resources, msg,
			         cases[i].error);
	}
}

static void test_conversions(void **state)
{
	static const struct {
		const char *resources, *file, *value; /* value NULL: no write */
	} cases[] = {
	    {"{\"cpu\": {\"shares\": 1024}}", "cpu.weight", "100"},
	    {"{\"cpu\": {\"shares\": 2}}", "cpu.weight", "1"},
	    {"{\"cpu\": {\"shares\": 3}}", "cpu.weight", "2"},
	    {"{\"cpu\": {\"shares\": 512}}", "cpu.weight", "59"},
	    {"{\"cpu\": {\"shares\": 2048}}", "cpu.weight", "174"},
	    {"{\"cpu\": {\"shares\": 262144}}", "cpu.weight", "10000"},
	    {"{\"cpu\": {\"shares\": 0}}", "cpu.weight", NULL},
	    {"{\"cpu\": {\"quota\": 50000, \"period\": 100000}}", "cpu.max", "50000 100000"},
	    {"{\"cpu\": {\"quota\": 50000}}", "cpu.max", "50000"},
	    {"{\"cpu\": {\"quota\": -1}}", "cpu.max", "max"},
	    {"{\"cpu\": {\"period\": 200000}}", "cpu.max", "max 200000"},
	    {"{\"cpu\": {\"cpus\": \"0-1\", \"mems\": \"0\"}}", "cpuset.cpus", "0-1"},
	    {"{\"cpu\": {\"cpus\": \"0-1\", \"mems\": \"0\"}}", "cpuset.mems", "0"},
	    {"{\"cpu\": {\"idle\": 1}}", "cpu.idle", "1"},
	    {"{\"memory\": {\"limit\": 1048576}}", "memory.max", "1048576"},
	    {"{\"memory\": {\"limit\": -1}}", "memory.max", "max"},
	    {"{\"memory\": {\"limit\": -1}}", "memory.swap.max", "max"},
	    {"{\"memory\": {\"limit\": 1048576, \"swap\": 3145728}}", "memory.swap.max", "2097152"},
	    {"{\"memory\": {\"limit\": 1048576, \"swap\": -1}}", "memory.swap.max", "max"},
	    {"{\"memory\": {\"limit\": 1048576}}", "memory.swap.max", NULL},
	    {"{\"memory\": {\"reservation\": 524288}}", "memory.low", "524288"},
	    {"{\"memory\": {\"disableOOMKiller\": false, \"useHierarchy\": true}}", "memory.max",
	     NULL},
	    {"{\"pids\": {\"limit\": 5}}", "pids.max", "5"},
	    {"{\"pids\": {\"limit\": -1}}", "pids.max", "max"},
	    {"{\"pids\": {\"limit\": 0}}", "pids.max", "max"},
	    {"{\"blockIO\": {\"weight\": 10}}", "io.weight", "default 1"},
	    {"{\"blockIO\": {\"weight\": 500}}", "io.weight", "default 4950"},
	    {"{\"blockIO\": {\"weight\": 1000}}", "io.weight", "default 10000"},
	    {"{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 16, \"weight\": 100}]}}",
	     "io.weight", "8:16 910"},
	    {"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, "
	     "\"rate\": 1048576}]}}",
	     "io.max", "8:0 rbps=1048576"},
	    {"{\"blockIO\": {\"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, "
	     "\"rate\": 0}]}}",
	     "io.max", "8:0 wiops=max"},
	    {"{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}]}",
	     "hugetlb.2MB.max", "4194304"},
	    {"{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}}", "rdma.max",
	     "mlx5_1 hca_handle=3 hca_object=max"},
	    {"{\"memory\": {\"limit\": 1048576}, \"unified\": {\"memory.max\": \"2M\"}}",
	     "memory.max", "2M"},
	    {"{\"network\": {}}", "net_cls.classid", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgroup_plan *p = plan_of(cases[i].resources);
		const char *got = cgroup_plan_value(p, cases[i].file);

		if (cases[i].value == NULL ? got != NULL
		                           : got == NULL || strcmp(got, cases[i].value) != 0)
			fail_msg("%s: %s is \"%s\", expected \"%s\"", cases[i].resources,
			         cases[i].file, got ? got : "(none)",
			         cases[i].value ? cases[i].value : "(none)");
		cgroup_plan_free(p);
	}
	assert_int_equal(cgroup_cpu_weight(1024), 100);
}

/* What the kernel reads back after cgroup_create, for each controller this host offers. */
static void test_limits_read_back(void **state)
{
	static const struct {
		const char *controller, *resources, *file, *value;
	} cases[] = {
	    {"memory", "{\"memory\": {\"limit\": 8388608}}", "memory.max", "8388608"},
	    {"memory", "{\"memory\": {\"limit\": 8388608, \"swap\": 16777216}}", "memory.swap.max",
	     "8388608"},
	    {"cpu", "{\"cpu\": {\"shares\": 512}}", "cpu.weight", "59"},
	    {"cpu", "{\"cpu\": {\"quota\": 50000, \"period\": 100000}}", "cpu.max", "50000 100000"},
	    {"cpu", "{\"cpu\": {\"quota\": -1, \"period\": 250000}}", "cpu.max", "max 250000"},
	    {"pids", "{\"pids\": {\"limit\": 7}}", "pids.max", "7"},
	    {"io", "{\"blockIO\": {\"weight\": 500}}", "io.weight", "default 4950"},
	    {"hugetlb", "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}]}",
	     "hugetlb.2MB.max", "4194304"},
	    {"memory", "{\"unified\": {\"memory.high\": \"16777216\"}}", "memory.high", "16777216"},
	};
	char got[256];
	int ran = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path;

		if (!has_controller(cases[i].controller))
			continue;
		path = create("limits", cases[i].resources);
		read_text(path, cases[i].file, got, sizeof(got));
		if (strcmp(got, cases[i].value) != 0)
			fail_msg("%s: %s reads \"%s\", expected \"%s\"", cases[i].resources,
			         cases[i].file, got, cases[i].value);
		destroy(path);
		ran++;
	}
	if (ran == 0)
		skip();
}

/* A controller the kernel does not offer on cgroup v2: create fails naming the field, leaves nothing. */
static void test_missing_controller(void **state)
{
	static const struct {
		const char *controller, *resources, *error;
	} cases[] = {
	    {"pids", "{\"pids\": {\"limit\": 7}}",
	     "linux.resources.pids.limit: the kernel offers no pids controller on cgroup v2"},
	    {"memory", "{\"memory\": {\"limit\": 8388608}}",
	     "linux.resources.memory.limit: the kernel offers no memory controller on cgroup v2"},
	    {"cpu", "{\"cpu\": {\"shares\": 512}}",
	     "linux.resources.cpu.shares: the kernel offers no cpu controller on cgroup v2"},
	    {"rdma", "{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}}",
	     "linux.resources.rdma[\"mlx5_1\"]: the kernel offers no rdma controller on cgroup v2"},
	};
	char name_path[600];

	(void)state;
	snprintf(name_path, sizeof(name_path), "%s/missing", parent);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgroup_plan *p;
		cleanup_error hull_error_t err = NULL;
		char *path = NULL;

		if (has_controller(cases[i].controller))
			continue;
		p = plan_of(cases[i].resources);
		assert_int_equal(cgroup_create(parent, "missing", p, &path, &err), -1);
		cgroup_plan_free(p);
		if (strncmp(hull_error_str(err), cases[i].error, strlen(cases[i].error)) != 0)
			fail_msg("got \"%s\", expected \"%s\"", hull_error_str(err),
			         cases[i].error);
		assert_null(path);
		assert_false(exists(name_path));
	}
	/* A unified key naming a file no controller has. */
	{
		struct cgroup_plan *p = plan_of("{\"unified\": {\"cgroup.bogus\": \"1\"}}");
		cleanup_error hull_error_t err = NULL;
		char *path = NULL;

		assert_int_equal(cgroup_create(parent, "missing", p, &path, &err), -1);
		cgroup_plan_free(p);
		assert_string_equal(hull_error_str(err),
		                    "linux.resources.unified[\"cgroup.bogus\"]: "
		                    "this kernel's cgroup has no cgroup.bogus");
		assert_false(exists(name_path));
	}
}

static int fork_twice(void *arg)
{
	pid_t first, second;
	int saved;

	(void)arg;
	first = fork();
	if (first == 0) {
		pause();
		_exit(0);
	}
	if (first < 0)
		return -1000 - errno;
	second = fork();
	saved = errno;
	if (second == 0)
		_exit(0);
	kill(first, SIGKILL);
	waitpid(first, NULL, 0);
	if (second > 0) {
		waitpid(second, NULL, 0);
		return 0;
	}
	return saved;
}

/* pids.max 2: the process and one child; the second fork fails with EAGAIN. */
static void test_pids_limit_stops_fork(void **state)
{
	char *path = create_with("pids", "pids", "{\"pids\": {\"limit\": 2}}");

	(void)state;
	assert_int_equal(run_in(path, fork_twice, NULL), EAGAIN);
	assert_true(keyed(path, "pids.events", "max") >= 1);
	destroy(path);
}

static int allocate_64m(void *arg)
{
	size_t size = 64 << 20;
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (m == MAP_FAILED)
		return errno;
	for (size_t i = 0; i < size; i += 4096)
		m[i] = 1;
	return 0; /* not reached under memory.max 16M without swap */
}

static void test_memory_limit_oom_kills(void **state)
{
	char *path =
	    create_with("memory", "oom", "{\"memory\": {\"limit\": 16777216, \"swap\": 16777216}}");

	(void)state;
	/* The child is killed before it reports: run_in sees no result. */
	assert_int_equal(run_in(path, allocate_64m, NULL), -12345);
	assert_true(keyed(path, "memory.events", "oom_kill") >= 1);
	destroy(path);
}

struct open_case {
	const char *dev;
	int flags;
	int want; /* 0 or the errno */
};

static int open_dev(void *arg)
{
	const struct open_case *c = arg;
	int fd = open(c->dev, c->flags | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void check_opens(const char *resources, const struct open_case *cases, size_t n)
{
	char *path = create("devices", resources);

	for (size_t i = 0; i < n; i++) {
		int got = run_in(path, open_dev, (void *)&cases[i]);

		if (got != cases[i].want)
			fail_msg("%s: open %s (flags %#x) gave %s, expected %s", resources,
			         cases[i].dev, cases[i].flags, got ? strerror(got) : "success",
			         cases[i].want ? strerror(cases[i].want) : "success");
	}
	destroy(path);
}

static void test_device_filter(void **state)
{
	/* Deny all, then allow /dev/null; /dev/zero is a default device, /dev/kmsg (1:11) is not. */
	static const struct open_case null_only[] = {
	    {"/dev/null", O_RDWR, 0},
	    {"/dev/zero", O_RDONLY, 0},
	    {"/dev/kmsg", O_RDONLY, EPERM},
	    {"/dev/kmsg", O_WRONLY, EPERM},
	};
	/* A later rule overrides an earlier one bit by bit: kmsg readable, not writable. */
	static const struct open_case read_only_kmsg[] = {
	    {"/dev/kmsg", O_RDONLY, 0},
	    {"/dev/kmsg", O_WRONLY, EPERM},
	    {"/dev/kmsg", O_RDWR, EPERM},
	    {"/dev/null", O_RDONLY, 0},
	};
	/* The defaults stay usable whatever the rules deny; what no rule allows is denied. */
	static const struct open_case defaults[] = {
	    {"/dev/null", O_RDWR, 0},       {"/dev/full", O_WRONLY, 0},
	    {"/dev/urandom", O_RDONLY, 0},  {"/dev/zero", O_RDONLY, 0},
	    {"/dev/kmsg", O_RDONLY, EPERM},
	};

	(void)state;
	check_opens("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
	            " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, "
	            "\"access\": \"rwm\"}]}",
	            null_only, sizeof(null_only) / sizeof(null_only[0]));
	check_opens("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
	            " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": "
	            "\"rw\"},"
	            " {\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": "
	            "\"w\"}]}",
	            read_only_kmsg, sizeof(read_only_kmsg) / sizeof(read_only_kmsg[0]));
	check_opens(
	    "{\"devices\": [{\"allow\": false, \"type\": \"c\", \"major\": 1, \"minor\": 5, "
	    "\"access\": \"r\"}]}",
	    defaults, sizeof(defaults) / sizeof(defaults[0]));
	check_opens("{\"devices\": []}", defaults, sizeof(defaults) / sizeof(defaults[0]));
}

static int sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/* destroy: SIGKILLs what is inside (in a nested cgroup too) and leaves no directory. */
static void test_destroy_kills_and_removes(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char *path = create("destroy", "{}");
	char sub[700];
	int go[2], status;
	pid_t pid;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/nested", path);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		(void)!read(go[0], &c, 1);
		sleep_forever(NULL);
	}
	close(go[0]);
	assert_int_equal(cgroup_attach(sub, pid, &err), 0);
	close(go[1]);
	destroy(path);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	/* Destroying what is gone is not an error. */
	assert_int_equal(cgroup_destroy(sub, &err), 0);
}

static int burn_cpu(void *arg)
{
	struct timespec ts;

	(void)arg;
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	while (ts.tv_sec == 0 && ts.tv_nsec < 50 * 1000 * 1000);
	return 0;
}

static void test_stats(void **state)
{
	cleanup_json json_t *stats = NULL;
	char *path;
	long long usage;

	(void)state;
	path = create("stats", has_controller("pids") ? "{\"pids\": {\"limit\": 9}}" : "{}");
	assert_int_equal(run_in(path, burn_cpu, NULL), 0);
	stats = cgroup_stats(path);
	assert_non_null(stats);
	usage = json_integer_value(json_object_get(json_object_get(stats, "cpu"), "usage_usec"));
	/* The kernel's own count, and at least the 50 ms the child burnt. */
	assert_int_equal(usage, keyed(path, "cpu.stat", "usage_usec"));
	assert_true(usage >= 50000);
	if (has_controller("pids")) {
		json_t *pids = json_object_get(stats, "pids");

		assert_int_equal(json_integer_value(json_object_get(pids, "max")), 9);
		assert_int_equal(json_integer_value(json_object_get(pids, "current")), 0);
	}
	if (has_controller("memory"))
		assert_true(json_is_null(json_object_get(json_object_get(stats, "memory"), "max")));
	destroy(path);
	assert_null(cgroup_stats("/nonexistent/hull-cgroup"));
}

/* count[1]: set by the counter's SIGUSR1 handler. */
static volatile long *handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled[1] = 1;
}

/* A child counting in count[0], a tick every millisecond, until killed. */
static pid_t start_counter(volatile long *count)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		handled = count;
		signal(SIGUSR1, on_usr1);
		for (;;) {
			count[0]++;
			usleep(1000);
		}
	}
	return pid;
}

/* Two longs the test and its children share, zeroed. */
static volatile long *shared_longs(void)
{
	void *p =
	    mmap(NULL, 2 * sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* Whether *count moves within 300 ms. */
static int counting(volatile long *count)
{
	long before = count[0];

	usleep(300 * 1000);
	return count[0] != before;
}

static void test_freeze_and_signal_all(void **state)
{
	cleanup_error hull_error_t err = NULL;
	volatile long *count = shared_longs();
	char *path = create("freeze", "{}");
	cleanup_free pid_t *pids = NULL;
	size_t n;
	int status;
	pid_t pid;

	(void)state;
	pid = start_counter(count);
	assert_int_equal(cgroup_attach(path, pid, &err), 0);
	assert_true(counting(count));
	assert_int_equal(cgroup_frozen(path), 0);
	assert_int_equal(cgroup_freeze(path, true, &err), 0);
	assert_int_equal(cgroup_frozen(path), 1);
	assert_false(counting(count));
	assert_int_equal(cgroup_freeze(path, false, &err), 0);
	assert_true(counting(count));
	assert_int_equal(cgroup_pids(path, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	/*
	 * Paused: a handled signal waits until the thaw, and the cgroup stays
	 * frozen.  (A fatal one kills at once: cgroup v2 lets those through.)
	 */
	assert_int_equal(cgroup_freeze(path, true, &err), 0);
	assert_int_equal(cgroup_signal_all(path, SIGUSR1, &err), 0);
	assert_int_equal(cgroup_frozen(path), 1);
	usleep(100 * 1000);
	assert_int_equal(count[1], 0);
	assert_int_equal(cgroup_freeze(path, false, &err), 0);
	for (int i = 0; i < 100 && count[1] == 0; i++)
		usleep(10 * 1000);
	assert_int_equal(count[1], 1);
	/* Running: frozen for the signal, thawed after. */
	assert_int_equal(cgroup_signal_all(path, SIGTERM, &err), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_int_equal(cgroup_frozen(path), 0);
	munmap((void *)count, 2 * sizeof(long));
	destroy(path);
}

/* Every process, a nested cgroup's too: listed, and killed by one cgroup.kill. */
static void test_pids_and_kill_all_nested(void **state)
{
	cleanup_error hull_error_t err = NULL;
	volatile long *count = shared_longs();
	char *path = create("killall", "{}");
	cleanup_free pid_t *pids = NULL;
	char sub[700];
	pid_t a, b;
	size_t n;
	int status;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/nested", path);
	assert_int_equal(mkdir(sub, 0755), 0);
	a = start_counter(count);
	b = start_counter(count);
	assert_int_equal(cgroup_attach(path, a, &err), 0);
	assert_int_equal(cgroup_attach(sub, b, &err), 0);
	assert_int_equal(cgroup_pids(path, &pids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true((pids[0] == a && pids[1] == b) || (pids[0] == b && pids[1] == a));
	/* Paused, as runc's kill --all KILL of a paused container finds it. */
	assert_int_equal(cgroup_freeze(path, true, &err), 0);
	assert_int_equal(cgroup_signal_all(path, SIGKILL, &err), 0);
	assert_int_equal(waitpid(a, &status, 0), a);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(waitpid(b, &status, 0), b);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	munmap((void *)count, 2 * sizeof(long));
	destroy(path);
}

/* update: new limits on a live cgroup; devices are refused, as runc's update ignores them. */
static void test_update(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct cgroup_plan *p;
	char *path, buf[64];

	(void)state;
	path = create("update", "{}");
	p = plan_of("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}");
	assert_int_equal(cgroup_update(path, p, &err), -1);
	assert_non_null(strstr(hull_error_str(err), "linux.resources.devices"));
	cgroup_plan_free(p);
	/* A controller the cgroup did not need at create is enabled above it now. */
	if (has_controller("pids")) {
		p = plan_of("{\"pids\": {\"limit\": 42}}");
		assert_int_equal(cgroup_update(path, p, &err), 0);
		cgroup_plan_free(p);
		read_text(path, "pids.max", buf, sizeof(buf));
		assert_string_equal(buf, "42");
	}
	destroy(path);
}

/* Last: the test parent goes, and nothing of this run is left on the mount. */
static void test_nothing_left(void **state)
{
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_true(exists(parent));
	assert_int_equal(cgroup_destroy(parent, &err), 0);
	assert_false(exists(parent));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_conversions),
	    cmocka_unit_test(test_limits_read_back),
	    cmocka_unit_test(test_missing_controller),
	    cmocka_unit_test(test_pids_limit_stops_fork),
	    cmocka_unit_test(test_memory_limit_oom_kills),
	    cmocka_unit_test(test_device_filter),
	    cmocka_unit_test(test_destroy_kills_and_removes),
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test(test_freeze_and_signal_all),
	    cmocka_unit_test(test_pids_and_kill_all_nested),
	    cmocka_unit_test(test_update),
	    cmocka_unit_test(test_nothing_left),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
