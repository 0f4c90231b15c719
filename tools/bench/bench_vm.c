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
 *                     hull-microvm); see alts below
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
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "tools/bench/stats.h"
#include "tools/bench/vm_bench.h"

#define MAX_ROUNDS 50
#define GOAL_RATIO 1.10
#define GOAL_ABS_MS 150.0
#define GOAL_RSS_KIB 4096.0

enum part {
	P_BOOT = 1,
	P_MACHINE = 2,
	P_RUN = 4
};

enum alt {
	A_BARE_Q35,
	A_HULL_CREATE,
	A_HULL_AUTO, /* accel=auto (the default): a KVM attempt first on this machine */
	A_BARE_MICROVM,
	A_HULL_MICROVM,
	A_BARE_RUN,
	A_HULL_RUN,
	A_COUNT,
};

static const struct {
	const char *name, *title;
	bool hull, run;
	const char *accel, *machine; /* accel: of hull's configuration */
	unsigned parts;
	bool by_default;
} alts[A_COUNT] = {
    [A_BARE_Q35] = {"bare-q35", "bare QEMU, q35", false, false, NULL, "q35", P_BOOT | P_MACHINE,
                    true},
    [A_HULL_CREATE] = {"hull-create", "hull create, q35 (accel=tcg)", true, false, "tcg", "q35",
                       P_BOOT | P_MACHINE, true},
    [A_HULL_AUTO] = {"hull-auto", "hull create, q35 (accel=auto)", true, false, "auto", "q35",
                     P_BOOT, false},
    [A_BARE_MICROVM] = {"bare-microvm", "bare QEMU, microvm (+ modern virtio-mmio)", false, false,
                        NULL, "microvm", P_MACHINE, true},
    [A_HULL_MICROVM] = {"hull-microvm", "hull create, microvm (accel=tcg)", true, false, "tcg",
                        "microvm", P_MACHINE, false},
    [A_BARE_RUN] = {"bare-run", "bare QEMU, run /bin/true", false, true, NULL, "q35", P_RUN, true},
    [A_HULL_RUN] = {"hull-run", "hull run /bin/true (accel=tcg)", true, true, "tcg", "q35", P_RUN,
                    true},
};

/* Per round: the bare or the hull figures of one alternative. */
struct sample {
	bool ok; /* first: no time is at offset 0 */
	struct vmb_bare_times bare;
	struct vmb_hull_times hull;
};

static struct sample samples[A_COUNT][MAX_ROUNDS];
static bool enabled[A_COUNT];
static unsigned R;

/* The figures of a sample, each the times a - b + c of it (offsets in struct sample; 0: none). */
enum field {
	NONE, /* NAN: a column this alternative does not have */
	B_VFS,
	B_SPAWN,
	B_READY,
	B_PREPARED,
	B_STARTED,
	B_EXITED,
	B_TOTAL,
	B_STOP,
	H_VFS,
	H_QEMU,
	H_READY,
	H_TOTAL,
	H_DELETE,
	B_SPAN, /* the guest's boot: QEMU started -> agent ready; nothing of hull runs in it */
	H_SPAN,
	B_AFTER,
	B_RUN_AFTER,
	H_AFTER,
	B_OWN, /* everything but the guest's boot: what the runtime itself costs */
	B_RUN_OWN,
	H_OWN,
	N_FIELDS,
};

#define B(m) offsetof(struct sample, bare.m)
#define H(m) offsetof(struct sample, hull.m)
static const struct {
	size_t a, b, c;
} fields[N_FIELDS] = {
    [B_VFS] = {B(virtiofsd_ms)},
    [B_SPAWN] = {B(spawned_ms)},
    [B_READY] = {B(ready_ms)},
    [B_PREPARED] = {B(prepared_ms)},
    [B_STARTED] = {B(started_ms)},
    [B_EXITED] = {B(exited_ms)},
    [B_TOTAL] = {B(total_ms)},
    [B_STOP] = {B(stop_ms)},
    [H_VFS] = {H(virtiofsd_ms)},
    [H_QEMU] = {H(qemu_ms)},
    [H_READY] = {H(ready_ms)},
    [H_TOTAL] = {H(total_ms)},
    [H_DELETE] = {H(delete_ms)},
    [B_SPAN] = {B(ready_ms), B(spawned_ms)},
    [H_SPAN] = {H(ready_ms), H(qemu_ms)},
    [B_AFTER] = {B(prepared_ms), B(ready_ms)},
    [B_RUN_AFTER] = {B(total_ms), B(ready_ms)},
    [H_AFTER] = {H(total_ms), H(ready_ms)},
    [B_OWN] = {B(prepared_ms), B(ready_ms), B(spawned_ms)},
    [B_RUN_OWN] = {B(total_ms), B(ready_ms), B(spawned_ms)},
    [H_OWN] = {H(total_ms), H(ready_ms), H(qemu_ms)},
};

