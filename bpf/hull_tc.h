/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What hull's TC programs (bpf/hull_tc.bpf.c) and their loader
 * (bpf/tc_endpoint.c) both read: the per-endpoint configuration, the
 * counter layout, the directions and the drop reasons.
 *
 * The maps are BTF-defined, so `bpftool map dump` prints these structs with
 * their field names.  Keep every field a fixed-size type: the same bytes
 * are read by the BPF side, by hull and by bpftool.
 */
#ifndef HULL_BPF_HULL_TC_H
#define HULL_BPF_HULL_TC_H

#include <linux/types.h>

/* How many addresses the guest may use as a source, per family. */
#define HULL_TC_MAX_IPV4 8
#define HULL_TC_MAX_IPV6 8

/* What a program does with a frame that passes policy. */
enum hull_tc_mode {
	/* tcfilter: bpf_redirect() to the peer device (link <-> tap). */
	HULL_TC_MODE_REDIRECT = 0,
	/* macvtap: TC_ACT_OK; the macvtap itself carries the frame on. */
	HULL_TC_MODE_PASS = 1,
};

/* Index into hull_stats. */
enum hull_tc_direction {
	HULL_TC_TO_GUEST = 0,   /* frames from the link, towards the VM */
	HULL_TC_FROM_GUEST = 1, /* frames the VM wrote, towards the link */
	HULL_TC_DIRECTION_COUNT,
};

/*
 * Why a frame was dropped; index into hull_drops.  Append only: the values
 * are what `bpftool map dump` shows as keys, and docs/datapath.md lists
 * them.
 */
enum hull_tc_drop_reason {
	HULL_DROP_BAD_SRC_MAC = 0,     /* from guest: Ethernet source is not the guest's MAC */
	HULL_DROP_BAD_SRC_IPV4 = 1,    /* from guest: IPv4 source not in the allowed list */
	HULL_DROP_BAD_SRC_IPV6 = 2,    /* from guest: IPv6 source not allowed */
	HULL_DROP_BAD_ARP_SENDER = 3,  /* from guest: ARP SHA != MAC, or SPA not allowed */
	HULL_DROP_MALFORMED = 4,       /* header shorter than its protocol says */
	HULL_DROP_REDIRECT_FAILED = 5, /* bpf_redirect() refused, or no peer configured */
	HULL_DROP_BAD_ETHERTYPE = 6,   /* from guest: not IPv4, IPv6 or ARP (VLAN tags too) */
	HULL_DROP_NO_CONFIG = 7,       /* the config map is empty (never filled) */
	HULL_DROP_REASON_COUNT,
};

struct hull_tc_ipv6 {
	__u8 addr[16];
};

/* The single entry of hull_config. */
struct hull_tc_config {
	__u32 configured;   /* 1 once the loader filled the entry */
	__u32 mode;         /* enum hull_tc_mode */
	__u32 link_ifindex; /* the container's link: where REDIRECT sends from-guest frames */
	__u32 vm_ifindex;   /* the tap or macvtap: where REDIRECT sends to-guest frames */
	__u8 mac[6];        /* the guest's MAC: the only allowed source MAC */
	__u8 pad[2];
	__u32 n_ipv4;
	__u32 ipv4[HULL_TC_MAX_IPV4]; /* network byte order */
	__u32 n_ipv6;
	struct hull_tc_ipv6 ipv6[HULL_TC_MAX_IPV6];
};

/* A value of hull_stats (per direction) and of hull_drops (per reason). */
struct hull_tc_counter {
	__u64 packets;
	__u64 bytes;
};

#endif
