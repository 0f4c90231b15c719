/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A task's rootfs mounts (shim/rootfs.c): containerd's Mount messages
 * decoded, and real bind, tmpfs and overlay mounts made and undone.  The
 * program runs in a private mount namespace of its own, so no mount it
 * makes (nor one a failed test leaves) reaches the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "common/cleanup.h"
#include "shim/protobuf.h"
#include "shim/rootfs.h"
#include "shim/tests/helpers_shim.h"

/* Why mounts cannot be made here (not root); NULL when they can. */
static const char *no_mounts;

static void need_mounts(void)
{
	if (no_mounts) {
		print_message("# %s\n", no_mounts);
		skip();
	}
}

struct fixture {
	char *dir;
	char *target;
};

static char *subdir(const char *dir, const char *name)
{
	char *path = shim_test_path(dir, name);

	assert_int_equal(mkdir(path, 0755), 0);
	return path;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = shim_test_dir("rootfs");
	f->target = subdir(f->dir, "rootfs");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;

	if (!no_mounts)
		shim_unmount_all(f->target, &err);
	free(f->target);
	shim_test_dir_remove(f->dir);
	free(f);
	return 0;
}

/* How many mounts /proc/self/mountinfo has at path. */
static int mounts_at(const char *path)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], point[4096];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && strcmp(point, path) == 0)
			n++;
	return n;
}

static void decode_reads_type_source_and_options(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct pb_writer w = {0};
	struct shim_mount m;

	(void)state;
	pb_put_string(&w, 1, "overlay");
	pb_put_string(&w, 2, "overlay");
	pb_put_string(&w, 3, "/ignored/target");
	pb_put_string(&w, 4, "index=off");
	pb_put_string(&w, 4, "workdir=/snap/2/work");
	pb_put_string(&w, 4, "upperdir=/snap/2/fs");
	pb_put_string(&w, 4, "lowerdir=/snap/1/fs");
	pb_put_uint64(&w, 9, 42); /* a field from a later containerd */
	assert_false(pb_writer_failed(&w));

	assert_int_equal(shim_mount_decode(w.data, w.len, &m, &err), 0);
	assert_string_equal(m.type, "overlay");
	assert_string_equal(m.source, "overlay");
	assert_int_equal(m.n_options, 4);
	assert_string_equal(m.options[0], "index=off");
	assert_string_equal(m.options[1], "workdir=/snap/2/work");
	assert_string_equal(m.options[2], "upperdir=/snap/2/fs");
	assert_string_equal(m.options[3], "lowerdir=/snap/1/fs");
	shim_mount_release(&m);
	assert_null(m.type);
	assert_null(m.options);
	assert_int_equal(m.n_options, 0);
	pb_writer_release(&w);
}

static void decode_of_a_bind_mount_without_options(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct pb_writer w = {0};
	struct shim_mount m;

	(void)state;
	pb_put_string(&w, 1, "tmpfs"); /* a repeated field: the last one counts */
	pb_put_string(&w, 1, "bind");
	pb_put_string(&w, 2, "/var/lib/snap/7/fs");
	assert_int_equal(shim_mount_decode(w.data, w.len, &m, &err), 0);
	assert_string_equal(m.type, "bind");
	assert_string_equal(m.source, "/var/lib/snap/7/fs");
	assert_int_equal(m.n_options, 0);
	shim_mount_release(&m);
	pb_writer_release(&w);
}

static void decode_refuses_malformed_mounts(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct pb_writer w = {0};
	struct shim_mount m;

	(void)state;
	/* No source. */
	pb_put_string(&w, 1, "tmpfs");
	pb_put_string(&w, 4, "size=1m");
	assert_int_equal(shim_mount_decode(w.data, w.len, &m, &err), -1);
	assert_string_equal(err->msg, "rootfs: malformed mount");
	assert_null(m.type);
	assert_null(m.options);
	hull_error_release(&err);

	/* Cut short in the middle of its last option, after type and source. */
	pb_writer_release(&w);
	pb_put_string(&w, 1, "tmpfs");
	pb_put_string(&w, 2, "tmpfs");
	pb_put_string(&w, 4, "mode=755");
	assert_int_equal(shim_mount_decode(w.data, w.len, &m, &err), 0);
	shim_mount_release(&m);
	assert_int_equal(shim_mount_decode(w.data, w.len - 2, &m, &err), -1);
	assert_string_equal(err->msg, "rootfs: malformed mount");
	assert_null(m.source);
	assert_null(m.options);
	pb_writer_release(&w);
}

