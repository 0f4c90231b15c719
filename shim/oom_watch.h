/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A task's OOM kills for containerd: a `hull events --interval 24h
 * --ready-line ID` child whose {"type": "oom"} lines become /tasks/oom
 * events (containerd.events.TaskOOM {container_id = 1}), from which the
 * CRI gives the container the reason "OOMKilled".  The stream ends when
 * the container stops; the child is then reaped.
 */
#ifndef HULL_SHIM_OOM_WATCH_H
#define HULL_SHIM_OOM_WATCH_H

#include <stdbool.h>

#include "common/error.h"
#include "shim/hull_command.h"

struct oom_watch;

/*
 * Starts watching container id (created, not yet started) and returns, with
 * the caller's reference, once
 * hull's subscription is taken (its ready line), so that the container can
 * be started; NULL with err set if hull could not subscribe within
 * timeout_ms (the child is then gone).
 */
struct oom_watch *oom_watch_start(const struct hull_runner *runner, const char *id, int timeout_ms,
                                  hull_error_t *err);

/*
 * Waits up to timeout_ms for the stream's end (the container stopped), so
 * that an OOM kill that ended the container is told before its exit.
 * true when it ended.  Any thread may call it, the reaper's too.
 */
bool oom_watch_drain(struct oom_watch *w, int timeout_ms);

/* One more reference (for a caller that drains while another may stop). */
struct oom_watch *oom_watch_get(struct oom_watch *w);
void oom_watch_put(struct oom_watch *w);

/*
 * Ends the child if it still runs, waits until it is reaped and drops the
 * caller's reference (NULL: nothing).  Not from the reaper's thread, which
 * reaps the child.
 */
void oom_watch_stop(struct oom_watch *w);

#endif
