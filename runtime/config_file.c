/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file: defaults overlaid by /etc/hull/config.json. */
#include "runtime/config_file.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/read_file.h"
#include "persist/json_field.h"

static int overlay_section(enum hull_section section, json_t *object, struct hull_config *cfg,
                           hull_error_t *err)
{
	const char *name = hull_section_name(section);
	const char *key;
	json_t *value;

	if (!json_is_object(object))
		return hull_fail(err, 0, "%s: expected an object", name);
	json_object_foreach(object, key, value)
	{
		const struct hull_setting *s = hull_setting_find(section, key);

		if (s == NULL)
			return hull_fail(err, 0, "%s.%s: unknown key", name, key);
		if (!(s->flags & HULL_SET_BY_FILE))
			return hull_fail(err, 0, "%s.%s: cannot be set in the configuration file",
			                 name, key);
		if (hull_setting_set_json(s, cfg, value, err) < 0)
			return hull_error_prefix(err, "%s.%s", name, key);
	}
	return 0;
}

static int overlay(json_t *root, struct hull_config *cfg, hull_error_t *err)
{
	const char *key;
	json_t *value;

	if (!json_is_object(root))
		return hull_fail(err, 0, "expected a JSON object");
	json_object_foreach(root, key, value)
	{
		int section;

		for (section = 0; section < HULL_SECTION_COUNT; section++)
			if (strcmp(key, hull_section_name(section)) == 0)
				break;
		if (section == HULL_SECTION_COUNT)
			return hull_fail(err, 0,
			                 "%s: unknown section (expected hypervisor, runtime "
			                 "or agent)",
			                 key);
		if (overlay_section(section, value, cfg, err) < 0)
			return -1;
	}
	return hull_config_check(cfg, err);
}

int hull_config_file_parse(const char *name, const char *text, size_t len, struct hull_config *cfg,
                           hull_error_t *err)
{
	cleanup_json json_t *root = hull_json_parse(name, text, len, err);

	if (root == NULL)
		return -1;
	if (overlay(root, cfg, err) < 0)
		return hull_error_prefix(err, "%s", name);
	return 0;
}

int hull_config_file_load(const char *path, struct hull_config *cfg, hull_error_t *err)
{
	const char *name = path ? path : HULL_DEFAULT_CONFIG_PATH;
	cleanup_free char *text = NULL;
	size_t len;

	if (hull_config_init_defaults(cfg, err) < 0)
		return -1;
	if (path == NULL && access(name, F_OK) < 0 && errno == ENOENT) {
		log_debug("no %s: using the built-in defaults", name);
		return 0;
	}
	if (hull_read_file(name, &text, &len, err) < 0)
		return -1;
	return hull_config_file_parse(name, text, len, cfg, err);
}
