// SPDX-License-Identifier: Apache-2.0
#include "shim/server.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"

struct connection {
	int fd;
	pthread_mutex_t write_lock;
	int refs; /* the reader and each request in flight */
	struct shim_task *task;
};

struct call {
	struct connection *conn;
	struct ttrpc_frame frame;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool exiting;
} server = {.lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER};

static void connection_put(struct connection *conn)
{
	pthread_mutex_lock(&server.lock);
	bool last = --conn->refs == 0;
	pthread_mutex_unlock(&server.lock);
	if (!last)
		return;
	close(conn->fd);
	pthread_mutex_destroy(&conn->write_lock);
	free(conn);
}

static void *serve_call(void *arg)
{
	struct call *call = arg;
	struct connection *conn = call->conn;
	cleanup_error hull_error_t err = NULL;
	struct ttrpc_request req;
	struct pb_writer payload = {0}, response = {0};
	char *message = NULL;
	enum ttrpc_code code;

	if (ttrpc_decode_request(call->frame.data, call->frame.len, &req, &err) < 0) {
		code = TTRPC_INVALID_ARGUMENT;
		message = strdup(hull_error_str(err));
	} else if (strcmp(req.service, SHIM_TASK_SERVICE) != 0) {
		code = TTRPC_UNIMPLEMENTED;
		if (asprintf(&message, "service %s is not served by hull's shim", req.service) < 0)
			message = NULL;
	} else {
		log_debug("%s", req.method);
		code = shim_task_handle(conn->task, req.method, req.payload, req.payload_len,
		                        &payload, &message);
		if (code != TTRPC_OK)
			log_debug("%s: %s", req.method, message ? message : "error");
	}
	if (code == TTRPC_OK && pb_writer_failed(&payload)) {
		code = TTRPC_INTERNAL;
		message = strdup("out of memory");
	}
	ttrpc_encode_response(&response, code, message, &payload);
	pthread_mutex_lock(&conn->write_lock);
	if (!pb_writer_failed(&response) &&
	    !ttrpc_write_frame(conn->fd, call->frame.stream_id, TTRPC_RESPONSE, response.data,
	                       response.len))
		log_debug("answer %s: %s", req.method ? req.method : "request", strerror(errno));
	pthread_mutex_unlock(&conn->write_lock);

	/* Shutdown with nothing left: the answer is out, the shim goes. */
	if (code == TTRPC_OK && req.method && !strcmp(req.method, "Shutdown") &&
	    shim_task_should_exit(conn->task)) {
		pthread_mutex_lock(&server.lock);
		server.exiting = true;
		pthread_cond_broadcast(&server.done);
		pthread_mutex_unlock(&server.lock);
	}
	free(message);
	pb_writer_release(&payload);
	pb_writer_release(&response);
	ttrpc_request_release(&req);
	ttrpc_frame_release(&call->frame);
	free(call);
	connection_put(conn);
	return NULL;
}

static void *read_connection(void *arg)
{
	struct connection *conn = arg;

	for (;;) {
		cleanup_error hull_error_t err = NULL;
		struct ttrpc_frame frame;
		int rc = ttrpc_read_frame(conn->fd, &frame, &err);

		if (rc != 0) {
			if (rc < 0)
				log_debug("%s", hull_error_str(err));
			break;
		}
		if (frame.type != TTRPC_REQUEST) {
			ttrpc_frame_release(&frame);
			continue;
		}
		struct call *call = malloc(sizeof(*call));
		pthread_t thread;
		if (!call) {
			ttrpc_frame_release(&frame);
			continue;
		}
		*call = (struct call){.conn = conn, .frame = frame};
		pthread_mutex_lock(&server.lock);
		conn->refs++;
		pthread_mutex_unlock(&server.lock);
		if (pthread_create(&thread, NULL, serve_call, call) != 0) {
			ttrpc_frame_release(&call->frame);
			free(call);
			connection_put(conn);
			continue;
		}
		pthread_detach(thread);
	}
	connection_put(conn);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct connection proto = *(struct connection *)arg;

	for (;;) {
		int fd = accept4(proto.fd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t thread;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			log_error("accept: %s", strerror(errno));
			break;
		}
		struct connection *conn = calloc(1, sizeof(*conn));
		if (!conn) {
			close(fd);
			continue;
		}
		*conn = (struct connection){.fd = fd, .refs = 1, .task = proto.task};
		pthread_mutex_init(&conn->write_lock, NULL);
		if (pthread_create(&thread, NULL, read_connection, conn) != 0) {
			close(fd);
			free(conn);
			continue;
		}
		pthread_detach(thread);
	}
	pthread_mutex_lock(&server.lock);
	server.exiting = true;
	pthread_cond_broadcast(&server.done);
	pthread_mutex_unlock(&server.lock);
	return NULL;
}

void shim_serve(int listen_fd, struct shim_task *task)
{
	struct connection listener = {.fd = listen_fd, .task = task};
	pthread_t thread;

	if (pthread_create(&thread, NULL, accept_loop, &listener) != 0) {
		log_error("serve: cannot start a thread");
		return;
	}
	pthread_detach(thread);
	pthread_mutex_lock(&server.lock);
	while (!server.exiting)
		pthread_cond_wait(&server.done, &server.lock);
	pthread_mutex_unlock(&server.lock);
}
