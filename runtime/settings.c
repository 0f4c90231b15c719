/* SPDX-License-Identifier: Apache-2.0 */
/* The settings table and the one parser/validator every value goes through. */
#include "runtime/settings.h"

/* Where `make install` puts the guest image (the Makefile sets it from PREFIX). */
#ifndef HULL_DATADIR
#define HULL_DATADIR "/usr/share/hull"
#endif

const char hull_datadir[] = HULL_DATADIR;

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "net/endpoint.h"
#include "vmm/qemu_cmdline.h"

const char *const hull_experimental_features[] = {"hotplug_endpoints", NULL};

static const char *const accel_choices[] = {"auto", "kvm", "tcg", NULL};
/* Kata also takes virtio-9p: hull implements virtio-fs only, and refuses it. */
static const char *const shared_fs_choices[] = {"virtio-fs", NULL};
/* virtiofsd 7.2's cache modes; Kata's "never" is its "none". */
static const char *const virtio_fs_cache_choices[] = {"auto", "always", "none", "never", NULL};
static const char *const block_driver_choices[] = {
    "virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw", NULL,
};

#define BOTH (HULL_SET_BY_FILE | HULL_SET_BY_ANNOTATION)
#define HOST_PATH (BOTH | HULL_NAMES_HOST_PATH)

/* The key is the field's name, so the two cannot drift apart. */
#define SETTING(sec, secfield, k, t, fl, def, ...)                                                 \
	{                                                                                          \
		.section = sec, .key = #k, .type = t, .flags = fl,                                 \
		.offset = offsetof(struct hull_config, secfield.k), .default_text = def,           \
		__VA_ARGS__                                                                        \
	}
#define HV(...) SETTING(HULL_SECTION_HYPERVISOR, hypervisor, __VA_ARGS__)
#define RT(...) SETTING(HULL_SECTION_RUNTIME, runtime, __VA_ARGS__)
#define AG(...) SETTING(HULL_SECTION_AGENT, agent, __VA_ARGS__)
/* Accepted for Kata compatibility, no effect in hull: why, in a few words. */
#define NO_EFFECT(why) .no_effect = why
#define NO_HASHES NO_EFFECT("hull does not verify assets against hashes")
#define NO_BLOCK NO_EFFECT("hull attaches no block devices")
#define NO_TRACING NO_EFFECT("the agent has no tracing")
#define NO_STORE NO_EFFECT("hull has no vhost-user store")

