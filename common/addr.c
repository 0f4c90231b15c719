/* SPDX-License-Identifier: Apache-2.0 */
#include "common/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void hull_mac_format(const uint8_t mac[6], char out[HULL_MAC_TEXT_MAX])
{
	snprintf(out, HULL_MAC_TEXT_MAX, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
	         mac[3], mac[4], mac[5]);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hull_mac_parse(const char *text, uint8_t mac[6])
{
	int i;

	if (text == NULL || strlen(text) != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		int hi = hex_digit(text[3 * i]), lo = hex_digit(text[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool hull_mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

int hull_ip_format(int family, const uint8_t *addr, char out[HULL_ADDR_TEXT_MAX])
{
	return inet_ntop(family, addr, out, HULL_ADDR_TEXT_MAX) ? 0 : -1;
}

void hull_prefix_format(int family, const uint8_t *addr, unsigned prefix_len,
                        char out[HULL_ADDR_TEXT_MAX])
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, addr, ip, sizeof(ip));
	snprintf(out, HULL_ADDR_TEXT_MAX, "%s/%u", ip, prefix_len);
}

int hull_ip_parse(const char *text, int *family, uint8_t addr[16])
{
	if (text == NULL)
		return -1;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int hull_prefix_parse(const char *text, int *family, uint8_t addr[16], uint8_t *prefix_len)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = text ? strchr(text, '/') : NULL;
	size_t iplen;
	unsigned long len = 0;
	const char *d;

	if (slash == NULL || slash[1] == '\0' || strlen(slash + 1) > 3)
		return -1;
	iplen = (size_t)(slash - text);
	if (iplen == 0 || iplen >= sizeof(ip))
		return -1;
	memcpy(ip, text, iplen);
	ip[iplen] = '\0';
	for (d = slash + 1; *d; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		len = len * 10 + (unsigned long)(*d - '0');
	}
	if (hull_ip_parse(ip, family, addr) < 0)
		return -1;
	if (len > (*family == AF_INET ? 32u : 128u))
		return -1;
	*prefix_len = (uint8_t)len;
	return 0;
}
