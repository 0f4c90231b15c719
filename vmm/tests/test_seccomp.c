/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: the errors of the reader (each naming its field, the same
 * from the host's check and the agent's parse) and real filters on this
 * kernel.  A filter is parsed here, then loaded by a forked child that
 * makes the syscalls and reports their results over a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/seccomp_names.h"
#include "vmm/agent/seccomp.h"

/* What the child saw: load_errno 0 if the filter went in, then a probe's values. */
struct report {
	int load_errno;
	char load_error[160];
	long v[8];
};

typedef void probe_fn(long *v);

static json_t *parse_json(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static struct seccomp_plan *plan_of(const char *text)
{
	cleanup_json json_t *j = parse_json(text);
	cleanup_error hull_error_t err = NULL;
	struct seccomp_plan *p = NULL;

	if (seccomp_plan_parse(j, &p, &err) < 0)
		fail_msg("parse: %s", hull_error_str(err));
	return p;
}

/* -errno of a failed call, its result otherwise. */
static long result(long rc)
{
	return rc < 0 ? -errno : rc;
}

enum {
	NNP = 1,
	NOBODY = 2
};

/*
 * Forks a child that sets no_new_privs (how & NNP), becomes nobody (how &
 * NOBODY: no capability left), loads p, runs probe (if any) and reports;
 * returns the child's wait status.
 */
static int run_filtered(const struct seccomp_plan *p, int how, probe_fn *probe, struct report *r)
{
	int fds[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hull_error_t err = NULL;

		close(fds[0]);
		if ((how & NNP) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if ((how & NOBODY) && setresuid(65534, 65534, 65534) < 0)
			_exit(101);
		if (seccomp_plan_load(p, &err) < 0) {
			r->load_errno = err->errnum ? err->errnum : -1;
			snprintf(r->load_error, sizeof(r->load_error), "%s", err->msg);
		} else if (probe != NULL) {
			probe(r->v);
		}
		if (write(fds[1], r, sizeof(*r)) != sizeof(*r))
			_exit(102);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], r, sizeof(*r)) != sizeof(*r))
		r->load_errno = -2; /* the child died before it reported */
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* p from json, loaded under no_new_privs; the child must report and exit 0. */
static void run_plan(const char *json, probe_fn *probe, struct report *r)
{
	struct seccomp_plan *p = plan_of(json);

	assert_int_equal(run_filtered(p, NNP, probe, r), 0);
	assert_int_equal(r->load_errno, 0);
	seccomp_plan_free(p);
}

static char tmpdir[] = "/tmp/hull-seccomp-XXXXXX";

static void mkdir_and_getpid(long *v)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/denied", tmpdir);
	v[0] = result(mkdir(path, 0700));
	v[1] = result(syscall(SYS_mkdirat, AT_FDCWD, path, 0700));
	v[2] = result(syscall(SYS_getpid));
	v[3] = getpid();
}

