/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull check [--json] [--fix] [--no-boot]`: whether this host can run
 * hull's sandboxes, proven rather than guessed.  The host's checks
 * (runtime/host_check.h) and then a probe boot of the configured guest:
 * KVM first under the boot watchdog when /dev/kvm works, then TCG when
 * KVM did not boot it, each to the agent and timed.  The probe renews
 * this boot's accelerator verdict, so `hull check` after a fix (or after
 * a false verdict) is how accel=auto learns again.  Exit status 0 when a
 * sandbox can run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "runtime/accel.h"
#include "runtime/commands.h"
#include "runtime/config_file.h"
#include "runtime/host_check.h"
#include "runtime/sandbox.h"

#define USAGE "[--json] [--fix] [--no-boot]"

/*
 * "kvm.boot": one KVM attempt under the watchdog; true when it booted.
 * Whether /dev/kvm works is the host check's kvm.usable, already in r:
 * /dev/kvm is not asked again.
 */
static bool probe_kvm(const struct hull_config *cfg, const char *root, const char *run_dir,
                      char *params, struct hull_check_report *r)
{
	cleanup_error hull_error_t err = NULL;
	const struct hull_check_item *usable = hull_check_report_find(r, "kvm.usable");
	struct vm_params p;
	struct vm vm;
	long long t0 = hull_now_ms();

	if (!accel_kvm_hooked() && (usable == NULL || usable->status != HULL_CHECK_OK)) {
		hull_check_add(r, "kvm.boot", HULL_CHECK_WARN, 0, "not tried: %s",
		               usable ? usable->detail : "kvm.usable was not checked");
		return false;
	}
	sandbox_vm_params(cfg, run_dir, params, &p);
	if (accel_boot_kvm(&p, &vm, &err) < 0) {
		cleanup_free char *text = hull_error_text(err);

		accel_remember(root, &vm, err);
		hull_check_add(r, "kvm.boot", HULL_CHECK_WARN, (double)(hull_now_ms() - t0), "%s%s",
		               text ? text : "failed",
		               accel_failed(&vm)
		                   ? "; accel=auto boots sandboxes under TCG until the "
		                     "host reboots"
		                   : "");
		return false;
	}
	accel_remember(root, &vm, NULL);
	hull_check_add(r, "kvm.boot", HULL_CHECK_OK, (double)vm.boot_ms,
	               "hull's guest reached its agent under KVM in %lld ms (its init after %lld "
	               "ms; the watchdog allows %d ms)",
	               vm.boot_ms, vm.alive_ms, ACCEL_WATCHDOG_MS);
	vm_stop(&vm);
	return true;
}

/* "boot": the accelerator sandboxes get here, from the guest's point of view. */
static void probe_boot(const struct hull_config *cfg, const char *root, bool tcg_only,
                       struct hull_check_report *r)
{
	cleanup_free char *params = sandbox_kernel_params(cfg);
	char run_dir[PATH_MAX];
	bool kvm;

	if (params == NULL) {
		hull_check_add(r, "boot", HULL_CHECK_FAIL, 0, "out of memory");
		return;
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		hull_check_add(r, "boot", HULL_CHECK_FAIL, 0, "state root %s: %s", root,
		               strerror(errno));
		return;
	}
	/* ':' keeps the probe's directory apart from every container id. */
	if ((size_t)snprintf(run_dir, sizeof(run_dir), "%s/check:XXXXXX", root) >=
	        sizeof(run_dir) ||
	    mkdtemp(run_dir) == NULL) {
		hull_check_add(r, "boot", HULL_CHECK_FAIL, 0, "a directory for the probe in %s: %s",
		               root, strerror(errno));
		return;
	}
	kvm = probe_kvm(cfg, root, run_dir, params, r);
	if (kvm && !tcg_only) {
		hull_check_add(r, "boot", HULL_CHECK_OK, 0, "sandboxes boot under KVM");
	} else {
		cleanup_error hull_error_t err = NULL;
		struct vm_params p;
		struct vm vm;

		sandbox_vm_params(cfg, run_dir, params, &p);
		p.accel_name = "tcg";
		if (vm_start(&p, &vm, &err) < 0) {
			cleanup_free char *text = hull_error_text(err);

			hull_check_add(r, "boot", HULL_CHECK_FAIL, 0, "%s", text ? text : "failed");
		} else {
			hull_check_add(
			    r, "boot", HULL_CHECK_OK, (double)vm.boot_ms,
			    "hull's guest reached its agent under TCG in %lld ms%s", vm.boot_ms,
			    tcg_only ? " (hypervisor.accel is tcg)" : "; sandboxes boot under TCG");
			vm_stop(&vm);
		}
	}
	for (const char *leaf = "console.log\0qemu.log\0"; *leaf; leaf += strlen(leaf) + 1) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/%s", run_dir, leaf);
		unlink(path);
	}
	rmdir(run_dir);
}

int cmd_check(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"fix", no_argument, NULL, 'f'},
	    {"no-boot", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct hull_config cfg = {0};
	struct hull_check_report r = {0};
	bool json = false, fix = false, boot = true, ok;
	const char *root;
	int c;

	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'f':
			fix = true;
			break;
		case 'n':
			boot = false;
			break;
		case 'h':
			printf("usage: hull check %s\n\n"
			       "Checks that this host can run hull's sandboxes: one line per "
			       "requirement (ok, warn or fail, and why), then a probe boot of the "
			       "configured guest (KVM first, under the boot watchdog, then TCG).\n"
			       "  --json     the report as JSON\n"
			       "  --fix      mount bpffs at /sys/fs/bpf when it is missing\n"
			       "  --no-boot  skip the probe boot\n"
			       "Exit status 0 when a sandbox can run here.\n",
			       USAGE);
			exit(0);
		default:
			return hull_fail(err, 0, "usage: hull check %s", USAGE);
		}
	}
	if (optind != argc)
		return hull_fail(err, 0, "usage: hull check %s", USAGE);
	if (hull_config_file_load(g->config_path, &cfg, err) < 0) {
		hull_config_free(&cfg);
		return -1;
	}
	root = g->root ? g->root : cfg.runtime.state_root;
	hull_host_check(
	    &(struct hull_host_check_options){.qemu = cfg.hypervisor.path,
	                                      .virtiofsd = cfg.hypervisor.virtio_fs_daemon,
	                                      .kernel = cfg.hypervisor.kernel,
	                                      .initrd = cfg.hypervisor.initrd,
	                                      .mount_bpffs = fix},
	    &r);
	if (boot)
		probe_boot(&cfg, root, strcmp(cfg.hypervisor.accel, "tcg") == 0, &r);
	ok = hull_check_report_ok(&r);
	if (json) {
		cleanup_json json_t *j = hull_check_report_json(&r);
		cleanup_free char *text =
		    j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;

		if (text)
			printf("%s\n", text);
	} else {
		hull_check_report_print(stdout, &r);
	}
	hull_check_report_free(&r);
	hull_config_free(&cfg);
	if (!ok)
		return hull_fail(err, 0,
		                 "this host cannot run hull's sandboxes as configured (see "
		                 "the lines marked fail)");
	return 0;
}
