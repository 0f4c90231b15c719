/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's side of bench_vm: the `hull` command, timed from before its fork
 * to its exit, its --debug log's timestamps splitting the time; and the
 * monitor's memory while a container runs `sleep`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "tools/bench/stats.h"
#include "tools/bench/vm_bench.h"

#define HULL_CMD_TIMEOUT_MS 120000

/*
 * hull --debug --log LOG --config C --root R ARGS...; *ms is exec to exit,
 * *t0_real the CLOCK_REALTIME of its start; its stdout into stdout_path
 * (NULL: with stderr into <tmp>/hull.out).  Returns its exit status, or
 * -1 (error or timeout: it is killed).
 */
static int run_hull(struct vmb_env *e, const char *config, const char *log, char *const args[],
                    const char *stdout_path, double *ms, double *t0_real, hull_error_t *err)
{
	char *argv[32] = {e->hull,    "--debug",      "--log",  (char *)log,
	                  "--config", (char *)config, "--root", e->root};
	char out_path[PATH_MAX];
	cleanup_close int out = -1, stdout_fd = -1;
	struct spawn_options o = {.stdout_fd = -1, .stderr_fd = -1};
	size_t n = 8;
	double t0;
	pid_t pid;
	int status;

	for (size_t i = 0; args[i] && n < sizeof(argv) / sizeof(*argv) - 1; i++)
		argv[n++] = args[i];
	vmb_fmt(out_path, sizeof(out_path), "%s/hull.out", e->tmp);
	o.stdout_fd = o.stderr_fd = out =
	    open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (stdout_path) {
		o.stdout_fd = stdout_fd =
		    open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (stdout_fd < 0)
			return hull_fail(err, errno, "%s", stdout_path);
	}
	if (t0_real)
		*t0_real = bench_ms(CLOCK_REALTIME);
	t0 = bench_now_ms();
	if (spawn_program(argv, &o, &pid, err) < 0)
		return -1;
	if (!vmb_wait(pid, HULL_CMD_TIMEOUT_MS, &status)) {
		vmb_kill_wait(pid);
		return hull_fail(err, ETIMEDOUT, "hull %s: no exit after %d s", args[0],
		                 HULL_CMD_TIMEOUT_MS / 1000);
	}
	if (ms)
		*ms = bench_now_ms() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* hull exited with status > 0: the error is that and the last error line it logged. */
static int hull_failed(const char *what, const char *log, int status, hull_error_t *err)
{
	cleanup_file FILE *f = fopen(log, "re");
	char line[4096], last[1024] = "";

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "level=error") || strstr(line, "level=warning")) {
			line[strcspn(line, "\n")] = '\0';
			vmb_fmt(last, sizeof(last), "%s", line);
		}
	return hull_fail(err, 0, "hull %s: exit %d%s%s", what, status, last[0] ? ": " : "", last);
}

