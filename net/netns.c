/* SPDX-License-Identifier: Apache-2.0 */
#include "net/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

int hull_netns_enter(const char *path, struct hull_netns_saved *saved, hull_error_t *err)
{
	cleanup_close int orig = -1;
	cleanup_close int target = -1;

	saved->fd = -1;
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return hull_fail(err, errno, "open /proc/thread-self/ns/net");
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return hull_fail(err, errno, "netns %s", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return hull_fail(err, errno, "netns %s", path);
	saved->fd = steal_fd(&orig);
	return 0;
}

int hull_netns_join(const char *name, hull_error_t *err)
{
	struct hull_netns_saved saved;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", name[0] == '/' ? "" : "/var/run/netns/", name);
	if (hull_netns_enter(path, &saved, err) < 0)
		return -1;
	close(saved.fd); /* no way back wanted */
	return 0;
}

int hull_netns_return(struct hull_netns_saved *saved, hull_error_t *err)
{
	cleanup_close int fd = saved->fd;

	saved->fd = -1;
	if (fd < 0)
		return 0;
	if (setns(fd, CLONE_NEWNET) < 0)
		return hull_fail(err, errno, "return to the original network namespace");
	return 0;
}

void hull_netns_return_quietly(struct hull_netns_saved *saved)
{
	cleanup_error hull_error_t err = NULL;

	hull_netns_return(saved, &err);
}

/*
 * Like `ip netns add`: the directory is made a shared mount so that the
 * namespace mounts propagate into (and get unmounted from) mount
 * namespaces cloned later, instead of pinning the netns there forever.
 */
static int make_dir_shared(const char *dir, hull_error_t *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return hull_fail(err, errno, "mkdir %s", dir);
	if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return hull_fail(err, errno, "make %s a shared mount", dir);
	/* Not a mount point yet: bind it onto itself, then share it. */
	if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
		return hull_fail(err, errno, "bind mount %s", dir);
	if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0)
		return hull_fail(err, errno, "make %s a shared mount", dir);
	return 0;
}

static int mkdir_parents(const char *dir, hull_error_t *err)
{
	char buf[4096];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return hull_fail(err, ENAMETOOLONG, "mkdir %s", dir);
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return hull_fail(err, errno, "mkdir %s", buf);
		*p = '/';
	}
	return 0;
}

int hull_netns_create(const char *dir, const char *name, char *path_out, size_t path_size,
                      hull_error_t *err)
{
	struct hull_netns_saved saved = {.fd = -1};
	cleanup_close int fd = -1;
	int n, r = 0;

	if (dir == NULL)
		dir = HULL_NETNS_DIR;
	if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return hull_fail(err, 0, "netns name \"%s\" is not a file name", name);
	n = snprintf(path_out, path_size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= path_size)
		return hull_fail(err, ENAMETOOLONG, "netns %s/%s", dir, name);
	if (mkdir_parents(dir, err) < 0 || make_dir_shared(dir, err) < 0)
		return hull_error_prefix(err, "netns %s", path_out);

	fd = open(path_out, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return hull_fail(err, errno, "netns %s", path_out);

	saved.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved.fd < 0) {
		r = hull_fail(err, errno, "open /proc/thread-self/ns/net");
		goto out_unlink;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		r = hull_fail(err, errno, "netns %s: unshare", path_out);
		close(saved.fd);
		goto out_unlink;
	}
	if (mount("/proc/thread-self/ns/net", path_out, "none", MS_BIND, NULL) < 0)
		r = hull_fail(err, errno, "netns %s: bind mount", path_out);
	if (hull_netns_return(&saved, err) < 0) {
		/* The thread is stranded in the new namespace: say so, loudly. */
		r = hull_error_prefix(err, "netns %s", path_out);
	}
	if (r == 0)
		return 0;
	umount2(path_out, MNT_DETACH);
out_unlink:
	unlink(path_out);
	return r;
}

int hull_netns_delete(const char *path, hull_error_t *err)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return hull_fail(err, errno, "netns %s: unmount", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return hull_fail(err, errno, "netns %s: remove", path);
	return 0;
}