const struct hull_setting hull_settings[] = {
    HV(path, HULL_TYPE_PATH, HOST_PATH, "/usr/bin/qemu-system-x86_64"),
    HV(kernel, HULL_TYPE_PATH, HOST_PATH, HULL_DATADIR "/vmlinuz"),
    HV(image, HULL_TYPE_PATH, HOST_PATH, "",
       NO_EFFECT("hull boots a kernel and an initrd, never a guest image")),
    HV(initrd, HULL_TYPE_PATH, HOST_PATH, HULL_DATADIR "/initrd.img"),
    HV(firmware, HULL_TYPE_PATH, HOST_PATH, ""),
    HV(jailer_path, HULL_TYPE_PATH, HOST_PATH, "", NO_EFFECT("QEMU runs without a jailer")),
    HV(kernel_hash, HULL_TYPE_HASH, BOTH, "", NO_HASHES),
    HV(image_hash, HULL_TYPE_HASH, BOTH, "", NO_HASHES),
    HV(initrd_hash, HULL_TYPE_HASH, BOTH, "", NO_HASHES),
    HV(hypervisor_hash, HULL_TYPE_HASH, BOTH, "", NO_HASHES),
    HV(jailer_hash, HULL_TYPE_HASH, BOTH, "", NO_HASHES),
    HV(firmware_hash, HULL_TYPE_HASH, BOTH, "", NO_HASHES),
    HV(kernel_params, HULL_TYPE_KERNEL_PARAMS, BOTH, ""),
    HV(accel, HULL_TYPE_ENUM, HULL_SET_BY_FILE, "auto", .choices = accel_choices),
    HV(machine_type, HULL_TYPE_STRING, BOTH, "q35"),
    HV(machine_accelerators, HULL_TYPE_STRING, BOTH, ""),
    HV(cpu_features, HULL_TYPE_STRING, BOTH, ""),
    HV(disable_vhost_net, HULL_TYPE_BOOL, BOTH, "false"),
    HV(use_vsock, HULL_TYPE_BOOL, BOTH, "false", NO_EFFECT("the agent talks over virtio-serial")),
    HV(disable_image_nvdimm, HULL_TYPE_BOOL, BOTH, "false", NO_EFFECT("hull boots no guest image")),
    HV(hotplug_vfio_on_root_bus, HULL_TYPE_BOOL, BOTH, "false",
       NO_EFFECT("hull passes no VFIO devices")),
    HV(enable_vhost_user_store, HULL_TYPE_BOOL, BOTH, "false", NO_STORE),
    HV(vhost_user_store_path, HULL_TYPE_PATH, HOST_PATH, "", NO_STORE),
    HV(guest_hook_path, HULL_TYPE_PATH, HOST_PATH, "",
       NO_EFFECT("the agent runs no OCI hooks in the guest")),
    HV(entropy_source, HULL_TYPE_PATH, HOST_PATH, "/dev/urandom"),
    HV(pcie_root_port, HULL_TYPE_UINT32, BOTH, "0", .max = UINT32_MAX),
    HV(default_vcpus, HULL_TYPE_UINT32, BOTH | HULL_ZERO_KEEPS | HULL_AT_MOST_HOST_CPUS, "1",
       .max = UINT32_MAX),
    HV(default_max_vcpus, HULL_TYPE_UINT32, BOTH | HULL_AT_MOST_HOST_CPUS, "0",
       .max = HULL_QEMU_MAX_VCPUS),
    HV(default_memory, HULL_TYPE_UINT32, BOTH, "2048", .min = HULL_MIN_MEMORY_MIB,
       .max = UINT32_MAX, .unit = "MiB"),
    HV(memory_slots, HULL_TYPE_UINT32, BOTH | HULL_ZERO_KEEPS, "10", .max = UINT32_MAX),
    HV(memory_offset, HULL_TYPE_UINT32, BOTH | HULL_ZERO_KEEPS, "0", .max = UINT32_MAX,
       .unit = "MiB"),
    HV(enable_virtio_mem, HULL_TYPE_BOOL, BOTH, "false",
       NO_EFFECT("hull does not resize guest memory")),
    HV(enable_mem_prealloc, HULL_TYPE_BOOL, BOTH, "false"),
    HV(enable_hugepages, HULL_TYPE_BOOL, BOTH, "false"),
    HV(enable_iommu, HULL_TYPE_BOOL, BOTH, "false"),
    HV(enable_swap, HULL_TYPE_BOOL, BOTH, "false",
       NO_EFFECT("hull never locks guest memory (mlock): it may always be swapped")),
    HV(file_mem_backend, HULL_TYPE_PATH, HOST_PATH, ""),
    HV(msize_9p, HULL_TYPE_UINT32, BOTH, "8192", .min = 1, .max = UINT32_MAX,
       NO_EFFECT("hull shares the rootfs over virtio-fs only")),
    HV(shared_fs, HULL_TYPE_ENUM, BOTH, "virtio-fs", .choices = shared_fs_choices),
    HV(virtio_fs_daemon, HULL_TYPE_PATH, HOST_PATH, "/usr/lib/qemu/virtiofsd"),
    HV(virtio_fs_cache, HULL_TYPE_ENUM, BOTH, "auto", .choices = virtio_fs_cache_choices),
    HV(virtio_fs_cache_size, HULL_TYPE_UINT32, BOTH, "0", .max = UINT32_MAX, .unit = "MiB",
       NO_EFFECT("QEMU 7.2 has no virtio-fs DAX window")),
    HV(virtio_fs_extra_args, HULL_TYPE_VIRTIOFSD_ARGS, BOTH, "[]"),
    HV(block_device_driver, HULL_TYPE_ENUM, BOTH, "virtio-scsi", .choices = block_driver_choices,
       NO_BLOCK),
    HV(disable_block_device_use, HULL_TYPE_BOOL, BOTH, "false", NO_BLOCK),
    HV(enable_iothreads, HULL_TYPE_BOOL, BOTH, "false", NO_BLOCK),
    HV(block_device_cache_set, HULL_TYPE_BOOL, BOTH, "false", NO_BLOCK),
    HV(block_device_cache_direct, HULL_TYPE_BOOL, BOTH, "false", NO_BLOCK),
    HV(block_device_cache_noflush, HULL_TYPE_BOOL, BOTH, "false", NO_BLOCK),
    HV(enable_annotations, HULL_TYPE_ANNOTATION_LIST, HULL_SET_BY_FILE, "[]"),

    RT(disable_guest_seccomp, HULL_TYPE_BOOL, BOTH, "true",
       NO_EFFECT("the agent applies no seccomp filter")),
    RT(sandbox_cgroup_only, HULL_TYPE_BOOL, BOTH, "false",
       NO_EFFECT("hull puts the sandbox in no cgroup of its own")),
    RT(experimental, HULL_TYPE_EXPERIMENTAL, BOTH, "",
       NO_EFFECT("hot-plugged endpoints need no feature flag")),
    RT(internetworking_model, HULL_TYPE_ENUM, BOTH, "tcfilter", .choices = hull_net_model_names),
    RT(disable_new_netns, HULL_TYPE_BOOL, BOTH, "false",
       NO_EFFECT("hull never creates a network namespace")),
    RT(state_root, HULL_TYPE_PATH, HULL_SET_BY_FILE, "/run/hull"),

    AG(kernel_modules, HULL_TYPE_KERNEL_MODULES, BOTH, "",
       NO_EFFECT("the agent loads no kernel modules")),
    AG(enable_tracing, HULL_TYPE_BOOL, BOTH, "false", NO_TRACING),
    AG(trace_mode, HULL_TYPE_STRING, BOTH, "", NO_TRACING),
    AG(trace_type, HULL_TYPE_STRING, BOTH, "", NO_TRACING),
    AG(container_pipe_size, HULL_TYPE_UINT32, BOTH, "0", .max = UINT32_MAX,
       NO_EFFECT("the agent does not resize pipes")),
};
const size_t hull_settings_count = sizeof(hull_settings) / sizeof(hull_settings[0]);

