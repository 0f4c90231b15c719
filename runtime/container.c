/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/inherited_fds.h"
#include "common/log.h"
#include "common/proc_identity.h"
#include "persist/id.h"
#include "persist/store.h"
#include "runtime/console.h"
#include "runtime/control.h"
#include "runtime/host_cgroup.h"
#include "runtime/hooks.h"
#include "runtime/monitor.h"
#include "runtime/pod.h"
#include "runtime/sandbox.h"
#include "runtime/config_file.h"
#include "runtime/sandbox_config.h"

int container_state_root(struct hull_globals *g, char **root, hull_error_t *err)
{
	struct hull_config cfg = {0};
	int r;

	if (g->root) {
		*root = strdup(g->root);
		return *root ? 0 : hull_fail(err, ENOMEM, "state root");
	}
	r = hull_config_file_load(g->config_path, &cfg, err);
	if (r == 0) {
		*root = strdup(cfg.runtime.state_root);
		if (*root == NULL)
			r = hull_fail(err, ENOMEM, "state root");
	}
	hull_config_free(&cfg);
	return r;
}

int container_load(const char *root, const char *id, struct hull_sandbox_state *st,
                   hull_error_t *err)
{
	if (hull_id_validate(id, err) < 0)
		return -1;
	return hull_state_load(root, id, st, err);
}

bool container_monitor_alive(const struct hull_sandbox_state *st)
{
	return proc_is_recorded(st->sandbox.monitor_pid, st->sandbox.monitor_start_time, NULL);
}

const char *container_status(const struct hull_sandbox_state *st)
{
	/*
	 * A creating sandbox names its monitor from the fork on (its creator
	 * holds the lock until then): without a live one, nothing builds it.
	 */
	if (!container_monitor_alive(st))
		return "stopped";
	return hull_status_name(st->sandbox.status);
}

json_t *container_state_json(const struct hull_sandbox_state *st)
{
	json_t *annotations =
	    st->sandbox.annotations ? json_incref(st->sandbox.annotations) : json_object();

	return json_pack(
	    "{s:s, s:s, s:i, s:s, s:s, s:s, s:s?, s:o, s:s}", "ociVersion", "1.2.0", "id",
	    st->sandbox.id, "pid", container_monitor_alive(st) ? (int)st->sandbox.monitor_pid : 0,
	    "status", container_status(st), "bundle", st->sandbox.bundle ? st->sandbox.bundle : "",
	    "rootfs", st->n_containers ? st->containers[0].rootfs : "", "created",
	    st->sandbox.created, "annotations", annotations, "owner", "");
}

int container_socket_of(const char *root, const struct hull_sandbox_state *st, char *path,
                        size_t size, json_t *req, hull_error_t *err)
{
	const char *id = st->sandbox.id, *owner = id;

	if (st->sandbox.pod_sandbox) {
		/* A pod's app container: its sandbox's monitor runs it. */
		owner = st->sandbox.pod_sandbox;
		if (req)
			json_object_set_new(req, "container_id", json_string(id));
	}
	if ((size_t)snprintf(path, size, "%s/%s/%s", root, owner, CONTROL_SOCKET_NAME) >= size)
		return hull_fail(err, ENAMETOOLONG, "control socket of %s", id);
	return 0;
}

int container_ask(const char *root, const struct hull_sandbox_state *st, json_t *req,
                  json_t **reply, hull_error_t *err)
{
	char path[PATH_MAX];

	if (container_socket_of(root, st, path, sizeof(path), req, err) < 0)
		return -1;
	return control_call(path, req, reply, 60000, err);
}

int container_control(const char *root, const char *id, json_t *req, hull_error_t *err)
{
	cleanup_state struct hull_sandbox_state st = {0};

	if (container_load(root, id, &st, err) < 0)
		return -1;
	return container_ask(root, &st, req, NULL, err);
}

