/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ttrpc (shim/ttrpc.c) as containerd's PROTOCOL.md has it: frames through
 * a real socketpair, byte for byte; requests and responses encoded by hand;
 * and a unary call against a peer thread on the other end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/write_all.h"
#include "shim/ttrpc.h"
#include "shim/tests/helpers_wire.h"

#define EVENTS "containerd.services.events.ttrpc.v1.Events"

struct peer;

/* A socketpair, and the thread (a peer, a writer) on its other end, if any. */
struct fixture {
	int fds[2];
	pthread_t thread;
	bool running;
	/* What the thread works on: here, not on a test's stack, which a
	 * failed assertion leaves while the thread may still run. */
	struct peer *peer;
	const uint8_t *big;
	bool big_written;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->fds), 0);
	*state = f;
	return 0;
}

/* Runs fn(f) on a thread that teardown joins (SIGPIPE blocked there). */
static void start_thread(struct fixture *f, void *(*fn)(void *))
{
	sigset_t pipe_set, old;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	assert_int_equal(pthread_create(&f->thread, NULL, fn, f), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	f->running = true;
}

static void join_thread(struct fixture *f)
{
	if (f->running)
		pthread_join(f->thread, NULL);
	f->running = false;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	/* A test that failed early may leave its thread reading or writing. */
	for (int i = 0; i < 2; i++) {
		if (f->fds[i] >= 0)
			shutdown(f->fds[i], SHUT_RDWR);
	}
	join_thread(f);
	for (int i = 0; i < 2; i++) {
		if (f->fds[i] >= 0)
			close(f->fds[i]);
	}
	free(f->peer);
	free(f);
	return 0;
}

static void hang_up(int *fds, int i)
{
	close(fds[i]);
	fds[i] = -1;
}

/* True if fd has nothing to read right now. */
static bool nothing_to_read(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, 0) == 0;
}

/* --- frames --- */

static void frame_header_is_big_endian(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	uint8_t got[32];
	static const uint8_t want[] = {0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03,
	                               0x04, 0x01, 0x00, 'a',  'b',  'c'};
	static const uint8_t want_empty[] = {0x00, 0x00, 0x00, 0x00, 0x80,
	                                     0x00, 0x00, 0x01, 0x02, 0x00};

	assert_true(ttrpc_write_frame(fds[0], 0x01020304, TTRPC_REQUEST, "abc", 3));
	assert_int_equal(read(fds[1], got, sizeof(got)), sizeof(want));
	wire_expect_bytes(got, sizeof(want), want, sizeof(want));

	assert_true(ttrpc_write_frame(fds[0], 0x80000001, TTRPC_RESPONSE, NULL, 0));
	assert_int_equal(read(fds[1], got, sizeof(got)), sizeof(want_empty));
	wire_expect_bytes(got, sizeof(want_empty), want_empty, sizeof(want_empty));
}

static void frames_read_back_whole(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	static const uint8_t raw[] = {0x00, 0x00, 0x01, 0x2c, 0xde, 0xad, 0xbe, 0xef, 0x03, 0x05};
	uint8_t data[300];
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_frame frame;

	memset(data, 0x5a, sizeof(data));
	assert_true(hull_write_all(fds[0], raw, sizeof(raw)));
	assert_true(hull_write_all(fds[0], data, sizeof(data)));
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), 0);
	assert_null(err);
	assert_true(frame.stream_id == 0xdeadbeef);
	assert_int_equal(frame.type, TTRPC_DATA);
	assert_int_equal(frame.flags, 5);
	wire_expect_bytes(frame.data, frame.len, data, sizeof(data));
	ttrpc_frame_release(&frame);
	assert_null(frame.data);

	/* An empty frame, then the clean end. */
	assert_true(ttrpc_write_frame(fds[0], 3, TTRPC_REQUEST, NULL, 0));
	hang_up(fds, 0);
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), 0);
	assert_int_equal(frame.stream_id, 3);
	assert_int_equal(frame.type, TTRPC_REQUEST);
	assert_int_equal(frame.len, 0);
	assert_non_null(frame.data);
	ttrpc_frame_release(&frame);
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), 1);
	assert_null(err);
}

static void clean_end_is_1(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_frame frame;

	hang_up(fds, 0);
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), 1);
	assert_null(err);
}

