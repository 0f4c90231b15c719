/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroup v2: linux.resources turned into the files to write
 * (the plan, checked before the fork), then the directory, its limits, its
 * processes, its stats and its removal.  The conversions from cgroup v1
 * numbers are runc's (libcontainer/cgroups/fs2), so a config means the
 * same thing here as under runc on a cgroup v2 host.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "common/cleanup.h"
#include "vmm/agent/cgroup.h"

#define RES "linux.resources"

struct cgroup_write {
	char *field; /* what the error names */
	char *file;
	char *value;
};

struct cgroup_plan {
	struct cgroup_write *writes;
	size_t n_writes, cap_writes;
	int has_devices;
	struct cgroup_dev_rule *rules;
	size_t n_rules;
};

void cgroup_plan_free(struct cgroup_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_writes; i++) {
		free(p->writes[i].field);
		free(p->writes[i].file);
		free(p->writes[i].value);
	}
	free(p->writes);
	free(p->rules);
	free(p);
}

static void plan_freep(struct cgroup_plan **p)
{
	cgroup_plan_free(*p);
}

const char *cgroup_plan_value(const struct cgroup_plan *p, const char *file)
{
	for (size_t i = p->n_writes; i-- > 0;)
		if (strcmp(p->writes[i].file, file) == 0)
			return p->writes[i].value;
	return NULL;
}

static int add_write(struct cgroup_plan *p, const char *field, const char *file, hull_error_t *err,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int add_write(struct cgroup_plan *p, const char *field, const char *file, hull_error_t *err,
                     const char *fmt, ...)
{
	struct cgroup_write *w;
	va_list ap;
	int n;

	if (p->n_writes == p->cap_writes) {
		size_t cap = p->cap_writes ? p->cap_writes * 2 : 8;

		w = realloc(p->writes, cap * sizeof(*w));
		if (w == NULL)
			return hull_fail(err, ENOMEM, "%s", field);
		p->writes = w;
		p->cap_writes = cap;
	}
	w = &p->writes[p->n_writes];
	*w = (struct cgroup_write){strdup(field), strdup(file), NULL};
	va_start(ap, fmt);
	n = vasprintf(&w->value, fmt, ap);
	va_end(ap);
	if (n < 0)
		w->value = NULL;
	p->n_writes++; /* freed with the plan even if incomplete */
	if (w->field == NULL || w->file == NULL || w->value == NULL)
		return hull_fail(err, ENOMEM, "%s", field);
	return 0;
}

/* Fails on a key of obj that is not in known (NULL-terminated). */
static int known_keys(json_t *obj, const char *field, const char *const *known, hull_error_t *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;

		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL)
			return hull_fail(err, 0, "%s.%s: hull does not know this field", field,
			                 key);
	}
	return 0;
}

/* obj.key as a whole number in [min, max]; *set is 0 when absent or null. */
static int number(json_t *obj, const char *field, const char *key, long long min, long long max,
                  long long *out, int *set, hull_error_t *err)
{
	json_t *v = json_object_get(obj, key);

	*set = 0;
	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return hull_fail(err, 0, "%s.%s: expected a whole number from %lld to %lld", field,
		                 key, min, max);
	*out = json_integer_value(v);
	*set = 1;
	return 0;
}

static int boolean(json_t *obj, const char *field, const char *key, int *out, hull_error_t *err)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return hull_fail(err, 0, "%s.%s: expected true or false", field, key);
	*out = json_is_true(v);
	return 0;
}

/* A field cgroup v2 has no file for: refused unless it asks for nothing (0). */
static int refuse_nonzero(json_t *obj, const char *field, const char *key, const char *why,
                          hull_error_t *err)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v) || (json_is_integer(v) && json_integer_value(v) == 0))
		return 0;
	return hull_fail(err, 0, "%s.%s: %s", field, key, why);
}

#define LN2 0.69314718055994530942
#define LN10 2.30258509299404568402

/* ln and exp without libm (the agent is static and links none). */
static double ln_(double x)
{
	double z, z2, term, sum = 0;
	int k = 0;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	while (x < 1) {
		x *= 2;
		k--;
	}
	z = (x - 1) / (x + 1);
	z2 = z * z;
	term = z;
	for (int i = 1; i < 80; i += 2) {
		sum += term / i;
		term *= z2;
	}
	return 2 * sum + k * LN2;
}

static double exp_(double y)
{
	int k = (int)(y / LN2);
	double r = y - k * LN2, term = 1, sum = 1;

	for (int i = 1; i < 40; i++) {
		term *= r / i;
		sum += term;
	}
	for (; k > 0; k--)
		sum *= 2;
	for (; k < 0; k++)
		sum /= 2;
	return sum;
}

/*
 * cpu.shares [2, 262144] to cpu.weight [1, 10000], runc's current curve:
 * 10^((l^2 + 125 l) / 612 - 7/34), l = log2(shares), rounded up, which
 * keeps the defaults (1024 -> 100) and the ends.
 */
