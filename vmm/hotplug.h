/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hot-plugging an endpoint's NIC into a running VM over QMP: the tap fds
 * are handed to QEMU (getfd), a tap netdev is made of them (netdev_add)
 * and a virtio-net device on a free PCIe root port (device_add); unplug
 * asks the guest to release the device (device_del), waits for QEMU's
 * DEVICE_DELETED, then removes the netdev.
 *
 * q35 only: hot-plug slots are the pcie-root-ports the VM was started with
 * (vm_config.hotplug_ports, from hypervisor.pcie_root_port).
 */
#ifndef HULL_VMM_HOTPLUG_H
#define HULL_VMM_HOTPLUG_H

#include "common/error.h"
#include "vmm/qemu_cmdline.h"
#include "vmm/qmp.h"

/* id names the NIC (letters, digits, '-'); port is the root port's index. */
int vm_nic_hotplug(struct qmp *q, const char *id, unsigned port, const struct vm_nic *nic,
                   hull_error_t *err);

/* Fails when the guest has not released the device within timeout_ms. */
int vm_nic_unplug(struct qmp *q, const char *id, int timeout_ms, hull_error_t *err);

#endif