static double time_at(const struct sample *s, size_t offset)
{
	return offset ? *(const double *)((const char *)s + offset) : 0;
}

/* f of alternative a in round r; NAN if it failed. */
static double value(enum alt a, unsigned r, enum field f)
{
	const struct sample *s = &samples[a][r];

	if (!s->ok || f == NONE)
		return NAN;
	return time_at(s, fields[f].a) - time_at(s, fields[f].b) + time_at(s, fields[f].c);
}

enum how {
	VALUE, /* f of a, over the rounds */
	DIFF,  /* per round f(a) - g(b), paired: the round's load cancels */
	RATIO, /* per round f(a) / g(b) */
	/* (base(b) + f(a) - g(b)) / base(b): hull's own time as a share of the bare total, so
	 * that the guest's boot, which swings by a second with the machine's load, cancels */
	OWN_RATIO,
};

static struct bench_stats rounds(enum how how, enum alt a, enum field f, enum alt b, enum field g,
                                 enum field base)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++) {
		double x = value(a, r, f), y = value(b, r, g), t = value(b, r, base);

		v[r] = how == VALUE   ? x
		       : how == DIFF  ? x - y
		       : how == RATIO ? x / y
		                      : (t + x - y) / t;
	}
	return bench_summarise(v, R);
}

#define STAT(a, f) rounds(VALUE, a, f, a, f, f)

static unsigned failures(enum alt a)
{
	unsigned n = 0;

	for (unsigned r = 0; r < R; r++)
		n += !samples[a][r].ok;
	return n;
}

