/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "persist/endpoint_json.h"
#include "persist/id.h"
#include "persist/json_field.h"
#include "persist/migrate.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
    [HULL_STATUS_CREATING] = "creating", [HULL_STATUS_CREATED] = "created",
    [HULL_STATUS_RUNNING] = "running",   [HULL_STATUS_STOPPED] = "stopped",
    [HULL_STATUS_PAUSED] = "paused",
};

static const char *const accel_names[] = {
    [HULL_ACCEL_KVM] = "kvm",
    [HULL_ACCEL_TCG] = "tcg",
};

/* Bounds that keep decoded numbers meaningful for the types they fill. */
#define PID_MAX_VALUE INT32_MAX
#define START_TIME_MAX INT64_MAX
#define VCPUS_MAX 4096
#define MEMORY_MIB_MAX (UINT32_MAX / 2)

const char *hull_status_name(enum hull_status status)
{
	return (unsigned)status < N_ELEMS(status_names) ? status_names[status] : NULL;
}

void hull_state_init(struct hull_sandbox_state *st)
{
	memset(st, 0, sizeof(*st));
	st->version = HULL_STATE_VERSION;
}

void hull_container_state_free(struct hull_container_state *c)
{
	free(c->id);
	free(c->rootfs);
	free(c->bundle);
	free(c->created);
	free(c->cgroup_path);
	json_decref(c->process);
	json_decref(c->mounts);
	json_decref(c->devices);
	memset(c, 0, sizeof(*c));
}

void hull_state_free(struct hull_sandbox_state *st)
{
	size_t i;

	free(st->sandbox.id);
	free(st->sandbox.bundle);
	free(st->sandbox.created);
	json_decref(st->sandbox.annotations);
	free(st->sandbox.cgroup_path);
	json_decref(st->sandbox.cgroup_leaves);
	json_decref(st->sandbox.cgroup_created);
	free(st->sandbox.pod_sandbox);

	free(st->hypervisor.qmp_socket);
	free(st->hypervisor.agent_socket);
	free(st->hypervisor.virtiofsd_socket);
	free(st->hypervisor.console_log);
	free(st->hypervisor.kernel);
	free(st->hypervisor.initrd);

	free(st->network.netns_path);
	for (i = 0; i < st->network.n_endpoints; i++)
		hull_endpoint_clear(&st->network.endpoints[i]);
	free(st->network.endpoints);

	for (i = 0; i < st->n_containers; i++)
		hull_container_state_free(&st->containers[i]);
	free(st->containers);
	json_decref(st->config);
	hull_state_init(st);
}

struct hull_container_state *hull_state_add_container(struct hull_sandbox_state *st)
{
	struct hull_container_state *c;

	c = reallocarray(st->containers, st->n_containers + 1, sizeof(*c));
	if (c == NULL)
		return NULL;
	st->containers = c;
	c = &st->containers[st->n_containers++];
	memset(c, 0, sizeof(*c));
	return c;
}

struct hull_container_state *hull_state_find_container(const struct hull_sandbox_state *st,
                                                       const char *id)
{
	size_t i;

	for (i = 0; i < st->n_containers; i++)
		if (st->containers[i].id != NULL && strcmp(st->containers[i].id, id) == 0)
			return &st->containers[i];
	return NULL;
}

struct hull_endpoint *hull_state_add_endpoint(struct hull_sandbox_state *st)
{
	struct hull_endpoint *ep;

	ep = reallocarray(st->network.endpoints, st->network.n_endpoints + 1, sizeof(*ep));
	if (ep == NULL)
		return NULL;
	st->network.endpoints = ep;
	ep = &st->network.endpoints[st->network.n_endpoints++];
	memset(ep, 0, sizeof(*ep));
	return ep;
}

void hull_state_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", date, ts.tv_nsec);
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z": RFC 3339 in UTC, as hull writes it. */
static bool rfc3339_utc_valid(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	int month, day, hour, min, sec;
	size_t i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	if (sscanf(s + 5, "%2d-%2dT%2d:%2d:%2d", &month, &day, &hour, &min, &sec) != 5 ||
	    month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return false;
	s += i;
	if (*s == '.') {
		s++;
		for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 0 || i > 9)
			return false;
		s += i;
	}
	return strcmp(s, "Z") == 0;
}

