/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A task's OOM kills for containerd (shim/oom_watch.c): a fake hull prints
 * `hull events` lines, a fake containerd events service records what the
 * shim forwards.  Each oom line is one /tasks/oom Forward whose envelope
 * holds containerd.events.TaskOOM {container_id}, byte for byte; the child
 * is subscribed before start returns, drained before an exit, and gone
 * after stop.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "shim/events.h"
#include "shim/oom_watch.h"
#include "shim/reaper.h"
#include "shim/tests/helpers_shim.h"
#include "shim/tests/helpers_wire.h"
#include "shim/ttrpc.h"

#define MAX_FORWARDS 8

/* The fake events service: one listening socket for the whole run, the Forwards it got. */
static struct {
	char *dir;
	int listen_fd;
	int conn; /* the shim's connection, -1 before */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct ttrpc_frame forwards[MAX_FORWARDS];
	size_t n;
} service = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER, .conn = -1};

static void *service_main(void *arg)
{
	(void)arg;
	for (;;) {
		int conn = accept(service.listen_fd, NULL, NULL);
		struct ttrpc_frame frame;
		hull_error_t err = NULL;

		if (conn < 0)
			return NULL; /* the listening socket was shut down */
		pthread_mutex_lock(&service.lock);
		service.conn = conn;
		pthread_mutex_unlock(&service.lock);
		while (ttrpc_read_frame(conn, &frame, &err) == 0) {
			struct pb_writer resp = {0};

			ttrpc_encode_response(&resp, TTRPC_OK, NULL, NULL);
			ttrpc_write_frame(conn, frame.stream_id, TTRPC_RESPONSE, resp.data,
			                  resp.len);
			pb_writer_release(&resp);
			pthread_mutex_lock(&service.lock);
			if (service.n < MAX_FORWARDS)
				service.forwards[service.n++] = frame;
			else
				ttrpc_frame_release(&frame);
			pthread_cond_broadcast(&service.changed);
			pthread_mutex_unlock(&service.lock);
		}
		hull_error_release(&err);
		pthread_mutex_lock(&service.lock);
		service.conn = -1;
		pthread_mutex_unlock(&service.lock);
		close(conn);
	}
}

