/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI process object (and linux.personality) as the agent runs it:
 * parsed and checked in the agent, so that errors come back to the host
 * synchronously and name the config.json field, then applied in the new
 * process just before exec, in runc's order (libcontainer's
 * standard_init_linux.go and finalizeNamespace):
 *
 *   rlimits, oom_score_adj, personality, umask, [chroot root],
 *   seccomp when noNewPrivileges is false (loading a filter without
 *   no_new_privs needs CAP_SYS_ADMIN, so before the capabilities go),
 *   the bounding set (PR_CAPBSET_DROP needs CAP_SETPCAP: before the user
 *   changes), PR_SET_KEEPCAPS, groups, gid, uid, capset (effective,
 *   permitted, inheritable), ambient raise, chdir cwd, no_new_privs,
 *   seccomp when noNewPrivileges is true (as late as possible, so that
 *   the filter sees as few of the runtime's own syscalls as possible),
 *   exec with the process's own PATH.
 *
 * Capabilities:
 *  - An ABSENT process.capabilities means five EMPTY sets, as in runc
 *    (finalizeNamespace starts from an empty configs.Capabilities when the
 *    config has none): the process starts with no capability at all, even
 *    as uid 0.  A config that wants root's usual power lists it.
 *  - Ambient capabilities that are not both permitted and inheritable are
 *    left out (the kernel cannot raise them; runc ignores that error with
 *    a warning, and its own `runc spec` once produced such configs): the
 *    agent logs a warning at parse time.
 *  - The execve(2) rules then apply: uid 0 gets permitted = effective =
 *    bounding | inheritable (intersected with what it had before, under
 *    no_new_privs); any other uid gets permitted = effective = ambient.
 *
 * oom_score_adj is written to /proc/self/oom_score_adj, so the process must
 * see a proc filesystem there when it is applied (the container's /proc).
 *
 * process.execCPUAffinity.initial is applied first of all (the setup work
 * runs on those CPUs), .final after the chdir (before no_new_privs and a
 * late seccomp filter, which may not allow it); process.ioPriority and
 * process.scheduler after the chroot, while the process still has
 * CAP_SYS_NICE and CAP_SYS_ADMIN and before any seccomp filter (runc sets
 * the scheduler at that point too).  See process_sched.h.
 */
#ifndef HULL_VMM_AGENT_PROCESS_PLAN_H
#define HULL_VMM_AGENT_PROCESS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/capability.h"
#include "common/error.h"

struct seccomp_plan;

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
	/* Bit n for capability n, indexed by enum hull_cap_set. */
	uint64_t caps[HULL_CAP_NSETS];
	mode_t umask; /* user.umask, 0022 when absent (runc's and crun's default) */
	bool has_oom_score_adj;
	int oom_score_adj;
	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 */
	bool has_io_priority;
	const char *io_class;   /* "IOPRIO_CLASS_BE" ..., for messages */
	int io_priority;        /* ioprio_set(2)'s value: class << 13 | level */
	const char *sched_name; /* process.scheduler.policy; NULL: not set */
	struct {
		uint32_t policy;
		uint64_t flags;
		int32_t nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} sched;
	/* process.execCPUAffinity; a NULL string: that one is not set. */
	const char *cpus_initial_str, *cpus_final_str;
	cpu_set_t cpus_initial, cpus_final;
};

/*
 * Checks and reads process and (linux_ may be NULL) linux.personality;
 * argv/envp point into process, so it must outlive p.  Errors name the
 * field: process.capabilities.bounding[2]: "CAP_BOGUS" is not a capability.
 * On failure p still needs process_plan_release.
 */
int process_plan_parse(json_t *process, json_t *linux_, struct process_plan *p, hull_error_t *err);
void process_plan_release(struct process_plan *p);

/*
 * process.args[0] as exec will look for it (the process's PATH; a name with
 * a slash from process.cwd), in the container's root before it waits for
 * start: a missing command fails create, in runc's words
 * (exec: "nope": executable file not found in $PATH), from which Podman
 * and the shims tell status 127.
 */
int process_plan_lookup(const struct process_plan *p, hull_error_t *err);

/*
 * In the new process, with its stdio in place: never returns.  root, when
 * not NULL, is chrooted into; seccomp (NULL: no filter) is loaded at the
 * point described above.  A failure is written to report_fd as
 * "STEP WHAT: REASON" (e.g. "exec /bin/nope: No such file or directory")
 * and the process exits 127.
 */
void process_plan_exec(struct process_plan *p, const struct seccomp_plan *seccomp, const char *root,
                       int report_fd);

#endif