#define FIELD(cfg, s, type) ((type *)((char *)(cfg) + (s)->offset))
#define CFIELD(cfg, s, type) ((type const *)((const char *)(cfg) + (s)->offset))

const char *hull_section_name(enum hull_section section)
{
	switch (section) {
	case HULL_SECTION_HYPERVISOR:
		return "hypervisor";
	case HULL_SECTION_RUNTIME:
		return "runtime";
	case HULL_SECTION_AGENT:
		return "agent";
	default:
		return "?";
	}
}

const struct hull_setting *hull_setting_find(enum hull_section section, const char *key)
{
	for (size_t i = 0; i < hull_settings_count; i++)
		if (hull_settings[i].section == section && strcmp(hull_settings[i].key, key) == 0)
			return &hull_settings[i];
	return NULL;
}

const struct hull_setting *hull_setting_find_any(const char *key)
{
	for (size_t i = 0; i < hull_settings_count; i++)
		if (strcmp(hull_settings[i].key, key) == 0)
			return &hull_settings[i];
	return NULL;
}

unsigned int hull_host_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	return (unsigned int)CPU_COUNT(&set);
}

size_t hull_strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void hull_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* A list being built, its length and capacity kept: a push is O(1). */
struct strv_builder {
	char **v;
	size_t n, cap;
};

/* Appends an owned string; on failure frees it. */
static int builder_push(struct strv_builder *b, char *s, hull_error_t *err)
{
	if (s == NULL)
		return hull_fail(err, ENOMEM, "out of memory");
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		char **grown = realloc(b->v, cap * sizeof(char *));

		if (grown == NULL) {
			free(s);
			return hull_fail(err, ENOMEM, "out of memory");
		}
		b->v = grown;
		b->cap = cap;
	}
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
	return 0;
}

static void replace_strv(char ***field, char **v)
{
	hull_strv_free(*field);
	*field = v;
}

static int replace_string(char **field, const char *value, hull_error_t *err)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return hull_fail(err, ENOMEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

/* Go's strconv.ParseUint(text, 10, 32): digits only, no sign, no space. */
static int parse_uint32(const char *text, uint32_t *out, hull_error_t *err)
{
	uint64_t v = 0;

	if (text[0] == '\0')
		return hull_fail(err, 0, "\"\" is not a number");
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return hull_fail(err, 0, "\"%s\" is not a number", text);
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return hull_fail(err, 0, "%s is out of range (at most %" PRIu32 ")", text,
			                 UINT32_MAX);
	}
	*out = (uint32_t)v;
	return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *text, bool *out, hull_error_t *err)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return hull_fail(
	    err, 0, "\"%s\" is not a boolean, please specify boolean value 'true|false'", text);
}

