/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's processes inside the guest: start one from an OCI
 * process object, relay its output to the host, feed its stdin, and report
 * its exit once everything it printed has been forwarded.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/agent/agent.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct exec_plan {
	char **argv;
	char **envp;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	bool terminal;
	bool no_new_privs;
	struct {
		int resource;
		struct rlimit limit;
	} rlimits[RLIM_NLIMITS];
	size_t n_rlimits;
};

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

static void plan_release(struct exec_plan *p)
{
	free(p->argv);
	free(p->envp);
	free(p->groups);
}

/* argv/envp point into the json_t, which outlives the fork. */
static int string_array(json_t *arr, const char *what, bool nonempty, char ***out,
                        hull_error_t *err)
{
	size_t i, n = json_array_size(arr);
	char **v;

	if (arr == NULL)
		n = 0;
	else if (!json_is_array(arr))
		return hull_fail(err, 0, "process.%s: expected an array of strings", what);
	if (nonempty && n == 0)
		return hull_fail(err, 0, "process.%s: must not be empty", what);
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return hull_fail(err, ENOMEM, "process.%s", what);
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		if (s == NULL) {
			free(v);
			return hull_fail(err, 0, "process.%s[%zu]: expected a string", what, i);
		}
		v[i] = (char *)s;
	}
	*out = v;
	return 0;
}

static int plan_rlimits(json_t *arr, struct exec_plan *p, hull_error_t *err)
{
	size_t i;
	json_t *rl;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > RLIM_NLIMITS)
		return hull_fail(err, 0, "process.rlimits: expected an array of at most %d",
		                 RLIM_NLIMITS);
	json_array_foreach(arr, i, rl)
	{
		const char *type = json_string_value(json_object_get(rl, "type"));
		json_t *hard = json_object_get(rl, "hard"), *soft = json_object_get(rl, "soft");
		size_t k;

		for (k = 0; type && k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
			if (strcmp(rlimit_names[k].name, type) == 0)
				break;
		if (type == NULL || k == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
			return hull_fail(err, 0,
			                 "process.rlimits[%zu].type: \"%s\" is not an rlimit", i,
			                 type ? type : "");
		if (!json_is_integer(hard) || !json_is_integer(soft) ||
		    json_integer_value(hard) < 0 || json_integer_value(soft) < 0)
			return hull_fail(err, 0,
			                 "process.rlimits[%zu]: hard and soft must be numbers", i);
		p->rlimits[p->n_rlimits].resource = rlimit_names[k].resource;
		p->rlimits[p->n_rlimits].limit.rlim_max = (rlim_t)json_integer_value(hard);
		p->rlimits[p->n_rlimits].limit.rlim_cur = (rlim_t)json_integer_value(soft);
		p->n_rlimits++;
	}
	return 0;
}

static int plan_from_json(json_t *process, struct exec_plan *p, hull_error_t *err)
{
	json_t *user = json_object_get(process, "user"), *gids, *g;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(process))
		return hull_fail(err, 0, "process: expected an object");
	if (string_array(json_object_get(process, "args"), "args", true, &p->argv, err) < 0 ||
	    string_array(json_object_get(process, "env"), "env", false, &p->envp, err) < 0)
		return -1;
	p->cwd = json_string_value(json_object_get(process, "cwd"));
	if (p->cwd == NULL)
		p->cwd = "/";
	if (user && json_is_object(user)) {
		p->uid = (uid_t)json_integer_value(json_object_get(user, "uid"));
		p->gid = (gid_t)json_integer_value(json_object_get(user, "gid"));
		gids = json_object_get(user, "additionalGids");
		if (json_is_array(gids) && json_array_size(gids) > 0) {
			p->groups = calloc(json_array_size(gids), sizeof(gid_t));
			if (p->groups == NULL)
				return hull_fail(err, ENOMEM, "process.user");
			json_array_foreach(gids, i, g) p->groups[p->n_groups++] =
			    (gid_t)json_integer_value(g);
		}
	}
	p->terminal = json_is_true(json_object_get(process, "terminal"));
	p->no_new_privs = json_is_true(json_object_get(process, "noNewPrivileges"));
	return plan_rlimits(json_object_get(process, "rlimits"), p, err);
}

/* execvpe() would search the agent's PATH; the container's own counts. */
static void exec_with_path(struct exec_plan *p)
{
	const char *path = DEFAULT_PATH;
	char buf[4096];

	for (char **e = p->envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (strchr(p->argv[0], '/')) {
		execve(p->argv[0], p->argv, p->envp);
		return;
	}
	while (*path) {
		const char *end = strchrnul(path, ':');
		int saved;

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - path), path, p->argv[0]);
		execve(buf, p->argv, p->envp);
		saved = errno;
		if (saved != ENOENT && saved != ENOTDIR && saved != EACCES)
			return;
		path = *end ? end + 1 : end;
	}
	errno = ENOENT;
}

