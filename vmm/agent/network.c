/* SPDX-License-Identifier: Apache-2.0 */
/*
 * configure_network: the guest's NICs, found by MAC (the guest kernel names
 * them eth0..; the host knows only the MAC), get the MTU, addresses,
 * routes and permanent neighbours that their endpoint had in the
 * container's network namespace (net/endpoint.h).
 *
 * The agent is static and small, so this speaks rtnetlink directly: one
 * NETLINK_ROUTE socket, one request at a time, every request acked and
 * every NLMSG_ERROR turned into an errno with the thing it was about.
 *
 * The whole request is parsed and every MAC resolved before anything is
 * changed; then, across all interfaces: MTU + up, addresses, routes
 * without a gateway (the link routes that make gateways reachable), routes
 * with a gateway, neighbours.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/agent/agent.h"

/* ---- the request, parsed ---- */

struct ipnet {
	int family;
	uint8_t addr[16];
	unsigned prefix_len;
};

struct net_route {
	const char *dst_text; /* as the host wrote it, for messages */
	const char *gw_text;
	struct ipnet dst;
	bool has_gateway;
	uint8_t gateway[16];
	unsigned char scope;
	uint32_t mtu;
};

struct net_neighbour {
	const char *ip_text;
	const char *mac_text;
	struct ipnet ip;
	uint8_t mac[6];
};

struct net_iface {
	const char *mac_text;
	uint8_t mac[6];
	uint32_t mtu; /* 0: leave it */
	struct ipnet *addrs;
	const char **addr_texts;
	size_t n_addrs;
	struct net_route *routes;
	size_t n_routes;
	struct net_neighbour *neighs;
	size_t n_neighs;
	int ifindex; /* resolved from the MAC */
	char name[IFNAMSIZ];
};

struct net_plan {
	struct net_iface *ifaces;
	size_t n_ifaces;
};

static void plan_release(struct net_plan *p)
{
	for (size_t i = 0; i < p->n_ifaces; i++) {
		free(p->ifaces[i].addrs);
		free(p->ifaces[i].addr_texts);
		free(p->ifaces[i].routes);
		free(p->ifaces[i].neighs);
	}
	free(p->ifaces);
	memset(p, 0, sizeof(*p));
}

/*
 * "10.0.0.2/24", "fd00::2/64", or an address alone (a host: /32, /128).
 * Returns -1 when it is not one.
 */
static int parse_ipnet(const char *s, struct ipnet *out)
{
	uint8_t len;

	memset(out, 0, sizeof(*out));
	if (s && strchr(s, '/') == NULL) {
		if (hull_ip_parse(s, &out->family, out->addr) < 0)
			return -1;
		out->prefix_len = out->family == AF_INET ? 32 : 128;
		return 0;
	}
	if (hull_prefix_parse(s, &out->family, out->addr, &len) < 0)
		return -1;
	out->prefix_len = len;
	return 0;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool host_bits_set(const struct ipnet *n)
{
	for (unsigned bit = n->prefix_len; bit < addr_len(n->family) * 8; bit++)
		if (n->addr[bit / 8] & (0x80u >> (bit % 8)))
			return true;
	return false;
}

static int parse_scope(const char *s, unsigned char *out)
{
	static const struct {
		const char *name;
		unsigned char scope;
	} scopes[] = {
	    {"universe", RT_SCOPE_UNIVERSE},
	    {"site", RT_SCOPE_SITE},
	    {"link", RT_SCOPE_LINK},
	    {"host", RT_SCOPE_HOST},
	};

	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(s, scopes[i].name) == 0) {
			*out = scopes[i].scope;
			return 0;
		}
	return -1;
}

