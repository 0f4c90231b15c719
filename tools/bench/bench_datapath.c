/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_datapath: hull's datapath against Kata's and the kernel's usual
 * ones, side by side in one run (docs/benchmarks.md, which describes the
 * alternatives, the tests, the CPU pinning, the setup figures and the
 * BENCH_* variables).  Needs root; prints a skip line and exits 0 without it.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "tools/bench/datapath.h"
#include "tools/bench/stats.h"

#define MAX_ROUNDS 31

static struct {
	unsigned rounds, queues, rate, echo_n, setup_repeats;
	double secs, cpu_secs, warmup;
	int gen_cpu, vm_cpu, nice;
	const char *parts; /* BENCH_PARTS: "progs,datapath,setup" subset, NULL = all */
	const char *alts;  /* BENCH_ALTS: letters of the paths to run (DP_ALT_TAGS), NULL = all */
	const char *tests; /* BENCH_TESTS: "tg,fg,cpu,lat" subset, NULL = all */
} cfg;

static struct dp_shared *sh;

struct alt_result {
	double tg_pps[MAX_ROUNDS], tg_offered[MAX_ROUNDS], tg_idle[MAX_ROUNDS];
	double tg_gen_cpu[MAX_ROUNDS]; /* share of a CPU the generator got */
	double tg_norm[MAX_ROUNDS];    /* frames read per second of generator CPU time */
	double fg_pps[MAX_ROUNDS], fg_written[MAX_ROUNDS];
	double fg_norm[MAX_ROUNDS]; /* frames at the peer per second of VM-side CPU time */
	double cpu_ns[MAX_ROUNDS], cpu_task_ns[MAX_ROUNDS], cpu_delivered[MAX_ROUNDS];
	double foreign[MAX_ROUNDS]; /* CPUs' busy share not ours, during the CPU test */
	double p50[MAX_ROUNDS], p99[MAX_ROUNDS];
	unsigned lost;
};

/* The figures of v[0..n-1] (copied: v stays in round order), zeros when there are none. */
static struct bench_stats stats(const double *v, unsigned n)
{
	double c[DP_SETUP_MAX_REPEATS > MAX_ROUNDS ? DP_SETUP_MAX_REPEATS : MAX_ROUNDS];
	struct bench_stats s;

	n = n < sizeof(c) / sizeof(*c) ? n : sizeof(c) / sizeof(*c);
	memcpy(c, v, n * sizeof(*v));
	s = bench_summarise(c, n);
	return s.n ? s : (struct bench_stats){0};
}

static double median(const double *v, unsigned n)
{
	return stats(v, n).median;
}

/* "| median (min-max) " of v / div, the median with med_decimals, the range with decimals. */
static void cell(const double *v, unsigned n, double div, int med_decimals, int decimals)
{
	struct bench_stats s = stats(v, n);

	printf("| %.*f (%.*f-%.*f) ", med_decimals, s.median / div, decimals, s.min / div, decimals,
	       s.max / div);
}

/*
 * The median over rounds of x[i] / base[i]: both were measured in the same
 * round, minutes apart at most, so a change of the machine's load between
 * rounds cancels out of each ratio.
 */
static void print_paired_ratio(const double *x, const double *base, unsigned n)
{
	double r[MAX_ROUNDS];

	for (unsigned i = 0; i < n; i++)
		r[i] = base[i] > 0 ? x[i] / base[i] : NAN;
	cell(r, n, 1, 2, 2);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Busy time of all CPUs so far, in seconds (steal excluded: not ours). */
static double cpu_busy_s(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq;
	cleanup_file FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
	                 &iowait, &irq, &softirq) != 7)
		return -1;
	return (double)(user + nice + sys + irq + softirq) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * CPU time a task (all its threads) has run, in seconds: its CPU clock, the
 * sum of what /proc/PID/task/TID/schedstat shows first; 0 with no task.
 */
