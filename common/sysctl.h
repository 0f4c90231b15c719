/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.sysctl as runc validates it (validateSysctl): a sysctl is set in
 * the container only when it belongs to a namespace the container has, so
 * that it cannot change the guest (or, for hull, another container of the
 * same pod) behind the container's back.  The host checks at create, the
 * guest agent again before it forks.  Linked into the guest agent: no
 * other hull module here.
 */
#ifndef HULL_COMMON_SYSCTL_H
#define HULL_COMMON_SYSCTL_H

#include "common/error.h"

/*
 * 0 when the sysctl called name (dotted: "net.ipv4.ip_forward") may be
 * set in a container with the namespaces ns_flags (CLONE_NEW*, new or
 * joined).  The IPC ones (kernel.msg*, kernel.sem, kernel.shm*,
 * fs.mqueue.*) need CLONE_NEWIPC, net.* CLONE_NEWNET, kernel.hostname and
 * kernel.domainname CLONE_NEWUTS; anything else is refused.  Errors read
 * "linux.sysctl: ...".
 */
int hull_sysctl_check(const char *name, unsigned long ns_flags, hull_error_t *err);

#endif
