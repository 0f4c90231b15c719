/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's VM sandbox against bare QEMU (docs/benchmarks.md, "VM sandbox"):
 *
 *   boot     `hull create` (exec to exit: the sandbox booted, the agent
 *            ready, the rootfs mounted in the guest) against virtiofsd +
 *            qemu-system-x86_64 started by hand with the argv hull builds,
 *            to the agent's ready event (and on to the same
 *            prepare_container hull sends).  hull's --debug log splits its
 *            time: virtiofsd up, QEMU started, "VM up" (agent ready).
 *   run      `hull run` of /bin/true (create + start + exit + VM shutdown
 *            + delete) against the same by hand: ready, prepare_container,
 *            start, exit event, shutdown, QEMU gone, virtiofsd stopped.
 *   machine  q35 against microvm, bare, boot to agent-ready (and the same
 *            through `hull create` with machine_type microvm).
 *   memory   the monitor's RSS and PSS (hull's only long-lived process;
 *            QEMU and virtiofsd excluded) while the container runs sleep.
 *
 * Alternatives are interleaved in rounds, the first one rotating from
 * round to round; medians over the rounds.  Everything runs under the
 * temporary directory /tmp/hull-benchvm.XXXXXX, removed at exit, on error
 * and on SIGINT/SIGTERM/SIGHUP (every child is killed first).
 *
 *   BENCH_VM_ROUNDS   rounds (default 5)
 *   BENCH_VM_PARTS    boot,run,machine,memory (default boot,run,memory: microvm
 *                     often hangs at boot under TCG, see docs/benchmarks.md)
 *   BENCH_VM_ALTS     alternatives by name (default: all but hull-auto,
 *                     hull-microvm); see alt_names below
 *   BENCH_VM_TIMEOUT  seconds a bare boot may take before it counts as hung
 *                     (30; q35 takes 4-6 s here; hull's own limit is 60)
 *   BENCH_VM_MEMORY   guest memory, MiB (512, as the selftests)
 *   BENCH_VM_KERNEL_PARAMS  appended to the guest's command line, bare and
 *                     hull alike (e.g. tsc_early_khz=N for microvm under TCG)
 *   HULL, HULL_GUEST  the hull binary and the guest image directory
 *                     (default: ../bin/hull and ../guest of this program)
 *
 * Needs root (virtiofsd) and `make guest`; prints a skip line and exits 0
 * otherwise.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "tools/bench/stats.h"
#include "tools/bench/vm_bench.h"

#define MAX_ROUNDS 50
#define GOAL_RATIO 1.10
#define GOAL_ABS_MS 150.0
#define GOAL_RSS_KIB 4096.0

enum alt {
	A_BARE_Q35,     /* boot, machine */
	A_HULL_CREATE,  /* boot: accel=tcg, q35 */
	A_HULL_AUTO,    /* boot: accel=auto (the default): a KVM attempt first on this machine */
	A_BARE_MICROVM, /* machine */
	A_HULL_MICROVM, /* machine: hull create, machine_type microvm */
	A_BARE_RUN,     /* run */
	A_HULL_RUN,     /* run */
	A_COUNT,
};

static const char *const alt_names[A_COUNT] = {
    "bare-q35", "hull-create", "hull-auto", "bare-microvm", "hull-microvm", "bare-run", "hull-run",
};

static const char *const alt_titles[A_COUNT] = {
    "bare QEMU, q35",
    "hull create, q35 (accel=tcg)",
    "hull create, q35 (accel=auto)",
    "bare QEMU, microvm (+ modern virtio-mmio)",
    "hull create, microvm (accel=tcg)",
    "bare QEMU, run /bin/true",
    "hull run /bin/true (accel=tcg)",
};

/* Per round: the bare or the hull figures of one alternative (NAN: failed). */
struct sample {
	bool ok;
	struct vmb_bare_times bare;
	struct vmb_hull_times hull;
	char error[512];
};

static struct sample samples[A_COUNT][MAX_ROUNDS];
static bool enabled[A_COUNT];
static unsigned R;

/* A field of an alternative's samples over all rounds. */
typedef double (*field_fn)(const struct sample *s);

static struct bench_stats stat_of(enum alt a, field_fn f)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++)
		v[r] = samples[a][r].ok ? f(&samples[a][r]) : NAN;
	return bench_summarise(v, R);
}

