/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull_host_check(): every check of `hull check` but the probe boot.
 * QEMU's and virtiofsd's answers and the network namespace's child
 * (runtime/host_check_net.c) run concurrently while this process looks at
 * /dev/kvm, the guest image, bpffs, BTF, the tap and vhost devices and the
 * cgroup hierarchy; the items are then appended in a fixed order.
 */
#include "runtime/host_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/magic.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "runtime/accel.h"
#include "runtime/host_check_internal.h"

#define KVM_DEV "/dev/kvm"
#define TUN_DEV "/dev/net/tun"
#define VHOST_NET_DEV "/dev/vhost-net"
#define FUSE_DEV "/dev/fuse"
#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_UNIFIED CGROUP_ROOT "/unified"

#define TCG_FALLBACK "sandboxes run under TCG, several times slower"

/* "13.5 MiB", "4.0 KiB", "10 bytes" into buf. */
static const char *size_text(off_t size, char *buf, size_t len)
{
	if (size >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", (double)size / (1024.0 * 1024.0));
	else if (size >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)size / 1024.0);
	else
		snprintf(buf, len, "%lld bytes", (long long)size);
	return buf;
}

/* Moves every item of from to the end of to. */
static void take_items(struct hull_check_report *to, struct hull_check_report *from)
{
	for (size_t i = 0; i < from->n; i++)
		hull_check_add(to, from->items[i].name, from->items[i].status, from->items[i].ms,
		               "%s", from->items[i].detail);
	hull_check_report_free(from);
}

/* kvm.present and kvm.usable. */
static void check_kvm(struct hull_check_report *r)
{
	double t0 = hc_now_ms();
	struct stat st;
	int e = stat(KVM_DEV, &st) < 0 ? errno : 0;
	int api;

	if (e != 0 || !S_ISCHR(st.st_mode)) {
		char why[128];

		if (e == ENOENT)
			snprintf(why, sizeof(why), "no " KVM_DEV);
		else if (e != 0)
			snprintf(why, sizeof(why), "stat " KVM_DEV ": %s", strerror(e));
		else
			snprintf(why, sizeof(why), KVM_DEV " is not a character device");
		hull_check_add(r, "kvm.present", HULL_CHECK_WARN, hc_now_ms() - t0,
		               "%s: " TCG_FALLBACK " (enable virtualization in the firmware; "
		               "modprobe kvm_intel or kvm_amd)",
		               why);
		hull_check_add(r, "kvm.usable", HULL_CHECK_WARN, 0,
		               "not checked: no " KVM_DEV ": " TCG_FALLBACK);
		return;
	}
	hull_check_add(r, "kvm.present", HULL_CHECK_OK, hc_now_ms() - t0, KVM_DEV " (%u:%u)",
	               major(st.st_rdev), minor(st.st_rdev));

	t0 = hc_now_ms();
	switch (accel_kvm_probe(&api, &e)) {
	case ACCEL_KVM_OPEN:
		hull_check_add(r, "kvm.usable", HULL_CHECK_WARN, hc_now_ms() - t0,
		               "open " KVM_DEV ": %s: " TCG_FALLBACK " (run hull as root)",
		               strerror(e));
		return;
	case ACCEL_KVM_API:
		hull_check_add(r, "kvm.usable", HULL_CHECK_WARN, hc_now_ms() - t0,
		               KVM_DEV " answers KVM API version %d, not %d: " TCG_FALLBACK, api,
		               KVM_API_VERSION);
		return;
	case ACCEL_KVM_CREATE_VM:
		hull_check_add(r, "kvm.usable", HULL_CHECK_WARN, hc_now_ms() - t0,
		               "KVM_CREATE_VM: %s: " TCG_FALLBACK
		               " (is another hypervisor holding the CPU's virtualization?)",
		               strerror(e));
		return;
	case ACCEL_KVM_WORKS:
		break;
	}
	hull_check_add(r, "kvm.usable", HULL_CHECK_OK, hc_now_ms() - t0,
	               "KVM API version %d; KVM_CREATE_VM works (whether QEMU runs under it, "
	               "only a boot shows)",
	               api);
}

