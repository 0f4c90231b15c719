/* SPDX-License-Identifier: Apache-2.0 */
/*
 * configure_network, against the real kernel: the agent runs in a fresh
 * network namespace of its own holding a veth pair with known MACs (the
 * guest's NICs), is told to configure them by MAC, and what it did is read
 * back with `ip -j`, run by the agent itself in that namespace.  The host's
 * own network is never touched.
 */
#include <setjmp.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "vmm/tests/helpers_agent_peer.h"

#define MAC_A "02:48:55:4c:00:01" /* "hv0" in the namespace */
#define MAC_B "02:48:55:4c:00:02" /* "hv1", its veth peer */
#define MAC_NONE "02:48:55:4c:00:99"

static int new_netns_with_veth(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWNET) < 0)
		return -1;
	/* hv1 up too, so that hv0 has a carrier. */
	if (system("ip link add hv0 address " MAC_A " type veth peer name hv1 address " MAC_B
	           " && ip link set hv1 up") != 0)
		return -1;
	return 0;
}

static int start_agent(void **state)
{
	struct agent_peer *p = agent_peer_start(new_netns_with_veth, NULL);

	agent_peer_expect_ready(p);
	*state = p;
	return 0;
}

static int stop_agent(void **state)
{
	agent_peer_stop(*state);
	return 0;
}

/* `ip -j ARGS...` run by the agent in its namespace, parsed. */
static json_t *ip_json(struct agent_peer *p, const char *a1, const char *a2, const char *a3,
                       const char *a4)
{
	static int n;
	const char *argv[] = {"ip", "-j", a1, a2, a3, a4, NULL};
	char id[32], errs[1024];
	cleanup_free char *out = malloc(65536);
	json_t *j;

	snprintf(id, sizeof(id), "ip-%d", n++);
	assert_int_equal(agent_peer_run(p, id, NULL, argv, out, 65536, errs, sizeof(errs)), 0);
	j = json_loads(out, 0, NULL);
	if (j == NULL)
		fail_msg("ip -j %s %s: not JSON: %s", a1, a2 ? a2 : "", out);
	return j;
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));

		if (s && strcmp(s, value) == 0)
			return v;
	}
	return NULL;
}

static bool has_flag(json_t *link, const char *flag)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(link, "flags"), i, f)
	{
		if (json_is_string(f) && strcmp(json_string_value(f), flag) == 0)
			return true;
	}
	return false;
}

static json_t *find_addr(json_t *link, const char *local, int prefixlen)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(link, "addr_info"), i, a)
	{
		const char *s = json_string_value(json_object_get(a, "local"));

		if (s && strcmp(s, local) == 0 &&
		    json_integer_value(json_object_get(a, "prefixlen")) == prefixlen)
			return a;
	}
	return NULL;
}

static json_t *full_request(void)
{
	/*
	 * Routes deliberately out of order: 10.3.0.0/16's gateway is reachable
	 * only through 10.2.0.0/16, a link route listed after it.
	 */
	return json_pack(
	    "{s:s, s:[{s:s, s:i, s:[s, s], s:[{s:s, s:s}, {s:s, s:s, s:i}, {s:s, s:s}, {s:s, "
	    "s:s}, {s:s, s:s}], s:[{s:s, s:s}]}, {s:s, s:i, s:[s]}]}",
	    "op", "configure_network", "interfaces",
	    /* hv0 */
	    "mac", MAC_A, "mtu", 1400, "addresses", "10.0.0.2/24", "fd00::2/64", "routes", "dst",
	    "default", "gateway", "10.0.0.1", "dst", "10.1.0.0/16", "gateway", "10.0.0.1", "mtu",
	    1300, "dst", "10.3.0.0/16", "gateway", "10.2.0.1", "dst", "10.2.0.0/16", "scope",
	    "link", "dst", "::/0", "gateway", "fd00::1", "neighbours", "ip", "10.0.0.1", "mac",
	    "02:48:55:4c:00:09",
	    /* hv1 */
	    "mac", MAC_B, "mtu", 1280, "addresses", "10.9.0.2/24");
}

static void configures_links_addresses_routes_neighbours(void **state)
{
	struct agent_peer *p = *state;
	cleanup_json json_t *reply = agent_peer_call(p, full_request());
	cleanup_json json_t *links = NULL, *routes = NULL, *routes6 = NULL, *neigh = NULL;
	json_t *ifaces, *hv0, *hv1, *lo, *r;

	if (json_object_get(reply, "error"))
		fail_msg("configure_network: %s",
		         json_string_value(json_object_get(reply, "error")));
	assert_true(json_is_true(json_object_get(reply, "ok")));
	ifaces = json_object_get(reply, "interfaces");
	assert_int_equal(json_array_size(ifaces), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ifaces, 0), "name")),
	                    "hv0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ifaces, 0), "mac")),
	                    MAC_A);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ifaces, 1), "name")),
	                    "hv1");

	links = ip_json(p, "addr", "show", NULL, NULL);
	hv0 = find_by(links, "ifname", "hv0");
	hv1 = find_by(links, "ifname", "hv1");
	lo = find_by(links, "ifname", "lo");
	assert_non_null(hv0);
	assert_non_null(hv1);
	assert_non_null(lo);
	assert_true(has_flag(lo, "UP"));
	assert_true(has_flag(hv0, "UP"));
	assert_int_equal(json_integer_value(json_object_get(hv0, "mtu")), 1400);
	assert_int_equal(json_integer_value(json_object_get(hv1, "mtu")), 1280);
	assert_non_null(find_addr(hv0, "10.0.0.2", 24));
	assert_non_null(find_addr(hv0, "fd00::2", 64));
	assert_non_null(find_addr(hv1, "10.9.0.2", 24));

	routes = ip_json(p, "route", "show", NULL, NULL);
	r = find_by(routes, "dst", "default");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "gateway")), "10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(r, "dev")), "hv0");
	r = find_by(routes, "dst", "10.1.0.0/16");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "gateway")), "10.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(r, "metrics"), 0), "mtu")),
	                 1300);
	r = find_by(routes, "dst", "10.2.0.0/16");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "scope")), "link");
	assert_null(json_object_get(r, "gateway"));
	r = find_by(routes, "dst", "10.3.0.0/16");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "gateway")), "10.2.0.1");

	routes6 = ip_json(p, "-6", "route", "show", NULL);
	r = find_by(routes6, "dst", "default");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "gateway")), "fd00::1");

	neigh = ip_json(p, "neigh", "show", "dev", "hv0");
	r = find_by(neigh, "dst", "10.0.0.1");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "lladdr")), "02:48:55:4c:00:09");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "state"), 0)),
	                    "PERMANENT");

	/* The same request again changes nothing and still succeeds. */
	agent_peer_expect_ok(agent_peer_call(p, full_request()));
	agent_peer_expect_ping(p);
}

