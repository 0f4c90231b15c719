/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's control requests (see runtime/control.h): start, kill,
 * shutdown, and runc's pause, resume, ps, update and stats; proc_files
 * for a pod member's /proc view (runtime/pod.c); events, a subscription
 * that keeps its connection (runtime/monitor_events.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/agent_requests.h"
#include "runtime/control.h"
#include "runtime/hooks.h"
#include "runtime/monitor_internal.h"

const char *monitor_target(struct monitor *m, json_t *req, hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));

	if (id == NULL || strcmp(id, m->o->sc->id) == 0)
		return m->o->sc->id;
	if (monitor_member(m, id))
		return id;
	hull_fail(err, 0, "container %s is not running in sandbox %s", id, m->o->sc->id);
	return NULL;
}

static bool is_member(struct monitor *m, const char *target)
{
	return strcmp(target, m->o->sc->id) != 0;
}

static int start_container(struct monitor *m, hull_error_t *err)
{
	if (m->started)
		return hull_fail(err, 0, "container %s is already started", m->o->sc->id);
	if (sandbox_start_process(&m->sb, err) < 0)
		return -1;
	m->started = true;
	/* stdin is forwarded unless the caller gave none. */
	m->stdin_open = fcntl(0, F_GETFD) >= 0;
	monitor_set_status(m, HULL_STATUS_RUNNING, -1);
	monitor_check_size(m);
	hooks_poststart(m->o->state_root, m->o->sc->id, m->o->sc->spec.hooks);
	return 0;
}

int monitor_signal_container(struct monitor *m, int sig, hull_error_t *err)
{
	cleanup_json json_t *req = NULL;

	/* A created container's process waits for start: the signal stops it, as in runc. */
	req = json_pack("{s:s, s:s, s:i}", "op", "signal", "process_id", "init", "signal", sig);
	return agent_client_call(m->sb.vm.agent, req, NULL, MONITOR_AGENT_TIMEOUT_MS, err);
}

static int op_start(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	const char *target = monitor_target(m, req, err);
	cleanup_json json_t *call = NULL;

	(void)conn;
	(void)reply;
	if (target == NULL)
		return -1;
	if (!is_member(m, target))
		return start_container(m, err);
	/* A pod member: its relay already waits for its output. */
	call = agent_request_start_container(target);
	if (agent_client_call(m->sb.vm.agent, call, NULL, 30000, err) < 0)
		return -1;
	monitor_set_member_status(m, target, HULL_STATUS_RUNNING);
	return 0;
}

/*
 * Sends the agent op (container_ops.c in the guest) for container target,
 * with req's fields named in keys (NULL-terminated) copied over; *result
 * (may be NULL) gets the agent's reply.
 */
static int target_request(struct monitor *m, const char *target, const char *op, json_t *req,
                          const char *const *keys, json_t **result, hull_error_t *err)
{
	cleanup_json json_t *call = json_pack("{s:s, s:s}", "op", op, "container_id", target);

	if (call == NULL)
		return hull_fail(err, ENOMEM, "%s", op);
	for (size_t i = 0; keys && keys[i]; i++)
		if (json_object_get(req, keys[i]))
			json_object_set(call, keys[i], json_object_get(req, keys[i]));
	return agent_client_call(m->sb.vm.agent, call, result, MONITOR_AGENT_TIMEOUT_MS, err);
}

/* The same for the container req names (monitor_target). */
static int container_request(struct monitor *m, const char *op, json_t *req,
                             const char *const *keys, json_t **result, hull_error_t *err)
{
	const char *target = monitor_target(m, req, err);

	return target ? target_request(m, target, op, req, keys, result, err) : -1;
}

/* kill {"signal", "all"}: the container's first process, or all its processes. */
static int op_kill(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	static const char *const keys[] = {"signal", "all", NULL};

	(void)conn;
	(void)reply;
	if (!json_is_integer(json_object_get(req, "signal")))
		return hull_fail(err, 0, "kill: no signal");
	return container_request(m, "kill_container", req, keys, NULL, err);
}

