/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mounts_share_plan (runtime/mounts_share.c): what of config.json's mounts
 * goes on virtiofsd's share (the binds), and with a read-only root which
 * other mounts' destinations virtiofsd makes in the rootfs first.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "runtime/mounts_share.h"

/* containerd's mounts, and a few that test where a destination is beneath another. */
static const char mounts_text[] =
    "[{\"destination\": \"/proc\", \"type\": \"proc\"},"
    " {\"destination\": \"/dev\", \"type\": \"tmpfs\"},"
    " {\"destination\": \"/dev/pts\", \"type\": \"devpts\"},"
    " {\"destination\": \"/run/\", \"type\": \"tmpfs\"},"
    " {\"destination\": \"/run/lock\", \"type\": \"tmpfs\"},"
    " {\"destination\": \"/runner\", \"type\": \"tmpfs\"},"
    " {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/tmp\","
    "  \"options\": [\"rbind\", \"rw\", \"ro\"]},"
    " {\"destination\": \"/etc/hosts\", \"source\": \"/etc/hosts\", \"options\": [\"bind\"]},"
    " {\"destination\": \"relative\", \"type\": \"tmpfs\"}]";

/* mounts_text planned for c1; returns the mounts, which s points into (the caller frees them). */
static json_t *plan(bool readonly, struct mounts_share *s)
{
	struct hull_spec spec = {.rootfs = "/r", .readonly = readonly};
	cleanup_error hull_error_t err = NULL;

	spec.mounts = json_loads(mounts_text, 0, NULL);
	assert_non_null(spec.mounts);
	assert_int_equal(mounts_share_plan("c1", &spec, s, &err), 0);
	return spec.mounts;
}

/* A read-only root: the non-bind destinations on the root itself, each once. */
static void readonly_root_gets_its_mount_points(void **state)
{
	static const char *const want[] = {"/proc", "/dev", "/run/", "/runner"};
	struct mounts_share s;
	cleanup_json json_t *mounts = plan(true, &s);

	(void)state;
	assert_int_equal(s.container.n_mount_dirs, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(s.container.mount_dirs[i], want[i]);
	assert_string_equal(s.container.id, "c1");
	assert_true(s.container.readonly);
	/* The binds: their config.json index, ro/rw as the last says, rbind recursive. */
	assert_int_equal(s.container.n_binds, 2);
	assert_int_equal(s.container.binds[0].index, 6);
	assert_true(s.container.binds[0].readonly && s.container.binds[0].recursive);
	assert_int_equal(s.container.binds[1].index, 7);
	assert_false(s.container.binds[1].readonly || s.container.binds[1].recursive);
	mounts_share_release(&s);
}

/* A writable root needs none: the guest makes them. */
static void writable_root_lists_none(void **state)
{
	struct mounts_share s;
	cleanup_json json_t *mounts = plan(false, &s);

	(void)state;
	assert_int_equal(s.container.n_mount_dirs, 0);
	assert_int_equal(s.container.n_binds, 2);
	mounts_share_release(&s);
}

/* A bind source that is relative, or missing, is refused by its index. */
static void bad_bind_sources_are_named(void **state)
{
	static const char *const cases[][2] = {
	    {"[{\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"tmp\"}]",
	     "mounts[0].source: \"tmp\" is not an absolute path (a bind mount needs one)"},
	    {"[{\"destination\": \"/x\", \"type\": \"tmpfs\"},"
	     " {\"destination\": \"/y\", \"type\": \"bind\", \"source\": \"/no/such/dir\"}]",
	     "mounts[1].source: /no/such/dir"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_json json_t *mounts = json_loads(cases[i][0], 0, NULL);
		struct hull_spec spec = {.rootfs = "/r", .readonly = true, .mounts = mounts};
		cleanup_error hull_error_t err = NULL;
		struct mounts_share s;

		assert_non_null(mounts);
		assert_int_equal(mounts_share_plan("c1", &spec, &s, &err), -1);
		assert_non_null(strstr(err->msg, cases[i][1]));
		mounts_share_release(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(readonly_root_gets_its_mount_points),
	    cmocka_unit_test(writable_root_lists_none),
	    cmocka_unit_test(bad_bind_sources_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
