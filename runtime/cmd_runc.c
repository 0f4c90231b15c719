/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runc's pause, resume, ps, update and events: each asks the
 * container's monitor, which asks the agent in the guest to act on the
 * container's cgroup there.  Flags, JSON and error words are runc's.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "persist/store.h"
#include "runtime/commands.h"
#include "runtime/container.h"
#include "runtime/host_cgroup.h"

/*
 * Loads id's state into st (initialised; the caller frees it, loaded or
 * not); *root is the state root (malloc'd).  A command that then asks the
 * monitor passes st on (container_ask): the state is read once.
 */
static int load_state(struct hull_globals *g, const char *id, char **root,
                      struct hull_sandbox_state *st, hull_error_t *err)
{
	if (container_state_root(g, root, err) < 0)
		return -1;
	return container_load(*root, id, st, err);
}

int cmd_container_status(struct hull_globals *g, const char *id, char **root, const char **status,
                         hull_error_t *err)
{
	cleanup_state struct hull_sandbox_state st = {0};

	if (load_state(g, id, root, &st, err) < 0)
		return -1;
	/* container_status() names static strings: they outlive st. */
	*status = container_status(&st);
	return 0;
}

/*
 * Options of a command (NULL-terminated; none but --help for NULL) and
 * its ID, the first positional argument; *rest is the index after it.
 * The handler fills the option's value for each option it is given.
 */
static int parse_args(int argc, char **argv, const char *usage, const struct option *options,
                      const char *short_opts, int (*handle)(int c, void *data, hull_error_t *err),
                      void *data, const char **id, int *rest, hull_error_t *err)
{
	static const struct option help_only[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, short_opts ? short_opts : "+h",
	                        options ? options : help_only, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: hull %s %s\n", argv[0], usage);
			exit(0);
		}
		if (c == '?' || c == ':' || handle == NULL)
			return hull_fail(err, 0, "usage: hull %s %s", argv[0], usage);
		if (handle(c, data, err) < 0)
			return -1;
	}
	if (optind >= argc || (rest == NULL && optind + 1 != argc))
		return hull_fail(err, 0, "usage: hull %s %s", argv[0], usage);
	*id = argv[optind];
	if (rest)
		*rest = optind + 1;
	return 0;
}

/* The ID alone; *root and st as load_state() gives them, *status container_status(st). */
static int id_and_state(struct hull_globals *g, int argc, char **argv, const char *usage,
                        const char **id, char **root, struct hull_sandbox_state *st,
                        const char **status, hull_error_t *err)
{
	if (parse_args(argc, argv, usage, NULL, NULL, NULL, NULL, id, NULL, err) < 0 ||
	    load_state(g, *id, root, st, err) < 0)
		return -1;
	*status = container_status(st);
	return 0;
}

/* A request that is its op alone. */
static int simple_request(const char *root, const struct hull_sandbox_state *st, const char *op,
                          hull_error_t *err)
{
	cleanup_json json_t *req = json_pack("{s:s}", "op", op);

	return req ? container_ask(root, st, req, NULL, err) : hull_fail(err, ENOMEM, "%s", op);
}

int cmd_pause(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	const char *id, *status;

	if (id_and_state(g, argc, argv, "ID", &id, &root, &st, &status, err) < 0)
		return -1;
	/* runc pauses a created or running container, and says this of any other. */
	if (strcmp(status, "created") != 0 && strcmp(status, "running") != 0)
		return hull_fail(err, 0, "container not running: %s is %s", id, status);
	return simple_request(root, &st, "pause", err);
}

int cmd_resume(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	const char *id, *status;

	if (id_and_state(g, argc, argv, "ID", &id, &root, &st, &status, err) < 0)
		return -1;
	if (strcmp(status, "paused") != 0)
		return hull_fail(err, 0, "container not paused: %s is %s", id, status);
	return simple_request(root, &st, "resume", err);
}

/* A container whose processes can be asked about: created, running or paused. */
static int need_live(const char *id, const char *status, hull_error_t *err)
{
	if (strcmp(status, "stopped") == 0 || strcmp(status, "creating") == 0)
		return hull_fail(err, 0, "container not running: %s is %s", id, status);
	return 0;
}

