/* SPDX-License-Identifier: Apache-2.0 */
/* Connecting to a unix socket that its server (QEMU) may not have made yet. */
#ifndef HULL_COMMON_UNIX_SOCKET_H
#define HULL_COMMON_UNIX_SOCKET_H

#include "common/error.h"

/*
 * A connected SOCK_STREAM|SOCK_CLOEXEC socket to path, retrying every 10 ms
 * while the socket is missing or refuses (ENOENT, ECONNREFUSED) until
 * deadline_ms (CLOCK_MONOTONIC, common/clock.h).  Returns the fd, or -1
 * with "<what>: connect <path>: <errno>".
 */
int hull_unix_connect(const char *path, long long deadline_ms, const char *what, hull_error_t *err);

#endif
