/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The whole conversion (runtime/sandbox_config.c): configuration file +
 * bundle's config.json + annotations -> the resolved JSON `hull config`
 * prints.
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
#include "runtime/sandbox_config.h"

struct fixture {
	char dir[64];   /* the bundle */
	char conf[128]; /* a configuration file */
	char other[128];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/hull-sc-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->conf, sizeof(fx->conf), "%s/rootfs", fx->dir);
	if (mkdir(fx->conf, 0755) < 0)
		return -1;
	snprintf(fx->conf, sizeof(fx->conf), "%s/hull.json", fx->dir);
	snprintf(fx->other, sizeof(fx->other), "%s/other.json", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[192];

	snprintf(path, sizeof(path), "%s/config.json", fx->dir);
	unlink(path);
	unlink(fx->conf);
	unlink(fx->other);
	snprintf(path, sizeof(path), "%s/rootfs", fx->dir);
	if (rmdir(path) < 0)
		unlink(path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A config.json with the given annotations object text. */
static void write_spec(struct fixture *fx, const char *annotations)
{
	char path[192], *text = NULL;

	snprintf(path, sizeof(path), "%s/config.json", fx->dir);
	assert_true(
	    asprintf(&text,
	             "{\"ociVersion\": \"1.2.0\", \"process\": {\"args\": [\"sh\"],"
	             " \"cwd\": \"/\", \"env\": [\"A=1\"]}, \"root\": {\"path\": \"rootfs\"},"
	             " \"hostname\": \"web\", \"linux\": {\"namespaces\": [{\"type\":"
	             " \"network\", \"path\": \"/var/run/netns/n1\"}]},"
	             " \"annotations\": %s}",
	             annotations) > 0);
	write_file(path, text);
	free(text);
}

static json_t *load(struct fixture *fx, const char *root, const char *id, hull_error_t *err)
{
	struct hull_sandbox_options opts = {
	    .config_path = fx->conf, .state_root = root, .bundle = fx->dir, .id = id};
	struct hull_sandbox_config sc = {0};
	json_t *out = NULL;

	if (hull_sandbox_config_load(&opts, &sc, err) == 0)
		out = hull_sandbox_config_to_json(&sc);
	hull_sandbox_config_free(&sc);
	return out;
}

static const char *get(json_t *out, const char *section, const char *key)
{
	return json_string_value(json_object_get(json_object_get(out, section), key));
}

static void resolved_configuration(void **state)
{
	struct fixture *fx = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	json_t *c, *hv;

	write_file(fx->conf, "{\"hypervisor\": {\"kernel_params\": \"quiet\","
	                     " \"enable_annotations\": [\"kernel\"]}}");
	write_spec(fx, "{\"io.katacontainers.config.hypervisor.default_memory\": \"512\","
	               " \"io.katacontainers.config.hypervisor.kernel\": \"/k/vmlinuz\","
	               " \"io.katacontainers.config.hypervisor.kernel_params\": \"debug\","
	               " \"io.katacontainers.config.agent.kernel_modules\": \"nf_tables\","
	               " \"io.kubernetes.cri.container-type\": \"container\","
	               " \"io.kubernetes.cri.sandbox-id\": \"pod-1\","
	               " \"org.example/keep\": \"me\"}");
	out = load(fx, NULL, "c-1", &err);
	if (out == NULL)
		fail_msg("%s", err->msg);
	hv = json_object_get(out, "hypervisor");
	assert_int_equal(json_integer_value(json_object_get(hv, "default_memory")), 512);
	assert_string_equal(get(out, "hypervisor", "kernel"), "/k/vmlinuz");
	assert_string_equal(get(out, "hypervisor", "kernel_params"), "quiet debug");
	assert_string_equal(
	    json_string_value(json_array_get(
	        json_object_get(json_object_get(out, "agent"), "kernel_modules"), 0)),
	    "nf_tables");
	assert_string_equal(get(out, "runtime", "state_root"), "/run/hull");
	c = json_object_get(out, "container");
	assert_string_equal(get(out, "container", "id"), "c-1");
	assert_string_equal(get(out, "container", "type"), "pod_container");
	assert_string_equal(get(out, "container", "sandbox_id"), "pod-1");
	assert_string_equal(get(out, "container", "bundle"), fx->dir);
	assert_non_null(strstr(get(out, "container", "rootfs"), "/rootfs"));
	assert_string_equal(get(out, "container", "hostname"), "web");
	assert_string_equal(get(out, "container", "netns"), "/var/run/netns/n1");
	assert_true(json_is_false(json_object_get(c, "new_netns")));
	assert_false(json_is_true(json_object_get(c, "readonly")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "annotations"),
	                                                      "org.example/keep")),
	                    "me");
	assert_non_null(json_object_get(json_object_get(c, "process"), "args"));
	assert_true(json_is_array(json_object_get(c, "mounts")));
	assert_true(json_is_array(json_object_get(c, "devices")));
	assert_true(json_is_object(json_object_get(c, "resources")));
}

