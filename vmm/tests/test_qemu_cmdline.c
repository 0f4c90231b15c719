/* SPDX-License-Identifier: Apache-2.0 */
/* The QEMU command line hull builds (vmm/qemu_cmdline.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "vmm/qemu_cmdline.h"

static struct vm_config base(void)
{
	return (struct vm_config){
	    .qemu = "/usr/bin/qemu-system-x86_64",
	    .kernel = "/k",
	    .initrd = "/i",
	    .kernel_params = "hull.debug=1",
	    .machine = "q35",
	    .vcpus = 2,
	    .memory_mib = 512,
	    .qmp_socket = "/run/hull/x/qmp.sock",
	    .agent_socket = "/run/hull/x/agent.sock",
	    .console_log = "/run/hull/x/console.log",
	};
}

/* The value that follows option opt (the n-th occurrence), or NULL. */
static const char *arg_after(char **argv, const char *opt, int n)
{
	for (int i = 0; argv[i]; i++)
		if (strcmp(argv[i], opt) == 0 && n-- == 0)
			return argv[i + 1];
	return NULL;
}

static void q35_under_tcg_has_only_what_it_needs(void **state)
{
	(void)state;
	struct vm_config c = base();
	cleanup_error hull_error_t err = NULL;
	char **argv = NULL;

	assert_int_equal(qemu_build_argv(&c, &argv, &err), 0);
	assert_string_equal(argv[0], "/usr/bin/qemu-system-x86_64");
	assert_string_equal(arg_after(argv, "-machine", 0), "q35,accel=tcg");
	assert_string_equal(arg_after(argv, "-cpu", 0), "max");
	assert_string_equal(arg_after(argv, "-smp", 0), "2");
	assert_string_equal(arg_after(argv, "-m", 0), "512");
	assert_string_equal(arg_after(argv, "-serial", 0), "file:/run/hull/x/console.log");
	assert_string_equal(arg_after(argv, "-append", 0),
	                    "console=ttyS0 quiet panic=-1 hull.debug=1");
	assert_string_equal(arg_after(argv, "-qmp", 0),
	                    "unix:/run/hull/x/qmp.sock,server=on,wait=off");
	assert_string_equal(arg_after(argv, "-device", 1),
	                    "virtserialport,bus=serial0.0,chardev=agent,name=hull.agent");
	/* No defaults, no shared memory without virtio-fs, no NIC without endpoints. */
	{
		bool nodefaults = false;

		for (int i = 0; argv[i]; i++)
			nodefaults |= strcmp(argv[i], "-nodefaults") == 0;
		assert_true(nodefaults);
	}
	assert_null(arg_after(argv, "-object", 0));
	assert_null(arg_after(argv, "-netdev", 0));
	qemu_argv_free(argv);
}

static bool has_arg(char **argv, const char *arg)
{
	for (int i = 0; argv[i]; i++)
		if (strcmp(argv[i], arg) == 0)
			return true;
	return false;
}

/* A paused VM (-S) never runs its vCPUs: the boot watchdog's test case. */
static void paused_vm_starts_stopped(void **state)
{
	(void)state;
	struct vm_config c = base();
	char **argv = NULL;

	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_false(has_arg(argv, "-S"));
	qemu_argv_free(argv);
	c.paused = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_true(has_arg(argv, "-S"));
	qemu_argv_free(argv);
}

/* VM_MAX_NICS NICs of VM_MAX_QUEUES queues each start; one NIC more is refused. */
static void nic_limits(void **state)
{
	(void)state;
	static struct vm_nic nics[VM_MAX_NICS + 1];
	struct vm_config c = base();
	cleanup_error hull_error_t err = NULL;
	char **argv = NULL;
	size_t netdevs = 0;

	for (size_t i = 0; i <= VM_MAX_NICS; i++) {
		nics[i].queues = VM_MAX_QUEUES;
		for (unsigned q = 0; q < VM_MAX_QUEUES; q++)
			nics[i].tap_fds[q] = (int)(100 + i * VM_MAX_QUEUES + q);
	}
	c.nics = nics;
	c.n_nics = VM_MAX_NICS;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	while (arg_after(argv, "-netdev", (int)netdevs))
		netdevs++;
	assert_int_equal(netdevs, VM_MAX_NICS);
	qemu_argv_free(argv);
	c.n_nics = VM_MAX_NICS + 1;
	assert_int_equal(qemu_build_argv(&c, &argv, &err), -1);
	assert_string_equal(err->msg, "17 NICs: a VM takes at most 16");
}

