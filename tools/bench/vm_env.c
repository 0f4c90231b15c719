/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_vm's world: one temporary directory (/tmp/hull-benchvm.XXXXXX)
 * holding hull configurations, hull's state root, the bare runs' sockets
 * and logs, and two busybox bundles; and its removal at exit and on a
 * signal.  The bench is a child subreaper, so that a monitor orphaned by
 * `hull create` is its child and a signal can find and kill it (QEMU and
 * virtiofsd die with their parent: hull and the bench spawn them with
 * PR_SET_PDEATHSIG).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "tools/bench/vm_bench.h"
#include "vmm/virtiofsd.h"

#define DEFAULT_QEMU "/usr/bin/qemu-system-x86_64"
#define DEFAULT_VIRTIOFSD "/usr/lib/qemu/virtiofsd"

void vmb_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(out, size, fmt, ap) < 0 && size > 0)
		out[0] = '\0';
	va_end(ap);
}

double vmb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double vmb_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int vmb_wait(pid_t pid, int timeout_ms, int *status)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r;

		do
			r = poll(&pfd, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		close(fd);
		if (r == 0)
			return 0;
		return waitpid(pid, status, 0) == pid || errno == ECHILD;
	}
	/* No pidfd: poll waitpid every millisecond. */
	for (int waited = 0;; waited++) {
		struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000 * 1000};
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return 1;
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return 0;
		nanosleep(&ms, NULL);
	}
}

void vmb_kill_wait(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

void vmb_console_tail(const char *path, char *out, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[2048];
	off_t end;
	ssize_t n;
	int lines = 0;
	char *p;

	out[0] = '\0';
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	lseek(fd, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			*p = ' ';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (p = buf + n; p > buf && lines < 4; p--)
		if (p[-1] == '\n')
			lines++;
	vmb_fmt(out, size, "%s", p);
	for (p = out; *p; p++)
		if (*p == '\n')
			*p = '|';
}

static int write_text(const char *path, const char *text, hull_error_t *err)
{
	cleanup_file FILE *f = fopen(path, "we");

	if (f == NULL || fputs(text, f) < 0)
		return hull_fail(err, errno, "write %s", path);
	return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode, hull_error_t *err)
{
	cleanup_close int in = open(from, O_RDONLY | O_CLOEXEC);
	cleanup_close int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return hull_fail(err, errno, "open %s", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0)
		return hull_fail(err, errno, "create %s", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return hull_fail(err, errno, "write %s", to);
	return n < 0 ? hull_fail(err, errno, "read %s", from) : 0;
}

/* dir/rootfs: busybox-static with true, sleep and sh; dir/config.json from the example. */
static int make_bundle(const char *dir, const json_t *example, const char *args_json,
                       json_t **spec_out, hull_error_t *err)
{
	static const char *const subdirs[] = {"rootfs",     "rootfs/bin", "rootfs/proc",
	                                      "rootfs/sys", "rootfs/dev", "rootfs/tmp"};
	static const char *const applets[] = {"true", "sleep", "sh"};
	char path[PATH_MAX];
	cleanup_json json_t *spec = json_deep_copy(example);
	json_t *ns, *kept, *n;
	size_t i;

	if (mkdir(dir, 0755) < 0)
		return hull_fail(err, errno, "mkdir %s", dir);
	for (i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		vmb_fmt(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0755) < 0)
			return hull_fail(err, errno, "mkdir %s", path);
	}
	vmb_fmt(path, sizeof(path), "%s/rootfs/bin/busybox", dir);
	if (copy_file("/bin/busybox", path, 0755, err) < 0)
		return -1;
	for (i = 0; i < sizeof(applets) / sizeof(*applets); i++) {
		vmb_fmt(path, sizeof(path), "%s/rootfs/bin/%s", dir, applets[i]);
		if (symlink("busybox", path) < 0)
			return hull_fail(err, errno, "symlink %s", path);
	}
	/* The example's process with other args; no network namespace: no network. */
	if (spec == NULL || json_object_set_new(json_object_get(spec, "process"), "args",
	                                        json_loads(args_json, 0, NULL)) < 0)
		return hull_fail(err, 0, "bundle %s: the example config.json has no process", dir);
	ns = json_object_get(json_object_get(spec, "linux"), "namespaces");
	kept = json_array();
	json_array_foreach(ns, i, n)
	{
		const char *type = json_string_value(json_object_get(n, "type"));

		if (type == NULL || strcmp(type, "network") != 0)
			json_array_append(kept, n);
	}
	if (ns)
		json_object_set_new(json_object_get(spec, "linux"), "namespaces", kept);
	else
		json_decref(kept);
	vmb_fmt(path, sizeof(path), "%s/config.json", dir);
	if (json_dump_file(spec, path, JSON_INDENT(2)) < 0)
		return hull_fail(err, errno, "write %s", path);
	if (spec_out)
		*spec_out = json_incref(spec);
	return 0;
}

int vmb_env_config(const struct vmb_env *e, const char *accel, const char *machine, char *out,
                   size_t size, hull_error_t *err)
{
	cleanup_json json_t *cfg = NULL;
	struct stat st;

	if ((size_t)snprintf(out, size, "%s/config-%s-%s.json", e->tmp, accel, machine) >= size)
		return hull_fail(err, ENAMETOOLONG, "config path");
	if (stat(out, &st) == 0)
		return 0;
	cfg = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:i}, s:{s:s}}", "hypervisor", "path",
	                e->qemu, "kernel", e->kernel, "initrd", e->initrd, "accel", accel,
	                "machine_type", machine, "default_memory", (int)e->memory_mib, "runtime",
	                "state_root", e->root);
	if (cfg && e->kernel_params && *e->kernel_params)
		json_object_set_new(json_object_get(cfg, "hypervisor"), "kernel_params",
		                    json_string(e->kernel_params));
	if (cfg == NULL || json_dump_file(cfg, out, JSON_INDENT(2)) < 0)
		return hull_fail(err, errno, "write %s", out);
	return 0;
}

