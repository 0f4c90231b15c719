/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/agent_requests.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "runtime/mounts_share.h"
#include "vmm/vm.h"

json_t *agent_request_configure_network(json_t *interfaces)
{
	return json_pack("{s:s, s:o}", "op", "configure_network", "interfaces", interfaces);
}

/* linux with the network namespace's path dropped: the guest's own is the container's. */
static json_t *guest_linux(const json_t *linux_)
{
	json_t *copy = linux_ ? json_deep_copy(linux_) : json_object(), *ns;
	size_t i;

	json_array_foreach(json_object_get(copy, "namespaces"), i, ns)
	{
		const char *type = json_string_value(json_object_get(ns, "type"));

		if (type && strcmp(type, "network") == 0)
			json_object_del(ns, "path");
	}
	return copy;
}

json_t *agent_request_create_container(const char *id, const struct hull_spec *spec)
{
	json_t *linux_ = guest_linux(spec->linux_);

	if (linux_ == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:b, s:s, s:s, s:O, s:O, s:o}", "op",
	                 "create_container", "container_id", id, "process_id", "init", "root",
	                 AGENT_CONTAINER_ROOT, "share", "tag", VM_ROOTFS_TAG, "readonly",
	                 spec->readonly, "hostname", spec->hostname ? spec->hostname : "",
	                 "domainname", spec->domainname ? spec->domainname : "", "mounts",
	                 spec->mounts, "process", spec->process, "linux", linux_);
}

json_t *agent_request_create_container_shared(const char *id, const struct hull_spec *spec)
{
	json_t *req = agent_request_create_container(id, spec);
	json_t *mounts = mounts_share_guest_mounts(id, spec->mounts, AGENT_SHARE_PATH);
	char rel[PATH_MAX], root[PATH_MAX + sizeof(AGENT_SHARE_PATH)];

	if (req == NULL || mounts == NULL || virtiofsd_share_path(rel, sizeof(rel), id, -1) < 0) {
		json_decref(req);
		json_decref(mounts);
		return NULL;
	}
	snprintf(root, sizeof(root), "%s/%s", AGENT_SHARE_PATH, rel);
	if (json_object_set_new(req, "mounts", mounts) < 0 ||
	    json_object_set_new(req, "root", json_string(root)) < 0 ||
	    json_object_set_new(json_object_get(req, "share"), "path",
	                        json_string(AGENT_SHARE_PATH)) < 0) {
		json_decref(req);
		return NULL;
	}
	return req;
}

json_t *agent_request_start_container(const char *id)
{
	return json_pack("{s:s, s:s}", "op", "start_container", "container_id", id);
}
