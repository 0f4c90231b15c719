/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/endpoint_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cleanup.h"
#include "persist/id.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Bit i of `done` is step_names[i]. */
static const char *const step_names[] = {
    "tap_created",        "macvtap_created",
    "link_qdisc_added",   "vm_qdisc_added",
    "link_filter",        "vm_filter",
    "bpf_pinned",         "link_mac_changed",
    "link_addrs_removed", "vm_device_node_created",
};

_Static_assert(HULL_STEP_VM_DEVICE_NODE_CREATED == 1u << (N_ELEMS(step_names) - 1),
               "every step in net/endpoint.h needs a name here");

static const struct {
	const char *name;
	uint8_t scope;
} scope_names[] = {
    {"universe", RT_SCOPE_UNIVERSE}, {"site", RT_SCOPE_SITE},       {"link", RT_SCOPE_LINK},
    {"host", RT_SCOPE_HOST},         {"nowhere", RT_SCOPE_NOWHERE},
};

const char *hull_endpoint_step_name(unsigned step)
{
	size_t i;

	for (i = 0; i < N_ELEMS(step_names); i++)
		if (step == 1u << i)
			return step_names[i];
	return NULL;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* ---- encoding ---- */

static json_t *mac_json(const uint8_t mac[6])
{
	char text[HULL_MAC_TEXT_MAX];

	hull_mac_format(mac, text);
	return json_string(text);
}

static json_t *prefix_json(int family, const uint8_t *addr, unsigned prefix_len,
                           struct hull_jbuild *b)
{
	char text[HULL_ADDR_TEXT_MAX];

	if (family != AF_INET && family != AF_INET6) {
		hull_jbuild_fail(b, "address family %d is neither IPv4 nor IPv6", family);
		return NULL;
	}
	hull_prefix_format(family, addr, prefix_len, text);
	return json_string(text);
}

static json_t *ip_json(int family, const uint8_t *addr)
{
	char ip[HULL_ADDR_TEXT_MAX];

	if (hull_ip_format(family, addr, ip) < 0)
		return NULL;
	return json_string(ip);
}

static json_t *scope_json(uint8_t scope)
{
	size_t i;

	for (i = 0; i < N_ELEMS(scope_names); i++)
		if (scope_names[i].scope == scope)
			return json_string(scope_names[i].name);
	return json_integer(scope);
}

static json_t *route_json(const struct hull_route *r, struct hull_jbuild *b)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	hull_jset(b, j, "dst", prefix_json(r->family, r->dst, r->dst_len, b));
	if (r->has_gateway)
		hull_jset(b, j, "gateway", ip_json(r->family, r->gateway));
	hull_jset(b, j, "scope", scope_json(r->scope));
	hull_jset_int(b, j, "mtu", r->mtu);
	return j;
}

static json_t *neighbour_json(const struct hull_neighbour *n, struct hull_jbuild *b)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	if (n->family != AF_INET && n->family != AF_INET6)
		hull_jbuild_fail(b, "neighbour family %d is neither IPv4 nor IPv6", n->family);
	else
		hull_jset(b, j, "ip", ip_json(n->family, n->addr));
	hull_jset(b, j, "mac", mac_json(n->mac));
	return j;
}

static json_t *steps_json(unsigned done, struct hull_jbuild *b)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < N_ELEMS(step_names); i++)
		if (done & (1u << i))
			hull_jappend(b, a, json_string(step_names[i]));
	if (done >> N_ELEMS(step_names))
		hull_jbuild_fail(b, "done: unknown step bits 0x%x",
		                 done & ~((1u << N_ELEMS(step_names)) - 1));
	return a;
}

static const char *enum_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

