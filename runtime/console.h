/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --console-socket: a caller that wants the container's terminal passes a
 * unix socket; the runtime sends it the pty master in one SCM_RIGHTS
 * message whose data is the pty's name, as runc does.  hull keeps the
 * slave side and relays it to the pty the agent opened in the guest.
 */
#ifndef HULL_RUNTIME_CONSOLE_H
#define HULL_RUNTIME_CONSOLE_H

#include <stdbool.h>
#include <termios.h>

#include "common/error.h"

/* A new pty: sends its master to socket_path; *slave is hull's side, in raw mode. */
int console_open(const char *socket_path, int *slave, hull_error_t *err);

/* The window size of a terminal fd; false when it has none. */
bool console_size(int fd, unsigned *rows, unsigned *cols);

/* Puts a terminal in raw mode; *saved is what console_restore puts back. */
int console_make_raw(int fd, struct termios *saved);
void console_restore(int fd, const struct termios *saved);

#endif
