/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How containerd starts the shim (shim/bootstrap.c): its Go-style flags
 * as containerd 1.6 and later pass them, and where the shim puts hull's
 * root and its own files (shim_locate).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "shim/bootstrap.h"
#include "shim/tests/helpers_shim.h"

/* This program run with it prints the hull shim_locate picks by default, and exits. */
#define PRINT_DEFAULT_HULL "--print-default-hull"

extern char **environ;

/* shim_parse_args of the shim's name and words (NULL-terminated). */
static int parse(struct shim_args *args, hull_error_t *err, const char *const words[])
{
	char *argv[32] = {"containerd-shim-hull-v2"};
	int argc = 1;

	while (words[argc - 1]) {
		assert_true(argc < 31);
		argv[argc] = (char *)words[argc - 1];
		argc++;
	}
	return shim_parse_args(argc, argv, args, err);
}

/* parse() of words, which must fail with a message containing part. */
static void assert_refused(const char *const words[], const char *part)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_args args;

	if (parse(&args, &err, words) == 0) {
		char line[512] = "";

		for (size_t i = 0; words[i]; i++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", words[i]);
		fail_msg("accepted:%s", line);
	}
	assert_non_null(err);
	if (!strstr(err->msg, part))
		fail_msg("\"%s\" does not name %s", err->msg, part);
}

static void containerd_start(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_args args;

	(void)state;
	assert_int_equal(parse(&args, &err,
	                       (const char *[]){"-namespace", "k8s.io", "-address",
	                                        "/run/containerd/containerd.sock",
	                                        "-publish-binary", "/usr/bin/containerd", "-id",
	                                        "3f2a9c", "-debug", "start", NULL}),
	                 0);
	assert_string_equal(args.ns, "k8s.io");
	assert_string_equal(args.address, "/run/containerd/containerd.sock");
	assert_string_equal(args.id, "3f2a9c");
	assert_null(args.bundle);
	assert_true(args.debug);
	assert_string_equal(args.action, "start");
}

static void containerd_delete(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_args args;

	(void)state;
	assert_int_equal(parse(&args, &err,
	                       (const char *[]){"-namespace", "default", "-address",
	                                        "/run/containerd/containerd.sock",
	                                        "-publish-binary", "/usr/bin/containerd", "-id",
	                                        "web", "-bundle", "/b", "delete", NULL}),
	                 0);
	assert_string_equal(args.ns, "default");
	assert_string_equal(args.id, "web");
	assert_string_equal(args.bundle, "/b");
	assert_false(args.debug);
	assert_string_equal(args.action, "delete");
}

static void equals_and_double_dash_forms(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_args args;

	(void)state;
	assert_int_equal(parse(&args, &err,
	                       (const char *[]){"-namespace=k8s.io", "--id=a=b", "--bundle", "/x",
	                                        "--debug", "--address=/s.sock", "start", NULL}),
	                 0);
	assert_string_equal(args.ns, "k8s.io");
	assert_string_equal(args.id, "a=b");
	assert_string_equal(args.bundle, "/x");
	assert_string_equal(args.address, "/s.sock");
	assert_true(args.debug);

	assert_int_equal(
	    parse(&args, &err,
	          (const char *[]){"--debug=false", "-namespace", "n", "-id", "i", "delete", NULL}),
	    0);
	assert_false(args.debug);
	assert_string_equal(args.action, "delete");
}

static void missing_namespace_or_id_is_named(void **state)
{
	(void)state;
	assert_refused((const char *[]){"-namespace", "k8s.io", "start", NULL}, "-id");
	assert_refused((const char *[]){"-id", "x", "start", NULL}, "-namespace");
	assert_refused((const char *[]){"-namespace", "", "-id", "x", "start", NULL}, "-namespace");
	assert_refused((const char *[]){"-namespace", "k8s.io", "-id", NULL}, "-id needs a value");
}

