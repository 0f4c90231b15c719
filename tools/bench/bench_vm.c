/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's VM sandbox against bare QEMU, and the accelerator choice
 * (docs/benchmarks.md, "VM sandbox" and "Accelerator choice"): boot, run,
 * machine (q35 against microvm), memory (the monitor's RSS and PSS) and
 * accel (forced, auto, a hanging KVM, `hull check`), alternatives
 * interleaved in rounds, the first rotating; medians over the rounds.  The
 * BENCH_VM_* variables are in docs/benchmarks.md; the alternatives' names
 * in alts below.  Needs root and `make guest`; prints a skip line and exits
 * 0 otherwise.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/accel.h"
#include "tools/bench/stats.h"
#include "tools/bench/vm_bench.h"

#define MAX_ROUNDS 50
#define GOAL_RATIO 1.10
#define GOAL_ABS_MS 150.0
#define GOAL_RSS_KIB 4096.0
#define GOAL_LATER 1.02
#define GOAL_PROBE 1.10
#define GOAL_CHECK_MS 50.0
#define COUNT(array) (sizeof(array) / sizeof(*(array)))

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
	B_CREATED,
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
    [B_CREATED] = {B(created_ms)},
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
    [B_AFTER] = {B(created_ms), B(ready_ms)},
    [B_RUN_AFTER] = {B(total_ms), B(ready_ms)},
    [H_AFTER] = {H(total_ms), H(ready_ms)},
    [B_OWN] = {B(created_ms), B(ready_ms), B(spawned_ms)},
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
	/* Per round f(a) / g(b); with a base, (base(b) + f(a) - g(b)) / base(b): hull's own time
	 * as a share of the bare total, so that the guest's boot, which swings by a second with
	 * the machine's load, cancels. */
	RATIO,
};