/* Per round, f(a) - g(b) where both succeeded: paired, so the round's load cancels. */
static struct bench_stats paired_diff(enum alt a, field_fn f, enum alt b, field_fn g)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++) {
		v[r] = samples[a][r].ok && samples[b][r].ok
		           ? f(&samples[a][r]) - g(&samples[b][r]) + 1e6 /* keep >= 0 */
		           : NAN;
	}
	{
		struct bench_stats s = bench_summarise(v, R);

		s.median -= 1e6;
		s.min -= 1e6;
		s.max -= 1e6;
		return s;
	}
}

static struct bench_stats paired_ratio(enum alt a, field_fn f, enum alt b, field_fn g)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++)
		v[r] = samples[a][r].ok && samples[b][r].ok ? f(&samples[a][r]) / g(&samples[b][r])
		                                            : NAN;
	return bench_summarise(v, R);
}

static double f_bare_vfs(const struct sample *s)
{
	return s->bare.virtiofsd_ms;
}
static double f_bare_spawn(const struct sample *s)
{
	return s->bare.spawned_ms;
}
static double f_bare_ready(const struct sample *s)
{
	return s->bare.ready_ms;
}
static double f_bare_prepared(const struct sample *s)
{
	return s->bare.prepared_ms;
}
static double f_bare_started(const struct sample *s)
{
	return s->bare.started_ms;
}
static double f_bare_exited(const struct sample *s)
{
	return s->bare.exited_ms;
}
static double f_bare_total(const struct sample *s)
{
	return s->bare.total_ms;
}
static double f_bare_stop(const struct sample *s)
{
	return s->bare.stop_ms;
}
static double f_hull_vfs(const struct sample *s)
{
	return s->hull.virtiofsd_ms;
}
static double f_hull_qemu(const struct sample *s)
{
	return s->hull.qemu_ms;
}
static double f_hull_ready(const struct sample *s)
{
	return s->hull.ready_ms;
}
static double f_hull_total(const struct sample *s)
{
	return s->hull.total_ms;
}
static double f_hull_delete(const struct sample *s)
{
	return s->hull.delete_ms;
}

/* The guest's boot: QEMU started -> agent ready.  Nothing of hull runs in it. */
static double f_bare_span(const struct sample *s)
{
	return s->bare.ready_ms - s->bare.spawned_ms;
}
static double f_hull_span(const struct sample *s)
{
	return s->hull.ready_ms - s->hull.qemu_ms;
}
static double f_bare_after(const struct sample *s)
{
	return s->bare.prepared_ms - s->bare.ready_ms;
}
static double f_bare_run_after(const struct sample *s)
{
	return s->bare.total_ms - s->bare.ready_ms;
}
static double f_hull_after(const struct sample *s)
{
	return s->hull.total_ms - s->hull.ready_ms;
}
/* Everything but the guest's boot: what the runtime itself costs. */
static double f_bare_own(const struct sample *s)
{
	return s->bare.prepared_ms - f_bare_span(s);
}
static double f_bare_run_own(const struct sample *s)
{
	return s->bare.total_ms - f_bare_span(s);
}
static double f_hull_own(const struct sample *s)
{
	return s->hull.total_ms - f_hull_span(s);
}

static unsigned failures(enum alt a)
{
	unsigned n = 0;

	for (unsigned r = 0; r < R; r++)
		n += !samples[a][r].ok;
	return n;
}