static void end_mid_header_is_an_error(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_frame frame;

	assert_true(hull_write_all(fds[0], "\0\0\0\3\0", 5));
	hang_up(fds, 0);
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), -1);
	assert_string_equal(hull_error_str(err), "ttrpc: read frame header: Broken pipe");
}

static void end_mid_data_is_an_error(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	static const uint8_t raw[] = {0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00,
	                              0x01, 0x02, 0x00, 'a',  'b',  'c',  'd'};
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_frame frame;

	assert_true(hull_write_all(fds[0], raw, sizeof(raw)));
	hang_up(fds, 0);
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), -1);
	assert_string_equal(hull_error_str(err), "ttrpc: read frame of 10 bytes: Broken pipe");
}

/* Past 4 MiB: refused on writing, and on reading (naming the size). */
static void frame_over_4_mib_is_refused(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	static const uint8_t raw[] = {0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00};
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_frame frame;
	cleanup_free uint8_t *big = calloc(1, TTRPC_MAX_DATA + 1);

	assert_non_null(big);
	/* Non-blocking, so that a write not refused fails rather than waits. */
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	errno = 0;
	assert_false(ttrpc_write_frame(fds[0], 1, TTRPC_REQUEST, big, TTRPC_MAX_DATA + 1));
	assert_int_equal(errno, EMSGSIZE);
	assert_true(nothing_to_read(fds[1]));

	/* The header alone, then the end: a reader that took it would find no data. */
	assert_true(hull_write_all(fds[0], raw, sizeof(raw)));
	hang_up(fds, 0);
	assert_int_equal(ttrpc_read_frame(fds[1], &frame, &err), -1);
	assert_string_equal(hull_error_str(err),
	                    "ttrpc: frame of 4194305 bytes is more than the limit (4194304)");
}

static void *write_big(void *arg)
{
	struct fixture *f = arg;

	f->big_written = ttrpc_write_frame(f->fds[0], 5, TTRPC_RESPONSE, f->big, TTRPC_MAX_DATA);
	return NULL;
}

/* Exactly 4 MiB is allowed, both ways. */
static void frame_of_4_mib_passes(void **state)
{
	struct fixture *f = *state;
	static uint8_t big[TTRPC_MAX_DATA];
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_frame frame;

	for (size_t i = 0; i < TTRPC_MAX_DATA; i++)
		big[i] = (uint8_t)(i * 7);
	f->big = big;
	start_thread(f, write_big);
	assert_int_equal(ttrpc_read_frame(f->fds[1], &frame, &err), 0);
	join_thread(f);
	assert_true(f->big_written);
	assert_int_equal(frame.stream_id, 5);
	assert_int_equal(frame.len, TTRPC_MAX_DATA);
	assert_memory_equal(frame.data, big, TTRPC_MAX_DATA);
	ttrpc_frame_release(&frame);
}

/* --- requests and responses --- */

/* Request {service "a.B", method "Kill", payload {1: "x"}, timeout_nano 1e9, metadata {k: v}}. */
static const uint8_t kill_request[] = {
    0x0a, 0x03, 'a',  '.',  'B',  0x12, 0x04, 'K',  'i',  'l',  'l',  0x1a, 0x03, 0x0a, 0x01,
    'x',  0x20, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0x2a, 0x06, 0x0a, 0x01, 'k',  0x12, 0x01, 'v',
};

static void request_is_decoded(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_request req;
	/* The same fields in another order, with a field unknown here. */
	static const uint8_t shuffled[] = {0x2a, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v',
	                                   0x48, 0x01, 0x12, 0x01, 'M', 0x0a, 0x01, 'S'};

	(void)state;
	assert_int_equal(ttrpc_decode_request(kill_request, sizeof(kill_request), &req, &err), 0);
	assert_string_equal(req.service, "a.B");
	assert_string_equal(req.method, "Kill");
	assert_ptr_equal(req.payload, kill_request + 13); /* into the frame's data */
	wire_expect_bytes(req.payload, req.payload_len, "\x0a\x01x", 3);
	ttrpc_request_release(&req);
	assert_null(req.service);

	assert_int_equal(ttrpc_decode_request(shuffled, sizeof(shuffled), &req, &err), 0);
	assert_null(err);
	assert_string_equal(req.service, "S");
	assert_string_equal(req.method, "M");
	assert_null(req.payload);
	assert_int_equal(req.payload_len, 0);
	ttrpc_request_release(&req);
}

