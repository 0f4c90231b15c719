/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAC and IP addresses as text, the way ip(8) prints them: the one
 * spelling that state files, `hull network`, QEMU's command line and the
 * guest agent's requests share.  Parsers return -1 on bad text (NULL too)
 * and touch nothing else.  Linked into the guest agent: no other hull
 * module here.
 */
#ifndef HULL_COMMON_ADDR_H
#define HULL_COMMON_ADDR_H

#include <stdbool.h>
#include <stdint.h>

/* "aa:bb:cc:dd:ee:ff" plus NUL. */
#define HULL_MAC_TEXT_MAX 18
/* Longest "ffff:...:ffff/128" plus NUL. */
#define HULL_ADDR_TEXT_MAX 64

/* "aa:bb:cc:dd:ee:ff" (lowercase) <-> 6 bytes; parse takes either case, nothing else. */
void hull_mac_format(const uint8_t mac[6], char out[HULL_MAC_TEXT_MAX]);
int hull_mac_parse(const char *text, uint8_t mac[6]);

/* All six bytes zero. */
bool hull_mac_is_zero(const uint8_t mac[6]);

/* A plain address, "10.0.0.2" or "fd00::2"; format returns -1 for a family neither. */
int hull_ip_format(int family, const uint8_t *addr, char out[HULL_ADDR_TEXT_MAX]);
int hull_ip_parse(const char *text, int *family, uint8_t addr[16]);

/* "10.0.0.2/24", "fd00::2/64" ("?/24" for a family neither). */
void hull_prefix_format(int family, const uint8_t *addr, unsigned prefix_len,
                        char out[HULL_ADDR_TEXT_MAX]);
int hull_prefix_parse(const char *text, int *family, uint8_t addr[16], uint8_t *prefix_len);

#endif
