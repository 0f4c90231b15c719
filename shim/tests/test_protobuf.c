/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protobuf wire format (shim/protobuf.c): what the writer puts out,
 * byte for byte as the encoding spec (protobuf.dev/programming-guides/encoding)
 * has it, and what the reader makes of good and malformed messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "shim/protobuf.h"
#include "shim/tests/helpers_wire.h"

#define FF9 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/* The next field is number, of a number type, holding value. */
static void next_number(struct pb_reader *r, uint32_t number, enum pb_wire_type type,
                        uint64_t value)
{
	struct pb_field f;

	assert_int_equal(pb_next(r, &f), 1);
	assert_int_equal(f.number, number);
	assert_int_equal(f.type, type);
	assert_int_equal(f.varint, value);
}

/* The next field is number, length-delimited, holding exactly data. */
static void next_bytes(struct pb_reader *r, uint32_t number, const void *data, size_t len)
{
	struct pb_field f;

	assert_int_equal(pb_next(r, &f), 1);
	assert_int_equal(f.number, number);
	assert_int_equal(f.type, PB_BYTES);
	wire_expect_bytes(f.data, f.len, data, len);
}

/* pb_put_uint64(field 1, value) against the spec's varint bytes. */
static void varints_are_base_128_little_endian(void **state)
{
	static const struct {
		uint64_t value;
		uint8_t bytes[11];
		size_t len;
	} cases[] = {
	    {1, {0x08, 0x01}, 2},
	    {127, {0x08, 0x7f}, 2},
	    {128, {0x08, 0x80, 0x01}, 3},
	    {150, {0x08, 0x96, 0x01}, 3},
	    {300, {0x08, 0xac, 0x02}, 3},
	    {UINT32_MAX, {0x08, 0xff, 0xff, 0xff, 0xff, 0x0f}, 6},
	    {UINT64_MAX, {0x08, FF9, 0x01}, 11},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb_writer w = {0};

		pb_put_uint64(&w, 1, cases[i].value);
		assert_false(pb_writer_failed(&w));
		wire_expect_bytes(w.data, w.len, cases[i].bytes, cases[i].len);
		pb_writer_release(&w);
	}
}

/* A varint of 0 is a field's value only inside a message: an empty one's length. */
static void zero_varint_is_one_byte(void **state)
{
	struct pb_writer w = {0}, empty = {0};
	static const uint8_t zero_field[] = {0x08, 0x00};
	struct pb_reader r;
	struct pb_field f;

	(void)state;
	pb_put_message(&w, 1, &empty);
	WIRE_EXPECT_WRITER(&w, 0x0a, 0x00);
	pb_writer_release(&w);

	pb_reader_init(&r, zero_field, sizeof(zero_field));
	next_number(&r, 1, PB_VARINT, 0);
	assert_int_equal(pb_next(&r, &f), 0);
}

