/* SPDX-License-Identifier: Apache-2.0 */
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <netlink/route/link.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "net/nl.h"

void hull_vm_fds_close(struct hull_vm_fds *fds)
{
	for (unsigned i = 0; i < fds->n; i++)
		if (fds->fds[i] >= 0)
			close(fds->fds[i]);
	fds->n = 0;
}

void hull_tap_name(unsigned index, char name[IFNAMSIZ])
{
	snprintf(name, IFNAMSIZ, "tap%u_hull", index);
}

static short tap_flags(unsigned queues)
{
	return IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (queues > 1 ? IFF_MULTI_QUEUE : 0);
}

/* An fd of /dev/net/tun attached to the tap `name` (created if absent, unless IFF_TUN_EXCL). */
static int tun_attach(const char *name, short flags, hull_error_t *err)
{
	cleanup_close int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr = {0};

	if (fd < 0)
		return hull_fail(err, errno, "open /dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = flags;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EBUSY && (flags & IFF_TUN_EXCL))
			return hull_fail(err, EEXIST, "tap %s: another tap took the name", name);
		return hull_fail(err, errno, "tap %s: TUNSETIFF", name);
	}
	return steal_fd(&fd);
}

int hull_tap_plan(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index, hull_error_t *err)
{
	char name[IFNAMSIZ];
	int taken;

	hull_tap_name(index, name);
	/* For the error; IFF_TUN_EXCL is what makes sure (another may come between). */
	taken = hull_nl_name_taken(sk, name, err);
	if (taken < 0)
		return -1;
	if (taken)
		return hull_fail(err, EEXIST, "tap %s", name);
	snprintf(ep->vm_ifname, sizeof(ep->vm_ifname), "%s", name);
	ep->vm_device[0] = '\0';
	memcpy(ep->guest_mac, ep->mac, 6);
	return 0;
}

int hull_tap_create(struct nl_sock *sk, struct hull_endpoint *ep, unsigned queues,
                    struct hull_vm_fds *fds, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *tap = NULL;
	cleanup_close int fd = -1;

	if (ep->vm_ifname[0] == '\0')
		return hull_fail(err, 0, "tap for %s: create before claim", ep->name);
	if (queues < 1 || queues > HULL_NET_MAX_QUEUES)
		return hull_fail(err, 0, "tap %s: %u queues (1 to %d)", ep->vm_ifname, queues,
		                 HULL_NET_MAX_QUEUES);
	/* Never someone else's tap: TUNSETIFF alone would attach to one of that name. */
	fd = tun_attach(ep->vm_ifname, (short)(tap_flags(queues) | IFF_TUN_EXCL), err);
	if (fd < 0)
		return -1;
	/* Not persistent yet: it goes with fd, so with hull if hull dies now. */
	if (hull_nl_get_link(sk, 0, ep->vm_ifname, &tap, err) < 0)
		return hull_error_prefix(err, "tap %s", ep->vm_ifname);
	ep->vm_ifindex = rtnl_link_get_ifindex(tap);
	ep->done |= HULL_STEP_TAP_CREATED;
	fds->fds[0] = steal_fd(&fd);
	fds->n = 1;
	return 0;
}

int hull_tap_persist(const struct hull_endpoint *ep, const struct hull_vm_fds *fds,
                     hull_error_t *err)
{
	if (fds->n < 1)
		return hull_fail(err, 0, "tap %s: persist before create", ep->vm_ifname);
	if (ioctl(fds->fds[0], TUNSETPERSIST, 1) < 0)
		return hull_fail(err, errno, "tap %s: TUNSETPERSIST", ep->vm_ifname);
	return 0;
}

int hull_tap_configure(struct nl_sock *sk, const struct hull_endpoint *ep, hull_error_t *err)
{
	uint8_t mac[6];

	/* tun never stops its queue: it drops a frame when the VM's ring is full. */
	if (hull_nl_set_noqueue(sk, ep->vm_ifindex, err) < 0)
		return hull_error_prefix(err, "tap %s", ep->vm_ifname);
	if (hull_random_mac(mac, ep->mac, err) < 0)
		return -1;
	if (hull_nl_link_change(sk, ep->vm_ifindex, mac, ep->mtu, HULL_TAP_GROUP, true, err) < 0)
		return hull_error_prefix(err, "tap %s", ep->vm_ifname);
	return 0;
}

