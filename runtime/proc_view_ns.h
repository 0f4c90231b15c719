/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the proc view is seen (runtime/proc_view_ns.c): a caller that joins
 * the mount namespace of the monitor's pid, as Podman's top does, looks at
 * the leader thread's namespace, so the leader holds one of its own whose
 * /proc is the view, and a second thread, left in the host's namespace,
 * does the monitor's work and serves the view.
 */
#ifndef HULL_RUNTIME_PROC_VIEW_NS_H
#define HULL_RUNTIME_PROC_VIEW_NS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/proc_view.h"
#include "vmm/virtiofsd.h"

/*
 * The container's root as the view's namespace shows it, as a runc
 * container's mount namespace would: its rootfs is "/" (read-only if
 * root.readonly), its bind mounts are at their destinations, /proc is the
 * view, /dev a small tmpfs with pts/.  What Podman does there (top reads
 * /proc and /etc/passwd; cp copies into "/") then is the container's.
 */
struct proc_view_root {
	const char *rootfs; /* absolute, on the host */
	bool readonly;
	const struct virtiofsd_bind *binds;
	size_t n_binds;
};

/*
 * The root of a container whose pieces are on a virtio-fs share (its
 * mounts_share_plan, runtime/mounts_share.h): its rootfs and binds, as
 * the guest mounts them.  Points into c.
 */
struct proc_view_root proc_view_root_of(const struct virtiofsd_container *c);

/*
 * Runs body(arg, view) on a new thread while this one, the process's
 * leader, moves to a mount namespace of its own whose root is root's
 * rootfs, with view's file system on /proc, and waits there.  view is
 * NULL without /dev/fuse or without a /proc directory in the rootfs (the
 * namespace is still the container's, with the rootfs's /proc if any),
 * and when the container's namespace cannot be made (or root is NULL: no
 * plan of its mounts): the leader then holds an empty read-only tmpfs as
 * "/", the host's tree detached, so nothing of the host is seen or
 * written through its pid.  Why is logged as a warning; as an error when
 * the leader could not leave the host's tree (unshare, or the empty root,
 * failing; no thread).  Never returns: body ends the process.
 */
_Noreturn void proc_view_hold(const struct proc_view_root *root, proc_view_fetch_fn fetch,
                              void *fetch_data, void (*body)(void *arg, struct proc_view *view),
                              void *arg);

#endif
