/* SPDX-License-Identifier: Apache-2.0 */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static struct {
	FILE *out; /* NULL means stderr */
	enum hull_log_format format;
	bool debug;
} logger;

static const char *const level_names[] = {
    [HULL_LOG_ERROR] = "error",
    [HULL_LOG_WARNING] = "warning",
    [HULL_LOG_INFO] = "info",
    [HULL_LOG_DEBUG] = "debug",
};

int hull_log_parse_format(const char *name, enum hull_log_format *out, hull_error_t *err)
{
	if (strcmp(name, "text") == 0)
		*out = HULL_LOG_TEXT;
	else if (strcmp(name, "json") == 0)
		*out = HULL_LOG_JSON;
	else
		return hull_fail(err, 0, "--log-format: \"%s\" is not one of text, json", name);
	return 0;
}

int hull_log_init(const char *path, enum hull_log_format format, bool debug, hull_error_t *err)
{
	hull_log_close();
	if (path != NULL && path[0] != '\0') {
		logger.out = fopen(path, "ae");
		if (logger.out == NULL)
			return hull_fail(err, errno, "--log: open %s", path);
		setvbuf(logger.out, NULL, _IOLBF, 0);
	}
	logger.format = format;
	logger.debug = debug;
	return 0;
}

int hull_log_to_fd(int fd)
{
	FILE *f;

	if (logger.out != NULL) {
		/* A --log file stays; fd is still taken: the monitor must not keep its caller's pipe. */
		close(fd);
		return 0;
	}
	f = fdopen(fd, "a");
	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	logger.out = f;
	return 0;
}

void hull_log_close(void)
{
	if (logger.out != NULL)
		fclose(logger.out);
	logger.out = NULL;
}

bool hull_log_is_file(void)
{
	return logger.out != NULL;
}

bool hull_log_debug_enabled(void)
{
	return logger.debug;
}

static void format_time(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06ldZ", (long)tv.tv_usec);
}

/*
 * msg quoted for a logfmt value as Go's strconv.Quote writes it (logrus,
 * and so runc, does the same): \\, \" and \n, \r, \t escaped, other
 * control bytes as \xNN, so a message cannot end its line or its field.
 * With ascii_only, bytes >= 0x80 are written as \xNN too (for JSON, which
 * must be UTF-8).  malloc'd; NULL when out of memory.
 */
static char *quote(const char *msg, bool ascii_only)
{
	char *out = malloc(strlen(msg) * 4 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p == '\\' || (*p == '"' && !ascii_only)) {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (ascii_only && *p >= 0x80) {
			o += sprintf(o, "\\x%02x", *p);
		} else if (ascii_only && *p != 0x7f && (*p >= 0x20 || *p == '\n' || *p == '\t')) {
			*o++ = (char)*p; /* JSON escapes these itself */
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			*o++ = '\\';
			*o++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

static void log_json(FILE *out, enum hull_log_level level, const char *msg, const char *when)
{
	json_t *text_msg = json_string(msg);
	json_t *line;
	char *text;

	if (text_msg == NULL) {
		/* not UTF-8: its bytes >= 0x80 as \xNN */
		char *ascii = quote(msg, true);

		text_msg = ascii ? json_string(ascii) : NULL;
		free(ascii);
	}
	line = json_pack("{s:s, s:o?, s:s}", "level", level_names[level], "msg", text_msg, "time",
	                 when);
	text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	if (text)
		fprintf(out, "%s\n", text);
	free(text);
	json_decref(line);
}

void hull_log(enum hull_log_level level, const char *fmt, ...)
{
	FILE *out = logger.out ? logger.out : stderr;
	char when[64], *msg = NULL;
	int saved_errno = errno;
	va_list ap;

	if (level == HULL_LOG_DEBUG && !logger.debug)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		goto out;
	format_time(when, sizeof(when));
	if (logger.format == HULL_LOG_JSON) {
		log_json(out, level, msg, when);
	} else {
		char *quoted = quote(msg, false);

		if (quoted)
			fprintf(out, "time=\"%s\" level=%s msg=\"%s\"\n", when, level_names[level],
			        quoted);
		free(quoted);
	}
	free(msg);
out:
	errno = saved_errno;
}
