/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd's task API (containerd.task.v2.Task) for one container, done
 * with hull's runc commands: Create runs `hull create`, Start `hull start`
 * or `hull exec --detach`, Kill `hull kill`, Delete `hull delete`, and
 * Stats `hull events --stats`, whose numbers are the container's own
 * cgroup in the guest.  That last one is why the shim exists: the runc
 * shim reads the host cgroup of the task's pid, which for a container in
 * a pod's VM is its relay, not the container.
 *
 * The task's processes are the pid-file processes hull leaves (the
 * sandbox's monitor, a pod member's or an exec's relay); the shim is their
 * subreaper and reports their exit status as the process's.
 */
#ifndef HULL_SHIM_TASK_H
#define HULL_SHIM_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim/hull_command.h"
#include "shim/protobuf.h"
#include "shim/ttrpc.h"

struct shim_task;

/* A task for container id; state_dir holds its console sockets, exec specs and hull's log. */
struct shim_task *shim_task_new(const struct hull_runner *runner, const char *id,
                                const char *state_dir);

/*
 * Serves one request of the Task service: method "Create", "Wait", ...
 * Returns TTRPC_OK with *response filled, or a code with *message (malloc'd).
 * Safe to call from several threads at once; Wait blocks until the exit.
 */
enum ttrpc_code shim_task_handle(struct shim_task *task, const char *method, const uint8_t *req,
                                 size_t req_len, struct pb_writer *response, char **message);

/* True once Shutdown was asked with nothing left to serve: the shim exits. */
bool shim_task_should_exit(struct shim_task *task);

#endif
