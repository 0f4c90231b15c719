/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime spec's config.json (runtime-spec 1.0 to 1.2), parsed
 * and checked with jansson.  What hull reads is also kept in typed
 * fields; process, mounts, devices, namespaces, resources and annotations
 * are kept as OCI-shaped JSON too, as the persisted state stores them.
 *
 * Messages name the field: "config.json: process.user.uid: expected an
 * integer", "config.json: missing \"linux\" section".  Properties hull
 * does not read are ignored, as the spec requires.
 */
#ifndef HULL_RUNTIME_OCI_SPEC_H
#define HULL_RUNTIME_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

struct hull_spec {
	char *oci_version;
	/* process */
	char **args; /* NULL-terminated, at least one */
	char **env;  /* "KEY=VALUE" as given; each checked by hull_env_split */
	char *cwd;   /* absolute */
	uint32_t uid;
	uint32_t gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool terminal;
	bool no_new_privileges;
	/* root */
	char *rootfs;    /* absolute and clean: root.path, relative to the bundle */
	char *root_path; /* root.path as written */
	bool readonly;
	char *hostname;   /* "" when absent */
	char *domainname; /* "" when absent */
	/* linux.namespaces */
	bool has_netns;   /* a "network" namespace entry */
	char *netns_path; /* its path; NULL when a new one is wanted */
	/* OCI-shaped, owned; mounts/devices/namespaces are arrays and
	 * resources/annotations objects, empty when absent. */
	json_t *process;
	json_t *linux_; /* the whole "linux" object, for the guest agent */
	json_t *mounts;
	json_t *devices;
	json_t *namespaces;
	json_t *resources;
	json_t *annotations;
	json_t *hooks; /* checked (common/oci_hooks.h); NULL when absent */
};

/* Parses config.json text; messages start with name.  bundle (absolute)
 * is where a relative root.path is found; one that leads outside it
 * ("../..") is refused.  spec must be zeroed; free it even on failure. */
int hull_spec_parse(const char *name, const char *text, size_t len, const char *bundle,
                    struct hull_spec *spec, hull_error_t *err);

/*
 * A relative root.path followed through symbolic links: it must name a
 * directory inside the bundle (itself followed through links), which
 * spec->rootfs then names without links.  An absolute root.path is the
 * caller's choice, as in runc, and is left as it is.
 */
int hull_spec_resolve_rootfs(struct hull_spec *spec, const char *bundle, hull_error_t *err);

/* Reads, parses and resolves BUNDLE/config.json (bundle absolute);
 * messages start with the file's path. */
int hull_spec_load(const char *bundle, struct hull_spec *spec, hull_error_t *err);

void hull_spec_free(struct hull_spec *spec);

/*
 * A sandbox (a VM of its own) cannot join namespaces of the host: only the
 * network namespace may be named by path.  (A pod's app containers name
 * their sandbox's, which runtime/pod.c maps into the guest.)
 */
int hull_spec_check_sandbox_namespaces(const struct hull_spec *spec, hull_error_t *err);

/* Splits "KEY=VALUE" at the first '='.  No '=' or an empty KEY is an
 * error naming the entry.  The value is kept as is (may be empty). */
int hull_env_split(const char *entry, char **name, char **value, hull_error_t *err);

/* Go's filepath.Clean for an absolute path: no "//", ".", "..", or
 * trailing '/'.  malloc'd, NULL when out of memory. */
char *hull_path_clean(const char *path);

/* path made absolute against the working directory, and clean. */
int hull_path_absolute(const char *path, char **out, hull_error_t *err);

#endif