/* mkdir and mkdirat fail with EPERM (errnoRet's default); other syscalls work. */
static void errno_rule_denies_mkdir(void **state)
{
	struct report r;
	struct stat st;
	char path[64];

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	run_plan("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
	         "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	         mkdir_and_getpid, &r);
	assert_int_equal(r.v[0], -EPERM);
	assert_int_equal(r.v[1], -EPERM);
	assert_int_equal(r.v[2], r.v[3]);
	assert_true(r.v[2] > 0);
	snprintf(path, sizeof(path), "%s/denied", tmpdir);
	assert_int_equal(stat(path, &st), -1);
	/* The same without the filter makes the directory: the probe can tell. */
	assert_int_equal(run_filtered(NULL, NNP, mkdir_and_getpid, &r), 0);
	assert_int_equal(r.v[0], 0);
	assert_int_equal(stat(path, &st), 0);
	rmdir(path);
	rmdir(tmpdir);
}

static void personalities(long *v)
{
	v[0] = result(syscall(SYS_personality, 0xffffffffUL));
	v[1] = result(syscall(SYS_personality, PER_LINUX));
}

/* personality(0xffffffff) (a query) passes, any other argument gets EXDEV. */
static void argument_condition(void **state)
{
	struct report r;

	(void)state;
	run_plan("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	         "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18, \"args\": "
	         "[{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_NE\"}]}]}",
	         personalities, &r);
	assert_true(r.v[0] >= 0);
	assert_int_equal(r.v[1], -EXDEV);
}

static void dups(long *v)
{
	v[0] = result(syscall(SYS_dup, 10));
	v[1] = result(syscall(SYS_dup, 11));
	v[2] = result(syscall(SYS_dup, 200));
	v[3] = result(syscall(SYS_dup, 0x6a));
	v[4] = result(syscall(SYS_dup, 0x7a));
	v[5] = result(syscall(SYS_dup2, 0, 50));
	v[6] = result(syscall(SYS_dup2, 0, 51));
	v[7] = result(syscall(SYS_dup2, 1, 50));
}

/*
 * Conditions on one index each make a rule (either matches); conditions on
 * different indexes make one (all must match); MASKED_EQ compares value &
 * arg with valueTwo.
 */
static void conditions_combine_like_runc(void **state)
{
	struct report r;

	(void)state;
	run_plan(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	    "{\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18, \"args\": ["
	    "{\"index\": 0, \"value\": 10, \"op\": \"SCMP_CMP_EQ\"},"
	    "{\"index\": 0, \"value\": 11, \"op\": \"SCMP_CMP_EQ\"}]},"
	    "{\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 33, \"args\": ["
	    "{\"index\": 0, \"value\": 240, \"valueTwo\": 96, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
	    "{\"names\": [\"dup2\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18, \"args\": ["
	    "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
	    "{\"index\": 1, \"value\": 50, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	    dups, &r);
	assert_int_equal(r.v[0], -EXDEV);
	assert_int_equal(r.v[1], -EXDEV);
	assert_int_equal(r.v[2], -EBADF);
	assert_int_equal(r.v[3], -EDOM);
	assert_int_equal(r.v[4], -EBADF);
	assert_int_equal(r.v[5], -EXDEV);
	assert_int_equal(r.v[6], 51);
	assert_int_equal(r.v[7], 50);
}

static void getpid_and_getppid(long *v)
{
	v[0] = result(syscall(SYS_getppid));
	v[1] = result(syscall(SYS_getpid));
	v[2] = getpid();
}

/*
 * Everything not listed fails with defaultErrnoRet; the list works (it
 * holds what the child needs to report and exit, ASan's _exit included).
 */
static void default_errno_with_allow_list(void **state)
{
	struct report r;

	(void)state;
	run_plan("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 18,"
	         "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],"
	         "\"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
	         "\"syscalls\": [{\"names\": [\"getpid\", \"write\", \"exit_group\", \"exit\","
	         "\"sigaltstack\", \"munmap\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	         getpid_and_getppid, &r);
	assert_int_equal(r.v[0], -EXDEV);
	assert_int_equal(r.v[1], r.v[2]);
	assert_true(r.v[1] > 0);
}

/* SCMP_ACT_KILL_PROCESS ends the process with SIGSYS at the call. */
static void kill_process_action(void **state)
{
	struct seccomp_plan *p;
	struct report r;
	int status;

	(void)state;
	p = plan_of("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	            "[\"getppid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");
	status = run_filtered(p, NNP, getpid_and_getppid, &r);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	assert_int_equal(r.load_errno, -2);
	seccomp_plan_free(p);
}

/*
 * Names libseccomp does not know are skipped and listed once each, also in
 * a rule that does what the default does (skipped: libseccomp refuses it).
 */
static void unknown_names_are_listed(void **state)
{
	struct seccomp_plan *p;
	struct report r;
	json_t *unknown;

	(void)state;
	p = plan_of(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	    "{\"names\": [\"hull_no_such_call\", \"getppid\", \"hull_no_such_call\"],"
	    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 18},"
	    "{\"names\": [\"getpid\", \"hull_other_call\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	    "{\"names\": [\"hull_third_call\"], \"action\": \"SCMP_ACT_LOG\"}]}");
	unknown = seccomp_plan_unknown(p);
	assert_int_equal(json_array_size(unknown), 3);
	assert_string_equal(json_string_value(json_array_get(unknown, 0)), "hull_no_such_call");
	assert_string_equal(json_string_value(json_array_get(unknown, 1)), "hull_other_call");
	assert_string_equal(json_string_value(json_array_get(unknown, 2)), "hull_third_call");
	assert_int_equal(run_filtered(p, NNP, getpid_and_getppid, &r), 0);
	assert_int_equal(r.v[0], -EXDEV);
	assert_int_equal(r.v[1], r.v[2]);
	seccomp_plan_free(p);
}

/* Neither no_new_privs nor CAP_SYS_ADMIN: the kernel refuses, and the error says why. */
static void load_without_privilege_says_why(void **state)
{
	struct seccomp_plan *p;
	struct report r;

	(void)state;
	p = plan_of("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	            "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	assert_int_equal(run_filtered(p, NOBODY, NULL, &r), 0);
	assert_int_equal(r.load_errno, EACCES);
	assert_string_equal(r.load_error, "the kernel refused the filter (the process has neither "
	                                  "no_new_privs nor CAP_SYS_ADMIN)");
	/* With no_new_privs, the same process can. */
	assert_int_equal(run_filtered(p, NOBODY | NNP, NULL, &r), 0);
	assert_int_equal(r.load_errno, 0);
	seccomp_plan_free(p);
}

static void no_seccomp_is_no_filter(void **state)
{
	cleanup_error hull_error_t err = NULL;
	struct seccomp_plan *p = (void *)1;

	(void)state;
	assert_int_equal(seccomp_plan_parse(NULL, &p, &err), 0);
	assert_null(p);
	assert_null(seccomp_plan_unknown(NULL));
	assert_int_equal(seccomp_plan_load(NULL, &err), 0);
	assert_int_equal(hull_seccomp_check(NULL, &err), 0);
}

static const struct {
	const char *json;
	const char *message;
} bad[] = {
    {"[]", "linux.seccomp: expected an object"},
    {"{}", "linux.seccomp.defaultAction: missing"},
    {"{\"defaultAction\": 3}", "linux.seccomp.defaultAction: expected a string"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
     "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 65536}",
     "linux.seccomp.defaultErrnoRet: expected an integer from 0 to 65535"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
     "linux.seccomp.defaultErrnoRet: expected an integer from 0 to 65535"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
     "linux.seccomp.defaultAction: \"SCMP_ACT_NOTIFY\" is not supported: hull runs no seccomp "
     "agent (SCMP_ACT_NOTIFY, listenerPath)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\"}",
     "linux.seccomp.listenerPath: hull runs no seccomp agent (SCMP_ACT_NOTIFY, listenerPath)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
     "linux.seccomp.listenerMetadata: hull runs no seccomp agent (SCMP_ACT_NOTIFY, "
     "listenerPath)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
     "linux.seccomp.architectures: expected an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\", "
     "\"SCMP_ARCH_Z80\"]}",
     "linux.seccomp.architectures[1]: \"SCMP_ARCH_Z80\" is not a seccomp architecture"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
     "\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
     "linux.seccomp.flags[1]: \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" is not supported by hull"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"FLAG_BOGUS\"]}",
     "linux.seccomp.flags[0]: \"FLAG_BOGUS\" is not a seccomp flag"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
     "linux.seccomp.syscalls: expected an array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [7]}",
     "linux.seccomp.syscalls[0]: expected an object"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": "
     "\"SCMP_ACT_LOG\"}]}",
     "linux.seccomp.syscalls[0].names: expected a non-empty array"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", 2], "
     "\"action\": \"SCMP_ACT_LOG\"}]}",
     "linux.seccomp.syscalls[0].names[1]: expected a string"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\"},"
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_TRAP\"},"
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\"},"
     "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_BOGUS\"}]}",
     "linux.seccomp.syscalls[3].action: \"SCMP_ACT_BOGUS\" is not a seccomp action"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
     "linux.seccomp.syscalls[0].action: missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "linux.seccomp.syscalls[0].action: \"SCMP_ACT_NOTIFY\" is not supported: hull runs no "
     "seccomp agent (SCMP_ACT_NOTIFY, listenerPath)"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
     "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
     "\"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].index: expected an integer from 0 to 5"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
     "\"SCMP_CMP_EQ\"}, {\"index\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[1]: index and value are required"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": "
     "\"SCMP_CMP_EQ\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].value: expected an integer from 0 to "
     "18446744073709551615"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
     "\"SCMP_CMP_SIMILAR\"}]}]}",
     "linux.seccomp.syscalls[0].args[0].op: \"SCMP_CMP_SIMILAR\" is not a seccomp operator"},
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
     "\"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
     "linux.seccomp.syscalls[0].args[0].op: missing"},
};

/* The host's check and the agent's parse refuse each alike, naming the field. */
static void errors_name_the_field(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_json json_t *j = parse_json(bad[i].json);
		cleanup_error hull_error_t check_err = NULL;
		cleanup_error hull_error_t parse_err = NULL;
		struct seccomp_plan *p = NULL;

		assert_int_equal(hull_seccomp_check(j, &check_err), -1);
		assert_string_equal(hull_error_str(check_err), bad[i].message);
		assert_int_equal(seccomp_plan_parse(j, &p, &parse_err), -1);
		assert_null(p);
		assert_string_equal(hull_error_str(parse_err), bad[i].message);
	}
}

/* What only libseccomp refuses (the host's check passes it) names the syscall too. */
static void libseccomp_refusal_names_the_syscall(void **state)
{
	cleanup_json json_t *j = parse_json(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	    "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
	    "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
	    "{\"names\": [\"getpid\", \"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5, "
	    "\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	cleanup_error hull_error_t err = NULL;
	struct seccomp_plan *p = NULL;

	(void)state;
	assert_int_equal(hull_seccomp_check(j, &err), 0);
	assert_int_equal(seccomp_plan_parse(j, &p, &err), -1);
	assert_null(p);
	assert_string_equal(hull_error_str(err),
	                    "linux.seccomp.syscalls[1].names[1]: \"read\": File exists");
}

static bool listed(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static size_t count(const char *const *list)
{
	size_t n = 0;

	while (list[n] != NULL)
		n++;
	return n;
}

/* `hull features` lists what the reader takes, and not what it refuses. */
static void feature_lists(void **state)
{
	(void)state;
	assert_int_equal(count(hull_seccomp_actions()), 8);
	assert_true(listed(hull_seccomp_actions(), "SCMP_ACT_KILL_PROCESS"));
	assert_false(listed(hull_seccomp_actions(), "SCMP_ACT_NOTIFY"));
	assert_int_equal(count(hull_seccomp_operators()), 7);
	assert_true(listed(hull_seccomp_operators(), "SCMP_CMP_MASKED_EQ"));
	assert_true(listed(hull_seccomp_archs(), "SCMP_ARCH_X86_64"));
	assert_true(listed(hull_seccomp_archs(), "SCMP_ARCH_AARCH64"));
	assert_int_equal(count(hull_seccomp_flags()), 3);
	assert_true(listed(hull_seccomp_flags(), "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
	assert_false(listed(hull_seccomp_flags(), "SECCOMP_FILTER_FLAG_NEW_LISTENER"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(errno_rule_denies_mkdir),
	    cmocka_unit_test(argument_condition),
	    cmocka_unit_test(conditions_combine_like_runc),
	    cmocka_unit_test(default_errno_with_allow_list),
	    cmocka_unit_test(kill_process_action),
	    cmocka_unit_test(unknown_names_are_listed),
	    cmocka_unit_test(load_without_privilege_says_why),
	    cmocka_unit_test(no_seccomp_is_no_filter),
	    cmocka_unit_test(errors_name_the_field),
	    cmocka_unit_test(libseccomp_refusal_names_the_syscall),
	    cmocka_unit_test(feature_lists),
	};

	if (geteuid() != 0) {
		printf("# SKIP: needs root (a child drops to nobody to test the refusal)\n");
		return 4;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
