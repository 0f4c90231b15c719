/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kata annotations over the configuration (runtime/annotations.c): every
 * annotation with a valid value (and that it shows in the resolved
 * configuration), invalid values and boundaries, the host-path gate,
 * unknown keys, and the CRI container type / sandbox id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "runtime/annotations.h"
#include "runtime/settings.h"
#include "vmm/qemu_cmdline.h"

#define P "io.katacontainers.config."

static const char sha512_hex[] = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                                 "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

/* Applies annotations (a JSON object text) over the defaults, with
 * enable (a JSON array text) as hypervisor.enable_annotations.  Returns
 * the resolved configuration as JSON, or NULL with *err filled. */
static json_t *apply(const char *annotations_text, const char *enable, hull_error_t *err)
{
	struct hull_config cfg = {0};
	cleanup_json json_t *annotations = json_loads(annotations_text, 0, NULL);
	json_t *out = NULL;

	assert_non_null(annotations);
	assert_int_equal(hull_config_init_defaults(&cfg, err), 0);
	if (enable) {
		const struct hull_setting *s =
		    hull_setting_find(HULL_SECTION_HYPERVISOR, "enable_annotations");

		assert_int_equal(hull_setting_set_text(s, &cfg, enable, err), 0);
	}
	if (hull_annotations_apply(&cfg, annotations, err) == 0)
		out = hull_config_to_json(&cfg);
	hull_config_free(&cfg);
	return out;
}

/* Applies one annotation KEY (section.key) = value. */
static json_t *apply_one(const char *key, const char *value, const char *enable, hull_error_t *err)
{
	cleanup_json json_t *a = json_object();
	cleanup_free char *text = NULL;
	char full[256];

	snprintf(full, sizeof(full), P "%s", key);
	json_object_set_new(a, full, json_string(value));
	text = json_dumps(a, 0);
	return apply(text, enable, err);
}

/* The resolved value of section.key in out. */
static json_t *resolved(json_t *out, const char *key)
{
	char section[32];
	const char *dot = strchr(key, '.');

	assert_non_null(dot);
	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	return json_object_get(json_object_get(out, section), dot + 1);
}

static void expect_resolved(const char *key, const char *value, const char *want_json,
                            const char *enable)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = apply_one(key, value, enable, &err);
	cleanup_json json_t *want = json_loads(want_json, JSON_DECODE_ANY, NULL);

	if (out == NULL)
		fail_msg("%s=\"%s\" refused: %s", key, value, err->msg);
	assert_non_null(want);
	if (!json_equal(resolved(out, key), want)) {
		cleanup_free char *got = json_dumps(resolved(out, key), JSON_ENCODE_ANY);

		fail_msg("%s=\"%s\": resolved %s, wanted %s", key, value, got, want_json);
	}
}

/* The annotation is refused; the message names the full key, and
 * contains want (the value, or why). */
static void expect_refused(const char *key, const char *value, const char *want, const char *enable)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = apply_one(key, value, enable, &err);
	char full[256];

	snprintf(full, sizeof(full), "annotation " P "%s: ", key);
	if (out != NULL)
		fail_msg("%s=\"%s\" was accepted", key, value);
	if (strncmp(err->msg, full, strlen(full)) != 0 || strstr(err->msg, want) == NULL)
		fail_msg("%s=\"%s\": message \"%s\" does not start with \"%s\" and contain \"%s\"",
		         key, value, err->msg, full, want);
}

struct valid_case {
	const char *key, *value, *resolved, *enable;
};

/* One valid value for every annotation hull accepts, differing from the
 * default (but shared_fs: virtio-fs is the only one hull implements), and
 * what the resolved configuration then says. */