/* The tap fd is attached to is still ep's (its first queue is attached to it still). */
static int still_ours(const struct hull_endpoint *ep, int first, int fd, hull_error_t *err)
{
	struct ifreq a = {0}, b = {0};

	if (ioctl(first, TUNGETIFF, &a) < 0 || ioctl(fd, TUNGETIFF, &b) < 0)
		return hull_fail(err, errno, "tap %s: TUNGETIFF", ep->vm_ifname);
	if (strcmp(a.ifr_name, ep->vm_ifname) != 0 || strcmp(b.ifr_name, ep->vm_ifname) != 0)
		return hull_fail(err, 0, "tap %s was renamed while hull opened its queues",
		                 ep->vm_ifname);
	return 0;
}

int hull_tap_open_queues(const struct hull_endpoint *ep, unsigned queues, struct hull_vm_fds *fds,
                         hull_error_t *err)
{
	if (queues < 1 || queues > HULL_NET_MAX_QUEUES)
		return hull_fail(err, 0, "tap %s: %u queues (1 to %d)", ep->vm_ifname, queues,
		                 HULL_NET_MAX_QUEUES);
	if (fds->n < 1)
		return hull_fail(err, 0, "tap %s: open queues before create", ep->vm_ifname);
	/*
	 * The first queue is the fd that made the tap.  While it stays
	 * attached the tap exists, so the name still means that tap.
	 */
	while (fds->n < queues) {
		int fd = tun_attach(ep->vm_ifname, tap_flags(queues), err);

		if (fd < 0)
			return hull_error_prefix(err, "queue %u", fds->n);
		fds->fds[fds->n++] = fd;
		if (still_ours(ep, fds->fds[0], fd, err) < 0)
			return -1;
	}
	return 0;
}

int hull_tap_delete(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *tap = NULL;
	cleanup_error hull_error_t probe = NULL;
	const char *name, *type;
	int r;

	if (!(ep->done & HULL_STEP_TAP_CREATED))
		return 0;
	if (ep->vm_ifindex <= 0) {
		/* Not a record hull writes (the ifindex comes with the step). */
		r = hull_nl_name_taken(sk, ep->vm_ifname, err);
		if (r < 0)
			return -1;
		if (r)
			return hull_fail(
			    err, 0,
			    "tap %s: the state records no ifindex for it, so hull cannot "
			    "tell it is this sandbox's: not deleting it",
			    ep->vm_ifname);
		ep->done &= ~HULL_STEP_TAP_CREATED;
		return 0;
	}
	/* The tap hull made is the one with the recorded ifindex, and nothing else. */
	r = hull_nl_get_link(sk, ep->vm_ifindex, NULL, &tap, &probe);
	if (r == -ENODEV) {
		ep->done &= ~HULL_STEP_TAP_CREATED;
		return 0;
	}
	if (r < 0) {
		*err = steal_pointer(&probe);
		return -1;
	}
	name = rtnl_link_get_name(tap);
	type = rtnl_link_get_type(tap);
	if (name == NULL || strcmp(name, ep->vm_ifname) != 0 || type == NULL ||
	    strcmp(type, "tun") != 0) {
		log_warning("tap %s (ifindex %d) is gone: ifindex %d is now %s \"%s\", left alone",
		            ep->vm_ifname, ep->vm_ifindex, ep->vm_ifindex, type ? type : "a link",
		            name ? name : "");
		ep->done &= ~HULL_STEP_TAP_CREATED;
		return 0;
	}
	r = rtnl_link_delete(sk, tap);
	if (r < 0 && !hull_nl_is_gone(r))
		return hull_nl_fail(err, r, "delete tap %s", ep->vm_ifname);
	ep->done &= ~HULL_STEP_TAP_CREATED;
	return 0;
}
