/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull-agent: PID 1 of the guest (after vmm/guest/init has loaded the
 * virtio modules).  It serves the host over one virtio-serial port with the
 * protocol of docs/agent-protocol.md.  It can also run on the host with
 * --channel-fd N, which is how its tests drive it without a VM.
 */
#ifndef HULL_VMM_AGENT_AGENT_H
#define HULL_VMM_AGENT_AGENT_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

#define AGENT_MAX_PROCESSES 64

struct agent_process {
	char *id; /* the host's name for it ("init", "exec-1", ...) */
	pid_t pid;
	int stdin_fd;  /* -1 once closed */
	int stdout_fd; /* pty master when terminal, else a pipe; -1 at EOF */
	int stderr_fd; /* -1 with a terminal or at EOF */
	bool exited;
	int status; /* wait status */
};

struct agent {
	int channel;  /* the host connection */
	bool is_init; /* PID 1 of a guest: power off at shutdown */
	bool shutting_down;
	struct agent_process procs[AGENT_MAX_PROCESSES];
};

/* Sends one message to the host; failures are logged (the host may be gone). */
void agent_emit(struct agent *a, json_t *msg);

/* vmm/agent/process.c */
int agent_process_start(struct agent *a, const char *id, json_t *process, const char *root,
                        hull_error_t *err);
struct agent_process *agent_process_find(struct agent *a, const char *id);
int agent_process_write_stdin(struct agent_process *p, const char *b64, hull_error_t *err);
void agent_process_close_stdin(struct agent_process *p);
/* Reads what a process printed and forwards it; called when its fd is readable. */
void agent_process_relay(struct agent *a, struct agent_process *p, int fd);
/* Reaps children (SIGCHLD) and reports processes that exited and are drained. */
void agent_process_reap(struct agent *a);

/*
 * vmm/agent/network.c: "configure_network".  On success *reply holds the
 * reply's results ({"interfaces": [{"mac", "name", "ifindex"}]}).
 */
int agent_configure_network(json_t *req, json_t **reply, hull_error_t *err);

/*
 * vmm/agent/mounts.c: "prepare_container" (rootfs share, OCI mounts,
 * read-only root, hostname).  *reply: {"mounted": [...], "skipped": [...]}.
 */
int agent_prepare_container(json_t *req, json_t **reply, hull_error_t *err);

#endif