static void malformed_request_is_refused(void **state)
{
	static const uint8_t no_service[] = {0x12, 0x04, 'K', 'i', 'l', 'l', 0x1a, 0x00};
	static const uint8_t no_method[] = {0x0a, 0x03, 'a', '.', 'B', 0x1a, 0x00};
	static const uint8_t service_as_number[] = {0x08, 0x01, 0x12, 0x01, 'M'};
	static const struct {
		const char *what;
		const uint8_t *data;
		size_t len;
	} cases[] = {
	    {"no service", no_service, sizeof(no_service)},
	    {"no method", no_method, sizeof(no_method)},
	    {"service as a number", service_as_number, sizeof(service_as_number)},
	    {"empty", kill_request, 0},
	    {"cut in the service", kill_request, 4},
	    {"cut in the metadata", kill_request, sizeof(kill_request) - 2},
	    {"cut in the timeout", kill_request, 19},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		struct ttrpc_request req;

		if (ttrpc_decode_request(cases[i].data, cases[i].len, &req, &err) != -1)
			fail_msg("%s: decoded", cases[i].what);
		if (strcmp(hull_error_str(err), "ttrpc: malformed request"))
			fail_msg("%s: \"%s\"", cases[i].what, hull_error_str(err));
		assert_null(req.service);
		assert_null(req.method);
	}
}

/* Response {status = 1 (google.rpc.Status {code = 1, message = 2}), payload = 2}. */
static void response_is_payload_or_status(void **state)
{
	struct pb_writer out = {0}, payload = {0}, empty = {0};

	(void)state;
	pb_put_uint64(&payload, 1, 150);
	ttrpc_encode_response(&out, TTRPC_OK, NULL, &payload);
	WIRE_EXPECT_WRITER(&out, 0x12, 0x03, 0x08, 0x96, 0x01);
	pb_writer_release(&out);

	/* An empty payload (google.protobuf.Empty) or none: an empty response. */
	ttrpc_encode_response(&out, TTRPC_OK, NULL, &empty);
	ttrpc_encode_response(&out, TTRPC_OK, NULL, NULL);
	assert_int_equal(out.len, 0);
	assert_false(pb_writer_failed(&out));

	/* An error: the status only, the payload left out. */
	ttrpc_encode_response(&out, TTRPC_NOT_FOUND, "no task", &payload);
	WIRE_EXPECT_WRITER(&out, 0x0a, 0x0b, 0x08, 0x05, 0x12, 0x07, 'n', 'o', ' ', 't', 'a', 's',
	                   'k');
	pb_writer_release(&out);

	/* A failed payload fails the response. */
	payload.failed = true;
	ttrpc_encode_response(&out, TTRPC_OK, NULL, &payload);
	assert_true(pb_writer_failed(&out));
	pb_writer_release(&out);
	pb_writer_release(&payload);
}

/* --- ttrpc_call against a peer --- */

enum peer_script {
	ANSWER_OK,
	ANSWER_ERROR,
	OTHER_STREAMS_FIRST,
	STAY_SILENT,
	HANG_UP,
	CUT_MID_HEADER,
	OTHER_STREAMS_ONLY,
};

struct peer {
	int fd;
	enum peer_script script;
	int read_rc;
	struct ttrpc_frame request; /* what the peer was sent */
};

static void answer(int fd, uint32_t stream_id, uint8_t type, enum ttrpc_code code,
                   const char *message)
{
	struct pb_writer out = {0}, status = {0}, payload = {0};

	if (code == TTRPC_OK) {
		pb_put_string(&payload, 1, "ignored");
		pb_put_message(&out, 2, &payload);
	} else {
		pb_put_uint64(&status, 1, code);
		pb_put_string(&status, 2, message);
		pb_put_message(&out, 1, &status);
	}
	ttrpc_write_frame(fd, stream_id, type, out.data, out.len);
	pb_writer_release(&out);
	pb_writer_release(&status);
	pb_writer_release(&payload);
}

