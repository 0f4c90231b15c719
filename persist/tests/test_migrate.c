/* SPDX-License-Identifier: Apache-2.0 */
/* Reading version 1 state files (persist/migrate.h). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/migrate.h"
#include "persist/state.h"

/* A state file as the first draft of hull wrote it (docs/state-format.md, "Version 1"). */
static const char v1_text[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"sandbox\": {\"id\": \"old1\", \"bundle\": \"/bundles/old1\", \"status\": \"running\",\n"
    "              \"created\": \"2023-11-02T08:00:00Z\", \"monitor_pid\": 77,\n"
    "              \"annotations\": {\"io.katacontainers.config.hypervisor.default_memory\": "
    "\"512\"}},\n"
    "  \"hypervisor\": {\"pid\": 88, \"accel\": \"kvm\", \"vcpus\": 1, \"memory_mib\": 512,\n"
    "                 \"sockets\": {\"qmp\": \"/run/hull/old1/qmp.sock\",\n"
    "                             \"agent\": \"/run/hull/old1/agent.sock\"},\n"
    "                 \"kernel\": \"/usr/share/hull/vmlinuz\"},\n"
    "  \"network\": {\"netns\": \"/var/run/netns/cni-1\", \"netns_created\": false,\n"
    "              \"model\": \"tcfilter\", \"endpoints\": [\n"
    "    {\"name\": \"eth0\", \"kind\": \"veth\", \"ifindex\": 2, \"mac\": "
    "\"0a:58:0a:f4:00:05\",\n"
    "     \"mtu\": 1450, \"addresses\": [\"10.244.0.5/24\"],\n"
    "     \"routes\": [{\"dst\": \"0.0.0.0/0\", \"gateway\": \"10.244.0.1\", \"scope\": "
    "\"universe\"}],\n"
    "     \"neighbours\": [], \"model\": \"tcfilter\",\n"
    "     \"tap_name\": \"tap0_kata\", \"tap_ifindex\": 9,\n"
    "     \"guest_mac\": \"0a:58:0a:f4:00:05\", \"done\": [\"tap_created\", "
    "\"link_qdisc_added\"]},\n"
    "    {\"name\": \"eth1\", \"kind\": \"macvlan\", \"ifindex\": 3, \"mac\": "
    "\"02:42:ac:11:00:02\",\n"
    "     \"mtu\": 1500, \"model\": \"macvtap\",\n"
    "     \"tap_name\": \"macvtap3\", \"tap_ifindex\": 12, \"macvtap_device\": \"/dev/tap12\",\n"
    "     \"done\": [\"macvtap_created\"]}\n"
    "  ]},\n"
    "  \"containers\": [{\"id\": \"old1\", \"status\": \"running\", \"pid\": 1, \"rootfs\": "
    "\"/bundles/old1/rootfs\",\n"
    "                  \"created\": \"2023-11-02T08:00:01Z\", \"process\": {\"args\": "
    "[\"sh\"]}}]\n"
    "}\n";

static void v1_file_loads_as_v2(void **state)
{
	(void)state;
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;
	const struct hull_endpoint *ep;
	char ip[INET_ADDRSTRLEN];

	hull_state_init(&st);
	if (hull_state_parse(v1_text, strlen(v1_text), &st, &err) != 0)
		fail_msg("%s", err->msg);
	assert_int_equal(st.version, 1); /* what the file was; saving writes 2 */
	assert_string_equal(st.sandbox.id, "old1");
	assert_int_equal(st.sandbox.status, HULL_STATUS_RUNNING);
	assert_int_equal(st.sandbox.monitor_pid, 77);
	assert_string_equal(
	    json_string_value(json_object_get(
	        st.sandbox.annotations, "io.katacontainers.config.hypervisor.default_memory")),
	    "512");
	assert_string_equal(st.hypervisor.qmp_socket, "/run/hull/old1/qmp.sock");
	assert_string_equal(st.hypervisor.agent_socket, "/run/hull/old1/agent.sock");
	assert_int_equal(st.hypervisor.pid, 88);
	assert_int_equal(st.hypervisor.accel, HULL_ACCEL_KVM);
	assert_int_equal(st.network.n_endpoints, 2);

	ep = &st.network.endpoints[0];
	assert_string_equal(ep->vm_ifname, "tap0_kata");
	assert_int_equal(ep->vm_ifindex, 9);
	assert_string_equal(ep->vm_device, "");
	assert_int_equal(ep->done, HULL_STEP_TAP_CREATED | HULL_STEP_LINK_QDISC_ADDED);
	assert_int_equal(ep->n_routes, 1);
	assert_true(ep->routes[0].has_gateway);
	inet_ntop(AF_INET, ep->routes[0].gateway, ip, sizeof(ip));
	assert_string_equal(ip, "10.244.0.1");

	ep = &st.network.endpoints[1];
	assert_int_equal(ep->model, HULL_NET_MACVTAP);
	assert_string_equal(ep->vm_ifname, "macvtap3");
	assert_int_equal(ep->vm_ifindex, 12);
	assert_string_equal(ep->vm_device, "/dev/tap12");

	assert_int_equal(st.n_containers, 1);
	assert_string_equal(st.containers[0].rootfs, "/bundles/old1/rootfs");
	hull_state_free(&st);
}

static void saving_a_migrated_state_writes_v2(void **state)
{
	(void)state;
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *text = NULL;
	cleanup_json json_t *doc = NULL;
	json_t *hv, *ep;

	hull_state_init(&st);
	assert_int_equal(hull_state_parse(v1_text, strlen(v1_text), &st, &err), 0);
	text = hull_state_dump(&st, &err);
	assert_non_null(text);
	doc = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(doc, "version")), 2);
	hv = json_object_get(doc, "hypervisor");
	assert_null(json_object_get(hv, "sockets"));
	assert_string_equal(json_string_value(json_object_get(hv, "qmp_socket")),
	                    "/run/hull/old1/qmp.sock");
	ep = json_array_get(json_object_get(json_object_get(doc, "network"), "endpoints"), 1);
	assert_null(json_object_get(ep, "tap_name"));
	assert_null(json_object_get(ep, "tap_ifindex"));
	assert_null(json_object_get(ep, "macvtap_device"));
	assert_string_equal(json_string_value(json_object_get(ep, "vm_ifname")), "macvtap3");
	assert_int_equal(json_integer_value(json_object_get(ep, "vm_ifindex")), 12);
	assert_string_equal(json_string_value(json_object_get(ep, "vm_device")), "/dev/tap12");
	hull_state_free(&st);
}

