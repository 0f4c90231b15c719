/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/cleanup.h"

int vm_nic_hotplug(struct qmp *q, const char *id, unsigned port, const struct vm_nic *nic,
                   hull_error_t *err)
{
	char names[VM_MAX_QUEUES * 81] = "", netdev[64], device[64], bus[32],
	                           mac[HULL_MAC_TEXT_MAX];
	cleanup_json json_t *netdev_args = NULL, *device_args = NULL;
	size_t used = 0;

	if (strlen(id) == 0 || strlen(id) > 32 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyz"
	               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(id))
		return hull_fail(
		    err, 0, "hot-plug \"%s\": a NIC id is 1 to 32 letters, digits, '-', '_'", id);
	if (nic->queues == 0 || nic->queues > VM_MAX_QUEUES)
		return hull_fail(err, 0, "hot-plug %s: %u queues (1 to %d)", id, nic->queues,
		                 VM_MAX_QUEUES);
	snprintf(netdev, sizeof(netdev), "net-%s", id);
	snprintf(device, sizeof(device), "nic-%s", id);
	snprintf(bus, sizeof(bus), "hp%u", port);
	hull_mac_format(nic->mac, mac);
	for (unsigned i = 0; i < nic->queues; i++) {
		char fdname[80];

		snprintf(fdname, sizeof(fdname), "%s-q%u", netdev, i);
		if (qmp_send_fd(q, fdname, nic->tap_fds[i], err) < 0)
			return hull_error_prefix(err, "hot-plug %s", id);
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i ? ":" : "",
		                         fdname);
	}
	netdev_args = json_pack("{s:s, s:s, s:s, s:b}", "type", "tap", "id", netdev, "fds", names,
	                        "vhost", 0);
	if (qmp_execute(q, "netdev_add", netdev_args, NULL, 5000, err) < 0)
		return hull_error_prefix(err, "hot-plug %s", id);
	device_args = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "driver", "virtio-net-pci", "id",
	                        device, "netdev", netdev, "bus", bus, "mac", mac, "romfile", "");
	if (nic->queues > 1) {
		json_object_set_new(device_args, "mq", json_true());
		json_object_set_new(device_args, "vectors", json_integer(2 * nic->queues + 2));
	}
	if (qmp_execute(q, "device_add", device_args, NULL, 5000, err) < 0) {
		cleanup_json json_t *del = json_pack("{s:s}", "id", netdev);
		cleanup_error hull_error_t ignored = NULL;

		qmp_execute(q, "netdev_del", del, NULL, 5000, &ignored);
		return hull_error_prefix(err, "hot-plug %s", id);
	}
	return 0;
}

int vm_nic_unplug(struct qmp *q, const char *id, int timeout_ms, hull_error_t *err)
{
	char netdev[64], device[64];
	cleanup_json json_t *device_args = NULL, *netdev_args = NULL;

	snprintf(netdev, sizeof(netdev), "net-%s", id);
	snprintf(device, sizeof(device), "nic-%s", id);
	device_args = json_pack("{s:s}", "id", device);
	if (qmp_execute(q, "device_del", device_args, NULL, 5000, err) < 0)
		return hull_error_prefix(err, "unplug %s", id);
	for (;;) {
		cleanup_json json_t *data = NULL;
		const char *which;

		if (qmp_wait_event(q, "DEVICE_DELETED", timeout_ms, &data, err) < 0)
			return hull_error_prefix(
			    err, "unplug %s: the guest did not release the NIC", id);
		which = json_string_value(json_object_get(data, "device"));
		if (which && strcmp(which, device) == 0)
			break;
	}
	netdev_args = json_pack("{s:s}", "id", netdev);
	if (qmp_execute(q, "netdev_del", netdev_args, NULL, 5000, err) < 0)
		return hull_error_prefix(err, "unplug %s", id);
	return 0;
}
