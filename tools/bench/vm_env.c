/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_vm's scratch directory (/tmp/hull-benchvm.XXXXXX) and its removal
 * at exit and on a signal; the bench is a child subreaper, so that a signal
 * finds orphaned monitors (docs/benchmarks.md, "VM sandbox").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "tools/bench/stats.h"
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

int vmb_wait(pid_t pid, int timeout_ms, int *status)
{
	cleanup_close int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r;

	if (fd < 0) /* no pidfd: waitpid every 10 ms */
		return wait_exit_timeout(pid, timeout_ms, status);
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r != 0 && (waitpid(pid, status, 0) == pid || errno == ECHILD);
}

void vmb_kill_wait(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* dir/rootfs: busybox-static with true, sleep and sh; dir/config.json from the example. */
static int make_bundle(const char *dir, const json_t *example, const char *args_json,
                       hull_error_t *err)
{
	static const char *const subdirs[] = {
	    "",           "/rootfs", "/rootfs/bin", "/rootfs/proc", "/rootfs/sys", "/rootfs/dev",
	    "/rootfs/tmp"};
	static const char *const applets[] = {"true", "sleep", "sh"};
	char path[PATH_MAX];
	cleanup_json json_t *spec = json_deep_copy(example);
	cleanup_close int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC), out = -1;
	json_t *linux_ = json_object_get(spec, "linux"),
	       *ns = json_object_get(linux_, "namespaces");
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		vmb_fmt(path, sizeof(path), "%s%s", dir, subdirs[i]);
		if (mkdir(path, 0755) < 0)
			return hull_fail(err, errno, "mkdir %s", path);
	}
	vmb_fmt(path, sizeof(path), "%s/rootfs/bin/busybox", dir);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in < 0 || out < 0 || fstat(in, &st) < 0 ||
	    sendfile(out, in, NULL, (size_t)st.st_size) != st.st_size)
		return hull_fail(err, errno, "copy /bin/busybox to %s", path);
	for (i = 0; i < sizeof(applets) / sizeof(*applets); i++) {
		vmb_fmt(path, sizeof(path), "%s/rootfs/bin/%s", dir, applets[i]);
		if (symlink("busybox", path) < 0)
			return hull_fail(err, errno, "symlink %s", path);
	}
	/* The example's process with other args; no network namespace: no network. */
	if (spec == NULL || json_object_set_new(json_object_get(spec, "process"), "args",
	                                        json_loads(args_json, 0, NULL)) < 0)
		return hull_fail(err, 0, "bundle %s: the example config.json has no process", dir);
	for (i = json_array_size(ns); i-- > 0;)
		if (strcmp(json_string_value(json_object_get(json_array_get(ns, i), "type")) ?: "",
		           "network") == 0)
			json_array_remove(ns, i);
	vmb_fmt(path, sizeof(path), "%s/config.json", dir);
	if (json_dump_file(spec, path, JSON_INDENT(2)) < 0)
		return hull_fail(err, errno, "write %s", path);
	return 0;
}

int vmb_env_config(const struct vmb_env *e, const char *accel, const char *machine, char *out,
                   size_t size, hull_error_t *err)
{
	cleanup_json json_t *cfg = NULL;

	if ((size_t)snprintf(out, size, "%s/config-%s-%s.json", e->tmp, accel, machine) >= size)
		return hull_fail(err, ENAMETOOLONG, "config path");
	if (access(out, F_OK) == 0)
		return 0;
	cfg = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:i}, s:{s:s}}", "hypervisor", "path",
	                e->qemu, "kernel", e->kernel, "initrd", e->initrd, "accel", accel,
	                "machine_type", machine, "default_memory", (int)e->memory_mib, "runtime",
	                "state_root", e->root);
	if (cfg && *e->kernel_params)
		json_object_set_new(json_object_get(cfg, "hypervisor"), "kernel_params",
		                    json_string(e->kernel_params));
	if (cfg == NULL || json_dump_file(cfg, out, JSON_INDENT(2)) < 0)
		return hull_fail(err, errno, "write %s", out);
	return 0;
}