static const struct valid_case valid_cases[] = {
    {"hypervisor.path", "/opt/qemu/bin/qemu-kvm", "\"/opt/qemu/bin/qemu-kvm\"", "[\"path\"]"},
    {"hypervisor.kernel", "/opt/k/vmlinux", "\"/opt/k/vmlinux\"", "[\"kernel\"]"},
    {"hypervisor.image", "/opt/k/image.img", "\"/opt/k/image.img\"", "[\"image\"]"},
    {"hypervisor.initrd", "/opt/k/initrd", "\"/opt/k/initrd\"", "[\"initrd\"]"},
    {"hypervisor.firmware", "/opt/k/OVMF.fd", "\"/opt/k/OVMF.fd\"", "[\"firmware\"]"},
    {"hypervisor.jailer_path", "/usr/bin/jailer", "\"/usr/bin/jailer\"", "[\"jailer_path\"]"},
    {"hypervisor.kernel_hash", sha512_hex, NULL, NULL},
    {"hypervisor.image_hash", sha512_hex, NULL, NULL},
    {"hypervisor.initrd_hash", sha512_hex, NULL, NULL},
    {"hypervisor.hypervisor_hash", sha512_hex, NULL, NULL},
    {"hypervisor.jailer_hash", sha512_hex, NULL, NULL},
    {"hypervisor.firmware_hash", sha512_hex, NULL, NULL},
    {"hypervisor.kernel_params", "quiet console=hvc0", "\"quiet console=hvc0\"", NULL},
    {"hypervisor.machine_type", "microvm", "\"microvm\"", NULL},
    {"hypervisor.machine_accelerators", "nvdimm=on", "\"nvdimm=on\"", NULL},
    {"hypervisor.cpu_features", "pmu=off", "\"pmu=off\"", NULL},
    {"hypervisor.disable_vhost_net", "true", "true", NULL},
    {"hypervisor.use_vsock", "true", "true", NULL},
    {"hypervisor.disable_image_nvdimm", "true", "true", NULL},
    {"hypervisor.hotplug_vfio_on_root_bus", "true", "true", NULL},
    {"hypervisor.enable_vhost_user_store", "true", "true", NULL},
    {"hypervisor.vhost_user_store_path", "/var/run/vhost", "\"/var/run/vhost\"",
     "[\"vhost_user_store_path\"]"},
    {"hypervisor.guest_hook_path", "/usr/share/hooks", "\"/usr/share/hooks\"",
     "[\"guest_hook_path\"]"},
    {"hypervisor.entropy_source", "/dev/random", "\"/dev/random\"", "[\"entropy_source\"]"},
    {"hypervisor.pcie_root_port", "2", "2", NULL},
    {"hypervisor.default_vcpus", "1", "1", NULL},
    {"hypervisor.default_max_vcpus", "1", "1", NULL},
    {"hypervisor.default_memory", "4096", "4096", NULL},
    {"hypervisor.memory_slots", "20", "20", NULL},
    {"hypervisor.memory_offset", "512", "512", NULL},
    {"hypervisor.enable_virtio_mem", "true", "true", NULL},
    {"hypervisor.enable_mem_prealloc", "true", "true", NULL},
    {"hypervisor.enable_hugepages", "true", "true", NULL},
    {"hypervisor.enable_iommu", "true", "true", NULL},
    {"hypervisor.enable_swap", "true", "true", NULL},
    {"hypervisor.file_mem_backend", "/dev/shm", "\"/dev/shm\"", "[\"file_mem_backend\"]"},
    {"hypervisor.msize_9p", "1", "1", NULL},
    {"hypervisor.shared_fs", "virtio-fs", "\"virtio-fs\"", NULL},
    {"hypervisor.virtio_fs_daemon", "/usr/libexec/virtiofsd", "\"/usr/libexec/virtiofsd\"",
     "[\"virtio_fs_daemon\"]"},
    {"hypervisor.virtio_fs_cache", "always", "\"always\"", NULL},
    {"hypervisor.virtio_fs_cache_size", "1024", "1024", NULL},
    {"hypervisor.virtio_fs_extra_args",
     "[\"--thread-pool-size=1\", \"-o\", \"announce_submounts\"]",
     "[\"--thread-pool-size=1\", \"-o\", \"announce_submounts\"]", NULL},
    {"hypervisor.block_device_driver", "virtio-blk", "\"virtio-blk\"", NULL},
    {"hypervisor.disable_block_device_use", "true", "true", NULL},
    {"hypervisor.enable_iothreads", "true", "true", NULL},
    {"hypervisor.block_device_cache_set", "true", "true", NULL},
    {"hypervisor.block_device_cache_direct", "true", "true", NULL},
    {"hypervisor.block_device_cache_noflush", "true", "true", NULL},
    {"runtime.disable_guest_seccomp", "false", "false", NULL},
    {"runtime.sandbox_cgroup_only", "true", "true", NULL},
    {"runtime.experimental", "hotplug_endpoints", "[\"hotplug_endpoints\"]", NULL},
    {"runtime.internetworking_model", "macvtap", "\"macvtap\"", NULL},
    {"runtime.disable_new_netns", "true", "true", NULL},
    {"agent.kernel_modules", "e1000e InterruptThrottleRate=3000,3000,3000 EEE=1; i915 ",
     "[\"e1000e InterruptThrottleRate=3000,3000,3000 EEE=1\", \"i915\"]", NULL},
    {"agent.enable_tracing", "true", "true", NULL},
    {"agent.trace_mode", "dynamic", "\"dynamic\"", NULL},
    {"agent.trace_type", "isolated", "\"isolated\"", NULL},
    {"agent.container_pipe_size", "65536", "65536", NULL},
};

static void every_annotation_has_a_valid_case(void **state)
{
	(void)state;
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];
		char key[128];
		bool found = false;

		if (!(s->flags & HULL_SET_BY_ANNOTATION))
			continue;
		snprintf(key, sizeof(key), "%s.%s", hull_section_name(s->section), s->key);
		for (size_t c = 0; c < sizeof(valid_cases) / sizeof(valid_cases[0]); c++)
			found |= strcmp(valid_cases[c].key, key) == 0;
		if (!found)
			fail_msg("annotation %s has no valid case in this test", key);
	}
}

static void valid_values_show_in_the_configuration(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];
		char quoted[512];

		if (c->resolved == NULL) {
			snprintf(quoted, sizeof(quoted), "\"%s\"", c->value);
			expect_resolved(c->key, c->value, quoted, c->enable);
		} else {
			expect_resolved(c->key, c->value, c->resolved, c->enable);
		}
	}
}

