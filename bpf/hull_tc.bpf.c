// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* (the license string below, "Dual BSD/GPL", says the same to the kernel) */
/*
 * hull's TC datapath: two cls_bpf direct-action programs per endpoint,
 * named for the direction they serve.
 *
 *   model     hull_to_guest            hull_from_guest
 *   tcfilter  link ingress -> redirect tap ingress -> policy -> redirect
 *             to the tap (its egress     to the link (its egress goes
 *             is the VM's fd)            out of the container netns)
 *   macvtap   macvtap ingress -> pass  macvtap egress -> policy -> pass
 *
 * Frames from the guest must carry the guest's MAC and one of its
 * addresses; anything else is dropped and counted under its reason in
 * hull_drops.  Frames that go through are counted in hull_stats.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "hull_tc.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hull_tc_config);
} hull_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HULL_TC_DIRECTION_COUNT);
	__type(key, __u32);
	__type(value, struct hull_tc_counter);
} hull_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HULL_DROP_REASON_COUNT);
	__type(key, __u32);
	__type(value, struct hull_tc_counter);
} hull_drops SEC(".maps");

/*
 * ARP for Ethernet/IPv4.  Spelled out here: linux/if_arp.h pulls in libc's
 * headers, which do not build for the bpf target.
 */
#define ARPHRD_ETHER 1
struct arp_eth_ipv4 {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8 ar_hln;
	__u8 ar_pln;
	__be16 ar_op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
} __attribute__((packed));

static __always_inline void count(void *map, __u32 index, const struct __sk_buff *skb)
{
	struct hull_tc_counter *c = bpf_map_lookup_elem(map, &index);

	if (c) {
		/* Per-CPU values: no other CPU writes this copy. */
		c->packets++;
		c->bytes += skb->len;
	}
}

static __always_inline int drop(struct __sk_buff *skb, enum hull_tc_drop_reason reason)
{
	count(&hull_drops, reason, skb);
	return TC_ACT_SHOT;
}

/*
 * Makes the first len bytes directly readable (a frame may arrive
 * non-linear) and returns its start, or NULL when the frame is shorter.
 */
static __always_inline void *linear_header(struct __sk_buff *skb, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (data + len <= data_end)
		return data;
	if (skb->len < len || bpf_skb_pull_data(skb, len) < 0)
		return NULL;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (data + len > data_end)
		return NULL;
	return data;
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	/* One branch, not six: each branch is another path to verify. */
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
	        (a[5] ^ b[5])) == 0;
}

static __always_inline const struct hull_tc_config *config(void)
{
	__u32 zero = 0;
	const struct hull_tc_config *cfg = bpf_map_lookup_elem(&hull_config, &zero);

	if (!cfg || !cfg->configured)
		return NULL;
	return cfg;
}

/*
 * A global function: the verifier checks it once, on its own, rather than
 * at each of its two callers (IPv4 and ARP), which keeps loading the
 * programs (once per endpoint) short.
 */
__noinline int hull_ipv4_allowed(__u32 addr)
{
	const struct hull_tc_config *cfg = config();

	if (!cfg)
		return 0;
	for (__u32 i = 0; i < HULL_TC_MAX_IPV4; i++) {
		if (i >= cfg->n_ipv4)
			break;
		if (cfg->ipv4[i] == addr)
			return 1;
	}
	return 0;
}

