/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.namespaces (and uid/gid mappings) as the agent applies them to a
 * container in the guest.  Every type but "network" is created anew, or
 * joined when a path is given; the path names a namespace inside the guest
 * (another container's /proc/PID/ns/TYPE: the host maps the paths it is
 * given, see docs/isolation.md).  The guest's network namespace, which
 * holds the sandbox's interfaces, is the container's network namespace:
 * "network" without a path keeps it, as does the host's path (mapped away).
 */
#ifndef HULL_VMM_AGENT_NAMESPACES_H
#define HULL_VMM_AGENT_NAMESPACES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/error.h"

#define NS_MAX_JOIN 8

struct ns_plan {
	unsigned long create; /* CLONE_NEW* to create, CLONE_NEWTIME included */
	unsigned long all;    /* created or joined, CLONE_NEWNET always */
	struct {
		int type; /* CLONE_NEW* */
		char *path;
	} join[NS_MAX_JOIN];
	size_t n_join;
	char *uid_map; /* "inside outside count\n"..., NULL without a new user ns */
	char *gid_map;
};

/* Checks linux.namespaces, uidMappings and gidMappings (linux_ may be NULL). */
int ns_plan_parse(json_t *linux_, struct ns_plan *p, hull_error_t *err);
void ns_plan_release(struct ns_plan *p);

/*
 * In the container's first process: joins the namespaces named by path
 * (the user namespace first), each checked to be of its type.
 */
int ns_plan_join(const struct ns_plan *p, hull_error_t *err);

/*
 * The plan of a process joining pid's namespaces: each of flags (but the
 * network's, which is the guest's, and time) through /proc/PID/ns.
 */
int ns_plan_join_process(struct ns_plan *p, pid_t pid, unsigned long flags, hull_error_t *err);

/* In the agent: writes the mappings of a new user namespace for pid. */
int ns_plan_write_maps(const struct ns_plan *p, pid_t pid, hull_error_t *err);

#endif
