/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container in the guest, set up as runc sets one up on a host.
 *
 * create_container checks the whole request first (namespaces, rootfs,
 * process, seccomp, cgroup: every error names its config.json field), then
 * forks a first stage that joins the namespaces given by path and clones
 * the container's process into the new ones.  That process is PID 1 of its
 * own PID namespace (so when it exits the kernel kills everything else in
 * it) and makes its root (rootfs.c), then says it is ready and waits.
 * start_container lets it go on: credentials, capabilities, seccomp, exec
 * (process_plan.c).  The agent is the parent (or subreaper) of both
 * stages, and talks to them over one SEQPACKET socket:
 *
 *   first stage -> agent   "P<pid>"  the container's pid (in the agent's
 *                                    PID namespace)
 *   agent -> container     "G"       mappings written, cgroup joined: go on
 *   container -> agent     READY     root made, waiting for start
 *   agent -> container     "S"       start: exec
 *   container -> agent     any other text: why it failed (it then exits 127)
 *
 * A successful exec closes the container's end (close-on-exec): EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/oci_hooks.h"
#include "vmm/agent/agent.h"
#include "vmm/agent/cgroup.h"
#include "vmm/agent/container_ops.h"
#include "vmm/agent/namespaces.h"
#include "vmm/agent/process_plan.h"
#include "vmm/agent/rootfs.h"
#include "vmm/agent/seccomp.h"

#define READY "\001ready"
#define PTY "\002pty"
/* Making a root is quick; a first process that says nothing this long is stuck. */
#define SETUP_TIMEOUT_MS 30000

struct container_setup {
	bool exec; /* a further process in a running container: joins, makes nothing */
	const char *id;
	const char *process_id;
	const char *hostname;
	const char *domainname;
	struct ns_plan ns;
	struct rootfs_plan *rootfs;
	struct process_plan proc;
	struct seccomp_plan *seccomp;
	struct cgroup_plan *cgroup;
	json_t *hooks; /* borrowed: createContainer, startContainer */
	json_t *state; /* borrowed: the host's state of the container, for them */
};

static void setup_release(struct container_setup *c)
{
	ns_plan_release(&c->ns);
	rootfs_plan_free(c->rootfs);
	process_plan_release(&c->proc);
	seccomp_plan_free(c->seccomp);
	cgroup_plan_free(c->cgroup);
}

static struct agent_container *free_container(struct agent *a, const char *id, hull_error_t *err)
{
	if (agent_find_container(a, id)) {
		hull_fail(err, 0, "container \"%s\" already exists", id);
		return NULL;
	}
	for (int i = 0; i < AGENT_MAX_CONTAINERS; i++)
		if (a->ctrs[i].id == NULL)
			return &a->ctrs[i];
	hull_fail(err, 0, "too many containers (%d)", AGENT_MAX_CONTAINERS);
	return NULL;
}