static void bind_read_only_shows_the_source_and_refuses_writes(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	char *src = subdir(f->dir, "src");
	char *file = shim_test_path(src, "hello");
	char *seen = shim_test_path(f->target, "hello");
	char *written = shim_test_path(f->target, "new");
	char *options[] = {"rbind", "ro"};
	struct shim_mount m = {.type = "bind", .source = src, .options = options, .n_options = 2};
	char *text;

	need_mounts();
	shim_test_write(file, "from the snapshot\n");
	/*
	 * valgrind 3.19 checks mount(2)'s type even when the kernel ignores it:
	 * rootfs.c's read-only remount, mount(NULL, target, NULL, MS_REMOUNT...),
	 * is reported as an unaddressable type.  Not an error: not reported.
	 */
	VALGRIND_DISABLE_ERROR_REPORTING;
	int rc = shim_mount_all(&m, 1, f->target, &err);
	VALGRIND_ENABLE_ERROR_REPORTING;
	assert_int_equal(rc, 0);
	assert_int_equal(mounts_at(f->target), 1);
	text = shim_test_read(seen);
	assert_string_equal(text, "from the snapshot\n");
	free(text);
	assert_int_equal(open(written, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), -1);
	assert_int_equal(errno, EROFS);
	/* Read-only is the bind's, not the source's. */
	shim_test_write(file, "still writable\n");

	assert_int_equal(shim_unmount_all(f->target, &err), 0);
	assert_int_equal(mounts_at(f->target), 0);
	assert_int_equal(access(seen, F_OK), -1);
	free(written);
	free(seen);
	free(file);
	free(src);
}

static void bind_type_alone_is_a_bind_mount(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *src = subdir(f->dir, "src"), *file = shim_test_path(src, "hello"),
	                  *seen = shim_test_path(f->target, "hello"), *text = NULL;
	struct shim_mount m = {.type = "bind", .source = src};

	need_mounts();
	shim_test_write(file, "bound\n");
	assert_int_equal(shim_mount_all(&m, 1, f->target, &err), 0);
	text = shim_test_read(seen);
	assert_string_equal(text, "bound\n");
	/* Read-write without "ro". */
	shim_test_write(seen, "written through\n");
	free(text);
	text = shim_test_read(file);
	assert_string_equal(text, "written through\n");
}

static void tmpfs_takes_flags_and_data(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	/* A later "rw" undoes "ro", as in mount(8). */
	char *options[] = {"ro", "nosuid", "size=1m", "nodev", "rw"};
	struct shim_mount m = {
	    .type = "tmpfs", .source = "tmpfs", .options = options, .n_options = 5};
	struct statfs sfs;
	struct statvfs svfs;

	need_mounts();
	assert_int_equal(shim_mount_all(&m, 1, f->target, &err), 0);
	assert_int_equal(statfs(f->target, &sfs), 0);
	assert_int_equal(sfs.f_type, TMPFS_MAGIC);
	assert_int_equal((unsigned long long)sfs.f_blocks * (unsigned long long)sfs.f_bsize,
	                 1024 * 1024);
	assert_int_equal(statvfs(f->target, &svfs), 0);
	assert_true(svfs.f_flag & ST_NOSUID);
	assert_true(svfs.f_flag & ST_NODEV);
	assert_false(svfs.f_flag & ST_RDONLY);
}

