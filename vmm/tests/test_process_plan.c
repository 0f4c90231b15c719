/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process_plan (vmm/agent/process_plan.h): the parse's errors name the
 * config.json field, and the apply is run for real on this host: a forked
 * child applies a plan made from JSON and execs the static busybox, whose
 * output (its /proc/self/status, umask, oom_score_adj, ulimit -n, id) is
 * read back over a pipe and compared with the config.
 *
 * seccomp.c is another module: seccomp_plan_load is replaced here by a
 * weak stand-in that reports, at the moment it is called, whether
 * CAP_SYS_ADMIN is effective, whether no_new_privs is set and the uid --
 * which is what the order of the apply decides.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/capability.h>
#include <linux/ioprio.h>

#include "common/cleanup.h"
#include "vmm/agent/process_plan.h"
#include "vmm/agent/seccomp.h"

#define BUSYBOX "/bin/busybox"
#define BIT(cap) (UINT64_C(1) << (cap))

/* The stand-in's plan: whether its load fails. */
struct seccomp_plan {
	bool fail;
};

/* The CPUs this process may run on, bit n for CPU n. */
static int cpus_mask(void)
{
	cpu_set_t set;
	int mask = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	for (int c = 0; c < 31; c++)
		if (CPU_ISSET(c, &set))
			mask |= 1 << c;
	return mask;
}

__attribute__((weak)) int seccomp_plan_load(const struct seccomp_plan *p, hull_error_t *err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (p == NULL)
		return 0;
	if (p->fail)
		return hull_fail(err, EINVAL, "stand-in filter refused");
	if (syscall(SYS_capget, &hdr, data) < 0)
		return hull_fail(err, errno, "capget");
	printf("seccomp sys_admin=%d nnp=%d uid=%u\n",
	       !!(data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))),
	       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), (unsigned)getuid());
	printf("seccomp cpus=%d policy=%d ioprio=%ld\n", cpus_mask(), sched_getscheduler(0),
	       syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0));
	fflush(stdout);
	return 0;
}

struct run {
	char out[8192];
	char report[512];
	int status;
};

