/* SPDX-License-Identifier: Apache-2.0 */
/* Fixtures and checks shared by persist/'s unit tests. */
#ifndef HULL_PERSIST_TESTS_HELPERS_H
#define HULL_PERSIST_TESTS_HELPERS_H

#include <stddef.h>

#include "persist/state.h"

/*
 * Fills st (initialised, empty) with a distinctive non-default value in
 * every field: n_endpoints endpoints with IPv4 and IPv6 addresses, routes
 * with gateways, scopes and MTUs, neighbours and setup steps, and two
 * containers with OCI process/mounts/devices.
 */
void persist_fixture_state(struct hull_sandbox_state *st, const char *id, size_t n_endpoints);

/* Asserts (cmocka) that a and b hold the same values, field by field. */
void persist_assert_state_equal(const struct hull_sandbox_state *a,
                                const struct hull_sandbox_state *b);

/* A fresh directory under /tmp, and its recursive removal. */
char *persist_make_root(void);
void persist_remove_root(char *root);

/* The whole file, malloc'd and NUL-terminated; NULL if it cannot be read. */
char *persist_read_file(const char *path, size_t *len);
void persist_write_file(const char *path, const char *text, size_t len);

/* The number of entries in dir other than . and .. */
size_t persist_count_entries(const char *dir);

#endif