int container_write_pid_file(const char *path, pid_t pid, hull_error_t *err)
{
	char tmp[PATH_MAX];
	cleanup_close int fd = -1;
	char text[32];
	int len = snprintf(text, sizeof(text), "%d", pid);

	/*
	 * Atomic, as runc does: a reader never sees an empty pid file.  The
	 * temporary file is new (O_EXCL, a random name) and never a symlink
	 * (O_NOFOLLOW): in a directory others can write, nothing planted
	 * there makes root write elsewhere.
	 */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.hull-XXXXXX", path) >= sizeof(tmp))
		return hull_fail(err, ENAMETOOLONG, "--pid-file %s", path);
	fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return hull_fail(err, errno, "--pid-file %s", path);
	if (fchmod(fd, 0644) < 0 || write(fd, text, (size_t)len) != len || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return hull_fail(err, e, "--pid-file %s", path);
	}
	return 0;
}

static int fill_initial_state(struct hull_sandbox_state *st, const struct hull_sandbox_config *sc,
                              hull_error_t *err)
{
	const struct hull_config *cfg = &sc->config;
	struct hull_container_state *c;
	char now[64];

	hull_state_timestamp(now, sizeof(now));
	st->sandbox.id = strdup(sc->id);
	st->sandbox.bundle = strdup(sc->bundle);
	st->sandbox.status = HULL_STATUS_CREATING;
	st->sandbox.created = strdup(now);
	st->sandbox.annotations = json_incref(sc->spec.annotations);
	st->hypervisor.vcpus = cfg->hypervisor.default_vcpus;
	st->hypervisor.memory_mib = cfg->hypervisor.default_memory;
	st->hypervisor.kernel = strdup(cfg->hypervisor.kernel);
	st->hypervisor.initrd = strdup(cfg->hypervisor.initrd);
	st->network.netns_path = sc->spec.netns_path ? strdup(sc->spec.netns_path) : NULL;
	if (hull_net_model_parse(cfg->runtime.internetworking_model, &st->network.model) < 0)
		st->network.model = HULL_NET_TCFILTER;
	st->config = hull_sandbox_config_to_json(sc);
	/* poststop runs at delete, after the monitor (which has them) may be gone. */
	if (st->config && sc->spec.hooks)
		json_object_set(json_object_get(st->config, "container"), "hooks", sc->spec.hooks);
	c = hull_state_add_container(st);
	if (c == NULL)
		return hull_fail(err, ENOMEM, "state");
	c->id = strdup(sc->id);
	c->status = HULL_STATUS_CREATING;
	c->rootfs = strdup(sc->spec.rootfs);
	c->bundle = strdup(sc->bundle);
	c->created = strdup(now);
	c->process = json_incref(sc->spec.process);
	c->mounts = json_incref(sc->spec.mounts);
	c->devices = json_incref(sc->spec.devices);
	if (!st->sandbox.id || !st->sandbox.bundle || !st->sandbox.created ||
	    !st->hypervisor.kernel || !st->hypervisor.initrd ||
	    (sc->spec.netns_path && !st->network.netns_path) || !c->id || !c->rootfs ||
	    !c->bundle || !c->created || !st->config)
		return hull_fail(err, ENOMEM, "state");
	return 0;
}

/*
 * linux.cgroupsPath: the sandbox's host cgroup, made (with the limits)
 * before the state is, and recorded in it, so that every later delete
 * finds what to remove.  None when config.json names none.
 */
static int create_host_cgroup(const struct hull_globals *g, const struct hull_sandbox_config *sc,
                              struct hull_sandbox_state *st, struct host_cgroup *cg,
                              hull_error_t *err)
{
	const json_t *given = json_object_get(sc->spec.linux_, "cgroupsPath");
	cleanup_free char *path = NULL;

	if (given && !json_is_string(given))
		return hull_fail(err, 0, "linux.cgroupsPath: expected a string");
	if (host_cgroup_parse(json_string_value(given), g->systemd_cgroup, &path, err) < 0)
		return -1;
	if (path == NULL)
		return 0;
	if (host_cgroup_create(cg, path, err) < 0)
		return -1;
	st->sandbox.cgroup_path = strdup(path);
	st->sandbox.cgroup_leaves = json_incref(cg->leaves);
	st->sandbox.cgroup_created = json_incref(cg->created);
	if (st->sandbox.cgroup_path == NULL)
		return hull_fail(err, ENOMEM, "state");
	return host_cgroup_set_limits(cg->leaves, sc->spec.resources, err);
}

