/* SPDX-License-Identifier: Apache-2.0 */
#include "bpf/tc_endpoint.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/pkt_sched.h>
#include <netlink/errno.h>
#include <netlink/route/classifier.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/addr.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "net/nl.h"
#include "bpf/tc_pool.h"
#include "hull_tc.skel.h"

static const char *const drop_reason_names[HULL_DROP_REASON_COUNT] = {
    [HULL_DROP_BAD_SRC_MAC] = "bad_src_mac",     [HULL_DROP_BAD_SRC_IPV4] = "bad_src_ipv4",
    [HULL_DROP_BAD_SRC_IPV6] = "bad_src_ipv6",   [HULL_DROP_BAD_ARP_SENDER] = "bad_arp_sender",
    [HULL_DROP_MALFORMED] = "malformed",         [HULL_DROP_REDIRECT_FAILED] = "redirect_failed",
    [HULL_DROP_BAD_ETHERTYPE] = "bad_ethertype", [HULL_DROP_NO_CONFIG] = "no_config",
};

/* What gets pinned, by the names the skeleton gives them. */
static const char *const pinned_names[] = {
    "hull_config", "hull_stats", "hull_drops", "hull_to_guest", "hull_from_guest",
};

const char *hull_tc_drop_reason_name(unsigned reason)
{
	if (reason >= HULL_DROP_REASON_COUNT || !drop_reason_names[reason])
		return "unknown";
	return drop_reason_names[reason];
}

const char *hull_tc_direction_name(unsigned dir)
{
	switch (dir) {
	case HULL_TC_TO_GUEST:
		return "to_guest";
	case HULL_TC_FROM_GUEST:
		return "from_guest";
	default:
		return "unknown";
	}
}

static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_debug("libbpf: %s", line);
	return 0;
}

void hull_tc_route_libbpf_logs(void)
{
	libbpf_set_print(libbpf_to_log);
}

int hull_bpffs_ensure_mounted(hull_error_t *err)
{
	struct statfs st;

	if (statfs(HULL_BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(HULL_BPFFS, 0700) < 0 && errno != EEXIST)
		return hull_fail(err, errno, "create %s", HULL_BPFFS);
	if (mount("bpf", HULL_BPFFS, "bpf", 0, "mode=0700") < 0)
		return hull_fail(err, errno, "mount bpffs at %s", HULL_BPFFS);
	log_debug("mounted bpffs at %s", HULL_BPFFS);
	return 0;
}

int hull_tc_config_from_endpoint(const struct hull_endpoint *ep, struct hull_tc_config *cfg,
                                 hull_error_t *err)
{
	memset(cfg, 0, sizeof(*cfg));
	switch (ep->model) {
	case HULL_NET_TCFILTER:
		cfg->mode = HULL_TC_MODE_REDIRECT;
		break;
	case HULL_NET_MACVTAP:
		cfg->mode = HULL_TC_MODE_PASS;
		break;
	default:
		return hull_fail(err, 0, "endpoint %s: model %d has no TC programs", ep->name,
		                 (int)ep->model);
	}
	if (ep->ifindex <= 0)
		return hull_fail(err, 0, "endpoint %s: link ifindex %d is not valid", ep->name,
		                 ep->ifindex);
	if (ep->vm_ifindex <= 0)
		return hull_fail(err, 0, "endpoint %s: %s ifindex %d is not valid", ep->name,
		                 ep->model == HULL_NET_TCFILTER ? "tap" : "macvtap",
		                 ep->vm_ifindex);
	cfg->configured = 1;
	cfg->link_ifindex = (uint32_t)ep->ifindex;
	cfg->vm_ifindex = (uint32_t)ep->vm_ifindex;
	memcpy(cfg->mac, hull_endpoint_guest_mac(ep), 6);
	if (hull_mac_is_zero(cfg->mac))
		return hull_fail(err, 0, "endpoint %s: no MAC address for the guest", ep->name);
	for (size_t i = 0; i < ep->n_addrs; i++) {
		const struct hull_ip_addr *a = &ep->addrs[i];

		if (a->family == AF_INET) {
			if (cfg->n_ipv4 == HULL_TC_MAX_IPV4)
				return hull_fail(
				    err, 0,
				    "endpoint %s: more than %d IPv4 addresses (%zu addresses)",
				    ep->name, HULL_TC_MAX_IPV4, ep->n_addrs);
			memcpy(&cfg->ipv4[cfg->n_ipv4++], a->addr, 4);
		} else if (a->family == AF_INET6) {
			if (cfg->n_ipv6 == HULL_TC_MAX_IPV6)
				return hull_fail(
				    err, 0,
				    "endpoint %s: more than %d IPv6 addresses (%zu addresses)",
				    ep->name, HULL_TC_MAX_IPV6, ep->n_addrs);
			memcpy(cfg->ipv6[cfg->n_ipv6++].addr, a->addr, 16);
		} else {
			return hull_fail(err, 0, "endpoint %s: address %zu has unknown family %d",
			                 ep->name, i, a->family);
		}
	}
	return 0;
}

/* A path component: not empty, no '/', not "." or "..". */
static int check_component(const char *what, const char *s, hull_error_t *err)
{
	if (!s || !*s || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))
		return hull_fail(err, 0, "%s \"%s\" cannot name a pin directory", what, s ? s : "");
	return 0;
}

