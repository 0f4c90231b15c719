/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hull network setup|show|teardown`: the network of a sandbox on its own,
 * for operators and tests, on the same library calls a sandbox uses.
 *
 *   setup --netns PATH [--model M] [--vcpus N] ID   endpoints as JSON
 *   show [--json] ID                                endpoints and counters
 *   teardown ID                                     undo it all
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/tc_endpoint.h"
#include "common/addr.h"
#include "common/cleanup.h"
#include "net/netns.h"
#include "persist/endpoint_json.h"
#include "persist/id.h"
#include "persist/store.h"
#include "runtime/commands.h"
#include "runtime/container.h"
#include "runtime/oci_spec.h"
#include "runtime/sandbox.h"

static const char *network_usage =
    "setup --netns PATH [--model tcfilter|macvtap|none] [--vcpus N] ID\n"
    "       hull network show [--json] ID\n"
    "       hull network teardown ID";

/* One endpoint as `setup` and `show --json` print it; counters when asked. */
static json_t *endpoint_json(const struct hull_endpoint *ep, bool counters)
{
	struct hull_jbuild b = {0};
	json_t *j = hull_endpoint_to_json(ep, &b);

	if (j == NULL)
		return NULL;
	json_object_set_new(j, "kind", json_string(hull_link_kind_name(ep->kind)));
	json_object_set_new(j, "model", json_string(hull_net_model_name(ep->model)));
	if (counters && ep->bpf_pin_dir[0]) {
		struct hull_tc_counters c;
		cleanup_error hull_error_t err = NULL;

		if (hull_tc_counters_read(ep->bpf_pin_dir, &c, &err) == 0) {
			json_t *dirs = json_object(), *drops = json_object();

			for (unsigned d = 0; d < HULL_TC_DIRECTION_COUNT; d++)
				json_object_set_new(dirs, hull_tc_direction_name(d),
				                    json_pack("{s:I, s:I}", "packets",
				                              (json_int_t)c.dir[d].packets, "bytes",
				                              (json_int_t)c.dir[d].bytes));
			for (unsigned r = 0; r < HULL_DROP_REASON_COUNT; r++)
				json_object_set_new(drops, hull_tc_drop_reason_name(r),
				                    json_integer((json_int_t)c.drops[r].packets));
			json_object_set_new(j, "counters", dirs);
			json_object_set_new(j, "drops", drops);
		} else {
			json_object_set_new(j, "counters_error", json_string(err->msg));
		}
	}
	return j;
}

static int print_json(json_t *j, hull_error_t *err)
{
	cleanup_free char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

	if (text == NULL)
		return hull_fail(err, ENOMEM, "output");
	printf("%s\n", text);
	return 0;
}

struct network_record {
	struct hull_state_ref state;
	unsigned crash_step; /* HULL_CRASH_ENV's step bit, 0 = none */
};

/*
 * Test only: HULL_CRASH_AFTER_STEP=<step name> (hull_endpoint_step_name())
 * makes setup SIGKILL itself once a state holding that step is saved, so
 * that tests can prove `hull network teardown` after a real crash.  Every
 * step is saved before its change is made (net/ and bpf/ alike), so the
 * crash comes before that change: what the state holds covers what exists.
 */
#define HULL_CRASH_ENV "HULL_CRASH_AFTER_STEP"

static int crash_step_from_env(unsigned *step, hull_error_t *err)
{
	const char *name = getenv(HULL_CRASH_ENV);

	*step = 0;
	if (name == NULL || name[0] == '\0')
		return 0;
	for (unsigned bit = 0; bit < 32; bit++) {
		const char *n = hull_endpoint_step_name(1u << bit);

		if (n != NULL && strcmp(n, name) == 0) {
			*step = 1u << bit;
			return 0;
		}
	}
	return hull_fail(err, 0, "%s: unknown step \"%s\"", HULL_CRASH_ENV, name);
}

/* hull_state_record_endpoint(), then the crash HULL_CRASH_ENV asked for. */
static int record_endpoint(void *data, const struct hull_endpoint *ep, hull_error_t *err)
{
	struct network_record *r = data;

	if (hull_state_record_endpoint(&r->state, ep, err) < 0)
		return -1;
	if (r->crash_step & ep->done) {
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
	return 0;
}

/* network setup's options: --netns (required), --model, --vcpus (1 to 256). */
static int setup_options(int argc, char **argv, const char **netns, const char **model,
                         unsigned long *vcpus, hull_error_t *err)
{
	static const struct option options[] = {
	    {"netns", required_argument, NULL, 'n'},
	    {"model", required_argument, NULL, 'm'},
	    {"vcpus", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (c == 'n')
			*netns = optarg;
		else if (c == 'm')
			*model = optarg;
		else if (c == 'c') {
			errno = 0;
			*vcpus = strtoul(optarg, &end, 10);
			if (errno || *end || *vcpus == 0 || *vcpus > 256)
				return hull_fail(err, 0,
				                 "--vcpus: \"%s\" is not a number from 1 to 256",
				                 optarg);
		} else
			return hull_fail(err, 0, "usage: hull network %s", network_usage);
	}
	if (optind != argc - 1 || *netns == NULL)
		return hull_fail(err, 0, "usage: hull network %s", network_usage);
	return 0;
}

/* A created sandbox's state with no bundle and no config, for the endpoints to go in. */
static int create_network_state(const char *root, const char *id, const char *netns,
                                enum hull_net_model model, hull_error_t *err)
{
	struct hull_sandbox_state st;
	char now[64];
	int ret = -1;

	hull_state_init(&st);
	hull_state_timestamp(now, sizeof(now));
	st.sandbox.id = strdup(id);
	/* No bundle: the state needs one, so the directory it ran in (as create). */
	if (hull_path_absolute(".", &st.sandbox.bundle, err) < 0)
		goto out;
	st.sandbox.status = HULL_STATUS_CREATED;
	st.sandbox.created = strdup(now);
	st.network.netns_path = strdup(netns);
	st.network.model = model;
	st.config = json_object();
	ret = hull_state_create(root, &st, err);
out:
	hull_state_free(&st);
	return ret;
}

static int print_endpoints(const struct hull_net_setup_result *net, hull_error_t *err)
{
	json_t *eps = json_array();
	int ret;

	for (size_t i = 0; i < net->n; i++)
		json_array_append_new(eps, endpoint_json(&net->eps[i], false));
	ret = print_json(eps, err);
	json_decref(eps);
	return ret;
}

static int network_setup(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	const char *netns = NULL, *model = hull_net_model_names[HULL_NET_TCFILTER], *id;
	unsigned long vcpus = 1;
	cleanup_free char *root = NULL;
	struct hull_sandbox_config sc = {0};
	struct network_record rec = {0};
	struct sandbox sb = {0};
	int ret;

	if (setup_options(argc, argv, &netns, &model, &vcpus, err) < 0)
		return -1;
	id = argv[optind];
	if (hull_id_validate(id, err) < 0 || sandbox_parse_model(model, &sb.model, err) < 0 ||
	    crash_step_from_env(&rec.crash_step, err) < 0 ||
	    container_state_root(g, &root, err) < 0)
		return -1;
	/*
	 * A network namespace (a FIFO or a file is refused, never waited on),
	 * and for a model that changes it, not the node's own: refused before
	 * the state exists.  (--model none never enters it.)
	 */
	if (hull_netns_check(netns, sb.model != HULL_NET_NONE, err) < 0 ||
	    create_network_state(root, id, netns, sb.model, err) < 0)
		return -1;
	rec.state.root = root;
	rec.state.id = id;
	sc.id = (char *)id;
	sc.spec.netns_path = (char *)netns;
	sb.sc = &sc;
	/* Straight to persist/, unless a test asked for a crash after a step. */
	sb.record_endpoint = rec.crash_step ? record_endpoint : hull_state_record_endpoint;
	sb.record_data = rec.crash_step ? (void *)&rec : (void *)&rec.state;
	/* A sandbox may have loopback alone; this command would set up nothing. */
	if (sandbox_network_setup(&sb, netns, (unsigned)vcpus, err) < 0 ||
	    (sb.model != HULL_NET_NONE && sb.net.n == 0 &&
	     hull_fail(err, 0, "network: netns %s: no network links besides lo", netns) < 0)) {
		cleanup_error hull_error_t ignored = NULL;

		sandbox_shutdown(&sb);
		hull_state_remove(root, id, &ignored);
		return -1;
	}
	ret = print_endpoints(&sb.net, err);
	/* The taps and macvtaps persist; QEMU would hold these fds. */
	hull_net_setup_result_clear(&sb.net);
	return ret;
}

static int network_show(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	struct hull_sandbox_state st;
	bool as_json = false;
	int ret = -1;

	for (optind = 1; optind < argc && strcmp(argv[optind], "--json") == 0; optind++)
		as_json = true;
	if (optind != argc - 1)
		return hull_fail(err, 0, "usage: hull network %s", network_usage);
	if (container_state_root(g, &root, err) < 0)
		return -1;
	hull_state_init(&st);
	if (container_load(root, argv[optind], &st, err) < 0)
		goto out;
	if (as_json) {
		json_t *eps = json_array();

		for (size_t i = 0; i < st.network.n_endpoints; i++)
			json_array_append_new(eps, endpoint_json(&st.network.endpoints[i], true));
		ret = print_json(eps, err);
		json_decref(eps);
		goto out;
	}
	printf("sandbox %s: netns %s, model %s, %zu endpoint(s)\n", argv[optind],
	       st.network.netns_path ? st.network.netns_path : "(none)",
	       hull_net_model_name(st.network.model), st.network.n_endpoints);
	for (size_t i = 0; i < st.network.n_endpoints; i++) {
		const struct hull_endpoint *ep = &st.network.endpoints[i];
		struct hull_tc_counters c;
		cleanup_error hull_error_t cerr = NULL;
		char mac[HULL_MAC_TEXT_MAX];

		hull_mac_format(ep->mac, mac);
		printf("  %s (%s, %s) mac %s mtu %u -> %s%s%s\n", ep->name,
		       hull_link_kind_name(ep->kind), hull_net_model_name(ep->model), mac, ep->mtu,
		       ep->vm_ifname, ep->vm_device[0] ? " " : "", ep->vm_device);
		for (size_t a = 0; a < ep->n_addrs; a++) {
			char text[HULL_ADDR_TEXT_MAX];

			hull_prefix_format(ep->addrs[a].family, ep->addrs[a].addr,
			                   ep->addrs[a].prefix_len, text);
			printf("    address %s\n", text);
		}
		if (!ep->bpf_pin_dir[0] || hull_tc_counters_read(ep->bpf_pin_dir, &c, &cerr) < 0) {
			printf("    counters: %s\n", cerr ? cerr->msg : "none (no BPF programs)");
			continue;
		}
		for (unsigned d = 0; d < HULL_TC_DIRECTION_COUNT; d++)
			printf("    %-10s %10llu packets %12llu bytes\n", hull_tc_direction_name(d),
			       (unsigned long long)c.dir[d].packets,
			       (unsigned long long)c.dir[d].bytes);
		for (unsigned r = 0; r < HULL_DROP_REASON_COUNT; r++)
			if (c.drops[r].packets)
				printf("    dropped %-16s %llu\n", hull_tc_drop_reason_name(r),
				       (unsigned long long)c.drops[r].packets);
	}
	ret = 0;
out:
	hull_state_free(&st);
	return ret;
}

static int network_teardown(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	cleanup_free char *root = NULL;
	struct hull_sandbox_state st;
	int ret = -1;

	if (argc != 2)
		return hull_fail(err, 0, "usage: hull network %s", network_usage);
	if (container_state_root(g, &root, err) < 0)
		return -1;
	hull_state_init(&st);
	if (container_load(root, argv[1], &st, err) < 0)
		goto out;
	if (container_monitor_alive(&st)) {
		hull_fail(err, 0, "sandbox %s is running: use hull delete", argv[1]);
		goto out;
	}
	if (sandbox_teardown_endpoints(st.network.netns_path, argv[1], st.network.endpoints,
	                               st.network.n_endpoints, err) < 0)
		goto out;
	ret = hull_state_remove(root, argv[1], err);
out:
	hull_state_free(&st);
	return ret;
}

int cmd_network(struct hull_globals *g, int argc, char **argv, hull_error_t *err)
{
	if (argc >= 2 && strcmp(argv[1], "setup") == 0)
		return network_setup(g, argc - 1, argv + 1, err);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return network_show(g, argc - 1, argv + 1, err);
	if (argc >= 2 && strcmp(argv[1], "teardown") == 0)
		return network_teardown(g, argc - 1, argv + 1, err);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: hull network %s\n", network_usage);
		return 0;
	}
	return hull_fail(err, 0, "usage: hull network %s", network_usage);
}