static int parse_mtu(json_t *v, uint32_t *out)
{
	json_int_t n;

	if (v == NULL) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	if (n < 68 || n > 65535)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int parse_route(struct net_iface *ifc, json_t *r, struct net_route *out, hull_error_t *err)
{
	const char *dst = json_string_value(json_object_get(r, "dst"));
	const char *gw = json_string_value(json_object_get(r, "gateway"));
	json_t *scope = json_object_get(r, "scope"), *gwv = json_object_get(r, "gateway");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(r))
		return hull_fail(err, 0, "interface %s: a route must be an object", ifc->mac_text);
	if (dst == NULL)
		return hull_fail(err, 0, "interface %s: a route needs a \"dst\"", ifc->mac_text);
	out->dst_text = dst;
	out->gw_text = gw;
	if (gwv && !json_is_null(gwv) && gw == NULL)
		return hull_fail(err, 0, "interface %s: route %s: \"gateway\" must be a string",
		                 ifc->mac_text, dst);
	if (gw) {
		struct ipnet g;

		if (parse_ipnet(gw, &g) < 0 || strchr(gw, '/'))
			return hull_fail(err, 0,
			                 "interface %s: route %s: gateway \"%s\" is not valid",
			                 ifc->mac_text, dst, gw);
		out->has_gateway = true;
		memcpy(out->gateway, g.addr, sizeof(out->gateway));
		out->dst.family = g.family;
	}
	if (strcmp(dst, "default") == 0) {
		/* "default" takes the gateway's family; alone it is IPv4 ("::/0" for IPv6). */
		out->dst.family = gw ? out->dst.family : AF_INET;
		out->dst.prefix_len = 0;
	} else {
		int gw_family = out->dst.family;

		if (parse_ipnet(dst, &out->dst) < 0)
			return hull_fail(err, 0,
			                 "interface %s: route destination \"%s\" is not valid",
			                 ifc->mac_text, dst);
		if (host_bits_set(&out->dst))
			return hull_fail(err, 0,
			                 "interface %s: route destination \"%s\" has host bits set",
			                 ifc->mac_text, dst);
		if (gw && gw_family != out->dst.family)
			return hull_fail(err, 0,
			                 "interface %s: route %s: gateway %s is not of the "
			                 "destination's address family",
			                 ifc->mac_text, dst, gw);
	}
	/* As `ip route add`: a route without a gateway is on the link. */
	out->scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (scope && !json_is_null(scope)) {
		const char *s = json_string_value(scope);

		if (s == NULL || parse_scope(s, &out->scope) < 0)
			return hull_fail(err, 0,
			                 "interface %s: route %s: scope \"%s\" is not universe, "
			                 "site, link or host",
			                 ifc->mac_text, dst, s ? s : "");
	}
	if (parse_mtu(json_object_get(r, "mtu"), &out->mtu) < 0)
		return hull_fail(
		    err, 0, "interface %s: route %s: \"mtu\" must be a number from 68 to 65535",
		    ifc->mac_text, dst);
	return 0;
}

static int parse_neighbour(struct net_iface *ifc, json_t *n, struct net_neighbour *out,
                           hull_error_t *err)
{
	const char *ip = json_string_value(json_object_get(n, "ip"));
	const char *mac = json_string_value(json_object_get(n, "mac"));

	memset(out, 0, sizeof(*out));
	if (ip == NULL || parse_ipnet(ip, &out->ip) < 0 || strchr(ip, '/'))
		return hull_fail(err, 0, "interface %s: neighbour \"%s\" is not a valid IP address",
		                 ifc->mac_text, ip ? ip : "");
	if (hull_mac_parse(mac, out->mac) < 0)
		return hull_fail(err, 0, "interface %s: neighbour %s: MAC \"%s\" is not valid",
		                 ifc->mac_text, ip, mac ? mac : "");
	out->ip_text = ip;
	out->mac_text = mac;
	return 0;
}

static int optional_array(json_t *obj, const char *key, const char *mac, json_t **out,
                          hull_error_t *err)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return hull_fail(err, 0, "interface %s: \"%s\" must be an array", mac, key);
	*out = v;
	return 0;
}