static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 4) < 0) {
		print_message("# listen %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

static int group_setup(void **state)
{
	struct reaper_callbacks none = {0};
	cleanup_free char *path = NULL, *address = NULL;

	(void)state;
	service.dir = shim_test_dir("oom-watch");
	path = shim_test_path(service.dir, "events.sock");
	service.listen_fd = listen_at(path);
	if (service.listen_fd < 0)
		return -1;
	/* The watch reaps its hull through the reaper, as the shim does; the
	 * reaper first, so that every later thread has SIGCHLD blocked. */
	if (shim_test_start_reaper(&none) < 0 || asprintf(&address, "unix://%s", path) < 0 ||
	    pthread_create(&service.thread, NULL, service_main, NULL) != 0)
		return -1;
	shim_events_init(address, "k8s.io");
	return 0;
}

static int group_teardown(void **state)
{
	/* The shim's events connection stays open: its end is the service's. */
	pthread_mutex_lock(&service.lock);
	if (service.conn >= 0)
		shutdown(service.conn, SHUT_RDWR);
	pthread_mutex_unlock(&service.lock);
	shutdown(service.listen_fd, SHUT_RDWR);
	pthread_join(service.thread, NULL);
	close(service.listen_fd);
	for (size_t i = 0; i < service.n; i++)
		ttrpc_frame_release(&service.forwards[i]);
	shim_test_dir_remove(service.dir);
	return shim_test_end_reaper(state);
}

static int setup(void **state)
{
	pthread_mutex_lock(&service.lock);
	for (size_t i = 0; i < service.n; i++)
		ttrpc_frame_release(&service.forwards[i]);
	service.n = 0;
	pthread_mutex_unlock(&service.lock);
	*state = NULL;
	return 0;
}

/* Forwards received so far, waiting up to timeout_ms for at least want. */
static size_t forwards(size_t want, int timeout_ms)
{
	long long until = hull_now_ms() + timeout_ms;
	size_t n;

	pthread_mutex_lock(&service.lock);
	while (service.n < want && hull_now_ms() < until) {
		pthread_mutex_unlock(&service.lock);
		usleep(10 * 1000);
		pthread_mutex_lock(&service.lock);
	}
	n = service.n;
	pthread_mutex_unlock(&service.lock);
	return n;
}

/* A fake hull: records its arguments and pid, then runs script. */
static struct hull_runner fake_hull(const char *name, const char *script)
{
	cleanup_free char *text = NULL;
	struct hull_runner r;

	r.hull = shim_test_path(service.dir, name);
	r.root = shim_test_path(service.dir, "root");
	assert_true(asprintf(&text, "#!/bin/sh\necho \"$@\" >%s/%s.args\necho $$ >%s/%s.pid\n%s\n",
	                     service.dir, name, service.dir, name, script) > 0);
	shim_test_write(r.hull, text);
	assert_int_equal(chmod(r.hull, 0755), 0);
	return r;
}

static void runner_release(struct hull_runner *r)
{
	free(r->hull);
	free(r->root);
}

static char *fake_file(const char *name, const char *suffix)
{
	cleanup_free char *file = NULL;

	assert_true(asprintf(&file, "%s.%s", name, suffix) > 0);
	cleanup_free char *path = shim_test_path(service.dir, file);
	return shim_test_read(path);
}

/* The one Forward's envelope is /tasks/oom in k8s.io, its event TaskOOM {container_id = id}. */
static void expect_task_oom(const struct ttrpc_frame *frame, const char *id)
{
	struct ttrpc_request req;
	struct wire_msg forward, envelope, ts;
	const struct pb_field *event;
	hull_error_t err = NULL;
	/* Any {type_url = 1 "containerd.events.TaskOOM", value = 2 TaskOOM {container_id = 1}} */
	uint8_t want[64] = {0x0a, 25};
	size_t n = 2, id_len = strlen(id);

	assert_int_equal(frame->type, TTRPC_REQUEST);
	assert_int_equal(ttrpc_decode_request(frame->data, frame->len, &req, &err), 0);
	assert_string_equal(req.service, "containerd.services.events.ttrpc.v1.Events");
	assert_string_equal(req.method, "Forward");
	wire_msg_read(&forward, req.payload, req.payload_len);
	wire_msg_nested(&forward, 1, &envelope);
	wire_msg_nested(&envelope, 1, &ts);
	assert_true(wire_msg_varint(&ts, 1) > 1700000000); /* now, in seconds */
	wire_msg_expect_string(&envelope, 2, "k8s.io");
	wire_msg_expect_string(&envelope, 3, "/tasks/oom");
	event = wire_msg_get(&envelope, 4);
	assert_non_null(event);
	memcpy(want + n, "containerd.events.TaskOOM", 25);
	n += 25;
	want[n++] = 0x12;
	want[n++] = (uint8_t)(2 + id_len);
	want[n++] = 0x0a;
	want[n++] = (uint8_t)id_len;
	memcpy(want + n, id, id_len);
	n += id_len;
	wire_expect_bytes(event->data, event->len, want, n);
	ttrpc_request_release(&req);
}

/*
 * `hull events --interval 24h --ready-line ID`: start returns once it is
 * subscribed; its oom line is one TaskOOM, its stats and ready lines none.
 */
static void oom_line_is_one_task_oom(void **state)
{
	struct hull_runner r =
	    fake_hull("h1", "echo '{\"type\":\"ready\",\"id\":\"t1\"}'\nsleep 0.2\n"
	                    "echo '{\"type\":\"stats\",\"id\":\"t1\",\"data\":{}}'\n"
	                    "echo '{\"type\":\"oom\",\"id\":\"t1\"}'\nexec sleep 60");
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *args = NULL, *want = NULL;
	struct oom_watch *w;

	(void)state;
	w = oom_watch_start(&r, "t1", 5000, &err);
	if (!w)
		fail_msg("start: %s", hull_error_str(err));
	/* Subscribed, nothing yet told. */
	assert_int_equal(forwards(0, 0), 0);
	assert_int_equal(forwards(1, 5000), 1);
	args = fake_file("h1", "args");
	assert_true(asprintf(&want, "--root %s events --interval 24h --ready-line t1\n", r.root) >
	            0);
	assert_string_equal(args, want);
	expect_task_oom(&service.forwards[0], "t1");
	/* The stream still runs: no end to drain. */
	assert_false(oom_watch_drain(w, 100));
	oom_watch_stop(w);
	assert_int_equal(forwards(2, 200), 1);
	runner_release(&r);
}

/* The end of the stream: drain returns once every oom line before it was forwarded. */
static void drain_waits_for_the_last_oom(void **state)
{
	struct hull_runner r =
	    fake_hull("h2", "echo '{\"type\":\"ready\",\"id\":\"a-pod-member\"}'\n"
	                    "sleep 0.3\n"
	                    "echo '{\"type\":\"oom\",\"id\":\"a-pod-member\"}'\n"
	                    "exit 0");
	cleanup_error hull_error_t err = NULL;
	struct oom_watch *w;

	(void)state;
	w = oom_watch_start(&r, "a-pod-member", 5000, &err);
	if (!w)
		fail_msg("start: %s", hull_error_str(err));
	assert_true(oom_watch_drain(w, 5000));
	/* Already forwarded, not on its way. */
	assert_int_equal(forwards(0, 0), 1);
	expect_task_oom(&service.forwards[0], "a-pod-member");
	oom_watch_stop(w);
	runner_release(&r);
}

static void expect_reaped(const char *name)
{
	cleanup_free char *text = fake_file(name, "pid");
	pid_t pid = (pid_t)atoi(text);

	assert_true(pid > 0);
	/* Gone and reaped: no zombie left either. */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

/* hull that fails (an unknown container): no watch, at once, and no child left. */
static void failing_hull_is_no_watch(void **state)
{
	struct hull_runner r =
	    fake_hull("h3", "echo 'hull: container t1 does not exist' >&2\nexit 1");
	cleanup_error hull_error_t err = NULL;
	long long t0 = hull_now_ms();

	(void)state;
	assert_null(oom_watch_start(&r, "t1", 5000, &err));
	assert_true(hull_now_ms() - t0 < 3000);
	assert_string_equal(hull_error_str(err), "hull events t1: no subscription within 5000 ms");
	expect_reaped("h3");
	assert_int_equal(forwards(0, 0), 0);
	runner_release(&r);
}

/* No ready line in time: the child is killed and reaped; stop of a running one too. */
static void silent_hull_is_killed(void **state)
{
	struct hull_runner r = fake_hull("h4", "exec sleep 60");
	struct hull_runner r2 = fake_hull("h5", "echo '{\"type\":\"ready\",\"id\":\"t1\"}'\n"
	                                        "exec sleep 60");
	cleanup_error hull_error_t err = NULL;
	long long t0 = hull_now_ms();
	struct oom_watch *w;

	(void)state;
	assert_null(oom_watch_start(&r, "t1", 300, &err));
	assert_true(hull_now_ms() - t0 >= 300);
	assert_true(hull_now_ms() - t0 < 3000);
	assert_string_equal(hull_error_str(err), "hull events t1: no subscription within 300 ms");
	expect_reaped("h4");
	hull_error_release(&err);
	w = oom_watch_start(&r2, "t1", 5000, &err);
	assert_non_null(w);
	t0 = hull_now_ms();
	oom_watch_stop(w);
	assert_true(hull_now_ms() - t0 < 3000);
	expect_reaped("h5");
	runner_release(&r);
	runner_release(&r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(oom_line_is_one_task_oom, setup),
	    cmocka_unit_test_setup(drain_waits_for_the_last_oom, setup),
	    cmocka_unit_test_setup(failing_hull_is_no_watch, setup),
	    cmocka_unit_test_setup(silent_hull_is_killed, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
