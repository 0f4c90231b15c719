/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pieces of bench_datapath (tools/bench/bench_datapath.c), each in a
 * datapath_*.c file of its own (docs/benchmarks.md lists them).  Every
 * alternative has the same addresses below, in namespaces of its own
 * (docs/benchmarks.md, "Topology").
 */
#ifndef HULL_TOOLS_BENCH_DATAPATH_H
#define HULL_TOOLS_BENCH_DATAPATH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "net/setup.h"

#define DP_PEER_MAC "02:00:00:90:00:01"
#define DP_GUEST_MAC "02:00:00:90:00:02"
#define DP_BRIDGE_LINK_MAC "02:00:00:90:00:03" /* eth0 as a bridge port: not the guest's */
#define DP_PEER_IP "10.90.0.1"
#define DP_GUEST_IP "10.90.0.2"
#define DP_PEER_PORT 9000  /* the peer's UDP port (sink, echo client) */
#define DP_GUEST_PORT 9001 /* the guest's UDP port */
#define DP_PEER_DEV "vpeer"

/* 64-byte frames on the wire: 60 bytes + the 4-byte FCS no software sees. */
#define DP_FRAME_LEN 60
#define DP_UDP_PAYLOAD (DP_FRAME_LEN - 14 - 20 - 8)

#define DP_MAX_QUEUES 8
#define DP_MAX_SAMPLES 20000

enum dp_alt_kind {
	DP_DIRECT,   /* the VM side's tap in the peer netns: no veth, no filter */
	DP_U32,      /* Kata: tap + ingress qdisc + u32 match-all + mirred, both ways */
	DP_BRIDGE,   /* Linux bridge with eth0 and the tap */
	DP_TCFILTER, /* hull_net_setup(tcfilter) + hull_tc_endpoint_attach */
	DP_MACVTAP,  /* hull_net_setup(macvtap) + hull_tc_endpoint_attach */
	DP_ALT_COUNT,
};
#define DP_ALT_TAGS "dubtm" /* one letter each, in that order: BENCH_ALTS, names */

struct dp_alt {
	enum dp_alt_kind kind;
	const char *name;
	char peer_ns[64]; /* /var/run/netns/<peer_ns> */
	char ct_ns[64];   /* "" for direct */
	char peer_dev[16];
	char sandbox[64]; /* hull's sandbox id (pins) */
	int peer_nsfd;
	int peer_ifindex;
	int fds[DP_MAX_QUEUES]; /* the VM side's queue fds */
	unsigned nq;
	int sink_fd; /* UDP socket on the peer: where guest frames end */
	struct nl_sock *peer_nl;
	struct hull_net_setup_result res; /* hull's alternatives */
};

/* Shared between the bench and its children (MAP_SHARED). */
struct dp_queue_stats {
	_Atomic uint64_t rx;    /* frames read */
	_Atomic uint64_t empty; /* reads that found nothing (busy loop: spare capacity) */
	_Atomic uint64_t tx;    /* frames written */
	char pad[64 - 3 * sizeof(uint64_t)];
};

struct dp_shared {
	atomic_int stop;
	atomic_int vm_ready;
	atomic_int peer_ready;
	struct dp_queue_stats q[DP_MAX_QUEUES];
	_Atomic uint64_t gen_tx;
	unsigned n_samples;
	unsigned lost;
	double samples_us[DP_MAX_SAMPLES];
};

/* What the VM side does with its queues. */
enum dp_vm_mode {
	DP_VM_RX_SPIN,  /* read every frame, non-blocking busy loop */
	DP_VM_RX_BLOCK, /* read every frame, sleep in poll() when there is none */
	DP_VM_ECHO,     /* answer UDP to DP_GUEST_IP with addresses and ports swapped */
	DP_VM_TX,       /* write DP_FRAME_LEN UDP frames to the peer's sink, flat out */
};

/* Runs the VM side on fds until sh->stop (in a forked child: this returns when done). */
int dp_vm_run(const int *fds, unsigned nq, enum dp_vm_mode mode, struct dp_shared *sh,
              hull_error_t *err);

/* The peer side, in its netns (the caller entered it). */
/* Sends to-guest frames from dev: flat out (pps 0) or paced at pps, until sh->stop. */
int dp_peer_flood(const char *dev, unsigned pps, unsigned flows, struct dp_shared *sh,
                  hull_error_t *err);
