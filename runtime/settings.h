/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one description of every hypervisor, runtime and agent setting.
 *
 * hull_settings[] says, for each setting, its section and key (the key is
 * the Kata annotation's own name, e.g. "default_vcpus"), its type, who may
 * set it (the configuration file, an annotation), whether it names a host
 * path or binary (an annotation may then set it only when the
 * configuration's hypervisor.enable_annotations lists it), its default
 * and where it lives in struct hull_config.  The configuration file
 * (config_file.c), the annotations (annotations.c) and the JSON output of
 * `hull config` all walk this table, so a setting is added in one place.
 *
 * Every value, whichever way it arrives, goes through the same
 * validation (hull_setting_validate_*), so a configuration file cannot
 * set what an annotation would be refused.
 */
#ifndef HULL_RUNTIME_SETTINGS_H
#define HULL_RUNTIME_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/error.h"

enum hull_section {
	HULL_SECTION_HYPERVISOR,
	HULL_SECTION_RUNTIME,
	HULL_SECTION_AGENT,
	HULL_SECTION_COUNT,
};

enum hull_setting_type {
	HULL_TYPE_BOOL,            /* bool; text as Go's strconv.ParseBool */
	HULL_TYPE_UINT32,          /* uint32_t; text decimal digits only */
	HULL_TYPE_STRING,          /* char * */
	HULL_TYPE_ENUM,            /* char *, one of setting->choices */
	HULL_TYPE_PATH,            /* char *, absolute path or "" (none) */
	HULL_TYPE_HASH,            /* char *, 128 hex digits (SHA-512) or "" */
	HULL_TYPE_STRING_LIST,     /* char **; annotation text is a JSON array */
	HULL_TYPE_VIRTIOFSD_ARGS,  /* a STRING_LIST of virtiofsd options hull allows */
	HULL_TYPE_KERNEL_PARAMS,   /* char ** of "key" / "key=value"; text space-separated */
	HULL_TYPE_KERNEL_MODULES,  /* char **; text ';'-separated */
	HULL_TYPE_EXPERIMENTAL,    /* char ** of known feature names; text space-separated */
	HULL_TYPE_ANNOTATION_LIST, /* char ** of annotation key names */
};

/* Who may set a setting, and extra checks on its value. */
enum {
	HULL_SET_BY_FILE = 1 << 0,       /* the configuration file */
	HULL_SET_BY_ANNOTATION = 1 << 1, /* an io.katacontainers.config.* annotation */
	HULL_NAMES_HOST_PATH = 1 << 2,   /* annotation needs enable_annotations */
	HULL_ZERO_KEEPS = 1 << 3,        /* uint32 0 leaves the value as it was */
	HULL_AT_MOST_HOST_CPUS = 1 << 4, /* uint32 <= the CPUs hull may run on */
};

/* QEMU's limit on vCPUs for the q35 machine (Kata's MaxQemuVCPUs). */
#define HULL_QEMU_MAX_VCPUS 240
#define HULL_MIN_MEMORY_MIB 256

/* Experimental features hull knows (runtime.experimental). */
extern const char *const hull_experimental_features[];

/* The resolved hypervisor, runtime and agent settings.  Strings and lists
 * are owned (lists NULL-terminated); hull_config_free releases them. */
struct hull_config {
	struct {
		char *path;
		char *kernel;
		char *image;
		char *initrd;
		char *firmware;
		char *jailer_path;
		char *kernel_hash;
		char *image_hash;
		char *initrd_hash;
		char *hypervisor_hash;
		char *jailer_hash;
		char *firmware_hash;
		char **kernel_params;
		char *accel;
		char *machine_type;
		char *machine_accelerators;
		char *cpu_features;
		bool disable_vhost_net;
		bool use_vsock;
		bool disable_image_nvdimm;
		bool hotplug_vfio_on_root_bus;
		bool enable_vhost_user_store;
		char *vhost_user_store_path;
		char *guest_hook_path;
		char *entropy_source;
		uint32_t pcie_root_port;
		uint32_t default_vcpus;
		uint32_t default_max_vcpus;
		uint32_t default_memory; /* MiB */
		uint32_t memory_slots;
		uint32_t memory_offset;
		bool enable_virtio_mem;
		bool enable_mem_prealloc;
		bool enable_hugepages;
		bool enable_iommu;
		bool enable_swap; /* no effect: hull never mlocks guest memory */
		char *file_mem_backend;
		uint32_t msize_9p;
		char *shared_fs;
		char *virtio_fs_daemon;
		char *virtio_fs_cache;
		uint32_t virtio_fs_cache_size; /* MiB */
		char **virtio_fs_extra_args;
		char *block_device_driver;
		bool disable_block_device_use;
		bool enable_iothreads;
		bool block_device_cache_set;
		bool block_device_cache_direct;
		bool block_device_cache_noflush;
		char **enable_annotations;
	} hypervisor;
	struct {
		bool disable_guest_seccomp;
		bool sandbox_cgroup_only;
		char **experimental;
		char *internetworking_model;
		bool disable_new_netns;
		char *state_root;
	} runtime;
	struct {
		char **kernel_modules;
		bool enable_tracing;
		char *trace_mode;
		char *trace_type;
		uint32_t container_pipe_size;
	} agent;
};

struct hull_setting {
	enum hull_section section;
	const char *key;
	enum hull_setting_type type;
	unsigned int flags;
	size_t offset;              /* in struct hull_config */
	const char *default_text;   /* parsed like an annotation's value */
	const char *const *choices; /* HULL_TYPE_ENUM: NULL-terminated */
	uint32_t min;               /* HULL_TYPE_UINT32 */
	uint32_t max;
	const char *unit; /* for messages, e.g. "MiB"; NULL for none */
	/*
	 * NULL: the setting acts (a test proves it).  Else it is accepted for
	 * Kata compatibility and has no effect in hull, and this says why in
	 * a few words, e.g. "hull shares the rootfs over virtio-fs only".
	 */
	const char *no_effect;
};

extern const struct hull_setting hull_settings[];
extern const size_t hull_settings_count;

/* "hypervisor", "runtime" or "agent". */
const char *hull_section_name(enum hull_section section);

/* The setting called key in section, or NULL. */
const struct hull_setting *hull_setting_find(enum hull_section section, const char *key);

/* The setting an annotation key name (e.g. "kernel") refers to in any
 * section, or NULL.  Keys are unique across sections. */
const struct hull_setting *hull_setting_find_any(const char *key);

/* Sets the setting from text in annotation form (numbers as decimal
 * digits, booleans as Go's ParseBool, lists as described above), after
 * the setting's validation.  Messages say what is wrong with the value,
 * e.g. `"abc" is not a number`; callers add which key. */
int hull_setting_set_text(const struct hull_setting *s, struct hull_config *cfg, const char *text,
                          hull_error_t *err);

/* Sets the setting from a JSON value of the configuration file: checks
 * the JSON type ("expected an integer"), then validates like
 * hull_setting_set_text. */
int hull_setting_set_json(const struct hull_setting *s, struct hull_config *cfg, json_t *value,
                          hull_error_t *err);

/* The setting's value in the shape the configuration file takes. */
json_t *hull_setting_to_json(const struct hull_setting *s, const struct hull_config *cfg);

/* Fills cfg (zeroed by the caller) with every setting's default. */
int hull_config_init_defaults(struct hull_config *cfg, hull_error_t *err);

/* Checks that involve more than one setting (virtio-fs needs a daemon).
 * The message names the settings, e.g. "hypervisor.shared_fs: ...". */
int hull_config_check(const struct hull_config *cfg, hull_error_t *err);

/* { "hypervisor": {...}, "runtime": {...}, "agent": {...} } */
json_t *hull_config_to_json(const struct hull_config *cfg);

/* The settings that have no effect, as ["hypervisor.image", ...]. */
json_t *hull_settings_no_effect_json(void);

/* How many settings act, and how many have no effect. */
void hull_settings_count_effect(size_t *act, size_t *no_effect);

/*
 * Logs one info line per setting that has no effect and that cfg sets to
 * a value other than its default, e.g. "hypervisor.msize_9p = 4096 has
 * no effect in hull (accepted for Kata compatibility: ...)".  Returns
 * how many it logged.
 */
size_t hull_config_log_no_effect(const struct hull_config *cfg);

void hull_config_free(struct hull_config *cfg);

/* True when the annotation key name is in hypervisor.enable_annotations. */
bool hull_config_annotation_enabled(const struct hull_config *cfg, const char *name);

/* The number of CPUs this process may run on (sched_getaffinity), as Go's
 * runtime.NumCPU() counts them. */
unsigned int hull_host_cpus(void);

/* hypervisor.kernel_params as one space-separated string (malloc'd; NULL
 * when out of memory).  Linear in the list's length. */
char *hull_kernel_params_join(char *const *v);

/* NULL-terminated string lists. */
size_t hull_strv_length(char *const *v);
void hull_strv_free(char **v);

/* Where the default guest kernel and initrd are: PREFIX/share/hull. */
extern const char hull_datadir[];

#endif
