/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.ioPriority, process.scheduler and process.execCPUAffinity, as runc
 * and crun apply them: parsed into the process_plan (errors name the
 * field), applied by process_plan_exec (process_plan.h says when).
 *
 *  - ioPriority: ioprio_set(IOPRIO_WHO_PROCESS, self, class << 13 | priority).
 *  - scheduler: sched_setattr(2) with the policy, nice, priority, flags and
 *    the SCHED_DEADLINE times.  SCHED_ISO is not in mainline Linux, and the
 *    SCHED_FLAG_UTIL_CLAMP_* flags need utilization values config.json has
 *    no field for: both are refused.
 *  - execCPUAffinity: CPU lists ("0-3,7"); a CPU the guest does not have is
 *    refused.  The runtime-spec says the setting does not apply to a
 *    container's init process; hull applies it to every process it starts.
 */
#ifndef HULL_VMM_AGENT_PROCESS_SCHED_H
#define HULL_VMM_AGENT_PROCESS_SCHED_H

#include <jansson.h>

#include "common/error.h"
#include "vmm/agent/process_plan.h"

/* Reads the three fields of process into p (called by process_plan_parse). */
int process_sched_parse(json_t *process, struct process_plan *p, hull_error_t *err);

/* In the new process: -1 with errno set on failure; the caller reports it. */
int process_sched_set_io_priority(const struct process_plan *p);
int process_sched_set_scheduler(const struct process_plan *p);

/* A whole number in [min, max], or an error naming path (shared with process_plan.c). */
int process_plan_int_value(json_t *v, const char *path, json_int_t min, json_int_t max,
                           json_int_t *out, hull_error_t *err);

#endif