static int validate_uint32(const struct hull_setting *s, uint32_t v, hull_error_t *err)
{
	const char *unit = s->unit ? " " : "";
	const char *unit_name = s->unit ? s->unit : "";

	if (v == 0 && (s->flags & HULL_ZERO_KEEPS))
		return 0;
	if (v < s->min)
		return hull_fail(err, 0, "%" PRIu32 " is less than the minimum of %" PRIu32 "%s%s",
		                 v, s->min, unit, unit_name);
	if (s->flags & HULL_AT_MOST_HOST_CPUS) {
		unsigned int cpus = hull_host_cpus();

		if (v > cpus)
			return hull_fail(
			    err, 0, "%" PRIu32 " is more than the %u CPUs of this host", v, cpus);
	}
	if (v > s->max) {
		if (s->max == HULL_QEMU_MAX_VCPUS)
			return hull_fail(err, 0,
			                 "%" PRIu32 " is more than QEMU's maximum of %d vCPUs", v,
			                 HULL_QEMU_MAX_VCPUS);
		return hull_fail(err, 0, "%" PRIu32 " is more than the maximum of %" PRIu32 "%s%s",
		                 v, s->max, unit, unit_name);
	}
	return 0;
}

static int validate_enum(const struct hull_setting *s, const char *v, hull_error_t *err)
{
	char allowed[256] = "";

	for (const char *const *c = s->choices; *c; c++) {
		if (strcmp(*c, v) == 0)
			return 0;
		if (c != s->choices)
			strncat(allowed, ", ", sizeof(allowed) - strlen(allowed) - 1);
		strncat(allowed, *c, sizeof(allowed) - strlen(allowed) - 1);
	}
	return hull_fail(err, 0, "\"%s\" is not supported (supported: %s)", v, allowed);
}

static int validate_path(const char *v, hull_error_t *err)
{
	if (v[0] != '\0' && v[0] != '/')
		return hull_fail(err, 0, "\"%s\" is not an absolute path", v);
	return 0;
}

static int validate_hash(const char *v, hull_error_t *err)
{
	size_t n = strlen(v);

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return hull_fail(
			    err, 0, "\"%s\" is not a SHA-512 hash (128 hexadecimal digits)", v);
	if (n != 128)
		return hull_fail(
		    err, 0, "\"%s\" is not a SHA-512 hash (128 hexadecimal digits, not %zu)", v, n);
	return 0;
}

static int validate_experimental(const char *name, hull_error_t *err)
{
	for (const char *const *f = hull_experimental_features; *f; f++)
		if (strcmp(*f, name) == 0)
			return 0;
	return hull_fail(err, 0, "unknown experimental feature \"%s\"", name);
}

static int validate_annotation_name(const char *name, hull_error_t *err)
{
	const struct hull_setting *s = hull_setting_find_any(name);

	if (strcmp(name, "config_path") == 0)
		return 0;
	if (s == NULL || !(s->flags & HULL_SET_BY_ANNOTATION))
		return hull_fail(err, 0, "\"%s\" is not an annotation hull knows", name);
	return 0;
}

static int validate_list_item(const struct hull_setting *s, const char *v, hull_error_t *err)
{
	switch (s->type) {
	case HULL_TYPE_EXPERIMENTAL:
		return validate_experimental(v, err);
	case HULL_TYPE_ANNOTATION_LIST:
		return validate_annotation_name(v, err);
	case HULL_TYPE_KERNEL_MODULES:
		if (v[0] == '\0')
			return hull_fail(err, 0, "empty kernel module name");
		return 0;
	default:
		return 0;
	}
}

static int kernel_cmdline_too_long(size_t len, hull_error_t *err)
{
	const size_t own = strlen(VM_KERNEL_CMDLINE_BASE) + 1;

	return hull_fail(err, 0,
	                 "the guest kernel's command line would be %zu bytes, but x86_64 Linux "
	                 "takes at most %d: hull's own \"" VM_KERNEL_CMDLINE_BASE "\" and a "
	                 "space take %zu, so %zu are left for hypervisor.kernel_params",
	                 len, VM_KERNEL_CMDLINE_MAX, own, VM_KERNEL_CMDLINE_MAX - own);
}

/* Records param (its key the first key_len bytes) at position pos of the list. */
static int index_param(json_t *index, const char *param, size_t key_len, size_t pos,
                       hull_error_t *err)
{
	if (json_object_setn_new_nocheck(index, param, key_len, json_integer((json_int_t)pos)) < 0)
		return hull_fail(err, ENOMEM, "out of memory");
	return 0;
}

/*
 * Kata's AddKernelParam: "key=value" replaces an earlier "key" entry.
 * Linear in the text: an index of keys finds the earlier entry (a
 * 256 KiB annotation once took seconds), and the command line the guest
 * would get is checked against what its kernel takes.  *params is
 * replaced only on success.
 */