static const char *step_name(unsigned step)
{
	switch (step) {
	case HULL_STEP_BPF_PINNED:
		return "bpf_pinned";
	case HULL_STEP_LINK_QDISC_ADDED:
		return "link_qdisc_added";
	case HULL_STEP_VM_QDISC_ADDED:
		return "vm_qdisc_added";
	case HULL_STEP_TO_GUEST_FILTER:
		return "link_filter";
	case HULL_STEP_FROM_GUEST_FILTER:
		return "vm_filter";
	default:
		return "?";
	}
}

/* Fails on purpose after the step HULL_FAULT_AFTER_STEP names (tests only). */
static int fault_after(unsigned step, hull_error_t *err)
{
	const char *want = getenv(HULL_FAULT_ENV);

	if (want && !strcmp(want, step_name(step)))
		return hull_fail(err, 0, "injected fault after step %s (%s)", want, HULL_FAULT_ENV);
	return 0;
}

static void hull_tc_destroyp(struct hull_tc **skel)
{
	hull_tc__destroy(*skel);
}
#define cleanup_hull_tc __attribute__((cleanup(hull_tc_destroyp)))

static int pin_all(struct hull_tc *skel, const char *dir, hull_error_t *err)
{
	struct bpf_map *maps[] = {skel->maps.hull_config, skel->maps.hull_stats,
	                          skel->maps.hull_drops};
	struct bpf_program *progs[] = {skel->progs.hull_to_guest, skel->progs.hull_from_guest};
	char path[PATH_MAX];
	int rc;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(maps[i]));
		rc = bpf_map__pin(maps[i], path);
		if (rc < 0)
			return hull_fail(err, -rc, "pin map at %s", path);
	}
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_program__name(progs[i]));
		rc = bpf_program__pin(progs[i], path);
		if (rc < 0)
			return hull_fail(err, -rc, "pin program at %s", path);
	}
	return 0;
}