static double task_runtime_s(pid_t pid)
{
	struct timespec ts;
	clockid_t clock;

	if (pid <= 0 || clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ksoftirqd/N: softirq work the kernel defers leaves our tasks for these. */
static pid_t ksoftirqd[16];
static unsigned n_ksoftirqd;

static void find_ksoftirqd(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL && n_ksoftirqd < 16)
		if (atoi(e->d_name) > 0 && bench_comm_is(atoi(e->d_name), "ksoftirqd/"))
			ksoftirqd[n_ksoftirqd++] = (pid_t)atoi(e->d_name);
	if (d)
		closedir(d);
}

/* Our CPU time: the two children and the ksoftirqd threads. */
static double ours_s(pid_t vm, pid_t peer)
{
	double t = task_runtime_s(vm) + task_runtime_s(peer);

	for (unsigned i = 0; i < n_ksoftirqd; i++)
		t += task_runtime_s(ksoftirqd[i]);
	return t;
}

/* A counter of struct dp_queue_stats, summed over the queues. */
static uint64_t sum_q(size_t counter)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < DP_MAX_QUEUES; i++)
		n += atomic_load((_Atomic uint64_t *)((char *)&sh->q[i] + counter));
	return n;
}
#define SUM_Q(counter) sum_q(offsetof(struct dp_queue_stats, counter))

enum child {
	VM_SIDE,
	PEER_FLOOD,
	PEER_ECHO
};

/*
 * Runs a child on its CPU at its priority; returns when it says it is ready.
 * arg: the VM side's enum dp_vm_mode, or the flood's frames/s (0: flat out).
 */
static pid_t start(struct dp_alt *a, enum child job, int arg, hull_error_t *err)
{
	const char *what = job == VM_SIDE ? "VM side" : "peer side";
	atomic_int *ready = job == VM_SIDE ? &sh->vm_ready : &sh->peer_ready;
	pid_t pid = fork();

	if (pid < 0)
		return hull_fail(err, errno, "fork");
	if (pid == 0) {
		hull_error_t e = NULL;
		int rc;

		pin(job == VM_SIDE ? cfg.vm_cpu : cfg.gen_cpu);
		setpriority(PRIO_PROCESS, 0, cfg.nice);
		if (job == VM_SIDE)
			rc = dp_vm_run(a->fds, a->nq, (enum dp_vm_mode)arg, sh, &e);
		else if (setns(a->peer_nsfd, CLONE_NEWNET) < 0)
			rc = hull_fail(&e, errno, "enter netns %s", a->peer_ns);
		else if (job == PEER_FLOOD)
			rc = dp_peer_flood(a->peer_dev, (unsigned)arg, cfg.queues > 1 ? 8 : 1, sh,
			                   &e);
		else
			rc = dp_peer_echo(cfg.echo_n, sh, &e);
		if (rc < 0)
			hull_error_print(stderr, e);
		_exit(rc < 0);
	}
	for (int i = 0; i < 3000; i++) {
		int status;

		if (atomic_load(ready))
			return pid;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return hull_fail(err, 0, "%s exited before it was ready (status %#x)", what,
			                 status);
		bench_sleep_ms(1);
	}
	return hull_fail(err, ETIMEDOUT, "%s did not get ready", what);
}

