/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One sandbox brought up and down: the container's network endpoints
 * (net/ + bpf/), the VM (vmm/), and, through the guest agent, the guest's
 * network, the container's filesystems and its process.  The monitor
 * (runtime/monitor.c) drives it; it knows nothing of the persisted state
 * except through the record hook.
 */
#ifndef HULL_RUNTIME_SANDBOX_H
#define HULL_RUNTIME_SANDBOX_H

#include <limits.h>
#include <stdbool.h>

#include "common/error.h"
#include "net/endpoint.h"
#include "bpf/tc_endpoint.h"
#include "net/setup.h"

struct hull_tc_pool;
#include "runtime/mounts_share.h"
#include "runtime/sandbox_config.h"
#include "vmm/vm.h"

/* How long a guest may take to answer (TCG boots take ~4-6 s). */
#define SANDBOX_BOOT_TIMEOUT_MS 60000

struct sandbox {
	const struct hull_sandbox_config *sc;
	const char *state_root; /* where the accelerator verdict is kept */
	char run_dir[PATH_MAX]; /* sockets and logs: <state root>/<id> */
	enum hull_net_model model;
	struct hull_net_setup_result net;
	struct hull_tc_hooks bpf; /* BPF programs, loading ahead during network setup */
	struct vm vm;
	struct mounts_share share; /* its root and binds on the share, from boot to shutdown */
	bool kvm;
	/* Called whenever an endpoint's record changes (persist it). */
	int (*record_endpoint)(void *data, const struct hull_endpoint *ep, hull_error_t *err);
	void *record_data;
};

/* hypervisor.kernel_params as one string (malloc'd; NULL out of memory). */
char *sandbox_kernel_params(const struct hull_config *cfg);

/* The VM of cfg's guest (QEMU, kernel, initrd, machine, vCPUs, memory), with
 * no NIC and no shared directory, its sockets and logs in run_dir. */
void sandbox_vm_params(const struct hull_config *cfg, const char *run_dir,
                       const char *kernel_params, struct vm_params *p);

/* Network, VM, guest network, container filesystems; undone on failure. */
int sandbox_boot(struct sandbox *sb, hull_error_t *err);

/*
 * The endpoints of netns_path set up in sb->model (net/ + bpf/), each
 * recorded through sb->record_endpoint as it is made; sb->net holds them
 * and QEMU's fds.  On failure sandbox_shutdown() undoes what was made.
 */
int sandbox_network_setup(struct sandbox *sb, const char *netns_path, unsigned vcpus,
                          hull_error_t *err);

/* "tcfilter", "macvtap", "none"; anything else fails naming it. */
int sandbox_parse_model(const char *name, enum hull_net_model *out, hull_error_t *err);

/* Starts the container's process in the guest as "init". */
int sandbox_start_process(struct sandbox *sb, hull_error_t *err);

/* Stops the VM and tears the network down.  Safe after a failed boot. */
void sandbox_shutdown(struct sandbox *sb);

/* Tears down endpoints recorded by an earlier process (restore path). */
int sandbox_teardown_endpoints(const char *netns_path, const char *sandbox_id,
                               struct hull_endpoint *eps, size_t n, hull_error_t *err);

#endif