static void run_one(struct vmb_env *e, enum alt a, const char *cfg_tcg, const char *cfg_auto,
                    const char *cfg_microvm, unsigned round)
{
	struct sample *s;
	hull_error_t err = NULL;
	int r = -1, status;

	if (a >= A_COUNT || round >= MAX_ROUNDS)
		return;
	s = &samples[a][round];

	switch (a) {
	case A_BARE_Q35:
		r = vmb_bare(e, "q35", false, &s->bare, &err);
		break;
	case A_BARE_MICROVM:
		r = vmb_bare(e, "microvm", false, &s->bare, &err);
		break;
	case A_BARE_RUN:
		r = vmb_bare(e, "q35", true, &s->bare, &err);
		break;
	case A_HULL_CREATE:
		r = vmb_hull_create(e, cfg_tcg, &s->hull, &err);
		break;
	case A_HULL_AUTO:
		r = vmb_hull_create(e, cfg_auto, &s->hull, &err);
		break;
	case A_HULL_MICROVM:
		r = vmb_hull_create(e, cfg_microvm, &s->hull, &err);
		break;
	case A_HULL_RUN:
		r = vmb_hull_run(e, cfg_tcg, &s->hull, &err);
		break;
	case A_COUNT:
		break;
	}
	s->ok = r == 0;
	if (!s->ok) {
		char *text = err ? hull_error_text(err) : NULL;

		snprintf(s->error, sizeof(s->error), "%s", text ? text : "failed");
		free(text);
		printf("  round %u %-13s FAILED: %s\n", round + 1, alt_names[a], s->error);
	} else if (a == A_BARE_Q35 || a == A_BARE_MICROVM)
		printf("  round %u %-13s ready %7.0f ms, + prepare_container %7.0f ms\n", round + 1,
		       alt_names[a], s->bare.ready_ms, s->bare.prepared_ms);
	else if (a == A_BARE_RUN)
		printf("  round %u %-13s ready %7.0f ms, exit %7.0f ms, total %7.0f ms\n",
		       round + 1, alt_names[a], s->bare.ready_ms, s->bare.exited_ms,
		       s->bare.total_ms);
	else
		printf("  round %u %-13s ready %7.0f ms (log), exit of hull %7.0f ms%s\n",
		       round + 1, alt_names[a], s->hull.ready_ms, s->hull.total_ms,
		       s->hull.kvm_fallback ? " (KVM tried, TCG used)" : "");
	fflush(stdout);
	hull_error_release(&err);
	/* We are a subreaper: monitors orphaned by `hull create` end up here. */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

/* One row of a hull-vs-bare table: both medians, then the per-round paired difference. */
static void compare_row(const char *what, enum alt h, field_fn hf, enum alt b, field_fn bf)
{
	printf("| %s ", what);
	bench_print_stat(stat_of(h, hf), 0);
	bench_print_stat(stat_of(b, bf), 0);
	bench_print_stat(paired_diff(h, hf, b, bf), 0);
	printf("|\n");
}

/*
 * hull's own time as a share of the bare total: per round, (bare total +
 * (hull own - bare own)) / bare total, so that the guest's boot, which
 * swings by a second with the machine's load, cancels.
 */
static struct bench_stats own_ratio(enum alt h, enum alt b, field_fn b_own, field_fn b_total)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++) {
		const struct sample *hs = &samples[h][r], *bs = &samples[b][r];

		v[r] = hs->ok && bs->ok ? (b_total(bs) + f_hull_own(hs) - b_own(bs)) / b_total(bs)
		                        : NAN;
	}
	return bench_summarise(v, R);
}

