/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/tests/helpers_agent_fixture.h"

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The agent's own mount namespace, private, so that its mounts stay out of the host's. */
static int private_mounts(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

static void make_rootfs(const char *root, const char *const *applets, const char *const *dirs)
{
	char path[256], cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/bin && cp /bin/busybox %s/bin/busybox", root, root);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; dirs && dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	for (size_t i = 0; applets[i]; i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", root, applets[i]);
		assert_int_equal(symlink("busybox", path), 0);
	}
}

/* The host's cgroup2 mount: /sys/fs/cgroup, or its "unified" part on a hybrid host. */
static const char *cgroup2_mount(void)
{
	struct stat st;

	if (stat("/sys/fs/cgroup/cgroup.procs", &st) == 0 &&
	    stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		return "/sys/fs/cgroup";
	if (stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

int agent_fixture_setup(void **state, const char *const *applets, const char *const *dirs)
{
	struct agent_fixture *f = calloc(1, sizeof(*f));
	const char *cg = cgroup2_mount();

	assert_non_null(f);
	if (cg == NULL) {
		free(f);
		skip(); /* no cgroup2 on this host */
	}
	/*
	 * Checked before anything is made: cmocka runs no teardown after a
	 * failed setup, and a test run from elsewhere would leave its rootfs
	 * and cgroup behind.
	 */
	if (access("../bin/hull-agent", X_OK) != 0) {
		free(f);
		fail_msg("../bin/hull-agent: %s (run the test from its build directory's tests/)",
		         strerror(errno));
	}
	snprintf(f->root, sizeof(f->root), "/tmp/hull-agent-root.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(chmod(f->root, 0755), 0);
	make_rootfs(f->root, applets, dirs);
	snprintf(f->cgroup, sizeof(f->cgroup), "%s/hull-agent-test-%d", cg, (int)getpid());
	assert_int_equal(mkdir(f->cgroup, 0755), 0);
	f->peer = agent_peer_start_with(private_mounts, NULL, f->cgroup);
	agent_peer_expect_ready(f->peer);
	*state = f;
	return 0;
}

int agent_fixture_teardown(void **state)
{
	struct agent_fixture *f = *state;
	char cmd[512];
	bool gone;
	FILE *k;

	/* The containers' mounts go with their namespaces. */
	agent_peer_stop(f->peer);
	/* Whatever a failed test left in the cgroups dies with them. */
	snprintf(cmd, sizeof(cmd), "%s/cgroup.kill", f->cgroup);
	k = fopen(cmd, "we");
	if (k) {
		fputs("1", k);
		fclose(k);
	}
	/* (a cgroup goes once its killed processes have: up to 5 s) */
	snprintf(cmd, sizeof(cmd), "find %s -depth -type d -exec rmdir {} + 2>/dev/null",
	         f->cgroup);
	for (int i = 0; i < 50 && access(f->cgroup, F_OK) == 0; i++) {
		usleep(100 * 1000);
		(void)!system(cmd);
	}
	gone = access(f->cgroup, F_OK) != 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->root);
	free(f);
	assert_int_equal(system(cmd), 0);
	assert_true(gone);
	return 0;
}
