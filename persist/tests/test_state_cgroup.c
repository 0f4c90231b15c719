/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's host cgroup in the state (sandbox.cgroup_leaves and
 * cgroup_created, runtime/host_cgroup.h): they survive a save and load
 * unchanged, are optional (a state without them is a sandbox without a
 * host cgroup), and a relative or non-string entry is refused by path;
 * sandbox.pod_sandbox (an app container's sandbox) survives too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/state.h"

#define HEAD                                                                                       \
	"{\"version\": 2, \"sandbox\": {\"id\": \"c1\", \"bundle\": \"/b\", \"status\": "          \
	"\"created\", \"created\": \"2024-05-01T10:20:30Z\", \"cgroup_path\": \"/a/c1\""

static void round_trip(void **state)
{
	static const char text[] = HEAD
	    ", \"cgroup_leaves\": [\"/sys/fs/cgroup/memory/a/c1\", \"/sys/fs/cgroup/pids/a/c1\"],"
	    " \"cgroup_created\": [\"/sys/fs/cgroup/memory/a\", \"/sys/fs/cgroup/memory/a/c1\"],"
	    " \"pod_sandbox\": \"s1\"}}";
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *dumped = NULL;
	struct hull_sandbox_state st, again;

	(void)state;
	hull_state_init(&st);
	hull_state_init(&again);
	if (hull_state_parse(text, strlen(text), &st, &err) != 0)
		fail_msg("%s", hull_error_str(err));
	assert_string_equal(st.sandbox.cgroup_path, "/a/c1");
	assert_int_equal(json_array_size(st.sandbox.cgroup_leaves), 2);
	assert_string_equal(json_string_value(json_array_get(st.sandbox.cgroup_created, 1)),
	                    "/sys/fs/cgroup/memory/a/c1");
	dumped = hull_state_dump(&st, &err);
	assert_non_null(dumped);
	if (hull_state_parse(dumped, strlen(dumped), &again, &err) != 0)
		fail_msg("%s", hull_error_str(err));
	assert_true(json_equal(st.sandbox.cgroup_leaves, again.sandbox.cgroup_leaves));
	assert_true(json_equal(st.sandbox.cgroup_created, again.sandbox.cgroup_created));
	/* an app container's sandbox, saved with it (update and delete read it) */
	assert_string_equal(st.sandbox.pod_sandbox, "s1");
	assert_string_equal(again.sandbox.pod_sandbox, "s1");
	hull_state_free(&st);
	hull_state_free(&again);
}

static void absent_is_none(void **state)
{
	static const char text[] = HEAD "}}";
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *dumped = NULL;
	struct hull_sandbox_state st;

	(void)state;
	hull_state_init(&st);
	if (hull_state_parse(text, strlen(text), &st, &err) != 0)
		fail_msg("%s", hull_error_str(err));
	assert_null(st.sandbox.cgroup_leaves);
	assert_null(st.sandbox.cgroup_created);
	assert_null(st.sandbox.pod_sandbox);
	dumped = hull_state_dump(&st, &err);
	assert_non_null(dumped);
	assert_null(strstr(dumped, "cgroup_created"));
	assert_null(strstr(dumped, "pod_sandbox"));
	hull_state_free(&st);
}

static void refused(const char *fields, const char *want)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *text = NULL;
	struct hull_sandbox_state st;

	hull_state_init(&st);
	assert_true(asprintf(&text, HEAD ", %s}}", fields) > 0);
	assert_int_equal(hull_state_parse(text, strlen(text), &st, &err), -1);
	if (strstr(hull_error_str(err), want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", hull_error_str(err), want);
	assert_null(st.sandbox.cgroup_created);
	hull_state_free(&st);
}

static void bad_entries_are_named(void **state)
{
	(void)state;
	refused("\"cgroup_created\": [\"/x\", \"rel/c1\"]",
	        "sandbox.cgroup_created[1]: \"rel/c1\" is not an absolute path");
	refused("\"cgroup_leaves\": [3]", "sandbox.cgroup_leaves[0]");
	refused("\"cgroup_leaves\": \"/x\"", "sandbox.cgroup_leaves");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(absent_is_none),
	    cmocka_unit_test(bad_entries_are_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
