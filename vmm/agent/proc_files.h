/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's own /proc, read for the host (vmm/agent/proc_files.c):
 * what the host's view of the container's processes serves
 * (runtime/proc_view.c), so that `podman top` lists the processes in the
 * guest and not the host's.
 */
#ifndef HULL_VMM_AGENT_PROC_FILES_H
#define HULL_VMM_AGENT_PROC_FILES_H

#include <jansson.h>

#include "common/error.h"
#include "vmm/agent/agent.h"

/*
 * "proc_files" {"container_id"}: {"stat": the container's /proc/stat,
 * "processes": [{"pid", "stat", "status", "cmdline" (base64: NUL
 * separated), "pid_ns" (the ns/pid link's text)}], "truncated": true when
 * the reply would have been too big for every process}.  Read from the
 * proc mount in the container's root, so every pid in it is the one the
 * container sees.
 */
int agent_proc_files(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);

#endif