static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size &&
	       ((n = read(fd, buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	buf[len] = '\0';
}

/* Parses process (and linux_) and runs the plan in a child; stdout and stderr are captured. */
static void run_plan(const char *process_json, const char *linux_json,
                     const struct seccomp_plan *seccomp, struct run *r)
{
	cleanup_json json_t *process = json_loads(process_json, 0, NULL);
	cleanup_json json_t *linux_ = linux_json ? json_loads(linux_json, 0, NULL) : NULL;
	cleanup_error hull_error_t err = NULL;
	struct process_plan plan;
	int out[2], report[2];
	pid_t pid;

	assert_non_null(process);
	if (process_plan_parse(process, linux_, &plan, &err) < 0)
		fail_msg("parse: %s", hull_error_str(err));
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(report, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		process_plan_exec(&plan, seccomp, NULL, report[1]);
	}
	close(out[1]);
	close(report[1]);
	read_all(out[0], r->out, sizeof(r->out));
	read_all(report[0], r->report, sizeof(r->report));
	close(out[0]);
	close(report[0]);
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	process_plan_release(&plan);
}

/* The hex value of a /proc/self/status line ("CapEff:\t0000..."), as printed. */
static uint64_t status_hex(const char *out, const char *key)
{
	char want[32];
	const char *at;

	snprintf(want, sizeof(want), "%s:\t", key);
	at = strstr(out, want);
	if (at == NULL)
		fail_msg("no %s in output:\n%s", key, out);
	return strtoull(at + strlen(want), NULL, 16);
}

/* The line after "marker\n" in out, for the script's echo markers. */
static void line_after(const char *out, const char *marker, char *line, size_t size)
{
	char want[64];
	const char *at;
	size_t n;

	snprintf(want, sizeof(want), "%s\n", marker);
	at = strstr(out, want);
	if (at == NULL)
		fail_msg("no %s in output:\n%s", marker, out);
	at += strlen(want);
	n = strcspn(at, "\n");
	snprintf(line, size, "%.*s", (int)(n < size ? n : size - 1), at);
}

#define SCRIPT                                                                                     \
	"\"/bin/busybox grep -E '^(Cap|NoNewPrivs)' /proc/self/status; echo =umask; umask; "       \
	"echo =oom; cat /proc/self/oom_score_adj; echo =nofile; ulimit -n; echo =core; ulimit "    \
	"-c; echo =id; "                                                                           \
	"/bin/busybox id; echo =uname; /bin/busybox uname -m\""

#define ARGS "\"args\": [\"" BUSYBOX "\", \"sh\", \"-c\", " SCRIPT "], \"env\": [\"PATH=/bin\"]"

static bool under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload");
}

static void assert_line(const struct run *r, const char *marker, const char *want)
{
	char line[256];

	line_after(r->out, marker, line, sizeof(line));
	assert_string_equal(line, want);
}

/*
 * uid 0 with three capabilities: bounding, effective and permitted are
 * exactly those three after exec (the kernel gives root its bounding
 * set), no_new_privs is set, and umask, oom_score_adj and RLIMIT_NOFILE
 * are the config's.
 */
static void root_gets_the_configured_sets(void **state)
{
	(void)state;
	const uint64_t three = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
	struct rlimit nofile;
	char json[2048];
	struct run r;

	/*
	 * The hard limit stays (valgrind refuses any other); the soft one is
	 * lowered.  oom_score_adj is only raised: this host's root lacks
	 * CAP_SYS_RESOURCE to lower it.
	 */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	snprintf(json, sizeof(json),
	         "{" ARGS ", \"cwd\": \"/tmp\", \"noNewPrivileges\": true, \"oomScoreAdj\": 500,"
	         " \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 23},"
	         " \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": %llu, \"soft\": 64},"
	         "  {\"type\": \"RLIMIT_CORE\", \"hard\": 0, \"soft\": 0}],"
	         " \"capabilities\": {"
	         "  \"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	         "  \"effective\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	         "  \"permitted\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]}}",
	         (unsigned long long)nofile.rlim_max);
	run_plan(json, NULL, NULL, &r);
	assert_string_equal(r.report, "");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	assert_true(status_hex(r.out, "CapBnd") == three);
	assert_true(status_hex(r.out, "CapEff") == three);
	assert_true(status_hex(r.out, "CapPrm") == three);
	assert_true(status_hex(r.out, "CapInh") == 0);
	assert_true(status_hex(r.out, "CapAmb") == 0);
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
	assert_line(&r, "=umask", "0027");
	assert_line(&r, "=oom", "500");
	assert_line(&r, "=core", "0");
	if (!under_valgrind()) /* it keeps its own RLIMIT_NOFILE for the process it runs */
		assert_line(&r, "=nofile", "64");
	assert_line(&r, "=id", "uid=0(root) gid=0(root)"); /* no additionalGids: no groups */
}

/*
 * A non-root user keeps its ambient capabilities through exec (permitted
 * and effective are the ambient set, the kernel's rule for a plain
 * file), with its gid and additional groups; no_new_privs stays off.
 */
static void user_keeps_ambient_caps(void **state)
{
	(void)state;
	const uint64_t two = BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
	const uint64_t bounding = two | BIT(CAP_CHOWN) | BIT(CAP_SETUID);
	struct run r;

	run_plan("{" ARGS ", \"user\": {\"uid\": 4242, \"gid\": 4243,"
	         " \"additionalGids\": [4244, 4245]},"
	         " \"capabilities\": {"
	         "  \"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\","
	         "   \"CAP_SETUID\"],"
	         "  \"effective\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	         "  \"permitted\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	         "  \"inheritable\": [\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	         "  \"ambient\": [\"CAP_NET_BIND_SERVICE\", \"CAP_KILL\"]}}",
	         NULL, NULL, &r);
	assert_string_equal(r.report, "");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	assert_true(status_hex(r.out, "CapBnd") == bounding);
	assert_true(status_hex(r.out, "CapEff") == two);
	assert_true(status_hex(r.out, "CapPrm") == two);
	assert_true(status_hex(r.out, "CapInh") == two);
	assert_true(status_hex(r.out, "CapAmb") == two);
	assert_non_null(strstr(r.out, "NoNewPrivs:\t0\n"));
	assert_line(&r, "=umask", "0022"); /* the default, runc's and crun's */
	assert_line(&r, "=id", "uid=4242 gid=4243 groups=4244,4245");
}

/* No process.capabilities: five empty sets, as runc does, even for uid 0. */
static void absent_capabilities_are_empty(void **state)
{
	(void)state;
	struct run r;

	run_plan("{" ARGS "}", NULL, NULL, &r);
	assert_string_equal(r.report, "");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	assert_true(status_hex(r.out, "CapBnd") == 0);
	assert_true(status_hex(r.out, "CapEff") == 0);
	assert_true(status_hex(r.out, "CapPrm") == 0);
	assert_true(status_hex(r.out, "CapInh") == 0);
	assert_true(status_hex(r.out, "CapAmb") == 0);
}

static void personality_linux32(void **state)
{
	(void)state;
	struct run r;

	run_plan("{" ARGS "}", "{\"personality\": {\"domain\": \"LINUX32\", \"flags\": []}}", NULL,
	         &r);
	assert_string_equal(r.report, "");
	assert_line(&r, "=uname", "i686");
	run_plan("{" ARGS "}", "{\"personality\": {\"domain\": \"LINUX\"}}", NULL, &r);
	assert_line(&r, "=uname", "x86_64");
}

/*
 * Without no_new_privs the filter is loaded while the process still has
 * CAP_SYS_ADMIN (the kernel requires it then), before the user changes;
 * with it, last: after no_new_privs, as the final user, with the final
 * capabilities.
 */
static void seccomp_is_loaded_at_runcs_point(void **state)
{
	(void)state;
	struct seccomp_plan filter = {.fail = false};
	struct run r;

	run_plan("{" ARGS ", \"user\": {\"uid\": 4242, \"gid\": 4242}}", NULL, &filter, &r);
	assert_string_equal(r.report, "");
	assert_non_null(strstr(r.out, "seccomp sys_admin=1 nnp=0 uid=0\n"));
	run_plan("{" ARGS ", \"noNewPrivileges\": true, \"user\": {\"uid\": 4242, \"gid\": 4242},"
	         " \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"],"
	         " \"permitted\": [\"CAP_SYS_ADMIN\"], \"inheritable\": [\"CAP_SYS_ADMIN\"],"
	         " \"ambient\": [\"CAP_SYS_ADMIN\"]}}",
	         NULL, &filter, &r);
	assert_string_equal(r.report, "");
	assert_non_null(strstr(r.out, "seccomp sys_admin=0 nnp=1 uid=4242\n"));
	filter.fail = true;
	run_plan("{" ARGS "}", NULL, &filter, &r);
	assert_string_equal(r.report, "seccomp load: stand-in filter refused: Invalid argument");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
}