json_t *hull_endpoint_to_json(const struct hull_endpoint *ep, struct hull_jbuild *b)
{
	const char *kind = enum_name(hull_link_kind_names, HULL_LINK_KIND_COUNT, ep->kind);
	const char *model = enum_name(hull_net_model_names, HULL_NET_MODEL_COUNT, ep->model);
	json_t *j = json_object(), *addrs = json_array(), *routes = json_array(),
	       *neighs = json_array();
	size_t i;

	if (kind == NULL)
		hull_jbuild_fail(b, "endpoint %s: link kind %d is unknown", ep->name, ep->kind);
	if (model == NULL)
		hull_jbuild_fail(b, "endpoint %s: model %d is unknown", ep->name, ep->model);
	if (j == NULL || addrs == NULL || routes == NULL || neighs == NULL || kind == NULL ||
	    model == NULL) {
		hull_jbuild_fail(b, "out of memory");
		json_decref(j);
		json_decref(addrs);
		json_decref(routes);
		json_decref(neighs);
		return NULL;
	}
	hull_jset_string(b, j, "name", ep->name);
	hull_jset_string(b, j, "kind", kind);
	hull_jset_int(b, j, "ifindex", ep->ifindex);
	hull_jset(b, j, "mac", mac_json(ep->mac));
	hull_jset_int(b, j, "mtu", ep->mtu);
	for (i = 0; i < ep->n_addrs; i++)
		hull_jappend(b, addrs,
		             prefix_json(ep->addrs[i].family, ep->addrs[i].addr,
		                         ep->addrs[i].prefix_len, b));
	hull_jset(b, j, "addresses", addrs);
	for (i = 0; i < ep->n_routes; i++)
		hull_jappend(b, routes, route_json(&ep->routes[i], b));
	hull_jset(b, j, "routes", routes);
	for (i = 0; i < ep->n_neighbours; i++)
		hull_jappend(b, neighs, neighbour_json(&ep->neighbours[i], b));
	hull_jset(b, j, "neighbours", neighs);
	hull_jset_string(b, j, "model", model);
	hull_jset_string(b, j, "vm_ifname", ep->vm_ifname);
	hull_jset_int(b, j, "vm_ifindex", ep->vm_ifindex);
	hull_jset_string(b, j, "vm_device", ep->vm_device);
	hull_jset(b, j, "guest_mac", mac_json(ep->guest_mac));
	hull_jset(b, j, "link_saved_mac", mac_json(ep->link_saved_mac));
	if (ep->n_link_local > 0) {
		json_t *ll = json_array();

		for (i = 0; ll != NULL && i < ep->n_link_local; i++)
			hull_jappend(b, ll,
			             prefix_json(ep->link_local[i].family, ep->link_local[i].addr,
			                         ep->link_local[i].prefix_len, b));
		if (ll == NULL)
			hull_jbuild_fail(b, "out of memory");
		else
			hull_jset(b, j, "link_local", ll);
	}
	hull_jset_string(b, j, "bpf_pin_dir", ep->bpf_pin_dir);
	if (ep->to_guest_prog_id)
		hull_jset_int(b, j, "to_guest_prog_id", ep->to_guest_prog_id);
	if (ep->from_guest_prog_id)
		hull_jset_int(b, j, "from_guest_prog_id", ep->from_guest_prog_id);
	hull_jset(b, j, "done", steps_json(ep->done, b));
	return j;
}

/* ---- decoding ---- */

static int get_mac(const json_t *obj, const char *key, bool required, uint8_t mac[6],
                   struct hull_jpath *p, hull_error_t *err)
{
	char text[32] = "";
	size_t old;
	int rc = 0;

	if (json_object_get(obj, key) == NULL && !required)
		return 0;
	if (hull_jget_string_buf(obj, key, required, text, sizeof(text), p, err) < 0)
		return -1;
	old = hull_jpath_key(p, key);
	if (hull_mac_parse(text, mac) < 0)
		rc = hull_jfail(err, p, "\"%s\" is not a MAC address", text);
	hull_jpath_pop(p, old);
	return rc;
}

/* An array member: NULL (and 0 elements) when absent. */
static int get_array(const json_t *obj, const char *key, const json_t **out, size_t *n,
                     struct hull_jpath *p, hull_error_t *err)
{
	const json_t *v = json_object_get(obj, key);
	size_t old;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return 0;
	if (!json_is_array(v)) {
		old = hull_jpath_key(p, key);
		hull_jfail_type(err, p, "an array", v);
		hull_jpath_pop(p, old);
		return -1;
	}
	*out = v;
	*n = json_array_size(v);
	return 0;
}

