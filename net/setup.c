/* SPDX-License-Identifier: Apache-2.0 */
#include "net/setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "net/discover.h"
#include "net/macvtap.h"
#include "net/netns.h"
#include "net/nl.h"

void hull_net_setup_result_clear(struct hull_net_setup_result *res)
{
	if (res->fds)
		for (size_t i = 0; i < res->n; i++)
			hull_vm_fds_close(&res->fds[i]);
	free(res->fds);
	hull_endpoints_free(res->eps, res->n);
	memset(res, 0, sizeof(*res));
}

unsigned hull_net_queues_for_vcpus(unsigned vcpus)
{
	if (vcpus < 1)
		return 1;
	return vcpus > HULL_NET_MAX_QUEUES ? HULL_NET_MAX_QUEUES : vcpus;
}

/* What a record says about what exists: what changes is written down. */
struct marks {
	unsigned done;
	int vm_ifindex;
	uint32_t to_guest_prog_id, from_guest_prog_id;
};

static struct marks marks_of(const struct hull_endpoint *ep)
{
	return (struct marks){ep->done, ep->vm_ifindex, ep->to_guest_prog_id,
	                      ep->from_guest_prog_id};
}

/*
 * After a step: if what ep records changed (its steps, the identity of
 * what it made), record it.  A failing step's error wins over a failing
 * record.
 */
static int recorded(const struct hull_net_hooks *hooks, struct hull_endpoint *ep,
                    const struct marks *before, int r, hull_error_t *err)
{
	cleanup_error hull_error_t record_err = NULL;
	struct marks now = marks_of(ep);

	if (memcmp(&now, before, sizeof(now)) == 0 || hooks == NULL || hooks->record == NULL)
		return r;
	if (hooks->record(hooks->record_data, ep, r < 0 ? &record_err : err) < 0 && r == 0) {
		hull_error_prefix(err, "record endpoint %s", ep->name);
		return -1;
	}
	return r;
}

#define STEP(call)                                                                                 \
	do {                                                                                       \
		struct marks before_ = marks_of(ep);                                               \
		if (recorded(hooks, ep, &before_, (call), err) < 0)                                \
			goto fail;                                                                 \
	} while (0)

static int setup_tcfilter(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index,
                          unsigned queues, const struct hull_net_hooks *hooks,
                          struct hull_vm_fds *fds, hull_error_t *err)
{
	/*
	 * The tap is made exclusively and not persistent: recorded (with its
	 * ifindex) while it still dies with hull, then made persistent.
	 */
	STEP(hull_tap_plan(sk, ep, index, err));
	STEP(hull_tap_create(sk, ep, queues, fds, err));
	STEP(hull_tap_persist(ep, fds, err));
	STEP(hull_tap_configure(sk, ep, err));
	STEP(hull_tap_open_queues(ep, queues, fds, err));
	return 0;
fail:
	return -1;
}

static int setup_macvtap(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index,
                         unsigned queues, const struct hull_net_hooks *hooks,
                         struct hull_vm_fds *fds, hull_error_t *err)
{
	/*
	 * The link's MAC changes first so that the macvtap can take the old
	 * one.  Each change is recorded before it is made (net/macvtap.h).
	 */
	STEP(hull_macvtap_plan_link_mac(ep, err));
	STEP(hull_macvtap_change_link_mac(sk, ep, err));
	STEP(hull_macvtap_plan(sk, ep, index, err));
	STEP(hull_macvtap_create(sk, ep, err));
	STEP(hull_macvtap_plan_link_addrs(ep, err));
	STEP(hull_macvtap_remove_link_addrs(sk, ep, err));
	STEP(hull_macvtap_up(sk, ep, err));
	STEP(hull_macvtap_plan_device(ep, err));
	STEP(hull_macvtap_make_device(ep, err));
	STEP(hull_macvtap_open_queues(ep, queues, fds, err));
	return 0;
fail:
	return -1;
}

