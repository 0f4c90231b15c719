/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull check's host checks (runtime/host_check*.c): the results on this
 * host where they are facts of it (each expectation found independently),
 * the wording of failures on fake inputs, the report's text and JSON, and
 * that a run leaves no link, process, pin or device node behind.  The
 * checks of the host need root: those tests skip without it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/magic.h>

#include "common/cleanup.h"
#include "net/tests/netns_fixture.h" /* sh(), capture() */
#include "runtime/host_check.h"

#define QEMU "/usr/bin/qemu-system-x86_64"
#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"

struct files {
	char dir[64];
	char bzimage[128]; /* a fake bzImage: "HdrS" at 0x202 and a version string */
	char zeros[128];   /* 4 KiB of zeros */
	char initrd[128];  /* gzip magic */
	char missing[128]; /* a path that does not exist */
};

static void write_file(const char *path, const void *bytes, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));
	uint8_t image[0x400] = {0};
	static const uint8_t gzip[] = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3};

	assert_non_null(f);
	strcpy(f->dir, "/tmp/hull-check-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->bzimage, sizeof(f->bzimage), "%s/vmlinuz", f->dir);
	snprintf(f->zeros, sizeof(f->zeros), "%s/zeros", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd.img", f->dir);
	snprintf(f->missing, sizeof(f->missing), "%s/no-such-file", f->dir);
	memcpy(image + 0x202, "HdrS", 4);
	image[0x206] = 0x0f; /* boot protocol 2.15 */
	image[0x207] = 0x02;
	image[0x20e] = 0x00; /* kernel_version: 0x200 + 0x100 */
	image[0x20f] = 0x01;
	strcpy((char *)image + 0x300, "6.1.0-test (fake) #1");
	write_file(f->bzimage, image, sizeof(image), 0644);
	memset(image, 0, sizeof(image));
	write_file(f->zeros, image, sizeof(image), 0644);
	write_file(f->initrd, gzip, sizeof(gzip), 0644);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct files *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct hull_host_check_options real_options(const struct files *f)
{
	return (struct hull_host_check_options){
	    .qemu = QEMU, .virtiofsd = VIRTIOFSD, .kernel = f->bzimage, .initrd = f->initrd};
}

static const struct hull_check_item *item(const struct hull_check_report *r, const char *name)
{
	const struct hull_check_item *it = hull_check_report_find(r, name);

	if (it == NULL)
		fail_msg("no item %s in the report", name);
	return it;
}

/* Asserts the item's status, and that its detail holds `part` (NULL: anything). */
static void expect(const struct hull_check_report *r, const char *name,
                   enum hull_check_status status, const char *part)
{
	const struct hull_check_item *it = item(r, name);

	if (it->status != status || (part && !strstr(it->detail, part)))
		fail_msg("%s: want %s%s%s, got %s \"%s\"", name, hull_check_status_name(status),
		         part ? " with " : "", part ? part : "", hull_check_status_name(it->status),
		         it->detail);
}

/* The report as TAP diagnostics. */
static void show(const struct hull_check_report *r)
{
	char *text = NULL, *save = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	assert_non_null(mem);
	hull_check_report_print(mem, r);
	fclose(mem);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("# %s\n", l);
	free(text);
}

/* What the kernel says, asked with ip(8) in a namespace of its own. */
static enum hull_check_status link_kind_expected(const char *kind)
{
	return sh("unshare -n sh -c 'ip link add e0 type veth peer name e1 && "
	          "ip link add x0 link e0 type %s' >/dev/null 2>&1",
	          kind) == 0
	           ? HULL_CHECK_OK
	           : HULL_CHECK_WARN;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == magic;
}

static void real_host_results(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	struct hull_check_report r = {0};
	static const char *const order[] = {
	    "kvm.present",  "kvm.usable",   "qemu",         "tcg",         "virtiofsd",
	    "guest.kernel", "guest.initrd", "bpffs",        "btf",         "tun",
	    "vhost_net",    "fuse",         "cgroup2",      "tc.clsact",   "tc.cls_bpf",
	    "bpf.redirect", "link.macvlan", "link.macvtap", "link.ipvlan",
	};
	struct stat st;
	bool kvm = stat("/dev/kvm", &st) == 0 && S_ISCHR(st.st_mode);
	bool bpffs = fs_is("/sys/fs/bpf", BPF_FS_MAGIC);
	int vhost = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	int fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (geteuid() != 0)
		skip();
	if (vhost >= 0)
		close(vhost);
	if (fuse >= 0)
		close(fuse);
	hull_host_check(&o, &r);
	show(&r);

	assert_int_equal(r.n, sizeof(order) / sizeof(order[0]));
	for (size_t i = 0; i < r.n; i++)
		assert_string_equal(r.items[i].name, order[i]);
	expect(&r, "kvm.present", kvm ? HULL_CHECK_OK : HULL_CHECK_WARN,
	       kvm ? "/dev/kvm (" : "TCG");
	if (!kvm)
		expect(&r, "kvm.usable", HULL_CHECK_WARN, "sandboxes run under TCG");
	if (access(QEMU, X_OK) == 0) {
		expect(&r, "qemu", HULL_CHECK_OK, "QEMU emulator version");
		expect(&r, "tcg", HULL_CHECK_OK, "tcg");
	}
	if (access(VIRTIOFSD, X_OK) == 0)
		expect(&r, "virtiofsd", HULL_CHECK_OK, VIRTIOFSD ": ");
	expect(&r, "guest.kernel", HULL_CHECK_OK, "bzImage 6.1.0-test, boot protocol 2.15");
	expect(&r, "guest.initrd", HULL_CHECK_OK, "gzip-compressed");
	expect(&r, "bpffs", bpffs ? HULL_CHECK_OK : HULL_CHECK_WARN, NULL);
	expect(&r, "btf",
	       access("/sys/kernel/btf/vmlinux", F_OK) == 0 ? HULL_CHECK_OK : HULL_CHECK_WARN,
	       "/sys/kernel/btf/vmlinux");
	expect(&r, "tun", HULL_CHECK_OK, "/dev/net/tun opens (10:200)");
	if (vhost >= 0)
		expect(&r, "vhost_net", HULL_CHECK_OK, NULL);
	else
		expect(&r, "vhost_net", HULL_CHECK_WARN, "QEMU copies packets itself");
	if (fuse >= 0)
		expect(&r, "fuse", HULL_CHECK_OK, "/dev/fuse opens (10:229)");
	else
		expect(&r, "fuse", HULL_CHECK_WARN, "Podman's top lists the host's");
	if (fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC))
		expect(&r, "cgroup2", HULL_CHECK_OK, "unified");
	else if (fs_is("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC))
		expect(&r, "cgroup2", HULL_CHECK_WARN, "hybrid");
	else
		expect(&r, "cgroup2", HULL_CHECK_WARN, "cgroup v1 only");
	expect(&r, "tc.clsact", HULL_CHECK_OK, NULL);
	expect(&r, "tc.cls_bpf", HULL_CHECK_OK, "direct-action cls_bpf");
	expect(&r, "bpf.redirect", HULL_CHECK_OK, "TC_ACT_REDIRECT (7)");
	expect(&r, "link.macvlan", link_kind_expected("macvlan"), "macvlan");
	expect(&r, "link.macvtap", link_kind_expected("macvtap"), "macvtap");
	expect(&r, "link.ipvlan", link_kind_expected("ipvlan"), "ipvlan");
	if (item(&r, "link.ipvlan")->status == HULL_CHECK_WARN)
		expect(&r, "link.ipvlan", HULL_CHECK_WARN, "ipvlan endpoints cannot be used");
	if (item(&r, "link.macvtap")->status == HULL_CHECK_WARN)
		expect(&r, "link.macvtap", HULL_CHECK_WARN, "the macvtap model is unavailable");
	hull_check_report_free(&r);
}

struct want {
	const char *name;
	enum hull_check_status status;
	const char *part; /* the detail holds it */
};

/* Runs every check with o; asserts each of want[] and that the report is not ok. */
static void run_expecting_failure(const struct hull_host_check_options *o, const struct want *want,
                                  size_t n)
{
	struct hull_check_report r = {0};

	hull_host_check(o, &r);
	for (size_t i = 0; i < n; i++)
		expect(&r, want[i].name, want[i].status, want[i].part);
	assert_false(hull_check_report_ok(&r));
	hull_check_report_free(&r);
}
#define RUN_EXPECTING_FAILURE(o, ...)                                                              \
	do {                                                                                       \
		const struct want w_[] = {__VA_ARGS__};                                            \
		run_expecting_failure(o, w_, sizeof(w_) / sizeof(w_[0]));                          \
	} while (0)

/* A fake program `name` in the fixture's directory; its path into path. */
static const char *fake_program(const struct files *f, const char *name, const char *script,
                                mode_t mode, char path[160])
{
	snprintf(path, 160, "%s/%s", f->dir, name);
	write_file(path, script, strlen(script), mode);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void missing_qemu_fails_naming_it(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);

	o.qemu = f->missing;
	RUN_EXPECTING_FAILURE(
	    &o, {"qemu", HULL_CHECK_FAIL, f->missing},
	    {"qemu", HULL_CHECK_FAIL, "No such file or directory: set hypervisor.path"},
	    {"tcg", HULL_CHECK_FAIL, "not checked"});
}

static void qemu_that_cannot_run(void **state)
{
	static const char broken[] = "#!/bin/sh\necho 'qemu: error while loading shared "
	                             "libraries: libfoo.so' >&2\nexit 127\n";
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	char path[160];

	o.qemu = fake_program(f, "broken-qemu", broken, 0755, path);
	RUN_EXPECTING_FAILURE(
	    &o, {"qemu", HULL_CHECK_FAIL, path},
	    {"qemu", HULL_CHECK_FAIL,
	     "-accel help exited with status 127: qemu: error while loading shared libraries"},
	    {"tcg", HULL_CHECK_FAIL, "-accel help exited with status 127"});

	o.qemu = fake_program(f, "broken-qemu", broken, 0644, path);
	RUN_EXPECTING_FAILURE(&o, {"qemu", HULL_CHECK_FAIL, "broken-qemu is not executable"});
}

static void qemu_without_tcg(void **state)
{
	static const char kvm_only[] =
	    "#!/bin/sh\n"
	    "if [ \"$1\" = --version ]; then echo 'QEMU emulator version 9.9.9'; exit 0; fi\n"
	    "printf 'Accelerators supported in QEMU binary:\\nkvm\\n'\n";
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	char path[160];

	o.qemu = fake_program(f, "kvm-only-qemu", kvm_only, 0755, path);
	RUN_EXPECTING_FAILURE(&o, {"qemu", HULL_CHECK_OK, "QEMU emulator version 9.9.9"},
	                      {"tcg", HULL_CHECK_FAIL, "does not list tcg (only: kvm)"});
}

static void children_of(pid_t parent, char *out, size_t size);

static void slow_program_is_killed(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	char path[160], before[512], after[512];
	struct timespec t0, t1;
	double ms;

	o.virtiofsd = fake_program(f, "slow-virtiofsd", "#!/bin/sh\nexec sleep 30\n", 0755, path);
	o.timeout_ms = 300;
	children_of(getpid(), before, sizeof(before));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	RUN_EXPECTING_FAILURE(
	    &o, {"virtiofsd", HULL_CHECK_FAIL, "--version did not finish within 300 ms (killed)"},
	    {"virtiofsd", HULL_CHECK_FAIL, "set hypervisor.virtio_fs_daemon"});
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	children_of(getpid(), after, sizeof(after));
	assert_true(ms < 2000);
	assert_string_equal(before, after);
}

static void kernel_that_is_not_a_bzimage(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	char want[200];

	o.kernel = f->zeros;
	snprintf(want, sizeof(want), "%s is not a bzImage", f->zeros);
	RUN_EXPECTING_FAILURE(&o, {"guest.kernel", HULL_CHECK_FAIL, want},
	                      {"guest.kernel", HULL_CHECK_FAIL, "set hypervisor.kernel"});
	o.kernel = "";
	RUN_EXPECTING_FAILURE(&o, {"guest.kernel", HULL_CHECK_FAIL, "hypervisor.kernel is empty"});
}

static void missing_or_unknown_initrd(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	char want[200];

	o.initrd = f->missing;
	snprintf(want, sizeof(want), "%s: No such file or directory: set hypervisor.initrd",
	         f->missing);
	RUN_EXPECTING_FAILURE(&o, {"guest.initrd", HULL_CHECK_FAIL, want});
	o.initrd = f->zeros;
	snprintf(want, sizeof(want),
	         "%s is not a gzip, zstd or xz compressed or cpio (newc) initrd", f->zeros);
	RUN_EXPECTING_FAILURE(&o, {"guest.initrd", HULL_CHECK_FAIL, want});
}

static void json_shape_and_ok(void **state)
{
	struct hull_check_report r = {0};
	static const char *const statuses[] = {"ok", "warn", "fail"};
	json_t *j, *checks, *c;
	size_t i;

	(void)state;
	hull_check_add(&r, "a.ok", HULL_CHECK_OK, 1.5, "found %d", 1);
	hull_check_add(&r, "b.warn", HULL_CHECK_WARN, 0, "less");
	assert_true(hull_check_report_ok(&r));
	j = hull_check_report_json(&r);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);

	hull_check_add(&r, "c.fail", HULL_CHECK_FAIL, 0, "broken");
	assert_false(hull_check_report_ok(&r));
	j = hull_check_report_json(&r);
	assert_int_equal(json_object_size(j), 2);
	assert_true(json_is_false(json_object_get(j, "ok")));
	checks = json_object_get(j, "checks");
	assert_int_equal(json_array_size(checks), 3);
	json_array_foreach(checks, i, c)
	{
		assert_int_equal(json_object_size(c), 4);
		assert_string_equal(json_string_value(json_object_get(c, "name")), r.items[i].name);
		assert_string_equal(json_string_value(json_object_get(c, "status")), statuses[i]);
		assert_string_equal(json_string_value(json_object_get(c, "detail")),
		                    r.items[i].detail);
		assert_true(json_is_number(json_object_get(c, "ms")));
	}
	assert_true(json_number_value(json_object_get(json_array_get(checks, 0), "ms")) == 1.5);
	assert_string_equal(r.items[0].detail, "found 1");
	json_decref(j);
	hull_check_report_free(&r);
	assert_null(r.items);
	assert_int_equal(r.n, 0);
}

static void print_format(void **state)
{
	struct hull_check_report r = {0};
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	(void)state;
	assert_non_null(mem);
	hull_check_add(&r, "kvm.present", HULL_CHECK_OK, 0.1, "/dev/kvm (%d:%d)", 10, 232);
	hull_check_add(&r, "tun", HULL_CHECK_WARN, 0, "two\nlines\tand a tab");
	hull_check_add(&r, "tc.cls_bpf", HULL_CHECK_FAIL, 0, "refused");
	hull_check_report_print(mem, &r);
	fclose(mem);
	assert_string_equal(text, "ok   kvm.present  /dev/kvm (10:232)\n"
	                          "warn tun          two lines and a tab\n"
	                          "fail tc.cls_bpf   refused\n");
	free(text);
	hull_check_report_free(&r);
}

/* The pids whose parent is `parent`, sorted, space-separated. */
static void children_of(pid_t parent, char *out, size_t size)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pids[256];
	size_t n = 0, at = 0;

	assert_non_null(d);
	while ((e = readdir(d)) && n < 256) {
		char path[300], stat[512], *close_paren;
		int ppid, fd;
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (len <= 0)
			continue;
		stat[len] = '\0';
		close_paren = strrchr(stat, ')');
		if (close_paren && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 && ppid == parent)
			pids[n++] = atoi(e->d_name);
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && pids[k - 1] > pids[k]; k--) {
			int t = pids[k];

			pids[k] = pids[k - 1];
			pids[k - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%d ", pids[i]);
}

/*
 * The /dev/tap* nodes of macvtaps named like the check's links ("hullchk"):
 * /sys/dev/char/MAJ:MIN leads to the link, whatever its namespace.
 */
#define CHECK_TAPS                                                                                 \
	"for d in /dev/tap*; do [ -c \"$d\" ] || continue; "                                       \
	"l=$(readlink /sys/dev/char/$(stat -c %%Hr:%%Lr \"$d\")); "                                \
	"case $l in */hullchk*) echo \"$d $l\";; esac; done"

/*
 * In a mount namespace of its own with a fresh bpffs at /sys/fs/bpf (so
 * that any pin the check made is there, and only there): the check leaves
 * no child process, no pin and no device node of its macvtap (nodes of
 * others' macvtaps do not count).  Exits 0, or the number of the step
 * that went wrong.
 */
static int nothing_left_child(const struct hull_host_check_options *o)
{
	struct hull_check_report r = {0};
	const struct hull_check_item *it;
	cleanup_free char *taps = NULL, *pins_before = NULL, *pins = NULL;
	char kids_before[512], kids_after[512];
	int step = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0)
		return 1;
	/* A fresh bpffs holds the kernel's own maps.debug and progs.debug. */
	pins_before = capture("find /sys/fs/bpf -mindepth 1");
	children_of(getpid(), kids_before, sizeof(kids_before));
	hull_host_check(o, &r);
	children_of(getpid(), kids_after, sizeof(kids_after));
	taps = capture(CHECK_TAPS);
	pins = capture("find /sys/fs/bpf -mindepth 1");
	it = hull_check_report_find(&r, "tc.cls_bpf"); /* it did make links, filters, programs */
	if (it == NULL || it->status != HULL_CHECK_OK)
		step = 2;
	else if (strcmp(kids_before, kids_after) != 0)
		step = 3;
	else if (*taps)
		step = 4;
	else if (strcmp(pins, pins_before) != 0)
		step = 5;
	if (step)
		fprintf(stderr, "# children %s -> %s\n# taps: %s\n# pins: %s\n", kids_before,
		        kids_after, taps, pins);
	hull_check_report_free(&r);
	return step;
}

/* Runs child(o) in a forked process, which must exit 0. */
static void in_child(int (*child)(const struct hull_host_check_options *),
                     const struct hull_host_check_options *o)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child(o));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ... nor a link named like its own in this, the host's, network namespace. */
static void nothing_left_behind(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);
	cleanup_free char *links_before = NULL, *links_after = NULL;

	if (geteuid() != 0)
		skip();
	links_before = host_links();
	in_child(nothing_left_child, &o);
	links_after = host_links();
	host_links_expect_same(links_before, links_after, "hullchk*");
}

