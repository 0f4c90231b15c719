/* SPDX-License-Identifier: Apache-2.0 */
#include "net/macvtap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvtap.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "common/addr.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "net/nl.h"

void hull_macvtap_name(unsigned index, char name[IFNAMSIZ])
{
	snprintf(name, IFNAMSIZ, "mvtap%u_hull", index);
}

int hull_macvtap_plan_link_mac(struct hull_endpoint *ep, hull_error_t *err)
{
	(void)err;
	memcpy(ep->link_saved_mac, ep->mac, 6);
	ep->done |= HULL_STEP_LINK_MAC_CHANGED;
	return 0;
}

int hull_macvtap_change_link_mac(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	uint8_t mac[6];

	if (hull_random_mac(mac, ep->link_saved_mac, err) < 0)
		return -1;
	if (hull_nl_link_change(sk, ep->ifindex, mac, 0, 0, false, err) < 0)
		return hull_error_prefix(err, "give link %s a new MAC", ep->name);
	return 0;
}

int hull_macvtap_plan(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index,
                      hull_error_t *err)
{
	char name[IFNAMSIZ];
	int taken;

	hull_macvtap_name(index, name);
	taken = hull_nl_name_taken(sk, name, err);
	if (taken < 0)
		return -1;
	if (taken)
		return hull_fail(err, EEXIST, "create macvtap %s on %s", name, ep->name);
	snprintf(ep->vm_ifname, sizeof(ep->vm_ifname), "%s", name);
	memcpy(ep->guest_mac, ep->mac, 6);
	ep->done |= HULL_STEP_MACVTAP_CREATED;
	return 0;
}

int hull_macvtap_create(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *link = rtnl_link_macvtap_alloc();
	cleanup_nl_object struct rtnl_link *made = NULL;
	cleanup_nl_addr struct nl_addr *mac = nl_addr_build(AF_LLC, ep->mac, 6);
	int r;

	if (!(ep->done & HULL_STEP_MACVTAP_CREATED))
		return hull_fail(err, 0, "macvtap for %s: create before claim", ep->name);
	if (link == NULL || mac == NULL)
		return hull_fail(err, ENOMEM, "allocate macvtap");
	rtnl_link_set_name(link, ep->vm_ifname);
	rtnl_link_set_link(link, ep->ifindex);
	rtnl_link_set_addr(link, mac);
	r = rtnl_link_macvtap_set_mode(link, MACVLAN_MODE_BRIDGE);
	if (r < 0)
		return hull_nl_fail(err, r, "macvtap %s: set mode", ep->vm_ifname);
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return hull_nl_fail(err, r, "create macvtap %s on %s", ep->vm_ifname, ep->name);
	if (hull_nl_get_link(sk, 0, ep->vm_ifname, &made, err) < 0)
		return hull_error_prefix(err, "macvtap %s", ep->vm_ifname);
	ep->vm_ifindex = rtnl_link_get_ifindex(made);
	return 0;
}

static struct rtnl_addr *build_addr(int ifindex, const struct hull_ip_addr *a, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_addr *addr = rtnl_addr_alloc();
	cleanup_nl_addr struct nl_addr *local =
	    nl_addr_build(a->family, a->addr, a->family == AF_INET ? 4 : 16);

	if (addr == NULL || local == NULL) {
		hull_fail(err, ENOMEM, "allocate address");
		return NULL;
	}
	nl_addr_set_prefixlen(local, a->prefix_len);
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, a->family);
	if (rtnl_addr_set_local(addr, local) < 0) {
		hull_fail(err, EINVAL, "set address");
		return NULL;
	}
	rtnl_addr_set_prefixlen(addr, a->prefix_len);
	return steal_pointer(&addr);
}

static const char *addr_str(const struct hull_ip_addr *a, char buf[HULL_ADDR_TEXT_MAX])
{
	hull_prefix_format(a->family, a->addr, a->prefix_len, buf);
	return buf;
}

int hull_macvtap_plan_link_addrs(struct hull_endpoint *ep, hull_error_t *err)
{
	(void)err;
	if (ep->n_addrs > 0 || ep->n_link_local > 0)
		ep->done |= HULL_STEP_LINK_ADDRS_REMOVED;
	return 0;
}