/* virtiofsd as hull starts it, once: which -o sandbox= works on this machine. */
static int probe_virtiofsd(struct vmb_env *e, hull_error_t *err)
{
	char rootfs[PATH_MAX], socket[PATH_MAX], log[PATH_MAX];
	struct virtiofsd_config c = {
	    .binary = e->virtiofsd, .shared_dir = rootfs, .socket = socket, .log_path = log};
	struct virtiofsd v;

	vmb_fmt(rootfs, sizeof(rootfs), "%s/rootfs", e->bundle_true);
	vmb_fmt(socket, sizeof(socket), "%s/probe-virtiofs.sock", e->tmp);
	vmb_fmt(log, sizeof(log), "%s/probe-virtiofsd.log", e->tmp);
	if (virtiofsd_start(&c, &v, err) < 0)
		return hull_error_prefix(err, "virtiofsd");
	vmb_fmt(e->virtiofsd_sandbox, sizeof(e->virtiofsd_sandbox), "%s", v.sandbox);
	virtiofsd_stop(&v);
	return 0;
}

/* path made absolute (hull's configuration wants absolute paths); false if it is not there. */
static bool found(char *path, int mode)
{
	char real[PATH_MAX];

	if (access(path, mode) < 0 || realpath(path, real) == NULL)
		return false;
	vmb_fmt(path, PATH_MAX, "%s", real);
	return true;
}

static char signal_tmp[PATH_MAX];

