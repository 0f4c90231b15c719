/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endpoint codec (persist/endpoint_json.h) on the fields teardown
 * acts on: a record that names a path, a name or an id hull never makes
 * is corrupt, refused with one error naming the field, before anything
 * could be unlinked or deleted because of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "persist/endpoint_json.h"

/* A minimal macvtap endpoint with one field replaced (NULL: as is). */
static json_t *endpoint_with(const char *key, json_t *value)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s]}", "name", "eth0", "kind",
	                      "veth", "model", "macvtap", "vm_ifname", "mvtap0_hull", "vm_device",
	                      "/dev/hull-tap241-3", "bpf_pin_dir", "/sys/fs/bpf/hull/sb-1/eth0",
	                      "done", "vm_device_node_created", "bpf_pinned");

	assert_non_null(j);
	if (key)
		assert_int_equal(json_object_set_new(j, key, value), 0);
	return j;
}

/* Decodes; returns the error message (malloc'd) or NULL on success. */
static char *decode(json_t *j, struct hull_endpoint *ep)
{
	struct hull_jpath p = HULL_JPATH_INIT;
	cleanup_error hull_error_t err = NULL;
	char *msg = NULL;

	memset(ep, 0, sizeof(*ep));
	if (hull_endpoint_from_json(j, ep, &p, &err) < 0)
		msg = strdup(err->msg);
	json_decref(j);
	return msg;
}

static void shapes_hull_makes_are_read(void **state)
{
	const char *devices[] = {"", "/dev/tap7", "/dev/tap2147483647", "/dev/hull-tap241-3"};
	struct hull_endpoint ep;

	(void)state;
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		cleanup_free char *msg =
		    decode(endpoint_with("vm_device", json_string(devices[i])), &ep);

		if (msg)
			fail_msg("%s: %s", devices[i], msg);
		assert_string_equal(ep.vm_device, devices[i]);
		hull_endpoint_clear(&ep);
	}
	{
		cleanup_free char *msg = decode(endpoint_with("bpf_pin_dir", json_string("")), &ep);

		assert_null(msg);
		hull_endpoint_clear(&ep);
	}
	{
		cleanup_free char *msg = decode(endpoint_with(NULL, NULL), &ep);

		assert_null(msg);
		assert_string_equal(ep.bpf_pin_dir, "/sys/fs/bpf/hull/sb-1/eth0");
		hull_endpoint_clear(&ep);
	}
}

struct bad {
	const char *key, *value, *message;
};

static const struct bad bad_cases[] = {
    {"vm_device", "/etc/passwd",
     "vm_device: \"/etc/passwd\" is not a device node hull makes (/dev/tapN or "
     "/dev/hull-tapMAJOR-MINOR)"},
    {"vm_device", "/dev/tap7/../../etc/shadow",
     "vm_device: \"/dev/tap7/../../etc/shadow\" is not a device node hull makes (/dev/tapN or "
     "/dev/hull-tapMAJOR-MINOR)"},
    {"vm_device", "/dev/tap", "vm_device: \"/dev/tap\" is not a device node hull makes"},
    {"vm_device", "/dev/tap-1", "vm_device: \"/dev/tap-1\" is not a device node hull makes"},
    {"vm_device", "/dev/hull-tap1", "vm_device: \"/dev/hull-tap1\" is not a device node hull"},
    {"vm_device", "/dev/hull-tap1-2x", "vm_device: \"/dev/hull-tap1-2x\" is not a device node"},
    {"vm_device", "/dev/sda", "vm_device: \"/dev/sda\" is not a device node hull makes"},
    {"bpf_pin_dir", "/etc",
     "bpf_pin_dir: \"/etc\" is not a pin directory hull makes "
     "(/sys/fs/bpf/hull/<sandbox id>/eth0)"},
    {"bpf_pin_dir", "/sys/fs/bpf/hull/../../../etc/eth0",
     "bpf_pin_dir: \"/sys/fs/bpf/hull/../../../etc/eth0\" is not a pin directory hull makes"},
    {"bpf_pin_dir", "/sys/fs/bpf/hull/sb-1/eth1",
     "bpf_pin_dir: \"/sys/fs/bpf/hull/sb-1/eth1\" is not a pin directory hull makes"},
    {"bpf_pin_dir", "/sys/fs/bpf/hull/sb-1/eth0/",
     "bpf_pin_dir: \"/sys/fs/bpf/hull/sb-1/eth0/\" is not a pin directory hull makes"},
    {"bpf_pin_dir", "/sys/fs/bpf/hull/eth0",
     "bpf_pin_dir: \"/sys/fs/bpf/hull/eth0\" is not a pin directory hull makes"},
    {"bpf_pin_dir", "/sys/fs/bpf/hull//eth0",
     "bpf_pin_dir: \"/sys/fs/bpf/hull//eth0\" is not a pin directory hull makes"},
    {"bpf_pin_dir", "/sys/fs/bpf/hull/../eth0",
     "bpf_pin_dir: \"/sys/fs/bpf/hull/../eth0\" is not a pin directory hull makes"},
    {"bpf_pin_dir", "/sys/fs/bpf/other/sb-1/eth0",
     "bpf_pin_dir: \"/sys/fs/bpf/other/sb-1/eth0\" is not a pin directory hull makes"},
    {"name", "..", "name: \"..\" is not a network interface name"},
    {"name", "a/b", "name: \"a/b\" is not a network interface name"},
    {"name", "eth 0", "name: \"eth 0\" is not a network interface name"},
    {"vm_ifname", "../x", "vm_ifname: \"../x\" is not a network interface name"},
};

static void other_paths_are_corrupt(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *c = &bad_cases[i];
		struct hull_endpoint ep;
		cleanup_free char *msg = decode(endpoint_with(c->key, json_string(c->value)), &ep);

		hull_endpoint_clear(&ep);
		if (msg == NULL)
			fail_msg("%s \"%s\" was accepted", c->key, c->value);
		if (strncmp(msg, c->message, strlen(c->message)) != 0)
			fail_msg("%s \"%s\": got \"%s\", wanted \"%s\"", c->key, c->value, msg,
			         c->message);
	}
}

/* The BPF program ids an attach recorded come back. */
static void program_ids_round_trip(void **state)
{
	struct hull_endpoint in = {.name = "eth0",
	                           .model = HULL_NET_TCFILTER,
	                           .to_guest_prog_id = 4242,
	                           .from_guest_prog_id = 4243,
	                           .done = HULL_STEP_TO_GUEST_FILTER | HULL_STEP_FROM_GUEST_FILTER};
	struct hull_jbuild b = {0};
	struct hull_endpoint out;
	json_t *j;
	cleanup_free char *msg = NULL;

	(void)state;
	j = hull_endpoint_to_json(&in, &b);
	assert_non_null(j);
	assert_false(b.failed);
	assert_int_equal(json_integer_value(json_object_get(j, "to_guest_prog_id")), 4242);
	msg = decode(j, &out);
	assert_null(msg);
	assert_int_equal(out.to_guest_prog_id, 4242);
	assert_int_equal(out.from_guest_prog_id, 4243);
	hull_endpoint_clear(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(shapes_hull_makes_are_read),
	    cmocka_unit_test(other_paths_are_corrupt),
	    cmocka_unit_test(program_ids_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
