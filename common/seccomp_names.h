/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp's names (actions, operators, architectures, flags) and its
 * one reader, shared by the host (`hull create` checks the config before
 * booting, `hull features` lists the names) and the guest agent (which
 * builds the filter from what the reader returns).  The values are
 * libseccomp's header constants: nothing here links libseccomp.
 */
#ifndef HULL_COMMON_SECCOMP_NAMES_H
#define HULL_COMMON_SECCOMP_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

/* The names hull supports, each list NULL-terminated (for `hull features`). */
const char *const *hull_seccomp_actions(void);
const char *const *hull_seccomp_operators(void);
const char *const *hull_seccomp_archs(void);
const char *const *hull_seccomp_flags(void);

#define HULL_SECCOMP_MAX_ARCHS 32

/* One args[] entry: op is an enum scmp_compare, index 0-5. */
struct hull_seccomp_cond {
	unsigned int index;
	int op;
	uint64_t value;
	uint64_t value_two;
};

/* syscalls[i], in order: names borrowed from the JSON (an array of strings). */
struct hull_seccomp_rule {
	const json_t *names;
	uint32_t action; /* SCMP_ACT_*, errnoRet included */
	size_t n_conds;
	struct hull_seccomp_cond *conds;
};

struct hull_seccomp {
	uint32_t default_action;
	uint32_t archs[HULL_SECCOMP_MAX_ARCHS]; /* SCMP_ARCH_*, without repeats */
	size_t n_archs;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
	size_t n_rules;
	struct hull_seccomp_rule *rules;
};

/*
 * Reads linux.seccomp (an object) into *out, checking every name and
 * shape; errors name the field.  The JSON must outlive *out.
 */
int hull_seccomp_read(const json_t *seccomp, struct hull_seccomp *out, hull_error_t *err);
void hull_seccomp_release(struct hull_seccomp *s);

/* hull_seccomp_read without the result: for `hull create`.  NULL passes. */
int hull_seccomp_check(const json_t *seccomp, hull_error_t *err);

#endif
