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

#include <jansson.h>

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
int cmd_pause(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_resume(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_ps(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_update(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_events(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);
int cmd_spec(struct hull_globals *globals, int argc, char **argv, hull_error_t *err);

/*
 * runtime/cmd_runc.c: loads id's state; *root is the state root
 * (malloc'd), *status what `hull state` shows (a static string).
 */
int cmd_container_status(struct hull_globals *globals, const char *id, char **root,
                         const char **status, hull_error_t *err);

/* A signal as runc takes it: a number, or a name with or without SIG, any case. */
int hull_parse_signal(const char *s, int *sig, hull_error_t *err);

/* A size as runc's update takes it: 1024, 512k, 64m, 1g, 1GiB; -1 is unlimited. */
int hull_parse_bytes(const char *s, long long *out, hull_error_t *err);

/*
 * update's arguments (argv[0] is "update"): *id, and *resources the
 * linux.resources object to apply: --resources FILE (or - for stdin)
 * whole, else what the flags set.
 */
int hull_update_resources(int argc, char **argv, const char **id, json_t **resources,
                          hull_error_t *err);

/* runc's stats (types.Stats) from the agent's cgroup_stats() numbers. */
json_t *hull_runc_stats(json_t *stats);

/* A duration as runc's --interval takes it (Go's: 5s, 300ms, 1m30s, 1.5h): *ms, > 0. */
int hull_parse_duration(const char *s, long long *ms, hull_error_t *err);

struct hull_sandbox_state;
/*
 * runtime/cmd_events.c: `hull events ID`, runc's stream: {"type": "oom",
 * "id"} at each OOM kill, {"type": "stats", ...} each interval_ms; 0 when
 * the container stops.  st is the container's loaded state.  ready_line
 * (hull's --ready-line): {"type": "ready", "id"} first, once the monitor
 * has taken the subscription, for a caller that starts the container then.
 */
int hull_events_stream(const char *root, struct hull_sandbox_state *st, const char *id,
                       long long interval_ms, bool ready_line, hull_error_t *err);

/* runtime/cmd_spec.c: runc's example config.json (and ToRootless). */
json_t *hull_example_spec(bool rootless);

/* The table main() dispatches on, NULL-terminated (runtime/main.c). */
extern const struct hull_command hull_commands[];

#endif