/* Opens a guest file named by `setting`; -1 with *err naming the path and the fix. */
static int open_guest_file(const char *setting, const char *path, struct stat *st,
                           hull_error_t *err)
{
	cleanup_close int fd = -1;

	if (path == NULL || *path == '\0')
		return hull_fail(err, 0, "hypervisor.%s is empty", setting);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_fail(err, errno, "%s", path);
	if (fstat(fd, st) < 0)
		return hull_fail(err, errno, "%s", path);
	if (!S_ISREG(st->st_mode))
		return hull_fail(err, 0, "%s is not a regular file", path);
	return steal_fd(&fd);
}

static void guest_file_failed(struct hull_check_report *r, const char *item, const char *setting,
                              double t0, const struct hull_error *err)
{
	char text[400];

	hull_check_add(r, item, HULL_CHECK_FAIL, hc_now_ms() - t0,
	               "%s: set hypervisor.%s, or build and install hull's guest image (make "
	               "guest install)",
	               hc_error_text(err, text, sizeof(text)), setting);
}

/* guest.kernel: an x86 bzImage ("HdrS" at 0x202); its version string when it has one. */
static void check_kernel(struct hull_check_report *r, const char *path)
{
	cleanup_error hull_error_t err = NULL;
	double t0 = hc_now_ms();
	struct stat st;
	cleanup_close int fd = open_guest_file("kernel", path, &st, &err);
	uint8_t hdr[0x210];
	char version[128] = "", size[32];
	unsigned at;

	if (fd < 0) {
		guest_file_failed(r, "guest.kernel", "kernel", t0, err);
		return;
	}
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr + 0x202, "HdrS", 4) != 0) {
		hull_fail(&err, 0, "%s is not a bzImage (no \"HdrS\" at 0x202)", path);
		guest_file_failed(r, "guest.kernel", "kernel", t0, err);
		return;
	}
	/* The boot protocol's kernel_version: an offset from 0x200 to a string. */
	at = hdr[0x20e] | (unsigned)hdr[0x20f] << 8;
	if (at != 0 && pread(fd, version, sizeof(version) - 1, 0x200 + at) > 0)
		version[strcspn(version, " \n")] = '\0';
	hull_check_add(r, "guest.kernel", HULL_CHECK_OK, hc_now_ms() - t0,
	               "%s: bzImage%s%s, boot protocol %u.%02u, %s", path, version[0] ? " " : "",
	               version, hdr[0x207], hdr[0x206], size_text(st.st_size, size, sizeof(size)));
}

/* What an initrd may start with: what the kernel unpacks. */
static const struct {
	const char *magic;
	size_t len;
	const char *what;
} initrd_kinds[] = {
    {"\x1f\x8b", 2, "gzip-compressed"},
    {"\x28\xb5\x2f\xfd", 4, "zstd-compressed"},
    {"\xfd"
     "7zXZ\0",
     6, "xz-compressed"},
    {"070701", 6, "a cpio archive (newc)"},
    {"070702", 6, "a cpio archive (newc, with CRCs)"},
};

/* guest.initrd: gzip, zstd, xz or an uncompressed newc cpio. */
static void check_initrd(struct hull_check_report *r, const char *path)
{
	cleanup_error hull_error_t err = NULL;
	double t0 = hc_now_ms();
	struct stat st;
	cleanup_close int fd = open_guest_file("initrd", path, &st, &err);
	uint8_t head[6] = {0};
	char size[32];
	ssize_t n;

	if (fd < 0) {
		guest_file_failed(r, "guest.initrd", "initrd", t0, err);
		return;
	}
	n = pread(fd, head, sizeof(head), 0);
	for (size_t i = 0; n > 0 && i < sizeof(initrd_kinds) / sizeof(initrd_kinds[0]); i++) {
		if ((size_t)n >= initrd_kinds[i].len &&
		    memcmp(head, initrd_kinds[i].magic, initrd_kinds[i].len) == 0) {
			hull_check_add(r, "guest.initrd", HULL_CHECK_OK, hc_now_ms() - t0,
			               "%s: %s, %s", path, initrd_kinds[i].what,
			               size_text(st.st_size, size, sizeof(size)));
			return;
		}
	}
	if (n <= 0)
		hull_fail(&err, n < 0 ? errno : 0, "%s is empty or unreadable", path);
	else
		hull_fail(
		    &err, 0,
		    "%s is not a gzip, zstd or xz compressed or cpio (newc) initrd (it starts "
		    "%02x %02x %02x %02x %02x %02x)",
		    path, head[0], head[1], head[2], head[3], head[4], head[5]);
	guest_file_failed(r, "guest.initrd", "initrd", t0, err);
}

