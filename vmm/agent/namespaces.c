/* SPDX-License-Identifier: Apache-2.0 */
/* The container's namespaces in the guest: see namespaces.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/ns_types.h"
#include "vmm/agent/namespaces.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* uidMappings/gidMappings as the text /proc/PID/uid_map takes. */
static int parse_mappings(json_t *linux_, const char *key, char **out, hull_error_t *err)
{
	json_t *list = json_object_get(linux_, key), *m;
	size_t i, len = 0;
	char *text;

	*out = NULL;
	if (list == NULL)
		return 0;
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 340)
		return hull_fail(err, 0, "linux.%s: expected an array of 1 to 340 mappings", key);
	text = calloc(json_array_size(list), 64);
	if (text == NULL)
		return hull_fail(err, ENOMEM, "linux.%s", key);
	json_array_foreach(list, i, m)
	{
		json_t *c = json_object_get(m, "containerID"), *h = json_object_get(m, "hostID"),
		       *n = json_object_get(m, "size");

		if (!json_is_integer(c) || !json_is_integer(h) || !json_is_integer(n) ||
		    json_integer_value(c) < 0 || json_integer_value(h) < 0 ||
		    json_integer_value(n) < 1 || json_integer_value(c) > UINT32_MAX ||
		    json_integer_value(h) > UINT32_MAX || json_integer_value(n) > UINT32_MAX) {
			free(text);
			return hull_fail(err, 0,
			                 "linux.%s[%zu]: containerID, hostID and size must be "
			                 "numbers (size at least 1)",
			                 key, i);
		}
		len += (size_t)sprintf(text + len, "%lld %lld %lld\n", json_integer_value(c),
		                       json_integer_value(h), json_integer_value(n));
	}
	*out = text;
	return 0;
}

static int parse_entry(json_t *ns, size_t i, struct ns_plan *p, hull_error_t *err)
{
	const char *type = json_string_value(json_object_get(ns, "type"));
	const char *path = json_string_value(json_object_get(ns, "path"));
	unsigned long flag = hull_ns_flag(type);

	if (flag == 0)
		return hull_fail(err, 0,
		                 "linux.namespaces[%zu].type: \"%s\" is not a namespace type", i,
		                 type ? type : "");
	if (p->all & flag)
		return hull_fail(err, 0, "linux.namespaces[%zu]: namespace \"%s\" is listed twice",
		                 i, type);
	p->all |= flag;
	if (flag == CLONE_NEWNET)
		return 0; /* the guest's own: see namespaces.h */
	if (path == NULL || path[0] == '\0') {
		p->create |= flag;
		return 0;
	}
	if (path[0] != '/')
		return hull_fail(
		    err, 0, "linux.namespaces[%zu].path: \"%s\" is not an absolute path", i, path);
	p->join[p->n_join].type = (int)flag;
	p->join[p->n_join].path = strdup(path);
	if (p->join[p->n_join].path == NULL)
		return hull_fail(err, ENOMEM, "linux.namespaces[%zu]", i);
	p->n_join++;
	return 0;
}

int ns_plan_parse(json_t *linux_, struct ns_plan *p, hull_error_t *err)
{
	json_t *list = json_object_get(linux_, "namespaces"), *ns;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (list && !json_is_array(list))
		return hull_fail(err, 0, "linux.namespaces: expected an array");
	json_array_foreach(list, i, ns)
	{
		if (!json_is_object(ns))
			return hull_fail(err, 0, "linux.namespaces[%zu]: expected an object", i);
		if (parse_entry(ns, i, p, err) < 0)
			return -1;
	}
	p->all |= CLONE_NEWNET;
	if (parse_mappings(linux_, "uidMappings", &p->uid_map, err) < 0 ||
	    parse_mappings(linux_, "gidMappings", &p->gid_map, err) < 0)
		return -1;
	if ((p->uid_map || p->gid_map) && !(p->create & CLONE_NEWUSER))
		return hull_fail(err, 0,
		                 "linux.uidMappings: mappings need a new user namespace "
		                 "(linux.namespaces has no \"user\" entry without a path)");
	if ((p->create & CLONE_NEWUSER) && (p->uid_map == NULL || p->gid_map == NULL))
		return hull_fail(err, 0,
		                 "linux.namespaces: a new user namespace needs uidMappings "
		                 "and gidMappings");
	if (json_object_get(linux_, "timeOffsets"))
		return hull_fail(err, 0, "linux.timeOffsets: not supported by hull");
	return 0;
}