static void overlay_shows_lower_and_writes_to_upper(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	char *lower = subdir(f->dir, "lower"), *upper = subdir(f->dir, "upper");
	char *work = subdir(f->dir, "work");
	char *lower_file = shim_test_path(lower, "etc-os-release");
	char *seen = shim_test_path(f->target, "etc-os-release");
	char *created = shim_test_path(f->target, "created");
	char *in_upper = shim_test_path(upper, "created");
	char *in_lower = shim_test_path(lower, "created");
	char *options[3] = {NULL};
	struct shim_mount m = {
	    .type = "overlay", .source = "overlay", .options = options, .n_options = 3};
	char *text;

	need_mounts();
	assert_true(asprintf(&options[0], "workdir=%s", work) > 0);
	assert_true(asprintf(&options[1], "upperdir=%s", upper) > 0);
	assert_true(asprintf(&options[2], "lowerdir=%s", lower) > 0);
	shim_test_write(lower_file, "ID=lower\n");

	assert_int_equal(shim_mount_all(&m, 1, f->target, &err), 0);
	text = shim_test_read(seen);
	assert_string_equal(text, "ID=lower\n");
	free(text);
	shim_test_write(created, "by the container\n");
	text = shim_test_read(in_upper);
	assert_string_equal(text, "by the container\n");
	free(text);
	assert_int_equal(access(in_lower, F_OK), -1);

	assert_int_equal(shim_unmount_all(f->target, &err), 0);
	assert_int_equal(access(created, F_OK), -1);
	for (int i = 0; i < 3; i++)
		free(options[i]);
	free(in_lower);
	free(in_upper);
	free(created);
	free(seen);
	free(lower_file);
	free(work);
	free(upper);
	free(lower);
}

static void failed_mount_leaves_nothing_mounted(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	char *options[] = {"size=1m"};
	struct shim_mount m[2] = {
	    {.type = "tmpfs", .source = "tmpfs", .options = options, .n_options = 1},
	    {.type = "nosuchfs", .source = "/dev/nowhere"},
	};
	char *expected = NULL;

	need_mounts();
	assert_int_equal(shim_mount_all(m, 2, f->target, &err), -1);
	assert_true(asprintf(&expected, "rootfs: mount nosuchfs /dev/nowhere on %s", f->target) >
	            0);
	assert_string_equal(err->msg, expected);
	assert_int_equal(err->errnum, ENODEV);
	assert_int_equal(mounts_at(f->target), 0);
	free(expected);
}

static void unmount_all_removes_stacked_mounts(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	char *options[] = {"size=1m"};
	struct shim_mount m[3] = {
	    {.type = "tmpfs", .source = "first", .options = options, .n_options = 1},
	    {.type = "tmpfs", .source = "second", .options = options, .n_options = 1},
	    {.type = "tmpfs", .source = "third", .options = options, .n_options = 1},
	};
	char *missing = shim_test_path(f->dir, "no-such-rootfs");

	need_mounts();
	/* Nothing mounted (nor even a directory): nothing to do. */
	assert_int_equal(shim_unmount_all(f->target, &err), 0);
	assert_int_equal(shim_unmount_all(missing, &err), 0);

	assert_int_equal(shim_mount_all(m, 3, f->target, &err), 0);
	assert_int_equal(mounts_at(f->target), 3);
	assert_int_equal(shim_unmount_all(f->target, &err), 0);
	assert_int_equal(mounts_at(f->target), 0);
	assert_int_equal(shim_unmount_all(f->target, &err), 0);
	assert_null(err);
	free(missing);
}

static void unmount_error_is_named(void **state)
{
	cleanup_error hull_error_t err = NULL;
	char path[5000];

	(void)state;
	need_mounts();
	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(shim_unmount_all(path, &err), -1);
	assert_int_equal(err->errnum, ENAMETOOLONG);
	assert_non_null(strstr(err->msg, "rootfs: unmount /xxx"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(decode_reads_type_source_and_options),
	    cmocka_unit_test(decode_of_a_bind_mount_without_options),
	    cmocka_unit_test(decode_refuses_malformed_mounts),
	    cmocka_unit_test_setup_teardown(bind_read_only_shows_the_source_and_refuses_writes,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(bind_type_alone_is_a_bind_mount, setup, teardown),
	    cmocka_unit_test_setup_teardown(tmpfs_takes_flags_and_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(overlay_shows_lower_and_writes_to_upper, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(failed_mount_leaves_nothing_mounted, setup, teardown),
	    cmocka_unit_test_setup_teardown(unmount_all_removes_stacked_mounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(unmount_error_is_named, setup, teardown),
	};

	/* Every mount this program makes stays in its own namespace. */
	if (unshare(CLONE_NEWNS) < 0)
		no_mounts = "cannot unshare the mount namespace (not root)";
	else if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return fprintf(stderr, "make / private: %s\n", strerror(errno)), 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
