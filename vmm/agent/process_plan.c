/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI process object: parsed in the agent, applied in the child (see process_plan.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "common/log.h"
#include "vmm/agent/process_plan.h"
#include "vmm/agent/process_sched.h"
#include "vmm/agent/seccomp.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define N_RLIMIT_NAMES (sizeof(rlimit_names) / sizeof(rlimit_names[0]))
#define BIT(cap) (UINT64_C(1) << (cap))

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
	p->argv = p->envp = NULL;
	p->groups = NULL;
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

/* A whole number in [min, max], or an error naming path. */
int process_plan_int_value(json_t *v, const char *path, json_int_t min, json_int_t max,
                           json_int_t *out, hull_error_t *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return hull_fail(err, 0, "%s: expected a whole number from %lld to %lld", path,
		                 (long long)min, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

/* A uid or gid: 0 .. 2^32-2 ((uid_t)-1 means "unchanged" to the kernel). */
static int id_value(json_t *v, const char *path, uint32_t *out, hull_error_t *err)
{
	json_int_t id = 0;

	if (v && process_plan_int_value(v, path, 0, UINT32_MAX - 1, &id, err) < 0)
		return -1;
	*out = (uint32_t)id;
	return 0;
}

static int plan_user(json_t *user, struct process_plan *p, hull_error_t *err)
{
	json_t *gids, *g;
	json_int_t umask_value = 022;
	char path[64];
	size_t i;

	if (user == NULL)
		return 0;
	if (!json_is_object(user))
		return hull_fail(err, 0, "process.user: expected an object");
	if (id_value(json_object_get(user, "uid"), "process.user.uid", &p->uid, err) < 0 ||
	    id_value(json_object_get(user, "gid"), "process.user.gid", &p->gid, err) < 0)
		return -1;
	if (json_object_get(user, "umask") &&
	    process_plan_int_value(json_object_get(user, "umask"), "process.user.umask", 0, 0777,
	                           &umask_value, err) < 0)
		return -1;
	p->umask = (mode_t)umask_value;
	gids = json_object_get(user, "additionalGids");
	if (gids == NULL)
		return 0;
	if (!json_is_array(gids))
		return hull_fail(err, 0, "process.user.additionalGids: expected an array");
	if (json_array_size(gids) > (size_t)NGROUPS_MAX)
		return hull_fail(err, 0, "process.user.additionalGids: more than %d groups",
		                 NGROUPS_MAX);
	p->groups = calloc(json_array_size(gids) + 1, sizeof(gid_t));
	if (p->groups == NULL)
		return hull_fail(err, ENOMEM, "process.user.additionalGids");
	json_array_foreach(gids, i, g)
	{
		snprintf(path, sizeof(path), "process.user.additionalGids[%zu]", i);
		if (id_value(g, path, &p->groups[i], err) < 0)
			return -1;
		p->n_groups++;
	}
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

		for (k = 0; type && k < N_RLIMIT_NAMES; k++)
			if (strcmp(rlimit_names[k].name, type) == 0)
				break;
		if (type == NULL || k == N_RLIMIT_NAMES)
			return hull_fail(err, 0,
			                 "process.rlimits[%zu].type: \"%s\" is not an rlimit", i,
			                 type ? type : "");
		if (!json_is_integer(hard) || !json_is_integer(soft) ||
		    json_integer_value(hard) < 0 || json_integer_value(soft) < 0)
			return hull_fail(err, 0,
			                 "process.rlimits[%zu]: hard and soft must be numbers", i);
		if (json_integer_value(soft) > json_integer_value(hard))
			return hull_fail(err, 0,
			                 "process.rlimits[%zu]: soft (%lld) is above hard (%lld)",
			                 i, (long long)json_integer_value(soft),
			                 (long long)json_integer_value(hard));
		p->rlimits[p->n_rlimits].resource = rlimit_names[k].resource;
		p->rlimits[p->n_rlimits].limit.rlim_max = (rlim_t)json_integer_value(hard);
		p->rlimits[p->n_rlimits].limit.rlim_cur = (rlim_t)json_integer_value(soft);
		p->n_rlimits++;
	}
	return 0;
}

/* The kernel raises an ambient capability only if it is permitted and inheritable. */
static int plan_caps(json_t *caps, struct process_plan *p, hull_error_t *err)
{
	uint64_t raisable, dropped;

	if (hull_caps_parse(caps, p->caps, err) < 0)
		return -1;
	raisable = p->caps[HULL_CAP_PERMITTED] & p->caps[HULL_CAP_INHERITABLE];
	dropped = p->caps[HULL_CAP_AMBIENT] & ~raisable;
	for (int cap = 0; dropped && cap <= hull_cap_last(); cap++)
		if (dropped & BIT(cap))
			log_warning("process.capabilities.ambient: %s is left out (an ambient "
			            "capability must be permitted and inheritable)",
			            hull_cap_name(cap));
	p->caps[HULL_CAP_AMBIENT] &= raisable;
	return 0;
}

/* linux.personality: the domain only (runc and crun set nothing else). */
static int plan_personality(json_t *linux_, struct process_plan *p, hull_error_t *err)
{
	json_t *pers = json_object_get(linux_, "personality"), *flags;
	const char *domain;

	if (linux_ != NULL && !json_is_object(linux_))
		return hull_fail(err, 0, "linux: expected an object");
	if (pers == NULL)
		return 0;
	if (!json_is_object(pers))
		return hull_fail(err, 0, "linux.personality: expected an object");
	domain = json_string_value(json_object_get(pers, "domain"));
	if (domain == NULL)
		return hull_fail(err, 0,
		                 "linux.personality.domain: expected \"LINUX\" or \"LINUX32\"");
	if (strcmp(domain, "LINUX") == 0)
		p->personality = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		p->personality = PER_LINUX32;
	else
		return hull_fail(err, 0,
		                 "linux.personality.domain: \"%s\" is not supported (LINUX or "
		                 "LINUX32)",
		                 domain);
	flags = json_object_get(pers, "flags");
	if (flags != NULL && !json_is_array(flags))
		return hull_fail(err, 0, "linux.personality.flags: expected an array");
	if (json_array_size(flags) > 0) {
		const char *flag = json_string_value(json_array_get(flags, 0));

		return hull_fail(err, 0,
		                 "linux.personality.flags[0]: \"%s\" is not supported (hull sets "
		                 "the domain only)",
		                 flag ? flag : "");
	}
	p->has_personality = true;
	return 0;
}

int process_plan_parse(json_t *process, json_t *linux_, struct process_plan *p, hull_error_t *err)
{
	json_t *oom = json_object_get(process, "oomScoreAdj");
	json_int_t oom_value = 0;

	memset(p, 0, sizeof(*p));
	p->umask = 022;
	if (!json_is_object(process))
		return hull_fail(err, 0, "process: expected an object");
	if (string_array(json_object_get(process, "args"), "args", true, &p->argv, err) < 0 ||
	    string_array(json_object_get(process, "env"), "env", false, &p->envp, err) < 0)
		return -1;
	p->cwd = "/";
	if (json_object_get(process, "cwd")) {
		p->cwd = json_string_value(json_object_get(process, "cwd"));
		if (p->cwd == NULL || p->cwd[0] != '/')
			return hull_fail(err, 0, "process.cwd: expected an absolute path");
	}
	p->terminal = json_is_true(json_object_get(process, "terminal"));
	p->no_new_privs = json_is_true(json_object_get(process, "noNewPrivileges"));
	if (oom &&
	    process_plan_int_value(oom, "process.oomScoreAdj", -1000, 1000, &oom_value, err) < 0)
		return -1;
	p->has_oom_score_adj = oom != NULL;
	p->oom_score_adj = (int)oom_value;
	if (plan_user(json_object_get(process, "user"), p, err) < 0 ||
	    plan_rlimits(json_object_get(process, "rlimits"), p, err) < 0 ||
	    plan_caps(json_object_get(process, "capabilities"), p, err) < 0 ||
	    process_sched_parse(process, p, err) < 0)
		return -1;
	return plan_personality(linux_, p, err);
}

/* The process's PATH (execvpe() would search the agent's), else DEFAULT_PATH. */
static const char *process_path(const struct process_plan *p)
{
	const char *path = DEFAULT_PATH;

	for (char **e = p->envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	return path;
}

/* DIR/name of *path's next DIR in buf, *path past it; false when there is none. */
static bool next_on_path(const char **path, const char *name, char *buf, size_t size)
{
	const char *end = strchrnul(*path, ':');

	if (**path == '\0')
		return false;
	snprintf(buf, size, "%.*s/%s", (int)(end - *path), *path, name);
	*path = *end ? end + 1 : end;
	return true;
}

static void exec_with_path(struct process_plan *p)
{
	const char *path = process_path(p);
	char buf[4096];

	if (strchr(p->argv[0], '/')) {
		execve(p->argv[0], p->argv, p->envp);
		return;
	}
	while (next_on_path(&path, p->argv[0], buf, sizeof(buf))) {
		execve(buf, p->argv, p->envp);
		if (errno != ENOENT && errno != ENOTDIR && errno != EACCES)
			return;
	}
	errno = ENOENT;
}

/* path names something exec could run: not a directory, an x bit set. */
static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111);
}

int process_plan_lookup(const struct process_plan *p, hull_error_t *err)
{
	const char *path = process_path(p);
	char buf[4096];
	struct stat st;

	if (strchr(p->argv[0], '/')) {
		snprintf(buf, sizeof(buf), "%s/%s", p->argv[0][0] == '/' ? "" : p->cwd, p->argv[0]);
		if (stat(buf, &st) < 0 && errno == ENOENT)
			return hull_fail(err, 0, "exec: \"%s\": stat %s: no such file or directory",
			                 p->argv[0], p->argv[0]);
		return 0;
	}
	while (next_on_path(&path, p->argv[0], buf, sizeof(buf)))
		if (executable(buf))
			return 0;
	return hull_fail(err, 0, "exec: \"%s\": executable file not found in $PATH", p->argv[0]);
}

/* "STEP WHAT: REASON" to the agent, then exit 127: the exec did not happen. */
static __attribute__((noreturn)) void fail(int report_fd, const char *step, const char *what,
                                           const char *reason)
{
	dprintf(report_fd, "%s %s: %s", step, what, reason);
	_exit(127);
}

static __attribute__((noreturn)) void fail_errno(int report_fd, const char *step, const char *what)
{
	fail(report_fd, step, what, strerror(errno));
}

static void load_seccomp(const struct seccomp_plan *seccomp, int report_fd)
{
	hull_error_t err = NULL;

	if (seccomp && seccomp_plan_load(seccomp, &err) < 0)
		fail(report_fd, "seccomp", "load", hull_error_str(err));
}

static void set_rlimits(struct process_plan *p, int report_fd)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		if (setrlimit(p->rlimits[i].resource, &p->rlimits[i].limit) == 0)
			continue;
		for (size_t k = 0; k < N_RLIMIT_NAMES; k++)
			if (rlimit_names[k].resource == p->rlimits[i].resource)
				fail_errno(report_fd, "setrlimit", rlimit_names[k].name);
	}
}

