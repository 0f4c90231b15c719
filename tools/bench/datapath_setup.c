/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Setup + teardown time per endpoint, for a container netns holding N
 * veths: hull_net_setup/teardown against the same devices and hooks by
 * `ip` and `tc` commands, u32+mirred or bpf (docs/benchmarks.md).  Repeats
 * interleave the methods (rotating which goes first).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "net/netns.h"
#include "tools/bench/datapath.h"
#include "tools/bench/stats.h"

static const char *const method_names[DP_SETUP_METHODS] = {
    [DP_SETUP_HULL] = "hull (net/ + bpf/ calls)",
    [DP_SETUP_CMD_U32] = "ip/tc commands, u32+mirred",
    [DP_SETUP_CMD_BPF] = "ip/tc commands, tc bpf obj",
};

const char *dp_setup_method_name(enum dp_setup_method m)
{
	return m < DP_SETUP_METHODS ? method_names[m] : "?";
}

static int make_links(const char *c, const char *p, unsigned n, hull_error_t *err)
{
	for (unsigned i = 0; i < n; i++)
		if (dp_cmd(err,
		           "ip -n %s link add eth%u address 02:00:00:64:00:%02x type veth peer "
		           "name p%u netns %s",
		           c, i, i & 0xffu, i, p) < 0 ||
		    dp_cmd(err, "ip -n %s addr add 10.100.%u.2/24 dev eth%u", c, i, i) < 0 ||
		    dp_cmd(err, "ip -n %s link set eth%u up", c, i) < 0)
			return -1;
	return 0;
}

static int run_hull(const char *c, unsigned n, const char *sandbox, double *setup_ms,
                    double *teardown_ms, double *bpf_detach_ms, hull_error_t *err)
{
	struct hull_netns_saved saved = {.fd = -1};
	struct hull_tc_hooks bpf = {.sandbox_id = sandbox};
	struct hull_net_hooks hooks = hull_tc_net_hooks(&bpf, false);
	struct hull_net_setup_result res;
	cleanup_error hull_error_t ignored = NULL;
	char path[PATH_MAX];
	double t0, t1, t2;
	int rc;

	snprintf(path, sizeof(path), "/var/run/netns/%s", c);
	t0 = bench_now_ms();
	rc = hull_net_setup(path, HULL_NET_TCFILTER, 1, &hooks, &res, err);
	t1 = bench_now_ms();
	if (res.eps)
		dp_cleanup_register_hull(path, res.eps, res.n);
	if (rc == 0 && res.n != n)
		rc = hull_fail(err, 0, "hull found %zu endpoints, wanted %u", res.n, n);
	for (size_t i = 0; i < res.n; i++)
		hull_vm_fds_close(&res.fds[i]);
	/*
	 * hull_net_teardown() runs the BPF detach hook first; running it here
	 * first, in the netns as teardown would, only splits the time.
	 */
	if (rc == 0 && hull_netns_enter(path, &saved, err) == 0) {
		for (size_t i = 0; i < res.n && rc == 0; i++)
			rc = hooks.bpf_detach(NULL, &res.eps[i], err);
		hull_netns_return_quietly(&saved);
	}
	*bpf_detach_ms = (bench_now_ms() - t1) / n;
	/* As a sandbox tears down: every endpoint, the taps in one request. */
	if (hull_net_teardown_many(path, res.eps, res.n, &hooks, rc < 0 ? &ignored : err) < 0)
		rc = -1;
	t2 = bench_now_ms();
	if (res.eps)
		dp_cleanup_forget_hull(res.eps);
	hull_net_setup_result_clear(&res);
	*setup_ms = (t1 - t0) / n;
	*teardown_ms = (t2 - t1) / n;
	return rc;
}