static int kernel_params_add(char ***params, const char *text, hull_error_t *err)
{
	cleanup_json json_t *index = json_object();
	struct strv_builder b = {0};
	size_t cmdline_len = strlen(VM_KERNEL_CMDLINE_BASE);
	const char *p = text;

	if (index == NULL)
		return hull_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; *params && (*params)[i]; i++) {
		const char *old = (*params)[i];

		if (builder_push(&b, strdup(old), err) < 0 ||
		    index_param(index, old, strcspn(old, "="), b.n - 1, err) < 0)
			goto fail;
		cmdline_len += 1 + strlen(old);
	}
	while (*p) {
		size_t len, key_len;
		const char *eq;
		json_t *earlier;
		char *param;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " \t\n\v\f\r");
		eq = memchr(p, '=', len);
		key_len = eq ? (size_t)(eq - p) : len;
		if (key_len == 0) {
			hull_fail(err, 0, "\"%.*s\" is a kernel parameter without a name",
			          (int)(len > 64 ? 64 : len), p);
			goto fail;
		}
		param = strndup(p, len);
		p += len;
		if (param == NULL) {
			hull_fail(err, ENOMEM, "out of memory");
			goto fail;
		}
		earlier = json_object_getn(index, param, key_len);
		if (earlier) {
			size_t pos = (size_t)json_integer_value(earlier);

			cmdline_len = cmdline_len - strlen(b.v[pos]) + len;
			free(b.v[pos]);
			b.v[pos] = param;
			continue;
		}
		if (builder_push(&b, param, err) < 0 ||
		    index_param(index, param, key_len, b.n - 1, err) < 0)
			goto fail;
		cmdline_len += 1 + len;
	}
	if (cmdline_len > VM_KERNEL_CMDLINE_MAX) {
		kernel_cmdline_too_long(cmdline_len, err);
		goto fail;
	}
	replace_strv(params, b.v);
	return 0;
fail:
	hull_strv_free(b.v);
	return -1;
}

/* Splits text at any of seps, trimming spaces around each item and
 * skipping empty ones. */
static int split_items(const struct hull_setting *s, const char *text, const char *seps,
                       char ***out, hull_error_t *err)
{
	struct strv_builder items = {0};
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, seps);
		const char *start = p, *end = p + len;

		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (end > start) {
			char *item = strndup(start, (size_t)(end - start));

			if (builder_push(&items, item, err) < 0 ||
			    validate_list_item(s, items.v[items.n - 1], err) < 0) {
				hull_strv_free(items.v);
				return -1;
			}
		}
		p += len;
		if (*p)
			p++;
	}
	*out = items.v;
	return 0;
}

static int list_from_json(const struct hull_setting *s, json_t *array, char ***out,
                          hull_error_t *err)
{
	struct strv_builder items = {0};
	size_t i;
	json_t *item;

	if (!json_is_array(array))
		return hull_fail(err, 0, "expected an array of strings");
	json_array_foreach(array, i, item)
	{
		if (!json_is_string(item)) {
			hull_strv_free(items.v);
			return hull_fail(err, 0, "[%zu]: expected a string", i);
		}
		if (validate_list_item(s, json_string_value(item), err) < 0 ||
		    builder_push(&items, strdup(json_string_value(item)), err) < 0) {
			hull_strv_free(items.v);
			return -1;
		}
	}
	*out = items.v;
	return 0;
}

/*
 * virtiofsd's options that leave what is shared, and how, to hull: not
 * source, sandbox, the socket (--socket-path, --fd, --socket-group),
 * cache (hypervisor.virtio_fs_cache), modcaps, xattrmap, --daemonize or
 * options that make it exit at once.  "-o" takes a comma-separated list.
 */
static const char *const virtiofsd_o_allowed[] = {
    "flock",       "no_flock",          "posix_lock",         "no_posix_lock",
    "readdirplus", "no_readdirplus",    "writeback",          "no_writeback",
    "xattr",       "no_xattr",          "allow_direct_io",    "no_allow_direct_io",
    "posix_acl",   "no_posix_acl",      "security_label",     "no_security_label",
    "killpriv_v2", "no_killpriv_v2",    "announce_submounts", "debug",
    "log_level=",  "max_idle_threads=", "timeout=",           NULL,
};
static const char *const virtiofsd_args_allowed[] = {
    "--thread-pool-size=", "--rlimit-nofile=", "--syslog", "-d", "-f", NULL,
};

/* name in list: exactly, or after a "key=" entry with a decimal number
 * (log_level takes a word). */
