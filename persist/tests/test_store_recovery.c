/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store after something went wrong: a creator killed half-way, a
 * directory left without its state.json, a state.json that is a FIFO, an
 * id too long for the sockets and pins hull derives from it.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/proc_identity.h"
#include "persist/id.h"
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

static int create_state(const char *root, const char *id, hull_error_t *err)
{
	struct hull_sandbox_state st;
	int r;

	hull_state_init(&st);
	persist_fixture_state(&st, id, 1);
	r = hull_state_create(root, &st, err);
	hull_state_free(&st);
	return r;
}

/* Makes <root>/<name>; returns the path of leaf in it (or of it, leaf NULL), malloc'd. */
static char *make_dir(const char *root, const char *name, const char *leaf)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", root, name) > 0);
	assert_int_equal(mkdir(path, 0700), 0);
	if (leaf != NULL) {
		free(path);
		assert_true(asprintf(&path, "%s/%s/%s", root, name, leaf) > 0);
	}
	return path;
}

/* Loading id fails, naming it incomplete. */
static void assert_incomplete(const char *root, const char *id)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *want = NULL;
	struct hull_sandbox_state st;

	hull_state_init(&st);
	assert_int_equal(hull_state_load(root, id, &st, &err), -1);
	assert_true(asprintf(&want, "container %s is incomplete", id) > 0);
	assert_non_null(strstr(err->msg, want));
	assert_non_null(strstr(err->msg, "no state.json"));
}

/*
 * A creator killed while it writes the first state.json (SIGXFSZ, the
 * default action of a write past RLIMIT_FSIZE, kills it exactly there)
 * leaves no trace the id could be wedged by: the id does not exist, and
 * the next create takes it and sweeps the dead creator's temporary
 * directory.
 */
static void creator_killed_mid_write_leaves_the_id_free(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;
	char **ids = NULL;
	size_t n;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit lim = {.rlim_cur = 64, .rlim_max = RLIM_INFINITY};

		signal(SIGXFSZ, SIG_DFL);
		if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
			_exit(10);
		create_state(root, "crashy", NULL);
		_exit(11); /* not reached: the write of the state kills us */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);

	hull_state_init(&st);
	assert_int_equal(hull_state_load(root, "crashy", &st, &err), -1);
	assert_string_equal(err->msg, "container crashy does not exist");
	hull_error_release(&err);
	assert_int_equal(hull_state_list(root, &ids, &n, NULL), 0);
	assert_int_equal(n, 0);
	hull_state_list_free(ids);

	if (create_state(root, "crashy", &err) < 0)
		fail_msg("the id stayed wedged: %s", err->msg);
	assert_int_equal(hull_state_load(root, "crashy", &st, &err), 0);
	hull_state_free(&st);

	/* Only the new sandbox: the dead creator's temporary directory was swept. */
	assert_int_equal(persist_count_entries(root), 1);
}

/*
 * The sweep takes only what a dead creator left: a live creator's
 * directory (this process's pid and start time) and a "creating:" name
 * that does not parse stay.
 */
static void sweep_leaves_live_and_unparsed_creators(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *live = NULL;

	assert_true(asprintf(&live, "creating:%d-%llu-abcdef", (int)getpid(),
	                     (unsigned long long)proc_start_time(getpid())) > 0);
	free(make_dir(root, live, NULL));
	free(make_dir(root, "creating:not-a-pid", NULL));
	if (create_state(root, "next", &err) < 0)
		fail_msg("create beside a live creator: %s", err->msg);
	assert_int_equal(persist_count_entries(root), 3);
}

/* Creators racing for one id: exactly one wins, the others are told it exists. */
static void concurrent_creators_of_one_id(void **state)
{
	const char *root = *state;
	pid_t pids[8];
	int won = 0, status;

	for (size_t i = 0; i < 8; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			hull_error_t err = NULL;

			if (create_state(root, "contested", &err) == 0)
				_exit(0);
			_exit(strcmp(err->msg, "container contested already exists") == 0 ? 1 : 2);
		}
	}
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
		won += WEXITSTATUS(status) == 0;
	}
	assert_int_equal(won, 1);
	/* The losers removed their temporary directories. */
	assert_int_equal(persist_count_entries(root), 1);
}

/*
 * A directory without state.json (an older hull killed inside create, a
 * delete killed half-way) is shown, named as incomplete, and cleared by
 * the next create of its id and by hull_state_clear_incomplete().
 */
