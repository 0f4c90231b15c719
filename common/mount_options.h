/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI mount options and filesystem types the guest agent honours, in
 * one table, so that the agent translates them and `hull features` can
 * list them.  Linked into the guest agent: no other hull module here.
 */
#ifndef HULL_COMMON_MOUNT_OPTIONS_H
#define HULL_COMMON_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct hull_mount_flag {
	const char *name; /* "nosuid" */
	bool clear;       /* the option clears flag ("suid") rather than sets it */
	unsigned long flag;
};

/* The mount(2) flag options: "ro", "nosuid", "bind", "remount", ... */
extern const struct hull_mount_flag hull_mount_flags[];
extern const size_t hull_mount_flags_count;

/* The propagation options: "private" ... "runbindable". */
extern const struct hull_mount_flag hull_mount_propagations[];
extern const size_t hull_mount_propagations_count;

/* runc's extensions that mean nothing for a fresh mount in the guest. */
extern const char *const hull_mount_ignored[];
extern const size_t hull_mount_ignored_count;

/* The filesystems the guest can mount for a container. */
extern const char *const hull_mount_types[];
extern const size_t hull_mount_types_count;

/* The flag option called name, or NULL. */
const struct hull_mount_flag *hull_mount_flag_find(const char *name);

/* The MS_* propagation (with MS_REC for the r forms) called name, or 0. */
unsigned long hull_mount_propagation_find(const char *name);

bool hull_mount_option_ignored(const char *name);
bool hull_mount_type_known(const char *type);

#endif
