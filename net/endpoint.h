/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An endpoint: one link of the container's network namespace (veth,
 * macvlan or ipvlan) and what hull built to carry it into the VM.
 *
 * This is the one description of an endpoint: net/ fills it while it
 * discovers the link and sets it up, persist/ saves and restores it
 * (persist/state.h), and teardown reads `done` to undo exactly what was
 * done, even when a crash stopped setup halfway.
 */
#ifndef HULL_NET_ENDPOINT_H
#define HULL_NET_ENDPOINT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum hull_link_kind {
	HULL_LINK_VETH,
	HULL_LINK_MACVLAN,
	HULL_LINK_IPVLAN,
};

/* Kata's interworking models (runtime.internetworking_model). */
enum hull_net_model {
	HULL_NET_TCFILTER,
	HULL_NET_MACVTAP,
	HULL_NET_NONE,
};

#define HULL_LINK_KIND_COUNT 3
#define HULL_NET_MODEL_COUNT 3

/*
 * The one spelling of each link kind ("veth", "macvlan", "ipvlan") and
 * model ("tcfilter", "macvtap", "none"): state files, `hull network` and
 * the settings all use these, indexed by the enum.
 */
extern const char *const hull_link_kind_names[HULL_LINK_KIND_COUNT];
extern const char *const hull_net_model_names[HULL_NET_MODEL_COUNT + 1]; /* NULL-terminated */

/* The name of a kind or model; "unknown" for a value outside the enum. */
const char *hull_link_kind_name(enum hull_link_kind kind);
const char *hull_net_model_name(enum hull_net_model model);

/* A kind or model by its name into *out; -1 (out untouched) for any other text. */
int hull_link_kind_parse(const char *name, enum hull_link_kind *out);
int hull_net_model_parse(const char *name, enum hull_net_model *out);

struct hull_ip_addr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint8_t prefix_len;
};

struct hull_route {
	int family;
	uint8_t dst[16];
	uint8_t dst_len; /* 0 = default route */
	bool has_gateway;
	uint8_t gateway[16];
	uint8_t scope; /* RT_SCOPE_* */
	uint32_t mtu;  /* RTAX_MTU, 0 = none */
};

struct hull_neighbour {
	int family;
	uint8_t addr[16];
	uint8_t mac[6];
};

/*
 * Steps of setup, recorded as they complete, undone in reverse.  The two
 * filters are named for the direction they serve (bpf/tc_endpoint.h says
 * where each is attached); state.json keeps their first names, "link_filter"
 * and "vm_filter" (persist/endpoint_json.c).
 */
enum hull_endpoint_step {
	HULL_STEP_TAP_CREATED = 1u << 0,            /* tcfilter: tap made by hull */
	HULL_STEP_MACVTAP_CREATED = 1u << 1,        /* macvtap: macvtap made by hull */
	HULL_STEP_LINK_QDISC_ADDED = 1u << 2,       /* clsact on the link made by hull */
	HULL_STEP_VM_QDISC_ADDED = 1u << 3,         /* clsact on the tap/macvtap made by hull */
	HULL_STEP_TO_GUEST_FILTER = 1u << 4,        /* hull_to_guest attached */
	HULL_STEP_FROM_GUEST_FILTER = 1u << 5,      /* hull_from_guest attached */
	HULL_STEP_BPF_PINNED = 1u << 6,             /* maps pinned under bpf_pin_dir */
	HULL_STEP_LINK_MAC_CHANGED = 1u << 7,       /* macvtap: link given a new MAC */
	HULL_STEP_LINK_ADDRS_REMOVED = 1u << 8,     /* macvtap: addresses moved to the guest */
	HULL_STEP_VM_DEVICE_NODE_CREATED = 1u << 9, /* macvtap: hull mknod'ed vm_device */
};

/* The bits that belong to bpf/ (set and cleared by its attach/detach). */
#define HULL_STEPS_BPF                                                                             \
	(HULL_STEP_LINK_QDISC_ADDED | HULL_STEP_VM_QDISC_ADDED | HULL_STEP_TO_GUEST_FILTER |       \
	 HULL_STEP_FROM_GUEST_FILTER | HULL_STEP_BPF_PINNED)

struct hull_endpoint {
	/* The link in the container's netns, as discovered. */
	char name[IFNAMSIZ];
	enum hull_link_kind kind;
	int ifindex;
	uint8_t mac[6];
	uint32_t mtu;
	struct hull_ip_addr *addrs;
	size_t n_addrs;
	struct hull_route *routes;
	size_t n_routes;
	struct hull_neighbour *neighbours; /* permanent entries only */
	size_t n_neighbours;

	/* What carries it into the VM. */
	enum hull_net_model model;
	char vm_ifname[IFNAMSIZ]; /* tap or macvtap name */
	int vm_ifindex;
	char vm_device[32];        /* macvtap: "/dev/tapN"; tcfilter: "" */
	uint8_t guest_mac[6];      /* the MAC the guest's NIC takes */
	uint8_t link_saved_mac[6]; /* macvtap: the link's MAC before hull changed it */
	/*
	 * The link's IPv6 link-local addresses (not in addrs: the guest derives
	 * its own).  macvtap removes them with the others and gives them back.
	 */
	struct hull_ip_addr *link_local;
	size_t n_link_local;
	char bpf_pin_dir[256]; /* /sys/fs/bpf/hull/<sandbox>/<name> */
	/*
	 * The BPF programs bpf/ attached (their kernel ids, 0 = none known):
	 * teardown detaches a filter only if it runs one of these.
	 */
	uint32_t to_guest_prog_id, from_guest_prog_id;
	unsigned done; /* enum hull_endpoint_step bits */
};

/* Where bpf/ pins each endpoint's maps and programs: <root>/<sandbox id>/<ep->name>. */
#define HULL_BPF_PIN_ROOT "/sys/fs/bpf/hull"

/*
 * The shapes of what teardown removes, as hull makes them.  A record
 * naming anything else is corrupt: persist/ refuses it when it reads a
 * state, and net/ and bpf/ check again before they unlink anything.
 */

/* A network interface name as the kernel takes it (1 to 15 bytes, no '/', ':' or space). */
bool hull_ifname_valid(const char *name);

/* vm_device: "", "/dev/tap<N>" (the kernel's macvtap node) or hull's own node. */
bool hull_vm_device_valid(const char *path);

/* hull's own macvtap node, "/dev/hull-tap<major>-<minor>"; fills them. */
bool hull_vm_device_is_hull_node(const char *path, unsigned *major, unsigned *minor);

/*
 * bpf_pin_dir: HULL_BPF_PIN_ROOT "/<id>/<ep_name>", <id> one path
 * component (not "." or ".."); the id it names into id_out (if non-NULL,
 * at least 256 bytes).
 */
bool hull_pin_dir_valid(const char *dir, const char *ep_name, char *id_out);

/*
 * The MAC the guest's NIC takes: guest_mac once setup chose one, the
 * link's own MAC before that (all zeroes means "not chosen").
 */
const uint8_t *hull_endpoint_guest_mac(const struct hull_endpoint *ep);

void hull_endpoint_clear(struct hull_endpoint *ep);

/* A deep copy of src into dst (which holds nothing); -1 when out of memory. */
int hull_endpoint_copy(struct hull_endpoint *dst, const struct hull_endpoint *src,
                       hull_error_t *err);

#endif
