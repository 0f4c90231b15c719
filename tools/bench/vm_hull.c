/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's side of bench_vm: the `hull` command run as a user runs it
 * (stdin /dev/null, output to a file), timed from before its fork to its
 * exit, with --debug --log so that its log's timestamps split the time:
 * virtiofsd up, QEMU started, "VM up" (the agent answered).  And the
 * monitor's memory while a container runs `sleep`.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "tools/bench/vm_bench.h"

#define HULL_CMD_TIMEOUT_MS 120000

/*
 * hull --debug --log LOG --config C --root R ARGS...; *ms is exec to exit;
 * its stdout into stdout_path (NULL: with stderr into <tmp>/hull.out).
 * Returns its exit status, or -1 (error or timeout: it is killed).
 */
static int run_hull_to(struct vmb_env *e, const char *config, const char *log, char *const args[],
                       const char *stdout_path, double *ms, double *t0_real, hull_error_t *err)
{
	char *argv[32];
	char out_path[PATH_MAX];
	cleanup_close int out = -1;
	struct spawn_options o = {.stdout_fd = -1, .stderr_fd = -1};
	size_t n = 0;
	double t0;
	pid_t pid;
	int status;

	argv[n++] = e->hull;
	argv[n++] = "--debug";
	argv[n++] = "--log";
	argv[n++] = (char *)log;
	argv[n++] = "--config";
	argv[n++] = (char *)config;
	argv[n++] = "--root";
	argv[n++] = e->root;
	for (size_t i = 0; args[i] && n < sizeof(argv) / sizeof(*argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	vmb_fmt(out_path, sizeof(out_path), "%s/hull.out", e->tmp);
	out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	o.stdout_fd = out;
	o.stderr_fd = out;
	if (stdout_path) {
		o.stdout_fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (o.stdout_fd < 0)
			return hull_fail(err, errno, "%s", stdout_path);
	}
	if (t0_real)
		*t0_real = vmb_realtime_ms();
	t0 = vmb_now_ms();
	if (spawn_program(argv, &o, &pid, err) < 0) {
		if (stdout_path)
			close(o.stdout_fd);
		return -1;
	}
	if (stdout_path)
		close(o.stdout_fd);
	if (!vmb_wait(pid, HULL_CMD_TIMEOUT_MS, &status)) {
		vmb_kill_wait(pid);
		return hull_fail(err, ETIMEDOUT, "hull %s: no exit after %d s", args[0],
		                 HULL_CMD_TIMEOUT_MS / 1000);
	}
	if (ms)
		*ms = vmb_now_ms() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_hull(struct vmb_env *e, const char *config, const char *log, char *const args[],
                    double *ms, double *t0_real, hull_error_t *err)
{
	return run_hull_to(e, config, log, args, NULL, ms, t0_real, err);
}

/* The last error line hull logged, for a failure message. */
static void last_error(const char *log, char *out, size_t size)
{
	cleanup_file FILE *f = fopen(log, "re");
	char line[4096];

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "level=error") || strstr(line, "level=warning")) {
			line[strcspn(line, "\n")] = '\0';
			vmb_fmt(out, size, "%s", line);
		}
}

/* time="2026-11-27T00:58:44.292041Z" -> ms since the epoch; -1 if not there. */
static double line_time_ms(const char *line)
{
	const char *p = strstr(line, "time=\"");
	struct tm tm = {0};
	char *rest;
	long usec;

	if (p == NULL)
		return -1;
	rest = strptime(p + 6, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL || *rest != '.')
		return -1;
	usec = strtol(rest + 1, NULL, 10);
	return (double)timegm(&tm) * 1e3 + (double)usec / 1e3;
}

static void parse_log(const char *log, double t0_real, struct vmb_hull_times *t)
{
	cleanup_file FILE *f = fopen(log, "re");
	char line[8192];

	t->virtiofsd_ms = t->qemu_ms = t->ready_ms = -1;
	while (f && fgets(line, sizeof(line), f)) {
		double at = line_time_ms(line);

		if (at < 0)
			continue;
		if (strstr(line, "msg=\"virtiofsd pid "))
			t->virtiofsd_ms = at - t0_real;
		else if (strstr(line, "msg=\"QEMU: "))
			t->qemu_ms = at - t0_real;
		else if (strstr(line, "msg=\"VM up"))
			t->ready_ms = at - t0_real;
		else if (strstr(line, "msg=\"KVM does not work on this host"))
			t->kvm_fallback = true;
	}
}

static int delete_sandbox(struct vmb_env *e, const char *config, const char *log, const char *id,
                          double *ms, hull_error_t *err)
{
	char *args[] = {"delete", "--force", (char *)id, NULL};
	int r = run_hull(e, config, log, args, ms, NULL, err);

	if (r > 0)
		return hull_fail(err, 0, "hull delete --force %s: exit %d", id, r);
	return r;
}

static int hull_failed(const char *what, const char *log, int status, hull_error_t *err)
{
	char last[1024];

	last_error(log, last, sizeof(last));
	return hull_fail(err, 0, "hull %s: exit %d%s%s", what, status, last[0] ? ": " : "", last);
}

int vmb_hull_create(struct vmb_env *e, const char *config, struct vmb_hull_times *t,
                    hull_error_t *err)
{
	char id[32], log[PATH_MAX];
	char *args[] = {"create", "--bundle", e->bundle_true, id, NULL};
	double t0_real;
	int r;

	memset(t, 0, sizeof(*t));
	vmb_fmt(id, sizeof(id), "bench-%u", ++e->seq);
	vmb_fmt(log, sizeof(log), "%s/hull-%s.log", e->tmp, id);
	r = run_hull(e, config, log, args, &t->total_ms, &t0_real, err);
	parse_log(log, t0_real, t);
	if (r != 0) {
		if (r > 0)
			hull_failed("create", log, r, err);
		cleanup_error hull_error_t ignored = NULL;
		delete_sandbox(e, config, log, id, NULL, &ignored);
		unlink(log);
		return -1;
	}
	r = delete_sandbox(e, config, log, id, &t->delete_ms, err);
	unlink(log);
	return r;
}

int vmb_hull_run(struct vmb_env *e, const char *config, struct vmb_hull_times *t, hull_error_t *err)
{
	char id[32], log[PATH_MAX];
	char *args[] = {"run", "--bundle", e->bundle_true, id, NULL};
	double t0_real;
	int r;

	memset(t, 0, sizeof(*t));
	vmb_fmt(id, sizeof(id), "bench-%u", ++e->seq);
	vmb_fmt(log, sizeof(log), "%s/hull-%s.log", e->tmp, id);
	r = run_hull(e, config, log, args, &t->total_ms, &t0_real, err);
	parse_log(log, t0_real, t);
	t->delete_ms = -1;
	if (r != 0) {
		if (r > 0)
			hull_failed("run", log, r, err);
		cleanup_error hull_error_t ignored = NULL;
		delete_sandbox(e, config, log, id, NULL, &ignored);
	}
	unlink(log);
	return r == 0 ? 0 : -1;
}

int vmb_hull_check(struct vmb_env *e, const char *config, bool boot, double *ms, json_t **report,
                   hull_error_t *err)
{
	char log[PATH_MAX], out[PATH_MAX];
	char *args[] = {"check", "--json", boot ? NULL : "--no-boot", NULL};
	json_error_t jerr;
	int r;

	vmb_fmt(log, sizeof(log), "%s/hull-check.log", e->tmp);
	vmb_fmt(out, sizeof(out), "%s/hull-check.json", e->tmp);
	r = run_hull_to(e, config, log, args, out, ms, NULL, err);
	unlink(log);
	if (r < 0)
		return -1;
	*report = json_load_file(out, 0, &jerr);
	unlink(out);
	if (*report == NULL)
		return hull_fail(err, 0, "hull check: exit %d, no JSON report (%s)", r, jerr.text);
	return 0;
}

/* --- memory --- */

/* "Key:   123 kB" lines of a /proc file: the value of key, or -1. */
static double proc_kib(const char *path, const char *key)
{
	cleanup_file FILE *f = fopen(path, "re");
	char line[512];
	size_t len = strlen(key);

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':')
			return strtod(line + len + 1, NULL);
	return -1;
}

