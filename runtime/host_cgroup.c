/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/host_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CGROUP_ROOT "/sys/fs/cgroup"
#define MAX_HIERARCHIES 32

/* --- linux.cgroupsPath --- */

static int bad_path(hull_error_t *err, const char *given, const char *why)
{
	return hull_fail(err, 0, "linux.cgroupsPath: \"%s\": %s", given, why);
}

/* "/a//./b/" -> "/a/b" (relative stays relative); ".." is refused. */
static int clean_cgroupfs(const char *given, char **out, hull_error_t *err)
{
	size_t len = strlen(given);
	char *clean = malloc(len + 2), *at = clean;
	const char *p = given;

	if (clean == NULL)
		return hull_fail(err, ENOMEM, "linux.cgroupsPath");
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && strncmp(p, "..", 2) == 0) {
			free(clean);
			return bad_path(err, given, "\"..\" is not allowed in a cgroup path");
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (at != clean || given[0] == '/')
				*at++ = '/';
			memcpy(at, p, n);
			at += n;
		}
		p += n;
		p += strspn(p, "/");
	}
	*at = '\0';
	if (clean[0] == '\0') {
		free(clean);
		return bad_path(err, given,
		                "names the root cgroup (or hull's own): a sandbox needs its own");
	}
	*out = clean;
	return 0;
}

/* systemd's slice name -> its path: "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "". */
static int expand_slice(const char *given, const char *slice, char **out, hull_error_t *err)
{
	size_t len = strlen(slice), used = 0, size;
	char *path;

	if (len < 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
		return bad_path(err, given, "the slice must be a name ending in \".slice\"");
	if (strcmp(slice, "-.slice") == 0) {
		*out = strdup("");
		return *out ? 0 : hull_fail(err, ENOMEM, "linux.cgroupsPath");
	}
	len -= 6;
	if (slice[0] == '-' || slice[len - 1] == '-' || strstr(slice, "--"))
		return bad_path(err, given, "invalid slice name (a '-' at either end, or \"--\")");
	size = len * (len + 8) + 1;
	path = malloc(size);
	if (path == NULL)
		return hull_fail(err, ENOMEM, "linux.cgroupsPath");
	/* Each '-' ends a parent: a-b-c.slice is in a-b.slice, in a.slice. */
	for (size_t i = 0; i <= len; i++)
		if (i == len || slice[i] == '-')
			used += (size_t)snprintf(path + used, size - used, "/%.*s.slice", (int)i,
			                         slice);
	*out = path;
	return 0;
}

static int parse_systemd(const char *given, char **out, hull_error_t *err)
{
	const char *c1 = strchr(given, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	cleanup_free char *slice = NULL, *prefix = NULL, *parent = NULL;
	const char *name;

	if (c2 == NULL || strchr(c2 + 1, ':'))
		return bad_path(err, given,
		                "with --systemd-cgroup, expected \"slice:prefix:name\" (such as "
		                "\"system.slice:docker:ID\")");
	slice = strndup(given, (size_t)(c1 - given));
	prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	name = c2 + 1;
	if (slice == NULL || prefix == NULL)
		return hull_fail(err, ENOMEM, "linux.cgroupsPath");
	if (*name == '\0' || strchr(name, '/') || strchr(prefix, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return bad_path(err, given, "the name must be non-empty, without '/'");
	if (expand_slice(given, slice[0] ? slice : "system.slice", &parent, err) < 0)
		return -1;
	/* As runc: a name ending in .slice is a slice of its own, else a scope. */
	if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
		return asprintf(out, "%s/%s", parent, name) < 0
		           ? hull_fail(err, ENOMEM, "linux.cgroupsPath")
		           : 0;
	if (asprintf(out, "%s/%s%s%s.scope", parent, prefix, prefix[0] ? "-" : "", name) < 0)
		return hull_fail(err, ENOMEM, "linux.cgroupsPath");
	return 0;
}

int host_cgroup_parse(const char *cgroups_path, bool systemd, char **out, hull_error_t *err)
{
	*out = NULL;
	if (cgroups_path == NULL || cgroups_path[0] == '\0')
		return 0;
	if (systemd)
		return parse_systemd(cgroups_path, out, err);
	return clean_cgroupfs(cgroups_path, out, err);
}

/* --- the hierarchies --- */

struct hierarchy {
	char mount[PATH_MAX];
	char own[PATH_MAX]; /* our cgroup in it */
	bool cpuset;
};

/* The mount point of the cgroup (v1) hierarchy whose options hold every controller in ctrls. */
static bool find_v1_mount(const char *ctrls, char *mount, size_t size)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), mnt[PATH_MAX], fstype[64], opts[1024];
		bool all = true;

		if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2 ||
		    strcmp(fstype, "cgroup") != 0)
			continue;
		for (const char *c = ctrls; *c && all;) {
			size_t n = strcspn(c, ",");
			char want[128];
			const char *o = opts;

			snprintf(want, sizeof(want), "%.*s", (int)n, c);
			all = false;
			while (*o && !all) {
				size_t m = strcspn(o, ",");

				all = m == strlen(want) && strncmp(o, want, m) == 0;
				o += m + (o[m] == ',');
			}
			c += n + (c[n] == ',');
		}
		if (all) {
			snprintf(mount, size, "%s", mnt);
			return true;
		}
	}
	return false;
}

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/*
 * The hierarchies we are in, from /proc/self/cgroup.  v2 (a pure v2 host):
 * the one cgroup2 at /sys/fs/cgroup; else (v1 or hybrid) every v1
 * hierarchy, and the unified one where it is mounted.
 */