/* Reads the monitor's "ok\n" or error text from fd until EOF, into msg (NUL-terminated). */
static void read_ready(int fd, char *msg, size_t size)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, msg + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= size - 1)
			break;
	}
	msg[len] = '\0';
}

static int delete_sandbox(const char *root, const char *id, bool force, pid_t own_monitor,
                          uint64_t own_start_time, hull_error_t *err);

/* In a forked child: the console's slave tty (> 2) becomes its stdin, stdout and stderr. */
static void stdio_to_terminal(int tty)
{
	dup2(tty, 0);
	dup2(tty, 1);
	dup2(tty, 2);
	close(tty);
}

/* What the forked monitor needs. */
struct monitor_child {
	struct hull_sandbox_config *sc;
	const char *root;
	bool detach;
	int tty;
};

/* The forked monitor, once its creator has recorded it: builds the sandbox.  It never returns. */
static void __attribute__((noreturn)) run_monitor(void *data, int ready_fd)
{
	const struct monitor_child *c = data;
	struct monitor_options monitor_opts = {
	    .sc = c->sc, .state_root = c->root, .ready_fd = ready_fd, .tty = c->tty >= 0};

	/* The container's terminal is the monitor's stdio; its log keeps the old stderr. */
	if (c->tty > 2) {
		int log_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);

		if (log_fd >= 0 && hull_log_to_fd(log_fd) < 0)
			close(log_fd);
		stdio_to_terminal(c->tty);
	}
	if (c->detach)
		setsid();
	monitor_main(&monitor_opts);
}

/*
 * Waits for the monitor's "ok" on ready_fd (closed here).  On anything
 * else, undoes what is ours, unless a delete --force took the sandbox
 * (and the id) meanwhile, and says which happened.
 */
static int wait_until_created(const char *root, const char *id, pid_t pid, uint64_t start_time,
                              int ready_fd, const char *what, hull_error_t *err)
{
	cleanup_error hull_error_t ignored = NULL;
	char msg[4096];
	int status;

	read_ready(ready_fd, msg, sizeof(msg));
	close(ready_fd);
	if (strcmp(msg, "ok\n") == 0)
		return 0;
	waitpid(pid, &status, 0);
	if (delete_sandbox(root, id, true, pid, start_time, &ignored) > 0 && msg[0] == '\0')
		return hull_fail(err, 0, "container %s was deleted while it was being created", id);
	if (msg[0])
		return hull_fail(err, 0, "%s", msg);
	return hull_fail(err, 0, "%s died while creating it", what);
}

/* The forked process of a create, and what it is called in errors. */
struct create_child {
	void (*run)(void *data, int ready_fd) __attribute__((noreturn));
	void *data;
	const char *what; /* "the sandbox's monitor" */
};

/*
 * What `hull create` does for a sandbox and for a pod's app container
 * alike: st's state is created locked, child forked and recorded in it
 * (pid and start time; in the host cgroup leaves first, when given), the
 * lock released and child let go (a byte on go); then the child's "ok" on
 * ready is waited for.  child->run gets ready's write end once it is
 * recorded; the rest of ours is closed in it.  Until the state names the
 * child, all is undone here; after (*recorded), a failure is undone as
 * delete does (wait_until_created).
 */
