/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's capabilities by name, as process.capabilities spells them
 * ("CAP_CHOWN" .. "CAP_CHECKPOINT_RESTORE", <linux/capability.h> of Linux
 * 6.1, the guest's kernel): one table that the host (`hull create` checks
 * the config before booting the VM, `hull features` lists it) and the
 * guest agent (which turns the names into the masks it applies) share.
 */
#ifndef HULL_COMMON_CAPABILITY_H
#define HULL_COMMON_CAPABILITY_H

#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

/* The five sets of process.capabilities, in the order of hull_cap_set_name. */
enum hull_cap_set {
	HULL_CAP_BOUNDING,
	HULL_CAP_EFFECTIVE,
	HULL_CAP_INHERITABLE,
	HULL_CAP_PERMITTED,
	HULL_CAP_AMBIENT,
	HULL_CAP_NSETS,
};

/* "CAP_CHOWN" -> 0; -1 for a name the table does not hold. */
int hull_cap_from_name(const char *name);

/* 0 -> "CAP_CHOWN"; NULL outside 0..hull_cap_last(). */
const char *hull_cap_name(int cap);

/* The highest capability number the table knows (CAP_CHECKPOINT_RESTORE, 40). */
int hull_cap_last(void);

/* "bounding", "effective", "inheritable", "permitted", "ambient". */
const char *hull_cap_set_name(enum hull_cap_set set);

/*
 * process.capabilities (NULL: absent) as five masks, bit n for capability
 * n; an absent set is empty.  Errors name the field:
 *   process.capabilities.bounding[2]: "CAP_BOGUS" is not a capability
 * An effective capability that is not permitted, or an inheritable one
 * outside the bounding set, is refused too: capset(2) would fail with
 * EPERM when the process starts.
 */
int hull_caps_parse(const json_t *capabilities, uint64_t sets[HULL_CAP_NSETS], hull_error_t *err);

/* The same checks, for the host before it boots the VM. */
int hull_caps_check(const json_t *capabilities, hull_error_t *err);

#endif