/* pause and resume: the guest freezes the container's cgroup; the state says so. */
static int op_pause(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	(void)conn;
	(void)reply;
	const char *target = monitor_target(m, req, err);

	if (target == NULL ||
	    target_request(m, target, "pause_container", req, NULL, NULL, err) < 0)
		return -1;
	if (is_member(m, target))
		monitor_set_member_status(m, target, HULL_STATUS_PAUSED);
	else
		monitor_set_status(m, HULL_STATUS_PAUSED, -1);
	return 0;
}

static int op_resume(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	(void)conn;
	(void)reply;
	const char *target = monitor_target(m, req, err);

	if (target == NULL ||
	    target_request(m, target, "resume_container", req, NULL, NULL, err) < 0)
		return -1;
	if (is_member(m, target))
		monitor_set_member_status(m, target, HULL_STATUS_RUNNING);
	else
		monitor_set_status(m, m->started ? HULL_STATUS_RUNNING : HULL_STATUS_CREATED, -1);
	return 0;
}

/*
 * The host processes a caller may signal for this container (runc's
 * `ps --format json`): this monitor, which passes signals on to the
 * container's first process, and each exec's relay (the process that
 * connected its session), which passes them on to its process.
 */
static void add_host_pids(struct monitor *m, const char *target, json_t *pids)
{
	if (!is_member(m, target))
		json_array_append_new(pids, json_integer(getpid()));
	for (int i = 0; i < MONITOR_MAX_EXECS; i++) {
		struct ucred peer;
		socklen_t len = sizeof(peer);

		/* A member's relay, and the relays of the target's execs. */
		if (m->execs[i].conn >= 0 && strcmp(m->execs[i].container_id, target) == 0 &&
		    getsockopt(m->execs[i].conn, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 &&
		    peer.pid > 0)
			json_array_append_new(pids, json_integer(peer.pid));
	}
}

/* ps {"guest": bool}: {"pids": host pids, "processes": the guest's rows when asked}. */
static int op_ps(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	cleanup_json json_t *guest = NULL;
	const char *target = monitor_target(m, req, err);
	json_t *pids;

	(void)conn;
	if (target == NULL)
		return -1;
	pids = json_array();
	if (pids == NULL)
		return hull_fail(err, ENOMEM, "ps");
	add_host_pids(m, target, pids);
	*reply = json_pack("{s:o}", "pids", pids);
	if (*reply == NULL)
		return hull_fail(err, ENOMEM, "ps");
	if (!json_is_true(json_object_get(req, "guest")))
		return 0;
	if (target_request(m, target, "ps_container", req, NULL, &guest, err) < 0)
		return -1;
	json_object_set(*reply, "processes", json_object_get(guest, "processes"));
	return 0;
}

/* update {"resources"}: new limits on the container's cgroup in the guest. */
static int op_update(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	static const char *const keys[] = {"resources", NULL};

	(void)conn;
	(void)reply;
	return container_request(m, "update_container", req, keys, NULL, err);
}

/* stats: {"stats": the container's cgroup numbers (vmm/agent/cgroup.h)}. */
static int op_stats(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	cleanup_json json_t *result = NULL;

	(void)conn;
	if (container_request(m, "stats_container", req, NULL, &result, err) < 0)
		return -1;
	*reply = json_pack("{s:O}", "stats", json_object_get(result, "stats"));
	return *reply ? 0 : hull_fail(err, ENOMEM, "stats");
}

/*
 * proc_files {container_id}: the agent's "proc_files" of the container (a
 * pod member's, for the /proc view its relay serves: runtime/pod.c).  Its
 * reply may be larger than a control line: it goes as a frame.
 */
static int op_proc_files(struct monitor *m, int conn, json_t *req, json_t **reply,
                         hull_error_t *err)
{
	(void)conn;
	return container_request(m, "proc_files", req, NULL, reply, err);
}

static int op_shutdown(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));

	/* `hull delete` of a pod's app container: it goes, the pod stays. */
	if (id && strcmp(id, m->o->sc->id) != 0)
		return monitor_op_remove_container(m, conn, req, reply, err);
	/* `hull delete`: the container dies with the VM, as after SIGKILL. */
	m->exit_status = 128 + SIGKILL;
	m->finished = true;
	return 0;
}