int hull_net_endpoint_setup(struct nl_sock *sk, struct hull_endpoint *ep, unsigned index,
                            enum hull_net_model model, unsigned queues,
                            const struct hull_net_hooks *hooks, struct hull_vm_fds *fds,
                            hull_error_t *err)
{
	int r;

	fds->n = 0;
	ep->model = model;
	switch (model) {
	case HULL_NET_TCFILTER:
		r = setup_tcfilter(sk, ep, index, queues, hooks, fds, err);
		break;
	case HULL_NET_MACVTAP:
		if (ep->kind == HULL_LINK_IPVLAN)
			return hull_fail(err, 0,
			                 "endpoint %s: an ipvlan link cannot carry a macvtap "
			                 "(use the tcfilter model)",
			                 ep->name);
		r = setup_macvtap(sk, ep, index, queues, hooks, fds, err);
		break;
	case HULL_NET_NONE:
		return 0;
	default:
		return hull_fail(err, 0, "endpoint %s: unknown model %d", ep->name, (int)model);
	}
	if (r == 0 && hooks && hooks->bpf_attach) {
		/* BPF CALL SITE: the VM side exists; bpf/ attaches its programs here. */
		if (hooks->bpf_plan)
			STEP(hooks->bpf_plan(hooks->data, ep, err));
		STEP(hooks->bpf_attach(hooks->data, ep, err));
	}
	if (r == 0)
		return 0;
fail:
	hull_vm_fds_close(fds);
	return hull_error_prefix(err, "endpoint %s", ep->name);
}

/* Each endpoint of out in turn; on failure the fds of those made are closed. */
static int setup_endpoints(struct nl_sock *sk, enum hull_net_model model, unsigned queues,
                           const struct hull_net_hooks *hooks, struct hull_net_setup_result *out,
                           hull_error_t *err)
{
	for (size_t i = 0; i < out->n; i++) {
		if (hull_net_endpoint_setup(sk, &out->eps[i], i, model, queues, hooks, &out->fds[i],
		                            err) < 0) {
			for (size_t j = 0; j < i; j++)
				hull_vm_fds_close(&out->fds[j]);
			return -1;
		}
		log_debug("endpoint %s (%s): %s on %s, %u queue(s)", out->eps[i].name,
		          hull_link_kind_name(out->eps[i].kind),
		          model == HULL_NET_MACVTAP ? "macvtap" : "tap", out->eps[i].vm_ifname,
		          out->fds[i].n);
	}
	return 0;
}

int hull_net_setup(const char *netns_path, enum hull_net_model model, unsigned vcpus,
                   const struct hull_net_hooks *hooks, struct hull_net_setup_result *out,
                   hull_error_t *err)
{
	cleanup_netns struct hull_netns_saved saved = {.fd = -1};
	cleanup_nl_sock struct nl_sock *sk = NULL;
	cleanup_close int lock = -1;
	unsigned queues = hull_net_queues_for_vcpus(vcpus);
	int r;

	memset(out, 0, sizeof(*out));
	if (model == HULL_NET_NONE)
		return 0;
	/*
	 * One hull at a time in a namespace, and never the node's own: then
	 * discovery refuses a namespace that holds another sandbox's devices.
	 */
	lock = hull_netns_lock(netns_path, true, err);
	if (lock < 0 || hull_netns_enter_fd(lock, netns_path, &saved, err) < 0)
		return -1;
	sk = hull_nl_connect(err);
	if (sk == NULL || hull_discover_here(sk, &out->eps, &out->n, err) < 0)
		return hull_error_prefix(err, "netns %s", netns_path);
	if (out->n == 0)
		return hull_netns_return(&saved, err); /* loopback only */
	out->fds = calloc(out->n, sizeof(*out->fds));
	if (out->fds == NULL)
		return hull_fail(err, ENOMEM, "allocate");
	/* Refuse before changing anything. */
	for (size_t i = 0; i < out->n; i++)
		if (model == HULL_NET_MACVTAP && out->eps[i].kind == HULL_LINK_IPVLAN)
			return hull_fail(err, 0,
			                 "netns %s: endpoint %s: an ipvlan link cannot carry a "
			                 "macvtap (use the tcfilter model)",
			                 netns_path, out->eps[i].name);
	if (hooks && hooks->bpf_prepare && hooks->bpf_prepare(hooks->data, out->n, err) < 0)
		return hull_error_prefix(err, "netns %s", netns_path);
	r = setup_endpoints(sk, model, queues, hooks, out, err);
	if (hooks && hooks->bpf_prepare && hooks->bpf_done)
		hooks->bpf_done(hooks->data);
	if (r < 0)
		return hull_error_prefix(err, "netns %s", netns_path);
	return hull_netns_return(&saved, err);
}

