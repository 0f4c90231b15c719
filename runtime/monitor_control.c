/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's control requests: start, kill, shutdown (see runtime/control.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/control.h"
#include "runtime/monitor_internal.h"

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
	return 0;
}

int monitor_signal_container(struct monitor *m, int sig, hull_error_t *err)
{
	cleanup_json json_t *req = NULL;

	/* A created container's process waits for start: the signal stops it, as in runc. */
	req = json_pack("{s:s, s:s, s:i}", "op", "signal", "process_id", "init", "signal", sig);
	return agent_client_call(m->sb.vm.agent, req, NULL, 10000, err);
}

static int op_start(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	(void)conn;
	(void)req;
	(void)reply;
	return start_container(m, err);
}

static int op_kill(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	json_t *sig = json_object_get(req, "signal");

	(void)conn;
	(void)reply;
	if (!json_is_integer(sig))
		return hull_fail(err, 0, "kill: no signal");
	return monitor_signal_container(m, (int)json_integer_value(sig), err);
}

static int op_shutdown(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err)
{
	(void)conn;
	(void)req;
	(void)reply;
	(void)err;
	/* `hull delete`: the container dies with the VM, as after SIGKILL. */
	m->exit_status = 128 + SIGKILL;
	m->finished = true;
	return 0;
}

/*
 * One handler per request.  It returns < 0 with err set (the reply is the
 * error), 0 (the reply is *reply, or {"ok": true} when it left it NULL),
 * or MONITOR_KEEP_CONN when it took the connection over (an exec session).
 */
static const struct monitor_op {
	const char *name;
	int (*handle)(struct monitor *m, int conn, json_t *req, json_t **reply, hull_error_t *err);
} monitor_ops[] = {
    {"start", op_start},
    {"kill", op_kill},
    {"shutdown", op_shutdown},
    {"exec", monitor_op_exec},
    {NULL, NULL},
};

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
	else
		r = o->handle(m, conn, req, &reply, &err);
	if (r == MONITOR_KEEP_CONN)
		return;
	if (r < 0) {
		cleanup_free char *text = hull_error_text(err);

		json_decref(reply);
		control_reply(conn, json_pack("{s:s}", "error", text ? text : "error"));
		return;
	}
	if (reply == NULL)
		reply = json_pack("{s:b}", "ok", 1);
	else
		json_object_set_new(reply, "ok", json_true());
	control_reply(conn, reply);
}
