/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull list [--format table|json] [--quiet]`: the containers under the
 * state root, as runc lists them.  A state that cannot be read is shown
 * with status "unknown" and its error (in JSON too), and a warning,
 * rather than hidden or hiding the others.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "persist/store.h"
#include "runtime/commands.h"
#include "runtime/container.h"

/*
 * A sandbox whose state cannot be read (corrupt, incomplete, not a
 * regular file): listed, with status "unknown" and why, never dropped.
 */
static json_t *unknown_json(const char *id, const struct hull_error *why)
{
	cleanup_free char *text = hull_error_text(why);

	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "ociVersion",
	                 "1.2.0", "id", id, "pid", 0, "status", "unknown", "bundle", "", "rootfs",
	                 "", "created", "", "annotations", json_object(), "owner", "", "error",
	                 text ? text : why->msg);
}

int cmd_list(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_free char *root = NULL;
	cleanup_json json_t *all = json_array();
	bool as_json = false, quiet = false;
	char **ids = NULL;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+f:qh", options, NULL)) != -1) {
		if (c == 'f' && strcmp(optarg, "json") == 0)
			as_json = true;
		else if (c == 'f' && strcmp(optarg, "table") == 0)
			as_json = false;
		else if (c == 'f')
			return hull_fail(err, 0, "--format: \"%s\" is not table or json", optarg);
		else if (c == 'q')
			quiet = true;
		else if (c == 'h') {
			printf("usage: hull list [--format table|json] [--quiet]\n");
			return 0;
		} else
			return hull_fail(err, 0,
			                 "usage: hull list [--format table|json] [--quiet]");
	}
	if (optind != argc)
		return hull_fail(err, 0, "usage: hull list [--format table|json] [--quiet]");
	if (container_state_root(g, &root, err) < 0 || hull_state_list(root, &ids, &n, err) < 0)
		return -1;
	if (!as_json && !quiet)
		printf("%-24s %-8s %-9s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	for (size_t i = 0; i < n; i++) {
		cleanup_error hull_error_t one = NULL;
		struct hull_sandbox_state st;
		json_t *j;

		if (quiet) {
			printf("%s\n", ids[i]);
			continue;
		}
		hull_state_init(&st);
		if (hull_state_load(root, ids[i], &st, &one) < 0) {
			log_warning("%s", hull_error_str(one));
			if (as_json)
				json_array_append_new(all, unknown_json(ids[i], one));
			else
				printf("%-24s %-8s %-9s %s\n", ids[i], "-", "unknown",
				       hull_error_str(one));
			hull_state_free(&st);
			continue;
		}
		j = container_state_json(&st);
		if (as_json)
			json_array_append_new(all, j);
		else {
			printf("%-24s %-8lld %-9s %-40s %s\n", ids[i],
			       json_integer_value(json_object_get(j, "pid")),
			       json_string_value(json_object_get(j, "status")),
			       json_string_value(json_object_get(j, "bundle")),
			       json_string_value(json_object_get(j, "created")));
			json_decref(j);
		}
		hull_state_free(&st);
	}
	hull_state_list_free(ids);
	if (as_json) {
		cleanup_free char *text = json_dumps(all, JSON_INDENT(2));

		printf("%s\n", text ? text : "[]");
	}
	return 0;
}
