/* SPDX-License-Identifier: Apache-2.0 */
/* Container id validation (persist/id.h): runc's rule, checked before any path is built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "persist/id.h"

static void valid_ids_pass(void **state)
{
	(void)state;
	static const char *const ids[] = {
	    "a", "abc", "A-b_c+1.2", "0123456789", "...", "a..b", ".hidden", "sandbox-7f3e.1",
	};
	char long_id[HULL_ID_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cleanup_error hull_error_t err = NULL;

		if (hull_id_validate(ids[i], &err) != 0)
			fail_msg("\"%s\" refused: %s", ids[i], err->msg);
		assert_true(hull_id_is_valid(ids[i]));
	}
	memset(long_id, 'x', HULL_ID_MAX);
	long_id[HULL_ID_MAX] = '\0';
	assert_int_equal(hull_id_validate(long_id, NULL), 0); /* exactly 255 */
}

static void expect_invalid(const char *id, const char *message)
{
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(hull_id_validate(id, &err), -1);
	assert_non_null(err);
	assert_string_equal(err->msg, message);
	assert_false(hull_id_is_valid(id));
}

static void invalid_characters_are_named(void **state)
{
	(void)state;
	expect_invalid("a/b",
	               "invalid container id \"a/b\": only letters, digits and _+-. are allowed");
	expect_invalid(
	    "../etc", "invalid container id \"../etc\": only letters, digits and _+-. are allowed");
	expect_invalid("a b",
	               "invalid container id \"a b\": only letters, digits and _+-. are allowed");
	expect_invalid(
	    "caf\xc3\xa9",
	    "invalid container id \"caf\\xc3\\xa9\": only letters, digits and _+-. are allowed");
	/* A control character is shown escaped: the message stays one line. */
	expect_invalid(
	    "a\nb", "invalid container id \"a\\x0ab\": only letters, digits and _+-. are allowed");
	expect_invalid("a:b",
	               "invalid container id \"a:b\": only letters, digits and _+-. are allowed");
}

static void dot_dotdot_and_empty_are_refused(void **state)
{
	(void)state;
	expect_invalid(".", "invalid container id \".\": \".\" and \"..\" are not allowed");
	expect_invalid("..", "invalid container id \"..\": \".\" and \"..\" are not allowed");
	expect_invalid("", "invalid container id \"\": an id must not be empty");
	expect_invalid(NULL, "invalid container id \"\": an id must not be empty");
}

static void too_long_is_refused(void **state)
{
	(void)state;
	char id[HULL_ID_MAX + 2];
	cleanup_error hull_error_t err = NULL;

	memset(id, 'y', HULL_ID_MAX + 1);
	id[HULL_ID_MAX + 1] = '\0'; /* 256 */
	assert_int_equal(hull_id_validate(id, &err), -1);
	/* The message shows the start of the id, not all 256 characters. */
	assert_non_null(strstr(err->msg, "yyyy...\": longer than 255 characters"));
	assert_true(strlen(err->msg) < 120);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_ids_pass),
	    cmocka_unit_test(invalid_characters_are_named),
	    cmocka_unit_test(dot_dotdot_and_empty_are_refused),
	    cmocka_unit_test(too_long_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