static void report_boot(void)
{
	static const enum alt hulls[] = {A_HULL_CREATE, A_HULL_AUTO};

	printf("\n### Boot to agent-ready: medians over %u rounds (min-max), ms from the start\n\n",
	       R);
	printf("| alternative | virtiofsd up | QEMU started | agent ready | + rootfs mounted "
	       "(`hull create` exits) | stop, untimed | failed |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (enum alt a = 0; a < A_COUNT; a++) {
		if (!enabled[a] || a == A_BARE_RUN || a == A_HULL_RUN)
			continue;
		printf("| %s ", alt_titles[a]);
		if (a == A_BARE_Q35 || a == A_BARE_MICROVM) {
			bench_print_stat(stat_of(a, f_bare_vfs), 1);
			bench_print_stat(stat_of(a, f_bare_spawn), 1);
			bench_print_stat(stat_of(a, f_bare_ready), 0);
			bench_print_stat(stat_of(a, f_bare_prepared), 0);
			bench_print_stat(stat_of(a, f_bare_stop), 0);
		} else {
			bench_print_stat(stat_of(a, f_hull_vfs), 1);
			bench_print_stat(stat_of(a, f_hull_qemu), 1);
			bench_print_stat(stat_of(a, f_hull_ready), 0);
			bench_print_stat(stat_of(a, f_hull_total), 0);
			bench_print_stat(stat_of(a, f_hull_delete), 0);
		}
		printf("| %u/%u |\n", failures(a), R);
	}
	if (!enabled[A_BARE_Q35])
		return;
	for (size_t i = 0; i < sizeof(hulls) / sizeof(*hulls); i++) {
		enum alt h = hulls[i];

		if (!enabled[h])
			continue;
		printf("\n%s against bare QEMU (q35), by phase, ms: medians (min-max); the "
		       "difference paired per round\n\n",
		       alt_titles[h]);
		printf("| phase | hull | bare | hull - bare |\n|---|---|---|---|\n");
		compare_row("start -> QEMU started", h, f_hull_qemu, A_BARE_Q35, f_bare_spawn);
		compare_row("QEMU started -> agent ready (the guest's boot)", h, f_hull_span,
		            A_BARE_Q35, f_bare_span);
		compare_row("agent ready -> rootfs mounted, `hull create` exits", h, f_hull_after,
		            A_BARE_Q35, f_bare_after);
		compare_row("start -> agent ready", h, f_hull_ready, A_BARE_Q35, f_bare_ready);
		compare_row("start -> rootfs mounted, `hull create` exits", h, f_hull_total,
		            A_BARE_Q35, f_bare_prepared);
		compare_row("`hull create` exits vs bare agent ready", h, f_hull_total, A_BARE_Q35,
		            f_bare_ready);
		compare_row("all but the guest's boot", h, f_hull_own, A_BARE_Q35, f_bare_own);
		printf("\nRatios, paired per round: hull create / bare ready+prepare ");
		bench_print_stat(paired_ratio(h, f_hull_total, A_BARE_Q35, f_bare_prepared), 3);
		printf("|; hull create / bare ready ");
		bench_print_stat(paired_ratio(h, f_hull_total, A_BARE_Q35, f_bare_ready), 3);
		printf("|; with the guest's boot taken as equal ");
		bench_print_stat(own_ratio(h, A_BARE_Q35, f_bare_own, f_bare_prepared), 3);
		printf("|\n");
	}
}

static void report_run(void)
{
	if (!enabled[A_BARE_RUN] && !enabled[A_HULL_RUN])
		return;
	printf("\n### Run of /bin/true: medians over %u rounds (min-max), ms from the start\n\n",
	       R);
	printf(
	    "| alternative | QEMU started | agent ready | rootfs mounted | process started | exit "
	    "event | all done | failed |\n|---|---|---|---|---|---|---|---|\n");
	if (enabled[A_BARE_RUN]) {
		printf("| %s ", alt_titles[A_BARE_RUN]);
		bench_print_stat(stat_of(A_BARE_RUN, f_bare_spawn), 1);
		bench_print_stat(stat_of(A_BARE_RUN, f_bare_ready), 0);
		bench_print_stat(stat_of(A_BARE_RUN, f_bare_prepared), 0);
		bench_print_stat(stat_of(A_BARE_RUN, f_bare_started), 0);
		bench_print_stat(stat_of(A_BARE_RUN, f_bare_exited), 0);
		bench_print_stat(stat_of(A_BARE_RUN, f_bare_total), 0);
		printf("| %u/%u |\n", failures(A_BARE_RUN), R);
	}
	if (enabled[A_HULL_RUN]) {
		printf("| %s ", alt_titles[A_HULL_RUN]);
		bench_print_stat(stat_of(A_HULL_RUN, f_hull_qemu), 1);
		bench_print_stat(stat_of(A_HULL_RUN, f_hull_ready), 0);
		printf("| - | - | - ");
		bench_print_stat(stat_of(A_HULL_RUN, f_hull_total), 0);
		printf("| %u/%u |\n", failures(A_HULL_RUN), R);
	}
	if (enabled[A_BARE_RUN] && enabled[A_HULL_RUN]) {
		printf("\n`hull run` against the bare run, by phase, ms: medians (min-max); the "
		       "difference paired per round\n\n");
		printf("| phase | hull | bare | hull - bare |\n|---|---|---|---|\n");
		compare_row("start -> QEMU started", A_HULL_RUN, f_hull_qemu, A_BARE_RUN,
		            f_bare_spawn);
		compare_row("QEMU started -> agent ready (the guest's boot)", A_HULL_RUN,
		            f_hull_span, A_BARE_RUN, f_bare_span);
		compare_row("agent ready -> all done", A_HULL_RUN, f_hull_after, A_BARE_RUN,
		            f_bare_run_after);
		compare_row("whole run", A_HULL_RUN, f_hull_total, A_BARE_RUN, f_bare_total);
		compare_row("all but the guest's boot", A_HULL_RUN, f_hull_own, A_BARE_RUN,
		            f_bare_run_own);
		printf("\nRatios, paired per round: hull run / bare run ");
		bench_print_stat(paired_ratio(A_HULL_RUN, f_hull_total, A_BARE_RUN, f_bare_total),
		                 3);
		printf("|; with the guest's boot taken as equal ");
		bench_print_stat(own_ratio(A_HULL_RUN, A_BARE_RUN, f_bare_run_own, f_bare_total),
		                 3);
		printf("|\n");
	}
}

