/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources.devices as a BPF_PROG_TYPE_CGROUP_DEVICE program, built
 * instruction by instruction (no libbpf: the agent is static) and attached
 * to the container's cgroup.  The rules' semantics are in cgroup.h.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "vmm/agent/cgroup.h"

#define FIELD "linux.resources.devices"
#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/*
 * What every container may use whatever its rules say (runc's list, which
 * crun shares less /dev/net/tun): containerd's default spec denies all and
 * counts on the runtime to add these.
 */
static const struct cgroup_dev_rule default_rules[] = {
    {1, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD},
    {1, 'b', -1, -1, BPF_DEVCG_ACC_MKNOD},
    {1, 'c', 1, 3, ACC_ALL},
    {1, 'c', 1, 5, ACC_ALL},
    {1, 'c', 1, 7, ACC_ALL},
    {1, 'c', 1, 8, ACC_ALL},
    {1, 'c', 1, 9, ACC_ALL},
    {1, 'c', 5, 0, ACC_ALL},
    {1, 'c', 5, 1, ACC_ALL},
    {1, 'c', 5, 2, ACC_ALL},
    {1, 'c', 136, -1, ACC_ALL},
};

static int rule_number(json_t *rule, const char *key, size_t i, long long *out, hull_error_t *err)
{
	json_t *v = json_object_get(rule, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < -1 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return hull_fail(err, 0, FIELD "[%zu].%s: expected -1 (any) or 0 to %u", i, key,
		                 UINT32_MAX);
	*out = json_integer_value(v);
	return 0;
}

static int parse_rule(json_t *rule, size_t i, struct cgroup_dev_rule *r, hull_error_t *err)
{
	const char *key, *type = "a", *access = "rwm";
	json_t *v;

	if (!json_is_object(rule))
		return hull_fail(err, 0, FIELD "[%zu]: expected an object", i);
	json_object_foreach(rule, key, v)
	{
		if (strcmp(key, "allow") != 0 && strcmp(key, "type") != 0 &&
		    strcmp(key, "major") != 0 && strcmp(key, "minor") != 0 &&
		    strcmp(key, "access") != 0)
			return hull_fail(err, 0, FIELD "[%zu].%s: hull does not know this field", i,
			                 key);
	}
	v = json_object_get(rule, "allow");
	if (!json_is_boolean(v))
		return hull_fail(err, 0, FIELD "[%zu].allow: expected true or false", i);
	r->allow = json_is_true(v);
	v = json_object_get(rule, "type");
	if (v && !json_is_null(v) && (type = json_string_value(v)) == NULL)
		return hull_fail(err, 0, FIELD "[%zu].type: expected a string", i);
	if (strcmp(type, "a") != 0 && strcmp(type, "b") != 0 && strcmp(type, "c") != 0)
		return hull_fail(err, 0, FIELD "[%zu].type: \"%s\" is not a, b or c", i, type);
	r->type = type[0];
	if (rule_number(rule, "major", i, &r->major, err) < 0 ||
	    rule_number(rule, "minor", i, &r->minor, err) < 0)
		return -1;
	v = json_object_get(rule, "access");
	if (v && !json_is_null(v) && (access = json_string_value(v)) == NULL)
		return hull_fail(err, 0, FIELD "[%zu].access: expected a string", i);
	/* "" asks for nothing, so the rule matches nothing (as in runc). */
	r->access = 0;
	for (const char *c = access; *c; c++) {
		if (*c == 'm')
			r->access |= BPF_DEVCG_ACC_MKNOD;
		else if (*c == 'r')
			r->access |= BPF_DEVCG_ACC_READ;
		else if (*c == 'w')
			r->access |= BPF_DEVCG_ACC_WRITE;
		else
			return hull_fail(
			    err, 0, FIELD "[%zu].access: \"%s\" is not made of r, w, m", i, access);
	}
	return 0;
}

int cgroup_devices_parse(json_t *devices, struct cgroup_dev_rule **rules, size_t *n,
                         hull_error_t *err)
{
	cleanup_free struct cgroup_dev_rule *r = NULL;
	size_t i, count = json_array_size(devices);

	if (!json_is_array(devices))
		return hull_fail(err, 0, FIELD ": expected an array");
	r = calloc(count + 1, sizeof(*r));
	if (r == NULL)
		return hull_fail(err, ENOMEM, FIELD);
	for (i = 0; i < count; i++)
		if (parse_rule(json_array_get(devices, i), i, &r[i], err) < 0)
			return -1;
	*rules = steal_pointer(&r);
	*n = count;
	return 0;
}

/* The program under construction. */
struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
	int oom;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct bpf_insn *grown = realloc(p->insns, cap * sizeof(*grown));

		if (grown == NULL) {
			p->oom = 1;
			return p->n;
		}
		p->insns = grown;
		p->cap = cap;
	}
	p->insns[p->n] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return p->n++;
}