static json_t *one_interface(const char *mac, json_t *addresses, json_t *routes)
{
	return json_pack("{s:s, s:[{s:s, s:o, s:o}]}", "op", "configure_network", "interfaces",
	                 "mac", mac, "addresses", addresses, "routes", routes);
}

static void errors_name_the_thing_and_agent_keeps_serving(void **state)
{
	struct agent_peer *p = *state;
	cleanup_json json_t *links = NULL;
	json_t *hv0;

	/* An unknown MAC in the second interface: the first is left alone. */
	agent_peer_expect_error(
	    agent_peer_call(p, json_pack("{s:s, s:[{s:s, s:[s]}, {s:s}]}", "op",
	                                 "configure_network", "interfaces", "mac", MAC_A,
	                                 "addresses", "10.0.0.2/24", "mac", MAC_NONE)),
	    "interface " MAC_NONE ": no network interface has this MAC");
	links = ip_json(p, "addr", "show", "dev", "hv0");
	hv0 = find_by(links, "ifname", "hv0");
	assert_non_null(hv0);
	assert_null(find_addr(hv0, "10.0.0.2", 24));
	assert_false(has_flag(hv0, "UP"));

	agent_peer_expect_error(
	    agent_peer_call(p, one_interface(MAC_A,
	                                     json_pack("[s, s]", "10.0.0.2/24", "10.0.0.300/24"),
	                                     json_array())),
	    "interface " MAC_A ": address \"10.0.0.300/24\" is not valid");
	agent_peer_expect_error(
	    agent_peer_call(p, one_interface(MAC_A, json_pack("[s]", "fd00::2/129"), json_array())),
	    "interface " MAC_A ": address \"fd00::2/129\" is not valid");
	agent_peer_expect_error(
	    agent_peer_call(p, json_pack("{s:s, s:[{s:s}]}", "op", "configure_network",
	                                 "interfaces", "mac", "02:48:55:4c:00")),
	    "interfaces[0]: MAC \"02:48:55:4c:00\" is not valid");
	agent_peer_expect_error(
	    agent_peer_call(
	        p, one_interface(MAC_A, json_array(), json_pack("[{s:s}]", "dst", "10.1.0.0/33"))),
	    "interface " MAC_A ": route destination \"10.1.0.0/33\" is not valid");
	agent_peer_expect_error(
	    agent_peer_call(
	        p, one_interface(MAC_A, json_array(), json_pack("[{s:s}]", "dst", "10.1.0.1/16"))),
	    "interface " MAC_A ": route destination \"10.1.0.1/16\" has host bits set");
	agent_peer_expect_error(
	    agent_peer_call(p, one_interface(MAC_A, json_array(),
	                                     json_pack("[{s:s, s:s}]", "dst", "10.1.0.0/16",
	                                               "gateway", "fd00::1"))),
	    "interface " MAC_A
	    ": route 10.1.0.0/16: gateway fd00::1 is not of the destination's address family");
	agent_peer_expect_error(
	    agent_peer_call(p, one_interface(MAC_A, json_array(),
	                                     json_pack("[{s:s, s:s}]", "dst", "10.1.0.0/16",
	                                               "scope", "galaxy"))),
	    "interface " MAC_A
	    ": route 10.1.0.0/16: scope \"galaxy\" is not universe, site, link or host");
	agent_peer_expect_error(
	    agent_peer_call(p, json_pack("{s:s, s:[{s:s, s:[{s:s, s:s}]}]}", "op",
	                                 "configure_network", "interfaces", "mac", MAC_A,
	                                 "neighbours", "ip", "10.0.0.1", "mac", "nope")),
	    "interface " MAC_A ": neighbour 10.0.0.1: MAC \"nope\" is not valid");

	/* The kernel's refusal, with what it was about. */
	agent_peer_expect_error(
	    agent_peer_call(p, one_interface(MAC_A, json_pack("[s]", "10.0.0.2/24"),
	                                     json_pack("[{s:s, s:s}]", "dst", "10.1.0.0/16",
	                                               "gateway", "192.168.99.1"))),
	    "interface " MAC_A ": route 10.1.0.0/16 via 192.168.99.1: Network is unreachable");
	agent_peer_expect_ping(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(configures_links_addresses_routes_neighbours,
	                                    start_agent, stop_agent),
	    cmocka_unit_test_setup_teardown(errors_name_the_thing_and_agent_keeps_serving,
	                                    start_agent, stop_agent),
	};

	if (geteuid() != 0) {
		printf("# SKIP: needs root for network namespaces\n");
		return 4;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