/* ---- encoding ---- */

static const char *enum_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

#define ENUM_NAME(table, v) enum_name(table, N_ELEMS(table), (unsigned)(v))

static void set_enum(struct hull_jbuild *b, json_t *obj, const char *key, const char *name,
                     int value)
{
	if (name == NULL)
		hull_jbuild_fail(b, "%s: %d is not a known value", key, value);
	else
		hull_jset_string(b, obj, key, name);
}

static void set_required(struct hull_jbuild *b, json_t *obj, const char *where, const char *key,
                         const char *value)
{
	if (value == NULL)
		hull_jbuild_fail(b, "%s.%s: missing", where, key);
	else
		hull_jset_string(b, obj, key, value);
}

static json_t *sandbox_json(const struct hull_sandbox_info *s, struct hull_jbuild *b)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	set_required(b, j, "sandbox", "id", s->id);
	set_required(b, j, "sandbox", "bundle", s->bundle);
	set_enum(b, j, "status", ENUM_NAME(status_names, s->status), s->status);
	set_required(b, j, "sandbox", "created", s->created);
	if (s->annotations != NULL)
		hull_jset(b, j, "annotations", json_deep_copy(s->annotations));
	hull_jset_int(b, j, "monitor_pid", s->monitor_pid);
	hull_jset_int(b, j, "monitor_start_time", (long long)s->monitor_start_time);
	hull_jset_string(b, j, "cgroup_path", s->cgroup_path);
	if (s->cgroup_leaves != NULL)
		hull_jset(b, j, "cgroup_leaves", json_deep_copy(s->cgroup_leaves));
	if (s->cgroup_created != NULL)
		hull_jset(b, j, "cgroup_created", json_deep_copy(s->cgroup_created));
	hull_jset_string(b, j, "pod_sandbox", s->pod_sandbox);
	return j;
}

static json_t *hypervisor_json(const struct hull_hypervisor_state *h, struct hull_jbuild *b)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	hull_jset_int(b, j, "pid", h->pid);
	hull_jset_int(b, j, "pid_start_time", (long long)h->pid_start_time);
	hull_jset_string(b, j, "qmp_socket", h->qmp_socket);
	hull_jset_string(b, j, "agent_socket", h->agent_socket);
	hull_jset_int(b, j, "virtiofsd_pid", h->virtiofsd_pid);
	hull_jset_int(b, j, "virtiofsd_start_time", (long long)h->virtiofsd_start_time);
	hull_jset_string(b, j, "virtiofsd_socket", h->virtiofsd_socket);
	hull_jset_string(b, j, "console_log", h->console_log);
	set_enum(b, j, "accel", ENUM_NAME(accel_names, h->accel), h->accel);
	hull_jset_int(b, j, "vcpus", h->vcpus);
	hull_jset_int(b, j, "memory_mib", h->memory_mib);
	hull_jset_string(b, j, "kernel", h->kernel);
	hull_jset_string(b, j, "initrd", h->initrd);
	return j;
}

static json_t *network_json(const struct hull_network_state *n, struct hull_jbuild *b)
{
	json_t *j = json_object(), *eps = json_array();
	size_t i;

	if (j == NULL || eps == NULL) {
		json_decref(j);
		json_decref(eps);
		return NULL;
	}
	hull_jset_string(b, j, "netns", n->netns_path);
	hull_jset_bool(b, j, "netns_created", n->netns_created);
	set_enum(b, j, "model",
	         enum_name(hull_net_model_names, HULL_NET_MODEL_COUNT, (unsigned)n->model),
	         n->model);
	for (i = 0; i < n->n_endpoints; i++)
		hull_jappend(b, eps, hull_endpoint_to_json(&n->endpoints[i], b));
	hull_jset(b, j, "endpoints", eps);
	return j;
}

