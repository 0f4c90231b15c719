/* SPDX-License-Identifier: Apache-2.0 */
#include "net/nl.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>

#include "common/cleanup.h"

int hull_nl_fail(hull_error_t *err, int nlerr, const char *fmt, ...)
{
	cleanup_free char *what = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hull_fail(err, ENOMEM, "netlink error");
	return hull_fail(err, 0, "%s: %s", what, nl_geterror(nlerr < 0 ? -nlerr : nlerr));
}

bool hull_nl_is_gone(int nlerr)
{
	int e = nlerr < 0 ? -nlerr : nlerr;

	return e == NLE_NODEV || e == NLE_OBJ_NOTFOUND;
}

struct nl_sock *hull_nl_connect(hull_error_t *err)
{
	cleanup_nl_sock struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (sk == NULL) {
		hull_fail(err, ENOMEM, "allocate netlink socket");
		return NULL;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		hull_nl_fail(err, r, "connect netlink socket");
		return NULL;
	}
	return steal_pointer(&sk);
}

int hull_nl_get_link(struct nl_sock *sk, int ifindex, const char *name, struct rtnl_link **out,
                     hull_error_t *err)
{
	int r = rtnl_link_get_kernel(sk, ifindex, name, out);

	if (r < 0) {
		if (hull_nl_is_gone(r)) {
			if (name)
				hull_fail(err, ENODEV, "link %s", name);
			else
				hull_fail(err, ENODEV, "link with ifindex %d", ifindex);
			return -ENODEV;
		}
		if (name)
			return hull_nl_fail(err, r, "get link %s", name);
		return hull_nl_fail(err, r, "get link with ifindex %d", ifindex);
	}
	return 0;
}

int hull_nl_name_taken(struct nl_sock *sk, const char *name, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *existing = NULL;
	cleanup_error hull_error_t probe = NULL;
	int r = hull_nl_get_link(sk, 0, name, &existing, &probe);

	if (r == 0)
		return 1;
	if (r != -ENODEV) {
		*err = steal_pointer(&probe);
		return -1;
	}
	return 0;
}

int hull_nl_set_noqueue(struct nl_sock *sk, int ifindex, hull_error_t *err)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int r;

	if (q == NULL)
		return hull_fail(err, ENOMEM, "allocate qdisc");
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	r = rtnl_tc_set_kind(TC_CAST(q), "noqueue");
	if (r == 0)
		r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_qdisc_put(q);
	if (r < 0)
		return hull_nl_fail(err, r, "set root qdisc noqueue");
	return 0;
}

int hull_nl_link_change(struct nl_sock *sk, int ifindex, const uint8_t *mac, uint32_t mtu,
                        uint32_t group, bool up, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *orig = NULL;
	cleanup_nl_object struct rtnl_link *change = NULL;
	cleanup_nl_addr struct nl_addr *lladdr = NULL;
	int r;

	r = hull_nl_get_link(sk, ifindex, NULL, &orig, err);
	if (r < 0)
		return r;
	change = rtnl_link_alloc();
	if (change == NULL)
		return hull_fail(err, ENOMEM, "allocate link");
	if (mac) {
		lladdr = nl_addr_build(AF_LLC, mac, 6);
		if (lladdr == NULL)
			return hull_fail(err, ENOMEM, "allocate address");
		rtnl_link_set_addr(change, lladdr);
	}
	if (mtu)
		rtnl_link_set_mtu(change, mtu);
	if (group)
		rtnl_link_set_group(change, group);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, orig, change, 0);
	if (r < 0)
		return hull_nl_fail(err, r, "change link %s", rtnl_link_get_name(orig));
	return 0;
}

int hull_nl_delete_group(struct nl_sock *sk, uint32_t group, hull_error_t *err)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	int r;

	if (msg == NULL)
		return hull_fail(err, ENOMEM, "delete link group %u", group);
	/* No ifindex and no name: the kernel deletes the whole group. */
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, IFLA_GROUP, group) < 0) {
		nlmsg_free(msg);
		return hull_fail(err, ENOMEM, "delete link group %u", group);
	}
	r = nl_send_sync(sk, msg); /* frees msg */
	if (r < 0)
		return hull_nl_fail(err, r, "delete link group %u", group);
	return 0;
}

int hull_random_mac(uint8_t mac[6], const uint8_t *avoid, hull_error_t *err)
{
	do {
		if (getrandom(mac, 6, 0) != 6)
			return hull_fail(err, errno, "random MAC");
		mac[0] = (mac[0] & 0xfe) | 0x02; /* unicast, locally administered */
	} while (avoid && memcmp(mac, avoid, 6) == 0);
	return 0;
}