static bool option_allowed(const char *const *list, const char *name)
{
	for (const char *const *a = list; *a; a++) {
		size_t n = strlen(*a);
		const char *v = name + n;

		if ((*a)[n - 1] != '=') {
			if (strcmp(name, *a) == 0)
				return true;
			continue;
		}
		if (strncmp(name, *a, n) != 0 || *v == '\0')
			continue;
		if (strcmp(*a, "log_level=") == 0)
			return strcmp(v, "debug") == 0 || strcmp(v, "info") == 0 ||
			       strcmp(v, "warn") == 0 || strcmp(v, "err") == 0;
		return strspn(v, "0123456789") == strlen(v);
	}
	return false;
}

static int refuse_virtiofsd_option(const char *option, hull_error_t *err)
{
	return hull_fail(
	    err, 0,
	    "virtiofsd option \"%s\" is not allowed: hull chooses what is shared and "
	    "how (source, sandbox, socket, cache); allowed: -o with flock, posix_lock, "
	    "readdirplus, writeback, xattr, allow_direct_io, posix_acl, "
	    "security_label, killpriv_v2 (or no_ each), announce_submounts, debug, "
	    "log_level=, max_idle_threads=N, timeout=N; --thread-pool-size=N, "
	    "--rlimit-nofile=N, --syslog, -d, -f",
	    option);
}

