/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's own parts: its state (runtime/monitor.c runs the loop),
 * and the requests later hull commands send it over the control socket
 * (runtime/monitor_control.c).
 */
#ifndef HULL_RUNTIME_MONITOR_INTERNAL_H
#define HULL_RUNTIME_MONITOR_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <poll.h>
#include <sys/types.h>

#include "persist/state.h"
#include "persist/store.h"
#include "runtime/monitor.h"
#include "runtime/sandbox.h"
#include "vmm/agent_proto.h"

#define MONITOR_MAX_EXECS 32

/* How long the monitor waits for the agent's answer to one request. */
#define MONITOR_AGENT_TIMEOUT_MS 10000

/*
 * A relay connected to the monitor (runtime/monitor_exec.c): a `hull exec`
 * process's, or a pod member's (an app container in this sandbox's VM,
 * runtime/monitor_pod.c), whose process is that container's first.
 */
struct exec_session {
	int conn; /* -1: a free slot */
	char process_id[80];
	char container_id[80]; /* the container the process runs in */
	bool member;           /* the process is container_id's first */
	struct agent_reader reader;
};

#define MONITOR_MAX_SUBSCRIBERS 40

/* A `hull events` stream (runtime/monitor_events.c). */
struct event_subscriber {
	int conn; /* -1: a free slot */
	char container_id[80];
};

struct monitor {
	struct monitor_options *o;
	struct hull_state_ref state; /* where net/ records the endpoints */
	struct sandbox sb;
	int control_fd;
	int signal_fd;
	bool started;
	bool stdin_open;
	bool stdout_closed, stderr_closed; /* their readers went away */
	bool finished;
	int exit_status;
	unsigned rows, cols; /* the terminal's size the guest last got */
	struct exec_session execs[MONITOR_MAX_EXECS];
	unsigned next_exec;
	struct event_subscriber subscribers[MONITOR_MAX_SUBSCRIBERS];
	struct proc_view *view; /* the container's /proc for `podman top`; NULL: none */
	char control_path[PATH_MAX];
};

/* Records the container's status (and its pid, when pid >= 0). */
void monitor_set_status(struct monitor *m, enum hull_status status, pid_t pid);

/* Sends sig to the container's process (created or running). */
int monitor_signal_container(struct monitor *m, int sig, hull_error_t *err);

/* A control handler's return when it keeps the connection (see monitor_control.c). */
#define MONITOR_KEEP_CONN 1

/* With a terminal: passes its window size on when it changed. */
void monitor_check_size(struct monitor *m);

/* Serves one connection on the control socket. */
void monitor_handle_control(struct monitor *m);

/* runtime/monitor_exec.c */
void monitor_exec_init(struct monitor *m);
void monitor_exec_close_all(struct monitor *m);
/* The "exec" control request: takes conn over as the session's. */
int monitor_op_exec(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err);
/* The sessions' fds for poll (owner[i] is fds[i]'s); returns how many. */
size_t monitor_exec_poll_fds(struct monitor *m, struct pollfd *fds, struct exec_session **owner);
/* A session's fd is readable. */
void monitor_exec_serve(struct monitor *m, struct exec_session *s);
/* An agent event: true when it was an exec's (passed on to its relay, if any). */
bool monitor_exec_event(struct monitor *m, json_t *ev);
/* The relay went away: its process is killed, the session closed. */
void monitor_exec_lost(struct monitor *m, struct exec_session *s);
/* The session of pod member id, or NULL. */
struct exec_session *monitor_member(struct monitor *m, const char *id);
/* A free session slot, or NULL. */
struct exec_session *monitor_free_session(struct monitor *m);
/* Sends the session's first frame (stolen); the session owns conn afterwards. */
void monitor_session_open(struct monitor *m, struct exec_session *s, int conn, json_t *first);

/*
 * The container a request is for: its "container_id" (this sandbox's own,
 * or a pod member's), else this sandbox's.  NULL (err set) for another.
 */
const char *monitor_target(struct monitor *m, json_t *req, hull_error_t *err);
/* Records a pod member's status in its own state. */
void monitor_set_member_status(struct monitor *m, const char *id, enum hull_status status);

/* runtime/monitor_pod.c: "add_container" (a session, as exec's) and "remove_container". */
int monitor_op_add_container(struct monitor *m, int conn, json_t *req, json_t **reply,
                             hull_error_t *err);
int monitor_op_remove_container(struct monitor *m, int conn, json_t *req, json_t **reply,
                                hull_error_t *err);

/*
 * runtime/monitor_events.c: `hull events` subscribers.  "events" takes
 * conn over; each of the container's agent events (an "oom") is passed on
 * as a line; the connection closes when the container stops.
 */
void monitor_events_init(struct monitor *m);
int monitor_op_events(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err);
void monitor_events_publish(struct monitor *m, const char *container_id, json_t *ev);
/* Ends the streams of container_id (NULL: all). */
void monitor_events_close(struct monitor *m, const char *container_id);
size_t monitor_events_poll_fds(struct monitor *m, struct pollfd *fds,
                               struct event_subscriber **owner);
/* A subscriber's connection is readable: it went away. */
void monitor_events_serve(struct event_subscriber *s);

#endif
