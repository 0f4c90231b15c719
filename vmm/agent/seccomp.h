/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp of the OCI spec as a filter (libseccomp): default action
 * and errno, architectures, flags, syscall rules with their argument
 * conditions and errno values.  Built in the agent when the container is
 * created, loaded by the container's process just before exec.
 */
#ifndef HULL_VMM_AGENT_SECCOMP_H
#define HULL_VMM_AGENT_SECCOMP_H

#include <jansson.h>

#include "common/error.h"

struct seccomp_plan;

/* seccomp may be NULL (no filter: *out = NULL).  Errors name the field. */
int seccomp_plan_parse(json_t *seccomp, struct seccomp_plan **out, hull_error_t *err);

/* Syscall names this kernel's libseccomp does not know, [name]; borrowed. */
json_t *seccomp_plan_unknown(const struct seccomp_plan *p);

/*
 * In the container's process: installs the filter (p NULL: nothing).  The
 * kernel wants no_new_privs or CAP_SYS_ADMIN; the success path allocates
 * nothing (the program was compiled by seccomp_plan_parse).
 */
int seccomp_plan_load(const struct seccomp_plan *p, hull_error_t *err);

void seccomp_plan_free(struct seccomp_plan *p);

#endif
