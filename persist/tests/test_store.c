/* SPDX-License-Identifier: Apache-2.0 */
/* The on-disk store (persist/store.h): atomic saves, untouched corrupt files, locking. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/store.h"
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

static char *state_path(const char *root, const char *id)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s/state.json", root, id) > 0);
	return p;
}

static void create_fixture(const char *root, const char *id, size_t n_endpoints)
{
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;

	hull_state_init(&st);
	persist_fixture_state(&st, id, n_endpoints);
	if (hull_state_create(root, &st, &err) != 0)
		fail_msg("create %s: %s", id, err->msg);
	hull_state_free(&st);
}

static void save_and_load_round_trip(void **state)
{
	const char *root = *state;
	struct hull_sandbox_state in, out;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *dir = NULL, *file = NULL;
	struct stat sb;

	hull_state_init(&in);
	hull_state_init(&out);
	persist_fixture_state(&in, "sb1", 4);
	assert_int_equal(hull_state_create(root, &in, &err), 0);
	in.hypervisor.pid = 6161; /* a second save replaces the first */
	assert_int_equal(hull_state_save(root, &in, &err), 0);
	if (hull_state_load(root, "sb1", &out, &err) != 0)
		fail_msg("%s", err->msg);
	persist_assert_state_equal(&in, &out);
	assert_int_equal(out.hypervisor.pid, 6161);

	assert_true(asprintf(&dir, "%s/sb1", root) > 0);
	file = state_path(root, "sb1");
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* state.json and state.lock: no temporary file is left behind. */
	assert_int_equal(persist_count_entries(dir), 2);
	hull_state_free(&in);
	hull_state_free(&out);
}

static void create_twice_fails(void **state)
{
	const char *root = *state;
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *file = state_path(root, "dup");
	cleanup_free char *before = NULL, *after = NULL;

	create_fixture(root, "dup", 1);
	before = persist_read_file(file, NULL);
	hull_state_init(&st);
	persist_fixture_state(&st, "dup", 0);
	assert_int_equal(hull_state_create(root, &st, &err), -1);
	assert_string_equal(err->msg, "container dup already exists");
	after = persist_read_file(file, NULL);
	assert_string_equal(before, after);
	hull_state_free(&st);
}

/* Makes renameat2(2) fail with `error` in this process, as on a filesystem without it. */
static int refuse_renameat2(int error)
{
	/* This process's own syscalls: the native architecture's numbers. */
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_renameat2, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)error & SECCOMP_RET_DATA)),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	               prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0
	           ? -1
	           : 0;
}

/*
 * In a child whose renameat2() fails with `error`: create takes the plain
 * rename, the sandbox's directory is whole and alone, and a second create
 * of the same id is refused with the first left as it was.  Exits 0, or
 * the number of the step that went wrong.
 */
static int create_without_noreplace(const char *root, int error)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *file = state_path(root, "fb"), *before = NULL, *after = NULL;
	struct hull_sandbox_state st;
	int step = 0;

	if (refuse_renameat2(error) < 0)
		return 1;
	if (renameat2(AT_FDCWD, file, AT_FDCWD, file, RENAME_NOREPLACE) == 0 || errno != error)
		return 2; /* the filter is not in effect */
	hull_state_init(&st);
	persist_fixture_state(&st, "fb", 1);
	if (hull_state_create(root, &st, &err) != 0)
		step = 3;
	else if (persist_count_entries(root) != 1) /* "fb" only: no creating: directory */
		step = 4;
	else if ((before = persist_read_file(file, NULL)) == NULL)
		step = 5;
	else if (hull_state_create(root, &st, &err) != -1 ||
	         strcmp(err->msg, "container fb already exists") != 0)
		step = 6;
	else if ((after = persist_read_file(file, NULL)) == NULL || strcmp(before, after) != 0)
		step = 7;
	else if (persist_count_entries(root) != 1)
		step = 8;
	if (step)
		fprintf(stderr, "# renameat2 refused with %s, step %d: %s\n", strerror(error), step,
		        err ? err->msg : "");
	hull_state_free(&st);
	return step;
}