/* The directory of this program (build/bench), for build/bin/hull and build/guest. */
static void exe_dir(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);
	char *slash;

	if (n <= 0) {
		vmb_fmt(out, size, ".");
		return;
	}
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
}

static bool executable(const char *path)
{
	return access(path, X_OK) == 0;
}

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* virtiofsd as hull starts it, once: which -o sandbox= works on this machine. */
static int probe_virtiofsd(struct vmb_env *e, hull_error_t *err)
{
	struct virtiofsd_config c = {.binary = e->virtiofsd};
	struct virtiofsd v;
	char rootfs[PATH_MAX], socket[PATH_MAX], log[PATH_MAX];

	vmb_fmt(rootfs, sizeof(rootfs), "%s/rootfs", e->bundle_true);
	vmb_fmt(socket, sizeof(socket), "%s/probe-virtiofs.sock", e->tmp);
	vmb_fmt(log, sizeof(log), "%s/probe-virtiofsd.log", e->tmp);
	c.shared_dir = rootfs;
	c.socket = socket;
	c.log_path = log;
	if (virtiofsd_start(&c, &v, err) < 0)
		return -1;
	vmb_fmt(e->virtiofsd_sandbox, sizeof(e->virtiofsd_sandbox), "%s", v.sandbox);
	virtiofsd_stop(&v);
	return 0;
}

