/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/spawn.h"

char *vm_console_tail(const char *path, int lines)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[4096], *start, *out;
	off_t size;
	ssize_t n;
	int seen = 0;

	if (fd < 0)
		return strdup("");
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf) - 1)
		lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return strdup("");
	buf[n] = '\0';
	/* Drop the serial console's carriage returns and escape sequences. */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			*p = ' ';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	start = buf + n;
	while (start > buf && seen < lines)
		if (*--start == '\n')
			seen++;
	if (*start == '\n')
		start++;
	out = strdup(start);
	for (char *p = out; p && *p; p++)
		if (*p == '\n')
			*p = '|';
	return out;
}

char *vm_console_find(const char *path, const char *needle)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	char *at, *end;
	off_t size;
	ssize_t n;

	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) <= 0)
		return NULL;
	size = size > 65536 ? 65536 : size;
	buf = malloc((size_t)size + 1);
	if (buf == NULL || lseek(fd, -size, SEEK_END) < 0 || (n = read(fd, buf, (size_t)size)) <= 0)
		return NULL;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	at = strstr(buf, needle);
	if (at == NULL)
		return NULL;
	end = strpbrk(at, "\r\n");
	return strndup(at, end ? (size_t)(end - at) : strlen(at));
}

static int path_in(char *out, size_t size, const char *dir, const char *name, hull_error_t *err)
{
	if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
		return hull_fail(err, ENAMETOOLONG, "%s/%s", dir, name);
	return 0;
}

static int start_qemu(const struct vm_params *p, struct vm *vm, hull_error_t *err)
{
	struct vm_config c = p->qemu;
	int keep[2 * VM_MAX_QUEUES * VM_MAX_NICS]; /* a tap and a vhost fd per queue */
	size_t n_keep = 0;
	char **argv = NULL;
	cleanup_close int log_fd = -1;
	struct spawn_options opts = {.die_with_parent = true, .new_session = true};
	int r;

	c.qmp_socket = vm->qmp_socket;
	c.agent_socket = vm->agent_socket;
	c.console_log = vm->console_log;
	c.virtiofs_socket = p->shared_dir ? vm->virtiofs_socket : NULL;
	c.virtiofs_tag = VM_ROOTFS_TAG;
	/* It refuses more than VM_MAX_NICS NICs or VM_MAX_QUEUES queues: keep[] fits. */
	if (qemu_build_argv(&c, &argv, err) < 0)
		return -1;
	for (size_t i = 0; i < c.n_nics; i++)
		for (unsigned q = 0; q < c.nics[i].queues; q++) {
			keep[n_keep++] = c.nics[i].tap_fds[q];
			if (c.nics[i].vhost)
				keep[n_keep++] = c.nics[i].vhost_fds[q];
		}
	log_fd = open(vm->qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (log_fd < 0) {
		qemu_argv_free(argv);
		return hull_fail(err, errno, "QEMU log %s", vm->qemu_log);
	}
	opts.keep_fds = keep;
	opts.n_keep_fds = n_keep;
	opts.stdout_fd = log_fd;
	opts.stderr_fd = log_fd;
	if (hull_log_debug_enabled()) {
		cleanup_free char *line = NULL;
		size_t len = 0;

		for (char **a = argv; *a; a++)
			len += strlen(*a) + 1;
		line = calloc(1, len + 1);
		for (char **a = argv; line && *a; a++) {
			strcat(line, *a);
			strcat(line, " ");
		}
		log_debug("QEMU: %s", line ? line : "");
	}
	r = spawn_program(argv, &opts, &vm->qemu_pid, err);
	qemu_argv_free(argv);
	return r;
}

/* QEMU's own complaint when it exits at start (bad option, missing file, KVM abort). */
static int qemu_died(struct vm *vm, int status, hull_error_t *err)
{
	cleanup_free char *tail = vm_console_tail(vm->qemu_log, 3);

	vm->qemu_pid = -1;
	vm->failure = VM_FAIL_QEMU_EXITED;
	return hull_fail(err, 0, "QEMU exited at start (status %d): %s",
	                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	                 tail && *tail ? tail : "no message");
}

static const char *accel_of(const struct vm_params *p)
{
	return p->accel_name ? p->accel_name : p->qemu.kvm ? "kvm" : "tcg";
}

/*
 * QEMU exited on its own before the guest's init ran.  A guest that
 * panicked (panic=-1 and -no-reboot make QEMU exit 0) failed by itself:
 * its kernel or command line is at fault, not the accelerator; any other
 * exit (an abort, a triple fault's reset) is the accelerator's.
 */
static enum vm_failure early_exit_failure(const struct vm *vm, int status, bool panicked)
{
	if (vm->alive_ms < 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0 && panicked))
		return VM_FAIL_QEMU_EXITED;
	return VM_FAIL_OTHER;
}