/* mkdir that tells whether it made the directory. */
static int make_dir(const char *path, bool *made, hull_error_t *err)
{
	*made = false;
	if (mkdir(path, 0700) == 0) {
		*made = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return hull_fail(err, errno, "create %s", path);
}

/* Names ep's pin directory; refuses one left by an earlier attach. */
static int name_pin_dir(struct hull_endpoint *ep, const char *sandbox_id, hull_error_t *err)
{
	struct stat st;

	if (snprintf(ep->bpf_pin_dir, sizeof(ep->bpf_pin_dir), "%s/%s/%s", HULL_BPF_PIN_ROOT,
	             sandbox_id, ep->name) >= (int)sizeof(ep->bpf_pin_dir))
		return hull_fail(err, 0, "pin directory for sandbox \"%s\" is too long",
		                 sandbox_id);
	if (lstat(ep->bpf_pin_dir, &st) == 0)
		return hull_fail(err, EEXIST,
		                 "pin directory %s is left from an earlier attach: detach "
		                 "the endpoint first",
		                 ep->bpf_pin_dir);
	return 0;
}

static int make_pin_dir(const struct hull_endpoint *ep, const char *sandbox_id, hull_error_t *err)
{
	char sandbox_dir[PATH_MAX];
	bool made;

	snprintf(sandbox_dir, sizeof(sandbox_dir), "%s/%s", HULL_BPF_PIN_ROOT, sandbox_id);
	if (make_dir(HULL_BPF_PIN_ROOT, &made, err) < 0 || make_dir(sandbox_dir, &made, err) < 0)
		return -1;
	if (mkdir(ep->bpf_pin_dir, 0700) < 0)
		return hull_fail(err, errno, "create %s", ep->bpf_pin_dir);
	return 0;
}

struct hook_place {
	int ifindex;
	const char *ifname;
	enum bpf_tc_attach_point point;
};

static const char *point_name(enum bpf_tc_attach_point point)
{
	return point == BPF_TC_INGRESS ? "ingress" : "egress";
}

/* Where each program goes for ep's model. */
static void hook_places(const struct hull_endpoint *ep, struct hook_place *to_guest,
                        struct hook_place *from_guest)
{
	if (ep->model == HULL_NET_TCFILTER) {
		*to_guest = (struct hook_place){ep->ifindex, ep->name, BPF_TC_INGRESS};
		*from_guest = (struct hook_place){ep->vm_ifindex, ep->vm_ifname, BPF_TC_INGRESS};
	} else {
		*to_guest = (struct hook_place){ep->vm_ifindex, ep->vm_ifname, BPF_TC_INGRESS};
		*from_guest = (struct hook_place){ep->vm_ifindex, ep->vm_ifname, BPF_TC_EGRESS};
	}
}

/*
 * Whether the link and the VM side have a clsact qdisc already: one dump of
 * the namespace's qdiscs for both.
 */
static int clsact_present(const struct hull_endpoint *ep, bool *on_link, bool *on_vm,
                          hull_error_t *err)
{
	cleanup_nl_sock struct nl_sock *sk = hull_nl_connect(err);
	struct nl_cache *cache = NULL;
	int r;

	*on_link = *on_vm = false;
	if (sk == NULL)
		return -1;
	r = rtnl_qdisc_alloc_cache(sk, &cache);
	if (r < 0)
		return hull_nl_fail(err, r, "list qdiscs");
	for (struct nl_object *obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_tc *tc = (struct rtnl_tc *)obj;
		const char *kind = rtnl_tc_get_kind(tc);

		if (kind == NULL || strcmp(kind, "clsact") != 0)
			continue;
		*on_link |= rtnl_tc_get_ifindex(tc) == ep->ifindex;
		*on_vm |= rtnl_tc_get_ifindex(tc) == ep->vm_ifindex;
	}
	nl_cache_free(cache);
	return 0;
}

/*
 * Creates clsact on a device that had none (the plan marked `bit` for
 * it).  One made by someone else since the plan looked is theirs: the mark
 * is taken back.
 */
static int clsact_create(int ifindex, const char *ifname, unsigned bit, struct hull_endpoint *ep,
                         hull_error_t *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	int rc = bpf_tc_hook_create(&hook);

	if (rc == -EEXIST) {
		ep->done &= ~bit;
		return 0;
	}
	if (rc < 0)
		return hull_fail(err, -rc, "create clsact qdisc on %s (ifindex %d)", ifname,
		                 ifindex);
	return 0;
}

/* Attaches prog_fd at `at`; *prog_id is then the kernel's id of what runs there. */
static int filter_attach(const struct hook_place *at, int prog_fd, const char *prog_name,
                         uint32_t *prog_id, hull_error_t *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex, .attach_point = at->point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = HULL_TC_HANDLE,
	                    .priority = HULL_TC_PRIORITY, .prog_fd = prog_fd);
	int rc = bpf_tc_attach(&hook, &opts);

	if (rc < 0)
		return hull_fail(err, -rc, "attach %s to %s %s (handle %#x priority %d)", prog_name,
		                 at->ifname, point_name(at->point), HULL_TC_HANDLE,
		                 HULL_TC_PRIORITY);
	log_debug("attached %s (id %u) to %s %s", prog_name, opts.prog_id, at->ifname,
	          point_name(at->point));
	*prog_id = opts.prog_id;
	return 0;
}

