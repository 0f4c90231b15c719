/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives bpf/tc_endpoint.c for the selftests, one step per process, the
 * way hull does: attach in one process, read counters and detach in later
 * ones, with only a state file (what persist/ would save) in between.
 *
 *   tool_tc_endpoint attach --state FILE --sandbox ID --model tcfilter|macvtap
 *                    --link DEV --vm DEV --mac MAC [--addr IP]... [--netns NAME]
 *   tool_tc_endpoint detach --state FILE [--netns NAME]
 *   tool_tc_endpoint counters --pin-dir DIR
 *
 * --netns enters /var/run/netns/NAME (network namespace only, so the host's
 * bpffs stays visible).  The state file is written after attach even when
 * it fails, so that detach can undo a partial attach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/tc_endpoint.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "net/netns.h"
#include "persist/endpoint_json.h"

#define MAX_ADDRS 16

static int save_state(const char *path, const struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_file FILE *f = fopen(path, "w");

	if (!f)
		return hull_fail(err, errno, "write %s", path);
	fprintf(f,
	        "model=%d\nname=%s\nifindex=%d\nvm_ifname=%s\nvm_ifindex=%d\npin_dir=%s\ndone=%u\n"
	        "to_guest_prog_id=%u\nfrom_guest_prog_id=%u\n",
	        (int)ep->model, ep->name, ep->ifindex, ep->vm_ifname, ep->vm_ifindex,
	        ep->bpf_pin_dir, ep->done, ep->to_guest_prog_id, ep->from_guest_prog_id);
	return 0;
}

static int load_state(const char *path, struct hull_endpoint *ep, hull_error_t *err)
{
	cleanup_file FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return hull_fail(err, errno, "read %s", path);
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;

		line[strcspn(line, "\n")] = '\0';
		if (!eq)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(line, "model"))
			ep->model = (enum hull_net_model)atoi(v);
		else if (!strcmp(line, "name"))
			snprintf(ep->name, sizeof(ep->name), "%s", v);
		else if (!strcmp(line, "ifindex"))
			ep->ifindex = atoi(v);
		else if (!strcmp(line, "vm_ifname"))
			snprintf(ep->vm_ifname, sizeof(ep->vm_ifname), "%s", v);
		else if (!strcmp(line, "vm_ifindex"))
			ep->vm_ifindex = atoi(v);
		else if (!strcmp(line, "pin_dir"))
			snprintf(ep->bpf_pin_dir, sizeof(ep->bpf_pin_dir), "%s", v);
		else if (!strcmp(line, "done"))
			ep->done = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(line, "to_guest_prog_id"))
			ep->to_guest_prog_id = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(line, "from_guest_prog_id"))
			ep->from_guest_prog_id = (uint32_t)strtoul(v, NULL, 0);
	}
	return 0;
}

static int device(const char *name, char *out, size_t size, int *ifindex, hull_error_t *err)
{
	snprintf(out, size, "%s", name);
	*ifindex = (int)if_nametoindex(name);
	if (*ifindex == 0)
		return hull_fail(err, errno, "device %s", name);
	return 0;
}