static void kvm_uses_the_host_cpu(void **state)
{
	(void)state;
	struct vm_config c = base();
	char **argv = NULL;

	c.kvm = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-machine", 0), "q35,accel=kvm");
	assert_string_equal(arg_after(argv, "-cpu", 0), "host");
	qemu_argv_free(argv);
}

static void virtiofs_shares_guest_memory(void **state)
{
	(void)state;
	struct vm_config c = base();
	char **argv = NULL;

	c.virtiofs_socket = "/run/hull/x/virtiofs.sock";
	c.virtiofs_tag = "rootfs";
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-object", 0),
	                    "memory-backend-memfd,id=mem,size=512M,share=on");
	assert_string_equal(arg_after(argv, "-numa", 0), "node,memdev=mem");
	assert_string_equal(arg_after(argv, "-device", 2),
	                    "vhost-user-fs-pci,chardev=virtiofs,tag=rootfs,romfile=");
	qemu_argv_free(argv);
}

static void nics_carry_fds_mac_and_queues(void **state)
{
	(void)state;
	struct vm_config c = base();
	struct vm_nic nics[2] = {
	    {.tap_fds = {7}, .queues = 1, .mac = {0x02, 0, 0, 0, 0, 0x01}},
	    {.tap_fds = {8, 9},
	     .vhost_fds = {10, 11},
	     .queues = 2,
	     .vhost = true,
	     .mac = {0x02, 0, 0, 0, 0, 0x02}},
	};
	char **argv = NULL;

	c.nics = nics;
	c.n_nics = 2;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-netdev", 0), "tap,id=net0,fds=7,vhost=off");
	assert_string_equal(arg_after(argv, "-device", 2),
	                    "virtio-net-pci,netdev=net0,mac=02:00:00:00:00:01,romfile=");
	assert_string_equal(arg_after(argv, "-netdev", 1),
	                    "tap,id=net1,fds=8:9,vhost=on,vhostfds=10:11");
	/* 2 queues: multi-queue, and MSI-X vectors for 2 rx + 2 tx + config + control. */
	assert_string_equal(
	    arg_after(argv, "-device", 3),
	    "virtio-net-pci,netdev=net1,mac=02:00:00:00:00:02,mq=on,vectors=6,romfile=");
	qemu_argv_free(argv);
}

static void microvm_uses_mmio_devices(void **state)
{
	(void)state;
	struct vm_config c = base();
	struct vm_nic nic = {.tap_fds = {7}, .queues = 1};
	char **argv = NULL;

	c.machine = "microvm";
	c.nics = &nic;
	c.n_nics = 1;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-machine", 0), "microvm,accel=tcg,acpi=on");
	assert_string_equal(arg_after(argv, "-global", 0), "virtio-mmio.force-legacy=false");
	assert_string_equal(arg_after(argv, "-device", 0), "virtio-serial-device,id=serial0");
	assert_string_equal(arg_after(argv, "-device", 2),
	                    "virtio-net-device,netdev=net0,mac=00:00:00:00:00:00");
	qemu_argv_free(argv);
}

static void hotplug_ports_are_free_root_ports(void **state)
{
	(void)state;
	struct vm_config c = base();
	cleanup_error hull_error_t err = NULL;
	char **argv = NULL;

	c.hotplug_ports = 2;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-device", 2),
	                    "pcie-root-port,id=hp0,bus=pcie.0,chassis=1");
	assert_string_equal(arg_after(argv, "-device", 3),
	                    "pcie-root-port,id=hp1,bus=pcie.0,chassis=2");
	qemu_argv_free(argv);
	c.machine = "microvm";
	assert_int_equal(qemu_build_argv(&c, &argv, &err), -1);
	assert_non_null(strstr(err->msg, "microvm has no PCIe root ports"));
}

