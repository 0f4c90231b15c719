/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/write_all.h"
#include "common/log.h"
#include "common/proc_identity.h"
#include "persist/state.h"
#include "persist/store.h"
#include "runtime/console.h"
#include "runtime/control.h"
#include "runtime/monitor_internal.h"
#include "runtime/pod.h"
#include "runtime/proc_view_ns.h"
#include "runtime/sandbox.h"

/* --- the persisted state, updated as the sandbox changes --- */

static int save_created(struct hull_sandbox_state *st, void *data, hull_error_t *err)
{
	struct monitor *m = data;
	struct vm *vm = &m->sb.vm;
	struct hull_container_state *c = hull_state_find_container(st, m->o->sc->id);

	/*
	 * The creator recorded this monitor before it started anything.  QEMU
	 * and virtiofsd are our unreaped children: their pids cannot have been
	 * reused, so the start times read now are theirs.
	 */
	st->sandbox.status = HULL_STATUS_CREATED;
	st->hypervisor.pid = vm->qemu_pid;
	st->hypervisor.pid_start_time = proc_start_time(vm->qemu_pid);
	st->hypervisor.virtiofsd_pid = vm->virtiofsd.pid > 0 ? vm->virtiofsd.pid : 0;
	st->hypervisor.virtiofsd_start_time = proc_start_time(vm->virtiofsd.pid);
	st->hypervisor.accel = m->sb.kvm ? HULL_ACCEL_KVM : HULL_ACCEL_TCG;
	free(st->hypervisor.qmp_socket);
	st->hypervisor.qmp_socket = strdup(vm->qmp_socket);
	free(st->hypervisor.agent_socket);
	st->hypervisor.agent_socket = strdup(vm->agent_socket);
	free(st->hypervisor.console_log);
	st->hypervisor.console_log = strdup(vm->console_log);
	free(st->hypervisor.virtiofsd_socket);
	st->hypervisor.virtiofsd_socket =
	    vm->virtiofsd.socket[0] ? strdup(vm->virtiofsd.socket) : NULL;
	if (c)
		c->status = HULL_STATUS_CREATED;
	if (!st->hypervisor.qmp_socket || !st->hypervisor.agent_socket ||
	    !st->hypervisor.console_log ||
	    (vm->virtiofsd.socket[0] && !st->hypervisor.virtiofsd_socket))
		return hull_fail(err, ENOMEM, "state of %s", m->o->sc->id);
	return 0;
}

#define TTY_SIZE_POLL_MS 300

struct status_change {
	enum hull_status status;
	pid_t pid;
};

static int save_status(struct hull_sandbox_state *st, void *data, hull_error_t *err)
{
	struct status_change *s = data;
	struct hull_container_state *c = st->n_containers ? &st->containers[0] : NULL;

	(void)err;
	st->sandbox.status = s->status;
	if (s->status == HULL_STATUS_STOPPED) {
		st->hypervisor.pid = 0;
		st->hypervisor.pid_start_time = 0;
		st->hypervisor.virtiofsd_pid = 0;
		st->hypervisor.virtiofsd_start_time = 0;
	}
	if (c) {
		c->status = s->status;
		if (s->pid >= 0)
			c->pid = s->pid;
	}
	return 0;
}

void monitor_set_member_status(struct monitor *m, const char *id, enum hull_status status)
{
	cleanup_error hull_error_t err = NULL;
	struct status_change s = {.status = status, .pid = -1};

	/* Its own state: it may be gone already (deleted while the pod runs on). */
	if (hull_state_update(m->o->state_root, id, save_status, &s, &err) < 0)
		log_debug("state of %s: %s", id, hull_error_str(err));
}

void monitor_set_status(struct monitor *m, enum hull_status status, pid_t pid)
{
	cleanup_error hull_error_t err = NULL;
	struct status_change s = {.status = status, .pid = pid};

	if (hull_state_update(m->o->state_root, m->o->sc->id, save_status, &s, &err) < 0)
		log_warning("state of %s: %s", m->o->sc->id, hull_error_str(err));
}

