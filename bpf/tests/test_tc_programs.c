/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's TC programs run on crafted frames with BPF_PROG_TEST_RUN: the
 * verdict each returns, and the counter that moved.  Also the loader's
 * error paths that need no network namespace.  Needs root and BPF; skips
 * (exit 4) when the kernel refuses to load the programs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "helpers_bpf.h"
#include "hull_tc.skel.h"

static const uint8_t guest_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t other_mac[6] = {0x02, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb};
#define GUEST_IPV4 "10.0.0.2"
#define OTHER_IPV4 "10.0.0.66"
#define GUEST_IPV6 "fd00::2"

struct frame {
	uint8_t bytes[128];
	uint32_t len;
};

static struct hull_tc *skel;

static void put_ipv4(uint8_t *p, const char *text)
{
	assert_int_equal(inet_pton(AF_INET, text, p), 1);
}

static void put_eth(struct frame *f, const uint8_t *src, uint16_t proto)
{
	memcpy(f->bytes, peer_mac, 6);
	memcpy(f->bytes + 6, src, 6);
	f->bytes[12] = proto >> 8;
	f->bytes[13] = proto & 0xff;
	f->len = ETH_HLEN;
}

/* Ethernet + IPv4 + UDP with 8 bytes of payload. */
static struct frame ipv4_udp(const uint8_t *src_mac, const char *src_ip)
{
	struct frame f;
	uint8_t *ip = f.bytes + ETH_HLEN;

	memset(&f, 0, sizeof(f));
	put_eth(&f, src_mac, ETH_P_IP);
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 8; /* total length */
	ip[8] = 64;         /* ttl */
	ip[9] = 17;         /* udp */
	put_ipv4(ip + 12, src_ip);
	put_ipv4(ip + 16, "10.0.0.1");
	ip[20 + 1] = 53; /* source port */
	ip[20 + 3] = 53; /* destination port */
	ip[20 + 5] = 16; /* udp length */
	f.len = ETH_HLEN + 20 + 8 + 8;
	return f;
}

static struct frame arp(const uint8_t *eth_src, const uint8_t *sha, const char *spa)
{
	struct frame f;
	uint8_t *a = f.bytes + ETH_HLEN;

	memset(&f, 0, sizeof(f));
	put_eth(&f, eth_src, ETH_P_ARP);
	a[1] = 1;    /* ARPHRD_ETHER */
	a[2] = 0x08; /* ETH_P_IP */
	a[4] = 6;
	a[5] = 4;
	a[7] = 1; /* request */
	memcpy(a + 8, sha, 6);
	put_ipv4(a + 14, spa);
	put_ipv4(a + 24, "10.0.0.1");
	f.len = ETH_HLEN + 28;
	return f;
}

/* Ethernet + IPv6 header (no payload: the programs read only the header). */
static struct frame ipv6(const char *src)
{
	struct frame f;
	uint8_t *ip6 = f.bytes + ETH_HLEN;

	memset(&f, 0, sizeof(f));
	put_eth(&f, guest_mac, ETH_P_IPV6);
	ip6[0] = 0x60;
	ip6[6] = 59; /* no next header */
	ip6[7] = 255;
	assert_int_equal(inet_pton(AF_INET6, src, ip6 + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00::1", ip6 + 24), 1);
	f.len = ETH_HLEN + 40;
	return f;
}

static void set_config(enum hull_net_model model)
{
	struct hull_ip_addr addrs[2] = {{.family = AF_INET}, {.family = AF_INET6}};
	struct hull_endpoint ep = {
	    .name = "eth0",
	    .ifindex = 7,
	    .vm_ifname = "tap0",
	    .vm_ifindex = 8,
	    .model = model,
	    .addrs = addrs,
	    .n_addrs = 2,
	};
	cleanup_error hull_error_t err = NULL;
	struct hull_tc_config cfg;
	uint32_t zero = 0;

	memcpy(ep.guest_mac, guest_mac, 6);
	put_ipv4(addrs[0].addr, GUEST_IPV4);
	assert_int_equal(inet_pton(AF_INET6, GUEST_IPV6, addrs[1].addr), 1);
	assert_int_equal(hull_tc_config_from_endpoint(&ep, &cfg, &err), 0);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.hull_config), &zero, &cfg, 0),
	                 0);
}