static int ps_format(int c, void *data, hull_error_t *err)
{
	bool *as_json = data;

	if (c == 'f' && strcmp(optarg, "json") == 0)
		*as_json = true;
	else if (c == 'f' && strcmp(optarg, "table") == 0)
		*as_json = false;
	else
		return hull_fail(err, 0, "--format: \"%s\" is not table or json", optarg);
	return 0;
}

/* CPU seconds as ps shows them: [DD-]HH:MM:SS. */
static void format_cpu_time(long long secs, char *buf, size_t size)
{
	if (secs < 0)
		snprintf(buf, size, "?");
	else if (secs >= 86400)
		snprintf(buf, size, "%lld-%02lld:%02lld:%02lld", secs / 86400, secs / 3600 % 24,
		         secs / 60 % 60, secs % 60);
	else
		snprintf(buf, size, "%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
}

static void print_process_table(json_t *rows)
{
	size_t i;
	json_t *row;

	printf("%-7s %-7s %-10s %-10s %s\n", "PID", "PPID", "USER", "TIME", "COMMAND");
	json_array_foreach(rows, i, row)
	{
		const char *user = json_string_value(json_object_get(row, "user"));
		char uid[24], time[32];

		snprintf(uid, sizeof(uid), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(json_object_get(row, "uid")));
		format_cpu_time(json_integer_value(json_object_get(row, "time")), time,
		                sizeof(time));
		printf("%-7" JSON_INTEGER_FORMAT " %-7" JSON_INTEGER_FORMAT " %-10s %-10s %s\n",
		       json_integer_value(json_object_get(row, "pid")),
		       json_integer_value(json_object_get(row, "ppid")), user ? user : uid, time,
		       json_string_value(json_object_get(row, "command")));
	}
}

int cmd_ps(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char usage[] = "[--format table|json] ID [PS_ARGS...]";
	cleanup_free char *root = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	cleanup_json json_t *req = NULL, *reply = NULL;
	cleanup_free char *text = NULL;
	const char *id;
	bool as_json = false;
	int rest;

	if (parse_args(argc, argv, usage, options, "+f:h", ps_format, &as_json, &id, &rest, err) <
	        0 ||
	    load_state(g, id, &root, &st, err) < 0 || need_live(id, container_status(&st), err) < 0)
		return -1;
	/* runc hands PS_ARGS to the host's ps; the guest's processes have no such ps. */
	if (rest < argc)
		return hull_fail(err, 0,
		                 "ps: PS_ARGS (\"%s\") are not supported: hull lists the guest's "
		                 "processes itself",
		                 argv[rest]);
	req = json_pack("{s:s, s:b}", "op", "ps", "guest", !as_json);
	if (container_ask(root, &st, req, &reply, err) < 0)
		return -1;
	if (!as_json) {
		print_process_table(json_object_get(reply, "processes"));
		return 0;
	}
	/* runc's: the array of host pids, on one line. */
	text = json_dumps(json_object_get(reply, "pids"), JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL)
		return hull_fail(err, ENOMEM, "ps");
	printf("%s\n", text);
	return 0;
}

/* --- update --- */

int hull_parse_bytes(const char *s, long long *out, hull_error_t *err)
{
	static const char units[] = "kmgtp";
	const char *unit;
	char *end;
	long double v;
	int shift = 0;

	errno = 0;
	v = strtold(s, &end);
	if (end == s || errno || isnan(v))
		goto bad;
	/* runc's units.RAMInBytes: k, m, g, t, p (binary), then an optional b, ib. */
	if (*end && (unit = strchr(units, tolower((unsigned char)*end))) != NULL) {
		shift = 10 * (int)(unit - units + 1);
		end++;
		if (tolower((unsigned char)*end) == 'i')
			end++;
	}
	if (*end && tolower((unsigned char)*end) == 'b')
		end++;
	if (*end)
		goto bad;
	if (v == -1 && shift == 0) {
		*out = -1; /* unlimited */
		return 0;
	}
	v *= (long double)(1ULL << shift);
	if (v < 0 || v > (long double)INT64_MAX)
		return hull_fail(err, 0, "\"%s\" is out of range", s);
	*out = (long long)v;
	return 0;
bad:
	return hull_fail(err, 0, "\"%s\" is not a size (such as 512m, 1g or -1)", s);
}

static int parse_integer(const char *name, const char *s, long long *out, hull_error_t *err)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return hull_fail(err, 0, "--%s: \"%s\" is not a number", name, s);
	return 0;
}

