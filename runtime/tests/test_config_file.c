/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's configuration file (runtime/config_file.c) and the settings
 * table behind it (runtime/settings.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "runtime/config_file.h"
#include "runtime/settings.h"

/* Parses text over the defaults; the resolved configuration as JSON or
 * NULL with *err filled. */
static json_t *parse(const char *text, hull_error_t *err)
{
	struct hull_config cfg = {0};
	json_t *out = NULL;

	assert_int_equal(hull_config_init_defaults(&cfg, err), 0);
	if (hull_config_file_parse("/etc/hull/config.json", text, strlen(text), &cfg, err) == 0)
		out = hull_config_to_json(&cfg);
	hull_config_free(&cfg);
	return out;
}

static void expect_error(const char *text, const char *message)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = parse(text, &err);

	if (out != NULL)
		fail_msg("accepted: %s", text);
	if (strcmp(err->msg, message) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", text, err->msg, message);
}

static void settings_table_is_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];

		/* keys are unique across sections: enable_annotations names them */
		assert_ptr_equal(hull_setting_find_any(s->key), s);
		assert_ptr_equal(hull_setting_find(s->section, s->key), s);
		assert_true(s->flags & (HULL_SET_BY_FILE | HULL_SET_BY_ANNOTATION));
		if (s->type == HULL_TYPE_ENUM)
			assert_non_null(s->choices);
		if (s->flags & HULL_NAMES_HOST_PATH)
			assert_int_equal(s->type, HULL_TYPE_PATH);
	}
	assert_null(hull_setting_find(HULL_SECTION_AGENT, "default_vcpus"));
}

static void defaults_without_a_file(void **state)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;

	(void)state;
	if (access(HULL_DEFAULT_CONFIG_PATH, F_OK) == 0)
		skip(); /* this host has a configuration file */
	assert_int_equal(hull_config_file_load(NULL, &cfg, &err), 0);
	out = hull_config_to_json(&cfg);
	assert_string_equal(cfg.hypervisor.path, "/usr/bin/qemu-system-x86_64");
	{
		char kernel[512], initrd[512];

		snprintf(kernel, sizeof(kernel), "%s/vmlinuz", hull_datadir);
		snprintf(initrd, sizeof(initrd), "%s/initrd.img", hull_datadir);
		assert_string_equal(cfg.hypervisor.kernel, kernel);
		assert_string_equal(cfg.hypervisor.initrd, initrd);
	}
	assert_string_equal(cfg.hypervisor.accel, "auto");
	assert_int_equal(cfg.hypervisor.default_vcpus, 1);
	assert_int_equal(cfg.hypervisor.default_memory, 2048);
	assert_string_equal(cfg.hypervisor.machine_type, "q35");
	assert_string_equal(cfg.hypervisor.shared_fs, "virtio-fs");
	assert_string_equal(cfg.hypervisor.virtio_fs_daemon, "/usr/lib/qemu/virtiofsd");
	assert_int_equal(hull_strv_length(cfg.hypervisor.enable_annotations), 0);
	assert_string_equal(cfg.runtime.internetworking_model, "tcfilter");
	assert_string_equal(cfg.runtime.state_root, "/run/hull");
	/* every setting is in the output, under its own key */
	for (size_t i = 0; i < hull_settings_count; i++)
		assert_non_null(json_object_get(
		    json_object_get(out, hull_section_name(hull_settings[i].section)),
		    hull_settings[i].key));
	hull_config_free(&cfg);
}

static void missing_explicit_file_is_an_error(void **state)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(hull_config_file_load("/nonexistent/hull.json", &cfg, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "open /nonexistent/hull.json");
	hull_config_free(&cfg);
}

