/* SPDX-License-Identifier: Apache-2.0 */
/* The state schema and its JSON codec (persist/state.h), in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/state.h"
#include "persist/tests/helpers_persist.h"

/* A valid document of the fixture, as JSON. */
static json_t *fixture_json(size_t n_endpoints)
{
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;
	json_t *doc;

	hull_state_init(&st);
	persist_fixture_state(&st, "sb1", n_endpoints);
	doc = hull_state_to_json(&st, &err);
	if (doc == NULL)
		fail_msg("encode: %s", err->msg);
	hull_state_free(&st);
	return doc;
}

/*
 * Replaces (or with value NULL deletes) the member at a path such as
 * "network.endpoints[1].mac" in doc.  Takes the reference to value.
 */
static void set_at(json_t *doc, const char *path, json_t *value)
{
	char buf[256], *tok, *save = NULL, *next;
	json_t *cur = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = next) {
		char *bracket = strchr(tok, '[');

		next = strtok_r(NULL, ".", &save);
		if (bracket)
			*bracket = '\0';
		if (next == NULL && bracket == NULL) {
			if (value)
				assert_int_equal(json_object_set_new(cur, tok, value), 0);
			else
				assert_int_equal(json_object_del(cur, tok), 0);
			return;
		}
		cur = json_object_get(cur, tok);
		while (bracket) {
			size_t i = strtoul(bracket + 1, &bracket, 10);

			bracket = strchr(bracket, '[');
			if (next == NULL && bracket == NULL) {
				if (value)
					assert_int_equal(json_array_set_new(cur, i, value), 0);
				else
					assert_int_equal(json_array_remove(cur, i), 0);
				return;
			}
			cur = json_array_get(cur, i);
		}
		assert_non_null(cur);
	}
}

static void round_trip_keeps_every_field(void **state)
{
	(void)state;
	struct hull_sandbox_state in, out;
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *text = NULL;

	hull_state_init(&in);
	hull_state_init(&out);
	persist_fixture_state(&in, "sb1", 3);
	text = hull_state_dump(&in, &err);
	assert_non_null(text);
	if (hull_state_parse(text, strlen(text), &out, &err) != 0)
		fail_msg("parse: %s", err->msg);
	assert_int_equal(out.version, HULL_STATE_VERSION);
	persist_assert_state_equal(&in, &out);
	/* And the values are written so that a human can read them. */
	assert_non_null(strstr(text, "\"version\":2"));
	assert_non_null(strstr(text, "\"10.0.0.2/24\""));
	assert_non_null(strstr(text, "\"fd00:2::2/64\""));
	assert_non_null(strstr(text, "\"dst\":\"0.0.0.0/0\""));
	assert_non_null(strstr(text, "\"scope\":\"site\""));
	assert_non_null(strstr(text, "\"mac\":\"ee:ee:ee:00:00:01\""));
	assert_non_null(strstr(text, "\"tap_created\""));
	assert_non_null(strstr(text, "\"link_addrs_removed\""));
	assert_non_null(strstr(text, "\"status\":\"paused\""));
	hull_state_free(&in);
	hull_state_free(&out);
}

static void every_step_has_a_name(void **state)
{
	(void)state;
	cleanup_json json_t *doc = fixture_json(1);
	json_t *done = json_object_get(
	    json_array_get(json_object_get(json_object_get(doc, "network"), "endpoints"), 0),
	    "done");
	static const char *const names[] = {
	    "tap_created",        "macvtap_created",
	    "link_qdisc_added",   "vm_qdisc_added",
	    "link_filter",        "vm_filter",
	    "bpf_pinned",         "link_mac_changed",
	    "link_addrs_removed", "vm_device_node_created",
	};
	size_t i;

	assert_int_equal(json_array_size(done), 10);
	for (i = 0; i < 10; i++)
		assert_string_equal(json_string_value(json_array_get(done, i)), names[i]);
}

struct bad_case {
	const char *path;
	const char *value; /* JSON text; NULL deletes the member */
	const char *message;
};

