/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macvtap's VM side: a bridge-mode macvtap on the endpoint's link, which
 * QEMU reads and writes through its character device.  As in Kata, the
 * link's identity moves to the guest: the macvtap (and the guest NIC) take
 * the link's MAC while the link gets a new random one, and the link's
 * addresses are removed (the guest configures them).  Each change is
 * recorded in ep->done and saved in ep so that teardown can give it back.
 *
 * The character device: udev does not see links in other network
 * namespaces, and devtmpfs names the node /dev/tap<ifindex>, which
 * collides between namespaces (ifindexes are per namespace).  So hull
 * uses /dev/tap<ifindex> only when it is the macvtap's own device, and
 * otherwise makes its own node /dev/hull-tap<major>-<minor> (unique on
 * the host), removed at teardown.  The device number is read from sysfs
 * as the namespace sees it (a sysfs mounted in a private mount namespace
 * of a short-lived child).
 *
 * All functions work in the calling thread's network namespace.
 */
#ifndef HULL_NET_MACVTAP_H
#define HULL_NET_MACVTAP_H

#include <sys/types.h>

#include <netlink/netlink.h>

#include "common/error.h"
#include "net/endpoint.h"
#include "net/tap.h"

/* "mvtap<index>_hull" into name (IFNAMSIZ). */
void hull_macvtap_name(unsigned index, char name[IFNAMSIZ]);

/*
 * Each change comes in two calls: the first says what will change (a step
 * bit, and what teardown needs to undo it) and is recorded before the
 * second makes the change, so a crash in between leaves a record that
 * covers it.  Teardown takes an undo of what never happened as done.
 */

/* Saves the link's MAC in ep->link_saved_mac (LINK_MAC_CHANGED). */
int hull_macvtap_plan_link_mac(struct hull_endpoint *ep, hull_error_t *err);
/* Gives the link a random MAC. */
int hull_macvtap_change_link_mac(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err);

/*
 * Plans the name "mvtap<index>_hull" (fails if it exists) and sets
 * ep->vm_ifname, guest_mac (MACVTAP_CREATED).
 */
int hull_macvtap_plan(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index,
                      hull_error_t *err);
/* Creates the planned bridge-mode macvtap with the link's original MAC; sets vm_ifindex. */
int hull_macvtap_create(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err);

/*
 * LINK_ADDRS_REMOVED when the link has addresses: ep->addrs, and its IPv6
 * link-local ones (ep->link_local: the link kept the one derived from its
 * old MAC, which the guest derives from the MAC it takes).
 */
int hull_macvtap_plan_link_addrs(struct hull_endpoint *ep, hull_error_t *err);
/* Removes ep->addrs and ep->link_local from the link. */
int hull_macvtap_remove_link_addrs(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err);

/* Brings the macvtap up. */
int hull_macvtap_up(struct nl_sock *sk, const struct hull_endpoint *ep, hull_error_t *err);

/* The macvtap's device number, as the current network namespace's sysfs shows it. */
int hull_macvtap_devnum(const struct hull_endpoint *ep, dev_t *out, hull_error_t *err);

/*
 * Sets ep->vm_device: the kernel's /dev/tap<ifindex> when it is this
 * macvtap's, else /dev/hull-tap<major>-<minor> (VM_DEVICE_NODE_CREATED).
 */
int hull_macvtap_plan_device(struct hull_endpoint *ep, hull_error_t *err);
/* Makes hull's node when the plan says so (mknod). */
int hull_macvtap_make_device(struct hull_endpoint *ep, hull_error_t *err);

/* Opens ep->vm_device `queues` times (one queue each), close-on-exec. */
int hull_macvtap_open_queues(const struct hull_endpoint *ep, unsigned queues,
                             struct hull_vm_fds *out, hull_error_t *err);

/*
 * Teardown, each a no-op without its bit, each clearing its bit; gone things are fine.
 * remove_device removes only hull's own node (/dev/hull-tapMAJOR-MINOR) while it is
 * that character device, and fails on anything else; delete deletes only the macvtap
 * hull made (the recorded ifindex), never another of the same name.
 */
int hull_macvtap_remove_device(struct hull_endpoint *ep, hull_error_t *err);
int hull_macvtap_give_back_addrs(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err);
int hull_macvtap_delete(struct nl_sock *sk, struct hull_endpoint *ep, hull_error_t *err);
int hull_macvtap_give_back_link_mac(struct nl_sock *sk, struct hull_endpoint *ep,
                                    hull_error_t *err);

#endif
