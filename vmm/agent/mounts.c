/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One OCI mount of a container's rootfs (rootfs.c): the guest honours
 * proc, sysfs, tmpfs, /dev with its standard nodes, devpts, mqueue,
 * cgroup2 and virtio-fs volumes, translating the OCI option strings into
 * mount flags and data as runc and crun do.  A bind mount marked "shared"
 * is one the host put on the sandbox's virtio-fs share (docs/mounts.md):
 * its source is that guest path, bound with its options.  Any other bind
 * mount names a host path the guest cannot see and is marked skipped.
 *
 * Destinations are resolved with openat2(RESOLVE_IN_ROOT), so a symlink in
 * the image cannot send a mount outside the container's root, and missing
 * directories are created one component at a time under the same rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/mount_options.h"
#include "vmm/agent/mounts.h"

void mount_plan_release(struct mount_plan *m)
{
	free(m->rel);
	free(m->data);
	free(m->skip_reason);
	memset(m, 0, sizeof(*m));
}

/*
 * One OCI option: a flag, a propagation, or filesystem data.  The
 * recursive forms (rro, rnosuid, ...) act as the plain ones: a fresh
 * mount has no submounts yet.
 */
static int add_option(struct mount_plan *m, const char *opt, size_t *data_len)
{
	const struct hull_mount_flag *k = hull_mount_flag_find(opt);
	unsigned long propagation = hull_mount_propagation_find(opt);

	if (k == NULL && opt[0] == 'r') {
		const struct hull_mount_flag *plain = hull_mount_flag_find(opt + 1);

		if (plain && plain->flag != 0 && (plain->flag & (MS_BIND | MS_REMOUNT)) == 0)
			k = plain;
	}
	if (k) {
		if (k->clear)
			m->flags &= ~k->flag;
		else
			m->flags |= k->flag;
		return 0;
	}
	if (propagation) {
		m->propagation = propagation;
		return 0;
	}
	if (hull_mount_option_ignored(opt)) {
		log_debug("mount %s: option %s ignored", m->destination, opt);
		return 0;
	}
	/* Anything else is the filesystem's own: "mode=755", "size=64m", "newinstance". */
	{
		size_t len = strlen(opt), need = *data_len + (*data_len ? 1 : 0) + len + 1;
		char *bigger = realloc(m->data, need);

		if (bigger == NULL)
			return -1;
		m->data = bigger;
		if (*data_len)
			m->data[(*data_len)++] = ',';
		memcpy(m->data + *data_len, opt, len + 1);
		*data_len += len;
	}
	return 0;
}