static int optional_string(json_t *req, const char *key, const char **out, hull_error_t *err)
{
	json_t *v = json_object_get(req, key);

	*out = NULL;
	if (v && !json_is_string(v))
		return hull_fail(err, 0, "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

/*
 * A namespace path "container:ID" (the host's name for another container
 * of the pod, e.g. its sandbox's IPC namespace) becomes that container's
 * first process's /proc/PID/ns/TYPE here in the guest.
 */
static int resolve_container_paths(struct agent *a, json_t *linux_, hull_error_t *err)
{
	json_t *ns;
	size_t i;

	json_array_foreach(json_object_get(linux_, "namespaces"), i, ns)
	{
		const char *path = json_string_value(json_object_get(ns, "path"));
		const char *type = json_string_value(json_object_get(ns, "type"));
		struct agent_container *other;
		char proc[64];

		if (path == NULL || strncmp(path, "container:", 10) != 0)
			continue;
		other = agent_find_container(a, path + 10);
		if (other == NULL || type == NULL)
			return hull_fail(err, 0, "linux.namespaces[%zu].path: no container \"%s\"",
			                 i, path + 10);
		snprintf(proc, sizeof(proc), "/proc/%d/ns/%s", (int)other->pid,
		         strcmp(type, "mount") == 0     ? "mnt"
		         : strcmp(type, "network") == 0 ? "net"
		                                        : type);
		json_object_set_new(ns, "path", json_string(proc));
	}
	return 0;
}

/* Everything checked before anything is changed. */
static int setup_parse(struct agent *a, json_t *req, struct container_setup *c, hull_error_t *err)
{
	json_t *linux_ = json_object_get(req, "linux");

	if (optional_string(req, "container_id", &c->id, err) < 0 ||
	    optional_string(req, "process_id", &c->process_id, err) < 0 ||
	    optional_string(req, "hostname", &c->hostname, err) < 0 ||
	    optional_string(req, "domainname", &c->domainname, err) < 0)
		return -1;
	if (c->id == NULL || c->id[0] == '\0' || c->process_id == NULL || c->process_id[0] == '\0')
		return hull_fail(err, 0, "missing \"container_id\" or \"process_id\"");
	if (linux_ && !json_is_object(linux_))
		return hull_fail(err, 0, "linux: expected an object");
	if (resolve_container_paths(a, linux_, err) < 0 || ns_plan_parse(linux_, &c->ns, err) < 0)
		return -1;
	if (!(c->ns.create & CLONE_NEWNS))
		return hull_fail(err, 0,
		                 "linux.namespaces: hull needs a new \"mount\" namespace for each "
		                 "container");
	if (((c->hostname && c->hostname[0]) || (c->domainname && c->domainname[0])) &&
	    !(c->ns.create & CLONE_NEWUTS))
		return hull_fail(err, 0,
		                 "hostname: setting it needs a new \"uts\" namespace, as in runc");
	if (rootfs_plan_parse(req, c->ns.all, &c->rootfs, err) < 0 ||
	    process_plan_parse(json_object_get(req, "process"), linux_, &c->proc, err) < 0 ||
	    seccomp_plan_parse(json_object_get(linux_, "seccomp"), &c->seccomp, err) < 0 ||
	    cgroup_plan_parse(json_object_get(linux_, "resources"), &c->cgroup, err) < 0)
		return -1;
	c->hooks = json_object_get(req, "hooks");
	c->state = json_object_get(req, "state");
	if (c->state && !json_is_object(c->state))
		return hull_fail(err, 0, "\"state\": expected an object");
	return hull_hooks_check(c->hooks, err);
}

/* mkdir -p, for the share's mount point. */
static int make_dirs(const char *path, hull_error_t *err)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return hull_fail(err, ENAMETOOLONG, "mkdir %s", path);
	for (char *s = buf + 1;; s++)
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return hull_fail(err, errno, "mkdir %s", buf);
			if (c == '\0')
				return 0;
			*s = c;
		}
}

/* The virtio-fs share the images are on, mounted once for every container (on share.path, else root). */
static int mount_share(struct agent *a, json_t *req, hull_error_t *err)
{
	json_t *share = json_object_get(req, "share");
	const char *tag = json_string_value(json_object_get(share, "tag"));
	const char *root = json_string_value(json_object_get(share, "path"))
	                       ?: json_string_value(json_object_get(req, "root"));

	if (tag == NULL)
		return 0;
	if (root == NULL || root[0] != '/')
		return hull_fail(err, 0, "\"root\" must be an absolute path");
	if (a->share_root)
		return strcmp(a->share_root, root) == 0
		           ? 0
		           : hull_fail(err, 0, "share %s is mounted on %s already", tag,
		                       a->share_root);
	if (make_dirs(root, err) < 0)
		return -1;
	if (mount(tag, root, "virtiofs", MS_NODEV, NULL) < 0)
		return hull_fail(err, errno, "mount virtio-fs %s on %s", tag, root);
	a->share_root = strdup(root);
	return a->share_root ? 0 : hull_fail(err, ENOMEM, "share");
}

static void report(int sync, const hull_error_t err)
{
	cleanup_free char *text = hull_error_text(err);

	if (write(sync, text ? text : "error", strlen(text ? text : "error")) < 0)
		_exit(127);
	_exit(127);
}