static void bad_settings_are_named(void **state)
{
	(void)state;
	struct vm_config c = base();
	struct vm_nic nic = {.queues = 9};
	char **argv = NULL;
	cleanup_error hull_error_t e1 = NULL, e2 = NULL, e3 = NULL;

	c.machine = "pc-i440fx";
	assert_int_equal(qemu_build_argv(&c, &argv, &e1), -1);
	assert_string_equal(e1->msg, "machine type \"pc-i440fx\" is not supported (q35, microvm)");
	c = base();
	c.vcpus = 0;
	assert_int_equal(qemu_build_argv(&c, &argv, &e2), -1);
	assert_non_null(strstr(e2->msg, "at least 1 vCPU"));
	c = base();
	c.nics = &nic;
	c.n_nics = 1;
	assert_int_equal(qemu_build_argv(&c, &argv, &e3), -1);
	assert_string_equal(e3->msg, "NIC 0: 9 queues (1 to 8)");
}

/* hypervisor.machine_accelerators, cpu_features, firmware, default_max_vcpus. */
static void settings_reach_machine_cpu_smp_and_bios(void **state)
{
	(void)state;
	struct vm_config c = base();
	char **argv = NULL;

	c.machine_accelerators = "smm=off";
	c.cpu_features = "pmu=off";
	c.firmware = "/opt/bios.bin";
	c.max_vcpus = 4;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-machine", 0), "q35,accel=tcg,smm=off");
	assert_string_equal(arg_after(argv, "-cpu", 0), "max,pmu=off");
	assert_string_equal(arg_after(argv, "-smp", 0), "2,maxcpus=4");
	assert_string_equal(arg_after(argv, "-bios", 0), "/opt/bios.bin");
	qemu_argv_free(argv);
	/* as many as the vCPUs, or 0: no maxcpus; "" adds nothing */
	c = base();
	c.max_vcpus = 2;
	c.machine_accelerators = "";
	c.cpu_features = "";
	c.firmware = "";
	c.kvm = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-machine", 0), "q35,accel=kvm");
	assert_string_equal(arg_after(argv, "-cpu", 0), "host");
	assert_string_equal(arg_after(argv, "-smp", 0), "2");
	assert_null(arg_after(argv, "-bios", 0));
	qemu_argv_free(argv);
}

/* hypervisor.memory_slots and memory_offset: room for hot-plugged DIMMs. */
static void memory_offset_makes_room_for_slots(void **state)
{
	(void)state;
	struct vm_config c = base();
	cleanup_error hull_error_t e1 = NULL, e2 = NULL;
	char **argv = NULL;

	c.memory_slots = 10;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-m", 0), "512");
	qemu_argv_free(argv);
	c.memory_offset_mib = 1024;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-m", 0), "512,slots=10,maxmem=1536M");
	qemu_argv_free(argv);
	c.memory_slots = 257;
	assert_int_equal(qemu_build_argv(&c, &argv, &e1), -1);
	assert_string_equal(e1->msg, "hypervisor.memory_slots 257: QEMU takes 1 to 256");
	c.memory_slots = 10;
	c.machine = "microvm";
	assert_int_equal(qemu_build_argv(&c, &argv, &e2), -1);
	assert_string_equal(e2->msg, "hypervisor.memory_offset: microvm has no memory hot-plug; "
	                             "use machine_type q35 or set memory_offset to 0");
}

/* file_mem_backend, enable_hugepages, enable_mem_prealloc: the backend. */
static void memory_backend_follows_the_settings(void **state)
{
	(void)state;
	struct vm_config c = base();
	char **argv = NULL;

	c.mem_prealloc = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-object", 0),
	                    "memory-backend-memfd,id=mem,size=512M,share=on,prealloc=on");
	assert_string_equal(arg_after(argv, "-numa", 0), "node,memdev=mem");
	qemu_argv_free(argv);
	c = base();
	c.virtiofs_socket = "/run/hull/x/virtiofs.sock";
	c.virtiofs_tag = "rootfs";
	c.file_mem_backend = "/dev/shm";
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-object", 0),
	                    "memory-backend-file,id=mem,size=512M,mem-path=/dev/shm,share=on");
	qemu_argv_free(argv);
	c.file_mem_backend = NULL;
	c.hugepages = true;
	c.mem_prealloc = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(
	    arg_after(argv, "-object", 0),
	    "memory-backend-file,id=mem,size=512M,mem-path=/dev/hugepages,share=on,prealloc=on");
	qemu_argv_free(argv);
}