/* In the child: never returns.  Failures go to the parent over report_fd. */
static void child_exec(struct exec_plan *p, const char *root, int report_fd)
{
	const char *step = "";
	int e;

	if (setsid() < 0) {
		step = "setsid";
		goto fail;
	}
	if (p->terminal && ioctl(0, TIOCSCTTY, 0) < 0) {
		step = "set controlling terminal";
		goto fail;
	}
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (setrlimit(p->rlimits[i].resource, &p->rlimits[i].limit) < 0) {
			step = "setrlimit";
			goto fail;
		}
	if (root && (chroot(root) < 0 || chdir("/") < 0)) {
		step = "chroot";
		goto fail;
	}
	if (setgroups(p->n_groups, p->groups) < 0 && !(p->n_groups == 0 && errno == EPERM)) {
		step = "setgroups";
		goto fail;
	}
	if (setgid(p->gid) < 0 || setuid(p->uid) < 0) {
		step = "set user";
		goto fail;
	}
	if (chdir(p->cwd) < 0) {
		step = "chdir";
		goto fail;
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		step = "no_new_privs";
		goto fail;
	}
	signal(SIGPIPE, SIG_DFL);
	exec_with_path(p);
	step = "exec";
fail:
	e = errno;
	dprintf(report_fd, "%s %s: %s", step, strcmp(step, "chdir") == 0 ? p->cwd : p->argv[0],
	        strerror(e));
	_exit(127);
}

static struct agent_process *free_slot(struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++)
		if (a->procs[i].id == NULL)
			return &a->procs[i];
	return NULL;
}

struct agent_process *agent_process_find(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_PROCESSES; i++)
		if (a->procs[i].id && strcmp(a->procs[i].id, id) == 0)
			return &a->procs[i];
	return NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The new process's stdio: three pipes, or with a terminal a pty whose slave
 * side is in[0] and whose other end is master.
 */
struct stdio_ends {
	int in[2], out[2], err[2];
	int master;
};

static int open_stdio(struct stdio_ends *s, bool terminal)
{
	if (terminal) {
		if (openpty(&s->master, &s->in[0], NULL, NULL, NULL) < 0)
			return -1;
		fcntl(s->master, F_SETFD, FD_CLOEXEC);
		return 0;
	}
	if (pipe2(s->in, O_CLOEXEC) < 0 || pipe2(s->out, O_CLOEXEC) < 0 ||
	    pipe2(s->err, O_CLOEXEC) < 0)
		return -1;
	return 0;
}

static void close_stdio(struct stdio_ends *s)
{
	for (int i = 0; i < 2; i++) {
		close_fd(&s->in[i]);
		close_fd(&s->out[i]);
		close_fd(&s->err[i]);
	}
	close_fd(&s->master);
}

