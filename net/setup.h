/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Setting endpoints up and tearing them down: the interworking models
 * (tcfilter, macvtap, none) over discovery, taps and macvtaps.
 *
 * Every change hull makes is a HULL_STEP_* bit in ep->done, set as the
 * change is made, and hooks->record() is called each time ep->done
 * changes so that the caller (persist/) can write it down.  Teardown
 * undoes exactly the recorded bits, in reverse order, and tolerates what
 * is already gone; so it can run after a crash at any step, and twice.
 */
#ifndef HULL_NET_SETUP_H
#define HULL_NET_SETUP_H

#include <stddef.h>

#include <netlink/netlink.h>

#include "common/error.h"
#include "net/endpoint.h"
#include "net/tap.h"

struct hull_net_hooks {
	/*
	 * ep->done changed: persist it (record_data is its own, so that the
	 * bpf_* hooks can come from bpf/: hull_tc_net_hooks()).  < 0 stops
	 * setup (teardown goes on).
	 */
	int (*record)(void *record_data, const struct hull_endpoint *ep, hull_error_t *err);
	void *record_data;
	/*
	 * BPF CALL SITE (bpf/): attach runs once the VM side exists (the tap
	 * or macvtap is up and its queue fds are open), in the endpoint's
	 * network namespace, and sets its own HULL_STEPS_BPF bits in ep->done.
	 * detach runs first in teardown and clears them; when the namespace
	 * is already gone it runs outside it (only pins are left then).
	 * NULL: no BPF (setup skips it; teardown fails if BPF bits are set).
	 */
	int (*bpf_attach)(void *data, struct hull_endpoint *ep, hull_error_t *err);
	int (*bpf_detach)(void *data, struct hull_endpoint *ep, hull_error_t *err);
	/*
	 * Optional, before bpf_attach: marks the BPF steps attach will take,
	 * changing nothing, so that they are recorded before any is taken.
	 */
	int (*bpf_plan)(void *data, struct hull_endpoint *ep, hull_error_t *err);
	/*
	 * Optional: prepare runs once hull_net_setup() knows how many
	 * endpoints it will set up, before it changes anything (bpf/ starts
	 * loading their programs on other threads); done runs after the last
	 * endpoint, whether setup succeeded or not, if prepare succeeded.
	 */
	int (*bpf_prepare)(void *data, size_t n_endpoints, hull_error_t *err);
	void (*bpf_done)(void *data);
	void *data; /* for the bpf_* hooks */
};

struct hull_net_setup_result {
	struct hull_endpoint *eps; /* one per link, sorted by ifindex */
	struct hull_vm_fds *fds;   /* fds[i]: QEMU's queue fds for eps[i] */
	size_t n;
};

/* Closes the fds and frees the endpoints (does not tear anything down). */
void hull_net_setup_result_clear(struct hull_net_setup_result *res);

/* The queues per NIC for a VM with vcpus vCPUs (one per vCPU, 1 to HULL_NET_MAX_QUEUES). */
unsigned hull_net_queues_for_vcpus(unsigned vcpus);

/*
 * Discovers the endpoints of the network namespace at netns_path and sets
 * each up with `model` (HULL_NET_NONE: nothing, n = 0).  ipvlan links
 * only take tcfilter: asking for macvtap with one is refused before
 * anything is changed.
 *
 * On failure *out still holds every endpoint with what was done to it
 * (and no open fds): the caller tears each down with hull_net_teardown(),
 * as it would after a crash, then clears *out.
 */
int hull_net_setup(const char *netns_path, enum hull_net_model model, unsigned vcpus,
                   const struct hull_net_hooks *hooks, struct hull_net_setup_result *out,
                   hull_error_t *err);

/* Sets up one discovered endpoint in the socket's (and thread's) namespace. */
int hull_net_endpoint_setup(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index,
                            enum hull_net_model model, unsigned queues,
                            const struct hull_net_hooks *hooks, struct hull_vm_fds *fds,
                            hull_error_t *err);

/*
 * Undoes ep->done in reverse order: BPF detach, the device node, the
 * link's addresses and routes, the macvtap, the link's MAC, the tap.
 * Goes on past a failing step (reporting the first error) so that as
 * much as possible is cleaned; a link or namespace already gone is not an
 * error.  Idempotent: ep->done is 0 once everything is undone.
 */
int hull_net_teardown(const char *netns_path, struct hull_endpoint *ep,
                      const struct hull_net_hooks *hooks, hull_error_t *err);

/*
 * hull_net_teardown() of every endpoint of a sandbox, last first, after
 * deleting their taps with one request where it can (the kernel's cost
 * of deleting a link is then paid once, not once per endpoint).  Goes on
 * past failures and reports the first.
 */
int hull_net_teardown_many(const char *netns_path, struct hull_endpoint *eps, size_t n,
                           const struct hull_net_hooks *hooks, hull_error_t *err);

#endif
