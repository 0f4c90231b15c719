/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of a process exec'd in the guest (runtime/cmd_exec.c): it
 * lives as long as that process, relays its stdio over the monitor's
 * session (runtime/monitor_exec.c), passes on the signals it gets and its
 * terminal's window size, and ends with the process's status.
 */
#ifndef HULL_RUNTIME_EXEC_RELAY_H
#define HULL_RUNTIME_EXEC_RELAY_H

#include <stdbool.h>

#include <jansson.h>

#include "common/error.h"
#include "vmm/agent_proto.h"

struct exec_relay {
	int conn;   /* the session, its reply already read */
	int in_fd;  /* the process's stdin comes from here (-1: none) */
	int out_fd; /* its stdout (and, with a terminal, everything) goes here */
	int err_fd;
	int tty_fd;                 /* the terminal whose size is the process's, or -1 */
	struct agent_reader reader; /* the session's frames: what came after the reply */
};

/*
 * Reads conn's next agent-protocol frame into *msg (the caller's) within
 * timeout_ms; the frames that came with it stay in reader.  Errors are
 * named by op.
 */
int exec_relay_read_frame(int conn, struct agent_reader *reader, int timeout_ms, const char *op,
                          json_t **msg, hull_error_t *err);

/*
 * Opens a session to the monitor at monitor_socket with req (borrowed) and
 * reads its reply: r->conn and r->reader are then set.  An error reply is
 * the error.
 */
int exec_relay_open(const char *monitor_socket, json_t *req, struct exec_relay *r,
                    hull_error_t *err);

/* Relays until the process exits: returns its status (128+N when signal N
 * killed it), or 128+SIGKILL when the sandbox went away first.
 */
int exec_relay_run(struct exec_relay *r);

#endif
