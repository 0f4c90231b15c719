/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sandbox VM: virtiofsd (when a directory is shared), QEMU, its QMP
 * connection and the guest agent, started in that order and stopped in
 * the reverse one.  Sockets and logs live in the sandbox's run directory.
 */
#ifndef HULL_VMM_VM_H
#define HULL_VMM_VM_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "vmm/agent_client.h"
#include "vmm/qemu_cmdline.h"
#include "vmm/qmp.h"
#include "vmm/virtiofsd.h"

#define VM_ROOTFS_TAG "rootfs"

struct vm_params {
	struct vm_config qemu;  /* sockets and console paths are filled in by vm_start */
	const char *run_dir;    /* where sockets and logs go */
	const char *shared_dir; /* the rootfs to share over virtio-fs; NULL: none */
	const char *virtiofsd;
	int boot_timeout_ms; /* until the agent answers */
	/*
	 * With qemu.kvm: when QEMU cannot start under KVM (a /dev/kvm that
	 * opens but does not work, as in some nested setups), start it again
	 * under TCG instead of failing.  accel=auto asks for this.
	 */
	bool tcg_fallback;
};

struct vm {
	pid_t qemu_pid;
	bool kvm; /* the accelerator QEMU actually runs with */
	struct qmp *qmp;
	struct agent_client *agent;
	struct virtiofsd virtiofsd;
	char qmp_socket[PATH_MAX];
	char agent_socket[PATH_MAX];
	char virtiofs_socket[PATH_MAX];
	char console_log[PATH_MAX];
	char qemu_log[PATH_MAX];
};

/* On failure everything started so far is stopped again. */
int vm_start(const struct vm_params *p, struct vm *vm, hull_error_t *err);

/*
 * Stops the VM: the agent's shutdown, then ACPI powerdown, then QMP quit,
 * then SIGKILL, each given a few seconds; then virtiofsd; then the
 * sockets are removed.  Safe to call on a half-started or dead VM.
 */
void vm_stop(struct vm *vm);

/* The last lines of the guest's console, for error messages ("" if none). */
char *vm_console_tail(const char *console_log, int lines);

/* The first console line (of the last 64 KiB) that contains needle, or NULL. */
char *vm_console_find(const char *console_log, const char *needle);

#endif