static void expect_v1_error(const char *from, const char *to, const char *message)
{
	cleanup_free char *text = strdup(v1_text);
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;
	char *at = strstr(text, from);

	assert_non_null(at);
	assert_int_equal(strlen(from), strlen(to)); /* same length: edit in place */
	memcpy(at, to, strlen(to));
	hull_state_init(&st);
	assert_int_equal(hull_state_parse(text, strlen(text), &st, &err), -1);
	assert_string_equal(err->msg, message);
}

static void v1_errors_name_the_v1_field(void **state)
{
	(void)state;
	expect_v1_error("\"tap_ifindex\": 12", "\"tap_ifindex\":\"x\"",
	                "migrating from version 1: network.endpoints[1].tap_ifindex: expected an "
	                "integer, got \"x\"");
}

static void v1_sockets_must_be_an_object(void **state)
{
	(void)state;
	cleanup_json json_t *doc = json_loads(v1_text, 0, NULL);
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	json_object_set_new(json_object_get(doc, "hypervisor"), "sockets", json_string("qmp"));
	hull_state_init(&st);
	assert_int_equal(hull_state_from_json(doc, &st, &err), -1);
	assert_string_equal(err->msg, "migrating from version 1: hypervisor.sockets: expected an "
	                              "object, got \"qmp\"");
	hull_error_release(&err);

	json_object_set_new(json_object_get(doc, "hypervisor"), "sockets",
	                    json_pack("{s:i}", "qmp", 5));
	assert_int_equal(hull_state_from_json(doc, &st, &err), -1);
	assert_string_equal(err->msg,
	                    "migrating from version 1: hypervisor.sockets.qmp: expected a "
	                    "string, got 5");
}

static void migrate_refuses_unknown_versions(void **state)
{
	(void)state;
	cleanup_json json_t *doc = json_object();
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(hull_state_migrate(doc, 0, &err), -1);
	assert_string_equal(err->msg, "version: unknown version 0");
	hull_error_release(&err);
	assert_int_equal(hull_state_migrate(doc, HULL_STATE_VERSION + 1, &err), -1);
	hull_error_release(&err);
	/* The current version is already migrated: nothing to do. */
	assert_int_equal(hull_state_migrate(doc, HULL_STATE_VERSION, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(v1_file_loads_as_v2),
	    cmocka_unit_test(saving_a_migrated_state_writes_v2),
	    cmocka_unit_test(v1_errors_name_the_v1_field),
	    cmocka_unit_test(v1_sockets_must_be_an_object),
	    cmocka_unit_test(migrate_refuses_unknown_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