static int run(struct bpf_program *prog, const struct frame *f)
{
	uint8_t out[sizeof(f->bytes) + 64];
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->bytes, .data_size_in = f->len,
	                    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
	return (int)opts.retval;
}

static struct hull_tc_counter sum(struct bpf_map *map, uint32_t key)
{
	int ncpus = libbpf_num_possible_cpus();
	struct hull_tc_counter total = {0, 0};
	cleanup_free struct hull_tc_counter *v = calloc((size_t)ncpus, sizeof(*v));

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(map), &key, v), 0);
	for (int i = 0; i < ncpus; i++) {
		total.packets += v[i].packets;
		total.bytes += v[i].bytes;
	}
	return total;
}

/* Exactly `reason` moved, by one frame of len bytes; nothing was let through. */
static void assert_dropped_once(enum hull_tc_drop_reason reason, uint32_t len)
{
	for (uint32_t r = 0; r < HULL_DROP_REASON_COUNT; r++) {
		struct hull_tc_counter c = sum(skel->maps.hull_drops, r);

		if (c.packets != (r == reason ? 1u : 0u))
			fail_msg("drop reason %s counted %llu, wanted %u",
			         hull_tc_drop_reason_name(r), (unsigned long long)c.packets,
			         r == reason ? 1 : 0);
		if (r == reason)
			assert_int_equal(c.bytes, len);
	}
	for (uint32_t d = 0; d < HULL_TC_DIRECTION_COUNT; d++)
		assert_int_equal(sum(skel->maps.hull_stats, d).packets, 0);
}

static void assert_no_drops(void)
{
	for (uint32_t r = 0; r < HULL_DROP_REASON_COUNT; r++)
		if (sum(skel->maps.hull_drops, r).packets != 0)
			fail_msg("unexpected drop: %s", hull_tc_drop_reason_name(r));
}

static void expect_from_guest_drop(const struct frame f, enum hull_tc_drop_reason reason)
{
	set_config(HULL_NET_TCFILTER);
	assert_int_equal(run(skel->progs.hull_from_guest, &f), TC_ACT_SHOT);
	assert_dropped_once(reason, f.len);
}

static void expect_from_guest_pass(const struct frame f)
{
	struct hull_tc_counter c;

	set_config(HULL_NET_TCFILTER);
	assert_int_equal(run(skel->progs.hull_from_guest, &f), TC_ACT_REDIRECT);
	c = sum(skel->maps.hull_stats, HULL_TC_FROM_GUEST);
	assert_int_equal(c.packets, 1);
	assert_int_equal(c.bytes, f.len);
	assert_no_drops();
}

/* Each test gets a freshly loaded instance: all counters start at zero. */
static int load(void **state)
{
	(void)state;
	skel = hull_tc__open_and_load();
	return skel ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	hull_tc__destroy(skel);
	skel = NULL;
	return 0;
}

static void good_ipv4_is_redirected_in_tcfilter(void **state)
{
	(void)state;
	expect_from_guest_pass(ipv4_udp(guest_mac, GUEST_IPV4));
}

static void good_ipv4_passes_in_macvtap(void **state)
{
	(void)state;
	struct frame f = ipv4_udp(guest_mac, GUEST_IPV4);
	struct hull_tc_counter c;

	set_config(HULL_NET_MACVTAP);
	assert_int_equal(run(skel->progs.hull_from_guest, &f), TC_ACT_OK);
	assert_int_equal(run(skel->progs.hull_from_guest, &f), TC_ACT_OK);
	c = sum(skel->maps.hull_stats, HULL_TC_FROM_GUEST);
	assert_int_equal(c.packets, 2);
	assert_int_equal(c.bytes, 2 * f.len);
	assert_int_equal(sum(skel->maps.hull_stats, HULL_TC_TO_GUEST).packets, 0);
	assert_no_drops();
}