static void every_bool_spelling_of_go_parsebool(void **state)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	static const char *const bad[] = {"", "yes", "tRUE", "on", "2", " true", "true "};

	(void)state;
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];
		char key[128];

		if (s->type != HULL_TYPE_BOOL || !(s->flags & HULL_SET_BY_ANNOTATION))
			continue;
		snprintf(key, sizeof(key), "%s.%s", hull_section_name(s->section), s->key);
		for (size_t v = 0; v < 6; v++) {
			expect_resolved(key, yes[v], "true", NULL);
			expect_resolved(key, no[v], "false", NULL);
		}
		for (size_t v = 0; v < sizeof(bad) / sizeof(bad[0]); v++) {
			char quoted[32];

			snprintf(quoted, sizeof(quoted), "\"%s\"", bad[v]);
			expect_refused(key, bad[v], quoted, NULL);
			expect_refused(key, bad[v], "please specify boolean value 'true|false'",
			               NULL);
		}
	}
}

static void numbers_are_uint32_decimal_digits(void **state)
{
	static const char *const bad[] = {"-1", "+1", " 1", "1 ", "", "abc", "0x10", "1e3", "1.5"};

	(void)state;
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];
		char key[128];

		if (s->type != HULL_TYPE_UINT32 || !(s->flags & HULL_SET_BY_ANNOTATION))
			continue;
		snprintf(key, sizeof(key), "%s.%s", hull_section_name(s->section), s->key);
		for (size_t v = 0; v < sizeof(bad) / sizeof(bad[0]); v++) {
			char want[32];

			snprintf(want, sizeof(want), "\"%s\" is not a number", bad[v]);
			expect_refused(key, bad[v], want, NULL);
		}
		expect_refused(key, "4294967296", "4294967296 is out of range", NULL);
		expect_refused(key, "99999999999999999999", "is out of range", NULL);
		if (s->max == UINT32_MAX && !(s->flags & HULL_AT_MOST_HOST_CPUS))
			expect_resolved(key, "4294967295", "4294967295", NULL);
	}
}

static void vcpus_bounded_by_host_cpus(void **state)
{
	unsigned int cpus = hull_host_cpus();
	char n[16], n1[16], want[64];

	(void)state;
	snprintf(n, sizeof(n), "%u", cpus);
	snprintf(n1, sizeof(n1), "%u", cpus + 1);
	snprintf(want, sizeof(want), "%u is more than the %u CPUs of this host", cpus + 1, cpus);
	expect_resolved("hypervisor.default_vcpus", n, n, NULL);
	expect_refused("hypervisor.default_vcpus", n1, want, NULL);
	expect_refused("hypervisor.default_vcpus", "4294967295", "CPUs of this host", NULL);
	expect_resolved("hypervisor.default_max_vcpus", n, n, NULL);
	expect_refused("hypervisor.default_max_vcpus", n1, want, NULL);
	/* 0 keeps the configured number of vCPUs */
	expect_resolved("hypervisor.default_vcpus", "0", "1", NULL);
}

static void max_vcpus_bounded_by_qemu(void **state)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;
	const struct hull_setting *s =
	    hull_setting_find(HULL_SECTION_HYPERVISOR, "default_max_vcpus");

	(void)state;
	assert_int_equal(hull_config_init_defaults(&cfg, &err), 0);
	/* This host has fewer CPUs than QEMU's 240, so test the validator
	 * on a value both rules refuse and check the QEMU limit's wording
	 * wherever the host is big enough. */
	if (hull_host_cpus() > HULL_QEMU_MAX_VCPUS) {
		assert_int_equal(hull_setting_set_text(s, &cfg, "241", &err), -1);
		assert_non_null(strstr(err->msg, "QEMU's maximum of 240"));
	} else {
		assert_int_equal(hull_setting_set_text(s, &cfg, "241", &err), -1);
		assert_non_null(strstr(err->msg, "241 is more than"));
	}
	assert_int_equal(s->max, 240);
	hull_config_free(&cfg);
}

static void memory_minimum_is_256_mib(void **state)
{
	(void)state;
	expect_resolved("hypervisor.default_memory", "256", "256", NULL);
	expect_refused("hypervisor.default_memory", "255",
	               "255 is less than the minimum of 256 MiB", NULL);
	expect_refused("hypervisor.default_memory", "0", "0 is less than", NULL);
}

static void zero_keeps_slots_and_offset(void **state)
{
	(void)state;
	expect_resolved("hypervisor.memory_slots", "0", "10", NULL);
	expect_resolved("hypervisor.memory_offset", "0", "0", NULL);
}

static void msize_9p_must_be_positive(void **state)
{
	(void)state;
	expect_refused("hypervisor.msize_9p", "0", "0 is less than the minimum of 1", NULL);
	expect_resolved("hypervisor.msize_9p", "4294967295", "4294967295", NULL);
}