static int cmd_attach(int argc, char **argv, hull_error_t *err)
{
	static const struct option opts[] = {
	    {"state", 1, NULL, 's'}, {"sandbox", 1, NULL, 'b'}, {"model", 1, NULL, 'm'},
	    {"link", 1, NULL, 'l'},  {"vm", 1, NULL, 'v'},      {"mac", 1, NULL, 'M'},
	    {"addr", 1, NULL, 'a'},  {"netns", 1, NULL, 'n'},   {NULL, 0, NULL, 0},
	};
	struct hull_ip_addr addrs[MAX_ADDRS];
	struct hull_endpoint ep;
	const char *state = NULL, *sandbox = NULL, *link = NULL, *vm = NULL, *netns = NULL;
	int c, rc;

	memset(&ep, 0, sizeof(ep));
	memset(addrs, 0, sizeof(addrs));
	ep.addrs = addrs;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			state = optarg;
			break;
		case 'b':
			sandbox = optarg;
			break;
		case 'l':
			link = optarg;
			break;
		case 'v':
			vm = optarg;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'm':
			if (hull_net_model_parse(optarg, &ep.model) < 0 ||
			    ep.model == HULL_NET_NONE)
				return hull_fail(err, 0, "unknown model \"%s\"", optarg);
			break;
		case 'M':
			if (hull_mac_parse(optarg, ep.guest_mac) < 0)
				return hull_fail(err, 0, "\"%s\" is not a MAC address", optarg);
			break;
		case 'a': {
			struct hull_ip_addr *a = &addrs[ep.n_addrs];

			if (ep.n_addrs == MAX_ADDRS)
				return hull_fail(err, 0, "too many --addr");
			a->family = strchr(optarg, ':') ? AF_INET6 : AF_INET;
			if (inet_pton(a->family, optarg, a->addr) != 1)
				return hull_fail(err, 0, "\"%s\" is not an IP address", optarg);
			ep.n_addrs++;
			break;
		}
		default:
			return hull_fail(err, 0, "usage: attach --state FILE --sandbox ID ...");
		}
	}
	if (!state || !sandbox || !link || !vm)
		return hull_fail(err, 0, "attach needs --state, --sandbox, --link and --vm");
	if (netns && hull_netns_join(netns, err) < 0)
		return -1;
	if (device(link, ep.name, sizeof(ep.name), &ep.ifindex, err) < 0 ||
	    device(vm, ep.vm_ifname, sizeof(ep.vm_ifname), &ep.vm_ifindex, err) < 0)
		return -1;
	rc = hull_tc_endpoint_attach(&ep, sandbox, err);
	if (save_state(state, &ep, rc < 0 ? NULL : err) < 0)
		return -1;
	if (rc == 0)
		printf("%s\n", ep.bpf_pin_dir);
	return rc;
}

static int cmd_detach(int argc, char **argv, hull_error_t *err)
{
	static const struct option opts[] = {
	    {"state", 1, NULL, 's'},
	    {"netns", 1, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct hull_endpoint ep;
	const char *state = NULL, *netns = NULL;
	int c, rc;

	memset(&ep, 0, sizeof(ep));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			state = optarg;
		else if (c == 'n')
			netns = optarg;
		else
			return hull_fail(err, 0, "usage: detach --state FILE [--netns NAME]");
	}
	if (!state)
		return hull_fail(err, 0, "detach needs --state");
	if (load_state(state, &ep, err) < 0)
		return -1;
	if (netns && hull_netns_join(netns, err) < 0)
		return -1;
	rc = hull_tc_endpoint_detach(&ep, err);
	if (save_state(state, &ep, rc < 0 ? NULL : err) < 0)
		return -1;
	return rc;
}

static int cmd_counters(int argc, char **argv, hull_error_t *err)
{
	struct hull_tc_counters c;

	if (argc != 3 || strcmp(argv[1], "--pin-dir") != 0)
		return hull_fail(err, 0, "usage: counters --pin-dir DIR");
	if (hull_tc_counters_read(argv[2], &c, err) < 0)
		return -1;
	for (unsigned d = 0; d < HULL_TC_DIRECTION_COUNT; d++)
		printf("%s packets=%llu bytes=%llu\n", hull_tc_direction_name(d),
		       (unsigned long long)c.dir[d].packets, (unsigned long long)c.dir[d].bytes);
	for (unsigned r = 0; r < HULL_DROP_REASON_COUNT; r++)
		printf("drop %s packets=%llu bytes=%llu\n", hull_tc_drop_reason_name(r),
		       (unsigned long long)c.drops[r].packets,
		       (unsigned long long)c.drops[r].bytes);
	return 0;
}

int main(int argc, char **argv)
{
	cleanup_error hull_error_t err = NULL;
	int rc;

	if (hull_log_init(NULL, HULL_LOG_TEXT, getenv("HULL_DEBUG") != NULL, &err) < 0) {
		hull_error_print(stderr, err);
		return 1;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s attach|detach|counters ...\n", argv[0]);
		return 1;
	}
	if (!strcmp(argv[1], "attach"))
		rc = cmd_attach(argc - 1, argv + 1, &err);
	else if (!strcmp(argv[1], "detach"))
		rc = cmd_detach(argc - 1, argv + 1, &err);
	else if (!strcmp(argv[1], "counters"))
		rc = cmd_counters(argc - 1, argv + 1, &err);
	else
		rc = hull_fail(&err, 0, "unknown command \"%s\"", argv[1]);
	if (rc < 0) {
		hull_error_print(stderr, err);
		return 1;
	}
	return 0;
}
