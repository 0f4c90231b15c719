/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pod's app containers, in the VM of its sandbox (docs/pods.md).  `hull
 * create` of an app container starts its relay (runtime/pod.c), which asks
 * this sandbox's monitor to add it: its rootfs and bind mounts join the
 * running virtio-fs share, the namespaces its spec names by the sandbox's
 * /proc/PID/ns paths become the sandbox container's in the guest, and the
 * agent sets it up as any container.  The relay's connection is then a
 * session (as an exec's, runtime/monitor_exec.c) for the container's first
 * process: its output and exit go to the relay, which is its pid-file
 * process.  When the member is deleted, its pieces leave the share.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/agent_requests.h"
#include "runtime/monitor_internal.h"
#include "runtime/mounts_share.h"
#include "runtime/pod.h"
#include "vmm/agent_proto.h"
#include "vmm/virtiofsd_share.h"

#define ADD_TIMEOUT_MS 60000

/* The agent's create_container for the member, its namespaces and share mapped. */
static int add_in_guest(struct monitor *m, const char *id, struct hull_spec *spec, pid_t *pid,
                        hull_error_t *err)
{
	struct mounts_share share = {0};
	cleanup_json json_t *req = NULL, *reply = NULL;
	int r;

	if (pod_map_namespaces(spec->linux_, getpid(), m->o->sc->id, err) < 0)
		return -1;
	if (mounts_share_plan(id, spec, &share, err) < 0) {
		mounts_share_release(&share);
		return -1;
	}
	r = virtiofsd_share_add(&m->sb.vm.virtiofsd, &share.container, err);
	mounts_share_release(&share);
	if (r == 0) {
		req = agent_request_create_container_shared(id, spec);
		if (req == NULL)
			r = hull_fail(err, ENOMEM, "create_container request");
	}
	if (r == 0) {
		json_object_set_new(req, "process_id", json_string(id));
		r = agent_client_call(m->sb.vm.agent, req, &reply, ADD_TIMEOUT_MS, err);
	}
	if (r < 0) {
		cleanup_error hull_error_t ignored = NULL;

		/* Not added: nothing of it stays on the share (a part may be there). */
		if (virtiofsd_share_remove(&m->sb.vm.virtiofsd, id, &ignored) < 0)
			log_warning("sandbox %s: %s", m->o->sc->id, hull_error_str(ignored));
		return -1;
	}
	*pid = (pid_t)json_integer_value(json_object_get(reply, "pid"));
	return 0;
}

static int add_container(struct monitor *m, json_t *req, struct exec_session *s, pid_t *pid,
                         hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));
	const char *bundle = json_string_value(json_object_get(req, "bundle"));
	struct hull_spec spec = {0};
	int r;

	if (id == NULL || bundle == NULL)
		return hull_fail(err, 0, "add_container: needs container_id and bundle");
	if (!m->started || m->finished)
		return hull_fail(err, 0, "sandbox %s is not running", m->o->sc->id);
	if (s == NULL) /* the control loop checked there is a free one */
		return hull_fail(err, 0, "add_container: no free session");
	if (strcmp(id, m->o->sc->id) == 0 || monitor_member(m, id))
		return hull_fail(err, 0, "container %s is in sandbox %s already", id, m->o->sc->id);
	r = hull_spec_load(bundle, &spec, err);
	if (r == 0)
		r = add_in_guest(m, id, &spec, pid, err);
	hull_spec_free(&spec);
	if (r < 0)
		return hull_error_prefix(err, "container %s in sandbox %s", id, m->o->sc->id);
	snprintf(s->process_id, sizeof(s->process_id), "%s", id);
	snprintf(s->container_id, sizeof(s->container_id), "%s", id);
	s->member = true;
	return 0;
}

int monitor_op_add_container(struct monitor *m, int conn, json_t *req, json_t **reply,
                             hull_error_t *err)
{
	struct exec_session *s = monitor_free_session(m);
	pid_t pid = 0;

	(void)reply;
	/* Its error is the session's first frame (monitor_control.c): the relay reads frames only. */
	if (add_container(m, req, s, &pid, err) < 0)
		return -1;
	log_debug("sandbox %s: container %s added, pid %d in the guest", m->o->sc->id,
	          s->container_id, (int)pid);
	monitor_session_open(m, s, conn, json_pack("{s:b, s:i}", "ok", 1, "pid", (int)pid));
	return MONITOR_KEEP_CONN;
}

/* The member's relay has gone (its end of the session hung up), whether or not that was seen. */
static bool relay_gone(const struct exec_session *s)
{
	struct pollfd p = {.fd = s->conn, .events = POLLRDHUP};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/*
 * remove_container {container_id}: a running member's processes are all
 * killed; its exit then closes its session and records it stopped.  One
 * that no longer runs (its relay gone: `hull delete` asks once its state
 * is removed) leaves the share: its rootfs and binds are unmounted in
 * virtiofsd's namespace and their directories removed, so that a member
 * restarted over and over leaves nothing behind in the pod's VM.
 */
int monitor_op_remove_container(struct monitor *m, int conn, json_t *req, json_t **reply,
                                hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));
	struct exec_session *s = monitor_member(m, id);
	cleanup_json json_t *call = NULL;

	(void)conn;
	(void)reply;
	if (id == NULL)
		return hull_fail(err, 0, "remove_container: no container_id");
	if (strcmp(id, m->o->sc->id) == 0)
		return hull_fail(err, 0, "container %s is the sandbox, not a member of it", id);
	/* A relay killed just now: its end may not have been seen yet. */
	if (s && relay_gone(s)) {
		monitor_exec_lost(m, s);
		s = NULL;
	}
	if (s == NULL) {
		if (virtiofsd_share_remove(&m->sb.vm.virtiofsd, id, err) < 0)
			return hull_error_prefix(err, "sandbox %s", m->o->sc->id);
		log_debug("sandbox %s: container %s is off the share", m->o->sc->id, id);
		/* The guest's cached files of it go too: virtiofsd then closes its own. */
		call = json_pack("{s:s, s:s}", "op", "remove_container", "container_id", id);
		return agent_client_call(m->sb.vm.agent, call, NULL, MONITOR_AGENT_TIMEOUT_MS, err);
	}
	call = json_pack("{s:s, s:s, s:i, s:b}", "op", "kill_container", "container_id", id,
	                 "signal", SIGKILL, "all", 1);
	return agent_client_call(m->sb.vm.agent, call, NULL, MONITOR_AGENT_TIMEOUT_MS, err);
}
