// SPDX-License-Identifier: Apache-2.0
/*
 * What hull's TC programs cost per frame on their own: BPF_PROG_TEST_RUN
 * runs each on a 64-byte frame `repeat` times in the kernel and reports
 * the mean time per run.  An empty program (r0 = TC_ACT_OK; exit) run the
 * same way gives the harness's own cost, which the report subtracts.
 * Throughput tests on this machine cannot resolve a few tens of
 * nanoseconds per frame; this can.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "datapath.h"
#include "hull_tc.skel.h"
#include "persist/endpoint_json.h"

static int empty_program(hull_error_t *err)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = TC_ACT_OK},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "hull_bench_empty", "GPL", insns, 2, NULL);

	if (fd < 0)
		return hull_fail(err, -fd, "load an empty TC program");
	return fd;
}

/* Mean ns per run of prog_fd on frame, over repeat runs; it must return want. */
static int run_ns(int prog_fd, const uint8_t *frame, size_t len, unsigned repeat, int want,
                  double *ns, hull_error_t *err)
{
	uint8_t out[DP_FRAME_LEN + 64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
	            .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	int rc = bpf_prog_test_run_opts(prog_fd, &opts);

	if (rc < 0)
		return hull_fail(err, -rc, "BPF_PROG_TEST_RUN");
	if ((int)opts.retval != want)
		return hull_fail(err, 0, "the program returned %u, not %d", opts.retval, want);
	*ns = opts.duration;
	return 0;
}

static void hull_tc_destroyp(struct hull_tc **skel)
{
	hull_tc__destroy(*skel);
}

static int fill_config(struct hull_tc *skel, hull_error_t *err)
{
	struct hull_ip_addr addr = {.family = AF_INET, .prefix_len = 24};
	struct hull_endpoint ep = {.model = HULL_NET_TCFILTER,
	                           .ifindex = 2,
	                           .vm_ifindex = 3,
	                           .addrs = &addr,
	                           .n_addrs = 1};
	struct hull_tc_config cfg;
	uint32_t zero = 0;

	snprintf(ep.name, sizeof(ep.name), "eth0");
	if (hull_mac_parse(DP_GUEST_MAC, ep.mac) < 0)
		return hull_fail(err, 0, "MAC %s", DP_GUEST_MAC);
	inet_pton(AF_INET, DP_GUEST_IP, addr.addr);
	if (hull_tc_config_from_endpoint(&ep, &cfg, err) < 0)
		return -1;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.hull_config), &zero, &cfg, BPF_ANY) < 0)
		return hull_fail(err, errno, "fill hull_config");
	return 0;
}

int dp_prog_costs(unsigned rounds, unsigned repeat, struct dp_prog_costs *out, hull_error_t *err)
{
	__attribute__((cleanup(hull_tc_destroyp))) struct hull_tc *skel = NULL;
	cleanup_close int empty = -1;
	uint8_t to_guest[DP_FRAME_LEN], from_guest[DP_FRAME_LEN];
	size_t to_len, from_len;

	memset(out, 0, sizeof(*out));
	out->rounds = rounds > DP_PROG_MAX_ROUNDS ? DP_PROG_MAX_ROUNDS : rounds;
	out->repeat = repeat;
	hull_tc_route_libbpf_logs();
	skel = hull_tc__open_and_load();
	if (skel == NULL)
		return hull_fail(err, errno, "load hull's TC programs");
	if (fill_config(skel, err) < 0)
		return -1;
	empty = empty_program(err);
	if (empty < 0)
		return -1;
	to_len = dp_udp_frame(to_guest, DP_PEER_MAC, DP_GUEST_MAC, DP_PEER_IP, DP_GUEST_IP,
	                      DP_PEER_PORT, DP_GUEST_PORT);
	from_len = dp_udp_frame(from_guest, DP_GUEST_MAC, DP_PEER_MAC, DP_GUEST_IP, DP_PEER_IP,
	                        DP_GUEST_PORT, DP_PEER_PORT);
	/* Interleaved, so that a change of load on the machine hits all three alike. */
	for (unsigned r = 0; r < out->rounds; r++) {
		if (run_ns(empty, to_guest, to_len, repeat, TC_ACT_OK, &out->empty_ns[r], err) <
		        0 ||
		    run_ns(bpf_program__fd(skel->progs.hull_to_guest), to_guest, to_len, repeat,
		           TC_ACT_REDIRECT, &out->to_guest_ns[r], err) < 0 ||
		    run_ns(bpf_program__fd(skel->progs.hull_from_guest), from_guest, from_len,
		           repeat, TC_ACT_REDIRECT, &out->from_guest_ns[r], err) < 0)
			return hull_error_prefix(err, "round %u", r + 1);
	}
	return 0;
}
