/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alternatives bench_datapath compares (direct tap, u32+mirred, bridge,
 * hull tcfilter, hull macvtap; docs/benchmarks.md), each in namespaces of
 * its own, and the cleanup of everything the bench made, at exit and on
 * SIGINT/SIGTERM/SIGHUP (then system calls only).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/route/link.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "net/netns.h"
#include "net/nl.h"
#include "tools/bench/datapath.h"
#include "tools/bench/stats.h"

extern char **environ;

#define MAX_NETNS 32
#define MAX_HULL 16
#define MAX_PIN_DIRS 128

/* What cleanup removes; fixed arrays, so a signal handler can walk them. */
static struct {
	pid_t owner;
	char netns[MAX_NETNS][64];
	int n_netns;
	char pin_dirs[MAX_PIN_DIRS][256];
	int n_pin_dirs;
	char dev_nodes[MAX_PIN_DIRS][32];
	int n_dev_nodes;
	struct {
		char path[128];
		struct hull_endpoint *eps;
		size_t n;
	} hull[MAX_HULL];
	volatile sig_atomic_t cleaning;
} reg;

static const char *const pin_names[] = {
    "hull_config", "hull_stats", "hull_drops", "hull_to_guest", "hull_from_guest",
};

int dp_cmd(hull_error_t *err, const char *fmt, ...)
{
	char line[1024], words[1024], *argv[64], *save = NULL;
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	va_list ap;
	pid_t pid;
	int rc, status;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(words, line, sizeof(words));
	for (char *w = strtok_r(words, " ", &save); w && n < 63; w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	rc = n ? posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) : EINVAL;
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return hull_fail(err, rc, "run `%s`", line);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hull_fail(err, errno, "wait for `%s`", line);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hull_fail(err, 0, "`%s` failed (status %#x)", line, status);
	return 0;
}

/* Each of cmds, ns in place of its %s, until one fails. */
static int dp_cmds(const char *ns, const char *const *cmds, size_t n, hull_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (dp_cmd(err, cmds[i], ns) < 0)
			return -1;
	return 0;
}
#define DP_CMDS(ns, err, ...)                                                                      \
	dp_cmds(ns, (const char *const[]){__VA_ARGS__},                                            \
	        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), err)

int dp_netns_add(const char *name, hull_error_t *err)
{
	if (reg.n_netns == MAX_NETNS)
		return hull_fail(err, 0, "too many namespaces");
	snprintf(reg.netns[reg.n_netns++], sizeof(reg.netns[0]), "%s", name);
	/* No IPv6: no router solicitations, MLD or DAD frames in the counts. */
	return DP_CMDS(name, err, "ip netns add %s",
	               "ip netns exec %s sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
	               "net.ipv6.conf.default.disable_ipv6=1");
}

void dp_cleanup_register_endpoint(const struct hull_endpoint *ep)
{
	bool known = false;

	for (int i = 0; i < reg.n_pin_dirs; i++)
		known = known || !strcmp(reg.pin_dirs[i], ep->bpf_pin_dir);
	if (!known && ep->bpf_pin_dir[0] && reg.n_pin_dirs < MAX_PIN_DIRS)
		snprintf(reg.pin_dirs[reg.n_pin_dirs++], sizeof(reg.pin_dirs[0]), "%s",
		         ep->bpf_pin_dir);
	if ((ep->done & HULL_STEP_VM_DEVICE_NODE_CREATED) && reg.n_dev_nodes < MAX_PIN_DIRS)
		snprintf(reg.dev_nodes[reg.n_dev_nodes++], sizeof(reg.dev_nodes[0]), "%s",
		         ep->vm_device);
}

void dp_cleanup_register_hull(const char *netns_path, struct hull_endpoint *eps, size_t n)
{
	for (int i = 0; i < MAX_HULL; i++)
		if (reg.hull[i].eps == NULL) {
			snprintf(reg.hull[i].path, sizeof(reg.hull[i].path), "%s", netns_path);
			reg.hull[i].eps = eps;
			reg.hull[i].n = n;
			return;
		}
}

void dp_cleanup_forget_hull(struct hull_endpoint *eps)
{
	for (int i = 0; i < MAX_HULL; i++)
		if (reg.hull[i].eps == eps)
			reg.hull[i].eps = NULL;
}

