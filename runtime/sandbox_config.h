/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A sandbox's resolved configuration: hull's configuration file (or the
 * defaults), the bundle's config.json, and the Kata annotations in it
 * applied over the configuration (Kata's oci.SandboxConfig).  This is
 * what `hull create` starts a VM from and what `hull config` prints.
 */
#ifndef HULL_RUNTIME_SANDBOX_CONFIG_H
#define HULL_RUNTIME_SANDBOX_CONFIG_H

#include <stddef.h>

#include <jansson.h>

#include "common/error.h"
#include "runtime/annotations.h"
#include "runtime/oci_spec.h"
#include "runtime/settings.h"

struct hull_sandbox_options {
	const char *config_path; /* NULL: /etc/hull/config.json, which may be absent */
	const char *state_root;  /* --root; NULL: the configuration's runtime.state_root */
	const char *bundle;      /* the bundle directory; may be relative */
	const char *id;          /* the container id (already validated) */
};

struct hull_sandbox_config {
	struct hull_config config; /* with the annotations applied */
	struct hull_spec spec;
	char *id;
	char *bundle; /* absolute */
	enum hull_container_type type;
	char *sandbox_id; /* the id itself for a pod_sandbox */
};

/* Loads everything; sc must be zeroed; free it even on failure. */
int hull_sandbox_config_load(const struct hull_sandbox_options *opts,
                             struct hull_sandbox_config *sc, hull_error_t *err);

/* The part after the files are read: parses the config.json text
 * (messages start with name), applies its annotations over sc->config
 * (which the caller filled, e.g. with hull_config_init_defaults), finds
 * the container type (a sandbox may join only a network namespace by
 * path) and sizes the VM from linux.resources as Kata does.  bundle must
 * be absolute. */
int hull_sandbox_config_build(struct hull_sandbox_config *sc, const char *name, const char *text,
                              size_t len, const char *bundle, const char *id, hull_error_t *err);

/* {"hypervisor": {...}, "runtime": {...}, "agent": {...}, "container": {...}} */
json_t *hull_sandbox_config_to_json(const struct hull_sandbox_config *sc);

void hull_sandbox_config_free(struct hull_sandbox_config *sc);

#endif
