/* SPDX-License-Identifier: Apache-2.0 */
#include "shim/tests/helpers_wire.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void hex(char *out, size_t size, const uint8_t *p, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && used + 4 < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%02x", i ? " " : "", p[i]);
	if (used + 4 >= size)
		snprintf(out + size - 4, 4, "...");
}

void wire_expect_bytes(const void *got, size_t got_len, const void *want, size_t want_len)
{
	char g[512], w[512];

	if (got_len == want_len && (!want_len || !memcmp(got, want, want_len)))
		return;
	hex(g, sizeof(g), got, got_len);
	hex(w, sizeof(w), want, want_len);
	fail_msg("bytes differ\n  got  (%zu): %s\n  want (%zu): %s", got_len, g, want_len, w);
}

void wire_msg_read(struct wire_msg *m, const void *data, size_t len)
{
	struct pb_reader r;
	int rc;

	m->n = 0;
	pb_reader_init(&r, data, len);
	while ((rc = pb_next(&r, &m->fields[m->n])) > 0) {
		if (++m->n == WIRE_MAX_FIELDS)
			fail_msg("more than %d fields", WIRE_MAX_FIELDS);
	}
	if (rc < 0)
		fail_msg("malformed message after %zu fields", m->n);
}

const struct pb_field *wire_msg_get(const struct wire_msg *m, uint32_t number)
{
	const struct pb_field *found = NULL;

	for (size_t i = 0; i < m->n; i++) {
		if (m->fields[i].number != number)
			continue;
		if (found)
			fail_msg("field %u is there twice", number);
		found = &m->fields[i];
	}
	return found;
}

uint64_t wire_msg_varint(const struct wire_msg *m, uint32_t number)
{
	const struct pb_field *f = wire_msg_get(m, number);

	if (!f || f->type != PB_VARINT)
		fail_msg("field %u: %s", number, f ? "not a varint" : "absent");
	return f->varint;
}

static const struct pb_field *bytes_field(const struct wire_msg *m, uint32_t number)
{
	const struct pb_field *f = wire_msg_get(m, number);

	if (!f || f->type != PB_BYTES)
		fail_msg("field %u: %s", number, f ? "not length-delimited" : "absent");
	return f;
}

void wire_msg_nested(const struct wire_msg *m, uint32_t number, struct wire_msg *nested)
{
	const struct pb_field *f = bytes_field(m, number);

	wire_msg_read(nested, f->data, f->len);
}

void wire_msg_expect_string(const struct wire_msg *m, uint32_t number, const char *s)
{
	const struct pb_field *f = bytes_field(m, number);

	if (f->len != strlen(s) || memcmp(f->data, s, f->len))
		fail_msg("field %u is \"%.*s\", not \"%s\"", number, (int)f->len,
		         (const char *)f->data, s);
}