static const struct bad_case bad_cases[] = {
    {"hypervisor.vcpus", "\"two\"", "hypervisor.vcpus: expected an integer, got \"two\""},
    {"hypervisor.vcpus", "100000", "hypervisor.vcpus: 100000 is out of range (0 to 4096)"},
    {"hypervisor.accel", "\"hvf\"",
     "hypervisor.accel: unknown value \"hvf\" (expected one of: kvm, tcg)"},
    {"hypervisor.qmp_socket", "\"qmp.sock\"",
     "hypervisor.qmp_socket: \"qmp.sock\" is not an absolute path"},
    {"network.endpoints[1].mac", "\"zz\"", "network.endpoints[1].mac: \"zz\" is not a MAC address"},
    {"network.endpoints[0].guest_mac", "\"52:54:00:12:34\"",
     "network.endpoints[0].guest_mac: \"52:54:00:12:34\" is not a MAC address"},
    {"network.endpoints[1].addresses[1]", "\"fd00::zz/64\"",
     "network.endpoints[1].addresses[1]: \"fd00::zz/64\" is not an address with a prefix length "
     "(like 10.0.0.2/24 or fd00::2/64)"},
    {"network.endpoints[0].addresses[0]", "\"10.0.0.2/33\"",
     "network.endpoints[0].addresses[0]: \"10.0.0.2/33\" is not an address with a prefix length "
     "(like 10.0.0.2/24 or fd00::2/64)"},
    {"network.endpoints[0].addresses[0]", "\"10.0.0.2\"",
     "network.endpoints[0].addresses[0]: \"10.0.0.2\" is not an address with a prefix length "
     "(like 10.0.0.2/24 or fd00::2/64)"},
    {"network.endpoints[0].routes[0].gateway", "\"fe80::1\"",
     "network.endpoints[0].routes[0].gateway: \"fe80::1\" is IPv6 but the destination is IPv4"},
    {"network.endpoints[0].routes[1].scope", "\"galaxy\"",
     "network.endpoints[0].routes[1].scope: expected universe, site, link, host, nowhere or 0 "
     "to 255, got \"galaxy\""},
    {"network.endpoints[0].routes[2].dst", NULL, "network.endpoints[0].routes[2].dst: missing"},
    {"network.endpoints[0].neighbours[1].ip", "\"fe80::g\"",
     "network.endpoints[0].neighbours[1].ip: \"fe80::g\" is not an IP address"},
    {"network.endpoints[0].done[2]", "\"tap_exploded\"",
     "network.endpoints[0].done[2]: unknown step \"tap_exploded\""},
    {"network.endpoints[0].done", "511", "network.endpoints[0].done: expected an array, got 511"},
    {"network.endpoints[1].name", "\"a-very-long-ifname\"",
     "network.endpoints[1].name: \"a-very-long-ifname\" is longer than 15 characters"},
    {"network.endpoints[0].kind", "\"bridge\"",
     "network.endpoints[0].kind: unknown value \"bridge\" (expected one of: veth, macvlan, "
     "ipvlan)"},
    {"network.endpoints[0]", "[]", "network.endpoints[0]: expected an object, got []"},
    {"network.netns_created", "\"yes\"",
     "network.netns_created: expected true or false, got \"yes\""},
    {"sandbox.status", "\"zombie\"",
     "sandbox.status: unknown value \"zombie\" (expected one of: creating, created, running, "
     "stopped, paused)"},
    {"sandbox.id", "\"../etc\"",
     "sandbox.id: invalid container id \"../etc\": only letters, digits and _+-. are allowed"},
    {"sandbox.created", "\"yesterday\"",
     "sandbox.created: \"yesterday\" is not an RFC 3339 UTC time (like 2024-05-01T10:20:30Z)"},
    {"sandbox.created", "\"2024-13-01T10:20:30Z\"",
     "sandbox.created: \"2024-13-01T10:20:30Z\" is not an RFC 3339 UTC time (like "
     "2024-05-01T10:20:30Z)"},
    {"sandbox.bundle", "\"relative/bundle\"",
     "sandbox.bundle: \"relative/bundle\" is not an absolute path"},
    {"sandbox.monitor_pid", "-1", "sandbox.monitor_pid: -1 is out of range (0 to 2147483647)"},
    {"sandbox.annotations.x", "1", "sandbox.annotations.x: expected a string, got 1"},
    {"sandbox", NULL, "sandbox: missing"},
    {"sandbox", "\"sb1\"", "sandbox: expected an object, got \"sb1\""},
    {"containers[0].process", "[]", "containers[0].process: expected an object, got []"},
    {"containers[1].mounts", "{}", "containers[1].mounts: expected an array, got {}"},
    {"containers[1].rootfs", "\"rootfs\"",
     "containers[1].rootfs: \"rootfs\" is not an absolute path"},
    {"containers[1].id", "\"sb1\"", "containers[1].id: \"sb1\" is listed twice"},
    {"containers", "{}", "containers: expected an array, got {}"},
    {"config", "[1, 2]", "config: expected an object, got [1,2]"},
    {"version", "\"2\"", "version: expected an integer, got \"2\""},
    {"version", NULL, "version: missing"},
    {"version", "0", "version: unknown version 0"},
    {"version", "3", "state written by a newer hull (version 3)"},
};

