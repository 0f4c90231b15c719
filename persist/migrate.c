/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/migrate.h"

#include "persist/json_field.h"
#include "persist/state.h"

/* Moves obj[from] to obj[to] (replacing it), after checking its type. */
static int rename_member(json_t *obj, const char *from, const char *to, json_type type,
                         const char *what, struct hull_jpath *p, hull_error_t *err)
{
	json_t *v = json_object_get(obj, from);
	size_t old;

	if (v == NULL)
		return 0;
	if (json_typeof(v) != type) {
		old = hull_jpath_key(p, from);
		hull_jfail_type(err, p, what, v);
		hull_jpath_pop(p, old);
		return -1;
	}
	if (json_object_set(obj, to, v) < 0 || json_object_del(obj, from) < 0)
		return hull_jfail(err, p, "out of memory");
	return 0;
}

static int hoist(json_t *to, json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	return v == NULL ? 0 : json_object_set(to, key, v);
}

/*
 * Version 1 (the first draft) differs from version 2 in two places:
 *   hypervisor.sockets {"qmp": S, "agent": S}  ->  hypervisor.qmp_socket, .agent_socket
 *   endpoint tap_name, tap_ifindex, macvtap_device  ->  vm_ifname, vm_ifindex, vm_device
 * (version 1 named the VM side after the tcfilter model's tap; version 2
 * names it for both models).
 */
static int migrate_v1_to_v2(json_t *doc, hull_error_t *err)
{
	struct hull_jpath p = HULL_JPATH_INIT;
	json_t *hv = json_object_get(doc, "hypervisor");
	json_t *net = json_object_get(doc, "network");
	json_t *eps, *ep;
	size_t i, base;

	if (hv != NULL && json_is_object(hv)) {
		json_t *sockets = json_object_get(hv, "sockets");

		hull_jpath_key(&p, "hypervisor");
		if (sockets != NULL) {
			hull_jpath_key(&p, "sockets");
			if (!json_is_object(sockets))
				return hull_jfail_type(err, &p, "an object", sockets);
			if (rename_member(sockets, "qmp", "qmp_socket", JSON_STRING, "a string", &p,
			                  err) < 0 ||
			    rename_member(sockets, "agent", "agent_socket", JSON_STRING, "a string",
			                  &p, err) < 0)
				return -1;
			/* The renamed members now sit in sockets: hoist them into hv. */
			if (hoist(hv, sockets, "qmp_socket") < 0 ||
			    hoist(hv, sockets, "agent_socket") < 0 ||
			    json_object_del(hv, "sockets") < 0)
				return hull_jfail(err, &p, "out of memory");
		}
		hull_jpath_pop(&p, 0);
	}

	eps = net != NULL ? json_object_get(net, "endpoints") : NULL;
	if (eps == NULL || !json_is_array(eps))
		return 0; /* absent, or the v2 decoder reports the wrong type */
	hull_jpath_key(&p, "network");
	hull_jpath_key(&p, "endpoints");
	base = p.len;
	json_array_foreach(eps, i, ep)
	{
		if (!json_is_object(ep))
			continue; /* the v2 decoder reports it */
		hull_jpath_index(&p, i);
		if (rename_member(ep, "tap_name", "vm_ifname", JSON_STRING, "a string", &p, err) <
		        0 ||
		    rename_member(ep, "tap_ifindex", "vm_ifindex", JSON_INTEGER, "an integer", &p,
		                  err) < 0 ||
		    rename_member(ep, "macvtap_device", "vm_device", JSON_STRING, "a string", &p,
		                  err) < 0)
			return -1;
		hull_jpath_pop(&p, base);
	}
	return 0;
}

int hull_state_migrate(json_t *doc, int version, hull_error_t *err)
{
	if (version < HULL_STATE_OLDEST_VERSION || version > HULL_STATE_VERSION)
		return hull_fail(err, 0, "version: unknown version %d", version);
	if (version == 1) {
		if (migrate_v1_to_v2(doc, err) < 0)
			return hull_error_prefix(err, "migrating from version 1");
		version = 2;
	}
	return json_object_set_new(doc, "version", json_integer(version)) < 0
	           ? hull_fail(err, 0, "out of memory")
	           : 0;
}
