/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's side of the agent protocol, for tests: start the real agent
 * (../bin/hull-agent relative to the test's folder) on a socketpair with
 * --channel-fd, send requests, read replies and events.  Failures are
 * cmocka assertions.
 */
#ifndef HULL_VMM_TESTS_HELPERS_AGENT_PEER_H
#define HULL_VMM_TESTS_HELPERS_AGENT_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "vmm/agent_proto.h"

struct agent_peer {
	pid_t pid;
	int fd;
	struct agent_reader reader;
	int next_id;
	json_t *pending; /* events that arrived while a call waited for its reply */
};

/*
 * Forks and execs the agent.  setup (may be NULL) runs in the child just
 * before the exec, e.g. to enter namespaces of its own; when it returns
 * < 0 the child exits 126.  The child dies with the test (PDEATHSIG).
 */
struct agent_peer *agent_peer_start(int (*setup)(void *arg), void *arg);
/* The same, with the agent's containers' cgroups under cgroup_parent. */
struct agent_peer *agent_peer_start_with(int (*setup)(void *arg), void *arg,
                                         const char *cgroup_parent);

/* Kills the agent (if still running) and frees p. */
void agent_peer_stop(struct agent_peer *p);

/* The next message from the agent (caller owns it); fails after 10 s. */
json_t *agent_peer_next(struct agent_peer *p);

/* Sends req (taking ownership), returns the reply with its id. */
json_t *agent_peer_call(struct agent_peer *p, json_t *req);

void agent_peer_expect_ready(struct agent_peer *p);
void agent_peer_expect_ping(struct agent_peer *p);

/* Asserts that reply (consumed) is ok; returns nothing. */
void agent_peer_expect_ok(json_t *reply);

/* Asserts that reply (consumed) is an error whose text is exactly `expected`. */
void agent_peer_expect_error(json_t *reply, const char *expected);

/*
 * Collects process id's output until its exit event; returns its exit
 * status.  out and errs are NUL-terminated (either may be NULL).
 */
int agent_peer_collect(struct agent_peer *p, const char *id, char *out, size_t out_size, char *errs,
                       size_t errs_size);

/*
 * Starts argv (NULL-terminated) as process id, chrooted into root when
 * root is not NULL, with PATH=/usr/sbin:/usr/bin:/sbin:/bin, and collects
 * it as agent_peer_collect does.
 */
int agent_peer_run(struct agent_peer *p, const char *id, const char *root, const char *const *argv,
                   char *out, size_t out_size, char *errs, size_t errs_size);

#endif