static struct bench_stats rounds(enum how how, enum alt a, enum field f, enum alt b, enum field g,
                                 enum field base)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++) {
		double x = value(a, r, f), y = value(b, r, g), t = value(b, r, base);

		v[r] = how == VALUE   ? x
		       : how == DIFF  ? x - y
		       : base == NONE ? x / y
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

/* "<prefix>FAILED: <err>" */
static void print_failure(const char *prefix, const struct hull_error *err)
{
	cleanup_free char *text = err ? hull_error_text(err) : NULL;

	printf("%sFAILED: %s\n", prefix, text ?: "?");
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
	printf("  round %u %-13s ", round + 1, alts[a].name);
	if (!s->ok)
		print_failure("", err);
	else if (!alts[a].hull && !alts[a].run)
		printf("ready %7.0f ms, + create_container %7.0f ms\n", s->bare.ready_ms,
		       s->bare.created_ms);
	else if (!alts[a].hull)
		printf("ready %7.0f ms, exit %7.0f ms, total %7.0f ms\n", s->bare.ready_ms,
		       s->bare.exited_ms, s->bare.total_ms);
	else
		printf("ready %7.0f ms (log), exit of hull %7.0f ms%s\n", s->hull.ready_ms,
		       s->hull.total_ms, s->hull.kvm_fallback ? " (KVM tried, TCG used)" : "");
	fflush(stdout);
	bench_reap_children(); /* monitors orphaned by `hull create` end up here (a subreaper) */
}

/* "| title | f0 | f1 ... | failed |": the first `precise` columns with one decimal. */
static void alt_row(enum alt a, const enum field *cols, size_t n, size_t precise)
{
	printf("| %s ", alts[a].title);
	for (size_t i = 0; i < n; i++)
		bench_print_stat(STAT(a, cols[i]), i < precise);
	printf("| %u/%u |\n", failures(a), R);
}

/* A phase of hull's against the same of bare's. */
struct phase {
	const char *what;
	enum field h, b;
};

/* A ratio paired per round (RATIO). */
struct ratio {
	const char *what;
	enum field f, g, base;
};

/* hull's h against bare's b by phase (both medians, then the paired difference), then ratios. */
static void versus(const char *title, enum alt h, enum alt b, const struct phase *phases,
                   size_t n_phases, const struct ratio *ratios, size_t n_ratios)
{
	printf("\n%s, by phase, ms: medians (min-max); the difference paired per round\n\n"
	       "| phase | hull | bare | hull - bare |\n|---|---|---|---|\n",
	       title);
	for (size_t i = 0; i < n_phases; i++) {
		printf("| %s ", phases[i].what);
		bench_print_stat(STAT(h, phases[i].h), 0);
		bench_print_stat(STAT(b, phases[i].b), 0);
		bench_print_stat(rounds(DIFF, h, phases[i].h, b, phases[i].b, NONE), 0);
		printf("|\n");
	}
	for (size_t i = 0; i < n_ratios; i++) {
		printf("%s%s ", i ? "|; " : "\nRatios, paired per round: ", ratios[i].what);
		bench_print_stat(rounds(RATIO, h, ratios[i].f, b, ratios[i].g, ratios[i].base), 3);
	}
	printf("|\n");
}

static void report_boot(void)
{
	static const enum field bare_cols[] = {B_VFS, B_SPAWN, B_READY, B_CREATED, B_STOP};
	static const enum field hull_cols[] = {H_VFS, H_QEMU, H_READY, H_TOTAL, H_DELETE};
	static const struct phase phases[] = {
	    {"start -> QEMU started", H_QEMU, B_SPAWN},
	    {"QEMU started -> agent ready (the guest's boot)", H_SPAN, B_SPAN},
	    {"agent ready -> rootfs mounted, `hull create` exits", H_AFTER, B_AFTER},
	    {"start -> agent ready", H_READY, B_READY},
	    {"start -> rootfs mounted, `hull create` exits", H_TOTAL, B_CREATED},
	    {"`hull create` exits vs bare agent ready", H_TOTAL, B_READY},
	    {"all but the guest's boot", H_OWN, B_OWN},
	};
	static const struct ratio ratios[] = {
	    {"hull create / bare ready+create", H_TOTAL, B_CREATED, NONE},
	    {"hull create / bare ready", H_TOTAL, B_READY, NONE},
	    {"with the guest's boot taken as equal", H_OWN, B_OWN, B_CREATED},
	};
	char title[128];

	printf("\n### Boot to agent-ready: medians over %u rounds (min-max), ms from the start\n\n",
	       R);
	printf("| alternative | virtiofsd up | QEMU started | agent ready | + rootfs mounted "
	       "(`hull create` exits) | stop, untimed | failed |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (enum alt a = 0; a < A_COUNT; a++)
		if (enabled[a] && !alts[a].run)
			alt_row(a, alts[a].hull ? hull_cols : bare_cols, 5, 2);
	for (enum alt h = A_HULL_CREATE; enabled[A_BARE_Q35] && h <= A_HULL_AUTO; h++) {
		vmb_fmt(title, sizeof(title), "%s against bare QEMU (q35)", alts[h].title);
		if (enabled[h])
			versus(title, h, A_BARE_Q35, phases, COUNT(phases), ratios, COUNT(ratios));
	}
}

static void report_run(void)
{
	static const enum field bare_cols[] = {B_SPAWN,   B_READY,  B_CREATED,
	                                       B_STARTED, B_EXITED, B_TOTAL};
	static const enum field hull_cols[] = {H_QEMU, H_READY, NONE, NONE, NONE, H_TOTAL};
	static const struct phase phases[] = {
	    {"start -> QEMU started", H_QEMU, B_SPAWN},
	    {"QEMU started -> agent ready (the guest's boot)", H_SPAN, B_SPAN},
	    {"agent ready -> all done", H_AFTER, B_RUN_AFTER},
	    {"whole run", H_TOTAL, B_TOTAL},
	    {"all but the guest's boot", H_OWN, B_RUN_OWN},
	};
	static const struct ratio ratios[] = {
	    {"hull run / bare run", H_TOTAL, B_TOTAL, NONE},
	    {"with the guest's boot taken as equal", H_OWN, B_RUN_OWN, B_TOTAL},
	};

	if (!enabled[A_BARE_RUN] && !enabled[A_HULL_RUN])
		return;
	printf("\n### Run of /bin/true: medians over %u rounds (min-max), ms from the start\n\n",
	       R);
	printf(
	    "| alternative | QEMU started | agent ready | rootfs mounted | process started | exit "
	    "event | all done | failed |\n|---|---|---|---|---|---|---|---|\n");
	for (enum alt a = A_BARE_RUN; a <= A_HULL_RUN; a++)
		if (enabled[a])
			alt_row(a, alts[a].hull ? hull_cols : bare_cols, 6, 1);
	if (enabled[A_BARE_RUN] && enabled[A_HULL_RUN])
		versus("`hull run` against the bare run", A_HULL_RUN, A_BARE_RUN, phases,
		       COUNT(phases), ratios, COUNT(ratios));
}

static void report_machine(void)
{
	/* Each machine's row, and microvm's ratio to q35's (bare: agent ready; hull: exit). */
	static const struct {
		enum alt a, base;
		const char *label;
		enum field ready, done, ratio;
	} rows[] = {
	    {A_BARE_Q35, A_COUNT, "q35, bare", B_READY, B_CREATED, NONE},
	    {A_BARE_MICROVM, A_BARE_Q35, "microvm, bare", B_READY, B_CREATED, B_READY},
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
	for (size_t i = 0; i < COUNT(rows); i++) {
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
		print_failure("", err);
		return -1;
	}
	bench_reap_children();
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
	                   q = rounds(RATIO, h, hf, b, bf, base);

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
	goal_line("`hull create` exits vs bare ready + create_container, raw", A_HULL_CREATE,
	          H_TOTAL, A_BARE_Q35, B_CREATED, NONE);
	goal_line("the same, the guest's boot taken as equal", A_HULL_CREATE, H_OWN, A_BARE_Q35,
	          B_OWN, B_CREATED);
	if (!enabled[A_BARE_RUN] || !enabled[A_HULL_RUN])
		return;
	goal_line("`hull run` of true vs the bare run, raw", A_HULL_RUN, H_TOTAL, A_BARE_RUN,
	          B_TOTAL, NONE);
	goal_line("the same, the guest's boot taken as equal", A_HULL_RUN, H_OWN, A_BARE_RUN,
	          B_RUN_OWN, B_TOTAL);
}

#define CHECK_REPEATS 10

enum accel_alt {
	FORCED,
	AUTO_LATER,
	AUTO_FIRST,
	X_TCG,
	HANG_LATER,
	HANG_FIRST,
	X_BARE,
	X_PROBE,
	X_CHECK,
	N_ACCEL
};

static const char *const accel_names[N_ACCEL] = {
    "forced",     "auto-later", "auto-first", "tcg",   "hang-later",
    "hang-first", "bare",       "probe",      "check",
};

/*
 * The `hull create` alternatives: accel (NULL: forced_accel), the state
 * root <tmp>/root-<root> (NULL: a fresh one each time), HULL_TEST_KVM.
 */
static const struct {
	const char *accel, *root, *test_kvm;
} creates[HANG_FIRST + 1] = {
    [FORCED] = {NULL, "later", NULL},         [AUTO_LATER] = {"auto", "later", NULL},
    [AUTO_FIRST] = {"auto", NULL, NULL},      [X_TCG] = {"tcg", "later", NULL},
    [HANG_LATER] = {"auto", "hang", "stall"}, [HANG_FIRST] = {"auto", NULL, "stall"},
};

static double accel_ms[N_ACCEL][MAX_ROUNDS];
/* hull create only: exec to the (last) "QEMU: " log line, where the choice is made. */
static double accel_qemu_ms[N_ACCEL][MAX_ROUNDS];
static char forced_accel[8] = "tcg";

/* `hull create` + delete, accel=accel, in root <tmp>/root-<root>, under HULL_TEST_KVM=test_kvm. */
static double create_ms(struct vmb_env *e, const char *accel, const char *root,
                        const char *test_kvm, bool *fallback, double *to_qemu)
{
	cleanup_error hull_error_t err = NULL;
	struct vmb_hull_times t = {0};
	char saved[PATH_MAX], what[PATH_MAX + 32], config[PATH_MAX];
	int r;

	memcpy(saved, e->root, sizeof(saved));
	vmb_fmt(e->root, sizeof(e->root), "%s/root-%s", e->tmp, root);
	if (test_kvm)
		setenv(ACCEL_TEST_ENV, test_kvm, 1);
	r = vmb_env_config(e, accel, "q35", config, sizeof(config), &err) < 0
	        ? -1
	        : vmb_hull(e, config, false, &t, &err);
	unsetenv(ACCEL_TEST_ENV);
	if (fallback)
		*fallback = t.kvm_fallback;
	if (to_qemu)
		*to_qemu = r < 0 ? NAN : t.qemu_ms;
	if (r < 0) {
		vmb_fmt(what, sizeof(what), "    hull create in %s ", e->root);
		print_failure(what, err);
	}
	memcpy(e->root, saved, sizeof(saved));
	return r < 0 ? NAN : t.total_ms;
}

static double check_ms(struct vmb_env *e, bool boot, json_t **report)
{
	cleanup_error hull_error_t err = NULL;
	char config[PATH_MAX];
	double t;

	if (vmb_env_config(e, "auto", "q35", config, sizeof(config), &err) < 0 ||
	    vmb_hull_check(e, config, boot, &t, report, &err) < 0) {
		print_failure("    hull check ", err);
		return NAN;
	}
	return t;
}

/* The probe's boot: under KVM when kvm.boot is ok, else the X_TCG "boot" item. */
static double probe_ms(struct vmb_env *e)
{
	static const char *const items[] = {"kvm.boot", "boot"};
	cleanup_json json_t *report = NULL;
	json_t *c;
	size_t i;

	if (isnan(check_ms(e, true, &report)))
		return NAN;
	for (size_t k = 0; k < COUNT(items); k++)
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

static void accel_run_one(struct vmb_env *e, enum accel_alt a, unsigned round)
{
	double v = NAN, each[CHECK_REPEATS];
	cleanup_error hull_error_t err = NULL;
	struct vmb_bare_times t;
	char fresh[32];

	accel_qemu_ms[a][round] = NAN;
	if (a <= HANG_FIRST) {
		vmb_fmt(fresh, sizeof(fresh), "%s-%u", accel_names[a], round);
		v = create_ms(e, creates[a].accel ?: forced_accel, creates[a].root ?: fresh,
		              creates[a].test_kvm, NULL, &accel_qemu_ms[a][round]);
	} else if (a == X_BARE) {
		if (vmb_bare(e, "q35", false, &t, &err) == 0)
			v = t.ready_ms - t.spawned_ms;
		else
			print_failure("    bare ", err);
	} else if (a == X_PROBE) {
		v = probe_ms(e);
	} else {
		for (unsigned i = 0; i < CHECK_REPEATS; i++) {
			cleanup_json json_t *report = NULL;

			each[i] = check_ms(e, false, &report);
		}
		v = bench_summarise(each, CHECK_REPEATS).median;
	}
	accel_ms[a][round] = v;
	printf("  round %u %-11s %8.1f ms\n", round + 1, accel_names[a], v);
	fflush(stdout);
	bench_reap_children(); /* monitors orphaned by `hull create` end up here (a subreaper) */
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
 * under X_TCG on this host): (b + (a's time to QEMU's start - minus_ms -
 * b's)) / b, b being b's whole create.
 */
static struct bench_stats accel_ratio(enum accel_alt a, double minus_ms, enum accel_alt b, bool own)
{
	double v[MAX_ROUNDS];

	for (unsigned r = 0; r < R; r++)
		v[r] = ((own ? accel_ms[b][r] + accel_qemu_ms[a][r] - accel_qemu_ms[b][r]
		             : accel_ms[a][r]) -
		        minus_ms) /
		       accel_ms[b][r];
	return bench_summarise(v, R);
}

static void accel_report(void)
{
	static const struct {
		enum accel_alt a;
		const char *what;
		enum accel_alt base; /* N_ACCEL: none */
		double minus_ms;
	} rows[] = {
	    {FORCED, "`hull create`, accel forced by hand", N_ACCEL, 0},
	    {AUTO_LATER, "`hull create`, accel=auto, verdict saved", FORCED, 0},
	    {AUTO_FIRST, "`hull create`, accel=auto, fresh state root", FORCED, 0},
	    {X_TCG, "`hull create`, accel=tcg", N_ACCEL, 0},
	    {HANG_LATER, "`hull create`, KVM hangs, verdict saved", X_TCG, 0},
	    {HANG_FIRST, "`hull create`, KVM hangs, fresh state root", X_TCG, 0},
	    {HANG_FIRST, "the same", X_TCG, ACCEL_WATCHDOG_MS},
	    {X_BARE, "bare QEMU (TCG): QEMU started -> agent ready", N_ACCEL, 0},
	    {X_PROBE, "`hull check` probe: QEMU started -> agent answered", X_BARE, 0},
	    {X_CHECK, "`hull check --no-boot`, exec to exit", N_ACCEL, 0},
	};

	printf("\n### Medians over %u rounds (min-max), ms; ratios paired per round\n\n", R);
	printf("| alternative | what is timed | ms | to QEMU's (last) start, ms | against | ratio, "
	       "raw | ratio, the guest's boot taken as equal |\n|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < COUNT(rows); i++) {
		enum accel_alt a = rows[i].a, base = rows[i].base;
		bool create = a <= HANG_FIRST;

		printf("| %s | %s ", accel_names[a], rows[i].what);
		bench_print_stat(stat_of(accel_ms[a]), 0);
		if (create)
			bench_print_stat(stat_of(accel_qemu_ms[a]), 0);
		else
			printf("| ");
		if (base == N_ACCEL) {
			printf("| | | |\n");
			continue;
		}
		printf("| %s%s ", accel_names[base],
		       rows[i].minus_ms > 0 ? ", less the watchdog" : "");
		bench_print_stat(accel_ratio(a, rows[i].minus_ms, base, false), 3);
		if (create)
			bench_print_stat(accel_ratio(a, rows[i].minus_ms, base, true), 3);
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
static int settle(struct vmb_env *e, const char *root, const char *test_kvm)
{
	bool fallback = false;
	double v = create_ms(e, "auto", root, test_kvm, &fallback, NULL);

	return isnan(v) ? -1 : fallback ? 1 : 0;
}

/* The accel part: settles what "forced by hand" means, then its rounds, table and goals. */
static int accel_part(struct vmb_env *e)
{
	cleanup_json json_t *verdict = NULL;
	char path[PATH_MAX + 32];
	int fell_back = settle(e, "later", NULL);

	if (fell_back < 0 || settle(e, "hang", "stall") < 0)
		return -1;
	vmb_fmt(path, sizeof(path), "%s/root-later/host:accel.json", e->tmp);
	verdict = json_load_file(path, 0, NULL);
	if (strcmp(json_string_value(json_object_get(verdict, "accel")) ?: "", "kvm") == 0)
		vmb_fmt(forced_accel, sizeof(forced_accel), "kvm");
	printf("\n### Accelerator choice\n\naccel=auto settles on %s here%s; q35\n", forced_accel,
	       fell_back ? " (after a failed KVM attempt)" : "");
	for (unsigned round = 0; round < R; round++)
		for (unsigned i = 0; i < N_ACCEL; i++)
			accel_run_one(e, (enum accel_alt)((i + round) % N_ACCEL), round);
	accel_report();

	printf("\n### Accelerator choice: goals\n\n");
	printf("hull's own time is compared with the guest's boot taken as equal (the raw "
	       "ratios in the table swing with the guest's boot, +-15 %% from round to round "
	       "here).\n\n");
	goal("auto, later sandboxes / forced", accel_ratio(AUTO_LATER, 0, FORCED, true), GOAL_LATER,
	     "x");
	goal("KVM hangs, later sandboxes / forced TCG", accel_ratio(HANG_LATER, 0, X_TCG, true),
	     GOAL_LATER, "x");
	goal("KVM hangs, the probing sandbox less the watchdog / forced TCG",
	     accel_ratio(HANG_FIRST, ACCEL_WATCHDOG_MS, X_TCG, true), GOAL_LATER, "x");
	goal("auto, the probing sandbox / forced", accel_ratio(AUTO_FIRST, 0, FORCED, true),
	     GOAL_LATER, "x");
	goal("probe boot / bare boot", accel_ratio(X_PROBE, 0, X_BARE, false), GOAL_PROBE, "x");
	goal("`hull check --no-boot`", stat_of(accel_ms[X_CHECK]), GOAL_CHECK_MS, " ms");
	if (strcmp(forced_accel, "kvm") == 0)
		printf("\n(KVM works here: the probe boots under KVM and bare under TCG, so their "
		       "ratio is not a like-for-like figure.)\n");
	return 0;
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
	if (n > 0) {
		report_boot();
		report_run();
		report_machine();
		report_goals();
	}
	if (bench_listed(parts, "accel") && accel_part(&e) < 0)
		ret = 1;
	if (bench_listed(parts, "memory") && report_memory(&e) < 0)
		ret = 1;
	for (enum alt a = 0; a < A_COUNT; a++)
		if (enabled[a] && (a == A_HULL_CREATE || a == A_HULL_RUN) && failures(a) == R)
			ret = 1; /* hull never worked: that is an error, not a figure */
	printf("\nbench_vm: %.0f s in all\n", (bench_now_ms() - t_start) / 1e3);
	vmb_env_cleanup(&e);
	return ret;
}