/* Removes (give_back false) or adds back the addresses in a[0..n) on ep's link. */
static int link_addrs_change(struct nl_sock *sk, const struct hull_endpoint *ep,
                             const struct hull_ip_addr *a, size_t n, bool give_back,
                             hull_error_t *err)
{
	char buf[HULL_ADDR_TEXT_MAX];

	for (size_t i = 0; i < n; i++) {
		cleanup_nl_object struct rtnl_addr *addr = build_addr(ep->ifindex, &a[i], err);
		int r;

		if (addr == NULL)
			return -1;
		if (give_back) {
			r = rtnl_addr_add(sk, addr, 0);
			if (hull_nl_is_gone(r))
				return -ENODEV;
			if (r < 0 && r != -NLE_EXIST)
				return hull_nl_fail(err, r, "give address %s back to %s",
				                    addr_str(&a[i], buf), ep->name);
		} else {
			r = rtnl_addr_delete(sk, addr, 0);
			if (r < 0 && r != -NLE_NOADDR && !hull_nl_is_gone(r))
				return hull_nl_fail(err, r, "remove address %s from %s",
				                    addr_str(&a[i], buf), ep->name);
		}
	}
	return 0;
}

int hull_macvtap_remove_link_addrs(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	if (!(ep->done & HULL_STEP_LINK_ADDRS_REMOVED))
		return 0;
	if (link_addrs_change(sk, ep, ep->addrs, ep->n_addrs, false, err) < 0 ||
	    link_addrs_change(sk, ep, ep->link_local, ep->n_link_local, false, err) < 0)
		return -1;
	return 0;
}

int hull_macvtap_up(struct nl_sock *sk, const struct hull_endpoint *ep, hull_error_t *err)
{
	if (hull_nl_set_noqueue(sk, ep->vm_ifindex, err) < 0 ||
	    hull_nl_link_change(sk, ep->vm_ifindex, NULL, 0, 0, true, err) < 0)
		return hull_error_prefix(err, "macvtap %s", ep->vm_ifname);
	return 0;
}

/*
 * Runs in a forked child: /sys shows the namespace of whoever mounted it,
 * usually the host's, so mount a sysfs of our own namespace in a private
 * mount namespace and read the device number there.
 */
static void read_devnum_child(const char *path, int out)
{
	char buf[32] = {0};
	int fd;
	ssize_t n;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		_exit(2);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(3);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || write(out, buf, n) != n)
		_exit(4);
	_exit(0);
}

int hull_macvtap_devnum(const struct hull_endpoint *ep, dev_t *out, hull_error_t *err)
{
	char path[128], buf[32] = {0};
	unsigned maj, min;
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev", ep->vm_ifname,
	         ep->vm_ifindex);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hull_fail(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return hull_fail(err, errno, "fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		read_devnum_child(path, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0)
		return hull_fail(err, 0, "read %s in the namespace's sysfs: failed (step %d)", path,
		                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return hull_fail(err, 0, "%s: \"%s\" is not major:minor", path, buf);
	*out = makedev(maj, min);
	return 0;
}

static bool is_device(const char *path, dev_t dev)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev;
}

int hull_macvtap_plan_device(struct hull_endpoint *ep, hull_error_t *err)
{
	char path[sizeof(ep->vm_device)];
	dev_t dev;

	if (hull_macvtap_devnum(ep, &dev, err) < 0)
		return hull_error_prefix(err, "macvtap %s", ep->vm_ifname);
	snprintf(path, sizeof(path), "/dev/tap%d", ep->vm_ifindex);
	if (is_device(path, dev)) {
		snprintf(ep->vm_device, sizeof(ep->vm_device), "%s", path);
		return 0;
	}
	snprintf(ep->vm_device, sizeof(ep->vm_device), "/dev/hull-tap%u-%u", major(dev),
	         minor(dev));
	ep->done |= HULL_STEP_VM_DEVICE_NODE_CREATED;
	return 0;
}

int hull_macvtap_make_device(struct hull_endpoint *ep, hull_error_t *err)
{
	dev_t dev;

	if (!(ep->done & HULL_STEP_VM_DEVICE_NODE_CREATED))
		return 0; /* the kernel's node is this macvtap's */
	if (hull_macvtap_devnum(ep, &dev, err) < 0)
		return hull_error_prefix(err, "macvtap %s", ep->vm_ifname);
	if (is_device(ep->vm_device, dev))
		return 0; /* left by a run that crashed: the same device */
	if (unlink(ep->vm_device) < 0 && errno != ENOENT)
		return hull_fail(err, errno, "remove stale %s", ep->vm_device);
	if (mknod(ep->vm_device, S_IFCHR | 0600, dev) < 0)
		return hull_fail(err, errno, "mknod %s (%u:%u)", ep->vm_device, major(dev),
		                 minor(dev));
	return 0;
}

int hull_macvtap_open_queues(const struct hull_endpoint *ep, unsigned queues,
                             struct hull_vm_fds *out, hull_error_t *err)
{
	struct hull_vm_fds fds = {.n = 0};

	if (queues < 1 || queues > HULL_NET_MAX_QUEUES)
		return hull_fail(err, 0, "macvtap %s: %u queues (1 to %d)", ep->vm_ifname, queues,
		                 HULL_NET_MAX_QUEUES);
	for (unsigned i = 0; i < queues; i++) {
		int fd = open(ep->vm_device, O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			hull_fail(err, errno, "open %s", ep->vm_device);
			hull_vm_fds_close(&fds);
			return -1;
		}
		fds.fds[fds.n++] = fd;
	}
	*out = fds;
	return 0;
}

int hull_macvtap_remove_device(struct hull_endpoint *ep, hull_error_t *err)
{
	unsigned maj, min;
	struct stat st;

	if (!(ep->done & HULL_STEP_VM_DEVICE_NODE_CREATED))
		return 0;
	/* Only hull's own node, and only while it is the device hull made it for. */
	if (!hull_vm_device_is_hull_node(ep->vm_device, &maj, &min))
		return hull_fail(err, 0,
		                 "vm_device \"%s\" is not a device node hull makes "
		                 "(/dev/hull-tapMAJOR-MINOR): leaving it",
		                 ep->vm_device);
	if (lstat(ep->vm_device, &st) < 0) {
		if (errno != ENOENT)
			return hull_fail(err, errno, "%s", ep->vm_device);
	} else if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min)) {
		return hull_fail(err, 0,
		                 "%s is not the character device %u:%u hull made: leaving it "
		                 "(remove it if it is no one's)",
		                 ep->vm_device, maj, min);
	} else if (unlink(ep->vm_device) < 0 && errno != ENOENT) {
		return hull_fail(err, errno, "remove %s", ep->vm_device);
	}
	ep->done &= ~HULL_STEP_VM_DEVICE_NODE_CREATED;
	return 0;
}

