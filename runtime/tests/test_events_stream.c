/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull events ID`'s stream (runtime/cmd_events.c) against a monitor of
 * the test's: what it prints (runc's oom and stats lines, in order, each
 * interval), that it ends with the monitor's stream, and its errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "persist/state.h"
#include "runtime/commands.h"
#include "runtime/control.h"

enum monitor_script {
	OOM_AND_STATS, /* ok, an oom event, answers `stats` stats requests, then the end */
	REFUSE,        /* an error for the events request */
	STATS_FAIL,    /* ok, an error for the first stats request, then the end */
};

struct fixture {
	char root[64];
	char sock[160];
	int listen_fd;
	/* The monitor of the test's, a thread. */
	pthread_t monitor;
	enum monitor_script script;
	const char *want_id; /* the container_id the events request must name (NULL: none) */
	int stats;
	int status; /* 0, or what the monitor found wrong */
};

/* The socket where the monitor of owner (the container, or its pod's sandbox) listens. */
static int setup_for(void **state, const char *owner)
{
	struct fixture *f = calloc(1, sizeof(*f));
	cleanup_error hull_error_t err = NULL;
	char dir[128];

	assert_non_null(f);
	strcpy(f->root, "/tmp/hull-events-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(dir, sizeof(dir), "%s/%s", f->root, owner);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(f->sock, sizeof(f->sock), "%s/monitor.sock", dir);
	f->listen_fd = control_listen(f->sock, &err);
	assert_true(f->listen_fd >= 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_for(state, "c1");
}

static int setup_pod(void **state)
{
	return setup_for(state, "pod");
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char dir[sizeof(f->sock)];

	close(f->listen_fd);
	unlink(f->sock);
	snprintf(dir, sizeof(dir), "%s", f->sock);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	rmdir(f->root);
	free(f);
	return 0;
}

/* In the fake monitor: the next request, whose op must be want_op; -1 if it is not. */
static int next_request(struct fixture *f, const char *want_op, json_t **req)
{
	cleanup_error hull_error_t err = NULL;
	int conn;

	do
		conn = accept(f->listen_fd, NULL, NULL);
	while (conn < 0 && errno == EAGAIN && usleep(1000) == 0);
	if (conn < 0)
		return -1;
	if (control_read_request(conn, req, &err) < 0 ||
	    strcmp(json_string_value(json_object_get(*req, "op")), want_op) != 0) {
		close(conn);
		return -1;
	}
	return conn;
}

/* control_send of msg, which it then frees. */
static void send_line(int conn, json_t *msg)
{
	control_send(conn, msg);
	json_decref(msg);
}

static void *monitor_main(void *arg)
{
	struct fixture *f = arg;
	cleanup_json json_t *req = NULL;
	int events = next_request(f, "events", &req);
	const char *id = json_string_value(json_object_get(req, "container_id"));

	if (events < 0) {
		f->status = 2;
		return NULL;
	}
	if ((f->want_id == NULL) != (id == NULL) || (f->want_id && strcmp(id, f->want_id) != 0))
		f->status = 3;
	if (f->script == REFUSE) {
		control_reply(events,
		              json_pack("{s:s}", "error", "container c1 has too many subscribers"));
		return NULL;
	}
	send_line(events, json_pack("{s:b}", "ok", 1));
	if (f->script == OOM_AND_STATS)
		send_line(events, json_pack("{s:s, s:s}", "event", "oom", "container_id", "c1"));
	for (int i = 0; i < (f->script == STATS_FAIL ? 1 : f->stats); i++) {
		json_t *stats_req = NULL;
		int conn = next_request(f, "stats", &stats_req);

		json_decref(stats_req);
		if (conn < 0) {
			f->status = 4;
			break;
		}
		if (f->script == STATS_FAIL)
			control_reply(conn, json_pack("{s:s}", "error", "container not running"));
		else
			control_reply(conn, json_loads("{\"ok\": true, \"stats\": {\"memory\": "
			                               "{\"current\": 4096, \"max\": 33554432, "
			                               "\"oom_kill\": 1}}}",
			                               0, NULL));
	}
	if (f->script == STATS_FAIL)
		usleep(100 * 1000);
	close(events);
	return NULL;
}

static void fake_monitor(struct fixture *f, enum monitor_script script, const char *want_id,
                         int stats)
{
	f->script = script;
	f->want_id = want_id;
	f->stats = stats;
	assert_int_equal(pthread_create(&f->monitor, NULL, monitor_main, f), 0);
}

static int monitor_status(struct fixture *f)
{
	assert_int_equal(pthread_join(f->monitor, NULL), 0);
	return f->status;
}

/* Runs the stream for c1 (pod: a member of it); rc and what it printed, malloc'd. */
static int run_stream(struct fixture *f, const char *pod, long long interval_ms, bool ready,
                      char **out, hull_error_t *err)
{
	struct hull_sandbox_state st = {0};
	char path[] = "/tmp/hull-events-out-XXXXXX";
	int fd = mkstemp(path), saved = dup(1), rc;
	FILE *fp;
	size_t len = 0;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	st.sandbox.id = (char *)"c1";
	st.sandbox.pod_sandbox = (char *)pod;
	fflush(stdout);
	dup2(fd, 1);
	rc = hull_events_stream(f->root, &st, "c1", interval_ms, ready, err);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fp = fdopen(fd, "r");
	assert_non_null(fp);
	rewind(fp);
	*out = NULL;
	if (getdelim(out, &len, '\0', fp) < 0) {
		assert_true(feof(fp)); /* nothing printed */
		free(*out);
		*out = strdup("");
	}
	fclose(fp);
	return rc;
}

/* runc's lines: the oom at once, a stats line each interval, then the end (0) with the stream's. */
static void oom_then_stats_until_the_end(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;
	long long t0 = hull_now_ms(), took;
	char *second;

	fake_monitor(f, OOM_AND_STATS, NULL, 2);
	if (run_stream(f, NULL, 150, false, &out, &err) < 0)
		fail_msg("events: %s", hull_error_str(err));
	took = hull_now_ms() - t0;
	assert_int_equal(monitor_status(f), 0);
	assert_true(strncmp(out, "{\"type\":\"oom\",\"id\":\"c1\"}\n", 25) == 0);
	second = strstr(out + 25, "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{");
	assert_non_null(second);
	assert_ptr_equal(second, out + 25);
	assert_non_null(strstr(out, "\"usage\":{\"limit\":33554432,\"usage\":4096"));
	assert_non_null(strstr(second + 1, "{\"type\":\"stats\",\"id\":\"c1\",\"data\":{"));
	/* Two intervals went by before the second stats line; not much more. */
	assert_true(took >= 300);
	assert_true(took < 3000);
}

/* A pod's app container: its sandbox's monitor, asked for the member by its id; --ready-line. */
static void member_asks_its_sandbox(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	fake_monitor(f, OOM_AND_STATS, "c1", 0);
	if (run_stream(f, "pod", 60000, true, &out, &err) < 0)
		fail_msg("events: %s", hull_error_str(err));
	assert_int_equal(monitor_status(f), 0);
	assert_string_equal(out, "{\"type\":\"ready\",\"id\":\"c1\"}\n"
	                         "{\"type\":\"oom\",\"id\":\"c1\"}\n");
}

/* The monitor's refusal is the command's error; nothing is printed. */
static void refusal_is_the_error(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	fake_monitor(f, REFUSE, NULL, 0);
	assert_int_equal(run_stream(f, NULL, 100, true, &out, &err), -1);
	assert_int_equal(monitor_status(f), 0);
	assert_string_equal(hull_error_str(err), "container c1 has too many subscribers");
	assert_string_equal(out, "");
}

/* A stats request that fails as the container stops is the end, not an error. */
static void stats_failing_at_the_stop_ends_quietly(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	fake_monitor(f, STATS_FAIL, NULL, 0);
	if (run_stream(f, NULL, 50, false, &out, &err) < 0)
		fail_msg("events: %s", hull_error_str(err));
	assert_int_equal(monitor_status(f), 0);
	assert_string_equal(out, "");
}

/* No monitor at all: named. */
static void no_monitor_is_named(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *out = NULL;

	close(f->listen_fd);
	unlink(f->sock);
	f->listen_fd = -1;
	assert_int_equal(run_stream(f, NULL, 100, true, &out, &err), -1);
	assert_non_null(strstr(hull_error_str(err), "the sandbox's monitor is not running"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(oom_then_stats_until_the_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(member_asks_its_sandbox, setup_pod, teardown),
	    cmocka_unit_test_setup_teardown(refusal_is_the_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(stats_failing_at_the_stop_ends_quietly, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(no_monitor_is_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