/* An array of "address/prefix" strings under key into *out, *n. */
static int get_prefixes(const json_t *obj, const char *key, struct hull_ip_addr **out, size_t *n,
                        struct hull_jpath *p, hull_error_t *err)
{
	const json_t *a;
	size_t count, i, old = p->len, base;

	if (get_array(obj, key, &a, &count, p, err) < 0)
		return -1;
	if (count == 0)
		return 0;
	*out = calloc(count, sizeof(**out));
	if (*out == NULL)
		return hull_fail(err, ENOMEM, "%s", key);
	hull_jpath_key(p, key);
	base = p->len;
	for (i = 0; i < count; i++) {
		const json_t *v = json_array_get(a, i);
		struct hull_ip_addr *ip = &(*out)[i];

		hull_jpath_index(p, i);
		if (!json_is_string(v))
			return hull_jfail_type(err, p, "a string like \"10.0.0.2/24\"", v);
		if (hull_prefix_parse(json_string_value(v), &ip->family, ip->addr,
		                      &ip->prefix_len) < 0)
			return hull_jfail(err, p,
			                  "\"%s\" is not an address with a prefix length "
			                  "(like 10.0.0.2/24 or fd00::2/64)",
			                  json_string_value(v));
		(*n)++;
		hull_jpath_pop(p, base);
	}
	hull_jpath_pop(p, old);
	return 0;
}

static int get_scope(const json_t *r, uint8_t *scope, struct hull_jpath *p, hull_error_t *err)
{
	const json_t *v = json_object_get(r, "scope");
	size_t i, old;
	int rc = 0;

	if (v == NULL)
		return 0;
	old = hull_jpath_key(p, "scope");
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
		*scope = (uint8_t)json_integer_value(v);
		goto out;
	}
	if (json_is_string(v)) {
		for (i = 0; i < N_ELEMS(scope_names); i++) {
			if (strcmp(scope_names[i].name, json_string_value(v)) == 0) {
				*scope = scope_names[i].scope;
				goto out;
			}
		}
	}
	rc = hull_jfail_type(err, p, "universe, site, link, host, nowhere or 0 to 255", v);
out:
	hull_jpath_pop(p, old);
	return rc;
}

static int get_route(const json_t *r, struct hull_route *route, struct hull_jpath *p,
                     hull_error_t *err)
{
	char text[HULL_ADDR_TEXT_MAX] = "";
	long long mtu = 0;
	size_t old;
	int gw_family;

	if (!json_is_object(r))
		return hull_jfail_type(err, p, "an object", r);
	if (hull_jget_string_buf(r, "dst", true, text, sizeof(text), p, err) < 0)
		return -1;
	old = hull_jpath_key(p, "dst");
	if (hull_prefix_parse(text, &route->family, route->dst, &route->dst_len) < 0)
		return hull_jfail(err, p,
		                  "\"%s\" is not a destination with a prefix length "
		                  "(like 0.0.0.0/0 or 10.1.0.0/16)",
		                  text);
	hull_jpath_pop(p, old);
	if (json_object_get(r, "gateway") != NULL) {
		if (hull_jget_string_buf(r, "gateway", true, text, sizeof(text), p, err) < 0)
			return -1;
		old = hull_jpath_key(p, "gateway");
		if (hull_ip_parse(text, &gw_family, route->gateway) < 0)
			return hull_jfail(err, p, "\"%s\" is not an IP address", text);
		if (gw_family != route->family)
			return hull_jfail(err, p, "\"%s\" is %s but the destination is %s", text,
			                  family_name(gw_family), family_name(route->family));
		route->has_gateway = true;
		hull_jpath_pop(p, old);
	}
	if (get_scope(r, &route->scope, p, err) < 0 ||
	    hull_jget_int(r, "mtu", false, 0, UINT32_MAX, &mtu, p, err) < 0)
		return -1;
	route->mtu = (uint32_t)mtu;
	return 0;
}

