/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp as a filter (see seccomp.h).  The whole program is built
 * when the container is created: libseccomp compiles the rules and the
 * BPF is exported there and then, so every error (a name libseccomp
 * refuses, an action this kernel lacks, a filter too long) is reported
 * synchronously.  The container's process only hands the program to
 * seccomp(2): no libseccomp, no allocation after the fork.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "common/cleanup.h"
#include "common/seccomp_names.h"
#include "vmm/agent/seccomp.h"

struct seccomp_plan {
	struct sock_filter *insns;
	unsigned short n_insns;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
	json_t *unknown;    /* [name]: names libseccomp does not know, skipped */
};

static void cleanup_ctxp(scmp_filter_ctx *ctx)
{
	if (*ctx != NULL)
		seccomp_release(*ctx);
}

static void cleanup_specp(struct hull_seccomp *s)
{
	hull_seccomp_release(s);
}

#define cleanup_ctx __attribute__((cleanup(cleanup_ctxp)))
#define cleanup_spec __attribute__((cleanup(cleanup_specp)))

void seccomp_plan_free(struct seccomp_plan *p)
{
	if (p == NULL)
		return;
	free(p->insns);
	json_decref(p->unknown);
	free(p);
}

json_t *seccomp_plan_unknown(const struct seccomp_plan *p)
{
	return p ? p->unknown : NULL;
}

static int add_archs(scmp_filter_ctx ctx, const struct hull_seccomp *s, hull_error_t *err)
{
	size_t i;
	int rc;

	for (i = 0; i < s->n_archs; i++) {
		rc = seccomp_arch_add(ctx, s->archs[i]);
		/* The native architecture is in the filter from the start. */
		if (rc < 0 && rc != -EEXIST)
			return hull_fail(err, -rc, "linux.seccomp.architectures: add 0x%08x",
			                 s->archs[i]);
	}
	return 0;
}

/*
 * One syscall's rule.  libseccomp takes at most one condition per argument
 * in a rule, so conditions that repeat an index each become a rule of
 * their own (any of them matches), as runc and crun do.
 */
static int add_syscall(scmp_filter_ctx ctx, const struct hull_seccomp_rule *r, int nr)
{
	struct scmp_arg_cmp cmp[6];
	unsigned int seen = 0;
	bool repeated = false;
	size_t k;
	int rc;

	for (k = 0; k < r->n_conds; k++) {
		repeated |= (seen & (1U << r->conds[k].index)) != 0;
		seen |= 1U << r->conds[k].index;
	}
	for (k = 0; k < r->n_conds; k++) {
		struct scmp_arg_cmp c = {.arg = r->conds[k].index,
		                         .op = (enum scmp_compare)r->conds[k].op,
		                         .datum_a = r->conds[k].value,
		                         .datum_b = r->conds[k].value_two};

		if (repeated) {
			rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &c);
			if (rc < 0)
				return rc;
		} else {
			cmp[k] = c;
		}
	}
	if (repeated)
		return 0;
	return seccomp_rule_add_array(ctx, r->action, nr, (unsigned int)r->n_conds, cmp);
}

static int note_unknown(json_t *unknown, const char *name, hull_error_t *err)
{
	size_t i;
	json_t *v;

	json_array_foreach(unknown, i, v)
	{
		if (strcmp(json_string_value(v), name) == 0)
			return 0;
	}
	if (json_array_append_new(unknown, json_string(name)) < 0)
		return hull_fail(err, ENOMEM, "linux.seccomp.syscalls");
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct hull_seccomp *s, json_t *unknown,
                     hull_error_t *err)
{
	size_t i, j;

	for (i = 0; i < s->n_rules; i++) {
		const struct hull_seccomp_rule *r = &s->rules[i];
		json_t *name;

		json_array_foreach(r->names, j, name)
		{
			const char *sys = json_string_value(name);
			int nr = seccomp_syscall_resolve_name(sys), rc;

			/* Skipped as runc and crun do; the host logs the list. */
			if (nr == __NR_SCMP_ERROR) {
				if (note_unknown(unknown, sys, err) < 0)
					return -1;
				continue;
			}
			/* libseccomp refuses a rule that does what the default does. */
			if (r->action == s->default_action)
				continue;
			rc = add_syscall(ctx, r, nr);
			if (rc < 0)
				return hull_fail(err, -rc,
				                 "linux.seccomp.syscalls[%zu].names[%zu]: \"%s\"",
				                 i, j, sys);
		}
	}
	return 0;
}

