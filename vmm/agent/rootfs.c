/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem view (rootfs.h), made as runc's
 * prepareRootfs and finalizeRootfs make it: "/" made rslave (or the
 * rootfsPropagation), the root bound onto itself, the OCI mounts under it
 * (mounts.h), the default /dev and linux.devices (rootfs_devices.c),
 * pivot_root, then in the new root the rootfsPropagation, linux.sysctl,
 * readonlyPaths, maskedPaths, a read-only /dev and the read-only root.
 * Everything is checked in rootfs_plan_parse, in the agent, so that the
 * forked process has only the system calls left to fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mount_options.h"
#include "common/sysctl.h"
#include "vmm/agent/mounts.h"
#include "vmm/agent/rootfs.h"

struct sysctl_setting {
	const char *name, *value;
};

struct rootfs_plan {
	json_t *req; /* held: the strings below point into it */
	const char *root;
	bool readonly;
	unsigned long propagation; /* linux.rootfsPropagation; 0: not given */
	struct mount_plan *mounts;
	size_t n_mounts;
	const char **masked;
	size_t n_masked;
	const char **readonly_paths;
	size_t n_readonly_paths;
	struct dev_node *devices;
	size_t n_devices;
	struct sysctl_setting *sysctls;
	size_t n_sysctls;
	json_t *skipped;
};

void rootfs_plan_free(struct rootfs_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_mounts; i++)
		mount_plan_release(&p->mounts[i]);
	free(p->mounts);
	free(p->masked);
	free(p->readonly_paths);
	free(p->devices);
	free(p->sysctls);
	json_decref(p->skipped);
	json_decref(p->req);
	free(p);
}

json_t *rootfs_plan_skipped(const struct rootfs_plan *p)
{
	return p->skipped;
}

/* ---- parse ---- */

static int parse_root(struct rootfs_plan *p, hull_error_t *err)
{
	json_t *root = json_object_get(p->req, "root");
	struct stat st;

	p->root = json_string_value(root);
	if (p->root == NULL)
		return hull_fail(err, 0, "root: missing, or not a string");
	if (p->root[0] != '/')
		return hull_fail(err, 0, "root: \"%s\" is not an absolute path", p->root);
	if (stat(p->root, &st) < 0)
		return hull_fail(err, errno, "root: %s", p->root);
	if (!S_ISDIR(st.st_mode))
		return hull_fail(err, 0, "root: %s is not a directory", p->root);
	return 0;
}

static int parse_mounts(struct rootfs_plan *p, hull_error_t *err)
{
	json_t *mounts = json_object_get(p->req, "mounts"), *m;
	size_t i;

	if (mounts && !json_is_null(mounts) && !json_is_array(mounts))
		return hull_fail(err, 0, "mounts: must be an array");
	p->mounts = calloc(json_array_size(mounts) + 1, sizeof(*p->mounts));
	p->skipped = json_array();
	if (p->mounts == NULL || p->skipped == NULL)
		return hull_fail(err, ENOMEM, "mounts");
	json_array_foreach(mounts, i, m)
	{
		struct mount_plan *mp = &p->mounts[i];

		p->n_mounts++;
		if (mount_plan_parse(m, i, mp, err) < 0)
			return -1;
		if (mp->skip_reason &&
		    json_array_append_new(p->skipped,
		                          json_pack("{s:s, s:s}", "destination", mp->destination,
		                                    "reason", mp->skip_reason)) < 0)
			return hull_fail(err, ENOMEM, "mounts");
	}
	return 0;
}

static int parse_propagation(struct rootfs_plan *p, json_t *linux_obj, hull_error_t *err)
{
	json_t *j = json_object_get(linux_obj, "rootfsPropagation");
	const char *s = json_string_value(j);

	if (j == NULL || json_is_null(j) || (s && s[0] == '\0'))
		return 0;
	if (s)
		p->propagation = hull_mount_propagation_find(s);
	if (p->propagation == 0)
		return hull_fail(err, 0,
		                 "linux.rootfsPropagation: \"%s\" is not one of shared, slave, "
		                 "private, unbindable, rshared, rslave, rprivate, runbindable",
		                 s ? s : "(not a string)");
	return 0;
}

/* linux.maskedPaths, linux.readonlyPaths: absolute paths. */
static int parse_paths(json_t *linux_obj, const char *field, const char ***out, size_t *n,
                       hull_error_t *err)
{
	json_t *arr = json_object_get(linux_obj, field), *v;
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return hull_fail(err, 0, "linux.%s: must be an array of paths", field);
	*out = calloc(json_array_size(arr) + 1, sizeof(**out));
	if (*out == NULL)
		return hull_fail(err, ENOMEM, "linux.%s", field);
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);

		if (s == NULL)
			return hull_fail(err, 0, "linux.%s[%zu]: not a string", field, i);
		if (s[0] != '/')
			return hull_fail(err, 0, "linux.%s[%zu]: \"%s\" is not an absolute path",
			                 field, i, s);
		(*out)[(*n)++] = s;
	}
	return 0;
}

