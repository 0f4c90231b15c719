/* SPDX-License-Identifier: Apache-2.0 */
#include "net/endpoint.h"

#include "common/addr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hull_link_kind_names[HULL_LINK_KIND_COUNT] = {
    [HULL_LINK_VETH] = "veth",
    [HULL_LINK_MACVLAN] = "macvlan",
    [HULL_LINK_IPVLAN] = "ipvlan",
};

const char *const hull_net_model_names[HULL_NET_MODEL_COUNT + 1] = {
    [HULL_NET_TCFILTER] = "tcfilter",
    [HULL_NET_MACVTAP] = "macvtap",
    [HULL_NET_NONE] = "none",
    [HULL_NET_MODEL_COUNT] = NULL,
};

const char *hull_link_kind_name(enum hull_link_kind kind)
{
	return (unsigned)kind < HULL_LINK_KIND_COUNT ? hull_link_kind_names[kind] : "unknown";
}

const char *hull_net_model_name(enum hull_net_model model)
{
	return (unsigned)model < HULL_NET_MODEL_COUNT ? hull_net_model_names[model] : "unknown";
}

/* The index of name in names[n], -1 if absent. */
static int name_index(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

int hull_link_kind_parse(const char *name, enum hull_link_kind *out)
{
	int i = name_index(hull_link_kind_names, HULL_LINK_KIND_COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum hull_link_kind)i;
	return 0;
}

int hull_net_model_parse(const char *name, enum hull_net_model *out)
{
	int i = name_index(hull_net_model_names, HULL_NET_MODEL_COUNT, name);

	if (i < 0)
		return -1;
	*out = (enum hull_net_model)i;
	return 0;
}

const uint8_t *hull_endpoint_guest_mac(const struct hull_endpoint *ep)
{
	return hull_mac_is_zero(ep->guest_mac) ? ep->mac : ep->guest_mac;
}

bool hull_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return false;
	return true;
}

/* Decimal digits at *p (no sign, no leading zero, fits 32 bits) into *out; advances *p. */
static bool take_number(const char **p, unsigned *out)
{
	unsigned long long v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 0xffffffffull)
			return false;
	}
	*out = (unsigned)v;
	*p = s;
	return true;
}

bool hull_vm_device_is_hull_node(const char *path, unsigned *major, unsigned *minor)
{
	static const char prefix[] = "/dev/hull-tap";
	const char *p = path;

	if (strncmp(p, prefix, sizeof(prefix) - 1) != 0)
		return false;
	p += sizeof(prefix) - 1;
	return take_number(&p, major) && *p++ == '-' && take_number(&p, minor) && *p == '\0';
}

bool hull_vm_device_valid(const char *path)
{
	static const char prefix[] = "/dev/tap";
	const char *p = path;
	unsigned a, b;

	if (path[0] == '\0' || hull_vm_device_is_hull_node(path, &a, &b))
		return true;
	if (strncmp(p, prefix, sizeof(prefix) - 1) != 0)
		return false;
	p += sizeof(prefix) - 1;
	return take_number(&p, &a) && a > 0 && a <= 0x7fffffff && *p == '\0';
}

bool hull_pin_dir_valid(const char *dir, const char *ep_name, char *id_out)
{
	static const char root[] = HULL_BPF_PIN_ROOT "/";
	const char *id = dir, *slash;
	size_t id_len;

	if (strncmp(id, root, sizeof(root) - 1) != 0)
		return false;
	id += sizeof(root) - 1;
	slash = strchr(id, '/');
	if (slash == NULL)
		return false;
	id_len = (size_t)(slash - id);
	if (id_len == 0 || id_len > 255 || (id_len == 1 && id[0] == '.') ||
	    (id_len == 2 && id[0] == '.' && id[1] == '.'))
		return false;
	if (!hull_ifname_valid(ep_name) || strcmp(slash + 1, ep_name) != 0)
		return false;
	if (id_out)
		snprintf(id_out, 256, "%.*s", (int)id_len, id);
	return true;
}

void hull_endpoint_clear(struct hull_endpoint *ep)
{
	free(ep->addrs);
	free(ep->routes);
	free(ep->neighbours);
	free(ep->link_local);
	memset(ep, 0, sizeof(*ep));
}

static void *dup_array(const void *src, size_t n, size_t size, bool *failed)
{
	void *dst;

	if (n == 0 || src == NULL)
		return NULL;
	dst = malloc(n * size);
	if (dst == NULL)
		*failed = true;
	else
		memcpy(dst, src, n * size);
	return dst;
}

int hull_endpoint_copy(struct hull_endpoint *dst, const struct hull_endpoint *src,
                       hull_error_t *err)
{
	bool failed = false;

	*dst = *src;
	dst->addrs = dup_array(src->addrs, src->n_addrs, sizeof(*src->addrs), &failed);
	dst->routes = dup_array(src->routes, src->n_routes, sizeof(*src->routes), &failed);
	dst->neighbours =
	    dup_array(src->neighbours, src->n_neighbours, sizeof(*src->neighbours), &failed);
	dst->link_local =
	    dup_array(src->link_local, src->n_link_local, sizeof(*src->link_local), &failed);
	if (failed) {
		hull_endpoint_clear(dst);
		return hull_fail(err, ENOMEM, "endpoint %s", src->name);
	}
	return 0;
}
