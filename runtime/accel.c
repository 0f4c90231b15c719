/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/accel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "persist/accel_verdict.h"

enum test_kvm {
	TEST_KVM_NONE,
	TEST_KVM_STALL,
	TEST_KVM_EXIT,
	TEST_KVM_TCG
};

static enum test_kvm test_kvm(void)
{
	const char *v = getenv(ACCEL_TEST_ENV);

	if (v && strcmp(v, "stall") == 0)
		return TEST_KVM_STALL;
	if (v && strcmp(v, "exit") == 0)
		return TEST_KVM_EXIT;
	if (v && strcmp(v, "tcg") == 0)
		return TEST_KVM_TCG;
	return TEST_KVM_NONE;
}

enum accel_kvm_step accel_kvm_probe(int *api, int *error)
{
	cleanup_close int fd = -1;
	int vm_fd;

	*api = -1;
	*error = 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*error = errno;
		return ACCEL_KVM_OPEN;
	}
	*api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (*api != KVM_API_VERSION)
		return ACCEL_KVM_API;
	vm_fd = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0) {
		*error = errno;
		return ACCEL_KVM_CREATE_VM;
	}
	close(vm_fd);
	return ACCEL_KVM_WORKS;
}

bool accel_kvm_hooked(void)
{
	return test_kvm() != TEST_KVM_NONE;
}

bool accel_kvm_usable(char *why, size_t size)
{
	int api, e;

	if (accel_kvm_hooked())
		return true;
	switch (accel_kvm_probe(&api, &e)) {
	case ACCEL_KVM_WORKS:
		return true;
	case ACCEL_KVM_OPEN:
		snprintf(why, size, "/dev/kvm: %s", strerror(e));
		break;
	case ACCEL_KVM_API:
		snprintf(why, size, "/dev/kvm: KVM API version %d, not %d", api, KVM_API_VERSION);
		break;
	case ACCEL_KVM_CREATE_VM:
		snprintf(why, size, "/dev/kvm: KVM_CREATE_VM: %s", strerror(e));
		break;
	}
	return false;
}

/* An error's text as one printable ASCII line, for the verdict and the log. */
static void reason_from(const struct hull_error *e, char *out, size_t size)
{
	cleanup_free char *text = hull_error_text(e);
	size_t o = 0;

	for (const char *s = text ? text : "unknown"; *s && o + 1 < size; s++)
		out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : ' ';
	out[o] = '\0';
}

static void save_verdict(const char *state_root, enum hull_accel accel, const char *reason,
                         long long alive_ms)
{
	cleanup_error hull_error_t err = NULL;
	struct hull_accel_verdict v = {.accel = accel, .kvm_alive_ms = alive_ms};

	snprintf(v.reason, sizeof(v.reason), "%s", reason);
	if (hull_accel_verdict_save(state_root, &v, &err) < 0)
		log_warning("could not remember the accelerator verdict: %s", hull_error_str(err));
}

int accel_boot_kvm(const struct vm_params *p, struct vm *vm, hull_error_t *err)
{
	struct vm_params attempt = *p;

	attempt.qemu.kvm = true;
	attempt.watchdog_ms = ACCEL_WATCHDOG_MS;
	attempt.accel_name = "kvm";
	switch (test_kvm()) {
	case TEST_KVM_STALL:
		attempt.qemu.kvm = false;
		attempt.qemu.paused = true;
		break;
	case TEST_KVM_EXIT:
		attempt.qemu.qemu = "/bin/false";
		break;
	case TEST_KVM_TCG:
		attempt.qemu.kvm = false;
		attempt.watchdog_ms = p->boot_timeout_ms;
		break;
	case TEST_KVM_NONE:
		break;
	}
	if (vm_start(&attempt, vm, err) < 0)
		return -1;
	vm->kvm = true;
	return 0;
}

static int boot_tcg(struct vm_params *p, struct vm *vm, hull_error_t *err)
{
	p->qemu.kvm = false;
	p->watchdog_ms = 0;
	p->accel_name = "tcg";
	return vm_start(p, vm, err);
}

bool accel_failed(const struct vm *vm)
{
	return vm->failure == VM_FAIL_NO_LIFE || vm->failure == VM_FAIL_QEMU_EXITED;
}

void accel_remember(const char *state_root, const struct vm *vm, const struct hull_error *why)
{
	char reason[512];

	if (vm->failure == VM_FAIL_NONE) {
		save_verdict(state_root, HULL_ACCEL_KVM, "a KVM guest reached its init",
		             vm->alive_ms);
	} else if (accel_failed(vm)) {
		reason_from(why, reason, sizeof(reason));
		save_verdict(state_root, HULL_ACCEL_TCG, reason, -1);
	}
}

static int boot_auto(const char *state_root, struct vm_params *p, struct vm *vm, hull_error_t *err)
{
	cleanup_error hull_error_t verr = NULL;
	struct hull_accel_verdict v;
	char why[256], reason[512];
	int known;

	if (!accel_kvm_usable(why, sizeof(why))) {
		log_info("%s: the VM runs under TCG (software emulation)", why);
		return boot_tcg(p, vm, err);
	}
	known = hull_accel_verdict_load(state_root, &v, &verr);
	if (known < 0)
		log_warning("%s; probing KVM again", hull_error_str(verr));
	if (known > 0 && v.accel == HULL_ACCEL_TCG) {
		log_info("KVM failed earlier in this boot (%s, %s): the VM runs under TCG",
		         v.decided_at, v.reason);
		return boot_tcg(p, vm, err);
	}
	if (accel_boot_kvm(p, vm, err) == 0) {
		if (known <= 0 || v.accel != HULL_ACCEL_KVM)
			accel_remember(state_root, vm, NULL);
		return 0;
	}
	if (!accel_failed(vm))
		return -1;
	accel_remember(state_root, vm, *err);
	reason_from(*err, reason, sizeof(reason));
	hull_error_release(err);
	log_warning("KVM does not work on this host (%s): the VM boots under TCG, and so will "
	            "later sandboxes until the host reboots",
	            reason);
	return boot_tcg(p, vm, err);
}

int accel_boot(const char *setting, const char *state_root, struct vm_params *p, struct vm *vm,
               hull_error_t *err)
{
	char why[256];

	if (strcmp(setting, "tcg") == 0)
		return boot_tcg(p, vm, err);
	if (strcmp(setting, "auto") == 0)
		return boot_auto(state_root, p, vm, err);
	if (strcmp(setting, "kvm") != 0)
		return hull_fail(err, 0, "hypervisor.accel \"%s\" is not auto, kvm or tcg",
		                 setting);
	if (!accel_kvm_usable(why, sizeof(why)))
		return hull_fail(err, 0, "accel=kvm: %s", why);
	if (accel_boot_kvm(p, vm, err) == 0)
		return 0;
	accel_remember(state_root, vm, *err);
	if (accel_failed(vm))
		return hull_error_prefix(err, "accel=kvm: KVM does not work on this host");
	return -1;
}