/* bpffs: mounted at /sys/fs/bpf, or mounted now when asked. */
static void check_bpffs(struct hull_check_report *r, bool mount_it)
{
	cleanup_error hull_error_t err = NULL;
	double t0 = hc_now_ms();
	struct statfs sf;
	char text[300];

	if (statfs(HULL_BPFFS, &sf) == 0 && sf.f_type == BPF_FS_MAGIC) {
		hull_check_add(r, "bpffs", HULL_CHECK_OK, hc_now_ms() - t0,
		               "bpffs mounted at " HULL_BPFFS);
		return;
	}
	if (!mount_it) {
		hull_check_add(r, "bpffs", HULL_CHECK_WARN, hc_now_ms() - t0,
		               "no bpffs at " HULL_BPFFS ": hull mounts it at the first network "
		               "setup; `hull check --fix` mounts it now");
		return;
	}
	if (hull_bpffs_ensure_mounted(&err) == 0) {
		hull_check_add(r, "bpffs", HULL_CHECK_OK, hc_now_ms() - t0,
		               "no bpffs was mounted at " HULL_BPFFS ": mounted one now");
		return;
	}
	hull_check_add(r, "bpffs", HULL_CHECK_WARN, hc_now_ms() - t0,
	               "no bpffs at " HULL_BPFFS " and %s: hull tries again at the first network "
	               "setup, where it pins its programs and maps",
	               hc_error_text(err, text, sizeof(text)));
}

/* btf: the kernel's own BTF. */
static void check_btf(struct hull_check_report *r)
{
	double t0 = hc_now_ms();
	struct stat st;
	char size[32];

	if (stat(BTF_VMLINUX, &st) == 0)
		hull_check_add(r, "btf", HULL_CHECK_OK, hc_now_ms() - t0, BTF_VMLINUX ", %s",
		               size_text(st.st_size, size, sizeof(size)));
	else
		hull_check_add(r, "btf", HULL_CHECK_WARN, hc_now_ms() - t0,
		               BTF_VMLINUX
		               ": %s: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF); "
		               "hull's programs carry their own, tools like bpftrace need it",
		               strerror(errno));
}

/* tun, vhost_net and fuse: the device opens read-write. */
static void check_device(struct hull_check_report *r, const char *item, const char *path,
                         enum hull_check_status missing, const char *without)
{
	double t0 = hc_now_ms();
	cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		hull_check_add(r, item, missing, hc_now_ms() - t0, "open %s: %s: %s", path,
		               strerror(errno), without);
		return;
	}
	if (fstat(fd, &st) < 0)
		st.st_rdev = 0;
	hull_check_add(r, item, HULL_CHECK_OK, hc_now_ms() - t0, "%s opens (%u:%u)", path,
	               major(st.st_rdev), minor(st.st_rdev));
}

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* cgroup2: the unified hierarchy at /sys/fs/cgroup. */
static void check_cgroup2(struct hull_check_report *r)
{
	double t0 = hc_now_ms();

	if (is_cgroup2(CGROUP_ROOT))
		hull_check_add(r, "cgroup2", HULL_CHECK_OK, hc_now_ms() - t0,
		               "unified: cgroup2 at " CGROUP_ROOT);
	else if (is_cgroup2(CGROUP_UNIFIED))
		hull_check_add(r, "cgroup2", HULL_CHECK_WARN, hc_now_ms() - t0,
		               "hybrid: cgroup v1 controllers at " CGROUP_ROOT
		               ", cgroup2 only at " CGROUP_UNIFIED " (boot with "
		               "systemd.unified_cgroup_hierarchy=1 for the unified hierarchy)");
	else
		hull_check_add(r, "cgroup2", HULL_CHECK_WARN, hc_now_ms() - t0,
		               "cgroup v1 only: no cgroup2 at " CGROUP_ROOT
		               " (boot with systemd.unified_cgroup_hierarchy=1)");
}

