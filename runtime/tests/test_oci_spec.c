/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json parsing (runtime/oci_spec.c): what is kept, and that every
 * error names the field.  The specs are built from a valid base with one
 * field replaced, so each case shows the one thing that is wrong.
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
#include "runtime/oci_spec.h"

#define SEMVER                                                                                     \
	" (semantic versioning: MAJOR.MINOR.PATCH, numbers without leading zeros and at most "     \
	"4294967295)"

static const char base_spec[] =
    "{\"ociVersion\": \"1.0.2\","
    " \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"true\"], \"env\": [\"PATH=/bin\","
    " \"EMPTY=\", \"EQ=a=b\"], \"cwd\": \"/\", \"terminal\": true,"
    " \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6]},"
    " \"capabilities\": {\"bounding\": [\"CAP_KILL\"]},"
    " \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 512}],"
    " \"noNewPrivileges\": true},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"h\","
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\","
    " \"path\": \"/var/run/netns/cni-1\"}],"
    " \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}],"
    " \"resources\": {\"memory\": {\"limit\": 536870912}}},"
    " \"annotations\": {\"org.example/x\": \"y\"}}";

/* base_spec with the JSON at dotted path set to value (a JSON text), or
 * removed when value is NULL. */
static char *edit(const char *path, const char *value)
{
	cleanup_json json_t *root = json_loads(base_spec, 0, NULL);
	json_t *parent = root;
	char buf[128], *key, *next;

	assert_non_null(root);
	snprintf(buf, sizeof(buf), "%s", path);
	key = buf;
	while ((next = strchr(key, '.')) != NULL) {
		*next = '\0';
		if (json_is_array(parent))
			parent = json_array_get(parent, (size_t)atoi(key));
		else
			parent = json_object_get(parent, key);
		assert_non_null(parent);
		key = next + 1;
	}
	if (value == NULL) {
		json_object_del(parent, key);
	} else {
		json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);

		assert_non_null(v);
		if (json_is_array(parent))
			json_array_set_new(parent, (size_t)atoi(key), v);
		else
			json_object_set_new(parent, key, v);
	}
	return json_dumps(root, 0);
}

static int parse(const char *text, struct hull_spec *spec, hull_error_t *err)
{
	return hull_spec_parse("config.json", text, strlen(text), "/bundles/b1", spec, err);
}

static void base_spec_is_kept(void **state)
{
	struct hull_spec spec = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	if (parse(base_spec, &spec, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(spec.oci_version, "1.0.2");
	assert_string_equal(spec.args[2], "true");
	assert_null(spec.args[3]);
	assert_string_equal(spec.env[2], "EQ=a=b");
	assert_string_equal(spec.cwd, "/");
	assert_int_equal(spec.uid, 1000);
	assert_int_equal(spec.gid, 100);
	assert_int_equal(spec.n_additional_gids, 2);
	assert_int_equal(spec.additional_gids[1], 6);
	assert_true(spec.terminal);
	assert_true(spec.no_new_privileges);
	assert_string_equal(spec.rootfs, "/bundles/b1/rootfs");
	assert_true(spec.readonly);
	assert_string_equal(spec.hostname, "h");
	assert_true(spec.has_netns);
	assert_string_equal(spec.netns_path, "/var/run/netns/cni-1");
	/* OCI-shaped copies for the persisted state */
	assert_int_equal(json_array_size(spec.mounts), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(spec.devices, 0), "path")),
	    "/dev/fuse");
	assert_non_null(json_object_get(spec.resources, "memory"));
	assert_string_equal(json_string_value(json_object_get(spec.annotations, "org.example/x")),
	                    "y");
	assert_string_equal(
	    json_string_value(json_array_get(
	        json_object_get(json_object_get(spec.process, "capabilities"), "bounding"), 0)),
	    "CAP_KILL");
	hull_spec_free(&spec);
}