/* The peer's thread: no cmocka asserts here (main checks what it saw). */
static void *peer_main(void *arg)
{
	struct peer *p = ((struct fixture *)arg)->peer;
	hull_error_t err = NULL;
	struct ttrpc_frame more;
	uint32_t id;

	p->read_rc = ttrpc_read_frame(p->fd, &p->request, &err);
	hull_error_release(&err);
	if (p->read_rc != 0)
		return NULL;
	id = p->request.stream_id;
	switch (p->script) {
	case ANSWER_OK:
		answer(p->fd, id, TTRPC_RESPONSE, TTRPC_OK, NULL);
		break;
	case ANSWER_ERROR:
		answer(p->fd, id, TTRPC_RESPONSE, TTRPC_NOT_FOUND, "task t1 not found");
		break;
	case OTHER_STREAMS_FIRST:
		answer(p->fd, id + 2, TTRPC_RESPONSE, TTRPC_NOT_FOUND, "another call's");
		answer(p->fd, id, TTRPC_REQUEST, TTRPC_INTERNAL, "a request, not a response");
		answer(p->fd, id, TTRPC_RESPONSE, TTRPC_OK, NULL);
		break;
	case STAY_SILENT: /* until the caller hangs up */
		if (ttrpc_read_frame(p->fd, &more, &err) == 0)
			ttrpc_frame_release(&more);
		hull_error_release(&err);
		break;
	case HANG_UP:
		break;
	case CUT_MID_HEADER:
		hull_write_all(p->fd, "\0\0\0\2\0", 5);
		break;
	case OTHER_STREAMS_ONLY: /* another call's answer every 100 ms for 3 s, never ours */
		for (int i = 0; i < 30; i++) {
			answer(p->fd, id + 2, TTRPC_RESPONSE, TTRPC_OK, NULL);
			usleep(100 * 1000);
		}
		break;
	}
	shutdown(p->fd, SHUT_WR);
	return NULL;
}

/* The peer, on fds[1]. */
static void peer_start(struct fixture *f, enum peer_script script)
{
	f->peer = calloc(1, sizeof(*f->peer));
	assert_non_null(f->peer);
	*f->peer = (struct peer){.fd = f->fds[1], .script = script, .read_rc = -2};
	start_thread(f, peer_main);
}

/* Joins the peer and checks the request it read: stream 7, the call's fields. */
static void peer_check(struct fixture *f, int timeout_ms)
{
	struct peer *p = f->peer;
	struct wire_msg m, payload;

	join_thread(f);
	assert_int_equal(p->read_rc, 0);
	assert_int_equal(p->request.stream_id, 7);
	assert_int_equal(p->request.type, TTRPC_REQUEST);
	assert_int_equal(p->request.flags, 0);
	wire_msg_read(&m, p->request.data, p->request.len);
	wire_msg_expect_string(&m, 1, EVENTS);
	wire_msg_expect_string(&m, 2, "Forward");
	wire_msg_nested(&m, 3, &payload);
	wire_msg_expect_string(&payload, 1, "/tasks/exit");
	assert_true(wire_msg_varint(&m, 4) == (uint64_t)timeout_ms * 1000000);
	ttrpc_frame_release(&p->request);
}

static int call(int fd, int timeout_ms, hull_error_t *err)
{
	struct pb_writer payload = {0};
	int rc;

	pb_put_string(&payload, 1, "/tasks/exit");
	rc = ttrpc_call(fd, 7, EVENTS, "Forward", &payload, timeout_ms, err);
	pb_writer_release(&payload);
	return rc;
}

static void call_gets_its_response(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;

	peer_start(f, ANSWER_OK);
	assert_int_equal(call(fds[0], 5000, &err), 0);
	assert_null(err);
	peer_check(f, 5000);
}

static void call_error_status_is_the_error(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;

	peer_start(f, ANSWER_ERROR);
	assert_int_equal(call(fds[0], 5000, &err), -1);
	assert_string_equal(hull_error_str(err), EVENTS "/Forward: task t1 not found (code 5)");
	peer_check(f, 5000);
}

