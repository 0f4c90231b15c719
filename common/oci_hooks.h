/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks (runtime-spec config.md, "POSIX-platform Hooks"): config.json's
 * "hooks" object checked, and one kind of them run in order.  Shared by
 * hull on the host (createRuntime, prestart, poststart, poststop) and the
 * guest agent (createContainer, startContainer): docs/hooks.md.
 */
#ifndef HULL_COMMON_OCI_HOOKS_H
#define HULL_COMMON_OCI_HOOKS_H

#include <jansson.h>

#include "common/error.h"

/* The kinds hull runs, NULL-terminated (hull features lists them). */
extern const char *const hull_hook_kinds[];

/*
 * hooks (may be NULL: none): an object whose known kinds are arrays of
 * {"path" (absolute), "args": [string], "env": ["KEY=VALUE"], "timeout":
 * seconds > 0}; other members are ignored, as the spec asks.  Errors name
 * the field: "hooks.poststart[1].path: \"x\" is not an absolute path".
 */
int hull_hooks_check(const json_t *hooks, hull_error_t *err);

/*
 * Runs hooks[kind] (checked) one after the other, each with state (the
 * container's state JSON) on its stdin, its env (the caller's environment
 * when it has none, as runc) and, after timeout seconds, SIGKILL to its
 * process group.  Stops at the first that fails: "createRuntime hook 0
 * (/bin/x): exited with status 1: <its last output>".
 */
int hull_hooks_run(const json_t *hooks, const char *kind, const char *state, hull_error_t *err);

#endif