/*
 * The guest never answered: say whether it stopped or went silent, under
 * which accelerator, and show what its console said last (a kernel panic,
 * when there was one).
 */
static void boot_failed(const struct vm_params *p, struct vm *vm, hull_error_t *err)
{
	cleanup_free char *cause = hull_error_text(*err);
	cleanup_free char *tail = vm_console_tail(vm->console_log, 3);
	cleanup_free char *panic = vm_console_find(vm->console_log, "Kernel panic");
	int status = 0;
	bool stopped = vm->qemu_pid > 0 && wait_exit_timeout(vm->qemu_pid, 500, &status);

	vm->failure = VM_FAIL_OTHER;
	if (stopped) {
		vm->qemu_pid = -1;
		vm->failure = early_exit_failure(vm, status, panic != NULL);
	}
	hull_error_release(err);
	hull_fail(err, 0, "boot under %s: %s; guest console: %s%s%s", accel_of(p),
	          stopped ? "the VM stopped before its agent answered" : cause, panic ? panic : "",
	          panic ? " ... " : "", tail && *tail ? tail : "(empty)");
}

/* Whether pid exited, without reaping it; *status as waitpid() gives it. */
static bool qemu_exited(pid_t pid, int *status)
{
	siginfo_t si = {0};

	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != pid)
		return false;
	*status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status & 0x7f;
	return true;
}

/*
 * The boot watchdog: waits for the guest's init to write its marker on
 * the console (the kernel booted), for QEMU to exit, or for the deadline.
 * The console is read as it grows; the marker may straddle two reads.
 */
static int wait_for_life(const struct vm_params *p, struct vm *vm, long long started,
                         hull_error_t *err)
{
	static const char marker[] = VM_GUEST_ALIVE_MARKER;
	const size_t mlen = sizeof(marker) - 1;
	long long deadline = started + p->watchdog_ms;
	cleanup_close int fd = -1;
	char buf[4096];
	size_t kept = 0;
	int status;

	for (;;) {
		/* Whether QEMU exited is asked before the console is read, so that
		 * a marker written just before it exited is still seen. */
		bool exited = qemu_exited(vm->qemu_pid, &status);
		ssize_t n = 0;

		if (fd < 0)
			fd = open(vm->console_log, O_RDONLY | O_CLOEXEC);
		while (fd >= 0 && (n = read(fd, buf + kept, sizeof(buf) - kept)) > 0) {
			size_t len = kept + (size_t)n;

			if (memmem(buf, len, marker, mlen)) {
				vm->alive_ms = hull_now_ms() - started;
				return 0;
			}
			kept = len < mlen ? len : mlen - 1;
			memmove(buf, buf + len - kept, kept);
		}
		if (exited) {
			cleanup_free char *panic = vm_console_find(vm->console_log, "Kernel panic");

			if (early_exit_failure(vm, status, panic != NULL) == VM_FAIL_QEMU_EXITED) {
				waitpid(vm->qemu_pid, &status, 0);
				return qemu_died(vm, status, err);
			}
			/* The guest's own panic: reported as when the agent never answers. */
			hull_fail(err, 0, "exited");
			boot_failed(p, vm, err);
			return -1;
		}
		if (hull_now_ms() >= deadline) {
			cleanup_free char *tail = vm_console_tail(vm->console_log, 2);

			vm->failure = VM_FAIL_NO_LIFE;
			return hull_fail(err, 0,
			                 "the guest showed no sign of life within %d ms under %s "
			                 "(its init never ran; console: %s)",
			                 p->watchdog_ms, accel_of(p),
			                 tail && *tail ? tail : "(empty)");
		}
		usleep(2000);
	}
}

/* A VM that failed to boot has nothing to save: no shutdown dance. */
static void kill_qemu(struct vm *vm)
{
	int status;

	if (vm->qemu_pid <= 0)
		return;
	kill(vm->qemu_pid, SIGKILL);
	waitpid(vm->qemu_pid, &status, 0);
	vm->qemu_pid = -1;
}