int hull_tc_endpoint_plan(struct hull_endpoint *ep, const char *sandbox_id, hull_error_t *err)
{
	bool on_link, on_vm;

	if (check_component("sandbox id", sandbox_id, err) < 0 ||
	    check_component("endpoint name", ep->name, err) < 0 ||
	    name_pin_dir(ep, sandbox_id, err) < 0 || clsact_present(ep, &on_link, &on_vm, err) < 0)
		return hull_error_prefix(err, "attach TC programs to endpoint %s", ep->name);
	/* A clsact that is there already is not hull's: never marked, never destroyed. */
	if (on_link && ep->model == HULL_NET_TCFILTER)
		log_debug("clsact on %s existed already: leaving it in place at teardown",
		          ep->name);
	if (on_vm)
		log_debug("clsact on %s existed already: leaving it in place at teardown",
		          ep->vm_ifname);
	ep->done |= HULL_STEP_BPF_PINNED | HULL_STEP_TO_GUEST_FILTER | HULL_STEP_FROM_GUEST_FILTER |
	            (ep->model == HULL_NET_TCFILTER && !on_link ? HULL_STEP_LINK_QDISC_ADDED : 0) |
	            (!on_vm ? HULL_STEP_VM_QDISC_ADDED : 0);
	return 0;
}

static int attach_steps(struct hull_endpoint *ep, const char *sandbox_id, struct hull_tc_pool *pool,
                        hull_error_t *err)
{
	cleanup_hull_tc struct hull_tc *skel = NULL;
	struct hull_tc_config cfg;
	struct hook_place to_guest, from_guest;
	uint32_t zero = 0;
	int rc;

	if (hull_tc_config_from_endpoint(ep, &cfg, err) < 0)
		return -1;
	if (hull_bpffs_ensure_mounted(err) < 0)
		return -1;
	if (pool) {
		skel = hull_tc_pool_take(pool, err);
		if (!skel)
			return -1;
	} else {
		skel = hull_tc__open();
		if (!skel)
			return hull_fail(err, errno, "open BPF programs");
		rc = hull_tc__load(skel);
		if (rc < 0)
			return hull_fail(
			    err, -rc, "load BPF programs (run with --debug for the verifier log)");
	}
	rc = bpf_map_update_elem(bpf_map__fd(skel->maps.hull_config), &zero, &cfg, BPF_ANY);
	if (rc < 0)
		return hull_fail(err, errno, "fill map hull_config");

	/* The plan's bits say what to make. */
	hook_places(ep, &to_guest, &from_guest);
	if (make_pin_dir(ep, sandbox_id, err) < 0 || pin_all(skel, ep->bpf_pin_dir, err) < 0 ||
	    fault_after(HULL_STEP_BPF_PINNED, err) < 0)
		return -1;
	if ((ep->done & HULL_STEP_LINK_QDISC_ADDED) &&
	    (clsact_create(ep->ifindex, ep->name, HULL_STEP_LINK_QDISC_ADDED, ep, err) < 0 ||
	     fault_after(HULL_STEP_LINK_QDISC_ADDED, err) < 0))
		return -1;
	if ((ep->done & HULL_STEP_VM_QDISC_ADDED) &&
	    (clsact_create(ep->vm_ifindex, ep->vm_ifname, HULL_STEP_VM_QDISC_ADDED, ep, err) < 0 ||
	     fault_after(HULL_STEP_VM_QDISC_ADDED, err) < 0))
		return -1;
	/* The ids say which filters are this endpoint's at teardown (net/ records them). */
	if (filter_attach(&to_guest, bpf_program__fd(skel->progs.hull_to_guest), "hull_to_guest",
	                  &ep->to_guest_prog_id, err) < 0 ||
	    fault_after(HULL_STEP_TO_GUEST_FILTER, err) < 0 ||
	    filter_attach(&from_guest, bpf_program__fd(skel->progs.hull_from_guest),
	                  "hull_from_guest", &ep->from_guest_prog_id, err) < 0)
		return -1;
	return fault_after(HULL_STEP_FROM_GUEST_FILTER, err);
}

