/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: parse, check and keep what hull needs (Kata's ContainerConfig). */
#include "runtime/oci_spec.h"

#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/capability.h"
#include "common/ns_types.h"
#include "common/oci_hooks.h"
#include "common/seccomp_names.h"
#include "common/sysctl.h"
#include "common/log.h"
#include "common/read_file.h"
#include "persist/json_field.h"

/* An unsigned 32-bit member (0 when absent). */
static int get_uint32(const json_t *obj, const char *key, bool required, uint32_t *out,
                      struct hull_jpath *p, hull_error_t *err)
{
	long long v = 0;

	if (hull_jget_int(obj, key, required, 0, UINT32_MAX, &v, p, err) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* An optional integer member checked for range only (kept as JSON). */
static int check_int_member(const json_t *obj, const char *key, long long min, long long max,
                            struct hull_jpath *p, hull_error_t *err)
{
	long long ignored;

	return hull_jget_int(obj, key, false, min, max, &ignored, p, err);
}

static int require_member(const json_t *obj, const char *key, struct hull_jpath *p,
                          hull_error_t *err)
{
	int rc;

	hull_jget(obj, key, true, p, err, &rc);
	return rc;
}

/* An array of strings, copied into *out (NULL-terminated; empty when
 * absent). */
static int get_string_array(const json_t *obj, const char *key, bool required, char ***out,
                            struct hull_jpath *p, hull_error_t *err)
{
	json_t *array = NULL, *item;
	size_t i;

	if (hull_jget_strings(obj, key, required, &array, p, err) < 0)
		return -1;
	*out = calloc(json_array_size(array) + 1, sizeof(char *));
	if (*out == NULL)
		return hull_fail(err, ENOMEM, "%s", key);
	json_array_foreach(array, i, item)
	{
		(*out)[i] = strdup(json_string_value(item));
		if ((*out)[i] == NULL)
			return hull_fail(err, ENOMEM, "%s", key);
	}
	return 0;
}

char *hull_path_clean(const char *path)
{
	size_t n = strlen(path);
	char *out = malloc(n + 2);
	size_t len = 0;
	const char *p = path;

	if (out == NULL)
		return NULL;
	out[len++] = '/';
	while (*p) {
		size_t seg;

		while (*p == '/')
			p++;
		seg = strcspn(p, "/");
		if (seg == 0)
			break;
		if (seg == 1 && p[0] == '.') {
			/* "." adds nothing */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 1 && out[len - 1] != '/')
				len--;
			if (len > 1)
				len--; /* the '/' before the dropped segment */
		} else {
			if (len > 1)
				out[len++] = '/';
			memcpy(out + len, p, seg);
			len += seg;
		}
		p += seg;
	}
	out[len] = '\0';
	return out;
}

int hull_path_absolute(const char *path, char **out, hull_error_t *err)
{
	cleanup_free char *cwd = NULL;
	cleanup_free char *joined = NULL;

	if (path[0] == '/') {
		*out = hull_path_clean(path);
		return *out ? 0 : hull_fail(err, ENOMEM, "%s", path);
	}
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return hull_fail(err, errno, "getcwd");
	if (asprintf(&joined, "%s/%s", cwd, path) < 0)
		return hull_fail(err, ENOMEM, "%s", path);
	*out = hull_path_clean(joined);
	return *out ? 0 : hull_fail(err, ENOMEM, "%s", path);
}

int hull_env_split(const char *entry, char **name, char **value, hull_error_t *err)
{
	const char *eq = strchr(entry, '=');

	if (eq == NULL)
		return hull_fail(err, 0, "\"%s\" is not KEY=VALUE", entry);
	if (eq == entry)
		return hull_fail(err, 0, "\"%s\" has an empty variable name", entry);
	*name = strndup(entry, (size_t)(eq - entry));
	*value = strdup(eq + 1);
	if (*name == NULL || *value == NULL) {
		free(*name);
		free(*value);
		*name = *value = NULL;
		return hull_fail(err, ENOMEM, "environment");
	}
	return 0;
}

/* A semver number ("0", or digits without a leading zero) that fits
 * uint32_t; the character after it, or NULL. */
static const char *semver_number(const char *p, uint32_t *out)
{
	uint64_t v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return NULL;
	}
	*out = (uint32_t)v;
	return p;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty, up to the end
 * of p or stop; in a pre-release, numeric ones without leading zeros. */
static const char *semver_identifiers(const char *p, char stop, bool prerelease)
{
	for (;;) {
		const char *start = p;
		bool numeric = true;

		for (; *p && *p != '.' && *p != stop; p++) {
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') || *p == '-'))
				return NULL;
			numeric &= *p >= '0' && *p <= '9';
		}
		if (p == start || (prerelease && numeric && p - start > 1 && *start == '0'))
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

/* Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]. */
static bool semver_parse(const char *v, uint32_t *major, uint32_t *minor)
{
	uint32_t patch;
	const char *p = semver_number(v, major);

	if (p == NULL || *p++ != '.' || (p = semver_number(p, minor)) == NULL || *p++ != '.' ||
	    (p = semver_number(p, &patch)) == NULL)
		return false;
	if (*p == '-' && (p = semver_identifiers(p + 1, '+', true)) == NULL)
		return false;
	if (*p == '+' && (p = semver_identifiers(p + 1, '\0', false)) == NULL)
		return false;
	return *p == '\0';
}

static int parse_version(const char *version, hull_error_t *err)
{
	uint32_t major, minor;

	if (!semver_parse(version, &major, &minor))
		return hull_fail(err, 0,
		                 "ociVersion: \"%s\" is not a version (semantic versioning: "
		                 "MAJOR.MINOR.PATCH, numbers without leading zeros and at most "
		                 "4294967295)",
		                 version);
	if (major != 1)
		return hull_fail(
		    err, 0, "ociVersion: \"%s\" is not supported (hull supports 1.0.x to 1.2.x)",
		    version);
	if (minor > 2)
		log_warning("ociVersion %s is newer than the 1.2 hull knows; reading it "
		            "as 1.2",
		            version);
	return 0;
}

static int check_rlimits(const json_t *process, hull_error_t *err)
{
	static const char *const types[] = {
	    "RLIMIT_AS",     "RLIMIT_CORE",   "RLIMIT_CPU",        "RLIMIT_DATA",
	    "RLIMIT_FSIZE",  "RLIMIT_LOCKS",  "RLIMIT_MEMLOCK",    "RLIMIT_MSGQUEUE",
	    "RLIMIT_NICE",   "RLIMIT_NOFILE", "RLIMIT_NPROC",      "RLIMIT_RSS",
	    "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
	};
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *list = NULL, *rl;
	size_t i;

	hull_jpath_key(&p, "process");
	if (hull_jget_ref(process, "rlimits", false, true, &list, &p, err) < 0)
		return -1;
	hull_jpath_key(&p, "rlimits");
	json_array_foreach(list, i, rl)
	{
		size_t at = hull_jpath_index(&p, i);
		const char *type = NULL;
		size_t t;

		if (!json_is_object(rl))
			return hull_jfail_type(err, &p, "an object", rl);
		if (hull_jget_str(rl, "type", true, &type, &p, err) < 0)
			return -1;
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			if (strcmp(types[t], type) == 0)
				break;
		if (t == sizeof(types) / sizeof(types[0]))
			return hull_fail(err, 0, "%s.type: \"%s\" is not an RLIMIT_* name", p.buf,
			                 type);
		if (require_member(rl, "hard", &p, err) < 0 ||
		    require_member(rl, "soft", &p, err) < 0 ||
		    check_int_member(rl, "hard", 0, INT64_MAX, &p, err) < 0 ||
		    check_int_member(rl, "soft", 0, INT64_MAX, &p, err) < 0)
			return -1;
		hull_jpath_pop(&p, at);
	}
	return 0;
}

/*
 * The guest kernel runs no LSM policy (hull features says so): a label the
 * caller wants applied is refused rather than dropped.
 */
static int refuse_lsm_label(const json_t *obj, const char *where, const char *key, const char *lsm,
                            hull_error_t *err)
{
	const char *label = json_string_value(json_object_get(obj, key));

	if (label == NULL || label[0] == '\0')
		return 0;
	return hull_fail(err, 0,
	                 "%s.%s: \"%s\": the guest kernel enforces no %s policy (hull features: "
	                 "not enabled); leave it empty",
	                 where, key, label, lsm);
}

static int parse_user(const json_t *process, struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *user = NULL, *gids = NULL, *item;
	size_t i;

	hull_jpath_key(&p, "process");
	if (hull_jget_ref(process, "user", false, false, &user, &p, err) < 0)
		return -1;
	if (user == NULL)
		return 0;
	hull_jpath_key(&p, "user");
	if (get_uint32(user, "uid", true, &spec->uid, &p, err) < 0 ||
	    get_uint32(user, "gid", true, &spec->gid, &p, err) < 0 ||
	    check_int_member(user, "umask", 0, 07777, &p, err) < 0 ||
	    hull_jget_ref(user, "additionalGids", false, true, &gids, &p, err) < 0)
		return -1;
	spec->additional_gids = calloc(json_array_size(gids) + 1, sizeof(uint32_t));
	if (spec->additional_gids == NULL)
		return hull_fail(err, ENOMEM, "process.user.additionalGids");
	hull_jpath_key(&p, "additionalGids");
	json_array_foreach(gids, i, item)
	{
		size_t at = hull_jpath_index(&p, i);
		long long gid;

		if (hull_jcheck_int(item, 0, UINT32_MAX, &gid, &p, err) < 0)
			return -1;
		spec->additional_gids[i] = (uint32_t)gid;
		hull_jpath_pop(&p, at);
	}
	spec->n_additional_gids = json_array_size(gids);
	return 0;
}

static int parse_process(const json_t *root, struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *process = NULL, *caps = NULL;
	const char *cwd = NULL;

	if (hull_jget_ref(root, "process", true, false, &process, &p, err) < 0)
		return -1;
	spec->process = json_incref(process);
	hull_jpath_key(&p, "process");
	if (get_string_array(process, "args", true, &spec->args, &p, err) < 0)
		return -1;
	if (spec->args[0] == NULL)
		return hull_fail(err, 0, "process.args: must name the program to run");
	if (get_string_array(process, "env", false, &spec->env, &p, err) < 0)
		return -1;
	for (size_t i = 0; spec->env[i]; i++) {
		cleanup_free char *name = NULL, *value = NULL;

		if (hull_env_split(spec->env[i], &name, &value, err) < 0)
			return hull_error_prefix(err, "process.env[%zu]", i);
	}
	if (hull_jget_str(process, "cwd", true, &cwd, &p, err) < 0)
		return -1;
	if (cwd[0] != '/')
		return hull_fail(err, 0, "process.cwd: \"%s\" is not an absolute path", cwd);
	spec->cwd = strdup(cwd);
	if (spec->cwd == NULL)
		return hull_fail(err, ENOMEM, "process.cwd");
	spec->terminal = spec->no_new_privileges = false;
	if (parse_user(process, spec, err) < 0 ||
	    hull_jget_bool(process, "terminal", false, &spec->terminal, &p, err) < 0 ||
	    hull_jget_bool(process, "noNewPrivileges", false, &spec->no_new_privileges, &p, err) <
	        0 ||
	    hull_jget_ref(process, "capabilities", false, false, &caps, &p, err) < 0)
		return -1;
	if (caps && hull_caps_check(caps, err) < 0)
		return -1;
	if (refuse_lsm_label(process, "process", "apparmorProfile", "AppArmor", err) < 0 ||
	    refuse_lsm_label(process, "process", "selinuxLabel", "SELinux", err) < 0)
		return -1;
	return check_rlimits(process, err);
}

/* path is dir or under it (both absolute and clean). */
static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int refuse_outside_bundle(const char *root_path, const char *resolved, const char *bundle,
                                 hull_error_t *err)
{
	return hull_fail(err, 0,
	                 "root.path: \"%s\" %s%s%s outside the bundle %s: a relative root.path "
	                 "must stay inside the bundle (an absolute one may name any directory)",
	                 root_path, resolved ? "resolves to " : "", resolved ? resolved : "",
	                 resolved ? "," : "is", bundle);
}

/*
 * root.path: absolute (the caller's choice, as in runc) or relative to
 * the bundle and inside it.  Here only by its text ("../x" is refused);
 * hull_spec_resolve_rootfs follows symbolic links.
 */
static int parse_root(const json_t *root, const char *bundle, struct hull_spec *spec,
                      hull_error_t *err)
{
	cleanup_free char *joined = NULL;
	cleanup_free char *clean_bundle = hull_path_clean(bundle);
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *r = NULL;
	const char *path = NULL;

	spec->readonly = false;
	if (hull_jget_ref(root, "root", true, false, &r, &p, err) < 0)
		return -1;
	hull_jpath_key(&p, "root");
	if (hull_jget_str(r, "path", true, &path, &p, err) < 0 ||
	    hull_jget_bool(r, "readonly", false, &spec->readonly, &p, err) < 0)
		return -1;
	if (path[0] == '\0')
		return hull_fail(err, 0, "root.path: must not be empty");
	spec->root_path = strdup(path);
	if (path[0] == '/')
		spec->rootfs = hull_path_clean(path);
	else if (asprintf(&joined, "%s/%s", bundle, path) >= 0)
		spec->rootfs = hull_path_clean(joined);
	if (spec->rootfs == NULL || spec->root_path == NULL || clean_bundle == NULL)
		return hull_fail(err, ENOMEM, "root.path");
	if (path[0] != '/' && !path_within(spec->rootfs, clean_bundle))
		return refuse_outside_bundle(path, NULL, clean_bundle, err);
	return 0;
}

int hull_spec_resolve_rootfs(struct hull_spec *spec, const char *bundle, hull_error_t *err)
{
	cleanup_free char *joined = NULL;
	cleanup_free char *real_bundle = NULL;
	cleanup_free char *real = NULL;
	struct stat st;

	if (spec->root_path == NULL || spec->root_path[0] == '/')
		return 0;
	/* the path as the kernel resolves it: ".." after a link is the link's parent */
	if (asprintf(&joined, "%s/%s", bundle, spec->root_path) < 0)
		return hull_fail(err, ENOMEM, "root.path");
	real_bundle = realpath(bundle, NULL);
	if (real_bundle == NULL)
		return hull_fail(err, errno, "bundle %s", bundle);
	real = realpath(joined, NULL);
	if (real == NULL)
		return hull_fail(err, errno, "root.path: \"%s\": %s", spec->root_path, joined);
	if (!path_within(real, real_bundle))
		return refuse_outside_bundle(spec->root_path, real, real_bundle, err);
	if (stat(real, &st) < 0)
		return hull_fail(err, errno, "root.path: \"%s\": %s", spec->root_path, real);
	if (!S_ISDIR(st.st_mode))
		return hull_fail(err, ENOTDIR, "root.path: \"%s\": %s", spec->root_path, real);
	free(spec->rootfs);
	spec->rootfs = steal_pointer(&real);
	return 0;
}

static int parse_mounts(const json_t *root, struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *mounts = NULL, *m;
	size_t i;

	if (hull_jget_ref(root, "mounts", false, true, &mounts, &p, err) < 0)
		return -1;
	spec->mounts = mounts ? json_incref(mounts) : json_array();
	hull_jpath_key(&p, "mounts");
	json_array_foreach(mounts, i, m)
	{
		size_t at = hull_jpath_index(&p, i);
		const char *dest = NULL, *ignored = NULL;
		json_t *options = NULL;

		if (!json_is_object(m))
			return hull_jfail_type(err, &p, "an object", m);
		if (hull_jget_str(m, "destination", true, &dest, &p, err) < 0 ||
		    hull_jget_str(m, "type", false, &ignored, &p, err) < 0 ||
		    hull_jget_str(m, "source", false, &ignored, &p, err) < 0)
			return -1;
		if (dest[0] != '/')
			return hull_fail(err, 0, "%s.destination: \"%s\" is not an absolute path",
			                 p.buf, dest);
		if (hull_jget_strings(m, "options", false, &options, &p, err) < 0)
			return -1;
		hull_jpath_pop(&p, at);
	}
	return 0;
}

static int parse_namespaces(const json_t *linux_, struct hull_spec *spec, hull_error_t *err)
{
	unsigned long seen = 0;
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *list = NULL, *ns;
	size_t i;

	hull_jpath_key(&p, "linux");
	if (hull_jget_ref(linux_, "namespaces", false, true, &list, &p, err) < 0)
		return -1;
	spec->namespaces = list ? json_incref(list) : json_array();
	hull_jpath_key(&p, "namespaces");
	json_array_foreach(list, i, ns)
	{
		size_t at = hull_jpath_index(&p, i);
		const char *type = NULL, *ns_path = NULL;
		unsigned long flag;

		if (!json_is_object(ns))
			return hull_jfail_type(err, &p, "an object", ns);
		if (hull_jget_str(ns, "type", true, &type, &p, err) < 0 ||
		    hull_jget_str(ns, "path", false, &ns_path, &p, err) < 0)
			return -1;
		flag = hull_ns_flag(type);
		if (flag == 0)
			return hull_fail(err, 0,
			                 "%s.type: \"%s\" is not a namespace type (pid, network, "
			                 "mount, ipc, uts, user, cgroup, time)",
			                 p.buf, type);
		if (seen & flag)
			return hull_jfail(err, &p, "namespace \"%s\" is listed twice", type);
		seen |= flag;
		if (ns_path && ns_path[0] && ns_path[0] != '/')
			return hull_fail(err, 0, "%s.path: \"%s\" is not an absolute path", p.buf,
			                 ns_path);
		if (strcmp(type, "network") == 0) {
			spec->has_netns = true;
			if (ns_path && ns_path[0]) {
				spec->netns_path = strdup(ns_path);
				if (spec->netns_path == NULL)
					return hull_fail(err, ENOMEM, "%s", p.buf);
			}
		}
		hull_jpath_pop(&p, at);
	}
	return 0;
}

/*
 * linux.sysctl: namespaced names only, each needing its namespace among
 * linux.namespaces, as runc checks them (the guest's network namespace is
 * every container's, so net.* always has one).
 */
static int check_sysctl(const json_t *linux_, const struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	unsigned long ns = CLONE_NEWNET;
	json_t *sysctl = NULL, *v, *entry;
	const char *key;
	size_t i;

	json_array_foreach(spec->namespaces, i, entry) ns |=
	    hull_ns_flag(json_string_value(json_object_get(entry, "type")));
	hull_jpath_key(&p, "linux");
	if (hull_jget_ref(linux_, "sysctl", false, false, &sysctl, &p, err) < 0)
		return -1;
	json_object_foreach(sysctl, key, v)
	{
		if (!json_is_string(v))
			return hull_fail(err, 0, "linux.sysctl.%s: expected a string", key);
		if (hull_sysctl_check(key, ns, err) < 0)
			return -1;
	}
	return 0;
}

int hull_spec_check_sandbox_namespaces(const struct hull_spec *spec, hull_error_t *err)
{
	json_t *ns;
	size_t i;

	json_array_foreach(spec->namespaces, i, ns)
	{
		const char *type = json_string_value(json_object_get(ns, "type"));
		const char *path = json_string_value(json_object_get(ns, "path"));

		if (path && path[0] && type && strcmp(type, "network") != 0)
			return hull_fail(
			    err, 0,
			    "linux.namespaces[%zu].path: %s: a sandbox cannot join the "
			    "host's %s namespace; only \"network\" may name one by path",
			    i, path, type);
	}
	return 0;
}

/* Kata's newLinuxDeviceInfo: the type first, then the path. */
static int parse_devices(const json_t *linux_, struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *list = NULL, *dev;
	size_t i;

	hull_jpath_key(&p, "linux");
	if (hull_jget_ref(linux_, "devices", false, true, &list, &p, err) < 0)
		return -1;
	spec->devices = list ? json_incref(list) : json_array();
	hull_jpath_key(&p, "devices");
	json_array_foreach(list, i, dev)
	{
		size_t at = hull_jpath_index(&p, i);
		const char *type = NULL, *dev_path = NULL;

		if (!json_is_object(dev))
			return hull_jfail_type(err, &p, "an object", dev);
		if (hull_jget_str(dev, "type", false, &type, &p, err) < 0 ||
		    hull_jget_str(dev, "path", false, &dev_path, &p, err) < 0)
			return -1;
		if (type == NULL)
			type = "";
		if (dev_path == NULL)
			dev_path = "";
		if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
			return hull_jfail(err, &p, "device %s: unexpected type \"%s\"", dev_path,
			                  type);
		if (dev_path[0] == '\0')
			return hull_jfail(err, &p, "device: path cannot be empty");
		if (check_int_member(dev, "major", INT64_MIN, INT64_MAX, &p, err) < 0 ||
		    check_int_member(dev, "minor", INT64_MIN, INT64_MAX, &p, err) < 0 ||
		    check_int_member(dev, "fileMode", 0, UINT32_MAX, &p, err) < 0 ||
		    check_int_member(dev, "uid", 0, UINT32_MAX, &p, err) < 0 ||
		    check_int_member(dev, "gid", 0, UINT32_MAX, &p, err) < 0)
			return -1;
		hull_jpath_pop(&p, at);
	}
	return 0;
}

/*
 * linux sections runc honours and hull cannot: refused by name rather than
 * ignored.  An empty netDevices moves nothing (runc accepts it too).
 */
static int refuse_unsupported_linux(const json_t *linux_, hull_error_t *err)
{
	const json_t *net_devices = json_object_get(linux_, "netDevices");

	if (json_object_get(linux_, "intelRdt") &&
	    !json_is_null(json_object_get(linux_, "intelRdt")))
		return hull_fail(err, 0,
		                 "linux.intelRdt: the guest has no resctrl (Intel RDT cannot be "
		                 "applied inside hull's VM); remove it");
	if (net_devices && !json_is_null(net_devices) &&
	    !(json_is_object(net_devices) && json_object_size(net_devices) == 0))
		return hull_fail(err, 0,
		                 "linux.netDevices: moving host network devices into the VM is not "
		                 "supported; hull gives the sandbox its network through the "
		                 "endpoints of its network namespace");
	if (json_object_get(linux_, "memoryPolicy") &&
	    !json_is_null(json_object_get(linux_, "memoryPolicy")))
		return hull_fail(
		    err, 0,
		    "linux.memoryPolicy: hull does not set NUMA memory policies in the "
		    "guest; remove it");
	return 0;
}

static int parse_linux(const json_t *root, struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *linux_ = NULL, *resources = NULL;

	if (hull_jget_ref(root, "linux", false, false, &linux_, &p, err) < 0)
		return -1;
	if (linux_ == NULL)
		return hull_fail(err, 0, "missing \"linux\" section");
	spec->linux_ = json_incref(linux_);
	if (refuse_lsm_label(linux_, "linux", "mountLabel", "SELinux", err) < 0 ||
	    refuse_unsupported_linux(linux_, err) < 0 ||
	    hull_seccomp_check(json_object_get(linux_, "seccomp"), err) < 0)
		return -1;
	hull_jpath_key(&p, "linux");
	if (parse_namespaces(linux_, spec, err) < 0 || check_sysctl(linux_, spec, err) < 0 ||
	    parse_devices(linux_, spec, err) < 0 ||
	    hull_jget_ref(linux_, "resources", false, false, &resources, &p, err) < 0)
		return -1;
	spec->resources = resources ? json_incref(resources) : json_object();
	return 0;
}

static int parse_annotations(const json_t *root, struct hull_spec *spec, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	json_t *annotations = NULL, *value;
	const char *key;

	if (hull_jget_ref(root, "annotations", false, false, &annotations, &p, err) < 0)
		return -1;
	spec->annotations = annotations ? json_incref(annotations) : json_object();
	json_object_foreach(annotations, key, value) if (!json_is_string(value)) return hull_fail(
	    err, 0, "annotations.%s: expected a string", key);
	return 0;
}

/* hooks: checked here, run by runtime/hooks.c and, in the guest, by the agent. */
static int parse_hooks(const json_t *root, struct hull_spec *spec, hull_error_t *err)
{
	json_t *hooks = json_object_get(root, "hooks");

	if (hooks == NULL || json_is_null(hooks))
		return 0;
	if (hull_hooks_check(hooks, err) < 0)
		return -1;
	spec->hooks = json_incref(hooks);
	return 0;
}

static int parse_root_object(const json_t *root, const char *bundle, struct hull_spec *spec,
                             hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_OCI_INIT;
	const char *version = NULL, *hostname = NULL, *domainname = NULL;

	if (!json_is_object(root))
		return hull_fail(err, 0, "expected a JSON object");
	if (hull_jget_str(root, "ociVersion", true, &version, &p, err) < 0 ||
	    parse_version(version, err) < 0)
		return -1;
	spec->oci_version = strdup(version);
	if (parse_process(root, spec, err) < 0 || parse_root(root, bundle, spec, err) < 0 ||
	    hull_jget_str(root, "hostname", false, &hostname, &p, err) < 0 ||
	    hull_jget_str(root, "domainname", false, &domainname, &p, err) < 0)
		return -1;
	spec->hostname = strdup(hostname ? hostname : "");
	spec->domainname = strdup(domainname ? domainname : "");
	if (spec->oci_version == NULL || spec->hostname == NULL || spec->domainname == NULL)
		return hull_fail(err, ENOMEM, "config.json");
	if (parse_mounts(root, spec, err) < 0 || parse_linux(root, spec, err) < 0 ||
	    parse_annotations(root, spec, err) < 0 || parse_hooks(root, spec, err) < 0)
		return -1;
	return 0;
}

int hull_spec_parse(const char *name, const char *text, size_t len, const char *bundle,
                    struct hull_spec *spec, hull_error_t *err)
{
	cleanup_json json_t *root = hull_json_parse(name, text, len, err);

	if (root == NULL)
		return -1;
	if (parse_root_object(root, bundle, spec, err) < 0)
		return hull_error_prefix(err, "%s", name);
	return 0;
}

int hull_spec_load(const char *bundle, struct hull_spec *spec, hull_error_t *err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	size_t len;

	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return hull_fail(err, ENOMEM, "config.json");
	if (hull_read_file(path, &text, &len, err) < 0)
		return -1;
	if (hull_spec_parse(path, text, len, bundle, spec, err) < 0)
		return -1;
	if (hull_spec_resolve_rootfs(spec, bundle, err) < 0)
		return hull_error_prefix(err, "%s", path);
	return 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void hull_spec_free(struct hull_spec *spec)
{
	free(spec->oci_version);
	strv_free(spec->args);
	strv_free(spec->env);
	free(spec->cwd);
	free(spec->additional_gids);
	free(spec->rootfs);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	free(spec->netns_path);
	json_decref(spec->process);
	json_decref(spec->linux_);
	json_decref(spec->mounts);
	json_decref(spec->devices);
	json_decref(spec->namespaces);
	json_decref(spec->resources);
	json_decref(spec->annotations);
	json_decref(spec->hooks);
	memset(spec, 0, sizeof(*spec));
}