/* Sets obj.section.key (the section made if missing). */
static int set_in(json_t *resources, const char *section, const char *key, json_t *value)
{
	json_t *sec = json_object_get(resources, section);

	if (sec == NULL) {
		sec = json_object();
		if (sec == NULL || json_object_set_new(resources, section, sec) < 0) {
			json_decref(value);
			return -1;
		}
	}
	return json_object_set_new(sec, key, value);
}

enum {
	UPD_MEMORY = 256,
	UPD_MEMORY_RESERVATION,
	UPD_MEMORY_SWAP,
	UPD_CPU_QUOTA,
	UPD_CPU_PERIOD,
	UPD_CPU_SHARE,
	UPD_CPUSET_CPUS,
	UPD_CPUSET_MEMS,
	UPD_PIDS_LIMIT,
	UPD_BLKIO_WEIGHT,
};

static const struct option update_options[] = {
    {"resources", required_argument, NULL, 'r'},
    {"memory", required_argument, NULL, UPD_MEMORY},
    {"memory-reservation", required_argument, NULL, UPD_MEMORY_RESERVATION},
    {"memory-swap", required_argument, NULL, UPD_MEMORY_SWAP},
    {"cpu-quota", required_argument, NULL, UPD_CPU_QUOTA},
    {"cpu-period", required_argument, NULL, UPD_CPU_PERIOD},
    {"cpu-share", required_argument, NULL, UPD_CPU_SHARE},
    {"cpuset-cpus", required_argument, NULL, UPD_CPUSET_CPUS},
    {"cpuset-mems", required_argument, NULL, UPD_CPUSET_MEMS},
    {"pids-limit", required_argument, NULL, UPD_PIDS_LIMIT},
    {"blkio-weight", required_argument, NULL, UPD_BLKIO_WEIGHT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct update_args {
	const char *resources_file; /* -r: NULL none, "-" stdin */
	json_t *flags;              /* linux.resources from the flags */
};

static int update_flag(int c, void *data, hull_error_t *err)
{
	static const struct {
		int opt;
		const char *section, *key;
		bool bytes, string;
	} map[] = {
	    {UPD_MEMORY, "memory", "limit", true, false},
	    {UPD_MEMORY_RESERVATION, "memory", "reservation", true, false},
	    {UPD_MEMORY_SWAP, "memory", "swap", true, false},
	    {UPD_CPU_QUOTA, "cpu", "quota", false, false},
	    {UPD_CPU_PERIOD, "cpu", "period", false, false},
	    {UPD_CPU_SHARE, "cpu", "shares", false, false},
	    {UPD_CPUSET_CPUS, "cpu", "cpus", false, true},
	    {UPD_CPUSET_MEMS, "cpu", "mems", false, true},
	    {UPD_PIDS_LIMIT, "pids", "limit", false, false},
	    {UPD_BLKIO_WEIGHT, "blockIO", "weight", false, false},
	};
	struct update_args *u = data;
	long long v;

	if (c == 'r') {
		u->resources_file = optarg;
		return 0;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *name = NULL;

		if (map[i].opt != c)
			continue;
		for (const struct option *o = update_options; o->name; o++)
			if (o->val == c)
				name = o->name;
		if (map[i].string)
			return set_in(u->flags, map[i].section, map[i].key, json_string(optarg)) < 0
			           ? hull_fail(err, ENOMEM, "--%s", name)
			           : 0;
		if (map[i].bytes ? hull_parse_bytes(optarg, &v, err) < 0
		                 : parse_integer(name, optarg, &v, err) < 0)
			return map[i].bytes ? hull_error_prefix(err, "--%s", name) : -1;
		return set_in(u->flags, map[i].section, map[i].key, json_integer(v)) < 0
		           ? hull_fail(err, ENOMEM, "--%s", name)
		           : 0;
	}
	return hull_fail(err, 0, "update: unknown option");
}

static const char update_usage[] =
    "[--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N] "
    "[--cpu-quota N] [--cpu-period N] [--cpu-share N] [--cpuset-cpus LIST] "
    "[--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] ID";

int hull_update_resources(int argc, char **argv, const char **id, json_t **resources,
                          hull_error_t *err)
{
	struct update_args u = {.flags = json_object()};
	json_error_t jerr;

	*resources = NULL;
	if (u.flags == NULL)
		return hull_fail(err, ENOMEM, "update");
	if (parse_args(argc, argv, update_usage, update_options, "+r:h", update_flag, &u, id, NULL,
	               err) < 0) {
		json_decref(u.flags);
		return -1;
	}
	/* As runc: --resources gives the whole linux.resources object, the flags are ignored. */
	if (u.resources_file == NULL) {
		*resources = u.flags;
		return 0;
	}
	json_decref(u.flags);
	*resources = strcmp(u.resources_file, "-") == 0
	                 ? json_loadf(stdin, 0, &jerr)
	                 : json_load_file(u.resources_file, 0, &jerr);
	if (*resources == NULL)
		return hull_fail(err, 0, "--resources %s: %d:%d: %s", u.resources_file, jerr.line,
		                 jerr.column, jerr.text);
	if (!json_is_object(*resources)) {
		json_decref(steal_pointer(resources));
		return hull_fail(err, 0, "--resources %s: expected a linux.resources object",
		                 u.resources_file);
	}
	return 0;
}

/*
 * The VM was sized at create (runtime/sandbox_config.c); hull does not
 * hot-plug vCPUs or memory (the guest would have to online them: no agent
 * support yet), so new limits must fit in what the VM has.
 */
static int update_fits_vm(const json_t *resources, unsigned vcpus, unsigned memory_mib,
                          hull_error_t *err)
{
	struct host_cgroup_limits l;

	if (host_cgroup_limits_from(resources, &l, err) < 0)
		return -1;
	uint64_t cpus = host_cgroup_limits_cpus(&l);

	if (cpus > 0) {
		if (cpus > vcpus)
			return hull_fail(err, 0,
			                 "update: cpu: a quota of %" PRId64 "/%" PRIu64
			                 " needs %" PRIu64 " CPUs and the VM has %u vCPUs: the "
			                 "VM's vCPUs cannot change (hull does not hot-plug CPUs); "
			                 "recreate the container with the new quota",
			                 l.cpu_quota, l.cpu_period, cpus, vcpus);
	}
	if (l.has_memory && l.memory > 0 && (uint64_t)l.memory > (uint64_t)memory_mib << 20)
		return hull_fail(err, 0,
		                 "update: memory: a limit of %" PRId64 " bytes is more than the "
		                 "VM's %u MiB: the VM's memory cannot change (hull does not "
		                 "hot-plug memory); recreate the container with the new limit",
		                 l.memory, memory_mib);
	return 0;
}

/* The guest's cgroup (through the monitor), then the host cgroup's limits. */
int cmd_update(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	cleanup_json json_t *resources = NULL, *req = NULL;
	const char *id;

	if (hull_update_resources(argc, argv, &id, &resources, err) < 0 ||
	    load_state(g, id, &root, &st, err) < 0 || need_live(id, container_status(&st), err) < 0)
		return -1;
	req = json_pack("{s:s, s:O}", "op", "update", "resources", resources);
	if (req == NULL)
		return hull_fail(err, ENOMEM, "update");
	/* A pod's app container runs in its sandbox's VM, which its state does not describe. */
	if ((!st.sandbox.pod_sandbox &&
	     update_fits_vm(resources, st.hypervisor.vcpus, st.hypervisor.memory_mib, err) < 0) ||
	    container_ask(root, &st, req, NULL, err) < 0)
		return -1;
	if (st.sandbox.cgroup_leaves)
		return host_cgroup_set_limits(st.sandbox.cgroup_leaves, resources, err);
	return 0;
}

/* --- events --stats --- */

/* A cgroup number; "max" (null) is runc's unlimited, here the largest JSON integer. */
static json_int_t stat_number(json_t *section, const char *key)
{
	json_t *v = json_object_get(section, key);

	if (json_is_null(v))
		return INT64_MAX;
	return json_integer_value(v);
}

/* runc's types.Stats (events --stats) from the guest's cgroup numbers. */
json_t *hull_runc_stats(json_t *stats)
{
	json_t *cpu = json_object_get(stats, "cpu"), *mem = json_object_get(stats, "memory");
	json_t *pids = json_object_get(stats, "pids");

	return json_pack(
	    "{s:{s:{s:I, s:I, s:I}, s:{s:I, s:I}}, s:{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, "
	    "s:{s:I, s:I}}, s:{s:I, s:I}, s:{}, s:{}}",
	    "cpu", "usage", "total", stat_number(cpu, "usage_usec") * 1000, "kernel",
	    stat_number(cpu, "system_usec") * 1000, "user", stat_number(cpu, "user_usec") * 1000,
	    "throttling", "throttledPeriods", stat_number(cpu, "nr_throttled"), "throttledTime",
	    stat_number(cpu, "throttled_usec") * 1000, "memory", "usage", "limit",
	    stat_number(mem, "max"), "usage", stat_number(mem, "current"), "failcnt",
	    stat_number(mem, "oom"), "swap", "limit", (json_int_t)0, "usage",
	    stat_number(mem, "swap_current"), "failcnt", (json_int_t)0, "raw", "oom_kill",
	    stat_number(mem, "oom_kill"), "oom", stat_number(mem, "oom"), "pids", "current",
	    stat_number(pids, "current"), "limit",
	    json_is_null(json_object_get(pids, "max")) ? 0 : stat_number(pids, "max"), "blkio",
	    "hugetlb");
}

struct events_options {
	bool stats;
	bool ready_line;
	long long interval_ms;
};

static int events_flag(int c, void *data, hull_error_t *err)
{
	struct events_options *o = data;

	if (c == 's')
		o->stats = true;
	else if (c == 'r')
		o->ready_line = true;
	else if (c == 'i')
		return hull_parse_duration(optarg, &o->interval_ms, err);
	else
		return hull_fail(err, 0, "events: unknown option");
	return 0;
}

/* --stats: one stats event; without: runc's stream (runtime/cmd_events.c). */
int cmd_events(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	static const struct option options[] = {
	    {"stats", no_argument, NULL, 's'},
	    {"interval", required_argument, NULL, 'i'},
	    {"ready-line", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *root = NULL, *text = NULL;
	cleanup_state struct hull_sandbox_state st = {0};
	cleanup_json json_t *req = json_pack("{s:s}", "op", "stats"), *reply = NULL, *ev = NULL;
	struct events_options o = {.interval_ms = 5000};
	const char *id;

	if (parse_args(argc, argv, "[--stats] [--interval DURATION] [--ready-line] ID", options,
	               "+h", events_flag, &o, &id, NULL, err) < 0 ||
	    load_state(g, id, &root, &st, err) < 0 || need_live(id, container_status(&st), err) < 0)
		return -1;
	if (!o.stats)
		return hull_events_stream(root, &st, id, o.interval_ms, o.ready_line, err);
	if (container_ask(root, &st, req, &reply, err) < 0)
		return -1;
	ev = json_pack("{s:s, s:s, s:o?}", "type", "stats", "id", id, "data",
	               hull_runc_stats(json_object_get(reply, "stats")));
	text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	if (text == NULL)
		return hull_fail(err, ENOMEM, "events");
	printf("%s\n", text);
	return 0;
}
