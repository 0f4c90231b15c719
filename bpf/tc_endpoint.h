/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading, attaching, pinning and tearing down hull's TC programs for one
 * endpoint, and reading its counters back from the pins.
 *
 * Every call works on the network namespace the caller is in: enter the
 * container's netns first (setns(CLONE_NEWNET) only; the pins live on the
 * host's bpffs at /sys/fs/bpf, which must stay visible).
 *
 * Hooks, per model (docs/datapath.md):
 *   tcfilter  hull_to_guest on the link's ingress, hull_from_guest on the
 *             tap's ingress; both redirect to the other side.
 *   macvtap   hull_to_guest on the macvtap's ingress, hull_from_guest on
 *             the macvtap's egress; both pass (TC_ACT_OK).
 *
 * Steps in ep->done (net/endpoint.h), written ahead: hull_tc_endpoint_plan
 * marks (and the caller records) every step attach will take before its
 * first change, so a crash leaves a record covering all that exists:
 *   HULL_STEP_BPF_PINNED         the pin dir was made (it may hold pins)
 *   HULL_STEP_LINK_QDISC_ADDED   tcfilter: hull created clsact on the link
 *   HULL_STEP_VM_QDISC_ADDED     hull created clsact on the tap/macvtap
 *   HULL_STEP_TO_GUEST_FILTER    hull_to_guest is attached (tcfilter: on the
 *                                link; macvtap: on the macvtap's ingress)
 *   HULL_STEP_FROM_GUEST_FILTER  hull_from_guest is attached (tap ingress or
 *                                macvtap egress)
 * A clsact qdisc that existed already is used but never recorded, so it is
 * never destroyed.
 */
#ifndef HULL_BPF_TC_ENDPOINT_H
#define HULL_BPF_TC_ENDPOINT_H

#include <stdint.h>

#include "bpf/hull_tc.h"
#include "common/error.h"
#include "net/endpoint.h"
#include "net/setup.h"

#define HULL_BPFFS "/sys/fs/bpf"
/* HULL_BPF_PIN_ROOT (net/endpoint.h) is HULL_BPFFS "/hull". */

/* The cls_bpf filters hull attaches: fixed, so a fresh process finds them. */
#define HULL_TC_HANDLE 0x4855 /* "HU" */
#define HULL_TC_PRIORITY 1

/*
 * Names a step after which hull_tc_endpoint_attach() fails on purpose, so
 * that tests can prove teardown after a partial attach: "bpf_pinned",
 * "link_qdisc_added", "vm_qdisc_added", "link_filter" or "vm_filter".
 */
#define HULL_FAULT_ENV "HULL_FAULT_AFTER_STEP"

/* Sums over all CPUs of the pinned per-CPU counters. */
struct hull_tc_counters {
	struct hull_tc_counter dir[HULL_TC_DIRECTION_COUNT];
	struct hull_tc_counter drops[HULL_DROP_REASON_COUNT];
};

/* Mounts bpffs at /sys/fs/bpf unless a bpffs is mounted there already. */
int hull_bpffs_ensure_mounted(hull_error_t *err);

/*
 * The program configuration for ep: mode from ep->model, the guest's MAC
 * (ep->guest_mac, or ep->mac when that is all zero), the ifindexes, and
 * the addresses of ep->addrs.  Fails naming what does not fit.
 */
int hull_tc_config_from_endpoint(const struct hull_endpoint *ep, struct hull_tc_config *cfg,
                                 hull_error_t *err);

/*
 * Loads a fresh instance of the programs for ep, pins its maps and
 * programs under /sys/fs/bpf/hull/<sandbox_id>/<ep->name>/ (written to
 * ep->bpf_pin_dir), and attaches them to the hooks of ep->model.  Needs
 * ep->name, ep->ifindex, ep->vm_ifname, ep->vm_ifindex, ep->model and the
 * MAC/addresses.  On failure ep->done says what exists: call
 * hull_tc_endpoint_detach() to remove it.
 */
int hull_tc_endpoint_attach(struct hull_endpoint *ep, const char *sandbox_id, hull_error_t *err);

/*
 * Names ep's pin directory and marks in ep->done every step attach will
 * take (the clsact qdiscs only where there is none yet), changing
 * nothing.  The caller records ep before it attaches, so that a crash
 * anywhere inside attach leaves a record covering all that exists
 * (detach takes what is not there as removed).  Fails, marking nothing,
 * on a bad id or name or when the pin directory is left from before.
 */
int hull_tc_endpoint_plan(struct hull_endpoint *ep, const char *sandbox_id, hull_error_t *err);

/*
 * hull_tc_endpoint_attach() with an instance taken from pool
 * (bpf/tc_pool.h, NULL: load one here).  Plans first when ep has no BPF
 * step marked yet.
 */
struct hull_tc_pool;
int hull_tc_endpoint_attach_from(struct hull_endpoint *ep, const char *sandbox_id,
                                 struct hull_tc_pool *pool, hull_error_t *err);

/*
 * Removes what ep->done says hull made: the filters, the clsact qdiscs it
 * added, the pins and the pin dir (and the sandbox's dir once empty),
 * clearing each bit as it goes.  Reads only what a saved endpoint holds
 * (ifindexes, names, pin dir, done), so a fresh process can call it;
 * things already gone count as removed, so calling it twice succeeds.
 */
int hull_tc_endpoint_detach(struct hull_endpoint *ep, hull_error_t *err);

/* Reads the pinned counters of the endpoint whose pin dir is pin_dir. */
int hull_tc_counters_read(const char *pin_dir, struct hull_tc_counters *out, hull_error_t *err);

/* Reads the pinned configuration of the endpoint whose pin dir is pin_dir. */
int hull_tc_config_read(const char *pin_dir, struct hull_tc_config *out, hull_error_t *err);

/* "bad_src_mac", ...; "unknown" past the end.  */
const char *hull_tc_drop_reason_name(unsigned reason);
/* "to_guest" or "from_guest". */
const char *hull_tc_direction_name(unsigned dir);

/*
 * bpf/'s side of net/'s setup and teardown (struct hull_net_hooks): the
 * programs of sandbox_id's endpoints, loaded ahead on other threads into
 * pool between prepare and done.
 */
struct hull_tc_hooks {
	const char *sandbox_id;
	struct hull_tc_pool *pool;
};

/*
 * Hooks whose bpf_* members attach and detach these programs (data = tc,
 * which must outlive them), planning each attach first (bpf_plan) when
 * plan is set; record is left to the caller.
 */
struct hull_net_hooks hull_tc_net_hooks(struct hull_tc_hooks *tc, bool plan);

/* Routes libbpf's messages to log_debug (done by every call above). */
void hull_tc_route_libbpf_logs(void);

#endif
