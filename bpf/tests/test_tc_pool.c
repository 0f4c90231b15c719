/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pool that loads hull's TC programs ahead on worker threads
 * (bpf/tc_pool.h): every instance it hands out is loaded, in order, once;
 * asking for more than were started names the count; instances nobody
 * took are freed with the pool (ASan and valgrind see the rest).  Needs
 * root and BPF; skips (exit 4) when the kernel refuses the programs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_pool.h"
#include "common/error.h"
#include "helpers_bpf.h"
#include "hull_tc.skel.h"

/* A loaded instance: both programs have fds and distinct kernel ids. */
static void assert_loaded(struct hull_tc *skel, uint32_t *prog_id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	assert_non_null(skel);
	assert_true(bpf_program__fd(skel->progs.hull_to_guest) >= 0);
	assert_true(bpf_program__fd(skel->progs.hull_from_guest) >= 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(
	    bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.hull_from_guest), &info, &len), 0);
	assert_string_equal(info.name, "hull_from_guest");
	*prog_id = info.id;
}

static void hands_out_each_instance_once(void **state)
{
	struct hull_tc_pool *pool = NULL;
	hull_error_t err = NULL;
	uint32_t ids[5];

	(void)state;
	assert_int_equal(hull_tc_pool_start(5, &pool, &err), 0);
	for (int i = 0; i < 5; i++) {
		struct hull_tc *skel = hull_tc_pool_take(pool, &err);

		assert_null(err);
		assert_loaded(skel, &ids[i]);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
		hull_tc__destroy(skel);
	}
	assert_null(hull_tc_pool_take(pool, &err));
	assert_non_null(err);
	assert_string_equal(err->msg, "all 5 loaded BPF program instances are taken");
	hull_error_release(&err);
	hull_tc_pool_free(pool);
}

static void untaken_instances_go_with_the_pool(void **state)
{
	struct hull_tc_pool *pool = NULL;
	hull_error_t err = NULL;
	uint32_t id;
	struct hull_tc *skel;
	int fd;

	(void)state;
	assert_int_equal(hull_tc_pool_start(3, &pool, &err), 0);
	skel = hull_tc_pool_take(pool, &err);
	assert_loaded(skel, &id);
	hull_tc_pool_free(pool); /* joins the threads, destroys the two left */
	/* The instance taken is the caller's and still loaded. */
	fd = bpf_prog_get_fd_by_id(id);
	assert_true(fd >= 0);
	close(fd);
	hull_tc__destroy(skel);
}

/*
 * A load the kernel refuses (here: a child that dropped every capability)
 * reaches whoever takes that instance, with the kernel's errno, and the
 * pool still joins its threads.  Exit codes name the check that failed.
 */
static int take_without_capabilities(void)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	struct hull_tc_pool *pool = NULL;
	hull_error_t err = NULL;
	int code = 0;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &header, data) < 0)
		return 10;
	if (hull_tc_pool_start(2, &pool, &err) < 0)
		return 11;
	for (int i = 0; i < 2 && code == 0; i++) {
		if (hull_tc_pool_take(pool, &err) != NULL)
			code = 12;
		else if (err == NULL || err->errnum != EPERM ||
		         strstr(err->msg, "load BPF programs") == NULL)
			code = 13;
		hull_error_release(&err);
	}
	hull_tc_pool_free(pool);
	return code;
}

static void a_refused_load_is_the_takers_error(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(take_without_capabilities());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void an_empty_pool_hands_out_nothing(void **state)
{
	struct hull_tc_pool *pool = NULL;
	hull_error_t err = NULL;

	(void)state;
	assert_int_equal(hull_tc_pool_start(0, &pool, &err), 0);
	assert_null(hull_tc_pool_take(pool, &err));
	assert_string_equal(err->msg, "all 0 loaded BPF program instances are taken");
	hull_error_release(&err);
	hull_tc_pool_free(pool);
	hull_tc_pool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hands_out_each_instance_once),
	    cmocka_unit_test(untaken_instances_go_with_the_pool),
	    cmocka_unit_test(a_refused_load_is_the_takers_error),
	    cmocka_unit_test(an_empty_pool_hands_out_nothing),
	};

	if (!bpf_tests_can_load())
		return 4;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
