/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How containerd runs a shim binary (runtime v2): `containerd-shim-hull-v2
 * -namespace NS -address SOCK -publish-binary BIN -id ID start` in the
 * bundle directory starts the shim's daemon and prints the address of its
 * ttrpc socket; `... -id ID -bundle DIR delete` cleans up after a shim
 * that died, printing a DeleteResponse.
 */
#ifndef HULL_SHIM_BOOTSTRAP_H
#define HULL_SHIM_BOOTSTRAP_H

#include <stdbool.h>

#include "common/error.h"
#include "shim/hull_command.h"

struct shim_args {
	const char *ns;
	const char *address;
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *action; /* "start", "delete" */
	bool debug;
};

/* Parses containerd's Go-style flags (-flag value or -flag=value, - or --). */
int shim_parse_args(int argc, char **argv, struct shim_args *args, hull_error_t *err);

/*
 * Where things are, from the environment: HULL_SHIM_HULL (the hull to run;
 * default the hull next to the shim, else hull on PATH), HULL_SHIM_ROOT
 * (default /run/hull-shim): hull's --root is ROOT/NAMESPACE, and the shim's
 * own files (socket, console sockets, pid files, hull's log) are in
 * ROOT/s/<hash of namespace and id>.
 */
int shim_locate(const struct shim_args *args, struct hull_runner *runner, char **state_dir,
                hull_error_t *err);

int shim_start(const struct shim_args *args, hull_error_t *err);
int shim_delete(const struct shim_args *args, hull_error_t *err);

#endif
