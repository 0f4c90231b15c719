/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Setup and teardown of endpoints (net/setup.h, net/tap.h, net/macvtap.h)
 * on real namespaces: what the kernel shows after setup, and that
 * teardown gives back exactly what was there, whenever it runs.
 */
#include "net/tests/netns_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <linux/if_tun.h>

#include "net/discover.h"
#include "net/macvtap.h"
#include "net/netns.h"
#include "net/nl.h"
#include "net/setup.h"
#include "net/tap.h"

struct recorder {
	int calls;
	int fail_at; /* 0: never */
	unsigned last_done;
	int attach_calls, detach_calls;
	bool attach_fails;
	int prepare_calls, done_calls, plan_calls;
	size_t prepared_for;  /* n_endpoints given to prepare */
	int attaches_at_done; /* attach calls made when done ran */
	bool prepare_fails;
};

static int record(void *data, const struct hull_endpoint *ep, hull_error_t *err)
{
	struct recorder *r = data;

	r->calls++;
	r->last_done = ep->done;
	if (r->fail_at && r->calls == r->fail_at)
		return hull_fail(err, 0, "injected failure at record %d", r->calls);
	return 0;
}

/* Stands in for bpf/: checks the VM side exists, claims a qdisc step. */
static int fake_bpf_attach(void *data, struct hull_endpoint *ep, hull_error_t *err)
{
	struct recorder *r = data;

	r->attach_calls++;
	if (ep->vm_ifindex <= 0 || ep->vm_ifname[0] == '\0')
		return hull_fail(err, 0, "BPF attach called before the VM side exists");
	if (r->plan_calls != r->attach_calls || !(r->last_done & HULL_STEP_FROM_GUEST_FILTER))
		return hull_fail(err, 0, "BPF attach called before its plan was recorded");
	ep->done |= HULL_STEP_LINK_QDISC_ADDED;
	if (r->attach_fails)
		return hull_fail(err, 0, "injected BPF failure");
	return 0;
}

/* Stands in for bpf/'s plan: marks a step it will take. */
static int fake_bpf_plan(void *data, struct hull_endpoint *ep, hull_error_t *err)
{
	struct recorder *r = data;

	(void)err;
	r->plan_calls++;
	ep->done |= HULL_STEP_FROM_GUEST_FILTER;
	return 0;
}

static int fake_bpf_detach(void *data, struct hull_endpoint *ep, hull_error_t *err)
{
	struct recorder *r = data;

	(void)err;
	r->detach_calls++;
	ep->done &= ~HULL_STEPS_BPF;
	return 0;
}

static int fake_bpf_prepare(void *data, size_t n_endpoints, hull_error_t *err)
{
	struct recorder *r = data;

	r->prepare_calls++;
	r->prepared_for = n_endpoints;
	if (r->attach_calls != 0)
		return hull_fail(err, 0, "BPF prepare called after an attach");
	if (r->prepare_fails)
		return hull_fail(err, 0, "injected BPF prepare failure");
	return 0;
}

static void fake_bpf_done(void *data)
{
	struct recorder *r = data;

	r->done_calls++;
	r->attaches_at_done = r->attach_calls;
}

static struct hull_net_hooks hooks_for(struct recorder *r)
{
	return (struct hull_net_hooks){.record = record,
	                               .record_data = r,
	                               .bpf_attach = fake_bpf_attach,
	                               .bpf_detach = fake_bpf_detach,
	                               .bpf_plan = fake_bpf_plan,
	                               .bpf_prepare = fake_bpf_prepare,
	                               .bpf_done = fake_bpf_done,
	                               .data = r};
}

static void setup_ok(struct fixture *f, enum hull_net_model model, unsigned vcpus,
                     const struct hull_net_hooks *hooks, struct hull_net_setup_result *res)
{
	cleanup_error hull_error_t err = NULL;

	if (hull_net_setup(f->c_path, model, vcpus, hooks, res, &err) < 0)
		fail_msg("setup: %s", err->msg);
}

static void teardown_ok(struct fixture *f, struct hull_endpoint *ep,
                        const struct hull_net_hooks *hooks)
{
	cleanup_error hull_error_t err = NULL;

	if (hull_net_teardown(f->c_path, ep, hooks, &err) < 0)
		fail_msg("teardown: %s", err->msg);
	assert_int_equal(ep->done, 0);
}

static bool link_exists(const char *ns, const char *link)
{
	return sh("ip -n %s link show %s >/dev/null 2>&1", ns, link) == 0;
}

