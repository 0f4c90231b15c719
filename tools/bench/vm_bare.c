/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_vm's baseline: virtiofsd and QEMU with the argv hull builds,
 * started by hand, and the requests hull's monitor sends, from its own
 * builders, through hull's agent client (docs/benchmarks.md, "VM sandbox").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "runtime/agent_requests.h"
#include "tools/bench/stats.h"
#include "tools/bench/vm_bench.h"
#include "vmm/agent_client.h"
#include "vmm/qemu_cmdline.h"
#include "vmm/vm.h"

struct bare {
	struct vmb_env *e;
	char dir[PATH_MAX];
	char vfs_socket[PATH_MAX], qmp_socket[PATH_MAX], agent_socket[PATH_MAX];
	char console[PATH_MAX];
	pid_t virtiofsd, qemu;
	char id[32]; /* the container's, as the monitor names it */
	struct agent_client *agent;
	double t0, deadline;
};

/* argv spawned with its output into dir/log; 0 or -1. */
static int spawn_logged(struct bare *b, char **argv, const char *log, pid_t *pid, hull_error_t *err)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	struct spawn_options o = {.die_with_parent = true, .new_session = true};

	vmb_fmt(path, sizeof(path), "%s/%s", b->dir, log);
	o.stdout_fd = o.stderr_fd = fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return spawn_program(argv, &o, pid, err);
}

/* Whether *pid has exited (then reaped, and *pid -1). */
static bool exited(pid_t *pid)
{
	if (waitpid(*pid, NULL, WNOHANG) != *pid)
		return false;
	*pid = -1;
	return true;
}