/* The helper programs hull runs, and the child of the network checks. */
struct helpers {
	struct hc_child qemu_accel, virtiofsd, net;
};

/* Fails unless path names an executable regular file. */
static int check_executable(const char *setting, const char *path, hull_error_t *err)
{
	struct stat st;

	if (path == NULL || *path == '\0')
		return hull_fail(err, 0, "%s is empty", setting);
	if (stat(path, &st) < 0)
		return hull_fail(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return hull_fail(err, 0, "%s is not a regular file", path);
	if (access(path, X_OK) < 0)
		return hull_fail(err, errno, "%s is not executable", path);
	return 0;
}

/* Runs path arg1 [arg2] into c, when path is an executable. */
static void start_program(struct hc_child *c, const char *setting, const char *path,
                          const char *arg1, const char *arg2)
{
	char *argv[] = {(char *)path, (char *)arg1, (char *)arg2, NULL};

	c->out_fd = c->pid_fd = -1;
	if (check_executable(setting, path, &c->err) == 0)
		hc_child_spawn(c, argv);
}

/*
 * QEMU's version as `--version` prints it, read from the binary instead
 * ("QEMU emulator version " QEMU_FULL_VERSION is one string literal in
 * it): one QEMU exec less, ~30 ms of CPU.  `-accel help` proves it runs.
 */
static void qemu_version_of(const char *path, char *out, size_t size)
{
	static const char needle[] = "QEMU emulator version ";
	const size_t nlen = sizeof(needle) - 1, chunk = 1 << 20;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = malloc(chunk + size);
	off_t at = 0;
	ssize_t n;

	out[0] = '\0';
	while (fd >= 0 && buf && (n = pread(fd, buf, chunk + size - 1, at)) > (ssize_t)nlen) {
		char *hit = memmem(buf, (size_t)n, needle, nlen);

		if (hit) {
			size_t len = strnlen(hit, (size_t)(buf + n - hit));

			len = len < size - 1 ? len : size - 1;
			memcpy(out, hit, len);
			out[len] = '\0';
			out[strcspn(out, "\n")] = '\0';
			return;
		}
		at += (off_t)chunk; /* the next read overlaps this one by size - 1 bytes */
	}
}

/* qemu: it runs (`-accel help` answered) and its version. */
static void add_qemu(struct hull_check_report *r, const char *path, const struct hc_child *c,
                     unsigned timeout_ms)
{
	char version[256], outcome[400], text[400], line[256];

	if (c->err) {
		hull_check_add(r, "qemu", HULL_CHECK_FAIL, 0,
		               "%s: set hypervisor.path, or install QEMU (Debian: qemu-system-x86)",
		               hc_error_text(c->err, text, sizeof(text)));
		return;
	}
	if (!hc_child_succeeded(c)) {
		hc_child_first_line(c, line, sizeof(line));
		hull_check_add(r, "qemu", HULL_CHECK_FAIL, c->ms,
		               "%s %s%s%s: set hypervisor.path, or install QEMU (Debian: "
		               "qemu-system-x86)",
		               c->what, hc_child_outcome(c, timeout_ms, outcome, sizeof(outcome)),
		               line[0] ? ": " : "", line);
		return;
	}
	qemu_version_of(path, version, sizeof(version));
	hull_check_add(r, "qemu", HULL_CHECK_OK, c->ms, "%s: %s", path,
	               version[0] ? version : "runs (no version string in the binary)");
}

/* virtiofsd: the binary runs, and says its version. */
static void add_program(struct hull_check_report *r, const char *item, const char *setting,
                        const char *path, const struct hc_child *c, unsigned timeout_ms,
                        const char *install)
{
	char line[256], outcome[400], text[400];

	if (c->err) {
		hull_check_add(r, item, HULL_CHECK_FAIL, 0, "%s: set %s, or %s",
		               hc_error_text(c->err, text, sizeof(text)), setting, install);
	} else if (!hc_child_succeeded(c)) {
		hc_child_first_line(c, line, sizeof(line));
		hull_check_add(r, item, HULL_CHECK_FAIL, c->ms, "%s %s%s%s: set %s, or %s", c->what,
		               hc_child_outcome(c, timeout_ms, outcome, sizeof(outcome)),
		               line[0] ? ": " : "", line, setting, install);
	} else {
		hc_child_first_line(c, line, sizeof(line));
		hull_check_add(r, item, HULL_CHECK_OK, c->ms, "%s: %s", path,
		               line[0] ? line : "(prints no version)");
	}
}

/* tcg: `QEMU -accel help` lists tcg. */
static void add_tcg(struct hull_check_report *r, const struct helpers *h, unsigned timeout_ms)
{
	const struct hc_child *c = &h->qemu_accel;
	char outcome[400], accels[128] = "";
	bool tcg = false;
	char *save = NULL, *copy;

	if (c->err) {
		hull_check_add(r, "tcg", HULL_CHECK_FAIL, 0,
		               "not checked: QEMU cannot run (see qemu)");
		return;
	}
	if (!hc_child_succeeded(c)) {
		hull_check_add(r, "tcg", HULL_CHECK_FAIL, c->ms, "%s %s", c->what,
		               hc_child_outcome(c, timeout_ms, outcome, sizeof(outcome)));
		return;
	}
	/* "Accelerators supported in QEMU binary:" then one name a line. */
	copy = strdup(c->out ? c->out : "");
	for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strchr(l, ' ') || strchr(l, ':'))
			continue;
		tcg |= strcmp(l, "tcg") == 0;
		if (strlen(accels) + strlen(l) + 3 < sizeof(accels))
			snprintf(accels + strlen(accels), sizeof(accels) - strlen(accels), "%s%s",
			         accels[0] ? ", " : "", l);
	}
	free(copy);
	if (tcg)
		hull_check_add(r, "tcg", HULL_CHECK_OK, c->ms, "QEMU's accelerators: %s", accels);
	else
		hull_check_add(r, "tcg", HULL_CHECK_FAIL, c->ms,
		               "%s does not list tcg (only: %s): without a working KVM no sandbox "
		               "can run; use a QEMU built with TCG (Debian's qemu-system-x86)",
		               c->what, accels[0] ? accels : "nothing");
}