/* A failed step is reported as "STEP WHAT: REASON" and the child exits 127. */
static void failures_are_reported(void **state)
{
	(void)state;
	struct rlimit nofile;
	struct run r;
	char json[1024];

	run_plan("{\"args\": [\"/nonexistent/prog\"]}", NULL, NULL, &r);
	assert_string_equal(r.report, "exec /nonexistent/prog: No such file or directory");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
	run_plan("{\"args\": [\"no-such-program\"], \"env\": [\"PATH=/bin:/nonexistent\"]}", NULL,
	         NULL, &r);
	assert_string_equal(r.report, "exec no-such-program: No such file or directory");
	run_plan("{" ARGS ", \"cwd\": \"/nonexistent\"}", NULL, NULL, &r);
	assert_string_equal(r.report, "chdir /nonexistent: No such file or directory");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
	/* Above the hard limit: refused without CAP_SYS_RESOURCE, which this host's root lacks. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	if (prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 0 &&
	    nofile.rlim_max != RLIM_INFINITY) {
		snprintf(json, sizeof(json),
		         "{" ARGS ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": %llu,"
		         " \"soft\": 1}]}",
		         (unsigned long long)nofile.rlim_max + 1);
		run_plan(json, NULL, NULL, &r);
		assert_string_equal(r.report, "setrlimit RLIMIT_NOFILE: Operation not permitted");
	}
}

/* lookup: what exec would find, or runc's words for a missing command. */
static void lookup_finds_what_exec_would(void **state)
{
	(void)state;
	static const struct {
		const char *json, *error; /* NULL: found */
	} cases[] = {
	    {"{\"args\": [\"busybox\"], \"env\": [\"PATH=/nonexistent:/bin\"]}", NULL},
	    {"{\"args\": [\"" BUSYBOX "\"]}", NULL},
	    {"{\"args\": [\"./busybox\"], \"cwd\": \"/bin\"}", NULL},
	    {"{\"args\": [\"busybox\"], \"env\": [\"PATH=/nonexistent:/etc\"]}",
	     "exec: \"busybox\": executable file not found in $PATH"},
	    /* a directory on the PATH is not a command */
	    {"{\"args\": [\"bin\"], \"env\": [\"PATH=/\"]}",
	     "exec: \"bin\": executable file not found in $PATH"},
	    /* nor is a file without an x bit */
	    {"{\"args\": [\"passwd\"], \"env\": [\"PATH=/etc\"]}",
	     "exec: \"passwd\": executable file not found in $PATH"},
	    {"{\"args\": [\"./nonexistent\"], \"cwd\": \"/bin\"}",
	     "exec: \"./nonexistent\": stat ./nonexistent: no such file or directory"},
	    {"{\"args\": [\"/nonexistent/prog\"]}",
	     "exec: \"/nonexistent/prog\": stat /nonexistent/prog: no such file or directory"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_json json_t *process = json_loads(cases[i].json, 0, NULL);
		cleanup_error hull_error_t err = NULL;
		struct process_plan p;

		assert_non_null(process);
		assert_int_equal(process_plan_parse(process, NULL, &p, &err), 0);
		if (cases[i].error == NULL) {
			assert_int_equal(process_plan_lookup(&p, &err), 0);
		} else {
			assert_int_equal(process_plan_lookup(&p, &err), -1);
			assert_string_equal(hull_error_str(err), cases[i].error);
		}
		process_plan_release(&p);
	}
}

/* An ambient capability the kernel cannot raise (not inheritable) is left out. */
static void unraisable_ambient_is_left_out(void **state)
{
	(void)state;
	cleanup_json json_t *process = json_loads(
	    "{\"args\": [\"x\"], \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"],"
	    " \"permitted\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"inheritable\": [\"CAP_KILL\"],"
	    " \"ambient\": [\"CAP_KILL\", \"CAP_CHOWN\"]}}",
	    0, NULL);
	cleanup_error hull_error_t err = NULL;
	struct process_plan p;

	assert_int_equal(process_plan_parse(process, NULL, &p, &err), 0);
	assert_true(p.caps[HULL_CAP_AMBIENT] == BIT(CAP_KILL));
	assert_true(p.caps[HULL_CAP_PERMITTED] == (BIT(CAP_KILL) | BIT(CAP_CHOWN)));
	process_plan_release(&p);
}

/* Field n (1-based, as proc(5) numbers them) of a /proc/PID/stat line in out, after marker. */
static long stat_field(const struct run *r, const char *marker, int n)
{
	char line[1024];
	const char *at;

	line_after(r->out, marker, line, sizeof(line));
	at = strrchr(line, ')'); /* the command name may hold spaces */
	if (at == NULL)
		fail_msg("no stat line after %s in output:\n%s", marker, r->out);
	for (int field = 2; field < n; field++) {
		at = strchr(at + 1, ' ');
		if (at == NULL)
			fail_msg("no field %d in %s", n, line);
	}
	return strtol(at + 1, NULL, 10);
}

/* The setup went through and the program ran to a clean exit. */
static void assert_exec_ok(const struct run *r)
{
	assert_string_equal(r->report, "");
	assert_true(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0);
}

/* The shell's own scheduling, io priority and CPUs, then those of a child it forks. */
#define SCHED_SCRIPT                                                                               \
	"\"echo =stat; cat /proc/$$/stat; echo =child; cat /proc/self/stat; echo =ionice; "        \
	"ionice -p $$; echo =cpus; grep Cpus_allowed_list /proc/$$/status\""
#define SCHED_ARGS                                                                                 \
	"\"args\": [\"" BUSYBOX "\", \"sh\", \"-c\", " SCHED_SCRIPT "], \"env\": [\"PATH=/bin\"]"
#define STAT_NICE 19
#define STAT_RT_PRIORITY 40
#define STAT_POLICY 41

/*
 * SCHED_BATCH with nice 5, the idle io class at level 6 and the CPU lists:
 * the exec'd program has them all (its /proc/PID/stat, ionice, its
 * Cpus_allowed_list), and the setup ran on the initial CPU with the
 * scheduler and io priority already set when the filter came (the
 * stand-in prints what it sees).
 */
static void scheduler_io_priority_and_cpus_are_applied(void **state)
{
	(void)state;
	struct seccomp_plan filter = {.fail = false};
	struct run r;

	if (get_nprocs_conf() < 2)
		skip();
	run_plan("{" SCHED_ARGS ", \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5},"
	         " \"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 6},"
	         " \"execCPUAffinity\": {\"initial\": \"1\", \"final\": \"0\"}}",
	         NULL, &filter, &r);
	assert_exec_ok(&r);
	assert_int_equal(stat_field(&r, "=stat", STAT_POLICY), SCHED_BATCH);
	assert_int_equal(stat_field(&r, "=stat", STAT_NICE), 5);
	assert_int_equal(stat_field(&r, "=child", STAT_POLICY), SCHED_BATCH); /* inherited */
	assert_line(&r, "=ionice", "idle"); /* ionice shows no level for the idle class */
	assert_line(&r, "=cpus", "Cpus_allowed_list:\t0");
	assert_non_null(strstr(r.out, "seccomp cpus=2 policy=3 ioprio=24582\n")); /* 3 << 13 | 6 */
}

/*
 * SCHED_FIFO priority 1 with SCHED_FLAG_RESET_ON_FORK: the program runs
 * real-time, the child it forks is back to SCHED_OTHER (the flag's
 * effect), and a best-effort io priority of 2.
 */
static void realtime_policy_with_reset_on_fork(void **state)
{
	(void)state;
	struct run r;

	run_plan("{" SCHED_ARGS ", \"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 1,"
	         " \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"]},"
	         " \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 2}}",
	         NULL, NULL, &r);
	assert_exec_ok(&r);
	assert_int_equal(stat_field(&r, "=stat", STAT_POLICY), SCHED_FIFO);
	assert_int_equal(stat_field(&r, "=stat", STAT_RT_PRIORITY), 1);
	assert_int_equal(stat_field(&r, "=child", STAT_POLICY), SCHED_OTHER);
	assert_int_equal(stat_field(&r, "=child", STAT_RT_PRIORITY), 0);
	assert_line(&r, "=ionice", "best-effort: prio 2");
}