static int create_recorded(const char *root, struct hull_sandbox_state *st, const char *id,
                           const json_t *cg_leaves, const struct create_child *child, pid_t *pid,
                           bool *recorded, hull_error_t *err)
{
	int ready[2] = {-1, -1}, go[2] = {-1, -1}, status, lock_fd, ret = -1;
	char go_byte;

	/*
	 * The state stays locked until the child is recorded in it: no delete
	 * can see a creating container without the process that builds it.
	 */
	lock_fd = hull_state_create_locked(root, st, err);
	if (lock_fd < 0)
		return -1;
	/* go: a socket, so that telling a child killed meanwhile is EPIPE, not SIGPIPE. */
	if (pipe2(ready, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0) {
		hull_fail(err, errno, "create %s", id);
		goto unlock;
	}
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		hull_fail(err, errno, "create %s: fork", id);
		goto unlock;
	}
	if (*pid == 0) {
		close(lock_fd); /* the creator's: it would hold the lock for as long as we live */
		inherited_fds_close(); /* the caller's: likewise */
		close(ready[0]);
		close(go[1]);
		/* Nothing is started before the creator has recorded us; if it died, so do we. */
		if (read(go[0], &go_byte, 1) != 1)
			_exit(1);
		close(go[0]);
		child->run(child->data, ready[1]);
	}
	close(steal_fd(&ready[1]));
	close(steal_fd(&go[0]));
	st->sandbox.monitor_pid = *pid;
	st->sandbox.monitor_start_time = proc_start_time(*pid);
	/* The child waits for go: everything it starts is born in the cgroup. */
	if ((cg_leaves && host_cgroup_join(cg_leaves, *pid, err) < 0) ||
	    hull_state_save(root, st, err) < 0) {
		close(steal_fd(&go[1])); /* the child exits */
		waitpid(*pid, &status, 0);
		goto unlock;
	}
	*recorded = true;
	hull_state_unlock(lock_fd);
	if (send(go[1], "g", 1, MSG_NOSIGNAL) != 1)
		log_debug("create %s: %s (pid %d) is gone before its start", id, child->what, *pid);
	close(steal_fd(&go[1]));
	ret = wait_until_created(root, id, *pid, st->sandbox.monitor_start_time,
	                         steal_fd(&ready[0]), child->what, err);
	goto out;
unlock : {
	cleanup_error hull_error_t ignored = NULL;

	/* No child was recorded, and the lock is still ours: so is the state. */
	hull_state_remove_locked(root, id, lock_fd, &ignored);
}
out:
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	return ret;
}

/*
 * process.terminal: the pty whose master goes to --console-socket (tty is
 * its slave), or, for `hull run` in the foreground, the caller's own
 * terminal (tty is 0), as runc.
 */
static int open_terminal(const struct hull_sandbox_config *sc, const struct create_options *opts,
                         int *tty, hull_error_t *err)
{
	if (!sc->spec.terminal) {
		if (opts->console_socket)
			return hull_fail(
			    err, 0, "--console-socket: config.json's process.terminal is false");
		return 0;
	}
	if (opts->console_socket)
		return console_open(opts->console_socket, tty, err);
	if (!opts->detach && isatty(0)) {
		*tty = 0;
		return 0;
	}
	return hull_fail(err, 0,
	                 "process.terminal: a terminal needs --console-socket (or hull run "
	                 "in the foreground on a terminal)");
}

static int set_created(struct hull_sandbox_state *st, void *data, hull_error_t *err)
{
	(void)data;
	(void)err;
	st->sandbox.status = HULL_STATUS_CREATED;
	if (st->n_containers > 0)
		st->containers[0].status = HULL_STATUS_CREATED;
	return 0;
}

/* The sandbox monitor's control socket, when the sandbox runs. */
static int pod_monitor_socket(const char *root, const struct hull_sandbox_config *sc, char *path,
                              size_t size, hull_error_t *err)
{
	cleanup_state struct hull_sandbox_state pod = {0};

	/* Gone, or there but not running: either way the container has nowhere to go. */
	if (container_load(root, sc->sandbox_id, &pod, err) < 0 || pod.sandbox.pod_sandbox ||
	    !container_monitor_alive(&pod) || pod.sandbox.status != HULL_STATUS_RUNNING) {
		hull_error_release(err);
		return hull_fail(err, 0, "container %s: sandbox %s is not running", sc->id,
		                 sc->sandbox_id);
	}
	/* A sandbox: its own monitor's socket. */
	return container_socket_of(root, &pod, path, size, NULL, err);
}

/* What a pod member's relay needs. */
struct relay_child {
	const char *monitor_socket;
	const struct hull_sandbox_config *sc;
	int tty;
};

/* The relay, once its creator has recorded it (runtime/pod.c). */
static void __attribute__((noreturn)) run_relay(void *data, int ready_fd)
{
	const struct relay_child *c = data;

	setsid();
	if (c->tty > 2)
		stdio_to_terminal(c->tty);
	pod_member_relay(c->monitor_socket, c->sc->id, c->sc->bundle, c->tty >= 0, ready_fd);
}

/*
 * A pod's app container: no VM of its own.  Its relay (runtime/pod.c) asks
 * the sandbox's monitor to add it to the pod's VM and is then its pid-file
 * process.  The state (its own, naming the sandbox) is created locked and
 * records the relay before it asks, as a sandbox's records its monitor.
 */