/* Each option of "-o" text, comma-separated. */
static int check_virtiofsd_o(const char *text, hull_error_t *err)
{
	const char *p = text;

	for (;;) {
		size_t n = strcspn(p, ",");
		cleanup_free char *option = strndup(p, n);

		if (option == NULL)
			return hull_fail(err, ENOMEM, "out of memory");
		if (!option_allowed(virtiofsd_o_allowed, option))
			return refuse_virtiofsd_option(option, err);
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int check_virtiofsd_args(char *const *args, hull_error_t *err)
{
	for (size_t i = 0; args && args[i]; i++) {
		const char *a = args[i];

		if (strcmp(a, "-o") == 0) {
			if (args[i + 1] == NULL)
				return hull_fail(err, 0, "virtiofsd option \"-o\" needs a value");
			if (check_virtiofsd_o(args[++i], err) < 0)
				return -1;
		} else if (strncmp(a, "-o", 2) == 0) {
			if (check_virtiofsd_o(a + 2, err) < 0)
				return -1;
		} else if (!option_allowed(virtiofsd_args_allowed, a)) {
			return refuse_virtiofsd_option(a, err);
		}
	}
	return 0;
}

/* Checks and stores a string-typed value (string, enum, path, hash). */
static int set_string(const struct hull_setting *s, struct hull_config *cfg, const char *v,
                      hull_error_t *err)
{
	if (s->type == HULL_TYPE_ENUM && validate_enum(s, v, err) < 0)
		return -1;
	if (s->type == HULL_TYPE_PATH && validate_path(v, err) < 0)
		return -1;
	if (s->type == HULL_TYPE_HASH && validate_hash(v, err) < 0)
		return -1;
	return replace_string(FIELD(cfg, s, char *), v, err);
}

static int set_uint32(const struct hull_setting *s, struct hull_config *cfg, uint32_t v,
                      hull_error_t *err)
{
	if (validate_uint32(s, v, err) < 0)
		return -1;
	if (v == 0 && (s->flags & HULL_ZERO_KEEPS))
		return 0;
	*FIELD(cfg, s, uint32_t) = v;
	return 0;
}

int hull_setting_set_text(const struct hull_setting *s, struct hull_config *cfg, const char *text,
                          hull_error_t *err)
{
	char **list = NULL;

	switch (s->type) {
	case HULL_TYPE_BOOL:
		return parse_bool(text, FIELD(cfg, s, bool), err);
	case HULL_TYPE_UINT32: {
		uint32_t v = 0;

		if (parse_uint32(text, &v, err) < 0)
			return -1;
		return set_uint32(s, cfg, v, err);
	}
	case HULL_TYPE_STRING:
	case HULL_TYPE_ENUM:
	case HULL_TYPE_PATH:
	case HULL_TYPE_HASH:
		return set_string(s, cfg, text, err);
	case HULL_TYPE_KERNEL_PARAMS:
		return kernel_params_add(FIELD(cfg, s, char **), text, err);
	case HULL_TYPE_KERNEL_MODULES:
		if (split_items(s, text, ";", &list, err) < 0)
			return -1;
		break;
	case HULL_TYPE_EXPERIMENTAL:
		if (split_items(s, text, " \t\n\v\f\r", &list, err) < 0)
			return -1;
		break;
	case HULL_TYPE_STRING_LIST:
	case HULL_TYPE_VIRTIOFSD_ARGS:
	case HULL_TYPE_ANNOTATION_LIST: {
		cleanup_json json_t *array = json_loads(text, JSON_DECODE_ANY, NULL);

		if (!json_is_array(array))
			return hull_fail(err, 0, "\"%s\" is not a JSON array of strings", text);
		if (list_from_json(s, array, &list, err) < 0)
			return -1;
		break;
	}
	}
	if (s->type == HULL_TYPE_VIRTIOFSD_ARGS && check_virtiofsd_args(list, err) < 0) {
		hull_strv_free(list);
		return -1;
	}
	replace_strv(FIELD(cfg, s, char **), list);
	return 0;
}

int hull_setting_set_json(const struct hull_setting *s, struct hull_config *cfg, json_t *value,
                          hull_error_t *err)
{
	char **list = NULL;

	switch (s->type) {
	case HULL_TYPE_BOOL:
		if (!json_is_boolean(value))
			return hull_fail(err, 0, "expected true or false");
		*FIELD(cfg, s, bool) = json_is_true(value);
		return 0;
	case HULL_TYPE_UINT32: {
		json_int_t v;

		if (!json_is_integer(value))
			return hull_fail(err, 0, "expected an integer");
		v = json_integer_value(value);
		if (v < 0 || v > (json_int_t)UINT32_MAX)
			return hull_fail(
			    err, 0, "%" JSON_INTEGER_FORMAT " is out of range (0 to %" PRIu32 ")",
			    v, UINT32_MAX);
		return set_uint32(s, cfg, (uint32_t)v, err);
	}
	case HULL_TYPE_STRING:
	case HULL_TYPE_ENUM:
	case HULL_TYPE_PATH:
	case HULL_TYPE_HASH:
		if (!json_is_string(value))
			return hull_fail(err, 0, "expected a string");
		return set_string(s, cfg, json_string_value(value), err);
	case HULL_TYPE_KERNEL_PARAMS:
		if (!json_is_string(value))
			return hull_fail(err, 0, "expected a string");
		if (kernel_params_add(&list, json_string_value(value), err) < 0)
			return -1;
		break;
	case HULL_TYPE_KERNEL_MODULES:
	case HULL_TYPE_EXPERIMENTAL:
	case HULL_TYPE_STRING_LIST:
	case HULL_TYPE_VIRTIOFSD_ARGS:
	case HULL_TYPE_ANNOTATION_LIST:
		if (list_from_json(s, value, &list, err) < 0)
			return -1;
		break;
	}
	if (s->type == HULL_TYPE_VIRTIOFSD_ARGS && check_virtiofsd_args(list, err) < 0) {
		hull_strv_free(list);
		return -1;
	}
	replace_strv(FIELD(cfg, s, char **), list);
	return 0;
}

static json_t *strv_to_json(char *const *v)
{
	json_t *array = json_array();

	for (size_t i = 0; array && v && v[i]; i++)
		json_array_append_new(array, json_string(v[i]));
	return array;
}

char *hull_kernel_params_join(char *const *v)
{
	size_t len = 1, used = 0;
	char *joined;

	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + 1;
	joined = malloc(len);
	if (joined == NULL)
		return NULL;
	joined[0] = '\0';
	for (size_t i = 0; v && v[i]; i++) {
		size_t n = strlen(v[i]);

		if (i > 0)
			joined[used++] = ' ';
		memcpy(joined + used, v[i], n + 1);
		used += n;
	}
	return joined;
}

static json_t *kernel_params_to_json(char *const *v)
{
	cleanup_free char *joined = hull_kernel_params_join(v);

	return joined ? json_string(joined) : NULL;
}

json_t *hull_setting_to_json(const struct hull_setting *s, const struct hull_config *cfg)
{
	switch (s->type) {
	case HULL_TYPE_BOOL:
		return json_boolean(*CFIELD(cfg, s, bool));
	case HULL_TYPE_UINT32:
		return json_integer(*CFIELD(cfg, s, uint32_t));
	case HULL_TYPE_STRING:
	case HULL_TYPE_ENUM:
	case HULL_TYPE_PATH:
	case HULL_TYPE_HASH: {
		const char *v = *CFIELD(cfg, s, char *);

		return json_string(v ? v : "");
	}
	case HULL_TYPE_KERNEL_PARAMS:
		return kernel_params_to_json(*CFIELD(cfg, s, char **));
	default:
		return strv_to_json(*CFIELD(cfg, s, char **));
	}
}

json_t *hull_config_to_json(const struct hull_config *cfg)
{
	cleanup_json json_t *out = json_object();

	if (out == NULL)
		return NULL;
	for (int sec = 0; sec < HULL_SECTION_COUNT; sec++)
		if (json_object_set_new(out, hull_section_name(sec), json_object()) < 0)
			return NULL;
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];
		json_t *section = json_object_get(out, hull_section_name(s->section));

		if (json_object_set_new(section, s->key, hull_setting_to_json(s, cfg)) < 0)
			return NULL;
	}
	return steal_pointer(&out);
}