static void report_machine(void)
{
	if (!enabled[A_BARE_MICROVM] && !enabled[A_HULL_MICROVM])
		return;
	printf(
	    "\n### q35 against microvm, boot to agent-ready, medians over %u rounds (min-max)\n\n",
	    R);
	printf("| machine | agent ready, ms | + rootfs mounted, ms | failed (hung: > %s s) | "
	       "microvm / q35, paired |\n|---|---|---|---|---|\n",
	       getenv("BENCH_VM_TIMEOUT") ? getenv("BENCH_VM_TIMEOUT") : "30");
	if (enabled[A_BARE_Q35]) {
		printf("| q35, bare ");
		bench_print_stat(stat_of(A_BARE_Q35, f_bare_ready), 0);
		bench_print_stat(stat_of(A_BARE_Q35, f_bare_prepared), 0);
		printf("| %u/%u | 1 |\n", failures(A_BARE_Q35), R);
	}
	if (enabled[A_BARE_MICROVM]) {
		printf("| microvm, bare ");
		bench_print_stat(stat_of(A_BARE_MICROVM, f_bare_ready), 0);
		bench_print_stat(stat_of(A_BARE_MICROVM, f_bare_prepared), 0);
		printf("| %u/%u ", failures(A_BARE_MICROVM), R);
		bench_print_stat(
		    paired_ratio(A_BARE_MICROVM, f_bare_ready, A_BARE_Q35, f_bare_ready), 3);
		printf("|\n");
	}
	if (enabled[A_HULL_CREATE]) {
		printf("| q35, hull create ");
		bench_print_stat(stat_of(A_HULL_CREATE, f_hull_ready), 0);
		bench_print_stat(stat_of(A_HULL_CREATE, f_hull_total), 0);
		printf("| %u/%u | 1 |\n", failures(A_HULL_CREATE), R);
	}
	if (enabled[A_HULL_MICROVM]) {
		printf("| microvm, hull create ");
		bench_print_stat(stat_of(A_HULL_MICROVM, f_hull_ready), 0);
		bench_print_stat(stat_of(A_HULL_MICROVM, f_hull_total), 0);
		printf("| %u/%u ", failures(A_HULL_MICROVM), R);
		bench_print_stat(
		    paired_ratio(A_HULL_MICROVM, f_hull_total, A_HULL_CREATE, f_hull_total), 3);
		printf("|\n");
	}
}

