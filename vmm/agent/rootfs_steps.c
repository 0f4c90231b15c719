/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The steps of rootfs_plan_apply (rootfs.c) that need no plan, as runc
 * has them: the root's parent mount made private, pivot_root, stdio's
 * /dev/null reopened, readonlyPaths, maskedPaths, read-only remounts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/agent/mounts.h"

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool path_under(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	if (strcmp(mnt, "/") == 0)
		return true;
	return strncmp(path, mnt, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * The mount holding root made private if it is shared, so that binding the
 * root onto itself does not propagate out and pivot_root accepts it
 * (runc's rootfsParentMountPrivate).
 */
int rootfs_parent_private(const char *root, hull_error_t *err)
{
	cleanup_free char *real = realpath(root, NULL), *line = NULL, *best = NULL;
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	bool best_shared = false;
	size_t cap = 0;

	if (real == NULL)
		return hull_fail(err, errno, "root %s", root);
	if (f == NULL)
		return hull_fail(err, errno, "open /proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char mnt[4096], rest[4096];

		/* id parent major:minor root mountpoint options optional... - type ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s %*s %4095[^\n]", mnt, rest) != 2)
			continue;
		unescape(mnt);
		if (!path_under(real, mnt) || (best && strlen(best) > strlen(mnt)))
			continue;
		free(best);
		best = strdup(mnt);
		if (best == NULL)
			return hull_fail(err, ENOMEM, "mountinfo");
		best_shared = false;
		/* The optional fields, up to "-": "shared:N" when it is. */
		for (char *save = NULL, *t = strtok_r(rest, " ", &save); t && strcmp(t, "-") != 0;
		     t = strtok_r(NULL, " ", &save))
			best_shared |= strncmp(t, "shared:", 7) == 0;
	}
	if (best && best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
		return hull_fail(err, errno, "make %s private", best);
	return 0;
}

/*
 * runc's pivot_root(".", "."): the old root ends up mounted over the new
 * one, where it is made rslave (so that unmounting it does not propagate
 * to the agent's view) and detached.
 */
int rootfs_pivot(const char *root, hull_error_t *err)
{
	cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	cleanup_close int newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (oldroot < 0 || newroot < 0)
		return hull_fail(err, errno, "pivot_root: open %s", oldroot < 0 ? "/" : root);
	if (fchdir(newroot) < 0)
		return hull_fail(err, errno, "pivot_root: chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return hull_fail(err, errno, "pivot_root %s", root);
	if (fchdir(oldroot) < 0)
		return hull_fail(err, errno, "pivot_root: chdir to the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return hull_fail(err, errno, "pivot_root: make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return hull_fail(err, errno, "pivot_root: detach the old root");
	if (chdir("/") < 0)
		return hull_fail(err, errno, "chdir /");
	return 0;
}

/* stdio that was the agent's /dev/null now uses the container's (runc's reOpenDevNull). */
void rootfs_reopen_dev_null(void)
{
	cleanup_close int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct stat ns, st;

	if (null < 0 || fstat(null, &ns) < 0)
		return;
	for (int fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == ns.st_rdev)
			dup2(null, fd);
}

/* runc's readonlyPath: bound onto itself, then remounted read-only; missing is fine. */
int rootfs_readonly_path(const char *path, hull_error_t *err)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return 0;
		return hull_fail(err, errno, "linux.readonlyPaths: bind %s onto itself", path);
	}
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | mount_remount_flags(path),
	          NULL) < 0)
		return hull_fail(err, errno, "linux.readonlyPaths: make %s read-only", path);
	return 0;
}

/* runc's maskPath: /dev/null over a file, an empty read-only tmpfs over a directory. */
int rootfs_mask_path(const char *path, hull_error_t *err)
{
	if (mount("/dev/null", path, NULL, MS_BIND, NULL) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTDIR)
		return hull_fail(err, errno, "linux.maskedPaths: bind /dev/null over %s", path);
	if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0)
		return hull_fail(err, errno, "linux.maskedPaths: mount an empty tmpfs on %s", path);
	return 0;
}

int rootfs_remount_readonly(const char *path, const char *what, hull_error_t *err)
{
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | mount_remount_flags(path),
	          NULL) < 0)
		return hull_fail(err, errno, "make %s read-only", what);
	return 0;
}
