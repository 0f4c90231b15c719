/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull features`: what this runtime supports, in the shape of runc's
 * `features` (runtime-spec's features.md), for callers that probe it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "runtime/commands.h"
#include "runtime/version.h"

int cmd_features(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_json json_t *f = NULL;
	cleanup_free char *text = NULL;

	(void)g;
	(void)argv;
	if (argc != 1)
		return hull_fail(err, 0, "usage: hull features");
	/* Mount options: what the guest agent translates (vmm/agent/mounts.c). */
	f = json_pack(
	    "{s:s, s:s, s:[], s:[ssssssssssssssssss], s:{s:[sssssss], s:{s:b}, s:{s:b}, s:{s:b}, "
	    "s:{s:b}}, s:{s:s, s:s}}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks", "mountOptions", "ro", "rw",
	    "nosuid", "suid", "nodev", "dev", "noexec", "exec", "relatime", "norelatime",
	    "strictatime", "noatime", "private", "rprivate", "shared", "rshared", "slave", "rslave",
	    "linux", "namespaces", "cgroup", "ipc", "mount", "network", "pid", "user", "uts",
	    "cgroup", "v2", false, "seccomp", "enabled", false, "apparmor", "enabled", false,
	    "selinux", "enabled", false, "annotations", "io.hull.version", HULL_VERSION,
	    "io.hull.sandbox", "qemu");
	text = f ? json_dumps(f, JSON_INDENT(2)) : NULL;
	if (text == NULL)
		return hull_fail(err, 0, "features: cannot encode");
	printf("%s\n", text);
	return 0;
}