void ns_plan_release(struct ns_plan *p)
{
	for (size_t i = 0; i < p->n_join; i++)
		free(p->join[i].path);
	free(p->uid_map);
	free(p->gid_map);
	memset(p, 0, sizeof(*p));
}

static int open_ns(unsigned long type, const char *path, hull_error_t *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), actual;

	if (fd < 0)
		return hull_fail(err, errno, "namespace %s: open %s", hull_ns_name(type), path);
	actual = ioctl(fd, NS_GET_NSTYPE);
	if (actual < 0 || (unsigned long)actual != type) {
		int e = errno;

		close(fd);
		if (actual < 0)
			return hull_fail(err, e, "namespace %s: %s is not a namespace",
			                 hull_ns_name(type), path);
		return hull_fail(err, 0, "namespace %s: %s is a %s namespace", hull_ns_name(type),
		                 path, hull_ns_name((unsigned long)actual));
	}
	return fd;
}

int ns_plan_join(const struct ns_plan *p, hull_error_t *err)
{
	int fds[NS_MAX_JOIN];
	size_t opened = 0;
	int ret = 0;

	/*
	 * Every path is opened first: once in another mount namespace, /proc
	 * may be another PID namespace's and the paths name nothing.
	 */
	for (; opened < p->n_join; opened++) {
		fds[opened] =
		    open_ns((unsigned long)p->join[opened].type, p->join[opened].path, err);
		if (fds[opened] < 0) {
			ret = -1;
			goto out;
		}
	}
	/* The user namespace first: the others are joined with its rights. */
	for (int pass = 0; pass < 2 && ret == 0; pass++)
		for (size_t i = 0; i < p->n_join && ret == 0; i++) {
			bool user = p->join[i].type == CLONE_NEWUSER;

			if (user == (pass == 0) && setns(fds[i], p->join[i].type) < 0)
				ret = hull_fail(err, errno, "namespace %s: join %s",
				                hull_ns_name((unsigned long)p->join[i].type),
				                p->join[i].path);
		}
out:
	for (size_t i = 0; i < opened; i++)
		close(fds[i]);
	return ret;
}

static int write_map(pid_t pid, const char *file, const char *text, hull_error_t *err)
{
	char path[64];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return hull_fail(err, errno, "linux.%s: write %s",
		                 strcmp(file, "uid_map") == 0 ? "uidMappings" : "gidMappings",
		                 path);
	return 0;
}

int ns_plan_write_maps(const struct ns_plan *p, pid_t pid, hull_error_t *err)
{
	if (p->uid_map == NULL)
		return 0;
	return write_map(pid, "uid_map", p->uid_map, err) < 0 ||
	               write_map(pid, "gid_map", p->gid_map, err) < 0
	           ? -1
	           : 0;
}

/* The name of a namespace's file in /proc/PID/ns. */
static const char *proc_ns_name(unsigned long flag)
{
	return flag == CLONE_NEWNS ? "mnt" : hull_ns_name(flag);
}

int ns_plan_join_process(struct ns_plan *p, pid_t pid, unsigned long flags, hull_error_t *err)
{
	static const unsigned long joinable[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,
	                                         CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP};

	memset(p, 0, sizeof(*p));
	p->all = flags;
	for (size_t i = 0; i < sizeof(joinable) / sizeof(joinable[0]); i++) {
		if (!(flags & joinable[i]))
			continue;
		if (asprintf(&p->join[p->n_join].path, "/proc/%d/ns/%s", (int)pid,
		             proc_ns_name(joinable[i])) < 0)
			return hull_fail(err, ENOMEM, "namespaces of %d", (int)pid);
		p->join[p->n_join++].type = (int)joinable[i];
	}
	return 0;
}