unsigned long long cgroup_cpu_weight(unsigned long long shares)
{
	double l, x;
	unsigned long long w;

	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = ln_((double)shares) / LN2;
	x = exp_(((l * l + 125 * l) / 612.0 - 7.0 / 34.0) * LN10);
	w = (unsigned long long)x;
	/* Up, but not for the rounding noise of an exact power (1024 -> 100). */
	if (x - (double)w > 1e-9 * x)
		w++;
	return w;
}

/* blkio.weight [10, 1000] to io.weight [1, 10000], as runc. */
static unsigned long long io_weight(unsigned long long w)
{
	return 1 + (w - 10) * 9999 / 990;
}

static int plan_memory(struct cgroup_plan *p, json_t *m, hull_error_t *err)
{
	static const char *const known[] = {"limit",
	                                    "reservation",
	                                    "swap",
	                                    "kernel",
	                                    "kernelTCP",
	                                    "swappiness",
	                                    "disableOOMKiller",
	                                    "useHierarchy",
	                                    "checkBeforeUpdate",
	                                    NULL};
	const char *f = RES ".memory";
	long long limit, reservation, swap;
	int has_limit, has_res, has_swap, flag;

	if (!json_is_object(m))
		return hull_fail(err, 0, "%s: expected an object", f);
	if (known_keys(m, f, known, err) < 0 ||
	    number(m, f, "limit", -1, INT64_MAX, &limit, &has_limit, err) < 0 ||
	    number(m, f, "reservation", -1, INT64_MAX, &reservation, &has_res, err) < 0 ||
	    number(m, f, "swap", -1, INT64_MAX, &swap, &has_swap, err) < 0)
		return -1;
	if (refuse_nonzero(m, f, "kernel", "cgroup v2 has no kernel memory limit", err) < 0 ||
	    refuse_nonzero(m, f, "kernelTCP", "cgroup v2 has no kernel TCP memory limit", err) < 0)
		return -1;
	if (json_object_get(m, "swappiness") && !json_is_null(json_object_get(m, "swappiness")))
		return hull_fail(err, 0, "%s.swappiness: cgroup v2 has no per-cgroup swappiness",
		                 f);
	if (boolean(m, f, "disableOOMKiller", &flag, err) < 0)
		return -1;
	if (flag)
		return hull_fail(err, 0,
		                 "%s.disableOOMKiller: cgroup v2 cannot disable the OOM killer", f);
	if (json_is_false(json_object_get(m, "useHierarchy")))
		return hull_fail(err, 0, "%s.useHierarchy: cgroup v2 is always hierarchical", f);
	if (boolean(m, f, "useHierarchy", &flag, err) < 0 ||
	    boolean(m, f, "checkBeforeUpdate", &flag, err) < 0)
		return -1;
	/* 0 means "not set", as in runc (memory.max 0 would kill everything). */
	if (limit == -1 && add_write(p, RES ".memory.limit", "memory.max", err, "max") < 0)
		return -1;
	if (limit > 0 && add_write(p, RES ".memory.limit", "memory.max", err, "%lld", limit) < 0)
		return -1;
	if (reservation == -1 &&
	    add_write(p, RES ".memory.reservation", "memory.low", err, "max") < 0)
		return -1;
	if (reservation > 0 &&
	    add_write(p, RES ".memory.reservation", "memory.low", err, "%lld", reservation) < 0)
		return -1;
	/* swap is memory+swap (cgroup v1); memory.swap.max is swap alone. */
	if (swap == -1 || (limit == -1 && swap == 0))
		return add_write(p, RES ".memory.swap", "memory.swap.max", err, "max");
	if (swap == 0)
		return 0;
	if (limit <= 0)
		return hull_fail(err, 0, "%s.swap: a swap limit needs a memory limit", f);
	if (swap < limit)
		return hull_fail(err, 0,
		                 "%s.swap: %lld is below memory.limit %lld (swap counts both)", f,
		                 swap, limit);
	return add_write(p, RES ".memory.swap", "memory.swap.max", err, "%lld", swap - limit);
}