int vm_start(const struct vm_params *p, struct vm *vm, hull_error_t *err)
{
	long long started;
	int status;

	memset(vm, 0, sizeof(*vm));
	vm->qemu_pid = -1;
	vm->virtiofsd.pid = -1;
	vm->alive_ms = -1;
	vm->failure = VM_FAIL_OTHER;
	if (path_in(vm->qmp_socket, sizeof(vm->qmp_socket), p->run_dir, "qmp.sock", err) < 0 ||
	    path_in(vm->agent_socket, sizeof(vm->agent_socket), p->run_dir, "agent.sock", err) <
	        0 ||
	    path_in(vm->virtiofs_socket, sizeof(vm->virtiofs_socket), p->run_dir, "virtiofs.sock",
	            err) < 0 ||
	    path_in(vm->console_log, sizeof(vm->console_log), p->run_dir, "console.log", err) < 0 ||
	    path_in(vm->qemu_log, sizeof(vm->qemu_log), p->run_dir, "qemu.log", err) < 0)
		return -1;
	if (strlen(vm->virtiofs_socket) >= 108)
		return hull_fail(err, ENAMETOOLONG,
		                 "socket path %s is longer than a unix socket allows",
		                 vm->virtiofs_socket);
	unlink(vm->qmp_socket);
	unlink(vm->agent_socket);
	unlink(vm->console_log);
	if (p->shared_dir) {
		struct virtiofsd_config vc = {
		    .binary = p->virtiofsd,
		    .shared_dir = p->shared_dir,
		    .socket = vm->virtiofs_socket,
		    .cache = p->virtiofs_cache,
		    .extra_args = p->virtiofs_extra_args,
		    .log_path = NULL,
		    .readonly = p->shared_readonly,
		    .container = p->share_container,
		};
		char vlog[PATH_MAX];

		if (path_in(vlog, sizeof(vlog), p->run_dir, "virtiofsd.log", err) < 0)
			return -1;
		vc.log_path = vlog;
		if (virtiofsd_start(&vc, &vm->virtiofsd, err) < 0)
			return -1;
	}
	started = hull_now_ms();
	if (start_qemu(p, vm, err) < 0)
		goto fail;
	vm->kvm = p->qemu.kvm;
	if (qmp_connect(vm->qmp_socket, 10000, &vm->qmp, err) < 0) {
		/* QEMU closing QMP is often QEMU dying (an abort under KVM): give it time. */
		if (wait_exit_timeout(vm->qemu_pid, 2000, &status)) {
			hull_error_release(err);
			qemu_died(vm, status, err);
		}
		goto fail;
	}
	if (p->watchdog_ms > 0 && wait_for_life(p, vm, started, err) < 0)
		goto fail;
	if (agent_client_connect(vm->agent_socket, 10000, &vm->agent, err) < 0)
		goto fail;
	if (agent_client_wait_ready(vm->agent, p->boot_timeout_ms, err) < 0) {
		boot_failed(p, vm, err);
		goto fail;
	}
	vm->boot_ms = hull_now_ms() - started;
	vm->failure = VM_FAIL_NONE;
	log_debug("VM up under %s in %lld ms (init after %lld ms): QEMU pid %d", accel_of(p),
	          vm->boot_ms, vm->alive_ms, vm->qemu_pid);
	return 0;
fail:
	kill_qemu(vm);
	vm_stop(vm);
	return -1;
}

static bool qemu_gone(struct vm *vm, int timeout_ms)
{
	int status;

	if (vm->qemu_pid <= 0)
		return true;
	if (wait_exit_timeout(vm->qemu_pid, timeout_ms, &status)) {
		vm->qemu_pid = -1;
		return true;
	}
	return false;
}

void vm_stop(struct vm *vm)
{
	if (vm->agent && vm->qemu_pid > 0) {
		cleanup_error hull_error_t err = NULL;
		cleanup_json json_t *req = json_pack("{s:s}", "op", "shutdown");

		/* The agent powers the guest off: QEMU exits (it runs with -no-reboot). */
		if (agent_client_call(vm->agent, req, NULL, 2000, &err) < 0)
			log_debug("agent shutdown: %s", hull_error_str(err));
	}
	if (!qemu_gone(vm, 5000) && vm->qmp) {
		cleanup_error hull_error_t err = NULL;

		log_debug("the guest did not power off; ACPI powerdown");
		if (qmp_execute(vm->qmp, "system_powerdown", NULL, NULL, 1000, &err) == 0)
			qemu_gone(vm, 3000);
	}
	if (!qemu_gone(vm, 0) && vm->qmp) {
		cleanup_error hull_error_t err = NULL;

		log_debug("QMP quit");
		if (qmp_execute(vm->qmp, "quit", NULL, NULL, 1000, &err) == 0)
			qemu_gone(vm, 2000);
	}
	if (!qemu_gone(vm, 0)) {
		int status;

		log_warning("QEMU pid %d did not stop; killing it", vm->qemu_pid);
		kill(vm->qemu_pid, SIGKILL);
		waitpid(vm->qemu_pid, &status, 0);
		vm->qemu_pid = -1;
	}
	agent_client_close(vm->agent);
	vm->agent = NULL;
	qmp_close(vm->qmp);
	vm->qmp = NULL;
	virtiofsd_stop(&vm->virtiofsd);
	if (vm->qmp_socket[0])
		unlink(vm->qmp_socket);
	if (vm->agent_socket[0])
		unlink(vm->agent_socket);
}
