// SPDX-License-Identifier: Apache-2.0
#include "shim/events.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/unix_socket.h"
#include "shim/ttrpc.h"

#define EVENTS_SERVICE "containerd.services.events.ttrpc.v1.Events"
#define PUBLISH_TIMEOUT_MS 5000

static struct {
	pthread_mutex_t lock;
	char *socket_path;
	char *ns;
	int fd;
	uint32_t next_stream;
} events = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1, .next_stream = 1};

void shim_events_init(const char *ttrpc_address, const char *ns)
{
	const char *path = ttrpc_address ? ttrpc_address : "";

	if (strncmp(path, "unix://", 7) == 0)
		path += 7;
	events.socket_path = *path ? strdup(path) : NULL;
	events.ns = strdup(ns);
}

void shim_publish(const char *topic, const char *type, const struct pb_writer *event)
{
	cleanup_error hull_error_t err = NULL;
	struct pb_writer envelope = {0}, forward = {0};
	struct timespec now;

	if (!events.socket_path)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	pb_put_timestamp(&envelope, 1, now.tv_sec, (int32_t)now.tv_nsec);
	pb_put_string(&envelope, 2, events.ns);
	pb_put_string(&envelope, 3, topic);
	pb_put_any(&envelope, 4, type, event);
	pb_put_message(&forward, 1, &envelope);

	pthread_mutex_lock(&events.lock);
	/* One retry on a fresh connection: containerd may have restarted. */
	for (int attempt = 0; attempt < 2; attempt++) {
		hull_error_release(&err);
		if (events.fd < 0) {
			events.fd = hull_unix_connect(
			    events.socket_path, hull_now_ms() + PUBLISH_TIMEOUT_MS, "events", &err);
			events.next_stream = 1;
			if (events.fd < 0)
				break;
		}
		if (ttrpc_call(events.fd, events.next_stream, EVENTS_SERVICE, "Forward", &forward,
		               PUBLISH_TIMEOUT_MS, &err) == 0) {
			events.next_stream += 2;
			break;
		}
		close(events.fd);
		events.fd = -1;
	}
	pthread_mutex_unlock(&events.lock);
	if (err)
		log_warning("publish %s: %s", topic, hull_error_str(err));
	pb_writer_release(&envelope);
	pb_writer_release(&forward);
}

void shim_publish_task_event(const char *container_id, const char *topic, const char *type)
{
	struct pb_writer ev = {0};

	pb_put_string(&ev, 1, container_id);
	shim_publish(topic, type, &ev);
	pb_writer_release(&ev);
}