static void to_guest_frames_are_counted(void **state)
{
	(void)state;
	/* Any source: policy applies to what the guest sends, not receives. */
	struct frame f = ipv4_udp(other_mac, OTHER_IPV4);
	struct hull_tc_counter c;

	set_config(HULL_NET_TCFILTER);
	assert_int_equal(run(skel->progs.hull_to_guest, &f), TC_ACT_REDIRECT);
	set_config(HULL_NET_MACVTAP);
	assert_int_equal(run(skel->progs.hull_to_guest, &f), TC_ACT_OK);
	c = sum(skel->maps.hull_stats, HULL_TC_TO_GUEST);
	assert_int_equal(c.packets, 2);
	assert_int_equal(c.bytes, 2 * f.len);
	assert_int_equal(sum(skel->maps.hull_stats, HULL_TC_FROM_GUEST).packets, 0);
	assert_no_drops();
}

static void wrong_source_mac_is_dropped(void **state)
{
	(void)state;
	expect_from_guest_drop(ipv4_udp(other_mac, GUEST_IPV4), HULL_DROP_BAD_SRC_MAC);
}

static void wrong_source_ipv4_is_dropped(void **state)
{
	(void)state;
	expect_from_guest_drop(ipv4_udp(guest_mac, OTHER_IPV4), HULL_DROP_BAD_SRC_IPV4);
}

static void arp_with_foreign_spa_is_dropped(void **state)
{
	(void)state;
	expect_from_guest_drop(arp(guest_mac, guest_mac, OTHER_IPV4), HULL_DROP_BAD_ARP_SENDER);
}

static void arp_with_foreign_sha_is_dropped(void **state)
{
	(void)state;
	expect_from_guest_drop(arp(guest_mac, other_mac, GUEST_IPV4), HULL_DROP_BAD_ARP_SENDER);
}

static void arp_from_guest_passes(void **state)
{
	(void)state;
	expect_from_guest_pass(arp(guest_mac, guest_mac, GUEST_IPV4));
}

static void arp_probe_passes(void **state)
{
	(void)state;
	expect_from_guest_pass(arp(guest_mac, guest_mac, "0.0.0.0"));
}

static void wrong_source_ipv6_is_dropped(void **state)
{
	(void)state;
	expect_from_guest_drop(ipv6("fd00::66"), HULL_DROP_BAD_SRC_IPV6);
}

static void configured_ipv6_passes(void **state)
{
	(void)state;
	expect_from_guest_pass(ipv6(GUEST_IPV6));
}

static void link_local_ipv6_passes(void **state)
{
	(void)state;
	expect_from_guest_pass(ipv6("fe80::2"));
}

static void unspecified_ipv6_passes_for_dad(void **state)
{
	(void)state;
	expect_from_guest_pass(ipv6("::"));
}

/*
 * BPF_PROG_TEST_RUN itself refuses IPv4/IPv6 frames shorter than their
 * header (EINVAL), so a truncated IPv4 frame is proven by the selftest
 * (selftests/bpf/test_tc_attach); here, a header length below 20 bytes.
 */
static void ipv4_with_short_header_length_is_malformed(void **state)
{
	(void)state;
	struct frame f = ipv4_udp(guest_mac, GUEST_IPV4);

	f.bytes[ETH_HLEN] = 0x44; /* ihl 4: 16 bytes */
	expect_from_guest_drop(f, HULL_DROP_MALFORMED);
}

static void truncated_arp_is_malformed(void **state)
{
	(void)state;
	struct frame f = arp(guest_mac, guest_mac, GUEST_IPV4);

	f.len = ETH_HLEN + 20;
	expect_from_guest_drop(f, HULL_DROP_MALFORMED);
}