static void run_one(struct vmb_env *e, enum alt a, unsigned round)
{
	struct sample *s = &samples[a][round];
	cleanup_error hull_error_t err = NULL;
	char cfg[PATH_MAX];

	if (!alts[a].hull)
		s->ok = vmb_bare(e, alts[a].machine, alts[a].run, &s->bare, &err) == 0;
	else
		s->ok = vmb_env_config(e, alts[a].accel, alts[a].machine, cfg, sizeof(cfg), &err) ==
		            0 &&
		        vmb_hull(e, cfg, alts[a].run, &s->hull, &err) == 0;
	if (!s->ok) {
		cleanup_free char *text = err ? hull_error_text(err) : NULL;

		printf("  round %u %-13s FAILED: %s\n", round + 1, alts[a].name, text ?: "failed");
	} else if (!alts[a].hull && !alts[a].run)
		printf("  round %u %-13s ready %7.0f ms, + prepare_container %7.0f ms\n", round + 1,
		       alts[a].name, s->bare.ready_ms, s->bare.prepared_ms);
	else if (!alts[a].hull)
		printf("  round %u %-13s ready %7.0f ms, exit %7.0f ms, total %7.0f ms\n",
		       round + 1, alts[a].name, s->bare.ready_ms, s->bare.exited_ms,
		       s->bare.total_ms);
	else
		printf("  round %u %-13s ready %7.0f ms (log), exit of hull %7.0f ms%s\n",
		       round + 1, alts[a].name, s->hull.ready_ms, s->hull.total_ms,
		       s->hull.kvm_fallback ? " (KVM tried, TCG used)" : "");
	fflush(stdout);
	/* We are a subreaper: monitors orphaned by `hull create` end up here. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* "| title | f0 | f1 ... | failed |": the first `precise` columns with one decimal. */
static void alt_row(enum alt a, const enum field *cols, size_t n, size_t precise)
{
	printf("| %s ", alts[a].title);
	for (size_t i = 0; i < n; i++)
		bench_print_stat(STAT(a, cols[i]), i < precise);
	printf("| %u/%u |\n", failures(a), R);
}

/* A hull-vs-bare table: both medians, then the per-round paired difference. */
struct phase {
	const char *what;
	enum field h, b;
};

static void phase_table(enum alt h, enum alt b, const struct phase *rows, size_t n)
{
	printf("| phase | hull | bare | hull - bare |\n|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		printf("| %s ", rows[i].what);
		bench_print_stat(STAT(h, rows[i].h), 0);
		bench_print_stat(STAT(b, rows[i].b), 0);
		bench_print_stat(rounds(DIFF, h, rows[i].h, b, rows[i].b, NONE), 0);
		printf("|\n");
	}
}

static void report_boot(void)
{
	static const enum field bare_cols[] = {B_VFS, B_SPAWN, B_READY, B_PREPARED, B_STOP};
	static const enum field hull_cols[] = {H_VFS, H_QEMU, H_READY, H_TOTAL, H_DELETE};
	static const struct phase phases[] = {
	    {"start -> QEMU started", H_QEMU, B_SPAWN},
	    {"QEMU started -> agent ready (the guest's boot)", H_SPAN, B_SPAN},
	    {"agent ready -> rootfs mounted, `hull create` exits", H_AFTER, B_AFTER},
	    {"start -> agent ready", H_READY, B_READY},
	    {"start -> rootfs mounted, `hull create` exits", H_TOTAL, B_PREPARED},
	    {"`hull create` exits vs bare agent ready", H_TOTAL, B_READY},
	    {"all but the guest's boot", H_OWN, B_OWN},
	};

	printf("\n### Boot to agent-ready: medians over %u rounds (min-max), ms from the start\n\n",
	       R);
	printf("| alternative | virtiofsd up | QEMU started | agent ready | + rootfs mounted "
	       "(`hull create` exits) | stop, untimed | failed |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (enum alt a = 0; a < A_COUNT; a++)
		if (enabled[a] && !alts[a].run)
			alt_row(a, alts[a].hull ? hull_cols : bare_cols, 5, 2);
	for (enum alt h = A_HULL_CREATE; enabled[A_BARE_Q35] && h <= A_HULL_AUTO; h++) {
		if (!enabled[h])
			continue;
		printf("\n%s against bare QEMU (q35), by phase, ms: medians (min-max); the "
		       "difference paired per round\n\n",
		       alts[h].title);
		phase_table(h, A_BARE_Q35, phases, sizeof(phases) / sizeof(*phases));
		printf("\nRatios, paired per round: hull create / bare ready+prepare ");
		bench_print_stat(rounds(RATIO, h, H_TOTAL, A_BARE_Q35, B_PREPARED, NONE), 3);
		printf("|; hull create / bare ready ");
		bench_print_stat(rounds(RATIO, h, H_TOTAL, A_BARE_Q35, B_READY, NONE), 3);
		printf("|; with the guest's boot taken as equal ");
		bench_print_stat(rounds(OWN_RATIO, h, H_OWN, A_BARE_Q35, B_OWN, B_PREPARED), 3);
		printf("|\n");
	}
}

static void report_run(void)
{
	static const enum field bare_cols[] = {B_SPAWN,   B_READY,  B_PREPARED,
	                                       B_STARTED, B_EXITED, B_TOTAL};
	static const enum field hull_cols[] = {H_QEMU, H_READY, NONE, NONE, NONE, H_TOTAL};
	static const struct phase phases[] = {
	    {"start -> QEMU started", H_QEMU, B_SPAWN},
	    {"QEMU started -> agent ready (the guest's boot)", H_SPAN, B_SPAN},
	    {"agent ready -> all done", H_AFTER, B_RUN_AFTER},
	    {"whole run", H_TOTAL, B_TOTAL},
	    {"all but the guest's boot", H_OWN, B_RUN_OWN},
	};

	if (!enabled[A_BARE_RUN] && !enabled[A_HULL_RUN])
		return;
	printf("\n### Run of /bin/true: medians over %u rounds (min-max), ms from the start\n\n",
	       R);
	printf(
	    "| alternative | QEMU started | agent ready | rootfs mounted | process started | exit "
	    "event | all done | failed |\n|---|---|---|---|---|---|---|---|\n");
	if (enabled[A_BARE_RUN])
		alt_row(A_BARE_RUN, bare_cols, 6, 1);
	if (enabled[A_HULL_RUN])
		alt_row(A_HULL_RUN, hull_cols, 6, 1);
	if (!enabled[A_BARE_RUN] || !enabled[A_HULL_RUN])
		return;
	printf("\n`hull run` against the bare run, by phase, ms: medians (min-max); the "
	       "difference paired per round\n\n");
	phase_table(A_HULL_RUN, A_BARE_RUN, phases, sizeof(phases) / sizeof(*phases));
	printf("\nRatios, paired per round: hull run / bare run ");
	bench_print_stat(rounds(RATIO, A_HULL_RUN, H_TOTAL, A_BARE_RUN, B_TOTAL, NONE), 3);
	printf("|; with the guest's boot taken as equal ");
	bench_print_stat(rounds(OWN_RATIO, A_HULL_RUN, H_OWN, A_BARE_RUN, B_RUN_OWN, B_TOTAL), 3);
	printf("|\n");
}

static void report_machine(void)
{
	/* Each machine's row, and microvm's ratio to q35's (bare: agent ready; hull: exit). */
	static const struct {
		enum alt a, base;
		const char *label;
		enum field ready, done, ratio;
	} rows[] = {
	    {A_BARE_Q35, A_COUNT, "q35, bare", B_READY, B_PREPARED, NONE},
	    {A_BARE_MICROVM, A_BARE_Q35, "microvm, bare", B_READY, B_PREPARED, B_READY},
	    {A_HULL_CREATE, A_COUNT, "q35, hull create", H_READY, H_TOTAL, NONE},
	    {A_HULL_MICROVM, A_HULL_CREATE, "microvm, hull create", H_READY, H_TOTAL, H_TOTAL},
	};

	if (!enabled[A_BARE_MICROVM] && !enabled[A_HULL_MICROVM])
		return;
	printf(
	    "\n### q35 against microvm, boot to agent-ready, medians over %u rounds (min-max)\n\n",
	    R);
	printf("| machine | agent ready, ms | + rootfs mounted, ms | failed (hung: > %s s) | "
	       "microvm / q35, paired |\n|---|---|---|---|---|\n",
	       getenv("BENCH_VM_TIMEOUT") ?: "30");
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		if (!enabled[rows[i].a])
			continue;
		printf("| %s ", rows[i].label);
		bench_print_stat(STAT(rows[i].a, rows[i].ready), 0);
		bench_print_stat(STAT(rows[i].a, rows[i].done), 0);
		printf("| %u/%u ", failures(rows[i].a), R);
		if (rows[i].base == A_COUNT)
			printf("| 1 ");
		else
			bench_print_stat(rounds(RATIO, rows[i].a, rows[i].ratio, rows[i].base,
			                        rows[i].ratio, NONE),
			                 3);
		printf("|\n");
	}
}

static int report_memory(struct vmb_env *e)
{
	cleanup_error hull_error_t err = NULL;
	char cfg[PATH_MAX];
	struct vmb_memory m;

	printf("\n### Memory of hull's monitor, container running `sleep 600`\n\n");
	if (vmb_env_config(e, "tcg", "q35", cfg, sizeof(cfg), &err) < 0 ||
	    vmb_hull_memory(e, cfg, 2000, &m, &err) < 0) {
		cleanup_free char *text = hull_error_text(err);

		printf("FAILED: %s\n", text ?: "?");
		return -1;
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
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

/* A goal line: hull's paired difference and ratio to bare; with H_OWN, the guest's boot
 * taken as equal, base being bare's raw total. */
static void goal_line(const char *what, enum alt h, enum field hf, enum alt b, enum field bf,
                      enum field base)
{
	struct bench_stats d = rounds(DIFF, h, hf, b, bf, NONE),
	                   q = rounds(hf == H_OWN ? OWN_RATIO : RATIO, h, hf, b, bf, base);

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
	goal_line("`hull create` exits vs bare agent ready, raw", A_HULL_CREATE, H_TOTAL,
	          A_BARE_Q35, B_READY, NONE);
	goal_line("`hull create` exits vs bare ready + prepare_container, raw", A_HULL_CREATE,
	          H_TOTAL, A_BARE_Q35, B_PREPARED, NONE);
	goal_line("the same, the guest's boot taken as equal", A_HULL_CREATE, H_OWN, A_BARE_Q35,
	          B_OWN, B_PREPARED);
	if (!enabled[A_BARE_RUN] || !enabled[A_HULL_RUN])
		return;
	goal_line("`hull run` of true vs the bare run, raw", A_HULL_RUN, H_TOTAL, A_BARE_RUN,
	          B_TOTAL, NONE);
	goal_line("the same, the guest's boot taken as equal", A_HULL_RUN, H_OWN, A_BARE_RUN,
	          B_RUN_OWN, B_TOTAL);
}

int main(void)
{
	const char *parts = getenv("BENCH_VM_PARTS") ?: "boot,run,memory";
	const char *alt_list = getenv("BENCH_VM_ALTS"), *why = NULL;
	struct vmb_env e = {0};
	cleanup_error hull_error_t err = NULL;
	unsigned part_mask = (bench_listed(parts, "boot") ? P_BOOT : 0) |
	                     (bench_listed(parts, "machine") ? P_MACHINE : 0) |
	                     (bench_listed(parts, "run") ? P_RUN : 0);
	enum alt order[A_COUNT];
	unsigned n = 0;
	double t_start = bench_now_ms();
	int r, ret = 0;

	R = (unsigned)bench_env("BENCH_VM_ROUNDS", 5, 1, MAX_ROUNDS);
	e.timeout_ms = (int)bench_env("BENCH_VM_TIMEOUT", 30, 1, 3600) * 1000;
	e.memory_mib = (unsigned)bench_env("BENCH_VM_MEMORY", 512, 1, 1 << 20);
	e.kernel_params = getenv("BENCH_VM_KERNEL_PARAMS");
	for (enum alt a = 0; a < A_COUNT; a++) {
		enabled[a] = (alts[a].parts & part_mask) &&
		             (alt_list ? bench_listed(alt_list, alts[a].name) : alts[a].by_default);
		if (enabled[a])
			order[n++] = a;
	}
	if (hull_log_init(NULL, HULL_LOG_TEXT, getenv("HULL_DEBUG") != NULL, &err) < 0)
		return 1;
	r = vmb_env_init(&e, &why, &err);
	if (r == 0) {
		printf("bench_vm: skipped: %s\n", why);
		return 0;
	}
	if (r < 0) {
		cleanup_free char *text = err ? hull_error_text(err) : NULL;

		fprintf(stderr, "bench_vm: %s\n", text ?: "setup failed");
		vmb_env_cleanup(&e);
		return 1;
	}
	printf("bench_vm: %u rounds; guest %s + %s, %u MiB, 1 vCPU, TCG; extra kernel params "
	       "\"%s\"; virtiofsd sandbox=%s; scratch %s\n",
	       R, e.kernel, e.initrd, e.memory_mib, e.kernel_params, e.virtiofsd_sandbox, e.tmp);
	for (unsigned round = 0; round < R && n > 0; round++)
		for (unsigned i = 0; i < n; i++)
			run_one(&e, order[(i + round) % n], round);
	report_boot();
	report_run();
	report_machine();
	report_goals();
	if (bench_listed(parts, "memory") && report_memory(&e) < 0)
		ret = 1;
	for (enum alt a = 0; a < A_COUNT; a++)
		if (enabled[a] && (a == A_HULL_CREATE || a == A_HULL_RUN) && failures(a) == R)
			ret = 1; /* hull never worked: that is an error, not a figure */
	printf("\nbench_vm: %.0f s in all\n", (bench_now_ms() - t_start) / 1e3);
	vmb_env_cleanup(&e);
	return ret;
}
