/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks run for real (common/oci_hooks.c): a /bin/sh hook writes what
 * it got (argv, env, stdin) to a file the test reads; failures and
 * timeouts give errors that name the hook.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/oci_hooks.h"

static char dir[] = "/tmp/hull-test-hooks.XXXXXX";

static json_t *hooks_of(const char *text)
{
	json_error_t jerr;
	json_t *h = json_loads(text, 0, &jerr);

	if (h == NULL)
		fail_msg("%s: %s", text, jerr.text);
	return h;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void args_env_and_state_reach_the_hook(void **state)
{
	char text[1024], out[256];
	cleanup_json json_t *hooks = NULL;
	cleanup_error hull_error_t err = NULL;
	const char *got;

	(void)state;
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(
	    text, sizeof(text),
	    "{\"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\","
	    " \"echo \\\"$0 $1 X=$X HOME=${HOME:-none}\\\" >%s; cat >>%s\", \"zero\", \"one\"],"
	    " \"env\": [\"X=y=z\"]}]}",
	    out, out);
	hooks = hooks_of(text);
	assert_int_equal(hull_hooks_check(hooks, &err), 0);
	if (hull_hooks_run(hooks, "poststart", "{\"id\": \"c1\"}", &err) < 0)
		fail_msg("%s", err->msg);
	got = slurp(out);
	assert_non_null(got);
	/* env is exactly the hook's: no HOME from the caller */
	assert_string_equal(got, "zero one X=y=z HOME=none\n{\"id\": \"c1\"}");
	/* another kind is not run */
	unlink(out);
	assert_int_equal(hull_hooks_run(hooks, "poststop", "{}", &err), 0);
	assert_null(slurp(out));
}

static void hooks_run_in_order_and_stop_at_a_failure(void **state)
{
	char text[1024], out[256];
	cleanup_json json_t *hooks = NULL;
	cleanup_error hull_error_t err = NULL;

	(void)state;
	snprintf(out, sizeof(out), "%s/order", dir);
	snprintf(text, sizeof(text),
	         "{\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo a "
	         ">>%s\"]},"
	         " {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo oops >&2; exit 3\"]},"
	         " {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo c >>%s\"]}]}",
	         out, out);
	hooks = hooks_of(text);
	assert_int_equal(hull_hooks_run(hooks, "createRuntime", "{}", &err), -1);
	assert_string_equal(err->msg, "createRuntime hook 1 (/bin/sh): exited with status 3: oops");
	assert_string_equal(slurp(out), "a\n");
}

static void a_missing_program_is_named(void **state)
{
	cleanup_json json_t *hooks = hooks_of("{\"prestart\": [{\"path\": \"/no/such/hook\"}]}");
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(hull_hooks_run(hooks, "prestart", "{}", &err), -1);
	assert_string_equal(err->msg, "prestart hook 0 (/no/such/hook): exited with status 127: "
	                              "exec /no/such/hook: No such file or directory");
}

static void a_hook_past_its_timeout_is_killed_with_its_children(void **state)
{
	char text[512], pidfile[256];
	cleanup_json json_t *hooks = NULL;
	cleanup_error hull_error_t err = NULL;
	time_t start = time(NULL);
	int child;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/sleeper", dir);
	snprintf(text, sizeof(text),
	         "{\"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\","
	         " \"sleep 30 & echo $! >%s; wait\"], \"timeout\": 1}]}",
	         pidfile);
	hooks = hooks_of(text);
	assert_int_equal(hull_hooks_run(hooks, "poststop", "{}", &err), -1);
	assert_string_equal(err->msg, "poststop hook 0 (/bin/sh): killed after its timeout of 1 s");
	assert_true(time(NULL) - start < 5);
	child = atoi(slurp(pidfile));
	assert_true(child > 0);
	usleep(100 * 1000);
	/* the hook's own child went with it (its process group): gone or a zombie of init */
	if (kill(child, 0) == 0) {
		char path[64], *stat;

		snprintf(path, sizeof(path), "/proc/%d/stat", child);
		stat = slurp(path);
		assert_true(stat == NULL || strstr(stat, ") Z ") != NULL);
	}
}

/*
 * A hook whose status cannot be had (SIGCHLD ignored: the kernel reaps it)
 * is an error, not a success: this one exits 3.
 */
static void a_hook_reaped_elsewhere_is_not_a_success(void **state)
{
	cleanup_json json_t *hooks = hooks_of(
	    "{\"prestart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"exit 3\"]}]}");
	cleanup_error hull_error_t err = NULL;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	int r;

	(void)state;
	assert_int_equal(sigaction(SIGCHLD, &ign, &old), 0);
	r = hull_hooks_run(hooks, "prestart", "{}", &err);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
	assert_int_equal(r, -1);
	assert_string_equal(hull_error_str(err),
	                    "prestart hook 0 (/bin/sh): wait: No child processes");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(args_env_and_state_reach_the_hook),
	    cmocka_unit_test(hooks_run_in_order_and_stop_at_a_failure),
	    cmocka_unit_test(a_missing_program_is_named),
	    cmocka_unit_test(a_hook_past_its_timeout_is_killed_with_its_children),
	    cmocka_unit_test(a_hook_reaped_elsewhere_is_not_a_success),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