void hull_host_check(const struct hull_host_check_options *o, struct hull_check_report *r)
{
	unsigned timeout = o->timeout_ms ? o->timeout_ms : HULL_HOST_CHECK_TIMEOUT_MS;
	struct helpers h = {0};
	struct hc_child *all[] = {&h.qemu_accel, &h.net, &h.virtiofsd};
	struct hull_check_report kvm = {0}, host = {0};

	/* The slow ones first: QEMU takes ~30 ms to answer. */
	start_program(&h.qemu_accel, "hypervisor.path", o->qemu, "-accel", "help");
	hc_net_start(&h.net);
	start_program(&h.virtiofsd, "hypervisor.virtio_fs_daemon", o->virtiofsd, "--version", NULL);

	check_kvm(&kvm);
	check_kernel(&host, o->kernel);
	check_initrd(&host, o->initrd);
	check_bpffs(&host, o->mount_bpffs);
	check_btf(&host);
	check_device(&host, "tun", TUN_DEV, HULL_CHECK_FAIL,
	             "tcfilter endpoints need taps (modprobe tun)");
	check_device(&host, "vhost_net", VHOST_NET_DEV, HULL_CHECK_WARN,
	             "QEMU copies packets itself (modprobe vhost_net)");
	check_device(&host, "fuse", FUSE_DEV, HULL_CHECK_WARN,
	             "no /proc view of the container's processes: Podman's top lists the "
	             "host's (modprobe fuse)");
	check_cgroup2(&host);

	hc_children_wait(all, sizeof(all) / sizeof(all[0]), timeout);

	take_items(r, &kvm);
	add_qemu(r, o->qemu, &h.qemu_accel, timeout);
	add_tcg(r, &h, timeout);
	add_program(r, "virtiofsd", "hypervisor.virtio_fs_daemon", o->virtiofsd, &h.virtiofsd,
	            timeout, "install virtiofsd (Debian 12: qemu-system-common)");
	take_items(r, &host);
	hc_net_report(&h.net, timeout, r);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		hc_child_release(all[i]);
}