/*
 * The kernel refuses SCHED_DEADLINE to a task whose CPUs do not cover its
 * root domain (here: the initial CPU list is one of two CPUs): the step is
 * reported with the field's name and the child exits 127.
 */
static void scheduler_failure_names_the_field(void **state)
{
	(void)state;
	struct run r;

	if (get_nprocs_conf() < 2)
		skip();
	run_plan("{" SCHED_ARGS ", \"execCPUAffinity\": {\"initial\": \"0\"},"
	         " \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 1000000,"
	         " \"deadline\": 10000000, \"period\": 10000000}}",
	         NULL, NULL, &r);
	assert_string_equal(r.report, "process.scheduler SCHED_DEADLINE: Operation not permitted");
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127);
}

/* A CPU the guest does not have is refused at parse time, naming the field. */
static void cpu_beyond_the_guest_is_refused(void **state)
{
	(void)state;
	cleanup_json json_t *process =
	    json_loads("{\"args\": [\"x\"], \"execCPUAffinity\": {\"initial\": \"0\", \"final\": "
	               "\"0,4000-4001\"}}",
	               0, NULL);
	cleanup_error hull_error_t err = NULL;
	struct process_plan p;
	char want[128];
	long n = get_nprocs_conf();

	assert_int_equal(process_plan_parse(process, NULL, &p, &err), -1);
	snprintf(
	    want, sizeof(want),
	    "process.execCPUAffinity.final: CPU 4001 is beyond the guest's %ld CPUs (0 to %ld)", n,
	    n - 1);
	assert_string_equal(hull_error_str(err), want);
	process_plan_release(&p);
}