static void tcfilter_makes_multiqueue_tap(void **state)
{
	struct fixture *f = *state;
	struct recorder rec = {0};
	struct hull_net_hooks hooks = hooks_for(&rec);
	struct hull_net_setup_result res;
	cleanup_free char *before = NULL, *after = NULL, *flags = NULL, *show = NULL;
	uint8_t link_mac[6], tap_mac[6];
	struct ifreq ifr = {0};

	make_veth_topology(f);
	assert_int_equal(sh("ip -n %s link set eth0 mtu 1450", f->c), 0);
	before = snapshot(f);
	read_mac(f->c, "eth0", link_mac);

	setup_ok(f, HULL_NET_TCFILTER, 2, &hooks, &res);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.eps[0].vm_ifname, "tap0_hull");
	assert_int_equal(res.eps[0].model, HULL_NET_TCFILTER);
	/* The fake plan's mark and the fake attach's. */
	assert_int_equal(res.eps[0].done, HULL_STEP_TAP_CREATED | HULL_STEP_FROM_GUEST_FILTER |
	                                      HULL_STEP_LINK_QDISC_ADDED);
	assert_int_equal(rec.last_done, res.eps[0].done);
	assert_int_equal(rec.plan_calls, 1);
	assert_int_equal(rec.attach_calls, 1);
	assert_string_equal(res.eps[0].vm_device, "");

	/* IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE | IFF_PERSIST, as sysfs shows it. */
	flags = capture("ip netns exec %s cat /sys/class/net/tap0_hull/tun_flags", f->c);
	assert_string_equal(flags, "0x5902\n");
	show = capture("ip -n %s link show tap0_hull", f->c);
	assert_non_null(strstr(show, "mtu 1450"));
	assert_non_null(strstr(show, ",UP"));
	/* No root qdisc in the way of frames towards the VM. */
	assert_non_null(strstr(show, "qdisc noqueue"));
	read_mac(f->c, "tap0_hull", tap_mac);
	assert_memory_not_equal(tap_mac, link_mac, 6);
	assert_int_equal(tap_mac[0] & 0x03, 0x02); /* unicast, locally administered */
	assert_memory_equal(res.eps[0].guest_mac, link_mac, 6);

	/* Two queue fds for QEMU, attached to the tap, close-on-exec. */
	assert_int_equal(res.fds[0].n, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(ioctl(res.fds[0].fds[i], TUNGETIFF, &ifr), 0);
		assert_string_equal(ifr.ifr_name, "tap0_hull");
		assert_true(ifr.ifr_flags & IFF_MULTI_QUEUE);
		assert_true(fcntl(res.fds[0].fds[i], F_GETFD) & FD_CLOEXEC);
	}

	hull_vm_fds_close(&res.fds[0]);
	teardown_ok(f, &res.eps[0], &hooks);
	assert_int_equal(rec.detach_calls, 1);
	assert_int_equal(rec.last_done, 0);
	assert_false(link_exists(f->c, "tap0_hull"));
	after = snapshot(f);
	assert_string_equal(after, before);
	hull_net_setup_result_clear(&res);
}

static void tcfilter_single_queue(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	cleanup_free char *flags = NULL;

	make_veth_topology(f);
	setup_ok(f, HULL_NET_TCFILTER, 1, NULL, &res);
	assert_int_equal(res.fds[0].n, 1);
	flags = capture("ip netns exec %s cat /sys/class/net/tap0_hull/tun_flags", f->c);
	assert_string_equal(flags, "0x5802\n"); /* no IFF_MULTI_QUEUE */
	teardown_ok(f, &res.eps[0], NULL);
	hull_net_setup_result_clear(&res);
}

