/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accelerator choice and `hull check` (docs/benchmarks.md, "Accelerator
 * choice"), side by side in one run:
 *
 *   forced       `hull create` with hypervisor.accel set by hand to what
 *                accel=auto settles on here (found by a first create)
 *   auto-later   accel=auto, this boot's verdict already saved: no probing
 *   auto-first   accel=auto in a fresh state root: this host's KVM is tried
 *                (on a host whose QEMU aborts under KVM, that abort)
 *   tcg          accel=tcg (what a hung KVM falls back to)
 *   hang-later   accel=auto, HULL_TEST_KVM=stall (a KVM that hangs every
 *                guest), verdict saved: straight to TCG
 *   hang-first   the same in a fresh state root: the watchdog's wait, then TCG
 *   bare         qemu-system-x86_64 started by hand with hull's argv (TCG),
 *                QEMU's start to the agent's ready event
 *   probe        `hull check`'s probe boot (the "boot" or "kvm.boot" item:
 *                QEMU's start to the agent's answer), against bare
 *   check        `hull check --no-boot`, exec to exit (median of 10 per round)
 *
 * Alternatives are interleaved in rounds, the first rotating; medians over
 * rounds and ratios paired per round.  BENCH_ACCEL_ROUNDS (default 5).
 * Needs root and `make guest` (skips otherwise, as bench_vm does).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/accel.h"
#include "tools/bench/stats.h"
#include "tools/bench/vm_bench.h"

#define MAX_ROUNDS 50
#define CHECK_REPEATS 10
#define GOAL_LATER 1.02
#define GOAL_PROBE 1.10
#define GOAL_CHECK_MS 50.0

enum alt {
	FORCED,
	AUTO_LATER,
	AUTO_FIRST,
	TCG,
	HANG_LATER,
	HANG_FIRST,
	BARE,
	PROBE,
	CHECK,
	N_ALT
};

static const char *const names[N_ALT] = {
    "forced",     "auto-later", "auto-first", "tcg",   "hang-later",
    "hang-first", "bare",       "probe",      "check",
};

enum config {
	C_AUTO,
	C_TCG,
	C_KVM,
	C_FORCED,
	N_CONFIGS
};
enum root {
	R_LATER,
	R_HANG,
	R_FRESH,
	N_ROOTS
};

/* The `hull create` alternatives: configuration, state root, HULL_TEST_KVM. */
static const struct {
	enum config config;
	enum root root;
	const char *test_kvm;
} creates[HANG_FIRST + 1] = {
    [FORCED] = {C_FORCED, R_LATER, NULL},     [AUTO_LATER] = {C_AUTO, R_LATER, NULL},
    [AUTO_FIRST] = {C_AUTO, R_FRESH, NULL},   [TCG] = {C_TCG, R_LATER, NULL},
    [HANG_LATER] = {C_AUTO, R_HANG, "stall"}, [HANG_FIRST] = {C_AUTO, R_FRESH, "stall"},
};

static double ms[N_ALT][MAX_ROUNDS];
/* hull create only: exec to the (last) "QEMU: " log line, where the choice is made. */
static double qemu_ms[N_ALT][MAX_ROUNDS];
static unsigned R;
static char configs[N_CONFIGS][PATH_MAX], roots[N_ROOTS][PATH_MAX];
static char forced_accel[8] = "tcg";

static void print_failure(const char *what, const struct hull_error *err)
{
	cleanup_free char *text = hull_error_text(err);

	printf("    %s FAILED: %s\n", what, text ?: "?");
}

/* `hull create` + delete in root, under HULL_TEST_KVM=test_kvm (NULL: none). */
static double create_ms(struct vmb_env *e, const char *config, const char *root,
                        const char *test_kvm, bool *fallback, double *to_qemu)
{
	cleanup_error hull_error_t err = NULL;
	struct vmb_hull_times t;
	char saved[PATH_MAX], what[PATH_MAX + 32];
	int r;

	memcpy(saved, e->root, sizeof(saved));
	vmb_fmt(e->root, sizeof(e->root), "%s", root);
	if (test_kvm)
		setenv(ACCEL_TEST_ENV, test_kvm, 1);
	r = vmb_hull(e, config, false, &t, &err);
	unsetenv(ACCEL_TEST_ENV);
	memcpy(e->root, saved, sizeof(saved));
	if (fallback)
		*fallback = t.kvm_fallback;
	if (to_qemu)
		*to_qemu = r < 0 ? NAN : t.qemu_ms;
	if (r < 0) {
		vmb_fmt(what, sizeof(what), "hull create in %s", root);
		print_failure(what, err);
		return NAN;
	}
	return t.total_ms;
}

static double check_ms(struct vmb_env *e, bool boot, json_t **report)
{
	cleanup_error hull_error_t err = NULL;
	double t;

	if (vmb_hull_check(e, configs[C_AUTO], boot, &t, report, &err) < 0) {
		print_failure("hull check", err);
		return NAN;
	}
	return t;
}