static int report_memory(struct vmb_env *e, const char *cfg)
{
	hull_error_t err = NULL;
	struct vmb_memory m;
	int status;

	printf("\n### Memory of hull's monitor, container running `sleep 600`\n\n");
	if (vmb_hull_memory(e, cfg, 2000, &m, &err) < 0) {
		char *text = hull_error_text(err);

		printf("FAILED: %s\n", text ? text : "?");
		free(text);
		hull_error_release(&err);
		return -1;
	}
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	printf(
	    "| process | RSS KiB | PSS KiB | anon RSS KiB | file RSS KiB | PSS anon KiB | PSS "
	    "file KiB | private dirty KiB | threads | fds |\n|---|---|---|---|---|---|---|---|---|"
	    "---|\n");
	printf("| hull monitor | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n",
	       m.rss_kib, m.pss_kib, m.anon_kib, m.file_kib, m.pss_anon_kib, m.pss_file_kib,
	       m.private_dirty_kib, m.threads, m.fds);
	printf("\nFor scale (not hull's): QEMU %.0f KiB RSS, virtiofsd (both processes) %.0f KiB "
	       "RSS.\n",
	       m.qemu_rss_kib, m.virtiofsd_rss_kib);
	printf("\nThe monitor's RSS by mapping (/proc/PID/smaps; [anon] = anonymous mappings "
	       "other than heap and stack):\n\n| mapping | RSS KiB | PSS KiB | of it anonymous "
	       "(relocated data, bss) KiB |\n|---|---|---|---|\n");
	for (size_t i = 0; i < m.n_maps; i++)
		if (m.maps[i].rss_kib >= 4)
			printf("| %s | %.0f | %.0f | %.0f |\n", m.maps[i].name, m.maps[i].rss_kib,
			       m.maps[i].pss_kib, m.maps[i].anon_kib);
	printf("\nGoal: monitor RSS <= %.0f KiB: %s (%.0f KiB; PSS %.0f KiB).\n", GOAL_RSS_KIB,
	       m.rss_kib <= GOAL_RSS_KIB ? "met" : "NOT met", m.rss_kib, m.pss_kib);
	return 0;
}

static void goal_line(const char *what, struct bench_stats d, struct bench_stats q)
{
	printf("- %s: %+.0f ms, x%.3f: %s\n", what, d.median, q.median,
	       d.median <= GOAL_ABS_MS && q.median <= GOAL_RATIO ? "met" : "NOT met");
}

static void report_goals(void)
{
	if (!enabled[A_BARE_Q35] || !enabled[A_HULL_CREATE])
		return;
	printf("\n### Goals: hull adds <= %.0f%% and <= %.0f ms over bare QEMU (paired "
	       "medians)\n\n",
	       (GOAL_RATIO - 1) * 100, GOAL_ABS_MS);
	goal_line("`hull create` exits vs bare agent ready, raw",
	          paired_diff(A_HULL_CREATE, f_hull_total, A_BARE_Q35, f_bare_ready),
	          paired_ratio(A_HULL_CREATE, f_hull_total, A_BARE_Q35, f_bare_ready));
	goal_line("`hull create` exits vs bare ready + prepare_container, raw",
	          paired_diff(A_HULL_CREATE, f_hull_total, A_BARE_Q35, f_bare_prepared),
	          paired_ratio(A_HULL_CREATE, f_hull_total, A_BARE_Q35, f_bare_prepared));
	goal_line("the same, the guest's boot taken as equal",
	          paired_diff(A_HULL_CREATE, f_hull_own, A_BARE_Q35, f_bare_own),
	          own_ratio(A_HULL_CREATE, A_BARE_Q35, f_bare_own, f_bare_prepared));
	if (enabled[A_BARE_RUN] && enabled[A_HULL_RUN]) {
		goal_line("`hull run` of true vs the bare run, raw",
		          paired_diff(A_HULL_RUN, f_hull_total, A_BARE_RUN, f_bare_total),
		          paired_ratio(A_HULL_RUN, f_hull_total, A_BARE_RUN, f_bare_total));
		goal_line("the same, the guest's boot taken as equal",
		          paired_diff(A_HULL_RUN, f_hull_own, A_BARE_RUN, f_bare_run_own),
		          own_ratio(A_HULL_RUN, A_BARE_RUN, f_bare_run_own, f_bare_total));
	}
}

static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p = end ? end + 1 : p + n;
	}
	return false;
}

static unsigned env_uint(const char *name, unsigned def, unsigned max)
{
	const char *v = getenv(name);
	long n = v ? strtol(v, NULL, 10) : def;

	return n > 0 && (unsigned long)n <= max ? (unsigned)n : def;
}

