/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoint discovery (net/discover.h) and namespaces (net/netns.h), on real namespaces. */
#include "net/tests/netns_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <linux/rtnetlink.h>

#include "net/discover.h"
#include "net/netns.h"

static void parse_ip(int family, const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family, s, out), 1);
}

static const struct hull_route *find_route(const struct hull_endpoint *ep, int family,
                                           const char *dst, uint8_t len)
{
	uint8_t want[16];

	parse_ip(family, dst, want);
	for (size_t i = 0; i < ep->n_routes; i++)
		if (ep->routes[i].family == family && ep->routes[i].dst_len == len &&
		    memcmp(ep->routes[i].dst, want, 16) == 0)
			return &ep->routes[i];
	return NULL;
}

static bool has_addr(const struct hull_endpoint *ep, int family, const char *s, uint8_t len)
{
	uint8_t want[16];

	parse_ip(family, s, want);
	for (size_t i = 0; i < ep->n_addrs; i++)
		if (ep->addrs[i].family == family && ep->addrs[i].prefix_len == len &&
		    memcmp(ep->addrs[i].addr, want, 16) == 0)
			return true;
	return false;
}

static void discovers_veth_addresses_routes_neighbours(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	const struct hull_route *rt;
	uint8_t mac[6], gw[16];
	size_t n = 0;

	make_veth_topology(f);
	assert_int_equal(sh("ip -n %s link set eth0 mtu 1450", f->c), 0);
	if (hull_discover(f->c_path, &eps, &n, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(n, 1);
	assert_string_equal(eps[0].name, "eth0");
	assert_int_equal(eps[0].kind, HULL_LINK_VETH);
	assert_int_equal(eps[0].mtu, 1450);
	read_mac(f->c, "eth0", mac);
	assert_memory_equal(eps[0].mac, mac, 6);
	assert_true(eps[0].ifindex > 1);

	/* v4 + v6 global; the IPv6 link-local is left to the guest. */
	assert_int_equal(eps[0].n_addrs, 2);
	assert_true(has_addr(&eps[0], AF_INET, "10.1.0.2", 24));
	assert_true(has_addr(&eps[0], AF_INET6, "fd00::2", 64));
	/* The link-local address the kernel made: apart from addrs, where the guest's go. */
	assert_int_equal(eps[0].n_link_local, 1);
	assert_int_equal(eps[0].link_local[0].family, AF_INET6);
	assert_int_equal(eps[0].link_local[0].addr[0], 0xfe);
	assert_int_equal(eps[0].link_local[0].addr[1] & 0xc0, 0x80);
	assert_int_equal(eps[0].link_local[0].prefix_len, 64);

	/* Default via gateway with MTU, a prefix via gateway, the v6 default; no kernel routes. */
	rt = find_route(&eps[0], AF_INET, "0.0.0.0", 0);
	assert_non_null(rt);
	assert_true(rt->has_gateway);
	parse_ip(AF_INET, "10.1.0.1", gw);
	assert_memory_equal(rt->gateway, gw, 16);
	assert_int_equal(rt->mtu, 1400);
	assert_int_equal(rt->scope, RT_SCOPE_UNIVERSE);
	rt = find_route(&eps[0], AF_INET, "10.2.0.0", 16);
	assert_non_null(rt);
	assert_int_equal(rt->mtu, 0);
	rt = find_route(&eps[0], AF_INET6, "::", 0);
	assert_non_null(rt);
	parse_ip(AF_INET6, "fd00::1", gw);
	assert_memory_equal(rt->gateway, gw, 16);
	assert_null(find_route(&eps[0], AF_INET, "10.1.0.0", 24)); /* proto kernel */
	assert_null(find_route(&eps[0], AF_INET6, "fd00::", 64));  /* proto kernel */
	assert_null(find_route(&eps[0], AF_INET6, "fe80::", 64));
	assert_int_equal(eps[0].n_routes, 3);

	assert_int_equal(eps[0].n_neighbours, 1);
	assert_int_equal(eps[0].neighbours[0].family, AF_INET);
	parse_ip(AF_INET, "10.1.0.1", gw);
	assert_memory_equal(eps[0].neighbours[0].addr, gw, 4);
	assert_memory_equal(eps[0].neighbours[0].mac, "\x02\x00\x00\x00\x00\x01", 6);
	hull_endpoints_free(eps, n);
}

static void discovers_link_scope_route(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	const struct hull_route *rt;
	size_t n = 0;

	make_veth_topology(f);
	assert_int_equal(sh("ip -n %s route add 192.168.7.0/24 dev eth0 scope link", f->c), 0);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), 0);
	rt = find_route(&eps[0], AF_INET, "192.168.7.0", 24);
	assert_non_null(rt);
	assert_false(rt->has_gateway);
	assert_int_equal(rt->scope, RT_SCOPE_LINK);
	hull_endpoints_free(eps, n);
}