/*
 * In a mount namespace of its own, without bpffs at /sys/fs/bpf: warns
 * without --fix, mounts it with.  The host's mounts stay as they are.
 * Exits 0, or the number of the step that went wrong.
 */
static int bpffs_fix_child(const struct hull_host_check_options *base)
{
	struct hull_host_check_options o = *base;
	struct hull_check_report r = {0};
	const struct hull_check_item *it;
	int step = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return 1;
	umount2("/sys/fs/bpf", MNT_DETACH); /* none there is fine */
	if (fs_is("/sys/fs/bpf", BPF_FS_MAGIC))
		return 2;
	hull_host_check(&o, &r);
	it = hull_check_report_find(&r, "bpffs");
	if (!it || it->status != HULL_CHECK_WARN || !strstr(it->detail, "`hull check --fix`"))
		step = 3;
	hull_check_report_free(&r);
	o.mount_bpffs = true;
	if (step == 0)
		hull_host_check(&o, &r);
	it = hull_check_report_find(&r, "bpffs");
	if (step == 0 &&
	    (!it || it->status != HULL_CHECK_OK || !strstr(it->detail, "mounted one now")))
		step = 4;
	if (step == 0 && !fs_is("/sys/fs/bpf", BPF_FS_MAGIC))
		step = 5;
	if (step && it)
		fprintf(stderr, "# bpffs: %s %s\n", hull_check_status_name(it->status), it->detail);
	hull_check_report_free(&r);
	return step;
}

static void bpffs_fix_mounts_it(void **state)
{
	struct files *f = *state;
	struct hull_host_check_options o = real_options(f);

	if (geteuid() != 0)
		skip();
	in_child(bpffs_fix_child, &o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(print_format),
	    cmocka_unit_test(json_shape_and_ok),
	    cmocka_unit_test_setup_teardown(real_host_results, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_qemu_fails_naming_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(qemu_that_cannot_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(qemu_without_tcg, setup, teardown),
	    cmocka_unit_test_setup_teardown(slow_program_is_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(kernel_that_is_not_a_bzimage, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_or_unknown_initrd, setup, teardown),
	    cmocka_unit_test_setup_teardown(nothing_left_behind, setup, teardown),
	    cmocka_unit_test_setup_teardown(bpffs_fix_mounts_it, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
