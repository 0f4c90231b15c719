/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/sandbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/tc_endpoint.h"
#include "common/addr.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "persist/endpoint_json.h"
#include "runtime/accel.h"
#include "runtime/agent_requests.h"
#include "runtime/hooks.h"
#include "runtime/mounts_share.h"

#define AGENT_CALL_TIMEOUT_MS 30000

/* bpf/'s hooks on sb->bpf, persisting through sb->record_endpoint. */
static struct hull_net_hooks hooks_for(struct sandbox *sb)
{
	struct hull_net_hooks hooks;

	sb->bpf.sandbox_id = sb->sc->id;
	hooks = hull_tc_net_hooks(&sb->bpf, true);
	hooks.record = sb->record_endpoint;
	hooks.record_data = sb->record_data;
	return hooks;
}

static int parse_model(const char *name, enum hull_net_model *out, hull_error_t *err)
{
	if (hull_net_model_parse(name, out) < 0)
		return hull_fail(
		    err, 0, "internetworking model \"%s\" is not tcfilter, macvtap or none", name);
	return 0;
}

static json_t *ip_text(int family, const uint8_t *addr, int prefix)
{
	char buf[HULL_ADDR_TEXT_MAX];

	if (prefix >= 0)
		hull_prefix_format(family, addr, (unsigned)prefix, buf);
	else if (hull_ip_format(family, addr, buf) < 0)
		return NULL;
	return json_string(buf);
}

/* The guest's view of one endpoint, for the agent's configure_network. */
static json_t *interface_json(const struct hull_endpoint *ep)
{
	json_t *addrs = json_array(), *routes = json_array(), *neighs = json_array();
	char mac[HULL_MAC_TEXT_MAX];

	hull_mac_format(hull_endpoint_guest_mac(ep), mac);
	for (size_t i = 0; i < ep->n_addrs; i++)
		json_array_append_new(addrs, ip_text(ep->addrs[i].family, ep->addrs[i].addr,
		                                     ep->addrs[i].prefix_len));
	for (size_t i = 0; i < ep->n_routes; i++) {
		const struct hull_route *r = &ep->routes[i];
		json_t *route = json_object();

		if (r->dst_len == 0)
			json_object_set_new(
			    route, "dst", json_string(r->family == AF_INET6 ? "::/0" : "default"));
		else
			json_object_set_new(route, "dst", ip_text(r->family, r->dst, r->dst_len));
		if (r->has_gateway)
			json_object_set_new(route, "gateway", ip_text(r->family, r->gateway, -1));
		json_object_set_new(
		    route, "scope",
		    json_string(r->scope == 253 /* RT_SCOPE_LINK */ ? "link" : "universe"));
		if (r->mtu)
			json_object_set_new(route, "mtu", json_integer(r->mtu));
		json_array_append_new(routes, route);
	}
	for (size_t i = 0; i < ep->n_neighbours; i++) {
		char nmac[HULL_MAC_TEXT_MAX];

		hull_mac_format(ep->neighbours[i].mac, nmac);
		json_array_append_new(
		    neighs, json_pack("{s:o, s:s}", "ip",
		                      ip_text(ep->neighbours[i].family, ep->neighbours[i].addr, -1),
		                      "mac", nmac));
	}
	return json_pack("{s:s, s:i, s:o, s:o, s:o}", "mac", mac, "mtu", (int)ep->mtu, "addresses",
	                 addrs, "routes", routes, "neighbours", neighs);
}

static int configure_guest_network(struct sandbox *sb, hull_error_t *err)
{
	cleanup_json json_t *req = NULL;
	json_t *ifaces = json_array();

	/* Even with no interface: the agent brings lo up, as runc does in a new netns. */
	for (size_t i = 0; i < sb->net.n; i++)
		json_array_append_new(ifaces, interface_json(&sb->net.eps[i]));
	req = agent_request_configure_network(ifaces);
	return agent_client_call(sb->vm.agent, req, NULL, AGENT_CALL_TIMEOUT_MS, err);
}

/* The container in the guest, up to the exec of its process; what it will not do is logged. */
static int create_container(struct sandbox *sb, hull_error_t *err)
{
	cleanup_json json_t *req = agent_request_create_container_shared(sb->sc->id, &sb->sc->spec);
	cleanup_json json_t *reply = NULL;
	json_t *item;
	size_t i;

	if (req == NULL)
		return hull_fail(err, ENOMEM, "create_container request");
	if (hooks_add_guest(req, sb->state_root, sb->sc->id, sb->sc->spec.hooks, err) < 0)
		return -1;
	if (agent_client_call(sb->vm.agent, req, &reply, AGENT_CALL_TIMEOUT_MS, err) < 0)
		return -1;
	json_array_foreach(json_object_get(reply, "skipped"), i, item)
	    log_info("mount %s not made in the sandbox: %s",
	             json_string_value(json_object_get(item, "destination")),
	             json_string_value(json_object_get(item, "reason")));
	json_array_foreach(json_object_get(reply, "unknown_syscalls"), i, item)
	    log_info("linux.seccomp: syscall %s is unknown to the guest's libseccomp; its rule "
	             "is left out, as runc does",
	             json_string_value(item));
	return 0;
}

