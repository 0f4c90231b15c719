/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accelerator verdict (persist/accel_verdict.h): saved and read back
 * for this boot, ignored when of another boot, a corrupt file reported
 * naming it and left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/accel_verdict.h"
#include "persist/tests/helpers_persist.h"

static int setup_root(void **state)
{
	*state = persist_make_root();
	return 0;
}

static int teardown_root(void **state)
{
	persist_remove_root(*state);
	return 0;
}

static char *verdict_file(const char *root)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", root, HULL_ACCEL_VERDICT_FILE) > 0);
	return p;
}

static void none_until_saved_then_read_back(void **state)
{
	const char *root = *state;
	struct hull_accel_verdict v = {.accel = HULL_ACCEL_TCG, .kvm_alive_ms = -1}, got;
	cleanup_error hull_error_t err = NULL;
	char boot_id[40];

	assert_int_equal(hull_accel_verdict_load(root, &got, &err), 0);
	strcpy(v.reason, "QEMU exited at start (status 134): failed to set MSR");
	assert_int_equal(hull_accel_verdict_save(root, &v, &err), 0);
	assert_int_equal(hull_accel_verdict_load(root, &got, &err), 1);
	assert_int_equal(hull_boot_id(boot_id, &err), 0);
	assert_string_equal(got.boot_id, boot_id);
	assert_int_equal(got.accel, HULL_ACCEL_TCG);
	assert_string_equal(got.reason, v.reason);
	assert_int_equal(got.kvm_alive_ms, -1);
	assert_int_equal(strlen(got.decided_at), strlen("2026-11-30T04:20:00Z"));

	v.accel = HULL_ACCEL_KVM;
	v.kvm_alive_ms = 412;
	strcpy(v.reason, "a KVM guest reached its init");
	assert_int_equal(hull_accel_verdict_save(root, &v, &err), 0);
	assert_int_equal(hull_accel_verdict_load(root, &got, &err), 1);
	assert_int_equal(got.accel, HULL_ACCEL_KVM);
	assert_int_equal(got.kvm_alive_ms, 412);
}

static void another_boots_verdict_is_none(void **state)
{
	const char *root = *state;
	cleanup_free char *path = verdict_file(root);
	const char *text = "{\"version\": 1, \"boot_id\": \"00000000-0000-0000-0000-000000000000\","
	                   " \"accel\": \"tcg\", \"reason\": \"hung\"}";
	struct hull_accel_verdict got;
	cleanup_error hull_error_t err = NULL;

	persist_write_file(path, text, strlen(text));
	assert_int_equal(hull_accel_verdict_load(root, &got, &err), 0);
	assert_null(err);
}

static void corrupt_file_is_named_and_kept(void **state)
{
	static const char *const bad[][2] = {
	    {"{\"version\": 1, \"accel\": ", "host:accel.json: line 1 column"},
	    {"[]", "expected an object"},
	    {"{\"version\": 2, \"boot_id\": \"x\", \"accel\": \"tcg\", \"reason\": \"\"}",
	     "version 2 is not 1"},
	    {"{\"version\": 1, \"boot_id\": \"x\", \"accel\": \"hvf\", \"reason\": \"\"}", "accel"},
	    {"{\"version\": 1, \"boot_id\": \"x\", \"accel\": \"tcg\"}", "reason: missing"},
	};
	const char *root = *state;
	cleanup_free char *path = verdict_file(root);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *after = NULL;
		struct hull_accel_verdict got;
		size_t len;

		persist_write_file(path, bad[i][0], strlen(bad[i][0]));
		assert_int_equal(hull_accel_verdict_load(root, &got, &err), -1);
		assert_non_null(strstr(err->msg, path));
		if (strstr(err->msg, bad[i][1]) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", err->msg, bad[i][1]);
		after = persist_read_file(path, &len);
		assert_int_equal(len, strlen(bad[i][0]));
		assert_memory_equal(after, bad[i][0], len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(none_until_saved_then_read_back, setup_root,
	                                    teardown_root),
	    cmocka_unit_test_setup_teardown(another_boots_verdict_is_none, setup_root,
	                                    teardown_root),
	    cmocka_unit_test_setup_teardown(corrupt_file_is_named_and_kept, setup_root,
	                                    teardown_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
