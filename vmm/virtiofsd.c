/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/virtiofsd.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/spawn.h"

#define STARTUP_TIMEOUT_MS 5000

/*
 * In virtiofsd's child, before exec: a mount namespace of its own (slave,
 * so nothing it mounts reaches the host), in which the shared directory
 * becomes a read-only bind mount of itself, submounts included.
 */
static int make_share_readonly(void *data)
{
	const char *dir = data;
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	if (mount_setattr(AT_FDCWD, dir, AT_RECURSIVE, &ro, sizeof(ro)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	/* before Linux 5.12: the top mount only */
	return mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}

/*
 * With a container: a mount namespace of virtiofsd's own (slave, so that
 * nothing reaches the host) with a small tmpfs on the shared directory,
 * read-only at its top; virtiofsd_share_add fills it.
 */
static int make_share_tmpfs(void *data)
{
	const char *dir = data;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    mount("hull-share", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          "mode=0755,size=1m") < 0)
		return -1;
	/* Read-only as a mount, not as a superblock: virtiofsd_share_add lifts it. */
	return mount(NULL, dir, NULL,
	             MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* 1: the socket is there; 0: the daemon exited first; -1: timeout. */
static int wait_for_socket(pid_t pid, const char *socket, int *status)
{
	struct stat st;

	for (int waited = 0; waited < STARTUP_TIMEOUT_MS; waited += 10) {
		if (stat(socket, &st) == 0 && S_ISSOCK(st.st_mode))
			return 1;
		if (wait_exit_timeout(pid, 10, status))
			return 0;
	}
	return -1;
}

static int try_start(const struct virtiofsd_config *c, const char *sandbox, int log_fd, pid_t *pid,
                     int *status, hull_error_t *err)
{
	char socket_opt[PATH_MAX + 32], source_opt[PATH_MAX + 32], cache_opt[64], sandbox_opt[64];
	char *argv[VIRTIOFSD_MAX_ARGS + 10] = {
	    (char *)c->binary, socket_opt, "-o", source_opt, "-o", cache_opt, "-o", sandbox_opt};
	size_t n = 8;
	struct spawn_options opts = {
	    .stdout_fd = log_fd,
	    .stderr_fd = log_fd,
	    .die_with_parent = true,
	    .new_session = true,
	    .pre_exec = c->container  ? make_share_tmpfs
	                : c->readonly ? make_share_readonly
	                              : NULL,
	    .pre_exec_data = (void *)c->shared_dir,
	};
	int r;

	snprintf(socket_opt, sizeof(socket_opt), "--socket-path=%s", c->socket);
	snprintf(source_opt, sizeof(source_opt), "source=%s", c->shared_dir);
	snprintf(cache_opt, sizeof(cache_opt), "cache=%s", c->cache ? c->cache : "auto");
	snprintf(sandbox_opt, sizeof(sandbox_opt), "sandbox=%s", sandbox);
	for (char *const *a = c->extra_args; a && *a; a++) {
		if (n >= VIRTIOFSD_MAX_ARGS + 8)
			return hull_fail(err, E2BIG, "virtiofsd: more than %d extra arguments",
			                 VIRTIOFSD_MAX_ARGS);
		argv[n++] = *a;
	}
	argv[n] = NULL;
	unlink(c->socket);
	if (spawn_program(argv, &opts, pid, err) < 0)
		return c->container
		           ? hull_error_prefix(err, "virtiofsd with its share on %s", c->shared_dir)
		       : c->readonly
		           ? hull_error_prefix(err, "virtiofsd with %s read-only", c->shared_dir)
		           : -1;
	r = wait_for_socket(*pid, c->socket, status);
	if (r < 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, status, 0);
		return hull_fail(err, ETIMEDOUT, "virtiofsd: no socket %s after %d ms", c->socket,
		                 STARTUP_TIMEOUT_MS);
	}
	return r; /* 1 started, 0 exited */
}

/* The share's tmpfs noted (virtiofsd waits for QEMU, unsandboxed), then c's container on it. */
static int add_first_container(const struct virtiofsd_config *c, struct virtiofsd *v,
                               hull_error_t *err)
{
	char path[PATH_MAX + 64];
	struct stat st;

	if (strlen(c->shared_dir) >= sizeof(v->shared_dir))
		return hull_fail(err, ENAMETOOLONG, "share %s", c->shared_dir);
	snprintf(v->shared_dir, sizeof(v->shared_dir), "%s", c->shared_dir);
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)v->pid, c->shared_dir);
	if (stat(path, &st) < 0)
		return hull_fail(err, errno, "virtiofsd's share %s", path);
	v->share_dev = st.st_dev;
	return virtiofsd_share_add(v, c->container, err);
}

int virtiofsd_start(const struct virtiofsd_config *c, struct virtiofsd *v, hull_error_t *err)
{
	cleanup_close int log_fd = -1;
	struct stat st;
	int status = 0, r;

	memset(v, 0, sizeof(*v));
	v->pid = -1;
	if (stat(c->shared_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return hull_fail(err, errno ? errno : ENOTDIR, "virtiofsd: shared directory %s",
		                 c->shared_dir);
	if (strlen(c->socket) >= sizeof(v->socket))
		return hull_fail(err, ENAMETOOLONG, "virtiofsd socket %s", c->socket);
	if (c->log_path) {
		log_fd = open(c->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (log_fd < 0)
			return hull_fail(err, errno, "virtiofsd log %s", c->log_path);
	}
	r = try_start(c, "namespace", log_fd, &v->pid, &status, err);
	if (r < 0)
		return -1;
	v->sandbox = "namespace";
	if (r == 0) {
		log_info("virtiofsd: the namespace sandbox cannot start here (exit %d); "
		         "using -o sandbox=chroot",
		         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		r = try_start(c, "chroot", log_fd, &v->pid, &status, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return hull_fail(
			    err, 0, "virtiofsd exited at start (status %d)%s%s",
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			    c->log_path ? ": see " : "", c->log_path ? c->log_path : "");
		v->sandbox = "chroot";
	}
	snprintf(v->socket, sizeof(v->socket), "%s", c->socket);
	if (c->container && add_first_container(c, v, err) < 0) {
		virtiofsd_stop(v);
		return -1;
	}
	log_debug("virtiofsd pid %d shares %s%s on %s (sandbox=%s)", v->pid, c->shared_dir,
	          c->readonly ? " read-only" : "", c->socket, v->sandbox);
	return 0;
}

void virtiofsd_stop(struct virtiofsd *v)
{
	int status;

	if (v->pid > 0) {
		kill(v->pid, SIGTERM);
		if (!wait_exit_timeout(v->pid, 2000, &status)) {
			kill(v->pid, SIGKILL);
			waitpid(v->pid, &status, 0);
		}
	}
	v->pid = -1;
	if (v->socket[0])
		unlink(v->socket);
	v->socket[0] = '\0';
}
