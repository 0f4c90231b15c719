/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every benchmark shares: the clock its samples are taken with, their
 * medians (NAN samples, failed runs, left out), and the knobs that set how
 * many it takes.
 */
#ifndef HULL_TOOLS_BENCH_STATS_H
#define HULL_TOOLS_BENCH_STATS_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

/*
 * Milliseconds on clock, with the fraction that common/clock.h's
 * hull_now_ms() drops: CLOCK_MONOTONIC for durations, CLOCK_REALTIME
 * against hull's log timestamps, CLOCK_PROCESS_CPUTIME_ID for CPU time.
 */
double bench_ms(clockid_t clock);
#define bench_now_ms() bench_ms(CLOCK_MONOTONIC)
void bench_sleep_ms(double ms);

struct bench_stats {
	double median, min, max;
	unsigned n; /* samples that counted; 0: all NAN */
};

/* Summarises v[0..n-1], which it leaves holding the s.n samples that count, sorted. */
struct bench_stats bench_summarise(double *v, unsigned n);

/* "| median (min-max) " or "| - ", as the tables print them. */
void bench_print_stat(struct bench_stats s, int decimals);

/* The number in environment variable name, within [min, max]; def if unset or not a number. */
double bench_env(const char *name, double def, double min, double max);

/* Whether the comma-separated list holds name. */
bool bench_listed(const char *list, const char *name);

/* rm -rf path, without a process (nftw: not in a signal handler). */
void bench_remove_tree(const char *path);

/* Reaps the children that have exited (a subreaper's orphans too), without blocking. */
void bench_reap_children(void);
/* SIGKILL to every child, then reap; repeated, as orphans reparent to a subreaper (system
 * calls only: safe in a signal handler). */
void bench_kill_children(void);

/* Whether process pid's name (/proc/PID/comm) starts with prefix. */
bool bench_comm_is(pid_t pid, const char *prefix);

#endif