int main(int argc, char **argv)
{
	const char *parts = getenv("BENCH_VM_PARTS"), *alts = getenv("BENCH_VM_ALTS");
	struct vmb_env e = {0};
	hull_error_t err = NULL;
	const char *why = NULL;
	char cfg_tcg[PATH_MAX], cfg_auto[PATH_MAX], cfg_microvm[PATH_MAX];
	bool part_boot, part_run, part_machine, part_memory;
	double t_start = vmb_now_ms();
	int r, ret = 0;

	(void)argc;
	if (parts == NULL)
		parts = "boot,run,memory";
	part_boot = listed(parts, "boot");
	part_run = listed(parts, "run");
	part_machine = listed(parts, "machine");
	part_memory = listed(parts, "memory");
	R = env_uint("BENCH_VM_ROUNDS", 5, MAX_ROUNDS);
	e.timeout_ms = (int)env_uint("BENCH_VM_TIMEOUT", 30, 3600) * 1000;
	e.memory_mib = env_uint("BENCH_VM_MEMORY", 512, 1 << 20);
	e.kernel_params = getenv("BENCH_VM_KERNEL_PARAMS") ? getenv("BENCH_VM_KERNEL_PARAMS") : "";
	for (enum alt a = 0; a < A_COUNT; a++) {
		bool in_part =
		    ((a == A_BARE_Q35 || a == A_HULL_CREATE || a == A_HULL_AUTO) && part_boot) ||
		    ((a == A_BARE_Q35 || a == A_BARE_MICROVM || a == A_HULL_CREATE ||
		      a == A_HULL_MICROVM) &&
		     part_machine) ||
		    ((a == A_BARE_RUN || a == A_HULL_RUN) && part_run);

		enabled[a] = in_part && (alts ? listed(alts, alt_names[a])
		                              : a != A_HULL_AUTO && a != A_HULL_MICROVM);
	}
	if (hull_log_init(NULL, HULL_LOG_TEXT, getenv("HULL_DEBUG") != NULL, &err) < 0)
		return 1;
	r = vmb_env_init(&e, argv[0], &why, &err);
	if (r == 0) {
		printf("bench_vm: skipped: %s\n", why);
		return 0;
	}
	vmb_env_install_signal_cleanup(&e);
	if (r < 0 || vmb_env_config(&e, "tcg", "q35", cfg_tcg, sizeof(cfg_tcg), &err) < 0 ||
	    vmb_env_config(&e, "auto", "q35", cfg_auto, sizeof(cfg_auto), &err) < 0 ||
	    vmb_env_config(&e, "tcg", "microvm", cfg_microvm, sizeof(cfg_microvm), &err) < 0) {
		char *text = err ? hull_error_text(err) : NULL;

		fprintf(stderr, "bench_vm: %s\n", text ? text : "setup failed");
		free(text);
		hull_error_release(&err);
		vmb_env_cleanup(&e);
		return 1;
	}

	printf("bench_vm: %u rounds; guest %s + %s, %u MiB, 1 vCPU, TCG; extra kernel params "
	       "\"%s\"; virtiofsd sandbox=%s; scratch %s\n",
	       R, e.kernel, e.initrd, e.memory_mib, e.kernel_params, e.virtiofsd_sandbox, e.tmp);
	{
		enum alt order[A_COUNT];
		unsigned n = 0;

		for (enum alt a = 0; a < A_COUNT; a++)
			if (enabled[a])
				order[n++] = a;
		for (unsigned round = 0; round < R && n > 0; round++)
			for (unsigned i = 0; i < n; i++)
				run_one(&e, order[(i + round) % n], cfg_tcg, cfg_auto, cfg_microvm,
				        round);
	}
	report_boot();
	report_run();
	report_machine();
	report_goals();
	if (part_memory && report_memory(&e, cfg_tcg) < 0)
		ret = 1;
	for (enum alt a = 0; a < A_COUNT; a++)
		if (enabled[a] && (a == A_HULL_CREATE || a == A_HULL_RUN) && failures(a) == R)
			ret = 1; /* hull never worked: that is an error, not a figure */
	printf("\nbench_vm: %.0f s in all\n", (vmb_now_ms() - t_start) / 1e3);
	vmb_env_cleanup(&e);
	return ret;
}
