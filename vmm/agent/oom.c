/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM kills in containers' cgroups: the kernel counts them in memory.events
 * ("oom_kill N") and tells inotify of each change (IN_MODIFY).  Each rise
 * of the count is one {"event": "oom", "container_id"} to the host: from
 * the watch while the container runs, and, for a kill of the container's
 * first process, before that process's "exit" (agent_container_exited
 * looks once more before the container goes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/agent/agent.h"
#include "vmm/agent/cgroup.h"

int agent_oom_init(void)
{
	return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

/* memory.events' oom_kill, or -1 when there is none to read. */
static long long oom_kills(const char *cgroup)
{
	char buf[4096];

	if (cgroup_read_text(cgroup, "memory.events", buf, sizeof(buf)) < 0)
		return -1;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "oom_kill ", 9) == 0)
			return strtoll(line + 9, NULL, 10);
	return -1;
}

void agent_oom_watch(struct agent *a, struct agent_container *ctr)
{
	cleanup_free char *path = NULL;

	ctr->oom_kills = oom_kills(ctr->cgroup);
	if (a->oom_fd < 0 || ctr->oom_kills < 0 ||
	    asprintf(&path, "%s/memory.events", ctr->cgroup) < 0)
		return;
	ctr->oom_watch = inotify_add_watch(a->oom_fd, path, IN_MODIFY);
	if (ctr->oom_watch < 0) {
		log_warning("container %s: watch %s: %s", ctr->id, path, strerror(errno));
		ctr->oom_watch = 0;
	}
}

void agent_oom_check(struct agent *a, struct agent_container *ctr)
{
	long long now;

	if (ctr->id == NULL || ctr->cgroup == NULL || ctr->oom_kills < 0)
		return;
	now = oom_kills(ctr->cgroup);
	if (now <= ctr->oom_kills)
		return;
	ctr->oom_kills = now;
	cleanup_json json_t *msg = json_pack("{s:s, s:s}", "event", "oom", "container_id", ctr->id);
	agent_emit(a, msg);
}

void agent_oom_unwatch(struct agent *a, struct agent_container *ctr)
{
	if (a->oom_fd >= 0 && ctr->oom_watch > 0)
		inotify_rm_watch(a->oom_fd, ctr->oom_watch);
	ctr->oom_watch = 0;
}

void agent_oom_serve(struct agent *a)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	/* Which file changed does not matter: every container's count is looked at. */
	do
		n = read(a->oom_fd, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
	for (int i = 0; i < AGENT_MAX_CONTAINERS; i++)
		if (a->ctrs[i].oom_watch > 0)
			agent_oom_check(a, &a->ctrs[i]);
}