static int parse_iface(json_t *j, size_t idx, struct net_iface *ifc, hull_error_t *err)
{
	json_t *addrs, *routes, *neighs, *v;
	size_t i;

	if (!json_is_object(j))
		return hull_fail(err, 0, "interfaces[%zu]: expected an object", idx);
	ifc->mac_text = json_string_value(json_object_get(j, "mac"));
	if (ifc->mac_text == NULL)
		return hull_fail(err, 0, "interfaces[%zu]: missing \"mac\"", idx);
	if (hull_mac_parse(ifc->mac_text, ifc->mac) < 0)
		return hull_fail(err, 0, "interfaces[%zu]: MAC \"%s\" is not valid", idx,
		                 ifc->mac_text);
	if (parse_mtu(json_object_get(j, "mtu"), &ifc->mtu) < 0)
		return hull_fail(err, 0, "interface %s: \"mtu\" must be a number from 68 to 65535",
		                 ifc->mac_text);
	if (optional_array(j, "addresses", ifc->mac_text, &addrs, err) < 0 ||
	    optional_array(j, "routes", ifc->mac_text, &routes, err) < 0 ||
	    optional_array(j, "neighbours", ifc->mac_text, &neighs, err) < 0)
		return -1;

	ifc->addrs = calloc(json_array_size(addrs) + 1, sizeof(*ifc->addrs));
	ifc->addr_texts = calloc(json_array_size(addrs) + 1, sizeof(*ifc->addr_texts));
	ifc->routes = calloc(json_array_size(routes) + 1, sizeof(*ifc->routes));
	ifc->neighs = calloc(json_array_size(neighs) + 1, sizeof(*ifc->neighs));
	if (!ifc->addrs || !ifc->addr_texts || !ifc->routes || !ifc->neighs)
		return hull_fail(err, ENOMEM, "interface %s", ifc->mac_text);
	json_array_foreach(addrs, i, v)
	{
		const char *s = json_string_value(v);

		if (s == NULL || parse_ipnet(s, &ifc->addrs[i]) < 0)
			return hull_fail(err, 0, "interface %s: address \"%s\" is not valid",
			                 ifc->mac_text, s ? s : "(not a string)");
		ifc->addr_texts[i] = s;
		ifc->n_addrs++;
	}
	json_array_foreach(routes, i, v)
	{
		if (parse_route(ifc, v, &ifc->routes[i], err) < 0)
			return -1;
		ifc->n_routes++;
	}
	json_array_foreach(neighs, i, v)
	{
		if (parse_neighbour(ifc, v, &ifc->neighs[i], err) < 0)
			return -1;
		ifc->n_neighs++;
	}
	return 0;
}

static int parse_plan(json_t *req, struct net_plan *p, hull_error_t *err)
{
	json_t *ifaces = json_object_get(req, "interfaces"), *v;
	size_t i;

	if (!json_is_array(ifaces))
		return hull_fail(err, 0, "\"interfaces\" must be an array");
	p->ifaces = calloc(json_array_size(ifaces) + 1, sizeof(*p->ifaces));
	if (p->ifaces == NULL)
		return hull_fail(err, ENOMEM, "interfaces");
	json_array_foreach(ifaces, i, v)
	{
		p->n_ifaces++;
		if (parse_iface(v, i, &p->ifaces[i], err) < 0)
			return -1;
		for (size_t k = 0; k < i; k++)
			if (memcmp(p->ifaces[k].mac, p->ifaces[i].mac, 6) == 0)
				return hull_fail(err, 0, "interface %s: listed twice",
				                 p->ifaces[i].mac_text);
	}
	return 0;
}

/* ---- rtnetlink ---- */

#define NL_BUF 8192
#define NL_RECV_BUF 65536

struct nl {
	int fd;
	uint32_t seq;
	uint8_t *rbuf;
};

struct nl_msg {
	union {
		struct nlmsghdr h;
		uint8_t bytes[NL_BUF];
	};
};

static void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl->rbuf);
	nl->fd = -1;
	nl->rbuf = NULL;
}

static int nl_open(struct nl *nl, hull_error_t *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	nl->seq = (uint32_t)time(NULL);
	nl->rbuf = malloc(NL_RECV_BUF);
	if (nl->rbuf == NULL)
		return hull_fail(err, ENOMEM, "netlink");
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return hull_fail(err, errno, "open a NETLINK_ROUTE socket");
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_fail(err, errno, "bind the NETLINK_ROUTE socket");
	return 0;
}

/* Starts a message: header + fixed body (ifinfomsg, ifaddrmsg, ...). */
static void *msg_init(struct nl_msg *m, uint16_t type, uint16_t flags, size_t body_len)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_len = NLMSG_LENGTH(body_len);
	m->h.nlmsg_type = type;
	m->h.nlmsg_flags = NLM_F_REQUEST | flags;
	return NLMSG_DATA(&m->h);
}

