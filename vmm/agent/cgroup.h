/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Each container's cgroup (v2) in the guest, under the sandbox's: the
 * limits of linux.resources (memory, cpu, pids, io, devices), the
 * container's processes, and what ps/stats read back.
 */
#ifndef HULL_VMM_AGENT_CGROUP_H
#define HULL_VMM_AGENT_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

struct cgroup_plan;

/* resources (linux.resources) may be NULL.  Errors name the field. */
int cgroup_plan_parse(json_t *resources, struct cgroup_plan **out, hull_error_t *err);

/*
 * Makes PARENT/NAME, enables in PARENT what the plan needs, writes the
 * limits.  *path is malloc'd.  A controller the kernel lacks is an error
 * naming the field that needs it.  memory and pids are enabled in any case
 * where the kernel has them, so that stats always count them.
 */
int cgroup_create(const char *parent, const char *name, const struct cgroup_plan *p, char **path,
                  hull_error_t *err);

/* Moves pid into the cgroup. */
int cgroup_attach(const char *path, pid_t pid, hull_error_t *err);

/* Kills what is left in it, waits until it is empty, removes it. */
int cgroup_destroy(const char *path, hull_error_t *err);

/*
 * Freezes (or thaws) every process in the cgroup and waits until the
 * kernel says they all are (cgroup.events "frozen 1", or "frozen 0").
 */
int cgroup_freeze(const char *path, bool frozen, hull_error_t *err);

/* 1 if the cgroup is set to frozen, 0 if not, -1 (errno) if unreadable. */
int cgroup_frozen(const char *path);

/* Every pid in the cgroup and its descendants (malloc'd; *n of them). */
int cgroup_pids(const char *path, pid_t **pids, size_t *n, hull_error_t *err);

/*
 * Sends sig to every process in the cgroup and its descendants: SIGKILL
 * through cgroup.kill; any other signal to each pid, with the cgroup
 * frozen meanwhile (then left as it was: a paused one stays paused, and a
 * handled signal waits for resume; a fatal one kills at once on cgroup v2).
 */
int cgroup_signal_all(const char *path, int sig, hull_error_t *err);

/*
 * Writes a plan's limits to an existing cgroup (`hull update`), enabling
 * in its parent the controllers they need.
 */
int cgroup_update(const char *path, const struct cgroup_plan *p, hull_error_t *err);

/*
 * {"memory": {"current", "max", "oom_kill", ...}, "pids": {"current", "max"},
 *  "cpu": {"usage_usec", ...}}: what the files hold, "max" as null, a file
 * the kernel lacks left out.  NULL if path is not there.
 */
json_t *cgroup_stats(const char *path);

void cgroup_plan_free(struct cgroup_plan *p);

/*
 * dir/file's contents, NUL-terminated (at most size-1 bytes), or -1 with
 * errno: a cgroup file, or a /proc one (container_ops.c's ps).
 */
int cgroup_read_text(const char *dir, const char *file, char *buf, size_t size);

/*
 * What the plan writes to FILE (the last write to it: io.max and
 * io.weight may get several), or NULL: the conversions, readable where
 * the controller is missing (the tests).
 */
const char *cgroup_plan_value(const struct cgroup_plan *p, const char *file);

/* cpu.shares to cpu.weight, runc's conversion (1024 -> 100, 2 -> 1, 262144 -> 10000). */
unsigned long long cgroup_cpu_weight(unsigned long long shares);

/*
 * linux.resources.devices, as a cgroup v2 device program (cgroup_devices.c).
 * Rules are read per access bit (m, r, w), last matching rule first, so a
 * later rule overrides an earlier one for what both cover; a request is
 * allowed only if every bit it asks for is; nothing matched means denied.
 * The OCI default devices (null, zero, full, random, urandom, tty,
 * console, ptmx, pts, and mknod of any node) are always allowed, whatever
 * the rules say, as runc and crun do.  Without a devices list no program
 * is attached: the VM is the wall.
 */
struct cgroup_dev_rule {
	int allow;
	char type;           /* 'a', 'b' or 'c' */
	long long major;     /* -1: any */
	long long minor;     /* -1: any */
	unsigned int access; /* BPF_DEVCG_ACC_* bits */
};

int cgroup_devices_parse(json_t *devices, struct cgroup_dev_rule **rules, size_t *n,
                         hull_error_t *err);

/* Loads the program for rules and attaches it (BPF_F_ALLOW_MULTI) to cgroup_fd. */
int cgroup_devices_attach(int cgroup_fd, const struct cgroup_dev_rule *rules, size_t n,
                          hull_error_t *err);

#endif
