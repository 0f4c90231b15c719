/* SPDX-License-Identifier: Apache-2.0 */
/* Checks of protobuf bytes shared by shim/'s unit tests: exact bytes, a message's fields. */
#ifndef HULL_SHIM_TESTS_HELPERS_WIRE_H
#define HULL_SHIM_TESTS_HELPERS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "shim/protobuf.h"

/* Fails the test (cmocka) unless got is exactly want, showing both in hex. */
void wire_expect_bytes(const void *got, size_t got_len, const void *want, size_t want_len);

/* The bytes a writer holds, exactly: WIRE_EXPECT_WRITER(&w, 0x08, 0x96, 0x01). */
#define WIRE_EXPECT_WRITER(w, ...)                                                                 \
	do {                                                                                       \
		const uint8_t want_[] = {__VA_ARGS__};                                             \
		wire_expect_bytes((w)->data, (w)->len, want_, sizeof(want_));                      \
	} while (0)

#define WIRE_MAX_FIELDS 32

/* The fields of one message, in order. */
struct wire_msg {
	struct pb_field fields[WIRE_MAX_FIELDS];
	size_t n;
};

/* Reads a whole message with pb_next; fails the test if it is malformed. */
void wire_msg_read(struct wire_msg *m, const void *data, size_t len);
/* The one field numbered number (failing the test if there are more), NULL if none. */
const struct pb_field *wire_msg_get(const struct wire_msg *m, uint32_t number);
/* The field's varint, failing the test unless it is there as a varint. */
uint64_t wire_msg_varint(const struct wire_msg *m, uint32_t number);
/* The nested message in a PB_BYTES field, failing the test unless it is there. */
void wire_msg_nested(const struct wire_msg *m, uint32_t number, struct wire_msg *nested);
/* Fails the test unless the PB_BYTES field holds exactly the string s. */
void wire_msg_expect_string(const struct wire_msg *m, uint32_t number, const char *s);

#endif
