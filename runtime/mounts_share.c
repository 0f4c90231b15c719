/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/mounts_share.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool has_option(const json_t *mount, const char *name)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(mount, "options"), i, o)
	{
		const char *s = json_string_value(o);

		if (s && strcmp(s, name) == 0)
			return true;
	}
	return false;
}

bool mounts_share_is_bind(const json_t *mount)
{
	const char *type = json_string_value(json_object_get(mount, "type"));

	return (type && strcmp(type, "bind") == 0) || has_option(mount, "bind") ||
	       has_option(mount, "rbind");
}

/* The last of "ro" and "rw" wins, as in mount(8). */
static bool readonly_option(const json_t *mount)
{
	const json_t *o;
	bool ro = false;
	size_t i;

	json_array_foreach(json_object_get(mount, "options"), i, o)
	{
		const char *s = json_string_value(o);

		if (s && strcmp(s, "ro") == 0)
			ro = true;
		else if (s && strcmp(s, "rw") == 0)
			ro = false;
	}
	return ro;
}

/* dest is beneath an earlier mount's destination (mounts[0..n)): not on the root in the guest. */
static bool beneath_earlier_mount(const json_t *mounts, size_t n, const char *dest)
{
	for (size_t i = 0; i < n; i++) {
		const char *d =
		    json_string_value(json_object_get(json_array_get(mounts, i), "destination"));
		size_t len = d ? strlen(d) : 0;

		while (len > 0 && d[len - 1] == '/')
			len--;
		if (d && len > 0 && strncmp(dest, d, len) == 0 && dest[len] == '/')
			return true;
	}
	return false;
}

int mounts_share_plan(const char *id, const struct hull_spec *spec, struct mounts_share *s,
                      hull_error_t *err)
{
	const json_t *m;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->binds = calloc(json_array_size(spec->mounts) + 1, sizeof(*s->binds));
	s->mount_dirs = calloc(json_array_size(spec->mounts) + 1, sizeof(*s->mount_dirs));
	if (s->binds == NULL || s->mount_dirs == NULL)
		return hull_fail(err, ENOMEM, "mounts");
	s->container = (struct virtiofsd_container){.id = id,
	                                            .rootfs = spec->rootfs,
	                                            .readonly = spec->readonly,
	                                            .binds = s->binds,
	                                            .mount_dirs = s->mount_dirs};
	json_array_foreach(spec->mounts, i, m)
	{
		const char *source = json_string_value(json_object_get(m, "source"));
		const char *dest = json_string_value(json_object_get(m, "destination"));
		struct stat st;

		if (!mounts_share_is_bind(m)) {
			if (spec->readonly && dest && dest[0] == '/' &&
			    !beneath_earlier_mount(spec->mounts, i, dest))
				s->mount_dirs[s->container.n_mount_dirs++] = dest;
			continue;
		}
		if (source == NULL || source[0] != '/')
			return hull_fail(
			    err, 0,
			    "mounts[%zu].source: \"%s\" is not an absolute path (a bind "
			    "mount needs one)",
			    i, source ? source : "");
		if (stat(source, &st) < 0)
			return hull_fail(err, errno, "mounts[%zu].source: %s", i, source);
		s->binds[s->container.n_binds++] = (struct virtiofsd_bind){
		    .source = source,
		    .destination = dest,
		    .index = (unsigned)i,
		    .readonly = readonly_option(m),
		    .recursive = has_option(m, "rbind"),
		};
	}
	return 0;
}

void mounts_share_release(struct mounts_share *s)
{
	free(s->binds);
	free(s->mount_dirs);
	memset(s, 0, sizeof(*s));
}

json_t *mounts_share_guest_mounts(const char *id, const json_t *mounts, const char *share_path)
{
	json_t *copy = json_deep_copy(mounts ? mounts : json_array()), *m;
	size_t i;

	if (copy == NULL)
		return NULL;
	json_array_foreach(copy, i, m)
	{
		char rel[PATH_MAX], path[PATH_MAX + 64];

		if (!mounts_share_is_bind(m))
			continue;
		if (virtiofsd_share_path(rel, sizeof(rel), id, (long)i) < 0 ||
		    snprintf(path, sizeof(path), "%s/%s", share_path, rel) >= (int)sizeof(path) ||
		    json_object_set_new(m, "source", json_string(path)) < 0 ||
		    json_object_set_new(m, "shared", json_true()) < 0) {
			json_decref(copy);
			return NULL;
		}
	}
	return copy;
}