static void unknown_flag_is_named(void **state)
{
	(void)state;
	assert_refused(
	    (const char *[]){"-namespace", "n", "-id", "x", "-bogus", "1", "start", NULL},
	    "unknown flag -bogus");
	assert_refused((const char *[]){"--a-flag-longer-than-any-the-shim-knows=1", "start", NULL},
	               "unknown flag -a-flag-longer-than-any-the-shim-knows");
}

static void paths_in_namespace_or_id_are_refused(void **state)
{
	(void)state;
	assert_refused((const char *[]){"-namespace", "a/b", "-id", "x", "start", NULL}, "a/b");
	assert_refused((const char *[]){"-namespace", "..", "-id", "x", "start", NULL}, "..");
	assert_refused((const char *[]){"-namespace", ".", "-id", "x", "start", NULL},
	               "bad namespace");
	assert_refused((const char *[]){"-namespace", "n", "-id", "../etc", "start", NULL},
	               "../etc");
}

/* As a namespace "." or ".." is refused, so is an id (hull would refuse it later, at create). */
static void dot_ids_are_refused(void **state)
{
	(void)state;
	assert_refused((const char *[]){"-namespace", "n", "-id", "..", "start", NULL},
	               "bad namespace or id");
	assert_refused((const char *[]){"-namespace", "n", "-id", ".", "start", NULL},
	               "bad namespace or id");
}

static void an_action_is_needed(void **state)
{
	(void)state;
	assert_refused((const char *[]){"-namespace", "n", "-id", "x", NULL}, "no action");
	assert_refused((const char *[]){"-namespace", "n", "-id", "x", "start", "delete", NULL},
	               "\"delete\"");
}

struct located {
	struct hull_runner runner;
	char *state_dir;
};

static void locate(const char *ns, const char *id, struct located *out)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_args args = {.ns = ns, .id = id, .action = "start"};

	*out = (struct located){0};
	assert_int_equal(shim_locate(&args, &out->runner, &out->state_dir, &err), 0);
}

static void located_release(struct located *l)
{
	free(l->runner.hull);
	free(l->runner.root);
	free(l->state_dir);
}

/* dir is ROOT/s/ and 16 lowercase hex digits after it. */
static void assert_state_dir(const char *dir, const char *root)
{
	size_t n = strlen(root);

	assert_memory_equal(dir, root, n);
	assert_memory_equal(dir + n, "/s/", 3);
	assert_int_equal(strlen(dir + n + 3), 16);
	assert_int_equal(strspn(dir + n + 3, "0123456789abcdef"), 16);
}

static int clear_env(void **state)
{
	(void)state;
	unsetenv("HULL_SHIM_ROOT");
	unsetenv("HULL_SHIM_HULL");
	return 0;
}

static void locate_from_the_environment(void **state)
{
	struct located l;

	(void)state;
	setenv("HULL_SHIM_ROOT", "/var/run/other-root", 1);
	setenv("HULL_SHIM_HULL", "/opt/hull/bin/hull", 1);
	locate("k8s.io", "abc", &l);
	assert_string_equal(l.runner.hull, "/opt/hull/bin/hull");
	assert_string_equal(l.runner.root, "/var/run/other-root/k8s.io");
	assert_state_dir(l.state_dir, "/var/run/other-root");
	located_release(&l);
}

static void locate_by_default(void **state)
{
	struct located l, empty;

	(void)state;
	locate("k8s.io", "abc", &l);
	assert_string_equal(l.runner.root, "/run/hull-shim/k8s.io");
	assert_state_dir(l.state_dir, "/run/hull-shim");
	/* No hull next to this program (tests/): the one on PATH. */
	assert_string_equal(l.runner.hull, "hull");

	/* Set but empty is the default too. */
	setenv("HULL_SHIM_ROOT", "", 1);
	setenv("HULL_SHIM_HULL", "", 1);
	locate("k8s.io", "abc", &empty);
	assert_string_equal(empty.runner.root, l.runner.root);
	assert_string_equal(empty.state_dir, l.state_dir);
	assert_string_equal(empty.runner.hull, "hull");
	located_release(&empty);
	located_release(&l);
}

