/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct hull_endpoint (net/endpoint.h) as JSON: addresses, routes and
 * MACs as the text ip(8) prints (common/addr.h), setup steps by name.
 * Part of the state codec (persist/state.c).
 */
#ifndef HULL_PERSIST_ENDPOINT_JSON_H
#define HULL_PERSIST_ENDPOINT_JSON_H

#include <jansson.h>

#include "common/addr.h"
#include "common/error.h"
#include "net/endpoint.h"
#include "persist/json_field.h"

json_t *hull_endpoint_to_json(const struct hull_endpoint *ep, struct hull_jbuild *b);
/* ep must be zeroed; on failure it may hold partial data (hull_endpoint_clear it). */
int hull_endpoint_from_json(const json_t *j, struct hull_endpoint *ep, struct hull_jpath *p,
                            hull_error_t *err);

/* "tap_created", ... for one HULL_STEP_* bit; NULL for an unknown bit. */
const char *hull_endpoint_step_name(unsigned step);

#endif
