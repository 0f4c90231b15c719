/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/qemu_cmdline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "common/addr.h"

struct argv_builder {
	char **v;
	size_t n, cap;
	bool failed;
};

static void add(struct argv_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct argv_builder *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	if (b->failed)
		return;
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **v = realloc(b->v, cap * sizeof(*v));

		if (v == NULL) {
			b->failed = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		b->failed = true;
		return;
	}
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

void qemu_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* "5:6:7" for fds {5, 6, 7}. */
static void join_fds(char *out, size_t size, const int *fds, unsigned n)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%d", i ? ":" : "", fds[i]);
}

static void add_nic(struct argv_builder *b, const struct vm_config *c, size_t i)
{
	const struct vm_nic *nic = &c->nics[i];
	const bool mmio = strcmp(c->machine, "microvm") == 0;
	char fds[128], vhostfds[128], mac[HULL_MAC_TEXT_MAX];

	join_fds(fds, sizeof(fds), nic->tap_fds, nic->queues);
	join_fds(vhostfds, sizeof(vhostfds), nic->vhost_fds, nic->queues);
	add(b, "-netdev");
	if (nic->vhost)
		add(b, "tap,id=net%zu,fds=%s,vhost=on,vhostfds=%s", i, fds, vhostfds);
	else
		add(b, "tap,id=net%zu,fds=%s,vhost=off", i, fds);
	hull_mac_format(nic->mac, mac);
	add(b, "-device");
	if (nic->queues > 1)
		/* MSI-X vectors: one per queue in each direction, + config + control. */
		add(b, "%s,netdev=net%zu,mac=%s,mq=on,vectors=%u%s",
		    mmio ? "virtio-net-device" : "virtio-net-pci", i, mac, 2 * nic->queues + 2,
		    mmio ? "" : ",romfile=");
	else
		add(b, "%s,netdev=net%zu,mac=%s%s", mmio ? "virtio-net-device" : "virtio-net-pci",
		    i, mac, mmio ? "" : ",romfile=");
}

static bool set(const char *s)
{
	return s && *s;
}

/* What QEMU would refuse, or hull cannot give, named with the setting. */
static int check_config(const struct vm_config *c, bool mmio, hull_error_t *err)
{
	if (strcmp(c->machine, "q35") != 0 && !mmio)
		return hull_fail(err, 0, "machine type \"%s\" is not supported (q35, microvm)",
		                 c->machine);
	if (mmio && c->hotplug_ports > 0)
		return hull_fail(err, 0,
		                 "microvm has no PCIe root ports for hot-plug (pcie_root_port %u)",
		                 c->hotplug_ports);
	if (mmio && c->iommu)
		return hull_fail(err, 0,
		                 "hypervisor.enable_iommu: microvm has no PCI bus for an IOMMU; "
		                 "use machine_type q35 or unset enable_iommu");
	if (mmio && c->memory_offset_mib > 0)
		return hull_fail(err, 0,
		                 "hypervisor.memory_offset: microvm has no memory hot-plug; use "
		                 "machine_type q35 or set memory_offset to 0");
	if (c->hotplug_ports > 32)
		return hull_fail(err, 0, "pcie_root_port %u: at most 32", c->hotplug_ports);
	if (c->vcpus == 0 || c->memory_mib < 128)
		return hull_fail(err, 0, "a VM needs at least 1 vCPU and 128 MiB (%u, %u)",
		                 c->vcpus, c->memory_mib);
	if (c->memory_offset_mib > 0 &&
	    (c->memory_slots == 0 || c->memory_slots > VM_MAX_MEMORY_SLOTS))
		return hull_fail(err, 0, "hypervisor.memory_slots %u: QEMU takes 1 to %d",
		                 c->memory_slots, VM_MAX_MEMORY_SLOTS);
	if (c->n_nics > VM_MAX_NICS)
		return hull_fail(err, 0, "%zu NICs: a VM takes at most %d", c->n_nics, VM_MAX_NICS);
	for (size_t i = 0; i < c->n_nics; i++)
		if (c->nics[i].queues == 0 || c->nics[i].queues > VM_MAX_QUEUES)
			return hull_fail(err, 0, "NIC %zu: %u queues (1 to %d)", i,
			                 c->nics[i].queues, VM_MAX_QUEUES);
	return 0;
}

static void add_machine(struct argv_builder *b, const struct vm_config *c, bool mmio)
{
	add(b, "-machine");
	add(b, "%s,accel=%s%s%s%s%s", c->machine, c->kvm ? "kvm" : "tcg", mmio ? ",acpi=on" : "",
	    /* KVM's in-kernel IOAPIC cannot remap interrupts: QEMU's can */
	    c->iommu && c->kvm ? ",kernel-irqchip=split" : "",
	    set(c->machine_accelerators) ? "," : "",
	    set(c->machine_accelerators) ? c->machine_accelerators : "");
	add(b, "-cpu");
	add(b, "%s%s%s", c->kvm ? "host" : "max", set(c->cpu_features) ? "," : "",
	    set(c->cpu_features) ? c->cpu_features : "");
	add(b, "-smp");
	if (c->max_vcpus > c->vcpus)
		add(b, "%u,maxcpus=%u", c->vcpus, c->max_vcpus);
	else
		add(b, "%u", c->vcpus);
	add(b, "-m");
	if (c->memory_offset_mib > 0)
		add(b, "%u,slots=%u,maxmem=%lluM", c->memory_mib, c->memory_slots,
		    (unsigned long long)c->memory_mib + c->memory_offset_mib);
	else
		add(b, "%u", c->memory_mib);
	if (set(c->firmware)) {
		add(b, "-bios");
		add(b, "%s", c->firmware);
	}
}