/*
 * vhost-net moves the NIC's data path into the host kernel: one
 * /dev/vhost-net fd per queue when the device is there (not on every host,
 * e.g. not in some nested setups); without it QEMU does the copying.
 */
static void open_vhost(struct vm_nic *nic)
{
	for (unsigned q = 0; q < nic->queues; q++) {
		nic->vhost_fds[q] = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
		if (nic->vhost_fds[q] < 0) {
			if (q == 0)
				log_debug("no vhost-net (/dev/vhost-net: %s)", strerror(errno));
			while (q-- > 0)
				close(nic->vhost_fds[q]);
			return;
		}
	}
	nic->vhost = true;
}

static void close_vhost(struct vm_nic *nic)
{
	for (unsigned q = 0; nic->vhost && q < nic->queues; q++)
		close(nic->vhost_fds[q]);
	nic->vhost = false;
}

int sandbox_network_setup(struct sandbox *sb, const char *netns_path, unsigned vcpus,
                          hull_error_t *err)
{
	struct hull_net_hooks hooks = hooks_for(sb);

	if (sb->model == HULL_NET_NONE)
		return 0;
	if (hull_bpffs_ensure_mounted(err) < 0 ||
	    hull_net_setup(netns_path, sb->model, vcpus, &hooks, &sb->net, err) < 0)
		return hull_error_prefix(err, "network");
	return 0;
}

int sandbox_parse_model(const char *name, enum hull_net_model *out, hull_error_t *err)
{
	return parse_model(name, out, err);
}

char *sandbox_kernel_params(const struct hull_config *cfg)
{
	return hull_kernel_params_join(cfg->hypervisor.kernel_params);
}

void sandbox_vm_params(const struct hull_config *cfg, const char *run_dir,
                       const char *kernel_params, struct vm_params *p)
{
	*p = (struct vm_params){
	    .qemu =
	        {
	            .qemu = cfg->hypervisor.path,
	            .kernel = cfg->hypervisor.kernel,
	            .initrd = cfg->hypervisor.initrd,
	            .kernel_params = kernel_params,
	            .firmware = cfg->hypervisor.firmware,
	            .machine = cfg->hypervisor.machine_type,
	            .machine_accelerators = cfg->hypervisor.machine_accelerators,
	            .cpu_features = cfg->hypervisor.cpu_features,
	            .iommu = cfg->hypervisor.enable_iommu,
	            .vcpus = cfg->hypervisor.default_vcpus,
	            .max_vcpus = cfg->hypervisor.default_max_vcpus,
	            .memory_mib = cfg->hypervisor.default_memory,
	            .memory_slots = cfg->hypervisor.memory_slots,
	            .memory_offset_mib = cfg->hypervisor.memory_offset,
	            .file_mem_backend = cfg->hypervisor.file_mem_backend,
	            .hugepages = cfg->hypervisor.enable_hugepages,
	            .mem_prealloc = cfg->hypervisor.enable_mem_prealloc,
	            .entropy_source = cfg->hypervisor.entropy_source,
	        },
	    .run_dir = run_dir,
	    .boot_timeout_ms = SANDBOX_BOOT_TIMEOUT_MS,
	};
}

/* The model named, hugepages mounted when asked for; microvm under TCG warned of. */
static int check_boot_config(struct sandbox *sb, hull_error_t *err)
{
	const struct hull_config *cfg = &sb->sc->config;
	char why[256];

	if (parse_model(cfg->runtime.internetworking_model, &sb->model, err) < 0)
		return -1;
	if (cfg->hypervisor.enable_hugepages && qemu_check_hugetlbfs(VM_HUGEPAGES_PATH, err) < 0)
		return -1;
	if (strcmp(cfg->hypervisor.machine_type, "microvm") == 0 &&
	    (strcmp(cfg->hypervisor.accel, "tcg") == 0 || !accel_kvm_usable(why, sizeof(why))))
		log_warning("microvm under TCG: the guest has no HPET or PM timer to calibrate its "
		            "TSC with and may hang at boot; q35 does not");
	return 0;
}

/* One NIC per endpoint: its tap fds, the guest's MAC, vhost-net unless disabled. */
static int nics_for_endpoints(struct sandbox *sb, struct vm_nic *nics, size_t max,
                              hull_error_t *err)
{
	if (sb->net.n > max)
		return hull_fail(err, 0, "%zu endpoints: a sandbox takes at most %zu", sb->net.n,
		                 max);
	for (size_t i = 0; i < sb->net.n; i++) {
		const struct hull_endpoint *ep = &sb->net.eps[i];

		memset(&nics[i], 0, sizeof(nics[i]));
		nics[i].queues = sb->net.fds[i].n;
		memcpy(nics[i].tap_fds, sb->net.fds[i].fds, sizeof(int) * sb->net.fds[i].n);
		memcpy(nics[i].mac, hull_endpoint_guest_mac(ep), 6);
		if (!sb->sc->config.hypervisor.disable_vhost_net)
			open_vhost(&nics[i]);
	}
	return 0;
}

