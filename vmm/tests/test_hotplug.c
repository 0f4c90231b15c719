/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hot-plugging a NIC on a real tap into a real QEMU (q35 with one free
 * PCIe root port, stopped before boot with -S: QMP answers, no guest
 * runs), in a network namespace of the test's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/spawn.h"
#include "vmm/hotplug.h"
#include "vmm/qmp.h"
#include "vmm/tests/helpers_qemu.h"

struct fixture {
	struct test_qemu *vm;
	struct qmp *qmp;
	int tap;
};

static int open_tap(const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int start_qemu(void **state)
{
	static const char *const args[] = {"-machine",
	                                   "q35,accel=tcg",
	                                   "-nodefaults",
	                                   "-nographic",
	                                   "-S",
	                                   "-device",
	                                   "pcie-root-port,id=hp0,bus=pcie.0,chassis=1",
	                                   NULL};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->tap = open_tap("hulltest0");
	assert_true(f->tap >= 0);
	f->vm = test_qemu_start(args);
	f->qmp = f->vm->qmp;
	*state = f;
	return 0;
}

static int stop_qemu(void **state)
{
	struct fixture *f = *state;

	test_qemu_stop(f->vm);
	close(f->tap);
	free(f);
	return 0;
}

/* Whether QEMU has a device with this id (its user-made devices are under /machine/peripheral). */
static bool device_exists(struct qmp *q, const char *id)
{
	cleanup_json json_t *args = json_pack("{s:s}", "path", "/machine/peripheral");
	cleanup_json json_t *ret = NULL;
	json_t *child;
	size_t i;

	assert_int_equal(qmp_execute(q, "qom-list", args, &ret, 5000, NULL), 0);
	json_array_foreach(ret, i,
	                   child) if (strcmp(json_string_value(json_object_get(child, "name")),
	                                     id) == 0) return true;
	return false;
}

static void nic_appears_on_the_root_port(void **state)
{
	struct fixture *f = *state;
	struct vm_nic nic = {.tap_fds = {f->tap}, .queues = 1, .mac = {0x02, 0, 0, 0, 0, 0x42}};
	cleanup_error hull_error_t err = NULL;

	assert_false(device_exists(f->qmp, "nic-eth1"));
	if (vm_nic_hotplug(f->qmp, "eth1", 0, &nic, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(device_exists(f->qmp, "nic-eth1"));
}

static void unknown_port_fails_and_leaves_no_netdev(void **state)
{
	struct fixture *f = *state;
	struct vm_nic nic = {.tap_fds = {f->tap}, .queues = 1};
	cleanup_error hull_error_t err = NULL, err2 = NULL;

	assert_int_equal(vm_nic_hotplug(f->qmp, "eth2", 7, &nic, &err), -1);
	assert_non_null(strstr(err->msg, "hot-plug eth2: qmp device_add: "));
	assert_non_null(strstr(err->msg, "hp7"));
	/* The netdev was removed again: the same id can be plugged on a real port. */
	if (vm_nic_hotplug(f->qmp, "eth2", 0, &nic, &err2) < 0)
		fail_msg("%s", err2->msg);
}

static void bad_ids_and_queues_are_refused(void **state)
{
	struct fixture *f = *state;
	struct vm_nic nic = {.tap_fds = {f->tap}, .queues = 1};
	cleanup_error hull_error_t e1 = NULL, e2 = NULL;

	assert_int_equal(vm_nic_hotplug(f->qmp, "eth 0", 0, &nic, &e1), -1);
	assert_non_null(strstr(e1->msg, "\"eth 0\""));
	nic.queues = 0;
	assert_int_equal(vm_nic_hotplug(f->qmp, "eth0", 0, &nic, &e2), -1);
	assert_string_equal(e2->msg, "hot-plug eth0: 0 queues (1 to 8)");
}

static void unplug_of_an_unknown_nic_names_it(void **state)
{
	struct fixture *f = *state;
	cleanup_error hull_error_t err = NULL;

	assert_int_equal(vm_nic_unplug(f->qmp, "eth9", 1000, &err), -1);
	assert_non_null(strstr(err->msg, "unplug eth9: qmp device_del: "));
	assert_non_null(strstr(err->msg, "nic-eth9"));
}

static int enter_private_netns(void **state)
{
	(void)state;
	/* The taps this test makes live and die with a namespace of its own. */
	return unshare(CLONE_NEWNET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(nic_appears_on_the_root_port, start_qemu, stop_qemu),
	    cmocka_unit_test_setup_teardown(unknown_port_fails_and_leaves_no_netdev, start_qemu,
	                                    stop_qemu),
	    cmocka_unit_test_setup_teardown(bad_ids_and_queues_are_refused, start_qemu, stop_qemu),
	    cmocka_unit_test_setup_teardown(unplug_of_an_unknown_nic_names_it, start_qemu,
	                                    stop_qemu),
	};
	return cmocka_run_group_tests(tests, enter_private_netns, NULL);
}