static int list_hierarchies(struct hierarchy *h, size_t *n, bool v2, hull_error_t *err)
{
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	*n = 0;
	if (f == NULL)
		return hull_fail(err, errno, "/proc/self/cgroup");
	while (getline(&line, &cap, f) > 0 && *n < MAX_HIERARCHIES) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct hierarchy *x = &h[*n];

		if (c2 == NULL)
			continue;
		*c2 = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		snprintf(x->own, sizeof(x->own), "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
		x->cpuset = strcmp(c1 + 1, "cpuset") == 0;
		if (c1[1] == '\0') {
			/* The unified hierarchy: the root itself on v2, else .../unified if mounted. */
			if (v2)
				snprintf(x->mount, sizeof(x->mount), CGROUP_ROOT);
			else if (is_cgroup2(CGROUP_ROOT "/unified"))
				snprintf(x->mount, sizeof(x->mount), CGROUP_ROOT "/unified");
			else
				continue;
		} else if (v2 || !find_v1_mount(c1 + 1, x->mount, sizeof(x->mount))) {
			continue;
		}
		(*n)++;
	}
	if (*n == 0)
		return hull_fail(err, 0, "no cgroup hierarchy is mounted (/proc/self/cgroup)");
	return 0;
}

/* --- files --- */

static int write_text(const char *dir, const char *file, const char *text, hull_error_t *err)
{
	char path[PATH_MAX];
	cleanup_close int fd = -1;
	ssize_t len = (ssize_t)strlen(text);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, (size_t)len) != len)
		return hull_fail(err, errno, "write \"%s\" to %s", text, path);
	return 0;
}

