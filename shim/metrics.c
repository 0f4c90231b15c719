// SPDX-License-Identifier: Apache-2.0
#include "shim/metrics.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"

/* A number at a path of objects, 0 when absent (or negative). */
static uint64_t number_at(json_t *root, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(root, a), b);
	json_int_t n = json_integer_value(c ? json_object_get(v, c) : v);

	return n > 0 ? (uint64_t)n : 0;
}

int shim_metrics_from_stats(const char *stats_event, struct pb_writer *response, hull_error_t *err)
{
	json_error_t jerr;
	cleanup_json json_t *event = json_loads(stats_event, 0, &jerr);
	json_t *data = json_object_get(event, "data");
	struct pb_writer metrics = {0}, pids = {0}, cpu = {0}, memory = {0};

	const char *type = json_string_value(json_object_get(event, "type"));

	if (!type || strcmp(type, "stats") != 0 || !json_is_object(data))
		return hull_fail(err, 0, "stats: hull events --stats gave no stats event");
	pb_put_uint64(&pids, 1, number_at(data, "pids", "current", NULL));
	pb_put_uint64(&pids, 2, number_at(data, "pids", "limit", NULL));
	/* runc's event has nanoseconds; cgroup v2 (and this message) microseconds. */
	pb_put_uint64(&cpu, 1, number_at(data, "cpu", "usage", "total") / 1000);
	pb_put_uint64(&cpu, 2, number_at(data, "cpu", "usage", "user") / 1000);
	pb_put_uint64(&cpu, 3, number_at(data, "cpu", "usage", "kernel") / 1000);
	pb_put_uint64(&cpu, 5, number_at(data, "cpu", "throttling", "throttledPeriods"));
	pb_put_uint64(&cpu, 6, number_at(data, "cpu", "throttling", "throttledTime") / 1000);
	pb_put_uint64(&memory, 32, number_at(data, "memory", "usage", "usage"));
	pb_put_uint64(&memory, 33, number_at(data, "memory", "usage", "limit"));
	pb_put_uint64(&memory, 34, number_at(data, "memory", "swap", "usage"));
	pb_put_message(&metrics, 1, &pids);
	pb_put_message(&metrics, 2, &cpu);
	pb_put_message(&metrics, 4, &memory);
	pb_put_any(response, 1, SHIM_METRICS_TYPE, &metrics);
	pb_writer_release(&metrics);
	pb_writer_release(&pids);
	pb_writer_release(&cpu);
	pb_writer_release(&memory);
	return pb_writer_failed(response) ? hull_fail(err, ENOMEM, "stats") : 0;
}
