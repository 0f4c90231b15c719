/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's pieces on virtiofsd's share (vmm/virtiofsd.h): each host
 * source is cloned as a detached mount (open_tree) on the host, made
 * read-only there when asked, and attached (move_mount) under the share
 * from a child that has entered virtiofsd's mount namespace.  The share's
 * tmpfs is made writable at its top only while its mount points are made.
 *
 * virtiofsd_share_remove takes a container's pieces off again the same
 * way: each is unmounted (detached: virtiofsd may hold files of it open
 * for the guest) and its mount point removed, then the container's
 * directories.
 *
 * The child may be forked from a threaded process: it allocates nothing
 * and reports an error as text over a pipe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mount_tree.h"
#include "vmm/virtiofsd.h"
#include "vmm/virtiofsd_share.h"

#define SHARE_MAX_PIECES 256

int virtiofsd_share_path(char *buf, size_t size, const char *id, long index)
{
	int n = index < 0 ? snprintf(buf, size, "%s/rootfs", id)
	                  : snprintf(buf, size, "%s/mounts/%ld", id, index);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int share_writable(int share, bool writable);

/* In the child: the share whose top it made writable (enter_share), until it is read-only again. */
static int writable_share = -1;

/* The child's error, written to the pipe; it then exits, the share's top read-only again. */
__attribute__((format(printf, 3, 4), noreturn)) static void child_fail(int fd, int e,
                                                                       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (writable_share >= 0)
		share_writable(writable_share, false);
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && e && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(e));
	if (write(fd, msg, strlen(msg)) < 0)
		_exit(2);
	_exit(1);
}

/*
 * dest made in the rootfs tree (a directory, or an empty file), resolved
 * as if tree were "/": a read-only root gets its bind mount points
 * before it is made read-only, as runc makes them before its remount.
 */
static int make_destination(int tree, const char *dest, bool dir)
{
	char buf[PATH_MAX];
	char *p = buf;

	while (*dest == '/')
		dest++;
	if (snprintf(buf, sizeof(buf), "%s", dest) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (;;) {
		char *slash = strchr(p, '/');
		bool last = slash == NULL;
		int parent, fd;

		if (slash)
			*slash = '\0';
		fd = mount_tree_open_in(tree, buf, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			/* Made in its parent as resolved in the tree: no symlink leads out. */
			if (p > buf)
				p[-1] = '\0';
			parent = p > buf ? mount_tree_open_in(tree, buf, O_PATH | O_DIRECTORY)
			                 : dup(tree);
			if (p > buf)
				p[-1] = '/';
			if (parent < 0)
				return -1;
			if (last && !dir)
				fd = openat(parent, p, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
				            0644);
			else if (mkdirat(parent, p, 0755) == 0 || errno == EEXIST)
				fd = mount_tree_open_in(tree, buf, O_PATH);
			close(parent);
		}
		if (fd < 0)
			return -1;
		close(fd);
		if (last)
			return 0;
		*slash = '/';
		p = slash + 1;
	}
}

/* The share's top mount writable (true) or read-only again. */
static int share_writable(int share, bool writable)
{
	struct mount_attr a = {.attr_set = writable ? 0 : MOUNT_ATTR_RDONLY,
	                       .attr_clr = writable ? MOUNT_ATTR_RDONLY : 0};

	return (int)syscall(SYS_mount_setattr, share, "", AT_EMPTY_PATH, &a, sizeof(a));
}

/* rel under share: a directory, or an empty file. */
static int make_mount_point(int share, const char *rel, bool dir)
{
	int fd;

	if (dir)
		return mkdirat(share, rel, 0755) < 0 && errno != EEXIST ? -1 : 0;
	fd = openat(share, rel, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * The share as seen in virtiofsd's namespace: its root once sandboxed
 * (pivot_root or chroot into the share), else shared_dir under it.
 */
static int open_share(const struct virtiofsd *v)
{
	char path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)v->pid);
	if (stat(path, &st) == 0 && st.st_dev == v->share_dev)
		return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)v->pid, v->shared_dir);
	if (stat(path, &st) < 0)
		return -1;
	if (st.st_dev != v->share_dev) {
		errno = ENOENT;
		return -1;
	}
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * In the child: enters virtiofsd's mount namespace, its working directory
 * the share, whose top is made writable; returns the share.
 */