static int get_routes(const json_t *obj, struct hull_endpoint *ep, struct hull_jpath *p,
                      hull_error_t *err)
{
	const json_t *a;
	size_t n, i, old = p->len, base;

	if (get_array(obj, "routes", &a, &n, p, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	ep->routes = calloc(n, sizeof(*ep->routes));
	if (ep->routes == NULL)
		return hull_fail(err, ENOMEM, "routes");
	hull_jpath_key(p, "routes");
	base = p->len;
	for (i = 0; i < n; i++) {
		hull_jpath_index(p, i);
		if (get_route(json_array_get(a, i), &ep->routes[i], p, err) < 0)
			return -1;
		ep->n_routes++;
		hull_jpath_pop(p, base);
	}
	hull_jpath_pop(p, old);
	return 0;
}

static int get_neighbours(const json_t *obj, struct hull_endpoint *ep, struct hull_jpath *p,
                          hull_error_t *err)
{
	const json_t *a;
	size_t n, i, old = p->len, base;

	if (get_array(obj, "neighbours", &a, &n, p, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	ep->neighbours = calloc(n, sizeof(*ep->neighbours));
	if (ep->neighbours == NULL)
		return hull_fail(err, ENOMEM, "neighbours");
	hull_jpath_key(p, "neighbours");
	base = p->len;
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		struct hull_neighbour *ne = &ep->neighbours[i];
		char ip[HULL_ADDR_TEXT_MAX] = "";
		size_t at;

		hull_jpath_index(p, i);
		if (!json_is_object(v))
			return hull_jfail_type(err, p, "an object", v);
		if (hull_jget_string_buf(v, "ip", true, ip, sizeof(ip), p, err) < 0)
			return -1;
		at = hull_jpath_key(p, "ip");
		if (hull_ip_parse(ip, &ne->family, ne->addr) < 0)
			return hull_jfail(err, p, "\"%s\" is not an IP address", ip);
		hull_jpath_pop(p, at);
		if (get_mac(v, "mac", true, ne->mac, p, err) < 0)
			return -1;
		ep->n_neighbours++;
		hull_jpath_pop(p, base);
	}
	hull_jpath_pop(p, old);
	return 0;
}

static int get_steps(const json_t *obj, unsigned *done, struct hull_jpath *p, hull_error_t *err)
{
	const json_t *a;
	size_t n, i, s, old = p->len, base;

	if (get_array(obj, "done", &a, &n, p, err) < 0)
		return -1;
	hull_jpath_key(p, "done");
	base = p->len;
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);

		hull_jpath_index(p, i);
		if (!json_is_string(v))
			return hull_jfail_type(err, p, "a step name", v);
		for (s = 0; s < N_ELEMS(step_names); s++)
			if (strcmp(step_names[s], json_string_value(v)) == 0)
				break;
		/* Teardown cannot undo a step it does not know: refuse, don't guess. */
		if (s == N_ELEMS(step_names))
			return hull_jfail(err, p, "unknown step \"%s\"", json_string_value(v));
		*done |= 1u << s;
		hull_jpath_pop(p, base);
	}
	hull_jpath_pop(p, old);
	return 0;
}

/* "<key>: <message>" for the value of key. */
static int field_fail(hull_error_t *err, struct hull_jpath *p, const char *key, const char *fmt,
                      const char *value, const char *extra)
{
	size_t old = hull_jpath_key(p, key);

	hull_jfail(err, p, fmt, value, extra);
	hull_jpath_pop(p, old);
	return -1;
}

/*
 * What teardown acts on must have the shapes hull gives it: names of
 * interfaces, hull's device nodes and pin directories.  Anything else is
 * a corrupt (or forged) record that would make teardown delete or unlink
 * something that is not hull's.
 */
static int check_shapes(const struct hull_endpoint *ep, struct hull_jpath *p, hull_error_t *err)
{
	char id[256];
	cleanup_error hull_error_t id_err = NULL;

	if (!hull_ifname_valid(ep->name))
		return field_fail(err, p, "name", "\"%s\" is not a network interface name%s",
		                  ep->name, "");
	if (ep->vm_ifname[0] && !hull_ifname_valid(ep->vm_ifname))
		return field_fail(err, p, "vm_ifname", "\"%s\" is not a network interface name%s",
		                  ep->vm_ifname, "");
	if (!hull_vm_device_valid(ep->vm_device))
		return field_fail(err, p, "vm_device",
		                  "\"%s\" is not a device node hull makes (/dev/tapN or "
		                  "/dev/hull-tapMAJOR-MINOR)%s",
		                  ep->vm_device, "");
	if (ep->bpf_pin_dir[0] && (!hull_pin_dir_valid(ep->bpf_pin_dir, ep->name, id) ||
	                           hull_id_validate(id, &id_err) < 0))
		return field_fail(err, p, "bpf_pin_dir",
		                  "\"%s\" is not a pin directory hull makes "
		                  "(" HULL_BPF_PIN_ROOT "/<sandbox id>/%s)",
		                  ep->bpf_pin_dir, ep->name);
	return 0;
}

int hull_endpoint_from_json(const json_t *j, struct hull_endpoint *ep, struct hull_jpath *p,
                            hull_error_t *err)
{
	long long ifindex = 0, mtu = 0, vm_ifindex = 0, to_guest_id = 0, from_guest_id = 0;
	int kind = HULL_LINK_VETH, model = HULL_NET_TCFILTER;

	if (!json_is_object(j))
		return hull_jfail_type(err, p, "an object", j);
	if (hull_jget_string_buf(j, "name", true, ep->name, sizeof(ep->name), p, err) < 0 ||
	    hull_jget_enum(j, "kind", true, hull_link_kind_names, HULL_LINK_KIND_COUNT, &kind, p,
	                   err) < 0 ||
	    hull_jget_int(j, "ifindex", false, 0, INT32_MAX, &ifindex, p, err) < 0 ||
	    get_mac(j, "mac", false, ep->mac, p, err) < 0 ||
	    hull_jget_int(j, "mtu", false, 0, UINT32_MAX, &mtu, p, err) < 0 ||
	    get_prefixes(j, "addresses", &ep->addrs, &ep->n_addrs, p, err) < 0 ||
	    get_prefixes(j, "link_local", &ep->link_local, &ep->n_link_local, p, err) < 0 ||
	    get_routes(j, ep, p, err) < 0 || get_neighbours(j, ep, p, err) < 0 ||
	    hull_jget_enum(j, "model", true, hull_net_model_names, HULL_NET_MODEL_COUNT, &model, p,
	                   err) < 0 ||
	    hull_jget_string_buf(j, "vm_ifname", false, ep->vm_ifname, sizeof(ep->vm_ifname), p,
	                         err) < 0 ||
	    hull_jget_int(j, "vm_ifindex", false, 0, INT32_MAX, &vm_ifindex, p, err) < 0 ||
	    hull_jget_string_buf(j, "vm_device", false, ep->vm_device, sizeof(ep->vm_device), p,
	                         err) < 0 ||
	    get_mac(j, "guest_mac", false, ep->guest_mac, p, err) < 0 ||
	    get_mac(j, "link_saved_mac", false, ep->link_saved_mac, p, err) < 0 ||
	    hull_jget_string_buf(j, "bpf_pin_dir", false, ep->bpf_pin_dir, sizeof(ep->bpf_pin_dir),
	                         p, err) < 0 ||
	    hull_jget_int(j, "to_guest_prog_id", false, 0, UINT32_MAX, &to_guest_id, p, err) < 0 ||
	    hull_jget_int(j, "from_guest_prog_id", false, 0, UINT32_MAX, &from_guest_id, p, err) <
	        0 ||
	    get_steps(j, &ep->done, p, err) < 0)
		return -1;
	if (ep->name[0] == '\0') {
		size_t old = hull_jpath_key(p, "name");

		hull_jfail(err, p, "must not be empty");
		hull_jpath_pop(p, old);
		return -1;
	}
	if (check_shapes(ep, p, err) < 0)
		return -1;
	ep->to_guest_prog_id = (uint32_t)to_guest_id;
	ep->from_guest_prog_id = (uint32_t)from_guest_id;
	ep->kind = (enum hull_link_kind)kind;
	ep->model = (enum hull_net_model)model;
	ep->ifindex = (int)ifindex;
	ep->mtu = (uint32_t)mtu;
	ep->vm_ifindex = (int)vm_ifindex;
	return 0;
}
