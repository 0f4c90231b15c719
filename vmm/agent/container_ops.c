/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc's pause, resume, kill, ps, update and stats for a container in the
 * guest: each works on the container's cgroup (vmm/agent/cgroup.c), which
 * holds every process of the container, whatever forked it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/agent/cgroup.h"
#include "vmm/agent/container_ops.h"

struct agent_container *agent_find_container(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_CONTAINERS; i++)
		if (a->ctrs[i].id && strcmp(a->ctrs[i].id, id) == 0)
			return &a->ctrs[i];
	return NULL;
}

struct agent_container *agent_named_container(struct agent *a, json_t *req, hull_error_t *err)
{
	const char *id = json_string_value(json_object_get(req, "container_id"));
	struct agent_container *ctr;

	if (id == NULL) {
		hull_fail(err, 0, "missing \"container_id\"");
		return NULL;
	}
	ctr = agent_find_container(a, id);
	if (ctr && ctr->cgroup)
		return ctr;
	hull_fail(err, 0, "container not running: no container \"%s\" in the guest", id);
	return NULL;
}

static int freeze(struct agent *a, json_t *req, bool frozen, hull_error_t *err)
{
	struct agent_container *ctr = agent_named_container(a, req, err);

	if (ctr == NULL)
		return -1;
	if (cgroup_freeze(ctr->cgroup, frozen, err) < 0)
		return hull_error_prefix(err, "%s container \"%s\"", frozen ? "pause" : "resume",
		                         ctr->id);
	return 0;
}

int agent_container_pause(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	(void)reply;
	return freeze(a, req, true, err);
}

int agent_container_resume(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	(void)reply;
	return freeze(a, req, false, err);
}

int agent_container_kill(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	struct agent_container *ctr = agent_named_container(a, req, err);
	json_t *jsig = json_object_get(req, "signal");
	int sig;

	(void)reply;
	if (ctr == NULL)
		return -1;
	if (!json_is_integer(jsig) || json_integer_value(jsig) < 1 || json_integer_value(jsig) > 64)
		return hull_fail(err, 0, "\"signal\" must be a number from 1 to 64");
	sig = (int)json_integer_value(jsig);
	if (json_is_true(json_object_get(req, "all")))
		return cgroup_signal_all(ctr->cgroup, sig, err);
	if (kill(ctr->pid, sig) < 0)
		return hull_fail(err, errno, "signal %d to container \"%s\"", sig, ctr->id);
	/* A frozen process dies only when thawed: runc thaws for SIGKILL too. */
	if (sig == SIGKILL && cgroup_frozen(ctr->cgroup) == 1)
		return cgroup_freeze(ctr->cgroup, false, err);
	return 0;
}

/* /proc/<pid>/<file>'s text; -1 if unreadable (the process has gone). */
static int read_proc(pid_t pid, const char *file, char *buf, size_t size)
{
	char dir[32];

	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	return cgroup_read_text(dir, file, buf, size);
}