static void enums_name_the_value_and_the_choices(void **state)
{
	(void)state;
	expect_refused("hypervisor.block_device_driver", "virtio-foo",
	               "\"virtio-foo\" is not supported (supported: virtio-scsi, virtio-blk, "
	               "virtio-mmio, nvdimm, virtio-blk-ccw)",
	               NULL);
	expect_resolved("hypervisor.block_device_driver", "virtio-blk-ccw", "\"virtio-blk-ccw\"",
	                NULL);
	expect_resolved("hypervisor.block_device_driver", "nvdimm", "\"nvdimm\"", NULL);
	expect_resolved("hypervisor.block_device_driver", "virtio-mmio", "\"virtio-mmio\"", NULL);
	expect_refused("hypervisor.block_device_driver", "", "\"\" is not supported", NULL);
	expect_refused("hypervisor.shared_fs", "nfs", "\"nfs\" is not supported", NULL);
	expect_resolved("hypervisor.shared_fs", "virtio-fs", "\"virtio-fs\"", NULL);
	expect_refused("runtime.internetworking_model", "bridged",
	               "\"bridged\" is not supported (supported: tcfilter, macvtap, none)", NULL);
	expect_resolved("runtime.internetworking_model", "none", "\"none\"", NULL);
	expect_resolved("runtime.internetworking_model", "tcfilter", "\"tcfilter\"", NULL);
}

static void virtio_fs_needs_a_daemon(void **state)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *a = json_pack("{ss}", P "hypervisor.shared_fs", "virtio-fs");

	(void)state;
	assert_int_equal(hull_config_init_defaults(&cfg, &err), 0);
	free(cfg.hypervisor.virtio_fs_daemon);
	cfg.hypervisor.virtio_fs_daemon = strdup("");
	free(cfg.hypervisor.shared_fs);
	cfg.hypervisor.shared_fs = strdup("virtio-9p");
	assert_int_equal(hull_annotations_apply(&cfg, a, &err), -1);
	assert_string_equal(err->msg,
	                    "annotation " P "hypervisor.shared_fs: \"virtio-fs\": "
	                    "hypervisor.shared_fs: cannot enable virtio-fs without daemon "
	                    "path (hypervisor.virtio_fs_daemon is empty)");
	hull_config_free(&cfg);
}

/* Kata takes virtio-9p; hull implements virtio-fs only and says so,
 * rather than accepting it and using virtio-fs. */
static void shared_fs_is_virtio_fs_only(void **state)
{
	(void)state;
	expect_refused("hypervisor.shared_fs", "virtio-9p",
	               "\"virtio-9p\" is not supported (supported: virtio-fs)", NULL);
}

static void max_vcpus_is_at_least_vcpus(void **state)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(hull_config_init_defaults(&cfg, &err), 0);
	cfg.hypervisor.default_vcpus = 4;
	cfg.hypervisor.default_max_vcpus = 2;
	assert_int_equal(hull_config_check(&cfg, &err), -1);
	assert_string_equal(err->msg, "hypervisor.default_max_vcpus: 2 is less than "
	                              "hypervisor.default_vcpus (4): raise it, or 0 for as many "
	                              "as default_vcpus");
	cfg.hypervisor.default_max_vcpus = 4;
	assert_int_equal(hull_config_check(&cfg, NULL), 0);
	cfg.hypervisor.default_max_vcpus = 0;
	assert_int_equal(hull_config_check(&cfg, NULL), 0);
	hull_config_free(&cfg);
}

static void hugepages_and_file_backend_exclude_each_other(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = apply("{\"" P "hypervisor.enable_hugepages\": \"true\", \"" P
	                                 "hypervisor.file_mem_backend\": \"/dev/shm\"}",
	                                 "[\"file_mem_backend\"]", &err);

	(void)state;
	assert_null(out);
	assert_string_equal(err->msg, "hypervisor.enable_hugepages: guest memory comes from "
	                              "/dev/hugepages, so hypervisor.file_mem_backend "
	                              "(\"/dev/shm\") cannot also choose where: set one of them");
}

static void experimental_features_are_known(void **state)
{
	(void)state;
	expect_refused("runtime.experimental", "hotplug_endpoints warp_drive",
	               "unknown experimental feature \"warp_drive\"", NULL);
	expect_resolved("runtime.experimental", "  hotplug_endpoints  ", "[\"hotplug_endpoints\"]",
	                NULL);
	expect_resolved("runtime.experimental", "", "[]", NULL);
}

static void kernel_params_append_and_dedupe(void **state)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *a = json_pack("{ss}", P "hypervisor.kernel_params",
	                                   "console=hvc0 quiet  systemd.unit=x console=ttyS0");
	cleanup_json json_t *out = NULL;
	const struct hull_setting *s = hull_setting_find(HULL_SECTION_HYPERVISOR, "kernel_params");

	(void)state;
	assert_int_equal(hull_config_init_defaults(&cfg, &err), 0);
	assert_int_equal(hull_setting_set_text(s, &cfg, "root=/dev/vda quiet panic=1", &err), 0);
	assert_int_equal(hull_annotations_apply(&cfg, a, &err), 0);
	out = hull_config_to_json(&cfg);
	/* configured params first; a key set again takes the later value */
	assert_string_equal(json_string_value(resolved(out, "hypervisor.kernel_params")),
	                    "root=/dev/vda quiet panic=1 console=ttyS0 systemd.unit=x");
	hull_config_free(&cfg);
	expect_refused("hypervisor.kernel_params", "quiet =5",
	               "\"=5\" is a kernel parameter without a name", NULL);
}