static json_t *container_json(const struct hull_container_state *c, struct hull_jbuild *b)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	set_required(b, j, "container", "id", c->id);
	set_enum(b, j, "status", ENUM_NAME(status_names, c->status), c->status);
	hull_jset_int(b, j, "pid", c->pid);
	hull_jset_int(b, j, "pid_start_time", (long long)c->pid_start_time);
	set_required(b, j, "container", "rootfs", c->rootfs);
	hull_jset_string(b, j, "bundle", c->bundle);
	set_required(b, j, "container", "created", c->created);
	hull_jset_string(b, j, "cgroup_path", c->cgroup_path);
	if (c->process != NULL)
		hull_jset(b, j, "process", json_deep_copy(c->process));
	if (c->mounts != NULL)
		hull_jset(b, j, "mounts", json_deep_copy(c->mounts));
	if (c->devices != NULL)
		hull_jset(b, j, "devices", json_deep_copy(c->devices));
	return j;
}

json_t *hull_state_to_json(const struct hull_sandbox_state *st, hull_error_t *err)
{
	struct hull_jbuild b = {0};
	cleanup_json json_t *root = json_object();
	json_t *containers = json_array();
	size_t i;

	if (root == NULL || containers == NULL) {
		json_decref(containers);
		return hull_fail(err, ENOMEM, "encode state"), NULL;
	}
	/* Refuse to write what the decoder would refuse to read. */
	if (st->sandbox.id != NULL && hull_id_validate(st->sandbox.id, err) < 0) {
		json_decref(containers);
		return hull_error_prefix(err, "encode state: sandbox.id"), NULL;
	}
	hull_jset_int(&b, root, "version", HULL_STATE_VERSION);
	hull_jset(&b, root, "sandbox", sandbox_json(&st->sandbox, &b));
	hull_jset(&b, root, "hypervisor", hypervisor_json(&st->hypervisor, &b));
	hull_jset(&b, root, "network", network_json(&st->network, &b));
	for (i = 0; i < st->n_containers; i++)
		hull_jappend(&b, containers, container_json(&st->containers[i], &b));
	hull_jset(&b, root, "containers", containers);
	if (st->config != NULL)
		hull_jset(&b, root, "config", json_deep_copy(st->config));
	if (b.failed)
		return hull_fail(err, 0, "encode state: %s", b.why), NULL;
	return steal_pointer(&root);
}

char *hull_state_dump(const struct hull_sandbox_state *st, hull_error_t *err)
{
	cleanup_json json_t *root = hull_state_to_json(st, err);
	char *text, *out;
	size_t len;

	if (root == NULL)
		return NULL;
	/* Compact, like runc's state.json (`jq . state.json` indents it). */
	text = json_dumps(root, JSON_COMPACT);
	len = text ? strlen(text) : 0;
	out = text ? realloc(text, len + 2) : NULL;
	if (out == NULL) {
		free(text);
		return hull_fail(err, ENOMEM, "encode state"), NULL;
	}
	out[len] = '\n';
	out[len + 1] = '\0';
	return out;
}

/* ---- decoding ---- */

static int get_pid(const json_t *obj, const char *key, pid_t *out, struct hull_jpath *p,
                   hull_error_t *err)
{
	long long v = 0;

	if (hull_jget_int(obj, key, false, 0, PID_MAX_VALUE, &v, p, err) < 0)
		return -1;
	*out = (pid_t)v;
	return 0;
}

