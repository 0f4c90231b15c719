/* SPDX-License-Identifier: Apache-2.0 */
/* process.ioPriority, process.scheduler, process.execCPUAffinity (see process_sched.h). */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <linux/ioprio.h>

#include "vmm/agent/process_sched.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define UTIL_CLAMP_FLAGS 0x60 /* SCHED_FLAG_UTIL_CLAMP_MIN | _MAX */
#define DL_MIN_RUNTIME 1024   /* ns: the kernel refuses a shorter SCHED_DEADLINE runtime */
#define POLICIES "SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR, SCHED_DEADLINE"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* sched_setattr(2)'s first ABI version (SCHED_ATTR_SIZE_VER0, 48 bytes). */
struct sched_attr_v0 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

static const struct {
	const char *name;
	uint32_t policy;
} policies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},       {"SCHED_DEADLINE", SCHED_DEADLINE},
};

/* The runtime-spec's flags, with the values of the kernel's uapi linux/sched.h. */
static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const char *const io_classes[] = {
    [IOPRIO_CLASS_RT] = "IOPRIO_CLASS_RT",
    [IOPRIO_CLASS_BE] = "IOPRIO_CLASS_BE",
    [IOPRIO_CLASS_IDLE] = "IOPRIO_CLASS_IDLE",
};

static int plan_io_priority(json_t *io, struct process_plan *p, hull_error_t *err)
{
	const char *class = json_string_value(json_object_get(io, "class"));
	json_int_t level = 0;
	size_t c;

	if (io == NULL)
		return 0;
	if (!json_is_object(io))
		return hull_fail(err, 0, "process.ioPriority: expected an object");
	for (c = IOPRIO_CLASS_RT; class && c < N(io_classes); c++)
		if (strcmp(class, io_classes[c]) == 0)
			break;
	if (class == NULL || c == N(io_classes))
		return hull_fail(err, 0,
		                 "process.ioPriority.class: expected IOPRIO_CLASS_RT, "
		                 "IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE");
	if (json_object_get(io, "priority") &&
	    process_plan_int_value(json_object_get(io, "priority"), "process.ioPriority.priority",
	                           0, 7, &level, err) < 0)
		return -1;
	p->has_io_priority = true;
	p->io_class = io_classes[c];
	p->io_priority = (int)((c << IOPRIO_CLASS_SHIFT) | (size_t)level);
	return 0;
}

static int plan_sched_flags(json_t *flags, struct process_plan *p, hull_error_t *err)
{
	json_t *f;
	size_t i, k;

	if (flags == NULL)
		return 0;
	if (!json_is_array(flags))
		return hull_fail(err, 0, "process.scheduler.flags: expected an array of strings");
	json_array_foreach(flags, i, f)
	{
		const char *name = json_string_value(f);

		for (k = 0; name && k < N(sched_flags); k++)
			if (strcmp(name, sched_flags[k].name) == 0)
				break;
		if (name == NULL || k == N(sched_flags))
			return hull_fail(
			    err, 0, "process.scheduler.flags[%zu]: \"%s\" is not a scheduler flag",
			    i, name ? name : "");
		if (sched_flags[k].flag & UTIL_CLAMP_FLAGS)
			return hull_fail(
			    err, 0,
			    "process.scheduler.flags[%zu]: %s is not supported (config.json "
			    "has no utilization value to clamp to)",
			    i, name);
		p->sched.flags |= sched_flags[k].flag;
	}
	return 0;
}

/* runtime, deadline, period: SCHED_DEADLINE's only, in nanoseconds. */
static int plan_deadline(json_t *s, struct process_plan *p, hull_error_t *err)
{
	static const char *const keys[] = {"runtime", "deadline", "period"};
	uint64_t *fields[] = {&p->sched.runtime, &p->sched.deadline, &p->sched.period};
	bool deadline = p->sched.policy == SCHED_DEADLINE;
	char path[64];

	for (size_t i = 0; i < N(keys); i++) {
		json_t *v = json_object_get(s, keys[i]);
		json_int_t value = 0;

		if (v == NULL)
			continue;
		snprintf(path, sizeof(path), "process.scheduler.%s", keys[i]);
		if (!deadline)
			return hull_fail(err, 0,
			                 "%s: only SCHED_DEADLINE has a %s (the policy is %s)",
			                 path, keys[i], p->sched_name);
		if (process_plan_int_value(v, path, 0, INT64_MAX, &value, err) < 0)
			return -1;
		*fields[i] = (uint64_t)value;
	}
	/* The kernel's own rule (a period of 0 means the deadline), checked here to fail at create. */
	if (deadline &&
	    (p->sched.runtime < DL_MIN_RUNTIME || p->sched.runtime > p->sched.deadline ||
	     (p->sched.period != 0 && p->sched.deadline > p->sched.period)))
		return hull_fail(
		    err, 0,
		    "process.scheduler: SCHED_DEADLINE needs 1024 <= runtime <= deadline "
		    "<= period (nanoseconds; a period of 0 is the deadline's)");
	return 0;
}