/* The value after "Key:" in /proc/<pid>/status text; NULL if absent. */
static const char *status_field(const char *status, const char *key)
{
	size_t len = strlen(key);

	for (const char *s = status; s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
		if (strncmp(s, key, len) == 0 && s[len] == ':')
			return s + len + 1;
	return NULL;
}

/* The last number on the status line key (NSpid: the innermost namespace's); -1 if none. */
static long last_number(const char *status, const char *key)
{
	const char *s = status_field(status, key);
	long v = -1;

	while (s && *s && *s != '\n') {
		char *end;
		long n = strtol(s, &end, 10);

		if (end == s)
			break;
		v = n;
		s = end;
	}
	return v;
}

/* The pid the container sees for host pid, or 0 if it is not in the container. */
static long pid_in_container(pid_t pid, const pid_t *pids, size_t n)
{
	char status[4096];

	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return read_proc(pid, "status", status, sizeof(status)) < 0
			           ? 0
			           : last_number(status, "NSpid");
	return 0;
}

/* The name of uid in the process's own /etc/passwd; NULL if it has none. */
static char *user_name(pid_t pid, long uid)
{
	char path[64], *line = NULL, *name = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/root/etc/passwd", (int)pid);
	f = fopen(path, "re");
	while (f && name == NULL && getline(&line, &cap, f) > 0) {
		char *user = strtok(line, ":"), *pw = strtok(NULL, ":"), *id = strtok(NULL, ":");

		if (user && pw && id && strtol(id, NULL, 10) == uid)
			name = strdup(user);
	}
	free(line);
	if (f)
		fclose(f);
	return name;
}

/* CPU seconds (user + system) from /proc/<pid>/stat; -1 if unreadable. */
static long cpu_seconds(pid_t pid)
{
	char stat[1024];
	unsigned long long utime, stime;
	const char *s;

	if (read_proc(pid, "stat", stat, sizeof(stat)) < 0 || (s = strrchr(stat, ')')) == NULL)
		return -1;
	/* After "pid (comm)": state is field 3, utime 14, stime 15. */
	if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
	           &stime) != 2)
		return -1;
	return (long)((utime + stime) / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* argv joined by spaces, or "[name]" for a process without one (a kernel thread's way). */
static char *command_line(pid_t pid, const char *status)
{
	char path[64], buf[4096];
	ssize_t n;
	char *out;

	/* Read whole: its arguments are separated by NULs. */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	{
		cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	}
	if (n > 0) {
		buf[n] = '\0';
		for (ssize_t i = 0; i < n - 1; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		return strdup(buf);
	}
	{
		const char *name = status_field(status, "Name");
		size_t len = name ? strcspn(name + strspn(name, " \t"), "\n") : 0;

		if (asprintf(&out, "[%.*s]", (int)len, name ? name + strspn(name, " \t") : "") < 0)
			return NULL;
	}
	return out;
}

/* One process's row; NULL when it has gone meanwhile. */
static json_t *process_row(pid_t pid, const pid_t *pids, size_t n)
{
	char status[4096];
	cleanup_free char *user = NULL, *command = NULL;
	const char *uids;
	long uid = -1, ppid;

	if (read_proc(pid, "status", status, sizeof(status)) < 0)
		return NULL;
	/* Uid: real, effective, saved, fs; ps shows the effective one. */
	uids = status_field(status, "Uid");
	if (uids) {
		char *end;

		strtol(uids, &end, 10);
		uid = strtol(end, NULL, 10);
	}
	ppid = last_number(status, "PPid");
	user = user_name(pid, uid);
	command = command_line(pid, status);
	return json_pack(
	    "{s:I, s:I, s:I, s:s?, s:I, s:s}", "pid", (json_int_t)last_number(status, "NSpid"),
	    "ppid", (json_int_t)pid_in_container((pid_t)ppid, pids, n), "uid", (json_int_t)uid,
	    "user", user, "time", (json_int_t)cpu_seconds(pid), "command", command ? command : "");
}

int agent_container_ps(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	struct agent_container *ctr = agent_named_container(a, req, err);
	cleanup_free pid_t *pids = NULL;
	cleanup_json json_t *rows = NULL;
	size_t n;

	if (ctr == NULL || cgroup_pids(ctr->cgroup, &pids, &n, err) < 0)
		return -1;
	rows = json_array();
	if (rows == NULL)
		return hull_fail(err, ENOMEM, "ps");
	for (size_t i = 0; i < n; i++) {
		json_t *row = process_row(pids[i], pids, n);

		if (row)
			json_array_append_new(rows, row);
	}
	*reply = json_pack("{s:O}", "processes", rows);
	return *reply ? 0 : hull_fail(err, ENOMEM, "ps");
}

int agent_container_update(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	struct agent_container *ctr = agent_named_container(a, req, err);
	struct cgroup_plan *plan = NULL;
	int r;

	(void)reply;
	if (ctr == NULL || cgroup_plan_parse(json_object_get(req, "resources"), &plan, err) < 0)
		return -1;
	r = cgroup_update(ctr->cgroup, plan, err);
	cgroup_plan_free(plan);
	return r;
}

int agent_container_stats(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	struct agent_container *ctr = agent_named_container(a, req, err);
	json_t *stats;

	if (ctr == NULL)
		return -1;
	stats = cgroup_stats(ctr->cgroup);
	if (stats == NULL)
		return hull_fail(err, errno, "stats of container \"%s\"", ctr->id);
	*reply = json_pack("{s:o}", "stats", stats);
	return *reply ? 0 : hull_fail(err, ENOMEM, "stats");
}
