/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp's names and reader (see seccomp_names.h); header constants only. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/seccomp.h>
#include <seccomp.h>

#include "common/seccomp_names.h"

/* What hull answers for SCMP_ACT_NOTIFY and a listener: one message. */
#define NO_AGENT "hull runs no seccomp agent (SCMP_ACT_NOTIFY, listenerPath)"

/*
 * Each table once, as an X-macro: the lookup array and the NULL-terminated
 * name list for `hull features` come from the same lines.
 */
#define NAME_OF(name, value, ...) name,
#define ENTRY_OF(name, value, ...) {name, value, __VA_ARGS__},

/* The errno of ERRNO and TRACE goes in the action's low 16 bits. */
#define ACTIONS(X)                                                                                 \
	X("SCMP_ACT_KILL", SCMP_ACT_KILL, false)                                                   \
	X("SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false)                                   \
	X("SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false)                                     \
	X("SCMP_ACT_TRAP", SCMP_ACT_TRAP, false)                                                   \
	X("SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true)                                               \
	X("SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true)                                               \
	X("SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false)                                                 \
	X("SCMP_ACT_LOG", SCMP_ACT_LOG, false)

#define OPERATORS(X)                                                                               \
	X("SCMP_CMP_NE", SCMP_CMP_NE, 0)                                                           \
	X("SCMP_CMP_LT", SCMP_CMP_LT, 0)                                                           \
	X("SCMP_CMP_LE", SCMP_CMP_LE, 0)                                                           \
	X("SCMP_CMP_EQ", SCMP_CMP_EQ, 0)                                                           \
	X("SCMP_CMP_GE", SCMP_CMP_GE, 0)                                                           \
	X("SCMP_CMP_GT", SCMP_CMP_GT, 0)                                                           \
	X("SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ, 0)

/* The runtime-spec's list, less what the agent's libseccomp (2.5) lacks. */
#define ARCHS(X)                                                                                   \
	X("SCMP_ARCH_X86", SCMP_ARCH_X86, 0)                                                       \
	X("SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, 0)                                                 \
	X("SCMP_ARCH_X32", SCMP_ARCH_X32, 0)                                                       \
	X("SCMP_ARCH_ARM", SCMP_ARCH_ARM, 0)                                                       \
	X("SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, 0)                                               \
	X("SCMP_ARCH_MIPS", SCMP_ARCH_MIPS, 0)                                                     \
	X("SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64, 0)                                                 \
	X("SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32, 0)                                           \
	X("SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL, 0)                                                 \
	X("SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64, 0)                                             \
	X("SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32, 0)                                       \
	X("SCMP_ARCH_PPC", SCMP_ARCH_PPC, 0)                                                       \
	X("SCMP_ARCH_PPC64", SCMP_ARCH_PPC64, 0)                                                   \
	X("SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, 0)                                               \
	X("SCMP_ARCH_S390", SCMP_ARCH_S390, 0)                                                     \
	X("SCMP_ARCH_S390X", SCMP_ARCH_S390X, 0)                                                   \
	X("SCMP_ARCH_PARISC", SCMP_ARCH_PARISC, 0)                                                 \
	X("SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64, 0)                                             \
	X("SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, 0)

/* The flags hull passes to seccomp(2); the last three it refuses by name. */
#define FLAGS(X)                                                                                   \
	X("SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, true)                            \
	X("SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, true)                                \
	X("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, true)                  \
	X("SECCOMP_FILTER_FLAG_NEW_LISTENER", SECCOMP_FILTER_FLAG_NEW_LISTENER, false)             \
	X("SECCOMP_FILTER_FLAG_TSYNC_ESRCH", SECCOMP_FILTER_FLAG_TSYNC_ESRCH, false)               \
	X("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, false)

#define SUPPORTED_FLAG_NAME(name, value, supported) supported ? name : NULL,

struct named {
	const char *name;
	uint32_t value;
	bool extra; /* actions: takes an errno; flags: supported */
};

static const struct named actions[] = {ACTIONS(ENTRY_OF)};
static const struct named operators[] = {OPERATORS(ENTRY_OF)};
static const struct named archs[] = {ARCHS(ENTRY_OF)};
static const struct named flags[] = {FLAGS(ENTRY_OF)};

_Static_assert(sizeof(archs) / sizeof(archs[0]) <= HULL_SECCOMP_MAX_ARCHS, "archs[] too small");

static const char *const action_names[] = {ACTIONS(NAME_OF) NULL};
static const char *const operator_names[] = {OPERATORS(NAME_OF) NULL};
static const char *const arch_names[] = {ARCHS(NAME_OF) NULL};
/* The supported flags come first in FLAGS, so the first NULL ends the list. */
static const char *const flag_names[] = {FLAGS(SUPPORTED_FLAG_NAME) NULL};

const char *const *hull_seccomp_actions(void)
{
	return action_names;
}

const char *const *hull_seccomp_operators(void)
{
	return operator_names;
}

const char *const *hull_seccomp_archs(void)
{
	return arch_names;
}

const char *const *hull_seccomp_flags(void)
{
	return flag_names;
}

#define N(table) (sizeof(table) / sizeof((table)[0]))

/* The table's entry for the string v, or NULL ("what" names the kind in the error). */
static const struct named *lookup(const struct named *table, size_t n, const json_t *v,
                                  const char *field, const char *what, hull_error_t *err)
{
	const char *s = json_string_value(v);
	size_t i;

	if (s == NULL) {
		hull_fail(err, 0, "%s: expected a string", field);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, s) == 0)
			return &table[i];
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		hull_fail(err, 0, "%s: \"%s\" is not supported: " NO_AGENT, field, s);
	else
		hull_fail(err, 0, "%s: \"%s\" is not %s", field, s, what);
	return NULL;
}

/* An optional unsigned integer at most max (missing: *out keeps its value). */
static int read_uint(const json_t *obj, const char *key, const char *field, uint64_t max,
                     uint64_t *out, hull_error_t *err)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return hull_fail(err, 0, "%s.%s: expected an integer from 0 to %llu", field, key,
		                 (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* action_key (required) with its errno (errno_key, default EPERM), as libseccomp's value. */
static int read_action(const json_t *obj, const char *field, const char *action_key,
                       const char *errno_key, uint32_t *out, hull_error_t *err)
{
	char where[128];
	const struct named *a;
	uint64_t errno_ret = EPERM;

	snprintf(where, sizeof(where), "%s.%s", field, action_key);
	if (json_object_get(obj, action_key) == NULL)
		return hull_fail(err, 0, "%s: missing", where);
	a = lookup(actions, N(actions), json_object_get(obj, action_key), where, "a seccomp action",
	           err);
	if (a == NULL)
		return -1;
	if (read_uint(obj, errno_key, field, 0xffff, &errno_ret, err) < 0)
		return -1;
	if (json_object_get(obj, errno_key) != NULL && !a->extra)
		return hull_fail(err, 0, "%s.%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one",
		                 field, errno_key);
	*out = a->extra ? a->value | (uint32_t)errno_ret : a->value;
	return 0;
}

/* A JSON array (or nothing, if optional) as its size; not an array: an error. */
static int array_size(const json_t *obj, const char *key, const char *field, bool required,
                      size_t *n, hull_error_t *err)
{
	const json_t *v = json_object_get(obj, key);

	*n = json_array_size(v);
	if (v == NULL && !required)
		return 0;
	if (!json_is_array(v) || (required && *n == 0))
		return hull_fail(err, 0, "%s.%s: expected a%s array", field, key,
		                 required ? " non-empty" : "n");
	return 0;
}

static int read_archs(const json_t *seccomp, struct hull_seccomp *s, hull_error_t *err)
{
	const json_t *arr = json_object_get(seccomp, "architectures");
	char where[64];
	size_t i, k, n;

	if (array_size(seccomp, "architectures", "linux.seccomp", false, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct named *a;

		snprintf(where, sizeof(where), "linux.seccomp.architectures[%zu]", i);
		a = lookup(archs, N(archs), json_array_get(arr, i), where, "a seccomp architecture",
		           err);
		if (a == NULL)
			return -1;
		for (k = 0; k < s->n_archs && s->archs[k] != a->value; k++)
			;
		if (k == s->n_archs)
			s->archs[s->n_archs++] = a->value;
	}
	return 0;
}

static int read_flags(const json_t *seccomp, struct hull_seccomp *s, hull_error_t *err)
{
	const json_t *arr = json_object_get(seccomp, "flags");
	char where[64];
	size_t i, n;

	if (array_size(seccomp, "flags", "linux.seccomp", false, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct named *f;

		snprintf(where, sizeof(where), "linux.seccomp.flags[%zu]", i);
		f = lookup(flags, N(flags), json_array_get(arr, i), where, "a seccomp flag", err);
		if (f == NULL)
			return -1;
		if (!f->extra)
			return hull_fail(err, 0, "%s: \"%s\" is not supported by hull", where,
			                 f->name);
		s->flags |= f->value;
	}
	return 0;
}

static int read_cond(const json_t *arg, const char *field, struct hull_seccomp_cond *c,
                     hull_error_t *err)
{
	char where[128];
	const struct named *op;
	uint64_t index = 6;

	if (!json_is_object(arg))
		return hull_fail(err, 0, "%s: expected an object", field);
	if (json_object_get(arg, "index") == NULL || json_object_get(arg, "value") == NULL)
		return hull_fail(err, 0, "%s: index and value are required", field);
	if (read_uint(arg, "index", field, 5, &index, err) < 0 ||
	    read_uint(arg, "value", field, UINT64_MAX, &c->value, err) < 0 ||
	    read_uint(arg, "valueTwo", field, UINT64_MAX, &c->value_two, err) < 0)
		return -1;
	snprintf(where, sizeof(where), "%s.op", field);
	if (json_object_get(arg, "op") == NULL)
		return hull_fail(err, 0, "%s: missing", where);
	op = lookup(operators, N(operators), json_object_get(arg, "op"), where,
	            "a seccomp operator", err);
	if (op == NULL)
		return -1;
	c->index = (unsigned int)index;
	c->op = (int)op->value;
	return 0;
}

static int read_rule(const json_t *sc, const char *field, struct hull_seccomp_rule *r,
                     hull_error_t *err)
{
	char where[96];
	size_t j, n;

	if (!json_is_object(sc))
		return hull_fail(err, 0, "%s: expected an object", field);
	if (array_size(sc, "names", field, true, &n, err) < 0)
		return -1;
	r->names = json_object_get(sc, "names");
	for (j = 0; j < n; j++)
		if (!json_is_string(json_array_get(r->names, j)))
			return hull_fail(err, 0, "%s.names[%zu]: expected a string", field, j);
	if (read_action(sc, field, "action", "errnoRet", &r->action, err) < 0)
		return -1;
	if (array_size(sc, "args", field, false, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	r->conds = calloc(n, sizeof(*r->conds));
	if (r->conds == NULL)
		return hull_fail(err, ENOMEM, "%s.args", field);
	for (r->n_conds = 0; r->n_conds < n; r->n_conds++) {
		snprintf(where, sizeof(where), "%s.args[%zu]", field, r->n_conds);
		if (read_cond(json_array_get(json_object_get(sc, "args"), r->n_conds), where,
		              &r->conds[r->n_conds], err) < 0)
			return -1;
	}
	return 0;
}

/* listenerPath and listenerMetadata only serve a seccomp agent, which hull lacks. */
static int refuse_listener(const json_t *seccomp, hull_error_t *err)
{
	static const char *const keys[] = {"listenerPath", "listenerMetadata"};
	size_t i;

	for (i = 0; i < N(keys); i++) {
		const json_t *v = json_object_get(seccomp, keys[i]);

		if (v != NULL && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
			return hull_fail(err, 0, "linux.seccomp.%s: " NO_AGENT, keys[i]);
	}
	return 0;
}

void hull_seccomp_release(struct hull_seccomp *s)
{
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		free(s->rules[i].conds);
	free(s->rules);
	s->rules = NULL;
	s->n_rules = 0;
}

int hull_seccomp_read(const json_t *seccomp, struct hull_seccomp *s, hull_error_t *err)
{
	const json_t *syscalls = json_object_get(seccomp, "syscalls");
	char where[64];
	size_t n;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(seccomp))
		return hull_fail(err, 0, "linux.seccomp: expected an object");
	if (refuse_listener(seccomp, err) < 0 ||
	    read_action(seccomp, "linux.seccomp", "defaultAction", "defaultErrnoRet",
	                &s->default_action, err) < 0 ||
	    read_archs(seccomp, s, err) < 0 || read_flags(seccomp, s, err) < 0 ||
	    array_size(seccomp, "syscalls", "linux.seccomp", false, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	s->rules = calloc(n, sizeof(*s->rules));
	if (s->rules == NULL)
		return hull_fail(err, ENOMEM, "linux.seccomp.syscalls");
	/* n_rules counts the rules begun, so that release frees a partial one. */
	while (s->n_rules < n) {
		snprintf(where, sizeof(where), "linux.seccomp.syscalls[%zu]", s->n_rules);
		s->n_rules++;
		if (read_rule(json_array_get(syscalls, s->n_rules - 1), where,
		              &s->rules[s->n_rules - 1], err) < 0) {
			hull_seccomp_release(s);
			return -1;
		}
	}
	return 0;
}

int hull_seccomp_check(const json_t *seccomp, hull_error_t *err)
{
	struct hull_seccomp s;

	if (seccomp == NULL || json_is_null(seccomp))
		return 0;
	if (hull_seccomp_read(seccomp, &s, err) < 0)
		return -1;
	hull_seccomp_release(&s);
	return 0;
}