static void macvtap_moves_mac_and_addresses(void **state)
{
	struct fixture *f = *state;
	struct recorder rec = {0};
	struct hull_net_hooks hooks = hooks_for(&rec);
	struct hull_net_setup_result res;
	cleanup_free char *before = NULL, *after = NULL, *show = NULL, *addrs = NULL;
	cleanup_free char *neigh = NULL;
	uint8_t link_mac[6], mac[6];
	char device[32];
	struct stat st;

	make_veth_topology(f);
	before = snapshot(f);
	read_mac(f->c, "eth0", link_mac);

	setup_ok(f, HULL_NET_MACVTAP, 2, &hooks, &res);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.eps[0].vm_ifname, "mvtap0_hull");
	show = capture("ip -n %s -d link show mvtap0_hull", f->c);
	assert_non_null(strstr(show, "macvtap mode bridge"));
	assert_non_null(strstr(show, "@eth0"));
	assert_non_null(strstr(show, "qdisc noqueue")); /* not pfifo_fast */
	read_mac(f->c, "mvtap0_hull", mac);
	assert_memory_equal(mac, link_mac, 6); /* the macvtap took the link's MAC */
	assert_memory_equal(res.eps[0].guest_mac, link_mac, 6);
	read_mac(f->c, "eth0", mac);
	assert_memory_not_equal(mac, link_mac, 6); /* the link has a new one */
	assert_memory_equal(res.eps[0].link_saved_mac, link_mac, 6);
	addrs = capture("ip -n %s -br addr show eth0", f->c);
	assert_null(strstr(addrs, "10.1.0.2"));
	assert_null(strstr(addrs, "fd00::2"));
	/* Nor the link-local address the guest derives from the same MAC. */
	assert_null(strstr(addrs, "fe80::"));
	assert_int_equal(res.eps[0].n_link_local, 1);
	assert_non_null(strstr(before, "fe80::"));
	assert_true(res.eps[0].done & HULL_STEP_LINK_ADDRS_REMOVED);

	/* QEMU's side: the character device opens, one fd per queue. */
	assert_int_equal(res.fds[0].n, 2);
	assert_int_equal(stat(res.eps[0].vm_device, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	for (unsigned i = 0; i < res.fds[0].n; i++)
		assert_true(res.fds[0].fds[i] >= 0);
	snprintf(device, sizeof(device), "%s", res.eps[0].vm_device);

	hull_vm_fds_close(&res.fds[0]);
	teardown_ok(f, &res.eps[0], &hooks);
	assert_false(link_exists(f->c, "mvtap0_hull"));
	if (strncmp(device, "/dev/hull-tap", 13) == 0)
		assert_int_equal(access(device, F_OK), -1);
	after = snapshot(f);
	assert_string_equal(after, before);
	neigh = capture("ip -n %s neigh show nud permanent", f->c);
	assert_non_null(strstr(neigh, "10.1.0.1 dev eth0 lladdr 02:00:00:00:00:01"));
	hull_net_setup_result_clear(&res);
}

/* Without udev (or when devtmpfs's /dev/tapN names another namespace's macvtap). */
static void macvtap_device_node_made_when_missing(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;
	struct hull_netns_saved saved;
	struct hull_vm_fds fds;
	char udev_path[32], device[32];
	struct stat st;
	dev_t dev;

	make_veth_topology(f);
	setup_ok(f, HULL_NET_MACVTAP, 1, NULL, &res);
	hull_vm_fds_close(&res.fds[0]);
	assert_int_equal(hull_netns_enter(f->c_path, &saved, &err), 0);
	assert_int_equal(hull_macvtap_devnum(&res.eps[0], &dev, &err), 0);
	/* Remove the kernel's node, but only if it is this macvtap's: ifindexes
	 * repeat across namespaces, and another test's /dev/tapN must live. */
	snprintf(udev_path, sizeof(udev_path), "/dev/tap%d", res.eps[0].vm_ifindex);
	if (stat(udev_path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == dev)
		unlink(udev_path);
	assert_int_equal(hull_macvtap_plan_device(&res.eps[0], &err), 0);
	assert_int_equal(hull_macvtap_make_device(&res.eps[0], &err), 0);
	assert_int_equal(hull_netns_return(&saved, &err), 0);

	snprintf(device, sizeof(device), "/dev/hull-tap%u-%u", major(dev), minor(dev));
	assert_string_equal(res.eps[0].vm_device, device);
	assert_true(res.eps[0].done & HULL_STEP_VM_DEVICE_NODE_CREATED);
	assert_int_equal(stat(device, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, dev);
	assert_int_equal(hull_macvtap_open_queues(&res.eps[0], 2, &fds, &err), 0);
	assert_int_equal(fds.n, 2);
	hull_vm_fds_close(&fds);

	teardown_ok(f, &res.eps[0], NULL);
	assert_int_equal(access(device, F_OK), -1);
	hull_net_setup_result_clear(&res);
}

static void teardown_twice_is_fine(void **state)
{
	struct fixture *f = *state;
	enum hull_net_model models[] = {HULL_NET_TCFILTER, HULL_NET_MACVTAP};
	cleanup_free char *before = NULL;

	make_veth_topology(f);
	before = snapshot(f);
	for (size_t m = 0; m < 2; m++) {
		struct hull_net_setup_result res;
		cleanup_free char *after = NULL;
		struct hull_endpoint copy;

		setup_ok(f, models[m], 1, NULL, &res);
		copy = res.eps[0]; /* what persist/ would read back: the same bits */
		teardown_ok(f, &res.eps[0], NULL);
		teardown_ok(f, &res.eps[0], NULL);
		/* A stale record (bits still set, everything gone) tears down too. */
		teardown_ok(f, &copy, NULL);
		after = snapshot(f);
		assert_string_equal(after, before);
		hull_net_setup_result_clear(&res);
	}
}

/* Three endpoints: their taps go in one request; everything is given back. */
static void teardown_many_deletes_taps_together(void **state)
{
	struct fixture *f = *state;
	struct recorder rec = {0};
	struct hull_net_hooks hooks = hooks_for(&rec);
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *before = NULL, *after = NULL, *groups = NULL;

	assert_int_equal(
	    sh("set -e; for i in 1 2 3; do ip -n %1$s link add e$i type veth peer name "
	       "p$i netns %2$s; ip -n %1$s link set e$i up; done",
	       f->c, f->p),
	    0);
	before = snapshot(f);
	setup_ok(f, HULL_NET_TCFILTER, 1, &hooks, &res);
	assert_int_equal(res.n, 3);
	/* BPF was told of all three before the first attach, and done after the last. */
	assert_int_equal(rec.prepared_for, 3);
	assert_int_equal(rec.done_calls, 1);
	assert_int_equal(rec.attaches_at_done, 3);
	for (size_t i = 0; i < 3; i++)
		hull_vm_fds_close(&res.fds[i]);
	/* The taps are in hull's group (0x4855 = 18517). */
	groups = capture("ip -n %s -d link show type tun | grep -c 'group 18517'", f->c);
	assert_string_equal(groups, "3\n");
	if (hull_net_teardown_many(f->c_path, res.eps, res.n, &hooks, &err) < 0)
		fail_msg("teardown: %s", err->msg);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(res.eps[i].done, 0);
	after = snapshot(f);
	assert_string_equal(after, before);
	hull_net_setup_result_clear(&res);
}

/* A link of someone else's in hull's group: the taps go one by one, the link stays. */
static void teardown_many_spares_a_foreign_link_in_the_group(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(sh("set -e; for i in 1 2; do ip -n %1$s link add e$i type veth peer name "
	                    "p$i netns %2$s; ip -n %1$s link set e$i up; done;"
	                    "ip -n %1$s link add foreign type veth peer name foreign-p netns %2$s;"
	                    "ip -n %1$s link set foreign group 18517",
	                    f->c, f->p),
	                 0);
	/* "foreign" is a veth too: it becomes an endpoint; its peer keeps the group. */
	setup_ok(f, HULL_NET_TCFILTER, 1, NULL, &res);
	for (size_t i = 0; i < res.n; i++)
		hull_vm_fds_close(&res.fds[i]);
	if (hull_net_teardown_many(f->c_path, res.eps, res.n, NULL, &err) < 0)
		fail_msg("teardown: %s", err->msg);
	assert_true(link_exists(f->c, "foreign"));
	assert_false(link_exists(f->c, "tap0_hull"));
	assert_false(link_exists(f->c, "tap1_hull"));
	hull_net_setup_result_clear(&res);
}

/* Fails setup after each recorded step in turn; teardown must give back everything. */
static void teardown_after_failure_at_each_step(void **state)
{
	struct fixture *f = *state;
	enum hull_net_model models[] = {HULL_NET_TCFILTER, HULL_NET_MACVTAP};
	cleanup_free char *before = NULL;

	make_veth_topology(f);
	before = snapshot(f);
	for (size_t m = 0; m < 2; m++) {
		int failures = 0;

		for (int n = 1;; n++) {
			struct recorder rec = {.fail_at = n};
			struct hull_net_hooks hooks = hooks_for(&rec);
			struct hull_net_setup_result res;
			cleanup_error hull_error_t err = NULL;
			cleanup_free char *after = NULL;
			int r = hull_net_setup(f->c_path, models[m], 2, &hooks, &res, &err);

			if (r < 0) {
				failures++;
				assert_non_null(strstr(err->msg, "injected failure"));
				assert_non_null(strstr(err->msg, "endpoint eth0"));
				assert_int_equal(res.n, 1);
				assert_int_equal(res.fds[0].n, 0);
			}
			rec.fail_at = 0; /* teardown's records must not fail */
			teardown_ok(f, &res.eps[0], &hooks);
			after = snapshot(f);
			if (strcmp(after, before) != 0)
				fail_msg("model %zu, failure at record %d: before\n%s\nafter\n%s",
				         m, n, before, after);
			hull_net_setup_result_clear(&res);
			if (r == 0)
				break;
		}
		/* tcfilter: tap, bpf; macvtap: mac, macvtap, addrs, node?, bpf */
		assert_true(failures >= (models[m] == HULL_NET_TCFILTER ? 2 : 4));
	}
}

static void failing_bpf_attach_is_torn_down(void **state)
{
	struct fixture *f = *state;
	struct recorder rec = {.attach_fails = true};
	struct hull_net_hooks hooks = hooks_for(&rec);
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *before = NULL, *after = NULL;

	make_veth_topology(f);
	before = snapshot(f);
	assert_int_equal(hull_net_setup(f->c_path, HULL_NET_TCFILTER, 1, &hooks, &res, &err), -1);
	assert_non_null(strstr(err->msg, f->c_path));
	assert_non_null(strstr(err->msg, "endpoint eth0: injected BPF failure"));
	/* The BPF step is recorded even though attach failed. */
	assert_true(rec.last_done & HULL_STEP_LINK_QDISC_ADDED);
	/* prepare ran first, done after the failed attach. */
	assert_int_equal(rec.prepare_calls, 1);
	assert_int_equal(rec.prepared_for, 1);
	assert_int_equal(rec.done_calls, 1);
	assert_int_equal(rec.attaches_at_done, 1);
	teardown_ok(f, &res.eps[0], &hooks);
	assert_int_equal(rec.detach_calls, 1);
	after = snapshot(f);
	assert_string_equal(after, before);
	hull_net_setup_result_clear(&res);
}

/* A failing prepare stops setup before any device exists; done does not run. */
static void failing_bpf_prepare_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct recorder rec = {.prepare_fails = true};
	struct hull_net_hooks hooks = hooks_for(&rec);
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *before = NULL, *after = NULL;

	make_veth_topology(f);
	before = snapshot(f);
	assert_int_equal(hull_net_setup(f->c_path, HULL_NET_TCFILTER, 1, &hooks, &res, &err), -1);
	assert_non_null(strstr(err->msg, "injected BPF prepare failure"));
	assert_int_equal(rec.attach_calls, 0);
	assert_int_equal(rec.done_calls, 0);
	assert_int_equal(rec.calls, 0); /* nothing recorded: nothing made */
	after = snapshot(f);
	assert_string_equal(after, before);
	hull_net_setup_result_clear(&res);
}

static void teardown_refuses_bpf_bits_without_detach(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;

	make_veth_topology(f);
	setup_ok(f, HULL_NET_TCFILTER, 1, NULL, &res);
	res.eps[0].done |= HULL_STEP_FROM_GUEST_FILTER;
	assert_int_equal(hull_net_teardown(f->c_path, &res.eps[0], NULL, &err), -1);
	assert_non_null(strstr(err->msg, "tear down endpoint eth0: BPF state recorded (steps 0x20) "
	                                 "but no BPF detach given"));
	/* Everything else was still undone. */
	assert_int_equal(res.eps[0].done, HULL_STEP_FROM_GUEST_FILTER);
	assert_false(link_exists(f->c, "tap0_hull"));
	hull_net_setup_result_clear(&res);
}

static void links_already_gone_are_fine(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	char device[32];

	make_veth_topology(f);
	/* The tap deleted behind hull's back. */
	setup_ok(f, HULL_NET_TCFILTER, 1, NULL, &res);
	assert_int_equal(sh("ip -n %s link del tap0_hull", f->c), 0);
	teardown_ok(f, &res.eps[0], NULL);
	hull_net_setup_result_clear(&res);

	/* The link itself deleted (the macvtap goes with it). */
	setup_ok(f, HULL_NET_MACVTAP, 1, NULL, &res);
	hull_vm_fds_close(&res.fds[0]);
	assert_int_equal(sh("ip -n %s link del eth0", f->c), 0);
	teardown_ok(f, &res.eps[0], NULL);
	hull_net_setup_result_clear(&res);

	/* The whole namespace gone: only the device node is left to remove. */
	make_veth_topology(f);
	setup_ok(f, HULL_NET_MACVTAP, 1, NULL, &res);
	snprintf(device, sizeof(device), "%s", res.eps[0].vm_device);
	hull_vm_fds_close(&res.fds[0]);
	assert_int_equal(sh("ip netns del %s", f->c), 0);
	teardown_ok(f, &res.eps[0], NULL);
	if (strncmp(device, "/dev/hull-tap", 13) == 0)
		assert_int_equal(access(device, F_OK), -1);
	hull_net_setup_result_clear(&res);
}

static void existing_tap_name_is_refused(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_nl_sock struct nl_sock *sk = NULL;
	struct hull_endpoint *eps = NULL;
	struct hull_netns_saved saved;
	size_t n = 0;

	make_veth_topology(f);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), 0);
	assert_int_equal(sh("ip -n %s tuntap add tap0_hull mode tap", f->c), 0);
	assert_int_equal(hull_netns_enter(f->c_path, &saved, &err), 0);
	sk = hull_nl_connect(&err);
	assert_non_null(sk);
	assert_int_equal(hull_tap_plan(sk, &eps[0], 0, &err), -1);
	assert_int_equal(hull_netns_return(&saved, &err), 0);
	assert_string_equal(err->msg, "tap tap0_hull");
	assert_int_equal(err->errnum, EEXIST);
	assert_int_equal(eps[0].done, 0);
	hull_endpoints_free(eps, n);
}