/*
 * One handler per request.  It returns < 0 with err set (the reply is the
 * error), 0 (the reply is *reply, or {"ok": true} when it left it NULL),
 * or MONITOR_KEEP_CONN when it took the connection over (an exec session).
 * A session request (an exec's, a pod member's) needs a free session slot,
 * which is checked first; its error goes as the session's first frame, the
 * only thing its relay reads.  A framed request's reply, or error, is one
 * frame (vmm/agent_proto.h) instead of a line: it may be larger than a line
 * can be (runtime/control.c reads 64 KiB at most).
 */
static const struct monitor_op {
	const char *name;
	int (*handle)(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err);
	bool session;
	bool framed;
} monitor_ops[] = {
    {"start", op_start, false, false},
    {"kill", op_kill, false, false},
    {"pause", op_pause, false, false},
    {"resume", op_resume, false, false},
    {"ps", op_ps, false, false},
    {"update", op_update, false, false},
    {"stats", op_stats, false, false},
    {"events", monitor_op_events, false, false},
    {"shutdown", op_shutdown, false, false},
    {"exec", monitor_op_exec, true, false},
    {"add_container", monitor_op_add_container, true, false},
    {"remove_container", monitor_op_remove_container, false, false},
    {"proc_files", op_proc_files, false, true},
    {NULL, NULL, false, false},
};

/* How long a framed reply waits for its reader to take it. */
#define FRAME_SEND_TIMEOUT_S 2

/* msg (stolen) as one frame on conn, which is closed: a reader that stalls is given up on. */
static void reply_frame(int conn, json_t *msg)
{
	struct timeval tv = {.tv_sec = FRAME_SEND_TIMEOUT_S};
	cleanup_error hull_error_t err = NULL;

	if (msg == NULL || setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    agent_send(conn, msg, &err) < 0)
		log_debug("control: a framed reply did not go: %s",
		          err ? hull_error_str(err) : strerror(errno));
	json_decref(msg);
	close(conn);
}

void monitor_handle_control(struct monitor *m)
{
	int conn = accept4(m->control_fd, NULL, NULL, SOCK_CLOEXEC);
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = NULL;
	json_t *reply = NULL;
	const struct monitor_op *o;
	const char *op;
	int r;

	if (conn < 0)
		return;
	if (control_read_request(conn, &req, &err) < 0) {
		control_reply(conn, json_pack("{s:s}", "error", hull_error_str(err)));
		return;
	}
	op = json_string_value(json_object_get(req, "op"));
	for (o = monitor_ops; o->name && !(op && strcmp(op, o->name) == 0); o++)
		;
	if (o->name == NULL)
		r = hull_fail(&err, 0, "unknown request \"%s\"", op ? op : "");
	else if (o->session && monitor_free_session(m) == NULL)
		r = hull_fail(&err, 0, "sandbox %s has too many containers and execs (%d)",
		              m->o->sc->id, MONITOR_MAX_EXECS);
	else
		r = o->handle(m, conn, req, &reply, &err);
	if (r == MONITOR_KEEP_CONN)
		return;
	if (r < 0) {
		cleanup_free char *text = hull_error_text(err);
		json_t *msg = json_pack("{s:s}", "error", text ? text : "error");

		json_decref(reply);
		if (o->session || o->framed)
			reply_frame(conn, msg);
		else
			control_reply(conn, msg);
		return;
	}
	if (reply == NULL)
		reply = json_pack("{s:b}", "ok", 1);
	else
		json_object_set_new(reply, "ok", json_true());
	if (o->framed)
		reply_frame(conn, reply);
	else
		control_reply(conn, reply);
}
