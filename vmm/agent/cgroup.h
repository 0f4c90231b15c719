/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Each container's cgroup (v2) in the guest, under the sandbox's: the
 * limits of linux.resources (memory, cpu, pids, io, devices), the
 * container's processes, and what ps/stats read back.
 */
#ifndef HULL_VMM_AGENT_CGROUP_H
#define HULL_VMM_AGENT_CGROUP_H

#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

struct cgroup_plan;

/* resources (linux.resources) may be NULL.  Errors name the field. */
int cgroup_plan_parse(json_t *resources, struct cgroup_plan **out, hull_error_t *err);

/*
 * Makes PARENT/NAME, enables in PARENT what the plan needs, writes the
 * limits.  *path is malloc'd.  A controller the kernel lacks is an error
 * naming the field that needs it.
 */
int cgroup_create(const char *parent, const char *name, const struct cgroup_plan *p,
                  char **path, hull_error_t *err);

/* Moves pid into the cgroup. */
int cgroup_attach(const char *path, pid_t pid, hull_error_t *err);

/* Kills what is left in it, waits until it is empty, removes it. */
int cgroup_destroy(const char *path, hull_error_t *err);

/* {"memory": {"current", "max"}, "pids": {"current", "max"}, "cpu": {"usage_usec"}, ...} */
json_t *cgroup_stats(const char *path);

void cgroup_plan_free(struct cgroup_plan *p);

#endif