/*
 * QEMU with the NICs and the rootfs shared over virtiofs.  Either way the
 * vhost fds are closed after, and on success the tap fds too (QEMU holds them).
 */
static int boot_vm(struct sandbox *sb, struct vm_nic *nics, hull_error_t *err)
{
	const struct hull_config *cfg = &sb->sc->config;
	const struct hull_spec *spec = &sb->sc->spec;
	cleanup_free char *params = sandbox_kernel_params(cfg);
	struct vm_params p = {0};
	char share_dir[PATH_MAX];
	int r;

	sandbox_vm_params(cfg, sb->run_dir, params, &p);
	p.qemu.nics = nics;
	p.qemu.n_nics = sb->net.n;
	p.qemu.hotplug_ports = cfg->hypervisor.pcie_root_port;
	/* The share: the root and bind mounts of the container (docs/mounts.md). */
	errno = ENAMETOOLONG;
	if (snprintf(share_dir, sizeof(share_dir), "%s/share", sb->run_dir) >=
	        (int)sizeof(share_dir) ||
	    (mkdir(share_dir, 0700) < 0 && errno != EEXIST)) {
		r = hull_fail(err, errno, "share %s", share_dir);
		goto out;
	}
	if ((r = mounts_share_plan(sb->sc->id, spec, &sb->share, err)) < 0)
		goto out;
	p.shared_dir = share_dir;
	p.share_container = &sb->share.container;
	p.virtiofsd = cfg->hypervisor.virtio_fs_daemon;
	/* Kata's "never" is virtiofsd 7.2's "none". */
	p.virtiofs_cache = strcmp(cfg->hypervisor.virtio_fs_cache, "never") == 0
	                       ? "none"
	                       : cfg->hypervisor.virtio_fs_cache;
	p.virtiofs_extra_args = cfg->hypervisor.virtio_fs_extra_args;
	r = accel_boot(cfg->hypervisor.accel, sb->state_root, &p, &sb->vm, err);
out:
	if (r < 0) {
		mounts_share_release(&sb->share);
		for (size_t i = 0; i < sb->net.n; i++)
			close_vhost(&nics[i]);
		return -1;
	}
	sb->kvm = sb->vm.kvm;
	/* QEMU holds the tap and vhost fds now. */
	for (size_t i = 0; i < sb->net.n; i++) {
		hull_vm_fds_close(&sb->net.fds[i]);
		close_vhost(&nics[i]);
	}
	return 0;
}

int sandbox_boot(struct sandbox *sb, hull_error_t *err)
{
	const struct hull_config *cfg = &sb->sc->config;
	const struct hull_spec *spec = &sb->sc->spec;
	struct vm_nic nics[VM_MAX_NICS];

	if (check_boot_config(sb, err) < 0)
		return -1;
	if ((spec->netns_path &&
	     sandbox_network_setup(sb, spec->netns_path, cfg->hypervisor.default_vcpus, err) < 0) ||
	    nics_for_endpoints(sb, nics, sizeof(nics) / sizeof(nics[0]), err) < 0 ||
	    boot_vm(sb, nics, err) < 0 || configure_guest_network(sb, err) < 0 ||
	    /* The VM and its network are the runtime environment (docs/hooks.md). */
	    hooks_create_runtime(sb->state_root, sb->sc->id, sb->sc->spec.hooks, err) < 0 ||
	    create_container(sb, err) < 0) {
		sandbox_shutdown(sb);
		return -1;
	}
	return 0;
}

int sandbox_start_process(struct sandbox *sb, hull_error_t *err)
{
	cleanup_json json_t *req = agent_request_start_container(sb->sc->id);

	return agent_client_call(sb->vm.agent, req, NULL, AGENT_CALL_TIMEOUT_MS, err);
}

int sandbox_teardown_endpoints(const char *netns_path, const char *sandbox_id,
                               struct hull_endpoint *eps, size_t n, hull_error_t *err)
{
	struct sandbox sb = {0};
	struct hull_sandbox_config sc = {.id = (char *)sandbox_id};
	struct hull_net_hooks hooks;

	sb.sc = &sc;
	hooks = hooks_for(&sb);
	return hull_net_teardown_many(netns_path, eps, n, &hooks, err);
}

void sandbox_shutdown(struct sandbox *sb)
{
	cleanup_error hull_error_t err = NULL;

	vm_stop(&sb->vm);
	if (sb->net.n > 0) {
		struct hull_net_hooks hooks = hooks_for(sb);

		if (hull_net_teardown_many(sb->sc->spec.netns_path, sb->net.eps, sb->net.n, &hooks,
		                           &err) < 0)
			log_warning("network teardown: %s", err->msg);
	}
	hull_net_setup_result_clear(&sb->net);
	mounts_share_release(&sb->share);
}
