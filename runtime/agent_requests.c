/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/agent_requests.h"

#include <string.h>

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

json_t *agent_request_start_container(const char *id)
{
	return json_pack("{s:s, s:s}", "op", "start_container", "container_id", id);
}