static void file_overrides_defaults(void **state)
{
	char path[] = "/tmp/hull-config-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] =
	    "{\"hypervisor\": {\"default_vcpus\": 1, \"default_memory\": 512, \"accel\": \"tcg\","
	    " \"kernel_params\": \"console=ttyS0 quiet\", \"enable_annotations\": [\"kernel\", "
	    "\"default_vcpus\"], \"virtio_fs_extra_args\": [\"-o\", \"xattr\"],"
	    " \"initrd\": \"\"},"
	    " \"runtime\": {\"internetworking_model\": \"macvtap\", \"state_root\": \"/tmp/s\","
	    " \"experimental\": [\"hotplug_endpoints\"]},"
	    " \"agent\": {\"kernel_modules\": [\"virtio_net\"], \"enable_tracing\": true}}";
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(hull_config_file_load(path, &cfg, &err), 0);
	unlink(path);
	assert_int_equal(cfg.hypervisor.default_memory, 512);
	assert_string_equal(cfg.hypervisor.accel, "tcg");
	assert_string_equal(cfg.hypervisor.kernel_params[0], "console=ttyS0");
	assert_string_equal(cfg.hypervisor.kernel_params[1], "quiet");
	assert_true(hull_config_annotation_enabled(&cfg, "kernel"));
	assert_false(hull_config_annotation_enabled(&cfg, "initrd"));
	assert_string_equal(cfg.hypervisor.virtio_fs_extra_args[1], "xattr");
	assert_string_equal(cfg.hypervisor.initrd, "");
	assert_string_equal(cfg.runtime.internetworking_model, "macvtap");
	assert_string_equal(cfg.runtime.state_root, "/tmp/s");
	assert_string_equal(cfg.runtime.experimental[0], "hotplug_endpoints");
	assert_string_equal(cfg.agent.kernel_modules[0], "virtio_net");
	assert_true(cfg.agent.enable_tracing);
	/* untouched settings keep their defaults */
	assert_int_equal(cfg.hypervisor.memory_slots, 10);
	hull_config_free(&cfg);
}

static void errors_name_the_key(void **state)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
	    {"{\"hypervisor\": {\"default_vcpu\": 2}}",
	     "/etc/hull/config.json: hypervisor.default_vcpu: unknown key"},
	    {"{\"hypervisors\": {}}", "/etc/hull/config.json: hypervisors: unknown section "
	                              "(expected hypervisor, runtime or agent)"},
	    {"{\"agent\": {\"default_vcpus\": 1}}",
	     "/etc/hull/config.json: agent.default_vcpus: unknown key"},
	    {"[]", "/etc/hull/config.json: expected a JSON object"},
	    {"{\"runtime\": []}", "/etc/hull/config.json: runtime: expected an object"},
	    /* wrong JSON types name the expected type */
	    {"{\"hypervisor\": {\"default_vcpus\": \"2\"}}",
	     "/etc/hull/config.json: hypervisor.default_vcpus: expected an integer"},
	    {"{\"hypervisor\": {\"default_memory\": 1024.5}}",
	     "/etc/hull/config.json: hypervisor.default_memory: expected an integer"},
	    {"{\"hypervisor\": {\"use_vsock\": \"true\"}}",
	     "/etc/hull/config.json: hypervisor.use_vsock: expected true or false"},
	    {"{\"hypervisor\": {\"kernel\": 5}}",
	     "/etc/hull/config.json: hypervisor.kernel: expected a string"},
	    {"{\"hypervisor\": {\"kernel_params\": [\"quiet\"]}}",
	     "/etc/hull/config.json: hypervisor.kernel_params: expected a string"},
	    {"{\"hypervisor\": {\"enable_annotations\": \"kernel\"}}",
	     "/etc/hull/config.json: hypervisor.enable_annotations: expected an array of "
	     "strings"},
	    {"{\"agent\": {\"kernel_modules\": [\"a\", 1]}}",
	     "/etc/hull/config.json: agent.kernel_modules: [1]: expected a string"},
	    /* invalid values: the annotations' validation */
	    {"{\"hypervisor\": {\"default_memory\": 255}}",
	     "/etc/hull/config.json: hypervisor.default_memory: 255 is less than the minimum "
	     "of 256 MiB"},
	    {"{\"hypervisor\": {\"default_memory\": -1}}",
	     "/etc/hull/config.json: hypervisor.default_memory: -1 is out of range (0 to "
	     "4294967295)"},
	    {"{\"hypervisor\": {\"msize_9p\": 4294967296}}",
	     "/etc/hull/config.json: hypervisor.msize_9p: 4294967296 is out of range (0 to "
	     "4294967295)"},
	    {"{\"hypervisor\": {\"msize_9p\": 0}}",
	     "/etc/hull/config.json: hypervisor.msize_9p: 0 is less than the minimum of 1"},
	    {"{\"hypervisor\": {\"accel\": \"hvf\"}}",
	     "/etc/hull/config.json: hypervisor.accel: \"hvf\" is not supported (supported: "
	     "auto, kvm, tcg)"},
	    {"{\"hypervisor\": {\"kernel\": \"vmlinuz\"}}",
	     "/etc/hull/config.json: hypervisor.kernel: \"vmlinuz\" is not an absolute path"},
	    {"{\"hypervisor\": {\"enable_annotations\": [\"kernal\"]}}",
	     "/etc/hull/config.json: hypervisor.enable_annotations: \"kernal\" is not an "
	     "annotation hull knows"},
	    {"{\"hypervisor\": {\"enable_annotations\": [\"accel\"]}}",
	     "/etc/hull/config.json: hypervisor.enable_annotations: \"accel\" is not an "
	     "annotation hull knows"},
	    {"{\"runtime\": {\"experimental\": [\"x\"]}}",
	     "/etc/hull/config.json: runtime.experimental: unknown experimental feature \"x\""},
	    {"{\"runtime\": {\"internetworking_model\": \"bridged\"}}",
	     "/etc/hull/config.json: runtime.internetworking_model: \"bridged\" is not supported "
	     "(supported: tcfilter, macvtap, none)"},
	    {"{\"hypervisor\": {\"shared_fs\": \"virtio-fs\", \"virtio_fs_daemon\": \"\"}}",
	     "/etc/hull/config.json: hypervisor.shared_fs: cannot enable virtio-fs without "
	     "daemon path (hypervisor.virtio_fs_daemon is empty)"},
	    {"{\"hypervisor\": {\"kernel_hash\": \"xyz\"}}",
	     "/etc/hull/config.json: hypervisor.kernel_hash: \"xyz\" is not a SHA-512 hash "
	     "(128 hexadecimal digits)"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, cases[i].message);
}