static void root_option_overrides_state_root(void **state)
{
	struct fixture *fx = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;

	write_file(fx->conf, "{\"runtime\": {\"state_root\": \"/var/lib/hull\"}}");
	write_spec(fx, "{}");
	out = load(fx, "/tmp/hull-root", "c", &err);
	assert_non_null(out);
	assert_string_equal(get(out, "runtime", "state_root"), "/tmp/hull-root");
	assert_string_equal(get(out, "container", "type"), "pod_sandbox");
	assert_string_equal(get(out, "container", "sandbox_id"), "c");
	json_decref(out);
	out = load(fx, NULL, "c", &err);
	assert_string_equal(get(out, "runtime", "state_root"), "/var/lib/hull");
}

static void annotation_error_names_the_file(void **state)
{
	struct fixture *fx = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	char want[256];

	write_file(fx->conf, "{}");
	write_spec(fx, "{\"io.katacontainers.config.hypervisor.default_vcpus\": \"abc\"}");
	out = load(fx, NULL, "c", &err);
	assert_null(out);
	snprintf(want, sizeof(want),
	         "%s/config.json: annotation io.katacontainers.config.hypervisor.default_vcpus: "
	         "\"abc\" is not a number",
	         fx->dir);
	assert_string_equal(err->msg, want);
}

static void config_path_annotation_switches_file(void **state)
{
	struct fixture *fx = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	char annotations[256];

	write_file(fx->conf, "{\"hypervisor\": {\"enable_annotations\": [\"config_path\"]}}");
	write_file(fx->other, "{\"hypervisor\": {\"default_memory\": 768}}");
	snprintf(annotations, sizeof(annotations), "{\"io.katacontainers.config_path\": \"%s\"}",
	         fx->other);
	write_spec(fx, annotations);
	out = load(fx, NULL, "c", &err);
	if (out == NULL)
		fail_msg("%s", err->msg);
	assert_int_equal(json_integer_value(
	                     json_object_get(json_object_get(out, "hypervisor"), "default_memory")),
	                 768);
	json_decref(out);
	/* the other file's errors name it */
	write_file(fx->other, "{\"hypervisor\": {\"default_memory\": 1}}");
	out = load(fx, NULL, "c", &err);
	assert_null(out);
	assert_non_null(strstr(err->msg, "annotation io.katacontainers.config_path: "));
	assert_non_null(strstr(err->msg, "other.json: hypervisor.default_memory: 1 is less"));
}

/* root.path "rootfs" a symbolic link to the host's /: refused, naming
 * where it leads; `hull config` and `create` load the bundle this way. */
static void rootfs_link_out_of_the_bundle_is_refused(void **state)
{
	struct fixture *fx = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	char path[192];

	write_file(fx->conf, "{}");
	write_spec(fx, "{}");
	snprintf(path, sizeof(path), "%s/rootfs", fx->dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("/", path), 0);
	out = load(fx, NULL, "c", &err);
	assert_null(out);
	assert_non_null(strstr(err->msg, "/config.json: root.path: \"rootfs\" resolves to /, "
	                                 "outside the bundle "));
}

/* A FIFO as config.json would block every command for ever. */
static void fifo_config_json_is_refused(void **state)
{
	struct fixture *fx = *state;
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *out = NULL;
	char path[192], want[256];

	write_file(fx->conf, "{}");
	snprintf(path, sizeof(path), "%s/config.json", fx->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10); /* a blocked open is a failure, not a hang */
	out = load(fx, NULL, "c", &err);
	alarm(0);
	assert_null(out);
	snprintf(want, sizeof(want), "%s: is a FIFO, not a regular file", path);
	assert_string_equal(err->msg, want);
}

static void missing_bundle(void **state)
{
	struct hull_sandbox_options opts = {.bundle = "/nonexistent/bundle", .id = "x"};
	struct hull_sandbox_config sc = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(hull_sandbox_config_load(&opts, &sc, &err), -1);
	assert_string_equal(err->msg, "bundle /nonexistent/bundle");
	assert_int_equal(err->errnum, ENOENT);
	hull_sandbox_config_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(resolved_configuration, setup, teardown),
	    cmocka_unit_test_setup_teardown(root_option_overrides_state_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(annotation_error_names_the_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(config_path_annotation_switches_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(rootfs_link_out_of_the_bundle_is_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(fifo_config_json_is_refused, setup, teardown),
	    cmocka_unit_test(missing_bundle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