/*
 * One teardown step, with its own error: records a change, keeps the
 * first error in *err and lets teardown go on.
 */
#define UNDO(call)                                                                                 \
	do {                                                                                       \
		cleanup_error hull_error_t step_err = NULL;                                        \
		struct marks before_ = marks_of(ep);                                               \
		int r_ = (call);                                                                   \
		if (recorded(hooks, ep, &before_, r_, &step_err) < 0 && *err == NULL)              \
			*err = steal_pointer(&step_err);                                           \
	} while (0)

static int detach_bpf(struct hull_endpoint *ep, const struct hull_net_hooks *hooks,
                      hull_error_t *err)
{
	if (!(ep->done & HULL_STEPS_BPF))
		return 0;
	if (hooks == NULL || hooks->bpf_detach == NULL)
		return hull_fail(err, 0, "BPF state recorded (steps 0x%x) but no BPF detach given",
		                 ep->done & HULL_STEPS_BPF);
	return hooks->bpf_detach(hooks->data, ep, err);
}

/* The namespace is gone, and everything hull made inside it went with it. */
static int forget_netns_steps(struct hull_endpoint *ep)
{
	ep->done &= ~(HULL_STEP_TAP_CREATED | HULL_STEP_MACVTAP_CREATED |
	              HULL_STEP_LINK_MAC_CHANGED | HULL_STEP_LINK_ADDRS_REMOVED);
	return 0;
}

/*
 * Takes the namespace's lock for teardown: its fd, or -1 with *gone when
 * the namespace no longer exists (everything in it went with it).
 */
static int teardown_lock(const char *netns_path, bool *gone, hull_error_t *err)
{
	cleanup_error hull_error_t lock_err = NULL;
	int fd = hull_netns_lock(netns_path, false, &lock_err);

	*gone = false;
	if (fd >= 0)
		return fd;
	if (lock_err->errnum != ENOENT) {
		*err = steal_pointer(&lock_err);
		return -1;
	}
	log_debug("netns %s is gone: so are the links of its endpoints", netns_path);
	*gone = true;
	return -1;
}

/* Teardown of one endpoint, the namespace's lock held (ns_fd; -1: the namespace is gone). */
static int teardown_locked(const char *netns_path, int ns_fd, struct hull_endpoint *ep,
                           const struct hull_net_hooks *hooks, hull_error_t *err)
{
	cleanup_netns struct hull_netns_saved saved = {.fd = -1};
	cleanup_nl_sock struct nl_sock *sk = NULL;

	if (ep->done == 0)
		return 0;
	if (ns_fd >= 0 && hull_netns_enter_fd(ns_fd, netns_path, &saved, err) < 0)
		return hull_error_prefix(err, "tear down endpoint %s", ep->name);
	UNDO(detach_bpf(ep, hooks, &step_err));
	UNDO(hull_macvtap_remove_device(ep, &step_err));
	if (ns_fd < 0) {
		UNDO(forget_netns_steps(ep));
	} else {
		sk = hull_nl_connect(err);
		if (sk == NULL)
			return hull_error_prefix(err, "tear down endpoint %s", ep->name);
		UNDO(hull_macvtap_give_back_addrs(sk, ep, &step_err));
		UNDO(hull_macvtap_delete(sk, ep, &step_err));
		UNDO(hull_macvtap_give_back_link_mac(sk, ep, &step_err));
		UNDO(hull_tap_delete(sk, ep, &step_err));
	}
	if (*err)
		return hull_error_prefix(err, "tear down endpoint %s", ep->name);
	return hull_netns_return(&saved, err);
}

