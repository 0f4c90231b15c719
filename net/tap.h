/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcfilter's VM side: a persistent tap per endpoint in the container's
 * network namespace (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, plus
 * IFF_MULTI_QUEUE when the VM gets more than one queue), with the link's
 * MTU and its own random MAC; the guest's NIC takes the link's MAC.
 * QEMU gets one fd per queue (netdev tap,fds=...).
 *
 * All functions work in the calling thread's network namespace; the
 * netlink socket must be bound to the same one.
 */
#ifndef HULL_NET_TAP_H
#define HULL_NET_TAP_H

#include <netlink/netlink.h>

#include "common/error.h"
#include "net/endpoint.h"

#define HULL_NET_MAX_QUEUES 8

/*
 * The link group of hull's taps ("HU"), so that a sandbox's taps can be
 * deleted in one request (hull_net_teardown_many).
 */
#define HULL_TAP_GROUP 0x4855

/* The fds QEMU gets for one NIC: tap queues or macvtap queues. */
struct hull_vm_fds {
	int fds[HULL_NET_MAX_QUEUES];
	unsigned n;
};

void hull_vm_fds_close(struct hull_vm_fds *fds);

/* "tap<index>_hull" into name (IFNAMSIZ). */
void hull_tap_name(unsigned index, char name[IFNAMSIZ]);

/*
 * Names ep's tap hull_tap_name(index), refusing a name that is taken;
 * sets ep->vm_ifname and ep->guest_mac (the link's MAC).  Changes nothing
 * in the namespace.
 */
int hull_tap_plan(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index, hull_error_t *err);

/*
 * Creates the planned tap with IFF_TUN_EXCL (a tap of that name made by
 * anyone in between is refused, never attached to), not persistent yet:
 * it lives as long as its first queue fd, which goes into fds->fds[0], so
 * a crash before hull_tap_persist() takes the tap with it.  Sets
 * ep->vm_ifindex and HULL_STEP_TAP_CREATED: record ep (the tap's
 * identity is its ifindex) before hull_tap_persist().
 */
int hull_tap_create(struct nl_sock *sk, struct hull_endpoint *ep, unsigned queues,
                    struct hull_vm_fds *fds, hull_error_t *err);

/* Makes the tap outlive fds->fds[0] (TUNSETPERSIST). */
int hull_tap_persist(const struct hull_endpoint *ep, const struct hull_vm_fds *fds,
                     hull_error_t *err);

/* Gives the tap the link's MTU and a random MAC (not the link's), and brings it up. */
int hull_tap_configure(struct nl_sock *sk, const struct hull_endpoint *ep, hull_error_t *err);

/*
 * Opens the rest of the `queues` close-on-exec queue fds into fds (after
 * the first, from hull_tap_create), checking that each is on ep's tap.
 */
int hull_tap_open_queues(const struct hull_endpoint *ep, unsigned queues, struct hull_vm_fds *fds,
                         hull_error_t *err);

/*
 * Deletes the tap if HULL_STEP_TAP_CREATED, only if it is the one hull
 * made: the link with the recorded ifindex, still a tun named
 * ep->vm_ifname.  A tap already gone (or whose ifindex now names another
 * link, which is left alone) is fine.  Clears the bit.
 */
int hull_tap_delete(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err);

#endif
