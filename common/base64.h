/* SPDX-License-Identifier: Apache-2.0 */
/* Standard base64 (RFC 4648, with padding), for byte streams carried in JSON. */
#ifndef HULL_COMMON_BASE64_H
#define HULL_COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'd NUL-terminated string, or NULL when out of memory. */
char *base64_encode(const uint8_t *data, size_t len);

/* Decodes into a malloc'd buffer (*out, *out_len); -1 on invalid input. */
int base64_decode(const char *text, uint8_t **out, size_t *out_len);

#endif