static int plan_cpuset(struct cgroup_plan *p, json_t *c, const char *key, hull_error_t *err)
{
	json_t *v = json_object_get(c, key);
	char field[64], file[32];

	snprintf(field, sizeof(field), RES ".cpu.%s", key);
	snprintf(file, sizeof(file), "cpuset.%s", key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return hull_fail(err, 0, "%s: expected a string", field);
	if (json_string_length(v) == 0)
		return 0;
	if (strchr(json_string_value(v), '\n'))
		return hull_fail(err, 0, "%s: a list like \"0-3,5\" expected", field);
	return add_write(p, field, file, err, "%s", json_string_value(v));
}

static int plan_cpu(struct cgroup_plan *p, json_t *c, hull_error_t *err)
{
	static const char *const known[] = {
	    "shares",         "quota", "burst", "period", "realtimeRuntime",
	    "realtimePeriod", "cpus",  "mems",  "idle",   NULL};
	const char *f = RES ".cpu";
	long long shares, quota, period, burst, idle;
	int has_shares, has_quota, has_period, has_burst, has_idle;
	char max[64];

	if (!json_is_object(c))
		return hull_fail(err, 0, "%s: expected an object", f);
	if (known_keys(c, f, known, err) < 0 ||
	    number(c, f, "shares", 0, INT64_MAX, &shares, &has_shares, err) < 0 ||
	    number(c, f, "quota", -1, INT64_MAX, &quota, &has_quota, err) < 0 ||
	    number(c, f, "period", 0, INT64_MAX, &period, &has_period, err) < 0 ||
	    number(c, f, "burst", 0, INT64_MAX, &burst, &has_burst, err) < 0 ||
	    number(c, f, "idle", 0, 1, &idle, &has_idle, err) < 0)
		return -1;
	if (refuse_nonzero(c, f, "realtimeRuntime", "cgroup v2 has no real-time group scheduling",
	                   err) < 0 ||
	    refuse_nonzero(c, f, "realtimePeriod", "cgroup v2 has no real-time group scheduling",
	                   err) < 0)
		return -1;
	/* cpuset first: the kernel checks the rest against the CPUs it leaves. */
	if (plan_cpuset(p, c, "cpus", err) < 0 || plan_cpuset(p, c, "mems", err) < 0)
		return -1;
	if (shares > 0 && add_write(p, RES ".cpu.shares", "cpu.weight", err, "%llu",
	                            cgroup_cpu_weight((unsigned long long)shares)) < 0)
		return -1;
	/* runc's cpu.max: quota 0 is unset, -1 is max; the period only when given. */
	if (quota != 0 || period != 0) {
		if (quota > 0)
			snprintf(max, sizeof(max), "%lld", quota);
		else
			snprintf(max, sizeof(max), "max");
		if (period > 0)
			snprintf(max + strlen(max), sizeof(max) - strlen(max), " %lld", period);
		if (add_write(p, quota != 0 ? RES ".cpu.quota" : RES ".cpu.period", "cpu.max", err,
		              "%s", max) < 0)
			return -1;
	}
	if (has_burst && add_write(p, RES ".cpu.burst", "cpu.max.burst", err, "%lld", burst) < 0)
		return -1;
	if (has_idle && add_write(p, RES ".cpu.idle", "cpu.idle", err, "%lld", idle) < 0)
		return -1;
	return 0;
}

static int plan_pids(struct cgroup_plan *p, json_t *o, hull_error_t *err)
{
	static const char *const known[] = {"limit", NULL};
	long long limit;
	int set;

	if (!json_is_object(o))
		return hull_fail(err, 0, RES ".pids: expected an object");
	if (known_keys(o, RES ".pids", known, err) < 0 ||
	    number(o, RES ".pids", "limit", INT64_MIN, INT64_MAX, &limit, &set, err) < 0)
		return -1;
	if (!set)
		return hull_fail(err, 0, RES ".pids.limit: required");
	/* 0 and below: no limit (runtime-spec). */
	if (limit <= 0)
		return add_write(p, RES ".pids.limit", "pids.max", err, "max");
	return add_write(p, RES ".pids.limit", "pids.max", err, "%lld", limit);
}

/* One {major, minor, ...} of blockIO's device lists. */
static int block_device(json_t *d, const char *field, long long *major, long long *minor,
                        hull_error_t *err)
{
	int set_major, set_minor;

	if (!json_is_object(d))
		return hull_fail(err, 0, "%s: expected an object", field);
	if (number(d, field, "major", 0, UINT32_MAX, major, &set_major, err) < 0 ||
	    number(d, field, "minor", 0, UINT32_MAX, minor, &set_minor, err) < 0)
		return -1;
	if (!set_major || !set_minor)
		return hull_fail(err, 0, "%s: major and minor are required", field);
	return 0;
}

static int plan_throttle(struct cgroup_plan *p, json_t *io, const char *key, const char *limit,
                         hull_error_t *err)
{
	static const char *const known[] = {"major", "minor", "rate", NULL};
	json_t *list = json_object_get(io, key), *d;
	char field[96];
	long long major, minor, rate;
	size_t i;
	int set;

	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return hull_fail(err, 0, RES ".blockIO.%s: expected an array", key);
	json_array_foreach(list, i, d)
	{
		snprintf(field, sizeof(field), RES ".blockIO.%s[%zu]", key, i);
		if (block_device(d, field, &major, &minor, err) < 0 ||
		    known_keys(d, field, known, err) < 0 ||
		    number(d, field, "rate", 0, INT64_MAX, &rate, &set, err) < 0)
			return -1;
		/* 0 lifts the limit, as in cgroup v1. */
		if (rate == 0 &&
		    add_write(p, field, "io.max", err, "%lld:%lld %s=max", major, minor, limit) < 0)
			return -1;
		if (rate > 0 && add_write(p, field, "io.max", err, "%lld:%lld %s=%lld", major,
		                          minor, limit, rate) < 0)
			return -1;
	}
	return 0;
}

static int plan_block_io(struct cgroup_plan *p, json_t *io, hull_error_t *err)
{
	static const char *const known[] = {"weight",
	                                    "leafWeight",
	                                    "weightDevice",
	                                    "throttleReadBpsDevice",
	                                    "throttleWriteBpsDevice",
	                                    "throttleReadIOPSDevice",
	                                    "throttleWriteIOPSDevice",
	                                    NULL};
	static const char *const known_dev[] = {"major", "minor", "weight", "leafWeight", NULL};
	const char *f = RES ".blockIO";
	const char *leaf = "cgroup v2 has no leaf weight";
	json_t *list, *d;
	long long weight, major, minor;
	char field[96];
	size_t i;
	int set;

	if (!json_is_object(io))
		return hull_fail(err, 0, "%s: expected an object", f);
	if (known_keys(io, f, known, err) < 0 ||
	    number(io, f, "weight", 0, 1000, &weight, &set, err) < 0 ||
	    refuse_nonzero(io, f, "leafWeight", leaf, err) < 0)
		return -1;
	if (weight > 0 && weight < 10)
		return hull_fail(err, 0, "%s.weight: expected 10 to 1000", f);
	if (weight > 0 && add_write(p, RES ".blockIO.weight", "io.weight", err, "default %llu",
	                            io_weight((unsigned long long)weight)) < 0)
		return -1;
	list = json_object_get(io, "weightDevice");
	if (list && !json_is_null(list) && !json_is_array(list))
		return hull_fail(err, 0, "%s.weightDevice: expected an array", f);
	json_array_foreach(list, i, d)
	{
		snprintf(field, sizeof(field), "%s.weightDevice[%zu]", f, i);
		if (block_device(d, field, &major, &minor, err) < 0 ||
		    known_keys(d, field, known_dev, err) < 0 ||
		    refuse_nonzero(d, field, "leafWeight", leaf, err) < 0 ||
		    number(d, field, "weight", 10, 1000, &weight, &set, err) < 0)
			return -1;
		if (set && add_write(p, field, "io.weight", err, "%lld:%lld %llu", major, minor,
		                     io_weight((unsigned long long)weight)) < 0)
			return -1;
	}
	if (plan_throttle(p, io, "throttleReadBpsDevice", "rbps", err) < 0 ||
	    plan_throttle(p, io, "throttleWriteBpsDevice", "wbps", err) < 0 ||
	    plan_throttle(p, io, "throttleReadIOPSDevice", "riops", err) < 0 ||
	    plan_throttle(p, io, "throttleWriteIOPSDevice", "wiops", err) < 0)
		return -1;
	return 0;
}

/* "2MB", "1GB", "64KB": what hugetlb.<size>.max is named after. */
static int page_size_ok(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	return digits > 0 && digits < 12 && strchr("KMG", s[digits]) && s[digits] != '\0' &&
	       strcmp(s + digits + 1, "B") == 0;
}

static int plan_hugepages(struct cgroup_plan *p, json_t *list, hull_error_t *err)
{
	static const char *const known[] = {"pageSize", "limit", NULL};
	char field[96], file[64];
	long long limit;
	json_t *h;
	size_t i;
	int set;

	if (!json_is_array(list))
		return hull_fail(err, 0, RES ".hugepageLimits: expected an array");
	json_array_foreach(list, i, h)
	{
		const char *size = json_string_value(json_object_get(h, "pageSize"));

		snprintf(field, sizeof(field), RES ".hugepageLimits[%zu]", i);
		if (!json_is_object(h))
			return hull_fail(err, 0, "%s: expected an object", field);
		if (known_keys(h, field, known, err) < 0 ||
		    number(h, field, "limit", 0, INT64_MAX, &limit, &set, err) < 0)
			return -1;
		if (size == NULL || !page_size_ok(size))
			return hull_fail(err, 0, "%s.pageSize: expected a size like \"2MB\"",
			                 field);
		if (!set)
			return hull_fail(err, 0, "%s.limit: required", field);
		snprintf(file, sizeof(file), "hugetlb.%s.max", size);
		if (add_write(p, field, file, err, "%lld", limit) < 0)
			return -1;
	}
	return 0;
}

static int plan_rdma(struct cgroup_plan *p, json_t *rdma, hull_error_t *err)
{
	static const char *const known[] = {"hcaHandles", "hcaObjects", NULL};
	const char *dev;
	char field[160], handles[32], objects[32];
	long long n;
	json_t *v;
	int set;

	if (!json_is_object(rdma))
		return hull_fail(err, 0, RES ".rdma: expected an object");
	json_object_foreach(rdma, dev, v)
	{
		snprintf(field, sizeof(field), RES ".rdma[\"%.64s\"]", dev);
		if (*dev == '\0' || strpbrk(dev, " \n=") != NULL)
			return hull_fail(err, 0, "%s: not a device name", field);
		if (!json_is_object(v))
			return hull_fail(err, 0, "%s: expected an object", field);
		if (known_keys(v, field, known, err) < 0 ||
		    number(v, field, "hcaHandles", 0, UINT32_MAX, &n, &set, err) < 0)
			return -1;
		snprintf(handles, sizeof(handles), set ? "%lld" : "max", n);
		if (number(v, field, "hcaObjects", 0, UINT32_MAX, &n, &set, err) < 0)
			return -1;
		snprintf(objects, sizeof(objects), set ? "%lld" : "max", n);
		if (add_write(p, field, "rdma.max", err, "%s hca_handle=%s hca_object=%s", dev,
		              handles, objects) < 0)
			return -1;
	}
	return 0;
}

/* unified: written as given; the key must name a plain file of the cgroup. */
static int plan_unified(struct cgroup_plan *p, json_t *u, hull_error_t *err)
{
	static const char *const not_limits[] = {"cgroup.procs",  "cgroup.threads",
	                                         "cgroup.kill",   "cgroup.subtree_control",
	                                         "cgroup.events", NULL};
	const char *key;
	char field[160];
	json_t *v;

	if (!json_is_object(u))
		return hull_fail(err, 0, RES ".unified: expected an object");
	json_object_foreach(u, key, v)
	{
		snprintf(field, sizeof(field), RES ".unified[\"%.100s\"]", key);
		if (*key == '\0' || strchr(key, '/') || strcmp(key, ".") == 0 ||
		    strcmp(key, "..") == 0 || strchr(key, '.') == NULL || key[0] == '.')
			return hull_fail(err, 0, "%s: not the name of a cgroup file", field);
		for (size_t i = 0; not_limits[i]; i++)
			if (strcmp(key, not_limits[i]) == 0)
				return hull_fail(err, 0, "%s: not a limit hull lets a config set",
				                 field);
		if (!json_is_string(v))
			return hull_fail(err, 0, "%s: expected a string", field);
		if (add_write(p, field, key, err, "%s", json_string_value(v)) < 0)
			return -1;
	}
	return 0;
}

static int plan_network(json_t *n, hull_error_t *err)
{
	if (!json_is_object(n))
		return hull_fail(err, 0, RES ".network: expected an object");
	if (json_object_size(n) > 0)
		return hull_fail(err, 0,
		                 RES ".network: cgroup v2 has no net_cls or net_prio controller");
	return 0;
}

int cgroup_plan_parse(json_t *resources, struct cgroup_plan **out, hull_error_t *err)
{
	static const char *const known[] = {"memory",         "cpu",     "pids", "blockIO",
	                                    "hugepageLimits", "network", "rdma", "unified",
	                                    "devices",        NULL};
	__attribute__((cleanup(plan_freep))) struct cgroup_plan *p = calloc(1, sizeof(*p));
	json_t *v;

	if (p == NULL)
		return hull_fail(err, ENOMEM, RES);
	if (resources != NULL && !json_is_null(resources)) {
		if (!json_is_object(resources))
			return hull_fail(err, 0, RES ": expected an object");
		if (known_keys(resources, RES, known, err) < 0)
			return -1;
		/* In a fixed order: cpuset before cpu, unified (the overrides) last. */
		if (((v = json_object_get(resources, "cpu")) && !json_is_null(v) &&
		     plan_cpu(p, v, err) < 0) ||
		    ((v = json_object_get(resources, "memory")) && !json_is_null(v) &&
		     plan_memory(p, v, err) < 0) ||
		    ((v = json_object_get(resources, "pids")) && !json_is_null(v) &&
		     plan_pids(p, v, err) < 0) ||
		    ((v = json_object_get(resources, "blockIO")) && !json_is_null(v) &&
		     plan_block_io(p, v, err) < 0) ||
		    ((v = json_object_get(resources, "hugepageLimits")) && !json_is_null(v) &&
		     plan_hugepages(p, v, err) < 0) ||
		    ((v = json_object_get(resources, "rdma")) && !json_is_null(v) &&
		     plan_rdma(p, v, err) < 0) ||
		    ((v = json_object_get(resources, "network")) && !json_is_null(v) &&
		     plan_network(v, err) < 0) ||
		    ((v = json_object_get(resources, "unified")) && !json_is_null(v) &&
		     plan_unified(p, v, err) < 0))
			return -1;
		v = json_object_get(resources, "devices");
		if (v && !json_is_null(v)) {
			if (cgroup_devices_parse(v, &p->rules, &p->n_rules, err) < 0)
				return -1;
			p->has_devices = 1;
		}
	}
	*out = steal_pointer(&p);
	return 0;
}

/* Writes value to dir/file in one write(2), as cgroup files want. */
static int write_file(const char *dir, const char *file, const char *value)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	if (asprintf(&path, "%s/%s", dir, file) < 0) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int cgroup_read_text(const char *dir, const char *file, char *buf, size_t size)
{
	char path[4096];
	cleanup_close int fd = -1;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Whether the space-separated list holds word. */
static int has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *s = list; (s = strstr(s, word)) != NULL; s += len)
		if ((s == list || s[-1] == ' ') && (s[len] == ' ' || s[len] == '\n' || !s[len]))
			return 1;
	return 0;
}

