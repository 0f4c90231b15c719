/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct hull_endpoint (net/endpoint.h) as JSON: addresses, routes and
 * MACs as the text ip(8) prints, setup steps by name.  Part of the state
 * codec (persist/state.c); the text forms are public because net/ and
 * the tools print endpoints the same way.
 */
#ifndef HULL_PERSIST_ENDPOINT_JSON_H
#define HULL_PERSIST_ENDPOINT_JSON_H

#include <jansson.h>

#include "common/error.h"
#include "net/endpoint.h"
#include "persist/json_field.h"

/* Longest "ffff:...:ffff/128" plus NUL. */
#define HULL_ADDR_TEXT_MAX 64

json_t *hull_endpoint_to_json(const struct hull_endpoint *ep, struct hull_jbuild *b);
/* ep must be zeroed; on failure it may hold partial data (hull_endpoint_clear it). */
int hull_endpoint_from_json(const json_t *j, struct hull_endpoint *ep, struct hull_jpath *p,
                            hull_error_t *err);

/* "aa:bb:cc:dd:ee:ff" (lowercase) <-> 6 bytes; parse returns -1 on bad text. */
void hull_mac_format(const uint8_t mac[6], char out[18]);
int hull_mac_parse(const char *text, uint8_t mac[6]);

/* "10.0.0.2/24", "fd00::2/64"; parse returns -1 on bad text. */
void hull_prefix_format(int family, const uint8_t *addr, unsigned prefix_len,
                        char out[HULL_ADDR_TEXT_MAX]);
int hull_prefix_parse(const char *text, int *family, uint8_t addr[16], uint8_t *prefix_len);
/* A plain address, no prefix. */
int hull_ip_parse(const char *text, int *family, uint8_t addr[16]);

/* "tap_created", ... for one HULL_STEP_* bit; NULL for an unknown bit. */
const char *hull_endpoint_step_name(unsigned step);

#endif
