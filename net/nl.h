/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The boundary between hull and libnl-route-3: a socket in the current
 * network namespace, NLE_* codes turned into hull_error_t, cleanup
 * attributes for libnl objects, and the few link changes every model
 * needs (MAC, MTU, up).
 */
#ifndef HULL_NET_NL_H
#define HULL_NET_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "common/error.h"

static inline void cleanup_nl_sockp(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}

static inline void cleanup_nl_objectp(void *p)
{
	struct nl_object **o = (struct nl_object **)p;

	if (*o)
		nl_object_put(*o);
}

static inline void cleanup_nl_cachep(struct nl_cache **c)
{
	if (*c)
		nl_cache_free(*c);
}

static inline void cleanup_nl_addrp(struct nl_addr **a)
{
	if (*a)
		nl_addr_put(*a);
}

#define cleanup_nl_sock __attribute__((cleanup(cleanup_nl_sockp)))
/* For rtnl_link, rtnl_addr, rtnl_route, rtnl_neigh: all are nl_objects. */
#define cleanup_nl_object __attribute__((cleanup(cleanup_nl_objectp)))
#define cleanup_nl_cache __attribute__((cleanup(cleanup_nl_cachep)))
#define cleanup_nl_addr __attribute__((cleanup(cleanup_nl_addrp)))

/* Fills *err with "<what>: <nl_geterror(nlerr)>" and returns -1. */
int hull_nl_fail(hull_error_t *err, int nlerr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True for the codes libnl uses when a link (or other object) is gone. */
bool hull_nl_is_gone(int nlerr);

/* A NETLINK_ROUTE socket bound to the calling thread's network namespace. */
struct nl_sock *hull_nl_connect(hull_error_t *err);

/* The link named `name` (ifindex 0) or with `ifindex`; -ENODEV when absent. */
int hull_nl_get_link(struct nl_sock *sk, int ifindex, const char *name, struct rtnl_link **out,
                     hull_error_t *err);

/* 1 when a link is named `name`, 0 when none is, -1 when netlink fails. */
int hull_nl_name_taken(struct nl_sock *sk, const char *name, hull_error_t *err);

/*
 * Makes noqueue the device's root qdisc.  For a tap or a macvtap, whose
 * transmit queue never stops (tun drops when the VM's ring is full, macvlan
 * hands every frame to its lower device), a root qdisc never holds a frame
 * and only adds an enqueue and a dequeue to each.
 */
int hull_nl_set_noqueue(struct nl_sock *sk, int ifindex, hull_error_t *err);

/* Sets whichever of mac (non-NULL), mtu, group (non-zero) and up (true) are given. */
int hull_nl_link_change(struct nl_sock *sk, int ifindex, const uint8_t *mac, uint32_t mtu,
                        uint32_t group, bool up, hull_error_t *err);

/*
 * Deletes every link of the namespace in `group` with one request: the
 * kernel then pays the cost of unregistering links (RCU grace periods,
 * ~17 ms here) once for all of them.
 */
int hull_nl_delete_group(struct nl_sock *sk, uint32_t group, hull_error_t *err);

/* A random unicast, locally administered MAC, different from `avoid`. */
int hull_random_mac(uint8_t mac[6], const uint8_t *avoid, hull_error_t *err);

#endif
