/* SPDX-License-Identifier: Apache-2.0 */
#include "net/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/nsfs.h>

#include "common/cleanup.h"
#include "common/file_kind.h"

static const char *ns_kind(int type)
{
	switch (type) {
	case CLONE_NEWNS:
		return "a mnt namespace";
	case CLONE_NEWUTS:
		return "a uts namespace";
	case CLONE_NEWIPC:
		return "an ipc namespace";
	case CLONE_NEWPID:
		return "a pid namespace";
	case CLONE_NEWUSER:
		return "a user namespace";
	case CLONE_NEWCGROUP:
		return "a cgroup namespace";
	default:
		return "another kind of namespace";
	}
}

int hull_netns_open(const char *path, hull_error_t *err)
{
	cleanup_close int fd = -1;
	struct statfs fs;
	struct stat st;
	int type;

	/*
	 * A namespace file is a regular file of nsfs.  Look before opening
	 * (opening a device can do things), and never block: O_NONBLOCK
	 * (a FIFO swapped in after the look).
	 */
	if (stat(path, &st) < 0)
		return hull_fail(err, errno, "netns %s", path);
	if (!S_ISREG(st.st_mode))
		return hull_fail(err, 0, "netns %s is %s, not a network namespace", path,
		                 hull_file_kind(st.st_mode));
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return hull_fail(err, errno, "netns %s", path);
	if (fstat(fd, &st) < 0 || fstatfs(fd, &fs) < 0)
		return hull_fail(err, errno, "netns %s", path);
	if (!S_ISREG(st.st_mode) || fs.f_type != NSFS_MAGIC)
		return hull_fail(err, 0, "netns %s is %s, not a network namespace", path,
		                 hull_file_kind(st.st_mode));
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return hull_fail(err, errno, "netns %s: NS_GET_NSTYPE", path);
	if (type != CLONE_NEWNET)
		return hull_fail(err, 0, "netns %s is %s, not a network namespace", path,
		                 ns_kind(type));
	return steal_fd(&fd);
}

/* True when fd is the same namespace as the one at other (unreadable: false). */
static bool same_ns(int fd, const char *other)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(other, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int check_not_node(int fd, const char *path, hull_error_t *err)
{
	if (same_ns(fd, "/proc/1/ns/net"))
		return hull_fail(
		    err, 0,
		    "netns %s is the node's own network namespace (PID 1's): a sandbox "
		    "needs one of its own",
		    path);
	if (same_ns(fd, "/proc/self/ns/net"))
		return hull_fail(err, 0,
		                 "netns %s is the network namespace hull runs in: a sandbox needs "
		                 "one of its own",
		                 path);
	return 0;
}

int hull_netns_check(const char *path, bool for_sandbox, hull_error_t *err)
{
	cleanup_close int fd = hull_netns_open(path, err);

	if (fd < 0)
		return -1;
	return for_sandbox ? check_not_node(fd, path, err) : 0;
}

int hull_netns_lock(const char *path, bool for_sandbox, hull_error_t *err)
{
	cleanup_close int fd = hull_netns_open(path, err);
	struct timespec pause = {.tv_sec = 0, .tv_nsec = 5 * 1000 * 1000};
	long waited_ms = 0;

	if (fd < 0)
		return -1;
	if (for_sandbox && check_not_node(fd, path, err) < 0)
		return -1;
	/*
	 * The lock is on the namespace's nsfs inode, which every path to the
	 * namespace (bind mounts, /proc/PID/ns/net) shares while one is open.
	 */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return hull_fail(err, errno, "netns %s: lock", path);
		if (waited_ms >= HULL_NETNS_LOCK_WAIT_MS)
			return hull_fail(
			    err, 0,
			    "netns %s: another hull process has held its lock for %d s "
			    "(it is setting up or tearing down a sandbox there): try "
			    "again later",
			    path, HULL_NETNS_LOCK_WAIT_MS / 1000);
		nanosleep(&pause, NULL);
		waited_ms += 5;
	}
	return steal_fd(&fd);
}

int hull_netns_enter_fd(int fd, const char *path, struct hull_netns_saved *saved, hull_error_t *err)
{
	cleanup_close int orig = -1;

	saved->fd = -1;
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return hull_fail(err, errno, "open /proc/thread-self/ns/net");
	if (setns(fd, CLONE_NEWNET) < 0)
		return hull_fail(err, errno, "netns %s", path);
	saved->fd = steal_fd(&orig);
	return 0;
}

int hull_netns_enter(const char *path, struct hull_netns_saved *saved, hull_error_t *err)
{
	cleanup_close int target = -1;

	saved->fd = -1;
	target = hull_netns_open(path, err);
	if (target < 0)
		return -1;
	return hull_netns_enter_fd(target, path, saved, err);
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