/*
 * Reads one message; "" at EOF.  A timeout or error is reported as such.
 * fd, when not NULL, is the descriptor the message carried (SCM_RIGHTS),
 * -1 if none.
 */
static int sync_read_fd(int sync, char *buf, size_t size, int timeout_ms, int *fd,
                        hull_error_t *err)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
	struct msghdr m = {.msg_iov = &iov,
	                   .msg_iovlen = 1,
	                   .msg_control = fd ? control : NULL,
	                   .msg_controllen = fd ? sizeof(control) : 0};
	struct pollfd p = {.fd = sync, .events = POLLIN};
	struct cmsghdr *cmsg;
	ssize_t n;
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return hull_fail(err, ETIMEDOUT, "the container's process did not answer");
	do
		n = recvmsg(sync, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_fail(err, errno, "read from the container's process");
	buf[n] = '\0';
	if (fd) {
		cmsg = CMSG_FIRSTHDR(&m);
		*fd = -1;
		if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	}
	return 0;
}

static int sync_read(int sync, char *buf, size_t size, int timeout_ms, hull_error_t *err)
{
	return sync_read_fd(sync, buf, size, timeout_ms, NULL, err);
}

static void exit_on_signal(int sig)
{
	_exit(128 + sig);
}

/*
 * Until it execs, the container's process is PID 1 of its namespace and so
 * immune to signals it does not handle: `kill` of a created container must
 * still stop it, as runc's does.  exec resets these handlers.
 */
static void die_on_signals(void)
{
	struct sigaction sa = {.sa_handler = exit_on_signal};

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL);
}

static int become_root_in_userns(const struct container_setup *c, hull_error_t *err)
{
	if (!(c->ns.create & CLONE_NEWUSER) && !(c->exec && (c->ns.all & CLONE_NEWUSER)))
		return 0;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return hull_fail(err, errno,
		                 "linux.uidMappings: become root in the new user namespace (is "
		                 "container ID 0 mapped?)");
	return 0;
}

static int set_names(const struct container_setup *c, hull_error_t *err)
{
	if (c->hostname && c->hostname[0] && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return hull_fail(err, errno, "hostname \"%s\"", c->hostname);
	if (c->domainname && c->domainname[0] &&
	    setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return hull_fail(err, errno, "domainname \"%s\"", c->domainname);
	return 0;
}

/*
 * createContainer / startContainer, in the container's namespaces and
 * root, before the process gives up its privileges (docs/hooks.md); the
 * host's state, with status, on their stdin.
 */
static void run_hooks(const struct container_setup *c, const char *kind, const char *status,
                      int sync)
{
	hull_error_t err = NULL;
	char *state;

	if (json_array_size(json_object_get(c->hooks, kind)) == 0)
		return;
	json_object_set_new(c->state, "status", json_string(status));
	state = json_dumps(c->state, JSON_COMPACT);
	if (hull_hooks_run(c->hooks, kind, state ? state : "{}", &err) < 0)
		report(sync, err);
	free(state);
}

/*
 * process.terminal: a pty of the container's own devpts (its /dev/ptmx),
 * as runc opens it, so that the process's tty is a /dev/pts of its own
 * (ttyname works).  The slave becomes stdio; the master goes to the agent
 * in one SCM_RIGHTS message.
 */
static void open_container_terminal(int sync)
{
	char name[64], control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)PTY, .iov_len = strlen(PTY)};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = control,
	                     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	hull_error_t err = NULL;
	int master, slave;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0 ||
	    (slave = open(name, O_RDWR | O_NOCTTY)) < 0) {
		hull_fail(&err, errno,
		          "process.terminal: open a terminal on the container's /dev/ptmx");
		report(sync, err);
	}
	dup2(slave, 0);
	dup2(slave, 1);
	dup2(slave, 2);
	if (slave > 2)
		close(slave);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
	if (sendmsg(sync, &msg, MSG_NOSIGNAL) < 0)
		_exit(127);
	close(master);
}