static void bad_values_are_named_by_path(void **state)
{
	(void)state;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		cleanup_json json_t *doc = fixture_json(2);
		cleanup_json json_t *before = NULL;
		cleanup_error hull_error_t err = NULL;
		struct hull_sandbox_state st;

		hull_state_init(&st);
		set_at(doc, c->path, c->value ? json_loads(c->value, JSON_DECODE_ANY, NULL) : NULL);
		before = json_deep_copy(doc);
		if (hull_state_from_json(doc, &st, &err) == 0)
			fail_msg("%s = %s was accepted", c->path,
			         c->value ? c->value : "(deleted)");
		assert_non_null(err);
		if (strcmp(err->msg, c->message) != 0)
			fail_msg("%s:\n got:  %s\n want: %s", c->path, err->msg, c->message);
		/* A failed decode leaves nothing behind and does not touch its input. */
		assert_null(st.sandbox.id);
		assert_int_equal(st.network.n_endpoints, 0);
		assert_true(json_equal(doc, before));
	}
}

static void unknown_fields_are_ignored(void **state)
{
	(void)state;
	cleanup_json json_t *doc = fixture_json(2);
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	hull_state_init(&st);
	set_at(doc, "added_in_2_1", json_pack("{s:i}", "x", 1));
	set_at(doc, "network.endpoints[1].xdp_prog", json_string("hull_xdp"));
	set_at(doc, "hypervisor.iothreads", json_integer(2));
	if (hull_state_from_json(doc, &st, &err) != 0)
		fail_msg("%s", err->msg);
	assert_string_equal(st.network.endpoints[1].name, "eth1");
	hull_state_free(&st);
}

static void minimal_creating_state_decodes(void **state)
{
	(void)state;
	static const char text[] =
	    "{\"version\": 2, \"sandbox\": {\"id\": \"new\", \"bundle\": \"/b\","
	    " \"status\": \"creating\", \"created\": \"2024-05-01T10:20:30Z\"}}";
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	hull_state_init(&st);
	if (hull_state_parse(text, strlen(text), &st, &err) != 0)
		fail_msg("%s", err->msg);
	assert_string_equal(st.sandbox.id, "new");
	assert_int_equal(st.sandbox.status, HULL_STATUS_CREATING);
	assert_int_equal(st.hypervisor.pid, 0);
	assert_int_equal(st.network.n_endpoints, 0);
	assert_int_equal(st.n_containers, 0);
	assert_null(st.config);
	hull_state_free(&st);
}

static void syntax_errors_carry_line_and_column(void **state)
{
	(void)state;
	static const char text[] = "{\n  \"version\": 2,\n  \"sandbox\": {\"id\": \"x\",,}\n}\n";
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	hull_state_init(&st);
	assert_int_equal(hull_state_parse(text, strlen(text), &st, &err), -1);
	assert_non_null(strstr(err->msg, "not valid JSON: line 3 column"));
	hull_error_release(&err);
	assert_int_equal(hull_state_parse("", 0, &st, &err), -1);
	assert_string_equal(err->msg, "the file is empty");
	hull_error_release(&err);
	/* Duplicate keys are refused rather than silently resolved. */
	assert_int_equal(hull_state_parse("{\"version\":2,\"version\":1}", 25, &st, &err), -1);
	assert_non_null(strstr(err->msg, "duplicate object key"));
	hull_error_release(&err);
	assert_int_equal(hull_state_parse("[1]", 3, &st, &err), -1);
	assert_string_equal(err->msg, "expected a state object, got [1]");
}

