// SPDX-License-Identifier: Apache-2.0
#include "shim/rootfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/mount_options.h"
#include "shim/protobuf.h"

void shim_mount_release(struct shim_mount *m)
{
	free(m->type);
	free(m->source);
	for (size_t i = 0; i < m->n_options; i++)
		free(m->options[i]);
	free(m->options);
	*m = (struct shim_mount){0};
}

int shim_mount_decode(const void *data, size_t len, struct shim_mount *m, hull_error_t *err)
{
	struct pb_reader r;
	struct pb_field f;
	int rc;

	*m = (struct shim_mount){0};
	pb_reader_init(&r, data, len);
	while ((rc = pb_next(&r, &f)) > 0) {
		if (f.type != PB_BYTES)
			continue;
		if (f.number == 1) {
			free(m->type);
			m->type = pb_field_strdup(&f);
		} else if (f.number == 2) {
			free(m->source);
			m->source = pb_field_strdup(&f);
		} else if (f.number == 4) {
			/* An option lost (say "ro") must fail the mount, not drop out. */
			char **grown = realloc(m->options, sizeof(char *) * (m->n_options + 1));
			if (grown)
				m->options = grown;
			if (!grown || !(m->options[m->n_options] = pb_field_strdup(&f))) {
				shim_mount_release(m);
				return hull_fail(err, ENOMEM, "rootfs: mount options");
			}
			m->n_options++;
		}
	}
	if (rc < 0 || !m->type || !m->source) {
		shim_mount_release(m);
		return hull_fail(err, 0, "rootfs: malformed mount");
	}
	return 0;
}

static int mount_one(const struct shim_mount *m, const char *target, hull_error_t *err)
{
	unsigned long flags = 0;
	size_t data_len = 0;
	char *data = calloc(1, 1);

	if (!data)
		return hull_fail(err, ENOMEM, "rootfs");
	for (size_t i = 0; i < m->n_options; i++) {
		const struct hull_mount_flag *flag = hull_mount_flag_find(m->options[i]);

		if (flag) {
			flags = flag->clear ? flags & ~flag->flag : flags | flag->flag;
			continue;
		}
		size_t add = strlen(m->options[i]);
		char *grown = realloc(data, data_len + add + 2);
		if (!grown) {
			free(data);
			return hull_fail(err, ENOMEM, "rootfs");
		}
		data = grown;
		if (data_len)
			data[data_len++] = ',';
		memcpy(data + data_len, m->options[i], add + 1);
		data_len += add;
	}
	/* containerd writes "bind" as the type of a bind mount. */
	if (strcmp(m->type, "bind") == 0)
		flags |= MS_BIND;
	/* Read-only comes after, as a remount: a bind mount ignores MS_RDONLY. */
	int rc = mount(m->source, target, m->type, flags & ~MS_RDONLY & ~MS_REMOUNT,
	               data_len ? data : NULL);
	free(data);
	if (rc < 0)
		return hull_fail(err, errno, "rootfs: mount %s %s on %s", m->type, m->source,
		                 target);
	if ((flags & MS_RDONLY) &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		int e = errno;
		umount2(target, MNT_DETACH);
		return hull_fail(err, e, "rootfs: remount %s read-only", target);
	}
	return 0;
}

int shim_mount_all(const struct shim_mount *mounts, size_t n, const char *target, hull_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		if (mount_one(&mounts[i], target, err) < 0) {
			while (i-- > 0)
				umount2(target, MNT_DETACH);
			return -1;
		}
	}
	return 0;
}

int shim_unmount_all(const char *target, hull_error_t *err)
{
	for (;;) {
		if (umount2(target, MNT_DETACH) == 0)
			continue;
		if (errno == EINVAL || errno == ENOENT)
			return 0; /* nothing (more) mounted there */
		return hull_fail(err, errno, "rootfs: unmount %s", target);
	}
}
