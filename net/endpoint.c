/* SPDX-License-Identifier: Apache-2.0 */
#include "net/endpoint.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>

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
