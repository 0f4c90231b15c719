/* SPDX-License-Identifier: Apache-2.0 */
#include "common/base64.h"

#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const uint8_t *data, size_t len)
{
	char *out = malloc(((len + 2) / 3) * 4 + 1), *p = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = alphabet[v >> 6 & 63];
		*p++ = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v =
		    (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);

		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int sextet(char c)
{
	const char *at = c ? strchr(alphabet, c) : NULL;

	return at ? (int)(at - alphabet) : -1;
}

int base64_decode(const char *text, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(text), n = 0;
	uint8_t *buf;

	if (len % 4 != 0)
		return -1;
	buf = malloc(len / 4 * 3 + 1);
	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int a = sextet(text[i]), b = sextet(text[i + 1]);
		int c = text[i + 2] == '=' ? 0 : sextet(text[i + 2]);
		int d = text[i + 3] == '=' ? 0 : sextet(text[i + 3]);
		bool last = i + 4 == len;

		/* Padding only at the very end, and "x=y" is never valid. */
		if (a < 0 || b < 0 || c < 0 || d < 0 ||
		    ((text[i + 2] == '=' || text[i + 3] == '=') && !last) ||
		    (text[i + 2] == '=' && text[i + 3] != '=')) {
			free(buf);
			return -1;
		}
		buf[n++] = (uint8_t)(a << 2 | b >> 4);
		if (text[i + 2] != '=')
			buf[n++] = (uint8_t)((b & 15) << 4 | c >> 2);
		if (text[i + 3] != '=')
			buf[n++] = (uint8_t)((c & 3) << 6 | d);
	}
	*out = buf;
	*out_len = n;
	return 0;
}