/* CPU seconds this process has used. */
static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exactly n (> 0) bytes of distinct parameters: "k1 k2 k3 ... zzz". */
static char *distinct_params(size_t n)
{
	char *text = malloc(n + 1);
	size_t used = 0;

	assert_non_null(text);
	for (unsigned i = 1; used + 16 < n; i++)
		used += (size_t)sprintf(text + used, "k%u ", i);
	memset(text + used, 'z', n - used);
	text[n] = '\0';
	return text;
}

/* Kubernetes lets an annotation be 256 KiB: 66,503 parameters took 6.6 s
 * of CPU (each was compared with every earlier one), on every command. */
static void kernel_params_of_256_kib_are_refused_fast(void **state)
{
	cleanup_free char *text = distinct_params(256 * 1024);
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	double start = cpu_seconds(), used;
	char want[256];

	(void)state;
	out = apply_one("hypervisor.kernel_params", text, NULL, &err);
	used = cpu_seconds() - start;
	assert_null(out);
	snprintf(want, sizeof(want),
	         "annotation " P "hypervisor.kernel_params: the guest kernel's command line "
	         "would be %zu bytes",
	         strlen(VM_KERNEL_CMDLINE_BASE) + 1 + strlen(text));
	if (strstr(err->msg, want) != err->msg || strstr(err->msg, "at most 2047") == NULL)
		fail_msg("message: %s\nwanted it to start with: %s", err->msg, want);
	if (used > 0.5)
		fail_msg("256 KiB of kernel_params took %.2f s of CPU", used);
}

/* What is left after hull's own parameters fits, one byte more does not. */
static void kernel_params_fill_the_command_line_exactly(void **state)
{
	const size_t budget = VM_KERNEL_CMDLINE_MAX - strlen(VM_KERNEL_CMDLINE_BASE) - 1;
	cleanup_free char *fits = distinct_params(budget);
	cleanup_free char *over = distinct_params(budget + 1);
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;

	(void)state;
	assert_int_equal(budget, 2018);
	out = apply_one("hypervisor.kernel_params", fits, NULL, &err);
	if (out == NULL)
		fail_msg("%zu bytes refused: %s", strlen(fits), err->msg);
	assert_string_equal(json_string_value(resolved(out, "hypervisor.kernel_params")), fits);
	json_decref(out);
	out = apply_one("hypervisor.kernel_params", over, NULL, &err);
	assert_null(out);
	assert_non_null(strstr(err->msg, "would be 2048 bytes"));
	assert_non_null(strstr(err->msg, "2018 are left for hypervisor.kernel_params"));
}

/* Many repeats of one key collapse to the last one, quickly too. */
static void repeated_kernel_params_collapse(void **state)
{
	size_t n = 256 * 1024, used = 0;
	cleanup_free char *text = malloc(n + 32);
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	char last[32] = "";
	double start = cpu_seconds();
	unsigned i;

	(void)state;
	assert_non_null(text);
	for (i = 0; used < n - 32; i++) {
		used += (size_t)sprintf(text + used, "a=%u k%u b ", i, i % 100);
		snprintf(last, sizeof(last), "a=%u", i);
	}
	out = apply_one("hypervisor.kernel_params", text, NULL, &err);
	if (out == NULL)
		fail_msg("refused: %s", err->msg);
	assert_non_null(strstr(json_string_value(resolved(out, "hypervisor.kernel_params")), last));
	assert_true(strncmp(json_string_value(resolved(out, "hypervisor.kernel_params")), last,
	                    strlen(last)) == 0);
	assert_true(cpu_seconds() - start < 0.5);
}

static void kernel_modules_split_on_semicolons(void **state)
{
	(void)state;
	expect_resolved("agent.kernel_modules", ";; a ;b x=1;", "[\"a\", \"b x=1\"]", NULL);
	expect_resolved("agent.kernel_modules", "", "[]", NULL);
}

static void extra_args_are_a_json_array(void **state)
{
	(void)state;
	expect_refused("hypervisor.virtio_fs_extra_args", "--foo",
	               "\"--foo\" is not a JSON array of strings", NULL);
	expect_refused("hypervisor.virtio_fs_extra_args", "[1]", "[0]: expected a string", NULL);
	expect_resolved("hypervisor.virtio_fs_extra_args", "[]", "[]", NULL);
}

/* virtiofsd's options that would change what is shared, or how (the
 * directory, the sandbox, the socket, its capabilities), are hull's. */
