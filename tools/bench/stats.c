/* SPDX-License-Identifier: Apache-2.0 */
#include "tools/bench/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"

double bench_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void bench_sleep_ms(double ms)
{
	struct timespec t = {.tv_sec = (time_t)(ms / 1e3),
	                     .tv_nsec = (long)((ms - (double)(time_t)(ms / 1e3) * 1e3) * 1e6)};

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench_stats bench_summarise(double *v, unsigned n)
{
	struct bench_stats s = {NAN, NAN, NAN, 0};
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[k++] = v[i];
	if (k == 0)
		return s;
	qsort(v, k, sizeof(*v), compare_double);
	s.median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	s.min = v[0];
	s.max = v[k - 1];
	s.n = k;
	return s;
}

void bench_print_stat(struct bench_stats s, int decimals)
{
	if (isnan(s.median))
		printf("| - ");
	else if (s.n == 1)
		printf("| %.*f ", decimals, s.median);
	else
		printf("| %.*f (%.*f-%.*f) ", decimals, s.median, decimals, s.min, decimals, s.max);
}

double bench_env(const char *name, double def, double min, double max)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (v == NULL || *v == '\0')
		return def;
	d = strtod(v, &end);
	if (*end || isnan(d)) {
		fprintf(stderr, "%s: %s=\"%s\" is not a number: using %g\n",
		        program_invocation_short_name, name, v, def);
		return def;
	}
	return d < min ? min : d > max ? max : d;
}

bool bench_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p; p += *p == ',') {
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path), 0;
}

void bench_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void bench_reap_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

void bench_kill_children(void)
{
	for (int pass = 0; pass < 5; pass++) {
		struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
		/* This thread's children; async-signal-safe: system calls only. */
		int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC), n = 0;
		char buf[4096];
		ssize_t len = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
		pid_t pid = 0;

		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < len; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
			} else if (pid > 0) {
				kill(pid, SIGKILL);
				pid = 0;
				n++;
			}
		}
		bench_reap_children();
		if (n == 0 && pass > 0)
			break;
		nanosleep(&pause, NULL);
		bench_reap_children();
	}
}

bool bench_comm_is(pid_t pid, const char *prefix)
{
	char path[64], comm[64] = "";
	cleanup_file FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	return f && fgets(comm, sizeof(comm), f) && strncmp(comm, prefix, strlen(prefix)) == 0;
}
