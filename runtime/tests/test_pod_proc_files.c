/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pod member's /proc view asks its sandbox's monitor for the member's
 * process files: pod_member_proc_files (runtime/pod.c, the relay's side)
 * against the monitor's "proc_files" control request
 * (runtime/monitor_control.c), the agent a fake one on a unix socket.  The
 * reply is the agent's, whole, even past a control line's 64 KiB; errors
 * are the monitor's or the agent's words; a reader that stalls does not
 * hold the monitor.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "runtime/control.h"
#include "runtime/monitor_internal.h"
#include "runtime/pod.h"
#include "vmm/agent_client.h"
#include "vmm/agent_proto.h"

/* Processes in the fake agent's reply for app-1: about 600 KiB of JSON. */
#define N_PROCESSES 500

struct fixture {
	char dir[64];
	char monitor_sock[96];
	char agent_sock[96];
	int agent_listener;
	pthread_t agent;
	pthread_mutex_t lock;
	json_t *asked;     /* the requests the agent got */
	int relay_ends[2]; /* the members' relays' ends of their sessions */
	struct hull_sandbox_config sc;
	struct monitor_options o;
	struct monitor m;
};

/* The reply the fake agent gives for member app-1 (without its "id"). */
static json_t *member_files(void)
{
	char status[1001];
	json_t *processes = json_array();

	memset(status, 'x', sizeof(status) - 1);
	status[sizeof(status) - 1] = '\0';
	for (int i = 1; i <= N_PROCESSES; i++)
		json_array_append_new(processes,
		                      json_pack("{s:i, s:s, s:s, s:s, s:s}", "pid", i, "stat",
		                                "1 (sh) S 0 1 1 0", "status", status, "cmdline",
		                                "c2gA", "pid_ns", "pid:[4026532000]"));
	return json_pack("{s:s, s:o, s:b}", "stat", "cpu 1 2 3\nbtime 1700000000\n", "processes",
	                 processes, "truncated", 0);
}

/* The agent: app-1's files for proc_files; for anything else, the agent's error. */
static void *fake_agent(void *data)
{
	struct fixture *f = data;
	int conn = accept(f->agent_listener, NULL, NULL);
	struct agent_reader r;
	uint8_t buf[4096];
	ssize_t n;

	agent_reader_init(&r);
	while (conn >= 0 && (n = read(conn, buf, sizeof(buf))) > 0) {
		json_t *req = NULL;

		if (agent_reader_feed(&r, buf, (size_t)n, NULL) < 0)
			break;
		while (agent_reader_next(&r, &req, NULL) == AGENT_READ_MESSAGE) {
			const char *op = json_string_value(json_object_get(req, "op"));
			const char *id = json_string_value(json_object_get(req, "container_id"));
			json_t *reply;
			char error[160];

			pthread_mutex_lock(&f->lock);
			json_array_append(f->asked, req);
			pthread_mutex_unlock(&f->lock);
			if (op && id && strcmp(op, "proc_files") == 0 && strcmp(id, "app-1") == 0) {
				reply = member_files();
			} else {
				snprintf(error, sizeof(error),
				         "container not running: no container \"%s\" in the guest",
				         id ? id : "");
				reply = json_pack("{s:s}", "error", error);
			}
			json_object_set(reply, "id", json_object_get(req, "id"));
			agent_send(conn, reply, NULL);
			json_decref(reply);
			json_decref(req);
		}
	}
	agent_reader_release(&r);
	if (conn >= 0)
		close(conn);
	return NULL;
}

/* A member's session, as add_container leaves it (its relay's end is other). */
static void add_member(struct monitor *m, int slot, const char *id, int *other)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	m->execs[slot].conn = sv[0];
	m->execs[slot].member = true;
	snprintf(m->execs[slot].container_id, sizeof(m->execs[slot].container_id), "%s", id);
	snprintf(m->execs[slot].process_id, sizeof(m->execs[slot].process_id), "%s", id);
	agent_reader_init(&m->execs[slot].reader);
	*other = sv[1];
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	cleanup_error hull_error_t err = NULL;

	assert_non_null(f);
	/* As in the monitor: a reader gone is EPIPE, not the end of the process. */
	signal(SIGPIPE, SIG_IGN);
	strcpy(f->dir, "/tmp/hull-pod-proc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->monitor_sock, sizeof(f->monitor_sock), "%s/%s", f->dir, CONTROL_SOCKET_NAME);
	snprintf(f->agent_sock, sizeof(f->agent_sock), "%s/agent.sock", f->dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", f->agent_sock);
	f->agent_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->agent_listener >= 0);
	assert_int_equal(bind(f->agent_listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->agent_listener, 1), 0);
	f->asked = json_array();
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(pthread_create(&f->agent, NULL, fake_agent, f), 0);

	f->sc.id = "pod-a";
	f->o.sc = &f->sc;
	f->m = (struct monitor){.o = &f->o, .control_fd = -1, .signal_fd = -1};
	monitor_exec_init(&f->m);
	monitor_events_init(&f->m);
	add_member(&f->m, 0, "app-1", &f->relay_ends[0]);
	add_member(&f->m, 3, "app-2", &f->relay_ends[1]);
	assert_int_equal(agent_client_connect(f->agent_sock, 5000, &f->m.sb.vm.agent, &err), 0);
	f->m.control_fd = control_listen(f->monitor_sock, &err);
	assert_true(f->m.control_fd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	/* The agent's connection closes: its thread ends. */
	agent_client_close(f->m.sb.vm.agent);
	pthread_join(f->agent, NULL);
	monitor_exec_close_all(&f->m);
	close(f->relay_ends[0]);
	close(f->relay_ends[1]);
	close(f->m.control_fd);
	close(f->agent_listener);
	json_decref(f->asked);
	pthread_mutex_destroy(&f->lock);
	unlink(f->monitor_sock);
	unlink(f->agent_sock);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The monitor's loop, for n requests on its control socket (5 s each at most). */
struct monitor_run {
	struct fixture *f;
	int n;
	int served;
};

static void *monitor_loop(void *data)
{
	struct monitor_run *run = data;

	for (int i = 0; i < run->n; i++) {
		struct pollfd p = {.fd = run->f->m.control_fd, .events = POLLIN};

		if (poll(&p, 1, 5000) <= 0)
			break;
		monitor_handle_control(&run->f->m);
		run->served++;
	}
	return NULL;
}

/* The requests the agent got, as "op container_id" lines. */
static void asked(struct fixture *f, char *buf, size_t size)
{
	json_t *req;
	size_t i, len = 0;

	buf[0] = '\0';
	pthread_mutex_lock(&f->lock);
	json_array_foreach(f->asked, i, req) len += (size_t)snprintf(
	    buf + len, size - len, "%s %s\n", json_string_value(json_object_get(req, "op")),
	    json_string_value(json_object_get(req, "container_id")));
	pthread_mutex_unlock(&f->lock);
}

/* pod_member_proc_files(id) with the monitor serving it; its return. */
static int fetch(struct fixture *f, const char *id, json_t **snapshot, hull_error_t *err)
{
	struct monitor_run run = {.f = f, .n = 1};
	pthread_t t;
	int r;

	assert_int_equal(pthread_create(&t, NULL, monitor_loop, &run), 0);
	r = pod_member_proc_files(f->monitor_sock, id, snapshot, err);
	pthread_join(t, NULL);
	assert_int_equal(run.served, 1);
	return r;
}

/* A member's files come whole, past what a control line holds, as the agent gave them. */
static void member_files_come_whole(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *snapshot = NULL, *want = member_files();
	cleanup_free char *text = json_dumps(want, JSON_COMPACT);
	char got[256];

	assert_true(strlen(text) > 65536);
	assert_int_equal(fetch(f, "app-1", &snapshot, &err), 0);
	assert_string_equal(json_string_value(json_object_get(snapshot, "stat")),
	                    "cpu 1 2 3\nbtime 1700000000\n");
	assert_true(
	    json_equal(json_object_get(snapshot, "processes"), json_object_get(want, "processes")));
	asked(f, got, sizeof(got));
	assert_string_equal(got, "proc_files app-1\n");
}

/* The agent's error (a member that is not running in the guest) is the error. */
static void agent_error_is_the_error(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	json_t *snapshot = NULL;

	assert_int_equal(fetch(f, "app-2", &snapshot, &err), -1);
	assert_null(snapshot);
	assert_non_null(err);
	assert_string_equal(
	    err->msg,
	    "agent proc_files: container not running: no container \"app-2\" in the guest");
}

/* A container that is not a member of the sandbox: refused, the agent not asked. */
static void not_a_member_is_refused(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	json_t *snapshot = NULL;
	char got[256];

	assert_int_equal(fetch(f, "other", &snapshot, &err), -1);
	assert_null(snapshot);
	assert_string_equal(err->msg, "container other is not running in sandbox pod-a");
	asked(f, got, sizeof(got));
	assert_string_equal(got, "");
}

/* No monitor listens (the sandbox is gone): the error says so at once. */
static void no_monitor_is_named(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	json_t *snapshot = NULL;
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/gone.sock", f->dir);
	assert_int_equal(pod_member_proc_files(missing, "app-1", &snapshot, &err), -1);
	assert_null(snapshot);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, missing));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A caller that asks and then reads nothing: the monitor gives up on the
 * reply (larger than the socket takes) within seconds and serves on.
 */
static void stalled_reader_does_not_hold_the_monitor(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req =
	    json_pack("{s:s, s:s}", "op", "proc_files", "container_id", "app-1");
	cleanup_json json_t *snapshot = NULL;
	struct monitor_run run = {.f = f, .n = 1};
	struct timespec until;
	double start = now_s();
	pthread_t t;
	int conn, joined;

	assert_int_equal(pthread_create(&t, NULL, monitor_loop, &run), 0);
	conn = control_open_session(f->monitor_sock, req, &err);
	assert_true(conn >= 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	joined = pthread_timedjoin_np(t, NULL, &until);
	/* Still sending: the reader going away frees it. */
	close(conn);
	if (joined != 0)
		pthread_join(t, NULL);
	assert_int_equal(joined, 0);
	assert_int_equal(run.served, 1);
	assert_true(now_s() - start < 6);
	/* The monitor serves on. */
	assert_int_equal(fetch(f, "app-1", &snapshot, &err), 0);
	assert_int_equal(json_array_size(json_object_get(snapshot, "processes")), N_PROCESSES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(member_files_come_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(agent_error_is_the_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(not_a_member_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_monitor_is_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(stalled_reader_does_not_hold_the_monitor, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