/* n UDP request/responses to the guest, one at a time; RTTs into sh->samples_us. */
int dp_peer_echo(unsigned n, struct dp_shared *sh, hull_error_t *err);
/* A bound UDP socket that is never read: guest frames end there. */
int dp_peer_sink(hull_error_t *err);

/* Frames. */
size_t dp_udp_frame(uint8_t *f, const char *src_mac, const char *dst_mac, const char *src_ip,
                    const char *dst_ip, uint16_t sport, uint16_t dport);

/* Topology (datapath_topo.c). */
/*
 * Runs the command line fmt makes, split at spaces (no shell; no word may
 * hold a space), stdout to /dev/null; < 0 with the command named when it fails.
 */
int dp_cmd(hull_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Kata's tc filter (tc ... ingress DP_MIRRED <dev>): every frame redirected to dev. */
#define DP_MIRRED "protocol all u32 match u8 0 0 action mirred egress redirect dev"
/* Registers a netns name for cleanup, then makes it (IPv6 off). */
int dp_netns_add(const char *name, hull_error_t *err);
/* Registers what a hull endpoint made (pins, device node) for the signal-time cleanup. */
void dp_cleanup_register_endpoint(const struct hull_endpoint *ep);
/* atexit + SIGINT/SIGTERM/SIGHUP handlers (they kill every child too); register once. */
void dp_cleanup_install(void);
/* Hull's teardown for eps, then every registered netns deleted. */
void dp_cleanup_run(void);
/* Hull endpoints to tear down with hull_net_teardown() at cleanup. */
void dp_cleanup_register_hull(const char *netns_path, struct hull_endpoint *eps, size_t n);
void dp_cleanup_forget_hull(struct hull_endpoint *eps);

int dp_alt_build(struct dp_alt *alt, enum dp_alt_kind kind, unsigned queues, hull_error_t *err);
/* Closes fds, tears hull's endpoint down (the netns go at exit). */
void dp_alt_close(struct dp_alt *alt);
/* The peer device's rx_packets (frames that came out of the path towards the peer). */
int dp_alt_peer_rx(struct dp_alt *alt, uint64_t *out, hull_error_t *err);

/* Setup + teardown per endpoint (datapath_setup.c). */
enum dp_setup_method {
	DP_SETUP_HULL,    /* hull_net_setup(tcfilter) + BPF hook, hull_net_teardown */
	DP_SETUP_CMD_U32, /* ip tuntap/link, tc qdisc clsact, tc filter u32+mirred; reverse */
	DP_SETUP_CMD_BPF, /* the same with tc filter bpf da obj hull_tc.bpf.o */
	DP_SETUP_METHODS,
};
#define DP_SETUP_MAX_REPEATS 32
struct dp_setup_result {
	/* ms per endpoint, per repeat */
	double setup_ms[DP_SETUP_METHODS][DP_SETUP_MAX_REPEATS];
	double teardown_ms[DP_SETUP_METHODS][DP_SETUP_MAX_REPEATS];
	double hull_bpf_detach_ms[DP_SETUP_MAX_REPEATS]; /* hull's teardown: the BPF part */
};
const char *dp_setup_method_name(enum dp_setup_method m);

/* What hull's TC programs cost on their own (datapath_progs.c). */
#define DP_PROG_MAX_ROUNDS 31
struct dp_prog_costs {
	unsigned rounds, repeat;
	/* mean ns per BPF_PROG_TEST_RUN run, per round */
	double empty_ns[DP_PROG_MAX_ROUNDS]; /* r0 = TC_ACT_OK: the harness itself */
	double to_guest_ns[DP_PROG_MAX_ROUNDS];
	double from_guest_ns[DP_PROG_MAX_ROUNDS]; /* an IPv4 UDP frame that passes the policy */
};
int dp_prog_costs(unsigned rounds, unsigned repeat, struct dp_prog_costs *out, hull_error_t *err);
/* Interleaved repeats for each size; bpf_obj for DP_SETUP_CMD_BPF. */
int dp_setup_bench(const unsigned *sizes, unsigned n_sizes, unsigned repeats, const char *bpf_obj,
                   struct dp_setup_result *out, hull_error_t *err);
#endif
