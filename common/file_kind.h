/* SPDX-License-Identifier: Apache-2.0 */
/* What a file is, for a message that refuses it: "a FIFO", "a directory"... */
#ifndef HULL_COMMON_FILE_KIND_H
#define HULL_COMMON_FILE_KIND_H

#include <sys/stat.h>

static inline const char *hull_file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFDIR:
		return "a directory";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	default:
		return "a regular file";
	}
}

#endif
