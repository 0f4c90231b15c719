/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Kubernetes pod is one VM (docs/pods.md): its sandbox container boots
 * it; each app container (a "container" naming the sandbox in the CRI
 * annotations) joins it through the sandbox's monitor.  This is the host
 * side of an app container: the namespaces its spec names, and its relay,
 * the pid-file process that lives as long as its first process.
 */
#ifndef HULL_RUNTIME_POD_H
#define HULL_RUNTIME_POD_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"
#include "runtime/oci_spec.h"

/*
 * An app container's linux.namespaces (edited in place): the CRI names the
 * sandbox's namespaces by the /proc/PID/ns/TYPE of its pid-file process,
 * the sandbox's monitor (sandbox_monitor): network becomes the guest's own
 * (the path goes), every other type "container:SANDBOX_ID" (the agent's
 * name for the sandbox container's).  Any other path is refused, naming it.
 */
int pod_map_namespaces(json_t *linux_, pid_t sandbox_monitor, const char *sandbox_id,
                       hull_error_t *err);

/*
 * In a sandbox's monitor, once the sandbox is up: it lives in the pod's
 * namespaces, so that /proc/PID/ns/net of its pid (what the CRI gives the
 * pod's containers and CNI) is the pod's network namespace, and ipc/uts
 * are the pod's own when the spec asks for new ones.
 */
int pod_monitor_enter(const struct hull_spec *spec, hull_error_t *err);

/*
 * In the relay (a child of `hull create`): asks the sandbox's monitor
 * (its control socket at monitor_socket) to add container id from bundle,
 * says "ok\n" or the error on ready_fd (closed), then relays the
 * container's first process with stdio on 0-2 (a terminal when tty) until
 * it exits, and exits with its status.  Before it says "ok", its leader
 * thread moves into a mount namespace made like the member's
 * (proc_view_hold, runtime/proc_view_ns.h): the member's rootfs as "/",
 * its bind mounts, /proc a view of its processes in the guest
 * (pod_member_proc_files), so that what joins its pid's mount namespace
 * (`nsenter -t PID -m`, a cp into the container) reaches the member's
 * files, never the host's.
 */
__attribute__((noreturn)) void pod_member_relay(const char *monitor_socket, const char *id,
                                                const char *bundle, bool tty, int ready_fd);

/*
 * The guest's "proc_files" of pod member id (vmm/agent/proc_files.c), from
 * its sandbox's monitor (its control socket at monitor_socket): *snapshot
 * (the caller's) on success; the monitor's or agent's error otherwise.
 */
int pod_member_proc_files(const char *monitor_socket, const char *id, json_t **snapshot,
                          hull_error_t *err);

/*
 * After `hull delete` removed app container id's state: asks the monitor of
 * its sandbox (under root) to take its rootfs and binds off the pod's
 * share (monitor_pod.c's remove_container).  A sandbox that is down has
 * no share left: nothing to do.  Failures are logged; the delete is done.
 */
void pod_member_deleted(const char *root, const char *sandbox_id, const char *id);

#endif