/*
 * A setup that died after making the tap persistent but before
 * configuring it (so the tap is not in hull's link group): the record
 * says tap_created, and teardown_many deletes that tap too.  Recorded but
 * gone (it died before TUNSETPERSIST, and the tap with it): nothing to
 * delete, and teardown succeeds.
 */
static void teardown_many_deletes_a_tap_outside_the_group(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_nl_sock struct nl_sock *sk = NULL;
	cleanup_free char *before = NULL, *after = NULL;
	struct hull_vm_fds fds = {.n = 0};
	struct hull_endpoint *eps = NULL;
	struct hull_netns_saved saved;
	size_t n = 0;

	make_veth_topology(f);
	before = snapshot(f);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), 0);
	assert_int_equal(hull_netns_enter(f->c_path, &saved, &err), 0);
	sk = hull_nl_connect(&err);
	assert_non_null(sk);
	assert_int_equal(hull_tap_plan(sk, &eps[0], 0, &err), 0);
	assert_int_equal(eps[0].done, 0); /* a name, nothing made */
	assert_int_equal(hull_tap_create(sk, &eps[0], 1, &fds, &err), 0);
	assert_int_equal(eps[0].done, HULL_STEP_TAP_CREATED);
	assert_true(eps[0].vm_ifindex > 0);
	assert_int_equal(hull_tap_persist(&eps[0], &fds, &err), 0);
	hull_vm_fds_close(&fds);
	assert_int_equal(hull_netns_return(&saved, &err), 0);
	assert_true(link_exists(f->c, "tap0_hull"));
	assert_int_equal(hull_net_teardown_many(f->c_path, eps, n, NULL, &err), 0);
	assert_int_equal(eps[0].done, 0);
	assert_false(link_exists(f->c, "tap0_hull"));

	eps[0].done = HULL_STEP_TAP_CREATED; /* recorded, then the crash took the tap */
	assert_int_equal(hull_net_teardown_many(f->c_path, eps, n, NULL, &err), 0);
	assert_int_equal(eps[0].done, 0);
	after = snapshot(f);
	assert_string_equal(after, before);
	hull_endpoints_free(eps, n);
}

