/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's numbers for containerd's Stats: `hull events --stats`
 * (runc's stats event, read from the container's own cgroup in the guest)
 * as a StatsResponse {stats = 1} holding io.containerd.cgroups.v2.Metrics,
 * the cgroup v2 shape containerd's CRI and `ctr task metrics` read
 * (pids = 1 {current, limit}, cpu = 2 {usage_usec, user_usec, system_usec,
 * nr_periods, nr_throttled, throttled_usec}, memory = 4 {usage = 32,
 * usage_limit = 33, swap_usage = 34}).  The guest's cgroups are v2.
 */
#ifndef HULL_SHIM_METRICS_H
#define HULL_SHIM_METRICS_H

#include "common/error.h"
#include "shim/protobuf.h"

#define SHIM_METRICS_TYPE "io.containerd.cgroups.v2.Metrics"

int shim_metrics_from_stats(const char *stats_event, struct pb_writer *response, hull_error_t *err);

#endif