/* The root of a cgroup2 mount: its parent directory is another file system. */
static int is_mount_root(const char *dir)
{
	cleanup_free char *up = NULL;
	struct statfs st;

	if (asprintf(&up, "%s/..", dir) < 0)
		return 1;
	return statfs(up, &st) < 0 || st.f_type != CGROUP2_SUPER_MAGIC;
}

/* Makes controller ctl available to dir's children, enabling it above first if needed. */
static int enable_controller(const char *dir, const char *ctl, const char *field, hull_error_t *err)
{
	char list[1024], op[64];

	if (cgroup_read_text(dir, "cgroup.subtree_control", list, sizeof(list)) < 0)
		return hull_fail(err, errno, "%s: read %s/cgroup.subtree_control", field, dir);
	if (has_word(list, ctl))
		return 0;
	if (cgroup_read_text(dir, "cgroup.controllers", list, sizeof(list)) < 0)
		return hull_fail(err, errno, "%s: read %s/cgroup.controllers", field, dir);
	if (!has_word(list, ctl)) {
		cleanup_free char *up = NULL;

		if (is_mount_root(dir))
			return hull_fail(err, 0,
			                 "%s: the kernel offers no %s controller on cgroup v2 (%s)",
			                 field, ctl, dir);
		up = strdup(dir);
		if (up == NULL)
			return hull_fail(err, ENOMEM, "%s", field);
		if (strrchr(up, '/') == NULL || strrchr(up, '/') == up)
			return hull_fail(err, 0, "%s: no %s controller above %s", field, ctl, dir);
		*strrchr(up, '/') = '\0';
		if (enable_controller(up, ctl, field, err) < 0)
			return -1;
	}
	snprintf(op, sizeof(op), "+%s", ctl);
	if (write_file(dir, "cgroup.subtree_control", op) < 0)
		return hull_fail(err, errno, "%s: enable the %s controller in %s", field, ctl, dir);
	return 0;
}