static void vcpus_in_file_bounded_by_host(void **state)
{
	char text[128], message[160];
	unsigned int cpus = hull_host_cpus();
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;

	(void)state;
	snprintf(text, sizeof(text), "{\"hypervisor\": {\"default_vcpus\": %u}}", cpus + 1);
	snprintf(message, sizeof(message),
	         "/etc/hull/config.json: hypervisor.default_vcpus: %u is more than the %u CPUs of "
	         "this host",
	         cpus + 1, cpus);
	expect_error(text, message);
	snprintf(text, sizeof(text), "{\"hypervisor\": {\"default_vcpus\": %u}}", cpus);
	out = parse(text, &err);
	assert_non_null(out);
	assert_int_equal(json_integer_value(
	                     json_object_get(json_object_get(out, "hypervisor"), "default_vcpus")),
	                 cpus);
}

static void broken_json_names_line_and_column(void **state)
{
	(void)state;
	/* where the error is, not the text there (see below) */
	expect_error("{\n  \"hypervisor\": {\n    \"default_vcpus\": 1,\n  }\n}",
	             "/etc/hull/config.json: line 4 column 3: string or '}' expected");
	expect_error("", "/etc/hull/config.json: line 1 column 0: '[' or '{' expected near end of "
	                 "file");
	expect_error("{\"agent\": {}, \"agent\": {}}",
	             "/etc/hull/config.json: line 1 column 21: duplicate object key");
}

/* The file may be a symbolic link to one that is not JSON (a secret):
 * the error says where, never what is there. */