char *mount_clean_rel(const char *dest)
{
	size_t len = strlen(dest);
	char *out = malloc(len + 1);
	size_t n = 0;
	const char *p = dest;

	if (out == NULL)
		return NULL;
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);

		if (clen == 0 || (clen == 1 && p[0] == '.')) {
			/* nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, clen);
			n += clen;
		}
		p = *end ? end + 1 : end;
	}
	out[n] = '\0';
	return out;
}

/* A bind the host made available on the share: its source is a guest path. */
static int bind_from_share(struct mount_plan *m, hull_error_t *err)
{
	if (m->source == NULL || m->source[0] != '/')
		return hull_fail(err, 0, "mount %s: a shared bind needs an absolute \"source\"",
		                 m->destination);
	if (m->flags & MS_REMOUNT)
		return hull_fail(err, 0, "mount %s: \"remount\" makes no sense for a new mount",
		                 m->destination);
	m->flags |= MS_BIND;
	m->bind = true;
	return 0;
}

int mount_plan_parse(json_t *j, size_t idx, struct mount_plan *m, hull_error_t *err)
{
	json_t *options = json_object_get(j, "options"), *o;
	const char *type = json_string_value(json_object_get(j, "type"));
	size_t i, data_len = 0;

	if (!json_is_object(j))
		return hull_fail(err, 0, "mounts[%zu]: expected an object", idx);
	m->destination = json_string_value(json_object_get(j, "destination"));
	if (m->destination == NULL || m->destination[0] == '\0')
		return hull_fail(err, 0, "mounts[%zu]: missing \"destination\"", idx);
	m->rel = mount_clean_rel(m->destination);
	if (m->rel == NULL)
		return hull_fail(err, ENOMEM, "mounts[%zu]", idx);
	if (m->rel[0] == '\0')
		return hull_fail(err, 0, "mounts[%zu]: destination \"%s\" is the container's root",
		                 idx, m->destination);
	if (json_object_get(j, "source") && !json_is_string(json_object_get(j, "source")))
		return hull_fail(err, 0, "mount %s: \"source\" must be a string", m->destination);
	m->source = json_string_value(json_object_get(j, "source"));
	if (options && !json_is_array(options))
		return hull_fail(err, 0, "mount %s: \"options\" must be an array of strings",
		                 m->destination);
	json_array_foreach(options, i, o)
	{
		const char *s = json_string_value(o);

		if (s == NULL)
			return hull_fail(err, 0, "mount %s: options[%zu] is not a string",
			                 m->destination, i);
		if (add_option(m, s, &data_len) < 0)
			return hull_fail(err, ENOMEM, "mount %s", m->destination);
	}
	if ((type && strcmp(type, "bind") == 0) || (m->flags & MS_BIND)) {
		if (json_is_true(json_object_get(j, "shared")))
			return bind_from_share(m, err);
		if (asprintf(&m->skip_reason,
		             "bind mount of \"%s\": a host path cannot be honoured in the guest",
		             m->source ? m->source : "") < 0)
			return hull_fail(err, ENOMEM, "mount %s", m->destination);
		return 0;
	}
	if (type == NULL || type[0] == '\0')
		return hull_fail(err, 0, "mount %s: missing \"type\"", m->destination);
	if (!hull_mount_type_known(type))
		return hull_fail(err, 0, "mount %s: unknown mount type \"%s\"", m->destination,
		                 type);
	if (m->flags & MS_REMOUNT)
		return hull_fail(err, 0, "mount %s: \"remount\" makes no sense for a new mount",
		                 m->destination);
	m->type = type;
	/* The guest's cgroups are unified: a "cgroup" mount is cgroup2 (runc does so too). */
	if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
		m->type = "cgroup2";
		m->optional = true;
		free(m->data);
		m->data = NULL;
	}
	if (m->source == NULL || m->source[0] == '\0')
		m->source = m->type;
	m->make_dev = strcmp(m->rel, "dev") == 0 && strcmp(m->type, "tmpfs") == 0;
	return 0;
}

/* ---- resolving under the root ---- */

int mount_open_in_root(int rootfd, const char *rel)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC | O_DIRECTORY,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
}

int mount_mkdir_in_root(int rootfd, const char *rel, hull_error_t *err)
{
	cleanup_free char *path = NULL;
	char *p;
	int fd = mount_open_in_root(rootfd, rel);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return hull_fail(err, errno, "open /%s in the container's root", rel);
	path = strdup(rel);
	if (path == NULL)
		return hull_fail(err, ENOMEM, "create /%s", rel);
	for (p = path;;) {
		char *slash = strchr(p, '/');

		if (slash)
			*slash = '\0';
		fd = mount_open_in_root(rootfd, path);
		if (fd < 0 && errno == ENOENT) {
			cleanup_close int parent = -1;

			if (p > path) {
				p[-1] = '\0';
				parent = mount_open_in_root(rootfd, path);
				p[-1] = '/';
			} else {
				parent = dup(rootfd);
			}
			if (parent < 0)
				return hull_fail(err, errno, "create /%s", path);
			if (mkdirat(parent, p, 0755) < 0 && errno != EEXIST)
				return hull_fail(err, errno, "create /%s", path);
			fd = mount_open_in_root(rootfd, path);
		}
		if (fd < 0)
			return hull_fail(err, errno, "create /%s", path);
		if (slash == NULL)
			return fd;
		close(fd);
		*slash = '/';
		p = slash + 1;
	}
}

