/* SPDX-License-Identifier: Apache-2.0 */
/* The host's hooks at their points of hull's lifecycle (runtime/hooks.h). */
#include "runtime/hooks.h"

#include <errno.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/oci_hooks.h"
#include "runtime/container.h"

static bool has(const json_t *hooks, const char *kind)
{
	return json_array_size(json_object_get(hooks, kind)) > 0;
}

/* `hull state`'s JSON of id as it is now. */
static json_t *current_state(const char *root, const char *id, hull_error_t *err)
{
	struct hull_sandbox_state st;
	json_t *state = NULL;

	hull_state_init(&st);
	if (container_load(root, id, &st, err) == 0) {
		state = container_state_json(&st);
		if (state == NULL)
			hull_fail(err, ENOMEM, "state of %s", id);
	}
	hull_state_free(&st);
	return state;
}

static int run_kind(const json_t *hooks, const char *kind, const json_t *state, hull_error_t *err)
{
	cleanup_free char *text = NULL;

	if (!has(hooks, kind))
		return 0;
	text = json_dumps(state, JSON_COMPACT);
	if (text == NULL)
		return hull_fail(err, ENOMEM, "%s hooks", kind);
	return hull_hooks_run(hooks, kind, text, err);
}

int hooks_create_runtime(const char *root, const char *id, const json_t *hooks, hull_error_t *err)
{
	cleanup_json json_t *state = NULL;

	if (!has(hooks, "prestart") && !has(hooks, "createRuntime"))
		return 0;
	state = current_state(root, id, err);
	if (state == NULL)
		return -1;
	/* runc's order: the deprecated prestart first, at the same point. */
	if (run_kind(hooks, "prestart", state, err) < 0 ||
	    run_kind(hooks, "createRuntime", state, err) < 0)
		return -1;
	return 0;
}

int hooks_add_guest(json_t *req, const char *root, const char *id, const json_t *hooks,
                    hull_error_t *err)
{
	json_t *guest, *state;

	if (!has(hooks, "createContainer") && !has(hooks, "startContainer"))
		return 0;
	state = current_state(root, id, err);
	if (state == NULL)
		return -1;
	guest =
	    json_pack("{s:O?, s:O?}", "createContainer", json_object_get(hooks, "createContainer"),
	              "startContainer", json_object_get(hooks, "startContainer"));
	if (guest == NULL || json_object_set_new(req, "hooks", guest) < 0 ||
	    json_object_set_new(req, "state", state) < 0)
		return hull_fail(err, ENOMEM, "hooks of %s", id);
	return 0;
}

void hooks_poststart(const char *root, const char *id, const json_t *hooks)
{
	cleanup_error hull_error_t err = NULL;
	cleanup_json json_t *state = NULL;

	if (!has(hooks, "poststart"))
		return;
	state = current_state(root, id, &err);
	if (state == NULL || run_kind(hooks, "poststart", state, &err) < 0)
		log_warning("container %s: %s", id, hull_error_str(err));
}

const json_t *hooks_of_state(const struct hull_sandbox_state *st)
{
	return json_object_get(json_object_get(st->config, "container"), "hooks");
}

void hooks_poststop(const json_t *hooks, const json_t *state)
{
	cleanup_error hull_error_t err = NULL;

	if (run_kind(hooks, "poststop", state, &err) < 0)
		log_warning("container %s: %s", json_string_value(json_object_get(state, "id")),
		            hull_error_str(err));
}