static void syntax_errors_do_not_echo_the_file(void **state)
{
	static const char *const secrets[] = {
	    "root:$6$s3cr3t:19000:0:99999:7:::\n",
	    "s3cr3t\n",
	    "{\"a\": s3cr3t}",
	    "[1, 2] s3cr3t",
	    "\"s3cr3t",
	    "{\"s3cr3t\xff\": 1}",
	    "{\"a\": \"\x01s3cr3t\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		cleanup_json json_t *out = parse(secrets[i], &err);

		assert_null(out);
		if (strstr(err->msg, "s3cr3t") || strstr(err->msg, "root") ||
		    strstr(err->msg, "0xff") || strstr(err->msg, " near '"))
			fail_msg("the error echoes the file: %s", err->msg);
		assert_true(strncmp(err->msg, "/etc/hull/config.json: line ", 28) == 0);
	}
}

/* A FIFO would block the read for ever: refused at once. */
static void fifo_is_not_read(void **state)
{
	char dir[] = "/tmp/hull-fifo-XXXXXX";
	char path[64], want[128];
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10); /* a blocked open is a failure, not a hang */
	assert_int_equal(hull_config_file_load(path, &cfg, &err), -1);
	alarm(0);
	unlink(path);
	rmdir(dir);
	snprintf(want, sizeof(want), "%s: is a FIFO, not a regular file", path);
	assert_string_equal(err->msg, want);
	hull_config_free(&cfg);
	hull_error_release(&err);
	assert_int_equal(hull_config_file_load("/tmp", &cfg, &err), -1);
	assert_string_equal(err->msg, "/tmp: is a directory, not a regular file");
	hull_config_free(&cfg);
	hull_error_release(&err);
	assert_int_equal(hull_config_file_load("/dev/null", &cfg, &err), -1);
	assert_string_equal(err->msg, "/dev/null: is a character device, not a regular file");
	hull_config_free(&cfg);
}

/* virtiofsd options that change what is shared are refused in the file too. */
static void virtiofsd_args_in_file_are_checked(void **state)
{
	static const char text[] =
	    "{\"hypervisor\": {\"virtio_fs_extra_args\": [\"-o\", \"source=/\"]}}";
	static const char want[] = "/etc/hull/config.json: hypervisor.virtio_fs_extra_args: "
	                           "virtiofsd option \"source=/\" is not allowed: hull chooses "
	                           "what is shared and how";
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = parse(text, &err);

	(void)state;
	assert_null(out);
	if (strncmp(err->msg, want, strlen(want)) != 0)
		fail_msg("got: %s", err->msg);
}

static void bad_explicit_file_names_the_path(void **state)
{
	char path[] = "/tmp/hull-config-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "{\"runtime\": {\"state_root\": 7}}";
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;
	char want[128];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(hull_config_file_load(path, &cfg, &err), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s: runtime.state_root: expected a string", path);
	assert_string_equal(err->msg, want);
	hull_config_free(&cfg);
}

/* `hull config`'s sections are a valid configuration file that resolves
 * to the same settings: the output and the file share one shape. */
static void output_reads_back_as_a_configuration_file(void **state)
{
	struct hull_config cfg = {0}, back = {0};
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL, *again = NULL;
	cleanup_free char *text = NULL;
	static const char custom[] =
	    "{\"hypervisor\": {\"kernel_params\": \"a=1 b\", \"enable_annotations\": [\"kernel\"],"
	    " \"default_memory\": 300}, \"agent\": {\"kernel_modules\": [\"m p=1\"]}}";

	(void)state;
	assert_int_equal(hull_config_init_defaults(&cfg, &err), 0);
	assert_int_equal(hull_config_file_parse("c", custom, strlen(custom), &cfg, &err), 0);
	out = hull_config_to_json(&cfg);
	text = json_dumps(out, 0);
	assert_int_equal(hull_config_init_defaults(&back, &err), 0);
	if (hull_config_file_parse("out", text, strlen(text), &back, &err) < 0)
		fail_msg("%s", err->msg);
	again = hull_config_to_json(&back);
	assert_true(json_equal(out, again));
	hull_config_free(&cfg);
	hull_config_free(&back);
}

/* 28 settings act; 33 are accepted for Kata compatibility and say why
 * they have no effect (docs/configuration.md gives the same numbers). */
static void no_effect_settings_say_why(void **state)
{
	cleanup_json json_t *list = hull_settings_no_effect_json();
	size_t act, no_effect, i;
	json_t *name;
	bool msize = false;

	(void)state;
	hull_settings_count_effect(&act, &no_effect);
	assert_int_equal(act, 28);
	assert_int_equal(no_effect, 33);
	assert_int_equal(act + no_effect, hull_settings_count);
	assert_int_equal(json_array_size(list), no_effect);
	json_array_foreach(list, i, name)
	{
		const char *dot = strchr(json_string_value(name), '.');
		const struct hull_setting *s = hull_setting_find_any(dot + 1);

		assert_non_null(s);
		assert_non_null(s->no_effect);
		assert_true(strlen(s->no_effect) > 10);
		msize |= strcmp(json_string_value(name), "hypervisor.msize_9p") == 0;
		assert_string_not_equal(json_string_value(name), "hypervisor.default_memory");
	}
	assert_true(msize);
}

/* What the log file holds (the log is reopened to an empty file first). */
static char *log_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 4096);

	assert_non_null(f);
	assert_non_null(text);
	assert_true(fread(text, 1, 4095, f) < 4095);
	fclose(f);
	return text;
}

