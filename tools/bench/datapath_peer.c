/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The outside world of bench_datapath, run in the peer netns: flood
 * (AF_PACKET, sendmmsg, flat out or paced), echo (UDP request/response,
 * busy-polling) and sink (a bound UDP socket, never read).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "common/cleanup.h"
#include "persist/endpoint_json.h"
#include "tools/bench/datapath.h"
#include "tools/bench/stats.h"

#define FLOOD_BATCH 64
#define PACED_BATCH 16
#define MAX_FLOWS 8

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t dp_udp_frame(uint8_t *f, const char *src_mac, const char *dst_mac, const char *src_ip,
                    const char *dst_ip, uint16_t sport, uint16_t dport)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t c;

	memset(f, 0, DP_FRAME_LEN);
	hull_mac_parse(dst_mac, f);
	hull_mac_parse(src_mac, f + 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + DP_UDP_PAYLOAD;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src_ip, ip + 12);
	inet_pton(AF_INET, dst_ip, ip + 16);
	c = ip_checksum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[5] = 8 + DP_UDP_PAYLOAD; /* checksum 0: none (IPv4) */
	memcpy(udp + 8, "hull-bench", 10);
	return DP_FRAME_LEN;
}

static void add_ns(struct timespec *t, uint64_t ns)
{
	t->tv_nsec += (long)(ns % 1000000000u);
	t->tv_sec += (time_t)(ns / 1000000000u);
	if (t->tv_nsec >= 1000000000) {
		t->tv_nsec -= 1000000000;
		t->tv_sec++;
	}
}

int dp_peer_flood(const char *dev, unsigned pps, unsigned flows, struct dp_shared *sh,
                  hull_error_t *err)
{
	static uint8_t frames[MAX_FLOWS][DP_FRAME_LEN];
	struct mmsghdr msgs[FLOOD_BATCH];
	struct iovec iov[FLOOD_BATCH];
	struct sockaddr_ll sll;
	cleanup_close int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	unsigned batch = pps ? PACED_BATCH : FLOOD_BATCH, one = 1;
	struct timeval tmo = {.tv_sec = 0, .tv_usec = 100000};
	uint64_t tx = 0, interval_ns = 0;
	struct timespec next;

	if (fd < 0)
		return hull_fail(err, errno, "AF_PACKET socket");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (sll.sll_ifindex == 0)
		return hull_fail(err, errno, "device %s", dev);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return hull_fail(err, errno, "bind AF_PACKET to %s", dev);
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		return hull_fail(err, errno, "PACKET_QDISC_BYPASS on %s", dev);
	/*
	 * A frame the path queues without orphaning it (macvtap) holds send
	 * buffer until the VM side reads it: sendmmsg() sleeps then, which is
	 * the path's flow control.  Time out so that stop is seen even when
	 * the VM side has gone.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo)) < 0)
		return hull_fail(err, errno, "SO_SNDTIMEO on %s", dev);
	if (flows < 1)
		flows = 1;
	if (flows > MAX_FLOWS)
		flows = MAX_FLOWS;
	/* One UDP source port per flow: tun spreads flows over its queues by hash. */
	for (unsigned i = 0; i < flows; i++)
		dp_udp_frame(frames[i], DP_PEER_MAC, DP_GUEST_MAC, DP_PEER_IP, DP_GUEST_IP,
		             (uint16_t)(DP_PEER_PORT + 100 + i), DP_GUEST_PORT);
	memset(msgs, 0, sizeof(msgs));
	for (unsigned i = 0; i < FLOOD_BATCH; i++) {
		iov[i].iov_base = frames[i % flows];
		iov[i].iov_len = DP_FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (pps) {
		prctl(PR_SET_TIMERSLACK, 1UL);
		interval_ns = (uint64_t)batch * 1000000000u / pps;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	atomic_store(&sh->peer_ready, 1);
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		int n = sendmmsg(fd, msgs, batch, 0);

		if (n > 0)
			tx += (uint64_t)n;
		atomic_store_explicit(&sh->gen_tx, tx, memory_order_relaxed);
		if (pps) {
			add_ns(&next, interval_ns);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	return 0;
}

/* One request/response: the RTT in microseconds, or < 0 when lost. */
static double round_trip(int fd, uint32_t seq)
{
	uint8_t req[DP_UDP_PAYLOAD], resp[256];
	double t0, deadline;

	memset(req, 'h', sizeof(req));
	memcpy(req, &seq, sizeof(seq));
	t0 = bench_now_ms() * 1e3;
	deadline = t0 + 50000;
	if (send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	for (;;) {
		ssize_t n = recv(fd, resp, sizeof(resp), MSG_DONTWAIT);
		double t = bench_now_ms() * 1e3;

		if (n == (ssize_t)sizeof(req) && memcmp(resp, &seq, sizeof(seq)) == 0)
			return t - t0;
		if (t > deadline)
			return -1;
	}
}

int dp_peer_echo(unsigned n, struct dp_shared *sh, hull_error_t *err)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(DP_GUEST_PORT)};
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t seq = 0;

	if (fd < 0)
		return hull_fail(err, errno, "UDP socket");
	inet_pton(AF_INET, DP_GUEST_IP, &to.sin_addr);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return hull_fail(err, errno, "connect to %s:%d", DP_GUEST_IP, DP_GUEST_PORT);
	if (n > DP_MAX_SAMPLES)
		n = DP_MAX_SAMPLES;
	atomic_store(&sh->peer_ready, 1);
	for (unsigned i = 0; i < 100; i++) /* warm up caches and the neighbour entry */
		round_trip(fd, ++seq);
	sh->n_samples = 0;
	sh->lost = 0;
	for (unsigned i = 0; i < n && !atomic_load(&sh->stop); i++) {
		double rtt = round_trip(fd, ++seq);

		if (rtt < 0)
			sh->lost++;
		else
			sh->samples_us[sh->n_samples++] = rtt;
	}
	return 0;
}

int dp_peer_sink(hull_error_t *err)
{
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(DP_PEER_PORT)};
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int small = 1;

	if (fd < 0)
		return hull_fail(err, errno, "UDP socket");
	inet_pton(AF_INET, DP_PEER_IP, &at.sin_addr);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0)
		return hull_fail(err, errno, "SO_RCVBUF");
	if (bind(fd, (struct sockaddr *)&at, sizeof(at)) < 0)
		return hull_fail(err, errno, "bind %s:%d", DP_PEER_IP, DP_PEER_PORT);
	return steal_fd(&fd);
}