static int create_member(const char *root, struct hull_sandbox_state *st,
                         const struct hull_sandbox_config *sc, const struct create_options *opts,
                         int tty, pid_t *relay, bool *recorded, hull_error_t *err)
{
	char sock[PATH_MAX];
	struct relay_child rc = {.monitor_socket = sock, .sc = sc, .tty = tty};
	const struct create_child child = {
	    .run = run_relay, .data = &rc, .what = "the container's relay"};
	pid_t pid;

	if (pod_monitor_socket(root, sc, sock, sizeof(sock), err) < 0)
		return -1;
	st->sandbox.pod_sandbox = strdup(sc->sandbox_id);
	free(st->network.netns_path);
	st->network.netns_path = NULL; /* the pod's, which its sandbox owns */
	if (st->sandbox.pod_sandbox == NULL)
		return hull_fail(err, ENOMEM, "state");
	if (create_recorded(root, st, opts->id, NULL, &child, &pid, recorded, err) < 0)
		return -1;
	if (hull_state_update(root, opts->id, set_created, NULL, err) < 0 ||
	    (opts->pid_file && container_write_pid_file(opts->pid_file, pid, err) < 0)) {
		cleanup_error hull_error_t ignored = NULL;

		container_delete(root, opts->id, true, &ignored);
		return -1;
	}
	*relay = pid;
	return 0;
}

int container_create(struct hull_globals *globals, const struct create_options *opts,
                     pid_t *monitor, hull_error_t *err)
{
	struct hull_sandbox_config sc = {0};
	struct hull_sandbox_state st;
	struct hull_sandbox_options sandbox_opts = {.config_path = globals->config_path,
	                                            .state_root = globals->root,
	                                            .bundle = opts->bundle,
	                                            .id = opts->id};
	cleanup_free char *root = NULL;
	struct host_cgroup cg = {0};
	bool recorded = false; /* the state names the child: delete removes the cgroup */
	int tty = -1;          /* > 2: the console's slave, ours to close */
	int ret = -1;
	pid_t pid;

	hull_state_init(&st);
	if (hull_id_validate(opts->id, err) < 0)
		return -1;
	if (hull_sandbox_config_load(&sandbox_opts, &sc, err) < 0)
		goto out;
	root = strdup(globals->root ? globals->root : sc.config.runtime.state_root);
	if (root == NULL || fill_initial_state(&st, &sc, err) < 0 ||
	    open_terminal(&sc, opts, &tty, err) < 0 ||
	    create_host_cgroup(globals, &sc, &st, &cg, err) < 0)
		goto out;
	if (sc.type == HULL_CONTAINER_POD_CONTAINER) {
		ret = create_member(root, &st, &sc, opts, tty, monitor, &recorded, err);
		/*
		 * Its relay, its pid-file process, goes in its cgroup (the
		 * kubelet reads the container's usage there); the VM is in the
		 * sandbox's.  Its state names the cgroup for delete.
		 */
		if (ret == 0 && cg.leaves) {
			cleanup_error hull_error_t ignored = NULL;

			if (host_cgroup_join(cg.leaves, *monitor, &ignored) < 0)
				log_warning("container %s: cgroup: %s", opts->id,
				            hull_error_str(ignored));
		}
		goto out;
	}
	{
		struct monitor_child mc = {
		    .sc = &sc, .root = root, .detach = opts->detach, .tty = tty};
		const struct create_child child = {
		    .run = run_monitor, .data = &mc, .what = "the sandbox's monitor"};

		if (create_recorded(root, &st, opts->id, cg.leaves, &child, &pid, &recorded, err) <
		    0)
			goto out;
	}
	if (opts->pid_file && container_write_pid_file(opts->pid_file, pid, err) < 0) {
		cleanup_error hull_error_t ignored = NULL;

		container_delete(root, opts->id, true, &ignored);
		goto out;
	}
	*monitor = pid;
	ret = 0;
out:
	if (!recorded && cg.created) {
		cleanup_error hull_error_t ignored = NULL;

		if (host_cgroup_remove(cg.created, 5000, &ignored) < 0)
			log_warning("create %s: %s", opts->id, hull_error_str(ignored));
	}
	host_cgroup_free(&cg);
	if (tty > 2)
		close(tty);
	hull_state_free(&st);
	hull_sandbox_config_free(&sc);
	return ret;
}

