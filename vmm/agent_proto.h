/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The framing of hull's agent protocol (docs/agent-protocol.md), shared by
 * the host (vmm/) and the guest agent (vmm/agent/): every message is a
 * 4-byte big-endian length followed by that many bytes of one JSON object.
 *
 * The reader is incremental and never trusts the peer: a length above
 * HULL_AGENT_MAX_MSG is skipped without being buffered, and a message that
 * is not a JSON object is reported; in both cases the reader stays in step
 * with the stream, so the caller can answer with an error and go on.
 */
#ifndef HULL_VMM_AGENT_PROTO_H
#define HULL_VMM_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

#define HULL_AGENT_PROTO_VERSION 1
#define HULL_AGENT_MAX_MSG (1u << 20)
/* The virtio-serial port name the agent listens on. */
#define HULL_AGENT_PORT_NAME "hull.agent"

/* Encodes msg with its length prefix into a malloc'd buffer. */
int agent_frame_encode(const json_t *msg, uint8_t **out, size_t *out_len, hull_error_t *err);

/* Writes one framed message to fd (blocking, retries short writes). */
int agent_send(int fd, const json_t *msg, hull_error_t *err);

struct agent_reader {
	uint8_t *buf;
	size_t len, cap;
	size_t skip; /* bytes of an oversized message still to discard */
};

enum agent_read_result {
	AGENT_READ_ERROR = -1,  /* the message was bad: *err says why; go on */
	AGENT_READ_AGAIN = 0,   /* no complete message buffered yet */
	AGENT_READ_MESSAGE = 1, /* *msg holds one message (caller owns it) */
};

void agent_reader_init(struct agent_reader *r);
void agent_reader_release(struct agent_reader *r);

/* Appends bytes received from the peer. */
int agent_reader_feed(struct agent_reader *r, const uint8_t *data, size_t len, hull_error_t *err);

/* Takes the next message out of what was fed, if complete. */
enum agent_read_result agent_reader_next(struct agent_reader *r, json_t **msg, hull_error_t *err);

/* True when a message has begun but not all of it has arrived. */
int agent_reader_partial(const struct agent_reader *r);

#endif