static bool has_file(const char *dir, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

/* A v1 cpuset cgroup is born empty: no task may join before it has CPUs and nodes. */
static int inherit_cpuset(const char *dir, hull_error_t *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	for (size_t i = 0; i < 2; i++) {
		char parent[PATH_MAX], text[4096] = "";
		cleanup_file FILE *f = NULL;

		if ((size_t)snprintf(parent, sizeof(parent), "%s/../%s", dir, files[i]) >=
		    sizeof(parent))
			return hull_fail(err, ENAMETOOLONG, "cgroup %s", dir);
		f = fopen(parent, "re");
		if (f == NULL || fgets(text, sizeof(text), f) == NULL)
			return hull_fail(err, errno, "read %s", parent);
		if (text[0] != '\n' && write_text(dir, files[i], text, err) < 0)
			return -1;
	}
	return 0;
}

/* On v2, the controllers a leaf's limits need, enabled from the root down (best effort). */
static void enable_v2_controllers(const char *mount, const char *full)
{
	char dir[PATH_MAX];
	size_t at = (size_t)snprintf(dir, sizeof(dir), "%s", mount);

	for (const char *p = full; *p == '/';) {
		size_t n = strcspn(p + 1, "/");
		static const char *const ctrls[] = {"+memory", "+cpu", "+pids"};
		cleanup_error hull_error_t ignored = NULL;

		for (size_t i = 0; i < 3; i++) {
			write_text(dir, "cgroup.subtree_control", ctrls[i], &ignored);
			hull_error_release(&ignored);
		}
		at += (size_t)snprintf(dir + at, sizeof(dir) - at, "/%.*s", (int)n, p + 1);
		p += 1 + n;
		if (*p == '\0')
			break;
	}
}

/* mkdir -p of full under mount; each directory made is appended to created. */
static int make_dirs(const struct hierarchy *h, const char *full, json_t *created,
                     hull_error_t *err)
{
	char dir[PATH_MAX];
	size_t at = (size_t)snprintf(dir, sizeof(dir), "%s", h->mount);

	for (const char *p = full; *p == '/';) {
		size_t n = strcspn(p + 1, "/");

		if (at + 2 + n >= sizeof(dir))
			return hull_fail(err, ENAMETOOLONG, "cgroup %s%s", h->mount, full);
		at += (size_t)snprintf(dir + at, sizeof(dir) - at, "/%.*s", (int)n, p + 1);
		p += 1 + n;
		if (mkdir(dir, 0755) == 0) {
			if (json_array_append_new(created, json_string(dir)) < 0)
				return hull_fail(err, ENOMEM, "cgroup %s", dir);
			if (h->cpuset && inherit_cpuset(dir, err) < 0)
				return -1;
		} else if (errno != EEXIST) {
			return hull_fail(err, errno, "create cgroup %s", dir);
		}
	}
	return 0;
}

int host_cgroup_create(struct host_cgroup *cg, const char *path, hull_error_t *err)
{
	struct hierarchy h[MAX_HIERARCHIES];
	bool v2 = is_cgroup2(CGROUP_ROOT);
	size_t n;

	cg->leaves = json_array();
	cg->created = json_array();
	if (cg->leaves == NULL || cg->created == NULL)
		return hull_fail(err, ENOMEM, "cgroup %s", path);
	if (list_hierarchies(h, &n, v2, err) < 0)
		return hull_error_prefix(err, "linux.cgroupsPath \"%s\"", path);
	for (size_t i = 0; i < n; i++) {
		char full[PATH_MAX], leaf[PATH_MAX];

		if ((size_t)snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : h[i].own,
		                     path[0] == '/' ? "" : "/", path) >= sizeof(full) ||
		    (size_t)snprintf(leaf, sizeof(leaf), "%s%s", h[i].mount, full) >=
		        sizeof(leaf)) {
			hull_fail(err, ENAMETOOLONG, "linux.cgroupsPath \"%s\"", path);
			goto undo;
		}
		if (make_dirs(&h[i], full, cg->created, err) < 0 ||
		    json_array_append_new(cg->leaves, json_string(leaf)) < 0) {
			if (*err == NULL)
				hull_fail(err, ENOMEM, "cgroup %s", leaf);
			goto undo;
		}
		if (v2)
			enable_v2_controllers(h[i].mount, full);
	}
	return 0;
undo : {
	cleanup_error hull_error_t ignored = NULL;

	host_cgroup_remove(cg->created, 1000, &ignored);
	json_array_clear(cg->created);
	return hull_error_prefix(err, "linux.cgroupsPath \"%s\"", path);
}
}

