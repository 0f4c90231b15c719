/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QMP client against a real QEMU with no guest (-machine none), which
 * answers QMP in milliseconds: negotiation, commands, errors, fd passing
 * and events.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "vmm/qmp.h"
#include "vmm/tests/helpers_qemu.h"

static int start_qemu(void **state)
{
	static const char *const args[] = {"-machine", "none", "-nodefaults", "-nographic", NULL};

	*state = test_qemu_start(args);
	return 0;
}

static int stop_qemu(void **state)
{
	test_qemu_stop(*state);
	return 0;
}

static void query_status_reports_running(void **state)
{
	struct test_qemu *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *status = NULL;

	assert_int_equal(qmp_query_status(f->qmp, &status, &err), 0);
	assert_string_equal(status, "running");
}

static void unknown_command_error_carries_qemu_message(void **state)
{
	struct test_qemu *f = *state;
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(qmp_execute(f->qmp, "no-such-command", NULL, NULL, 5000, &err), -1);
	assert_non_null(strstr(err->msg, "qmp no-such-command: "));
	assert_non_null(
	    strstr(err->msg, "no-such-command")); /* QEMU: "The command ... has not been found" */
	assert_non_null(strstr(err->msg + strlen("qmp no-such-command: "), "no-such-command"));
}

static void bad_arguments_are_refused(void **state)
{
	struct test_qemu *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *args = json_pack("{s:s}", "id", "nope");

	assert_int_equal(qmp_execute(f->qmp, "device_del", args, NULL, 5000, &err), -1);
	assert_non_null(strstr(err->msg, "nope"));
	/* the connection is still usable */
	hull_error_release(&err);
	assert_int_equal(qmp_execute(f->qmp, "query-version", NULL, NULL, 5000, &err), 0);
}

static void fd_passing_then_netdev_add(void **state)
{
	struct test_qemu *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *args = NULL;
	cleanup_close int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	assert_int_equal(qmp_send_fd(f->qmp, "testfd", fd, &err), 0);
	/* QEMU knows the name now: closing it succeeds, a second time fails. */
	args = json_pack("{s:s}", "fdname", "testfd");
	assert_int_equal(qmp_execute(f->qmp, "closefd", args, NULL, 5000, &err), 0);
	assert_int_equal(qmp_execute(f->qmp, "closefd", args, NULL, 5000, &err), -1);
	assert_non_null(strstr(err->msg, "testfd"));
}

static void quit_emits_shutdown_and_qemu_exits(void **state)
{
	struct test_qemu *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *data = NULL;
	int status;

	assert_int_equal(qmp_execute(f->qmp, "quit", NULL, NULL, 5000, &err), 0);
	assert_int_equal(qmp_wait_event(f->qmp, "SHUTDOWN", 5000, &data, &err), 0);
	assert_non_null(json_object_get(data, "reason"));
	assert_int_equal(waitpid(f->pid, &status, 0), f->pid);
	f->pid = 0;
	/* and the client reports the closed connection */
	assert_int_equal(qmp_execute(f->qmp, "query-status", NULL, NULL, 2000, &err), -1);
}

static void connect_to_nothing_fails_naming_the_socket(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	struct qmp *q = NULL;

	assert_int_equal(qmp_connect("/tmp/hull-no-such-dir/qmp.sock", 100, &q, &err), -1);
	assert_non_null(strstr(err->msg, "/tmp/hull-no-such-dir/qmp.sock"));
	assert_int_equal(err->errnum, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(query_status_reports_running, start_qemu, stop_qemu),
	    cmocka_unit_test_setup_teardown(unknown_command_error_carries_qemu_message, start_qemu,
	                                    stop_qemu),
	    cmocka_unit_test_setup_teardown(bad_arguments_are_refused, start_qemu, stop_qemu),
	    cmocka_unit_test_setup_teardown(fd_passing_then_netdev_add, start_qemu, stop_qemu),
	    cmocka_unit_test_setup_teardown(quit_emits_shutdown_and_qemu_exits, start_qemu,
	                                    stop_qemu),
	    cmocka_unit_test(connect_to_nothing_fails_naming_the_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
