/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/proc_view_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
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

struct proc_view_root proc_view_root_of(const struct virtiofsd_container *c)
{
	return (struct proc_view_root){
	    .rootfs = c->rootfs, .readonly = c->readonly, .binds = c->binds, .n_binds = c->n_binds};
}

struct holder {
	void (*body)(void *arg, struct proc_view *view);
	void *arg;
	struct proc_view *view;
	sem_t go; /* posted by the leader when view and its namespace are settled */
};

static void *worker(void *data)
{
	struct holder *h = data;

	while (sem_wait(&h->go) < 0 && errno == EINTR)
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

/*
 * The working directory, a mount's root, made "/" of this thread's
 * namespace; the host's tree, then on top of it, detached: the namespace
 * holds what is under the new "/" only.  The failed step, NULL on success.
 */
static const char *pivot_to_cwd(void)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return "pivot_root";
	if (umount2(".", MNT_DETACH) < 0)
		return "detach the host's tree";
	if (chdir("/") < 0)
		return "chdir to the new /";
	return NULL;
}

/*
 * The rootfs made "/" of this thread's new namespace, the view on /proc if
 * v (*on_proc says whether it is there: without /proc in the rootfs, or if
 * the mount fails, the root is still the container's, /proc the rootfs's);
 * the failed step, NULL on success.
 */
static const char *enter_root(struct proc_view *v, const struct proc_view_root *r, bool *on_proc)
{
	cleanup_close int rootfd = -1, proc = -1, dev = -1;
	char opts[128], target[64];

	*on_proc = false;
	if (mount(r->rootfs, r->rootfs, "none", MS_BIND | MS_REC, NULL) < 0)
		return "bind the rootfs";
	rootfd = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || attach_binds(rootfd, r) < 0)
		return "bind the container's mounts";
	if (r->readonly &&
	    mount("none", r->rootfs, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
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
		    mount("none", fd_path(tmpfs, target, sizeof(target)), "none",
		          MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0)
			return "make /dev/pts";
	}
	/* Without a view (no /dev/fuse), /proc stays the rootfs's: empty, never the host's. */
	proc = v ? mount_tree_open_in(rootfd, "proc", O_PATH | O_DIRECTORY) : -1;
	if (v && proc < 0)
		log_warning("the container's /proc view: find /proc in the rootfs: %s; no view for "
		            "`podman top`",
		            strerror(errno));
	else if (v && (proc_view_mount_options(v, opts, sizeof(opts)) < 0 ||
	               mount("hull-proc", fd_path(proc, target, sizeof(target)), "fuse",
	                     MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, opts) < 0))
		log_warning("the container's /proc view: mount it on /proc: %s; no view for "
		            "`podman top`",
		            strerror(errno));
	else
		*on_proc = v != NULL;
	if (chdir(r->rootfs) < 0)
		return "chdir to the rootfs";
	return pivot_to_cwd();
}

/*
 * An empty read-only tmpfs made "/" of this thread's namespace (slave to
 * the host's) and the host's tree detached: a process joining the namespace
 * finds nothing, and writes nothing, there.  The failed step, NULL on
 * success.
 */
static const char *enter_empty_root(void)
{
	/* On top of "/" (and of whatever failed steps left there): a joiner's "/" is the topmost. */
	if (mount("hull-empty", "/", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          "mode=0555,size=4k") < 0)
		return "mount a tmpfs on /";
	/* "/.." is the topmost mount on "/": the tmpfs. */
	if (chdir("/..") < 0)
		return "chdir to the tmpfs";
	return pivot_to_cwd();
}

/*
 * This thread into a mount namespace of its own: the container's root
 * (root), with the view on /proc if v, or, when that cannot be made, an
 * empty read-only root; only if even that fails (logged as an error) can
 * it see the host's tree.  Whether the view is on /proc.
 */
static bool mount_view(struct proc_view *v, const struct proc_view_root *r)
{
	const char *step, *empty;
	bool on_proc;
	char why[160];

	if (unshare(CLONE_NEWNS) < 0) {
		log_error(
		    "the container's namespace: unshare(CLONE_NEWNS): %s; the monitor's pid "
		    "stays in the host's mount namespace: `podman cp` into the running "
		    "container writes the host's files, `podman top` lists the host's processes",
		    strerror(errno));
		return false;
	}
	/* A slave: nothing mounted here reaches the host. */
	if (mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) < 0) {
		/* No empty root either: on a "/" shared with the host's, it would reach the host. */
		log_error("the container's namespace: make / a slave of the host's: %s; the "
		          "monitor's pid is in a copy of the host's mount namespace: `podman cp` "
		          "into the running container writes the host's files",
		          strerror(errno));
		return false;
	}
	step = r ? enter_root(v, r, &on_proc) : NULL;
	if (r && step == NULL) {
		log_debug("the container's root%s is in the monitor's mount namespace",
		          on_proc ? " and /proc view" : "");
		return on_proc;
	}
	if (r)
		snprintf(why, sizeof(why), "%s: %s", step, strerror(errno));
	else
		snprintf(why, sizeof(why), "no plan of its mounts");
	empty = enter_empty_root();
	if (empty == NULL)
		log_warning("the container's namespace: %s; the monitor's pid holds an empty "
		            "read-only root instead: `podman cp` into the running container and "
		            "`podman top` fail",
		            why);
	else
		log_error("the container's namespace: %s; an empty root instead: %s: %s; the "
		          "monitor's pid may see the host's tree: `podman cp` into the running "
		          "container can write the host's files",
		          why, empty, strerror(errno));
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
	int fuse = open_fuse(), e;
	pthread_t t;

	if (fuse < 0)
		log_warning("the container's /proc view: open /dev/fuse: %s; `podman top` lists "
		            "no process",
		            strerror(errno));
	if (fuse >= 0 && (h.view = proc_view_new(fuse, fetch, fetch_data)) == NULL)
		close(fuse);
	sem_init(&h.go, 0, 0);
	/* The worker starts in the host's namespaces, before this thread leaves them. */
	e = pthread_create(&t, NULL, worker, &h);
	if (e != 0) {
		log_error(
		    "the container's namespace: no thread for the monitor's work: %s; the "
		    "monitor's pid stays in the host's mount namespace: `podman cp` into the "
		    "running container writes the host's files, `podman top` lists the host's "
		    "processes",
		    strerror(e));
		proc_view_free(h.view);
		body(arg, NULL);
	}
	if (!mount_view(h.view, root)) {
		proc_view_free(h.view);
		h.view = NULL;
	}
	sem_post(&h.go);
	for (;;)
		pause();
}