/* Our messages are a few hundred bytes: running out of room is a bug. */
static struct rtattr *attr_put(struct nl_msg *m, unsigned short type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(m->h.nlmsg_len);
	struct rtattr *rta = (struct rtattr *)(m->bytes + at);

	if (at + RTA_SPACE(len) > sizeof(m->bytes)) {
		log_error("netlink message too long (attribute %u)", type);
		abort();
	}
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	m->h.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
	return rta;
}

static void attr_put_u32(struct nl_msg *m, unsigned short type, uint32_t v)
{
	attr_put(m, type, &v, sizeof(v));
}

static void nest_end(struct nl_msg *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(m->bytes + m->h.nlmsg_len - (uint8_t *)nest);
}

static int nl_send(struct nl *nl, struct nl_msg *m)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;

	m->h.nlmsg_seq = ++nl->seq;
	do
		n = sendto(nl->fd, &m->h, m->h.nlmsg_len, 0, (struct sockaddr *)&kernel,
		           sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)m->h.nlmsg_len ? 0 : -EIO;
}

/* One datagram from the kernel; returns its length or -errno. */
static ssize_t nl_recv(struct nl *nl)
{
	struct sockaddr_nl from;
	struct iovec iov = {.iov_base = nl->rbuf, .iov_len = NL_RECV_BUF};
	struct msghdr mh = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	do
		n = recvmsg(nl->fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

/*
 * Sends a request with NLM_F_ACK and waits for its ack: returns 0, or the
 * negative errno of the kernel's NLMSG_ERROR (or of the socket).
 */
static int nl_transact(struct nl *nl, struct nl_msg *m)
{
	int r;

	m->h.nlmsg_flags |= NLM_F_ACK;
	if ((r = nl_send(nl, m)) < 0)
		return r;
	for (;;) {
		ssize_t n = nl_recv(nl);
		struct nlmsghdr *h;
		size_t left;

		if (n < 0)
			return (int)n;
		left = (size_t)n;
		for (h = (struct nlmsghdr *)nl->rbuf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != m->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error; /* 0 is the ack */
			}
		}
	}
}

struct link_info {
	int ifindex;
	unsigned type; /* ARPHRD_* */
	bool has_mac;
	uint8_t mac[6];
	char name[IFNAMSIZ];
};

/* Every link of this network namespace (RTM_GETLINK dump). */
static int dump_links(struct nl *nl, struct link_info **out, size_t *n_out, hull_error_t *err)
{
	struct nl_msg m;
	struct ifinfomsg *ifi = msg_init(&m, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	cleanup_free struct link_info *links = NULL;
	size_t n_links = 0, cap = 0;
	int r;

	ifi->ifi_family = AF_UNSPEC;
	if ((r = nl_send(nl, &m)) < 0)
		return hull_fail(err, -r, "list network interfaces");
	for (;;) {
		ssize_t n = nl_recv(nl);
		struct nlmsghdr *h;
		size_t left;

		if (n < 0)
			return hull_fail(err, (int)-n, "list network interfaces");
		left = (size_t)n;
		for (h = (struct nlmsghdr *)nl->rbuf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct ifinfomsg *info = NLMSG_DATA(h);
			struct link_info *l;
			struct rtattr *rta;
			size_t alen;

			if (h->nlmsg_seq != m.h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				*out = steal_pointer(&links);
				*n_out = n_links;
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return hull_fail(err, -e->error, "list network interfaces");
			}
			if (h->nlmsg_type != RTM_NEWLINK ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*info)))
				continue;
			if (n_links == cap) {
				struct link_info *bigger;

				cap = cap ? 2 * cap : 8;
				bigger = realloc(links, cap * sizeof(*links));
				if (bigger == NULL)
					return hull_fail(err, ENOMEM, "list network interfaces");
				links = bigger;
			}
			l = &links[n_links++];
			memset(l, 0, sizeof(*l));
			l->ifindex = info->ifi_index;
			l->type = info->ifi_type;
			alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*info));
			for (rta = IFLA_RTA(info); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
				if (rta->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(rta) == 6) {
					memcpy(l->mac, RTA_DATA(rta), 6);
					l->has_mac = true;
				} else if (rta->rta_type == IFLA_IFNAME) {
					snprintf(l->name, sizeof(l->name), "%.*s",
					         (int)RTA_PAYLOAD(rta),
					         (const char *)RTA_DATA(rta));
				}
			}
		}
	}
}

