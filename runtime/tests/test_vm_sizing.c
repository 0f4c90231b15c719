/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM sized from linux.resources as Kata does
 * (runtime/sandbox_config.c): default_vcpus + ceil(quota/period), capped
 * at the host's CPUs or default_max_vcpus; default_memory + the memory
 * limit in MiB (rounded up); nothing changes without limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "runtime/sandbox_config.h"
#include "runtime/settings.h"

/* Builds a sandbox configuration (defaults, default_vcpus/max given) from resources. */
static int build(const char *resources, unsigned vcpus, unsigned max_vcpus,
                 struct hull_sandbox_config *sc, hull_error_t *err)
{
	cleanup_free char *text = NULL;

	assert_int_equal(hull_config_init_defaults(&sc->config, err), 0);
	sc->config.hypervisor.default_vcpus = vcpus;
	sc->config.hypervisor.default_max_vcpus = max_vcpus;
	sc->config.hypervisor.default_memory = 2048;
	assert_true(asprintf(&text,
	                     "{\"ociVersion\": \"1.2.0\", \"process\": {\"args\": [\"sh\"], "
	                     "\"cwd\": \"/\"}, \"root\": {\"path\": \"/tmp\"}, \"linux\": "
	                     "{\"resources\": %s}}",
	                     resources) > 0);
	return hull_sandbox_config_build(sc, "config.json", text, strlen(text), "/tmp", "c1", err);
}

static void sized(const char *resources, unsigned vcpus, unsigned max_vcpus, unsigned want_vcpus,
                  unsigned want_mib)
{
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_config sc = {0};

	if (build(resources, vcpus, max_vcpus, &sc, &err) < 0)
		fail_msg("%s: %s", resources, hull_error_str(err));
	assert_int_equal(sc.config.hypervisor.default_vcpus, want_vcpus);
	assert_int_equal(sc.config.hypervisor.default_memory, want_mib);
	hull_sandbox_config_free(&sc);
}

static void no_limits_keep_the_defaults(void **state)
{
	(void)state;
	sized("{}", 1, 0, 1, 2048);
	sized("{\"cpu\": {\"quota\": -1, \"period\": 100000}, \"memory\": {\"limit\": -1}}", 1, 0,
	      1, 2048);
}

static void memory_adds_the_limit(void **state)
{
	(void)state;
	sized("{\"memory\": {\"limit\": 268435456}}", 1, 0, 1, 2048 + 256);
	/* Rounded up to a whole MiB. */
	sized("{\"memory\": {\"limit\": 268435457}}", 1, 0, 1, 2048 + 257);
}

static void cpus_add_quota_over_period(void **state)
{
	(void)state;
	if (hull_host_cpus() < 2)
		skip();
	sized("{\"cpu\": {\"quota\": 50000, \"period\": 100000}}", 1, 0, 2, 2048);
	sized("{\"cpu\": {\"quota\": 100000, \"period\": 100000}}", 1, 0, 2, 2048);
	/* No period: 100000, as runc. */
	sized("{\"cpu\": {\"quota\": 20000}}", 1, 0, 2, 2048);
}

static void cpus_are_capped(void **state)
{
	unsigned host = hull_host_cpus();
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "{\"cpu\": {\"quota\": %u, \"period\": 100000}}",
	         (host + 4) * 100000);
	sized(text, 1, 0, host, 2048);
	sized("{\"cpu\": {\"quota\": 400000, \"period\": 100000}}", 1, 1, 1, 2048);
}

static void bad_resources_name_the_field(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct hull_sandbox_config sc = {0};

	(void)state;
	assert_int_equal(build("{\"cpu\": {\"quota\": \"half\"}}", 1, 0, &sc, &err), -1);
	assert_string_equal(hull_error_str(err),
	                    "config.json: linux.resources.cpu.quota: expected an integer");
	hull_sandbox_config_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_limits_keep_the_defaults),  cmocka_unit_test(memory_adds_the_limit),
	    cmocka_unit_test(cpus_add_quota_over_period),   cmocka_unit_test(cpus_are_capped),
	    cmocka_unit_test(bad_resources_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