static void absent_optional_sections(void **state)
{
	static const char minimal[] = "{\"ociVersion\": \"1.2.0\", \"process\": {\"args\": [\"x\"],"
	                              " \"cwd\": \"/\"}, \"root\": {\"path\": \"/abs/./root/\"},"
	                              " \"linux\": {}}";
	struct hull_spec spec = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(parse(minimal, &spec, &err), 0);
	assert_string_equal(spec.rootfs, "/abs/root");
	assert_string_equal(spec.hostname, "");
	assert_false(spec.has_netns);
	assert_null(spec.netns_path);
	assert_null(spec.env[0]);
	assert_int_equal(spec.n_additional_gids, 0);
	assert_true(json_is_array(spec.mounts) && json_array_size(spec.mounts) == 0);
	assert_true(json_is_array(spec.devices));
	assert_true(json_is_object(spec.resources));
	assert_true(json_is_object(spec.annotations));
	hull_spec_free(&spec);
}

static void rootfs_relative_or_absolute(void **state)
{
	static const struct {
		const char *path, *rootfs;
	} cases[] = {
	    {"\"rootfs\"", "/bundles/b1/rootfs"},
	    {"\"./rootfs/\"", "/bundles/b1/rootfs"},
	    {"\"rootfs/../other/.\"", "/bundles/b1/other"},
	    {"\".\"", "/bundles/b1"},
	    {"\"/var/lib/r\"", "/var/lib/r"},
	    {"\"/var/lib/../r/.\"", "/var/r"},
	    {"\"/..\"", "/"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *text = edit("root.path", cases[i].path);
		struct hull_spec spec = {0};
		cleanup_error hull_error_t err = NULL;

		assert_int_equal(parse(text, &spec, &err), 0);
		assert_string_equal(spec.rootfs, cases[i].rootfs);
		hull_spec_free(&spec);
	}
}

/* A relative root.path stays in the bundle: "../../../.." once gave
 * virtiofsd the host's / to share, read-write. */
static void relative_rootfs_outside_the_bundle_is_refused(void **state)
{
	static const char *const escapes[] = {
	    "../../../..", "..", "../b1-sibling", "rootfs/../../x", "./../b1/../x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		cleanup_free char *value = NULL;
		cleanup_free char *text = NULL;
		cleanup_free char *want = NULL;
		struct hull_spec spec = {0};
		cleanup_error hull_error_t err = NULL;

		assert_true(asprintf(&value, "\"%s\"", escapes[i]) > 0);
		text = edit("root.path", value);
		assert_int_equal(parse(text, &spec, &err), -1);
		assert_true(
		    asprintf(&want,
		             "config.json: root.path: \"%s\" is outside the bundle "
		             "/bundles/b1: a relative root.path must stay inside the bundle "
		             "(an absolute one may name any directory)",
		             escapes[i]) > 0);
		assert_string_equal(err->msg, want);
		hull_spec_free(&spec);
	}
}

/* A bundle on disk: dir/config.json with root.path set to root_path. */
static void write_bundle(const char *dir, const char *root_path)
{
	cleanup_free char *value = NULL;
	cleanup_free char *text = NULL;
	char path[256];
	FILE *f;

	assert_true(asprintf(&value, "\"%s\"", root_path) > 0);
	text = edit("root.path", value);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Symbolic links are followed before the check: a relative root.path
 * that leads out of the bundle through one is refused, one that stays in
 * is resolved; an absolute one is the caller's. */
static void rootfs_through_symbolic_links(void **state)
{
	char dir[] = "/tmp/hull-bundle-XXXXXX";
	char path[256], want[512];
	struct hull_spec spec = {0};
	cleanup_error hull_error_t err = NULL;
	cleanup_free char *real = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	real = realpath(dir, NULL);
	assert_non_null(real);
	snprintf(path, sizeof(path), "%s/real", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/inside", dir);
	assert_int_equal(symlink("real", path), 0);
	snprintf(path, sizeof(path), "%s/host", dir);
	assert_int_equal(symlink("/", path), 0);
	snprintf(path, sizeof(path), "%s/etc", dir);
	assert_int_equal(symlink("/etc", path), 0);
	snprintf(path, sizeof(path), "%s/file", dir);
	fclose(fopen(path, "w"));

	write_bundle(dir, "inside");
	if (hull_spec_load(dir, &spec, &err) < 0)
		fail_msg("%s", err->msg);
	snprintf(want, sizeof(want), "%s/real", real);
	assert_string_equal(spec.rootfs, want);
	hull_spec_free(&spec);

	write_bundle(dir, "host");
	assert_int_equal(hull_spec_load(dir, &spec, &err), -1);
	snprintf(want, sizeof(want),
	         "%s/config.json: root.path: \"host\" resolves to /, outside the bundle %s: a "
	         "relative root.path must stay inside the bundle (an absolute one may name any "
	         "directory)",
	         dir, real);
	assert_string_equal(err->msg, want);
	hull_spec_free(&spec);
	hull_error_release(&err);

	/* "etc/.." is the bundle lexically, / once the link is followed */
	write_bundle(dir, "etc/..");
	assert_int_equal(hull_spec_load(dir, &spec, &err), -1);
	assert_non_null(strstr(err->msg, "root.path: \"etc/..\" resolves to /, outside"));
	hull_spec_free(&spec);
	hull_error_release(&err);

	write_bundle(dir, "missing");
	assert_int_equal(hull_spec_load(dir, &spec, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "root.path: \"missing\": "));
	hull_spec_free(&spec);
	hull_error_release(&err);

	write_bundle(dir, "file");
	assert_int_equal(hull_spec_load(dir, &spec, &err), -1);
	assert_int_equal(err->errnum, ENOTDIR);
	hull_spec_free(&spec);
	hull_error_release(&err);

	/* absolute: the caller's choice, as in runc */
	write_bundle(dir, "/");
	assert_int_equal(hull_spec_load(dir, &spec, &err), 0);
	assert_string_equal(spec.rootfs, "/");
	hull_spec_free(&spec);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* config.json may be a symbolic link to a file that is not JSON (a
 * secret): a syntax error says where, never what is there (every kind of
 * syntax error: test_config_file.c). */
static void syntax_errors_do_not_echo_the_file(void **state)
{
	struct hull_spec spec = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(parse("root:$6$s3cr3t:19000:0:99999:7:::\n", &spec, &err), -1);
	assert_string_equal(err->msg, "config.json: line 1 column 4: '[' or '{' expected");
	hull_spec_free(&spec);
}

static void path_clean_like_go(void **state)
{
	static const char *const cases[][2] = {
	    {"/", "/"},         {"//a//b//", "/a/b"}, {"/a/./b/../c", "/a/c"},
	    {"/../../a", "/a"}, {"/a/b/../..", "/"},  {"/a/..b/c", "/a/..b/c"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *clean = hull_path_clean(cases[i][0]);

		assert_string_equal(clean, cases[i][1]);
	}
}

static void env_entries(void **state)
{
	static const struct {
		const char *entry, *name, *value, *error;
	} cases[] = {
	    {"PATH=/bin", "PATH", "/bin", NULL},
	    {"A=b=c", "A", "b=c", NULL},
	    {"EMPTY=", "EMPTY", "", NULL},
	    {"SPACE= x ", "SPACE", " x ", NULL},
	    {"NOEQUALS", NULL, NULL, "\"NOEQUALS\" is not KEY=VALUE"},
	    {"", NULL, NULL, "\"\" is not KEY=VALUE"},
	    {"=value", NULL, NULL, "\"=value\" has an empty variable name"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error hull_error_t err = NULL;
		cleanup_free char *name = NULL, *value = NULL;

		if (cases[i].error == NULL) {
			assert_int_equal(hull_env_split(cases[i].entry, &name, &value, &err), 0);
			assert_string_equal(name, cases[i].name);
			assert_string_equal(value, cases[i].value);
		} else {
			assert_int_equal(hull_env_split(cases[i].entry, &name, &value, &err), -1);
			assert_string_equal(err->msg, cases[i].error);
		}
	}
}

struct error_case {
	const char *path, *value, *message;
};

/* Each case: base_spec with one field changed, and the whole message. */
static const struct error_case error_cases[] = {
    {"ociVersion", NULL, "config.json: missing \"ociVersion\""},
    {"ociVersion", "1", "config.json: ociVersion: expected a string"},
    {"ociVersion", "\"2.0.0\"",
     "config.json: ociVersion: \"2.0.0\" is not supported (hull supports 1.0.x to 1.2.x)"},
    {"ociVersion", "\"0.6.0\"",
     "config.json: ociVersion: \"0.6.0\" is not supported (hull supports 1.0.x to 1.2.x)"},
    {"ociVersion", "\"one\"", "config.json: ociVersion: \"one\" is not a version" SEMVER},
    {"ociVersion", "\"1.0\"", "config.json: ociVersion: \"1.0\" is not a version" SEMVER},
    {"ociVersion", "\"01.2.0\"", "config.json: ociVersion: \"01.2.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.02.0\"", "config.json: ociVersion: \"1.02.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.00\"", "config.json: ociVersion: \"1.2.00\" is not a version" SEMVER},
    {"ociVersion", "\"4294967297.0.0\"",
     "config.json: ociVersion: \"4294967297.0.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.4294967296.0\"",
     "config.json: ociVersion: \"1.4294967296.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.4294967296\"",
     "config.json: ociVersion: \"1.2.4294967296\" is not a version" SEMVER},
    {"ociVersion", "\"99999999999999999999.0.0\"",
     "config.json: ociVersion: \"99999999999999999999.0.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0-\"", "config.json: ociVersion: \"1.2.0-\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0-01\"", "config.json: ociVersion: \"1.2.0-01\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0-rc..1\"",
     "config.json: ociVersion: \"1.2.0-rc..1\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0+\"", "config.json: ociVersion: \"1.2.0+\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0+a_b\"",
     "config.json: ociVersion: \"1.2.0+a_b\" is not a version" SEMVER},
    {"ociVersion", "\" 1.2.0\"", "config.json: ociVersion: \" 1.2.0\" is not a version" SEMVER},
    {"ociVersion", "\"+1.2.0\"", "config.json: ociVersion: \"+1.2.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.-2.0\"", "config.json: ociVersion: \"1.-2.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0 \"", "config.json: ociVersion: \"1.2.0 \" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0-rc.1+\"",
     "config.json: ociVersion: \"1.2.0-rc.1+\" is not a version" SEMVER},
    {"ociVersion", "\"v1.2.0\"", "config.json: ociVersion: \"v1.2.0\" is not a version" SEMVER},
    {"ociVersion", "\"1.2\"", "config.json: ociVersion: \"1.2\" is not a version" SEMVER},
    {"ociVersion", "\"1..0\"", "config.json: ociVersion: \"1..0\" is not a version" SEMVER},
    {"ociVersion", "\"1.2.0.0\"", "config.json: ociVersion: \"1.2.0.0\" is not a version" SEMVER},
    {"process", NULL, "config.json: missing \"process\""},
    {"process", "[]", "config.json: process: expected an object"},
    {"process.args", NULL, "config.json: process: missing \"args\""},
    {"process.args", "[]", "config.json: process.args: must name the program to run"},
    {"process.args", "\"/bin/sh\"", "config.json: process.args: expected an array"},
    {"process.args", "[\"/bin/sh\", 1]", "config.json: process.args[1]: expected a string"},
    {"process.env", "[\"A=1\", \"B\"]", "config.json: process.env[1]: \"B\" is not KEY=VALUE"},
    {"process.env", "[\"=1\"]", "config.json: process.env[0]: \"=1\" has an empty variable name"},
    {"process.env", "[null]", "config.json: process.env[0]: expected a string"},
    {"process.cwd", NULL, "config.json: process: missing \"cwd\""},
    {"process.cwd", "\"tmp\"", "config.json: process.cwd: \"tmp\" is not an absolute path"},
    {"process.user.uid", "\"0\"", "config.json: process.user.uid: expected an integer"},
    {"process.user.uid", "-1",
     "config.json: process.user.uid: -1 is out of range (0 to 4294967295)"},
    {"process.user.gid", "4294967296",
     "config.json: process.user.gid: 4294967296 is out of range (0 to 4294967295)"},
    {"process.user.gid", NULL, "config.json: process.user: missing \"gid\""},
    {"process.user.additionalGids", "[1, \"2\"]",
     "config.json: process.user.additionalGids[1]: expected an integer"},
    {"process.terminal", "\"yes\"", "config.json: process.terminal: expected true or false"},
    {"process.noNewPrivileges", "1",
     "config.json: process.noNewPrivileges: expected true or false"},
    {"process.capabilities.bounding", "[\"SYS_ADMIN\"]",
     "config.json: process.capabilities.bounding[0]: \"SYS_ADMIN\" is not a capability"},
    {"process.capabilities.effective", "[\"CAP_BOGUS\"]",
     "config.json: process.capabilities.effective[0]: \"CAP_BOGUS\" is not a capability"},
    {"process.apparmorProfile", "\"docker-default\"",
     "config.json: process.apparmorProfile: \"docker-default\": the guest kernel enforces no "
     "AppArmor policy (hull features: not enabled); leave it empty"},
    {"process.selinuxLabel", "\"system_u:system_r:container_t:s0\"",
     "config.json: process.selinuxLabel: \"system_u:system_r:container_t:s0\": the guest kernel "
     "enforces no SELinux policy (hull features: not enabled); leave it empty"},
    {"process.capabilities.ambient", "\"CAP_KILL\"",
     "config.json: process.capabilities.ambient: expected an array of strings"},
    {"process.rlimits", "[{\"type\": \"NOFILE\", \"hard\": 1, \"soft\": 1}]",
     "config.json: process.rlimits[0].type: \"NOFILE\" is not an RLIMIT_* name"},
    {"process.rlimits", "[{\"type\": \"RLIMIT_CORE\", \"soft\": 1}]",
     "config.json: process.rlimits[0]: missing \"hard\""},
    {"process.rlimits", "[{\"type\": \"RLIMIT_CORE\", \"hard\": -1, \"soft\": 1}]",
     "config.json: process.rlimits[0].hard: -1 is out of range (0 to 9223372036854775807)"},
    {"root", NULL, "config.json: missing \"root\""},
    {"root.path", "\"\"", "config.json: root.path: must not be empty"},
    {"root.path", "7", "config.json: root.path: expected a string"},
    {"root.readonly", "\"true\"", "config.json: root.readonly: expected true or false"},
    {"hostname", "[]", "config.json: hostname: expected a string"},
    {"mounts", "{}", "config.json: mounts: expected an array"},
    {"mounts.0.destination", "\"proc\"",
     "config.json: mounts[0].destination: \"proc\" is not an absolute path"},
    {"mounts.0.destination", NULL, "config.json: mounts[0]: missing \"destination\""},
    {"mounts.0.options", "[\"ro\", 5]", "config.json: mounts[0].options[1]: expected a string"},
    {"mounts.0.type", "1", "config.json: mounts[0].type: expected a string"},
    {"linux", NULL, "config.json: missing \"linux\" section"},
    {"linux", "\"x\"", "config.json: linux: expected an object"},
    {"linux.namespaces", "[{\"type\": \"net\"}]",
     "config.json: linux.namespaces[0].type: \"net\" is not a namespace type (pid, network, "
     "mount, ipc, uts, user, cgroup, time)"},
    {"linux.namespaces", "[{\"type\": \"pid\"}, {\"type\": \"pid\"}]",
     "config.json: linux.namespaces[1]: namespace \"pid\" is listed twice"},
    {"linux.namespaces", "[{\"type\": \"network\", \"path\": \"netns\"}]",
     "config.json: linux.namespaces[0].path: \"netns\" is not an absolute path"},
    {"linux.sysctl", "{\"vm.swappiness\": \"10\"}",
     "config.json: linux.sysctl: \"vm.swappiness\" is not namespaced; hull refuses it as runc "
     "does"},
    {"linux.sysctl", "{\"kernel.shmmax\": 5}",
     "config.json: linux.sysctl.kernel.shmmax: expected a string"},
    {"linux.sysctl", "{\"kernel.hostname\": \"x\"}",
     "config.json: linux.sysctl: \"kernel.hostname\" needs the container's own UTS namespace, and "
     "the container shares the guest's"},
    {"linux.seccomp", "{\"defaultAction\": \"SCMP_ACT_BOGUS\"}",
     "config.json: linux.seccomp.defaultAction: \"SCMP_ACT_BOGUS\" is not a seccomp action"},
    {"linux.mountLabel", "\"x\"",
     "config.json: linux.mountLabel: \"x\": the guest kernel enforces no SELinux policy (hull "
     "features: not enabled); leave it empty"},
    {"linux.namespaces", "[{\"path\": \"/x\"}]",
     "config.json: linux.namespaces[0]: missing \"type\""},
    {"linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"q\"}]",
     "config.json: linux.devices[0]: device /dev/x: unexpected type \"q\""},
    {"linux.devices", "[{\"path\": \"/dev/x\"}]",
     "config.json: linux.devices[0]: device /dev/x: unexpected type \"\""},
    {"linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"cb\"}]",
     "config.json: linux.devices[0]: device /dev/x: unexpected type \"cb\""},
    {"linux.devices", "[{\"type\": \"c\"}]",
     "config.json: linux.devices[0]: device: path cannot be empty"},
    {"linux.devices", "[{\"type\": \"b\", \"path\": \"\"}]",
     "config.json: linux.devices[0]: device: path cannot be empty"},
    {"linux.devices", "[{\"type\": \"c\", \"path\": \"/dev/x\", \"major\": \"1\"}]",
     "config.json: linux.devices[0].major: expected an integer"},
    {"linux.devices", "[{\"type\": \"c\", \"path\": \"/dev/x\", \"fileMode\": -5}]",
     "config.json: linux.devices[0].fileMode: -5 is out of range (0 to 4294967295)"},
    {"linux.resources", "[]", "config.json: linux.resources: expected an object"},
    {"linux.intelRdt", "{\"closID\": \"guaranteed_group\", \"l3CacheSchema\": \"L3:0=7f0\"}",
     "config.json: linux.intelRdt: the guest has no resctrl (Intel RDT cannot be applied inside "
     "hull's VM); remove it"},
    {"linux.intelRdt", "{}",
     "config.json: linux.intelRdt: the guest has no resctrl (Intel RDT cannot be applied inside "
     "hull's VM); remove it"},
    {"linux.netDevices", "{\"eth1\": {\"name\": \"net1\"}}",
     "config.json: linux.netDevices: moving host network devices into the VM is not supported; "
     "hull gives the sandbox its network through the endpoints of its network namespace"},
    {"linux.memoryPolicy", "{\"mode\": \"MPOL_BIND\", \"nodes\": \"0\"}",
     "config.json: linux.memoryPolicy: hull does not set NUMA memory policies in the guest; "
     "remove it"},
    {"annotations", "[]", "config.json: annotations: expected an object"},
    {"annotations", "{\"a\": \"b\", \"n\": 1}", "config.json: annotations.n: expected a string"},
    {"hooks", "[]", "config.json: hooks: expected an object"},
    {"hooks", "{\"poststart\": {}}", "config.json: hooks.poststart: expected an array"},
    {"hooks", "{\"prestart\": [\"/bin/true\"]}",
     "config.json: hooks.prestart[0]: expected an object"},
    {"hooks", "{\"createRuntime\": [{\"args\": [\"x\"]}]}",
     "config.json: hooks.createRuntime[0].path: missing"},
    {"hooks", "{\"createRuntime\": [{\"path\": 5}]}",
     "config.json: hooks.createRuntime[0].path: expected a string"},
    {"hooks", "{\"poststop\": [{\"path\": \"/a\"}, {\"path\": \"bin/hook\"}]}",
     "config.json: hooks.poststop[1].path: \"bin/hook\" is not an absolute path"},
    {"hooks", "{\"createContainer\": [{\"path\": \"/a\", \"args\": [\"a\", 1]}]}",
     "config.json: hooks.createContainer[0].args[1]: expected a string"},
    {"hooks", "{\"startContainer\": [{\"path\": \"/a\", \"args\": \"a\"}]}",
     "config.json: hooks.startContainer[0].args: expected an array of strings"},
    {"hooks", "{\"poststart\": [{\"path\": \"/a\", \"env\": [\"A=1\", \"B\"]}]}",
     "config.json: hooks.poststart[0].env[1]: \"B\" is not KEY=VALUE"},
    {"hooks", "{\"poststart\": [{\"path\": \"/a\", \"timeout\": 0}]}",
     "config.json: hooks.poststart[0].timeout: expected a number of seconds greater than 0"},
    {"hooks", "{\"poststart\": [{\"path\": \"/a\", \"timeout\": \"5\"}]}",
     "config.json: hooks.poststart[0].timeout: expected a number of seconds greater than 0"},
};

static void errors_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		cleanup_free char *text = edit(c->path, c->value);
		struct hull_spec spec = {0};
		cleanup_error hull_error_t err = NULL;

		if (parse(text, &spec, &err) == 0)
			fail_msg("%s = %s was accepted", c->path, c->value ? c->value : "(none)");
		if (strcmp(err->msg, c->message) != 0)
			fail_msg("%s = %s\n got: %s\nwant: %s", c->path, c->value, err->msg,
			         c->message);
		hull_spec_free(&spec);
	}
}

static void valid_variants(void **state)
{
	static const struct error_case cases[] = {
	    {"ociVersion", "\"1.1.0\"", NULL},
	    {"ociVersion", "\"1.0.0-rc5\"", NULL},
	    {"ociVersion", "\"1.0.0-rc.1+build.5\"", NULL},
	    {"ociVersion", "\"1.2.0+x-y.01\"", NULL},
	    {"ociVersion", "\"1.2.0-0.a-b.10\"", NULL},
	    {"ociVersion", "\"1.0.4294967295\"", NULL},
	    {"ociVersion", "\"1.3.0\"", NULL}, /* newer minor: a warning only */
	    {"linux.devices",
	     "[{\"type\": \"p\", \"path\": \"/dev/fifo\"}, {\"type\": \"u\","
	     " \"path\": \"/dev/u\", \"major\": 1, \"minor\": 3, \"uid\": 0}]",
	     NULL},
	    {"linux.namespaces", "[{\"type\": \"network\"}]", NULL},
	    {"linux.netDevices", "{}", NULL}, /* moves nothing */
	    {"linux.intelRdt", "null", NULL},
	    {"process.user", NULL, NULL},
	    {"hostname", "null", NULL},
	    {"process.unknownField", "{\"anything\": 1}", NULL},
	    {"hooks", "{}", NULL},
	    {"hooks", "null", NULL},
	    {"hooks", "{\"poststart\": null, \"futureKind\": [1]}", NULL}, /* unknown: ignored */
	    {"hooks",
	     "{\"createRuntime\": [{\"path\": \"/bin/h\", \"args\": [\"h\", \"-x\"],"
	     " \"env\": [\"A=b=c\"], \"timeout\": 5}], \"prestart\": [], \"poststop\": "
	     "[{\"path\": \"/p\", \"timeout\": null}]}",
	     NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *text = edit(cases[i].path, cases[i].value);
		struct hull_spec spec = {0};
		cleanup_error hull_error_t err = NULL;

		if (parse(text, &spec, &err) < 0)
			fail_msg("%s = %s: %s", cases[i].path, cases[i].value, err->msg);
		if (strcmp(cases[i].path, "hooks") == 0 && strcmp(cases[i].value, "null") != 0)
			assert_true(json_is_object(spec.hooks)); /* kept for where they run */
		if (strcmp(cases[i].path, "linux.namespaces") == 0) {
			assert_true(spec.has_netns);
			assert_null(spec.netns_path);
		}
		hull_spec_free(&spec);
	}
}

/*
 * A namespace named by path parses (a pod's app container names its
 * sandbox's), but a sandbox may name only its network namespace so.
 */
static void a_sandbox_joins_no_host_namespace_but_the_network(void **state)
{
	cleanup_free char *ipc =
	    edit("linux.namespaces", "[{\"type\": \"network\", \"path\": \"/run/netns/n1\"},"
	                             " {\"type\": \"ipc\", \"path\": \"/proc/1/ns/ipc\"}]");
	cleanup_free char *net =
	    edit("linux.namespaces", "[{\"type\": \"network\", \"path\": \"/run/netns/n1\"}]");
	cleanup_error hull_error_t err = NULL;
	struct hull_spec spec = {0};

	(void)state;
	if (parse(ipc, &spec, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(hull_spec_check_sandbox_namespaces(&spec, &err), -1);
	assert_string_equal(err->msg,
	                    "linux.namespaces[1].path: /proc/1/ns/ipc: a sandbox cannot "
	                    "join the host's ipc namespace; only \"network\" may name one "
	                    "by path");
	hull_spec_free(&spec);
	if (parse(net, &spec, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(hull_spec_check_sandbox_namespaces(&spec, &err), 0);
	hull_spec_free(&spec);
}

static void broken_json_names_line_and_column(void **state)
{
	struct hull_spec spec = {0};
	cleanup_error hull_error_t err = NULL;

	(void)state;
	assert_int_equal(parse("{\"ociVersion\": \"1.0.0\",\n\"process\": }", &spec, &err), -1);
	assert_string_equal(err->msg, "config.json: line 2 column 12: unexpected token");
	hull_spec_free(&spec);
}

static void load_reads_bundle_config(void **state)
{
	char dir[] = "/tmp/hull-bundle-XXXXXX";
	char path[64];
	struct hull_spec spec = {0};
	cleanup_error hull_error_t err = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(hull_spec_load(dir, &spec, &err), -1);
	snprintf(path, sizeof(path), "open %s/config.json", dir);
	assert_string_equal(err->msg, path);
	hull_error_release(&err);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(base_spec, f);
	fclose(f);
	/* root.path "rootfs" must be there */
	assert_int_equal(hull_spec_load(dir, &spec, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	hull_spec_free(&spec);
	hull_error_release(&err);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(hull_spec_load(dir, &spec, &err), 0);
	assert_non_null(strstr(spec.rootfs, dir));
	hull_spec_free(&spec);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(base_spec_is_kept),
	    cmocka_unit_test(absent_optional_sections),
	    cmocka_unit_test(rootfs_relative_or_absolute),
	    cmocka_unit_test(relative_rootfs_outside_the_bundle_is_refused),
	    cmocka_unit_test(rootfs_through_symbolic_links),
	    cmocka_unit_test(syntax_errors_do_not_echo_the_file),
	    cmocka_unit_test(path_clean_like_go),
	    cmocka_unit_test(env_entries),
	    cmocka_unit_test(errors_name_the_field),
	    cmocka_unit_test(valid_variants),
	    cmocka_unit_test(a_sandbox_joins_no_host_namespace_but_the_network),
	    cmocka_unit_test(broken_json_names_line_and_column),
	    cmocka_unit_test(load_reads_bundle_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