void mount_fd_path(int fd, char buf[64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

unsigned long mount_remount_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* An O_PATH fd on rel (any type) under rootfd, resolved as mount_open_in_root does. */
static int open_any_in_root(int rootfd, const char *rel)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

/* An O_PATH fd on rel, an existing file or an empty one created (its directories too). */
static int file_in_root(int rootfd, const char *rel, hull_error_t *err)
{
	struct open_how how = {
	    .flags = O_CREAT | O_WRONLY | O_CLOEXEC,
	    .mode = 0644,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_free char *parent = strdup(rel);
	cleanup_close int fd = open_any_in_root(rootfd, rel);
	char *slash;

	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? steal_fd(&fd) : hull_fail(err, errno, "open /%s", rel);
	if (parent == NULL)
		return hull_fail(err, ENOMEM, "create /%s", rel);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		fd = mount_mkdir_in_root(rootfd, parent, err);
		if (fd < 0)
			return -1;
		close(steal_fd(&fd));
	}
	fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd < 0)
		return hull_fail(err, errno, "create /%s", rel);
	close(steal_fd(&fd));
	fd = open_any_in_root(rootfd, rel);
	return fd >= 0 ? steal_fd(&fd) : hull_fail(err, errno, "open /%s", rel);
}

/* The flags a bind mount takes on its remount. */
#define BIND_REMOUNT_FLAGS                                                                         \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME)

/* m->source bound onto rel (a directory or a file, as the source is), then remounted. */
static int bind_in_root(int rootfd, const struct mount_plan *m, bool *mounted, hull_error_t *err)
{
	cleanup_close int fd = -1;
	struct stat st;
	char path[64];
	unsigned long flags;

	if (stat(m->source, &st) < 0)
		return hull_fail(err, errno, "mount %s: bind source %s", m->destination, m->source);
	fd = S_ISDIR(st.st_mode) ? mount_mkdir_in_root(rootfd, m->rel, err)
	                         : file_in_root(rootfd, m->rel, err);
	if (fd < 0)
		return hull_error_prefix(err, "mount %s", m->destination);
	mount_fd_path(fd, path);
	if (mount(m->source, path, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return hull_fail(err, errno, "bind %s on %s", m->source, m->destination);
	*mounted = true;
	close(steal_fd(&fd));
	fd = open_any_in_root(rootfd, m->rel);
	if (fd < 0)
		return hull_fail(err, errno, "open %s after mounting it", m->destination);
	mount_fd_path(fd, path);
	/* The flags the share holds (nodev) stay: a user namespace could not drop them. */
	flags = mount_remount_flags(path);
	if (m->flags & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME))
		flags &= ~(MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME);
	flags |= m->flags & BIND_REMOUNT_FLAGS;
	if ((m->flags & BIND_REMOUNT_FLAGS) &&
	    mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
		return hull_fail(err, errno, "remount the bind on %s with its options",
		                 m->destination);
	if (m->propagation && mount(NULL, path, NULL, m->propagation, NULL) < 0)
		return hull_fail(err, errno, "set the propagation of %s", m->destination);
	return 0;
}

int mount_in_root(int rootfd, const struct mount_plan *m, unsigned long drop, bool *mounted,
                  hull_error_t *err)
{
	cleanup_close int fd = -1;
	char path[64];

	*mounted = false;
	if (m->bind)
		return bind_in_root(rootfd, m, mounted, err);
	fd = mount_mkdir_in_root(rootfd, m->rel, err);
	if (fd < 0)
		return hull_error_prefix(err, "mount %s", m->destination);
	mount_fd_path(fd, path);
	if (mount(m->source, path, m->type, m->flags & ~drop, m->data) < 0) {
		int e = errno;

		if (m->optional) {
			errno = e;
			return 1;
		}
		if (m->data)
			return hull_fail(err, e, "mount %s on %s (%s)", m->type, m->destination,
			                 m->data);
		return hull_fail(err, e, "mount %s on %s", m->type, m->destination);
	}
	*mounted = true;
	if (m->propagation == 0)
		return 0;
	/* The fd still names the directory under the new mount: look again. */
	close(fd);
	fd = mount_open_in_root(rootfd, m->rel);
	if (fd < 0)
		return hull_fail(err, errno, "open %s after mounting it", m->destination);
	mount_fd_path(fd, path);
	if (mount(NULL, path, NULL, m->propagation, NULL) < 0)
		return hull_fail(err, errno, "set the propagation of %s", m->destination);
	return 0;
}