static struct rtnl_route *build_route(int ifindex, const struct hull_route *rt, hull_error_t *err)
{
	unsigned len = rt->family == AF_INET ? 4 : 16;
	cleanup_nl_object struct rtnl_route *route = rtnl_route_alloc();
	cleanup_nl_addr struct nl_addr *dst = nl_addr_build(rt->family, rt->dst, len);
	cleanup_nl_addr struct nl_addr *gw = NULL;
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

	if (route == NULL || dst == NULL || nh == NULL) {
		if (nh)
			rtnl_route_nh_free(nh);
		hull_fail(err, ENOMEM, "allocate route");
		return NULL;
	}
	nl_addr_set_prefixlen(dst, rt->dst_len);
	rtnl_route_set_family(route, rt->family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_set_protocol(route, RTPROT_BOOT);
	rtnl_route_set_scope(route, rt->scope);
	rtnl_route_set_dst(route, dst);
	if (rt->mtu)
		rtnl_route_set_metric(route, RTAX_MTU, rt->mtu);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (rt->has_gateway) {
		gw = nl_addr_build(rt->family, rt->gateway, len);
		if (gw == NULL) {
			rtnl_route_nh_free(nh);
			hull_fail(err, ENOMEM, "allocate route");
			return NULL;
		}
		rtnl_route_nh_set_gateway(nh, gw);
	}
	rtnl_route_add_nexthop(route, nh);
	return steal_pointer(&route);
}

/*
 * Removing the addresses made the kernel drop the routes through the
 * link that needed them; put the saved ones back.  A route may need
 * another (a gateway reached by a link-scope route), so go round until
 * nothing more succeeds.
 */
static int give_back_routes(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_free bool *pending = calloc(ep->n_routes ? ep->n_routes : 1, sizeof(bool));
	size_t left = ep->n_routes;
	int last = 0;

	if (pending == NULL)
		return hull_fail(err, ENOMEM, "allocate");
	for (size_t i = 0; i < ep->n_routes; i++)
		pending[i] = true;
	while (left > 0) {
		size_t before = left;

		for (size_t i = 0; i < ep->n_routes; i++) {
			cleanup_nl_object struct rtnl_route *route = NULL;
			int r;

			if (!pending[i])
				continue;
			route = build_route(ep->ifindex, &ep->routes[i], err);
			if (route == NULL)
				return -1;
			r = rtnl_route_add(sk, route, NLM_F_CREATE);
			if (r == 0 || r == -NLE_EXIST) {
				pending[i] = false;
				left--;
			} else {
				last = r;
			}
		}
		if (left == before)
			return hull_nl_fail(err, last, "restore %zu route(s) through %s", left,
			                    ep->name);
	}
	return 0;
}

/*
 * Changing a link's MAC, and removing its last IPv4 address, flush its
 * neighbours, permanent ones too: put the saved ones back after either.
 */
static int give_back_neighbours(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	for (size_t i = 0; i < ep->n_neighbours; i++) {
		const struct hull_neighbour *nb = &ep->neighbours[i];
		cleanup_nl_object struct rtnl_neigh *neigh = rtnl_neigh_alloc();
		cleanup_nl_addr struct nl_addr *dst =
		    nl_addr_build(nb->family, nb->addr, nb->family == AF_INET ? 4 : 16);
		cleanup_nl_addr struct nl_addr *ll = nl_addr_build(AF_LLC, nb->mac, 6);
		int r;

		if (neigh == NULL || dst == NULL || ll == NULL)
			return hull_fail(err, ENOMEM, "allocate neighbour");
		rtnl_neigh_set_ifindex(neigh, ep->ifindex);
		rtnl_neigh_set_family(neigh, nb->family);
		rtnl_neigh_set_dst(neigh, dst);
		rtnl_neigh_set_lladdr(neigh, ll);
		rtnl_neigh_set_state(neigh, NUD_PERMANENT);
		r = rtnl_neigh_add(sk, neigh, NLM_F_CREATE | NLM_F_REPLACE);
		if (r < 0)
			return hull_nl_fail(err, r, "restore permanent neighbour %zu on %s", i,
			                    ep->name);
	}
	return 0;
}

int hull_macvtap_give_back_addrs(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	int r;

	if (!(ep->done & HULL_STEP_LINK_ADDRS_REMOVED))
		return 0;
	r = link_addrs_change(sk, ep, ep->addrs, ep->n_addrs, true, err);
	if (r == 0)
		r = link_addrs_change(sk, ep, ep->link_local, ep->n_link_local, true, err);
	if (r == -ENODEV) {
		/* The link is gone, and its addresses with it. */
		ep->done &= ~HULL_STEP_LINK_ADDRS_REMOVED;
		return 0;
	}
	if (r < 0)
		return -1;
	if (give_back_routes(sk, ep, err) < 0 || give_back_neighbours(sk, ep, err) < 0)
		return -1;
	ep->done &= ~HULL_STEP_LINK_ADDRS_REMOVED;
	return 0;
}

/*
 * Whether `link` is the macvtap ep made.  With its ifindex recorded: that
 * ifindex, still a macvtap of that name.  Without (hull died between
 * making it and recording its ifindex): a macvtap of that name on ep's
 * link with the MAC hull gave it (the link's own, which the link gave up
 * before: another's macvtap would have the link's new one).
 */
static bool made_macvtap(const struct hull_endpoint *ep, struct rtnl_link *link)
{
	const char *type = rtnl_link_get_type(link), *name = rtnl_link_get_name(link);
	struct nl_addr *mac = rtnl_link_get_addr(link);

	if (type == NULL || strcmp(type, "macvtap") != 0 || name == NULL ||
	    strcmp(name, ep->vm_ifname) != 0)
		return false;
	if (ep->vm_ifindex > 0)
		return rtnl_link_get_ifindex(link) == ep->vm_ifindex;
	return rtnl_link_get_link(link) == ep->ifindex && mac != NULL &&
	       nl_addr_get_len(mac) == 6 &&
	       memcmp(nl_addr_get_binary_addr(mac), ep->link_saved_mac, 6) == 0;
}

int hull_macvtap_delete(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *link = NULL;
	cleanup_error hull_error_t probe = NULL;
	int r;

	if (!(ep->done & HULL_STEP_MACVTAP_CREATED))
		return 0;
	if (ep->vm_ifindex > 0)
		r = hull_nl_get_link(sk, ep->vm_ifindex, NULL, &link, &probe);
	else
		r = hull_nl_get_link(sk, 0, ep->vm_ifname, &link, &probe);
	if (r == 0) {
		if (!made_macvtap(ep, link)) {
			log_warning(
			    "macvtap %s (ifindex %d) is gone; %s \"%s\" (ifindex %d) is not "
			    "the one hull made: left alone",
			    ep->vm_ifname, ep->vm_ifindex,
			    rtnl_link_get_type(link) ? rtnl_link_get_type(link) : "link",
			    rtnl_link_get_name(link), rtnl_link_get_ifindex(link));
		} else {
			r = rtnl_link_delete(sk, link);
			if (r < 0 && !hull_nl_is_gone(r))
				return hull_nl_fail(err, r, "delete macvtap %s", ep->vm_ifname);
		}
	} else if (r != -ENODEV) {
		*err = steal_pointer(&probe);
		return -1;
	}
	ep->done &= ~HULL_STEP_MACVTAP_CREATED;
	return 0;
}

int hull_macvtap_give_back_link_mac(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_error hull_error_t inner = NULL;
	int r;

	if (!(ep->done & HULL_STEP_LINK_MAC_CHANGED))
		return 0;
	r = hull_nl_link_change(sk, ep->ifindex, ep->link_saved_mac, 0, 0, false, &inner);
	if (r < 0 && r != -ENODEV) {
		*err = steal_pointer(&inner);
		return hull_error_prefix(err, "give link %s its MAC back", ep->name);
	}
	if (r == 0 && give_back_neighbours(sk, ep, err) < 0)
		return -1;
	ep->done &= ~HULL_STEP_LINK_MAC_CHANGED;
	return 0;
}
