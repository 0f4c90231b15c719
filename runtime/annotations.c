/* SPDX-License-Identifier: Apache-2.0 */
/* Kata's annotations over the configuration (Kata's addAnnotations). */
#include "runtime/annotations.h"

#include <string.h>

#include "persist/id.h"

/* The CRI callers' keys, in the order Kata looks them up. */
static const char *const container_type_keys[] = {
    "io.kubernetes.cri.container-type",  /* containerd */
    "io.kubernetes.cri-o.ContainerType", /* CRI-O */
    "io.kubernetes.docker.type",         /* dockershim */
};
static const char *const sandbox_id_keys[] = {
    "io.kubernetes.cri.sandbox-id",
    "io.kubernetes.cri-o.SandboxID",
    "io.kubernetes.sandbox.id",
};
static const struct {
	const char *value;
	enum hull_container_type type;
} container_type_values[] = {
    {"sandbox", HULL_CONTAINER_POD_SANDBOX},     /* containerd, CRI-O */
    {"container", HULL_CONTAINER_POD_CONTAINER}, /* all three */
    {"podsandbox", HULL_CONTAINER_POD_SANDBOX},  /* dockershim */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *hull_container_type_name(enum hull_container_type type)
{
	return type == HULL_CONTAINER_POD_CONTAINER ? "pod_container" : "pod_sandbox";
}

/* The setting an io.katacontainers.config.SECTION.KEY annotation names;
 * NULL (with *section_known) when the key is not hull's. */
static const struct hull_setting *setting_of(const char *annotation, bool *section_known)
{
	const char *rest;

	*section_known = false;
	if (strncmp(annotation, HULL_ANNOTATION_CONFIG_PREFIX,
	            strlen(HULL_ANNOTATION_CONFIG_PREFIX)) != 0)
		return NULL;
	rest = annotation + strlen(HULL_ANNOTATION_CONFIG_PREFIX);
	for (int sec = 0; sec < HULL_SECTION_COUNT; sec++) {
		const char *name = hull_section_name(sec);
		size_t n = strlen(name);

		if (strncmp(rest, name, n) == 0 && rest[n] == '.') {
			*section_known = true;
			return hull_setting_find(sec, rest + n + 1);
		}
	}
	return NULL;
}

static int refuse_host_path(const char *annotation, const char *value, const char *name,
                            hull_error_t *err)
{
	return hull_fail(err, 0,
	                 "annotation %s: \"%s\" names a host path or binary, which annotations may "
	                 "not choose unless the configuration file lists \"%s\" in "
	                 "hypervisor.enable_annotations",
	                 annotation, value, name);
}

static int check_config_path(const struct hull_config *cfg, const char *value, hull_error_t *err)
{
	if (!hull_config_annotation_enabled(cfg, "config_path"))
		return refuse_host_path(HULL_ANNOTATION_CONFIG_PATH, value, "config_path", err);
	if (value[0] != '/')
		return hull_fail(err, 0, "annotation %s: \"%s\" is not an absolute path",
		                 HULL_ANNOTATION_CONFIG_PATH, value);
	return 0;
}

static bool is_string_type(enum hull_setting_type type)
{
	return type == HULL_TYPE_STRING || type == HULL_TYPE_PATH || type == HULL_TYPE_HASH;
}

static int apply_one(struct hull_config *cfg, const char *key, const char *value, hull_error_t *err)
{
	const struct hull_setting *s;
	bool section_known;

	if (strcmp(key, HULL_ANNOTATION_ASSET_HASH_TYPE) == 0) {
		if (strcmp(value, "sha512") != 0)
			return hull_fail(err, 0,
			                 "annotation %s: \"%s\" is not supported (supported: "
			                 "sha512)",
			                 key, value);
		return 0;
	}
	if (strcmp(key, HULL_ANNOTATION_CONFIG_PATH) == 0) {
		return check_config_path(cfg, value, err);
	}
	s = setting_of(key, &section_known);
	if (s == NULL) {
		if (section_known)
			return hull_fail(err, 0, "annotation %s: unknown key", key);
		return 0; /* not one of ours: passed through to the container */
	}
	if (!(s->flags & HULL_SET_BY_ANNOTATION))
		return hull_fail(err, 0,
		                 "annotation %s: %s.%s can only be set in the configuration file",
		                 key, hull_section_name(s->section), s->key);
	if ((s->flags & HULL_NAMES_HOST_PATH) && !hull_config_annotation_enabled(cfg, s->key))
		return refuse_host_path(key, value, s->key, err);
	/* As Kata: an empty string leaves the configured value. */
	if (is_string_type(s->type) && value[0] == '\0')
		return 0;
	if (hull_setting_set_text(s, cfg, value, err) < 0)
		return hull_error_prefix(err, "annotation %s", key);
	return 0;
}

int hull_annotations_apply(struct hull_config *cfg, json_t *annotations, hull_error_t *err)
{
	static const char shared_fs_key[] = HULL_ANNOTATION_CONFIG_PREFIX "hypervisor.shared_fs";
	const char *key;
	json_t *value;

	if (annotations == NULL)
		return 0;
	if (!json_is_object(annotations))
		return hull_fail(err, 0, "annotations: expected an object");
	json_object_foreach(annotations, key, value)
	{
		if (!json_is_string(value))
			return hull_fail(err, 0, "annotation %s: expected a string", key);
		if (apply_one(cfg, key, json_string_value(value), err) < 0)
			return -1;
	}
	if (hull_config_check(cfg, err) < 0) {
		value = json_object_get(annotations, shared_fs_key);
		if (value)
			return hull_error_prefix(err, "annotation %s: \"%s\"", shared_fs_key,
			                         json_string_value(value));
		return -1;
	}
	return 0;
}

int hull_annotations_config_path(const struct hull_config *cfg, json_t *annotations,
                                 const char **path, hull_error_t *err)
{
	json_t *value = json_object_get(annotations, HULL_ANNOTATION_CONFIG_PATH);
	const char *v;

	*path = NULL;
	if (value == NULL)
		return 0;
	if (!json_is_string(value))
		return hull_fail(err, 0, "annotation %s: expected a string",
		                 HULL_ANNOTATION_CONFIG_PATH);
	v = json_string_value(value);
	if (check_config_path(cfg, v, err) < 0)
		return -1;
	*path = v;
	return 0;
}

int hull_annotations_container_type(json_t *annotations, const char *container_id,
                                    enum hull_container_type *type, const char **sandbox_id,
                                    hull_error_t *err)
{
	const char *type_key = NULL, *type_value = NULL;

	*type = HULL_CONTAINER_POD_SANDBOX;
	*sandbox_id = container_id;
	for (size_t i = 0; i < ARRAY_SIZE(container_type_keys) && type_key == NULL; i++) {
		json_t *v = json_object_get(annotations, container_type_keys[i]);

		if (v == NULL)
			continue;
		type_key = container_type_keys[i];
		type_value = json_string_value(v);
		if (type_value == NULL)
			return hull_fail(err, 0, "annotation %s: expected a string", type_key);
	}
	if (type_key == NULL)
		return 0; /* no CRI caller: the container is its own sandbox */
	for (size_t i = 0; i < ARRAY_SIZE(container_type_values); i++) {
		if (strcmp(container_type_values[i].value, type_value) == 0) {
			*type = container_type_values[i].type;
			break;
		}
		if (i + 1 == ARRAY_SIZE(container_type_values))
			return hull_fail(err, 0, "annotation %s: unknown container type \"%s\"",
			                 type_key, type_value);
	}
	if (*type == HULL_CONTAINER_POD_SANDBOX)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(sandbox_id_keys); i++) {
		const char *id =
		    json_string_value(json_object_get(annotations, sandbox_id_keys[i]));

		if (id && id[0]) {
			/* it names the sandbox's directory and sockets, as an id does */
			if (hull_id_validate(id, err) < 0)
				return hull_error_prefix(err, "annotation %s", sandbox_id_keys[i]);
			*sandbox_id = id;
			return 0;
		}
	}
	return hull_fail(err, 0,
	                 "annotation %s: \"%s\" needs the sandbox id in %s, %s or %s, and none is "
	                 "set",
	                 type_key, type_value, sandbox_id_keys[0], sandbox_id_keys[1],
	                 sandbox_id_keys[2]);
}