static int start_virtiofsd(struct bare *b, hull_error_t *err)
{
	char socket_opt[PATH_MAX + 32], source_opt[PATH_MAX + 32], sandbox_opt[64];
	char *argv[] = {b->e->virtiofsd, socket_opt, "-o",        source_opt, "-o",
	                "cache=auto",    "-o",       sandbox_opt, NULL};
	struct stat st;

	vmb_fmt(socket_opt, sizeof(socket_opt), "--socket-path=%s", b->vfs_socket);
	vmb_fmt(source_opt, sizeof(source_opt), "source=%s/rootfs", b->e->bundle_true);
	vmb_fmt(sandbox_opt, sizeof(sandbox_opt), "sandbox=%s", b->e->virtiofsd_sandbox);
	if (spawn_logged(b, argv, "virtiofsd.log", &b->virtiofsd, err) < 0)
		return -1;
	while (stat(b->vfs_socket, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		if (exited(&b->virtiofsd))
			return hull_fail(err, 0, "virtiofsd exited at start (see %s/virtiofsd.log)",
			                 b->dir);
		if (bench_now_ms() > b->t0 + 5000)
			return hull_fail(err, ETIMEDOUT, "virtiofsd: no socket after 5 s");
		bench_sleep_ms(1);
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
	    .virtiofs_tag = VM_ROOTFS_TAG,
	};
	char **argv = NULL;
	int r;

	if (qemu_build_argv(&c, &argv, err) < 0)
		return -1;
	r = spawn_logged(b, argv, "qemu.log", &b->qemu, err);
	qemu_argv_free(argv);
	return r;
}

/* What is left of the deadline, for the agent client's calls (0 when past). */
static int left_ms(const struct bare *b)
{
	double left = b->deadline - bench_now_ms();

	return left > 0 ? (int)left + 1 : 0;
}

/* Sends req (stolen) as the monitor does and waits for its reply. */
static int call(struct bare *b, json_t *req, hull_error_t *err)
{
	cleanup_json json_t *owned = req;

	if (req == NULL)
		return hull_fail(err, ENOMEM, "agent request");
	return agent_client_call(b->agent, req, NULL, left_ms(b), err);
}

/* Events until the container's exit. */
static int wait_exit(struct bare *b, hull_error_t *err)
{
	for (;;) {
		cleanup_json json_t *ev = NULL;
		int r = agent_client_next_event(b->agent, left_ms(b), &ev, err);

		if (r <= 0)
			return r < 0 ? -1
			             : hull_fail(err, ETIMEDOUT, "no exit event from the agent");
		if (strcmp(json_string_value(json_object_get(ev, "event")) ?: "", "exit") == 0)
			return 0;
	}
}

/* The agent's shutdown (the guest powers off, QEMU exits), else SIGKILL; then virtiofsd. */
static void stop(struct bare *b, bool graceful)
{
	if (graceful && b->qemu > 0 && b->agent) {
		cleanup_error hull_error_t err = NULL;

		b->deadline = bench_now_ms() + 5000;
		/* The reply may not come: the channel closes. */
		call(b, json_pack("{s:s}", "op", "shutdown"), &err);
		if (vmb_wait(b->qemu, 10000, NULL))
			b->qemu = -1;
	}
	vmb_kill_wait(b->qemu);
	b->qemu = -1;
	agent_client_close(b->agent);
	b->agent = NULL;
	if (b->virtiofsd > 0) {
		kill(b->virtiofsd, SIGTERM);
		if (!vmb_wait(b->virtiofsd, 2000, NULL))
			vmb_kill_wait(b->virtiofsd);
	}
	b->virtiofsd = -1;
}

/* The steps of a bare boot (and run), each timed from the start. */
static int steps(struct bare *b, const char *machine, bool run, struct vmb_bare_times *t,
                 hull_error_t *err)
{
	double stop_start;

	if (start_virtiofsd(b, err) < 0)
		return -1;
	t->virtiofsd_ms = bench_now_ms() - b->t0;
	if (start_qemu(b, machine, err) < 0)
		return -1;
	t->spawned_ms = bench_now_ms() - b->t0;
	if (agent_client_connect(b->agent_socket, left_ms(b), &b->agent, err) < 0)
		return exited(&b->qemu)
		           ? hull_error_prefix(err, "QEMU exited (see %s/qemu.log)", b->dir)
		           : -1;
	if (agent_client_wait_ready(b->agent, left_ms(b), err) < 0)
		return -1;
	t->ready_ms = bench_now_ms() - b->t0;
	if (call(b, agent_request_create_container(b->id, &b->e->spec), err) < 0)
		return -1;
	t->created_ms = bench_now_ms() - b->t0;
	if (!run) {
		stop_start = bench_now_ms();
		stop(b, true);
		t->stop_ms = bench_now_ms() - stop_start;
		return 0;
	}
	if (call(b, agent_request_start_container(b->id), err) < 0)
		return -1;
	t->started_ms = bench_now_ms() - b->t0;
	if (wait_exit(b, err) < 0)
		return -1;
	t->exited_ms = bench_now_ms() - b->t0;
	stop(b, true);
	t->total_ms = bench_now_ms() - b->t0;
	return 0;
}

int vmb_bare(struct vmb_env *e, const char *machine, bool run, struct vmb_bare_times *t,
             hull_error_t *err)
{
	struct bare b = {.e = e, .virtiofsd = -1, .qemu = -1};
	int ret;

	memset(t, 0, sizeof(*t));
	vmb_fmt(b.id, sizeof(b.id), "bare-%u", ++e->seq);
	vmb_fmt(b.dir, sizeof(b.dir), "%s/%s", e->tmp, b.id);
	if (mkdir(b.dir, 0700) < 0)
		return hull_fail(err, errno, "mkdir %s", b.dir);
	vmb_fmt(b.vfs_socket, sizeof(b.vfs_socket), "%s/virtiofs.sock", b.dir);
	vmb_fmt(b.qmp_socket, sizeof(b.qmp_socket), "%s/qmp.sock", b.dir);
	vmb_fmt(b.agent_socket, sizeof(b.agent_socket), "%s/agent.sock", b.dir);
	vmb_fmt(b.console, sizeof(b.console), "%s/console.log", b.dir);
	b.t0 = bench_now_ms();
	b.deadline = b.t0 + e->timeout_ms;
	ret = steps(&b, machine, run, t, err);
	if (ret < 0) {
		cleanup_free char *tail = vm_console_tail(b.console, 4);

		for (char *p = tail; p && *p; p++)
			*p = *p == '\n' ? '|' : *p;
		hull_error_prefix(err, "bare %s%s%s%s", machine,
		                  tail && *tail ? " (guest console: " : "", tail ?: "",
		                  tail && *tail ? ")" : "");
	}
	stop(&b, false);
	bench_remove_tree(b.dir);
	return ret;
}