static void call_skips_other_streams(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;

	peer_start(f, OTHER_STREAMS_FIRST);
	assert_int_equal(call(fds[0], 5000, &err), 0);
	assert_null(err);
	peer_check(f, 5000);
	/* Nothing was left unread: the peer's frames end with the one answer. */
	assert_int_equal(read(fds[0], (char[1]){0}, 1), 0);
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void call_without_response_times_out(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;
	struct timespec start;

	peer_start(f, STAY_SILENT);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(call(fds[0], 200, &err), -1);
	assert_true(elapsed_ms(&start) >= 190);
	assert_int_equal(err->errnum, ETIMEDOUT);
	assert_string_equal(hull_error_str(err),
	                    EVENTS "/Forward: no response: Connection timed out");
	hang_up(fds, 0);
	peer_check(f, 200);
}

/* Frames of other streams do not extend the call's timeout. */
static void call_times_out_amid_other_streams(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;
	struct timespec start;

	peer_start(f, OTHER_STREAMS_ONLY);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(call(fds[0], 300, &err), -1);
	assert_true(elapsed_ms(&start) >= 290);
	assert_true(elapsed_ms(&start) < 2000);
	assert_int_equal(err->errnum, ETIMEDOUT);
	peer_check(f, 300);
}

static void call_peer_hanging_up_is_named(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;

	peer_start(f, HANG_UP);
	assert_int_equal(call(fds[0], 5000, &err), -1);
	assert_int_equal(err->errnum, EPIPE);
	assert_string_equal(hull_error_str(err), EVENTS "/Forward: connection closed: Broken pipe");
	peer_check(f, 5000);
}

static void call_cut_mid_frame_is_named(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;

	peer_start(f, CUT_MID_HEADER);
	assert_int_equal(call(fds[0], 5000, &err), -1);
	assert_string_equal(hull_error_str(err),
	                    EVENTS "/Forward: ttrpc: read frame header: Broken pipe");
	peer_check(f, 5000);
}

/* A payload that could not be built: an error, and nothing sent. */
static void call_with_failed_payload_sends_nothing(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;
	struct pb_writer payload = {.failed = true};

	assert_int_equal(ttrpc_call(fds[0], 7, EVENTS, "Forward", &payload, 100, &err), -1);
	assert_int_equal(err->errnum, ENOMEM);
	assert_string_equal(err->msg, EVENTS "/Forward");
	assert_true(nothing_to_read(fds[1]));
}

/*
 * Writing to a peer that has gone (containerd restarted: shim/events.c
 * retries on a fresh connection) fails with EPIPE, and must not raise
 * SIGPIPE: the shim runs with its default action (as containerd starts it),
 * which would end the shim.  SIGPIPE is blocked here, so a raised one
 * stays pending, where the test sees it.
 */
static void write_to_a_gone_peer_fails_without_sigpipe(void **state)
{
	struct fixture *f = *state;
	int *fds = f->fds;
	cleanup_error hull_error_t err = NULL;
	sigset_t pipe_set, old, pending;
	int write_errno, rc;
	bool wrote, raised;

	hang_up(fds, 1);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &pipe_set, &old), 0);
	errno = 0;
	wrote = ttrpc_write_frame(fds[0], 1, TTRPC_REQUEST, "x", 1);
	write_errno = errno;
	rc = call(fds[0], 100, &err);
	assert_int_equal(sigpending(&pending), 0);
	raised = sigismember(&pending, SIGPIPE);
	if (raised)
		sigtimedwait(&pipe_set, NULL, &(struct timespec){0});
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);

	assert_false(wrote);
	assert_int_equal(write_errno, EPIPE);
	assert_int_equal(rc, -1);
	assert_int_equal(err->errnum, EPIPE);
	assert_string_equal(err->msg, EVENTS "/Forward: send");
	hull_error_release(&err);
	if (raised)
		fail_msg("writing to a closed connection raised SIGPIPE, which ends the shim");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(frame_header_is_big_endian, setup, teardown),
	    cmocka_unit_test_setup_teardown(frames_read_back_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(clean_end_is_1, setup, teardown),
	    cmocka_unit_test_setup_teardown(end_mid_header_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(end_mid_data_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(frame_over_4_mib_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(frame_of_4_mib_passes, setup, teardown),
	    cmocka_unit_test(request_is_decoded),
	    cmocka_unit_test(malformed_request_is_refused),
	    cmocka_unit_test(response_is_payload_or_status),
	    cmocka_unit_test_setup_teardown(call_gets_its_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_error_status_is_the_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_skips_other_streams, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_times_out_amid_other_streams, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_without_response_times_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_peer_hanging_up_is_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_cut_mid_frame_is_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(call_with_failed_payload_sends_nothing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(write_to_a_gone_peer_fails_without_sigpipe, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