static int reap(pid_t pid, const char *what, hull_error_t *err)
{
	int status;

	if (pid <= 0)
		return 0;
	/* A child that does not see stop within 5 s is killed, and fails. */
	for (int i = 0;; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return hull_fail(err, errno, "wait for %s", what);
		if (i == 5000)
			kill(pid, SIGKILL);
		bench_sleep_ms(1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hull_fail(err, 0, "%s failed (status %#x)", what, status);
	return 0;
}

/* Stops both children; the first error wins. */
static int stop(pid_t vm, pid_t peer, int rc, hull_error_t *err)
{
	atomic_store(&sh->stop, 1);
	if (reap(peer, "peer side", err) < 0)
		rc = -1;
	if (reap(vm, "VM side", err) < 0)
		rc = -1;
	return rc;
}

/*
 * A fresh shared area, then the VM side in mode and, unless job is VM_SIDE,
 * the peer's job; after the warm-up, unless the job is the echo (it runs
 * its own).
 */
static int start_both(struct dp_alt *a, enum dp_vm_mode mode, enum child job, unsigned pps,
                      pid_t *vm, pid_t *peer, hull_error_t *err)
{
	memset(sh, 0, sizeof(*sh));
	*peer = -1;
	*vm = start(a, VM_SIDE, mode, err);
	if (*vm < 0)
		return -1;
	if (job != VM_SIDE && (*peer = start(a, job, (int)pps, err)) < 0)
		return stop(*vm, -1, -1, err);
	if (job != PEER_ECHO)
		bench_sleep_ms(cfg.warmup * 1e3);
	return 0;
}

/* What a test reads at either end of its window: counters, and CPU times in seconds. */
struct snap {
	double rx, empty, tx, gen_tx, peer_rx, t, peer_cpu, vm_cpu, ours, busy;
};

/* Without a peer job, the frames that reached the peer's device too. */
static int take(struct dp_alt *a, pid_t vm, pid_t peer, struct snap *s, hull_error_t *err)
{
	uint64_t peer_rx = 0;

	if (peer < 0 && dp_alt_peer_rx(a, &peer_rx, err) < 0)
		return -1;
	s->peer_rx = (double)peer_rx;
	s->rx = (double)SUM_Q(rx);
	s->empty = (double)SUM_Q(empty);
	s->tx = (double)SUM_Q(tx);
	s->gen_tx = (double)atomic_load(&sh->gen_tx);
	s->t = bench_now_ms() / 1e3;
	s->peer_cpu = task_runtime_s(peer);
	s->vm_cpu = task_runtime_s(vm);
	s->ours = ours_s(vm, peer);
	s->busy = cpu_busy_s();
	return 0;
}

/* Both children started as start_both does, s[0] and s[1] taken secs apart, both stopped. */
static int window(struct dp_alt *a, enum dp_vm_mode mode, enum child job, unsigned pps, double secs,
                  struct snap s[2], hull_error_t *err)
{
	pid_t vm, peer;

	if (start_both(a, mode, job, pps, &vm, &peer, err) < 0)
		return -1;
	if (take(a, vm, peer, &s[0], err) < 0)
		return stop(vm, peer, -1, err);
	bench_sleep_ms(secs * 1e3);
	return stop(vm, peer, take(a, vm, peer, &s[1], err), err);
}

/* The change of a struct snap member over the window s[2]. */
#define D(member) (s[1].member - s[0].member)

static int to_guest(struct dp_alt *a, struct alt_result *r, unsigned round, hull_error_t *err)
{
	struct snap s[2];

	if (window(a, DP_VM_RX_SPIN, PEER_FLOOD, 0, cfg.secs, s, err) < 0)
		return -1;
	r->tg_gen_cpu[round] = D(peer_cpu) / D(t);
	r->tg_norm[round] = D(peer_cpu) > 0 ? D(rx) / D(peer_cpu) : 0;
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "%s to_guest: gen %.0f%% vm %.0f%% ksoftirqd %.0f%% stat %.0f%%\n",
		        a->name, r->tg_gen_cpu[round] * 100, D(vm_cpu) / D(t) * 100,
		        (D(ours) - D(peer_cpu) - D(vm_cpu)) / D(t) * 100, D(busy) / D(t) * 100);
	r->tg_pps[round] = D(rx) / D(t);
	r->tg_offered[round] = D(gen_tx) / D(t);
	r->tg_idle[round] = D(empty) > 0 ? D(empty) / (D(empty) + D(rx)) : 0;
	return 0;
}

static int from_guest(struct dp_alt *a, struct alt_result *r, unsigned round, hull_error_t *err)
{
	struct snap s[2];

	if (window(a, DP_VM_TX, VM_SIDE, 0, cfg.secs, s, err) < 0)
		return -1;
	r->fg_pps[round] = D(peer_rx) / D(t);
	r->fg_norm[round] = D(vm_cpu) > 0 ? D(peer_rx) / D(vm_cpu) : 0;
	r->fg_written[round] = D(tx) / D(t);
	return 0;
}

static int cpu_cost(struct dp_alt *a, double idle_busy_per_s, struct alt_result *r, unsigned round,
                    hull_error_t *err)
{
	struct snap s[2];

	if (window(a, DP_VM_RX_BLOCK, PEER_FLOOD, cfg.rate, cfg.cpu_secs, s, err) < 0)
		return -1;
	r->cpu_delivered[round] = D(rx) / D(t) / cfg.rate;
	if (D(rx) > 0) {
		r->cpu_ns[round] = (D(busy) - idle_busy_per_s * D(t)) * 1e9 / D(rx);
		r->cpu_task_ns[round] = D(ours) * 1e9 / D(rx);
	}
	r->foreign[round] = (D(busy) - D(ours)) / D(t) / (double)sysconf(_SC_NPROCESSORS_ONLN);
	return 0;
}

static int latency(struct dp_alt *a, struct alt_result *r, unsigned round, hull_error_t *err)
{
	pid_t vm, peer;
	int rc;

	if (start_both(a, DP_VM_ECHO, PEER_ECHO, 0, &vm, &peer, err) < 0)
		return -1;
	rc = reap(peer, "echo client", err);
	if (stop(vm, -1, rc, err) < 0)
		return -1;
	if (sh->n_samples == 0)
		return hull_fail(err, 0, "%s: no echo came back (%u lost)", a->name, sh->lost);
	bench_summarise(sh->samples_us, sh->n_samples); /* sorts them */
	r->p50[round] = sh->samples_us[sh->n_samples / 2];
	r->p99[round] = sh->samples_us[(size_t)((double)sh->n_samples * 0.99)];
	r->lost += sh->lost;
	return 0;
}

static double idle_baseline(void)
{
	double b0 = cpu_busy_s(), t0 = bench_now_ms() / 1e3, b1, t1;

	bench_sleep_ms(cfg.cpu_secs * 1e3);
	b1 = cpu_busy_s(), t1 = bench_now_ms() / 1e3;
	return (b1 - b0) / (t1 - t0);
}

static void print_machine(void)
{
	struct utsname u;
	char model[256] = "?", line[512];
	cleanup_file FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	uname(&u);
	printf("machine: %ld CPUs (%s), kernel %s, USER_HZ %ld\n", sysconf(_SC_NPROCESSORS_ONLN),
	       model, u.release, sysconf(_SC_CLK_TCK));
	printf("config: rounds=%u seconds=%.2g cpu_seconds=%.2g rate=%u echo=%u queues=%u "
	       "peer_cpu=%d vm_cpu=%d setup_repeats=%u\n",
	       cfg.rounds, cfg.secs, cfg.cpu_secs, cfg.rate, cfg.echo_n, cfg.queues, cfg.gen_cpu,
	       cfg.vm_cpu, cfg.setup_repeats);
}

static void print_counters(const struct dp_alt *a)
{
	cleanup_error hull_error_t err = NULL;
	struct hull_tc_counters c;
	uint64_t drops = 0;

	if (!a->res.eps || hull_tc_counters_read(a->res.eps[0].bpf_pin_dir, &c, &err) < 0)
		return;
	for (unsigned i = 0; i < HULL_DROP_REASON_COUNT; i++)
		drops += c.drops[i].packets;
	printf("%s counters (%s): to_guest %llu, from_guest %llu, dropped %llu\n", a->name,
	       a->res.eps[0].bpf_pin_dir, (unsigned long long)c.dir[HULL_TC_TO_GUEST].packets,
	       (unsigned long long)c.dir[HULL_TC_FROM_GUEST].packets, (unsigned long long)drops);
}

static bool alt_wanted(const struct dp_alt *a)
{
	return !cfg.alts || strchr(cfg.alts, DP_ALT_TAGS[a->kind]);
}

static bool wanted(const char *list, const char *name)
{
	return !list || bench_listed(list, name);
}

/* The per-round figures of a path that the tables show, as offsets into struct alt_result. */
#define FIG(m) offsetof(struct alt_result, m)
static const double *fig(const struct alt_result *r, size_t offset)
{
	return (const double *)((const char *)r + offset);
}

static void report_datapath(struct dp_alt *alts, struct alt_result *res, unsigned n)
{
	/* The ratios' columns, and the first six of them also the medians' (kpps or ns). */
	static const struct {
		size_t fig;
		double div;
	} cols[] = {{FIG(tg_pps), 1e3},  {FIG(tg_norm), 1e3},   {FIG(fg_pps), 1e3},
	            {FIG(fg_norm), 1e3}, {FIG(cpu_task_ns), 1}, {FIG(cpu_ns), 1},
	            {FIG(p50), 1},       {FIG(p99), 1}};
	const unsigned R = cfg.rounds;

	printf("\n### Datapath: medians over %u rounds (min-max in brackets)\n\n", R);
	printf("| path | to_guest kpps | to_guest kpps per sender CPU-s | from_guest kpps | "
	       "from_guest kpps per VM-side CPU-s | CPU ns/frame @ %u/s, our tasks | "
	       "CPU ns/frame, /proc/stat | RTT p50 us | RTT p99 us |\n"
	       "|---|---|---|---|---|---|---|---|---|\n",
	       cfg.rate);
	for (unsigned i = 0; i < n; i++) {
		if (!alt_wanted(&alts[i]))
			continue;
		printf("| %s ", alts[i].name);
		for (size_t c = 0; c < 6; c++)
			cell(fig(&res[i], cols[c].fig), R, cols[c].div, 0, 0);
		printf("| %.1f ", median(res[i].p50, R));
		cell(res[i].p99, R, 1, 1, 0);
		printf("|\n");
	}
	printf("\nRatios to u32+mirred: the median of the per-round ratios (min-max); throughput: "
	       "higher is better; CPU, RTT: lower is better\n\n| path | to_guest | "
	       "to_guest per CPU | from_guest | from_guest per CPU | CPU/frame (tasks) | "
	       "CPU/frame (/proc/stat) | RTT p50 | RTT p99 |\n"
	       "|---|---|---|---|---|---|---|---|---|\n");
	for (unsigned i = 0; i < n; i++) {
		if (!alt_wanted(&alts[i]))
			continue;
		printf("| %s ", alts[i].name);
		for (size_t c = 0; c < sizeof(cols) / sizeof(*cols); c++)
			print_paired_ratio(fig(&res[i], cols[c].fig),
			                   fig(&res[DP_U32], cols[c].fig), R);
		printf("|\n");
	}
	printf("\nWhat limits it (medians): offered = frames/s the generator put on the path;\n"
	       "VM idle reads = share of the VM side's reads that found its queue empty;\n"
	       "written = frames/s the VM side wrote; delivered = share of the fixed rate read;\n"
	       "foreign = share of both CPUs busy with work not ours during the CPU test.\n\n"
	       "| path | to_guest offered kpps | generator CPU | VM idle reads | "
	       "from_guest written kpps | CPU test delivered | foreign | echo lost |\n"
	       "|---|---|---|---|---|---|---|---|\n");
	for (unsigned i = 0; i < n; i++) {
		struct alt_result *r = &res[i];

		if (!alt_wanted(&alts[i]))
			continue;
		printf("| %s | %.0f | %.0f%% | %.0f%% | %.0f | %.1f%% | %.0f%% | %u |\n",
		       alts[i].name, median(r->tg_offered, R) / 1e3, median(r->tg_gen_cpu, R) * 100,
		       median(r->tg_idle, R) * 100, median(r->fg_written, R) / 1e3,
		       median(r->cpu_delivered, R) * 100, median(r->foreign, R) * 100, r->lost);
	}
	printf("\n");
	for (unsigned i = 0; i < n; i++)
		print_counters(&alts[i]);
}

static int run_datapath(hull_error_t *err)
{
	static struct dp_alt alts[DP_ALT_COUNT];
	static struct alt_result res[DP_ALT_COUNT];
	double t_start = bench_now_ms() / 1e3;

	for (unsigned k = 0; k < DP_ALT_COUNT; k++) {
		if (dp_alt_build(&alts[k], (enum dp_alt_kind)k, cfg.queues, err) < 0)
			return -1;
		/* A path that does not carry a frame both ways fails here, by name. */
		if (latency(&alts[k], &res[k], 0, err) < 0)
			return hull_error_prefix(err, "check %s", alts[k].name);
		res[k].lost = 0;
	}
	fprintf(stderr, "bench_datapath: %u paths up in %.1f s\n", DP_ALT_COUNT,
	        bench_now_ms() / 1e3 - t_start);
	for (unsigned round = 0; round < cfg.rounds; round++) {
		double idle = idle_baseline();

		for (unsigned j = 0; j < DP_ALT_COUNT; j++) {
			unsigned k = (j + round) % DP_ALT_COUNT;
			struct dp_alt *a = &alts[k];

			if (!alt_wanted(a))
				continue;
			if ((wanted(cfg.tests, "tg") && to_guest(a, &res[k], round, err) < 0) ||
			    (wanted(cfg.tests, "fg") && from_guest(a, &res[k], round, err) < 0) ||
			    (wanted(cfg.tests, "cpu") &&
			     cpu_cost(a, idle, &res[k], round, err) < 0) ||
			    (wanted(cfg.tests, "lat") && latency(a, &res[k], round, err) < 0))
				return hull_error_prefix(err, "%s, round %u", a->name, round + 1);
		}
		fprintf(stderr, "bench_datapath: round %u/%u done (%.0f s)\n", round + 1,
		        cfg.rounds, bench_now_ms() / 1e3 - t_start);
	}
	report_datapath(alts, res, DP_ALT_COUNT);
	for (unsigned k = 0; k < DP_ALT_COUNT; k++)
		dp_alt_close(&alts[k]);
	return 0;
}

static int run_progs(hull_error_t *err)
{
	static struct dp_prog_costs c;
	const struct {
		const char *what;
		const double *ns;
	} progs[] = {
	    {"empty (r0 = TC_ACT_OK)", c.empty_ns},
	    {"hull_to_guest (counters, redirect)", c.to_guest_ns},
	    {"hull_from_guest (MAC + IPv4 policy, counters, redirect)", c.from_guest_ns},
	};

	if (dp_prog_costs(cfg.rounds, 1000000, &c, err) < 0)
		return hull_error_prefix(err, "program costs");
	printf("\n### hull's programs on their own: BPF_PROG_TEST_RUN, %u x %u runs on a "
	       "64-byte frame, medians (min-max)\n\n"
	       "| program | ns per run | minus the empty program |\n|---|---|---|\n",
	       c.rounds, c.repeat);
	for (size_t i = 0; i < sizeof(progs) / sizeof(*progs); i++) {
		printf("| %s ", progs[i].what);
		cell(progs[i].ns, c.rounds, 1, 0, 0);
		if (i == 0)
			printf("| 0 |\n");
		else
			printf("| %.0f |\n",
			       median(progs[i].ns, c.rounds) - median(c.empty_ns, c.rounds));
	}
	fflush(stdout);
	return 0;
}

static int run_setup(hull_error_t *err)
{
	static const unsigned sizes[] = {1, 8, 32};
	static struct dp_setup_result res[3];
	char obj[PATH_MAX + 32], dir[PATH_MAX] = ".";
	const unsigned n = sizeof(sizes) / sizeof(sizes[0]), R = cfg.setup_repeats;
	double t0 = bench_now_ms() / 1e3;
	ssize_t len = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	/* build/bpf/hull_tc.bpf.o, from this program's build/bench */
	snprintf(obj, sizeof(obj), "%s/../bpf/hull_tc.bpf.o", len > 0 ? dirname(dir) : ".");
	if (access(obj, R_OK) < 0)
		return hull_fail(err, errno, "BPF object %s (run make)", obj);
	if (dp_setup_bench(sizes, n, R, obj, res, err) < 0)
		return -1;
	fprintf(stderr, "bench_datapath: setup bench done (%.0f s)\n", bench_now_ms() / 1e3 - t0);
	for (unsigned s = 0; s < n; s++)
		printf("%shull teardown, %u endpoints: BPF detach %.2f ms/endpoint, the rest (tap "
		       "delete) %.2f\n",
		       s ? "" : "\n", sizes[s], median(res[s].hull_bpf_detach_ms, R),
		       median(res[s].teardown_ms[DP_SETUP_HULL], R) -
		           median(res[s].hull_bpf_detach_ms, R));
	printf("\n### Setup + teardown per endpoint: medians over %u repeats, ms per endpoint\n\n",
	       R);
	printf("| endpoints | method | setup | teardown | total | setup vs hull | total vs hull |\n"
	       "|---|---|---|---|---|---|---|\n");
	for (unsigned s = 0; s < n; s++) {
		double hull_total = 0, hull_setup = 0;

		for (unsigned m = 0; m < DP_SETUP_METHODS; m++) {
			double tot[DP_SETUP_MAX_REPEATS], su, td, t;

			for (unsigned r = 0; r < R; r++)
				tot[r] = res[s].setup_ms[m][r] + res[s].teardown_ms[m][r];
			su = median(res[s].setup_ms[m], R);
			td = median(res[s].teardown_ms[m], R);
			t = median(tot, R);
			if (m == DP_SETUP_HULL)
				hull_total = t, hull_setup = su;
			printf("| %u | %s | %.2f | %.2f | %.2f | %.1fx | %.1fx |\n", sizes[s],
			       dp_setup_method_name((enum dp_setup_method)m), su, td, t,
			       su / hull_setup, t / hull_total);
		}
	}
	return 0;
}

static void configure(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	cfg.rounds = (unsigned)bench_env("BENCH_ROUNDS", 7, 1, MAX_ROUNDS);
	cfg.secs = bench_env("BENCH_SECONDS", 1.0, 0, 1e6);
	cfg.cpu_secs = bench_env("BENCH_CPU_SECONDS", 2.0, 0, 1e6);
	cfg.warmup = 0.3;
	cfg.rate = (unsigned)bench_env("BENCH_RATE", 30000, 0, 1e9);
	cfg.echo_n = (unsigned)bench_env("BENCH_ECHO", 2000, 0, 1e9);
	cfg.queues = (unsigned)bench_env("BENCH_QUEUES", 1, 1, DP_MAX_QUEUES);
	cfg.setup_repeats = (unsigned)bench_env("BENCH_SETUP_REPEATS", 5, 1, DP_SETUP_MAX_REPEATS);
	cfg.nice = (int)-bench_env("BENCH_NICE", 20, 0, 20); /* BENCH_NICE=20 means nice -20 */
	cfg.gen_cpu = cfg.vm_cpu = -1;
	if (bench_env("BENCH_PIN", 1, 0, 1) != 0 && ncpu >= 2) {
		cfg.gen_cpu = 0;
		cfg.vm_cpu = (int)ncpu - 1;
	}
	cfg.parts = getenv("BENCH_PARTS");
	cfg.alts = getenv("BENCH_ALTS");
	cfg.tests = getenv("BENCH_TESTS");
}

int main(void)
{
	cleanup_error hull_error_t err = NULL;

	if (geteuid() != 0) {
		printf("bench_datapath: skipped: needs root (namespaces, taps, BPF)\n");
		return 0;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("bench_datapath: skipped: no /dev/net/tun\n");
		return 0;
	}
	if (hull_log_init(NULL, HULL_LOG_TEXT, getenv("HULL_DEBUG") != NULL, &err) < 0)
		goto fail;
	configure();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		hull_fail(&err, errno, "mmap");
		goto fail;
	}
	dp_cleanup_install();
	find_ksoftirqd();
	print_machine();
	fflush(stdout);
	if ((wanted(cfg.parts, "progs") && run_progs(&err) < 0) ||
	    (wanted(cfg.parts, "datapath") && run_datapath(&err) < 0) ||
	    (wanted(cfg.parts, "setup") && run_setup(&err) < 0))
		goto fail;
	dp_cleanup_run();
	return 0;
fail:
	hull_error_print(stderr, err);
	dp_cleanup_run();
	return 1;
}