static void add_mapping(struct vmb_memory *m, const char *name, double rss, double pss, double anon)
{
	size_t i;

	for (i = 0; i < m->n_maps; i++)
		if (strcmp(m->maps[i].name, name) == 0)
			break;
	if (i == m->n_maps) {
		if (m->n_maps == sizeof(m->maps) / sizeof(*m->maps))
			i = m->n_maps - 1, name = "(other)";
		else
			m->n_maps++;
		vmb_fmt(m->maps[i].name, sizeof(m->maps[i].name), "%s", name);
	}
	m->maps[i].rss_kib += rss;
	m->maps[i].pss_kib += pss;
	m->maps[i].anon_kib += anon;
}

static int by_rss(const void *a, const void *b)
{
	const struct vmb_mapping *x = a, *y = b;

	return x->rss_kib < y->rss_kib ? 1 : x->rss_kib > y->rss_kib ? -1 : 0;
}

/* /proc/PID/smaps grouped by file (basename) or [heap], [stack], [anon]. */
static void read_smaps(pid_t pid, struct vmb_memory *m)
{
	char path[64], line[1024], name[64] = "";
	cleanup_file FILE *f = NULL;
	double rss = 0, pss = 0, anon = 0;
	bool have = false;

	vmb_fmt(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &pos) >= 3 &&
		    pos > 0) {
			char *p = line + pos, *slash;

			if (have)
				add_mapping(m, name, rss, pss, anon);
			p[strcspn(p, "\n")] = '\0';
			slash = strrchr(p, '/');
			vmb_fmt(name, sizeof(name), "%s",
			        *p == '\0' ? "[anon]"
			        : slash    ? slash + 1
			                   : p);
			rss = pss = anon = 0;
			have = true;
		} else if (strncmp(line, "Rss:", 4) == 0)
			rss = strtod(line + 4, NULL);
		else if (strncmp(line, "Pss:", 4) == 0)
			pss = strtod(line + 4, NULL);
		else if (strncmp(line, "Anonymous:", 10) == 0)
			anon = strtod(line + 10, NULL);
	}
	if (have)
		add_mapping(m, name, rss, pss, anon);
	qsort(m->maps, m->n_maps, sizeof(*m->maps), by_rss);
}

