/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's one cleanup convention: every owned resource held in a local is
 * declared with one of these attributes, so no error path can leak it.
 * Ownership is handed on by setting the local to NULL (or -1 for fds),
 * for which steal_pointer() and steal_fd() exist.
 */
#ifndef HULL_COMMON_CLEANUP_H
#define HULL_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

static inline void cleanup_freep(void *p)
{
	void **pp = (void **)p;

	free(*pp);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_filep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_dirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void cleanup_jsonp(json_t **j)
{
	json_decref(*j);
}

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_file __attribute__((cleanup(cleanup_filep)))
#define cleanup_json __attribute__((cleanup(cleanup_jsonp)))
#define cleanup_dir __attribute__((cleanup(cleanup_dirp)))

static inline void *steal_pointer_impl(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;

	*p = NULL;
	return v;
}
#define steal_pointer(pp) steal_pointer_impl((void *)(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}

#endif