static void vlan_tagged_frame_is_dropped(void **state)
{
	(void)state;
	struct frame f = ipv4_udp(guest_mac, GUEST_IPV4);

	f.bytes[12] = 0x81; /* 802.1Q */
	f.bytes[13] = 0x00;
	expect_from_guest_drop(f, HULL_DROP_BAD_ETHERTYPE);
}

static void unconfigured_endpoint_drops_everything(void **state)
{
	(void)state;
	struct frame f = ipv4_udp(guest_mac, GUEST_IPV4);

	assert_int_equal(run(skel->progs.hull_from_guest, &f), TC_ACT_SHOT);
	assert_int_equal(run(skel->progs.hull_to_guest, &f), TC_ACT_SHOT);
	assert_int_equal(sum(skel->maps.hull_drops, HULL_DROP_NO_CONFIG).packets, 2);
}

static void redirect_without_peer_is_dropped(void **state)
{
	(void)state;
	struct frame f = ipv4_udp(guest_mac, GUEST_IPV4);
	struct hull_tc_config cfg = {.configured = 1, .mode = HULL_TC_MODE_REDIRECT};
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.hull_config), &zero, &cfg, 0),
	                 0);
	assert_int_equal(run(skel->progs.hull_to_guest, &f), TC_ACT_SHOT);
	assert_dropped_once(HULL_DROP_REDIRECT_FAILED, f.len);
}

/* hull_tc_counters_read() sums what a pinned instance counted. */
static void counters_are_read_from_pins(void **state)
{
	(void)state;
	char dir[] = HULL_BPFFS "/hull-unit-XXXXXX";
	char path[PATH_MAX];
	struct hull_tc_counters c;
	struct hull_tc_config cfg;
	cleanup_error hull_error_t err = NULL;
	cleanup_error hull_error_t config_err = NULL;
	int read_rc, config_rc;
	struct frame good = ipv4_udp(guest_mac, GUEST_IPV4);
	struct frame spoofed = ipv4_udp(other_mac, GUEST_IPV4);

	assert_int_equal(hull_bpffs_ensure_mounted(&err), 0);
	assert_non_null(mkdtemp(dir));
	set_config(HULL_NET_MACVTAP);
	for (int i = 0; i < 3; i++)
		run(skel->progs.hull_from_guest, &good);
	run(skel->progs.hull_from_guest, &spoofed);
	run(skel->progs.hull_to_guest, &good);
	snprintf(path, sizeof(path), "%s/hull_stats", dir);
	assert_int_equal(bpf_map__pin(skel->maps.hull_stats, path), 0);
	snprintf(path, sizeof(path), "%s/hull_drops", dir);
	assert_int_equal(bpf_map__pin(skel->maps.hull_drops, path), 0);

	read_rc = hull_tc_counters_read(dir, &c, &err);
	config_rc = hull_tc_config_read(dir, &cfg, &config_err);
	/* Unpin before asserting: a failure must not leave pins behind. */
	bpf_map__unpin(skel->maps.hull_stats, NULL);
	bpf_map__unpin(skel->maps.hull_drops, NULL);
	assert_int_equal(rmdir(dir), 0);

	assert_int_equal(read_rc, 0);
	assert_int_equal(c.dir[HULL_TC_FROM_GUEST].packets, 3);
	assert_int_equal(c.dir[HULL_TC_FROM_GUEST].bytes, 3 * good.len);
	assert_int_equal(c.dir[HULL_TC_TO_GUEST].packets, 1);
	assert_int_equal(c.drops[HULL_DROP_BAD_SRC_MAC].packets, 1);
	assert_int_equal(c.drops[HULL_DROP_MALFORMED].packets, 0);
	assert_string_equal(hull_tc_drop_reason_name(HULL_DROP_BAD_SRC_MAC), "bad_src_mac");
	assert_string_equal(hull_tc_drop_reason_name(HULL_DROP_REASON_COUNT), "unknown");
	assert_string_equal(hull_tc_direction_name(HULL_TC_FROM_GUEST), "from_guest");

	/* No hull_config pinned here: the error names the missing pin. */
	assert_int_equal(config_rc, -1);
	assert_non_null(strstr(config_err->msg, "hull_config"));
	assert_int_equal(config_err->errnum, ENOENT);
}

