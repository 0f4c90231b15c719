/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The persisted state of one sandbox: what a later hull process (state,
 * start, kill, delete --force) needs to find and tear down everything an
 * earlier one built.  docs/state-format.md describes the JSON, field by
 * field; this header is the same schema as C structs.
 *
 * Strings are malloc'd and owned by the struct; NULL means "not set" and
 * is omitted from the JSON.  The json_t members are owned references.
 * hull_state_free() releases everything and leaves the struct zeroed.
 *
 * Decoding is strict: a value of the wrong type or shape is an error that
 * names the field's path ("network.endpoints[1].mac: "zz" is not a MAC
 * address").  Unknown fields are ignored, so a later minor addition does
 * not break an older reader; a newer *version* is refused.
 */
#ifndef HULL_PERSIST_STATE_H
#define HULL_PERSIST_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/error.h"
#include "net/endpoint.h"

/* The version this hull writes.  persist/migrate.c reads older ones. */
#define HULL_STATE_VERSION 2

/* runc's states, plus "creating" while `hull create` is still at work. */
enum hull_status {
	HULL_STATUS_CREATING,
	HULL_STATUS_CREATED,
	HULL_STATUS_RUNNING,
	HULL_STATUS_STOPPED,
	HULL_STATUS_PAUSED,
};

enum hull_accel {
	HULL_ACCEL_KVM,
	HULL_ACCEL_TCG,
};

/*
 * A pid alone can be reused after its process died; the start time from
 * /proc/<pid>/stat (field 22, clock ticks since boot) tells a live
 * process from a stranger with the same pid, as runc's init_process_start
 * does.  0 = not recorded.
 */
struct hull_sandbox_info {
	char *id;
	char *bundle; /* absolute path of the OCI bundle */
	enum hull_status status;
	char *created;       /* RFC 3339, UTC: "2024-05-01T10:20:30.123456789Z" */
	json_t *annotations; /* object of strings; NULL = none */
	pid_t monitor_pid;   /* hull monitor, 0 = none */
	uint64_t monitor_start_time;
	char *cgroup_path; /* the sandbox's cgroup (QEMU, virtiofsd) */
	/*
	 * runtime/host_cgroup.h: the cgroup's directory in each hierarchy
	 * (exec relays join them) and those hull made (delete removes them):
	 * arrays of absolute paths; NULL = none.
	 */
	json_t *cgroup_leaves;
	json_t *cgroup_created;
	/*
	 * A pod's app container runs in the VM of this sandbox (its id); its
	 * monitor_pid is then its relay.  NULL for a sandbox.
	 */
	char *pod_sandbox;
};

struct hull_hypervisor_state {
	pid_t pid; /* QEMU */
	uint64_t pid_start_time;
	char *qmp_socket;
	char *agent_socket; /* virtio-serial channel to hull-agent */
	pid_t virtiofsd_pid;
	uint64_t virtiofsd_start_time;
	char *virtiofsd_socket;
	char *console_log;
	enum hull_accel accel;
	unsigned int vcpus;
	unsigned int memory_mib;
	char *kernel;
	char *initrd;
};

struct hull_network_state {
	char *netns_path;
	bool netns_created; /* hull made the netns, so hull deletes it */
	enum hull_net_model model;
	struct hull_endpoint *endpoints;
	size_t n_endpoints;
};

/*
 * process, mounts and devices are kept in the OCI shape (as in
 * config.json) exactly as runtime/ produced them; persist checks only
 * that they are an object, an array and an array.
 */
struct hull_container_state {
	char *id;
	enum hull_status status;
	pid_t pid; /* the container's init, as hull-agent reports it; 0 = none */
	uint64_t pid_start_time;
	char *rootfs; /* absolute */
	char *bundle;
	char *created; /* RFC 3339, UTC */
	char *cgroup_path;
	json_t *process;
	json_t *mounts;
	json_t *devices;
};

struct hull_sandbox_state {
	/*
	 * After a load: the version the file was written with (a v1 file is
	 * migrated in memory, and version stays 1 so the caller can tell).
	 * Saving always writes HULL_STATE_VERSION.
	 */
	int version;
	struct hull_sandbox_info sandbox;
	struct hull_hypervisor_state hypervisor;
	struct hull_network_state network;
	struct hull_container_state *containers;
	size_t n_containers;
	json_t *config; /* the resolved sandbox configuration (runtime/), an object */
};

void hull_state_init(struct hull_sandbox_state *st);
void hull_state_free(struct hull_sandbox_state *st);
void hull_container_state_free(struct hull_container_state *c);

/* The JSON of st at HULL_STATE_VERSION; NULL (and *err) if st is invalid. */
json_t *hull_state_to_json(const struct hull_sandbox_state *st, hull_error_t *err);

/*
 * Fills st (initialised; whatever it held is freed first) from a state
 * document of any known version; root is not modified.  On failure st
 * is left empty and *err names the field.
 */
int hull_state_from_json(const json_t *root, struct hull_sandbox_state *st, hull_error_t *err);

/* The same from text (the loader and the fuzzer): JSON errors carry line:column. */
int hull_state_parse(const char *buf, size_t len, struct hull_sandbox_state *st, hull_error_t *err);

/* The serialised text, malloc'd, with a final newline. */
char *hull_state_dump(const struct hull_sandbox_state *st, hull_error_t *err);

/* Appends a container (a zeroed slot) and returns it, NULL on ENOMEM. */
struct hull_container_state *hull_state_add_container(struct hull_sandbox_state *st);
struct hull_container_state *hull_state_find_container(const struct hull_sandbox_state *st,
                                                       const char *id);
/* Appends a zeroed endpoint and returns it, NULL on ENOMEM. */
struct hull_endpoint *hull_state_add_endpoint(struct hull_sandbox_state *st);

/*
 * Records ep in st: replaces the endpoint of the same name, or adds it.
 * The copy is deep; ep stays the caller's.
 */
int hull_state_put_endpoint(struct hull_sandbox_state *st, const struct hull_endpoint *ep,
                            hull_error_t *err);

const char *hull_status_name(enum hull_status status);

/* Writes the current time as RFC 3339 UTC with nanoseconds into buf (>= 32 bytes). */
void hull_state_timestamp(char *buf, size_t size);

#endif