/*
 * The tap (or macvtap) was deleted behind hull's back and someone else
 * made one of the same name: teardown deletes only the one it recorded
 * (by ifindex), never another that took its name.
 */
static void teardown_deletes_only_the_recorded_device(void **state)
{
	struct fixture *f = *state;
	static const struct {
		enum hull_net_model model;
		const char *name, *replace;
	} cases[] = {
	    {HULL_NET_TCFILTER, "tap0_hull", "tuntap add tap0_hull mode tap"},
	    {HULL_NET_MACVTAP, "mvtap0_hull", "link add link eth0 name mvtap0_hull type macvtap"},
	};

	make_veth_topology(f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hull_net_setup_result res;
		cleanup_error hull_error_t err = NULL;

		setup_ok(f, cases[i].model, 1, NULL, &res);
		hull_vm_fds_close(&res.fds[0]);
		assert_int_equal(sh("ip -n %1$s link del %2$s && ip -n %1$s %3$s", f->c,
		                    cases[i].name, cases[i].replace),
		                 0);
		teardown_ok(f, &res.eps[0], NULL);
		assert_true(link_exists(f->c, cases[i].name));
		if (cases[i].model == HULL_NET_TCFILTER) {
			/* The same through teardown_many, which deletes taps by group. */
			res.eps[0].done = HULL_STEP_TAP_CREATED;
			assert_int_equal(sh("ip -n %s link set tap0_hull group 18517", f->c), 0);
			if (hull_net_teardown_many(f->c_path, res.eps, res.n, NULL, &err) < 0)
				fail_msg("teardown: %s", err->msg);
			assert_true(link_exists(f->c, "tap0_hull"));
		}
		assert_int_equal(sh("ip -n %s link del %s", f->c, cases[i].name), 0);
		hull_net_setup_result_clear(&res);
	}
}

