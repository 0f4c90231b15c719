/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull features`: what this runtime supports, in the shape of runc's
 * `features` (runtime-spec's features.md), for callers that probe it.
 * Every list comes from the table the code itself uses: namespaces
 * (common/ns_types.c), capabilities (common/capability.c), seccomp
 * (common/seccomp_names.c), mount options (common/mount_options.c), hooks
 * (common/oci_hooks.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/capability.h"
#include "common/cleanup.h"
#include "common/mount_options.h"
#include "common/ns_types.h"
#include "common/oci_hooks.h"
#include "common/seccomp_names.h"
#include "runtime/commands.h"
#include "runtime/version.h"

static json_t *string_list(const char *const *names)
{
	json_t *a = json_array();

	for (size_t i = 0; names && names[i]; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *mount_options(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < hull_mount_flags_count; i++)
		json_array_append_new(a, json_string(hull_mount_flags[i].name));
	for (size_t i = 0; i < hull_mount_propagations_count; i++)
		json_array_append_new(a, json_string(hull_mount_propagations[i].name));
	return a;
}

static json_t *namespaces(void)
{
	json_t *a = json_array();
	const char *name;

	for (size_t i = 0; (name = hull_ns_type_at(i)) != NULL; i++)
		json_array_append_new(a, json_string(name));
	return a;
}

static json_t *capabilities(void)
{
	json_t *a = json_array();

	for (int cap = 0; cap <= hull_cap_last(); cap++)
		json_array_append_new(a, json_string(hull_cap_name(cap)));
	return a;
}

static json_t *features_json(void)
{
	return json_pack(
	    "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b}, s:{s:b, s:o, s:o, s:o, s:o}, "
	    "s:{s:b}, s:{s:b}}, s:{s:s, s:s}}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks",
	    string_list(hull_hook_kinds), "mountOptions", mount_options(), "linux", "namespaces",
	    namespaces(), "capabilities", capabilities(), "cgroup", "v1", false, "v2", true,
	    "seccomp", "enabled", true, "actions", string_list(hull_seccomp_actions()), "operators",
	    string_list(hull_seccomp_operators()), "archs", string_list(hull_seccomp_archs()),
	    "knownFlags", string_list(hull_seccomp_flags()), "apparmor", "enabled", false,
	    "selinux", "enabled", false, "annotations", "io.hull.version", HULL_VERSION,
	    "io.hull.sandbox", "qemu");
}

int cmd_features(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_json json_t *f = NULL;
	cleanup_free char *text = NULL;

	(void)g;
	(void)argv;
	if (argc != 1)
		return hull_fail(err, 0, "usage: hull features");
	f = features_json();
	text = f ? json_dumps(f, JSON_INDENT(2)) : NULL;
	if (text == NULL)
		return hull_fail(err, 0, "features: cannot encode");
	printf("%s\n", text);
	return 0;
}