int hull_net_teardown(const char *netns_path, struct hull_endpoint *ep,
                      const struct hull_net_hooks *hooks, hull_error_t *err)
{
	cleanup_close int lock = -1;
	bool gone;

	if (ep->done == 0)
		return 0;
	lock = teardown_lock(netns_path, &gone, err);
	if (lock < 0 && !gone)
		return hull_error_prefix(err, "tear down endpoint %s", ep->name);
	return teardown_locked(netns_path, lock, ep, hooks, err);
}

/* ep made the tap `link` (the one with the ifindex and the name it recorded). */
static bool made_tap(const struct hull_endpoint *ep, struct rtnl_link *link)
{
	const char *name = rtnl_link_get_name(link);

	return (ep->done & HULL_STEP_TAP_CREATED) && ep->vm_ifindex > 0 &&
	       ep->vm_ifindex == rtnl_link_get_ifindex(link) && name != NULL &&
	       strcmp(ep->vm_ifname, name) == 0;
}

/*
 * The taps of eps, deleted with one request by their link group, when the
 * group holds nothing else in the namespace (every link in it is a tap
 * of eps, by recorded ifindex and name).  Best effort: whatever is left
 * is torn down endpoint by endpoint afterwards.
 */
static void delete_taps_together(const char *netns_path, int ns_fd, struct hull_endpoint *eps,
                                 size_t n, const struct hull_net_hooks *hooks)
{
	cleanup_netns struct hull_netns_saved saved = {.fd = -1};
	cleanup_nl_sock struct nl_sock *sk = NULL;
	cleanup_error hull_error_t err = NULL;
	cleanup_free bool *in_group = calloc(n, sizeof(*in_group));
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	bool only_ours = true;

	if (in_group == NULL || hull_netns_enter_fd(ns_fd, netns_path, &saved, &err) < 0 ||
	    (sk = hull_nl_connect(&err)) == NULL ||
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return;
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		bool ours = false;

		if (rtnl_link_get_group(link) != HULL_TAP_GROUP)
			continue;
		for (size_t i = 0; i < n && !ours; i++) {
			ours = made_tap(&eps[i], link);
			in_group[i] |= ours;
		}
		only_ours &= ours;
	}
	nl_cache_free(cache);
	if (!only_ours) {
		log_debug("link group 0x%x holds links hull did not make: deleting taps one by one",
		          HULL_TAP_GROUP);
		return;
	}
	if (hull_nl_delete_group(sk, HULL_TAP_GROUP, &err) < 0) {
		log_debug("%s", err->msg);
		return;
	}
	/* A tap not (yet) in the group (a crash before it was configured) goes one by one. */
	for (size_t i = 0; i < n; i++) {
		struct hull_endpoint *ep = &eps[i];
		struct marks before = marks_of(ep);
		cleanup_error hull_error_t record_err = NULL;

		if (!in_group[i])
			continue;
		ep->done &= ~HULL_STEP_TAP_CREATED;
		recorded(hooks, ep, &before, 0, &record_err);
	}
}

int hull_net_teardown_many(const char *netns_path, struct hull_endpoint *eps, size_t n,
                           const struct hull_net_hooks *hooks, hull_error_t *err)
{
	cleanup_close int lock = -1;
	size_t taps = 0, left = 0;
	bool gone;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		taps += (eps[i].done & HULL_STEP_TAP_CREATED) != 0;
		left += eps[i].done != 0;
	}
	if (left == 0)
		return 0;
	lock = teardown_lock(netns_path, &gone, err);
	if (lock < 0 && !gone)
		return hull_error_prefix(err, "tear down the endpoints");
	if (lock >= 0 && taps > 1)
		delete_taps_together(netns_path, lock, eps, n, hooks);
	for (size_t i = n; i-- > 0;) {
		cleanup_error hull_error_t one = NULL;

		if (teardown_locked(netns_path, lock, &eps[i], hooks, &one) < 0 && ret == 0) {
			*err = steal_pointer(&one);
			ret = -1;
		}
	}
	return ret;
}
