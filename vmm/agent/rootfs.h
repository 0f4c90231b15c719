/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem view, made by the container's first process
 * in its own mount namespace, as runc makes it on a host: rootfs
 * propagation, the OCI mounts under the root, the default device nodes
 * and linux.devices, pivot_root, linux.sysctl, masked and read-only
 * paths, and the read-only root.
 */
#ifndef HULL_VMM_AGENT_ROOTFS_H
#define HULL_VMM_AGENT_ROOTFS_H

#include <jansson.h>

#include "common/error.h"

struct rootfs_plan;

/*
 * Reads and checks the request's "root" (the guest directory holding the
 * image; it exists), "mounts", "readonly" and, from its "linux" object,
 * rootfsPropagation, maskedPaths, readonlyPaths, devices and sysctl.
 * ns_flags are the CLONE_NEW* namespaces the container has (new or
 * joined): a sysctl is accepted only when its namespace is among them.
 * Errors name the field ("linux.devices[1].type: ...").  *out is freed
 * with rootfs_plan_free.
 */
int rootfs_plan_parse(json_t *req, unsigned long ns_flags, struct rootfs_plan **out,
                      hull_error_t *err);

/* The mounts the guest cannot make, [{"destination", "reason"}]; borrowed. */
json_t *rootfs_plan_skipped(const struct rootfs_plan *p);

/*
 * In the container's first process, already in its new mount namespace,
 * with the privileges it was created with.  On success its root and
 * working directory are the container's "/".  The old root is gone from
 * its view.
 */
int rootfs_plan_apply(const struct rootfs_plan *p, hull_error_t *err);

void rootfs_plan_free(struct rootfs_plan *p);

#endif
