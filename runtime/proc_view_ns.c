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
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

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

/* This thread into a new mount namespace with the view on /proc; false (logged) if not. */
static bool mount_view(struct proc_view *v)
{
	cleanup_close int host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	char opts[128];
	const char *step;

	if (host < 0) {
		log_warning("the container's /proc view: /proc/self/ns/mnt: %s", strerror(errno));
		return false;
	}
	step = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail_here;
	/*
	 * A slave: the host's mounts and unmounts reach this copy (where they
	 * propagate at all), so it pins nothing the host has let go of, and
	 * the view on /proc goes nowhere else.
	 */
	step = "make / a slave of the host's";
	if (mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) < 0)
		goto fail;
	step = "mount it on /proc";
	if (proc_view_mount_options(v, opts, sizeof(opts)) < 0 ||
	    mount("hull-proc", "/proc", "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
	          opts) < 0)
		goto fail;
	log_debug("the container's /proc view is on /proc of the monitor's mount namespace");
	return true;
fail:
	/* Back to the host's namespace: the leader holds nothing of its own. */
	if (setns(host, CLONE_NEWNS) < 0)
		log_warning("the container's /proc view: back to the host's namespace: %s",
		            strerror(errno));
fail_here:
	log_warning("the container's /proc view: %s: %s; `podman top` lists the host's /proc", step,
	            strerror(errno));
	return false;
}

_Noreturn void proc_view_hold(proc_view_fetch_fn fetch, void *fetch_data,
                              void (*body)(void *arg, struct proc_view *view), void *arg)
{
	struct holder h = {.body = body, .arg = arg};
	int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	int real_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pthread_t t;

	if (fuse < 0 || real_proc < 0) {
		log_warning("the container's /proc view: open %s: %s; `podman top` lists the "
		            "host's /proc",
		            fuse < 0 ? "/dev/fuse" : "/proc", strerror(errno));
		if (fuse >= 0)
			close(fuse);
		if (real_proc >= 0)
			close(real_proc);
		body(arg, NULL);
	}
	h.view = proc_view_new(fuse, real_proc, fetch, fetch_data);
	/* The worker starts in the host's namespaces, before this thread leaves them. */
	if (h.view == NULL || pipe2(h.go, O_CLOEXEC) < 0 ||
	    pthread_create(&t, NULL, worker, &h) != 0) {
		log_warning("the container's /proc view: no thread for the monitor: %s",
		            strerror(errno ? errno : ENOMEM));
		proc_view_free(h.view);
		body(arg, NULL);
	}
	if (!mount_view(h.view)) {
		proc_view_free(h.view);
		h.view = NULL;
	}
	while (write(h.go[1], "", 1) < 0 && errno == EINTR)
		;
	for (;;)
		pause();
}