/* --- events --- */

/*
 * The reader of the container's stdout or stderr went away: as on a host,
 * the process's next write there fails (EPIPE, SIGPIPE) and its output is
 * no longer read.
 */
static void output_closed(struct monitor *m, bool is_err)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = json_pack("{s:s, s:s, s:s}", "op", "close_output", "process_id",
	                                     "init", "stream", is_err ? "stderr" : "stdout");

	if (is_err ? m->stderr_closed : m->stdout_closed)
		return;
	if (is_err)
		m->stderr_closed = true;
	else
		m->stdout_closed = true;
	if (agent_client_call(m->sb.vm.agent, req, NULL, MONITOR_AGENT_TIMEOUT_MS, &err) < 0)
		log_debug("close %s: %s", is_err ? "stderr" : "stdout", hull_error_str(err));
}

static void handle_agent_event(struct monitor *m, json_t *ev)
{
	const char *event = json_string_value(json_object_get(ev, "event"));
	const char *pid = json_string_value(json_object_get(ev, "process_id"));

	if (event && strcmp(event, "oom") == 0) {
		monitor_events_publish(m, json_string_value(json_object_get(ev, "container_id")),
		                       ev);
		return;
	}
	if (monitor_exec_event(m, ev))
		return;
	if (event == NULL || pid == NULL || strcmp(pid, "init") != 0)
		return;
	if (strcmp(event, "output") == 0) {
		const char *stream = json_string_value(json_object_get(ev, "stream"));
		cleanup_free uint8_t *data = NULL;
		size_t len;

		bool is_err = stream && strcmp(stream, "stderr") == 0;

		if (base64_decode(json_string_value(json_object_get(ev, "data")), &data, &len) ==
		        0 &&
		    !(is_err ? m->stderr_closed : m->stdout_closed) &&
		    !hull_write_all(is_err ? 2 : 1, data, len))
			output_closed(m, is_err);
	} else if (strcmp(event, "exit") == 0) {
		m->exit_status = (int)json_integer_value(json_object_get(ev, "status"));
		m->finished = true;
	}
}

static void forward_stdin(struct monitor *m)
{
	cleanup_error hull_error_t err = NULL;
	uint8_t buf[32768];
	ssize_t n = read(0, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		cleanup_json json_t *req =
		    json_pack("{s:s, s:s}", "op", "close_stdin", "process_id", "init");

		m->stdin_open = false;
		if (agent_client_call(m->sb.vm.agent, req, NULL, MONITOR_AGENT_TIMEOUT_MS, &err) <
		    0)
			log_debug("close stdin: %s", hull_error_str(err));
		return;
	}
	{
		cleanup_free char *b64 = base64_encode(buf, (size_t)n);
		cleanup_json json_t *req = json_pack("{s:s, s:s, s:s}", "op", "stdin", "process_id",
		                                     "init", "data", b64 ? b64 : "");

		if (agent_client_call(m->sb.vm.agent, req, NULL, MONITOR_AGENT_TIMEOUT_MS, &err) <
		    0) {
			log_debug("stdin: %s", hull_error_str(err));
			m->stdin_open = false;
		}
	}
}

void monitor_check_size(struct monitor *m)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *req = NULL;
	unsigned rows, cols;

	if (!m->o->tty || !m->started || !console_size(0, &rows, &cols) ||
	    (rows == m->rows && cols == m->cols))
		return;
	m->rows = rows;
	m->cols = cols;
	req = json_pack("{s:s, s:s, s:i, s:i}", "op", "resize", "process_id", "init", "rows", rows,
	                "cols", cols);
	if (agent_client_call(m->sb.vm.agent, req, NULL, MONITOR_AGENT_TIMEOUT_MS, &err) < 0)
		log_debug("resize: %s", hull_error_str(err));
}

