/* SPDX-License-Identifier: Apache-2.0 */
#include "persist/id.h"

#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "bpf/tc_endpoint.h"
#include "net/endpoint.h"

/*
 * The socket bound is the tighter one under any root (at most 91, under "/"),
 * so an id that fits its sockets fits its pin directories too:
 * /sys/fs/bpf/hull/<id>/<link name of up to 15> within bpf_pin_dir's 255.
 */
_Static_assert(HULL_SOCKET_PATH_MAX - sizeof("//" HULL_SANDBOX_LONGEST_SOCKET) + 1 <=
                   sizeof(((struct hull_endpoint *)0)->bpf_pin_dir) - 1 -
                       sizeof(HULL_BPF_PIN_ROOT "/") - (IFNAMSIZ - 1),
               "an id that fits its sockets must fit its BPF pin directories");

static bool id_char_allowed(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '-' || c == '.';
}

/*
 * The id as it may appear in a message: at most 64 characters, with
 * control and non-ASCII bytes written as \xNN so the message stays one
 * readable line whatever the caller passed.
 */
static void id_for_message(const char *id, char *out, size_t size)
{
	size_t o = 0, i;

	for (i = 0; id[i] != '\0' && i < 64 && o + 5 < size; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (id[i] != '\0' && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int hull_id_validate(const char *id, hull_error_t *err)
{
	char shown[64 * 4 + 8];
	size_t len, i;

	if (id == NULL || id[0] == '\0')
		return hull_fail(err, 0, "invalid container id \"\": an id must not be empty");
	len = strnlen(id, HULL_ID_MAX + 1);
	id_for_message(id, shown, sizeof(shown));
	if (len > HULL_ID_MAX)
		return hull_fail(err, 0, "invalid container id \"%s\": longer than %d characters",
		                 shown, HULL_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return hull_fail(
		    err, 0, "invalid container id \"%s\": \".\" and \"..\" are not allowed", shown);
	for (i = 0; i < len; i++)
		if (!id_char_allowed((unsigned char)id[i]))
			return hull_fail(err, 0,
			                 "invalid container id \"%s\": only letters, digits and "
			                 "_+-. are allowed",
			                 shown);
	return 0;
}

bool hull_id_is_valid(const char *id)
{
	return hull_id_validate(id, NULL) == 0;
}

int hull_id_fits(const char *root, const char *id, hull_error_t *err)
{
	/* <root>/<id>/virtiofs.sock */
	size_t fixed = strlen(root) + sizeof("//" HULL_SANDBOX_LONGEST_SOCKET) - 1;
	size_t len, max;
	char shown[64 * 4 + 8];

	if (hull_id_validate(id, err) < 0)
		return -1;
	len = strlen(id);
	id_for_message(id, shown, sizeof(shown));
	max = fixed < HULL_SOCKET_PATH_MAX ? HULL_SOCKET_PATH_MAX - fixed : 0;
	if (len > max)
		return hull_fail(err, 0,
		                 "container id \"%s\" is too long: %zu characters, and under the "
		                 "state root %s an id has at most %zu so that the sockets in "
		                 "%s/<id>/ fit a unix socket path (%d bytes): use a shorter id "
		                 "or --root",
		                 shown, len, root, max, root, HULL_SOCKET_PATH_MAX);
	return 0;
}
