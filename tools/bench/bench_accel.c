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

static double ms[N_ALT][MAX_ROUNDS];
/* hull create only: exec to the (last) "QEMU: " log line, where the choice is made. */
static double qemu_ms[N_ALT][MAX_ROUNDS];
static unsigned R;
static char forced_accel[8] = "tcg";

struct roots {
	char later[PATH_MAX], hang[PATH_MAX];
};

/* `hull create` + delete in root, under HULL_TEST_KVM=test_kvm (NULL: none). */
static double create_ms(struct vmb_env *e, const char *config, const char *root,
                        const char *test_kvm, bool *fallback, double *to_qemu)
{
	cleanup_error hull_error_t err = NULL;
	struct vmb_hull_times t;
	char saved[PATH_MAX];
	int r;

	memcpy(saved, e->root, sizeof(saved));
	vmb_fmt(e->root, sizeof(e->root), "%s", root);
	if (test_kvm)
		setenv(ACCEL_TEST_ENV, test_kvm, 1);
	r = vmb_hull_create(e, config, &t, &err);
	unsetenv(ACCEL_TEST_ENV);
	memcpy(e->root, saved, sizeof(saved));
	if (fallback)
		*fallback = t.kvm_fallback;
	if (to_qemu)
		*to_qemu = r < 0 ? NAN : t.qemu_ms;
	if (r < 0) {
		cleanup_free char *text = hull_error_text(err);

		printf("    hull create in %s FAILED: %s\n", root, text ? text : "?");
		return NAN;
	}
	return t.total_ms;
}

static const json_t *item(const json_t *report, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(report, "checks"), i,
	                   c) if (strcmp(json_string_value(json_object_get(c, "name")), name) ==
	                          0) return c;
	return NULL;
}

static double check_ms(struct vmb_env *e, const char *config, bool boot, json_t **report)
{
	cleanup_error hull_error_t err = NULL;
	double t;

	if (vmb_hull_check(e, config, boot, &t, report, &err) < 0) {
		printf("    hull check FAILED: %s\n", err->msg);
		return NAN;
	}
	return t;
}

/* The probe's boot: under KVM when kvm.boot is ok, else the TCG "boot" item. */
static double probe_ms(struct vmb_env *e, const char *config)
{
	cleanup_json json_t *report = NULL;
	const json_t *kvm, *boot;

	if (isnan(check_ms(e, config, true, &report)))
		return NAN;
	kvm = item(report, "kvm.boot");
	boot = item(report, "boot");
	if (kvm && strcmp(json_string_value(json_object_get(kvm, "status")), "ok") == 0)
		return json_number_value(json_object_get(kvm, "ms"));
	if (boot && strcmp(json_string_value(json_object_get(boot, "status")), "ok") == 0)
		return json_number_value(json_object_get(boot, "ms"));
	return NAN;
}

static void run_one(struct vmb_env *e, enum alt a, unsigned round, const struct roots *roots,
                    const char *cfg_auto, const char *cfg_forced, const char *cfg_tcg)
{
	char fresh[PATH_MAX];
	double v = NAN, *q = &qemu_ms[a][round];

	vmb_fmt(fresh, sizeof(fresh), "%s/root-%s-%u", e->tmp, names[a], round);
	switch (a) {
	case FORCED:
		v = create_ms(e, cfg_forced, roots->later, NULL, NULL, q);
		break;
	case AUTO_LATER:
		v = create_ms(e, cfg_auto, roots->later, NULL, NULL, q);
		break;
	case AUTO_FIRST:
		v = create_ms(e, cfg_auto, fresh, NULL, NULL, q);
		break;
	case TCG:
		v = create_ms(e, cfg_tcg, roots->later, NULL, NULL, q);
		break;
	case HANG_LATER:
		v = create_ms(e, cfg_auto, roots->hang, "stall", NULL, q);
		break;
	case HANG_FIRST:
		v = create_ms(e, cfg_auto, fresh, "stall", NULL, q);
		break;
	case BARE: {
		cleanup_error hull_error_t err = NULL;
		struct vmb_bare_times t;

		if (vmb_bare(e, "q35", false, &t, &err) == 0)
			v = t.ready_ms - t.spawned_ms;
		else
			printf("    bare FAILED: %s\n", err->msg);
		break;
	}
	case PROBE:
		v = probe_ms(e, cfg_auto);
		break;
	case CHECK: {
		double each[CHECK_REPEATS];

		for (unsigned i = 0; i < CHECK_REPEATS; i++) {
			cleanup_json json_t *report = NULL;

			each[i] = check_ms(e, cfg_auto, false, &report);
		}
		v = bench_summarise(each, CHECK_REPEATS).median;
		break;
	}
	case N_ALT:
		break;
	}
	ms[a][round] = v;
	if (a > HANG_FIRST)
		*q = NAN;
	printf("  round %u %-11s %8.1f ms\n", round + 1, names[a], v);
	fflush(stdout);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* monitors orphaned by `hull create` end up here (a subreaper) */
}

