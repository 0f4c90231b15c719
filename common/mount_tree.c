/* SPDX-License-Identifier: Apache-2.0 */
#include "common/mount_tree.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int mount_tree_readonly(int tree, bool recursive)
{
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};

	return (int)syscall(SYS_mount_setattr, tree, "",
	                    AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ro, sizeof(ro));
}

int mount_tree_clone(const char *source, bool recursive, bool readonly, bool *dir)
{
	struct stat st;
	int fd;

	if (stat(source, &st) < 0)
		return -1;
	*dir = S_ISDIR(st.st_mode);
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, source,
	                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (fd < 0)
		return -1;
	if (readonly && mount_tree_readonly(fd, recursive) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int mount_tree_open_in(int tree, const char *rel, int flags)
{
	struct open_how how = {.flags = (unsigned)flags | O_CLOEXEC,
	                       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};

	return (int)syscall(SYS_openat2, tree, rel[0] ? rel : ".", &how, sizeof(how));
}