static void encoder_refuses_what_decoder_would_refuse(void **state)
{
	(void)state;
	struct hull_sandbox_state st;
	cleanup_error hull_error_t err = NULL;

	hull_state_init(&st);
	persist_fixture_state(&st, "sb1", 1);
	free(st.sandbox.bundle);
	st.sandbox.bundle = NULL;
	assert_null(hull_state_to_json(&st, &err));
	assert_string_equal(err->msg, "encode state: sandbox.bundle: missing");
	hull_error_release(&err);

	st.sandbox.bundle = strdup("/bundles/\xff\xfe");
	assert_null(hull_state_to_json(&st, &err));
	assert_string_equal(err->msg,
	                    "encode state: bundle: \"/bundles/\\xff\\xfe\" is not valid UTF-8");
	hull_error_release(&err);

	free(st.sandbox.bundle);
	st.sandbox.bundle = strdup("/b");
	st.network.endpoints[0].done |= 1u << 20;
	assert_null(hull_state_to_json(&st, &err));
	assert_string_equal(err->msg, "encode state: done: unknown step bits 0x100000");
	hull_error_release(&err);

	st.network.endpoints[0].done = 0;
	free(st.sandbox.id);
	st.sandbox.id = strdup("a/b");
	assert_null(hull_state_dump(&st, &err));
	assert_string_equal(err->msg,
	                    "encode state: sandbox.id: invalid container id \"a/b\": only "
	                    "letters, digits and _+-. are allowed");
	hull_state_free(&st);
}

static void timestamp_is_rfc3339_utc(void **state)
{
	(void)state;
	char ts[40];
	cleanup_json json_t *doc = fixture_json(0);
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_state st;

	hull_state_timestamp(ts, sizeof(ts));
	assert_int_equal(strlen(ts), 30); /* 2024-05-01T10:20:30.123456789Z */
	assert_int_equal(ts[strlen(ts) - 1], 'Z');
	set_at(doc, "sandbox.created", json_string(ts));
	hull_state_init(&st);
	if (hull_state_from_json(doc, &st, &err) != 0)
		fail_msg("%s", err->msg);
	assert_string_equal(st.sandbox.created, ts);
	hull_state_free(&st);
}

static void containers_are_found_by_id(void **state)
{
	(void)state;
	struct hull_sandbox_state st;

	hull_state_init(&st);
	persist_fixture_state(&st, "sb1", 0);
	assert_ptr_equal(hull_state_find_container(&st, "sb1-sidecar"), &st.containers[1]);
	assert_null(hull_state_find_container(&st, "sb2"));
	hull_state_free(&st);
	assert_int_equal(st.n_containers, 0);
	assert_null(st.containers);
}

static void put_endpoint_replaces_by_name_and_copies(void **state)
{
	(void)state;
	struct hull_sandbox_state st;
	struct hull_ip_addr addr = {
	    .family = 2 /* AF_INET */, .addr = {10, 0, 0, 2}, .prefix_len = 24};
	struct hull_endpoint ep = {.name = "eth0", .mtu = 1500, .addrs = &addr, .n_addrs = 1};
	cleanup_error hull_error_t err = NULL;

	hull_state_init(&st);
	assert_int_equal(hull_state_put_endpoint(&st, &ep, &err), 0);
	ep.mtu = 1400;
	ep.done = HULL_STEP_TAP_CREATED;
	assert_int_equal(hull_state_put_endpoint(&st, &ep, &err), 0);
	assert_int_equal(st.network.n_endpoints, 1); /* replaced, not added */
	assert_int_equal(st.network.endpoints[0].mtu, 1400);
	assert_int_equal(st.network.endpoints[0].done, HULL_STEP_TAP_CREATED);
	assert_ptr_not_equal(st.network.endpoints[0].addrs, &addr); /* a deep copy */
	assert_int_equal(st.network.endpoints[0].addrs[0].prefix_len, 24);
	strcpy(ep.name, "eth1");
	assert_int_equal(hull_state_put_endpoint(&st, &ep, &err), 0);
	assert_int_equal(st.network.n_endpoints, 2);
	assert_string_equal(st.network.endpoints[1].name, "eth1");
	hull_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_keeps_every_field),
	    cmocka_unit_test(every_step_has_a_name),
	    cmocka_unit_test(bad_values_are_named_by_path),
	    cmocka_unit_test(unknown_fields_are_ignored),
	    cmocka_unit_test(minimal_creating_state_decodes),
	    cmocka_unit_test(syntax_errors_carry_line_and_column),
	    cmocka_unit_test(encoder_refuses_what_decoder_would_refuse),
	    cmocka_unit_test(timestamp_is_rfc3339_utc),
	    cmocka_unit_test(containers_are_found_by_id),
	    cmocka_unit_test(put_endpoint_replaces_by_name_and_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
