/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plays the VM at the guest end of an existing tap (tcfilter) or macvtap
 * (--tap /dev/tapN) for the selftests: opens it as QEMU does (TUNSETIFF,
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) and
 *
 *   serve: answers ARP requests and ICMP echo requests for --ip, as --mac,
 *          until SIGTERM; writes "ready" to stdout once the tap is open.
 *   send KIND: writes one frame and exits.  KIND is good (a UDP frame from
 *          --mac/--ip), spoof-mac (from another MAC), spoof-ip (from
 *          another IPv4 address), arp-spoof (ARP claiming another
 *          address), truncated (IPv4 frame cut inside its header).
 *   ping COUNT: the guest pings --peer-ip: resolves it by ARP first unless
 *          --peer-mac is given, then sends COUNT ICMP echo requests (98-byte
 *          frames), each waiting up to 2 s for its reply, answering ARP for
 *          --ip meanwhile.  Prints "arp PEER_IP is-at MAC", "reply seq=N"
 *          and, last, "frames sent=S received=R" (every frame written to and
 *          read from the tap).  Fails unless every request was answered.
 *
 *   --settle-ms N: wait N ms after opening the tap before anything else
 *          (before "ready"), as a booting guest would: frames sent to a tap
 *          or macvtap just (re)opened may be lost for a moment.
 *
 *   tool_vm_responder --netns NAME --tap DEV|/dev/tapN --mac MAC --ip IPV4
 *                     [--peer-mac MAC] [--peer-ip IPV4] [--settle-ms N]
 *                     serve|send KIND|ping COUNT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "net/netns.h"
#include "persist/endpoint_json.h"

#define VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))
#define SPOOF_MAC "02:66:66:66:66:66"
#define SPOOF_IP "10.66.66.66"

struct guest {
	uint8_t mac[6], peer_mac[6];
	uint8_t ip[4], peer_ip[4];
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_mac(const char *s, uint8_t mac[6], hull_error_t *err)
{
	if (hull_mac_parse(s, mac) < 0)
		return hull_fail(err, 0, "\"%s\" is not a MAC address", s);
	return 0;
}

static int parse_ip(const char *s, uint8_t ip[4], hull_error_t *err)
{
	if (inet_pton(AF_INET, s, ip) != 1)
		return hull_fail(err, 0, "\"%s\" is not an IPv4 address", s);
	return 0;
}

/* A tap by name (through /dev/net/tun), or a macvtap's /dev/tapN by path. */
static int open_tap(const char *name, hull_error_t *err)
{
	struct ifreq ifr;
	const char *path = name[0] == '/' ? name : "/dev/net/tun";
	cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
	int r;

	if (fd < 0)
		return hull_fail(err, errno, "open %s", path);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	r = ioctl(fd, TUNSETIFF, &ifr);
	if (r < 0 && errno == EINVAL && name[0] != '/') {
		/* A multi-queue tap (a VM with several vCPUs): one queue of it, as QEMU's. */
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
		r = ioctl(fd, TUNSETIFF, &ifr);
	}
	if (r < 0)
		return hull_fail(err, errno, "attach to tap %s", name);
	return steal_fd(&fd);
}

static uint16_t checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void set_checksum(uint8_t *field, const uint8_t *p, size_t len)
{
	uint16_t c;

	field[0] = field[1] = 0;
	c = checksum(p, len);
	field[0] = c >> 8;
	field[1] = c & 0xff;
}

/* Writes one Ethernet frame, behind an all-zero virtio-net header. */
static int write_frame(int fd, const uint8_t *frame, size_t len, hull_error_t *err)
{
	uint8_t buf[VNET_HDR_LEN + 2048];

	memset(buf, 0, VNET_HDR_LEN);
	memcpy(buf + VNET_HDR_LEN, frame, len);
	if (write(fd, buf, VNET_HDR_LEN + len) < 0)
		return hull_fail(err, errno, "write frame to tap");
	return 0;
}

/* An ARP request for our address becomes a reply, in place; 0 if not ours. */
static size_t arp_reply(const struct guest *g, uint8_t *f, size_t len)
{
	uint8_t *a = f + ETH_HLEN;

	if (len < ETH_HLEN + 28 || a[7] != 1 || memcmp(a + 24, g->ip, 4) != 0)
		return 0;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, g->mac, 6);
	a[7] = 2;
	memcpy(a + 18, a + 8, 10); /* target = the asker */
	memcpy(a + 8, g->mac, 6);
	memcpy(a + 14, g->ip, 4);
	return ETH_HLEN + 28;
}

