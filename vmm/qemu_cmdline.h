/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QEMU command line of a sandbox: only the devices the sandbox uses
 * (no default devices, no option ROMs), the kernel and initrd booted
 * directly, the console to a log file, QMP and the agent port on unix
 * sockets, the rootfs over virtio-fs, and one virtio-net NIC per endpoint
 * on tap fds that hull opened.
 */
#ifndef HULL_VMM_QEMU_CMDLINE_H
#define HULL_VMM_QEMU_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define VM_MAX_QUEUES 8

/* hull's own kernel parameters; hypervisor.kernel_params follow, after a space. */
#define VM_KERNEL_CMDLINE_BASE "console=ttyS0 quiet panic=-1"

/*
 * The longest kernel command line an x86_64 Linux guest takes: its
 * COMMAND_LINE_SIZE (2048) less the NUL, which the bzImage header gives
 * as cmdline_size.  QEMU 7.2 loads a longer one without a word, and the
 * guest then hangs before printing anything (measured: 2047 bytes boot,
 * 2048 hang).
 */
#define VM_KERNEL_CMDLINE_MAX 2047

struct vm_nic {
	int tap_fds[VM_MAX_QUEUES]; /* one per queue; a macvtap's /dev/tapN fds too */
	int vhost_fds[VM_MAX_QUEUES];
	unsigned queues;
	bool vhost; /* vhost_fds are valid */
	uint8_t mac[6];
};

struct vm_config {
	const char *qemu;
	const char *kernel;
	const char *initrd;
	const char *kernel_params; /* appended after hull's own */
	const char *machine;       /* "q35" or "microvm" */
	bool kvm;                  /* else TCG */
	unsigned vcpus;
	unsigned memory_mib;
	const char *qmp_socket;
	const char *agent_socket;
	const char *console_log;
	const char *virtiofs_socket; /* NULL: no shared directory */
	const char *virtiofs_tag;
	const struct vm_nic *nics;
	size_t n_nics;
	unsigned hotplug_ports; /* q35: free pcie-root-ports hp0.. for hot-plugged NICs */
	bool paused;            /* -S: the vCPUs never start until QMP "cont" */
};

/* A NULL-terminated, malloc'd argv (free with qemu_argv_free). */
int qemu_build_argv(const struct vm_config *c, char ***argv, hull_error_t *err);
void qemu_argv_free(char **argv);

#endif