/*
 * A filesystem without RENAME_NOREPLACE answers EINVAL (and glibc turns a
 * kernel's ENOSYS, no renameat2 at all, into EINVAL too).
 */
static void create_without_rename_noreplace(void **state)
{
	const char *root = *state;
	struct hull_sandbox_state out;
	cleanup_error hull_error_t err = NULL;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(create_without_noreplace(root, EINVAL));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* What the child made, read back here. */
	hull_state_init(&out);
	if (hull_state_load(root, "fb", &out, &err) != 0)
		fail_msg("%s", err->msg);
	hull_state_free(&out);
}

static void missing_sandbox_does_not_exist(void **state)
{
	const char *root = *state;
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;

	hull_state_init(&st);
	assert_int_equal(hull_state_load(root, "nope", &st, &err), -1);
	assert_string_equal(err->msg, "container nope does not exist");
	hull_error_release(&err);

	persist_fixture_state(&st, "nope", 0);
	assert_int_equal(hull_state_save(root, &st, &err), -1);
	assert_string_equal(err->msg, "save state: container nope does not exist");
	hull_error_release(&err);
	assert_int_equal(hull_state_lock(root, "nope", &err), -1);
	assert_string_equal(err->msg, "container nope does not exist");
	assert_int_equal(persist_count_entries(root), 0); /* nothing was created */
	hull_state_free(&st);
}

/*
 * Writes text as the state of id, loads it, and checks that the load
 * fails with a message naming the file and containing want, and that the
 * file's bytes are exactly what was written.
 */
static void expect_load_fails_untouched(const char *root, const char *id, const char *text,
                                        size_t len, const char *want)
{
	cleanup_free char *file = state_path(root, id);
	cleanup_free char *after = NULL, *dir = NULL;
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;
	struct stat before_sb, after_sb;
	size_t after_len;

	persist_write_file(file, text, len);
	assert_int_equal(stat(file, &before_sb), 0);
	hull_state_init(&st);
	if (hull_state_load(root, id, &st, &err) == 0)
		fail_msg("loaded: %.*s", (int)len, text);
	if (strncmp(err->msg, file, strlen(file)) != 0 || strstr(err->msg, want) == NULL)
		fail_msg("message \"%s\" lacks the file or \"%s\"", err->msg, want);
	assert_null(st.sandbox.id);
	after = persist_read_file(file, &after_len);
	assert_non_null(after);
	assert_int_equal(after_len, len);
	assert_memory_equal(after, text, len);
	assert_int_equal(stat(file, &after_sb), 0);
	assert_int_equal(after_sb.st_ino, before_sb.st_ino); /* not replaced either */
	assert_true(asprintf(&dir, "%s/%s", root, id) > 0);
	assert_int_equal(persist_count_entries(dir), 2);
}

/* text with the first occurrence of from replaced by to, malloc'd. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out = NULL;

	assert_non_null(at);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
	return out;
}

static void corrupt_files_fail_and_stay_as_they_were(void **state)
{
	const char *root = *state;
	cleanup_free char *file = state_path(root, "bad");
	cleanup_free char *valid = NULL, *vcpus = NULL, *mac = NULL, *addr = NULL;
	static const double cuts[] = {0.0005, 0.1, 0.33, 0.5, 0.75, 0.999};
	size_t len, i;

	create_fixture(root, "bad", 2);
	valid = persist_read_file(file, &len);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t cut = (size_t)((double)len * cuts[i]);

		if (cut == 0)
			cut = 1;
		/* A truncated file is a JSON error with jansson's position. */
		expect_load_fails_untouched(root, "bad", valid, cut, "not valid JSON: line ");
	}
	expect_load_fails_untouched(root, "bad", "", 0, "the file is empty");
	expect_load_fails_untouched(root, "bad", "hello, world\n", 13,
	                            "not valid JSON: line 1 column 5: '[' or '{' expected");
	vcpus = replace(valid, "\"vcpus\":3", "\"vcpus\":\"two\"");
	expect_load_fails_untouched(root, "bad", vcpus, strlen(vcpus),
	                            ": hypervisor.vcpus: expected an integer, got \"two\"");
	mac = replace(valid, "\"mac\":\"03:14:25:36:47:58\"", "\"mac\":\"zz\"");
	expect_load_fails_untouched(root, "bad", mac, strlen(mac),
	                            ": network.endpoints[1].mac: \"zz\" is not a MAC address");
	addr = replace(valid, "\"10.0.1.2/24\"", "\"10.0.1.256/24\"");
	expect_load_fails_untouched(
	    root, "bad", addr, strlen(addr),
	    ": network.endpoints[1].addresses[0]: \"10.0.1.256/24\" is not an "
	    "address with a prefix length");
}