/* An ICMP echo request to our address becomes the reply, in place. */
static size_t echo_reply(const struct guest *g, uint8_t *f, size_t len)
{
	uint8_t *ip = f + ETH_HLEN, tmp[4];
	size_t ihl, total;

	if (len < ETH_HLEN + 20)
		return 0;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	total = (size_t)(ip[2] << 8 | ip[3]);
	if (ip[9] != 1 || memcmp(ip + 16, g->ip, 4) != 0 || total > len - ETH_HLEN ||
	    total < ihl + 8 || ip[ihl] != 8)
		return 0;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, g->mac, 6);
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = 64;
	set_checksum(ip + 10, ip, ihl);
	ip[ihl] = 0; /* echo reply */
	set_checksum(ip + ihl + 2, ip + ihl, total - ihl);
	return ETH_HLEN + total;
}

static int serve(int fd, const struct guest *g, hull_error_t *err)
{
	uint8_t buf[VNET_HDR_LEN + 65536];
	struct sigaction sa = {.sa_handler = on_term};

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = read(fd, buf, sizeof(buf));
		uint8_t *f = buf + VNET_HDR_LEN;
		size_t len, out = 0;
		uint16_t proto;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_fail(err, errno, "read from tap");
		if (n < VNET_HDR_LEN + ETH_HLEN)
			continue;
		len = (size_t)n - VNET_HDR_LEN;
		proto = (uint16_t)(f[12] << 8 | f[13]);
		if (proto == ETH_P_ARP)
			out = arp_reply(g, f, len);
		else if (proto == ETH_P_IP)
			out = echo_reply(g, f, len);
		printf("rx proto=%#06x len=%zu %s\n", proto, len, out ? "answered" : "ignored");
		fflush(stdout);
		if (out && write_frame(fd, f, out, err) < 0)
			return -1;
	}
	return 0;
}

static size_t udp_frame(uint8_t *f, const uint8_t *src_mac, const uint8_t *src_ip,
                        const struct guest *g)
{
	uint8_t *ip = f + ETH_HLEN;

	memset(f, 0, ETH_HLEN + 20 + 8 + 4);
	memcpy(f, g->peer_mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 4;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, src_ip, 4);
	memcpy(ip + 16, g->peer_ip, 4);
	set_checksum(ip + 10, ip, 20);
	ip[21] = 9; /* ports 9 (discard) */
	ip[23] = 9;
	ip[25] = 12;
	memcpy(ip + 28, "hull", 4);
	return ETH_HLEN + 20 + 8 + 4;
}

/* A broadcast ARP request "who has target? tell sender_ip" from mac; its length. */
static size_t arp_request(uint8_t *f, const uint8_t *mac, const uint8_t *sender_ip,
                          const uint8_t *target_ip)
{
	uint8_t *a = f + ETH_HLEN;

	memset(f, 0, ETH_HLEN + 28);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	a[1] = 1;    /* hardware: Ethernet */
	a[2] = 0x08; /* protocol: IPv4 */
	a[4] = 6;
	a[5] = 4;
	a[7] = 1; /* request */
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, sender_ip, 4);
	memcpy(a + 24, target_ip, 4);
	return ETH_HLEN + 28;
}

static int send_one(int fd, const struct guest *g, const char *kind, hull_error_t *err)
{
	uint8_t f[128], other_mac[6], other_ip[4];
	size_t len;

	parse_mac(SPOOF_MAC, other_mac, NULL);
	parse_ip(SPOOF_IP, other_ip, NULL);
	if (!strcmp(kind, "good")) {
		len = udp_frame(f, g->mac, g->ip, g);
	} else if (!strcmp(kind, "spoof-mac")) {
		len = udp_frame(f, other_mac, g->ip, g);
	} else if (!strcmp(kind, "spoof-ip")) {
		len = udp_frame(f, g->mac, other_ip, g);
	} else if (!strcmp(kind, "truncated")) {
		len = udp_frame(f, g->mac, g->ip, g);
		len = ETH_HLEN + 10;
	} else if (!strcmp(kind, "arp-spoof")) {
		len = arp_request(f, g->mac, other_ip, g->peer_ip);
	} else {
		return hull_fail(err, 0, "unknown frame kind \"%s\"", kind);
	}
	if (write_frame(fd, f, len, err) < 0)
		return -1;
	usleep(100 * 1000); /* let the frame leave before the tap loses its carrier */
	return 0;
}

