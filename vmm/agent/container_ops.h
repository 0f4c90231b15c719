/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What runc's pause, resume, kill [--all], ps, update and events --stats
 * do to a container, done in the guest on the container's cgroup
 * (vmm/agent/container_ops.c).  Each takes the request (its
 * "container_id" names the container) and, where it has one, fills
 * *reply with the reply's results.
 */
#ifndef HULL_VMM_AGENT_CONTAINER_OPS_H
#define HULL_VMM_AGENT_CONTAINER_OPS_H

#include <jansson.h>

#include "common/error.h"
#include "vmm/agent/agent.h"

/* The container of that id, NULL if there is none. */
struct agent_container *agent_find_container(struct agent *a, const char *id);
/* The container req's "container_id" names; NULL (err set) if there is none. */
struct agent_container *agent_named_container(struct agent *a, json_t *req, hull_error_t *err);

/* "pause_container" / "resume_container": cgroup.freeze, waiting until it holds. */
int agent_container_pause(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);
int agent_container_resume(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);

/*
 * "kill_container" {"signal", "all"}: the container's first process, or
 * with all every process in its cgroup.  SIGKILL of a paused container's
 * first process thaws it, as runc does, so that it dies now.
 */
int agent_container_kill(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);

/*
 * "ps_container": {"processes": [{"pid", "ppid" (as the container sees
 * them; ppid 0: outside it), "uid", "user" (from the container's
 * /etc/passwd, or absent), "time" (CPU seconds), "command"}]}.
 */
int agent_container_ps(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);

/* "update_container" {"resources": linux.resources}: new limits on its cgroup. */
int agent_container_update(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);

/* "stats_container": {"stats": cgroup_stats() of its cgroup}. */
int agent_container_stats(struct agent *a, json_t *req, json_t **reply, hull_error_t *err);

#endif
