// SPDX-License-Identifier: Apache-2.0
#include "shim/protobuf.h"

#include <stdlib.h>
#include <string.h>

void pb_writer_release(struct pb_writer *w)
{
	free(w->data);
	*w = (struct pb_writer){0};
}

bool pb_writer_failed(const struct pb_writer *w)
{
	return w->failed;
}

static void put_raw(struct pb_writer *w, const void *data, size_t len)
{
	if (w->failed)
		return;
	if (w->len + len > w->cap) {
		size_t cap = w->cap ? w->cap : 64;
		while (cap < w->len + len)
			cap *= 2;
		uint8_t *grown = realloc(w->data, cap);
		if (!grown) {
			w->failed = true;
			return;
		}
		w->data = grown;
		w->cap = cap;
	}
	if (len)
		memcpy(w->data + w->len, data, len);
	w->len += len;
}

static void put_varint(struct pb_writer *w, uint64_t value)
{
	uint8_t buf[10];
	size_t n = 0;
	do {
		buf[n] = value & 0x7f;
		value >>= 7;
		if (value)
			buf[n] |= 0x80;
		n++;
	} while (value);
	put_raw(w, buf, n);
}

static void put_tag(struct pb_writer *w, uint32_t field, enum pb_wire_type type)
{
	put_varint(w, ((uint64_t)field << 3) | type);
}

void pb_put_uint64(struct pb_writer *w, uint32_t field, uint64_t value)
{
	if (!value)
		return;
	put_tag(w, field, PB_VARINT);
	put_varint(w, value);
}

/* int64 and int32 (negative ones as ten-byte varints, as protobuf does). */
void pb_put_int64(struct pb_writer *w, uint32_t field, int64_t value)
{
	pb_put_uint64(w, field, (uint64_t)value);
}

void pb_put_bool(struct pb_writer *w, uint32_t field, bool value)
{
	pb_put_uint64(w, field, value ? 1 : 0);
}

void pb_put_bytes(struct pb_writer *w, uint32_t field, const void *data, size_t len)
{
	if (!len)
		return;
	put_tag(w, field, PB_BYTES);
	put_varint(w, len);
	put_raw(w, data, len);
}

void pb_put_string(struct pb_writer *w, uint32_t field, const char *value)
{
	if (value)
		pb_put_bytes(w, field, value, strlen(value));
}

void pb_put_message(struct pb_writer *w, uint32_t field, const struct pb_writer *msg)
{
	if (msg->failed) {
		w->failed = true;
		return;
	}
	put_tag(w, field, PB_BYTES);
	put_varint(w, msg->len);
	put_raw(w, msg->data, msg->len);
}

void pb_put_any(struct pb_writer *w, uint32_t field, const char *type_url,
                const struct pb_writer *value)
{
	struct pb_writer any = {0};
	pb_put_string(&any, 1, type_url);
	if (value->failed)
		any.failed = true;
	else
		pb_put_bytes(&any, 2, value->data, value->len);
	pb_put_message(w, field, &any);
	pb_writer_release(&any);
}

void pb_put_timestamp(struct pb_writer *w, uint32_t field, int64_t seconds, int32_t nanos)
{
	struct pb_writer ts = {0};
	pb_put_int64(&ts, 1, seconds);
	pb_put_int64(&ts, 2, nanos);
	pb_put_message(w, field, &ts);
	pb_writer_release(&ts);
}

void pb_reader_init(struct pb_reader *r, const void *data, size_t len)
{
	r->pos = data;
	r->end = r->pos + len;
}

static int get_varint(struct pb_reader *r, uint64_t *value)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->pos >= r->end)
			return -1;
		uint8_t b = *r->pos++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*value = v;
			return 0;
		}
	}
	return -1;
}

int pb_next(struct pb_reader *r, struct pb_field *field)
{
	uint64_t tag;
	if (r->pos >= r->end)
		return 0;
	if (get_varint(r, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
		return -1;
	*field = (struct pb_field){.number = (uint32_t)(tag >> 3), .type = tag & 7};
	switch (field->type) {
	case PB_VARINT:
		return get_varint(r, &field->varint) < 0 ? -1 : 1;
	case PB_FIXED64:
	case PB_FIXED32: {
		size_t n = field->type == PB_FIXED64 ? 8 : 4;
		if ((size_t)(r->end - r->pos) < n)
			return -1;
		for (size_t i = 0; i < n; i++)
			field->varint |= (uint64_t)r->pos[i] << (8 * i);
		r->pos += n;
		return 1;
	}
	case PB_BYTES: {
		uint64_t len;
		if (get_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->pos))
			return -1;
		field->data = r->pos;
		field->len = len;
		r->pos += len;
		return 1;
	}
	default: /* groups (3, 4) are not in proto3 */
		return -1;
	}
}

char *pb_field_strdup(const struct pb_field *field)
{
	char *s = malloc(field->len + 1);
	if (!s)
		return NULL;
	if (field->len)
		memcpy(s, field->data, field->len);
	s[field->len] = '\0';
	return s;
}