/* A signal to the monitor: children, or one to pass on to the container. */
static void handle_signal(struct monitor *m)
{
	struct signalfd_siginfo si;

	while (read(m->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			int status;

			if (m->sb.vm.qemu_pid > 0 &&
			    waitpid(m->sb.vm.qemu_pid, &status, WNOHANG) == m->sb.vm.qemu_pid) {
				m->sb.vm.qemu_pid = -1;
				/* Through the log, so that --log and --log-format hold. */
				log_error(
				    "sandbox %s: QEMU %s %d; the container is gone", m->o->sc->id,
				    WIFSIGNALED(status) ? "was killed by signal" : "exited with",
				    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				m->exit_status = MONITOR_SANDBOX_FAILED;
				m->finished = true;
			}
			continue;
		}
		if (si.ssi_signo == SIGWINCH && m->o->tty) {
			monitor_check_size(m); /* the terminal's, not the container's */
			continue;
		}
		if (m->started) {
			cleanup_error hull_error_t err = NULL;

			if (monitor_signal_container(m, (int)si.ssi_signo, &err) < 0)
				log_warning("signal %u: %s", si.ssi_signo, hull_error_str(err));
		} else {
			m->exit_status = 128 + (int)si.ssi_signo;
			m->finished = true;
		}
	}
}

/* The container's /proc files, from the agent, for the view. */
static int fetch_proc_files(void *data, json_t **snapshot, hull_error_t *err)
{
	struct monitor *m = data;
	cleanup_json json_t *req =
	    json_pack("{s:s, s:s}", "op", "proc_files", "container_id", m->o->sc->id);

	return agent_client_call(m->sb.vm.agent, req, snapshot, MONITOR_AGENT_TIMEOUT_MS, err);
}

static void serve(struct monitor *m)
{
	while (!m->finished) {
		struct pollfd fds[5 + MONITOR_MAX_EXECS + MONITOR_MAX_SUBSCRIBERS];
		struct exec_session *owner[MONITOR_MAX_EXECS];
		struct event_subscriber *subscriber[MONITOR_MAX_SUBSCRIBERS];
		nfds_t n = 0, n_execs, n_subs;
		int agent_fd = agent_client_fd(m->sb.vm.agent), stdin_at = -1, view_at = -1;

		fds[n++] = (struct pollfd){.fd = m->signal_fd, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = m->control_fd, .events = POLLIN};
		fds[n++] = (struct pollfd){.fd = agent_fd, .events = POLLIN};
		if (m->stdin_open) {
			stdin_at = (int)n;
			fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
		}
		if (m->view) {
			view_at = (int)n;
			fds[n++] = (struct pollfd){.fd = proc_view_fd(m->view), .events = POLLIN};
		}
		n_subs = monitor_events_poll_fds(m, fds + n, subscriber);
		n += n_subs;
		n_execs = monitor_exec_poll_fds(m, fds + n, owner);
		n += n_execs;
		/* A console socket's pty sends no SIGWINCH: its size is looked at. */
		if (!agent_client_has_events(m->sb.vm.agent) &&
		    poll(fds, n, m->o->tty ? TTY_SIZE_POLL_MS : -1) < 0 && errno != EINTR)
			break;
		monitor_check_size(m);
		if (fds[0].revents)
			handle_signal(m);
		if (fds[1].revents)
			monitor_handle_control(m);
		if (fds[2].revents || agent_client_has_events(m->sb.vm.agent)) {
			cleanup_error hull_error_t err = NULL;
			json_t *ev = NULL;
			int r = agent_client_next_event(m->sb.vm.agent, 0, &ev, &err);

			if (r > 0)
				handle_agent_event(m, ev);
			json_decref(ev);
			if (r < 0) {
				/* The channel broke: QEMU's SIGCHLD says why, if it died. */
				usleep(100 * 1000);
				handle_signal(m);
				if (!m->finished) {
					log_error("sandbox %s: %s", m->o->sc->id,
					          hull_error_str(err));
					m->exit_status = MONITOR_SANDBOX_FAILED;
					m->finished = true;
				}
			}
		}
		if (stdin_at >= 0 && fds[stdin_at].revents)
			forward_stdin(m);
		if (view_at >= 0 && fds[view_at].revents && proc_view_serve(m->view) < 0) {
			proc_view_free(m->view);
			m->view = NULL;
		}
		for (nfds_t i = 0; i < n_subs; i++)
			if (fds[n - n_execs - n_subs + i].revents &&
			    subscriber[i]->conn == fds[n - n_execs - n_subs + i].fd)
				monitor_events_serve(subscriber[i]);
		for (nfds_t i = 0; i < n_execs; i++)
			if (fds[n - n_execs + i].revents &&
			    owner[i]->conn == fds[n - n_execs + i].fd)
				monitor_exec_serve(m, owner[i]);
	}
	/* The container stopped: its event streams end (those of members too). */
	monitor_events_close(m, NULL);
	monitor_exec_close_all(m);
}

static void report_ready(int fd, const struct hull_error *err)
{
	cleanup_free char *text = err ? hull_error_text(err) : NULL;

	if (fd < 0)
		return;
	if (err)
		dprintf(fd, "%s", text ? text : "error");
	else
		dprintf(fd, "ok\n");
	close(fd);
}

/* The monitor's work once the sandbox is up: on the thread proc_view_hold made. */
static void run(void *arg, struct proc_view *view)
{
	struct monitor *m = arg;
	struct termios saved_tty;
	bool raw;

	m->view = view;
	report_ready(m->o->ready_fd, NULL);
	/* The caller's own terminal (hull run -t): raw, the guest's pty does the rest. */
	raw = m->o->tty && console_make_raw(0, &saved_tty) == 0;
	serve(m);
	if (raw)
		console_restore(0, &saved_tty);
	sandbox_shutdown(&m->sb);
	monitor_set_status(m, HULL_STATUS_STOPPED, -1);
	unlink(m->control_path);
	hull_log_close();
	_exit(m->exit_status);
}

void monitor_main(struct monitor_options *o)
{
	struct monitor m = {.o = o, .control_fd = -1, .signal_fd = -1};
	cleanup_error hull_error_t err = NULL;
	struct proc_view_root root;
	sigset_t mask;

	m.sb.sc = o->sc;
	monitor_exec_init(&m);
	monitor_events_init(&m);
	m.sb.state_root = o->state_root;
	m.state = (struct hull_state_ref){.root = o->state_root, .id = o->sc->id};
	m.sb.record_endpoint = hull_state_record_endpoint;
	m.sb.record_data = &m.state;
	if ((size_t)snprintf(m.sb.run_dir, sizeof(m.sb.run_dir), "%s/%s", o->state_root,
	                     o->sc->id) >= sizeof(m.sb.run_dir) ||
	    (size_t)snprintf(m.control_path, sizeof(m.control_path), "%s/%s", m.sb.run_dir,
	                     CONTROL_SOCKET_NAME) >= sizeof(m.control_path)) {
		hull_fail(&err, ENAMETOOLONG, "state directory %s/%s", o->state_root, o->sc->id);
		report_ready(o->ready_fd, err);
		_exit(1);
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	m.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	m.control_fd = control_listen(m.control_path, &err);
	if (m.signal_fd < 0 || m.control_fd < 0 || sandbox_boot(&m.sb, &err) < 0) {
		if (err == NULL)
			hull_fail(&err, errno, "monitor");
		report_ready(o->ready_fd, err);
		unlink(m.control_path);
		_exit(1);
	}
	if (pod_monitor_enter(&o->sc->spec, &err) < 0 ||
	    hull_state_update(o->state_root, o->sc->id, save_created, &m, &err) < 0) {
		sandbox_shutdown(&m.sb);
		report_ready(o->ready_fd, err);
		unlink(m.control_path);
		_exit(1);
	}
	/* The root and binds the share holds, for the namespace Podman joins. */
	root = proc_view_root_of(&m.sb.share.container);
	/* Signals stay blocked in both threads: the worker's signalfd reads them. */
	proc_view_hold(&root, fetch_proc_files, &m, run, &m);
}