/* The controller a cgroup file belongs to ("memory" for memory.max), or NULL for cgroup.*. */
static int controller_of(const char *file, char *ctl, size_t size)
{
	size_t len = strcspn(file, ".");

	if (len >= size || strncmp(file, "cgroup", len) == 0)
		return 0;
	memcpy(ctl, file, len);
	ctl[len] = '\0';
	return 1;
}

static int apply(const char *path, const struct cgroup_plan *p, hull_error_t *err)
{
	cleanup_close int dir_fd = -1;

	for (size_t i = 0; i < p->n_writes; i++) {
		const struct cgroup_write *w = &p->writes[i];

		if (write_file(path, w->file, w->value) == 0)
			continue;
		if (errno == ENOENT)
			return hull_fail(err, 0, "%s: this kernel's cgroup has no %s", w->field,
			                 w->file);
		return hull_fail(err, errno, "%s: write \"%s\" to %s", w->field, w->value, w->file);
	}
	if (!p->has_devices)
		return 0;
	dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return hull_fail(err, errno, "open %s", path);
	return cgroup_devices_attach(dir_fd, p->rules, p->n_rules, err);
}

int cgroup_create(const char *parent, const char *name, const struct cgroup_plan *p, char **path,
                  hull_error_t *err)
{
	static const char *const accounting[] = {"memory", "pids"};
	cleanup_free char *full = NULL;
	char ctl[64];

	if (*name == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return hull_fail(err, 0, "cgroup name \"%s\": not a directory name", name);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return hull_fail(err, errno, "mkdir %s", parent);
	for (size_t i = 0; i < p->n_writes; i++)
		if (controller_of(p->writes[i].file, ctl, sizeof(ctl)) &&
		    enable_controller(parent, ctl, p->writes[i].field, err) < 0)
			return -1;
	/* Memory and pids counted for every container (events --stats), where the kernel can. */
	for (size_t i = 0; i < sizeof(accounting) / sizeof(accounting[0]); i++) {
		cleanup_error hull_error_t ignored = NULL;

		enable_controller(parent, accounting[i], "stats", &ignored);
	}
	if (asprintf(&full, "%s/%s", parent, name) < 0)
		return hull_fail(err, ENOMEM, "cgroup %s", name);
	if (mkdir(full, 0755) < 0)
		return hull_fail(err, errno, "mkdir %s", full);
	if (apply(full, p, err) < 0) {
		rmdir(full);
		return -1;
	}
	*path = steal_pointer(&full);
	return 0;
}

int cgroup_attach(const char *path, pid_t pid, hull_error_t *err)
{
	char value[32];

	snprintf(value, sizeof(value), "%d", (int)pid);
	if (write_file(path, "cgroup.procs", value) < 0)
		return hull_fail(err, errno, "move %d into %s", (int)pid, path);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define EMPTY_TIMEOUT_MS 10000
#define FREEZE_TIMEOUT_MS 10000

/*
 * Waits until cgroup.events holds the line want ("populated 0", "frozen 1"):
 * the kernel notifies changes with POLLPRI.
 */
static int wait_event(const char *path, const char *want, int timeout_ms, hull_error_t *err)
{
	cleanup_free char *events = NULL;
	cleanup_close int fd = -1;
	long long deadline = now_ms() + timeout_ms;
	char buf[256];

	if (asprintf(&events, "%s/cgroup.events", path) < 0)
		return hull_fail(err, ENOMEM, "%s", path);
	fd = open(events, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_fail(err, errno, "open %s", events);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLPRI};
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long long left = deadline - now_ms();

		if (n < 0)
			return hull_fail(err, errno, "read %s", events);
		buf[n] = '\0';
		if (strstr(buf, want))
			return 0;
		if (left <= 0)
			return hull_fail(err, ETIMEDOUT, "%s: no \"%s\" after %d s", events, want,
			                 timeout_ms / 1000);
		/* A short cap too: a missed notification costs 100 ms, not the timeout. */
		if (poll(&pfd, 1, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
			return hull_fail(err, errno, "poll %s", events);
	}
}

/* rmdir, children first (the container may have made cgroups of its own). */
static int remove_tree(const char *path, hull_error_t *err)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : hull_fail(err, errno, "open %s", path);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		cleanup_free char *sub = NULL;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0)
			rc = hull_fail(err, ENOMEM, "%s", path);
		else
			rc = remove_tree(sub, err);
	}
	closedir(d);
	if (rc < 0)
		return -1;
	/* The last task's exit may still be leaving the cgroup: EBUSY for a moment. */
	for (int tries = 0; rmdir(path) < 0; tries++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || tries == 100)
			return hull_fail(err, errno, "rmdir %s", path);
		usleep(10000);
	}
	return 0;
}