static void set_oom_score_adj(struct process_plan *p, int report_fd)
{
	char value[16];
	int fd, n;

	if (!p->has_oom_score_adj)
		return;
	n = snprintf(value, sizeof(value), "%d", p->oom_score_adj);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, (size_t)n) != n)
		fail_errno(report_fd, "oom_score_adj", value);
	close(fd);
}

/* Every capability the kernel has that is not in the set leaves the bounding set. */
static void drop_bounding(uint64_t bounding, int report_fd)
{
	for (int cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0 && errno == EINVAL)
			return; /* past this kernel's last capability */
		if (in > 0 && !(bounding & BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			fail_errno(report_fd, "capabilities bounding drop",
			           hull_cap_name(cap) ? hull_cap_name(cap) : "?");
	}
}

static void set_user(struct process_plan *p, int report_fd)
{
	char id[16];

	/* Keep the permitted set through setuid; capset then sets it exactly. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		fail_errno(report_fd, "prctl", "PR_SET_KEEPCAPS");
	/* EPERM with no groups: a user namespace whose setgroups is "deny". */
	if (setgroups(p->n_groups, p->groups) < 0 && !(p->n_groups == 0 && errno == EPERM))
		fail_errno(report_fd, "setgroups", "process.user.additionalGids");
	snprintf(id, sizeof(id), "%u", (unsigned)p->gid);
	if (setgid(p->gid) < 0)
		fail_errno(report_fd, "setgid", id);
	snprintf(id, sizeof(id), "%u", (unsigned)p->uid);
	if (setuid(p->uid) < 0)
		fail_errno(report_fd, "setuid", id);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		fail_errno(report_fd, "prctl", "PR_SET_KEEPCAPS");
}

static void set_caps(struct process_plan *p, int report_fd)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].effective = (uint32_t)(p->caps[HULL_CAP_EFFECTIVE] >> (32 * i));
		data[i].permitted = (uint32_t)(p->caps[HULL_CAP_PERMITTED] >> (32 * i));
		data[i].inheritable = (uint32_t)(p->caps[HULL_CAP_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		fail_errno(report_fd, "capset", "effective, permitted and inheritable");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		fail_errno(report_fd, "capabilities ambient", "clear");
	for (int cap = 0; cap <= hull_cap_last(); cap++)
		if ((p->caps[HULL_CAP_AMBIENT] & BIT(cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			fail_errno(report_fd, "capabilities ambient raise", hull_cap_name(cap));
}

/* In the child: never returns.  Failures go to the parent over report_fd. */
void process_plan_exec(struct process_plan *p, const struct seccomp_plan *seccomp, const char *root,
                       int report_fd)
{
	/* First, so that the setup work itself runs on these CPUs. */
	if (p->cpus_initial_str &&
	    sched_setaffinity(0, sizeof(p->cpus_initial), &p->cpus_initial) < 0)
		fail_errno(report_fd, "process.execCPUAffinity.initial", p->cpus_initial_str);
	if (setsid() < 0)
		fail_errno(report_fd, "setsid", p->argv[0]);
	if (p->terminal && ioctl(0, TIOCSCTTY, 0) < 0)
		fail_errno(report_fd, "set controlling terminal", p->argv[0]);
	set_rlimits(p, report_fd);
	set_oom_score_adj(p, report_fd);
	if (p->has_personality && personality(p->personality) < 0)
		fail_errno(report_fd, "personality",
		           p->personality == PER_LINUX32 ? "LINUX32" : "LINUX");
	umask(p->umask);
	if (root && (chroot(root) < 0 || chdir("/") < 0))
		fail_errno(report_fd, "chroot", root);
	/* Raising either may need CAP_SYS_NICE or CAP_SYS_ADMIN, and no filter is loaded yet. */
	if (p->has_io_priority && process_sched_set_io_priority(p) < 0)
		fail_errno(report_fd, "process.ioPriority", p->io_class);
	if (p->sched_name && process_sched_set_scheduler(p) < 0)
		fail_errno(report_fd, "process.scheduler", p->sched_name);
	if (!p->no_new_privs)
		load_seccomp(seccomp, report_fd);
	drop_bounding(p->caps[HULL_CAP_BOUNDING], report_fd);
	set_user(p, report_fd);
	set_caps(p, report_fd);
	if (chdir(p->cwd) < 0)
		fail_errno(report_fd, "chdir", p->cwd);
	/* Before the last filter, which may not allow sched_setaffinity. */
	if (p->cpus_final_str && sched_setaffinity(0, sizeof(p->cpus_final), &p->cpus_final) < 0)
		fail_errno(report_fd, "process.execCPUAffinity.final", p->cpus_final_str);
	if (p->no_new_privs) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			fail_errno(report_fd, "no_new_privs", p->argv[0]);
		load_seccomp(seccomp, report_fd);
	}
	signal(SIGPIPE, SIG_DFL);
	exec_with_path(p);
	fail_errno(report_fd, "exec", p->argv[0]);
}
