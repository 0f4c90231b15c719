/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ttrpc, containerd's RPC over a unix socket (github.com/containerd/ttrpc,
 * PROTOCOL.md): frames of a 10-byte header (data length and stream id,
 * big-endian 32 bits each, a message type, flags) and a protobuf message.
 * A request carries {service = 1, method = 2, payload = 3, timeout_nano = 4,
 * metadata = 5}; a response {status = 1 (google.rpc.Status), payload = 2}.
 * Only unary calls: the shim API has no streams.
 */
#ifndef HULL_SHIM_TTRPC_H
#define HULL_SHIM_TTRPC_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "shim/protobuf.h"

#define TTRPC_MAX_DATA (4u << 20) /* frames past 4 MiB are refused, as ttrpc does */

enum ttrpc_message_type {
	TTRPC_REQUEST = 1,
	TTRPC_RESPONSE = 2,
	TTRPC_DATA = 3,
};

/* gRPC status codes that containerd's errdefs maps back to its errors. */
enum ttrpc_code {
	TTRPC_OK = 0,
	TTRPC_UNKNOWN = 2,
	TTRPC_INVALID_ARGUMENT = 3,
	TTRPC_NOT_FOUND = 5,
	TTRPC_ALREADY_EXISTS = 6,
	TTRPC_FAILED_PRECONDITION = 9,
	TTRPC_UNIMPLEMENTED = 12,
	TTRPC_INTERNAL = 13,
	TTRPC_UNAVAILABLE = 14,
};

struct ttrpc_frame {
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
	uint8_t *data; /* malloc'd */
	size_t len;
};

/*
 * Reads one frame.  0 and *frame filled, 1 at a clean end of the
 * connection (no byte of a next frame), -1 with *err otherwise (a frame
 * past TTRPC_MAX_DATA, a connection cut mid-frame).
 */
int ttrpc_read_frame(int fd, struct ttrpc_frame *frame, hull_error_t *err);
void ttrpc_frame_release(struct ttrpc_frame *frame);
/* Writes one frame whole; false with errno on failure. */
bool ttrpc_write_frame(int fd, uint32_t stream_id, uint8_t type, const void *data, size_t len);

struct ttrpc_request {
	char *service;
	char *method;
	const uint8_t *payload; /* into the frame's data */
	size_t payload_len;
};

/* Decodes a request frame's data; -1 with *err for a malformed one. */
int ttrpc_decode_request(const uint8_t *data, size_t len, struct ttrpc_request *req,
                         hull_error_t *err);
void ttrpc_request_release(struct ttrpc_request *req);

/* A response: the payload when code is TTRPC_OK, else the status with message. */
void ttrpc_encode_response(struct pb_writer *out, enum ttrpc_code code, const char *message,
                           const struct pb_writer *payload);

/*
 * One unary call on a connected socket, waiting up to timeout_ms for the
 * response.  A non-OK status fails with "<service>/<method>: <message>".
 * The response payload is dropped (the events service returns Empty).
 */
int ttrpc_call(int fd, uint32_t stream_id, const char *service, const char *method,
               const struct pb_writer *payload, int timeout_ms, hull_error_t *err);

#endif