static void discovers_macvlan_sorted_by_ifindex(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 0;

	/* A CNI-style macvlan: made on the host side, moved into the container. */
	assert_int_equal(sh("set -e; ip -n %1$s link add eth0 type veth peer name peer0 netns %2$s;"
	                    "ip -n %2$s link add mv0 link peer0 type macvlan mode bridge;"
	                    "ip -n %2$s link set mv0 netns %1$s;"
	                    "ip -n %1$s addr add 10.3.0.2/24 dev mv0",
	                    f->c, f->p),
	                 0);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(eps[0].ifindex < eps[1].ifindex);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(eps[i].name, "mv0") == 0) {
			assert_int_equal(eps[i].kind, HULL_LINK_MACVLAN);
			assert_true(has_addr(&eps[i], AF_INET, "10.3.0.2", 24));
		} else {
			assert_string_equal(eps[i].name, "eth0");
			assert_int_equal(eps[i].kind, HULL_LINK_VETH);
			assert_int_equal(eps[i].n_addrs, 0);
		}
	}
	hull_endpoints_free(eps, n);
}

static void discovers_ipvlan(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 0;

	assert_int_equal(sh("ip -n %s link add eth0 type veth peer name peer0", f->p), 0);
	if (sh("ip -n %s link add ipv0 link eth0 type ipvlan mode l2 2>/dev/null", f->p) != 0) {
		print_message("# kernel has no ipvlan\n");
		skip();
	}
	assert_int_equal(sh("ip -n %s link set ipv0 netns %s", f->p, f->c), 0);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(eps[0].kind, HULL_LINK_IPVLAN);
	hull_endpoints_free(eps, n);
}

static void refuses_bridge_naming_link_and_kind(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 0;

	make_veth_topology(f);
	assert_int_equal(sh("ip -n %s link add br0 type bridge", f->c), 0);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), -1);
	assert_null(eps);
	assert_non_null(strstr(err->msg, "link br0: kind \"bridge\" is not supported "
	                                 "(veth, macvlan, ipvlan)"));
	assert_non_null(strstr(err->msg, f->c_path));
}

static void refuses_tun(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 0;

	assert_int_equal(sh("ip -n %s tuntap add mytap mode tap", f->c), 0);
	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), -1);
	assert_non_null(strstr(err->msg, "link mytap: kind \"tun\" is not supported"));
}

/* Only lo: no endpoint, no error (the sandbox has loopback alone, as under runc). */
static void empty_netns_has_no_endpoints(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 7;

	assert_int_equal(hull_discover(f->c_path, &eps, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(eps);
}

static void missing_netns_path_is_named(void **state)
{
	(void)state;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *text = NULL;
	struct hull_endpoint *eps = NULL;
	size_t n = 0;

	assert_int_equal(hull_discover("/var/run/netns/hull-no-such", &eps, &n, &err), -1);
	text = hull_error_text(err);
	assert_string_equal(text, "netns /var/run/netns/hull-no-such: No such file or directory");
}

static void netns_enter_return_and_create_delete(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;
	struct hull_netns_saved saved;
	struct stat before, inside, after;
	char path[128];

	assert_int_equal(stat("/proc/thread-self/ns/net", &before), 0);
	assert_int_equal(hull_netns_enter(f->c_path, &saved, &err), 0);
	assert_int_equal(stat("/proc/thread-self/ns/net", &inside), 0);
	assert_true(inside.st_ino != before.st_ino);
	assert_int_equal(hull_netns_return(&saved, &err), 0);
	assert_int_equal(stat("/proc/thread-self/ns/net", &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(hull_netns_return(&saved, &err), 0); /* nothing saved: no-op */

	/* hull's own namespace under a directory of its own. */
	assert_int_equal(hull_netns_create("/run/hull-test-netns", "x", path, sizeof(path), &err),
	                 0);
	assert_string_equal(path, "/run/hull-test-netns/x");
	assert_int_equal(hull_netns_enter(path, &saved, &err), 0);
	assert_int_equal(stat("/proc/thread-self/ns/net", &inside), 0);
	assert_true(inside.st_ino != before.st_ino);
	assert_int_equal(hull_netns_return(&saved, &err), 0);
	/* The name is taken. */
	assert_int_equal(hull_netns_create("/run/hull-test-netns", "x", path, sizeof(path), &err),
	                 -1);
	assert_non_null(strstr(err->msg, "netns /run/hull-test-netns/x"));
	assert_int_equal(err->errnum, EEXIST);
	hull_error_release(&err);
	assert_int_equal(hull_netns_create(NULL, "../x", path, sizeof(path), &err), -1);
	assert_non_null(strstr(err->msg, "\"../x\""));
	hull_error_release(&err);

	assert_int_equal(hull_netns_delete("/run/hull-test-netns/x", &err), 0);
	assert_int_equal(access("/run/hull-test-netns/x", F_OK), -1);
	assert_int_equal(hull_netns_delete("/run/hull-test-netns/x", &err), 0); /* twice: fine */
	assert_int_equal(hull_netns_enter("/run/hull-test-netns/x", &saved, &err), -1);
	assert_string_equal(err->msg, "netns /run/hull-test-netns/x");
	assert_int_equal(err->errnum, ENOENT);
	sh("umount /run/hull-test-netns 2>/dev/null; rmdir /run/hull-test-netns");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(discovers_veth_addresses_routes_neighbours),
	    T(discovers_link_scope_route),
	    T(discovers_macvlan_sorted_by_ifindex),
	    T(discovers_ipvlan),
	    T(refuses_bridge_naming_link_and_kind),
	    T(refuses_tun),
	    T(empty_netns_has_no_endpoints),
	    T(missing_netns_path_is_named),
	    T(netns_enter_return_and_create_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
