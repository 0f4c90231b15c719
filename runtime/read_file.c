/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/read_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"

int hull_read_file(const char *path, char **text, size_t *len, hull_error_t *err)
{
	cleanup_file FILE *f = fopen(path, "re");
	cleanup_free char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return hull_fail(err, errno, "open %s", path);
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *grown;

			if (cap >= HULL_MAX_FILE_SIZE)
				return hull_fail(err, EFBIG, "read %s", path);
			grown = realloc(buf, cap + 65536);
			if (grown == NULL)
				return hull_fail(err, ENOMEM, "read %s", path);
			buf = grown;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		return hull_fail(err, errno ? errno : EIO, "read %s", path);
	buf[n] = '\0';
	*text = steal_pointer(&buf);
	*len = n;
	return 0;
}
