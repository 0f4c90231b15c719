/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stats (shim/metrics.c): `hull events --stats` output, made as cmd_events
 * makes it (hull_runc_stats of the guest's cgroup numbers, in a stats
 * event), into a StatsResponse {stats = 1: Any io.containerd.cgroups.v2.Metrics}.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "runtime/commands.h"
#include "shim/metrics.h"
#include "shim/tests/helpers_wire.h"

/* What `hull events --stats x` prints for the guest's numbers (runtime/cmd_runc.c). */
static char *stats_event(const char *guest_stats)
{
	cleanup_json json_t *stats = json_loads(guest_stats, 0, NULL);
	cleanup_json json_t *event = NULL;
	char *text;

	assert_non_null(stats);
	event = json_pack("{s:s, s:s, s:o?}", "type", "stats", "id", "x", "data",
	                  hull_runc_stats(stats));
	assert_non_null(event);
	text = json_dumps(event, JSON_COMPACT);
	assert_non_null(text);
	return text;
}

/* The Metrics in a StatsResponse, checking the Any around it. */
static void metrics_of(const struct pb_writer *response, struct wire_msg *metrics)
{
	struct wire_msg top, any;

	wire_msg_read(&top, response->data, response->len);
	assert_int_equal(top.n, 1);
	wire_msg_nested(&top, 1, &any);
	assert_int_equal(any.n, 2);
	wire_msg_expect_string(&any, 1, "io.containerd.cgroups.v2.Metrics");
	wire_msg_nested(&any, 2, metrics);
}

/* Converts event, which must succeed, and reads the Metrics' three sections. */
static void convert(const char *event, struct pb_writer *response, struct wire_msg *pids,
                    struct wire_msg *cpu, struct wire_msg *memory)
{
	cleanup_error hull_error_t err = NULL;
	struct wire_msg metrics;

	if (shim_metrics_from_stats(event, response, &err) < 0)
		fail_msg("%s", hull_error_str(err));
	metrics_of(response, &metrics);
	assert_int_equal(metrics.n, 3); /* pids = 1, cpu = 2, memory = 4 */
	wire_msg_nested(&metrics, 1, pids);
	wire_msg_nested(&metrics, 2, cpu);
	wire_msg_nested(&metrics, 4, memory);
}

static void guest_numbers_become_cgroup_v2_metrics(void **state)
{
	cleanup_free char *event = stats_event(
	    "{\"cpu\":{\"usage_usec\":1500,\"user_usec\":1000,\"system_usec\":500,"
	    "\"nr_throttled\":2,\"throttled_usec\":30},"
	    "\"memory\":{\"current\":26333184,\"max\":null,\"swap_current\":0,\"oom\":0,"
	    "\"oom_kill\":0},"
	    "\"pids\":{\"current\":3,\"max\":64}}");
	struct pb_writer response = {0};
	struct wire_msg pids, cpu, memory;

	(void)state;
	convert(event, &response, &pids, &cpu, &memory);
	assert_int_equal(pids.n, 2);
	assert_int_equal(wire_msg_varint(&pids, 1), 3);  /* current */
	assert_int_equal(wire_msg_varint(&pids, 2), 64); /* limit */
	/* Microseconds again, as cgroup v2 has them; no nr_periods (4). */
	assert_int_equal(cpu.n, 5);
	assert_int_equal(wire_msg_varint(&cpu, 1), 1500); /* usage_usec */
	assert_int_equal(wire_msg_varint(&cpu, 2), 1000); /* user_usec */
	assert_int_equal(wire_msg_varint(&cpu, 3), 500);  /* system_usec */
	assert_int_equal(wire_msg_varint(&cpu, 5), 2);    /* nr_throttled */
	assert_int_equal(wire_msg_varint(&cpu, 6), 30);   /* throttled_usec */
	/* "max": null is no limit: hull_runc_stats makes it the largest number. */
	assert_int_equal(memory.n, 2);
	assert_int_equal(wire_msg_varint(&memory, 32), 26333184); /* usage */
	assert_true(wire_msg_varint(&memory, 33) == INT64_MAX);   /* usage_limit */
	assert_null(wire_msg_get(&memory, 34));                   /* swap_usage 0 */
	pb_writer_release(&response);
}