/* The container's process, in its new namespaces.  Never returns. */
static void second_stage(struct container_setup *c, int sync)
{
	hull_error_t err = NULL;
	char go[8];

	die_on_signals();
	if (sync_read(sync, go, sizeof(go), -1, &err) < 0 || strcmp(go, "G") != 0)
		_exit(127);
	if (become_root_in_userns(c, &err) < 0)
		report(sync, err);
	if (c->exec) { /* the container's root and names are made already */
		if (c->proc.terminal)
			open_container_terminal(sync);
		process_plan_exec(&c->proc, c->seccomp, NULL, sync);
	}
	if ((c->ns.create & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		hull_fail(&err, errno, "namespace cgroup: unshare");
		report(sync, err);
	}
	if (rootfs_plan_apply(c->rootfs, &err) < 0 || set_names(c, &err) < 0 ||
	    process_plan_lookup(&c->proc, &err) < 0)
		report(sync, err);
	run_hooks(c, "createContainer", "creating", sync);
	if (c->proc.terminal)
		open_container_terminal(sync);
	if (send(sync, READY, strlen(READY), MSG_NOSIGNAL) < 0)
		_exit(127);
	if (sync_read(sync, go, sizeof(go), -1, &err) < 0 || strcmp(go, "S") != 0)
		_exit(127);
	run_hooks(c, "startContainer", "created", sync);
	process_plan_exec(&c->proc, c->seccomp, NULL, sync);
}

/* Joins what it must, clones the container's process, tells the agent its pid. */
static void first_stage(struct container_setup *c, int sync)
{
	unsigned long flags = c->ns.create & ~(unsigned long)(CLONE_NEWTIME | CLONE_NEWCGROUP);
	hull_error_t err = NULL;
	char msg[32];
	long pid;

	if (ns_plan_join(&c->ns, &err) < 0)
		report(sync, err);
	if ((c->ns.create & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) < 0) {
		hull_fail(&err, errno, "namespace time: unshare");
		report(sync, err);
	}
	/* Like fork(), with the new namespaces: the child starts here. */
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		hull_fail(&err, errno, "create the container's namespaces");
		report(sync, err);
	}
	if (pid == 0)
		second_stage(c, sync);
	snprintf(msg, sizeof(msg), "P%ld", pid);
	_exit(send(sync, msg, strlen(msg), MSG_NOSIGNAL) < 0 ? 127 : 0);
}

/* The first stage's report: the container's pid, or why there is none. */
static pid_t await_pid(int sync, pid_t first, hull_error_t *err)
{
	char msg[512];
	int status;
	long pid;

	if (sync_read(sync, msg, sizeof(msg), SETUP_TIMEOUT_MS, err) < 0) {
		kill(first, SIGKILL);
		waitpid(first, &status, 0);
		return -1;
	}
	waitpid(first, &status, 0);
	if (msg[0] != 'P' || sscanf(msg + 1, "%ld", &pid) != 1 || pid <= 0)
		return hull_fail(err, 0, "%s", msg[0] ? msg : "the container's process failed");
	return (pid_t)pid;
}