/* Points the jump at index `at` to the next instruction to be emitted. */
static void land(struct prog *p, size_t at)
{
	if (!p->oom)
		p->insns[at].off = (int16_t)(p->n - at - 1);
}

static void emit_return(struct prog *p, int verdict)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * Registers: R2 the device type, R3 the access asked for, R4 major, R5
 * minor.  For one access bit, a rule that covers it and matches the device
 * decides: allow jumps to the bit's end (*allowed gets the jump), deny
 * returns 0.  Returns 1 if the rule matches every device: what follows
 * it would be unreachable, which the verifier refuses.
 */
static int emit_rule(struct prog *p, const struct cgroup_dev_rule *r, size_t *allowed,
                     size_t *n_allowed)
{
	size_t next[3], n_next = 0;

	if (r->type != 'a')
		next[n_next++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
		                      r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (r->major >= 0)
		next[n_next++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, 0,
		                      (int32_t)(uint32_t)r->major);
	if (r->minor >= 0)
		next[n_next++] = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_5, 0, 0,
		                      (int32_t)(uint32_t)r->minor);
	if (r->allow)
		allowed[(*n_allowed)++] = emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	else
		emit_return(p, 0);
	for (size_t i = 0; i < n_next; i++)
		land(p, next[i]);
	return n_next == 0;
}

/*
 * A BPF jump offset is 16 bits: the program for one bit must stay under
 * 32767 instructions, which 5 instructions a rule allows for thousands.
 */
#define MAX_RULES 4000

static int build(struct prog *p, const struct cgroup_dev_rule *rules, size_t n)
{
	static const unsigned int bits[] = {BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ,
	                                    BPF_DEVCG_ACC_WRITE};
	const size_t n_defaults = sizeof(default_rules) / sizeof(default_rules[0]);
	size_t total = n + n_defaults;
	cleanup_free size_t *allowed = calloc(total, sizeof(*allowed));

	if (allowed == NULL)
		return -1;
	/* R2 = type, R3 = access, R4 = major, R5 = minor (struct bpf_cgroup_dev_ctx in R1). */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	for (size_t b = 0; b < 3; b++) {
		size_t n_allowed = 0, not_asked;
		int decided = 0;

		/* if (!(R3 & bit)) skip this bit */
		emit(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)bits[b]);
		not_asked = emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_1, 0, 0, 0);
		/* The defaults first, then the user's rules from the last. */
		for (size_t k = 0; k < total && !decided; k++) {
			const struct cgroup_dev_rule *r =
			    k < n_defaults ? &default_rules[k] : &rules[n - 1 - (k - n_defaults)];

			if (r->access & bits[b])
				decided = emit_rule(p, r, allowed, &n_allowed);
		}
		if (!decided)
			emit_return(p, 0);
		land(p, not_asked);
		for (size_t i = 0; i < n_allowed; i++)
			land(p, allowed[i]);
	}
	emit_return(p, 1);
	return p->oom ? -1 : 0;
}

int cgroup_devices_attach(int cgroup_fd, const struct cgroup_dev_rule *rules, size_t n,
                          hull_error_t *err)
{
	struct prog p = {0};
	cleanup_free char *log = NULL;
	cleanup_close int prog_fd = -1;
	union bpf_attr attr;

	if (n > MAX_RULES)
		return hull_fail(err, 0, FIELD ": more than %d rules", MAX_RULES);
	if (build(&p, rules, n) < 0) {
		free(p.insns);
		return hull_fail(err, ENOMEM, FIELD ": build the device program");
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uintptr_t)p.insns;
	attr.insn_cnt = (uint32_t)p.n;
	attr.license = (uintptr_t) "Apache-2.0";
	prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0 && errno == EINVAL && (log = calloc(1, 4096)) != NULL) {
		/* Again with the verifier's log, for the message. */
		attr.log_level = 1;
		attr.log_buf = (uintptr_t)log;
		attr.log_size = 4096;
		prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		errno = EINVAL;
	}
	free(p.insns);
	if (log)
		log[strcspn(log, "\n")] = '\0';
	if (prog_fd < 0)
		return hull_fail(err, errno, FIELD ": load the device program%s%.200s",
		                 log && *log ? ": " : "", log ? log : "");
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* MULTI: the sandbox's cgroup may hold a program too; all must allow. */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		return hull_fail(err, errno, FIELD ": attach the device program");
	return 0;
}