int hull_config_init_defaults(struct hull_config *cfg, hull_error_t *err)
{
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];

		if (hull_setting_set_text(s, cfg, s->default_text, err) < 0)
			return hull_error_prefix(err, "default of %s.%s",
			                         hull_section_name(s->section), s->key);
	}
	return 0;
}

int hull_config_check(const struct hull_config *cfg, hull_error_t *err)
{
	const uint32_t max_vcpus = cfg->hypervisor.default_max_vcpus;

	if (max_vcpus != 0 && max_vcpus < cfg->hypervisor.default_vcpus)
		return hull_fail(err, 0,
		                 "hypervisor.default_max_vcpus: %" PRIu32 " is less than "
		                 "hypervisor.default_vcpus (%" PRIu32 "): raise it, or 0 for as "
		                 "many as default_vcpus",
		                 max_vcpus, cfg->hypervisor.default_vcpus);
	if (cfg->hypervisor.enable_hugepages && cfg->hypervisor.file_mem_backend[0] != '\0')
		return hull_fail(err, 0,
		                 "hypervisor.enable_hugepages: guest memory comes from "
		                 "/dev/hugepages, so hypervisor.file_mem_backend (\"%s\") cannot "
		                 "also choose where: set one of them",
		                 cfg->hypervisor.file_mem_backend);
	if (strcmp(cfg->hypervisor.shared_fs, "virtio-fs") == 0 &&
	    (cfg->hypervisor.virtio_fs_daemon == NULL ||
	     cfg->hypervisor.virtio_fs_daemon[0] == '\0'))
		return hull_fail(
		    err, 0,
		    "hypervisor.shared_fs: cannot enable virtio-fs without daemon path "
		    "(hypervisor.virtio_fs_daemon is empty)");
	return 0;
}

bool hull_config_annotation_enabled(const struct hull_config *cfg, const char *name)
{
	for (char **v = cfg->hypervisor.enable_annotations; v && *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

void hull_config_free(struct hull_config *cfg)
{
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];

		switch (s->type) {
		case HULL_TYPE_BOOL:
		case HULL_TYPE_UINT32:
			break;
		case HULL_TYPE_STRING:
		case HULL_TYPE_ENUM:
		case HULL_TYPE_PATH:
		case HULL_TYPE_HASH:
			free(*FIELD(cfg, s, char *));
			*FIELD(cfg, s, char *) = NULL;
			break;
		default:
			hull_strv_free(*FIELD(cfg, s, char **));
			*FIELD(cfg, s, char **) = NULL;
			break;
		}
	}
}

json_t *hull_settings_no_effect_json(void)
{
	cleanup_json json_t *list = json_array();
	char name[128];

	for (size_t i = 0; list && i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];

		if (s->no_effect == NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", hull_section_name(s->section), s->key);
		if (json_array_append_new(list, json_string(name)) < 0)
			return NULL;
	}
	return steal_pointer(&list);
}

void hull_settings_count_effect(size_t *act, size_t *no_effect)
{
	*act = *no_effect = 0;
	for (size_t i = 0; i < hull_settings_count; i++)
		(*(hull_settings[i].no_effect ? no_effect : act))++;
}

size_t hull_config_log_no_effect(const struct hull_config *cfg)
{
	struct hull_config defaults = {0};
	cleanup_error hull_error_t err = NULL;
	size_t logged = 0;

	if (hull_config_init_defaults(&defaults, &err) < 0) {
		hull_config_free(&defaults);
		return 0;
	}
	for (size_t i = 0; i < hull_settings_count; i++) {
		const struct hull_setting *s = &hull_settings[i];
		cleanup_json json_t *value = NULL, *def = NULL;
		cleanup_free char *text = NULL;

		if (s->no_effect == NULL)
			continue;
		value = hull_setting_to_json(s, cfg);
		def = hull_setting_to_json(s, &defaults);
		if (value == NULL || def == NULL || json_equal(value, def))
			continue;
		text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
		log_info("%s.%s = %s has no effect in hull (accepted for Kata compatibility: %s)",
		         hull_section_name(s->section), s->key, text ? text : "?", s->no_effect);
		logged++;
	}
	hull_config_free(&defaults);
	return logged;
}