static void counters_from_missing_pin_dir_name_it(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	struct hull_tc_counters c;

	assert_int_equal(hull_tc_counters_read(HULL_BPFFS "/hull/no-such/eth0", &c, &err), -1);
	assert_non_null(strstr(err->msg, "/sys/fs/bpf/hull/no-such/eth0/hull_stats"));
	assert_int_equal(err->errnum, ENOENT);
}

static void config_rejects_what_does_not_fit(void **state)
{
	(void)state;
	struct hull_ip_addr addrs[HULL_TC_MAX_IPV4 + 1];
	struct hull_endpoint ep = {.name = "eth0",
	                           .ifindex = 2,
	                           .vm_ifindex = 3,
	                           .model = HULL_NET_TCFILTER,
	                           .addrs = addrs,
	                           .n_addrs = HULL_TC_MAX_IPV4 + 1};
	struct hull_tc_config cfg;
	hull_error_t err = NULL;

	memset(addrs, 0, sizeof(addrs));
	for (size_t i = 0; i < ep.n_addrs; i++)
		addrs[i].family = AF_INET;
	memcpy(ep.mac, guest_mac, 6);
	assert_int_equal(hull_tc_config_from_endpoint(&ep, &cfg, &err), -1);
	assert_string_equal(err->msg, "endpoint eth0: more than 8 IPv4 addresses (9 addresses)");
	hull_error_release(&err);

	ep.n_addrs = 1;
	ep.model = HULL_NET_NONE;
	assert_int_equal(hull_tc_config_from_endpoint(&ep, &cfg, &err), -1);
	assert_string_equal(err->msg, "endpoint eth0: model 2 has no TC programs");
	hull_error_release(&err);

	ep.model = HULL_NET_MACVTAP;
	memset(ep.mac, 0, 6);
	assert_int_equal(hull_tc_config_from_endpoint(&ep, &cfg, &err), -1);
	assert_string_equal(err->msg, "endpoint eth0: no MAC address for the guest");
	hull_error_release(&err);

	/* The guest's MAC wins over the link's when both are set. */
	memcpy(ep.mac, other_mac, 6);
	memcpy(ep.guest_mac, guest_mac, 6);
	assert_int_equal(hull_tc_config_from_endpoint(&ep, &cfg, &err), 0);
	assert_memory_equal(cfg.mac, guest_mac, 6);
	assert_int_equal(cfg.mode, HULL_TC_MODE_PASS);
	assert_int_equal(cfg.n_ipv4, 1);
}

static void attach_refuses_bad_sandbox_id(void **state)
{
	(void)state;
	struct hull_endpoint ep = {
	    .name = "eth0", .ifindex = 2, .vm_ifindex = 3, .model = HULL_NET_TCFILTER};
	cleanup_error hull_error_t err = NULL;

	memcpy(ep.mac, guest_mac, 6);
	assert_int_equal(hull_tc_endpoint_attach(&ep, "../etc", &err), -1);
	assert_string_equal(err->msg, "attach TC programs to endpoint eth0: sandbox id \"../etc\" "
	                              "cannot name a pin directory");
	assert_int_equal(ep.done, 0);
}

