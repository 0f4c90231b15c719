/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/agent_requests.h"

#include "vmm/vm.h"

json_t *agent_request_configure_network(json_t *interfaces)
{
	return json_pack("{s:s, s:o}", "op", "configure_network", "interfaces", interfaces);
}

json_t *agent_request_prepare_container(const struct hull_spec *spec)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:b, s:s, s:O}", "op", "prepare_container", "root",
	                 AGENT_CONTAINER_ROOT, "share", "tag", VM_ROOTFS_TAG, "readonly",
	                 spec->readonly, "hostname", spec->hostname ? spec->hostname : "", "mounts",
	                 spec->mounts);
}

json_t *agent_request_start(const struct hull_spec *spec)
{
	return json_pack("{s:s, s:s, s:O, s:s}", "op", "start", "process_id", "init", "process",
	                 spec->process, "root", AGENT_CONTAINER_ROOT);
}
