/* SPDX-License-Identifier: Apache-2.0 */
#include "bpf/tc_pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpf/tc_endpoint.h"
#include "hull_tc.skel.h"

#define POOL_MAX_THREADS 8

struct slot {
	struct hull_tc *skel;
	int error; /* errno of a failed load, 0 */
	int done;  /* loaded or failed */
};

struct hull_tc_pool {
	pthread_mutex_t lock;
	pthread_cond_t loaded;
	struct slot *slots;
	size_t n;
	size_t next_load; /* the next slot a thread loads */
	size_t next_take; /* the next slot hull_tc_pool_take() hands out */
	pthread_t threads[POOL_MAX_THREADS];
	unsigned n_threads;
};

static void *load_loop(void *arg)
{
	struct hull_tc_pool *pool = arg;

	for (;;) {
		struct hull_tc *skel;
		size_t i;
		int error = 0;

		pthread_mutex_lock(&pool->lock);
		i = pool->next_load++;
		pthread_mutex_unlock(&pool->lock);
		if (i >= pool->n)
			return NULL;
		skel = hull_tc__open_and_load();
		if (skel == NULL)
			error = errno ? errno : EINVAL;
		pthread_mutex_lock(&pool->lock);
		pool->slots[i] = (struct slot){.skel = skel, .error = error, .done = 1};
		pthread_cond_broadcast(&pool->loaded);
		pthread_mutex_unlock(&pool->lock);
	}
}

int hull_tc_pool_start(size_t n, struct hull_tc_pool **out, hull_error_t *err)
{
	struct hull_tc_pool *pool = calloc(1, sizeof(*pool));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = n < (size_t)(cpus > 0 ? cpus : 1) ? n : (size_t)(cpus > 0 ? cpus : 1);
	sigset_t all, old;

	*out = NULL;
	if (pool == NULL || (n > 0 && (pool->slots = calloc(n, sizeof(*pool->slots))) == NULL)) {
		free(pool);
		return hull_fail(err, ENOMEM, "BPF program pool");
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->loaded, NULL);
	pool->n = n;
	hull_tc_route_libbpf_logs();
	/* Signals stay with the thread that handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < want && i < POOL_MAX_THREADS; i++) {
		int rc = pthread_create(&pool->threads[i], NULL, load_loop, pool);

		if (rc != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			if (pool->n_threads > 0)
				break; /* fewer threads: slower, not wrong */
			hull_tc_pool_free(pool);
			return hull_fail(err, rc, "start a thread to load BPF programs");
		}
		pool->n_threads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = pool;
	return 0;
}

struct hull_tc *hull_tc_pool_take(struct hull_tc_pool *pool, hull_error_t *err)
{
	struct slot *s;
	struct hull_tc *skel;

	pthread_mutex_lock(&pool->lock);
	if (pool->next_take >= pool->n) {
		pthread_mutex_unlock(&pool->lock);
		hull_fail(err, 0, "all %zu loaded BPF program instances are taken", pool->n);
		return NULL;
	}
	s = &pool->slots[pool->next_take++];
	while (!s->done)
		pthread_cond_wait(&pool->loaded, &pool->lock);
	skel = s->skel;
	s->skel = NULL;
	pthread_mutex_unlock(&pool->lock);
	if (skel == NULL)
		hull_fail(err, s->error,
		          "load BPF programs (run with --debug for the verifier log)");
	return skel;
}

void hull_tc_pool_free(struct hull_tc_pool *pool)
{
	if (pool == NULL)
		return;
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	for (size_t i = 0; i < pool->n; i++)
		hull_tc__destroy(pool->slots[i].skel);
	pthread_cond_destroy(&pool->loaded);
	pthread_mutex_destroy(&pool->lock);
	free(pool->slots);
	free(pool);
}
