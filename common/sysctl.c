/* SPDX-License-Identifier: Apache-2.0 */
/* Which sysctls a container may set (see sysctl.h). */
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "common/sysctl.h"

/* The IPC namespace's own, besides fs.mqueue.* (runc's list). */
static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Dotted words: no '/', no empty word, so the /proc/sys path stays under it. */
static bool well_formed(const char *name)
{
	const char *p = name;

	if (*p == '\0')
		return false;
	for (; *p; p++) {
		if (*p == '/')
			return false;
		if (*p == '.' && (p == name || p[1] == '\0' || p[1] == '.'))
			return false;
	}
	return true;
}

static int need(const char *name, unsigned long ns_flags, unsigned long ns, const char *what,
                hull_error_t *err)
{
	if (ns_flags & ns)
		return 0;
	return hull_fail(err, 0,
	                 "linux.sysctl: \"%s\" needs the container's own %s namespace, "
	                 "and the container shares the guest's",
	                 name, what);
}

int hull_sysctl_check(const char *name, unsigned long ns_flags, hull_error_t *err)
{
	if (name == NULL || !well_formed(name))
		return hull_fail(err, 0, "linux.sysctl: \"%s\" is not a sysctl name",
		                 name ? name : "");
	for (size_t i = 0; i < sizeof(ipc_sysctls) / sizeof(ipc_sysctls[0]); i++)
		if (strcmp(name, ipc_sysctls[i]) == 0)
			return need(name, ns_flags, CLONE_NEWIPC, "IPC", err);
	if (starts_with(name, "fs.mqueue."))
		return need(name, ns_flags, CLONE_NEWIPC, "IPC", err);
	if (starts_with(name, "net."))
		return need(name, ns_flags, CLONE_NEWNET, "network", err);
	if (strcmp(name, "kernel.hostname") == 0 || strcmp(name, "kernel.domainname") == 0)
		return need(name, ns_flags, CLONE_NEWUTS, "UTS", err);
	return hull_fail(
	    err, 0, "linux.sysctl: \"%s\" is not namespaced; hull refuses it as runc does", name);
}
