/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cmocka fixture for tests of the agent's containers against the real
 * kernel: the agent (helpers_agent_peer.h) runs on the host in a private
 * mount namespace of its own, its containers' cgroups under a cgroup of
 * the test's (on the host's cgroup2 hierarchy), with a temporary rootfs
 * holding a static busybox.
 */
#ifndef HULL_VMM_TESTS_HELPERS_AGENT_FIXTURE_H
#define HULL_VMM_TESTS_HELPERS_AGENT_FIXTURE_H

#include "vmm/tests/helpers_agent_peer.h"

struct agent_fixture {
	struct agent_peer *peer;
	char root[64];
	char cgroup[256]; /* the agent's --cgroup-parent */
};

/*
 * Makes the rootfs (mode 0755, so that a non-root user's process can
 * enter it): /bin/busybox with a link to it for each of applets and an
 * empty directory for each of dirs (both NULL-terminated; dirs may be
 * NULL); makes the cgroup; starts the agent and waits for its "ready".
 * *state becomes the struct agent_fixture.  Skips the test on a host
 * without cgroup2.
 */
int agent_fixture_setup(void **state, const char *const *applets, const char *const *dirs);

/*
 * Stops the agent, kills what a failed test left in the cgroups, removes
 * them (failing if they stay 5 s) and the rootfs, and frees the fixture.
 */
int agent_fixture_teardown(void **state);

#endif
