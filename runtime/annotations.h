/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kata-compatible annotations in config.json, applied over the
 * configuration, with the validation of Kata's OCI conversion:
 *
 *   io.katacontainers.config.hypervisor.KEY, .runtime.KEY, .agent.KEY
 *       set the setting KEY of runtime/settings.h (if it may be set by an
 *       annotation); a key hull does not know is an error, so a typo is
 *       never silently ignored.  Settings that name a host path or binary
 *       (kernel, path, virtio_fs_daemon, ...) are refused unless the
 *       configuration's hypervisor.enable_annotations lists their key.
 *   io.katacontainers.asset_hash_type   must be "sha512".
 *   io.katacontainers.config_path       another configuration file (only
 *                                       when "config_path" is enabled).
 *
 * Every other annotation is left alone (it is passed through to the
 * container).  Messages name the full annotation key and the value:
 *   annotation io.katacontainers.config.hypervisor.default_vcpus: "abc" is not a number
 */
#ifndef HULL_RUNTIME_ANNOTATIONS_H
#define HULL_RUNTIME_ANNOTATIONS_H

#include <jansson.h>

#include "common/error.h"
#include "runtime/settings.h"

#define HULL_ANNOTATION_CONFIG_PREFIX "io.katacontainers.config."
#define HULL_ANNOTATION_ASSET_HASH_TYPE "io.katacontainers.asset_hash_type"
#define HULL_ANNOTATION_CONFIG_PATH "io.katacontainers.config_path"

/* Applies every io.katacontainers.* annotation of the JSON object
 * annotations (string values) to cfg.  On failure cfg is partly
 * changed: the caller discards it. */
int hull_annotations_apply(struct hull_config *cfg, json_t *annotations, hull_error_t *err);

/* *path = the io.katacontainers.config_path annotation's value (borrowed
 * from annotations), or NULL when absent; an error when present but not
 * enabled by cfg, or not an absolute path. */
int hull_annotations_config_path(const struct hull_config *cfg, json_t *annotations,
                                 const char **path, hull_error_t *err);

enum hull_container_type {
	HULL_CONTAINER_POD_SANDBOX,
	HULL_CONTAINER_POD_CONTAINER,
};

/* "pod_sandbox" or "pod_container", as Kata names them. */
const char *hull_container_type_name(enum hull_container_type type);

/* The container type and sandbox id from the CRI annotations of
 * containerd, CRI-O and dockershim (Kata's ContainerType and SandboxID).
 * Without any, the container is its own sandbox: pod_sandbox, and
 * *sandbox_id = container_id.  *sandbox_id is borrowed from annotations
 * or is container_id. */
int hull_annotations_container_type(json_t *annotations, const char *container_id,
                                    enum hull_container_type *type, const char **sandbox_id,
                                    hull_error_t *err);

#endif
