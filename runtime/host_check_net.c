/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull check`'s network checks, in one throwaway network namespace: a
 * forked child unshares one, makes a veth pair, and tries on it what
 * hull's networking needs: a clsact qdisc, hull's real TC programs loaded
 * and attached as a direct-action cls_bpf filter, bpf_redirect() at run
 * time (BPF_PROG_TEST_RUN), and macvlan, macvtap and ipvlan links.  It
 * sends its items to the parent as the JSON of a report; the namespace,
 * and all in it, dies with the child.  Nothing is pinned.
 */
#include "runtime/host_check_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "net/nl.h"
#include "hull_tc.skel.h"

#define VETH_LINK "hullchk0"  /* the "container's" end: hull_to_guest's hook */
#define VETH_PEER "hullchk1"  /* stands for the tap */
#define LINK_GROUP 0x48554c43 /* "HULC": the links made to be deleted together */
#define GUEST_IPV4 "10.255.0.2"
#define PEER_IPV4 "10.255.0.1"

static const uint8_t guest_mac[6] = {0x02, 'h', 'u', 'l', 'l', 0x02};
static const uint8_t peer_mac[6] = {0x02, 'h', 'u', 'l', 'l', 0x01};

/* The items this file reports, in order, and their status when the check cannot run. */
static const struct {
	const char *name;
	enum hull_check_status level;
} net_items[] = {
    {"tc.clsact", HULL_CHECK_FAIL},    {"tc.cls_bpf", HULL_CHECK_FAIL},
    {"bpf.redirect", HULL_CHECK_FAIL}, {"link.macvlan", HULL_CHECK_WARN},
    {"link.macvtap", HULL_CHECK_WARN}, {"link.ipvlan", HULL_CHECK_WARN},
};

/* The link kinds an endpoint may be made of, and what their absence costs. */
static const struct {
	const char *kind;
	const char *item;
	const char *without; /* what the kernel's refusal means for hull */
	const char *option;  /* the kernel option that provides it */
} link_kinds[] = {
    {"macvlan", "link.macvlan", "macvlan endpoints cannot be used", "CONFIG_MACVLAN"},
    {"macvtap", "link.macvtap", "the macvtap model is unavailable (use tcfilter)",
     "CONFIG_MACVTAP"},
    {"ipvlan", "link.ipvlan", "ipvlan endpoints cannot be used", "CONFIG_IPVLAN"},
};

/* Appends every item of net_items: got's when it has one, else "not checked: <why>". */
static void add_items(struct hull_check_report *r, const struct hull_check_report *got,
                      const char *why)
{
	for (size_t i = 0; i < sizeof(net_items) / sizeof(net_items[0]); i++) {
		const struct hull_check_item *it = hull_check_report_find(got, net_items[i].name);

		if (it)
			hull_check_add(r, it->name, it->status, it->ms, "%s", it->detail);
		else
			hull_check_add(r, net_items[i].name, net_items[i].level, 0,
			               "not checked: %s", why);
	}
}

static void hull_tc_destroyp(struct hull_tc **skel)
{
	hull_tc__destroy(*skel);
}
#define cleanup_hull_tc __attribute__((cleanup(hull_tc_destroyp)))

static int make_veth(struct nl_sock *sk, int *link, int *peer, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *veth = rtnl_link_veth_alloc();
	cleanup_nl_object struct rtnl_link *other = NULL;
	int rc;

	if (veth == NULL)
		return hull_fail(err, ENOMEM, "make a veth pair");
	other = rtnl_link_veth_get_peer(veth); /* a reference of its own */
	rtnl_link_set_name(veth, VETH_LINK);
	rtnl_link_set_name(other, VETH_PEER);
	rc = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0)
		return hull_nl_fail(err, rc, "make a veth pair");
	*link = (int)if_nametoindex(VETH_LINK);
	*peer = (int)if_nametoindex(VETH_PEER);
	if (*link == 0 || *peer == 0)
		return hull_fail(err, errno, "find the veth pair %s/%s", VETH_LINK, VETH_PEER);
	return 0;
}

static int fill_config(struct hull_tc *skel, int link, int peer, hull_error_t *err)
{
	struct hull_ip_addr addr = {.family = AF_INET, .prefix_len = 24};
	struct hull_endpoint ep = {.model = HULL_NET_TCFILTER,
	                           .ifindex = link,
	                           .vm_ifindex = peer,
	                           .addrs = &addr,
	                           .n_addrs = 1};
	struct hull_tc_config cfg;
	uint32_t zero = 0;

	snprintf(ep.name, sizeof(ep.name), VETH_LINK);
	snprintf(ep.vm_ifname, sizeof(ep.vm_ifname), VETH_PEER);
	memcpy(ep.mac, guest_mac, 6);
	inet_pton(AF_INET, GUEST_IPV4, addr.addr);
	if (hull_tc_config_from_endpoint(&ep, &cfg, err) < 0)
		return -1;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.hull_config), &zero, &cfg, BPF_ANY) < 0)
		return hull_fail(err, errno, "fill map hull_config");
	return 0;
}

/* Ethernet + IPv4 + UDP, padded to the 60 bytes of a minimal frame. */
static size_t udp_frame(uint8_t f[60], const uint8_t *dst_mac, const uint8_t *src_mac,
                        const char *src_ip, const char *dst_ip)
{
	uint8_t *ip = f + ETH_HLEN, *udp = ip + 20;

	memset(f, 0, 60);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = ETH_P_IP >> 8;
	f[13] = ETH_P_IP & 0xff;
	ip[0] = 0x45;   /* IPv4, 20-byte header */
	ip[3] = 20 + 8; /* total length */
	ip[8] = 64;     /* ttl */
	ip[9] = 17;     /* UDP */
	inet_pton(AF_INET, src_ip, ip + 12);
	inet_pton(AF_INET, dst_ip, ip + 16);
	udp[1] = udp[3] = 9; /* ports: discard */
	udp[5] = 8;          /* UDP length */
	return 60;
}

/*
 * Runs prog on frame once; fails unless it returns TC_ACT_REDIRECT.
 * *refused says whether the program ran and returned another verdict.
 */
static int expect_redirect(const struct bpf_program *prog, const uint8_t *frame, size_t len,
                           const char *which, bool *refused, hull_error_t *err)
{
	uint8_t out[128]; /* unused, but checkers take a NULL data_out for a bad pointer */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
	            .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int rc = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	if (rc < 0)
		return hull_fail(err, -rc, "BPF_PROG_TEST_RUN of %s", bpf_program__name(prog));
	if (opts.retval != TC_ACT_REDIRECT) {
		*refused = true;
		return hull_fail(err, 0,
		                 "%s returned %d, not TC_ACT_REDIRECT (%d), for a frame %s the "
		                 "guest",
		                 bpf_program__name(prog), (int)opts.retval, TC_ACT_REDIRECT, which);
	}
	return 0;
}

/* bpf.redirect: both programs forward a frame they should (to the peer's ifindex). */
static void check_redirect(struct hull_check_report *r, struct hull_tc *skel, int link, int peer)
{
	cleanup_error hull_error_t err = NULL;
	double t0 = hc_now_ms();
	uint8_t to[60], from[60];
	size_t to_len = udp_frame(to, guest_mac, peer_mac, PEER_IPV4, GUEST_IPV4);
	size_t from_len = udp_frame(from, peer_mac, guest_mac, GUEST_IPV4, PEER_IPV4);
	bool refused = false;
	char why[512];

	if (fill_config(skel, link, peer, &err) < 0 ||
	    expect_redirect(skel->progs.hull_to_guest, to, to_len, "to", &refused, &err) < 0 ||
	    expect_redirect(skel->progs.hull_from_guest, from, from_len, "from", &refused, &err) <
	        0) {
		hull_check_add(r, "bpf.redirect", HULL_CHECK_FAIL, hc_now_ms() - t0, "%s: %s",
		               hc_error_text(err, why, sizeof(why)),
		               refused ? "bpf_redirect() does not work here, so tcfilter endpoints "
		                         "cannot forward (use the macvtap model)"
		                       : "bpf_redirect() could not be tried");
		return;
	}
	hull_check_add(r, "bpf.redirect", HULL_CHECK_OK, hc_now_ms() - t0,
	               "hull_to_guest and hull_from_guest return TC_ACT_REDIRECT (%d) for frames "
	               "to and from the guest (BPF_PROG_TEST_RUN)",
	               TC_ACT_REDIRECT);
}

/* tc.clsact, tc.cls_bpf and bpf.redirect on the veth end `link`. */
static void check_tc(struct hull_check_report *r, int link, int peer)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = link, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = HULL_TC_HANDLE,
	                    .priority = HULL_TC_PRIORITY);
	cleanup_hull_tc struct hull_tc *skel = NULL;
	double t0 = hc_now_ms();
	int rc = bpf_tc_hook_create(&hook);

	if (rc < 0) {
		hull_check_add(r, "tc.clsact", HULL_CHECK_FAIL, hc_now_ms() - t0,
		               "the kernel refuses a clsact qdisc on a veth: %s: hull's TC "
		               "programs hook there (CONFIG_NET_SCH_INGRESS, module sch_ingress)",
		               strerror(-rc));
	} else {
		hull_check_add(r, "tc.clsact", HULL_CHECK_OK, hc_now_ms() - t0,
		               "clsact qdisc added on a veth in a throwaway namespace");
	}

	t0 = hc_now_ms();
	hull_tc_route_libbpf_logs();
	skel = hull_tc__open_and_load();
	if (skel == NULL) {
		int e = errno;

		hull_check_add(r, "tc.cls_bpf", HULL_CHECK_FAIL, hc_now_ms() - t0,
		               "the kernel refuses hull's TC programs: %s (`hull --debug check` "
		               "shows the verifier's log)",
		               strerror(e));
		hull_check_add(r, "bpf.redirect", HULL_CHECK_FAIL, 0,
		               "not checked: hull's TC programs did not load (see tc.cls_bpf)");
		return;
	}
	if (rc < 0) {
		hull_check_add(r, "tc.cls_bpf", HULL_CHECK_FAIL, hc_now_ms() - t0,
		               "hull's TC programs load, but there is no clsact qdisc to attach "
		               "them to (see tc.clsact)");
	} else {
		opts.prog_fd = bpf_program__fd(skel->progs.hull_to_guest);
		rc = bpf_tc_attach(&hook, &opts);
		if (rc < 0)
			hull_check_add(r, "tc.cls_bpf", HULL_CHECK_FAIL, hc_now_ms() - t0,
			               "attach hull_to_guest to a veth's clsact ingress: %s: hull "
			               "needs cls_bpf (CONFIG_NET_CLS_BPF, module cls_bpf)",
			               strerror(-rc));
		else
			hull_check_add(
			    r, "tc.cls_bpf", HULL_CHECK_OK, hc_now_ms() - t0,
			    "the verifier accepts hull_to_guest and hull_from_guest (and "
			    "their bpf_redirect); hull_to_guest attached as a "
			    "direct-action cls_bpf filter on a veth's ingress");
	}
	check_redirect(r, skel, link, peer);
}

/* Makes a link of `kind` on `link`, in LINK_GROUP. */
static int make_link(struct nl_sock *sk, const char *kind, int link, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *l = rtnl_link_alloc();
	char name[IFNAMSIZ];
	int rc;

	if (l == NULL)
		return hull_fail(err, ENOMEM, "make a %s link", kind);
	snprintf(name, sizeof(name), "hullchk-%s", kind);
	rtnl_link_set_name(l, name);
	rtnl_link_set_link(l, link);
	rtnl_link_set_group(l, LINK_GROUP);
	rc = rtnl_link_set_type(l, kind);
	if (rc >= 0)
		rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0)
		return hull_nl_fail(err, rc, "the kernel refuses a link of type %s on a veth",
		                    kind);
	return 0;
}

/* link.macvlan, link.macvtap, link.ipvlan: one of each on `link`; true when any was made. */
static bool check_links(struct hull_check_report *r, struct nl_sock *sk, int link)
{
	bool made = false;

	for (size_t i = 0; i < sizeof(link_kinds) / sizeof(link_kinds[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		double t0 = hc_now_ms();
		char why[512];

		if (make_link(sk, link_kinds[i].kind, link, &err) < 0) {
			hull_check_add(r, link_kinds[i].item, HULL_CHECK_WARN, hc_now_ms() - t0,
			               "%s: %s (%s)", hc_error_text(err, why, sizeof(why)),
			               link_kinds[i].without, link_kinds[i].option);
			continue;
		}
		made = true;
		hull_check_add(r, link_kinds[i].item, HULL_CHECK_OK, hc_now_ms() - t0,
		               "the kernel makes a link of type %s on a veth", link_kinds[i].kind);
	}
	return made;
}

/*
 * Deletes the links check_links() made, all in one request (the kernel
 * pays for unregistering links once), on a thread: that takes ~20 ms here,
 * during which the TC checks run.  The namespace would take them with it,
 * but a macvtap's /dev/tapN on the host goes now rather than whenever the
 * kernel gets round to the dead namespace.
 */
static void *delete_links(void *arg)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_nl_sock struct nl_sock *sk = hull_nl_connect(&err);

	(void)arg;
	if (sk == NULL || hull_nl_delete_group(sk, LINK_GROUP, &err) < 0)
		log_debug("hull check: %s (the namespace takes the links with it)",
		          hull_error_str(err));
	return NULL;
}

static void net_checks(struct hull_check_report *r)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_nl_sock struct nl_sock *sk = NULL;
	struct hull_check_report none = {0};
	char why[512], text[400];
	int link = 0, peer = 0;
	pthread_t deleter;
	bool deleting;

	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;

		snprintf(why, sizeof(why),
		         "cannot make a throwaway network namespace: unshare(CLONE_NEWNET): %s%s",
		         strerror(e), e == EPERM ? " (run hull check as root)" : "");
		add_items(r, &none, why);
		return;
	}
	sk = hull_nl_connect(&err);
	if (sk == NULL || make_veth(sk, &link, &peer, &err) < 0) {
		snprintf(why, sizeof(why), "in a throwaway network namespace: %s (CONFIG_VETH)",
		         hc_error_text(err, text, sizeof(text)));
		add_items(r, &none, why);
		return;
	}
	deleting =
	    check_links(r, sk, link) && pthread_create(&deleter, NULL, delete_links, NULL) == 0;
	check_tc(r, link, peer);
	if (deleting)
		pthread_join(deleter, NULL);
}

/* The child: its report, as JSON, on fd. */
static void net_child(int fd, void *arg)
{
	struct hull_check_report r = {0};
	json_t *j;

	(void)arg;
	net_checks(&r);
	j = hull_check_report_json(&r);
	if (j == NULL || json_dumpfd(j, fd, JSON_COMPACT) < 0)
		_exit(1);
	json_decref(j);
	hull_check_report_free(&r);
}

void hc_net_start(struct hc_child *c)
{
	hc_child_fork(c, "the network checks' child", net_child, NULL);
}

/* The child's report back from its JSON; false when it is not one. */
static bool parse_report(const char *text, size_t len, struct hull_check_report *r)
{
	cleanup_json json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
	json_t *checks = json_object_get(j, "checks"), *c;
	size_t i;

	if (!json_is_array(checks))
		return false;
	json_array_foreach(checks, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *status = json_string_value(json_object_get(c, "status"));
		const char *detail = json_string_value(json_object_get(c, "detail"));
		enum hull_check_status s = HULL_CHECK_FAIL;

		if (!name || !status || !detail)
			continue;
		if (!strcmp(status, "ok"))
			s = HULL_CHECK_OK;
		else if (!strcmp(status, "warn"))
			s = HULL_CHECK_WARN;
		hull_check_add(r, name, s, json_number_value(json_object_get(c, "ms")), "%s",
		               detail);
	}
	return true;
}

void hc_net_report(const struct hc_child *c, unsigned timeout_ms, struct hull_check_report *r)
{
	struct hull_check_report got = {0};
	char outcome[400], why[512];

	bool parsed = parse_report(c->out, c->len, &got);

	if (!hc_child_succeeded(c))
		snprintf(why, sizeof(why), "%s %s", c->what,
		         hc_child_outcome(c, timeout_ms, outcome, sizeof(outcome)));
	else
		snprintf(why, sizeof(why), "%s %s", c->what,
		         parsed ? "did not report it" : "sent no report");
	add_items(r, &got, why);
	hull_check_report_free(&got);
}
