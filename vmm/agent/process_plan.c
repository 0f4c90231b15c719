/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI process object: parsed in the agent, applied in the child (see process_plan.h). */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vmm/agent/process_plan.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"



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

void process_plan_release(struct process_plan *p)
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

static int plan_rlimits(json_t *arr, struct process_plan *p, hull_error_t *err)
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

int process_plan_parse(json_t *process, struct process_plan *p, hull_error_t *err)
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
static void exec_with_path(struct process_plan *p)
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
void process_plan_exec(struct process_plan *p, const char *root, int report_fd)
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
