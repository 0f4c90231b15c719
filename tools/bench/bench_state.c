/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How long the persisted state costs a hull command (persist/store.h):
 * save and load of one sandbox with 1, 16 and 64 endpoints, and `hull
 * list` over 1000 sandboxes (list + load each).  Every measurement is
 * repeated and reported as median (min..max).
 *
 * Save includes two fsyncs (the file and its directory), so it measures
 * the disk as much as hull; the same runs are made on a tmpfs
 * (/dev/shm), where fsync is nearly free, to show hull's own share;
 * /run, where hull keeps its state, is a tmpfs too.  The CPU rows are
 * the process's CPU time, which other load on the machine inflates less
 * than the wall-clock rows.
 *
 *   build/bench/bench_state [repeats]     (default 21)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "net/tap.h"
#include "persist/store.h"
#include "tools/bench/stats.h"

#define GOAL_SAVE_LOAD_16_US 1000.0
#define GOAL_LIST_1000_US 1000000.0
#define N_SANDBOXES 1000

static void die(const char *what, hull_error_t err)
{
	cleanup_free char *text = err ? hull_error_text(err) : NULL;

	fprintf(stderr, "bench_state: %s: %s\n", what, text ?: "?");
	exit(1);
}

/* A sandbox as hull would record it: each endpoint with 2 addresses, 2 routes, 1 neighbour. */
static void build_state(struct hull_sandbox_state *st, const char *id, int n_endpoints)
{
	char ts[40];
	int i;

	hull_state_init(st);
	hull_state_timestamp(ts, sizeof(ts));
	st->sandbox.id = strdup(id);
	st->sandbox.bundle = strdup("/var/lib/containers/bundle");
	st->sandbox.status = HULL_STATUS_RUNNING;
	st->sandbox.created = strdup(ts);
	st->sandbox.monitor_pid = 1234;
	st->hypervisor.pid = 1235;
	st->hypervisor.qmp_socket = strdup("/run/hull/x/qmp.sock");
	st->hypervisor.agent_socket = strdup("/run/hull/x/agent.sock");
	st->hypervisor.vcpus = 2;
	st->hypervisor.memory_mib = 512;
	st->hypervisor.kernel = strdup("/usr/share/hull/vmlinuz");
	st->network.netns_path = strdup("/var/run/netns/cni-1");
	for (i = 0; i < n_endpoints; i++) {
		struct hull_endpoint *ep = hull_state_add_endpoint(st);
		struct hull_ip_addr *a = ep->addrs = calloc(2, sizeof(*ep->addrs));
		struct hull_route *r = ep->routes = calloc(2, sizeof(*ep->routes));
		struct hull_neighbour *nb = ep->neighbours = calloc(1, sizeof(*ep->neighbours));

		snprintf(ep->name, sizeof(ep->name), "eth%d", i);
		ep->ifindex = 2 + i;
		ep->mtu = 1500;
		ep->n_addrs = 2;
		hull_prefix_parse("10.0.0.2/24", &a[0].family, a[0].addr, &a[0].prefix_len);
		a[0].addr[2] = (uint8_t)i;
		hull_prefix_parse("fd00::2/64", &a[1].family, a[1].addr, &a[1].prefix_len);
		ep->n_routes = 2;
		r[0].has_gateway = true;
		hull_ip_parse("10.0.0.1", &r[0].family, r[0].gateway);
		r[1].has_gateway = true;
		hull_ip_parse("fe80::1", &r[1].family, r[1].gateway);
		ep->n_neighbours = 1;
		hull_ip_parse("10.0.0.1", &nb->family, nb->addr);
		hull_tap_name((unsigned)i, ep->vm_ifname);
		snprintf(ep->bpf_pin_dir, sizeof(ep->bpf_pin_dir), "/sys/fs/bpf/hull/%s/eth%d", id,
		         i);
		ep->done = HULL_STEP_TAP_CREATED | HULL_STEP_LINK_QDISC_ADDED |
		           HULL_STEP_FROM_GUEST_FILTER;
	}
}

/* "what  median unit   (min .. max)" of v[0..n-1], in µs (shown in unit: "us" or "ms"). */
static double print_row(const char *what, double *v, int n, const char *unit)
{
	struct bench_stats s = bench_summarise(v, (unsigned)n);
	double div = strcmp(unit, "ms") == 0 ? 1000.0 : 1.0;

	printf("  %-34s %10.1f %s   (%.1f .. %.1f)\n", what, s.median / div, unit, s.min / div,
	       s.max / div);
	return s.median;
}

