/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prepare_container: the container's root inside the guest.  Mount the
 * shared rootfs (virtio-fs) when asked, then every OCI mount the guest can
 * honour under that root (proc, sysfs, tmpfs, /dev with its standard
 * nodes, devpts, mqueue, cgroup2, virtio-fs volumes), translating the OCI
 * option strings into mount flags and data as runc and crun do; a bind
 * mount of a host path cannot be honoured in the guest and is reported as
 * skipped.  Then the root is made read-only if asked, and the hostname set.
 *
 * Destinations are resolved with openat2(RESOLVE_IN_ROOT), so a symlink in
 * the image cannot send a mount outside the container's root, and missing
 * directories are created one component at a time under the same rule.
 * The request is checked whole before anything is mounted; a mount that
 * fails undoes the ones made before it.  The parse and mount code is
 * shared with the container's rootfs (mounts.h, rootfs.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "vmm/agent/agent.h"
#include "vmm/agent/mounts.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

struct container_plan {
	const char *root;
	const char *share_tag;
	bool readonly;
	const char *hostname;
	struct mount_plan *mounts;
	size_t n_mounts;
};

void mount_plan_release(struct mount_plan *m)
{
	free(m->rel);
	free(m->data);
	free(m->skip_reason);
	memset(m, 0, sizeof(*m));
}

static void plan_release(struct container_plan *p)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		mount_plan_release(&p->mounts[i]);
	free(p->mounts);
	memset(p, 0, sizeof(*p));
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

