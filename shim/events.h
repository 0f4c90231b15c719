/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Task events for containerd (/tasks/create, /tasks/exit, ...): each is
 * forwarded over ttrpc to containerd's events service
 * (containerd.services.events.ttrpc.v1.Events/Forward at TTRPC_ADDRESS),
 * as an Envelope {timestamp = 1, namespace = 2, topic = 3, event = 4 (Any)}.
 * The CRI learns of a container's exit only from /tasks/exit.
 */
#ifndef HULL_SHIM_EVENTS_H
#define HULL_SHIM_EVENTS_H

#include "shim/protobuf.h"

/* Where to send them: the ttrpc socket ("unix://" or not) and the namespace. */
void shim_events_init(const char *ttrpc_address, const char *ns);

/*
 * Sends one event, e.g. topic "/tasks/exit", type "containerd.events.TaskExit".
 * A failure is logged, not returned: containerd may be restarting, and the
 * task goes on (the next event reconnects).
 */
void shim_publish(const char *topic, const char *type, const struct pb_writer *event);

/*
 * An event whose only field is {container_id = 1}: /tasks/paused
 * (TaskPaused), /tasks/resumed (TaskResumed), /tasks/oom (TaskOOM).
 */
void shim_publish_task_event(const char *container_id, const char *topic, const char *type);

#endif
