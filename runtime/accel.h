/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accelerator a sandbox boots under: hypervisor.accel resolved on
 * this host, with a boot watchdog on every KVM attempt.
 *
 *   tcg   TCG (software emulation).
 *   kvm   KVM or a fast, clear error: /dev/kvm missing or refused, QEMU
 *         aborting under KVM, or a guest that shows no sign of life within
 *         ACCEL_WATCHDOG_MS.  Never falls back.
 *   auto  KVM when /dev/kvm works and this boot's verdict
 *         (persist/accel_verdict.h) does not say it failed; a KVM attempt
 *         that aborts or hangs is abandoned (QEMU killed, virtiofsd
 *         stopped, sockets removed; taps and pins stay for the next
 *         attempt), one warning names why, the verdict is saved, and the
 *         VM boots under TCG.  Later sandboxes read the verdict and go
 *         straight to TCG.
 *
 * Test hook, so that every path runs on any host: HULL_TEST_KVM=stall
 * makes this host look as if its KVM hangs every guest (each KVM attempt
 * is a QEMU whose vCPUs never start, under TCG); =exit as if QEMU aborted
 * under KVM (the attempt runs /bin/false as QEMU); =tcg as if KVM worked
 * (the attempt boots under TCG, its watchdog as long as the boot
 * timeout).  Each implies a usable /dev/kvm.
 */
#ifndef HULL_RUNTIME_ACCEL_H
#define HULL_RUNTIME_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "vmm/vm.h"

/*
 * How long a KVM guest may take to reach its init (VM_GUEST_ALIVE_MARKER)
 * before it is judged hung.  Under TCG this guest reaches its init in
 * ~3.5-4 s on a 2-core host; a working KVM boot of it takes well under a
 * second (docs/sandbox.md has the measurements).
 */
#define ACCEL_WATCHDOG_MS 3000

#define ACCEL_TEST_ENV "HULL_TEST_KVM"

/*
 * /dev/kvm asked, without the test hook: ACCEL_KVM_WORKS when it opens,
 * answers KVM_GET_API_VERSION with KVM_API_VERSION and creates a VM;
 * otherwise the step that failed, with *error its errno (open,
 * KVM_CREATE_VM) and *api the version it answered (-1 before the ask).
 */
enum accel_kvm_step {
	ACCEL_KVM_WORKS,
	ACCEL_KVM_OPEN,
	ACCEL_KVM_API,
	ACCEL_KVM_CREATE_VM
};
enum accel_kvm_step accel_kvm_probe(int *api, int *error);

/*
 * Whether /dev/kvm can run a VM: opens, answers KVM_GET_API_VERSION and
 * creates a VM (accel_kvm_probe), or the test hook is set.  When not, why
 * names the cause ("/dev/kvm: No such file or directory").
 */
bool accel_kvm_usable(char *why, size_t size);

/* Whether the test hook (ACCEL_TEST_ENV) is set: it implies a usable /dev/kvm. */
bool accel_kvm_hooked(void);

/*
 * Boots p under the accelerator that `setting` ("auto", "kvm", "tcg")
 * resolves to on this host (p->qemu.kvm and the watchdog are set here),
 * reading and updating the verdict under state_root.  On success vm->kvm
 * says which one runs.
 */
int accel_boot(const char *setting, const char *state_root, struct vm_params *p, struct vm *vm,
               hull_error_t *err);

/*
 * The parts, for `hull check`'s probe: one KVM attempt under the watchdog
 * (or what the test hook makes of it); whether a failed attempt was the
 * accelerator's fault (QEMU exited before the guest's init, or the
 * watchdog fired); and the verdict saved from an attempt's outcome
 * (kvm when it booted, tcg with why when the accelerator failed).
 */
int accel_boot_kvm(const struct vm_params *p, struct vm *vm, hull_error_t *err);
bool accel_failed(const struct vm *vm);
void accel_remember(const char *state_root, const struct vm *vm, const struct hull_error *why);

#endif
