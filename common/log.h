/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hull's one logging convention.
 *
 * Messages go to stderr, or to the file named by --log, one line each:
 * text as logrus writes it, time="2026-01-02T03:04:05.678901Z" level=info
 * msg="..." (the message quoted as Go's strconv.Quote does), or with
 * --log-format json in runc's shape,
 * {"level":"info","msg":"...","time":"2026-01-02T03:04:05.678901Z"}, which
 * containerd and CRI-O read back from the log file when a command fails.
 * Debug messages are written only with --debug.
 */
#ifndef HULL_COMMON_LOG_H
#define HULL_COMMON_LOG_H

#include <stdbool.h>

#include "common/error.h"

enum hull_log_level {
	HULL_LOG_ERROR,
	HULL_LOG_WARNING,
	HULL_LOG_INFO,
	HULL_LOG_DEBUG,
};

enum hull_log_format {
	HULL_LOG_TEXT,
	HULL_LOG_JSON,
};

/* "text" or "json"; anything else fails, naming the value. */
int hull_log_parse_format(const char *name, enum hull_log_format *out, hull_error_t *err);

/* path NULL keeps stderr.  The file is opened for append (runc does too). */
int hull_log_init(const char *path, enum hull_log_format format, bool debug, hull_error_t *err);
void hull_log_close(void);

/* Logs to fd (taken) instead of stderr, unless a --log file is open. */
int hull_log_to_fd(int fd);

/* True when messages go to a --log file rather than stderr. */
bool hull_log_is_file(void);

/* True with --debug: lets a caller skip building a costly debug message. */
bool hull_log_debug_enabled(void);

void hull_log(enum hull_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) hull_log(HULL_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) hull_log(HULL_LOG_WARNING, __VA_ARGS__)
#define log_info(...) hull_log(HULL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) hull_log(HULL_LOG_DEBUG, __VA_ARGS__)

#endif
