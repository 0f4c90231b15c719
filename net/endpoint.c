/* SPDX-License-Identifier: Apache-2.0 */
#include "net/endpoint.h"

#include <stdlib.h>
#include <string.h>

void hull_endpoint_clear(struct hull_endpoint *ep)
{
	free(ep->addrs);
	free(ep->routes);
	free(ep->neighbours);
	memset(ep, 0, sizeof(*ep));
}