/*
 * Two sandboxes in one network namespace: the second is refused before
 * it changes anything, naming what the first one made; the first keeps
 * its tap (the same ifindex).
 */
static void second_sandbox_in_a_netns_is_refused(void **state)
{
	struct fixture *f = *state;
	enum hull_net_model models[] = {HULL_NET_TCFILTER, HULL_NET_MACVTAP};
	const char *vm[] = {"tap tap0_hull", "macvtap mvtap0_hull"};

	make_veth_topology(f);
	for (size_t m = 0; m < 2; m++) {
		struct hull_net_setup_result first, second;
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *before = NULL, *after = NULL;
		char want[256];

		setup_ok(f, models[m], 1, NULL, &first);
		hull_vm_fds_close(&first.fds[0]);
		before = capture("ip -n %s -d link show", f->c);
		for (size_t other = 0; other < 2; other++) {
			assert_int_equal(
			    hull_net_setup(f->c_path, models[other], 1, NULL, &second, &err), -1);
			snprintf(want, sizeof(want),
			         "netns %s: in use by another sandbox: it holds hull's %s",
			         f->c_path, vm[m]);
			if (strstr(err->msg, want) == NULL)
				fail_msg("got \"%s\", wanted \"%s\"", err->msg, want);
			for (size_t i = 0; i < second.n; i++)
				assert_int_equal(second.eps[i].done, 0);
			hull_net_setup_result_clear(&second);
			hull_error_release(&err);
		}
		after = capture("ip -n %s -d link show", f->c);
		assert_string_equal(after, before);
		teardown_ok(f, &first.eps[0], NULL);
		hull_net_setup_result_clear(&first);
	}
}

/*
 * Sandboxes set up at the same time in one namespace (processes, 2
 * queues each): exactly one gets the namespace; the others are refused,
 * and the one tap there is the winner's, with the ifindex it recorded.
 */