static int enter_share(const struct virtiofsd *v, int out)
{
	char ns[64];
	int share = open_share(v), nsfd;

	if (share < 0)
		child_fail(out, errno, "virtiofsd %d's share %s", (int)v->pid, v->shared_dir);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)v->pid);
	nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNS) < 0)
		child_fail(out, errno, "enter virtiofsd's mount namespace (%s)", ns);
	if (fchdir(share) < 0)
		child_fail(out, errno, "virtiofsd %d's share %s", (int)v->pid, v->shared_dir);
	if (share_writable(share, true) < 0)
		child_fail(out, errno, "make the share's top writable");
	writable_share = share;
	return share;
}

static void add_in_child(const struct virtiofsd *v, const struct virtiofsd_container *c, int out)
{
	int trees[SHARE_MAX_PIECES + 1];
	bool dirs[SHARE_MAX_PIECES + 1];
	char rel[PATH_MAX];
	int share;

	for (size_t i = 0; i < c->n_binds; i++) {
		const struct virtiofsd_bind *b = &c->binds[i];

		trees[i + 1] = mount_tree_clone(b->source, b->recursive, b->readonly, &dirs[i + 1]);
		if (trees[i + 1] < 0)
			child_fail(out, errno, "mounts[%u]: bind source %s", b->index, b->source);
	}
	trees[0] = mount_tree_clone(c->rootfs, true, false, &dirs[0]);
	if (trees[0] < 0)
		child_fail(out, errno, "rootfs %s", c->rootfs);
	for (size_t i = 0; c->readonly && i < c->n_binds; i++)
		if (c->binds[i].destination &&
		    make_destination(trees[0], c->binds[i].destination, dirs[i + 1]) < 0)
			child_fail(out, errno, "mounts[%u]: create %s in the read-only root",
			           c->binds[i].index, c->binds[i].destination);
	for (size_t i = 0; c->readonly && i < c->n_mount_dirs; i++)
		if (make_destination(trees[0], c->mount_dirs[i], true) < 0)
			child_fail(out, errno, "create mount point %s in the read-only root",
			           c->mount_dirs[i]);
	if (c->readonly && mount_tree_readonly(trees[0], true) < 0)
		child_fail(out, errno, "rootfs %s: make it read-only", c->rootfs);
	share = enter_share(v, out);
	snprintf(rel, sizeof(rel), "%s/mounts", c->id);
	if ((mkdirat(share, c->id, 0755) < 0 && errno != EEXIST) ||
	    (mkdirat(share, rel, 0755) < 0 && errno != EEXIST))
		child_fail(out, errno, "share: mkdir %s", rel);
	for (size_t i = 0; i <= c->n_binds; i++) {
		if (virtiofsd_share_path(rel, sizeof(rel), c->id,
		                         i == 0 ? -1 : (long)c->binds[i - 1].index) < 0)
			child_fail(out, ENAMETOOLONG, "share: %s", c->id);
		if (make_mount_point(share, rel, dirs[i]) < 0)
			child_fail(out, errno, "share: create %s", rel);
		if (syscall(SYS_move_mount, trees[i], "", share, rel, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			child_fail(out, errno, "share: attach %s",
			           i == 0 ? c->rootfs : c->binds[i - 1].source);
	}
	if (share_writable(share, false) < 0)
		child_fail(out, errno, "make the share's top read-only again");
	_exit(0);
}

/*
 * Takes rel (a piece of the share) off: every mount on it unmounted,
 * detached (virtiofsd may hold files of it open for the guest's cached
 * inodes: they stay usable, the mount is out of the namespace), then the
 * mount point removed.  Gone already is done.
 */
static void remove_piece(int share, const char *rel, int out)
{
	struct stat st;

	for (int i = 0; i < 64 && umount2(rel, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; i++)
		;
	if (fstatat(share, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return;
		child_fail(out, errno, "share: %s", rel);
	}
	if (unlinkat(share, rel, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		child_fail(out, errno, "share: remove %s", rel);
}

/* <id>/mounts/<N>, each (the names are config.json's indexes, read with no allocation). */
static void remove_binds(int share, const char *id, int out)
{
	alignas(struct dirent64) char buf[4096];
	char rel[PATH_MAX];
	int dir;
	long n;

	snprintf(rel, sizeof(rel), "%s/mounts", id);
	dir = openat(share, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		if (errno == ENOENT)
			return;
		child_fail(out, errno, "share: %s", rel);
	}
	while ((n = getdents64(dir, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const struct dirent64 *d = (const void *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(rel, sizeof(rel), "%s/mounts/%s", id, d->d_name) >=
			    sizeof(rel))
				child_fail(out, ENAMETOOLONG, "share: %s/mounts", id);
			remove_piece(share, rel, out);
		}
	if (n < 0)
		child_fail(out, errno, "share: read %s/mounts", id);
	close(dir);
}

static void remove_in_child(const struct virtiofsd *v, const char *id, int out)
{
	char rel[PATH_MAX];
	int share = enter_share(v, out);

	remove_binds(share, id, out);
	snprintf(rel, sizeof(rel), "%s/mounts", id);
	remove_piece(share, rel, out);
	if (virtiofsd_share_path(rel, sizeof(rel), id, -1) < 0)
		child_fail(out, ENAMETOOLONG, "share: %s", id);
	remove_piece(share, rel, out);
	remove_piece(share, id, out);
	if (share_writable(share, false) < 0)
		child_fail(out, errno, "make the share's top read-only again");
	_exit(0);
}

/* What a helper child does: add or remove one container's pieces. */
struct share_job {
	const struct virtiofsd_container *add;
	const char *remove;
};

/* Runs job in a child (it enters virtiofsd's namespace); its error text becomes err. */
static int run_job(const struct virtiofsd *v, const char *id, const struct share_job *job,
                   hull_error_t *err)
{
	cleanup_close int rd = -1, wr = -1;
	int fds[2], status;
	char msg[1024];
	ssize_t n;
	pid_t pid;

	if (strchr(id, '/') || id[0] == '.' || id[0] == '\0')
		return hull_fail(err, EINVAL, "share: container id \"%s\"", id);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return hull_fail(err, errno, "pipe");
	rd = fds[0];
	wr = fds[1];
	pid = fork();
	if (pid < 0)
		return hull_fail(err, errno, "fork");
	if (pid == 0) {
		close(rd);
		if (job->add)
			add_in_child(v, job->add, wr);
		remove_in_child(v, job->remove, wr);
	}
	close(steal_fd(&wr));
	n = read(rd, msg, sizeof(msg) - 1);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n > 0) {
		msg[n] = '\0';
		return hull_fail(err, 0, "container \"%s\" %s the share: %s", id,
		                 job->add ? "on" : "off", msg);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hull_fail(err, 0, "container \"%s\" %s the share: the helper failed", id,
		                 job->add ? "on" : "off");
	return 0;
}

int virtiofsd_share_add(const struct virtiofsd *v, const struct virtiofsd_container *c,
                        hull_error_t *err)
{
	const struct share_job job = {.add = c};

	if (v->pid <= 0 || v->share_dev == 0)
		return hull_fail(err, EINVAL, "share: virtiofsd shares no container directory");
	if (c->n_binds > SHARE_MAX_PIECES)
		return hull_fail(err, E2BIG, "share: more than %d bind mounts", SHARE_MAX_PIECES);
	return run_job(v, c->id, &job, err);
}

int virtiofsd_share_remove(const struct virtiofsd *v, const char *id, hull_error_t *err)
{
	const struct share_job job = {.remove = id};

	/* No share of containers, or virtiofsd gone: nothing of id is left on one. */
	if (v->pid <= 0 || v->share_dev == 0)
		return 0;
	return run_job(v, id, &job, err);
}
