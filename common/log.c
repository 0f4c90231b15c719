/* SPDX-License-Identifier: Apache-2.0 */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

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
		json_t *line = json_pack("{s:s, s:s, s:s}", "level", level_names[level], "msg", msg,
		                         "time", when);
		char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;

		if (text)
			fprintf(out, "%s\n", text);
		free(text);
		json_decref(line);
	} else {
		fprintf(out, "time=\"%s\" level=%s msg=\"%s\"\n", when, level_names[level], msg);
	}
	free(msg);
out:
	errno = saved_errno;
}