static struct bench_stats stat_of(enum alt a)
{
	double v[MAX_ROUNDS];

	memcpy(v, ms[a], sizeof(double) * R);
	return bench_summarise(v, R);
}

static struct bench_stats qemu_stat_of(enum alt a)
{
	double v[MAX_ROUNDS];

	memcpy(v, qemu_ms[a], sizeof(double) * R);
	return bench_summarise(v, R);
}

/*
 * Per round, with the guest's boot taken as equal (it swings by 10-20 %
 * from round to round under TCG on this host): (b + (a's time to QEMU's
 * start - minus_ms - b's)) / b, b being b's whole create.
 */
static struct bench_stats own_ratio(enum alt a, double minus_ms, enum alt b)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++)
		v[r] = (ms[b][r] + qemu_ms[a][r] - minus_ms - qemu_ms[b][r]) / ms[b][r];
	return bench_summarise(v, R);
}

/* Per round (a - minus_ms) / b: the round's load cancels. */
static struct bench_stats ratio(enum alt a, double minus_ms, enum alt b)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++)
		v[r] = (ms[a][r] - minus_ms) / ms[b][r];
	return bench_summarise(v, R);
}

static void row(enum alt a, const char *what, enum alt base, double minus_ms)
{
	bool create = a <= HANG_FIRST;

	printf("| %s | %s ", names[a], what);
	bench_print_stat(stat_of(a), 0);
	if (create)
		bench_print_stat(qemu_stat_of(a), 0);
	else
		printf("| ");
	if (base == N_ALT) {
		printf("| | | |\n");
		return;
	}
	printf("| %s%s ", names[base], minus_ms > 0 ? ", less the watchdog" : "");
	bench_print_stat(ratio(a, minus_ms, base), 3);
	if (create)
		bench_print_stat(own_ratio(a, minus_ms, base), 3);
	else
		printf("| ");
	printf("|\n");
}

static void goal(const char *what, struct bench_stats s, double limit, const char *unit)
{
	printf("- %s: %.3f%s (goal <= %.2f%s): %s\n", what, s.median, unit, limit, unit,
	       !isnan(s.median) && s.median <= limit ? "met" : "NOT met");
}

/* One create that settles the verdict of root (accel=auto, test_kvm). */
static int settle(struct vmb_env *e, const char *cfg, const char *root, const char *test_kvm)
{
	bool fallback = false;
	double v = create_ms(e, cfg, root, test_kvm, &fallback, NULL);

	return isnan(v) ? -1 : fallback ? 1 : 0;
}

static unsigned env_uint(const char *name, unsigned def, unsigned max)
{
	const char *v = getenv(name);
	long n = v ? strtol(v, NULL, 10) : def;

	return n > 0 && (unsigned long)n <= max ? (unsigned)n : def;
}

