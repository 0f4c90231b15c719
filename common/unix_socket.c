/* SPDX-License-Identifier: Apache-2.0 */
#include "common/unix_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"

int hull_unix_connect(const char *path, long long deadline_ms, const char *what, hull_error_t *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return hull_fail(err, ENAMETOOLONG, "%s socket %s", what, path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_fail(err, errno, "%s socket", what);
	while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		if ((e != ENOENT && e != ECONNREFUSED) || hull_now_ms() >= deadline_ms) {
			close(fd);
			return hull_fail(err, e, "%s: connect %s", what, path);
		}
		usleep(10 * 1000);
	}
	return fd;
}