static const struct {
	const char *process, *linux_, *error;
} bad[] = {
    {"[]", NULL, "process: expected an object"},
    {"{\"args\": []}", NULL, "process.args: must not be empty"},
    {"{\"args\": [\"sh\", 1]}", NULL, "process.args[1]: expected a string"},
    {"{\"args\": [\"sh\"], \"cwd\": \"tmp\"}", NULL, "process.cwd: expected an absolute path"},
    {"{\"args\": [\"sh\"], \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\","
     " \"CAP_BOGUS\"]}}",
     NULL, "process.capabilities.bounding[2]: \"CAP_BOGUS\" is not a capability"},
    {"{\"args\": [\"sh\"], \"capabilities\": {\"effective\": [\"CAP_KILL\"]}}", NULL,
     "process.capabilities.effective[0]: \"CAP_KILL\" is not in process.capabilities.permitted "
     "(a capability must be permitted to be effective)"},
    {"{\"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 512}}", NULL,
     "process.user.umask: expected a whole number from 0 to 511"},
    {"{\"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": \"022\"}}", NULL,
     "process.user.umask: expected a whole number from 0 to 511"},
    {"{\"args\": [\"sh\"], \"user\": {\"uid\": -1, \"gid\": 0}}", NULL,
     "process.user.uid: expected a whole number from 0 to 4294967294"},
    {"{\"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, \"x\"]}}",
     NULL, "process.user.additionalGids[1]: expected a whole number from 0 to 4294967294"},
    {"{\"args\": [\"sh\"], \"oomScoreAdj\": 1001}", NULL,
     "process.oomScoreAdj: expected a whole number from -1000 to 1000"},
    {"{\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 2}]}",
     NULL, "process.rlimits[0]: soft (2) is above hard (1)"},
    {"{\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_BOGUS\", \"hard\": 1, \"soft\": 1}]}",
     NULL, "process.rlimits[0].type: \"RLIMIT_BOGUS\" is not an rlimit"},
    {"{\"args\": [\"sh\"]}", "{\"personality\": {\"domain\": \"SVR4\"}}",
     "linux.personality.domain: \"SVR4\" is not supported (LINUX or LINUX32)"},
    {"{\"args\": [\"sh\"]}", "{\"personality\": {}}",
     "linux.personality.domain: expected \"LINUX\" or \"LINUX32\""},
    {"{\"args\": [\"sh\"]}", "{\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"UNAME26\"]}}",
     "linux.personality.flags[0]: \"UNAME26\" is not supported (hull sets the domain only)"},
    {"{\"args\": [\"sh\"]}", "{\"personality\": \"LINUX\"}",
     "linux.personality: expected an object"},
    {"{\"args\": [\"sh\"], \"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\"}}", NULL,
     "process.ioPriority.class: expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE"},
    {"{\"args\": [\"sh\"], \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}}",
     NULL, "process.ioPriority.priority: expected a whole number from 0 to 7"},
    {"{\"args\": [\"sh\"], \"ioPriority\": 4}", NULL, "process.ioPriority: expected an object"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_ISO\"}}", NULL,
     "process.scheduler.policy: SCHED_ISO is not in mainline Linux (the guest kernel has no such "
     "policy)"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_BOGUS\"}}", NULL,
     "process.scheduler.policy: \"SCHED_BOGUS\" is not a scheduling policy (SCHED_OTHER, "
     "SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR, SCHED_DEADLINE)"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"nice\": 1}}", NULL,
     "process.scheduler.policy: expected one of SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, "
     "SCHED_FIFO, SCHED_RR, SCHED_DEADLINE"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 20}}", NULL,
     "process.scheduler.nice: expected a whole number from -20 to 19"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"priority\": 5}}", NULL,
     "process.scheduler.priority: only SCHED_FIFO and SCHED_RR have a priority (the policy is "
     "SCHED_BATCH)"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_RR\"}}", NULL,
     "process.scheduler.priority: SCHED_RR needs a priority from 1 to 99"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 100}}", NULL,
     "process.scheduler.priority: SCHED_FIFO needs a priority from 1 to 99"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_OTHER\","
     " \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\", \"SCHED_FLAG_BOGUS\"]}}",
     NULL, "process.scheduler.flags[1]: \"SCHED_FLAG_BOGUS\" is not a scheduler flag"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_OTHER\","
     " \"flags\": [\"SCHED_FLAG_UTIL_CLAMP_MAX\"]}}",
     NULL,
     "process.scheduler.flags[0]: SCHED_FLAG_UTIL_CLAMP_MAX is not supported (config.json has "
     "no utilization value to clamp to)"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"runtime\": 1000}}", NULL,
     "process.scheduler.runtime: only SCHED_DEADLINE has a runtime (the policy is SCHED_OTHER)"},
    {"{\"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 2000,"
     " \"deadline\": 1000}}",
     NULL,
     "process.scheduler: SCHED_DEADLINE needs 1024 <= runtime <= deadline <= period "
     "(nanoseconds; a period of 0 is the deadline's)"},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": {\"final\": \"0-\"}}", NULL,
     "process.execCPUAffinity.final: expected a list of CPUs such as \"0-3,7\""},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": {\"initial\": \"1-0\"}}", NULL,
     "process.execCPUAffinity.initial: expected a list of CPUs such as \"0-3,7\""},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": {\"initial\": \"0,,1\"}}", NULL,
     "process.execCPUAffinity.initial: expected a list of CPUs such as \"0-3,7\""},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": {\"initial\": \"0,\"}}", NULL,
     "process.execCPUAffinity.initial: expected a list of CPUs such as \"0-3,7\""},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": {\"final\": 0}}", NULL,
     "process.execCPUAffinity.final: expected a list of CPUs such as \"0-3,7\""},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": {\"final\": \"\"}}", NULL,
     "process.execCPUAffinity.final: expected a list of CPUs such as \"0-3,7\""},
    {"{\"args\": [\"sh\"], \"execCPUAffinity\": \"0\"}", NULL,
     "process.execCPUAffinity: expected an object"},
};