static int link_up(struct nl *nl, int ifindex, uint32_t mtu)
{
	struct nl_msg m;
	struct ifinfomsg *ifi = msg_init(&m, RTM_NEWLINK, 0, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu)
		attr_put_u32(&m, IFLA_MTU, mtu);
	return nl_transact(nl, &m);
}

static int add_address(struct nl *nl, int ifindex, const struct ipnet *a)
{
	struct nl_msg m;
	struct ifaddrmsg *ifa =
	    msg_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));

	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = (unsigned char)a->prefix_len;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* The host already owns this address: no duplicate detection to wait for. */
	if (a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	attr_put(&m, IFA_LOCAL, a->addr, addr_len(a->family));
	attr_put(&m, IFA_ADDRESS, a->addr, addr_len(a->family));
	return nl_transact(nl, &m);
}

static int add_route(struct nl *nl, int ifindex, const struct net_route *r)
{
	struct nl_msg m;
	struct rtmsg *rtm = msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*rtm));

	rtm->rtm_family = (unsigned char)r->dst.family;
	rtm->rtm_dst_len = (unsigned char)r->dst.prefix_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = r->scope;
	rtm->rtm_type = RTN_UNICAST;
	if (r->dst.prefix_len > 0)
		attr_put(&m, RTA_DST, r->dst.addr, addr_len(r->dst.family));
	if (r->has_gateway)
		attr_put(&m, RTA_GATEWAY, r->gateway, addr_len(r->dst.family));
	attr_put_u32(&m, RTA_OIF, (uint32_t)ifindex);
	if (r->mtu) {
		struct rtattr *metrics = attr_put(&m, RTA_METRICS, NULL, 0);

		attr_put_u32(&m, RTAX_MTU, r->mtu);
		nest_end(&m, metrics);
	}
	return nl_transact(nl, &m);
}

static int add_neighbour(struct nl *nl, int ifindex, const struct net_neighbour *n)
{
	struct nl_msg m;
	struct ndmsg *ndm = msg_init(&m, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ndm));

	ndm->ndm_family = (unsigned char)n->ip.family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	ndm->ndm_type = RTN_UNICAST;
	attr_put(&m, NDA_DST, n->ip.addr, addr_len(n->ip.family));
	attr_put(&m, NDA_LLADDR, n->mac, 6);
	return nl_transact(nl, &m);
}

/* ---- the request, applied ---- */

static int resolve_macs(struct nl *nl, struct net_plan *p, int *lo_index, hull_error_t *err)
{
	cleanup_free struct link_info *links = NULL;
	size_t n_links = 0;

	if (dump_links(nl, &links, &n_links, err) < 0)
		return -1;
	*lo_index = 0;
	for (size_t k = 0; k < n_links; k++)
		if (links[k].type == ARPHRD_LOOPBACK)
			*lo_index = links[k].ifindex;
	for (size_t i = 0; i < p->n_ifaces; i++) {
		struct net_iface *ifc = &p->ifaces[i];

		ifc->ifindex = 0;
		/* A link made on top of a NIC (vlan, macvlan) shares its MAC: the NIC is the first. */
		for (size_t k = 0; k < n_links && ifc->ifindex == 0; k++)
			if (links[k].has_mac && links[k].type == ARPHRD_ETHER &&
			    memcmp(links[k].mac, ifc->mac, 6) == 0) {
				ifc->ifindex = links[k].ifindex;
				memcpy(ifc->name, links[k].name, sizeof(ifc->name));
			}
		if (ifc->ifindex == 0)
			return hull_fail(err, 0, "interface %s: no network interface has this MAC",
			                 ifc->mac_text);
	}
	return 0;
}

