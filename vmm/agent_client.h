/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's end of the agent protocol (docs/agent-protocol.md): connect
 * to the unix socket of the VM's virtio-serial port, wait for the agent,
 * call requests, and receive events (process output and exits).
 */
#ifndef HULL_VMM_AGENT_CLIENT_H
#define HULL_VMM_AGENT_CLIENT_H

#include <jansson.h>

#include "common/error.h"

struct agent_client;

/* Connects, retrying until timeout_ms while QEMU has not made the socket. */
int agent_client_connect(const char *socket_path, int timeout_ms, struct agent_client **out,
                         hull_error_t *err);
void agent_client_close(struct agent_client *c);

/* Waits until the agent answers (its "ready" event or a ping reply). */
int agent_client_wait_ready(struct agent_client *c, int timeout_ms, hull_error_t *err);

/*
 * Sends req (borrowed; an "id" is added) and waits for its reply.  An
 * error reply becomes a hull error carrying the agent's message.  Events
 * that arrive meanwhile are kept for agent_client_next_event().
 */
int agent_client_call(struct agent_client *c, json_t *req, json_t **reply, int timeout_ms,
                      hull_error_t *err);

/* 1 and *event when one arrived within timeout_ms (-1: forever), 0 on timeout. */
int agent_client_next_event(struct agent_client *c, int timeout_ms, json_t **event,
                            hull_error_t *err);

/* For poll(): readable when agent_client_next_event() may have something. */
int agent_client_fd(const struct agent_client *c);
/*
 * True when events are queued already (poll would not say so): those a
 * call received, and those read along with the last message, still in
 * the reader (a fast exec's output and exit come with its reply).
 */
int agent_client_has_events(struct agent_client *c);

#endif