static int get_u64(const json_t *obj, const char *key, uint64_t *out, struct hull_jpath *p,
                   hull_error_t *err)
{
	long long v = 0;

	if (hull_jget_int(obj, key, false, 0, START_TIME_MAX, &v, p, err) < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int get_uint(const json_t *obj, const char *key, long long max, unsigned int *out,
                    struct hull_jpath *p, hull_error_t *err)
{
	long long v = 0;

	if (hull_jget_int(obj, key, false, 0, max, &v, p, err) < 0)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int get_status(const json_t *obj, enum hull_status *out, struct hull_jpath *p,
                      hull_error_t *err)
{
	int v = 0;

	if (hull_jget_enum(obj, "status", true, status_names, N_ELEMS(status_names), &v, p, err) <
	    0)
		return -1;
	*out = (enum hull_status)v;
	return 0;
}

static int get_timestamp(const json_t *obj, const char *key, char **out, struct hull_jpath *p,
                         hull_error_t *err)
{
	size_t old;

	if (hull_jget_string(obj, key, true, out, p, err) < 0)
		return -1;
	if (rfc3339_utc_valid(*out))
		return 0;
	old = hull_jpath_key(p, key);
	hull_jfail(err, p, "\"%s\" is not an RFC 3339 UTC time (like 2024-05-01T10:20:30Z)", *out);
	hull_jpath_pop(p, old);
	return -1;
}

static int get_id(const json_t *obj, char **out, struct hull_jpath *p, hull_error_t *err)
{
	size_t old;

	if (hull_jget_string(obj, "id", true, out, p, err) < 0)
		return -1;
	if (hull_id_validate(*out, err) == 0)
		return 0;
	old = hull_jpath_key(p, "id");
	hull_error_prefix(err, "%s", p->buf);
	hull_jpath_pop(p, old);
	return -1;
}

/* An array of absolute paths (the cgroup directories), a deep copy; NULL when absent. */
static int get_paths(const json_t *obj, const char *key, json_t **out, struct hull_jpath *p,
                     hull_error_t *err)
{
	json_t *arr = NULL, *v;
	size_t i, old;

	if (hull_jget_strings(obj, key, false, &arr, p, err) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	old = hull_jpath_key(p, key);
	json_array_foreach(arr, i, v)
	{
		if (json_string_value(v)[0] != '/') {
			hull_jpath_index(p, i);
			return hull_jfail(err, p, "\"%s\" is not an absolute path",
			                  json_string_value(v));
		}
	}
	hull_jpath_pop(p, old);
	*out = json_deep_copy(arr);
	return *out ? 0 : hull_fail(err, ENOMEM, "%s", key);
}

static int get_annotations(const json_t *obj, json_t **out, struct hull_jpath *p, hull_error_t *err)
{
	const char *key;
	json_t *v;
	size_t old;

	if (hull_jget_copy(obj, "annotations", false, false, out, p, err) < 0)
		return -1;
	if (*out == NULL)
		return 0;
	old = hull_jpath_key(p, "annotations");
	json_object_foreach(*out, key, v)
	{
		if (!json_is_string(v)) {
			hull_jpath_key(p, key);
			return hull_jfail_type(err, p, "a string", v);
		}
	}
	hull_jpath_pop(p, old);
	return 0;
}

/* A required or optional member that must be an object; NULL when absent. */
static int get_section(const json_t *root, const char *key, bool required, const json_t **out,
                       struct hull_jpath *p, hull_error_t *err)
{
	int rc;
	const json_t *v = hull_jget(root, key, required, p, err, &rc);

	*out = NULL;
	if (v == NULL)
		return rc;
	if (!json_is_object(v)) {
		hull_jpath_key(p, key);
		return hull_jfail_type(err, p, "an object", v);
	}
	*out = v;
	return 0;
}

static int sandbox_from_json(const json_t *root, struct hull_sandbox_info *s, struct hull_jpath *p,
                             hull_error_t *err)
{
	const json_t *j;

	if (get_section(root, "sandbox", true, &j, p, err) < 0)
		return -1;
	hull_jpath_key(p, "sandbox");
	if (get_id(j, &s->id, p, err) < 0 ||
	    hull_jget_abspath(j, "bundle", true, &s->bundle, p, err) < 0 ||
	    get_status(j, &s->status, p, err) < 0 ||
	    get_timestamp(j, "created", &s->created, p, err) < 0 ||
	    get_annotations(j, &s->annotations, p, err) < 0 ||
	    get_pid(j, "monitor_pid", &s->monitor_pid, p, err) < 0 ||
	    get_u64(j, "monitor_start_time", &s->monitor_start_time, p, err) < 0 ||
	    hull_jget_string(j, "cgroup_path", false, &s->cgroup_path, p, err) < 0 ||
	    get_paths(j, "cgroup_leaves", &s->cgroup_leaves, p, err) < 0 ||
	    get_paths(j, "cgroup_created", &s->cgroup_created, p, err) < 0 ||
	    hull_jget_string(j, "pod_sandbox", false, &s->pod_sandbox, p, err) < 0)
		return -1;
	hull_jpath_pop(p, 0);
	return 0;
}

static int hypervisor_from_json(const json_t *root, struct hull_hypervisor_state *h,
                                struct hull_jpath *p, hull_error_t *err)
{
	const json_t *j;
	int accel = HULL_ACCEL_KVM;

	if (get_section(root, "hypervisor", false, &j, p, err) < 0)
		return -1;
	if (j == NULL)
		return 0;
	hull_jpath_key(p, "hypervisor");
	if (get_pid(j, "pid", &h->pid, p, err) < 0 ||
	    get_u64(j, "pid_start_time", &h->pid_start_time, p, err) < 0 ||
	    hull_jget_abspath(j, "qmp_socket", false, &h->qmp_socket, p, err) < 0 ||
	    hull_jget_abspath(j, "agent_socket", false, &h->agent_socket, p, err) < 0 ||
	    get_pid(j, "virtiofsd_pid", &h->virtiofsd_pid, p, err) < 0 ||
	    get_u64(j, "virtiofsd_start_time", &h->virtiofsd_start_time, p, err) < 0 ||
	    hull_jget_abspath(j, "virtiofsd_socket", false, &h->virtiofsd_socket, p, err) < 0 ||
	    hull_jget_abspath(j, "console_log", false, &h->console_log, p, err) < 0 ||
	    hull_jget_enum(j, "accel", false, accel_names, N_ELEMS(accel_names), &accel, p, err) <
	        0 ||
	    get_uint(j, "vcpus", VCPUS_MAX, &h->vcpus, p, err) < 0 ||
	    get_uint(j, "memory_mib", MEMORY_MIB_MAX, &h->memory_mib, p, err) < 0 ||
	    hull_jget_abspath(j, "kernel", false, &h->kernel, p, err) < 0 ||
	    hull_jget_abspath(j, "initrd", false, &h->initrd, p, err) < 0)
		return -1;
	h->accel = (enum hull_accel)accel;
	hull_jpath_pop(p, 0);
	return 0;
}

static int network_from_json(const json_t *root, struct hull_network_state *n, struct hull_jpath *p,
                             hull_error_t *err)
{
	const json_t *j, *eps;
	int model = HULL_NET_TCFILTER;
	size_t i, base;

	if (get_section(root, "network", false, &j, p, err) < 0)
		return -1;
	if (j == NULL)
		return 0;
	hull_jpath_key(p, "network");
	if (hull_jget_abspath(j, "netns", false, &n->netns_path, p, err) < 0 ||
	    hull_jget_bool(j, "netns_created", false, &n->netns_created, p, err) < 0 ||
	    hull_jget_enum(j, "model", false, hull_net_model_names, HULL_NET_MODEL_COUNT, &model, p,
	                   err) < 0)
		return -1;
	n->model = (enum hull_net_model)model;
	eps = json_object_get(j, "endpoints");
	hull_jpath_key(p, "endpoints");
	if (eps == NULL)
		goto out;
	if (!json_is_array(eps))
		return hull_jfail_type(err, p, "an array", eps);
	if (json_array_size(eps) > 0) {
		n->endpoints = calloc(json_array_size(eps), sizeof(*n->endpoints));
		if (n->endpoints == NULL)
			return hull_jfail(err, p, "out of memory");
	}
	base = p->len;
	for (i = 0; i < json_array_size(eps); i++) {
		hull_jpath_index(p, i);
		/* Counted first, so hull_state_free() clears a half-read one too. */
		n->n_endpoints++;
		if (hull_endpoint_from_json(json_array_get(eps, i), &n->endpoints[i], p, err) < 0)
			return -1;
		hull_jpath_pop(p, base);
	}
out:
	hull_jpath_pop(p, 0);
	return 0;
}

static int container_from_json(const json_t *j, struct hull_container_state *c,
                               struct hull_jpath *p, hull_error_t *err)
{
	if (!json_is_object(j))
		return hull_jfail_type(err, p, "an object", j);
	return get_id(j, &c->id, p, err) < 0 || get_status(j, &c->status, p, err) < 0 ||
	               get_pid(j, "pid", &c->pid, p, err) < 0 ||
	               get_u64(j, "pid_start_time", &c->pid_start_time, p, err) < 0 ||
	               hull_jget_abspath(j, "rootfs", true, &c->rootfs, p, err) < 0 ||
	               hull_jget_abspath(j, "bundle", false, &c->bundle, p, err) < 0 ||
	               get_timestamp(j, "created", &c->created, p, err) < 0 ||
	               hull_jget_string(j, "cgroup_path", false, &c->cgroup_path, p, err) < 0 ||
	               hull_jget_copy(j, "process", false, false, &c->process, p, err) < 0 ||
	               hull_jget_copy(j, "mounts", false, true, &c->mounts, p, err) < 0 ||
	               hull_jget_copy(j, "devices", false, true, &c->devices, p, err) < 0
	           ? -1
	           : 0;
}

static int containers_from_json(const json_t *root, struct hull_sandbox_state *st,
                                struct hull_jpath *p, hull_error_t *err)
{
	const json_t *a = json_object_get(root, "containers");
	size_t i, k, n, base;

	hull_jpath_key(p, "containers");
	if (a == NULL)
		goto out;
	if (!json_is_array(a))
		return hull_jfail_type(err, p, "an array", a);
	n = json_array_size(a);
	if (n > 0) {
		st->containers = calloc(n, sizeof(*st->containers));
		if (st->containers == NULL)
			return hull_jfail(err, p, "out of memory");
	}
	base = p->len;
	for (i = 0; i < n; i++) {
		hull_jpath_index(p, i);
		st->n_containers++;
		if (container_from_json(json_array_get(a, i), &st->containers[i], p, err) < 0)
			return -1;
		for (k = 0; k < i; k++) {
			if (strcmp(st->containers[k].id, st->containers[i].id) == 0) {
				hull_jpath_key(p, "id");
				return hull_jfail(err, p, "\"%s\" is listed twice",
				                  st->containers[i].id);
			}
		}
		hull_jpath_pop(p, base);
	}
out:
	hull_jpath_pop(p, 0);
	return 0;
}

static int decode_current(const json_t *root, struct hull_sandbox_state *st, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_INIT;

	if (sandbox_from_json(root, &st->sandbox, &p, err) < 0 ||
	    hypervisor_from_json(root, &st->hypervisor, &p, err) < 0 ||
	    network_from_json(root, &st->network, &p, err) < 0 ||
	    containers_from_json(root, st, &p, err) < 0 ||
	    hull_jget_copy(root, "config", false, false, &st->config, &p, err) < 0)
		return -1;
	return 0;
}

int hull_state_from_json(const json_t *root, struct hull_sandbox_state *st, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_INIT;
	cleanup_json json_t *migrated = NULL;
	long long version = 0;

	hull_state_free(st);
	if (!json_is_object(root))
		return hull_jfail_type(err, &p, "a state object", root);
	if (hull_jget_int(root, "version", true, LLONG_MIN, LLONG_MAX, &version, &p, err) < 0)
		return -1;
	if (version > HULL_STATE_VERSION)
		return hull_fail(err, 0, "state written by a newer hull (version %lld)", version);
	if (version < HULL_STATE_OLDEST_VERSION)
		return hull_fail(err, 0, "version: unknown version %lld", version);
	if (version < HULL_STATE_VERSION) {
		migrated = json_deep_copy(root);
		if (migrated == NULL)
			return hull_fail(err, ENOMEM, "migrate state");
		if (hull_state_migrate(migrated, (int)version, err) < 0)
			return -1;
		root = migrated;
	}
	if (decode_current(root, st, err) < 0) {
		hull_state_free(st);
		return -1;
	}
	st->version = (int)version;
	return 0;
}

int hull_state_parse(const char *buf, size_t len, struct hull_sandbox_state *st, hull_error_t *err)
{
	cleanup_json json_t *root = NULL;

	hull_state_free(st);
	if (len == 0)
		return hull_fail(err, 0, "the file is empty");
	root = hull_json_parse("not valid JSON", buf, len, err);
	if (root == NULL)
		return -1;
	return hull_state_from_json(root, st, err);
}

int hull_state_put_endpoint(struct hull_sandbox_state *st, const struct hull_endpoint *ep,
                            hull_error_t *err)
{
	struct hull_endpoint *slot = NULL;

	for (size_t i = 0; i < st->network.n_endpoints && slot == NULL; i++)
		if (strcmp(st->network.endpoints[i].name, ep->name) == 0)
			slot = &st->network.endpoints[i];
	if (slot == NULL && (slot = hull_state_add_endpoint(st)) == NULL)
		return hull_fail(err, ENOMEM, "state: endpoint %s", ep->name);
	hull_endpoint_clear(slot);
	return hull_endpoint_copy(slot, ep, err);
}