static void limits_and_swap_are_passed_on(void **state)
{
	cleanup_free char *event =
	    stats_event("{\"cpu\":{\"usage_usec\":7},"
	                "\"memory\":{\"current\":4096,\"max\":268435456,\"swap_current\":8192},"
	                "\"pids\":{\"current\":1,\"max\":null}}");
	struct pb_writer response = {0};
	struct wire_msg pids, cpu, memory;

	(void)state;
	convert(event, &response, &pids, &cpu, &memory);
	assert_int_equal(memory.n, 3);
	assert_int_equal(wire_msg_varint(&memory, 32), 4096);
	assert_int_equal(wire_msg_varint(&memory, 33), 268435456);
	assert_int_equal(wire_msg_varint(&memory, 34), 8192);
	/* No pids limit: 0, left out. */
	assert_int_equal(pids.n, 1);
	assert_int_equal(wire_msg_varint(&pids, 1), 1);
	assert_int_equal(cpu.n, 1);
	assert_int_equal(wire_msg_varint(&cpu, 1), 7);
	pb_writer_release(&response);
}

/* Sections missing, or not numbers: zeros, left out; the sections stay (present, empty). */
static void missing_numbers_are_zeros(void **state)
{
	cleanup_free char *from_empty_guest = stats_event("{}");
	const char *events[] = {
	    from_empty_guest,
	    "{\"type\":\"stats\",\"id\":\"x\",\"data\":{}}",
	    "{\"type\":\"stats\",\"id\":\"x\",\"data\":{\"cpu\":5,\"memory\":[],"
	    "\"pids\":{\"current\":-1,\"limit\":\"many\"}}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		struct pb_writer response = {0};

		if (shim_metrics_from_stats(events[i], &response, &err) < 0)
			fail_msg("%s: %s", events[i], hull_error_str(err));
		WIRE_EXPECT_WRITER(&response, 0x0a, 0x2a, 0x0a, 0x20, 'i', 'o', '.', 'c', 'o', 'n',
		                   't', 'a', 'i', 'n', 'e', 'r', 'd', '.', 'c', 'g', 'r', 'o', 'u',
		                   'p', 's', '.', 'v', '2', '.', 'M', 'e', 't', 'r', 'i', 'c', 's',
		                   0x12, 0x06, 0x0a, 0x00, 0x12, 0x00, 0x22, 0x00);
		pb_writer_release(&response);
	}
}

/* runc's nanoseconds to microseconds: the part below a microsecond goes. */
static void nanoseconds_round_down(void **state)
{
	struct pb_writer response = {0};
	struct wire_msg pids, cpu, memory;

	(void)state;
	convert("{\"type\":\"stats\",\"id\":\"x\",\"data\":{\"cpu\":{\"usage\":{\"total\":1999,"
	        "\"user\":999,\"kernel\":1000}}}}",
	        &response, &pids, &cpu, &memory);
	assert_int_equal(cpu.n, 2);
	assert_int_equal(wire_msg_varint(&cpu, 1), 1);
	assert_int_equal(wire_msg_varint(&cpu, 3), 1);
	pb_writer_release(&response);
}

static void not_a_stats_event_is_an_error(void **state)
{
	const char *events[] = {
	    "",
	    "hull: container x is not running",
	    "[]",
	    "{\"type\":\"stats\",\"id\":\"x\"}",
	    "{\"type\":\"stats\",\"id\":\"x\",\"data\":null}",
	    "{\"type\":\"stats\",\"id\":\"x\",\"data\":[1,2]}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		struct pb_writer response = {0};

		if (shim_metrics_from_stats(events[i], &response, &err) != -1)
			fail_msg("\"%s\" converted", events[i]);
		assert_string_equal(hull_error_str(err),
		                    "stats: hull events --stats gave no stats event");
		assert_int_equal(response.len, 0);
		pb_writer_release(&response);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(guest_numbers_become_cgroup_v2_metrics),
	    cmocka_unit_test(limits_and_swap_are_passed_on),
	    cmocka_unit_test(missing_numbers_are_zeros),
	    cmocka_unit_test(nanoseconds_round_down),
	    cmocka_unit_test(not_a_stats_event_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