/* time="2026-11-27T00:58:44.292041Z" -> ms since the epoch; NAN if not there. */
static double line_time_ms(const char *line)
{
	const char *p = strstr(line, "time=\"");
	struct tm tm = {0};
	char *rest = p ? strptime(p + 6, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (rest == NULL || *rest != '.')
		return NAN;
	return (double)timegm(&tm) * 1e3 + (double)strtol(rest + 1, NULL, 10) / 1e3;
}

static void parse_log(const char *log, double t0_real, struct vmb_hull_times *t)
{
	cleanup_file FILE *f = fopen(log, "re");
	char line[8192];

	t->virtiofsd_ms = t->qemu_ms = t->ready_ms = NAN;
	while (f && fgets(line, sizeof(line), f)) {
		double at = line_time_ms(line) - t0_real;

		if (isnan(at))
			continue;
		if (strstr(line, "msg=\"virtiofsd pid "))
			t->virtiofsd_ms = at;
		else if (strstr(line, "msg=\"QEMU: "))
			t->qemu_ms = at;
		else if (strstr(line, "msg=\"VM up"))
			t->ready_ms = at;
		else if (strstr(line, "msg=\"KVM does not work on this host"))
			t->kvm_fallback = true;
	}
}

/* `hull delete --force id`: into err if ret is 0, else quietly; ret, or -1 if it failed. */
static int delete_sandbox(struct vmb_env *e, const char *config, const char *log, const char *id,
                          int ret, double *ms, hull_error_t *err)
{
	cleanup_error hull_error_t ignored = NULL;
	char *args[] = {"delete", "--force", (char *)id, NULL};
	int r = run_hull(e, config, log, args, NULL, ms, NULL, ret == 0 ? err : &ignored);

	if (r > 0)
		hull_fail(ret == 0 ? err : &ignored, 0, "hull delete --force %s: exit %d", id, r);
	unlink(log);
	return r == 0 ? ret : -1;
}

int vmb_hull(struct vmb_env *e, const char *config, bool run, struct vmb_hull_times *t,
             hull_error_t *err)
{
	char id[32], log[PATH_MAX];
	char *args[] = {run ? "run" : "create", "--bundle", e->bundle_true, id, NULL};
	double t0_real;
	int r;

	memset(t, 0, sizeof(*t));
	t->delete_ms = NAN;
	vmb_fmt(id, sizeof(id), "bench-%u", ++e->seq);
	vmb_fmt(log, sizeof(log), "%s/hull-%s.log", e->tmp, id);
	r = run_hull(e, config, log, args, NULL, &t->total_ms, &t0_real, err);
	parse_log(log, t0_real, t);
	if (r > 0)
		hull_failed(args[0], log, r, err);
	if (r == 0 && run) {
		unlink(log);
		return 0;
	}
	/* After a create, or a failed run: the sandbox goes. */
	return delete_sandbox(e, config, log, id, r == 0 ? 0 : -1, r == 0 ? &t->delete_ms : NULL,
	                      err);
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
	r = run_hull(e, config, log, args, out, ms, NULL, err);
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

/* "Key:   123 kB" lines of /proc/pid/file: the value of key, or -1. */
static double proc_kib(pid_t pid, const char *file, const char *key)
{
	char path[64], line[512];
	cleanup_file FILE *f = NULL;
	size_t len = strlen(key);

	vmb_fmt(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':')
			return strtod(line + len + 1, NULL);
	return -1;
}

static void add_mapping(struct vmb_memory *m, const char *name, double rss, double pss, double anon)
{
	size_t i = 0;

	while (i < m->n_maps && strcmp(m->maps[i].name, name) != 0)
		i++;
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
		char perms[8], *p, *slash;
		int pos = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &pos) >= 3 &&
		    pos > 0) {
			if (have)
				add_mapping(m, name, rss, pss, anon);
			p = line + pos;
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

/* RSS of pid and its descendants (virtiofsd runs as two processes). */
static double tree_rss(pid_t pid)
{
	char path[64];
	cleanup_file FILE *f = NULL;
	double kib = proc_kib(pid, "status", "VmRSS"), sum = kib > 0 ? kib : 0;
	int child;

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

	m->rss_kib = proc_kib(pid, "status", "VmRSS");
	m->anon_kib = proc_kib(pid, "status", "RssAnon");
	m->file_kib = proc_kib(pid, "status", "RssFile");
	m->threads = proc_kib(pid, "status", "Threads");
	m->pss_kib = proc_kib(pid, "smaps_rollup", "Pss");
	m->pss_anon_kib = proc_kib(pid, "smaps_rollup", "Pss_Anon");
	m->pss_file_kib = proc_kib(pid, "smaps_rollup", "Pss_File");
	m->private_dirty_kib = proc_kib(pid, "smaps_rollup", "Private_Dirty");
	read_smaps(pid, m);
	vmb_fmt(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	while (d && readdir(d))
		m->fds++;
	if (d) {
		closedir(d);
		m->fds -= 2;
	}
	vmb_fmt(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "re");
	while (f && fscanf(f, "%d", &child) == 1) {
		if (bench_comm_is(child, "qemu-system"))
			m->qemu_rss_kib += tree_rss(child);
		else if (bench_comm_is(child, "virtiofsd"))
			m->virtiofsd_rss_kib += tree_rss(child);
	}
}

int vmb_hull_memory(struct vmb_env *e, const char *config, int settle_ms, struct vmb_memory *m,
                    hull_error_t *err)
{
	char id[32], log[PATH_MAX], pid_file[PATH_MAX], text[32] = "";
	char *create[] = {"create", "--bundle", e->bundle_sleep, "--pid-file", pid_file, id, NULL};
	char *start[] = {"start", id, NULL}, **args = create;
	cleanup_file FILE *f = NULL;
	int r, ret = -1;

	memset(m, 0, sizeof(*m));
	vmb_fmt(id, sizeof(id), "bench-%u", ++e->seq);
	vmb_fmt(log, sizeof(log), "%s/hull-%s.log", e->tmp, id);
	vmb_fmt(pid_file, sizeof(pid_file), "%s/%s.pid", e->tmp, id);
	r = run_hull(e, config, log, create, NULL, NULL, NULL, err);
	if (r == 0)
		r = run_hull(e, config, log, (args = start), NULL, NULL, NULL, err);
	if (r > 0)
		hull_failed(args[0], log, r, err);
	if (r == 0 && ((f = fopen(pid_file, "re")) == NULL ||
	               fgets(text, sizeof(text), f) == NULL || atoi(text) <= 0))
		hull_fail(err, errno, "pid file %s", pid_file);
	else if (r == 0) {
		bench_sleep_ms(settle_ms);
		read_memory(atoi(text), m);
		ret = m->rss_kib > 0 ? 0 : hull_fail(err, 0, "monitor %s is gone", text);
	}
	unlink(pid_file);
	return delete_sandbox(e, config, log, id, ret, NULL, err);
}
