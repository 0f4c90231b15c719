/* SPDX-License-Identifier: Apache-2.0 */
#include "common/ns_types.h"

#include <sched.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	unsigned long flag;
} ns_types[] = {
    {"pid", CLONE_NEWPID},       {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},     {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

#define N_TYPES (sizeof(ns_types) / sizeof(ns_types[0]))

unsigned long hull_ns_flag(const char *type)
{
	for (size_t i = 0; type && i < N_TYPES; i++)
		if (strcmp(ns_types[i].name, type) == 0)
			return ns_types[i].flag;
	return 0;
}

const char *hull_ns_name(unsigned long flag)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (ns_types[i].flag == flag)
			return ns_types[i].name;
	return "?";
}

const char *hull_ns_type_at(size_t i)
{
	return i < N_TYPES ? ns_types[i].name : NULL;
}
