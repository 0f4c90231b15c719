/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's control socket, <state root>/<id>/monitor.sock: later hull
 * commands (start, kill, ...) send one JSON request per connection and
 * read one JSON reply: {"ok": true, ...} or {"error": "..."}.
 */
#ifndef HULL_RUNTIME_CONTROL_H
#define HULL_RUNTIME_CONTROL_H

#include <jansson.h>

#include "common/error.h"

#define CONTROL_SOCKET_NAME "monitor.sock"

/* Listening socket at path (replacing a stale one). */
int control_listen(const char *path, hull_error_t *err);

/* Sends req (borrowed) to the monitor listening at path; *reply on success. */
int control_call(const char *path, json_t *req, json_t **reply, int timeout_ms, hull_error_t *err);

/*
 * A session (exec): sends req (borrowed) and returns the connection, on
 * which every later message, the reply first, is a frame of
 * vmm/agent_proto.h in both directions.
 */
int control_open_session(const char *path, json_t *req, hull_error_t *err);

/* One message as a line (waits up to 2 s for room); -1 when it could not go. */
int control_send(int fd, const json_t *msg);

/* Monitor side: reads one request from a new connection (timeout 2 s). */
int control_read_request(int conn, json_t **req, hull_error_t *err);
/* Monitor side: writes the reply (stolen) and closes conn. */
void control_reply(int conn, json_t *reply);

#endif