static void parse_errors_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_json json_t *process = json_loads(bad[i].process, JSON_DECODE_ANY, NULL);
		cleanup_json json_t *linux_ =
		    bad[i].linux_ ? json_loads(bad[i].linux_, 0, NULL) : NULL;
		cleanup_error hull_error_t err = NULL;
		struct process_plan p;

		assert_non_null(process);
		assert_int_equal(process_plan_parse(process, linux_, &p, &err), -1);
		assert_string_equal(hull_error_str(err), bad[i].error);
		process_plan_release(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(root_gets_the_configured_sets),
	    cmocka_unit_test(user_keeps_ambient_caps),
	    cmocka_unit_test(absent_capabilities_are_empty),
	    cmocka_unit_test(personality_linux32),
	    cmocka_unit_test(seccomp_is_loaded_at_runcs_point),
	    cmocka_unit_test(failures_are_reported),
	    cmocka_unit_test(lookup_finds_what_exec_would),
	    cmocka_unit_test(unraisable_ambient_is_left_out),
	    cmocka_unit_test(parse_errors_name_the_field),
	    cmocka_unit_test(scheduler_io_priority_and_cpus_are_applied),
	    cmocka_unit_test(realtime_policy_with_reset_on_fork),
	    cmocka_unit_test(scheduler_failure_names_the_field),
	    cmocka_unit_test(cpu_beyond_the_guest_is_refused),
	};

	if (access(BUSYBOX, X_OK) < 0 || getuid() != 0) {
		printf("1..0 # SKIP needs root and " BUSYBOX "\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
