/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loads instances of hull's TC programs ahead, on worker threads, so that
 * the verifier's work for a sandbox's endpoints runs in parallel, and
 * alongside net/ making their taps and macvtaps.  Loading needs no network
 * namespace and touches nothing outside the process: an instance nobody
 * takes is simply destroyed.
 *
 *   pool = hull_tc_pool_start(n)        n loads begin
 *   hull_tc_endpoint_attach_from(ep, id, pool)   takes the next, in order
 *   hull_tc_pool_free(pool)             joins the threads, drops the rest
 *
 * The threads are always joined by hull_tc_pool_free(), so none outlives
 * the setup that started them (the process forks QEMU later).
 */
#ifndef HULL_BPF_TC_POOL_H
#define HULL_BPF_TC_POOL_H

#include <stddef.h>

#include "common/error.h"

struct hull_tc;
struct hull_tc_pool;

/* Starts loading n instances on up to as many threads as CPUs (at most 8). */
int hull_tc_pool_start(size_t n, struct hull_tc_pool **out, hull_error_t *err);

/*
 * The next instance, once loaded (waits for it); the caller owns it.
 * Fails with the load's own error, or when all n were taken.
 */
struct hull_tc *hull_tc_pool_take(struct hull_tc_pool *pool, hull_error_t *err);

/* Joins the threads and destroys the instances not taken.  NULL is fine. */
void hull_tc_pool_free(struct hull_tc_pool *pool);

#endif
