/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/tests/helpers_persist.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	return s;
}

static json_t *xjson(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("fixture JSON: %s", jerr.text);
	return j;
}

static void set_ip(int family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family, text, out), 1);
}

static void fill_endpoint(struct hull_endpoint *ep, const char *id, size_t i)
{
	char ip[64];
	size_t k;

	snprintf(ep->name, sizeof(ep->name), "eth%u", (unsigned)(i % 1000));
	ep->kind = (enum hull_link_kind)(i % 3);
	ep->ifindex = 10 + (int)i;
	for (k = 0; k < 6; k++)
		ep->mac[k] = (uint8_t)(0x02 + k * 0x11 + i);
	ep->mtu = 1400 + (uint32_t)i;

	ep->n_addrs = 2;
	ep->addrs = calloc(2, sizeof(*ep->addrs));
	ep->addrs[0].family = AF_INET;
	snprintf(ip, sizeof(ip), "10.%zu.%zu.2", i / 256, i % 256);
	set_ip(AF_INET, ip, ep->addrs[0].addr);
	ep->addrs[0].prefix_len = 24;
	ep->addrs[1].family = AF_INET6;
	snprintf(ip, sizeof(ip), "fd00:%zx::2", i);
	set_ip(AF_INET6, ip, ep->addrs[1].addr);
	ep->addrs[1].prefix_len = 64;

	ep->n_routes = 3;
	ep->routes = calloc(3, sizeof(*ep->routes));
	/* default via 10.i.i.1, mtu 1350 */
	ep->routes[0].family = AF_INET;
	ep->routes[0].has_gateway = true;
	snprintf(ip, sizeof(ip), "10.%zu.%zu.1", i / 256, i % 256);
	set_ip(AF_INET, ip, ep->routes[0].gateway);
	ep->routes[0].scope = RT_SCOPE_UNIVERSE;
	ep->routes[0].mtu = 1350;
	/* fd00:1::/48 via fe80::1, scope site */
	ep->routes[1].family = AF_INET6;
	set_ip(AF_INET6, "fd00:1::", ep->routes[1].dst);
	ep->routes[1].dst_len = 48;
	ep->routes[1].has_gateway = true;
	set_ip(AF_INET6, "fe80::1", ep->routes[1].gateway);
	ep->routes[1].scope = RT_SCOPE_SITE;
	/* 10.99.0.0/16 on-link, with a scope that has no name */
	ep->routes[2].family = AF_INET;
	set_ip(AF_INET, "10.99.0.0", ep->routes[2].dst);
	ep->routes[2].dst_len = 16;
	ep->routes[2].scope = 17;
	ep->routes[2].mtu = 9000;

	ep->n_neighbours = 2;
	ep->neighbours = calloc(2, sizeof(*ep->neighbours));
	ep->neighbours[0].family = AF_INET;
	set_ip(AF_INET, "10.0.0.1", ep->neighbours[0].addr);
	memcpy(ep->neighbours[0].mac, "\xee\xee\xee\x00\x00\x01", 6);
	ep->neighbours[1].family = AF_INET6;
	set_ip(AF_INET6, "fe80::1", ep->neighbours[1].addr);
	memcpy(ep->neighbours[1].mac, "\xee\xee\xee\x00\x00\x02", 6);

	ep->model = i % 2 ? HULL_NET_MACVTAP : HULL_NET_TCFILTER;
	snprintf(ep->vm_ifname, sizeof(ep->vm_ifname), "tap%u_hull", (unsigned)(i % 1000));
	ep->vm_ifindex = 100 + (int)i;
	snprintf(ep->vm_device, sizeof(ep->vm_device), "/dev/tap%zu", 100 + i);
	memcpy(ep->guest_mac, "\x52\x54\x00\x12\x34\x56", 6);
	ep->guest_mac[5] = (uint8_t)i;
	memcpy(ep->link_saved_mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	if (ep->model == HULL_NET_MACVTAP) {
		ep->n_link_local = 1;
		ep->link_local = calloc(1, sizeof(*ep->link_local));
		ep->link_local[0].family = AF_INET6;
		set_ip(AF_INET6, "fe80::a8bb:ccff:fedd:eeff", ep->link_local[0].addr);
		ep->link_local[0].prefix_len = 64;
	}
	snprintf(ep->bpf_pin_dir, sizeof(ep->bpf_pin_dir), "/sys/fs/bpf/hull/%s/eth%zu", id, i);
	/* Endpoint 0 has every step; the others a different subset each. */
	ep->done = i == 0 ? 0x3ffu : (unsigned)((i * 0x55) & 0x3ff);
}

static void fill_container(struct hull_container_state *c, const char *id, int n)
{
	c->id = xasprintf("%s%s", id, n ? "-sidecar" : "");
	c->status = n ? HULL_STATUS_STOPPED : HULL_STATUS_RUNNING;
	c->pid = 300 + n;
	c->pid_start_time = 4000000000ull + (uint64_t)n;
	c->rootfs = xasprintf("/var/lib/bundles/%s/rootfs%d", id, n);
	c->bundle = xasprintf("/var/lib/bundles/%s", id);
	c->created = xasprintf("2024-05-01T10:20:3%d.5Z", n);
	c->cgroup_path = xasprintf("/hull/%s/c%d", id, n);
	c->process = xjson("{\"args\":[\"/bin/sh\",\"-c\",\"sleep 9\"],"
	                   "\"env\":[\"PATH=/bin\",\"TERM=xterm\"],\"cwd\":\"/srv\","
	                   "\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[10,27]},"
	                   "\"terminal\":true,"
	                   "\"capabilities\":{\"bounding\":[\"CAP_NET_BIND_SERVICE\"],"
	                   "\"effective\":[\"CAP_NET_BIND_SERVICE\"]},"
	                   "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":4096,\"soft\":1024}],"
	                   "\"noNewPrivileges\":true}");
	c->mounts = xjson("[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	                  "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\","
	                  "\"options\":[\"rbind\",\"ro\"]}]");
	c->devices = xjson("[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
	                   "\"fileMode\":438,\"uid\":0,\"gid\":0}]");
}

void persist_fixture_state(struct hull_sandbox_state *st, const char *id, size_t n_endpoints)
{
	size_t i;

	st->sandbox.id = strdup(id);
	st->sandbox.bundle = xasprintf("/var/lib/bundles/%s", id);
	st->sandbox.status = HULL_STATUS_PAUSED;
	st->sandbox.created = strdup("2024-05-01T10:20:30.123456789Z");
	st->sandbox.annotations = xjson("{\"io.katacontainers.config.hypervisor.default_vcpus\":"
	                                "\"3\",\"org.example/counter\":\"0\"}");
	st->sandbox.monitor_pid = 4242;
	st->sandbox.monitor_start_time = 987654321;
	st->sandbox.cgroup_path = xasprintf("/hull/%s", id);

	st->hypervisor.pid = 5151;
	st->hypervisor.pid_start_time = 123456789012ull;
	st->hypervisor.qmp_socket = xasprintf("/run/hull/%s/qmp.sock", id);
	st->hypervisor.agent_socket = xasprintf("/run/hull/%s/agent.sock", id);
	st->hypervisor.virtiofsd_pid = 5252;
	st->hypervisor.virtiofsd_start_time = 222;
	st->hypervisor.virtiofsd_socket = xasprintf("/run/hull/%s/virtiofsd.sock", id);
	st->hypervisor.console_log = xasprintf("/run/hull/%s/console.log", id);
	st->hypervisor.accel = HULL_ACCEL_TCG;
	st->hypervisor.vcpus = 3;
	st->hypervisor.memory_mib = 2048;
	st->hypervisor.kernel = strdup("/usr/share/hull/vmlinuz");
	st->hypervisor.initrd = strdup("/usr/share/hull/initrd.img");

	st->network.netns_path = strdup("/var/run/netns/cni-5eed");
	st->network.netns_created = true;
	st->network.model = HULL_NET_MACVTAP;
	for (i = 0; i < n_endpoints; i++)
		fill_endpoint(hull_state_add_endpoint(st), id, i);

	fill_container(hull_state_add_container(st), id, 0);
	fill_container(hull_state_add_container(st), id, 1);
	st->config = xjson("{\"hypervisor\":{\"path\":\"/usr/bin/qemu-system-x86_64\","
	                   "\"default_vcpus\":3},\"runtime\":{\"internetworking_model\":"
	                   "\"macvtap\"}}");
}

static void assert_str_eq(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

static void assert_json_eq(const char *what, const json_t *a, const json_t *b)
{
	if ((a == NULL) != (b == NULL) || (a && !json_equal((json_t *)a, (json_t *)b)))
		fail_msg("%s differs", what);
}

static void assert_endpoint_equal(const struct hull_endpoint *a, const struct hull_endpoint *b)
{
	size_t i;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->ifindex, b->ifindex);
	assert_memory_equal(a->mac, b->mac, 6);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->n_addrs, b->n_addrs);
	for (i = 0; i < a->n_addrs; i++) {
		assert_int_equal(a->addrs[i].family, b->addrs[i].family);
		assert_memory_equal(a->addrs[i].addr, b->addrs[i].addr, 16);
		assert_int_equal(a->addrs[i].prefix_len, b->addrs[i].prefix_len);
	}
	assert_int_equal(a->n_routes, b->n_routes);
	for (i = 0; i < a->n_routes; i++) {
		const struct hull_route *x = &a->routes[i], *y = &b->routes[i];

		assert_int_equal(x->family, y->family);
		assert_memory_equal(x->dst, y->dst, 16);
		assert_int_equal(x->dst_len, y->dst_len);
		assert_int_equal(x->has_gateway, y->has_gateway);
		assert_memory_equal(x->gateway, y->gateway, 16);
		assert_int_equal(x->scope, y->scope);
		assert_int_equal(x->mtu, y->mtu);
	}
	assert_int_equal(a->n_neighbours, b->n_neighbours);
	for (i = 0; i < a->n_neighbours; i++) {
		assert_int_equal(a->neighbours[i].family, b->neighbours[i].family);
		assert_memory_equal(a->neighbours[i].addr, b->neighbours[i].addr, 16);
		assert_memory_equal(a->neighbours[i].mac, b->neighbours[i].mac, 6);
	}
	assert_int_equal(a->model, b->model);
	assert_string_equal(a->vm_ifname, b->vm_ifname);
	assert_int_equal(a->vm_ifindex, b->vm_ifindex);
	assert_string_equal(a->vm_device, b->vm_device);
	assert_memory_equal(a->guest_mac, b->guest_mac, 6);
	assert_memory_equal(a->link_saved_mac, b->link_saved_mac, 6);
	assert_int_equal(a->n_link_local, b->n_link_local);
	for (i = 0; i < a->n_link_local; i++) {
		assert_int_equal(a->link_local[i].family, b->link_local[i].family);
		assert_memory_equal(a->link_local[i].addr, b->link_local[i].addr, 16);
		assert_int_equal(a->link_local[i].prefix_len, b->link_local[i].prefix_len);
	}
	assert_string_equal(a->bpf_pin_dir, b->bpf_pin_dir);
	assert_int_equal(a->done, b->done);
}

