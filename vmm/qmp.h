/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A QMP client (QEMU Machine Protocol): JSON lines over the VM's unix
 * socket.  qmp_connect() reads the greeting and negotiates capabilities;
 * qmp_execute() sends one command and waits for its answer, keeping the
 * asynchronous events that arrive in between (SHUTDOWN, DEVICE_DELETED...)
 * for qmp_wait_event().
 */
#ifndef HULL_VMM_QMP_H
#define HULL_VMM_QMP_H

#include <jansson.h>

#include "common/error.h"

struct qmp;

/* Retries the connection until timeout_ms (QEMU may not listen yet). */
int qmp_connect(const char *socket_path, int timeout_ms, struct qmp **out, hull_error_t *err);
void qmp_close(struct qmp *q);

/* args may be NULL and is not taken; *ret (if asked) is the "return" value. */
int qmp_execute(struct qmp *q, const char *command, json_t *args, json_t **ret, int timeout_ms,
                hull_error_t *err);

/* Hands fd to QEMU under fdname (the getfd command with SCM_RIGHTS). */
int qmp_send_fd(struct qmp *q, const char *fdname, int fd, hull_error_t *err);

/* Waits for an event named name (one already received counts); *data optional. */
int qmp_wait_event(struct qmp *q, const char *name, int timeout_ms, json_t **data,
                   hull_error_t *err);

/* "running", "paused", "shutdown", ... */
int qmp_query_status(struct qmp *q, char **status, hull_error_t *err);

#endif