/* The pty master a process with a terminal sends first (open_container_terminal). */
static int receive_terminal(int sync, int *master, char *msg, size_t size, hull_error_t *err)
{
	int fd;

	if (sync_read_fd(sync, msg, size, SETUP_TIMEOUT_MS, &fd, err) < 0)
		return -1;
	if (strcmp(msg, PTY) == 0 && fd >= 0) {
		*master = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	return hull_fail(err, 0, "%s", msg[0] ? msg : "the container's process failed");
}

/*
 * Mappings, cgroup, go; then waits until the process is ready (a new
 * container) or has exec'd (an exec: its end of sync closes); with a
 * terminal, first the pty master (*master).
 */
static int await_ready(int sync, pid_t pid, const char *cgroup, struct container_setup *c,
                       int *master, hull_error_t *err)
{
	char msg[512];

	if (ns_plan_write_maps(&c->ns, pid, err) < 0 || cgroup_attach(cgroup, pid, err) < 0)
		return -1;
	if (send(sync, "G", 1, MSG_NOSIGNAL) < 0)
		return hull_fail(err, errno, "the container's process went away");
	if (c->proc.terminal && receive_terminal(sync, master, msg, sizeof(msg), err) < 0)
		return -1;
	if (sync_read(sync, msg, sizeof(msg), SETUP_TIMEOUT_MS, err) < 0)
		return -1;
	if (strcmp(msg, c->exec ? "" : READY) != 0)
		return hull_fail(err, 0, "%s", msg[0] ? msg : "the container's process failed");
	return 0;
}

static void container_forget(struct agent *a, struct agent_container *ctr)
{
	cleanup_error hull_error_t err = NULL;

	agent_oom_unwatch(a, ctr);
	if (ctr->cgroup && cgroup_destroy(ctr->cgroup, &err) < 0)
		log_warning("container %s: %s", ctr->id, hull_error_str(err));
	if (ctr->sync_fd >= 0)
		close(ctr->sync_fd);
	seccomp_plan_free(ctr->seccomp);
	free(ctr->id);
	free(ctr->process_id);
	free(ctr->cgroup);
	memset(ctr, 0, sizeof(*ctr));
	ctr->sync_fd = -1;
}

static json_t *create_reply(struct agent_container *ctr, struct container_setup *c)
{
	json_t *skipped = rootfs_plan_skipped(c->rootfs);
	json_t *unknown = seccomp_plan_unknown(c->seccomp);

	return json_pack("{s:i, s:O, s:O}", "pid", (int)ctr->pid, "skipped",
	                 skipped ? skipped : json_array(), "unknown_syscalls",
	                 unknown ? unknown : json_array());
}

/*
 * Forks the stages and waits until the process is ready (or, for an exec,
 * has exec'd); it then has the slot c->process_id.  *sync (for a new
 * container: its end until start) and *pid are the process's.
 */
static int spawn(struct agent *a, const char *cgroup, struct container_setup *c, int *sync,
                 pid_t *pid, hull_error_t *err)
{
	struct agent_stdio stdio = AGENT_STDIO_INIT;
	struct agent_process *slot;
	int sv[2] = {-1, -1}, status;
	pid_t first;

	slot = agent_process_slot(a, c->process_id, err);
	if (slot == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    /* With a terminal, pipes until the process opens its pty in the container. */
	    agent_stdio_open(&stdio, false) < 0) {
		hull_fail(err, errno, "container \"%s\"", c->id);
		goto fail;
	}
	first = fork();
	if (first < 0) {
		hull_fail(err, errno, "container \"%s\": fork", c->id);
		goto fail;
	}
	if (first == 0) {
		close(sv[0]);
		agent_stdio_child(&stdio, false, sv[1]);
		first_stage(c, sv[1]);
	}
	close(sv[1]);
	sv[1] = -1;
	*pid = await_pid(sv[0], first, err);
	if (*pid < 0)
		goto fail;
	if (await_ready(sv[0], *pid, cgroup, c, &stdio.master, err) < 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, &status, 0);
		goto fail;
	}
	agent_process_fill(slot, c->process_id, *pid, &stdio, c->proc.terminal);
	agent_stdio_close(&stdio);
	*sync = sv[0];
	return 0;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	agent_stdio_close(&stdio);
	return -1;
}

