// SPDX-License-Identifier: Apache-2.0
#include "common/inherited_fds.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* More than a caller ever leaves open; past these, fds are only close-on-exec. */
#define MAX_NOTED 256

static int noted[MAX_NOTED];
static int n_noted;

void inherited_fds_note(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (fd < 3 || fd == dirfd(d))
			continue;
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
		if (n_noted < MAX_NOTED)
			noted[n_noted++] = fd;
	}
	closedir(d);
}

void inherited_fds_close(void)
{
	for (int i = 0; i < n_noted; i++)
		close(noted[i]);
	n_noted = 0;
}