int host_cgroup_join(const json_t *leaves, pid_t pid, hull_error_t *err)
{
	size_t i;
	json_t *leaf;
	char text[32];

	snprintf(text, sizeof(text), "%d", (int)pid);
	json_array_foreach(leaves, i, leaf)
	{
		if (write_text(json_string_value(leaf), "cgroup.procs", text, err) < 0)
			return hull_error_prefix(err, "join the sandbox's cgroup");
	}
	return 0;
}

/* --- limits --- */

static int get_int(const json_t *section, const char *section_name, const char *key, int64_t *out,
                   bool *has, hull_error_t *err)
{
	const json_t *v = json_object_get(section, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return hull_fail(err, 0, "linux.resources.%s.%s: expected an integer", section_name,
		                 key);
	*out = json_integer_value(v);
	*has = true;
	return 0;
}

int host_cgroup_limits_from(const json_t *resources, struct host_cgroup_limits *l,
                            hull_error_t *err)
{
	const json_t *mem = json_object_get(resources, "memory"),
	             *cpu = json_object_get(resources, "cpu"),
	             *pids = json_object_get(resources, "pids");
	int64_t period = 0, shares = 0;
	bool has_period = false;

	memset(l, 0, sizeof(*l));
	if (get_int(mem, "memory", "limit", &l->memory, &l->has_memory, err) < 0 ||
	    get_int(cpu, "cpu", "quota", &l->cpu_quota, &l->has_cpu, err) < 0 ||
	    get_int(cpu, "cpu", "period", &period, &has_period, err) < 0 ||
	    get_int(cpu, "cpu", "shares", &shares, &l->has_shares, err) < 0 ||
	    get_int(pids, "pids", "limit", &l->pids, &l->has_pids, err) < 0)
		return -1;
	l->cpu_period = has_period && period > 0 ? (uint64_t)period : 100000;
	l->cpu_shares = shares > 0 ? (uint64_t)shares : 0;
	l->has_shares = l->has_shares && shares > 0;
	return 0;
}

/* One leaf: the v1 or v2 files it has. */
static int limit_leaf(const char *dir, const struct host_cgroup_limits *l, hull_error_t *err)
{
	char text[64];

	if (l->has_memory) {
		int64_t bytes =
		    l->memory > 0 ? l->memory + ((int64_t)HOST_CGROUP_OVERHEAD_MIB << 20) : -1;
		bool v1 = has_file(dir, "memory.limit_in_bytes");

		if (bytes < 0)
			snprintf(text, sizeof(text), v1 ? "-1" : "max");
		else
			snprintf(text, sizeof(text), "%" PRId64, bytes);
		if ((v1 || has_file(dir, "memory.max")) &&
		    write_text(dir, v1 ? "memory.limit_in_bytes" : "memory.max", text, err) < 0)
			return -1;
	}
	if (l->has_cpu) {
		/* The VM's own threads (virtio, virtiofsd) get one CPU's worth above the quota. */
		int64_t quota = l->cpu_quota > 0 ? l->cpu_quota + (int64_t)l->cpu_period : -1;

		if (has_file(dir, "cpu.cfs_quota_us")) {
			snprintf(text, sizeof(text), "%" PRIu64, l->cpu_period);
			if (write_text(dir, "cpu.cfs_period_us", text, err) < 0)
				return -1;
			snprintf(text, sizeof(text), "%" PRId64, quota);
			if (write_text(dir, "cpu.cfs_quota_us", text, err) < 0)
				return -1;
		} else if (has_file(dir, "cpu.max")) {
			if (quota > 0)
				snprintf(text, sizeof(text), "%" PRId64 " %" PRIu64, quota,
				         l->cpu_period);
			else
				snprintf(text, sizeof(text), "max %" PRIu64, l->cpu_period);
			if (write_text(dir, "cpu.max", text, err) < 0)
				return -1;
		}
	}
	if (l->has_shares) {
		bool v1 = has_file(dir, "cpu.shares");
		/* runc's v1 shares [2, 262144] -> v2 weight [1, 10000]. */
		uint64_t v = v1 ? l->cpu_shares : 1 + ((l->cpu_shares - 2) * 9999) / 262142;

		snprintf(text, sizeof(text), "%" PRIu64, v);
		if ((v1 || has_file(dir, "cpu.weight")) &&
		    write_text(dir, v1 ? "cpu.shares" : "cpu.weight", text, err) < 0)
			return -1;
	}
	if (l->has_pids && has_file(dir, "pids.max")) {
		if (l->pids > 0)
			snprintf(text, sizeof(text), "%" PRId64,
			         l->pids + HOST_CGROUP_OVERHEAD_PIDS);
		else
			snprintf(text, sizeof(text), "max");
		if (write_text(dir, "pids.max", text, err) < 0)
			return -1;
	}
	return 0;
}

int host_cgroup_set_limits(const json_t *leaves, const json_t *resources, hull_error_t *err)
{
	struct host_cgroup_limits l;
	size_t i;
	json_t *leaf;

	if (host_cgroup_limits_from(resources, &l, err) < 0)
		return -1;
	json_array_foreach(leaves, i, leaf)
	{
		if (limit_leaf(json_string_value(leaf), &l, err) < 0)
			return hull_error_prefix(err, "the sandbox's host cgroup");
	}
	return 0;
}

uint64_t host_cgroup_limits_cpus(const struct host_cgroup_limits *l)
{
	if (!l->has_cpu || l->cpu_quota <= 0 || l->cpu_period == 0)
		return 0;
	return ((uint64_t)l->cpu_quota + l->cpu_period - 1) / l->cpu_period;
}

/* --- removal --- */

/* "PID (comm), ..." of the first processes in cgroup dir, for an error; "" if none is read. */
static void cgroup_procs_text(const char *dir, char *out, size_t size)
{
	char path[PATH_MAX], comm_path[64], comm[32];
	cleanup_file FILE *f = NULL;
	long pid;
	size_t len = 0;
	int shown = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	while (f && shown < 5 && fscanf(f, "%ld", &pid) == 1 && len < size) {
		cleanup_file FILE *c = NULL;

		snprintf(comm_path, sizeof(comm_path), "/proc/%ld/comm", pid);
		c = fopen(comm_path, "re");
		if (!c || !fgets(comm, sizeof(comm), c))
			snprintf(comm, sizeof(comm), "?");
		comm[strcspn(comm, "\n")] = '\0';
		len += (size_t)snprintf(out + len, size - len, "%s%ld %s", shown ? ", " : ": ", pid,
		                        comm);
		shown++;
	}
}

int host_cgroup_remove(const json_t *created, int timeout_ms, hull_error_t *err)
{
	long long deadline = hull_now_ms() + timeout_ms;
	size_t n = json_array_size(created);
	int ret = 0;

	for (size_t i = n; i-- > 0;) {
		const char *dir = json_string_value(json_array_get(created, i));

		if (dir == NULL)
			continue;
		/* Processes that were killed leave their cgroup as they finish exiting. */
		while (rmdir(dir) < 0 && errno == EBUSY && hull_now_ms() < deadline)
			usleep(20 * 1000);
		if (access(dir, F_OK) == 0 && ret == 0) {
			char procs[256];

			cgroup_procs_text(dir, procs, sizeof(procs));
			ret =
			    hull_fail(err, EBUSY, "remove cgroup %s (processes are still in it%s)",
			              dir, procs);
		}
	}
	return ret;
}

void host_cgroup_free(struct host_cgroup *cg)
{
	json_decref(cg->leaves);
	json_decref(cg->created);
	memset(cg, 0, sizeof(*cg));
}
