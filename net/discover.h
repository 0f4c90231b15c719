/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Endpoint discovery: what a container's network namespace holds, read
 * with libnl-route-3 and written into struct hull_endpoint (one per link
 * except lo).  Only veth, macvlan and ipvlan links can be carried into a
 * VM; any other kind is refused with the link and its kind named.
 *
 * What is kept (see docs/networking.md for the why):
 *   addresses  every IPv4/IPv6 address except IPv6 link-local (fe80::/10),
 *              which the guest's kernel derives itself from the same MAC;
 *   routes     main table, unicast, leaving through the link (its nexthop's
 *              ifindex), except proto kernel routes (the prefix routes the
 *              kernel adds with each address: the guest's kernel adds them
 *              when the address is configured) and IPv6 fe80::/ff00:: routes;
 *   neighbours NUD_PERMANENT IPv4/IPv6 entries on the link.
 */
#ifndef HULL_NET_DISCOVER_H
#define HULL_NET_DISCOVER_H

#include <stddef.h>

#include <netlink/netlink.h>

#include "common/error.h"
#include "net/endpoint.h"

/*
 * Discovers the endpoints of the network namespace the socket is bound
 * to.  On success *eps is a malloc'd array of *n (>= 1) endpoints sorted
 * by ifindex; free it with hull_endpoints_free().
 */
int hull_discover_here(struct nl_sock *sk, struct hull_endpoint **eps, size_t *n,
                       hull_error_t *err);

/* The same for the namespace at netns_path; the thread comes back after. */
int hull_discover(const char *netns_path, struct hull_endpoint **eps, size_t *n, hull_error_t *err);

void hull_endpoints_free(struct hull_endpoint *eps, size_t n);

#endif