static void on_signal(int sig)
{
	static char *const rm_argv[] = {"rm", "-rf", signal_tmp, NULL};
	static char *const no_env[] = {NULL};
	pid_t pid;

	bench_kill_children();
	if (signal_tmp[0]) {
		pid = vfork();
		if (pid == 0) {
			execve("/bin/rm", rm_argv, no_env);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	_exit(128 + sig);
}

/* SIGINT/SIGTERM/SIGHUP: kill every child, remove the directory, exit. */
static void install_signal_cleanup(const struct vmb_env *e)
{
	struct sigaction sa = {.sa_handler = on_signal};

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	vmb_fmt(signal_tmp, sizeof(signal_tmp), "%s", e->tmp);
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int vmb_env_init(struct vmb_env *e, const char **why, hull_error_t *err)
{
	char dir[PATH_MAX] = ".", guest[PATH_MAX], example_path[PATH_MAX], path[PATH_MAX];
	cleanup_json json_t *example = NULL;
	json_error_t jerr;
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	char *slash;

	/* The directory of this program (build/bench), for build/bin/hull and build/guest. */
	if (n > 0 && (slash = memrchr(dir, '/', (size_t)n)) != NULL)
		*slash = '\0';
	vmb_fmt(e->hull, sizeof(e->hull), "%s", getenv("HULL") ?: "");
	if (!getenv("HULL"))
		vmb_fmt(e->hull, sizeof(e->hull), "%s/../bin/hull", dir);
	vmb_fmt(guest, sizeof(guest), "%s", getenv("HULL_GUEST") ?: "");
	if (!getenv("HULL_GUEST"))
		vmb_fmt(guest, sizeof(guest), "%s/../guest", dir);
	vmb_fmt(e->kernel, sizeof(e->kernel), "%s/vmlinuz", guest);
	vmb_fmt(e->initrd, sizeof(e->initrd), "%s/initrd.img", guest);
	vmb_fmt(e->qemu, sizeof(e->qemu), "%s", DEFAULT_QEMU);
	vmb_fmt(e->virtiofsd, sizeof(e->virtiofsd), "%s", DEFAULT_VIRTIOFSD);
	/* The example bundle: from the source tree (cwd under make, or ../../ of build/bench). */
	vmb_fmt(example_path, sizeof(example_path), "examples/busybox/config.json");
	if (access(example_path, R_OK) < 0)
		vmb_fmt(example_path, sizeof(example_path), "%s/../../examples/busybox/config.json",
		        dir);
	e->kernel_params = e->kernel_params ?: "";
	e->memory_mib = e->memory_mib ?: 512;
	e->timeout_ms = e->timeout_ms ?: 30000;

	if (geteuid() != 0)
		return *why = "needs root (virtiofsd)", 0;
	if (!found(e->hull, X_OK))
		return *why = "no hull binary (make)", 0;
	if (!found(e->kernel, R_OK) || !found(e->initrd, R_OK))
		return *why = "no guest image (make guest)", 0;
	if (access(e->qemu, X_OK) < 0)
		return *why = "no " DEFAULT_QEMU, 0;
	if (access(e->virtiofsd, X_OK) < 0)
		return *why = "no " DEFAULT_VIRTIOFSD, 0;
	if (access("/bin/busybox", X_OK) < 0)
		return *why = "no /bin/busybox (busybox-static)", 0;
	if (access(example_path, R_OK) < 0)
		return *why = "no examples/busybox/config.json (run from the source tree)", 0;

	example = json_load_file(example_path, 0, &jerr);
	if (example == NULL)
		return hull_fail(err, 0, "%s: %s", example_path, jerr.text);
	vmb_fmt(e->tmp, sizeof(e->tmp), "/tmp/hull-benchvm.XXXXXX");
	if (mkdtemp(e->tmp) == NULL) {
		e->tmp[0] = '\0';
		return hull_fail(err, errno, "mkdtemp");
	}
	install_signal_cleanup(e);
	vmb_fmt(e->root, sizeof(e->root), "%s/state", e->tmp);
	vmb_fmt(e->bundle_true, sizeof(e->bundle_true), "%s/bundle-true", e->tmp);
	vmb_fmt(e->bundle_sleep, sizeof(e->bundle_sleep), "%s/bundle-sleep", e->tmp);
	vmb_fmt(path, sizeof(path), "%s/README", e->tmp);
	{
		cleanup_file FILE *readme = fopen(path, "we");

		if (!readme ||
		    fputs("bench_vm's scratch directory; removed when it ends\n", readme) < 0)
			return hull_fail(err, errno, "write %s", path);
	}
	if (mkdir(e->root, 0700) < 0)
		return hull_fail(err, errno, "mkdir %s", e->root);
	if (make_bundle(e->bundle_true, example, "[\"/bin/true\"]", err) < 0 ||
	    make_bundle(e->bundle_sleep, example, "[\"/bin/sleep\", \"600\"]", err) < 0 ||
	    hull_spec_load(e->bundle_true, &e->spec, err) < 0 || probe_virtiofsd(e, err) < 0)
		return -1;
	return 1;
}

void vmb_env_cleanup(struct vmb_env *e)
{
	cleanup_error hull_error_t err = NULL;
	char config[PATH_MAX];
	DIR *d;
	struct dirent *de;

	if (e->tmp[0] == '\0')
		return;
	/* hull's own way first, for whatever sandbox is left, then force. */
	d = vmb_env_config(e, "tcg", "q35", config, sizeof(config), &err) == 0 ? opendir(e->root)
	                                                                       : NULL;
	while (d && (de = readdir(d)) != NULL) {
		char *argv[] = {e->hull,  "--config", config,     "--root", e->root,
		                "delete", "--force",  de->d_name, NULL};
		struct spawn_options o = {.stdout_fd = -1, .stderr_fd = -1};
		pid_t pid;

		if (de->d_name[0] != '.' && spawn_program(argv, &o, &pid, &err) == 0 &&
		    !vmb_wait(pid, 60000, NULL))
			vmb_kill_wait(pid);
		hull_error_release(&err);
	}
	if (d)
		closedir(d);
	bench_kill_children();
	bench_remove_tree(e->tmp);
	e->tmp[0] = '\0';
	hull_spec_free(&e->spec);
}
