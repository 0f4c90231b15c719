/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull exec` sessions in the monitor.  The exec's host process (the relay,
 * runtime/cmd_exec.c) keeps its control connection open: the monitor asks
 * the agent to exec the process, answers with its guest pid, then passes
 * frames both ways (vmm/agent_proto.h framing):
 *
 *   relay -> monitor  {"op": "stdin"|"close_stdin"|"signal"|"resize"|"close_output", ...}
 *   monitor -> relay  the reply {"ok", "process_id", "pid"} or {"error"}, then the
 *                     agent's "output" and "exit" events of that process
 *
 * A relay that goes away (killed) takes its process with it: SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/monitor_internal.h"
#include "vmm/agent_proto.h"

void monitor_exec_init(struct monitor *m)
{
	for (size_t i = 0; i < MONITOR_MAX_EXECS; i++)
		m->execs[i].conn = -1;
}

static void session_close(struct exec_session *s)
{
	if (s->conn < 0)
		return;
	close(s->conn);
	s->conn = -1;
	agent_reader_release(&s->reader);
}

void monitor_exec_close_all(struct monitor *m)
{
	for (size_t i = 0; i < MONITOR_MAX_EXECS; i++)
		session_close(&m->execs[i]);
}

struct exec_session *monitor_free_session(struct monitor *m)
{
	for (size_t i = 0; i < MONITOR_MAX_EXECS; i++)
		if (m->execs[i].conn < 0)
			return &m->execs[i];
	return NULL;
}

/* A frame to the relay; one that cannot take it loses its session. */
static void session_send(struct monitor *m, struct exec_session *s, const json_t *msg)
{
	cleanup_error hull_error_t err = NULL;

	if (agent_send(s->conn, msg, &err) < 0) {
		log_debug("exec %s: the relay went away: %s", s->process_id, hull_error_str(err));
		monitor_exec_lost(m, s);
	}
}

/* Asks the agent for op on the session's process (req borrowed, its process_id set). */
static int agent_op(struct monitor *m, struct exec_session *s, json_t *req, hull_error_t *err)
{
	json_object_set_new(req, "process_id", json_string(s->process_id));
	return agent_client_call(m->sb.vm.agent, req, NULL, MONITOR_AGENT_TIMEOUT_MS, err);
}

void monitor_exec_lost(struct monitor *m, struct exec_session *s)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = json_pack("{s:s, s:i}", "op", "signal", "signal", SIGKILL);

	/* Its process must not outlive the host process a caller waits on. */
	if (req && agent_op(m, s, req, &err) < 0)
		log_debug("exec %s: kill: %s", s->process_id, hull_error_str(err));
	if (s->member) {
		monitor_set_member_status(m, s->container_id, HULL_STATUS_STOPPED);
		monitor_events_close(m, s->container_id);
	}
	session_close(s);
}

struct exec_session *monitor_member(struct monitor *m, const char *id)
{
	for (size_t i = 0; id && i < MONITOR_MAX_EXECS; i++)
		if (m->execs[i].conn >= 0 && m->execs[i].member &&
		    strcmp(m->execs[i].container_id, id) == 0)
			return &m->execs[i];
	return NULL;
}

void monitor_session_open(struct monitor *m, struct exec_session *s, int conn, json_t *first)
{
	s->conn = conn;
	agent_reader_init(&s->reader);
	session_send(m, s, first);
	json_decref(first);
}

int monitor_op_exec(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	struct exec_session *s = monitor_free_session(m);
	cleanup_json json_t *call = NULL, *answer = NULL;
	json_t *process = json_object_get(req, "process");
	const char *target = monitor_target(m, req, err);

	(void)reply;
	if (target == NULL)
		return -1;
	if (!m->started || m->finished)
		return hull_fail(err, 0, "container %s is not running", m->o->sc->id);
	if (s == NULL) /* the control loop checked there is a free one */
		return hull_fail(err, 0, "exec: no free session");
	if (!json_is_object(process))
		return hull_fail(err, 0, "exec: no process");
	snprintf(s->process_id, sizeof(s->process_id), "exec-%u", ++m->next_exec);
	snprintf(s->container_id, sizeof(s->container_id), "%s", target);
	s->member = false;
	call = json_pack("{s:s, s:s, s:s, s:O}", "op", "exec", "container_id", target, "process_id",
	                 s->process_id, "process", process);
	if (call == NULL)
		return hull_fail(err, ENOMEM, "exec");
	/* An error goes as the session's first frame (monitor_control.c). */
	if (agent_client_call(m->sb.vm.agent, call, &answer, MONITOR_AGENT_TIMEOUT_MS, err) < 0)
		return -1;
	monitor_session_open(m, s, conn,
	                     json_pack("{s:b, s:s, s:O}", "ok", 1, "process_id", s->process_id,
	                               "pid", json_object_get(answer, "pid")));
	return MONITOR_KEEP_CONN;
}

size_t monitor_exec_poll_fds(struct monitor *m, struct pollfd *fds, struct exec_session **owner)
{
	size_t n = 0;

	for (size_t i = 0; i < MONITOR_MAX_EXECS; i++)
		if (m->execs[i].conn >= 0) {
			owner[n] = &m->execs[i];
			fds[n++] = (struct pollfd){.fd = m->execs[i].conn, .events = POLLIN};
		}
	return n;
}

/* One request of the relay, passed on to the agent. */
static void session_request(struct monitor *m, struct exec_session *s, json_t *msg)
{
	cleanup_error hull_error_t err = NULL;
	const char *op = json_string_value(json_object_get(msg, "op"));
	static const char *const allowed[] = {"stdin",  "close_stdin",  "signal",
	                                      "resize", "close_output", NULL};
	size_t i;

	for (i = 0; allowed[i] && !(op && strcmp(op, allowed[i]) == 0); i++)
		;
	if (allowed[i] == NULL) {
		log_debug("exec %s: unknown request %s", s->process_id, op ? op : "");
		return;
	}
	if (agent_op(m, s, msg, &err) < 0)
		log_debug("exec %s: %s: %s", s->process_id, op, hull_error_str(err));
}

void monitor_exec_serve(struct monitor *m, struct exec_session *s)
{
	cleanup_error hull_error_t err = NULL;
	uint8_t buf[65536];
	ssize_t n = read(s->conn, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || agent_reader_feed(&s->reader, buf, (size_t)n, &err) < 0) {
		monitor_exec_lost(m, s);
		return;
	}
	for (;;) {
		json_t *msg = NULL;
		enum agent_read_result r = agent_reader_next(&s->reader, &msg, &err);

		if (r == AGENT_READ_AGAIN)
			return;
		if (r == AGENT_READ_MESSAGE)
			session_request(m, s, msg);
		json_decref(msg);
		if (s->conn < 0)
			return;
	}
}

bool monitor_exec_event(struct monitor *m, json_t *ev)
{
	const char *pid = json_string_value(json_object_get(ev, "process_id"));
	const char *event = json_string_value(json_object_get(ev, "event"));

	for (size_t i = 0; pid && i < MONITOR_MAX_EXECS; i++) {
		struct exec_session *s = &m->execs[i];

		if (s->conn < 0 || strcmp(s->process_id, pid) != 0)
			continue;
		session_send(m, s, ev);
		if (event && strcmp(event, "exit") == 0) {
			if (s->member) {
				monitor_set_member_status(m, s->container_id, HULL_STATUS_STOPPED);
				monitor_events_close(m, s->container_id);
			}
			session_close(s);
		}
		return true;
	}
	return pid && strcmp(pid, "init") != 0;
}