static int run_cmds(const char *c, unsigned n, bool bpf, const char *obj, double *setup_ms,
                    double *teardown_ms, hull_error_t *err)
{
	double t0 = bench_now_ms(), t1, t2;

	for (unsigned i = 0; i < n; i++) {
		if (dp_cmd(err, "ip -n %s tuntap add dev tc%u mode tap vnet_hdr", c, i) < 0 ||
		    dp_cmd(err, "ip -n %s link set tc%u mtu 1500 address 02:00:00:65:00:%02x up", c,
		           i, i & 0xffu) < 0 ||
		    dp_cmd(err, "tc -n %s qdisc add dev eth%u clsact", c, i) < 0 ||
		    dp_cmd(err, "tc -n %s qdisc add dev tc%u clsact", c, i) < 0)
			return -1;
		if (bpf &&
		    (dp_cmd(err, "tc -n %s filter add dev eth%u ingress bpf da obj %s sec tc", c, i,
		            obj) < 0 ||
		     dp_cmd(err, "tc -n %s filter add dev tc%u ingress bpf da obj %s sec tc", c, i,
		            obj) < 0))
			return -1;
		if (!bpf && (dp_cmd(err, "tc -n %s filter add dev eth%u ingress " DP_MIRRED " tc%u",
		                    c, i, i) < 0 ||
		             dp_cmd(err, "tc -n %s filter add dev tc%u ingress " DP_MIRRED " eth%u",
		                    c, i, i) < 0))
			return -1;
	}
	t1 = bench_now_ms();
	for (unsigned i = 0; i < n; i++)
		if (dp_cmd(err, "tc -n %s filter del dev tc%u ingress", c, i) < 0 ||
		    dp_cmd(err, "tc -n %s filter del dev eth%u ingress", c, i) < 0 ||
		    dp_cmd(err, "tc -n %s qdisc del dev tc%u clsact", c, i) < 0 ||
		    dp_cmd(err, "tc -n %s qdisc del dev eth%u clsact", c, i) < 0 ||
		    dp_cmd(err, "ip -n %s tuntap del dev tc%u mode tap", c, i) < 0)
			return -1;
	t2 = bench_now_ms();
	*setup_ms = (t1 - t0) / n;
	*teardown_ms = (t2 - t1) / n;
	return 0;
}

int dp_setup_bench(const unsigned *sizes, unsigned n_sizes, unsigned repeats, const char *bpf_obj,
                   struct dp_setup_result *out, hull_error_t *err)
{
	char c[8][64], p[8][64], sandbox[64];

	if (repeats > DP_SETUP_MAX_REPEATS)
		repeats = DP_SETUP_MAX_REPEATS;
	if (n_sizes > 8)
		n_sizes = 8;
	snprintf(sandbox, sizeof(sandbox), "bench-%d-s", (int)getpid());
	for (unsigned s = 0; s < n_sizes; s++) {
		memset(&out[s], 0, sizeof(out[s]));
		snprintf(c[s], sizeof(c[s]), "hullbench-%d-s%u-c", (int)getpid(), sizes[s]);
		snprintf(p[s], sizeof(p[s]), "hullbench-%d-s%u-p", (int)getpid(), sizes[s]);
		if (dp_netns_add(c[s], err) < 0 || dp_netns_add(p[s], err) < 0 ||
		    make_links(c[s], p[s], sizes[s], err) < 0)
			return hull_error_prefix(err, "setup bench: %u endpoints", sizes[s]);
		/* For the signal-time cleanup: where hull would pin. */
		for (unsigned i = 0; i < sizes[s]; i++) {
			struct hull_endpoint ep;

			memset(&ep, 0, sizeof(ep));
			snprintf(ep.bpf_pin_dir, sizeof(ep.bpf_pin_dir),
			         "/sys/fs/bpf/hull/%s/eth%u", sandbox, i);
			dp_cleanup_register_endpoint(&ep);
		}
	}
	for (unsigned r = 0; r < repeats; r++)
		for (unsigned s = 0; s < n_sizes; s++)
			for (unsigned k = 0; k < DP_SETUP_METHODS; k++) {
				enum dp_setup_method m =
				    (enum dp_setup_method)((k + r) % DP_SETUP_METHODS);
				double *sm = &out[s].setup_ms[m][r],
				       *tm = &out[s].teardown_ms[m][r];
				int rc;

				if (m == DP_SETUP_HULL)
					rc = run_hull(c[s], sizes[s], sandbox, sm, tm,
					              &out[s].hull_bpf_detach_ms[r], err);
				else
					rc = run_cmds(c[s], sizes[s], m == DP_SETUP_CMD_BPF,
					              bpf_obj, sm, tm, err);
				if (rc < 0)
					return hull_error_prefix(err,
					                         "setup bench: %s, %u endpoints",
					                         method_names[m], sizes[s]);
			}
	return 0;
}
