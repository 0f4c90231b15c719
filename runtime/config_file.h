/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's configuration file, /etc/hull/config.json by default:
 *
 *     {"hypervisor": {"default_vcpus": 2, ...}, "runtime": {...}, "agent": {...}}
 *
 * Every key is a setting of runtime/settings.h, with the value in JSON
 * (numbers as integers, booleans as true/false, lists as arrays of
 * strings, kernel_params as one space-separated string).  Unknown
 * sections and keys are errors, so a typo is never silently ignored.
 */
#ifndef HULL_RUNTIME_CONFIG_FILE_H
#define HULL_RUNTIME_CONFIG_FILE_H

#include <stddef.h>

#include "common/error.h"
#include "runtime/settings.h"

#define HULL_DEFAULT_CONFIG_PATH "/etc/hull/config.json"

/* Fills cfg (zeroed by the caller; hull_config_free it even on failure)
 * with the defaults, overlaid by the file at path.  path NULL means the
 * default path, which may be absent (the defaults are then used); a file
 * named explicitly must exist.  Messages start with the file's path:
 * "/etc/hull/config.json: hypervisor.default_vcpu: unknown key". */
int hull_config_file_load(const char *path, struct hull_config *cfg, hull_error_t *err);

/* Overlays cfg (already holding defaults) with the JSON text; name is
 * the file name the messages start with. */
int hull_config_file_parse(const char *name, const char *text, size_t len, struct hull_config *cfg,
                           hull_error_t *err);

#endif
