/* SPDX-License-Identifier: Apache-2.0 */
/* The agent protocol's framing (vmm/agent_proto.c) and base64 (common/base64.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "vmm/agent_proto.h"

static void frame_round_trip_byte_by_byte(void **state)
{
	(void)state;
	cleanup_json json_t *in = json_pack("{s:i, s:s}", "id", 7, "op", "ping");
	cleanup_free uint8_t *buf = NULL;
	cleanup_error hull_error_t err = NULL;
	struct agent_reader r;
	json_t *out = NULL;
	size_t len;

	assert_int_equal(agent_frame_encode(in, &buf, &len, &err), 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(len, 4 + buf[3]);
	agent_reader_init(&r);
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(agent_reader_next(&r, &out, &err), AGENT_READ_AGAIN);
		assert_int_equal(agent_reader_feed(&r, buf + i, 1, &err), 0);
	}
	assert_int_equal(agent_reader_next(&r, &out, &err), AGENT_READ_MESSAGE);
	assert_true(json_equal(in, out));
	assert_false(agent_reader_partial(&r));
	json_decref(out);
	agent_reader_release(&r);
}

static void feed_frame(struct agent_reader *r, const char *text)
{
	uint32_t len = (uint32_t)strlen(text);
	uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                  (uint8_t)len};

	assert_int_equal(agent_reader_feed(r, hdr, 4, NULL), 0);
	assert_int_equal(agent_reader_feed(r, (const uint8_t *)text, len, NULL), 0);
}

static void malformed_messages_are_reported_and_reader_stays_in_step(void **state)
{
	(void)state;
	struct agent_reader r;
	json_t *out = NULL;

	agent_reader_init(&r);
	feed_frame(&r, "{\"id\": 1, ");
	feed_frame(&r, "[1, 2]");
	feed_frame(&r, "{\"id\": 1, \"id\": 2}");
	feed_frame(&r, "{\"id\": 3}");
	for (int i = 0; i < 3; i++) {
		cleanup_error hull_error_t err = NULL;

		assert_int_equal(agent_reader_next(&r, &out, &err), AGENT_READ_ERROR);
		assert_null(out);
		assert_non_null(strstr(err->msg, "malformed message"));
	}
	assert_int_equal(agent_reader_next(&r, &out, NULL), AGENT_READ_MESSAGE);
	assert_int_equal(json_integer_value(json_object_get(out, "id")), 3);
	json_decref(out);
	agent_reader_release(&r);
}

static void oversized_message_is_skipped_without_buffering(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	uint32_t len = HULL_AGENT_MAX_MSG + 1;
	uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                  (uint8_t)len};
	cleanup_free uint8_t *junk = calloc(1, 65536);
	struct agent_reader r;
	json_t *out = NULL;
	size_t sent = 0;

	agent_reader_init(&r);
	assert_int_equal(agent_reader_feed(&r, hdr, 4, NULL), 0);
	assert_int_equal(agent_reader_next(&r, &out, &err), AGENT_READ_ERROR);
	assert_non_null(strstr(err->msg, "more than the limit"));
	while (sent < len) {
		size_t n = len - sent < 65536 ? len - sent : 65536;

		assert_int_equal(agent_reader_feed(&r, junk, n, NULL), 0);
		sent += n;
		assert_true(r.cap <= 4096); /* nothing of it was kept */
	}
	feed_frame(&r, "{\"id\": 9}");
	assert_int_equal(agent_reader_next(&r, &out, NULL), AGENT_READ_MESSAGE);
	assert_int_equal(json_integer_value(json_object_get(out, "id")), 9);
	json_decref(out);
	agent_reader_release(&r);
}

static void base64_round_trips_and_rejects_garbage(void **state)
{
	(void)state;
	const char *cases[][2] = {
	    {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"},
	};
	const char *bad[] = {"Zg=", "Z===", "Zg==Zg==", "Zm9*", "Zm=v"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *enc =
		    base64_encode((const uint8_t *)cases[i][0], strlen(cases[i][0]));
		cleanup_free uint8_t *dec = NULL;
		size_t n;

		assert_string_equal(enc, cases[i][1]);
		assert_int_equal(base64_decode(enc, &dec, &n), 0);
		assert_int_equal(n, strlen(cases[i][0]));
		assert_memory_equal(dec, cases[i][0], n);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *dec = NULL;
		size_t n;

		assert_int_equal(base64_decode(bad[i], &dec, &n), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frame_round_trip_byte_by_byte),
	    cmocka_unit_test(malformed_messages_are_reported_and_reader_stays_in_step),
	    cmocka_unit_test(oversized_message_is_skipped_without_buffering),
	    cmocka_unit_test(base64_round_trips_and_rejects_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
