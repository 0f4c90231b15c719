/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The requests hull's monitor sends the guest agent to bring a container
 * up (docs/agent-protocol.md), built in one place: runtime/sandbox.c sends
 * them, and so does bench_vm's bare-QEMU baseline (tools/bench/vm_bare.c),
 * so that the two cannot drift.  Each returns a new object without an
 * "id" (the sender adds it), NULL when out of memory.
 */
#ifndef HULL_RUNTIME_AGENT_REQUESTS_H
#define HULL_RUNTIME_AGENT_REQUESTS_H

#include <jansson.h>

#include "runtime/oci_spec.h"

/* Where the guest mounts the container's root (the virtio-fs share VM_ROOTFS_TAG). */
#define AGENT_CONTAINER_ROOT "/run/hull/rootfs"

/* interfaces (stolen): the guest's view of each endpoint, in the order of QEMU's NICs. */
json_t *agent_request_configure_network(json_t *interfaces);

/*
 * The container id set up in the guest from spec (its process named
 * "init"): root from the share, mounts, hostname, and spec's process and
 * linux objects, whose network namespace becomes the guest's (a host path
 * means nothing there).
 */
json_t *agent_request_create_container(const char *id, const struct hull_spec *spec);
/*
 * Where the guest mounts a sandbox's share when it holds containers as
 * vmm/virtiofsd.h lays them out (docs/mounts.md).
 */
#define AGENT_SHARE_PATH "/run/hull/share"

/*
 * As agent_request_create_container, for such a share: the root is
 * AGENT_SHARE_PATH/<id>/rootfs and each bind mount comes from
 * AGENT_SHARE_PATH/<id>/mounts/<N>, marked "shared".
 */
json_t *agent_request_create_container_shared(const char *id, const struct hull_spec *spec);

/* Lets container id's process exec. */
json_t *agent_request_start_container(const char *id);

#endif
