/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/proc_view_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/mount_tree.h"

struct holder {
	void (*body)(void *arg, struct proc_view *view);
	void *arg;
	struct proc_view *view;
	int go[2]; /* the leader writes one byte when view is settled */
};

static void *worker(void *data)
{
	struct holder *h = data;
	char c;

	while (read(h->go[0], &c, 1) < 0 && errno == EINTR)
		;
	h->body(h->arg, h->view);
	_exit(1); /* body does not return */
}

/* A magic link to fd, for mount(2)'s target: the host's /proc is still this thread's. */
static const char *fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/thread-self/fd/%d", fd);
	return buf;
}

/* Each bind whose destination the guest made in the rootfs, at it; -1 (errno) on failure. */
static int attach_binds(int rootfd, const struct proc_view_root *r)
{
	for (size_t i = 0; i < r->n_binds; i++) {
		const struct virtiofsd_bind *b = &r->binds[i];
		cleanup_close int dest = mount_tree_open_in(rootfd, b->destination, O_PATH);
		cleanup_close int tree = -1;
		bool dir;

		if (dest < 0 && errno == ENOENT)
			continue; /* beneath a mount made in the guest (/dev/..., /run/...) */
		tree = dest < 0 ? -1 : mount_tree_clone(b->source, b->recursive, b->readonly, &dir);
		if (tree < 0 || syscall(SYS_move_mount, tree, "", dest, "",
		                        MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return -1;
	}
	return 0;
}

/* The rootfs made "/" of this thread's new namespace, the view on /proc; the failed step. */
static const char *enter_root(struct proc_view *v, const struct proc_view_root *r)
{
	cleanup_close int rootfd = -1, proc = -1, dev = -1;
	char opts[128], target[64];

	if (mount(r->rootfs, r->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return "bind the rootfs";
	rootfd = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || attach_binds(rootfd, r) < 0)
		return "bind the container's mounts";
	if (r->readonly && mount(NULL, r->rootfs, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return "make the rootfs read-only";
	/* psgo lists /dev and /dev/pts for terminals; the guest's are not on the host. */
	dev = mount_tree_open_in(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (dev >= 0) {
		cleanup_close int tmpfs = -1;

		if (mount("hull-dev", fd_path(dev, target, sizeof(target)), "tmpfs",
		          MS_NOSUID | MS_NOEXEC, "mode=755,size=16k") < 0)
			return "mount a tmpfs on /dev";
		tmpfs = mount_tree_open_in(rootfd, "dev", O_PATH | O_DIRECTORY);
		if (tmpfs < 0 || mkdirat(tmpfs, "pts", 0755) < 0 ||
		    mount(NULL, fd_path(tmpfs, target, sizeof(target)), NULL,
		          MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0)
			return "make /dev/pts";
	}
	/* Without a view (no /dev/fuse), /proc stays the rootfs's: empty, never the host's. */
	proc = v ? mount_tree_open_in(rootfd, "proc", O_PATH | O_DIRECTORY) : -1;
	if (v && proc < 0)
		return "find /proc in the rootfs";
	if (v && (proc_view_mount_options(v, opts, sizeof(opts)) < 0 ||
	          mount("hull-proc", fd_path(proc, target, sizeof(target)), "fuse",
	                MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) < 0))
		return "mount the view on /proc";
	if (chdir(r->rootfs) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return "pivot_root into the rootfs";
	/* The host's tree, now under ".", goes: the namespace holds the container's mounts only. */
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		log_warning("the container's /proc view: detach the host's tree: %s",
		            strerror(errno));
	return NULL;
}

/* This thread into a new mount namespace (the container's root, the view on /proc); false (logged) if not. */
static bool mount_view(struct proc_view *v, const struct proc_view_root *r)
{
	cleanup_close int host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	const char *step;

	if (host < 0) {
		log_warning("the container's /proc view: /proc/self/ns/mnt: %s", strerror(errno));
		return false;
	}
	step = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail_here;
	/* A slave: nothing mounted here reaches the host. */
	step = "make / a slave of the host's";
	if (mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) < 0)
		goto fail;
	step = enter_root(v, r);
	if (step)
		goto fail;
	log_debug("the container's root and /proc view are in the monitor's mount namespace");
	return true;
fail : {
	int saved = errno;

	/* Back to the host's namespace: the leader holds nothing of its own. */
	if (setns(host, CLONE_NEWNS) < 0 || chdir("/") < 0)
		log_warning("the container's /proc view: back to the host's namespace: %s",
		            strerror(errno));
	errno = saved;
}
fail_here:
	log_warning("the container's /proc view: %s: %s; `podman top` lists the host's /proc", step,
	            strerror(errno));
	return false;
}

/* /dev/fuse, if it is FUSE's device (10:229); -1 (errno) if not. */
static int open_fuse(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd >= 0 &&
	    (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(10, 229))) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	return fd;
}

_Noreturn void proc_view_hold(const struct proc_view_root *root, proc_view_fetch_fn fetch,
                              void *fetch_data, void (*body)(void *arg, struct proc_view *view),
                              void *arg)
{
	struct holder h = {.body = body, .arg = arg};
	int fuse = open_fuse();
	pthread_t t;

	if (fuse < 0)
		log_warning("the container's /proc view: open /dev/fuse: %s; `podman top` lists "
		            "no process",
		            strerror(errno));
	if (fuse >= 0 && (h.view = proc_view_new(fuse, fetch, fetch_data)) == NULL)
		close(fuse);
	/* The worker starts in the host's namespaces, before this thread leaves them. */
	if (root == NULL || pipe2(h.go, O_CLOEXEC) < 0 ||
	    pthread_create(&t, NULL, worker, &h) != 0) {
		log_warning("the container's namespace: %s; the monitor's is the host's",
		            root ? strerror(errno ? errno : ENOMEM) : "no plan of its mounts");
		proc_view_free(h.view);
		body(arg, NULL);
	}
	if (!mount_view(h.view, root)) {
		proc_view_free(h.view);
		h.view = NULL;
	}
	while (write(h.go[1], "", 1) < 0 && errno == EINTR)
		;
	for (;;)
		pause();
}