static void newer_version_is_refused_untouched(void **state)
{
	const char *root = *state;
	cleanup_free char *file = state_path(root, "future");
	cleanup_free char *valid = NULL, *future = NULL, *want = NULL;
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	create_fixture(root, "future", 1);
	valid = persist_read_file(file, NULL);
	future = replace(valid, "\"version\":2", "\"version\":3");
	expect_load_fails_untouched(root, "future", future, strlen(future), "");
	hull_state_init(&st);
	assert_int_equal(hull_state_load(root, "future", &st, &err), -1);
	assert_true(asprintf(&want, "%s: state written by a newer hull (version 3)", file) > 0);
	assert_string_equal(err->msg, want);
}

static void id_in_file_must_match_directory(void **state)
{
	const char *root = *state;
	cleanup_free char *file = state_path(root, "one");
	cleanup_free char *valid = NULL, *other = NULL;

	create_fixture(root, "one", 0);
	valid = persist_read_file(file, NULL);
	other = replace(valid, "\"id\":\"one\"", "\"id\":\"two\"");
	expect_load_fails_untouched(root, "one", other, strlen(other),
	                            ": sandbox.id: \"two\" is not the directory's id \"one\"");
}

static void v1_file_is_migrated_on_next_save(void **state)
{
	const char *root = *state;
	cleanup_free char *file = state_path(root, "mig");
	cleanup_free char *v2 = NULL, *v1 = NULL, *step = NULL, *after = NULL;
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	create_fixture(root, "mig", 1);
	/* Turn the v2 file into the v1 layout by hand. */
	v2 = persist_read_file(file, NULL);
	v1 = replace(v2, "\"version\":2", "\"version\":1");
	step = replace(v1, "\"vm_ifname\"", "\"tap_name\"");
	persist_write_file(file, step, strlen(step));
	hull_state_init(&st);
	if (hull_state_load(root, "mig", &st, &err) != 0)
		fail_msg("%s", err->msg);
	assert_int_equal(st.version, 1);
	assert_string_equal(st.network.endpoints[0].vm_ifname, "tap0_hull");
	after = persist_read_file(file, NULL);
	assert_string_equal(after, step); /* loading does not rewrite */
	assert_int_equal(hull_state_save(root, &st, &err), 0);
	free(after);
	after = persist_read_file(file, NULL);
	assert_non_null(strstr(after, "\"version\":2"));
	assert_non_null(strstr(after, "\"vm_ifname\":\"tap0_hull\""));
	assert_null(strstr(after, "tap_name"));
	hull_state_free(&st);
}

/*
 * A save that cannot be written must leave the old state.json whole and
 * no temporary file.  Root ignores permissions, so the failure comes from
 * RLIMIT_FSIZE (EFBIG), in a child so the limit does not stay.
 */
