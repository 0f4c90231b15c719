/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/agent/proc_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "vmm/agent/container_ops.h"

/* Room left in a reply for everything but the processes (HULL_AGENT_MAX_MSG is 1 MiB). */
#define PROC_FILES_BUDGET (768u * 1024u)
/* As much of a file as is kept: enough for any stat or status, and a long command line. */
#define PROC_FILE_MAX 4096

/* Up to size bytes of dir/path into buf; the length, or -1 (the process has gone). */
static ssize_t read_at(int dir, const char *path, char *buf, size_t size)
{
	cleanup_close int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* One process's files; NULL when it has gone meanwhile. */
static json_t *process_files(int proc, const char *pid, size_t *bytes)
{
	char path[300], stat[PROC_FILE_MAX + 1], status[PROC_FILE_MAX + 1];
	char cmdline[PROC_FILE_MAX], ns[64];
	ssize_t n_stat, n_status, n_cmd, n_ns;
	cleanup_free char *cmd64 = NULL;

	snprintf(path, sizeof(path), "%s/stat", pid);
	n_stat = read_at(proc, path, stat, sizeof(stat) - 1);
	snprintf(path, sizeof(path), "%s/status", pid);
	n_status = read_at(proc, path, status, sizeof(status) - 1);
	snprintf(path, sizeof(path), "%s/cmdline", pid);
	n_cmd = read_at(proc, path, cmdline, sizeof(cmdline));
	snprintf(path, sizeof(path), "%s/ns/pid", pid);
	n_ns = readlinkat(proc, path, ns, sizeof(ns) - 1);
	if (n_stat < 0 || n_status < 0 || n_cmd < 0)
		return NULL;
	stat[n_stat] = '\0';
	status[n_status] = '\0';
	ns[n_ns > 0 ? n_ns : 0] = '\0';
	cmd64 = base64_encode((const uint8_t *)cmdline, (size_t)n_cmd);
	if (cmd64 == NULL)
		return NULL;
	*bytes += (size_t)n_stat + (size_t)n_status + strlen(cmd64) + 128;
	return json_pack("{s:I, s:s, s:s, s:s, s:s}", "pid", (json_int_t)strtol(pid, NULL, 10),
	                 "stat", stat, "status", status, "cmdline", cmd64, "pid_ns", ns);
}

static bool is_pid(const char *name)
{
	return name[0] >= '1' && name[0] <= '9' && name[strspn(name, "0123456789")] == '\0';
}

int agent_proc_files(struct agent *a, json_t *req, json_t **reply, hull_error_t *err)
{
	struct agent_container *ctr = agent_named_container(a, req, err);
	char root_proc[64], stat[PROC_FILE_MAX + 1];
	cleanup_json json_t *processes = NULL;
	cleanup_close int proc = -1;
	cleanup_dir DIR *dir = NULL;
	bool truncated = false;
	size_t bytes = 0;
	struct dirent *de;
	ssize_t n;

	if (ctr == NULL)
		return -1;
	/* The proc mount the container made: it numbers processes as the container does. */
	snprintf(root_proc, sizeof(root_proc), "/proc/%d/root/proc", (int)ctr->pid);
	proc = open(root_proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0 || (n = read_at(proc, "stat", stat, sizeof(stat) - 1)) < 0)
		return hull_fail(err, errno, "container \"%s\" has no /proc mounted", ctr->id);
	stat[n] = '\0';
	dir = fdopendir(dup(proc));
	processes = json_array();
	if (dir == NULL || processes == NULL)
		return hull_fail(err, errno ? errno : ENOMEM, "%s", root_proc);
	while ((de = readdir(dir)) != NULL) {
		json_t *p;

		if (!is_pid(de->d_name))
			continue;
		if (bytes > PROC_FILES_BUDGET) {
			truncated = true;
			break;
		}
		p = process_files(proc, de->d_name, &bytes);
		if (p)
			json_array_append_new(processes, p);
	}
	*reply = json_pack("{s:s, s:O, s:b}", "stat", stat, "processes", processes, "truncated",
	                   truncated);
	return *reply ? 0 : hull_fail(err, ENOMEM, "proc_files");
}
