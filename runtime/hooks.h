/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where hull runs config.json's hooks (docs/hooks.md): prestart and
 * createRuntime in the monitor once the VM is up, before the container is
 * made in it; createContainer and startContainer in the guest (sent with
 * create_container); poststart in the monitor after start; poststop at
 * delete, once the sandbox is gone.  Each gets `hull state`'s JSON.
 */
#ifndef HULL_RUNTIME_HOOKS_H
#define HULL_RUNTIME_HOOKS_H

#include <jansson.h>

#include "common/error.h"
#include "persist/state.h"

/*
 * prestart then createRuntime, with the state of id (under root) as it is
 * now ("creating"); the first failure is the error.
 */
int hooks_create_runtime(const char *root, const char *id, const json_t *hooks, hull_error_t *err);

/*
 * Adds the guest's hooks (createContainer, startContainer) to a
 * create_container request, with the state they get; nothing when there
 * are none.
 */
int hooks_add_guest(json_t *req, const char *root, const char *id, const json_t *hooks,
                    hull_error_t *err);

/* poststart: a failure is a warning, the container keeps running (runtime-spec). */
void hooks_poststart(const char *root, const char *id, const json_t *hooks);

/* The hooks the state keeps (its configuration's container.hooks), or NULL. */
const json_t *hooks_of_state(const struct hull_sandbox_state *st);

/* poststop with state (borrowed): a failure is a warning, delete goes on. */
void hooks_poststop(const json_t *hooks, const json_t *state);

#endif