/* In the child: stdio on 0-2, every other fd but report_fd closed, no signal blocked. */
static void child_stdio(struct stdio_ends *s, bool terminal, int report_fd)
{
	sigset_t none;

	dup2(s->in[0], 0);
	dup2(terminal ? s->in[0] : s->out[1], 1);
	dup2(terminal ? s->in[0] : s->err[1], 2);
	for (int fd = 3; fd < 1024; fd++)
		if (fd != report_fd)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * The report pipe closes on a successful exec, or carries why it failed: then
 * the child is reaped and err says why.
 */
static int wait_exec(int report_fd, pid_t pid, hull_error_t *err)
{
	char why[512];
	ssize_t n;
	int status;

	do
		n = read(report_fd, why, sizeof(why) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	why[n] = '\0';
	waitpid(pid, &status, 0);
	return hull_fail(err, 0, "%s", why);
}

/* The slot takes the host's ends of the process's stdio. */
static void fill_slot(struct agent_process *slot, const char *id, pid_t pid, struct stdio_ends *s,
                      bool terminal)
{
	slot->id = strdup(id);
	slot->pid = pid;
	slot->exited = false;
	if (terminal) {
		slot->stdin_fd = s->master;
		slot->stdout_fd = dup(s->master);
		slot->stderr_fd = -1;
		s->master = -1;
	} else {
		slot->stdin_fd = steal_fd(&s->in[1]);
		slot->stdout_fd = steal_fd(&s->out[0]);
		slot->stderr_fd = steal_fd(&s->err[0]);
	}
}

int agent_process_start(struct agent *a, const char *id, json_t *process, const char *root,
                        hull_error_t *err)
{
	struct exec_plan plan;
	struct agent_process *slot;
	struct stdio_ends stdio = {.in = {-1, -1}, .out = {-1, -1}, .err = {-1, -1}, .master = -1};
	int report[2] = {-1, -1};
	int e = 0, ret = -1;
	pid_t pid;

	if (agent_process_find(a, id))
		return hull_fail(err, 0, "process \"%s\" already exists", id);
	slot = free_slot(a);
	if (slot == NULL)
		return hull_fail(err, 0, "too many processes (%d)", AGENT_MAX_PROCESSES);
	if (plan_from_json(process, &plan, err) < 0) {
		plan_release(&plan);
		return -1;
	}
	if (pipe2(report, O_CLOEXEC) < 0 || open_stdio(&stdio, plan.terminal) < 0) {
		e = errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
		goto out;
	}
	if (pid == 0) {
		child_stdio(&stdio, plan.terminal, report[1]);
		child_exec(&plan, root, report[1]);
	}
	close_fd(&report[1]);
	if (wait_exec(report[0], pid, err) < 0)
		goto out;
	fill_slot(slot, id, pid, &stdio, plan.terminal);
	log_debug("started %s as pid %d", id, pid);
	ret = 0;
out:
	plan_release(&plan);
	close_fd(&report[0]);
	close_fd(&report[1]);
	close_stdio(&stdio);
	if (e)
		return hull_fail(err, e, "start process \"%s\"", id);
	return ret;
}

int agent_process_write_stdin(struct agent_process *p, const char *b64, hull_error_t *err)
{
	cleanup_free uint8_t *data = NULL;
	size_t len, done = 0;

	if (p->stdin_fd < 0)
		return hull_fail(err, 0, "process \"%s\": stdin is closed", p->id);
	if (base64_decode(b64, &data, &len) < 0)
		return hull_fail(err, 0, "stdin data is not base64");
	/* Blocking write: the host sends small chunks and waits for the reply. */
	while (done < len) {
		ssize_t n = write(p->stdin_fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "process \"%s\": write stdin", p->id);
		done += (size_t)n;
	}
	return 0;
}

void agent_process_close_stdin(struct agent_process *p)
{
	/* A terminal's master is also its stdout: send EOF (^D) instead. */
	if (p->stderr_fd < 0 && p->stdin_fd >= 0 && isatty(p->stdin_fd)) {
		struct termios t;

		if (tcgetattr(p->stdin_fd, &t) == 0)
			(void)!write(p->stdin_fd, &t.c_cc[VEOF], 1);
		return;
	}
	if (p->stdin_fd >= 0)
		close(p->stdin_fd);
	p->stdin_fd = -1;
}

static void emit_exit_if_done(struct agent *a, struct agent_process *p)
{
	json_t *msg;

	if (!p->exited || p->stdout_fd >= 0 || p->stderr_fd >= 0)
		return;
	if (WIFSIGNALED(p->status))
		msg = json_pack("{s:s, s:s, s:i, s:i}", "event", "exit", "process_id", p->id,
		                "status", 128 + WTERMSIG(p->status), "signal", WTERMSIG(p->status));
	else
		msg = json_pack("{s:s, s:s, s:i}", "event", "exit", "process_id", p->id, "status",
		                WEXITSTATUS(p->status));
	agent_emit(a, msg);
	json_decref(msg);
	if (p->stdin_fd >= 0)
		close(p->stdin_fd);
	free(p->id);
	memset(p, 0, sizeof(*p));
	p->stdin_fd = p->stdout_fd = p->stderr_fd = -1;
}

void agent_process_relay(struct agent *a, struct agent_process *p, int fd)
{
	const char *stream = fd == p->stdout_fd ? "stdout" : "stderr";
	uint8_t buf[16384];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		cleanup_free char *b64 = base64_encode(buf, (size_t)n);
		json_t *msg = json_pack("{s:s, s:s, s:s, s:s}", "event", "output", "process_id",
		                        p->id, "stream", stream, "data", b64 ? b64 : "");

		agent_emit(a, msg);
		json_decref(msg);
		return;
	}
	/* EOF (or EIO from a pty whose last holder exited). */
	close(fd);
	if (fd == p->stdout_fd)
		p->stdout_fd = -1;
	else
		p->stderr_fd = -1;
	emit_exit_if_done(a, p);
}

void agent_process_reap(struct agent *a)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < AGENT_MAX_PROCESSES; i++) {
			struct agent_process *p = &a->procs[i];

			if (p->id && p->pid == pid) {
				p->exited = true;
				p->status = status;
				emit_exit_if_done(a, p);
			}
		}
	}
}
