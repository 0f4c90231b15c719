/* SPDX-License-Identifier: Apache-2.0 */
#include "tools/bench/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
		if (!isnan(v[i]) && v[i] >= 0)
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
