/* SPDX-License-Identifier: Apache-2.0 */
/* The capability table and process.capabilities' checks (common/capability.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/capability.h>

#include "common/capability.h"
#include "common/cleanup.h"

/* Every number from 0 to the last has its kernel name, and the name maps back. */
static void table_matches_kernel_header(void **state)
{
	(void)state;
	assert_int_equal(hull_cap_last(), CAP_CHECKPOINT_RESTORE);
	assert_int_equal(hull_cap_last(), 40);
	for (int cap = 0; cap <= hull_cap_last(); cap++) {
		assert_non_null(hull_cap_name(cap));
		assert_int_equal(hull_cap_from_name(hull_cap_name(cap)), cap);
	}
	assert_string_equal(hull_cap_name(CAP_CHOWN), "CAP_CHOWN");
	assert_string_equal(hull_cap_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
	assert_string_equal(hull_cap_name(CAP_BPF), "CAP_BPF");
	assert_string_equal(hull_cap_name(40), "CAP_CHECKPOINT_RESTORE");
	assert_null(hull_cap_name(-1));
	assert_null(hull_cap_name(41));
	assert_int_equal(hull_cap_from_name("CAP_NET_RAW"), 13);
	assert_int_equal(hull_cap_from_name("NET_RAW"), -1);
	assert_int_equal(hull_cap_from_name("cap_net_raw"), -1);
	assert_int_equal(hull_cap_from_name("CAP_BOGUS"), -1);
	assert_int_equal(hull_cap_from_name(NULL), -1);
	assert_string_equal(hull_cap_set_name(HULL_CAP_AMBIENT), "ambient");
}

static void parse_gives_masks(void **state)
{
	(void)state;
	cleanup_json json_t *caps = json_loads(
	    "{\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_CHECKPOINT_RESTORE\"],"
	    " \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\", \"CAP_CHOWN\"],"
	    " \"inheritable\": [\"CAP_KILL\"], \"ambient\": [\"CAP_KILL\"]}",
	    0, NULL);
	cleanup_error hull_error_t err = NULL;
	uint64_t sets[HULL_CAP_NSETS];

	assert_int_equal(hull_caps_parse(caps, sets, &err), 0);
	assert_true(sets[HULL_CAP_BOUNDING] == (1ULL << 0 | 1ULL << 5 | 1ULL << 40));
	assert_true(sets[HULL_CAP_EFFECTIVE] == 1ULL << 5);
	assert_true(sets[HULL_CAP_PERMITTED] == (1ULL << 5 | 1ULL << 0));
	assert_true(sets[HULL_CAP_INHERITABLE] == 1ULL << 5);
	assert_true(sets[HULL_CAP_AMBIENT] == 1ULL << 5);
	assert_int_equal(hull_caps_check(caps, &err), 0);

	/* Absent (or null) capabilities and absent sets are empty. */
	assert_int_equal(hull_caps_parse(NULL, sets, &err), 0);
	for (int s = 0; s < HULL_CAP_NSETS; s++)
		assert_true(sets[s] == 0);
	assert_int_equal(hull_caps_check(NULL, &err), 0);
}

static const struct {
	const char *json, *error;
} bad[] = {
    {"[]", "process.capabilities: expected an object"},
    {"{\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\", \"CAP_BOGUS\"]}",
     "process.capabilities.bounding[2]: \"CAP_BOGUS\" is not a capability"},
    {"{\"ambient\": [\"KILL\"]}", "process.capabilities.ambient[0]: \"KILL\" is not a capability"},
    {"{\"permitted\": [\"CAP_KILL\", 5]}", "process.capabilities.permitted[1]: expected a string"},
    {"{\"inheritable\": \"CAP_KILL\"}",
     "process.capabilities.inheritable: expected an array of strings"},
    {"{\"effective\": [\"CAP_KILL\", \"CAP_SYS_ADMIN\"], \"permitted\": [\"CAP_KILL\"]}",
     "process.capabilities.effective[1]: \"CAP_SYS_ADMIN\" is not in "
     "process.capabilities.permitted (a capability must be permitted to be effective)"},
    {"{\"bounding\": [\"CAP_KILL\"], \"inheritable\": [\"CAP_CHOWN\"]}",
     "process.capabilities.inheritable[0]: \"CAP_CHOWN\" is not in "
     "process.capabilities.bounding (the kernel keeps inheritable capabilities within the "
     "bounding set)"},
};

static void check_names_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_json json_t *caps = json_loads(bad[i].json, JSON_DECODE_ANY, NULL);
		cleanup_error hull_error_t err = NULL;

		assert_non_null(caps);
		assert_int_equal(hull_caps_check(caps, &err), -1);
		assert_string_equal(hull_error_str(err), bad[i].error);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_matches_kernel_header),
	    cmocka_unit_test(parse_gives_masks),
	    cmocka_unit_test(check_names_the_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
