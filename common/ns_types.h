/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI namespace types (linux.namespaces[].type) and their CLONE_NEW*
 * flags, in one table: config.json's check, the guest agent and
 * `hull features` read it.
 */
#ifndef HULL_COMMON_NS_TYPES_H
#define HULL_COMMON_NS_TYPES_H

#include <stddef.h>

/* CLONE_NEW* of a type name ("pid", "network", ...), 0 when unknown. */
unsigned long hull_ns_flag(const char *type);
/* The type name of a CLONE_NEW* flag, "?" when unknown. */
const char *hull_ns_name(unsigned long flag);
/* The i-th type name, NULL past the last. */
const char *hull_ns_type_at(size_t i);

#endif
