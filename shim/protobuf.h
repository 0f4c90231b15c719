/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protocol-buffers wire format, as much of it as the containerd shim
 * API needs: varints, 64-bit and length-delimited fields (strings, bytes,
 * nested messages, google.protobuf.Any).  Messages are written field by
 * field into a growing buffer and read back with a field iterator, so the
 * shim needs no generated code and no protobuf library.
 */
#ifndef HULL_SHIM_PROTOBUF_H
#define HULL_SHIM_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pb_wire_type {
	PB_VARINT = 0,
	PB_FIXED64 = 1,
	PB_BYTES = 2,
	PB_FIXED32 = 5,
};

/* A message being written.  An allocation failure is remembered in failed
 * and reported once by the caller (pb_writer_failed), not per field. */
struct pb_writer {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool failed;
};

void pb_writer_release(struct pb_writer *w);
bool pb_writer_failed(const struct pb_writer *w);

/* proto3 leaves zero values and empty strings out; so do these. */
void pb_put_uint64(struct pb_writer *w, uint32_t field, uint64_t value);
void pb_put_int64(struct pb_writer *w, uint32_t field, int64_t value);
void pb_put_bool(struct pb_writer *w, uint32_t field, bool value);
void pb_put_string(struct pb_writer *w, uint32_t field, const char *value);
void pb_put_bytes(struct pb_writer *w, uint32_t field, const void *data, size_t len);
/* A nested message, written even when empty (a present sub-message). */
void pb_put_message(struct pb_writer *w, uint32_t field, const struct pb_writer *msg);
/* A google.protobuf.Any {type_url = 1, value = 2}. */
void pb_put_any(struct pb_writer *w, uint32_t field, const char *type_url,
                const struct pb_writer *value);
/* A google.protobuf.Timestamp {seconds = 1, nanos = 2} of a CLOCK_REALTIME time. */
void pb_put_timestamp(struct pb_writer *w, uint32_t field, int64_t seconds, int32_t nanos);

/* One field read from a message. */
struct pb_field {
	uint32_t number;
	enum pb_wire_type type;
	uint64_t varint;     /* PB_VARINT, PB_FIXED64, PB_FIXED32 */
	const uint8_t *data; /* PB_BYTES */
	size_t len;
};

struct pb_reader {
	const uint8_t *pos;
	const uint8_t *end;
};

void pb_reader_init(struct pb_reader *r, const void *data, size_t len);
/*
 * The next field: 1 and *field filled, 0 at the end of the message, -1 for
 * a malformed message (a truncated varint or length, a group, a field 0).
 */
int pb_next(struct pb_reader *r, struct pb_field *field);
/* A PB_BYTES field as a malloc'd NUL-terminated string (NULL when out of memory). */
char *pb_field_strdup(const struct pb_field *field);

#endif