static void extra_args_cannot_change_what_is_shared(void **state)
{
	static const struct {
		const char *args, *want;
	} refused[] = {
	    {"[\"-o\", \"source=/\"]", "virtiofsd option \"source=/\" is not allowed"},
	    {"[\"-osource=/\"]", "virtiofsd option \"source=/\" is not allowed"},
	    {"[\"-o\", \"xattr,source=/etc\"]", "virtiofsd option \"source=/etc\" is not allowed"},
	    {"[\"-o\", \"sandbox=chroot\"]", "virtiofsd option \"sandbox=chroot\" is not allowed"},
	    {"[\"-o\", \"cache=always\"]", "virtiofsd option \"cache=always\" is not allowed"},
	    {"[\"-o\", \"modcaps=+sys_admin\"]", "\"modcaps=+sys_admin\" is not allowed"},
	    {"[\"-o\", \"xattrmap=:map::user.:\"]", "\"xattrmap=:map::user.:\" is not allowed"},
	    {"[\"--socket-path=/tmp/s\"]",
	     "virtiofsd option \"--socket-path=/tmp/s\" is not allowed"},
	    {"[\"--fd=3\"]", "virtiofsd option \"--fd=3\" is not allowed"},
	    {"[\"--socket-group=users\"]", "\"--socket-group=users\" is not allowed"},
	    {"[\"--daemonize\"]", "virtiofsd option \"--daemonize\" is not allowed"},
	    {"[\"--print-capabilities\"]", "\"--print-capabilities\" is not allowed"},
	    {"[\"/some/dir\"]", "virtiofsd option \"/some/dir\" is not allowed"},
	    {"[\"--thread-pool-size=x\"]", "\"--thread-pool-size=x\" is not allowed"},
	    {"[\"-o\"]", "virtiofsd option \"-o\" needs a value"},
	    {"[\"-o\", \"\"]", "virtiofsd option \"\" is not allowed"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		expect_refused("hypervisor.virtio_fs_extra_args", refused[i].args, refused[i].want,
		               NULL);
		if (strstr(refused[i].want, "needs a value") == NULL)
			expect_refused("hypervisor.virtio_fs_extra_args", refused[i].args,
			               "hull chooses what is shared and how", NULL);
	}
	expect_resolved("hypervisor.virtio_fs_extra_args",
	                "[\"-o\", \"xattr,posix_lock,log_level=debug\", \"-oannounce_submounts\","
	                " \"--thread-pool-size=4\", \"--rlimit-nofile=4096\", \"--syslog\", \"-d\","
	                " \"-o\", \"timeout=5\", \"-o\", \"no_writeback\"]",
	                "[\"-o\", \"xattr,posix_lock,log_level=debug\", \"-oannounce_submounts\","
	                " \"--thread-pool-size=4\", \"--rlimit-nofile=4096\", \"--syslog\", \"-d\","
	                " \"-o\", \"timeout=5\", \"-o\", \"no_writeback\"]",
	                NULL);
}

static void asset_hashes_are_sha512(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	char upper[129];

	(void)state;
	expect_refused("hypervisor.kernel_hash", "abc", "\"abc\" is not a SHA-512 hash", NULL);
	expect_refused("hypervisor.initrd_hash", "zz", "\"zz\" is not a SHA-512 hash", NULL);
	memcpy(upper, sha512_hex, 128);
	upper[127] = '\0';
	expect_refused("hypervisor.image_hash", upper, "not 127", NULL);
	out = apply("{\"io.katacontainers.asset_hash_type\": \"md5\"}", NULL, &err);
	assert_null(out);
	assert_string_equal(err->msg,
	                    "annotation io.katacontainers.asset_hash_type: \"md5\" is not "
	                    "supported (supported: sha512)");
	hull_error_release(&err);
	out = apply("{\"io.katacontainers.asset_hash_type\": \"sha512\"}", NULL, &err);
	assert_non_null(out);
}

static void host_paths_need_enable_annotations(void **state)
{
	size_t checked = 0;

	(void)state;
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];
		char key[128], enable[128], want[160];

		if (!(s->flags & HULL_NAMES_HOST_PATH))
			continue;
		snprintf(key, sizeof(key), "%s.%s", hull_section_name(s->section), s->key);
		snprintf(enable, sizeof(enable), "[\"%s\"]", s->key);
		snprintf(want, sizeof(want),
		         "\"/tmp/evil\" names a host path or binary, which annotations may not "
		         "choose unless the configuration file lists \"%s\" in "
		         "hypervisor.enable_annotations",
		         s->key);
		expect_refused(key, "/tmp/evil", want, NULL);
		/* enabling another key does not enable this one */
		expect_refused(key, "/tmp/evil", "names a host path", "[\"default_vcpus\"]");
		expect_resolved(key, "/tmp/evil", "\"/tmp/evil\"", enable);
		expect_refused(key, "relative/x", "\"relative/x\" is not an absolute path", enable);
		checked++;
	}
	/* the keys kata-annotations.md lists as host paths, hypervisor.path too */
	assert_int_equal(checked, 11);
}

static void config_path_annotation_needs_enable(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	static const char a[] = "{\"io.katacontainers.config_path\": \"/etc/other.json\"}";

	(void)state;
	out = apply(a, NULL, &err);
	assert_null(out);
	assert_non_null(strstr(err->msg, "annotation io.katacontainers.config_path: "
	                                 "\"/etc/other.json\" names a host path"));
	assert_non_null(strstr(err->msg, "\"config_path\""));
	hull_error_release(&err);
	out = apply(a, "[\"config_path\"]", &err);
	assert_non_null(out);
}

static void unknown_keys_are_errors(void **state)
{
	static const char *const typos[] = {
	    "hypervisor.default_vcpu",
	    "hypervisor.Default_vcpus",
	    "runtime.experimental_",
	    "agent.kernel_module",
	    "hypervisor.",
	    "agent.trace",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(typos) / sizeof(typos[0]); i++)
		expect_refused(typos[i], "1", "unknown key", NULL);
	/* settings only the configuration file may set */
	expect_refused("hypervisor.enable_annotations", "[\"kernel\"]",
	               "hypervisor.enable_annotations can only be set in the configuration file",
	               NULL);
	expect_refused("hypervisor.accel", "tcg", "can only be set in the configuration file",
	               NULL);
	expect_refused("runtime.state_root", "/tmp", "can only be set in the configuration file",
	               NULL);
}