struct ping_state {
	unsigned sent, received;
	bool got; /* what we wait for arrived */
};

/*
 * Reads frames for up to timeout_ms, answering ARP for our address, until
 * want() says one is what we wait for.
 */
static int wait_for(int fd, struct guest *g, struct ping_state *ps,
                    bool (*want)(struct guest *g, const uint8_t *f, size_t len, unsigned seq),
                    unsigned seq, int timeout_ms, hull_error_t *err)
{
	uint8_t buf[VNET_HDR_LEN + 65536];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ps->got = false;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left;
		ssize_t n;
		size_t len, out;
		const uint8_t *f;
		char mac[HULL_MAC_TEXT_MAX];

		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms -
		       ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return hull_fail(err, errno, "poll tap");
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return hull_fail(err, errno, "read from tap");
		ps->received++;
		if (n < VNET_HDR_LEN + ETH_HLEN)
			continue;
		len = (size_t)n - VNET_HDR_LEN;
		f = buf + VNET_HDR_LEN;
		hull_mac_format(f + 6, mac);
		printf("rx proto=%#06x len=%zu from %s\n", (unsigned)(f[12] << 8 | f[13]), len,
		       mac);
		if (want(g, buf + VNET_HDR_LEN, len, seq)) {
			ps->got = true;
			return 0;
		}
		if ((uint16_t)(buf[VNET_HDR_LEN + 12] << 8 | buf[VNET_HDR_LEN + 13]) == ETH_P_ARP &&
		    (out = arp_reply(g, buf + VNET_HDR_LEN, len)) > 0) {
			if (write_frame(fd, buf + VNET_HDR_LEN, out, err) < 0)
				return -1;
			ps->sent++;
		}
	}
}

/* An ARP reply from the peer's address: learn its MAC. */
static bool is_peer_arp_reply(struct guest *g, const uint8_t *f, size_t len, unsigned seq)
{
	const uint8_t *a = f + ETH_HLEN;

	(void)seq;
	if (len < ETH_HLEN + 28 || f[12] != 0x08 || f[13] != 0x06 || a[7] != 2 ||
	    memcmp(a + 14, g->peer_ip, 4) != 0)
		return false;
	memcpy(g->peer_mac, a + 8, 6);
	return true;
}

/* The echo reply to our request number seq. */
static bool is_echo_reply(struct guest *g, const uint8_t *f, size_t len, unsigned seq)
{
	const uint8_t *ip = f + ETH_HLEN;
	size_t ihl;

	if (len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00 || ip[9] != 1 ||
	    memcmp(ip + 12, g->peer_ip, 4) != 0 || memcmp(ip + 16, g->ip, 4) != 0)
		return false;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	return len >= ETH_HLEN + ihl + 8 && ip[ihl] == 0 && ip[ihl + 4] == 0x48 &&
	       ip[ihl + 5] == 0x55 && ip[ihl + 6] == (seq >> 8 & 0xff) &&
	       ip[ihl + 7] == (seq & 0xff);
}

static size_t echo_request(uint8_t *f, const struct guest *g, unsigned seq)
{
	uint8_t *ip = f + ETH_HLEN, *icmp = ip + 20;
	const size_t payload = 56;

	memset(f, 0, ETH_HLEN + 20 + 8 + payload);
	memcpy(f, g->peer_mac, 6);
	memcpy(f + 6, g->mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = (uint8_t)(20 + 8 + payload);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, g->ip, 4);
	memcpy(ip + 16, g->peer_ip, 4);
	set_checksum(ip + 10, ip, 20);
	icmp[0] = 8;
	icmp[4] = 0x48; /* id "HU" */
	icmp[5] = 0x55;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	for (size_t i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)i;
	set_checksum(icmp + 2, icmp, 8 + payload);
	return ETH_HLEN + 20 + 8 + payload;
}