/* Save+load of one sandbox with n endpoints; returns the median of save+load. */
static double bench_one(const char *root, int n_endpoints, int repeats)
{
	static const char *const what[] = {"save (with fsync)", "load", "save + load",
	                                   "save + load, CPU"};
	struct hull_sandbox_state st, loaded;
	hull_error_t err = NULL;
	cleanup_free double *t = calloc((size_t)repeats * 4, sizeof(double));
	double *save = t, *load = t + repeats, *both = t + 2 * repeats, *cpu = t + 3 * repeats;
	double medians[4];
	char id[32], label[64];

	snprintf(id, sizeof(id), "bench-%d", n_endpoints);
	build_state(&st, id, n_endpoints);
	hull_state_init(&loaded);
	if (t == NULL || hull_state_create(root, &st, &err) < 0)
		die("create", err);
	for (int r = 0; r < repeats; r++) {
		double c0 = bench_ms(CLOCK_PROCESS_CPUTIME_ID), t0 = bench_now_ms(), t1, t2;

		if (hull_state_save(root, &st, &err) < 0)
			die("save", err);
		t1 = bench_now_ms();
		if (hull_state_load(root, id, &loaded, &err) < 0)
			die("load", err);
		t2 = bench_now_ms();
		if (loaded.network.n_endpoints != (size_t)n_endpoints)
			die("load returned the wrong state", NULL);
		save[r] = (t1 - t0) * 1e3;
		load[r] = (t2 - t1) * 1e3;
		both[r] = (t2 - t0) * 1e3;
		cpu[r] = (bench_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3;
	}
	for (int i = 0; i < 4; i++) {
		snprintf(label, sizeof(label), "%2d endpoints: %s", n_endpoints, what[i]);
		medians[i] = print_row(label, t + i * repeats, repeats, "us");
	}
	hull_state_free(&st);
	hull_state_free(&loaded);
	return medians[2];
}

/* `hull list`: list + load every sandbox; returns the median. */
static double bench_list(const char *root, int repeats)
{
	struct hull_sandbox_state st;
	hull_error_t err = NULL;
	cleanup_free double *t = calloc((size_t)repeats, sizeof(double));
	char id[32];

	for (int i = 0; i < N_SANDBOXES; i++) {
		snprintf(id, sizeof(id), "sandbox-%04d", i);
		build_state(&st, id, 1);
		if (t == NULL || hull_state_create(root, &st, &err) < 0)
			die("create", err);
		hull_state_free(&st);
	}
	for (int r = 0; r < repeats; r++) {
		double t0 = bench_now_ms();
		char **ids;
		size_t n;

		if (hull_state_list(root, &ids, &n, &err) < 0)
			die("list", err);
		for (size_t k = 0; k < n; k++) {
			if (hull_state_load(root, ids[k], &st, &err) < 0)
				die("load", err);
			hull_state_free(&st);
		}
		hull_state_list_free(ids);
		t[r] = (bench_now_ms() - t0) * 1e3;
		/* 1000 bench-* of this run plus the three single-sandbox ones */
		if (n < N_SANDBOXES)
			die("list found too few sandboxes", NULL);
	}
	return print_row("list + load 1000 sandboxes", t, repeats, "ms");
}

static void run_on(const char *base, int repeats)
{
	char root[256];
	double sl16, list;

	snprintf(root, sizeof(root), "%s/hull-bench-XXXXXX", base);
	if (mkdtemp(root) == NULL) {
		printf("(skipped %s: %s)\n", base, strerror(errno));
		return;
	}
	printf("\nstate root %s, %d repeats, median (min .. max):\n", root, repeats);
	bench_one(root, 1, repeats);
	sl16 = bench_one(root, 16, repeats);
	bench_one(root, 64, repeats);
	list = bench_list(root, repeats);
	printf("  goal: save+load, 16 endpoints < 1 ms:   %s (%.0f us)\n",
	       sl16 < GOAL_SAVE_LOAD_16_US ? "met" : "NOT met", sl16);
	printf("  goal: 1000 sandboxes listed < 1 s:      %s (%.0f ms)\n",
	       list < GOAL_LIST_1000_US ? "met" : "NOT met", list / 1000.0);
	bench_remove_tree(root);
}

int main(int argc, char **argv)
{
	int repeats = argc > 1 ? atoi(argv[1]) : 21;

	if (repeats < 1)
		repeats = 21;
	printf("bench_state: persisted state (persist/store.h)\n");
	printf("save = encode + write temp + fsync + rename + fsync dir; load = read + decode\n");
	run_on(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", repeats);
	run_on("/dev/shm", repeats);
	return 0;
}