int vmb_env_init(struct vmb_env *e, const char *argv0, const char **why, hull_error_t *err)
{
	char dir[PATH_MAX], path[PATH_MAX], example_path[PATH_MAX];
	const char *v;
	cleanup_json json_t *example = NULL;
	json_error_t jerr;

	(void)argv0;
	exe_dir(dir, sizeof(dir));
	v = getenv("HULL");
	vmb_fmt(e->hull, sizeof(e->hull), "%s", v ? v : "");
	if (!v)
		vmb_fmt(e->hull, sizeof(e->hull), "%s/../bin/hull", dir);
	v = getenv("HULL_GUEST");
	vmb_fmt(path, sizeof(path), "%s", v ? v : "");
	if (!v)
		vmb_fmt(path, sizeof(path), "%s/../guest", dir);
	vmb_fmt(e->kernel, sizeof(e->kernel), "%s/vmlinuz", path);
	vmb_fmt(e->initrd, sizeof(e->initrd), "%s/initrd.img", path);
	vmb_fmt(e->qemu, sizeof(e->qemu), "%s", DEFAULT_QEMU);
	vmb_fmt(e->virtiofsd, sizeof(e->virtiofsd), "%s", DEFAULT_VIRTIOFSD);
	/* The example bundle: from the source tree (cwd under make, or ../../ of build/bench). */
	vmb_fmt(example_path, sizeof(example_path), "examples/busybox/config.json");
	if (!readable(example_path))
		vmb_fmt(example_path, sizeof(example_path), "%s/../../examples/busybox/config.json",
		        dir);

	if (geteuid() != 0)
		return *why = "needs root (virtiofsd)", 0;
	if (!executable(e->hull))
		return *why = "no hull binary (make)", 0;
	if (!readable(e->kernel) || !readable(e->initrd))
		return *why = "no guest image (make guest)", 0;
	if (!executable(e->qemu))
		return *why = "no " DEFAULT_QEMU, 0;
	if (!executable(e->virtiofsd))
		return *why = "no " DEFAULT_VIRTIOFSD, 0;
	if (!executable("/bin/busybox"))
		return *why = "no /bin/busybox (busybox-static)", 0;
	if (!readable(example_path))
		return *why = "no examples/busybox/config.json (run from the source tree)", 0;
	/* realpath: hull's configuration wants absolute paths. */
	if (realpath(e->hull, path))
		vmb_fmt(e->hull, sizeof(e->hull), "%s", path);
	if (realpath(e->kernel, path))
		vmb_fmt(e->kernel, sizeof(e->kernel), "%s", path);
	if (realpath(e->initrd, path))
		vmb_fmt(e->initrd, sizeof(e->initrd), "%s", path);

	example = json_load_file(example_path, 0, &jerr);
	if (example == NULL)
		return hull_fail(err, 0, "%s: %s", example_path, jerr.text);
	vmb_fmt(e->tmp, sizeof(e->tmp), "/tmp/hull-benchvm.XXXXXX");
	if (mkdtemp(e->tmp) == NULL) {
		e->tmp[0] = '\0';
		return hull_fail(err, errno, "mkdtemp");
	}
	vmb_fmt(e->root, sizeof(e->root), "%s/state", e->tmp);
	vmb_fmt(e->bundle_true, sizeof(e->bundle_true), "%s/bundle-true", e->tmp);
	vmb_fmt(e->bundle_sleep, sizeof(e->bundle_sleep), "%s/bundle-sleep", e->tmp);
	if (mkdir(e->root, 0700) < 0)
		return hull_fail(err, errno, "mkdir %s", e->root);
	if (make_bundle(e->bundle_true, example, "[\"/bin/true\"]", &e->spec, err) < 0 ||
	    make_bundle(e->bundle_sleep, example, "[\"/bin/sleep\", \"600\"]", NULL, err) < 0)
		return -1;
	vmb_fmt(path, sizeof(path), "%s/README", e->tmp);
	if (write_text(path, "bench_vm's scratch directory; removed when it ends\n", err) < 0)
		return -1;
	if (probe_virtiofsd(e, err) < 0)
		return hull_error_prefix(err, "virtiofsd");
	return 1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* This thread's children, from /proc (async-signal-safe: system calls only). */
static size_t list_children(pid_t *out, size_t max)
{
	char path[64], buf[4096];
	long tid = syscall(SYS_gettid);
	size_t n = 0;
	ssize_t len;
	int fd;
	pid_t cur = 0;
	bool in = false;

	/* snprintf is not on the async-signal-safe list: build the path by hand. */
	{
		char digits[24];
		int d = 0;
		const char *a = "/proc/self/task/", *b = "/children";
		size_t k = 0;

		do
			digits[d++] = (char)('0' + tid % 10);
		while ((tid /= 10) > 0);
		while (*a)
			path[k++] = *a++;
		while (d > 0)
			path[k++] = digits[--d];
		while (*b)
			path[k++] = *b++;
		path[k] = '\0';
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (ssize_t i = 0; i < len && n < max; i++) {
		if (buf[i] >= '0' && buf[i] <= '9') {
			cur = cur * 10 + (buf[i] - '0');
			in = true;
		} else if (in) {
			out[n++] = cur;
			cur = 0;
			in = false;
		}
	}
	return n;
}

/* SIGKILL to every child, then reap; repeated, as orphans are reparented to us. */
static void kill_all_children(void)
{
	for (int pass = 0; pass < 5; pass++) {
		pid_t kids[256];
		size_t n = list_children(kids, 256);
		struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
		int status;

		for (size_t i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		if (n == 0 && pass > 0)
			break;
		nanosleep(&pause, NULL);
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
	}
}

void vmb_env_cleanup(struct vmb_env *e)
{
	DIR *d;
	struct dirent *de;
	char config[PATH_MAX];
	hull_error_t err = NULL;

	if (e->tmp[0] == '\0')
		return;
	/* hull's own way first, for whatever sandbox is left, then force. */
	d = opendir(e->root);
	if (d && vmb_env_config(e, "tcg", "q35", config, sizeof(config), &err) == 0) {
		while ((de = readdir(d)) != NULL) {
			char *argv[] = {e->hull,  "--config", config,     "--root", e->root,
			                "delete", "--force",  de->d_name, NULL};
			struct spawn_options o = {.stdout_fd = -1, .stderr_fd = -1};
			pid_t pid;
			int status;

			if (de->d_name[0] == '.')
				continue;
			if (spawn_program(argv, &o, &pid, &err) == 0 &&
			    !vmb_wait(pid, 60000, &status))
				vmb_kill_wait(pid);
			hull_error_release(&err);
		}
	}
	if (d)
		closedir(d);
	hull_error_release(&err);
	kill_all_children();
	nftw(e->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	e->tmp[0] = '\0';
	json_decref(e->spec);
	e->spec = NULL;
}

static char signal_tmp[PATH_MAX];

static void on_signal(int sig)
{
	static char *const rm_argv[] = {"rm", "-rf", signal_tmp, NULL};
	static char *const no_env[] = {NULL};
	int status;
	pid_t pid;

	kill_all_children();
	if (signal_tmp[0]) {
		pid = vfork();
		if (pid == 0) {
			execve("/bin/rm", rm_argv, no_env);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, &status, 0);
	}
	_exit(128 + sig);
}

void vmb_env_install_signal_cleanup(const struct vmb_env *e)
{
	struct sigaction sa = {.sa_handler = on_signal};

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	vmb_fmt(signal_tmp, sizeof(signal_tmp), "%s", e->tmp);
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
