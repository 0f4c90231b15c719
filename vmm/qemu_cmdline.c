/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/qemu_cmdline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char fds[128], vhostfds[128];

	join_fds(fds, sizeof(fds), nic->tap_fds, nic->queues);
	join_fds(vhostfds, sizeof(vhostfds), nic->vhost_fds, nic->queues);
	add(b, "-netdev");
	if (nic->vhost)
		add(b, "tap,id=net%zu,fds=%s,vhost=on,vhostfds=%s", i, fds, vhostfds);
	else
		add(b, "tap,id=net%zu,fds=%s,vhost=off", i, fds);
	add(b, "-device");
	if (nic->queues > 1)
		/* MSI-X vectors: one per queue in each direction, + config + control. */
		add(b, "%s,netdev=net%zu,mac=%02x:%02x:%02x:%02x:%02x:%02x,mq=on,vectors=%u%s",
		    mmio ? "virtio-net-device" : "virtio-net-pci", i, nic->mac[0], nic->mac[1],
		    nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5], 2 * nic->queues + 2,
		    mmio ? "" : ",romfile=");
	else
		add(b, "%s,netdev=net%zu,mac=%02x:%02x:%02x:%02x:%02x:%02x%s",
		    mmio ? "virtio-net-device" : "virtio-net-pci", i, nic->mac[0], nic->mac[1],
		    nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5], mmio ? "" : ",romfile=");
}

int qemu_build_argv(const struct vm_config *c, char ***argv, hull_error_t *err)
{
	struct argv_builder b = {0};
	const bool mmio = strcmp(c->machine, "microvm") == 0;

	if (strcmp(c->machine, "q35") != 0 && !mmio)
		return hull_fail(err, 0, "machine type \"%s\" is not supported (q35, microvm)",
		                 c->machine);
	if (mmio && c->hotplug_ports > 0)
		return hull_fail(err, 0,
		                 "microvm has no PCIe root ports for hot-plug (pcie_root_port %u)",
		                 c->hotplug_ports);
	if (c->hotplug_ports > 32)
		return hull_fail(err, 0, "pcie_root_port %u: at most 32", c->hotplug_ports);
	if (c->vcpus == 0 || c->memory_mib < 128)
		return hull_fail(err, 0, "a VM needs at least 1 vCPU and 128 MiB (%u, %u)",
		                 c->vcpus, c->memory_mib);
	for (size_t i = 0; i < c->n_nics; i++)
		if (c->nics[i].queues == 0 || c->nics[i].queues > VM_MAX_QUEUES)
			return hull_fail(err, 0, "NIC %zu: %u queues (1 to %d)", i,
			                 c->nics[i].queues, VM_MAX_QUEUES);

	add(&b, "%s", c->qemu);
	add(&b, "-name");
	add(&b, "hull");
	add(&b, "-machine");
	add(&b, "%s,accel=%s%s", c->machine, c->kvm ? "kvm" : "tcg", mmio ? ",acpi=on" : "");
	add(&b, "-cpu");
	add(&b, "%s", c->kvm ? "host" : "max");
	add(&b, "-smp");
	add(&b, "%u", c->vcpus);
	add(&b, "-m");
	add(&b, "%u", c->memory_mib);
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
	if (c->virtiofs_socket) {
		/* vhost-user needs the guest's memory shared with virtiofsd. */
		add(&b, "-object");
		add(&b, "memory-backend-memfd,id=mem,size=%uM,share=on", c->memory_mib);
		add(&b, "-numa");
		add(&b, "node,memdev=mem");
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
	if (b.failed) {
		qemu_argv_free(b.v);
		return hull_fail(err, ENOMEM, "QEMU command line");
	}
	*argv = b.v;
	return 0;
}
