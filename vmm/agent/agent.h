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

#define AGENT_MAX_CONTAINERS 32

struct seccomp_plan;
/* Containers' cgroups in the guest (vmm/guest/init mounts cgroup2 there). */
#define AGENT_CGROUP_PARENT "/sys/fs/cgroup/hull"

/* A container set up by create_container (vmm/agent/container.c). */
struct agent_container {
	char *id;
	char *process_id; /* its first process's slot in procs */
	pid_t pid;
	int sync_fd;  /* to its first process until it execs; -1 after */
	char *cgroup; /* its cgroup's path */
	bool started;
	unsigned long ns_all;         /* CLONE_NEW* it has, new or joined */
	struct seccomp_plan *seccomp; /* its filter, for its execs too */
	int oom_watch;                /* inotify watch of its memory.events; 0: none */
	long long oom_kills;          /* its oom_kill count last seen; -1: none */
};

struct agent {
	int channel;               /* the host connection */
	const char *cgroup_parent; /* where containers' cgroups go */
	char *share_root;          /* where the virtio-fs share is mounted */
	struct agent_container ctrs[AGENT_MAX_CONTAINERS];
	bool is_init; /* PID 1 of a guest: power off at shutdown */
	bool shutting_down;
	struct agent_process procs[AGENT_MAX_PROCESSES];
	int oom_fd; /* inotify of the containers' memory.events (vmm/agent/oom.c); -1: none */
};

/* Sends one message to the host; failures are logged (the host may be gone). */
void agent_emit(struct agent *a, json_t *msg);

/*
 * vmm/agent/process.c.  A new process's stdio: three pipes, or with a
 * terminal a pty whose slave side is in[0] and whose other end is master.
 */
struct agent_stdio {
	int in[2], out[2], err[2];
	int master;
};
#define AGENT_STDIO_INIT                                                                           \
	{                                                                                          \
		.in = {-1, -1}, .out = {-1, -1}, .err = {-1, -1}, .master = -1                     \
	}

int agent_stdio_open(struct agent_stdio *s, bool terminal);
void agent_stdio_close(struct agent_stdio *s);
/* In the child: stdio on 0-2, every other fd but keep_fd closed, no signal blocked. */
void agent_stdio_child(struct agent_stdio *s, bool terminal, int keep_fd);

/* A free slot for a new process named id (unique), or NULL with err set. */
struct agent_process *agent_process_slot(struct agent *a, const char *id, hull_error_t *err);
/* The slot takes the host's ends of the process's stdio (s keeps the rest). */
void agent_process_fill(struct agent_process *slot, const char *id, pid_t pid,
                        struct agent_stdio *s, bool terminal);

int agent_process_start(struct agent *a, const char *id, json_t *process, const char *root,
                        hull_error_t *err);
struct agent_process *agent_process_find(struct agent *a, const char *id);
int agent_process_write_stdin(struct agent_process *p, const char *b64, hull_error_t *err);
void agent_process_close_stdin(struct agent_process *p);
/* The window size of a process's terminal. */
int agent_process_resize(struct agent_process *p, unsigned rows, unsigned cols, hull_error_t *err);
/* Stops reading one of its streams: its next write there fails with EPIPE. */
void agent_process_close_output(struct agent *a, struct agent_process *p, bool stderr_stream);
/* Reads what a process printed and forwards it; called when its fd is readable. */
void agent_process_relay(struct agent *a, struct agent_process *p, int fd);
/* Reaps children (SIGCHLD) and reports processes that exited and are drained. */
void agent_process_reap(struct agent *a);

/*
 * vmm/agent/container.c: "create_container" sets a container up to the
 * point of exec (reply {"pid", "skipped", "unknown_syscalls"}),
 * "start_container" lets it exec.
 */
int agent_container_create(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);
int agent_container_start(struct agent *a, json_t *req, hull_error_t *err);
/* "exec": a further process in a started container (reply {"pid"}). */
int agent_container_exec(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);
/* Called when a process's exit has been reported: its container, if any, goes. */
void agent_container_exited(struct agent *a, const char *process_id);

/*
 * vmm/agent/network.c: "configure_network".  On success *reply holds the
 * reply's results ({"interfaces": [{"mac", "name", "ifindex"}]}).
 */
int agent_configure_network(json_t *req, json_t **reply, hull_error_t *err);

/*
 * vmm/agent/oom.c: OOM kills in a container's cgroup, each rise of its
 * memory.events oom_kill sent as {"event": "oom", "container_id"}.
 */
int agent_oom_init(void); /* the inotify fd for a->oom_fd, or -1 */
/* Starts watching a new container's memory.events (its cgroup made). */
void agent_oom_watch(struct agent *a, struct agent_container *ctr);
/* Sends an "oom" event if the container's count went up since last seen. */
void agent_oom_check(struct agent *a, struct agent_container *ctr);
void agent_oom_unwatch(struct agent *a, struct agent_container *ctr);
/* a->oom_fd is readable: every watched container is checked. */
void agent_oom_serve(struct agent *a);

#endif
