/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/tests/helpers_qemu.h"

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

struct test_qemu *test_qemu_start(const char *const *args)
{
	struct test_qemu *q = calloc(1, sizeof(*q));
	struct spawn_options opts = {.stdout_fd = -1, .stderr_fd = 2, .die_with_parent = true};
	cleanup_error hull_error_t err = NULL;
	char qmp_arg[200], *argv[32];
	size_t n = 0;

	assert_non_null(q);
	strcpy(q->dir, "/tmp/hull-qemu-XXXXXX");
	assert_non_null(mkdtemp(q->dir));
	snprintf(q->socket, sizeof(q->socket), "%s/qmp.sock", q->dir);
	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server=on,wait=off", q->socket);
	argv[n++] = "/usr/bin/qemu-system-x86_64";
	for (; args[n - 1] && n < 28; n++)
		argv[n] = (char *)args[n - 1];
	argv[n++] = "-qmp";
	argv[n++] = qmp_arg;
	argv[n] = NULL;
	if (spawn_program(argv, &opts, &q->pid, &err) < 0)
		fail_msg("%s", err->msg);
	if (qmp_connect(q->socket, 10000, &q->qmp, &err) < 0)
		fail_msg("%s", err->msg);
	return q;
}

void test_qemu_stop(struct test_qemu *q)
{
	int status;

	if (q == NULL)
		return;
	qmp_close(q->qmp);
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, &status, 0);
	}
	unlink(q->socket);
	rmdir(q->dir);
	free(q);
}