int hull_tc_endpoint_attach_from(struct hull_endpoint *ep, const char *sandbox_id,
                                 struct hull_tc_pool *pool, hull_error_t *err)
{
	hull_tc_route_libbpf_logs();
	if (!(ep->done & HULL_STEPS_BPF) && hull_tc_endpoint_plan(ep, sandbox_id, err) < 0)
		return -1;
	if (attach_steps(ep, sandbox_id, pool, err) < 0)
		return hull_error_prefix(err, "attach TC programs to endpoint %s", ep->name);
	log_debug("endpoint %s: TC programs attached, pinned at %s", ep->name, ep->bpf_pin_dir);
	return 0;
}

int hull_tc_endpoint_attach(struct hull_endpoint *ep, const char *sandbox_id, hull_error_t *err)
{
	return hull_tc_endpoint_attach_from(ep, sandbox_id, NULL, err);
}

/* The device, the qdisc or the filter is gone already: nothing to remove. */
static bool is_gone(int rc)
{
	/* EINVAL: the kernel's answer when the clsact parent does not exist. */
	return rc == -ENOENT || rc == -ENODEV || rc == -EINVAL;
}

/*
 * The id of the program pinned as `name` in ep's pin directory, 0 when
 * there is none.  Attach pins before it attaches, and detach unpins after
 * it detaches, so a filter of ep's that was never recorded (hull died
 * right after attaching it) runs the pinned program.
 */
static uint32_t pinned_prog_id(const struct hull_endpoint *ep, const char *name)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	cleanup_close int fd = -1;

	if (!hull_pin_dir_valid(ep->bpf_pin_dir, ep->name, NULL))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", ep->bpf_pin_dir, name);
	fd = bpf_obj_get(path);
	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return 0;
	return info.id;
}

/*
 * Detaches the filter at `at` if it runs the program ep attached there
 * (recorded_id, or else the pinned one).  Any other filter is left alone:
 * ep's is gone then.
 */
static int filter_detach(const struct hull_endpoint *ep, const struct hook_place *at,
                         uint32_t recorded_id, const char *prog_name, hull_error_t *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex, .attach_point = at->point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = HULL_TC_HANDLE,
	                    .priority = HULL_TC_PRIORITY);
	uint32_t ours = recorded_id ? recorded_id : pinned_prog_id(ep, prog_name);
	int rc = bpf_tc_query(&hook, &opts);

	if (is_gone(rc))
		return 0;
	if (rc < 0)
		return hull_fail(err, -rc, "query filter on %s %s", at->ifname,
		                 point_name(at->point));
	if (ours == 0 || opts.prog_id != ours) {
		log_warning("filter handle %#x priority %d on %s %s runs program id %u, not the %s "
		            "(id %u) endpoint %s attached: left alone",
		            HULL_TC_HANDLE, HULL_TC_PRIORITY, at->ifname, point_name(at->point),
		            opts.prog_id, prog_name, ours, ep->name);
		return 0;
	}
	opts.prog_id = 0; /* bpf_tc_detach wants only handle and priority */
	rc = bpf_tc_detach(&hook, &opts);
	if (rc < 0 && !is_gone(rc))
		return hull_fail(err, -rc, "detach %s from %s %s", prog_name, at->ifname,
		                 point_name(at->point));
	return 0;
}

/* Whether the clsact qdisc on ifindex still holds filters (on either hook). */
static int clsact_has_filters(int ifindex, bool *any, hull_error_t *err)
{
	static const uint32_t parents[] = {TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
	                                   TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)};
	cleanup_nl_sock struct nl_sock *sk = hull_nl_connect(err);

	*any = false;
	if (sk == NULL)
		return -1;
	for (size_t i = 0; i < 2 && !*any; i++) {
		struct nl_cache *cache = NULL;
		int r = rtnl_cls_alloc_cache(sk, ifindex, parents[i], &cache);

		/* EINVAL: no clsact there (gone already). */
		if (r < 0)
			return hull_nl_is_gone(r) || r == -NLE_INVAL
			           ? 0
			           : hull_nl_fail(err, r, "list filters");
		*any = nl_cache_nitems(cache) > 0;
		nl_cache_free(cache);
	}
	return 0;
}

