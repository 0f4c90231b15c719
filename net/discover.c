/* SPDX-License-Identifier: Apache-2.0 */
#include "net/discover.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "common/cleanup.h"
#include "net/netns.h"
#include "net/nl.h"
#include "net/tap.h"

void hull_endpoints_free(struct hull_endpoint *eps, size_t n)
{
	if (eps == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		hull_endpoint_clear(&eps[i]);
	free(eps);
}

/* Everything discovery reads, dumped once for all links. */
struct dump {
	struct nl_cache *addrs;
	struct nl_cache *routes;
	struct nl_cache *neighbours;
};

/* Grows *array (of *n elements of size) by one zeroed element. */
static void *append(void *array_ptr, size_t *n, size_t size, hull_error_t *err)
{
	void **array = array_ptr;
	char *grown = realloc(*array, (*n + 1) * size);

	if (grown == NULL) {
		hull_fail(err, ENOMEM, "allocate");
		return NULL;
	}
	*array = grown;
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

/* Copies an nl_addr's bytes (at most 16). */
static void copy_addr(uint8_t out[16], struct nl_addr *a)
{
	unsigned len = nl_addr_get_len(a);

	memset(out, 0, 16);
	if (len > 16)
		len = 16;
	memcpy(out, nl_addr_get_binary_addr(a), len);
}

static bool is_ipv6_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_ipv6_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static int fill_addrs(struct dump *d, struct hull_endpoint *ep, hull_error_t *err)
{
	for (struct nl_object *o = nl_cache_get_first(d->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		int family = rtnl_addr_get_family(a);
		struct hull_ip_addr *out;
		uint8_t bytes[16];

		if (rtnl_addr_get_ifindex(a) != ep->ifindex || local == NULL)
			continue;
		if (family != AF_INET && family != AF_INET6)
			continue;
		copy_addr(bytes, local);
		/* The guest derives its own link-local address: kept apart (macvtap moves them). */
		if (family == AF_INET6 && is_ipv6_link_local(bytes))
			out = append(&ep->link_local, &ep->n_link_local, sizeof(*out), err);
		else
			out = append(&ep->addrs, &ep->n_addrs, sizeof(*out), err);
		if (out == NULL)
			return -1;
		out->family = family;
		memcpy(out->addr, bytes, 16);
		out->prefix_len = rtnl_addr_get_prefixlen(a);
	}
	return 0;
}

/* The nexthop of the route that leaves through ifindex, or NULL. */
static struct rtnl_nexthop *nexthop_through(struct rtnl_route *r, int ifindex)
{
	int n = rtnl_route_get_nnexthops(r);

	for (int i = 0; i < n; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);

		if (nh && rtnl_route_nh_get_ifindex(nh) == ifindex)
			return nh;
	}
	return NULL;
}

static int fill_routes(struct dump *d, struct hull_endpoint *ep, hull_error_t *err)
{
	for (struct nl_object *o = nl_cache_get_first(d->routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		int family = rtnl_route_get_family(r);
		struct rtnl_nexthop *nh;
		struct hull_route *out;
		struct nl_addr *dst;
		struct nl_addr *gw;
		uint32_t mtu = 0;
		uint8_t dst_bytes[16] = {0};

		if (family != AF_INET && family != AF_INET6)
			continue;
		if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(r) != RTN_UNICAST ||
		    rtnl_route_get_protocol(r) == RTPROT_KERNEL)
			continue;
		nh = nexthop_through(r, ep->ifindex);
		if (nh == NULL)
			continue;
		dst = rtnl_route_get_dst(r);
		if (dst)
			copy_addr(dst_bytes, dst);
		if (family == AF_INET6 &&
		    (is_ipv6_link_local(dst_bytes) || is_ipv6_multicast(dst_bytes)) && dst &&
		    nl_addr_get_prefixlen(dst) > 0)
			continue;
		out = append(&ep->routes, &ep->n_routes, sizeof(*out), err);
		if (out == NULL)
			return -1;
		out->family = family;
		memcpy(out->dst, dst_bytes, 16);
		out->dst_len = dst ? nl_addr_get_prefixlen(dst) : 0;
		gw = rtnl_route_nh_get_gateway(nh);
		if (gw && nl_addr_get_len(gw) > 0) {
			out->has_gateway = true;
			copy_addr(out->gateway, gw);
		}
		out->scope = rtnl_route_get_scope(r);
		if (rtnl_route_get_metric(r, RTAX_MTU, &mtu) == 0)
			out->mtu = mtu;
	}
	return 0;
}

static int fill_neighbours(struct dump *d, struct hull_endpoint *ep, hull_error_t *err)
{
	for (struct nl_object *o = nl_cache_get_first(d->neighbours); o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *nb = (struct rtnl_neigh *)o;
		int family = rtnl_neigh_get_family(nb);
		struct nl_addr *dst = rtnl_neigh_get_dst(nb);
		struct nl_addr *ll = rtnl_neigh_get_lladdr(nb);
		struct hull_neighbour *out;

		if (rtnl_neigh_get_ifindex(nb) != ep->ifindex)
			continue;
		if (family != AF_INET && family != AF_INET6)
			continue;
		if (!(rtnl_neigh_get_state(nb) & NUD_PERMANENT) || dst == NULL || ll == NULL ||
		    nl_addr_get_len(ll) != 6)
			continue;
		out = append(&ep->neighbours, &ep->n_neighbours, sizeof(*out), err);
		if (out == NULL)
			return -1;
		out->family = family;
		copy_addr(out->addr, dst);
		memcpy(out->mac, nl_addr_get_binary_addr(ll), 6);
	}
	return 0;
}

/* name is "<prefix><digits>_hull", as hull names its taps and macvtaps. */
static bool hull_named(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = name + n;

	if (strncmp(name, prefix, n) != 0 || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return strcmp(p, "_hull") == 0;
}

/*
 * A tap or macvtap hull made for a sandbox: this namespace is that
 * sandbox's (hull sets up one sandbox per network namespace).
 */
static int refuse_hull_device(struct rtnl_link *link, const char *type, hull_error_t *err)
{
	const char *name = rtnl_link_get_name(link);
	const char *what = NULL;

	if (strcmp(type, "tun") == 0 &&
	    (hull_named(name, "tap") || rtnl_link_get_group(link) == HULL_TAP_GROUP))
		what = "tap";
	else if (strcmp(type, "macvtap") == 0 && hull_named(name, "mvtap"))
		what = "macvtap";
	if (what == NULL)
		return 0;
	return hull_fail(err, EBUSY,
	                 "in use by another sandbox: it holds hull's %s %s (hull sets up one "
	                 "sandbox per network namespace)",
	                 what, name);
}

static int classify(struct rtnl_link *link, enum hull_link_kind *kind, hull_error_t *err)
{
	const char *type = rtnl_link_get_type(link);

	if (type && hull_link_kind_parse(type, kind) == 0)
		return 0;
	if (type)
		return hull_fail(err, 0,
		                 "link %s: kind \"%s\" is not supported (veth, macvlan, ipvlan)",
		                 rtnl_link_get_name(link), type);
	return hull_fail(err, 0,
	                 "link %s: a device without a link kind (physical?) is not supported "
	                 "(veth, macvlan, ipvlan)",
	                 rtnl_link_get_name(link));
}

static int fill_endpoint(struct dump *d, struct rtnl_link *link, struct hull_endpoint *ep,
                         hull_error_t *err)
{
	const char *name = rtnl_link_get_name(link);
	struct nl_addr *mac = rtnl_link_get_addr(link);

	if (classify(link, &ep->kind, err) < 0)
		return -1;
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	ep->ifindex = rtnl_link_get_ifindex(link);
	ep->mtu = rtnl_link_get_mtu(link);
	if (mac == NULL || nl_addr_get_len(mac) != 6)
		return hull_fail(err, 0, "link %s: no Ethernet address", name);
	memcpy(ep->mac, nl_addr_get_binary_addr(mac), 6);
	if (fill_addrs(d, ep, err) < 0 || fill_routes(d, ep, err) < 0 ||
	    fill_neighbours(d, ep, err) < 0)
		return hull_error_prefix(err, "link %s", name);
	return 0;
}

static int by_ifindex(const void *a, const void *b)
{
	const struct hull_endpoint *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static bool is_loopback(struct rtnl_link *link)
{
	return (rtnl_link_get_flags(link) & IFF_LOOPBACK) != 0;
}

int hull_discover_here(struct nl_sock *sk, struct hull_endpoint **eps_out, size_t *n_out,
                       hull_error_t *err)
{
	cleanup_nl_cache struct nl_cache *links = NULL;
	cleanup_nl_cache struct nl_cache *addrs = NULL;
	cleanup_nl_cache struct nl_cache *routes = NULL;
	cleanup_nl_cache struct nl_cache *neighbours = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 0;
	struct dump d;
	int r;

	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (r < 0)
		return hull_nl_fail(err, r, "list links");
	r = rtnl_addr_alloc_cache(sk, &addrs);
	if (r < 0)
		return hull_nl_fail(err, r, "list addresses");
	r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes);
	if (r < 0)
		return hull_nl_fail(err, r, "list routes");
	r = rtnl_neigh_alloc_cache(sk, &neighbours);
	if (r < 0)
		return hull_nl_fail(err, r, "list neighbours");
	d = (struct dump){.addrs = addrs, .routes = routes, .neighbours = neighbours};

	/* Another sandbox's namespace first: that says more than its tap's kind. */
	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		const char *type = rtnl_link_get_type((struct rtnl_link *)o);

		if (type && refuse_hull_device((struct rtnl_link *)o, type, err) < 0)
			return -1;
	}

	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		struct hull_endpoint *ep;

		if (is_loopback(link))
			continue;
		ep = append(&eps, &n, sizeof(*ep), err);
		if (ep == NULL || fill_endpoint(&d, link, ep, err) < 0) {
			hull_endpoints_free(eps, n);
			return -1;
		}
	}
	/* Only lo: the sandbox gets loopback alone, as a runc container would. */
	if (n > 0)
		qsort(eps, n, sizeof(*eps), by_ifindex);
	*eps_out = eps;
	*n_out = n;
	return 0;
}

int hull_discover(const char *netns_path, struct hull_endpoint **eps, size_t *n, hull_error_t *err)
{
	cleanup_netns struct hull_netns_saved saved = {.fd = -1};
	cleanup_nl_sock struct nl_sock *sk = NULL;

	if (hull_netns_enter(netns_path, &saved, err) < 0)
		return -1;
	sk = hull_nl_connect(err);
	if (sk == NULL)
		return hull_error_prefix(err, "netns %s", netns_path);
	if (hull_netns_return(&saved, err) < 0)
		return -1;
	/* The socket stays bound to the namespace it was created in. */
	if (hull_discover_here(sk, eps, n, err) < 0)
		return hull_error_prefix(err, "netns %s", netns_path);
	return 0;
}