/* An optional integer field of linux.devices[i] within [0, max]. */
static int device_number(json_t *d, size_t i, const char *field, bool required, uint64_t max,
                         uint64_t dflt, uint64_t *out, hull_error_t *err)
{
	json_t *j = json_object_get(d, field);

	*out = dflt;
	if (j == NULL || json_is_null(j)) {
		if (required)
			return hull_fail(err, 0, "linux.devices[%zu].%s: missing", i, field);
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) > max)
		return hull_fail(err, 0, "linux.devices[%zu].%s: must be an integer from 0 to %llu",
		                 i, field, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(j);
	return 0;
}

static int parse_device(json_t *d, size_t i, struct dev_node *n, hull_error_t *err)
{
	const char *type = json_string_value(json_object_get(d, "type"));
	cleanup_free char *rel = NULL;
	uint64_t major, minor, mode, uid, gid;
	bool fifo;

	if (!json_is_object(d))
		return hull_fail(err, 0, "linux.devices[%zu]: must be an object", i);
	if (type == NULL || strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
		return hull_fail(err, 0, "linux.devices[%zu].type: \"%s\" is not one of c, b, u, p",
		                 i, type ? type : "");
	n->path = json_string_value(json_object_get(d, "path"));
	if (n->path == NULL)
		return hull_fail(err, 0, "linux.devices[%zu].path: missing", i);
	rel = mount_clean_rel(n->path);
	if (rel == NULL)
		return hull_fail(err, ENOMEM, "linux.devices[%zu]", i);
	/* runc keeps device nodes in /dev, as the runtime spec says they are. */
	if (n->path[0] != '/' || strncmp(rel, "dev/", 4) != 0)
		return hull_fail(err, 0, "linux.devices[%zu].path: \"%s\" is not under /dev", i,
		                 n->path);
	fifo = type[0] == 'p';
	/* Linux's dev_t: 12 bits of major, 20 of minor. */
	if (device_number(d, i, "major", !fifo, 0xfff, 0, &major, err) < 0 ||
	    device_number(d, i, "minor", !fifo, 0xfffff, 0, &minor, err) < 0 ||
	    device_number(d, i, "fileMode", false, 0177777, 0666, &mode, err) < 0 ||
	    device_number(d, i, "uid", false, UINT32_MAX - 1, 0, &uid, err) < 0 ||
	    device_number(d, i, "gid", false, UINT32_MAX - 1, 0, &gid, err) < 0)
		return -1;
	/* Some engines send the type bits too (0020666): runc drops them, and so does hull. */
	n->mode = (mode_t)(mode & 07777);
	n->mode |= type[0] == 'b' ? S_IFBLK : fifo ? S_IFIFO : S_IFCHR;
	n->rdev = makedev((unsigned)major, (unsigned)minor);
	n->uid = (uid_t)uid;
	n->gid = (gid_t)gid;
	return 0;
}

static int parse_devices(struct rootfs_plan *p, json_t *linux_obj, hull_error_t *err)
{
	json_t *arr = json_object_get(linux_obj, "devices"), *d;
	size_t i;

	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return hull_fail(err, 0, "linux.devices: must be an array");
	p->devices = calloc(json_array_size(arr) + 1, sizeof(*p->devices));
	if (p->devices == NULL)
		return hull_fail(err, ENOMEM, "linux.devices");
	json_array_foreach(arr, i, d)
	{
		if (parse_device(d, i, &p->devices[i], err) < 0)
			return -1;
		p->n_devices++;
	}
	return 0;
}

static int parse_sysctl(struct rootfs_plan *p, json_t *linux_obj, unsigned long ns_flags,
                        hull_error_t *err)
{
	json_t *obj = json_object_get(linux_obj, "sysctl"), *v;
	const char *name;

	if (obj == NULL || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return hull_fail(err, 0, "linux.sysctl: must be an object of strings");
	p->sysctls = calloc(json_object_size(obj) + 1, sizeof(*p->sysctls));
	if (p->sysctls == NULL)
		return hull_fail(err, ENOMEM, "linux.sysctl");
	json_object_foreach(obj, name, v)
	{
		if (!json_is_string(v))
			return hull_fail(err, 0,
			                 "linux.sysctl: the value of \"%s\" is not a string", name);
		if (hull_sysctl_check(name, ns_flags, err) < 0)
			return -1;
		p->sysctls[p->n_sysctls].name = name;
		p->sysctls[p->n_sysctls++].value = json_string_value(v);
	}
	return 0;
}

int rootfs_plan_parse(json_t *req, unsigned long ns_flags, struct rootfs_plan **out,
                      hull_error_t *err)
{
	struct rootfs_plan *p = calloc(1, sizeof(*p));
	json_t *ro = json_object_get(req, "readonly"), *linux_obj = json_object_get(req, "linux");

	if (p == NULL)
		return hull_fail(err, ENOMEM, "rootfs");
	p->req = json_incref(req);
	if (parse_root(p, err) < 0 || parse_mounts(p, err) < 0)
		goto fail;
	if (ro && !json_is_null(ro) && !json_is_boolean(ro)) {
		hull_fail(err, 0, "readonly: must be true or false");
		goto fail;
	}
	p->readonly = json_is_true(ro);
	if (linux_obj && !json_is_null(linux_obj) && !json_is_object(linux_obj)) {
		hull_fail(err, 0, "linux: must be an object");
		goto fail;
	}
	if (parse_propagation(p, linux_obj, err) < 0 ||
	    parse_paths(linux_obj, "maskedPaths", &p->masked, &p->n_masked, err) < 0 ||
	    parse_paths(linux_obj, "readonlyPaths", &p->readonly_paths, &p->n_readonly_paths, err) <
	        0 ||
	    parse_devices(p, linux_obj, err) < 0 || parse_sysctl(p, linux_obj, ns_flags, err) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	rootfs_plan_free(p);
	return -1;
}

/* ---- apply, in the container's first process ---- */

/* The OCI mounts, then /dev's nodes; a read-only /dev is made so later. */
static int mount_all(const struct rootfs_plan *p, int rootfd, hull_error_t *err)
{
	bool dev_tmpfs = false, mounted;

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct mount_plan *m = &p->mounts[i];
		int r;

		if (m->skip_reason)
			continue;
		r = mount_in_root(rootfd, m, m->make_dev ? MS_RDONLY : 0, &mounted, err);
		if (r < 0)
			return -1;
		dev_tmpfs |= m->make_dev && r == 0;
	}
	if (dev_tmpfs && dev_populate_defaults(rootfd, p->devices, p->n_devices, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_devices; i++)
		if (dev_node_make(rootfd, &p->devices[i], err) < 0)
			return hull_error_prefix(err, "linux.devices[%zu]", i);
	return 0;
}

static int write_sysctl(const struct sysctl_setting *s, hull_error_t *err)
{
	char path[512];
	cleanup_close int fd = -1;
	size_t len = strlen(s->value);

	snprintf(path, sizeof(path), "/proc/sys/%s", s->name);
	for (char *c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, s->value, len) != (ssize_t)len)
		return hull_fail(err, errno, "linux.sysctl \"%s\": write \"%s\" to %s", s->name,
		                 s->value, path);
	return 0;
}

int rootfs_plan_apply(const struct rootfs_plan *p, hull_error_t *err)
{
	cleanup_close int rootfd = -1;
	bool dev_ro = false;

	if (mount(NULL, "/", NULL, p->propagation ? p->propagation : MS_SLAVE | MS_REC, NULL) < 0)
		return hull_fail(err, errno, "set the propagation of /");
	if (rootfs_parent_private(p->root, err) < 0)
		return -1;
	if (mount(p->root, p->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return hull_fail(err, errno, "bind the root %s onto itself", p->root);
	/* Opened after the bind, so that what follows lands on it. */
	rootfd = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_fail(err, errno, "root %s", p->root);
	if (mount_all(p, rootfd, err) < 0)
		return -1;
	if (rootfs_pivot(p->root, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_mounts; i++)
		dev_ro |= p->mounts[i].make_dev && (p->mounts[i].flags & MS_RDONLY);
	rootfs_reopen_dev_null();
	/* After pivot_root, which would have overridden it on the old "/". */
	if (p->propagation && mount(NULL, "/", NULL, p->propagation, NULL) < 0)
		return hull_fail(err, errno, "linux.rootfsPropagation: set it on the new /");
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (write_sysctl(&p->sysctls[i], err) < 0)
			return -1;
	for (size_t i = 0; i < p->n_readonly_paths; i++)
		if (rootfs_readonly_path(p->readonly_paths[i], err) < 0)
			return -1;
	for (size_t i = 0; i < p->n_masked; i++)
		if (rootfs_mask_path(p->masked[i], err) < 0)
			return -1;
	if (dev_ro && rootfs_remount_readonly("/dev", "/dev", err) < 0)
		return -1;
	if (p->readonly && rootfs_remount_readonly("/", "the root", err) < 0)
		return -1;
	return 0;
}