static int apply_routes(struct nl *nl, struct net_plan *p, bool with_gateway, hull_error_t *err)
{
	for (size_t i = 0; i < p->n_ifaces; i++) {
		struct net_iface *ifc = &p->ifaces[i];

		for (size_t k = 0; k < ifc->n_routes; k++) {
			struct net_route *r = &ifc->routes[k];
			int e;

			if (r->has_gateway != with_gateway)
				continue;
			e = add_route(nl, ifc->ifindex, r);
			if (e < 0)
				return hull_fail(err, -e, "interface %s: route %s%s%s",
				                 ifc->mac_text, r->dst_text,
				                 r->gw_text ? " via " : "",
				                 r->gw_text ? r->gw_text : "");
		}
	}
	return 0;
}

static int apply_plan(struct nl *nl, struct net_plan *p, int lo_index, hull_error_t *err)
{
	int e;

	if (lo_index && (e = link_up(nl, lo_index, 0)) < 0)
		return hull_fail(err, -e, "bring lo up");
	for (size_t i = 0; i < p->n_ifaces; i++) {
		struct net_iface *ifc = &p->ifaces[i];

		if ((e = link_up(nl, ifc->ifindex, ifc->mtu)) < 0) {
			if (ifc->mtu)
				return hull_fail(err, -e,
				                 "interface %s: set MTU %u and bring %s up",
				                 ifc->mac_text, ifc->mtu, ifc->name);
			return hull_fail(err, -e, "interface %s: bring %s up", ifc->mac_text,
			                 ifc->name);
		}
	}
	for (size_t i = 0; i < p->n_ifaces; i++) {
		struct net_iface *ifc = &p->ifaces[i];

		for (size_t k = 0; k < ifc->n_addrs; k++)
			if ((e = add_address(nl, ifc->ifindex, &ifc->addrs[k])) < 0)
				return hull_fail(err, -e, "interface %s: add address %s",
				                 ifc->mac_text, ifc->addr_texts[k]);
	}
	/* Link routes first: they are what makes the gateways reachable. */
	if (apply_routes(nl, p, false, err) < 0 || apply_routes(nl, p, true, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_ifaces; i++) {
		struct net_iface *ifc = &p->ifaces[i];

		for (size_t k = 0; k < ifc->n_neighs; k++)
			if ((e = add_neighbour(nl, ifc->ifindex, &ifc->neighs[k])) < 0)
				return hull_fail(err, -e, "interface %s: neighbour %s at %s",
				                 ifc->mac_text, ifc->neighs[k].ip_text,
				                 ifc->neighs[k].mac_text);
	}
	for (size_t i = 0; i < p->n_ifaces; i++) {
		struct net_iface *ifc = &p->ifaces[i];

		for (size_t k = 0; k < ifc->n_addrs; k++) {
			char text[HULL_ADDR_TEXT_MAX];

			hull_prefix_format(ifc->addrs[k].family, ifc->addrs[k].addr,
			                   ifc->addrs[k].prefix_len, text);
			log_debug("%s (%s): %s", ifc->name, ifc->mac_text, text);
		}
	}
	return 0;
}

int agent_configure_network(json_t *req, json_t **reply, hull_error_t *err)
{
	struct net_plan plan = {0};
	struct nl nl = {.fd = -1};
	int lo_index = 0, ret = -1;
	json_t *out = NULL, *list;

	if (parse_plan(req, &plan, err) < 0 || nl_open(&nl, err) < 0 ||
	    resolve_macs(&nl, &plan, &lo_index, err) < 0 ||
	    apply_plan(&nl, &plan, lo_index, err) < 0)
		goto out;
	out = json_object();
	list = json_array();
	if (out == NULL || list == NULL || json_object_set_new(out, "interfaces", list) < 0) {
		hull_fail(err, ENOMEM, "configure_network reply");
		goto out;
	}
	for (size_t i = 0; i < plan.n_ifaces; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:i}", "mac", plan.ifaces[i].mac_text, "name",
		                    plan.ifaces[i].name, "ifindex", plan.ifaces[i].ifindex));
	*reply = steal_pointer(&out);
	ret = 0;
out:
	json_decref(out);
	nl_close(&nl);
	plan_release(&plan);
	return ret;
}
