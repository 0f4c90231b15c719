/* SPDX-License-Identifier: Apache-2.0 */
/* Medians of benchmark samples: NAN and negative samples (failed runs) are left out. */
#ifndef HULL_TOOLS_BENCH_STATS_H
#define HULL_TOOLS_BENCH_STATS_H

struct bench_stats {
	double median, min, max;
	unsigned n; /* samples that counted; 0: all NAN */
};

/* Summarises v[0..n-1] (reordered in place). */
struct bench_stats bench_summarise(double *v, unsigned n);

/* "| median (min-max) " or "| - ", as the tables print them. */
void bench_print_stat(struct bench_stats s, int decimals);

#endif
