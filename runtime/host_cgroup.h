/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's cgroup on the host: config.json's linux.cgroupsPath, made
 * by hull, holding hull's host processes for the sandbox (the monitor,
 * QEMU, virtiofsd, exec relays), with linux.resources' limits plus the
 * VM's overhead, and removed by `hull delete`.
 *
 * Paths (as runc): cgroupfs "/a/b" (from each hierarchy's root) or "a/b"
 * (under hull's own cgroup in each hierarchy); with --systemd-cgroup,
 * "slice:prefix:name" -> /<slice expanded>/<prefix>-<name>.scope.  There
 * is no systemd D-Bus client: the systemd syntax makes the directories
 * systemd would (as runc's fs driver does), on cgroupfs.
 *
 * Hierarchies: on a pure cgroup v2 host (cgroup2 at /sys/fs/cgroup), the
 * one v2 cgroup (memory.max, cpu.max, pids.max, cpu.weight).  On a v1 or
 * hybrid host, the path in every hierarchy the caller is in
 * (/proc/self/cgroup: memory, cpu, cpuacct, pids, ..., name=systemd and
 * the controller-less cgroup2 at /sys/fs/cgroup/unified), limits through
 * v1's files (memory.limit_in_bytes, cpu.cfs_quota_us, pids.max,
 * cpu.shares): containerd's v1 metrics and Podman's read those.
 */
#ifndef HULL_RUNTIME_HOST_CGROUP_H
#define HULL_RUNTIME_HOST_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"

/*
 * The VM's fixed host memory besides the container's limit: QEMU
 * (~60 MiB RSS), virtiofsd (~10 MiB), the monitor (~5 MiB), and the guest
 * RAM the guest kernel, initramfs and agent touch (~100 MiB with the
 * struct pages of a 2 GiB guest); measured at ~190 MiB for an idle
 * default sandbox on KVM (docs/configuration.md), rounded up.
 */
#define HOST_CGROUP_OVERHEAD_MIB 384
/* Host tasks besides the container's pids limit: QEMU's and virtiofsd's threads. */
#define HOST_CGROUP_OVERHEAD_PIDS 512

struct host_cgroup {
	json_t *leaves;  /* array: the cgroup's directory in each hierarchy */
	json_t *created; /* array: the directories hull made, parents first */
};

/*
 * linux.cgroupsPath (NULL or "" = none: *out is NULL, no cgroup is made)
 * -> a cgroup path: cgroupfs syntax, or with systemd the expanded
 * slice:prefix:name.  Errors name linux.cgroupsPath.
 */
int host_cgroup_parse(const char *cgroups_path, bool systemd, char **out, hull_error_t *err);

/*
 * Makes the cgroup (path from host_cgroup_parse) in every hierarchy the
 * caller is in (/proc/self/cgroup; a relative path is under the caller's
 * cgroup there); cg must be zeroed; free it even on failure.  On failure,
 * what was made is removed.
 */
int host_cgroup_create(struct host_cgroup *cg, const char *path, hull_error_t *err);

/* Moves pid (one of hull's) into the cgroup's leaves (an array as in struct host_cgroup). */
int host_cgroup_join(const json_t *leaves, pid_t pid, hull_error_t *err);

/*
 * linux.resources (OCI shape; memory.limit, cpu.quota/period/shares,
 * pids.limit) written to the leaves, with the VM's overhead added;
 * fields absent are left alone.
 */
int host_cgroup_set_limits(const json_t *leaves, const json_t *resources, hull_error_t *err);

/*
 * Removes the directories in created (leaves first), waiting up to
 * timeout_ms for processes that are still exiting; those that stay
 * busy are named in *err.
 */
int host_cgroup_remove(const json_t *created, int timeout_ms, hull_error_t *err);

void host_cgroup_free(struct host_cgroup *cg);

/*
 * linux.resources' numbers as given (has_*: present; memory, cpu_quota and
 * pids <= 0: no limit), cpu_period 100000 when absent, cpu_shares only when
 * > 0.  Also what the VM is sized from (runtime/sandbox_config.c) and what
 * `hull update` checks against it.
 */
struct host_cgroup_limits {
	int64_t memory;
	int64_t cpu_quota;
	uint64_t cpu_period;
	uint64_t cpu_shares;
	int64_t pids;
	bool has_memory, has_cpu, has_shares, has_pids;
};
int host_cgroup_limits_from(const json_t *resources, struct host_cgroup_limits *l,
                            hull_error_t *err);
/* The whole CPUs l's CPU quota needs (quota / period, rounded up); 0 without a quota. */
uint64_t host_cgroup_limits_cpus(const struct host_cgroup_limits *l);

#endif