static void concurrent_setups_in_one_netns(void **state)
{
	struct fixture *f = *state;
	enum {
		N = 12
	};
	struct {
		int ok, ifindex;
		char msg[200];
	} got[N];
	pid_t pids[N];
	int pipes[N][2], winners = 0, winner_ifindex = 0;
	cleanup_free char *taps = NULL, *index = NULL;

	make_veth_topology(f);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct hull_net_setup_result res;
			hull_error_t err = NULL;

			memset(&got[i], 0, sizeof(got[i]));
			got[i].ok =
			    hull_net_setup(f->c_path, HULL_NET_TCFILTER, 2, NULL, &res, &err) == 0;
			if (got[i].ok)
				got[i].ifindex = res.eps[0].vm_ifindex;
			else
				snprintf(got[i].msg, sizeof(got[i].msg), "%s", err->msg);
			if (write(pipes[i][1], &got[i], sizeof(got[i])) != sizeof(got[i]))
				_exit(2);
			_exit(0); /* the tap persists; its queue fds close */
		}
		close(pipes[i][1]);
	}
	for (int i = 0; i < N; i++) {
		int status;

		assert_int_equal(read(pipes[i][0], &got[i], sizeof(got[i])), sizeof(got[i]));
		close(pipes[i][0]);
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (got[i].ok) {
			winners++;
			winner_ifindex = got[i].ifindex;
		}
	}
	if (winners != 1)
		fail_msg("%d setups of %d succeeded", winners, N);
	for (int i = 0; i < N; i++)
		if (!got[i].ok && strstr(got[i].msg, "in use by another sandbox") == NULL)
			fail_msg("setup %d: %s", i, got[i].msg);
	taps = capture("ip -n %s -o link show type tun | wc -l", f->c);
	assert_string_equal(taps, "1\n");
	index = capture("ip -n %s -j link show tap0_hull | jq '.[0].ifindex'", f->c);
	assert_int_equal(atoi(index), winner_ifindex);
}

/*
 * The node's own namespace (PID 1's) and the one hull runs in (this test's)
 * are never a sandbox's: refused before anything changes.  (Where this
 * test may not look at PID 1's, as in some containers, opening it fails.)
 */
static void node_netns_is_refused(void **state)
{
	const char *paths[] = {"/proc/1/ns/net", "/proc/self/ns/net", "/proc/thread-self/ns/net"};
	cleanup_free char *before = host_links();
	struct stat pid1, self;
	bool pid1_readable = stat("/proc/1/ns/net", &pid1) == 0;

	(void)state;
	assert_int_equal(stat("/proc/self/ns/net", &self), 0);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct hull_net_setup_result res;
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *after = NULL;
		char want[160];

		assert_int_equal(hull_net_setup(paths[i], HULL_NET_TCFILTER, 1, NULL, &res, &err),
		                 -1);
		if (i == 0 && !pid1_readable)
			snprintf(want, sizeof(want), "netns %s", paths[i]);
		else if (i == 0 || (pid1_readable && pid1.st_ino == self.st_ino &&
		                    pid1.st_dev == self.st_dev))
			snprintf(want, sizeof(want),
			         "netns %s is the node's own network namespace (PID 1's): a "
			         "sandbox needs one of its own",
			         paths[i]);
		else
			snprintf(want, sizeof(want),
			         "netns %s is the network namespace hull runs in: a sandbox needs "
			         "one of its own",
			         paths[i]);
		assert_string_equal(err->msg, want);
		assert_int_equal(res.n, 0);
		after = host_links();
		host_links_expect_same(before, after, "*_hull"); /* hull's names for its links */
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("blocked on a FIFO");
}

/* A FIFO, a file, a directory or another kind of namespace: one error, at once. */
static void netns_that_is_not_one_is_refused_at_once(void **state)
{
	char dir[] = "/tmp/hull-netns-XXXXXX", fifo[64], file[64];
	struct {
		const char *path, *what;
	} cases[] = {{fifo, "a FIFO"},
	             {file, "a regular file"},
	             {dir, "a directory"},
	             {"/proc/self/ns/uts", "a uts namespace"}};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(sh("touch %s", file), 0);
	signal(SIGALRM, on_alarm);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hull_net_setup_result res;
		cleanup_error hull_error_t err = NULL;
		struct hull_netns_saved saved;
		char want[160];

		snprintf(want, sizeof(want), "netns %s is %s, not a network namespace",
		         cases[i].path, cases[i].what);
		alarm(5);
		assert_int_equal(
		    hull_net_setup(cases[i].path, HULL_NET_TCFILTER, 1, NULL, &res, &err), -1);
		assert_string_equal(err->msg, want);
		hull_error_release(&err);
		assert_int_equal(hull_netns_enter(cases[i].path, &saved, &err), -1);
		assert_string_equal(err->msg, want);
		alarm(0);
	}
	assert_int_equal(sh("rm -rf %s", dir), 0);
}

