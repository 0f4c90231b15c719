/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM side of bench_datapath: what QEMU's virtio-net backend does with
 * the tap/macvtap queue fds, minus the guest; one busy-looping thread per
 * queue fd, one frame per syscall, empty reads counted (docs/benchmarks.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "persist/endpoint_json.h"
#include "tools/bench/datapath.h"

struct vm_queue {
	int fd;
	unsigned index;
	int hdr_len; /* virtio-net header before each frame, 0 without IFF_VNET_HDR */
	enum dp_vm_mode mode;
	struct dp_shared *sh;
	uint8_t guest_ip[4];
	uint8_t guest_mac[6];
};

static int hdr_len_of(int fd, hull_error_t *err)
{
	struct ifreq ifr;
	int len = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return hull_fail(err, errno, "TUNGETIFF on queue fd %d", fd);
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(fd, TUNGETVNETHDRSZ, &len) < 0)
		return hull_fail(err, errno, "TUNGETVNETHDRSZ on queue fd %d", fd);
	return len;
}

/* Empties the queue of what arrived before the measurement. */
static void drain(int fd)
{
	uint8_t buf[2048];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/* A UDP datagram to the guest's address comes back with both ends swapped. */
static bool echo_swap(const struct vm_queue *q, uint8_t *f, size_t len)
{
	uint8_t tmp[6], *ip = f + 14, *udp;
	size_t ihl;

	if (len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00)
		return false;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ip[9] != IPPROTO_UDP || memcmp(ip + 16, q->guest_ip, 4) != 0 || len < 14 + ihl + 8)
		return false;
	udp = ip + ihl;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, q->guest_mac, 6);
	/* Swapping addresses or ports changes neither checksum: both are sums. */
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	memcpy(tmp, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, tmp, 2);
	return true;
}

/* One queue, in its mode (enum dp_vm_mode), one frame per system call, until stop. */
static void *queue_main(void *arg)
{
	struct vm_queue *q = arg;
	struct dp_queue_stats *st = &q->sh->q[q->index];
	struct pollfd p = {.fd = q->fd, .events = POLLIN};
	uint8_t buf[65536 + 64] = {0}; /* an all-zero virtio-net header: nothing to offload */
	uint64_t rx = 0, tx = 0, empty = 0;
	ssize_t n, len = q->hdr_len + (ssize_t)dp_udp_frame(buf + q->hdr_len, DP_GUEST_MAC,
	                                                    DP_PEER_MAC, DP_GUEST_IP, DP_PEER_IP,
	                                                    (uint16_t)(DP_GUEST_PORT + q->index),
	                                                    DP_PEER_PORT);

	while (!atomic_load_explicit(&q->sh->stop, memory_order_relaxed)) {
		if (q->mode == DP_VM_TX) {
			if (write(q->fd, buf, (size_t)len) == len)
				atomic_store_explicit(&st->tx, ++tx, memory_order_relaxed);
		} else if (q->mode == DP_VM_RX_SPIN) {
			if (read(q->fd, buf, sizeof(buf)) > 0)
				atomic_store_explicit(&st->rx, ++rx, memory_order_relaxed);
			else
				atomic_store_explicit(&st->empty, ++empty, memory_order_relaxed);
		} else if (q->mode == DP_VM_RX_BLOCK) {
			/* Asleep in poll() when there is nothing to read, then all there is. */
			if (poll(&p, 1, 50) > 0)
				while (read(q->fd, buf, sizeof(buf)) > 0)
					atomic_store_explicit(&st->rx, ++rx, memory_order_relaxed);
		} else if ((n = read(q->fd, buf, sizeof(buf))) > q->hdr_len) {
			atomic_store_explicit(&st->rx, ++rx, memory_order_relaxed);
			if (echo_swap(q, buf + q->hdr_len, (size_t)(n - q->hdr_len)) &&
			    write(q->fd, buf, (size_t)n) == n)
				atomic_store_explicit(&st->tx, ++tx, memory_order_relaxed);
		}
	}
	return NULL;
}

int dp_vm_run(const int *fds, unsigned nq, enum dp_vm_mode mode, struct dp_shared *sh,
              hull_error_t *err)
{
	struct vm_queue qs[DP_MAX_QUEUES];
	pthread_t threads[DP_MAX_QUEUES];
	unsigned started = 0;
	int rc;

	if (nq == 0 || nq > DP_MAX_QUEUES)
		return hull_fail(err, 0, "%u queues: want 1 to %d", nq, DP_MAX_QUEUES);
	for (unsigned i = 0; i < nq; i++) {
		struct vm_queue *q = &qs[i];
		int flags = fcntl(fds[i], F_GETFL);

		*q = (struct vm_queue){.fd = fds[i], .index = i, .mode = mode, .sh = sh};
		inet_pton(AF_INET, DP_GUEST_IP, q->guest_ip);
		hull_mac_parse(DP_GUEST_MAC, q->guest_mac);
		q->hdr_len = hdr_len_of(fds[i], err);
		if (q->hdr_len < 0)
			return -1;
		if (flags < 0 || fcntl(fds[i], F_SETFL, flags | O_NONBLOCK) < 0)
			return hull_fail(err, errno, "make queue fd %d non-blocking", fds[i]);
		drain(fds[i]);
	}
	/* Queue 0 runs in this thread, the others in their own. */
	for (unsigned i = 1; i < nq; i++) {
		rc = pthread_create(&threads[i], NULL, queue_main, &qs[i]);
		if (rc != 0) {
			atomic_store(&sh->stop, 1);
			hull_fail(err, rc, "start the thread of queue %u", i);
			break;
		}
		started = i;
	}
	atomic_store(&sh->vm_ready, 1);
	if (started + 1 == nq)
		queue_main(&qs[0]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(threads[i], NULL);
	return started + 1 == nq ? 0 : -1;
}
