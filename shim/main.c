// SPDX-License-Identifier: Apache-2.0
/*
 * containerd-shim-hull-v2: hull as a containerd runtime v2 shim
 * (runtime_type "io.containerd.hull.v2").  See shim/task.h for why hull
 * has a shim of its own, shim/bootstrap.h for how containerd runs it.
 */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "runtime/version.h"
#include "shim/bootstrap.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: containerd-shim-hull-v2 -namespace NS -address SOCKET -id ID "
	             "[-bundle DIR] [-debug] start|delete\n"
	             "containerd runs this program for runtime_type \"io.containerd.hull.v2\";\n"
	             "it runs hull's runc commands for the task (HULL_SHIM_HULL: the hull to run,\n"
	             "default the one next to this program; HULL_SHIM_ROOT: its state, default "
	             "/run/hull-shim).\n");
}

int main(int argc, char **argv)
{
	cleanup_error hull_error_t err = NULL;
	struct shim_args args;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version") ||
	                  !strcmp(argv[1], "-version"))) {
		printf("containerd-shim-hull-v2 (hull %s)\n", HULL_VERSION);
		return 0;
	}
	if (shim_parse_args(argc, argv, &args, &err) < 0) {
		hull_error_print(stderr, err);
		usage(stderr);
		return 1;
	}
	if (!strcmp(args.action, "start"))
		rc = shim_start(&args, &err);
	else if (!strcmp(args.action, "delete"))
		rc = shim_delete(&args, &err);
	else
		rc = hull_fail(&err, 0, "unknown action \"%s\": start or delete", args.action);
	if (rc < 0) {
		hull_error_print(stderr, err);
		return 1;
	}
	return 0;
}