int main(int argc, char **argv)
{
	struct vmb_env e = {0};
	cleanup_error hull_error_t err = NULL;
	char cfg_auto[PATH_MAX], cfg_tcg[PATH_MAX], cfg_kvm[PATH_MAX];
	const char *cfg_forced, *why = NULL;
	struct roots roots;
	int r, fell_back;

	(void)argc;
	R = env_uint("BENCH_ACCEL_ROUNDS", 5, MAX_ROUNDS);
	if (hull_log_init(NULL, HULL_LOG_TEXT, false, &err) < 0)
		return 1;
	e.timeout_ms = 30000;
	e.memory_mib = 512;
	e.kernel_params = "";
	r = vmb_env_init(&e, argv[0], &why, &err);
	if (r == 0) {
		printf("bench_accel: skipped: %s\n", why);
		return 0;
	}
	vmb_env_install_signal_cleanup(&e);
	if (r < 0 || vmb_env_config(&e, "auto", "q35", cfg_auto, sizeof(cfg_auto), &err) < 0 ||
	    vmb_env_config(&e, "tcg", "q35", cfg_tcg, sizeof(cfg_tcg), &err) < 0 ||
	    vmb_env_config(&e, "kvm", "q35", cfg_kvm, sizeof(cfg_kvm), &err) < 0) {
		fprintf(stderr, "bench_accel: %s\n", err ? err->msg : "setup failed");
		vmb_env_cleanup(&e);
		return 1;
	}
	vmb_fmt(roots.later, sizeof(roots.later), "%s/root-later", e.tmp);
	vmb_fmt(roots.hang, sizeof(roots.hang), "%s/root-hang", e.tmp);
	/* What auto settles on here decides what "forced by hand" means. */
	fell_back = settle(&e, cfg_auto, roots.later, NULL);
	if (fell_back < 0 || settle(&e, cfg_auto, roots.hang, "stall") < 0) {
		fprintf(stderr, "bench_accel: hull create failed: see above\n");
		vmb_env_cleanup(&e);
		return 1;
	}
	{
		char path[PATH_MAX + 32];
		cleanup_json json_t *v = NULL;

		vmb_fmt(path, sizeof(path), "%s/host:accel.json", roots.later);
		v = json_load_file(path, 0, NULL);
		if (v && strcmp(json_string_value(json_object_get(v, "accel")) ?: "", "kvm") == 0)
			vmb_fmt(forced_accel, sizeof(forced_accel), "kvm");
	}
	cfg_forced = strcmp(forced_accel, "kvm") == 0 ? cfg_kvm : cfg_tcg;
	printf("bench_accel: %u rounds; accel=auto settles on %s here%s; guest %s, %u MiB, q35\n",
	       R, forced_accel, fell_back ? " (after a failed KVM attempt)" : "", e.kernel,
	       e.memory_mib);
	for (unsigned round = 0; round < R; round++)
		for (unsigned i = 0; i < N_ALT; i++)
			run_one(&e, (enum alt)((i + round) % N_ALT), round, &roots, cfg_auto,
			        cfg_forced, cfg_tcg);

	printf("\n### Medians over %u rounds (min-max), ms; ratios paired per round\n\n", R);
	printf("| alternative | what is timed | ms | to QEMU's (last) start, ms | against | ratio, "
	       "raw | ratio, the guest's boot taken as equal |\n|---|---|---|---|---|---|---|\n");
	row(FORCED, "`hull create`, accel forced by hand", N_ALT, 0);
	row(AUTO_LATER, "`hull create`, accel=auto, verdict saved", FORCED, 0);
	row(AUTO_FIRST, "`hull create`, accel=auto, fresh state root", FORCED, 0);
	row(TCG, "`hull create`, accel=tcg", N_ALT, 0);
	row(HANG_LATER, "`hull create`, KVM hangs, verdict saved", TCG, 0);
	row(HANG_FIRST, "`hull create`, KVM hangs, fresh state root", TCG, 0);
	row(HANG_FIRST, "the same", TCG, ACCEL_WATCHDOG_MS);
	row(BARE, "bare QEMU (TCG): QEMU started -> agent ready", N_ALT, 0);
	row(PROBE, "`hull check` probe: QEMU started -> agent answered", BARE, 0);
	row(CHECK, "`hull check --no-boot`, exec to exit", N_ALT, 0);

	printf("\n### Goals\n\n");
	printf("hull's own time is compared with the guest's boot taken as equal (the raw "
	       "ratios in the table swing with the guest's boot, +-15 %% from round to round "
	       "here).\n\n");
	goal("auto, later sandboxes / forced", own_ratio(AUTO_LATER, 0, FORCED), GOAL_LATER, "x");
	goal("KVM hangs, later sandboxes / forced TCG", own_ratio(HANG_LATER, 0, TCG), GOAL_LATER,
	     "x");
	goal("KVM hangs, the probing sandbox less the watchdog / forced TCG",
	     own_ratio(HANG_FIRST, ACCEL_WATCHDOG_MS, TCG), GOAL_LATER, "x");
	goal("auto, the probing sandbox / forced", own_ratio(AUTO_FIRST, 0, FORCED), GOAL_LATER,
	     "x");
	goal("probe boot / bare boot", ratio(PROBE, 0, BARE), GOAL_PROBE, "x");
	goal("`hull check --no-boot`", stat_of(CHECK), GOAL_CHECK_MS, " ms");
	if (strcmp(forced_accel, "kvm") == 0)
		printf("\n(KVM works here: the probe boots under KVM and bare under TCG, so their "
		       "ratio is not a like-for-like figure.)\n");
	vmb_env_cleanup(&e);
	return 0;
}