/* The compiled program, read back through a memfd (libseccomp 2.5 exports to an fd). */
static int export_program(scmp_filter_ctx ctx, struct seccomp_plan *p, hull_error_t *err)
{
	cleanup_close int fd = memfd_create("seccomp", MFD_CLOEXEC);
	struct stat st;
	int rc;

	if (fd < 0)
		return hull_fail(err, errno, "linux.seccomp: memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return hull_fail(err, -rc, "linux.seccomp: compile the filter");
	if (fstat(fd, &st) < 0)
		return hull_fail(err, errno, "linux.seccomp: fstat the filter");
	if (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) != 0)
		return hull_fail(err, 0, "linux.seccomp: libseccomp exported %lld bytes of filter",
		                 (long long)st.st_size);
	if (st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return hull_fail(err, 0,
		                 "linux.seccomp: the filter has %lld instructions, more than the "
		                 "kernel's %d",
		                 (long long)(st.st_size / sizeof(struct sock_filter)),
		                 BPF_MAXINSNS);
	p->insns = malloc(st.st_size);
	if (p->insns == NULL)
		return hull_fail(err, ENOMEM, "linux.seccomp");
	if (pread(fd, p->insns, st.st_size, 0) != st.st_size)
		return hull_fail(err, errno, "linux.seccomp: read the filter back");
	p->n_insns = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

int seccomp_plan_parse(json_t *seccomp, struct seccomp_plan **out, hull_error_t *err)
{
	cleanup_spec struct hull_seccomp spec = {0};
	cleanup_ctx scmp_filter_ctx ctx = NULL;
	struct seccomp_plan *p;

	*out = NULL;
	if (seccomp == NULL || json_is_null(seccomp))
		return 0;
	if (hull_seccomp_read(seccomp, &spec, err) < 0)
		return -1;
	ctx = seccomp_init(spec.default_action);
	if (ctx == NULL)
		return hull_fail(err, 0,
		                 "linux.seccomp.defaultAction: \"%s\" is not supported here",
		                 json_string_value(json_object_get(seccomp, "defaultAction")));
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->unknown = json_array()) == NULL) {
		seccomp_plan_free(p);
		return hull_fail(err, ENOMEM, "linux.seccomp");
	}
	p->flags = spec.flags;
	if (add_archs(ctx, &spec, err) < 0 || add_rules(ctx, &spec, p->unknown, err) < 0 ||
	    export_program(ctx, p, err) < 0) {
		seccomp_plan_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int seccomp_plan_load(const struct seccomp_plan *p, hull_error_t *err)
{
	struct sock_fprog prog;
	long rc;

	if (p == NULL)
		return 0;
	prog.len = p->n_insns;
	prog.filter = p->insns;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	if (rc == 0)
		return 0;
	/* With TSYNC, a thread that cannot take the filter is named instead. */
	if (rc > 0)
		return hull_fail(err, 0, "thread %ld cannot take the filter (TSYNC)", rc);
	/* The kernel takes a filter from a process with either. */
	if (errno == EACCES)
		return hull_fail(err, errno,
		                 "the kernel refused the filter (the process has neither "
		                 "no_new_privs nor CAP_SYS_ADMIN)");
	return hull_fail(err, errno, "the kernel refused the filter (flags 0x%x)", p->flags);
}
