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
/* NICs a VM starts with: a sandbox with more endpoints is refused. */
#define VM_MAX_NICS 16

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

/* Where hugepage-backed guest memory comes from (hypervisor.enable_hugepages). */
#define VM_HUGEPAGES_PATH "/dev/hugepages"

/* QEMU's limit on memory hot-plug slots (ACPI_MAX_RAM_SLOTS). */
#define VM_MAX_MEMORY_SLOTS 256

struct vm_config {
	const char *qemu;
	const char *kernel;
	const char *initrd;
	const char *kernel_params;        /* appended after hull's own */
	const char *firmware;             /* -bios; NULL or "": QEMU's own */
	const char *machine;              /* "q35" or "microvm" */
	const char *machine_accelerators; /* appended to -machine; NULL or "": none */
	const char *cpu_features;         /* appended to -cpu; NULL or "": none */
	bool kvm;                         /* else TCG */
	bool iommu;                       /* q35: an intel-iommu */
	unsigned vcpus;
	unsigned max_vcpus; /* -smp maxcpus=; 0: vcpus */
	unsigned memory_mib;
	/* memory_offset_mib > 0: room for memory_slots hot-plugged DIMMs, up
	 * to memory_mib + memory_offset_mib (-m slots=,maxmem=). */
	unsigned memory_slots;
	unsigned memory_offset_mib;
	/* Guest memory from a file in this directory (memory-backend-file);
	 * NULL or "": a memfd.  hugepages: from VM_HUGEPAGES_PATH. */
	const char *file_mem_backend;
	bool hugepages;
	bool mem_prealloc;          /* allocate all guest memory at start */
	const char *entropy_source; /* virtio-rng from this file; NULL or "": none */
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

/* 0 when path is a hugetlbfs mount; else an error naming it and the fix. */
int qemu_check_hugetlbfs(const char *path, hull_error_t *err);

/* A NULL-terminated, malloc'd argv (free with qemu_argv_free). */
int qemu_build_argv(const struct vm_config *c, char ***argv, hull_error_t *err);
void qemu_argv_free(char **argv);

#endif