int agent_container_create(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	struct container_setup c = {0};
	struct agent_container *ctr;
	int ret = -1;

	/* The share first: the image on it is part of what is checked. */
	if (mount_share(a, req, err) < 0 || setup_parse(a, req, &c, err) < 0)
		goto out;
	ctr = free_container(a, c.id, err);
	if (ctr == NULL)
		goto out;
	ctr->sync_fd = -1;
	ctr->id = strdup(c.id);
	ctr->process_id = strdup(c.process_id);
	if (ctr->id == NULL || ctr->process_id == NULL) {
		hull_fail(err, ENOMEM, "container \"%s\"", c.id);
		container_forget(a, ctr);
		goto out;
	}
	if (cgroup_create(a->cgroup_parent, c.id, c.cgroup, &ctr->cgroup, err) < 0) {
		container_forget(a, ctr);
		goto out;
	}
	agent_oom_watch(a, ctr);
	if (spawn(a, ctr->cgroup, &c, &ctr->sync_fd, &ctr->pid, err) < 0) {
		container_forget(a, ctr);
		goto out;
	}
	*reply = create_reply(ctr, &c);
	/* Its execs get the same filter, as runc's. */
	ctr->seccomp = c.seccomp;
	c.seccomp = NULL;
	ctr->ns_all = c.ns.all;
	log_debug("container %s: created, pid %d", ctr->id, ctr->pid);
	ret = 0;
out:
	setup_release(&c);
	if (ret < 0 && c.id)
		hull_error_prefix(err, "create container \"%s\"", c.id);
	return ret;
}

int agent_container_start(struct agent *a, json_t *req, hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));
	struct agent_container *ctr = id ? agent_find_container(a, id) : NULL;
	char msg[512];

	if (id == NULL)
		return hull_fail(err, 0, "missing \"container_id\"");
	if (ctr == NULL)
		return hull_fail(err, 0, "no container \"%s\"", id);
	if (ctr->started)
		return hull_fail(err, 0, "container \"%s\" is already started", id);
	if (send(ctr->sync_fd, "S", 1, MSG_NOSIGNAL) < 0)
		return hull_fail(err, errno, "start container \"%s\": its process is gone", id);
	if (sync_read(ctr->sync_fd, msg, sizeof(msg), SETUP_TIMEOUT_MS, err) < 0)
		return hull_error_prefix(err, "start container \"%s\"", id);
	close(ctr->sync_fd);
	ctr->sync_fd = -1;
	if (msg[0])
		return hull_fail(err, 0, "start container \"%s\": %s", id, msg);
	ctr->started = true;
	return 0;
}

/* An exec's plan: the container's namespaces, joined through its first process. */
static int exec_parse(struct agent_container *ctr, json_t *req, struct container_setup *c,
                      hull_error_t *err)
{
	c->exec = true;
	c->id = ctr->id;
	if (optional_string(req, "process_id", &c->process_id, err) < 0)
		return -1;
	if (c->process_id == NULL || c->process_id[0] == '\0')
		return hull_fail(err, 0, "missing \"process_id\"");
	if (ns_plan_join_process(&c->ns, ctr->pid, ctr->ns_all, err) < 0)
		return -1;
	return process_plan_parse(json_object_get(req, "process"), NULL, &c->proc, err);
}

int agent_container_exec(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));
	struct agent_container *ctr = id ? agent_find_container(a, id) : NULL;
	struct container_setup c = {0};
	int sync = -1, ret = -1;
	pid_t pid;

	if (id == NULL)
		return hull_fail(err, 0, "missing \"container_id\"");
	if (ctr == NULL)
		return hull_fail(err, 0, "no container \"%s\"", id);
	if (!ctr->started)
		return hull_fail(err, 0, "container \"%s\" is not running", id);
	if (exec_parse(ctr, req, &c, err) < 0)
		goto out;
	c.seccomp = ctr->seccomp; /* borrowed: not released below */
	if (spawn(a, ctr->cgroup, &c, &sync, &pid, err) < 0)
		goto out;
	close(sync);
	*reply = json_pack("{s:i}", "pid", (int)pid);
	log_debug("container %s: exec %s, pid %d", id, c.process_id, pid);
	ret = 0;
out:
	c.seccomp = NULL;
	setup_release(&c);
	if (ret < 0)
		hull_error_prefix(err, "exec in container \"%s\"", id);
	return ret;
}

void agent_container_exited(struct agent *a, const char *process_id)
{
	for (int i = 0; i < AGENT_MAX_CONTAINERS; i++)
		if (a->ctrs[i].id && strcmp(a->ctrs[i].process_id, process_id) == 0) {
			/* An OOM kill of its first process is told before that process's exit. */
			agent_oom_check(a, &a->ctrs[i]);
			container_forget(a, &a->ctrs[i]);
		}
}
