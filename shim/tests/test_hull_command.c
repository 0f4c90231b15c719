/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's commands run from the shim (shim/hull_command.c), with the real
 * hull binary: ../bin/hull next to this test's folder, as make builds
 * them, with a scratch --root.  Its output read back, its error message
 * taken from stderr or from the JSON log, as containerd shows them.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "shim/hull_command.h"
#include "shim/reaper.h"
#include "shim/tests/helpers_shim.h"

/* ../bin/hull from this test program's folder. */
static char hull[PATH_MAX];

struct fixture {
	char *dir;
	struct hull_runner runner;
	struct hull_run_options opts;
};

static int start(void **state)
{
	struct reaper_callbacks none = {0};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)state;
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(hull, sizeof(hull), "%s/../bin/hull", dirname(self));
	if (access(hull, X_OK) != 0) {
		print_message(
		    "# %s: %s (make builds it with the test: make BUILD=DIR DIR/bin/hull)\n", hull,
		    strerror(errno));
		return -1;
	}
	/* hull_run waits for hull through the reaper, as the shim does. */
	return shim_test_start_reaper(&none);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = shim_test_dir("hull-command");
	f->runner.hull = hull;
	f->runner.root = shim_test_path(f->dir, "root");
	f->opts = (struct hull_run_options){.stdio = {-1, -1, -1}};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->runner.root);
	free((char *)f->opts.log_path);
	shim_test_dir_remove(f->dir);
	free(f);
	return 0;
}

static void unknown_container_is_hulls_own_message(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	char *output = NULL;

	assert_int_equal(hull_run(&f->runner, (const char *[]){"state", "nosuch", NULL}, &f->opts,
	                          &output, &err),
	                 -1);
	/* hull's stderr line, without its "hull: " */
	assert_string_equal(err->msg, "container nosuch does not exist");
	assert_int_equal(err->errnum, 0);
	assert_null(output);
}

static void features_output_is_hulls_json(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *output = NULL;
	json_error_t jerr;

	assert_int_equal(
	    hull_run(&f->runner, (const char *[]){"features", NULL}, &f->opts, &output, &err), 0);
	assert_null(err);
	assert_non_null(output);
	cleanup_json json_t *features = json_loads(output, 0, &jerr);
	if (!features)
		fail_msg("hull features: %s in %s", jerr.text, output);
	assert_string_equal(json_string_value(json_object_get(features, "ociVersionMin")), "1.0.0");
	assert_true(json_array_size(json_object_get(features, "mountOptions")) > 0);
}

static void with_a_log_the_error_is_its_last_error_line(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *stderr_path = shim_test_path(f->dir, "stderr"), *text = NULL;

	f->opts.log_path = shim_test_path(f->dir, "log.json");
	/* hull's stderr goes where the task's does, not to the shim. */
	f->opts.stdio[2] = open(stderr_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(f->opts.stdio[2] >= 0);

	assert_int_equal(
	    hull_run(&f->runner, (const char *[]){"state", "first", NULL}, &f->opts, NULL, &err),
	    -1);
	assert_string_equal(err->msg, "container first does not exist");
	hull_error_release(&err);
	assert_int_equal(
	    hull_run(&f->runner, (const char *[]){"state", "second", NULL}, &f->opts, NULL, &err),
	    -1);
	assert_string_equal(err->msg, "container second does not exist");
	close(f->opts.stdio[2]);

	text = shim_test_read(stderr_path);
	assert_string_equal(text, "hull: container first does not exist\n"
	                          "hull: container second does not exist\n");
	free(text);
	/* Both are in the log, the later last. */
	text = shim_test_read(f->opts.log_path);
	char *first = strstr(text, "container first does not exist");
	assert_non_null(first);
	assert_non_null(strstr(first, "container second does not exist"));
}

static void an_older_logged_error_is_not_this_commands(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;

	f->opts.log_path = shim_test_path(f->dir, "log.json");
	shim_test_write(f->opts.log_path,
	                "{\"level\":\"error\",\"msg\":\"an older failure\",\"time\":\"x\"}\n");
	/*
	 * A failure hull logs nothing for (its options are read before the
	 * log is opened): the exit status, not the older line.
	 */
	assert_int_equal(
	    hull_run(&f->runner, (const char *[]){"--no-such-option", NULL}, &f->opts, NULL, &err),
	    -1);
	assert_string_equal(err->msg, "hull --no-such-option: exit status 1");
}

static void missing_hull_binary_is_named(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	const char *preload = getenv("LD_PRELOAD");
	char *output = NULL;

	/*
	 * valgrind runs posix_spawn's vfork child as a fork: the failed exec's
	 * errno cannot come back to posix_spawnp, which then returns 0.
	 */
	if (preload && strstr(preload, "vgpreload")) {
		print_message("# under valgrind, a failed exec is not posix_spawnp's error\n");
		skip();
	}
	cleanup_free char *missing = shim_test_path(f->dir, "no-such-hull");
	f->runner.hull = missing;
	assert_int_equal(
	    hull_run(&f->runner, (const char *[]){"features", NULL}, &f->opts, &output, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, missing));
	assert_null(output);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(unknown_container_is_hulls_own_message, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(features_output_is_hulls_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(with_a_log_the_error_is_its_last_error_line, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(an_older_logged_error_is_not_this_commands, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(missing_hull_binary_is_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, start, shim_test_end_reaper);
}