static int ping_peer(int fd, struct guest *g, const char *count_text, hull_error_t *err)
{
	static const uint8_t zero[6];
	struct ping_state ps = {0};
	uint8_t f[128];
	char *end;
	unsigned long count = strtoul(count_text, &end, 10);
	unsigned answered = 0;
	int rc = 0;

	if (*end || count == 0 || count > 1000)
		return hull_fail(err, 0, "ping: \"%s\" is not a count from 1 to 1000", count_text);
	if (memcmp(g->peer_mac, zero, 6) == 0) {
		if (write_frame(fd, f, arp_request(f, g->mac, g->ip, g->peer_ip), err) < 0)
			return -1;
		ps.sent++;
		if (wait_for(fd, g, &ps, is_peer_arp_reply, 0, 2000, err) < 0)
			return -1;
		if (!ps.got)
			rc = hull_fail(err, 0, "no ARP reply for the peer's address");
		else {
			char ip[HULL_ADDR_TEXT_MAX], mac[HULL_MAC_TEXT_MAX];

			hull_ip_format(AF_INET, g->peer_ip, ip);
			hull_mac_format(g->peer_mac, mac);
			printf("arp %s is-at %s\n", ip, mac);
		}
	}
	for (unsigned seq = 1; rc == 0 && seq <= count; seq++) {
		if (write_frame(fd, f, echo_request(f, g, seq), err) < 0)
			return -1;
		ps.sent++;
		if (wait_for(fd, g, &ps, is_echo_reply, seq, 2000, err) < 0)
			return -1;
		if (ps.got) {
			answered++;
			printf("reply seq=%u\n", seq);
		}
	}
	printf("frames sent=%u received=%u\n", ps.sent, ps.received);
	fflush(stdout);
	if (rc == 0 && answered != count)
		rc = hull_fail(err, 0, "%u of %lu echo requests answered", answered, count);
	return rc;
}

static int run(int argc, char **argv, hull_error_t *err)
{
	static const struct option opts[] = {
	    {"netns", 1, NULL, 'n'},     {"tap", 1, NULL, 't'},      {"mac", 1, NULL, 'm'},
	    {"ip", 1, NULL, 'i'},        {"peer-mac", 1, NULL, 'M'}, {"peer-ip", 1, NULL, 'I'},
	    {"settle-ms", 1, NULL, 's'}, {NULL, 0, NULL, 0},
	};
	struct guest g;
	const char *tap = NULL;
	unsigned long settle_ms = 0;
	cleanup_close int fd = -1;
	int c;

	memset(&g, 0, sizeof(g));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = 0;

		switch (c) {
		case 'n':
			rc = hull_netns_join(optarg, err);
			break;
		case 't':
			tap = optarg;
			break;
		case 'm':
			rc = parse_mac(optarg, g.mac, err);
			break;
		case 'i':
			rc = parse_ip(optarg, g.ip, err);
			break;
		case 'M':
			rc = parse_mac(optarg, g.peer_mac, err);
			break;
		case 'I':
			rc = parse_ip(optarg, g.peer_ip, err);
			break;
		case 's':
			settle_ms = strtoul(optarg, NULL, 10);
			break;
		default:
			return hull_fail(err, 0, "unknown option");
		}
		if (rc < 0)
			return -1;
	}
	if (!tap || optind >= argc)
		return hull_fail(err, 0,
		                 "usage: --tap DEV --mac MAC --ip IP serve|send KIND|ping COUNT");
	fd = open_tap(tap, err);
	if (fd < 0)
		return -1;
	if (settle_ms)
		usleep((useconds_t)(settle_ms * 1000));
	if (!strcmp(argv[optind], "serve"))
		return serve(fd, &g, err);
	if (!strcmp(argv[optind], "send") && optind + 1 < argc)
		return send_one(fd, &g, argv[optind + 1], err);
	if (!strcmp(argv[optind], "ping") && optind + 1 < argc)
		return ping_peer(fd, &g, argv[optind + 1], err);
	return hull_fail(err, 0, "unknown command \"%s\"", argv[optind]);
}

int main(int argc, char **argv)
{
	cleanup_error hull_error_t err = NULL;

	if (run(argc, argv, &err) < 0) {
		hull_error_print(stderr, err);
		return 1;
	}
	return 0;
}
