/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The baseline: what a person would do by hand to get the same VM to the
 * same point, with nothing of hull's runtime in between.  virtiofsd is
 * started with the options hull ends up using here, its socket polled
 * every millisecond; QEMU gets the argv hull builds (qemu_build_argv, the
 * same struct vm_config as runtime/sandbox.c fills: no NIC, no KVM); the
 * agent socket is connected (retried every millisecond) and read directly
 * until the agent's first message.  Then the requests hull's monitor
 * sends, over the same framing (vmm/agent_proto.c): prepare_container,
 * and for a run start + the exit event + shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "tools/bench/vm_bench.h"
#include "vmm/agent_proto.h"
#include "vmm/qemu_cmdline.h"

struct bare {
	struct vmb_env *e;
	char dir[PATH_MAX];
	char vfs_socket[PATH_MAX], qmp_socket[PATH_MAX], agent_socket[PATH_MAX];
	char console[PATH_MAX];
	pid_t virtiofsd, qemu;
	int agent_fd;
	struct agent_reader reader;
	int next_id;
	double t0, deadline;
};

static void sleep_ms(double ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(ms * 1e6)};

	nanosleep(&ts, NULL);
}

static int open_log(const char *dir, const char *name)
{
	char path[PATH_MAX];

	vmb_fmt(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static int start_virtiofsd(struct bare *b, hull_error_t *err)
{
	char socket_opt[PATH_MAX + 32], source_opt[PATH_MAX + 32], sandbox_opt[64];
	char *argv[] = {b->e->virtiofsd, socket_opt, "-o",        source_opt, "-o",
	                "cache=auto",    "-o",       sandbox_opt, NULL};
	cleanup_close int log = open_log(b->dir, "virtiofsd.log");
	struct spawn_options o = {
	    .stdout_fd = log, .stderr_fd = log, .die_with_parent = true, .new_session = true};
	struct stat st;
	int status;

	vmb_fmt(socket_opt, sizeof(socket_opt), "--socket-path=%s", b->vfs_socket);
	vmb_fmt(source_opt, sizeof(source_opt), "source=%s/rootfs", b->e->bundle_true);
	vmb_fmt(sandbox_opt, sizeof(sandbox_opt), "sandbox=%s", b->e->virtiofsd_sandbox);
	if (spawn_program(argv, &o, &b->virtiofsd, err) < 0)
		return -1;
	while (stat(b->vfs_socket, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		if (waitpid(b->virtiofsd, &status, WNOHANG) == b->virtiofsd) {
			b->virtiofsd = -1;
			return hull_fail(err, 0, "virtiofsd exited at start (see %s/virtiofsd.log)",
			                 b->dir);
		}
		if (vmb_now_ms() > b->t0 + 5000)
			return hull_fail(err, ETIMEDOUT, "virtiofsd: no socket after 5 s");
		sleep_ms(1);
	}
	return 0;
}

static int start_qemu(struct bare *b, const char *machine, hull_error_t *err)
{
	struct vm_config c = {
	    .qemu = b->e->qemu,
	    .kernel = b->e->kernel,
	    .initrd = b->e->initrd,
	    .kernel_params = b->e->kernel_params,
	    .machine = machine,
	    .kvm = false,
	    .vcpus = 1,
	    .memory_mib = b->e->memory_mib,
	    .qmp_socket = b->qmp_socket,
	    .agent_socket = b->agent_socket,
	    .console_log = b->console,
	    .virtiofs_socket = b->vfs_socket,
	    .virtiofs_tag = "rootfs",
	};
	cleanup_close int log = open_log(b->dir, "qemu.log");
	struct spawn_options o = {
	    .stdout_fd = log, .stderr_fd = log, .die_with_parent = true, .new_session = true};
	char **argv = NULL;
	int r;

	if (qemu_build_argv(&c, &argv, err) < 0)
		return -1;
	r = spawn_program(argv, &o, &b->qemu, err);
	qemu_argv_free(argv);
	return r;
}

static int connect_agent(struct bare *b, hull_error_t *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int status;

	vmb_fmt(addr.sun_path, sizeof(addr.sun_path), "%s", b->agent_socket);
	b->agent_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->agent_fd < 0)
		return hull_fail(err, errno, "socket");
	while (connect(b->agent_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			return hull_fail(err, errno, "connect %s", b->agent_socket);
		if (waitpid(b->qemu, &status, WNOHANG) == b->qemu) {
			b->qemu = -1;
			return hull_fail(err, 0, "QEMU exited at start (see %s/qemu.log)", b->dir);
		}
		if (vmb_now_ms() > b->deadline)
			return hull_fail(err, ETIMEDOUT, "no agent socket");
		sleep_ms(1);
	}
	return 0;
}

/* The next message from the agent (1), or an error/timeout (-1). */
static int receive(struct bare *b, json_t **msg, hull_error_t *err)
{
	for (;;) {
		struct pollfd pfd = {.fd = b->agent_fd, .events = POLLIN};
		enum agent_read_result r = agent_reader_next(&b->reader, msg, err);
		uint8_t buf[65536];
		double left = b->deadline - vmb_now_ms();
		ssize_t n;

		if (r == AGENT_READ_MESSAGE)
			return 1;
		if (r == AGENT_READ_ERROR)
			return -1;
		if (left <= 0)
			return hull_fail(err, ETIMEDOUT, "no answer from the agent");
		n = poll(&pfd, 1, (int)left + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		n = read(b->agent_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hull_fail(err, n < 0 ? errno : ECONNRESET, "agent channel closed");
		if (agent_reader_feed(&b->reader, buf, (size_t)n, err) < 0)
			return -1;
	}
}

/* Sends req (an id is added) and waits for its reply; an exit event meanwhile sets *exited. */
static int call(struct bare *b, json_t *req, bool *exited, hull_error_t *err)
{
	int id = ++b->next_id;

	json_object_set_new(req, "id", json_integer(id));
	if (agent_send(b->agent_fd, req, err) < 0)
		return -1;
	for (;;) {
		cleanup_json json_t *msg = NULL;
		const char *event;

		if (receive(b, &msg, err) < 0)
			return -1;
		event = json_string_value(json_object_get(msg, "event"));
		if (event && strcmp(event, "exit") == 0 && exited)
			*exited = true;
		if (json_integer_value(json_object_get(msg, "id")) != id)
			continue;
		if (json_object_get(msg, "error"))
			return hull_fail(err, 0, "agent: %s",
			                 json_string_value(json_object_get(msg, "error")));
		return 0;
	}
}

static int wait_exit_event(struct bare *b, hull_error_t *err)
{
	for (;;) {
		cleanup_json json_t *msg = NULL;
		const char *event;

		if (receive(b, &msg, err) < 0)
			return -1;
		event = json_string_value(json_object_get(msg, "event"));
		if (event && strcmp(event, "exit") == 0)
			return 0;
	}
}

/* The agent's shutdown (the guest powers off, QEMU exits), else SIGKILL; then virtiofsd. */
static void stop(struct bare *b, bool graceful)
{
	int status;

	if (graceful && b->qemu > 0 && b->agent_fd >= 0) {
		cleanup_error hull_error_t err = NULL;
		json_t *req = json_pack("{s:s}", "op", "shutdown");

		b->deadline = vmb_now_ms() + 5000;
		call(b, req, NULL, &err); /* the reply may not come: the channel closes */
		json_decref(req);
		if (vmb_wait(b->qemu, 10000, &status))
			b->qemu = -1;
	}
	if (b->qemu > 0)
		vmb_kill_wait(b->qemu);
	b->qemu = -1;
	if (b->agent_fd >= 0)
		close(b->agent_fd);
	b->agent_fd = -1;
	if (b->virtiofsd > 0) {
		kill(b->virtiofsd, SIGTERM);
		if (!vmb_wait(b->virtiofsd, 2000, &status))
			vmb_kill_wait(b->virtiofsd);
	}
	b->virtiofsd = -1;
	agent_reader_release(&b->reader);
}

static void remove_dir(struct bare *b)
{
	static const char *const names[] = {"virtiofs.sock", "qmp.sock", "agent.sock",
	                                    "console.log",   "qemu.log", "virtiofsd.log"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		vmb_fmt(path, sizeof(path), "%s/%s", b->dir, names[i]);
		unlink(path);
	}
	rmdir(b->dir);
}

int vmb_bare(struct vmb_env *e, const char *machine, bool run, struct vmb_bare_times *t,
             hull_error_t *err)
{
	struct bare b = {.e = e, .virtiofsd = -1, .qemu = -1, .agent_fd = -1};
	json_t *spec = e->spec, *root = json_object_get(spec, "root");
	const char *hostname = json_string_value(json_object_get(spec, "hostname"));
	cleanup_json json_t *msg = NULL;
	const char *event;
	int ret = -1;

	memset(t, 0, sizeof(*t));
	agent_reader_init(&b.reader);
	vmb_fmt(b.dir, sizeof(b.dir), "%s/bare-%u", e->tmp, ++e->seq);
	if (mkdir(b.dir, 0700) < 0)
		return hull_fail(err, errno, "mkdir %s", b.dir);
	vmb_fmt(b.vfs_socket, sizeof(b.vfs_socket), "%s/virtiofs.sock", b.dir);
	vmb_fmt(b.qmp_socket, sizeof(b.qmp_socket), "%s/qmp.sock", b.dir);
	vmb_fmt(b.agent_socket, sizeof(b.agent_socket), "%s/agent.sock", b.dir);
	vmb_fmt(b.console, sizeof(b.console), "%s/console.log", b.dir);

	b.t0 = vmb_now_ms();
	b.deadline = b.t0 + e->timeout_ms;
	if (start_virtiofsd(&b, err) < 0)
		goto out;
	t->virtiofsd_ms = vmb_now_ms() - b.t0;
	if (start_qemu(&b, machine, err) < 0)
		goto out;
	t->spawned_ms = vmb_now_ms() - b.t0;
	if (connect_agent(&b, err) < 0)
		goto out;
	t->connected_ms = vmb_now_ms() - b.t0;
	if (receive(&b, &msg, err) < 0) {
		hull_error_prefix(err, "waiting for the ready event");
		goto out;
	}
	t->ready_ms = vmb_now_ms() - b.t0;
	event = json_string_value(json_object_get(msg, "event"));
	if (event == NULL || strcmp(event, "ready") != 0) {
		hull_fail(err, 0, "the agent's first message is not the ready event");
		goto out;
	}
	{
		json_t *req =
		    json_pack("{s:s, s:s, s:{s:s}, s:b, s:s, s:O}", "op", "prepare_container",
		              "root", "/run/hull/rootfs", "share", "tag", "rootfs", "readonly",
		              json_is_true(json_object_get(root, "readonly")), "hostname",
		              hostname ? hostname : "", "mounts", json_object_get(spec, "mounts"));
		int r = call(&b, req, NULL, err);

		json_decref(req);
		if (r < 0) {
			hull_error_prefix(err, "prepare_container");
			goto out;
		}
		t->prepared_ms = vmb_now_ms() - b.t0;
	}
	if (run) {
		json_t *req = json_pack("{s:s, s:s, s:O, s:s}", "op", "start", "process_id", "init",
		                        "process", json_object_get(spec, "process"), "root",
		                        "/run/hull/rootfs");
		bool exited = false;
		int r = call(&b, req, &exited, err);

		json_decref(req);
		if (r < 0)
			goto out;
		t->started_ms = vmb_now_ms() - b.t0;
		if (!exited && wait_exit_event(&b, err) < 0)
			goto out;
		t->exited_ms = vmb_now_ms() - b.t0;
		stop(&b, true);
		t->total_ms = vmb_now_ms() - b.t0;
	} else {
		double s = vmb_now_ms();

		stop(&b, true);
		t->stop_ms = vmb_now_ms() - s;
	}
	ret = 0;
out:
	if (ret < 0) {
		char tail[1024];

		vmb_console_tail(b.console, tail, sizeof(tail));
		if (tail[0])
			hull_error_prefix(err, "bare %s (guest console: %s)", machine, tail);
		else
			hull_error_prefix(err, "bare %s", machine);
	}
	stop(&b, false);
	remove_dir(&b);
	return ret;
}
