/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/agent_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

int agent_frame_encode(const json_t *msg, uint8_t **out, size_t *out_len, hull_error_t *err)
{
	cleanup_free char *text = json_dumps(msg, JSON_COMPACT);
	size_t len;
	uint8_t *buf;

	if (text == NULL)
		return hull_fail(err, 0, "agent message: cannot encode JSON");
	len = strlen(text);
	if (len > HULL_AGENT_MAX_MSG)
		return hull_fail(err, 0, "agent message: %zu bytes is more than the limit of %u",
		                 len, HULL_AGENT_MAX_MSG);
	buf = malloc(len + 4);
	if (buf == NULL)
		return hull_fail(err, ENOMEM, "agent message");
	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, text, len);
	*out = buf;
	*out_len = len + 4;
	return 0;
}

int agent_send(int fd, const json_t *msg, hull_error_t *err)
{
	cleanup_free uint8_t *buf = NULL;
	size_t len, done = 0;

	if (agent_frame_encode(msg, &buf, &len, err) < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "agent channel: write");
		done += (size_t)n;
	}
	return 0;
}

void agent_reader_init(struct agent_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void agent_reader_release(struct agent_reader *r)
{
	free(r->buf);
	agent_reader_init(r);
}

int agent_reader_feed(struct agent_reader *r, const uint8_t *data, size_t len, hull_error_t *err)
{
	/* Drop what belongs to an oversized message without keeping it. */
	if (r->skip > 0) {
		size_t n = len < r->skip ? len : r->skip;

		r->skip -= n;
		data += n;
		len -= n;
	}
	if (len == 0)
		return 0;
	if (r->len + len > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		uint8_t *buf;

		while (cap < r->len + len)
			cap *= 2;
		buf = realloc(r->buf, cap);
		if (buf == NULL)
			return hull_fail(err, ENOMEM, "agent channel");
		r->buf = buf;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

static void consume(struct agent_reader *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

enum agent_read_result agent_reader_next(struct agent_reader *r, json_t **msg, hull_error_t *err)
{
	json_error_t jerr;
	uint32_t len;
	json_t *j;

	*msg = NULL;
	if (r->len < 4)
		return AGENT_READ_AGAIN;
	len = (uint32_t)r->buf[0] << 24 | (uint32_t)r->buf[1] << 16 | (uint32_t)r->buf[2] << 8 |
	      r->buf[3];
	if (len > HULL_AGENT_MAX_MSG) {
		size_t have = r->len - 4;

		if (have >= len) {
			consume(r, 4 + len);
		} else {
			r->skip = len - have;
			r->len = 0;
		}
		hull_fail(err, 0, "message of %u bytes is more than the limit of %u", len,
		          HULL_AGENT_MAX_MSG);
		return AGENT_READ_ERROR;
	}
	if (r->len - 4 < len)
		return AGENT_READ_AGAIN;
	j = json_loadb((const char *)r->buf + 4, len, JSON_REJECT_DUPLICATES, &jerr);
	consume(r, 4 + len);
	if (j == NULL) {
		hull_fail(err, 0, "malformed message: %s at byte %d", jerr.text, jerr.position);
		return AGENT_READ_ERROR;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		hull_fail(err, 0, "malformed message: not a JSON object");
		return AGENT_READ_ERROR;
	}
	*msg = j;
	return AGENT_READ_MESSAGE;
}

int agent_reader_partial(const struct agent_reader *r)
{
	return r->len > 0 || r->skip > 0;
}