static bool comm_is(pid_t pid, const char *want)
{
	char path[64], comm[64] = "";
	cleanup_file FILE *f = NULL;

	vmb_fmt(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f == NULL || fgets(comm, sizeof(comm), f) == NULL)
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return strncmp(comm, want, strlen(want)) == 0;
}

/* RSS of pid and its descendants (virtiofsd runs as two processes). */
static double tree_rss(pid_t pid)
{
	char path[64];
	cleanup_file FILE *f = NULL;
	double kib, sum;
	int child;

	vmb_fmt(path, sizeof(path), "/proc/%d/status", pid);
	kib = proc_kib(path, "VmRSS");
	sum = kib > 0 ? kib : 0;
	vmb_fmt(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &child) == 1)
		sum += tree_rss(child);
	return sum;
}

static void read_memory(pid_t pid, struct vmb_memory *m)
{
	char path[64];
	cleanup_file FILE *f = NULL;
	DIR *d;
	int child;

	m->monitor_pid = pid;
	vmb_fmt(path, sizeof(path), "/proc/%d/status", pid);
	m->rss_kib = proc_kib(path, "VmRSS");
	m->anon_kib = proc_kib(path, "RssAnon");
	m->file_kib = proc_kib(path, "RssFile");
	m->threads = proc_kib(path, "Threads");
	vmb_fmt(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	m->pss_kib = proc_kib(path, "Pss");
	m->pss_anon_kib = proc_kib(path, "Pss_Anon");
	m->pss_file_kib = proc_kib(path, "Pss_File");
	m->private_dirty_kib = proc_kib(path, "Private_Dirty");
	read_smaps(pid, m);
	vmb_fmt(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	m->fds = 0;
	while (d && readdir(d))
		m->fds++;
	if (d) {
		closedir(d);
		m->fds -= 2;
	}
	vmb_fmt(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &child) == 1) {
		if (comm_is(child, "qemu-system"))
			m->qemu_rss_kib += tree_rss(child);
		else if (comm_is(child, "virtiofsd"))
			m->virtiofsd_rss_kib += tree_rss(child);
	}
}

int vmb_hull_memory(struct vmb_env *e, const char *config, int settle_ms, struct vmb_memory *m,
                    hull_error_t *err)
{
	char id[32], log[PATH_MAX], pid_file[PATH_MAX], text[32] = "";
	char *create[] = {"create", "--bundle", e->bundle_sleep, "--pid-file", pid_file, id, NULL};
	char *start[] = {"start", id, NULL};
	cleanup_file FILE *f = NULL;
	struct timespec settle = {.tv_sec = settle_ms / 1000,
	                          .tv_nsec = (long)(settle_ms % 1000) * 1000000};
	int r, ret = -1;

	memset(m, 0, sizeof(*m));
	vmb_fmt(id, sizeof(id), "bench-%u", ++e->seq);
	vmb_fmt(log, sizeof(log), "%s/hull-%s.log", e->tmp, id);
	vmb_fmt(pid_file, sizeof(pid_file), "%s/%s.pid", e->tmp, id);
	r = run_hull(e, config, log, create, NULL, NULL, err);
	if (r != 0) {
		if (r > 0)
			hull_failed("create", log, r, err);
		goto out;
	}
	r = run_hull(e, config, log, start, NULL, NULL, err);
	if (r != 0) {
		if (r > 0)
			hull_failed("start", log, r, err);
		goto out;
	}
	f = fopen(pid_file, "re");
	if (f == NULL || fgets(text, sizeof(text), f) == NULL || atoi(text) <= 0) {
		hull_fail(err, errno, "pid file %s", pid_file);
		goto out;
	}
	nanosleep(&settle, NULL);
	read_memory(atoi(text), m);
	if (m->rss_kib <= 0) {
		hull_fail(err, 0, "monitor %s is gone", text);
		goto out;
	}
	ret = 0;
out : {
	cleanup_error hull_error_t ignored = NULL;

	if (delete_sandbox(e, config, log, id, NULL, ret == 0 ? err : &ignored) < 0)
		ret = -1;
}
	unlink(log);
	unlink(pid_file);
	return ret;
}