static int plan_scheduler(json_t *s, struct process_plan *p, hull_error_t *err)
{
	const char *policy = json_string_value(json_object_get(s, "policy"));
	json_t *prio = json_object_get(s, "priority");
	json_int_t nice = 0, priority = 0;
	bool realtime;
	size_t k;

	if (s == NULL)
		return 0;
	if (!json_is_object(s))
		return hull_fail(err, 0, "process.scheduler: expected an object");
	if (policy && strcmp(policy, "SCHED_ISO") == 0)
		return hull_fail(
		    err, 0,
		    "process.scheduler.policy: SCHED_ISO is not in mainline Linux (the "
		    "guest kernel has no such policy)");
	for (k = 0; policy && k < N(policies); k++)
		if (strcmp(policy, policies[k].name) == 0)
			break;
	if (policy == NULL)
		return hull_fail(err, 0, "process.scheduler.policy: expected one of " POLICIES);
	if (k == N(policies))
		return hull_fail(
		    err, 0,
		    "process.scheduler.policy: \"%s\" is not a scheduling policy (" POLICIES ")",
		    policy);
	p->sched_name = policies[k].name;
	p->sched.policy = policies[k].policy;
	realtime = p->sched.policy == SCHED_FIFO || p->sched.policy == SCHED_RR;
	if (json_object_get(s, "nice") &&
	    process_plan_int_value(json_object_get(s, "nice"), "process.scheduler.nice", -20, 19,
	                           &nice, err) < 0)
		return -1;
	if (prio && !realtime && !(json_is_integer(prio) && json_integer_value(prio) == 0))
		return hull_fail(err, 0,
		                 "process.scheduler.priority: only SCHED_FIFO and SCHED_RR have a "
		                 "priority (the policy is %s)",
		                 policy);
	if (realtime && (!json_is_integer(prio) || json_integer_value(prio) < 1 ||
	                 json_integer_value(prio) > 99))
		return hull_fail(
		    err, 0, "process.scheduler.priority: %s needs a priority from 1 to 99", policy);
	if (realtime)
		priority = json_integer_value(prio);
	p->sched.nice = (int32_t)nice;
	p->sched.priority = (uint32_t)priority;
	if (plan_sched_flags(json_object_get(s, "flags"), p, err) < 0)
		return -1;
	return plan_deadline(s, p, err);
}

/* "0-3,7": CPU numbers and ranges, each below the number of CPUs the guest has. */
static int plan_cpu_list(json_t *v, const char *path, const char **str, cpu_set_t *set,
                         hull_error_t *err)
{
	long ncpus = get_nprocs_conf();
	const char *s = json_string_value(v);
	char *end;

	if (v == NULL)
		return 0;
	if (ncpus > CPU_SETSIZE)
		ncpus = CPU_SETSIZE;
	CPU_ZERO(set);
	if (s == NULL || *s == '\0')
		goto bad;
	while (*s) {
		unsigned long lo, hi;

		if (!isdigit((unsigned char)*s))
			goto bad;
		errno = 0;
		lo = hi = strtoul(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			hi = strtoul(end + 1, &end, 10);
		}
		if (errno != 0 || hi < lo || (*end != ',' && *end != '\0') ||
		    (*end == ',' && end[1] == '\0'))
			goto bad;
		if (hi >= (unsigned long)ncpus)
			return hull_fail(err, 0,
			                 "%s: CPU %lu is beyond the guest's %ld CPUs (0 to %ld)",
			                 path, hi, ncpus, ncpus - 1);
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		s = *end ? end + 1 : end;
	}
	*str = json_string_value(v);
	return 0;
bad:
	return hull_fail(err, 0, "%s: expected a list of CPUs such as \"0-3,7\"", path);
}

static int plan_affinity(json_t *a, struct process_plan *p, hull_error_t *err)
{
	if (a == NULL)
		return 0;
	if (!json_is_object(a))
		return hull_fail(err, 0, "process.execCPUAffinity: expected an object");
	if (plan_cpu_list(json_object_get(a, "initial"), "process.execCPUAffinity.initial",
	                  &p->cpus_initial_str, &p->cpus_initial, err) < 0)
		return -1;
	return plan_cpu_list(json_object_get(a, "final"), "process.execCPUAffinity.final",
	                     &p->cpus_final_str, &p->cpus_final, err);
}

int process_sched_parse(json_t *process, struct process_plan *p, hull_error_t *err)
{
	if (plan_io_priority(json_object_get(process, "ioPriority"), p, err) < 0 ||
	    plan_scheduler(json_object_get(process, "scheduler"), p, err) < 0)
		return -1;
	return plan_affinity(json_object_get(process, "execCPUAffinity"), p, err);
}

int process_sched_set_io_priority(const struct process_plan *p)
{
	return syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, p->io_priority) < 0 ? -1 : 0;
}

int process_sched_set_scheduler(const struct process_plan *p)
{
	struct sched_attr_v0 attr = {
	    .size = sizeof(attr),
	    .sched_policy = p->sched.policy,
	    .sched_flags = p->sched.flags,
	    .sched_nice = p->sched.nice,
	    .sched_priority = p->sched.priority,
	    .sched_runtime = p->sched.runtime,
	    .sched_deadline = p->sched.deadline,
	    .sched_period = p->sched.period,
	};

	return syscall(SYS_sched_setattr, 0, &attr, 0) < 0 ? -1 : 0;
}
