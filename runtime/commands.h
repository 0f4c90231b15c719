/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hull command line: global options and the subcommand handlers that
 * runtime/main.c dispatches to.  A handler parses its own arguments, calls
 * the library and returns 0 (or, for `run`, the container's exit status,
 * which main() exits with), or < 0 with *err filled; only main() prints.
 */
#ifndef HULL_RUNTIME_COMMANDS_H
#define HULL_RUNTIME_COMMANDS_H

#include <stdbool.h>

#include "common/error.h"
#include "common/log.h"

/* Options given before the subcommand, as runc takes them. */
struct hull_globals {
	const char *root;        /* --root: state root; NULL = configuration's */
	const char *config_path; /* --config or $HULL_CONFIG; NULL = default */
	const char *log_path;    /* --log */
	enum hull_log_format log_format;
	bool debug;
	bool systemd_cgroup; /* accepted for runc compatibility */
};

typedef int (*hull_command_fn)(struct hull_globals *globals, int argc, char **argv,
                               hull_error_t *err);

struct hull_command {
	const char *name;
	hull_command_fn run;
	const char *usage;   /* arguments after the command name */
	const char *summary; /* one line for `hull --help` */
};

int cmd_create(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_start(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_run(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_state(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_kill(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_delete(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_exec(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_network(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_list(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_features(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_config(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_check(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);

/* The table main() dispatches on, NULL-terminated (runtime/main.c). */
extern const struct hull_command hull_commands[];

#endif