/* Deletes the clsact hull added, unless it holds filters hull did not attach. */
static int clsact_destroy(int ifindex, const char *ifname, hull_error_t *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	                    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	bool others;
	int rc;

	if (clsact_has_filters(ifindex, &others, err) < 0)
		return hull_error_prefix(err, "clsact qdisc on %s", ifname);
	if (others) {
		log_warning("clsact qdisc on %s holds filters hull did not attach: left in place",
		            ifname);
		return 0;
	}
	rc = bpf_tc_hook_destroy(&hook);
	if (rc < 0 && !is_gone(rc))
		return hull_fail(err, -rc, "delete clsact qdisc on %s (ifindex %d)", ifname,
		                 ifindex);
	return 0;
}

/* The pins of ep and its directory, and the sandbox's directory once empty. */
static int unpin_all(const struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_close int root = -1, sandbox = -1, dir = -1;
	char id[256];
	struct statfs fs;

	/* Only a directory of hull's own tree, reached without following links. */
	if (!hull_pin_dir_valid(ep->bpf_pin_dir, ep->name, id))
		return hull_fail(err, 0,
		                 "pin directory \"%s\" is not one hull makes (%s/<sandbox id>/%s): "
		                 "leaving it",
		                 ep->bpf_pin_dir, HULL_BPF_PIN_ROOT, ep->name);
	root = open(HULL_BPF_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errno == ENOENT ? 0 : hull_fail(err, errno, "open %s", HULL_BPF_PIN_ROOT);
	if (fstatfs(root, &fs) < 0 || fs.f_type != BPF_FS_MAGIC)
		return hull_fail(err, 0, "%s is not on bpffs: leaving %s", HULL_BPF_PIN_ROOT,
		                 ep->bpf_pin_dir);
	sandbox = openat(root, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sandbox < 0)
		return errno == ENOENT ? 0
		                       : hull_fail(err, errno, "open %s/%s", HULL_BPF_PIN_ROOT, id);
	dir = openat(sandbox, ep->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 && errno != ENOENT)
		return hull_fail(err, errno, "open %s", ep->bpf_pin_dir);
	for (size_t i = 0; dir >= 0 && i < sizeof(pinned_names) / sizeof(pinned_names[0]); i++)
		if (unlinkat(dir, pinned_names[i], 0) < 0 && errno != ENOENT)
			return hull_fail(err, errno, "remove pin %s/%s", ep->bpf_pin_dir,
			                 pinned_names[i]);
	if (unlinkat(sandbox, ep->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hull_fail(err, errno, "remove pin directory %s", ep->bpf_pin_dir);
	/* The sandbox's directory goes with its last endpoint. */
	if (unlinkat(root, id, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != ENOTEMPTY &&
	    errno != EEXIST)
		return hull_fail(err, errno, "remove pin directory %s/%s", HULL_BPF_PIN_ROOT, id);
	return 0;
}

static int detach_steps(struct hull_endpoint *ep, hull_error_t *err)
{
	struct hook_place to_guest, from_guest;

	hook_places(ep, &to_guest, &from_guest);
	if (ep->done & HULL_STEP_FROM_GUEST_FILTER) {
		if (filter_detach(ep, &from_guest, ep->from_guest_prog_id, "hull_from_guest", err) <
		    0)
			return -1;
		ep->done &= ~HULL_STEP_FROM_GUEST_FILTER;
		ep->from_guest_prog_id = 0;
	}
	if (ep->done & HULL_STEP_TO_GUEST_FILTER) {
		if (filter_detach(ep, &to_guest, ep->to_guest_prog_id, "hull_to_guest", err) < 0)
			return -1;
		ep->done &= ~HULL_STEP_TO_GUEST_FILTER;
		ep->to_guest_prog_id = 0;
	}
	if (ep->done & HULL_STEP_VM_QDISC_ADDED) {
		if (clsact_destroy(ep->vm_ifindex, ep->vm_ifname, err) < 0)
			return -1;
		ep->done &= ~HULL_STEP_VM_QDISC_ADDED;
	}
	if (ep->done & HULL_STEP_LINK_QDISC_ADDED) {
		if (clsact_destroy(ep->ifindex, ep->name, err) < 0)
			return -1;
		ep->done &= ~HULL_STEP_LINK_QDISC_ADDED;
	}
	if (ep->done & HULL_STEP_BPF_PINNED) {
		if (ep->bpf_pin_dir[0] && unpin_all(ep, err) < 0)
			return -1;
		ep->done &= ~HULL_STEP_BPF_PINNED;
	}
	return 0;
}

int hull_tc_endpoint_detach(struct hull_endpoint *ep, hull_error_t *err)
{
	hull_tc_route_libbpf_logs();
	if (detach_steps(ep, err) < 0)
		return hull_error_prefix(err, "detach TC programs from endpoint %s", ep->name);
	return 0;
}

static int open_pinned_map(const char *pin_dir, const char *name, hull_error_t *err)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return hull_fail(err, errno, "open pinned map %s", path);
	return fd;
}

/* Adds up the per-CPU values of entries [0, n) of a pinned counter map. */
static int sum_counters(const char *pin_dir, const char *name, struct hull_tc_counter *out,
                        unsigned n, hull_error_t *err)
{
	cleanup_close int fd = open_pinned_map(pin_dir, name, err);
	cleanup_free struct hull_tc_counter *percpu = NULL;
	int ncpus = libbpf_num_possible_cpus();

	if (fd < 0)
		return -1;
	if (ncpus <= 0)
		return hull_fail(err, -ncpus, "count possible CPUs");
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu)
		return hull_fail(err, ENOMEM, "read %s", name);
	for (uint32_t key = 0; key < n; key++) {
		out[key] = (struct hull_tc_counter){0, 0};
		if (bpf_map_lookup_elem(fd, &key, percpu) < 0)
			return hull_fail(err, errno, "read %s/%s entry %u", pin_dir, name, key);
		for (int cpu = 0; cpu < ncpus; cpu++) {
			out[key].packets += percpu[cpu].packets;
			out[key].bytes += percpu[cpu].bytes;
		}
	}
	return 0;
}

int hull_tc_counters_read(const char *pin_dir, struct hull_tc_counters *out, hull_error_t *err)
{
	hull_tc_route_libbpf_logs();
	if (sum_counters(pin_dir, "hull_stats", out->dir, HULL_TC_DIRECTION_COUNT, err) < 0 ||
	    sum_counters(pin_dir, "hull_drops", out->drops, HULL_DROP_REASON_COUNT, err) < 0)
		return hull_error_prefix(err, "read counters");
	return 0;
}

int hull_tc_config_read(const char *pin_dir, struct hull_tc_config *out, hull_error_t *err)
{
	cleanup_close int fd = open_pinned_map(pin_dir, "hull_config", err);
	uint32_t zero = 0;

	if (fd < 0)
		return hull_error_prefix(err, "read endpoint config");
	if (bpf_map_lookup_elem(fd, &zero, out) < 0)
		return hull_fail(err, errno, "read endpoint config from %s/hull_config", pin_dir);
	return 0;
}

static int prepare_hook(void *data, size_t n_endpoints, hull_error_t *err)
{
	struct hull_tc_hooks *tc = data;

	return hull_tc_pool_start(n_endpoints, &tc->pool, err);
}

static void done_hook(void *data)
{
	struct hull_tc_hooks *tc = data;

	hull_tc_pool_free(tc->pool);
	tc->pool = NULL;
}

static int attach_hook(void *data, struct hull_endpoint *ep, hull_error_t *err)
{
	struct hull_tc_hooks *tc = data;

	return hull_tc_endpoint_attach_from(ep, tc->sandbox_id, tc->pool, err);
}

static int plan_hook(void *data, struct hull_endpoint *ep, hull_error_t *err)
{
	struct hull_tc_hooks *tc = data;

	return hull_tc_endpoint_plan(ep, tc->sandbox_id, err);
}

static int detach_hook(void *data, struct hull_endpoint *ep, hull_error_t *err)
{
	(void)data;
	return hull_tc_endpoint_detach(ep, err);
}

struct hull_net_hooks hull_tc_net_hooks(struct hull_tc_hooks *tc, bool plan)
{
	return (struct hull_net_hooks){.bpf_attach = attach_hook,
	                               .bpf_detach = detach_hook,
	                               .bpf_plan = plan ? plan_hook : NULL,
	                               .bpf_prepare = prepare_hook,
	                               .bpf_done = done_hook,
	                               .data = tc};
}
