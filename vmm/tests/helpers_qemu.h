/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real QEMU with no guest, for tests of the QMP side: started with the
 * given machine arguments plus a QMP socket in a temporary directory, and
 * connected.  Failures are cmocka assertions.
 */
#ifndef HULL_VMM_TESTS_HELPERS_QEMU_H
#define HULL_VMM_TESTS_HELPERS_QEMU_H

#include <sys/types.h>

#include "vmm/qmp.h"

struct test_qemu {
	char dir[64];
	char socket[128];
	pid_t pid; /* 0 once it has been waited for */
	struct qmp *qmp;
};

/* args: QEMU's arguments before -qmp, NULL-terminated. */
struct test_qemu *test_qemu_start(const char *const *args);

/* Kills QEMU if it still runs, removes the directory, frees q. */
void test_qemu_stop(struct test_qemu *q);

#endif
