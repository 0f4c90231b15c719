/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device nodes in the container's root (see mounts.h): runc's default
 * /dev (createDevices with the default devices, setupPtmx,
 * setupDevSymlinks) and linux.devices.  Nodes are made with mknod; in a
 * user namespace, where mknod is not allowed, the agent's own node is
 * bind-mounted over an empty file instead, as runc does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/agent/mounts.h"

/* runc's default devices, all 0666 root:root. */
static const struct {
	const char *path;
	unsigned major, minor;
} default_nodes[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static const struct {
	const char *name, *target;
} default_links[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

/* An empty file at dirfd/name with the agent's node (n->path) bound onto it. */
static int bind_node(int dirfd, const char *name, const struct dev_node *n, hull_error_t *err)
{
	cleanup_close int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	char path[64];

	if (fd < 0 && errno != EEXIST)
		return hull_fail(err, errno, "device %s: create the bind-mount point", n->path);
	close(steal_fd(&fd));
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_fail(err, errno, "device %s: open the bind-mount point", n->path);
	mount_fd_path(fd, path);
	if (mount(n->path, path, NULL, MS_BIND, NULL) < 0)
		return hull_fail(err, errno, "device %s: bind the guest's node (no mknod here)",
		                 n->path);
	return 0;
}

int dev_node_make(int rootfd, const struct dev_node *n, hull_error_t *err)
{
	cleanup_free char *rel = mount_clean_rel(n->path);
	cleanup_close int dirfd = -1;
	char *slash, *name;

	if (rel == NULL)
		return hull_fail(err, ENOMEM, "device %s", n->path);
	slash = strrchr(rel, '/');
	if (slash) {
		*slash = '\0';
		name = slash + 1;
		dirfd = mount_mkdir_in_root(rootfd, rel, err);
	} else {
		name = rel;
		dirfd = mount_open_in_root(rootfd, "");
		if (dirfd < 0)
			hull_fail(err, errno, "open the container's root");
	}
	if (dirfd < 0)
		return hull_error_prefix(err, "device %s", n->path);
	if (mknodat(dirfd, name, n->mode, n->rdev) < 0) {
		if (errno == EEXIST)
			return 0;
		if (errno == EPERM)
			return bind_node(dirfd, name, n, err);
		return hull_fail(err, errno, "device %s: mknod", n->path);
	}
	/* mknod's mode went through the umask. */
	if (fchmodat(dirfd, name, n->mode & 07777, 0) < 0)
		return hull_fail(err, errno, "device %s: chmod", n->path);
	if (fchownat(dirfd, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_fail(err, errno, "device %s: chown %u:%u", n->path, (unsigned)n->uid,
		                 (unsigned)n->gid);
	return 0;
}

static bool listed(const char *path, const struct dev_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].path, path) == 0)
			return true;
	return false;
}

int dev_populate_defaults(int rootfd, const struct dev_node *except, size_t n_except,
                          hull_error_t *err)
{
	cleanup_close int dev = -1;

	for (size_t i = 0; i < sizeof(default_nodes) / sizeof(default_nodes[0]); i++) {
		struct dev_node n = {
		    .path = default_nodes[i].path,
		    .mode = S_IFCHR | 0666,
		    .rdev = makedev(default_nodes[i].major, default_nodes[i].minor),
		};

		if (listed(n.path, except, n_except))
			continue;
		if (dev_node_make(rootfd, &n, err) < 0)
			return -1;
	}
	dev = mount_open_in_root(rootfd, "dev");
	if (dev < 0)
		return hull_fail(err, errno, "open /dev in the container's root");
	/* The ptmx of the container's own devpts instance (runc's setupPtmx). */
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return hull_fail(err, errno, "remove /dev/ptmx");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return hull_fail(err, errno, "symlink /dev/ptmx");
	for (size_t i = 0; i < sizeof(default_links) / sizeof(default_links[0]); i++)
		if (symlinkat(default_links[i].target, dev, default_links[i].name) < 0 &&
		    errno != EEXIST)
			return hull_fail(err, errno, "symlink /dev/%s", default_links[i].name);
	/* kcore can be configured out: link it only where the guest has it. */
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
	    errno != EEXIST)
		return hull_fail(err, errno, "symlink /dev/core");
	return 0;
}