static void failed_save_keeps_previous_state(void **state)
{
	const char *root = *state;
	cleanup_free char *file = state_path(root, "full");
	cleanup_free char *dir = NULL, *before = NULL, *after = NULL;
	int status;
	pid_t pid;

	create_fixture(root, "full", 1);
	before = persist_read_file(file, NULL);
	assert_true(asprintf(&dir, "%s/full", root) > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit lim = {.rlim_cur = 512, .rlim_max = RLIM_INFINITY};
		struct hull_sandbox_state st;
		hull_error_t err = NULL;

		signal(SIGXFSZ, SIG_IGN);
		hull_state_init(&st);
		persist_fixture_state(&st, "full", 8); /* far larger than 512 bytes */
		if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
			_exit(10);
		if (hull_state_save(root, &st, &err) == 0)
			_exit(11);
		if (err->errnum != EFBIG || strstr(err->msg, "save state of full: write ") == NULL)
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	after = persist_read_file(file, NULL);
	assert_string_equal(before, after);
	assert_int_equal(persist_count_entries(dir), 2); /* the temp file was removed */
}

static void root_that_is_a_file_fails_cleanly(void **state)
{
	const char *root = *state;
	cleanup_free char *bogus = NULL;
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	assert_true(asprintf(&bogus, "%s/not-a-dir", root) > 0);
	persist_write_file(bogus, "x", 1);
	hull_state_init(&st);
	persist_fixture_state(&st, "sb", 0);
	assert_int_equal(hull_state_create(bogus, &st, &err), -1);
	assert_int_equal(err->errnum, ENOTDIR);
	assert_non_null(strstr(err->msg, "not-a-dir"));
	hull_error_release(&err);
	assert_int_equal(hull_state_load(bogus, "sb", &st, &err), -1);
	assert_string_equal(err->msg, "container sb does not exist");
	hull_state_free(&st);
}

static void bad_ids_fail_before_touching_the_filesystem(void **state)
{
	const char *root = *state;
	static const char *const ids[] = {"../escape", "..", ".", "", "a/b"};
	cleanup_free char *outside = NULL;
	size_t i;

	assert_true(asprintf(&outside, "%s/../escape", root) > 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		struct hull_sandbox_state st;
		char **list;
		size_t n;

		hull_state_init(&st);
		persist_fixture_state(&st, "x", 0);
		free(st.sandbox.id);
		st.sandbox.id = strdup(ids[i]);
		assert_int_equal(hull_state_create(root, &st, &err), -1);
		assert_non_null(strstr(err->msg, "invalid container id"));
		hull_error_release(&err);
		assert_int_equal(hull_state_save(root, &st, &err), -1);
		assert_non_null(strstr(err->msg, "invalid container id"));
		hull_error_release(&err);
		hull_state_free(&st);
		assert_int_equal(hull_state_load(root, ids[i], &st, &err), -1);
		assert_non_null(strstr(err->msg, "invalid container id"));
		hull_error_release(&err);
		assert_int_equal(hull_state_lock(root, ids[i], &err), -1);
		assert_non_null(strstr(err->msg, "invalid container id"));
		hull_error_release(&err);
		assert_int_equal(hull_state_remove(root, ids[i], &err), -1);
		assert_non_null(strstr(err->msg, "invalid container id"));
		assert_int_equal(persist_count_entries(root), 0);
		assert_int_equal(access(outside, F_OK), -1);
		assert_int_equal(hull_state_list(root, &list, &n, NULL), 0);
		assert_int_equal(n, 0);
		hull_state_list_free(list);
	}
}

static void remove_deletes_everything_and_is_idempotent(void **state)
{
	const char *root = *state;
	cleanup_free char *dir = NULL, *sock = NULL, *sub = NULL, *subfile = NULL, *link = NULL;
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	create_fixture(root, "gone", 1);
	assert_true(asprintf(&dir, "%s/gone", root) > 0);
	assert_true(asprintf(&sock, "%s/qmp.sock", dir) > 0);
	assert_true(asprintf(&sub, "%s/logs", dir) > 0);
	assert_true(asprintf(&subfile, "%s/logs/console.log", dir) > 0);
	persist_write_file(sock, "", 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	persist_write_file(subfile, "boot", 4);
	assert_true(asprintf(&link, "%s/passwd-link", dir) > 0);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	assert_int_equal(hull_state_remove(root, "gone", &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	assert_int_equal(hull_state_remove(root, "gone", &err), 0);
	hull_state_init(&st);
	assert_int_equal(hull_state_load(root, "gone", &st, &err), -1);
	assert_string_equal(err->msg, "container gone does not exist");
}

static void remove_does_not_follow_symlinks(void **state)
{
	const char *root = *state;
	cleanup_free char *victim_dir = NULL, *victim = NULL, *link = NULL;
	cleanup_error hull_error_t err = NULL;

	assert_true(asprintf(&victim_dir, "%s/victim", root) > 0);
	assert_true(asprintf(&victim, "%s/keep", victim_dir) > 0);
	assert_int_equal(mkdir(victim_dir, 0700), 0);
	persist_write_file(victim, "keep", 4);
	create_fixture(root, "linky", 0);
	assert_true(asprintf(&link, "%s/linky/escape", root) > 0);
	assert_int_equal(symlink(victim_dir, link), 0);
	assert_int_equal(hull_state_remove(root, "linky", &err), 0);
	assert_int_equal(access(victim, F_OK), 0);
}

static void list_returns_sorted_sandboxes_only(void **state)
{
	const char *root = *state;
	cleanup_free char *nostate = NULL, *badname = NULL, *badfile = NULL, *plain = NULL;
	char **ids = NULL;
	size_t n;

	create_fixture(root, "b", 0);
	create_fixture(root, "a", 0);
	create_fixture(root, "c-1", 0);
	assert_true(asprintf(&nostate, "%s/half-made", root) > 0);
	assert_int_equal(mkdir(nostate, 0700), 0);
	assert_true(asprintf(&badname, "%s/bad name", root) > 0);
	assert_int_equal(mkdir(badname, 0700), 0);
	assert_true(asprintf(&badfile, "%s/bad name/state.json", root) > 0);
	persist_write_file(badfile, "{}", 2);
	assert_true(asprintf(&plain, "%s/stray-file", root) > 0);
	persist_write_file(plain, "x", 1);

	/* A directory without state.json is listed: hull_state_load() names it incomplete. */
	assert_int_equal(hull_state_list(root, &ids, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_string_equal(ids[0], "a");
	assert_string_equal(ids[1], "b");
	assert_string_equal(ids[2], "c-1");
	assert_string_equal(ids[3], "half-made");
	assert_null(ids[4]);
	hull_state_list_free(ids);
}

static void list_of_missing_root_is_empty(void **state)
{
	cleanup_free char *missing = NULL;
	char **ids = NULL;
	size_t n = 99;

	assert_true(asprintf(&missing, "%s/never-created", (char *)*state) > 0);
	assert_int_equal(hull_state_list(missing, &ids, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(ids[0]);
	hull_state_list_free(ids);
}

/* ---- concurrent updates ---- */

static int increment_pid(struct hull_sandbox_state *st, void *userdata, hull_error_t *err)
{
	(void)userdata;
	(void)err;
	pid_t seen = st->containers[0].pid;

	/* Widen the window between read and write so an unlocked update would lose. */
	usleep(200);
	st->containers[0].pid = seen + 1;
	return 0;
}

static int refuse_update(struct hull_sandbox_state *st, void *userdata, hull_error_t *err)
{
	(void)userdata;
	st->containers[0].pid = 1;
	return hull_fail(err, 0, "not today");
}

#define WRITERS 4
#define INCREMENTS 200

static void concurrent_updates_are_serialised(void **state)
{
	const char *root = *state;
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;
	pid_t pids[WRITERS];
	int i, status;

	create_fixture(root, "busy", 1);
	hull_state_init(&st);
	assert_int_equal(hull_state_load(root, "busy", &st, &err), 0);
	assert_int_equal(st.containers[0].pid, 300);
	hull_state_free(&st);

	for (i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			int k;

			for (k = 0; k < INCREMENTS; k++) {
				hull_error_t child_err = NULL;

				if (hull_state_update(root, "busy", increment_pid, NULL,
				                      &child_err) < 0) {
					fprintf(stderr, "update: %s\n", child_err->msg);
					_exit(1);
				}
			}
			_exit(0);
		}
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(hull_state_load(root, "busy", &st, &err), 0);
	assert_int_equal(st.containers[0].pid, 300 + WRITERS * INCREMENTS);
	hull_state_free(&st);

	/* A failing callback saves nothing and its error comes back. */
	assert_int_equal(hull_state_update(root, "busy", refuse_update, NULL, &err), -1);
	assert_string_equal(err->msg, "not today");
	assert_int_equal(hull_state_load(root, "busy", &st, &err), 0);
	assert_int_equal(st.containers[0].pid, 300 + WRITERS * INCREMENTS);
	hull_state_free(&st);
}

static void lock_excludes_other_processes(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	int fd, pipefd[2], status;
	char c;
	pid_t pid;

	create_fixture(root, "held", 0);
	fd = hull_state_lock(root, "held", &err);
	assert_true(fd >= 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hull_error_t child_err = NULL;
		int cfd;

		close(fd); /* the inherited description would hold the lock for us */
		cfd = hull_state_lock(root, "held", &child_err);

		/* Reached only after the parent unlocked. */
		if (write(pipefd[1], "L", 1) != 1 || cfd < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	usleep(100 * 1000);
	/* The child is still waiting: nothing to read yet. */
	assert_int_equal(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(read(pipefd[0], &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	hull_state_unlock(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
}

/*
 * A process that waits for the lock while the sandbox is deleted must not
 * carry on with a lock on the deleted directory's lock file.
 */
static void waiter_on_a_removed_sandbox_sees_it_gone(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *dir = NULL, *lock = NULL, *file = NULL;
	int fd, status;
	pid_t pid;

	create_fixture(root, "doomed", 0);
	assert_true(asprintf(&dir, "%s/doomed", root) > 0);
	assert_true(asprintf(&lock, "%s/state.lock", dir) > 0);
	file = state_path(root, "doomed");
	fd = hull_state_lock(root, "doomed", &err);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hull_error_t child_err = NULL;
		int cfd;

		close(fd);
		cfd = hull_state_lock(root, "doomed", &child_err);

		if (cfd >= 0)
			_exit(1);
		if (strcmp(child_err->msg, "container doomed does not exist") != 0)
			_exit(2);
		_exit(0);
	}
	usleep(50 * 1000); /* let the child block on the lock */
	/* What hull_state_remove() does while it holds the lock. */
	assert_int_equal(unlink(file), 0);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(rmdir(dir), 0);
	hull_state_unlock(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_root, teardown_root)
	const struct CMUnitTest tests[] = {
	    T(save_and_load_round_trip),
	    T(create_twice_fails),
	    T(create_without_rename_noreplace),
	    T(missing_sandbox_does_not_exist),
	    T(corrupt_files_fail_and_stay_as_they_were),
	    T(newer_version_is_refused_untouched),
	    T(id_in_file_must_match_directory),
	    T(v1_file_is_migrated_on_next_save),
	    T(failed_save_keeps_previous_state),
	    T(root_that_is_a_file_fails_cleanly),
	    T(bad_ids_fail_before_touching_the_filesystem),
	    T(remove_deletes_everything_and_is_idempotent),
	    T(remove_does_not_follow_symlinks),
	    T(list_returns_sorted_sandboxes_only),
	    T(list_of_missing_root_is_empty),
	    T(concurrent_updates_are_serialised),
	    T(lock_excludes_other_processes),
	    T(waiter_on_a_removed_sandbox_sees_it_gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
