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

#include "runtime/proc_view.h"

/*
 * Runs body(arg, view) on a new thread while this one, the process's
 * leader, moves to a mount namespace of its own with view's file system
 * on /proc and waits there.  view is NULL when that could not be done
 * (why is logged as a warning).  Never returns: body ends the process.
 */
_Noreturn void proc_view_hold(proc_view_fetch_fn fetch, void *fetch_data,
                              void (*body)(void *arg, struct proc_view *view), void *arg);

#endif
