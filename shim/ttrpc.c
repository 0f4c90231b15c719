// SPDX-License-Identifier: Apache-2.0
#include "shim/ttrpc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"

#define HEADER_LEN 10

/* Reads exactly len bytes; 0, or 1 at end of file before the first byte, -1 (errno). */
static int read_exact(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (done == 0)
				return 1;
			errno = EPIPE;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

int ttrpc_read_frame(int fd, struct ttrpc_frame *frame, hull_error_t *err)
{
	uint8_t header[HEADER_LEN];
	int rc = read_exact(fd, header, sizeof(header));
	if (rc == 1)
		return 1;
	if (rc < 0)
		return hull_fail(err, errno, "ttrpc: read frame header");
	uint32_t len = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 |
	               (uint32_t)header[2] << 8 | header[3];
	if (len > TTRPC_MAX_DATA)
		return hull_fail(err, 0, "ttrpc: frame of %u bytes is more than the limit (%u)",
		                 len, TTRPC_MAX_DATA);
	*frame = (struct ttrpc_frame){
	    .stream_id = (uint32_t)header[4] << 24 | (uint32_t)header[5] << 16 |
	                 (uint32_t)header[6] << 8 | header[7],
	    .type = header[8],
	    .flags = header[9],
	    .len = len,
	};
	frame->data = malloc(len ? len : 1);
	if (!frame->data)
		return hull_fail(err, ENOMEM, "ttrpc: frame of %u bytes", len);
	if (len && read_exact(fd, frame->data, len) != 0) {
		int e = errno ? errno : EPIPE;
		ttrpc_frame_release(frame);
		return hull_fail(err, e, "ttrpc: read frame of %u bytes", len);
	}
	return 0;
}

void ttrpc_frame_release(struct ttrpc_frame *frame)
{
	free(frame->data);
	frame->data = NULL;
}

bool ttrpc_write_frame(int fd, uint32_t stream_id, uint8_t type, const void *data, size_t len)
{
	if (len > TTRPC_MAX_DATA) {
		errno = EMSGSIZE;
		return false;
	}
	cleanup_free uint8_t *frame = malloc(HEADER_LEN + len);
	if (!frame)
		return false;
	frame[0] = len >> 24;
	frame[1] = len >> 16;
	frame[2] = len >> 8;
	frame[3] = len;
	frame[4] = stream_id >> 24;
	frame[5] = stream_id >> 16;
	frame[6] = stream_id >> 8;
	frame[7] = stream_id;
	frame[8] = type;
	frame[9] = 0;
	if (len)
		memcpy(frame + HEADER_LEN, data, len);
	/* One frame at a time (several threads answering on one connection
	 * hold a lock), and MSG_NOSIGNAL: a peer gone is an error, not SIGPIPE. */
	size_t done = 0;
	while (done < HEADER_LEN + len) {
		ssize_t n = send(fd, frame + done, HEADER_LEN + len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

int ttrpc_decode_request(const uint8_t *data, size_t len, struct ttrpc_request *req,
                         hull_error_t *err)
{
	struct pb_reader r;
	struct pb_field f;
	int rc;

	*req = (struct ttrpc_request){0};
	pb_reader_init(&r, data, len);
	while ((rc = pb_next(&r, &f)) > 0) {
		if (f.type != PB_BYTES)
			continue;
		if (f.number == 1 && !req->service)
			req->service = pb_field_strdup(&f);
		else if (f.number == 2 && !req->method)
			req->method = pb_field_strdup(&f);
		else if (f.number == 3) {
			req->payload = f.data;
			req->payload_len = f.len;
		}
	}
	if (rc < 0 || !req->service || !req->method) {
		ttrpc_request_release(req);
		return hull_fail(err, 0, "ttrpc: malformed request");
	}
	return 0;
}

void ttrpc_request_release(struct ttrpc_request *req)
{
	free(req->service);
	free(req->method);
	*req = (struct ttrpc_request){0};
}

void ttrpc_encode_response(struct pb_writer *out, enum ttrpc_code code, const char *message,
                           const struct pb_writer *payload)
{
	if (code != TTRPC_OK) {
		struct pb_writer status = {0};
		pb_put_uint64(&status, 1, code);
		pb_put_string(&status, 2, message);
		pb_put_message(out, 1, &status);
		pb_writer_release(&status);
		return;
	}
	if (payload && payload->failed)
		out->failed = true;
	else if (payload)
		pb_put_bytes(out, 2, payload->data, payload->len);
}

/* The status of a response: 0 for OK, else its code with *message set (malloc'd). */
static int response_status(const struct ttrpc_frame *frame, char **message)
{
	struct pb_reader r, s;
	struct pb_field f, g;
	int code = 0;

	pb_reader_init(&r, frame->data, frame->len);
	while (pb_next(&r, &f) > 0) {
		if (f.number != 1 || f.type != PB_BYTES)
			continue;
		pb_reader_init(&s, f.data, f.len);
		while (pb_next(&s, &g) > 0) {
			if (g.number == 1 && g.type == PB_VARINT)
				code = (int)g.varint;
			else if (g.number == 2 && g.type == PB_BYTES && !*message)
				*message = pb_field_strdup(&g);
		}
	}
	return code;
}

int ttrpc_call(int fd, uint32_t stream_id, const char *service, const char *method,
               const struct pb_writer *payload, int timeout_ms, hull_error_t *err)
{
	struct pb_writer req = {0};
	pb_put_string(&req, 1, service);
	pb_put_string(&req, 2, method);
	pb_put_bytes(&req, 3, payload->data, payload->len);
	pb_put_int64(&req, 4, (int64_t)timeout_ms * 1000000);
	if (pb_writer_failed(&req) || payload->failed) {
		pb_writer_release(&req);
		return hull_fail(err, ENOMEM, "%s/%s", service, method);
	}
	bool sent = ttrpc_write_frame(fd, stream_id, TTRPC_REQUEST, req.data, req.len);
	pb_writer_release(&req);
	if (!sent)
		return hull_fail(err, errno, "%s/%s: send", service, method);

	/* One deadline for the call: frames of other streams do not extend it. */
	long long deadline = hull_now_ms() + timeout_ms;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long long left = deadline - hull_now_ms();
		int n = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hull_fail(err, n == 0 ? ETIMEDOUT : errno, "%s/%s: no response",
			                 service, method);
		struct ttrpc_frame frame;
		int rc = ttrpc_read_frame(fd, &frame, err);
		if (rc == 1)
			return hull_fail(err, EPIPE, "%s/%s: connection closed", service, method);
		if (rc < 0)
			return hull_error_prefix(err, "%s/%s", service, method);
		if (frame.stream_id != stream_id || frame.type != TTRPC_RESPONSE) {
			ttrpc_frame_release(&frame);
			continue;
		}
		cleanup_free char *message = NULL;
		int code = response_status(&frame, &message);
		ttrpc_frame_release(&frame);
		if (code != TTRPC_OK)
			return hull_fail(err, 0, "%s/%s: %s (code %d)", service, method,
			                 message ? message : "error", code);
		return 0;
	}
}