/* The probe's boot: under KVM when kvm.boot is ok, else the TCG "boot" item. */
static double probe_ms(struct vmb_env *e)
{
	static const char *const items[] = {"kvm.boot", "boot"};
	cleanup_json json_t *report = NULL;
	json_t *c;
	size_t i;

	if (isnan(check_ms(e, true, &report)))
		return NAN;
	for (size_t k = 0; k < sizeof(items) / sizeof(*items); k++)
		json_array_foreach(json_object_get(report, "checks"), i, c)
		{
			if (strcmp(json_string_value(json_object_get(c, "name")) ?: "", items[k]) ==
			        0 &&
			    strcmp(json_string_value(json_object_get(c, "status")) ?: "", "ok") ==
			        0)
				return json_number_value(json_object_get(c, "ms"));
		}
	return NAN;
}

static void run_one(struct vmb_env *e, enum alt a, unsigned round)
{
	double v = NAN, each[CHECK_REPEATS];
	cleanup_error hull_error_t err = NULL;
	struct vmb_bare_times t;

	qemu_ms[a][round] = NAN;
	if (a <= HANG_FIRST) {
		vmb_fmt(roots[R_FRESH], PATH_MAX, "%s/root-%s-%u", e->tmp, names[a], round);
		v = create_ms(e, configs[creates[a].config], roots[creates[a].root],
		              creates[a].test_kvm, NULL, &qemu_ms[a][round]);
	} else if (a == BARE) {
		if (vmb_bare(e, "q35", false, &t, &err) == 0)
			v = t.ready_ms - t.spawned_ms;
		else
			print_failure("bare", err);
	} else if (a == PROBE) {
		v = probe_ms(e);
	} else {
		for (unsigned i = 0; i < CHECK_REPEATS; i++) {
			cleanup_json json_t *report = NULL;

			each[i] = check_ms(e, false, &report);
		}
		v = bench_summarise(each, CHECK_REPEATS).median;
	}
	ms[a][round] = v;
	printf("  round %u %-11s %8.1f ms\n", round + 1, names[a], v);
	fflush(stdout);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* monitors orphaned by `hull create` end up here (a subreaper) */
}

static struct bench_stats stat_of(const double *row)
{
	double v[MAX_ROUNDS];

	memcpy(v, row, sizeof(double) * R);
	return bench_summarise(v, R);
}

/*
 * Per round (a - minus_ms) / b: the round's load cancels.  With own, the
 * guest's boot taken as equal (it swings by 10-20 % from round to round
 * under TCG on this host): (b + (a's time to QEMU's start - minus_ms -
 * b's)) / b, b being b's whole create.
 */
static struct bench_stats ratio(enum alt a, double minus_ms, enum alt b, bool own)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++)
		v[r] = ((own ? ms[b][r] + qemu_ms[a][r] - qemu_ms[b][r] : ms[a][r]) - minus_ms) /
		       ms[b][r];
	return bench_summarise(v, R);
}

static void report(void)
{
	static const struct {
		enum alt a;
		const char *what;
		enum alt base; /* N_ALT: none */
		double minus_ms;
	} rows[] = {
	    {FORCED, "`hull create`, accel forced by hand", N_ALT, 0},
	    {AUTO_LATER, "`hull create`, accel=auto, verdict saved", FORCED, 0},
	    {AUTO_FIRST, "`hull create`, accel=auto, fresh state root", FORCED, 0},
	    {TCG, "`hull create`, accel=tcg", N_ALT, 0},
	    {HANG_LATER, "`hull create`, KVM hangs, verdict saved", TCG, 0},
	    {HANG_FIRST, "`hull create`, KVM hangs, fresh state root", TCG, 0},
	    {HANG_FIRST, "the same", TCG, ACCEL_WATCHDOG_MS},
	    {BARE, "bare QEMU (TCG): QEMU started -> agent ready", N_ALT, 0},
	    {PROBE, "`hull check` probe: QEMU started -> agent answered", BARE, 0},
	    {CHECK, "`hull check --no-boot`, exec to exit", N_ALT, 0},
	};

	printf("\n### Medians over %u rounds (min-max), ms; ratios paired per round\n\n", R);
	printf("| alternative | what is timed | ms | to QEMU's (last) start, ms | against | ratio, "
	       "raw | ratio, the guest's boot taken as equal |\n|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		enum alt a = rows[i].a, base = rows[i].base;
		bool create = a <= HANG_FIRST;

		printf("| %s | %s ", names[a], rows[i].what);
		bench_print_stat(stat_of(ms[a]), 0);
		if (create)
			bench_print_stat(stat_of(qemu_ms[a]), 0);
		else
			printf("| ");
		if (base == N_ALT) {
			printf("| | | |\n");
			continue;
		}
		printf("| %s%s ", names[base], rows[i].minus_ms > 0 ? ", less the watchdog" : "");
		bench_print_stat(ratio(a, rows[i].minus_ms, base, false), 3);
		if (create)
			bench_print_stat(ratio(a, rows[i].minus_ms, base, true), 3);
		else
			printf("| ");
		printf("|\n");
	}
}