static int plan_from_json(json_t *req, struct container_plan *p, hull_error_t *err)
{
	json_t *share = json_object_get(req, "share"), *mounts = json_object_get(req, "mounts"), *m;
	json_t *ro = json_object_get(req, "readonly"), *hn = json_object_get(req, "hostname");
	size_t i;

	p->root = json_string_value(json_object_get(req, "root"));
	if (p->root == NULL || p->root[0] != '/')
		return hull_fail(err, 0, "\"root\" must be an absolute path");
	if (share && !json_is_null(share)) {
		p->share_tag = json_string_value(json_object_get(share, "tag"));
		if (p->share_tag == NULL || p->share_tag[0] == '\0')
			return hull_fail(err, 0, "\"share\" needs a \"tag\"");
	}
	if (ro && !json_is_boolean(ro))
		return hull_fail(err, 0, "\"readonly\" must be true or false");
	p->readonly = json_is_true(ro);
	if (hn && !json_is_null(hn)) {
		p->hostname = json_string_value(hn);
		if (p->hostname == NULL)
			return hull_fail(err, 0, "\"hostname\" must be a string");
		if (strlen(p->hostname) > HOST_NAME_MAX)
			return hull_fail(err, 0, "hostname \"%s\" is longer than %d bytes",
			                 p->hostname, HOST_NAME_MAX);
	}
	if (mounts && !json_is_null(mounts) && !json_is_array(mounts))
		return hull_fail(err, 0, "\"mounts\" must be an array");
	p->mounts = calloc(json_array_size(mounts) + 1, sizeof(*p->mounts));
	if (p->mounts == NULL)
		return hull_fail(err, ENOMEM, "mounts");
	json_array_foreach(mounts, i, m)
	{
		p->n_mounts++;
		if (mount_plan_parse(m, i, &p->mounts[i], err) < 0)
			return -1;
	}
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

/* ---- doing it ---- */

/* What was mounted, undone in reverse when a later step fails. */
struct undo {
	char *rel[256]; /* NULL: the root itself */
	size_t n;
};

static void undo_push(struct undo *u, const char *rel)
{
	if (u->n < sizeof(u->rel) / sizeof(u->rel[0]))
		u->rel[u->n++] = rel ? strdup(rel) : NULL;
}

static void undo_run(struct undo *u, const char *root, int rootfd)
{
	while (u->n > 0) {
		char *rel = u->rel[--u->n];

		if (rel == NULL) {
			if (umount2(root, MNT_DETACH) < 0)
				log_warning("undo: umount %s: %s", root, strerror(errno));
		} else {
			int fd = rootfd >= 0 ? mount_open_in_root(rootfd, rel) : -1;
			char path[64];

			mount_fd_path(fd, path);
			if (fd < 0 || umount2(path, MNT_DETACH) < 0)
				log_warning("undo: umount %s/%s: %s", root, rel, strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		free(rel);
	}
}

static void undo_forget(struct undo *u)
{
	while (u->n > 0)
		free(u->rel[--u->n]);
}

static int mkdir_p(const char *path, hull_error_t *err)
{
	cleanup_free char *p = strdup(path);

	if (p == NULL)
		return hull_fail(err, ENOMEM, "create %s", path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return hull_fail(err, errno, "create %s", p);
			*s = c;
			if (c == '\0')
				return 0;
		}
	}
}

bool mount_is_mount_point(const char *path)
{
	struct statx stx, parent;
	cleanup_free char *up = NULL;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		return false;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
	if (asprintf(&up, "%s/..", path) < 0 ||
	    statx(AT_FDCWD, up, 0, STATX_BASIC_STATS, &parent) < 0)
		return false;
	return stx.stx_dev_major != parent.stx_dev_major ||
	       stx.stx_dev_minor != parent.stx_dev_minor;
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

int mount_in_root(int rootfd, const struct mount_plan *m, unsigned long drop, bool *mounted,
                  hull_error_t *err)
{
	cleanup_close int fd = mount_mkdir_in_root(rootfd, m->rel, err);
	char path[64];

	*mounted = false;
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

/* Mounts one planned mount; 1 when it was skipped (optional and failed). */
static int do_mount(int rootfd, struct mount_plan *m, struct undo *u, hull_error_t *err)
{
	bool mounted;
	int r = mount_in_root(rootfd, m, 0, &mounted, err);

	if (mounted)
		undo_push(u, m->rel);
	if (r == 1) {
		if (asprintf(&m->skip_reason, "mount %s: %s", m->type, strerror(errno)) < 0)
			m->skip_reason = NULL;
		return 1;
	}
	if (r < 0)
		return -1;
	if (m->make_dev && dev_populate_defaults(rootfd, NULL, 0, err) < 0)
		return -1;
	return 0;
}

static int prepare(struct container_plan *p, struct undo *u, int *rootfd_out, hull_error_t *err)
{
	struct stat st;

	if (p->share_tag == NULL && stat(p->root, &st) < 0)
		return hull_fail(err, errno, "root %s", p->root);
	if (p->share_tag) {
		if (mkdir_p(p->root, err) < 0)
			return -1;
		if (mount(p->share_tag, p->root, "virtiofs", 0, NULL) < 0)
			return hull_fail(err, errno, "mount virtiofs tag \"%s\" on %s",
			                 p->share_tag, p->root);
		undo_push(u, NULL);
	}
	/* Only a mount can be made read-only: make the root one if it is not. */
	if (p->readonly && !mount_is_mount_point(p->root)) {
		if (mount(p->root, p->root, NULL, MS_BIND, NULL) < 0)
			return hull_fail(err, errno, "bind %s onto itself", p->root);
		undo_push(u, NULL);
	}
	/* Opened after the mounts above, so that what follows lands on them. */
	*rootfd_out = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*rootfd_out < 0)
		return hull_fail(err, errno, "root %s", p->root);
	for (size_t i = 0; i < p->n_mounts; i++) {
		struct mount_plan *m = &p->mounts[i];

		if (m->skip_reason)
			continue;
		if (do_mount(*rootfd_out, m, u, err) < 0)
			return -1;
	}
	if (p->readonly &&
	    mount(NULL, p->root, NULL,
	          MS_REMOUNT | MS_BIND | MS_RDONLY | mount_remount_flags(p->root), NULL) < 0)
		return hull_fail(err, errno, "make %s read-only", p->root);
	if (p->hostname && p->hostname[0] && sethostname(p->hostname, strlen(p->hostname)) < 0)
		return hull_fail(err, errno, "set hostname \"%s\"", p->hostname);
	return 0;
}

int agent_prepare_container(json_t *req, json_t **reply, hull_error_t *err)
{
	struct container_plan plan = {0};
	struct undo undo = {.n = 0};
	cleanup_close int rootfd = -1;
	json_t *out = NULL, *mounted = NULL, *skipped = NULL;
	int ret = -1;

	if (plan_from_json(req, &plan, err) < 0)
		goto done;
	if (prepare(&plan, &undo, &rootfd, err) < 0) {
		undo_run(&undo, plan.root, rootfd);
		goto done;
	}
	undo_forget(&undo);
	out = json_object();
	mounted = json_array();
	skipped = json_array();
	if (out == NULL || mounted == NULL || skipped == NULL) {
		hull_fail(err, ENOMEM, "prepare_container reply");
		goto done;
	}
	for (size_t i = 0; i < plan.n_mounts; i++) {
		struct mount_plan *m = &plan.mounts[i];

		if (m->skip_reason)
			json_array_append_new(skipped,
			                      json_pack("{s:s, s:s}", "destination", m->destination,
			                                "reason", m->skip_reason));
		else
			json_array_append_new(mounted, json_string(m->destination));
	}
	json_object_set_new(out, "mounted", steal_pointer(&mounted));
	json_object_set_new(out, "skipped", steal_pointer(&skipped));
	*reply = steal_pointer(&out);
	ret = 0;
done:
	json_decref(out);
	json_decref(mounted);
	json_decref(skipped);
	plan_release(&plan);
	return ret;
}