static size_t log_no_effect_of(const char *file_text, const char *log_path)
{
	struct hull_config cfg = {0};
	cleanup_error hull_error_t err = NULL;
	size_t n;

	assert_int_equal(truncate(log_path, 0), 0);
	assert_int_equal(hull_config_init_defaults(&cfg, &err), 0);
	assert_int_equal(hull_config_file_parse("c.json", file_text, strlen(file_text), &cfg, &err),
	                 0);
	n = hull_config_log_no_effect(&cfg);
	hull_config_free(&cfg);
	return n;
}

/* hull create logs one info line per no-effect setting that is not at
 * its default, and nothing for a default value. */
static void no_effect_values_are_logged(void **state)
{
	char path[] = "/tmp/hull-log-XXXXXX";
	int fd = mkstemp(path);
	cleanup_free char *none = NULL, *one = NULL, *two = NULL;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hull_log_init(path, HULL_LOG_TEXT, false, NULL), 0);
	assert_int_equal(log_no_effect_of("{}", path), 0);
	none = log_text(path);
	assert_string_equal(none, "");
	/* set, but to the default: nothing */
	assert_int_equal(log_no_effect_of("{\"hypervisor\": {\"msize_9p\": 8192, "
	                                  "\"default_memory\": 512}}",
	                                  path),
	                 0);
	assert_int_equal(log_no_effect_of("{\"hypervisor\": {\"msize_9p\": 4096}}", path), 1);
	one = log_text(path);
	assert_non_null(strstr(one, "level=info msg=\"hypervisor.msize_9p = 4096 has no effect in "
	                            "hull (accepted for Kata compatibility: hull shares the rootfs "
	                            "over virtio-fs only)\"\n"));
	assert_int_equal(log_no_effect_of("{\"hypervisor\": {\"image\": \"/i.img\"}, "
	                                  "\"agent\": {\"kernel_modules\": [\"virtio_net\"]}}",
	                                  path),
	                 2);
	two = log_text(path);
	assert_non_null(strstr(two, "hypervisor.image = \\\"/i.img\\\" has no effect"));
	assert_non_null(strstr(two, "agent.kernel_modules = [\\\"virtio_net\\\"] has no effect"));
	hull_log_close();
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(settings_table_is_consistent),
	    cmocka_unit_test(defaults_without_a_file),
	    cmocka_unit_test(missing_explicit_file_is_an_error),
	    cmocka_unit_test(file_overrides_defaults),
	    cmocka_unit_test(errors_name_the_key),
	    cmocka_unit_test(vcpus_in_file_bounded_by_host),
	    cmocka_unit_test(broken_json_names_line_and_column),
	    cmocka_unit_test(syntax_errors_do_not_echo_the_file),
	    cmocka_unit_test(fifo_is_not_read),
	    cmocka_unit_test(virtiofsd_args_in_file_are_checked),
	    cmocka_unit_test(bad_explicit_file_names_the_path),
	    cmocka_unit_test(output_reads_back_as_a_configuration_file),
	    cmocka_unit_test(no_effect_settings_say_why),
	    cmocka_unit_test(no_effect_values_are_logged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