static __always_inline int ipv6_equal(const struct in6_addr *a, const struct hull_tc_ipv6 *b)
{
	const __u32 *x = a->in6_u.u6_addr32;
	const __u32 *y = (const __u32 *)b->addr;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

static __always_inline int ipv6_allowed(const struct hull_tc_config *cfg,
                                        const struct in6_addr *addr)
{
	const __u32 *w = addr->in6_u.u6_addr32;

	/* fe80::/10: link-local, what NDP and router solicitation use. */
	if ((w[0] & bpf_htonl(0xffc00000)) == bpf_htonl(0xfe800000))
		return 1;
	/* ::, the source of duplicate address detection. */
	if ((w[0] | w[1] | w[2] | w[3]) == 0)
		return 1;
	for (__u32 i = 0; i < HULL_TC_MAX_IPV6; i++) {
		if (i >= cfg->n_ipv6)
			break;
		if (ipv6_equal(addr, &cfg->ipv6[i]))
			return 1;
	}
	return 0;
}

/*
 * The checks below return HULL_PASS or the reason to drop the frame, and
 * the caller drops in one place: every drop() the compiler inlines is
 * another path the verifier walks when each endpoint loads its programs.
 */
#define HULL_PASS HULL_DROP_REASON_COUNT

static __always_inline __u32 check_ipv4(struct __sk_buff *skb, const struct hull_tc_config *cfg)
{
	struct iphdr *ip = linear_header(skb, ETH_HLEN + sizeof(*ip));

	if (!ip)
		return HULL_DROP_MALFORMED;
	ip = (void *)ip + ETH_HLEN;
	if (ip->version != 4 || ip->ihl < 5)
		return HULL_DROP_MALFORMED;
	return hull_ipv4_allowed(ip->saddr) ? HULL_PASS : HULL_DROP_BAD_SRC_IPV4;
}

static __always_inline __u32 check_ipv6(struct __sk_buff *skb, const struct hull_tc_config *cfg)
{
	struct ipv6hdr *ip6 = linear_header(skb, ETH_HLEN + sizeof(*ip6));

	if (!ip6)
		return HULL_DROP_MALFORMED;
	ip6 = (void *)ip6 + ETH_HLEN;
	if (ip6->version != 6)
		return HULL_DROP_MALFORMED;
	return ipv6_allowed(cfg, &ip6->saddr) ? HULL_PASS : HULL_DROP_BAD_SRC_IPV6;
}

static __always_inline __u32 check_arp(struct __sk_buff *skb, const struct hull_tc_config *cfg)
{
	struct arp_eth_ipv4 *arp = linear_header(skb, ETH_HLEN + sizeof(*arp));
	__u32 spa;

	if (!arp)
		return HULL_DROP_MALFORMED;
	arp = (void *)arp + ETH_HLEN;
	if (arp->ar_hrd != bpf_htons(ARPHRD_ETHER) || arp->ar_pro != bpf_htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return HULL_DROP_MALFORMED;
	if (!mac_equal(arp->sha, cfg->mac))
		return HULL_DROP_BAD_ARP_SENDER;
	__builtin_memcpy(&spa, arp->spa, sizeof(spa));
	/* 0.0.0.0 is an ARP probe (RFC 5227 address conflict detection). */
	if (spa != 0 && !hull_ipv4_allowed(spa))
		return HULL_DROP_BAD_ARP_SENDER;
	return HULL_PASS;
}

/* Anti-spoofing for a frame the guest wrote: HULL_PASS or a drop reason. */
static __always_inline __u32 check_from_guest(struct __sk_buff *skb,
                                              const struct hull_tc_config *cfg)
{
	struct ethhdr *eth = linear_header(skb, ETH_HLEN);

	if (!eth)
		return HULL_DROP_MALFORMED;
	if (!mac_equal(eth->h_source, cfg->mac))
		return HULL_DROP_BAD_SRC_MAC;
	switch (bpf_ntohs(eth->h_proto)) {
	case ETH_P_IP:
		return check_ipv4(skb, cfg);
	case ETH_P_IPV6:
		return check_ipv6(skb, cfg);
	case ETH_P_ARP:
		return check_arp(skb, cfg);
	default:
		/* VLAN tags would hide the inner addresses from this check. */
		return HULL_DROP_BAD_ETHERTYPE;
	}
}

/* Counts a frame that passed and sends it on as the endpoint's mode says. */
static __always_inline int deliver(struct __sk_buff *skb, const struct hull_tc_config *cfg,
                                   enum hull_tc_direction dir)
{
	__u32 target = dir == HULL_TC_TO_GUEST ? cfg->vm_ifindex : cfg->link_ifindex;

	if (cfg->mode == HULL_TC_MODE_PASS) {
		count(&hull_stats, dir, skb);
		return TC_ACT_OK;
	}
	/* bpf_redirect() only records the target: skb is still ours to count. */
	if (target == 0 || bpf_redirect(target, 0) != TC_ACT_REDIRECT)
		return drop(skb, HULL_DROP_REDIRECT_FAILED);
	count(&hull_stats, dir, skb);
	return TC_ACT_REDIRECT;
}

/*
 * Frames towards the VM.  tcfilter: the link's clsact ingress.
 * macvtap: the macvtap's clsact ingress (macvlan's rx_handler hands every
 * frame for the macvtap on with skb->dev set to it).
 */
SEC("tc")
int hull_to_guest(struct __sk_buff *skb)
{
	const struct hull_tc_config *cfg = config();

	if (!cfg)
		return drop(skb, HULL_DROP_NO_CONFIG);
	return deliver(skb, cfg, HULL_TC_TO_GUEST);
}

/*
 * Frames the VM wrote.  tcfilter: the tap's clsact ingress.  macvtap: the
 * macvtap's clsact egress (a write to /dev/tapN is a dev_queue_xmit() on
 * the macvtap).
 */
SEC("tc")
int hull_from_guest(struct __sk_buff *skb)
{
	const struct hull_tc_config *cfg = config();
	__u32 verdict;

	if (!cfg)
		return drop(skb, HULL_DROP_NO_CONFIG);
	verdict = check_from_guest(skb, cfg);
	if (verdict != HULL_PASS)
		return drop(skb, verdict);
	return deliver(skb, cfg, HULL_TC_FROM_GUEST);
}
