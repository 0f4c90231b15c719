/* SPDX-License-Identifier: Apache-2.0 */
#include "common/read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file_kind.h"

int hull_read_fd(int fd, const char *path, size_t max, char **text, size_t *len, hull_error_t *err)
{
	cleanup_free char *buf = NULL;
	size_t cap, n = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return hull_fail(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return hull_fail(err, 0, "%s: is %s, not a regular file", path,
		                 hull_file_kind(st.st_mode));
	if ((size_t)st.st_size > max)
		return hull_fail(err, EFBIG, "read %s", path);
	/* The size may change while it is read: read to the end, within the cap. */
	cap = (size_t)st.st_size + 4096;
	buf = malloc(cap);
	if (buf == NULL)
		return hull_fail(err, ENOMEM, "read %s", path);
	for (;;) {
		ssize_t got;

		if (cap - n < 4096) {
			char *grown;

			if (cap >= max)
				return hull_fail(err, EFBIG, "read %s", path);
			grown = realloc(buf, cap + 65536);
			if (grown == NULL)
				return hull_fail(err, ENOMEM, "read %s", path);
			buf = grown;
			cap += 65536;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return hull_fail(err, errno, "read %s", path);
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = steal_pointer(&buf);
	*len = n;
	return 0;
}

int hull_read_file(const char *path, char **text, size_t *len, hull_error_t *err)
{
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
	cleanup_close int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return hull_fail(err, errno, "open %s", path);
	return hull_read_fd(fd, path, HULL_MAX_FILE_SIZE, text, len, err);
}