/*
 * A vm_device that is not a node hull makes (a corrupt or forged record):
 * teardown refuses it and leaves the file alone.
 */
static void teardown_leaves_a_device_path_hull_does_not_make(void **state)
{
	char dir[] = "/tmp/hdev-XXXXXX";
	const char *names[] = {"victim", "hull-tap1-2"};

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < 2; i++) {
		struct hull_endpoint ep = {.name = "eth0",
		                           .model = HULL_NET_MACVTAP,
		                           .done = HULL_STEP_VM_DEVICE_NODE_CREATED};
		cleanup_error hull_error_t err = NULL;

		assert_true(snprintf(ep.vm_device, sizeof(ep.vm_device), "%.16s/%.11s", dir,
		                     names[i]) < (int)sizeof(ep.vm_device));
		assert_int_equal(sh("touch %s", ep.vm_device), 0);
		assert_int_equal(hull_macvtap_remove_device(&ep, &err), -1);
		assert_non_null(strstr(err->msg, "is not a device node hull makes"));
		assert_int_equal(access(ep.vm_device, F_OK), 0);
	}
	/* hull's name for a node that is not a character device: left too. */
	{
		struct hull_endpoint ep = {.name = "eth0",
		                           .model = HULL_NET_MACVTAP,
		                           .done = HULL_STEP_VM_DEVICE_NODE_CREATED};
		cleanup_error hull_error_t err = NULL;
		char path[32];

		snprintf(path, sizeof(path), "/dev/hull-tap%d-1", 4000 + (int)(getpid() % 1000));
		snprintf(ep.vm_device, sizeof(ep.vm_device), "%s", path);
		assert_int_equal(sh("touch %s", path), 0);
		assert_int_equal(hull_macvtap_remove_device(&ep, &err), -1);
		assert_non_null(strstr(err->msg, "not the character device"));
		assert_int_equal(access(path, F_OK), 0);
		unlink(path);
	}
	assert_int_equal(sh("rm -rf %s", dir), 0);
}

static void model_none_touches_nothing(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	cleanup_free char *before = NULL, *after = NULL;

	make_veth_topology(f);
	before = snapshot(f);
	setup_ok(f, HULL_NET_NONE, 4, NULL, &res);
	assert_int_equal(res.n, 0);
	after = snapshot(f);
	assert_string_equal(after, before);
	hull_net_setup_result_clear(&res);
}

static void ipvlan_refuses_macvtap(void **state)
{
	struct fixture *f = *state;
	struct hull_net_setup_result res;
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(sh("ip -n %s link add eth0 type veth peer name peer0", f->p), 0);
	if (sh("ip -n %s link add ipv0 link eth0 type ipvlan mode l2 2>/dev/null", f->p) != 0) {
		print_message("# kernel has no ipvlan\n");
		skip();
	}
	assert_int_equal(sh("ip -n %s link set ipv0 netns %s", f->p, f->c), 0);
	assert_int_equal(hull_net_setup(f->c_path, HULL_NET_MACVTAP, 1, NULL, &res, &err), -1);
	assert_non_null(strstr(err->msg, "endpoint ipv0: an ipvlan link cannot carry a macvtap"));
	assert_int_equal(res.eps[0].done, 0);
	hull_net_setup_result_clear(&res);
}

static void queues_follow_vcpus(void **state)
{
	(void)state;
	assert_int_equal(hull_net_queues_for_vcpus(0), 1);
	assert_int_equal(hull_net_queues_for_vcpus(1), 1);
	assert_int_equal(hull_net_queues_for_vcpus(4), 4);
	assert_int_equal(hull_net_queues_for_vcpus(64), HULL_NET_MAX_QUEUES);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(tcfilter_makes_multiqueue_tap),
	    T(tcfilter_single_queue),
	    T(macvtap_moves_mac_and_addresses),
	    T(macvtap_device_node_made_when_missing),
	    T(teardown_twice_is_fine),
	    T(teardown_after_failure_at_each_step),
	    T(failing_bpf_attach_is_torn_down),
	    T(failing_bpf_prepare_changes_nothing),
	    T(teardown_many_deletes_a_tap_outside_the_group),
	    T(teardown_refuses_bpf_bits_without_detach),
	    T(links_already_gone_are_fine),
	    T(existing_tap_name_is_refused),
	    T(model_none_touches_nothing),
	    T(ipvlan_refuses_macvtap),
	    T(teardown_many_deletes_taps_together),
	    T(teardown_many_spares_a_foreign_link_in_the_group),
	    T(teardown_deletes_only_the_recorded_device),
	    T(second_sandbox_in_a_netns_is_refused),
	    T(concurrent_setups_in_one_netns),
	    cmocka_unit_test(node_netns_is_refused),
	    cmocka_unit_test(netns_that_is_not_one_is_refused_at_once),
	    cmocka_unit_test(teardown_leaves_a_device_path_hull_does_not_make),
	    cmocka_unit_test(queues_follow_vcpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
