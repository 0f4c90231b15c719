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

/*
 * The line hull's guest /init writes to the console before anything else
 * (vmm/guest/init): the first sign that the guest's kernel booted.
 */
#define VM_GUEST_ALIVE_MARKER "hull-guest: init"

struct vm_params {
	struct vm_config qemu;  /* sockets and console paths are filled in by vm_start */
	const char *run_dir;    /* where sockets and logs go */
	const char *shared_dir; /* the rootfs to share over virtio-fs; NULL: none */
	bool shared_readonly;   /* read-only, on the host too (vmm/virtiofsd.h) */
	/* non-NULL: shared_dir is an empty mount point for this container's share */
	const struct virtiofsd_container *share_container;
	const char *virtiofsd;
	const char *virtiofs_cache;       /* virtiofsd's -o cache= (NULL: auto) */
	char *const *virtiofs_extra_args; /* appended to virtiofsd's argv (NULL: none) */
	int boot_timeout_ms;              /* until the agent answers */
	/*
	 * > 0: a guest that shows no sign of life (VM_GUEST_ALIVE_MARKER on
	 * its console) within this many ms of QEMU's start is abandoned, and
	 * vm_start fails with VM_FAIL_NO_LIFE.
	 */
	int watchdog_ms;
	const char *accel_name; /* for messages: "kvm", "tcg" (default: from qemu.kvm) */
};

/* Why vm_start failed, for a caller that may try another accelerator. */
enum vm_failure {
	VM_FAIL_NONE,
	VM_FAIL_QEMU_EXITED, /* QEMU exited before the guest answered (e.g. KVM aborts) */
	VM_FAIL_NO_LIFE,     /* the watchdog fired: the guest never reached its init */
	VM_FAIL_OTHER,
};

struct vm {
	pid_t qemu_pid;
	bool kvm; /* the accelerator QEMU runs with */
	enum vm_failure failure;
	long long alive_ms; /* QEMU's start to the guest's init marker (-1: not seen) */
	long long boot_ms;  /* QEMU's start to the agent's answer */
	struct qmp *qmp;
	struct agent_client *agent;
	struct virtiofsd virtiofsd;
	char qmp_socket[PATH_MAX];
	char agent_socket[PATH_MAX];
	char virtiofs_socket[PATH_MAX];
	char console_log[PATH_MAX];
	char qemu_log[PATH_MAX];
};

/*
 * On failure everything started so far is stopped again (a guest that
 * never answered is killed at once: it has nothing to lose) and
 * vm->failure says why.
 */
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