/* What a copy of this program at DIR/shim prints for PRINT_DEFAULT_HULL. */
static char *default_hull_of_copy(const char *dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cleanup_free char *copy = shim_test_path(dir, "shim"),
	                  *out_path = shim_test_path(dir, "out");
	char *const argv[] = {copy, PRINT_DEFAULT_HULL, NULL};
	posix_spawn_file_actions_t actions;
	cleanup_close int in = -1, out = -1;
	char buf[65536];
	ssize_t got;
	pid_t pid;
	int status;

	assert_true(n > 0);
	self[n] = '\0';
	in = open(self, O_RDONLY | O_CLOEXEC);
	out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(in >= 0 && out >= 0);
	while ((got = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)got), got);
	assert_int_equal(got, 0);
	close(out);
	out = -1;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&pid, copy, &actions, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(unlink(copy), 0);
	return shim_test_read(out_path);
}

static void locate_picks_the_hull_next_to_the_shim(void **state)
{
	char *dir = shim_test_dir("bootstrap");
	cleanup_free char *sibling = shim_test_path(dir, "hull"), *printed = NULL, *want = NULL;

	(void)state;
	shim_test_write(sibling, "#!/bin/sh\n");
	assert_int_equal(chmod(sibling, 0755), 0);
	printed = default_hull_of_copy(dir);
	assert_true(asprintf(&want, "%s\n", sibling) > 0);
	assert_string_equal(printed, want);
	free(printed);

	/* One that cannot be run is passed over. */
	assert_int_equal(chmod(sibling, 0644), 0);
	printed = default_hull_of_copy(dir);
	assert_string_equal(printed, "hull\n");
	shim_test_dir_remove(dir);
}

static void state_dir_is_stable_and_per_task(void **state)
{
	struct located a, again, other_id, other_ns, ab_c, a_bc;

	(void)state;
	locate("k8s.io", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &a);
	locate("k8s.io", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	       &again);
	locate("k8s.io", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee",
	       &other_id);
	locate("moby", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	       &other_ns);
	locate("ab", "c", &ab_c);
	locate("a", "bc", &a_bc);
	assert_string_equal(a.state_dir, again.state_dir);
	assert_string_not_equal(a.state_dir, other_id.state_dir);
	assert_string_not_equal(a.state_dir, other_ns.state_dir);
	assert_string_not_equal(ab_c.state_dir, a_bc.state_dir);

	/* The sockets in it fit a sockaddr_un, even for a 64-character id. */
	for (const char *const *name = (const char *const[]){"/tty99.sock", "/shim.sock", NULL};
	     *name; name++)
		assert_true(strlen(a.state_dir) + strlen(*name) <=
		            sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	assert_true(sizeof(((struct sockaddr_un *)0)->sun_path) - 1 == 107);
	located_release(&a);
	located_release(&again);
	located_release(&other_id);
	located_release(&other_ns);
	located_release(&ab_c);
	located_release(&a_bc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(containerd_start),
	    cmocka_unit_test(containerd_delete),
	    cmocka_unit_test(equals_and_double_dash_forms),
	    cmocka_unit_test(missing_namespace_or_id_is_named),
	    cmocka_unit_test(unknown_flag_is_named),
	    cmocka_unit_test(paths_in_namespace_or_id_are_refused),
	    cmocka_unit_test(dot_ids_are_refused),
	    cmocka_unit_test(an_action_is_needed),
	    cmocka_unit_test_setup_teardown(locate_from_the_environment, clear_env, clear_env),
	    cmocka_unit_test_setup_teardown(locate_by_default, clear_env, clear_env),
	    cmocka_unit_test_setup_teardown(locate_picks_the_hull_next_to_the_shim, clear_env,
	                                    clear_env),
	    cmocka_unit_test_setup_teardown(state_dir_is_stable_and_per_task, clear_env, clear_env),
	};

	if (argc == 2 && strcmp(argv[1], PRINT_DEFAULT_HULL) == 0) {
		struct located l;

		locate("n", "i", &l);
		printf("%s\n", l.runner.hull);
		located_release(&l);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