/* The program the state's configuration names at hypervisor.<key>, or NULL. */
static const char *configured_program(const struct hull_sandbox_state *st, const char *key)
{
	return json_string_value(json_object_get(json_object_get(st->config, "hypervisor"), key));
}

#define MAX_MONITOR_CHILDREN 32

/*
 * Stops a monitor that is still creating its sandbox, and everything it
 * started: it does not serve its control socket before the VM is up, and
 * QEMU and virtiofsd are not in the state yet.  Stopped first (SIGSTOP) so
 * that it starts nothing more, its children are found and held by pidfd,
 * then all are killed.
 */
static void stop_creating_monitor(int monitor_fd, pid_t monitor_pid)
{
	pid_t kids[MAX_MONITOR_CHILDREN];
	int kid_fds[MAX_MONITOR_CHILDREN];
	size_t n;

	proc_signal(monitor_fd, SIGSTOP);
	for (int i = 0; i < 100 && !proc_stopped(monitor_pid); i++)
		usleep(10 * 1000);
	n = proc_children(monitor_pid, kids, MAX_MONITOR_CHILDREN);
	for (size_t i = 0; i < n; i++)
		kid_fds[i] = (int)syscall(SYS_pidfd_open, kids[i], 0);
	proc_signal(monitor_fd, SIGKILL);
	if (!proc_wait_exit(monitor_fd, 5000))
		log_warning("monitor %d did not die of SIGKILL within 5 s", monitor_pid);
	for (size_t i = 0; i < n; i++) {
		if (kid_fds[i] < 0)
			continue;
		proc_signal(kid_fds[i], SIGKILL);
		if (!proc_wait_exit(kid_fds[i], 5000))
			log_warning("process %d (started by monitor %d) did not die of SIGKILL",
			            kids[i], monitor_pid);
		close(kid_fds[i]);
	}
}

/*
 * Asks a live monitor of a created, running or stopped sandbox to shut it
 * down (with force only when it is running), and waits for it to exit;
 * SIGKILL after 30 s.
 */
static int shutdown_monitor(const char *root, const char *id, const struct hull_sandbox_state *st,
                            int monitor_fd, bool force, hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s}", "op", "shutdown");
	pid_t pid = st->sandbox.monitor_pid;

	if (st->sandbox.status == HULL_STATUS_RUNNING && !force)
		return hull_fail(err, 0, "container %s is running: stop it first, or use --force",
		                 id);
	if (container_ask(root, st, req, NULL, err) < 0 || !proc_wait_exit(monitor_fd, 30000)) {
		hull_error_release(err);
		log_warning("monitor %d of %s did not stop; killing it", pid, id);
		proc_signal(monitor_fd, SIGKILL);
		proc_wait_exit(monitor_fd, 5000);
	}
	return 0;
}

/*
 * With the sandbox's lock held and its monitor gone (or stopped here, if
 * it was still creating): stops the QEMU and virtiofsd the state names,
 * each only if it is still the process that was recorded, tears down the
 * recorded endpoints and removes the state.  The lock is held to the end,
 * so that a failed `hull create` cleaning up after its monitor and a
 * `delete --force` that killed that monitor never tear down side by side.
 */