/* int64 and int32: negative numbers as their 64-bit two's complement, ten bytes. */
static void negative_int64_takes_ten_bytes(void **state)
{
	struct pb_writer w = {0};

	(void)state;
	pb_put_int64(&w, 1, -1);
	WIRE_EXPECT_WRITER(&w, 0x08, FF9, 0x01);
	pb_writer_release(&w);
	pb_put_int64(&w, 1, -2);
	WIRE_EXPECT_WRITER(&w, 0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	pb_writer_release(&w);
	pb_put_int64(&w, 1, INT64_MIN);
	WIRE_EXPECT_WRITER(&w, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
	pb_writer_release(&w);
	pb_put_int64(&w, 1, 300);
	WIRE_EXPECT_WRITER(&w, 0x08, 0xac, 0x02);
	pb_writer_release(&w);
}

/* proto3: zero numbers, false and empty strings or bytes are not written. */
static void proto3_zero_values_are_omitted(void **state)
{
	struct pb_writer w = {0};

	(void)state;
	pb_put_uint64(&w, 1, 0);
	pb_put_int64(&w, 2, 0);
	pb_put_bool(&w, 3, false);
	pb_put_string(&w, 4, "");
	pb_put_string(&w, 5, NULL);
	pb_put_bytes(&w, 6, "x", 0);
	assert_int_equal(w.len, 0);
	assert_false(pb_writer_failed(&w));
	pb_put_bool(&w, 3, true);
	WIRE_EXPECT_WRITER(&w, 0x18, 0x01);
	pb_writer_release(&w);
}

static void strings_bytes_and_messages(void **state)
{
	struct pb_writer w = {0}, inner = {0};
	char long_string[201];

	(void)state;
	/* The spec's examples: "testing" in field 2; {1: 150} nested in field 3. */
	pb_put_string(&w, 2, "testing");
	WIRE_EXPECT_WRITER(&w, 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67);
	pb_writer_release(&w);

	pb_put_uint64(&inner, 1, 150);
	pb_put_message(&w, 3, &inner);
	WIRE_EXPECT_WRITER(&w, 0x1a, 0x03, 0x08, 0x96, 0x01);
	pb_writer_release(&w);
	pb_writer_release(&inner);

	/* Bytes keep a NUL; an empty message is still written (it is present). */
	pb_put_bytes(&w, 3, "\0\xff\x01", 3);
	pb_put_message(&w, 5, &inner);
	WIRE_EXPECT_WRITER(&w, 0x1a, 0x03, 0x00, 0xff, 0x01, 0x2a, 0x00);
	pb_writer_release(&w);

	/* Field 16 needs a two-byte tag; a 200-byte string a two-byte length. */
	pb_put_uint64(&w, 16, 1);
	WIRE_EXPECT_WRITER(&w, 0x80, 0x01, 0x01);
	pb_writer_release(&w);
	memset(long_string, 'a', 200);
	long_string[200] = '\0';
	pb_put_string(&w, 1, long_string);
	assert_int_equal(w.len, 203);
	wire_expect_bytes(w.data, 3, "\x0a\xc8\x01", 3);
	assert_memory_equal(w.data + 3, long_string, 200);
	pb_writer_release(&w);
}

/* google.protobuf.Any {type_url = 1, value = 2}. */
static void any_is_type_url_then_value(void **state)
{
	struct pb_writer w = {0}, value = {0};

	(void)state;
	pb_put_uint64(&value, 1, 150);
	pb_put_any(&w, 1, "t/x", &value);
	WIRE_EXPECT_WRITER(&w, 0x0a, 0x0a, 0x0a, 0x03, 't', '/', 'x', 0x12, 0x03, 0x08, 0x96, 0x01);
	pb_writer_release(&w);
	pb_writer_release(&value);

	/* An empty value is an absent one. */
	pb_put_any(&w, 7, "t/x", &value);
	WIRE_EXPECT_WRITER(&w, 0x3a, 0x05, 0x0a, 0x03, 't', '/', 'x');
	pb_writer_release(&w);
}

/* google.protobuf.Timestamp {seconds = 1, nanos = 2}. */
static void timestamp_is_seconds_then_nanos(void **state)
{
	struct pb_writer w = {0};

	(void)state;
	pb_put_timestamp(&w, 3, 1700000000, 5);
	WIRE_EXPECT_WRITER(&w, 0x1a, 0x08, 0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, 0x10, 0x05);
	pb_writer_release(&w);
	pb_put_timestamp(&w, 3, 0, 0);
	WIRE_EXPECT_WRITER(&w, 0x1a, 0x00);
	pb_writer_release(&w);
}

/* What the writer writes, pb_next reads back field by field. */
static void written_fields_read_back(void **state)
{
	struct pb_writer w = {0}, inner = {0};
	struct pb_reader r;
	struct pb_field f;
	char big[300];

	(void)state;
	memset(big, 0xab, sizeof(big));
	pb_put_uint64(&inner, 2, 42);
	pb_put_uint64(&w, 1, UINT64_MAX);
	pb_put_int64(&w, 2, -5);
	pb_put_string(&w, 3, "hello");
	pb_put_bytes(&w, 4, big, sizeof(big));
	pb_put_message(&w, 5, &inner);
	pb_put_bool(&w, 536870911, true); /* the largest field number */
	assert_false(pb_writer_failed(&w));

	pb_reader_init(&r, w.data, w.len);
	next_number(&r, 1, PB_VARINT, UINT64_MAX);
	next_number(&r, 2, PB_VARINT, (uint64_t)-5);
	next_bytes(&r, 3, "hello", 5);
	next_bytes(&r, 4, big, sizeof(big));
	next_bytes(&r, 5, inner.data, inner.len);
	next_number(&r, 536870911, PB_VARINT, 1);
	/* The end, and it stays the end. */
	assert_int_equal(pb_next(&r, &f), 0);
	assert_int_equal(pb_next(&r, &f), 0);
	pb_writer_release(&w);
	pb_writer_release(&inner);

	pb_reader_init(&r, NULL, 0);
	assert_int_equal(pb_next(&r, &f), 0);
}

/* fixed32 (wire type 5) and fixed64 (1): little-endian, unsigned. */
static void fixed_fields_are_little_endian(void **state)
{
	static const uint8_t msg[] = {0x0d, 0x78, 0x56, 0x34, 0x12, 0x11, 0x08, 0x07, 0x06, 0x05,
	                              0x04, 0x03, 0x02, 0x01, 0x1d, 0x00, 0x00, 0x00, 0xff, 0x21,
	                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x08, 0x01};
	struct pb_reader r;
	struct pb_field f;

	(void)state;
	pb_reader_init(&r, msg, sizeof(msg));
	next_number(&r, 1, PB_FIXED32, 0x12345678);
	next_number(&r, 2, PB_FIXED64, 0x0102030405060708ull);
	next_number(&r, 3, PB_FIXED32, 0xff000000ull);
	next_number(&r, 4, PB_FIXED64, 0x8000000000000000ull);
	/* The reader is past all of each fixed field: the next is field 1, varint 1. */
	next_number(&r, 1, PB_VARINT, 1);
	assert_int_equal(pb_next(&r, &f), 0);
}

/* Each of these is refused (-1) at its first malformed field. */
static void malformed_messages_are_refused(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[16];
		size_t len;
		int good_fields;
	} cases[] = {
	    {"truncated varint", {0x08, 0x96}, 2, 0},
	    {"truncated tag", {0x80}, 1, 0},
	    {"varint after a good field, truncated", {0x08, 0x01, 0x10, 0xff}, 4, 1},
	    {"length past the end", {0x12, 0x05, 'a', 'b'}, 4, 0},
	    {"length of 2^63",
	     {0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	     11,
	     0},
	    {"truncated length", {0x12}, 1, 0},
	    {"group start (wire type 3)", {0x0b, 0x08, 0x01, 0x0c}, 4, 0},
	    {"group end (wire type 4)", {0x08, 0x01, 0x0c}, 3, 1},
	    {"wire type 6", {0x0e, 0x00}, 2, 0},
	    {"wire type 7", {0x0f, 0x00}, 2, 0},
	    {"field number 0", {0x00, 0x01}, 2, 0},
	    {"field number 0, bytes", {0x02, 0x00}, 2, 0},
	    {"11-byte varint", {0x08, FF9, 0xff, 0x01}, 12, 0},
	    {"field number past 32 bits", {0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00}, 7, 0},
	    {"truncated fixed32", {0x0d, 0x01, 0x02, 0x03}, 4, 0},
	    {"truncated fixed64", {0x09, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07}, 8, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb_reader r;
		struct pb_field f;
		int rc;

		pb_reader_init(&r, cases[i].bytes, cases[i].len);
		for (int good = 0; good < cases[i].good_fields; good++) {
			if (pb_next(&r, &f) != 1)
				fail_msg("%s: good field %d not read", cases[i].what, good);
		}
		rc = pb_next(&r, &f);
		if (rc != -1)
			fail_msg("%s: pb_next gave %d, not -1", cases[i].what, rc);
	}
}

/* The longest varint (ten bytes) and a length to the very end are fine. */
static void limits_are_accepted(void **state)
{
	static const uint8_t msg[] = {0x08, FF9, 0x01, 0x12, 0x02, 'o', 'k'};
	struct pb_reader r;
	struct pb_field f;

	(void)state;
	pb_reader_init(&r, msg, sizeof(msg));
	next_number(&r, 1, PB_VARINT, UINT64_MAX);
	next_bytes(&r, 2, "ok", 2);
	assert_int_equal(pb_next(&r, &f), 0);
}

/* A bytes field as a C string: exactly its bytes, NUL-terminated. */
static void field_strdup_copies_exactly_the_field(void **state)
{
	static const uint8_t msg[] = {0x12, 0x07, 't',  'e',  's',  't', 'i', 'n',
	                              'g',  0x1a, 0x00, 0x22, 0x03, 'a', 0,   'b'};
	struct pb_reader r;
	struct pb_field f;

	(void)state;
	pb_reader_init(&r, msg, sizeof(msg));
	assert_int_equal(pb_next(&r, &f), 1);
	{
		cleanup_free char *s = pb_field_strdup(&f);

		assert_string_equal(s, "testing"); /* not the 0x1a that follows */
	}
	assert_int_equal(pb_next(&r, &f), 1);
	{
		cleanup_free char *s = pb_field_strdup(&f);

		assert_string_equal(s, "");
	}
	assert_int_equal(pb_next(&r, &f), 1);
	{
		cleanup_free char *s = pb_field_strdup(&f);

		assert_memory_equal(s, "a\0b", 4);
	}
}

/*
 * A failed writer (put_raw sets failed when realloc fails) stays failed,
 * writes nothing more, and its failure reaches the message that holds it,
 * directly or through an Any, so that the caller reports it once.
 */
static void failure_reaches_the_outer_message(void **state)
{
	struct pb_writer failed = {.failed = true}, outer = {0};

	(void)state;
	pb_put_uint64(&failed, 1, 150);
	pb_put_string(&failed, 2, "testing");
	assert_true(pb_writer_failed(&failed));
	assert_int_equal(failed.len, 0);

	pb_put_uint64(&outer, 1, 1);
	pb_put_message(&outer, 2, &failed);
	assert_true(pb_writer_failed(&outer));
	pb_put_uint64(&outer, 3, 1);
	WIRE_EXPECT_WRITER(&outer, 0x08, 0x01); /* nothing written after the failure */
	pb_writer_release(&outer);
	assert_false(pb_writer_failed(&outer));
	assert_null(outer.data);

	pb_put_any(&outer, 1, "t/x", &failed);
	assert_true(pb_writer_failed(&outer));
	pb_writer_release(&outer);
	pb_writer_release(&failed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(varints_are_base_128_little_endian),
	    cmocka_unit_test(zero_varint_is_one_byte),
	    cmocka_unit_test(negative_int64_takes_ten_bytes),
	    cmocka_unit_test(proto3_zero_values_are_omitted),
	    cmocka_unit_test(strings_bytes_and_messages),
	    cmocka_unit_test(any_is_type_url_then_value),
	    cmocka_unit_test(timestamp_is_seconds_then_nanos),
	    cmocka_unit_test(written_fields_read_back),
	    cmocka_unit_test(fixed_fields_are_little_endian),
	    cmocka_unit_test(malformed_messages_are_refused),
	    cmocka_unit_test(limits_are_accepted),
	    cmocka_unit_test(field_strdup_copies_exactly_the_field),
	    cmocka_unit_test(failure_reaches_the_outer_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