/*
 * Guest memory as one backend (NUMA node 0): vhost-user (virtio-fs) needs
 * it shared with virtiofsd; a file or hugepages say where it comes from;
 * prealloc allocates it all at start.
 */
static void add_memory_backend(struct argv_builder *b, const struct vm_config *c)
{
	const char *dir = c->hugepages ? VM_HUGEPAGES_PATH : c->file_mem_backend;

	if (!c->virtiofs_socket && !set(dir) && !c->mem_prealloc)
		return;
	add(b, "-object");
	if (set(dir))
		add(b, "memory-backend-file,id=mem,size=%uM,mem-path=%s,share=on%s", c->memory_mib,
		    dir, c->mem_prealloc ? ",prealloc=on" : "");
	else
		add(b, "memory-backend-memfd,id=mem,size=%uM,share=on%s", c->memory_mib,
		    c->mem_prealloc ? ",prealloc=on" : "");
	add(b, "-numa");
	add(b, "node,memdev=mem");
}

int qemu_check_hugetlbfs(const char *path, hull_error_t *err)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return hull_fail(err, errno,
		                 "hypervisor.enable_hugepages: %s (mount hugetlbfs there, e.g. "
		                 "mount -t hugetlbfs none %s, or unset enable_hugepages)",
		                 path, path);
	if (st.f_type != HUGETLBFS_MAGIC)
		return hull_fail(err, 0,
		                 "hypervisor.enable_hugepages: %s is not a hugetlbfs mount (mount "
		                 "one there, e.g. mount -t hugetlbfs none %s, or unset "
		                 "enable_hugepages)",
		                 path, path);
	return 0;
}

int qemu_build_argv(const struct vm_config *c, char ***argv, hull_error_t *err)
{
	struct argv_builder b = {0};
	const bool mmio = strcmp(c->machine, "microvm") == 0;

	if (check_config(c, mmio, err) < 0)
		return -1;
	add(&b, "%s", c->qemu);
	add(&b, "-name");
	add(&b, "hull");
	add_machine(&b, c, mmio);
	if (mmio) {
		/* microvm's virtio-mmio devices default to legacy mode, which
		 * virtiofsd refuses ("virtio legacy devices aren't supported"). */
		add(&b, "-global");
		add(&b, "virtio-mmio.force-legacy=false");
	}
	add(&b, "-nodefaults");
	add(&b, "-no-user-config");
	add(&b, "-nographic");
	add(&b, "-no-reboot");
	if (c->paused)
		add(&b, "-S");
	if (c->iommu) {
		/* before the PCI devices it translates for */
		add(&b, "-device");
		add(&b, "intel-iommu,intremap=on,caching-mode=on,device-iotlb=on");
	}
	add(&b, "-serial");
	add(&b, "file:%s", c->console_log);
	add(&b, "-kernel");
	add(&b, "%s", c->kernel);
	add(&b, "-initrd");
	add(&b, "%s", c->initrd);
	add(&b, "-append");
	add(&b, VM_KERNEL_CMDLINE_BASE "%s%s", c->kernel_params && *c->kernel_params ? " " : "",
	    c->kernel_params ? c->kernel_params : "");
	add(&b, "-qmp");
	add(&b, "unix:%s,server=on,wait=off", c->qmp_socket);
	add(&b, "-device");
	add(&b, "%s,id=serial0", mmio ? "virtio-serial-device" : "virtio-serial-pci");
	add(&b, "-chardev");
	add(&b, "socket,id=agent,path=%s,server=on,wait=off", c->agent_socket);
	add(&b, "-device");
	add(&b, "virtserialport,bus=serial0.0,chardev=agent,name=hull.agent");
	add_memory_backend(&b, c);
	if (c->virtiofs_socket) {
		add(&b, "-chardev");
		add(&b, "socket,id=virtiofs,path=%s", c->virtiofs_socket);
		add(&b, "-device");
		add(&b, "%s,chardev=virtiofs,tag=%s%s",
		    mmio ? "vhost-user-fs-device" : "vhost-user-fs-pci", c->virtiofs_tag,
		    mmio ? "" : ",romfile=");
	}
	for (size_t i = 0; i < c->n_nics; i++)
		add_nic(&b, c, i);
	for (unsigned i = 0; !mmio && i < c->hotplug_ports; i++) {
		add(&b, "-device");
		add(&b, "pcie-root-port,id=hp%u,bus=pcie.0,chassis=%u", i, i + 1);
	}
	if (set(c->entropy_source)) {
		add(&b, "-object");
		add(&b, "rng-random,id=rng0,filename=%s", c->entropy_source);
		add(&b, "-device");
		add(&b, "%s,rng=rng0", mmio ? "virtio-rng-device" : "virtio-rng-pci");
	}
	if (b.failed) {
		qemu_argv_free(b.v);
		return hull_fail(err, ENOMEM, "QEMU command line");
	}
	*argv = b.v;
	return 0;
}