static void other_annotations_pass_through(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = apply("{\"io.kubernetes.cri.container-type\": \"sandbox\","
	                                 " \"org.example/anything\": \"x\","
	                                 " \"io.katacontainers.pkg.oci.bundle_path\": \"/b\","
	                                 " \"io.katacontainers.config.container.x\": \"y\"}",
	                                 NULL, &err);

	(void)state;
	assert_non_null(out);
}

static void empty_string_keeps_the_configured_value(void **state)
{
	(void)state;
	expect_resolved("hypervisor.machine_type", "", "\"q35\"", NULL);
	{
		char kernel[512];

		snprintf(kernel, sizeof(kernel), "\"%s/vmlinuz\"", hull_datadir);
		expect_resolved("hypervisor.kernel", "", kernel, "[\"kernel\"]");
	}
}

static void non_string_annotation_is_an_error(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = apply("{\"" P "hypervisor.default_vcpus\": 2}", NULL, &err);

	(void)state;
	assert_null(out);
	assert_string_equal(err->msg,
	                    "annotation " P "hypervisor.default_vcpus: expected a string");
}

static void first_error_is_reported(void **state)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = apply("{\"" P "hypervisor.default_vcpus\": \"abc\", \"" P
	                                 "hypervisor.default_memory\": \"1\"}",
	                                 NULL, &err);

	(void)state;
	assert_null(out);
	assert_string_equal(err->msg,
	                    "annotation " P "hypervisor.default_vcpus: \"abc\" is not a number");
}

/* --- container type and sandbox id --- */

static int container_type(const char *annotations_text, enum hull_container_type *type,
                          char **sandbox_id, hull_error_t *err)
{
	cleanup_json json_t *a = json_loads(annotations_text, 0, NULL);
	const char *id = NULL;
	int ret;

	assert_non_null(a);
	ret = hull_annotations_container_type(a, "c1", type, &id, err);
	*sandbox_id = ret == 0 ? strdup(id) : NULL;
	return ret;
}

/* The annotations are refused with a message that starts with message. */
static void expect_container_type_refused(const char *annotations, const char *message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *sandbox_id = NULL;
	enum hull_container_type type;

	assert_int_equal(container_type(annotations, &type, &sandbox_id, &err), -1);
	if (strstr(err->msg, message) != err->msg)
		fail_msg("got \"%s\", wanted \"%s\"", err->msg, message);
}