/* System calls only: safe in a signal handler, and idempotent. */
static void remove_pins_and_nodes(void)
{
	char path[320];

	for (int i = 0; i < reg.n_pin_dirs; i++) {
		char *slash;

		for (size_t j = 0; j < sizeof(pin_names) / sizeof(pin_names[0]); j++) {
			snprintf(path, sizeof(path), "%s/%s", reg.pin_dirs[i], pin_names[j]);
			unlink(path);
		}
		rmdir(reg.pin_dirs[i]);
		snprintf(path, sizeof(path), "%s", reg.pin_dirs[i]);
		slash = strrchr(path, '/');
		if (slash) {
			*slash = '\0';
			rmdir(path); /* the sandbox's dir, once empty */
		}
	}
	for (int i = 0; i < reg.n_dev_nodes; i++)
		unlink(reg.dev_nodes[i]);
}

static void unmount_netns(void)
{
	char path[128];

	for (int i = 0; i < reg.n_netns; i++) {
		snprintf(path, sizeof(path), "/var/run/netns/%s", reg.netns[i]);
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	reg.n_netns = 0;
}

/* hull_net_teardown() of each of eps in netns_path, errors printed. */
static void teardown_hull(const char *netns_path, struct hull_endpoint *eps, size_t n,
                          const char *sandbox)
{
	struct hull_tc_hooks bpf = {.sandbox_id = sandbox};
	struct hull_net_hooks hooks = hull_tc_net_hooks(&bpf, false);

	for (size_t i = 0; i < n; i++) {
		cleanup_error hull_error_t err = NULL;

		if (hull_net_teardown(netns_path, &eps[i], &hooks, &err) < 0)
			hull_error_print(stderr, err);
	}
}

void dp_cleanup_run(void)
{
	if (getpid() != reg.owner || reg.cleaning)
		return;
	reg.cleaning = 1;
	bench_kill_children();
	for (int i = 0; i < MAX_HULL; i++) {
		if (reg.hull[i].eps)
			teardown_hull(reg.hull[i].path, reg.hull[i].eps, reg.hull[i].n, NULL);
		reg.hull[i].eps = NULL;
	}
	remove_pins_and_nodes();
	for (int i = 0; i < reg.n_netns; i++) {
		cleanup_error hull_error_t err = NULL;

		if (dp_cmd(&err, "ip netns del %s", reg.netns[i]) < 0)
			hull_error_print(stderr, err);
	}
	unmount_netns();
	reg.cleaning = 0;
}

static void on_signal(int sig)
{
	if (getpid() == reg.owner && !reg.cleaning) {
		reg.cleaning = 1;
		bench_kill_children();
		remove_pins_and_nodes();
		unmount_netns();
	}
	_exit(128 + sig);
}

void dp_cleanup_install(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	reg.owner = getpid();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(dp_cleanup_run);
}

/* ---- the alternatives ---- */

/* tap0 made in netns ns by `ip tuntap`, then its nq queues opened as QEMU would. */
static int tap_in(struct dp_alt *alt, const char *ns, unsigned nq, hull_error_t *err)
{
	cleanup_netns struct hull_netns_saved saved = {.fd = -1};
	char path[128];

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	if (dp_cmd(err, "ip -n %s tuntap add dev tap0 mode tap vnet_hdr%s", ns,
	           nq > 1 ? " multi_queue" : "") < 0 ||
	    hull_netns_enter(path, &saved, err) < 0)
		return -1;
	for (unsigned i = 0; i < nq; i++) {
		struct ifreq ifr = {.ifr_name = "tap0",
		                    .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
		                                 (nq > 1 ? IFF_MULTI_QUEUE : 0)};
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return hull_fail(err, errno, "open /dev/net/tun");
		alt->fds[alt->nq++] = fd;
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			return hull_fail(err, errno, "tap0 queue %u: TUNSETIFF", i);
	}
	return hull_netns_return(&saved, err);
}

/* The peer's device up with the peer's MAC and address, the guest's as its neighbour. */
static int peer_link(const struct dp_alt *alt, hull_error_t *err)
{
	const char *p = alt->peer_ns, *d = alt->peer_dev;

	if (dp_cmd(err, "ip -n %s link set %s address " DP_PEER_MAC " up", p, d) < 0 ||
	    dp_cmd(err, "ip -n %s addr add " DP_PEER_IP "/24 dev %s", p, d) < 0)
		return -1;
	return dp_cmd(
	    err, "ip -n %s neigh add " DP_GUEST_IP " lladdr " DP_GUEST_MAC " dev %s nud permanent",
	    p, d);
}

/* peer netns vpeer <-> container netns eth0 (with link_mac, and addr if given). */
static int veth_pair(const struct dp_alt *alt, const char *link_mac, const char *addr,
                     hull_error_t *err)
{
	const char *p = alt->peer_ns, *c = alt->ct_ns;

	if (dp_cmd(err,
	           "ip -n %s link add eth0 address %s type veth peer name " DP_PEER_DEV " netns %s",
	           c, link_mac, p) < 0 ||
	    peer_link(alt, err) < 0 || dp_cmd(err, "ip -n %s link set eth0 up", c) < 0)
		return -1;
	return addr ? dp_cmd(err, "ip -n %s addr add %s dev eth0", c, addr) : 0;
}

static int build_direct(struct dp_alt *alt, unsigned nq, hull_error_t *err)
{
	snprintf(alt->peer_dev, sizeof(alt->peer_dev), "tap0");
	if (tap_in(alt, alt->peer_ns, nq, err) < 0)
		return -1;
	return peer_link(alt, err);
}

static int build_u32(struct dp_alt *alt, unsigned nq, hull_error_t *err)
{
	if (veth_pair(alt, DP_GUEST_MAC, DP_GUEST_IP "/24", err) < 0 ||
	    tap_in(alt, alt->ct_ns, nq, err) < 0)
		return -1;
	/* Kata's sequence (network_linux.go: addQdiscIngress, addRedirectTCFilter). */
	return DP_CMDS(alt->ct_ns, err, "ip -n %s link set tap0 up",
	               "tc -n %s qdisc add dev eth0 handle ffff: ingress",
	               "tc -n %s qdisc add dev tap0 handle ffff: ingress",
	               "tc -n %s filter add dev eth0 parent ffff: " DP_MIRRED " tap0",
	               "tc -n %s filter add dev tap0 parent ffff: " DP_MIRRED " eth0");
}

static int build_bridge(struct dp_alt *alt, unsigned nq, hull_error_t *err)
{
	if (veth_pair(alt, DP_BRIDGE_LINK_MAC, NULL, err) < 0 ||
	    tap_in(alt, alt->ct_ns, nq, err) < 0)
		return -1;
	return DP_CMDS(alt->ct_ns, err, "ip -n %s link add br0 type bridge",
	               "ip -n %s link set eth0 master br0", "ip -n %s link set tap0 master br0 up",
	               "ip -n %s link set br0 up",
	               "bridge -n %s fdb add " DP_GUEST_MAC " dev tap0 master static",
	               "bridge -n %s fdb add " DP_PEER_MAC " dev eth0 master static");
}

static int build_hull(struct dp_alt *alt, unsigned nq, hull_error_t *err)
{
	enum hull_net_model model = alt->kind == DP_MACVTAP ? HULL_NET_MACVTAP : HULL_NET_TCFILTER;
	struct hull_tc_hooks bpf = {.sandbox_id = alt->sandbox};
	struct hull_net_hooks hooks = hull_tc_net_hooks(&bpf, false);
	char path[128];
	int rc;

	if (veth_pair(alt, DP_GUEST_MAC, DP_GUEST_IP "/24", err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/var/run/netns/%s", alt->ct_ns);
	rc = hull_net_setup(path, model, nq, &hooks, &alt->res, err);
	/* Even a failed setup leaves endpoints that say what to undo. */
	if (alt->res.eps) {
		dp_cleanup_register_hull(path, alt->res.eps, alt->res.n);
		for (size_t i = 0; i < alt->res.n; i++)
			dp_cleanup_register_endpoint(&alt->res.eps[i]);
	}
	if (rc < 0)
		return -1;
	if (alt->res.n != 1 || alt->res.fds[0].n != nq)
		return hull_fail(err, 0, "hull set up %zu endpoints, %u queues: wanted 1, %u",
		                 alt->res.n, alt->res.n ? alt->res.fds[0].n : 0, nq);
	for (unsigned i = 0; i < nq; i++)
		alt->fds[alt->nq++] = alt->res.fds[0].fds[i];
	return 0;
}

static const struct {
	const char *name;
	int (*build)(struct dp_alt *alt, unsigned nq, hull_error_t *err);
} kinds[DP_ALT_COUNT] = {
    [DP_DIRECT] = {"direct tap", build_direct},  [DP_U32] = {"u32+mirred", build_u32},
    [DP_BRIDGE] = {"bridge+tap", build_bridge},  [DP_TCFILTER] = {"hull tcfilter", build_hull},
    [DP_MACVTAP] = {"hull macvtap", build_hull},
};

/* The sink, the netlink socket for the peer's counters, and the peer device's ifindex. */
static int peer_side(struct dp_alt *alt, hull_error_t *err)
{
	cleanup_netns struct hull_netns_saved saved = {.fd = -1};
	char path[128];

	snprintf(path, sizeof(path), "/var/run/netns/%s", alt->peer_ns);
	alt->peer_nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (alt->peer_nsfd < 0)
		return hull_fail(err, errno, "open %s", path);
	if (hull_netns_enter(path, &saved, err) < 0)
		return -1;
	alt->sink_fd = dp_peer_sink(err);
	if (alt->sink_fd < 0)
		return -1;
	alt->peer_nl = hull_nl_connect(err);
	if (!alt->peer_nl)
		return -1;
	alt->peer_ifindex = (int)if_nametoindex(alt->peer_dev);
	if (alt->peer_ifindex == 0)
		return hull_fail(err, errno, "device %s in netns %s", alt->peer_dev, alt->peer_ns);
	return hull_netns_return(&saved, err);
}

int dp_alt_build(struct dp_alt *alt, enum dp_alt_kind kind, unsigned queues, hull_error_t *err)
{
	char tag = DP_ALT_TAGS[kind];

	memset(alt, 0, sizeof(*alt));
	alt->kind = kind;
	alt->name = kinds[kind].name;
	alt->peer_nsfd = alt->sink_fd = -1;
	snprintf(alt->peer_ns, sizeof(alt->peer_ns), "hullbench-%d-%c-p", (int)getpid(), tag);
	snprintf(alt->peer_dev, sizeof(alt->peer_dev), DP_PEER_DEV);
	snprintf(alt->sandbox, sizeof(alt->sandbox), "bench-%d-%c", (int)getpid(), tag);
	if (dp_netns_add(alt->peer_ns, err) < 0)
		return hull_error_prefix(err, "%s", alt->name);
	if (kind != DP_DIRECT) {
		snprintf(alt->ct_ns, sizeof(alt->ct_ns), "hullbench-%d-%c-c", (int)getpid(), tag);
		if (dp_netns_add(alt->ct_ns, err) < 0)
			return hull_error_prefix(err, "%s", alt->name);
	}
	if (kinds[kind].build(alt, queues, err) < 0 || peer_side(alt, err) < 0)
		return hull_error_prefix(err, "set up %s", alt->name);
	return 0;
}

void dp_alt_close(struct dp_alt *alt)
{
	char path[128];

	if (alt->res.eps) {
		/* QEMU would be gone first: close the queues, then tear down. */
		for (size_t i = 0; i < alt->res.n; i++)
			hull_vm_fds_close(&alt->res.fds[i]);
		snprintf(path, sizeof(path), "/var/run/netns/%s", alt->ct_ns);
		teardown_hull(path, alt->res.eps, alt->res.n, alt->sandbox);
		dp_cleanup_forget_hull(alt->res.eps);
		hull_net_setup_result_clear(&alt->res);
	} else {
		for (unsigned i = 0; i < alt->nq; i++)
			close(alt->fds[i]);
	}
	alt->nq = 0;
	if (alt->sink_fd >= 0)
		close(alt->sink_fd);
	if (alt->peer_nsfd >= 0)
		close(alt->peer_nsfd);
	if (alt->peer_nl)
		nl_socket_free(alt->peer_nl);
	alt->sink_fd = alt->peer_nsfd = -1;
	alt->peer_nl = NULL;
}

int dp_alt_peer_rx(struct dp_alt *alt, uint64_t *out, hull_error_t *err)
{
	cleanup_nl_object struct rtnl_link *link = NULL;

	if (hull_nl_get_link(alt->peer_nl, alt->peer_ifindex, NULL, &link, err) < 0)
		return -1;
	*out = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
	return 0;
}
