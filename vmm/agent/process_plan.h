/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI process object as the agent runs it: parsed (and checked) in the
 * agent, then applied in the new process just before exec: rlimits, user,
 * groups, working directory, no_new_privs, then exec with the process's
 * own PATH.
 */
#ifndef HULL_VMM_AGENT_PROCESS_PLAN_H
#define HULL_VMM_AGENT_PROCESS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

struct process_plan {
	char **argv;
	char **envp;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	bool terminal;
	bool no_new_privs;
	struct {
		int resource;
		struct rlimit limit;
	} rlimits[RLIM_NLIMITS];
	size_t n_rlimits;
};

/* Checks and reads process; argv/envp point into it, so it must outlive p. */
int process_plan_parse(json_t *process, struct process_plan *p, hull_error_t *err);
void process_plan_release(struct process_plan *p);

/*
 * In the new process, with its stdio in place: never returns.  root, when
 * not NULL, is chrooted into.  A failure is written to report_fd as
 * "STEP WHAT: REASON" and the process exits 127.
 */
void process_plan_exec(struct process_plan *p, const char *root, int report_fd);

#endif