int cgroup_destroy(const char *path, hull_error_t *err)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (write_file(path, "cgroup.kill", "1") < 0)
		return hull_fail(err, errno, "%s: cgroup.kill (Linux 5.14 or later)", path);
	/* cgroup.kill done, the processes are still leaving. */
	if (wait_event(path, "populated 0", EMPTY_TIMEOUT_MS, err) < 0)
		return -1;
	return remove_tree(path, err);
}

int cgroup_freeze(const char *path, bool frozen, hull_error_t *err)
{
	const char *want = frozen ? "frozen 1" : "frozen 0";

	if (write_file(path, "cgroup.freeze", frozen ? "1" : "0") < 0)
		return hull_fail(err, errno, "%s: write cgroup.freeze (Linux 5.2 or later)", path);
	/* Frozen only once every task has stopped: the kernel says so in cgroup.events. */
	return wait_event(path, want, FREEZE_TIMEOUT_MS, err);
}

int cgroup_frozen(const char *path)
{
	char buf[16];

	if (cgroup_read_text(path, "cgroup.freeze", buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == '1';
}

/* Appends the pids of path's cgroup.procs, and of its descendants', to *pids. */
static int collect_pids(const char *path, pid_t **pids, size_t *n, size_t *cap, hull_error_t *err)
{
	cleanup_free char *procs = NULL;
	FILE *f;
	DIR *d;
	struct dirent *e;
	long pid;
	int rc = 0;

	if (asprintf(&procs, "%s/cgroup.procs", path) < 0)
		return hull_fail(err, ENOMEM, "%s", path);
	f = fopen(procs, "re");
	if (f == NULL)
		return hull_fail(err, errno, "open %s", procs);
	while (rc == 0 && fscanf(f, "%ld", &pid) == 1) {
		if (*n == *cap) {
			size_t more = *cap ? *cap * 2 : 64;
			pid_t *grown = realloc(*pids, more * sizeof(**pids));

			if (grown == NULL) {
				rc = hull_fail(err, ENOMEM, "%s", procs);
				break;
			}
			*pids = grown;
			*cap = more;
		}
		(*pids)[(*n)++] = (pid_t)pid;
	}
	fclose(f);
	d = rc == 0 ? opendir(path) : NULL;
	while (d && rc == 0 && (e = readdir(d)) != NULL) {
		cleanup_free char *sub = NULL;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0)
			rc = hull_fail(err, ENOMEM, "%s", path);
		else
			rc = collect_pids(sub, pids, n, cap, err);
	}
	if (d)
		closedir(d);
	return rc;
}

int cgroup_pids(const char *path, pid_t **pids, size_t *n, hull_error_t *err)
{
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (collect_pids(path, pids, n, &cap, err) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int cgroup_signal_all(const char *path, int sig, hull_error_t *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n;
	int was_frozen, rc = 0;

	/* SIGKILL: the kernel's own kill of the whole tree, frozen tasks included. */
	if (sig == SIGKILL) {
		if (write_file(path, "cgroup.kill", "1") < 0)
			return hull_fail(err, errno, "%s: cgroup.kill (Linux 5.14 or later)", path);
		return 0;
	}
	/* Frozen while listed and signalled, so that no process forks past the list. */
	was_frozen = cgroup_frozen(path);
	if (was_frozen < 0)
		return hull_fail(err, errno, "%s: read cgroup.freeze", path);
	if (!was_frozen && cgroup_freeze(path, true, err) < 0)
		return -1;
	if (cgroup_pids(path, &pids, &n, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			rc = hull_fail(err, errno, "signal %d to process %d", sig, (int)pids[i]);
	/* A paused container stays paused (a handled signal waits for resume). */
	if (!was_frozen) {
		cleanup_error hull_error_t thaw_err = NULL;

		if (cgroup_freeze(path, false, rc < 0 ? &thaw_err : err) < 0 && rc == 0)
			rc = -1;
	}
	return rc;
}

int cgroup_update(const char *path, const struct cgroup_plan *p, hull_error_t *err)
{
	cleanup_free char *parent = strdup(path);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	char ctl[64];

	if (slash == NULL || slash == parent)
		return hull_fail(err, parent ? 0 : ENOMEM, "cgroup %s: no parent", path);
	*slash = '\0';
	if (p->has_devices)
		return hull_fail(err, 0,
		                 RES ".devices: hull update does not change devices, as runc's");
	/* A limit the container did not have at create may need a controller enabled above. */
	for (size_t i = 0; i < p->n_writes; i++)
		if (controller_of(p->writes[i].file, ctl, sizeof(ctl)) &&
		    enable_controller(parent, ctl, p->writes[i].field, err) < 0)
			return -1;
	return apply(path, p, err);
}

/* A number of a cgroup file, or "max" as null; NULL when the file is not there. */
static json_t *stat_value(const char *text)
{
	char *end;
	long long v;

	if (strncmp(text, "max", 3) == 0)
		return json_null();
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text)
		return NULL;
	return json_integer(v);
}

static void stat_file(json_t *section, const char *path, const char *file, const char *name)
{
	char buf[64];

	if (cgroup_read_text(path, file, buf, sizeof(buf)) == 0)
		json_object_set_new(section, name, stat_value(buf));
}

/* "key value" lines (cpu.stat, memory.events): the keys asked for. */
static void stat_keyed(json_t *section, const char *path, const char *file, const char *const *keys)
{
	char buf[4096];

	if (cgroup_read_text(path, file, buf, sizeof(buf)) < 0)
		return;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *value = strchr(line, ' ');

		if (value == NULL)
			continue;
		*value++ = '\0';
		for (size_t i = 0; keys[i]; i++)
			if (strcmp(line, keys[i]) == 0)
				json_object_set_new(section, keys[i], stat_value(value));
	}
}

json_t *cgroup_stats(const char *path)
{
	static const char *const cpu_keys[] = {"usage_usec",   "user_usec",      "system_usec",
	                                       "nr_throttled", "throttled_usec", NULL};
	static const char *const oom_keys[] = {"oom", "oom_kill", NULL};
	cleanup_json json_t *stats = NULL;
	json_t *memory = json_object(), *pids = json_object(), *cpu = json_object();

	stats = json_object();
	if (access(path, F_OK) < 0 || stats == NULL || memory == NULL || pids == NULL ||
	    cpu == NULL) {
		json_decref(memory);
		json_decref(pids);
		json_decref(cpu);
		return NULL;
	}
	stat_file(memory, path, "memory.current", "current");
	stat_file(memory, path, "memory.max", "max");
	stat_file(memory, path, "memory.swap.current", "swap_current");
	stat_keyed(memory, path, "memory.events", oom_keys);
	stat_file(pids, path, "pids.current", "current");
	stat_file(pids, path, "pids.max", "max");
	stat_keyed(cpu, path, "cpu.stat", cpu_keys);
	json_object_set_new(stats, "memory", memory);
	json_object_set_new(stats, "pids", pids);
	json_object_set_new(stats, "cpu", cpu);
	return steal_pointer(&stats);
}