static int remove_stopped(const char *root, const char *id, struct hull_sandbox_state *st,
                          int lock_fd, hull_error_t *err)
{
	cleanup_json json_t *state = NULL;

	if (!proc_kill_recorded(st->hypervisor.pid, st->hypervisor.pid_start_time,
	                        configured_program(st, "path"), 5000))
		log_warning("QEMU pid %d of %s did not die of SIGKILL", st->hypervisor.pid, id);
	if (!proc_kill_recorded(st->hypervisor.virtiofsd_pid, st->hypervisor.virtiofsd_start_time,
	                        configured_program(st, "virtio_fs_daemon"), 5000))
		log_warning("virtiofsd pid %d of %s did not die of SIGKILL",
		            st->hypervisor.virtiofsd_pid, id);
	if (st->network.n_endpoints > 0 &&
	    sandbox_teardown_endpoints(st->network.netns_path, id, st->network.endpoints,
	                               st->network.n_endpoints, err) < 0) {
		hull_state_unlock(lock_fd);
		return -1;
	}
	/* Kept in the state while it cannot go: a later delete tries again.
	 * (30 s: a killed QEMU's exit, freeing the guest's memory, can be slow
	 * on a loaded host; the wait ends as soon as the cgroup is empty.) */
	if (st->sandbox.cgroup_created &&
	    host_cgroup_remove(st->sandbox.cgroup_created, 30000, err) < 0) {
		hull_state_unlock(lock_fd);
		return hull_error_prefix(err, "delete %s", id);
	}
	/* poststop once the container is gone: once, as the state goes with it. */
	state = hooks_of_state(st) ? container_state_json(st) : NULL;
	if (hull_state_remove_locked(root, id, lock_fd, err) < 0)
		return -1;
	/* A pod's app container leaves its sandbox's share (not under its lock: the monitor takes it). */
	if (st->sandbox.pod_sandbox)
		pod_member_deleted(root, st->sandbox.pod_sandbox, id);
	if (state)
		hooks_poststop(hooks_of_state(st), state);
	return 0;
}

/*
 * container_delete(); with own_monitor > 0, only the sandbox whose state
 * names that monitor (pid and start time): 1, having done nothing, when
 * the state is gone or another's (a failed create cleaning up after a
 * delete --force that may have let the id be taken again).
 */
static int delete_sandbox(const char *root, const char *id, bool force, pid_t own_monitor,
                          uint64_t own_start_time, hull_error_t *err)
{
	struct hull_sandbox_state st;
	int ret = -1;

	hull_state_init(&st);
	if (hull_id_validate(id, err) < 0)
		return -1;
	/* Twice at most: a live monitor is asked to stop, then what it left is removed. */
	for (int round = 0; round < 2; round++) {
		cleanup_close int monitor_fd = -1;
		int lock_fd = hull_state_lock(root, id, err);

		if (lock_fd >= 0 && container_load(root, id, &st, err) < 0) {
			hull_state_unlock(lock_fd);
			lock_fd = -1;
		}
		if (lock_fd < 0) {
			cleanup_error hull_error_t clear_err = NULL;

			if (own_monitor > 0) {
				hull_error_release(err);
				ret = 1;
			} else if (hull_state_clear_incomplete(root, id, &clear_err) > 0) {
				/* Incomplete: without a state, nothing hull started is left to stop. */
				hull_error_release(err);
				ret = 0;
			}
			goto out;
		}
		if (own_monitor > 0 && (st.sandbox.monitor_pid != own_monitor ||
		                        st.sandbox.monitor_start_time != own_start_time)) {
			hull_state_unlock(lock_fd);
			ret = 1;
			goto out;
		}
		monitor_fd =
		    proc_open_recorded(st.sandbox.monitor_pid, st.sandbox.monitor_start_time, NULL);
		if (monitor_fd < 0) {
			ret = remove_stopped(root, id, &st, lock_fd, err);
			goto out;
		}
		if (st.sandbox.status == HULL_STATUS_CREATING) {
			if (!force) {
				hull_state_unlock(lock_fd);
				hull_fail(
				    err, 0,
				    "container %s is being created (monitor pid %d): wait for "
				    "hull create to finish, or use delete --force to stop it",
				    id, st.sandbox.monitor_pid);
				goto out;
			}
			stop_creating_monitor(monitor_fd, st.sandbox.monitor_pid);
			ret = remove_stopped(root, id, &st, lock_fd, err);
			goto out;
		}
		/* The monitor tears down what it made; it needs the lock to record that. */
		hull_state_unlock(lock_fd);
		if (shutdown_monitor(root, id, &st, monitor_fd, force, err) < 0)
			goto out;
	}
	hull_fail(err, 0, "container %s: its monitor (pid %d) did not stop", id,
	          st.sandbox.monitor_pid);
out:
	hull_state_free(&st);
	return ret;
}

int container_delete(const char *root, const char *id, bool force, hull_error_t *err)
{
	return delete_sandbox(root, id, force, 0, 0, err) < 0 ? -1 : 0;
}
