/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A task's stdio as containerd names it (FIFO paths it made, or file://
 * URIs) opened for the process, and the terminal case: the pty master
 * hull sends to a console socket, relayed to the stdin and stdout FIFOs.
 */
#ifndef HULL_SHIM_STDIO_H
#define HULL_SHIM_STDIO_H

#include <stdbool.h>
#include <pthread.h>

#include "common/error.h"

/*
 * Opens stdin ("" is none: *fd -1).  A FIFO is opened without waiting for
 * containerd's writer, and *keeper is a write end of it held by the shim,
 * so that the process sees no end of file before the writer comes; closing
 * *keeper (CloseIO) lets the end of containerd's writing reach it.
 */
int shim_open_stdin(const char *uri, int *fd, int *keeper, hull_error_t *err);
/*
 * Opens stdout or stderr ("" is none: *fd -1).  A FIFO is opened read-write,
 * so the process never waits for (nor gets SIGPIPE from) containerd's
 * reader coming and going; file://PATH appends to PATH.  Other schemes
 * (binary://) are refused by name.
 */
int shim_open_output(const char *uri, int *fd, hull_error_t *err);

/* A unix socket listening at path (removed first), for --console-socket. */
int shim_console_listen(const char *path, int *fd, hull_error_t *err);
/* The pty master that hull sent to the listening socket (already connected). */
int shim_console_receive(int listen_fd, int *master, hull_error_t *err);

/* Copies a terminal's master to and from the task's FIFOs until it closes. */
struct shim_console_relay {
	int master;
	int in;  /* stdin FIFO or -1; at its end the terminal gets its EOF character */
	int out; /* stdout FIFO or -1 */
	pthread_t in_thread, out_thread;
	bool in_started, out_started;
	int stop_in; /* an eventfd: the stdin relay stops when it is written */
	pthread_mutex_t lock;
};

int shim_console_relay_start(struct shim_console_relay *relay, int master, int in, int out,
                             hull_error_t *err);
int shim_console_resize(struct shim_console_relay *relay, unsigned width, unsigned height,
                        hull_error_t *err);
/* Waits for the output relay to end (the process has exited) and frees everything. */
void shim_console_relay_stop(struct shim_console_relay *relay);

#endif
