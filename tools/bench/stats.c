/* SPDX-License-Identifier: Apache-2.0 */
#include "tools/bench/stats.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