static void incomplete_directory_is_shown_and_cleared(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *leftover = NULL;
	struct hull_sandbox_state st;
	char **ids = NULL;
	size_t n;

	hull_state_init(&st);
	leftover = make_dir(root, "half", "qmp.sock");
	free(make_dir(root, "other", NULL));
	persist_write_file(leftover, "", 0);

	assert_incomplete(root, "half");

	assert_int_equal(hull_state_list(root, &ids, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "half");
	assert_string_equal(ids[1], "other");
	hull_state_list_free(ids);

	if (create_state(root, "half", &err) < 0)
		fail_msg("create over an incomplete directory: %s", err->msg);
	assert_int_equal(hull_state_load(root, "half", &st, &err), 0);
	hull_state_free(&st);
	assert_int_equal(access(leftover, F_OK), -1);

	/* Cleared on request; a whole sandbox and a missing one are left alone. */
	assert_int_equal(hull_state_clear_incomplete(root, "other", &err), 1);
	assert_int_equal(hull_state_clear_incomplete(root, "other", &err), 0);
	assert_int_equal(hull_state_clear_incomplete(root, "half", &err), 0);
	assert_int_equal(hull_state_load(root, "half", &st, &err), 0);
	hull_state_free(&st);
	assert_int_equal(persist_count_entries(root), 1);
}

/*
 * A remove that stops half-way (here: a filesystem mounted inside the
 * directory, which remove refuses to empty) has unlinked state.json
 * first: what is left is incomplete, never a state that looks alive.
 */
static void interrupted_remove_leaves_an_incomplete_directory(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *mnt = NULL;

	assert_int_equal(create_state(root, "going", &err), 0);
	mnt = make_dir(root, "going/zz", NULL);
	/* In a mount namespace of the test's own: a failed assert leaves no mount on the host. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("hull-test", mnt, "tmpfs", 0, NULL) < 0)
		skip(); /* not root */
	assert_int_equal(hull_state_remove(root, "going", &err), -1);
	assert_non_null(strstr(err->msg, "a filesystem is mounted there"));
	hull_error_release(&err);
	assert_incomplete(root, "going");
	assert_int_equal(umount(mnt), 0);
	assert_int_equal(hull_state_clear_incomplete(root, "going", &err), 1);
	assert_int_equal(persist_count_entries(root), 0);
}

/* A FIFO where state.json should be: an error at once, never a hang. */
static void fifo_state_file_does_not_block(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *fifo = NULL;
	struct hull_sandbox_state st;

	fifo = make_dir(root, "piped", "state.json");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	hull_state_init(&st);
	alarm(5); /* a blocking open kills the test instead of hanging it */
	assert_int_equal(hull_state_load(root, "piped", &st, &err), -1);
	alarm(0);
	assert_non_null(strstr(err->msg, "is a FIFO, not a regular file"));
	assert_non_null(strstr(err->msg, fifo));
}

/*
 * An id runc's rule accepts but whose sockets (<root>/<id>/virtiofs.sock)
 * would not fit is refused when the sandbox is created, naming the limit,
 * before anything is made.
 */
static void id_too_long_for_its_paths_is_refused(void **state)
{
	const char *root = *state;
	cleanup_error hull_error_t err = NULL;
	char id[HULL_ID_MAX + 1];
	size_t fits =
	    HULL_SOCKET_PATH_MAX - strlen(root) - strlen("//" HULL_SANDBOX_LONGEST_SOCKET);

	memset(id, 'i', sizeof(id) - 1);
	id[fits + 1] = '\0';
	assert_int_equal(create_state(root, id, &err), -1);
	assert_non_null(strstr(err->msg, "too long"));
	assert_non_null(strstr(err->msg, "unix socket"));
	hull_error_release(&err);
	assert_int_equal(persist_count_entries(root), 0);

	id[fits] = '\0';
	if (create_state(root, id, &err) < 0)
		fail_msg("an id of %zu characters under %s: %s", fits, root, err->msg);

	/* The shortest root allows 91: the pin directories fit whatever root. */
	memset(id, 'p', sizeof(id) - 1);
	id[92] = '\0';
	assert_int_equal(hull_id_fits("/", id, &err), -1);
	assert_non_null(strstr(err->msg, "at most 91"));
	hull_error_release(&err);
	id[91] = '\0';
	assert_int_equal(hull_id_fits("/", id, &err), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_root, teardown_root)
	const struct CMUnitTest tests[] = {
	    T(creator_killed_mid_write_leaves_the_id_free),
	    T(sweep_leaves_live_and_unparsed_creators),
	    T(concurrent_creators_of_one_id),
	    T(incomplete_directory_is_shown_and_cleared),
	    T(interrupted_remove_leaves_an_incomplete_directory),
	    T(fifo_state_file_does_not_block),
	    T(id_too_long_for_its_paths_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
