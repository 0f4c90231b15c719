/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration file + config.json + annotations -> one sandbox configuration. */
#include "runtime/sandbox_config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/read_file.h"
#include "runtime/config_file.h"
#include "runtime/host_cgroup.h"

/* io.katacontainers.config_path: the sandbox uses another configuration
 * file, when the first one enables that annotation. */
static int switch_config_file(struct hull_sandbox_config *sc, hull_error_t *err)
{
	struct hull_config other = {0};
	const char *path;

	if (hull_annotations_config_path(&sc->config, sc->spec.annotations, &path, err) < 0)
		return -1;
	if (path == NULL)
		return 0;
	if (hull_config_file_load(path, &other, err) < 0) {
		hull_config_free(&other);
		return hull_error_prefix(err, "annotation %s", HULL_ANNOTATION_CONFIG_PATH);
	}
	hull_config_free(&sc->config);
	sc->config = other;
	return 0;
}

/*
 * Kata's static sizing: the VM gets default_vcpus plus the container's
 * CPUs (linux.resources.cpu quota/period, rounded up), capped at the
 * host's CPUs (or default_max_vcpus), and default_memory plus its memory
 * limit (rounded up to MiB): the defaults are the guest's own share.
 */
static int size_vm(struct hull_sandbox_config *sc, hull_error_t *err)
{
	__typeof__(sc->config.hypervisor) *hv = &sc->config.hypervisor;
	struct host_cgroup_limits l;

	if (host_cgroup_limits_from(sc->spec.resources, &l, err) < 0)
		return -1;
	uint64_t cpus = host_cgroup_limits_cpus(&l);

	if (cpus > 0) {
		uint64_t want = hv->default_vcpus + cpus,
		         cap = hv->default_max_vcpus ? hv->default_max_vcpus : hull_host_cpus();

		if (want > cap) {
			log_info("linux.resources.cpu: %" PRIu64 " vCPUs wanted (%" PRIu32
			         " + %" PRIu64 "), the VM gets %" PRIu64 " (the host's CPUs or "
			         "default_max_vcpus)",
			         want, hv->default_vcpus, cpus, cap);
			want = cap;
		}
		hv->default_vcpus = (uint32_t)want;
	}
	if (l.has_memory && l.memory > 0) {
		uint64_t mib = hv->default_memory + (((uint64_t)l.memory + (1 << 20) - 1) >> 20);

		if (mib > UINT32_MAX)
			return hull_fail(err, 0,
			                 "linux.resources.memory.limit: %" PRId64 " is too large",
			                 l.memory);
		hv->default_memory = (uint32_t)mib;
	}
	return 0;
}

int hull_sandbox_config_build(struct hull_sandbox_config *sc, const char *name, const char *text,
                              size_t len, const char *bundle, const char *id, hull_error_t *err)
{
	cleanup_json json_t *others = NULL;
	const char *sandbox_id;

	sc->id = strdup(id);
	sc->bundle = strdup(bundle);
	if (sc->id == NULL || sc->bundle == NULL)
		return hull_fail(err, ENOMEM, "sandbox configuration");
	if (hull_spec_parse(name, text, len, bundle, &sc->spec, err) < 0)
		return -1;
	if (switch_config_file(sc, err) < 0)
		return hull_error_prefix(err, "%s", name);
	/* The config_path annotation was checked (against the first file)
	 * and used: the other settings are checked against the new one. */
	others = json_copy(sc->spec.annotations);
	if (others == NULL)
		return hull_fail(err, ENOMEM, "sandbox configuration");
	json_object_del(others, HULL_ANNOTATION_CONFIG_PATH);
	if (hull_annotations_apply(&sc->config, others, err) < 0 ||
	    hull_annotations_container_type(sc->spec.annotations, id, &sc->type, &sandbox_id, err) <
	        0 ||
	    (sc->type == HULL_CONTAINER_POD_SANDBOX &&
	     hull_spec_check_sandbox_namespaces(&sc->spec, err) < 0))
		return hull_error_prefix(err, "%s", name);
	sc->sandbox_id = strdup(sandbox_id);
	if (sc->sandbox_id == NULL)
		return hull_fail(err, ENOMEM, "sandbox configuration");
	return size_vm(sc, err) < 0 ? hull_error_prefix(err, "%s", name) : 0;
}

int hull_sandbox_config_load(const struct hull_sandbox_options *opts,
                             struct hull_sandbox_config *sc, hull_error_t *err)
{
	cleanup_free char *bundle = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	struct stat st;
	size_t len;

	if (hull_path_absolute(opts->bundle, &bundle, err) < 0)
		return -1;
	if (stat(bundle, &st) < 0)
		return hull_fail(err, errno, "bundle %s", bundle);
	if (!S_ISDIR(st.st_mode))
		return hull_fail(err, ENOTDIR, "bundle %s", bundle);
	if (hull_config_file_load(opts->config_path, &sc->config, err) < 0)
		return -1;
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return hull_fail(err, ENOMEM, "config.json");
	if (hull_read_file(path, &text, &len, err) < 0)
		return -1;
	if (hull_sandbox_config_build(sc, path, text, len, bundle, opts->id, err) < 0)
		return -1;
	if (hull_spec_resolve_rootfs(&sc->spec, bundle, err) < 0)
		return hull_error_prefix(err, "%s", path);
	if (opts->state_root) {
		const struct hull_setting *s =
		    hull_setting_find(HULL_SECTION_RUNTIME, "state_root");

		if (hull_setting_set_text(s, &sc->config, opts->state_root, err) < 0)
			return hull_error_prefix(err, "--root");
	}
	hull_config_log_no_effect(&sc->config);
	return 0;
}

static json_t *container_to_json(const struct hull_sandbox_config *sc)
{
	const struct hull_spec *spec = &sc->spec;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:O, s:O, s:O, s:s?, s:b, s:O, s:O, "
	                 "s:O}",
	                 "id", sc->id, "type", hull_container_type_name(sc->type), "sandbox_id",
	                 sc->sandbox_id, "bundle", sc->bundle, "rootfs", spec->rootfs, "readonly",
	                 spec->readonly, "hostname", spec->hostname, "process", spec->process,
	                 "mounts", spec->mounts, "devices", spec->devices, "netns",
	                 spec->netns_path, "new_netns", spec->has_netns && !spec->netns_path,
	                 "namespaces", spec->namespaces, "resources", spec->resources,
	                 "annotations", spec->annotations);
}

json_t *hull_sandbox_config_to_json(const struct hull_sandbox_config *sc)
{
	cleanup_json json_t *out = hull_config_to_json(&sc->config);

	if (out == NULL || json_object_set_new(out, "container", container_to_json(sc)) < 0)
		return NULL;
	return steal_pointer(&out);
}

void hull_sandbox_config_free(struct hull_sandbox_config *sc)
{
	hull_config_free(&sc->config);
	hull_spec_free(&sc->spec);
	free(sc->id);
	free(sc->bundle);
	free(sc->sandbox_id);
	memset(sc, 0, sizeof(*sc));
}
