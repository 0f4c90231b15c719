/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the runc commands make of their arguments before asking anything
 * of a monitor (runtime/cmd_container.c, cmd_runc.c, cmd_spec.c): signal
 * names and numbers, sizes, update's flags and --resources file, the
 * runc-shaped stats, and the example spec.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "runtime/commands.h"

static void test_signals(void **state)
{
	static const struct {
		const char *text;
		int sig;
	} good[] = {
	    {"9", SIGKILL},         {"KILL", SIGKILL}, {"SIGKILL", SIGKILL}, {"kill", SIGKILL},
	    {"sigterm", SIGTERM},   {"TERM", SIGTERM}, {"15", SIGTERM},      {"USR1", SIGUSR1},
	    {"SIGWINCH", SIGWINCH}, {"CHLD", SIGCHLD}, {"PWR", SIGPWR},      {"64", 64},
	};
	static const char *const bad[] = {"SIGBOGUS", "0", "65", "-1", "", "SIG", "9x", "KILL "};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		int sig = 0;

		if (hull_parse_signal(good[i].text, &sig, &err) < 0)
			fail_msg("%s: %s", good[i].text, hull_error_str(err));
		assert_int_equal(sig, good[i].sig);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *want = NULL;
		int sig = 0;

		assert_int_equal(hull_parse_signal(bad[i], &sig, &err), -1);
		assert_true(asprintf(&want, "\"%s\" is not a signal", bad[i]) > 0);
		assert_string_equal(hull_error_str(err), want);
	}
}

/* events --interval: Go's durations, as runc takes them; 0 and junk refused by name. */
static void test_durations(void **state)
{
	static const struct {
		const char *text;
		long long ms;
	} good[] = {
	    {"5s", 5000}, {"300ms", 300},  {"1m30s", 90000}, {"1.5h", 5400000}, {"250us", 1},
	    {"1ns", 1},   {"2h", 7200000}, {"0.5s", 500},    {"24h", 86400000}, {"1m0.5s", 60500},
	};
	static const char *const bad[] = {"5",   "",       "s",     "5x",   "-5s", "5 s",
	                                  "ms5", "1.2.3s", "0x10s", "infs", "."};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		long long ms = 0;

		if (hull_parse_duration(good[i].text, &ms, &err) < 0)
			fail_msg("%s: %s", good[i].text, hull_error_str(err));
		if (ms != good[i].ms)
			fail_msg("%s: %lld ms, not %lld", good[i].text, ms, good[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *want = NULL;
		long long ms = 0;

		assert_int_equal(hull_parse_duration(bad[i], &ms, &err), -1);
		assert_true(
		    asprintf(&want,
		             "events: --interval \"%s\" is not a duration (e.g. 5s, 500ms, 1m)",
		             bad[i]) > 0);
		assert_string_equal(hull_error_str(err), want);
	}
	for (size_t i = 0; i < 2; i++) {
		cleanup_error hull_error_t err = NULL;
		long long ms = 0;

		assert_int_equal(hull_parse_duration(i ? "0s" : "0", &ms, &err), -1);
		assert_non_null(strstr(hull_error_str(err), "the interval must be greater than 0"));
	}
}

static void test_sizes(void **state)
{
	static const struct {
		const char *text;
		long long bytes;
	} good[] = {
	    {"100", 100},        {"100b", 100},     {"512k", 512 << 10}, {"64m", 64 << 20},
	    {"64M", 64 << 20},   {"1g", 1LL << 30}, {"1GiB", 1LL << 30}, {"1gb", 1LL << 30},
	    {"1.5g", 3LL << 29}, {"2t", 2LL << 40}, {"-1", -1},          {"0", 0},
	};
	static const char *const bad[] = {"12q", "", "m", "-5", "1gg", "nan", "-1m", "99999999p"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		long long v = 12345;

		if (hull_parse_bytes(good[i].text, &v, &err) < 0)
			fail_msg("%s: %s", good[i].text, hull_error_str(err));
		assert_int_equal(v, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		long long v;

		if (hull_parse_bytes(bad[i], &v, &err) == 0)
			fail_msg("\"%s\" was taken as %lld", bad[i], v);
		assert_non_null(strstr(hull_error_str(err), bad[i]));
	}
}

/* update's arguments as the command line gives them; *err on failure. */
static json_t *update_of(const char *const *args, const char **id, hull_error_t *err)
{
	char *argv[32];
	int argc = 0;
	json_t *resources = NULL;

	argv[argc++] = (char *)"update";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	optind = 0;
	opterr = 0;
	if (hull_update_resources(argc, argv, id, &resources, err) < 0)
		return NULL;
	return resources;
}

static void test_update_flags(void **state)
{
	static const char *const args[] = {"--memory",      "96m",    "--cpu-quota",  "50000",
	                                   "--cpu-period",  "100000", "--pids-limit", "42",
	                                   "--cpuset-cpus", "0-1",    "--cpu-share",  "512",
	                                   "--memory-swap", "-1",     "ctr",          NULL};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *want = json_loads(
	    "{\"memory\": {\"limit\": 100663296, \"swap\": -1}, \"cpu\": {\"quota\": 50000, "
	    "\"period\": 100000, \"cpus\": \"0-1\", \"shares\": 512}, \"pids\": {\"limit\": 42}}",
	    0, NULL);
	cleanup_json json_t *got = NULL;
	const char *id = NULL;

	(void)state;
	got = update_of(args, &id, &err);
	if (got == NULL)
		fail_msg("%s", hull_error_str(err));
	assert_string_equal(id, "ctr");
	assert_true(json_equal(got, want));
}

static void test_update_resources_file(void **state)
{
	char path[] = "/tmp/hull-test-resources-XXXXXX";
	static const char text[] = "{\"memory\": {\"limit\": 1048576}}";
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *got = NULL;
	const char *id = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	{
		/* As runc: with --resources, the flags are not looked at. */
		const char *const args[] = {"--pids-limit", "7", "-r", path, "c1", NULL};

		got = update_of(args, &id, &err);
	}
	unlink(path);
	if (got == NULL)
		fail_msg("%s", hull_error_str(err));
	assert_string_equal(id, "c1");
	{
		cleanup_free char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

		assert_string_equal(text, "{\"memory\":{\"limit\":1048576}}");
	}
}

static void test_update_errors(void **state)
{
	static const struct {
		const char *args[6];
		const char *error; /* a part of the message */
	} cases[] = {
	    {{"--memory", "12q", "c", NULL}, "--memory: \"12q\" is not a size"},
	    {{"--pids-limit", "x", "c", NULL}, "--pids-limit: \"x\" is not a number"},
	    {{"--bogus", "c", NULL}, "usage: hull update"},
	    {{"--pids-limit", "3", NULL}, "usage: hull update"},
	    {{"a", "b", NULL}, "usage: hull update"},
	    {{"-r", "/nonexistent/r.json", "c", NULL}, "--resources /nonexistent/r.json"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		const char *id;

		assert_null(update_of(cases[i].args, &id, &err));
		if (strstr(hull_error_str(err), cases[i].error) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, hull_error_str(err),
			         cases[i].error);
	}
}

static void test_runc_stats(void **state)
{
	cleanup_json json_t *in = json_loads(
	    "{\"memory\": {\"current\": 4096, \"max\": null, \"oom\": 1, \"oom_kill\": 2},"
	    " \"pids\": {\"current\": 3, \"max\": 42},"
	    " \"cpu\": {\"usage_usec\": 10, \"user_usec\": 7, \"system_usec\": 3,"
	    "         \"nr_throttled\": 5, \"throttled_usec\": 2}}",
	    0, NULL);
	cleanup_json json_t *out = hull_runc_stats(in);
	json_t *cpu, *mem;

	(void)state;
	assert_non_null(out);
	cpu = json_object_get(out, "cpu");
	mem = json_object_get(out, "memory");
	/* runc's units: nanoseconds; "max" is the largest number. */
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(cpu, "usage"), "total")), 10000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cpu, "usage"), "user")),
	                 7000);
	assert_int_equal(json_integer_value(
	                     json_object_get(json_object_get(cpu, "throttling"), "throttledTime")),
	                 2000);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(mem, "usage"), "usage")), 4096);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(mem, "usage"), "limit")), INT64_MAX);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "pids"), "limit")),
	                 42);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(mem, "raw"), "oom_kill")), 2);
}

