/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The requests of containerd.task.v2.Task (runtime/v2/task/shim.proto in
 * containerd 1.6), decoded into one struct: each method's message sets the
 * fields it has.  Field numbers:
 *
 *   every request        id = 1, exec_id = 2 (but Create, Update: below)
 *   CreateTaskRequest    bundle = 2, rootfs = 3 (Mount), terminal = 4,
 *                        stdin = 5, stdout = 6, stderr = 7, checkpoint = 8,
 *                        parent_checkpoint = 9, options = 10 (Any)
 *   ExecProcessRequest   terminal = 3, stdin = 4, stdout = 5, stderr = 6,
 *                        spec = 7 (Any: the OCI process as JSON)
 *   KillRequest          signal = 3, all = 4
 *   ResizePtyRequest     width = 3, height = 4
 *   CloseIORequest       stdin = 3
 *   UpdateTaskRequest    resources = 2 (Any: LinuxResources as JSON),
 *                        annotations = 3
 */
#ifndef HULL_SHIM_REQUESTS_H
#define HULL_SHIM_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "shim/rootfs.h"

struct task_request {
	char *id;
	char *exec_id; /* NULL for the task's own process (an empty exec_id) */
	/* Create */
	char *bundle;
	struct shim_mount *mounts;
	size_t n_mounts;
	bool checkpoint; /* a checkpoint to restore from: hull cannot */
	bool options;    /* runtime options were given: the shim has none */
	/* Create, Exec */
	bool terminal;
	char *stdio[3]; /* stdin, stdout, stderr: FIFO paths or URIs, "" for none */
	/* Exec: the process; Update: the resources (JSON, NUL-terminated) */
	char *json;
	/* Kill */
	uint32_t signal;
	bool all;
	/* ResizePty */
	uint32_t width, height;
	/* CloseIO */
	bool close_stdin;
};

/*
 * Decodes method's request.  A malformed message (or mount) fails, naming
 * what; the stdio strings are never NULL afterwards.
 */
int task_request_decode(const char *method, const uint8_t *data, size_t len,
                        struct task_request *req, hull_error_t *err);
void task_request_release(struct task_request *req);

#endif
