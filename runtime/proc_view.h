/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's processes as a /proc on the host (runtime/proc_view.c):
 * a read-only FUSE file system, served from the monitor's poll loop, that
 * holds what the guest's agent reads from the container's own /proc
 * ("proc_files", vmm/agent/proc_files.c).  Podman's `top` (psgo) joins the
 * mount namespace of the container's pid and lists /proc there; the
 * monitor's leader thread holds a mount namespace whose /proc is this
 * view (runtime/proc_view_ns.c), so `podman top` shows the processes in the
 * guest, numbered as the container sees them, and not the host's.
 *
 * Its files: /stat (the container's, for btime), /PID/{stat,status,cmdline},
 * /PID/ns/pid (a link) and /self/{auxv,uid_map,gid_map}, which are those
 * of the process reading them.
 */
#ifndef HULL_RUNTIME_PROC_VIEW_H
#define HULL_RUNTIME_PROC_VIEW_H

#include <jansson.h>

#include "common/error.h"

struct proc_view;

/* Fetches a fresh "proc_files" reply (*snapshot, owned by the caller). */
typedef int (*proc_view_fetch_fn)(void *data, json_t **snapshot, hull_error_t *err);

/*
 * A view served on fuse_fd (an open /dev/fuse, taken over), which fetch
 * fills.  Its server must stay in the host's mount namespace: /self is read
 * from the host's /proc.
 */
struct proc_view *proc_view_new(int fuse_fd, proc_view_fetch_fn fetch, void *data);

/* The mount(2) data that mounts the view's file system: "fd=N,rootmode=...". */
int proc_view_mount_options(const struct proc_view *v, char *buf, size_t size);

/* The fd to poll for requests. */
int proc_view_fd(const struct proc_view *v);

/*
 * Answers the requests waiting on the fd (none: returns at once).  -1
 * when the file system has gone (unmounted, or its namespace ended).
 */
int proc_view_serve(struct proc_view *v);

void proc_view_free(struct proc_view *v);

#endif