/* Removes what a failed run of the next test may have left on bpffs. */
static int remove_unit_pins(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s/unit-%d", HULL_BPF_PIN_ROOT, (int)getpid());
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A device that does not exist: attach fails after pinning, naming the
 * device; detach then removes the pins (twice, to show it is idempotent).
 */
static void failed_attach_is_undone_by_detach(void **state)
{
	(void)state;
	struct hull_endpoint ep = {.name = "ghost0",
	                           .ifindex = 999999,
	                           .vm_ifname = "ghosttap",
	                           .vm_ifindex = 999998,
	                           .model = HULL_NET_TCFILTER};
	cleanup_error hull_error_t err = NULL;
	char sandbox[32], sandbox_dir[PATH_MAX];
	struct stat st;

	snprintf(sandbox, sizeof(sandbox), "unit-%d", (int)getpid());
	memcpy(ep.mac, guest_mac, 6);
	assert_int_equal(hull_tc_endpoint_attach(&ep, sandbox, &err), -1);
	assert_non_null(strstr(err->msg, "create clsact qdisc on ghost0 (ifindex 999999)"));
	assert_int_equal(err->errnum, ENODEV);
	/* Every step attach would take is marked before the first (a crash anywhere is covered). */
	assert_int_equal(ep.done, HULL_STEP_BPF_PINNED | HULL_STEP_LINK_QDISC_ADDED |
	                              HULL_STEP_VM_QDISC_ADDED | HULL_STEP_TO_GUEST_FILTER |
	                              HULL_STEP_FROM_GUEST_FILTER);
	assert_int_equal(stat(ep.bpf_pin_dir, &st), 0);

	assert_int_equal(hull_tc_endpoint_detach(&ep, &err), 0);
	assert_int_equal(ep.done, 0);
	assert_int_equal(stat(ep.bpf_pin_dir, &st), -1);
	snprintf(sandbox_dir, sizeof(sandbox_dir), "%s/%s", HULL_BPF_PIN_ROOT, sandbox);
	assert_int_equal(stat(sandbox_dir, &st), -1);
	/* Everything recorded as done is gone, so teardown again is a no-op. */
	ep.done = HULL_STEP_BPF_PINNED | HULL_STEP_LINK_QDISC_ADDED | HULL_STEP_VM_QDISC_ADDED |
	          HULL_STEP_TO_GUEST_FILTER | HULL_STEP_FROM_GUEST_FILTER;
	assert_int_equal(hull_tc_endpoint_detach(&ep, &err), 0);
	assert_int_equal(ep.done, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(good_ipv4_is_redirected_in_tcfilter, load, unload),
	    cmocka_unit_test_setup_teardown(good_ipv4_passes_in_macvtap, load, unload),
	    cmocka_unit_test_setup_teardown(to_guest_frames_are_counted, load, unload),
	    cmocka_unit_test_setup_teardown(wrong_source_mac_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(wrong_source_ipv4_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(arp_with_foreign_spa_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(arp_with_foreign_sha_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(arp_from_guest_passes, load, unload),
	    cmocka_unit_test_setup_teardown(arp_probe_passes, load, unload),
	    cmocka_unit_test_setup_teardown(wrong_source_ipv6_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(configured_ipv6_passes, load, unload),
	    cmocka_unit_test_setup_teardown(link_local_ipv6_passes, load, unload),
	    cmocka_unit_test_setup_teardown(unspecified_ipv6_passes_for_dad, load, unload),
	    cmocka_unit_test_setup_teardown(ipv4_with_short_header_length_is_malformed, load,
	                                    unload),
	    cmocka_unit_test_setup_teardown(truncated_arp_is_malformed, load, unload),
	    cmocka_unit_test_setup_teardown(vlan_tagged_frame_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(unconfigured_endpoint_drops_everything, load, unload),
	    cmocka_unit_test_setup_teardown(redirect_without_peer_is_dropped, load, unload),
	    cmocka_unit_test_setup_teardown(counters_are_read_from_pins, load, unload),
	    cmocka_unit_test(counters_from_missing_pin_dir_name_it),
	    cmocka_unit_test(config_rejects_what_does_not_fit),
	    cmocka_unit_test(attach_refuses_bad_sandbox_id),
	    cmocka_unit_test_teardown(failed_attach_is_undone_by_detach, remove_unit_pins),
	};

	if (!bpf_tests_can_load())
		return 4;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