static void test_example_spec(void **state)
{
	cleanup_json json_t *spec = hull_example_spec(false);
	cleanup_json json_t *rootless = hull_example_spec(true);
	json_t *ns, *v;
	bool user = false, net = false;
	size_t i;

	(void)state;
	assert_non_null(spec);
	assert_non_null(rootless);
	assert_string_equal(json_string_value(json_array_get(
	                        json_object_get(json_object_get(spec, "process"), "args"), 0)),
	                    "sh");
	assert_non_null(json_object_get(json_object_get(spec, "linux"), "resources"));
	ns = json_object_get(json_object_get(rootless, "linux"), "namespaces");
	json_array_foreach(ns, i, v)
	{
		user |= strcmp(json_string_value(json_object_get(v, "type")), "user") == 0;
		net |= strcmp(json_string_value(json_object_get(v, "type")), "network") == 0;
	}
	assert_true(user);
	assert_false(net);
	assert_null(json_object_get(json_object_get(rootless, "linux"), "resources"));
	assert_int_equal(
	    json_integer_value(json_object_get(
	        json_array_get(json_object_get(json_object_get(rootless, "linux"), "uidMappings"),
	                       0),
	        "hostID")),
	    geteuid());
	/* devpts loses gid=5: no such group in a user namespace of one. */
	json_array_foreach(json_object_get(rootless, "mounts"), i, v)
	{
		size_t k;
		json_t *o;

		json_array_foreach(json_object_get(v, "options"), k, o)
		    assert_true(strncmp(json_string_value(o), "gid=", 4) != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_update_flags),
	    cmocka_unit_test(test_update_resources_file),
	    cmocka_unit_test(test_update_errors),
	    cmocka_unit_test(test_runc_stats),
	    cmocka_unit_test(test_example_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