static void assert_container_equal(const struct hull_container_state *a,
                                   const struct hull_container_state *b)
{
	assert_str_eq("container id", a->id, b->id);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->pid_start_time, b->pid_start_time);
	assert_str_eq("container rootfs", a->rootfs, b->rootfs);
	assert_str_eq("container bundle", a->bundle, b->bundle);
	assert_str_eq("container created", a->created, b->created);
	assert_str_eq("container cgroup_path", a->cgroup_path, b->cgroup_path);
	assert_json_eq("container process", a->process, b->process);
	assert_json_eq("container mounts", a->mounts, b->mounts);
	assert_json_eq("container devices", a->devices, b->devices);
}

void persist_assert_state_equal(const struct hull_sandbox_state *a,
                                const struct hull_sandbox_state *b)
{
	const struct hull_sandbox_info *sa = &a->sandbox, *sb = &b->sandbox;
	const struct hull_hypervisor_state *ha = &a->hypervisor, *hb = &b->hypervisor;
	size_t i;

	assert_str_eq("sandbox.id", sa->id, sb->id);
	assert_str_eq("sandbox.bundle", sa->bundle, sb->bundle);
	assert_int_equal(sa->status, sb->status);
	assert_str_eq("sandbox.created", sa->created, sb->created);
	assert_json_eq("sandbox.annotations", sa->annotations, sb->annotations);
	assert_int_equal(sa->monitor_pid, sb->monitor_pid);
	assert_int_equal(sa->monitor_start_time, sb->monitor_start_time);
	assert_str_eq("sandbox.cgroup_path", sa->cgroup_path, sb->cgroup_path);

	assert_int_equal(ha->pid, hb->pid);
	assert_int_equal(ha->pid_start_time, hb->pid_start_time);
	assert_str_eq("qmp_socket", ha->qmp_socket, hb->qmp_socket);
	assert_str_eq("agent_socket", ha->agent_socket, hb->agent_socket);
	assert_int_equal(ha->virtiofsd_pid, hb->virtiofsd_pid);
	assert_int_equal(ha->virtiofsd_start_time, hb->virtiofsd_start_time);
	assert_str_eq("virtiofsd_socket", ha->virtiofsd_socket, hb->virtiofsd_socket);
	assert_str_eq("console_log", ha->console_log, hb->console_log);
	assert_int_equal(ha->accel, hb->accel);
	assert_int_equal(ha->vcpus, hb->vcpus);
	assert_int_equal(ha->memory_mib, hb->memory_mib);
	assert_str_eq("kernel", ha->kernel, hb->kernel);
	assert_str_eq("initrd", ha->initrd, hb->initrd);

	assert_str_eq("netns", a->network.netns_path, b->network.netns_path);
	assert_int_equal(a->network.netns_created, b->network.netns_created);
	assert_int_equal(a->network.model, b->network.model);
	assert_int_equal(a->network.n_endpoints, b->network.n_endpoints);
	for (i = 0; i < a->network.n_endpoints; i++)
		assert_endpoint_equal(&a->network.endpoints[i], &b->network.endpoints[i]);

	assert_int_equal(a->n_containers, b->n_containers);
	for (i = 0; i < a->n_containers; i++)
		assert_container_equal(&a->containers[i], &b->containers[i]);
	assert_json_eq("config", a->config, b->config);
}

char *persist_make_root(void)
{
	char *root = strdup("/tmp/hull-persist-test-XXXXXX");

	assert_non_null(mkdtemp(root));
	return root;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void persist_remove_root(char *root)
{
	if (root == NULL)
		return;
	chmod(root, 0700);
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

char *persist_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t size = 0;

	if (f == NULL)
		return NULL;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	size = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[size] = '\0';
	if (len)
		*len = size;
	return buf;
}

void persist_write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

size_t persist_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}