static void goal(const char *what, struct bench_stats s, double limit, const char *unit)
{
	printf("- %s: %.3f%s (goal <= %.2f%s): %s\n", what, s.median, unit, limit, unit,
	       !isnan(s.median) && s.median <= limit ? "met" : "NOT met");
}

/* One create that settles the verdict of root (accel=auto, test_kvm). */
static int settle(struct vmb_env *e, enum root root, const char *test_kvm)
{
	bool fallback = false;
	double v = create_ms(e, configs[C_AUTO], roots[root], test_kvm, &fallback, NULL);

	return isnan(v) ? -1 : fallback ? 1 : 0;
}

int main(void)
{
	struct vmb_env e = {0};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *verdict = NULL;
	char path[PATH_MAX + 32];
	const char *why = NULL;
	int r, fell_back = -1;

	R = (unsigned)bench_env("BENCH_ACCEL_ROUNDS", 5, 1, MAX_ROUNDS);
	if (hull_log_init(NULL, HULL_LOG_TEXT, false, &err) < 0)
		return 1;
	r = vmb_env_init(&e, &why, &err);
	if (r == 0) {
		printf("bench_accel: skipped: %s\n", why);
		return 0;
	}
	vmb_fmt(roots[R_LATER], PATH_MAX, "%s/root-later", e.tmp);
	vmb_fmt(roots[R_HANG], PATH_MAX, "%s/root-hang", e.tmp);
	if (r < 0 || vmb_env_config(&e, "auto", "q35", configs[C_AUTO], PATH_MAX, &err) < 0 ||
	    vmb_env_config(&e, "tcg", "q35", configs[C_TCG], PATH_MAX, &err) < 0 ||
	    vmb_env_config(&e, "kvm", "q35", configs[C_KVM], PATH_MAX, &err) < 0) {
		cleanup_free char *text = hull_error_text(err);

		fprintf(stderr, "bench_accel: %s\n", text ?: "setup failed");
		vmb_env_cleanup(&e);
		return 1;
	}
	/* What auto settles on here decides what "forced by hand" means. */
	fell_back = settle(&e, R_LATER, NULL);
	if (fell_back < 0 || settle(&e, R_HANG, "stall") < 0) {
		fprintf(stderr, "bench_accel: hull create failed: see above\n");
		vmb_env_cleanup(&e);
		return 1;
	}
	vmb_fmt(path, sizeof(path), "%s/host:accel.json", roots[R_LATER]);
	verdict = json_load_file(path, 0, NULL);
	if (strcmp(json_string_value(json_object_get(verdict, "accel")) ?: "", "kvm") == 0)
		vmb_fmt(forced_accel, sizeof(forced_accel), "kvm");
	vmb_fmt(configs[C_FORCED], PATH_MAX, "%s", configs[*forced_accel == 'k' ? C_KVM : C_TCG]);
	printf("bench_accel: %u rounds; accel=auto settles on %s here%s; guest %s, %u MiB, q35\n",
	       R, forced_accel, fell_back ? " (after a failed KVM attempt)" : "", e.kernel,
	       e.memory_mib);
	for (unsigned round = 0; round < R; round++)
		for (unsigned i = 0; i < N_ALT; i++)
			run_one(&e, (enum alt)((i + round) % N_ALT), round);
	report();

	printf("\n### Goals\n\n");
	printf("hull's own time is compared with the guest's boot taken as equal (the raw "
	       "ratios in the table swing with the guest's boot, +-15 %% from round to round "
	       "here).\n\n");
	goal("auto, later sandboxes / forced", ratio(AUTO_LATER, 0, FORCED, true), GOAL_LATER, "x");
	goal("KVM hangs, later sandboxes / forced TCG", ratio(HANG_LATER, 0, TCG, true), GOAL_LATER,
	     "x");
	goal("KVM hangs, the probing sandbox less the watchdog / forced TCG",
	     ratio(HANG_FIRST, ACCEL_WATCHDOG_MS, TCG, true), GOAL_LATER, "x");
	goal("auto, the probing sandbox / forced", ratio(AUTO_FIRST, 0, FORCED, true), GOAL_LATER,
	     "x");
	goal("probe boot / bare boot", ratio(PROBE, 0, BARE, false), GOAL_PROBE, "x");
	goal("`hull check --no-boot`", stat_of(ms[CHECK]), GOAL_CHECK_MS, " ms");
	if (strcmp(forced_accel, "kvm") == 0)
		printf("\n(KVM works here: the probe boots under KVM and bare under TCG, so their "
		       "ratio is not a like-for-like figure.)\n");
	vmb_env_cleanup(&e);
	return 0;
}