static void hugepages_need_hugetlbfs(void **state)
{
	cleanup_error hull_error_t e1 = NULL, e2 = NULL;

	(void)state;
	assert_int_equal(qemu_check_hugetlbfs("/tmp", &e1), -1);
	assert_string_equal(e1->msg, "hypervisor.enable_hugepages: /tmp is not a hugetlbfs mount "
	                             "(mount one there, e.g. mount -t hugetlbfs none /tmp, or "
	                             "unset enable_hugepages)");
	assert_int_equal(qemu_check_hugetlbfs("/nonexistent-hugepages", &e2), -1);
	assert_non_null(strstr(e2->msg,
	                       "hypervisor.enable_hugepages: /nonexistent-hugepages (mount "
	                       "hugetlbfs there"));
	assert_int_equal(e2->errnum, ENOENT);
}

/* hypervisor.enable_iommu: an intel-iommu before the devices; not on microvm. */
static void iommu_on_q35_only(void **state)
{
	(void)state;
	struct vm_config c = base();
	cleanup_error hull_error_t err = NULL;
	char **argv = NULL;

	c.iommu = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-device", 0),
	                    "intel-iommu,intremap=on,caching-mode=on,device-iotlb=on");
	assert_string_equal(arg_after(argv, "-device", 1), "virtio-serial-pci,id=serial0");
	assert_string_equal(arg_after(argv, "-machine", 0), "q35,accel=tcg");
	qemu_argv_free(argv);
	c.kvm = true;
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-machine", 0), "q35,accel=kvm,kernel-irqchip=split");
	qemu_argv_free(argv);
	c.machine = "microvm";
	assert_int_equal(qemu_build_argv(&c, &argv, &err), -1);
	assert_string_equal(err->msg, "hypervisor.enable_iommu: microvm has no PCI bus for an "
	                              "IOMMU; use machine_type q35 or unset enable_iommu");
}

/* hypervisor.entropy_source: a virtio-rng fed from that file. */
static void entropy_source_feeds_virtio_rng(void **state)
{
	(void)state;
	struct vm_config c = base();
	char **argv = NULL;

	c.entropy_source = "/dev/urandom";
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-object", 0),
	                    "rng-random,id=rng0,filename=/dev/urandom");
	assert_string_equal(arg_after(argv, "-device", 2), "virtio-rng-pci,rng=rng0");
	qemu_argv_free(argv);
	c.machine = "microvm";
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_string_equal(arg_after(argv, "-device", 2), "virtio-rng-device,rng=rng0");
	qemu_argv_free(argv);
	c.entropy_source = "";
	assert_int_equal(qemu_build_argv(&c, &argv, NULL), 0);
	assert_null(arg_after(argv, "-object", 0));
	qemu_argv_free(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(q35_under_tcg_has_only_what_it_needs),
	    cmocka_unit_test(kvm_uses_the_host_cpu),
	    cmocka_unit_test(paused_vm_starts_stopped),
	    cmocka_unit_test(nic_limits),
	    cmocka_unit_test(virtiofs_shares_guest_memory),
	    cmocka_unit_test(nics_carry_fds_mac_and_queues),
	    cmocka_unit_test(microvm_uses_mmio_devices),
	    cmocka_unit_test(hotplug_ports_are_free_root_ports),
	    cmocka_unit_test(bad_settings_are_named),
	    cmocka_unit_test(settings_reach_machine_cpu_smp_and_bios),
	    cmocka_unit_test(memory_offset_makes_room_for_slots),
	    cmocka_unit_test(memory_backend_follows_the_settings),
	    cmocka_unit_test(hugepages_need_hugetlbfs),
	    cmocka_unit_test(iommu_on_q35_only),
	    cmocka_unit_test(entropy_source_feeds_virtio_rng),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
