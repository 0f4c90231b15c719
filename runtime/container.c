/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "persist/id.h"
#include "persist/store.h"
#include "runtime/control.h"
#include "runtime/monitor.h"
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
	pid_t pid = st->sandbox.monitor_pid;

	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

const char *container_status(const struct hull_sandbox_state *st)
{
	if (!container_monitor_alive(st) && st->sandbox.status != HULL_STATUS_CREATING)
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

int container_control(const char *root, const char *id, json_t *req, hull_error_t *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", root, id, CONTROL_SOCKET_NAME);
	return control_call(path, req, NULL, 60000, err);
}

static int write_pid_file(const char *path, pid_t pid, hull_error_t *err)
{
	char tmp[PATH_MAX];
	cleanup_close int fd = -1;
	char text[32];
	int len = snprintf(text, sizeof(text), "%d", pid);

	/* Atomic, as runc does: a reader never sees an empty pid file. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.hull-tmp", path) >= sizeof(tmp))
		return hull_fail(err, ENAMETOOLONG, "--pid-file %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)len) != len || rename(tmp, path) < 0) {
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
	st->network.model =
	    strcmp(cfg->runtime.internetworking_model, "macvtap") == 0 ? HULL_NET_MACVTAP
	    : strcmp(cfg->runtime.internetworking_model, "none") == 0  ? HULL_NET_NONE
	                                                               : HULL_NET_TCFILTER;
	st->config = hull_sandbox_config_to_json(sc);
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
	if (!st->sandbox.id || !st->sandbox.bundle || !st->sandbox.created || !c->id ||
	    !c->rootfs || !st->config)
		return hull_fail(err, ENOMEM, "state");
	return 0;
}

int container_create(struct hull_globals *g, const struct create_options *o, pid_t *monitor,
                     hull_error_t *err)
{
	struct hull_sandbox_config sc = {0};
	struct hull_sandbox_state st;
	struct hull_sandbox_options so = {
	    .config_path = g->config_path, .state_root = g->root, .bundle = o->bundle, .id = o->id};
	cleanup_free char *root = NULL;
	char msg[4096];
	size_t len = 0;
	int ready[2], status, ret = -1;
	pid_t pid;

	hull_state_init(&st);
	if (hull_id_validate(o->id, err) < 0)
		return -1;
	if (hull_sandbox_config_load(&so, &sc, err) < 0)
		goto out;
	root = strdup(g->root ? g->root : sc.config.runtime.state_root);
	if (root == NULL || fill_initial_state(&st, &sc, err) < 0 ||
	    hull_state_create(root, &st, err) < 0)
		goto out;
	if (pipe2(ready, O_CLOEXEC) < 0) {
		hull_fail(err, errno, "create %s", o->id);
		goto remove;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		hull_fail(err, errno, "create %s: fork", o->id);
		close(ready[0]);
		close(ready[1]);
		goto remove;
	}
	if (pid == 0) {
		struct monitor_options mo = {.sc = &sc, .state_root = root, .ready_fd = ready[1]};

		close(ready[0]);
		if (o->detach)
			setsid();
		monitor_main(&mo);
	}
	close(ready[1]);
	for (;;) {
		ssize_t n = read(ready[0], msg + len, sizeof(msg) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || len + (size_t)n >= sizeof(msg) - 1) {
			len += n > 0 ? (size_t)n : 0;
			break;
		}
		len += (size_t)n;
	}
	close(ready[0]);
	msg[len] = '\0';
	if (strcmp(msg, "ok\n") != 0) {
		waitpid(pid, &status, 0);
		hull_fail(err, 0, "%s", len ? msg : "the sandbox's monitor died while creating it");
		goto remove;
	}
	if (o->pid_file && write_pid_file(o->pid_file, pid, err) < 0) {
		cleanup_error hull_error_t ignored = NULL;

		container_delete(root, o->id, true, &ignored);
		goto out;
	}
	*monitor = pid;
	ret = 0;
	goto out;
remove : {
	cleanup_error hull_error_t ignored = NULL;

	hull_state_remove(root, o->id, &ignored);
}
out:
	hull_state_free(&st);
	hull_sandbox_config_free(&sc);
	return ret;
}

/* Waits up to timeout_ms for a process that is not our child to exit. */
static bool wait_gone(pid_t pid, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = {.events = POLLIN};
	int r;

	if (fd < 0)
		return errno == ESRCH;
	pfd.fd = fd;
	r = poll(&pfd, 1, timeout_ms);
	close(fd);
	return r == 1;
}

/* Whether pid still runs the program whose path ends with name. */
static bool pid_runs(pid_t pid, const char *name)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strstr(exe, name) != NULL;
}

int container_delete(const char *root, const char *id, bool force, hull_error_t *err)
{
	struct hull_sandbox_state st;
	int ret = -1;

	hull_state_init(&st);
	if (container_load(root, id, &st, err) < 0)
		goto out;
	if (container_monitor_alive(&st)) {
		cleanup_json json_t *req = json_pack("{s:s}", "op", "shutdown");

		if (st.sandbox.status == HULL_STATUS_RUNNING && !force) {
			hull_fail(err, 0, "container %s is running: stop it first, or use --force",
			          id);
			goto out;
		}
		if (container_control(root, id, req, err) < 0 ||
		    !wait_gone(st.sandbox.monitor_pid, 30000)) {
			hull_error_release(err);
			log_warning("monitor %d of %s did not stop; killing it",
			            st.sandbox.monitor_pid, id);
			kill(st.sandbox.monitor_pid, SIGKILL);
			wait_gone(st.sandbox.monitor_pid, 5000);
		}
		/* The monitor tore down what it made; read what may remain. */
		hull_state_free(&st);
		hull_state_init(&st);
		if (container_load(root, id, &st, err) < 0)
			goto out;
	}
	/* The monitor is gone (or crashed): stop and undo what the state names. */
	if (pid_runs(st.hypervisor.pid, "qemu-system")) {
		kill(st.hypervisor.pid, SIGKILL);
		wait_gone(st.hypervisor.pid, 5000);
	}
	if (pid_runs(st.hypervisor.virtiofsd_pid, "virtiofsd")) {
		kill(st.hypervisor.virtiofsd_pid, SIGKILL);
		wait_gone(st.hypervisor.virtiofsd_pid, 5000);
	}
	if (st.network.n_endpoints > 0 &&
	    sandbox_teardown_endpoints(st.network.netns_path, id, st.network.endpoints,
	                               st.network.n_endpoints, err) < 0)
		goto out;
	ret = hull_state_remove(root, id, err);
out:
	hull_state_free(&st);
	return ret;
}