static void cri_container_type_for_every_caller(void **state)
{
	static const struct {
		const char *annotations;
		enum hull_container_type type;
		const char *sandbox_id;
	} cases[] = {
	    {"{}", HULL_CONTAINER_POD_SANDBOX, "c1"},
	    {"{\"io.kubernetes.cri.container-type\": \"sandbox\"}", HULL_CONTAINER_POD_SANDBOX,
	     "c1"},
	    {"{\"io.kubernetes.cri.container-type\": \"container\","
	     " \"io.kubernetes.cri.sandbox-id\": \"sb-containerd\"}",
	     HULL_CONTAINER_POD_CONTAINER, "sb-containerd"},
	    {"{\"io.kubernetes.cri-o.ContainerType\": \"sandbox\"}", HULL_CONTAINER_POD_SANDBOX,
	     "c1"},
	    {"{\"io.kubernetes.cri-o.ContainerType\": \"container\","
	     " \"io.kubernetes.cri-o.SandboxID\": \"sb-crio\"}",
	     HULL_CONTAINER_POD_CONTAINER, "sb-crio"},
	    {"{\"io.kubernetes.docker.type\": \"podsandbox\"}", HULL_CONTAINER_POD_SANDBOX, "c1"},
	    {"{\"io.kubernetes.docker.type\": \"container\","
	     " \"io.kubernetes.sandbox.id\": \"sb-docker\"}",
	     HULL_CONTAINER_POD_CONTAINER, "sb-docker"},
	    /* Kata matches any caller's value and takes the first id key present */
	    {"{\"io.kubernetes.cri-o.ContainerType\": \"container\","
	     " \"io.kubernetes.sandbox.id\": \"sb-2\", \"io.kubernetes.cri.sandbox-id\": \"sb-1\"}",
	     HULL_CONTAINER_POD_CONTAINER, "sb-1"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *sandbox_id = NULL;
		enum hull_container_type type;

		if (container_type(cases[i].annotations, &type, &sandbox_id, &err) < 0)
			fail_msg("%s: %s", cases[i].annotations, err->msg);
		assert_int_equal(type, cases[i].type);
		assert_string_equal(sandbox_id, cases[i].sandbox_id);
	}
	assert_string_equal(hull_container_type_name(HULL_CONTAINER_POD_SANDBOX), "pod_sandbox");
	assert_string_equal(hull_container_type_name(HULL_CONTAINER_POD_CONTAINER),
	                    "pod_container");
}

static void cri_errors_name_the_annotation(void **state)
{
	static const struct {
		const char *annotations, *message;
	} cases[] = {
	    {"{\"io.kubernetes.cri.container-type\": \"pod\"}",
	     "annotation io.kubernetes.cri.container-type: unknown container type \"pod\""},
	    {"{\"io.kubernetes.cri-o.ContainerType\": \"\"}",
	     "annotation io.kubernetes.cri-o.ContainerType: unknown container type \"\""},
	    {"{\"io.kubernetes.docker.type\": \"container\"}",
	     "annotation io.kubernetes.docker.type: \"container\" needs the sandbox id in "
	     "io.kubernetes.cri.sandbox-id, io.kubernetes.cri-o.SandboxID or "
	     "io.kubernetes.sandbox.id, and none is set"},
	    {"{\"io.kubernetes.cri.container-type\": \"container\","
	     " \"io.kubernetes.cri.sandbox-id\": \"\"}",
	     "annotation io.kubernetes.cri.container-type: \"container\" needs the sandbox id"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_container_type_refused(cases[i].annotations, cases[i].message);
}

/* The sandbox id names a directory and a socket, as a container id does:
 * the same rule, before it is used. */
static void cri_sandbox_id_follows_the_id_rule(void **state)
{
	static const struct {
		const char *annotations, *message;
	} cases[] = {
	    {"{\"io.kubernetes.cri.container-type\": \"container\","
	     " \"io.kubernetes.cri.sandbox-id\": \"../../etc\"}",
	     "annotation io.kubernetes.cri.sandbox-id: invalid container id \"../../etc\": only "
	     "letters, digits and _+-. are allowed"},
	    {"{\"io.kubernetes.cri-o.ContainerType\": \"container\","
	     " \"io.kubernetes.cri-o.SandboxID\": \"..\"}",
	     "annotation io.kubernetes.cri-o.SandboxID: invalid container id \"..\""},
	    {"{\"io.kubernetes.docker.type\": \"container\","
	     " \"io.kubernetes.sandbox.id\": \"a/b\"}",
	     "annotation io.kubernetes.sandbox.id: invalid container id \"a/b\""},
	    {"{\"io.kubernetes.cri.container-type\": \"container\","
	     " \"io.kubernetes.cri.sandbox-id\": \"a\\nb\"}",
	     "annotation io.kubernetes.cri.sandbox-id: invalid container id \"a\\x0ab\""},
	};
	char long_id[300];
	cleanup_free char *text = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_container_type_refused(cases[i].annotations, cases[i].message);
	memset(long_id, 'a', 256);
	long_id[256] = '\0';
	assert_true(asprintf(&text,
	                     "{\"io.kubernetes.cri.container-type\": \"container\","
	                     " \"io.kubernetes.cri.sandbox-id\": \"%s\"}",
	                     long_id) > 0);
	expect_container_type_refused(text, "annotation io.kubernetes.cri.sandbox-id: invalid "
	                                    "container id \"aaaa");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_annotation_has_a_valid_case),
	    cmocka_unit_test(valid_values_show_in_the_configuration),
	    cmocka_unit_test(every_bool_spelling_of_go_parsebool),
	    cmocka_unit_test(numbers_are_uint32_decimal_digits),
	    cmocka_unit_test(vcpus_bounded_by_host_cpus),
	    cmocka_unit_test(max_vcpus_bounded_by_qemu),
	    cmocka_unit_test(memory_minimum_is_256_mib),
	    cmocka_unit_test(zero_keeps_slots_and_offset),
	    cmocka_unit_test(msize_9p_must_be_positive),
	    cmocka_unit_test(enums_name_the_value_and_the_choices),
	    cmocka_unit_test(virtio_fs_needs_a_daemon),
	    cmocka_unit_test(shared_fs_is_virtio_fs_only),
	    cmocka_unit_test(max_vcpus_is_at_least_vcpus),
	    cmocka_unit_test(hugepages_and_file_backend_exclude_each_other),
	    cmocka_unit_test(experimental_features_are_known),
	    cmocka_unit_test(kernel_params_append_and_dedupe),
	    cmocka_unit_test(kernel_params_of_256_kib_are_refused_fast),
	    cmocka_unit_test(kernel_params_fill_the_command_line_exactly),
	    cmocka_unit_test(repeated_kernel_params_collapse),
	    cmocka_unit_test(kernel_modules_split_on_semicolons),
	    cmocka_unit_test(extra_args_are_a_json_array),
	    cmocka_unit_test(extra_args_cannot_change_what_is_shared),
	    cmocka_unit_test(asset_hashes_are_sha512),
	    cmocka_unit_test(host_paths_need_enable_annotations),
	    cmocka_unit_test(config_path_annotation_needs_enable),
	    cmocka_unit_test(unknown_keys_are_errors),
	    cmocka_unit_test(other_annotations_pass_through),
	    cmocka_unit_test(empty_string_keeps_the_configured_value),
	    cmocka_unit_test(non_string_annotation_is_an_error),
	    cmocka_unit_test(first_error_is_reported),
	    cmocka_unit_test(cri_container_type_for_every_caller),
	    cmocka_unit_test(cri_errors_name_the_annotation),
	    cmocka_unit_test(cri_sandbox_id_follows_the_id_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
